"""The claim explorer (notebook 01): choose an article and a topic, read the claims and their verdicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.claims import ALL, claims_html, describe_selection, select_claims
from mgedu.seeds import DOC_IDS, TOPICS, VERDICT_LABELS, VERDICTS
from mgedu.widgets import make_explorer

if TYPE_CHECKING:
    import ipywidgets


def claims_detail(doc_id: str = ALL, topic: str = ALL, verdict: str = ALL) -> str:
    """The claim cards of a selection as HTML (every data string escaped).

    >>> claims_detail("S000")[:52]
    "<ol style='padding-left:1.2em'><li><b>S000-C01</b> ·"
    """
    return claims_html(select_claims(doc_id, topic, verdict))


def make_claim_explorer(doc_id: str = ALL, topic: str = ALL, verdict: str = ALL) -> ipywidgets.VBox:
    """Dropdowns for article, topic and verdict; a readout sentence; the matching claim cards.

    >>> explorer = make_claim_explorer("S002", "study-report")
    >>> explorer.readout.value[:37]
    'S002, topic study-report: 12 claims: '
    """
    import ipywidgets as widgets

    style = {"description_width": "5em"}
    controls = {
        "doc_id": widgets.Dropdown(options=[ALL, *DOC_IDS], value=doc_id, description="Article", style=style),
        "topic": widgets.Dropdown(options=[ALL, *TOPICS], value=topic, description="Topic", style=style),
        "verdict": widgets.Dropdown(options=[(ALL, ALL), *((VERDICT_LABELS[v], v) for v in VERDICTS)], value=verdict,
                                    description="Verdict", style=style),
    }
    return make_explorer("claim-explorer", controls, describe_selection, detail=claims_detail, layout="horizontal")
