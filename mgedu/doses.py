"""Dose arithmetic for magnesium: salts, elemental magnesium, millimoles, milliequivalents, serum units.

A label or an article may give the weight of a *salt* (250 mg of magnesium oxide) or of the
*elemental* magnesium in it (151 mg), in milligrams, millimoles or milliequivalents. The modelling
decision here is that no molar mass is ever typed in: each salt's formula lives in the sourced table
``mgedu/data/salts.csv`` and ``molmass`` computes its molar mass and magnesium share from the formula.
The magnesium atomic mass comes from molmass too (24.3051 g/mol, from NIST's table); IUPAC/CIAAW's
standard atomic weight is the interval [24.304, 24.307], conventionally 24.305, so the difference
(0.0004 %) is far below anything a label or a trial report can resolve. Every function refuses
impossible input (negative, NaN, infinite or absurd amounts, unknown salts) with a ``ValueError``
that names the parameter, so a wrong number can never pass quietly.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, Problem, Schema, derived_cache, load, source_column

if TYPE_CHECKING:
    import pandas as pd

#: Upper bound on any amount of magnesium or salt handled here: 100 g (far above any dose).
MAX_AMOUNT_MG = 100_000.0
#: Charge of the magnesium ion: 1 mmol of Mg2+ is 2 mEq.
MG_VALENCE = 2
SALT_FAMILIES = (
    "oxide",
    "hydroxide",
    "carbonate",
    "citrate",
    "glycinate",
    "malate",
    "l-threonate",
    "sulfate",
    "chloride",
    "lactate",
    "aspartate",
    "acetate",
    "various",
)
SERUM_UNITS = ("mmol/L", "mg/dL", "mEq/L")
#: Serum values outside 0-10 mmol/L (or the same in other units) are refused as typing errors.
MAX_SERUM_MMOL_PER_L = 10.0

SALTS_SCHEMA = Schema(
    (
        Column("salt", pattern=r"[a-z][a-z0-9-]*", description="stable key, e.g. sulfate-heptahydrate"),
        Column("name", description="plain name, saying anhydrous or which hydrate"),
        Column("formula", pattern=r"[A-Za-z0-9()]+", description="molmass formula; water as (H2O)n"),
        Column("family", "category", vocab=SALT_FAMILIES, description="the anion, ignoring water"),
        Column("aliases", required=False, description="other names, separated by '; '"),
        Column(
            "formula_checked",
            "category",
            vocab=("read", "not-read"),
            description="read: formula and molar mass confirmed on the cited page",
        ),
        Column("notes", required=False),
        source_column(description="page(s) giving the formula"),
    ),
    key="salt",
)


def _mg_atomic_mass() -> float:
    from molmass import ELEMENTS

    return float(ELEMENTS["Mg"].mass)


#: Molar mass of magnesium in g/mol (= mg per mmol), as molmass provides it.
MG_MOLAR_MASS: float = _mg_atomic_mass()


@dataclass(frozen=True)
class Salt:
    """One magnesium salt: its formula and what molmass computes from it."""

    key: str
    name: str
    formula: str
    family: str
    molar_mass: float  # g/mol
    mg_atoms: int  # magnesium atoms per formula unit
    elemental_fraction: float  # mass fraction of magnesium
    source: str
    notes: str = ""


def check_amount(value: object, name: str, unit: str = "mg", maximum: float = MAX_AMOUNT_MG) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` naming ``name``, the value and the range.

    >>> check_amount(250, "salt_mg")
    250.0
    >>> check_amount(-5, "salt_mg")
    Traceback (most recent call last):
    ...
    ValueError: salt_mg must be between 0 and 100000 mg, got -5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number between 0 and {maximum:g} {unit}, got {value!r}")
    number = float(value)
    if math.isnan(number) or not 0 <= number <= maximum:
        raise ValueError(f"{name} must be between 0 and {maximum:g} {unit}, got {value!r}")
    return number


def _normalise(name: str) -> str:
    text = " ".join(str(name).replace("·", ".").replace("_", " ").replace("-", " ").split()).casefold()
    return text.replace("sulphate", "sulfate")


@derived_cache
def _salts(folder: str | Path | None) -> tuple[dict[str, Salt], dict[str, tuple[str, ...]]]:
    """Salts by key, and every accepted name -> the key(s) it may mean."""
    from molmass import Formula

    table = load("salts.csv", folder)
    salts: dict[str, Salt] = {}
    names: dict[str, list[str]] = {}
    for row in table.itertuples(index=False):
        composition = Formula(str(row.formula)).composition()["Mg"]
        key = str(row.salt)
        salts[key] = Salt(
            key,
            str(row.name),
            str(row.formula),
            str(row.family),
            float(Formula(str(row.formula)).mass),
            int(composition.count),
            float(composition.fraction),
            str(row.source),
            row.notes if isinstance(row.notes, str) else "",
        )
        aliases = [a for a in str(row.aliases).split(";")] if isinstance(row.aliases, str) else []
        for alias in [key, *aliases]:
            for form in {_normalise(alias), _normalise(alias).removeprefix("magnesium ")}:
                if form and key not in names.setdefault(form, []):
                    names[form].append(key)
    return salts, {name: tuple(keys) for name, keys in names.items()}


def load_salts(folder: str | Path | None = None) -> pd.DataFrame:
    """The salts table with molar mass, magnesium atoms and magnesium share computed by molmass.

    >>> salts = load_salts().set_index("salt")
    >>> round(float(salts.loc["oxide", "elemental_fraction"]), 4)
    0.603
    """
    frame = load("salts.csv", folder)
    salts, _ = _salts(folder)
    frame["molar_mass_g_per_mol"] = [salts[k].molar_mass for k in frame.salt]
    frame["mg_atoms"] = [salts[k].mg_atoms for k in frame.salt]
    frame["elemental_fraction"] = [salts[k].elemental_fraction for k in frame.salt]
    return frame


def salt_table(folder: str | Path | None = None) -> pd.DataFrame:
    """The salts as a learner reads them: name, formula, molar mass, magnesium atoms and % magnesium.

    One row per salt of ``salts.csv``, with human column labels; the numbers come from molmass
    (:func:`load_salts`), molar mass to one decimal and the magnesium share to one decimal of a percent.

    >>> table = salt_table().set_index("Salt")
    >>> row = table.loc["magnesium oxide"]
    >>> row["Formula"], float(row["Magnesium by weight (%)"])
    ('MgO', 60.3)
    """
    import pandas as pd

    salts = load_salts(folder)
    return pd.DataFrame(
        {
            "Salt": salts.name,
            "Formula": salts.formula,
            "Molar mass (g/mol)": salts.molar_mass_g_per_mol.round(1),
            "Magnesium atoms": salts.mg_atoms,
            "Magnesium by weight (%)": (100 * salts.elemental_fraction).round(1),
        }
    ).reset_index(drop=True)


@rule()
def formulas_contain_magnesium(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Each salt's formula is one molmass can read, and it contains magnesium."""
    from molmass import Formula, FormulaError

    for record in rows:
        if record["formula"] is None:
            continue
        try:
            elements = Formula(str(record["formula"])).composition()
        except FormulaError as exc:
            reason = str(exc).splitlines()[0]
            yield rows.problem(record, "formula", f"molmass cannot read {record['formula']!r} ({reason})")
            continue
        if "Mg" not in elements:
            yield rows.problem(record, "formula", f"{record['formula']!r} contains no magnesium (Mg)")


