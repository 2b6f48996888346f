"""The evidence figures (alt text that states the data) and the GRADE worksheet widget, driven like a user."""

from __future__ import annotations

import pytest

from mgedu.certainty import (
    describe_blank_worksheet,
    describe_grade_choice,
    domain_ratings,
    load_grade_outcomes,
    rated_outcomes,
)
from mgedu.evidence import DOMAINS, grade_certainty
from mgedu.plots import alt_text
from mgedu.plots.evidence import (
    plot_design_ladder,
    plot_forest,
    plot_grade_summary,
    plot_published_pooled,
    plot_report_cards,
    plot_rob_traffic_light,
)
from mgedu.pooling import pool_effects
from mgedu.widgets.evidence import make_grade_worksheet


def test_every_figure_has_a_title_labels_and_alt_text_with_its_numbers():
    figures = {
        "ladder": plot_design_ladder(highlight=["open-label"]),
        "rob": plot_rob_traffic_light(),
        "forest": plot_forest(pool_effects([0.0, 4.0], [1.0, 1.0], ["A", "B"]), xlabel="Difference (points)"),
        "published": plot_published_pooled(),
        "grade": plot_grade_summary(),
        "cards": plot_report_cards(),
    }
    for name, ax in figures.items():
        assert ax.get_title(), name
        assert alt_text(ax), name
    assert "-17.36 (95% CI -27.27 to -7.44)" in alt_text(figures["published"])
    assert "Random effects 2.00 (95% CI -1.92 to 5.92)" in alt_text(figures["forest"])
    assert "Overall: 0 low, 6 some concerns, 2 high" in alt_text(figures["rob"])
    assert "insomnia in older adults, sleep onset latency: low" in alt_text(figures["grade"])
    assert figures["published"].get_title() == "Sleep onset latency shorter; total sleep time unclear"


def test_plot_arguments_are_checked():
    with pytest.raises(ValueError, match="design must be one of"):
        plot_design_ladder(highlight=["anecdote"])
    with pytest.raises(ValueError, match="model must be 'random', 'fixed' or 'both'"):
        plot_forest(pool_effects([0.0, 1.0], [1.0, 1.0]), xlabel="x", model="bayes")
    import pandas as pd

    with pytest.raises(ValueError, match="rows is missing columns ci_low, ci_high"):
        plot_forest(pd.DataFrame({"label": ["a"], "estimate": [1.0]}), xlabel="x")
    ax = plot_forest(pool_effects([0.0, 1.0], [1.0, 1.0], ["a", "b"]), xlabel="x", model="both")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "Fixed effect", "Random effects"]


@pytest.mark.parametrize("row_id", sorted(rated_outcomes().values()))
def test_revealed_worksheet_loads_each_outcome_with_the_workbook_ratings(row_id):
    sheet = make_grade_worksheet(reveal=True)
    sheet.controls["row_id"].value = row_id
    ratings = domain_ratings(*row_id.split(":"))
    for name in DOMAINS:
        assert sheet.controls[name].value == ratings[name]
    recorded = load_grade_outcomes().set_index("row_id").loc[row_id, "certainty"]
    assert sheet.readout.value.startswith(sheet.readout.value.split(":")[0])
    assert f": {recorded} " in sheet.readout.value
    assert sheet.readout.value.endswith(f"The workbook rates it {recorded}.")
    assert "Bottom line" in sheet.detail.value


def test_toggling_domains_regrades_and_the_readout_equals_the_pure_function():
    import html

    sheet = make_grade_worksheet("insomnia:sleep-onset-latency", reveal=True)
    sheet.controls["risk_of_bias"].value = 0
    sheet.controls["imprecision"].value = 0
    assert "high" in sheet.readout.value
    sheet.controls["inconsistency"].value = -1
    sheet.controls["publication_bias"].value = -1
    values = sheet.values()
    assert sheet.readout.value == html.escape(describe_grade_choice(**values))
    assert sheet.readout.value.endswith("The workbook rates it low.")
    steps = {k: v for k, v in values.items() if k != "row_id"}
    assert grade_certainty("double-blind-rct", **steps).certainty == "low"
    assert "Rated down one level for inconsistency." in sheet.readout.value
    sheet.controls["inconsistency"].value = -2
    assert "Rated down two levels for inconsistency (very serious)." in sheet.readout.value
    assert ": very low ⊕◯◯◯." in sheet.readout.value


def test_upgrading_randomised_evidence_shows_the_reason_not_a_traceback():
    sheet = make_grade_worksheet("insomnia:total-sleep-time", reveal=True)
    sheet.controls["dose_response"].value = 1
    assert sheet.readout.value.startswith("Check the inputs: dose_response is +1, but upgrades apply only")
    sheet.controls["dose_response"].value = 0
    assert sheet.readout.value.endswith("The workbook rates it low.")


