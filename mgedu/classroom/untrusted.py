"""Reading what a submission produced, without letting it crash, hang or flood the grader.

Everything a submitted notebook can touch is hostile input: the notebook file itself, the grading log
its ``check`` calls append to, the runner's report. These readers refuse anything but a regular file
(a directory, a FIFO, a device or a symbolic link put in a file's place gets a clear error, never a
hang), read at most a fixed number of bytes, and decode JSON with numbers kept small: an integer of
more than :data:`MAX_DIGITS` digits or a non-finite float is refused instead of reaching Python's
4,300-digit limit (or costing quadratic time), and deeply nested JSON is refused, not a crash.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

MAX_DIGITS = 40
MAX_NOTEBOOK_BYTES = 50_000_000
MAX_LOG_BYTES = 16_000_000
MAX_LOG_RECORDS = 5_000


class Untrusted(ValueError):
    """Input from a submission that cannot be used; the message says why, in a teacher's words."""


def read_regular_file(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link) of at most ``max_bytes`` bytes.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> read_regular_file(folder, 10)
    Traceback (most recent call last):
    ...
    mgedu.classroom.untrusted.Untrusted: not a regular file (a folder)
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise Untrusted("file not found") from None
    except OSError as exc:
        raise Untrusted(f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise Untrusted(f"not a regular file ({_kind(info.st_mode)})")
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Untrusted(f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)  # the file may have been swapped between lstat and open
        if not stat.S_ISREG(info.st_mode):
            raise Untrusted(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise Untrusted(f"too large ({info.st_size:,} bytes; at most {max_bytes:,})")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise Untrusted(f"too large (more than {max_bytes:,} bytes)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return name
    return "not a file"


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise Untrusted(f"a number with {len(text.lstrip('-')):,} digits (at most {MAX_DIGITS})")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > 2 * MAX_DIGITS:
        raise Untrusted(f"a number written with {len(text):,} characters")
    value = float(text)
    if not math.isfinite(value):
        raise Untrusted(f"a number out of range ({text[:20]})")
    return value


def _no_constant(text: str) -> float:
    raise Untrusted(f"{text} is not a number the grader accepts")


def loads_bounded(text: str | bytes) -> Any:
    """``json.loads`` with small numbers only, no NaN/Infinity and no stack overflow.

    >>> loads_bounded('{"answer": 301.4}')
    {'answer': 301.4}
    >>> loads_bounded("1" * 5000)
    Traceback (most recent call last):
    ...
    mgedu.classroom.untrusted.Untrusted: a number with 5,000 digits (at most 40)
    """
    try:
        return json.loads(text, parse_int=_bounded_int, parse_float=_bounded_float, parse_constant=_no_constant)
    except Untrusted:
        raise
    except RecursionError:
        raise Untrusted("nested too deeply") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError, UnicodeDecodeError
        raise Untrusted(f"not valid JSON ({str(exc)[:120]})") from None


def read_log(path: str | Path) -> tuple[list[dict[str, Any]], int, str]:
    """The grading log's records (``{"id": str, "status": str, "answer": ...}``), unusable lines, problem.

    Each line is one JSON object; a line that is not one, or whose fields have the wrong types, is
    counted as unusable and skipped. ``problem`` is non-empty when the whole file could not be read
    (a folder or a FIFO in its place, too large, ...); the records are then empty.
    """
    try:
        data = read_regular_file(path, MAX_LOG_BYTES)
    except Untrusted as exc:
        return [], 0, f"grading log {exc}"
    records: list[dict[str, Any]] = []
    bad = 0
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        if len(records) >= MAX_LOG_RECORDS:
            bad += 1
            continue
        try:
            record = loads_bounded(line)
        except Untrusted:
            bad += 1
            continue
        clean = _log_record(record)
        if clean is None:
            bad += 1
        else:
            records.append(clean)
    return records, bad, ""


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and len(str(value)) <= 500


def _log_record(record: Any) -> dict[str, Any] | None:
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or len(record["id"]) > 200:
        return None
    answer = record.get("answer")
    if isinstance(answer, bool) or not isinstance(answer, (str, int, float, type(None))):
        return None
    if isinstance(answer, str):
        answer = answer[:5000]
    status = record.get("status")
    clean: dict[str, Any] = {"id": record["id"], "answer": answer, "status": status if isinstance(status, str) else ""}
    kind = record.get("kind", "check")
    if not isinstance(kind, str) or len(kind) > 40:
        return None
    clean["kind"] = kind
    if kind != "check":  # a practice record (judgement, prediction): its simple fields, bounded
        for key in ("task", "item"):
            if _scalar(record.get(key)):
                clean[key] = str(record[key])
        values = record.get("values")
        if isinstance(values, dict) and len(values) <= 50:
            clean["values"] = {str(k)[:100]: v for k, v in values.items() if _scalar(v)}
    return clean
