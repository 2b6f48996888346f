"""Simulated trials: what a case report, an open-label pilot and a blinded RCT can and cannot show.

The model follows one patient through two visits on the IRLS (0-40, higher = worse). The screening
score ``S`` is the patient's true severity plus measurement noise; at follow-up the true severity has
fallen by that patient's placebo response (average ``placebo_response``, spread so that individual
changes have SD ``sd``), by ``true_effect`` if the patient got the treatment, and is measured with fresh
noise. Because ``S`` and the change are jointly normal, the change is drawn *given* ``S`` (two random
numbers per patient), which makes enrolling only patients with ``S >= enrol_min_score`` exact and
vectorised: selecting on a noisy score is what produces **regression to the mean** (Barnett et al. 2005,
doi 10.1093/ije/dyh299). Scores are clipped to the scale. The modelling decision that matters: the
placebo response and regression to the mean happen in every arm, so only a comparison with a blinded
control arm subtracts them. Patients' random numbers are drawn in seeded blocks, so with the same seed a
larger trial is the smaller one with patients added (:func:`_patient_draws`).

Realistic defaults (IRLS mean and SD, placebo response, SD of changes, noise) come from the sourced
table ``mgedu/data/design_parameters.csv`` (:func:`design_parameters`), never from code.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mgedu.rules import Corpus, Rows, rule
from mgedu.study_designs import SIMULATED_DESIGNS
from mgedu.tables import Column, Problem, Schema, derived_cache, load, source_column

if TYPE_CHECKING:
    import pandas as pd

#: Largest simulation allowed: n_trials x n_per_arm x arms (each patient costs ~40 bytes in flight).
MAX_SIMULATED_PATIENTS = 5_000_000

PARAMETERS_SCHEMA = Schema(
    (
        Column("parameter", pattern=r"[a-z][a-z0-9_]*"),
        Column("value", "float"),
        Column("unit"),
        Column(
            "kind",
            "category",
            vocab=("sourced", "derived", "assumption"),
            description="sourced: read in the source; derived: calculated from sourced numbers; "
            "assumption: illustrative, no published value found",
        ),
        Column("description"),
        source_column(description="URL or DOI read"),
        Column("notes", required=False),
    ),
    key="parameter",
    description="Parameters of the trial simulator, each with its source",
)


def design_parameters(folder: str | Path | None = None) -> pd.DataFrame:
    """The simulator's sourced parameters (one row each, with kind, source and notes).

    >>> table = design_parameters().set_index("parameter")
    >>> float(table.loc["placebo_response", "value"]), str(table.loc["measurement_noise_sd", "kind"])
    (6.58, 'assumption')
    """
    return load("design_parameters.csv", folder)


def parameter(name: str) -> float:
    """One parameter's value by name.

    >>> parameter("change_sd")
    8.67
    """
    values = _parameter_values()
    if name not in values:
        raise ValueError(f"parameter must be one of {', '.join(values)}, got {name!r}")
    return values[name]


@derived_cache
def _parameter_values() -> dict[str, float]:
    table = design_parameters()
    return {str(k): float(v) for k, v in zip(table.parameter, table.value, strict=True)}


def _noise_fits_two_visits(noise_sd: float, sd: float) -> bool:
    """Two noisy visits add 2 x noise_sd² to the variance of a change, so that cannot exceed sd²."""
    return 2 * noise_sd**2 <= sd**2


def _parameter_rows(rows: Rows) -> dict[str, dict[str, object]]:
    return {str(r["parameter"]): r for r in rows if r["parameter"] is not None and r["value"] is not None}


@rule()
def measurement_noise_fits_the_change_sd(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """The assumed measurement noise is at most change_sd / sqrt(2) (two noisy visits make one change)."""
    found = _parameter_rows(rows)
    if "measurement_noise_sd" in found and "change_sd" in found:
        noise, sd = float(found["measurement_noise_sd"]["value"]), float(found["change_sd"]["value"])  # type: ignore[arg-type]
        if not _noise_fits_two_visits(noise, sd):
            yield rows.problem(
                found["measurement_noise_sd"],
                "value",
                f"measurement_noise_sd {noise:g} is above change_sd / sqrt(2) = {sd / math.sqrt(2):.2f}",
            )


@rule()
def measurement_noise_is_below_the_baseline_sd(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """The assumed measurement noise is below the spread of observed baseline scores (which includes it)."""
    found = _parameter_rows(rows)
    if "measurement_noise_sd" in found and "baseline_sd" in found:
        noise, sd0 = float(found["measurement_noise_sd"]["value"]), float(found["baseline_sd"]["value"])  # type: ignore[arg-type]
        if not noise < sd0:
            yield rows.problem(
                found["measurement_noise_sd"],
                "value",
                f"measurement_noise_sd {noise:g} is not below baseline_sd {sd0:g}",
            )


def _check_range(name: str, value: float, low: float, high: float, unit: str = "") -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between {low:g} and {high:g}{unit}, got {value!r}") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise ValueError(f"{name} must be between {low:g} and {high:g}{unit}, got {value!r}")
    return number


def _check_int(name: str, value: int, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    if value < low or (high is not None and value > high):
        allowed = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return int(value)


def _draw_screening(
    rng: np.random.Generator, size: tuple[int, ...], mean: float, sd: float, minimum: float | None
) -> np.ndarray:
    """Screening scores ~ Normal(mean, sd), truncated below at ``minimum`` (exact inverse-CDF draw)."""
    if minimum is None:
        scores = rng.standard_normal(size)
        scores *= sd
        scores += mean
        return scores
    from scipy.special import ndtr, ndtri

    tail = ndtr(-(minimum - mean) / sd)  # P(S >= minimum)
    if tail < 1e-9:
        raise ValueError(f"enrol_min_score {minimum:g} is so far above the mean that nobody would enrol")
    u = 1.0 - rng.random(size)  # in (0, 1]
    return mean - sd * ndtri(u * tail)  # upper tail, numerically stable


#: Patients per arm whose random numbers are drawn together, from one seeded stream per block: patients
#: 1-16 of every arm from the first, 17-32 from the second, and so on.
PATIENT_BLOCK = 16
#: Largest pool of draws (n_trials x arms x patients, in whole blocks) kept for reuse: the trial
#: simulator's largest, 2,000 trials x 2 arms x 208 patients (two arrays of 6.7 MB).
DRAWS_KEPT_MAX_PATIENTS = 832_000


def _block_draws(
    seed: int, n_trials: int, arms: int, block: int, mean0: float, sd0: float, enrol_min_score: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Screening scores and standard normal deviates of one block of :data:`PATIENT_BLOCK` patients per arm."""
    rng = np.random.default_rng([seed, block])
    shape = (n_trials, arms, PATIENT_BLOCK)
    return _draw_screening(rng, shape, mean0, sd0, enrol_min_score), rng.standard_normal(shape)


