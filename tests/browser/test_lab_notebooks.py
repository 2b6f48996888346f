"""Every notebook, in a real JupyterLab in a real browser: runs clean, and every explorer responds.

For each notebook (opened in sequence on one server): wait for "| Idle", clear outputs, Run All from
the Run menu, wait until every code cell has an execution count and the kernel is idle, save a
screenshot of the whole notebook, and fail on any error output or uncaught JavaScript error. Then, for
every explorer on the page, change each control in the DOM the way a student would (arrow key on a
slider handle, a new option in a dropdown, a click on a button or checkbox) and check that the readout
the kernel sends back equals the readout of the same explorer built in-process (by the notebook's own
factory call) after the same change.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from axe import axe_missing_reason, describe, run_axe, serious
from browser_harness import NOTEBOOKS_DIR, LabTabs, menu
from notebook_explorers import explorer_name, notebook_explorers

pytestmark = pytest.mark.browser

# Notebooks with code to run (the glossary is text only: nothing to run or to break).
NOTEBOOKS = [p for p in sorted(NOTEBOOKS_DIR.glob("*.ipynb")) if '"cell_type": "code"' in p.read_text(encoding="utf-8")]
RUN_TIMEOUT_MS = 120_000
KNOWN_LAB_VIOLATIONS = json.loads((Path(__file__).with_name("jupyterlab_axe_known.json")).read_text())["known"]
READOUT_TIMEOUT_MS = 15_000
MAX_SCREENSHOT_HEIGHT = 16_000

# Finished: kernel idle, no cell queued or running ([*]), and at least one cell ran. (After an error,
# JupyterLab drops the rest of the queue, so "every cell has a count" alone would never come.)
RUN_FINISHED_JS = """() => {
  const status = document.querySelector('#jp-main-statusbar')?.innerText || '';
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
    .map(p => (p.innerText || '').trim());
  return status.includes('| Idle') && !prompts.includes('[*]:') && prompts.some(p => /^\\[\\d+\\]:$/.test(p));
}"""
# Code cells (1-based) with source that show no execution count.
NOT_EXECUTED_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell')]
  .map((cell, i) => [i + 1, (cell.querySelector('.cm-content')?.innerText || '').trim(),
                     (cell.querySelector('.jp-InputPrompt')?.innerText || '').trim()])
  .filter(([i, source, prompt]) => source !== '' && !/^\\[\\d+\\]:$/.test(prompt))
  .map(([i]) => i)"""
# Error outputs render as stderr with a traceback; widget views that failed render an error box.
ERRORS_JS = """() => {
  const found = [];
  document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').forEach((cell, i) => {
    cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .forEach(out => {
        const text = out.textContent || '';  // also inside collapsed (hidden) output areas
        if (/Traceback|Error\\b/.test(text)) found.push(`code cell ${i + 1}: ${text.slice(0, 1500)}`);
      });
    cell.querySelectorAll('.jupyter-widgets').forEach(w => {
      if (/Error displaying widget|Failed to load model/.test(w.innerText || ''))
        found.push(`code cell ${i + 1}: widget failed to render: ${w.innerText.slice(0, 300)}`);
    });
  });
  return found;
}"""
# Visible control labels whose text does not fit (ipywidgets cuts them with an ellipsis).
CUT_LABELS_JS = """el => [...el.querySelectorAll('.widget-label')]
  .filter(label => label.offsetParent !== null && label.scrollWidth > label.clientWidth + 1)
  .map(label => label.innerText)"""
READOUT_JS = "el => (el.querySelector('.widget-html-content') || el).innerText.split(/\\s+/).join(' ').trim()"
READOUT_EQUALS_JS = """([el, expected]) =>
  (el.querySelector('.widget-html-content') || el).innerText.split(/\\s+/).join(' ').trim() === expected"""


def normalise(text: str) -> str:
    """Collapse whitespace (the browser's innerText and Python's string may wrap differently)."""
    return " ".join(text.split())


def expected_readout(explorer: Any) -> str:
    """What the page should show for the in-process explorer: its HTML readout, unescaped."""
    return normalise(html.unescape(explorer.readout.value))


def decimals(step: float) -> int:
    """Decimal places of a slider step (0.01 -> 2), for rounding the way noUiSlider does."""
    text = repr(float(step))
    return 0 if "e" in text else max(0, len(text.split(".")[1].rstrip("0")))


