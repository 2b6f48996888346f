"""A built wheel carries its seeds and data: install it outside the checkout and load the claims there."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_wheel_installs_and_loads_its_data(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("mgedu-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    # Dependencies come from this environment's site-packages (PYTHONPATH does not run .pth files, so the
    # editable checkout install is not visible); mgedu itself comes from the wheel.
    site_packages = sysconfig.get_paths()["purelib"]
    code = (
        "import mgedu, mgedu.seeds as s; claims = mgedu.load_claims(); "
        "print(len(claims), claims.doc_id.nunique()); print(s.seeds_dir()); "
        "print(mgedu.validate()); print(len(mgedu.load_studies()) > 0)"
    )
    result = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": site_packages, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    counts, where, problems, studies = result.stdout.strip().splitlines()
    n_claims, n_docs = counts.split()
    assert int(n_claims) >= 80 and n_docs == "5"
    assert "site-packages" in where and where.endswith("seeds_data")
    assert str(REPO) not in where
    assert problems == "[]"
    assert studies == "True"
