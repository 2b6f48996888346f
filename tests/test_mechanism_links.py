"""Labelling the links of a mechanism chain (notebook 02): label first, then the map and the audit's labels.

The learner's record is emptied before each test, as a fresh kernel would be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mgedu.mechanisms import EVIDENCE_LABELS, EVIDENCE_LEVELS, body_table, load_mechanism_steps, mechanism_chain
from mgedu.practice import (
    chain_table,
    compare_links,
    forget,
    label_links,
    links_to_label,
    reveal_chain,
    tally_links,
)
from mgedu.practice.links import CHAIN_TABLE_COLUMNS, chain_links

ALL_LABELS = list(EVIDENCE_LABELS.values())


@pytest.fixture(autouse=True)
def empty_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MGEDU_GRADING_LOG", raising=False)
    forget()


def audit_levels(claim_id: str) -> dict[str, str]:
    steps = load_mechanism_steps().set_index("step_id")
    return {s: str(steps.loc[s, "evidence_level"]) for s in chain_links(claim_id)}


def test_every_evidence_level_has_words_a_learner_reads() -> None:
    assert set(EVIDENCE_LABELS) == set(EVIDENCE_LEVELS)
    assert not [label for label in ALL_LABELS if "-" in label]


def test_chain_links_leave_out_the_direct_test() -> None:
    chain = mechanism_chain("S004-C44")
    assert len(chain_links("S004-C44")) == int((chain.role == "link").sum()) == len(chain) - 1
    with pytest.raises(ValueError, match="no mechanism chain"):
        chain_links("S004-C99")


def test_links_to_label_show_the_links_and_nothing_of_the_audit() -> None:
    shown = links_to_label("S002-C31")
    chain = mechanism_chain("S002-C31")
    for statement in chain.loc[chain.role == "link", "statement"]:
        assert statement in shown.text and statement in shown.html
    for words in ALL_LABELS + list(EVIDENCE_LEVELS) + ["supports", "mixed", "untested"]:
        assert words not in shown.text and words not in shown.html, words
    # the one link the article does not say is marked, in both renderings
    assert shown.text.count("not said in the article") == 1 and "no: the claim needs it" in shown.html
    assert links_to_label("nonsense").status == "invalid"


def test_label_links_records_what_is_filled_in_and_explains_the_rest() -> None:
    blank = label_links({"S002-C31/1": ..., "S002-C31/2": ...})
    assert blank.status == "not judged" and all(f'"{label.split(" (")[0]}"' in blank.text for label in ALL_LABELS)
    shown = label_links(
        {"S002-C31/1": "lab or animal only", "S002-C31/2": ..., "S002-C31/3": "in a dish", "S002-C31/9": "assumed"}
    )
    lines = shown.text.splitlines()
    assert shown.status == "invalid"
    assert "recorded: lab or animal only" in lines[0]
    assert "not labelled yet" in lines[1]
    assert "'in a dish' is not one of the labels" in lines[2] and "animal-or-in-vitro" not in lines[2]
    assert "not a link id" in lines[3]
    assert lines[4].startswith("1 link labelled so far.") and len(lines) == 5
    assert [c.item for c in _compared()] == ["S002-C31/1"], "only the valid label was recorded"
    for bad in ([], {}, "S002-C31/1", None):
        assert label_links(bad).status == "invalid"  # type: ignore[arg-type]


def _compared() -> list:
    from mgedu.practice.comparison import comparisons

    return comparisons("mechanism-link")


def test_labels_accept_the_words_and_the_data_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    shown = label_links(
        {
            "S004-C44/1": "Lab or animal only",
            "S004-C44/2": "assumed",
            "S004-C44/3": "human-trial",
            "S004-C44/4": " assumed (no study found) ",
        }
    )
    assert shown.status == "recorded"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["values"]["evidence"] for r in records] == ["animal-or-in-vitro", "assumed", "human-trial", "assumed"]
    assert {r["kind"] for r in records} == {"judgement"}


def test_reveal_chain_waits_for_every_link_then_shows_map_and_comparison() -> None:
    levels = audit_levels("S002-C31")
    hidden = reveal_chain("S002-C31")
    assert hidden.status == "hidden" and "<img" not in (hidden.html or "")
    assert not [label for label in ALL_LABELS if label in hidden.text]
    label_links({"S002-C31/1": "lab or animal only", "S002-C31/2": "lab or animal only", "S002-C31/3": "human trial"})
    still = reveal_chain("S002-C31")
    assert still.status == "hidden" and "(you have labelled 3)" in still.text and "S002-C31/4" in still.text
    label_links({"S002-C31/4": "assumed"})
    shown = reveal_chain("S002-C31")
    assert shown.status == "shown"
    assert "<img src='data:image/png;base64," in shown.html and "alt='" in shown.html
    assert "You judged 4 links; the audit chose the same evidence for 2." in shown.text
    assert f"audit: {EVIDENCE_LABELS[levels['S002-C31/3']]}" in shown.text
    assert "more generous than the audit" in shown.text  # human trial for a lab finding
    assert "stricter than the audit" in shown.text  # assumed for an observation in patients
    assert reveal_chain("S002-C9").status == "invalid"


def test_compare_links_by_chain_shows_only_labelled_links() -> None:
    assert compare_links("S004-C44").status == "empty"
    label_links({"S004-C44/2": "assumed"})
    shown = compare_links("S004-C44")
    assert "S004-C44/2" in shown.text and "S004-C44/1" not in shown.text
    assert "Evidence: Nothing: nobody has tested this link." in shown.text
    tally = tally_links().text
    assert tally.startswith("You have judged 1 link. You chose what the audit chose: 1 of 1 on the evidence.")


def test_chain_table_is_the_worked_example_with_every_answer_in_words() -> None:
    table = chain_table("S003-C07")
    chain = mechanism_chain("S003-C07")
    assert list(table.columns) == list(CHAIN_TABLE_COLUMNS.values()) and len(table) == len(chain)
    assert set(table["Best evidence found"]) <= set(ALL_LABELS)
    assert table["Link"].iloc[-1].endswith("(the direct test of the whole claim) [not said in the article]")
    assert not table["Why (what the source shows)"].str.contains(r"\[[ABC]\]").any()


def test_body_table_gives_human_columns_and_ranges() -> None:
    table = body_table("serum")
    assert list(table.columns) == ["What was measured", "Value", "Unit", "Notes"]
    assert table["Value"].map(lambda v: v is None or isinstance(v, str)).all()
    trial = body_table("trial-serum-change")
    assert trial["Value"].isna().sum() >= 1, "a value no source reported stays missing, not 0 or NaN text"
    with pytest.raises(ValueError, match="group must be one of"):
        body_table("blood")
