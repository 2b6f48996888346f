"""RoB 2: the overall rule, the sourced judgements table and its cross-row checks."""

from __future__ import annotations

import itertools

import pytest

from mgedu.risk_of_bias import (
    JUDGEMENTS,
    ROB2_DOMAINS,
    allowed_overall,
    load_risk_of_bias,
    overall_risk_of_bias,
    risk_of_bias_reasons,
    risk_of_bias_table,
)
from mgedu.validation import validate

# Worked cases, written from the RoB 2 guidance (Sterne et al. 2019, Table 3), not from the code:
# (five domain judgements, overall by default, overall with the "several concerns" call, or None when
# that call is not allowed).
L, S, H = "low", "some concerns", "high"
GUIDANCE_CASES = [
    ((L, L, L, L, L), L, None),  # low in every domain
    ((S, L, L, L, L), S, None),  # one concern is "some concerns", and one is not "several"
    ((L, L, L, L, S), S, None),
    ((S, S, L, L, L), S, H),  # several concerns: the reviewer may call it high
    ((S, S, S, S, S), S, H),
    ((H, L, L, L, L), H, None),  # high in any domain
    ((L, L, L, L, H), H, None),
    ((H, S, S, L, L), H, None),  # already high: no call to make
    ((H, H, H, H, H), H, None),
]
ORDER = {L: 0, S: 1, H: 2}
ALL_COMBINATIONS = list(itertools.product(JUDGEMENTS, repeat=5))


@pytest.mark.parametrize(("combo", "default", "several"), GUIDANCE_CASES)
def test_overall_rule_on_worked_cases(combo, default, several):
    assert overall_risk_of_bias(combo) == default
    if several is None:
        assert allowed_overall(combo) == (default,)
        if default != H:
            with pytest.raises(ValueError, match="needs at least 2 domains"):
                overall_risk_of_bias(combo, several_concerns_high=True)
    else:
        assert overall_risk_of_bias(combo, several_concerns_high=True) == several
        assert allowed_overall(combo) == (default, several)


def test_overall_is_the_worst_domain_and_ignores_domain_order():
    # Properties over all 243 combinations (none restates the rule's branches).
    for combo in ALL_COMBINATIONS:
        overall = overall_risk_of_bias(combo)
        assert overall == max(combo, key=ORDER.get)
        assert overall_risk_of_bias(tuple(reversed(combo))) == overall
        assert overall_risk_of_bias(combo[1:] + combo[:1]) == overall


def test_a_worse_domain_never_makes_the_overall_better():
    for combo in ALL_COMBINATIONS:
        for i, judgement in enumerate(combo):
            for worse in (j for j in JUDGEMENTS if ORDER[j] > ORDER[judgement]):
                worsened = combo[:i] + (worse,) + combo[i + 1 :]
                assert ORDER[overall_risk_of_bias(worsened)] >= ORDER[overall_risk_of_bias(combo)]
                assert max(map(ORDER.get, allowed_overall(worsened))) >= max(map(ORDER.get, allowed_overall(combo)))


def test_the_several_concerns_call_only_ever_raises_some_concerns_to_high():
    for combo in ALL_COMBINATIONS:
        options = allowed_overall(combo)
        assert options[0] == overall_risk_of_bias(combo)
        assert len(options) == len(set(options)) and set(options) <= set(JUDGEMENTS)
        if len(options) == 2:
            assert options == (S, H) and combo.count(S) >= 2


def test_overall_accepts_a_mapping_by_domain():
    judged = dict.fromkeys(ROB2_DOMAINS, "low") | {"measurement": "some concerns"}
    assert overall_risk_of_bias(judged) == "some concerns"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((["low"] * 4,), "must hold 5 domain judgements, got 4"),
        ((["low"] * 4 + ["unclear"],), "must be one of low, some concerns, high, got 'unclear'"),
        ((["low"] * 4 + ["some concerns"], True), "needs at least 2 domains with 'some concerns', got 1"),
        (({"randomisation": "low"},), "missing .*deviations"),
    ],
)
def test_bad_judgements_are_clear_errors(args, message):
    with pytest.raises(ValueError, match=message):
        overall_risk_of_bias(*args)


def test_table_is_clean_and_judges_only_randomised_trials():
    assert [p for p in validate() if p.file == "risk_of_bias.csv"] == []
    rob = load_risk_of_bias()
    assert rob.source.str.startswith("http").all()
    assert set(rob.basis) == {"project-reading"}, "published judgements would need basis 'published'"
    assert rob.reason.str.len().min() > 20


def test_every_trial_result_has_five_domains_and_an_overall_following_the_rule():
    grid = risk_of_bias_table()
    assert list(grid.columns) == list(ROB2_DOMAINS) + ["overall"]
    for _, row in grid.iterrows():
        assert row["overall"] in allowed_overall([row[d] for d in ROB2_DOMAINS])
    assert grid.loc[("jadidi2022", "RLS severity"), "overall"] == "high"


def test_a_broken_overall_is_reported_with_file_row_and_column(corpus):
    lines = corpus.lines("risk_of_bias.csv")
    index = next(i for i, line in enumerate(lines) if line.startswith("jadidi2022,RLS severity,overall,high"))
    lines[index] = lines[index].replace(",overall,high,", ",overall,low,", 1)
    corpus.write_lines("risk_of_bias.csv", lines)
    problems = validate(corpus.seeds, corpus.data)
    assert [str(p) for p in problems] == [
        f"risk_of_bias.csv:{index + 1}:judgement: jadidi2022 / RLS severity: overall 'low' breaks the "
        "RoB 2 rule; allowed: some concerns, high"
    ]


def test_a_missing_domain_and_a_non_randomised_trial_are_reported(corpus):
    lines = corpus.lines("risk_of_bias.csv")
    index = next(i for i, line in enumerate(lines) if line.startswith("held2002,total sleep time,reporting,"))
    del lines[index]
    lines.append(lines[1].replace("abbasi2012", "gorantla2024", 1))
    corpus.write_lines("risk_of_bias.csv", lines)
    messages = [p.message for p in validate(corpus.seeds, corpus.data)]
    assert "held2002 / total sleep time: expected one 'reporting' row, found 0" in messages
    assert (
        "'gorantla2024' has design 'open-label' in studies.csv; allowed here: single-blind-rct, double-blind-rct"
    ) in messages


def test_reasons_text_and_unknown_result():
    text = risk_of_bias_reasons("abbasi2012", "sleep onset latency")
    assert text.count("\n- ") == 6 and "Bias in measurement of the outcome: some concerns" in text
    with pytest.raises(ValueError, match="no RoB 2 judgement for trial_id 'abbasi2012' and outcome 'mood'"):
        risk_of_bias_reasons("abbasi2012", "mood")
