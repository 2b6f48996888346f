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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.rules import Corpus, Rows, rule
from mgedu.seeds import DOC_IDS, VERDICT_LABELS, VERDICTS
from mgedu.study_designs import STUDY_DESIGN_LABELS
from mgedu.tables import Column, Problem, References, Schema, derived_cache, load, source_column

if TYPE_CHECKING:
    import pandas as pd

SERIOUS = ("misreported", "unsupported")
FAITHFUL_MIN_SUPPORTED = 0.70
FAITHFUL_MAX_SERIOUS = 0.10
UNRELIABLE_MIN_SERIOUS = 0.30
READINGS = ("mostly faithful to its sources", "mixed: check each claim", "often wrong or unsupported")
VERDICT_RANK = {
    "misreported": 0,
    "unsupported": 0,
    "overstated": 1,
    "uncheckable": 2,
    "not-verified": 2,
    "supported": 3,
}
#: Verdicts that say nothing for or against the article: left out of every share.
NOT_JUDGED = ("uncheckable", "not-verified")
#: The verdicts whose counts make up the shares (the bars of the report-card chart).
JUDGED_VERDICTS = tuple(v for v in VERDICTS if v not in NOT_JUDGED)
TOPIC_RANK = {
    "dose": 0,
    "safety": 0,
    "efficacy": 0,
    "study-report": 1,
    "mechanism": 2,
    "epidemiology": 2,
    "nutrition": 2,
    "product": 2,
}
CITATION_WORDS = {
    "numbered-list": "a numbered reference list",
    "inline-journal-names": "journal names in the text, without a reference list",
    "inline-site-names": "website names in the text",
    "none": "no sources at all",
}
#: Who publishes each kind of page, in the words a learner reads (``documents.csv`` ``publisher_kind``).
PUBLISHER_WORDS = {
    "supplement-brand-blog": "the blog of a supplement brand",
    "nutrition-advisor-blog": "the blog of a nutrition adviser",
    "combination-supplement-seller": "a seller of a combination supplement",
    "mattress-retailer": "a mattress retailer",
    "remedy-database": "a database of natural remedies",
}


def publisher_words(publisher_kind: str) -> str:
    """Who publishes a page, in plain words (the code itself when it has no words yet).

    >>> publisher_words("mattress-retailer")
    'a mattress retailer'
    """
    return PUBLISHER_WORDS.get(str(publisher_kind), str(publisher_kind))


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
    bad["_rank"] = [
        (VERDICT_RANK[str(v)], TOPIC_RANK.get(str(t), 3), str(c))
        for v, t, c in zip(bad.verdict, bad.topic, bad.claim_id, strict=True)
    ]
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
    import copy

    if doc_id not in DOC_IDS:
        raise ValueError(f"doc_id must be one of {', '.join(DOC_IDS)}, got {doc_id!r}")
    if not 0 <= n_worst <= 10:
        raise ValueError(f"n_worst must be between 0 and 10, got {n_worst}")
    return copy.deepcopy(_report_card(doc_id, n_worst))  # a copy: its counts and lists are the caller's to change


@derived_cache
def _report_card(doc_id: str, n_worst: int) -> ReportCard:
    """:func:`report_card`, computed once per table load (a notebook asks for the same cards several times)."""
    import pandas as pd

    from mgedu.seeds import load_claims, load_documents
    from mgedu.studies import load_studies

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
        doc_id=doc_id,
        title=str(doc.title),
        publisher_kind=str(doc.publisher_kind),
        sells=None if pd.isna(sells) else str(sells),
        cites_references=int(doc.cites_references),
        citation_style=str(doc.citation_style),
        verdict_counts=counts,
        share_supported=supported,
        share_serious=serious,
        share_traced=float(traced.mean()) if len(claims) else 0.0,
        designs_cited=dict(cited.most_common()),
        worst=_worst(claims, n_worst),
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
        rows.append(
            {
                "doc_id": doc_id,
                "publisher_kind": card.publisher_kind,
                "sells": card.sells or "",
                "citation_style": card.citation_style,
                "cites_references": card.cites_references,
                "claims": card.n_claims,
                "judged": card.n_judged,
                **card.verdict_counts,
                "share_supported": round(card.share_supported, 3),
                "share_serious": round(card.share_serious, 3),
                "share_traced": round(card.share_traced, 3),
                "reading": card.reading,
            }
        )
    return pd.DataFrame(rows)


