"""Helpers shared by the classroom tests: the real notebooks, their exercises, answered student copies."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat

from mgedu.classroom.release import EXERCISE_TAG, SOLUTION_TAG, is_tagged, question_ids, solution_code
from mgedu.classroom.sandbox import Isolation, SandboxUnavailable, find_isolation
from mgedu.exercises import load_exercises

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
EXERCISES = load_exercises()
WITH_EXERCISES = [
    p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if any(ex.notebook == p.stem for ex in EXERCISES.values())
]


def expected_ids(name: str) -> list[str]:
    """Exercise ids of one notebook."""
    return sorted(ex.id for ex in EXERCISES.values() if ex.notebook == name)


def auto_ids(name: str) -> list[str]:
    """Exercise ids of one notebook that are checked automatically (not written)."""
    return [i for i in expected_ids(name) if EXERCISES[i].kind != "written"]


def cells_for(nb: nbformat.NotebookNode, tag: str, qid: str) -> list[int]:
    """Indices of the cells tagged ``tag`` that check ``qid``."""
    return [i for i, c in enumerate(nb.cells) if is_tagged(c, tag) and qid in question_ids(solution_code(c))]


def answer_with_solution(student: nbformat.NotebookNode, teacher: nbformat.NotebookNode, qid: str) -> None:
    """Fill exercise ``qid`` of a student copy as a student who found the answer would: with working code."""
    (sol,) = cells_for(teacher, SOLUTION_TAG, qid)
    (ex,) = cells_for(student, EXERCISE_TAG, qid)
    student.cells[ex].source = solution_code(teacher.cells[sol])


def scenario_notebook() -> Path:
    """The notebook the scenarios edit: at least two auto-marked exercises, and the fewest code cells."""

    def code_cells(p: Path) -> int:
        return sum(c.cell_type == "code" for c in nbformat.read(p, as_version=4).cells)

    candidates = [p for p in WITH_EXERCISES if len(auto_ids(p.stem)) >= 2] or WITH_EXERCISES
    return min(candidates, key=lambda p: (code_cells(p), -len(auto_ids(p.stem))))


def digest_tree(folder: Path) -> str:
    """A digest of every file name and content under ``folder`` (links and pipes by name only)."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file() and not path.is_symlink():
            h.update(path.read_bytes())
    return h.hexdigest()


def grading_isolation() -> Isolation:
    """The sandbox where one can be made, else no sandbox: these tests grade the project's own notebooks.

    The hostile submissions in test_sandbox.py are graded only in the sandbox (skipped without one).
    """
    try:
        return find_isolation()
    except SandboxUnavailable:
        return find_isolation(sandbox=False)
