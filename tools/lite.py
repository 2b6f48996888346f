"""Build the workbook as a JupyterLite site: JupyterLab and Python running in the browser, no server.

    python -m tools.lite [--out _build/lite] [--pyodide FOLDER_OR_TARBALL_OR_URL]     (or: make lite)

The site is static files: any web host (a school's web space, GitHub Pages, a USB stick served with
``python -m http.server``) serves a whole class. It holds the notebooks, the JupyterLab widgets
extension, and the wheels that Pyodide's own distribution lacks, built or downloaded here: mgedu
itself (with its data files) and the pure-Python packages listed in :data:`BUNDLED`, at the versions
``binder/requirements.txt`` pins. Each notebook's first cell installs mgedu from those wheels.

Python itself (Pyodide) and its compiled packages (numpy, pandas, matplotlib, scipy, statsmodels) load
from Pyodide's CDN by default, at the version jupyterlite-pyodide-kernel names. ``--pyodide`` points the
site at a self-hosted Pyodide instead: a folder (such as a full distribution unpacked from
``pyodide-<version>.tar.bz2`` of Pyodide's GitHub releases), a local tarball, or a URL of one; it is
copied into the site under ``static/pyodide/``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "binder" / "requirements.txt"
DEFAULT_OUT = REPO / "_build" / "lite"
WHEEL_CACHE = REPO / "_build" / "cache" / "lite-wheels"
#: Pure-Python packages that the notebooks need in the browser and Pyodide's distribution does not
#: have (mgedu's own dependencies molmass and anywidget, with anywidget's psygnal; ipywidgets and what it
#: needs beside IPython and traitlets).
#: The kernel brings its own stand-in for widgetsnbextension. A test checks this list against
#: Pyodide's pyodide-lock.json.
BUNDLED = ("molmass", "anywidget", "psygnal", "ipywidgets", "comm", "jupyterlab_widgets")
#: JupyterLite applications in the site: JupyterLab, and the simpler Notebook interface with its file list.
APPS = ("lab", "notebooks", "tree")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def canonical(name: str) -> str:
    """PEP 503 normalised name.

    >>> canonical("jupyterlab_widgets")
    'jupyterlab-widgets'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(path: Path = LOCK) -> dict[str, str]:
    """Canonical name -> version pinned in a requirements file."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def lite_requirements() -> list[str]:
    """The ``lite`` extra of pyproject.toml: what building the site needs."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["optional-dependencies"]["lite"])


