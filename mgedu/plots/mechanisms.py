"""Figures for notebook 02 (mechanisms): the NMDA block, where magnesium lives, the supplement question,
and mechanism chains coloured by the kind of evidence behind each link.

Every function takes ``ax=None``, labels its axes with units, states the finding in the title (computed
from the data, never typed in), attaches alt text and returns the Axes. Evidence levels always use the
same colours (:data:`EVIDENCE_COLOURS`), and "assumed" links are also hatched so they stand out in grey.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mgedu.mechanisms import (
    EVIDENCE_LABELS,
    EVIDENCE_LEVELS,
    VOLTAGE_WINDOW_MV,
    body_quantity,
    chain_summary,
    load_body_magnesium,
    mechanism_chain,
    nmda_current,
    nmda_unblocked_fraction,
    supplement_block_table,
)
from mgedu.plots import OKABE_ITO, PALETTE, artists_by_gid, decorate, new_axes, set_alt

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

#: One colour per evidence level, strongest (people, randomised) to weakest (assumed).
EVIDENCE_COLOURS: dict[str, str] = {
    "human-trial": OKABE_ITO["bluish_green"],
    "human-observational": OKABE_ITO["sky_blue"],
    "animal-or-in-vitro": OKABE_ITO["orange"],
    "assumed": OKABE_ITO["vermillion"],
}
FINDING_MARKS: dict[str, str] = {
    "supports": "✓ supports",
    "mixed": "~ mixed",
    "against": "✗ against",
    "untested": "? untested",
}


def _as_tuple(values: float | Sequence[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in (values if isinstance(values, Sequence) else (values,)))


def plot_nmda_block(
    mg_mm: float | Sequence[float] = (0.5, 1.0, 2.0),
    *,
    marker_mv: float | None = None,
    reference_mg_mm: float | None = None,
    curve_labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Unblocked fraction of NMDA conductance against voltage, one curve per outside Mg2+ concentration.

    ``marker_mv`` draws a vertical line and marks each curve there (with a single curve, the label at the
    line also gives its concentration); ``reference_mg_mm`` adds a dashed grey curve for comparison. The
    grey band is the typical resting range from the sourced table. ``curve_labels`` names the curves in
    the legend (default: each concentration, e.g. "1 mM Mg2+ outside"). :func:`update_nmda_block` moves
    the curves and the marker of a figure drawn here to new values.

    >>> ax = plot_nmda_block(1.0, marker_mv=-70)
    >>> [line.get_label() for line in ax.get_lines() if line.get_gid() == "nmda-curve"]
    ['1 mM Mg2+ outside']
    >>> ax.texts[0].get_text()
    '-70 mV, 1 mM Mg2+'
    """
    ax = new_axes(ax)
    levels = _as_tuple(mg_mm)
    labels = _nmda_curve_labels(levels, curve_labels)
    volts = np.linspace(*VOLTAGE_WINDOW_MV, 361)
    rest = body_quantity("resting_potential_mv")
    ax.axvspan(rest["low"], rest["high"], color="#999999", alpha=0.15, lw=0, label="typical resting range")
    if reference_mg_mm is not None:
        ax.plot(
            volts,
            nmda_unblocked_fraction(volts, reference_mg_mm),
            ls="--",
            color="#777777",
            label=_nmda_reference_label(reference_mg_mm),
            gid="nmda-reference",
        )
    for colour, mg, label in zip(PALETTE, levels, labels, strict=False):
        ax.plot(volts, nmda_unblocked_fraction(volts, mg), color=colour, lw=2, label=label, gid="nmda-curve")
    if marker_mv is not None:
        ax.axvline(marker_mv, color=OKABE_ITO["black"], lw=0.8, gid="nmda-marker")
        for colour, mg in zip(PALETTE, levels, strict=False):
            value = nmda_unblocked_fraction(marker_mv, mg)
            ax.plot([marker_mv], [value], "o", color=colour, ms=7, mec="white", gid="nmda-reading")
        ax.annotate(
            _nmda_marker_text(levels, marker_mv),
            (marker_mv, 1.0),
            xytext=(4, -12),
            textcoords="offset points",
            fontsize=9,
            gid="nmda-marker-label",
        )
    ax.set_xlim(*VOLTAGE_WINDOW_MV)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper left", fontsize=8)
    return decorate(
        ax,
        title="Magnesium blocks NMDA receptors most at negative voltages",
        xlabel="Membrane potential (mV)",
        ylabel="Unblocked fraction of NMDA conductance",
        alt=_nmda_block_alt(levels, marker_mv),
    )


