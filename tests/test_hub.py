"""The workbook on the versions JupyterLite's Pyodide ships, in an environment laid out like a JupyterHub image.

A fresh environment (``tests/environments.py``) with the versions of numpy, pandas, matplotlib, scipy,
statsmodels, IPython (and their dependencies) that ``pyodide-lock.json`` of the pinned npm ``pyodide``
package names, read from that file, plus what a hub's single-user image carries (JupyterHub, JupyterLab,
Notebook, nbgitpuller, ipywidgets 8: ``tests/platforms/hub.txt``). mgedu goes in with the one line the
teacher's guide gives for a hub image, which must add nothing but mgedu and molmass; every notebook then
runs from a copy of the repository, as nbgitpuller leaves it in a student's home, and loads its data from
the installed package. One environment serves both claims: both stand for "current releases", and a hub's
server packages do not touch what the kernel imports. Pyodide runs Python 3.14; where that is not
installed the nearest available Python is used, and ``artifacts/platforms-pyodide-hub.txt`` says which.
(In the browser itself, ``tests/browser/test_lite.py``.)
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from environments import (
    HUB_PACKAGES,
    REPO,
    Environment,
    assert_clean,
    build_wheel,
    canonical,
    clean_environ,
    copy_checkout,
    find_python,
    notebooks,
    python_or_this,
    python_version,
    read_pins,
    report,
    require_uv,
    run,
    run_notebooks,
)

from tools import pyodide_core
from tools.setup_cell import REPOSITORY

pytestmark = pytest.mark.slow

HUB_INSTALL_LINE = f'python -m pip install --no-cache-dir "mgedu @ git+https://github.com/{REPOSITORY}"'


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def pyodide_lock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pyodide-lock.json of the pinned npm package (from `make test`'s set-up, else fetched here)."""
    prepared = pyodide_core.DEFAULT_OUT / "pyodide-lock.json"
    marker = pyodide_core.DEFAULT_OUT / pyodide_core.MARKER
    if prepared.is_file() and marker.is_file():
        return prepared
    folder = tmp_path_factory.mktemp("pyodide")
    try:
        pyodide_core.fetch_core(folder)
    except RuntimeError as exc:
        pytest.skip(f"Pyodide's lock file is not available: {exc}")
    return folder / "pyodide-lock.json"


def pyodide_pins(lock_file: Path) -> list[str]:
    """``name==version`` for the Pyodide packages the notebooks' imports pull in, read from the lock."""
    packages = json.loads(lock_file.read_text())["packages"]
    names = pyodide_core.lock_closure(packages, [*pyodide_core.COMPILED_PACKAGES, "ipython", "traitlets"])
    return [f"{name}=={packages[name]['version']}" for name in names]


@pytest.fixture(scope="module")
def hub_env(tmp_path_factory: pytest.TempPathFactory, pyodide_lock: Path, wheel: Path) -> Environment:
    require_uv()
    notes: list[str] = []
    browser_python = ".".join(json.loads(pyodide_lock.read_text())["info"]["python"].split(".")[:2])
    python = find_python(browser_python)
    if python is None:
        python = python_or_this("3.13", notes)
        notes.insert(
            0, f"Pyodide runs Python {browser_python}, not installed here: used Python {python_version(python)}"
        )
    env = Environment(tmp_path_factory.mktemp("hub") / "venv", python)
    env.notes = notes
    env.create()
    pins = pyodide_pins(pyodide_lock)
    constraints = env.path.parent / "pyodide-pins.txt"
    constraints.write_text("\n".join(pins) + "\n")
    # The hub image: its server packages and the scientific stack, at Pyodide's versions.
    env.install("-r", str(HUB_PACKAGES), "-c", str(constraints), *[pin.split("==")[0] for pin in pins])
    return env


