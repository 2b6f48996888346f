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

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.evidence import CERTAINTY_LEVELS, DOMAINS, GradeResult, grade_certainty, grade_start
from mgedu.rules import Corpus, Rows, rule
from mgedu.study_designs import STUDY_DESIGNS
from mgedu.tables import Column, Problem, References, Schema, load, source_column

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
        Column(
            "studies",
            required=False,
            references=References("studies.csv", separator=";"),
            description="'; '-separated study ids; blank when none",
        ),
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
        source_column(description="pages read"),
    ),
    key="row_id",
    description="GRADE certainty per condition and outcome, with the reasoning per domain",
)
REASON_COLUMNS = (
    "risk_of_bias_reason",
    "inconsistency_reason",
    "indirectness_reason",
    "imprecision_reason",
    "publication_bias_reason",
)


def load_grade_outcomes(folder: str | Path | None = None) -> pd.DataFrame:
    """The GRADE table: one row per condition and outcome.

    >>> table = load_grade_outcomes()
    >>> table.set_index("row_id").loc["insomnia:sleep-onset-latency", "published_certainty"]
    'low'
    """
    return load("grade_outcomes.csv", folder)


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


# ------------------------------------------------------------------------------------------ named rules


def _steps(record: dict[str, object]) -> dict[str, int]:
    return {name: int(record[name] or 0) for name in DOMAINS}  # type: ignore[call-overload]


def _rated(rows: Rows) -> Iterator[dict[str, object]]:
    """Rated rows with a design and studies (the others are reported by their own rules)."""
    for record in rows:
        if (
            record["certainty"] not in (None, NO_EVIDENCE)
            and record["design"] is not None
            and record["studies"] is not None
        ):
            yield record


