"""The five articles as a reader first meets them: who publishes each, what it sells, how it cites.

Before weighing a claim, a reader asks who is making it. ``seeds/documents.csv`` stores the answers as
validated codes (``supplement-brand-blog``, ``numbered-list``; see :mod:`mgedu.seeds`); this module
gives each code the words a reader uses, and builds the table notebook 01 opens with. The codes stay
in the data; only the labels live here, so a new code without a label is caught by the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.seeds import CITATION_STYLES, PUBLISHER_KINDS, load_documents

if TYPE_CHECKING:
    import pandas as pd

#: Who publishes an article, in a reader's words (keys: ``documents.csv`` ``publisher_kind``).
PUBLISHER_LABELS: dict[str, str] = {
    "supplement-brand-blog": "the blog of a supplement brand",
    "combination-supplement-seller": "a shop selling a combination supplement",
    "mattress-retailer": "a mattress shop",
    "remedy-database": "a website listing remedies",
    "nutrition-advisor-blog": "the blog of a nutrition adviser",
}

#: How an article cites its sources, as a table cell (keys: ``documents.csv`` ``citation_style``). The
#: report cards say it in a sentence (``mgedu.report_cards.CITATION_WORDS``).
CITATION_LABELS: dict[str, str] = {
    "numbered-list": "a numbered reference list",
    "inline-journal-names": "journal names in the text",
    "inline-site-names": "website names in the text",
    "none": "no sources at all",
}

#: What the table says when an article names no product.
NO_PRODUCT = "nothing named"


def label(vocabulary: dict[str, str], code: str) -> str:
    """The reader's words for ``code``; ``ValueError`` naming the known codes when there are none.

    >>> label(PUBLISHER_LABELS, "mattress-retailer")
    'a mattress shop'
    """
    if code not in vocabulary:
        raise ValueError(f"no label for {code!r}; labelled codes: {', '.join(vocabulary)}")
    return vocabulary[code]


def articles_table() -> pd.DataFrame:
    """One row per article: who publishes it, what it sells and how it cites, in words (each cell short).

    No verdicts: this is what a reader can see before checking a single claim.

    >>> table = articles_table()
    >>> table.loc["S003", "who publishes it"], table.loc["S001", "sells or promotes"]
    ('a mattress shop', 'nothing named')
    >>> list(table.columns)
    ['who publishes it', 'sells or promotes', 'how it cites its sources']
    """
    import pandas as pd

    docs = load_documents()
    rows = []
    for doc in docs.itertuples(index=False):
        refs = int(doc.cites_references)
        cites = label(CITATION_LABELS, str(doc.citation_style))
        rows.append(
            {
                "who publishes it": label(PUBLISHER_LABELS, str(doc.publisher_kind)),
                "sells or promotes": NO_PRODUCT if pd.isna(doc.sells_or_promotes) else str(doc.sells_or_promotes),
                "how it cites its sources": f"{cites} ({refs} references)" if refs else cites,
            }
        )
    return pd.DataFrame(rows, index=pd.Index([str(d) for d in docs.doc_id], name="article"))


def unlabelled_codes() -> list[str]:
    """Codes of the documents vocabularies that have no reader's label (empty when all are labelled).

    >>> unlabelled_codes()
    []
    """
    return [c for c in PUBLISHER_KINDS if c not in PUBLISHER_LABELS] + [
        c for c in CITATION_STYLES if c not in CITATION_LABELS
    ]
