"""Running the data rules: each table's column rules, its id references, and its named rules.

A **named rule** is a function ``rule(rows, corpus)`` that yields :class:`~mgedu.tables.Problem`\\ s,
decorated with :func:`rule` to say which other tables it reads, and listed for its table in
:data:`mgedu.catalog.TABLES`. ``rows`` are the table's parsed records (a cell that broke its column
rule is ``None``, so a rule never trips over a bad cell and never reports it twice); ``corpus`` gives
the other tables of the same seeds and data folders. A rule that reads no other table is the table's
own: :func:`mgedu.tables.load` runs it too, so a loader and ``python -m mgedu check`` report the same
problem from the same code.

:func:`rule_list` names every rule (column rules, reference rules, named rules, the file-level
checks), which is how the test suite proves that each one has a case that breaks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from mgedu.catalog import TABLES, rules_for, schema_for, table_entry
from mgedu.tables import Column, Problem, Schema, package_data_dir, read_records

Record = dict[str, object]
F = TypeVar("F", bound=Callable[..., Iterable[Problem]])

#: Checks of the files themselves, before any cell is read (see :func:`mgedu.tables.parse_rows`).
FILE_RULES: dict[str, str] = {
    "file-readable": "the file exists, is UTF-8 and is CSV",
    "header-present": "the file has a header row",
    "no-missing-column": "every column of the schema is in the header",
    "no-unexpected-column": "the header has no column the schema does not know",
    "row-length": "every row has as many cells as the header",
    "catalogued": "every CSV file in the data folder is listed in the catalogue",
}


def rule(*, reads: Iterable[str] = ()) -> Callable[[F], F]:
    """Mark a function as a named rule; ``reads`` lists what else it reads (other tables, other files).

    A rule that reads nothing else is run by the table's loader as well as by ``python -m mgedu check``.
    """

    def mark(func: F) -> F:
        func.reads = tuple(reads)  # type: ignore[attr-defined]
        return func

    return mark


def reads_of(func: Callable[..., object]) -> tuple[str, ...]:
    """What a named rule reads besides its own table (``()`` for a table's own rule)."""
    return getattr(func, "reads", ())


@dataclass
class Rows:
    """The parsed records of one table, and a way to report a problem in one of its cells."""

    name: str
    records: list[Record]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def problem(self, record: Record | None, column: str, message: str) -> Problem:
        """A problem in ``column`` of ``record`` (``None``: the table as a whole, row 0)."""
        row = 0 if record is None else int(record["csv_row"])  # type: ignore[call-overload]
        return Problem(self.name, row, column, message)

    def values(self, column: str) -> set[object]:
        """Every non-blank value of ``column``."""
        return {r[column] for r in self.records if r.get(column) is not None}


class Corpus:
    """The tables of one seeds folder and one data folder, each read and checked at most once."""

    def __init__(
        self,
        seeds_folder: str | Path | None = None,
        data_folder: str | Path | None = None,
        only: tuple[str, Path] | None = None,
    ):
        from mgedu.seeds import seeds_dir

        if data_folder is not None and not Path(data_folder).is_dir():
            raise FileNotFoundError(f"no data folder at {data_folder}")
        self._folders = {
            "seeds": None if seeds_folder is None else seeds_dir(seeds_folder),
            "data": Path(data_folder) if data_folder is not None else package_data_dir(),
        }
        self._only = only
        self._rows: dict[str, Rows] = {}
        self._problems: dict[str, list[Problem]] = {}
        self._texts: dict[Path, str | None] = {}

    def folder(self, home: str) -> Path:
        """The seeds or data folder this corpus reads."""
        if home == "seeds" and self._folders["seeds"] is None:
            from mgedu.seeds import seeds_dir

            self._folders["seeds"] = seeds_dir()
        return self._folders[home]  # type: ignore[return-value]

    def path(self, name: str) -> Path:
        """Where table ``name`` is read from."""
        if self._only is not None and name == self._only[0]:
            return self._only[1]
        return self.folder(table_entry(name).home) / name

    def rows(self, name: str) -> Rows:
        """Table ``name``'s records (read once; its column problems are kept for :meth:`column_problems`)."""
        if self._only is not None and name != self._only[0]:
            raise LookupError(f"a rule of {self._only[0]} read {name}; declare it with @rule(reads=...)")
        if name not in self._rows:
            records, problems = read_records(self.path(name), schema_for(name), name)
            self._rows[name] = Rows(name, records)
            self._problems[name] = problems
        return self._rows[name]

    def readable(self, name: str) -> bool:
        """Whether table ``name`` could be read at all (rules that read it are skipped when not)."""
        return not any(p.row <= 1 and p.column == "-" for p in self.column_problems(name))

    def column_problems(self, name: str) -> list[Problem]:
        """The problems :func:`mgedu.tables.parse_rows` found in table ``name``: file, header, cells, ids."""
        self.rows(name)
        return self._problems[name]

    def text(self, path: Path) -> str | None:
        """The text of a file beside the tables (an article), read once; ``None`` when it cannot be read."""
        if path not in self._texts:
            try:
                self._texts[path] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[path] = None
        return self._texts[path]


def _reference_problems(name: str, schema: Schema, corpus: Corpus, own_only: bool) -> list[Problem]:
    """Problems in the id columns of table ``name``: ids that are not in the table they point into."""
    problems: list[Problem] = []
    rows = corpus.rows(name)
    for col in schema.columns:
        ref = col.references
        if ref is None or (own_only and ref.table != name) or not corpus.readable(ref.table):
            continue  # an unreadable table is reported once, not once per id that points into it
        target_column = ref.column or schema_for(ref.table).key
        assert target_column is not None, f"{name}:{col.name} points into {ref.table}, which has no key"
        target = corpus.rows(ref.table)
        found: dict[object, Record] = {}
        for r in target:  # a duplicated id is reported as such; references see its first row
            if r.get(target_column) is not None:
                found.setdefault(r[target_column], r)
        for record in rows:
            value = record.get(col.name)
            if value is None:
                continue
            ids = ref.ids_in(str(value))
            unknown = [i for i in ids if i not in found]
            if unknown:
                listed = ", ".join(repr(i) for i in unknown)
                problems.append(
                    rows.problem(record, col.name, f"unknown {target_column} {listed} (not in {ref.table})")
                )
            if ref.where is not None:
                field, allowed = ref.where
                for i in ids:  # a blank or broken target cell is reported in its own table
                    if i in found and found[i].get(field) is not None and found[i].get(field) not in allowed:
                        problems.append(
                            rows.problem(
                                record,
                                col.name,
                                (
                                    f"{i!r} has {field} {found[i].get(field)!r} in {ref.table}; "
                                    f"allowed here: {', '.join(allowed)}"
                                ),
                            )
                        )
    return problems


def own_problems(name: str, path: Path) -> tuple[list[Record], list[Problem]]:
    """What the loader checks: table ``name``'s column rules, ids pointing into itself, and its own rules."""
    corpus = Corpus(only=(name, path))
    rows = corpus.rows(name)
    problems = list(corpus.column_problems(name))
    if corpus.readable(name):
        problems += _reference_problems(name, schema_for(name), corpus, own_only=True)
        for check in rules_for(name):
            if not reads_of(check):
                problems += check(rows, corpus)
    return rows.records, _unique(problems)


def corpus_problems(corpus: Corpus) -> list[Problem]:
    """Every problem in every catalogued table of ``corpus``, and every data file the catalogue misses."""
    problems: list[Problem] = []
    for name in TABLES:
        problems += corpus.column_problems(name)
        problems += _reference_problems(name, schema_for(name), corpus, own_only=False)
        for check in rules_for(name):
            if all(corpus.readable(t) for t in (name, *reads_of(check)) if t in TABLES):
                problems += check(corpus.rows(name), corpus)
    for path in sorted(corpus.folder("data").glob("*.csv")):
        if path.name not in TABLES:
            problems.append(Problem(path.name, 0, "-", "data file has no schema in mgedu/catalog.py"))
    return _unique(problems)


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.file, p.row, p.column, p.message))


