"""What has actually been measured about how much magnesium the gut absorbs from each salt.

``mgedu/data/absorption.csv`` holds one row per measurement (or per honest gap): what was measured,
by which method, in whom, at what dose, with the source read. The modelling decision is that an
"absorption rate" is never a property of a salt alone. It depends on the method (a rise in urine
vs a stable isotope), on who is tested (healthy volunteers, patients with part of the gut removed,
rats) and on the dose (the absorbed fraction falls as the dose rises). So any absorbed amount is
given here as a range across measurements, with the sources, and where nothing was measured the
table says "no good data" instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.doses import SALT_FAMILIES, check_amount, salt_info
from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, Problem, References, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd

EVIDENCE = ("measured", "subgroup", "relative-only", "claim", "no-good-data")
METHODS = ("urinary-increment", "stable-isotope", "net-absorption", "several-markers", "rat-tissue", "none")

ABSORPTION_SCHEMA = Schema(
    (
        Column("absorption_id", pattern=r"[a-z0-9][a-z0-9-]*"),
        Column("family", "category", vocab=SALT_FAMILIES, description="salt family (anion), or 'various'"),
        Column(
            "evidence",
            "category",
            vocab=EVIDENCE,
            description="measured | subgroup (picked after the fact) | relative-only (no %) | "
            "claim (a number an article states) | no-good-data",
        ),
        Column("species", "category", vocab=("human", "rat"), required=False),
        Column("method", "category", vocab=METHODS),
        Column("what_measured"),
        Column("population", required=False),
        Column("n", "int", required=False, minimum=1),
        Column("dose", required=False),
        Column("absorbed_pct_low", "float", required=False, minimum=0, maximum=100),
        Column("absorbed_pct_high", "float", required=False, minimum=0, maximum=100),
        Column(
            "study_id",
            required=False,
            references=References("studies.csv"),
            description="id in studies.csv, if the study is there",
        ),
        Column(
            "claim_id",
            required=False,
            references=References("claims.csv"),
            description="claim in seeds/claims.csv, for article figures",
        ),
        Column("citation", required=False),
        Column("notes"),
        source_column(description="page read (or the article file, for claims)"),
    ),
    key="absorption_id",
)


def load_absorption(folder: str | Path | None = None) -> pd.DataFrame:
    """Every absorption measurement, relative finding, article claim and explicit gap.

    >>> table = load_absorption().set_index("absorption_id")
    >>> float(table.loc["firoz2001-oxide", "absorbed_pct_low"])
    4.0
    """
    return load("absorption.csv", folder)


#: Evidence kinds that give a percentage absorbed, and those that say there is none to give.
WITH_PERCENTAGE = ("measured", "subgroup", "claim")
WITHOUT_PERCENTAGE = ("relative-only", "no-good-data")


@rule()
def absorbed_ranges_are_ordered(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """The low end of an absorbed share is not above its high end."""
    for record in rows:
        low, high = record["absorbed_pct_low"], record["absorbed_pct_high"]
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            yield rows.problem(record, "absorbed_pct_low", f"{low:g} is above absorbed_pct_high {high:g}")


@rule()
def measured_rows_give_a_percentage(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A measurement, a subgroup or an article's claim gives both ends of its percentage."""
    for record in rows:
        if record["evidence"] in WITH_PERCENTAGE:
            for column in ("absorbed_pct_low", "absorbed_pct_high"):
                if record[column] is None:
                    yield rows.problem(record, column, f"evidence {record['evidence']!r} needs {column}")


