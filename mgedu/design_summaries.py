"""What simulated study designs show, in the tables and sentences a learner reads (notebook 03).

:mod:`mgedu.designs` simulates trials; this module turns its seeded simulations into what a learner sees
once they have committed to a prediction: one useless pill tested by three designs, the repeats of one
small trial (how often p < 0.05, how wide a typical confidence interval is), regression to the mean at
several screening cut-offs, and the studies the articles cite placed on the design ladder under the
names readers use. The predictions of notebook 03 (:mod:`mgedu.practice.predictions`) take their results
from the same functions and seeds, so the number a learner is told and the chart beside it always agree.
Simulations are cached (they are seeded, so a cached result is the result); callers get copies. Tables
carry their caption in ``attrs["caption"]`` for :func:`mgedu.display.show_table`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.designs import (
    cited_studies_on_ladder,
    expected_regression_to_mean,
    parameter,
    regression_to_mean_table,
    simulate_trials,
)
from mgedu.study_designs import SIMULATED_DESIGNS, simulated_design_labels
from mgedu.tables import derived_cache

if TYPE_CHECKING:
    import pandas as pd

#: The useless pill, tested three ways: (design, patients per arm).
NO_EFFECT_DESIGNS: tuple[tuple[str, int], ...] = (("case-report", 1), ("open-label", 12), ("rct", 12))
NO_EFFECT_TRIALS = 4000
NO_EFFECT_SEED = 3
REPEATS = 2000
REPEAT_SEED = 5
DASH = "–"


def signed_points(value: float) -> str:
    """A number of points with its sign and one decimal, never "-0.0" (a mean of -0.04 reads "+0.0").

    >>> signed_points(-0.04), signed_points(6.45)
    ('+0.0', '+6.5')
    """
    value = float(value)
    return f"{0.0 if round(value, 1) == 0 else value:+.1f}"


@derived_cache
def _no_effect_trials(n_trials: int, seed: int) -> pd.DataFrame:
    import pandas as pd

    return pd.concat(
        [simulate_trials(design, n, 0.0, n_trials=n_trials, seed=seed) for design, n in NO_EFFECT_DESIGNS],
        ignore_index=True,
    )


def no_effect_trials(n_trials: int = NO_EFFECT_TRIALS, seed: int = NO_EFFECT_SEED) -> pd.DataFrame:
    """A pill that does nothing, tested ``n_trials`` times by each design of :data:`NO_EFFECT_DESIGNS`.

    One row per simulated study (columns of :func:`mgedu.designs.simulate_trials`); the placebo response
    and the other settings are the sourced defaults.

    >>> trials = no_effect_trials(n_trials=50)
    >>> trials.groupby("design", sort=False).size().to_dict()
    {'case-report': 50, 'open-label': 50, 'rct': 50}
    """
    return _no_effect_trials(int(n_trials), int(seed)).copy()


def _design_rows(trials: pd.DataFrame, design: str) -> pd.DataFrame:
    if design not in SIMULATED_DESIGNS:
        raise ValueError(f"design must be one of {', '.join(SIMULATED_DESIGNS)}, got {design!r}")
    rows = trials[trials["design"] == design]
    if rows.empty:
        present = ", ".join(dict.fromkeys(trials["design"].astype(str))) or "none"
        raise ValueError(f"trials hold no {design!r} studies (designs present: {present})")
    return rows


def share_at_least(trials: pd.DataFrame, design: str, points: float) -> float:
    """Percentage of ``design``'s simulated studies whose estimated improvement is at least ``points``.

    >>> round(share_at_least(no_effect_trials(), "rct", 6.67), 1)
    2.5
    """
    return 100 * float((_design_rows(trials, design)["estimate"] >= points).mean())


def share_significant(trials: pd.DataFrame, design: str) -> float:
    """Percentage of ``design``'s simulated studies with p < 0.05 (either direction); not for a case report.

    >>> round(share_significant(no_effect_trials(), "open-label"))
    68
    """
    if design == "case-report":
        raise ValueError("design 'case-report' has no p-value (one patient); choose open-label or rct")
    return 100 * float(_design_rows(trials, design)["significant"].mean())


def design_outcomes(trials: pd.DataFrame, observed: float, observed_label: str = "the pilot") -> pd.DataFrame:
    """One row per design: its average estimate, how often it matched ``observed``, how often p < 0.05.

    Values are formatted for reading (units in the column names); a case report has no test (a dash).

    >>> table = design_outcomes(no_effect_trials(), 6.67, "the 2024 pilot")
    >>> table.loc["open-label (before/after)"].tolist()
    ['+6.5', '46 %', '68 %']
    """
    import pandas as pd

    at_least = f"Improved by at least as much as {observed_label} ({observed:g} points)"
    rows = {}
    for design in dict.fromkeys(trials["design"].astype(str)):
        group = _design_rows(trials, design)
        rows[simulated_design_labels(design).label] = {
            "Average estimated improvement (IRLS points)": signed_points(float(group["estimate"].mean())),
            at_least: f"{share_at_least(trials, design, observed):.0f} %",
            "'Significant' (p < 0.05)": (
                DASH if design == "case-report" else f"{share_significant(trials, design):.0f} %"
            ),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "Design (pill does nothing)"
    table.attrs["caption"] = "A pill that does nothing, tested by each design"
    return table


def ropinirole_sized_effect() -> int:
    """The true effect used for "a pill that really helps": what ropinirole added over placebo, in whole points.

    >>> ropinirole_sized_effect()
    3
    """
    return round(parameter("ropinirole_difference"))


@derived_cache
def _repeated_trials(n_per_arm: int, true_effect: float, n_trials: int, seed: int) -> pd.DataFrame:
    return simulate_trials("rct", n_per_arm, true_effect, n_trials=n_trials, seed=seed)


def repeated_trials(
    n_per_arm: int, true_effect: float | None = None, n_trials: int = REPEATS, seed: int = REPEAT_SEED
) -> pd.DataFrame:
    """The same blinded RCT run ``n_trials`` times (default effect: :func:`ropinirole_sized_effect`).

    >>> repeated_trials(12, n_trials=5).estimate.round(1).tolist()
    [-0.1, -2.4, 1.0, 6.1, 2.6]
    """
    effect = float(ropinirole_sized_effect() if true_effect is None else true_effect)
    return _repeated_trials(int(n_per_arm), effect, int(n_trials), int(seed)).copy()


def share_below(trials: pd.DataFrame, alpha: float = 0.05) -> float:
    """Percentage of the trials with p < ``alpha`` (the share the dance of the p-values shows).

    >>> round(share_below(repeated_trials(12)))
    12
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    p = trials["p_value"].dropna()
    if p.empty:
        raise ValueError("trials have no p-values (a case report has none)")
    return 100 * float((p < alpha).mean())


