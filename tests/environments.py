"""Fresh Python environments for the platform tests, and a notebook runner whose kernel lives in one.

The platform tests (``test_colab.py``, ``test_colab_widgets.py``, ``test_hub.py``) build environments that
look like the places students work (Colab's versions, the versions JupyterLite's Pyodide ships, a
JupyterHub image) with ``uv``, which links packages from its cache instead of unpacking them again, so
one more environment costs seconds, not minutes. Notebooks run in a kernel started from that
environment's Python, driven from the test process by nbclient; the environment itself needs only
``ipykernel`` besides what the notebooks import.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.setup_cell import SETUP_CELL_SOURCE  # the notebooks' first cell

REPO = Path(__file__).resolve().parents[1]

NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "artifacts"
#: Modules a learner's notebook must never import: they belong to the `lab` and `classroom` extras
#: (a Colab or JupyterLite install does not have them).
FORBIDDEN_MODULES = ("nbformat", "nbclient", "nbconvert", "nbval", "jupyterlab", "jupyter_server")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")
_SANITIZE = [(re.compile(r"0x[0-9a-fA-F]+"), "0xADDRESS")]  # as tests/sanitize.cfg, for nbval


def canonical(name: str) -> str:
    """PEP 503 normalised name.

    >>> canonical("Jinja2"), canonical("prompt_toolkit")
    ('jinja2', 'prompt-toolkit')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """Canonical name -> version of the ``name==version`` lines of a requirements file."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.split(" #", 1)[0].strip())
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def uv_executable() -> str | None:
    """The ``uv`` next to this Python (installed from tests/requirements.txt), else one on PATH."""
    sibling = Path(sys.executable).with_name("uv")
    return str(sibling) if sibling.exists() else shutil.which("uv")


def find_python(version: str) -> str | None:
    """An interpreter of ``version`` ('3.13') on this machine that really runs, or None.

    Looks on PATH (``python3.13``), then in pyenv's and uv's folders of installed Pythons.
    """
    candidates = [shutil.which(f"python{version}")]
    roots = [
        Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions",
        Path.home() / ".local" / "share" / "uv" / "python",
    ]
    for root in roots:
        if root.is_dir():
            candidates += [str(path) for path in sorted(root.glob(f"*{version}*/bin/python{version}"), reverse=True)]
    for candidate in filter(None, candidates):
        result = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
        )
        if result.returncode == 0 and result.stdout.strip() == version:
            return candidate
    return None


def python_version(python: str) -> str:
    """'X.Y.Z' of an interpreter."""
    return subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"], check=True, capture_output=True, text=True
    ).stdout.strip()


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children (kernels, installers), in s.

    On a shared machine this is steadier than wall time for saying what a test costs.
    """
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command; raise ``RuntimeError`` with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def clean_environ(venv: Path | None = None, home: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without anything that would leak the test's own set-up into a
    kernel or an installer: its virtual environment, Python path, Jupyter folders.

    ``PYTHONDONTWRITEBYTECODE`` goes too: uv installs without compiling bytecode, so with it every
    kernel would compile pandas, scipy and statsmodels from source again (measured here: about 15 s of
    CPU per kernel instead of 4).
    """
    dropped = (
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        "JUPYTER_PATH",
        "JUPYTER_CONFIG_PATH",
        "JUPYTERLAB_DIR",
        "MGEDU_GRADING_LOG",
        "MPLBACKEND",
        "PYTHONSTARTUP",
        "PYTHONDONTWRITEBYTECODE",
    )
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    if venv is not None:
        env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv))
    if home is not None:
        env.update(
            JUPYTER_DATA_DIR=str(home / "data"),
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            IPYTHONDIR=str(home / "ipython"),
            MPLCONFIGDIR=str(home / "matplotlib"),
        )
    env.update(extra)
    return env


@dataclass
class Environment:
    """A fresh virtual environment made with uv (with pip in it, as every real one has)."""

    path: Path
    python_request: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def home(self) -> Path:
        return self.path.parent / f"{self.path.name}-home"

    def create(self) -> Environment:
        uv = uv_executable()
        if uv is None:
            raise RuntimeError("uv is not installed: pip install -r tests/requirements.txt")
        started = time.monotonic()
        run([uv, "venv", "--quiet", "--seed", "--python", self.python_request, str(self.path)], env=clean_environ())
        self.home.mkdir(parents=True, exist_ok=True)
        self.seconds += time.monotonic() - started
        return self

    def install(self, *requirements: str) -> None:
        """``uv pip install`` into this environment (exact pins in, nothing else upgraded)."""
        uv = uv_executable()
        assert uv is not None
        started = time.monotonic()
        run([uv, "pip", "install", "--quiet", "--python", str(self.python), *requirements], env=clean_environ())
        self.seconds += time.monotonic() - started

    def pip(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run this environment's own pip (as a user or an image build would)."""
        return run(
            [str(self.python), "-m", "pip", "--disable-pip-version-check", *args],
            env=clean_environ(self.path, self.home),
            **kwargs,
        )

    def installed(self) -> dict[str, str]:
        """Canonical name -> version of every distribution installed here."""
        code = (
            "import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
        )
        found = json.loads(run([str(self.python), "-c", code], env=clean_environ()).stdout)
        return {canonical(name): version for name, version in found.items()}


def copy_checkout(destination: Path) -> None:
    """Copy what a fresh clone would hold: tracked files plus new files git does not ignore."""
    if (REPO / ".git").exists() and shutil.which("git"):
        listed = (
            subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=REPO,
                check=True,
                capture_output=True,
            )
            .stdout.decode()
            .split("\0")
        )
        for name in filter(None, listed):
            source = REPO / name
            if source.is_file():
                (destination / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination / name)
    else:
        shutil.copytree(
            REPO,
            destination,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(
                ".venv", ".git", "_build", "artifacts", "__pycache__", ".pytest_cache", "*.egg-info"
            ),
        )


