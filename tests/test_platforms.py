"""The workbook where the students are: a built wheel in environments like Colab's, Pyodide's and a hub's.

Each test builds a fresh environment (``tests/environments.py``: uv, linked from its cache), puts mgedu
in it the way that platform does, and runs every notebook in a kernel of that environment. Nothing
may raise; an output that differs from the stored one is allowed only where two pandas versions print
the same values differently (``environments.tolerated``), and each such cell is listed in
``artifacts/platforms-*.txt``.

- **Colab**: Python 3.13 and Colab's published package versions (``tests/platforms/colab.txt``).
  mgedu is *not* preinstalled: the notebooks' own first cell installs it with ``%pip`` from the
  project's GitHub repository, which git is told to fetch from a local clone of this checkout
  (``url.<local>.insteadOf``), since GitHub is not reachable here. Only mgedu and molmass may be added;
  Colab's ipywidgets 7.7 and the rest stay as they are.
- **Pyodide's versions and a JupyterHub image**: the versions of numpy, pandas, matplotlib, scipy,
  statsmodels, IPython (and their dependencies) that ``pyodide-lock.json`` of the pinned npm
  ``pyodide`` package names, read from that file, plus what a hub's single-user image carries
  (JupyterHub, JupyterLab, nbgitpuller). mgedu goes in with the one line the teacher's guide gives for a
  hub image, which must add nothing but mgedu and molmass; the notebooks then run from a copy of the
  repository, as nbgitpuller leaves it in a student's home, and load their data from the installed
  package. One environment serves both: both stand for "current releases", and a hub's server packages
  do not touch what the kernel imports. Pyodide runs Python 3.14; where that is not installed the
  nearest available Python is used, and the artifact says which.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from environments import (
    ARTIFACTS,
    NOTEBOOKS,
    REPO,
    Environment,
    NotebookRun,
    build_wheel,
    canonical,
    clean_environ,
    copy_checkout,
    find_python,
    python_version,
    read_pins,
    run,
    run_notebooks,
    tolerated,
    uv_executable,
)

sys.path.insert(0, str(REPO / "tools"))
import pyodide_core  # noqa: E402
from setup_cell import REPOSITORY, SETUP_CELL_SOURCE  # noqa: E402

pytestmark = pytest.mark.slow

COLAB_PINS = REPO / "tests" / "platforms" / "colab.txt"
HUB_PACKAGES = REPO / "tests" / "platforms" / "hub.txt"
#: What the teacher's guide tells a hub admin to add to the image (the wheel stands in for the URL here).
HUB_INSTALL_LINE = f'python -m pip install --no-cache-dir "mgedu @ git+https://github.com/{REPOSITORY}"'


def runs_code(path: Path) -> bool:
    return any(cell["cell_type"] == "code" for cell in json.loads(path.read_text(encoding="utf-8"))["cells"])


def notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks that run code (a markdown-only one, the glossary, has nothing to run)."""
    found = sorted(path for path in folder.glob("*.ipynb") if runs_code(path))
    assert found, f"no notebooks in {folder}"
    return found


def python_or_this(version: str, notes: list[str]) -> str:
    """An installed Python ``version``, else this machine's Python (noted)."""
    found = find_python(version)
    if found:
        return found
    notes.append(f"Python {version} is not installed here: used this machine's Python {python_version(sys.executable)}")
    return sys.executable


def require_uv() -> None:
    if uv_executable() is None:
        pytest.skip("uv is not installed: pip install -r tests/requirements.txt")


def report(name: str, env: Environment, runs: list[NotebookRun], extra: list[str]) -> str:
    """Write artifacts/platforms-<name>.txt: Python, timings, tolerated differences; return the text."""
    lines = [f"{name}: Python {python_version(str(env.python))}; environment built in {env.seconds:.1f} s",
             *env.notes, *extra,
             f"notebooks: {sum(i.seconds for i in runs):.1f} s wall, {sum(i.cpu_seconds for i in runs):.1f} s CPU"]
    for item in runs:
        lines.append(f"  {item.name}: {item.seconds:.1f} s ({item.cpu_seconds:.1f} s CPU), {len(item.errors)} errors, "
                     f"{len(item.differences)} output differences")
        for difference in item.differences:
            verdict = ("install log, not compared" if install_log(difference) else
                       "pandas display, tolerated" if tolerated(difference) else "NOT tolerated")
            lines.append(f"    cell {difference['cell']} ({verdict}): {difference['source'].splitlines()[0][:70]}")
    text = "\n".join(lines) + "\n"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"platforms-{name}.txt").write_text(text)
    return text


