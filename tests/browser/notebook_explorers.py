"""Build, in this process, the explorers a notebook builds, with the notebook's own factory calls.

The browser tests compare each readout shown in JupyterLab with the readout the same explorer gives
in-process after the same control change. To build "the same explorer" whatever arguments a notebook
passes to its ``make_*`` factory, the notebook's code cells are run here in order (IPython syntax
translated, magics ignored, printed output discarded) until the requested number of explorers exists.
Explorers are recognised by the ``mgedu-explorer`` CSS class that :func:`mgedu.widgets.make_explorer`
gives every explorer, in the order they were created (which is the order they appear on the page).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class _NoShell:
    """Stands in for ``get_ipython()``: magics and shell commands do nothing here."""

    def run_line_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    def run_cell_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    def system(self, *args: Any, **kwargs: Any) -> None:
        return None

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def is_explorer(widget: Any) -> bool:
    """True for a box built by ``make_explorer`` (it carries the ``mgedu-explorer`` class)."""
    return "mgedu-explorer" in getattr(widget, "_dom_classes", ())


def explorer_name(widget: Any) -> str:
    """The explorer's own name: its ``mgedu-<name>`` class other than ``mgedu-explorer``."""
    names = [c.removeprefix("mgedu-") for c in widget._dom_classes if c.startswith("mgedu-") and c != "mgedu-explorer"]
    return names[0] if names else ""


def code_cells(path: Path) -> list[tuple[int, str]]:
    """(cell index, source) of every code cell of the notebook at ``path``."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return [(i, cell.source) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]


def notebook_explorers(path: Path, count: int | None = None) -> list[Any]:
    """Run the notebook's code cells here and return the explorers they create, in creation order.

    Stops as soon as ``count`` explorers exist (all cells are run when ``count`` is None). Raises
    ``RuntimeError`` naming the cell when a cell fails. The notebook's ``use_style()`` holds only while its
    cells run: Matplotlib's settings are restored afterwards, so later tests in this process draw with
    the defaults they expect.
    """
    import matplotlib

    matplotlib.use("Agg")
    from IPython.core.inputtransformer2 import TransformerManager
    from ipywidgets.widgets.widget import _instances

    from tools.setup_cell import SETUP_CELL_SOURCE

    transformer = TransformerManager()
    namespace: dict[str, Any] = {"__name__": "__main__", "get_ipython": _NoShell}
    known = set(_instances)
    explorers: list[Any] = []
    with (
        _working_directory(path.parent),
        contextlib.redirect_stdout(io.StringIO()),
        matplotlib.rc_context(),
    ):
        for index, source in code_cells(path):
            if count is not None and len(explorers) >= count:
                break
            if source == SETUP_CELL_SOURCE:
                continue  # installs mgedu on Colab or JupyterLite (top-level await); nothing to do here
            code = transformer.transform_cell(source)
            try:
                exec(compile(code, f"{path.name}[cell {index}]", "exec"), namespace)  # noqa: S102
            except Exception as exc:
                raise RuntimeError(
                    f"{path.name}: cell {index} failed when run in-process: {type(exc).__name__}: {exc}"
                ) from exc
            new = [w for key, w in list(_instances.items()) if key not in known]
            known.update(_instances)
            explorers.extend(w for w in new if is_explorer(w))
    return explorers
