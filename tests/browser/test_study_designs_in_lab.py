"""Notebook 03 as a student meets it in JupyterLab: Run All shows no result that answers a prediction,
then the student predicts (each result appears only after its prediction), answers an exercise wrong then
right, carries out the trial simulator's mission by dragging its sliders, reports it, tallies the
predictions and judges S004's serum observation. Screenshots go to artifacts/screenshots/practice-03-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_harness import LabTabs
from test_lab_notebooks import full_notebook_screenshot, run_all
from test_practice_in_lab import closed_solutions, code_cell, output_of, replace_and_run, rerun

from mgedu.designs import describe_trial_simulation, parameter

pytestmark = pytest.mark.browser

NOTEBOOK = "03-study-designs.ipynb"
READOUT_TIMEOUT_MS = 30_000


def images_in(cell: Any) -> int:
    return cell.locator(".jp-OutputArea img").count()


def drag_slider(page: Any, explorer: Any, description: str, fraction: float) -> None:
    """Drag the handle of the slider labelled ``description`` to ``fraction`` of its track, as a hand would."""
    row = explorer.locator(".jupyter-widgets", has=page.locator(".widget-label", has_text=description)).last
    handle = row.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    track = row.locator(".noUi-base").first.bounding_box()
    start = handle.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], start["y"] + start["height"] / 2, steps=12)
    page.mouse.up()


def test_predict_then_simulate_as_a_student(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    passed = False
    try:
        page = lab_tabs.open(NOTEBOOK)
        run_all(page)
        full_notebook_screenshot(page, screenshot_dir / "practice-03-run-all.png")
        page.set_viewport_size({"width": 1280, "height": 1000})
        shown = page.locator(".jp-NotebookPanel").inner_text()
        for earned in ("you predicted", "prediction recorded", "repeats had p < 0.05", "· correct", "audit:"):
            assert earned not in shown, f"Run All shows {earned!r}"
        explorers = page.locator(".jp-NotebookPanel .mgedu-explorer")
        assert explorers.count() == 1 and "With no real effect" in explorers.first.inner_text()
        closed = closed_solutions(page)
        assert len([c for c in closed if c.startswith("Solution to exercise 3.")]) == 5 and len(closed) == 10
        no_effect = code_cell(page, "# Your two predictions")
        assert images_in(no_effect) == 0 and "Commit first, then look." in output_of(no_effect)

        # Predict (far too low), then the result, the gap in words, the chart and the table appear.
        revealed = replace_and_run(
            page,
            no_effect,
            no_effect.locator(".cm-content")
            .inner_text()
            .replace('"open-label-pilot", ...', '"open-label-pilot", 10')
            .replace('"pilot-sized-improvement", ...', '"pilot-sized-improvement", 5'),
            "(p < 0.05)",
        )
        assert "you predicted 10 %; 68 % of 4,000 simulated open-label pilots" in revealed
        assert "Your prediction was 58 percentage points too low." in revealed
        assert images_in(no_effect) == 1 and "'Significant' (p < 0.05)" in revealed
        no_effect.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-03-revealed.png"))

        # The faded example: wrong first (feedback for that option), then right (a because).
        exercise = code_cell(page, 'answer = ""  # a letter, e.g. "a"\ncheck("3.1"')
        wrong = replace_and_run(page, exercise, 'answer = "a"\ncheck("3.1", answer)', "not yet")
        assert "what caused the change" in wrong
        right = replace_and_run(page, exercise, 'answer = "c"\ncheck("3.1", answer)', "correct")
        assert "Because:" in right

        regression = code_cell(page, "# Your prediction, in IRLS points")
        source = regression.locator(".cm-content").inner_text().replace('-mean", ...', '-mean", 0')
        shown = replace_and_run(page, regression, source, "Enrolled if the screening score")
        assert "Your prediction was 0.9 IRLS points too low." in shown
        dance = code_cell(page, "# Your prediction, a percentage")
        source = dance.locator(".cm-content").inner_text()
        shown = replace_and_run(
            page, dance, source.replace('"p-value-dance", ...', '"p-value-dance", 80'), "repeats had p < 0.05"
        )
        assert "too high" in shown and images_in(dance) == 1 and "confidence interval" in shown

        # The mission: set the true effect to 3 points, then drag 'Patients per arm' and read the sentence.
        simulator = code_cell(page, "# The trial simulator")
        explorer = simulator.locator(".mgedu-explorer")
        readout = explorer.locator(".mgedu-readout").first
        placebo = parameter("placebo_response")
        assert " ".join(readout.inner_text().split()) == describe_trial_simulation("rct", 12, 0.0, placebo, False)
        drag_slider(page, explorer, "True effect", (3.0 + 5.0) / 15.0)
        page.wait_for_function(
            "el => el.innerText.includes('real effect of')", arg=readout.element_handle(), timeout=READOUT_TIMEOUT_MS
        )
        drag_slider(page, explorer, "Patients per arm", (135 - 2) / (200 - 2))
        page.wait_for_function(
            "el => !el.innerText.includes('with 12 patients')", arg=readout.element_handle(), timeout=READOUT_TIMEOUT_MS
        )
        text = " ".join(readout.inner_text().split())
        effect = float(re.search(r"real effect of ([\d.]+) IRLS points", text).group(1))
        n = int(re.search(r"with (\d+) patients per arm", text).group(1))
        assert 2 <= effect <= 4 and 100 < n <= 200, text
        assert text == describe_trial_simulation("rct", n, effect, placebo, False)
        # The chart is redrawn after the sentence: wait until it shows the same share before looking.
        share = re.search(r"(\d+) % of placebo-controlled RCTs", text).group(1)
        explorer.locator(f".mgedu-figure img[alt*='RCT: {share} % report a benefit']").wait_for(
            timeout=READOUT_TIMEOUT_MS
        )
        simulator.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-03-mission.png"))
        report = code_cell(page, "answer = ...  # patients per arm")
        assert "not yet" in replace_and_run(page, report, 'answer = 40\ncheck("3.4", answer)', "not yet")
        assert "correct" in replace_and_run(page, report, 'answer = 135\ncheck("3.4", answer)', "correct")

        tally = code_cell(page, "tally_predictions(")
        shown = rerun(page, tally, "made")
        assert "Your predictions (4 of 4 made)" in shown and "too trusting: 4" in shown

        judge_cell = code_cell(page, "# Your verdict and reason")
        compared = replace_and_run(
            page,
            judge_cell,
            judge_cell.locator(".cm-content").inner_text().replace("..., ...", '"overstated", "design-cannot-show"'),
            "than the audit",
        )
        assert "recorded: overstated" in compared and "harsher than the audit" in compared
        judge_cell.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-03-compared.png"))
        passed = True
    finally:
        lab_tabs.close(passed)
