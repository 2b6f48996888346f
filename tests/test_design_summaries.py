"""The summaries notebook 03 shows after a prediction: checked against the simulations they summarise."""

from __future__ import annotations

import pandas as pd
import pytest

from mgedu.design_summaries import (
    DASH,
    cited_studies_table,
    describe_repeats,
    design_outcomes,
    no_effect_trials,
    regression_to_mean_at,
    regression_to_mean_summary,
    repeated_trials,
    ropinirole_sized_effect,
    share_at_least,
    share_below,
    share_significant,
    signed_points,
)
from mgedu.designs import cited_studies_on_ladder, expected_regression_to_mean, parameter, simulate_trials


def test_no_effect_trials_are_the_seeded_simulations_of_each_design() -> None:
    trials = no_effect_trials(n_trials=300, seed=9)
    for design, n in (("case-report", 1), ("open-label", 12), ("rct", 12)):
        alone = simulate_trials(design, n, 0.0, n_trials=300, seed=9)
        ours = trials[trials.design == design].reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, alone)
    trials.loc[:, "estimate"] = 99.0  # callers get a copy: the cached simulation is untouched
    assert (no_effect_trials(n_trials=300, seed=9).estimate < 99).all()


def test_shares_are_percentages_of_one_design_and_refuse_what_they_cannot_compute() -> None:
    trials = no_effect_trials()
    open_label = trials[trials.design == "open-label"]
    assert share_at_least(trials, "open-label", 6.67) == pytest.approx(100 * (open_label.estimate >= 6.67).mean())
    assert share_significant(trials, "rct") == pytest.approx(100 * trials[trials.design == "rct"].significant.mean())
    assert share_significant(trials, "open-label") > 50 > 10 > share_significant(trials, "rct")
    with pytest.raises(ValueError, match="'case-report' has no p-value"):
        share_significant(trials, "case-report")
    with pytest.raises(ValueError, match="design must be one of case-report, open-label, rct, got 'cohort'"):
        share_at_least(trials, "cohort", 1)
    with pytest.raises(ValueError, match=r"hold no 'rct' studies \(designs present: open-label\)"):
        share_at_least(open_label, "rct", 1)


def test_design_outcomes_reads_like_a_table_for_people() -> None:
    table = design_outcomes(no_effect_trials(), parameter("gorantla_improvement"), "the 2024 pilot")
    assert list(table.index) == ["case report", "open-label (before/after)", "blinded placebo-controlled RCT"]
    assert table.columns[1] == "Improved by at least as much as the 2024 pilot (6.67 points)"
    assert table.loc["case report", "'Significant' (p < 0.05)"] == DASH
    assert not table.isna().any().any() and "-0.0" not in table.to_string()
    assert signed_points(-0.049) == "+0.0" and signed_points(-0.05) == "-0.1" and signed_points(2) == "+2.0"
    assert all(value.endswith(" %") for value in table.iloc[:, 1])


def test_repeats_of_a_small_trial_and_their_sentence() -> None:
    assert ropinirole_sized_effect() == round(parameter("ropinirole_difference")) == 3
    small = repeated_trials(12)
    pd.testing.assert_frame_equal(small, simulate_trials("rct", 12, 3.0, n_trials=2000, seed=5))
    assert share_below(small) == pytest.approx(100 * (small.p_value < 0.05).mean())
    large = repeated_trials(400, n_trials=300)
    text = describe_repeats({"12 per arm": small, "400 per arm": large})
    first, second = text.splitlines()
    assert first.startswith("12 per arm: 12 % of 2,000 repeats had p < 0.05") and 'held both "no effect"' in first
    assert second.startswith("400 per arm:") and 'excluded "no effect"' in second
    with pytest.raises(ValueError, match="alpha must be between 0 and 1"):
        share_below(small, alpha=5)
    with pytest.raises(ValueError, match="no p-values"):
        share_below(simulate_trials("case-report", 1, n_trials=5))


def test_regression_to_mean_summary_matches_the_formula_and_the_simulation() -> None:
    table = regression_to_mean_summary()
    assert list(table.index) == ["15", "24", "30"]
    assert table.loc["24"].tolist() == ["57 %", "+0.9", "+0.9"]
    assert regression_to_mean_at() == pytest.approx(expected_regression_to_mean(24))
    assert regression_to_mean_at(30) > regression_to_mean_at(24) > regression_to_mean_at(15) > 0


def test_the_ladder_names_studies_as_readers_do() -> None:
    table = cited_studies_table()
    ladder = cited_studies_on_ladder()
    assert list(table.columns) == ["Rung (1 = strongest)", "Design", "Can show cause and effect", "Study", "People"]
    assert list(dict.fromkeys(table.Design)) == list(ladder.label)
    assert "Hornyak 1998" in set(table.Study) and "hornyak1998" not in set(table.Study)
    assert len(table) == sum(len(entry.split(", ")) for entry in ladder.studies)
    people = dict(zip(table.Study, table.People, strict=True))
    assert people["Gorantla 2024"] == "12" and people["Marshall 2019"] == DASH
    assert set(table["Rung (1 = strongest)"]) <= {DASH, *map(str, range(1, 8))}
    assert not table.isna().any().any() and table.attrs["caption"]
