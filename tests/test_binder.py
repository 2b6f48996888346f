"""Binder, proven: the pinned environment alone runs the workbook, as repo2docker would build it.

Fast checks: the lock (``binder/requirements.txt``) pins every runtime dependency of ``pyproject.toml``
and of its ``lab`` and ``classroom`` extras at a version its lower bound allows, with no local path; the
test pins agree with it; ``runtime.txt`` names a Python that ``requires-python`` accepts; the README's
Binder badge opens a notebook that exists; JupyterLab's news and update pop-ups are switched off.

Slow checks (marked ``slow``): a fresh virtual environment from ``binder/requirements.txt`` alone
(installed with uv, linked from its cache: the same exact pins repo2docker installs with pip), then
``binder/postBuild`` with ``NB_PYTHON_PREFIX`` pointing at it (as in repo2docker), on a fresh copy of the
checkout; the environment equals the lock, which holds no test tools, and the notebook the Binder badge
opens runs there with its stored outputs.
And ``repo2docker --no-build --debug --no-run``: the Dockerfile it would build installs the lock before
copying the repository and runs postBuild in the same environment as the Jupyter server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from environments import Environment, copy_checkout, run_notebooks, uv_executable
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "binder" / "requirements.txt"
TEST_LOCK = REPO / "tests" / "requirements.txt"
ARTIFACTS = REPO / "artifacts"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$")


def requirement_lines(path: Path) -> list[str]:
    """Non-comment, non-blank lines of a requirements file (inline comments removed)."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def pins(path: Path) -> dict[str, str]:
    """Canonical package name -> pinned version, for the ``name==version`` lines of ``path``."""
    found = {}
    for line in requirement_lines(path):
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def runtime_python() -> str:
    """The 'X.Y' Python version that binder/runtime.txt asks for."""
    text = (REPO / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)(?:\.\d+)?", text)
    assert match, f"binder/runtime.txt must read like 'python-3.11', got {text!r}"
    return match.group(1)


# ----------------------------------------------------------------------------- fast consistency checks
def test_lock_is_exact_pins_only() -> None:
    bad = [line for line in requirement_lines(LOCK) if not PIN.match(line)]
    assert not bad, f"binder/requirements.txt must hold only name==version lines (no -e, path, URL): {bad}"
    names = [canonicalize_name(PIN.match(line).group(1)) for line in requirement_lines(LOCK)]
    assert len(names) == len(set(names)), "a package is pinned twice in binder/requirements.txt"
    assert "mgedu" not in names, "mgedu itself is installed by binder/postBuild, not from the lock"


def test_lock_pins_every_runtime_dependency_within_its_bounds() -> None:
    """The lock holds the runtime dependencies and the `lab` and `classroom` extras (what Binder serves)."""
    locked = pins(LOCK)
    problems = []
    project = pyproject()["project"]
    for spec in [
        *project["dependencies"],
        *project["optional-dependencies"]["lab"],
        *project["optional-dependencies"]["classroom"],
    ]:
        requirement = Requirement(spec)
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name}: a dependency in pyproject.toml, not pinned in the lock")
        elif not requirement.specifier.contains(Version(version), prereleases=True):
            problems.append(f"{requirement.name}=={version} does not satisfy pyproject's {requirement}")
    assert not problems, "\n".join(problems)


