"""The rest of an appraisal: its worst problem, the certainty of its main outcome, the report, and checking the checker.

For the capstone (notebook 06); each is recorded before anything about it is shown:

- **worst problem** (:func:`choose_worst_problem`, then :func:`compare_worst_problem`): the learner picks
  the claim that matters most to a reader and says why, from a fixed set of reasons; the audit's pick is
  the first of the report card's worst problems (:func:`mgedu.report_cards.report_card`), and its reason
  follows from that claim's topic (a dose or safety claim can change what a reader does; an efficacy
  claim is the page's promise; a study report describes the evidence; ...);
- **certainty of the main outcome** (:func:`main_outcome`, then :func:`compare_certainty`): the article's
  main promise and the outcome it is about are in ``mgedu/data/main_outcomes.csv``; the learner reads the
  studies that measured that outcome and rates the certainty in a choice exercise (its options start
  with the level, e.g. "very low: ..."); the comparison takes the learner's first and last answers and
  sets them beside the GRADE row (``grade_outcomes.csv``) with its reasons domain by domain;
- **the report** (:func:`compare_appraisal`): the tally with Cohen's kappa, claim by claim, then the two above;
- **check the checker** (:func:`challenge_audit`): for an audit verdict that is debatable
  (``mgedu/data/audit_challenges.csv``), the learner records whether the audit's call is right, too harsh or
  too lenient, after arguing it in a written answer, and only then sees both readings side by side.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.practice.claims import humanise, short_quote
from mgedu.practice.comparison import compare_items, relation
from mgedu.practice.display import Shown, escape
from mgedu.practice.record import judge_item, learner_record
from mgedu.practice.tasks import Answer, Scale, Task
from mgedu.rules import Corpus, Rows, rule
from mgedu.seeds import DOC_IDS, REASON_KINDS, REASON_KINDS_BY_VERDICT, REASON_LABELS, VERDICT_LABELS, VERDICTS
from mgedu.tables import Column, Problem, References, Schema, load, source_column

if TYPE_CHECKING:
    import pandas as pd

# ------------------------------------------------------------------------------------------ data

AUDIT_CHALLENGES_SCHEMA = Schema(
    (
        Column("claim_id", references=References("claims.csv"), description="a claim whose audit verdict is debatable"),
        Column("other_verdict", "category", vocab=VERDICTS, description="the verdict the other reading gives"),
        Column("other_reason_kind", "category", vocab=REASON_KINDS, description="its reason"),
        Column("audit_case", description="the case for the audit's verdict, with the facts"),
        Column("other_case", description="the case for the other reading, with the facts"),
        Column("what_decides", description="what the two readings turn on, and what neither changes"),
        source_column(description="the primary source read and the page"),
    ),
    key="claim_id",
    description="debatable audit verdicts, with the case for and against",
)


def load_audit_challenges(folder: str | Path | None = None) -> pd.DataFrame:
    """Audit verdicts open to debate, each with the case for the audit and for the other reading.

    >>> load_audit_challenges().claim_id.tolist()
    ['S002-C37']
    """
    return load("audit_challenges.csv", folder)


@rule(reads=("claims.csv",))
def challenges_offer_another_verdict(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """The other reading gives a verdict other than the audit's, with a reason kind that fits that verdict."""
    verdicts = {str(r["claim_id"]): str(r["verdict"]) for r in corpus.rows("claims.csv")}
    for r in rows:
        audit = verdicts.get(str(r["claim_id"]))
        other, kind = str(r["other_verdict"]), str(r["other_reason_kind"])
        if audit is not None and other == audit:
            yield rows.problem(r, "other_verdict", f"the other reading must differ from the audit's verdict '{audit}'")
        if other in REASON_KINDS_BY_VERDICT and kind not in REASON_KINDS_BY_VERDICT[other]:
            allowed = ", ".join(REASON_KINDS_BY_VERDICT[other])
            yield rows.problem(r, "other_reason_kind", f"verdict '{other}' takes reason_kind {allowed}, not '{kind}'")


