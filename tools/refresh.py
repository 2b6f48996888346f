"""Re-execute notebooks and store their outputs lean and deterministic (for contributors).

``python -m tools.refresh notebooks/01-claims.ipynb [...]`` runs each notebook top to bottom in a
fresh kernel (working directory: the notebook's folder), after putting the workbook's setup cell first
(``tools/setup_cell.py``; it installs mgedu on Colab and in JupyterLite; a notebook that lacks it gets it),
then removes what would churn on every run: widget state and execution timing metadata. Outputs
themselves are kept, because nbval compares them. A notebook with an error output is not written back:
the command fails and names the cell, so a broken notebook is never stored.

Metadata is stored the way JupyterLab itself would write it, so that merely opening a notebook does
not mark it modified: the ``language_info`` the kernel reports (JupyterLab copies the kernel's,
``version`` included, into the notebook when the kernel starts) and, for a cell whose outputs are
hidden (``jupyter.outputs_hidden``), the matching legacy ``collapsed`` flag (JupyterLab adds it).
``python -m tools.refresh --metadata-only`` applies just this to notebooks without running them
(and also puts the setup cell first).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STRIP_NOTEBOOK_METADATA = ("widgets",)
STRIP_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def kernel_language_info() -> dict[str, Any]:
    """The ``language_info`` a python3 kernel of this environment reports (what JupyterLab stores).

    >>> kernel_language_info()["pygments_lexer"]
    'ipython3'
    """
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def normalise_metadata(nb: Any, language_info: dict[str, Any] | None = None) -> Any:
    """Store kernelspec, ``language_info`` and the ``collapsed`` flags as JupyterLab writes them (see
    the module docstring), in place; return the notebook."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    info = dict(language_info or kernel_language_info())
    nb.metadata["language_info"] = {key: info[key] for key in sorted(info)}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("jupyter", {}).get("outputs_hidden"):
            cell.metadata["collapsed"] = True
    return nb


def clean_notebook(nb: Any) -> Any:
    """Remove widget state, timing and per-run metadata in place; return the notebook."""
    for key in STRIP_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in STRIP_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            outputs: list[Any] = []
            for output in cell.get("outputs", []):
                previous = outputs[-1] if outputs else None
                if (
                    output.get("output_type") == "stream"
                    and previous is not None
                    and previous.get("output_type") == "stream"
                    and previous.get("name") == output.get("name")
                ):
                    previous["text"] = previous["text"] + output["text"]  # one stream, however it was chunked
                    continue
                data = output.get("data", {})
                if "application/vnd.jupyter.widget-view+json" in data:
                    # A widget's view: keep only the plain-text fallback, never the model id.
                    data.pop("application/vnd.jupyter.widget-view+json")
                    data["text/plain"] = "Interactive widget: run the notebook to use it."
                outputs.append(output)
            cell.outputs = outputs
    return normalise_metadata(nb, nb.metadata.get("language_info") or None)


def error_cells(nb: Any) -> list[int]:
    """Indices of code cells with an error output."""
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    ]


def add_setup_cell(nb: Any) -> bool:
    """Put the workbook's setup cell (``tools/setup_cell.py``) first in a notebook that runs code,
    replacing an older version of it; return whether the notebook changed. Markdown-only notebooks
    (the glossary) need no install and are left alone."""
    from tools.setup_cell import ensure_setup_cell, is_setup_cell

    if not any(cell.cell_type == "code" and not is_setup_cell(cell) for cell in nb.cells):
        return False
    return ensure_setup_cell(nb)


def execute_notebook(path: Path, timeout: int = 120) -> Any:
    """Execute the notebook at ``path`` in a fresh kernel and return it (not written)."""
    import nbformat

    from mgedu.classroom.kernels import notebook_client

    nb = nbformat.read(path, as_version=4)
    add_setup_cell(nb)
    client = notebook_client(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def refresh(path: Path, timeout: int = 120) -> None:
    """Execute, clean and write back one notebook; raise ``RuntimeError`` if any cell errors."""
    import nbformat

    nb = clean_notebook(execute_notebook(path, timeout))
    bad = error_cells(nb)
    if bad:
        details = []
        for i in bad:
            err = next(o for o in nb.cells[i].outputs if o.get("output_type") == "error")
            details.append(f"cell {i}: {err.get('ename')}: {err.get('evalue')}")
        raise RuntimeError(f"{path}: not written, errors in " + "; ".join(details))
    nbformat.write(nb, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tools.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    parser.add_argument(
        "--metadata-only",
        action="store_true",
        help="only store the metadata as JupyterLab writes it (no run; outputs untouched)",
    )
    args = parser.parse_args(argv)
    status = 0
    if args.metadata_only:
        import nbformat

        for path in args.notebooks:
            nb = nbformat.read(path, as_version=4)
            add_setup_cell(nb)
            nbformat.write(normalise_metadata(nb), path)
            print(f"normalised {path}")
        return status
    for path in args.notebooks:
        try:
            refresh(path, args.timeout)
            print(f"refreshed {path}")
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
