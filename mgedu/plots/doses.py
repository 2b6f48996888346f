"""Figures for notebook 04 (dose conversions): trial doses against the RDA and UL, the label reader's
bar, and absorption figures as measured against the figures the articles state.

Every function takes ``ax=None``, labels its axes with units, states the finding in the title (computed
from the data, never typed in), attaches alt text and returns the Axes. Reference lines always use the
same colours: the RDA band in green, the supplemental UL in vermillion.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from mgedu.plots import OKABE_ITO, artists_by_gid, decorate, new_axes, round_out

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd
    from matplotlib.axes import Axes

    from mgedu.intake import LabelReading

RDA_COLOUR = OKABE_ITO["bluish_green"]
UL_COLOUR = OKABE_ITO["vermillion"]


def _adult_rda_band(authority: str = "NIH") -> tuple[float, float, float]:
    """(lowest RDA, highest RDA, UL) for non-pregnant adults 19+ in the intake table."""
    from mgedu.intake import load_intake_reference

    table = load_intake_reference()
    adults = table[(table.authority == authority) & (table.condition == "none") & (table.age_from_years >= 19)]
    uls = adults.ul_supplemental_mg.dropna().unique()
    if len(uls) != 1:
        raise ValueError(f"expected one adult supplemental UL for {authority}, found {list(uls)}")
    return float(adults.rda_mg.min()), float(adults.rda_mg.max()), float(uls[0])


def plot_trial_doses(
    table: pd.DataFrame | None = None, ax: Axes | None = None, studies: Sequence[str] | None = None
) -> Axes:
    """Every oral daily trial dose (elemental mg) against the adult RDA band and the supplemental UL.

    ``table`` is :func:`mgedu.dose_reconciliation.reconcile_doses` output (computed when None). Doses that can be
    read two ways (Jadidi's "250 mg magnesium oxide", the L-threonate hydrate) show both readings
    joined by a line; IV doses, single test doses and doses without a time unit are left out.
    ``studies`` keeps only those trials (for example
    :func:`mgedu.dose_reconciliation.cited_studies`, the trials the articles cite); a registry entry
    is shown under its name only when no published trial reports the same dose.
    """
    from mgedu.dose_reconciliation import reconcile_doses
    from mgedu.studies import load_studies, study_label

    ax = new_axes(ax, figsize=(7.5, 4.6))
    table = reconcile_doses() if table is None else table
    registries = set(load_studies().query("design == 'registry-protocol'").study_id)
    if studies is not None:
        unknown = [s for s in studies if s not in set(table.study_id)]
        if unknown:
            raise ValueError(f"studies must be study ids of the dose table, got unknown {unknown[0]!r}")
        table = table[table.study_id.isin(studies)]
        registries -= set(studies)
    trials = table[
        (table.dose_id.str.startswith("trial-"))
        & (table.per == "day")
        & (table.route == "oral")
        & ~table.study_id.isin(registries)
    ]
    if trials.empty:
        raise ValueError("studies must include at least one trial with an oral daily dose")
    low, high, ul = _adult_rda_band()
    ax.axvspan(
        low,
        high,
        color=RDA_COLOUR,
        alpha=0.18,
        lw=0,
        label=f"adult RDA {low:g}-{high:g} mg (NIH): total intake, food and supplements",
    )
    ax.axvline(ul, color=UL_COLOUR, lw=2, label=f"supplemental UL {ul:g} mg: supplements and medicines only")
    plotted = list(dict.fromkeys(trials.study_id))[::-1]
    above, points = [], []
    for y, study in enumerate(plotted):
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
        points.append(f"{study_label(study)}: {label}")
        ax.annotate(f"{label} mg", (max(values), y), xytext=(6, -3), textcoords="offset points", fontsize=8)
        if min(values) > ul:
            above.append(f"{study_label(study)} ({label} mg)")
    ax.set_yticks(range(len(plotted)), [study_label(s) for s in plotted])
    ax.set_xlim(0, max(float(trials.elemental_mg.max()) * 1.15, ul * 1.3))
    ax.set_ylim(-0.6, len(plotted) + 2.2)
    # The UL sits inside the RDA band because they count different things; say so on the chart.
    # Left of the UL line, above the rows: space that stays empty whatever doses are drawn.
    ax.annotate(
        "The UL counts supplements only;\nthe RDA counts food too. So the UL\n"
        "can sit inside the RDA band, and a\nsupplement dose is compared with the UL.",
        (ul, len(plotted) - 0.3),
        xytext=(-8, 0),
        textcoords="offset points",
        fontsize=8,
        va="bottom",
        ha="right",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.12), fontsize=8, ncols=1)
    readings = "; ".join(points[::-1])
    title = (
        f"{len(above)} of {len(plotted)} trials gave more than the {ul:g} mg supplemental UL"
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


#: Size of the label reader's figure (inches): one bar, wide and low.
LABEL_READING_FIGSIZE: tuple[float, float] = (7.0, 2.6)
#: A mark's value is written on its left only if the mark is at least this share of the axis from its
#: start (room for "RDA 320 or 360 mg" at the label reader's width).
LABEL_VALUE_ROOM = 0.2
#: The label reader's legend options, shared by the plot function and its update companion (which builds
#: the legend again when an entry's colour or wording changes).
LABEL_LEGEND: dict[str, object] = {
    "loc": "upper right",
    "fontsize": 8,
    "ncol": 3,
    "frameon": True,
    "framealpha": 0.9,
    "edgecolor": "none",
}


def plot_label_reading(reading: LabelReading, ax: Axes | None = None) -> Axes:
    """One bar: the elemental magnesium on a label, against that person's RDA (range if disputed) and UL.

    The legend names what each mark is; the values are written beside the marks, so that
    :func:`update_label_reading` can move them to another reading without a new legend.

    >>> from mgedu.intake import read_label
    >>> ax = plot_label_reading(read_label("oxide", 250, age_years=30, sex="male"))
    >>> [t.get_text() for t in ax.texts]
    ['RDA 400 mg', 'UL 350 mg']
    """
    ax = new_axes(ax, figsize=LABEL_READING_FIGSIZE)
    a = reading.assessment
    ref = a.reference
    low, high = ref.rda_range_mg
    ul = ref.ul_supplemental_mg
    ax.barh(
        [0],
        [reading.elemental_mg],
        height=0.5,
        color=_label_bar_colour(reading),
        label="elemental magnesium on the label",
        zorder=2,
        gid="label-bar",
    )
    if low == high:
        ax.axvline(low, color=RDA_COLOUR, lw=3, zorder=3, label=f"{ref.kind} for this person", gid="label-rda")
    else:
        ax.axvspan(
            low,
            high,
            color=RDA_COLOUR,
            alpha=0.6,
            lw=0,
            zorder=3,
            label=f"{ref.kind} for this person (sources disagree)",
            gid="label-rda",
        )
    rda_side, ul_side = _value_sides(reading)
    ax.annotate(
        _rda_text(reading), (high, 0.45), textcoords="offset points", fontsize=8, gid="label-rda-text", **rda_side
    )
    # The UL's line and value are drawn hidden (and left out of the legend) where the table has no UL, so
    # that update_label_reading can show them for another reading without building anything.
    shown_ul = ul is not None
    ax.axvline(
        ul if shown_ul else 0,
        color=OKABE_ITO["black"],
        lw=2,
        ls="--",
        zorder=3,
        label=_ul_legend_label(reading),
        gid="label-ul",
        visible=shown_ul,
    )
    ax.annotate(
        f"UL {ul:g} mg" if shown_ul else "",
        (ul if shown_ul else 0, 0.75),
        textcoords="offset points",
        fontsize=8,
        gid="label-ul-text",
        visible=shown_ul,
        **ul_side,
    )
    ax.set_yticks([])
    ax.set_ylim(-0.4, 1.3)
    ax.set_xlim(0, _label_x_max(reading))
    ax.legend(**LABEL_LEGEND)  # type: ignore[arg-type]
    return decorate(ax, title=_label_title(reading), xlabel="Elemental magnesium per day (mg)", alt=_label_alt(reading))


def update_label_reading(ax: Axes, reading: LabelReading) -> bool:
    """Move the bar, the marks and their values, the title and the alt text of a :func:`plot_label_reading`
    figure to another reading, in place.

    Returns False, changing nothing, when the figure needs other artists: a disputed range instead of one
    value (a band, not a line). When only the legend changes (the bar turns red above the UL; an AI instead
    of an RDA; a table with a UL after one without, whose UL mark :func:`plot_label_reading` drew hidden),
    the bar is recoloured, the mark relabelled or shown and the legend built again, as the plot function
    builds it. The result looks exactly like ``plot_label_reading`` of the same reading (a test compares the
    pixels).

    >>> from mgedu.intake import read_label
    >>> ax = plot_label_reading(read_label("oxide", 250))
    >>> update_label_reading(ax, read_label("citrate", 300)), ax.get_title()[:30]
    (True, '48 mg elemental: 15 % of the R')
    >>> update_label_reading(ax, read_label("citrate", 3000))  # above the UL: the bar turns red
    True
    >>> from matplotlib.colors import to_hex
    >>> [to_hex(entry.get_facecolor()) for entry in ax.get_legend().legend_handles if hasattr(entry, "get_facecolor")]
    ['#d55e00']
    >>> update_label_reading(ax, read_label("citrate", 300, authority="ICMR-NIN"))  # a table without a UL
    True
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['RDA for this person', 'elemental magnesium on the label']
    """
    parts = artists_by_gid(ax, _LABEL_GIDS)
    ref = reading.assessment.reference
    low, high = ref.rda_range_mg
    ul = ref.ul_supplemental_mg
    rda = parts["label-rda"]
    disputed = " (sources disagree)"
    wanted_rda = f"{ref.kind} for this person" + ("" if low == high else disputed)
    if (
        len(parts["label-bar"]) != 1
        or len(rda) != 1
        or rda[0].get_label().endswith(disputed) != (low != high)
        or len(parts["label-ul"]) != 1
    ):
        return False
    bar, ul_line = parts["label-bar"][0], parts["label-ul"][0]
    restyled = (
        rda[0].get_label() != wanted_rda
        or ul_line.get_label() != _ul_legend_label(reading)
        or not _same_colour(bar.get_facecolor(), _label_bar_colour(reading))
    )
    bar.set_width(reading.elemental_mg)
    bar.set_facecolor(_label_bar_colour(reading))
    rda[0].set_label(wanted_rda)
    if low == high:
        rda[0].set_xdata([low, low])
    else:
        rda[0].set_x(low)
        rda[0].set_width(high - low)
    rda_side, ul_side = _value_sides(reading)
    _move_value(parts["label-rda-text"][0], (high, 0.45), _rda_text(reading), rda_side)
    ul_text = parts["label-ul-text"][0]
    ul_line.set(visible=ul is not None, label=_ul_legend_label(reading))
    ul_text.set_visible(ul is not None)
    if ul is not None:
        ul_line.set_xdata([ul, ul])
        _move_value(ul_text, (ul, 0.75), f"UL {ul:g} mg", ul_side)
    if restyled:
        ax.legend(**LABEL_LEGEND)  # type: ignore[arg-type]
    ax.set_xlim(0, _label_x_max(reading))
    decorate(ax, title=_label_title(reading), alt=_label_alt(reading))
    return True


#: The artists :func:`update_label_reading` moves, by the ``gid`` that :func:`plot_label_reading` gives them.
_LABEL_GIDS = ("label-bar", "label-rda", "label-rda-text", "label-ul", "label-ul-text")


def _value_sides(reading: LabelReading) -> tuple[dict[str, Any], dict[str, Any]]:
    """Where the RDA's and the UL's values are written: the lower mark's on its left, the other's on its
    right, so neither runs across the other's line; but on the right of both when the lower mark is too
    near the axis's start for its value to fit on its left (the two are written at different heights)."""
    left = {"xytext": (-5, 0), "ha": "right"}
    right = {"xytext": (5, 0), "ha": "left"}
    ref = reading.assessment.reference
    high, ul = ref.rda_range_mg[1], ref.ul_supplemental_mg
    if ul is None or min(high, ul) < LABEL_VALUE_ROOM * _label_x_max(reading):
        return right, right
    return (left, right) if high < ul else (right, left)


def _ul_legend_label(reading: LabelReading) -> str:
    """The UL line's legend label; with a leading underscore (left out of the legend) when there is no UL."""
    return "supplemental UL" if reading.assessment.reference.ul_supplemental_mg is not None else "_supplemental UL"


def _move_value(text: Any, xy: tuple[float, float], value: str, side: dict[str, Any]) -> None:
    text.xy = xy
    text.set_text(value)
    text.xyann = side["xytext"]
    text.set_horizontalalignment(side["ha"])


def _label_bar_colour(reading: LabelReading) -> str:
    return UL_COLOUR if reading.assessment.above_ul else OKABE_ITO["blue"]


def _same_colour(rgba: object, colour: str) -> bool:
    from matplotlib.colors import to_rgba

    return to_rgba(rgba)[:3] == to_rgba(colour)[:3]  # type: ignore[arg-type]


def _rda_text(reading: LabelReading) -> str:
    ref = reading.assessment.reference
    low, high = ref.rda_range_mg
    return f"{ref.kind} {low:g} mg" if low == high else f"{ref.kind} {low:g} or {high:g} mg"


def _label_x_max(reading: LabelReading) -> float:
    _, high = reading.assessment.reference.rda_range_mg
    largest = max(reading.elemental_mg, high, reading.assessment.reference.ul_supplemental_mg or 0)
    # Room past the largest mark, and an end on a round step: nearby amounts share the axis (an explorer then
    # redraws only the bar and marks).
    return round_out(0.0, largest * 1.2, 5)[1]


def _label_title(reading: LabelReading) -> str:
    a = reading.assessment
    lo_pct, hi_pct = a.pct_rda
    pct = f"{lo_pct:.0f} %" if round(lo_pct) == round(hi_pct) else f"{lo_pct:.0f}-{hi_pct:.0f} %"
    ul_text = f"{a.pct_ul:.0f} % of the supplemental UL" if a.pct_ul is not None else "no UL in the table"
    return f"{reading.elemental_mg:.0f} mg elemental: {pct} of the {a.reference.kind}, {ul_text}"


def _label_alt(reading: LabelReading) -> str:
    a = reading.assessment
    ref = a.reference
    low, high = ref.rda_range_mg
    ul = ref.ul_supplemental_mg
    return (
        f"Bar of {reading.elemental_mg:.1f} mg elemental magnesium from {reading.salt_name}, "
        f"with the {ref.kind} ({low:g}{'' if low == high else f' or {high:g}'} mg, {ref.label()})"
        f"{'' if ul is None else f' and the supplemental UL ({ul:g} mg)'} marked. {a.describe()}"
    )


METHOD_WORDS: dict[str, str] = {
    "urinary-increment": "rise in urine magnesium",
    "stable-isotope": "stable isotope",
    "net-absorption": "net absorption",
}


def absorption_row_label(row: pd.Series) -> str:
    """A plain-words label for one row of the absorption table: salt, method, who, and the study.

    >>> import pandas as pd
    >>> print(absorption_row_label(pd.Series({"absorption_id": "schuette1994-oxide", "family": "oxide",
    ...     "evidence": "measured", "species": "human", "method": "stable-isotope", "n": 12,
    ...     "population": "patients with ileal resection (double-blind randomised crossover)"})))
    Oxide (Schuette 1994)
    stable isotope, 12 patients with ileal resection
    """
    import re

    family = "Ten salts" if row["family"] == "various" else str(row["family"]).capitalize()
    if row["evidence"] == "claim":
        return f"{family}\nthe figure article S002 states"
    found = re.match(r"([a-z]+)(\d{4})", str(row["absorption_id"]))
    study = f" ({found.group(1).capitalize()} {found.group(2)})" if found else ""
    population = str(row.get("population") or "").split(" (")[0].split(",")[0]
    n = row.get("n")
    who = population if n is None or _is_missing(n) else f"{int(n)} {population}"
    if row["evidence"] == "subgroup":
        return f"{family}{study}\nonly {population}"
    return f"{family}{study}\n{METHOD_WORDS.get(str(row['method']), str(row['method']))}, {who}"


def _is_missing(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def plot_absorption_ranges(table: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """Measured absorption (%) by salt and method, one labelled row each, with the figures an article claims.

    ``table`` is :func:`mgedu.absorption.load_absorption` output (loaded when None). Each measurement is a
    row labelled in words (salt, method, who, study), grouped by salt: people in blue, a subgroup picked
    after the fact in grey, rats as hollow orange triangles, and the figures article S002 states as
    vermillion crosses. Ranges are drawn as lines and every point carries its value.

    >>> ax = plot_absorption_ranges()
    >>> print(ax.get_yticklabels()[0].get_text())
    Oxide (Firoz 2001)
    rise in urine magnesium, normal volunteers
    """
    from mgedu.absorption import load_absorption

    table = load_absorption() if table is None else table
    shown = table[table.evidence.isin(["measured", "subgroup", "claim"]) & table.absorbed_pct_low.notna()].copy()
    families = list(dict.fromkeys(str(f) for f in shown.family))
    shown["_family_order"] = [families.index(str(f)) for f in shown.family]
    shown["_claim_last"] = (shown.evidence == "claim").astype(int)
    shown = shown.sort_values(["_family_order", "_claim_last"], kind="stable")
    ax = new_axes(ax, figsize=(8.0, 0.55 * len(shown) + 1.9))
    styles = {
        "people": ({"marker": "o", "color": OKABE_ITO["blue"], "ms": 8}, "people (measured)"),
        "subgroup": ({"marker": "o", "color": "#777777", "ms": 8}, "people, subgroup picked after the fact"),
        "rats": ({"marker": "^", "color": OKABE_ITO["orange"], "mfc": "white", "ms": 9}, "rats"),
        "claim": ({"marker": "X", "color": UL_COLOUR, "ms": 11}, "figure stated in article S002"),
    }
    seen: set[str] = set()
    labels, parts = [], []
    for y, (_, r) in enumerate(shown.iterrows()):
        lo, hi = float(r.absorbed_pct_low), float(r.absorbed_pct_high)
        kind = (
            "claim"
            if r.evidence == "claim"
            else "rats"
            if r.species == "rat"
            else "subgroup"
            if r.evidence == "subgroup"
            else "people"
        )
        style, legend = styles[kind]
        if hi > lo:
            ax.plot([lo, hi], [y, y], color=style["color"], lw=2.5)
        ax.plot(
            [lo, hi] if hi > lo else [lo],
            [y, y] if hi > lo else [y],
            ls="none",
            label=None if legend in seen else legend,
            **style,
        )
        seen.add(legend)
        value = f"{lo:g}%" if hi == lo else f"{lo:g}-{hi:g}%"
        ax.annotate(value, (hi, y), xytext=(8, -3), textcoords="offset points", fontsize=9)
        labels.append(absorption_row_label(r))
        parts.append(f"{labels[-1]}: {value}")
        if y + 1 < len(shown) and shown.family.iloc[y + 1] != r.family:
            ax.axhline(y + 0.5, color="#bbbbbb", lw=0.8)
    ax.set_yticks(range(len(shown)), labels, fontsize=8.5)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.1), ncols=2, fontsize=8)
    claims = shown[shown.evidence == "claim"]
    gaps = [
        str(c.family)
        for c in claims.itertuples(index=False)
        if shown[
            (shown.family == c.family) & (shown.evidence == "measured") & (shown.species == "human")
        ].absorbed_pct_high.max()
        < float(c.absorbed_pct_low)
    ]
    title = textwrap.fill(
        f"No human measurement reaches the claimed figure for {', '.join(gaps)}"
        if gaps
        else "Every claimed figure lies within a measured human range",
        48,
    )
    return decorate(
        ax,
        title=title,
        xlabel="Magnesium absorbed (% of the dose)",
        ylabel="",
        alt=(
            "Chart of measured magnesium absorption, one row per measurement grouped by salt, with the figures "
            "article S002 states marked as crosses: " + "; ".join(parts) + "."
        ),
    )
