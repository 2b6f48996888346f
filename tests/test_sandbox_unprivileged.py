"""The sandbox as an ordinary user: the kernel's own process limit holds a fork bomb, and only its own sandbox.

Grading as root (how this suite usually runs in containers) limits each notebook's processes with a pids
cgroup, because Linux does not apply ``RLIMIT_NPROC`` to root. A teacher grading as an ordinary user gets
the other path: ``RLIMIT_NPROC``, which Linux counts per user *and user namespace* (kernel commit
21d1c5e386bc, "Reimplement RLIMIT_NPROC on top of ucounts"), so each sandbox has its own quota. This test
grades an honest notebook beside a fork bomb as an unprivileged user and checks that the bomb stops below
the limit, the honest notebook graded beside it is unaffected, and nothing outlives the run.

As root, the batch runs as ``nobody`` (``setpriv``) in a private mount namespace (``unshare``) in which
folders that ``nobody`` may not enter on the way to the Python environment or the project (a ``/root``
of mode 700, say) are replaced by an empty tmpfs holding just those paths: nothing outside changes. As an
ordinary user the suite already is unprivileged, and the batch runs as it is.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import mgedu
from mgedu.classroom.sandbox import Limits

REPO = Path(mgedu.__file__).resolve().parents[1]
MARKER = "mgedu-unprivileged-" + secrets.token_hex(6)
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox needs Linux")

DRIVER = r"""
import json, sys
from pathlib import Path
import nbformat
from mgedu.classroom.grading import grade_submissions
from mgedu.classroom.sandbox import SandboxUnavailable, find_isolation
from mgedu.exercises import make_entry

work, marker = Path(sys.argv[1]), sys.argv[2]
try:
    isolation = find_isolation()
except SandboxUnavailable as exc:
    print(json.dumps({"unavailable": str(exc)}))
    sys.exit(0)
keys = work / "keys"
keys.mkdir()
entry = make_entry(
    "98.1", "b", kind="choice", choices=["x", "y"], notebook="98-custom", title="Own", concepts=["1.2d"],
    hint="Think.", skill="judgement", second_hint="Think again.", feedback={"a": "Not x."}, because="Because y.",
)
(keys / "98.json").write_text(json.dumps({"notebook": "98-custom", "exercises": [entry]}))
bomb = (
    "import os\nforks = 0\ntry:\n    while forks < 100000:\n        if os.fork() == 0:\n"
    f"            os.execv('/bin/sh', ['sh', '-c', 'sleep 120; : {marker}'])\n        forks += 1\n"
    "except OSError:\n    raise RuntimeError(f'forks stopped at {forks}') from None"
)
cells = {
    "honest": ['from mgedu import check\ncheck("98.1", "b")'],
    "forkbomb": ['from mgedu import check\ncheck("98.1", "a")', bomb],
}
for student, sources in cells.items():
    (work / "in" / student).mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, work / "in" / student / "98-custom.ipynb")
results = grade_submissions([work / "in"], timeout=90, jobs=2, key_folders=[keys], isolation=isolation)
print(json.dumps({
    "uid": __import__("os").geteuid(),
    "description": isolation.description,
    "cgroups": [str(c) for c in isolation.cgroups],
    "rows": {r.student: [[x.question, x.status, x.points, x.detail] for x in r.rows] for r in results},
}))
"""


def _blocked_ancestor(path: Path) -> Path | None:
    """The outermost folder on the way to ``path`` that other users may not enter, if any."""
    for folder in [*reversed(path.parents), path]:
        if folder.is_dir() and not folder.stat().st_mode & 0o001:
            return folder
    return None


def _as_nobody(work: Path, argv: list[str]) -> list[str]:
    """``argv`` run as ``nobody`` in a private mount namespace where the environment and project are reachable."""
    for tool in ("unshare", "setpriv"):
        if shutil.which(tool) is None:
            pytest.skip(f"running the sandbox as an ordinary user from a root test needs {tool} (util-linux)")
    nobody = pwd.getpwnam("nobody")
    needed = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, REPO)}
    mounts: dict[Path, list[Path]] = {}
    for path in sorted(needed):
        blocked = _blocked_ancestor(path)
        if blocked is not None:
            mounts.setdefault(blocked, []).append(path)
    lines = ["set -e", 'stash="$(mktemp -d)"']
    for n, (blocked, paths) in enumerate(sorted(mounts.items())):
        b = shlex.quote(str(blocked))
        lines += [f'mkdir "$stash/{n}"', f'mount --bind {b} "$stash/{n}"', f"mount -t tmpfs -o mode=755 tmpfs {b}"]
        for path in paths:
            rel = shlex.quote(str(path.relative_to(blocked)))
            lines += [f"mkdir -p {b}/{rel}", f'mount --bind "$stash/{n}/"{rel} {b}/{rel}']
    environment = f"PATH=/usr/bin:/bin HOME={work} TMPDIR={work} LANG=C.UTF-8"
    lines.append(
        f"cd {shlex.quote(str(work))} && exec setpriv --reuid={nobody.pw_uid} --regid={nobody.pw_gid} "
        f"--clear-groups env -i {environment} " + " ".join(shlex.quote(a) for a in argv)
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines)]


def test_an_ordinary_user_s_sandbox_holds_a_fork_bomb_and_spares_its_neighbour() -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (make sandbox-deps installs it)")
    work = Path(tempfile.mkdtemp(prefix="mgedu-unprivileged-"))
    try:
        (work / "driver.py").write_text(DRIVER, encoding="utf-8")
        argv = [sys.executable, "-I", str(work / "driver.py"), str(work), MARKER]
        if os.geteuid() == 0:
            os.chmod(work, 0o755)
            os.chown(work, pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid)
            argv = _as_nobody(work, argv)
        run = subprocess.run(argv, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        lines = run.stdout.strip().splitlines()
        if run.returncode != 0 or not lines:
            said = (run.stderr.strip().splitlines() or ["no message"])[-1]
            if os.geteuid() == 0 and ("unshare" in said or "mount" in said or "setpriv" in said):
                pytest.skip(f"cannot run the grader as nobody here: {said}")
            pytest.fail(f"the unprivileged batch failed (exit {run.returncode}): {run.stderr[-2000:]}")
        report = json.loads(lines[-1])
        if "unavailable" in report:
            pytest.skip(f"no sandbox for an ordinary user here: {report['unavailable']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert report["uid"] != 0 and report["cgroups"] == []
    assert "process limit by RLIMIT_NPROC" in report["description"]
    rows = report["rows"]
    assert rows["honest"] == [["98.1", "correct", 1.0, ""]], "the notebook graded beside the bomb is unaffected"
    assert ["98.1", "incorrect", 0.0, ""] in rows["forkbomb"], "the bomb's own check before it still counts"
    detail = next(r[3] for r in rows["forkbomb"] if r[1] == "cell-errors")
    forks = int(detail.split("forks stopped at ")[1].split()[0].strip(";"))
    assert 0 < forks < Limits().processes, detail
    survivors = []
    for proc in Path("/proc").iterdir():
        try:
            if MARKER.encode() in (proc / "cmdline").read_bytes():
                survivors.append(proc.name)
        except OSError:
            continue
    assert survivors == [], "a process of the fork bomb outlived its sandbox"