def install_log(difference: dict) -> bool:
    """The first cell's output where it installed mgedu (pip's messages): expected, not compared."""
    return difference["cell"] == 0 and difference["source"] == SETUP_CELL_SOURCE


def assert_clean(runs: list[NotebookRun], site_packages_of: Path) -> None:
    errors = [f"{item.name} {error}" for item in runs for error in item.errors]
    assert not errors, "cells raised:\n" + "\n".join(errors)
    untolerated = [f"{item.name} cell {d['cell']}:\n  stored {d['stored']}\n  fresh  {d['fresh']}"
                   for item in runs for d in item.differences if not tolerated(d) and not install_log(d)]
    assert not untolerated, "outputs differ beyond pandas display differences:\n" + "\n".join(untolerated)
    for item in runs:
        origin = item.probe.get("mgedu")
        assert origin and Path(origin).resolve().is_relative_to(site_packages_of.resolve()), (
            f"{item.name}: mgedu was imported from {origin}, not from the installed package in {site_packages_of}")
        assert item.probe.get("forbidden") == [], (
            f"{item.name}: the notebook imported {item.probe.get('forbidden')}, which a learner's install lacks")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


# ----------------------------------------------------------------------------- Colab
@pytest.fixture(scope="module")
def colab_env(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    require_uv()
    notes: list[str] = []
    env = Environment(tmp_path_factory.mktemp("colab") / "venv", python_or_this("3.13", notes))
    env.notes = notes
    env.create()
    env.install("-r", str(COLAB_PINS))
    return env


def local_github(tmp: Path) -> Path:
    """A git config that makes ``https://github.com/<REPOSITORY>`` a local clone of this checkout."""
    clone = tmp / "clone"
    copy_checkout(clone)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "init.defaultBranch=main"]
    run([*git, "init", "--quiet"], cwd=clone)
    run([*git, "add", "--all"], cwd=clone)
    run([*git, "commit", "--quiet", "--message", "checkout under test"], cwd=clone)
    config = tmp / "gitconfig"
    config.write_text(f'[url "file://{clone}"]\n\tinsteadOf = https://github.com/{REPOSITORY}\n')
    return config


def test_colab_first_cell_installs_mgedu_and_every_notebook_runs(colab_env: Environment, tmp_path: Path) -> None:
    before = colab_env.installed()
    assert "mgedu" not in before
    assert before["ipywidgets"] == read_pins(COLAB_PINS)["ipywidgets"]
    kernel_env = clean_environ(colab_env.path, colab_env.home, GIT_CONFIG_GLOBAL=str(local_github(tmp_path)),
                               GIT_CONFIG_NOSYSTEM="1")
    runs = run_notebooks(colab_env, notebooks(), tmp_path / "content", kernel_env=kernel_env)
    after = colab_env.installed()
    text = report("colab", colab_env, runs, [f"the first cell installed: "
                                             f"{sorted(set(after) - set(before))}"])
    print(text)
    assert_clean(runs, colab_env.path / "lib")
    added = sorted(set(after) - set(before))
    changed = sorted(name for name in before if after.get(name) != before[name])
    assert added == ["mgedu", "molmass"], f"installing mgedu on Colab added {added}"
    assert not changed, f"installing mgedu on Colab changed Colab's own packages: {changed}"


#: The test modules whose tests drive the explorers' controls and read their readouts.
WIDGET_TESTS = ["test_accessibility.py", "test_audit.py", "test_claims.py", "test_designs.py", "test_doses.py",
                "test_evidence_widgets.py", "test_mechanisms.py"]


