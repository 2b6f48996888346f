"""What a learner can judge: a *task* declares the items, the choices and where the audit's answer is.

Every practice loop in the workbook has the same shape: the learner records a judgement on an item
(a claim, a link of a mechanism chain, a GRADE domain), then compares it with the audit's answer. The
engine (:mod:`mgedu.practice.record`, :mod:`mgedu.practice.comparison`) knows nothing about claims or
mechanisms; a :class:`Task` tells it

- which items exist (``items``: their ids, for validation and close-match suggestions),
- what the learner chooses, in call order (``scales``: each a closed vocabulary with human labels,
  optionally ordered from lenient to harsh so that a disagreement has a direction),
- the audit's answer for one item (``answer``: values, the reason in a sentence, the evidence),
- a short description of an item for the comparison (``describe``), and optional consistency rules
  between the learner's choices (``check``).

A notebook adds its own judged items by declaring one task and calling :func:`register_task`; the
built-in tasks (``claim``, ``mechanism-link``) are registered the first time they are asked for.

>>> scale = Scale("verdict", {"fine": "fine", "bad": "bad"}, order=("fine", "bad"))
>>> scale.problem("good")
"verdict 'good' is not one of: fine, bad"
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

#: Tasks that ship with mgedu, registered on first use: name -> "module:attribute".
BUILTIN_TASKS: dict[str, str] = {
    "claim": "mgedu.practice.claims:CLAIM_TASK",
    "mechanism-link": "mgedu.practice.links:LINK_TASK",
    "rob2-domain": "mgedu.practice.bias:BIAS_TASK",
    "grade-start": "mgedu.practice.grade:START_TASK",
    "grade-domain": "mgedu.practice.grade:DOMAIN_TASK",
    "worst-problem": "mgedu.practice.appraisal:WORST_TASK",
    "audit-call": "mgedu.practice.appraisal:CHALLENGE_TASK",
}


@dataclass(frozen=True)
class Scale:
    """One thing a learner chooses: a closed vocabulary, with human labels and an optional severity order.

    ``labels`` maps each allowed value to the words a learner reads, in display order. ``order`` lists
    the values that lie on a scale, from the most lenient to the harshest; values not in ``order`` are
    *off the scale* (a disagreement involving them has no direction, only "a different kind of call").
    ``lenient`` and ``harsh`` are the words used for the two directions.
    """

    name: str
    labels: Mapping[str, str]
    order: tuple[str, ...] = ()
    lenient: str = "more lenient than the audit"
    harsh: str = "harsher than the audit"

    def __post_init__(self) -> None:
        if not self.labels:
            raise ValueError(f"scale {self.name!r} needs at least one value")
        unknown = [v for v in self.order if v not in self.labels]
        if unknown:
            raise ValueError(f"scale {self.name!r}: order names values that are not allowed: {unknown}")

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed values, in display order."""
        return tuple(self.labels)

    def label(self, value: str) -> str:
        """The human label of ``value`` (the value itself when it has none)."""
        return self.labels.get(value, value)

    def rank(self, value: str) -> int | None:
        """Position of ``value`` on the scale (0 = most lenient), or None when it is off the scale."""
        return self.order.index(value) if value in self.order else None

    def resolve(self, value: object) -> str | None:
        """The allowed value ``value`` stands for (case, spaces for hyphens and labels accepted), or None.

        >>> Scale("verdict", {"not-verified": "not verified"}).resolve(" Not Verified ")
        'not-verified'
        """
        if not isinstance(value, str):
            return None
        text = " ".join(value.split()).casefold()
        for allowed, label in self.labels.items():
            if text in (allowed.casefold(), allowed.replace("-", " ").casefold(), label.casefold()):
                return allowed
        return None

    def problem(self, value: object) -> str | None:
        """Why ``value`` is not allowed (naming the allowed values and close matches), or None."""
        if self.resolve(value) is not None:
            return None
        allowed = ", ".join(self.values)
        shown = repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"
        close = difflib.get_close_matches(str(value).strip().lower(), list(self.values), n=2, cutoff=0.6)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        return f"{self.name} {shown} is not one of: {allowed}{hint}"

    def describe(self) -> str:
        """The allowed values (with their labels where those say more), as a learner reads them.

        >>> print(Scale("rating", {"ok": "looks fine", "bad": "a problem"}).describe())
        rating, one of:
          "ok": looks fine
          "bad": a problem
        >>> print(Scale("verdict", {"fine": "fine", "not-checked": "not checked"}).describe())
        verdict, one of: "fine", "not-checked"
        """
        if all(label == value.replace("-", " ") for value, label in self.labels.items()):
            return f"{self.name}, one of: " + ", ".join(f'"{value}"' for value in self.labels)
        return f"{self.name}, one of:\n" + "\n".join(f'  "{value}": {label}' for value, label in self.labels.items())


