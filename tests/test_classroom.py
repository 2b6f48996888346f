"""Release then grade the real notebooks: teacher full marks, untouched copies zero, the rest exact.

Every test works on the notebooks in ``notebooks/`` as they are when the suite runs; notebooks without
exercises are skipped. Kernel runs are shared through module-scoped fixtures: one batch of ordinary
submissions, one batch of hostile ones (infinite loop, dying kernel, forged grading log, non-notebooks)
with a short time limit.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from pathlib import Path

import nbformat
import pytest

from mgedu.__main__ import main
from mgedu.classroom.feedback import render_feedback
from mgedu.classroom.grading import Row, SubmissionResult, grade_submissions, student_name, write_grades
from mgedu.classroom.release import (
    EXERCISE_TAG,
    SOLUTION_TAG,
    WORKED_ANSWER_TAG,
    is_tagged,
    make_student_copy,
    question_ids,
    release,
    solution_cells,
    solution_code,
)
from mgedu.classroom.teaching import updated_document
from mgedu.exercises import load_exercises, make_entry

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
TEACHING_DOC = REPO / "docs" / "teaching.md"
EXERCISES = load_exercises()
WITH_EXERCISES = [
    p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if any(ex.notebook == p.stem for ex in EXERCISES.values())
]
pytestmark = pytest.mark.skipif(not WITH_EXERCISES, reason="no notebook has exercises yet")


def expected_ids(name: str) -> list[str]:
    return sorted(ex.id for ex in EXERCISES.values() if ex.notebook == name)


def cells_for(nb: nbformat.NotebookNode, tag: str, qid: str) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if is_tagged(c, tag) and qid in question_ids(solution_code(c))]


def answer_with_solution(student: nbformat.NotebookNode, teacher: nbformat.NotebookNode, qid: str) -> None:
    """Fill exercise ``qid`` of a student copy as a student who found the answer would: with working code."""
    (sol,) = cells_for(teacher, SOLUTION_TAG, qid)
    (ex,) = cells_for(student, EXERCISE_TAG, qid)
    student.cells[ex].source = solution_code(teacher.cells[sol])


def digest_tree(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    before = digest_tree(NOTEBOOKS)
    out = tmp_path_factory.mktemp("release") / "student"
    release(out, NOTEBOOKS)
    assert digest_tree(NOTEBOOKS) == before, "release must never touch notebooks/"
    return out


@pytest.fixture(scope="module")
def teacher_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "teacher"
    release(out, NOTEBOOKS, teacher=True)
    return out


@pytest.fixture(scope="module")
def scenario_notebook() -> Path:
    """The notebook the scenarios edit: at least two auto-marked exercises, and the fewest code cells."""

    def auto(p: Path) -> int:
        return sum(EXERCISES[i].kind != "written" for i in expected_ids(p.stem))

    def code_cells(p: Path) -> int:
        return sum(c.cell_type == "code" for c in nbformat.read(p, as_version=4).cells)

    candidates = [p for p in WITH_EXERCISES if auto(p) >= 2] or WITH_EXERCISES
    return min(candidates, key=lambda p: (code_cells(p), -auto(p)))


@pytest.fixture(scope="module")
def graded_all(
    released: Path, teacher_copies: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[SubmissionResult]:
    """Every notebook with exercises, graded as the teacher's copy (solutions run) and as an untouched
    student copy."""
    root = tmp_path_factory.mktemp("all")
    for path in WITH_EXERCISES:
        for folder, source in (("teacher", teacher_copies / path.name), ("blank", released / path.name)):
            (root / folder).mkdir(exist_ok=True)
            (root / folder / path.name).write_bytes(source.read_bytes())
    return grade_submissions([root], timeout=300, jobs=2)


@pytest.fixture(scope="module")
def graded(released: Path, scenario_notebook: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy with one answer, and a copy answered in full then reshuffled, graded in one batch."""
    root = tmp_path_factory.mktemp("submissions")
    name = scenario_notebook.stem
    teacher = nbformat.read(scenario_notebook, as_version=4)
    auto = [i for i in expected_ids(name) if EXERCISES[i].kind != "written"]
    one = nbformat.read(released / scenario_notebook.name, as_version=4)
    answer_with_solution(one, teacher, auto[0])
    (root / "one").mkdir()
    nbformat.write(one, root / "one" / f"one_{name}.ipynb")
    # All answered, then: a markdown cell deleted, the last exercise cell deleted, the first one
    # duplicated and moved to the end.
    shuffled = nbformat.read(released / scenario_notebook.name, as_version=4)
    for qid in auto:
        answer_with_solution(shuffled, teacher, qid)
    deleted = auto[-1] if len(auto) > 1 else None
    if deleted:
        del shuffled.cells[cells_for(shuffled, EXERCISE_TAG, deleted)[0]]
    first = cells_for(shuffled, EXERCISE_TAG, auto[0])[0]
    duplicate = copy.deepcopy(shuffled.cells[first])
    duplicate.id = "duplicated-by-student"
    shuffled.cells.append(duplicate)
    markdown = [i for i, c in enumerate(shuffled.cells) if c.cell_type == "markdown"]
    del shuffled.cells[markdown[-1]]
    (root / "shuffled").mkdir()
    nbformat.write(shuffled, root / "shuffled" / scenario_notebook.name)
    results = grade_submissions([root], timeout=180, jobs=2)
    return {"results": results, "name": name, "auto": auto, "deleted": deleted, "root": root}


