"""JupyterLite, as a student meets it, with the network cut off: the site loads and Python starts in the page.

The site is built by ``tools/lite.py`` (what ``make lite`` runs) with a self-hosted Pyodide: the pinned
npm ``pyodide`` core plus the pure-Python wheels a kernel needs to start (``tools/pyodide_core.py``,
prepared by ``make test``). It is served from a folder on 127.0.0.1 and opened in Debian's Chromium,
started with every host name except the loopback ones unresolvable, and every request to another
host aborted and recorded: nothing can come from a CDN. The test then checks, as a student meets it:
the first notebook opens from the file list and its kernel goes live; its own first cell, run in place,
takes its JupyterLite branch (piplite, from the site's wheels); mgedu installs from the site and
imports, with its data files; molmass computes; an ipywidgets slider renders through the widgets
extension, and an anywidget (the explorers' accessibility helper) through its own; File > Download
hands the notebook out of the browser (how a student keeps or hands in work done in JupyterLite).

Running the notebooks themselves in the browser needs Pyodide's compiled packages (numpy, pandas,
matplotlib, scipy, statsmodels), which are on neither PyPI nor npm. That test runs when
``MGEDU_PYODIDE_DIR`` names an unpacked full Pyodide distribution of the same version (from Pyodide's
GitHub releases); otherwise it is skipped with that reason. Outside the browser, the notebooks are run
on the same package versions by ``tests/test_hub.py``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import resource
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_harness import ARTIFACTS, REPO, VIEWPORT, Chromium, menu

from tools import lite, pyodide_core
from tools.setup_cell import SETUP_CELL_SOURCE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: Chromium resolves no host name but the loopback ones: nothing can come from a CDN, even from workers.
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",)
#: Pyodide compiles its WebAssembly and installs the kernel's wheels on first start: about 15 s on an idle
#: laptop, several minutes on a busy two-core test machine.
KERNEL_TIMEOUT_MS = 360_000


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files, with the MIME types Pyodide needs and no request log on stderr."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def pyodide_folder() -> Path:
    """The self-hosted Pyodide core (``make test`` prepares it; prepared here otherwise)."""
    try:
        return pyodide_core.prepare()
    except (RuntimeError, OSError) as exc:
        pytest.skip(f"no self-hosted Pyodide core: {exc}")
    except Exception as exc:  # noqa: BLE001 - pip or npm failing (offline machine): say so, do not fail
        pytest.skip(f"could not prepare the self-hosted Pyodide core (npm pack / pip download): {exc}")


def build_site(out: Path, pyodide: Path) -> tuple[Path, float]:
    """Build the site with a self-hosted Pyodide; expose the app object to the test (test-only).

    ``make lite`` builds in under a minute: checked on the processor time the build used (its
    ``jupyter lite build`` and the wheel build), which a busy shared machine does not inflate as it does
    the wall-clock time (both are reported)."""
    started, cpu_before = time.monotonic(), children_cpu_seconds()
    lite.build_site(out, pyodide=str(pyodide))
    seconds, cpu = time.monotonic() - started, children_cpu_seconds() - cpu_before
    assert cpu < 60, f"building the Lite site took {cpu:.0f} s of processor time ({seconds:.0f} s wall-clock)"
    config_file = out / "jupyter-lite.json"
    config = json.loads(config_file.read_text())
    config["jupyter-config-data"]["exposeAppInBrowser"] = True
    config_file.write_text(json.dumps(config, indent=1))
    return out, seconds


def children_cpu_seconds() -> float:
    """Processor time (user + system) used so far by this process's finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def lite_site(tmp_path_factory: pytest.TempPathFactory, pyodide_folder: Path) -> tuple[Path, float]:
    return build_site(tmp_path_factory.mktemp("lite") / "site", pyodide_folder)


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def offline_chromium(chromium_required: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    browser = Chromium(
        tmp_path_factory.mktemp("chromium-offline"), ARTIFACTS / "logs" / "chromium-lite.log", extra_flags=OFFLINE_FLAGS
    )
    try:
        browser.start()
        yield browser
    finally:
        browser.stop()


class OfflinePage:
    """A page whose requests to hosts other than loopback are aborted and listed in ``blocked``."""

    def __init__(self, chromium: Chromium) -> None:
        self.context = chromium.browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(60_000)
        self.blocked: list[str] = []
        self.loaded: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfinished", lambda request: self.loaded.append(request.url))

    def _route(self, route: Any) -> None:
        if (urlsplit(route.request.url).hostname or "") in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def open_app(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=KERNEL_TIMEOUT_MS)
    page.evaluate("async () => { await window.jupyterapp.restored; }")


RUN_CELL_JS = """async ([code, timeoutMs]) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await app.commands.execute('notebook:insert-cell-below');
  const cell = panel.content.activeCell;
  cell.model.sharedModel.setSource(code);
  const ran = app.commands.execute('notebook:run-cell');
  const late = new Promise(resolve => setTimeout(() => resolve('timeout'), timeoutMs));
  if (await Promise.race([ran, late]) === 'timeout') {
    return [{output_type: 'error', ename: 'Timeout', evalue: `no result within ${timeoutMs} ms`}];
  }
  return cell.model.outputs.toJSON();
}"""
KERNEL_STATUS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel ? kernel.status : 'none';
}"""


FIRST_NOTEBOOK = "00-start-here.ipynb"
OPENED_JS = """name => {
  const panel = window.jupyterapp.shell.currentWidget;
  return !!(panel && panel.context && panel.context.path === name && panel.content && panel.content.widgets.length);
}"""
#: Run the open notebook's first cell where it stands; its source and outputs.
RUN_FIRST_CELL_JS = """async timeoutMs => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  panel.content.activeCellIndex = 0;
  const cell = panel.content.activeCell;
  const ran = app.commands.execute('notebook:run-cell');
  const late = new Promise(resolve => setTimeout(() => resolve('timeout'), timeoutMs));
  if (await Promise.race([ran, late]) === 'timeout') {
    return [cell.model.sharedModel.getSource(), [{output_type: 'error', ename: 'Timeout', evalue: 'no result'}]];
  }
  return [cell.model.sharedModel.getSource(), cell.model.outputs.toJSON()];
}"""


def run_cell(page: Any, code: str, timeout_ms: int = KERNEL_TIMEOUT_MS) -> list[dict[str, Any]]:
    """Add a code cell at the end of the open notebook, run it, wait, and return its outputs."""
    return page.evaluate(RUN_CELL_JS, [code, timeout_ms])


def wait_for_idle_kernel(page: Any) -> None:
    """Wait until the open notebook's kernel reports 'idle' (Pyodide loaded, IPython started); on timeout,
    keep a screenshot of the page (artifacts/screenshots/lite-no-kernel.png)."""
    try:
        page.wait_for_function(f"() => ({KERNEL_STATUS_JS})() === 'idle'", timeout=KERNEL_TIMEOUT_MS, polling=250)
    except Exception:
        (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "screenshots" / "lite-no-kernel.png"))
        raise


def output_text(outputs: list[dict[str, Any]]) -> str:
    parts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            parts.append("".join(output.get("text", "")))
        elif output.get("output_type") == "error":
            parts.append(f"ERROR {output.get('ename')}: {output.get('evalue')}")
        elif "text/plain" in output.get("data", {}):
            parts.append("".join(output["data"]["text/plain"]))
    return "".join(parts)


def test_lite_site_starts_python_offline_installs_mgedu_and_renders_a_widget(
    lite_site: tuple[Path, float], offline_chromium: Chromium, tmp_path: Path
) -> None:
    site, build_seconds = lite_site
    assert (site / "files" / "00-start-here.ipynb").is_file()
    wheels = sorted(path.name.split("-")[0] for path in (site / "pypi").glob("*.whl"))
    assert wheels == sorted(["mgedu", *lite.BUNDLED]), wheels
    assert (site / "static" / "pyodide" / "pyodide.asm.wasm").is_file(), "the self-hosted Pyodide was not copied"
    settings = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]["litePluginSettings"]
    assert settings["@jupyterlite/pyodide-kernel-extension:kernel"]["pyodideUrl"] == "./static/pyodide/pyodide.mjs"

    server, url = serve(site)
    view = OfflinePage(offline_chromium)
    page = view.page
    try:
        started = time.monotonic()
        open_app(page, f"{url}/lab/index.html")
        app_seconds = time.monotonic() - started
        # As a student does: open the first notebook from the file list.
        page.locator(".jp-DirListing-item", has_text=FIRST_NOTEBOOK).first.dblclick()
        page.wait_for_function(OPENED_JS, arg=FIRST_NOTEBOOK, timeout=KERNEL_TIMEOUT_MS)
        wait_for_idle_kernel(page)
        live = run_cell(page, "import sys, pyodide; print(sys.platform, pyodide.__version__)")
        kernel_seconds = time.monotonic() - started
        assert output_text(live).split() == ["emscripten", pyodide_core.PYODIDE_VERSION], live

        # The notebook's own first cell, run in place, takes the JupyterLite branch: piplite, mgedu by name
        # (recorded, not done: mgedu's compiled dependencies are not in the self-hosted core).
        run_cell(
            page,
            "import piplite\n_calls = []\n"
            "async def _record(*args, **kwargs): _calls.append([args, kwargs])\n"
            "_install, piplite.install = piplite.install, _record",
        )
        source, setup = page.evaluate(RUN_FIRST_CELL_JS, KERNEL_TIMEOUT_MS)
        assert source == SETUP_CELL_SOURCE, source
        assert output_text(setup) == "", setup
        calls = run_cell(page, "piplite.install = _install\nprint(_calls)")
        assert output_text(calls).strip() == "[[('mgedu',), {}]]", calls

        # mgedu and molmass from the site's wheels (mgedu's compiled dependencies are not here).
        installed = run_cell(
            page,
            (
                "await piplite.install('mgedu', deps=False)\nawait piplite.install('molmass')\n"
                "import mgedu, molmass\nfrom importlib.resources import files\n"
                "seeds = [p.name for p in files('mgedu').joinpath('seeds_data').iterdir() if p.name.endswith('.txt')]\n"
                "data = sorted(p.name for p in files('mgedu').joinpath('data').iterdir() if p.name.endswith('.csv'))\n"
                "mg = molmass.Formula('MgO').composition()['Mg'].fraction\n"
                "print(mgedu.__version__, len(seeds), 'salts.csv' in data, round(mg, 3))"
            ),
        )
        text = output_text(installed).split()
        assert text[:3] == [__import__("mgedu").__version__, "5", "True"], installed
        assert abs(float(text[3]) - 0.603) < 0.001, installed  # MgO: 24.305 / 40.304

        widget = run_cell(
            page,
            "await piplite.install('ipywidgets')\nimport ipywidgets\n"
            "ipywidgets.IntSlider(value=7, min=0, max=10, description='Slider')",
        )
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in widget), widget
        slider = page.locator(".jp-Cell .widget-slider").last
        slider.wait_for(state="visible", timeout=60_000)
        readout = page.locator(".jp-Cell .widget-readout").last.inner_text().strip()
        assert readout == "7", readout
        assert (site / "extensions" / "anywidget" / "package.json").is_file(), "anywidget's extension is missing"
        drawn = run_cell(
            page,
            (
                "await piplite.install('anywidget')\nimport anywidget\n"
                "class Probe(anywidget.AnyWidget):\n"
                '    _esm = \'export default { render({ el }) { el.className = "mgedu-probe"; '
                'el.textContent = "anywidget rendered"; } }\'\n'
                "Probe()"
            ),
        )
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in drawn), drawn
        page.locator(".jp-Cell .mgedu-probe", has_text="anywidget rendered").wait_for(state="visible", timeout=60_000)
        (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "screenshots" / "lite-offline.png"))

        # Handing in from JupyterLite: File > Download gives the notebook, as the student sees it.
        saved_as = page.evaluate(
            "async () => { const context = window.jupyterapp.shell.currentWidget.context;"
            " const late = new Promise(resolve => setTimeout(() => resolve('timeout'), 30000));"
            " return await Promise.race([context.save().then(() => context.path), late]); }"
        )
        assert saved_as.endswith(".ipynb"), saved_as
        with page.expect_download(timeout=60_000) as download_info:
            menu(page, "File", "Download")
        saved = tmp_path / "downloaded.ipynb"
        download_info.value.save_as(saved)
        handed_in = json.loads(saved.read_text(encoding="utf-8"))
        sources = ["".join(cell["source"]) for cell in handed_in["cells"]]
        assert sources[0] == SETUP_CELL_SOURCE and any("IntSlider" in source for source in sources), sources
        assert any(source.startswith("# 00 ") for source in sources), sources

        wasm = [u for u in view.loaded if u.endswith("pyodide.asm.wasm")]
        assert wasm and all(urlsplit(u).hostname == "127.0.0.1" for u in wasm), wasm
        assert not view.errors, f"JavaScript errors: {view.errors}"
        size_mb = lite.folder_size_mb(site)
        pyodide_mb = lite.folder_size_mb(site / "static" / "pyodide")
        note = (
            f"JupyterLite site: built in {build_seconds:.1f} s; {size_mb:.1f} MB with the self-hosted Pyodide core "
            f"({size_mb - pyodide_mb:.1f} MB without it, as `make lite` builds it for the CDN); app ready "
            f"{app_seconds:.1f} s, live kernel {kernel_seconds:.1f} s after opening the page; requests to other "
            f"hosts blocked: {len(view.blocked)} ({sorted({urlsplit(u).hostname for u in view.blocked})})"
        )
        (ARTIFACTS / "lite.txt").write_text(note + "\n")
        print(note)
    finally:
        view.close()
        server.shutdown()


FULL_PYODIDE_REASON = (
    "running the notebooks in the browser needs Pyodide's compiled packages (numpy, pandas, matplotlib, scipy, "
    "statsmodels), which are on neither PyPI nor npm, and this test blocks Pyodide's CDN; set MGEDU_PYODIDE_DIR to "
    f"an unpacked full Pyodide {pyodide_core.PYODIDE_VERSION} distribution (pyodide-{pyodide_core.PYODIDE_VERSION}"
    ".tar.bz2 from https://github.com/pyodide/pyodide/releases) to run it. Outside the browser, "
    "tests/test_hub.py runs the notebooks on the same versions"
)


@pytest.fixture(scope="module")
def full_pyodide() -> Path:
    folder = Path(os.environ.get("MGEDU_PYODIDE_DIR", "")) if os.environ.get("MGEDU_PYODIDE_DIR") else None
    if folder is None or not (folder / "pyodide-lock.json").is_file():
        pytest.skip(FULL_PYODIDE_REASON)
    present = pyodide_core.compiled_packages_present(folder)
    if present != list(pyodide_core.COMPILED_PACKAGES):
        pytest.skip(f"{folder} has only {present} of {list(pyodide_core.COMPILED_PACKAGES)}: {FULL_PYODIDE_REASON}")
    return folder


RUN_ALL_JS = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
  return panel.content.model.toJSON().cells.map((cell, index) => [index, cell.cell_type, cell.outputs || []]);
}"""