def test_test_pins_agree_with_the_lock() -> None:
    locked, tested = pins(LOCK), pins(TEST_LOCK)
    lines = requirement_lines(TEST_LOCK)
    unpinned = [line for line in lines if not PIN.match(line) and not line.startswith("-c ")]
    assert not unpinned, f"tests/requirements.txt lines must be name==version: {unpinned}"
    clashes = [
        f"{name}: {tested[name]} (tests) vs {locked[name]} (lock)"
        for name in tested.keys() & locked.keys()
        if tested[name] != locked[name]
    ]
    assert not clashes, "\n".join(clashes)
    both = locked | tested
    problems = []
    extras = pyproject()["project"]["optional-dependencies"]
    for spec in [*extras["test"], *extras["lite"]]:
        requirement = Requirement(spec)
        if canonicalize_name(requirement.name) == "mgedu":
            continue  # the test extra names mgedu's other extras
        version = both.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"test/lite extra {requirement.name} is pinned in neither requirements file")
        elif not requirement.specifier.contains(Version(version), prereleases=True):
            problems.append(f"{requirement.name}=={version} does not satisfy pyproject's {requirement}")
    assert not problems, "\n".join(problems)


def test_runtime_python_is_allowed_by_pyproject() -> None:
    allowed = SpecifierSet(pyproject()["project"]["requires-python"])
    assert Version(runtime_python()) in allowed, f"runtime.txt Python {runtime_python()} vs {allowed}"


def test_readme_binder_badge_opens_an_existing_notebook() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    badge = r"\[!\[([^\]]*)\]\((https://mybinder\.org/badge[^)]*)\)\]\((https://mybinder\.org/v2/[^)]+)\)"
    badges = re.findall(badge, readme)
    assert badges, (
        "README.md has no badge [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/...)"
    )
    for alt, _image, link in badges:
        assert alt.strip(), f"the Binder badge image needs alt text: {link}"
        parts = urlsplit(link)
        path = parts.path.split("/")
        assert path[:3] == ["", "v2", "gh"] and len(path) >= 6 and all(path[3:6]), (
            f"Binder link must be /v2/gh/<owner>/<repo>/<ref>: {link}"
        )
        query = parse_qs(parts.query)
        target = query.get("labpath", query.get("urlpath", [""]))[0]
        target = unquote(target).removeprefix("lab/tree/")
        assert target, f"Binder link opens no notebook (labpath=...): {link}"
        assert (REPO / target).is_file(), f"the Binder badge opens {target}, which does not exist"


def test_binder_switches_jupyterlab_news_and_update_popups_off() -> None:
    overrides = json.loads((REPO / "binder" / "overrides.json").read_text(encoding="utf-8"))
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false"
    assert notification["checkForUpdates"] is False
    post_build = (REPO / "binder" / "postBuild").read_text(encoding="utf-8")
    assert post_build.startswith("#!") and "set -euo pipefail" in post_build
    assert "binder/overrides.json" in post_build and "NB_PYTHON_PREFIX" in post_build


# ----------------------------------------------------------------------------- the environment, built
def isolated_env(venv: Path, home: Path) -> dict[str, str]:
    """Environment for commands in the fresh venv: its bin first, Jupyter/IPython folders private, and
    Python allowed to cache bytecode (uv installs without compiling it; see environments.clean_environ)."""
    dropped = (
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        "JUPYTER_PATH",
        "JUPYTER_CONFIG_PATH",
        "JUPYTERLAB_DIR",
        "MGEDU_GRADING_LOG",
        "MPLBACKEND",
        "PYTHONDONTWRITEBYTECODE",
    )
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        NB_PYTHON_PREFIX=str(venv),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "matplotlib"),
    )
    return env


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure, fail the test with its output."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def python_for_runtime() -> str:
    """An interpreter of the version runtime.txt names (skip when none is installed)."""
    wanted = runtime_python()
    if f"{sys.version_info.major}.{sys.version_info.minor}" == wanted:
        return sys.executable
    found = shutil.which(f"python{wanted}")
    if not found:
        pytest.skip(f"binder/runtime.txt asks for Python {wanted}, which is not installed here")
    return found


