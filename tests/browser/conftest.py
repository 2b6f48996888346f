"""Fixtures for the browser tests: one JupyterLab server and one Chromium for the whole session.

Every test module here sets ``pytestmark = pytest.mark.browser`` (skip them with ``-m "not browser"``);
the tests are skipped, with the reason, when ``/usr/bin/chromium`` or Python ``playwright`` is missing.
The server and the browser are started by :mod:`browser_harness` and always stopped by their own PID
in the fixtures' teardown, also when a test fails. Screenshots go to ``artifacts/screenshots/``, server
and browser logs to ``artifacts/logs/`` (the ``artifacts/`` folder is git-ignored).

``MGEDU_BROWSER_NOTEBOOKS`` may name another folder of notebooks to test (default: ``notebooks/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_harness import (
    ARTIFACTS,
    NOTEBOOKS_DIR,
    VIEWPORT,
    Chromium,
    LabServer,
    LabTabs,
    chromium_missing_reason,
)


@pytest.fixture(scope="session")
def chromium_required() -> None:
    """Skip (with the reason) when the browser tests cannot run on this machine."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """artifacts/screenshots/, created when missing."""
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def lab_server(chromium_required: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A JupyterLab server on a throwaway copy of the notebooks (stopped by PID at the end)."""
    server = LabServer(NOTEBOOKS_DIR, tmp_path_factory.mktemp("lab"), ARTIFACTS / "logs" / "jupyterlab.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(chromium_required: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """Debian's Chromium, headless, with Playwright connected (stopped by PID at the end)."""
    browser = Chromium(tmp_path_factory.mktemp("chromium"), ARTIFACTS / "logs" / "chromium.log")
    try:
        browser.start()
        yield browser
    finally:
        browser.stop()


@pytest.fixture(scope="session")
def browser_context(chromium: Chromium) -> Iterator[Any]:
    """One browser context (shared HTTP cache) for all pages of the session."""
    context = chromium.browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def lab_tabs(browser_context: Any, lab_server: LabServer) -> Iterator[LabTabs]:
    """The session's JupyterLab page (see :class:`LabTabs`)."""
    page = browser_context.new_page()
    try:
        yield LabTabs(page, lab_server)
    finally:
        page.close()
