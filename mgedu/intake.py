"""Reference intakes for magnesium, and how a daily dose compares with them.

Two authorities are tabled in ``mgedu/data/intake_reference.csv``: the US values the NIH Office of
Dietary Supplements publishes (IOM Food and Nutrition Board 1997), by life stage, and ICMR-NIN 2020
for Indian adults, because one of the articles quotes it. Two modelling decisions matter:

- Where sources disagree on a value and the disagreement cannot be settled, both values are kept
  (``rda_mg_other``) and every percentage of the RDA is reported as a range; nothing picks one quietly.
  (ICMR-NIN's RDA for women was such a case until the copies explicitly labelled ICMR-NIN 2020 were
  found to agree on 370 mg/day; the table's notes say why a 360 mg/day copy was set aside.)
- The RDA is a target for *total* intake (food and supplements), while the tolerable upper intake
  level (UL) counts magnesium from *supplements and medicines only*. So a supplement dose is compared
  with the UL directly, and its share of the RDA says nothing about what the rest of the diet holds.

None of this is dosing advice: the workbook uses these numbers to check what articles say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.doses import check_amount, dose_to_elemental_mg, mg_to_mmol, salt_info
from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, Problem, Schema, derived_cache, load, source_column

if TYPE_CHECKING:
    import pandas as pd

AUTHORITIES = ("NIH", "ICMR-NIN")
SEXES = ("female", "male")
MAX_AGE_YEARS = 120.0

INTAKE_SCHEMA = Schema(
    (
        Column("authority", "category", vocab=AUTHORITIES),
        Column("life_stage", description="as the authority labels it"),
        Column("age_from_years", "float", minimum=0, maximum=MAX_AGE_YEARS, description="inclusive"),
        Column(
            "age_to_years",
            "float",
            required=False,
            minimum=0,
            maximum=MAX_AGE_YEARS,
            description="exclusive; blank = no upper age",
        ),
        Column("sex", "category", vocab=("any", "female", "male")),
        Column("condition", "category", vocab=("none", "pregnant", "lactating")),
        Column("kind", "category", vocab=("RDA", "AI"), description="AI: adequate intake (infants)"),
        Column("rda_mg", "float", minimum=0, maximum=2000, description="mg/day, total intake"),
        Column(
            "rda_mg_other",
            "float",
            required=False,
            minimum=0,
            maximum=2000,
            description="a different value given by another source (sources disagree)",
        ),
        Column(
            "ul_supplemental_mg",
            "float",
            required=False,
            minimum=0,
            maximum=2000,
            description="mg/day from supplements and medicines; blank = none set or not found",
        ),
        source_column(),
        Column("confidence", "category", vocab=("A", "B")),
        Column("notes", required=False),
    ),
)


@dataclass(frozen=True)
class IntakeReference:
    """The reference values for one life stage from one authority."""

    authority: str
    life_stage: str
    sex: str
    condition: str
    kind: str
    rda_mg: float
    rda_mg_other: float | None
    ul_supplemental_mg: float | None
    source: str
    notes: str = ""

    @property
    def rda_range_mg(self) -> tuple[float, float]:
        """(lowest, highest) RDA value given by the sources (equal unless they disagree)."""
        values = [self.rda_mg] + ([self.rda_mg_other] if self.rda_mg_other is not None else [])
        return min(values), max(values)

    @property
    def disputed(self) -> bool:
        """True when sources give different RDA values for this group."""
        low, high = self.rda_range_mg
        return low != high

    def label(self) -> str:
        """Who the values are for, e.g. 'NIH, women 31-50 years'."""
        if self.authority != "NIH":
            return f"{self.authority}, {self.life_stage}"
        young = "infants" if "month" in self.life_stage else "children"
        who = {"female": "women", "male": "men", "any": young}[self.sex]
        who = {"pregnant": "pregnancy", "lactating": "lactation"}.get(self.condition, who)
        return f"{self.authority}, {who} {self.life_stage}"


def load_intake_reference(folder: str | Path | None = None) -> pd.DataFrame:
    """The intake reference table (RDA/AI and supplemental UL by authority and life stage).

    >>> table = load_intake_reference()
    >>> sorted(set(table.authority))
    ['ICMR-NIN', 'NIH']
    """
    return load("intake_reference.csv", folder)


@dataclass(frozen=True)
class IntakeRow:
    """One row of the intake reference table: the ages it covers and the values it gives."""

    age_from_years: float
    age_to_years: float | None
    reference: IntakeReference

    def covers(self, age_years: float) -> bool:
        """Whether the row applies at ``age_years`` (lower age inclusive, upper age exclusive)."""
        return self.age_from_years <= age_years and (self.age_to_years is None or age_years < self.age_to_years)


@derived_cache
def _intake_rows() -> tuple[IntakeRow, ...]:
    """The intake reference table as plain rows, built once per session (``clear_cache`` forgets them).

    An explorer looks values up on every change of a control: filtering these few rows in Python takes
    microseconds, where copying and filtering the DataFrame took milliseconds.
    """
    rows = []
    for row in load_intake_reference().itertuples(index=False):
        reference = IntakeReference(
            str(row.authority),
            str(row.life_stage),
            str(row.sex),
            str(row.condition),
            str(row.kind),
            float(row.rda_mg),
            _optional(row.rda_mg_other),
            _optional(row.ul_supplemental_mg),
            str(row.source),
            str(row.notes) if isinstance(row.notes, str) else "",
        )
        rows.append(IntakeRow(float(row.age_from_years), _optional(row.age_to_years), reference))
    return tuple(rows)


def intake_rows(authority: str, condition: str = "none", sex: str | None = None) -> list[IntakeRow]:
    """The rows of one authority for one condition (and, given ``sex``, those for that sex or for any).

    >>> [(r.age_from_years, r.age_to_years) for r in intake_rows("NIH", "none", "female")][-2:]
    [(31.0, 51.0), (51.0, None)]
    >>> intake_rows("ICMR-NIN", "pregnant")
    []
    """
    return [
        r
        for r in _intake_rows()
        if r.reference.authority == authority
        and r.reference.condition == condition
        and (sex is None or r.reference.sex in (sex, "any"))
    ]


def _overlap(a: dict[str, object], b: dict[str, object]) -> bool:
    """Whether two life-stage rows could both apply to one person."""
    same = a["authority"] == b["authority"] and a["condition"] == b["condition"]
    sexes = a["sex"] == b["sex"] or "any" in (a["sex"], b["sex"])
    if not (same and sexes) or a["age_from_years"] is None or b["age_from_years"] is None:
        return False
    a_end = float("inf") if a["age_to_years"] is None else a["age_to_years"]
    b_end = float("inf") if b["age_to_years"] is None else b["age_to_years"]
    return a["age_from_years"] < b_end and b["age_from_years"] < a_end  # type: ignore[operator]


@rule()
def age_ranges_are_ordered(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A life stage's upper age (exclusive) is above its lower age."""
    for record in rows:
        low, high = record["age_from_years"], record["age_to_years"]
        if low is not None and high is not None and not low < high:  # type: ignore[operator]
            yield rows.problem(record, "age_to_years", f"age_to_years {high:g} is not above age_from_years {low:g}")


