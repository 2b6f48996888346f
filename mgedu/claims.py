"""Reading the claims: filters, verdict counts, claim cards and the cross-article discrepancies.

The audited claims live in ``seeds/claims.csv`` (see :mod:`mgedu.seeds`). This module turns them
into what a reader needs: the claims of one article or topic, counts of verdicts, a plain-text card
for one claim with its context in the article, and the discrepancies table
(``mgedu/data/discrepancies.csv``): places where two articles tell the same study or fact
differently, with what the primary source says.
"""

from __future__ import annotations

import functools
import html
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mgedu.seeds import (
    DOC_IDS,
    REASON_KINDS,
    REASON_LABELS,
    TOPICS,
    VERDICT_LABELS,
    VERDICT_MEANINGS,
    VERDICTS,
    document_text,
    load_claims,
    load_documents,
)
from mgedu.tables import Column, References, Schema, derived_cache, load, source_column

if TYPE_CHECKING:
    import pandas as pd

ALL = "all"

DISCREPANCIES_SCHEMA = Schema(
    (
        Column("discrepancy_id", pattern=r"D\d+"),
        Column(
            "study_id",
            references=References("studies.csv"),
            description="the study or fact the articles disagree about",
        ),
        Column("subject", description="one-line title"),
        Column(
            "claim_ids",
            pattern=r"S00[0-4]-C\d{2,3}(; S00[0-4]-C\d{2,3})*",
            references=References("claims.csv", separator="; "),
            description="'; '-separated",
        ),
        Column("articles_say", description="what the articles say, quoted or closely paraphrased"),
        Column("source_says", description="what the primary source says, with numbers"),
        Column("lesson", description="what a reader should learn from the difference"),
        source_column(description="citation with DOI/PMID and the page read"),
    ),
    key="discrepancy_id",
)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value != ALL and value not in allowed:
        raise ValueError(f"{name} must be {ALL!r} or one of {', '.join(allowed)}; got {value!r}")


def select_claims(doc_id: str = ALL, topic: str = ALL, verdict: str = ALL) -> pd.DataFrame:
    """The claims of one article and/or topic and/or verdict (``"all"`` for no filter).

    >>> chosen = select_claims("S000", "study-report")
    >>> sorted(set(chosen.doc_id)), sorted(set(chosen.topic))
    (['S000'], ['study-report'])
    >>> select_claims("S009")
    Traceback (most recent call last):
    ...
    ValueError: doc_id must be 'all' or one of S000, S001, S002, S003, S004; got 'S009'
    """
    _check_choice("doc_id", doc_id, DOC_IDS)
    _check_choice("topic", topic, TOPICS)
    _check_choice("verdict", verdict, VERDICTS)
    claims = load_claims()
    mask = claims.claim_id.notna()
    if doc_id != ALL:
        mask &= claims.doc_id == doc_id
    if topic != ALL:
        mask &= claims.topic == topic
    if verdict != ALL:
        mask &= claims.verdict == verdict
    return claims[mask].reset_index(drop=True)


def verdict_counts(by: str = "doc_id") -> pd.DataFrame:
    """Counts of verdicts per article (``by="doc_id"``) or per topic (``by="topic"``), with totals.

    >>> counts = verdict_counts()
    >>> list(counts.columns)
    ['supported', 'overstated', 'misreported', 'unsupported', 'uncheckable', 'not-verified', 'total']
    >>> list(counts.index)
    ['S000', 'S001', 'S002', 'S003', 'S004', 'all']
    """
    import pandas as pd

    if by not in ("doc_id", "topic"):
        raise ValueError(f"by must be 'doc_id' or 'topic'; got {by!r}")
    claims = load_claims()
    table = pd.crosstab(claims[by], claims.verdict, dropna=False)
    table = table.reindex(columns=list(VERDICTS), fill_value=0)
    table.columns = list(VERDICTS)
    table.index = table.index.astype(str)
    table.index.name = by
    table.loc["all"] = table.sum()
    table["total"] = table.sum(axis=1)
    return table.astype(int)