def salt_info(salt: str, folder: str | Path | None = None) -> Salt:
    """Look a salt up by key or alias ('Epsom salt', 'MgO', 'magnesium glycinate', ...).

    Unknown names raise ``ValueError`` listing close matches; names that fit more than one form
    (for example 'magnesium sulfate': heptahydrate or anhydrous?) raise ``ValueError`` listing them.

    >>> salt_info("Epsom salt").key
    'sulfate-heptahydrate'
    >>> salt_info("glycinat")
    Traceback (most recent call last):
    ...
    ValueError: salt 'glycinat' is not in the salts table; did you mean 'glycinate'?
    """
    if not isinstance(salt, str) or not salt.strip():
        raise ValueError(f"salt must be a salt name such as 'oxide' or 'citrate', got {salt!r}")
    salts, names = _salts(folder)
    wanted = _normalise(salt)
    exact = [k for k in salts if _normalise(k) == wanted]  # a key always means itself
    keys = exact or names.get(wanted) or names.get(wanted.removeprefix("magnesium "))
    if keys and len(keys) == 1:
        return salts[keys[0]]
    if keys:
        options = " or ".join(f"{k!r} ({100 * salts[k].elemental_fraction:.1f} % Mg)" for k in keys)
        raise ValueError(f"salt {salt!r} is ambiguous: it could be {options}; name the form")
    short = wanted.removeprefix("magnesium ")
    scores = {n: difflib.SequenceMatcher(None, short, n).ratio() for n in names if not n.startswith("magnesium ")}
    best = max(scores.values())
    close = sorted((n for n, r in scores.items() if r >= 0.6 and r >= best - 0.05), key=scores.get, reverse=True)
    suggestions = list(dict.fromkeys(k for name in close for k in names[name]))[:3]
    hint = (
        f"; did you mean {' or '.join(repr(s) for s in suggestions)}?"
        if suggestions
        else f"; known salts: {', '.join(salts)}"
    )
    raise ValueError(f"salt {salt!r} is not in the salts table{hint}")


def elemental_fraction(salt: str) -> float:
    """Mass fraction of magnesium in ``salt``, computed by molmass from the formula.

    >>> round(elemental_fraction("citrate"), 4)
    0.1616
    """
    return salt_info(salt).elemental_fraction


def elemental_mg(salt: str, salt_mg: float) -> float:
    """Milligrams of elemental magnesium in ``salt_mg`` milligrams of ``salt``.

    >>> round(elemental_mg("oxide", 250), 1)
    150.8
    """
    return check_amount(salt_mg, "salt_mg") * elemental_fraction(salt)