def test_make_lab_opens_the_first_notebook_without_popups() -> None:
    """`make lab` prints (and opens) a link to 00-start-here, and installs the no-pop-up settings."""
    plan = subprocess.run(["make", "-n", "-B", "lab"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    url = re.search(r"--LabApp\.default_url=(\S+)", plan)
    assert url, f"make lab does not set JupyterLab's default_url:\n{plan}"
    assert url.group(1).startswith("/lab/tree/")
    assert (REPO / url.group(1).removeprefix("/lab/tree/")).name == "00-start-here.ipynb"
    assert (REPO / url.group(1).removeprefix("/lab/tree/")).is_file()
    assert "cp binder/overrides.json .venv/share/jupyter/lab/settings/overrides.json" in plan


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh checkout copy and a venv built from binder/requirements.txt + binder/postBuild."""
    work = tmp_path_factory.mktemp("binder")
    repo, venv, home = work / "repo", work / "venv", work / "home"
    copy_checkout(repo)
    env = isolated_env(venv, home)
    uv = uv_executable()
    if uv:  # the same pinned set as repo2docker's `pip install -r`, linked from uv's cache in seconds
        run([uv, "venv", "--quiet", "--seed", "--python", python_for_runtime(), str(venv)], cwd=repo)
        run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin" / "python"),
                "-r",
                "binder/requirements.txt",
            ],
            cwd=repo,
        )
    else:
        run([python_for_runtime(), "-m", "venv", str(venv)])
        run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
                "binder/requirements.txt",
            ],
            cwd=repo,
            env=env,
        )
    post_build = repo / "binder" / "postBuild"
    post_build.chmod(0o755)  # as repo2docker does: chmod +x binder/postBuild, then run it
    run(["./binder/postBuild"], cwd=repo, env=env)
    return {"repo": repo, "venv": venv, "home": home}


@pytest.mark.slow
def test_binder_environment_equals_the_lock(binder_env: dict[str, Path]) -> None:
    venv, repo = binder_env["venv"], binder_env["repo"]
    env = isolated_env(venv, binder_env["home"])
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "check"], env=env)
    frozen = run(
        [python, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"], env=env
    ).stdout.splitlines()
    installed = {
        canonicalize_name(PIN.match(line).group(1)): PIN.match(line).group(2) for line in frozen if PIN.match(line)
    }
    locked = pins(LOCK)
    assert installed == locked, (
        f"not in the lock: {sorted(installed.keys() - locked.keys())}; "
        f"locked but missing: {sorted(locked.keys() - installed.keys())}; "
        f"other versions: {sorted(n for n in installed.keys() & locked.keys() if installed[n] != locked[n])}"
    )
    where = run([python, "-c", "import mgedu; print(mgedu.__file__)"], env=env, cwd=binder_env["home"].parent)
    assert Path(where.stdout.strip()).resolve().is_relative_to(repo.resolve()), where.stdout
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert overrides.is_file(), "binder/postBuild did not install the JupyterLab settings overrides"
    assert json.loads(overrides.read_text()) == json.loads((REPO / "binder" / "overrides.json").read_text())
    lab_paths = run([str(venv / "bin" / "jupyter-lab"), "path"], env=env).stdout
    assert str(venv / "share" / "jupyter" / "lab") in lab_paths, lab_paths
    size_mb = int(run(["du", "-sk", str(venv)]).stdout.split()[0]) / 1024  # disk use, as du reports it
    note = f"fresh Binder venv: {size_mb:.0f} MB (du), {len(installed)} packages, Python {runtime_python()}"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "binder-env.txt").write_text(note + "\n")
    print(note)


def binder_badge_target() -> str:
    """The notebook the README's Binder badge opens (checked to exist by a fast test above)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    link = re.search(r"\]\((https://mybinder\.org/v2/[^)]+)\)", readme)
    assert link, "README.md has no Binder link"
    query = parse_qs(urlsplit(link.group(1)).query)
    return unquote(query.get("labpath", query.get("urlpath", [""]))[0]).removeprefix("lab/tree/")


@pytest.mark.slow
def test_the_notebook_binder_opens_runs_there_with_its_stored_outputs(binder_env: dict[str, Path]) -> None:
    """Binder's kernel, in the environment built from the lock alone, runs the notebook the badge opens,
    and its outputs equal the stored ones. (Every notebook runs on the lock's versions under nbval, and
    in learner-only environments without test tools in test_colab.py and test_hub.py.)"""
    venv, repo = binder_env["venv"], binder_env["repo"]
    env = isolated_env(venv, binder_env["home"])
    # The kernel must be the Binder venv's own Python, not one a user-level kernelspec points at.
    kernel = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from jupyter_client.manager import KernelManager as K; m = K(kernel_name='python3'); "
            "print(m.format_kernel_cmd()[0])",
        ],
        env=env,
        cwd=repo,
    ).stdout.strip()
    assert Path(kernel).resolve() == (venv / "bin" / "python").resolve() or Path(kernel).parent == venv / "bin", (
        f"the python3 kernel runs {kernel}, not the Binder venv"
    )
    notebook = repo / binder_badge_target()
    binder = Environment(venv, "")
    binder.home.mkdir(parents=True, exist_ok=True)
    [result] = run_notebooks(binder, [notebook], notebook.parent, kernel_env=env)
    assert not result.errors, f"{notebook.name} failed in the Binder environment: {result.errors}"
    assert not result.differences, f"{notebook.name}: outputs differ from the stored ones: {result.differences}"
    assert Path(result.probe["mgedu"]).resolve().is_relative_to(repo.resolve()), result.probe


