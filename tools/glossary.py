"""Render ``notebooks/glossary.ipynb`` from ``mgedu/data/glossary.csv`` (for contributors).

``python -m tools.glossary`` rewrites the notebook; ``--check`` exits 1 when it is out of date (a test
does the same). The notebook's metadata is stored as :mod:`tools.refresh` stores every notebook's, so
opening it in JupyterLab does not mark it modified.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mgedu.glossary import GLOSSARY_FILE, load_glossary
from tools.refresh import normalise_metadata

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "notebooks" / GLOSSARY_FILE

INTRO = """# Glossary

The terms the workbook uses, each defined in plain words with the source of the definition. Notebooks
link a term here the first time they use it. At the end: the verdicts and reasons you and the audit use
when you judge a claim.

*This workbook teaches how to read claims. It gives no medical or dosing advice.*"""


def _vocabulary_cells() -> list[str]:
    from mgedu.practice.claims import PAIRED_REASONS, VERDICT_ORDER
    from mgedu.seeds import REASON_LABELS, REASON_MEANINGS, VERDICT_LABELS, VERDICT_MEANINGS

    verdicts = [
        "## Verdicts",
        "",
        "What you and the audit decide about a claim, checked against its primary source. From lenient "
        "to harsh: " + ", ".join(VERDICT_LABELS[v] for v in VERDICT_ORDER) + "; the other two say "
        "that a claim could not be checked, not how wrong it is.",
        "",
        "| Verdict | Meaning |",
        "|---|---|",
    ]
    verdicts += [f"| {VERDICT_LABELS[v]} | {VERDICT_MEANINGS[v]} |" for v in VERDICT_LABELS]
    verdicts += ["", "*Source:* the workbook's audit of the five articles (`seeds/README.md`)."]
    pairs = "; ".join(f"'{VERDICT_LABELS[v]}' goes with '{REASON_LABELS[r]}'" for v, r in PAIRED_REASONS.items())
    reasons = [
        "## Reasons",
        "",
        f"Why a claim gets its verdict. {pairs}; the other verdicts take one of the other reasons.",
        "",
        "| Reason | What to look for | What you type |",
        "|---|---|---|",
    ]
    reasons += [f"| {label} | {REASON_MEANINGS[code]} | `{code}` |" for code, label in REASON_LABELS.items()]
    reasons += ["", "*Source:* the workbook's audit of the five articles (`seeds/README.md`)."]
    return ["\n".join(verdicts), "\n".join(reasons)]


def render_glossary(folder: str | Path | None = None) -> Any:
    """The glossary notebook (markdown cells only, stable cell ids), built from the data.

    >>> nb = render_glossary()
    >>> nb.cells[1].source.splitlines()[0]
    '## RLS'
    """
    import nbformat

    cells = [INTRO]
    for row in load_glossary(folder).itertuples(index=False):
        name = (
            ""
            if str(row.name).casefold() == str(row.term).casefold()
            else f"**{str(row.name)[0].upper()}{str(row.name)[1:]}.** "
        )
        cells.append(f"## {row.term}\n\n{name}{row.definition}\n\n*Source:* {row.source}")
    cells += _vocabulary_cells()
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(text, id=f"glossary-{i:02d}") for i, text in enumerate(cells)]
    )
    return normalise_metadata(nb)


def rendered_text(folder: str | Path | None = None) -> str:
    """The glossary notebook as the file text :func:`main` writes."""
    import nbformat

    return nbformat.writes(render_glossary(folder)) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tools.glossary [--check] [--out PATH]``: write (or check) the glossary notebook."""
    parser = argparse.ArgumentParser(prog="python -m tools.glossary", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GLOSSARY_PATH, help="notebook to write")
    parser.add_argument("--check", action="store_true", help="exit 1 when the notebook is out of date")
    args = parser.parse_args(argv)
    text = rendered_text()
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if args.check:
        if current != text:
            print(f"{args.out} is out of date: run python -m tools.glossary", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date.")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
