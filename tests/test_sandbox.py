"""Hostile submissions, graded in one batch beside an honest one, in the bubblewrap sandbox.

Each attack is a small notebook that tries one thing a student could do to change grades, read what
it should not, or stop the batch. The batch must complete, every file must get rows, the honest
student's score must be exactly full marks, and nothing outside the sandboxes may change: the
installed package, the answer keys, the teacher's key folder and files, the other submissions,
``grades.csv`` written after the batch, the Python environment. Skipped, with the reason, where no
sandbox can be made (bubblewrap is installed by ``make test`` on Linux).
"""

from __future__ import annotations

import compileall
import json
import os
import secrets
import site
import socket
import time
from pathlib import Path

import nbformat
import pytest
from classroom_helpers import (
    EXERCISES,
    answer_with_solution,
    auto_ids,
    digest_tree,
    expected_ids,
    scenario_notebook,
)

import mgedu
from mgedu.classroom.grading import grade_submissions, write_grades
from mgedu.classroom.release import release
from mgedu.classroom.sandbox import Limits, SandboxUnavailable, find_isolation
from mgedu.exercises import keys_dir, make_entry

try:
    ISOLATION = find_isolation()
except SandboxUnavailable as exc:  # pragma: no cover - depends on the machine
    ISOLATION = None
    REASON = str(exc)
else:
    REASON = ""
pytestmark = pytest.mark.skipif(ISOLATION is None, reason=f"no sandbox here: {REASON}")

WRITTEN = next((ex for ex in EXERCISES.values() if ex.kind == "written"), None)
MARKER = "mgedu-survivor-" + secrets.token_hex(6)
TOKEN = "teacher-secret-" + secrets.token_hex(8)
PACKAGE = Path(mgedu.__file__).resolve().parent
# Time limit for each notebook of the batch: the looper runs into it (so the batch takes at least this long),
# the honest notebook must finish well within it also on a loaded machine (it took 11 s alone and 15 s beside
# another test file building an environment: a margin of three). Three run at once: the looper mostly waits.
TIMEOUT = 45


