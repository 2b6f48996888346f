"""Judging one trial result's risk of bias with RoB 2, domain by domain, then comparing (notebook 05).

The items are the domains (and the overall judgement) of each result in ``mgedu/data/risk_of_bias.csv``,
named ``"<trial_id>:<outcome>/<domain>"`` (``"jadidi2022:rls-severity/measurement"``); the one scale is
the RoB 2 judgement, ordered from *low* to *high* risk of bias, so a learner who sees more risk than the
audit is *stricter* and one who sees less is *more trusting*. Each judgement carries the learner's
reason (:mod:`mgedu.practice.reasons`). The audit's answer is the project's own RoB 2 reading, with its
reason.

Notebook 05 teaches RoB 2 as worked, faded, then independent: the audit's full reading of one result
(:func:`show_bias`), an exercise on one domain of a new trial, and a result judged from scratch
(:data:`BIAS_PRACTICE`). Until the learner has judged it, :func:`bias_overview` leaves its trial out of
the traffic-light grid, so that Run All shows no judgement the learner is asked to make.

>>> judge_bias("jadidi2022:rls-severity", measurement=(..., ...)).status
'not judged'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mgedu.practice.comparison import tally_shown
from mgedu.practice.display import Shown, escape
from mgedu.practice.reasons import comparison_table, rate_many, reasoned_comparisons
from mgedu.practice.record import learner_record
from mgedu.practice.tasks import Answer, Scale, Task, register_task
from mgedu.risk_of_bias import JUDGEMENTS, ROB2_DOMAINS, allowed_overall, load_risk_of_bias, risk_of_bias_table

if TYPE_CHECKING:
    import pandas as pd

#: The steps of one RoB 2 assessment, as keyword names -> what the learner reads.
STEPS: dict[str, str] = {
    "randomisation": "D1 randomisation process",
    "deviations": "D2 deviations from the intended treatment",
    "missing_data": "D3 missing outcome data",
    "measurement": "D4 measurement of the outcome",
    "reporting": "D5 selection of the reported result",
    "overall": "overall risk of bias",
}
_DOMAIN_OF_STEP = dict(zip(STEPS, (*ROB2_DOMAINS, "overall"), strict=True))

JUDGEMENT_SCALE = Scale(
    "judgement",
    {j: j for j in JUDGEMENTS},
    order=JUDGEMENTS,
    lenient="more trusting than the audit (you saw less risk of bias)",
    harsh="stricter than the audit (you saw more risk of bias)",
)

#: What notebook 05 asks the learner to judge from scratch: result -> steps.
BIAS_PRACTICE: dict[str, tuple[str, ...]] = {"jadidi2022:rls-severity": tuple(STEPS)}


def _slug(outcome: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", outcome.lower()).strip("-")


def _results() -> dict[str, tuple[str, str]]:
    """Result key -> (trial_id, outcome as written in risk_of_bias.csv)."""
    rob = load_risk_of_bias()
    pairs = dict.fromkeys(zip(rob.trial_id.astype(str), rob.outcome.astype(str), strict=True))
    return {f"{trial}:{_slug(outcome)}": (trial, outcome) for trial, outcome in pairs}


def result_keys() -> list[str]:
    """Every trial result with a RoB 2 reading, as the key a learner types.

    >>> result_keys()[:2]
    ['abbasi2012:sleep-onset-latency', 'abbasi2012:total-sleep-time']
    """
    return list(_results())


def _items() -> list[str]:
    return [f"{key}/{step}" for key in _results() for step in STEPS]


def _split(item: str) -> tuple[str, str, str]:
    key, _, step = item.partition("/")
    trial, outcome = _results()[key]
    return trial, outcome, step


def result_label(key: str) -> str:
    """A result as a reader names it.

    >>> result_label("held2002:total-sleep-time")
    'Held 2002 · total sleep time'
    """
    from mgedu.studies import study_label

    results = _results()
    if key not in results:
        raise ValueError(f"result must be one of {', '.join(results)}, got {key!r}")
    trial, outcome = results[key]
    return f"{study_label(trial)} · {outcome}"


def _row(item: str) -> dict[str, object]:
    trial, outcome, step = _split(item)
    rob = load_risk_of_bias()
    rows = rob[(rob.trial_id == trial) & (rob.outcome == outcome) & (rob.domain == _DOMAIN_OF_STEP[step])]
    return rows.iloc[0].to_dict()


def _answer(item: str) -> Answer:
    from mgedu.practice.claims import humanise

    row = _row(item)
    return Answer({"judgement": str(row["judgement"])}, why=humanise(str(row["reason"])), source=str(row["source"]))


def _describe(item: str) -> str:
    key, _, step = item.partition("/")
    return f"{result_label(key)} · {STEPS[step]}"


BIAS_TASK = register_task(
    Task(
        name="rob2-domain",
        noun="RoB 2 domain",
        scales=(JUDGEMENT_SCALE,),
        items=_items,
        answer=_answer,
        describe=_describe,
    )
)


def _result_problem(result: object) -> str | None:
    keys = result_keys()
    if isinstance(result, str) and result in keys:
        return None
    return f"{result!r} is not a trial result with a RoB 2 reading; results: {', '.join(keys)}"


def judge_bias(result: str, **steps: object) -> Shown:
    """Record your RoB 2 judgements of one trial result, each with your reason.

    Args:
        result: the trial result, e.g. ``"jadidi2022:rls-severity"`` (see :func:`result_keys`).
        **steps: ``randomisation``, ``deviations``, ``missing_data``, ``measurement``, ``reporting``,
            ``overall``, each a pair ``(judgement, reason)``: a judgement from "low", "some concerns",
            "high" and your reason in a few words. ``(..., ...)`` records nothing.
    """
    if (problem := _result_problem(result)) is not None:
        return Shown(f"Not recorded: {problem}.", status="invalid")
    return rate_many(lambda _: BIAS_TASK, result, steps, STEPS, label=result_label(result))


def show_bias(result: str, *steps: str) -> Shown:
    """The audit's RoB 2 reading of one result, for the named steps (all six when none): a worked example.

    >>> print(show_bias("held2002:total-sleep-time", "measurement").text)  # doctest: +ELLIPSIS
    Held 2002 · total sleep time: the audit's RoB 2 reading
      D4 measurement of the outcome: low. Sleep was measured by sleep EEG ...
    """
    if (problem := _result_problem(result)) is not None:
        return Shown(f"Nothing shown: {problem}.", status="invalid")
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        return Shown(f"Nothing shown: {unknown[0]!r} is not a RoB 2 step; steps: {', '.join(STEPS)}.", status="invalid")
    chosen = list(steps) or list(STEPS)
    lines, rows = [f"{result_label(result)}: the audit's RoB 2 reading"], []
    for step in chosen:
        answer = _answer(f"{result}/{step}")
        lines.append(f"  {STEPS[step]}: {answer.values['judgement']}. {answer.why}")
        rows.append(
            f"<li><b>{escape(STEPS[step])}: {escape(answer.values['judgement'])}.</b> {escape(answer.why)}</li>"
        )
    html = f"<div class='mgedu-worked'><p><b>{escape(lines[0])}</b></p><ul>{''.join(rows)}</ul></div>"
    return Shown("\n".join(lines), html, status="shown")


def _judged(result: str) -> dict[str, str]:
    """The learner's judgements of one result: step -> judgement."""
    found = {}
    for judgement in learner_record().judged(BIAS_TASK.name):
        key, _, step = judgement.item.partition("/")
        if key == result:
            found[step] = judgement.values["judgement"]
    return found


