"""Design ladder and GRADE certainty (mgedu.evidence)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgedu.evidence import (
    ALLOWED_STEPS,
    CERTAINTY_LEVELS,
    DESIGN_LADDER,
    DOWNGRADE_DOMAINS,
    UPGRADE_DOMAINS,
    can_support_causal_claim,
    design_ladder,
    grade_certainty,
    grade_start,
    ladder_rung,
)
from mgedu.studies import load_studies
from mgedu.study_designs import STUDY_DESIGNS

RANDOMISED = ("double-blind-rct", "single-blind-rct")
NON_RANDOMISED = ("observational", "open-label", "case-report")


def test_ladder_covers_every_design_of_the_studies_table_once():
    designs = [r.design for r in DESIGN_LADDER]
    assert sorted(designs) == sorted(STUDY_DESIGNS)
    assert len(designs) == len(set(designs))
    assert set(load_studies().design.astype(str)) <= set(designs)


def test_ladder_order_puts_randomised_trials_above_uncontrolled_designs():
    rung = {r.design: r.rung for r in DESIGN_LADDER}
    assert rung["double-blind-rct"] < rung["single-blind-rct"] < rung["observational"]
    assert rung["observational"] < rung["open-label"] < rung["case-report"]
    ranks = [r.rung for r in DESIGN_LADDER if r.rung is not None]
    assert ranks == sorted(ranks), "DESIGN_LADDER must be listed strongest first"
    assert [r.rung for r in DESIGN_LADDER[len(ranks) :]] == [None] * (len(DESIGN_LADDER) - len(ranks))


def test_causal_support_and_start_levels_agree():
    for r in DESIGN_LADDER:
        assert r.why and r.label
        if r.design in RANDOMISED:
            assert r.grade_start == "high" and r.can_support_causal_claim
        elif r.design in NON_RANDOMISED:
            assert r.grade_start == "low"
        else:
            assert r.grade_start is None
    assert not can_support_causal_claim("open-label")
    assert not can_support_causal_claim("case-report")
    assert can_support_causal_claim("meta-analysis")
    assert design_ladder().shape[0] == len(STUDY_DESIGNS)


def test_unknown_design_is_a_clear_error():
    with pytest.raises(ValueError, match="design must be one of .* got 'rct'"):
        ladder_rung("rct")
    with pytest.raises(ValueError, match="GRADE rates the studies a review pools"):
        grade_start("meta-analysis")
    with pytest.raises(ValueError, match="does not measure a treatment's effect"):
        grade_certainty("laboratory")


@pytest.mark.parametrize(
    ("design", "kwargs", "expected"),
    [
        ("double-blind-rct", {}, "high"),
        ("double-blind-rct", {"risk_of_bias": -1}, "moderate"),
        ("single-blind-rct", {"risk_of_bias": -1, "imprecision": -1}, "low"),
        ("double-blind-rct", {"risk_of_bias": -1, "imprecision": -2}, "very low"),
        ("observational", {}, "low"),
        ("observational", {"large_effect": 1}, "moderate"),
        ("observational", {"large_effect": 2}, "high"),
        ("open-label", {"risk_of_bias": -1}, "very low"),
        ("case-report", {"dose_response": 1, "plausible_confounding": 1}, "high"),
    ],
)
def test_grade_levels(design, kwargs, expected):
    assert grade_certainty(design, **kwargs).certainty == expected


def test_floor_is_very_low_and_is_explained():
    result = grade_certainty("double-blind-rct", risk_of_bias=-2, imprecision=-2, indirectness=-2)
    assert result.certainty == "very low" and result.floored and not result.capped
    assert "stops at very low" in result.justification


def test_cap_is_high_and_is_explained():
    result = grade_certainty("observational", large_effect=2, dose_response=1, plausible_confounding=1)
    assert result.certainty == "high" and result.capped and not result.floored
    assert "stops at high" in result.justification


def test_justification_names_every_domain_applied():
    result = grade_certainty("open-label", risk_of_bias=-1, publication_bias=-1, dose_response=1)
    text = result.justification
    assert "Started at low because the evidence comes from uncontrolled open-label studies, not randomised" in text
    assert "Rated down one level for risk of bias" in text
    assert "Rated down one level for publication bias" in text
    assert "Rated up one level for a dose-response gradient" in text
    assert "inconsistency" not in text and "imprecision" not in text
    assert text.endswith(f"Certainty: {result.certainty}.")
    assert "No domain moved it" in grade_certainty("double-blind-rct").justification


@pytest.mark.parametrize("domain", list(UPGRADE_DOMAINS))
def test_upgrading_randomised_evidence_is_refused(domain):
    with pytest.raises(ValueError, match=f"{domain} is \\+1, but upgrades apply only to non-randomised"):
        grade_certainty("double-blind-rct", **{domain: 1})


@pytest.mark.parametrize(
    ("domain", "value"),
    [
        ("risk_of_bias", 1),
        ("risk_of_bias", -3),
        ("imprecision", 0.5),
        ("inconsistency", True),
        ("large_effect", 3),
        ("large_effect", -1),
        ("dose_response", 2),
        ("plausible_confounding", -1),
        ("publication_bias", "-1"),
    ],
)
def test_values_outside_the_allowed_steps_are_refused(domain, value):
    with pytest.raises(ValueError, match=f"{domain} must be one of .* got {value!r}"):
        grade_certainty("observational", **{domain: value})


@given(
    design=st.sampled_from(RANDOMISED + NON_RANDOMISED),
    downs=st.tuples(*(st.sampled_from(ALLOWED_STEPS[d]) for d in DOWNGRADE_DOMAINS)),
    ups=st.tuples(*(st.sampled_from(ALLOWED_STEPS[d]) for d in UPGRADE_DOMAINS)),
)
def test_certainty_is_start_plus_steps_clamped(design, downs, ups):
    if design in RANDOMISED:
        ups = (0,) * len(UPGRADE_DOMAINS)
    kwargs = dict(zip(itertools.chain(DOWNGRADE_DOMAINS, UPGRADE_DOMAINS), downs + ups, strict=True))
    result = grade_certainty(design, **kwargs)
    start = 4 if design in RANDOMISED else 2
    expected = min(max(start + sum(downs) + sum(ups), 1), 4)
    assert result.certainty == CERTAINTY_LEVELS[expected - 1]
    assert result.symbols.count("⊕") == expected
