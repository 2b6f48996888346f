"""Self-check exercises: the keys hold no answers, feedback never leaks one, checks log what the grader needs.

Also checks every concept tag against the IHC Key Concepts 2019 table. The notebooks' exercise
conventions are checked in tests/test_conventions.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgedu import exercises as exmod
from mgedu.attempts import ATTEMPTS_MIME, ATTEMPTS_VARIABLE, forget_attempts, read_attempts
from mgedu.classroom.concepts import load_key_concepts
from mgedu.exercise_keys import SKILLS, right_letters, seal, unseal
from mgedu.exercises import (
    answered,
    canonical_answer,
    check,
    choices_markdown,
    evaluate,
    exercise_table,
    load_exercises,
    make_entry,
    read_key_file,
    save_entry,
)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
KEY_FILES = sorted((REPO / "mgedu" / "data" / "exercises").glob("*.json"))
ENTRY_FIELDS = {
    "id",
    "notebook",
    "title",
    "kind",
    "concepts",
    "difficulty",
    "hint",
    "points",
    "unit",
    "tolerance",
    "choices",
    "salt",
    "accept",
    "skill",
    "sealed",
    "words",
}


def write_keys(folder: Path, entries: list[dict], notebook: str = "98-test") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook[:2]}.json"
    path.write_text(json.dumps({"notebook": notebook, "exercises": entries}, indent=1), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def fresh_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no attempt history, kept in memory only."""
    monkeypatch.setenv(ATTEMPTS_VARIABLE, "")
    forget_attempts()


COMMON = {
    "notebook": "98-test",
    "concepts": ["2.3d"],
    "hint": "Look at the study's n.",
    "second_hint": "The study had 10 people.",
    "salt": "s",
}
CHOICES = ["Ten people were enough.", "It had no control group.", "The dose was too high."]
FEEDBACK = {"a": "Ten is a small number for a trial.", "c": "The dose was within the usual range."}


