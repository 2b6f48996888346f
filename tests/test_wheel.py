"""A built wheel carries its seeds and data, and nothing that needs a checkout.

Installed outside the checkout, it loads the claims, validates its own data and imports every one of
its modules; the maintainer tools (static site, notebook refresh) are not in it.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_wheel_installs_and_loads_its_data(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("mgedu-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mgedu/seeds_data/claims.csv" in names and "mgedu/data/studies.csv" in names
    tools = [n for n in names if n.startswith("tools/") or "site" in Path(n).stem or "refresh" in Path(n).stem]
    assert tools == [], f"maintainer tools shipped in the wheel: {tools}"
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    # Dependencies come from this environment's site-packages (PYTHONPATH does not run .pth files, so the
    # editable checkout install is not visible); mgedu itself comes from the wheel.
    site_packages = sysconfig.get_paths()["purelib"]
    # Every module of the installed package imports (none reaches for tools/ or a checkout path).
    code = (
        "import importlib, pkgutil, mgedu, mgedu.seeds as s; claims = mgedu.load_claims(); "
        "print(len(claims), claims.doc_id.nunique()); print(s.seeds_dir()); "
        "print(mgedu.validate()); print(len(mgedu.load_studies()) > 0); "
        "mods = [m.name for m in pkgutil.walk_packages(mgedu.__path__, 'mgedu.') if m.name != 'mgedu.__main__']; "
        "[importlib.import_module(m) for m in mods]; import sys; "
        "print(sorted(m for m in sys.modules if m == 'tools' or m.startswith('tools.'))); print(len(mods))"
    )
    result = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": site_packages, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    counts, where, problems, studies, tool_modules, n_modules = result.stdout.strip().splitlines()
    assert tool_modules == "[]" and int(n_modules) > 30
    check = subprocess.run([str(python), "-m", "mgedu", "check"], cwd=tmp_path, capture_output=True, text=True,
                           env={"PYTHONPATH": site_packages, "PATH": "/usr/bin:/bin"})
    assert check.returncode == 0 and "no problems" in check.stdout, check.stderr
    n_claims, n_docs = counts.split()
    assert int(n_claims) >= 80 and n_docs == "5"
    assert "site-packages" in where and where.endswith("seeds_data")
    assert str(REPO) not in where
    assert problems == "[]"
    assert studies == "True"
