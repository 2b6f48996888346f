"""Rating the certainty of evidence for one outcome with GRADE, step by step, then comparing (notebook 05).

A GRADE worksheet has six steps: the **starting level** (from the design of the studies) and the five
reasons to rate down (risk of bias, inconsistency, indirectness, imprecision, publication bias). The
learner rates each step with a reason (:mod:`mgedu.practice.reasons`); the audit's answer is the row of
``mgedu/data/grade_outcomes.csv`` for that outcome, with its reason per domain (the starting level's
reason is written from the design, :func:`mgedu.certainty.start_reason`).

Two tasks, because the steps have different scales: ``grade-start`` (high or low; starting lower than
the audit is *stricter*) and ``grade-domain`` (not serious, serious, very serious; rating down more
than the audit is *stricter*). Items are ``"<row_id>/<step>"``, e.g. ``"rls:rls-severity/imprecision"``.
Once every step of an outcome is rated, the comparison also gives the certainty the learner's own
ratings lead to, beside the audit's.

Notebook 05 works one outcome in full (:func:`worked_grade`), asks for one domain of another in an
exercise, and has a third rated from scratch (:data:`GRADE_PRACTICE`). Until that one is rated,
:func:`hidden_outcomes` names it, so that the summary figure and the bottom lines can leave it out.

>>> rate_grade("rls:rls-severity", imprecision=(..., ...)).status
'not judged'
"""

from __future__ import annotations

from mgedu.certainty import (
    NO_EVIDENCE,
    bottom_line,
    domain_ratings,
    grade_outcome,
    load_grade_outcomes,
    outcome_evidence,
    outcome_label,
    start_reason,
)
from mgedu.evidence import CERTAINTY_LEVELS, CERTAINTY_SYMBOLS, DOWNGRADE_DOMAINS, grade_from_start
from mgedu.practice.display import Shown, escape
from mgedu.practice.reasons import (
    comparison_table,
    leaning_counts,
    rate_many,
    reasoned_comparisons,
)
from mgedu.practice.record import learner_record
from mgedu.practice.tasks import Answer, Scale, Task, register_task

#: The steps of a GRADE worksheet for randomised or non-randomised evidence, as keyword names -> labels.
STEPS: dict[str, str] = {"start": "starting level", **DOWNGRADE_DOMAINS}

RATINGS: dict[str, int] = {"not serious": 0, "serious": -1, "very serious": -2}
RATING_SCALE = Scale(
    "rating",
    {
        "not serious": "not serious (no change)",
        "serious": "serious (down one level)",
        "very serious": "very serious (down two levels)",
    },
    order=tuple(RATINGS),
    lenient="more generous than the audit (you rated down less)",
    harsh="stricter than the audit (you rated down more)",
)
START_SCALE = Scale(
    "starting level",
    {"high": "high (randomised trials)", "low": "low (no randomised trials)"},
    order=("high", "low"),
    lenient="more generous than the audit (you started higher)",
    harsh="stricter than the audit (you started lower)",
)

#: What notebook 05 asks the learner to rate from scratch: outcome -> steps. Steps left out of an entry
#: would be taken from the audit when the learner's certainty is worked out (a faded example).
GRADE_PRACTICE: dict[str, tuple[str, ...]] = {"rls:rls-severity": tuple(STEPS)}


def _rated_rows() -> list[str]:
    table = load_grade_outcomes()
    return [str(r) for r in table.loc[table.certainty != NO_EVIDENCE, "row_id"]]


def _split(item: str) -> tuple[str, str, str]:
    row_id, _, step = item.partition("/")
    condition, _, outcome = row_id.partition(":")
    return condition, outcome, step


def _domain_answer(item: str) -> Answer:
    condition, outcome, step = _split(item)
    steps = domain_ratings(condition, outcome)
    rating = next(name for name, value in RATINGS.items() if value == steps[step])
    row = load_grade_outcomes().set_index("row_id").loc[item.partition("/")[0]]
    why = row[f"{step}_reason"]
    return Answer(
        {"rating": rating}, why=str(why) if isinstance(why, str) else "Not rated down.", source=str(row["source"])
    )


def _start_answer(item: str) -> Answer:
    row_id = item.partition("/")[0]
    result = grade_outcome(*row_id.split(":", 1))
    assert result is not None  # items are rated rows only
    return Answer({"starting level": result.start}, why=start_reason(row_id))


def _describe(item: str) -> str:
    row_id, _, step = item.partition("/")
    return f"{outcome_label(row_id)} · {STEPS[step]}"


