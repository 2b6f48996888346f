"""The one vocabulary of study designs and their labels, and the simulator's separate one."""

from __future__ import annotations

import pytest

from mgedu.designs import simulate_trials
from mgedu.evidence import DESIGN_LADDER, design_ladder
from mgedu.studies import STUDIES_SCHEMA, load_studies
from mgedu.study_designs import (
    RANDOMISED_DESIGNS,
    REVIEW_DESIGNS,
    SIMULATED_DESIGN_LABELS,
    SIMULATED_DESIGNS,
    STUDY_DESIGN_LABELS,
    STUDY_DESIGNS,
    simulated_design_labels,
    study_design_labels,
)
from mgedu.widgets.designs import make_trial_simulator


def test_the_studies_table_and_the_ladder_use_the_one_vocabulary():
    assert STUDIES_SCHEMA.column("design").vocab == STUDY_DESIGNS
    assert {r.design for r in DESIGN_LADDER} == set(STUDY_DESIGNS)
    assert set(load_studies().design.astype(str)) <= set(STUDY_DESIGNS)
    assert set(RANDOMISED_DESIGNS) | set(REVIEW_DESIGNS) < set(STUDY_DESIGNS)


@pytest.mark.parametrize("labels", [STUDY_DESIGN_LABELS, SIMULATED_DESIGN_LABELS], ids=["study", "simulated"])
def test_each_design_has_three_distinct_non_empty_labels(labels):
    for form in ("label", "short", "plural"):
        words = [getattr(entry, form) for entry in labels.values()]
        assert all(w.strip() for w in words)
        assert len(set(words)) == len(words), f"two designs share the {form} label: {words}"


def test_the_ladder_shows_the_vocabulary_labels():
    ladder = design_ladder().set_index("design")
    for design in STUDY_DESIGNS:
        assert ladder.loc[design, "label"] == STUDY_DESIGN_LABELS[design].label


def test_the_simulator_runs_exactly_its_own_designs():
    assert "rct" not in STUDY_DESIGNS  # a different vocabulary: the simulator's trial is not a table design
    for design in SIMULATED_DESIGNS:
        assert simulate_trials(design, 1 if design == "case-report" else 4, n_trials=2, seed=0).design.iloc[0] == design
    options = make_trial_simulator().controls["design"].options
    assert options == tuple((SIMULATED_DESIGN_LABELS[d].label, d) for d in SIMULATED_DESIGNS)


def test_unknown_designs_are_clear_errors():
    with pytest.raises(ValueError, match="design must be one of case-report, open-label, single-blind-rct"):
        study_design_labels("rct")
    with pytest.raises(ValueError, match="design must be one of case-report, open-label, rct, got 'meta-analysis'"):
        simulated_design_labels("meta-analysis")
