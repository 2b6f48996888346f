"""The audit's vocabularies, its consistency rules, and the errors found by the audit, kept fixed.

Each test here would have failed on the data as it was before the audit's fixes: a verdict named in a
notebook that disagrees with claims.csv, a family of near-identical claims with unexplained different
verdicts, a significant result described as "no difference", figures whose axis or title misleads.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mgedu.seeds import (
    REASON_KINDS,
    REASON_KINDS_BY_VERDICT,
    REASON_LABELS,
    REASON_MEANINGS,
    VERDICT_LABELS,
    VERDICT_MEANINGS,
    VERDICTS,
    load_claims,
)
from mgedu.validation import validate

REPO = Path(__file__).resolve().parents[1]
CLAIM_ID = r"S00[0-4]-C\d{2,3}"


# --- the two vocabularies ------------------------------------------------------------------------


def test_verdicts_and_their_labels():
    assert VERDICTS == ("supported", "overstated", "misreported", "unsupported", "uncheckable", "not-verified")
    assert VERDICT_LABELS["not-verified"] == "not verified"
    assert all(VERDICT_LABELS[v] == v for v in VERDICTS if v != "not-verified")
    assert set(VERDICT_MEANINGS) == set(VERDICTS)
    assert "not the same as no evidence" in VERDICT_MEANINGS["not-verified"]


def test_reason_kinds_and_their_labels():
    assert REASON_KINDS == (
        "matches-source",
        "number-differs",
        "design-cannot-show",
        "population-differs",
        "mechanism-as-proof",
        "stronger-than-evidence",
        "no-source",
        "source-not-found",
        "vague-or-marketing",
    )
    assert REASON_LABELS["source-not-found"] == "the source could not be found or read"
    assert REASON_LABELS["stronger-than-evidence"] == (
        "the evidence points this way but is weaker, smaller or more mixed than the claim says"
    )
    assert set(REASON_MEANINGS) == set(REASON_KINDS)
    for kind, sentence in REASON_MEANINGS.items():
        assert sentence.endswith(".") and sentence.count(". ") == 0, kind  # one sentence each


def test_consistency_rule_pairs_verdicts_and_kinds():
    assert REASON_KINDS_BY_VERDICT["supported"] == ("matches-source",)
    assert REASON_KINDS_BY_VERDICT["not-verified"] == ("source-not-found",)
    assert REASON_KINDS_BY_VERDICT["uncheckable"] == ("vague-or-marketing",)
    others = set(REASON_KINDS) - {"matches-source", "source-not-found", "vague-or-marketing"}
    for verdict in ("overstated", "misreported", "unsupported"):
        assert set(REASON_KINDS_BY_VERDICT[verdict]) == others


def test_every_claim_has_a_kind_that_fits_its_verdict():
    claims = load_claims()
    assert claims.reason_kind.notna().all()
    for verdict, kind in zip(claims.verdict, claims.reason_kind, strict=True):
        assert kind in REASON_KINDS_BY_VERDICT[verdict]


def test_every_verdict_has_a_colour_and_a_legend_label():
    from mgedu.plots import VERDICT_COLOURS

    assert list(VERDICT_COLOURS) == list(VERDICTS)
    assert len(set(VERDICT_COLOURS.values())) == len(VERDICTS)


def test_explorer_offers_six_verdicts_with_human_labels():
    from mgedu.widgets.claims import make_claim_explorer

    explorer = make_claim_explorer("S002", "study-report")
    dropdown = explorer.controls["verdict"]
    assert [value for _, value in dropdown.options][1:] == list(VERDICTS)
    assert ("not verified", "not-verified") in dropdown.options
    dropdown.value = "not-verified"
    assert explorer.readout.value.startswith("S002, topic study report, verdict not verified: 1 claim")


# --- the rules, broken on purpose in a copy of the data -------------------------------------------


def _edit(corpus, claim_id: str, **cells: str) -> int:
    path = corpus.path("claims.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    number = next(i for i, r in enumerate(rows) if r and r[0] == claim_id) + 1
    for column, value in cells.items():
        rows[number - 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return number


def _problems(corpus) -> list[str]:
    return [str(p) for p in validate(corpus.seeds, corpus.data)]


@pytest.mark.parametrize(
    ("claim_id", "verdict", "kind", "expected"),
    [
        ("S000-C01", "supported", "no-source", "verdict 'supported' takes reason_kind 'matches-source'"),
        ("S001-C03", "unsupported", "matches-source", "'matches-source' is only for verdict 'supported'"),
        ("S002-C40", "unsupported", "source-not-found", "'source-not-found' is only for verdict 'not-verified'"),
        ("S002-C41", "not-verified", "no-source", "verdict 'not-verified' takes reason_kind 'source-not-found'"),
        ("S000-C04", "uncheckable", "stronger-than-evidence", "takes reason_kind 'vague-or-marketing'"),
        ("S000-C02", "overstated", "vague-or-marketing", "'vague-or-marketing' is only for verdict 'uncheckable'"),
    ],
)
def test_rule_reason_kind_must_fit_the_verdict(corpus, claim_id, verdict, kind, expected):
    row = _edit(corpus, claim_id, verdict=verdict, reason_kind=kind)
    problems = _problems(corpus)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"claims.csv:{row}:reason_kind: reason_kind {kind!r} does not fit")
    assert expected in problems[0]


def test_rule_reason_kind_is_required_and_from_the_vocabulary(corpus):
    row = _edit(corpus, "S000-C01", reason_kind="")
    assert any(p.startswith(f"claims.csv:{row}:reason_kind:") for p in _problems(corpus))
    _edit(corpus, "S000-C01", reason_kind="sounds-fine")
    assert any(f"claims.csv:{row}:reason_kind: unknown value 'sounds-fine'" in p for p in _problems(corpus))


def test_rule_family_members_share_a_verdict_unless_explained(corpus):
    # S002-C17 and S003-C06 make the same prevalence claim; give one a different verdict, say nothing.
    row = _edit(corpus, "S003-C06", verdict="misreported")
    problems = _problems(corpus)
    assert problems == [
        f"claims.csv:{row}:family: S003-C06 is misreported but S002-C17 in family "
        "'rls-prevalence-one-in-ten' is overstated; say why in the evidence or reason of one of "
        "them (name the other claim id)"
    ]


def test_rule_family_difference_is_allowed_when_written_down():
    claims = load_claims().set_index("claim_id")
    family = claims[claims.family == "rls-relief-hedged"]
    assert set(family.verdict) == {"supported", "overstated"}  # S001-C34 vs S002-C01 and S003-C12
    assert "S003-C12" in str(claims.loc["S001-C34", "evidence"])


def test_rule_a_family_of_one_is_a_slip(corpus):
    row = _edit(corpus, "S000-C01", family="lonely")
    assert _problems(corpus) == [f"claims.csv:{row}:family: family 'lonely' has only one claim (S000-C01)"]


def test_cli_reports_the_new_rules_with_file_row_and_column(corpus):
    row = _edit(corpus, "S002-C40", verdict="unsupported")
    result = subprocess.run(
        [sys.executable, "-m", "mgedu", "check", "--seeds", str(corpus.seeds), "--data", str(corpus.data)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert (
        f"claims.csv:{row}:reason_kind: reason_kind 'source-not-found' does not fit verdict 'unsupported'"
        in result.stderr
    )


# --- the audit's errors, kept fixed --------------------------------------------------------------


def _claim(claim_id: str) -> dict:
    claims = load_claims().set_index("claim_id")
    return {"claim_id": claim_id, **claims.loc[claim_id].to_dict()}


def test_details_of_the_unread_case_report_are_not_verified_not_unsupported():
    for claim_id in ("S002-C40", "S002-C41"):
        claim = _claim(claim_id)
        assert (claim["verdict"], claim["reason_kind"]) == ("not-verified", "source-not-found")
        assert "not verified" in claim["reason"]
    claims = load_claims()
    unread = claims[claims.study_id == "bartell2006"]
    assert "unsupported" not in set(unread.verdict)


def test_icmr_women_allowance_has_one_verdict_everywhere():
    from mgedu.intake import intake_reference

    claim = _claim("S001-C14")
    assert claim["verdict"] == "supported" and "370" in claim["evidence"]
    assert intake_reference(30, "female", authority="ICMR-NIN").rda_range_mg == (370, 370)


def test_dated_article_judged_against_what_was_published_then():
    s003 = _claim("S003-C12")
    assert s003["verdict"] == "overstated" == _claim("S002-C01")["verdict"]
    assert "dated May 2021" in s003["evidence"] and "S002-C01" in s003["evidence"]
    assert "dated May 2021" in _claim("S003-C20")["evidence"]


def test_three_group_p_value_is_not_a_result_versus_placebo():
    for claim_id in ("S004-C07", "S004-C13"):
        claim = _claim(claim_id)
        assert claim["verdict"] == "overstated"
        assert "no magnesium-versus-placebo comparison" in claim["evidence"]


def test_s001_closing_recommendation_is_audited():
    claim = _claim("S001-C55")
    assert "may be a simple and effective solution" in claim["quote"]
    assert claim["verdict"] == "overstated"


TEXT_SOURCES = ("notebooks", "README.md", "docs", "mgedu/data", "seeds/claims.csv")


def _texts() -> list[tuple[str, str]]:
    """Every piece of prose a reader sees, with where it came from."""
    texts: list[tuple[str, str]] = []
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                texts.append((path.name, "".join(cell["source"])))
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        texts.append((path.name, path.read_text(encoding="utf-8")))
    for path in [REPO / "seeds" / "claims.csv", *sorted((REPO / "mgedu" / "data").glob("*.csv"))]:
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            for column, value in row.items():
                if value and column not in ("quote", "source", "source_url"):
                    texts.append((f"{path.name}:{column}", value))
    for path in sorted((REPO / "mgedu" / "data" / "exercises").glob("*.json")):
        for exercise in json.loads(path.read_text(encoding="utf-8"))["exercises"]:
            texts.append((path.name, exercise["hint"]))
    return texts


def test_no_text_calls_jadidi_the_only_randomised_trial():
    """Marshall 2019 reports an earlier randomised trial (null), so Jadidi 2023 is not 'the only' one."""
    only = re.compile(r"\bonly (randomi[sz]ed|controlled|placebo-controlled) (magnesium )?trial", re.I)
    hits = []
    for where, text in _texts():
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if only.search(sentence) and "jadidi" in sentence.lower() and "not the only" not in sentence:
                hits.append((where, sentence[:120]))
    assert hits == []
    assert only.search("The only randomised trial in restless legs (Jadidi, single-blind).")


VERDICT_WORDS = "|".join(re.escape(v) for v in sorted({*VERDICTS, *VERDICT_LABELS.values()}, key=len, reverse=True))
# "S001-C14, verdict *supported*", "(S004-C41) is overstated", "S001-C34 ('may help') is supported"
AFTER_ID = re.compile(rf"({CLAIM_ID})\b[^.;]{{0,60}}?(?:verdict\W{{1,3}}|\bis \*?|\bare \*?)({VERDICT_WORDS})\b")
# "is overstated in S002-C01"
BEFORE_ID = re.compile(rf"\bis \*?({VERDICT_WORDS})\*? in ({CLAIM_ID})\b")


def _named_verdicts() -> list[tuple[str, str, str]]:
    found = []
    for where, text in _texts():
        for match in AFTER_ID.finditer(text):
            found.append((where, match.group(1), match.group(2)))
        for match in BEFORE_ID.finditer(text):
            found.append((where, match.group(2), match.group(1)))
    return found


def test_verdicts_named_in_prose_match_claims_csv():
    """Wherever text names a claim with its verdict, the verdict is the one in claims.csv."""
    verdicts = dict(zip(load_claims().claim_id, load_claims().verdict, strict=True))
    labels = {label: v for v, label in VERDICT_LABELS.items()} | {v: v for v in VERDICTS}
    named = _named_verdicts()
    assert len(named) >= 4, named  # discrepancy D5 and the S001/S002/S003 cross-references
    wrong = [(where, cid, said, verdicts.get(cid)) for where, cid, said in named if labels[said] != verdicts.get(cid)]
    assert wrong == []


def test_named_verdict_finder_catches_the_old_notebook_sentence():
    old = 'S001\'s "370" may be right, but it cannot be confirmed (claim S001-C14, verdict *uncheckable*).'
    assert AFTER_ID.search(old).groups() == ("S001-C14", "uncheckable")
    assert BEFORE_ID.search("The same claim is overstated in S002-C01;").groups() == ("overstated", "S002-C01")


def test_coverage_statement_in_readme_is_counted_from_the_data():
    from mgedu.claims import audit_coverage

    coverage = audit_coverage()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"covers {coverage.n_claims} claims" in readme
    assert f"{coverage.n_judged} were judged" in readme
    assert f"{coverage.n_uncheckable} are too vague" in readme
    assert f"{coverage.n_not_verified} could not be verified" in readme
    assert f"{coverage.n_secondary} of the" in readme
    assert "Every claim in the five articles has been checked" not in readme


def test_secondary_source_count_follows_the_data():
    from mgedu.claims import audit_coverage, rests_on_secondary_source
    from mgedu.studies import load_studies

    confidence = load_studies().set_index("study_id").confidence.astype(str)
    claims = load_claims()
    by_study = claims.study_id.map(confidence).eq("B")
    marked = claims.evidence.str.contains("[B]", regex=False)
    assert audit_coverage().n_secondary == int((by_study.fillna(False) | marked).sum())
    assert rests_on_secondary_source("no marker", "B") and not rests_on_secondary_source("abbasi2012", "A")


# --- effect claims ---------------------------------------------------------------------------------


def test_effect_claims_leave_out_prevalence_surveys_and_protocols():
    from mgedu.claims import effect_claims

    effect = effect_claims()
    assert not effect.study_id.isin(["manconi2004", "allen2005", "nct04462796"]).any()
    assert set(effect.topic) == {"efficacy", "study-report"}
    assert effect[effect.topic == "efficacy"].shape[0] == int(
        (load_claims().topic == "efficacy").sum()
    )  # every efficacy claim is an effect claim
    assert effect.design.value_counts().idxmax() == "open-label"  # exercise 6.1's answer


def test_is_effect_claim_rejects_an_unknown_topic():
    from mgedu.claims import is_effect_claim

    with pytest.raises(ValueError, match="topic must be one of mechanism, efficacy"):
        is_effect_claim("rumour")


# --- figures ----------------------------------------------------------------------------------------


def _outside_figure(ax) -> list[str]:
    """Texts (titles, labels, annotations) that stick out of the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.figure
    FigureCanvasAgg(fig).draw()  # lays the figure out as it is saved (constrained layout), as show() does
    box = fig.bbox
    legend = ax.get_legend()
    texts = [
        ax.title,
        ax._left_title,
        ax._right_title,
        ax.xaxis.label,
        ax.yaxis.label,
        *ax.texts,
        *(legend.get_texts() if legend is not None else []),
    ]
    return [
        t.get_text()[:40]
        for t in texts
        if t.get_text()
        and (
            (b := t.get_window_extent()).x0 < box.x0 - 1 or b.x1 > box.x1 + 1 or b.y0 < box.y0 - 1 or b.y1 > box.y1 + 1
        )
    ]


