"""Who handed a file in: a class roster that maps file and folder names to the ids a learning platform uses.

``grade --roster roster.csv`` reads one of three shapes of file (recognised by their header row):

- mgedu's own roster: ``id,name`` plus any of ``email``, ``sis_id``, ``login``, ``section``, ``aliases``
  (other names a student's files may carry, separated by ``;``);
- a Canvas gradebook export (``Student,ID,SIS User ID,SIS Login ID,Section,...``; its ``Points
  Possible`` row is skipped), so the Canvas user ids come back in the Canvas import file;
- a Moodle grade export in plain text (``First name,Last name,ID number,...,Email address,...``).

A handed-in path is matched to a student by, in order: the Canvas user id in a Canvas download name
(``smithjane_12345_678901_01-claims.ipynb``, or ``smithjane_LATE_12345_...`` for a late hand-in,
see :func:`parse_canvas_name`), then a name, login, e-mail, id or alias equal to the folder name or to
the file name with the notebook name taken out, compared without case, accents, spaces or
punctuation (``Jane Smith``, ``smith_jane``, ``Smith, Jane`` all match). Files that match nobody keep
the name found in the path and are listed, so that no hand-in is lost.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_NAME = re.compile(r"^(?P<name>[a-z0-9-]+)_(?P<late>LATE_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<original>.+)$")
RESUBMISSION = re.compile(r"-(\d+)$")
ROSTER_SHAPES = ("mgedu", "canvas", "moodle")


@dataclass(frozen=True)
class Student:
    """One student of the roster. ``id`` is the key the gradebook and the LMS import files use."""

    id: str
    name: str
    email: str = ""
    sis_id: str = ""
    login: str = ""
    section: str = ""
    aliases: tuple[str, ...] = ()

    def keys(self) -> set[str]:
        """Every normalised name this student's files may carry."""
        names = [self.id, self.name, self.email, self.email.split("@")[0], self.sis_id, self.login, *self.aliases]
        if "," in self.name:  # "Smith, Jane" is also "Jane Smith"
            last, first = (p.strip() for p in self.name.split(",", 1))
            names += [f"{first} {last}", f"{last} {first}"]
        return {k for k in (name_key(n) for n in names if n) if k}


@dataclass(frozen=True)
class CanvasName:
    """The parts of a file name from Canvas's *Download Submissions* zip."""

    name: str
    user_id: str
    submission_id: str
    late: bool
    original: str


def parse_canvas_name(file_name: str) -> CanvasName | None:
    """Split a Canvas download name, or ``None`` when the name is not one.

    Canvas names each file ``<sortable name>_<user id>_<submission id>_<original name>``, with
    ``LATE_`` before the user id when the hand-in came after the due date, and ``-1``, ``-2``... added to
    the original name for resubmissions.

    >>> parse_canvas_name("smithjane_LATE_12345_678901_01-claims-1.ipynb")
    CanvasName(name='smithjane', user_id='12345', submission_id='678901', late=True, original='01-claims-1.ipynb')
    >>> print(parse_canvas_name("alice_01-claims.ipynb"))  # not a Canvas download name
    None
    """
    match = CANVAS_NAME.match(file_name)
    if not match:
        return None
    return CanvasName(match["name"], match["user"], match["submission"], bool(match["late"]), match["original"])


def resubmission_number(stem: str) -> int:
    """The ``-N`` a platform added to a resubmitted file's name (0 when none).

    >>> resubmission_number("01-claims-2"), resubmission_number("01-claims")
    (2, 0)
    """
    match = RESUBMISSION.search(stem)
    return int(match.group(1)) if match and not re.fullmatch(r"\d\d-?\d*", stem) else 0