def describe_repeats(trials_by_label: dict[str, pd.DataFrame], true_effect: float | None = None) -> str:
    """One sentence per trial size: how often p < 0.05, and how wide a typical 95 % confidence interval was.

    >>> print(describe_repeats({"12 per arm": repeated_trials(12)}))  # doctest: +NORMALIZE_WHITESPACE
    12 per arm: 12 % of 2,000 repeats had p < 0.05; a typical 95 % confidence interval was 13.9 points
    wide (for example from -4.1 to +9.8), so it held both "no effect" and effects far larger than the
    true 3 points.
    """
    effect = float(ropinirole_sized_effect() if true_effect is None else true_effect)
    lines = []
    for label, trials in trials_by_label.items():
        width = float((trials["ci_high"] - trials["ci_low"]).median())
        centre = float(trials["estimate"].median())
        low, high = centre - width / 2, centre + width / 2
        if low <= 0 <= high:
            holds = f'so it held both "no effect" and effects far larger than the true {effect:g} points'
        else:
            holds = f'so it excluded "no effect" and pinned the effect near the true {effect:g} points'
        lines.append(
            f"{label}: {share_below(trials):.0f} % of {len(trials):,} repeats had p < 0.05; a typical "
            f"95 % confidence interval was {width:.1f} points wide (for example from {low:+.1f} to "
            f"{high:+.1f}), {holds}."
        )
    return "\n".join(lines)


