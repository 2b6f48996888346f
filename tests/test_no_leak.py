"""Nothing leaks on Run All: no solution runs, no answer shows, no correct check is recorded.

Every notebook, as it is in the repository and as a released student copy, is run top to bottom in a
fresh kernel with ``MGEDU_GRADING_LOG`` set (as the grader sets it), as a learner's Run All would. The run
must finish without errors, log no correct check and no judgement or prediction, and show no
feedback that only an answer earns, no worked answer and no model verdict. The solutions themselves
stay tested: teacher copies, where each solution's code is a cell of its own, score full marks in
tests/test_classroom.py; here their structure is checked.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from mgedu.__main__ import main
from mgedu.attempts import ATTEMPTS_MIME
from mgedu.classroom.kernels import notebook_client
from mgedu.classroom.release import (
    SOLUTION_TAG,
    WORKED_ANSWER_TAG,
    is_tagged,
    make_teacher_copy,
    question_ids,
    release,
    solution_code,
)
from mgedu.exercises import LOG_VARIABLE
from mgedu.report_cards import model_verdict
from mgedu.seeds import DOC_IDS

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EARNED = (" · correct", "Because:", "A worked answer to", "prediction recorded", "· recorded:", " · recorded (")


def output_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts += [json.dumps(v) if not isinstance(v, str) else v for v in output.get("data", {}).values()]
    return "\n".join(parts)


@dataclass
class RunAll:
    """What a learner's Run All of one notebook produced: the errors it showed and what ``check`` logged."""

    cell_errors: list[str]
    log: list[dict]


def run_all(nb: nbformat.NotebookNode, workdir: Path) -> RunAll:
    """Run ``nb`` top to bottom in a fresh kernel (outputs stored in ``nb``), as Run All in JupyterLab would.

    These are the workbook's own notebooks, not submissions, so they run in an ordinary kernel rather than
    the grader's sandbox; ``MGEDU_GRADING_LOG`` is set as the grader sets it, to see what ``check`` records.
    """
    log = workdir / "grading-log.jsonl"
    log.touch()
    client = notebook_client(
        nb, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute(env={**os.environ, LOG_VARIABLE: str(log)})
    errors = [
        f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
        for i, c in enumerate(nb.cells)
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    return RunAll(errors, [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Each notebook run as a learner's Run All would: repository copy and released student copy."""
    released = tmp_path_factory.mktemp("no-leak") / "student"
    release(released, REPO / "notebooks")
    jobs = [(f"repository/{p.stem}", p) for p in NOTEBOOKS] + [
        (f"student/{p.stem}", released / p.name) for p in NOTEBOOKS
    ]

    def run(job: tuple[str, Path]) -> tuple[str, tuple]:
        name, path = job
        nb = nbformat.read(path, as_version=4)
        result = run_all(nb, tmp_path_factory.mktemp("run"))
        return name, (result, nb)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, jobs))


def run_ids() -> list[str]:
    return [f"{where}/{p.stem}" for where in ("repository", "student") for p in NOTEBOOKS]


@pytest.mark.slow
@pytest.mark.parametrize("name", run_ids())
def test_run_all_records_no_correct_check_and_shows_no_answer(runs: dict[str, tuple], name: str) -> None:
    result, nb = runs[name]
    assert not result.cell_errors, result.cell_errors
    assert not [r for r in result.log if r.get("status") in ("correct", "recorded")], result.log
    assert not [r for r in result.log if r.get("kind") in ("judgement", "prediction", "written")]
    shown = output_text(nb)
    for earned in EARNED:
        assert earned not in shown, f"{name}: Run All shows {earned!r}"
    assert ATTEMPTS_MIME not in json.dumps([c.get("outputs", []) for c in nb.cells])
    for doc_id in DOC_IDS:
        assert model_verdict(doc_id)[:80] not in shown
    assert not [c for c in nb.cells if c.cell_type == "code" and is_tagged(c, SOLUTION_TAG)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_show_no_answer(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    shown = output_text(nb)
    assert not [e for e in EARNED if e in shown] and ATTEMPTS_MIME not in shown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_teacher_copy_runs_each_solution_right_after_it(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    teacher = make_teacher_copy(nb, path.stem)
    solutions = [i for i, c in enumerate(teacher.cells) if is_tagged(c, SOLUTION_TAG) and c.cell_type == "markdown"]
    assert len(solutions) == sum(is_tagged(c, SOLUTION_TAG) for c in nb.cells)
    for i in solutions:
        code = teacher.cells[i + 1]
        assert code.cell_type == "code" and is_tagged(code, SOLUTION_TAG)
        assert code.source == solution_code(teacher.cells[i]) and question_ids(code.source)
        assert teacher.cells[i].source.startswith("<details open>"), "open in the teacher copy"
    worked = [c for c in nb.cells if is_tagged(c, WORKED_ANSWER_TAG)]
    assert worked == [c for c in teacher.cells if is_tagged(c, WORKED_ANSWER_TAG)]
    assert teacher.metadata["mgedu"] == {"notebook": path.stem, "copy": "teacher"}
    assert nb.metadata.get("mgedu") is None, "the source notebook is not changed"


def test_release_teacher_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = NOTEBOOKS[0].stem
    assert (
        main(
            ["release", "--teacher", "--only", name, "--out", str(tmp_path / "t"), "--source", str(REPO / "notebooks")]
        )
        == 0
    )
    assert "1 teacher notebooks" in capsys.readouterr().out
    copy_ = nbformat.read(tmp_path / "t" / f"{name}.ipynb", as_version=4)
    assert copy_.metadata["mgedu"]["copy"] == "teacher" and not (tmp_path / "t" / "README.md").exists()
