"""Sourced CSV tables: a small schema, strict parsing and `file:row:column` problem reports.

Every data file in mgedu (the seed claims, the studies table, the reference tables under
``mgedu/data/``) is read through :func:`read_table`. The modelling decision is that a data file is
never "mostly right": each cell is checked against its column's rule, every problem is collected
(not just the first), and each is reported as ``file:row:column: message`` so that a person editing
the CSV in a spreadsheet can go straight to the cell. Rows are numbered as a spreadsheet shows them:
the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pandas is imported lazily so that `import mgedu` stays light
    import pandas as pd

Kind = Literal["text", "int", "float", "category"]


class DataError(ValueError):
    """Raised when a data file breaks its schema; ``.problems`` lists every problem found.

    >>> err = DataError([Problem("claims.csv", 3, "verdict", "unknown value 'maybe'")])
    >>> print(err)
    1 problem in the data:
      claims.csv:3:verdict: unknown value 'maybe'
    """

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{len(self.problems)} {noun} in the data:"] + [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one cell (or one row, or one file) of a data file.

    >>> str(Problem("studies.csv", 7, "n", "expected a whole number, got 'ten'"))
    "studies.csv:7:n: expected a whole number, got 'ten'"
    """

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


@dataclass(frozen=True)
class Column:
    """The rule for one column of a table.

    ``required`` means every row must have a non-blank value. ``vocab`` restricts a category
    column to listed values; ``pattern`` is a regular expression the whole value must match;
    ``minimum``/``maximum`` bound numbers (inclusive).
    """

    name: str
    kind: Kind = "text"
    required: bool = True
    vocab: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Schema:
    """The columns of one table, and the column whose values must be unique (if any)."""

    columns: tuple[Column, ...]
    key: str | None = None
    description: str = ""
    extra_columns_allowed: bool = False
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """The :class:`Column` called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _check_cell(col: Column, raw: str) -> tuple[object, str | None]:
    """Parse one raw cell; return (value, problem message or None)."""
    value = raw.strip()
    if value == "":
        return None, ("is empty but required" if col.required else None)
    if col.pattern is not None and not re.fullmatch(col.pattern, value):
        return None, f"{value!r} does not match the pattern {col.pattern}"
    if col.kind == "category":
        if col.vocab is not None and value not in col.vocab:
            allowed = ", ".join(col.vocab)
            return None, f"unknown value {value!r}; allowed: {allowed}"
        return value, None
    if col.kind in ("int", "float"):
        try:
            number = float(value)
        except ValueError:
            what = "a whole number" if col.kind == "int" else "a number"
            return None, f"expected {what}, got {value!r}"
        if not math.isfinite(number):
            return None, f"expected a finite number, got {value!r}"
        if col.kind == "int" and number != int(number):
            return None, f"expected a whole number, got {value!r}"
        lo, hi = col.minimum, col.maximum
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            low = "-inf" if lo is None else f"{lo:g}"
            high = "inf" if hi is None else f"{hi:g}"
            return None, f"{value} is outside the allowed range {low}..{high}"
        return (int(number) if col.kind == "int" else number), None
    return value, None


def parse_rows(
    rows: Iterable[Sequence[str]], schema: Schema, label: str
) -> tuple[list[dict[str, object]], list[Problem]]:
    """Check raw CSV rows (header first) against ``schema``.

    Returns the parsed records (blank cells as ``None``) and the list of problems. Rows with a
    problem are still returned with the offending cells set to ``None``, so that later checks can
    go on and report everything at once.

    >>> schema = Schema((Column("id"), Column("n", "int", minimum=0)), key="id")
    >>> records, problems = parse_rows([["id", "n"], ["a", "3"], ["a", "-1"]], schema, "t.csv")
    >>> [str(p) for p in problems]
    ['t.csv:3:n: -1 is outside the allowed range 0..inf', "t.csv:3:id: duplicate id 'a' (first at row 2)"]
    """
    iterator = iter(rows)
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(iterator)]
    except StopIteration:
        return [], [Problem(label, 1, "-", "the file is empty (no header row)")]
    missing = [n for n in schema.names if n not in header]
    for name in missing:
        problems.append(Problem(label, 1, name, "missing column"))
    unknown = [h for h in header if h not in schema.names]
    if unknown and not schema.extra_columns_allowed:
        for name in unknown:
            problems.append(Problem(label, 1, name, f"unexpected column; expected {', '.join(schema.names)}"))
    index = {name: header.index(name) for name in schema.names if name in header}
    records: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for rownum, row in enumerate(iterator, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            problems.append(
                Problem(label, rownum, "-", f"has {len(row)} cells but the header has {len(header)}")
            )
        record: dict[str, object] = {}
        for col in schema.columns:
            if col.name not in index:
                record[col.name] = None
                continue
            i = index[col.name]
            raw = row[i] if i < len(row) else ""
            value, message = _check_cell(col, raw)
            if message is not None:
                problems.append(Problem(label, rownum, col.name, message))
            record[col.name] = value
        record["csv_row"] = rownum
        if schema.key is not None and record.get(schema.key) is not None:
            key = record[schema.key]
            if key in seen:
                problems.append(
                    Problem(label, rownum, schema.key, f"duplicate id {key!r} (first at row {seen[key]})")
                )
            else:
                seen[key] = rownum
        records.append(record)
    return records, problems


def read_table(path: Path, schema: Schema, label: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the CSV at ``path`` and check it against ``schema``.

    Returns a DataFrame with proper dtypes (nullable integers and floats, categoricals for
    vocabularies, strings for text; the spreadsheet row number in ``csv_row``) and the list of
    problems (empty when the file is clean).
    """
    label = label or Path(path).name
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            records, problems = parse_rows(csv.reader(handle), schema, label)
    except FileNotFoundError:
        return frame_from_records([], schema), [Problem(label, 0, "-", f"file not found: {Path(path).name}")]
    except UnicodeDecodeError as exc:
        return frame_from_records([], schema), [Problem(label, 0, "-", f"not valid UTF-8 ({exc.reason})")]
    except csv.Error as exc:
        return frame_from_records([], schema), [Problem(label, 0, "-", f"not a readable CSV file ({exc})")]
    return frame_from_records(records, schema), problems


