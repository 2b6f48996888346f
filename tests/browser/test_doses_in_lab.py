"""Notebook 04 as a student meets it in JupyterLab: after Run All the dose table fits the cell with no
NaN and no answer shows; then the student judges the articles' dose claims (a typo first), compares,
converts a dose (wrong, then right), answers a transfer item three times and sees the tally.
Screenshots go to artifacts/screenshots/doses-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_harness import LabTabs, menu
from test_lab_notebooks import full_notebook_screenshot, run_all
from test_practice_in_lab import closed_solutions, code_cell, replace_and_run, rerun

from mgedu.attempts import read_attempts

pytestmark = pytest.mark.browser

NOTEBOOK = "04-dose-conversions.ipynb"


def table_fits(page: object, caption: str) -> dict[str, float]:
    """Widths of the table region with ``caption`` and of its output area (the region must not stick out)."""
    return page.evaluate(  # type: ignore[attr-defined]
        """(caption) => {
            const region = [...document.querySelectorAll('.jp-NotebookPanel .mgedu-table-scroll')]
                .find(r => r.getAttribute('aria-label') === caption);
            const area = region.closest('.jp-OutputArea-output');
            return {region: region.getBoundingClientRect().right, area: area.getBoundingClientRect().right,
                    scroll: region.scrollWidth, client: region.clientWidth};
        }""",
        caption,
    )


def test_dose_notebook_as_a_student(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    passed = False
    try:
        page = lab_tabs.open(NOTEBOOK)
        run_all(page)
        full_notebook_screenshot(page, screenshot_dir / "doses-run-all.png")
        page.set_viewport_size({"width": 1366, "height": 900})
        panel = page.locator(".jp-NotebookPanel").inner_text()
        assert "NaN" not in panel and "not reported" in panel
        assert len(closed_solutions(page)) == 6, "every solution stays closed after Run All"
        assert " · correct" not in panel and "Because:" not in panel
        fit = table_fits(page, "The trials' own doses")
        assert fit["region"] <= fit["area"] + 1, fit

        first = code_cell(page, 'display(show_claim("S004-C06"))')
        typo = replace_and_run(
            page,
            first,
            'display(show_claim("S004-C06"))\njudge("S004-C06", "supportd", "matches-source")',
            "not recorded",
        )
        assert "did you mean 'supported'" in typo
        replace_and_run(
            page, first, 'display(show_claim("S004-C06"))\njudge("S004-C06", "supported", "matches-source")', "recorded"
        )
        second = code_cell(page, 'display(show_claim("S000-C05"))')
        replace_and_run(
            page,
            second,
            'display(show_claim("S000-C05"))\njudge("S000-C05", "overstated", "stronger-than-evidence")',
            "recorded",
        )
        third = code_cell(page, 'display(show_claim("S002-C41")')
        replace_and_run(
            page,
            third,
            'display(show_claim("S002-C41"), study_card("S002-C41"))\njudge("S002-C41", "unsupported", "no-source")',
            "recorded",
        )
        compared = rerun(page, code_cell(page, "compare()"), "audit")
        assert "You judged 3 claims; the audit chose the same verdict for 1." in compared
        assert "harsher than the audit" in compared and "a different kind of call" in compared.lower()
        code_cell(page, "compare()").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "doses-compared.png"))

        held = code_cell(page, "answer = ...  # your answer in mg")
        wrong = replace_and_run(page, held, 'answer = 700\ncheck("4.1", answer)', "not yet")
        assert "mmol_to_mg" in wrong
        right = replace_and_run(page, held, 'answer = mmol_to_mg(30)\ncheck("4.1", answer)', "correct")
        assert "Because:" in right

        retold = code_cell(page, 'answer = ""  # a letter, e.g. "a"\ncheck("4.3"')
        same = replace_and_run(page, retold, 'answer = "a"\ncheck("4.3", answer)', "not yet")
        assert "Same number, different thing" in same and "closer hint" not in same
        larger = replace_and_run(page, retold, 'answer = "b"\ncheck("4.3", answer)', "not yet")
        assert "A closer hint" in larger
        smaller = replace_and_run(page, retold, 'answer = "c"\ncheck("4.3", answer)', "correct")
        assert "Because: 'Magnesium 320 mg as citrate' names the magnesium" in smaller
        page.screenshot(path=str(screenshot_dir / "doses-exercise-4.3.png"))

        kidneys = code_cell(page, 'display(show_claim("S002-C11"))')
        replace_and_run(
            page,
            kidneys,
            'display(show_claim("S002-C11"))\njudge("S002-C11", "overstated", "stronger-than-evidence")',
            "recorded",
        )
        tallied = rerun(page, code_cell(page, 'display(compare("S002-C11"))'), "You have judged 4 claims")
        assert "Same verdict and same reason" in tallied or "You chose what the audit chose" in tallied
        code_cell(page, 'display(compare("S002-C11"))').scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "doses-tally.png"))

        menu(page, "File", "Save Notebook")
        page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')")
        attempts = read_attempts(lab_tabs.server.root / "notebooks" / NOTEBOOK)
        assert (attempts["4.3"].first_answer, attempts["4.3"].last_answer, attempts["4.3"].tries) == ("a", "c", 3)
        assert attempts["4.1"].first_status == "incorrect" and attempts["4.1"].last_status == "correct"
        passed = True
    finally:
        lab_tabs.close(passed)