def hostile_sources(paths: dict[str, str], qid: str, later_qid: str) -> dict[str, list[str]]:
    """Student name -> code cells of the attack (``paths`` are host paths an attacker might guess)."""
    p = json.dumps(paths)
    check = f'from mgedu import check\ncheck("{qid}", "attempt")'
    later = f'check("{later_qid}", "after the attack")'
    survivor = (
        "import time, pathlib\ntime.sleep(2)\n"
        f"for p in {p}.values():\n"
        "    try:\n        pathlib.Path(p).write_text('student,points\\nmallory,100\\n')\n"
        "    except OSError:\n        pass\n"
        f"time.sleep(60)  # {MARKER}"
    )
    edit_package = (
        "import mgedu, pathlib, site\npkg = pathlib.Path(mgedu.__file__).parent\n"
        "targets = [pkg / 'exercises.py', pkg / '__init__.py', pkg / 'data' / 'exercises' / 'x.json']\n"
        "targets += [pathlib.Path(s, n) for s in site.getsitepackages() for n in ('sitecustomize.py', 'zz.pth')]\n"
        "for t in targets:\n    try:\n        t.write_text(\"import os; os.system('touch /tmp/pwned')\\n\")\n"
        "    except OSError:\n        pass"
    )
    write_keys = (
        "import pathlib\nfrom mgedu.exercises import keys_dir\n"
        f"for folder in (keys_dir(), pathlib.Path({paths['keys']!r})):\n"
        "    for name in ('01.json', 'zz.json'):\n        try:\n"
        '            (folder / name).write_text(\'{"notebook": "x", "exercises": []}\')\n'
        "        except OSError:\n            pass"
    )
    rewrite_others = (
        "import pathlib\n"
        f"for p in ({paths['honest']!r}, {paths['submissions']!r} + '/zz/x.ipynb'):\n"
        "    try:\n        pathlib.Path(p).parent.mkdir(parents=True, exist_ok=True)\n"
        "        pathlib.Path(p).write_text('{}')\n    except OSError:\n        pass"
    )
    kill_runner = (
        "import os, signal\nfor pid in {os.getppid(), 1}:\n"
        "    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGKILL):\n"
        "        try:\n            os.kill(pid, sig)\n        except OSError:\n            pass"
    )
    return {
        # Edit the installed package and site-packages, write into both key folders, rewrite a classmate's
        # file, then try to stop the program running the notebook; a check after all that must still count.
        "vandal": [check, edit_package, write_keys, rewrite_others, kill_runner, later],
        "survivor": [
            check,
            "import os, subprocess, sys\n"
            f"code = {survivor!r}\n"
            "subprocess.Popen([sys.executable, '-c', code], start_new_session=True,\n"
            "                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
            "pid = os.fork()\nif pid == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        os.execv(sys.executable, [sys.executable, '-c', code])\n    os._exit(0)\nos.waitpid(pid, 0)",
            later,
        ],
        "logswap": [
            check,
            "import os\nlog = os.environ['MGEDU_GRADING_LOG']\n"
            "for make in (os.mkdir, os.mkfifo):\n    try:\n        os.remove(log)\n    except OSError:\n        pass\n"
            "    try:\n        make(log)\n    except OSError:\n        pass",
            later,
        ],
        "membomb": [
            check,
            "chunks = []\nwhile True:\n    chunks.append(b'x' * 2**27)",
            "del chunks\n" + later,
        ],
        "forkbomb": [
            check,
            "import os, time\nforks = 0\ntry:\n    while forks < 100000:\n        if os.fork() == 0:\n"
            "            time.sleep(120)\n            os._exit(0)\n        forks += 1\nexcept OSError:\n"
            "    raise RuntimeError(f'forks stopped at {forks}') from None",
            later,
        ],
        "printer": [
            check,
            "print('x' * 300_000_000)",
            later,
        ],
        "flooder": [
            check,
            "import os\nfor fd in os.listdir('/proc/1/fd'):\n"
            "    if os.readlink(f'/proc/1/fd/{fd}').startswith('pipe:'):\n        try:\n"
            "            os.write(os.open(f'/proc/1/fd/{fd}', os.O_WRONLY), b'{' * 300_000_000)\n"
            "        except OSError:\n            pass",
            later,
        ],
        # A notebook that never ends. It sleeps rather than spins so that the test does not hold a core for
        # the whole time limit; the limit is wall-clock time either way (CPU time has its own limit).
        "looper": [check, "import time\nwhile True:\n    time.sleep(1)", later],
        "crasher": [check, "import os\nos._exit(1)", later],
        # A forged "correct" record, patched checks, a 5,000-digit number and a 100,000-deep nesting in the log.
        "forger": [
            check,
            "import json, os\nimport mgedu.exercises as ex\nex.evaluate = lambda *a, **k: None\n"
            "with open(os.environ['MGEDU_GRADING_LOG'], 'a') as f:\n"
            f"    f.write(json.dumps({{'id': '{later_qid}', 'status': 'correct', 'answer': 'zz-not-it'}}) + '\\n')\n"
            f'    f.write(\'{{"id": "{qid}", "status": "correct", "answer": \' + \'9\' * 5000 + \'}}\\n\')\n'
            f"    f.write('{{\"id\": \"{qid}\", \"answer\": ' + '[' * 100000 + ']' * 100000 + '}}\\n')",
        ],
    }


