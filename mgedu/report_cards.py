"""Report cards: how each of the five articles measures up, computed from the audited claims.

A card counts the article's verdicts, picks its worst problems, says whether it sells something, how it
cites and which kinds of study its claims lean on, and gives an overall reading. The reading uses the
workbook's own rubric (not a published scale), stated here so a teacher can disagree with it:

- **judged** claims are the claims that could be compared with a source: all claims except
  "uncheckable" ones (vague or marketing language) and "not verified" ones (the source could not be found
  or read, so they count neither for nor against the article). Every share on a card, in the table and in
  the bars of :func:`mgedu.plots.evidence.plot_report_cards`, is a share of the judged claims;
- **serious** problems are "misreported" and "unsupported" claims (a wrong fact, or nothing behind it);
- "mostly faithful to its sources" when at least 70% of judged claims are supported and at most 10%
  are serious problems; "often wrong or unsupported" when 30% or more are serious problems; otherwise
  "mixed: check each claim".

Worst problems are ordered by verdict (misreported and unsupported before overstated) and then by
topic, because a wrong dose, safety or efficacy claim can change what a reader does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mgedu.seeds import DOC_IDS, VERDICT_LABELS, VERDICTS
from mgedu.study_designs import STUDY_DESIGN_LABELS

if TYPE_CHECKING:
    import pandas as pd

SERIOUS = ("misreported", "unsupported")
FAITHFUL_MIN_SUPPORTED = 0.70
FAITHFUL_MAX_SERIOUS = 0.10
UNRELIABLE_MIN_SERIOUS = 0.30
READINGS = ("mostly faithful to its sources", "mixed: check each claim", "often wrong or unsupported")
VERDICT_RANK = {"misreported": 0, "unsupported": 0, "overstated": 1, "uncheckable": 2, "not-verified": 2,
                "supported": 3}
#: Verdicts that say nothing for or against the article: left out of every share.
NOT_JUDGED = ("uncheckable", "not-verified")
#: The verdicts whose counts make up the shares (the bars of the report-card chart).
JUDGED_VERDICTS = tuple(v for v in VERDICTS if v not in NOT_JUDGED)
TOPIC_RANK = {"dose": 0, "safety": 0, "efficacy": 0, "study-report": 1, "mechanism": 2, "epidemiology": 2,
              "nutrition": 2, "product": 2}
CITATION_WORDS = {
    "numbered-list": "a numbered reference list",
    "inline-journal-names": "journal names in the text, without a reference list",
    "inline-site-names": "website names in the text",
    "none": "no sources at all",
}


@dataclass(frozen=True)
class ReportCard:
    """One article's report card (see the module docstring for the rubric)."""

    doc_id: str
    title: str
    publisher_kind: str
    sells: str | None
    cites_references: int
    citation_style: str
    verdict_counts: dict[str, int]
    share_supported: float
    share_serious: float
    share_traced: float
    designs_cited: dict[str, int]
    worst: list[dict[str, str]] = field(repr=False)
    reading: str = ""

    @property
    def n_claims(self) -> int:
        """Number of audited claims in the article."""
        return sum(self.verdict_counts.values())

    @property
    def n_judged(self) -> int:
        """Claims compared with a source: all but 'uncheckable' and 'not verified' (the shares' denominator)."""
        return self.n_claims - sum(self.verdict_counts.get(v, 0) for v in NOT_JUDGED)

    def describe(self) -> str:
        """The card as plain text (what ``print(card)`` shows)."""
        counts = ", ".join(f"{v} {VERDICT_LABELS[k]}" for k, v in self.verdict_counts.items() if v)
        sells = f"sells or promotes {self.sells}" if self.sells else "names no product for sale in the text"
        cites = CITATION_WORDS.get(self.citation_style, self.citation_style)
        refs = f" ({self.cites_references} references)" if self.cites_references else ""
        designs = ", ".join(f"{n} {d}" for d, n in self.designs_cited.items()) or "none"
        lines = [
            f"{self.doc_id} · {self.title}",
            f"Publisher: {self.publisher_kind}; {sells}; cites {cites}{refs}.",
            f"Claims: {self.n_claims} ({counts}).",
            f"Supported: {100 * self.share_supported:.0f}% of {self.n_judged} claims judged against a source; "
            f"serious problems (misreported or unsupported): {100 * self.share_serious:.0f}%.",
            f"Claims traced to a study: {100 * self.share_traced:.0f}%; designs behind them: {designs}.",
            f"Overall reading: {self.reading}.",
            "Worst problems:",
        ]
        for item in self.worst:
            lines.append(f"  - {item['claim_id']} ({item['verdict']}, {item['topic']}): {item['reason']}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def overall_reading(share_supported: float, share_serious: float) -> str:
    """The rubric's reading from the two shares (each between 0 and 1).

    >>> overall_reading(0.8, 0.05)
    'mostly faithful to its sources'
    >>> overall_reading(0.5, 0.33)
    'often wrong or unsupported'
    """
    for name, value in (("share_supported", share_supported), ("share_serious", share_serious)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
    if share_supported >= FAITHFUL_MIN_SUPPORTED and share_serious <= FAITHFUL_MAX_SERIOUS:
        return READINGS[0]
    if share_serious >= UNRELIABLE_MIN_SERIOUS:
        return READINGS[2]
    return READINGS[1]


def _worst(claims: pd.DataFrame, n: int) -> list[dict[str, str]]:
    bad = claims[claims.verdict.isin(SERIOUS + ("overstated",))].copy()
    bad["_rank"] = [(VERDICT_RANK[str(v)], TOPIC_RANK.get(str(t), 3), str(c))
                    for v, t, c in zip(bad.verdict, bad.topic, bad.claim_id, strict=True)]
    bad = bad.sort_values("_rank")
    keys = ("claim_id", "verdict", "topic", "reason")
    return [{k: str(getattr(r, k)) for k in keys} for r in bad.head(n).itertuples(index=False)]


def report_card(doc_id: str, n_worst: int = 3) -> ReportCard:
    """The report card of one article, from ``mgedu.load_claims()`` and ``mgedu.load_documents()``.

    Args:
        doc_id: the article, ``"S000"`` to ``"S004"``.
        n_worst: how many of its worst problems to list (0 to 10).

    >>> card = report_card("S004")
    >>> card.doc_id, card.n_claims, card.citation_style
    ('S004', 45, 'inline-site-names')
    """
    import pandas as pd

    from mgedu.seeds import load_claims, load_documents
    from mgedu.studies import load_studies

    if doc_id not in DOC_IDS:
        raise ValueError(f"doc_id must be one of {', '.join(DOC_IDS)}, got {doc_id!r}")
    if not 0 <= n_worst <= 10:
        raise ValueError(f"n_worst must be between 0 and 10, got {n_worst}")
    doc = load_documents().set_index("doc_id").loc[doc_id]
    claims = load_claims()
    claims = claims[claims.doc_id == doc_id]
    counts = {v: int((claims.verdict == v).sum()) for v in VERDICTS}
    judged = len(claims) - sum(counts[v] for v in NOT_JUDGED)
    supported = counts["supported"] / judged if judged else 0.0
    serious = sum(counts[v] for v in SERIOUS) / judged if judged else 0.0
    traced = claims.study_id.notna()
    designs = load_studies().set_index("study_id").design.astype(str)
    cited = Counter(designs.get(str(s), "unknown") for s in claims.study_id[traced])
    sells = doc.sells_or_promotes
    return ReportCard(
        doc_id=doc_id, title=str(doc.title), publisher_kind=str(doc.publisher_kind),
        sells=None if pd.isna(sells) else str(sells), cites_references=int(doc.cites_references),
        citation_style=str(doc.citation_style), verdict_counts=counts, share_supported=supported,
        share_serious=serious, share_traced=float(traced.mean()) if len(claims) else 0.0,
        designs_cited=dict(cited.most_common()), worst=_worst(claims, n_worst),
        reading=overall_reading(supported, serious),
    )


def report_cards() -> pd.DataFrame:
    """All five report cards as one table (one row per article).

    >>> cards = report_cards()
    >>> list(cards.doc_id)
    ['S000', 'S001', 'S002', 'S003', 'S004']
    """
    import pandas as pd

    rows = []
    for doc_id in DOC_IDS:
        card = report_card(doc_id)
        rows.append({
            "doc_id": doc_id, "publisher_kind": card.publisher_kind, "sells": card.sells or "",
            "citation_style": card.citation_style, "cites_references": card.cites_references,
            "claims": card.n_claims, "judged": card.n_judged, **card.verdict_counts,
            "share_supported": round(card.share_supported, 3), "share_serious": round(card.share_serious, 3),
            "share_traced": round(card.share_traced, 3), "reading": card.reading,
        })
    return pd.DataFrame(rows)



CAUSAL_PHRASES: dict[str, str] = {
    "yes": "which can show cause when they are well run",
    "depends": "which are only as strong as the studies they pool",
    "weak": "which show association, not cause",
    "no": "which cannot show that magnesium causes an improvement",
}


def model_verdict(doc_id: str) -> str:
    """A short model verdict on one article, built from its report card and the GRADE tables.

    It is one reasonable answer to the capstone's written exercise, not the only one: a reader may
    weigh the problems differently. The designs it names are those cited by the article's *effect*
    claims only (:func:`mgedu.claims.effect_claims`), never by its claims about prevalence or protocols.

    >>> text = model_verdict("S003")
    >>> text[:54]
    'S003 (mattress-retailer; sells or promotes mattresses)'
    """
    from mgedu.certainty import load_grade_outcomes
    from mgedu.claims import effect_claims
    from mgedu.evidence import CERTAINTY_LEVELS, ladder_rung

    card = report_card(doc_id, n_worst=1)
    sells = f"sells or promotes {card.sells}" if card.sells else "names no product for sale in the text"
    parts = [
        f"{doc_id} ({card.publisher_kind}; {sells}) has {card.n_claims} audited claims, {card.n_judged} of "
        f"which could be judged against a source: {100 * card.share_supported:.0f}% of those are supported and "
        f"{100 * card.share_serious:.0f}% are misreported or unsupported."
    ]
    if card.worst:
        parts.append(f"Its most serious problem ({card.worst[0]['claim_id']}): {card.worst[0]['reason']}")
    effect = effect_claims(doc_id)
    cited = effect.design.dropna()
    if len(cited):
        counts = Counter(str(d) for d in cited).most_common()
        design, count = counts[0]
        causal = ladder_rung(design).causal if design in STUDY_DESIGN_LABELS else "no"
        plural = STUDY_DESIGN_LABELS[design].plural if design in STUDY_DESIGN_LABELS else design
        parts.append(f"Of its {len(effect)} claims about whether magnesium works, {len(cited)} cite a study, most "
                     f"often {plural} ({count}), {CAUSAL_PHRASES[causal]}.")
    else:
        parts.append(f"None of its {len(effect)} claims about whether magnesium works cites a study we could trace.")
    grades = load_grade_outcomes()
    rls = [str(c) for c in grades.certainty[grades.condition == "rls"] if str(c) in CERTAINTY_LEVELS]
    best = max(rls, key=CERTAINTY_LEVELS.index) if rls else "no evidence"
    parts.append(f"For restless legs the best certainty any outcome reaches is {best}, so confident claims "
                 f"of benefit go beyond the evidence. Overall reading: {card.reading}.")
    return " ".join(parts)
