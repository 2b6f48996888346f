"""The program that runs one submitted notebook, inside the sandbox: ``python -I -m mgedu.classroom.runner``.

The grader starts this module in a sandbox of its own for each submission (see
:mod:`mgedu.classroom.sandbox`) and writes the submitted notebook to its standard input. It then:

1. lowers its own resource limits (memory, processes, CPU time, file size; a kernel it starts
   inherits them and cannot raise them again) and asks the kernel's out-of-memory killer to pick it
   first;
2. starts an IPython kernel of the same Python in the sandbox's empty working folder;
3. sends the notebook's code cells to it one by one, as JupyterLab's *Run All* does, keeping no
   output except error names (an output larger than :data:`MAX_MESSAGE_BYTES` is dropped unread);
4. writes one line of JSON to standard output: ``{"mgedu_runner": 1, "status": ..., "detail": ...,
   "cells": ..., "cell_errors": [...]}``.

The answers themselves are not part of that line: ``check(...)`` in the notebook appends them to the
grading log (``MGEDU_GRADING_LOG``), a file the grader reads after the sandbox has ended. Nothing
here trusts the notebook: the grader treats this program's output as the submission's own words,
parses it with size caps and a strict schema, and re-checks every answer itself. This module uses
only the standard library and ``jupyter_client`` (``nbformat`` costs a second or more to import).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from queue import Empty
from typing import Any

RESULT_TAG = "mgedu_runner"
RUN_STATUSES = ("completed", "timeout", "kernel-died", "error")
MAX_MESSAGE_BYTES = 4_000_000
MAX_CELL_ERRORS = 50
KERNEL_NAME = "mgedu-grader-python"


def set_limits(memory_mb: int, processes: int, cpu_seconds: int, file_mb: int) -> None:
    """Lower this process's resource limits (inherited by the kernel; none can raise them again).

    Memory is the address space of each process; processes counts the sandbox user's processes and
    threads (the kernel enforces it for users other than root; as root the grader adds a cgroup).
    """
    import resource

    for name, value in (
        ("RLIMIT_AS", memory_mb * 2**20),
        ("RLIMIT_NPROC", processes),
        ("RLIMIT_CPU", cpu_seconds),
        ("RLIMIT_FSIZE", file_mb * 2**20),
        ("RLIMIT_CORE", 0),
    ):
        limit = getattr(resource, name)
        soft, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))
    try:
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass


class _CappedChannelMixin:
    """Drops any kernel message larger than MAX_MESSAGE_BYTES before it is decoded."""

    def _recv(self, **kwargs: Any) -> dict[str, Any]:
        frames = self.socket.recv_multipart(copy=False)  # type: ignore[attr-defined]
        _ident, smsg = self.session.feed_identities(frames, copy=False)  # type: ignore[attr-defined]
        size = sum(len(f.buffer) for f in smsg)
        if size <= MAX_MESSAGE_BYTES:
            return self.session.deserialize(smsg, copy=False)  # type: ignore[attr-defined]
        msg = self.session.deserialize(smsg, content=False, copy=False)  # type: ignore[attr-defined]
        msg["content"] = {"name": "stdout", "text": "", "dropped_bytes": size}
        return msg


def _kernel_manager() -> Any:
    """A kernel manager whose only kernel is an IPython kernel of this very Python."""
    import ipykernel.kernelspec
    from jupyter_client.blocking.client import BlockingKernelClient
    from jupyter_client.channels import ZMQSocketChannel
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    class CappedChannel(_CappedChannelMixin, ZMQSocketChannel):
        pass

    class Client(BlockingKernelClient):
        iopub_channel_class = CappedChannel  # type: ignore[assignment]
        shell_channel_class = CappedChannel  # type: ignore[assignment]

    class Specs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> Any:
            spec = ipykernel.kernelspec.get_kernel_dict()
            spec["argv"][0] = sys.executable
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **spec)

    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=Specs(), client_factory=Client)


def code_cells(text: str) -> list[str]:
    """The sources of a notebook's code cells, in order (the notebook is read as plain JSON).

    >>> code_cells('{"cells": [{"cell_type": "code", "source": ["a = 1; ", "b = 2"]}, {"cell_type": "markdown"}]}')
    ['a = 1; b = 2']
    """
    nb = json.loads(text)
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        sources.append(str(source))
    return sources


def run_cells(sources: list[str], deadline: float, workdir: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``sources`` in a fresh kernel until done or ``deadline`` (``time.monotonic()``); the result."""
    result: dict[str, Any] = {"status": "completed", "detail": "", "cells": 0, "cell_errors": []}
    manager = _kernel_manager()
    stderr_path = Path(workdir).parent / "kernel-stderr.txt"
    with open(stderr_path, "wb") as stderr:
        manager.start_kernel(cwd=workdir, env=env, stdout=stderr, stderr=stderr)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
        for index, source in enumerate(sources):
            if not source.strip():
                continue
            status = _run_one(client, manager, source, index, deadline, result["cell_errors"])
            result["cells"] = index + 1
            if status != "completed":
                result["status"] = status
                break
    except RuntimeError as exc:  # wait_for_ready: the kernel died or never answered
        result["status"], result["detail"] = "kernel-died", f"the kernel did not start: {str(exc)[:200]}"
    except Empty:
        result["status"] = "timeout"
    if result["status"] == "kernel-died" and not result["detail"]:
        result["detail"] = "the kernel stopped while running the notebook"
    if result["status"] in ("kernel-died", "error"):
        tail = _last_line(stderr_path)
        if tail:
            result["detail"] += f" (kernel said: {tail})"
    try:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    except Exception:  # the kernel may be gone already
        pass
    return result


