"""Offline grading of submitted notebooks: each run in a sandbox of its own, every answer re-checked here.

:func:`grade_submissions` finds each handed-in file's notebook and student (a roster maps file and
folder names to LMS ids; see :mod:`mgedu.classroom.submissions`), keeps the latest hand-in per student
and notebook (older ones are listed, not graded), runs each kept notebook from the top in a sandbox
(:mod:`mgedu.classroom.running`), and marks each exercise from the answers its ``check(...)`` calls
logged:

- the **last** check of each question id counts (cells may be moved, copied or deleted); the
  **first** attempt the student committed, stored in the handed-in file, is reported beside it;
- the grader re-checks every answer itself against its own keys (:func:`mgedu.exercises.evaluate`),
  so a notebook that forges its log or patches ``check`` gains nothing;
- written answers are recorded for a person to mark (points left blank, status ``to-mark``);
- an exercise whose check never ran scores 0 (``missing``, or ``not-reached`` after a time-out).

A file that is not a notebook, crashes, runs past the time limit or has cells that raise errors gets
a row saying so, and 0 for each exercise of its notebook when the notebook is known; the batch goes on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mgedu.classroom.gradebook import GradeRow, write_long
from mgedu.classroom.roster import Roster
from mgedu.classroom.sandbox import Isolation, Limits, find_isolation
from mgedu.classroom.submissions import (
    HandIn,
    collect_files,
    identify,
    lateness,
    latest_hand_ins,
    solution_ids,
    student_name,
)
from mgedu.exercises import Exercise, evaluate, load_exercises, sort_key

__all__ = ["Row", "SubmissionResult", "grade_one", "grade_submissions", "score_log", "student_name", "write_grades"]

Row = GradeRow
QUESTION_STATUSES = ("correct", "incorrect", "unanswered", "invalid", "to-mark", "missing", "not-reached", "not-graded")
SUBMISSION_STATUSES = (
    "not-a-notebook",
    "unknown-notebook",
    "timeout",
    "kernel-died",
    "error",
    "cell-errors",
    "solution-cells",
    "superseded",
    "not-on-roster",
    "no-sandbox",
    "note",
)


@dataclass
class SubmissionResult:
    """The rows for one handed-in file, and how long grading it took."""

    student: str
    notebook: str
    file: str
    rows: list[GradeRow] = field(default_factory=list)
    seconds: float = 0.0
    name: str = ""


def _text(answer: Any) -> str:
    return "" if answer is None else str(answer)[:5000]


def score_log(
    log: Sequence[dict[str, Any]],
    expected: Sequence[Exercise],
    *,
    run_status: str,
    student: str,
    notebook: str,
    file: str,
    exercises: Mapping[str, Exercise] | None = None,
    first: Mapping[str, Any] | None = None,
    name: str = "",
    targets: Mapping[str, float] | None = None,
) -> list[GradeRow]:
    """One row per expected exercise from the grading log (the last check of each id counts).

    Each logged answer is checked again here against the key (``exercises``, default: the loaded
    keys); so is each first attempt in ``first`` (question id -> answer). For the variant exercises
    in ``targets`` (question id -> this student's expected answer), the answer is compared with that
    value instead, within the exercise's tolerance.
    """
    targets = targets or {}

    def judge(ex: Exercise, answer: Any) -> Any:
        if ex.id in targets:
            return _judge_variant(ex, answer, targets[ex.id])
        return evaluate(ex.id, answer, exercises=exercises)

    last: dict[str, dict[str, Any]] = {}
    for record in log:
        last[record["id"]] = record
    first = first or {}
    rows = []
    for ex in expected:
        row = GradeRow(student, name or student, notebook, ex.id, 0.0, ex.points, "", file=file, title=ex.title)
        if ex.id in first:
            first_feedback = judge(ex, first[ex.id])
            row.first_answer = _text(first[ex.id])
            row.first_status = "to-mark" if first_feedback.status == "recorded" else first_feedback.status
            row.first_points = (
                None if first_feedback.status == "recorded" else (ex.points if first_feedback.correct else 0.0)
            )
        record = last.get(ex.id)
        if record is None:
            reached = run_status == "completed"
            row.status = "missing" if reached else "not-reached"
            row.detail = "no check of this exercise ran" if reached else "the run stopped before it"
            row.message = (
                "No check of this exercise ran: the exercise cell may have been deleted, left out, or stopped "
                "by an error before it."
                if reached
                else "The notebook stopped before this exercise (see the note above)."
            )
        else:
            answer = record.get("answer")
            feedback = judge(ex, answer)
            row.answer = _text(answer)
            if feedback.status == "recorded":
                row.points, row.status, row.message = None, "to-mark", "Recorded for your teacher to read."
                row.detail = row.answer
            else:
                row.points = ex.points if feedback.correct else 0.0
                row.status, row.message = feedback.status, feedback.message
        rows.append(row)
    return rows


def _judge_variant(ex: Exercise, answer: Any, target: float) -> Any:
    """Feedback for a variant exercise: the answer against this student's own expected value."""
    from mgedu.exercises import Feedback, read_numeric_answer

    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Feedback(ex.id, "unanswered", f"{ex.id} · no answer.")
    try:
        value = read_numeric_answer(answer, ex.unit)
    except ValueError as exc:
        return Feedback(ex.id, "invalid", f"{ex.id} · not checked: {exc}.")
    from mgedu.variants import variant_tolerance

    if abs(value - target) <= variant_tolerance(ex.id):
        return Feedback(ex.id, "correct", f"{ex.id} · correct for your numbers.")
    return Feedback(ex.id, "incorrect", f"{ex.id} · not yet for your numbers. Hint: {ex.hint}")


def variant_targets(course: Any, student: str, expected: Sequence[Exercise]) -> dict[str, float]:
    """This student's expected answer to each variant exercise among ``expected`` (with a course secret)."""
    from mgedu.variants import expected_answer, load_variants, student_numbers

    variants = load_variants()
    return {
        ex.id: expected_answer(ex.id, student_numbers(course, student, ex.id))
        for ex in expected
        if ex.id in variants and ex.kind == "numeric"
    }


def first_attempts(nb: Mapping[str, Any] | None) -> dict[str, Any]:
    """The first answer to each exercise that the student committed, as stored in the handed-in notebook.

    Read with :func:`mgedu.attempts.read_attempts` from the file as handed in (plain, size-capped JSON);
    the grader re-checks these answers itself. A malformed record yields nothing, never an error.
    """
    if nb is None:
        return {}
    from mgedu.attempts import read_attempts

    try:
        records = read_attempts(nb)
    except Exception:  # the file is the student's: whatever it holds must not stop grading
        return {}
    return {qid: record.first_answer for qid, record in records.items()}


def _note(result: SubmissionResult, hand_in: HandIn, status: str, detail: str, message: str = "") -> None:
    result.rows.append(
        GradeRow(
            hand_in.student,
            hand_in.name,
            hand_in.notebook,
            "-",
            None,
            None,
            status,
            late=hand_in.late,
            submitted=_when(hand_in),
            detail=detail,
            file=str(hand_in.path),
            message=message,
        )
    )


def _when(hand_in: HandIn) -> str:
    from datetime import UTC

    return datetime.fromtimestamp(hand_in.sub.mtime, tz=UTC).strftime("%Y-%m-%d %H:%M UTC") if hand_in.sub.mtime else ""


def _zero_rows(hand_in: HandIn, expected: Sequence[Exercise], why: str) -> list[GradeRow]:
    return [
        GradeRow(
            hand_in.student,
            hand_in.name,
            hand_in.notebook,
            ex.id,
            0.0,
            ex.points,
            "not-graded",
            detail=why,
            file=str(hand_in.path),
            title=ex.title,
            message=f"Not graded: {why}.",
        )
        for ex in expected
    ]


def grade_one(
    hand_in: HandIn | str | Path,
    *,
    isolation: Isolation,
    timeout: float = 120.0,
    limits: Limits | None = None,
    key_folders: tuple[str, ...] = (),
    course: Any = None,
) -> SubmissionResult:
    """Grade one handed-in file, run contained by ``isolation``; never raises for a bad submission.

    With a ``course`` (see :mod:`mgedu.classroom.course`), variant exercises are marked against the
    numbers derived for this student.
    """
    from mgedu.classroom.running import run_notebook

    started = time.monotonic()
    exercises = load_exercises(key_folders)
    if not isinstance(hand_in, HandIn):
        hand_in = identify(Path(hand_in), exercises, None)
    sub = hand_in.sub
    result = SubmissionResult(hand_in.student, hand_in.notebook, str(hand_in.path), name=hand_in.name)
    expected = sorted(
        (ex for ex in exercises.values() if ex.notebook == hand_in.notebook), key=lambda e: sort_key(e.id)
    )
    if not hand_in.on_roster:
        _note(
            result,
            hand_in,
            "not-on-roster",
            f"no roster entry matches {hand_in.name!r}",
            "This file's name matched no student of the roster.",
        )
    if sub.nb is None:
        _note(result, hand_in, "not-a-notebook", sub.problem, f"This file could not be graded: {sub.problem}.")
        result.rows += _zero_rows(hand_in, expected, sub.problem)
    elif not expected:
        _note(
            result,
            hand_in,
            "unknown-notebook",
            "no workbook exercises belong to this notebook",
            "This notebook could not be matched to workbook exercises.",
        )
    else:
        solutions = solution_ids(sub.nb)
        if solutions:
            _note(
                result,
                hand_in,
                "solution-cells",
                f"cells tagged 'solution' for {', '.join(solutions)}",
                "This file still contains the worked solutions of the teacher's version.",
            )
        if not isolation.sandboxed:
            _note(result, hand_in, "no-sandbox", isolation.description)
        run = run_notebook(sub.data, isolation=isolation, timeout=timeout, limits=limits)
        if run.status != "completed":
            _note(
                result,
                hand_in,
                run.status,
                run.detail,
                f"The notebook did not finish: {run.detail}. "
                "Exercises after that point score 0; checks that ran before it count.",
            )
        if run.cell_errors:
            shown = "; ".join(run.cell_errors[:5]) + (
                f"; and {len(run.cell_errors) - 5} more" if len(run.cell_errors) > 5 else ""
            )
            _note(
                result,
                hand_in,
                "cell-errors",
                shown,
                f"Some cells raised errors when the notebook was run from the top: {shown}.",
            )
        # Judgements, predictions and written records of the practice loop carry a "kind"; only checks count here.
        other = sorted({r["id"] for r in run.log if r.get("kind", "check") == "check"} - {ex.id for ex in expected})
        odd = [
            f"ignored checks of other questions: {', '.join(other)[:300]}" if other else "",
            f"{run.unreadable_log_lines} unreadable log lines" if run.unreadable_log_lines else "",
            run.log_problem,
        ]
        if any(odd):
            _note(result, hand_in, "note", "; ".join(o for o in odd if o))
        result.rows += score_log(
            run.log,
            expected,
            run_status=run.status,
            student=hand_in.student,
            notebook=hand_in.notebook,
            file=str(hand_in.path),
            exercises=exercises,
            first=first_attempts(sub.nb),
            name=hand_in.name,
            targets=variant_targets(course, hand_in.student, expected) if course is not None else None,
        )
    for row in result.rows:
        row.late, row.submitted = hand_in.late, _when(hand_in)
    sub.data = b""  # graded: no need to keep the file's bytes
    result.seconds = time.monotonic() - started
    return result


def _grader_fault(hand_in: HandIn, exercises: Mapping[str, Exercise], exc: Exception) -> SubmissionResult:
    """The rows of a file the grader itself failed on: an ``error`` note and 0 for each exercise."""
    why = f"the grader failed on this file ({type(exc).__name__}: {str(exc)[:200]}); please report it"
    result = SubmissionResult(hand_in.student, hand_in.notebook, str(hand_in.path), name=hand_in.name)
    _note(result, hand_in, "error", why, "This file could not be graded; your teacher will look at it.")
    expected = sorted(
        (ex for ex in exercises.values() if ex.notebook == hand_in.notebook), key=lambda e: sort_key(e.id)
    )
    result.rows += _zero_rows(hand_in, expected, why)
    for row in result.rows:
        row.late, row.submitted = hand_in.late, _when(hand_in)
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
    roster: Roster | None = None,
    due: datetime | None = None,
    course: Any = None,
) -> list[SubmissionResult]:
    """Grade every handed-in file (folders are searched), ``jobs`` at a time; results in input order.

    Each file runs in a sandbox of its own (``sandbox=False`` runs without one, recorded in every
    result); :class:`~mgedu.classroom.sandbox.SandboxUnavailable` says why when none can be made. Of
    several files of one student and notebook only the latest is graded; the others get one
    ``superseded`` row. ``due`` (timezone-aware) flags files handed in after it, without penalty.
    With a ``course``, variant exercises are marked against each student's own numbers, which are
    derived from the student's roster id (so a roster is required).
    """
    if course is not None and roster is None:
        raise ValueError("grading per-student numbers (--course) needs the roster the copies were made from (--roster)")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    if not 1 <= jobs <= 64:
        raise ValueError(f"jobs must be between 1 and 64, got {jobs!r}")
    if due is not None and due.tzinfo is None:
        raise ValueError(f"due must include a time zone (e.g. 2026-03-01T23:59+01:00), got {due.isoformat()}")
    folders = tuple(str(Path(f).resolve()) for f in key_folders)
    files = collect_files(paths)
    if not files:
        raise ValueError(f"paths must name submitted files or folders holding them; found none in {list(paths)}")
    exercises = load_exercises(folders)  # a broken extra key file fails here, once
    if course is not None:
        from mgedu.variants import variant_problems

        broken = variant_problems(exercises=exercises)
        if broken:
            raise ValueError(
                "per-student numbers (--course) cannot be graded while the variant spec has problems: "
                + "; ".join(str(p) for p in broken[:5])
            )
    isolation = isolation or find_isolation(sandbox=sandbox)
    hand_ins = [identify(f, exercises, roster) for f in files]
    for h in hand_ins:
        h.late = lateness(h, due)
    kept, older = latest_hand_ins(hand_ins)

    def one(h: HandIn) -> SubmissionResult:
        try:
            return grade_one(h, isolation=isolation, timeout=timeout, limits=limits, key_folders=folders, course=course)
        except Exception as exc:  # a fault of the grader on one file must not stop the batch
            return _grader_fault(h, exercises, exc)

    if jobs == 1 or len(kept) == 1:
        graded = [one(h) for h in kept]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(jobs, len(kept)), thread_name_prefix="mgedu-grade") as pool:
            graded = list(pool.map(one, kept))
    by_file = {r.file: r for r in graded}
    for h, latest in older:
        result = SubmissionResult(h.student, h.notebook, str(h.path), name=h.name)
        _note(
            result,
            h,
            "superseded",
            f"an older hand-in: {latest.path.name} is the latest and counts",
            "A later hand-in of this notebook counts instead of this one.",
        )
        by_file[str(h.path)] = result
    return [by_file[str(h.path)] for h in hand_ins]


def write_grades(results: Sequence[SubmissionResult], out: str | Path) -> Path:
    """Write the long grades CSV (see :mod:`mgedu.classroom.gradebook`) for ``results``."""
    return write_long([row for result in results for row in result.rows], out)