def share_not_supported(doc_id: str) -> float:
    """Share of an article's claims whose verdict is not ``supported`` (0 to 1).

    >>> round(share_not_supported("S002"), 2)
    0.51
    """
    _check_choice("doc_id", doc_id, DOC_IDS)
    claims = select_claims(doc_id)
    return float((claims.verdict != "supported").mean())


def claim_record(claim_id: str) -> dict[str, object]:
    """One claim as a dict; ``ValueError`` (with close matches) for an unknown id.

    >>> claim_record("S000-C01")["doc_id"]
    'S000'
    """
    claims = load_claims()
    match = claims[claims.claim_id == claim_id]
    if match.empty:
        import difflib

        close = difflib.get_close_matches(str(claim_id), list(claims.claim_id.astype(str)), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown claim_id {claim_id!r}{hint}")
    record = match.iloc[0].to_dict()
    return {k: (None if _missing(v) else v) for k, v in record.items()}


def _missing(value: object) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def quote_in_context(claim_id: str, width: int = 60) -> str:
    """The claim's quote with up to ``width`` characters of the article on each side, quote in [[ ]].

    >>> quote_in_context("S000-C08", width=20)
    '…od at all; however, [[supplementation with 300 mg of magnesium daily]] was shown to signif…'
    """
    if width < 0:
        raise ValueError(f"width must be 0 or more characters; got {width}")
    record = claim_record(claim_id)
    text = document_text(str(record["doc_id"]))
    start, end = int(record["start"]), int(record["end"])  # type: ignore[arg-type]
    before = " ".join(text[max(0, start - width) : start].split())
    after = " ".join(text[end : end + width].split())
    quote = " ".join(text[start:end].split())
    lead = "…" if start - width > 0 else ""
    tail = "…" if end + width < len(text) else ""
    return f"{lead}{before} [[{quote}]] {after}{tail}"


def claim_card(claim_id: str, width: int = 88) -> str:
    """A plain-text card: quote, verdict (with its meaning), what the source says, and why.

    >>> print("\\n".join(claim_card("S000-C08").splitlines()[:3]))
    S000-C08 · dose · verdict: supported
      Study:    hornyak1998
      Quote:    “supplementation with 300 mg of magnesium daily”
    """
    r = claim_record(claim_id)
    wrap = functools.partial(textwrap.fill, width=width, subsequent_indent="    ")
    verdict = str(r["verdict"])
    lines = [
        f"{r['claim_id']} · {r['topic']} · verdict: {VERDICT_LABELS[verdict]}",
        wrap(f"  Quote:    “{' '.join(str(r['quote']).split())}”"),
        wrap(f"  Verdict:  {VERDICT_LABELS[verdict]} = {VERDICT_MEANINGS[verdict]}"),
        wrap(f"  Reason:   {REASON_LABELS[str(r['reason_kind'])]}"),
        wrap(f"  Source:   {r['evidence']}"),
        wrap(f"  Why:      {r['reason']}"),
    ]
    if r.get("study_id"):
        lines.insert(1, f"  Study:    {r['study_id']}")
    return "\n".join(lines)


def human_label(code: str) -> str:
    """A vocabulary code as words for a reader ("study-report" -> "study report").

    >>> human_label("not-verified")
    'not verified'
    """
    return str(code).replace("-", " ")


_CONFIDENCE_CODES = re.compile(r"\s*\[(?:A|B|C|A via B|B via C)\]")


@derived_cache
def _study_names() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern matching any study id as a whole word (longest first), and each id's reader name."""
    from mgedu.studies import load_studies, study_label

    ids = sorted((str(s) for s in load_studies().study_id), key=len, reverse=True)
    alternatives = "|".join(re.escape(s) for s in ids)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), {s: study_label(s) for s in ids}


def audit_text(text: str) -> str:
    """The audit's evidence or reason as a reader meets it: studies named as readers name them (first
    author and year, not their ids), confidence codes such as ``[B]`` taken out, no shouted notes.

    >>> audit_text("hornyak1998: dose not stated (NOT FOUND) [C].")
    'Hornyak 1998: dose not stated (not found).'
    """
    pattern, names = _study_names()
    text = pattern.sub(lambda found: names[found.group(0)], text)  # one pass over the text, not one per study
    return _CONFIDENCE_CODES.sub("", text.replace("NOT FOUND", "not found")).strip()