def update_nmda_block(
    ax: Axes,
    mg_mm: float | Sequence[float] = (0.5, 1.0, 2.0),
    *,
    marker_mv: float | None = None,
    reference_mg_mm: float | None = None,
    curve_labels: Sequence[str] | None = None,
) -> bool:
    """Move the curves, marker and alt text of a :func:`plot_nmda_block` figure to new values, in place.

    Returns False, changing nothing, when the figure cannot show the new values without other artists
    or another legend (a different number of curves, curve names or reference, a marker added or
    removed); then draw it afresh. The result looks exactly like ``plot_nmda_block`` with the same
    arguments (a test compares the pixels).

    >>> ax = plot_nmda_block(1.0, marker_mv=-70, curve_labels=["set above"])
    >>> update_nmda_block(ax, 2.0, marker_mv=-40, curve_labels=["set above"]), ax.texts[0].get_text()
    (True, '-40 mV, 2 mM Mg2+')
    >>> update_nmda_block(ax, (1.0, 2.0), marker_mv=-40)  # two curves: draw afresh
    False
    """
    levels = _as_tuple(mg_mm)
    parts = artists_by_gid(ax, _NMDA_GIDS)
    curves, reference = parts["nmda-curve"], parts["nmda-reference"]
    expected_reference = [] if reference_mg_mm is None else [_nmda_reference_label(reference_mg_mm)]
    if (
        [line.get_label() for line in curves] != _nmda_curve_labels(levels, curve_labels)
        or [line.get_label() for line in reference] != expected_reference
        or bool(parts["nmda-marker"]) != (marker_mv is not None)
        or len(parts["nmda-reading"]) != (len(levels) if marker_mv is not None else 0)
    ):
        return False
    volts = curves[0].get_xdata()
    for line, mg in zip(curves, levels, strict=True):
        line.set_ydata(nmda_unblocked_fraction(volts, mg))
    if marker_mv is not None:
        parts["nmda-marker"][0].set_xdata([marker_mv, marker_mv])
        for dot, mg in zip(parts["nmda-reading"], levels, strict=True):
            dot.set_data([marker_mv], [nmda_unblocked_fraction(marker_mv, mg)])
        label = parts["nmda-marker-label"][0]
        label.xy = (marker_mv, 1.0)
        label.set_text(_nmda_marker_text(levels, marker_mv))
    set_alt(ax, _nmda_block_alt(levels, marker_mv))
    return True


#: The artists :func:`update_nmda_block` moves, by the ``gid`` that :func:`plot_nmda_block` gives them.
_NMDA_GIDS = ("nmda-curve", "nmda-reference", "nmda-marker", "nmda-reading", "nmda-marker-label")


def _nmda_curve_labels(levels: tuple[float, ...], curve_labels: Sequence[str] | None) -> list[str]:
    if curve_labels is None:
        return [f"{mg:g} mM Mg2+ outside" for mg in levels]
    if len(curve_labels) != len(levels):
        raise ValueError(f"curve_labels must name each of the {len(levels)} curves, got {len(curve_labels)} names")
    return [str(label) for label in curve_labels]


def _nmda_reference_label(reference_mg_mm: float) -> str:
    return f"{reference_mg_mm:g} mM (reference)"


def _nmda_marker_text(levels: tuple[float, ...], marker_mv: float) -> str:
    return f"{marker_mv:g} mV" + (f", {levels[0]:g} mM Mg2+" if len(levels) == 1 else "")