def build_wheel(dest: Path) -> Path:
    """mgedu's wheel, built from the checkout with hatchling (offline, no isolated build environment)."""
    dest.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(dest)], cwd=REPO)
    return next(dest.glob("mgedu-*.whl"))


# ----------------------------------------------------------------------------- running notebooks
PROBE = (
    "import sys as _s, json as _j, importlib.util as _u\n"
    "_spec = _u.find_spec('mgedu')\n"
    "print('MGEDU-PROBE ' + _j.dumps({'mgedu': _spec.origin if _spec else None, 'python': _s.executable,\n"
    f"    'forbidden': sorted(m for m in {FORBIDDEN_MODULES!r} if m in _s.modules)}}))"
)


@dataclass
class NotebookRun:
    """One notebook executed in an environment: errors, outputs that differ from the stored ones."""

    name: str
    seconds: float
    cpu_seconds: float
    errors: list[str]
    differences: list[dict[str, Any]]
    probe: dict[str, Any]


def _kernel_manager_class(env: Environment, kernels: Path) -> type:
    """A kernel manager class whose only kernel runs ``env``'s Python (nbclient owns and stops it)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from traitlets import default

    from mgedu.classroom.kernels import SlicedPollKernelManager

    spec = kernels / "platform-python"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(env.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": f"Python ({env.path.name})",
                "language": "python",
            }
        )
    )

    class PlatformKernelManager(SlicedPollKernelManager):  # type: ignore[misc, valid-type]
        @default("kernel_spec_manager")
        def _platform_specs(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[str(kernels)])

    return PlatformKernelManager


def _text_outputs(cell: Any) -> list[tuple[str, str]]:
    """What nbval compares of a cell's outputs: stream text and text/plain, sanitised."""
    found = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            text = output.get("text", "")
            found.append((f"stream:{output.get('name')}", text))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue  # widget views: nbval skips them, and their text stands in for a live control
            if "text/plain" in data:
                found.append((kind, data["text/plain"]))
        elif kind == "error":
            found.append(("error", f"{output.get('ename')}: {output.get('evalue')}"))
    merged: list[tuple[str, str]] = []
    for kind, text in found:  # one stream, however it was chunked
        text = "".join(text) if isinstance(text, list) else text
        for pattern, replacement in _SANITIZE:
            text = pattern.sub(replacement, text)
        if merged and kind.startswith("stream:") and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


def pandas_display_equivalent(stored: str, fresh: str) -> bool:
    r"""Whether two printed outputs differ only in how pandas versions print the same values.

    Tolerated: a missing string shown as ``<NA>`` (pandas 3's string dtype) or ``NaN`` (pandas 2's
    object dtype), the column padding that follows from it, and the order of rows whose counts tie
    (``value_counts`` breaks ties differently across versions). Any other change, such as a different
    number, is not tolerated.

    >>> pandas_display_equivalent("salt  <NA>\nmmol   3.1", "salt   NaN\nmmol   3.1")
    True
    >>> pandas_display_equivalent("a  10\nb   5\nc   5", "a  10\nc   5\nb   5")
    True
    >>> pandas_display_equivalent("mmol   3.1", "mmol   3.2")
    False
    """

    def lines(text: str) -> list[str]:
        return sorted(" ".join(line.replace("<NA>", "NaN").split()) for line in text.splitlines())

    return lines(stored) == lines(fresh)


def tolerated(difference: dict[str, Any]) -> bool:
    """Whether a cell's output difference (from :func:`run_notebooks`) is a pandas display difference only."""
    stored, fresh = difference["stored"], difference["fresh"]
    return len(stored) == len(fresh) and all(
        kind_a == kind_b and pandas_display_equivalent(a, b)
        for (kind_a, a), (kind_b, b) in zip(stored, fresh, strict=True)
    )


