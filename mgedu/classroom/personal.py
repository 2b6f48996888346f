"""Per-student copies: each student's own numbers for the variant exercises (``release --course --roster``).

From a student copy (solutions out, see :mod:`mgedu.classroom.release`), :func:`personalise` makes one
student's copy: for each variant exercise (``mgedu/data/variants.json``), the question under the
exercise heading is replaced by the variant's text with that student's numbers (derived from the
course secret and the student's roster id, :mod:`mgedu.classroom.course`), and the exercise cell calls
``check_variant`` with those numbers, so the student's self-check is immediate and right for them. The
copy is stamped with the student's id. The original question quotes a real trial; the variant text
says plainly that its numbers are made up for the exercise.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from mgedu.classroom.course import Course
from mgedu.classroom.feedback import safe_file_name
from mgedu.classroom.release import EXERCISE_TAG, is_tagged, question_ids
from mgedu.classroom.roster import Roster


def _question_cell(nb: Any, index: int, qid: str) -> Any:
    """The markdown cell headed ``### Exercise <qid> · ...`` nearest above the exercise cell ``index``."""
    heading = re.compile(rf"^#{{2,4}} +Exercise {re.escape(qid)} · ")
    for cell in reversed(nb.cells[:index]):
        if cell.cell_type == "markdown" and heading.match(str(cell.source)):
            return cell
        if is_tagged(cell, EXERCISE_TAG):
            break
    return None


def personalise(student_copy: Any, course: Course, student: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    """One student's copy of ``student_copy`` (not modified), and the numbers it shows per exercise.

    For each variant exercise, the exercise cell's ``check("<id>", answer)`` becomes
    ``check_variant("<id>", answer, <numbers>)`` and the question cell above it keeps its heading line
    and shows the variant's prompt with the numbers. ``ValueError`` names the exercise when either
    cell is not shaped that way (see CONTRIBUTING.md, "Exercises").
    """
    from mgedu.variants import load_variants, prompt_for, student_numbers

    variants = load_variants()
    nb = copy.deepcopy(student_copy)
    shown: dict[str, dict[str, Any]] = {}
    name = nb.metadata.get("mgedu", {}).get("notebook", "this notebook")
    for index, cell in enumerate(nb.cells):
        if not (is_tagged(cell, EXERCISE_TAG) and cell.cell_type == "code"):
            continue
        ids = [i for i in question_ids(str(cell.source)) if i in variants]
        if len(ids) != 1:
            continue
        qid = ids[0]
        call = re.compile(rf"""\bcheck\(\s*["']{re.escape(qid)}["']\s*,\s*answer\s*\)""")
        question = _question_cell(nb, index, qid)
        if not call.search(str(cell.source)) or question is None:
            raise ValueError(
                f"{name}: exercise {qid} has a variant in variants.json, but "
                + (
                    f"its exercise cell does not call check({qid!r}, answer)"
                    if question is not None
                    else f"no markdown cell headed '### Exercise {qid} · ...' sits above its exercise cell"
                )
                + "; see CONTRIBUTING.md, Exercises, for the shape a variant exercise needs"
            )
        values = student_numbers(course, student, qid)
        shown[qid] = values
        arguments = ", ".join(f"{k}={v!r}" for k, v in values.items())
        cell.source = "from mgedu.variants import check_variant\n" + call.sub(
            f'check_variant("{qid}", answer, {arguments})', str(cell.source)
        )
        heading = str(question.source).splitlines()[0]
        question.source = heading + "\n\n" + prompt_for(qid, values)
    nb.metadata.setdefault("mgedu", {})["student"] = student
    return nb, shown


def write_personal_copies(released: list[Path], out: Path, course: Course, roster: Roster) -> dict[str, Path]:
    """Write ``out/<student id>/`` for every roster student from the released student copies.

    Returns each student's folder. The shared copies stay in ``out`` only when the caller keeps them.
    """
    import nbformat

    folders = {}
    for student in roster.students:
        folder = out / safe_file_name(student.id)
        folder.mkdir(parents=True, exist_ok=True)
        for path in released:
            nb = nbformat.read(path, as_version=4)
            mine, _ = personalise(nb, course, student.id)
            nbformat.write(mine, folder / path.name)
        folders[student.id] = folder
    return folders
