"""Doses as the articles state them, set against the doses the trials actually used.

``mgedu/data/article_doses.csv`` holds one row per dose: each dose an article states (with the words
it uses, verbatim, and how they are read where they allow more than one reading) and each dose a
trial used. :func:`reconcile_doses` converts every row to elemental magnesium and millimoles with
:mod:`mgedu.doses`, sets daily oral doses against one person's reference intakes with
:mod:`mgedu.intake`, and says whether each article's figure matches the trial it reports. This module
sits above both, so dose arithmetic and reference intakes never import each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.doses import DOSE_UNITS, MAX_AMOUNT_MG, MG_MOLAR_MASS, dose_to_elemental_mg, elemental_fraction
from mgedu.intake import assess_dose
from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, Problem, References, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd


ARTICLE_DOSES_SCHEMA = Schema(
    (
        Column("dose_id", pattern=r"[A-Za-z0-9][A-Za-z0-9-]*"),
        Column("kind", "category", vocab=("article", "trial"), description="article or trial"),
        Column(
            "doc_id",
            required=False,
            references=References("documents.csv"),
            description="the article, for article rows",
        ),
        Column(
            "claim_id",
            required=False,
            references=References("claims.csv"),
            description="the claim that states the dose, for article rows",
        ),
        Column(
            "study_id",
            references=References("studies.csv"),
            description="the trial that used the dose, or that the article reports",
        ),
        Column("as_stated", description="the words used (verbatim from the article for article rows)"),
        Column("reading", description="how the words are read, when they allow more than one reading"),
        Column("amount", "float", minimum=0, maximum=MAX_AMOUNT_MG),
        Column("unit", "category", vocab=DOSE_UNITS),
        Column("basis", "category", vocab=("salt", "elemental")),
        Column(
            "salt",
            required=False,
            references=References("salts.csv"),
            description="key in salts.csv; blank when not stated",
        ),
        Column("per", "category", vocab=("day", "single-dose", "unstated")),
        Column("route", "category", vocab=("oral", "iv")),
        Column(
            "compare_with",
            required=False,
            references=References("article_doses.csv", where=("kind", ("trial",))),
            description="dose_id of the trial row an article row reports",
        ),
        source_column(description="the article file, or the page(s) read for a trial"),
        Column("notes", required=False),
    ),
    key="dose_id",
)


def load_article_doses(folder: str | Path | None = None) -> pd.DataFrame:
    """Every dose the articles state and every dose the trials used, one reading per row.

    >>> doses = load_article_doses()
    >>> doses.set_index("dose_id").loc["S002-hornyak", "as_stated"]
    '12.4 mmol every evening'
    """
    return load("article_doses.csv", folder)


# ------------------------------------------------------------------------------------------ named rules


@rule()
def article_rows_name_their_article_and_claim(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A dose an article states names the article (doc_id) and the claim that states it (claim_id)."""
    for record in rows:
        if record["kind"] == "article":
            for column in ("doc_id", "claim_id"):
                if record[column] is None:
                    yield rows.problem(record, column, f"an article dose needs its {column}")


