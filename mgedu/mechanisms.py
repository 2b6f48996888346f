"""Mechanisms with numbers: magnesium's block of NMDA receptors, where magnesium lives in the body, and the
step-by-step chains behind the articles' mechanism claims.

Modelling decisions. The block is the Jahr & Stevens (1990) fit,
``B(V, Mg) = 1 / (1 + [Mg2+]o / K * exp(-s * V))``, the fraction of NMDA receptor conductance left unblocked;
K and s are read from the sourced table ``body_magnesium.csv``, never typed here. The fit comes from
cultured rat neurons with 1 uM to 10 mM magnesium outside, so we use it only from -120 to +60 mV (a window
that covers typical resting potentials and the depolarised range where the block lifts; a modelling choice)
and from 0 to 10 mM (the range the authors tested). For the supplement question we take the most
generous assumption on purpose: any rise in free serum magnesium reaches the fluid around brain cells one
for one. Human CSF data in the table say that it does not, so every answer is an upper bound.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, Problem, References, Schema, derived_cache, load, source_column

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

#: The voltage window (mV) inside which the block model is used (a modelling choice, see module docstring).
VOLTAGE_WINDOW_MV: tuple[float, float] = (-120.0, 60.0)

GROUPS = ("body-store", "serum", "csf", "trial-serum-change", "nmda-model", "neuron")
EVIDENCE_LEVELS = ("human-trial", "human-observational", "animal-or-in-vitro", "assumed")
#: The words a learner reads for each evidence level (labels, legends, tables, the labelling task).
EVIDENCE_LABELS: dict[str, str] = {
    "human-trial": "human trial",
    "human-observational": "human observational",
    "animal-or-in-vitro": "lab or animal only",
    "assumed": "assumed (no study found)",
}
FINDINGS = ("supports", "mixed", "against", "untested")
CHAIN_ID = r"S00[0-4]-C\d{2,3}"

BODY_MAGNESIUM_SCHEMA = Schema(
    (
        Column("quantity", pattern=r"[a-z][a-z0-9_]*", description="stable id of the quantity"),
        Column("group", "category", vocab=GROUPS),
        Column("description", description="what the number is, in plain words"),
        Column("value", "float", required=False, description="central value (blank when none is reported)"),
        Column("low", "float", required=False, description="lower end of a range"),
        Column("high", "float", required=False, description="upper end of a range"),
        Column("unit"),
        Column("confidence", "category", vocab=("A", "B", "C"), description="A primary, B secondary, C calculated"),
        source_column(description="URL or DOI of what was read"),
        Column("notes", required=False, description="disagreements between sources, and caveats"),
    ),
    key="quantity",
    description="Sourced magnesium quantities: body stores, serum, CSF, trial serum changes, NMDA model.",
)

MECHANISM_STEPS_SCHEMA = Schema(
    (
        Column(
            "step_id",
            pattern=CHAIN_ID + r"/\d{1,2}",
            references=References("claims.csv", part=f"({CHAIN_ID})/\\d+"),
            description="claim id / step number, e.g. S000-C03/2",
        ),
        Column("statement", pattern=r".{3,80}", description="the link, as a short sentence"),
        Column("evidence_level", "category", vocab=EVIDENCE_LEVELS, description="best kind of evidence found"),
        Column("finding", "category", vocab=FINDINGS, description="what that evidence found"),
        Column(
            "role",
            "category",
            vocab=("link", "outcome"),
            description="a link in the chain, or a direct test of the whole claim",
        ),
        Column(
            "in_article",
            "category",
            vocab=("stated", "implied"),
            description="said by the article, or needed but not said",
        ),
        source_column(description="URL or DOI of what was read, or 'none found: why'"),
        Column("note", description="what the source shows, in one sentence"),
    ),
    key="step_id",
    description="Each mechanism claim broken into links, each with its evidence level and source.",
)


@dataclass(frozen=True)
class BlockModel:
    """The Jahr & Stevens constants and the magnesium range they were fitted on."""

    mg_scale_mm: float
    slope_per_mv: float
    mg_max_mm: float


def load_body_magnesium(folder: str | Path | None = None) -> pd.DataFrame:
    """The sourced table of magnesium quantities (body stores, serum, CSF, trial changes, model constants).

    >>> table = load_body_magnesium()
    >>> table.set_index("quantity").loc["body_total_g", "value"]
    np.float64(24.0)
    """
    return load("body_magnesium.csv", folder)


def body_quantity(quantity: str, folder: str | Path | None = None) -> dict[str, object]:
    """One row of the body-magnesium table as a dict; ``ValueError`` naming close ids if unknown.

    >>> body_quantity("serum_total_normal_mmol_l")["high"]
    0.95
    """
    rows = _body_rows(None if folder is None else str(folder))
    if quantity not in rows:
        close = difflib.get_close_matches(quantity, list(rows), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown quantity {quantity!r} in body_magnesium.csv{hint}")
    return dict(rows[quantity])


@derived_cache
def _body_rows(folder: str | None) -> dict[str, dict[str, object]]:
    """The body-magnesium table as plain rows by quantity (the first row of each), built once per session.

    Explorers read these on every change of a control; copying and filtering the DataFrame took milliseconds.
    """
    numeric = ("value", "low", "high")
    rows: dict[str, dict[str, object]] = {}
    for row in load_body_magnesium(folder).to_dict("records"):
        rows.setdefault(
            str(row["quantity"]),
            {
                k: (None if pd.isna(row[k]) else (float(row[k]) if k in numeric else str(row[k])))
                for k in BODY_MAGNESIUM_SCHEMA.names
            },
        )
    return rows


def _number(quantity: str, field: str = "value") -> float:
    value = body_quantity(quantity)[field]
    if value is None:
        raise ValueError(f"body_magnesium.csv has no {field} for {quantity!r}")
    return float(value)  # type: ignore[arg-type]


@derived_cache
def block_model() -> BlockModel:
    """The block constants, read from the sourced table.

    >>> block_model().mg_scale_mm, block_model().slope_per_mv
    (3.57, 0.062)
    """
    return BlockModel(
        _number("nmda_mg_scale_mm"), _number("nmda_voltage_slope_per_mv"), _number("nmda_mg_tested_max_mm", "high")
    )


def _checked(name: str, value: ArrayLike, low: float, high: float, unit: str) -> np.ndarray:
    """``value`` as a float array, or a ValueError naming the parameter, the bad value and the range."""
    allowed = f"{name} must be between {low:g} and {high:g} {unit}"
    try:
        if value is None or isinstance(value, str | bytes):
            raise TypeError
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{allowed}, got {value!r}") from None
    bad = array[~np.isfinite(array) | (array < low) | (array > high)]
    if bad.size:
        raise ValueError(f"{allowed}, got {float(bad.flat[0]):g}")
    return array


def _out(array: np.ndarray) -> float | np.ndarray:
    return float(array) if array.ndim == 0 else array


def nmda_unblocked_fraction(voltage_mv: ArrayLike, mg_mm: ArrayLike) -> float | np.ndarray:
    """Fraction of NMDA receptor conductance NOT blocked by outside Mg2+ (Jahr & Stevens 1990 fit).

    ``B = 1 / (1 + [Mg2+]o / K * exp(-s * V))``. Works on numbers or numpy arrays (broadcast together).

    Args:
        voltage_mv: membrane potential, -120 to +60 mV (the window this workbook uses the fit in).
        mg_mm: free Mg2+ concentration outside the cell, 0 to 10 mM (the range Jahr & Stevens tested).

    Returns:
        A number between 0 (fully blocked) and 1 (no block); an array for array input.

    >>> round(nmda_unblocked_fraction(-70, 1.0), 3)
    0.044
    >>> nmda_unblocked_fraction(np.array([-80, -40, 0, 20]), 1.0).round(2)
    array([0.02, 0.23, 0.78, 0.93])
    >>> nmda_unblocked_fraction(-70, 0.0)
    1.0
    >>> nmda_unblocked_fraction(-70, -1)
    Traceback (most recent call last):
    ...
    ValueError: mg_mm must be between 0 and 10 mM, got -1
    >>> nmda_unblocked_fraction(-150, 1)
    Traceback (most recent call last):
    ...
    ValueError: voltage_mv must be between -120 and 60 mV, got -150
    """
    model = block_model()
    volts = _checked("voltage_mv", voltage_mv, *VOLTAGE_WINDOW_MV, "mV")
    mg = _checked("mg_mm", mg_mm, 0.0, model.mg_max_mm, "mM")
    try:
        volts, mg = np.broadcast_arrays(volts, mg)
    except ValueError:
        raise ValueError(f"voltage_mv and mg_mm must have matching shapes, got {volts.shape} and {mg.shape}") from None
    return _out(1.0 / (1.0 + mg / model.mg_scale_mm * np.exp(-model.slope_per_mv * volts)))


def nmda_current(
    voltage_mv: ArrayLike, mg_mm: ArrayLike, g_max_ns: float = 1.0, reversal_mv: float | None = None
) -> float | np.ndarray:
    """NMDA receptor current (pA) when the channels are open: ``I = g_max * B(V, Mg) * (V - E_rev)``.

    Negative current flows into the cell. ``g_max_ns`` only sets the scale (1 nS is a convenient unit,
    not a measured value); ``reversal_mv`` defaults to the sourced reversal potential in the table.

    >>> round(nmda_current(-70, 1.0), 2)
    -3.11
    >>> round(nmda_current(-70, 0.0), 1)
    -70.0
    >>> nmda_current(-70, 1.0, g_max_ns=0)
    Traceback (most recent call last):
    ...
    ValueError: g_max_ns must be between 0.001 and 1000 nS, got 0
    """
    g = float(_checked("g_max_ns", g_max_ns, 0.001, 1000.0, "nS"))
    reversal = _number("nmda_reversal_mv") if reversal_mv is None else reversal_mv
    e_rev = float(_checked("reversal_mv", reversal, *VOLTAGE_WINDOW_MV, "mV"))
    volts = _checked("voltage_mv", voltage_mv, *VOLTAGE_WINDOW_MV, "mV")
    return _out(g * np.asarray(nmda_unblocked_fraction(volts, mg_mm)) * (volts - e_rev))


def half_unblocked_voltage_mv(mg_mm: float) -> float:
    """The voltage at which half the conductance is unblocked: ``ln([Mg]/K) / s``.

    >>> round(half_unblocked_voltage_mv(1.0), 1)
    -20.5
    """
    model = block_model()
    mg = float(_checked("mg_mm", mg_mm, 1e-6, model.mg_max_mm, "mM"))
    return math.log(mg / model.mg_scale_mm) / model.slope_per_mv


def equivalent_voltage_shift_mv(mg_before_mm: float, mg_after_mm: float) -> float:
    """How many mV more negative the membrane would have to be to give the same extra block.

    In the fit, multiplying [Mg] by f has exactly the effect of lowering V by ``ln(f) / s``.

    >>> round(equivalent_voltage_shift_mv(1.0, 2.0), 1)
    11.2
    """
    model = block_model()
    before = float(_checked("mg_before_mm", mg_before_mm, 1e-6, model.mg_max_mm, "mM"))
    after = float(_checked("mg_after_mm", mg_after_mm, 1e-6, model.mg_max_mm, "mM"))
    return math.log(after / before) / model.slope_per_mv


def describe_nmda_block(mg_mm: float, voltage_mv: float) -> str:
    """The explorer's one-line readout.

    >>> describe_nmda_block(1.0, -70)
    'At -70 mV with 1.00 mM Mg2+ outside the cell, 4.4% of the NMDA conductance is unblocked (95.6% blocked).'
    """
    unblocked = nmda_unblocked_fraction(voltage_mv, mg_mm)
    return (
        f"At {voltage_mv:g} mV with {mg_mm:.2f} mM Mg2+ outside the cell, {unblocked:.1%} of the NMDA "
        f"conductance is unblocked ({1 - unblocked:.1%} blocked)."
    )


def mg_dl_to_mmol_l(mg_dl: ArrayLike) -> float | np.ndarray:
    """Convert magnesium from mg/dL to mmol/L with the workbook's one molar mass of Mg (:mod:`mgedu.doses`).

    Unlike :func:`mgedu.doses.convert_serum`, this takes arrays and signed *changes* (after minus before),
    which the supplement question needs.

    >>> round(mg_dl_to_mmol_l(2.4305), 3)
    1.0
    """
    from mgedu.doses import MG_MOLAR_MASS

    value = _checked("mg_dl", mg_dl, -100.0, 100.0, "mg/dL")
    return _out(value * 10.0 / MG_MOLAR_MASS)


def serum_change_scenarios() -> list[tuple[str, str, float]]:
    """(label, kind, change in total serum Mg in mmol/L) for the supplement question, built from the table.

    Trials: Nielsen 2010, the only trial in the table with mean serum values (people who started low).
    What-if: the whole normal range, bottom to top, clearly not a trial result.

    >>> [(label, round(delta, 3)) for label, _, delta in serum_change_scenarios()][0]
    ('Trial: magnesium arm, before to after', 0.053)
    """
    arm = _number("nielsen2010_mg_arm_after_mg_dl") - _number("nielsen2010_mg_arm_before_mg_dl")
    placebo = _number("nielsen2010_placebo_after_mg_dl") - _number("nielsen2010_placebo_before_mg_dl")
    normal = body_quantity("serum_total_normal_mmol_l")
    return [
        ("Trial: magnesium arm, before to after", "trial", float(mg_dl_to_mmol_l(arm))),
        ("Trial: magnesium arm minus placebo arm", "trial", float(mg_dl_to_mmol_l(arm - placebo))),
        ("What-if: bottom to top of the normal range", "what-if", float(normal["high"]) - float(normal["low"])),  # type: ignore[arg-type]
    ]


def supplement_effect_on_block(
    delta_total_mmol_l: float, *, ionised_share: float, baseline_mg_mm: float, voltage_mv: float, transfer: float = 1.0
) -> dict[str, float]:
    """What a rise in total serum magnesium could do to NMDA block, if it reached the brain.

    The free-Mg rise outside neurons is ``delta_total * ionised_share * transfer``; ``transfer = 1`` (all of
    it arrives) is the generous upper bound.

    >>> out = supplement_effect_on_block(0.2, ionised_share=0.6, baseline_mg_mm=1.0, voltage_mv=-70)
    >>> round(out["unblocked_before"], 4), round(out["relative_change_pct"], 1)
    (0.0445, -10.3)
    """
    delta = float(_checked("delta_total_mmol_l", delta_total_mmol_l, -1.0, 1.0, "mmol/L"))
    share = float(_checked("ionised_share", ionised_share, 0.0, 1.0, "(a fraction)"))
    fraction = float(_checked("transfer", transfer, 0.0, 1.0, "(a fraction)"))
    base = float(_checked("baseline_mg_mm", baseline_mg_mm, 0.01, 3.0, "mM"))
    after_mg = base + delta * share * fraction
    before = float(nmda_unblocked_fraction(voltage_mv, base))
    after = float(nmda_unblocked_fraction(voltage_mv, after_mg))
    return {
        "delta_free_mm": after_mg - base,
        "unblocked_before": before,
        "unblocked_after": after,
        "change_points": 100 * (after - before),
        "relative_change_pct": 100 * (after - before) / before,
        "equivalent_shift_mv": equivalent_voltage_shift_mv(base, after_mg),
    }


def supplement_block_table(
    voltage_mv: float | None = None, baseline_mg_mm: float | None = None, transfer: float = 1.0
) -> pd.DataFrame:
    """The supplement question answered for every scenario and both ends of the ionised share (55-70%).

    Defaults come from the table: the typical resting potential and the ionised CSF magnesium measured by
    McKee et al. 2005 (used as the magnesium around brain cells, because no measurement in healthy brains
    was found).

    >>> t = supplement_block_table()
    >>> t.columns[:4].tolist()
    ['scenario', 'kind', 'delta_total_mmol_l', 'ionised_share']
    >>> t.unblocked_after.round(4).tolist()  # every scenario blocks a little more (unblocked before: 0.0550)
    [0.0531, 0.0526, 0.0537, 0.0533, 0.0487, 0.0472]
    """
    import pandas as pd

    voltage = _number("resting_potential_mv") if voltage_mv is None else voltage_mv
    base = _number("csf_ionised_mckee2005") if baseline_mg_mm is None else baseline_mg_mm
    shares = body_quantity("serum_ionised_share_pct")
    rows = []
    for label, kind, delta in serum_change_scenarios():
        for share_pct in (shares["low"], shares["high"]):
            share = float(share_pct) / 100  # type: ignore[arg-type]
            effect = supplement_effect_on_block(
                delta, ionised_share=share, baseline_mg_mm=base, voltage_mv=voltage, transfer=transfer
            )
            rows.append(
                {
                    "scenario": label,
                    "kind": kind,
                    "delta_total_mmol_l": delta,
                    "ionised_share": share,
                    "baseline_mg_mm": base,
                    "voltage_mv": voltage,
                    **effect,
                }
            )
    return pd.DataFrame(rows)


def describe_supplement_effect(table: pd.DataFrame | None = None, scenario: str | None = None) -> str:
    """The answer to the supplement question for one scenario, with every input, as one paragraph.

    ``table`` is :func:`supplement_block_table` output (computed with defaults if None); ``scenario``
    defaults to the first (the trial's magnesium arm, before to after).

    >>> describe_supplement_effect()[:45]
    'Inputs: total serum magnesium up 0.053 mmol/L'
    """
    data = supplement_block_table() if table is None else table
    names = list(dict.fromkeys(data.scenario))
    name = names[0] if scenario is None else scenario
    rows = data[data.scenario == name]
    if rows.empty:
        raise ValueError(f"scenario must be one of {', '.join(repr(n) for n in names)}, got {scenario!r}")
    first, after = rows.iloc[0], 100 * rows.unblocked_after
    return (
        f"Inputs: total serum magnesium up {first.delta_total_mmol_l:.3f} mmol/L ({name}); "
        f"{rows.ionised_share.min():.0%}-{rows.ionised_share.max():.0%} of it free (ionised); "
        "all of that reaching the fluid around neurons (an upper bound); "
        f"{first.baseline_mg_mm:g} mM free magnesium there to start with; "
        f"membrane at {first.voltage_mv:g} mV. Result: the unblocked NMDA conductance "
        f"goes from {100 * first.unblocked_before:.2f}% to {after.min():.2f}-{after.max():.2f}% "
        f"({rows.change_points.max():+.2f} to {rows.change_points.min():+.2f} percentage points; "
        f"{rows.relative_change_pct.max():+.1f}% to {rows.relative_change_pct.min():+.1f}% relative), "
        f"the same as making the membrane {rows.equivalent_shift_mv.min():.1f}-"
        f"{rows.equivalent_shift_mv.max():.1f} mV more negative."
    )


#: Column labels of :func:`body_table` (what a learner reads).
BODY_TABLE_COLUMNS: dict[str, str] = {
    "description": "What was measured",
    "value": "Value",
    "unit": "Unit",
    "notes": "Notes",
}


def body_table(group: str, folder: str | Path | None = None) -> pd.DataFrame:
    """The rows of one group of the body-magnesium table, with human column labels, for ``show_table``.

    ``Value`` is the central value, or the range "low-high" when only a range is reported; a value that
    no source reported stays missing (``show_table`` writes it as words). No confidence codes are shown.

    >>> table = body_table("csf")
    >>> table.columns.tolist()
    ['What was measured', 'Value', 'Unit', 'Notes']
    >>> table["Value"].iloc[0]
    '0.8'
    >>> body_table("blood")
    Traceback (most recent call last):
    ...
    ValueError: group must be one of body-store, serum, csf, trial-serum-change, nmda-model, neuron, got 'blood'
    """
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group!r}")
    rows = load_body_magnesium(folder)
    rows = rows[rows.group == group].copy()

    def value(row: pd.Series) -> str | None:
        if pd.notna(row.value):
            return f"{row.value:g}"
        if pd.notna(row.low) and pd.notna(row.high):
            return f"{row.low:g}-{row.high:g}"
        return None

    rows["value"] = rows.apply(value, axis=1)
    return rows[list(BODY_TABLE_COLUMNS)].rename(columns=BODY_TABLE_COLUMNS).reset_index(drop=True)


def load_mechanism_steps(folder: str | Path | None = None) -> pd.DataFrame:
    """Every step of every mechanism chain, with ``chain_id`` (the claim id) and ``step`` added.

    >>> steps = load_mechanism_steps()
    >>> steps.loc[0, ["step_id", "chain_id", "step"]].astype(str).tolist()
    ['S000-C03/1', 'S000-C03', '1']
    """
    frame = load("mechanism_steps.csv", folder)
    frame["chain_id"] = frame.step_id.str.split("/").str[0]
    frame["step"] = frame.step_id.str.split("/").str[1].astype(int)
    return frame.sort_values(["chain_id", "step"], kind="stable").reset_index(drop=True)


def mechanism_chain(claim_id: str, folder: str | Path | None = None) -> pd.DataFrame:
    """The steps behind one claim, in order; ``ValueError`` naming close ids if there is no chain.

    >>> mechanism_chain("S004-C45").statement.iloc[0]
    'Magnesium blocks the NMDA channel from outside the cell'
    """
    steps = load_mechanism_steps(folder)
    if not isinstance(claim_id, str) or not re.fullmatch(CHAIN_ID, claim_id):
        raise ValueError(f"claim_id must look like 'S000-C03', got {claim_id!r}")
    chain = steps[steps.chain_id == claim_id]
    if chain.empty:
        close = difflib.get_close_matches(claim_id, sorted(set(steps.chain_id)), n=3)
        hint = f"; chains exist for {', '.join(close)}" if close else ""
        raise ValueError(f"no mechanism chain for claim {claim_id!r}{hint}")
    return chain.drop(columns=["chain_id"]).reset_index(drop=True)


def chain_summary(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per chain: number of links at each evidence level, and what the direct test (if any) found.

    >>> summary = chain_summary().set_index("chain_id")
    >>> int(summary.loc["S000-C03", "assumed"])
    3
    """
    import pandas as pd

    steps = load_mechanism_steps(folder)
    links = steps[steps.role == "link"]
    counts = pd.crosstab(links.chain_id, links.evidence_level.astype(str)).reindex(
        columns=list(EVIDENCE_LEVELS), fill_value=0
    )
    outcomes = steps[steps.role == "outcome"].set_index("chain_id").finding.astype(str)
    summary = counts.rename_axis(columns=None).reset_index()
    summary["links"] = counts.sum(axis=1).to_numpy()
    summary["outcome_finding"] = summary.chain_id.map(outcomes).fillna("no direct test")
    return summary


# ------------------------------------------------------------------------------------------ named rules


@rule()
def body_ranges_are_ordered(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A body-magnesium range's low end is not above its high end."""
    for record in rows:
        low, high = record["low"], record["high"]
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            yield rows.problem(record, "low", f"low {low:g} is above high {high:g}")


@rule()
def body_values_lie_in_their_range(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A central value given with a range lies inside it."""
    for record in rows:
        value, low, high = record["value"], record["low"], record["high"]
        if None in (value, low, high) or low > high:  # type: ignore[operator]
            continue  # an unordered range is reported by body_ranges_are_ordered
        if not low <= value <= high:  # type: ignore[operator]
            yield rows.problem(record, "value", f"value {value:g} is outside its range {low:g} to {high:g}")


def _steps_by_chain(rows: Rows) -> dict[str, list[tuple[int, dict[str, object]]]]:
    chains: dict[str, list[tuple[int, dict[str, object]]]] = {}
    for record in rows:
        if isinstance(record["step_id"], str):
            chain, _, step = record["step_id"].partition("/")
            chains.setdefault(chain, []).append((int(step), record))
    return chains


@rule()
def chain_steps_are_numbered_in_order(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """The steps of a chain are numbered 1, 2, 3, ... with no gap."""
    for chain, steps in _steps_by_chain(rows).items():
        numbers = sorted(n for n, _ in steps)
        if numbers != list(range(1, len(steps) + 1)):
            first = min((r for _, r in steps), key=lambda r: r["csv_row"])  # type: ignore[arg-type, return-value]
            yield rows.problem(first, "step_id", f"steps of {chain} must be numbered 1..{len(steps)}, got {numbers}")


@rule()
def assumed_links_are_untested(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A link whose evidence is 'assumed' has the finding 'untested', and only such a link does."""
    for record in rows:
        level, finding = record["evidence_level"], record["finding"]
        if level is not None and finding is not None and (level == "assumed") != (finding == "untested"):
            message = f"'assumed' goes with 'untested' and only with it; got {level}/{finding}"
            yield rows.problem(record, "finding", message)


@rule()
def chains_have_a_link(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Every chain has at least one link (a chain of direct tests alone explains no mechanism)."""
    for chain, steps in _steps_by_chain(rows).items():
        if not any(r["role"] == "link" for _, r in steps):
            first = min((r for _, r in steps), key=lambda r: r["csv_row"])  # type: ignore[arg-type, return-value]
            yield rows.problem(first, "role", f"chain {chain} has no step with role 'link'")


@rule(reads=("mechanism_steps.csv",))
def mechanism_claims_have_chains(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Every mechanism claim (topic 'mechanism') has a chain in mechanism_steps.csv."""
    chains = set(_steps_by_chain(corpus.rows("mechanism_steps.csv")))
    for record in rows:
        if record["topic"] == "mechanism" and record["claim_id"] is not None and record["claim_id"] not in chains:
            yield rows.problem(
                record, "topic", f"mechanism claim {record['claim_id']} has no chain in mechanism_steps.csv"
            )