@dataclass(frozen=True)
class Answer:
    """The audit's answer for one item: the values it chose, why (one sentence) and the evidence."""

    values: Mapping[str, str | None]
    why: str
    evidence: str = ""
    source: str = ""


@dataclass(frozen=True)
class Task:
    """A kind of item the learner judges (see the module docstring)."""

    name: str
    noun: str
    scales: tuple[Scale, ...]
    items: Callable[[], Sequence[str]]
    answer: Callable[[str], Answer]
    describe: Callable[[str], str]
    check: Callable[[Mapping[str, str]], str | None] | None = None
    plural: str = ""
    primary: str = field(default="")

    def __post_init__(self) -> None:
        if not self.scales:
            raise ValueError(f"task {self.name!r} needs at least one scale")
        names = [s.name for s in self.scales]
        if len(set(names)) != len(names):
            raise ValueError(f"task {self.name!r}: scale names must differ, got {names}")
        if self.primary and self.primary not in names:
            raise ValueError(f"task {self.name!r}: primary {self.primary!r} is not one of its scales {names}")

    @property
    def nouns(self) -> str:
        """The plural noun ("claims")."""
        return self.plural or self.noun + "s"

    @property
    def main_scale(self) -> Scale:
        """The scale the tally and kappa are about (``primary``, else the first)."""
        return self.scale(self.primary) if self.primary else self.scales[0]

    def scale(self, name: str) -> Scale:
        """The scale called ``name``; ``ValueError`` naming the task's scales otherwise."""
        for scale in self.scales:
            if scale.name == name:
                return scale
        raise ValueError(f"scale must be one of {', '.join(s.name for s in self.scales)}, got {name!r}")

    def item_problem(self, item: object) -> str | None:
        """Why ``item`` is not an id of this task (with close matches), or None.

        Ids that differ only in case or in leading zeros ("s2-c7" for "S002-C07") are suggested first.
        """
        ids = list(self.items())
        if isinstance(item, str) and item in ids:
            return None
        wanted = _loose(str(item))
        close = [i for i in ids if _loose(i) == wanted]
        close += [c for c in difflib.get_close_matches(str(item).strip(), ids, n=3, cutoff=0.6) if c not in close]
        hint = f" (did you mean {', '.join(close[:3])}?)" if close else f" (ids look like {ids[0]})" if ids else ""
        return f"{item!r} is not a {self.noun} id{hint}"


def _loose(text: str) -> str:
    """An id with case and leading zeros ignored: ``_loose("S002-C07") == _loose("s2-c7")``."""
    return re.sub(r"\d+", lambda m: str(int(m.group(0))), text.strip().casefold())


_REGISTRY: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    """Make ``task`` available to :func:`mgedu.practice.judge_item` and friends; returns it.

    Registering a task under a name that is taken replaces the old one (a notebook re-run re-declares it).
    """
    if not isinstance(task, Task):
        raise ValueError(f"task must be a mgedu.practice.Task, got {type(task).__name__}")
    _REGISTRY[task.name] = task
    return task


def get_task(name: str | Task) -> Task:
    """The task called ``name`` (built-in tasks are loaded on first use).

    >>> get_task("claim").noun
    'claim'
    """
    if isinstance(name, Task):
        return name
    if name not in _REGISTRY and name in BUILTIN_TASKS:
        module, attribute = BUILTIN_TASKS[name].split(":")
        register_task(getattr(importlib.import_module(module), attribute))
    if name not in _REGISTRY:
        known = sorted(set(_REGISTRY) | set(BUILTIN_TASKS))
        raise ValueError(f"task must be one of {', '.join(known)}, got {name!r}")
    return _REGISTRY[name]


def is_placeholder(value: object) -> bool:
    """True for what a blank answer cell holds: ``...``, ``None``, or an empty string.

    >>> [is_placeholder(v) for v in (..., "", "  ", None, "overstated")]
    [True, True, True, True, False]
    """
    return value is None or value is Ellipsis or (isinstance(value, str) and not value.strip())


def choices_text(scales: Sequence[Scale]) -> str:
    """The allowed values of several scales, for a learner (used in "not recorded" messages)."""
    return "\n".join(scale.describe() for scale in scales)
