"""The workbook on Google Colab, as far as it can be rebuilt here: Colab's versions, Colab's way in.

A fresh environment (``tests/environments.py``: uv, linked from its cache) with Python 3.13 and Colab's
published package versions (``tests/platforms/colab.txt``). mgedu is *not* preinstalled: the notebooks'
own first cell installs it with ``%pip`` from the project's GitHub repository, which git is told to fetch
from a local clone of this checkout (``url.<local>.insteadOf``), since GitHub is not reachable here. Every
notebook then runs in a kernel of that environment; nothing may raise, and an output may differ from the
stored one only where two pandas versions print the same values differently
(``environments.tolerated``; listed in ``artifacts/platforms-colab.txt``). Only mgedu and molmass may be
added: Colab's ipywidgets 7.7 and the rest stay as they are. The explorers on the same versions are
tested in ``test_colab_widgets.py`` (a file of its own, so the two test workers run them side by side).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import (
    COLAB_PINS,
    Environment,
    assert_clean,
    build_wheel,
    clean_environ,
    copy_checkout,
    notebooks,
    python_or_this,
    read_pins,
    report,
    require_uv,
    run,
    run_notebooks,
)

from tools.setup_cell import REPOSITORY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


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
    kernel_env = clean_environ(
        colab_env.path, colab_env.home, GIT_CONFIG_GLOBAL=str(local_github(tmp_path)), GIT_CONFIG_NOSYSTEM="1"
    )
    runs = run_notebooks(colab_env, notebooks(), tmp_path / "content", kernel_env=kernel_env)
    after = colab_env.installed()
    text = report("colab", colab_env, runs, [f"the first cell installed: {sorted(set(after) - set(before))}"])
    print(text)
    assert_clean(runs, colab_env.path / "lib")
    added = sorted(set(after) - set(before))
    changed = sorted(name for name in before if after.get(name) != before[name])
    assert added == ["mgedu", "molmass"], f"installing mgedu on Colab added {added}"
    assert not changed, f"installing mgedu on Colab changed Colab's own packages: {changed}"
