"""Notebook 02 as a student meets it in JupyterLab: after Run All no chain map or audit label is on screen;
the student labels a chain (a wrong word first), sees the map and the comparison, judges mechanism
claims, compares, and answers an exercise wrong, then right. Screenshots go to
artifacts/screenshots/mechanisms-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_harness import LabTabs
from test_lab_notebooks import full_notebook_screenshot, run_all
from test_practice_in_lab import closed_solutions, output_of, replace_and_run, rerun

from mgedu.mechanisms import EVIDENCE_LABELS

pytestmark = pytest.mark.browser

LABELS = """label_links({
    "S002-C31/1": "lab or animal only",
    "S002-C31/2": "lab or animal only",
    "S002-C31/3": "lab or animal only",
    "S002-C31/4": "%s",
})"""


def cell_containing(page: Any, text: str) -> Any:
    """The code cell whose source contains ``text`` (exactly one)."""
    cells = page.locator(".jp-NotebookPanel .jp-CodeCell")
    found = [cells.nth(i) for i in range(cells.count()) if text in cells.nth(i).locator(".cm-content").inner_text()]
    assert len(found) == 1, f"{len(found)} code cells contain {text!r}"
    return found[0]


def test_mechanisms_label_then_reveal_then_judge(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    passed = False
    try:
        page = lab_tabs.open("02-mechanisms.ipynb")
        run_all(page)
        full_notebook_screenshot(page, screenshot_dir / "mechanisms-02-run-all.png")
        page.set_viewport_size({"width": 1280, "height": 1000})
        assert len(closed_solutions(page)) == 4
        labels = cell_containing(page, '"S002-C31/1": ...')
        reveal = cell_containing(page, 'reveal_chain("S002-C31")')
        judging = cell_containing(page, 'judge("S000-C03", ..., ...)')
        comparing = cell_containing(page, "display(compare(), tally())")
        assert "Not labelled yet" in output_of(labels)
        assert "appears once you have labelled all 4" in output_of(reveal)
        assert not reveal.locator(".jp-OutputArea img").count(), "no chain map before the labels"
        assert "not judged any claims yet" in output_of(comparing)
        # the worked chain (S003-C07) shows its labels; the chains to label never do
        outputs = page.locator(".jp-NotebookPanel .jp-OutputArea").all_inner_texts()
        assert not [o for o in outputs if "S002-C31/4" in o and EVIDENCE_LABELS["human-observational"] in o]

        wrong = replace_and_run(page, labels, LABELS % "in patients", "not recorded")
        assert "is not one of the labels" in wrong and "human-observational" not in wrong
        assert "appears once you have labelled all 4 of its links (you have labelled 3)" in rerun(
            page, reveal, "labelled 3"
        )
        replace_and_run(page, labels, LABELS % "assumed", "recorded: assumed")
        shown = rerun(page, reveal, "You judged 4 links")
        assert "stricter than the audit" in shown and reveal.locator(".jp-OutputArea img").count() == 1
        reveal.locator(".jp-OutputArea img").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "mechanisms-02-chain-revealed.png"))

        judged = replace_and_run(
            page,
            judging,
            'display(\n    judge("S000-C03", "supported", "mechanism-as-proof"),'
            '\n    judge("S004-C02", "supported", "matches-source"),\n)',
            "S004-C02",
        )
        assert "not recorded" in judged and "recorded: supported" in judged
        compared = rerun(page, comparing, "audit")
        assert "You judged 1 claim; the audit chose the same verdict for 1." in compared
        assert "S000-C03" not in compared, "a claim not recorded is not compared"
        exercise = cell_containing(page, 'check("2.4", answer)')
        first = replace_and_run(page, exercise, 'answer = "b"\ncheck("2.4", answer)', "not yet")
        assert "association" in first
        right = replace_and_run(page, exercise, 'answer = "c"\ncheck("2.4", answer)', "correct")
        assert "Because:" in right
        comparing.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "mechanisms-02-compared.png"))
        passed = True
    finally:
        lab_tabs.close(passed)
