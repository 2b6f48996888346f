"""Export the workbook's auto-checked exercises as otter-grader assignments (``python -m mgedu export otter``).

Teachers who grade on Gradescope, or on a JupyterHub with otter-grader, can use that ecosystem's
grader instead of ``python -m mgedu grade``. For each notebook, :func:`export_otter` writes a *master
notebook* in otter-grader's assignment format (version 1: raw ``# ASSIGNMENT CONFIG``,
``# BEGIN QUESTION`` ... ``# END QUESTION`` cells; https://otter-grader.readthedocs.io): the
teacher's notebook as it is, with every auto-checked exercise turned into an otter question:

- its prompt is the exercise's heading cell;
- its solution cell computes the answer with the teacher's worked solution (otter replaces that by
  ``answer_N_k = ...`` in the student copy) and still calls mgedu's ``check``, so students keep the
  immediate hint;
- its only test is hidden and asks ``mgedu.exercises.evaluate(id, answer).correct``, which reveals
  nothing: otter's autograder marks with mgedu's own keys.

Each exercise gets its own answer variable (``answer_4_1``), because otter runs a question's tests in
the notebook's global namespace. Written answers stay as they are (mark them by hand). Then
``otter assign NN-name.ipynb dist`` builds the student notebook and the autograder zip, and
``otter run -a dist/autograder/*.zip submission.ipynb`` grades a submission locally.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mgedu.classroom.release import EXERCISE_TAG, SOLUTION_TAG, default_source, is_tagged, question_ids, solution_code
from mgedu.exercises import Exercise, load_exercises

ASSIGNMENT_CONFIG = {
    "init_cell": True,
    "check_all_cell": False,
    "export_cell": False,
    "run_tests": False,
    "solutions_pdf": False,
    "generate": True,
    "requirements": "requirements.txt",
    "overwrite_requirements": False,
}
REQUIREMENTS = """\
# The autograder's Python packages. otter-grader installs these into its grading image (Gradescope)
# or uses your environment (otter run). mgedu is not on PyPI: replace the line below with where your
# course installs it from, e.g. a wheel built with `python -m build` and listed under `files:`.
mgedu
"""


def rename_names(source: str, names: dict[str, str]) -> str:
    """``source`` with each Python name in ``names`` replaced (strings and comments untouched).

    >>> rename_names('answer = 3  # the answer\\ncheck("4.1", answer)', {"answer": "answer_4_1"})
    'answer_4_1 = 3  # the answer\\ncheck("4.1", answer_4_1)'
    """
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME and tok.string in names:
                edits.append((tok.start[0], tok.start[1], tok.end[1], names[tok.string]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    for row, start, end, new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def _raw(source: str) -> Any:
    import nbformat

    return nbformat.v4.new_raw_cell(source)


def _question_cells(ex: Exercise, prompt: Any | None, exercise_cell: Any, solution: Any | None) -> list[Any]:
    import nbformat

    var = "answer_" + re.sub(r"\W", "_", ex.id)
    student = rename_names(str(exercise_cell.source), {"answer": var})
    lines = student.splitlines()
    prompt_line = next((ln for ln in lines if re.match(rf"\s*{var}\s*=", ln)), f"{var} = ...")
    comment = prompt_line.split("#", 1)[1].strip() if "#" in prompt_line else "your answer"
    rest = [ln for ln in lines if ln is not prompt_line and ln != prompt_line]
    code = [f"# {comment}: replace the ... with your answer, then run the cell"]
    if solution is not None:
        worked = rename_names(solution_code(solution), {"solution": var, "answer": var})
        worked_lines = [ln for ln in worked.splitlines() if ln.strip() and not re.match(r"\s*check\(", ln)]
        code += ["# BEGIN SOLUTION NO PROMPT", *worked_lines, "# END SOLUTION", f"{var} = {var}  # SOLUTION"]
    else:
        code.append(f"{var} = ...")
    code += rest
    cell = nbformat.v4.new_code_cell("\n".join(code))
    test = (
        '""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n'
        "from mgedu.exercises import evaluate\n"
        f"assert evaluate({ex.id!r}, {var}).correct"
    )
    name = "q" + re.sub(r"\W", "_", ex.id)
    cells = [_raw(f"# BEGIN QUESTION\nname: {name}\npoints: {ex.points:g}\ncheck_cell: false")]
    if prompt is not None:
        cells.append(prompt)
    cells += [_raw("# BEGIN SOLUTION"), cell, _raw("# END SOLUTION")]
    cells += [_raw("# BEGIN TESTS"), nbformat.v4.new_code_cell(test), _raw("# END TESTS"), _raw("# END QUESTION")]
    return cells


def master_notebook(nb: Any, name: str, exercises: dict[str, Exercise]) -> tuple[Any, list[str]]:
    """The otter master notebook for the teacher's notebook ``nb``; and the exercise ids it turned into questions."""
    import copy

    import nbformat

    solutions = {
        i: cell for cell in nb.cells if is_tagged(cell, SOLUTION_TAG) for i in question_ids(solution_code(cell))
    }
    config = {"name": f"mgedu-{name}", **ASSIGNMENT_CONFIG}
    cells: list[Any] = [_raw("# ASSIGNMENT CONFIG\n" + "\n".join(f"{k}: {json.dumps(v)}" for k, v in config.items()))]
    done: list[str] = []
    for cell in nb.cells:
        if is_tagged(cell, SOLUTION_TAG):
            continue
        ids = question_ids(str(cell.source)) if is_tagged(cell, EXERCISE_TAG) else []
        auto = [i for i in ids if i in exercises and exercises[i].kind != "written"]
        if len(auto) != 1:
            cells.append(copy.deepcopy(cell))
            continue
        ex = exercises[auto[0]]
        prompt = cells.pop() if cells and cells[-1].cell_type == "markdown" else None
        cells += _question_cells(ex, prompt, cell, solutions.get(ex.id))
        done.append(ex.id)
    master = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(nb.metadata))
    return master, done


def export_otter(
    out: str | Path, source: str | Path | None = None, *, names: Sequence[str] = (), force: bool = False
) -> list[tuple[Path, list[str]]]:
    """Write one otter master notebook (and ``requirements.txt``) per notebook into ``out/<name>/``.

    Refuses (``ValueError``) a non-empty ``out`` unless ``force``. Returns each master notebook's path
    and the exercise ids it holds.
    """
    import nbformat

    source = Path(source) if source is not None else default_source()
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise ValueError(f"out folder {str(out)!r} is not empty; choose an empty folder or pass --force")
    exercises = load_exercises()
    paths = sorted(source.glob("*.ipynb"))
    if names:
        unknown = sorted(set(names) - {p.stem for p in paths})
        if unknown:
            raise ValueError(f"names {unknown} are not notebooks in {str(source)!r}")
        paths = [p for p in paths if p.stem in names]
    written = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        master, ids = master_notebook(nb, path.stem, exercises)
        if not ids:
            continue
        folder = out / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(master, folder / path.name)
        (folder / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
        written.append((folder / path.name, ids))
    if not written:
        raise ValueError(f"no notebook in {str(source)!r} has auto-checked exercises to export")
    return written
