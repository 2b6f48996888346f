"""The seed corpus: the five source articles, the table describing them, and the audited claims.

This is the only module that touches ``seeds/``. The folder is found in this order: an explicit
``folder`` argument, the copy packaged inside an installed wheel (``mgedu/seeds_data``), then the
``seeds/`` folder of a source checkout. Loads are cached per folder and callers always get copies,
so a notebook that edits a DataFrame cannot change what the next cell loads.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from mgedu.tables import Column, DataError, Problem, Schema, load_table, public_frame, read_table

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
    "vague-or-marketing": "The statement is opinion, advertising or too vague for any source to confirm or "
                          "refute.",
}

#: The reason kinds each verdict may use (the consistency rule checked by ``python -m mgedu check``).
_OWN_KINDS = {"supported": "matches-source", "not-verified": "source-not-found",
              "uncheckable": "vague-or-marketing"}
REASON_KINDS_BY_VERDICT: dict[str, tuple[str, ...]] = {
    verdict: (_OWN_KINDS[verdict],) if verdict in _OWN_KINDS
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
        Column("doc_id", "category", vocab=DOC_IDS, description="the article the claim is quoted from"),
        Column("quote", description="verbatim from the article"),
        Column("start", "int", minimum=0, description="character offset of the quote in the article text"),
        Column("end", "int", minimum=1, description="character offset just past the quote"),
        Column("topic", "category", vocab=TOPICS, description="what the claim is about"),
        Column("study_id", required=False, description="the study the claim describes or cites"),
        Column("verdict", "category", vocab=VERDICTS, description="how the claim compares with its source"),
        Column("reason_kind", "category", vocab=REASON_KINDS, description="the main reason for the verdict"),
        Column("evidence", description="what the primary source actually says, with numbers"),
        Column("reason", description="one sentence a student can follow"),
        Column("family", required=False, pattern=r"[a-z0-9]+(-[a-z0-9]+)*",
               description="claims that say the same thing (in any article) share a family"),
    ),
    key="claim_id",
)


def seeds_dir(folder: str | Path | None = None) -> Path:
    """The folder holding the seed articles and their tables.

    Tries ``folder`` if given, then the copy inside an installed package, then the checkout's
    ``seeds/``; raises ``FileNotFoundError`` naming every path it tried.

    >>> (seeds_dir() / "claims.csv").exists()
    True
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


@functools.lru_cache(maxsize=8)
def _documents(folder: Path) -> pd.DataFrame:
    return load_table(folder / "documents.csv", DOCUMENTS_SCHEMA)


@functools.lru_cache(maxsize=8)
def _claims(folder: Path) -> pd.DataFrame:
    return load_table(folder / "claims.csv", CLAIMS_SCHEMA)


@functools.lru_cache(maxsize=32)
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
    return public_frame(_documents(seeds_dir(folder)))


def load_claims(folder: str | Path | None = None) -> pd.DataFrame:
    """Every checkable claim in the five articles, with the verdict against its primary source.

    >>> claims = load_claims()
    >>> sorted(claims.doc_id.unique()) == ['S000', 'S001', 'S002', 'S003', 'S004']
    True
    >>> list(claims.verdict.cat.categories)
    ['supported', 'overstated', 'misreported', 'unsupported', 'uncheckable', 'not-verified']
    >>> claims.reason_kind.value_counts()["matches-source"] == (claims.verdict == "supported").sum()
    np.True_
    """
    return public_frame(_claims(seeds_dir(folder)))


def document_text(doc_id: str, folder: str | Path | None = None) -> str:
    """The full text of one article, exactly as stored (claims' offsets index into it).

    >>> document_text("S000").splitlines()[0]
    'Magnesium for Restless Leg Syndrome and Sleep'
    """
    where = seeds_dir(folder)
    docs = _documents(where)
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


def problems_in_seeds(folder: str | Path | None = None, study_ids: set[str] | None = None) -> list[Problem]:
    """Every problem in documents.csv, claims.csv and the article files (see :func:`mgedu.validate`)."""
    where = seeds_dir(folder)
    docs, problems = read_table(where / "documents.csv", DOCUMENTS_SCHEMA)
    claims, claim_problems = read_table(where / "claims.csv", CLAIMS_SCHEMA)
    problems += claim_problems
    texts: dict[str, str] = {}
    for row in docs.itertuples(index=False):
        if not isinstance(row.file, str):
            continue
        path = where / str(row.file)
        if not path.exists():
            problems.append(Problem("documents.csv", int(row.csv_row), "file", f"no such file in seeds/: {row.file}"))
            continue
        if isinstance(row.sha256, str) and file_sha256(path) != row.sha256:
            problems.append(
                Problem("documents.csv", int(row.csv_row), "sha256", f"checksum mismatch: {row.file} has changed")
            )
        if isinstance(row.doc_id, str):
            if not str(row.file).startswith(row.doc_id[1:]):
                problems.append(
                    Problem("documents.csv", int(row.csv_row), "file",
                            f"{row.file} does not start with {row.doc_id[1:]}")
                )
            texts[row.doc_id] = path.read_text(encoding="utf-8")
    listed = {d for d in docs.doc_id if isinstance(d, str)}
    for doc_id in DOC_IDS:
        if doc_id not in listed:
            problems.append(Problem("documents.csv", 0, "doc_id", f"no row for article {doc_id}"))
    problems += _claim_problems(claims, texts, study_ids)
    problems += reason_kind_problems(claims) + family_problems(claims)
    return sorted(problems, key=lambda p: (p.file, p.row, p.column))


