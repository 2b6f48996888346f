"""The table machinery: every cell rule, and problems reported as file:row:column."""

from __future__ import annotations

import pytest

from mgedu.tables import Column, DataError, Problem, Schema, load_table, parse_rows, read_table

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


def test_load_table_raises_with_all_problems(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,n,dose_mg,kind\nx,-1,,z\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_table(path, SCHEMA)
    assert [str(p) for p in info.value.problems] == [
        "t.csv:2:n: -1 is outside the allowed range 0..inf",
        "t.csv:2:kind: unknown value 'z'; allowed: a, b",
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
