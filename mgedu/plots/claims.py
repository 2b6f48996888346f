"""Figures for notebook 01: how the five articles' claims fare against their sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.plots import VERDICT_COLOURS, decorate, new_axes
from mgedu.seeds import VERDICT_LABELS, VERDICTS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


def plot_verdicts(by: str = "doc_id", ax: Axes | None = None, share: bool = False) -> Axes:
    """Stacked horizontal bars of claim verdicts per article (``by="doc_id"``) or per topic.

    With ``share=True`` the bars show shares (each bar sums to 100 %) instead of counts.

    >>> ax = plot_verdicts()
    >>> ax.get_xlabel()
    'Number of claims'
    """
    from mgedu.claims import verdict_counts

    counts = verdict_counts(by).drop(index="all")
    values = counts[list(VERDICTS)].astype(float)
    if share:
        values = values.div(values.sum(axis=1), axis=0) * 100
    ax = new_axes(ax, figsize=(7.0, 0.45 * len(values) + 1.6))
    left = [0.0] * len(values)
    labels = list(values.index)
    for verdict in VERDICTS:
        widths = values[verdict].tolist()
        ax.barh(
            labels, widths, left=left, color=VERDICT_COLOURS[verdict], label=VERDICT_LABELS[verdict], edgecolor="white"
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.legend(
        ncols=3,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22 if len(values) < 7 else -0.12),
        fontsize=8,
        handlelength=1.2,
    )
    what = "article" if by == "doc_id" else "topic"
    summary = "; ".join(
        f"{idx}: {int(row['total'])} claims, {int(row['supported'])} supported" for idx, row in counts.iterrows()
    )
    return decorate(
        ax,
        title=verdict_chart_title(counts),
        xlabel="Share of claims (%)" if share else "Number of claims",
        ylabel="Article" if by == "doc_id" else "Topic",
        alt=f"Stacked bar chart of claim verdicts per {what} (supported, overstated, misreported, "
        f"unsupported, uncheckable, not verified). {summary}.",
    )


def verdict_chart_title(counts: pd.DataFrame) -> str:
    """The finding a verdict chart states: the row with the lowest *share* of supported claims, with its numbers.

    A count chart and a share chart show the same title, so the title names the share explicitly (the
    article with the fewest supported claims by count need not be the one with the lowest share).

    >>> import pandas as pd
    >>> counts = pd.DataFrame({"supported": [4, 6], "total": [12, 20]}, index=["S000", "S003"])
    >>> verdict_chart_title(counts)
    'Lowest share of claims supported: S003 (6 of 20, 30%)'
    """
    shares = counts["supported"] / counts["total"]
    worst = shares.idxmin()
    supported, total = int(counts.loc[worst, "supported"]), int(counts.loc[worst, "total"])
    return f"Lowest share of claims supported: {worst} ({supported} of {total}, {shares[worst]:.0%})"
