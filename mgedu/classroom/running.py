"""Run one submitted notebook, contained, and bring back what it did as plain, checked data.

:func:`run_notebook` makes an empty grading-log file, runs the notebook with
:mod:`mgedu.classroom.runner` inside a sandbox of its own (:mod:`mgedu.classroom.sandbox`), and reads
back two things, both treated as the submission's own words: the runner's one-line report (status,
cells run, error names), parsed against a strict schema, and the grading log the notebook's
``check(...)`` calls appended to, read with size caps (:mod:`mgedu.classroom.untrusted`). Student code
never runs in the grader's process, and the grader never imports, unpickles or executes anything the
sandbox wrote. A run that hangs, floods its output, kills its runner or leaves junk gets a status and
a detail that say so; the batch goes on.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgedu.classroom.runner import RESULT_TAG
from mgedu.classroom.runner import RUN_STATUSES as RUNNER_STATUSES
from mgedu.classroom.sandbox import CGROUP_JOIN_FAILED, Isolation, Limits, run_contained
from mgedu.classroom.untrusted import Untrusted, loads_bounded, read_log

RUN_STATUSES = RUNNER_STATUSES


@dataclass
class RunResult:
    """What running one notebook produced."""

    status: str
    detail: str = ""
    seconds: float = 0.0
    log: list[dict[str, Any]] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    unreadable_log_lines: int = 0
    log_problem: str = ""


def parse_report(data: bytes) -> dict[str, Any]:
    """The runner's report, checked field by field; :class:`Untrusted` when it is not one.

    >>> parse_report(b'{"mgedu_runner": 1, "status": "completed", "detail": "", "cells": 3, "cell_errors": []}')
    {'status': 'completed', 'detail': '', 'cells': 3, 'cell_errors': []}
    >>> parse_report(b'{"mgedu_runner": 1, "status": "correct!"}')
    Traceback (most recent call last):
    ...
    mgedu.classroom.untrusted.Untrusted: report status 'correct!' is not one of completed, timeout, kernel-died, error
    """
    lines = [ln for ln in data.splitlines() if ln.strip()]
    if not lines:
        raise Untrusted("no report")
    report = loads_bounded(lines[-1])
    if not isinstance(report, dict) or report.get(RESULT_TAG) != 1:
        raise Untrusted("the report is not the runner's")
    status = report.get("status")
    if status not in RUNNER_STATUSES:
        raise Untrusted(f"report status {str(status)[:40]!r} is not one of {', '.join(RUNNER_STATUSES)}")
    detail = report.get("detail", "")
    cells = report.get("cells", 0)
    errors = report.get("cell_errors", [])
    if not isinstance(detail, str) or not isinstance(cells, int) or isinstance(cells, bool) or cells < 0:
        raise Untrusted("report fields have the wrong types")
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        raise Untrusted("report cell errors are not a list of text")
    return {"status": status, "detail": detail[:500], "cells": cells, "cell_errors": [e[:300] for e in errors[:50]]}


def run_notebook(
    notebook: bytes, *, isolation: Isolation, timeout: float = 120.0, limits: Limits | None = None
) -> RunResult:
    """Execute the notebook (its file's bytes) contained by ``isolation``; return its status and grading log.

    ``timeout`` is in seconds for the whole notebook (kernel start included).
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    limits = limits or Limits()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mgedu-grade-") as tmp:
        log_path = Path(tmp) / "grading-log.jsonl"
        log_path.touch()
        contained = run_contained(isolation, notebook, timeout=timeout, limits=limits, log=log_path, workdir=Path(tmp))
        log, bad, problem = read_log(log_path)
    result = RunResult("error", log=log, unreadable_log_lines=bad, log_problem=problem)
    if contained.stopped == "timeout":
        result.status, result.detail = "timeout", f"stopped after {timeout:g} s (the time limit for one notebook)"
    elif contained.stopped == "output":
        result.detail = "the run wrote more than the grader reads back (1 MB); it was stopped"
    elif contained.returncode is None or (
        isolation.cgroups and contained.returncode == CGROUP_JOIN_FAILED and not contained.report
    ):
        said = contained.stderr.strip() or "it could not be put into its cgroup"
        result.detail = f"the grader could not start this run ({said[:300]}); nothing of the notebook ran"
    else:
        try:
            report = parse_report(contained.report)
        except Untrusted as exc:
            said = (contained.stderr.strip().splitlines() or [""])[-1][:200]
            result.detail = (
                f"the run ended without a usable report ({exc}; exit code {contained.returncode}): the notebook "
                "may have stopped or replaced the program running it" + (f" (it said: {said})" if said else "")
            )
        else:
            result.status, result.detail, result.cell_errors = report["status"], report["detail"], report["cell_errors"]
            if result.status == "timeout" and not result.detail:
                result.detail = f"stopped after {timeout:g} s (the time limit for one notebook)"
    result.seconds = time.monotonic() - started
    return result
