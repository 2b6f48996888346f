"""Answer keys: the JSON files under ``mgedu/data/exercises/``, how to read them and how to write them.

One file per notebook (``NN.json``: ``{"notebook": "NN-name", "exercises": [entry, ...]}``). An entry
holds no answer in clear:

- categorical and multiple-choice answers are salted SHA-256 hashes of the normalised answer;
- numeric answers are hashes of every point of a fine grid (a quarter of the tolerance) covering the
  tolerance band, so a check can tell "within tolerance" without the target ever being written down;
- the feedback texts that would give the answer away by their tone or by their absence (the one-line
  "because" shown on a right answer, the second, more specific hint, and the feedback for each wrong
  option) are *sealed*: XOR-ed with a keystream made from the entry's id and salt and base64-encoded.

What this protects against, honestly: reading an answer off the file by eye. It is not encryption:
the salt is in the file, so a determined student with Python can decode the sealed texts or try every
option against the hashes. For graded work, hand out the released student copies.

Authors never write an entry by hand: :func:`make_entry` takes the answer in clear, checks the entry
(a ``skill``; for choice items full option texts, feedback for every wrong option and a "because")
and returns the JSON-ready dict; :func:`save_entry` writes it into its key file (replacing an entry
with the same id); :func:`choices_markdown` gives the options, one per line, for the question cell.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mgedu.tables import package_data_dir

Kind = Literal["numeric", "choice", "text", "written"]
KINDS: tuple[str, ...] = ("numeric", "choice", "text", "written")
DIFFICULTIES: tuple[str, ...] = ("core", "stretch", "challenge")
#: What an item asks the learner to do: remember or look up; carry out a method; weigh evidence and
#: decide; apply a concept to a claim, study or dose the notebook has not worked.
SKILLS: tuple[str, ...] = ("recall", "procedure", "judgement", "transfer")
GRID_STEPS_PER_TOLERANCE = 4
KEYS_VARIABLE = "MGEDU_EXERCISE_KEYS"
MAX_BECAUSE_CHARS = 240


@dataclass(frozen=True)
class Exercise:
    """One exercise as stored in a key file (no answer in clear; sealed texts already opened)."""

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
    skill: str = ""
    because: str = ""
    second_hint: str = ""
    option_feedback: Mapping[str, str] = field(default_factory=dict)
    words: tuple[int, int] | None = None

    @property
    def letters(self) -> tuple[str, ...]:
        """The option letters of a choice item (``a``, ``b``, ...)."""
        return tuple(chr(ord("a") + i) for i in range(len(self.choices)))


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
        exercise_from_dict(raw, f"{path.name}: exercise {position}")
        for position, raw in enumerate(payload["exercises"], start=1)
    ]


def clear_cache() -> None:
    """Forget the loaded key files (after editing them in a running session)."""
    _load_exercises.cache_clear()


def _words(raw: object, where: str) -> tuple[int, int] | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, list | tuple)
        or len(raw) != 2
        or not all(isinstance(v, int) for v in raw)
        or not 0 < raw[0] < raw[1]
    ):
        raise ValueError(f"{where}: words must be [fewest, most] whole numbers with 0 < fewest < most, got {raw!r}")
    return int(raw[0]), int(raw[1])


def exercise_from_dict(raw: dict[str, Any], where: str) -> Exercise:
    """Check one raw key entry and build its :class:`Exercise` (``ValueError`` naming ``where``)."""
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if raw.get("difficulty") not in DIFFICULTIES:
        raise ValueError(f"{where}: difficulty {raw.get('difficulty')!r} is not one of {', '.join(DIFFICULTIES)}")
    if raw.get("skill") not in SKILLS:
        raise ValueError(f"{where}: skill {raw.get('skill')!r} is not one of {', '.join(SKILLS)}")
    try:
        qid, salt = str(raw["id"]), str(raw.get("salt", ""))
        sealed = unseal(raw["sealed"], qid, salt, where) if raw.get("sealed") else {}
        choices = tuple(raw.get("choices", ()))
        letters = [chr(ord("a") + i) for i in range(len(choices))]
        feedback = dict(sealed.get("feedback", {}))
        stray = sorted(set(feedback) - set(letters))
        if stray:
            raise ValueError(f"{where}: feedback for options {stray} that the item does not have")
        return Exercise(
            id=qid,
            notebook=str(raw["notebook"]),
            title=str(raw["title"]),
            kind=kind,
            concepts=tuple(raw.get("concepts", ())),
            difficulty=str(raw["difficulty"]),
            hint=str(raw.get("hint", "")),
            points=float(raw.get("points", 1.0)),
            unit=str(raw.get("unit", "")),
            tolerance=None if raw.get("tolerance") is None else float(raw["tolerance"]),
            choices=choices,
            salt=salt,
            accept=tuple(raw.get("accept", ())),
            skill=str(raw["skill"]),
            because=str(sealed.get("because", "")),
            second_hint=str(sealed.get("second_hint", "")),
            option_feedback=feedback,
            words=_words(raw.get("words"), where),
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


def digest(question_id: str, salt: str, token: str) -> str:
    """The salted hash a key stores for one accepted answer token."""
    return hashlib.sha256(f"mgedu|{question_id}|{salt}|{token}".encode()).hexdigest()


def grid_step(tolerance: float) -> float:
    """Spacing of the numeric answer grid for a tolerance."""
    return tolerance / GRID_STEPS_PER_TOLERANCE


def _keystream(question_id: str, salt: str, length: int) -> bytes:
    blocks, counter = [], 0
    while sum(map(len, blocks)) < length:
        blocks.append(hashlib.sha256(f"mgedu-seal|{question_id}|{salt}|{counter}".encode()).digest())
        counter += 1
    return b"".join(blocks)[:length]


def seal(payload: Mapping[str, Any], question_id: str, salt: str) -> str:
    """Seal feedback texts so they cannot be read by eye in a key file (see the module docstring).

    >>> sealed = seal({"because": "Only 10 people."}, "9.1", "s")
    >>> "10 people" in sealed, unseal(sealed, "9.1", "s", "test")["because"]
    (False, 'Only 10 people.')
    """
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    mixed = bytes(a ^ b for a, b in zip(data, _keystream(question_id, salt, len(data)), strict=True))
    return base64.b64encode(mixed).decode("ascii")


def unseal(sealed: object, question_id: str, salt: str, where: str) -> dict[str, Any]:
    """Open what :func:`seal` made; ``ValueError`` naming ``where`` when it is damaged."""
    try:
        mixed = base64.b64decode(str(sealed), validate=True)
        data = bytes(a ^ b for a, b in zip(mixed, _keystream(question_id, salt, len(mixed)), strict=True))
        payload = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValueError(
            f"{where}: the sealed feedback cannot be opened (edited by hand, or a wrong id or salt?)"
        ) from None
    if not isinstance(payload, dict) or not all(isinstance(v, str | dict) for v in payload.values()):
        raise ValueError(f"{where}: the sealed feedback is not a mapping of texts")
    return payload


def _answers(answer: object | Sequence[object]) -> list[object]:
    return [answer] if isinstance(answer, str) or not isinstance(answer, Sequence) else list(answer)


def make_entry(
    question_id: str,
    answer: object | Sequence[object],
    *,
    kind: Kind,
    notebook: str,
    title: str,
    concepts: Sequence[str],
    skill: str,
    difficulty: str = "core",
    hint: str = "",
    second_hint: str = "",
    because: str = "",
    feedback: Mapping[str, str] | None = None,
    tolerance: float | None = None,
    unit: str = "",
    choices: Sequence[str] = (),
    words: tuple[int, int] | None = None,
    points: float = 1.0,
    salt: str | None = None,
) -> dict[str, Any]:
    """Build a key entry (for authors): the answer goes in, only hashes and sealed texts come out.

    For ``numeric``, ``answer`` is the target and ``tolerance`` the accepted +/- band (in ``unit``).
    For ``choice``, ``answer`` is the right letter (or letters), ``choices`` the full option texts in
    order, ``feedback`` maps *every wrong letter* to why that option is wrong (without naming the right
    one), and ``because`` is the one line shown on a right answer. For ``text``, ``answer`` is one
    accepted answer or a list of them. For ``written``, ``answer`` is ignored (a person reads written
    answers) and ``words`` is the range asked for, e.g. ``(80, 150)``. ``hint`` is shown after a wrong
    answer, ``second_hint`` (more specific) after a second, different wrong answer.

    Concepts must be codes of the IHC Key Concepts 2019 list (``mgedu/data/key_concepts.csv``).

    >>> entry = make_entry("9.9", 301.4, kind="numeric", tolerance=1, unit="mg", notebook="x", title="t",
    ...                    concepts=["2.3d"], skill="procedure", hint="h", second_hint="h2", salt="s")
    >>> len(entry["accept"]), entry["accept"][0][:16]  # hashes of the accepted answers, never 301.4 itself
    (9, '272bc961569e42f2')
    """
    from mgedu.classroom.concepts import concept_titles

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")
    if skill not in SKILLS:
        raise ValueError(f"skill must be one of {', '.join(SKILLS)}, got {skill!r}")
    if not points > 0:
        raise ValueError(f"points must be > 0, got {points!r}")
    if not concepts:
        raise ValueError("concepts must name at least one IHC Key Concept code, e.g. ['2.1d']")
    concept_titles(concepts)
    if kind != "written" and not (hint.strip() and second_hint.strip()):
        raise ValueError("hint and second_hint must both be given: a first hint, then a more specific one")
    if because and ("\n" in because or len(because) > MAX_BECAUSE_CHARS):
        raise ValueError(f"because must be one line of at most {MAX_BECAUSE_CHARS} characters")
    sealed: dict[str, Any] = {}
    if kind == "choice":
        _check_choice_entry(_answers(answer), choices, feedback or {}, because)
        sealed["feedback"] = {k.strip().lower(): v for k, v in (feedback or {}).items()}
    elif feedback:
        raise ValueError("feedback per option is for choice items only")
    if because:
        sealed["because"] = because
    if second_hint:
        sealed["second_hint"] = second_hint
    salt = salt if salt is not None else secrets.token_hex(8)
    entry: dict[str, Any] = {
        "id": question_id,
        "notebook": notebook,
        "title": title,
        "kind": kind,
        "skill": skill,
        "concepts": list(concepts),
        "difficulty": difficulty,
        "hint": hint,
        "points": points,
    }
    if kind == "numeric":
        if tolerance is None or not tolerance > 0:
            raise ValueError("a numeric exercise needs a tolerance > 0")
        target = float(answer)  # type: ignore[arg-type]
        step = grid_step(tolerance)
        # Every grid cell [k - 1/2, k + 1/2] * step that touches the band is accepted: any answer within
        # the tolerance is accepted, and none further than tolerance + step (1.25 x tolerance) away.
        low = math.ceil((target - tolerance) / step - 0.5)
        high = math.floor((target + tolerance) / step + 0.5)
        tokens = [str(k) for k in range(low, high + 1)]
        entry.update(unit=unit, tolerance=tolerance)
    elif kind in ("choice", "text"):
        tokens = [normalise_text(str(a)) for a in _answers(answer)]
        if kind == "choice":
            entry["choices"] = list(choices)
    else:
        tokens = []
        if words is not None:
            entry["words"] = list(_words(list(words), "words") or ())
    entry["salt"] = salt
    entry["accept"] = sorted(digest(question_id, salt, t) for t in tokens)
    if sealed:
        entry["sealed"] = seal(sealed, question_id, salt)
    return entry


def _check_choice_entry(
    answers: list[object], choices: Sequence[str], feedback: Mapping[str, str], because: str
) -> None:
    if len(choices) < 2:
        raise ValueError("a choice item needs at least two choices, each the full text of an option")
    letters = [chr(ord("a") + i) for i in range(len(choices))]
    if any(normalise_text(c) in letters for c in choices):
        raise ValueError("choices must be the full option texts, not just their letters")
    right = [normalise_text(str(a)) for a in answers]
    bad = [a for a in right if a not in letters]
    if bad:
        raise ValueError(f"answer must be among the choice letters {', '.join(letters)}, got {bad!r}")
    given = {k.strip().lower() for k in feedback}
    wrong = [letter for letter in letters if letter not in right]
    missing = [letter for letter in wrong if letter not in given]
    if missing:
        raise ValueError(f"feedback must explain every wrong option; missing for {', '.join(missing)}")
    extra = sorted(given - set(wrong))
    if extra:
        raise ValueError(f"feedback is for wrong options only (it would mark the right one); remove {extra}")
    for letter, text in feedback.items():
        naming = [f"{r})" for r in right] + [f"option {r}" for r in right] + [f"({r})" for r in right]
        if not str(text).strip() or any(n in str(text).lower() for n in naming):
            raise ValueError(f"feedback for {letter} must say why it is wrong without naming the right option")
    if not because.strip():
        raise ValueError("because must give the one-line reason shown on a right answer")


def save_entry(entry: Mapping[str, Any], folder: str | Path | None = None) -> Path:
    """Write ``entry`` (from :func:`make_entry`) into its key file ``NN.json``, replacing the same id.

    The file is chosen from the id (``"4.2"`` goes to ``04.json``; a notebook without a number, such
    as ``quiz-pre-post``, has ids made of its first letter, ``"Q.3"``, and the file ``quiz.json``) and
    created when missing; entries stay in id order. Returns the path written.
    """
    checked = exercise_from_dict(dict(entry), f"entry {entry.get('id')!r}")
    number = checked.id.split(".")[0]
    stem = checked.notebook.split("-")[0]
    if number.isdigit():
        name = f"{int(number):02d}.json"
    elif not stem.isdigit() and number == stem[:1].upper():
        name = f"{stem}.json"
    else:
        raise ValueError(
            f"id must look like 'N.k' (notebook number, then item), or for notebook {checked.notebook!r} "
            f"'{stem[:1].upper()}.k', got {checked.id!r}"
        )
    where = Path(folder) if folder is not None else keys_dir()
    path = where / name
    payload = (
        json.loads(path.read_text(encoding="utf-8"))
        if path.exists()
        else {"notebook": checked.notebook, "exercises": []}
    )
    if payload.get("notebook") != checked.notebook:
        raise ValueError(f"{path.name} holds notebook {payload.get('notebook')!r}, not {checked.notebook!r}")
    kept = [e for e in payload["exercises"] if e.get("id") != checked.id] + [dict(entry)]
    payload["exercises"] = sorted(kept, key=lambda e: tuple(int(p) for p in str(e["id"]).split(".") if p.isdigit()))
    where.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    clear_cache()
    return path


def choices_markdown(question_id: str) -> str:
    """The options of a choice item as Markdown, one per line, for the question cell.

    >>> print(choices_markdown("3.2").splitlines()[0])  # doctest: +ELLIPSIS
    - **a)** ...
    """
    ex = load_exercises().get(question_id)
    if ex is None or ex.kind != "choice":
        raise ValueError(f"question_id must be a choice item, got {question_id!r}")
    return "\n".join(f"- **{letter})** {text}" for letter, text in zip(ex.letters, ex.choices, strict=True))


def right_letters(ex: Exercise) -> tuple[str, ...]:
    """The letters a choice item accepts, found by trying each (for the balance report, not learners)."""
    return tuple(letter for letter in ex.letters if digest(ex.id, ex.salt, letter) in ex.accept)
