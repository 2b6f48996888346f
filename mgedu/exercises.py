"""Self-check exercises: immediate feedback that never prints the answer.

``check("4.1", answer)`` looks the question up by id (never by cell position, so deleting, moving or
duplicating cells cannot break it) in the answer keys under ``mgedu/data/exercises/``. The keys hold
no answer in clear:

- categorical and multiple-choice answers are stored as salted SHA-256 hashes of the normalised answer;
- numeric answers are stored as hashes of every point of a fine grid (a quarter of the tolerance)
  covering the tolerance band, so a check can tell "within tolerance" without the target ever being
  written down. Every answer within the tolerance is accepted; the grid's edges may also accept
  answers up to 1.25 times the tolerance away.

What this protects against, honestly: reading the answer off by printing the module, the key file
or the notebook. It does not stop a determined student from brute-forcing a numeric answer by
calling ``check`` in a loop (the grid is small), or from reading solutions in the teacher's copy of
the notebooks. For graded work, hand out the released student copies (``python -m mgedu release``).

When the environment variable ``MGEDU_GRADING_LOG`` names a file (the grader sets it), every check
is also appended to that file as one JSON line: the question id, the status the notebook showed, and
the answer in the normalised form the check compared (a number, normalised text, or the written
text). The grader re-checks that answer itself, so editing the log or patching ``check`` inside a
notebook gains nothing. Nothing is written when the variable is unset.

Teachers can add their own exercises without touching the package: key files in the folders named
by ``MGEDU_EXERCISE_KEYS`` (separated by ``os.pathsep``) are read after the packaged ones.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import secrets
from collections.abc import Mapping, Sequence
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
KEYS_VARIABLE = "MGEDU_EXERCISE_KEYS"
STATUSES: tuple[str, ...] = ("correct", "incorrect", "unanswered", "invalid", "recorded")
MAX_LOGGED_TEXT = 5000


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


def key_folders(extra: Sequence[str | Path] = ()) -> tuple[Path, ...]:
    """Folders of ``*.json`` key files: the packaged one, then ``MGEDU_EXERCISE_KEYS``, then ``extra``.

    >>> key_folders()[0].name
    'exercises'
    """
    from_env = [Path(p) for p in os.environ.get(KEYS_VARIABLE, "").split(os.pathsep) if p.strip()]
    return (keys_dir(), *from_env, *(Path(p) for p in extra))


def load_exercises(extra_folders: Sequence[str | Path] = ()) -> dict[str, Exercise]:
    """Every exercise in the workbook, by id.

    >>> ex = load_exercises()["1.1"]
    >>> ex.kind, ex.notebook
    ('choice', '01-claims')
    """
    return _load_exercises(key_folders(extra_folders))


@functools.lru_cache(maxsize=8)
def _load_exercises(folders: tuple[Path, ...]) -> dict[str, Exercise]:
    exercises: dict[str, Exercise] = {}
    for folder in folders:
        if folder != keys_dir() and not folder.is_dir():
            raise ValueError(f"exercise key folder {str(folder)!r} does not exist (check {KEYS_VARIABLE})")
        for path in sorted(folder.glob("*.json")):
            for ex in read_key_file(path):
                if ex.id in exercises:
                    raise ValueError(f"{path.name}: exercise id {ex.id!r} is defined twice")
                exercises[ex.id] = ex
    return exercises


def read_key_file(path: str | Path) -> list[Exercise]:
    """The exercises of one key file; ``ValueError`` naming the file and entry when it is malformed."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("exercises"), list):
        raise ValueError(f'{path.name}: expected {{"notebook": ..., "exercises": [...]}}')
    return [
        _exercise_from_dict(raw, f"{path.name}: exercise {position}")
        for position, raw in enumerate(payload["exercises"], start=1)
    ]


def clear_cache() -> None:
    """Forget the loaded key files (after editing them in a running session)."""
    _load_exercises.cache_clear()


