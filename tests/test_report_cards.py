"""Report cards for all five articles, computed from the claims and documents tables."""

from __future__ import annotations

import pytest

from mgedu.report_cards import READINGS, overall_reading, report_card, report_cards
from mgedu.seeds import DOC_IDS, VERDICTS, load_claims, load_documents


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_card_counts_match_the_claims_table(doc_id):
    card = report_card(doc_id)
    claims = load_claims()
    mine = claims[claims.doc_id == doc_id]
    assert card.n_claims == len(mine)
    for verdict in VERDICTS:
        assert card.verdict_counts[verdict] == int((mine.verdict == verdict).sum())
    checkable = len(mine) - int((mine.verdict == "uncheckable").sum())
    assert card.share_supported == pytest.approx((mine.verdict == "supported").sum() / checkable)
    serious = mine.verdict.isin(["misreported", "unsupported"]).sum()
    assert card.share_serious == pytest.approx(serious / checkable)
    assert card.share_traced == pytest.approx(mine.study_id.notna().mean())
    assert card.reading == overall_reading(card.share_supported, card.share_serious)
    doc = load_documents().set_index("doc_id").loc[doc_id]
    assert card.citation_style == doc.citation_style
    assert (card.sells is None) == (not isinstance(doc.sells_or_promotes, str))


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_worst_problems_are_real_problems_ordered_by_severity(doc_id):
    card = report_card(doc_id, n_worst=10)
    verdicts = [w["verdict"] for w in card.worst]
    assert set(verdicts) <= {"misreported", "unsupported", "overstated"}
    serious = [v in ("misreported", "unsupported") for v in verdicts]
    assert serious == sorted(serious, reverse=True), "serious problems come first"
    ids = set(load_claims().claim_id)
    assert all(w["claim_id"] in ids and w["claim_id"].startswith(doc_id) for w in card.worst)
    text = str(card)
    assert text.startswith(f"{doc_id} · ") and "Overall reading:" in text


def test_rubric_thresholds():
    assert overall_reading(0.70, 0.10) == READINGS[0]
    assert overall_reading(0.69, 0.05) == READINGS[1]
    assert overall_reading(0.90, 0.30) == READINGS[2]
    with pytest.raises(ValueError, match="share_serious must be between 0 and 1, got 1.5"):
        overall_reading(0.5, 1.5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="doc_id must be one of S000, S001, S002, S003, S004, got 'S9'"):
        report_card("S9")
    with pytest.raises(ValueError, match="n_worst must be between 0 and 10"):
        report_card("S000", n_worst=11)


def test_all_five_cards_in_one_table():
    cards = report_cards()
    assert list(cards.doc_id) == list(DOC_IDS)
    assert (cards[list(VERDICTS)].sum(axis=1) == cards.claims).all()
    assert cards.claims.sum() == len(load_claims())
    assert set(cards.reading) <= set(READINGS)


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_model_verdict_is_built_from_the_card_and_the_grade_tables(doc_id):
    from mgedu.certainty import load_grade_outcomes
    from mgedu.report_cards import model_verdict

    card = report_card(doc_id)
    text = model_verdict(doc_id)
    assert text.startswith(f"{doc_id} ({card.publisher_kind};")
    assert f"{100 * card.share_supported:.0f}% are supported" in text
    assert text.endswith(f"Overall reading: {card.reading}.")
    assert card.worst[0]["claim_id"] in text
    grades = load_grade_outcomes()
    rls = set(grades.certainty[grades.condition == "rls"].astype(str)) - {"no evidence"}
    assert any(f"reaches is {level}," in text for level in rls)