#: Claim cards shown at first; the rest of a long selection is one click away ("show the other N").
CARDS_SHOWN = 40


def _claim_card_html(row: Any) -> str:
    return (
        "<li><b>{cid}</b> · {topic} · <b>{verdict}</b> ({kind})<br>“{quote}”<br><i>Source:</i> {evidence}"
        "<br><i>Why:</i> {reason}</li>"
    ).format(
        cid=html.escape(str(row.claim_id)),
        topic=html.escape(human_label(row.topic)),
        verdict=html.escape(VERDICT_LABELS.get(str(row.verdict), human_label(row.verdict))),
        kind=html.escape(REASON_LABELS.get(str(row.reason_kind), human_label(row.reason_kind))),
        quote=html.escape(" ".join(str(row.quote).split())),
        evidence=html.escape(audit_text(str(row.evidence))),
        reason=html.escape(audit_text(str(row.reason))),
    )


def claims_html(claims: pd.DataFrame, limit: int = CARDS_SHOWN) -> str:
    r"""An HTML list of claim cards (every data string escaped), for the claim explorer.

    The first ``limit`` cards show at once; the others follow in a folded ``<details>`` that says how
    many there are, so every matching claim can be reached (also with the keyboard, and in a static
    page). Numbers run on across the fold, and the list leaves room for three-digit numbers.

    >>> page = claims_html(select_claims(), limit=2)
    >>> page.split("<summary>")[1].split(" (")[0].split("<")[0].strip()
    'Show the other 191 claims'
    >>> page.count("<li>") - len(select_claims())  # every claim has a card
    0
    """
    if claims.empty:
        return "<p>No claims match.</p>"
    cards = [_claim_card_html(row) for row in claims.itertuples(index=False)]
    style = "padding-left:3.2em;margin:0.3em 0"
    first = f"<ol class='mgedu-claim-cards' style='{style}'>{''.join(cards[:limit])}</ol>"
    if len(cards) <= limit:
        return f"<p>{len(cards)} matching {'claim' if len(cards) == 1 else 'claims'}:</p>" + first
    rest = (
        f"<details class='mgedu-more'><summary>Show the other {len(cards) - limit} claims "
        f"({limit + 1} to {len(cards)})</summary>"
        f"<ol class='mgedu-claim-cards' start='{limit + 1}' style='{style}'>{''.join(cards[limit:])}</ol>"
        "</details>"
    )
    return f"<p>{len(cards)} matching claims; the first {limit} are shown:</p>" + first + rest


def describe_selection(doc_id: str = ALL, topic: str = ALL, verdict: str = ALL) -> str:
    """One sentence summarising a selection of claims by verdict (the claim explorer's readout).

    >>> print(describe_selection("S002", "study-report", "not-verified"))
    S002, topic study report, verdict not verified: 1 claim: 0 supported, 0 overstated, 0 misreported, 0 unsupported, \
0 uncheckable, 1 not verified.
    """
    claims = select_claims(doc_id, topic, verdict)
    where = "all articles" if doc_id == ALL else doc_id
    what = "" if topic == ALL else f", topic {human_label(topic)}"
    which = "" if verdict == ALL else f", verdict {VERDICT_LABELS[verdict]}"
    if claims.empty:
        return f"{where}{what}{which}: no claims."
    counts = claims.verdict.value_counts().reindex(list(VERDICTS), fill_value=0)
    noun = "claim" if len(claims) == 1 else "claims"
    parts = ", ".join(f"{int(counts[v])} {VERDICT_LABELS[v]}" for v in VERDICTS)
    return f"{where}{what}{which}: {len(claims)} {noun}: {parts}."