def _nmda_block_alt(levels: tuple[float, ...], marker_mv: float | None) -> str:
    rest = body_quantity("resting_potential_mv")
    readings = (
        [f"{nmda_unblocked_fraction(marker_mv, mg):.1%} unblocked with {mg:g} mM" for mg in levels]
        if marker_mv is not None
        else []
    )
    at = f" At {marker_mv:g} mV: " + "; ".join(readings) + "." if readings else ""
    low_v, high_v = VOLTAGE_WINDOW_MV
    return (
        f"Line chart of the unblocked fraction of NMDA receptor conductance from {low_v:g} to "
        f"{high_v:g} mV for {', '.join(f'{m:g}' for m in levels)} mM magnesium outside the cell. "
        "Each curve is near 0 at strongly negative voltages and rises towards 1 as the cell "
        "depolarises; more magnesium shifts the curve to the right. A grey band marks typical "
        f"resting potentials ({rest['low']:g} to {rest['high']:g} mV).{at}"
    )


def plot_nmda_current(mg_mm: float | Sequence[float] = (0.0, 1.0), ax: Axes | None = None) -> Axes:
    """Current-voltage curves of open NMDA receptors with and without magnesium (pA per nS of conductance)."""
    ax = new_axes(ax)
    levels = _as_tuple(mg_mm)
    volts = np.linspace(*VOLTAGE_WINDOW_MV, 361)
    ax.axhline(0, color=OKABE_ITO["black"], lw=0.6)
    for colour, mg in zip(PALETTE, levels, strict=False):
        ax.plot(volts, nmda_current(volts, mg), color=colour, lw=2, label=f"{mg:g} mM Mg2+ outside")
    rest = float(body_quantity("resting_potential_mv")["value"])  # type: ignore[arg-type]
    at_rest = ", ".join(f"{nmda_current(rest, mg):.1f} pA with {mg:g} mM" for mg in levels)
    ax.set_xlim(*VOLTAGE_WINDOW_MV)
    ax.legend(loc="lower right", fontsize=8)
    return decorate(
        ax,
        title="With magnesium, almost no NMDA current flows near rest",
        xlabel="Membrane potential (mV)",
        ylabel="Current per nS of open channels (pA)",
        alt=(
            f"Current-voltage chart of open NMDA receptors for {', '.join(f'{m:g}' for m in levels)} mM "
            "magnesium. Without magnesium the current is a straight line through 0 mV; with magnesium the "
            "inward (negative) current almost vanishes at negative voltages, giving a J shape. "
            f"At {rest:g} mV: {at_rest}."
        ),
    )


def plot_body_magnesium(ax: Axes | None = None) -> Axes:
    """Where the body's magnesium is: bone, soft tissue, blood and extracellular fluid, serum (sourced)."""
    ax = new_axes(ax)
    table = load_body_magnesium().set_index("quantity")
    total_g = float(table.loc["body_total_g", "value"])
    parts = [
        ("Bone", "share_bone_pct"),
        ("Soft tissue\n(muscle, liver, heart)", "share_soft_tissue_pct"),
        ("Blood and fluid\noutside cells", "share_blood_ecf_pct"),
        ("Serum (part of blood)", "share_serum_pct"),
    ]
    shares = [float(table.loc[q, "value"]) for _, q in parts]
    y = np.arange(len(parts))
    colours = [OKABE_ITO["blue"], OKABE_ITO["bluish_green"], OKABE_ITO["orange"], OKABE_ITO["vermillion"]]
    ax.barh(y, shares, color=colours)
    low, high = float(table.loc["share_bone_pct", "low"]), float(table.loc["share_bone_pct", "high"])
    ax.errorbar([shares[0]], [0], xerr=[[shares[0] - low], [high - shares[0]]], color=OKABE_ITO["black"], capsize=4)
    labels = []
    for i, share in enumerate(shares):
        grams = total_g * share / 100
        amount = f"{grams:.1f} g" if grams >= 1 else f"{grams * 1000:.0f} mg"
        labels.append(f"{share:g}% (about {amount})")
        ax.text(share + 1.5 if i else high + 1.5, i, labels[-1], va="center", fontsize=9)
    ax.set_yticks(y, [name for name, _ in parts])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)
    return decorate(
        ax,
        title=textwrap.fill(
            f"Only about {shares[2]:g}% of the body's magnesium is in blood and the fluid around cells", 58
        ),
        xlabel=f"Share of the body's magnesium (%; total about {total_g:g} g)",
        ylabel="",
        alt=(
            "Horizontal bar chart of where an adult's magnesium is. "
            + "; ".join(
                f"{name.replace(chr(10), ' ')}: {label}" for (name, _), label in zip(parts, labels, strict=True)
            )
            + f". Sources give {low:g}-{high:g}% for bone (whisker). A blood test sees only a tiny slice."
        ),
    )