def _run_one(client: Any, manager: Any, source: str, index: int, deadline: float, errors: list[str]) -> str:
    msg_id = client.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "timeout"
        try:
            msg = client.get_iopub_msg(timeout=min(remaining, 1.0))
        except Empty:
            if not manager.is_alive():
                return "kernel-died"
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg.get("msg_type"), msg.get("content", {})
        if kind == "error" and len(errors) < MAX_CELL_ERRORS:
            errors.append(f"cell {index + 1}: {str(content.get('ename'))[:80]}: {str(content.get('evalue'))[:200]}")
        if kind == "status" and content.get("execution_state") == "idle":
            return "completed"


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4000))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [ln for ln in text.splitlines() if ln.strip() and "without encryption" not in ln]
    return lines[-1][:200] if lines else ""


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``runner TIMEOUT MEMORY_MB PROCESSES CPU_SECONDS FILE_MB WORKDIR``; notebook on stdin."""
    started = time.monotonic()
    args = sys.argv[1:] if argv is None else argv
    timeout = float(args[0])
    memory_mb, processes, cpu_seconds, file_mb = (int(a) for a in args[1:5])
    workdir = args[5]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_IGN)  # the notebook cannot stop its own runner with these
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)  # nothing else in here writes to the grader's pipe by accident
    result: dict[str, Any]
    try:
        data = sys.stdin.buffer.read()
        os.dup2(null, 0)  # no pipe left open for the notebook to fill
        text = data.decode("utf-8")
        sources = code_cells(text)
        set_limits(memory_mb, processes, cpu_seconds, file_mb)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MGEDU_RUNNER")}
        result = run_cells(sources, started + timeout, workdir, env)
    except (ValueError, UnicodeDecodeError) as exc:
        result = {
            "status": "error",
            "detail": f"not a Jupyter notebook ({str(exc)[:200]})",
            "cells": 0,
            "cell_errors": [],
        }
    except Exception as exc:  # report, never crash silently
        result = {"status": "error", "detail": f"{type(exc).__name__}: {str(exc)[:300]}", "cells": 0, "cell_errors": []}
    result[RESULT_TAG] = 1
    result["seconds"] = round(time.monotonic() - started, 3)
    out.write(json.dumps(result) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
