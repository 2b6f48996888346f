"""Browser benchmark: how fast each explorer answers in a real JupyterLab (headless Chromium).

For every notebook with explorers: open it in JupyterLab, Run All, then for each explorer change its
controls one at a time, the way a student would (a key press on a slider handle, a new option in a
dropdown, a click, a number typed and Enter), at least ``changes`` times in all, and time each change
in the page itself: from the event that makes it (the key press, the choice, the click, the Enter that
submits a typed number) to the first animation frame *after* the new figure is in the
page, decoded and shown (``img.complete``), with the readout equal to what the same explorer, built
in-process by the notebook's own factory call, says after the same change. An explorer without a figure
is timed to its readout (and its detail panel, when it has one). "Blank frames" counts animation frames
in which the explorer showed no finished figure (a flash).

Each explorer is scrolled into view and looked at for ``LOOK_MS`` before it is used, as a student reads
it first (an explorer prepares the states one click away once a page shows it).

The drag test moves an explorer's first slider 20 steps in 1 s (key presses on the handle dispatched by
the page's own timers, 50 ms apart), ``DRAG_REPEATS`` times, right and left in turn, and records every new
figure: when it reached the page (its element inserted) and when it was shown. Per drag: the final figure's
delay after the last step, and the stale figures, those that reached the page after the last step for an
earlier state (a backlog). A figure already in the page at the last step and shown a few milliseconds
after it is counted apart ("shown after"): no kernel could have drawn the last state into it. Reported:
the median and worst final delay over the drags, and the most stale figures in any one.

``python benchmarks/browser.py [--notebooks DIR] [--json FILE]``: the kernel imports whichever ``mgedu``
comes first on its path, so ``make bench`` times an older commit by running this script with
``PYTHONPATH`` set to a copy of that commit (see ``benchmarks/run.py --baseline``).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from browser_harness import Chromium, LabServer, LabTabs, chromium_missing_reason, menu  # noqa: E402

CHANGES = 24
DRAG_STEPS = 20
DRAG_INTERVAL_MS = 50
#: Drags per explorer (right, left, right, ...): one drag is one sample of a noisy time.
DRAG_REPEATS = 5
SETTLE_MS = 1500
#: How long the benchmark looks at an explorer, once scrolled into view, before using it (as a student
#: reads its controls and sentence first). An explorer prepares the states one click away in that time.
LOOK_MS = 2000

BENCH_JS = r"""
() => {
  const norm = s => (s || '').split(/\s+/).join(' ').trim();
  const explorer = i => document.querySelectorAll('.jp-NotebookPanel .mgedu-explorer')[i];
  // The figure is the one <img> inside the explorer (an Output widget's image, or an HTML widget's).
  const figure = el => el.querySelector('img');
  // textContent, not innerText: the readout is plain escaped text, and innerText would make the page lay
  // itself out on every frame the benchmark looks (a fifth of the page's work while a slider is dragged).
  const readout = el => norm((el.querySelector('.mgedu-readout .widget-html-content')
                              || el.querySelector('.mgedu-readout') || {}).textContent);
  const detail = el => (el.querySelector('.mgedu-detail') || {}).innerHTML || '';
  const shown = img => !!img && img.isConnected && img.complete && img.naturalWidth > 0;
  // What the figure area shows: the image element, or the notice that replaces it while inputs are
  // invalid. Every new figure is a new element (an explorer's HTML widget, or an older explorer's
  // Output widget, puts a new <img> in the page), so a figure with the same pixels and new alt text counts.
  const stale = el => el.querySelector('.mgedu-figure-stale');
  const picture = el => { const img = figure(el); return shown(img) ? img : (stale(el) || null); };
  const bench = window.__mgeduBench = {};
  bench.arm = (index, expected, waitFigure, waitDetail) => {
    const el = explorer(index);
    const before = {picture: picture(el), detail: detail(el)};
    const state = {input: null, blank: 0};
    const onInput = () => { if (state.input === null) state.input = performance.now(); };
    // The change starts with the key press, choice or click that makes it. Not with 'input': a number typed
    // in a box is sent by its Enter, and the time until then is the typist's (here, Playwright's).
    const types = ['keydown', 'change', 'click'];
    types.forEach(t => document.addEventListener(t, onInput, true));
    bench.pending = new Promise((resolve, reject) => {
      const deadline = performance.now() + 15000;
      const tick = () => {
        const now = performance.now();
        if (now > deadline) {
          types.forEach(t => document.removeEventListener(t, onInput, true));
          reject(new Error(`no update within 15 s; readout ${JSON.stringify(readout(el))}`));
          return;
        }
        const now_picture = picture(el);
        if (state.input !== null && waitFigure && now_picture === null) state.blank += 1;
        const figureDone = !waitFigure || (now_picture !== null && now_picture !== before.picture);
        const detailDone = !waitDetail || detail(el) !== before.detail;
        if (state.input !== null && readout(el) === expected && figureDone && detailDone) {
          // The new content is in the page: it is painted in this frame; time the next frame's start.
          requestAnimationFrame(() => {
            types.forEach(t => document.removeEventListener(t, onInput, true));
            resolve({ms: performance.now() - state.input, blank: state.blank});
          });
          return;
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    return true;
  };
  bench.drag = (index, steps, interval, settle, key) => {
    const el = explorer(index);
    const handle = el.querySelector('.noUi-handle');
    handle.focus();
    const frames = [];  // [time shown, readout, time the figure reached the page] of every new figure shown
    const arrived = new WeakMap();  // figure element -> when it was inserted into the page
    const watch = new MutationObserver(() => {
      const img = figure(el);
      if (img && !arrived.has(img)) arrived.set(img, performance.now());
    });
    watch.observe(el, {childList: true, subtree: true});
    let lastImg = figure(el);
    let lastStep = null, lastChange = performance.now();
    const start = performance.now();
    for (let i = 0; i < steps; i++) {
      setTimeout(() => {
        handle.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true, cancelable: true}));
        lastStep = performance.now();
      }, i * interval);
    }
    return new Promise(resolve => {
      const tick = () => {
        const now = performance.now();
        const img = figure(el);
        if (shown(img) && img !== lastImg) {
          lastImg = img; lastChange = now; frames.push([now, readout(el), arrived.get(img) ?? now]);
        }
        const doneStepping = lastStep !== null && now - start > (steps - 1) * interval;
        if (doneStepping && now - Math.max(lastChange, lastStep) > settle) {
          watch.disconnect();
          resolve({lastStep, frames, readout: readout(el), firstStep: start});
          return;
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  };
  return true;
}
"""


def normalise(text: str) -> str:
    return " ".join(text.split())


def expected_readout(explorer: Any) -> str:
    return normalise(html.unescape(explorer.readout.value))


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))])


def run_all(page: Any) -> None:
    """Run All from the Run menu and wait until every cell has run and the kernel is idle."""
    sys.path.insert(0, str(REPO / "tests" / "browser"))
    from test_lab_notebooks import RUN_FINISHED_JS

    menu(page, "Run", "Run All Cells")
    page.wait_for_function(RUN_FINISHED_JS, timeout=180_000, polling=200)


def control_plan(explorer: Any, changes: int) -> list[str]:
    """Which control to change each time: round robin over the controls, ``changes`` changes in all."""
    names = list(explorer.controls)
    return [names[i % len(names)] for i in range(max(changes, len(names)))]


def time_changes(page: Any, index: int, element: Any, twin: Any, changes: int, has_figure: bool) -> dict[str, Any]:
    """Change controls one at a time; return the per-change times (ms) and blank-frame counts."""
    from test_lab_notebooks import change_control

    rows = element.locator(":scope > .widget-box").first.locator(":scope > .jupyter-widgets")
    controls = list(twin.controls.values())
    names = list(twin.controls)
    times, blanks, log = [], [], []
    has_detail = bool(getattr(twin, "detail", None) is not None and twin.detail.value)
    failures = readout_only = 0
    gate = TwinFigureGate(twin)
    for name in control_plan(twin, changes * 2):
        if len(times) >= changes:
            break
        k = names.index(name)
        # Arm the page with the readout the twin will show after the same change, then change both.
        expected, detail_changes, figure_changes = _expected_after(twin, k, gate)
        timed = expected != expected_readout(twin)  # a change that alters nothing here is made, not timed
        if timed:
            readout_only += has_figure and not figure_changes
            page.evaluate(
                "([i, e, f, d]) => window.__mgeduBench.arm(i, e, f, d)",
                [index, expected, has_figure and figure_changes, has_detail and detail_changes],
            )
        with contextlib.redirect_stdout(io.StringIO()):
            change = change_control(controls[k], rows.nth(k))
        if not timed:
            page.wait_for_timeout(300)
            continue
        try:
            result = page.evaluate("() => window.__mgeduBench.pending")
        except Exception as exc:  # noqa: BLE001 - a lost update is counted, then the page is resynchronised
            failures += 1
            log.append(f"{change}: no update ({str(exc).splitlines()[0][:120]})")
            page.wait_for_timeout(3000)
            continue
        times.append(result["ms"])
        blanks.append(result["blank"])
        log.append(f"{change}: {result['ms']:.0f} ms")
        page.wait_for_timeout(150)  # let the kernel go idle before the next change
    if not times:
        raise RuntimeError(f"no change could be timed ({failures} without an update)")
    return {
        "median_ms": median(times),
        "p95_ms": p95(times),
        "n": len(times),
        "max_ms": max(times),
        "lost_updates": failures,
        "timed_to_readout_only": readout_only,
        "blank_frames": sum(blanks),
        "times_ms": [round(t, 1) for t in times],
        "log": log,
    }


class TwinFigureGate:
    """Keeps the in-process twin from drawing its figure while the page is being timed.

    ``change_control`` changes the page and the twin together. Drawing the twin's figure then would
    compete for the CPU with the kernel drawing the page's figure (the machine has few cores) and
    slow the very thing being timed, so while the gate is closed the twin's ``LiveFigure.render``
    returns its last picture without drawing. :func:`_expected_after` opens it to compute the true
    figure before and after a change.
    """

    def __init__(self, twin: Any) -> None:
        self.live = getattr(twin, "live", None)
        self.open = False  # closed from the start: the page is timed between openings
        self.last: bytes | None = None
        if self.live is not None:
            render = self.live.render

            def gated(**values: Any) -> bytes:
                if self.open or self.last is None:
                    self.last = render(**values)
                return self.last

            self.live.render = gated

    @contextlib.contextmanager
    def opened(self) -> Any:
        self.open = True
        try:
            yield
        finally:
            self.open = False


def _expected_after(twin: Any, k: int, gate: TwinFigureGate | None = None) -> tuple[str, bool, bool]:
    """The readout the twin shows after the change ``change_control`` will make to control ``k``, whether
    its detail panel and its figure change, computed on the twin itself and then undone (so the real
    change can be applied next). A figure can stay as it was: invalid inputs before and after (the same
    notice), or a change too small to move a pixel; such a change is timed to its readout."""
    from test_lab_notebooks import change_control

    control = list(twin.controls.values())[k]

    class _NoElement:
        """Absorbs the DOM calls of change_control (only the twin is changed)."""

        def __getattr__(self, name: str) -> Any:
            return self

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return self

        def nth(self, *args: Any) -> Any:
            return self

    values = {name: c.value for name, c in twin.controls.items()}
    with contextlib.redirect_stdout(io.StringIO()), gate.opened() if gate else contextlib.nullcontext():
        if gate is not None and gate.live is not None:
            twin.refresh()  # the figure drawn while the gate was closed is stale: draw it for real
            twin.flush()
        detail_before = twin.detail.value
        figure_before = getattr(getattr(twin, "figure", None), "value", None)
        expected_readout_before = expected_readout(twin)
        change_control(control, _NoElement())
        if getattr(twin, "flush", None) is not None:
            twin.flush()  # a figure explorer shows its readout with its figure
        expected = expected_readout(twin)
        detail_changes = twin.detail.value != detail_before
        figure = getattr(twin, "figure", None)
        if figure is not None:  # the picture itself (the alt text can change with the same pixels)
            figure_changes = _picture(figure.value) != _picture(figure_before)
        else:  # an older explorer (an Output widget the twin cannot see into) shows a new figure every time
            figure_changes = expected != expected_readout_before
        for name, c in twin.controls.items():  # undo, in the factory's order
            if c.value != values[name]:
                c.value = values[name]
        if getattr(twin, "flush", None) is not None:
            twin.flush()
    return expected, detail_changes, figure_changes


def _picture(figure_value: str | None) -> str | None:
    """What the page compares to tell a new figure: the image data (or the whole notice without one)."""
    if figure_value is None:
        return None
    found = re.search(r'src="([^"]*)"', figure_value)
    return found.group(1) if found else figure_value


def drag(page: Any, index: int, twin: Any) -> dict[str, Any] | None:
    """``DRAG_REPEATS`` drags of the explorer's first slider, right and left in turn; None when it has no
    slider. Returns the median and worst final delay, the most stale figures in one drag, and each drag."""
    import ipywidgets as w

    sliders = [c for c in twin.controls.values() if isinstance(c, (w.IntSlider, w.FloatSlider))]
    if not sliders:
        return None
    slider = sliders[0]
    drags = [one_drag(page, index, twin, slider, +1 if k % 2 == 0 else -1) for k in range(DRAG_REPEATS)]
    finals = [d["final_ms"] for d in drags]
    timed = [f for f in finals if f is not None]
    return {
        "final_ms": median(timed) if len(timed) == len(finals) else None,
        "final_max_ms": max(timed) if len(timed) == len(finals) else None,
        "final_correct": all(d["final_correct"] for d in drags),
        "stale_after_last_step": max(d["stale_after_last_step"] for d in drags),
        "stale_shown_max": max(d["stale_shown"] for d in drags),
        "figures_shown": median([d["figures_shown"] for d in drags]),
        "repeats": len(drags),
        "drags": drags,
        "slider": slider.description,
    }


def one_drag(page: Any, index: int, twin: Any, slider: Any, direction: int) -> dict[str, Any]:
    """One drag of ``slider``, ``DRAG_STEPS`` key presses in ``direction`` (+1 right, -1 left)."""
    import ipywidgets as w

    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(DRAG_STEPS):  # the same steps in the twin: it says what the page must end on
            new = slider.value + direction * slider.step
            if not slider.min <= new <= slider.max:
                break
            slider.value = int(new) if isinstance(slider, w.IntSlider) else round(new, 6)
    if getattr(twin, "flush", None) is not None:
        twin.flush()
    expected = expected_readout(twin)
    key = "ArrowRight" if direction > 0 else "ArrowLeft"
    result = page.evaluate(
        "([i, n, dt, s, k]) => window.__mgeduBench.drag(i, n, dt, s, k)",
        [index, DRAG_STEPS, DRAG_INTERVAL_MS, SETTLE_MS, key],
    )
    frames = result["frames"]
    last = result["lastStep"]
    if os.environ.get("MGEDU_BENCH_DEBUG"):
        print(
            "drag expected:",
            expected,
            "\nframes (shown, arrived, readout):",
            [(round(t - last), round(arrived - last), text[:60]) for t, text, arrived in frames],
            flush=True,
        )
    final = [t for t, text, _ in frames if text == expected]
    return {
        "final_ms": (final[-1] - last) if final else None,
        "final_correct": result["readout"] == expected,
        "figures_shown": len(frames),
        # Figures that reached the page after the last step, the final one aside: a backlog.
        "stale_after_last_step": max(0, sum(1 for _, _, arrived in frames if arrived > last) - 1),
        # Figures shown after the last step, the final one aside, counting those already in the page.
        "stale_shown": max(0, sum(1 for t, _, _ in frames if t > last) - 1),
        "direction": key,
    }


def widget_cells(path: Path) -> int:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum(
        1 for c in cells if c["cell_type"] == "code" and "nbval-ignore-output" in c.get("metadata", {}).get("tags", [])
    )


def add_gated_explorers(folder: Path) -> list[Path]:
    """Write a notebook for each explorer that a notebook opens only after the learner's judgements
    (``practice.after_judging(make_x, ...)``), built with the same arguments, so it is timed too.

    Run All never opens such an explorer (it would show the answers), so the notebook itself cannot
    be used. Returns the notebooks written (named ``bench-<notebook>.ipynb``).
    """
    import nbformat

    written = []
    for path in sorted(folder.glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        calls = [
            found
            for cell in nb.cells
            if cell.cell_type == "code"
            for found in re.finditer(r"after_judging\((make_\w+),\s*(.*)\)\s*$", cell.source, re.MULTILINE)
        ]
        if not calls:
            continue
        lines = [line for cell in nb.cells for line in cell.source.splitlines()]
        imports = [line for line in lines if line.startswith("from mgedu.widgets")]
        cells = [nbformat.v4.new_code_cell("\n".join(imports))]
        for call in calls:
            cell = nbformat.v4.new_code_cell(f"{call.group(1)}({call.group(2)})")
            cell.metadata["tags"] = ["nbval-ignore-output"]
            cells.append(cell)
        bench = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
        target = folder / f"bench-{path.name}"
        nbformat.write(bench, target)
        written.append(target)
    return written


#: The smallest explorer: a slider whose value the readout repeats (nothing computed, no figure).
ROUND_TRIP_CELL = """import ipywidgets as widgets
from mgedu.widgets import make_explorer

make_explorer(
    "round-trip",
    {"x": widgets.IntSlider(value=50, min=0, max=100, description="x", continuous_update=False)},
    lambda x: f"The slider is at {x}.",
)"""


def add_round_trip_notebook(folder: Path) -> Path:
    """Write ``bench-round-trip.ipynb``: the smallest explorer, timed like the others. Its time is the round
    trip every explorer pays (page, Jupyter server, kernel and back), whatever it computes or draws."""
    import nbformat

    first = nbformat.read(sorted(folder.glob("[0-9]*.ipynb"))[0], as_version=4)
    cell = nbformat.v4.new_code_cell(ROUND_TRIP_CELL)
    cell.metadata["tags"] = ["nbval-ignore-output"]
    target = folder / "bench-round-trip.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata=first.metadata), target)
    return target


def bench_browser(notebooks: Path, changes: int = CHANGES) -> dict[str, Any]:
    """Time every explorer of every notebook in ``notebooks``; return {explorer name: figures}."""
    reason = chromium_missing_reason()
    if reason:
        return {"browser_skipped": reason}
    from notebook_explorers import explorer_name, notebook_explorers

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # JupyterLab's own windowing default (as a student has it), not the tests' "render every cell".
        server = LabServer(notebooks, work / "lab", work / "logs" / "jupyterlab.log", windowing_mode=None)
        browser = Chromium(work / "chromium", work / "logs" / "chromium.log")
        try:
            add_gated_explorers(server.root / "notebooks")
            add_round_trip_notebook(server.root / "notebooks")
            server.start()
            browser.start()
            context = browser.browser.new_context(viewport={"width": 1366, "height": 900})
            tabs = LabTabs(context.new_page(), server)
            for path in sorted((server.root / "notebooks").glob("*.ipynb")):
                count = widget_cells(path)
                if not count:
                    continue
                twins = notebook_explorers(path, count)
                page = tabs.open(path.name)
                run_all(page)
                page.evaluate(BENCH_JS)
                elements = page.locator(".jp-NotebookPanel .mgedu-explorer")
                for i in range(elements.count()):
                    twin = twins[i]
                    name = explorer_name(twin)
                    element = elements.nth(i)
                    element.scroll_into_view_if_needed()
                    page.wait_for_timeout(LOOK_MS)
                    has_figure = element.locator("img").count() > 0
                    # The drag first, from the state the notebook leaves (where the slider matters).
                    dragged = drag(page, i, twin) if has_figure else None
                    try:
                        entry = time_changes(page, i, element, twin, changes, has_figure)
                    except Exception as exc:  # noqa: BLE001 - report the failure, time the other explorers
                        results[name] = {"error": str(exc).splitlines()[0], "drag": dragged}
                        print(f"[browser] {name}: FAILED {results[name]['error']}", flush=True)
                        continue
                    entry["timed_to"] = "figure painted" if has_figure else "readout shown"
                    if dragged is not None:
                        entry["drag"] = dragged
                    results[name] = entry
                    print(
                        f"[browser] {name}: median {entry['median_ms']:.0f} ms, p95 {entry['p95_ms']:.0f} ms"
                        + (
                            f"; drag final {dragged['final_ms']} ms (worst {dragged['final_max_ms']}), "
                            f"stale {dragged['stale_after_last_step']} (shown {dragged['stale_shown_max']})"
                            if dragged
                            else ""
                        ),
                        flush=True,
                    )
                tabs.close(passed=True)
        finally:
            browser.stop()
            server.stop()
    return {"browser": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks")
    parser.add_argument("--changes", type=int, default=CHANGES)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    results = bench_browser(args.notebooks, args.changes)
    text = json.dumps(results, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
