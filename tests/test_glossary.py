"""The glossary: sourced entries for every required term, a rendered notebook that matches the data, and
notebook links that land on a heading."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mgedu.glossary import GLOSSARY_FILE, anchor, glossary_link, load_glossary
from tools.glossary import GLOSSARY_PATH, main, render_glossary, rendered_text

REPO = Path(__file__).resolve().parents[1]
REQUIRED = [
    "RLS",
    "IRLS",
    "PLMS",
    "RCT",
    "Open-label",
    "Placebo response",
    "Regression to the mean",
    "p-value",
    "Confidence interval",
    "GRADE",
    "RoB 2",
    "RDA",
    "AI",
    "UL",
    "Elemental magnesium",
    "mmol",
]
LINK = re.compile(r"\]\(" + re.escape(GLOSSARY_FILE) + r"#([^)\s]+)\)")


def test_every_required_term_has_a_sourced_definition() -> None:
    table = load_glossary().set_index("term")
    missing = [t for t in REQUIRED if t not in table.index]
    assert not missing, f"glossary.csv lacks {missing}"
    for term, row in table.iterrows():
        assert re.search(r"https?://|doi:10\.", row.source), f"{term}: the source must give a URL or DOI"
        assert 60 <= len(row.definition) <= 450, f"{term}: a definition of one to three sentences"
        assert term.lower() not in ("verdict", "reason")


def test_rendered_notebook_matches_the_data() -> None:
    assert GLOSSARY_PATH.read_text(encoding="utf-8") == rendered_text(), (
        "notebooks/glossary.ipynb is out of date: run python -m tools.glossary"
    )
    nb = render_glossary()
    headings = [line[3:] for c in nb.cells for line in c.source.splitlines() if line.startswith("## ")][:-2]
    assert headings == list(load_glossary().term)
    text = "\n".join(c.source for c in nb.cells)
    for label in ("not verified", "the study's design cannot show this", "`design-cannot-show`"):
        assert label in text
    assert all(c.cell_type == "markdown" for c in nb.cells), "the glossary runs nothing"


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "glossary.ipynb"
    assert main(["--out", str(out), "--check"]) == 1
    assert main(["--out", str(out)]) == 0 and main(["--out", str(out), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_links_and_anchors() -> None:
    assert glossary_link("rob 2", "RoB 2 tool") == "[RoB 2 tool](glossary.ipynb#RoB-2)"
    assert anchor("Elemental magnesium") == "Elemental-magnesium"
    with pytest.raises(ValueError, match="term must be one of the glossary's terms"):
        glossary_link("homeopathy")


@pytest.mark.parametrize("path", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_links_to_the_glossary_land_on_a_heading(path: Path) -> None:
    anchors = {anchor(t) for t in load_glossary().term} | {"Verdicts", "Reasons"}
    nb = nbformat.read(path, as_version=4)
    broken = [a for c in nb.cells if c.cell_type == "markdown" for a in LINK.findall(c.source) if a not in anchors]
    assert not broken, f"{path.name}: links to missing glossary entries {broken}"
