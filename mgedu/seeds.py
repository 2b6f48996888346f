"""The seed corpus: the five source articles, the table describing them, and the audited claims.

This is the only module that touches ``seeds/``. The folder is found in this order: an explicit
``folder`` argument, the copy packaged inside an installed wheel (``mgedu/seeds_data``), then the
``seeds/`` folder of a source checkout. Tables are read by :func:`mgedu.tables.load` (cached, and
callers always get copies, so a notebook that edits a DataFrame cannot change what the next cell
loads). The rules the two tables must follow are declared here: in the schemas, and as the named
rules below (listed in :mod:`mgedu.catalog`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.rules import Corpus, Rows, rule
from mgedu.tables import Column, DataError, Problem, References, Schema, clear_cache, derived_cache, load

if TYPE_CHECKING:
    import pandas as pd

DOC_IDS = ("S000", "S001", "S002", "S003", "S004")
PUBLISHER_KINDS = (
    "supplement-brand-blog",
    "combination-supplement-seller",
    "mattress-retailer",
    "remedy-database",
    "nutrition-advisor-blog",
)
CITATION_STYLES = ("numbered-list", "inline-journal-names", "inline-site-names", "none")
TOPICS = ("mechanism", "efficacy", "study-report", "dose", "safety", "epidemiology", "nutrition", "product")
VERDICTS = ("supported", "overstated", "misreported", "unsupported", "uncheckable", "not-verified")

#: What a learner sees for each verdict (``not-verified`` reads "not verified").
VERDICT_LABELS = {
    "supported": "supported",
    "overstated": "overstated",
    "misreported": "misreported",
    "unsupported": "unsupported",
    "uncheckable": "uncheckable",
    "not-verified": "not verified",
}

VERDICT_MEANINGS = {
    "supported": "the primary source says this",
    "overstated": "right direction, but stronger or wider than the evidence",
    "misreported": "a detail differs from the source: a number, the design, the population, the causal direction",
    "unsupported": "no reliable evidence, or the cited source does not show it",
    "uncheckable": "vague, opinion or marketing: nothing a source could confirm or refute",
    "not-verified": "checkable, but its source could not be found or read, so nothing can be said either way "
    "(not verified is not the same as no evidence)",
}

#: Why a claim got its verdict: the ``reason_kind`` column of claims.csv, and what learners choose from.
REASON_KINDS = (
    "matches-source",
    "number-differs",
    "design-cannot-show",
    "population-differs",
    "mechanism-as-proof",
    "stronger-than-evidence",
    "no-source",
    "source-not-found",
    "vague-or-marketing",
)

#: What a learner sees for each reason kind.
REASON_LABELS = {
    "matches-source": "the source says this",
    "number-differs": "a number or detail differs from the source",
    "design-cannot-show": "the study's design cannot show this",
    "population-differs": "the study was in other people (or in animals or cells)",
    "mechanism-as-proof": "a mechanism offered as proof that it works",
    "stronger-than-evidence": "the evidence points this way but is weaker, smaller or more mixed than the claim says",
    "no-source": "no source, or the source does not say it",
    "source-not-found": "the source could not be found or read",
    "vague-or-marketing": "vague, opinion or marketing: nothing to check",
}

#: One sentence per reason kind: what to look for, for a learner deciding which kind applies.
REASON_MEANINGS = {
    "matches-source": "The primary source reports what the claim says, at the strength the claim says it.",
    "number-differs": "A sample size, percentage, dose, date, status or causal direction in the claim is not "
    "what the source reports.",
    "design-cannot-show": "The study exists and points this way, but its design (no control group, one case, "
    "an association, a theory paper) cannot show that magnesium caused the result.",
    "population-differs": "The evidence comes from different people (children, healthy volunteers, another "
    "illness) or from animals or cells, not from the people the claim is about.",
    "mechanism-as-proof": "A plausible way magnesium might act is offered as if it showed that magnesium "
    "works, without a test of the effect in people.",
    "stronger-than-evidence": "The evidence leans the same way, but it is smaller, weaker or more mixed than "
    "the claim's confident wording.",
    "no-source": "Nothing cited or found backs the claim, or the source it cites does not say it.",
    "source-not-found": "A specific source could settle the claim, but it could not be found or read, so the "
    "claim is neither confirmed nor refuted.",
    "vague-or-marketing": "The statement is opinion, advertising or too vague for any source to confirm or refute.",
}

#: The reason kinds each verdict may use (the consistency rule checked by ``python -m mgedu check``).
_OWN_KINDS = {"supported": "matches-source", "not-verified": "source-not-found", "uncheckable": "vague-or-marketing"}
REASON_KINDS_BY_VERDICT: dict[str, tuple[str, ...]] = {
    verdict: (_OWN_KINDS[verdict],)
    if verdict in _OWN_KINDS
    else tuple(k for k in REASON_KINDS if k not in _OWN_KINDS.values())
    for verdict in VERDICTS
}

DOCUMENTS_SCHEMA = Schema(
    (
        Column("doc_id", "category", vocab=DOC_IDS, description="article id, from the file-name prefix"),
        Column("file", pattern=r"\d{3}_[0-9a-f]{16}\.txt", description="file name in seeds/"),
        Column("sha256", pattern=r"[0-9a-f]{64}", description="SHA-256 of the file's bytes"),
        Column("title", description="the article's headline, verbatim"),
        Column("publisher_kind", "category", vocab=PUBLISHER_KINDS, description="who publishes it"),
        Column("sells_or_promotes", required=False, description="product named in the text, if any"),
        Column("cites_references", "int", minimum=0, description="number of numbered references listed"),
        Column("citation_style", "category", vocab=CITATION_STYLES, description="how it cites"),
    ),
    key="doc_id",
)

CLAIMS_SCHEMA = Schema(
    (
        Column("claim_id", pattern=r"S00[0-4]-C\d{2,3}", description="stable id, e.g. S002-C07"),
        Column(
            "doc_id",
            "category",
            vocab=DOC_IDS,
            references=References("documents.csv"),
            description="the article the claim is quoted from",
        ),
        Column("quote", description="verbatim from the article"),
        Column("start", "int", minimum=0, description="character offset of the quote in the article text"),
        Column("end", "int", minimum=1, description="character offset just past the quote"),
        Column("topic", "category", vocab=TOPICS, description="what the claim is about"),
        Column(
            "study_id",
            required=False,
            references=References("studies.csv"),
            description="the study the claim describes or cites",
        ),
        Column("verdict", "category", vocab=VERDICTS, description="how the claim compares with its source"),
        Column("reason_kind", "category", vocab=REASON_KINDS, description="the main reason for the verdict"),
        Column("evidence", description="what the primary source actually says, with numbers"),
        Column("reason", description="one sentence a student can follow"),
        Column(
            "family",
            required=False,
            pattern=r"[a-z0-9]+(-[a-z0-9]+)*",
            description="claims that say the same thing (in any article) share a family",
        ),
    ),
    key="claim_id",
)


def seeds_dir(folder: str | Path | None = None) -> Path:
    """The folder holding the seed articles and their tables.

    Tries ``folder`` if given, then the copy inside an installed package, then the checkout's
    ``seeds/``; raises ``FileNotFoundError`` naming every path it tried.

    >>> sorted(path.name for path in seeds_dir().glob("*.csv"))
    ['claims.csv', 'documents.csv']
    """
    tried: list[Path] = []
    if folder is not None:
        candidate = Path(folder)
        if (candidate / "documents.csv").exists():
            return candidate
        raise FileNotFoundError(f"no seeds folder at {candidate} (expected documents.csv inside it)")
    package_root = Path(__file__).resolve().parent
    for candidate in (package_root / "seeds_data", package_root.parent / "seeds"):
        tried.append(candidate)
        if (candidate / "documents.csv").exists():
            return candidate
    raise FileNotFoundError("could not find the seeds folder; tried: " + ", ".join(str(p) for p in tried))


@derived_cache
def _text(folder: Path, file: str) -> str:
    return (folder / file).read_text(encoding="utf-8")


def load_documents(folder: str | Path | None = None) -> pd.DataFrame:
    """One row per article: id, file, checksum, title, who publishes it, what it sells, how it cites.

    >>> docs = load_documents()
    >>> list(docs.doc_id)
    ['S000', 'S001', 'S002', 'S003', 'S004']
    >>> str(docs.publisher_kind.dtype)
    'category'
    """
    return load("documents.csv", folder)


def load_claims(folder: str | Path | None = None) -> pd.DataFrame:
    """Every checkable claim in the five articles, with the verdict against its primary source.

    >>> claims = load_claims()
    >>> sorted(claims.doc_id.unique())
    ['S000', 'S001', 'S002', 'S003', 'S004']
    >>> list(claims.verdict.cat.categories)
    ['supported', 'overstated', 'misreported', 'unsupported', 'uncheckable', 'not-verified']
    >>> sorted(claims.loc[claims.verdict == "supported", "reason_kind"].unique())
    ['matches-source']
    """
    return load("claims.csv", folder)


def document_text(doc_id: str, folder: str | Path | None = None) -> str:
    """The full text of one article, exactly as stored (claims' offsets index into it).

    >>> document_text("S000").splitlines()[0]
    'Magnesium for Restless Leg Syndrome and Sleep'
    """
    where = seeds_dir(folder)
    docs = load("documents.csv", where)
    match = docs.loc[docs.doc_id == doc_id, "file"]
    if match.empty:
        raise ValueError(f"unknown doc_id {doc_id!r}; expected one of {', '.join(DOC_IDS)}")
    return _text(where, str(match.iloc[0]))


def normalise_whitespace(text: str) -> str:
    """Collapse every run of white space to one space, as quote checks do.

    >>> normalise_whitespace("a  b\\n c ")
    'a b c'
    """
    return " ".join(text.split())


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------ named rules
# Listed for their tables in mgedu/catalog.py; python -m mgedu check runs them all, a loader its own.


@rule()
def every_article_has_a_row(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Every one of the five articles (S000-S004) has a row in documents.csv."""
    listed = rows.values("doc_id")
    for doc_id in DOC_IDS:
        if doc_id not in listed:
            yield rows.problem(None, "doc_id", f"no row for article {doc_id}")


@rule()
def article_files_exist(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Each row's article file is in the seeds folder and readable as UTF-8 text."""
    folder = corpus.path(rows.name).parent
    for record in rows:
        if record["file"] is not None and corpus.text(folder / str(record["file"])) is None:
            yield rows.problem(record, "file", f"no such file in seeds/ (or not UTF-8 text): {record['file']}")


@rule()
def article_files_start_with_their_ids(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """An article's file name starts with the digits of its id (S002 -> 002_...)."""
    for record in rows:
        doc_id, file = record["doc_id"], record["file"]
        if isinstance(doc_id, str) and isinstance(file, str) and not file.startswith(doc_id[1:]):
            yield rows.problem(record, "file", f"{file} does not start with {doc_id[1:]}")


@rule()
def articles_match_their_checksums(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Each article file's SHA-256 equals the recorded one (the articles are never edited)."""
    folder = corpus.path(rows.name).parent
    for record in rows:
        path = folder / str(record["file"])
        if record["file"] is None or record["sha256"] is None or not path.is_file():
            continue
        if file_sha256(path) != record["sha256"]:
            yield rows.problem(record, "sha256", f"checksum mismatch: {record['file']} has changed")


@rule()
def claim_ids_start_with_their_article(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A claim's id starts with its article's id (S002-C07 is a claim of S002)."""
    for record in rows:
        cid, doc = record["claim_id"], record["doc_id"]
        if isinstance(cid, str) and isinstance(doc, str) and not cid.startswith(doc + "-"):
            yield rows.problem(record, "claim_id", f"{cid} does not belong to article {doc}")


def _article_texts(corpus: Corpus) -> dict[str, str]:
    documents = corpus.rows("documents.csv")
    folder = corpus.path("documents.csv").parent
    texts = {}
    for record in documents:
        if isinstance(record["doc_id"], str) and isinstance(record["file"], str):
            text = corpus.text(folder / record["file"])
            if text is not None:  # a duplicated id is reported as such; its first row counts
                texts.setdefault(record["doc_id"], text)
    return texts


def _quoted_span(record: dict[str, object], texts: dict[str, str]) -> tuple[str, int, int] | None:
    doc, start, end = record["doc_id"], record["start"], record["end"]
    if not isinstance(doc, str) or doc not in texts or start is None or end is None:
        return None
    return texts[doc], int(start), int(end)  # type: ignore[call-overload]


@rule(reads=("documents.csv",))
def offsets_fall_inside_the_article(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A claim's offsets are in order and inside its article's text."""
    texts = _article_texts(corpus)
    for record in rows:
        span = _quoted_span(record, texts)
        if span is not None and not (span[1] < span[2] <= len(span[0])):
            yield rows.problem(
                record, "end", f"offsets {span[1]}:{span[2]} fall outside {record['doc_id']} (length {len(span[0])})"
            )


@rule(reads=("documents.csv",))
def quotes_are_verbatim(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A claim's quote is the article's text at its offsets (white space aside)."""
    texts = _article_texts(corpus)
    for record in rows:
        span = _quoted_span(record, texts)
        if span is None or record["quote"] is None or not (span[1] < span[2] <= len(span[0])):
            continue
        text, start, end = span
        quote = str(record["quote"])
        if normalise_whitespace(text[start:end]) != normalise_whitespace(quote):
            found = text.find(quote)
            hint = f"; the quote occurs at {found}:{found + len(quote)}" if found >= 0 else ""
            yield rows.problem(record, "quote", f"quote is not the text of {record['doc_id']} at {start}:{end}{hint}")


@rule()
def reason_kinds_fit_their_verdicts(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A claim's reason kind fits its verdict (see :data:`REASON_KINDS_BY_VERDICT`).

    ``supported`` goes with ``matches-source``, ``not-verified`` with ``source-not-found`` and
    ``uncheckable`` with ``vague-or-marketing``; the other verdicts use the other six kinds.
    """
    for record in rows:
        verdict, kind = record["verdict"], record["reason_kind"]
        if not (isinstance(verdict, str) and isinstance(kind, str)) or kind in REASON_KINDS_BY_VERDICT[verdict]:
            continue
        owner = next((v for v, k in _OWN_KINDS.items() if k == kind), None)
        if owner is not None:
            hint = f"{kind!r} is only for verdict {owner!r}"
        else:
            hint = f"verdict {verdict!r} takes reason_kind {REASON_KINDS_BY_VERDICT[verdict][0]!r}"
        yield rows.problem(record, "reason_kind", f"reason_kind {kind!r} does not fit verdict {verdict!r}; {hint}")


def _families(rows: Rows) -> dict[str, list[dict[str, object]]]:
    members: dict[str, list[dict[str, object]]] = {}
    for record in rows:
        if isinstance(record["family"], str) and isinstance(record["claim_id"], str):
            members.setdefault(record["family"], []).append(record)
    return members


@rule()
def families_have_more_than_one_claim(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """A family (claims that say the same thing, in any article) has at least two claims (one is a slip)."""
    for family, members in sorted(_families(rows).items()):
        if len(members) == 1:
            yield rows.problem(members[0], "family", f"family {family!r} has only one claim ({members[0]['claim_id']})")


@rule()
def family_verdicts_agree_unless_explained(rows: Rows, corpus: Corpus) -> Iterator[Problem]:
    """Claims of one family share a verdict, unless the evidence or reason of one names the other and says why.

    For example, an article dated before a trial was published is judged against what was published then.
    """
    for family, members in sorted(_families(rows).items()):
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                if first["verdict"] == second["verdict"] or not (
                    isinstance(first["verdict"], str) and isinstance(second["verdict"], str)
                ):
                    continue  # same verdict, or a verdict the column rules already report
                explained = (
                    str(second["claim_id"]) in f"{first['evidence']} {first['reason']}"
                    or str(first["claim_id"]) in f"{second['evidence']} {second['reason']}"
                )
                if not explained:
                    yield rows.problem(
                        second,
                        "family",
                        (
                            f"{second['claim_id']} is {second['verdict']} but {first['claim_id']} in family {family!r} "
                            f"is {first['verdict']}; say why in the evidence or reason of one of them (name the other "
                            "claim id)"
                        ),
                    )


__all__ = [
    "CLAIMS_SCHEMA",
    "DOCUMENTS_SCHEMA",
    "DataError",
    "REASON_KINDS",
    "REASON_KINDS_BY_VERDICT",
    "REASON_LABELS",
    "REASON_MEANINGS",
    "TOPICS",
    "VERDICTS",
    "VERDICT_LABELS",
    "VERDICT_MEANINGS",
    "clear_cache",
    "document_text",
    "load_claims",
    "load_documents",
    "seeds_dir",
]
