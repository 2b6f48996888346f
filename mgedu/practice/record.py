"""The learner's own record: judgements, predictions and written answers made in this kernel.

The record is kept apart from the audit: it lives in memory, in this module, and nothing in it is ever
written to a data file. It survives what a notebook survives because it is *made by code cells*: each
judgement is a plain call such as ``judge("S002-C07", "overstated", "design-cannot-show")``, so saving
the notebook saves the call, a kernel restart followed by Run All makes the record again, a released
copy keeps the learner's cells, and the grader (which runs the handed-in notebook in a fresh kernel)
sees every judgement in its grading log.

When ``MGEDU_GRADING_LOG`` names a file, each recorded judgement is appended to it as one JSON line
(``{"id": "judgement:claim:S002-C07", "kind": "judgement", "task": "claim", "item": "S002-C07",
"values": {...}}``). Lines carry a ``kind`` so that the grader tells them from exercise checks.

A placeholder (``...`` or ``""``) means "not judged yet": it records nothing, prints the allowed values
and is never an error, so Run All on a blank copy runs clean and reveals nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mgedu.practice.display import Shown
from mgedu.practice.tasks import Task, choices_text, get_task, is_placeholder

LOG_VARIABLE = "MGEDU_GRADING_LOG"  # the same variable mgedu.exercises.check writes to
RecordKind = Literal["judgement", "prediction", "written"]


@dataclass(frozen=True)
class Judgement:
    """One recorded judgement: the task, the item and the value chosen on each of the task's scales."""

    task: str
    item: str
    values: Mapping[str, str]


@dataclass
class LearnerRecord:
    """Everything the learner committed to in this kernel, by task and item (latest call wins)."""

    judgements: dict[tuple[str, str], Judgement] = field(default_factory=dict)
    predictions: dict[str, float] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)

    def judged(self, task: str) -> list[Judgement]:
        """The judgements of one task, in the order they were first made."""
        return [j for (t, _), j in self.judgements.items() if t == task]

    def clear(self, task: str | None = None) -> None:
        """Forget the judgements of ``task`` (everything, predictions and written answers too, when None)."""
        if task is None:
            self.judgements.clear()
            self.predictions.clear()
            self.written.clear()
            return
        for key in [k for k in self.judgements if k[0] == task]:
            del self.judgements[key]


_RECORD = LearnerRecord()


def learner_record() -> LearnerRecord:
    """The record of this kernel (one per Python process)."""
    return _RECORD


def forget(task: str | None = None) -> str:
    """Start again: forget your judgements of ``task`` (or everything you recorded, when None).

    >>> forget("claim")
    'Forgot your claim judgements.'
    """
    if task is not None:
        get_task(task)
    _RECORD.clear(task)
    return "Forgot everything you recorded." if task is None else f"Forgot your {task} judgements."


def log_event(kind: RecordKind, key: str, **fields: Any) -> None:
    """Append one record to the grading log when ``MGEDU_GRADING_LOG`` is set (nothing otherwise)."""
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    record = {"id": f"{kind}:{key}", "kind": kind, **fields}
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    except OSError as exc:  # the learner's feedback matters more than the log
        print(f"(grading log not written: {exc})")


def judgements_from_log(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Judgement]]:
    """The judgements in a grading log, by task (the last judgement of each item counts).

    Records are re-validated against the task's scales (a hand-edited log cannot add values the
    learner could not have chosen); malformed or unknown ones are skipped.

    >>> log = [{"kind": "judgement", "task": "claim", "item": "S000-C08",
    ...         "values": {"verdict": "overstated", "reason": "design-cannot-show"}},
    ...        {"kind": "judgement", "task": "claim", "item": "S000-C08", "values": {"verdict": "bogus"}}]
    >>> [(j.item, dict(j.values)["verdict"]) for j in judgements_from_log(log)["claim"]]
    [('S000-C08', 'overstated')]
    """
    found: dict[str, dict[str, Judgement]] = {}
    for record in records:
        if not isinstance(record, Mapping) or record.get("kind") != "judgement":
            continue
        try:
            task = get_task(str(record.get("task")))
        except ValueError:
            continue
        item, values = record.get("item"), record.get("values")
        if not isinstance(values, Mapping) or task.item_problem(item) is not None:
            continue
        clean = {s.name: s.resolve(values.get(s.name)) for s in task.scales}
        if any(v is None for v in clean.values()):
            continue
        chosen = {k: str(v) for k, v in clean.items()}
        if task.check is not None and task.check(chosen) is not None:
            continue
        found.setdefault(task.name, {})[str(item)] = Judgement(task.name, str(item), chosen)
    return {name: list(items.values()) for name, items in found.items()}


