"""Sourced CSV tables: a small schema, strict parsing, `file:row:column` problem reports, and the one loader.

Every data file in mgedu (the seed claims, the studies table, the reference tables under
``mgedu/data/``) is declared in :data:`mgedu.catalog.TABLES` and read through :func:`load`. The
modelling decision is that a data file is never "mostly right": each cell is checked against its
column's rule, every problem is collected (not just the first), and each is reported as
``file:row:column: message`` so that a person editing the CSV in a spreadsheet can go straight to the
cell. Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.

A column declares its rules (:class:`Column`): kind, required, vocabulary, pattern, range, and for a
column of ids, the table its ids point into (:class:`References`). Rules across rows or tables are
named functions registered in the catalogue (see :mod:`mgedu.rules`). :func:`load` runs a table's own
rules and raises :class:`DataError`; ``python -m mgedu check`` runs every rule over every table. Loads
are cached in one cache (:func:`clear_cache` empties it) and callers always get copies.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

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
class References:
    """Where a column of ids points: every id in it must be an id of ``table``.

    ``column`` is the target column (default: the target table's key). ``separator`` splits a cell
    holding several ids (``"; "``). ``part`` is a regular expression whose first group is the id inside
    a longer value (a mechanism step ``S000-C03/2`` belongs to claim ``S000-C03``). ``where`` limits
    the targets to rows whose column holds one of the listed values (RoB 2 judges randomised trials
    only: ``("design", ("single-blind-rct", "double-blind-rct"))``).

    >>> References("claims.csv", separator="; ").ids_in("S000-C01; S002-C07")
    ['S000-C01', 'S002-C07']
    >>> References("claims.csv", part=r"(S00[0-4]-C\\d+)/\\d+").ids_in("S000-C03/2")
    ['S000-C03']
    """

    table: str
    column: str | None = None
    separator: str | None = None
    part: str | None = None
    where: tuple[str, tuple[str, ...]] | None = None

    def ids_in(self, value: str) -> list[str]:
        """The ids a cell holds."""
        pieces = value.split(self.separator) if self.separator else [value]
        ids = []
        for piece in (p.strip() for p in pieces):
            if self.part is not None:
                match = re.fullmatch(self.part, piece)
                if match is None:
                    continue  # the column's pattern reports a malformed value
                piece = match.group(1)
            if piece:
                ids.append(piece)
        return ids


@dataclass(frozen=True)
class Column:
    """The rules for one column of a table.

    ``required`` means every row must have a non-blank value. ``vocab`` restricts a category
    column to listed values; ``pattern`` is a regular expression the whole value must match
    (``pattern_meaning`` says in words what it asks for, for the problem message);
    ``minimum``/``maximum`` bound numbers (inclusive); ``references`` says which table a column of
    ids points into.
    """

    name: str
    kind: Kind = "text"
    required: bool = True
    vocab: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""
    references: References | None = None
    pattern_meaning: str = ""


#: What a source cell must contain: something a reader can follow (a web address, a DOI or PMID, a seed
#: article file), or an explicit "none found: why".
SOURCE_PATTERN = r"(?is)(.*(https?://|\bdoi\b|\bpmid\b|seeds/).*|none found: .+)"


def source_column(name: str = "source", description: str = "the page(s) read (URL, DOI or PMID)") -> Column:
    """The column naming where a row's facts come from; every reference table has one.

    >>> source_column().pattern_meaning
    "a source a reader can follow (URL, DOI, PMID or seed file), or 'none found: why'"
    """
    return Column(
        name,
        pattern=SOURCE_PATTERN,
        description=description,
        pattern_meaning="a source a reader can follow (URL, DOI, PMID or seed file), or 'none found: why'",
    )


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


def _shown(value: str, limit: int = 60) -> str:
    """A cell value for a message: quoted, and cut short when long."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _check_cell(col: Column, raw: str) -> tuple[object, str | None]:
    """Parse one raw cell; return (value, problem message or None)."""
    value = raw.strip()
    if value == "":
        return None, ("is empty but required" if col.required else None)
    if col.pattern is not None and not re.fullmatch(col.pattern, value):
        if col.pattern_meaning:
            return None, f"{_shown(value)} is not {col.pattern_meaning}"
        return None, f"{_shown(value)} does not match the pattern {col.pattern}"
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
            problems.append(Problem(label, rownum, "-", f"has {len(row)} cells but the header has {len(header)}"))
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
                problems.append(Problem(label, rownum, schema.key, f"duplicate id {key!r} (first at row {seen[key]})"))
            else:
                seen[key] = rownum
        records.append(record)
    return records, problems


def read_records(path: Path, schema: Schema, label: str | None = None) -> tuple[list[dict[str, object]], list[Problem]]:
    """Read the CSV at ``path`` and check every cell against ``schema``: (records, problems).

    Records are dicts of parsed values (blank or broken cells are ``None``) with the spreadsheet row
    number in ``csv_row``. A missing or unreadable file is a problem in the list, never a traceback.
    """
    label = label or Path(path).name
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return parse_rows(csv.reader(handle), schema, label)
    except FileNotFoundError:
        return [], [Problem(label, 0, "-", f"file not found: {Path(path).name}")]
    except UnicodeDecodeError as exc:
        return [], [Problem(label, 0, "-", f"not valid UTF-8 ({exc.reason})")]
    except csv.Error as exc:
        return [], [Problem(label, 0, "-", f"not a readable CSV file ({exc})")]


def read_table(path: Path, schema: Schema, label: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Like :func:`read_records`, as a typed DataFrame (see :func:`frame_from_records`) and the problems."""
    records, problems = read_records(path, schema, label)
    return frame_from_records(records, schema), problems


def frame_from_records(records: list[dict[str, object]], schema: Schema) -> pd.DataFrame:
    """Build a typed DataFrame from parsed records.

    Nullable integers and floats, categoricals for vocabularies, strings for text; the spreadsheet
    row number in ``csv_row``.
    """
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


# ------------------------------------------------------------------------------------------ the loader

_TABLES: dict[Path, pd.DataFrame] = {}
_DERIVED: list[Callable[[], None]] = []
F = TypeVar("F", bound=Callable[..., object])


def table_path(name: str, folder: str | Path | None = None) -> Path:
    """Where table ``name`` is read from: in ``folder`` when given (tests point it at a copy), else its home.

    A table's home (the packaged data folder, or the seeds folder) is declared in the catalogue.

    >>> table_path("studies.csv").parent.name, table_path("claims.csv").name
    ('data', 'claims.csv')
    """
    from mgedu.catalog import table_entry

    entry = table_entry(name)
    if folder is not None:
        return Path(folder) / name
    if entry.home == "seeds":
        from mgedu.seeds import seeds_dir

        return seeds_dir() / name
    return package_data_dir() / name


def load(name: str, folder: str | Path | None = None) -> pd.DataFrame:
    """Table ``name`` as a typed DataFrame: checked against its own rules, cached, and always a fresh copy.

    Raises :class:`DataError` listing every problem in the table (its schema, its ids that point into
    itself, and the rules registered for it that read no other table); ``python -m mgedu check`` runs
    the same rules and the ones that cross tables.

    >>> studies = load("studies.csv")
    >>> studies.loc[studies.study_id == "hornyak1998", "n"].tolist()
    [10]
    >>> load("nonsense.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: no table called 'nonsense.csv' in the catalogue; known tables: absorption.csv, ...
    """
    path = table_path(name, folder).resolve()
    frame = _TABLES.get(path)
    if frame is None:
        from mgedu.catalog import schema_for
        from mgedu.rules import own_problems

        records, problems = own_problems(name, path)
        if problems:
            raise DataError(problems)
        frame = frame_from_records(records, schema_for(name)).drop(columns="csv_row")
        _TABLES[path] = frame
    return frame.copy()


def derived_cache(func: F) -> F:
    """Cache ``func`` (an ``lru_cache``) as something computed from tables, so :func:`clear_cache` empties it too.

    >>> @derived_cache
    ... def row_count(name: str) -> int:
    ...     return len(load(name))
    >>> row_count("pooled_estimates.csv"), row_count.cache_info().currsize
    (2, 1)
    >>> clear_cache(); row_count.cache_info().currsize
    0
    """
    cached = functools.lru_cache(maxsize=64)(func)
    _DERIVED.append(cached.cache_clear)
    return cached  # type: ignore[return-value]


def clear_cache() -> None:
    """Forget every loaded table and everything computed from them (after editing a CSV in a running session).

    >>> _ = load("studies.csv")
    >>> clear_cache()
    >>> _TABLES
    {}
    """
    _TABLES.clear()
    for forget in _DERIVED:
        forget()