@pytest.mark.parametrize("row_id", sorted(rated_outcomes().values()))
def test_blank_worksheet_shows_no_rating_of_the_workbook(row_id):
    import html

    sheet = make_grade_worksheet()
    sheet.controls["row_id"].value = row_id
    assert sheet.controls["start"].value is None, "the learner picks the starting level"
    assert all(sheet.controls[name].value == 0 for name in DOMAINS), "a blank worksheet starts at 0"
    assert "choose a starting level first" in sheet.readout.value
    row = load_grade_outcomes().set_index("row_id").loc[row_id]
    sheet.controls["start"].value = "low"
    sheet.controls["imprecision"].value = -1
    assert sheet.readout.value.endswith(
        "Started at low (no randomised trials). Rated down one level for imprecision. Certainty: very low."
    )
    assert "workbook" not in sheet.readout.value and "Bottom line" not in sheet.detail.value
    assert "Risk of bias" not in sheet.detail.value and html.escape(str(row.effect)) in sheet.detail.value
    assert str(row.design) not in sheet.readout.value, "not even the design the workbook rates from"
    assert sheet.readout.value == html.escape(describe_blank_worksheet(**sheet.values()))
    other = "insomnia:total-sleep-time" if row_id != "insomnia:total-sleep-time" else "rls:rls-severity"
    sheet.controls["row_id"].value = other
    assert sheet.controls["imprecision"].value == 0 and sheet.controls["start"].value is None, "blank again"


def test_worksheet_labels_are_human():
    sheet = make_grade_worksheet("rls:rls-severity")
    sheet.controls["start"].value = "high"
    assert sheet.readout.value.startswith("RLS severity (restless legs syndrome): high")
    assert "Rls" not in sheet.readout.value and "rct" not in sheet.readout.value
    labels = [label for label, _ in sheet.controls["row_id"].options]
    assert "Restless legs syndrome · RLS severity" in labels
    revealed = make_grade_worksheet("rls:rls-severity", reveal=True)
    assert revealed.readout.value.startswith("RLS severity (restless legs syndrome): very low")
    assert "single-blind randomised trials" in revealed.readout.value and "rct" not in revealed.readout.value


def test_non_randomised_evidence_can_be_rated_up_and_hits_the_ceiling():
    sheet = make_grade_worksheet("rls:periodic-limb-movements", reveal=True)
    for name in ("risk_of_bias", "indirectness", "imprecision"):
        sheet.controls[name].value = 0
    sheet.controls["large_effect"].value = 2
    sheet.controls["dose_response"].value = 1
    sheet.controls["plausible_confounding"].value = 1
    assert ": high ⊕⊕⊕⊕." in sheet.readout.value
    assert "stops at high" in sheet.readout.value


def test_unknown_start_outcome_is_refused():
    with pytest.raises(ValueError, match="row_id must be one of"):
        make_grade_worksheet("rls:total-sleep-time")


@pytest.mark.parametrize("reveal", [False, True])
def test_a_new_outcome_answers_once_with_its_own_ratings(reveal):
    """Choosing an outcome resets the toggles together: the readout and the reasoning change once, to the new
    outcome's, never to a mixture of the new outcome and the last one's ratings (one message per control)."""
    sheet = make_grade_worksheet("rls:rls-severity", reveal=reveal)
    assert "mgedu-grade-worksheet" in sheet._dom_classes  # the name the browser tests find it by
    if not reveal:
        sheet.controls["start"].value = "high"
    for name in ("risk_of_bias", "imprecision", "inconsistency"):
        sheet.controls[name].value = -1
    shown: list[str] = []
    sheet.readout.observe(lambda change: shown.append(change["new"]), names="value")
    details: list[str] = []
    sheet.detail.observe(lambda change: details.append(change["new"]), names="value")
    sheet.controls["row_id"].value = "insomnia:sleep-onset-latency"
    assert shown == [sheet.readout.value], shown
    assert len(details) == 1
    values = sheet.values()
    expected = describe_grade_choice(**values, reveal=True) if reveal else describe_blank_worksheet(**values)
    assert sheet.readout.value == __import__("html").escape(expected)
    ratings = domain_ratings("insomnia", "sleep-onset-latency") if reveal else {}
    assert all(sheet.controls[name].value == ratings.get(name, 0) for name in DOMAINS)


def test_traffic_light_draws_one_dot_per_judgement_and_refuses_an_unknown_one():
    from mgedu.risk_of_bias import risk_of_bias_table

    grid = risk_of_bias_table()
    ax = plot_rob_traffic_light(grid)
    (dots,) = ax.collections
    assert len(dots.get_offsets()) == grid.shape[0] * 6 == len(ax.texts)
    bad = grid.copy()
    bad.iloc[0, 0] = "unclear"
    with pytest.raises(ValueError, match="judgement must be one of low, some concerns, high, got 'unclear'"):
        plot_rob_traffic_light(bad)
