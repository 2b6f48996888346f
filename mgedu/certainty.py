"""GRADE tables for magnesium in restless legs and in insomnia: certainty per outcome, with the reasoning.

``mgedu/data/grade_outcomes.csv`` holds one row per condition and outcome: the studies behind it, the
design that sets the GRADE start level, the rating in each domain with a sentence of reasoning, the
certainty, the published certainty where a review gave one (Mah & Pitre 2021), and the bottom line in
plain words. The recorded certainty is never trusted on its own: :func:`grade_outcome` recomputes it
from the domain ratings with :func:`mgedu.evidence.grade_certainty`, and the data check fails if the
two disagree. Outcomes that no study measured are kept as "no evidence", because an empty row is
itself a finding (the articles talk about RLS and sleep together; no RLS study measured sleep time).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.evidence import CERTAINTY_LEVELS, DOMAINS, GradeResult, grade_certainty
from mgedu.study_designs import STUDY_DESIGNS
from mgedu.tables import (
    Column,
    Problem,
    Schema,
    cached_table,
    data_path,
    public_frame,
    read_table,
)

if TYPE_CHECKING:
    import pandas as pd

CONDITIONS: dict[str, str] = {"rls": "restless legs syndrome", "insomnia": "insomnia in older adults"}
OUTCOMES: dict[str, str] = {
    "rls-severity": "RLS severity",
    "periodic-limb-movements": "periodic limb movements",
    "sleep-onset-latency": "sleep onset latency",
    "total-sleep-time": "total sleep time",
    "sleep-quality": "sleep quality",
    "adverse-effects": "adverse effects",
}
NO_EVIDENCE = "no evidence"
CERTAINTIES: tuple[str, ...] = tuple(reversed(CERTAINTY_LEVELS)) + (NO_EVIDENCE,)

GRADE_OUTCOMES_SCHEMA = Schema(
    (
        Column("row_id", pattern=r"(rls|insomnia):[a-z-]+", description="condition:outcome"),
        Column("condition", "category", vocab=tuple(CONDITIONS)),
        Column("outcome", "category", vocab=tuple(OUTCOMES)),
        Column("studies", required=False, description="'; '-separated study ids; blank when none"),
        Column("n_participants", "int", required=False, minimum=1, description="in the studies rated"),
        Column("design", "category", required=False, vocab=STUDY_DESIGNS, description="sets the GRADE start level"),
        *(Column(name, "int", required=False, minimum=-2, maximum=2) for name in DOMAINS),
        Column("certainty", "category", vocab=CERTAINTIES),
        Column("published_certainty", "category", required=False, vocab=CERTAINTY_LEVELS),
        Column("effect", description="what the studies found, with numbers"),
        Column("risk_of_bias_reason", required=False),
        Column("inconsistency_reason", required=False),
        Column("indirectness_reason", required=False),
        Column("imprecision_reason", required=False),
        Column("publication_bias_reason", required=False),
        Column("upgrade_reason", required=False),
        Column("bottom_line", description="what can honestly be said, in plain words"),
        Column("source", description="pages read"),
    ),
    key="row_id",
    description="GRADE certainty per condition and outcome, with the reasoning per domain",
)
REASON_COLUMNS = ("risk_of_bias_reason", "inconsistency_reason", "indirectness_reason", "imprecision_reason",
                  "publication_bias_reason")


def grade_outcomes_path(folder: str | Path | None = None) -> Path:
    """Path of ``grade_outcomes.csv``."""
    return data_path("grade_outcomes.csv", folder)


def _grade_outcomes(path: Path) -> pd.DataFrame:
    return cached_table(path, GRADE_OUTCOMES_SCHEMA)


def load_grade_outcomes(folder: str | Path | None = None) -> pd.DataFrame:
    """The GRADE table: one row per condition and outcome.

    >>> table = load_grade_outcomes()
    >>> table.set_index("row_id").loc["insomnia:sleep-onset-latency", "published_certainty"]
    'low'
    """
    return public_frame(_grade_outcomes(grade_outcomes_path(folder)))


def _row(condition: str, outcome: str, folder: str | Path | None = None) -> dict[str, object]:
    if condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {', '.join(CONDITIONS)}, got {condition!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    table = load_grade_outcomes(folder)
    match = table[table.row_id == f"{condition}:{outcome}"]
    if match.empty:
        raise ValueError(f"no GRADE row for condition {condition!r} and outcome {outcome!r}")
    import pandas as pd

    record = match.iloc[0].to_dict()
    return {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in record.items()}


def domain_ratings(condition: str, outcome: str, folder: str | Path | None = None) -> dict[str, int]:
    """The recorded rating in each GRADE domain for one outcome (empty when there is no evidence).

    >>> domain_ratings("insomnia", "total-sleep-time")["imprecision"]
    -1
    """
    row = _row(condition, outcome, folder)
    if row["certainty"] == NO_EVIDENCE:
        return {}
    return {name: int(row[name] or 0) for name in DOMAINS}  # type: ignore[call-overload]


def grade_outcome(condition: str, outcome: str, folder: str | Path | None = None) -> GradeResult | None:
    """Recompute the certainty for one outcome from its recorded design and domain ratings.

    Returns None when no study measured the outcome.

    >>> grade_outcome("insomnia", "sleep-onset-latency").certainty
    'low'
    >>> print(grade_outcome("rls", "total-sleep-time"))
    None
    """
    row = _row(condition, outcome, folder)
    if row["certainty"] == NO_EVIDENCE:
        return None
    return grade_certainty(str(row["design"]), **domain_ratings(condition, outcome, folder))


def bottom_line(condition: str, outcome: str, folder: str | Path | None = None) -> str:
    """The bottom line for one outcome in plain words, with its certainty.

    >>> bottom_line("rls", "rls-severity")[:48]
    'RLS severity (restless legs syndrome) · very low'
    """
    row = _row(condition, outcome, folder)
    label = OUTCOMES[outcome][0].upper() + OUTCOMES[outcome][1:]
    return f"{label} ({CONDITIONS[condition]}) · {row['certainty']}: {row['bottom_line']}"


def grade_summary(folder: str | Path | None = None) -> pd.DataFrame:
    """A summary-of-findings table: condition, outcome, studies, people, certainty (with symbols).

    >>> summary = grade_summary()
    >>> summary.loc[summary.outcome == "sleep onset latency", "certainty"].tolist()
    ['no evidence', 'low']
    """
    from mgedu.evidence import CERTAINTY_SYMBOLS

    table = load_grade_outcomes(folder)
    columns = ["condition", "outcome", "studies", "n_participants", "certainty", "published_certainty"]
    frame = table[columns].copy()
    frame["condition"] = [CONDITIONS[str(c)] for c in frame.condition]
    frame["outcome"] = [OUTCOMES[str(o)] for o in frame.outcome]
    frame["certainty"] = frame["certainty"].astype(str)
    frame["symbols"] = [CERTAINTY_SYMBOLS.get(c, "") for c in frame.certainty]
    frame["studies"] = frame["studies"].astype("string").fillna("none")
    frame["published_certainty"] = frame["published_certainty"].astype("string").fillna("not given")
    return frame.reset_index(drop=True)


def problems_in_grade_outcomes(folder: str | Path | None = None,
                               study_ids: set[str] | None = None) -> list[Problem]:
    """Cross-row checks: recorded certainty equals the recomputed one; every rated row has a design,
    studies, reasons for every domain rated down, and valid steps; study ids resolve."""
    label = "grade_outcomes.csv"
    frame, problems = read_table(grade_outcomes_path(folder), GRADE_OUTCOMES_SCHEMA, label)
    import pandas as pd

    for row in frame.itertuples(index=False):
        r = int(row.csv_row)
        expected = f"{row.condition}:{row.outcome}"
        if isinstance(row.condition, str) and isinstance(row.outcome, str) and row.row_id != expected:
            problems.append(Problem(label, r, "row_id", f"{row.row_id} should be {expected}"))
        if pd.notna(row.studies) and study_ids is not None:
            for sid in str(row.studies).split(";"):
                if sid.strip() not in study_ids:
                    problems.append(Problem(label, r, "studies", f"unknown study_id {sid.strip()!r}"))
        if row.certainty == NO_EVIDENCE:
            filled = [n for n in DOMAINS if pd.notna(getattr(row, n))]
            if filled or pd.notna(row.design):
                message = "'no evidence' rows must leave design and domains blank"
                problems.append(Problem(label, r, "certainty", message))
            continue
        if pd.isna(row.design) or pd.isna(row.studies):
            problems.append(Problem(label, r, "design", "a rated row needs a design and its studies"))
            continue
        steps = {n: int(getattr(row, n)) if pd.notna(getattr(row, n)) else 0 for n in DOMAINS}
        try:
            result = grade_certainty(str(row.design), **steps)
        except ValueError as exc:
            problems.append(Problem(label, r, "design", str(exc)))
            continue
        if result.certainty != row.certainty:
            problems.append(Problem(label, r, "certainty",
                                    f"recorded {row.certainty!r} but the ratings give {result.certainty!r}"))
        for name, column in zip(DOMAINS[:5], REASON_COLUMNS, strict=True):
            if steps[name] and pd.isna(getattr(row, column)):
                problems.append(Problem(label, r, column, f"{name} is rated {steps[name]} but has no reason"))
        if any(steps[n] for n in DOMAINS[5:]) and pd.isna(row.upgrade_reason):
            problems.append(Problem(label, r, "upgrade_reason", "rated up without a reason"))
    return problems


def clear_cache() -> None:
    """Forget the cached table."""
    cached_table.cache_clear()


def rated_outcomes(folder: str | Path | None = None) -> dict[str, str]:
    """Outcomes that have evidence to rate: plain label -> row id (for the GRADE worksheet).

    >>> rated_outcomes()["Insomnia in older adults · sleep onset latency"]
    'insomnia:sleep-onset-latency'
    """
    table = load_grade_outcomes(folder)
    rated = table[table.certainty != NO_EVIDENCE]
    return {f"{CONDITIONS[str(c)].capitalize()} · {OUTCOMES[str(o)]}": str(r)
            for c, o, r in zip(rated.condition, rated.outcome, rated.row_id, strict=True)}


def _split(row_id: str) -> tuple[str, str]:
    condition, _, outcome = str(row_id).partition(":")
    return condition, outcome


def describe_grade_choice(row_id: str, **steps: int) -> str:
    """The worksheet readout: the certainty your domain choices give, why, and the workbook's rating.

    Args:
        row_id: ``"condition:outcome"``, e.g. ``"insomnia:total-sleep-time"``.
        **steps: the domain ratings (any not given count as 0).

    >>> text = describe_grade_choice("insomnia:total-sleep-time", risk_of_bias=-1, imprecision=-2)
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    Total sleep time (insomnia in older adults): very low ⊕◯◯◯. Started at high because the evidence
    comes from randomised trials (double-blind-rct). Rated down one level for risk of bias. Rated down
    two levels for imprecision (very serious). Certainty: very low. The workbook rates it low.
    """
    condition, outcome = _split(row_id)
    row = _row(condition, outcome)
    if row["certainty"] == NO_EVIDENCE:
        what = f"{OUTCOMES[outcome].capitalize()} ({CONDITIONS[condition]})"
        return f"{what}: no study measured it, so there is nothing to rate."
    unknown = sorted(set(steps) - set(DOMAINS))
    if unknown:
        raise ValueError(f"unknown GRADE domain(s) {', '.join(unknown)}; allowed: {', '.join(DOMAINS)}")
    result = grade_certainty(str(row["design"]), **steps)
    what = f"{OUTCOMES[outcome].capitalize()} ({CONDITIONS[condition]})"
    return (f"{what}: {result.certainty} {result.symbols}. {result.justification} "
            f"The workbook rates it {row['certainty']}.")


def grade_reasoning_html(row_id: str, **_: int) -> str:
    """The workbook's reasoning for one outcome, domain by domain, as escaped HTML (worksheet detail).

    >>> grade_reasoning_html("insomnia:sleep-onset-latency")[:87]
    "<ul class='mgedu-grade-reasons'><li><b>What the studies found:</b> Mah &amp; Pitre 2021"
    """
    import html

    condition, outcome = _split(row_id)
    row = _row(condition, outcome)
    items = [("What the studies found", row["effect"])]
    items += [(name.replace("_", " ").capitalize(), row[f"{name}_reason"]) for name in DOMAINS[:5]]
    items += [("Rating up", row["upgrade_reason"]), ("Bottom line", row["bottom_line"])]
    lines = [f"<li><b>{html.escape(k)}:</b> {html.escape(str(v))}</li>" for k, v in items if v]
    return "<ul class='mgedu-grade-reasons'>" + "".join(lines) + "</ul>"
