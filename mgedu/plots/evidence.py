"""Figures for notebooks 03, 05 and 06: the design ladder, risk of bias, forest plots, GRADE, report cards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mgedu.plots import OKABE_ITO, VERDICT_COLOURS, decorate, new_axes
from mgedu.seeds import VERDICT_LABELS
from mgedu.study_designs import STUDY_DESIGN_LABELS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from mgedu.pooling import PoolingResult

#: Traffic-light colours and marks (colour is never the only cue: each judgement also has a symbol).
ROB_STYLE: dict[str, tuple[str, str]] = {
    "low": (OKABE_ITO["bluish_green"], "+"),
    "some concerns": (OKABE_ITO["yellow"], "?"),
    "high": (OKABE_ITO["vermillion"], "−"),
}
CERTAINTY_COLOURS: dict[str, str] = {
    "high": OKABE_ITO["bluish_green"],
    "moderate": OKABE_ITO["sky_blue"],
    "low": OKABE_ITO["yellow"],
    "very low": OKABE_ITO["orange"],
    "no evidence": "#dddddd",
    "rate it first": "#888888",
}
#: What a hidden cell of the GRADE summary says (an outcome the learner has not rated yet).
HIDDEN = "rate it first"
CAUSAL_COLOURS: dict[str, str] = {
    "depends": OKABE_ITO["sky_blue"],
    "yes": OKABE_ITO["bluish_green"],
    "weak": OKABE_ITO["yellow"],
    "no": OKABE_ITO["vermillion"],
}


def plot_design_ladder(highlight: list[str] | None = None, ax: Axes | None = None) -> Axes:
    """The design ladder: designs on the ladder, strongest at the top, coloured by causal support.

    Args:
        highlight: designs to mark with a bold outline (e.g. the designs an article relies on).

    >>> ax = plot_design_ladder(highlight=["open-label"])
    >>> ax.get_xlabel()
    'Strength for a causal claim (rung; higher is stronger)'
    """
    from mgedu.evidence import DESIGN_LADDER, ladder_rung

    marked = set(highlight or [])
    for design in marked:
        ladder_rung(design)  # ValueError for an unknown design
    rungs = [r for r in DESIGN_LADDER if r.rung is not None]
    top = max(r.rung for r in rungs if r.rung is not None) + 1
    ax = new_axes(ax, figsize=(7.0, 3.6))
    labels = []
    for i, rung in enumerate(reversed(rungs)):
        assert rung.rung is not None
        strength = top - rung.rung
        bold = rung.design in marked
        ax.barh(
            i,
            strength,
            color=CAUSAL_COLOURS[rung.causal],
            edgecolor="black" if bold else "white",
            linewidth=2.5 if bold else 0.5,
        )
        labels.append(("▶ " if bold else "") + STUDY_DESIGN_LABELS[rung.design].short)
        ax.text(strength + 0.05, i, f"causal claim: {rung.causal}", va="center", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlim(0, top + 2.2)
    ax.set_xticks([])
    ax.grid(False)
    off = [r.label for r in DESIGN_LADDER if r.rung is None]
    marked_text = f" Marked: {', '.join(sorted(marked))}." if marked else ""
    return decorate(
        ax,
        title="Only a fair comparison can show that magnesium works",
        xlabel="Strength for a causal claim (rung; higher is stronger)",
        alt="Horizontal bars, one per study design, longest for systematic reviews and meta-analyses, "
        "then double-blind and single-blind randomised trials, observational studies, uncontrolled "
        "open-label studies and case reports. Randomised trials can support a causal claim; reviews "
        "only as far as the studies they pool; observational studies weakly; the rest not. "
        f"Off the ladder: {', '.join(off)}." + marked_text,
    )


def plot_rob_traffic_light(table: pd.DataFrame | None = None, ax: Axes | None = None) -> Axes:
    """RoB 2 traffic-light plot: one row per trial result, one column per domain plus overall.

    Args:
        table: a grid as returned by :func:`mgedu.risk_of_bias.risk_of_bias_table` (default: all trials).

    >>> ax = plot_rob_traffic_light()
    >>> ax.get_xticklabels()[-1].get_text()
    'Overall'
    """
    from matplotlib.lines import Line2D

    from mgedu.risk_of_bias import ROB2_DOMAINS, risk_of_bias_table
    from mgedu.studies import study_label

    grid = risk_of_bias_table() if table is None else table
    if grid.empty:
        raise ValueError("table has no trial results to draw")
    columns = list(ROB2_DOMAINS) + ["overall"]
    ax = new_axes(ax, figsize=(7.0, 0.42 * len(grid) + 1.9))
    cells = [(i, j, str(row[column])) for i, (_, row) in enumerate(grid.iterrows()) for j, column in enumerate(columns)]
    unknown = next((judgement for _, _, judgement in cells if judgement not in ROB_STYLE), None)
    if unknown is not None:
        raise ValueError(f"judgement must be one of {', '.join(ROB_STYLE)}, got {unknown!r}")
    # One collection of dots, in the order the cells are read (a collection per dot cost 8 ms each).
    ax.scatter(
        [j for _, j, _ in cells],
        [i for i, _, _ in cells],
        s=[330 if columns[j] == "overall" else 260 for _, j, _ in cells],
        color=[ROB_STYLE[judgement][0] for _, _, judgement in cells],
        edgecolor="black",
        linewidth=0.6,
        zorder=3,
    )
    for i, j, judgement in cells:
        ax.text(j, i, ROB_STYLE[judgement][1], ha="center", va="center", fontsize=10, fontweight="bold", zorder=4)
    ax.set_xticks(
        range(len(columns)),
        [
            "D1 Random-\nisation",
            "D2 Devia-\ntions",
            "D3 Missing\ndata",
            "D4 Measure-\nment",
            "D5 Report-\ning",
            "Overall",
        ],
        fontsize=8,
    )
    ax.set_yticks(range(len(grid)), [f"{study_label(t)} · {o}" for t, o in grid.index], fontsize=8)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(len(grid) - 0.5, -0.5)
    ax.grid(False)
    ax.axvline(len(columns) - 1.5, color="#999999", linewidth=0.8)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=9,
            markerfacecolor=colour,
            markeredgecolor="black",
            label=f"{name} ({mark})",
        )
        for name, (colour, mark) in ROB_STYLE.items()
    ]
    ax.legend(handles=handles, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=8)
    overall = grid["overall"].value_counts()
    counts = ", ".join(f"{int(overall.get(k, 0))} {k}" for k in ROB_STYLE)
    n_low = int(overall.get("low", 0))
    title = "No trial result is at low risk of bias" if n_low == 0 else f"{n_low} of {len(grid)} results at low risk"
    return decorate(
        ax,
        title=title,
        xlabel="RoB 2 domain",
        alt=f"Traffic-light grid of RoB 2 judgements for {len(grid)} trial results (rows) across five "
        f"domains and overall (columns). Overall: {counts}.",
    )


def plot_forest(
    rows: pd.DataFrame | PoolingResult,
    xlabel: str,
    title: str | None = None,
    model: str = "random",
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: one line per study (square sized by weight) and a diamond per pooled estimate.

    Args:
        rows: a :class:`~mgedu.pooling.PoolingResult`, or a table with columns ``label, estimate, ci_low,
            ci_high`` and optionally ``kind`` ("study" or "pooled") and ``weight``.
        xlabel: the quantity and unit, e.g. "Difference in sleep onset latency (min)".
        title: the finding (default: generated from the pooled row).
        model: for a PoolingResult, "random", "fixed" or "both" pooled rows.

    >>> from mgedu.pooling import pool_effects
    >>> ax = plot_forest(pool_effects([0.0, 4.0], [1.0, 1.0], ["A", "B"]), xlabel="Difference (points)")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['A', 'B', 'Random effects']
    """
    import pandas as pd

    table = _forest_table(rows, model) if not isinstance(rows, pd.DataFrame) else rows.copy()
    missing = [c for c in ("label", "estimate", "ci_low", "ci_high") if c not in table.columns]
    if missing:
        raise ValueError(f"rows is missing columns {', '.join(missing)}")
    if "kind" not in table.columns:
        table["kind"] = "study"
    if "weight" not in table.columns:
        table["weight"] = float("nan")
    ax = new_axes(ax, figsize=(7.0, 0.45 * len(table) + 1.5))
    for i, row in enumerate(table.itertuples(index=False)):
        est, lo, hi = float(row.estimate), float(row.ci_low), float(row.ci_high)
        if row.kind == "pooled":
            ax.fill([lo, est, hi, est], [i, i - 0.25, i, i + 0.25], color=OKABE_ITO["blue"], zorder=3)
        else:
            weight = float(row.weight) if pd.notna(row.weight) else 0.5
            ax.plot([lo, hi], [i, i], color="black", linewidth=1.2)
            ax.scatter(est, i, marker="s", s=40 + 260 * weight, color=OKABE_ITO["orange"], edgecolor="black", zorder=3)
        ax.text(1.02, i, f"{est:.1f} [{lo:.1f}, {hi:.1f}]", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.axvline(0, color="#555555", linewidth=1, linestyle="--")
    ax.set_yticks(range(len(table)), list(table.label), fontsize=8)
    ax.set_ylim(len(table) - 0.5, -0.7)
    ax.grid(axis="y", visible=False)
    pooled = table[table.kind == "pooled"]
    focus = pooled.iloc[-1] if len(pooled) else table.iloc[-1]
    crosses = float(focus.ci_low) <= 0 <= float(focus.ci_high)
    if title is None:
        title = (
            f"{focus.label}: the interval includes zero, so no difference is compatible"
            if crosses
            else f"{focus.label}: the interval excludes zero, a difference"
        )
    described = "; ".join(
        f"{r.label} {float(r.estimate):.2f} (95% CI {float(r.ci_low):.2f} to {float(r.ci_high):.2f})"
        for r in table.itertuples(index=False)
    )
    return decorate(
        ax, title=title, xlabel=xlabel, alt=f"Forest plot with a dashed line at zero difference. {described}."
    )


def _forest_table(result: PoolingResult, model: str) -> pd.DataFrame:
    import pandas as pd

    if model not in ("random", "fixed", "both"):
        raise ValueError(f"model must be 'random', 'fixed' or 'both', got {model!r}")
    weight = "weight_fixed" if model == "fixed" else "weight_random"
    rows = [
        {
            "label": r.label,
            "estimate": r.estimate,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "kind": "study",
            "weight": getattr(r, weight),
        }
        for r in result.studies.itertuples(index=False)
    ]
    options = {"random": [result.random], "fixed": [result.fixed], "both": [result.fixed, result.random]}
    chosen = options[model]
    for est in chosen:
        rows.append(
            {
                "label": est.model.capitalize(),
                "estimate": est.estimate,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "kind": "pooled",
                "weight": float("nan"),
            }
        )
    return pd.DataFrame(rows)


def plot_published_pooled(ax: Axes | None = None) -> Axes:
    """The published pooled estimates (Mah & Pitre 2021) as a forest plot of diamonds.

    The per-trial data were not available, so only the pooled rows are drawn.

    >>> ax = plot_published_pooled()
    >>> len(ax.get_yticklabels())
    2
    """
    from mgedu.pooling import load_pooled_estimates

    table = load_pooled_estimates()
    labels, parts = [], []
    for r in table.itertuples(index=False):
        labels.append(
            f"{str(r.outcome).capitalize()}\n({r.favours_magnesium} is better; "
            f"{int(r.n_studies)} trials, n = {int(r.n_participants)})"
        )
        if float(r.ci_low) <= 0 <= float(r.ci_high):
            parts.append(f"{r.outcome} unclear")
        else:
            better = (float(r.estimate) < 0) == (r.favours_magnesium == "lower")
            size = "shorter" if float(r.estimate) < 0 else "longer"
            parts.append(f"{r.outcome} {size}" + ("" if better else " (worse)"))
    rows = table.assign(label=labels, kind="pooled")
    title = "; ".join(parts)
    units = ", ".join(sorted(set(table.unit)))
    return plot_forest(rows, xlabel=f"Magnesium minus placebo ({units})", title=title[0].upper() + title[1:], ax=ax)


def plot_grade_summary(hide: Sequence[str] = (), ax: Axes | None = None) -> Axes:
    """GRADE certainty per outcome for magnesium in RLS and in insomnia, as a coloured grid.

    Args:
        hide: outcomes (``"condition:outcome"``) to draw as "rate it first" instead of their certainty,
            for a learner who has not rated them yet.

    >>> from mgedu.plots import alt_text
    >>> ax = plot_grade_summary(hide=["rls:rls-severity"])
    >>> len(ax.get_xticklabels()), "RLS severity: very low" in alt_text(ax)
    (2, False)
    """
    from matplotlib.patches import Patch, Rectangle

    from mgedu.certainty import CONDITIONS, OUTCOMES, load_grade_outcomes
    from mgedu.evidence import CERTAINTY_SYMBOLS

    table = load_grade_outcomes().set_index("row_id")
    unknown = sorted(set(hide) - set(table.index))
    if unknown:
        raise ValueError(f"hide must name outcomes like 'rls:rls-severity'; unknown: {', '.join(unknown)}")
    shown = {row: (HIDDEN if row in hide else str(table.loc[row, "certainty"])) for row in table.index}
    ax = new_axes(ax, figsize=(7.0, 3.6))
    for j, condition in enumerate(CONDITIONS):
        for i, outcome in enumerate(OUTCOMES):
            certainty = shown[f"{condition}:{outcome}"]
            ax.add_patch(
                Rectangle(
                    (j - 0.48, i - 0.45),
                    0.96,
                    0.9,
                    color=CERTAINTY_COLOURS[certainty],
                    hatch="//" if certainty == HIDDEN else None,
                    fill=certainty != HIDDEN,
                )
            )
            symbols = CERTAINTY_SYMBOLS.get(certainty, "")
            text = f"{symbols} {certainty}".strip()
            ax.text(j, i, text, ha="center", va="center", fontsize=9)
    ax.set_xlim(-0.5, len(CONDITIONS) - 0.5)
    ax.set_ylim(len(OUTCOMES) - 0.5, -0.5)
    ax.set_xticks(range(len(CONDITIONS)), [f"Magnesium in\n{c}" for c in CONDITIONS.values()], fontsize=9)
    ax.set_yticks(range(len(OUTCOMES)), list(OUTCOMES.values()), fontsize=9)
    ax.grid(False)
    handles = [Patch(color=c, label=k) for k, c in CERTAINTY_COLOURS.items() if k != HIDDEN]
    ax.legend(handles=handles, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8)
    cells = "; ".join(
        f"{CONDITIONS[str(r.condition)]}, {OUTCOMES[str(r.outcome)]}: {shown[str(r.Index)]}" for r in table.itertuples()
    )
    reached = set(shown.values())
    title = (
        "No outcome shown reaches moderate certainty"
        if hide and not reached & {"high", "moderate"}
        else "No outcome reaches moderate certainty"
        if not reached & {"high", "moderate"}
        else "GRADE certainty by outcome"
    )
    return decorate(ax, title=title, alt=f"Grid of GRADE certainty by outcome (rows) and condition (columns). {cells}.")


def plot_report_cards(ax: Axes | None = None) -> Axes:
    """The five report cards side by side: verdict shares per article, with what each sells and its reading.

    The bars use the cards' own denominator, the claims each article could be judged on (all but
    "uncheckable" and "not verified", listed under each article's name), so the green segment is exactly
    the card's ``share_supported`` and the red and orange segments add up to its ``share_serious``.

    >>> ax = plot_report_cards()
    >>> len(ax.get_yticklabels())
    5
    """
    from mgedu.report_cards import JUDGED_VERDICTS, NOT_JUDGED, READINGS, report_cards

    cards = report_cards()
    ax = new_axes(ax, figsize=(8.4, 3.9))
    left = [0.0] * len(cards)
    labels = []
    for r in cards.to_dict("records"):
        left_out = ", ".join(f"{r[v]} {VERDICT_LABELS[v]}" for v in NOT_JUDGED if r[v])
        labels.append(
            f"{r['doc_id']} ({r['sells'] or 'no product named'})\n{r['judged']} of {r['claims']} claims "
            "judged" + (f" ({left_out})" if left_out else "")
        )
    for verdict in JUDGED_VERDICTS:
        widths = (100 * cards[verdict] / cards["judged"]).tolist()
        ax.barh(
            labels, widths, left=left, color=VERDICT_COLOURS[verdict], label=VERDICT_LABELS[verdict], edgecolor="white"
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for i, reading in enumerate(cards.reading):
        ax.text(101, i, reading, va="center", fontsize=8)
    ax.set_xlim(0, 175)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.tick_params(axis="y", labelsize=8)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.35, -0.17), fontsize=8, handlelength=1.2)
    best = cards.loc[cards.share_supported.idxmax(), "doc_id"]
    summary = "; ".join(
        f"{r.doc_id}: {r.claims} claims, {r.judged} judged against a source, {r.supported} supported "
        f"({100 * r.share_supported:.0f}%), {r.misreported} misreported, {r.unsupported} unsupported, "
        f"reading '{r.reading}'"
        for r in cards.itertuples()
    )
    faithful = cards.doc_id[cards.reading == READINGS[0]].tolist()
    if len(faithful) == 1:
        title = f"Only {faithful[0]} is mostly faithful to its sources"
    else:
        title = f"{len(faithful)} of {len(cards)} articles are mostly faithful to their sources"
    return decorate(
        ax,
        title=title,
        xlabel="Share of the claims judged against a source (%)",
        alt="Stacked bars of verdict shares for the five articles, out of the claims each could be "
        "judged on (uncheckable and not-verified claims left out), with the overall reading at "
        f"the right. Most supported: {best}. {summary}.",
    )
