"""Notebook 01's practice set: the claims chosen, what waits for them, and what a learner reads first.

The set must span the five main verdicts and at least four articles, include a hedged "may help" claim,
and be exactly the claims the notebook's judging cells ask about; nothing in the notebook's stored
outputs (a fresh Run All: nbval checks they match) may show the audit's answer on any of them. The
helpers the learner reads before judging (the claim sheet, the study shelf, the verdict guide, the
articles table) never show a verdict, and bad input gets a message, not a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from mgedu.articles import CITATION_LABELS, PUBLISHER_LABELS, articles_table, label, unlabelled_codes
from mgedu.attempts import ATTEMPTS_VARIABLE
from mgedu.practice import ClaimSet, claim_set, claim_sheet, forget, judge, study_shelf, verdict_guide
from mgedu.practice.claims import humanise
from mgedu.seeds import REASON_KINDS, VERDICT_LABELS, VERDICTS, document_text, load_claims, normalise_whitespace

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01-claims.ipynb"
CLAIMS = load_claims().set_index("claim_id")
SET = claim_set("01-claims")
MAIN_VERDICTS = ("supported", "overstated", "misreported", "unsupported", "uncheckable")


@pytest.fixture(autouse=True)
def empty_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ATTEMPTS_VARIABLE, "")
    monkeypatch.delenv("MGEDU_GRADING_LOG", raising=False)
    forget()


def judge_all(claims: tuple[str, ...]) -> None:
    for claim in claims:
        verdict, reason = CLAIMS.loc[claim, "verdict"], CLAIMS.loc[claim, "reason_kind"]
        assert judge(claim, verdict, reason).status == "recorded"


# --- the set ---------------------------------------------------------------------------------------


def test_the_set_spans_the_verdicts_and_articles_the_issue_asks_for() -> None:
    assert SET.problems() == []
    chosen = CLAIMS.loc[list(SET.claims)]
    assert len(chosen) >= 8
    assert set(MAIN_VERDICTS) <= set(chosen.verdict)
    assert chosen.doc_id.nunique() >= 4
    hedged = [c for c in SET.claims if re.search(r"\bmay help\b", str(CLAIMS.loc[c, "quote"]))]
    assert hedged, "a hedged 'may help' claim"
    assert "not-verified" in set(chosen.verdict), "not verified is met where it matters"


def test_bad_sets_and_names_are_refused_with_the_allowed_values() -> None:
    with pytest.raises(ValueError, match="needs at least one claim id"):
        ClaimSet("empty", ())
    with pytest.raises(ValueError, match="lists S000-C05 more than once"):
        ClaimSet("twice", ("S000-C05", "S000-C05"))
    with pytest.raises(ValueError, match="name must be one of 01-claims, got '99-x'"):
        claim_set("99-x")
    assert ClaimSet("typo", ("S2-C48",)).problems()[0].startswith("'S2-C48' is not a claim id (did you mean S002-C48")


def test_after_judging_waits_for_every_claim_then_makes_the_content() -> None:
    made: list[str] = []

    def make(topic: str) -> str:
        made.append(topic)
        return f"explorer on {topic}"

    waiting = SET.after_judging(make, topic="efficacy")
    assert waiting.status == "waiting" and made == []
    assert "Still to judge: 9 claims (S000-C05, S002-C48" in waiting.text
    judge_all(SET.claims[:-1])
    last = SET.after_judging(make, topic="efficacy")
    assert last.status == "waiting" and "Still to judge: 1 claim (S001-C34)" in last.text and made == []
    assert SET.progress().text == (
        f"You have judged {len(SET.claims) - 1} of the {len(SET.claims)} claims of this set. Still to judge: S001-C34."
    )
    judge_all(SET.claims[-1:])
    assert SET.after_judging(make, topic="efficacy") == "explorer on efficacy" and made == ["efficacy"]
    assert SET.progress().status == "complete"


def test_an_invalid_judgement_does_not_open_the_gate() -> None:
    judge_all(SET.claims[:-1])
    assert judge(SET.claims[-1], "supported", "no-source").status == "invalid"
    assert SET.remaining() == SET.claims[-1:]


# --- the notebook ----------------------------------------------------------------------------------


def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_the_notebook_judges_exactly_the_set_in_order_and_starts_blank() -> None:
    judged = [
        m.group(1)
        for c in notebook().cells
        if c.cell_type == "code"
        for m in re.finditer(r'judge\("([^"]+)", \.\.\., \.\.\.\)', c.source)
    ]
    assert tuple(judged) == SET.claims
    assert not re.search(r'judge\("[^"]+", "', "\n".join(c.source for c in notebook().cells)), "never pre-filled"


def test_nothing_before_the_comparison_and_nothing_stored_shows_an_answer_about_the_set() -> None:
    nb = notebook()
    stored = json.dumps([c.get("outputs", []) for c in nb.cells])
    for claim in SET.claims:
        why = humanise(str(CLAIMS.loc[claim, "reason"]))
        assert why[:50] not in stored, f"{claim}: the audit's reason is on screen after Run All"
        assert humanise(str(CLAIMS.loc[claim, "evidence"]))[:50] not in stored
    labels = "|".join(VERDICT_LABELS.values())
    assert not re.search(rf"(audit|verdict): ({labels})", stored), "a verdict of the audit is on screen"
    compare_at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "compare(" in c.source)
    before = "\n".join(c.source for c in nb.cells[:compare_at])
    assert not [v for v in VERDICT_LABELS.values() if re.search(rf"\baudit (calls|says)[^.]*\b{v}\b", before)]
    explorer = next(
        c for c in nb.cells if "make_claim_explorer" in c.source and c.cell_type == "code" and "import" not in c.source
    )
    assert "practice.after_judging(make_claim_explorer" in explorer.source
    assert "This opens once you have judged the 9 claims above" in str(explorer.outputs)


def test_markdown_that_names_the_audits_calls_on_the_set_is_closed_until_opened() -> None:
    labels = "|".join(VERDICT_LABELS.values())
    for cell in notebook().cells:
        if cell.cell_type != "markdown":
            continue
        open_text = re.sub(r"<details>.*?</details>", "", str(cell.source), flags=re.DOTALL)
        assert "Several studies" not in open_text, "the debatable call is discussed only inside a closed <details>"
        for sentence in re.split(r"(?<=[.!?])\s", open_text):
            named = [c for c in SET.claims if c in sentence]
            assert not (named and re.search(rf"\b({labels})\b", sentence)), f"{named}: {sentence}"


ARTICLE_QUOTES = [
    ("S001", "Functional Nutrition Specialist, Scientific & Regulatory Advisor for Health Supplements"),
    ("S001", "in the field of Nutrition Science and Food Regulation for over 15 years"),
    ("S001", "an active member of the Standards Review Group (SRG) - Nutraceuticals FSSAI"),
    ("S001", "last accessed on October 3, 2024"),
    ("S003", "Updated May, 2021"),
    ("S003", "has long been used as a natural remedy for RLS"),
    ("S004", "is considered promising but not proven as a standard treatment"),
]


@pytest.mark.parametrize(("doc_id", "quote"), ARTICLE_QUOTES, ids=[q[:30] for _, q in ARTICLE_QUOTES])
def test_the_notebook_quotes_the_articles_verbatim(doc_id: str, quote: str) -> None:
    markdown = normalise_whitespace("\n".join(str(c.source) for c in notebook().cells if c.cell_type == "markdown"))
    assert quote in markdown
    assert quote in normalise_whitespace(document_text(doc_id))


# --- what the learner reads before judging ----------------------------------------------------------


def test_the_claim_sheet_folds_the_study_card_and_shows_no_verdict() -> None:
    for claim in SET.claims:
        sheet = claim_sheet(claim)
        assert sheet.status == "shown" and "<details class='mgedu-study-card'>" in sheet.html
        assert "<details open" not in sheet.html
        for word in ("verdict", "audit's reason", str(CLAIMS.loc[claim, "reason"])[:40]):
            assert word not in sheet.text
    assert "Study card: none" in claim_sheet("S004-C43").html
    assert claim_sheet("S002-C40").text.count("Bartell S, Zallek S") == 1
    bad = claim_sheet("s2-c48x")
    assert bad.status == "invalid" and "is not a claim id" in bad.text


def test_the_study_shelf_is_in_order_of_year_and_refuses_unknown_studies() -> None:
    shelf = study_shelf(["gorantla2024", "bartell2006", "hornyak1998"], "Shelf")
    heads = [line for line in shelf.text.splitlines() if re.match(r"\d{4} · ", line)]
    assert [h[:4] for h in heads] == ["1998", "2006", "2024"]
    assert heads[1].endswith("· 1 person") and heads[0].endswith("· 10 people")
    assert "NOT FOUND" not in shelf.text and "[B]" not in shelf.text
    assert shelf.html.count("<li>") == 3
    for bad in (["hornyak1998", "nobody1999"], []):
        refused = study_shelf(bad, "Shelf")
        assert refused.status == "invalid" and "study_ids must be ids of studies.csv" in refused.text


def test_the_verdict_guide_lists_what_judge_accepts() -> None:
    guide = verdict_guide()
    quoted = set(re.findall(r'^  "([a-z-]+)"', guide.text, flags=re.MULTILINE))
    assert quoted == set(VERDICTS) | (set(REASON_KINDS) - {"matches-source", "source-not-found", "vague-or-marketing"})
    for paired in ("matches-source", "source-not-found", "vague-or-marketing"):
        assert f'reason: "{paired}"' in " ".join(guide.text.split())
    assert guide.html.count("<table") == 2 and max(len(line) for line in guide.text.splitlines()) <= 96


def test_the_articles_table_reads_in_words_with_nothing_missing() -> None:
    table = articles_table()
    assert list(table.index) == ["S000", "S001", "S002", "S003", "S004"]
    assert not table.isna().any().any()
    assert not [v for v in table.to_numpy().ravel() if re.fullmatch(r"[a-z]+(-[a-z]+)+", str(v))], "no raw codes"
    assert table.loc["S000", "how it cites its sources"] == "a numbered reference list (3 references)"
    assert unlabelled_codes() == []
    assert set(PUBLISHER_LABELS) and set(CITATION_LABELS)
    with pytest.raises(ValueError, match="no label for 'blog'; labelled codes: supplement-brand-blog"):
        label(PUBLISHER_LABELS, "blog")
