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
VERDICTS = ("supported", "overstated", "misreported", "unsupported", "uncheckable")

VERDICT_MEANINGS = {
    "supported": "the primary source says this",
    "overstated": "right direction, but stronger or wider than the evidence",
    "misreported": "a detail differs from the source: a number, the design, the population, the causal direction",
    "unsupported": "no reliable evidence, or the cited source does not show it",
    "uncheckable": "vague, opinion or marketing: nothing a source could confirm or refute",
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
        Column("doc_id", "category", vocab=DOC_IDS, references=References("documents.csv"),
               description="the article the claim is quoted from"),
        Column("quote", description="verbatim from the article"),
        Column("start", "int", minimum=0, description="character offset of the quote in the article text"),
        Column("end", "int", minimum=1, description="character offset just past the quote"),
        Column("topic", "category", vocab=TOPICS, description="what the claim is about"),
        Column("study_id", required=False, references=References("studies.csv"),
               description="the study the claim describes or cites"),
        Column("verdict", "category", vocab=VERDICTS, description="how the claim compares with its source"),
        Column("evidence", description="what the primary source actually says, with numbers"),
        Column("reason", description="one sentence a student can follow"),
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
    ['supported', 'overstated', 'misreported', 'unsupported', 'uncheckable']
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
            yield rows.problem(record, "end", f"offsets {span[1]}:{span[2]} fall outside {record['doc_id']} "
                                              f"(length {len(span[0])})")


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


__all__ = [
    "CLAIMS_SCHEMA",
    "DOCUMENTS_SCHEMA",
    "DataError",
    "TOPICS",
    "VERDICTS",
    "VERDICT_MEANINGS",
    "clear_cache",
    "document_text",
    "load_claims",
    "load_documents",
    "seeds_dir",
]
