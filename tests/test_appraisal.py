"""The capstone's appraisal: the set of claims to judge, the article to read, judging the set with its worst
problem, the certainty rating, the comparison report, and checking the checker (bad input included)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from mgedu.attempts import ATTEMPTS_VARIABLE, forget_attempts
from mgedu.exercise_keys import load_exercises, right_letters
from mgedu.exercises import check
from mgedu.plots import alt_text
from mgedu.plots.practice import plot_tally
from mgedu.practice import forget, judge, learner_record, tally
from mgedu.practice.appraisal import (
    CERTAINTY_SCALE,
    STANCE_SCALE,
    WHY_BY_TOPIC,
    WHY_LABELS,
    challenge_audit,
    choose_worst_problem,
    compare_appraisal,
    compare_certainty,
    compare_worst_problem,
    load_audit_challenges,
    main_outcome,
    rating_of,
)
from mgedu.practice.article import (
    LEFT_OUT,
    MAX_SHARE_PER_VERDICT,
    SET_SIZE,
    claims_to_judge,
    judge_claims,
    read_article,
    study_cards,
    verdict_seats,
)
from mgedu.practice.record import judgements_from_log
from mgedu.report_cards import load_main_outcomes, main_certainty, report_card
from mgedu.seeds import DOC_IDS, REASON_LABELS, VERDICT_LABELS, load_claims

CLAIMS = load_claims().set_index("claim_id")


@pytest.fixture(autouse=True)
def empty_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ATTEMPTS_VARIABLE, "")
    monkeypatch.delenv("MGEDU_GRADING_LOG", raising=False)
    forget()
    forget_attempts()


def audit_pair(claim_id: str) -> tuple[str, str]:
    return str(CLAIMS.loc[claim_id, "verdict"]), str(CLAIMS.loc[claim_id, "reason_kind"])


# --- the set: balanced, representative, the same rule for every article --------------------------------


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_the_set_is_balanced_and_representative_for_every_article(doc_id: str) -> None:
    picks = claims_to_judge(doc_id)
    mine = CLAIMS[CLAIMS.doc_id == doc_id]
    candidates = mine[~mine.verdict.astype(str).isin(LEFT_OUT)]
    assert len(picks) == min(SET_SIZE, len(candidates)) == SET_SIZE and len(set(picks)) == len(picks)
    assert all(CLAIMS.loc[c, "doc_id"] == doc_id for c in picks)
    verdicts = [str(CLAIMS.loc[c, "verdict"]) for c in picks]
    assert not set(verdicts) & set(LEFT_OUT), "not-verified claims cannot be checked by anyone"
    assert set(verdicts) == set(candidates.verdict.astype(str)), "every kind of call the article earns is met"
    assert max(verdicts.count(v) for v in set(verdicts)) <= MAX_SHARE_PER_VERDICT * SET_SIZE
    assert len(set(verdicts)) >= 3, "kappa needs several categories"
    assert report_card(doc_id, n_worst=1).worst[0]["claim_id"] in picks, "the worst problem is always in the set"
    assert load_main_outcomes().set_index("doc_id").loc[doc_id, "claim_id"] in picks or doc_id == "S004"
    starts = [int(CLAIMS.loc[c, "start"]) for c in picks]
    assert starts == sorted(starts), "numbered in reading order"
    topics = {str(CLAIMS.loc[c, "topic"]) for c in picks}
    assert len(topics) >= min(3, mine.topic.nunique())
    assert claims_to_judge(doc_id) == picks, "deterministic"


def test_seats_follow_the_stated_rule() -> None:
    assert verdict_seats(
        {"supported": 33, "overstated": 9, "misreported": 1, "unsupported": 1, "uncheckable": 1}, 10
    ) == {"supported": 4, "overstated": 3, "misreported": 1, "unsupported": 1, "uncheckable": 1}
    assert verdict_seats({"supported": 20, "overstated": 20, "unsupported": 15}, 10) == {
        "supported": 4,
        "overstated": 3,
        "unsupported": 3,
    }
    # more verdicts than seats: the largest give way, every seat is used
    assert sum(verdict_seats({"supported": 5, "overstated": 1, "misreported": 1}, 2).values()) == 2
    # when every verdict is full the cap is lifted rather than leave seats empty
    assert verdict_seats({"supported": 9, "overstated": 1}, 8) == {"supported": 7, "overstated": 1}
    assert verdict_seats({}, 10) == {}
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="n must be a whole number of claims"):
            verdict_seats({"supported": 3}, bad)  # type: ignore[arg-type]


def test_the_set_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="doc_id must be one of S000, S001, S002, S003, S004, got 'S9'"):
        claims_to_judge("S9")
    with pytest.raises(ValueError, match="n must be a whole number"):
        claims_to_judge("S002", n=0)
    assert len(claims_to_judge("S002", n=4)) == 4


# --- the article, with no verdict ------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_the_article_is_shown_whole_with_the_set_marked_and_no_verdict(doc_id: str) -> None:
    picks = claims_to_judge(doc_id)
    shown = read_article(doc_id, picks)
    flat = " ".join(shown.text.split())
    for number, claim_id in enumerate(picks, start=1):
        quote = " ".join(str(CLAIMS.loc[claim_id, "quote"]).split())
        assert f"[[{number} · {claim_id}: {quote}]]" in flat
        assert f"<b>[{number} · {claim_id}]</b>" in shown.html
    assert shown.html.count("<mark>") == len(picks)
    audit = [str(CLAIMS.loc[c, k]) for c in picks for k in ("evidence", "reason")]
    for text in (shown.text, shown.html):
        assert "verdict" not in text.lower().replace("facts only, no verdicts", "")
        assert not any(a[:50] in text for a in audit), "no audit note reaches the reader before judging"
        assert not any(f"{label}." in text for label in REASON_LABELS.values())


def test_the_article_says_who_publishes_it_and_escapes_its_text() -> None:
    shown = read_article("S002", ["S002-C37"], studies=False)
    assert "Published by a seller of a combination supplement; names for sale: Sedorum" in shown.text
    assert "combination-supplement-seller" not in shown.text
    assert "Study cited" not in shown.text
    bare = read_article("S003")
    assert bare.html.count("<mark>") == 0 and "The page as it was collected" in bare.text
    assert "<script" not in bare.html


def test_the_article_rejects_claims_of_another_article() -> None:
    with pytest.raises(ValueError, match="claim 'S000-C01' is not in S002"):
        read_article("S002", ["S000-C01"])
    with pytest.raises(ValueError, match="marked must be a list of claim ids"):
        read_article("S002", "S002-C37")
    with pytest.raises(ValueError, match="unknown claim_id"):
        read_article("S002", ["S002-C999"])


def test_study_cards_are_facts_once_per_study() -> None:
    shown = study_cards(claims_to_judge("S002"))
    assert shown.text.count("Hornyak M, Voderholzer U") == 1
    assert "Claims 6, 7 and 8 cite this study:" in shown.text
    assert shown.text.startswith("The studies these claims cite (facts only, no verdicts):")
    for leak in ("verdict", "supported", "misreported", "[B]"):
        assert leak not in shown.text.replace("no verdicts", "")
    assert study_cards(["S003-C01"]).status == "no study"
    with pytest.raises(ValueError, match="list of claim ids"):
        study_cards("S002-C37")


# --- judging the set, with its worst problem ---------------------------------------------------------------


def test_judging_the_set_records_each_pair_and_the_worst_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    picks = claims_to_judge("S002")
    pairs = [audit_pair(c) for c in picks[:3]]
    shown = judge_claims(picks, *pairs, (..., ...), ("overstated", "nonsense"), "junk", worst=(3, "main-promise"))
    lines = shown.text.splitlines()
    verdict, reason = pairs[0]
    assert lines[0] == f"1 · {picks[0]} · recorded: {VERDICT_LABELS[verdict]} · {REASON_LABELS[reason]}."
    assert "5 · " in shown.text and "reason 'nonsense' is not one of" in shown.text
    assert f"6 · {picks[5]} · not recorded: give a pair (verdict, reason)" in shown.text
    assert "Not judged yet: claims 4, 7, 8, 9, 10." in shown.text
    assert f"Worst problem · {picks[2]} · recorded as the worst problem of S002" in shown.text
    assert "audit" not in shown.text.replace("The audit's verdicts appear only when you compare.", "")
    assert [j.item for j in learner_record().judged("claim")] == picks[:3]
    logged = [json.loads(line) for line in log.read_text().splitlines()]
    assert {r["task"] for r in logged} == {"claim", "worst-problem"}
    found = judgements_from_log(logged)
    assert [j.item for j in found["worst-problem"]] == [picks[2]], "the grader can read the worst problem"


def test_a_blank_set_records_nothing() -> None:
    picks = claims_to_judge("S000")
    shown = judge_claims(picks)
    assert shown.status == "not judged" and not learner_record().judgements
    assert "Worst problem · not chosen yet" in shown.text and '"changes-what-readers-do"' in shown.text


def test_worst_problem_input_is_checked() -> None:
    picks = claims_to_judge("S000")
    assert "claim number must be 1 to 10, got 11" in judge_claims(picks, worst=(11, "main-promise")).text
    assert "give worst=(claim number, why)" in judge_claims(picks, worst="S000-C09").text
    assert "why 'dose' is not one of" in judge_claims(picks, worst=("S000-C09", "dose")).text
    assert not learner_record().judgements
    with pytest.raises(ValueError, match="claim_ids must be the list of claims you judge"):
        judge_claims("S000-C01")


def test_one_worst_problem_per_article() -> None:
    assert choose_worst_problem("S002-C12", "changes-what-readers-do").status == "recorded"
    assert choose_worst_problem("S002-C37", "misdescribes-evidence").status == "recorded"
    assert choose_worst_problem("S000-C09", "misdescribes-evidence").status == "recorded"
    assert sorted(j.item for j in learner_record().judged("worst-problem")) == ["S000-C09", "S002-C37"]
    assert choose_worst_problem("S002-C99", "main-promise").status == "invalid"


def test_the_worst_problem_is_compared_with_the_audits_pick() -> None:
    assert compare_worst_problem("S002").status == "empty"
    choose_worst_problem("S002-C12", "changes-what-readers-do")
    same = compare_worst_problem("S002")
    assert "The audit chose the same claim, for the same reason." in same.text
    choose_worst_problem("S002-C37", "misdescribes-evidence")
    other = " ".join(compare_worst_problem("S002").text.split())
    worst = [w["claim_id"] for w in report_card("S002", n_worst=10).worst]
    assert "The audit chose S002-C12" in other and f"number {worst.index('S002-C37') + 1} of its" in other
    assert "A different pick can be a fair one" in other
    choose_worst_problem("S002-C35", "misdescribes-evidence")
    assert "does not count yours among its problems (it found it supported)" in " ".join(
        compare_worst_problem("S002").text.split()
    )
    with pytest.raises(ValueError, match="doc_id must be one of"):
        compare_worst_problem("S9")


def test_every_topic_has_an_audit_reason() -> None:
    assert set(WHY_BY_TOPIC.values()) <= set(WHY_LABELS)
    assert set(CLAIMS.topic.astype(str)) <= set(WHY_BY_TOPIC)


# --- the certainty of the main outcome ------------------------------------------------------------------------


def test_the_main_outcome_is_shown_without_its_rating() -> None:
    shown = main_outcome("S002")
    assert shown.text.startswith("S002's main promise (S002-C01):")
    assert "RLS severity in restless legs syndrome" in shown.text
    certainty = main_certainty("S002")[1]
    for text in (shown.text.lower(), shown.html.lower()):
        assert certainty not in text and "certainty" not in text and "rated down" not in text
    with pytest.raises(ValueError, match="doc_id must be one of"):
        main_outcome("S5")


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_the_certainty_exercise_fits_every_article(doc_id: str) -> None:
    """Exercise 6.2 asks for the certainty of *your* article's main outcome: its key must hold for all five."""
    (right,) = right_letters(load_exercises()["6.2"])
    assert rating_of("6.2", right) == main_certainty(doc_id)[1]


