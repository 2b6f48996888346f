"""Inverse-variance pooling against hand-computed examples, and the published pooled estimates."""

from __future__ import annotations

import math

import pytest

from mgedu.pooling import (
    describe_pooled,
    load_pooled_estimates,
    p_value_from_ci,
    pool_effects,
    pool_intervals,
    standard_error_from_ci,
)


def test_fixed_effect_matches_hand_computation_without_heterogeneity():
    # y = 1 (SE 1) and 3 (SE 2): weights 1 and 1/4, pooled (1 + 3/4) / 1.25 = 1.4, SE sqrt(1/1.25).
    # Q = 1 * 0.4**2 + 0.25 * 1.6**2 = 0.8 < df = 1, so tau² = 0, I² = 0 and random = fixed
    # (the raw one-step estimate (Q - df) / C is negative; DerSimonian-Laird truncates it at zero).
    result = pool_effects([1.0, 3.0], [1.0, 2.0], ["a", "b"])
    assert result.fixed.estimate == pytest.approx(1.4)
    assert result.fixed.se == pytest.approx(math.sqrt(1 / 1.25))
    assert result.q == pytest.approx(0.8)
    assert result.tau2 == 0 and result.i2 == 0
    assert result.random.estimate == pytest.approx(1.4)
    assert result.random.se == pytest.approx(result.fixed.se)
    assert result.studies.weight_fixed.tolist() == pytest.approx([0.8, 0.2])
    assert result.studies.weight_random.tolist() == pytest.approx([0.8, 0.2])
    half = 1.959964 * math.sqrt(1 / 1.25)
    assert (result.fixed.ci_low, result.fixed.ci_high) == pytest.approx((1.4 - half, 1.4 + half))


def test_random_effects_matches_dersimonian_laird_by_hand():
    # y = 0 and 4, SE 1 each: Q = 8, df = 1, C = 2 - 2/2 = 1, tau² = (8 - 1) / 1 = 7, I² = 7/8;
    # random weights 1/(1 + 7) each, pooled 2 with SE sqrt(1 / 0.25) = 2.
    result = pool_effects([0.0, 4.0], [1.0, 1.0])
    assert result.fixed.estimate == pytest.approx(2.0)
    assert result.fixed.se == pytest.approx(math.sqrt(0.5))
    assert result.tau2 == pytest.approx(7.0)
    assert result.i2 == pytest.approx(0.875)
    assert result.random.estimate == pytest.approx(2.0)
    assert result.random.se == pytest.approx(2.0)
    assert result.random.ci_high - result.random.ci_low > result.fixed.ci_high - result.fixed.ci_low
    assert "I² = 88%" in result.summary("points")


def test_three_studies_with_unequal_weights():
    y, se = [-10.0, -20.0, -5.0], [4.0, 8.0, 5.0]
    w = [1 / s**2 for s in se]
    fixed = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y, strict=True))
    c = sum(w) - sum(wi**2 for wi in w) / sum(w)
    tau2 = max(0.0, (q - 2) / c)
    wr = [1 / (s**2 + tau2) for s in se]
    random = sum(wi * yi for wi, yi in zip(wr, y, strict=True)) / sum(wr)
    result = pool_effects(y, se)
    assert result.fixed.estimate == pytest.approx(fixed)
    assert result.q == pytest.approx(q)
    assert result.tau2 == pytest.approx(tau2)
    assert result.random.estimate == pytest.approx(random)
    assert result.studies.weight_random.sum() == pytest.approx(1.0)