def plot_supplement_effect(table: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """Dumbbell chart: unblocked NMDA conductance before and after each serum-change scenario.

    ``table`` is :func:`mgedu.mechanisms.supplement_block_table` output (computed with defaults if None).
    The span of each coloured bar is the range over the ionised share of serum magnesium (55-70%). The
    x axis starts at 0 %, so the size of each change is shown against the whole conductance.

    >>> float(plot_supplement_effect().get_xlim()[0])
    0.0
    """
    ax = new_axes(ax)
    data = supplement_block_table() if table is None else table
    scenarios = list(dict.fromkeys(data.scenario))
    before = float(data.unblocked_before.iloc[0]) * 100
    parts = []
    for i, name in enumerate(scenarios):
        rows = data[data.scenario == name]
        after = rows.unblocked_after * 100
        colour = OKABE_ITO["blue"] if rows.kind.iloc[0] == "trial" else OKABE_ITO["orange"]
        kind = "trial result" if rows.kind.iloc[0] == "trial" else "what-if"
        ax.plot([after.min(), before], [i, i], color="#999999", lw=1, zorder=1)
        new_label = f"after ({kind})" not in ax.get_legend_handles_labels()[1]
        ax.plot(
            [after.min(), after.max()],
            [i, i],
            color=colour,
            lw=8,
            solid_capstyle="round",
            zorder=2,
            label=f"after ({kind})" if new_label else None,
        )
        ax.plot([before], [i], "o", color=OKABE_ITO["black"], ms=6, zorder=3, label="before" if i == 0 else None)
        points, shift = rows.change_points, rows.equivalent_shift_mv
        text = (
            f"{points.max():+.2f} to {points.min():+.2f} points "
            f"(like {shift.min():.1f}-{shift.max():.1f} mV more negative)"
        )
        ax.annotate(text, (before, i), xytext=(4, -15), textcoords="offset points", fontsize=8, ha="right")
        parts.append(f"{name}: {after.min():.2f}-{after.max():.2f}% after ({text})")
    voltage, base = data.voltage_mv.iloc[0], data.baseline_mg_mm.iloc[0]
    ax.set_yticks(range(len(scenarios)), [textwrap.fill(s, 24) for s in scenarios])
    ax.set_ylim(len(scenarios) - 0.4, -0.6)
    # The axis starts at zero: the change is a fraction of a percentage point, and a zoomed axis would make
    # it look large (the figure's point is how small it is).
    ax.set_xlim(0, before * 1.12)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", fontsize=8)
    return decorate(
        ax,
        title=f"Best-case serum rises barely change NMDA block at {voltage:g} mV",
        xlabel=f"Unblocked NMDA conductance at {voltage:g} mV (%)",
        ylabel="",
        alt=(
            f"Dumbbell chart. With {base:g} mM free magnesium around neurons, {before:.2f}% of NMDA "
            f"conductance is unblocked at {voltage:g} mV (black dots). Assuming every bit of the serum rise "
            "reaches the brain: " + "; ".join(parts) + ". Blue bars are trial results, the orange bar a what-if."
        ),
    )


def _chain_box(ax: Axes, y: float, step: pd.Series, x: float = 0.01) -> None:
    colour = EVIDENCE_COLOURS[str(step.evidence_level)]
    ax.text(
        x,
        y,
        textwrap.fill(f"{step.step}. {step.statement}", 52),
        va="center",
        ha="left",
        fontsize=9,
        bbox={
            "boxstyle": "round,pad=0.45",
            "fc": colour + "55",
            "ec": colour,
            "lw": 1.5,
            "ls": "--" if step.evidence_level == "assumed" else "-",
        },
    )
    label = f"{EVIDENCE_LABELS[str(step.evidence_level)]}\n{FINDING_MARKS[str(step.finding)]}"
    if step.in_article == "implied":
        label += " · not in article"
    ax.text(0.70, y, label, va="center", ha="left", fontsize=8.5)


def plot_mechanism_chain(claim_id: str, ax: Axes | None = None) -> Axes:
    """One claim's chain of links, top to bottom, each coloured by its evidence level; direct tests last."""
    from matplotlib.patches import Patch

    steps = mechanism_chain(claim_id)
    links, outcomes = steps[steps.role == "link"], steps[steps.role == "outcome"]
    rows = len(links) + (len(outcomes) + 0.6 if len(outcomes) else 0)
    ax = new_axes(ax, figsize=(7.5, 0.62 * rows + 1.4))
    y = 0.0
    for i, (_, step) in enumerate(links.iterrows()):
        _chain_box(ax, y, step)
        if i < len(links) - 1:
            ax.annotate(
                "",
                xy=(0.04, y + 0.62),
                xytext=(0.04, y + 0.38),
                arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO["black"]},
            )
        y += 1
    if len(outcomes):
        y += 0.1
        ax.text(0.01, y, "Direct test of the whole claim:", fontsize=9, fontweight="bold", va="center")
        y += 0.7
        for _, step in outcomes.iterrows():
            _chain_box(ax, y, step)
            y += 1
    ax.set_xlim(0, 1)
    ax.set_ylim(y - 0.4, -0.6)
    ax.axis("off")
    ax.legend(
        handles=[
            Patch(fc=c + "55", ec=c, ls="--" if k == "assumed" else "-", label=EVIDENCE_LABELS[k])
            for k, c in EVIDENCE_COLOURS.items()
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=4,
        fontsize=8,
    )
    people = int(links.evidence_level.isin(["human-trial", "human-observational"]).sum())
    assumed = int((links.evidence_level == "assumed").sum())
    described = "; ".join(
        f"{s.step}. {s.statement} ({EVIDENCE_LABELS[str(s.evidence_level)]}, {s.finding}"
        f"{', not said in the article' if s.in_article == 'implied' else ''})"
        for _, s in steps.iterrows()
    )
    return decorate(
        ax,
        title=f"{claim_id}: {people} of {len(links)} links studied in people, {assumed} assumed",
        alt=f"Flow chart of the mechanism chain behind claim {claim_id}, top to bottom: {described}.",
    )


def plot_chain_summary(ax: Axes | None = None) -> Axes:
    """Stacked bars: for every mechanism chain, how many links rest on each kind of evidence."""
    summary = chain_summary()
    ax = new_axes(ax, figsize=(7.5, 0.28 * len(summary) + 1.6))
    y = np.arange(len(summary))
    left = np.zeros(len(summary))
    for level in EVIDENCE_LEVELS:
        counts = summary[level].to_numpy(dtype=float)
        colour = EVIDENCE_COLOURS[level]
        ax.barh(
            y,
            counts,
            left=left,
            color=colour + "99",
            edgecolor=colour,
            hatch="///" if level == "assumed" else None,
            label=EVIDENCE_LABELS[level],
        )
        left += counts
    ax.set_yticks(y, summary.chain_id)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8)
    totals = {level: int(summary[level].sum()) for level in EVIDENCE_LEVELS}
    all_links = sum(totals.values())
    weak = (totals["animal-or-in-vitro"] + totals["assumed"]) / all_links
    return decorate(
        ax,
        title=f"{weak:.0%} of mechanism links are lab findings or assumptions",
        xlabel="Links in the chain (count)",
        ylabel="Claim",
        alt=(
            f"Stacked bar chart of {len(summary)} claim chains with {all_links} links in all: "
            + ", ".join(f"{n} {EVIDENCE_LABELS[level]}" for level, n in totals.items())
            + "."
        ),
    )