@pytest.fixture(scope="module")
def hub_run(hub_env: Environment, wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    before = hub_env.installed()
    # The guide's one line, dry run first: what would it change in the image?
    dry = hub_env.pip("install", "--dry-run", "--quiet", "--report", "-", str(wheel)).stdout
    would_install = sorted(canonical(item["metadata"]["name"]) for item in json.loads(dry)["install"])
    hub_env.pip("install", "--no-cache-dir", str(wheel))
    hub_env.pip("check")
    after = hub_env.installed()
    home = tmp_path_factory.mktemp("student-home")
    pulled = home / "mgedu"  # where an nbgitpuller link leaves the repository
    copy_checkout(pulled)
    runs = run_notebooks(
        hub_env,
        notebooks(pulled / "notebooks"),
        pulled / "notebooks",
        kernel_env=clean_environ(hub_env.path, hub_env.home),
    )
    return {"before": before, "after": after, "would_install": would_install, "runs": runs}


def test_notebooks_run_on_the_versions_pyodide_ships(hub_env: Environment, hub_run: dict, pyodide_lock: Path) -> None:
    wanted = dict(pin.split("==") for pin in pyodide_pins(pyodide_lock))
    installed = hub_run["after"]
    off = {
        name: (installed.get(canonical(name)), version)
        for name, version in wanted.items()
        if installed.get(canonical(name)) != version
    }
    assert not off, f"not at Pyodide's versions (installed, Pyodide): {off}"
    key = ", ".join(f"{name} {wanted[name]}" for name in pyodide_core.COMPILED_PACKAGES)
    print(
        report(
            "pyodide-hub",
            hub_env,
            hub_run["runs"],
            [f"Pyodide's versions: {key}", f"the hub line would install: {hub_run['would_install']}"],
        )
    )
    assert_clean(hub_run["runs"], hub_env.path / "lib")


def test_hub_image_takes_mgedu_with_one_line_and_runs_pulled_notebooks(hub_run: dict) -> None:
    # docker-stacks' scipy-notebook has no anywidget: it comes with mgedu, with psygnal (both pure Python).
    assert hub_run["would_install"] == ["anywidget", "mgedu", "molmass", "psygnal"], (
        f"`{HUB_INSTALL_LINE}` would install {hub_run['would_install']} into the hub image"
    )
    changed = sorted(name for name, version in hub_run["before"].items() if hub_run["after"].get(name) != version)
    assert not changed, f"installing mgedu changed the image's packages: {changed}"
    for package in read_pins(HUB_PACKAGES):
        assert package in hub_run["after"], f"the hub image lacks {package}"
    assert_clean(hub_run["runs"], Path(hub_run["runs"][0].probe["python"]).parents[1] / "lib")


def test_wheel_carries_its_data_and_no_maintainer_tools(
    hub_env: Environment, hub_run: dict, wheel: Path, tmp_path: Path
) -> None:
    """The installed wheel loads and validates its seeds and tables outside any checkout, every one of its
    modules imports, and the maintainer tools (static site, refresh, Lite builder) are not in it."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "mgedu/seeds_data/claims.csv" in names and "mgedu/data/studies.csv" in names
    tools = [n for n in names if n.startswith("tools/") or "site" in Path(n).stem or "refresh" in Path(n).stem]
    assert tools == [], f"maintainer tools shipped in the wheel: {tools}"
    code = (
        "import importlib, pkgutil, sys, mgedu, mgedu.seeds as s; claims = mgedu.load_claims(); "
        "print(len(claims), claims.doc_id.nunique()); print(s.seeds_dir()); "
        "print(mgedu.validate()); print(len(mgedu.load_studies()) > 0); "
        "mods = [m.name for m in pkgutil.walk_packages(mgedu.__path__, 'mgedu.') if m.name != 'mgedu.__main__']; "
        "[importlib.import_module(m) for m in mods]; "
        "print(sorted(m for m in sys.modules if m == 'tools' or m.startswith('tools.'))); print(len(mods))"
    )
    env = clean_environ(hub_env.path, hub_env.home)
    result = run([str(hub_env.python), "-c", code], cwd=tmp_path, env=env)
    counts, where, problems, studies, tool_modules, n_modules = result.stdout.strip().splitlines()
    n_claims, n_docs = counts.split()
    assert int(n_claims) >= 80 and n_docs == "5"
    assert "site-packages" in where and where.endswith("seeds_data") and str(REPO) not in where
    assert problems == "[]"
    assert studies == "True"
    assert tool_modules == "[]" and int(n_modules) > 30
    check = run([str(hub_env.python), "-m", "mgedu", "check"], cwd=tmp_path, env=env)
    assert "no problems" in check.stdout, check.stdout
