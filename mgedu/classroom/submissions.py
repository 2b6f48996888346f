"""Handed-in files: finding them, reading them safely, and telling whose and which notebook each one is.

A submission is hostile input, so a file is read as bytes with a size cap and only if it is a regular
file (a symbolic link could point at the teacher's own files), and parsed as plain JSON with small
numbers only (:mod:`mgedu.classroom.untrusted`); nothing here executes it. The notebook it is comes
from the release stamp in its metadata, else the workbook name in its file name
(``alice_01-claims.ipynb``), else the ids of its checks; the student from a roster (see
:mod:`mgedu.classroom.roster`) or the file or folder name.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mgedu.classroom.release import SOLUTION_TAG, notebook_name, question_ids
from mgedu.classroom.roster import CanvasName, Roster, parse_canvas_name, resubmission_number
from mgedu.classroom.untrusted import MAX_NOTEBOOK_BYTES, Untrusted, loads_bounded, read_regular_file
from mgedu.exercises import Exercise

IGNORED_PARTS = (".ipynb_checkpoints", "__MACOSX", "__pycache__")


@dataclass
class Submission:
    """One handed-in file: its bytes, its notebook as plain JSON (or why it has none), and its time."""

    path: Path
    data: bytes = b""
    nb: dict[str, Any] | None = None
    problem: str = ""
    mtime: float = 0.0


def read_submission(path: str | Path) -> Submission:
    """Read a handed-in file without trusting it (never raises for a bad file).

    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "bob_01-claims.ipynb"
    >>> _ = bad.write_text('{"cells": [')
    >>> read_submission(bad).problem
    'not a Jupyter notebook (not valid JSON (Expecting value: line 1 column 12 (char 11)))'
    """
    path = Path(path)
    sub = Submission(path)
    try:
        sub.mtime = os.lstat(path).st_mtime
        sub.data = read_regular_file(path, MAX_NOTEBOOK_BYTES)
    except Untrusted as exc:
        sub.problem = f"not a notebook file: {exc}"
        return sub
    try:
        nb = loads_bounded(sub.data.decode("utf-8"))
    except UnicodeDecodeError:
        sub.problem = "not a notebook file (not UTF-8 text)"
        return sub
    except Untrusted as exc:
        sub.problem = f"not a Jupyter notebook ({exc})"
        return sub
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        sub.problem = "not a Jupyter notebook (no list of cells)"
        return sub
    sub.nb = nb
    return sub


def cell_source(cell: Any) -> str:
    """A cell's source as one string, whatever shape the file gave it.

    >>> cell_source({"source": ["a = 1\\n", "check('1.1', a)"]})
    "a = 1\\ncheck('1.1', a)"
    """
    if not isinstance(cell, dict):
        return ""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def cell_tags(cell: Any) -> list[str]:
    """A cell's tags, or ``[]`` when the file holds anything else there."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def solution_ids(nb: Mapping[str, Any]) -> list[str]:
    """Exercise ids of the cells tagged ``solution`` in a submitted notebook (the teacher's version)."""
    cells = nb.get("cells") or []
    return [i for cell in cells if SOLUTION_TAG in cell_tags(cell) for i in (question_ids(cell_source(cell)) or ["?"])]


def identify_notebook(nb: Mapping[str, Any] | None, path: Path, exercises: Mapping[str, Exercise]) -> str | None:
    """Which workbook notebook a submission is: release stamp, then file name, then its checks' ids."""
    known = {ex.notebook for ex in exercises.values()}
    metadata = nb.get("metadata") if nb is not None else None
    stamp = metadata.get("mgedu") if isinstance(metadata, dict) else None
    stamped = stamp.get("notebook") if isinstance(stamp, dict) else None
    if isinstance(stamped, str) and stamped in known:
        return stamped
    from_name = notebook_in_name(path, known)
    if from_name in known or nb is None:
        return from_name
    votes = Counter(
        exercises[i].notebook
        for cell in nb.get("cells") or []
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
        for i in question_ids(cell_source(cell))
        if i in exercises
    )
    return votes.most_common(1)[0][0] if votes else (stamped if isinstance(stamped, str) else from_name)


def notebook_in_name(path: str | Path, known: set[str] | frozenset[str]) -> str | None:
    """The workbook notebook named in a file name: the longest known name in it, else any ``NN-name``.

    A platform's resubmission suffix does not get in the way:

    >>> notebook_in_name("smithjane_12_34_01-claims-1.ipynb", {"01-claims", "02-mechanisms"})
    '01-claims'
    """
    stem = Path(path).stem.lower()
    found = [name for name in known if name in stem]
    return max(found, key=len) if found else notebook_name(path)


