"""The IHC Key Concepts (2019 list): the vocabulary every exercise is tagged with.

The Informed Health Choices Key Concepts are principles for judging claims about treatment effects,
comparisons and choices (Oxman et al.; the 2019 list has 49 concepts in three groups). The table
``mgedu/data/key_concepts.csv`` holds one row per concept with its code (``"2.1d"``), a short label,
the concept's wording, its group and the page it was read from. Each row says how sure the workbook
is of it (``confidence``): A read in an overview table of the 2019 list, B read in a secondary
transcription, C recorded from the 2019 list but not re-read (to check against the PDF).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, Problem, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd

CODE_PATTERN = r"[1-3]\.[1-3][a-l]"
DOMAINS = ("claims", "comparisons", "choices")

KEY_CONCEPTS_SCHEMA = Schema(
    (
        Column("code", pattern=CODE_PATTERN, description="2019 code, e.g. 2.1d"),
        Column("short_title", description="a short label for tables (the workbook's wording)"),
        Column("concept", description="the concept as worded in the 2019 list"),
        Column("group", pattern=r"[1-3]\.[1-3]", description="the higher-level concept, e.g. 2.1"),
        Column("group_title", description="wording of the higher-level concept"),
        Column("domain", "category", vocab=DOMAINS),
        Column(
            "confidence",
            "category",
            vocab=("A", "B", "C"),
            description="A overview table of the 2019 list read; B secondary transcription; C not re-read",
        ),
        Column("notes", required=False, description="renumbering in other versions, disagreements"),
        source_column(description="the page read (URL or DOI)"),
    ),
    key="code",
    description="IHC Key Concepts 2019: code, label, wording, group and source.",
)


def load_key_concepts(folder: str | Path | None = None) -> pd.DataFrame:
    """The 49 IHC Key Concepts of the 2019 list, one row each.

    >>> concepts = load_key_concepts()
    >>> len(concepts), concepts.set_index("code").loc["2.1d", "short_title"]
    (49, 'Blinding of participants')
    """
    return load("key_concepts.csv", folder)


def concept_titles(codes: Iterable[str], folder: str | Path | None = None) -> list[str]:
    """``"code short title"`` for each code; ``ValueError`` naming any code not in the 2019 list.

    >>> concept_titles(["1.2d", "2.3d"])
    ['1.2d Association is not causation', '2.3d Small studies']
    """
    table = load_key_concepts(folder).set_index("code")
    codes = list(codes)
    unknown = [c for c in codes if c not in table.index]
    if unknown:
        raise ValueError(
            f"concepts {unknown} are not codes of the IHC Key Concepts 2019 list "
            f"(codes look like 1.2d; see mgedu/data/key_concepts.csv)"
        )
    return [f"{c} {table.loc[c, 'short_title']}" for c in codes]


# ------------------------------------------------------------------------------------------ named rules


@rule()
def concept_groups_match_their_codes(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A concept's group is the start of its code (2.1d belongs to 2.1)."""
    for record in rows:
        code, group = record["code"], record["group"]
        if isinstance(code, str) and isinstance(group, str) and code[:3] != group:
            yield rows.problem(record, "group", f"{code} belongs to group {code[:3]}, not {group}")


@rule()
def concept_domains_match_their_codes(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A concept's domain follows from the first digit of its code (1 claims, 2 comparisons, 3 choices)."""
    for record in rows:
        code, domain = record["code"], record["domain"]
        if isinstance(code, str) and isinstance(domain, str) and DOMAINS[int(code[0]) - 1] != domain:
            yield rows.problem(record, "domain", f"{code} is in domain {DOMAINS[int(code[0]) - 1]}, not {domain}")


@rule(reads=("exercises/*.json",))
def exercise_concepts_are_key_concepts(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Every Key Concept an exercise is tagged with (in exercises/NN.json) is a code of this table."""
    codes = rows.values("code")
    for path in sorted((corpus.folder("data") / "exercises").glob("*.json")):
        text = corpus.text(path)
        try:
            exercises = json.loads(text or "")["exercises"]
        except (ValueError, KeyError, TypeError):
            continue  # the exercise loader reports an unreadable key file
        lines = (text or "").splitlines()
        for exercise in exercises:
            unknown = [c for c in exercise.get("concepts", []) if c not in codes]
            if unknown:
                marker = f'"id": "{exercise.get("id")}"'
                line = next((i + 1 for i, text_line in enumerate(lines) if marker in text_line), 0)
                yield Problem(
                    f"exercises/{path.name}",
                    line,
                    "concepts",
                    (f"exercise {exercise.get('id')}: {', '.join(unknown)} not in key_concepts.csv"),
                )
