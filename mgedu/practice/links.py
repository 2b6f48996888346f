"""Labelling the links of a mechanism chain: what kind of evidence backs each step (notebook 02).

A second task for the practice engine, declared in a few lines, to show how a notebook adds its own
judged items: the items are the steps of ``mgedu/data/mechanism_steps.csv`` (``S000-C03/2``), the one
scale is the kind of evidence (the same vocabulary and labels as the data,
:data:`mgedu.mechanisms.EVIDENCE_LABELS`), and the audit's answer is the step's ``evidence_level`` with
its note and what that evidence found.

The scale is ordered from the strongest evidence to none: crediting a link with stronger evidence than
the audit found is *more generous*, with weaker evidence *stricter*.

The notebook's loop: :func:`chain_table` shows a fully worked chain; :func:`label_links` records the
learner's labels for several links at once; :func:`compare_links` and :func:`tally_links` compare them
with the audit; :func:`reveal_chain` draws a chain's map only once every link of it has been labelled,
so that Run All on a blank notebook never puts the levels of a chain on screen before the learner's own.

>>> label_link("S000-C03/2", ...).status
'not judged'
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING

from mgedu.mechanisms import CHAIN_ID, EVIDENCE_LABELS, mechanism_chain
from mgedu.practice.comparison import compare_items, tally_shown
from mgedu.practice.display import Shown, escape
from mgedu.practice.record import judge_item, learner_record
from mgedu.practice.tasks import Answer, Scale, Task, is_placeholder

if TYPE_CHECKING:
    import pandas as pd

EVIDENCE_SCALE = Scale(
    "evidence",
    EVIDENCE_LABELS,
    order=tuple(EVIDENCE_LABELS),
    lenient="more generous than the audit (you credited stronger evidence)",
    harsh="stricter than the audit (you credited weaker evidence)",
)

#: What the evidence behind a link found, as a sentence (the ``finding`` column).
FINDING_WORDS: dict[str, str] = {
    "supports": "What was found supports the link.",
    "mixed": "What was found is mixed: some of it for the link, some not.",
    "against": "What was found goes against the link.",
    "untested": "Nothing: nobody has tested this link.",
}

#: Column labels of :func:`chain_table`.
CHAIN_TABLE_COLUMNS: dict[str, str] = {
    "step": "Step",
    "statement": "Link",
    "evidence": "Best evidence found",
    "finding": "What it found",
    "note": "Why (what the source shows)",
}


def _steps():  # type: ignore[no-untyped-def]
    from mgedu.mechanisms import load_mechanism_steps

    return load_mechanism_steps().set_index("step_id")


def _step_ids() -> list[str]:
    return [str(s) for s in _steps().index]


def _answer(step_id: str) -> Answer:
    row = _steps().loc[step_id]
    found = FINDING_WORDS[str(row.finding)]
    return Answer({"evidence": str(row.evidence_level)}, why=str(row.note), evidence=found, source=str(row.source))


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


def chain_links(claim_id: str) -> list[str]:
    """The step ids of a chain's links (its direct tests of the whole claim left out), in order.

    >>> chain_links("S002-C31")
    ['S002-C31/1', 'S002-C31/2', 'S002-C31/3', 'S002-C31/4']
    """
    chain = mechanism_chain(claim_id)
    return [f"{claim_id}/{step}" for step in chain.loc[chain.role == "link", "step"]]


def chain_table(claim_id: str) -> pd.DataFrame:
    """A chain with the audit's label for every step and why: the worked example, for ``show_table``.

    It shows the answers, so a notebook uses it only for a chain the learner is not asked to label.

    >>> chain_table("S003-C07").iloc[0, 1:3].tolist()
    ['Low iron stores can bring on or worsen RLS', 'human observational']
    """
    from mgedu.practice.comparison import plain

    chain = mechanism_chain(claim_id)
    table = chain.assign(
        statement=[
            s
            + (" (the direct test of the whole claim)" if r == "outcome" else "")
            + (" [not said in the article]" if a == "implied" else "")
            for s, r, a in zip(chain.statement, chain.role, chain["in_article"], strict=True)
        ],
        evidence=[EVIDENCE_LABELS[str(level)] for level in chain.evidence_level],
        finding=[str(f) for f in chain.finding],
        note=[plain(str(n)) for n in chain.note],
    )
    return table[list(CHAIN_TABLE_COLUMNS)].rename(columns=CHAIN_TABLE_COLUMNS)


def links_to_label(claim_id: str) -> Shown:
    """The links of a chain, to label: id, what the link says and whether the article says it; no labels.

    A link the claim needs but the article does not say is marked, because a reader has to supply it
    (that is often where a story stalls). Nothing about the audit's evidence is shown.

    >>> print(links_to_label("S002-C31").text.splitlines()[-1])
    S002-C31/4  Magnesium from a supplement reaches the fluid around brain cells  (not said in the article)
    >>> links_to_label("S002-C99").status
    'invalid'
    """
    try:
        chain = mechanism_chain(claim_id)
    except ValueError as exc:
        return Shown(f"{claim_id!r}: {exc}.", status="invalid")
    links = chain[chain.role == "link"]
    rows = [
        (f"{claim_id}/{step}", str(statement), "(not said in the article)" if said == "implied" else "")
        for step, statement, said in zip(links.step, links.statement, links["in_article"], strict=True)
    ]
    text = "\n".join(f"{i}  {s}  {note}".rstrip() for i, s, note in rows)
    html = (
        "<table class='mgedu-links'><thead><tr><th scope='col'>Link id</th><th scope='col'>The link</th>"
        "<th scope='col'>In the article?</th></tr></thead><tbody>"
        + "".join(
            f"<tr><td>{escape(i)}</td><td>{escape(s)}</td><td>{'no: the claim needs it' if n else 'yes'}</td></tr>"
            for i, s, n in rows
        )
        + "</tbody></table>"
    )
    return Shown(f"The links of {claim_id}, to label:\n{text}", html, status="shown")


def label_link(step_id: str, evidence: object = ...) -> Shown:
    """Record the kind of evidence you think backs one link of a mechanism chain (``"S000-C03/2"``)."""
    return judge_item(LINK_TASK, step_id, evidence)


def label_links(labels: Mapping[str, object]) -> Shown:
    """Record your labels for several links at once: ``{"S000-C03/1": "human trial", ...}``.

    A link left as ``...`` is not labelled (and says so); a wrong id or label is not recorded and gets
    a message naming the allowed ones (the words a learner types, not data codes). Nothing about the
    audit's labels is shown.

    >>> label_links({"S002-C31/3": ..., "S002-C31/4": ...}).status
    'not judged'
    >>> print(label_links({"S002-C31/3": "lab", "S002-C31/4": ...}).text.splitlines()[0])
    S002-C31/3 · not recorded: 'lab' is not one of the labels "human trial", "human observational", \
