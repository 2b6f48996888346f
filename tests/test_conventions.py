"""The notebook and exercise conventions of CONTRIBUTING.md, checked on every notebook.

Some rules are new and the notebooks are being rewritten one by one to meet them. Those notebooks are
listed in ``PENDING`` for the rules they do not meet yet; their tests are expected failures
(``xfail(strict=True)``), so a rewrite that meets a rule makes the test fail until its notebook is
taken off the list. The workbook-wide rules (multiple-choice balance, the share of judgement and
transfer items) hold for the workbook as it is: a rewrite keeps them. Remove entries; never add them.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mgedu.choice_balance import choice_balance
from mgedu.classroom.release import (
    EXERCISE_TAG,
    SOLUTION_TAG,
    WORKED_ANSWER_TAG,
    is_tagged,
    question_ids,
    solution_code,
)
from mgedu.exercise_keys import choices_markdown, load_exercises, right_letters
from mgedu.glossary import GLOSSARY_FILE, anchor, load_glossary

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
# The pre/post quiz follows the exercise rules too (its items are "questions"), but not the glossary rule:
# a test that links its terms to their definitions would answer some of its questions.
QUIZ = REPO / "notebooks" / "quiz-pre-post.ipynb"
WITH_QUIZ = [*NOTEBOOKS, QUIZ] if QUIZ.exists() else NOTEBOOKS
EXERCISES = load_exercises()
PENDING: dict[str, set[str]] = {}  # every notebook meets every rule: keep it so
PLACEHOLDER = re.compile(r"""^answer\s*=\s*(\.\.\.|""|''|None)\s*(#.*)?$""", re.MULTILINE)
ANSWER_MAGIC = re.compile(r"^%%answer[ \t]+(\S+)[ \t]*\n\.\.\.\s*$")


def cases(rule: str, notebooks: list[Path] = WITH_QUIZ) -> list[pytest.param]:
    return [
        pytest.param(p, id=p.stem, marks=pytest.mark.xfail(strict=True, reason=f"{p.stem} is not rewritten yet"))
        if p.stem in PENDING.get(rule, set())
        else pytest.param(p, id=p.stem)
        for p in notebooks
    ]


def item_word(path: Path) -> str:
    """What a notebook calls its items in headings and solution summaries."""
    return "Question" if path == QUIZ else "Exercise"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def expected(path: Path) -> list[str]:
    return sorted(ex.id for ex in EXERCISES.values() if ex.notebook == path.stem)


def question_cell(nb: nbformat.NotebookNode, index: int) -> str:
    return next(
        str(c.source)
        for c in reversed(nb.cells[:index])
        if c.cell_type == "markdown" and not is_tagged(c, SOLUTION_TAG)
    )


@pytest.mark.parametrize("path", WITH_QUIZ, ids=lambda p: p.stem)
def test_exercises_start_blank_and_solutions_are_text(path: Path) -> None:
    nb = read(path)
    exercise_ids, solution_ids = [], []
    for i, cell in enumerate(nb.cells):
        if is_tagged(cell, EXERCISE_TAG):
            ids = question_ids(str(cell.source))
            exercise_ids += ids
            assert cell.cell_type == "code" and len(ids) == 1, f"cell {i}: one exercise per exercise cell"
            assert PLACEHOLDER.search(cell.source) or ANSWER_MAGIC.match(cell.source), (
                f"exercise {ids} must start from a placeholder (answer = ... or a %%answer cell holding ...)"
            )
            assert not cell.metadata.get("jupyter", {}).get("source_hidden")
            assert question_cell(nb, i).startswith(f"### {item_word(path)} {ids[0]} · "), f"{ids}: heading first"
        if is_tagged(cell, SOLUTION_TAG):
            assert cell.cell_type == "markdown", f"cell {i}: a solution is a markdown cell, never runnable code"
            ids = question_ids(solution_code(cell))
            solution_ids += ids
            assert len(ids) == 1, f"cell {i}: the solution's code block must end with check(<its id>, ...)"
            lines = cell.source.strip().splitlines()
            # Closed until clicked, also after Run All renders it; the summary gives nothing away.
            assert lines[0] == "<details>" and lines[-1] == "</details>", f"solution {ids} is not one <details>"
            assert lines[1].startswith(f"<summary>Solution to {item_word(path).lower()} {ids[0]}") and lines[2] == ""
            assert not cell.metadata.get("jupyter", {}).get("source_hidden"), "the <details> block does the hiding"
    assert sorted(exercise_ids) == expected(path), "each key entry needs exactly one exercise cell"
    assert sorted(solution_ids) == expected(path), "each key entry needs exactly one solution cell"


@pytest.mark.parametrize("path", WITH_QUIZ, ids=lambda p: p.stem)
def test_choice_options_come_from_the_key_one_per_line(path: Path) -> None:
    nb = read(path)
    for i, cell in enumerate(nb.cells):
        for qid in question_ids(str(cell.source)) if is_tagged(cell, EXERCISE_TAG) else []:
            if EXERCISES[qid].kind == "choice":
                assert choices_markdown(qid) in question_cell(nb, i), (
                    f"{qid}: paste mgedu.exercise_keys.choices_markdown({qid!r}) into the question cell"
                )


@pytest.mark.parametrize("path", WITH_QUIZ, ids=lambda p: p.stem)
def test_worked_answers_wait_for_the_learner(path: Path) -> None:
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type == "code" and re.search(r"model_verdict\s*\(", cell.source):
            assert is_tagged(cell, WORKED_ANSWER_TAG) and "worked_answer(" in cell.source, (
                f"cell {i}: a worked answer is shown through worked_answer(...) in a cell tagged worked-answer"
            )
        if cell.cell_type == "code" and not is_tagged(cell, WORKED_ANSWER_TAG):
            assert "model_verdict" not in cell.source, f"cell {i}: model_verdict is imported only where it is gated"


@pytest.mark.parametrize("path", cases("feedback"))
def test_every_item_has_teaching_feedback(path: Path) -> None:
    problems = []
    for qid in expected(path):
        ex = EXERCISES[qid]
        if ex.kind == "written":
            continue
        if not ex.second_hint:
            problems.append(f"{qid}: no second, more specific hint")
        if ex.kind == "choice":
            wrong = set(ex.letters) - set(right_letters(ex))
            if set(ex.option_feedback) != wrong:
                problems.append(f"{qid}: feedback for {sorted(ex.option_feedback)}, wrong options {sorted(wrong)}")
            if not ex.because:
                problems.append(f"{qid}: no 'because' for a right answer")
    assert not problems, "rebuild these entries with mgedu.exercise_keys.make_entry:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", cases("markers"))
