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

from mgedu.classroom.course import Course, variant_values
from mgedu.classroom.feedback import safe_file_name
from mgedu.classroom.release import EXERCISE_TAG, is_tagged, question_ids
from mgedu.classroom.roster import Roster

HEADING = re.compile(r"^(#{2,4} .*Exercise .*)$", re.MULTILINE)


def personalise(student_copy: Any, course: Course, student: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    """One student's copy of ``student_copy`` (not modified), and the numbers it shows per exercise."""
    from mgedu.variants import load_variants, prompt_for

    variants = load_variants()
    nb = copy.deepcopy(student_copy)
    shown: dict[str, dict[str, Any]] = {}
    for index, cell in enumerate(nb.cells):
        if not (is_tagged(cell, EXERCISE_TAG) and cell.cell_type == "code"):
            continue
        ids = [i for i in question_ids(str(cell.source)) if i in variants]
        if len(ids) != 1:
            continue
        qid = ids[0]
        values = variant_values(course, student, qid, variants[qid].params)
        shown[qid] = values
        arguments = ", ".join(f"{k}={v!r}" for k, v in values.items())
        source = re.sub(
            rf"""\bcheck\(\s*["']{re.escape(qid)}["']\s*,\s*answer\s*\)""",
            f'check_variant("{qid}", answer, {arguments})',
            str(cell.source),
        )
        cell.source = "from mgedu.variants import check_variant\n" + source
        prompt = nb.cells[index - 1] if index > 0 and nb.cells[index - 1].cell_type == "markdown" else None
        text = prompt_for(qid, values)
        if prompt is not None:
            heading = HEADING.search(str(prompt.source))
            prompt.source = (heading.group(1) + "\n\n" if heading else "") + text
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
