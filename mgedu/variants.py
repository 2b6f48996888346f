"""Per-student variants of graded numeric exercises: each student's own numbers, recomputed by the grader.

Practice self-checks compare an answer with hashes shipped in the package; a determined student can
recover those answers by trying values (they are formative). For graded work, the exercises listed in
``mgedu/data/variants.json`` get **per-student numbers**: the teacher's course secret and the student's
id fix the numbers (:mod:`mgedu.classroom.course`), a per-student copy shows them (``release --course
--roster``), and the grader recomputes the expected answer with the same mgedu function the notebook
teaches (:func:`expected_answer`). Neither a neighbour's answer nor the shipped hashes give a student
theirs; a student with their own numbers and the workbook can compute it, which is the exercise.

An entry of the spec (CONTRIBUTING.md, "Exercises", says how to add one)::

    "4.1": {
      "function": "mgedu.doses:mmol_to_mg",        # computes the answer from the numbers below
      "args": {},                                   # fixed keyword arguments, if any
      "params": {"mmol": {"min": 5.0, "max": 25.0, "step": 0.1}},   # or {"choices": [...]}
      "tolerance": 1.0,                             # optional; default: the key's tolerance
      "prompt": "... (a made-up one, for this exercise) ... **{mmol:g} mmol** ... Answer in mg."
    }

:func:`variant_problems` checks every rule (also run by ``python -m mgedu check``). In a per-student
copy the exercise cell calls :func:`check_variant` with the student's numbers; it gives the same
immediate feedback as ``check`` and records the answer (and the numbers) for the grader, which ignores
the numbers in the notebook and uses the ones derived from the secret.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import json
import math
import os
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgedu.tables import Problem, package_data_dir

SPEC_FILE = "variants.json"
MADE_UP = "made-up"
MAX_DRAWS = 50


@dataclass(frozen=True)
class Variant:
    """How one exercise varies: the function computing the answer, fixed arguments, parameter ranges, text."""

    exercise: str
    function: str
    args: Mapping[str, Any]
    params: Mapping[str, Mapping[str, Any]]
    prompt: str
    tolerance: float | None = None


def spec_path() -> Path:
    """The variant spec shipped with the package."""
    return package_data_dir() / SPEC_FILE


def _param_problem(spec: Any) -> str:
    if not isinstance(spec, dict):
        return "must be an object with min, max (and step) or choices"
    if "choices" in spec:
        choices = spec["choices"]
        return "" if isinstance(choices, list) and len(choices) >= 2 else "choices must list at least two values"
    low, high, step = spec.get("min"), spec.get("max"), spec.get("step", 1)
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high, step))
    if not numbers or not low < high or not step > 0:
        return f"needs numbers min < max and step > 0, got min={low!r}, max={high!r}, step={step!r}"
    return ""


def load_variants(path: str | None = None) -> dict[str, Variant]:
    """Every variant exercise by id; ``ValueError`` naming the entry when the spec is malformed.

    >>> sorted(load_variants())[:2]
    ['4.1', '4.2']
    """
    file = Path(path) if path else spec_path()
    stat = file.stat()
    return dict(_load_variants(str(file), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _load_variants(path: str, mtime_ns: int, size: int) -> dict[str, Variant]:
    file = Path(path)
    payload = json.loads(file.read_text(encoding="utf-8"))
    variants = {}
    for qid, raw in payload.get("variants", {}).items():
        where = f"{file.name}: variant {qid}"
        if not isinstance(raw, dict) or not {"function", "params", "prompt"} <= set(raw):
            raise ValueError(f"{where}: needs function, params and prompt")
        if not isinstance(raw["params"], dict) or not raw["params"]:
            raise ValueError(f"{where}: params must name at least one parameter")
        for name, spec in raw["params"].items():
            problem = _param_problem(spec)
            if problem:
                raise ValueError(f"{where}: parameter {name!r} {problem}")
        tolerance = raw.get("tolerance")
        if tolerance is not None and not (isinstance(tolerance, int | float) and tolerance > 0):
            raise ValueError(f"{where}: tolerance must be a number > 0, got {tolerance!r}")
        variants[qid] = Variant(
            qid,
            str(raw["function"]),
            dict(raw.get("args", {})),
            dict(raw["params"]),
            str(raw["prompt"]),
            float(tolerance) if tolerance is not None else None,
        )
    return variants


def _function(variant: Variant) -> Any:
    module, _, name = variant.function.partition(":")
    if not module.startswith("mgedu.") or not name:
        raise ValueError(f"variant {variant.exercise}: function must be 'mgedu.module:name', got {variant.function!r}")
    function = getattr(importlib.import_module(module), name, None)
    if not callable(function):
        raise ValueError(f"variant {variant.exercise}: {variant.function} is not a function of mgedu")
    return function


def expected_answer(question_id: str, values: Mapping[str, Any], path: str | None = None) -> float:
    """The answer to a variant exercise for these numbers, computed by the mgedu function the spec names.

    >>> round(expected_answer("4.1", {"mmol": 12.4}), 1)
    301.4
    """
    variant = load_variants(path)[question_id]
    value = float(_function(variant)(**variant.args, **values))
    if not math.isfinite(value):
        raise ValueError(f"variant {question_id}: {variant.function} gave {value} for {dict(values)}")
    return value


def variant_tolerance(question_id: str, path: str | None = None) -> float:
    """The accepted +/- band for a variant exercise: the spec's ``tolerance``, else the answer key's.

    >>> variant_tolerance("4.1")
    1.0
    """
    from mgedu.exercises import load_exercises

    variant = load_variants(path)[question_id]
    if variant.tolerance is not None:
        return variant.tolerance
    exercise = load_exercises().get(question_id)
    return float(exercise.tolerance) if exercise is not None and exercise.tolerance else 0.0


def student_numbers(course: Any, student: str, question_id: str) -> dict[str, Any]:
    """A student's numbers for a variant exercise, from the course secret; never the practice question's.

    The practice question's numbers usually lie inside the ranges, and its answer is in the shipped
    key (and, being taught, in notebooks' outputs). A draw whose answer the shipped key accepts is
    therefore replaced by the next draw; per-student copies and the grader both call this function,
    so they always agree.

    >>> from pathlib import Path
    >>> from mgedu.classroom.course import Course
    >>> numbers = student_numbers(Course("demo", bytes(32), Path("x")), "s001", "4.1")
    >>> from mgedu.exercises import evaluate
    >>> 5.0 <= numbers["mmol"] <= 25.0, evaluate("4.1", expected_answer("4.1", numbers)).correct
    (True, False)
    """
    from mgedu.classroom.course import variant_values
    from mgedu.exercises import evaluate

    params = load_variants()[question_id].params
    for draw in range(MAX_DRAWS):
        values = variant_values(course, student, question_id if draw == 0 else f"{question_id}#{draw}", params)
        if not evaluate(question_id, expected_answer(question_id, values)).correct:
            return values
    raise ValueError(f"variant {question_id}: {MAX_DRAWS} draws all give the practice answer; widen its ranges")


def prompt_for(question_id: str, values: Mapping[str, Any], path: str | None = None) -> str:
    """The exercise text a student's copy shows, with their numbers.

    >>> prompt_for("4.1", {"mmol": 9.5}).count("9.5 mmol")
    1
    """
    return load_variants(path)[question_id].prompt.format(**values)


def corner_values(variant: Variant, limit: int = 64) -> list[dict[str, Any]]:
    """The extreme numbers a variant can give (each range's min and max, each choice), at most ``limit`` sets.

    >>> corner_values(load_variants()["4.1"])
    [{'mmol': 5.0}, {'mmol': 25.0}]
    """
    axes = [
        [(name, v) for v in (spec["choices"] if "choices" in spec else (spec["min"], spec["max"]))]
        for name, spec in sorted(variant.params.items())
    ]
    return [dict(combo) for combo in itertools.islice(itertools.product(*axes), limit)]


def variant_problems(path: str | Path | None = None, exercises: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every broken rule of the variant spec, as ``variants.json:0:<id>.<field>: message`` problems.

    Each variant must name a numeric exercise of the answer keys; its function an mgedu function that
    gives a finite, positive answer at every corner of the parameter ranges; its prompt must use
    exactly its parameters as ``{name}`` fields and say that its numbers are made up (the original
    questions quote real trials).

    >>> variant_problems()
    []
    """
    from mgedu.exercises import load_exercises

    file = Path(path) if path else spec_path()
    exercises = load_exercises() if exercises is None else exercises

    def problem(qid: str, field: str, message: str) -> Problem:
        return Problem(file.name, 0, f"{qid}.{field}" if qid else field, message)

    try:
        variants = load_variants(str(file))
    except (OSError, ValueError, TypeError) as exc:
        return [problem("", "-", f"cannot be read: {exc}")]
    found = []
    for qid, variant in sorted(variants.items()):
        exercise = exercises.get(qid)
        if exercise is None:
            found.append(problem(qid, "id", f"no exercise {qid} in the answer keys"))
        elif exercise.kind != "numeric":
            found.append(problem(qid, "id", f"exercise {qid} is a {exercise.kind} item; only numeric ones vary"))
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(variant.prompt) if f is not None}
        except ValueError as exc:
            fields = set()
            found.append(problem(qid, "prompt", f"is not a valid template: {exc}"))
        if fields != set(variant.params):
            shown = f"must show exactly the parameters {sorted(variant.params)}, shows {sorted(fields)}"
            found.append(problem(qid, "prompt", shown))
        if MADE_UP not in variant.prompt:
            said = f"must say its numbers are {MADE_UP!r} (the original questions quote real trials)"
            found.append(problem(qid, "prompt", said))
        try:
            _function(variant)
        except (ImportError, ValueError) as exc:
            found.append(problem(qid, "function", str(exc)))
            continue
        for values in corner_values(variant):
            try:
                value = expected_answer(qid, values, str(file))
            except Exception as exc:  # any failure of the function is a problem of the spec
                found.append(problem(qid, "params", f"{variant.function} fails for {values}: {exc}"))
                break
            if not value > 0:
                found.append(problem(qid, "params", f"{variant.function} gives {value:g} for {values}, not > 0"))
                break
    return found


def check_variant(question_id: str, answer: object, **values: Any) -> Any:
    """Check an answer to a variant exercise for the numbers of this copy; never shows the answer.

    Feedback is the same as ``check`` gives; the answer and the numbers are recorded for the grader.
    """
    from mgedu.exercises import LOG_VARIABLE, Feedback, canonical_answer, load_exercises, read_numeric_answer

    exercise = load_exercises().get(str(question_id))
    unit = f" {exercise.unit}" if exercise and exercise.unit else ""
    if answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        feedback = Feedback(question_id, "unanswered", f"{question_id} · no answer yet: replace the placeholder.")
    else:
        try:
            given = read_numeric_answer(answer, exercise.unit if exercise else "")
            target = expected_answer(question_id, values)
            tolerance = variant_tolerance(question_id)
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
