"""A virtual environment with otter-grader for the export test, built once and reused (``.venv-otter``).

otter-grader 7 pins ``wrapt<2``, which the project's lock (wrapt 2, for formulaic) cannot take, so
otter gets a venv of its own. To stay light (a full otter install is about 540 MB) it holds only
otter and the packages otter adds (``tests/otter-requirements.txt``, installed with ``--no-deps``), and
sees the project's ``.venv`` after its own packages through a ``.pth`` file: mgedu, pandas, nbconvert
and the kernel come from there. Rebuilt when the requirements file changes.

Regenerate the pins after changing otter's version: make a venv like this one, ``pip install
otter-grader[grading]==X`` into it, ``pip freeze --path <its site-packages>``, and leave out what
neither ``otter assign`` nor ``otter run`` imports (see the comment in the requirements file); the
slow test shows whether the result still works. The venv has no pip of its own: the project's uv (or,
without uv, its pip) installs into it (``--python``), which saves bootstrapping one; uv downloads the
wheels in parallel and compiles bytecode as pip does.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import sysconfig
from pathlib import Path

from environments import uv_executable

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = REPO / "tests" / "otter-requirements.txt"
OTTER_VENV = REPO / ".venv-otter"


def otter_env() -> Path:
    """The ``otter`` executable of ``.venv-otter``, building the venv first when needed."""
    stamp = OTTER_VENV / ".installed"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    otter = OTTER_VENV / "bin" / "otter"
    if otter.exists() and stamp.exists() and stamp.read_text() == digest:
        return otter
    # No pip of its own (bootstrapping one costs several seconds): the project's uv or pip installs into it.
    subprocess.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(OTTER_VENV)], check=True)
    python = OTTER_VENV / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    shared = sysconfig.get_paths()["purelib"]
    Path(purelib, "zz_mgedu_project_venv.pth").write_text(f"import site; site.addsitedir({shared!r})\n")
    uv = uv_executable()
    installer = (
        [uv, "pip", "install", "--quiet", "--python", str(python), "--compile-bytecode"]
        if uv
        else [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-input",
        ]
    )
    subprocess.run([*installer, "--no-deps", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(digest)
    return otter