def _title(ax) -> str:
    return "".join(ax.get_title(loc=where) for where in ("left", "center", "right"))


@pytest.mark.parametrize("share", [False, True])
def test_verdict_chart_title_agrees_with_the_counts(share):
    from mgedu.claims import verdict_counts
    from mgedu.plots.claims import plot_verdicts

    counts = verdict_counts().drop(index="all")
    shares = counts.supported / counts.total
    worst = shares.idxmin()
    title = _title(plot_verdicts("doc_id", share=share))
    assert f": {worst} ({counts.loc[worst, 'supported']} of {counts.loc[worst, 'total']}, " in title
    assert "share" in title  # a count chart cannot be read as "fewest claims supported"


def test_supplement_effect_axis_starts_at_zero():
    from mgedu.plots.mechanisms import plot_supplement_effect

    low, high = plot_supplement_effect().get_xlim()
    assert low == 0 and high > 5


def test_trial_dose_chart_explains_the_ul_inside_the_rda_band():
    from mgedu.plots.doses import plot_trial_doses

    ax = plot_trial_doses()
    notes = " ".join(t.get_text() for t in ax.texts)
    assert "UL counts supplements only" in notes and "RDA counts" in notes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("food and supplements" in t for t in legend) and any(
        "supplements and medicines only" in t for t in legend
    )