def _exercise_from_dict(raw: dict[str, Any], where: str) -> Exercise:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if raw.get("difficulty") not in DIFFICULTIES:
        raise ValueError(
            f"{where}: difficulty {raw.get('difficulty')!r} is not one of {', '.join(DIFFICULTIES)}"
        )
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

    Concepts must be codes of the IHC Key Concepts 2019 list (``mgedu/data/key_concepts.csv``).

    >>> entry = make_entry("9.9", 301.4, kind="numeric", tolerance=1, unit="mg", notebook="x",
    ...                    title="t", concepts=["2.3d"], salt="s")
    >>> len(entry["accept"]), entry["accept"][0][:16]  # hashes of the accepted answers, never 301.4 itself
    (9, '272bc961569e42f2')
    """
    from mgedu.classroom.concepts import concept_titles

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")
    if not points > 0:
        raise ValueError(f"points must be > 0, got {points!r}")
    if not concepts:
        raise ValueError("concepts must name at least one IHC Key Concept code, e.g. ['2.1d']")
    concept_titles(concepts)
    if kind == "choice" and choices:
        letters = [chr(ord("a") + i) for i in range(len(choices))]
        given = [answer] if isinstance(answer, str) else list(answer)  # type: ignore[arg-type]
        bad = [a for a in given if normalise_text(str(a)) not in letters]
        if bad:
            raise ValueError(f"answer must be among the choice letters {', '.join(letters)}, got {bad!r}")
    salt = salt if salt is not None else secrets.token_hex(8)
    entry: dict[str, Any] = {
        "id": question_id,
        "notebook": notebook,
        "title": title,
        "kind": kind,
        "concepts": list(concepts),
        "difficulty": difficulty,
        "hint": hint,
        "points": points,
    }
    if kind == "numeric":
        if tolerance is None or not tolerance > 0:
            raise ValueError("a numeric exercise needs a tolerance > 0")
        target = float(answer)  # type: ignore[arg-type]
        step = _grid_step(tolerance)
        # Every grid cell [k - 1/2, k + 1/2] * step that touches the band is accepted: any answer within
        # the tolerance is accepted, and none further than tolerance + step (1.25 x tolerance) away.
        low = math.ceil((target - tolerance) / step - 0.5)
        high = math.floor((target + tolerance) / step + 0.5)
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
    ex = _exercise(question_id)
    if _is_blank(answer):
        return None
    if ex is None:
        return str(answer)[:MAX_LOGGED_TEXT]
    if ex.kind == "numeric":
        value, problem = _as_number(answer, ex.unit)
        return value if problem is None else str(answer)[:MAX_LOGGED_TEXT]
    if ex.kind == "written":
        return str(answer)[:MAX_LOGGED_TEXT]
    return normalise_text(str(answer))[:MAX_LOGGED_TEXT]


def _exercise(question_id: str) -> Exercise | None:
    return load_exercises().get(str(question_id))


def evaluate(
    question_id: str, answer: object, *, exercises: Mapping[str, Exercise] | None = None
) -> Feedback:
    """Check an answer without printing or logging anything (see :func:`check`).

    ``exercises`` replaces the loaded key files (the grader passes the keys it was given).

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
        return Feedback(
            ex.id, "unanswered", f"{ex.id} · no answer yet: replace the placeholder with your answer."
        )
    if ex.kind == "written":
        words = len(str(answer).split())
        return Feedback(
            ex.id,
            "recorded",
            f"{ex.id} · recorded ({words} words). A person reads written answers; "
            "compare yours with the points in the hint: " + ex.hint,
        )
    if ex.kind == "numeric":
        value, problem = _as_number(answer, ex.unit)
        if problem is not None:
            return Feedback(ex.id, "invalid", f"{ex.id} · not checked: {problem}.")
        assert value is not None and ex.tolerance is not None
        token = str(round(value / _grid_step(ex.tolerance)))
        ok = _digest(ex.id, ex.salt, token) in ex.accept
        band = f" (accepted within ±{ex.tolerance:g}{' ' + ex.unit if ex.unit else ''})"
    else:
        text = normalise_text(str(answer))
        ok = _digest(ex.id, ex.salt, text) in ex.accept
        band = ""
        if not ok and ex.kind == "choice" and ex.choices:
            letters = [chr(ord("a") + i) for i in range(len(ex.choices))]
            if text not in letters + [normalise_text(c) for c in ex.choices]:
                return Feedback(
                    ex.id, "invalid", f"{ex.id} · not checked: answer with one of {', '.join(letters)}."
                )
    if ok:
        return Feedback(ex.id, "correct", f"{ex.id} · correct{band}.")
    return Feedback(ex.id, "incorrect", f"{ex.id} · not yet. Hint: {ex.hint}")


def check(question_id: str, answer: object) -> Feedback:
    """Check an answer and give feedback that never reveals the correct answer.

    Checks are found by question id, never by the cell they sit in: you can move, copy or delete cells.
    Run a check as often as you like; when your work is graded, the last check of each question counts.

    >>> check("1.1", None)
    1.1 · no answer yet: replace the placeholder with your answer.
    """
    feedback = evaluate(question_id, answer)
    log_path = os.environ.get(LOG_VARIABLE)
    if log_path:
        record = {
            "id": str(question_id),
            "status": feedback.status,
            "answer": canonical_answer(question_id, answer),
        }
        try:
            with open(log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
        except OSError as exc:  # the feedback matters more to the student than the log
            print(f"(grading log not written: {exc})")
    return feedback


def sort_key(question_id: str) -> tuple[int, ...]:
    """Order exercise ids numerically ("1.10" after "1.9").

    >>> sorted(["1.10", "1.9", "0.2"], key=sort_key)
    ['0.2', '1.9', '1.10']
    """
    return tuple(int(part) if part.isdigit() else 0 for part in str(question_id).split("."))


def exercise_table(notebook: str | None = None) -> pd.DataFrame:
    """One row per exercise, for teachers: id, notebook, title, kind, Key Concepts, difficulty, points.

    >>> table = exercise_table()
    >>> list(table.columns)[:4]
    ['id', 'notebook', 'title', 'kind']
    >>> set(exercise_table("01-claims").notebook)
    {'01-claims'}
    """
    import pandas as pd

    exercises = sorted(load_exercises().values(), key=lambda ex: sort_key(ex.id))
    if notebook is not None:
        known = sorted({ex.notebook for ex in exercises})
        if notebook not in known:
            raise ValueError(f"notebook must be one of {', '.join(known)}, got {notebook!r}")
        exercises = [ex for ex in exercises if ex.notebook == notebook]
    rows = [
        {
            "id": ex.id,
            "notebook": ex.notebook,
            "title": ex.title,
            "kind": ex.kind,
            "concepts": ", ".join(ex.concepts),
            "difficulty": ex.difficulty,
            "points": ex.points,
            "unit": ex.unit,
        }
        for ex in exercises
    ]
    columns = ["id", "notebook", "title", "kind", "concepts", "difficulty", "points", "unit"]
    return pd.DataFrame(rows, columns=columns)