def salt_mg(salt: str, elemental_mg: float) -> float:
    """Milligrams of ``salt`` that contain ``elemental_mg`` milligrams of magnesium.

    >>> round(salt_mg("citrate", 200))
    1237
    """
    return check_amount(elemental_mg, "elemental_mg") / elemental_fraction(salt)


def mg_to_mmol(mg: float) -> float:
    """Millimoles of magnesium in ``mg`` milligrams of elemental magnesium.

    >>> round(mg_to_mmol(301.4), 2)
    12.4
    """
    return check_amount(mg, "mg") / MG_MOLAR_MASS


def mmol_to_mg(mmol: float) -> float:
    """Milligrams of elemental magnesium in ``mmol`` millimoles.

    >>> round(mmol_to_mg(12.4), 1)
    301.4
    """
    return check_amount(mmol, "mmol", "mmol", MAX_AMOUNT_MG / MG_MOLAR_MASS) * MG_MOLAR_MASS


def mmol_to_meq(mmol: float) -> float:
    """Milliequivalents in ``mmol`` millimoles of Mg2+ (two charges per ion).

    >>> mmol_to_meq(10.5)
    21.0
    """
    return check_amount(mmol, "mmol", "mmol", MAX_AMOUNT_MG / MG_MOLAR_MASS) * MG_VALENCE


def meq_to_mmol(meq: float) -> float:
    """Millimoles of Mg2+ in ``meq`` milliequivalents.

    >>> meq_to_mmol(21)
    10.5
    """
    return check_amount(meq, "meq", "mEq", MG_VALENCE * MAX_AMOUNT_MG / MG_MOLAR_MASS) / MG_VALENCE


DOSE_UNITS = ("mg", "g", "mmol", "mEq")


def dose_to_elemental_mg(amount: float, unit: str = "mg", basis: str = "salt", salt: str | None = None) -> float:
    """Elemental magnesium (mg) in a dose written as ``amount`` ``unit`` of salt or of magnesium.

    ``basis`` is ``"salt"`` (the amount weighs or counts the whole salt) or ``"elemental"`` (it is the
    magnesium itself). Millimoles of a salt count formula units, so magnesium citrate
    (three Mg per unit) holds three millimoles of magnesium per millimole of salt.

    >>> round(dose_to_elemental_mg(2, "g", "salt", "Epsom salt"), 1)
    197.2
    >>> round(dose_to_elemental_mg(12.4, "mmol", "elemental"), 1)
    301.4
    """
    if unit not in DOSE_UNITS:
        raise ValueError(f"unit must be one of {', '.join(DOSE_UNITS)}, got {unit!r}")
    if basis not in ("salt", "elemental"):
        raise ValueError(f"basis must be 'salt' or 'elemental', got {basis!r}")
    if basis == "elemental":
        if unit == "mg":
            return check_amount(amount, "amount")
        if unit == "g":
            return 1000 * check_amount(amount, "amount", "g", MAX_AMOUNT_MG / 1000)
        mmol = (
            meq_to_mmol(amount)
            if unit == "mEq"
            else check_amount(amount, "amount", "mmol", MAX_AMOUNT_MG / MG_MOLAR_MASS)
        )
        return mmol * MG_MOLAR_MASS
    if salt is None:
        raise ValueError("salt must be named when basis is 'salt'")
    info = salt_info(salt)
    if unit == "mEq":
        raise ValueError("unit 'mEq' counts magnesium ions: use basis='elemental' with mEq")
    if unit == "mmol":
        limit = MAX_AMOUNT_MG / info.molar_mass
        return check_amount(amount, "amount", "mmol", limit) * info.molar_mass * info.elemental_fraction
    grams = unit == "g"
    weight = check_amount(amount, "amount", unit, MAX_AMOUNT_MG / 1000 if grams else MAX_AMOUNT_MG)
    return (1000 * weight if grams else weight) * info.elemental_fraction


def _serum_unit(unit: str, name: str) -> str:
    for known in SERUM_UNITS:
        if isinstance(unit, str) and unit.replace(" ", "").casefold() == known.casefold():
            return known
    raise ValueError(f"{name} must be one of {', '.join(SERUM_UNITS)}, got {unit!r}")


def convert_serum(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a serum (blood) magnesium concentration between mmol/L, mg/dL and mEq/L.

    1 mmol/L = 2.4305 mg/dL (24.305 mg per mmol, 10 dL per L) = 2 mEq/L (two charges per ion).

    >>> round(convert_serum(0.95, "mmol/L", "mg/dL"), 2)
    2.31
    >>> round(convert_serum(1.8, "mg/dL", "mmol/L"), 3)
    0.741
    """
    source, target = _serum_unit(from_unit, "from_unit"), _serum_unit(to_unit, "to_unit")
    per_mmol = {"mmol/L": 1.0, "mg/dL": MG_MOLAR_MASS / 10, "mEq/L": float(MG_VALENCE)}
    number = check_amount(value, "value", source, MAX_SERUM_MMOL_PER_L * per_mmol[source])
    return number / per_mmol[source] * per_mmol[target]
