"""First and last attempts at each exercise: kept while the learner works, handed in with the notebook.

Feedback is immediate and a learner may try again, so a check keeps every *different* answer given to
a question (re-running the same answer adds nothing), in order. The first answer is what the learner
committed to before any feedback; the last is where they ended.

Where the history lives:

- in memory, for the kernel's lifetime;
- in ``.mgedu-attempts.json`` in the notebook's folder, when running in a Jupyter kernel, so that a
  kernel restart does not wipe the first attempt (``MGEDU_ATTEMPTS_FILE`` names another file, or turns
  this off when set to an empty string; nothing is written while ``MGEDU_GRADING_LOG`` is set);
- in the **notebook file**: each check's output carries a machine-readable record under the MIME type
  ``application/vnd.mgedu.attempts+json`` next to the text the learner reads::

      {"format": 1, "question": "4.1", "tries": 2,
       "first": {"answer": 300.0, "status": "incorrect"}, "last": {"answer": 301.4, "status": "correct"}}

  JupyterLab, nbconvert and the static site show only the text; the record travels with the saved
  notebook. The grader re-runs a handed-in notebook in a fresh kernel, so it must read this record
  from the file *as handed in*, before running it: :func:`read_attempts`.

This record is **formative**: it is written by the learner's own kernel into a file the learner
controls, so a determined student can edit it. :func:`read_attempts` re-checks the recorded answers
against the key (a forged status gains nothing), but it cannot know whether the history itself was
edited. Use the first attempt to see how learners think, not as a mark that must stand up to cheating.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mgedu.exercise_keys import Exercise

ATTEMPTS_MIME = "application/vnd.mgedu.attempts+json"
ATTEMPTS_VARIABLE = "MGEDU_ATTEMPTS_FILE"
ATTEMPTS_FILE = ".mgedu-attempts.json"
RECORD_FORMAT = 1
COUNTED = ("correct", "incorrect", "recorded")  # statuses that are attempts (not blanks or unreadable input)
MAX_ANSWER_CHARS = 5000

_HISTORY: dict[str, list[dict[str, Any]]] = {}
_LOADED_FROM: list[Path | None] = []


def attempts_path() -> Path | None:
    """Where the history is kept between kernel restarts, or None when it is not (see the module docstring)."""
    if ATTEMPTS_VARIABLE in os.environ:
        value = os.environ[ATTEMPTS_VARIABLE].strip()
        return Path(value) if value else None
    if os.environ.get("MGEDU_GRADING_LOG"):
        return None
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the runtime
        return None
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    return Path.cwd() / ATTEMPTS_FILE


def _history() -> dict[str, list[dict[str, Any]]]:
    path = attempts_path()
    if not _LOADED_FROM or _LOADED_FROM[-1] != path:
        _LOADED_FROM.append(path)
        if path is not None and path.exists():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = {}
            for qid, tries in stored.items() if isinstance(stored, dict) else ():
                if isinstance(qid, str) and isinstance(tries, list) and qid not in _HISTORY:
                    _HISTORY[qid] = [t for t in tries if _valid_try(t)]
    return _HISTORY


def _valid_try(value: object) -> bool:
    return (
        isinstance(value, dict)
        and value.get("status") in COUNTED
        and (value.get("answer") is None or isinstance(value.get("answer"), str | int | float))
        and not isinstance(value.get("answer"), bool)
    )


def record_attempt(question_id: str, answer: str | float | None, status: str) -> list[dict[str, Any]]:
    """Add an answer to the history of ``question_id`` (if it is an attempt and differs from the last).

    Returns the question's history. Blanks and unreadable answers are not attempts.
    """
    history = _history()
    tries = history.setdefault(str(question_id), [])
    if status in COUNTED and answer is not None:
        if isinstance(answer, str):
            answer = answer[:MAX_ANSWER_CHARS]
        if not tries or tries[-1]["answer"] != answer:
            tries.append({"answer": answer, "status": status})
            _save(history)
    return tries


def _save(history: Mapping[str, list[dict[str, Any]]]) -> None:
    path = attempts_path()
    if path is None:
        return
    try:
        path.write_text(json.dumps({k: v for k, v in history.items() if v}, indent=1), encoding="utf-8")
    except OSError:  # a read-only folder must not break a check
        pass


def tries_of(question_id: str) -> list[dict[str, Any]]:
    """The recorded attempts at ``question_id`` (oldest first; empty before the first answer)."""
    return list(_history().get(str(question_id), []))


def earlier_wrong(question_id: str, answer: str | float | None) -> int:
    """How many *different* wrong answers were given before, not counting ``answer`` itself."""
    return len(
        {repr(t["answer"]) for t in tries_of(question_id) if t["status"] == "incorrect" and t["answer"] != answer}
    )


def output_record(question_id: str) -> dict[str, Any] | None:
    """The machine-readable record a check's output carries, or None before the first attempt.

    >>> print(output_record("no-such-question"))
    None
    """
    tries = tries_of(question_id)
    if not tries:
        return None
    return {
        "format": RECORD_FORMAT,
        "question": str(question_id),
        "tries": len(tries),
        "first": dict(tries[0]),
        "last": dict(tries[-1]),
    }


def forget_attempts() -> None:
    """Forget the history kept in memory (tests; a learner deletes ``.mgedu-attempts.json`` instead)."""
    _HISTORY.clear()
    _LOADED_FROM.clear()


@dataclass(frozen=True)
class AttemptRecord:
    """First and last attempt at one exercise, read from a handed-in notebook and re-checked."""

    question_id: str
    tries: int
    first_answer: str | float | None
    first_status: str
    last_answer: str | float | None
    last_status: str
    rechecked: bool


def _answer(value: object) -> str | float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return str(value)[:MAX_ANSWER_CHARS]


def read_attempts(notebook: Any, exercises: Mapping[str, Exercise] | None = None) -> dict[str, AttemptRecord]:
    """First and last attempts per question id, from the stored outputs of a notebook as handed in.

    ``notebook`` is a path or an nbformat notebook (not modified). Statuses are re-checked against the
    keys (``exercises``, default: the loaded keys); ``rechecked`` is False for ids with no key, whose
    statuses are shown as stored. When a question's record appears in several outputs (a copied cell),
    the one with the most tries wins. Malformed records are skipped, never raised.
    """
    import nbformat

    from mgedu.exercise_keys import load_exercises
    from mgedu.exercises import evaluate

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook
    keys = load_exercises() if exercises is None else exercises
    best: dict[str, dict[str, Any]] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            record = (output.get("data") or {}).get(ATTEMPTS_MIME)
            if isinstance(record, str):
                try:
                    record = json.loads(record)
                except ValueError:
                    continue
            if not (
                isinstance(record, dict)
                and isinstance(record.get("question"), str)
                and isinstance(record.get("tries"), int)
                and _valid_try(record.get("first"))
                and _valid_try(record.get("last"))
            ):
                continue
            qid = record["question"]
            if qid not in best or record["tries"] >= best[qid]["tries"]:
                best[qid] = record
    result = {}
    for qid, record in sorted(best.items()):
        first, last = _answer(record["first"]["answer"]), _answer(record["last"]["answer"])
        known = qid in keys
        result[qid] = AttemptRecord(
            question_id=qid,
            tries=max(1, int(record["tries"])),
            first_answer=first,
            first_status=evaluate(qid, first, exercises=keys).status if known else str(record["first"]["status"]),
            last_answer=last,
            last_status=evaluate(qid, last, exercises=keys).status if known else str(record["last"]["status"]),
            rechecked=known,
        )
    return result
