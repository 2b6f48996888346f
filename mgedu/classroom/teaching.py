"""The generated part of ``docs/teaching.md``: notebooks, class time and what each exercise assesses.

The teacher's guide is written by hand except for one block between two marker comments, which
:func:`render_exercise_section` builds from the notebooks (title, class time stated in their first
cell, exercise ids) and the answer-key files (kind, difficulty, points, Key Concepts). Run
``python -m mgedu exercises --update-docs docs/teaching.md`` after changing a notebook or key file; a
test fails while the guide is out of date.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from mgedu.exercises import Exercise, load_exercises, sort_key

BEGIN = "<!-- BEGIN GENERATED: exercises (python -m mgedu exercises --update-docs docs/teaching.md) -->"
END = "<!-- END GENERATED: exercises -->"
MINUTES = re.compile(r"(\d+)\s*(?:-|–|to)?\s*(\d+)?\s*min", re.IGNORECASE)


@dataclass(frozen=True)
class NotebookInfo:
    """What the teacher's table says about one notebook."""

    name: str
    title: str
    minutes: str


def read_notebook_info(path: Path) -> NotebookInfo:
    """Title (first heading) and stated class time (``about 40 minutes``) of a notebook."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    first = next((str(c.source) for c in nb.cells if c.cell_type == "markdown"), "")
    heading = next((ln.lstrip("# ").strip() for ln in first.splitlines() if ln.startswith("#")), path.stem)
    match = MINUTES.search(first)
    minutes = "" if match is None else (match.group(1) + (f"–{match.group(2)}" if match.group(2) else ""))
    return NotebookInfo(path.stem, heading, minutes)


def _concepts(ex: Exercise, titles: dict[str, str]) -> str:
    return "; ".join(f"{c} {titles[c]}" if c in titles else f"{c} (not a 2019 code)" for c in ex.concepts)


def render_exercise_section(notebooks_dir: str | Path) -> str:
    """The generated Markdown block (markers included) for the notebooks in ``notebooks_dir``."""
    from mgedu.classroom.concepts import load_key_concepts

    concepts = load_key_concepts()
    titles = dict(zip(concepts.code.astype(str), concepts.short_title.astype(str), strict=True))
    by_notebook: dict[str, list[Exercise]] = defaultdict(list)
    for ex in load_exercises().values():
        by_notebook[ex.notebook].append(ex)
    from mgedu.choice_balance import choice_balance
    from mgedu.exercise_keys import SKILLS

    infos = [read_notebook_info(p) for p in sorted(Path(notebooks_dir).glob("[0-9][0-9]-*.ipynb"))]
    lines = [
        BEGIN,
        "",
        "| Notebook | Class time (min) | Exercises | Points | Kinds |",
        "|---|---|---|---|---|",
    ]
    total_ex, total_points = 0, 0.0
    for info in infos:
        exercises = by_notebook.get(info.name, [])
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(Counter(ex.kind for ex in exercises).items()))
        points = sum(ex.points for ex in exercises)
        total_ex += len(exercises)
        total_points += points
        lines.append(f"| {info.title} | {info.minutes or '?'} | {len(exercises)} | {points:g} | {kinds or '-'} |")
    lines += [f"| **All notebooks** | | **{total_ex}** | **{total_points:g}** | |", ""]
    skills = Counter(ex.skill for ex in load_exercises().values())
    lines += [
        "What the exercises ask for (skill): "
        + ", ".join(f"{skill} {skills.get(skill, 0)}" for skill in SKILLS)
        + ". "
        + choice_balance().describe(),
        "",
    ]
    for info in infos:
        exercises = sorted(by_notebook.get(info.name, []), key=lambda e: sort_key(e.id))
        if not exercises:
            continue
        lines += [
            f"### {info.title}",
            "",
            "| Exercise | Kind | Skill | Difficulty | Points | Assesses (IHC Key Concepts 2019) |",
            "|---|---|---|---|---|---|",
        ]
        for ex in exercises:
            unit = f" ({ex.unit})" if ex.kind == "numeric" and ex.unit else ""
            lines.append(
                f"| {ex.id} {ex.title} | {ex.kind}{unit} | {ex.skill} | {ex.difficulty} | {ex.points:g} | "
                f"{_concepts(ex, titles)} |"
            )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def updated_document(text: str, notebooks_dir: str | Path) -> str:
    """``text`` with a fresh generated block; ``ValueError`` if the markers are missing."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the teacher's guide must contain the markers {BEGIN!r} and {END!r}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + render_exercise_section(notebooks_dir) + tail


def update_teaching_doc(doc: str | Path, notebooks_dir: str | Path) -> bool:
    """Rewrite the generated block of ``doc``; return True when the file changed."""
    doc = Path(doc)
    old = doc.read_text(encoding="utf-8")
    new = updated_document(old, notebooks_dir)
    if new != old:
        doc.write_text(new, encoding="utf-8")
    return new != old