@pytest.fixture
def extra_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key folder with one exercise of each kind, made visible through MGEDU_EXERCISE_KEYS."""
    common = COMMON
    entries = [
        make_entry(
            "98.1",
            301.4,
            kind="numeric",
            tolerance=2,
            unit="mg",
            title="dose",
            skill="procedure",
            because="12.4 mmol times the molar mass.",
            **common,
        ),
        make_entry(
            "98.2",
            "b",
            kind="choice",
            choices=CHOICES,
            title="pick",
            skill="judgement",
            feedback=FEEDBACK,
            because="Without a control group, the placebo response is included.",
            **common,
        ),
        make_entry("98.3", ["open-label", "open label"], kind="text", title="design", skill="recall", **common),
        make_entry("98.4", None, kind="written", title="explain", points=2, skill="transfer", words=(3, 6), **common),
    ]
    folder = tmp_path / "keys"
    write_keys(folder, entries)
    monkeypatch.setenv(exmod.KEYS_VARIABLE, str(folder))
    return folder


# --- the packaged key files -------------------------------------------------------------------------


@pytest.mark.parametrize("path", KEY_FILES, ids=[p.name for p in KEY_FILES])
def test_key_file_is_consistent(path: Path) -> None:
    payload = json.loads(path.read_text(encoding="utf-8"))
    # NN.json holds notebook NN's exercises N.k; quiz.json the quiz's questions Q.k.
    number = str(int(path.stem)) if path.stem.isdigit() else path.stem[0].upper()
    assert payload["notebook"].startswith(f"{path.stem}-")
    for raw in payload["exercises"]:
        assert set(raw) <= ENTRY_FIELDS, f"{path.name}: unexpected fields {set(raw) - ENTRY_FIELDS}"
        assert re.fullmatch(rf"{number}\.\d+", raw["id"]), f"{path.name}: id {raw['id']} is not '{number}.k'"
        assert raw["notebook"] == payload["notebook"]
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in raw["accept"]), "accept holds hashes only"
        if raw["kind"] != "written":
            assert raw["accept"], f"{raw['id']}: no accepted answer"
    assert read_key_file(path)


def test_every_concept_tag_is_a_2019_key_concept() -> None:
    codes = set(load_key_concepts().code.astype(str))
    wrong = {ex.id: [c for c in ex.concepts if c not in codes] for ex in load_exercises().values()}
    wrong = {k: v for k, v in wrong.items() if v}
    assert not wrong, f"concept codes not in the IHC Key Concepts 2019 list (mgedu/data/key_concepts.csv): {wrong}"


def test_key_concepts_table_is_the_2019_list() -> None:
    table = load_key_concepts()
    assert len(table) == 49
    assert table.groupby("domain", observed=True).size().to_dict() == {
        "claims": 20,
        "comparisons": 19,
        "choices": 10,
    }
    for row in table.itertuples():
        assert row.group == row.code[:3]
        assert row.domain == {"1": "claims", "2": "comparisons", "3": "choices"}[row.code[0]]
        assert row.source.strip()


def test_exercise_table_lists_every_exercise_in_order() -> None:
    table = exercise_table()
    assert list(table.id) == sorted(load_exercises(), key=exmod.sort_key)
    assert table.points.gt(0).all()
    with pytest.raises(ValueError, match="notebook must be one of"):
        exercise_table("99-nope")


# --- checking ----------------------------------------------------------------------------------------


def test_numeric_answers_within_tolerance_and_units(extra_keys: Path) -> None:
    assert evaluate("98.1", 301.4).correct
    assert evaluate("98.1", 303.3).correct
    assert evaluate("98.1", "300 mg").correct
    assert evaluate("98.1", 304.5).status == "incorrect"
    assert evaluate("98.1", "300 g").status == "invalid"
    assert evaluate("98.1", float("nan")).status == "invalid"
    assert evaluate("98.1", True).status == "invalid"
    assert evaluate("98.1", ...).status == "unanswered"


def test_a_decimal_comma_typed_as_text_is_a_decimal_mark(extra_keys: Path) -> None:
    for typed in ("301,4", "301,4 mg", " 301,4mg ", "301.4", "3.014e2"):
        assert evaluate("98.1", typed).correct, typed
    assert exmod.canonical_answer("98.1", "301,4 mg") == pytest.approx(301.4), "the log gets the number read"
    assert evaluate("98.1", "3014").status == "incorrect"
    ambiguous = evaluate("98.1", "1,234 mg")
    assert ambiguous.status == "invalid" and "'1,234' is ambiguous" in ambiguous.message
    assert "asks for mg" in evaluate("98.1", "301,4 g").message
    assert evaluate("98.1", "about three hundred").status == "invalid"
    assert check("98.1", "301,4 mg").correct, "check itself, as a learner calls it"
    refused = check("98.1", "1,234 mg")
    assert refused.status == "invalid" and "write it without the comma, or with a decimal point" in refused.message


def test_choice_text_and_written_answers(extra_keys: Path) -> None:
    assert evaluate("98.2", " B ").correct
    assert evaluate("98.2", "It had no control group.").correct, "the option's text counts as its letter"
    assert evaluate("98.2", "a").status == "incorrect"
    assert evaluate("98.2", "z").status == "invalid"
    assert evaluate("98.3", "Open Label.").correct
    assert evaluate("98.3", "double-blind").status == "incorrect"
    written = evaluate("98.4", "Because the groups differed.")
    assert written.status == "recorded" and "4 words; within the range of 3-6 asked for" in written.message
    assert "fewer than the range of 3-6" in evaluate("98.4", "Too short").message
    assert "more than the range" in evaluate("98.4", "one two three four five six seven").message
    assert evaluate("98.9", 1).status == "invalid" and "Did you mean" in evaluate("98.9", 1).message


def test_each_wrong_option_gets_its_own_feedback_and_a_right_one_its_because(extra_keys: Path) -> None:
    right = evaluate("98.2", "b")
    assert right.message == "98.2 · correct. Because: Without a control group, the placebo response is included."
    for letter, why in FEEDBACK.items():
        first = evaluate("98.2", letter)
        assert first.message == f"98.2 · not yet: {why} Hint: {COMMON['hint']}"
        assert "b)" not in first.message and CHOICES[1] not in first.message
    second = evaluate("98.2", "c", earlier_wrong=1)
    assert second.message == f"98.2 · not yet: {FEEDBACK['c']} A closer hint: {COMMON['second_hint']}"
    assert evaluate("98.1", 1.0).message == f"98.1 · not yet. Hint: {COMMON['hint']}"
    assert evaluate("98.1", 1.0, earlier_wrong=2).message.endswith(f"A closer hint: {COMMON['second_hint']}")


def test_check_gives_the_closer_hint_on_a_second_different_wrong_answer(extra_keys: Path) -> None:
    assert "closer hint" not in check("98.1", 1.0).message
    assert "closer hint" not in check("98.1", 1.0).message, "the same wrong answer again is not a new try"
    assert "closer hint" in check("98.1", 2.0).message
    assert "closer hint" in check("98.1", 1.0).message


def test_first_and_last_attempts_travel_in_the_check_output(extra_keys: Path) -> None:
    assert check("98.2", ...).attempts is None, "a blank is not an attempt"
    assert check("98.2", "z").attempts is None, "an unreadable answer is not an attempt"
    check("98.2", "a")
    check("98.2", "a")
    last = check("98.2", " B")
    record = last._repr_mimebundle_()[ATTEMPTS_MIME]
    assert record == {
        "format": 1,
        "question": "98.2",
        "tries": 2,
        "first": {"answer": "a", "status": "incorrect"},
        "last": {"answer": "b", "status": "correct"},
    }
    assert last._repr_mimebundle_()["text/plain"] == last.message
    assert answered("98.2") and not answered("98.3")


def notebook_with_outputs(*bundles: dict) -> nbformat.NotebookNode:
    cells = []
    for bundle in bundles:
        cell = nbformat.v4.new_code_cell("check(...)")
        cell.outputs = [nbformat.v4.new_output("execute_result", data=bundle, execution_count=1)]
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


def test_read_attempts_rechecks_what_the_notebook_file_holds(extra_keys: Path, tmp_path: Path) -> None:
    check("98.1", 250)
    first = check("98.1", "301 mg")._repr_mimebundle_()
    forged = {
        "format": 1,
        "question": "98.2",
        "tries": 1,
        "first": {"answer": "a", "status": "correct"},
        "last": {"answer": "a", "status": "correct"},
    }
    junk = [
        {ATTEMPTS_MIME: "not json"},
        {ATTEMPTS_MIME: {"question": 3}},
        {ATTEMPTS_MIME: {**forged, "first": {"answer": ["list"], "status": "correct"}}},
    ]
    unknown = {**forged, "question": "77.1"}
    nb = notebook_with_outputs(
        first, {ATTEMPTS_MIME: forged}, *junk, {ATTEMPTS_MIME: unknown}, {"text/plain": "no record"}
    )
    path = tmp_path / "handed-in.ipynb"
    nbformat.write(nb, path)
    found = read_attempts(path)
    assert sorted(found) == ["77.1", "98.1", "98.2"]
    assert (found["98.1"].first_answer, found["98.1"].first_status) == (250.0, "incorrect")
    assert (found["98.1"].last_answer, found["98.1"].last_status, found["98.1"].tries) == (301.0, "correct", 2)
    assert found["98.2"].first_status == "incorrect", "a forged status is re-checked against the key"
    assert found["77.1"].rechecked is False and found["77.1"].first_status == "correct"
    # the record with the most tries wins when a cell was copied
    fewer = {**forged, "tries": 0}
    assert read_attempts(notebook_with_outputs({ATTEMPTS_MIME: forged}, {ATTEMPTS_MIME: fewer}))["98.2"].tries == 1


def test_attempts_survive_a_kernel_restart_through_the_attempts_file(
    extra_keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "attempts.json"
    monkeypatch.setenv(ATTEMPTS_VARIABLE, str(store))
    check("98.1", 250)
    forget_attempts()  # a restart: memory is gone, the file is not
    record = check("98.1", 301.4).attempts
    assert record is not None and record["first"] == {"answer": 250.0, "status": "incorrect"}
    store.write_text("{broken", encoding="utf-8")
    forget_attempts()
    assert check("98.1", 301.4).attempts["tries"] == 1, "a damaged file starts a fresh history, no error"


def test_nothing_is_kept_on_disk_while_grading(
    extra_keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mgedu.attempts import attempts_path

    monkeypatch.delenv(ATTEMPTS_VARIABLE)
    monkeypatch.setenv(exmod.LOG_VARIABLE, str(tmp_path / "log.jsonl"))
    assert attempts_path() is None
    monkeypatch.delenv(exmod.LOG_VARIABLE)
    assert attempts_path() is None, "outside a Jupyter kernel nothing is written either"


@settings(max_examples=80, deadline=None)
@given(
    target=st.floats(min_value=-5000, max_value=5000, allow_nan=False).map(lambda x: round(x, 2)),
    tolerance=st.sampled_from([0.05, 0.5, 1.0, 2.5, 10.0]),
    guess=st.floats(min_value=-6000, max_value=6000, allow_nan=False),
)
def test_feedback_never_depends_on_the_answer(target: float, tolerance: float, guess: float) -> None:
    entry = make_entry(
        "97.1",
        target,
        kind="numeric",
        tolerance=tolerance,
        unit="mg",
        notebook="97-x",
        title="t",
        concepts=["2.3d"],
        skill="procedure",
        hint="Use the dose table.",
        second_hint="Multiply by the share.",
        salt="x",
    )
    keys = {"97.1": exmod._exercise_from_dict(entry, "test")}
    feedback = evaluate("97.1", guess, exercises=keys)
    if abs(guess - target) <= tolerance:
        assert feedback.correct
    if abs(guess - target) > tolerance * 1.3 + 1e-9:
        assert not feedback.correct
    for edge in (target - tolerance * 0.999999, target + tolerance * 0.999999):
        assert evaluate("97.1", edge, exercises=keys).correct, "an answer inside the band must be accepted"
    for outside in (target - tolerance * 1.3, target + tolerance * 1.3):
        assert not evaluate("97.1", outside, exercises=keys).correct
    # The text is one of two fixed sentences: nothing in it is computed from the target.
    assert feedback.message in (
        f"97.1 · correct (accepted within ±{tolerance:g} mg).",
        "97.1 · not yet. Hint: Use the dose table.",
    )


def test_check_logs_the_canonical_answer(extra_keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(exmod.LOG_VARIABLE, str(log))
    check("98.1", "302 mg")
    check("98.2", "  B")
    check("98.4", "Small study.")
    check("98.3", None)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records == [
        {"id": "98.1", "status": "correct", "answer": 302.0},
        {"id": "98.2", "status": "correct", "answer": "b"},
        {"id": "98.4", "status": "recorded", "answer": "Small study."},
        {"id": "98.3", "status": "unanswered", "answer": None},
    ]
    for record in records:  # the grader's re-check of a logged answer agrees with the notebook
        assert evaluate(record["id"], record["answer"]).status == record["status"]
    assert canonical_answer("98.1", "lots") == "lots"


def test_check_writes_nothing_without_the_variable(
    extra_keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(exmod.LOG_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    assert repr(check("98.2", "b")).startswith("98.2 · correct.")
    assert list(tmp_path.iterdir()) == [tmp_path / "keys"]


def test_key_folder_problems_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(exmod.KEYS_VARIABLE, str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="does not exist"):
        load_exercises()
    duplicate = make_entry(
        "1.1",
        "a",
        kind="text",
        notebook="01-claims",
        title="t",
        concepts=["1.2d"],
        skill="recall",
        hint="h",
        second_hint="h2",
        salt="s",
    )
    write_keys(tmp_path / "dup", [duplicate], notebook="01-claims")
    monkeypatch.setenv(exmod.KEYS_VARIABLE, str(tmp_path / "dup"))
    with pytest.raises(ValueError, match="defined twice"):
        load_exercises()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "50.json").write_text("{nope", encoding="utf-8")
    monkeypatch.setenv(exmod.KEYS_VARIABLE, str(tmp_path / "bad"))
    with pytest.raises(ValueError, match=r"50.json:1:2: not valid JSON"):
        load_exercises()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "essay"}, "kind must be one of"),
        ({"difficulty": "easy"}, "difficulty must be one of"),
        ({"concepts": []}, "at least one"),
        ({"concepts": ["2.4a"]}, "not codes of the IHC Key Concepts 2019"),
        ({"points": 0}, "points must be > 0"),
        ({"answer": "d"}, "among the choice letters a, b, c"),
        ({"skill": "insight"}, "skill must be one of recall, procedure, judgement, transfer"),
        ({"choices": ["a", "b", "c"]}, "full option texts"),
        ({"choices": ["only one"]}, "at least two choices"),
        ({"feedback": {"b": "Too small."}}, "missing for c"),
        ({"feedback": {"a": "x", "b": "y", "c": "z"}}, "wrong options only"),
        ({"feedback": {"b": "Unlike a), this ignores n.", "c": "z"}}, "without naming the right option"),
        ({"because": ""}, "because must give"),
        ({"because": "two\nlines"}, "one line"),
        ({"second_hint": ""}, "hint and second_hint"),
        ({"kind": "text", "feedback": {"b": "x"}}, "for choice items only"),
        ({"kind": "written", "words": (150, 80), "feedback": None}, "words must be"),
    ],
)
def test_make_entry_rejects_bad_input(kwargs: dict, message: str) -> None:
    args = {
        "answer": "a",
        "kind": "choice",
        "notebook": "x",
        "title": "t",
        "concepts": ["1.2d"],
        "skill": "judgement",
        "choices": ["Option one.", "Option two.", "Option three."],
        "feedback": {"b": "Too small.", "c": "Too late."},
        "because": "It is the one.",
        "hint": "Think.",
        "second_hint": "Think harder.",
    }
    args.update(kwargs)
    answer = args.pop("answer")
    with pytest.raises(ValueError, match=message):
        make_entry("9.1", answer, **args)


# --- authoring, sealing and the exercise listing ----------------------------------------------------


def test_sealed_texts_cannot_be_read_by_eye_but_open_for_the_check(extra_keys: Path) -> None:
    text = (extra_keys / "98.json").read_text(encoding="utf-8")
    for secret in (*FEEDBACK.values(), "Without a control group", COMMON["second_hint"], "12.4 mmol"):
        assert secret not in text
    ex = load_exercises()["98.2"]
    assert ex.option_feedback == FEEDBACK and ex.because.startswith("Without")
    assert right_letters(ex) == ("b",)
    assert unseal(seal({"x": "y"}, "1.1", "s"), "1.1", "s", "t") == {"x": "y"}
    with pytest.raises(ValueError, match="cannot be opened"):
        unseal(seal({"x": "y"}, "1.1", "s"), "1.2", "s", "98.json: exercise 2")


def test_damaged_or_incomplete_key_entries_name_the_entry(tmp_path: Path) -> None:
    entry = make_entry(
        "97.1",
        "a",
        kind="text",
        notebook="97-x",
        title="t",
        concepts=["1.2d"],
        skill="recall",
        hint="h",
        second_hint="h2",
        salt="s",
    )
    for change, message in [
        ({"skill": None}, "skill None is not one of"),
        ({"sealed": "!!"}, "cannot be opened"),
        ({"words": [3]}, "words must be"),
    ]:
        path = write_keys(tmp_path / str(len(message)), [{**entry, **change}], notebook="97-x")
        with pytest.raises(ValueError, match=rf"97.json: exercise 1: .*{message}"):
            read_key_file(path)


def test_save_entry_writes_and_replaces_in_id_order(tmp_path: Path) -> None:
    def entry(qid: str, title: str) -> dict:
        return make_entry(
            qid,
            "a",
            kind="text",
            notebook="97-x",
            title=title,
            concepts=["1.2d"],
            skill="recall",
            hint="h",
            second_hint="h2",
        )

    path = save_entry(entry("97.10", "ten"), tmp_path)
    save_entry(entry("97.2", "two"), tmp_path)
    save_entry(entry("97.2", "two again"), tmp_path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == "97.json" and [e["title"] for e in payload["exercises"]] == ["two again", "ten"]
    with pytest.raises(ValueError, match="holds notebook '97-x', not '97-y'"):
        save_entry({**entry("97.3", "x"), "notebook": "97-y"}, tmp_path)

    def quiz(qid: str) -> dict:
        return make_entry(
            qid,
            "a",
            kind="text",
            notebook="test-pre-post",
            title="t",
            concepts=["1.2d"],
            skill="recall",
            hint="h",
            second_hint="h2",
        )

    assert save_entry(quiz("T.1"), tmp_path).name == "test.json", "a notebook without a number: file by its name"
    with pytest.raises(ValueError, match="'T.k', got 'X.1'"):
        save_entry(quiz("X.1"), tmp_path)


def test_choices_markdown_puts_each_option_on_its_own_line(extra_keys: Path) -> None:
    assert choices_markdown("98.2").splitlines() == [
        f"- **{letter})** {text}" for letter, text in zip("abc", CHOICES, strict=True)
    ]
    with pytest.raises(ValueError, match="must be a choice item"):
        choices_markdown("98.1")


def test_exercises_json_lists_every_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    from mgedu.__main__ import main

    assert main(["exercises", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in listed] == sorted(load_exercises(), key=exmod.sort_key)
    for item in listed:
        assert {"id", "notebook", "kind", "skill", "concepts", "choices"} <= set(item)
        assert item["skill"] in SKILLS
        assert "accept" not in item and "sealed" not in item and "salt" not in item
