"""Per-student numbers: the spec, the secret, the per-student copies, and grading against each student's own answer."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import nbformat
import pytest
from classroom_helpers import NOTEBOOKS, grading_isolation

from mgedu.__main__ import main
from mgedu.classroom.course import init_course, load_course, variant_values
from mgedu.classroom.gradebook import read_long
from mgedu.exercises import evaluate, load_exercises
from mgedu.variants import check_variant, expected_answer, load_variants, prompt_for

EXERCISES = load_exercises()
VARIANTS = load_variants()


def test_every_variant_is_a_numeric_exercise_whose_function_works_over_its_whole_range() -> None:
    assert VARIANTS
    for qid, variant in VARIANTS.items():
        assert EXERCISES[qid].kind == "numeric", qid
        assert variant.function.startswith("mgedu.")
        for end in ("min", "max"):
            values = {name: spec[end] for name, spec in variant.params.items()}
            assert expected_answer(qid, values) > 0, (qid, values)
            text = prompt_for(qid, values)
            assert "made-up" in text, "a variant says its numbers are hypothetical: the originals quote real trials"


def test_the_secret_is_made_once_private_and_derives_stable_different_numbers(tmp_path: Path) -> None:
    path = init_course(tmp_path, "demo")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(ValueError, match="keeps its secret"):
        init_course(tmp_path)
    course = load_course(path)
    assert "secret" not in repr(course) or "hidden" in repr(course)
    params = VARIANTS["4.1"].params
    class_numbers = [variant_values(course, f"s{i:03}", "4.1", params)["mmol"] for i in range(30)]
    assert class_numbers == [variant_values(course, f"s{i:03}", "4.1", params)["mmol"] for i in range(30)]
    assert len(set(class_numbers)) >= 20, "neighbours get different numbers"
    other = load_course(init_course(tmp_path / "other"))
    assert [variant_values(other, f"s{i:03}", "4.1", params)["mmol"] for i in range(30)] != class_numbers


def test_check_variant_checks_the_copys_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    right = expected_answer("4.1", {"mmol": 9.5})
    assert check_variant("4.1", right, mmol=9.5).correct
    assert check_variant("4.1", f"{right:.1f}".replace(".", ","), mmol=9.5).correct, "a decimal comma is a decimal"
    assert not check_variant("4.1", right, mmol=12.0).correct
    assert check_variant("4.1", ..., mmol=9.5).status == "unanswered"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0]["values"] == {"mmol": 9.5} and len(records) == 4


def test_per_student_copies_and_grading_against_each_students_own_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    isolation = grading_isolation()
    unsafe = [] if isolation.sandboxed else ["--no-sandbox"]
    course_file = init_course(tmp_path, "demo")
    course = load_course(course_file)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns001,Ana Pérez\ns002,Bo Li\ns003,Cy Ng\n", encoding="utf-8")
    notebook = EXERCISES["4.1"].notebook
    copies = tmp_path / "copies"
    assert (
        main(
            [
                "release",
                "--out",
                str(copies),
                "--source",
                str(NOTEBOOKS),
                "--only",
                notebook,
                "--course",
                str(course_file),
                "--roster",
                str(roster),
            ]
        )
        == 0
    )
    mine = {s: variant_values(course, s, "4.1", VARIANTS["4.1"].params) for s in ("s001", "s002", "s003")}
    for student, values in mine.items():
        nb = nbformat.read(copies / student / f"{notebook}.ipynb", as_version=4)
        text = "\n".join(str(c.source) for c in nb.cells)
        assert prompt_for("4.1", values) in text and f'check_variant("4.1", answer, mmol={values["mmol"]!r})' in text
        assert nb.metadata["mgedu"]["student"] == student
    # Ana computes her own answer; Bo copies Ana's; Cy answers the shipped (practice) question.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    answers = {
        "s001": f"from mgedu.doses import mmol_to_mg\nanswer = mmol_to_mg({mine['s001']['mmol']})",
        "s002": f"answer = {expected_answer('4.1', mine['s001']):.2f}",
        "s003": "from mgedu.doses import mmol_to_mg\nanswer = mmol_to_mg(12.4)",
    }
    for student, code in answers.items():
        values = mine[student]
        cell = f"{code}\nfrom mgedu.variants import check_variant\ncheck_variant('4.1', answer, mmol={values['mmol']})"
        nbformat.write(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)]), inbox / f"{student}_{notebook}.ipynb"
        )
    assert evaluate("4.1", "301.4").correct, "the shipped key still checks the practice question"
    out = tmp_path / "grades.csv"
    assert (
        main(
            [
                "grade",
                str(inbox),
                "--out",
                str(out),
                "--roster",
                str(roster),
                "--course",
                str(course_file),
                "--timeout",
                "60",
                *unsafe,
            ]
        )
        == 0
    )
    rows = {r.student: r for r in read_long(out) if r.question == "4.1"}
    assert rows["s001"].status == "correct"
    if mine["s001"] != mine["s002"]:
        assert rows["s002"].status == "incorrect", "a neighbour's answer is wrong for your numbers"
    assert rows["s003"].status == "incorrect", "the shipped hashes do not give a student's answer"
    assert main(["grade", str(inbox), "--out", str(tmp_path / "g2.csv"), "--course", str(course_file), *unsafe]) == 2
    assert "needs the roster" in capsys.readouterr().err
