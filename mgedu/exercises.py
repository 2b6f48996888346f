"""Self-check exercises: immediate feedback that never prints the answer.

``check("4.1", answer)`` looks the question up by id (never by cell position, so deleting, moving or
duplicating cells cannot break it) in the answer keys under ``mgedu/data/exercises/``. The keys hold
no answer in clear:

- categorical and multiple-choice answers are stored as salted SHA-256 hashes of the normalised answer;
- numeric answers are stored as hashes of every point of a fine grid inside the tolerance band, so a
  check can tell "within tolerance" without the target ever being written down.

What this protects against, honestly: reading the answer off by printing the module, the key file
or the notebook. It does not stop a determined student from brute-forcing a numeric answer by
calling ``check`` in a loop (the grid is small), or from reading solutions in the teacher's copy of
the notebooks. For graded work, hand out the released student copies (``python -m mgedu release``).

When the environment variable ``MGEDU_GRADING_LOG`` names a file (the grader sets it), every check
is also appended to that file as one JSON line; nothing is written otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mgedu.tables import package_data_dir

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["numeric", "choice", "text", "written"]
KINDS: tuple[str, ...] = ("numeric", "choice", "text", "written")
DIFFICULTIES: tuple[str, ...] = ("core", "stretch", "challenge")
GRID_STEPS_PER_TOLERANCE = 4
LOG_VARIABLE = "MGEDU_GRADING_LOG"


@dataclass(frozen=True)
class Exercise:
    """One exercise as stored in a key file (no answer in clear)."""

    id: str
    notebook: str
    title: str
    kind: Kind
    concepts: tuple[str, ...]
    difficulty: str
    hint: str
    points: float = 1.0
    unit: str = ""
    tolerance: float | None = None
    choices: tuple[str, ...] = ()
    salt: str = ""
    accept: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feedback:
    """The result of one check. Its text never contains the answer."""

    question_id: str
    status: Literal["correct", "incorrect", "unanswered", "invalid", "recorded"]
    message: str

    @property
    def correct(self) -> bool:
        """True only when the answer was accepted."""
        return self.status == "correct"

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.correct


def keys_dir() -> Path:
    """Folder of the answer-key files (one JSON file per notebook)."""
    return package_data_dir() / "exercises"


@functools.lru_cache(maxsize=1)
def load_exercises() -> dict[str, Exercise]:
    """Every exercise in the workbook, by id.

    >>> ex = load_exercises()["1.1"]
    >>> ex.kind, ex.notebook
    ('choice', '01-claims')
    """
    exercises: dict[str, Exercise] = {}
    for path in sorted(keys_dir().glob("*.json")):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
        for position, raw in enumerate(payload.get("exercises", []), start=1):
            ex = _exercise_from_dict(raw, f"{path.name}: exercise {position}")
            if ex.id in exercises:
                raise ValueError(f"{path.name}: exercise id {ex.id!r} is defined twice")
            exercises[ex.id] = ex
    return exercises


def _exercise_from_dict(raw: dict[str, Any], where: str) -> Exercise:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if raw.get("difficulty") not in DIFFICULTIES:
        raise ValueError(f"{where}: difficulty {raw.get('difficulty')!r} is not one of {', '.join(DIFFICULTIES)}")
    try:
        return Exercise(
            id=str(raw["id"]),
            notebook=str(raw["notebook"]),
            title=str(raw["title"]),
            kind=kind,
            concepts=tuple(raw.get("concepts", ())),
            difficulty=str(raw["difficulty"]),
            hint=str(raw.get("hint", "")),
            points=float(raw.get("points", 1.0)),
            unit=str(raw.get("unit", "")),
            tolerance=None if raw.get("tolerance") is None else float(raw["tolerance"]),
            choices=tuple(raw.get("choices", ())),
            salt=str(raw.get("salt", "")),
            accept=tuple(raw.get("accept", ())),
        )
    except KeyError as exc:
        raise ValueError(f"{where}: missing field {exc.args[0]!r}") from None


def normalise_text(answer: str) -> str:
    """Normalise a short text answer: case, surrounding space and quotes, inner white space.

    >>> normalise_text("  'Open-Label '. ")
    'open-label'
    """
    text = " ".join(str(answer).split()).casefold()
    return text.strip(" .!\"'`")


def _digest(question_id: str, salt: str, token: str) -> str:
    return hashlib.sha256(f"mgedu|{question_id}|{salt}|{token}".encode()).hexdigest()


def _grid_step(tolerance: float) -> float:
    return tolerance / GRID_STEPS_PER_TOLERANCE


def make_entry(
    question_id: str,
    answer: object | Sequence[object],
    *,
    kind: Kind,
    notebook: str,
    title: str,
    concepts: Sequence[str],
    difficulty: str = "core",
    hint: str = "",
    tolerance: float | None = None,
    unit: str = "",
    choices: Sequence[str] = (),
    points: float = 1.0,
    salt: str | None = None,
) -> dict[str, Any]:
    """Build a key entry (for authors): the answer goes in, only hashes come out.

    For ``numeric``, ``answer`` is the target and ``tolerance`` the accepted +/- band (in ``unit``).
    For ``choice`` and ``text``, ``answer`` is one accepted answer or a list of them.
    For ``written``, ``answer`` is ignored (a person reads written answers).

    >>> entry = make_entry("9.9", 301.4, kind="numeric", tolerance=1, unit="mg", notebook="x",
    ...                    title="t", concepts=["2.1"], salt="s")
    >>> "301" in json.dumps(entry)
    False
    """
    salt = salt if salt is not None else secrets.token_hex(8)
    entry: dict[str, Any] = {
        "id": question_id, "notebook": notebook, "title": title, "kind": kind,
        "concepts": list(concepts), "difficulty": difficulty, "hint": hint, "points": points,
    }
    if kind == "numeric":
        if tolerance is None or not tolerance > 0:
            raise ValueError("a numeric exercise needs a tolerance > 0")
        target = float(answer)  # type: ignore[arg-type]
        step = _grid_step(tolerance)
        low, high = math.ceil((target - tolerance) / step), math.floor((target + tolerance) / step)
        tokens = [str(k) for k in range(low, high + 1)]
        entry.update(unit=unit, tolerance=tolerance)
    elif kind in ("choice", "text"):
        answers = [answer] if isinstance(answer, str) else list(answer)  # type: ignore[arg-type]
        tokens = [normalise_text(str(a)) for a in answers]
        if kind == "choice":
            entry["choices"] = list(choices)
    else:
        tokens = []
    entry["salt"] = salt
    entry["accept"] = sorted(_digest(question_id, salt, t) for t in tokens)
    return entry


_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def _as_number(answer: object, unit: str) -> tuple[float | None, str | None]:
    """Read a numeric answer (a number, or a string like '301 mg'); return (value, problem)."""
    if isinstance(answer, bool):
        return None, "expected a number, got True/False"
    if isinstance(answer, str):
        match = _NUMBER_WITH_UNIT.match(answer)
        if not match:
            return None, f"expected a number{f' in {unit}' if unit else ''}, got {answer!r}"
        written_unit = match.group(2)
        if written_unit and unit and normalise_text(written_unit) != normalise_text(unit):
            return None, f"this question asks for {unit}, but the answer is in {written_unit!r}"
        return float(match.group(1).replace(",", "")), None
    try:
        value = float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, f"expected a number{f' in {unit}' if unit else ''}, got {type(answer).__name__}"
    if not math.isfinite(value):
        return None, f"expected a finite number, got {value}"
    return value, None


def evaluate(question_id: str, answer: object) -> Feedback:
    """Check an answer without printing or logging anything (see :func:`check`).

    >>> evaluate("1.1", None).status
    'unanswered'
    """
    exercises = load_exercises()
    if question_id not in exercises:
        import difflib

        close = difflib.get_close_matches(str(question_id), list(exercises), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        return Feedback(str(question_id), "invalid", f"{question_id}: no exercise has this id.{hint}")
    ex = exercises[question_id]
    if answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        return Feedback(ex.id, "unanswered", f"{ex.id} · no answer yet: replace the placeholder with your answer.")
    if ex.kind == "written":
        words = len(str(answer).split())
        return Feedback(ex.id, "recorded", f"{ex.id} · recorded ({words} words). A person reads written answers; "
                                           "compare yours with the points in the hint: " + ex.hint)
    if ex.kind == "numeric":
        value, problem = _as_number(answer, ex.unit)
        if problem is not None:
            return Feedback(ex.id, "invalid", f"{ex.id} · not checked: {problem}.")
        assert value is not None and ex.tolerance is not None
        token = str(round(value / _grid_step(ex.tolerance)))
        ok = _digest(ex.id, ex.salt, token) in ex.accept
        band = f" (accepted within ±{ex.tolerance:g}{' ' + ex.unit if ex.unit else ''})"
    else:
        ok = _digest(ex.id, ex.salt, normalise_text(str(answer))) in ex.accept
        band = ""
        if not ok and ex.kind == "choice" and ex.choices:
            letters = [chr(ord("a") + i) for i in range(len(ex.choices))]
            if normalise_text(str(answer)) not in letters + [normalise_text(c) for c in ex.choices]:
                return Feedback(ex.id, "invalid", f"{ex.id} · not checked: answer with one of {', '.join(letters)}.")
    if ok:
        return Feedback(ex.id, "correct", f"{ex.id} · correct{band}.")
    return Feedback(ex.id, "incorrect", f"{ex.id} · not yet. Hint: {ex.hint}")


def check(question_id: str, answer: object) -> Feedback:
    """Check an answer and give feedback that never reveals the correct answer.

    >>> check("1.1", None)
    1.1 · no answer yet: replace the placeholder with your answer.
    """
    feedback = evaluate(question_id, answer)
    log_path = os.environ.get(LOG_VARIABLE)
    if log_path:
        record: dict[str, Any] = {"id": feedback.question_id, "status": feedback.status}
        if feedback.status == "recorded":
            record["text"] = str(answer)
        with open(log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    return feedback


def exercise_table() -> pd.DataFrame:
    """One row per exercise, for teachers: id, notebook, title, kind, Key Concepts, difficulty, points.

    >>> table = exercise_table()
    >>> list(table.columns)[:4]
    ['id', 'notebook', 'title', 'kind']
    """
    import pandas as pd

    rows = [
        {"id": ex.id, "notebook": ex.notebook, "title": ex.title, "kind": ex.kind,
         "concepts": ", ".join(ex.concepts), "difficulty": ex.difficulty, "points": ex.points,
         "unit": ex.unit}
        for ex in load_exercises().values()
    ]
    return pd.DataFrame(rows)