def student_name(path: str | Path, notebook: str | None = None) -> str:
    """Who handed ``path`` in: the file name without the notebook name, else the folder name.

    >>> student_name("submissions/alice/01-claims.ipynb", "01-claims")
    'alice'
    >>> student_name("inbox/bob_smith-01-claims.ipynb", "01-claims")
    'bob_smith'
    >>> student_name("inbox/ann_01-claims-2.ipynb", "01-claims")
    'ann'
    """
    path = Path(path)
    stem = path.stem
    if notebook and notebook in stem.lower():
        start = stem.lower().index(notebook)
        after = re.sub(r"^-\d+", "", stem[start + len(notebook) :])  # a platform's resubmission "-1"
        rest = stem[:start] + " " + after
        rest = re.sub(r"\(\d+\)", " ", rest)  # "(1)" added by browsers on a second download
        rest = re.sub(r"[\s_.\-]+", " ", rest).strip().replace(" ", "_")
        if rest:
            return rest
    parent = path.parent.name
    return parent if parent and parent not in (".", "") else stem


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files to grade: each path given, and every entry under each folder (hidden ones skipped).

    Entries that are not regular files (links, pipes) are kept, so that grading reports them instead
    of skipping them silently; folders are not followed through symbolic links.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not path.is_symlink():
            found: list[Path] = []
            for root, dirs, names in os.walk(path, followlinks=False):
                rel = Path(root).relative_to(path).parts
                if any(p.startswith(".") or p in IGNORED_PARTS for p in rel):
                    dirs[:] = []
                    continue
                dirs.sort()
                for name in sorted(names + [d for d in dirs if Path(root, d).is_symlink()]):
                    if not name.startswith(".") and name not in IGNORED_PARTS:
                        found.append(Path(root) / name)
            files += sorted(found, key=lambda f: f.relative_to(path).parts)
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise ValueError(f"paths must exist; {str(path)!r} does not")
    return files


@dataclass
class HandIn:
    """A handed-in file with what grading needs to know about it: whose, which notebook, when."""

    sub: Submission
    notebook: str
    student: str
    name: str
    on_roster: bool = True
    canvas: CanvasName | None = None
    late: str = ""

    @property
    def path(self) -> Path:
        """The file."""
        return self.sub.path

    def order(self) -> tuple[float, int, str]:
        """How hand-ins of one student and notebook sort: the last one is the latest."""
        original = self.canvas.original if self.canvas else self.path.name
        return (self.sub.mtime, resubmission_number(Path(original).stem), str(self.path))


def identify(path: Path, exercises: Mapping[str, Exercise], roster: Roster | None) -> HandIn:
    """Read one handed-in file and find its notebook and student (never raises for a bad file)."""
    sub = read_submission(path)
    canvas = parse_canvas_name(path.name)
    notebook = identify_notebook(sub.nb, Path(canvas.original) if canvas else path, exercises) or "-"
    derived = canvas.name if canvas else student_name(path, notebook if notebook != "-" else None)
    hand_in = HandIn(sub, notebook, derived, derived, on_roster=roster is None, canvas=canvas)
    if roster is not None:
        candidates = [derived, path.parent.name, student_name(path, notebook if notebook != "-" else None)]
        moodle = re.match(r"^(.+?)_\d+_assignsubmission_", path.parent.name)
        if moodle:  # Moodle's download folders: "Full Name_123_assignsubmission_file_"
            candidates.insert(0, moodle.group(1))
        student = roster.match(candidates, canvas)
        if student is not None:
            hand_in.student, hand_in.name, hand_in.on_roster = student.id, student.name, True
    return hand_in


def latest_hand_ins(hand_ins: Sequence[HandIn]) -> tuple[list[HandIn], list[tuple[HandIn, HandIn]]]:
    """The latest hand-in per student and notebook (in input order), and each older one with the latest.

    Files whose notebook is unknown are all kept (there is nothing to compare them with).
    """
    groups: dict[tuple[str, str], list[HandIn]] = {}
    for h in hand_ins:
        key = (h.student, h.notebook) if h.notebook != "-" else (h.student, f"-{h.path}")
        groups.setdefault(key, []).append(h)
    latest = {key: max(group, key=HandIn.order) for key, group in groups.items()}
    kept = [h for h in hand_ins if any(h is v for v in latest.values())]
    older = [(h, latest[key]) for key, group in groups.items() for h in group if h is not latest[key]]
    return kept, older


def lateness(hand_in: HandIn, due: datetime | None) -> str:
    """Why a hand-in counts as late ("" when it does not): after ``due``, or marked late by Canvas.

    >>> h = HandIn(Submission(Path("x.ipynb"), mtime=3600 * 26.5), "01-claims", "ann", "ann")
    >>> lateness(h, datetime(1970, 1, 2, tzinfo=UTC))
    'handed in 2 h 30 min after the due time (1970-01-02 02:30 UTC)'
    """
    reasons = []
    if due is not None and hand_in.sub.mtime:
        when = datetime.fromtimestamp(hand_in.sub.mtime, tz=UTC)
        if when > due:
            minutes = int((when - due).total_seconds() // 60)
            span = f"{minutes // 1440} d " if minutes >= 1440 else ""
            span += f"{minutes % 1440 // 60} h {minutes % 60} min"
            reasons.append(f"handed in {span} after the due time ({when:%Y-%m-%d %H:%M} UTC)")
    if hand_in.canvas is not None and hand_in.canvas.late:
        reasons.append("marked LATE in the Canvas download")
    return "; ".join(reasons)