"lab or animal only", "assumed".
    >>> label_links(["S002-C31/3"]).status
    'invalid'
    """
    allowed = ", ".join(f'"{label.split(" (")[0]}"' for label in EVIDENCE_LABELS.values())
    if not isinstance(labels, Mapping) or not labels:
        return Shown(
            'Give your labels as {link id: label, ...}, for example {"S002-C31/3": "human trial"}.', status="invalid"
        )
    if all(is_placeholder(v) for v in labels.values()):
        return Shown(
            f"Not labelled yet: replace each ... with one of {allowed}, in quotes, and run the cell again.",
            status="not judged",
        )
    scale = LINK_TASK.scales[0]
    lines, statuses = [], set()
    for step, value in labels.items():
        if is_placeholder(value):
            lines.append(f"{step} · not labelled yet (still ...).")
            statuses.add("not judged")
        elif LINK_TASK.item_problem(step) is None and scale.resolve(value) is None:
            lines.append(f"{step} · not recorded: {value!r} is not one of the labels {allowed}.")
            statuses.add("invalid")
        else:
            shown = judge_item(LINK_TASK, step, value)
            # one line per link; the count and what comes next are said once, below
            lines.append(shown.text.partition(". ")[0] + "." if shown.status == "recorded" else shown.text)
            statuses.add(shown.status)
    if "recorded" in statuses:
        count = len(learner_record().judged(LINK_TASK.name))
        lines.append(
            f"{count} link{'s' * (count != 1)} labelled so far. The audit's labels appear when every "
            "link of a chain is labelled and you reveal it."
        )
    status = statuses.pop() if len(statuses) == 1 else ("invalid" if "invalid" in statuses else "partly recorded")
    return Shown("\n".join(lines), status=status)


def _expand(ids: tuple[str, ...]) -> list[str]:
    """Step ids, with each chain id (``"S002-C31"``) replaced by the links of it the learner labelled."""
    import re

    labelled = {j.item for j in learner_record().judged(LINK_TASK.name)}
    steps: list[str] = []
    for item in ids:
        if isinstance(item, str) and re.fullmatch(CHAIN_ID, item):
            steps += [s for s in _steps().index if str(s).startswith(item + "/") and s in labelled]
        else:
            steps.append(item)
    return steps


def compare_links(*ids: str) -> Shown:
    """Your labels beside the audit's, with what the source shows (labelled links only).

    Give link ids (``"S002-C31/3"``) or a chain id (``"S002-C31"``: the links of it you labelled); with
    no ids, every link you labelled.

    >>> compare_links("S002-C31").text
    'You have not labelled any link of S002-C31 yet: label them first; the audit appears only after.'
    """
    steps = _expand(ids)
    if ids and not steps:
        return Shown(
            f"You have not labelled any link of {', '.join(ids)} yet: label them first; the audit appears only after.",
            status="empty",
        )
    return compare_items(LINK_TASK, steps)


def tally_links() -> Shown:
    """How your link labels compare with the audit's so far."""
    return tally_shown(LINK_TASK)


