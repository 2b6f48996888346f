"""Mechanisms: NMDA block model, sourced tables, the supplement question, chains, plots and explorer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgedu.mechanisms import (
    EVIDENCE_LEVELS,
    VOLTAGE_WINDOW_MV,
    block_model,
    body_quantity,
    chain_summary,
    describe_nmda_block,
    describe_supplement_effect,
    equivalent_voltage_shift_mv,
    half_unblocked_voltage_mv,
    load_body_magnesium,
    load_mechanism_steps,
    mechanism_chain,
    mg_dl_to_mmol_l,
    nmda_current,
    nmda_unblocked_fraction,
    serum_change_scenarios,
    supplement_block_table,
    supplement_effect_on_block,
)
from mgedu.plots import alt_text
from mgedu.seeds import load_claims
from mgedu.tables import DataError
from mgedu.validation import validate

voltages = st.floats(min_value=VOLTAGE_WINDOW_MV[0], max_value=VOLTAGE_WINDOW_MV[1], allow_nan=False)
concentrations = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)


# --- the block model ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voltage", "expected"),
    [
        (-80, 0.024),
        (-70, 0.044),
        (-60, 0.080),
        (-40, 0.23),
        (-20, 0.51),
        (0, 0.78),
        (20, 0.93),
    ],
)
def test_block_matches_reference_values_at_1_mm(voltage, expected):
    # Independent values from reference_facts.md section 2.9 (calculated there from the published fit).
    assert nmda_unblocked_fraction(voltage, 1.0) == pytest.approx(expected, abs=0.006)


def test_constants_come_from_the_sourced_table():
    table = load_body_magnesium().set_index("quantity")
    model = block_model()
    assert model.mg_scale_mm == table.loc["nmda_mg_scale_mm", "value"]
    assert model.slope_per_mv == table.loc["nmda_voltage_slope_per_mv", "value"]
    assert model.mg_max_mm == table.loc["nmda_mg_tested_max_mm", "high"]


def test_no_magnesium_means_no_block():
    assert np.all(nmda_unblocked_fraction(np.linspace(-120, 60, 50), 0.0) == 1.0)


@given(voltages, voltages, concentrations)
def test_block_lifts_as_the_cell_depolarises(v1, v2, mg):
    low, high = sorted((v1, v2))
    assert nmda_unblocked_fraction(low, mg) <= nmda_unblocked_fraction(high, mg) + 1e-12


@given(voltages, concentrations, concentrations)
def test_more_magnesium_never_unblocks(v, mg1, mg2):
    low, high = sorted((mg1, mg2))
    value = nmda_unblocked_fraction(v, high)
    assert 0.0 < value <= 1.0
    assert value <= nmda_unblocked_fraction(v, low) + 1e-12


@given(voltages, st.floats(min_value=0.05, max_value=3.0), st.floats(min_value=1.01, max_value=3.0))
def test_multiplying_magnesium_equals_a_voltage_shift(v, mg, factor):
    shift = equivalent_voltage_shift_mv(mg, mg * factor)
    if VOLTAGE_WINDOW_MV[0] <= v - shift:
        expected = nmda_unblocked_fraction(v - shift, mg)
        assert nmda_unblocked_fraction(v, mg * factor) == pytest.approx(expected)


def test_half_unblocked_voltage_gives_one_half():
    for mg in (0.5, 1.0, 2.0):
        assert nmda_unblocked_fraction(half_unblocked_voltage_mv(mg), mg) == pytest.approx(0.5)


def test_vectorised_over_arrays_and_broadcasts():
    volts = np.array([-80.0, -40.0, 0.0])
    out = nmda_unblocked_fraction(volts, 1.0)
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    grid = nmda_unblocked_fraction(volts[:, None], np.array([0.5, 1.0])[None, :])
    assert grid.shape == (3, 2)
    assert isinstance(nmda_unblocked_fraction(-70, 1.0), float)
    with pytest.raises(ValueError, match="matching shapes"):
        nmda_unblocked_fraction(np.zeros(3), np.ones(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"voltage_mv": -70, "mg_mm": -1}, "mg_mm must be between 0 and 10 mM, got -1"),
        ({"voltage_mv": -70, "mg_mm": 12}, "mg_mm must be between 0 and 10 mM, got 12"),
        ({"voltage_mv": -70, "mg_mm": math.nan}, "mg_mm must be between 0 and 10 mM, got nan"),
        ({"voltage_mv": -70, "mg_mm": math.inf}, "mg_mm must be between 0 and 10 mM, got inf"),
        ({"voltage_mv": -70, "mg_mm": "1 mM"}, "mg_mm must be between 0 and 10 mM, got '1 mM'"),
        ({"voltage_mv": -70, "mg_mm": None}, "mg_mm must be between 0 and 10 mM, got None"),
        ({"voltage_mv": -121, "mg_mm": 1}, "voltage_mv must be between -120 and 60 mV, got -121"),
        ({"voltage_mv": [-70, 80], "mg_mm": 1}, "voltage_mv must be between -120 and 60 mV, got 80"),
    ],
)
def test_bad_inputs_name_parameter_value_and_range(kwargs, message):
    with pytest.raises(ValueError) as info:
        nmda_unblocked_fraction(**kwargs)
    assert str(info.value) == message


def test_current_is_ohmic_without_magnesium_and_reverses_at_zero():
    volts = np.array([-100.0, -50.0, 0.0, 40.0])
    assert np.allclose(nmda_current(volts, 0.0, g_max_ns=2.0), 2.0 * volts)
    assert nmda_current(0.0, 1.0) == 0.0
    assert nmda_current(-70, 1.0) < 0 < nmda_current(30, 1.0)
    assert abs(nmda_current(-70, 1.0)) < 0.05 * abs(nmda_current(-70, 0.0))
    assert nmda_current(-70, 1.0, reversal_mv=10) == pytest.approx(nmda_unblocked_fraction(-70, 1.0) * -80)
    with pytest.raises(ValueError, match="g_max_ns must be between"):
        nmda_current(-70, 1.0, g_max_ns=-1)
    with pytest.raises(ValueError, match="reversal_mv must be between"):
        nmda_current(-70, 1.0, reversal_mv=200)


def test_describe_uses_the_pure_function():
    text = describe_nmda_block(2.0, -40)
    assert f"{nmda_unblocked_fraction(-40, 2.0):.1%}" in text and "-40 mV" in text and "2.00 mM" in text
    with pytest.raises(ValueError, match="mg_mm"):
        describe_nmda_block(-2, -40)


# --- the body-magnesium table -------------------------------------------------------------------------------


def test_body_shares_are_consistent():
    shares = {
        q: body_quantity(q)["value"]
        for q in ("share_bone_pct", "share_soft_tissue_pct", "share_blood_ecf_pct", "share_serum_pct")
    }
    assert sum(v for k, v in shares.items() if k != "share_serum_pct") <= 100.5
    assert shares["share_serum_pct"] < shares["share_blood_ecf_pct"]


def test_unknown_quantity_suggests_close_ids():
    with pytest.raises(ValueError, match="did you mean 'body_total_g'"):
        body_quantity("body_total")


def test_bad_body_table_reports_file_row_column(corpus):
    lines = corpus.lines("body_magnesium.csv")
    row = next(i for i, line in enumerate(lines) if line.startswith("serum_total_normal_mmol_l"))
    lines[row] = lines[row].replace(",0.75,0.95,", ",0.95,0.75,")
    corpus.write_lines("body_magnesium.csv", lines)
    with pytest.raises(DataError) as info:
        load_body_magnesium(corpus.data)
    assert f"body_magnesium.csv:{row + 1}:low: low 0.95 is above high 0.75" in str(info.value)


def test_mg_dl_conversion_uses_the_molar_mass():
    assert mg_dl_to_mmol_l(2.4305) == pytest.approx(1.0, abs=1e-4)
    assert mg_dl_to_mmol_l(np.array([1.82, 1.69])).shape == (2,)


# --- the supplement question ------------------------------------------------------------------------------


def test_scenarios_are_built_from_the_table():
    scenarios = {label: delta for label, _, delta in serum_change_scenarios()}
    before = body_quantity("nielsen2010_mg_arm_before_mg_dl")["value"]
    after = body_quantity("nielsen2010_mg_arm_after_mg_dl")["value"]
    trial = scenarios["Trial: magnesium arm, before to after"]
    assert trial == pytest.approx(mg_dl_to_mmol_l(after - before))
    normal = body_quantity("serum_total_normal_mmol_l")
    what_if = scenarios["What-if: bottom to top of the normal range"]
    assert what_if == pytest.approx(normal["high"] - normal["low"])
    kinds = {kind for _, kind, _ in serum_change_scenarios()}
    assert kinds == {"trial", "what-if"}


def test_supplement_effect_follows_the_model():
    out = supplement_effect_on_block(0.1, ionised_share=0.5, baseline_mg_mm=0.8, voltage_mv=-70)
    assert out["delta_free_mm"] == pytest.approx(0.05)
    assert out["unblocked_before"] == pytest.approx(nmda_unblocked_fraction(-70, 0.8))
    assert out["unblocked_after"] == pytest.approx(nmda_unblocked_fraction(-70, 0.85))
    assert out["change_points"] == pytest.approx(100 * (out["unblocked_after"] - out["unblocked_before"]))
    assert out["equivalent_shift_mv"] == pytest.approx(math.log(0.85 / 0.8) / 0.062)
    nothing = supplement_effect_on_block(0.1, ionised_share=0.5, baseline_mg_mm=0.8, voltage_mv=-70, transfer=0)
    assert nothing["change_points"] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ionised_share": 1.5}, "ionised_share must be between 0 and 1"),
        ({"transfer": -0.1}, "transfer must be between 0 and 1"),
        ({"baseline_mg_mm": 0}, "baseline_mg_mm must be between 0.01 and 3 mM, got 0"),
        ({"voltage_mv": 100}, "voltage_mv must be between -120 and 60 mV, got 100"),
    ],
)
def test_supplement_effect_rejects_bad_inputs(kwargs, message):
    args = {"ionised_share": 0.6, "baseline_mg_mm": 0.8, "voltage_mv": -70} | kwargs
    with pytest.raises(ValueError, match=message):
        supplement_effect_on_block(0.05, **args)


def test_supplement_table_is_an_upper_bound_and_small():
    table = supplement_block_table()
    assert len(table) == 2 * len(serum_change_scenarios())
    assert (table.unblocked_after < table.unblocked_before).all()
    assert table.voltage_mv.eq(body_quantity("resting_potential_mv")["value"]).all()
    assert table.baseline_mg_mm.eq(body_quantity("csf_ionised_mckee2005")["value"]).all()
    # A larger ionised share moves more magnesium, so a larger effect.
    for _, rows in table.groupby("scenario"):
        rows = rows.sort_values("ionised_share")
        assert rows.change_points.iloc[1] < rows.change_points.iloc[0]
    trials = table[table.kind == "trial"]
    what_if = table[table.kind == "what-if"]
    assert what_if.change_points.min() < trials.change_points.min()
    # Less transfer to the brain can only shrink the effect.
    half = supplement_block_table(transfer=0.5)
    assert (half.change_points.abs() < table.change_points.abs()).all()


# --- mechanism chains -----------------------------------------------------------------------------------


def test_chains_exist_for_mechanism_claims_and_are_sourced():
    # The rules (every mechanism claim has a chain, steps numbered, assumed = untested, sources) are
    # in python -m mgedu check and broken one by one in test_mutations.py; here, what the table holds.
    claims = load_claims()
    mechanism_ids = set(claims.loc[claims.topic == "mechanism", "claim_id"])
    steps = load_mechanism_steps()
    assert mechanism_ids and mechanism_ids <= set(steps.chain_id) <= set(claims.claim_id)
    assert set(steps.evidence_level.astype(str)) <= set(EVIDENCE_LEVELS)
    assert (steps.source.str.startswith("none found") | steps.source.str.contains("http|doi")).all()


def test_mechanism_chain_returns_ordered_steps_and_rejects_bad_ids():
    chain = mechanism_chain("S000-C03")
    assert list(chain.step) == list(range(1, len(chain) + 1))
    assert chain.iloc[-1].role == "outcome"
    with pytest.raises(ValueError, match="no mechanism chain for claim 'S000-C01'"):
        mechanism_chain("S000-C01")
    with pytest.raises(ValueError, match="claim_id must look like"):
        mechanism_chain("NMDA")


def test_chain_summary_counts_links_only():
    summary = chain_summary().set_index("chain_id")
    steps = load_mechanism_steps()
    links = steps[steps.role == "link"]
    assert summary[list(EVIDENCE_LEVELS)].to_numpy().sum() == len(links)
    assert summary.loc["S000-C04", "outcome_finding"] == "no direct test"


def test_bad_steps_file_reports_every_problem(corpus):
    lines = corpus.lines("mechanism_steps.csv")
    bad = [line.replace("S004-C45/2", "S004-C45/3") if line.startswith("S004-C45/2") else line for line in lines]
    bad = [
        line.replace(",assumed,untested,", ",assumed,supports,", 1) if line.startswith("S000-C04/1") else line
        for line in bad
    ]
    corpus.write_lines("mechanism_steps.csv", bad)
    with pytest.raises(DataError) as info:
        load_mechanism_steps(corpus.data)
    text = str(info.value)
    assert "steps of S004-C45 must be numbered 1..2" in text
    assert "'assumed' goes with 'untested'" in text
    checked = [str(p) for p in validate(corpus.seeds, corpus.data)]
    assert checked == [str(p) for p in info.value.problems], "the loader and the check report the same problems"


# --- plots and the explorer -------------------------------------------------------------------------------


def test_plots_return_axes_with_units_and_alt_text():
    from mgedu.plots.mechanisms import (
        plot_body_magnesium,
        plot_chain_summary,
        plot_mechanism_chain,
        plot_nmda_block,
        plot_nmda_current,
        plot_supplement_effect,
    )

    block = plot_nmda_block(marker_mv=-70)
    assert block.get_xlabel() == "Membrane potential (mV)"
    assert f"{nmda_unblocked_fraction(-70, 1.0):.1%} unblocked with 1 mM" in alt_text(block)
    assert "(pA)" in plot_nmda_current().get_ylabel()
    assert "g)" in plot_body_magnesium().get_xlabel()
    supplement = plot_supplement_effect()
    assert "(%)" in supplement.get_xlabel() and "What-if" in alt_text(supplement)
    chain = plot_mechanism_chain("S002-C31")
    assert chain.get_title().startswith("S002-C31: ")
    assert "Magnesium sits in the NMDA receptor channel" in alt_text(chain)
    summary = plot_chain_summary()
    assert "%" in summary.get_title() and str(len(chain_summary())) in alt_text(summary)


def test_explorer_readout_follows_the_controls(capsys):
    from mgedu.widgets.mechanisms import make_nmda_explorer

    explorer = make_nmda_explorer()
    assert explorer.readout.value == describe_nmda_block(1.0, -70.0)
    for mg, volts in [(0.0, -70.0), (2.5, -30.0), (0.4, 20.0)]:
        explorer.controls["mg_mm"].value = mg
        explorer.controls["voltage_mv"].value = volts
        assert explorer.readout.value == describe_nmda_block(mg, volts)
        assert f"{nmda_unblocked_fraction(volts, mg):.1%}" in explorer.readout.value
    assert explorer.controls["mg_mm"].min == 0 and explorer.controls["mg_mm"].max == 3
    assert not explorer.controls["mg_mm"].continuous_update
    with pytest.raises(ValueError, match="mg_mm must be between 0 and 3 mM"):
        make_nmda_explorer(mg_mm=4)
    with pytest.raises(ValueError, match="voltage_mv must be between -120 and 60 mV"):
        make_nmda_explorer(voltage_mv=-200)
    capsys.readouterr()


def test_supplement_summary_states_inputs_and_result():
    table = supplement_block_table()
    for name in dict.fromkeys(table.scenario):
        text = describe_supplement_effect(table, name)
        rows = table[table.scenario == name]
        assert f"{rows.delta_total_mmol_l.iloc[0]:.3f} mmol/L ({name})" in text
        assert f"{100 * rows.unblocked_before.iloc[0]:.2f}%" in text
        assert f"{rows.change_points.min():+.2f} percentage points" in text
        assert "upper bound" in text and f"{rows.voltage_mv.iloc[0]:g} mV" in text
    with pytest.raises(ValueError, match="scenario must be one of"):
        describe_supplement_effect(table, "Trial: double dose")
