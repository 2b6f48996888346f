"""Per-student variants of graded numeric exercises: each student's own numbers, recomputed by the grader.

Practice self-checks compare an answer with hashes shipped in the package; a determined student can
recover those answers by trying values (they are formative). For graded work, the exercises listed in
``mgedu/data/variants.json`` get **per-student numbers**: the teacher's course secret and the student's
id fix the numbers (:mod:`mgedu.classroom.course`), a per-student copy shows them (``release --course
--roster``), and the grader recomputes the expected answer with the same mgedu function the notebook
teaches (:func:`expected_answer`). Neither a neighbour's answer nor the shipped hashes give a student
theirs; a student with their own numbers and the workbook can compute it, which is the exercise.

In a per-student copy the exercise cell calls :func:`check_variant` with the student's numbers; it gives
the same immediate feedback as ``check`` and records the answer (and the numbers) for the grader, which
ignores the numbers in the notebook and uses the ones derived from the secret.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgedu.tables import package_data_dir

SPEC_FILE = "variants.json"


@dataclass(frozen=True)
class Variant:
    """How one exercise varies: the function computing the answer, fixed arguments, parameter ranges, text."""

    exercise: str
    function: str
    args: Mapping[str, Any]
    params: Mapping[str, Mapping[str, Any]]
    prompt: str


def spec_path() -> Path:
    """The variant spec shipped with the package."""
    return package_data_dir() / SPEC_FILE


@functools.lru_cache(maxsize=4)
def load_variants(path: str | None = None) -> dict[str, Variant]:
    """Every variant exercise by id; ``ValueError`` naming the entry when the spec is malformed.

    >>> sorted(load_variants())[:2]
    ['4.1', '4.2']
    """
    file = Path(path) if path else spec_path()
    payload = json.loads(file.read_text(encoding="utf-8"))
    variants = {}
    for qid, raw in payload.get("variants", {}).items():
        where = f"{file.name}: variant {qid}"
        if not isinstance(raw, dict) or not {"function", "params", "prompt"} <= set(raw):
            raise ValueError(f"{where}: needs function, params and prompt")
        for name, spec in raw["params"].items():
            ok = "choices" in spec or (
                {"min", "max"} <= set(spec) and spec["min"] < spec["max"] and spec.get("step", 1) > 0
            )
            if not ok:
                raise ValueError(f"{where}: parameter {name!r} needs min < max (and step > 0) or choices")
        variants[qid] = Variant(qid, raw["function"], dict(raw.get("args", {})), dict(raw["params"]), raw["prompt"])
    return variants


def expected_answer(question_id: str, values: Mapping[str, Any]) -> float:
    """The answer to a variant exercise for these numbers, computed by the mgedu function the spec names.

    >>> round(expected_answer("4.1", {"mmol": 12.4}), 1)
    301.4
    """
    variant = load_variants()[question_id]
    module, _, name = variant.function.partition(":")
    if not module.startswith("mgedu."):
        raise ValueError(f"variant {question_id}: function must be an mgedu function, got {variant.function!r}")
    function = getattr(importlib.import_module(module), name)
    value = float(function(**variant.args, **values))
    if not math.isfinite(value):
        raise ValueError(f"variant {question_id}: {variant.function} gave {value} for {dict(values)}")
    return value


def prompt_for(question_id: str, values: Mapping[str, Any]) -> str:
    """The exercise text a student's copy shows, with their numbers.

    >>> prompt_for("4.1", {"mmol": 9.5}).count("9.5 mmol")
    1
    """
    return load_variants()[question_id].prompt.format(**values)


def check_variant(question_id: str, answer: object, **values: Any) -> Any:
    """Check an answer to a variant exercise for the numbers of this copy; never shows the answer.

    Feedback is the same as ``check`` gives; the answer and the numbers are recorded for the grader.
    """
    from mgedu.exercises import LOG_VARIABLE, Feedback, canonical_answer, load_exercises, read_numeric_answer

    exercise = load_exercises().get(str(question_id))
    unit = f" {exercise.unit}" if exercise and exercise.unit else ""
    tolerance = exercise.tolerance if exercise and exercise.tolerance else 0.0
    if answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        feedback = Feedback(question_id, "unanswered", f"{question_id} · no answer yet: replace the placeholder.")
    else:
        try:
            given = read_numeric_answer(answer, exercise.unit if exercise else "")
            target = expected_answer(question_id, values)
        except (TypeError, ValueError, KeyError) as exc:
            feedback = Feedback(question_id, "invalid", f"{question_id} · not checked: {exc}.")
        else:
            ok = math.isfinite(given) and abs(given - target) <= tolerance
            band = f" (accepted within ±{tolerance:g}{unit})" if tolerance else ""
            hint = exercise.hint if exercise else ""
            feedback = (
                Feedback(question_id, "correct", f"{question_id} · correct{band}.")
                if ok
                else Feedback(question_id, "incorrect", f"{question_id} · not yet. Hint: {hint}")
            )
    log = os.environ.get(LOG_VARIABLE)
    if log:
        record = {
            "id": str(question_id),
            "status": feedback.status,
            "answer": canonical_answer(question_id, answer),
            "values": {k: v for k, v in values.items() if isinstance(v, int | float | str)},
        }
        try:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
        except OSError as exc:
            print(f"(grading log not written: {exc})")
    return feedback