@rule()
def life_stages_do_not_overlap(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """No two rows of one authority apply to the same person (the look-up must find one row)."""
    records = list(rows)
    for i, record in enumerate(records):
        for earlier in records[:i]:
            if _overlap(earlier, record):
                yield rows.problem(
                    record,
                    "age_from_years",
                    (
                        f"{record['authority']} {record['life_stage']} ({record['sex']}, {record['condition']}) "
                        "overlaps "
                        f"row {earlier['csv_row']} ({earlier['life_stage']}, {earlier['sex']})"
                    ),
                )
                break


def _optional(value: object) -> float | None:
    import pandas as pd

    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def intake_reference(
    age_years: float, sex: str, pregnant: bool = False, lactating: bool = False, authority: str = "NIH"
) -> IntakeReference:
    """The RDA (or AI) and the supplemental UL that apply to one person.

    >>> ref = intake_reference(40, "female")
    >>> ref.rda_mg, ref.ul_supplemental_mg
    (320.0, 350.0)
    >>> intake_reference(30, "female", authority="ICMR-NIN").rda_range_mg
    (370.0, 370.0)
    """
    age = check_amount(age_years, "age_years", "years", MAX_AGE_YEARS)
    if not isinstance(sex, str) or sex.strip().casefold() not in SEXES:
        raise ValueError(f"sex must be 'female' or 'male', got {sex!r}")
    sex = sex.strip().casefold()
    if authority not in AUTHORITIES:
        raise ValueError(f"authority must be one of {', '.join(AUTHORITIES)}, got {authority!r}")
    for flag, name in ((pregnant, "pregnant"), (lactating, "lactating")):
        if not isinstance(flag, bool):
            raise ValueError(f"{name} must be True or False, got {flag!r}")
    if pregnant and lactating:
        raise ValueError("pregnant and lactating cannot both be True: pick one")
    condition = "pregnant" if pregnant else "lactating" if lactating else "none"
    if condition != "none" and sex != "female":
        raise ValueError(f"{condition}=True needs sex='female', got sex={sex!r}")
    candidates = intake_rows(authority, condition, sex)
    rows = [r for r in candidates if r.covers(age)]
    if not rows:
        covered = intake_rows(authority, condition)
        if not covered:
            raise ValueError(
                f"{authority} values for {condition} women were not found in the sources read; try authority='NIH'"
            )
        low = min(r.age_from_years for r in covered)
        ends = [r.age_to_years for r in covered]
        top = "any higher age" if None in ends else f"under {max(e for e in ends if e is not None):g}"
        what = {"pregnant": "pregnancy", "lactating": "lactation"}.get(condition, "this group")
        raise ValueError(
            f"age_years must be between {low:g} and {top} for {what} in the {authority} table, got {age:g}"
        )
    return rows[0].reference


@dataclass(frozen=True)
class DoseAssessment:
    """A daily dose of elemental magnesium set against one person's reference values."""

    elemental_mg_per_day: float
    reference: IntakeReference
    pct_rda: tuple[float, float]
    pct_ul: float | None
    above_ul: bool | None
    flags: tuple[str, ...]

    def describe(self) -> str:
        """One plain sentence, e.g. for a widget readout."""
        low, high = self.pct_rda
        pct = f"{low:.0f} %" if round(low) == round(high) else f"{low:.0f}-{high:.0f} %"
        rda_low, rda_high = self.reference.rda_range_mg
        rda = f"{rda_low:g}" if rda_low == rda_high else f"{rda_low:g} or {rda_high:g}"
        kind = self.reference.kind
        text = f"{self.elemental_mg_per_day:.1f} mg/day is {pct} of the {kind} ({rda} mg/day; {self.reference.label()})"
        if self.pct_ul is not None:
            ul = self.reference.ul_supplemental_mg
            text += f" and {self.pct_ul:.0f} % of the supplemental UL ({ul:g} mg/day)"
        else:
            text += "; no supplemental UL for this group in the table"
        return text + "."


def assess_dose(
    elemental_mg_per_day: float,
    age_years: float,
    sex: str,
    pregnant: bool = False,
    lactating: bool = False,
    authority: str = "NIH",
) -> DoseAssessment:
    """Compare a daily supplement dose (elemental mg) with the RDA and the supplemental UL.

    >>> a = assess_dose(500, 68, "female")
    >>> round(a.pct_ul), a.above_ul
    (143, True)
    >>> print(a.describe())  # doctest: +NORMALIZE_WHITESPACE
    500.0 mg/day is 156 % of the RDA (320 mg/day; NIH, women 51+ years)
    and 143 % of the supplemental UL (350 mg/day).
    """
    dose = check_amount(elemental_mg_per_day, "elemental_mg_per_day")
    ref = intake_reference(age_years, sex, pregnant, lactating, authority)
    low, high = ref.rda_range_mg
    pct_rda = (100 * dose / high, 100 * dose / low)
    flags: list[str] = []
    if ref.disputed:
        flags.append(f"sources disagree on this RDA ({low:g} or {high:g} mg/day), so the share is a range")
    if ref.kind == "AI":
        flags.append("for infants the reference is an Adequate Intake (AI), not an RDA")
    ul = ref.ul_supplemental_mg
    pct_ul = None if ul is None else 100 * dose / ul
    above = None if ul is None else dose > ul
    if ul is None:
        flags.append(
            f"no supplemental UL for this group in the {ref.authority} table "
            f"({'none is set for infants' if ref.kind == 'AI' else 'not found in the sources read'})"
        )
    else:
        if above:
            flags.append(f"above the supplemental UL of {ul:g} mg/day")
        flags.append("the UL counts magnesium from supplements and medicines only, not from food")
        if ul < low:
            flags.append(f"here the UL ({ul:g} mg) is below the RDA ({low:g} mg), because the RDA includes food")
    flags.append("the RDA is for total intake (food plus supplements)")
    return DoseAssessment(dose, ref, pct_rda, pct_ul, above, tuple(flags))


@dataclass(frozen=True)
class LabelReading:
    """What a supplement label's number means: elemental magnesium, millimoles, salt weight, comparison."""

    salt: str
    salt_name: str
    elemental_mg: float
    mmol: float
    salt_mg: float
    assessment: DoseAssessment


def read_label(
    salt: str,
    amount: float,
    amount_is: str = "salt",
    unit: str = "mg",
    age_years: float = 40,
    sex: str = "female",
    pregnant: bool = False,
    lactating: bool = False,
    authority: str = "NIH",
) -> LabelReading:
    """Turn a label amount (of the salt, or of elemental magnesium; in mg or mmol) into a daily comparison.

    >>> r = read_label("oxide", 250, "salt", "mg")
    >>> round(r.elemental_mg, 1), round(r.mmol, 2), round(r.assessment.pct_ul)
    (150.8, 6.2, 43)
    """
    if unit not in ("mg", "mmol"):
        raise ValueError(f"unit must be 'mg' or 'mmol', got {unit!r}")
    if amount_is not in ("salt", "elemental"):
        raise ValueError(f"amount_is must be 'salt' or 'elemental', got {amount_is!r}")
    info = salt_info(salt)
    elemental = dose_to_elemental_mg(amount, unit, amount_is, info.key)
    assessment = assess_dose(elemental, age_years, sex, pregnant, lactating, authority)
    return LabelReading(
        info.key, info.name, elemental, mg_to_mmol(elemental), elemental / info.elemental_fraction, assessment
    )


def describe_label(
    salt: str,
    amount: float,
    amount_is: str = "salt",
    unit: str = "mg",
    age_years: float = 40,
    sex: str = "female",
    pregnant: bool = False,
    lactating: bool = False,
    authority: str = "NIH",
) -> str:
    """The label reader's one-line readout (raises ``ValueError`` on bad input).

    >>> describe_label("citrate", 200, "elemental", "mg")[:92]
    '200 mg of elemental magnesium as trimagnesium dicitrate, anhydrous = 1237 mg of the salt and'
    """
    r = read_label(salt, amount, amount_is, unit, age_years, sex, pregnant, lactating, authority)
    what = "elemental magnesium as " if amount_is == "elemental" else ""
    stated = f"{float(amount):g} {unit} of {what}{r.salt_name}"
    if amount_is == "salt":
        held = f" holds {r.elemental_mg:.1f} mg of elemental magnesium ({r.mmol:.2f} mmol)"
    else:
        held = (
            f" = {r.salt_mg:.0f} mg of the salt and {r.elemental_mg:.1f} mg of elemental magnesium ({r.mmol:.2f} mmol)"
        )
    a = r.assessment
    tail = f" Taken daily: {a.describe()[0].lower()}{a.describe()[1:]}"
    warning = " Above the supplemental UL." if a.above_ul else ""
    return f"{stated}{held}.{tail}{warning} Arithmetic only, not dosing advice."


SERUM_SCHEMA = Schema(
    (
        Column("quantity_id", pattern=r"[a-z0-9][a-z0-9-]*"),
        Column("quantity"),
        Column("low", "float", minimum=0),
        Column("high", "float", minimum=0),
        Column("unit", "category", vocab=("mmol/L", "mg/dL", "mEq/L", "%")),
        Column("population"),
        source_column(),
        Column("confidence", "category", vocab=("A", "B")),
        Column("notes", required=False),
    ),
    key="quantity_id",
)


def load_serum_reference(folder: str | Path | None = None) -> pd.DataFrame:
    """Serum magnesium reference ranges as each source states them, with the ranges in all three units.

    >>> table = load_serum_reference().set_index("quantity_id")
    >>> round(float(table.loc["serum-range-medscape", "low_mmol_per_l"]), 2)
    0.62
    """
    from mgedu.doses import SERUM_UNITS, convert_serum

    table = load("serum_reference.csv", folder)
    for target, suffix in zip(SERUM_UNITS, ("mmol_per_l", "mg_per_dl", "meq_per_l"), strict=True):
        for end in ("low", "high"):
            table[f"{end}_{suffix}"] = [
                convert_serum(float(v), str(u), target) if u in SERUM_UNITS else None
                for v, u in zip(table[end], table.unit, strict=True)
            ]
    return table


@rule()
def serum_ranges_are_ordered(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A serum reference range's low end is not above its high end."""
    for record in rows:
        low, high = record["low"], record["high"]
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            yield rows.problem(record, "low", f"low {low:g} is above high {high:g}")
