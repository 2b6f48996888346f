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
    "clear_cache": "mgedu.tables",
    "load_documents": "mgedu.seeds",
    "load_claims": "mgedu.seeds",
    "document_text": "mgedu.seeds",
    "load_studies": "mgedu.studies",
    "study": "mgedu.studies",
    "validate": "mgedu.validation",
    "check_data": "mgedu.validation",
    "check": "mgedu.exercises",
    "exercise_table": "mgedu.exercises",
    "use_style": "mgedu.plots",
    "show": "mgedu.plots",
    "show_table": "mgedu.display",
    # 01 claims
    "select_claims": "mgedu.claims",
    "verdict_counts": "mgedu.claims",
    "claim_card": "mgedu.claims",
    "load_discrepancies": "mgedu.claims",
    # 02 mechanisms
    "nmda_unblocked_fraction": "mgedu.mechanisms",
    "nmda_current": "mgedu.mechanisms",
    "mechanism_chain": "mgedu.mechanisms",
    # 03 study designs
    "simulate_trials": "mgedu.designs",
    "false_positive_rate": "mgedu.designs",
    "power": "mgedu.designs",
    "required_n_per_arm": "mgedu.designs",
    # 04 doses
    "elemental_fraction": "mgedu.doses",
    "elemental_mg": "mgedu.doses",
    "salt_mg": "mgedu.doses",
    "mg_to_mmol": "mgedu.doses",
    "mmol_to_mg": "mgedu.doses",
    "convert_serum": "mgedu.doses",
    "reconcile_doses": "mgedu.dose_reconciliation",
    "intake_reference": "mgedu.intake",
    "assess_dose": "mgedu.intake",
    "absorbed_mg_range": "mgedu.absorption",
    # 05-06 evidence
    "design_ladder": "mgedu.evidence",
    "grade_certainty": "mgedu.evidence",
    "pool_effects": "mgedu.pooling",
    "report_card": "mgedu.report_cards",
    # classroom
    "release": "mgedu.classroom.release",
    "grade_submissions": "mgedu.classroom.grading",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from mgedu.absorption import absorbed_mg_range
    from mgedu.claims import claim_card, load_discrepancies, select_claims, verdict_counts
    from mgedu.classroom.grading import grade_submissions
    from mgedu.classroom.release import release
    from mgedu.designs import false_positive_rate, power, required_n_per_arm, simulate_trials
    from mgedu.display import show_table
    from mgedu.dose_reconciliation import reconcile_doses
    from mgedu.doses import (
        convert_serum,
        elemental_fraction,
        elemental_mg,
        mg_to_mmol,
        mmol_to_mg,
        salt_mg,
    )
    from mgedu.evidence import design_ladder, grade_certainty
    from mgedu.exercises import check, exercise_table
    from mgedu.intake import assess_dose, intake_reference
    from mgedu.mechanisms import mechanism_chain, nmda_current, nmda_unblocked_fraction
    from mgedu.plots import show, use_style
    from mgedu.pooling import pool_effects
    from mgedu.report_cards import report_card
    from mgedu.seeds import document_text, load_claims, load_documents
    from mgedu.studies import load_studies, study
    from mgedu.tables import DataError, Problem, clear_cache
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
