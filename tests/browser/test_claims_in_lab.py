"""Notebook 01 as a student meets it in JupyterLab: Run All shows no verdict on the nine practice claims
(the explorer waits, the debatable call stays folded); the student opens a study card, gives one bad
judgement, judges the nine, compares and tallies, opens the explorer, answers exercise 1.4 twice wrong, then
right, and exercise 1.2 once wrong, then right. Screenshots go to artifacts/screenshots/claims-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_harness import LabTabs
from test_lab_notebooks import full_notebook_screenshot, run_all
from test_practice_in_lab import closed_solutions, code_cell, output_of, replace_and_run, rerun

from mgedu.practice import claim_set
from mgedu.practice.claims import humanise
from mgedu.seeds import load_claims

pytestmark = pytest.mark.browser

CLAIMS = load_claims().set_index("claim_id")
SET = claim_set("01-claims")
#: The student's calls: the audit's own for most, and three that differ (harsher, more lenient, another kind).
CALLS = {claim: (str(CLAIMS.loc[claim, "verdict"]), str(CLAIMS.loc[claim, "reason_kind"])) for claim in SET.claims}
CALLS |= {
    "S001-C34": ("overstated", "stronger-than-evidence"),
    "S004-C07": ("supported", "matches-source"),
    "S004-C43": ("unsupported", "no-source"),
}


def judge_source(claim: str, verdict: str, reason: str, sheet: bool) -> str:
    call = f'judge("{claim}", "{verdict}", "{reason}")'
    return f'display(claim_sheet("{claim}"))\n{call}' if sheet else call


def test_claims_notebook_as_a_student(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    passed = False
    try:
        page = lab_tabs.open("01-claims.ipynb")
        run_all(page)
        full_notebook_screenshot(page, screenshot_dir / "claims-run-all.png")
        page.set_viewport_size({"width": 1280, "height": 1000})
        panel = page.locator(".jp-NotebookPanel")
        shown = panel.inner_text()
        for claim in SET.claims:
            assert humanise(str(CLAIMS.loc[claim, "reason"]))[:50] not in shown, f"{claim}: verdict after Run All"
        summaries = closed_solutions(page)
        assert sum(s.startswith("Solution to exercise 1.") for s in summaries) == 4
        assert any(s.startswith("Check the checker") for s in summaries)
        explorer = code_cell(page, "practice.after_judging(")
        assert "This opens once you have judged the 9 claims above" in output_of(explorer)
        assert panel.locator(".mgedu-explorer").count() == 0

        faded = code_cell(page, 'display(claim_sheet("S002-C48"))')
        faded.scroll_into_view_if_needed()
        card = faded.locator("details.mgedu-study-card")
        assert card.count() == 1 and card.locator("td").count() > 0, "the card holds the study facts"
        assert not card.locator("td").first.is_visible(), "the study card starts closed"
        card.locator("summary").click()
        assert card.get_by_text("642").first.is_visible(), "a click opens the study card"
        page.screenshot(path=str(screenshot_dir / "claims-study-card-open.png"))

        worked = code_cell(page, 'judge("S000-C05"')
        bad = replace_and_run(page, worked, 'judge("S000-C05", "supportd", "matches-source")', "not recorded")
        assert "did you mean 'supported'" in bad
        for i, claim in enumerate(SET.claims):
            cell = worked if i == 0 else code_cell(page, f'display(claim_sheet("{claim}"))')
            verdict, reason = CALLS[claim]
            out = replace_and_run(page, cell, judge_source(claim, verdict, reason, sheet=i > 0), "recorded")
            assert f"{i + 1} claims judged so far" in out or (i == 0 and "1 claim judged so far" in out)

        compare = code_cell(page, "display(compare())")
        compared = rerun(page, compare, "Your verdict (rows) against the audit's (columns)")
        assert "You judged 9 claims; the audit chose the same verdict for 6" in compared
        assert "harsher than the audit" in compared and "more lenient than the audit" in compared
        assert "A different kind of call: you said unsupported, the audit uncheckable" in compared
        flat = " ".join(compared.split())
        assert "Cohen's kappa" in flat and "With only 9 claims this number is unstable" in flat
        compare.locator(".jp-OutputArea-output img").first.wait_for(timeout=30_000)  # the tally chart
        compare.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "claims-compared.png"))
        checker = panel.locator(".jp-MarkdownCell details summary", has_text="Check the checker")
        checker.scroll_into_view_if_needed()
        checker.click()
        assert panel.get_by_text("The case against the audit").is_visible()
        page.screenshot(path=str(screenshot_dir / "claims-check-the-checker.png"))

        explorer.scroll_into_view_if_needed()
        explorer.locator(".jp-InputArea").click()
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")
        explorer.locator(".mgedu-explorer").wait_for(timeout=30_000)
        explorer.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "claims-explorer-open.png"))

        exercise = code_cell(page, 'answer = ""  # a letter, e.g. "a"\ncheck("1.4"')
        first = replace_and_run(page, exercise, 'answer = "a"\ncheck("1.4", answer)', "not yet")
        assert "Lack of evidence of a difference" in first and "closer hint" not in first
        second = replace_and_run(page, exercise, 'answer = "d"\ncheck("1.4", answer)', "not yet")
        assert "A p-value is not the chance" in second and "A closer hint" in second
        right = replace_and_run(page, exercise, 'answer = "b"\ncheck("1.4", answer)', "correct")
        assert "Because: A non-significant result" in right
        exercise.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "claims-exercise.png"))

        review = code_cell(page, 'answer = ""  # a letter, e.g. "a"\ncheck("1.2"')
        wrong = replace_and_run(page, review, 'answer = "d"\ncheck("1.2", answer)', "not yet")
        assert "different problems" in wrong and "Because:" not in wrong
        right = replace_and_run(page, review, 'answer = "a"\ncheck("1.2", answer)', "correct")
        assert "Because: The review pooled sleep trials in older adults" in right
        review.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "claims-exercise-review.png"))
        passed = True
    finally:
        lab_tabs.close(passed)
