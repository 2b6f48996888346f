"""What the sandbox binds: the Python environment and the package, at their real paths, even under /tmp.

A checkout or environment made in a temporary folder (``git clone`` into ``mktemp -d``, a CI runner's
scratch space) lives under ``/tmp``, which each sandbox replaces with a fresh, empty tmpfs. The
environment must still show through at its real path (bound after the tmpfs), while nothing else of
the machine's ``/tmp`` does. The first tests only build the command; the last runs it where bubblewrap
can make a sandbox.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mgedu
from mgedu.classroom import sandbox
from mgedu.classroom.sandbox import Isolation, SandboxUnavailable, environment_paths, find_isolation

PACKAGE = Path(mgedu.__file__).resolve().parent


def _ro_binds(cmd: list[str]) -> list[tuple[int, str]]:
    """(position, target) of every read-only bind in a bwrap command."""
    return [(i, cmd[i + 2]) for i, arg in enumerate(cmd) if arg == "--ro-bind"]


def test_the_environment_under_tmp_is_in_the_bind_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "fresh" / ".venv"
    (venv / "bin").mkdir(parents=True)
    interpreter = tmp_path / "python" / "bin" / "python3.12"
    interpreter.parent.mkdir(parents=True)
    interpreter.write_text("")
    (venv / "bin" / "python").symlink_to(interpreter)
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "executable", str(venv / "bin" / "python"))
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path / "python"))
    binds = environment_paths()
    assert venv.resolve() in binds
    assert (tmp_path / "python").resolve() in binds  # base prefix; holds the interpreter's real path
    assert PACKAGE in binds or any(p in PACKAGE.parents for p in binds)
    assert Path("/tmp") not in binds and tmp_path.resolve() not in binds


def test_the_interpreter_real_path_is_bound_when_outside_the_prefixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    interpreter = tmp_path / "elsewhere" / "python3"
    interpreter.parent.mkdir()
    interpreter.write_text("")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(interpreter)
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "executable", str(venv / "bin" / "python"))
    monkeypatch.setattr(sys, "base_prefix", "/usr")
    assert interpreter.resolve() in environment_paths()


def test_binds_come_after_the_fresh_tmp_and_home() -> None:
    under_tmp = Path("/tmp/tmp.X/fresh/.venv")
    isolation = Isolation("bubblewrap", "bubblewrap sandbox", "/usr/bin/bwrap", (), (under_tmp, Path("/opt/py")))
    cmd = sandbox._bwrap_command(isolation, None, ["python", "-c", "pass"])
    tmpfs_at = {cmd[i + 1]: i for i, arg in enumerate(cmd) if arg == "--tmpfs"}
    binds = dict((target, i) for i, target in _ro_binds(cmd))
    assert binds[str(under_tmp)] > tmpfs_at["/tmp"]
    assert binds[str(under_tmp)] > tmpfs_at[sandbox.SANDBOX_HOME]
    assert binds["/opt/py"] > tmpfs_at["/tmp"]
    assert cmd.index("--remount-ro") > binds[str(under_tmp)]
    assert "/tmp" not in binds  # the machine's /tmp itself is never bound


try:
    ISOLATION = find_isolation()
except SandboxUnavailable as exc:  # pragma: no cover - depends on the machine
    ISOLATION, REASON = None, str(exc)
else:
    REASON = ""


@pytest.mark.skipif(ISOLATION is None, reason=f"no sandbox here: {REASON}")
def test_a_folder_under_tmp_shows_through_and_its_neighbours_stay_hidden(tmp_path: Path) -> None:
    assert ISOLATION is not None
    shown = tmp_path / "env"
    shown.mkdir()
    (shown / "visible.txt").write_text("environment file")
    hidden = tmp_path / "teacher"
    hidden.mkdir()
    (hidden / "secret.txt").write_text("teacher secret")
    isolation = Isolation(ISOLATION.mode, ISOLATION.description, ISOLATION.bwrap, (), (*ISOLATION.binds, shown))
    code = (
        "import pathlib, sys; "
        f"print(pathlib.Path({str(shown / 'visible.txt')!r}).read_text()); "
        f"print(pathlib.Path({str(hidden / 'secret.txt')!r}).exists()); "
        f"print(pathlib.Path({str(hidden)!r}).exists())"
    )
    done = subprocess.run(
        sandbox._bwrap_command(isolation, None, ["python", "-I", "-c", code]),
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["environment file", "False", "False"]