@rule()
def row_ids_name_condition_and_outcome(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A row's id is its condition and outcome, as 'condition:outcome'."""
    for record in rows:
        expected = f"{record['condition']}:{record['outcome']}"
        if None not in (record["condition"], record["outcome"], record["row_id"]) and record["row_id"] != expected:
            yield rows.problem(record, "row_id", f"{record['row_id']} should be {expected}")


@rule()
def unrated_rows_leave_ratings_blank(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A 'no evidence' row leaves the design and every domain blank."""
    for record in rows:
        if record["certainty"] == NO_EVIDENCE and (
            record["design"] is not None or any(record[n] is not None for n in DOMAINS)
        ):
            yield rows.problem(record, "certainty", "'no evidence' rows must leave design and domains blank")


@rule()
def rated_rows_name_design_and_studies(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A rated row names the design that sets its start level and the studies behind it."""
    for record in rows:
        if record["certainty"] not in (None, NO_EVIDENCE) and (record["design"] is None or record["studies"] is None):
            yield rows.problem(record, "design", "a rated row needs a design and its studies")


@rule()
def rated_designs_have_a_grade_start(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A rated row's design is one GRADE starts from (trials and other studies of people, not reviews)."""
    for record in _rated(rows):
        try:
            grade_start(str(record["design"]))
        except ValueError as exc:
            yield rows.problem(record, "design", str(exc))


@rule()
def ratings_are_steps_grade_allows(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Each domain rating is a step GRADE allows there (down 0/-1/-2; up only for non-randomised evidence)."""
    for record in _rated(rows):
        try:
            grade_start(str(record["design"]))
        except ValueError:
            continue  # reported by rated_designs_have_a_grade_start
        try:
            grade_certainty(str(record["design"]), **_steps(record))
        except ValueError as exc:  # grade_certainty's own message names the domain first
            column = str(exc).split()[0]
            yield rows.problem(record, column if column in DOMAINS else "design", str(exc))


@rule()
def certainty_follows_from_the_ratings(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """The recorded certainty is the one grade_certainty() computes from the design and the domain ratings."""
    for record in _rated(rows):
        try:
            result = grade_certainty(str(record["design"]), **_steps(record))
        except ValueError:
            continue  # a design without a start level, or an upgrade of randomised evidence: reported elsewhere
        if result.certainty != record["certainty"]:
            yield rows.problem(
                record, "certainty", f"recorded {record['certainty']!r} but the ratings give {result.certainty!r}"
            )


@rule()
def downgrades_give_reasons(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Every domain rated down has a sentence of reasoning in its *_reason column."""
    for record in rows:
        for name, column in zip(DOMAINS[:5], REASON_COLUMNS, strict=True):
            if record[name] and record[column] is None:
                yield rows.problem(record, column, f"{name} is rated {record[name]} but has no reason")


@rule()
def upgrades_give_a_reason(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A row rated up in any domain says why in upgrade_reason."""
    for record in rows:
        if any(record[n] for n in DOMAINS[5:]) and record["upgrade_reason"] is None:
            yield rows.problem(record, "upgrade_reason", "rated up without a reason")


@rule(reads=("pooled_estimates.csv",))
def published_certainty_matches_the_pooled_estimate(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A published certainty is the one the pooled estimate for that condition and outcome reports."""
    pooled = {(r["condition"], r["outcome"]): r for r in corpus.rows("pooled_estimates.csv")}
    for record in rows:
        if record["published_certainty"] is None or record["outcome"] not in OUTCOMES:
            continue
        estimate = pooled.get((record["condition"], OUTCOMES[str(record["outcome"])]))
        if estimate is None:
            yield rows.problem(
                record,
                "published_certainty",
                f"no pooled estimate for {record['condition']}, {OUTCOMES[str(record['outcome'])]}",
            )
        elif estimate["certainty_published"] != record["published_certainty"]:
            yield rows.problem(
                record,
                "published_certainty",
                (
                    f"{record['published_certainty']!r}, but pooled_estimates.csv row {estimate['csv_row']} "
                    f"gives {estimate['certainty_published']!r}"
                ),
            )


def rated_outcomes(folder: str | Path | None = None) -> dict[str, str]:
    """Outcomes that have evidence to rate: plain label -> row id (for the GRADE worksheet).

    >>> rated_outcomes()["Insomnia in older adults · sleep onset latency"]
    'insomnia:sleep-onset-latency'
    """
    table = load_grade_outcomes(folder)
    rated = table[table.certainty != NO_EVIDENCE]
    return {
        f"{_first_upper(CONDITIONS[str(c)])} · {OUTCOMES[str(o)]}": str(r)
        for c, o, r in zip(rated.condition, rated.outcome, rated.row_id, strict=True)
    }


def _first_upper(text: str) -> str:
    """Capitalise the first letter only ("RLS severity" stays "RLS severity", not "Rls severity")."""
    return text[:1].upper() + text[1:]


def _split(row_id: str) -> tuple[str, str]:
    condition, _, outcome = str(row_id).partition(":")
    return condition, outcome


def outcome_label(row_id: str) -> str:
    """An outcome as a reader names it, condition in brackets.

    >>> outcome_label("rls:rls-severity")
    'RLS severity (restless legs syndrome)'
    """
    condition, outcome = _split(row_id)
    if condition not in CONDITIONS or outcome not in OUTCOMES:
        raise ValueError(f"row_id must look like 'rls:rls-severity', got {row_id!r}")
    return f"{_first_upper(OUTCOMES[outcome])} ({CONDITIONS[condition]})"


def describe_grade_choice(row_id: str, reveal: bool = True, **steps: int) -> str:
    """The worksheet readout: the certainty your domain choices give, why, and (when revealed) the workbook's.

    Args:
        row_id: ``"condition:outcome"``, e.g. ``"insomnia:total-sleep-time"``.
        reveal: add the workbook's own rating; a blank worksheet (``False``) shows only yours.
        **steps: the domain ratings (any not given count as 0).

    >>> text = describe_grade_choice("insomnia:total-sleep-time", risk_of_bias=-1, imprecision=-2)
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    Total sleep time (insomnia in older adults): very low ⊕◯◯◯. Started at high because the evidence
    comes from double-blind randomised trials. Rated down one level for risk of bias. Rated down
    two levels for imprecision (very serious). Certainty: very low. The workbook rates it low.
    >>> describe_grade_choice("rls:rls-severity", reveal=False)[:48]
    'RLS severity (restless legs syndrome): high ⊕⊕⊕⊕'
    """
    condition, outcome = _split(row_id)
    row = _row(condition, outcome)
    what = outcome_label(row_id)
    if row["certainty"] == NO_EVIDENCE:
        return f"{what}: no study measured it, so there is nothing to rate."
    unknown = sorted(set(steps) - set(DOMAINS))
    if unknown:
        raise ValueError(f"unknown GRADE domain(s) {', '.join(unknown)}; allowed: {', '.join(DOMAINS)}")
    result = grade_certainty(str(row["design"]), **steps)
    theirs = f" The workbook rates it {row['certainty']}." if reveal else ""
    return f"{what}: {result.certainty} {result.symbols}. {result.justification}{theirs}"


def describe_blank_worksheet(row_id: str, start: str | None = None, **steps: int) -> str:
    """The blank worksheet's readout: the certainty the learner's own start and ratings lead to, nothing else.

    Nothing of the workbook's rating is used, not even the design it rates from: the learner picks
    the starting level.

    >>> describe_blank_worksheet("rls:rls-severity")[:62]
    'RLS severity (restless legs syndrome): choose a starting level'
    >>> print(describe_blank_worksheet("rls:rls-severity", start="high", imprecision=-1))
    ... # doctest: +NORMALIZE_WHITESPACE
    RLS severity (restless legs syndrome): moderate ⊕⊕⊕◯. Started at high (randomised trials).
    Rated down one level for imprecision. Certainty: moderate.
    """
    from mgedu.evidence import grade_from_start

    what = outcome_label(row_id)
    condition, outcome = _split(row_id)
    if _row(condition, outcome)["certainty"] == NO_EVIDENCE:
        return f"{what}: no study measured it, so there is nothing to rate."
    if start is None:
        return (
            f"{what}: choose a starting level first (high when randomised trials measured the outcome, "
            "low otherwise), then rate each domain."
        )
    result = grade_from_start(start, **steps)
    return f"{what}: {result.certainty} {result.symbols}. {result.justification}"


def outcome_evidence(row_id: str) -> str:
    """What the studies of one outcome are and found, with no GRADE rating: what a learner rates from.

    Each study is named with its design; the rating itself (and the design the workbook rates from)
    is left out, so that the learner decides the starting level.

    >>> print(outcome_evidence("insomnia:total-sleep-time"))  # doctest: +ELLIPSIS
    Total sleep time (insomnia in older adults)
    Studies: Abbasi 2012 (double-blind randomised controlled trial); Held 2002 (double-blind ...
    People in the studies rated: 55
    What the studies found: Mah & Pitre 2021 pooled: 16.06 min longer with magnesium ...
    """
    from mgedu.studies import study, study_label
    from mgedu.study_designs import STUDY_DESIGN_LABELS

    condition, outcome = _split(row_id)
    row = _row(condition, outcome)
    studies = [s.strip() for s in str(row["studies"] or "").split(";") if s.strip()]
    named = [f"{study_label(s)} ({_design_words(STUDY_DESIGN_LABELS[str(study(s)['design'])].label)})" for s in studies]
    lines = [outcome_label(row_id), f"Studies: {'; '.join(named) or 'none'}"]
    if row["n_participants"] is not None:
        lines.append(f"People in the studies rated: {row['n_participants']}")
    lines.append(f"What the studies found: {row['effect']}")
    return "\n".join(lines)


def _design_words(label: str) -> str:
    """A design label inside a sentence: "Single-blind ... trial" -> "single-blind ... trial", no brackets."""
    label = label.split(" (")[0]
    return label[:1].lower() + label[1:]


def start_reason(row_id: str) -> str:
    """Why GRADE starts where it does for one outcome, from the design the rating rests on.

    >>> print(start_reason("rls:periodic-limb-movements"))  # doctest: +NORMALIZE_WHITESPACE
    The rating rests on uncontrolled open-label studies (no randomised trial measured this outcome),
    so it starts at low.
    """
    from mgedu.study_designs import STUDY_DESIGN_LABELS

    condition, outcome = _split(row_id)
    row = _row(condition, outcome)
    if row["certainty"] == NO_EVIDENCE:
        return "No study measured this outcome, so there is no starting level."
    design = str(row["design"])
    start = grade_start(design)
    why = "" if start == "high" else " (no randomised trial measured this outcome)"
    return f"The rating rests on {STUDY_DESIGN_LABELS[design].plural}{why}, so it starts at {start}."


def grade_reasoning_html(row_id: str, reveal: bool = True, **_: int) -> str:
    """The workbook's reasoning for one outcome, domain by domain, as escaped HTML (worksheet detail).

    With ``reveal=False`` only what the studies found is given (a blank worksheet shows no rating).

    >>> grade_reasoning_html("insomnia:sleep-onset-latency")[:87]
    "<ul class='mgedu-grade-reasons'><li><b>What the studies found:</b> Mah &amp; Pitre 2021"
    >>> grade_reasoning_html("rls:rls-severity", reveal=False).count("<li>")
    1
    """
    import html

    condition, outcome = _split(row_id)
    row = _row(condition, outcome)
    items = [("What the studies found", row["effect"])]
    if reveal:
        items += [(_first_upper(name.replace("_", " ")), row[f"{name}_reason"]) for name in DOMAINS[:5]]
        items += [("Rating up", row["upgrade_reason"]), ("Bottom line", row["bottom_line"])]
    lines = [f"<li><b>{html.escape(k)}:</b> {html.escape(str(v))}</li>" for k, v in items if v]
    return "<ul class='mgedu-grade-reasons'>" + "".join(lines) + "</ul>"