def report_card_table() -> pd.DataFrame:
    """The five report cards as a table a learner reads: human column names, shares in %, no blanks.

    >>> table = report_card_table()
    >>> list(table.columns)[:3], list(table.columns)[-1]
    (['Publisher', 'Sells', 'Claims'], 'Reading')
    >>> table.loc["S001", "Sells"]
    'nothing named'
    """
    cards = report_cards().set_index("doc_id")
    table = cards[["claims", "judged", "reading"]].copy()
    table.insert(0, "Publisher", [publisher_words(k) for k in cards.publisher_kind])
    table.insert(1, "Sells", [s if s else "nothing named" for s in cards.sells])
    exact = {doc_id: report_card(doc_id, n_worst=0) for doc_id in cards.index}  # unrounded, as the cards print
    table.insert(4, "Supported (%)", [int(f"{100 * exact[d].share_supported:.0f}") for d in cards.index])
    table.insert(5, "Misreported or unsupported (%)", [int(f"{100 * exact[d].share_serious:.0f}") for d in cards.index])
    table = table.rename(columns={"claims": "Claims", "judged": "Checked against a source", "reading": "Reading"})
    table.index.name = "Article"
    return table


# ------------------------------------------------------------------------------------------ main promise

MAIN_OUTCOMES_SCHEMA = Schema(
    (
        Column("doc_id", "category", vocab=DOC_IDS, description="the article"),
        Column("claim_id", references=References("claims.csv"), description="the claim that states its main promise"),
        Column(
            "grade_row",
            references=References("grade_outcomes.csv"),
            description="the GRADE row (condition:outcome) that promise is about",
        ),
        Column("why", description="why this is the article's main promise, in a sentence"),
        source_column(description="the article file (and heading) read"),
    ),
    key="doc_id",
    description="each article's main promise and the outcome it is about",
)


def load_main_outcomes(folder: str | Path | None = None) -> pd.DataFrame:
    """Each article's main promise (a claim) and the GRADE row (condition:outcome) it is about.

    >>> load_main_outcomes().set_index("doc_id").loc["S002", "grade_row"]
    'rls:rls-severity'
    """
    return load("main_outcomes.csv", folder)