def reason_kind_counts() -> pd.DataFrame:
    """How many claims have each reason kind, split by verdict (rows: kinds; columns: verdicts and total).

    >>> counts = reason_kind_counts()
    >>> counts.loc["matches-source"][lambda kinds: kinds > 0].index.tolist()  # only supported claims
    ['supported', 'total']
    >>> list(counts.columns)[-2:]
    ['not-verified', 'total']
    """
    import pandas as pd

    claims = load_claims()
    table = pd.crosstab(claims.reason_kind, claims.verdict, dropna=False)
    table = table.reindex(index=list(REASON_KINDS), columns=list(VERDICTS), fill_value=0)
    table.index, table.columns = list(REASON_KINDS), list(VERDICTS)
    table.index.name = "reason_kind"
    table["total"] = table.sum(axis=1)
    return table.astype(int)


#: Designs whose studies can say something about whether a treatment works (the ladder's rungs);
#: reviews, protocols, lab work and reference values cannot on their own.
_NOT_TREATMENT_TESTS = ("registry-protocol", "narrative-review", "pharmacokinetic", "laboratory", "reference-value")


def is_effect_claim(topic: str, study_design: str | None = None, study_tests_treatment: bool = False) -> bool:
    """Whether a claim is about magnesium's *effect* (does it work, what did a trial of it find).

    Every ``efficacy`` claim is one. A ``study-report`` claim is one only when the study it reports gave
    people a treatment and its design tests treatments (a trial, a before/after study, a case report or a
    review of them): a prevalence survey (Manconi 2004) or a trial registration is not evidence about an
    effect, even though the sentence describes a study. Every other topic is not.

    >>> is_effect_claim("efficacy")
    True
    >>> is_effect_claim("study-report", "observational", study_tests_treatment=False)
    False
    >>> is_effect_claim("study-report", "open-label", study_tests_treatment=True)
    True
    >>> is_effect_claim("study-report", "registry-protocol", study_tests_treatment=True)
    False
    """
    if topic not in TOPICS:
        raise ValueError(f"topic must be one of {', '.join(TOPICS)}; got {topic!r}")
    if topic == "efficacy":
        return True
    if topic != "study-report" or study_design is None:
        return False
    return study_tests_treatment and study_design not in _NOT_TREATMENT_TESTS


def effect_claims(doc_id: str = ALL) -> pd.DataFrame:
    """The claims about whether magnesium works, with the design of the study each cites (see :func:`is_effect_claim`).

    >>> effect = effect_claims("S002")
    >>> effect.design.value_counts().to_dict()
    {'open-label': 4, 'case-report': 3}
    """
    from mgedu.studies import load_studies

    claims = select_claims(doc_id)
    studies = load_studies().set_index("study_id")
    designs = studies.design.astype(str).to_dict()
    treated = studies.intervention.notna().to_dict()
    cited = [s if isinstance(s, str) else None for s in claims.study_id.astype(object)]
    keep = [
        is_effect_claim(str(topic), designs.get(s) if s else None, bool(treated.get(s, False)))
        for topic, s in zip(claims.topic, cited, strict=True)
    ]
    effect = claims[keep].reset_index(drop=True)
    effect["design"] = [designs.get(s) if s else None for s, k in zip(cited, keep, strict=True) if k]
    return effect


def rests_on_secondary_source(evidence: str, study_confidence: str | None) -> bool:
    """Whether a check leans, at least in part, on a secondary source rather than the primary one.

    True when the study the claim cites was read only through secondary sources (``confidence`` B in
    studies.csv), or when the claim's evidence marks a fact as ``[B]`` (read only in a secondary source).

    >>> rests_on_secondary_source("marshall2019 [B]: 8 studies", None)
    True
    >>> rests_on_secondary_source("abbasi2012: P = 0.002", "A")
    False
    >>> rests_on_secondary_source("ODS copy", "B")
    True
    """
    return study_confidence == "B" or "[B]" in str(evidence)


@dataclass(frozen=True)
class Coverage:
    """What the audit covers: how many claims, how many judged, how many lean on secondary sources."""

    n_claims: int
    per_article: dict[str, int]
    n_judged: int
    n_not_verified: int
    n_uncheckable: int
    n_secondary: int

    def describe(self) -> str:
        """The coverage statement in one paragraph (the README and notebook 00 quote it).

        >>> print(audit_coverage().describe())  # doctest: +ELLIPSIS
        The audit covers 193 claims from the five articles (S000 12, S001 55, S002 61, S003 20, S004 45)...
        """
        per = ", ".join(f"{d} {n}" for d, n in self.per_article.items())
        return (
            f"The audit covers {self.n_claims} claims from the five articles ({per}), picked from their statements "
            "about magnesium, restless legs and sleep; it does not cover every sentence. "
            f"{self.n_judged} were judged against their sources; {self.n_uncheckable} are too vague to check and "
            f"{self.n_not_verified} could not be verified because their source could not be found or read. "
            f"{self.n_secondary} of the checks rest at least in part on a secondary source (a copy, summary or "
            "review of the primary source: marked [B] in the claim's evidence, or citing a study read only that way)."
        )