SNOOP = """
import os, json, pathlib, socket
targets = [t[::-1] for t in json.loads({targets!r})]
secrets_ = [s[::-1] for s in json.loads({needles!r})]  # reversed: this cell's own source must not match
seen, hits = [], []
def look(where, text):
    for s in secrets_:
        if s in text:
            hits.append(where)
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
for pid in pids:
    for what in ('cmdline', 'environ'):
        try:
            look(f'/proc/{{pid}}/{{what}}', open(f'/proc/{{pid}}/{{what}}', 'rb').read().decode(errors='replace'))
        except OSError:
            pass
look('environ', json.dumps(dict(os.environ)))
for path in targets:
    try:
        look(path, pathlib.Path(path).read_text(errors='replace'))
        seen.append(path)
    except OSError:
        pass
for top in ('/home', '/tmp', '/grading'):
    for root, dirs, files in os.walk(top):
        for name in files:
            try:
                look(name, open(os.path.join(root, name), 'rb').read(1_000_000).decode(errors='replace'))
            except OSError:
                pass
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=2)
    net = 'connected'
except OSError as exc:
    net = type(exc).__name__
from mgedu import check
from mgedu.exercises import keys_dir
loot = {{'pids': pids, 'seen': seen, 'hits': hits, 'net': net, 'keys': os.listdir(keys_dir())}}
check({qid!r}, json.dumps(loot))
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The honest student and every attack, graded together (three at a time), then grades.csv written."""
    work = tmp_path_factory.mktemp("sandbox")
    root = work / "submissions"
    teacher_file = work / "teacher" / "course-notes.txt"
    teacher_file.parent.mkdir()
    teacher_file.write_text(f"the teacher's own notes {TOKEN}", encoding="utf-8")
    keys = work / "keys"
    keys.mkdir()
    entry = make_entry(
        "98.1",
        "b",
        kind="choice",
        choices=["x", "y"],
        notebook="98-custom",
        title="Own",
        concepts=["1.2d"],
        hint="Think.",
        skill="judgement",
        second_hint="Think again.",
        feedback={"a": "Not x."},
        because="Because y.",
    )
    (keys / "98.json").write_text(json.dumps({"notebook": "98-custom", "exercises": [entry]}), encoding="utf-8")

    scenario = scenario_notebook()
    name = scenario.stem
    released = work / "released"
    release(released, scenario.parent, names=[name])
    honest = nbformat.read(released / scenario.name, as_version=4)
    teacher = nbformat.read(scenario, as_version=4)
    for qid in auto_ids(name):
        answer_with_solution(honest, teacher, qid)
    (root / "honest").mkdir(parents=True)
    honest_path = root / "honest" / scenario.name
    nbformat.write(honest, honest_path)

    grades = work / "grades.csv"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    paths = {
        "honest": str(honest_path),
        "submissions": str(root),
        "keys": str(keys),
        "grades": str(grades),
        "teacher": str(teacher_file),
    }
    qid = auto_ids(name)[0]
    attacks = hostile_sources(paths, qid, auto_ids(name)[1])
    cell = nbformat.v4.new_code_cell
    for student, sources in attacks.items():
        (root / student).mkdir()
        nbformat.write(nbformat.v4.new_notebook(cells=[cell(s) for s in sources]), root / student / scenario.name)
    if WRITTEN is not None:
        (root / "snoop").mkdir()
        snoop = SNOOP.format(
            targets=json.dumps([t[::-1] for t in [*paths.values(), str(PACKAGE.parent / "notebooks" / scenario.name)]]),
            needles=json.dumps([n[::-1] for n in (TOKEN, str(honest_path), str(root))]),
            port=listener.getsockname()[1],
            qid=WRITTEN.id,
        )
        nbformat.write(nbformat.v4.new_notebook(cells=[cell(snoop)]), root / "snoop" / f"{WRITTEN.notebook}.ipynb")
    for folder in ("texter", "broken", "fifo", "link", "custom", "tagger"):
        (root / folder).mkdir()
    # Odd shapes a notebook's JSON can take where the grader reads it before running it: cells tagged as the
    # teacher's solutions (one checking the exercise), tags that are not a list, a source list holding a
    # number, and a release stamp naming another notebook. It still runs, and its own check counts.
    solution = f'<details>\n\n```python\ncheck("{qid}", "a")\n```\n\n</details>'
    odd = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"mgedu": {"notebook": "99-nowhere", "copy": ["student"]}},
        "cells": [
            {"cell_type": "markdown", "metadata": {"tags": ["solution"]}, "source": solution},
            {"cell_type": "code", "metadata": {"tags": "solution"}, "source": ["x = 1\n", 7], "outputs": []},
            {
                "cell_type": "code",
                "metadata": {"tags": [1, None]},
                "source": f'from mgedu import check\ncheck("{qid}", "b")',
            },
            {"cell_type": "raw", "metadata": [], "source": None},
        ],
    }
    (root / "tagger" / f"{name}.ipynb").write_text(json.dumps(odd), encoding="utf-8")
    (root / "texter" / f"{name}.txt").write_text("my answers: b, c", encoding="utf-8")
    (root / "broken" / f"{name}.ipynb").write_text('{"cells": [', encoding="utf-8")
    os.mkfifo(root / "fifo" / f"{name}.ipynb")
    (root / "link" / f"{name}.ipynb").symlink_to(teacher_file)
    nbformat.write(
        nbformat.v4.new_notebook(cells=[cell('from mgedu import check\ncheck("98.1", " B")')]),
        root / "custom" / "98-custom.ipynb",
    )

    watched = {"package": PACKAGE, "keys": keys, "submissions": root, "teacher": teacher_file.parent}
    # Byte-compile the package first, so that another test worker importing a module meanwhile finds its
    # bytecode up to date and writes nothing into the package while it is watched.
    compileall.compile_dir(PACKAGE, quiet=1)
    before = {k: digest_tree(v) for k, v in watched.items()}
    site_before = {s: sorted(os.listdir(s)) for s in site.getsitepackages() if os.path.isdir(s)}
    os.environ["MGEDU_TEST_TEACHER_TOKEN"] = TOKEN
    started = time.monotonic()
    try:
        results = grade_submissions(
            [root], timeout=TIMEOUT, jobs=3, key_folders=[keys], isolation=ISOLATION, limits=Limits(memory_mb=1536)
        )
    finally:
        del os.environ["MGEDU_TEST_TEACHER_TOKEN"]
    seconds = time.monotonic() - started
    print(
        f"sandbox batch: {len(results)} files in {seconds:.1f} s;",
        ", ".join(f"{r.student} {r.seconds:.1f}" for r in results),
    )
    write_grades(results, grades)
    written = grades.read_bytes()
    time.sleep(3)  # a survivor would write after 2 s
    listener.close()
    return {
        "results": results,
        "by": {r.student: r for r in results},
        "qid": qid,
        "name": name,
        "seconds": seconds,
        "unchanged": {k: digest_tree(v) == before[k] for k, v in watched.items()},
        "site_unchanged": site_before == {s: sorted(os.listdir(s)) for s in site_before},
        "grades_unchanged": grades.read_bytes() == written,
        "files": sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()),
    }