class _DrawPool:
    """The draws of every arm's patients, block by block, drawn as they are first needed."""

    def __init__(
        self, seed: int, n_trials: int, arms: int, mean0: float, sd0: float, enrol_min_score: float | None
    ) -> None:
        self.key = (seed, n_trials, arms, mean0, sd0, enrol_min_score)
        self.blocks: list[tuple[np.ndarray, np.ndarray]] = []

    def first(self, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Read-only draws of patients 1 to ``n`` of every arm, one (screening, deviates) pair per block."""
        seed, n_trials, arms, mean0, sd0, minimum = self.key
        while len(self.blocks) * PATIENT_BLOCK < n:
            block = _block_draws(seed, n_trials, arms, len(self.blocks), mean0, sd0, minimum)
            for array in block:
                array.flags.writeable = False
            self.blocks.append(block)
        full, rest = divmod(n, PATIENT_BLOCK)
        last = [] if not rest else [(self.blocks[full][0][:, :, :rest], self.blocks[full][1][:, :, :rest])]
        return self.blocks[:full] + last


#: Pools kept: the trial simulator needs one per number of arms and screening rule (2 x 2; a case report
#: uses the first patient of the open-label pool), so switching designs back and forth reuses them. At
#: most 6 x 13.3 MB with 200 patients per arm, a few MB at the usual sizes.
_kept_pool = functools.lru_cache(maxsize=6)(_DrawPool)


def _patient_draws(
    seed: int, shape: tuple[int, int, int], mean0: float, sd0: float, enrol_min_score: float | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The random part of every patient: screening scores and standard normal deviates for the change.

    They are drawn in blocks of :data:`PATIENT_BLOCK` patients per arm (one (screening, deviates) pair
    of arrays each, the last cut to ``shape``), each block from its own stream seeded by ``seed`` and the
    block's number. So the draws of a patient do not depend on how many patients the trial has: with the
    same seed, a trial of 13 patients per arm is the trial of 12 with one more patient in each arm
    (common random numbers). Moving a slider then shows the same trials changing, not a fresh sample;
    and since the draws do not depend on the effect, the placebo response or the SD of changes either,
    the last few pools of draws (up to :data:`DRAWS_KEPT_MAX_PATIENTS`) are kept, read-only, and a
    simulation costs only its arithmetic.

    >>> [(s.shape, z.shape) for s, z in _patient_draws(1, (2, 1, 20), 20.0, 5.0, None)]
    [((2, 1, 16), (2, 1, 16)), ((2, 1, 4), (2, 1, 4))]
    >>> few, more = _patient_draws(1, (2, 1, 3), 20.0, 5.0, None), _patient_draws(1, (2, 1, 5), 20.0, 5.0, None)
    >>> bool((more[0][1][:, :, :3] == few[0][1]).all()), few[0][1].flags.writeable  # two more patients each
    (True, False)
    """
    n_trials, arms, n = shape
    if n_trials * arms * -(-n // PATIENT_BLOCK) * PATIENT_BLOCK <= DRAWS_KEPT_MAX_PATIENTS:
        return _kept_pool(seed, n_trials, arms, mean0, sd0, enrol_min_score).first(n)
    return _DrawPool(seed, n_trials, arms, mean0, sd0, enrol_min_score).first(n)


def _dropout_draws(seed: int, block: int, shape: tuple[int, int, int]) -> np.ndarray:
    """Uniform numbers deciding who of one block of patients drops out (a stream of its own per block)."""
    n_trials, arms, n = shape
    return np.random.default_rng([seed, block, 1]).random((n_trials, arms, PATIENT_BLOCK))[:, :, :n]


def _simulate_improvements(
    draws: tuple[np.ndarray, np.ndarray],
    effect: float,
    placebo: float,
    sd: float,
    noise: float,
    mean0: float,
    sd0: float,
    scale: tuple[float, float] | None,
) -> np.ndarray:
    """Improvement (screening minus follow-up score) of every patient; arm 0 is treated.

    ``draws`` are the screening scores S and standard normal deviates (:func:`_patient_draws`, left
    unchanged). The change is drawn given S: Cov(S, change) = noise^2 (the screening noise reappears,
    with the opposite sign, in the change), so E[change | S] rises with S and
    Var[change | S] = sd^2 - noise^4 / sd0^2. Computed in place (on new arrays) to keep memory and time low.
    """
    screening, z = draws
    change = z * math.sqrt(sd**2 - noise**4 / sd0**2)
    change += placebo - noise**2 / sd0**2 * mean0
    change += noise**2 / sd0**2 * screening
    change[:, 0, :] += effect
    if scale is None:
        return change
    follow_up = np.subtract(screening, change, out=change)
    np.clip(follow_up, *scale, out=follow_up)
    improvement = np.clip(screening, *scale)
    improvement -= follow_up
    return improvement


def simulate_trials(
    design: str,
    n_per_arm: int,
    true_effect: float = 0.0,
    placebo_response: float | None = None,
    sd: float | None = None,
    n_trials: int = 2000,
    seed: int = 0,
    *,
    enrol_min_score: float | None = None,
    noise_sd: float | None = None,
    baseline_mean: float | None = None,
    baseline_sd: float | None = None,
    dropout: float = 0.0,
    alpha: float = 0.05,
    clip: bool = True,
) -> pd.DataFrame:
    """Simulate ``n_trials`` trials of one design; one row per trial.

    Args:
        design: ``"case-report"`` (one patient, no p-value), ``"open-label"`` (one arm, before/after,
            paired t-test) or ``"rct"`` (treatment vs blinded placebo, two-sample t-test on changes).
        n_per_arm: patients per arm (exactly 1 for a case report).
        true_effect: improvement caused by the treatment itself (IRLS points; 0 = it does nothing).
        placebo_response: average improvement without any real effect (default: sourced table).
        sd: SD of individual changes in IRLS score (default: sourced table).
        n_trials: number of simulated trials; seed: random seed (same seed, same trials; with more
            patients per arm, the same trials with patients added: see :func:`_patient_draws`).
        enrol_min_score: enrol only patients whose noisy screening score is at least this (None: everyone).
        noise_sd, baseline_mean, baseline_sd: IRLS measurement noise and population (default: table).
        dropout: share of patients lost before follow-up at random; completers are analysed.
        alpha: significance level of the two-sided test.
        clip: keep scores on the 0-40 scale (True). False only to check the model against formulas.

    Returns:
        Columns ``trial, design, n_per_arm, n_analysed, estimate`` (improvement in IRLS points;
        for an RCT treatment minus placebo), ``ci_low, ci_high, p_value`` (NaN for a case report),
        ``significant`` (p < alpha, in either direction), ``improved`` (estimate > 0) and
        ``reports_benefit`` (what the study would be reported as showing: a significant improvement,
        or for a case report, a patient who improved).

    >>> trials = simulate_trials("rct", 50, true_effect=0, n_trials=2000, seed=1)
    >>> round(float(trials.significant.mean()), 2)  # a fair trial of a useless treatment: near alpha
    0.04
    >>> simulate_trials("case-report", 1, n_trials=3, seed=1).p_value.tolist()  # one patient: no test
    [nan, nan, nan]
    """
    import pandas as pd
    from scipy.special import stdtr, stdtrit

    if design not in SIMULATED_DESIGNS:
        raise ValueError(f"design must be one of {', '.join(SIMULATED_DESIGNS)}, got {design!r}")
    lowest = 1 if design == "case-report" else 2
    n = _check_int("n_per_arm", n_per_arm, lowest, 1 if design == "case-report" else None)
    n_trials = _check_int("n_trials", n_trials, 1)
    seed = _check_int("seed", seed, 0)
    lo, hi = parameter("irls_min"), parameter("irls_max")
    effect = _check_range("true_effect", true_effect, -hi, hi, " IRLS points")
    placebo = _check_range(
        "placebo_response",
        parameter("placebo_response") if placebo_response is None else placebo_response,
        -hi,
        hi,
        " IRLS points",
    )
    sd = _check_range("sd", parameter("change_sd") if sd is None else sd, 1e-9, hi, " IRLS points")
    noise = _check_range(
        "noise_sd", parameter("measurement_noise_sd") if noise_sd is None else noise_sd, 0, hi, " IRLS points"
    )
    mean0 = _check_range(
        "baseline_mean", parameter("baseline_mean") if baseline_mean is None else baseline_mean, lo, hi, " IRLS points"
    )
    sd0 = _check_range(
        "baseline_sd", parameter("baseline_sd") if baseline_sd is None else baseline_sd, 1e-9, hi, " IRLS points"
    )
    dropout = _check_range("dropout", dropout, 0, 0.9)
    alpha = _check_range("alpha", alpha, 1e-6, 0.5)
    if enrol_min_score is not None:
        enrol_min_score = _check_range("enrol_min_score", enrol_min_score, lo, hi, " IRLS points")
    if noise >= sd0:
        raise ValueError(f"noise_sd must be below baseline_sd ({sd0:g} points), got {noise:g}")
    if not _noise_fits_two_visits(noise, sd):
        raise ValueError(
            f"sd must be at least sqrt(2) x noise_sd = {math.sqrt(2) * noise:.2f} points (two noisy visits), got {sd:g}"
        )
    arms = 2 if design == "rct" else 1
    patients = n_trials * n * arms
    if patients > MAX_SIMULATED_PATIENTS:
        raise ValueError(
            f"n_trials x n_per_arm x arms must be at most {MAX_SIMULATED_PATIENTS:,} simulated "
            f"patients to fit in memory, got {n_trials:,} x {n} x {arms} = {patients:,}; "
            "use fewer trials"
        )

    # Per-arm sums, a block of patients at a time (dropped-out patients count as zero and are left out
    # of the counts).
    sums, squares, counts = np.zeros((n_trials, arms)), np.zeros((n_trials, arms)), np.zeros((n_trials, arms))
    scale = (lo, hi) if clip else None
    for block, draws in enumerate(_patient_draws(seed, (n_trials, arms, n), mean0, sd0, enrol_min_score)):
        improvement = _simulate_improvements(draws, effect, placebo, sd, noise, mean0, sd0, scale)
        if dropout > 0:
            kept = _dropout_draws(seed, block, improvement.shape) >= dropout
            improvement *= kept
            counts += kept.sum(axis=2)
        else:
            counts += improvement.shape[2]
        sums += improvement.sum(axis=2)
        squares += np.einsum("ijk,ijk->ij", improvement, improvement)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
        variances = (squares - sums * means) / (counts - 1)
        if design == "rct":
            estimate = means[:, 0] - means[:, 1]
            df = counts.sum(axis=1) - 2.0
            pooled = ((counts - 1) * variances).sum(axis=1) / df
            se = np.sqrt(pooled * (1.0 / counts).sum(axis=1))
        else:
            estimate, df = means[:, 0], counts[:, 0] - 1.0
            se = np.sqrt(variances[:, 0] / counts[:, 0])
        usable = (counts.min(axis=1) >= 2) & (se > 0) & (design != "case-report")
        p_value = np.where(usable, 2.0 * stdtr(df, -np.abs(estimate / se)), np.nan)
        # The critical t value for each distinct df (one, without dropout): stdtrit is an iterative inverse.
        distinct_df, which = np.unique(df, return_inverse=True)
        critical = stdtrit(distinct_df, 1.0 - alpha / 2.0)[which.reshape(df.shape)]
        margin = np.where(usable, critical * se, np.nan)
    n_analysed = counts.sum(axis=1).astype(int)
    significant = usable & (p_value < alpha)
    improved = estimate > 0
    return pd.DataFrame(
        {
            "trial": np.arange(n_trials),
            "design": design,
            "n_per_arm": n,
            "n_analysed": n_analysed,
            "estimate": estimate,
            "ci_low": estimate - margin,
            "ci_high": estimate + margin,
            "p_value": p_value,
            "significant": significant,
            "improved": improved,
            "reports_benefit": improved if design == "case-report" else significant & improved,
        }
    )


def false_positive_rate(design: str, n_per_arm: int, **options: float | int | None) -> float:
    """Share of trials that conclude "it works" although the treatment does nothing (``true_effect=0``).

    For an open-label trial or an RCT that is the share with p < alpha (either direction: the usual
    type I error rate, which for a fair RCT sits near alpha). A case report has no test; it counts as
    positive when its one patient improved. Options are passed to :func:`simulate_trials`.

    >>> round(false_positive_rate("rct", 30, n_trials=4000, seed=2), 2)
    0.05
    """
    if "true_effect" in options:
        raise ValueError("false_positive_rate always uses true_effect=0; use power() for a real effect")
    trials = simulate_trials(design, n_per_arm, 0.0, **options)  # type: ignore[arg-type]
    column = "improved" if design == "case-report" else "significant"
    return float(trials[column].mean())


def power(design: str, n_per_arm: int, true_effect: float, **options: float | int | None) -> float:
    """Share of simulated trials reporting a benefit when the treatment truly improves IRLS by true_effect.

    This is the simulated **power** (options are passed to :func:`simulate_trials`).

    >>> round(power("rct", 132, 3.0, n_trials=4000, seed=3), 1)
    0.8
    """
    return float(simulate_trials(design, n_per_arm, true_effect, **options).reports_benefit.mean())  # type: ignore[arg-type]


def required_n_per_arm(effect_points: float, sd: float | None = None, alpha: float = 0.05, power: float = 0.8) -> int:
    """Patients per arm a two-arm trial needs to detect ``effect_points`` (two-sided t-test, statsmodels).

    ``sd`` is the SD of individual changes in IRLS score (default: the sourced table).

    >>> required_n_per_arm(3.0, sd=8.67)
    133
    """
    from statsmodels.stats.power import TTestIndPower

    effect = _check_range("effect_points", effect_points, 1e-6, 40, " IRLS points")
    sd = _check_range("sd", parameter("change_sd") if sd is None else sd, 1e-6, 40, " IRLS points")
    alpha = _check_range("alpha", alpha, 1e-6, 0.5)
    power = _check_range("power", power, alpha + 1e-6, 0.999)
    n = TTestIndPower().solve_power(
        effect_size=effect / sd, alpha=alpha, power=power, ratio=1.0, alternative="two-sided"
    )
    return int(math.ceil(float(n)))


def power_curve(
    design: str,
    n_values: list[int],
    true_effect: float,
    n_trials: int = 2000,
    seed: int = 0,
    **options: float | int | None,
) -> pd.DataFrame:
    """Simulated share of trials reporting a benefit for each n, with a 95 % interval and the formula value.

    ``formula`` is the textbook t-test power from statsmodels (two-sample for an RCT, paired for
    open-label, whose "effect" then includes the placebo response); NaN for case reports.

    >>> curve = power_curve("rct", [20, 132], 3.0, n_trials=1000, seed=4)
    >>> curve.n_per_arm.tolist(), bool(curve.power.iloc[1] > curve.power.iloc[0])
    ([20, 132], True)
    """
    import pandas as pd
    from statsmodels.stats.power import TTestIndPower, TTestPower

    if not n_values:
        raise ValueError("n_values must list at least one number of patients per arm, got an empty list")
    sd = parameter("change_sd") if options.get("sd") is None else float(options["sd"])  # type: ignore[arg-type]
    placebo = (
        parameter("placebo_response") if options.get("placebo_response") is None else float(options["placebo_response"])
    )  # type: ignore[arg-type]
    alpha = float(options.get("alpha") or 0.05)
    rows = []
    for i, n in enumerate(n_values):  # one vectorised simulation per n (a handful of n values)
        share = power(design, n, true_effect, n_trials=n_trials, seed=seed + i, **options)
        half = 1.96 * math.sqrt(share * (1 - share) / n_trials)
        if design == "rct":
            formula = TTestIndPower().power(effect_size=true_effect / sd, nobs1=n, alpha=alpha)
        elif design == "open-label":
            formula = TTestPower().power(effect_size=(true_effect + placebo) / sd, nobs=n, alpha=alpha)
        else:
            formula = float("nan")
        rows.append(
            {
                "n_per_arm": n,
                "power": share,
                "ci_low": max(0.0, share - half),
                "ci_high": min(1.0, share + half),
                "formula": float(formula),
            }
        )
    return pd.DataFrame(rows)


def expected_regression_to_mean(
    enrol_min_score: float,
    baseline_mean: float | None = None,
    baseline_sd: float | None = None,
    noise_sd: float | None = None,
) -> float:
    """Average "improvement" from regression to the mean alone, when only patients scoring at least
    ``enrol_min_score`` at screening are enrolled (Barnett et al. 2005 formula; no clipping).

    >>> round(expected_regression_to_mean(24), 2)
    0.91
    """
    from scipy.special import ndtr

    mean0 = parameter("baseline_mean") if baseline_mean is None else float(baseline_mean)
    sd0 = parameter("baseline_sd") if baseline_sd is None else float(baseline_sd)
    noise = parameter("measurement_noise_sd") if noise_sd is None else float(noise_sd)
    cut = _check_range("enrol_min_score", enrol_min_score, parameter("irls_min"), parameter("irls_max"))
    z = (cut - mean0) / sd0
    hazard = math.exp(-z * z / 2) / math.sqrt(2 * math.pi) / float(ndtr(-z))
    return noise**2 / sd0 * hazard


def regression_to_mean_table(cuts: list[float], n_trials: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Regression to the mean alone: no treatment, no placebo response, only a screening cut-off.

    For each cut-off: the share of people who would qualify, the average "improvement" of simulated
    open-label studies of 100 patients, and Barnett's formula. Scores may run off the 0-40 scale here,
    so that the simulation can be compared with the formula (which knows no scale).

    >>> regression_to_mean_table([24]).columns.tolist()
    ['enrol_min_score', 'share_enrolled', 'simulated_improvement', 'formula']
    """
    import pandas as pd
    from scipy.special import ndtr

    mean0, sd0 = parameter("baseline_mean"), parameter("baseline_sd")
    rows = []
    for i, cut in enumerate(cuts):
        trials = simulate_trials(
            "open-label", 100, 0.0, 0.0, n_trials=n_trials, seed=seed + i, enrol_min_score=cut, clip=False
        )
        rows.append(
            {
                "enrol_min_score": cut,
                "share_enrolled": float(ndtr((mean0 - cut) / sd0)),
                "simulated_improvement": float(trials.estimate.mean()),
                "formula": expected_regression_to_mean(cut),
            }
        )
    return pd.DataFrame(rows)


def simulate_for_display(
    design: str,
    n_per_arm: int,
    true_effect: float,
    placebo_response: float,
    regression_to_mean: bool,
    n_trials: int = 2000,
    seed: int = 2024,
) -> pd.DataFrame:
    """Cached :func:`simulate_trials` for the widget (regression to the mean on: strict screening cut-off).

    The trial simulator's readout and figure both ask for the same trials after every change, one
    with the defaults spelled out and one without; both find the same cached run, and each caller
    gets its own copy of the table.

    >>> _simulated_for_display.cache_clear()
    >>> readout = simulate_for_display("rct", 12, 0.0, 6.58, False, 2000, 2024)
    >>> figure = simulate_for_display("rct", 12, 0.0, 6.58, False)
    >>> _simulated_for_display.cache_info().hits, len(figure), figure is readout
    (1, 2000, False)
    """
    key = (design, n_per_arm, true_effect, placebo_response, regression_to_mean, n_trials, seed)
    return _simulated_for_display(*key).copy()


@derived_cache
def _simulated_for_display(
    design: str,
    n_per_arm: int,
    true_effect: float,
    placebo_response: float,
    regression_to_mean: bool,
    n_trials: int,
    seed: int,
) -> pd.DataFrame:
    n = 1 if design == "case-report" else n_per_arm
    cut = parameter("severe_subgroup_min_irls") if regression_to_mean else None
    return simulate_trials(design, n, true_effect, placebo_response, n_trials=n_trials, seed=seed, enrol_min_score=cut)


def describe_trial_simulation(
    design: str,
    n_per_arm: int,
    true_effect: float,
    placebo_response: float,
    regression_to_mean: bool,
    n_trials: int = 2000,
    seed: int = 2024,
) -> str:
    """The one-sentence readout of the trial simulator.

    >>> describe_trial_simulation("rct", 12, 0.0, 6.58, False)[:60]
    'With no real effect, 2 % of placebo-controlled RCTs with 12 '
    """
    trials = simulate_for_display(
        design, int(n_per_arm), float(true_effect), float(placebo_response), bool(regression_to_mean), n_trials, seed
    )
    share = 100 * float(trials.reports_benefit.mean())
    average = float(trials.estimate.mean())
    premise = "With no real effect" if true_effect == 0 else f"With a real effect of {true_effect:g} IRLS points"
    if design == "case-report":
        what = "case reports would describe a patient who improved (a single case has no p-value)"
    elif design == "open-label":
        what = f"{n_per_arm}-patient open-label trials would report a significant improvement"
    else:
        what = f"placebo-controlled RCTs with {n_per_arm} patients per arm would report a significant benefit"
    return f"{premise}, {share:.0f} % of {what}; the average estimate was {average:+.1f} points."


def cited_studies_on_ladder() -> pd.DataFrame:
    """The studies the five articles cite (through their audited claims), placed on the design ladder.

    One row per ladder rung that holds at least one cited study, strongest first: the rung, the
    design, whether the design can support a causal claim, and the studies (``studies``: id and n;
    ``names``: as readers name them, e.g. "Hornyak 1998 (10 people)").

    >>> ladder = cited_studies_on_ladder()
    >>> ladder.set_index("design").loc["case-report", "studies"]
    'bartell2006 (n = 1)'
    """
    import pandas as pd

    from mgedu.evidence import design_ladder
    from mgedu.seeds import load_claims
    from mgedu.studies import load_studies, study_label

    claims = load_claims()
    cited = claims.dropna(subset=["study_id"]).groupby("study_id").size().rename("claims")
    studies = load_studies().merge(cited, left_on="study_id", right_index=True)
    studies = studies.sort_values(["design", "year", "study_id"], ascending=[True, False, True])
    studies["entry"] = [
        f"{sid} (n = {n})" if n is not pd.NA else sid for sid, n in zip(studies.study_id, studies.n, strict=True)
    ]
    studies["name"] = [
        study_label(sid) if n is pd.NA else f"{study_label(sid)} ({n} {'person' if n == 1 else 'people'})"
        for sid, n in zip(studies.study_id, studies.n, strict=True)
    ]
    grouped = (
        studies.groupby("design", observed=True)
        .agg(studies=("entry", ", ".join), names=("name", "; ".join), claims=("claims", "sum"))
        .reset_index()
    )
    ladder = design_ladder()[["rung", "design", "label", "causal"]]
    table = ladder.merge(grouped, on="design", how="inner")
    table["design"] = table["design"].astype(str)
    return table.reset_index(drop=True)