# ------------------------------------------------------------------------------------------ the rule list


@dataclass(frozen=True)
class RuleInfo:
    """One rule: an id (``table:column:kind`` for a column rule, ``table:function`` for a named rule,
    ``*:check`` for a file-level check), the table, the column (``-`` for none) and what it asks."""

    id: str
    table: str
    column: str
    kind: str
    text: str


def column_rules(name: str, col: Column, key: str | None) -> list[RuleInfo]:
    """The rules one column declares, one per constraint."""
    found: list[tuple[str, str]] = []
    if col.required:
        found.append(("required", "must not be blank"))
    if col.kind in ("int", "float"):
        found.append(("number", "must be a whole number" if col.kind == "int" else "must be a finite number"))
    if col.pattern is not None:
        found.append(
            ("pattern", f"must be {col.pattern_meaning}" if col.pattern_meaning else f"must match {col.pattern}")
        )
    if col.vocab is not None:
        found.append(("vocab", "one of " + ", ".join(col.vocab)))
    if col.minimum is not None:
        found.append(("minimum", f"at least {col.minimum:g}"))
    if col.maximum is not None:
        found.append(("maximum", f"at most {col.maximum:g}"))
    if key == col.name:
        found.append(("unique", "no two rows share it"))
    if col.references is not None:
        ref = col.references
        found.append(("references", f"every id is a {ref.column or schema_for(ref.table).key} of {ref.table}"))
        if ref.where is not None:
            found.append(("references-where", f"... whose {ref.where[0]} is {' or '.join(ref.where[1])}"))
    return [RuleInfo(f"{name}:{col.name}:{kind}", name, col.name, kind, text) for kind, text in found]


def rule_list() -> list[RuleInfo]:
    """Every rule the data must follow, table by table (what ``python -m mgedu check --list-rules`` prints).

    >>> rules = rule_list()
    >>> [r.id for r in rules if r.table == "serum_reference.csv"][-2:]
    ['serum_reference.csv:confidence:vocab', 'serum_reference.csv:serum_ranges_are_ordered']
    """
    rules = [RuleInfo(f"*:{check}", "*", "-", "file", text) for check, text in FILE_RULES.items()]
    for name in TABLES:
        schema = schema_for(name)
        for col in schema.columns:
            rules += column_rules(name, col, schema.key)
        for check in rules_for(name):
            text = (check.__doc__ or "").strip().splitlines()[0]
            rules.append(RuleInfo(f"{name}:{check.__name__}", name, "-", "named", text))
    return rules
