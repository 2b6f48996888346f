"""The claim explorer (notebook 01): choose an article and a topic, read the claims and their verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.claims import ALL, claims_html, describe_selection, human_label, select_claims
from mgedu.seeds import DOC_IDS, TOPICS, VERDICT_LABELS, VERDICTS, load_documents
from mgedu.widgets import make_explorer

if TYPE_CHECKING:
    import ipywidgets


def claims_detail(doc_id: str = ALL, topic: str = ALL, verdict: str = ALL) -> str:
    """The claim cards of a selection as HTML (every data string escaped).

    >>> claims_detail("S000").split("<li>")[1].split(" · ")[0]
    '<b>S000-C01</b>'

    """
    return claims_html(select_claims(doc_id, topic, verdict))


def article_options() -> list[tuple[str, str]]:
    """(label, value) pairs for the article menu: the id and the headline, shortened.

    >>> article_options()[1]
    ('S000 · Magnesium for Restless Leg Syndrome and Sleep', 'S000')
    """
    titles = dict(zip(load_documents().doc_id.astype(str), load_documents().title.astype(str), strict=True))
    options = [("all articles", ALL)]
    for doc_id in DOC_IDS:
        title = titles.get(doc_id, "")
        short = title if len(title) <= 48 else title[:47].rstrip() + "…"
        options.append((f"{doc_id} · {short}", doc_id))
    return options


def make_claim_explorer(doc_id: str = ALL, topic: str = ALL, verdict: str = ALL) -> ipywidgets.VBox:
    """Menus for article, topic and verdict; a readout sentence; the matching claim cards.

    Every menu shows words, not codes ("study report", not "study-report"); the cards list every
    matching claim (the first 40 at once, the rest behind "Show the other N claims").

    >>> explorer = make_claim_explorer("S002", "study-report")
    >>> explorer.readout.value[:37]
    'S002, topic study report: 12 claims: '
    """
    import ipywidgets as widgets

    style = {"description_width": "5em"}
    layout = widgets.Layout(width="auto", flex="1 1 22em", max_width="30em")
    controls = {
        "doc_id": widgets.Dropdown(
            options=article_options(), value=doc_id, description="Article", style=style, layout=layout
        ),
        "topic": widgets.Dropdown(
            options=[("all topics", ALL)] + [(human_label(t), t) for t in TOPICS],
            value=topic,
            description="Topic",
            style=style,
            layout=widgets.Layout(width="auto", flex="1 1 14em", max_width="18em"),
        ),
        "verdict": widgets.Dropdown(
            options=[("all verdicts", ALL)] + [(VERDICT_LABELS[v], v) for v in VERDICTS],
            value=verdict,
            description="Verdict",
            style=style,
            layout=widgets.Layout(width="auto", flex="1 1 14em", max_width="18em"),
        ),
    }
    return make_explorer("claim-explorer", controls, describe_selection, detail=claims_detail, layout="horizontal")