def change_control(control: Any, element: Any) -> str:
    """Change ``element`` (the control's DOM node) like a user, apply the same change to ``control``
    (its in-process twin) and return a short description of the change."""
    kind = type(control).__name__
    if kind in ("IntSlider", "FloatSlider", "FloatLogSlider"):
        handle = element.locator(".noUi-handle").first
        top = control.base**control.max if kind == "FloatLogSlider" else control.max
        up = control.value < top
        handle.focus()
        handle.press("ArrowRight" if up else "ArrowLeft")
        step = control.step if up else -control.step
        if kind == "FloatLogSlider":
            control.value = control.base ** round(math.log(control.value, control.base) + step, 10)
        else:
            new = control.value + step
            control.value = int(new) if kind == "IntSlider" else round(new, decimals(control.step))
        return f"{kind} '{control.description}' -> {control.value}"
    if kind in ("SelectionSlider",):
        handle = element.locator(".noUi-handle").first
        up = control.index < len(control.options) - 1
        handle.focus()
        handle.press("ArrowRight" if up else "ArrowLeft")
        control.index = control.index + (1 if up else -1)
        return f"{kind} '{control.description}' -> {control.value!r}"
    if kind in ("Dropdown", "Select"):
        index = (control.index + 1) % len(control.options) if control.index is not None else 0
        element.locator("select").select_option(index=index)
        control.index = index
        return f"{kind} '{control.description}' -> {control.value!r}"
    if kind in ("RadioButtons", "ToggleButtons"):
        index = (control.index + 1) % len(control.options) if control.index is not None else 0
        target = "input[type=radio]" if kind == "RadioButtons" else "button"
        element.locator(target).nth(index).click()
        control.index = index
        return f"{kind} '{control.description}' -> {control.value!r}"
    if kind in ("Checkbox", "ToggleButton"):
        element.locator("input[type=checkbox]" if kind == "Checkbox" else "button").first.click()
        control.value = not control.value
        return f"{kind} '{control.description}' -> {control.value}"
    if kind in ("IntText", "BoundedIntText", "FloatText", "BoundedFloatText"):
        step = control.step if getattr(control, "step", None) else 1
        new = control.value + step
        if getattr(control, "max", None) is not None and new > control.max:
            new = control.value - step
        new = int(new) if "Int" in kind else round(new, decimals(step))
        box = element.locator("input").first
        box.fill(str(new))
        box.press("Enter")
        control.value = new
        return f"{kind} '{control.description}' -> {control.value}"
    raise NotImplementedError(f"the browser test cannot drive a {kind} yet: add it to change_control()")


def full_notebook_screenshot(page: Any, path: Path) -> None:
    """Grow the viewport to the notebook's height (JupyterLab scrolls inside its own panel), scroll
    the notebook to its top, then save one screenshot of the whole notebook."""
    scroller = ".jp-NotebookPanel .jp-WindowedPanel-outer"
    height = page.evaluate(f"() => document.querySelector('{scroller}')?.scrollHeight || 1000")
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 200, MAX_SCREENSHOT_HEIGHT)})
    page.wait_for_timeout(300)
    page.evaluate(f"() => {{ const el = document.querySelector('{scroller}'); if (el) el.scrollTop = 0; }}")
    page.wait_for_timeout(200)
    page.screenshot(path=str(path))


def run_all(page: Any) -> float:
    """Clear the stored outputs, Run All from the Run menu, wait until done; return the seconds."""
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel .jp-OutputArea-output')")
    started = time.monotonic()
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(RUN_FINISHED_JS, timeout=RUN_TIMEOUT_MS, polling=200)
    return time.monotonic() - started


