"""What comes back from a submission is read defensively; grading refuses, or warns, without a sandbox."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import nbformat
import pytest

from mgedu.__main__ import main
from mgedu.classroom import sandbox
from mgedu.classroom.running import parse_report
from mgedu.classroom.sandbox import Limits, SandboxUnavailable, find_isolation
from mgedu.classroom.submissions import collect_files, identify_notebook, read_submission, solution_ids
from mgedu.classroom.untrusted import Untrusted, loads_bounded, read_log, read_regular_file
from mgedu.exercises import load_exercises


def test_a_log_replaced_by_a_folder_a_fifo_or_a_link_is_reported_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "as-folder"
    folder.mkdir()
    fifo = tmp_path / "as-fifo"
    os.mkfifo(fifo)
    secret = tmp_path / "secret.txt"
    secret.write_text('{"id": "1.1", "answer": "b"}\n')
    link = tmp_path / "as-link"
    link.symlink_to(secret)
    for path, words in ((folder, "a folder"), (fifo, "a named pipe"), (link, "a symbolic link")):
        done: list[tuple] = []
        reader = threading.Thread(target=lambda p=path, d=done: d.append(read_log(p)), daemon=True)
        reader.start()
        reader.join(timeout=5)
        assert done, f"reading a log that is {words} hung"
        records, bad, problem = done[0]
        assert records == [] and words in problem


def test_huge_numbers_deep_nesting_and_bad_records_are_skipped_line_by_line(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    lines = [
        json.dumps({"id": "1.2", "status": "correct", "answer": 12}),
        '{"id": "1.2", "answer": ' + "9" * 5000 + "}",
        '{"id": "1.2", "answer": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "1.2", "answer": NaN}',
        '{"id": "1.2", "answer": 1e999}',
        json.dumps({"id": ["not", "text"], "answer": 1}),
        json.dumps({"id": "1.2", "answer": {"a": 1}}),
        "not json",
        json.dumps({"id": "1.3", "answer": "b" * 9000}),
    ]
    log.write_text("\n".join(lines) + "\n")
    records, bad, problem = read_log(log)
    assert problem == "" and bad == 7
    assert records[0] == {"id": "1.2", "answer": 12, "status": "correct", "kind": "check"}
    assert len(records[1]["answer"]) == 5000


def test_size_caps(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(Untrusted, match="too large"):
        read_regular_file(big, 1000)
    with pytest.raises(Untrusted, match="5,000 digits"):
        loads_bounded("-" + "1" * 5000)


def test_the_runner_report_has_a_strict_schema() -> None:
    good = {"mgedu_runner": 1, "status": "completed", "detail": "", "cells": 2, "cell_errors": ["cell 1: E: x"]}
    assert parse_report(json.dumps(good).encode())["cells"] == 2
    for bad in (
        b"",
        b"garbage",
        json.dumps({**good, "mgedu_runner": 2}).encode(),
        json.dumps({**good, "status": "correct"}).encode(),
        json.dumps({**good, "cells": "3"}).encode(),
        json.dumps({**good, "cells": True}).encode(),
        json.dumps({**good, "cell_errors": [1]}).encode(),
        json.dumps({**good, "cells": 10**50}).encode(),
    ):
        with pytest.raises(Untrusted):
            parse_report(bad)


def test_submissions_that_are_not_regular_files_are_listed_and_refused(tmp_path: Path) -> None:
    (tmp_path / "ann").mkdir()
    os.mkfifo(tmp_path / "ann" / "01-claims.ipynb")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "01-claims.ipynb").symlink_to("/etc/hostname")
    (tmp_path / "cat").symlink_to(tmp_path / "ann", target_is_directory=True)
    files = collect_files([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["ann/01-claims.ipynb", "bob/01-claims.ipynb", "cat"]
    problems = [read_submission(f).problem for f in files]
    assert "named pipe" in problems[0] and "symbolic link" in problems[1] and "symbolic link" in problems[2]


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="memory_mb must be a whole number between 256 and 65536, got 10"):
        Limits(memory_mb=10)


def _without_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine as one without bubblewrap: ``bwrap`` is not found on the PATH (every other tool is)."""
    found = shutil.which
    monkeypatch.setattr(
        sandbox.shutil, "which", lambda name, *args, **kwargs: None if name == "bwrap" else found(name, *args, **kwargs)
    )