def test_pool_intervals_recovers_the_standard_errors():
    result = pool_intervals([1.0, 3.0], [1 - 1.959964, 3 - 2 * 1.959964], [1 + 1.959964, 3 + 2 * 1.959964])
    assert result.studies.se.tolist() == pytest.approx([1.0, 2.0])
    assert result.fixed.estimate == pytest.approx(1.4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0], [1.0]), "at least 2 study estimates"),
        (([1.0, 2.0], [1.0]), "one value per effect"),
        (([1.0, 2.0], [1.0, 0.0]), "must all be above 0"),
        (([1.0, float("nan")], [1.0, 1.0]), "finite numbers"),
        (([1.0, 2.0], [1.0, 1.0], ["only one"]), "one name per effect"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(ValueError, match=message):
        pool_effects(*args)


def test_standard_error_and_p_value_from_an_interval():
    assert standard_error_from_ci(-1.959964, 1.959964) == pytest.approx(1.0)
    assert p_value_from_ci(1.959964, 0.0, 2 * 1.959964) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="ci_high must be above ci_low"):
        standard_error_from_ci(3, 1)
    with pytest.raises(ValueError, match="estimate must lie inside its interval"):
        p_value_from_ci(5, 0, 1)
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        standard_error_from_ci(0, 1, level=95)


def test_published_estimates_are_internally_consistent():
    table = load_pooled_estimates().set_index("estimate_id")
    assert set(table.index) == {"mahpitre2021-sol", "mahpitre2021-tst"}
    for _, row in table.iterrows():
        assert row.ci_low < row.estimate < row.ci_high
        # The P value implied by the printed interval agrees with the printed P value (to its rounding).
        assert row.p_from_ci == pytest.approx(float(row.p_value), abs=0.005)
    sol = table.loc["mahpitre2021-sol"]
    assert (sol.estimate, sol.ci_low, sol.ci_high, sol.n_participants) == (-17.36, -27.27, -7.44, 55)
    tst, sol = describe_pooled("mahpitre2021-tst"), describe_pooled("mahpitre2021-sol")
    assert "includes zero" in tst and "no difference" in tst
    # A significant result must never read as "no difference" (it used to print "excludes zero (no difference)").
    assert "no difference" not in sol and "in favour of magnesium" in sol
    with pytest.raises(ValueError, match="estimate_id must be one of"):
        describe_pooled("nope")


def test_t_intervals_use_their_degrees_of_freedom():
    from scipy.stats import t

    half = t.ppf(0.975, 10)
    assert standard_error_from_ci(-half, half, df=10) == pytest.approx(1.0)
    result = pool_intervals([0.0, 2.0], [-half, 2 - 2 * half], [half, 2 + 2 * half], dfs=[10, 10])
    assert result.studies.se.tolist() == pytest.approx([1.0, 2.0])
    with pytest.raises(ValueError, match="dfs must have one value per estimate"):
        pool_intervals([0.0, 2.0], [-1, 1], [1, 3], dfs=[10])
    with pytest.raises(ValueError, match="df must be above 0"):
        standard_error_from_ci(-1, 1, df=0)


@pytest.mark.parametrize(
    ("low", "high", "favours", "expected"),
    [
        (-27.27, -7.44, "lower", "in favour of magnesium"),  # sleep onset latency: shorter is better
        (2.0, 9.0, "higher", "in favour of magnesium"),
        (-9.0, -2.0, "higher", "against magnesium"),
        (2.0, 9.0, "lower", "against magnesium"),
        (-5.99, 38.12, "higher", "no difference is compatible"),
        (0.0, 4.0, "higher", "no difference is compatible"),  # touching zero counts as including it
    ],
)
def test_interval_reading_both_ways(low, high, favours, expected):
    from mgedu.pooling import interval_reading

    text = interval_reading(low, high, favours)
    assert expected in text
    assert ("no difference" in text) == (low <= 0 <= high)


def test_interval_reading_rejects_bad_input():
    from mgedu.pooling import interval_reading

    with pytest.raises(ValueError, match="favours_magnesium must be 'lower' or 'higher', got 'up'"):
        interval_reading(-1, 1, "up")
    with pytest.raises(ValueError, match="ci_low must not be above ci_high"):
        interval_reading(3, 1, "lower")
