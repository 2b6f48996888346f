"""Run one submitted notebook in its own kernel process, with a time limit for the whole notebook.

The grader never executes a submission in its own Python process: :func:`run_notebook` starts a fresh
IPython kernel (the Python that runs mgedu, whatever kernels the user has installed) in an empty
temporary folder, sends the cells to it with nbclient, and collects the grading log that
``mgedu.exercises.check`` writes there (``MGEDU_GRADING_LOG``). Errors in cells do not stop the run
(a student's broken cell must not cost the exercises after it). The time limit covers the whole
notebook: each cell gets what is left of it, and a cell that runs past it ends the run.

This isolates the grader from the submission, not the machine from the submission: a kernel runs
with the grading user's rights. Grade on a machine and account where that is acceptable.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from traitlets import default

from mgedu.classroom.kernels import SlicedPollKernelManager, notebook_client
from mgedu.exercises import KEYS_VARIABLE, LOG_VARIABLE

KERNEL_NAME = "mgedu-grader-python"
RUN_STATUSES = ("completed", "timeout", "kernel-died", "error")


class _CurrentPythonSpecs(KernelSpecManager):
    """Kernel specs where ``mgedu-grader-python`` is an IPython kernel of the running Python."""

    def get_kernel_spec(self, kernel_name: str) -> Any:
        if kernel_name == KERNEL_NAME:
            import ipykernel.kernelspec

            spec = ipykernel.kernelspec.get_kernel_dict()
            spec["argv"][0] = sys.executable
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **spec)
        return super().get_kernel_spec(kernel_name)


class GraderKernelManager(SlicedPollKernelManager):
    """A kernel manager that starts kernels of the grader's own Python environment (sliced polls)."""

    @default("kernel_spec_manager")
    def _default_specs(self) -> KernelSpecManager:
        return _CurrentPythonSpecs()


@dataclass
class RunResult:
    """What running one notebook produced."""

    status: str
    detail: str = ""
    seconds: float = 0.0
    log: list[dict[str, Any]] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    unreadable_log_lines: int = 0


def read_log(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The records of a grading log (one JSON object a line) and the number of unreadable lines."""
    records, bad = [], 0
    if not path.exists():
        return records, bad
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            records.append(record)
        else:
            bad += 1
    return records, bad


def _error_summaries(nb: Any) -> list[str]:
    errors = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                value = str(output.get("evalue", ""))[:200]
                errors.append(f"cell {index + 1}: {output.get('ename', 'Error')}: {value}")
    return errors


def run_notebook(nb: Any, *, timeout: float = 120.0, key_folders: tuple[str, ...] = ()) -> RunResult:
    """Execute ``nb`` (modified in place) in a fresh kernel; return the run's status and grading log.

    ``timeout`` is in seconds for the whole notebook (kernel start included). ``key_folders`` are
    extra exercise-key folders, passed to the kernel as ``MGEDU_EXERCISE_KEYS``.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    started = time.monotonic()
    deadline = started + timeout
    with tempfile.TemporaryDirectory(prefix="mgedu-grade-") as workdir:
        log_path = Path(workdir) / "grading-log.jsonl"
        env = dict(os.environ)
        env[LOG_VARIABLE] = str(log_path)
        env.pop(KEYS_VARIABLE, None)
        if key_folders:
            env[KEYS_VARIABLE] = os.pathsep.join(str(Path(f).resolve()) for f in key_folders)
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

        def cell_timeout(cell: Any) -> int:
            return max(1, math.ceil(deadline - time.monotonic()))

        client = notebook_client(
            nb,
            kernel_name=KERNEL_NAME,
            kernel_manager_class=GraderKernelManager,
            timeout_func=cell_timeout,
            allow_errors=True,
            shutdown_kernel="immediate",
            startup_timeout=max(10, int(timeout)),
            record_timing=False,
            resources={"metadata": {"path": workdir}},
        )
        status, detail = "completed", ""
        stderr_path = Path(workdir) / "kernel-stderr.txt"
        with open(stderr_path, "wb") as kernel_stderr:
            try:
                client.execute(cwd=workdir, env=env, stderr=kernel_stderr)
            except CellTimeoutError:
                status, detail = "timeout", f"stopped after {timeout:g} s (the time limit for one notebook)"
            except DeadKernelError:
                status, detail = "kernel-died", "the kernel stopped while running the notebook"
            except Exception as exc:  # a submission must never stop the batch
                status, detail = (
                    "error",
                    f"could not run the notebook: {type(exc).__name__}: {str(exc)[:300]}",
                )
        if status in ("kernel-died", "error"):
            lines = [
                ln
                for ln in stderr_path.read_text(errors="replace").splitlines()
                if ln.strip() and "without encryption" not in ln
            ]
            if lines:
                detail += f" (kernel said: {lines[-1][:200]})"
        log, bad = read_log(log_path)
    return RunResult(status, detail, time.monotonic() - started, log, _error_summaries(nb), bad)
