"""Appraising one article: which of its claims to judge, the article to read, and judging them in one call.

The capstone (notebook 06) asks the learner to judge a set of one article's claims before any verdict is
on screen. :func:`claims_to_judge` picks that set, the same way for every article, by a stated rule:

1. **Candidates**: the article's claims, except "not verified" ones (their source could not be found or
   read, so neither the learner nor the audit can check them).
2. **Balanced across the audit's verdicts**: each verdict gets seats in proportion to how often the audit
   gave it, but every verdict the article has gets at least one seat and none gets more than
   :data:`MAX_SHARE_PER_VERDICT` of the set, so a learner meets every kind of call the article earns
   (and Cohen's kappa has more than one category to work with). Seats left over go to the verdict
   furthest below its proportional share; ties go to the verdict listed first in ``VERDICTS``.
3. **Representative within a verdict**: the article's worst problem (its report card) is always in the
   set; then topics take turns, those that matter most to a reader first (efficacy, study reports,
   doses, safety, product, then mechanism, epidemiology and nutrition), and within a topic a claim that
   cites a study (which the learner can open as a study card) comes before one that does not, then
   the earlier claim in the article.

The set is returned in reading order, so its numbering (1, 2, ...) follows the article and says nothing
about verdicts. Decision: the rule over-samples the rarer verdicts; the shares of the whole article are
on its report card, not in this set.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

from mgedu.practice.claims import judge, study_card
from mgedu.practice.display import Shown, escape
from mgedu.seeds import DOC_IDS, REASON_LABELS, VERDICT_LABELS, VERDICTS

#: How many claims the capstone asks a learner to judge (Cohen's kappa is read without a warning from 10).
SET_SIZE = 10
#: No verdict takes more than this share of the set (4 of 10).
MAX_SHARE_PER_VERDICT = 0.4
#: Verdicts never put in the set: nothing could be checked, by the audit or by the learner.
LEFT_OUT = ("not-verified",)
#: Topics in the order they take turns: what can change what a reader does or believes about the effect first.
TOPIC_TURNS = ("efficacy", "study-report", "dose", "safety", "product", "mechanism", "epidemiology", "nutrition")


def _check_doc(doc_id: object) -> str:
    if doc_id not in DOC_IDS:
        raise ValueError(f"doc_id must be one of {', '.join(DOC_IDS)}, got {doc_id!r}")
    return str(doc_id)


def verdict_seats(counts: dict[str, int], n: int) -> dict[str, int]:
    """How many claims of each verdict go into a set of ``n`` (step 2 of the module's rule).

    >>> verdict_seats({"supported": 30, "overstated": 10, "misreported": 10, "unsupported": 8, "uncheckable": 1}, 10)
    {'supported': 4, 'overstated': 2, 'misreported': 2, 'unsupported': 1, 'uncheckable': 1}
    >>> verdict_seats({"supported": 3, "overstated": 1}, 10)
    {'supported': 3, 'overstated': 1}
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a whole number of claims, 1 or more, got {n!r}")
    present = {v: c for v, c in counts.items() if c > 0}
    total = sum(present.values())
    n = min(n, total)
    if n == 0:
        return {}
    order = [v for v in VERDICTS if v in present] + sorted(v for v in present if v not in VERDICTS)
    quota = {v: n * present[v] / total for v in order}
    cap = max(1, math.floor(MAX_SHARE_PER_VERDICT * n))
    seats = {v: min(present[v], cap, max(1, math.floor(quota[v]))) for v in order}
    while sum(seats.values()) > n:  # more verdicts than seats: the biggest give way, rarest first dropped
        biggest = max(order, key=lambda v: (seats[v], quota[v]))
        seats[biggest] -= 1
    for limit in (cap, n):  # fill below the cap first; lift it only when every verdict is full
        while sum(seats.values()) < n:
            open_ = [v for v in order if seats[v] < min(present[v], limit)]
            if not open_:
                break
            best = max(open_, key=lambda v: (quota[v] - seats[v], -order.index(v)))
            seats[best] += 1
    return {v: s for v, s in seats.items() if s > 0}


def claims_to_judge(doc_id: str, n: int = SET_SIZE) -> list[str]:
    """The claims of one article that the capstone asks a learner to judge, in reading order.

    See the module docstring for the rule; it picks a set balanced across the audit's verdicts and
    spread across topics, always including the article's worst problem.

    >>> claims_to_judge("S002")[:5]
    ['S002-C01', 'S002-C09', 'S002-C12', 'S002-C28', 'S002-C30']
    """
    from mgedu.claims import select_claims
    from mgedu.report_cards import report_card

    claims = select_claims(_check_doc(doc_id))
    claims = claims[~claims.verdict.astype(str).isin(LEFT_OUT)].copy()
    claims["verdict"] = claims.verdict.astype(str)
    claims["topic"] = claims.topic.astype(str)
    worst = {w["claim_id"] for w in report_card(doc_id, n_worst=1).worst}
    counts = claims.verdict.value_counts().to_dict()
    chosen: list[str] = []
    for verdict, seats in verdict_seats({str(k): int(v) for k, v in counts.items()}, n).items():
        mine = claims[claims.verdict == verdict].copy()
        mine["no_study"] = mine.study_id.isna()
        mine = mine.sort_values(["no_study", "start"])
        mine["turn"] = mine.groupby("topic").cumcount()
        mine["topic_rank"] = [TOPIC_TURNS.index(t) if t in TOPIC_TURNS else len(TOPIC_TURNS) for t in mine.topic]
        mine["not_worst"] = ~mine.claim_id.isin(worst)
        mine = mine.sort_values(["not_worst", "turn", "topic_rank", "no_study", "start"])
        chosen += [str(c) for c in mine.claim_id.head(seats)]
    start = claims.set_index("claim_id").start
    return sorted(chosen, key=lambda c: int(start[c]))


def _segments(text: str, marks: list[tuple[int, int, int, str]]) -> list[tuple[str, tuple[int, str] | None]]:
    """The text cut into plain runs and marked claims ``(text, (number, claim_id))``, in order."""
    pieces: list[tuple[str, tuple[int, str] | None]] = []
    at = 0
    for start, end, number, claim_id in sorted(marks):
        start = max(start, at)
        if start > at:
            pieces.append((text[at:start], None))
        if end > start:
            pieces.append((text[start:end], (number, claim_id)))
        at = max(at, end)
    pieces.append((text[at:], None))
    return pieces


def read_article(doc_id: str, marked: Sequence[str] = (), studies: bool = True) -> Shown:
    """The article as collected (unchanged), with the claims in ``marked`` highlighted and numbered; no verdicts.

    Above the text: who publishes it, what it names for sale and how it cites its sources. Below it (when
    ``studies``): the facts of each study the marked claims cite, once per study (:func:`study_card`).

    >>> shown = read_article("S000", ["S000-C05"])
    >>> print(shown.text.splitlines()[0])
    S000 · “Magnesium for Restless Leg Syndrome and Sleep”
    >>> "[[1 · S000-C05:" in shown.text, "verdict" in shown.text.lower().replace("no verdicts", "")
    (True, False)
    """
    from mgedu.claims import claim_record
    from mgedu.report_cards import CITATION_WORDS, publisher_words
    from mgedu.seeds import document_text, load_documents

    doc_id = _check_doc(doc_id)
    if isinstance(marked, str):
        raise ValueError(f"marked must be a list of claim ids, got the string {marked!r}")
    doc = load_documents().set_index("doc_id").loc[doc_id]
    text = document_text(doc_id)
    marks = []
    for number, claim_id in enumerate(marked, start=1):
        record = claim_record(str(claim_id))
        if record["doc_id"] != doc_id:
            raise ValueError(f"claim {claim_id!r} is not in {doc_id}; give claims of the article you read")
        marks.append((int(record["start"]), int(record["end"]), number, str(claim_id)))  # type: ignore[call-overload]
    sells = doc.sells_or_promotes if isinstance(doc.sells_or_promotes, str) else ""
    facts = (
        f"Published by {publisher_words(str(doc.publisher_kind))}; "
        f"{'names for sale: ' + sells if sells else 'names no product for sale'}; "
        f"cites {CITATION_WORDS.get(str(doc.citation_style), str(doc.citation_style))}."
    )
    lead = (
        f"The page as it was collected, unchanged. The {len(marks)} claims you will judge are marked "
        "and numbered in reading order."
        if marks
        else "The page as it was collected, unchanged."
    )
    pieces = _segments(text, marks)
    plain = "".join(f"[[{m[0]} · {m[1]}: {t}]]" if m else t for t, m in pieces)
    paragraphs = [" ".join(p.split()) for p in plain.split("\n\n") if p.strip()]
    body = "\n\n".join(textwrap.fill(p, width=96, break_on_hyphens=False, break_long_words=False) for p in paragraphs)
    head = f"{doc_id} · “{doc.title}”"
    html_text = "".join(
        f"<mark><b>[{m[0]} · {escape(m[1])}]</b> {escape(t)}</mark>" if m else escape(t) for t, m in pieces
    )
    html_paragraphs = "".join(
        "<p>" + "<br>".join(line for line in para.split("\n") if line.strip()) + "</p>"
        for para in html_text.split("\n\n")
        if para.strip()
    )
    html = (
        f"<div class='mgedu-article'><p><b>{escape(head)}</b><br>{escape(facts)}<br><i>{escape(lead)}</i></p>"
        f"<blockquote>{html_paragraphs}</blockquote></div>"
    )
    text = f"{head}\n{facts}\n{lead}\n\n{body}"
    cards = study_cards(marked) if studies and marked else None
    if cards is not None and cards.status == "shown":
        text += "\n\n" + cards.text
        html += cards.html
    return Shown(text, html, status="shown")


def study_cards(claim_ids: Sequence[str]) -> Shown:
    """The facts of every study the claims cite (each study once, with the numbers of the claims citing it).

    >>> shown = study_cards(["S000-C05", "S000-C06", "S000-C12"])
    >>> print(shown.text.splitlines()[1])
    Claims 1 and 2 cite this study:
    >>> print(shown.text.splitlines()[-1])
    Claim 3 cites no study the audit could link: judge from the page itself and what you have learnt.
    """
    from mgedu.claims import claim_record

    if isinstance(claim_ids, str):
        raise ValueError(f"claim_ids must be a list of claim ids, got the string {claim_ids!r}")
    by_study: dict[str, list[int]] = {}
    without = []
    for number, claim_id in enumerate(claim_ids, start=1):
        study_id = claim_record(str(claim_id)).get("study_id")
        if study_id is None:
            without.append(number)
        else:
            by_study.setdefault(str(study_id), []).append(number)
    if not by_study:
        return Shown(
            "None of these claims cites a study the audit could link: judge them from the page itself "
            "and what you have learnt.",
            status="no study",
        )
    blocks_text, blocks_html = [], []
    for study_id, numbers in by_study.items():
        card = study_card(study_id)
        who = (
            f"Claim {numbers[0]} cites"
            if len(numbers) == 1
            else f"Claims {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} cite"
        )
        note = f"{who} this study"
        blocks_text.append((note, card))
        blocks_html.append(f"<p><i>{escape(note)}:</i></p>{card.html}")
    rest = ""
    if without:
        names = (
            f"Claim {without[0]} cites"
            if len(without) == 1
            else f"Claims {', '.join(map(str, without[:-1]))} and {without[-1]} cite"
        )
        rest = f"{names} no study the audit could link: judge from the page itself and what you have learnt."
    lines = ["The studies these claims cite (facts only, no verdicts):"]
    for note, card in blocks_text:
        lines += [f"{note}:", card.text]
    lines += [rest] if rest else []
    html = (
        "<div class='mgedu-studies'><p><b>The studies these claims cite (facts only, no verdicts)</b></p>"
        + "".join(blocks_html)
        + (f"<p><i>{escape(rest)}</i></p>" if rest else "")
        + "</div>"
    )
    return Shown("\n".join(lines), html, status="shown")


def _pair(judgement: Any) -> tuple[object, object] | None:
    if judgement is Ellipsis or judgement is None:
        return (..., ...)
    if isinstance(judgement, tuple | list) and len(judgement) == 2:
        return judgement[0], judgement[1]
    return None


def judge_claims(claim_ids: Sequence[str], *judgements: Any, worst: Any = (..., ...)) -> Shown:
    """Record your verdict and reason for each claim of a set, in order, and (``worst=``) its worst problem.

    ``judge_claims(picks, ("overstated", "design-cannot-show"), (..., ...), ..., worst=(3, "main-promise"))``:
    the first pair is for the first claim of ``picks``, and so on; a pair left as ``(..., ...)`` records
    nothing. Each pair is recorded exactly as :func:`mgedu.practice.judge` would record it (same checks, same
    messages). ``worst`` is the claim you judge the article's worst problem (its number in the set, or its
    id) and why it matters most (:data:`mgedu.practice.appraisal.WHY_LABELS`).

    >>> print(judge_claims(["S000-C05", "S000-C08"], (..., ...)).text.splitlines()[0])
    Not judged yet: claims 1, 2. Replace each (..., ...) with a verdict and a reason, e.g. ("overstated", \
"design-cannot-show").
    """
    from mgedu.practice.appraisal import WHY_SCALE, choose_worst_problem

    if isinstance(claim_ids, str) or not isinstance(claim_ids, Sequence):
        raise ValueError("claim_ids must be the list of claims you judge, e.g. picks = claims_to_judge(DOC_ID)")
    lines, recorded, blank = [], 0, []
    for number, claim_id in enumerate(claim_ids, start=1):
        given = judgements[number - 1] if number <= len(judgements) else (..., ...)
        pair = _pair(given)
        if pair is not None and all(v is Ellipsis or v is None for v in pair):
            blank.append(number)
            continue
        if pair is None:
            lines.append(
                f"{number} · {claim_id} · not recorded: give a pair (verdict, reason) in brackets, "
                f'for example ("overstated", "design-cannot-show"), got {given!r}.'
            )
            continue
        shown = judge(claim_id, *pair)
        if shown.status == "recorded":
            recorded += 1
            verdict, reason = pair
            lines.append(
                f"{number} · {claim_id} · recorded: {VERDICT_LABELS[_resolved('verdict', verdict)]} · "
                f"{REASON_LABELS[_resolved('reason', reason)]}."
            )
        else:
            lines.append(f"{number} · {shown.text}")
    if blank:
        which = "claims " + ", ".join(map(str, blank)) if len(blank) > 1 else f"claim {blank[0]}"
        lines.append(
            f"Not judged yet: {which}. Replace each (..., ...) with a verdict and a reason, "
            'e.g. ("overstated", "design-cannot-show").'
        )
    if len(judgements) > len(claim_ids):
        lines.append(f"{len(judgements) - len(claim_ids)} pair(s) more than claims in the set: they were not used.")
    lines.append(f"{recorded} of {len(claim_ids)} claims judged.")
    pick = _pair(worst)
    if pick is None:
        lines.append(f"Worst problem · not recorded: give worst=(claim number, why), got {worst!r}.")
    elif pick[0] is Ellipsis or pick[0] is None:
        lines.append(
            "Worst problem · not chosen yet: replace worst=(..., ...) with the claim's number and why it "
            f"matters most.\n{WHY_SCALE.describe()}"
        )
    else:
        which = pick[0]
        if isinstance(which, int) and not isinstance(which, bool):
            if not 1 <= which <= len(claim_ids):
                lines.append(f"Worst problem · not recorded: claim number must be 1 to {len(claim_ids)}, got {which}.")
                which = None
            else:
                which = claim_ids[which - 1]
        if which is not None:
            lines.append("Worst problem · " + choose_worst_problem(str(which), pick[1]).text)
    lines.append("The audit's verdicts appear only when you compare.")
    return Shown("\n".join(lines), status="recorded" if recorded else "not judged")


def _resolved(scale: str, value: object) -> str:
    from mgedu.practice.claims import REASON_SCALE, VERDICT_SCALE

    return str((VERDICT_SCALE if scale == "verdict" else REASON_SCALE).resolve(value))
