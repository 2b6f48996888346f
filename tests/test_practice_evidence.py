"""Rating RoB 2 domains and GRADE steps with reasons (notebook 05): recorded, refused, compared, tallied, hidden.

Every test starts from an empty learner record. The audit's answers come from the real data files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mgedu.attempts import ATTEMPTS_VARIABLE
from mgedu.certainty import domain_ratings, grade_outcome, load_grade_outcomes, outcome_evidence
from mgedu.plots import alt_text
from mgedu.plots.evidence import plot_grade_summary, plot_rob_traffic_light
from mgedu.practice import forget, learner_record
from mgedu.practice.bias import (
    BIAS_TASK,
    bias_overview,
    compare_bias,
    judge_bias,
    overall_note,
    pending_trials,
    result_keys,
    show_bias,
    tally_bias,
)
from mgedu.practice.grade import (
    DOMAIN_TASK,
    START_TASK,
    bottom_lines,
    compare_grade,
    grade_evidence,
    hidden_outcomes,
    learner_certainty,
    rate_grade,
    tally_grade,
    worked_grade,
)
from mgedu.practice.reasons import is_blank, learner_reason, reason_problem
from mgedu.practice.record import judgements_from_log
from mgedu.practice.tasks import get_task
from mgedu.risk_of_bias import load_risk_of_bias

JADIDI = "jadidi2022:rls-severity"
RLS = "rls:rls-severity"
AUDIT_RLS = {
    "start": "high",
    "risk_of_bias": "serious",
    "inconsistency": "serious",
    "indirectness": "not serious",
    "imprecision": "very serious",
    "publication_bias": "not serious",
}


@pytest.fixture(autouse=True)
def empty_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ATTEMPTS_VARIABLE, "")
    monkeypatch.delenv("MGEDU_GRADING_LOG", raising=False)
    forget()


def rate_all_rls(**changes: object) -> None:
    ratings = {step: (value, f"my reason for {step}") for step, value in AUDIT_RLS.items()}
    ratings.update(changes)
    assert rate_grade(RLS, **ratings).status == "recorded"


# ------------------------------------------------------------------------------------------------ RoB 2


def test_blank_bias_worksheet_records_nothing_and_says_what_to_do() -> None:
    shown = judge_bias(JADIDI, measurement=(..., ...), overall=(..., "..."))
    assert shown.status == "not judged"
    assert "D4 measurement of the outcome · not rated yet: replace (..., ...) with a judgement" in shown.text
    assert not learner_record().judgements and not learner_record().written


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            {"measurement": ("some concern", "knew the group")},
            "judgement 'some concern' is not one of: low, some concerns, high (did you mean 'some concerns'?)",
        ),
        ({"measurement": ("low", ...)}, "add your reason in a few words, in quotes, after the judgement"),
        ({"measurement": ("low", "blinded")}, "your reason needs at least 2 words, got 1"),
        ({"measurement": ("low", 3)}, "your reason must be text in quotes, got 3 (int)"),
        ({"measurement": "low"}, "give a pair (rating, reason) in brackets"),
        ({"blinding": ("low", "no one knew")}, "blinding · not recorded: not a step here; steps: randomisation,"),
        ({}, "Nothing to record: name a step with a (rating, reason) pair"),
    ],
)
def test_bad_bias_judgements_are_refused_with_the_allowed_values(steps: dict, expected: str) -> None:
    shown = judge_bias(JADIDI, **steps)
    assert shown.status == "invalid" and expected in shown.text, shown.text
    assert not learner_record().judgements


def test_an_unknown_result_names_the_known_ones() -> None:
    shown = judge_bias("jadidi2022:sleep", measurement=("low", "machine measured it"))
    assert shown.status == "invalid" and "jadidi2022:rls-severity" in shown.text
    assert result_keys()[0] == "abbasi2012:sleep-onset-latency" and JADIDI in result_keys()


def test_a_bias_judgement_is_recorded_with_its_reason_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    shown = judge_bias(JADIDI, measurement=("Some Concerns", "  a questionnaire,   and one side knew "))
    assert shown.status == "recorded"
    assert (
        "D4 measurement of the outcome · recorded: some concerns, because “a questionnaire, and one side "
        "knew”." in shown.text
    )
    assert (
        "The audit's ratings appear only when you compare." in shown.text
        and "some concerns." not in shown.text.split("\n")[0]
    )
    assert learner_reason(BIAS_TASK, f"{JADIDI}/measurement") == "a questionnaire, and one side knew"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["kind"] for r in records] == ["judgement", "written"]
    assert records[1]["text"] == "a questionnaire, and one side knew"
    assert judgements_from_log(records)["rob2-domain"][0].values == {"judgement": "some concerns"}


def test_compare_bias_shows_only_judged_domains_with_both_reasons_and_the_lean() -> None:
    assert compare_bias(JADIDI).status == "empty"
    assert "not judged any domain yet" in compare_bias(JADIDI).text
    judge_bias(JADIDI, measurement=("low", "a questionnaire is fine"))
    shown = compare_bias(JADIDI)
    text = " ".join(shown.text.split())
    assert shown.status == "compared"
    assert "D4 measurement of the outcome: more trusting than the audit (you saw less risk of bias)." in text
    assert "You: low, because “a questionnaire is fine”" in text
    assert "Audit: some concerns. RLS severity and sleep quality were rated on questionnaires" in text
    for other in ("D1 randomisation", "D2 deviations", "D3 missing", "D5 selection", "Overall"):
        assert other not in shown.text, f"{other}: not judged, so nothing about it is shown"
    assert "<table>" in shown.html and "&lt;" not in shown.html.replace("<", "")


def test_overall_is_checked_against_the_rule_for_the_learners_own_domains() -> None:
    judge_bias(
        JADIDI,
        randomisation=("low", "says randomly assigned"),
        deviations=("low", "placebo was used"),
        missing_data=("low", "no dropouts mentioned"),
        measurement=("some concerns", "questionnaire outcome"),
        reporting=("low", "main outcome reported"),
        overall=("high", "feels weak overall"),
    )
    note = overall_note(JADIDI)
    assert note is not None and "allows an overall judgement of some concerns." in note
    assert "Your overall (high) does not follow from them" in note
    judge_bias(JADIDI, deviations=("some concerns", "single blind trial"))
    assert overall_note(JADIDI) is not None and "some concerns or high." in str(overall_note(JADIDI))
    assert "does not follow" not in str(overall_note(JADIDI))


def test_tally_and_overview_hide_the_trial_until_it_is_judged() -> None:
    assert pending_trials() == ["jadidi2022"]
    assert "jadidi2022" not in {t for t, _ in bias_overview().index}
    assert "Overall: 0 low, 6 some concerns, 0 high" in str(alt_text(plot_rob_traffic_light(bias_overview())))
    rows = load_risk_of_bias()
    audit = rows[(rows.trial_id == "jadidi2022") & (rows.outcome == "RLS severity")].set_index("domain").judgement
    steps = {
        "randomisation": "randomisation",
        "deviations": "deviations",
        "missing_data": "missing-data",
        "measurement": "measurement",
        "reporting": "reporting",
        "overall": "overall",
    }
    judge_bias(JADIDI, **{step: (audit[domain], "as the card says") for step, domain in steps.items()})
    assert pending_trials() == [] and "jadidi2022" in {t for t, _ in bias_overview().index}
    tally = tally_bias().text
    assert tally.startswith("You have judged 6 RoB 2 domains. You chose what the audit chose: 6 of 6")
    labels = [t.get_text() for t in plot_rob_traffic_light(bias_overview()).get_yticklabels()]
    assert "Jadidi 2023 · RLS severity" in labels and not [x for x in labels if "2022 ·" in x and "jadidi" in x]


def test_show_bias_is_the_worked_example_and_refuses_unknown_steps() -> None:
    shown = show_bias("held2002:total-sleep-time")
    assert shown.text.splitlines()[0] == "Held 2002 · total sleep time: the audit's RoB 2 reading"
    assert len(shown.text.splitlines()) == 7 and "overall risk of bias: some concerns." in shown.text
    assert show_bias("held2002:total-sleep-time", "blinding").status == "invalid"
    assert show_bias("held2002", "measurement").status == "invalid"


# ------------------------------------------------------------------------------------------------ GRADE


def test_grade_evidence_names_the_studies_and_shows_no_rating() -> None:
    shown = grade_evidence(RLS)
    assert "Jadidi 2023 (single-blind randomised controlled trial); Marshall 2019 (systematic review)" in shown.text
    row = load_grade_outcomes().set_index("row_id").loc[RLS]
    for secret in (row.certainty, "Rated down", "serious", row.bottom_line[:30]):
        assert secret not in shown.text
    assert outcome_evidence(RLS) == shown.text and "[B]" not in shown.text
    assert grade_evidence("rls:total-sleep-time").status == "invalid", "no evidence, nothing to rate"


def test_rate_grade_accepts_words_and_steps_and_refuses_bad_input() -> None:
    assert rate_grade(RLS, start=(..., ...)).status == "not judged"
    assert "starting level 'medium' is not one of: high, low" in rate_grade(RLS, start=("medium", "two trials")).text
    assert "rating '-3' is not one of" in rate_grade(RLS, imprecision=(-3, "tiny trial")).text
    assert rate_grade("rls:rls", imprecision=(-1, "tiny trial")).status == "invalid"
    shown = rate_grade(RLS, imprecision=(-2, "no interval reported"), risk_of_bias=("serious", "high risk trial"))
    assert shown.status == "recorded"
    assert "Imprecision · recorded: very serious (down two levels), because “no interval reported”." in shown.text
    assert learner_record().judgements[("grade-domain", f"{RLS}/imprecision")].values == {"rating": "very serious"}


def test_compare_grade_gives_each_step_both_reasons_and_the_certainty_once_all_are_rated() -> None:
    assert compare_grade(RLS).status == "empty"
    rate_grade(RLS, imprecision=("serious", "75 people only"))
    partial = " ".join(compare_grade(RLS).text.split())
    assert "Imprecision: more generous than the audit (you rated down less)." in partial
    assert "Audit: very serious (down two levels). Rated down two levels" in partial
    assert "Rate starting level, risk of bias, inconsistency, indirectness, publication bias too" in partial
    assert "Inconsistency:" not in partial and "very low" not in partial.replace("very serious", "")
    rate_all_rls(imprecision=("serious", "75 people only"), start=("low", "mostly pilot studies"))
    full = " ".join(compare_grade(RLS).text.split())
    assert "Starting level: stricter than the audit (you started lower)." in full
    assert "The rating rests on single-blind randomised trials, so it starts at high." in full
    assert "Your ratings lead to very low ⊕◯◯◯; the audit's to very low ⊕◯◯◯ (the same)." in full
    assert "second-hand information" in full and "[B]" not in full


def test_learner_certainty_follows_grade_arithmetic() -> None:
    assert learner_certainty(RLS) is None
    rate_all_rls(
        risk_of_bias=("not serious", "randomised trial"),
        inconsistency=("not serious", "hard to say"),
        imprecision=("serious", "small trial"),
    )
    assert learner_certainty(RLS) == "moderate"
    rate_all_rls()
    audit = grade_outcome("rls", "rls-severity")
    assert audit is not None and learner_certainty(RLS) == audit.certainty == "very low"
    assert {k: v for k, v in domain_ratings("rls", "rls-severity").items() if v} == {
        "risk_of_bias": -1,
        "inconsistency": -1,
        "imprecision": -2,
    }


def test_tally_grade_counts_steps_and_directions() -> None:
    assert tally_grade().status == "empty"
    rate_all_rls(indirectness=("serious", "dose was low"), imprecision=("serious", "small trial"))
    text = tally_grade().text
    assert text.splitlines()[0] == "You have rated 6 GRADE steps; the audit chose the same for 4."
    assert "1 stricter than the audit, 1 more generous" in text
    assert "RLS severity (restless legs syndrome): your certainty very low, the audit's very low." in text


def test_outcome_rating_stays_hidden_until_rated() -> None:
    assert hidden_outcomes() == (RLS,)
    lines = " ".join(bottom_lines().text.split())
    assert "RLS severity (restless legs syndrome): hidden until you have rated it" in lines
    assert "Periodic limb movements (restless legs syndrome) · very low: We do not know" in lines
    assert "We do not know whether magnesium eases restless legs" not in lines
    alt = str(alt_text(plot_grade_summary(hide=hidden_outcomes())))
    assert "restless legs syndrome, RLS severity: rate it first" in alt
    rate_grade(RLS, imprecision=("serious", "small trial"))
    assert hidden_outcomes() == (RLS,), "one step is not enough"
    rate_all_rls()
    assert hidden_outcomes() == () and "We do not know whether magnesium eases restless legs" in bottom_lines().html
    with pytest.raises(ValueError, match="hide must name outcomes"):
        plot_grade_summary(hide=["rls-severity"])


def test_worked_grade_gives_every_step_and_the_certainty() -> None:
    text = worked_grade("insomnia:sleep-onset-latency").text
    assert text.count("\n") == 7
    assert "Starting level: high (randomised trials)." in text and "Certainty: low ⊕⊕◯◯" in text
    assert "rct" not in text and worked_grade("rls:adverse-effects").status == "invalid"


def test_tasks_are_registered_for_the_grader() -> None:
    assert get_task("rob2-domain") is BIAS_TASK
    assert get_task("grade-start") is START_TASK and get_task("grade-domain") is DOMAIN_TASK
    log = [
        {
            "kind": "judgement",
            "task": "grade-domain",
            "item": f"{RLS}/imprecision",
            "values": {"rating": "very serious"},
        },
        {"kind": "judgement", "task": "grade-start", "item": f"{RLS}/start", "values": {"starting level": "mid"}},
    ]
    found = judgements_from_log(log)
    assert [j.item for j in found["grade-domain"]] == [f"{RLS}/imprecision"] and "grade-start" not in found


def test_reason_helpers() -> None:
    assert [is_blank(v) for v in (..., "…", None, "x")] == [True, True, True, False]
    assert reason_problem("two words") is None and reason_problem("") is not None
