"""The primary-studies table: every study, registration, review and reference document the articles cite.

Each row records what the study did (design, population, n, intervention, salt, dose, duration,
comparator) and what it found, with the DOI or PMID and the page that was read. Where sources
disagree, the ``notes`` column records both readings and which one the workbook trusts and why.
Designs use the one study-design vocabulary (:mod:`mgedu.study_designs`), as the evidence ladder does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.study_designs import STUDY_DESIGNS
from mgedu.tables import Column, Schema, derived_cache, load, source_column

if TYPE_CHECKING:
    import pandas as pd

SALTS = (
    "oxide",
    "citrate",
    "glycinate",
    "malate",
    "l-threonate",
    "sulfate-heptahydrate",
    "sulfate-anhydrous",
    "chloride",
    "lactate",
    "aspartate",
    "mixed",
    "unknown",
)

STUDIES_SCHEMA = Schema(
    (
        Column("study_id", pattern=r"[a-z][a-z0-9-]*", description="stable id, first author + year"),
        Column("citation", description="full citation"),
        Column("year", "int", required=False, minimum=1900, maximum=2100, description="blank for undated documents"),
        Column("design", "category", vocab=STUDY_DESIGNS),
        Column("population", required=False),
        Column("n", "int", required=False, minimum=1, description="participants (blank if unknown)"),
        Column("intervention", required=False),
        Column("salt", "category", required=False, vocab=SALTS),
        Column("elemental_mg_per_day", "float", required=False, minimum=0, maximum=100_000),
        Column("duration_weeks", "float", required=False, minimum=0, maximum=1000),
        Column("comparator", required=False),
        Column("main_results", required=False, description="key results with numbers"),
        Column("doi_or_pmid", required=False),
        source_column("source_url"),
        Column("confidence", "category", vocab=("A", "B", "mixed"), description="A primary, B secondary"),
        Column("notes", required=False, description="disagreements between sources, and which is trusted"),
    ),
    key="study_id",
)


def load_studies(folder: str | Path | None = None) -> pd.DataFrame:
    """Every primary study, registration and review the articles cite or describe.

    >>> studies = load_studies()
    >>> studies.set_index("study_id").loc["hornyak1998", "n"]
    np.int64(10)
    >>> str(studies.design.dtype)
    'category'
    """
    return load("studies.csv", folder)


def study(study_id: str, folder: str | Path | None = None) -> dict[str, object]:
    """One study as a plain dict; ``ValueError`` naming close ids when ``study_id`` is unknown.

    >>> study("gorantla2024")["design"]
    'open-label'
    """
    import difflib

    records = _study_records(None if folder is None else str(folder))
    record = records.get(study_id)
    if record is None:
        close = difflib.get_close_matches(study_id, list(records), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown study_id {study_id!r}{hint}")
    return dict(record)


@derived_cache
def _study_records(folder: str | None) -> dict[str, dict[str, object]]:
    """Every study as a plain dict (missing values as None), by id, first row first: one pass over the
    table, so that :func:`study` is a dictionary look-up (notebooks call it dozens of times)."""
    records: dict[str, dict[str, object]] = {}
    for record in load_studies(folder).to_dict("records"):
        records.setdefault(str(record["study_id"]), {k: (None if _isna(v) else v) for k, v in record.items()})
    return records


def _isna(value: object) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_FIRST_AUTHOR = re.compile(r"^((?:[A-Z][a-z]{1,3} )?[A-ZÀ-Þ][\w'\-]+)\s+[A-ZÀ-Þ]{1,3}[,.]")


def study_label(study_id: str, folder: str | Path | None = None) -> str:
    """A study as a reader names it: first author and year, else the first part of its citation.

    >>> study_label("mahpitre2021"), study_label("alawi2018"), study_label("nih-ods-magnesium")
    ('Mah 2021', 'Al Alawi 2018', 'NIH Office of Dietary Supplements')
    """
    record = study(study_id, folder)
    citation = str(record["citation"])
    match = _FIRST_AUTHOR.match(citation)
    if match and record.get("year") is not None:
        return f"{match.group(1)} {record['year']}"
    return citation.split(". ")[0].rstrip(".")
