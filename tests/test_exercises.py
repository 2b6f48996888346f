"""Self-check exercises: the keys hold no answers, feedback never leaks one, checks log what the grader needs.

Also lints the exercise convention of every notebook (an exercise cell with a placeholder and a
solution cell, collapsed, for each key entry) and checks every concept tag against the IHC Key
Concepts 2019 table.
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
from mgedu.classroom.concepts import load_key_concepts
from mgedu.classroom.release import EXERCISE_TAG, SOLUTION_TAG, is_tagged, question_ids
from mgedu.exercises import (
    canonical_answer,
    check,
    evaluate,
    exercise_table,
    load_exercises,
    make_entry,
    read_key_file,
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
}


def write_keys(folder: Path, entries: list[dict], notebook: str = "98-test") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook[:2]}.json"
    path.write_text(json.dumps({"notebook": notebook, "exercises": entries}, indent=1), encoding="utf-8")
    return path


@pytest.fixture
def extra_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key folder with one exercise of each kind, made visible through MGEDU_EXERCISE_KEYS."""
    common = {"notebook": "98-test", "concepts": ["2.3d"], "hint": "Look at the study's n.", "salt": "s"}
    entries = [
        make_entry("98.1", 301.4, kind="numeric", tolerance=2, unit="mg", title="dose", **common),
        make_entry("98.2", "b", kind="choice", choices=["w", "x", "y"], title="pick", **common),
        make_entry("98.3", ["open-label", "open label"], kind="text", title="design", **common),
        make_entry("98.4", None, kind="written", title="explain", points=2, **common),
    ]
    folder = tmp_path / "keys"
    write_keys(folder, entries)
    monkeypatch.setenv(exmod.KEYS_VARIABLE, str(folder))
    return folder


# --- the packaged key files -------------------------------------------------------------------------


@pytest.mark.parametrize("path", KEY_FILES, ids=[p.name for p in KEY_FILES])
def test_key_file_is_consistent(path: Path) -> None:
    payload = json.loads(path.read_text(encoding="utf-8"))
    number = int(path.stem)
    assert payload["notebook"].startswith(f"{number:02d}-")
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
    assert not wrong, (
        f"concept codes not in the IHC Key Concepts 2019 list (mgedu/data/key_concepts.csv): {wrong}"
    )


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


def notebooks_with_keys() -> list[Path]:
    names = {ex.notebook for ex in load_exercises().values()}
    return [p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if p.stem in names]


@pytest.mark.parametrize("path", notebooks_with_keys(), ids=lambda p: p.stem)
def test_notebook_follows_the_exercise_convention(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    expected = sorted(ex.id for ex in load_exercises().values() if ex.notebook == path.stem)
    exercise_ids, solution_ids = [], []
    for cell in nb.cells:
        ids = question_ids(str(cell.source))
        if is_tagged(cell, EXERCISE_TAG):
            exercise_ids += ids
            assert re.search(r"answer\s*=\s*(\.\.\.|\"\"|''|None)", cell.source), (
                f"exercise cell {ids} must start from a placeholder answer"
            )
            assert not cell.metadata.get("jupyter", {}).get("source_hidden")
        if is_tagged(cell, SOLUTION_TAG):
            solution_ids += ids
            assert cell.cell_type == "code"
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
                f"solution {ids} is not collapsed"
            )
            # JupyterLab shows the first line of a collapsed cell: it must not give anything away.
            assert cell.source.splitlines()[0].startswith("#"), (
                f"solution {ids} must open with a comment line"
            )
            shown = "".join(
                str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs
            )
            verdicts = {i: "recorded" if load_exercises()[i].kind == "written" else "correct" for i in ids}
            assert all(f"{i} · {v}" in shown for i, v in verdicts.items()), f"{ids}: expected {verdicts}"
    assert sorted(exercise_ids) == expected, "each key entry needs exactly one exercise cell"
    assert sorted(solution_ids) == expected, "each key entry needs exactly one solution cell"


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


def test_choice_text_and_written_answers(extra_keys: Path) -> None:
    assert evaluate("98.2", " B ").correct
    assert evaluate("98.2", "a").status == "incorrect"
    assert evaluate("98.2", "z").status == "invalid"
    assert evaluate("98.3", "Open Label.").correct
    assert evaluate("98.3", "double-blind").status == "incorrect"
    written = evaluate("98.4", "Because the groups differed.")
    assert written.status == "recorded" and "4 words" in written.message
    assert evaluate("98.9", 1).status == "invalid" and "Did you mean" in evaluate("98.9", 1).message


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
        hint="Use the dose table.",
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


def test_check_logs_the_canonical_answer(
    extra_keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    assert repr(check("98.2", "b")) == "98.2 · correct."
    assert list(tmp_path.iterdir()) == [tmp_path / "keys"]


def test_key_folder_problems_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(exmod.KEYS_VARIABLE, str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="does not exist"):
        load_exercises()
    duplicate = make_entry(
        "1.1",
        "a",
        kind="choice",
        choices=["x", "y"],
        notebook="01-claims",
        title="t",
        concepts=["1.2d"],
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
    ],
)
def test_make_entry_rejects_bad_input(kwargs: dict, message: str) -> None:
    args = {
        "answer": "a",
        "kind": "choice",
        "notebook": "x",
        "title": "t",
        "concepts": ["1.2d"],
        "choices": ["p", "q", "r"],
    }
    args.update(kwargs)
    answer = args.pop("answer")
    with pytest.raises(ValueError, match=message):
        make_entry("9.1", answer, **args)