def test_no_test_markers_in_what_learners_read(path: Path) -> None:
    visible = [i for i, c in enumerate(read(path).cells) if c.cell_type == "code" and "nbval" in c.source]
    assert not visible, f"cells {visible}: nbval markers belong in cell tags, not in comments learners read"


def _term_pattern(term: str) -> re.Pattern[str]:
    abbreviation = term.isupper() or any(ch.isdigit() for ch in term) or term == "mmol"
    body = re.escape(term).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<![\w-]){body}s?(?![\w-])", 0 if abbreviation else re.IGNORECASE)


@pytest.mark.parametrize("path", cases("glossary", NOTEBOOKS))
def test_glossary_terms_are_linked_at_first_use(path: Path) -> None:
    text = "\n\n".join(
        line
        for c in read(path).cells
        if c.cell_type == "markdown" and not is_tagged(c, SOLUTION_TAG)
        for line in str(c.source).splitlines()
        if not line.lstrip().startswith("#")
    )
    unlinked = []
    for term in load_glossary().term:
        used = _term_pattern(str(term)).search(text)
        link = text.find(f"]({GLOSSARY_FILE}#{anchor(str(term))})")
        if used and (link < 0 or text.rfind("[", 0, link) > used.start()):
            unlinked.append(f"{term} (first use: …{text[max(0, used.start() - 30) : used.end() + 10]}…)")
    assert not unlinked, "link these at their first use with mgedu.glossary.glossary_link:\n" + "\n".join(unlinked)


def test_multiple_choice_answers_are_balanced() -> None:
    balance = choice_balance()
    assert not balance.problems(), balance.describe() + "\n" + "\n".join(balance.problems())


def test_most_items_ask_for_judgement_or_transfer() -> None:
    auto = [ex for ex in EXERCISES.values() if ex.kind != "written"]
    share = sum(ex.skill in ("judgement", "transfer") for ex in auto) / len(auto)
    assert share >= 0.6, f"{share:.0%} of auto-checked items ask for judgement or transfer; at least 60 % should"
