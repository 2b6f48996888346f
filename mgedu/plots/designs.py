"""Figures for the study-design simulations: estimates per design, the dance of the p-values, power.

Each function takes the DataFrames made by :mod:`mgedu.designs` (it simulates nothing itself), draws on
``ax`` (a new figure when None), and returns the Axes with a title stating the finding and alt text
carrying the key numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mgedu.design_summaries import signed_points
from mgedu.plots import OKABE_ITO, PALETTE, decorate, new_axes
from mgedu.study_designs import simulated_design_labels

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

ESTIMATE_LABEL = "Estimated improvement in IRLS score (points)"


def _bins(values: np.ndarray) -> np.ndarray:
    low, high = np.floor(np.nanmin(values)), np.ceil(np.nanmax(values))
    if high <= low:
        high = low + 1
    return np.linspace(low, high, 41)


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

    >>> from mgedu.designs import simulate_trials
    >>> ax = plot_estimate_distributions(simulate_trials("rct", 12, n_trials=200, seed=1))
    >>> ax.get_xlabel()
    'Estimated improvement in IRLS score (points)'
    """
    if trials.empty or "design" not in trials or "estimate" not in trials:
        raise ValueError("trials must be a non-empty result of simulate_trials (columns design, estimate)")
    ax = new_axes(ax)
    designs = [str(d) for d in trials["design"].unique()]  # in order of appearance, without a Python loop
    bins = _bins(trials["estimate"].to_numpy(dtype=float))
    summary = []
    if len(designs) == 1:
        design = designs[0]
        benefit = trials["reports_benefit"].to_numpy(dtype=bool)
        values = trials["estimate"].to_numpy(dtype=float)
        weights = np.full(len(values), 100.0 / len(values))
        what = "patient improved" if design == "case-report" else "significant improvement"
        # Two stacked filled outlines, drawn as step-shaped fills (a PolyCollection each, whose limits
        # matplotlib updates in one vectorised step, which keeps the trial simulator's redraws fast).
        no, _ = np.histogram(values[~benefit], bins=bins, weights=weights[~benefit])
        yes, _ = np.histogram(values[benefit], bins=bins, weights=weights[benefit])
        ax.fill_between(
            bins, np.append(no, no[-1]), step="post", color=OKABE_ITO["sky_blue"], lw=0, label="no benefit reported"
        )
        ax.fill_between(
            bins,
            np.append(no, no[-1]),
            np.append(no + yes, (no + yes)[-1]),
            step="post",
            color=OKABE_ITO["vermillion"],
            lw=0,
            label=f"reports a benefit ({what})",
        )
        share = 100 * benefit.mean()
        summary.append(
            f"{simulated_design_labels(design).short}: {share:.0f} % report a benefit, "
            f"average {signed_points(values.mean())} points"
        )
        default_title = f"{share:.0f} % of simulated {simulated_design_labels(design).plural} report a benefit"
    else:
        for colour, design in zip(PALETTE, designs, strict=False):
            values = trials.loc[trials["design"] == design, "estimate"].to_numpy(dtype=float)
            weights = np.full(len(values), 100.0 / len(values))
            ax.hist(
                values,
                bins=bins,
                weights=weights,
                histtype="step",
                linewidth=2,
                color=colour,
                label=simulated_design_labels(design).short,
            )
            summary.append(f"{simulated_design_labels(design).short} average {signed_points(values.mean())} points")
        default_title = (
            "Average estimate: "
            + ", ".join(
                f"{simulated_design_labels(d).short} "
                f"{signed_points(trials.loc[trials['design'] == d, 'estimate'].mean())}"
                for d in designs
            )
            + " points"
        )
    ax.axvline(0, color="#999999", linestyle="--", linewidth=1, label="no change")
    if observed is not None:
        ax.axvline(observed, color=OKABE_ITO["black"], linewidth=1.5, label=f"{observed_label}: {observed:g}")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.35)  # headroom for the legend
    ax.legend(loc="upper left", fontsize=8, frameon=True, framealpha=0.9, edgecolor="none")
    observed_text = "" if observed is None else f" A line marks {observed_label} at {observed:g} points."
    return decorate(
        ax,
        title=title or default_title,
        xlabel=ESTIMATE_LABEL,
        ylabel="Share of simulated studies (%)",
        alt=f"Histogram of the improvement estimated by {len(trials)} simulated studies. "
        + "; ".join(summary)
        + "."
        + observed_text,
    )


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