@rule()
def salt_doses_name_their_salt(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A dose weighed as a salt names the salt (its magnesium share depends on it)."""
    for record in rows:
        if record["basis"] == "salt" and record["salt"] is None:
            yield rows.problem(record, "salt", "basis is 'salt', so the salt must be named")


@rule()
def milliequivalents_count_magnesium_ions(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A dose in mEq counts magnesium ions, so its basis is elemental."""
    for record in rows:
        if record["unit"] == "mEq" and record["basis"] == "salt":
            yield rows.problem(record, "basis", "a dose in mEq counts magnesium ions: basis must be 'elemental'")


def _claims_by_id(corpus: Corpus) -> dict[object, dict[str, object]]:
    return {r["claim_id"]: r for r in corpus.rows("claims.csv") if r["claim_id"] is not None}


@rule(reads=("claims.csv",))
def article_doses_come_from_their_claims_article(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """An article dose's doc_id is the article its claim is quoted from."""
    claims = _claims_by_id(corpus)
    for record in rows:
        claim = claims.get(record["claim_id"])
        if claim is not None and record["doc_id"] is not None and claim["doc_id"] != record["doc_id"]:
            yield rows.problem(
                record, "doc_id", f"claim {record['claim_id']} is quoted from {claim['doc_id']}, not {record['doc_id']}"
            )


@rule(reads=("claims.csv",))
def article_doses_quote_their_claim(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """An article dose's words (as_stated) are part of its claim's verbatim quote."""
    claims = _claims_by_id(corpus)
    for record in rows:
        claim = claims.get(record["claim_id"])
        if record["kind"] != "article" or claim is None or claim["quote"] is None or record["as_stated"] is None:
            continue
        if " ".join(str(record["as_stated"]).split()) not in " ".join(str(claim["quote"]).split()):
            yield rows.problem(
                record, "as_stated", f"{record['as_stated']!r} is not in the quote of claim {record['claim_id']}"
            )


def _match(elemental: float, trial: float | None) -> str:
    if trial is None:
        return "cannot check: the trial's own dose was not found"
    change = (elemental - trial) / trial
    if abs(change) < 1e-9:
        return "yes"
    if abs(change) <= 0.02:
        return f"yes (rounded; trial {trial:.0f} mg)"
    return f"no: {abs(change) * 100:.0f} % {'more' if change > 0 else 'less'} than the trial's"


def reconcile_doses(age_years: float = 40, sex: str = "female", authority: str = "NIH") -> pd.DataFrame:
    """The reconciled dose table: each dose as stated, as salt, elemental mg and mmol, % RDA, % UL, match.

    Percentages are for one person (by default a 40-year-old woman, NIH values) and only for oral
    daily doses: an IV dose, a single test dose or a dose with no time unit gets none. When the
    authority's RDA is disputed, ``pct_rda_low``/``pct_rda_high`` replace ``pct_rda``.

    >>> table = reconcile_doses().set_index("dose_id")
    >>> table.loc["S000-hornyak", "matches_trial"]
    'yes (rounded; trial 301 mg)'
    >>> round(float(table.loc["S000-abbasi", "pct_ul"]))
    143
    """
    import pandas as pd

    doses = load_article_doses()
    elemental = {
        r.dose_id: dose_to_elemental_mg(
            r.amount, str(r.unit), str(r.basis), r.salt if isinstance(r.salt, str) else None
        )
        for r in doses.itertuples(index=False)
    }
    rows = []
    for r in doses.itertuples(index=False):
        e = elemental[r.dose_id]
        row: dict[str, object] = {
            "dose_id": r.dose_id,
            "source": r.doc_id if r.kind == "article" else r.study_id,
            "claim_id": r.claim_id,
            "study_id": r.study_id,
            "as_stated": r.as_stated,
            "reading": r.reading,
            "salt": r.salt,
            "salt_mg": e / elemental_fraction(r.salt) if isinstance(r.salt, str) else None,
            "elemental_mg": e,
            "mmol": e / MG_MOLAR_MASS,
            "per": str(r.per),
            "route": str(r.route),
        }
        if r.per == "day" and r.route == "oral":
            a = assess_dose(e, age_years, sex, authority=authority)
            row.update(pct_rda_low=a.pct_rda[0], pct_rda_high=a.pct_rda[1], pct_ul=a.pct_ul)
        else:
            why = {"iv": "IV dose: RDA and UL are for oral intake"}.get(str(r.route)) or {
                "single-dose": "one test dose, not a daily dose",
                "unstated": "no time unit stated",
            }[str(r.per)]
            row.update(pct_rda_low=None, pct_rda_high=None, pct_ul=None, no_percent_because=why)
        trial = elemental.get(r.compare_with) if isinstance(r.compare_with, str) else None
        row["trial_elemental_mg"] = trial
        row["matches_trial"] = "(the trial's own figure)" if r.kind == "trial" else _match(e, trial)
        row["notes"] = r.notes
        rows.append(row)
    table = pd.DataFrame(rows)
    if "no_percent_because" not in table:
        table["no_percent_because"] = None
    if table.pct_rda_low.equals(table.pct_rda_high):
        table = table.rename(columns={"pct_rda_low": "pct_rda"}).drop(columns="pct_rda_high")
    columns = (
        "dose_id",
        "source",
        "claim_id",
        "study_id",
        "as_stated",
        "reading",
        "salt",
        "salt_mg",
        "elemental_mg",
        "mmol",
        "pct_rda",
        "pct_rda_low",
        "pct_rda_high",
        "pct_ul",
        "trial_elemental_mg",
        "matches_trial",
        "per",
        "route",
        "no_percent_because",
        "notes",
    )
    order = [c for c in columns if c in table.columns]
    return table[order]


def cited_studies() -> tuple[str, ...]:
    """The trials whose doses the articles state (their ``study_id``, in the order they first appear).

    >>> cited_studies()
    ('abbasi2012', 'hornyak1998', 'bartell2006', 'jadidi2022', 'nct04462796')
    """
    doses = load_article_doses()
    return tuple(dict.fromkeys(str(s) for s in doses[doses.kind == "article"].study_id))


#: Column labels of :func:`trial_dose_table`, as a learner reads them.
TRIAL_TABLE_COLUMNS: tuple[str, ...] = (
    "Trial",
    "As the trial reports it",
    "Read as",
    "Salt",
    "Salt weight (mg)",
    "Elemental magnesium (mg)",
    "Magnesium (mmol)",
    "% of RDA",
    "% of supplemental UL",
)
NOT_REPORTED = "not reported"


def _whole(value: object) -> str:
    """A number rounded to a whole number, or a dash when it is missing."""
    import math

    if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.0f}"


def trial_dose_table(
    studies: tuple[str, ...] | list[str] | None = None,
    age_years: float = 40,
    sex: str = "female",
    authority: str = "NIH",
) -> pd.DataFrame:
    """The trials' own doses, one reading per row, with human column labels and no missing values.

    ``studies`` picks the trials (default: :func:`cited_studies`, the ones the articles cite; an id
    with no trial dose, such as a case report whose dose was not found, simply has no row). Every
    cell is text: numbers are rounded (mg and % to whole numbers, mmol to one decimal), a salt the
    trial does not name reads "not reported" (and so does its salt weight), and a dose that is not a
    daily oral dose gets the reason instead of a share of the RDA or UL. The shares are for one person
    (by default a 40-year-old woman, NIH values), as in :func:`reconcile_doses`.

    >>> table = trial_dose_table(["hornyak1998"])
    >>> table.iloc[0][["Trial", "Salt", "Elemental magnesium (mg)", "% of supplemental UL"]].tolist()
    ['Hornyak 1998', 'not reported', '301', '86']
    >>> trial_dose_table(["no-such-trial"])
    Traceback (most recent call last):
    ...
    ValueError: studies must be study ids of article_doses.csv, got unknown 'no-such-trial'
    """
    import pandas as pd

    from mgedu.doses import load_salts
    from mgedu.studies import study_label

    table = reconcile_doses(age_years=age_years, sex=sex, authority=authority)
    wanted = list(cited_studies() if studies is None else studies)
    unknown = [s for s in wanted if s not in set(table.study_id)]
    if unknown:
        raise ValueError(f"studies must be study ids of article_doses.csv, got unknown {unknown[0]!r}")
    trials = table[table.dose_id.str.startswith("trial-") & table.study_id.isin(wanted)].copy()
    trials["order"] = [wanted.index(s) for s in trials.study_id]
    trials = trials.sort_values("order", kind="stable")
    names = dict(zip(load_salts().salt, load_salts().name, strict=True))
    rows = []
    for r in trials.to_dict("records"):
        named = isinstance(r["salt"], str)
        if "pct_rda" in r:
            rda = _whole(r["pct_rda"])
        else:
            low, high = _whole(r["pct_rda_low"]), _whole(r["pct_rda_high"])
            rda = low if low == high else f"{low}-{high}"
        reason = r.get("no_percent_because")
        percent_missing = isinstance(reason, str)
        rows.append(
            [
                study_label(str(r["study_id"])),
                r["as_stated"],
                r["reading"],
                names[r["salt"]] if named else NOT_REPORTED,
                _whole(r["salt_mg"]) if named else NOT_REPORTED,
                _whole(r["elemental_mg"]),
                f"{float(r['mmol']):.1f}",
                reason if percent_missing else rda,
                reason if percent_missing else _whole(r["pct_ul"]),
            ]
        )
    return pd.DataFrame(rows, columns=list(TRIAL_TABLE_COLUMNS)).reset_index(drop=True)
