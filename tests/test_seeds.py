"""Seeds, claims and studies: loaders, and one broken fixture per validation rule."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import mgedu
from mgedu.seeds import DOC_IDS, TOPICS, VERDICTS, document_text, load_claims, load_documents, seeds_dir
from mgedu.validation import check_data, validate

REPO = Path(__file__).resolve().parents[1]
SHARED_SEEDS = REPO.parent / "shared" / "seeds"


# --- the corpus as shipped -------------------------------------------------------------------------


def test_shipped_data_has_no_problems():
    assert validate() == []


def test_articles_are_byte_identical_to_the_originals():
    if not SHARED_SEEDS.exists():
        pytest.skip("the original article folder is not beside this checkout")
    originals = sorted(SHARED_SEEDS.glob("*.txt"))
    assert len(originals) == 5
    for original in originals:
        assert (REPO / "seeds" / original.name).read_bytes() == original.read_bytes()


def test_documents_table():
    docs = load_documents()
    assert list(docs.doc_id) == list(DOC_IDS)
    assert str(docs.doc_id.dtype) == "category" and str(docs.cites_references.dtype) == "Int64"
    for row in docs.itertuples():
        assert row.title in document_text(row.doc_id)


def test_claims_cover_every_article_with_every_column_filled():
    claims = load_claims()
    assert set(claims.doc_id) == set(DOC_IDS)
    assert claims.groupby("doc_id", observed=True).size().min() >= 10
    assert 80 <= len(claims) <= 250
    for column in ("quote", "evidence", "reason"):
        assert claims[column].str.len().min() > 0
    assert list(claims.verdict.cat.categories) == list(VERDICTS)
    assert list(claims.topic.cat.categories) == list(TOPICS)


def test_every_quote_is_verbatim_at_its_offsets():
    for row in load_claims().itertuples():
        text = document_text(row.doc_id)
        assert text[row.start : row.end] == row.quote, row.claim_id


def test_loaders_return_copies():
    first = load_claims()
    original = first.loc[0, "quote"]
    first.loc[0, "quote"] = "edited by a student"
    first = first.drop(columns=["reason"])
    again = load_claims()
    assert "reason" in again.columns
    assert again.loc[0, "quote"] == original


def test_loader_takes_a_folder(corpus):
    assert len(load_claims(corpus.seeds)) == len(load_claims())
    with pytest.raises(FileNotFoundError, match="expected documents.csv"):
        seeds_dir(corpus.seeds / "nowhere")


def test_unknown_document_id_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown doc_id 'S9'"):
        document_text("S9")


def test_studies_table_has_the_studies_the_articles_rely_on():
    studies = mgedu.load_studies().set_index("study_id")
    for sid in (
        "abbasi2012",
        "hornyak1998",
        "jadidi2022",
        "gorantla2024",
        "nct04462796",
        "bartell2006",
        "manconi2004",
        "marshall2019",
        "gonzalezparejo2024",
        "mahpitre2021",
        "hausenblas2024",
        "silva2017",
    ):
        assert sid in studies.index
    assert len(studies) >= 12
    assert studies.loc["hornyak1998", "n"] == 10
    assert studies.source_url.str.len().min() > 0
    with pytest.raises(ValueError, match="did you mean 'hornyak1998'"):
        mgedu.study("hornyak1999")


# --- one fixture per validation rule: each breaks exactly one thing --------------------------------


def edit_csv(corpus, name: str, row: int, column: str, value: str) -> None:
    """Set one cell (spreadsheet row numbering: header is row 1)."""
    rows = list(csv.reader(io.StringIO(corpus.path(name).read_text(encoding="utf-8"))))
    rows[row - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    corpus.path(name).write_text(out.getvalue(), encoding="utf-8")


def only_problem(corpus) -> str:
    problems = validate(corpus.seeds, corpus.data)
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


def test_fixture_copy_is_clean(corpus):
    assert validate(corpus.seeds, corpus.data) == []


def test_rule_unknown_vocabulary_value(corpus):
    edit_csv(corpus, "claims.csv", 4, "verdict", "probably")
    assert only_problem(corpus).startswith("claims.csv:4:verdict: unknown value 'probably'")


def test_rule_duplicate_id(corpus):
    first = load_claims().claim_id.iloc[0]
    second = load_claims().claim_id.iloc[1]
    # Swap the second row's id for the first's, keeping it on the same article.
    edit_csv(corpus, "claims.csv", 3, "claim_id", first)
    assert second != first
    found = [str(p) for p in validate(corpus.seeds, corpus.data)]
    assert f"claims.csv:3:claim_id: duplicate id '{first}' (first at row 2)" in found
    # The only other problems are references to the id that no longer exists.
    assert all(f"'{second}'" in line for line in found if "duplicate id" not in line), found


def test_rule_quote_must_match_the_article(corpus):
    edit_csv(corpus, "claims.csv", 5, "start", str(int(load_claims().start.iloc[3]) + 1))
    assert only_problem(corpus).startswith("claims.csv:5:quote: quote is not the text of S000 at")


def test_rule_quote_whitespace_is_normalised(corpus):
    quote = load_claims().quote.iloc[0]
    edit_csv(corpus, "claims.csv", 2, "quote", quote.replace(" ", "  \n ", 1))
    assert validate(corpus.seeds, corpus.data) == []


def test_rule_study_id_must_resolve(corpus):
    edit_csv(corpus, "claims.csv", 2, "study_id", "nobody2099")
    assert only_problem(corpus) == "claims.csv:2:study_id: unknown study_id 'nobody2099' (not in studies.csv)"


def test_rule_checksum_guards_the_articles(corpus):
    article = corpus.seeds / load_documents().file.iloc[2]
    article.write_bytes(article.read_bytes() + b" ")
    assert only_problem(corpus) == f"documents.csv:4:sha256: checksum mismatch: {article.name} has changed"


def test_rule_missing_column(corpus):
    rows = list(csv.reader(io.StringIO(corpus.path("documents.csv").read_text(encoding="utf-8"))))
    dropped = [r[:-1] for r in rows]  # drop citation_style
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(dropped)
    corpus.path("documents.csv").write_text(out.getvalue(), encoding="utf-8")
    assert only_problem(corpus) == "documents.csv:1:citation_style: missing column"


def test_rule_offsets_must_be_numbers(corpus):
    edit_csv(corpus, "claims.csv", 6, "end", "later")
    assert only_problem(corpus) == "claims.csv:6:end: expected a whole number, got 'later'"


def test_rule_offsets_inside_the_article(corpus):
    edit_csv(corpus, "claims.csv", 2, "end", "999999")
    assert only_problem(corpus).startswith("claims.csv:2:end: offsets ")


def test_rule_claim_belongs_to_its_article(corpus):
    edit_csv(corpus, "claims.csv", 2, "claim_id", "S001-C99")
    assert only_problem(corpus) == "claims.csv:2:claim_id: S001-C99 does not belong to article S000"


def test_rule_malformed_row(corpus):
    lines = corpus.lines("claims.csv")
    lines.insert(3, "S000-C98,S000\n")
    corpus.write_lines("claims.csv", lines)
    problems = [str(p) for p in validate(corpus.seeds, corpus.data)]
    assert problems[0] == "claims.csv:4:-: has 2 cells but the header has 12"
    assert all(p.startswith("claims.csv:4:") for p in problems)


def test_rule_article_file_must_exist(corpus):
    (corpus.seeds / load_documents().file.iloc[1]).unlink()
    problems = [str(p) for p in validate(corpus.seeds, corpus.data)]
    assert problems[0].startswith("documents.csv:3:file: no such file in seeds/")


def test_rule_study_table_cells(corpus):
    edit_csv(corpus, "studies.csv", 3, "design", "anecdote")
    assert only_problem(corpus).startswith("studies.csv:3:design: unknown value 'anecdote'")


def test_rule_discrepancy_claims_must_resolve(corpus):
    edit_csv(corpus, "discrepancies.csv", 2, "claim_ids", "S000-C98")
    assert only_problem(corpus) == "discrepancies.csv:2:claim_ids: unknown claim_id 'S000-C98' (not in claims.csv)"


def test_rule_data_file_needs_a_schema(corpus):
    (corpus.data / "mystery.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert only_problem(corpus) == "mystery.csv:0:-: data file has no schema in mgedu/catalog.py"


def test_check_data_raises_with_every_problem(corpus):
    edit_csv(corpus, "claims.csv", 2, "topic", "astrology")
    edit_csv(corpus, "claims.csv", 3, "verdict", "maybe")
    with pytest.raises(mgedu.DataError) as info:
        check_data(corpus.seeds, corpus.data)
    assert len(info.value.problems) == 2
    assert "claims.csv:2:topic:" in str(info.value) and "claims.csv:3:verdict:" in str(info.value)


# --- the command line ----------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mgedu", *args], capture_output=True, text=True, cwd=REPO)


def test_cli_check_clean_exits_zero():
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout


def test_cli_check_broken_exits_one_and_lists_problems(corpus):
    edit_csv(corpus, "claims.csv", 2, "verdict", "maybe")
    result = run_cli("check", "--seeds", str(corpus.seeds), "--data", str(corpus.data))
    assert result.returncode == 1
    assert "claims.csv:2:verdict: unknown value 'maybe'" in result.stderr


def test_cli_without_command_is_a_usage_error():
    assert run_cli().returncode == 2


# --- import hygiene ------------------------------------------------------------------------------


def test_import_is_light_and_changes_no_global_state():
    code = (
        "import sys, matplotlib; before = dict(dict.items(matplotlib.rcParams)); "
        "import mgedu; heavy = [m for m in ('pandas', 'matplotlib.pyplot', 'ipywidgets', 'statsmodels', 'scipy') "
        "if m in sys.modules]; print(heavy); print(dict(dict.items(matplotlib.rcParams)) == before)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["[]", "True"]
    bare = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mgedu; print(sorted(m for m in ('pandas', 'matplotlib', "
            "'ipywidgets', 'statsmodels', 'numpy') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert bare.stdout.strip() == "[]"


def test_public_names_resolve():
    for name in mgedu.__all__:
        assert getattr(mgedu, name) is not None
    with pytest.raises(AttributeError):
        mgedu.no_such_name  # noqa: B018


def test_frames_use_pandas_dtypes():
    claims = load_claims()
    assert isinstance(claims, pd.DataFrame)
    assert str(claims.start.dtype) == "Int64"


def test_rule_grade_certainty_must_follow_from_the_ratings(corpus):
    edit_csv(corpus, "grade_outcomes.csv", 2, "certainty", "moderate")
    assert only_problem(corpus) == (
        "grade_outcomes.csv:2:certainty: recorded 'moderate' but the ratings give 'very low'"
    )


def test_rule_risk_of_bias_overall_follows_the_rob2_rule(corpus):
    edit_csv(corpus, "risk_of_bias.csv", 7, "judgement", "low")
    problem = only_problem(corpus)
    assert problem.startswith("risk_of_bias.csv:7:judgement: abbasi2012 / sleep onset latency: overall 'low'")
