"""Figures for the study-design simulations: estimates per design, the dance of the p-values, power.

Each function takes the DataFrames made by :mod:`mgedu.designs` (it simulates nothing itself), draws on
``ax`` (a new figure when None), and returns the Axes with a title stating the finding and alt text
carrying the key numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mgedu.design_summaries import signed_points
from mgedu.plots import OKABE_ITO, PALETTE, artists_by_gid, decorate, new_axes, round_out
from mgedu.study_designs import simulated_design_labels

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

ESTIMATE_LABEL = "Estimated improvement in IRLS score (points)"


#: Histogram bin widths (IRLS points), narrowest first: each divides two points, so bin edges fall on whole
#: numbers of points and a bar stays where it was while a slider moves (the spread, not the bins, changes).
BIN_WIDTHS_POINTS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)
#: The most bins a histogram is split into: the narrowest width that needs no more is used.
MAX_BINS = 60
#: Room above the tallest bar for the legend (the y axis ends at least this many times higher).
LEGEND_HEADROOM = 1.35
#: The axes end on whole multiples of a round step (1, 2 or 5 times a power of ten) of about a tenth of
#: the x span and a fifth of the y height: similar simulations then share their axes (an explorer's
#: figure keeps its axes, and can be redrawn by blitting, while a slider moves), at the price of a little
#: more room around the bars.
X_STEPS, Y_STEPS = 10, 5
#: The legend's options, shared by the plot function and its update companion (which builds the legend
#: again when the entries' wording changes, e.g. a case report's "patient improved").
ESTIMATE_LEGEND: dict[str, object] = {
    "loc": "upper left",
    "fontsize": 8,
    "frameon": True,
    "framealpha": 0.9,
    "edgecolor": "none",
}


def estimate_bins(values: np.ndarray) -> np.ndarray:
    """Bin edges for a histogram of estimates: a fixed width from :data:`BIN_WIDTHS_POINTS`, edges on its multiples.

    The narrowest width that covers the estimates in at most :data:`MAX_BINS` bins is used.

    >>> edges = estimate_bins(np.array([-1.3, 4.2]))  # quarter-point bins
    >>> float(edges[0]), float(edges[-1]), float(edges[1] - edges[0]), len(edges) - 1
    (-1.5, 4.25, 0.25, 23)
    >>> edges = estimate_bins(np.array([-21.3, 30.7]))  # 53 one-point bins (quarter points would need 209)
    >>> float(edges[0]), float(edges[-1]), float(edges[1] - edges[0])
    (-22.0, 31.0, 1.0)
    """
    finite = values[np.isfinite(values)]
    if not finite.size:
        raise ValueError("values must hold at least one finite estimate, got none")
    low, high = float(finite.min()), float(finite.max())
    for width in BIN_WIDTHS_POINTS:
        first, last = np.floor(low / width), np.floor(high / width) + 1  # the largest value inside the last bin
        if last - first <= MAX_BINS:
            break
    return (first + np.arange(int(last - first) + 1)) * width


@dataclass(frozen=True)
class _Histogram:
    """What :func:`plot_estimate_distributions` draws, computed in one place for it and for
    :func:`update_estimate_distributions` (so the two cannot drift apart)."""

    edges: np.ndarray
    #: one entry per filled or outlined histogram: (legend label, bar tops, bar bottoms or None for an outline)
    series: list[tuple[str, np.ndarray, np.ndarray | None]]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    title: str
    ylabel: str
    alt: str


def _histogram(trials: pd.DataFrame, observed: float | None, observed_label: str, title: str | None) -> _Histogram:
    if trials.empty or "design" not in trials or "estimate" not in trials:
        raise ValueError("trials must be a non-empty result of simulate_trials (columns design, estimate)")
    designs = [str(d) for d in trials["design"].unique()]  # in order of appearance, without a Python loop
    estimates = trials["estimate"].to_numpy(dtype=float)
    edges = estimate_bins(estimates)
    width = float(edges[1] - edges[0])
    series: list[tuple[str, np.ndarray, np.ndarray | None]] = []
    summary = []
    if len(designs) == 1:
        design = designs[0]
        benefit = trials["reports_benefit"].to_numpy(dtype=bool)
        weights = np.full(len(estimates), 100.0 / len(estimates))
        what = "patient improved" if design == "case-report" else "significant improvement"
        no, _ = np.histogram(estimates[~benefit], bins=edges, weights=weights[~benefit])
        yes, _ = np.histogram(estimates[benefit], bins=edges, weights=weights[benefit])
        series += [("no benefit reported", no, np.zeros_like(no)), (f"reports a benefit ({what})", no + yes, no)]
        share = 100 * benefit.mean()
        summary.append(
            f"{simulated_design_labels(design).short}: {share:.0f} % report a benefit, "
            f"average {signed_points(estimates.mean())} points"
        )
        default_title = f"{share:.0f} % of simulated {simulated_design_labels(design).plural} report a benefit"
    else:
        averages = []
        for design in designs:
            values = estimates[trials["design"].to_numpy() == design]
            heights, _ = np.histogram(values, bins=edges, weights=np.full(len(values), 100.0 / len(values)))
            label = simulated_design_labels(design).short
            series.append((label, heights, None))
            summary.append(f"{label} average {signed_points(values.mean())} points")
            averages.append(f"{label} {signed_points(values.mean())}")
        default_title = "Average estimate: " + ", ".join(averages) + " points"
    # Limits on whole multiples of a round step, taking in the bars, "no change" (0), the observed line and
    # room for the legend: they move only when the data cross a step (and a live figure keeps them while
    # the data still fit them well).
    marks = [0.0] if observed is None else [0.0, float(observed)]
    low, high = min(float(edges[0]), *marks) - width / 2, max(float(edges[-1]), *marks) + width / 2
    tallest = max(float(np.max(tops)) for _, tops, _ in series)
    observed_text = "" if observed is None else f" A line marks {observed_label} at {observed:g} points."
    return _Histogram(
        edges=edges,
        series=series,
        xlim=round_out(low, high, X_STEPS),
        ylim=round_out(0.0, tallest * LEGEND_HEADROOM, Y_STEPS),
        title=title or default_title,
        ylabel=f"Share of studies per {width:g}-point bin (%)",
        alt=f"Histogram of the improvement estimated by {len(trials)} simulated studies, in {width:g}-point bins. "
        + "; ".join(summary)
        + "."
        + observed_text,
    )


def _observed_legend_label(observed: float, observed_label: str) -> str:
    return f"{observed_label}: {observed:g}"


def plot_estimate_distributions(
    trials: pd.DataFrame,
    *,
    observed: float | None = None,
    observed_label: str = "observed",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Histogram of the improvement each simulated trial estimated, one outline per design.

    With a single design the bars are split into trials that would report a benefit and the rest.
    ``observed`` draws a vertical line at a real study's result (e.g. the 2024 pilot's 6.67 points).
    Bins have a fixed width with edges on whole points (:func:`estimate_bins`), and the axes end on
    round numbers, so that similar simulations share their axes; :func:`update_estimate_distributions`
    moves the bars of a figure drawn here to another simulation.

    >>> from mgedu.designs import simulate_trials
    >>> ax = plot_estimate_distributions(simulate_trials("rct", 12, n_trials=200, seed=1))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Estimated improvement in IRLS score (points)', 'Share of studies per 0.5-point bin (%)')
    >>> tuple(float(x) for x in ax.get_xlim())  # ends on whole multiples of 2 points
    (-8.0, 12.0)
    >>> from mgedu.plots import alt_text
    >>> alt_text(ax)[-75:]
    'studies, in 0.5-point bins. RCT: 2 % report a benefit, average -0.2 points.'
    """
    from matplotlib.patches import StepPatch
    from matplotlib.ticker import MaxNLocator

    shown = _histogram(trials, observed, observed_label, title)
    ax = new_axes(ax)

    # Each histogram is one step-shaped patch (filled between two step curves, or an outline) that
    # update_estimate_distributions moves to new bars with StepPatch.set_data, building nothing. It is
    # added with add_artist, not ax.stairs: stairs also walks every segment of the outline to update the
    # data limits (about 15 ms a patch), and the limits are set below in any case.
    filled = [OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"]]
    for k, (label, tops, bottoms) in enumerate(shown.series):
        if bottoms is not None:
            bars = StepPatch(tops, shown.edges, baseline=bottoms, fill=True, color=filled[k], lw=0)
        else:
            bars = StepPatch(tops, shown.edges, baseline=0, fill=False, color=PALETTE[k % len(PALETTE)], lw=2)
        bars.set(label=label, gid="estimate-bars")
        ax.add_artist(bars)
    ax.axvline(0, color="#999999", linestyle="--", linewidth=1, label="no change", gid="estimate-zero")
    if observed is not None:
        ax.axvline(
            observed,
            color=OKABE_ITO["black"],
            linewidth=1.5,
            label=_observed_legend_label(observed, observed_label),
            gid="estimate-observed",
        )
    ax.set_xlim(*shown.xlim)
    ax.set_ylim(*shown.ylim)
    # Ticks on 1, 2 or 5 times a power of ten (Matplotlib's default also uses 2.5): labels stay short, so
    # an explorer's figure, whose layout is fixed at its first drawing, never has them run into the label.
    ax.yaxis.set_major_locator(MaxNLocator(nbins=Y_STEPS, steps=[1, 2, 5, 10]))
    ax.legend(**ESTIMATE_LEGEND)  # type: ignore[arg-type]
    return decorate(ax, title=shown.title, xlabel=ESTIMATE_LABEL, ylabel=shown.ylabel, alt=shown.alt)


def update_estimate_distributions(
    ax: Axes,
    trials: pd.DataFrame,
    *,
    observed: float | None = None,
    observed_label: str = "observed",
    title: str | None = None,
) -> bool:
    """Move the bars, title, limits and alt text of a :func:`plot_estimate_distributions` figure to ``trials``.

    Returns False, changing nothing, when the figure cannot show ``trials`` without other artists (other
    designs or another number of them, another observed line); then draw it afresh. When only the
    legend's wording changes (a case report's "patient improved" for a trial's "significant
    improvement"), the bars are relabelled and the legend built again, as the plot function builds it. The
    result looks exactly like ``plot_estimate_distributions`` with the same arguments (a test compares the
    pixels).

    >>> from mgedu.designs import simulate_trials
    >>> ax = plot_estimate_distributions(simulate_trials("rct", 12, n_trials=200, seed=1))
    >>> update_estimate_distributions(ax, simulate_trials("rct", 40, n_trials=200, seed=1))
    True
    >>> from mgedu.plots import alt_text
    >>> alt_text(ax)[-47:], ax.get_ylabel()
    ('RCT: 4 % report a benefit, average -0.1 points.', 'Share of studies per 0.25-point bin (%)')
    >>> update_estimate_distributions(ax, simulate_trials("case-report", 1, n_trials=200, seed=1))
    True
    >>> [text.get_text() for text in ax.get_legend().get_texts()][1]
    'reports a benefit (patient improved)'
    >>> import pandas as pd
    >>> both = pd.concat([simulate_trials(d, 12, n_trials=200, seed=1) for d in ("rct", "open-label")])
    >>> update_estimate_distributions(ax, both)  # two outlines, not one split histogram: draw afresh
    False
    """
    shown = _histogram(trials, observed, observed_label, title)
    parts = artists_by_gid(ax, ("estimate-bars", "estimate-observed"))
    bars, lines = parts["estimate-bars"], parts["estimate-observed"]
    expected_lines = [] if observed is None else [_observed_legend_label(observed, observed_label)]
    if [bar.get_fill() for bar in bars] != [bottoms is not None for _, _, bottoms in shown.series] or [
        line.get_label() for line in lines
    ] != expected_lines:
        return False
    relabelled = [bar.get_label() for bar in bars] != [label for label, _, _ in shown.series]
    for bar, (label, tops, bottoms) in zip(bars, shown.series, strict=True):
        bar.set_data(tops, shown.edges, 0 if bottoms is None else bottoms)
        bar.set_label(label)
    if relabelled:
        ax.legend(**ESTIMATE_LEGEND)  # type: ignore[arg-type]
    ax.set_xlim(*shown.xlim)
    ax.set_ylim(*shown.ylim)
    decorate(ax, title=shown.title, ylabel=shown.ylabel, alt=shown.alt)
    return True


def plot_p_value_dance(
    trials_by_label: dict[str, pd.DataFrame], *, alpha: float = 0.05, n_show: int = 25, ax: Axes | None = None
) -> Axes:
    """The "dance of the p-values": the p-value of each of ``n_show`` replications of the same trial.

    ``trials_by_label`` maps a label (e.g. "12 per arm") to a :func:`~mgedu.designs.simulate_trials`
    result; the share of all its trials with p < alpha goes into the legend.

    >>> from mgedu.designs import simulate_trials
    >>> ax = plot_p_value_dance({"12 per arm": simulate_trials("rct", 12, 3.0, n_trials=50, seed=1)})
    >>> ax.get_xscale()
    'log'
    """
    if not trials_by_label:
        raise ValueError("trials_by_label must map at least one label to simulated trials, got an empty dict")
    if not 1 <= n_show <= 200:
        raise ValueError(f"n_show must be between 1 and 200 replications, got {n_show}")
    ax = new_axes(ax)
    offsets = np.linspace(-0.2, 0.2, len(trials_by_label)) if len(trials_by_label) > 1 else [0.0]
    parts = []
    for colour, offset, (label, trials) in zip(PALETTE, offsets, trials_by_label.items(), strict=False):
        p = trials["p_value"].to_numpy(dtype=float)
        if np.isnan(p).all():
            raise ValueError(f"{label!r} has no p-values (a case report has none)")
        shown = np.clip(p[:n_show], 1e-6, 1)
        rows = np.arange(1, len(shown) + 1) + offset
        share = 100 * np.nanmean(p < alpha)
        ax.plot(shown, rows, color=colour, linewidth=0.8, alpha=0.5)
        ax.plot(shown, rows, "o", color=colour, markersize=5, label=f"{label}: {share:.0f} % below {alpha:g}")
        parts.append((label, share, np.nanmin(shown), np.nanmax(shown)))
    ax.axvline(alpha, color=OKABE_ITO["black"], linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(1e-6, 1.5)
    ax.invert_yaxis()
    ax.legend(loc="lower left", fontsize=8)
    shares = " vs ".join(f"{s:.0f} %" for _, s, _, _ in parts)
    title = f"Same trial, repeated: {shares} of p-values below {alpha:g}"
    detail = "; ".join(
        f"{label}: {s:.0f} % of replications below {alpha:g}, shown p-values from {lo:.1g} to {hi:.2g}"
        for label, s, lo, hi in parts
    )
    return decorate(
        ax,
        title=title,
        xlabel="p-value (log scale)",
        ylabel="Replication",
        alt=f"Dot plot of the p-values of {n_show} replications of the same simulated trial, "
        f"with a dashed line at {alpha:g}. {detail}.",
    )


def plot_power_curve(
    curve: pd.DataFrame,
    *,
    effect_points: float,
    target: float = 0.8,
    required_n: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Power against patients per arm: simulated shares (with 95 % intervals) and the t-test formula.

    >>> from mgedu.designs import power_curve
    >>> ax = plot_power_curve(power_curve("rct", [20, 60], 3.0, n_trials=200), effect_points=3.0)
    >>> tuple(float(y) for y in ax.get_ylim())
    (0.0, 1.02)
    """
    if curve.empty or not {"n_per_arm", "power", "ci_low", "ci_high", "formula"} <= set(curve.columns):
        raise ValueError("curve must be a non-empty result of power_curve()")
    ax = new_axes(ax)
    n = curve["n_per_arm"].to_numpy(dtype=float)
    share = curve["power"].to_numpy(dtype=float)
    errors = np.vstack([share - curve["ci_low"].to_numpy(dtype=float), curve["ci_high"].to_numpy(dtype=float) - share])
    formula = curve["formula"].to_numpy(dtype=float)
    if not np.isnan(formula).all():
        ax.plot(n, formula, color=PALETTE[1], linewidth=2, label="t-test formula (statsmodels)")
    ax.errorbar(n, share, yerr=errors, fmt="o", color=PALETTE[0], capsize=3, label="simulated trials (95 % interval)")
    ax.axhline(target, color="#999999", linestyle="--", linewidth=1, label=f"target power {target:.0%}")
    text = ""
    if required_n is not None:
        ax.axvline(
            required_n, color=OKABE_ITO["black"], linestyle=":", linewidth=1, label=f"required: {required_n} per arm"
        )
        text = f" The formula needs {required_n} patients per arm for {target:.0%} power."
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize=8)
    above = n[share >= target]
    if required_n is not None:
        finding = f"Detecting {effect_points:g} IRLS points with {target:.0%} power: {required_n} per arm"
    elif above.size:
        finding = f"{target:.0%} power for {effect_points:g} IRLS points first at {int(above.min())} per arm"
    else:
        finding = f"None of these trials reaches {target:.0%} power for {effect_points:g} IRLS points"
    points = ", ".join(f"n = {int(a)}: {b:.2f}" for a, b in zip(n, share, strict=True))
    return decorate(
        ax,
        title=finding,
        xlabel="Patients per arm",
        ylabel="Power (share finding the effect)",
        alt=f"Power curve for a true difference of {effect_points:g} IRLS points. Simulated power {points}.{text}",
    )
