"""Compare the learner's judgements with the audit, item by item, and tally them.

Only items the learner has judged are compared: nothing about an unjudged item is shown. For each
scale the comparison says whether the learner and the audit chose the same value, and if not, which
way the learner leaned: on an ordered scale (see :class:`~mgedu.practice.tasks.Scale`) a value further
towards the harsh end is *harsher*, one further towards the lenient end is *more lenient*; when either
value is off the scale (for verdicts: "uncheckable", "not verified") the difference has no direction and
is called *a different kind of call*. Then comes the audit's reason in a sentence and its evidence.

The tally counts agreement on each scale, the directions on the task's main scale, the confusion
table (rows: the learner, columns: the audit) and Cohen's kappa (:mod:`mgedu.practice.agreement`).
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from mgedu.practice.agreement import KappaReading, read_kappa
from mgedu.practice.display import Shown, escape
from mgedu.practice.record import Judgement, learner_record
from mgedu.practice.tasks import Answer, Scale, Task, get_task

if TYPE_CHECKING:
    import pandas as pd

Relation = Literal["same", "lenient", "harsh", "different", "no audit value"]
RELATIONS: tuple[str, ...] = ("same", "lenient", "harsh", "different", "no audit value")
_CODES = re.compile(r"\s*\[(?:A|B|C|A via B|B via C)\]")


def relation(scale: Scale, learner: str, audit: str | None) -> Relation:
    """How the learner's value relates to the audit's on one scale.

    >>> s = Scale("verdict", {"ok": "ok", "meh": "meh", "bad": "bad", "vague": "vague"}, order=("ok", "meh", "bad"))
    >>> [relation(s, "ok", "bad"), relation(s, "bad", "meh"), relation(s, "vague", "ok"), relation(s, "ok", "ok")]
    ['lenient', 'harsh', 'different', 'same']
    """
    if audit is None:
        return "no audit value"
    if learner == audit:
        return "same"
    mine, theirs = scale.rank(learner), scale.rank(audit)
    if mine is None or theirs is None:
        return "different"
    return "lenient" if mine < theirs else "harsh"


def plain(text: str) -> str:
    """Audit text as a learner reads it: confidence codes such as ``[B]`` taken out.

    >>> plain("about 151 mg [C]; 8 studies [B].")
    'about 151 mg; 8 studies.'
    """
    return _CODES.sub("", text).strip()


@dataclass(frozen=True)
class ItemComparison:
    """One judged item: the learner's values, the audit's answer and how they relate on each scale."""

    task: Task
    judgement: Judgement
    answer: Answer
    relations: dict[str, Relation]

    @property
    def item(self) -> str:
        return self.judgement.item

    def headline(self) -> str:
        """What the learner got right, or which way they leaned, in one sentence."""
        scales = self.task.scales
        same = [s.name for s in scales if self.relations[s.name] == "same"]
        main = self.task.main_scale
        rel = self.relations[main.name]
        mine, theirs = self.judgement.values[main.name], self.answer.values.get(main.name)
        if len(same) == len(scales):
            return "You chose what the audit chose" + (f": same {' and same '.join(same)}." if len(scales) > 1 else ".")
        right = [n for n in same if n != main.name]
        if rel == "same":
            first = f"Same {main.name} as the audit"
        elif rel == "no audit value":
            first = f"The audit has not recorded a {main.name} for this one"
        elif rel == "different":
            first = f"A different kind of call: you said {main.label(mine)}, the audit {main.label(str(theirs))}"
        else:
            word = main.lenient if rel == "lenient" else main.harsh
            first = f"You were {word} (you: {main.label(mine)}; audit: {main.label(str(theirs))})"
        others = [
            s.name
            for s in scales
            if s.name != main.name and self.relations[s.name] in ("lenient", "harsh", "different")
        ]
        missing = [s.name for s in scales if s.name != main.name and self.relations[s.name] == "no audit value"]
        tail = ""
        if right:
            tail += f"; same {' and '.join(right)}"
        if others:
            tail += "; a different " + " and ".join(others)
        if missing:
            tail += f"; the audit's {' and '.join(missing)} is not recorded"
        return first + tail + "."

    def as_text(self, width: int = 96) -> str:
        """The comparison as plain text: headline, you vs audit per scale, why, evidence."""
        wrap = lambda text: textwrap.fill(text, width=width, subsequent_indent="    ")  # noqa: E731
        lines = [wrap(f"{self.item} · {self.task.describe(self.item)}"), wrap("  " + self.headline())]
        for scale in self.task.scales:
            theirs = self.answer.values.get(scale.name)
            lines.append(
                wrap(
                    f"  {scale.name.capitalize()}: you: {scale.label(self.judgement.values[scale.name])} | "
                    f"audit: {'not recorded' if theirs is None else scale.label(theirs)}"
                )
            )
        lines.append(wrap(f"  Why: {plain(self.answer.why)}"))
        if self.answer.evidence:
            lines.append(wrap(f"  Evidence: {plain(self.answer.evidence)}"))
        return "\n".join(lines)

    def as_html(self) -> str:
        """The comparison as an HTML block (every data string escaped)."""
        rows = "".join(
            f"<tr><th scope='row'>{escape(s.name.capitalize())}</th>"
            f"<td>{escape(s.label(self.judgement.values[s.name]))}</td>"
            f"<td>{escape('not recorded' if self.answer.values.get(s.name) is None else s.label(str(self.answer.values[s.name])))}</td></tr>"  # noqa: E501
            for s in self.task.scales
        )
        evidence = f"<p><b>Evidence:</b> {escape(plain(self.answer.evidence))}</p>" if self.answer.evidence else ""
        return (
            f"<div class='mgedu-compare'><p><b>{escape(self.item)}</b> · {escape(self.task.describe(self.item))}</p>"
            f"<p><b>{escape(self.headline())}</b></p>"
            "<table><thead><tr><th></th><th scope='col'>You</th><th scope='col'>Audit</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<p><b>Why:</b> {escape(plain(self.answer.why))}</p>{evidence}</div>"
        )


def _judgements(
    task: Task, items: Sequence[str], judged: Sequence[Judgement] | None = None
) -> tuple[list[Judgement], list[str]]:
    """The learner's judgements of ``items`` (all judged ones when empty) and messages about the rest."""
    judged = learner_record().judged(task.name) if judged is None else [j for j in judged if j.task == task.name]
    if not items:
        return judged, []
    by_item = {j.item: j for j in judged}
    chosen, notes = [], []
    for item in items:
        problem = task.item_problem(item)
        if problem is not None:
            notes.append(f"{item!r}: {problem}.")
        elif item in by_item:
            chosen.append(by_item[item])
        else:
            notes.append(f"{item}: you have not judged it yet, so nothing about it is shown.")
    return chosen, notes