def reveal_chain(claim_id: str, dpi: int = 72) -> Shown:
    """The chain's map (every link coloured by its evidence) and your labels beside the audit's.

    Shown only once you have labelled every link of the chain; before that, it says which are left.
    A commitment device, not security (the data are in the package): it keeps Run All from drawing a
    chain's levels before the learner's own labels.

    >>> print(reveal_chain("S002-C31").text)  # doctest: +NORMALIZE_WHITESPACE
    The map of S002-C31 appears once you have labelled all 4 of its links (you have labelled 0).
    Still to label: S002-C31/1, S002-C31/2, S002-C31/3, S002-C31/4.
    """
    try:
        links = chain_links(claim_id)
    except ValueError as exc:
        return Shown(f"{claim_id!r}: {exc}.", status="invalid")
    labelled = {j.item for j in learner_record().judged(LINK_TASK.name)}
    missing = [s for s in links if s not in labelled]
    if missing:
        return Shown(
            f"The map of {claim_id} appears once you have labelled all {len(links)} of its links "
            f"(you have labelled {len(links) - len(missing)}). Still to label: {', '.join(missing)}.",
            status="hidden",
        )
    from mgedu.plots import alt_text, figure_png
    from mgedu.plots.mechanisms import plot_mechanism_chain

    ax = plot_mechanism_chain(claim_id)
    alt = alt_text(ax) or f"The mechanism chain of {claim_id}."
    png = base64.b64encode(figure_png(ax, dpi=dpi)).decode("ascii")
    compared = compare_links(claim_id)
    html = f"<figure><img src='data:image/png;base64,{png}' alt='{escape(alt)}'></figure>" + (
        compared.html or f"<pre>{escape(compared.text)}</pre>"
    )
    return Shown(f"[Figure] {alt}\n\n{compared.text}", html, status="shown")
