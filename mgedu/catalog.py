"""The catalogue of data tables shipped in ``mgedu/data/``: file name -> the schema that checks it.

Schemas live next to the code that uses them; this catalogue names them as ``"module:ATTRIBUTE"``
strings so that :func:`mgedu.validate` can check every table without importing every module up front.
Every reference table carries a source column (``source`` or ``source_url``): a row without one is a
problem, because the workbook never shows a number it cannot source.
"""

from __future__ import annotations

import importlib

from mgedu.tables import Schema

TABLES: dict[str, str] = {
    "studies.csv": "mgedu.studies:STUDIES_SCHEMA",
    "salts.csv": "mgedu.doses:SALTS_SCHEMA",
    "article_doses.csv": "mgedu.doses:ARTICLE_DOSES_SCHEMA",
    "intake_reference.csv": "mgedu.intake:INTAKE_SCHEMA",
    "serum_reference.csv": "mgedu.intake:SERUM_SCHEMA",
    "absorption.csv": "mgedu.absorption:ABSORPTION_SCHEMA",
    "design_parameters.csv": "mgedu.designs:PARAMETERS_SCHEMA",
    "body_magnesium.csv": "mgedu.mechanisms:BODY_MAGNESIUM_SCHEMA",
    "mechanism_steps.csv": "mgedu.mechanisms:MECHANISM_STEPS_SCHEMA",
    "key_concepts.csv": "mgedu.classroom.concepts:KEY_CONCEPTS_SCHEMA",
    "discrepancies.csv": "mgedu.claims:DISCREPANCIES_SCHEMA",
    "risk_of_bias.csv": "mgedu.risk_of_bias:RISK_OF_BIAS_SCHEMA",
    "grade_outcomes.csv": "mgedu.grading:GRADE_OUTCOMES_SCHEMA",
    "pooled_estimates.csv": "mgedu.pooling:POOLED_SCHEMA",
    "kappa_bands.csv": "mgedu.practice.agreement:KAPPA_BANDS_SCHEMA",
    "glossary.csv": "mgedu.glossary:GLOSSARY_SCHEMA",
}


def schema_for(file_name: str) -> Schema:
    """The schema registered for ``file_name``.

    >>> schema_for("studies.csv").key
    'study_id'
    """
    try:
        target = TABLES[file_name]
    except KeyError:
        raise ValueError(f"no schema registered for {file_name!r}; known tables: {', '.join(sorted(TABLES))}") from None
    module_name, attribute = target.split(":")
    return getattr(importlib.import_module(module_name), attribute)