def regression_to_mean_cut_offs() -> list[float]:
    """Screening cut-offs to compare: a large trial's entry score, the ropinirole programme's, and 30.

    >>> regression_to_mean_cut_offs()
    [15.0, 24.0, 30.0]
    """
    return [parameter("trial_inclusion_min_irls"), parameter("severe_subgroup_min_irls"), 30.0]


def regression_to_mean_summary(cuts: list[float] | None = None) -> pd.DataFrame:
    """Regression to the mean alone (no pill, no placebo response), in words a learner reads.

    >>> regression_to_mean_summary([24]).iloc[0].tolist()
    ['57 %', '+0.9', '+0.9']
    """
    table = regression_to_mean_table(regression_to_mean_cut_offs() if cuts is None else list(cuts))
    shown = table.assign(
        share=[f"{100 * s:.0f} %" for s in table.share_enrolled],
        simulated=[signed_points(v) for v in table.simulated_improvement],
        formula=[signed_points(v) for v in table.formula],
    ).set_index("enrol_min_score")[["share", "simulated", "formula"]]
    shown.index = [f"{cut:g}" for cut in shown.index]
    shown.index.name = "Enrolled if the screening score was at least (IRLS points)"
    shown.columns = [
        "Share of people who qualify",
        "Average 'improvement', simulated (IRLS points)",
        "Average 'improvement', formula (IRLS points)",
    ]
    shown.attrs["caption"] = "Regression to the mean alone: no pill, no placebo response"
    return shown


def regression_to_mean_at(cut: float | None = None) -> float:
    """Average "improvement" from regression to the mean alone at one cut-off (default: the ropinirole programme's).

    >>> round(regression_to_mean_at(), 2)
    0.91
    """
    return expected_regression_to_mean(parameter("severe_subgroup_min_irls") if cut is None else cut)


def cited_studies_table() -> pd.DataFrame:
    """The studies the five articles cite, one row each, on the design ladder (strongest rung first).

    Columns: the rung, the design, whether it can show cause and effect, the study as readers name it,
    and how many people it had (a dash where a document has no participants of its own, such as a
    review). Show it with ``show_table(..., index=False)``.

    >>> table = cited_studies_table()
    >>> table[table.Study == "Bartell 2006"].values.tolist()
    [['6', 'Case report or case series', 'no', 'Bartell 2006', '1']]
    """
    import pandas as pd

    from mgedu.seeds import load_claims
    from mgedu.studies import load_studies, study_label

    cited = set(load_claims()["study_id"].dropna().astype(str))
    studies = load_studies()
    studies = studies[studies["study_id"].astype(str).isin(cited)]
    rows = []
    for rung in cited_studies_on_ladder().itertuples():
        group = studies[studies["design"].astype(str) == str(rung.design)]
        for study in group.sort_values(["year", "study_id"], ascending=[False, True]).itertuples():
            rows.append(
                (
                    DASH if pd.isna(rung.rung) else f"{int(rung.rung)}",
                    str(rung.label),
                    str(rung.causal),
                    study_label(str(study.study_id)),
                    DASH if pd.isna(study.n) else f"{int(study.n)}",
                )
            )
    table = pd.DataFrame(
        rows, columns=["Rung (1 = strongest)", "Design", "Can show cause and effect", "Study", "People"]
    )
    table.attrs["caption"] = "The studies the five articles cite, on the design ladder"
    return table
