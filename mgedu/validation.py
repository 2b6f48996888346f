"""Whole-corpus validation: every problem in the seeds and the data tables, reported at once.

:func:`validate` returns the list of problems (empty when all is well); :func:`check_data` raises
:class:`~mgedu.tables.DataError` listing them as ``file:row:column: message``. Beyond each table's own
schema it checks what crosses files: quotes against the article text, study ids against the studies
table, checksums against the article files, that each reference table carries a source column, and that
the per-student variants (``variants.json``) fit their exercises (:func:`mgedu.variants.variant_problems`).
"""

from __future__ import annotations

from pathlib import Path

from mgedu.catalog import TABLES, schema_for
from mgedu.seeds import problems_in_seeds
from mgedu.studies import STUDIES_SCHEMA, studies_path
from mgedu.tables import DataError, Problem, package_data_dir, read_table

SOURCE_COLUMNS = ("source", "source_url")


def validate(seeds_folder: str | Path | None = None, data_folder: str | Path | None = None) -> list[Problem]:
    """Every problem in the seed corpus and the packaged data tables (empty list when clean).

    >>> validate()
    []
    """
    data_dir = Path(data_folder) if data_folder is not None else package_data_dir()
    studies, problems = read_table(studies_path(data_dir), STUDIES_SCHEMA)
    study_ids = {s for s in studies.study_id if isinstance(s, str)}
    problems += problems_in_seeds(seeds_folder, study_ids)
    for file_name in sorted(TABLES):
        if file_name == "studies.csv":
            continue
        schema = schema_for(file_name)
        if not any(name in schema.names for name in SOURCE_COLUMNS):
            problems.append(Problem(file_name, 1, "-", "reference table has no source column"))
        _, table_problems = read_table(data_dir / file_name, schema)
        problems += table_problems
    problems += _cross_reference_problems(seeds_folder, data_dir, study_ids)
    problems += _evidence_problems(data_dir, studies)
    if (data_dir / "variants.json").exists():
        from mgedu.variants import variant_problems

        problems += variant_problems(data_dir / "variants.json")
    for path in sorted(data_dir.glob("*.csv")):
        if path.name not in TABLES:
            problems.append(Problem(path.name, 0, "-", "data file has no schema in mgedu/catalog.py"))
    unique = sorted(set(problems), key=lambda p: (p.file, p.row, p.column, p.message))
    return unique


def _evidence_problems(data_dir: Path, studies) -> list[Problem]:  # type: ignore[no-untyped-def]
    """Cross-row rules of the evidence tables: GRADE ratings recompute, RoB 2 overall follows its rule."""
    from mgedu.grading import problems_in_grade_outcomes
    from mgedu.risk_of_bias import problems_in_risk_of_bias

    designs = {str(s): str(d) for s, d in zip(studies.study_id, studies.design, strict=True) if isinstance(s, str)}
    return problems_in_grade_outcomes(data_dir, set(designs)) + problems_in_risk_of_bias(data_dir, designs)


def _cross_reference_problems(seeds_folder: str | Path | None, data_dir: Path, study_ids: set[str]) -> list[Problem]:
    """Ids that one table uses and another defines: discrepancies -> claims and studies."""
    from mgedu.claims import DISCREPANCIES_SCHEMA
    from mgedu.seeds import CLAIMS_SCHEMA, seeds_dir

    claims, _ = read_table(seeds_dir(seeds_folder) / "claims.csv", CLAIMS_SCHEMA)
    claim_ids = {c for c in claims.claim_id if isinstance(c, str)}
    table, _ = read_table(data_dir / "discrepancies.csv", DISCREPANCIES_SCHEMA)
    problems: list[Problem] = []
    for row in table.itertuples(index=False):
        if isinstance(row.study_id, str) and row.study_id not in study_ids:
            problems.append(Problem("discrepancies.csv", int(row.csv_row), "study_id",
                                    f"unknown study_id {row.study_id!r} (not in studies.csv)"))
        if isinstance(row.claim_ids, str):
            missing = [c for c in row.claim_ids.split("; ") if c not in claim_ids]
            if missing:
                problems.append(Problem("discrepancies.csv", int(row.csv_row), "claim_ids",
                                        f"unknown claim ids {', '.join(missing)} (not in claims.csv)"))
    return problems


def check_data(seeds_folder: str | Path | None = None, data_folder: str | Path | None = None) -> None:
    """Raise :class:`DataError` listing every problem, or return quietly when the data are clean.

    >>> check_data()
    """
    problems = validate(seeds_folder, data_folder)
    if problems:
        raise DataError(problems)