def _ignored_by_nbval(cell: Any) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    first = cell.get("source", "").split("\n", 1)[0]
    return (
        "nbval-ignore-output" in tags or "nbval-skip" in tags or "NBVAL_IGNORE_OUTPUT" in first or "NBVAL_SKIP" in first
    )


def run_notebooks(
    env: Environment,
    notebooks: list[Path],
    workdir: Path,
    *,
    timeout: int = 180,
    kernel_env: dict[str, str] | None = None,
) -> list[NotebookRun]:
    """Execute each notebook (copied into ``workdir`` unless it is there) in a fresh kernel of ``env``.

    Returns, per notebook, the cells that raised, the cells whose text output differs from the stored
    output (what nbval would flag, widget cells and ``nbval-ignore-output`` cells excepted), and a
    probe run after the last cell: where ``mgedu`` was imported from, and which of
    :data:`FORBIDDEN_MODULES` the kernel had imported.
    """
    import nbformat

    from mgedu.classroom.kernels import notebook_client

    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for source in notebooks:
        copy = workdir / source.name
        if copy.resolve() != source.resolve():
            shutil.copy(source, copy)
        stored = nbformat.read(copy, as_version=4)
        nb = nbformat.read(copy, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))
        client = notebook_client(
            nb,
            timeout=timeout,
            allow_errors=True,
            kernel_name="platform-python",
            kernel_manager_class=_kernel_manager_class(env, workdir / ".kernels"),
            resources={"metadata": {"path": str(workdir)}},
        )
        started, cpu_started = time.monotonic(), cpu_seconds()
        client.execute(env=kernel_env or clean_environ(env.path, env.home))
        seconds, cpu = time.monotonic() - started, cpu_seconds() - cpu_started
        probe_cell = nb.cells.pop()
        probe_text = "".join(text for _kind, text in _text_outputs(probe_cell))
        match = re.search(r"MGEDU-PROBE (\{.*\})", probe_text)
        probe = json.loads(match.group(1)) if match else {"error": probe_text}
        errors, differences = [], []
        for index, (old, new) in enumerate(zip(stored.cells, nb.cells, strict=True)):
            if new.cell_type != "code":
                continue
            fresh = _text_outputs(new)
            errors += [f"cell {index}: {text}" for kind, text in fresh if kind == "error"]
            if _ignored_by_nbval(old):
                continue
            before = _text_outputs(old)
            if before != fresh:
                differences.append({"cell": index, "source": old.source, "stored": before, "fresh": fresh})
        results.append(NotebookRun(source.name, seconds, cpu, errors, differences, probe))
    return results


# ----------------------------------------------------------------------------- shared by the platform tests
COLAB_PINS = REPO / "tests" / "platforms" / "colab.txt"
HUB_PACKAGES = REPO / "tests" / "platforms" / "hub.txt"


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
    import pytest

    if uv_executable() is None:
        pytest.skip("uv is not installed: pip install -r tests/requirements.txt")


def report(name: str, env: Environment, runs: list[NotebookRun], extra: list[str]) -> str:
    """Write artifacts/platforms-<name>.txt: Python, timings, tolerated differences; return the text."""
    lines = [
        f"{name}: Python {python_version(str(env.python))}; environment built in {env.seconds:.1f} s",
        *env.notes,
        *extra,
        f"notebooks: {sum(i.seconds for i in runs):.1f} s wall, {sum(i.cpu_seconds for i in runs):.1f} s CPU",
    ]
    for item in runs:
        lines.append(
            f"  {item.name}: {item.seconds:.1f} s ({item.cpu_seconds:.1f} s CPU), {len(item.errors)} errors, "
            f"{len(item.differences)} output differences"
        )
        for difference in item.differences:
            verdict = (
                "install log, not compared"
                if install_log(difference)
                else "pandas display, tolerated"
                if tolerated(difference)
                else "NOT tolerated"
            )
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
    untolerated = [
        f"{item.name} cell {d['cell']}:\n  stored {d['stored']}\n  fresh  {d['fresh']}"
        for item in runs
        for d in item.differences
        if not tolerated(d) and not install_log(d)
    ]
    assert not untolerated, "outputs differ beyond pandas display differences:\n" + "\n".join(untolerated)
    for item in runs:
        origin = item.probe.get("mgedu")
        assert origin and Path(origin).resolve().is_relative_to(site_packages_of.resolve()), (
            f"{item.name}: mgedu was imported from {origin}, not from the installed package in {site_packages_of}"
        )
        assert item.probe.get("forbidden") == [], (
            f"{item.name}: the notebook imported {item.probe.get('forbidden')}, which a learner's install lacks"
        )
