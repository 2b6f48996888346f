"""Judging claims: the claim in its paragraph, the study card, then ``judge``, ``compare`` and ``tally``.

The learner reads a claim where the article makes it (:func:`show_claim`: the sentence marked in its
paragraph, no verdict), may open the facts of the study it cites (:func:`study_card`: design, people,
dose, results, source; no verdict), then records a verdict and a reason with :func:`judge`. The
vocabularies are the audit's own (``mgedu.seeds``: ``VERDICTS``, ``REASON_KINDS`` and their labels), so
:func:`compare` can set the learner's call beside the audit's, and :func:`tally` can count agreement.

Severity order of verdicts, from lenient to harsh: supported, overstated, misreported, unsupported
(how much of the claim survives a check against its source: all of it; its direction; its source but
not a detail; nothing). "uncheckable" and "not verified" are off that scale: they say a claim could not
be checked, not how wrong it is, so a disagreement involving them has no direction.

Consistency rules (the audit follows them too): "supported" goes with "the source says this" and only
with it; "not verified" with "the source could not be found or read"; "uncheckable" with "vague,
opinion or marketing"; the other verdicts take one of the other reasons.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mgedu.practice.comparison import compare_items, tally_shown
from mgedu.practice.display import Shown, escape
from mgedu.practice.record import judge_item
from mgedu.practice.tasks import Answer, Scale, Task
from mgedu.seeds import REASON_KINDS_BY_VERDICT, REASON_LABELS, VERDICT_LABELS

if TYPE_CHECKING:
    import pandas as pd

#: Verdicts on the severity scale, from lenient to harsh; the others are off the scale.
VERDICT_ORDER = ("supported", "overstated", "misreported", "unsupported")
#: Verdicts that take exactly one reason (and reasons that belong to exactly one verdict): the audit's rule.
PAIRED_REASONS: Mapping[str, str] = {
    verdict: kinds[0] for verdict, kinds in REASON_KINDS_BY_VERDICT.items() if len(kinds) == 1
}
#: Longest paragraph shown whole; a longer block (a page without blank lines) is cut to its lines.
MAX_PARAGRAPH_CHARS = 900

VERDICT_SCALE = Scale("verdict", dict(VERDICT_LABELS), order=VERDICT_ORDER)
REASON_SCALE = Scale("reason", dict(REASON_LABELS))


def consistency_problem(values: Mapping[str, str]) -> str | None:
    """Why a verdict and a reason contradict each other (the audit's rules), or None.

    >>> consistency_problem({"verdict": "supported", "reason": "no-source"})
    "'supported' goes with the reason 'the source says this' (matches-source), and that reason with 'supported' only."
    >>> print(consistency_problem({"verdict": "overstated", "reason": "stronger-than-evidence"}))
    None
    """
    verdict, reason = values["verdict"], values["reason"]
    for paired_verdict, paired_reason in PAIRED_REASONS.items():
        if (verdict == paired_verdict) != (reason == paired_reason):
            return (
                f"'{VERDICT_LABELS[paired_verdict]}' goes with the reason '{REASON_LABELS[paired_reason]}' "
                f"({paired_reason}), and that reason with '{VERDICT_LABELS[paired_verdict]}' only."
            )
    return None


def _claim_ids() -> list[str]:
    from mgedu.seeds import load_claims

    return [str(c) for c in load_claims().claim_id]


def _record(claim_id: str) -> dict[str, object]:
    from mgedu.claims import claim_record

    return claim_record(claim_id)


def humanise(text: str) -> str:
    """Audit text with study ids replaced by how readers name the studies, and no shouted notes.

    >>> humanise("hornyak1998: dose not stated (NOT FOUND) [C].")
    'Hornyak 1998: dose not stated (not found).'
    """
    from mgedu.claims import audit_text

    return audit_text(text)


def _answer(claim_id: str) -> Answer:
    record = _record(claim_id)
    reason = record.get("reason_kind")
    return Answer(
        {"verdict": str(record["verdict"]), "reason": None if reason is None else str(reason)},
        why=humanise(str(record["reason"])),
        evidence=humanise(str(record.get("evidence") or "")),
    )


def short_quote(claim_id: str, limit: int = 140) -> str:
    """The claim's quote in curly quotes, cut at a word boundary after ``limit`` characters.

    >>> short_quote("S000-C08", limit=40)
    '“supplementation with 300 mg of…”'
    """
    quote = " ".join(str(_record(claim_id)["quote"]).split())
    if len(quote) > limit:
        quote = quote[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"“{quote}”"


CLAIM_TASK = Task(
    name="claim",
    noun="claim",
    scales=(VERDICT_SCALE, REASON_SCALE),
    items=_claim_ids,
    answer=_answer,
    describe=short_quote,
    check=consistency_problem,
)


def paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the paragraph around ``text[start:end]`` (blank lines separate paragraphs).

    A block longer than :data:`MAX_PARAGRAPH_CHARS` (pages saved without blank lines) is cut to the
    lines that hold the quote.

    >>> text = "Title\\n\\nOne line. The claim here.\\nMore.\\n\\nNext."
    >>> a, b = paragraph_bounds(text, text.index("The claim"), text.index(" here") + 5)
    >>> text[a:b]
    'One line. The claim here.\\nMore.'
    """
    if not 0 <= start < end <= len(text):
        raise ValueError(f"start and end must satisfy 0 <= start < end <= {len(text)}, got {start}, {end}")
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    if para_end - para_start > MAX_PARAGRAPH_CHARS:
        line_start = text.rfind("\n", para_start, start)
        para_start = para_start if line_start < 0 else line_start + 1
        line_end = text.find("\n", end, para_end)
        para_end = para_end if line_end < 0 else line_end
    return para_start, para_end


def show_claim(claim_id: str) -> Shown:
    """The claim in context: its paragraph of the article with the claim marked, and no verdict.

    In JupyterLab and the static site the claim is highlighted (``<mark>``); the plain text marks it with
    ``[[`` and ``]]``.

    >>> print(show_claim("S000-C08").text.splitlines()[0])
    S000-C08 · from S000, “Magnesium for Restless Leg Syndrome and Sleep”
    """
    from mgedu.seeds import document_text, load_documents

    record = _record(claim_id)
    doc_id = str(record["doc_id"])
    text = document_text(doc_id)
    start, end = int(record["start"]), int(record["end"])  # type: ignore[call-overload]
    a, b = paragraph_bounds(text, start, end)
    title = str(load_documents().set_index("doc_id").loc[doc_id, "title"])
    before, quote, after = (
        " ".join(text[a:start].split()),
        " ".join(text[start:end].split()),
        " ".join(text[end:b].split()),
    )
    head = f"{claim_id} · from {doc_id}, “{title}”"
    body = textwrap.fill(f"{before} [[{quote}]] {after}".strip(), width=96, initial_indent="  ", subsequent_indent="  ")
    plain_text = f"{head}\nThe claim is between [[ and ]], in its paragraph of the article:\n{body}"
    html = (
        f"<div class='mgedu-claim'><p><b>{escape(claim_id)}</b> · from {escape(doc_id)}, “{escape(title)}”</p>"
        f"<blockquote>{escape(before)} <mark>{escape(quote)}</mark> {escape(after)}</blockquote></div>"
    )
    return Shown(plain_text, html, status="shown")


STUDY_FIELDS: tuple[tuple[str, str], ...] = (
    ("design", "Design"),
    ("population", "People"),
    ("n", "Number of people"),
    ("intervention", "What they took"),
    ("elemental_mg_per_day", "Elemental magnesium"),
    ("duration_weeks", "How long"),
    ("comparator", "Compared with"),
    ("main_results", "What it found"),
    ("doi_or_pmid", "DOI or PMID"),
    ("source_url", "Read at"),
)


def _study_value(field: str, value: object) -> str:
    from mgedu.evidence import ladder_rung

    if field == "design":
        return ladder_rung(str(value)).label
    if field == "elemental_mg_per_day":
        return f"{float(value):g} mg a day"  # type: ignore[arg-type]
    if field == "duration_weeks":
        return f"{float(value):g} weeks"  # type: ignore[arg-type]
    return humanise(str(value))


def study_card(claim_or_study_id: str) -> Shown:
    """The facts of a study (for a claim id: the study it cites), in human labels and without any verdict.

    >>> print(study_card("S000-C08").text.splitlines()[0])  # doctest: +ELLIPSIS
    Study cited by S000-C08: Hornyak M...
    """
    from mgedu.studies import load_studies, study

    wanted = str(claim_or_study_id)
    studies = set(load_studies().study_id.astype(str))
    lead = "Study"
    if wanted not in studies:
        if CLAIM_TASK.item_problem(wanted) is not None:
            known = f"a claim id (e.g. S000-C08) or a study id (e.g. {sorted(studies)[0]})"
            return Shown(f"{wanted!r} is neither a claim nor a study: give {known}.", status="invalid")
        study_id = _record(wanted).get("study_id")
        if study_id is None:
            return Shown(
                f"{wanted}: the audit links no single study to this claim. Look at what the article itself "
                "cites, if anything, next to the sentence.",
                status="no study",
            )
        lead, wanted = f"Study cited by {wanted}", str(study_id)
    record = study(wanted)
    rows = [
        (label, _study_value(field, record[field])) for field, label in STUDY_FIELDS if record.get(field) is not None
    ]
    text = "\n".join(
        [textwrap.fill(f"{lead}: {record['citation']}", width=96, subsequent_indent="    ")]
        + [textwrap.fill(f"  {label}: {value}", width=96, subsequent_indent="    ") for label, value in rows]
    )
    # A table, not a <dl>: JupyterLab floats <dt>s, so a label that wraps pushes every later row out of line.
    html = (
        f"<div class='mgedu-study'><p><b>{escape(lead)}:</b> {escape(record['citation'])}</p><table>"
        + "".join(
            f"<tr><th scope='row' style='text-align:left;vertical-align:top'>{escape(label)}</th>"
            f"<td style='text-align:left'>{escape(value)}</td></tr>"
            for label, value in rows
        )
        + "</table></div>"
    )
    return Shown(text, html, status="shown")


def verdict_guide() -> Shown:
    """The verdicts and reasons to choose from, as the learner types them, with their meanings and pairs.

    Derived from the audit's vocabularies (``mgedu.seeds``), so it lists exactly what :func:`judge` accepts.

    >>> lines = verdict_guide().text.splitlines()
    >>> lines[1]
    '  "supported"      the primary source says this; reason: "matches-source"'
    >>> sum(line.startswith('  "') for line in lines)  # six verdicts, six reasons for the other three
    12
    """
    from mgedu.seeds import REASON_KINDS_BY_VERDICT, VERDICT_MEANINGS, VERDICTS

    def row(code: str, meaning: str, width: int) -> str:
        return textwrap.fill(
            f"  {chr(34) + code + chr(34):{width}}{meaning}",
            width=96,
            break_on_hyphens=False,
            subsequent_indent=" " * (width + 2),
        )

    open_verdicts = [v for v in VERDICTS if v not in PAIRED_REASONS]
    reasons = REASON_KINDS_BY_VERDICT[open_verdicts[0]]
    meaning = {
        v: VERDICT_MEANINGS[v] + (f'; reason: "{PAIRED_REASONS[v]}"' if v in PAIRED_REASONS else "") for v in VERDICTS
    }
    reasons_head = f"Reasons for {', '.join(open_verdicts[:-1])} or {open_verdicts[-1]} (choose the main one):"
    lines = (
        ["Verdicts (type the word in quotes):"]
        + [row(v, meaning[v], 17) for v in VERDICTS]
        + [reasons_head]
        + [row(r, REASON_LABELS[r], 25) for r in reasons]
    )

    def table(head: str, codes: Sequence[str], texts: Mapping[str, str]) -> str:
        left = "text-align:left;vertical-align:top"
        body = "".join(
            f"<tr><th scope='row' style='{left};white-space:nowrap'><code>\"{escape(c)}\"</code></th>"
            f"<td style='{left}'>{escape(texts[c])}</td></tr>"
            for c in codes
        )
        return (
            f"<table class='mgedu-guide'><caption style='{left};font-weight:bold'>{escape(head)}</caption>"
            f"<tbody>{body}</tbody></table>"
        )

    html = table("Verdicts (type the word in quotes)", VERDICTS, meaning) + table(
        reasons_head.rstrip(":"), reasons, REASON_LABELS
    )
    return Shown("\n".join(lines), html)


def claim_sheet(claim_id: str) -> Shown:
    """What a learner reads before judging a claim: the claim in its paragraph, the study card folded under it.

    In JupyterLab and the static site the card is a closed ``<details>`` that the learner opens on demand;
    the plain text (static pages without HTML, screen readers, nbval) holds both in full. Never a verdict.

    >>> sheet = claim_sheet("S002-C48")
    >>> sheet.text.splitlines()[0]
    'S002-C48 · from S002, “Learn How Magnesium Affects Restless Leg Syndrome”'
    >>> sheet.html[sheet.html.index("<summary>"):].split(" (open")[0]
    '<summary>Study card: Manconi 2004'
    >>> sheet.html.count("<details class='mgedu-study-card'>"), sheet.html.count("<details open")  # closed
    (1, 0)
    >>> claim_sheet("S9-C1").status
    'invalid'
    """
    from mgedu.studies import study_label

    problem = CLAIM_TASK.item_problem(claim_id)
    if problem is not None:
        return Shown(f"{claim_id!r} · not shown: {problem}.", status="invalid")
    claim, card = show_claim(claim_id), study_card(claim_id)
    study_id = _record(claim_id).get("study_id")
    if study_id is None:
        summary = "Study card: none (the audit links no single study to this sentence)"
        body = f"<p>{escape(card.text)}</p>"
    else:
        summary = f"Study card: {study_label(str(study_id))} (open it for the facts of the study the claim cites)"
        body = card.html
    html = f"{claim.html}<details class='mgedu-study-card'><summary>{escape(summary)}</summary>{body}</details>"
    return Shown(f"{claim.text}\n{card.text}", html, status="shown")


def study_shelf(study_ids: Sequence[str], title: str) -> Shown:
    """Several studies side by side, oldest first: year, design, people, what each found. Never a verdict.

    For claims that cite no single study ("recent clinical trials show ..."): the learner can see what
    had been published, and when, and judge the claim against what its writer could have read.

    >>> shelf = study_shelf(["jadidi2022", "hornyak1998"], "Trials of magnesium for restless legs")
    >>> [line for line in shelf.text.splitlines() if line[:1].isdigit()]  # doctest: +NORMALIZE_WHITESPACE
    ['1998 · Hornyak 1998 · Uncontrolled open-label study (before and after) · 10 people',
     '2023 · Jadidi 2023 · Single-blind randomised controlled trial · 75 people']
    >>> study_shelf(["nobody1999"], "x").status
    'invalid'
    """
    from mgedu.studies import load_studies, study, study_label

    known = set(load_studies().study_id.astype(str))
    unknown = [s for s in study_ids if s not in known]
    if unknown or not study_ids:
        return Shown(
            f"study_ids must be ids of studies.csv (e.g. hornyak1998), got {list(study_ids)!r}", status="invalid"
        )
    records = sorted((study(s) for s in study_ids), key=lambda r: (r.get("year") is None, r.get("year") or 0))
    lines, items = [title], []
    for record in records:
        year = "year not stated" if record.get("year") is None else str(record["year"])
        n = record.get("n")
        people = "" if n is None else f" · {n} {'person' if n == 1 else 'people'}"
        head = f"{year} · {study_label(str(record['study_id']))} · {_study_value('design', record['design'])}{people}"
        who = f"People: {humanise(str(record['population']))}"
        found = f"Found: {humanise(str(record['main_results']))}"
        lines += [head] + [
            textwrap.fill(t, width=96, initial_indent="    ", subsequent_indent="    ") for t in (who, found)
        ]
        items.append(f"<li><b>{escape(head)}</b><br>{escape(who)}<br>{escape(found)}</li>")
    html = f"<div class='mgedu-shelf'><p><b>{escape(title)}</b></p><ul>{''.join(items)}</ul></div>"
    return Shown("\n".join(lines), html, status="shown")


def claim_list(doc_id: str, topic: str = "all") -> pd.DataFrame:
    """The claims of one article to judge: id, topic and quote only (no verdict, evidence or reason).

    >>> list(claim_list("S003").columns)
    ['claim_id', 'topic', 'quote']
    """
    from mgedu.claims import select_claims

    claims = select_claims(doc_id, topic)
    table = claims[["claim_id", "topic", "quote"]].copy()
    table["quote"] = [" ".join(str(q).split()) for q in table.quote]
    return table.reset_index(drop=True)


def judge(claim_id: str, verdict: object = ..., reason: object = ...) -> Shown:
    """Record your verdict on a claim and your reason, before you see the audit's.

    ``verdict``: one of ``VERDICTS`` (supported, overstated, misreported, unsupported, uncheckable,
    not-verified); ``reason``: one of ``REASON_KINDS`` (e.g. ``"design-cannot-show"``). Leaving ``...``
    records nothing ("not judged yet"); a wrong value gets a message naming the allowed ones.

    >>> judge("S000-C08", "overstated", "nonsense").status
    'invalid'
    """
    return judge_item(CLAIM_TASK, claim_id, verdict, reason)


def compare(*claim_ids: str) -> Shown:
    """Your verdicts and reasons beside the audit's, with its reason and evidence (judged claims only).

    With no ids, every claim you judged; unjudged claims are never shown.
    """
    return compare_items(CLAIM_TASK, claim_ids)


def tally(*claim_ids: str) -> Shown:
    """How your claim judgements compare with the audit so far: agreement, directions, table, kappa.

    With ids (e.g. ``tally(*picks)``), only those claims count; with none, every claim you judged.
    """
    return tally_shown(CLAIM_TASK, claim_ids)
