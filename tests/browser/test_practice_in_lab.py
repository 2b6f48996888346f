"""The practice loop as a student meets it in JupyterLab: Run All shows nothing it should not, then the
student judges, compares, answers an exercise twice, and writes the capstone verdict with quotes and new
lines. Screenshots go to artifacts/screenshots/practice-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_harness import LabTabs, menu
from test_lab_notebooks import full_notebook_screenshot, run_all

from mgedu.attempts import read_attempts
from mgedu.report_cards import model_verdict

pytestmark = pytest.mark.browser

OUTPUT_TIMEOUT_MS = 30_000
VERDICT = """S002 sells Sedorum, so it has a reason to describe the evidence kindly.
Its line that every ingredient is "proven to be effective" goes far beyond the studies: the one
randomised trial was single-blind, and the rest were small open-label pilots with no control group.

It "misreports" a safety point about antacids too. The dose it gives matches the Hornyak pilot,
but that pilot had only 10 patients. GRADE certainty for restless legs is very low, so a reader
should treat the page as an advertisement, not as evidence, and shouldn't buy on its say-so."""


def code_cell(page: Any, source_start: str) -> Any:
    """The code cell whose source starts with ``source_start``."""
    cells = page.locator(".jp-NotebookPanel .jp-CodeCell")
    for i in range(cells.count()):
        text = cells.nth(i).locator(".cm-content").inner_text()
        if text.strip().startswith(source_start):
            return cells.nth(i)
    raise AssertionError(f"no code cell starts with {source_start!r}")


def output_of(cell: Any) -> str:
    return cell.locator(".jp-OutputArea").inner_text()


def replace_and_run(page: Any, cell: Any, source: str, expect: str) -> str:
    """Type ``source`` into ``cell`` as a student would, run it with Shift+Enter, wait for ``expect``."""
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)
    page.keyboard.press("Shift+Enter")
    area = cell.locator(".jp-OutputArea")
    area.filter(has_text=expect).wait_for(timeout=OUTPUT_TIMEOUT_MS)
    return output_of(cell)


def rerun(page: Any, cell: Any, expect: str) -> str:
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputArea").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Enter")
    cell.locator(".jp-OutputArea").filter(has_text=expect).wait_for(timeout=OUTPUT_TIMEOUT_MS)
    return output_of(cell)


def closed_solutions(page: Any) -> list[str]:
    """Summary lines of the solution blocks on the page that are closed."""
    return page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell details')]
        .filter(d => !d.open).map(d => (d.querySelector('summary')?.innerText || '').trim())""")


def test_start_here_as_a_student(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    passed = False
    try:
        page = lab_tabs.open("00-start-here.ipynb")
        run_all(page)
        full_notebook_screenshot(page, screenshot_dir / "practice-00-run-all.png")
        page.set_viewport_size({"width": 1280, "height": 1000})
        assert closed_solutions(page) == ["Solution to exercise 0.1 (open it once you have tried)"]
        worked_code = page.locator(".jp-RenderedMarkdown details pre", has_text='solution = "a"')
        assert worked_code.count() == 1 and not worked_code.is_visible(), "the solution shows after Run All"
        mark = page.locator(".jp-NotebookPanel .jp-OutputArea mark")
        assert mark.count() == 1 and mark.inner_text().startswith("Sedorum contains magnesium")
        judge_cell = code_cell(page, 'judge("S002-C60"')
        compare_cell = code_cell(page, "compare()")
        exercise = code_cell(page, "answer =")
        assert "not judged yet" in output_of(judge_cell)
        assert "not judged any claims yet" in output_of(compare_cell)
        assert "no answer yet" in output_of(exercise)

        shown = replace_and_run(page, judge_cell, 'judge("S002-C60", "overstated", "stronger-than-evidence")',
                                "recorded")
        assert "recorded: overstated" in shown
        compared = rerun(page, compare_cell, "audit")
        assert "more lenient than the audit" in compared and "audit: unsupported" in compared
        first = replace_and_run(page, exercise, 'answer = "b"\ncheck("0.1", answer)', "not yet")
        assert "A competing interest is a reason for doubt" in first and "closer hint" not in first
        second = replace_and_run(page, exercise, 'answer = "c"\ncheck("0.1", answer)', "not yet")
        assert "A closer hint" in second
        right = replace_and_run(page, exercise, 'answer = "a"\ncheck("0.1", answer)', "correct")
        assert "Because: A competing interest does not make a claim wrong" in right
        compare_cell.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-00-compared.png"))
        summary = page.locator(".jp-NotebookPanel .jp-MarkdownCell details summary")
        summary.scroll_into_view_if_needed()
        summary.click()
        assert worked_code.is_visible(), "a click opens the solution"
        page.screenshot(path=str(screenshot_dir / "practice-00-solution-opened.png"))
        menu(page, "File", "Save Notebook")
        page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')")
        saved = lab_tabs.server.root / "notebooks" / "00-start-here.ipynb"
        attempts = read_attempts(saved)["0.1"]
        assert (attempts.first_answer, attempts.first_status) == ("b", "incorrect")
        assert (attempts.last_answer, attempts.last_status, attempts.tries) == ("a", "correct", 3)
        passed = True
    finally:
        lab_tabs.close(passed)


def test_capstone_verdict_with_quotes_and_new_lines(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    passed = False
    try:
        page = lab_tabs.open("06-appraise-an-article.ipynb")
        run_all(page)
        assert len(closed_solutions(page)) == 5 and "Solution to exercise 6.4" in " ".join(closed_solutions(page))
        worked = code_cell(page, "from mgedu.practice import worked_answer")
        assert "appears here once you have recorded your own answer" in output_of(worked)
        assert model_verdict("S002")[:60] not in page.locator(".jp-NotebookPanel").inner_text()
        answer = code_cell(page, "%%answer 6.4")
        words = len(VERDICT.split())
        shown = replace_and_run(page, answer, "%%answer 6.4\n" + VERDICT, "recorded")
        assert re.search(rf"recorded \({words} words; within the range of 80-150 asked for\)", shown), shown
        revealed = rerun(page, worked, "A worked answer to 6.4")
        assert model_verdict("S002")[:60] in " ".join(revealed.split())
        answer.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-06-verdict.png"))
        passed = True
    finally:
        lab_tabs.close(passed)
