"""Student and teacher copies from the one source: the notebooks with solutions out, or made runnable.

The notebooks in ``notebooks/`` are the only source. A solution is a **markdown** cell tagged
``solution`` whose text is one HTML ``<details>`` block (closed until the learner clicks its summary
line "Solution to exercise N.k"): the reasoning in words, then the code in a fenced
```` ```python ```` block that ends with ``check("N.k", solution)``. Being markdown, a solution never
runs on Run All, so it can neither print an answer nor record a correct check; being a ``<details>``
block, it stays closed when Run All renders it (JupyterLab un-hides the input of every markdown cell it
runs, so the collapsed-cell metadata would not keep it closed). A cell tagged
``exercise`` holds the learner's placeholder and its ``check(...)`` call (or a ``%%answer N.k`` cell for
written answers); a cell tagged ``worked-answer`` shows a worked answer once the learner has answered.

- :func:`make_student_copy` replaces every solution cell with a short placeholder, drops worked-answer
  cells and clears the outputs of exercise cells; every other cell, with its stored outputs, is kept,
  so the copy reads well before it is run and runs top to bottom.
- :func:`make_teacher_copy` keeps the solutions open and puts each solution's code in a code cell of
  its own (tagged ``solution``) right after it, so a teacher's Run All shows every answer checked. The
  test suite grades these copies to prove every solution still passes its key.

Copies are stamped with ``metadata.mgedu`` (notebook name, copy kind), which the grader uses to know
which exercises to expect.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
WORKED_ANSWER_TAG = "worked-answer"
CHECK_CALL = re.compile(r"""check\(\s*["']([^"']+)["']|^%%answer[ \t]+(\S+)""", re.MULTILINE)
FENCED_CODE = re.compile(r"^```(?:python|py|ipython3?)?[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
NOTEBOOK_NAME = re.compile(r"(\d\d-[a-z0-9]+(?:-[a-z0-9]+)*)")
STUDENT_README = """# Student copies

Open each notebook in JupyterLab (or on Binder) and run it from the top (Run > Run All Cells).

- Each exercise has a cell that starts `answer = ...`: replace the `...` with your answer and run the cell.
  `check` tells you at once whether your answer is right and gives a hint when it is not. It never shows
  the answer.
- You can run a check as often as you like; the last one you run for each exercise is the one that counts.
- Moving, copying or deleting cells does not break the checks, but keep the setup cell at the top.
- Written answers go in a cell that starts `%%answer 6.4`: write below that line, quotes and new lines
  are fine; your teacher reads them. Your first and your last answer to each exercise are kept.
- Hand in the `.ipynb` file with its name unchanged (File > Download), after saving it.
"""


TEACHER_FILES = ("mgedu-course.json", "marks.csv")  # never copied into a release


@dataclass(frozen=True)
class ReleasedNotebook:
    """What :func:`release` wrote for one notebook, and what it had to take out."""

    name: str
    path: Path
    exercises: tuple[str, ...]
    solutions_removed: int
    outputs_cleared: tuple[tuple[int, tuple[str, ...]], ...] = ()
    answers_cleared: tuple[str, ...] = ()


def repository_of(path: Path) -> Path | None:
    """The git working tree ``path`` is in (the folder holding ``.git``), or ``None``."""
    for folder in (path, *path.parents):
        if (folder / ".git").exists():
            return folder
    return None


def typed_answers_in(nb: Any) -> list[str]:
    """``"4.1: answer = 301.4"`` for each exercise cell of ``nb`` that holds a typed answer."""
    from mgedu.classroom.leaks import typed_answers

    return [
        f"{', '.join(question_ids(str(cell.source))) or 'exercise'}: {typed}"
        for cell in nb.cells
        if is_tagged(cell, EXERCISE_TAG) and cell.cell_type == "code"
        for typed in typed_answers(str(cell.source))
    ]


def is_tagged(cell: Any, tag: str) -> bool:
    """True when ``cell`` carries ``tag`` in its metadata tags."""
    return tag in (cell.get("metadata", {}).get("tags") or [])


def question_ids(source: str) -> list[str]:
    """Question ids of the ``check("N.k", ...)`` calls and ``%%answer N.k`` lines in a cell's source.

    >>> question_ids('answer = ...\\ncheck("4.1", answer)')
    ['4.1']
    >>> question_ids('%%answer 6.4\\nMy verdict: "proven" is wrong.')
    ['6.4']
    """
    return [call or magic for call, magic in CHECK_CALL.findall(source)]


def solution_code(cell: Any) -> str:
    """The code of a solution cell: the fenced ``python`` blocks of a markdown cell (joined), or the
    source of a code cell.

    >>> import nbformat
    >>> cell = nbformat.v4.new_markdown_cell("Why.\\n\\n```python\\nsolution = 3\\ncheck('9.1', solution)\\n```")
    >>> solution_code(cell)
    "solution = 3\\ncheck('9.1', solution)"
    """
    source = str(cell.get("source", ""))
    if cell.get("cell_type") == "code":
        return source
    return "\n".join(block.rstrip("\n") for block in FENCED_CODE.findall(source))


def notebook_name(path: str | Path) -> str | None:
    """The workbook notebook name (``"01-claims"``) inside a file name, or ``None``.

    >>> notebook_name("alice_01-claims (1).ipynb")
    '01-claims'
    """
    match = NOTEBOOK_NAME.search(Path(path).stem.lower())
    return match.group(1) if match else None


def placeholder_cell(ids: Sequence[str]) -> Any:
    """The markdown cell that stands where a solution was."""
    import nbformat

    which = f" to exercise {', '.join(ids)}" if ids else ""
    text = (
        f"*The worked solution{which} is not part of this copy: your teacher shares solutions after the hand-in date.*"
    )
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = ["solution-placeholder"]
    return cell


def make_student_copy(nb: Any, name: str, *, clear_answers: bool = False) -> Any:
    """A student copy of the notebook ``nb`` (not modified): solutions and worked answers out, exercise
    outputs cleared.

    With ``clear_answers``, answers typed into exercise cells are replaced by the placeholder. Stored
    outputs that show an answer are cleared by :func:`clear_shown_answers`.

    >>> import nbformat
    >>> ex = nbformat.v4.new_code_cell('answer = ...\\ncheck("9.1", answer)', metadata={"tags": ["exercise"]})
    >>> sol = nbformat.v4.new_markdown_cell('```python\\nsolution = zebra\\n```', metadata={"tags": ["solution"]})
    >>> worked = nbformat.v4.new_code_cell('worked_answer("9.1", f)', metadata={"tags": ["worked-answer"]})
    >>> nb = nbformat.v4.new_notebook(cells=[ex, sol, worked])
    >>> copy = make_student_copy(nb, "09-demo")
    >>> [c.cell_type for c in copy.cells], "zebra" in nbformat.writes(copy), "worked_answer" in nbformat.writes(copy)
    (['code', 'markdown'], False, False)
    """
    import copy as copying

    student = copying.deepcopy(nb)
    cells = []
    for cell in student.cells:
        if is_tagged(cell, SOLUTION_TAG):
            cells.append(placeholder_cell(question_ids(solution_code(cell))))
            continue
        if is_tagged(cell, WORKED_ANSWER_TAG):
            continue
        if is_tagged(cell, EXERCISE_TAG) and cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if clear_answers:
                from mgedu.classroom.leaks import clear_typed_answer, placeholder_for
                from mgedu.exercises import load_exercises

                ids = question_ids(str(cell.source))
                exercise = load_exercises().get(ids[0]) if ids else None
                cell.source = clear_typed_answer(str(cell.source), placeholder_for(exercise))
        cells.append(cell)
    student.cells = cells
    student.metadata["mgedu"] = {"notebook": name, "copy": "student"}
    return student


def clear_shown_answers(student: Any, name: str) -> list[tuple[int, tuple[str, ...]]]:
    """Clear (in place) the stored outputs of cells that show an answer to an exercise of ``name``."""
    from mgedu.classroom.leaks import answers_shown
    from mgedu.exercises import load_exercises

    own = [ex for ex in load_exercises().values() if ex.notebook == name]
    shown = answers_shown(student, own, skip_tags=(EXERCISE_TAG,))
    for item in shown:
        cell = student.cells[item.cell]
        cell.outputs = []
        cell.execution_count = None
    return [(item.cell, item.questions) for item in shown]


def make_teacher_copy(nb: Any, name: str) -> Any:
    """A teacher copy of ``nb`` (not modified): each solution open, followed by its code as a code cell.

    >>> import nbformat
    >>> sol = nbformat.v4.new_markdown_cell('<details>\\n<summary>Solution</summary>\\n\\n```python\\n'
    ...                                     'check("9.1", 42)\\n```\\n\\n</details>', metadata={"tags": ["solution"]})
    >>> copy = make_teacher_copy(nbformat.v4.new_notebook(cells=[sol]), "09-demo")
    >>> [c.cell_type for c in copy.cells], copy.cells[0].source.splitlines()[0]
    (['markdown', 'code'], '<details open>')
    >>> copy.cells[1].source, copy.metadata["mgedu"]["copy"]
    ('check("9.1", 42)', 'teacher')
    """
    import copy as copying

    import nbformat

    teacher = copying.deepcopy(nb)
    cells = []
    for cell in teacher.cells:
        cells.append(cell)
        if not is_tagged(cell, SOLUTION_TAG):
            continue
        cell.metadata.get("jupyter", {}).pop("source_hidden", None)
        cell.metadata.get("jupyter", {}).pop("outputs_hidden", None)
        if not cell.metadata.get("jupyter", True):
            del cell.metadata["jupyter"]
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"^<details>", "<details open>", str(cell.source), count=1, flags=re.MULTILINE)
            code = nbformat.v4.new_code_cell(solution_code(cell), metadata={"tags": [SOLUTION_TAG]})
            cells.append(code)
    teacher.cells = cells
    teacher.metadata["mgedu"] = {"notebook": name, "copy": "teacher"}
    return teacher


def solution_cells(nb: Any) -> list[Any]:
    """The cells tagged ``solution`` in a notebook."""
    return [cell for cell in nb.cells if is_tagged(cell, SOLUTION_TAG)]


def default_source() -> Path:
    """The teacher's notebooks: ``notebooks/`` of the checkout mgedu runs from, else ``./notebooks``."""
    checkout = Path(__file__).resolve().parents[2] / "notebooks"
    return checkout if checkout.is_dir() else Path.cwd() / "notebooks"


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def release(
    out: str | Path,
    source: str | Path | None = None,
    *,
    force: bool = False,
    names: Sequence[str] = (),
    make_zip: bool = False,
    clear_answers: bool = False,
    inside_repository: bool = False,
    teacher: bool = False,
) -> list[ReleasedNotebook]:
    """Write student copies (teacher copies with ``teacher``) of the notebooks in ``source`` into ``out``.

    Refuses (``ValueError``) to write into a non-empty ``out`` unless ``force``; always refuses an
    ``out`` inside ``source`` (the teacher's notebooks are never touched); refuses an ``out`` inside a
    git repository unless ``inside_repository`` (copies there are one ``git add`` from being
    published, and the project's ``.gitignore`` hides ``student/``); refuses when an exercise cell of
    the teacher's notebooks holds a typed answer, unless ``clear_answers`` (then the copies get the
    placeholder back). Stored outputs that show an answer are cleared in the copies and reported.
    Other files next to the notebooks (pictures, data) are copied as they are, except the teacher's
    own (:data:`TEACHER_FILES`); a README for students is added. ``names`` limits the release to some
    notebooks (``"01-claims"``). With ``make_zip``, ``out.zip`` is written too.
    """
    import nbformat

    source = Path(source) if source is not None else default_source()
    out = Path(out)
    if not source.is_dir():
        raise ValueError(f"source must be a folder of notebooks, got {str(source)!r} (not a folder)")
    if _inside(out.resolve(), source.resolve()):
        raise ValueError(f"out must be outside the teacher's notebooks folder {str(source)!r}, got {str(out)!r}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder, got {str(out)!r} (a file)")
    repository = repository_of(out.resolve())
    if repository is not None and not inside_repository:
        raise ValueError(
            f"out {str(out)!r} is inside the git repository {str(repository)!r}: student copies there are one "
            "`git add` away from being published. Choose a folder outside it, or pass --inside-repo (for a "
            "class fork on Binder, then `git add --force` the folder: .gitignore leaves student/ out)"
        )
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"out folder {str(out)!r} is not empty; choose an empty folder or pass --force")
    paths = sorted(source.glob("*.ipynb"))
    if names:
        unknown = sorted(set(names) - {p.stem for p in paths})
        if unknown:
            raise ValueError(
                f"names {unknown} are not notebooks in {str(source)!r}; known: {', '.join(p.stem for p in paths)}"
            )
        paths = [p for p in paths if p.stem in names]
    if not paths:
        raise ValueError(f"source {str(source)!r} holds no notebooks (*.ipynb)")
    teachers = {path: nbformat.read(path, as_version=4) for path in paths}
    typed = [f"{path.stem} {item}" for path, nb in teachers.items() for item in typed_answers_in(nb)]
    if typed and not clear_answers:
        raise ValueError(
            "exercise cells of the teacher's notebooks hold typed answers, which the copies would hand out:\n  "
            + "\n  ".join(typed)
            + "\nReset them to the placeholder in the notebooks, or pass --clear-answers to reset them in the copies."
        )
    out.mkdir(parents=True, exist_ok=True)
    released = []
    for path, nb in teachers.items():
        if teacher:
            student, cleared = make_teacher_copy(nb, path.stem), []
        else:
            student = make_student_copy(nb, path.stem, clear_answers=clear_answers)
            cleared = clear_shown_answers(student, path.stem)
        target = out / path.name
        nbformat.write(student, target)
        ids = tuple(
            i for cell in student.cells if is_tagged(cell, EXERCISE_TAG) for i in question_ids(str(cell.source))
        )
        answers = tuple(t for t in typed if t.startswith(f"{path.stem} "))
        removed = 0 if teacher else len(solution_cells(nb))
        released.append(ReleasedNotebook(path.stem, target, ids, removed, tuple(cleared), answers))
    for extra in sorted(source.iterdir()):
        if extra.suffix == ".ipynb" or extra.name.startswith(".") or extra.name == "__pycache__":
            continue
        if extra.name in TEACHER_FILES or extra.name.startswith("grades"):
            continue
        if extra.is_dir():
            shutil.copytree(
                extra,
                out / extra.name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".*", "__pycache__"),
            )
        else:
            shutil.copy2(extra, out / extra.name)
    if not teacher:
        (out / "README.md").write_text(STUDENT_README, encoding="utf-8")
    if make_zip:
        shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
    return released