def _lines_shown(lines: list[str], status: str) -> Shown:
    """Logical lines as wrapped plain text, and as one HTML paragraph each (indented lines indented)."""
    text = "\n".join(textwrap.fill(line, width=96, subsequent_indent="    ") for line in lines)
    html = "".join(
        f"<p style='margin-left:{'1.5em' if line.startswith('  ') else '0'}'>{escape(line.strip())}</p>"
        for line in lines
    )
    return Shown(text, html, status=status)


# ------------------------------------------------------------------------------------------ worst problem

WHY_LABELS = {
    "changes-what-readers-do": "it could change what a reader does (a dose, a safety warning)",
    "main-promise": "it is the page's promise that magnesium works",
    "misdescribes-evidence": "it misdescribes the evidence (a study's size, design or result)",
    "sells-the-product": "it is how the page sells its product",
    "background-fact": "it gets a background fact wrong (how common, how the body works)",
}
#: The audit's reason for its pick, from the pick's topic (the report card ranks topics the same way).
WHY_BY_TOPIC = {
    "dose": "changes-what-readers-do",
    "safety": "changes-what-readers-do",
    "efficacy": "main-promise",
    "study-report": "misdescribes-evidence",
    "product": "sells-the-product",
    "mechanism": "background-fact",
    "epidemiology": "background-fact",
    "nutrition": "background-fact",
}
WHY_SCALE = Scale("why", WHY_LABELS)
AUDIT_RULE = (
    "The audit's rule (its report card): a misreported or unsupported claim comes before an overstated "
    "one, and among those a dose, safety or efficacy claim comes first, then a study report, because "
    "those can change what a reader does or believes about the effect."
)


def _claim_ids() -> list[str]:
    from mgedu.seeds import load_claims

    return [str(c) for c in load_claims().claim_id]


def _worst_answer(claim_id: str) -> Answer:
    from mgedu.claims import claim_record

    record = claim_record(claim_id)
    return Answer({"why": WHY_BY_TOPIC.get(str(record["topic"]))}, why=humanise(str(record["reason"])))


WORST_TASK = Task(
    name="worst-problem",
    noun="worst problem",
    scales=(WHY_SCALE,),
    items=_claim_ids,
    answer=_worst_answer,
    describe=short_quote,
)


def choose_worst_problem(claim_id: str, why: object = ...) -> Shown:
    """Record the claim you judge the article's worst problem, and why it matters most (one per article).

    ``why``: one of ``WHY_LABELS`` (e.g. ``"changes-what-readers-do"``). Choosing again replaces your
    earlier choice for that article.

    >>> choose_worst_problem("S002-C12").status
    'not judged'
    """
    shown = judge_item(WORST_TASK, claim_id, why)
    if shown.status != "recorded":
        return shown
    record = learner_record()
    doc = str(claim_id).split("-")[0]
    for key in [
        k for k in record.judgements if k[0] == WORST_TASK.name and k[1].startswith(f"{doc}-") and k[1] != claim_id
    ]:
        del record.judgements[key]
    because = WHY_SCALE.label(str(WHY_SCALE.resolve(why)))
    return Shown(f"{claim_id} · recorded as the worst problem of {doc}, because {because}.", status="recorded")


