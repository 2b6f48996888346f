"""Release then grade the real notebooks: teacher full marks, untouched copies zero, the rest exact.

Every test works on the notebooks in ``notebooks/`` as they are when the suite runs; notebooks without
exercises are skipped. Kernel runs are shared through module-scoped fixtures (one batch of ordinary
submissions); hostile submissions are graded in tests/test_sandbox.py.
"""

from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from classroom_helpers import (
    EXERCISES,
    NOTEBOOKS,
    REPO,
    WITH_EXERCISES,
    answer_with_solution,
    cells_for,
    digest_tree,
    expected_ids,
    grading_isolation,
)
from classroom_helpers import scenario_notebook as pick_scenario_notebook

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
)
from mgedu.classroom.teaching import updated_document
from mgedu.exercises import evaluate

TEACHING_DOC = REPO / "docs" / "teaching.md"
pytestmark = pytest.mark.skipif(not WITH_EXERCISES, reason="no notebook has exercises yet")
ISOLATION = grading_isolation()


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    before = digest_tree(NOTEBOOKS)
    out = tmp_path_factory.mktemp("release") / "student"
    report = release(out, NOTEBOOKS)
    assert digest_tree(NOTEBOOKS) == before, "release must never touch notebooks/"
    CLEARED.update({r.name: {cell for cell, _ in r.outputs_cleared} for r in report})
    return out


CLEARED: dict[str, set[int]] = {}


@pytest.fixture(scope="module")
def teacher_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "teacher"
    release(out, NOTEBOOKS, teacher=True)
    return out


@pytest.fixture(scope="module")
def scenario_notebook() -> Path:
    return pick_scenario_notebook()


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
    return grade_submissions([root], timeout=300, jobs=2, isolation=ISOLATION)


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
    results = grade_submissions([root], timeout=180, jobs=2, isolation=ISOLATION)
    return {"results": results, "name": name, "auto": auto, "deleted": deleted, "root": root}


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
        if len(ln.strip()) >= 20  # a shorter line ('treatment works.') is a phrase other text may also hold
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
    others = [(i, c) for i, c in enumerate(student.cells) if not is_tagged(c, "solution-placeholder")]
    assert [c.source for _, c in others] == [c.source for c in kept]
    for t, (index, s) in zip(kept, others, strict=True):
        if t.cell_type == "code" and not is_tagged(t, EXERCISE_TAG):
            # Outputs that show an answer are cleared (and reported); every other one is kept.
            assert s.outputs == ([] if index in CLEARED[path.stem] else t.outputs)


NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def shown_numbers(cell: nbformat.NotebookNode) -> set[float]:
    """Every number in a cell's stored outputs with a decimal mark or of 100 and more (as a student sees them)."""
    texts = []
    for output in cell.get("outputs", []):
        texts.append(str(output.get("text", "")))
        texts += [str(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]  # not image bytes
        texts.append(json.dumps(output.get("metadata", {})))  # alt text of figures
    text = " ".join(texts)
    values = set()
    for token in NUMBER.findall(text):
        if "." in token or "," in token or abs(int(token)) >= 100:
            values.add(float(token.replace(",", ".")))
    return values


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_no_answer_in_a_released_copys_stored_outputs(released: Path, path: Path) -> None:
    """A student who tries every number a released copy shows with check() finds none of its numeric answers.

    Every released notebook is tried. Numbers a notebook teaches can also answer another notebook's
    practice question (notebook 01 explains that 12.4 mmol is about 301 mg): practice answers are
    formative, and graded numeric items use per-student numbers, never the practice question's
    (tests/test_variants.py).
    """
    student = nbformat.read(released / path.name, as_version=4)
    numeric = [ex for ex in EXERCISES.values() if ex.notebook == path.stem and ex.kind == "numeric"]
    found = {
        (index, ex.id)
        for index, cell in enumerate(student.cells)
        for value in shown_numbers(cell)
        for ex in numeric
        if evaluate(ex.id, value).correct
    }
    assert not found, f"stored outputs show answers: {sorted(found)}"


def test_release_refuses_typed_answers_or_clears_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "teacher"
    source.mkdir()
    path = WITH_EXERCISES[0]
    nb = nbformat.read(path, as_version=4)
    (index,) = [i for i, c in enumerate(nb.cells) if is_tagged(c, EXERCISE_TAG)][:1]
    qid = question_ids(str(nb.cells[index].source))[0]
    nb.cells[index].source = (
        str(nb.cells[index].source)
        .replace("answer = ...", "answer = 4242.5", 1)
        .replace('answer = ""', 'answer = "my typed answer"', 1)
    )
    nbformat.write(nb, source / path.name)
    for extra in ("mgedu-course.json", "marks.csv", "grades.csv"):
        (source / extra).write_text("teacher only", encoding="utf-8")
    (source / "picture.txt").write_text("for students", encoding="utf-8")
    with pytest.raises(ValueError, match=f"(?s)typed answers.*{path.stem} {qid}: answer = "):
        release(tmp_path / "out", source)
    assert not (tmp_path / "out").exists()
    assert main(["release", "--out", str(tmp_path / "out"), "--source", str(source), "--clear-answers"]) == 0
    assert "cleared a typed answer" in capsys.readouterr().out
    copy_ = nbformat.read(tmp_path / "out" / path.name, as_version=4)
    text = str(copy_.cells[[i for i, c in enumerate(copy_.cells) if is_tagged(c, EXERCISE_TAG)][0]].source)
    assert "4242.5" not in text and "my typed answer" not in text and ("answer = ..." in text or 'answer = ""' in text)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([path.name, "picture.txt", "README.md"])


def test_release_refuses_a_folder_inside_a_repository_unless_told(tmp_path: Path) -> None:
    (tmp_path / "fork" / ".git").mkdir(parents=True)
    names = [WITH_EXERCISES[0].stem]
    with pytest.raises(ValueError, match="inside the git repository.*--inside-repo"):
        release(tmp_path / "fork" / "student", NOTEBOOKS, names=names)
    assert [
        r.name for r in release(tmp_path / "fork" / "student", NOTEBOOKS, names=names, inside_repository=True)
    ] == names


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
    assert sorted(r.question for r in questions) == sorted(i for p in WITH_EXERCISES for i in expected_ids(p.stem))
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


def test_grades_csv_and_feedback(graded: dict, tmp_path: Path) -> None:
    out = write_grades(graded["results"], tmp_path / "grades.csv")
    with open(out, newline="", encoding="utf-8-sig") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0])[:7] == ["student", "name", "notebook", "question", "points", "max", "status"]
    assert len(table) == sum(len(r.rows) for r in graded["results"])
    one = [r for r in graded["results"] if r.student == "one"]
    text = render_feedback("one", one)
    assert "1 of" in text and "no answer yet" in text
    for ex in EXERCISES.values():
        assert not any(h in text for h in ex.accept)


def test_grade_command_line_reports_a_non_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in" / "zoe").mkdir(parents=True)
    (tmp_path / "in" / "zoe" / "01-claims.pdf").write_bytes(b"%PDF-1.4")
    unsafe = [] if ISOLATION.sandboxed else ["--no-sandbox"]
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "g.csv"), *unsafe]) == 0
    assert "not-a-notebook 1" in capsys.readouterr().out
    assert (tmp_path / "g-feedback" / "zoe.md").exists()
    assert main(["grade", str(tmp_path / "empty"), "--out", str(tmp_path / "h.csv"), *unsafe]) == 2
    assert main(["grade", str(tmp_path / "in"), "--out", str(tmp_path / "g.csv"), *unsafe]) == 2
    assert "pass --update" in capsys.readouterr().err


def test_student_names() -> None:
    assert student_name("box/alice/01-claims.ipynb", "01-claims") == "alice"
    assert student_name("box/Bob Li_01-claims (2).ipynb", "01-claims") == "Bob_Li"
    assert student_name("box/carol/homework.ipynb", None) == "carol"


def test_teaching_guide_is_up_to_date() -> None:
    text = TEACHING_DOC.read_text(encoding="utf-8")
    assert updated_document(text, NOTEBOOKS) == text, (
        "docs/teaching.md is out of date: run python -m mgedu exercises --update-docs docs/teaching.md"
    )