def test_every_notebook_runs_in_the_browser(full_pyodide: Path, offline_chromium: Chromium, tmp_path: Path) -> None:
    site, _ = build_site(tmp_path / "site", full_pyodide)
    server, url = serve(site)
    view = OfflinePage(offline_chromium)
    failures = []
    try:
        for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
            open_app(view.page, f"{url}/lab/index.html?path={notebook.name}")
            view.page.wait_for_function(
                "() => window.jupyterapp.shell.currentWidget && window.jupyterapp.shell.currentWidget.sessionContext",
                timeout=KERNEL_TIMEOUT_MS,
            )
            wait_for_idle_kernel(view.page)
            cells = view.page.evaluate(RUN_ALL_JS)
            for index, _kind, outputs in cells:
                for output in outputs:
                    if output.get("output_type") == "error":
                        failures.append(f"{notebook.name} cell {index}: {output.get('ename')}: {output.get('evalue')}")
            rendered = view.page.locator(".jp-Cell .jupyter-widgets").count()
            widget_cells = sum(
                1
                for _i, _k, outputs in cells
                for o in outputs
                if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            )
            if widget_cells and not rendered:
                failures.append(f"{notebook.name}: {widget_cells} widget outputs, none rendered")
        assert not failures, "\n".join(failures)
        assert not [u for u in view.loaded if not re.match(r"^https?://127\.0\.0\.1", u)]
    finally:
        view.close()
        server.shutdown()
