"""The first cell of every notebook: install mgedu where it is missing, do nothing where it is not.

In a local JupyterLab, on Binder and on a JupyterHub whose image has mgedu, the package is already
importable and the cell does nothing, silently (so nbval sees no output). On Google Colab, it installs
mgedu from the project's GitHub repository with ``%pip``; Colab's own pandas, numpy, matplotlib, scipy,
statsmodels and ipywidgets satisfy mgedu's requirements, so only mgedu and molmass are added. In
JupyterLite (Python in the browser, ``sys.platform == "emscripten"``) it installs mgedu with piplite from
the wheels the site serves; Pyodide supplies the compiled packages. The data files travel inside the
package, so nothing else needs downloading.

The text lives here only: :func:`ensure_setup_cell` puts it first in a notebook (or replaces an older
version of it), and a test checks that every notebook starts with exactly this cell.
"""

from __future__ import annotations

from typing import Any

#: The GitHub repository that Colab installs from (the README's Binder and Colab badges point at it).
REPOSITORY = "mgedu/mgedu"

SETUP_CELL_SOURCE = f"""\
# Setup for Colab and JupyterLite: installs this workbook's package if it is missing.
# Elsewhere (your computer, Binder, a JupyterHub) this cell does nothing.
import importlib, importlib.util, sys
if importlib.util.find_spec("mgedu") is None:
    if sys.platform == "emscripten":  # JupyterLite: the site serves the package
        import piplite
        await piplite.install("mgedu")
    else:  # Colab, or any Python without mgedu
        %pip install --quiet "mgedu @ git+https://github.com/{REPOSITORY}"
    importlib.invalidate_caches()"""

#: Cell tags: students never see them. The cell prints nothing where mgedu is installed.
SETUP_CELL_TAGS = ["setup-install"]
#: A fixed cell id (nbformat 4.5), so refreshing a notebook never changes it.
SETUP_CELL_ID = "mgedu-setup"
#: The comment that opens the cell, by which an older version of it is recognised.
_MARKER = "# Setup for Colab and JupyterLite"


def setup_cell() -> dict[str, Any]:
    """The setup cell as an nbformat v4 code cell (a plain dict, no outputs).

    >>> cell = setup_cell()
    >>> cell["cell_type"], cell["source"].splitlines()[2]
    ('code', 'import importlib, importlib.util, sys')
    """
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": SETUP_CELL_ID,
        "metadata": {"tags": list(SETUP_CELL_TAGS)},
        "outputs": [],
        "source": SETUP_CELL_SOURCE,
    }


def is_setup_cell(cell: Any) -> bool:
    """Whether ``cell`` is a version (this one or an older one) of the setup cell.

    >>> is_setup_cell(setup_cell()), is_setup_cell({"cell_type": "markdown", "source": "# 00"})
    (True, False)
    """
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    return cell.get("cell_type") == "code" and source.startswith(_MARKER)


def ensure_setup_cell(nb: Any) -> bool:
    """Make the setup cell the first cell of ``nb`` (a dict-like notebook); return whether ``nb`` changed.

    An older version of the cell anywhere in the notebook is removed first, so the cell is never doubled.

    >>> nb = {"cells": [{"cell_type": "markdown", "source": "# 00", "metadata": {}}]}
    >>> ensure_setup_cell(nb), ensure_setup_cell(nb), len(nb["cells"])
    (True, False, 2)
    """
    cells = nb["cells"]
    first = cells[0] if cells else None
    if first is not None and is_setup_cell(first):
        source = first["source"]
        source = "".join(source) if isinstance(source, list) else source
        if source == SETUP_CELL_SOURCE and first.get("metadata", {}).get("tags") == SETUP_CELL_TAGS:
            return False
    kept = [cell for cell in cells if not is_setup_cell(cell)]
    new = setup_cell()
    try:  # an nbformat NotebookNode wants a NotebookNode cell
        import nbformat

        new = nbformat.from_dict(new)
    except ImportError:
        pass
    cells[:] = [new, *kept]
    return True
