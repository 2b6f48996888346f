"""What `pip install mgedu` brings, and what a learner's notebook may rely on.

A learner's install (Colab, JupyterLite, a hub image) gets only what the notebooks import at run time;
JupyterLab, the teacher's tools and the test tools are extras. Checked here without building anything:
the declared dependencies, that no module a notebook can reach imports notebook tooling, that the
classroom commands say which extra to install when its tools are missing, the notebooks' first cell,
and the JupyterLite pins. The environments themselves are built in ``test_colab.py`` and ``test_hub.py``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from environments import FORBIDDEN_MODULES, REPO, canonical, read_pins
from packaging.requirements import Requirement

from tools import lite, pyodide_core
from tools.setup_cell import REPOSITORY, SETUP_CELL_SOURCE, SETUP_CELL_TAGS

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = {canonical(Requirement(spec).name): Requirement(spec) for spec in PROJECT["dependencies"]}
EXTRAS = PROJECT["optional-dependencies"]
#: What the notebooks import at run time (the issue's list); nothing else is a required dependency.
#: anywidget: the explorers' accessibility helper (mgedu.widgets.accessibility), pure Python.
NOTEBOOK_IMPORTS = {"pandas", "numpy", "matplotlib", "ipywidgets", "anywidget", "molmass", "statsmodels", "scipy"}
#: Imported by mgedu, installed with a required dependency: IPython with ipywidgets, cycler and PIL (Pillow) with
#: matplotlib.
THROUGH = {"IPython": "ipywidgets", "cycler": "matplotlib", "PIL": "matplotlib"}
#: The teacher's tools inside the package, which a notebook never imports.
TOOL_MODULES = ("mgedu.classroom",)


def learner_modules() -> list[str]:
    """Every module of the package a notebook could import (the tools excepted)."""
    import mgedu

    names = ["mgedu"]
    for info in pkgutil.walk_packages(mgedu.__path__, "mgedu."):
        if not info.name.startswith(TOOL_MODULES) and info.name != "mgedu.__main__":
            names.append(info.name)
    return names


def test_required_dependencies_are_what_the_notebooks_import() -> None:
    assert set(RUNTIME) == NOTEBOOK_IMPORTS, (
        f"required: {sorted(RUNTIME)}; the notebooks import {sorted(NOTEBOOK_IMPORTS)}"
    )
    assert "7.7.1" in RUNTIME["ipywidgets"].specifier, "Colab ships ipywidgets 7.7.1: the lower bound must admit it"
    for name, colab_version in read_pins(REPO / "tests" / "platforms" / "colab.txt").items():
        if name in RUNTIME:
            assert colab_version in RUNTIME[name].specifier, (
                f"Colab's {name} {colab_version} is refused by {RUNTIME[name]}"
            )


def test_every_third_party_import_of_the_learner_modules_is_declared() -> None:
    """Module-level imports need a required dependency; an import inside a function (a teacher's or
    contributor's helper that reads notebooks, say) may use an extra instead."""
    in_extras = {canonical(Requirement(spec).name) for specs in EXTRAS.values() for spec in specs}
    undeclared: dict[str, set[str]] = {}
    for module in learner_modules():
        spec = importlib.util.find_spec(module)
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            )
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("mgedu", "__future__"):
                    continue
                package = canonical(THROUGH.get(top, top))
                allowed = RUNTIME if id(node) in top_level else RUNTIME.keys() | in_extras
                if package not in allowed:
                    where = "at import time" if id(node) in top_level else "in a function"
                    undeclared.setdefault(f"{top} ({where})", set()).add(module)
    assert not undeclared, f"imported by learner modules but not declared: {undeclared}"


def test_extras_hold_jupyterlab_the_classroom_tools_and_the_test_tools() -> None:
    names = {extra: {canonical(Requirement(spec).name) for spec in specs} for extra, specs in EXTRAS.items()}
    assert names["lab"] == {"jupyterlab"}
    assert {"nbformat", "nbclient", "jupyter-client", "ipykernel"} <= names["classroom"]
    assert {"jupyterlite-core", "jupyterlite-pyodide-kernel"} <= names["lite"]
    assert {"nbval", "pytest"} <= names["test"]
    self_reference = [Requirement(spec) for spec in EXTRAS["test"] if canonical(Requirement(spec).name) == "mgedu"]
    assert self_reference and self_reference[0].extras == {"lab", "classroom", "lite"}
    for tool in ("jupyterlab", "nbval", "nbformat", "nbclient", "pytest"):
        assert tool not in RUNTIME, f"{tool} is a required dependency: a learner's install would pull it in"