def load_table(path: Path, schema: Schema, label: str | None = None) -> pd.DataFrame:
    """Like :func:`read_table`, but raise :class:`DataError` listing every problem."""
    frame, problems = read_table(path, schema, label)
    if problems:
        raise DataError(problems)
    return frame


def frame_from_records(records: list[dict[str, object]], schema: Schema) -> pd.DataFrame:
    """Build a typed DataFrame from parsed records."""
    import pandas as pd

    data: dict[str, object] = {}
    for col in schema.columns:
        values = [r.get(col.name) for r in records]
        if col.kind == "int":
            data[col.name] = pd.array(values, dtype="Int64")
        elif col.kind == "float":
            data[col.name] = pd.array(values, dtype="Float64")
        elif col.kind == "category" and col.vocab is not None:
            data[col.name] = pd.Categorical(values, categories=list(col.vocab))
        else:
            data[col.name] = pd.array(values, dtype="string")
    data["csv_row"] = pd.array([r.get("csv_row") for r in records], dtype="Int64")
    return pd.DataFrame(data)


def package_data_dir() -> Path:
    """The folder of reference tables shipped inside the package (``mgedu/data``).

    >>> sorted(path.name for path in package_data_dir().glob("s*.csv"))
    ['salts.csv', 'serum_reference.csv', 'studies.csv']
    """
    from importlib.resources import files

    return Path(str(files("mgedu") / "data"))


def data_path(file_name: str, folder: str | Path | None = None) -> Path:
    """Path of a data table: in ``folder`` when given (tests point this at a fixture), else packaged.

    >>> data_path("studies.csv").name
    'studies.csv'
    """
    return (Path(folder) if folder is not None else package_data_dir()) / file_name


@functools.lru_cache(maxsize=64)
def cached_table(path: Path, schema: Schema) -> pd.DataFrame:
    """:func:`load_table`, cached per file and schema. Callers hand out copies (:func:`public_frame`)."""
    return load_table(path, schema)


def public_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` without the bookkeeping ``csv_row`` column, for callers."""
    return frame.drop(columns=["csv_row"], errors="ignore").copy()
