"""Offline grading of submitted notebooks: one kernel per submission, one CSV and feedback per student.

:func:`grade_submissions` runs every submission in its own kernel process (see
:mod:`mgedu.classroom.running`), reads the grading log the notebook's ``check(...)`` calls wrote, and
marks each exercise of that notebook:

- the **last** check of each question id counts (cells may be moved, copied or deleted);
- the grader re-checks the logged answer itself against the key, so a notebook that forges its log or
  patches ``check`` gains nothing;
- written answers are recorded for a person to mark (points left blank, status ``to-mark``);
- an exercise whose check never ran scores 0 (``missing``, or ``not-reached`` after a time-out).

A submission that is not a notebook, crashes the kernel, runs past the time limit or has cells that
raise errors gets a row saying so, and the batch goes on. Notebooks are matched to their exercises by
the name the release stamped in their metadata, else by the workbook name in the file name
(``alice_01-claims.ipynb``), else by the ids of their checks.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgedu.classroom.sandbox import Isolation, Limits, find_isolation
from mgedu.classroom.submissions import (
    collect_files,
    identify_notebook,
    read_submission,
    solution_ids,
    student_name,
)
from mgedu.exercises import Exercise, evaluate, load_exercises, sort_key

__all__ = ["Row", "SubmissionResult", "grade_one", "grade_submissions", "score_log", "student_name", "write_grades"]

COLUMNS = ("student", "notebook", "question", "points", "max", "status", "detail", "file")
QUESTION_STATUSES = ("correct", "incorrect", "unanswered", "invalid", "to-mark", "missing", "not-reached")
SUBMISSION_STATUSES = (
    "not-a-notebook",
    "unknown-notebook",
    "timeout",
    "kernel-died",
    "error",
    "cell-errors",
    "solution-cells",
    "no-sandbox",
    "note",
)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@dataclass
class Row:
    """One line of the grades CSV."""

    student: str
    notebook: str
    question: str
    points: float | None
    max: float | None
    status: str
    detail: str = ""
    file: str = ""
    title: str = ""
    message: str = ""

    def as_csv(self) -> dict[str, str]:
        """The row as CSV cells (numbers without trailing zeros, blanks for 'not applicable')."""
        return {
            "student": self.student,
            "notebook": self.notebook,
            "question": self.question,
            "points": _number(self.points),
            "max": _number(self.max),
            "status": self.status,
            "detail": self.detail,
            "file": self.file,
        }


@dataclass
class SubmissionResult:
    """The rows for one submitted file, and how long grading it took."""

    student: str
    notebook: str
    file: str
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0


def score_log(
    log: Sequence[dict[str, Any]],
    expected: Sequence[Exercise],
    *,
    run_status: str,
    student: str,
    notebook: str,
    file: str,
    exercises: Mapping[str, Exercise] | None = None,
) -> list[Row]:
    """One row per expected exercise from the grading log (the last check of each id counts).

    Each logged answer is checked again here against the key (``exercises``, default: the loaded keys).
    """
    last: dict[str, dict[str, Any]] = {}
    for record in log:
        last[record["id"]] = record
    rows = []
    for ex in expected:
        base = {
            "student": student,
            "notebook": notebook,
            "question": ex.id,
            "max": ex.points,
            "file": file,
            "title": ex.title,
        }
        record = last.get(ex.id)
        if record is None:
            reached = run_status == "completed"
            rows.append(
                Row(
                    **base,
                    points=0.0,
                    status="missing" if reached else "not-reached",
                    detail="no check of this exercise ran" if reached else "the run stopped before it",
                    message=(
                        "No check of this exercise ran: the exercise cell may have been deleted, "
                        "left out, or stopped by an error before it."
                    )
                    if reached
                    else "The notebook stopped before this exercise (see the note above).",
                )
            )
            continue
        answer = record.get("answer")
        if not isinstance(answer, (str, int, float, type(None))) or isinstance(answer, bool):
            answer = str(answer)
        feedback = evaluate(ex.id, answer, exercises=exercises)
        note = ""
        if feedback.status == "recorded":
            rows.append(
                Row(
                    **base,
                    points=None,
                    status="to-mark",
                    detail=str(answer or ""),
                    message="Recorded for your teacher to read.",
                )
            )
        else:
            points = ex.points if feedback.status == "correct" else 0.0
            rows.append(Row(**base, points=points, status=feedback.status, detail=note, message=feedback.message))
    return rows


def grade_one(
    path: str | Path,
    *,
    isolation: Isolation,
    timeout: float = 120.0,
    limits: Limits | None = None,
    key_folders: tuple[str, ...] = (),
) -> SubmissionResult:
    """Grade one submitted file, run contained by ``isolation``; never raises for a bad submission."""
    from mgedu.classroom.running import run_notebook

    started = time.monotonic()
    path = Path(path)
    exercises = load_exercises(key_folders)
    sub = read_submission(path)
    notebook = identify_notebook(sub.nb, path, exercises) or "-"
    student = student_name(path, notebook if notebook != "-" else None)
    result = SubmissionResult(student, notebook, str(path))
    base = {"student": student, "notebook": notebook, "question": "-", "points": None, "max": None, "file": str(path)}

    def note(status: str, detail: str, message: str) -> None:
        result.rows.append(Row(**base, status=status, detail=detail, message=message))

    if sub.nb is None:
        note("not-a-notebook", sub.problem, f"This file could not be graded: {sub.problem}.")
        result.seconds = time.monotonic() - started
        return result
    expected = sorted((ex for ex in exercises.values() if ex.notebook == notebook), key=lambda e: sort_key(e.id))
    if not expected:
        note(
            "unknown-notebook",
            "no workbook exercises belong to this notebook",
            "This notebook could not be matched to workbook exercises.",
        )
        result.seconds = time.monotonic() - started
        return result
    solutions = solution_ids(sub.nb)
    if solutions:
        note(
            "solution-cells",
            f"cells tagged 'solution' for {', '.join(solutions)}",
            "This file still contains the worked solutions of the teacher's version.",
        )
    if not isolation.sandboxed:
        note("no-sandbox", isolation.description, "")
    run = run_notebook(sub.data, isolation=isolation, timeout=timeout, limits=limits)
    if run.status != "completed":
        note(
            run.status,
            run.detail,
            f"The notebook did not finish: {run.detail}. Exercises after that "
            "point score 0; checks that ran before it count.",
        )
    if run.cell_errors:
        shown = "; ".join(run.cell_errors[:5]) + (
            f"; and {len(run.cell_errors) - 5} more" if len(run.cell_errors) > 5 else ""
        )
        note("cell-errors", shown, f"Some cells raised errors when the notebook was run from the top: {shown}.")
    other = sorted({r["id"] for r in run.log} - {ex.id for ex in expected})
    odd = [
        f"ignored checks of other questions: {', '.join(other)[:300]}" if other else "",
        f"{run.unreadable_log_lines} unreadable log lines" if run.unreadable_log_lines else "",
        run.log_problem,
    ]
    if any(odd):
        note("note", "; ".join(o for o in odd if o), "")
    result.rows += score_log(
        run.log,
        expected,
        run_status=run.status,
        student=student,
        notebook=notebook,
        file=str(path),
        exercises=exercises,
    )
    result.seconds = time.monotonic() - started
    return result


def grade_submissions(
    paths: Sequence[str | Path],
    *,
    timeout: float = 120.0,
    jobs: int = 2,
    key_folders: Sequence[str | Path] = (),
    sandbox: bool = True,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
) -> list[SubmissionResult]:
    """Grade every submitted file (folders are searched), ``jobs`` at a time; results in input order.

    Each file runs in a sandbox of its own (``sandbox=False`` runs without one, recorded in every
    result); :class:`~mgedu.classroom.sandbox.SandboxUnavailable` says why when none can be made.
    The grader's threads only wait for the contained runs, so ``jobs`` is best set to the number of
    processor cores.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    if not 1 <= jobs <= 64:
        raise ValueError(f"jobs must be between 1 and 64, got {jobs!r}")
    folders = tuple(str(Path(f).resolve()) for f in key_folders)
    files = collect_files(paths)
    if not files:
        raise ValueError(f"paths must name submitted files or folders holding them; found none in {list(paths)}")
    load_exercises(folders)  # a broken extra key file fails here, once, not once per submission
    isolation = isolation or find_isolation(sandbox=sandbox)

    def one(f: Path) -> SubmissionResult:
        return grade_one(f, isolation=isolation, timeout=timeout, limits=limits, key_folders=folders)

    if jobs == 1 or len(files) == 1:
        return [one(f) for f in files]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(jobs, len(files)), thread_name_prefix="mgedu-grade") as pool:
        return list(pool.map(one, files))


def write_grades(results: Sequence[SubmissionResult], out: str | Path) -> Path:
    """Write the grades CSV (columns: student, notebook, question, points, max, status, detail, file)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for result in results:
            for row in result.rows:
                writer.writerow(row.as_csv())
    return out