def test_the_certainty_options_name_the_levels_in_order() -> None:
    assert [rating_of("6.2", letter) for letter in "abcd"] == ["high", "moderate", "low", "very low"]
    assert rating_of("6.2", "e") is None and rating_of("9.9", "a") is None
    assert CERTAINTY_SCALE.order == ("high", "moderate", "low", "very low")


def test_the_certainty_rating_is_compared_after_it_is_given() -> None:
    assert compare_certainty("S002").status == "empty"
    check("6.2", "c")
    check("6.2", "d")
    shown = " ".join(compare_certainty("S002").text.split())
    assert "Your first rating: low (more confident than the audit); your last: very low." in shown
    assert "The audit's GRADE rating: very low." in shown and "Imprecision: Rated down two levels" in shown
    forget_attempts()
    check("6.2", "d")
    assert "Your first rating: very low (the same as the audit's)" in " ".join(compare_certainty("S002").text.split())


# --- the report -----------------------------------------------------------------------------------------------


def test_the_report_shows_nothing_before_judging() -> None:
    picks = claims_to_judge("S002")
    shown = compare_appraisal("S002", picks)
    assert shown.status == "empty"
    for claim_id in picks:
        for note in (str(CLAIMS.loc[claim_id, "reason"]), str(CLAIMS.loc[claim_id, "evidence"])):
            assert note[:40] not in shown.text
    assert "audit:" not in shown.text and "kappa" not in shown.text.lower()


