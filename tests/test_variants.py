"""Per-student numbers: the spec, the secret, the per-student copies, and grading against each student's own answer.

Every case comes from ``mgedu/data/variants.json`` and the notebooks as they are: replacing the spec's
entries (for a rewritten notebook's new exercises) changes what is tested, not the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest
from classroom_helpers import NOTEBOOKS, grading_isolation

from mgedu.__main__ import main
from mgedu.classroom.course import Course, init_course, load_course, variant_values
from mgedu.classroom.gradebook import read_long
from mgedu.classroom.personal import personalise
from mgedu.classroom.release import (
    EXERCISE_TAG,
    SOLUTION_TAG,
    is_tagged,
    make_student_copy,
    question_ids,
    solution_code,
)
from mgedu.exercises import evaluate, load_exercises
from mgedu.tables import package_data_dir
from mgedu.validation import validate
from mgedu.variants import (
    check_variant,
    corner_values,
    expected_answer,
    load_variants,
    prompt_for,
    student_numbers,
    variant_problems,
    variant_tolerance,
)

EXERCISES = load_exercises()
VARIANTS = load_variants()
CASES = sorted(VARIANTS)
COURSE = Course("demo", bytes(range(32)), Path("mgedu-course.json"))
CLASS = [f"s{i:03}" for i in range(30)]


def notebook_of(qid: str) -> Path:
    return NOTEBOOKS / f"{EXERCISES[qid].notebook}.ipynb"


def test_the_spec_fits_the_answer_keys() -> None:
    assert VARIANTS, "variants.json lists no exercise"
    assert variant_problems() == []


def test_a_broken_spec_is_reported_entry_by_entry_also_by_the_data_check(tmp_path: Path) -> None:
    qid = CASES[0]
    good = json.loads((package_data_dir() / "variants.json").read_text(encoding="utf-8"))["variants"][qid]
    choice = next(ex.id for ex in EXERCISES.values() if ex.kind == "choice")
    spec = {
        "format": 1,
        "variants": {
            "99.9": good,
            choice: good,
            qid: {**good, "prompt": "Real numbers: {nothing}."},
            "98.1": {**good, "function": "os:system"},
            "98.2": {**good, "function": "mgedu.doses:no_such_function"},
        },
    }
    data = tmp_path / "data"
    shutil.copytree(package_data_dir(), data, ignore=shutil.ignore_patterns("exercises", "__pycache__"))
    (data / "variants.json").write_text(json.dumps(spec), encoding="utf-8")
    found = [str(p) for p in variant_problems(data / "variants.json")]
    assert "variants.json:0:99.9.id: no exercise 99.9 in the answer keys" in found
    assert f"variants.json:0:{choice}.id: exercise {choice} is a choice item; only numeric ones vary" in found
    assert any(f"{qid}.prompt: must show exactly the parameters" in p for p in found)
    assert any(f"{qid}.prompt: must say its numbers are 'made-up'" in p for p in found)
    assert any("98.1.function: variant 98.1: function must be 'mgedu.module:name'" in p for p in found)
    assert any("98.2.function: variant 98.2: mgedu.doses:no_such_function is not a function" in p for p in found)
    assert {str(p) for p in validate(data_folder=data)} >= set(found)
    failing = {**good, "params": {name: {"min": -5, "max": -1} for name in good["params"]}}
    (data / "variants.json").write_text(json.dumps({"variants": {qid: failing}}), encoding="utf-8")
    assert [p.column for p in variant_problems(data / "variants.json")] == [f"{qid}.params"]


@pytest.mark.parametrize("qid", CASES)
def test_each_variant_fits_its_exercise_in_the_notebook(qid: str) -> None:
    """The spec's function is the one the worked solution uses; the copy shows each student's own numbers."""
    variant = VARIANTS[qid]
    teacher = nbformat.read(notebook_of(qid), as_version=4)
    (worked,) = [
        solution_code(c) for c in teacher.cells if is_tagged(c, SOLUTION_TAG) and qid in question_ids(solution_code(c))
    ]
    assert variant.function.split(":")[1] + "(" in worked, (
        f"variants.json computes {qid} with {variant.function}, but its worked solution does not call it: "
        "is the entry still about this exercise?"
    )
    student_copy = make_student_copy(teacher, EXERCISES[qid].notebook)
    numbers = []
    for student in CLASS[:6]:
        mine, shown = personalise(student_copy, COURSE, student)
        values = shown[qid]
        numbers.append(tuple(values.values()))
        for name, spec in variant.params.items():
            assert values[name] in spec["choices"] if "choices" in spec else spec["min"] <= values[name] <= spec["max"]
        (cell,) = [c for c in mine.cells if is_tagged(c, EXERCISE_TAG) and f'"{qid}"' in str(c.source)]
        arguments = ", ".join(f"{k}={v!r}" for k, v in values.items())
        assert f'check_variant("{qid}", answer, {arguments})' in cell.source
        (question,) = [c for c in mine.cells if str(c.source).startswith(f"### Exercise {qid} · ")]
        heading, prompt = str(question.source).split("\n\n", 1)
        assert prompt == prompt_for(qid, values) and "\n" not in heading, "heading kept, the prompt replaced"
    assert len(set(numbers)) > 1, "students get different numbers"


@pytest.mark.parametrize("qid", CASES)
def test_check_variant_and_the_grader_judge_against_the_copys_own_numbers(
    qid: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variant = VARIANTS[qid]
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    tolerance = variant_tolerance(qid)
    unit = EXERCISES[qid].unit
    mine = student_numbers(COURSE, CLASS[0], qid)
    right = expected_answer(qid, mine)
    assert check_variant(qid, right, **mine).correct
    assert check_variant(qid, f"{right:.6f} {unit}".replace(".", ","), **mine).correct, "a decimal comma is a decimal"
    assert not check_variant(qid, right + 3 * tolerance + 0.01, **mine).correct
    assert check_variant(qid, ..., **mine).status == "unanswered"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0]["values"] == mine and len(records) == 4
    # Over a class, a neighbour's answer is wrong for you, and the shipped key (which checks the practice
    # question, whose answer the notebooks also teach) accepts nobody's: such draws are replaced.
    answers = {s: expected_answer(qid, student_numbers(COURSE, s, qid)) for s in CLASS}
    neighbours_right = sum(abs(answers[a] - answers[b]) <= tolerance for a, b in zip(CLASS, CLASS[1:], strict=False))
    assert neighbours_right <= len(CLASS) // 4, f"{neighbours_right} neighbours share an answer"
    assert not [s for s, value in answers.items() if evaluate(qid, value).correct]
    practice = [
        s
        for s in (f"p{i:04}" for i in range(2000))
        if evaluate(qid, expected_answer(qid, variant_values(COURSE, s, qid, variant.params))).correct
    ]
    if practice:  # a first draw that gave the practice answer was replaced, by the same numbers everywhere
        replaced = student_numbers(COURSE, practice[0], qid)
        assert not evaluate(qid, expected_answer(qid, replaced)).correct
        assert replaced == student_numbers(COURSE, practice[0], qid)
    for values in corner_values(variant):
        assert check_variant(qid, expected_answer(qid, values), **values).correct, values


def test_the_secret_is_made_once_private_and_derives_stable_different_numbers(tmp_path: Path) -> None:
    path = init_course(tmp_path, "demo")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(ValueError, match="keeps its secret"):
        init_course(tmp_path)
    course = load_course(path)
    assert "secret" not in repr(course) or "hidden" in repr(course)
    qid = CASES[0]
    params = VARIANTS[qid].params
    class_numbers = [variant_values(course, s, qid, params) for s in CLASS]
    assert class_numbers == [variant_values(course, s, qid, params) for s in CLASS]
    assert len({json.dumps(v) for v in class_numbers}) >= 10, "neighbours get different numbers"
    other = load_course(init_course(tmp_path / "other"))
    assert [variant_values(other, s, qid, params) for s in CLASS] != class_numbers


def test_a_variant_exercise_that_personalise_cannot_rewrite_is_refused_by_name() -> None:
    qid = CASES[0]
    teacher = nbformat.read(notebook_of(qid), as_version=4)
    copy_ = make_student_copy(teacher, EXERCISES[qid].notebook)
    (cell,) = [c for c in copy_.cells if is_tagged(c, EXERCISE_TAG) and qid in question_ids(str(c.source))]
    cell.source = str(cell.source).replace(f'check("{qid}", answer)', f'check("{qid}", my_answer)')
    with pytest.raises(ValueError, match=rf"exercise {qid} has a variant.*does not call check\('{qid}', answer\)"):
        personalise(copy_, COURSE, "s001")


def test_per_student_copies_and_grading_against_each_students_own_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One release and one grading batch for every variant exercise: each student's own answers are right,
    a classmate's copied answers are wrong (where their numbers differ)."""
    isolation = grading_isolation()
    unsafe = [] if isolation.sandboxed else ["--no-sandbox"]
    course_file = init_course(tmp_path, "demo")
    course = load_course(course_file)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns001,Ana Pérez\ns002,Bo Li\n", encoding="utf-8")
    by_notebook: dict[str, list[str]] = defaultdict(list)
    for qid in CASES:
        by_notebook[EXERCISES[qid].notebook].append(qid)
    copies = tmp_path / "copies"
    only = [arg for name in by_notebook for arg in ("--only", name)]
    release = ["release", "--out", str(copies), "--source", str(NOTEBOOKS), *only]
    assert main([*release, "--course", str(course_file), "--roster", str(roster)]) == 0
    mine = {s: {q: student_numbers(course, s, q) for q in CASES} for s in ("s001", "s002")}
    for student in mine:
        for notebook, ids in by_notebook.items():
            nb = nbformat.read(copies / student / f"{notebook}.ipynb", as_version=4)
            text = "\n".join(str(c.source) for c in nb.cells)
            assert nb.metadata["mgedu"]["student"] == student
            for qid in ids:
                assert prompt_for(qid, mine[student][qid]) in text
    # Ana computes her own answers with mgedu and types them as text with a decimal comma ("241,2 mg");
    # Bo copies Ana's numbers' answers into his copy, except the first, which he types ambiguously.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ambiguous = CASES[0]
    for student, source in (("s001", "s001"), ("s002", "s001")):
        for notebook, ids in by_notebook.items():
            cells = ["from mgedu.variants import check_variant, expected_answer"]
            for qid in ids:
                values = mine[student][qid]
                answer = f"expected_answer({qid!r}, {mine[source][qid]!r})"
                if student == "s001":
                    answer = f"format({answer}, '.4f').replace('.', ',') + ' {EXERCISES[qid].unit}'"
                elif qid == ambiguous:
                    answer = repr(f"1,234 {EXERCISES[qid].unit}")
                cells.append(f"answer = {answer}\ncheck_variant({qid!r}, answer, **{values!r})")
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
            nbformat.write(nb, inbox / f"{student}_{notebook}.ipynb")
    out = tmp_path / "grades.csv"
    grade = ["grade", str(inbox), "--out", str(out), "--course", str(course_file), "--timeout", "90", *unsafe]
    assert main([*grade, "--roster", str(roster)]) == 0
    rows = {(r.student, r.question): r for r in read_long(out) if r.question in VARIANTS}
    for qid in CASES:
        assert rows[("s001", qid)].status == "correct", rows[("s001", qid)]
        ana, bo = (expected_answer(qid, mine[s][qid]) for s in ("s001", "s002"))
        assert float(rows[("s001", qid)].answer) == pytest.approx(ana, abs=1e-3), "read as a decimal, not x10,000"
        if qid != ambiguous and abs(ana - bo) > variant_tolerance(qid):
            assert rows[("s002", qid)].status == "incorrect", "a neighbour's answer is wrong for your numbers"
    # "1,234" could be 1234 or 1.234: not marked either way, and Bo's feedback says why and how to write it.
    assert rows[("s002", ambiguous)].status == "invalid" and rows[("s002", ambiguous)].points == 0
    bo_feedback = (tmp_path / "grades-feedback" / "s002.md").read_text(encoding="utf-8")
    assert f"{ambiguous} · not checked: '1,234' is ambiguous (1234 or 1.234?)" in bo_feedback
    assert "write it without the comma, or with a decimal point" in bo_feedback
    assert main([*grade, "--out", str(tmp_path / "g2.csv")]) == 2
    assert "needs the roster" in capsys.readouterr().err
