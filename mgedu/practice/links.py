"""Labelling the links of a mechanism chain: what kind of evidence backs each step (notebook 02).

A second task for the practice engine, declared in a few lines, to show how a notebook adds its own
judged items: the items are the steps of ``mgedu/data/mechanism_steps.csv`` (``S000-C03/2``), the one
scale is the kind of evidence, and the audit's answer is the step's ``evidence_level`` with its note.

The scale is ordered from the strongest evidence to none: crediting a link with stronger evidence than
the audit found is *more generous*, with weaker evidence *stricter*.

>>> label_link("S000-C03/2", ...).status
'not judged'
"""

from __future__ import annotations

from mgedu.practice.comparison import compare_items, tally_shown
from mgedu.practice.display import Shown
from mgedu.practice.record import judge_item
from mgedu.practice.tasks import Answer, Scale, Task

EVIDENCE_LABELS = {
    "human-trial": "human trial",
    "human-observational": "human observational study",
    "animal-or-in-vitro": "lab or animal only",
    "assumed": "assumed (no study found)",
}

EVIDENCE_SCALE = Scale(
    "evidence",
    EVIDENCE_LABELS,
    order=tuple(EVIDENCE_LABELS),
    lenient="more generous than the audit (you credited stronger evidence)",
    harsh="stricter than the audit (you credited weaker evidence)",
)


def _steps():  # type: ignore[no-untyped-def]
    from mgedu.mechanisms import load_mechanism_steps

    return load_mechanism_steps().set_index("step_id")


def _step_ids() -> list[str]:
    return [str(s) for s in _steps().index]


def _answer(step_id: str) -> Answer:
    row = _steps().loc[step_id]
    return Answer({"evidence": str(row.evidence_level)}, why=str(row.note), source=str(row.source))


def _describe(step_id: str) -> str:
    return f"“{_steps().loc[step_id, 'statement']}”"


LINK_TASK = Task(
    name="mechanism-link",
    noun="link",
    scales=(EVIDENCE_SCALE,),
    items=_step_ids,
    answer=_answer,
    describe=_describe,
)


def label_link(step_id: str, evidence: object = ...) -> Shown:
    """Record the kind of evidence you think backs one link of a mechanism chain (``"S000-C03/2"``)."""
    return judge_item(LINK_TASK, step_id, evidence)


def compare_links(*step_ids: str) -> Shown:
    """Your labels beside the audit's, with what the source shows (labelled links only)."""
    return compare_items(LINK_TASK, step_ids)


def tally_links() -> Shown:
    """How your link labels compare with the audit's so far."""
    return tally_shown(LINK_TASK)
