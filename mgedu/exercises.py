"""Self-check exercises: immediate feedback that never prints the answer.

``check("4.1", answer)`` looks the question up by id (never by cell position, so deleting, moving or
duplicating cells cannot break it) in the answer keys (:mod:`mgedu.exercise_keys`, which also explains
what the keys hold and how authors write them). Feedback teaches:

- a wrong choice gets the feedback written for *that* option (why it is wrong, never which is right);
  other wrong answers get the hint; a second, different wrong answer also gets the more specific hint;
- a right answer gets a one-line "because", so a lucky guess still learns something;
- a written answer gets its word count and, when the key gives a range, whether it is inside it.

Each check also records the attempt (:mod:`mgedu.attempts`): the first and the last answer travel in
the check's output, inside the notebook file, for the teacher.

When the environment variable ``MGEDU_GRADING_LOG`` names a file (the grader sets it), every check
is also appended to that file as one JSON line: the question id, the status the notebook showed, and
the answer in the normalised form the check compared (a number, normalised text, or the written
text). The grader re-checks that answer itself, so editing the log or patching ``check`` inside a
notebook gains nothing. Nothing is written when the variable is unset.

Teachers can add their own exercises without touching the package: key files in the folders named
by ``MGEDU_EXERCISE_KEYS`` (separated by ``os.pathsep``) are read after the packaged ones.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mgedu.attempts import ATTEMPTS_MIME, earlier_wrong, output_record, record_attempt, tries_of
from mgedu.exercise_keys import (
    DIFFICULTIES,
    KEYS_VARIABLE,
    KINDS,
    SKILLS,
    Exercise,
    Kind,
    choices_markdown,
    clear_cache,
    digest,
    exercise_from_dict,
    grid_step,
    key_folders,
    keys_dir,
    load_exercises,
    make_entry,
    normalise_text,
    read_key_file,
    save_entry,
)

if TYPE_CHECKING:
    import pandas as pd

LOG_VARIABLE = "MGEDU_GRADING_LOG"
STATUSES: tuple[str, ...] = ("correct", "incorrect", "unanswered", "invalid", "recorded")
MAX_LOGGED_TEXT = 5000
_exercise_from_dict = exercise_from_dict  # the older private name, kept for callers

__all__ = [
    "DIFFICULTIES",
    "KEYS_VARIABLE",
    "KINDS",
    "LOG_VARIABLE",
    "SKILLS",
    "STATUSES",
    "Exercise",
    "Feedback",
    "Kind",
    "answered",
    "canonical_answer",
    "check",
    "choices_markdown",
    "clear_cache",
    "evaluate",
    "exercise_records",
    "exercise_table",
    "key_folders",
    "keys_dir",
    "load_exercises",
    "make_entry",
    "normalise_text",
    "read_key_file",
    "read_numeric_answer",
    "save_entry",
    "show_choices",
    "sort_key",
]


@dataclass(frozen=True)
class Feedback:
    """The result of one check. Its text never contains the answer.

    ``attempts`` is the first/last record carried in the check's output (see :mod:`mgedu.attempts`).
    """

    question_id: str
    status: Literal["correct", "incorrect", "unanswered", "invalid", "recorded"]
    message: str
    attempts: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def correct(self) -> bool:
        """True only when the answer was accepted."""
        return self.status == "correct"

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.correct

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": self.message}
        if self.attempts is not None:
            bundle[ATTEMPTS_MIME] = dict(self.attempts)
        return bundle


def _as_number(answer: object, unit: str) -> tuple[float | None, str | None]:
    """Read a numeric answer (a number, or text like '301.4 mg' or '301,4 mg'); return (value, problem).

    Text is read by :func:`mgedu.typed_numbers.read_quantity`: a decimal comma is a decimal mark
    ("301,4" is 301.4, never 3014), and a number that could be read two ways ("1,234") is refused
    with a message saying how to write it.
    """
    from mgedu.typed_numbers import read_quantity

    if isinstance(answer, bool):
        return None, "expected a number, got True/False"
    if isinstance(answer, str):
        try:
            value, written_unit = read_quantity(answer)
        except ValueError as exc:
            return None, str(exc)
        if written_unit and unit and normalise_text(written_unit) != normalise_text(unit):
            return None, f"this question asks for {unit}, but the answer is in {written_unit[:40]!r}"
        return value, None
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None, f"expected a number{f' in {unit}' if unit else ''}, got {type(answer).__name__}"
    if not math.isfinite(value):
        return None, f"expected a finite number, got {value}"
    return value, None


def read_numeric_answer(answer: object, unit: str = "") -> float:
    """A numeric answer as a number, read as ``check`` reads it; ``ValueError`` saying why it cannot be.

    >>> read_numeric_answer("301,4 mg", "mg"), read_numeric_answer(301.4), read_numeric_answer("0,5")
    (301.4, 301.4, 0.5)
    >>> read_numeric_answer("301 g", "mg")
    Traceback (most recent call last):
    ...
    ValueError: this question asks for mg, but the answer is in 'g'
    """
    value, problem = _as_number(answer, unit)
    if problem is not None or value is None:
        raise ValueError(problem or "expected a number")
    return value


def _choice_letter(ex: Exercise, text: str) -> str:
    """A choice answer as its letter: the letter itself, or the letter of an option given in full."""
    options = [normalise_text(c) for c in ex.choices]
    return ex.letters[options.index(text)] if text in options and text not in ex.letters else text


def _is_blank(answer: object) -> bool:
    return answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip())


def canonical_answer(question_id: str, answer: object) -> str | float | None:
    """The answer in the form the check compares (and the grading log records).

    A number for numeric questions (when the answer can be read as one), normalised text for choice
    and text questions, the text itself (cut at 5,000 characters) for written ones, ``None`` for no
    answer. Answers that cannot be read are kept as their text so that the grader reports them.

    >>> canonical_answer("1.1", " B ")
    'b'
    """
    ex = load_exercises().get(str(question_id))
    if _is_blank(answer):
        return None
    if ex is None:
        return str(answer)[:MAX_LOGGED_TEXT]
    if ex.kind == "numeric":
        value, problem = _as_number(answer, ex.unit)
        return value if problem is None else str(answer)[:MAX_LOGGED_TEXT]
    if ex.kind == "written":
        return str(answer)[:MAX_LOGGED_TEXT]
    text = normalise_text(str(answer))
    return (_choice_letter(ex, text) if ex.kind == "choice" else text)[:MAX_LOGGED_TEXT]


def _written(ex: Exercise, answer: object) -> Feedback:
    words = len(str(answer).split())
    size = f"{words} word{'s' if words != 1 else ''}"
    if ex.words is not None:
        low, high = ex.words
        fits = "within the range" if low <= words <= high else f"{'fewer' if words < low else 'more'} than the range"
        size += f"; {fits} of {low}-{high} asked for"
    return Feedback(
        ex.id,
        "recorded",
        f"{ex.id} · recorded ({size}). A person reads written answers; "
        "compare yours with the points in the hint: " + ex.hint,
    )


def _wrong(ex: Exercise, text: str, earlier: int) -> Feedback:
    option = ex.option_feedback.get(text) if ex.kind == "choice" else None
    first = f"{ex.id} · not yet: {option}" if option else f"{ex.id} · not yet. Hint: {ex.hint}"
    if earlier >= 1 and ex.second_hint:
        return Feedback(ex.id, "incorrect", f"{first} A closer hint: {ex.second_hint}")
    if option and ex.hint:
        return Feedback(ex.id, "incorrect", f"{first} Hint: {ex.hint}")
    return Feedback(ex.id, "incorrect", first)


def evaluate(
    question_id: str,
    answer: object,
    *,
    exercises: Mapping[str, Exercise] | None = None,
    earlier_wrong: int = 0,
) -> Feedback:
    """Check an answer without printing, logging or recording anything (see :func:`check`).

    ``exercises`` replaces the loaded key files (the grader passes the keys it was given);
    ``earlier_wrong`` is the number of different wrong answers given before (1 or more adds the second,
    more specific hint).

    >>> evaluate("1.1", None).status
    'unanswered'
    >>> evaluate("1.1", "banana").status
    'invalid'
    """
    exercises = load_exercises() if exercises is None else exercises
    ex = exercises.get(str(question_id))
    if ex is None:
        import difflib

        close = difflib.get_close_matches(str(question_id), list(exercises), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        return Feedback(str(question_id), "invalid", f"{question_id}: no exercise has this id.{hint}")
    if _is_blank(answer):
        return Feedback(ex.id, "unanswered", f"{ex.id} · no answer yet: replace the placeholder with your answer.")
    if ex.kind == "written":
        return _written(ex, answer)
    text = ""
    if ex.kind == "numeric":
        value, problem = _as_number(answer, ex.unit)
        if problem is not None:
            return Feedback(ex.id, "invalid", f"{ex.id} · not checked: {problem}.")
        assert value is not None and ex.tolerance is not None
        ok = digest(ex.id, ex.salt, str(round(value / grid_step(ex.tolerance)))) in ex.accept
        band = f" (accepted within ±{ex.tolerance:g}{' ' + ex.unit if ex.unit else ''})"
    else:
        text = normalise_text(str(answer))
        if ex.kind == "choice" and ex.choices:
            text = _choice_letter(ex, text)
            if text not in ex.letters:
                return Feedback(ex.id, "invalid", f"{ex.id} · not checked: answer with one of {', '.join(ex.letters)}.")
        ok = digest(ex.id, ex.salt, text) in ex.accept
        band = ""
    if ok:
        because = f" Because: {ex.because}" if ex.because else ""
        return Feedback(ex.id, "correct", f"{ex.id} · correct{band}.{because}")
    return _wrong(ex, text, earlier_wrong)


def check(question_id: str, answer: object) -> Feedback:
    """Check an answer and give feedback that never reveals the correct answer.

    Checks are found by question id, never by the cell they sit in: you can move, copy or delete cells.
    Run a check as often as you like; your teacher sees your first answer and your last.

    >>> check("1.1", None)
    1.1 · no answer yet: replace the placeholder with your answer.
    """
    canonical = canonical_answer(question_id, answer)
    feedback = evaluate(question_id, answer, earlier_wrong=earlier_wrong(str(question_id), canonical))
    tries = record_attempt(str(question_id), canonical, feedback.status) if feedback.status != "invalid" else []
    if tries:
        feedback = Feedback(feedback.question_id, feedback.status, feedback.message, output_record(question_id))
    log_path = os.environ.get(LOG_VARIABLE)
    if log_path:
        record = {"id": str(question_id), "status": feedback.status, "answer": canonical}
        try:
            with open(log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
        except OSError as exc:  # the feedback matters more to the student than the log
            print(f"(grading log not written: {exc})")
    return feedback


def answered(question_id: str) -> bool:
    """True once an answer to ``question_id`` has been checked (a blank does not count).

    >>> answered("no-such-question")
    False
    """
    return bool(tries_of(question_id))


def show_choices(question_id: str) -> None:
    """Print a choice item's options, each on its own line, from the key file.

    >>> show_choices("3.2")  # doctest: +ELLIPSIS
    a) Little about magnesium: the people on the dummy pill improved just as much.
    ...
    """
    ex = load_exercises().get(str(question_id))
    if ex is None or ex.kind != "choice":
        raise ValueError(f"question_id must be a choice item, got {question_id!r}")
    for letter, text in zip(ex.letters, ex.choices, strict=True):
        print(f"{letter}) {text}")


def sort_key(question_id: str) -> tuple[int, ...]:
    """Order exercise ids numerically ("1.10" after "1.9").

    >>> sorted(["1.10", "1.9", "0.2"], key=sort_key)
    ['0.2', '1.9', '1.10']
    """
    return tuple(int(part) if part.isdigit() else 0 for part in str(question_id).split("."))


def exercise_records(notebook: str | None = None) -> list[dict[str, Any]]:
    """Every exercise as a plain dict (id, notebook, title, kind, skill, concepts, choices, ...), in order.

    What ``python -m mgedu exercises --json`` prints; holds no answer and no feedback text.

    >>> sorted(exercise_records()[0])[:4]
    ['choices', 'concepts', 'difficulty', 'id']
    """
    exercises = sorted(load_exercises().values(), key=lambda ex: sort_key(ex.id))
    if notebook is not None:
        known = sorted({ex.notebook for ex in exercises})
        if notebook not in known:
            raise ValueError(f"notebook must be one of {', '.join(known)}, got {notebook!r}")
        exercises = [ex for ex in exercises if ex.notebook == notebook]
    return [
        {
            "id": ex.id,
            "notebook": ex.notebook,
            "title": ex.title,
            "kind": ex.kind,
            "skill": ex.skill,
            "concepts": list(ex.concepts),
            "choices": list(ex.choices),
            "difficulty": ex.difficulty,
            "points": ex.points,
            "unit": ex.unit,
            "words": list(ex.words) if ex.words else None,
        }
        for ex in exercises
    ]


def exercise_table(notebook: str | None = None) -> pd.DataFrame:
    """One row per exercise, for teachers: id, notebook, title, kind, skill, Key Concepts, difficulty, points.

    >>> table = exercise_table()
    >>> list(table.columns)[:5]
    ['id', 'notebook', 'title', 'kind', 'skill']
    >>> set(exercise_table("01-claims").notebook)
    {'01-claims'}
    """
    import pandas as pd

    columns = ["id", "notebook", "title", "kind", "skill", "concepts", "difficulty", "points", "unit"]
    rows = [{**r, "concepts": ", ".join(r["concepts"])} for r in exercise_records(notebook)]
    return pd.DataFrame(rows, columns=columns)
