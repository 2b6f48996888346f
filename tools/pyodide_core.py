"""Fetch Pyodide's core from npm and make it a self-hosted Pyodide folder that can start a kernel.

JupyterLite loads Pyodide (Python compiled to WebAssembly) from its CDN by default. A school that
serves everything itself, and the tests here (where the CDN is not reachable), point the site at a
Pyodide folder instead. npm's ``pyodide`` package holds Pyodide's *core*: the interpreter, the standard
library and ``pyodide-lock.json``, which names every package of the full distribution, but no package
files. This script fetches that package at the pinned version (checking npm's integrity hash), then
adds the pure-Python wheels a JupyterLite kernel needs to start (micropip, IPython, jedi and their
dependencies) and those the site's own wheels need (typing-extensions), at the versions the lock
names, downloaded from PyPI, and rewrites their lock entries with the files' own checksums.

Compiled packages (numpy, pandas, matplotlib, scipy, statsmodels, ...) are built by Pyodide for
WebAssembly and are on neither PyPI nor npm: they come from Pyodide's CDN, or from a full
distribution (``pyodide-<version>.tar.bz2`` from Pyodide's GitHub releases) unpacked into the folder.
``compiled_packages_present()`` says whether a folder has them.

    python -m tools.pyodide_core --out _build/pyodide-core      # what `make test` runs
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The npm package pinned here, with npm's integrity hash for its tarball (``npm view pyodide@V dist.integrity``).
#: The version is the one jupyterlite-pyodide-kernel loads from the CDN (a test checks they agree).
PYODIDE_VERSION = "314.0.6"
PYODIDE_INTEGRITY = "sha512-BKDTJyIqFxC4BExLqeRS3f5xvXZIjOt8C3zGLN/Cc7tFxSwvKVhVkchQQ2AGLOtR4YrVOIFxbV8poyDOOmWwxQ=="
DEFAULT_OUT = REPO / "_build" / "pyodide-core"
#: What a JupyterLite kernel installs from Pyodide's distribution while it starts (the worker loads
#: micropip, then installs ipython and jedi; its own wheels come with the site). Their dependencies,
#: as the lock names them, are added too.
KERNEL_PACKAGES = ("micropip", "packaging", "ipython", "jedi", "traitlets")
#: Pure-Python packages of Pyodide's distribution that the site's own wheels need (anywidget and psygnal
#: need typing-extensions), added the same way.
WORKBOOK_PACKAGES = ("typing-extensions",)
#: Packages that only Pyodide's compiled distribution has; the workbook needs all of them.
COMPILED_PACKAGES = ("numpy", "pandas", "matplotlib", "scipy", "statsmodels")
MARKER = "mgedu-self-hosted.json"


def canonical(name: str) -> str:
    """PEP 503 normalised name.

    >>> canonical("prompt_toolkit")
    'prompt-toolkit'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(folder: Path) -> dict:
    """The ``pyodide-lock.json`` of a Pyodide folder."""
    return json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))


def lock_closure(packages: dict, names: Iterable[str]) -> list[str]:
    """Lock names of ``names`` and everything they depend on, per the lock, sorted.

    >>> lock = {"a": {"depends": ["b"]}, "b": {"depends": []}, "c": {"depends": []}}
    >>> lock_closure(lock, ["a"])
    ['a', 'b']
    """
    by_canonical = {canonical(name): name for name in packages}
    found: set[str] = set()
    todo = list(names)
    while todo:
        wanted = canonical(todo.pop())
        if wanted not in by_canonical:
            raise KeyError(f"{wanted} is not in pyodide-lock.json")
        name = by_canonical[wanted]
        if name not in found:
            found.add(name)
            todo.extend(packages[name]["depends"])
    return sorted(found)


def lock_versions(folder: Path) -> dict[str, str]:
    """Canonical name -> version for every package the Pyodide folder's lock names."""
    return {canonical(name): entry["version"] for name, entry in read_lock(folder)["packages"].items()}


