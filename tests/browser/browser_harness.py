"""Start and stop the two processes the browser tests need: JupyterLab and Debian's Chromium.

Both are started here as child processes and stopped by their own PID (terminate, then kill after a
grace period), so nothing is left running when a test fails. Playwright only *connects* to Chromium
(over the DevTools protocol); it never downloads or launches a browser itself.

JupyterLab runs on 127.0.0.1 with a random port and token, on a throwaway copy of the notebooks (Lab
autosaves), with its config, data, runtime, settings and workspace folders all inside that copy, so a
developer's own Jupyter set-up cannot leak in. The application settings folder holds exactly
``binder/overrides.json``, as ``binder/postBuild`` installs it for Binder users.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("MGEDU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
]
ARTIFACTS = REPO / "artifacts"
#: The notebooks under test (another folder may be named, e.g. to try the harness itself).
NOTEBOOKS_DIR = Path(os.environ.get("MGEDU_BROWSER_NOTEBOOKS", REPO / "notebooks"))
STOP_GRACE_SECONDS = 10
VIEWPORT = {"width": 1280, "height": 1000}
STATUS_IDLE_JS = "() => (document.querySelector('#jp-main-statusbar')?.innerText || '').includes('| Idle')"


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: install Debian's chromium with `make browser-deps` "
            "(bash tests/browser/install_chromium.sh)"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Python playwright is not installed: pip install -r tests/requirements.txt"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM if the test process dies (even by SIGKILL),
    so a crashed test run leaves no server or browser behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def popen(command: list[str], log: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start a child process with output to ``log`` that dies with us (Linux)."""
    return subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        **kwargs,
    )


#: One Playwright per test process, shared by every Chromium open at the same time: Playwright's sync API
#: refuses to start a second instance while one is running (a session's JupyterLab browser and a module's
#: offline browser can be open together in one test worker).
_PLAYWRIGHT: dict[str, Any] = {"instance": None, "users": 0}


def _acquire_playwright() -> Any:
    if _PLAYWRIGHT["instance"] is None:
        from playwright.sync_api import sync_playwright

        _PLAYWRIGHT["instance"] = sync_playwright().start()
    _PLAYWRIGHT["users"] += 1
    return _PLAYWRIGHT["instance"]


def _release_playwright() -> None:
    _PLAYWRIGHT["users"] -= 1
    if _PLAYWRIGHT["users"] <= 0 and _PLAYWRIGHT["instance"] is not None:
        _PLAYWRIGHT["instance"].stop()
        _PLAYWRIGHT["instance"], _PLAYWRIGHT["users"] = None, 0


