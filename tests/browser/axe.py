"""Run axe-core (the accessibility engine, installed by ``install_axe.sh`` from npm) in a Playwright page.

:func:`run_axe` injects ``node_modules/axe-core/axe.min.js`` and checks the page against WCAG 2.1
levels A and AA; :func:`serious` keeps the violations axe rates serious or critical, one entry per rule
and element (its CSS selector), with the rule's help text, for readable test failures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_missing_reason() -> str | None:
    """Why axe cannot run here, or None when it can."""
    if not AXE_JS.is_file():
        return f"{AXE_JS} is missing: install it with `make browser-deps` (bash tests/browser/install_axe.sh)"
    return None


def axe_version() -> str:
    return json.loads((AXE_JS.parent / "package.json").read_text())["version"]


def run_axe(page: Any, include: str | None = None) -> list[dict[str, Any]]:
    """axe's violations (WCAG 2.1 A and AA) on the page, or inside the elements matching ``include``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    context = {"include": [[include]]} if include else None
    return page.evaluate(
        """async ([context, tags]) => {
             const result = await axe.run(context || document,
               {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
             return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                          html: n.html.slice(0, 200)}))}));
           }""",
        [context, WCAG_21_AA],
    )


def serious(violations: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One row per (rule, element) for violations rated serious or critical."""
    rows = []
    for violation in violations:
        for node in violation["nodes"]:
            impact = node.get("impact") or violation.get("impact")
            if impact in ("serious", "critical"):
                rows.append(
                    {
                        "rule": violation["id"],
                        "impact": impact,
                        "target": node["target"],
                        "help": violation["help"],
                        "html": node["html"],
                    }
                )
    return rows


def describe(rows: list[dict[str, str]]) -> str:
    return "\n".join(f"  {r['rule']} ({r['impact']}): {r['target']}  -- {r['help']}  {r['html'][:120]}" for r in rows)
