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
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgedu.classroom.release import SOLUTION_TAG, is_tagged, notebook_name, question_ids
from mgedu.exercises import Exercise, evaluate, load_exercises, sort_key

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
    "note",
)
IGNORED_PARTS = (".ipynb_checkpoints", "__MACOSX", "__pycache__")


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


def student_name(path: str | Path, notebook: str | None = None) -> str:
    """Who handed ``path`` in: the file name without the notebook name, else the folder name.

    >>> student_name("submissions/alice/01-claims.ipynb", "01-claims")
    'alice'
    >>> student_name("inbox/bob_smith-01-claims.ipynb", "01-claims")
    'bob_smith'
    """
    path = Path(path)
    stem = path.stem
    if notebook and notebook in stem.lower():
        start = stem.lower().index(notebook)
        rest = stem[:start] + " " + stem[start + len(notebook) :]
        rest = re.sub(r"\(\d+\)", " ", rest)  # "(1)" added by browsers on a second download
        rest = re.sub(r"[\s_.\-]+", " ", rest).strip().replace(" ", "_")
        if rest:
            return rest
    parent = path.parent.name
    return parent if parent and parent not in (".", "") else stem


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files to grade: each file given, and every file under each folder (hidden ones skipped)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                rel = found.relative_to(path).parts
                if found.is_file() and not any(p.startswith(".") or p in IGNORED_PARTS for p in rel):
                    files.append(found)
        elif path.exists():
            files.append(path)
        else:
            raise ValueError(f"paths must exist; {str(path)!r} does not")
    return files


def _read_notebook(path: Path) -> tuple[Any | None, str]:
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, "file not found"
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        return None, f"not a notebook file ({type(exc).__name__})"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for non-notebooks
        return None, f"not a Jupyter notebook ({type(exc).__name__}: {str(exc)[:120]})"
    if not isinstance(nb.get("cells"), list):
        return None, "not a Jupyter notebook (no cells)"
    return nb, ""


def identify_notebook(nb: Any, path: Path, exercises: dict[str, Exercise]) -> str | None:
    """Which workbook notebook a submission is: release stamp, then file name, then its checks' ids."""
    known = {ex.notebook for ex in exercises.values()}
    stamped = (nb.metadata.get("mgedu") or {}).get("notebook") if nb is not None else None
    if isinstance(stamped, str) and stamped in known:
        return stamped
    from_name = notebook_name(path)
    if from_name in known:
        return from_name
    if nb is None:
        return from_name
    votes = Counter(
        exercises[i].notebook
        for cell in nb.cells
        if cell.get("cell_type") == "code"
        for i in question_ids(str(cell.get("source", "")))
        if i in exercises
    )
    return votes.most_common(1)[0][0] if votes else (stamped if isinstance(stamped, str) else from_name)


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
        if record.get("status") != feedback.status and not (
            record.get("status") == "recorded" and feedback.status == "recorded"
        ):
            note = (
                f"the notebook showed {record.get('status')!r}; the grader's check says {feedback.status!r}"
            )
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
            rows.append(
                Row(**base, points=points, status=feedback.status, detail=note, message=feedback.message)
            )
    return rows


def grade_one(
    path: str | Path, *, timeout: float = 120.0, key_folders: tuple[str, ...] = ()
) -> SubmissionResult:
    """Grade one submitted file in its own kernel; never raises for a bad submission."""
    from mgedu.classroom.running import run_notebook

    started = time.monotonic()
    path = Path(path)
    exercises = load_exercises(key_folders)
    nb, problem = _read_notebook(path)
    notebook = identify_notebook(nb, path, exercises) or "-"
    student = student_name(path, notebook if notebook != "-" else None)
    result = SubmissionResult(student, notebook, str(path))
    base = {
        "student": student,
        "notebook": notebook,
        "question": "-",
        "points": None,
        "max": None,
        "file": str(path),
    }
    if nb is None:
        result.rows.append(
            Row(
                **base,
                status="not-a-notebook",
                detail=problem,
                message=f"This file could not be graded: {problem}.",
            )
        )
        result.seconds = time.monotonic() - started
        return result
    expected = sorted(
        (ex for ex in exercises.values() if ex.notebook == notebook), key=lambda e: sort_key(e.id)
    )
    if not expected:
        result.rows.append(
            Row(
                **base,
                status="unknown-notebook",
                detail="no workbook exercises belong to this notebook",
                message="This notebook could not be matched to workbook exercises.",
            )
        )
        result.seconds = time.monotonic() - started
        return result
    solutions = [
        i for cell in nb.cells if is_tagged(cell, SOLUTION_TAG) for i in question_ids(str(cell.source))
    ]
    if solutions:
        result.rows.append(
            Row(
                **base,
                status="solution-cells",
                detail=f"cells tagged 'solution' for {', '.join(solutions)}",
                message="This file still contains the worked solutions of the teacher's version.",
            )
        )
    run = run_notebook(nb, timeout=timeout, key_folders=key_folders)
    if run.status != "completed":
        result.rows.append(
            Row(
                **base,
                status=run.status,
                detail=run.detail,
                message=f"The notebook did not finish: {run.detail}. Exercises after that "
                "point score 0; checks that ran before it count.",
            )
        )
    if run.cell_errors:
        shown = "; ".join(run.cell_errors[:5]) + (
            f"; and {len(run.cell_errors) - 5} more" if len(run.cell_errors) > 5 else ""
        )
        result.rows.append(
            Row(
                **base,
                status="cell-errors",
                detail=shown,
                message=f"Some cells raised errors when the notebook was run from the top: {shown}.",
            )
        )
    # Judgements, predictions and written records of the practice loop carry a "kind"; only checks count here.
    other = sorted({r["id"] for r in run.log if r.get("kind", "check") == "check"} - {ex.id for ex in expected})
    if other or run.unreadable_log_lines:
        detail = (f"ignored checks of other questions: {', '.join(other)}" if other else "") + (
            f"; {run.unreadable_log_lines} unreadable log lines" if run.unreadable_log_lines else ""
        )
        result.rows.append(Row(**base, status="note", detail=detail.strip("; "), message=""))
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
) -> list[SubmissionResult]:
    """Grade every submitted file (folders are searched), ``jobs`` kernels at a time; results in input order.

    The grader's threads only send cells and read replies; the work (and the submission's code) runs
    in the kernel processes, so ``jobs`` is best set to the number of processor cores.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    if not 1 <= jobs <= 64:
        raise ValueError(f"jobs must be between 1 and 64, got {jobs!r}")
    folders = tuple(str(Path(f).resolve()) for f in key_folders)
    files = collect_files(paths)
    if not files:
        raise ValueError(
            f"paths must name submitted files or folders holding them; found none in {list(paths)}"
        )
    load_exercises(folders)  # a broken extra key file fails here, once, not once per submission
    if jobs == 1 or len(files) == 1:
        return [grade_one(f, timeout=timeout, key_folders=folders) for f in files]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(jobs, len(files)), thread_name_prefix="mgedu-grade") as pool:
        return list(pool.map(lambda f: grade_one(f, timeout=timeout, key_folders=folders), files))


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
