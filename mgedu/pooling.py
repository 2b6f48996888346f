"""Pooling study results (meta-analysis) and the published pooled estimates for magnesium and sleep.

A meta-analysis weights each study by the inverse of its variance (``1 / SE²``): precise studies count
more. The **fixed-effect** model assumes every study estimates one true effect; the **random-effects**
model (DerSimonian-Laird) lets the true effect vary between studies by ``tau²`` and so gives small
studies more weight and a wider interval. ``I²`` is the share of the spread between study results that
is more than chance would produce. :func:`pool_effects` wraps ``statsmodels.stats.meta_analysis``.
One correction is made: statsmodels' one-step DerSimonian-Laird estimate of ``tau²`` (and so ``I²``)
can come out negative when the studies agree more than chance predicts; DerSimonian and Laird set it
to zero, and so do we, which makes the random-effects result equal the fixed-effect one.

The per-trial means and SDs behind the only meta-analysis of magnesium for sleep in older adults
(Mah & Pitre 2021) were not in the pages we could read, so ``pooled_estimates.csv`` records the
published pooled results; :func:`standard_error_from_ci` and :func:`p_value_from_ci` let a reader check
that a published interval and P value agree with each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING

from mgedu.rules import Corpus, Rows, rule
from mgedu.study_designs import REVIEW_DESIGNS
from mgedu.tables import Column, Problem, References, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd

POOLED_SCHEMA = Schema(
    (
        Column("estimate_id", pattern=r"[a-z0-9-]+"),
        Column(
            "review_id",
            references=References("studies.csv", where=("design", REVIEW_DESIGNS)),
            description="study_id of the review in studies.csv",
        ),
        Column("condition", "category", vocab=("rls", "insomnia")),
        Column("outcome"),
        Column("measure", description="what the number is, and which way round"),
        Column("unit"),
        Column("estimate", "float", minimum=-10_000, maximum=10_000),
        Column("ci_low", "float", minimum=-10_000, maximum=10_000, description="95% confidence interval"),
        Column("ci_high", "float", minimum=-10_000, maximum=10_000),
        Column("p_value", "float", required=False, minimum=0, maximum=1),
        Column("n_participants", "int", minimum=1),
        Column("n_studies", "int", minimum=1),
        Column(
            "studies",
            references=References("studies.csv", separator=";"),
            description="'; '-separated study ids pooled",
        ),
        Column(
            "favours_magnesium",
            "category",
            vocab=("lower", "higher"),
            description="which direction of the outcome is better for the person",
        ),
        Column("certainty_published", "category", required=False, vocab=("high", "moderate", "low", "very low")),
        Column("notes"),
        source_column(),
    ),
    key="estimate_id",
    description="Published pooled estimates (meta-analyses), as printed",
)


def _critical(level: float, df: float | None = None) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level}")
    if df is None:
        return NormalDist().inv_cdf(0.5 + level / 2)  # the standard library's normal: no scipy import
    if not df > 0:
        raise ValueError(f"df must be above 0, got {df}")
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, df))


def standard_error_from_ci(ci_low: float, ci_high: float, level: float = 0.95, df: float | None = None) -> float:
    """The standard error behind a confidence interval: width / (2 × 1.96) for a normal interval,
    or width / (2 × t) when the interval came from a t distribution with ``df`` degrees of freedom.

    >>> round(standard_error_from_ci(-27.27, -7.44), 2)
    5.06
    """
    if not ci_high > ci_low:
        raise ValueError(f"ci_high must be above ci_low, got {ci_low} to {ci_high}")
    return (ci_high - ci_low) / (2 * _critical(level, df))


def p_value_from_ci(estimate: float, ci_low: float, ci_high: float, level: float = 0.95) -> float:
    """Two-sided P value implied by an estimate and its confidence interval (normal approximation).

    >>> round(p_value_from_ci(-17.36, -27.27, -7.44), 4)
    0.0006
    """
    if not ci_low <= estimate <= ci_high:
        raise ValueError(f"estimate must lie inside its interval {ci_low} to {ci_high}, got {estimate}")
    se = standard_error_from_ci(ci_low, ci_high, level)
    return 2 * NormalDist().cdf(-abs(estimate) / se)


@dataclass(frozen=True)
class PooledEstimate:
    """One pooled estimate with its 95% interval."""

    model: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class PoolingResult:
    """A meta-analysis: per-study rows, fixed- and random-effects estimates, heterogeneity."""

    studies: pd.DataFrame
    fixed: PooledEstimate
    random: PooledEstimate
    q: float
    i2: float
    tau2: float

    def summary(self, unit: str = "") -> str:
        """A one-paragraph plain-text summary."""
        u = f" {unit}" if unit else ""
        f, r = self.fixed, self.random
        return (
            f"{len(self.studies)} studies. Fixed effect: {f.estimate:.2f}{u} (95% CI {f.ci_low:.2f} to "
            f"{f.ci_high:.2f}). Random effects: {r.estimate:.2f}{u} "
            f"(95% CI {r.ci_low:.2f} to {r.ci_high:.2f}). "
            f"I² = {100 * self.i2:.0f}%, tau² = {self.tau2:.2f}."
        )


def pool_effects(
    effects: Sequence[float], standard_errors: Sequence[float], labels: Sequence[str] | None = None
) -> PoolingResult:
    """Inverse-variance pooling, fixed effect and random effects (DerSimonian-Laird).

    Args:
        effects: one estimate per study (e.g. mean differences, same unit and direction).
        standard_errors: the standard error of each estimate (> 0).
        labels: study names (default "study 1", "study 2", ...).

    Returns:
        A :class:`PoolingResult`; ``studies`` has columns label, estimate, se, ci_low, ci_high,
        weight_fixed and weight_random (relative weights that sum to 1).

    >>> result = pool_effects([0.0, 4.0], [1.0, 1.0])
    >>> result.fixed.estimate, round(result.fixed.se, 3), result.tau2, result.i2
    (2.0, 0.707, 7.0, 0.875)
    >>> round(result.random.se, 3)
    2.0
    """
    import numpy as np
    from scipy.stats import norm
    from statsmodels.stats.meta_analysis import combine_effects

    y = np.asarray(effects, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"effects must hold at least 2 study estimates, got {len(np.atleast_1d(y))}")
    if se.shape != y.shape:
        raise ValueError(f"standard_errors must have one value per effect ({len(y)}), got {len(se)}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(se))):
        raise ValueError("effects and standard_errors must be finite numbers (no NaN or infinity)")
    if np.any(se <= 0):
        raise ValueError(f"standard_errors must all be above 0, got {se.tolist()}")
    names = [f"study {i + 1}" for i in range(len(y))] if labels is None else [str(x) for x in labels]
    if len(names) != len(y):
        raise ValueError(f"labels must have one name per effect ({len(y)}), got {len(names)}")

    res = combine_effects(y, se**2, method_re="chi2", row_names=names)
    frame = res.summary_frame()
    truncated = float(res.tau2) < 0  # statsmodels does not truncate the DL estimate at zero
    if truncated:
        frame.loc["random effect"] = frame.loc["fixed effect"]
    import pandas as pd

    studies = pd.DataFrame(
        {
            "label": names,
            "estimate": y,
            "se": se,
            "ci_low": frame["ci_low"].to_numpy()[: len(y)],
            "ci_high": frame["ci_upp"].to_numpy()[: len(y)],
            "weight_fixed": np.asarray(res.weights_rel_fe),
            "weight_random": np.asarray(res.weights_rel_fe if truncated else res.weights_rel_re),
        }
    )

    def pooled(model: str, row: str) -> PooledEstimate:
        est, sd = float(frame.loc[row, "eff"]), float(frame.loc[row, "sd_eff"])
        low, high = float(frame.loc[row, "ci_low"]), float(frame.loc[row, "ci_upp"])
        return PooledEstimate(model, est, sd, low, high, float(2 * norm.sf(abs(est) / sd)))

    fixed, random = pooled("fixed effect", "fixed effect"), pooled("random effects", "random effect")
    return PoolingResult(
        studies, fixed, random, q=float(res.q), i2=max(0.0, float(res.i2)), tau2=max(0.0, float(res.tau2))
    )


def pool_intervals(
    estimates: Sequence[float],
    ci_lows: Sequence[float],
    ci_highs: Sequence[float],
    labels: Sequence[str] | None = None,
    level: float = 0.95,
    dfs: Sequence[float] | None = None,
) -> PoolingResult:
    """Like :func:`pool_effects`, for studies reported as estimates with confidence intervals.

    ``dfs`` gives each interval's degrees of freedom when it came from a t distribution (for a
    two-group trial, the number analysed minus 2); without it the intervals are taken as normal.

    >>> round(pool_intervals([1.0, 3.0], [1 - 1.96, 3 - 3.92], [1 + 1.96, 3 + 3.92]).fixed.estimate, 6)
    1.4
    """
    if not len(estimates) == len(ci_lows) == len(ci_highs):
        raise ValueError("estimates, ci_lows and ci_highs must have the same length")
    degrees = [None] * len(estimates) if dfs is None else [float(d) for d in dfs]
    if len(degrees) != len(estimates):
        raise ValueError(f"dfs must have one value per estimate ({len(estimates)}), got {len(degrees)}")
    ses = [
        standard_error_from_ci(float(lo), float(hi), level, df)
        for lo, hi, df in zip(ci_lows, ci_highs, degrees, strict=True)
    ]
    return pool_effects(estimates, ses, labels)


def load_pooled_estimates(folder: str | Path | None = None) -> pd.DataFrame:
    """Published pooled estimates, with the standard error and P value each interval implies.

    >>> table = load_pooled_estimates().set_index("estimate_id")
    >>> float(table.loc["mahpitre2021-sol", "estimate"])
    -17.36
    >>> round(float(table.loc["mahpitre2021-tst", "p_from_ci"]), 2)
    0.15
    """
    frame = load("pooled_estimates.csv", folder)
    frame["se_from_ci"] = [
        standard_error_from_ci(float(lo), float(hi)) for lo, hi in zip(frame.ci_low, frame.ci_high, strict=True)
    ]
    frame["p_from_ci"] = [
        p_value_from_ci(float(e), float(lo), float(hi))
        for e, lo, hi in zip(frame.estimate, frame.ci_low, frame.ci_high, strict=True)
    ]
    return frame


def describe_pooled(estimate_id: str, folder: str | Path | None = None) -> str:
    """One published pooled estimate in plain words.

    >>> describe_pooled("mahpitre2021-tst")[:60]
    'Total sleep time: 16.06 min (95% CI -5.99 to 38.12), 2 studi'
    """
    table = load_pooled_estimates(folder)
    match = table[table.estimate_id == estimate_id]
    if match.empty:
        raise ValueError(f"estimate_id must be one of {', '.join(table.estimate_id)}, got {estimate_id!r}")
    row = match.iloc[0]
    reading = interval_reading(float(row.ci_low), float(row.ci_high), str(row.favours_magnesium))
    return (
        f"{str(row.outcome).capitalize()}: {float(row.estimate):.2f} {row.unit} "
        f"(95% CI {float(row.ci_low):.2f} to {float(row.ci_high):.2f}), "
        f"{int(row.n_studies)} studies, {int(row.n_participants)} people; {reading}; "
        f"published certainty {row.certainty_published}."
    )


def interval_reading(ci_low: float, ci_high: float, favours_magnesium: str) -> str:
    """What a 95% interval for a difference (magnesium minus placebo) says, in words.

    ``favours_magnesium`` is ``"lower"`` or ``"higher"``: which direction of the outcome is better for the
    person. An interval that includes zero leaves "no difference" compatible with the data; one that
    excludes zero shows a difference, and says in whose favour. The words "no difference" appear only in
    the first case.

    >>> interval_reading(-27.27, -7.44, "lower")
    'the whole interval is below zero: a difference in favour of magnesium'
    >>> interval_reading(-5.99, 38.12, "higher")
    'the interval includes zero, so no difference is compatible with the data'
    >>> interval_reading(2.0, 9.0, "lower")
    'the whole interval is above zero: a difference against magnesium'
    """
    if favours_magnesium not in ("lower", "higher"):
        raise ValueError(f"favours_magnesium must be 'lower' or 'higher', got {favours_magnesium!r}")
    if not ci_low <= ci_high:
        raise ValueError(f"ci_low must not be above ci_high, got {ci_low} and {ci_high}")
    if ci_low <= 0 <= ci_high:
        return "the interval includes zero, so no difference is compatible with the data"
    side = "below" if ci_high < 0 else "above"
    good = (side == "below") == (favours_magnesium == "lower")
    return f"the whole interval is {side} zero: a difference {'in favour of' if good else 'against'} magnesium"


# ------------------------------------------------------------------------------------------ named rules
#: How far a printed P value may be from the one its printed interval implies (it is rounded when printed).
P_VALUE_TOLERANCE = 0.005


@rule()
def estimates_lie_inside_their_interval(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A pooled estimate lies inside its confidence interval, whose low end is below its high end."""
    for record in rows:
        estimate, low, high = record["estimate"], record["ci_low"], record["ci_high"]
        if None not in (estimate, low, high) and not low < high:  # type: ignore[operator]
            yield rows.problem(record, "ci_high", f"ci_high {high:g} is not above ci_low {low:g}")
        elif None not in (estimate, low, high) and not low <= estimate <= high:  # type: ignore[operator]
            yield rows.problem(record, "estimate", f"estimate {estimate:g} is outside its interval {low:g} to {high:g}")


@rule()
def p_values_agree_with_their_interval(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A printed P value agrees (to its rounding) with the one its printed interval implies."""
    for record in rows:
        estimate, low, high, p = record["estimate"], record["ci_low"], record["ci_high"], record["p_value"]
        if None in (estimate, low, high, p) or not low < high or not low <= estimate <= high:  # type: ignore[operator]
            continue
        implied = p_value_from_ci(float(estimate), float(low), float(high))  # type: ignore[arg-type]
        if abs(implied - float(p)) > P_VALUE_TOLERANCE:  # type: ignore[arg-type]
            yield rows.problem(record, "p_value", f"P = {p:g}, but the interval implies P = {implied:.4f}")


@rule()
def study_counts_match_the_studies_listed(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """n_studies is the number of studies listed."""
    for record in rows:
        if record["n_studies"] is not None and record["studies"] is not None:
            listed = [s for s in str(record["studies"]).split(";") if s.strip()]
            if len(listed) != record["n_studies"]:
                yield rows.problem(record, "n_studies", f"{record['n_studies']} studies, but {len(listed)} are listed")