@pytest.fixture(scope="module")
def hostile(scenario_notebook: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Submissions that loop, kill their kernel, forge the grading log, or are not notebooks."""
    root = tmp_path_factory.mktemp("hostile")
    name = scenario_notebook.stem
    qid = [i for i in expected_ids(name) if EXERCISES[i].kind != "written"][0]
    cell = nbformat.v4.new_code_cell

    def write(student: str, *sources: str) -> None:
        (root / student).mkdir()
        nbformat.write(
            nbformat.v4.new_notebook(cells=[cell(s) for s in sources]), root / student / f"{name}.ipynb"
        )

    write(
        "looper", "from mgedu import check", f'check("{qid}", ...)', "while True:\n    pass", "print('after')"
    )
    write("crasher", "import os\nos._exit(1)")
    forged = json.dumps({"id": qid, "status": "correct", "answer": "zz-not-the-answer"})
    write(
        "forger",
        "import os\nimport mgedu.exercises as ex\nex.evaluate = lambda *a, **k: None\n"
        f"open(os.environ['MGEDU_GRADING_LOG'], 'a').write({forged!r} + '\\n')",
    )
    (root / "texter").mkdir()
    (root / "texter" / f"{name}.txt").write_text("my answers: b, c", encoding="utf-8")
    (root / "broken").mkdir()
    (root / "broken" / f"{name}.ipynb").write_text('{"cells": [', encoding="utf-8")
    # A teacher's own exercise, from a key folder of their own.
    keys = tmp_path_factory.mktemp("keys")
    entry = make_entry(
        "98.1",
        "b",
        kind="choice",
        choices=["x", "y"],
        notebook="98-custom",
        title="Own",
        concepts=["1.2d"],
        skill="judgement",
        hint="Think.",
        second_hint="Think again.",
        feedback={"a": "Not x."},
        because="Because y.",
    )
    (keys / "98.json").write_text(
        json.dumps({"notebook": "98-custom", "exercises": [entry]}), encoding="utf-8"
    )
    (root / "custom").mkdir()
    nbformat.write(
        nbformat.v4.new_notebook(cells=[cell('from mgedu import check\ncheck("98.1", " B")')]),
        root / "custom" / "98-custom.ipynb",
    )
    # 20 s: long enough for a real kernel on a loaded 2-core machine, short enough for the loop to time out.
    results = grade_submissions([root], timeout=20, jobs=2, key_folders=[keys])
    return {"by_student": {r.student: r for r in results}, "qid": qid}


def rows(results: list[SubmissionResult], folder: str) -> list[Row]:
    return [row for r in results if Path(r.file).parent.name == folder for row in r.rows]


# --- release ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_released_copy_has_no_solution_in_clear(released: Path, path: Path) -> None:
    teacher = nbformat.read(path, as_version=4)
    text = (released / path.name).read_text(encoding="utf-8")
    student = nbformat.reads(text, as_version=4)
    taught = {
        ln.strip()
        for c in teacher.cells
        if not is_tagged(c, SOLUTION_TAG) and not is_tagged(c, WORKED_ANSWER_TAG)
        for ln in str(c.source).splitlines()
    }
    leaked = [
        ln.strip()
        for c in solution_cells(teacher)
        for ln in str(c.source).splitlines()
        if ln.strip()
        and not ln.strip().startswith("#")
        and ln.strip() not in taught
        and json.dumps(ln.strip())[1:-1] in text
    ]
    assert not leaked, f"solution lines found in the student copy: {leaked}"
    assert not solution_cells(student)
    assert not [c for c in student.cells if is_tagged(c, WORKED_ANSWER_TAG)] and "worked_answer" not in text
    for ex in (EXERCISES[i] for i in expected_ids(path.stem)):
        assert not any(h in text for h in ex.accept) and (not ex.salt or ex.salt not in text)
    for cell in student.cells:
        if is_tagged(cell, EXERCISE_TAG):
            assert cell.outputs == [] and cell.execution_count is None
    assert student.metadata["mgedu"] == {"notebook": path.stem, "copy": "student"}


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_release_keeps_every_other_cell_intact(released: Path, path: Path) -> None:
    teacher = nbformat.read(path, as_version=4)
    student = nbformat.read(released / path.name, as_version=4)
    kept = [c for c in teacher.cells if not is_tagged(c, SOLUTION_TAG) and not is_tagged(c, WORKED_ANSWER_TAG)]
    placeholders = [c for c in student.cells if is_tagged(c, "solution-placeholder")]
    assert len(placeholders) == len(solution_cells(teacher))
    others = [c for c in student.cells if not is_tagged(c, "solution-placeholder")]
    assert [c.source for c in others] == [c.source for c in kept]
    for t, s in zip(kept, others, strict=True):
        if t.cell_type == "code" and not is_tagged(t, EXERCISE_TAG):
            assert s.outputs == t.outputs


def test_release_refuses_unsafe_targets(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the teacher's notebooks folder"):
        release(NOTEBOOKS / "student", NOTEBOOKS, force=True)
    with pytest.raises(ValueError, match="outside the teacher's notebooks folder"):
        release(NOTEBOOKS, NOTEBOOKS, force=True)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "old.txt").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        release(busy, NOTEBOOKS)
    names = [p.stem for p in WITH_EXERCISES[:1]]
    assert [r.name for r in release(busy, NOTEBOOKS, force=True, names=names, make_zip=True)] == names
    assert (tmp_path / "busy.zip").stat().st_size > 0 and (busy / "old.txt").exists()
    with pytest.raises(ValueError, match="are not notebooks"):
        release(tmp_path / "new", NOTEBOOKS, names=["99-nope"])


def test_release_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["release", "--out", str(tmp_path / "s"), "--source", str(NOTEBOOKS)]) == 0
    assert "student notebooks" in capsys.readouterr().out
    assert main(["release", "--out", str(tmp_path / "s"), "--source", str(NOTEBOOKS)]) == 2
    assert "--force" in capsys.readouterr().err


def test_student_copy_of_a_notebook_without_exercises_is_unchanged_but_stamped() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hi")])
    copy_ = make_student_copy(nb, "07-x")
    assert copy_.cells == nb.cells and "mgedu" not in nb.metadata


# --- grading ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_teacher_notebooks_score_full_marks(graded_all: list[SubmissionResult]) -> None:
    teacher = rows(graded_all, "teacher")
    questions = [r for r in teacher if r.question != "-"]
    assert sorted(r.question for r in questions) == sorted(
        i for p in WITH_EXERCISES for i in expected_ids(p.stem)
    )
    for row in questions:
        if EXERCISES[row.question].kind == "written":
            assert row.status == "to-mark" and row.detail.strip()
        else:
            assert (row.status, row.points) == ("correct", row.max), row
    notes = [r for r in teacher if r.question == "-"]
    assert {r.status for r in notes} == {"solution-cells"}, "teacher notebooks must run without errors"
    assert len(notes) == len(WITH_EXERCISES), "a copy with the solutions in it is flagged"


@pytest.mark.slow
def test_untouched_student_copies_score_zero_and_run_cleanly(graded_all: list[SubmissionResult]) -> None:
    blank = rows(graded_all, "blank")
    assert not [r for r in blank if r.question == "-"], [r.detail for r in blank if r.question == "-"]
    questions = [r for r in blank if r.question != "-"]
    assert len(questions) == sum(len(expected_ids(p.stem)) for p in WITH_EXERCISES)
    assert all(r.status == "unanswered" and r.points == 0 for r in questions)


def test_one_correct_answer_scores_exactly_that_exercise(graded: dict) -> None:
    one = {r.question: r for r in rows(graded["results"], "one") if r.question != "-"}
    target = graded["auto"][0]
    assert one[target].status == "correct" and one[target].points == EXERCISES[target].points
    assert all(r.points == 0 and r.status == "unanswered" for q, r in one.items() if q != target)
    assert {r.student for r in graded["results"] if Path(r.file).parent.name == "one"} == {"one"}


def test_deleted_and_duplicated_cells_still_grade(graded: dict) -> None:
    shuffled = {r.question: r for r in rows(graded["results"], "shuffled")}
    for qid in graded["auto"]:
        if qid == graded["deleted"]:
            assert (shuffled[qid].status, shuffled[qid].points) == ("missing", 0)
        else:
            assert shuffled[qid].status == "correct", shuffled[qid]
    assert "-" not in shuffled, "the reshuffled copy runs without errors"


def test_infinite_loop_times_out_and_earlier_checks_count(hostile: dict) -> None:
    looper = hostile["by_student"]["looper"].rows
    assert [r.status for r in looper if r.question == "-"] == ["timeout"]
    first = next(r for r in looper if r.question == hostile["qid"])
    assert first.status == "unanswered"  # its check ran before the loop
    assert {r.status for r in looper if r.question not in ("-", hostile["qid"])} <= {"not-reached"}


def test_crash_forgery_and_non_notebooks_are_reported(hostile: dict) -> None:
    by = hostile["by_student"]
    assert [r.status for r in by["crasher"].rows if r.question == "-"] == ["kernel-died"]
    forged = next(r for r in by["forger"].rows if r.question == hostile["qid"])
    assert forged.status != "correct" and forged.points == 0 and "showed 'correct'" in forged.detail
    assert [r.status for r in by["texter"].rows] == ["not-a-notebook"]
    assert [r.status for r in by["broken"].rows] == ["not-a-notebook"]


def test_grades_csv_and_feedback(graded: dict, tmp_path: Path) -> None:
    out = write_grades(graded["results"], tmp_path / "grades.csv")
    with open(out, newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0])[:6] == ["student", "notebook", "question", "points", "max", "status"]
    assert len(table) == sum(len(r.rows) for r in graded["results"])
    one = [r for r in graded["results"] if r.student == "one"]
    text = render_feedback("one", one)
    assert "1 of" in text and "no answer yet" in text
    for ex in EXERCISES.values():
        assert not any(h in text for h in ex.accept)


def test_grade_command_line_reports_a_non_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in" / "zoe").mkdir(parents=True)
    (tmp_path / "in" / "zoe" / "01-claims.pdf").write_bytes(b"%PDF-1.4")
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "g.csv")]) == 0
    assert "not-a-notebook 1" in capsys.readouterr().out
    assert (tmp_path / "g-feedback" / "zoe.md").exists()
    assert main(["grade", str(tmp_path / "empty"), "--out", str(tmp_path / "g.csv")]) == 2


def test_student_names() -> None:
    assert student_name("box/alice/01-claims.ipynb", "01-claims") == "alice"
    assert student_name("box/Bob Li_01-claims (2).ipynb", "01-claims") == "Bob_Li"
    assert student_name("box/carol/homework.ipynb", None) == "carol"


def test_teaching_guide_is_up_to_date() -> None:
    text = TEACHING_DOC.read_text(encoding="utf-8")
    assert updated_document(text, NOTEBOOKS) == text, (
        "docs/teaching.md is out of date: run python -m mgedu exercises --update-docs docs/teaching.md"
    )


def test_a_teachers_own_key_folder_is_used_in_the_kernel_and_the_grader(hostile: dict) -> None:
    rows_ = hostile["by_student"]["custom"].rows
    assert [(r.question, r.status, r.points) for r in rows_] == [("98.1", "correct", 1.0)]
