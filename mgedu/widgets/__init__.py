"""Widget wiring shared by every explorer in the workbook.

An explorer is a box of labelled controls, a one-line plain-text **readout** and, for some, a figure.
All the thinking happens in pure functions supplied by a domain module: ``describe(**values) -> str``
(the readout sentence), optionally ``explain(**values) -> str | None`` (a plain-language sentence
saying what is wrong with the inputs and what is allowed, or None when they are fine) and optionally
``draw(ax, **values)`` (the figure, drawn by an ordinary ``plot_*`` function). :func:`make_explorer`
only wires them to the controls, so tests can drive the controls and compare
``explorer.readout.value`` with ``explorer.describe(**values)``; the readout is what screen readers,
nbval and static pages see.

Speed: the figure is a :class:`mgedu.plots.live.LiveFigure` (one figure, updated by blitting) shown as
an ``<img>`` with its alt text inside an HTML widget, so an update is one small message that the
browser swaps in place (no output area cleared and refilled, no flash). Updates are "latest wins":
inside a running kernel the figure is drawn after the current message, so a burst of changes (a
dragged slider) draws only the newest values; elsewhere (tests, scripts) it is drawn at once. An
explorer with a figure sets its readout just before the figure, so both change in the same frame.
Once a page shows it, an explorer with a figure prepares, while the kernel is idle, the states one
click away (:func:`one_click_away`: another design, unit or checkbox state), so a first switch blits.

Accessibility: every control carries its label (``description``); where the ``anywidget`` package is
available, a small helper widget ties each slider handle to its label (``aria-labelledby``) and makes
the readout a polite live region, so a screen reader announces each new sentence.

Every readout carries the CSS class ``mgedu-readout``, every figure ``mgedu-figure`` and every
explorer ``mgedu-explorer`` (and its own name), which the browser tests use to find them.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mgedu.widgets.scheduling import IDLE_DELAY_S, LatestWins, when_idle

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.axes import Axes

#: Shown in place of the figure while the inputs are invalid (the old figure would be wrong).
STALE_FIGURE_TEXT = "No chart while the inputs above need fixing."


def figure_html(png: bytes, alt: str, size_px: tuple[int, int]) -> str:
    """An ``<img>`` for the explorer's figure: PNG data, alt text, intrinsic size, shrinks to fit.

    >>> figure_html(b"\\x89PNG", 'A "chart".', (560, 304))[:62]
    '<img class="mgedu-figure-img" alt="A &quot;chart&quot;." width'
    """
    width, height = size_px
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img class="mgedu-figure-img" alt="{html.escape(alt)}" width="{width}" height="{height}" '
        f'decoding="sync" style="max-width:100%;height:auto" src="data:image/png;base64,{data}">'
    )


def stale_figure_html(size_px: tuple[int, int] | None) -> str:
    """The placeholder shown instead of a figure while the inputs are invalid.

    >>> stale_figure_html((560, 304))[:40]
    '<div class="mgedu-figure-stale" style="w'
    """
    width, height = size_px or (560, 120)
    return (
        f'<div class="mgedu-figure-stale" style="width:{width}px;max-width:100%;height:{height}px;'
        "display:flex;align-items:center;justify-content:center;border:1px dashed #767676;"
        f'color:#333">{html.escape(STALE_FIGURE_TEXT)}</div>'
    )


def responsive_layout(max_width: str) -> ipywidgets.Layout:
    """A control layout that is ``max_width`` wide when there is room and shrinks in a narrow panel."""
    import ipywidgets as widgets

    return widgets.Layout(width="100%", max_width=max_width)


def make_explorer(
    name: str,
    controls: Mapping[str, ipywidgets.ValueWidget],
    describe: Callable[..., str],
    draw: Callable[..., Axes] | None = None,
    layout: str = "vertical",
    detail: Callable[..., str] | None = None,
    explain: Callable[..., str | None] | None = None,
    sticky_limits: bool = False,
    update: Callable[..., bool] | None = None,
    figsize: tuple[float, float] | None = None,
    resets: Mapping[str, Callable[[Any], Mapping[str, Any]]] | None = None,
) -> ipywidgets.VBox:
    """Wire ``controls`` to a readout (and a figure) and return the explorer box.

    The returned box has attributes ``controls`` (the dict given), ``readout`` (an HTML widget whose
    value is the escaped ``describe`` text), ``figure`` (an HTML widget holding the figure's ``<img>``),
    ``detail``, ``describe``, ``values()``, ``refresh()``, ``live`` (the
    :class:`~mgedu.plots.live.LiveFigure`, or None) and ``figure_alt()`` (the alt text of the figure
    shown). ``detail(**values)``, if given, returns trusted HTML (built by mgedu from the data, with
    every data string escaped) shown below the readout. ``explain(**values)``, if given, returns a
    plain-language sentence when the inputs are invalid; the readout then shows it and the figure is
    replaced by a notice (a stale figure would be wrong). ``sticky_limits`` keeps the figure's axes
    steady while the data fit them, and ``update(ax, **values) -> bool``, if given, moves the artists
    ``draw`` made to new values in place (True), or declines (False) so the figure is drawn afresh
    (see :mod:`mgedu.plots.live`). ``figsize`` (inches) is the figure's size when the plot function
    draws at a size of its own (the house default otherwise). ``resets[name](new)``, if given for a
    control, returns the values other controls take when that control changes to ``new`` (a new outcome
    clears the ratings made for the last one); they are set together and the explorer answers once, for
    all of them, not once per control with a mixture of old and new values in between.

    >>> import ipywidgets as w
    >>> box = make_explorer("demo", {"x": w.IntSlider(value=2, description="x")}, lambda x: f"x is {x}")
    >>> box.readout.value
    'x is 2'
    >>> box.controls["x"].value = 5
    >>> box.readout.value
    'x is 5'
    """
    import ipywidgets as widgets

    readout = widgets.HTML(layout=widgets.Layout(min_height="2.2em"))
    readout.add_class("mgedu-readout")
    detail_box = widgets.HTML()
    detail_box.add_class("mgedu-detail")
    figure = widgets.HTML(layout=widgets.Layout(max_width="100%", overflow="hidden"))
    figure.add_class("mgedu-figure")
    live = None
    if draw is not None:
        from mgedu.plots.live import LiveFigure

        live = LiveFigure(draw, update=update, sticky_limits=sticky_limits, figsize=figsize)
    shown: dict[str, str] = {"alt": ""}
    explained: list[Any] = []  # [values, problem] of the last check: the readout and the figure share it

    def values() -> dict[str, Any]:
        return {key: control.value for key, control in controls.items()}

    def problem_with(current: dict[str, Any]) -> str | None:
        """``explain(**current)``, checked once per set of values (the readout and the figure both ask)."""
        if explain is None:
            return None
        if not explained or explained[0] != current:
            explained[:] = [current, explain(**current)]
        return explained[1]

    def show_text(current: dict[str, Any]) -> None:
        """The readout (and detail) for ``current``: the sentence, or what is wrong with the inputs."""
        problem = problem_with(current)
        if problem is None:
            try:
                text = describe(**current)
            except ValueError as exc:  # bad input: a friendly sentence, never a traceback
                problem = f"Check the inputs: {exc}"
        readout.value = html.escape(problem if problem is not None else text)
        if detail is not None:
            try:
                detail_box.value = detail(**current) if problem is None else ""
            except ValueError:
                detail_box.value = ""

    def paint() -> None:
        """Show the readout and the figure for the controls' current values (the latest, whenever this runs).

        The figure is drawn first and the readout is set just before the figure, so the two reach the page
        together and change in the same frame (they never disagree on screen, and the page is not laying
        out a new readout while the kernel draws)."""
        current = values()
        problem = problem_with(current)
        png = None
        if problem is None:
            try:
                png = live.render(**current)  # type: ignore[union-attr]
            except ValueError:
                problem = "invalid"
        show_text(current)
        if png is None:
            figure.value = stale_figure_html(live.size_px if live.fig is not None else None)  # type: ignore[union-attr]
            shown["alt"] = ""
            return
        from mgedu.plots import alt_text

        alt = alt_text(live.ax) or "Figure of the explorer's current values."  # type: ignore[union-attr,arg-type]
        figure.value = figure_html(png, alt, live.size_px)  # type: ignore[union-attr]
        shown["alt"] = alt

    painter = LatestWins(paint if live is not None else lambda: show_text(values()))

    def prepare_nearby() -> Iterator[None]:
        """Draw (unseen) the states one click away from the current one, one per step: a first switch to
        another design or unit then blits what was prepared instead of drawing new axes, legend and text."""
        for state in one_click_away(controls, values()):
            if problem_with(state) is None:
                try:
                    live.prepare(state)  # type: ignore[union-attr]
                except ValueError:  # inputs the figure refuses: nothing to prepare
                    pass
            yield

    unknown = sorted(set(resets or ()) - set(controls))
    if unknown:
        raise ValueError(f"resets names {', '.join(unknown)}, not among the controls: {', '.join(controls)}")
    holding = [0]  # > 0 while ``resets`` sets other controls: they answer together afterwards

    def refresh(*_: object) -> None:
        if holding[0]:
            return
        if live is None:  # a readout alone: shown at once
            show_text(values())
        else:  # with a figure: both after the current message (a burst of changes draws the newest values once)
            painter.request()

    def reset_others(key: str, change: dict[str, Any]) -> None:
        holding[0] += 1
        try:
            for other, value in resets[key](change["new"]).items():  # type: ignore[index]
                if other not in controls:
                    raise ValueError(
                        f"resets[{key!r}] set {other!r}, which is not one of the controls: {', '.join(controls)}"
                    )
                controls[other].value = value
        finally:
            holding[0] -= 1
        refresh()

    for key, control in controls.items():  # (not ``name``: that is the explorer's)
        if resets is not None and key in resets:
            control.observe(lambda change, key=key: reset_others(key, change), names="value")
        else:
            control.observe(refresh, names="value")
    rows = list(controls.values())
    if layout == "vertical":
        controls_box = widgets.VBox(rows)
    else:
        controls_box = widgets.HBox(rows, layout=widgets.Layout(flex_flow="row wrap"))
    children = [controls_box, readout] + ([detail_box] if detail is not None else [])
    children += [figure] if draw is not None else []
    helper = accessibility_helper()
    children += [helper] if helper is not None else []
    box = widgets.VBox(children)
    box.add_class("mgedu-explorer")
    box.add_class(f"mgedu-{name}")
    box.controls = dict(controls)  # type: ignore[attr-defined]
    box.readout = readout  # type: ignore[attr-defined]
    box.figure = figure  # type: ignore[attr-defined]
    box.detail = detail_box  # type: ignore[attr-defined]
    box.describe = describe  # type: ignore[attr-defined]
    box.values = values  # type: ignore[attr-defined]
    box.refresh = refresh  # type: ignore[attr-defined]
    box.live = live  # type: ignore[attr-defined]
    box.figure_alt = lambda: shown["alt"]  # type: ignore[attr-defined]
    box.flush = painter.flush  # type: ignore[attr-defined]
    refresh()
    painter.flush()  # the first figure is drawn now, so a notebook run stores it
    if live is not None and helper is not None:  # prepared only for a page that shows the explorer
        helper.on_shown(lambda: when_idle(prepare_nearby(), busy=lambda: not painter.idle_for(IDLE_DELAY_S)))
    return box


#: Choices at most this many (a dropdown of designs or units, a checkbox) are prepared ahead.
NEARBY_CHOICES_MAX = 4
#: States prepared ahead per explorer at most (each kept picture costs about 1 MB).
NEARBY_STATES_MAX = 6


def one_click_away(controls: Mapping[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """The states one click from ``current``: each other option of a control with few choices (a checkbox,
    a short dropdown or row of buttons), the other controls as they are. Sliders and long lists are left out.

    >>> import ipywidgets as w
    >>> controls = {"design": w.Dropdown(options=[("RCT", "rct"), ("Open label", "open")], value="rct"),
    ...             "blinded": w.Checkbox(value=True), "n": w.IntSlider(value=12)}
    >>> one_click_away(controls, {"design": "rct", "blinded": True, "n": 12})
    [{'design': 'open', 'blinded': True, 'n': 12}, {'design': 'rct', 'blinded': False, 'n': 12}]
    """
    states = []
    for key, control in controls.items():
        if isinstance(getattr(control, "value", None), bool):
            choices: list[Any] = [False, True]
        elif hasattr(control, "options") and 0 < len(control.options) <= NEARBY_CHOICES_MAX:
            choices = [option[1] if isinstance(option, tuple) else option for option in control.options]
        else:
            continue
        states += [{**current, key: choice} for choice in choices if choice != current[key]]
    return states[:NEARBY_STATES_MAX]


def accessibility_helper() -> Any:
    """The helper widget that names slider handles and announces the readout, or None.

    None where ``anywidget`` is not installed, and in Google Colab (whose widget frontend loads only
    the standard widgets unless a custom widget manager is switched on).
    """
    import sys

    if "google.colab" in sys.modules:
        return None
    try:
        from mgedu.widgets.accessibility import ExplorerAccessibility
    except ImportError:
        return None
    return ExplorerAccessibility()