def test_absorption_chart_has_one_labelled_row_per_measurement():
    from mgedu.absorption import load_absorption
    from mgedu.plots.doses import plot_absorption_ranges

    ax = plot_absorption_ranges()
    table = load_absorption()
    shown = table[table.evidence.isin(["measured", "subgroup", "claim"]) & table.absorbed_pct_low.notna()]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == len(shown) and len(set(labels)) == len(labels)
    assert all(t.get_fontsize() >= 8 for t in ax.get_yticklabels())
    assert all(t.get_fontsize() >= 8 for t in ax.texts)  # the value next to every point


@pytest.mark.parametrize(
    "plot",
    [
        "mgedu.plots.mechanisms:plot_body_magnesium",
        "mgedu.plots.mechanisms:plot_supplement_effect",
        "mgedu.plots.doses:plot_trial_doses",
        "mgedu.plots.doses:plot_absorption_ranges",
        "mgedu.plots.evidence:plot_report_cards",
        "mgedu.plots.claims:plot_verdicts",
        "mgedu.plots.claims:plot_verdicts:topic",
    ],
)
def test_titles_and_notes_fit_inside_the_figure(plot):
    import importlib

    import matplotlib

    from mgedu.plots import use_style

    module, name, *args = plot.split(":")
    with matplotlib.rc_context():  # the notebooks' style (left-aligned bold titles), undone afterwards
        use_style()
        ax = getattr(importlib.import_module(module), name)(*args)
        assert _outside_figure(ax) == []
