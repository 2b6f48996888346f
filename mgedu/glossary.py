"""The glossary: one sourced definition per term, rendered into ``notebooks/glossary.ipynb``.

Definitions live in ``mgedu/data/glossary.csv`` (term, full name, definition in the workbook's own
words, source). ``python -m tools.glossary`` renders them, plus the verdict and reason vocabularies the
learner and the audit share, into a notebook of markdown cells, one heading per term, so that a link such
as ``[RLS](glossary.ipynb#RLS)`` opens the definition in JupyterLab and on the static site (both give a
heading the id of its text with spaces as hyphens). Notebooks link a term at its first use with
:func:`glossary_link`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.tables import Column, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd

GLOSSARY_FILE = "glossary.ipynb"

GLOSSARY_SCHEMA = Schema(
    (
        Column("term", pattern=r"[A-Za-z][\w' -]*[\w]", description="the term as a heading (its link anchor)"),
        Column("name", description="full name, for abbreviations; the term again otherwise"),
        Column("definition", description="in the workbook's own words, for a first-year student"),
        source_column(description="citation with DOI or the page read"),
    ),
    key="term",
)


def load_glossary(folder: str | Path | None = None) -> pd.DataFrame:
    """Every glossary entry: term, name, definition, source.

    >>> load_glossary().set_index("term").loc["RLS", "name"]
    'restless legs syndrome'
    """
    return load("glossary.csv", folder)


def anchor(term: str) -> str:
    """The id JupyterLab and nbconvert give the heading ``## term`` (spaces become hyphens).

    >>> anchor("Regression to the mean")
    'Regression-to-the-mean'
    """
    return term.strip().replace(" ", "-")


def glossary_link(term: str, text: str | None = None, folder: str | Path | None = None) -> str:
    """The markdown link to a glossary entry, for a notebook's first use of the term.

    >>> glossary_link("RLS")
    '[RLS](glossary.ipynb#RLS)'
    >>> glossary_link("placebo response")
    '[placebo response](glossary.ipynb#Placebo-response)'
    """
    terms = {str(t).casefold(): str(t) for t in load_glossary(folder).term}
    match = terms.get(term.casefold())
    if match is None:
        raise ValueError(
            f"term must be one of the glossary's terms ({', '.join(sorted(terms.values()))}), got {term!r}"
        )
    return f"[{text or term}]({GLOSSARY_FILE}#{anchor(match)})"
