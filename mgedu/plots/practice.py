"""The tally chart of the practice loop: how the learner's judgements sit against the audit's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mgedu.plots import OKABE_ITO, decorate, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mgedu.practice.tasks import Task

#: Bars of the tally chart: relation -> (colour).
TALLY_COLOURS: dict[str, str] = {
    "same": OKABE_ITO["bluish_green"],
    "lenient": OKABE_ITO["sky_blue"],
    "harsh": OKABE_ITO["vermillion"],
    "different": OKABE_ITO["reddish_purple"],
    "no audit value": "#999999",
}


def plot_tally(task: str | Task = "claim", ax: Axes | None = None, items: Sequence[str] = ()) -> Axes:
    """Horizontal bars: how many of your judgements matched the audit, were more lenient, harsher, or
    a different kind of call (on the task's main scale, e.g. the verdict). ``items`` restricts the chart
    to those items (e.g. the claims of one article's set), as :func:`mgedu.practice.tally` does.

    >>> ax = plot_tally()
    >>> ax.get_xlabel()
    'Number of claims you judged'
    """
    from mgedu.practice.comparison import tally_task

    result = tally_task(task, items=items)
    main = result.task.main_scale
    words = {
        "same": f"same {main.name} as the audit",
        "lenient": main.lenient.split(" (")[0],
        "harsh": main.harsh.split(" (")[0],
        "different": "a different kind of call",
        "no audit value": "no audit value yet",
    }
    counts = {"same": result.same.get(main.name, 0), **{k: result.directions[k] for k in words if k != "same"}}
    shown = [k for k in words if k != "no audit value" or counts[k]]
    ax = new_axes(ax, figsize=(6.0, 0.4 * len(shown) + 1.4))
    labels = [words[k] for k in shown]
    ax.barh(labels, [counts[k] for k in shown], color=[TALLY_COLOURS[k] for k in shown])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(1, result.n))
    nouns = result.task.nouns
    if result.n == 0:
        title = f"No {nouns} judged yet"
    else:
        # Two lines, so that the title fits the figure; "most others" only when one direction leads.
        ranked = sorted((counts[k], k) for k in ("lenient", "harsh", "different"))
        top, leaning = ranked[-1]
        others = (
            ""
            if not top
            else f";\nmost others {words[leaning]}"
            if top > ranked[-2][0]
            else ";\nthe others split between directions"
        )
        title = f"Same {main.name} as the audit for {counts['same']} of {result.n} {nouns}" + others
    summary = "; ".join(f"{words[k]}: {counts[k]}" for k in shown)
    return decorate(
        ax,
        title=title,
        xlabel=f"Number of {nouns} you judged",
        alt=f"Bar chart comparing your {main.name} with the audit's for {result.n} {nouns}. {summary}.",
    )
