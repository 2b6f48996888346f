""" "Latest wins": run a piece of work once for a burst of requests, with the newest state.

A dragged slider sends a burst of changes. Drawing a figure for every one of them would build a
backlog (the picture trails the hand). :class:`LatestWins` defers the work to the event loop when one
is running inside an IPython kernel (Jupyter, Colab; its comm messages are handled on that loop), so
requests that arrive before it runs are merged and the work sees only the newest values. Elsewhere (tests,
scripts, doctests, and code that merely shares a thread with another library's loop, such as
Playwright's) the work runs at once, so results are immediate and deterministic there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

LOG = logging.getLogger(__name__)


class LatestWins:
    """Coalesce requests for ``work``: it runs once for all requests made before it starts.

    >>> calls = []
    >>> job = LatestWins(lambda: calls.append("drawn"))
    >>> import threading  # a thread of its own, where no event loop is running: each request runs at once
    >>> worker = threading.Thread(target=lambda: (job.request(), job.request()))
    >>> worker.start(); worker.join()
    >>> calls
    ['drawn', 'drawn']
    """

    def __init__(self, work: Callable[[], None], *, defer_in: Callable[[], bool] | None = None) -> None:
        self.work = work
        self.defer_in = in_kernel if defer_in is None else defer_in  # where a running loop defers the work
        self.requested = 0
        self.done = 0
        self.runs = 0
        self.last_request = float("-inf")  # time.monotonic() of the last request

    def idle_for(self, seconds: float) -> bool:
        """Whether nothing is waiting to run and nothing was requested in the last ``seconds``.

        >>> LatestWins(lambda: None).idle_for(0.5)
        True
        """
        import time

        return self.done >= self.requested and time.monotonic() - self.last_request >= seconds

    def request(self) -> None:
        """Ask for the work to run with the state as it is when it runs."""
        import asyncio
        import time

        self.requested += 1
        self.last_request = time.monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or not self.defer_in():
            self.flush()
            return
        if self.requested == self.done + 1:  # the first request since the last run: schedule one run
            loop.call_soon(self._scheduled)

    def _scheduled(self) -> None:
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - a failed redraw must not kill the kernel's event loop
            LOG.exception("explorer update failed")

    def flush(self) -> None:
        """Run the work now if any request is outstanding."""
        if self.done >= self.requested:
            return
        self.done = self.requested
        self.runs += 1
        self.work()


def in_kernel() -> bool:
    """Whether this code runs in an IPython kernel, whose event loop handles the widgets' messages.

    >>> in_kernel()  # a doctest is not a kernel
    False
    """
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


#: Seconds with no change asked for before an explorer prepares states one click away (a slider that
#: stopped for less is probably still moving).
IDLE_DELAY_S = 0.5
#: Seconds after a page first shows an explorer before it starts preparing.
FIRST_DELAY_S = 0.2
#: Seconds between two steps of idle work, so the kernel answers anything else in between.
IDLE_GAP_S = 0.02


def when_idle(
    steps: Iterator[None],
    busy: Callable[[], bool],
    *,
    delay_s: float = FIRST_DELAY_S,
    retry_s: float = IDLE_DELAY_S,
    defer_in: Callable[[], bool] | None = None,
) -> bool:
    """Run ``steps`` (a generator doing one small piece of work per ``next``) on the kernel's event loop
    once the kernel has been left alone: after ``delay_s``, one step at a time, and never while ``busy()``
    (a student's change waiting to be drawn, or a slider still moving, goes first; the step is tried again
    ``retry_s`` later).

    Only inside a kernel (``defer_in``, as for :class:`LatestWins`); elsewhere (tests, scripts, doctests)
    nothing is scheduled and False is returned, so results there never depend on timing.

    >>> when_idle(iter([None]), busy=lambda: False)  # a doctest is not a kernel
    False
    """
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    if not (in_kernel if defer_in is None else defer_in)():
        return False

    def step() -> None:
        if busy():
            loop.call_later(retry_s, step)
            return
        try:
            next(steps)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001 - preparing ahead is optional: never let it break the kernel's loop
            LOG.exception("preparing an explorer state failed")
            return
        loop.call_later(IDLE_GAP_S, step)

    loop.call_later(delay_s, step)
    return True