def statuses(batch: dict, student: str) -> dict[str, str]:
    return {r.question: r.status for r in batch["by"][student].rows}


def test_the_batch_completes_with_rows_for_every_file(batch: dict) -> None:
    graded = sorted(
        Path(r.file).relative_to(Path(batch["results"][0].file).parents[1]).as_posix() for r in batch["results"]
    )
    assert graded == batch["files"]
    assert all(r.rows for r in batch["results"])


def test_the_honest_student_scores_full_marks(batch: dict) -> None:
    honest = batch["by"]["honest"].rows
    assert [r for r in honest if r.question == "-"] == []
    auto = auto_ids(batch["name"])
    assert {r.question: (r.status, r.points) for r in honest if r.question in auto} == {
        q: ("correct", EXERCISES[q].points) for q in auto
    }


def test_nothing_outside_the_sandboxes_changed(batch: dict) -> None:
    assert batch["unchanged"] == {k: True for k in batch["unchanged"]}
    assert batch["site_unchanged"] and not Path("/tmp/pwned").exists()
    assert batch["grades_unchanged"], "a process outlived its sandbox and rewrote grades.csv"


def test_no_process_outlives_its_sandbox(batch: dict) -> None:
    survivors = []
    for proc in Path("/proc").iterdir():
        try:
            if MARKER.encode() in (proc / "cmdline").read_bytes():
                survivors.append(proc.name)
        except OSError:
            continue
    assert survivors == []
    for cgroup in ISOLATION.cgroups:
        # This process's runs only: another test worker may be grading at the same time.
        assert not list(cgroup.glob(f"mgedu-grade-{os.getpid()}-*")), "a cgroup of a finished run is left behind"


def test_attacks_that_continue_still_grade_their_later_checks(batch: dict) -> None:
    for student in ("vandal", "survivor", "logswap", "membomb", "printer"):
        rows = statuses(batch, student)
        later = auto_ids(batch["name"])[1]
        assert rows[batch["qid"]] != "missing" and rows[later] not in ("missing", "not-reached"), (student, rows)
        assert "timeout" not in rows.values() and "error" not in rows.values(), (student, rows)