DOMAIN_TASK = register_task(
    Task(
        name="grade-domain",
        noun="GRADE domain",
        scales=(RATING_SCALE,),
        items=lambda: [f"{r}/{d}" for r in _rated_rows() for d in DOWNGRADE_DOMAINS],
        answer=_domain_answer,
        describe=_describe,
    )
)
START_TASK = register_task(
    Task(
        name="grade-start",
        noun="GRADE starting level",
        scales=(START_SCALE,),
        items=lambda: [f"{r}/start" for r in _rated_rows()],
        answer=_start_answer,
        describe=_describe,
    )
)


def _task_for(step: str) -> Task:
    return START_TASK if step == "start" else DOMAIN_TASK


def _outcome_problem(outcome: object) -> str | None:
    rated = _rated_rows()
    if isinstance(outcome, str) and outcome in rated:
        return None
    return f"{outcome!r} is not an outcome with evidence to rate; outcomes: {', '.join(rated)}"


def grade_evidence(outcome: str) -> Shown:
    """The studies behind one outcome and what they found: what you rate from (no rating is shown).

    >>> print(grade_evidence("rls:rls-severity").text.splitlines()[0])
    RLS severity (restless legs syndrome)
    """
    if (problem := _outcome_problem(outcome)) is not None:
        return Shown(f"Nothing shown: {problem}.", status="invalid")
    text = outcome_evidence(outcome)
    lines = text.splitlines()
    html = (
        f"<div class='mgedu-study'><p><b>{escape(lines[0])}</b></p><ul>"
        + "".join(f"<li>{escape(line)}</li>" for line in lines[1:])
        + "</ul></div>"
    )
    return Shown(text, html, status="shown")


def rate_grade(outcome: str, **steps: object) -> Shown:
    """Record your GRADE ratings for one outcome, each with your reason.

    Args:
        outcome: ``"condition:outcome"``, e.g. ``"rls:rls-severity"``.
        **steps: ``start`` as ``("high" or "low", reason)``; ``risk_of_bias``, ``inconsistency``,
            ``indirectness``, ``imprecision``, ``publication_bias`` each as ``(rating, reason)`` with a
            rating from "not serious", "serious", "very serious" (or 0, -1, -2). ``(..., ...)`` records
            nothing.
    """
    if (problem := _outcome_problem(outcome)) is not None:
        return Shown(f"Not recorded: {problem}.", status="invalid")
    cleaned = {}
    for step, pair in steps.items():
        if (
            step != "start"
            and isinstance(pair, tuple)
            and len(pair) == 2
            and isinstance(pair[0], int)
            and not isinstance(pair[0], bool)
        ):
            words = {v: k for k, v in RATINGS.items()}
            pair = (words.get(pair[0], str(pair[0])), pair[1])
        cleaned[step] = pair
    return rate_many(_task_for, outcome, cleaned, STEPS, label=outcome_label(outcome))


def _learner_steps(outcome: str) -> dict[str, str]:
    """The learner's ratings of one outcome: step -> value."""
    found = {}
    for task in (START_TASK, DOMAIN_TASK):
        for judgement in learner_record().judged(task.name):
            row_id, _, step = judgement.item.partition("/")
            if row_id == outcome:
                found[step] = judgement.values[task.main_scale.name]
    return found


def learner_certainty(outcome: str) -> str | None:
    """The certainty the learner's own ratings give, once every step they were asked to rate is rated.

    Steps outside the notebook's practice set for this outcome (:data:`GRADE_PRACTICE`) are taken from
    the audit (they were shown as a worked or faded example); for any other outcome all six are needed.
    """
    asked = GRADE_PRACTICE.get(outcome, tuple(STEPS))
    mine = _learner_steps(outcome)
    if any(step not in mine for step in asked):
        return None
    audit = grade_outcome(*outcome.split(":", 1))
    assert audit is not None
    steps = {d: RATINGS[mine[d]] if d in mine else audit.steps[d] for d in DOWNGRADE_DOMAINS}
    return grade_from_start(mine.get("start", audit.start), **steps).certainty


def _certainty_note(outcome: str) -> str:
    mine = learner_certainty(outcome)
    if mine is None:
        missing = [STEPS[s] for s in GRADE_PRACTICE.get(outcome, tuple(STEPS)) if s not in _learner_steps(outcome)]
        return f"Rate {', '.join(missing)} too, to see the certainty your ratings lead to and the audit's."
    audit = grade_outcome(*outcome.split(":", 1))
    assert audit is not None
    verdict = (
        "the same"
        if mine == audit.certainty
        else (
            "you are more confident than the audit"
            if CERTAINTY_LEVELS.index(mine) > CERTAINTY_LEVELS.index(audit.certainty)
            else "you are less confident than the audit"
        )
    )
    return (
        f"Your ratings lead to {mine} {CERTAINTY_SYMBOLS[mine]}; the audit's to {audit.certainty} "
        f"{CERTAINTY_SYMBOLS[audit.certainty]} ({verdict})."
    )