def name_key(text: str) -> str:
    """A name without case, accents, spaces or punctuation, for matching.

    >>> name_key("  Zoë  O'Brien-Smith "), name_key("smith_jane") == name_key("Smith Jane")
    ('zoeobriensmith', True)
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).casefold()


@dataclass
class Roster:
    """The students of a class, looked up by any of their keys."""

    students: list[Student] = field(default_factory=list)
    source: str = ""
    shape: str = "mgedu"

    def __post_init__(self) -> None:
        self._by_key: dict[str, Student] = {}
        self._by_canvas_id = {s.id: s for s in self.students if self.shape == "canvas"}
        clashes: dict[str, set[str]] = {}
        for student in self.students:
            for key in student.keys():
                other = self._by_key.setdefault(key, student)
                if other is not student:
                    clashes.setdefault(key, {other.id}).add(student.id)
        for key in clashes:  # an ambiguous name matches nobody rather than the wrong student
            del self._by_key[key]
        self.ambiguous = {k: sorted(v) for k, v in clashes.items()}

    def by_id(self, student_id: str) -> Student | None:
        """The student with this id."""
        return next((s for s in self.students if s.id == student_id), None)

    def match(self, candidates: list[str], canvas: CanvasName | None = None) -> Student | None:
        """The student whose Canvas id or one of whose names equals one of ``candidates``, else ``None``."""
        if canvas is not None:
            if canvas.user_id in self._by_canvas_id:
                return self._by_canvas_id[canvas.user_id]
            candidates = [canvas.name, *candidates]
        for candidate in candidates:
            student = self._by_key.get(name_key(candidate))
            if student is not None:
                return student
        return None


def _cell(row: dict[str, str], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value and value.strip():
            return value.strip()
    return ""


def load_roster(path: str | Path) -> Roster:
    """Read a roster file (mgedu, Canvas or Moodle shape); ``ValueError`` names the file, row and problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"roster {str(path)!r} cannot be read: {exc}") from None
    rows = list(csv.DictReader(text.splitlines()))
    header = [h.strip() for h in (csv.reader(text.splitlines()[:1]).__next__() if text.strip() else [])]
    if {"Student", "ID", "SIS Login ID"} <= set(header):
        shape = "canvas"
    elif {"First name", "Last name"} <= set(header) and ({"ID number", "Email address"} & set(header)):
        shape = "moodle"
    elif {"id", "name"} <= set(header):
        shape = "mgedu"
    else:
        raise ValueError(
            f"{path.name}:1: roster header must have columns id,name (mgedu), or be a Canvas gradebook export "
            f"(Student,ID,SIS User ID,SIS Login ID,Section) or a Moodle grade export (First name,Last name,"
            f"ID number,Email address); got {', '.join(header) or 'nothing'}"
        )
    students: list[Student] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "") for k, v in row.items()}
        if shape == "canvas":
            if _cell(row, "Student").startswith("Points Possible") or not _cell(row, "ID"):
                continue
            student = Student(
                _cell(row, "ID"),
                _cell(row, "Student"),
                sis_id=_cell(row, "SIS User ID"),
                login=_cell(row, "SIS Login ID"),
                section=_cell(row, "Section"),
            )
        elif shape == "moodle":
            name = f"{_cell(row, 'First name')} {_cell(row, 'Last name')}".strip()
            student = Student(
                _cell(row, "ID number", "Email address"),
                name,
                email=_cell(row, "Email address"),
                sis_id=_cell(row, "ID number"),
            )
        else:
            aliases = tuple(a.strip() for a in _cell(row, "aliases").split(";") if a.strip())
            student = Student(
                _cell(row, "id"),
                _cell(row, "name"),
                email=_cell(row, "email"),
                sis_id=_cell(row, "sis_id"),
                login=_cell(row, "login"),
                section=_cell(row, "section"),
                aliases=aliases,
            )
        if not student.id:
            problems.append(f"{path.name}:{number}: the student's id is empty")
            continue
        if student.id in seen:
            problems.append(f"{path.name}:{number}: id {student.id!r} appears twice")
            continue
        seen.add(student.id)
        students.append(student)
    if problems:
        raise ValueError("roster problems:\n  " + "\n  ".join(problems))
    if not students:
        raise ValueError(f"{path.name}: the roster lists no students")
    return Roster(students, str(path), shape)
