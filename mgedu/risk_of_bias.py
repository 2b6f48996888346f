"""Risk of bias in the randomised trials, with the RoB 2 tool (Sterne et al. 2019).

RoB 2 asks, for one result of one randomised trial, five questions (the **domains**): was the
randomisation sound, did people deviate from the treatment they were assigned, are outcome data
missing, could the way the outcome was measured be biased, and was the reported result picked from
several. Each domain is judged "low", "some concerns" or "high", and the **overall** judgement follows
a rule: low only if every domain is low; high if any domain is high; otherwise some concerns, unless
several domains with some concerns together lower confidence enough to call it high. That last step is
a judgement, so :func:`overall_risk_of_bias` takes it as an explicit argument.

The judgements in ``mgedu/data/risk_of_bias.csv`` are the project's own reading of the trials'
abstracts (and Mah & Pitre's Tables 1-2), marked ``project-reading`` in the ``basis`` column: the
published per-domain RoB 2 judgements of Mah & Pitre 2021 were not available to us. Only randomised
trials are judged: RoB 2 does not apply to uncontrolled studies (ROBINS-I would).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.rules import Corpus, Rows, rule
from mgedu.study_designs import RANDOMISED_DESIGNS
from mgedu.tables import Column, Problem, References, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd

#: The five RoB 2 domains, in the tool's order, with the question each asks.
ROB2_DOMAINS: dict[str, str] = {
    "randomisation": "Bias arising from the randomisation process",
    "deviations": "Bias due to deviations from the intended interventions",
    "missing-data": "Bias due to missing outcome data",
    "measurement": "Bias in measurement of the outcome",
    "reporting": "Bias in selection of the reported result",
}
JUDGEMENTS: tuple[str, ...] = ("low", "some concerns", "high")
BASES: tuple[str, ...] = ("published", "project-reading")
ROB_SOURCE = (
    "Sterne JAC, et al. RoB 2: a revised tool for assessing risk of bias in randomised trials. "
    "BMJ 2019;366:l4898. doi 10.1136/bmj.l4898"
)

RISK_OF_BIAS_SCHEMA = Schema(
    (
        Column(
            "trial_id",
            references=References("studies.csv", where=("design", RANDOMISED_DESIGNS)),
            description="study_id of a randomised trial in studies.csv",
        ),
        Column("outcome", description="the result judged (RoB 2 judges results, not whole trials)"),
        Column("domain", "category", vocab=tuple(ROB2_DOMAINS) + ("overall",)),
        Column("judgement", "category", vocab=JUDGEMENTS),
        Column("reason", description="why, in one or two plain sentences"),
        Column("basis", "category", vocab=BASES, description="published judgement, or the project's own reading"),
        source_column(description="the pages read"),
    ),
    description="RoB 2 judgements, one row per trial x outcome x domain (plus the overall judgement)",
)


def overall_risk_of_bias(judgements: Mapping[str, str] | Iterable[str], several_concerns_high: bool = False) -> str:
    """The RoB 2 overall judgement from the five domain judgements.

    Low if every domain is low; high if any domain is high; otherwise some concerns, or high when
    ``several_concerns_high`` says that several domains with some concerns together substantially
    lower confidence in the result (RoB 2 leaves that call to the reviewer; it needs at least two).

    Args:
        judgements: the five domain judgements, as a mapping domain -> judgement or in domain order.
        several_concerns_high: the reviewer's call that several "some concerns" add up to high.

    >>> overall_risk_of_bias(["low", "low", "some concerns", "low", "low"])
    'some concerns'
    >>> overall_risk_of_bias(["low", "high", "low", "low", "low"])
    'high'
    >>> overall_risk_of_bias(["some concerns"] * 5, several_concerns_high=True)
    'high'
    """
    if isinstance(judgements, Mapping):
        unknown = sorted(set(judgements) - set(ROB2_DOMAINS))
        missing = [d for d in ROB2_DOMAINS if d not in judgements]
        if unknown or missing:
            raise ValueError(
                f"judgements must name the five RoB 2 domains {', '.join(ROB2_DOMAINS)}; "
                f"missing {missing or 'none'}, unknown {unknown or 'none'}"
            )
        values = [judgements[d] for d in ROB2_DOMAINS]
    else:
        values = list(judgements)
        if len(values) != len(ROB2_DOMAINS):
            raise ValueError(f"judgements must hold 5 domain judgements, got {len(values)}")
    for value in values:
        if value not in JUDGEMENTS:
            raise ValueError(f"each judgement must be one of {', '.join(JUDGEMENTS)}, got {value!r}")
    concerns = values.count("some concerns")
    if several_concerns_high and concerns < 2:
        raise ValueError(f"several_concerns_high needs at least 2 domains with 'some concerns', got {concerns}")
    if "high" in values:
        return "high"
    if concerns == 0:
        return "low"
    return "high" if several_concerns_high else "some concerns"


def allowed_overall(judgements: Mapping[str, str] | Iterable[str]) -> tuple[str, ...]:
    """Every overall judgement the RoB 2 rule allows for these domain judgements.

    >>> allowed_overall(["some concerns", "low", "some concerns", "low", "low"])
    ('some concerns', 'high')
    """
    values = list(judgements.values()) if isinstance(judgements, Mapping) else list(judgements)
    options = [overall_risk_of_bias(values)]
    if values.count("some concerns") >= 2 and "high" not in values:
        options.append(overall_risk_of_bias(values, several_concerns_high=True))
    return tuple(options)


def load_risk_of_bias(folder: str | Path | None = None) -> pd.DataFrame:
    """Every RoB 2 judgement: one row per trial, outcome and domain (``overall`` included).

    >>> rob = load_risk_of_bias()
    >>> sorted(rob.trial_id.unique())[:2]
    ['abbasi2012', 'hausenblas2024']
    """
    return load("risk_of_bias.csv", folder)


def risk_of_bias_table(folder: str | Path | None = None) -> pd.DataFrame:
    """The judgements as a grid: one row per trial and outcome, one column per domain plus overall.

    >>> grid = risk_of_bias_table()
    >>> grid.loc[("jadidi2022", "RLS severity"), "overall"]
    'high'
    """
    rob = load_risk_of_bias(folder)
    grid = rob.pivot(index=["trial_id", "outcome"], columns="domain", values="judgement")
    grid = grid[list(ROB2_DOMAINS) + ["overall"]].astype(str)
    grid.columns.name = None
    return grid


def risk_of_bias_reasons(trial_id: str, outcome: str, folder: str | Path | None = None) -> str:
    """The judgements for one trial result, domain by domain, with the reason for each.

    >>> print(risk_of_bias_reasons("held2002", "total sleep time").splitlines()[0])
    held2002 · total sleep time · overall: some concerns
    """
    rob = load_risk_of_bias(folder)
    rows = rob[(rob.trial_id == trial_id) & (rob.outcome == outcome)]
    if rows.empty:
        known = sorted({f"{t} / {o}" for t, o in zip(rob.trial_id, rob.outcome, strict=True)})
        raise ValueError(
            f"no RoB 2 judgement for trial_id {trial_id!r} and outcome {outcome!r}; known: {'; '.join(known)}"
        )
    by_domain = {str(r.domain): r for r in rows.itertuples(index=False)}
    lines = [f"{trial_id} · {outcome} · overall: {by_domain['overall'].judgement}"]
    for domain, question in ROB2_DOMAINS.items():
        row = by_domain[domain]
        lines.append(f"- {question}: {row.judgement}. {row.reason}")
    lines.append(f"- Overall: {by_domain['overall'].reason}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ named rules


def _results(rows: Rows) -> dict[tuple[object, object], list[dict[str, object]]]:
    results: dict[tuple[object, object], list[dict[str, object]]] = {}
    for record in rows:
        if record["trial_id"] is not None and record["outcome"] is not None:
            results.setdefault((record["trial_id"], record["outcome"]), []).append(record)
    return results


@rule()
def each_result_has_every_domain_once(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Each judged result (trial and outcome) has one row per RoB 2 domain and one overall row."""
    for (trial, outcome), records in _results(rows).items():
        domains = [r["domain"] for r in records]
        for domain in [*ROB2_DOMAINS, "overall"]:
            if domains.count(domain) != 1:
                message = f"{trial} / {outcome}: expected one {domain!r} row, found {domains.count(domain)}"
                yield rows.problem(records[0], "domain", message)


@rule()
def overall_follows_the_rob2_rule(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A result's overall judgement is one the RoB 2 rule allows for its five domain judgements."""
    for (trial, outcome), records in _results(rows).items():
        judged = {r["domain"]: r for r in records}
        if len(judged) != len(records) or set(judged) != {*ROB2_DOMAINS, "overall"}:
            continue  # reported by each_result_has_every_domain_once
        if any(r["judgement"] is None for r in records):
            continue
        allowed = allowed_overall({d: str(judged[d]["judgement"]) for d in ROB2_DOMAINS})
        overall = judged["overall"]
        if overall["judgement"] not in allowed:
            message = (
                f"{trial} / {outcome}: overall {overall['judgement']!r} breaks the RoB 2 rule; "
                f"allowed: {', '.join(allowed)}"
            )
            yield rows.problem(overall, "judgement", message)
