"""A recording of what an artist asked the renderer to draw, to draw it again without laying it out again.

A legend lays out its entries (text extents, packing, its frame) every time it is drawn, which costs more
than drawing it. A live figure whose legend and layout did not change replays the legend's drawing calls
instead: the same paths, markers and texts with copies of the same graphics contexts and frozen
transforms, so the pixels are those of drawing it (a test compares them).
"""

from __future__ import annotations

from typing import Any

#: The renderer calls that put pixels on the canvas; everything else is passed through unrecorded.
DRAWING_CALLS = frozenset(
    {
        "draw_path",
        "draw_markers",
        "draw_path_collection",
        "draw_quad_mesh",
        "draw_gouraud_triangles",
        "draw_image",
        "draw_text",
        "draw_tex",
        "draw_mathtext",
    }
)


class _Recorder:
    """Stands in for a renderer: forwards everything, and notes each drawing call with frozen arguments."""

    def __init__(self, renderer: Any, calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]]) -> None:
        object.__setattr__(self, "_renderer", renderer)
        object.__setattr__(self, "_calls", calls)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._renderer, name)
        if name not in DRAWING_CALLS:
            return attribute

        def drawing_call(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(
                (name, tuple(self._frozen(a) for a in args), {k: self._frozen(v) for k, v in kwargs.items()})
            )
            return attribute(*args, **kwargs)

        return drawing_call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._renderer, name, value)

    def _frozen(self, value: Any) -> Any:
        from matplotlib.backend_bases import GraphicsContextBase
        from matplotlib.transforms import Transform

        if isinstance(value, GraphicsContextBase):
            copy = self._renderer.new_gc()
            copy.copy_properties(value)
            return copy
        if isinstance(value, Transform):
            return value.frozen()
        return value


class DrawingRecord:
    """The drawing calls of one ``artist.draw(renderer)``, to replay on the same renderer later.

    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.backends.backend_agg import FigureCanvasAgg
    >>> fig, ax = plt.subplots(figsize=(2, 1)); canvas = FigureCanvasAgg(fig)
    >>> legend = ax.legend(handles=ax.plot([0, 1], label="1 mM"))
    >>> record = DrawingRecord.of(legend, canvas.get_renderer())
    >>> sorted({name for name, _, _ in record.calls})  # paths (handle line, frame if the style has one), text
    ['draw_path', 'draw_text']
    >>> plt.close(fig)
    """

    def __init__(self, calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]]) -> None:
        self.calls = calls

    @classmethod
    def of(cls, artist: Any, renderer: Any) -> DrawingRecord:
        """Draw ``artist`` on ``renderer`` and keep what it drew."""
        calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        artist.draw(_Recorder(renderer, calls))
        return cls(calls)

    def replay(self, renderer: Any) -> None:
        """Draw the recorded calls again, in order."""
        for name, args, kwargs in self.calls:
            getattr(renderer, name)(*args, **kwargs)
