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
    # Uncheckable and not-verified claims count neither for nor against the article.
    judged = len(mine) - int(mine.verdict.isin(["uncheckable", "not-verified"]).sum())
    assert card.n_judged == judged
    assert card.share_supported == pytest.approx((mine.verdict == "supported").sum() / judged)
    serious = mine.verdict.isin(["misreported", "unsupported"]).sum()
    assert card.share_serious == pytest.approx(serious / judged)
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
    from mgedu.exercise_keys import load_exercises
    from mgedu.report_cards import PUBLISHER_WORDS, TAKEAWAYS, load_main_outcomes, model_verdict
    from mgedu.study_designs import STUDY_DESIGNS

    card = report_card(doc_id)
    text = model_verdict(doc_id)
    assert text.startswith(f"{doc_id} ({PUBLISHER_WORDS[card.publisher_kind]}")
    assert f"of the {card.n_judged} claims the audit could check against a source" in text
    assert f"{100 * card.share_supported:.0f}% are supported" in text
    assert text.endswith(f"Overall reading: {card.reading}. {TAKEAWAYS[card.reading]}")
    assert card.worst[0]["claim_id"] in text and card.worst[0]["reason"] in text
    row = load_main_outcomes().set_index("doc_id").loc[doc_id, "grade_row"]
    certainty = load_grade_outcomes().set_index("row_id").loc[row, "certainty"]
    assert f"is of {certainty} certainty" in text
    low, high = load_exercises()["6.4"].words
    assert low <= len(text.split()) <= high, "the model keeps to the length the learner is asked for"
    for code in (card.publisher_kind, *(d for d in STUDY_DESIGNS if d not in ("open-label", "meta-analysis"))):
        assert f" {code} " not in f" {text} " and f"({code}" not in text, f"raw code {code!r} in the verdict"


def test_model_verdict_counts_the_studies_behind_effect_claims_only():
    """S002's effect claims rest on an open pilot (4 claims) and a case report (3), not on the prevalence study."""
    from mgedu.report_cards import effect_basis, model_verdict

    text = model_verdict("S002")
    assert (
        "Of its 9 claims about whether magnesium works, 7 rest on one uncontrolled open-label study (4 claims) "
        "and one case report (3 claims), which cannot show that magnesium causes an improvement"
    ) in text
    assert "observational" not in text
    # S000 also retells a double-blind trial, and the verdict says so (credit where the page is right)
    assert "one double-blind randomised trial (2 claims; can show cause)" in effect_basis("S000")
    # studies are counted once: S004's four claims about the Jadidi trial are one trial
    assert "one single-blind randomised trial (4 claims; can show cause)" in effect_basis("S004")
    assert effect_basis("S003") == "None of its 7 claims about whether magnesium works cites a study."
    assert "seven studies of six designs" in effect_basis("S001")


def test_main_outcomes_name_a_claim_of_each_article():
    from mgedu.certainty import load_grade_outcomes
    from mgedu.report_cards import load_main_outcomes, main_certainty

    table = load_main_outcomes()
    assert list(table.doc_id) == list(DOC_IDS)
    claims = load_claims().set_index("claim_id")
    for row in table.itertuples():
        assert claims.loc[row.claim_id, "doc_id"] == row.doc_id
        assert row.grade_row in set(load_grade_outcomes().row_id)
    with pytest.raises(ValueError, match="doc_id must be one of"):
        main_certainty("S7")


def test_report_card_table_reads_like_the_cards():
    from mgedu.report_cards import report_card_table

    table = report_card_table()
    assert list(table.index) == list(DOC_IDS) and not table.isna().any().any()
    for doc_id in DOC_IDS:
        card = report_card(doc_id)
        assert table.loc[doc_id, "Supported (%)"] == int(f"{100 * card.share_supported:.0f}")
        assert table.loc[doc_id, "Misreported or unsupported (%)"] == int(f"{100 * card.share_serious:.0f}")
        assert table.loc[doc_id, "Reading"] == card.reading
    assert "-" not in "".join(table.Publisher), "human words, not publisher codes"


def test_report_card_bars_use_the_table_denominator():
    """The green bar of each article is its table share_supported; the red and orange add up to share_serious."""
    from matplotlib.colors import to_hex

    from mgedu.plots import VERDICT_COLOURS
    from mgedu.plots.evidence import plot_report_cards

    cards = report_cards()
    ax = plot_report_cards()
    widths: dict[tuple[str, int], float] = {}
    for patch in ax.patches:
        row = round(patch.get_y() + patch.get_height() / 2)
        colour = to_hex(patch.get_facecolor()).upper()
        widths[(colour, row)] = widths.get((colour, row), 0.0) + patch.get_width()
    for i, card in enumerate(cards.itertuples()):
        supported = widths.get((VERDICT_COLOURS["supported"].upper(), i), 0.0)
        serious = sum(widths.get((VERDICT_COLOURS[v].upper(), i), 0.0) for v in ("misreported", "unsupported"))
        assert supported == pytest.approx(100 * card.share_supported, abs=0.06)
        assert serious == pytest.approx(100 * card.share_serious, abs=0.06)
        assert sum(w for (c, r), w in widths.items() if r == i) == pytest.approx(100)
    s000 = cards.set_index("doc_id").loc["S000"]
    assert round(100 * s000.share_supported) == 40  # 4 of 10 judged (it was drawn as 4 of 12 = 33 %)
