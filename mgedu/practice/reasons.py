"""Ratings that carry the learner's reason in their own words (RoB 2 domains, GRADE steps; notebook 05).

A rating on its own can be a lucky guess; the reason is where the thinking shows. The rating goes
through the practice engine like any judgement (:func:`mgedu.practice.record.judge_item`: validated,
recorded, logged, compared and tallied with direction); the reason is free text, kept beside it in the
learner's record (never in a data file) and logged for the teacher as a ``written`` record. The
comparison shows both reasons side by side: the learner's and the audit's.

A worksheet records several ratings of one thing at once, each as a ``(rating, reason)`` pair, so a
learner fills in one cell and sees one line per rating::

    rate_many(task, "jadidi2022:rls-severity", {"measurement": ("some concerns", "scored on a
              questionnaire, and one side knew the groups")}, ...)

A pair of placeholders ``(..., ...)`` records nothing and is never an error (Run All on a blank copy).

>>> reason_problem("scored on a questionnaire")
>>> reason_problem("bias")
'your reason needs at least 2 words, got 1'
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mgedu.practice.comparison import ItemComparison, comparisons, plain
from mgedu.practice.display import Shown, escape
from mgedu.practice.record import judge_item, learner_record, log_event
from mgedu.practice.tasks import Task, is_placeholder

MIN_REASON_WORDS = 2
_LEFT = "style='text-align:left; vertical-align:top'"  # JupyterLab right-aligns table cells; these hold prose
_ELLIPSIS_TEXT = ("...", "…")


def is_blank(value: object) -> bool:
    """True for a placeholder: ``...``, ``None``, an empty string or the string ``"..."``.

    >>> [is_blank(v) for v in (..., "...", " ", "low")]
    [True, True, True, False]
    """
    return is_placeholder(value) or (isinstance(value, str) and value.strip() in _ELLIPSIS_TEXT)


def capitalise(text: str) -> str:
    """First letter upper case, the rest as written.

    >>> capitalise("risk of bias"), capitalise("D1 randomisation")
    ('Risk of bias', 'D1 randomisation')
    """
    return text[:1].upper() + text[1:]


def reason_problem(reason: object) -> str | None:
    """Why ``reason`` is not a usable reason (a few words of text), or None."""
    if not isinstance(reason, str):
        return f"your reason must be text in quotes, got {reason!r} ({type(reason).__name__})"
    words = len(reason.split())
    if words < MIN_REASON_WORDS:
        return f"your reason needs at least {MIN_REASON_WORDS} words, got {words}"
    return None


def _reason_key(task: Task, item: str) -> str:
    return f"reason:{task.name}:{item}"


def learner_reason(task: Task, item: str) -> str | None:
    """The reason the learner gave with their latest rating of ``item``, or None."""
    return learner_record().written.get(_reason_key(task, item))


def rate_with_reason(task: Task, item: str, value: object, reason: object) -> Shown:
    """Record one rating of ``item`` with the learner's reason; placeholders record nothing.

    Returns what the learner sees, with ``status`` ``recorded``, ``not judged`` or ``invalid``; nothing
    is raised for a learner's input. The rating is validated by the task's (single) scale.
    """
    scale = task.main_scale
    if is_blank(value) and is_blank(reason):
        checked = judge_item(task, item, ...)
        if checked.status != "not judged":
            return checked
        return Shown(
            f"{item} · not rated yet: replace (..., ...) with a {scale.name} and your reason.", status="not judged"
        )
    if is_blank(reason):
        problem = task.item_problem(item)
        if problem is not None:
            return Shown(f"{item} · not recorded: {problem}.", status="invalid")
        return Shown(
            f"{item} · not recorded: add your reason in a few words, in quotes, after the {scale.name}.",
            status="invalid",
        )
    if (problem := reason_problem(reason)) is not None:
        return Shown(f"{item} · not recorded: {problem}.", status="invalid")
    shown = judge_item(task, item, ... if is_blank(value) else value)
    if shown.status == "recorded":
        text = " ".join(str(reason).split())
        learner_record().written[_reason_key(task, item)] = text
        log_event("written", _reason_key(task, item), task=task.name, item=item, text=text)
    return shown


def rate_many(
    task_for: Callable[[str], Task],
    subject: str,
    ratings: Mapping[str, object],
    steps: Mapping[str, str],
    label: str = "",
) -> Shown:
    """A worksheet: record several ``(rating, reason)`` pairs about one subject, one line per rating.

    Args:
        task_for: the task a step belongs to (GRADE's starting level and its domains are two tasks).
        subject: what is rated (a trial result, an outcome); items are ``f"{subject}/{step}"``.
        ratings: step -> ``(rating, reason)`` as the learner wrote them (keyword arguments).
        steps: every step the subject has, in order -> its human name (unknown steps are refused).
        label: the subject as a reader names it (``subject`` when empty).
    """
    if not ratings:
        example = next(iter(steps))
        return Shown(
            f"Nothing to record: name a step with a (rating, reason) pair, e.g. {example}=(..., ...). "
            f"Steps: {', '.join(steps)}.",
            status="invalid",
        )
    lines, statuses = [], []
    for step, pair in ratings.items():
        name = steps.get(step)
        if name is None:
            lines.append(f"{step} · not recorded: not a step here; steps: {', '.join(steps)}.")
            statuses.append("invalid")
            continue
        if not (isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2):
            lines.append(
                f"{name} · not recorded: give a pair (rating, reason) in brackets, e.g. (..., ...), got {pair!r}."
            )
            statuses.append("invalid")
            continue
        shown = rate_with_reason(task_for(step), f"{subject}/{step}", pair[0], pair[1])
        said = shown.text.split(" · ", 1)[-1]
        if shown.status == "recorded":  # "recorded: serious (changed from ...). 3 GRADE domains judged so far; ..."
            said = f"{said.split('. ')[0]}, because “{' '.join(str(pair[1]).split())}”."
        lines.append(capitalise(name) + " · " + said)
        statuses.append(shown.status)
    recorded = statuses.count("recorded")
    label = label or subject
    head = f"{label}: {recorded} of {len(statuses)} recorded." if recorded else f"{label}: nothing recorded yet."
    tail = " The audit's ratings appear only when you compare." if recorded else ""
    status = "recorded" if recorded else ("invalid" if "invalid" in statuses else "not judged")
    return Shown("\n".join([head + tail, *lines]), status=status)


@dataclass(frozen=True)
class ReasonedComparison:
    """One rated item beside the audit's answer, with both reasons."""

    comparison: ItemComparison
    name: str
    reason: str | None

    @property
    def relation(self) -> str:
        return self.comparison.relations[self.comparison.task.main_scale.name]

    def leaning(self) -> str:
        """Same as the audit, or which way the learner leaned, in words."""
        scale = self.comparison.task.main_scale
        rel = self.relation
        if rel == "same":
            return "same as the audit"
        if rel in ("lenient", "harsh"):
            return scale.lenient if rel == "lenient" else scale.harsh
        return "a different kind of call" if rel == "different" else "the audit has no rating here"

    def _values(self) -> tuple[str, str]:
        scale = self.comparison.task.main_scale
        mine = scale.label(self.comparison.judgement.values[scale.name])
        theirs = self.comparison.answer.values.get(scale.name)
        return mine, "not recorded" if theirs is None else scale.label(str(theirs))

    def as_text(self, width: int = 100) -> str:
        mine, theirs = self._values()
        wrap = lambda text: textwrap.fill(text, width=width, subsequent_indent="      ")  # noqa: E731
        return "\n".join(
            [
                f"{capitalise(self.name)}: {self.leaning()}.",
                wrap(f"  You:   {mine}, because “{self.reason or 'no reason recorded'}”"),
                wrap(f"  Audit: {theirs}. {plain(self.comparison.answer.why)}"),
            ]
        )

    def as_html(self) -> str:
        mine, theirs = self._values()
        return (
            f"<tr><th scope='row' {_LEFT}>{escape(capitalise(self.name))}</th><td {_LEFT}>{escape(mine)}<br>"
            f"<i>“{escape(self.reason or '')}”</i></td>"
            f"<td {_LEFT}><b>{escape(theirs)}</b><br>{escape(plain(self.comparison.answer.why))}</td>"
            f"<td {_LEFT}>{escape(self.leaning())}</td></tr>"
        )


def reasoned_comparisons(rated: Sequence[tuple[Task, str, str]]) -> list[ReasonedComparison]:
    """The learner's rated items among ``rated`` ((task, item, human name) triples), each beside the audit's."""
    found = []
    for task, item, name in rated:
        for comparison in comparisons(task, [item]):
            found.append(ReasonedComparison(comparison, name, learner_reason(task, item)))
    return found


def comparison_table(
    title: str, found: Sequence[ReasonedComparison], notes: Sequence[str] = (), row_name: str = "rated"
) -> Shown:
    """Comparisons as plain text and as an HTML table (You | Audit | which way you leaned).

    The table sits in a labelled region that scrolls sideways on its own in a narrow panel and can be
    reached with the keyboard (as ``mgedu.show_table`` does); ``row_name`` names the column of row headers.

    >>> shown = comparison_table("Held 2002", [], row_name="Domain")
    >>> shown.text
    'Held 2002: you rated 0; the audit chose the same for 0.'
    >>> shown.html.split("</p>")[1].split(" style=")[0]
    "<div class='mgedu-table-scroll' role='region' aria-label='Held 2002: you and the audit' tabindex='0'"
    >>> shown.html.split("<th ")[1].split("</th>")[0]
    "scope='col' style='text-align:left; vertical-align:top'>Domain"
    """
    same = sum(c.relation == "same" for c in found)
    summary = f"{title}: you rated {len(found)}; the audit chose the same for {same}."
    text = "\n\n".join([summary, *(c.as_text() for c in found), *notes])
    rows = "".join(c.as_html() for c in found)
    region = escape(f"{title}: you and the audit")
    html = (
        f"<div class='mgedu-compare'><p><b>{escape(summary)}</b></p>"
        f"<div class='mgedu-table-scroll' role='region' aria-label='{region}' tabindex='0' "
        "style='overflow-x:auto;max-width:100%'>"
        f"<table><thead><tr><th scope='col' {_LEFT}>{escape(row_name)}</th><th scope='col' {_LEFT}>You</th>"
        f"<th scope='col' {_LEFT}>Audit, and why</th>"
        f"<th scope='col' {_LEFT}>You were</th></tr></thead><tbody>{rows}</tbody></table></div>"
        + "".join(f"<p>{escape(n)}</p>" for n in notes)
        + "</div>"
    )
    return Shown(text, html, status="compared")


def leaning_counts(found: Sequence[ReasonedComparison]) -> dict[str, int]:
    """How many comparisons were the same, more lenient, harsher or different.

    >>> leaning_counts([])
    {'same': 0, 'lenient': 0, 'harsh': 0, 'different': 0}
    """
    counts = {"same": 0, "lenient": 0, "harsh": 0, "different": 0}
    for c in found:
        rel = c.relation
        counts[rel if rel in counts else "different"] += 1
    return counts
