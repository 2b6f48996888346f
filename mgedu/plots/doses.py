"""Figures for notebook 04 (dose conversions): trial doses against the RDA and UL, the label reader's
bar, and absorption figures as measured against the figures the articles state.

Every function takes ``ax=None``, labels its axes with units, states the finding in the title (computed
from the data, never typed in), attaches alt text and returns the Axes. Reference lines always use the
same colours: the RDA band in green, the supplemental UL in vermillion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.plots import OKABE_ITO, decorate, new_axes

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from mgedu.intake import LabelReading

RDA_COLOUR = OKABE_ITO["bluish_green"]
UL_COLOUR = OKABE_ITO["vermillion"]
METHOD_MARKERS: dict[str, str] = {"urinary-increment": "o", "stable-isotope": "s", "net-absorption": "D"}


def _adult_rda_band(authority: str = "NIH") -> tuple[float, float, float]:
    """(lowest RDA, highest RDA, UL) for non-pregnant adults 19+ in the intake table."""
    from mgedu.intake import load_intake_reference

    table = load_intake_reference()
    adults = table[
        (table.authority == authority) & (table.condition == "none") & (table.age_from_years >= 19)
    ]
    uls = adults.ul_supplemental_mg.dropna().unique()
    if len(uls) != 1:
        raise ValueError(f"expected one adult supplemental UL for {authority}, found {list(uls)}")
    return float(adults.rda_mg.min()), float(adults.rda_mg.max()), float(uls[0])


def plot_trial_doses(table: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """Every oral daily trial dose (elemental mg) against the adult RDA band and the supplemental UL.

    ``table`` is :func:`mgedu.dose_reconciliation.reconcile_doses` output (computed when None). Doses that can be
    read two ways (Jadidi's "250 mg magnesium oxide", the L-threonate hydrate) show both readings
    joined by a line; IV doses, single test doses and doses without a time unit are left out.
    """
    from mgedu.dose_reconciliation import reconcile_doses

    ax = new_axes(ax, figsize=(7.5, 4.6))
    table = reconcile_doses() if table is None else table
    from mgedu.studies import load_studies

    registries = set(load_studies().query("design == 'registry-protocol'").study_id)
    trials = table[
        (table.dose_id.str.startswith("trial-"))
        & (table.per == "day")
        & (table.route == "oral")
        & ~table.study_id.isin(registries)
    ]
    low, high, ul = _adult_rda_band()
    ax.axvspan(low, high, color=RDA_COLOUR, alpha=0.18, lw=0, label=f"adult RDA {low:g}-{high:g} mg (NIH)")
    ax.axvline(ul, color=UL_COLOUR, lw=2, label=f"supplemental UL {ul:g} mg")
    studies = list(dict.fromkeys(trials.study_id))[::-1]
    above, points = [], []
    for y, study in enumerate(studies):
        rows = trials[trials.study_id == study]
        values: list[float] = []
        for v in (float(v) for v in rows.elemental_mg):  # one point per distinct reading (within 1 %)
            if all(abs(v - w) > 0.01 * w for w in values):
                values.append(v)
        values.sort()
        if len(values) > 1:
            ax.plot(values, [y, y], color="#777777", lw=1.5)
        for value in values:
            over = value > ul
            ax.plot([value], [y], "o", ms=8, color=UL_COLOUR if over else OKABE_ITO["blue"], mec="white")
        label = " or ".join(f"{v:.0f}" for v in values)
        points.append(f"{study}: {label}")
        ax.annotate(f"{label} mg", (max(values), y), xytext=(6, -3), textcoords="offset points", fontsize=8)
        if min(values) > ul:
            above.append(f"{study} ({label} mg)")
    ax.set_yticks(range(len(studies)), studies)
    ax.set_xlim(0, max(float(trials.elemental_mg.max()) * 1.15, ul * 1.3))
    ax.legend(loc="lower right", fontsize=8)
    readings = "; ".join(points[::-1])
    title = (
        f"{len(above)} of {len(studies)} trials gave more than the {ul:g} mg supplemental UL"
        if above
        else f"No trial dose is above the {ul:g} mg supplemental UL"
    )
    return decorate(
        ax,
        title=title,
        xlabel="Elemental magnesium per day (mg)",
        ylabel="Study",
        alt=(
            f"Dot chart of the daily elemental magnesium dose in each trial, with the NIH adult RDA "
            f"band ({low:g}-{high:g} mg) and the supplemental UL ({ul:g} mg). Doses in mg: {readings}. "
            f"Above the UL: {', '.join(above) if above else 'none'}."
        ),
    )


def plot_label_reading(reading: LabelReading, ax: Axes | None = None) -> Axes:
    """One bar: the elemental magnesium on a label, against that person's RDA (range if disputed) and UL."""
    ax = new_axes(ax, figsize=(7.0, 2.6))
    a = reading.assessment
    ref = a.reference
    low, high = ref.rda_range_mg
    ul = ref.ul_supplemental_mg
    ax.barh(
        [0],
        [reading.elemental_mg],
        height=0.5,
        color=UL_COLOUR if a.above_ul else OKABE_ITO["blue"],
        label="elemental magnesium on the label",
        zorder=2,
    )
    if low == high:
        ax.axvline(low, color=RDA_COLOUR, lw=3, zorder=3, label=f"{ref.kind} {low:g} mg")
    else:
        ax.axvspan(
            low,
            high,
            color=RDA_COLOUR,
            alpha=0.6,
            lw=0,
            zorder=3,
            label=f"{ref.kind} {low:g} or {high:g} mg (sources disagree)",
        )
    if ul is not None:
        ax.axvline(ul, color=OKABE_ITO["black"], lw=2, ls="--", zorder=3, label=f"supplemental UL {ul:g} mg")
    ax.set_yticks([])
    ax.set_ylim(-0.4, 1.3)
    ax.set_xlim(0, max(reading.elemental_mg, high, ul or 0) * 1.25)
    ax.legend(loc="upper right", fontsize=8, ncol=3, frameon=True, framealpha=0.9, edgecolor="none")
    lo_pct, hi_pct = a.pct_rda
    pct = f"{lo_pct:.0f} %" if round(lo_pct) == round(hi_pct) else f"{lo_pct:.0f}-{hi_pct:.0f} %"
    ul_text = f"{a.pct_ul:.0f} % of the supplemental UL" if a.pct_ul is not None else "no UL in the table"
    title = f"{reading.elemental_mg:.0f} mg elemental magnesium: {pct} of the {ref.kind}, {ul_text}"
    return decorate(
        ax,
        title=title,
        xlabel="Elemental magnesium per day (mg)",
        alt=(
            f"Bar of {reading.elemental_mg:.1f} mg elemental magnesium from {reading.salt_name}, "
            f"with the {ref.kind} ({low:g}{'' if low == high else f' or {high:g}'} mg, {ref.label()})"
            f"{'' if ul is None else f' and the supplemental UL ({ul:g} mg)'} marked. {a.describe()}"
        ),
    )


def plot_absorption_ranges(table: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """Measured absorption (%) by salt and method, with the figures an article claims marked with a cross.

    ``table`` is :func:`mgedu.absorption.load_absorption` output (loaded when None). Human measurements
    are filled markers (shape = method), rat measurements hollow, subgroups picked after the fact grey,
    and article claims vermillion crosses. Ranges are drawn as lines.
    """
    from mgedu.absorption import load_absorption

    ax = new_axes(ax, figsize=(9.0, 4.6))
    table = load_absorption() if table is None else table
    shown = table[table.evidence.isin(["measured", "subgroup", "claim"]) & table.absorbed_pct_low.notna()]
    families = list(dict.fromkeys(str(f) for f in shown.family))[::-1]
    seen: set[str] = set()
    parts = []
    for y, family in enumerate(families):
        rows = list(shown[shown.family == family].itertuples(index=False))
        offsets = [0.0] if len(rows) == 1 else [0.3 - 0.6 * i / (len(rows) - 1) for i in range(len(rows))]
        for offset, r in zip(offsets, rows, strict=True):
            lo, hi = float(r.absorbed_pct_low), float(r.absorbed_pct_high)
            yy = y + offset
            if r.evidence == "claim":
                kwargs = {"marker": "X", "color": UL_COLOUR, "ms": 10, "ls": "none"}
                label = "figure stated in article S002"
            elif r.species == "rat":
                kwargs = {"marker": "^", "mfc": "white", "color": OKABE_ITO["orange"], "ms": 8, "ls": "none"}
                label = "rats (stable isotope)"
            else:
                colour = "#999999" if r.evidence == "subgroup" else OKABE_ITO["blue"]
                kwargs = {
                    "marker": METHOD_MARKERS.get(str(r.method), "o"),
                    "color": colour,
                    "ms": 8,
                    "ls": "none",
                }
                label = (
                    "people, subgroup picked after the fact"
                    if r.evidence == "subgroup"
                    else f"people ({str(r.method).replace('-', ' ')})"
                )
            if hi > lo:
                ax.plot([lo, hi], [yy, yy], color=kwargs["color"], lw=2)
            ax.plot(
                [lo, hi] if hi > lo else [lo],
                [yy, yy] if hi > lo else [yy],
                label=None if label in seen else label,
                **kwargs,
            )
            seen.add(label)
            ax.annotate(
                str(r.absorption_id), (hi, yy), xytext=(7, -3), textcoords="offset points", fontsize=7
            )
            parts.append(f"{family} {lo:g}{'' if hi == lo else f'-{hi:g}'} % ({r.absorption_id})")
    ax.set_yticks(range(len(families)), [f if f != "various" else "various salts" for f in families])
    ax.set_ylim(-0.6, len(families) - 0.4)
    ax.set_xlim(0, 100)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    claims = shown[shown.evidence == "claim"]
    gaps = [
        str(c.family)
        for c in claims.itertuples(index=False)
        if shown[
            (shown.family == c.family) & (shown.evidence == "measured") & (shown.species == "human")
        ].absorbed_pct_high.max()
        < float(c.absorbed_pct_low)
    ]
    title = (
        f"No human measurement reaches the claimed figure for {', '.join(gaps)}"
        if gaps
        else "Every claimed figure lies within a measured human range"
    )
    return decorate(
        ax,
        title=title,
        xlabel="Magnesium absorbed (% of the dose)",
        ylabel="Salt family",
        alt=(
            "Chart of absorption percentages by salt family, by method and species, with article claims "
            "marked as crosses: " + "; ".join(parts) + "."
        ),
    )
