"""GRADE outcome tables: recorded certainty equals the recomputed one; coverage; bottom lines."""

from __future__ import annotations

import pytest

from mgedu.certainty import (
    CONDITIONS,
    NO_EVIDENCE,
    OUTCOMES,
    bottom_line,
    describe_grade_choice,
    domain_ratings,
    grade_outcome,
    grade_reasoning_html,
    grade_summary,
    load_grade_outcomes,
    rated_outcomes,
)
from mgedu.evidence import DOMAINS
from mgedu.pooling import load_pooled_estimates
from mgedu.tables import package_data_dir
from mgedu.validation import validate

REQUIRED = ("rls-severity", "periodic-limb-movements", "sleep-onset-latency", "total-sleep-time", "adverse-effects")


def test_table_is_clean_and_every_condition_has_every_required_outcome():
    assert [p for p in validate() if p.file == "grade_outcomes.csv"] == []
    table = load_grade_outcomes()
    for condition in CONDITIONS:
        for outcome in REQUIRED:
            assert f"{condition}:{outcome}" in set(table.row_id)
    assert table.source.str.contains("http").all()


def test_recorded_certainty_is_what_grade_certainty_gives():
    for row in load_grade_outcomes().itertuples(index=False):
        result = grade_outcome(str(row.condition), str(row.outcome))
        if row.certainty == NO_EVIDENCE:
            assert result is None
        else:
            assert result is not None and result.certainty == row.certainty


def test_published_grade_agrees_where_it_exists():
    table = load_grade_outcomes().set_index("row_id")
    published = table[table.published_certainty.notna()]
    assert set(published.index) == {"insomnia:sleep-onset-latency", "insomnia:total-sleep-time"}
    assert (published.certainty.astype(str) == published.published_certainty.astype(str)).all()
    pooled = load_pooled_estimates().set_index("outcome")
    for row_id, row in published.iterrows():
        outcome = OUTCOMES[row_id.split(":")[1]]
        assert pooled.loc[outcome, "certainty_published"] == row.published_certainty
        assert pooled.loc[outcome, "n_participants"] == row.n_participants


def test_no_outcome_reaches_moderate_and_rls_outcomes_are_very_low_or_empty():
    summary = grade_summary()
    assert not set(summary.certainty) & {"high", "moderate"}
    rls = summary[summary.condition == CONDITIONS["rls"]]
    assert set(rls.certainty) <= {"very low", NO_EVIDENCE}


def test_a_wrong_recorded_certainty_is_reported(corpus):
    lines = corpus.lines("grade_outcomes.csv")
    index = next(i for i, line in enumerate(lines) if line.startswith("insomnia:total-sleep-time,"))
    lines[index] = lines[index].replace(",low,low,", ",moderate,low,", 1)
    corpus.write_lines("grade_outcomes.csv", lines)
    problems = validate(corpus.seeds, corpus.data)
    assert [str(p) for p in problems] == [
        f"grade_outcomes.csv:{index + 1}:certainty: recorded 'moderate' but the ratings give 'low'"
    ]


def test_a_downgrade_without_reason_and_an_unknown_study_are_reported(corpus):
    import csv
    import io

    path = corpus.path("grade_outcomes.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    target = next(r for r in rows if r["row_id"] == "insomnia:sleep-onset-latency")
    target["imprecision_reason"] = ""
    target["studies"] = "abbasi2012; nobody2020"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    found = validate(corpus.seeds, corpus.data)
    messages = [p.message for p in found]
    assert "imprecision is rated -1 but has no reason" in messages
    assert "unknown study_id 'nobody2020' (not in studies.csv)" in messages
    assert len(found) == 2


def test_bottom_lines_and_readouts():
    line = bottom_line("insomnia", "sleep-onset-latency")
    assert line.startswith("Sleep onset latency (insomnia in older adults) · low")
    with pytest.raises(ValueError, match="condition must be one of rls, insomnia, got 'gout'"):
        bottom_line("gout", "rls-severity")
    with pytest.raises(ValueError, match="outcome must be one of"):
        bottom_line("rls", "mood")
    assert "nothing to rate" in describe_grade_choice("rls:total-sleep-time")
    with pytest.raises(ValueError, match="unknown GRADE domain"):
        describe_grade_choice("insomnia:total-sleep-time", bias=-1)
    html = grade_reasoning_html("insomnia:sleep-onset-latency")
    assert "Mah &amp; Pitre" in html and "<li><b>Bottom line:</b>" in html
    assert set(rated_outcomes().values()) == {
        r
        for r, c in zip(load_grade_outcomes().row_id, load_grade_outcomes().certainty, strict=True)
        if c != NO_EVIDENCE
    }


def test_domain_ratings_are_the_numbers_in_the_file():
    import csv

    with open(package_data_dir() / "grade_outcomes.csv", encoding="utf-8", newline="") as handle:
        raw = {row["row_id"]: row for row in csv.DictReader(handle)}
    for row_id, row in raw.items():
        condition, outcome = row_id.split(":")
        ratings = domain_ratings(condition, outcome)
        if row["certainty"] == NO_EVIDENCE:
            assert ratings == {}
        else:
            assert ratings == {name: int(row[name] or 0) for name in DOMAINS}, row_id
