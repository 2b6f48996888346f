"""mgedu: a workbook for appraising health claims, on one real case (magnesium for restless legs and sleep).

The package loads the seed articles and their audited claims and does every computation the
notebooks show. Importing it changes no global state and imports nothing heavy: each public name
below is loaded from its module on first use (so ``import mgedu`` does not pull in pandas,
matplotlib, ipywidgets or statsmodels).

>>> import mgedu
>>> len(mgedu.load_documents())
5
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "DataError": "mgedu.tables",
    "Problem": "mgedu.tables",
    "load_documents": "mgedu.seeds",
    "load_claims": "mgedu.seeds",
    "document_text": "mgedu.seeds",
    "load_studies": "mgedu.studies",
    "study": "mgedu.studies",
    "validate": "mgedu.validation",
    "check_data": "mgedu.validation",
    "check": "mgedu.exercises",
    "use_style": "mgedu.plots",
    "show": "mgedu.plots",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from mgedu.exercises import check
    from mgedu.plots import show, use_style
    from mgedu.seeds import document_text, load_claims, load_documents
    from mgedu.studies import load_studies, study
    from mgedu.tables import DataError, Problem
    from mgedu.validation import check_data, validate


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mgedu' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
