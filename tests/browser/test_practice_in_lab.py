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
ARGUMENT = """The audit says "misreported", but the sentence only says "6 patients suffering from
mild-to-moderate restless leg syndrome", and the study card says 6 of the 10 had mild-to-moderate RLS.
That part is true. The page's real error is the next sentence, "all the patients", because the
results were reported for all 10. I would call this one "supported", or "overstated" at most."""


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

        shown = replace_and_run(
            page, judge_cell, 'judge("S002-C60", "overstated", "stronger-than-evidence")', "recorded"
        )
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


def code_cell_with(page: Any, text: str) -> Any:
    """The code cell whose source contains ``text``."""
    cells = page.locator(".jp-NotebookPanel .jp-CodeCell")
    for i in range(cells.count()):
        if text in cells.nth(i).locator(".cm-content").inner_text():
            return cells.nth(i)
    raise AssertionError(f"no code cell contains {text!r}")


def judging_source(doc_id: str, changed: int, worst: int) -> str:
    """The judging cell as a student fills it in: the audit's verdict and reason for every claim of the set,
    except claim ``changed``, judged "overstated"/"stronger-than-evidence"; and claim ``worst`` as the worst."""
    from mgedu.practice.article import claims_to_judge
    from mgedu.seeds import load_claims

    claims = load_claims().set_index("claim_id")
    lines = ["judge_claims(picks,"]
    for number, claim_id in enumerate(claims_to_judge(doc_id), start=1):
        pair = (str(claims.loc[claim_id, "verdict"]), str(claims.loc[claim_id, "reason_kind"]))
        if number == changed:
            pair = ("overstated", "stronger-than-evidence")
        lines.append(f'    ("{pair[0]}", "{pair[1]}"),  # claim {number}')
    lines += [f'    worst=({worst}, "changes-what-readers-do"),', ")"]
    return "\n".join(lines)