def _claim_problems(claims: pd.DataFrame, texts: dict[str, str], study_ids: set[str] | None) -> list[Problem]:
    import pandas as pd

    problems: list[Problem] = []
    label = "claims.csv"
    for row in claims.itertuples(index=False):
        r = int(row.csv_row)
        cid, doc = row.claim_id, row.doc_id
        if isinstance(cid, str) and isinstance(doc, str) and not cid.startswith(doc + "-"):
            problems.append(Problem(label, r, "claim_id", f"{cid} does not belong to article {doc}"))
        if pd.notna(row.study_id) and study_ids is not None and row.study_id not in study_ids:
            problems.append(Problem(label, r, "study_id", f"unknown study_id {row.study_id!r} (not in studies.csv)"))
        if pd.isna(row.start) or pd.isna(row.end) or pd.isna(row.quote) or not isinstance(doc, str):
            continue
        start, end = int(row.start), int(row.end)
        text = texts.get(doc)
        if text is None:
            continue
        if not (start < end <= len(text)):
            problems.append(Problem(label, r, "end", f"offsets {start}:{end} fall outside {doc} (length {len(text)})"))
            continue
        if normalise_whitespace(text[start:end]) != normalise_whitespace(str(row.quote)):
            found = text.find(str(row.quote))
            hint = f"; the quote occurs at {found}:{found + len(str(row.quote))}" if found >= 0 else ""
            problems.append(
                Problem(label, r, "quote", f"quote is not the text of {doc} at {start}:{end}{hint}")
            )
    return problems


def reason_kind_problems(claims: pd.DataFrame, label: str = "claims.csv") -> list[Problem]:
    """Verdict and reason kind must agree (see :data:`REASON_KINDS_BY_VERDICT`).

    ``supported`` goes with ``matches-source``, ``not-verified`` with ``source-not-found`` and
    ``uncheckable`` with ``vague-or-marketing``; the other verdicts use the other six kinds.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"csv_row": [2, 3], "verdict": ["supported", "unsupported"],
    ...                      "reason_kind": ["matches-source", "source-not-found"]})
    >>> [str(p) for p in reason_kind_problems(rows)]  # doctest: +NORMALIZE_WHITESPACE
    ["claims.csv:3:reason_kind: reason_kind 'source-not-found' does not fit verdict 'unsupported';
      'source-not-found' is only for verdict 'not-verified'"]
    """
    problems: list[Problem] = []
    for row in claims.itertuples(index=False):
        verdict, kind = row.verdict, row.reason_kind
        if not (isinstance(verdict, str) and isinstance(kind, str)):
            continue
        if verdict in REASON_KINDS_BY_VERDICT and kind not in REASON_KINDS_BY_VERDICT[verdict]:
            owner = next((v for v, k in _OWN_KINDS.items() if k == kind), None)
            if owner is not None:
                hint = f"{kind!r} is only for verdict {owner!r}"
            else:
                hint = f"verdict {verdict!r} takes reason_kind {REASON_KINDS_BY_VERDICT[verdict][0]!r}"
            problems.append(Problem(label, int(row.csv_row), "reason_kind",
                                    f"reason_kind {kind!r} does not fit verdict {verdict!r}; {hint}"))
    return problems


def family_problems(claims: pd.DataFrame, label: str = "claims.csv") -> list[Problem]:
    """Claims in one family (the same statement, in any article) must share a verdict, unless written down.

    Where two members' verdicts differ, the evidence or reason of at least one of them must name the
    other claim id, so the reader is told why (for example, an article dated before a trial was published).
    A family with a single member is reported too (usually a typing slip).

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"csv_row": [2, 3], "claim_id": ["S001-C01", "S002-C05"],
    ...                      "verdict": ["supported", "overstated"], "family": ["bone", "bone"],
    ...                      "evidence": ["...", "..."], "reason": ["...", "..."]})
    >>> [str(p) for p in family_problems(rows)]  # doctest: +NORMALIZE_WHITESPACE
    ["claims.csv:3:family: S002-C05 is overstated but S001-C01 in family 'bone' is supported; say why in
      the evidence or reason of one of them (name the other claim id)"]
    """
    problems: list[Problem] = []
    members: dict[str, list] = {}
    for row in claims.itertuples(index=False):
        if isinstance(row.family, str) and isinstance(row.claim_id, str):
            members.setdefault(row.family, []).append(row)
    for family, rows in sorted(members.items()):
        if len(rows) == 1:
            problems.append(Problem(label, int(rows[0].csv_row), "family",
                                    f"family {family!r} has only one claim ({rows[0].claim_id})"))
            continue
        for i, first in enumerate(rows):
            for second in rows[i + 1:]:
                if first.verdict == second.verdict or not (
                        isinstance(first.verdict, str) and isinstance(second.verdict, str)):
                    continue  # same verdict, or a verdict the schema check already reports
                explained = (str(second.claim_id) in f"{first.evidence} {first.reason}"
                             or str(first.claim_id) in f"{second.evidence} {second.reason}")
                if not explained:
                    problems.append(Problem(
                        label, int(second.csv_row), "family",
                        f"{second.claim_id} is {second.verdict} but {first.claim_id} in family {family!r} is "
                        f"{first.verdict}; say why in the evidence or reason of one of them (name the other "
                        "claim id)"))
    return problems


def clear_cache() -> None:
    """Forget cached tables (after editing a CSV in a running session)."""
    _documents.cache_clear()
    _claims.cache_clear()
    _text.cache_clear()


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
    "family_problems",
    "reason_kind_problems",
    "document_text",
    "load_claims",
    "load_documents",
    "problems_in_seeds",
    "seeds_dir",
]
