"""Widget wiring shared by every explorer in the workbook.

An explorer is a box of labelled controls, a figure area and a one-line plain-text **readout**. All
the thinking happens in two pure functions supplied by a domain module: ``describe(**values) -> str``
(the readout sentence) and optionally ``draw(ax, **values)`` (the figure). :func:`make_explorer` only
wires them to the controls, so tests can drive the controls and compare ``explorer.readout.value``
with ``explorer.describe(**values)``; the readout is what screen readers, nbval and static pages see.

Every readout carries the CSS class ``mgedu-readout`` and every explorer ``mgedu-explorer`` (and its
own name), which the browser tests use to find them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.axes import Axes


def make_explorer(
    name: str,
    controls: Mapping[str, ipywidgets.ValueWidget],
    describe: Callable[..., str],
    draw: Callable[..., Axes] | None = None,
    layout: str = "vertical",
    detail: Callable[..., str] | None = None,
) -> ipywidgets.VBox:
    """Wire ``controls`` to a readout (and a figure) and return the explorer box.

    The returned box has attributes ``controls`` (the dict given), ``readout`` (an HTML widget whose
    value is the escaped ``describe`` text), ``output`` (the figure area), ``describe``, ``values()``
    and ``refresh()``. ``detail(**values)``, if given, returns trusted HTML (built by mgedu from the
    data, with every data string escaped) shown below the readout in ``explorer.detail``.

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
    output = widgets.Output()

    frozen: dict[str, Any] = {}  # the first figure's layout, reused so later redraws skip the layout engine

    def values() -> dict[str, Any]:
        return {key: control.value for key, control in controls.items()}

    def figure_axes() -> Axes:
        from mgedu.plots import new_axes

        if not frozen:
            return new_axes()
        from matplotlib.figure import Figure

        fig = Figure(figsize=frozen["size"])
        return fig.add_axes(frozen["position"])

    def refresh(*_: object) -> None:
        current = values()
        try:
            text = describe(**current)
        except ValueError as exc:  # bad input: a friendly sentence, never a traceback
            text = f"Check the inputs: {exc}"
        readout.value = html.escape(text)
        if detail is not None:
            try:
                detail_box.value = detail(**current)
            except ValueError:
                detail_box.value = ""
        if draw is not None:
            from mgedu.plots import show

            output.clear_output(wait=True)
            with output:
                try:
                    ax = draw(figure_axes(), **current)
                except ValueError:
                    return
                show(ax)
                if not frozen and len(ax.figure.axes) == 1:
                    # The first render ran the constrained layout; keep its result for later renders.
                    frozen["size"] = tuple(ax.figure.get_size_inches())
                    frozen["position"] = tuple(ax.get_position().bounds)

    for control in controls.values():
        control.observe(refresh, names="value")
    rows = list(controls.values())
    controls_box = widgets.VBox(rows) if layout == "vertical" else widgets.HBox(rows)
    children = [controls_box, readout] + ([detail_box] if detail is not None else [])
    children += [output] if draw is not None else []
    box = widgets.VBox(children)
    box.add_class("mgedu-explorer")
    box.add_class(f"mgedu-{name}")
    box.controls = dict(controls)  # type: ignore[attr-defined]
    box.readout = readout  # type: ignore[attr-defined]
    box.output = output  # type: ignore[attr-defined]
    box.detail = detail_box  # type: ignore[attr-defined]
    box.describe = describe  # type: ignore[attr-defined]
    box.values = values  # type: ignore[attr-defined]
    box.refresh = refresh  # type: ignore[attr-defined]
    refresh()
    return box
