"""The files a teacher keeps and uploads: grades (long), gradebook (wide), marks, and LMS import files.

- ``grades.csv`` (long): one row per student, notebook and exercise, with the last attempt (the
  notebook's own checks when the grader re-ran it) and the first one the student committed, plus
  one row per note about a whole file (question left blank). ``grade --update`` replaces only the rows of
  the students (and notebooks) graded in that run and keeps every other row.
- ``marks.csv``: the teacher's own marks (``student,notebook,question,points,comment``), for written
  answers or to override any mark. mgedu creates it once, listing what there is to mark, and never
  writes to it again; every run applies it.
- ``gradebook.csv`` (wide): one row per student: a column of points per notebook, the total, what is
  still to mark, late hand-ins and problems. A notebook never handed in is blank, a hand-in that
  could not be graded is 0.
- ``--lms canvas`` and ``--lms moodle``: import files in the column formats those platforms document
  (see docs/teaching.md for the sources).

Every text cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is written with a leading apostrophe (:func:`spreadsheet_safe`).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mgedu.classroom.roster import Roster
from mgedu.typed_numbers import read_number

LONG_COLUMNS = (
    "student", "name", "notebook", "question", "points", "max", "status", "answer",
    "first_answer", "first_status", "first_points", "source", "late", "submitted", "detail", "file",
)  # fmt: skip
MARKS_COLUMNS = ("student", "notebook", "question", "points", "comment")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WHOLE_FILE = "-"  # the question of a row about a whole file (and the notebook of a file of no known notebook)
LMS_FORMATS = ("canvas", "moodle")


def spreadsheet_safe(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it: a leading apostrophe before a formula start.

    >>> spreadsheet_safe('=HYPERLINK("http://x", "click")'), spreadsheet_safe("plain")
    ('\\'=HYPERLINK("http://x", "click")', 'plain')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@dataclass
class GradeRow:
    """One row of ``grades.csv``."""

    student: str
    name: str
    notebook: str
    question: str
    points: float | None
    max: float | None
    status: str
    answer: str = ""
    first_answer: str = ""
    first_status: str = ""
    first_points: float | None = None
    source: str = "auto"
    late: str = ""
    submitted: str = ""
    detail: str = ""
    file: str = ""

    title: str = ""  # the exercise's title and the feedback message: for feedback files, not the CSV
    message: str = ""

    def cells(self) -> dict[str, str]:
        """The row as CSV cells: numbers without trailing zeros, every text cell spreadsheet-safe."""
        out = {}
        for name in LONG_COLUMNS:
            value = getattr(self, name)
            if name in ("points", "max", "first_points"):
                out[name] = _number(value)
            elif name in ("notebook", "question") and value == WHOLE_FILE:
                out[name] = ""  # a note about the whole file, or a file of no known notebook
            else:
                out[name] = spreadsheet_safe(str(value))
        return out


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]], *, bom: bool = True) -> Path:
    """Write a UTF-8 CSV; with a byte-order mark (``bom``) spreadsheet programs read accents right.

    Files for a learning platform's importer are written without one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_long(rows: Sequence[GradeRow], path: str | Path) -> Path:
    """Write ``grades.csv`` (columns :data:`LONG_COLUMNS`)."""
    return write_csv(Path(path), LONG_COLUMNS, (r.cells() for r in rows))