def compare_worst_problem(doc_id: str) -> Shown:
    """Your worst problem of ``doc_id`` beside the audit's, with both verdicts and the audit's rule.

    >>> compare_worst_problem("S002").status
    'empty'
    """
    from mgedu.claims import claim_record
    from mgedu.report_cards import report_card

    if doc_id not in DOC_IDS:
        raise ValueError(f"doc_id must be one of {', '.join(DOC_IDS)}, got {doc_id!r}")
    mine = [j for j in learner_record().judged(WORST_TASK.name) if j.item.startswith(f"{doc_id}-")]
    if not mine:
        return Shown(
            f"You have not chosen a worst problem of {doc_id} yet: choose it first (worst=(number, why) "
            "where you judge its claims); the audit's choice appears here only after yours.",
            status="empty",
        )
    choice = mine[-1]
    ranked = [w["claim_id"] for w in report_card(doc_id, n_worst=10).worst]
    audit_pick = ranked[0]
    picked, theirs = claim_record(choice.item), claim_record(audit_pick)
    audit_why = WHY_BY_TOPIC.get(str(theirs["topic"]), "background-fact")
    lines = [
        f"You chose {choice.item} {short_quote(choice.item, 100)}",
        f"  because {WHY_SCALE.label(choice.values['why'])}.",
        f"  The audit's verdict on it: {VERDICT_LABELS[str(picked['verdict'])]}.",
    ]
    if choice.item == audit_pick:
        lines.append(
            "The audit chose the same claim"
            + (
                ", for the same reason."
                if choice.values["why"] == audit_why
                else f", because {WHY_SCALE.label(audit_why)}."
            )
        )
    else:
        place = (
            f"the audit ranks yours number {ranked.index(choice.item) + 1} of its {len(ranked)} worst problems"
            if choice.item in ranked
            else "the audit does not count yours among its problems "
            f"(it found it {VERDICT_LABELS[str(picked['verdict'])]})"
        )
        lines += [
            f"The audit chose {audit_pick} {short_quote(audit_pick, 100)}",
            f"  ({VERDICT_LABELS[str(theirs['verdict'])]}; {place}), because {WHY_SCALE.label(audit_why)}.",
        ]
    lines += [
        f"Why the audit faults {audit_pick}: {humanise(str(theirs['reason']))}",
        AUDIT_RULE,
        "A different pick can be a fair one: what matters is that your reason would change what a reader does.",
    ]
    return _lines_shown(lines, "compared")


# ------------------------------------------------------------------------------------------ certainty

#: The certainty levels a rating can take, most confident first (GRADE), and "no evidence".
CERTAINTY_SCALE = Scale(
    "certainty",
    {"high": "high", "moderate": "moderate", "low": "low", "very low": "very low", "no evidence": "no evidence"},
    order=("high", "moderate", "low", "very low"),
    lenient="more confident than the audit",
    harsh="less confident than the audit",
)


def _main_row(doc_id: str) -> dict[str, object]:
    from mgedu.certainty import _row
    from mgedu.report_cards import load_main_outcomes

    if doc_id not in DOC_IDS:
        raise ValueError(f"doc_id must be one of {', '.join(DOC_IDS)}, got {doc_id!r}")
    grade_row = str(load_main_outcomes().set_index("doc_id").loc[doc_id, "grade_row"])
    condition, _, outcome = grade_row.partition(":")
    return _row(condition, outcome)


def main_outcome(doc_id: str) -> Shown:
    """The article's main promise, the outcome it is about, and what the studies that measured it found; no rating.

    >>> print(main_outcome("S003").text.splitlines()[0][:31])
    S003's main promise (S003-C01):
    """
    from mgedu.certainty import CONDITIONS, OUTCOMES
    from mgedu.report_cards import load_main_outcomes

    row = _main_row(doc_id)
    main = load_main_outcomes().set_index("doc_id").loc[doc_id]
    ids = [s.strip() for s in str(row.get("studies") or "").split(";") if s.strip()]
    parts = [
        (f"{doc_id}'s main promise ({main.claim_id})", short_quote(str(main.claim_id), 300)),
        ("It is about", f"{OUTCOMES[str(row['outcome'])]} in {CONDITIONS[str(row['condition'])]}."),
        (f"What the {len(ids)} studies that measured it found, as the audit read them", humanise(str(row["effect"]))),
        ("Open a study's card", ", ".join(f'study_card("{s}")' for s in ids) + "."),
    ]
    text = "\n".join(textwrap.fill(f"{head}: {body}", width=96, subsequent_indent="    ") for head, body in parts)
    html = (
        "<div class='mgedu-main'>"
        + "".join(f"<p><b>{escape(head)}:</b> {escape(body)}</p>" for head, body in parts)
        + "</div>"
    )
    return Shown(text, html, status="shown")


