"""Claims module, the claim explorer widget and the verdict figure."""

from __future__ import annotations

import html

import pytest

from mgedu.claims import (
    claim_card,
    claim_record,
    describe_selection,
    discrepancy_card,
    documents_overview,
    load_discrepancies,
    quote_in_context,
    select_claims,
    share_not_supported,
    verdict_counts,
)
from mgedu.plots import alt_text
from mgedu.plots.claims import plot_verdicts
from mgedu.seeds import DOC_IDS, TOPICS, load_claims
from mgedu.widgets.claims import claims_detail, make_claim_explorer


def test_select_claims_filters_combine():
    subset = select_claims("S002", "study-report", "misreported")
    assert len(subset) > 0
    assert set(subset.doc_id) == {"S002"} and set(subset.topic) == {"study-report"}
    assert set(subset.verdict) == {"misreported"}
    assert len(select_claims()) == len(load_claims())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"doc_id": "S5"}, "doc_id must be 'all' or one of"),
        ({"topic": "magic"}, "topic must be 'all' or one of"),
        ({"verdict": "true"}, "verdict must be 'all' or one of"),
    ],
)
def test_select_claims_rejects_unknown_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        select_claims(**kwargs)


def test_verdict_counts_add_up():
    counts = verdict_counts("doc_id")
    assert list(counts.index) == [*DOC_IDS, "all"]
    assert counts.loc["all", "total"] == len(load_claims())
    assert (counts.drop(columns="total").sum(axis=1) == counts["total"]).all()
    by_topic = verdict_counts("topic")
    assert set(by_topic.index) - {"all"} <= set(TOPICS)
    with pytest.raises(ValueError, match="by must be"):
        verdict_counts("author")


def test_share_not_supported_matches_counts():
    counts = verdict_counts().loc["S003"]
    assert share_not_supported("S003") == pytest.approx(1 - counts["supported"] / counts["total"])


def test_claim_card_and_context():
    record = claim_record("S002-C37")
    assert "6 patients" in record["quote"]
    card = claim_card("S002-C37")
    assert card.startswith("S002-C37 · ") and "Source:" in card and "Why:" in card
    context = quote_in_context("S002-C37", width=30)
    assert "[[In this study, 6 patients" in context
    with pytest.raises(ValueError, match="did you mean"):
        claim_record("S002-C370")
    with pytest.raises(ValueError, match="width must be"):
        quote_in_context("S002-C37", width=-1)


def test_discrepancies_cross_articles_and_resolve():
    table = load_discrepancies()
    assert len(table) >= 3
    multi_article = [ids for ids in table.claim_ids if len({c[:4] for c in ids.split("; ")}) > 1]
    assert len(multi_article) >= 3
    assert discrepancy_card("D1").startswith("D1 · ")
    with pytest.raises(ValueError, match="unknown discrepancy_id"):
        discrepancy_card("D99")


def test_documents_overview_counts():
    overview = documents_overview()
    assert overview.loc["S002", "sells_or_promotes"] == "Sedorum"
    assert overview["claims"].sum() == len(load_claims())
    from mgedu.report_cards import report_card

    for doc_id in overview.index:  # one denominator everywhere: the claims judged against a source
        card = report_card(doc_id)
        assert overview.loc[doc_id, "judged"] == card.n_judged
        assert overview.loc[doc_id, "share_supported"] == round(card.share_supported, 2)


def test_describe_selection_sentence():
    sentence = describe_selection("S000")
    n = len(select_claims("S000"))
    assert sentence.startswith(f"S000: {n} claims: ")
    assert describe_selection("all", "product", "supported").endswith("no claims.")


def test_claim_explorer_readout_follows_the_controls():
    explorer = make_claim_explorer()
    assert explorer.readout.value == html.escape(describe_selection())
    for doc_id, topic, verdict in [("S001", "mechanism", "all"), ("S004", "all", "overstated"), ("all", "dose", "all")]:
        explorer.controls["doc_id"].value = doc_id
        explorer.controls["topic"].value = topic
        explorer.controls["verdict"].value = verdict
        assert explorer.readout.value == html.escape(describe_selection(doc_id, topic, verdict))
        assert explorer.detail.value == claims_detail(doc_id, topic, verdict)


HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
CARD_FIELDS = ("claim_id", "topic", "verdict", "quote", "evidence", "reason")


def test_claim_explorer_escapes_every_data_string(monkeypatch):
    # The shipped claims hold no markup, so the check feeds the explorer a claims table that does.
    hostile = load_claims().head(2).astype({"topic": str, "verdict": str})
    for column in CARD_FIELDS:
        hostile[column] = HOSTILE
    monkeypatch.setattr("mgedu.claims.load_claims", lambda: hostile.copy())
    detail = claims_detail("all")
    assert "<script" not in detail and "<b>bold" not in detail
    assert detail.count(html.escape(HOSTILE)) == len(CARD_FIELDS) * len(hostile)


def test_claim_cards_name_studies_as_readers_do_and_show_no_codes():
    # S002-C48's evidence, as stored, names its study by id and carries a confidence code.
    stored = str(load_claims().set_index("claim_id").loc["S002-C48", "evidence"])
    assert "manconi2004" in stored and "[B]" in stored
    detail = claims_detail("S002", "study-report")
    assert "Manconi 2004" in detail
    assert "manconi2004" not in detail and "[B]" not in detail and "NOT FOUND" not in detail


def test_verdict_plot_has_units_and_alt_text():
    ax = plot_verdicts("doc_id")
    assert ax.get_xlabel() == "Number of claims"
    assert "S002" in alt_text(ax)
    shares = plot_verdicts("topic", share=True)
    assert shares.get_xlabel() == "Share of claims (%)"
    widths = [patch.get_width() for patch in shares.patches]
    assert max(widths) <= 100.0001
