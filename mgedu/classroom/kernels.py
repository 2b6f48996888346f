"""Kernels that the workbook's own tools run notebooks in (grading, refreshing outputs, benchmarks).

Notebook clients built on ``zmq.asyncio`` wait for a kernel's messages by watching an
edge-triggered file descriptor. On a busy machine that wake-up can be missed: the message is already
in the socket, the kernel is idle, and the client sleeps on until its timeout ends the wait, when a
final non-blocking check finds the message (pyzmq's ``Poller.poll`` does that check; the stall and its
recovery at the timeout are described in zeromq/pyzmq#1558 and #2173). A grader that gives each cell
what is left of a 2-minute budget then waits the whole budget and marks the rest of the notebook
"not reached"; this was measured here: with three CPU-bound processes beside the grader, 1 in 14
notebook runs stalled, always in the cell that displays a widget.

The client below waits in short slices instead: a missed wake-up costs at most one slice
(:data:`POLL_SLICE_SECONDS`), and timeouts keep their meaning.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type, default

POLL_SLICE_SECONDS = 0.25


class SlicedPollChannel(AsyncZMQSocketChannel):
    """A kernel channel whose ``get_msg`` re-checks its socket every :data:`POLL_SLICE_SECONDS`."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        """Return the next message; raise ``queue.Empty`` when none arrived within ``timeout`` seconds."""
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = POLL_SLICE_SECONDS
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - time.monotonic()))
            if await self.socket.poll(int(wait * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class SlicedPollKernelClient(AsyncKernelClient):
    """An asyncio kernel client whose message channels wait in slices (see the module docstring)."""

    shell_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    iopub_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    stdin_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    control_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]


class SlicedPollKernelManager(AsyncKernelManager):
    """A kernel manager whose clients are :class:`SlicedPollKernelClient`."""

    @default("client_factory")
    def _sliced_client_factory(self) -> type:
        return SlicedPollKernelClient


def notebook_client(nb: Any, **options: Any) -> Any:
    """An ``nbclient.NotebookClient`` for ``nb`` that talks to its kernel through sliced polls.

    ``options`` are passed on to ``NotebookClient`` (``timeout``, ``kernel_name``, ...); a
    ``kernel_manager_class`` given there must be a :class:`SlicedPollKernelManager`.

    >>> import nbformat
    >>> client = notebook_client(nbformat.v4.new_notebook(), timeout=30)
    >>> client.kernel_manager_class.__name__
    'SlicedPollKernelManager'
    """
    from nbclient import NotebookClient

    manager = options.setdefault("kernel_manager_class", SlicedPollKernelManager)
    if not (isinstance(manager, type) and issubclass(manager, SlicedPollKernelManager)):
        raise ValueError(f"kernel_manager_class must be a SlicedPollKernelManager subclass, got {manager!r}")
    return NotebookClient(nb, **options)