def overall_note(result: str) -> str | None:
    """What the RoB 2 rule allows for the learner's own five domain judgements (once all five are in)."""
    judged = _judged(result)
    domains = [judged.get(step) for step in list(STEPS)[:5]]
    if any(d is None for d in domains):
        return None
    allowed = allowed_overall([str(d) for d in domains])
    note = f"For your five domain judgements the RoB 2 rule allows an overall judgement of {' or '.join(allowed)}."
    if "overall" in judged and judged["overall"] not in allowed:
        note += f" Your overall ({judged['overall']}) does not follow from them: check the rule."
    return note


def compare_bias(result: str) -> Shown:
    """Your RoB 2 judgements of one result beside the audit's, with both reasons (judged steps only)."""
    if (problem := _result_problem(result)) is not None:
        return Shown(f"Nothing to compare: {problem}.", status="invalid")
    rated = [(BIAS_TASK, f"{result}/{step}", STEPS[step]) for step in STEPS]
    found = reasoned_comparisons(rated)
    if not found:
        return Shown(
            f"{result_label(result)}: you have not judged any domain yet, so nothing is shown. "
            "Record your judgements first.",
            status="empty",
        )
    note = overall_note(result)
    return comparison_table(result_label(result), found, [note] if note else [], row_name="Domain")


def tally_bias() -> Shown:
    """How your RoB 2 judgements compare with the audit's so far (agreement, directions, kappa)."""
    return tally_shown(BIAS_TASK)


def pending_trials() -> list[str]:
    """Trials with a result in :data:`BIAS_PRACTICE` that the learner has not finished judging.

    >>> from mgedu.practice.record import forget
    >>> _ = forget("rob2-domain")
    >>> pending_trials()
    ['jadidi2022']
    """
    pending = []
    for result, steps in BIAS_PRACTICE.items():
        judged = _judged(result)
        trial = _results()[result][0]
        if any(step not in judged for step in steps) and trial not in pending:
            pending.append(trial)
    return pending


def bias_overview() -> pd.DataFrame:
    """The RoB 2 grid (:func:`mgedu.risk_of_bias.risk_of_bias_table`) without the trials still to judge.

    Every result of such a trial is left out (a trial's results often share their judgements).
    """
    grid = risk_of_bias_table()
    hidden = set(pending_trials())
    return grid[[trial not in hidden for trial, _ in grid.index]]