def stop_process(process: subprocess.Popen[Any] | None) -> None:
    """Stop one child process by its PID: SIGTERM, wait, then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_GRACE_SECONDS)


def _get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (localhost only)
        return json.load(response)


class LabServer:
    """A JupyterLab server on a copy of ``notebooks`` under ``workdir``; use as a context manager."""

    def __init__(self, notebooks: Path, workdir: Path, log_path: Path, windowing_mode: str | None = "none") -> None:
        self.root = workdir / "root"
        self.windowing_mode = windowing_mode
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._workdir = workdir
        shutil.copytree(
            notebooks, self.root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        )

    def _prepare_settings(self) -> list[str]:
        jupyter = self._workdir / "jupyter"
        lab = jupyter / "lab"
        (lab / "settings").mkdir(parents=True)
        shutil.copy(REPO / "binder" / "overrides.json", lab / "settings" / "overrides.json")
        # The prebuilt application (its package.json lists extension metadata read next to settings/).
        (lab / "static").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "lab" / "static")
        # Test-only user setting: render every cell (no windowing), so Run All can be checked in the
        # DOM and one screenshot shows the whole notebook. ``windowing_mode=None`` keeps JupyterLab's
        # default, as a student has it (the benchmark times explorers that way).
        if self.windowing_mode is not None:
            tracker = jupyter / "user-settings" / "@jupyterlab" / "notebook-extension"
            tracker.mkdir(parents=True)
            (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": self.windowing_mode}))
        return [
            f"--LabApp.app_settings_dir={lab / 'settings'}",
            f"--LabApp.user_settings_dir={jupyter / 'user-settings'}",
            f"--LabApp.workspaces_dir={jupyter / 'workspaces'}",
        ]

    def environment(self) -> dict[str, str]:
        """The server's environment: Jupyter and IPython folders isolated in the work folder."""
        env = dict(os.environ)
        base = self._workdir / "jupyter"
        env.update(
            JUPYTER_CONFIG_DIR=str(base / "config"),
            JUPYTER_DATA_DIR=str(base / "data"),
            JUPYTER_RUNTIME_DIR=str(base / "runtime"),
            IPYTHONDIR=str(base / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        for key in (
            "JUPYTER_PATH",
            "JUPYTER_CONFIG_PATH",
            "JUPYTERLAB_DIR",
            "JUPYTERLAB_SETTINGS_DIR",
            "JUPYTERLAB_WORKSPACES_DIR",
            "JUPYTER_TOKEN",
            "MGEDU_GRADING_LOG",
        ):
            env.pop(key, None)
        return env

    def start(self, timeout: float = 60.0) -> LabServer:
        """Start ``jupyter-lab`` itself (its PID is the server's) and wait until its API answers."""
        executable = Path(sys.executable).with_name("jupyter-lab")
        command = [
            str(executable),
            "--no-browser",
            "--ip",
            "127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.open_browser=False",
            *self._prepare_settings(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = popen(command, log, env=self.environment(), cwd=self.root)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter-lab exited with {self.process.returncode}; see {self.log_path}")
            try:
                _get_json(self.api("status"), timeout=2)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"jupyter-lab did not answer within {timeout:.0f} s; see {self.log_path}")

    def api(self, path: str) -> str:
        """URL of a REST endpoint, with the token."""
        return f"{self.url}/api/{path}?token={self.token}"

    def lab_url(self, notebook: str) -> str:
        """URL that opens ``notebooks/<notebook>`` in a fresh workspace (``reset``)."""
        return f"{self.url}/lab/tree/notebooks/{notebook}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Shut down every kernel the server runs (between notebooks, to keep memory small)."""
        for session in _get_json(self.api("sessions")):
            request = urllib.request.Request(self.api(f"sessions/{session['id']}"), method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 (localhost only)

    def setting_default(self, plugin: str, key: str) -> Any:
        """The default JupyterLab serves for one setting (the schema default after overrides)."""
        url = f"{self.url}/lab/api/settings/{plugin}?token={self.token}"
        return _get_json(url)["schema"]["properties"][key].get("default")

    def stop(self) -> None:
        """Stop the server by its PID (it shuts its kernels down on SIGTERM)."""
        stop_process(self.process)

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Chromium:
    """Debian's Chromium started headless by us, with Playwright connected over CDP."""

    def __init__(self, workdir: Path, log_path: Path, extra_flags: tuple[str, ...] = ()) -> None:
        self.profile = workdir / "chromium-profile"
        self.log_path = log_path
        self.extra_flags = extra_flags
        self.process: subprocess.Popen[bytes] | None = None
        self._playwright: Any = None
        self.browser: Any = None

    def start(self, timeout: float = 30.0) -> Chromium:
        """Start Chromium with a fresh profile and connect Playwright to it."""
        self.profile.mkdir(parents=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        command = [
            str(CHROMIUM),
            *CHROMIUM_FLAGS,
            *self.extra_flags,
            f"--user-data-dir={self.profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        self.process = popen(command, log)
        log.close()
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chromium did not open its DevTools port; see {self.log_path}")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        self._playwright = _acquire_playwright()
        try:
            self.browser = self._playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Disconnect Playwright, then stop Chromium by its PID."""
        try:
            if self.browser is not None:
                self.browser.close()
        except Exception:  # noqa: BLE001 - the browser may already be gone; stopping must go on
            pass
        finally:
            stop_process(self.process)
            if self._playwright is not None:
                _release_playwright()
                self._playwright = None

    def __enter__(self) -> Chromium:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LabTabs:
    """One JupyterLab page for the whole session, opening notebooks one after another.

    The first notebook (and the next one after a failure) is opened by its URL, which loads the app;
    later ones by a double click in the file browser, as a student would, which saves reloading the
    app each time. After a notebook passes it is saved (into the throwaway copy) and its tab closed.
    ``errors`` lists uncaught JavaScript exceptions since the current notebook was opened.
    """

    def __init__(self, page: Any, server: LabServer) -> None:
        self.page, self.server = page, server
        self.errors: list[str] = []
        self.loaded = False
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, name: str) -> Any:
        """Open ``notebooks/<name>``; return the page once its kernel is idle."""
        page = self.page
        self.errors.clear()
        page.set_viewport_size(VIEWPORT)
        if self.loaded:
            text = page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$"))
            page.locator(".jp-DirListing-item", has=text).dblclick()
        else:
            page.goto(self.server.lab_url(name))
            self.loaded = True
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", state="attached", timeout=60_000)
        page.wait_for_function(STATUS_IDLE_JS, timeout=60_000, polling=100)
        return page

    def close(self, passed: bool) -> None:
        """Save and close the notebook's tab (or, after a failure, reload the app next time);
        shut every kernel down either way."""
        try:
            if passed:
                menu(self.page, "File", "Save Notebook")
                self.page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')")
                menu(self.page, "File", "Close Tab")
                self.page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel')")
            else:
                self.loaded = False
        except Exception:  # noqa: BLE001 - a stuck tab must not fail the next notebook: reload instead
            self.loaded = False
        finally:
            self.server.shutdown_kernels()


def menu(page: Any, top: str, item: str) -> None:
    """Choose ``top`` > ``item`` from JupyterLab's main menu (labels matched exactly)."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-content .lm-Menu-itemLabel:visible", has_text=re.compile(f"^{re.escape(item)}$")).click()
