"""Whole-corpus validation: every problem in the seeds and the data tables, reported at once.

:func:`validate` returns the list of problems (empty when all is well); :func:`check_data` raises
:class:`~mgedu.tables.DataError` listing them as ``file:row:column: message``. It runs every rule of
every table in the catalogue (:mod:`mgedu.catalog`): the column rules, the ids that point into other
tables, and the named rules, including those that cross files (quotes against the article text,
checksums against the article files, mechanism chains against the claims, ...). A table's loader
runs the same code for that table's own rules (:mod:`mgedu.rules`). It also checks that the per-student
variants of graded exercises (``variants.json``, not a table) fit their exercises
(:func:`mgedu.variants.variant_problems`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from mgedu.rules import Corpus, corpus_problems
from mgedu.tables import DataError, Problem


def validate(seeds_folder: str | Path | None = None, data_folder: str | Path | None = None) -> list[Problem]:
    """Every problem in the seed corpus and the data tables (an empty list when clean).

    Args:
        seeds_folder: the seeds folder to check (default: the packaged or checkout copy).
        data_folder: the data folder to check (default: ``mgedu/data``).

    >>> validate()
    []
    """
    corpus = Corpus(seeds_folder, data_folder)
    problems = corpus_problems(corpus)
    variants = corpus.folder("data") / "variants.json"
    if variants.exists():
        # Named by string, as the catalogue names table schemas: the variant spec's checker lives with the
        # classroom's variant code, which this data layer does not import.
        variant_problems = importlib.import_module("mgedu.variants").variant_problems
        problems = sorted(
            set(problems) | set(variant_problems(variants)), key=lambda p: (p.file, p.row, p.column, p.message)
        )
    return problems


def check_data(seeds_folder: str | Path | None = None, data_folder: str | Path | None = None) -> None:
    """Raise :class:`DataError` listing every problem, or return quietly when the data are clean.

    >>> check_data()
    """
    problems = validate(seeds_folder, data_folder)
    if problems:
        raise DataError(problems)