def test_capstone_as_a_student(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    """Run All shows no answer; then the student judges the set, rates the certainty (wrong, then right),
    writes the verdict with quotes and new lines, compares (kappa and chart), reads the model verdict, and
    argues with the audit on S002-C37."""
    passed = False
    try:
        page = lab_tabs.open("06-appraise-an-article.ipynb")
        run_all(page)
        full_notebook_screenshot(page, screenshot_dir / "practice-06-run-all.png")
        page.set_viewport_size({"width": 1280, "height": 1000})
        closed = closed_solutions(page)
        assert len(closed) == 6 and "Solution to exercise 6.4" in " ".join(closed)
        panel = page.locator(".jp-NotebookPanel")
        assert model_verdict("S002")[:60] not in panel.inner_text()
        article = code_cell(page, 'DOC_ID = "S002"')
        assert article.locator(".jp-OutputArea mark").count() == 10, "the ten claims are marked in the page"
        judging = code_cell(page, "judge_claims(picks,")
        report = code_cell(page, "show(plot_tally(items=picks))")
        worked = code_cell(page, "from mgedu.practice import worked_answer")
        certainty = code_cell_with(page, 'check("6.2", answer)')
        assert "Not judged yet: claims 1, 2, 3, 4, 5, 6, 7, 8, 9, 10." in output_of(judging)
        assert "You have not judged any of these claims yet" in output_of(report)
        assert "audit:" not in output_of(report) and "kappa" not in output_of(report).lower()
        assert "appears here once you have recorded your own answer" in output_of(worked)

        judged = replace_and_run(page, judging, judging_source("S002", changed=5, worst=3), "claims judged")
        assert "10 of 10 claims judged." in judged and "recorded as the worst problem of S002" in judged
        judging.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-06-judged.png"))
        wrong = replace_and_run(page, certainty, 'answer = "c"\ncheck("6.2", answer)', "not yet")
        assert "Count again" in wrong
        right = replace_and_run(page, certainty, 'answer = "d"\ncheck("6.2", answer)', "correct")
        assert "Because:" in right

        answer = code_cell(page, "%%answer 6.4")
        words = len(VERDICT.split())
        shown = replace_and_run(page, answer, "%%answer 6.4\n" + VERDICT, "recorded")
        assert re.search(rf"recorded \({words} words; within the range of 80-150 asked for\)", shown), shown
        compared = " ".join(rerun(page, report, "Cohen").split())
        assert "You judged 10 claims; the audit chose the same verdict for 9." in compared
        assert "Cohen's kappa" in compared and "95 % confidence interval" in compared
        assert "The audit chose the same claim" in compared
        assert "Your first rating: low (more confident than the audit); your last: very low." in compared
        assert report.locator(".jp-OutputArea img").count() == 1, "the tally chart"
        report.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-06-compared.png"))
        revealed = rerun(page, worked, "A worked answer to 6.4")
        assert model_verdict("S002")[:60] in " ".join(revealed.split())

        c37 = code_cell(page, 'compare("S002-C37")')
        c37_text = rerun(page, c37, "audit")
        assert "the audit chose the same verdict for 1" in c37_text and "misreported" in c37_text
        argument = code_cell(page, "%%answer 6.5")
        replace_and_run(page, argument, "%%answer 6.5\n" + ARGUMENT, "recorded")
        stance = code_cell(page, 'challenge_audit("S002-C37"')
        readings = " ".join(
            replace_and_run(
                page, stance, 'challenge_audit("S002-C37", "milder", written="6.5")', "other reading"
            ).split()
        )
        assert "The audit's reading: misreported" in readings and "The other reading: supported" in readings
        stance.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-06-check-the-checker.png"))
        passed = True
    finally:
        lab_tabs.close(passed)


JADIDI_WRONG_FIRST = """display(study_card("jadidi2022"))
judge_bias("jadidi2022:rls-severity", measurement=("some concern", "scored on a questionnaire"))"""
JADIDI = """display(study_card("jadidi2022"))
judge_bias("jadidi2022:rls-severity", randomisation=("some concerns", "method of randomising not given"),
           deviations=("some concerns", "single-blind, so someone knew the groups"),
           missing_data=("low", "nothing says anyone dropped out"),
           measurement=("some concerns", "a questionnaire, and someone knew the groups"),
           reporting=("some concerns", "only a P value, no group means"),
           overall=("some concerns", "no domain is high"))"""
RLS_RATINGS = """rate_grade("rls:rls-severity", start=("high", "there are randomised trials"),
           risk_of_bias=("serious", "the one readable trial has several concerns"),
           inconsistency=("serious", "Jadidi found a difference, the earlier trial did not"),
           indirectness=("not serious", "people with RLS, their symptoms"),
           imprecision=("serious", "75 people and no interval"),
           publication_bias=("not serious", "too few trials to tell"))"""


def page_text(page: Any) -> str:
    return " ".join(page.locator(".jp-NotebookPanel").inner_text().split())


def test_evidence_quality_as_a_student(lab_tabs: LabTabs, screenshot_dir: Path) -> None:
    """Notebook 05: Run All hides the ratings to be made; the student judges RoB 2 domains (a misspelt
    judgement first), compares, answers an exercise wrong then right, tries the blank GRADE worksheet,
    rates RLS severity with reasons, compares, and only then sees the bottom line for it."""
    passed = False
    try:
        page = lab_tabs.open("05-evidence-quality.ipynb")
        run_all(page)
        full_notebook_screenshot(page, screenshot_dir / "practice-05-run-all.png")
        page.set_viewport_size({"width": 1280, "height": 1000})
        assert len(closed_solutions(page)) == 5
        text = page_text(page)
        for secret in (
            "We do not know whether magnesium eases restless legs",
            "RLS severity: very low",
            "The workbook rates it",
            "Every domain has some concerns; RoB 2 allows",
        ):
            assert secret not in text, f"Run All shows {secret!r}"
        assert "RLS severity (restless legs syndrome): hidden until you have rated it yourself" in text
        assert "Rls" not in text

        judge_cell = code_cell(page, 'display(study_card("jadidi2022"))')
        compare_cell = code_cell(page, 'display(compare_bias("jadidi2022:rls-severity"))')
        assert "not rated yet" in output_of(judge_cell)
        assert "nothing is shown" in output_of(compare_cell)
        wrong = replace_and_run(page, judge_cell, JADIDI_WRONG_FIRST, "not recorded")
        assert "did you mean 'some concerns'?" in wrong
        shown = replace_and_run(page, judge_cell, JADIDI, "6 of 6 recorded")
        assert "Overall risk of bias · recorded: some concerns, because “no domain is high”." in shown
        compared = " ".join(rerun(page, compare_cell, "You have judged 6 RoB 2 domains").split())
        assert "you rated 6; the audit chose the same for 4" in compared
        assert "Where your judgement differed: 2 more trusting than the audit (you saw less risk of bias)" in compared
        assert "the RoB 2 rule allows an overall judgement of some concerns or high" in compared
        assert "You have judged 6 RoB 2 domains" in compared
        compare_cell.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-05-rob2-compared.png"))

        exercise = code_cell(page, 'answer = ""  # a letter, e.g. "a"\ncheck("5.2"')
        first = replace_and_run(page, exercise, 'answer = "b"\ncheck("5.2", answer)', "not yet")
        assert "whose outcomes are counted" in first
        right = replace_and_run(page, exercise, 'answer = "c"\ncheck("5.2", answer)', "correct")
        assert "Because: Outcomes are missing for the people who left" in right

        sheet = page.locator(".jp-NotebookPanel .mgedu-grade-worksheet")
        sheet.scroll_into_view_if_needed()
        readout = sheet.locator(".mgedu-readout")
        assert "choose a starting level first" in readout.inner_text()
        sheet.locator(".widget-toggle-buttons", has_text="Starting level").get_by_role("button", name="high").click()
        page.wait_for_function("(el) => el.innerText.includes(': high ')", arg=readout.element_handle())
        sheet.locator(".widget-toggle-buttons", has_text="imprecision").get_by_role("button", name="−2").click()
        page.wait_for_function("(el) => el.innerText.includes(': low ')", arg=readout.element_handle())
        assert "workbook" not in readout.inner_text() and "Risk of bias" not in sheet.inner_text()
        page.screenshot(path=str(screenshot_dir / "practice-05-worksheet.png"))

        rate_cell = code_cell(page, 'rate_grade("rls:rls-severity"')
        recorded = replace_and_run(page, rate_cell, RLS_RATINGS, "6 of 6 recorded")
        assert "Imprecision · recorded: serious (down one level), because “75 people and no interval”." in recorded
        grade_cell = code_cell(page, 'display(compare_grade("rls:rls-severity"))')
        graded = " ".join(rerun(page, grade_cell, "You have rated 6 GRADE steps").split())
        assert "Imprecision serious (down one level) “75 people and no interval” very serious" in graded
        assert "more generous than the audit (you rated down less)" in graded
        assert "Your ratings lead to very low ⊕◯◯◯; the audit's to very low ⊕◯◯◯ (the same)." in graded
        assert "the audit chose the same for 5" in graded
        grade_cell.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-05-grade-compared.png"))

        overview = code_cell(page, "show(plot_grade_summary(hide=hidden_outcomes()))")
        lines = " ".join(rerun(page, overview, "We do not know whether magnesium eases restless legs").split())
        assert "RLS severity (restless legs syndrome) · very low" in lines
        overview.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "practice-05-bottom-lines.png"))
        passed = True
    finally:
        lab_tabs.close(passed)