def judge_item(task: str | Task, item: object, *values: object, **named: object) -> Shown:
    """Record a judgement of ``item`` for ``task``: one value per scale, in order (or by scale name).

    Returns what the learner sees: ``recorded``, ``not judged yet`` (placeholders) or ``not recorded``
    with the reason (an unknown id, an unknown or missing value, choices that contradict each other).
    Nothing is raised for a learner's input, so a notebook always runs to the end.

    >>> judge_item("claim", "S000-C08", ..., ...).status
    'not judged'
    >>> judge_item("claim", "S000-C08", "overstate", "design-cannot-show").status
    'invalid'
    """
    declared = get_task(task)
    scales = declared.scales
    if len(values) > len(scales):
        raise ValueError(
            f"{declared.name} takes {len(scales)} value(s) ({', '.join(s.name for s in scales)}), got {len(values)}"
        )
    unknown_names = sorted(set(named) - {s.name for s in scales})
    if unknown_names:
        raise ValueError(
            f"{declared.name} has no scale {unknown_names[0]!r}; its scales: {', '.join(s.name for s in scales)}"
        )
    given = {s.name: v for s, v in zip(scales, values, strict=False)}
    given.update(named)
    chosen = {s.name: given.get(s.name, ...) for s in scales}
    label = str(item) if not is_placeholder(item) else f"(no {declared.noun} id)"
    blank = [name for name, value in chosen.items() if is_placeholder(value)]
    if is_placeholder(item):
        return Shown(f"{label} · not judged yet: put a {declared.noun} id first.", status="not judged")
    problem = declared.item_problem(item)
    if problem is not None:
        return Shown(f"{label} · not recorded: {problem}.", status="invalid")
    if len(blank) == len(scales):
        wanted = " and ".join(f"a {s.name}" for s in scales)
        return Shown(
            f"{label} · not judged yet: replace {'each' if len(scales) > 1 else 'the'} ... with {wanted}.",
            status="not judged",
        )
    problems = [f"{name} is missing" for name in blank]
    problems += [p for s in scales if s.name not in blank and (p := s.problem(chosen[s.name])) is not None]
    if problems:
        missing = [s for s in scales if s.name in blank or s.problem(chosen[s.name])]
        return Shown(f"{label} · not recorded: {'; '.join(problems)}.\n{choices_text(missing)}", status="invalid")
    clean = {s.name: str(s.resolve(chosen[s.name])) for s in scales}
    if declared.check is not None and (clash := declared.check(clean)) is not None:
        return Shown(f"{label} · not recorded: {clash}", status="invalid")
    key = (declared.name, str(item))
    before = _RECORD.judgements.get(key)
    _RECORD.judgements[key] = Judgement(declared.name, str(item), clean)
    log_event("judgement", f"{declared.name}:{item}", task=declared.name, item=str(item), values=clean)
    shown = " · ".join(s.label(clean[s.name]) for s in scales)
    changed = ""
    if before is not None and dict(before.values) != clean:
        changed = " (changed from " + " · ".join(s.label(before.values[s.name]) for s in scales) + ")"
    count = len(_RECORD.judged(declared.name))
    noun = declared.noun if count == 1 else declared.nouns
    return Shown(
        f"{label} · recorded: {shown}{changed}. {count} {noun} judged so far; "
        "the audit's answers appear when you compare.",
        status="recorded",
    )