def comparisons(
    task: str | Task, items: Sequence[str] = (), judgements: Sequence[Judgement] | None = None
) -> list[ItemComparison]:
    """One :class:`ItemComparison` per judged item (all judged items of ``task`` when ``items`` is empty).

    ``judgements`` replaces this kernel's record (the grader passes those of a handed-in notebook).
    """
    declared = get_task(task)
    judged, _ = _judgements(declared, items, judgements)
    result = []
    for judgement in judged:
        answer = declared.answer(judgement.item)
        relations = {s.name: relation(s, judgement.values[s.name], answer.values.get(s.name)) for s in declared.scales}
        result.append(ItemComparison(declared, judgement, answer, relations))
    return result


def compare_items(task: str | Task, items: Sequence[str] = ()) -> Shown:
    """The learner's judgements next to the audit's answers, with why; unjudged items show nothing.

    >>> compare_items("claim", ["S000-C01"]).text
    'S000-C01: you have not judged it yet, so nothing about it is shown.'
    """
    declared = get_task(task)
    _, notes = _judgements(declared, items)
    found = comparisons(declared, items)
    if not found and not notes:
        return Shown(
            f"You have not judged any {declared.nouns} yet. Record your judgements first; "
            "the audit's answers appear here only for the ones you judged.",
            status="empty",
        )
    same = sum(c.relations[declared.main_scale.name] == "same" for c in found)
    summary = (
        (
            f"You judged {len(found)} {declared.noun if len(found) == 1 else declared.nouns}; "
            f"the audit chose the same {declared.main_scale.name} for {same}."
        )
        if found
        else ""
    )
    text = "\n\n".join([summary] * bool(summary) + [c.as_text() for c in found] + notes)
    html = "".join(
        [f"<p>{escape(summary)}</p>"] * bool(summary)
        + [c.as_html() for c in found]
        + [f"<p>{escape(n)}</p>" for n in notes]
    )
    return Shown(text, html, status="compared" if found else "empty")