def _missing(value: object) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def rating_of(question_id: str, letter: object) -> str | None:
    """The certainty level a choice item's option stands for (its text starts with the level, then ':').

    >>> rating_of("6.2", "d")
    'very low'
    """
    from mgedu.exercise_keys import load_exercises

    ex = load_exercises().get(str(question_id))
    if ex is None or ex.kind != "choice" or letter not in ex.letters:
        return None
    return CERTAINTY_SCALE.resolve(ex.choices[ex.letters.index(str(letter))].split(":")[0])


def compare_certainty(doc_id: str, question_id: str = "6.2") -> Shown:
    """Your certainty rating of the article's main outcome (your first and last answer to ``question_id``)
    beside the audit's GRADE rating, with its reasons domain by domain. Nothing before you have rated.

    >>> compare_certainty("S002").status
    'empty'
    """
    from mgedu.attempts import tries_of
    from mgedu.certainty import OUTCOMES
    from mgedu.evidence import DOMAINS

    row = _main_row(doc_id)
    tries = [t for t in tries_of(question_id) if rating_of(question_id, t.get("answer")) is not None]
    if not tries:
        return Shown(
            f"You have not rated the certainty yet: answer exercise {question_id} first; the audit's "
            "rating appears here only after yours.",
            status="empty",
        )
    first, last = (str(rating_of(question_id, t["answer"])) for t in (tries[0], tries[-1]))
    audit = str(row["certainty"])
    word = relation(CERTAINTY_SCALE, first, audit)
    how = {"same": "the same as the audit's", "lenient": CERTAINTY_SCALE.lenient, "harsh": CERTAINTY_SCALE.harsh}.get(
        word, "a different kind of call"
    )
    lines = [
        f"Certainty of the evidence on {doc_id}'s main outcome ({OUTCOMES[str(row['outcome'])]}):",
        f"  Your first rating: {first} ({how}); your last: {last}. The audit's GRADE rating: {audit}.",
    ]
    lines.append(f"  Why: {humanise(str(row['bottom_line']))}")
    for name in DOMAINS[:5]:
        reason = row.get(f"{name}_reason")
        if reason:
            lines.append(f"  {name.replace('_', ' ').capitalize()}: {humanise(str(reason))}")
    return _lines_shown(lines, "compared")


# ------------------------------------------------------------------------------------------ the report


def compare_appraisal(doc_id: str, claim_ids: Sequence[str], certainty_question: str = "6.2") -> Shown:
    """The comparison report of one appraisal: the tally with Cohen's kappa, each judged claim beside the
    audit's verdict with why, the worst problem and the certainty rating. Only what you recorded shows.

    >>> compare_appraisal("S002", ["S002-C37"]).text.splitlines()[0]
    'Your appraisal of S002 beside the audit (only what you recorded is compared).'
    """
    from mgedu.practice.comparison import tally_task

    if isinstance(claim_ids, str):
        raise ValueError(f"claim_ids must be a list of claim ids, got the string {claim_ids!r}")
    from mgedu.practice.record import learner_record

    judged = {j.item for j in learner_record().judged("claim")}
    mine = [c for c in claim_ids if c in judged]
    waiting = [c for c in claim_ids if c not in judged]
    tally_text = tally_task("claim", items=mine).as_text()
    claims = (
        compare_items("claim", mine)
        if mine
        else Shown(
            "You have not judged any of these claims yet: judge them first; the audit's verdicts appear here only "
            "for the claims you judged.",
            status="empty",
        )
    )
    if mine and waiting:
        note = f"Not judged yet, so not shown: {', '.join(waiting)}."
        claims = Shown(f"{claims.text}\n\n{note}", f"{claims.html}<p>{escape(note)}</p>", status=claims.status)
    worst, certainty = compare_worst_problem(doc_id), compare_certainty(doc_id, certainty_question)
    sections = [
        ("Agreement on your claims", tally_text),
        ("Claim by claim", claims.text),
        ("The worst problem", worst.text),
        ("The certainty of the main outcome", certainty.text),
    ]
    lead = f"Your appraisal of {doc_id} beside the audit (only what you recorded is compared)."
    text = "\n\n".join([lead] + [f"{head}\n{body}" for head, body in sections])
    html = (
        f"<div class='mgedu-report'><p><b>{escape(lead)}</b></p>"
        f"<h3>{escape(sections[0][0])}</h3><pre>{escape(tally_text)}</pre>"
        f"<h3>{escape(sections[1][0])}</h3>{claims.html or '<p>' + escape(claims.text) + '</p>'}"
        + "".join(
            f"<h3>{escape(head)}</h3>{part.html or '<p>' + escape(part.text) + '</p>'}"
            for (head, _), part in zip(sections[2:], (worst, certainty), strict=True)
        )
        + "</div>"
    )
    return Shown(text, html, status="compared" if claims.status == "compared" else "empty")