# ----------------------------------------------------------------------------- repo2docker's plan
@pytest.mark.slow
def test_repo2docker_plan_installs_the_lock_then_runs_postbuild(tmp_path: Path) -> None:
    sibling = Path(sys.executable).with_name("repo2docker")
    executable = str(sibling) if sibling.exists() else shutil.which("repo2docker")
    if not executable:
        pytest.skip("jupyter-repo2docker is not installed: pip install -r tests/requirements.txt")
    repo = tmp_path / "repo"
    copy_checkout(repo)
    result = run([executable, "--no-build", "--debug", "--no-run", str(repo)], cwd=tmp_path)
    dockerfile = result.stdout
    lines = [line.strip() for line in dockerfile.splitlines()]

    def index_of(pattern: str) -> int:
        hits = [i for i, line in enumerate(lines) if re.search(pattern, line)]
        assert hits, f"the repo2docker Dockerfile has no line matching {pattern!r}:\n{dockerfile}"
        return hits[0]

    version = runtime_python()
    # The conda lock file for the server environment is copied in (its path is escaped in the name).
    escaped = f"environment-2epy-2d{version.replace('.', '-2e')}-"
    assert f"environment.py-{version}-" in dockerfile or escaped in dockerfile, (
        f"repo2docker did not pick Python {version} from binder/runtime.txt"
    )
    # Server and kernel share one environment, so the pinned JupyterLab is the one Binder serves
    # and postBuild's settings land next to it.
    index_of(r"^ENV KERNEL_PYTHON_PREFIX=\$\{NB_PYTHON_PREFIX\}$")
    copy_lock = index_of(r"^COPY .*src/binder/requirements\.txt ")
    install = index_of(r'^RUN \$\{KERNEL_PYTHON_PREFIX\}/bin/pip install .*-r "binder/requirements\.txt"$')
    copy_repo = index_of(r"^COPY .*src/ \$\{REPO_DIR\}/$")
    chmod = index_of(r"^RUN chmod \+x binder/postBuild$")
    post_build = index_of(r"^RUN \./binder/postBuild$")
    assert copy_lock < install < copy_repo < chmod < post_build, (
        "expected: copy the lock, pip install it (cached layer), copy the repo, then run postBuild"
    )
    assert not re.search(r"pip install[^\n]*(-e \.|\s\.\s*$)", dockerfile, flags=re.MULTILINE), (
        "repo2docker installs the repository itself: root-level config is leaking in"
    )