@dataclass(frozen=True)
class Tally:
    """The running comparison of one task: agreement per scale, directions, confusion table, kappa."""

    task: Task
    n: int
    same: dict[str, int]
    directions: Counter[str]
    confusion: pd.DataFrame
    kappa: KappaReading

    def as_text(self) -> str:
        """The tally in plain words and a text table."""
        if self.n == 0:
            return f"You have not judged any {self.task.nouns} yet: nothing to tally."
        main = self.task.main_scale
        noun = self.task.noun if self.n == 1 else self.task.nouns
        parts = [f"{self.same[s.name]} of {self.n} on the {s.name}" for s in self.task.scales if s.name in self.same]
        lines = [
            textwrap.fill(
                f"You have judged {self.n} {noun}. You chose what the audit chose: {'; '.join(parts)}.", width=96
            ),
            textwrap.fill(
                f"Where your {main.name} differed: {self.directions['lenient']} {main.lenient}, "
                f"{self.directions['harsh']} {main.harsh}, {self.directions['different']} a different kind of call"
                + (
                    f", {self.directions['no audit value']} without an audit value"
                    if self.directions["no audit value"]
                    else ""
                )
                + ".",
                width=96,
            ),
            "",
            f"Your {main.name} (rows) against the audit's (columns):",
            self.confusion.to_string(),
            "",
            textwrap.fill(self.kappa.reading, width=96),
        ]
        return "\n".join(lines)


def tally_task(task: str | Task, judgements: Sequence[Judgement] | None = None, items: Sequence[str] = ()) -> Tally:
    """Count how the learner's judgements of ``task`` compare with the audit (see :class:`Tally`).

    ``judgements`` replaces this kernel's record: the grader passes ``judgements_from_log(log)[task]``.
    ``items`` restricts the tally to those items (the judged ones among them), e.g. one article's set.
    """
    import pandas as pd

    declared = get_task(task)
    if isinstance(items, str):
        raise ValueError(f"items must be a list of ids, got the string {items!r}")
    found = comparisons(declared, items, judgements)
    main = declared.main_scale
    same = {s.name: sum(c.relations[s.name] == "same" for c in found) for s in declared.scales}
    directions: Counter[str] = Counter({r: 0 for r in RELATIONS})
    directions.update(c.relations[main.name] for c in found if c.relations[main.name] != "same")
    pairs = [
        (c.judgement.values[main.name], c.answer.values.get(main.name))
        for c in found
        if c.answer.values.get(main.name) is not None
    ]
    used = {v for pair in pairs for v in pair}
    categories = [v for v in main.values if v in used]
    labels = [main.label(v) for v in categories]
    confusion = pd.DataFrame(0, index=pd.Index(labels, name="you"), columns=pd.Index(labels, name="audit"))
    for mine, theirs in pairs:
        confusion.loc[main.label(mine), main.label(str(theirs))] += 1
    kappa = read_kappa(confusion, declared.nouns)
    return Tally(declared, len(found), same, directions, confusion, kappa)


def tally_shown(task: str | Task, items: Sequence[str] = ()) -> Shown:
    """The tally as what a learner sees (plain text; the chart is :func:`mgedu.plots.practice.plot_tally`)."""
    result = tally_task(task, items=items)
    return Shown(result.as_text(), status="tallied" if result.n else "empty")