# ------------------------------------------------------------------------------------------ check the checker

STANCE_SCALE = Scale(
    "stance",
    {
        "agree": "the audit's verdict is right",
        "milder": "the claim deserves a milder verdict",
        "harsher": "the claim deserves a harsher verdict",
    },
)


def _challenge(claim_id: str) -> dict[str, object]:
    table = load_audit_challenges().set_index("claim_id")
    return {"claim_id": claim_id, **table.loc[claim_id].to_dict()}


def _challenge_answer(claim_id: str) -> Answer:
    return Answer({"stance": None}, why=str(_challenge(claim_id)["what_decides"]))


CHALLENGE_TASK = Task(
    name="audit-call",
    noun="stance on an audit verdict",
    plural="stances on audit verdicts",
    scales=(STANCE_SCALE,),
    items=lambda: [str(c) for c in load_audit_challenges().claim_id],
    answer=_challenge_answer,
    describe=short_quote,
)


def challenge_audit(claim_id: str, stance: object = ..., written: str | None = None) -> Shown:
    """Record your stance on a debatable audit verdict ("agree", "milder" or "harsher"); once it is recorded
    (and your written argument, exercise ``written``, too), see both readings of the claim side by side.

    >>> challenge_audit("S002-C37", ...).status
    'not judged'
    """
    recorded = judge_item(CHALLENGE_TASK, claim_id, stance)
    if recorded.status != "recorded":
        return recorded
    from mgedu.exercises import answered

    if written is not None and not answered(written):
        return Shown(
            f"{recorded.text.split('. ')[0]}. Both readings of {claim_id} appear here once you have "
            f"written your argument (exercise {written}): run that cell, then this one.",
            status="recorded",
        )
    return both_readings(claim_id, str(STANCE_SCALE.resolve(stance)))


def both_readings(claim_id: str, stance: str) -> Shown:
    """The audit's reading of a debatable claim and the other reading, each with its facts, and what decides."""
    from mgedu.claims import claim_record

    row, audit = _challenge(claim_id), claim_record(claim_id)
    verdict, other = str(audit["verdict"]), str(row["other_verdict"])
    leaning = {
        "agree": "You sided with the audit's reading.",
        "milder": "You leaned towards the other, milder reading.",
        "harsher": "You asked for a harsher verdict than either reading gives.",
    }[stance]
    parts = [
        (f"Your stance on {claim_id}", f"{STANCE_SCALE.label(stance)}. {leaning}"),
        (
            f"The audit's reading: {VERDICT_LABELS[verdict]} ({REASON_LABELS[str(audit['reason_kind'])]})",
            str(row["audit_case"]),
        ),
        (
            f"The other reading: {VERDICT_LABELS[other]} ({REASON_LABELS[str(row['other_reason_kind'])]})",
            str(row["other_case"]),
        ),
        ("What decides between them", str(row["what_decides"])),
        ("Source", str(row["source"])),
    ]
    text = "\n".join(textwrap.fill(f"{head}: {body}", width=96, subsequent_indent="    ") for head, body in parts)
    html = (
        "<div class='mgedu-challenge'>"
        + "".join(f"<p><b>{escape(head)}:</b> {escape(body)}</p>" for head, body in parts)
        + "</div>"
    )
    return Shown(text, html, status="shown")
