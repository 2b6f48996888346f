"""The table machinery: every cell rule, problems reported as file:row:column, and the one loader."""

from __future__ import annotations

import pytest

from mgedu import tables
from mgedu.catalog import TABLES
from mgedu.tables import Column, DataError, Problem, Schema, load, parse_rows, read_table

SCHEMA = Schema(
    (
        Column("id", pattern=r"[a-z]+\d*"),
        Column("n", "int", minimum=0),
        Column("dose_mg", "float", required=False, minimum=0, maximum=100_000),
        Column("kind", "category", vocab=("a", "b")),
    ),
    key="id",
)


def messages(rows: list[list[str]]) -> list[str]:
    return [str(p) for p in parse_rows(rows, SCHEMA, "t.csv")[1]]


HEADER = ["id", "n", "dose_mg", "kind"]


def test_clean_rows_parse_to_typed_values():
    records, problems = parse_rows([HEADER, ["x1", "3", "2.5", "a"], ["y", "0", "", "b"]], SCHEMA, "t.csv")
    assert problems == []
    assert records[0]["n"] == 3 and records[0]["dose_mg"] == 2.5 and records[1]["dose_mg"] is None
    assert [r["csv_row"] for r in records] == [2, 3]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["x", "3.5", "", "a"], "t.csv:2:n: expected a whole number, got '3.5'"),
        (["x", "ten", "", "a"], "t.csv:2:n: expected a whole number, got 'ten'"),
        (["x", "-1", "", "a"], "t.csv:2:n: -1 is outside the allowed range 0..inf"),
        (["x", "1", "nan", "a"], "t.csv:2:dose_mg: expected a finite number, got 'nan'"),
        (["x", "1", "200000", "a"], "t.csv:2:dose_mg: 200000 is outside the allowed range 0..100000"),
        (["x", "1", "", "c"], "t.csv:2:kind: unknown value 'c'; allowed: a, b"),
        (["X!", "1", "", "a"], "t.csv:2:id: 'X!' does not match the pattern [a-z]+\\d*"),
        (["", "1", "", "a"], "t.csv:2:id: is empty but required"),
        (["x", "1", "", "a", "extra"], "t.csv:2:-: has 5 cells but the header has 4"),
    ],
)
def test_each_cell_rule_names_file_row_and_column(row, expected):
    assert messages([HEADER, row]) == [expected]


def test_duplicate_ids_point_at_the_first_occurrence():
    assert messages([HEADER, ["x", "1", "", "a"], ["x", "2", "", "b"]]) == [
        "t.csv:3:id: duplicate id 'x' (first at row 2)"
    ]


def test_missing_and_unexpected_columns():
    problems = messages([["id", "n", "kind", "colour"], ["x", "1", "a", "red"]])
    assert "t.csv:1:dose_mg: missing column" in problems
    assert any(p.startswith("t.csv:1:colour: unexpected column") for p in problems)


def test_every_problem_is_reported_at_once():
    assert len(messages([HEADER, ["x", "-1", "", "z"], ["x", "1", "", "a"]])) == 3


def test_empty_file():
    assert messages([]) == ["t.csv:1:-: the file is empty (no header row)"]


def test_load_raises_with_all_problems_of_its_table(corpus):
    lines = corpus.lines("serum_reference.csv")
    lines[1] = lines[1].replace(",1.5,2.5,mg/dL,", ",-1,2.5,mg/L,", 1)
    corpus.write_lines("serum_reference.csv", lines)
    with pytest.raises(DataError) as info:
        load("serum_reference.csv", corpus.data)
    assert [str(p) for p in info.value.problems] == [
        "serum_reference.csv:2:low: -1 is outside the allowed range 0..inf",
        "serum_reference.csv:2:unit: unknown value 'mg/L'; allowed: mmol/L, mg/dL, mEq/L, %",
    ]


def test_read_table_types(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,n,dose_mg,kind\nx,1,2.5,a\ny,2,,b\n", encoding="utf-8")
    frame, problems = read_table(path, SCHEMA)
    assert problems == []
    assert str(frame.n.dtype) == "Int64" and str(frame.dose_mg.dtype) == "Float64"
    assert str(frame.kind.dtype) == "category" and list(frame.kind.cat.categories) == ["a", "b"]


def test_unreadable_files_are_problems_not_tracebacks(tmp_path):
    missing = read_table(tmp_path / "nope.csv", SCHEMA)[1]
    assert [str(p) for p in missing] == ["nope.csv:0:-: file not found: nope.csv"]
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00id")
    assert "not valid UTF-8" in str(read_table(binary, SCHEMA)[1][0])


def test_problem_sorts_and_prints():
    assert str(Problem("f.csv", 2, "c", "m")) == "f.csv:2:c: m"


# --- the one loader -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_catalogued_table_loads_through_the_one_loader(name):
    frame = load(name)
    assert len(frame) > 0 and "csv_row" not in frame.columns
    assert tables.table_path(name).name == name


def test_load_caches_once_and_hands_out_copies(monkeypatch):
    tables.clear_cache()
    reads = []
    original = tables.frame_from_records
    monkeypatch.setattr(tables, "frame_from_records", lambda *args: reads.append(1) or original(*args))
    first = load("studies.csv")
    first.loc[0, "citation"] = "edited by a student"
    second = load("studies.csv")
    assert len(reads) == 1, "the table is parsed once"
    assert second.loc[0, "citation"] != "edited by a student", "each caller gets its own copy"


def test_clear_cache_forgets_tables_and_everything_computed_from_them(corpus):
    from mgedu.doses import salt_info
    from mgedu.seeds import document_text, load_claims

    salt_info("oxide", corpus.data), document_text("S000", corpus.seeds), load_claims(corpus.seeds)
    for name in ("salts.csv", "claims.csv"):  # edit two copies, one of them a seed table
        lines = corpus.lines(name)
        corpus.write_lines(name, [lines[0], "not,a,valid,row\n", *lines[1:]])
    article = corpus.seeds / load("documents.csv", corpus.seeds).file.iloc[0]
    article.write_text("replaced", encoding="utf-8")
    assert salt_info("oxide", corpus.data).key == "oxide"  # still the cached copy
    assert document_text("S000", corpus.seeds) != "replaced"
    tables.clear_cache()
    with pytest.raises(DataError, match="salts.csv:2"):
        salt_info("oxide", corpus.data)
    with pytest.raises(DataError, match="claims.csv:2"):
        load_claims(corpus.seeds)
    with pytest.raises(DataError, match="documents.csv:2:sha256: checksum mismatch"):
        document_text("S000", corpus.seeds)  # the article is read again, and its checksum checked


def test_unknown_table_is_a_clear_error():
    with pytest.raises(ValueError, match="no table called 'claim.csv' in the catalogue; known tables: absorption.csv"):
        load("claim.csv")
