"""Per-student feedback files: what each exercise scored and why, never the answers.

:func:`write_feedback` writes one Markdown file per student (``<student>.md``) with, for each notebook
they handed in, the auto-marked score, the written answers waiting for a person, and for each exercise
the same feedback ``check`` gives in the notebook (a hint when the answer was not right). It can be
mailed or uploaded as it is: it holds no answer key and no correct answers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from mgedu.classroom.grading import Row, SubmissionResult

STATUS_WORDS = {
    "correct": "correct",
    "incorrect": "not yet",
    "unanswered": "no answer",
    "invalid": "not checkable",
    "to-mark": "to be marked",
    "missing": "no check ran",
    "not-reached": "not reached",
    "not-graded": "not graded",
    "marked": "marked by your teacher",
}


def safe_file_name(student: str) -> str:
    """A file name for ``student`` (letters, digits, ``_ - .`` only).

    >>> safe_file_name("Ana María / 3B")
    'Ana_María_3B'
    """
    cleaned = re.sub(r"[^\w.\-]+", "_", student, flags=re.UNICODE).strip("._")
    return cleaned or "unnamed"


def render_feedback(student: str, results: Sequence[SubmissionResult]) -> str:
    """The Markdown feedback for one student."""
    lines = [f"# Feedback for {student}", ""]
    for result in results:
        questions = [r for r in result.rows if r.question != "-"]
        problems = [r for r in result.rows if r.question == "-" and r.message]
        auto = [r for r in questions if r.status not in ("to-mark", "marked")]
        got = sum(r.points or 0 for r in auto)
        out_of = sum(r.max or 0 for r in auto)
        to_mark = sum(1 for r in questions if r.status == "to-mark")
        lines += [f"## Notebook {result.notebook}", "", f"File: `{Path(result.file).name}`", ""]
        if questions:
            summary = f"Checked automatically: **{got:g} of {out_of:g} points**"
            if to_mark:
                summary += f"; {to_mark} written answer{'s' if to_mark > 1 else ''} for your teacher to mark"
            lines += [summary + ".", ""]
        lines += [f"- Note: {r.message}" for r in problems]
        if problems:
            lines.append("")
        if questions:
            lines += ["| Exercise | Result | Points | Feedback |", "|---|---|---|---|"]
            lines += [_feedback_line(r) for r in questions]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _feedback_line(row: Row) -> str:
    points = "" if row.points is None else f"{row.points:g} / {row.max:g}"
    message = row.message.replace("|", "\\|").replace("\n", " ")
    return f"| {row.question} {row.title} | {STATUS_WORDS.get(row.status, row.status)} | {points} | {message} |"


def write_feedback(results: Sequence[SubmissionResult], folder: str | Path) -> list[Path]:
    """Write ``<student>.md`` for every student in ``results`` into ``folder``; return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[SubmissionResult]] = defaultdict(list)
    for result in results:
        by_student[result.student].append(result)
    written = []
    for student, own in sorted(by_student.items()):
        path = folder / f"{safe_file_name(student)}.md"
        path.write_text(render_feedback(student, own), encoding="utf-8")
        written.append(path)
    return written