def test_the_lock_carries_no_test_tools() -> None:
    locked = read_pins(REPO / "binder" / "requirements.txt")
    test_only = read_pins(REPO / "tests" / "requirements.txt")
    for tool in ("pytest", "nbval", "coverage", "hypothesis", "playwright", "ruff", "pytest-xdist", "uv"):
        assert tool not in locked, f"{tool} is in binder/requirements.txt: Binder's image must carry no test tools"
        assert tool in test_only, f"{tool} is not pinned in tests/requirements.txt"
    for package in ("jupyterlab", "nbformat", "nbclient", "ipykernel", *NOTEBOOK_IMPORTS):
        assert canonical(package) in locked, f"the lock lacks {package}"


def test_learner_modules_import_no_notebook_tooling() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {learner_modules()!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {FORBIDDEN_MODULES!r} if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], f"a learner module imports {result.stdout.strip()} at import time"


@pytest.mark.parametrize(
    ("command", "missing"),
    [("release", "nbformat"), ("grade", "nbformat"), ("grade", "nbclient"), ("grade", "jupyter_client")],
)
def test_classroom_commands_name_the_extra_when_its_tools_are_missing(
    command: str, missing: str, tmp_path: Path
) -> None:
    submission = tmp_path / "submitted.ipynb"
    submission.write_text((REPO / "notebooks" / "00-start-here.ipynb").read_text(encoding="utf-8"))
    argv = {
        "release": ["release", "--out", str(tmp_path / "student")],
        "grade": ["grade", str(submission), "--out", str(tmp_path / "grades.csv")],
    }[command]
    code = (
        f"import sys; sys.modules[{missing!r}] = None  # as if it were not installed\n"
        f"from mgedu.__main__ import main; sys.exit(main({argv!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert f"python -m mgedu {command} needs the classroom tools, and {missing!r} is not installed" in result.stderr
    assert "pip install 'mgedu[classroom]'" in result.stderr and "Traceback" not in result.stderr, result.stderr


# ----------------------------------------------------------------------------- the notebooks' first cell
def test_every_notebook_starts_with_the_setup_cell() -> None:
    """Every notebook that runs code; a markdown-only one (the glossary) needs no install and has none."""
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
        if not any(cell["cell_type"] == "code" for cell in cells):
            assert SETUP_CELL_SOURCE not in sources, path.name
            continue
        first, source = cells[0], sources[0]
        count = sources.count(SETUP_CELL_SOURCE)
        assert count, (
            f"{path.name} lacks the setup cell of tools/setup_cell.py: run "
            f"`make refresh NB=notebooks/{path.name}` (or `python -m tools.refresh --metadata-only ...`)"
        )
        assert count == 1, f"{path.name} holds the setup cell {count} times"
        assert first["cell_type"] == "code" and source == SETUP_CELL_SOURCE, (
            f"{path.name} must start with the setup cell of tools/setup_cell.py (the refresh tool puts it there)"
        )
        assert first["metadata"].get("tags") == SETUP_CELL_TAGS, path.name
        assert first.get("outputs") == [], f"{path.name}: the setup cell must print nothing where mgedu is installed"


@pytest.mark.parametrize("metadata_only", [True, False], ids=["metadata-only", "run"])
def test_refresh_puts_the_setup_cell_into_a_notebook_that_lacks_it(metadata_only: bool, tmp_path: Path) -> None:
    """A notebook rewritten elsewhere (merged without the cell, or with an older version of it) gets the
    cell back from ``python -m tools.refresh``: first, once, with its tags, printing nothing."""
    import nbformat

    from tools.refresh import main as refresh

    old = "# Setup for Colab and JupyterLite: an older version\nimport mgedu"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 07 · A new notebook"),
            nbformat.v4.new_code_cell("print(6 * 7)"),
            nbformat.v4.new_code_cell(old),
        ]
    )
    lacking = tmp_path / "07-new.ipynb"
    nbformat.write(nb, lacking)
    glossary = tmp_path / "08-words.ipynb"  # markdown only: nothing to install, left without the cell
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Words")]), glossary)
    argv = [str(lacking), str(glossary), *(["--metadata-only"] if metadata_only else [])]
    assert refresh(argv) == 0
    for _ in range(2):  # a second refresh leaves the cell as it is
        cells = json.loads(lacking.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(cell["source"]) for cell in cells]
        assert sources == [SETUP_CELL_SOURCE, "# 07 · A new notebook", "print(6 * 7)"], sources
        assert cells[0]["metadata"]["tags"] == SETUP_CELL_TAGS and cells[0]["outputs"] == []
        if not metadata_only:
            assert "".join(cells[2]["outputs"][0]["text"]) == "42\n"
        refresh(argv)
    assert ["".join(c["source"]) for c in json.loads(glossary.read_text())["cells"]] == ["# Words"]