def _unsafe(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def read_long(path: str | Path) -> list[GradeRow]:
    """Read a ``grades.csv`` written before (for ``--update``); marks applied then are taken off again."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c
            for c in ("student", "notebook", "question", "points", "max", "status")
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise ValueError(f"{path.name}:1: not a grades file written by mgedu (no column {', '.join(missing)})")
        rows = []
        for number, raw in enumerate(reader, start=2):
            cells = {c: _unsafe(raw.get(c) or "") for c in LONG_COLUMNS}
            for c in ("notebook", "question"):
                cells[c] = cells[c] or WHOLE_FILE
            try:
                numbers = {c: read_number(cells[c]) if cells[c] else None for c in ("points", "max", "first_points")}
            except ValueError as exc:
                raise ValueError(f"{path.name}:{number}: {exc}") from None
            row = GradeRow(**{**cells, **numbers})  # type: ignore[arg-type]
            if row.source == "marks.csv":  # a teacher's mark is applied afresh on every run
                row.points, row.source, row.status = None, "auto", "to-mark"
            rows.append(row)
    return rows


def merge_update(old: Sequence[GradeRow], new: Sequence[GradeRow]) -> list[GradeRow]:
    """``old`` without the rows of the (student, notebook) pairs graded anew, then ``new``."""
    replaced = {(r.student, r.notebook) for r in new}
    return [r for r in old if (r.student, r.notebook) not in replaced] + list(new)


@dataclass
class Mark:
    """A teacher's mark from ``marks.csv``."""

    points: float
    comment: str = ""


@dataclass
class Marks:
    """``marks.csv``, read: marks by (student, notebook, question), and the problems found."""

    by_key: dict[tuple[str, str, str], Mark] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_marks(path: str | Path, maxima: dict[tuple[str, str], float]) -> Marks:
    """Read ``marks.csv``; rows with blank points are skipped, bad rows listed as ``file:row:column``.

    ``maxima`` gives the points available per (notebook, question) of the written answers; a mark for
    any other question, or above the maximum, is refused.
    """
    path = Path(path)
    marks = Marks()
    if not path.exists():
        return marks
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("student", "notebook", "question", "points") if c not in (reader.fieldnames or [])]
        if missing:
            marks.problems.append(f"{path.name}:1: missing column {', '.join(missing)} ({', '.join(MARKS_COLUMNS)})")
            return marks
        for number, raw in enumerate(reader, start=2):
            text = (raw.get("points") or "").strip()
            if not text:
                continue
            key = (
                (raw.get("student") or "").strip(),
                (raw.get("notebook") or "").strip(),
                (raw.get("question") or "").strip(),
            )
            try:
                points = read_number(text)
            except ValueError as exc:
                marks.problems.append(f"{path.name}:{number}:points: {exc}")
                continue
            top = maxima.get(key[1:])
            if top is None:
                marks.problems.append(
                    f"{path.name}:{number}:question: {key[1]} {key[2]} is not a written answer to mark "
                    "(marks.csv holds marks for written answers; the others are checked automatically)"
                )
            elif not 0 <= points <= top:
                marks.problems.append(f"{path.name}:{number}:points: must be between 0 and {top:g}, got {text}")
            elif key in marks.by_key:
                marks.problems.append(f"{path.name}:{number}: a second mark for {' '.join(key)}")
            else:
                marks.by_key[key] = Mark(points, (raw.get("comment") or "").strip())
    return marks


def apply_marks(rows: Sequence[GradeRow], marks: Marks) -> list[str]:
    """Put the teacher's marks on the rows (in place); return marks that matched no row."""
    used = set()
    for row in rows:
        mark = marks.by_key.get((row.student, row.notebook, row.question))
        if mark is None:
            continue
        used.add((row.student, row.notebook, row.question))
        row.points, row.source = mark.points, "marks.csv"
        if row.status == "to-mark":
            row.status = "marked"
        if mark.comment:
            row.detail = (row.detail + " | " if row.detail else "") + f"teacher: {mark.comment}"
    return [" ".join(k) for k in marks.by_key if k not in used]


def write_marks_template(rows: Sequence[GradeRow], path: str | Path) -> Path | None:
    """Create ``marks.csv`` listing what there is to mark, only when it does not exist yet."""
    path = Path(path)
    if path.exists():
        return None
    todo = [r for r in rows if r.status == "to-mark"]
    return write_csv(
        path,
        MARKS_COLUMNS,
        (
            {
                "student": spreadsheet_safe(r.student),
                "notebook": r.notebook,
                "question": r.question,
                "points": "",
                "comment": "",
            }
            for r in todo
        ),
    )


@dataclass
class StudentLine:
    """One student's line of the wide gradebook."""

    student: str
    name: str
    section: str = ""
    points: dict[str, float] = field(default_factory=dict)
    to_mark: int = 0
    late: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def gradebook_lines(
    rows: Sequence[GradeRow], roster: Roster | None = None
) -> tuple[list[StudentLine], dict[str, float]]:
    """One line per student (every roster student, then anyone else) and the points available per notebook."""
    lines: dict[str, StudentLine] = {}
    if roster is not None:
        for s in roster.students:
            lines[s.id] = StudentLine(s.id, s.name, s.section)
    maxima: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        line = lines.setdefault(row.student, StudentLine(row.student, row.name))
        if row.question == "-":
            if row.status not in ("no-sandbox", "superseded"):
                line.problems.append(f"{row.notebook}: {row.status}")
            continue
        maxima[row.notebook][row.question] = row.max or 0.0
        line.points[row.notebook] = line.points.get(row.notebook, 0.0) + (row.points or 0.0)
        line.to_mark += row.status == "to-mark"
        if row.late and row.notebook not in line.late:
            line.late.append(row.notebook)
    return list(lines.values()), {nb: sum(q.values()) for nb, q in sorted(maxima.items())}


