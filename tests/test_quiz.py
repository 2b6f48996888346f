"""The pre/post quiz: items in the style of the Claim Evaluation Tools, and the class's gain per Key Concept."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import nbformat
from classroom_helpers import EXERCISES, NOTEBOOKS

from mgedu.classroom.gradebook import GradeRow, write_long
from mgedu.classroom.grading import SubmissionResult
from mgedu.classroom.publish import publish
from mgedu.exercises import evaluate

QUIZ = "quiz-pre-post"
ITEMS = sorted((ex for ex in EXERCISES.values() if ex.notebook == QUIZ), key=lambda ex: int(ex.id.split(".")[1]))
WORKBOOK = [ex for ex in EXERCISES.values() if ex.notebook[:2].isdigit()]


def right_letter(qid: str) -> str:
    return next(letter for letter in "abcd" if evaluate(qid, letter).correct)


def test_twelve_to_sixteen_choice_items_each_on_one_key_concept_the_workbook_teaches() -> None:
    assert 12 <= len(ITEMS) <= 16
    taught = {c for ex in WORKBOOK for c in ex.concepts}
    for ex in ITEMS:
        assert ex.kind == "choice" and len(ex.choices) == 4 and len(ex.concepts) == 1, ex.id
        assert ex.concepts[0] in taught, f"{ex.id} assesses {ex.concepts[0]}, which no workbook exercise practises"


def test_no_item_is_reused_from_the_exercises_and_none_is_about_magnesium() -> None:
    quiz = nbformat.read(NOTEBOOKS / f"{QUIZ}.ipynb", as_version=4)
    text = "\n".join(str(c.source) for c in quiz.cells if c.cell_type == "markdown")
    assert "magnesium" not in text.split("## Key points")[0].split("\n", 3)[-1].lower()
    assert not {ex.title for ex in ITEMS} & {ex.title for ex in WORKBOOK}
    workbook_text = " ".join(
        str(c.source) for p in sorted(NOTEBOOKS.glob("0*.ipynb")) for c in nbformat.read(p, as_version=4).cells
    )
    for ex in ITEMS:
        assert all(option not in workbook_text for option in ex.choices), ex.id


def test_answer_letters_are_balanced_and_length_gives_nothing_away() -> None:
    letters = Counter(right_letter(ex.id) for ex in ITEMS)
    assert set(letters) == set("abcd") and max(letters.values()) - min(letters.values()) <= 1, letters
    longest = shortest = clearly = 0
    for ex in ITEMS:
        index = "abcd".index(right_letter(ex.id))
        right = len(ex.choices[index])
        others = [len(c) for i, c in enumerate(ex.choices) if i != index]
        longest += right >= max(others)
        shortest += right <= min(others)
        # "Clearly" as in mgedu.choice_balance: 20 % longer (or shorter) than every other option.
        clearly += right >= 1.2 * max(others) or 1.2 * right <= min(others)
    third = -(-len(ITEMS) // 3)
    assert longest <= third and shortest <= third, f"right option longest in {longest}, shortest in {shortest}"
    assert clearly <= 1, f"the right option stands out by its length in {clearly} items"


def test_every_wrong_option_has_its_own_feedback_and_every_item_a_because_and_a_closer_hint() -> None:
    seen: set[str] = set()
    for ex in ITEMS:
        right = right_letter(ex.id)
        right_text = ex.choices["abcd".index(right)]
        assert set(ex.option_feedback) == set("abcd") - {right}, ex.id
        for letter, text in ex.option_feedback.items():
            assert text not in seen, f"{ex.id} {letter}: the same feedback as another option"
            seen.add(text)
            assert right_text[:40] not in text and f"{right})" not in text, f"{ex.id} {letter} names the right option"
            assert evaluate(ex.id, letter).message.startswith(f"{ex.id} · not yet: {text}")
        assert ex.because and ex.because != right_text and ex.because not in right_text, ex.id
        assert evaluate(ex.id, right).message.endswith(f"Because: {ex.because}")
        assert ex.second_hint and ex.second_hint != ex.hint, ex.id
    assert len({ex.second_hint for ex in ITEMS}) == len(ITEMS), "each item's closer hint is its own"


def test_each_solution_explains_the_right_option_and_what_each_wrong_one_misses() -> None:
    quiz = nbformat.read(NOTEBOOKS / f"{QUIZ}.ipynb", as_version=4)
    solutions = {
        str(c.source).split("Solution to question ")[1].split()[0]: str(c.source)
        for c in quiz.cells
        if "solution" in c.metadata.get("tags", [])
    }
    for ex in ITEMS:
        text = solutions[ex.id]
        right = right_letter(ex.id)
        assert f"**{right})** {ex.because}" in text, ex.id
        for letter, why in ex.option_feedback.items():
            assert f"- **{letter})** {why}" in text, (ex.id, letter)


def test_grade_reports_the_class_gain_per_concept(tmp_path: Path) -> None:
    def sitting(right: dict[str, set[str]]) -> list[SubmissionResult]:
        results = []
        for student, correct in right.items():
            rows = [
                GradeRow(
                    student,
                    student,
                    QUIZ,
                    ex.id,
                    ex.points if ex.id in correct else 0.0,
                    ex.points,
                    "correct" if ex.id in correct else "incorrect",
                )
                for ex in ITEMS
            ]
            results.append(SubmissionResult(student, QUIZ, f"{student}.ipynb", rows))
        return results

    first, second = ITEMS[0].id, ITEMS[1].id
    pre = sitting({"ann": set(), "bob": {first}})
    post = sitting({"ann": {first, second}, "bob": {first, second}, "cat": {first}})  # cat missed the pre-test
    write_long([r for res in pre for r in res.rows], tmp_path / "pre.csv")
    publish(post, tmp_path / "post.csv", EXERCISES, pre=tmp_path / "pre.csv")
    with open(tmp_path / "post-gains.csv", encoding="utf-8-sig") as handle:
        gains = {row["concept"]: row for row in csv.DictReader(handle)}
    one, two = ITEMS[0].concepts[0], ITEMS[1].concepts[0]
    assert (gains[one]["pre_percent"], gains[one]["post_percent"], gains[one]["students"]) == ("50.0", "100.0", "2")
    assert gains[one]["normalised_gain"] == "1.00" and gains[two]["gain_points"] == "100.0"
    assert len(gains) == len({ex.concepts[0] for ex in ITEMS})