def test_the_report_gives_kappa_claim_by_claim_the_worst_problem_and_the_certainty() -> None:
    picks = claims_to_judge("S002")
    pairs = [audit_pair(c) for c in picks]
    pairs[4] = ("overstated", "mechanism-as-proof")  # one harsher than the audit (a supported mechanism claim)
    judge_claims(picks, *pairs, worst=(3, "changes-what-readers-do"))
    judge("S000-C01", "supported", "matches-source")  # another article's claim stays out of this report
    check("6.2", "d")
    shown = compare_appraisal("S002", picks)
    text = " ".join(shown.text.split())
    assert "You have judged 10 claims." in text and "Cohen's kappa 0.87" in text
    assert "95 % confidence interval" in text, "10 claims: kappa is read without the small-set warning"
    assert "You judged 10 claims; the audit chose the same verdict for 9." in text
    assert "The audit chose the same claim" in text and "Your first rating: very low" in text
    assert "S000-C01" not in text
    assert "<h3>Claim by claim</h3>" in shown.html and "<table>" in shown.html
    partial = compare_appraisal("S002", picks + ["S002-C38"])
    assert "Not judged yet, so not shown: S002-C38." in partial.text
    with pytest.raises(ValueError, match="list of claim ids"):
        compare_appraisal("S002", "S002-C37")