def test_grading_refuses_without_a_sandbox_and_says_how_to_proceed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _without_bubblewrap(monkeypatch)
    with pytest.raises(SandboxUnavailable, match="bubblewrap .* is not installed.*--no-sandbox"):
        find_isolation()
    (tmp_path / "in").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "in" / "ann_01-claims.ipynb")
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert "bubblewrap (bwrap) is not installed" in err and "nothing was graded" in err and "--no-sandbox" in err
    assert not (tmp_path / "g.csv").exists()
    monkeypatch.setattr(sandbox.sys, "platform", "darwin")
    with pytest.raises(SandboxUnavailable, match="needs Linux; this is darwin"):
        find_isolation()
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "g.csv")]) == 2
    assert "needs Linux; this is darwin" in capsys.readouterr().err and not (tmp_path / "g.csv").exists()


def test_no_sandbox_warns_and_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _without_bubblewrap(monkeypatch)  # --no-sandbox is the way on, without bubblewrap
    (tmp_path / "in").mkdir()
    cell = nbformat.v4.new_code_cell('from mgedu import check\ncheck("1.2", "12 patients")')
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "in" / "ann_01-claims.ipynb")
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "g.csv"), "--no-sandbox"]) == 0
    assert "WARNING: grading without a sandbox" in capsys.readouterr().err
    text = (tmp_path / "g.csv").read_text()
    assert "no-sandbox" in text and "1.2" in text


def test_teacher_copies_and_unstamped_files_are_recognised_by_their_checks(tmp_path: Path) -> None:
    solution = nbformat.v4.new_markdown_cell(
        '<details>\n<summary>Solution</summary>\n\n```python\nsolution = 12\ncheck("1.2", solution)\n```\n\n</details>'
    )
    solution.metadata["tags"] = ["solution"]
    written = nbformat.v4.new_code_cell("%%answer 6.4\nMy verdict.")
    written.metadata["tags"] = ["solution"]
    nb = json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=[solution, written])))
    assert solution_ids(nb) == ["1.2", "6.4"]
    checks = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('check("1.2", 12)\ncheck("1.3", "a")')])
    (tmp_path / "homework.ipynb").write_text(nbformat.writes(checks), encoding="utf-8")
    assert (
        identify_notebook(
            read_submission(tmp_path / "homework.ipynb").nb, tmp_path / "homework.ipynb", load_exercises()
        )
        == "01-claims"
    )


def test_a_fault_of_the_grader_on_one_file_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mgedu.classroom import grading

    for student in ("ann", "bob"):
        (tmp_path / student).mkdir()
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / student / "01-claims.ipynb")
    real = grading.grade_one

    def flaky(hand_in, **kwargs):  # type: ignore[no-untyped-def]
        if hand_in.student == "ann":
            raise TypeError("an unexpected shape")
        return real(hand_in, **kwargs)

    monkeypatch.setattr(grading, "grade_one", flaky)
    results = grading.grade_submissions([tmp_path], isolation=find_isolation(sandbox=False), timeout=60)
    ann, bob = results
    assert ann.rows[0].status == "error" and "TypeError: an unexpected shape" in ann.rows[0].detail
    assert {r.status for r in ann.rows[1:]} == {"not-graded"} and len(ann.rows) > 1
    assert bob.rows and not any(r.status == "error" for r in bob.rows)


def test_grading_as_root_without_a_usable_cgroup_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/usr/bin/bwrap")
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox, "_own_cgroups", lambda: ())
    advice = "Grade as an ordinary user instead.*runuser -u USER.*delegated cgroup v2.*--no-sandbox"
    with pytest.raises(SandboxUnavailable, match=f"(?s)grading as root needs a pids cgroup.*fork bomb.*{advice}"):
        find_isolation()
    gone = tmp_path / "gone" / "pids"
    monkeypatch.setattr(sandbox, "_own_cgroups", lambda: (gone,))
    with pytest.raises(SandboxUnavailable, match=f"(?s)a cgroup under {gone}.*failed.*No such file.*{advice}"):
        find_isolation()
    from mgedu.classroom.running import run_notebook

    broken = sandbox.Isolation("bubblewrap", "test", "/usr/bin/bwrap", (gone,), ())
    run = run_notebook(b'{"cells": []}', isolation=broken, timeout=5)
    assert run.status == "error" and run.detail.startswith("the grader could not start this run (could not make")