def widget_cell_count(notebook: Path) -> int:
    """Code cells tagged ``nbval-ignore-output`` (the workbook tags exactly its widget cells)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(
        1 for c in cells if c["cell_type"] == "code" and "nbval-ignore-output" in c.get("metadata", {}).get("tags", [])
    )


def check_explorers(page: Any, notebook: Path, twins: list[Any]) -> list[str]:
    """Drive every control of every explorer on the page; return a log of what was checked.
    ``twins`` are explorers built in-process from the same notebook (more are built when needed)."""
    dom_explorers = page.locator(".jp-NotebookPanel .mgedu-explorer")
    count = dom_explorers.count()
    if count == 0:
        return []
    if len(twins) < count:
        twins = notebook_explorers(notebook, count)
    assert len(twins) >= count, (
        f"{notebook.name}: the page shows {count} explorers but running the notebook in-process built {len(twins)}"
    )
    log = []
    for i in range(count):
        element = dom_explorers.nth(i)
        twin = twins[i]
        name = explorer_name(twin)
        classes = element.get_attribute("class") or ""
        assert f"mgedu-{name}" in classes.split(), (
            f"{notebook.name}: explorer {i + 1} on the page is not '{name}' (classes: {classes})"
        )
        readout = element.locator(".mgedu-readout").first
        shown = readout.evaluate(READOUT_JS)
        assert shown == expected_readout(twin), (
            f"{notebook.name}: explorer '{name}' starts with another readout on the page than in-process:\n"
            f"  page:       {shown!r}\n  in-process: {expected_readout(twin)!r}"
        )
        cut = element.evaluate(CUT_LABELS_JS)
        assert not cut, (
            f"{notebook.name}: explorer '{name}': control labels cut off on screen: {cut} "
            "(shorter description, or style={'description_width': 'initial'})"
        )
        sliders = [c.description for c in twin.controls.values() if "Slider" in type(c).__name__]
        page.wait_for_function(
            f"el => el.querySelectorAll('.noUi-handle[aria-labelledby]').length === {len(sliders)}"
            " && el.querySelector('.mgedu-readout[role=status]')",
            arg=element.element_handle(),
            timeout=10_000,
        )
        names = element.evaluate(NAMES_JS)
        assert names["handles"] == sliders, (
            f"{notebook.name}: explorer '{name}': slider handles named {names['handles']}, labels {sliders}"
        )
        assert names["readout"] == ["status", "polite"], f"{notebook.name}: '{name}' readout is not a live region"
        rows = element.locator(":scope > .widget-box").first.locator(":scope > .jupyter-widgets")
        controls = list(twin.controls.values())
        assert rows.count() == len(controls), (
            f"{notebook.name}: explorer '{name}' shows {rows.count()} controls; factory: {len(controls)}"
        )
        responded = False
        for k, control in enumerate(controls):
            before = expected_readout(twin)
            with contextlib.redirect_stdout(io.StringIO()):  # the twin's figure area prints outside IPython
                change = change_control(control, rows.nth(k))
                twin.flush()  # Playwright's event loop runs here: the twin's update waits for it like the kernel's
            expected = expected_readout(twin)
            responded = responded or expected != before
            try:
                page.wait_for_function(
                    READOUT_EQUALS_JS, arg=[readout.element_handle(), expected], timeout=READOUT_TIMEOUT_MS, polling=100
                )
            except Exception as exc:  # Playwright's TimeoutError: report both texts
                raise AssertionError(
                    f"{notebook.name}: explorer '{name}', after {change}:\n"
                    f"  page readout:      {readout.evaluate(READOUT_JS)!r}\n"
                    f"  pure function says: {expected!r}"
                ) from exc
            log.append(f"{name}: {change}: {expected}")
        assert responded, f"{notebook.name}: explorer '{name}': no control change altered the readout"
    return log


# Controls, readouts and figures of every explorer in the page that do not fit: sticking out of their
# notebook panel's visible width, or cut inside the explorer (content wider than its box).
CUT_OFF_JS = """() => {
  const problems = [];
  document.querySelectorAll('.jp-NotebookPanel').forEach((panel, p) => {
    const view = panel.querySelector('.jp-WindowedPanel-outer') || panel;
    const right = view.getBoundingClientRect().right;
    panel.querySelectorAll('.mgedu-explorer').forEach((ex, i) => {
      const parts = [...ex.querySelectorAll(
        ':scope > .widget-box > .jupyter-widgets, .mgedu-readout, .mgedu-figure img')];
      parts.forEach(el => {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > right + 1)
          problems.push(`view ${p + 1}, explorer ${i + 1}: ${el.className || el.tagName} ends at ` +
                        `${Math.round(box.right)} px, panel at ${Math.round(right)} px`);
        if (el.scrollWidth > el.clientWidth + 2 && getComputedStyle(el).overflowX !== 'auto')
          problems.push(`view ${p + 1}, explorer ${i + 1}: ${el.className || el.tagName} content cut ` +
                        `(${el.scrollWidth} > ${el.clientWidth} px)`);
      });
      if (ex.scrollWidth > ex.clientWidth + 2)
        problems.push(`view ${p + 1}, explorer ${i + 1}: wider than its cell ` +
                      `(${ex.scrollWidth} > ${ex.clientWidth} px)`);
    });
  });
  return problems;
}"""
# Every slider handle named by its visible label; every readout a polite live region.
NAMES_JS = """el => ({
  handles: [...el.querySelectorAll('.noUi-handle')].map(h =>
    (document.getElementById(h.getAttribute('aria-labelledby') || '') || {}).textContent || ''),
  readout: [el.querySelector('.mgedu-readout')?.getAttribute('role'),
            el.querySelector('.mgedu-readout')?.getAttribute('aria-live')],
})"""


def check_layout(page: Any, notebook: Path) -> None:
    """At laptop size (1366 x 900) and in a side-by-side view of the same notebook, no explorer's
    control, readout or figure is cut off."""
    if not page.locator(".jp-NotebookPanel .mgedu-explorer").count():
        return
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_timeout(400)
    problems = page.evaluate(CUT_OFF_JS)
    assert not problems, f"{notebook.name} at 1366 x 900:\n" + "\n".join(problems)
    menu(page, "File", "New View for Notebook")  # opens the second view split to the right
    page.wait_for_function("() => document.querySelectorAll('.jp-NotebookPanel').length === 2")
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-NotebookPanel')[1].querySelectorAll('.mgedu-explorer').length > 0",
        timeout=30_000,
    )
    page.wait_for_timeout(800)
    problems = page.evaluate(CUT_OFF_JS)
    if problems:
        page.screenshot(path=str(NOTEBOOKS_DIR.parent / "artifacts" / "screenshots" / f"{notebook.stem}-split.png"))
    assert not problems, f"{notebook.name} side by side (two views of the notebook):\n" + "\n".join(problems)
    menu(page, "File", "Close Tab")  # the second view
    page.wait_for_function("() => document.querySelectorAll('.jp-NotebookPanel').length === 1")


def new_accessibility_violations(page: Any) -> list[dict[str, str]]:
    """Serious or critical axe violations on the page not in the documented list of JupyterLab's own."""
    import re

    rows = serious(run_axe(page))
    return [
        r
        for r in rows
        if not any(r["rule"] == k["rule"] and re.search(k["html"], r["html"]) for k in KNOWN_LAB_VIOLATIONS)
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(notebook: Path, lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    # The in-process twins are built from the server's copy (the file the page runs), in the
    # background while the browser works.
    copy = lab_tabs.server.root / "notebooks" / notebook.name
    failure_shot = screenshot_dir / f"{notebook.stem}-widget-failure.png"
    failure_shot.unlink(missing_ok=True)  # from an earlier run
    background = ThreadPoolExecutor(max_workers=1)
    twins = background.submit(notebook_explorers, copy, widget_cell_count(copy))
    passed = False
    try:
        started = time.monotonic()
        page = lab_tabs.open(notebook.name)
        opened = time.monotonic()
        # Merely opening must not mark the notebook modified (the kernel's language_info and the
        # collapsed flags are stored as JupyterLab writes them: tools.refresh.normalise_metadata).
        page.wait_for_timeout(500)
        assert not page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count(), (
            f"{notebook.name} shows as modified right after opening: run "
            f"`python -m tools.refresh --metadata-only notebooks/{notebook.name}`"
        )
        seconds = run_all(page)
        full_notebook_screenshot(page, screenshot_dir / f"{notebook.stem}.png")
        errors = page.evaluate(ERRORS_JS)
        assert not errors, f"{notebook.name}: error output after Run All:\n" + "\n".join(errors)
        not_run = page.evaluate(NOT_EXECUTED_JS)
        assert not not_run, f"{notebook.name}: Run All left code cells {not_run} (1-based) without a count"
        widget_cells = widget_cell_count(copy)
        shown = page.locator(".jp-NotebookPanel .mgedu-explorer").count()
        assert shown >= widget_cells, (
            f"{notebook.name}: {widget_cells} widget cells (tagged nbval-ignore-output) but only {shown} "
            "explorers rendered in JupyterLab"
        )
        try:
            log = check_explorers(page, copy, twins.result(timeout=RUN_TIMEOUT_MS / 1000))
        except AssertionError:
            page.screenshot(path=str(failure_shot))
            raise
        assert page.get_by_text("official Jupyter news").count() == 0, "the news pop-up is showing"
        check_layout(page, copy)
        if axe_missing_reason() is None:
            new = new_accessibility_violations(page)
            assert not new, (
                f"{notebook.name}: serious or critical axe violations beyond JupyterLab's own "
                f"(tests/browser/jupyterlab_axe_known.json):\n{describe(new)}"
            )
        assert not lab_tabs.errors, f"{notebook.name}: uncaught JavaScript errors: {lab_tabs.errors}"
        passed = True
    finally:
        background.shutdown(wait=True)
        lab_tabs.close(passed)
    print(
        f"{notebook.name}: opened in {opened - started:.1f} s, Run All {seconds:.1f} s, "
        f"all checks {time.monotonic() - started:.1f} s; {len(log)} control changes checked"
    )
    for line in log:
        print("  " + line)


def test_binder_settings_reach_jupyterlab(lab_server: Any) -> None:
    """binder/overrides.json, installed where postBuild puts it, is what JupyterLab serves."""
    plugin = "@jupyterlab/apputils-extension:notification"
    assert lab_server.setting_default(plugin, "fetchNews") == "false"
    assert lab_server.setting_default(plugin, "checkForUpdates") is False
