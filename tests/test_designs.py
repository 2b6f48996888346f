"""The trial simulator: statistics checked against scipy and statsmodels, the model against formulas,
every bad input, the plots and the widget."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import TTestIndPower, TTestPower

from mgedu import designs
from mgedu.designs import (
    cited_studies_on_ladder,
    describe_trial_simulation,
    design_parameters,
    expected_regression_to_mean,
    false_positive_rate,
    parameter,
    power,
    power_curve,
    required_n_per_arm,
    simulate_for_display,
    simulate_trials,
)
from mgedu.plots import alt_text
from mgedu.plots.designs import (
    estimate_bins,
    plot_estimate_distributions,
    plot_p_value_dance,
    plot_power_curve,
    update_estimate_distributions,
)

# --- the sourced parameter table ---------------------------------------------------------------


def test_every_parameter_has_a_source_and_a_kind():
    table = design_parameters()
    assert table.source.str.len().min() > 10
    assert set(table.kind.astype(str)) <= {"sourced", "derived", "assumption"}
    kinds = dict(zip(table.parameter, table.kind.astype(str), strict=True))
    assert kinds["placebo_response"] == "sourced" and kinds["change_sd"] == "derived"
    assert kinds["measurement_noise_sd"] == "assumption"  # no published test-retest SD was found


def test_derived_change_sd_follows_from_the_trial_standard_errors():
    # TREAT RLS 1: SE 0.738 with 138 on placebo, SE 0.719 with 146 on ropinirole (see the notes column)
    assert round(0.738 * math.sqrt(138), 2) == parameter("change_sd")
    assert abs(0.719 * math.sqrt(146) - parameter("change_sd")) < 0.05
    notes = design_parameters().set_index("parameter").loc["change_sd", "notes"]
    assert "0.738" in notes and "138" in notes


def test_the_assumed_noise_respects_its_sourced_bound():
    assert parameter("measurement_noise_sd") < parameter("change_sd") / math.sqrt(2)


def test_the_table_is_checked_by_mgedu_check_and_by_its_loader(corpus):
    from mgedu.tables import DataError
    from mgedu.validation import validate

    assert [p for p in validate() if p.file == "design_parameters.csv"] == []
    lines = corpus.lines("design_parameters.csv")
    row = next(i for i, line in enumerate(lines) if line.startswith("change_sd,"))
    lines[row] = lines[row].replace(",derived,", ",guessed,", 1)
    corpus.write_lines("design_parameters.csv", lines)
    expected = f"design_parameters.csv:{row + 1}:kind: unknown value 'guessed'"
    assert [str(p)[: len(expected)] for p in validate(corpus.seeds, corpus.data)] == [expected]
    with pytest.raises(DataError, match=expected):
        design_parameters(corpus.data)


def test_unknown_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match="parameter must be one of .*got 'irls_sd'"):
        parameter("irls_sd")


# --- statistics: the vectorised tests equal scipy's, trial by trial --------------------------------

DEFAULTS = dict(
    effect=2.0,
    placebo=parameter("placebo_response"),
    sd=parameter("change_sd"),
    noise=parameter("measurement_noise_sd"),
    mean0=parameter("baseline_mean"),
    sd0=parameter("baseline_sd"),
    scale=(0.0, 40.0),
)


def raw_improvements(seed: int, shape: tuple[int, int, int]) -> np.ndarray:
    blocks = designs._patient_draws(seed, shape, DEFAULTS["mean0"], DEFAULTS["sd0"], None)
    return np.concatenate([designs._simulate_improvements(draws, **DEFAULTS) for draws in blocks], axis=2)


def test_rct_p_values_and_intervals_equal_scipy_two_sample_t_test():
    trials = simulate_trials("rct", 15, 2.0, n_trials=40, seed=7)
    data = raw_improvements(7, (40, 2, 15))
    result = stats.ttest_ind(data[:, 0], data[:, 1], axis=1)
    np.testing.assert_allclose(trials.p_value, result.pvalue, rtol=1e-9)
    np.testing.assert_allclose(trials.estimate, data[:, 0].mean(axis=1) - data[:, 1].mean(axis=1))
    interval = result.confidence_interval(0.95)
    np.testing.assert_allclose(trials.ci_low, interval.low, rtol=1e-9)
    np.testing.assert_allclose(trials.ci_high, interval.high, rtol=1e-9)


def test_open_label_p_values_equal_scipy_paired_t_test():
    trials = simulate_trials("open-label", 12, 2.0, n_trials=40, seed=8)
    data = raw_improvements(8, (40, 1, 12))[:, 0]
    result = stats.ttest_1samp(data, 0.0, axis=1)
    np.testing.assert_allclose(trials.p_value, result.pvalue, rtol=1e-9)
    assert (trials.significant == (trials.p_value < 0.05)).all()
    assert (trials.reports_benefit == (trials.significant & (trials.estimate > 0))).all()


def test_scores_stay_on_the_scale():
    trials = simulate_trials("open-label", 30, 40.0, n_trials=200, seed=1)
    assert trials.estimate.max() <= 40 and trials.estimate.min() >= -40
    assert (trials.estimate > 15).all()  # a 40-point effect on people scoring ~25 is capped by the floor


def test_same_seed_same_trials_and_new_seed_new_trials():
    a = simulate_trials("rct", 10, n_trials=50, seed=3)
    assert a.equals(simulate_trials("rct", 10, n_trials=50, seed=3))
    assert not a.estimate.equals(simulate_trials("rct", 10, n_trials=50, seed=4).estimate)


# --- what the designs can show ----------------------------------------------------------------


@pytest.mark.parametrize("n", [12, 100])
def test_rct_false_positive_rate_sits_near_alpha(n):
    rate = false_positive_rate("rct", n, n_trials=20_000, seed=11)
    assert abs(rate - 0.05) < 0.01  # binomial SE 0.0015: six SEs of room


def test_open_label_false_positive_rate_is_the_power_to_detect_the_placebo_response():
    rate = false_positive_rate("open-label", 12, n_trials=20_000, seed=12, clip=False)
    effect_size = parameter("placebo_response") / parameter("change_sd")
    expected = TTestPower().power(effect_size=effect_size, nobs=12, alpha=0.05)
    assert abs(rate - expected) < 0.015
    assert rate > 0.5  # far above alpha: the design cannot tell placebo from treatment


def test_open_label_without_placebo_or_selection_is_fair():
    assert (
        abs(false_positive_rate("open-label", 12, placebo_response=0.0, n_trials=20_000, seed=13, clip=False) - 0.05)
        < 0.01
    )


def test_case_report_has_no_test_and_counts_an_improved_patient_as_positive():
    trials = simulate_trials("case-report", 1, n_trials=500, seed=5)
    assert trials.p_value.isna().all() and trials.ci_low.isna().all() and not trials.significant.any()
    assert (trials.reports_benefit == (trials.estimate > 0)).all()
    assert false_positive_rate("case-report", 1, n_trials=500, seed=5) == trials.improved.mean()


def test_required_n_matches_statsmodels_and_the_simulation():
    assert required_n_per_arm(5.0, sd=10.0) == 64  # statsmodels: 63.77 for d = 0.5
    n = required_n_per_arm(3.0)
    expected = TTestIndPower().solve_power(effect_size=3.0 / parameter("change_sd"), alpha=0.05, power=0.8)
    assert n == math.ceil(expected)
    simulated = power("rct", n, 3.0, n_trials=10_000, seed=21, clip=False)
    assert abs(simulated - 0.80) < 0.02
    assert power("rct", n // 2, 3.0, n_trials=10_000, seed=22, clip=False) < 0.6


def test_power_curve_agrees_with_the_formula_and_rises_with_n():
    curve = power_curve("rct", [10, 40, 160], 3.0, n_trials=6000, seed=30, clip=False)
    assert (abs(curve.power - curve.formula) < 0.025).all()
    assert curve.power.is_monotonic_increasing
    assert (curve.ci_low <= curve.power).all() and (curve.power <= curve.ci_high).all()
    assert power_curve("case-report", [1], 0.0, n_trials=100).formula.isna().all()


@pytest.mark.parametrize("cut", [15.0, 24.0, 30.0])
def test_regression_to_the_mean_matches_barnett_formula(cut):
    trials = simulate_trials("open-label", 200, 0.0, 0.0, n_trials=1000, seed=40, enrol_min_score=cut, clip=False)
    assert abs(trials.estimate.mean() - expected_regression_to_mean(cut)) < 0.06


def test_no_selection_means_no_regression_to_the_mean():
    trials = simulate_trials("open-label", 200, 0.0, 0.0, n_trials=1000, seed=41, clip=False)
    assert abs(trials.estimate.mean()) < 0.06
    assert expected_regression_to_mean(15) < expected_regression_to_mean(24) < expected_regression_to_mean(30)


def test_randomised_control_cancels_placebo_response_and_regression_to_the_mean():
    trials = simulate_trials("rct", 100, 0.0, n_trials=2000, seed=42, enrol_min_score=24.0)
    assert abs(trials.estimate.mean()) < 0.1
    assert simulate_trials("open-label", 100, 0.0, n_trials=500, seed=42).estimate.mean() > 5


def test_dropout_leaves_fewer_patients_to_analyse():
    trials = simulate_trials("rct", 50, n_trials=400, seed=9, dropout=0.21)
    assert abs(trials.n_analysed.mean() - 100 * 0.79) < 1.0
    assert trials.n_analysed.max() < 100


# --- bad input: a clear ValueError naming the parameter, the value and the range -----------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(design="cohort", n_per_arm=10), "design must be one of case-report, open-label, rct, got 'coh"),
        (dict(design="rct", n_per_arm=-5), "n_per_arm must be >= 2, got -5"),
        (dict(design="open-label", n_per_arm=1), "n_per_arm must be >= 2, got 1"),
        (dict(design="case-report", n_per_arm=3), "n_per_arm must be between 1 and 1, got 3"),
        (dict(design="rct", n_per_arm=2.5), "n_per_arm must be a whole number >= 2, got 2.5"),
        (dict(design="rct", n_per_arm=10, n_trials=0), "n_trials must be >= 1, got 0"),
        (dict(design="rct", n_per_arm=10, sd=0), "sd must be between 1e-09 and 40 IRLS points, got 0"),
        (dict(design="rct", n_per_arm=10, sd=-2), "sd must be between"),
        (dict(design="rct", n_per_arm=10, sd=3.0), r"sd must be at least sqrt\(2\) x noise_sd = 4.24"),
        (dict(design="rct", n_per_arm=10, noise_sd=7.0), "noise_sd must be below baseline_sd"),
        (dict(design="rct", n_per_arm=10, true_effect=float("nan")), "true_effect must be between -40 and"),
        (dict(design="rct", n_per_arm=10, dropout=1.0), "dropout must be between 0 and 0.9, got 1.0"),
        (dict(design="rct", n_per_arm=10, alpha=0), "alpha must be between"),
        (dict(design="rct", n_per_arm=10, enrol_min_score=45), "enrol_min_score must be between 0 and 40"),
        (dict(design="rct", n_per_arm=10, seed=-1), "seed must be >= 0, got -1"),
        (dict(design="rct", n_per_arm=300, n_trials=10_000), r"at most 5,000,000 .* = 6,000,000"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_trials(**kwargs)


def test_other_functions_reject_bad_input():
    with pytest.raises(ValueError, match="effect_points must be between"):
        required_n_per_arm(0)
    with pytest.raises(ValueError, match="power must be between"):
        required_n_per_arm(3.0, power=1.2)
    with pytest.raises(ValueError, match="always uses true_effect=0"):
        false_positive_rate("rct", 10, true_effect=2.0)
    with pytest.raises(ValueError, match="n_values must list"):
        power_curve("rct", [], 3.0)


# --- readout, widget, plots, ladder --------------------------------------------------------------


def test_readout_sentence_reports_the_simulated_share():
    sentence = describe_trial_simulation("open-label", 12, 0.0, parameter("placebo_response"), False)
    share = 100 * simulate_for_display("open-label", 12, 0.0, parameter("placebo_response"), False)
    assert sentence.startswith(
        f"With no real effect, {share.reports_benefit.mean():.0f} % of 12-patient "
        "open-label trials would report a significant improvement"
    )
    assert "real effect of 3 IRLS points" in describe_trial_simulation("rct", 50, 3.0, 6.58, False)
    assert "case reports would describe a patient who improved" in describe_trial_simulation(
        "case-report", 40, 0.0, 6.58, False
    )


def test_widget_controls_drive_the_readout(capsys):
    from mgedu.widgets.designs import make_trial_simulator

    sim = make_trial_simulator()
    assert set(sim.controls) == {"design", "n_per_arm", "true_effect", "placebo_response", "regression_to_mean"}
    assert sim.controls["placebo_response"].value == parameter("placebo_response")
    first = sim.readout.value
    for name, value in [
        ("design", "rct"),
        ("n_per_arm", 40),
        ("true_effect", 3.0),
        ("regression_to_mean", True),
        ("placebo_response", 0.0),
        ("design", "case-report"),
    ]:
        sim.controls[name].value = value
        assert sim.readout.value == html.escape(describe_trial_simulation(**sim.values()))
    assert sim.readout.value != first and "case reports" in sim.readout.value
    with pytest.raises(ValueError, match="design must be one of"):
        make_trial_simulator("cohort")


def test_widget_figure_comes_from_the_same_simulation():
    from mgedu.plots import new_axes
    from mgedu.widgets.designs import _draw

    ax = _draw(new_axes(), "open-label", 12, 0.0, 6.58, False)
    share = simulate_for_display("open-label", 12, 0.0, 6.58, False).reports_benefit.mean()
    assert f"{100 * share:.0f} % report a benefit" in alt_text(ax)


def title(ax) -> str:
    return ax.get_title() or ax.get_title("left")  # the house style puts titles on the left


def test_plots_carry_findings_and_alt_text():
    trials = simulate_trials("open-label", 12, n_trials=300, seed=1)
    both = pd.concat([trials, simulate_trials("rct", 12, n_trials=300, seed=1)], ignore_index=True)
    ax = plot_estimate_distributions(both, observed=6.67, observed_label="2024 pilot")
    assert "open-label" in title(ax) and "6.67" in alt_text(ax)
    ax = plot_p_value_dance({"12 per arm": simulate_trials("rct", 12, 3.0, n_trials=100, seed=2)})
    assert "below 0.05" in title(ax) and ax.get_xscale() == "log"
    ax = plot_power_curve(power_curve("rct", [20, 140], 3.0, n_trials=300), effect_points=3.0, required_n=133)
    assert "133" in title(ax) and "n = 20" in alt_text(ax)
    with pytest.raises(ValueError, match="non-empty result of simulate_trials"):
        plot_estimate_distributions(trials.iloc[0:0])
    with pytest.raises(ValueError, match="no p-values"):
        plot_p_value_dance({"case": simulate_trials("case-report", 1, n_trials=10)})


CASES = [("case-report", 1), ("open-label", 12), ("rct", 12), ("rct", 200)]


def test_estimate_bins_have_one_width_with_edges_on_whole_points():
    for estimates in (simulate_trials(d, n, n_trials=500, seed=3).estimate.to_numpy() for d, n in CASES):
        edges = estimate_bins(estimates)
        widths = np.diff(edges)
        assert np.allclose(widths, widths[0]) and len(widths) <= 60
        assert edges[0] <= estimates.min() and estimates.max() < edges[-1]  # every estimate in a bin
        assert np.allclose(np.round(edges / widths[0]), edges / widths[0])  # edges on multiples of the width
    with pytest.raises(ValueError, match="at least one finite estimate"):
        estimate_bins(np.array([np.nan]))


def test_estimate_figure_moved_in_place_equals_a_fresh_one_with_several_designs():
    """Notebook 03's figure (three designs and the pilot's line): moved to another simulation in place it
    equals that simulation drawn afresh, and a different observed line needs a fresh drawing."""
    from mgedu.plots import figure_png, new_axes

    def designs(seed):
        return pd.concat([simulate_trials(d, n, n_trials=400, seed=seed) for d, n in CASES[:3]], ignore_index=True)

    pilot = {"observed": 6.67, "observed_label": "2024 pilot"}
    moved = plot_estimate_distributions(designs(1), **pilot, ax=new_axes(figsize=(6, 4)))
    assert update_estimate_distributions(moved, designs(2), **pilot)
    fresh = plot_estimate_distributions(designs(2), **pilot, ax=new_axes(figsize=(6, 4)))
    assert figure_png(moved) == figure_png(fresh)
    assert alt_text(moved) == alt_text(fresh) and "2024 pilot at 6.67" in alt_text(moved)
    assert moved.get_xlim() == fresh.get_xlim() and title(moved) == title(fresh) != ""
    assert not update_estimate_distributions(moved, designs(2), observed=7.0, observed_label="2024 pilot")
    assert not update_estimate_distributions(moved, designs(2).query("design != 'rct'"), **pilot)


def test_ladder_places_the_cited_studies_strongest_first():
    ladder = cited_studies_on_ladder().set_index("design")
    assert "gorantla2024 (n = 12)" in ladder.loc["open-label", "studies"]
    assert "hornyak1998 (n = 10)" in ladder.loc["open-label", "studies"]
    assert ladder.loc["open-label", "causal"] == "no" and ladder.loc["double-blind-rct", "causal"] == "yes"
    rungs = ladder.rung.dropna().astype(int).tolist()
    assert rungs == sorted(rungs)


def test_a_larger_trial_adds_patients_to_the_same_trials():
    """Common random numbers: with the same seed, patients 1-12 of a 20-patient arm are the 12 patients
    of the 12-patient trial (blocks of draws do not depend on the trial's size), whether the draws were
    kept for reuse or drawn afresh."""
    small, large = raw_improvements(3, (50, 2, 12)), raw_improvements(3, (50, 2, 20))
    np.testing.assert_array_equal(large[:, :, :12], small)
    kept = designs._patient_draws(3, (50, 2, 20), DEFAULTS["mean0"], DEFAULTS["sd0"], None)
    fresh = designs._DrawPool(3, 50, 2, DEFAULTS["mean0"], DEFAULTS["sd0"], None).first(20)
    for (s1, z1), (s2, z2) in zip(kept, fresh, strict=True):
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(z1, z2)
    # the same trials, one patient more per arm: most estimates move a little, none is drawn afresh
    a, b = simulate_trials("rct", 30, n_trials=500, seed=2), simulate_trials("rct", 31, n_trials=500, seed=2)
    assert np.corrcoef(a.estimate, b.estimate)[0, 1] > 0.9
    with pytest.raises(ValueError, match="read-only"):
        kept[0][1][0, 0, 0] = 0.0