@rule()
def gap_rows_give_no_percentage(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A relative finding or an explicit gap gives no percentage (there is none to give)."""
    for record in rows:
        if record["evidence"] in WITHOUT_PERCENTAGE:
            for column in ("absorbed_pct_low", "absorbed_pct_high"):
                if record[column] is not None:
                    yield rows.problem(
                        record, column, f"evidence {record['evidence']!r} gives no percentage; leave {column} blank"
                    )


@rule()
def claim_rows_name_their_claim(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A figure an article states names the claim it comes from."""
    for record in rows:
        if record["evidence"] == "claim" and record["claim_id"] is None:
            yield rows.problem(record, "claim_id", "evidence 'claim' needs the claim_id it comes from")


def absorption_for(salt: str) -> pd.DataFrame:
    """The rows about ``salt``'s family (any hydrate), measured or not, claims included.

    >>> sorted(absorption_for("glycinate").evidence.astype(str).unique())
    ['claim', 'measured', 'no-good-data']
    """
    family = salt_info(salt).family
    table = load_absorption()
    return table[table.family == family].reset_index(drop=True)


@dataclass(frozen=True)
class AbsorbedRange:
    """How much of a dose the measurements say is absorbed: a range with its sources, or no data."""

    salt: str
    elemental_mg: float
    pct_low: float | None
    pct_high: float | None
    sources: tuple[str, ...]
    note: str

    @property
    def low_mg(self) -> float | None:
        """Lowest absorbed amount (mg), or None when nothing was measured."""
        return None if self.pct_low is None else self.elemental_mg * self.pct_low / 100

    @property
    def high_mg(self) -> float | None:
        """Highest absorbed amount (mg), or None when nothing was measured."""
        return None if self.pct_high is None else self.elemental_mg * self.pct_high / 100

    def describe(self) -> str:
        """One sentence: the range and where it comes from, or why there is none."""
        if self.pct_low is None or self.pct_high is None:
            return f"{self.salt}: no measured human absorption figure. {self.note}"
        span = f"{self.pct_low:g} %" if self.pct_low == self.pct_high else f"{self.pct_low:g}-{self.pct_high:g} %"
        mg = f"{self.low_mg:.0f} mg" if self.pct_low == self.pct_high else f"{self.low_mg:.0f}-{self.high_mg:.0f} mg"
        return (
            f"{self.salt}: measured absorption {span} ({', '.join(self.sources)}), i.e. about {mg} of "
            f"{self.elemental_mg:g} mg. {self.note}"
        )


def absorbed_mg_range(salt: str, elemental_mg: float, species: str = "human") -> AbsorbedRange:
    """The absorbed share of ``elemental_mg`` as the range of measured figures for ``salt``'s family.

    Only whole-group measurements in ``species`` count (subgroups picked after the fact, article
    claims and relative findings do not). Different methods are pooled into one range on purpose:
    the spread shows how much the answer depends on how it was measured.

    >>> r = absorbed_mg_range("oxide", 250)
    >>> r.pct_low, r.pct_high, r.sources
    (4.0, 22.8, ('firoz2001-oxide', 'schuette1994-oxide'))
    >>> gap = absorbed_mg_range("l-threonate", 80)
    >>> gap.pct_low, gap.pct_high, gap.sources
    (None, None, ('l-threonate-no-data',))
    """
    dose = check_amount(elemental_mg, "elemental_mg")
    if species not in ("human", "rat"):
        raise ValueError(f"species must be 'human' or 'rat', got {species!r}")
    info = salt_info(salt)
    rows = absorption_for(info.key)
    measured = rows[(rows.evidence == "measured") & (rows.species == species)]
    if measured.empty:
        gaps = rows[rows.evidence.isin(["relative-only", "no-good-data"])]
        note = " ".join(str(n) for n in gaps.notes) if not gaps.empty else "Nothing about this salt is tabled."
        return AbsorbedRange(info.key, dose, None, None, tuple(str(i) for i in gaps.absorption_id), note)
    low = float(measured.absorbed_pct_low.min())
    high = float(measured.absorbed_pct_high.max())
    methods = sorted({str(m) for m in measured.method})
    populations = "; ".join(str(p) for p in measured.population)
    note = (
        f"Method{'s' if len(methods) > 1 else ''}: {', '.join(methods)}; "
        f"tested in {populations}. The fraction absorbed also depends on the dose."
    )
    return AbsorbedRange(info.key, dose, low, high, tuple(str(i) for i in measured.absorption_id), note)


def compare_absorption_claims() -> pd.DataFrame:
    """Each absorption figure an article states, next to what was measured for that salt family.

    >>> table = compare_absorption_claims().set_index("claim_id")
    >>> table.loc["S002-C56", ["claimed_pct", "measured_human_low", "measured_human_high"]].tolist()
    [40.0, 23.5, 23.5]
    """
    import pandas as pd

    table = load_absorption()
    rows = []
    for claim in table[table.evidence == "claim"].itertuples(index=False):
        same = table[(table.family == claim.family) & (table.evidence == "measured") & (table.species == "human")]
        rats = table[(table.evidence == "measured") & (table.species == "rat")]
        rows.append(
            {
                "claim_id": claim.claim_id,
                "family": str(claim.family),
                "claimed_pct": float(claim.absorbed_pct_low),
                "measured_human_low": float(same.absorbed_pct_low.min()) if not same.empty else None,
                "measured_human_high": float(same.absorbed_pct_high.max()) if not same.empty else None,
                "human_measurements": "; ".join(
                    f"{r.absorbed_pct_low:g} % ({r.method}, {r.absorption_id})" for r in same.itertuples(index=False)
                )
                or "none found",
                "rat_range_pct": "; ".join(
                    f"{r.absorbed_pct_low:g}-{r.absorbed_pct_high:g} ({r.absorption_id})"
                    for r in rats.itertuples(index=False)
                ),
            }
        )
    return pd.DataFrame(rows)