def test_setup_cell_is_valid_ipython_with_a_branch_per_platform() -> None:
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(SETUP_CELL_SOURCE)
    tree = compile(python, "<setup cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    code = ast.unparse(tree)
    magic = "get_ipython().run_line_magic('pip', 'install --quiet \"mgedu @ git+https://github.com/mgedu/mgedu\"')"
    assert magic in code
    assert "await piplite.install('mgedu')" in code and "sys.platform == 'emscripten'" in code
    # The repository Colab installs from is the one the README's badges open.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "mybinder.org/v2/gh/mgedu/mgedu/" in readme


COLAB_BADGE = re.compile(
    r"\[!\[(?P<alt>[^\]]*)\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]"
    r"\(https://colab\.research\.google\.com/github/(?P<repo>[^/]+/[^/]+)/blob/(?P<ref>[^/]+)/(?P<path>[^)]+)\)"
)


def code_notebooks() -> list[str]:
    """The notebooks that run code (the ones a student opens in Colab)."""
    return sorted(
        path.name
        for path in (REPO / "notebooks").glob("*.ipynb")
        if any(cell["cell_type"] == "code" for cell in json.loads(path.read_text())["cells"])
    )


@pytest.mark.parametrize("where", ["README.md", "notebooks/00-start-here.ipynb"])
def test_an_open_in_colab_badge_per_notebook(where: str) -> None:
    text = (REPO / where).read_text(encoding="utf-8")
    if where.endswith(".ipynb"):
        cells = json.loads(text)["cells"]
        text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    badges = [match.groupdict() for match in COLAB_BADGE.finditer(text)]
    assert all(badge["alt"] and badge["repo"] == REPOSITORY for badge in badges), badges
    opened = sorted(badge["path"].removeprefix("notebooks/") for badge in badges)
    assert opened == code_notebooks(), f"{where}: Colab badges open {opened}"
    assert all((REPO / badge["path"]).is_file() for badge in badges)


# ----------------------------------------------------------------------------- JupyterLite pins
def test_self_hosted_pyodide_is_the_version_the_kernel_loads_from_the_cdn() -> None:
    constants = pytest.importorskip("jupyterlite_pyodide_kernel.constants")
    assert pyodide_core.PYODIDE_VERSION == constants.PYODIDE_VERSION, (
        "tools/pyodide_core.py pins another Pyodide than jupyterlite-pyodide-kernel loads from its CDN: "
        "update PYODIDE_VERSION and PYODIDE_INTEGRITY (npm view pyodide@<version> dist.integrity)"
    )


def test_lite_build_loads_pyodide_from_its_cdn_unless_told_otherwise(tmp_path: Path) -> None:
    default = lite.lite_command(tmp_path / "site", tmp_path / "work", [], None)
    assert "--pyodide" not in default
    assert default[default.index("--settings-overrides") + 1].endswith("binder/overrides.json")
    tarball = lite.lite_command(tmp_path / "site", tmp_path / "work", [], "/srv/pyodide-314.0.6.tar.bz2")
    assert tarball[tarball.index("--pyodide") + 1] == "/srv/pyodide-314.0.6.tar.bz2"
    url = "https://example.org/pyodide-314.0.6.tar.bz2"
    assert lite.lite_command(tmp_path / "site", tmp_path / "work", [], url)[-1] == url
    assert lite.lite_requirements() == EXTRAS["lite"]


def test_lite_bundles_exactly_the_pure_python_wheels_pyodide_lacks() -> None:
    lock_file = pyodide_core.DEFAULT_OUT / "pyodide-lock.json"
    if not lock_file.is_file():
        pytest.skip("Pyodide's lock is not here: `make pyodide-core` fetches it (npm)")
    import importlib.metadata as metadata

    pyodide = {canonical(name) for name in json.loads(lock_file.read_text())["packages"]}
    kernel_wheels = {"widgetsnbextension", "ipykernel", "pyodide-kernel", "piplite"}  # the kernel's own
    browser = {
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "python_version": "3.14",
        "python_full_version": "3.14.2",
        "platform_machine": "wasm32",
        "os_name": "posix",
    }
    needed: set[str] = set()
    todo = list(RUNTIME.values())
    while todo:
        requirement = todo.pop()
        name = canonical(requirement.name)
        if requirement.marker and not requirement.marker.evaluate({**browser, "extra": ""}):
            continue
        if name in pyodide or name in kernel_wheels or name in needed:
            continue
        needed.add(name)
        for spec in metadata.requires(name) or []:
            todo.append(Requirement(spec))
    assert needed == {canonical(name) for name in lite.BUNDLED}, (
        f"the browser needs these wheels that Pyodide lacks: {sorted(needed)}; tools/lite.py bundles {lite.BUNDLED}"
    )
