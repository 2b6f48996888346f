"""The GRADE worksheet (notebook 05): pick an outcome, toggle the domains, watch the certainty change.

By default the worksheet starts **blank**: no starting level chosen (the learner picks high or low from
the designs), every domain at 0, and below the readout only what the studies found, never the
workbook's rating, so a learner can try ratings before committing to them.
With ``reveal=True`` choosing an outcome loads the workbook's own ratings into the toggles and shows
its reasoning, for exploring "what if" once the learner has compared. Changing a toggle re-grades with
:func:`mgedu.evidence.grade_certainty`; the readout (one paragraph of plain text) is
:func:`mgedu.certainty.describe_grade_choice`. Upgrading randomised evidence is refused in the readout
with the reason, as GRADE does.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from mgedu.certainty import (
    describe_blank_worksheet,
    describe_grade_choice,
    domain_ratings,
    grade_reasoning_html,
    rated_outcomes,
)
from mgedu.evidence import ALLOWED_STEPS, DOMAINS, DOWNGRADE_DOMAINS, UPGRADE_DOMAINS
from mgedu.widgets import make_explorer, responsive_layout

if TYPE_CHECKING:
    import ipywidgets

LABELS = {**DOWNGRADE_DOMAINS, **{k: v.replace("a ", "", 1) for k, v in UPGRADE_DOMAINS.items()}}


def _step_label(step: int) -> str:
    return "0" if step == 0 else f"{step:+d}".replace("-", "−")


def make_grade_worksheet(row_id: str = "insomnia:sleep-onset-latency", reveal: bool = False) -> ipywidgets.VBox:
    """The GRADE worksheet: an outcome menu and one toggle per GRADE domain, with a readout.

    Args:
        row_id: the outcome shown first, ``"condition:outcome"`` (see :func:`mgedu.certainty.rated_outcomes`).
        reveal: load the workbook's ratings and show its reasoning (``False``: a blank worksheet).

    >>> sheet = make_grade_worksheet("rls:rls-severity")
    >>> sheet.controls["start"].value = "high"
    >>> sheet.controls["imprecision"].value = -2
    >>> sheet.readout.value[:47]
    'RLS severity (restless legs syndrome): low ⊕⊕◯◯'
    >>> sheet.readout.value[-25:]
    'serious). Certainty: low.'
    """
    import ipywidgets as widgets

    outcomes = rated_outcomes()
    if row_id not in outcomes.values():
        raise ValueError(f"row_id must be one of {', '.join(outcomes.values())}, got {row_id!r}")
    style = {"description_width": "11em", "button_width": "3.2em"}
    controls: dict[str, widgets.ValueWidget] = {
        "row_id": widgets.Dropdown(
            options=list(outcomes.items()),
            value=row_id,
            description="Outcome",
            style={"description_width": "11em"},
            layout=responsive_layout("36em"),
        ),
    }
    if not reveal:
        controls["start"] = widgets.ToggleButtons(
            options=[("high", "high"), ("low", "low")],
            value=None,
            description="Starting level",
            style={**style, "button_width": "4.5em"},  # room for "high" and "low", not "h..." and "l..."
            tooltips=["randomised trials measured the outcome", "no randomised trial measured it"],
        )
        controls["start"].add_class("jupyter-widgets")
    start = domain_ratings(*row_id.split(":", 1)) if reveal else {}
    for name in DOMAINS:
        steps = ALLOWED_STEPS[name]
        verb = "Rate down for" if name in DOWNGRADE_DOMAINS else "Rate up for"
        controls[name] = widgets.ToggleButtons(
            options=[(_step_label(s), s) for s in steps],
            value=start.get(name, 0),
            description=f"{verb} {LABELS[name]}",
            style=style,
            tooltips=[f"{_step_label(s)} level(s)" for s in steps],
        )
        # ipywidgets 8 gives most controls the "jupyter-widgets" class but not ToggleButtons; add it so
        # every control row is styled and found alike (the browser tests look controls up by it).
        controls[name].add_class("jupyter-widgets")
    describe = partial(describe_grade_choice, reveal=True) if reveal else describe_blank_worksheet

    def ratings_for(row_id: object) -> dict[str, object]:
        """What the toggles show for a newly chosen outcome: its ratings when revealed, else a blank sheet."""
        ratings = domain_ratings(*str(row_id).split(":", 1)) if reveal else {}
        blank: dict[str, object] = {} if reveal else {"start": None}
        return {**blank, **{name: ratings.get(name, 0) for name in DOMAINS}}

    return make_explorer(
        "grade-worksheet",
        controls,
        describe,
        detail=partial(grade_reasoning_html, reveal=reveal),
        resets={"row_id": ratings_for},
    )