def compiled_packages_present(folder: Path) -> list[str]:
    """Which of :data:`COMPILED_PACKAGES` have their wheel file in ``folder`` (a full distribution has all)."""
    packages = read_lock(folder)["packages"]
    return [name for name in COMPILED_PACKAGES if name in packages and (folder / packages[name]["file_name"]).is_file()]


def npm_integrity(path: Path) -> str:
    """npm's ``sha512-<base64>`` integrity string of a file."""
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch_core(out: Path, version: str = PYODIDE_VERSION, integrity: str = PYODIDE_INTEGRITY) -> None:
    """``npm pack pyodide@version``, check the tarball's integrity, unpack the package into ``out``."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: it is needed to fetch Pyodide's core (apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"pyodide@{version}", "--pack-destination", tmp, "--silent"],
            check=True,
            capture_output=True,
            text=True,
        )
        tarball = Path(tmp) / f"pyodide-{version}.tgz"
        found = npm_integrity(tarball)
        if found != integrity:
            raise RuntimeError(f"pyodide@{version} from npm has integrity {found}, expected {integrity}")
        out.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                if not member.isfile() or not member.name.startswith("package/"):
                    continue
                target = out / member.name.removeprefix("package/")
                if target.resolve().parent != out.resolve():  # the package is flat; refuse anything else
                    raise RuntimeError(f"unexpected path in the pyodide package: {member.name}")
                source = archive.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())


def add_pure_wheels(folder: Path, names: Iterable[str], python: str = sys.executable) -> list[str]:
    """Download the pure-Python wheels of ``names`` (and their lock dependencies) from PyPI at the
    versions the folder's lock names, put them in the folder and point the lock entries at them.

    Returns the lock names added. Raises ``ValueError`` for a package Pyodide builds for WebAssembly.
    """
    lock = read_lock(folder)
    packages = lock["packages"]
    wanted = lock_closure(packages, names)
    compiled = [name for name in wanted if not packages[name]["file_name"].endswith("-none-any.whl")]
    if compiled:
        raise ValueError(f"these are compiled for WebAssembly and not on PyPI: {', '.join(compiled)}")
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}=={packages[name]['version']}" for name in wanted]
        browser_python = ".".join(lock["info"]["python"].split(".")[:2])  # the wheels' Requires-Python
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                browser_python,
                "--dest",
                tmp,
                *specs,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        downloaded = {canonical(path.name.split("-")[0]): path for path in Path(tmp).glob("*.whl")}
        for name in wanted:
            wheel = downloaded.get(canonical(name))
            if wheel is None:
                raise RuntimeError(f"pip downloaded no wheel for {name}=={packages[name]['version']}")
            shutil.copy(wheel, folder / wheel.name)
            packages[name]["file_name"] = wheel.name
            packages[name]["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (folder / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    return wanted


def prepare(out: Path = DEFAULT_OUT, version: str = PYODIDE_VERSION) -> Path:
    """Make ``out`` a self-hosted Pyodide core that can start a JupyterLite kernel (once; cached)."""
    marker = out / MARKER
    expected = {
        "version": version,
        "kernel_packages": list(KERNEL_PACKAGES),
        "workbook_packages": list(WORKBOOK_PACKAGES),
    }
    if marker.is_file() and json.loads(marker.read_text()).get("request") == expected:
        return out
    shutil.rmtree(out, ignore_errors=True)
    fetch_core(out, version)
    added = add_pure_wheels(out, [*KERNEL_PACKAGES, *WORKBOOK_PACKAGES])
    marker.write_text(json.dumps({"request": expected, "pure_wheels": added}, indent=1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        folder = prepare(args.out)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        print(f"pyodide core not prepared: {exc}\n{detail}", file=sys.stderr)
        return 1
    files = sum(1 for _ in folder.iterdir())
    print(f"Pyodide {PYODIDE_VERSION} core with the kernel's pure-Python wheels: {folder} ({files} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