def test_tally_and_its_chart_can_be_limited_to_a_set() -> None:
    judge("S000-C01", *audit_pair("S000-C01"))
    judge("S002-C12", "supported", "matches-source")
    assert "You have judged 1 claim." in tally("S002-C12").text
    assert "You have judged 2 claims." in tally().text
    ax = plot_tally(items=["S002-C12"])
    assert ax.get_title().startswith("Same verdict as the audit for 0 of 1 claims") and alt_text(ax)
    with pytest.raises(ValueError, match="items must be a list of ids"):
        plot_tally(items="S002-C12")


# --- check the checker ---------------------------------------------------------------------------------------------


def test_the_challenge_data_offers_another_verdict() -> None:
    table = load_audit_challenges().set_index("claim_id")
    row = table.loc["S002-C37"]
    assert CLAIMS.loc["S002-C37", "verdict"] == "misreported" and row.other_verdict == "supported"
    assert "10 people" in row.audit_case and "6 of the study's patients" in row.other_case
    assert "doi 10.1093/sleep/21.5.501" in row.source


def test_both_readings_appear_only_after_the_stance_and_the_argument() -> None:
    blank = challenge_audit("S002-C37", ..., written="6.5")
    assert blank.status == "not judged" and "misreported" not in blank.text
    early = challenge_audit("S002-C37", "milder", written="6.5")
    assert early.status == "recorded" and "once you have written your argument (exercise 6.5)" in early.text
    assert "other reading" not in early.text.lower()
    check("6.5", "The sentence is true of the 6 patients with RLS; the study card says 6 of 10 had RLS.")
    shown = challenge_audit("S002-C37", "milder", written="6.5")
    text = " ".join(shown.text.split())
    assert shown.status == "shown"
    assert "The audit's reading: misreported (a number or detail differs from the source)" in text
    assert "The other reading: supported (the source says this)" in text
    assert "You leaned towards the other, milder reading." in text
    assert "What decides between them" in text and "Source:" in text
    assert challenge_audit("S002-C37", "agree").status == "shown", "without a written exercise, the stance suffices"


def test_a_bad_stance_or_claim_is_not_recorded() -> None:
    bad = challenge_audit("S002-C37", "disagree")
    assert bad.status == "invalid" and "stance 'disagree' is not one of: agree, milder, harsher" in bad.text
    other = challenge_audit("S002-C12", "agree")
    assert other.status == "invalid" and "is not a stance on an audit verdict id" in other.text
    assert not learner_record().judgements
    assert set(STANCE_SCALE.values) == {"agree", "milder", "harsher"}


# --- the notebook's exercises: none copyable, letters varied, skills honest ----------------------------------------


def test_the_capstone_items_ask_for_judgement_and_vary_their_letters() -> None:
    items = [ex for ex in load_exercises().values() if ex.notebook == "06-appraise-an-article"]
    auto = [ex for ex in items if ex.kind != "written"]
    assert sum(ex.skill in ("judgement", "transfer") for ex in auto) / len(auto) >= 0.6
    letters = [right_letters(ex)[0] for ex in auto if ex.kind == "choice"]
    assert sorted(letters) == ["a", "b", "c", "d"]
    for ex in auto:
        right = ex.choices[ex.letters.index(right_letters(ex)[0])]
        assert len(right) < max(len(c) for c in ex.choices), f"{ex.id}: the right option is the longest"


def test_the_notebook_prints_no_answer_to_its_items() -> None:
    """No choice item's right option text, and no certainty level of the main outcome, is printed above it."""
    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "06-appraise-an-article.ipynb", 4)
    shown = "\n".join(
        str(o.get("text", "")) + json.dumps(o.get("data", {})) for c in nb.cells for o in c.get("outputs", [])
    )
    assert not re.search(r"\bvery low\b", shown.split("plot_report_cards")[0])
    for ex in load_exercises().values():
        if ex.notebook == "06-appraise-an-article" and ex.kind == "choice":
            right = ex.choices[ex.letters.index(right_letters(ex)[0])]
            assert right[:40] not in shown
    assert pd.isna(pd.NA)