def audit_coverage() -> Coverage:
    """Count what the audit covers, from ``claims.csv`` and ``studies.csv`` (see :class:`Coverage`).

    >>> coverage = audit_coverage()
    >>> coverage.n_claims - coverage.n_judged - coverage.n_uncheckable - coverage.n_not_verified  # none left out
    0
    """
    from mgedu.studies import load_studies

    claims = load_claims()
    confidence = load_studies().set_index("study_id").confidence.astype(str).to_dict()
    secondary = sum(
        rests_on_secondary_source(str(e), confidence.get(s) if isinstance(s, str) else None)
        for e, s in zip(claims.evidence, claims.study_id.astype(object), strict=True)
    )
    n_uncheckable = int((claims.verdict == "uncheckable").sum())
    n_not_verified = int((claims.verdict == "not-verified").sum())
    return Coverage(
        n_claims=len(claims),
        per_article={d: int((claims.doc_id == d).sum()) for d in DOC_IDS},
        n_judged=len(claims) - n_uncheckable - n_not_verified,
        n_not_verified=n_not_verified,
        n_uncheckable=n_uncheckable,
        n_secondary=int(secondary),
    )


def documents_overview() -> pd.DataFrame:
    """The five articles side by side: who publishes them, what they sell, how they cite, claim counts.

    >>> documents_overview().loc["S002", "sells_or_promotes"]
    'Sedorum'
    """
    docs = load_documents().set_index("doc_id")
    docs.index = docs.index.astype(str)
    counts = verdict_counts("doc_id").drop(index="all")
    overview = docs[["title", "publisher_kind", "sells_or_promotes", "cites_references", "citation_style"]].copy()
    overview["claims"] = counts["total"]
    overview["supported"] = counts["supported"]
    # Same denominator as the report cards: the claims that could be judged against a source.
    overview["judged"] = counts["total"] - counts["uncheckable"] - counts["not-verified"]
    overview["share_supported"] = (counts["supported"] / overview["judged"]).round(2)
    overview["sells_or_promotes"] = overview["sells_or_promotes"].fillna("(none named)")
    return overview


def load_discrepancies(folder: str | Path | None = None) -> pd.DataFrame:
    """Cross-article discrepancies: the same study or fact told differently, with the source.

    >>> load_discrepancies().discrepancy_id.tolist()[:2]
    ['D1', 'D2']
    """
    return load("discrepancies.csv", folder)


def discrepancy_card(discrepancy_id: str, width: int = 88) -> str:
    """A plain-text card for one discrepancy.

    The study is named as readers name it (first author and year), not by its id.

    >>> print(discrepancy_card("D3").splitlines()[0])
    D3 · How common is RLS? It depends on the definition (Allen 2005)
    """
    from mgedu.studies import study_label

    table = load_discrepancies()
    match = table[table.discrepancy_id == discrepancy_id]
    if match.empty:
        raise ValueError(f"unknown discrepancy_id {discrepancy_id!r}; known: {', '.join(table.discrepancy_id)}")
    r = match.iloc[0]
    wrap = functools.partial(textwrap.fill, width=width, subsequent_indent="    ")
    return "\n".join(
        [
            f"{r.discrepancy_id} · {r.subject} ({study_label(str(r.study_id))})",
            wrap(f"  Claims:        {r.claim_ids}"),
            wrap(f"  Articles say:  {r.articles_say}"),
            wrap(f"  Source says:   {r.source_says}"),
            wrap(f"  Lesson:        {r.lesson}"),
            wrap(f"  Source:        {r.source}"),
        ]
    )
