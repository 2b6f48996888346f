"""A course's secret, made once by the teacher, from which every student's exercise numbers are derived.

``python -m mgedu course init`` writes ``mgedu-course.json`` (readable by its owner only) holding 32
random bytes. The secret never ships to students: ``release`` never copies the file, the grading
sandbox cannot see it, and the project's ``.gitignore`` leaves it out. From it, :func:`variant_values`
derives each student's numbers for a variant exercise with HMAC-SHA256 of the student's id and the
exercise id (RFC 2104; https://doi.org/10.17487/RFC2104): the same student always gets the same
numbers, and without the secret nobody can tell which numbers another student got, or what a
student's numbers will be.

Make a new secret only for a new course: it changes every student's numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

COURSE_FILE = "mgedu-course.json"
SECRET_BYTES = 32


@dataclass(frozen=True)
class Course:
    """A course: its name and its secret (never shown in a ``repr``)."""

    name: str
    secret: bytes
    path: Path

    def __repr__(self) -> str:
        return f"Course(name={self.name!r}, path={str(self.path)!r}, secret=<hidden>)"


def init_course(folder: str | Path = ".", name: str = "") -> Path:
    """Write a new ``mgedu-course.json`` in ``folder``; ``ValueError`` if one is there already."""
    path = Path(folder) / COURSE_FILE
    if path.exists():
        raise ValueError(
            f"{path} exists: a course keeps its secret for good (a new one changes every student's numbers). "
            "Use it as it is, or move it away first if you are starting a new course."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "course": name or path.parent.resolve().name,
        "created": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "secret": secrets.token_hex(SECRET_BYTES),
        "note": "Keep this file to yourself: with it, anyone can work out every student's exercise numbers.",
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1)
        handle.write("\n")
    return path


def load_course(path: str | Path) -> Course:
    """Read a course file; ``ValueError`` saying what is wrong with it."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no course file at {path}: make one with `python -m mgedu course init`") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a course file ({exc})") from None
    secret = payload.get("secret") if isinstance(payload, dict) else None
    try:
        raw = bytes.fromhex(secret) if isinstance(secret, str) else b""
    except ValueError:
        raw = b""
    if len(raw) < 16:
        raise ValueError(f"{path}: the secret must be at least 16 bytes written in hex")
    return Course(str(payload.get("course", "")), raw, path)


def variant_seed(course: Course, student: str, exercise: str) -> int:
    """A 64-bit number fixed by the course secret, the student id and the exercise id.

    >>> c = Course("demo", bytes(32), Path("x"))
    >>> variant_seed(c, "s001", "4.2"), variant_seed(c, "s001", "4.2")  # the same student: the same number
    (12889994741306667465, 12889994741306667465)
    >>> variant_seed(c, "s002", "4.2")  # another student: another number
    11020936266961017928
    """
    message = f"mgedu-variant|{exercise}|{student}".encode()
    return int.from_bytes(hmac.new(course.secret, message, hashlib.sha256).digest()[:8], "big")


def variant_values(
    course: Course, student: str, exercise: str, params: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Each parameter's value for this student: a step of ``[min, max]`` or one of ``choices``.

    >>> c = Course("demo", bytes(32), Path("x"))
    >>> v = variant_values(c, "s001", "4.2", {"salt_mg": {"min": 150, "max": 600, "step": 10}})
    >>> v  # a step of 10 mg between 150 and 600 mg
    {'salt_mg': 150}
    """
    values: dict[str, Any] = {}
    for name, spec in sorted(params.items()):
        seed = variant_seed(course, student, f"{exercise}/{name}")
        if "choices" in spec:
            choices = list(spec["choices"])
            values[name] = choices[seed % len(choices)]
        else:
            low, high, step = spec["min"], spec["max"], spec.get("step", 1)
            count = int(round((high - low) / step)) + 1
            value = low + (seed % count) * step
            values[name] = round(value, 10) if isinstance(step, float) or isinstance(low, float) else int(value)
    return values
