"""The practice loop: claims shown without verdicts, judgements recorded (bad input included), compared, tallied.

Every test starts from an empty learner record. The claim tests use the real audit; the engine tests
declare a toy task, which is also the proof that a notebook can add judged items without copying code.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from mgedu.attempts import ATTEMPTS_VARIABLE, forget_attempts
from mgedu.plots import OKABE_ITO, alt_text
from mgedu.plots.practice import TALLY_COLOURS, plot_tally
from mgedu.practice import (
    Answer,
    Prediction,
    Scale,
    Task,
    claim_list,
    compare,
    compare_items,
    compare_links,
    forget,
    judge,
    judge_item,
    label_link,
    learner_record,
    predict,
    register_prediction,
    register_task,
    reveal,
    show_claim,
    study_card,
    tally,
    tally_predictions,
    tally_task,
    when_predicted,
    worked_answer,
)
from mgedu.practice.agreement import MIN_ITEMS_FOR_KAPPA, kappa_band, load_kappa_bands, read_kappa
from mgedu.practice.claims import VERDICT_ORDER, humanise, paragraph_bounds
from mgedu.practice.predictions import get_prediction
from mgedu.practice.tasks import get_task
from mgedu.seeds import document_text, load_claims

REPO = Path(__file__).resolve().parents[1]
CLAIMS = load_claims().set_index("claim_id")
HAS_REASON_KIND = "reason_kind" in CLAIMS.columns


@pytest.fixture(autouse=True)
def empty_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ATTEMPTS_VARIABLE, "")
    monkeypatch.delenv("MGEDU_GRADING_LOG", raising=False)
    forget()
    forget_attempts()


def verdict_of(claim_id: str) -> str:
    return str(CLAIMS.loc[claim_id, "verdict"])


def claims_with(verdict: str) -> list[str]:
    return [str(c) for c in CLAIMS.index[CLAIMS.verdict == verdict]]


def reason_for(verdict: str) -> str:
    return {"supported": "matches-source", "not-verified": "source-not-found", "uncheckable": "vague-or-marketing"}.get(
        verdict, "stronger-than-evidence"
    )


def tree_digest(*folders: Path) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


# --- the claim in context, the study card -----------------------------------------------------------


@pytest.mark.parametrize("claim_id", ["S000-C08", "S002-C12", "S003-C01", "S004-C02", "S004-C45"])
def test_show_claim_marks_the_quote_in_its_paragraph_without_the_verdict(claim_id: str) -> None:
    shown = show_claim(claim_id)
    quote = " ".join(str(CLAIMS.loc[claim_id, "quote"]).split())
    marked = re.search(r"<mark>(.*?)</mark>", shown.html, re.S)
    assert marked and " ".join(marked.group(1).split()) == quote.replace("&", "&amp;").replace("<", "&lt;")
    assert f"[[{quote}]]" in " ".join(shown.text.split())
    assert shown.html.count("<mark>") == 1 and "<blockquote>" in shown.html
    audit = [str(CLAIMS.loc[claim_id, c]) for c in ("evidence", "reason")]
    for text in (shown.text, shown.html):
        assert "verdict" not in text.lower() and not any(a[:40] in text for a in audit)
    assert len(shown.text) < 2500, "a paragraph, not the whole article"


def test_paragraph_bounds_cut_a_page_without_blank_lines_to_its_lines() -> None:
    text = document_text("S004")
    start, end = int(CLAIMS.loc["S004-C02", "start"]), int(CLAIMS.loc["S004-C02", "end"])
    a, b = paragraph_bounds(text, start, end)
    assert a <= start < end <= b and "\n" not in text[a:b].strip()
    with pytest.raises(ValueError, match="start and end must satisfy"):
        paragraph_bounds(text, 10, 5)


def test_study_card_gives_facts_in_human_labels_and_no_verdict() -> None:
    card = study_card("S000-C08")
    assert card.text.startswith("Study cited by S000-C08: Hornyak M")
    assert "Uncontrolled open-label study" in card.text and "open-label\n" not in card.text
    assert "Number of people: 10" in card.text and "301 mg a day" in card.text
    for leak in ("verdict", "supported", "confidence", "[A]", "[B]", "[C]"):
        assert leak not in card.text
    assert "<th scope='row' style='text-align:left;vertical-align:top'>Design</th>" in card.html
    assert study_card("hornyak1998").text.startswith("Study: Hornyak M")
    no_study = next(c for c in CLAIMS.index if pd.isna(CLAIMS.loc[c, "study_id"]))
    assert study_card(no_study).status == "no study"
    bad = study_card("S000-C99")
    assert bad.status == "invalid" and "neither a claim nor a study" in bad.text


def test_claim_list_has_no_verdicts() -> None:
    table = claim_list("S003")
    assert list(table.columns) == ["claim_id", "topic", "quote"]
    assert len(table) == (CLAIMS.doc_id == "S003").sum()


def test_humanise_names_studies_and_drops_codes() -> None:
    assert humanise("mahpitre2021 and hornyak1998 [B]; see nct04462796.") == (
        "Mah 2021 and Hornyak 1998; see ClinicalTrials.gov NCT04462796."
    )


# --- judging, with bad input ---------------------------------------------------------------------------


def test_placeholders_record_nothing_and_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    for args in [("S002-C07", ..., ...), ("S002-C07", "", ""), ("S002-C07", None, "  "), (..., ..., ...)]:
        shown = judge(*args)
        assert shown.status == "not judged" and "not judged yet" in shown.text
    assert not learner_record().judgements and not log.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("S002-C07", "overstate", "design-cannot-show"), "verdict 'overstate' is not one of: supported, overstated"),
        (("S002-C07", "overstate", "design-cannot-show"), "did you mean 'overstated'"),
        (("S002-C07", "overstated", ...), "reason is missing"),
        (("S002-C07", "overstated", ""), "reason is missing"),
        (("S002-C07", ..., "design-cannot-show"), "verdict is missing"),
        (("S002-C07", "overstated", "bad design"), "reason 'bad design' is not one of"),
        (("S002-C07", 3, "design-cannot-show"), "verdict 3 (int) is not one of"),
        (("S002-C7", "overstated", "design-cannot-show"), "'S002-C7' is not a claim id (did you mean S002-C07"),
        (("S9", "overstated", "design-cannot-show"), "'S9' is not a claim id"),
        (("S002-C07", "supported", "design-cannot-show"), "'supported' goes with the reason 'the source says this'"),
        (("S002-C07", "overstated", "matches-source"), "'supported' goes with the reason 'the source says this'"),
        (("S002-C07", "uncheckable", "no-source"), "'uncheckable' goes with the reason 'vague, opinion or marketing"),
        (("S002-C07", "misreported", "source-not-found"), "'not verified' goes with the reason"),
    ],
)
def test_bad_judgements_are_not_recorded_and_name_the_allowed_values(args: tuple, expected: str) -> None:
    shown = judge(*args)
    assert shown.status == "invalid" and "not recorded" in shown.text
    assert expected in shown.text
    assert not learner_record().judgements


def test_invalid_values_list_what_is_allowed() -> None:
    text = judge("S002-C07", "overstate", "design-cannot-show").text
    assert '"not-verified"' in text and "reason" not in text.split("\n", 1)[1], "only the scale that was wrong"
    assert '"design-cannot-show": the study\'s design cannot show this' in judge("S002-C07", "overstated", "?").text


def test_a_judgement_is_recorded_logged_and_changed_but_never_written_to_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_digest(REPO / "seeds", REPO / "mgedu" / "data")
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    first = judge("S002-C07", " Overstated ", "design cannot show")
    assert first.status == "recorded" and "recorded: overstated · the study's design cannot show this" in first.text
    assert "1 claim judged so far" in first.text
    assert verdict_of("S002-C07") not in first.text.replace("overstated", "") or verdict_of("S002-C07") == "overstated"
    again = judge("S002-C07", "Not Verified", "source-not-found")
    assert "(changed from overstated" in again.text and "1 claim judged" in again.text
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[-1] == {
        "id": "judgement:claim:S002-C07",
        "kind": "judgement",
        "task": "claim",
        "item": "S002-C07",
        "values": {"verdict": "not-verified", "reason": "source-not-found"},
    }
    assert tree_digest(REPO / "seeds", REPO / "mgedu" / "data") == before


def test_judge_rejects_programming_mistakes_loudly() -> None:
    with pytest.raises(ValueError, match="takes 2 value"):
        judge_item("claim", "S002-C07", "overstated", "no-source", "extra")
    with pytest.raises(ValueError, match="has no scale 'colour'"):
        judge_item("claim", "S002-C07", colour="red")
    with pytest.raises(ValueError, match="task must be one of"):
        judge_item("claims", "S002-C07")


# --- comparing ----------------------------------------------------------------------------------------


def test_compare_shows_only_judged_claims() -> None:
    assert compare().status == "empty" and "not judged any claims yet" in compare().text
    judge("S000-C08", "overstated", "design-cannot-show")
    shown = compare()
    assert "S000-C08" in shown.text and "S000-C09" not in shown.text
    others = [c for c in CLAIMS.index if c.startswith("S000") and c != "S000-C08"]
    for other in others:
        assert str(CLAIMS.loc[other, "reason"])[:40] not in shown.text + shown.html
    asked = compare("S000-C08", "S000-C09", "S000-C99")
    assert "S000-C09: you have not judged it yet, so nothing about it is shown." in asked.text
    assert "'S000-C99'" in asked.text and str(CLAIMS.loc["S000-C09", "reason"])[:40] not in asked.text


@pytest.mark.parametrize(
    ("mine", "audit", "word"),
    [
        ("supported", "overstated", "more lenient than the audit"),
        ("unsupported", "overstated", "harsher than the audit"),
        ("uncheckable", "overstated", "A different kind of call"),
        ("overstated", "overstated", "same verdict"),
    ],
)
def test_compare_says_which_way_the_learner_leaned(mine: str, audit: str, word: str) -> None:
    claim = claims_with(audit)[0]
    assert judge(claim, mine, reason_for(mine)).status == "recorded"
    shown = compare(claim)
    assert word.lower() in shown.text.lower()
    assert humanise(str(CLAIMS.loc[claim, "reason"]))[:60] in " ".join(shown.text.split())
    assert "[C]" not in shown.text and "[B]" not in shown.text
    assert f"audit: {audit}" in shown.text
    if HAS_REASON_KIND:
        assert "audit: not recorded" not in shown.text
    assert "<table>" in shown.html and "<script" not in shown.html


def test_severity_order_and_off_scale_verdicts() -> None:
    assert VERDICT_ORDER == ("supported", "overstated", "misreported", "unsupported")
    scale = get_task("claim").main_scale
    assert scale.rank("uncheckable") is None and scale.rank("not-verified") is None


# --- the tally --------------------------------------------------------------------------------------------


def judge_like_the_audit(claim_ids: list[str]) -> None:
    for claim in claim_ids:
        verdict = verdict_of(claim)
        reason = CLAIMS.loc[claim, "reason_kind"] if HAS_REASON_KIND else reason_for(verdict)
        assert judge(claim, verdict, str(reason)).status == "recorded"


def test_tally_counts_agreement_directions_and_kappa() -> None:
    assert "not judged any claims" in tally().text
    agree = claims_with("supported")[:4] + claims_with("overstated")[:4] + claims_with("unsupported")[:3]
    judge_like_the_audit(agree)
    lenient = claims_with("misreported")[:2]
    for claim in lenient:
        judge(claim, "supported", "matches-source")
    result = tally_task("claim")
    assert result.n == len(agree) + 2
    assert result.same["verdict"] == len(agree)
    assert result.directions["lenient"] == 2 and result.directions["harsh"] == 0
    assert int(result.confusion.to_numpy().sum()) == result.n
    assert result.confusion.loc["supported", "misreported"] == 2
    table = result.confusion.to_numpy(dtype=float)
    po = table.trace() / table.sum()
    pe = (table.sum(axis=1) * table.sum(axis=0)).sum() / table.sum() ** 2
    assert result.kappa.kappa == pytest.approx((po - pe) / (1 - pe))
    text = tally().text
    assert f"You have judged {result.n} claims" in text and "2 more lenient than the audit" in text
    assert "Cohen's kappa" in text and "confidence interval" in text and "unstable" not in text


def test_tally_warns_when_too_few_and_when_kappa_is_undefined() -> None:
    judge_like_the_audit(claims_with("supported")[:2])
    reading = tally_task("claim").kappa
    assert reading.kappa is None and "cannot be computed" in reading.reading
    judge(claims_with("overstated")[0], "overstated", reason_for("overstated"))
    few = tally_task("claim").kappa
    assert few.n < MIN_ITEMS_FOR_KAPPA and "unstable" in few.reading and "confidence interval" not in few.reading


def test_kappa_bands_are_landis_and_koch() -> None:
    bands = load_kappa_bands()
    assert bands.band.tolist() == ["poor", "slight", "fair", "moderate", "substantial", "almost perfect"]
    assert bands.source.str.contains("10.2307/2529310").all()
    assert kappa_band(0.0) == "slight agreement beyond chance"
    assert kappa_band(0.2) == "slight agreement beyond chance" and kappa_band(0.21) == "fair agreement beyond chance"
    assert kappa_band(1.0) == "almost perfect agreement beyond chance"
    with pytest.raises(ValueError, match="kappa must be between -1 and 1"):
        kappa_band(1.5)
    with pytest.raises(ValueError, match="square"):
        read_kappa(pd.DataFrame([[1, 2]], index=["a"], columns=["a", "b"]))
    with pytest.raises(ValueError, match="counts"):
        read_kappa(pd.DataFrame([[-1]], index=["a"], columns=["a"]))
    assert read_kappa(pd.DataFrame([[0]], index=["a"], columns=["a"])).kappa is None


def test_plot_tally_follows_the_house_rules() -> None:
    empty = plot_tally()
    assert empty.get_title() == "No claims judged yet" and alt_text(empty)
    judge_like_the_audit(claims_with("supported")[:3])
    judge(claims_with("misreported")[0], "supported", "matches-source")
    ax = plot_tally("claim")
    assert ax.get_xlabel() == "Number of claims you judged"
    assert ax.get_title().startswith("Same verdict as the audit for 3 of 4 claims;\nmost others more lenient")
    judge(claims_with("supported")[3], "overstated", "stronger-than-evidence")
    assert plot_tally("claim").get_title().endswith(";\nthe others split between directions")
    assert "same verdict as the audit: 3" in alt_text(ax) and "more lenient than the audit: 1" in alt_text(ax)
    colours = {bar.get_facecolor()[:3] for bar in ax.patches}
    allowed = {tuple(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)) for c in TALLY_COLOURS.values()}
    assert colours <= allowed and set(TALLY_COLOURS.values()) - {"#999999"} <= set(OKABE_ITO.values())


# --- the engine with a task declared here ---------------------------------------------------------------


def toy_task() -> Task:
    answers = {
        "r1": Answer({"rating": "low", "why": "small"}, why="Only 12 people.", evidence="n = 12"),
        "r2": Answer({"rating": "high", "why": "blind"}, why="Blinded and large."),
        "r3": Answer({"rating": "unclear", "why": "small"}, why="Not reported."),
    }
    return register_task(
        Task(
            name="toy-rating",
            noun="rating",
            scales=(
                Scale("rating", {"high": "high", "low": "low", "unclear": "cannot tell"}, order=("high", "low")),
                Scale("why", {"small": "too few people", "blind": "nobody knew the groups"}),
            ),
            items=lambda: list(answers),
            answer=answers.__getitem__,
            describe=lambda item: f"trial {item}",
        )
    )


def test_a_notebook_can_declare_its_own_judged_items() -> None:
    task = toy_task()
    assert judge_item("toy-rating", "r1", "high", "small").status == "recorded"
    assert judge_item(task, "r2", rating="high", why="blind").status == "recorded"
    assert judge_item("toy-rating", "r3", "cannot tell", "small").status == "recorded"
    assert judge_item("toy-rating", "r4", "high", "small").status == "invalid"
    shown = compare_items("toy-rating")
    assert "You were more lenient than the audit (you: high; audit: low); same why." in shown.text
    assert "You chose what the audit chose: same rating and same why." in shown.text
    assert "Why: Only 12 people." in shown.text and "Evidence: n = 12" in shown.text
    result = tally_task("toy-rating")
    assert result.same == {"rating": 2, "why": 3} and result.directions["lenient"] == 1
    assert compare_items("toy-rating", ["r2"]).text.count("trial r") == 1


def test_task_and_scale_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="order names values that are not allowed"):
        Scale("x", {"a": "a"}, order=("b",))
    with pytest.raises(ValueError, match="needs at least one value"):
        Scale("x", {})
    with pytest.raises(ValueError, match="scale names must differ"):
        Task("t", "t", (Scale("x", {"a": "a"}), Scale("x", {"b": "b"})), list, Answer, str)
    with pytest.raises(ValueError, match="needs at least one scale"):
        Task("t", "t", (), list, Answer, str)
    with pytest.raises(ValueError, match="task must be a mgedu.practice.Task"):
        register_task("claim")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scale must be one of verdict, reason"):
        get_task("claim").scale("colour")


def test_mechanism_links_use_the_same_engine() -> None:
    assert label_link("S000-C03/2", ...).status == "not judged"
    assert label_link("S000-C03/2", "lab or animal only").status == "recorded"
    assert "not a link id" in label_link("S000-C03/99", "assumed").text
    shown = compare_links()
    assert "stricter than the audit (you credited weaker evidence)" in shown.text
    assert "Nielsen" in shown.text or "No significant change" in shown.text


# --- predictions ----------------------------------------------------------------------------------------------


def test_predict_then_reveal_shows_the_gap_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mgedu.designs import false_positive_rate

    hidden = reveal("open-label-pilot")
    assert hidden.status == "hidden" and "%" not in hidden.text.split(":", 1)[1]
    assert predict("open-label-pilot", ...).status == "not predicted"
    for bad in (150, -1, "lots", float("nan"), True):
        assert predict("open-label-pilot", bad).status == "invalid"
    assert reveal("open-label-pilot").status == "hidden"
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    assert predict("open-label-pilot", "10 %").status == "recorded"
    result = 100 * false_positive_rate("open-label", 12, n_trials=4000, seed=3)
    shown = reveal("open-label-pilot")
    assert f"you predicted 10 %; {result:.0f} % of 4,000 simulated" in shown.text
    assert f"{abs(10 - result):.0f} percentage points too low" in shown.text
    assert json.loads(log.read_text().splitlines()[0])["kind"] == "prediction"
    predict("open-label-pilot", round(result))
    assert "Close: within" in reveal("open-label-pilot").text


def test_declared_predictions_are_checked() -> None:
    with pytest.raises(ValueError, match="prediction_id must be one of"):
        predict("nope", 3)
    with pytest.raises(ValueError, match="low must be below high"):
        register_prediction(Prediction("p", "q?", "%", 10, 0, lambda: 1.0, "{result}"))
    register_prediction(Prediction("toy", "How many?", "people", 0, 100, lambda: 40.0, "{result:.0f} people came"))
    predict("toy", 55)
    assert reveal("toy").text == (
        "toy · you predicted 55 people; 40 people came. Your prediction was 15 people too high."
    )


def test_reveal_several_names_those_not_yet_predicted_together() -> None:
    both = reveal("open-label-pilot", "pilot-sized-improvement")
    assert both.status == "hidden" and both.text.count("\n") == 0
    assert 'predict("open-label-pilot", ...) and predict("pilot-sized-improvement", ...)' in both.text
    predict("pilot-sized-improvement", 40)
    partly = reveal("open-label-pilot", "pilot-sized-improvement")
    first, second = partly.text.splitlines()
    assert partly.status == "partly revealed"
    assert first.startswith("pilot-sized-improvement · you predicted 40 %")
    assert second.startswith("open-label-pilot · make your prediction first")
    predict("open-label-pilot", 40)
    assert reveal("open-label-pilot", "pilot-sized-improvement").status == "revealed"
    with pytest.raises(ValueError, match="at least one prediction id"):
        reveal()


def test_the_predictions_of_notebook_03_agree_with_the_charts_shown_after_them() -> None:
    from mgedu.design_summaries import (
        no_effect_trials,
        regression_to_mean_at,
        repeated_trials,
        share_at_least,
        share_below,
        share_significant,
    )
    from mgedu.designs import parameter

    trials = no_effect_trials()
    expected = {
        "open-label-pilot": share_significant(trials, "open-label"),
        "pilot-sized-improvement": share_at_least(trials, "open-label", parameter("gorantla_improvement")),
        "regression-to-mean": regression_to_mean_at(),
        "p-value-dance": share_below(repeated_trials(12)),
    }
    for prediction_id, result in expected.items():
        assert predict(prediction_id, 0).status == "recorded"
        assert get_prediction(prediction_id).result() == pytest.approx(result)
    assert 60 < expected["open-label-pilot"] < 75 and 40 < expected["pilot-sized-improvement"] < 52
    assert 0.5 < expected["regression-to-mean"] < 1.5 and 8 < expected["p-value-dance"] < 20
    shown = reveal("regression-to-mean").text
    assert "you predicted 0 IRLS points; with nothing given, their score fell by 0.9 IRLS points" in shown
    assert shown.endswith("Your prediction was 0.9 IRLS points too low.")
    assert predict("regression-to-mean", "0.8").status == "recorded"
    assert "Close: within 0.1 IRLS points" in reveal("regression-to-mean").text


def test_when_predicted_shows_nothing_until_every_prediction_is_made() -> None:
    calls: list[str] = []

    def make(label: str) -> str:
        calls.append(label)
        return f"table of {label}"

    hidden = when_predicted(["open-label-pilot", "p-value-dance"], make, "results")
    assert hidden.status == "hidden" and calls == []
    assert 'predict("open-label-pilot", ...) and predict("p-value-dance", ...)' in hidden.text
    predict("open-label-pilot", 30)
    assert when_predicted(["open-label-pilot", "p-value-dance"], make, "results").status == "hidden"
    assert 'predict("open-label-pilot"' not in when_predicted(["open-label-pilot", "p-value-dance"], make, "x").text
    predict("p-value-dance", 50)
    assert when_predicted(("open-label-pilot", "p-value-dance"), make, label="results") == "table of results"
    assert calls == ["results"]
    with pytest.raises(ValueError, match="prediction_id must be one of"):
        when_predicted("no-such-prediction", make, "x")
    with pytest.raises(ValueError, match="at least one prediction"):
        when_predicted([], make, "x")


def test_when_predicted_displays_a_chart_instead_of_returning_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import mgedu.plots
    from mgedu.plots import new_axes

    shown: list[object] = []
    monkeypatch.setattr(mgedu.plots, "show", shown.append)
    predict("open-label-pilot", 30)
    assert when_predicted("open-label-pilot", lambda: new_axes()) is None
    assert len(shown) == 1 and hasattr(shown[0], "get_xlabel")


def test_when_predicted_displays_a_table_with_its_caption(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    import mgedu.display

    shown: list[tuple[object, object]] = []
    monkeypatch.setattr(mgedu.display, "show_table", lambda frame, caption=None: shown.append((frame, caption)))
    frame = pd.DataFrame({"share": ["68 %"]})
    frame.attrs["caption"] = "A useless pill"
    predict("open-label-pilot", 30)
    assert when_predicted("open-label-pilot", lambda: frame) is None
    assert shown == [(frame, "A useless pill")]


def test_tally_predictions_says_which_way_the_learner_leans() -> None:
    ids = ("open-label-pilot", "pilot-sized-improvement", "regression-to-mean", "p-value-dance")
    empty = tally_predictions(*ids)
    assert empty.status == "empty" and "0 of 4 made" in empty.text
    assert "%" not in empty.text and ", result" not in empty.text
    predict("open-label-pilot", 10)  # far too low: too trusting of an uncontrolled pilot
    predict("pilot-sized-improvement", 5)
    predict("p-value-dance", 90)  # far too high: too trusting of a small trial
    shown = tally_predictions(*ids)
    assert shown.status == "tallied" and "3 of 4 made" in shown.text
    assert "regression-to-mean: not predicted yet" in shown.text
    assert "Close: 0; too trusting: 3; too sceptical: 0." in shown.text
    assert "trusted small or uncontrolled studies more" in shown.text
    predict("open-label-pilot", 99)
    predict("pilot-sized-improvement", 95)
    predict("p-value-dance", 1)
    assert "You mostly expected these studies to mislead more" in tally_predictions(*ids).text
    predict("open-label-pilot", round(get_prediction("open-label-pilot").result()))
    predict("p-value-dance", 90)
    assert "No strong lean either way." in tally_predictions(*ids).text
    with pytest.raises(ValueError, match="prediction_id must be one of"):
        tally_predictions("nope")


def test_a_prediction_declares_its_lean_and_decimals_correctly() -> None:
    with pytest.raises(ValueError, match="trusting must be 'low', 'high' or ''"):
        register_prediction(Prediction("p", "q?", "%", 0, 100, lambda: 1.0, "{result}", trusting="up"))
    with pytest.raises(ValueError, match="decimals must be 0 to 3"):
        register_prediction(Prediction("p", "q?", "%", 0, 100, lambda: 1.0, "{result}", decimals=7))


# --- written answers and worked answers -----------------------------------------------------------------------


def test_answer_magic_takes_quotes_and_new_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from mgedu.practice import load_ipython_extension

    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("MGEDU_GRADING_LOG", str(log))
    shell = InteractiveShell.instance()
    load_ipython_extension(shell)
    text = 'The page says "proven"; it isn\'t.\nThe trial had 10 people.\n\nNo control group.'
    result = shell.run_cell_magic("answer", "6.4", text)
    assert result.status == "recorded" and "(14 words; fewer than the range of 80-150 asked for)" in result.message
    assert json.loads(log.read_text().splitlines()[-1]) == {"id": "6.4", "status": "recorded", "answer": text}
    assert shell.run_cell_magic("answer", "6.4", "...\n").status == "unanswered"
    assert shell.run_cell_magic("answer", "", "text").status == "invalid"
    assert shell.run_cell_magic("answer", "6.4 S002", "text").status == "invalid"


def test_worked_answers_wait_for_the_learners_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from mgedu.exercises import check
    from mgedu.report_cards import model_verdict

    gated = worked_answer("6.4", model_verdict, "S002")
    assert gated.status == "hidden" and model_verdict("S002")[:30] not in gated.text
    check("6.4", "")
    assert worked_answer("6.4", model_verdict, "S002").status == "hidden", "a blank answer unlocks nothing"
    check("6.4", "My own verdict, in my own words.")
    shown = worked_answer("6.4", model_verdict, "S002")
    assert shown.status == "shown" and model_verdict("S002") in shown.text


# --- what the grader gets ------------------------------------------------------------------------------------


def test_judgements_from_a_grading_log_are_revalidated() -> None:
    from mgedu.practice.record import judgements_from_log

    claim = claims_with("overstated")[0]
    log = [
        {"id": "0.1", "status": "correct", "answer": "a"},
        {"kind": "judgement", "task": "claim", "item": claim, "values": {"verdict": "supported", "reason": "x"}},
        {
            "kind": "judgement",
            "task": "claim",
            "item": claim,
            "values": {"verdict": "overstated", "reason": "stronger-than-evidence"},
        },
        {"kind": "judgement", "task": "claim", "item": "S9-C99", "values": {"verdict": "supported"}},
        {"kind": "judgement", "task": "nope", "item": claim, "values": {}},
        {"kind": "judgement", "task": "claim", "item": claim, "values": "not a mapping"},
        {
            "kind": "judgement",
            "task": "claim",
            "item": claims_with("supported")[0],
            "values": {"verdict": "supported", "reason": "no-source"},
        },
        "not a record",
    ]
    found = judgements_from_log(log)  # type: ignore[arg-type]
    assert [(j.item, dict(j.values)) for j in found["claim"]] == [
        (claim, {"verdict": "overstated", "reason": "stronger-than-evidence"})
    ]
    result = tally_task("claim", found["claim"])
    assert result.n == 1 and result.same["verdict"] == 1 and not learner_record().judgements


@pytest.mark.slow
def test_the_grader_logs_judgements_without_flagging_them(tmp_path: Path) -> None:
    import nbformat

    from mgedu.classroom.grading import grade_submissions

    cells = [
        "from mgedu import check\nfrom mgedu.practice import judge, predict",
        'judge("S002-C60", "unsupported", "no-source")',
        'predict("open-label-pilot", 20)',
        'check("0.1", "a")',
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    (tmp_path / "ada").mkdir()
    nbformat.write(nb, tmp_path / "ada" / "00-start-here.ipynb")
    (result,) = grade_submissions([tmp_path], timeout=120, jobs=1)
    assert [(r.question, r.status) for r in result.rows] == [("0.1", "correct")], [r.detail for r in result.rows]