def test_limits_stop_memory_and_fork_bombs(batch: dict) -> None:
    membomb = next(r for r in batch["by"]["membomb"].rows if r.status == "cell-errors")
    assert "MemoryError" in membomb.detail
    # The bomb exhausts its own process quota: its later cells may fail, its earlier check still counts.
    assert statuses(batch, "forkbomb")[batch["qid"]] != "missing"
    forkbomb = next(r for r in batch["by"]["forkbomb"].rows if r.status == "cell-errors")
    assert "forks stopped at" in forkbomb.detail
    assert int(forkbomb.detail.split("forks stopped at ")[1].split()[0].strip(";")) < 4096


def test_a_hostile_log_is_refused_line_by_line(batch: dict) -> None:
    forger = batch["by"]["forger"].rows
    assert any(r.status == "note" and "2 unreadable log lines" in r.detail for r in forger)
    later = next(r for r in forger if r.question == auto_ids(batch["name"])[1])
    assert later.status != "correct" and later.points == 0  # the forged 'correct' is re-checked
    assert statuses(batch, "forger")[batch["qid"]] != "missing"  # the check before still counts


def test_a_flood_of_output_stops_only_that_run(batch: dict) -> None:
    flooder = statuses(batch, "flooder")
    assert flooder["-"] == "error" and flooder[batch["qid"]] != "missing"
    detail = next(r.detail for r in batch["by"]["flooder"].rows if r.status == "error")
    assert "more than the grader reads back" in detail


def test_loops_crashes_and_non_notebooks_get_a_row_that_says_why(batch: dict) -> None:
    by = batch["by"]
    looper = statuses(batch, "looper")
    assert looper["-"] == "timeout" and looper[batch["qid"]] != "missing"
    assert looper[auto_ids(batch["name"])[1]] == "not-reached"
    assert "kernel-died" in statuses(batch, "crasher").values()
    for student, words in (
        ("texter", "not-a-notebook"),
        ("broken", "not valid JSON"),
        ("fifo", "named pipe"),
        ("link", "not a regular file"),
    ):
        first, *zeros = by[student].rows
        assert first.status == "not-a-notebook" and (words in first.detail or words == first.status), student
        # A hand-in that cannot be graded scores 0 on every exercise of its notebook: it never vanishes.
        assert [(r.question, r.status, r.points) for r in zeros] == [
            (q, "not-graded", 0.0) for q in expected_ids(batch["name"])
        ], student
    assert TOKEN not in json.dumps([r.detail for r in by["link"].rows])


def test_odd_notebook_json_is_graded_not_a_crash(batch: dict) -> None:
    rows = statuses(batch, "tagger")
    assert rows["-"] in ("solution-cells", "cell-errors", "note") and batch["qid"] in rows
    assert rows[batch["qid"]] in ("correct", "incorrect"), rows
    assert any(r.status == "solution-cells" for r in batch["by"]["tagger"].rows)
    assert not any(r.status == "error" for r in batch["by"]["tagger"].rows), "no grader fault"


def test_a_teachers_own_key_folder_is_used_by_the_grader(batch: dict) -> None:
    rows = batch["by"]["custom"].rows
    assert [(r.question, r.status, r.points) for r in rows] == [("98.1", "correct", 1.0)]


@pytest.mark.skipif(WRITTEN is None, reason="no written exercise to carry what the snoop found")
def test_a_submission_sees_no_classmate_teacher_file_network_or_environment(batch: dict) -> None:
    loot = json.loads(next(r.detail for r in batch["by"]["snoop"].rows if r.question == WRITTEN.id))
    assert loot["hits"] == [] and loot["seen"] == []
    assert loot["pids"] == [1, 2] or max(loot["pids"]) < 10, loot["pids"]
    assert loot["net"] != "connected"
    # The package's practice keys are there, read-only, as in every student's own copy (the notebooks' code
    # reads them); the teacher's own key folder is outside (it lies under /tmp, which is the sandbox's own).
    assert sorted(loot["keys"]) == sorted(p.name for p in keys_dir().iterdir())