def write_wide(rows: Sequence[GradeRow], path: str | Path, roster: Roster | None = None) -> Path:
    """Write ``gradebook.csv``: a column per notebook, the total, what is left to mark, late, problems."""
    lines, maxima = gradebook_lines(rows, roster)
    notebooks = list(maxima)
    columns = ["student", "name", "section", *notebooks, "total", "max", "to_mark", "late", "not_handed_in", "problems"]

    def cells(line: StudentLine) -> dict[str, str]:
        out = {
            "student": spreadsheet_safe(line.student),
            "name": spreadsheet_safe(line.name),
            "section": spreadsheet_safe(line.section),
        }
        for nb in notebooks:
            out[nb] = _number(line.points.get(nb))
        out["total"] = _number(sum(line.points.values()))
        out["max"] = _number(sum(maxima.values()))
        out["to_mark"] = str(line.to_mark)
        out["late"] = " ".join(line.late)
        out["not_handed_in"] = " ".join(nb for nb in notebooks if nb not in line.points)
        out["problems"] = spreadsheet_safe("; ".join(line.problems))
        return out

    return write_csv(Path(path), columns, (cells(line) for line in lines))


def moodle_identifier(roster: Roster) -> tuple[str, dict[str, str]]:
    """The one user column of the Moodle file, and each roster student's value in it (never blank).

    Moodle's CSV importer gives a row whose user column is blank the user of the row above (it keeps
    the last user it found; ``grade/import/csv/classes/load_data.php``), so the file carries a single
    user column that is filled for every row it holds: the Moodle *ID number* when every student has
    one (the roster's ``sis_id``, or for mgedu rosters without it the roster ``id``), else the *Email
    address* when every student has one, else the ID number for the students who have one (the others
    are left out and listed).

    >>> from mgedu.classroom.roster import Student
    >>> moodle_identifier(Roster([Student("a@x.org", "Ann", email="a@x.org"), Student("7", "Bo", sis_id="7",
    ...                                   email="b@x.org")], shape="moodle"))
    ('Email address', {'a@x.org': 'a@x.org', '7': 'b@x.org'})
    """
    if roster.shape == "moodle":
        numbers = {s.id: s.sis_id for s in roster.students}
    else:  # an mgedu roster's id is the key its import files use
        numbers = {s.id: s.sis_id or s.id for s in roster.students}
    emails = {s.id: s.email for s in roster.students}
    if all(numbers.values()):
        return "ID number", numbers
    if all(emails.values()):
        return "Email address", emails
    return "ID number", {k: v for k, v in numbers.items() if v}


def write_lms(rows: Sequence[GradeRow], path: str | Path, lms: str, roster: Roster) -> tuple[Path, list[str]]:
    """Write an import file for ``lms`` (``canvas`` or ``moodle``) for the roster's students.

    Returns the path and the students left out (by name): students not on the roster (the platform
    could not match them), and for Moodle students without a value in the file's user column. Blank
    grade cells leave a grade unchanged.

    Canvas: ``Student,ID,SIS User ID,SIS Login ID,Section`` then one column per notebook, and a second
    row ``Points Possible``. Moodle: one user column (see :func:`moodle_identifier`), ``Full name``,
    then one column per notebook; at import, map the user column to the user field of the same name.
    """
    if lms not in LMS_FORMATS:
        raise ValueError(f"lms must be one of {', '.join(LMS_FORMATS)}, got {lms!r}")
    lines, maxima = gradebook_lines(rows, roster)
    notebooks = list(maxima)
    by_id = {s.id: s for s in roster.students}
    left_out = [line.name for line in lines if line.student not in by_id]
    lines = [line for line in lines if line.student in by_id]
    out_rows: list[dict[str, str]] = []
    if lms == "canvas":
        columns = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *notebooks]
        out_rows.append({"Student": "    Points Possible", **{nb: _number(maxima[nb]) for nb in notebooks}})
        for line in lines:
            s = by_id[line.student]
            out_rows.append(
                {
                    "Student": spreadsheet_safe(line.name),
                    "ID": s.id if roster.shape == "canvas" else "",
                    "SIS User ID": spreadsheet_safe(s.sis_id),
                    "SIS Login ID": spreadsheet_safe(s.login),
                    "Section": spreadsheet_safe(line.section),
                    **{nb: _number(line.points.get(nb)) for nb in notebooks},
                }
            )
    else:
        column, users = moodle_identifier(roster)
        columns = [column, "Full name", *notebooks]
        for line in lines:
            if line.student not in users:
                left_out.append(line.name)
                continue
            out_rows.append(
                {
                    column: spreadsheet_safe(users[line.student]),
                    "Full name": spreadsheet_safe(line.name),
                    **{nb: _number(line.points.get(nb)) for nb in notebooks},
                }
            )
    return write_csv(Path(path), columns, out_rows, bom=False), left_out