def build_mgedu_wheel(dest: Path) -> Path:
    """Build mgedu's wheel (with its seeds and data) into ``dest`` with hatchling, offline."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("mgedu-*.whl"):
        old.unlink()
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(dest)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return next(dest.glob("mgedu-*.whl"))


def bundled_wheels(cache: Path = WHEEL_CACHE) -> list[Path]:
    """The :data:`BUNDLED` wheels at their locked versions: from ``cache``, else downloaded from PyPI once."""
    pins = locked_versions()
    missing_pins = [name for name in BUNDLED if canonical(name) not in pins]
    if missing_pins:
        raise RuntimeError(f"{LOCK.name} pins no version of {', '.join(missing_pins)}")
    cache.mkdir(parents=True, exist_ok=True)

    def cached(name: str) -> Path | None:
        version = pins[canonical(name)]
        for wheel in cache.glob("*.whl"):
            dist, found_version = wheel.name.split("-")[:2]
            if canonical(dist) == canonical(name) and found_version == version:
                return wheel
        return None

    wanted = [f"{name}=={pins[canonical(name)]}" for name in BUNDLED if cached(name) is None]
    if wanted:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--platform",
                "any",  # pure Python: psygnal also has
                "--dest",
                str(cache),
                *wanted,
            ],  # compiled wheels
            check=True,
            capture_output=True,
            text=True,
        )
    wheels = [cached(name) for name in BUNDLED]
    absent = [name for name, wheel in zip(BUNDLED, wheels, strict=True) if wheel is None]
    if absent:
        raise RuntimeError(f"no wheel downloaded for {', '.join(absent)}")
    for wheel in wheels:
        assert wheel is not None
        if not wheel.name.endswith("-none-any.whl"):
            raise RuntimeError(f"{wheel.name} is not a pure-Python wheel: it cannot run in the browser")
    return [wheel for wheel in wheels if wheel is not None]


def lite_command(
    out: Path, work: Path, wheels: list[Path], pyodide: str | None, contents: list[Path] | None = None
) -> list[str]:
    """The ``jupyter lite build`` command line for the site (see :func:`build_site`)."""
    command = [
        str(Path(sys.executable).with_name("jupyter-lite")),
        "build",
        "--lite-dir",
        str(work),
        "--output-dir",
        str(out.resolve()),
        "--no-sourcemaps",
        "--settings-overrides",
        str(REPO / "binder" / "overrides.json"),
    ]
    for app in APPS:
        command += ["--apps", app]
    for item in contents or [REPO / "notebooks"]:
        command += ["--contents", str(Path(item).resolve())]
    for wheel in wheels:
        command += ["--piplite-wheels", str(wheel.resolve())]
    if pyodide and not Path(pyodide).is_dir():  # a tarball or its URL; a folder goes to static/pyodide
        is_url = re.match(r"^https?://", pyodide)
        command += ["--pyodide", pyodide if is_url else str(Path(pyodide).resolve())]
    return command


def build_site(out: Path = DEFAULT_OUT, pyodide: str | None = None, contents: list[Path] | None = None) -> Path:
    """Build the JupyterLite site into ``out`` (replacing it) and return ``out``.

    ``pyodide``: a self-hosted Pyodide (folder, tarball or URL); None loads Pyodide from its CDN.
    ``contents``: folders or files to serve (default: the notebooks).
    """
    work = out.parent / f".{out.name}-work"  # JupyterLite's own cache and task database
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    wheels = [build_mgedu_wheel(work / "wheels"), *bundled_wheels()]
    if pyodide and Path(pyodide).is_dir():
        # A Pyodide folder goes where JupyterLite looks for one (static/pyodide of the lite folder); the
        # build copies it into the site and points the kernel at it.
        if not (Path(pyodide) / "pyodide.mjs").is_file() or not (Path(pyodide) / "pyodide-lock.json").is_file():
            raise RuntimeError(f"{pyodide} is not a Pyodide folder (pyodide.mjs and pyodide-lock.json expected)")
        (work / "static").mkdir()
        (work / "static" / "pyodide").symlink_to(Path(pyodide).resolve(), target_is_directory=True)
    command = lite_command(out, work, wheels, pyodide, contents)
    result = subprocess.run(command, cwd=work, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"jupyter lite build failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    shutil.rmtree(work, ignore_errors=True)
    return out


def folder_size_mb(folder: Path) -> float:
    """Total size of the files under ``folder``, in MB (10^6 bytes)."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="site folder (default: %(default)s)")
    parser.add_argument(
        "--pyodide", default=None, help="self-hosted Pyodide: folder, .tar.bz2 or URL (default: Pyodide's CDN)"
    )
    parser.add_argument(
        "--requirements",
        action="store_true",
        help="print what building the site needs (pyproject's `lite` extra) and exit",
    )
    args = parser.parse_args(argv)
    if args.requirements:
        print(" ".join(lite_requirements()))
        return 0
    started = time.monotonic()
    try:
        out = build_site(args.out, args.pyodide)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"lite: {exc}\n{getattr(exc, 'stderr', '') or ''}", file=sys.stderr)
        return 1
    where = f"self-hosted Pyodide from {args.pyodide}" if args.pyodide else "Pyodide from its CDN"
    print(
        f"JupyterLite site in {out} ({folder_size_mb(out):.1f} MB, {where}) built in "
        f"{time.monotonic() - started:.1f} s.\nTry it: python -m http.server -d {out} 8000 --bind 127.0.0.1, "
        "then open http://127.0.0.1:8000/lab/index.html"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
