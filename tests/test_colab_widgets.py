"""The explorers on Google Colab's versions: ipywidgets 7.7.1, anywidget 0.9.21 and the rest of
``tests/platforms/colab.txt``.

The tests that move every explorer's controls and read its readout run in a fresh environment with
Colab's versions, pytest added, and mgedu installed from its wheel (not imported from the checkout).
Apart from ``test_colab.py`` (the notebooks on Colab) so that the two test workers run them side by side.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from environments import (
    COLAB_PINS,
    REPO,
    Environment,
    build_wheel,
    clean_environ,
    copy_checkout,
    python_or_this,
    read_pins,
    require_uv,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


#: The test modules whose tests drive the explorers' controls and read their readouts.
WIDGET_TESTS = [
    "test_accessibility.py",
    "test_audit.py",
    "test_claims.py",
    "test_designs.py",
    "test_doses.py",
    "test_evidence_widgets.py",
    "test_mechanisms.py",
]


def test_explorers_respond_on_colabs_ipywidgets_7(wheel: Path, tmp_path: Path) -> None:
    """The tests that move every explorer's controls and read its readout, run on Colab's ipywidgets 7.7.1
    (in a second Colab environment with pytest added, mgedu from the wheel, not from the checkout)."""
    require_uv()
    notes: list[str] = []
    env = Environment(tmp_path / "venv", python_or_this("3.13", notes)).create()
    tested = read_pins(REPO / "tests" / "requirements.txt")
    env.install("-r", str(COLAB_PINS), str(wheel), f"pytest=={tested['pytest']}", f"hypothesis=={tested['hypothesis']}")
    checkout = tmp_path / "checkout"
    copy_checkout(checkout)
    result = subprocess.run(
        [
            str(env.path / "bin" / "pytest"),
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-k",
            "explorer or widget or worksheet",
            *[f"tests/{name}" for name in WIDGET_TESTS],
        ],
        cwd=checkout,
        env=clean_environ(env.path, env.home, MPLBACKEND="Agg"),
        capture_output=True,
        text=True,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(f"explorer tests on ipywidgets {env.installed()['ipywidgets']}: {summary}")
    assert result.returncode == 0, f"explorer tests fail on Colab's ipywidgets 7.7.1:\n{result.stdout[-6000:]}"
    assert re.search(r"\b(2\d|[3-9]\d) passed", summary), f"fewer explorer tests ran than expected: {summary}"
    assert env.installed()["ipywidgets"] == read_pins(COLAB_PINS)["ipywidgets"]
