"""The notebook-running client recovers from a missed socket wake-up within one poll slice."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty

import nbformat
import pytest
import zmq
import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import Session

from mgedu.classroom.kernels import (
    POLL_SLICE_SECONDS,
    SlicedPollChannel,
    SlicedPollKernelClient,
    SlicedPollKernelManager,
    notebook_client,
)


class MissedWakeSocket(zmq.asyncio.Socket):
    """A socket whose first poll sleeps through its whole timeout, as a missed wake-up does."""

    polls: list[int | None]

    def poll(self, timeout=None, flags=zmq.POLLIN):  # type: ignore[override]
        self.polls.append(timeout)
        if len(self.polls) == 1:

            async def missed() -> int:
                await asyncio.sleep((timeout or 0) / 1000)
                return 0

            return missed()
        return super().poll(timeout, flags)


async def _exchange(timeout: float, send: bool) -> tuple[dict | None, float, list[int | None]]:
    ctx = zmq.asyncio.Context()
    receiver = ctx.socket(zmq.PAIR, socket_class=MissedWakeSocket)
    receiver.polls = []
    sender = ctx.socket(zmq.PAIR)
    try:
        receiver.bind("inproc://mgedu-kernels-test")
        sender.connect("inproc://mgedu-kernels-test")
        session = Session(key=b"")
        if send:
            session.send(sender, session.msg("kernel_info_reply", {"status": "ok"}))
        channel = SlicedPollChannel(receiver, session)
        start = time.monotonic()
        try:
            msg = await channel.get_msg(timeout=timeout)
        except Empty:
            msg = None
        return msg, time.monotonic() - start, receiver.polls
    finally:
        sender.close(linger=0)
        receiver.close(linger=0)
        ctx.term()


def run_in_own_loop(timeout: float, send: bool) -> tuple[dict | None, float, list[int | None]]:
    """Run :func:`_exchange` in a thread of its own (other tests may leave an event loop running here)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _exchange(timeout, send)).result()


def test_a_missed_wake_up_costs_one_slice_not_the_whole_timeout() -> None:
    msg, seconds, polls = run_in_own_loop(timeout=30, send=True)
    assert msg is not None and msg["msg_type"] == "kernel_info_reply"
    assert seconds < 5 * POLL_SLICE_SECONDS
    assert len(polls) >= 2 and all(p is not None and p <= POLL_SLICE_SECONDS * 1000 for p in polls)


def test_no_message_still_ends_at_the_timeout() -> None:
    msg, seconds, polls = run_in_own_loop(timeout=0.6, send=False)
    assert msg is None
    assert 0.55 <= seconds < 3
    assert len(polls) >= 3


def test_refresh_clients_use_sliced_polls() -> None:
    client = notebook_client(nbformat.v4.new_notebook(), kernel_manager_class=SlicedPollKernelManager)
    manager = client.kernel_manager_class()
    assert manager.client_factory is SlicedPollKernelClient
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(SlicedPollKernelClient, f"{name}_channel_class").default_value is SlicedPollChannel


def test_notebook_client_refuses_a_manager_without_sliced_polls() -> None:
    with pytest.raises(ValueError, match="SlicedPollKernelManager"):
        notebook_client(nbformat.v4.new_notebook(), kernel_manager_class=AsyncKernelManager)