def compare_grade(outcome: str) -> Shown:
    """Your GRADE ratings for one outcome beside the audit's, with both reasons (rated steps only)."""
    if (problem := _outcome_problem(outcome)) is not None:
        return Shown(f"Nothing to compare: {problem}.", status="invalid")
    rated = [(_task_for(step), f"{outcome}/{step}", STEPS[step]) for step in STEPS]
    found = reasoned_comparisons(rated)
    if not found:
        return Shown(
            f"{outcome_label(outcome)}: you have not rated any step yet, so nothing is shown. "
            "Record your ratings first.",
            status="empty",
        )
    return comparison_table(outcome_label(outcome), found, [_certainty_note(outcome)], row_name="Step")


def worked_grade(outcome: str) -> Shown:
    """The audit's GRADE rating of one outcome, step by step with reasons: a worked example."""
    if (problem := _outcome_problem(outcome)) is not None:
        return Shown(f"Nothing shown: {problem}.", status="invalid")
    audit = grade_outcome(*outcome.split(":", 1))
    assert audit is not None
    lines = [f"{outcome_label(outcome)}: the audit's GRADE rating"]
    for step, name in STEPS.items():
        task = _task_for(step)
        answer = task.answer(f"{outcome}/{step}")
        value = task.main_scale.label(str(answer.values[task.main_scale.name]))
        lines.append(f"  {name[:1].upper() + name[1:]}: {value}. {answer.why}")
    lines.append(f"  Certainty: {audit.certainty} {audit.symbols} ({audit.meaning}).")
    html = (
        f"<div class='mgedu-worked'><p><b>{escape(lines[0])}</b></p><ul>"
        + "".join(f"<li>{escape(line.strip())}</li>" for line in lines[1:])
        + "</ul></div>"
    )
    return Shown("\n".join(lines), html, status="shown")


def tally_grade() -> Shown:
    """How your GRADE ratings compare with the audit's so far, step by step and certainty by certainty."""
    rated = [(_task_for(step), f"{row}/{step}", STEPS[step]) for row in _rated_rows() for step in STEPS]
    found = reasoned_comparisons(rated)
    if not found:
        return Shown("You have not rated any GRADE step yet: nothing to tally.", status="empty")
    counts = leaning_counts(found)
    lines = [
        f"You have rated {len(found)} GRADE steps; the audit chose the same for {counts['same']}.",
        f"Where you differed: {counts['harsh']} stricter than the audit, {counts['lenient']} more generous.",
    ]
    for row in _rated_rows():
        if (mine := learner_certainty(row)) is not None:
            audit = grade_outcome(*row.split(":", 1))
            assert audit is not None
            lines.append(f"{outcome_label(row)}: your certainty {mine}, the audit's {audit.certainty}.")
    return Shown("\n".join(lines), status="tallied")


def hidden_outcomes() -> tuple[str, ...]:
    """Outcomes of :data:`GRADE_PRACTICE` whose steps the learner has not all rated yet.

    >>> from mgedu.practice.record import forget
    >>> _ = forget()
    >>> hidden_outcomes()
    ('rls:rls-severity',)
    """
    return tuple(row for row in GRADE_PRACTICE if learner_certainty(row) is None)


def bottom_lines() -> Shown:
    """The bottom line of every outcome with evidence, in plain words; outcomes still to rate stay hidden."""
    import textwrap

    hidden = hidden_outcomes()
    items = []
    for row in _rated_rows():
        condition, outcome = row.split(":", 1)
        if row in hidden:
            items.append((outcome_label(row), "hidden until you have rated it yourself (rate_grade), then compared."))
        else:
            certainty = str(load_grade_outcomes().set_index("row_id").loc[row, "certainty"])
            items.append((f"{outcome_label(row)} · {certainty}", bottom_line(condition, outcome).split(": ", 1)[1]))
    text = "\n".join(textwrap.fill(f"- {head}: {body}", width=100, subsequent_indent="  ") for head, body in items)
    html = "<ul>" + "".join(f"<li><b>{escape(head)}:</b> {escape(body)}</li>" for head, body in items) + "</ul>"
    return Shown(text, html, status="shown")