def test_explorers_respond_on_colabs_ipywidgets_7(wheel: Path, tmp_path: Path) -> None:
    """The tests that move every explorer's controls and read its readout, run on Colab's ipywidgets 7.7.1
    (in a second Colab environment with pytest added, mgedu from the wheel, not from the checkout)."""
    require_uv()
    notes: list[str] = []
    env = Environment(tmp_path / "venv", python_or_this("3.13", notes)).create()
    tested = read_pins(REPO / "tests" / "requirements.txt")
    env.install("-r", str(COLAB_PINS), str(wheel), f"pytest=={tested['pytest']}",
                f"hypothesis=={tested['hypothesis']}")
    checkout = tmp_path / "checkout"
    copy_checkout(checkout)
    result = subprocess.run(
        [str(env.path / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-k",
         "explorer or widget or worksheet", *[f"tests/{name}" for name in WIDGET_TESTS]],
        cwd=checkout, env=clean_environ(env.path, env.home, MPLBACKEND="Agg"), capture_output=True, text=True)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(f"explorer tests on ipywidgets {env.installed()['ipywidgets']}: {summary}")
    assert result.returncode == 0, f"explorer tests fail on Colab's ipywidgets 7.7.1:\n{result.stdout[-6000:]}"
    assert re.search(r"\b(2\d|[3-9]\d) passed", summary), f"fewer explorer tests ran than expected: {summary}"
    assert env.installed()["ipywidgets"] == read_pins(COLAB_PINS)["ipywidgets"]


# ----------------------------------------------------------------------------- Pyodide's versions + a hub
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
        notes.insert(0, f"Pyodide runs Python {browser_python}, not installed here: used Python "
                        f"{python_version(python)}")
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
    runs = run_notebooks(hub_env, notebooks(pulled / "notebooks"), pulled / "notebooks",
                         kernel_env=clean_environ(hub_env.path, hub_env.home))
    return {"before": before, "after": after, "would_install": would_install, "runs": runs}


def test_notebooks_run_on_the_versions_pyodide_ships(hub_env: Environment, hub_run: dict, pyodide_lock: Path) -> None:
    wanted = dict(pin.split("==") for pin in pyodide_pins(pyodide_lock))
    installed = hub_run["after"]
    off = {name: (installed.get(canonical(name)), version) for name, version in wanted.items()
           if installed.get(canonical(name)) != version}
    assert not off, f"not at Pyodide's versions (installed, Pyodide): {off}"
    key = ", ".join(f"{name} {wanted[name]}" for name in pyodide_core.COMPILED_PACKAGES)
    print(report("pyodide-hub", hub_env, hub_run["runs"], [f"Pyodide's versions: {key}",
                                                           f"the hub line would install: {hub_run['would_install']}"]))
    assert_clean(hub_run["runs"], hub_env.path / "lib")


def test_hub_image_takes_mgedu_with_one_line_and_runs_pulled_notebooks(hub_run: dict) -> None:
    assert hub_run["would_install"] == ["mgedu", "molmass"], (
        f"`{HUB_INSTALL_LINE}` would install {hub_run['would_install']} into the hub image")
    changed = sorted(name for name, version in hub_run["before"].items() if hub_run["after"].get(name) != version)
    assert not changed, f"installing mgedu changed the image's packages: {changed}"
    for package in read_pins(HUB_PACKAGES):
        assert package in hub_run["after"], f"the hub image lacks {package}"
    assert_clean(hub_run["runs"], Path(hub_run["runs"][0].probe["python"]).parents[1] / "lib")


def test_wheel_carries_its_data(hub_env: Environment, hub_run: dict, tmp_path: Path) -> None:
    """The installed wheel loads and validates its seeds and tables outside any checkout."""
    code = ("import mgedu, mgedu.seeds as s; claims = mgedu.load_claims(); "
            "print(len(claims), claims.doc_id.nunique()); print(s.seeds_dir()); "
            "print(mgedu.validate()); print(len(mgedu.load_studies()) > 0)")
    result = run([str(hub_env.python), "-c", code], cwd=tmp_path, env=clean_environ(hub_env.path, hub_env.home))
    counts, where, problems, studies = result.stdout.strip().splitlines()
    n_claims, n_docs = counts.split()
    assert int(n_claims) >= 80 and n_docs == "5"
    assert "site-packages" in where and where.endswith("seeds_data") and str(REPO) not in where
    assert problems == "[]"
    assert studies == "True"