@rule()
def main_claims_belong_to_their_article(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Each article has a row, and its main claim is one of its own claims."""
    seen = rows.values("doc_id")
    for doc_id in DOC_IDS:
        if doc_id not in seen:
            yield rows.problem(None, "doc_id", f"no row for article {doc_id}")
    for r in rows:
        if r["claim_id"] and r["doc_id"] and not str(r["claim_id"]).startswith(f"{r['doc_id']}-"):
            yield rows.problem(r, "claim_id", f"claim {r['claim_id']} is not a claim of {r['doc_id']}")


# ------------------------------------------------------------------------------------------ model verdict

#: What each kind of design can show, said once for the whole list (one study, several).
CAUSAL_PHRASES: dict[str, tuple[str, str]] = {
    "yes": ("which can show cause when it is well run", "which can show cause when they are well run"),
    "depends": ("which is only as strong as the studies it pools", "which are only as strong as the studies they pool"),
    "weak": ("which shows association, not cause", "which show association, not cause"),
    "no": (
        "which cannot show that magnesium causes an improvement",
        "which cannot show that magnesium causes an improvement",
    ),
}
#: The same, in a few words beside each design when the designs differ.
CAUSAL_WORDS = {
    "yes": "can show cause",
    "depends": "as strong as the studies pooled",
    "weak": "association only",
    "no": "cannot show cause",
}
#: What a certainty level lets a page say, in a few words (GRADE's meanings: mgedu.evidence.CERTAINTY_MEANINGS).
CERTAINTY_WORDS = {
    "high": "the effect is well established",
    "moderate": "the effect is probably close to what the studies found",
    "low": "the true effect may be quite different",
    "very low": "a benefit is possible, not shown",
    "no evidence": "nothing is known either way",
}
TAKEAWAYS = {
    READINGS[0]: "A reader can trust it to report its sources, knowing those sources cannot settle the question.",
    READINGS[1]: "Some of it is right, and a reader cannot tell which parts without checking.",
    READINGS[2]: "A reader should not rely on it: too many of its claims fail a check.",
}
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _number(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def _singular(plural: str) -> str:
    """ "uncontrolled open-label studies" -> "uncontrolled open-label study"; "meta-analyses" -> "meta-analysis"."""
    if plural.endswith("studies"):
        return plural[:-3] + "y"
    if plural.endswith("analyses"):
        return plural[:-2] + "is"
    return plural[:-1] if plural.endswith("s") else plural


def _design_words(design: str, studies: int, article: bool = False) -> str:
    labels = STUDY_DESIGN_LABELS.get(design)
    plural = labels.plural if labels else design
    if studies != 1:
        return f"{_number(studies)} {plural}"
    singular = _singular(plural)
    return f"{'an' if singular[0] in 'aeiou' else 'a'} {singular}" if article else f"one {singular}"


def effect_basis(doc_id: str) -> str:
    """What the article's claims about whether magnesium works rest on: the studies behind them, by design.

    Studies are counted once each (four claims about one pilot are one study), strongest design first,
    with what that design can show; claims that cite no study are counted apart.

    >>> print(effect_basis("S002"))  # doctest: +NORMALIZE_WHITESPACE
    Of its 9 claims about whether magnesium works, 7 rest on one uncontrolled open-label study (4 claims)
    and one case report (3 claims), which cannot show that magnesium causes an improvement; the other two
    cite no study.
    """
    from mgedu.claims import effect_claims
    from mgedu.evidence import ladder_rung

    effect = effect_claims(doc_id)
    total = len(effect)
    cited = effect.dropna(subset=["design"])
    if cited.empty:
        return (
            f"None of its {total} claims about whether magnesium works cites a study."
            if total
            else "It makes no claim about whether magnesium works."
        )
    groups = []
    for design, rows in cited.groupby(cited.design.astype(str)):
        rung = ladder_rung(design).rung if design in STUDY_DESIGN_LABELS else None
        causal = ladder_rung(design).causal if design in STUDY_DESIGN_LABELS else "no"
        groups.append((99 if rung is None else rung, design, rows.study_id.nunique(), len(rows), causal))
    groups.sort()
    n_studies = sum(g[2] for g in groups)
    lead = (
        f"Its {total} claims about whether magnesium works rest"
        if len(cited) == total
        else f"Of its {total} claims about whether magnesium works, {len(cited)} rest"
    )
    if len(groups) > 3:
        basis = (
            f"{_number(n_studies)} studies of {_number(len(groups))} designs, from "
            f"{_design_words(groups[0][1], groups[0][2], article=True)} to "
            f"{_design_words(groups[-1][1], groups[-1][2], article=True)}"
        )
    else:
        parts = []
        one_kind = len({g[4] for g in groups}) == 1
        for _, design, studies, claims, causal in groups:
            count = f"{claims} claim{'s' if claims != 1 else ''}"
            parts.append(f"{_design_words(design, studies)} ({count}{'' if one_kind else '; ' + CAUSAL_WORDS[causal]})")
        basis = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        if one_kind:
            basis += f", {CAUSAL_PHRASES[groups[0][4]][n_studies != 1]}"
    rest = total - len(cited)
    tail = f"; the other {_number(rest)} cite{'s' if rest == 1 else ''} no study" if rest else ""
    return f"{lead} on {basis}{tail}."


def main_certainty(doc_id: str) -> tuple[str, str, str]:
    """(outcome words, certainty, what that certainty allows) for the article's main promise.

    >>> main_certainty("S000")
    ('RLS severity in restless legs syndrome', 'very low', 'a benefit is possible, not shown')
    """
    from mgedu.certainty import CONDITIONS, OUTCOMES, load_grade_outcomes

    if doc_id not in DOC_IDS:
        raise ValueError(f"doc_id must be one of {', '.join(DOC_IDS)}, got {doc_id!r}")
    row_id = str(load_main_outcomes().set_index("doc_id").loc[doc_id, "grade_row"])
    grades = load_grade_outcomes().set_index("row_id")
    certainty = str(grades.loc[row_id, "certainty"])
    condition, _, outcome = row_id.partition(":")
    return f"{OUTCOMES[outcome]} in {CONDITIONS[condition]}", certainty, CERTAINTY_WORDS[certainty]


def _short_quote(claim_id: str, limit: int = 50) -> str:
    from mgedu.claims import claim_record

    quote = " ".join(str(claim_record(claim_id)["quote"]).split())
    if len(quote) > limit:
        quote = quote[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"“{quote}”"


def model_verdict(doc_id: str) -> str:
    """A short model verdict on one article, built from its report card, its effect claims and the GRADE tables.

    It is one reasonable answer to the capstone's written exercise, not the only one: a reader may
    weigh the problems differently. The studies it names are those behind the article's *effect*
    claims only (:func:`mgedu.claims.effect_claims`), counted once each, never its claims about
    prevalence or protocols; the certainty is that of the article's main promise (``main_outcomes.csv``).

    >>> text = model_verdict("S003")
    >>> text[:49]
    'S003 (a mattress retailer, promoting mattresses):'
    """
    card = report_card(doc_id, n_worst=1)
    sells = f", promoting {card.sells}" if card.sells else "; no product for sale"
    parts = [
        f"{doc_id} ({publisher_words(card.publisher_kind)}{sells}): of the {card.n_judged} claims the audit "
        f"could check against a source, {100 * card.share_supported:.0f}% are supported and "
        f"{100 * card.share_serious:.0f}% misreported or unsupported."
    ]
    if card.worst:
        worst = card.worst[0]
        parts.append(f"Its worst problem ({worst['claim_id']}, {_short_quote(worst['claim_id'])}): {worst['reason']}")
    parts.append(effect_basis(doc_id))
    outcome, certainty, allows = main_certainty(doc_id)
    parts.append(
        f"The evidence on its main promise ({outcome.split(' in ')[0]}) is of {certainty} certainty: {allows}."
    )
    parts.append(f"Overall reading: {card.reading}. {TAKEAWAYS[card.reading]}")
    return " ".join(parts)
