"""A figure that an explorer redraws many times a second: built once, then updated by blitting.

An explorer's figure is drawn by an ordinary ``plot_*`` function (``draw(ax, **values)``), so it looks
exactly like the same figure in a notebook. :class:`LiveFigure` keeps one Figure and one Axes for the
explorer's whole life and, on every update:

1. if the explorer gave an ``update(ax, **values)`` function (the plot module's companion of its
   ``plot_*`` function, in the manner of :class:`matplotlib.animation.FuncAnimation`'s ``func``) and it
   returns True, the artists already drawn now show the new values (new data on the same lines, new
   text in the same labels): nothing is removed or built. Creating artists and laying out a legend
   cost more than drawing them, so this is the fast path. ``update`` returns False, before changing
   anything that matters, when the new values need other artists (another number of curves, other
   legend entries, data that no longer fit the axes); then
2. it removes the artists the last call drew (lines, patches, texts, containers, the legend), keeping the
   Axes, its ticks and its layout (the first render's constrained layout is frozen, so later renders
   skip the layout engine and the figure never jumps), and calls ``draw`` again on the same Axes;
3. if nothing *static* changed (axis limits, ticks, scales, axis labels), pastes the cached picture of
   the static parts (frame, grid, ticks and their labels) and draws only the new artists on top
   ("blitting"); otherwise renders everything and caches the new static picture (the last few static
   pictures are kept, so returning to axes seen a moment ago blits too);
4. encodes the buffer as PNG (RGB when opaque; fast zlib level: the picture is shown and replaced, not
   stored).

Text is drawn through a :class:`~mgedu.plots.glyphs.GlyphCache` (each glyph rasterised once, pasted as
Agg pastes it), and a legend whose entries and options did not change is kept rather than built again.

Static parts are drawn below every data artist (``axes.axisbelow``) and the spines are drawn with the
data artists, in z-order, so a blitted picture equals a full render pixel for pixel (a test checks
this). ``sticky_limits`` keeps the axis limits while new data still fit comfortably, so a moving
slider reads as movement on a steady axis (and most updates can blit); when the data leave them (or
use less than ``shrink`` of them), axes shown a moment ago that the data fit are shown again (a
dropdown switched back finds its axes, and their cached picture, as it left them); failing that, the
limits follow the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mgedu.plots.glyphs import GlyphCache
from mgedu.plots.recording import DrawingRecord

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: zlib level for the PNG: 1 is the fastest; the picture lives a fraction of a second.
PNG_COMPRESS_LEVEL = 1
#: Pictures of the static parts kept, one per set of axis limits, ticks and labels (about 0.7 MB each):
#: going back to axes seen a moment ago (a dropdown switched back, a slider moved back) blits.
BACKGROUNDS_KEPT = 8
#: Legends kept, one per set of entries (a slider moved back and forth between values shown in the legend).
LEGENDS_KEPT = 8


class LiveFigure:
    """One figure, redrawn in place by ``draw(ax, **values)``; see the module docstring.

    >>> live = LiveFigure(lambda ax, k: ax.plot([0, 1], [0, k]) and ax)
    >>> png = live.render(k=1)
    >>> png[:4], live.render(k=2) != png
    (b'\\x89PNG', True)
    >>> live.full_renders, live.blits  # the y limits changed, then stayed put
    (2, 0)
    """

    def __init__(
        self,
        draw: Callable[..., Any],
        *,
        update: Callable[..., bool] | None = None,
        figsize: tuple[float, float] | None = None,
        sticky_limits: bool = False,
        shrink: float = 0.4,
        dpi: int = 80,
        cache_text: bool = True,
    ) -> None:
        self.draw = draw
        self.update = update
        self.figsize = figsize  # inches; None: the house default
        self.sticky_limits = sticky_limits
        self.shrink = shrink
        self.dpi = dpi
        self.fig: Figure | None = None
        self.ax: Axes | None = None
        self._background: Any = None
        self._backgrounds: dict[tuple[Any, ...], Any] = {}  # static key -> its picture, oldest first
        self._static_key: tuple[Any, ...] | None = None
        self._base_children: set[int] = set()
        self.full_renders = 0
        self.blits = 0
        self.updated_in_place = 0  # renders where ``update`` changed the artists already drawn
        self.cache_text = cache_text
        self.glyphs = GlyphCache()
        # legend key -> [legend, where it was last drawn, the recording of that drawing], oldest first
        self._legends: dict[tuple[Any, ...], list[Any]] = {}
        self.legends_built = 0
        self.legends_laid_out = 0

    # ------------------------------------------------------------------ building and updating
    def _build(self, values: dict[str, Any]) -> Axes:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        from mgedu.plots import new_axes

        # A title at the top of the axes (where Matplotlib would put it, with no ticks on top), so it is not
        # placed anew on every drawing by measuring the tick labels.
        with matplotlib.rc_context({"axes.titley": 1.0}):
            ax = new_axes(figsize=self.figsize)
        self._keep_legend(ax)
        with matplotlib.rc_context({"axes.axisbelow": True}):
            ax = self.draw(ax, **values)
        fig = ax.figure
        FigureCanvasAgg(fig)
        fig.set_dpi(self.dpi)
        self._serve_text(fig)
        if len(fig.axes) == 1:
            # Run the layout engine once, then freeze its result (the axes keep their place).
            fig.canvas.draw()
            position = ax.get_position()
            fig.set_layout_engine("none")
            ax.set_position(position)
            # The axis labels stay where this drawing put them too: Matplotlib otherwise measures every tick
            # label on each full drawing to place them (with the layout frozen, they have nowhere else to go).
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_label_coords(*axis.label.get_position(), transform=axis.label.get_transform())
        self.fig, self.ax = fig, ax
        ax.set_axisbelow(True)
        self._base_children = {id(a) for a in self._static_artists(ax)}
        return ax

    @staticmethod
    def _static_artists(ax: Axes) -> list[Any]:
        return [ax.patch, ax.xaxis, ax.yaxis, *ax.spines.values()]

    def _dynamic_artists(self, ax: Axes) -> list[Any]:
        return [a for a in ax.get_children() if id(a) not in self._base_children and a.get_visible()]

    def _clear(self, ax: Axes) -> None:
        """Remove what ``draw`` added last time; reset limits and titles as a fresh Axes has them."""
        for artist in [*ax.lines, *ax.patches, *ax.texts, *ax.collections, *ax.images, *ax.artists, *ax.tables]:
            artist.remove()
        # Containers (a bar chart's BarContainer, error bars) are not children of the Axes but the legend
        # reads its entries from them: left in place, every update would add one more legend entry.
        ax.containers.clear()
        ax.legend_ = None  # kept in self._legends: a later update may show it again as it is
        for title in (ax.title, ax._left_title, ax._right_title):  # noqa: SLF001 - the Axes' own titles
            title.set_text("")
        ax.relim()
        ax.set_autoscale_on(True)
        ax.ignore_existing_data_limits = True

    def _serve_text(self, fig: Figure) -> None:
        if self.cache_text:
            self.glyphs.install(fig.canvas.get_renderer())

    def _keep_legend(self, ax: Axes) -> None:
        """Let ``ax.legend(...)`` return the legend already built when its entries and options are the same.

        A legend lays out its entries when it is built; the last few legends are kept by their labels, handle
        styles and options, so an update whose legend was drawn a moment ago builds none (a test checks).
        """
        from matplotlib.axes import Axes as PlainAxes

        def legend(*args: Any, **kwargs: Any) -> Any:
            key = _legend_key(ax, args, kwargs)
            if key is not None and key in self._legends:
                entry = self._legends[key] = self._legends.pop(key)  # now the most recently used
                ax.legend_ = entry[0]
                entry[0].stale = True
                return entry[0]
            made = PlainAxes.legend(ax, *args, **kwargs)
            self.legends_built += 1
            if key is not None:
                self._legends[key] = [made, None, None]
                while len(self._legends) > LEGENDS_KEPT:
                    del self._legends[next(iter(self._legends))]
            return made

        ax.legend = legend  # type: ignore[method-assign]

    def _static_key_of(self, ax: Axes) -> tuple[Any, ...]:
        return (
            ax.get_xlim(),
            ax.get_ylim(),
            ax.get_xscale(),
            ax.get_yscale(),
            ax.get_xlabel(),
            ax.get_ylabel(),
            tuple(ax.get_xticks()),
            tuple(ax.get_yticks()),
            tuple(t.get_text() for t in ax.yaxis.get_majorticklabels())
            if ax.yaxis.get_major_formatter().__class__.__name__ == "FixedFormatter"
            else (),
        )

    def _fits(self, raw: tuple[float, float], kept: tuple[float, float]) -> bool:
        """Whether data drawn with limits ``raw`` fit comfortably on an axis with limits ``kept``."""
        low, high = raw
        old_low, old_high = kept
        inside = min(old_low, old_high) <= min(low, high) and max(low, high) <= max(old_low, old_high)
        uses = abs(high - low) / abs(old_high - old_low) if old_high != old_low else 0.0
        return inside and uses >= self.shrink

    def _apply_sticky_limits(self, ax: Axes, previous: tuple[Any, ...] | None) -> None:
        """Keep the shown axes where the new data fit them; else return to recent axes that fit (see the
        module docstring); else the data's own limits."""
        if previous is None:
            return
        raw = (ax.get_xlim(), ax.get_ylim())
        for axis, old in (("x", previous[0]), ("y", previous[1])):
            drawn = raw[0] if axis == "x" else raw[1]
            if drawn != old and self._fits(drawn, old):
                (ax.set_xlim if axis == "x" else ax.set_ylim)(*old)
        if (ax.get_xlim(), ax.get_ylim()) == (previous[0], previous[1]):
            return
        # Axes shown a moment ago (a dropdown switched back) that still fit the data on both axes: showing
        # them again keeps the figure steady, and their static picture is cached, so the update blits.
        settled = (ax.get_xlim(), ax.get_ylim())
        labels_and_scales = (ax.get_xscale(), ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel())
        for key in reversed(self._backgrounds):  # the most recently shown first
            if key == previous or key[2:6] != labels_and_scales:
                continue
            if self._fits(raw[0], key[0]) and self._fits(raw[1], key[1]):
                ax.set_xlim(*key[0])
                ax.set_ylim(*key[1])
                if self._static_key_of(ax) == key:
                    return
        ax.set_xlim(*settled[0])
        ax.set_ylim(*settled[1])

    def render(self, *, force_full: bool = False, **values: Any) -> bytes:
        """Draw the figure for ``values`` and return it as PNG bytes (``force_full``: draw every artist
        afresh and never blit)."""
        self._render(values, force_full)
        return self.png()

    def prepare(self, values: dict[str, Any]) -> None:
        """Draw the figure for ``values`` without encoding it: what a later :meth:`render` of similar values
        needs (the static picture of their axes, their legend, the glyphs and words of their text) is then
        kept, so that render only blits. An explorer prepares the states one click away while idle.

        The axes shown stay the ones sticky limits hold steady: the next render compares the data with
        them, not with the axes of the state prepared last."""
        shown_key, shown_background = self._static_key, self._background
        self._render(values, False)
        if shown_key is not None:
            self._static_key, self._background = shown_key, shown_background
            if shown_key in self._backgrounds:  # the shown axes stay the most recently used
                self._backgrounds[shown_key] = self._backgrounds.pop(shown_key)

    def _render(self, values: dict[str, Any], force_full: bool) -> None:
        if self.ax is None:
            ax = self._build(values)
        elif not force_full and self.update is not None and self.update(self.ax, **values):
            ax = self.ax
            self._serve_text(self.fig)  # type: ignore[arg-type]
            self.updated_in_place += 1
            if self.sticky_limits:  # ``update`` sets the limits ``draw`` would: the same rule applies
                self._apply_sticky_limits(ax, self._static_key)
        else:
            ax = self.ax
            self._clear(ax)
            self._serve_text(self.fig)  # type: ignore[arg-type]
            # The Axes keeps the axisbelow set when it was built (no rc_context here: copying the
            # rcParams in and out was a tenth of an update).
            self.draw(ax, **values)
            if self.sticky_limits:
                self._apply_sticky_limits(ax, self._static_key)
        key = self._static_key_of(ax)
        canvas = self.fig.canvas  # type: ignore[union-attr]
        dynamic = self._dynamic_artists(ax)
        if not force_full and key != self._static_key and key in self._backgrounds:
            self._background, self._static_key = self._backgrounds[key], key  # axes seen a moment ago
            self._backgrounds[key] = self._backgrounds.pop(key)  # now the most recently used
        if force_full or key != self._static_key or self._background is None:
            for artist in [*dynamic, *ax.spines.values()]:
                artist.set_animated(True)
            canvas.draw()  # everything static (animated artists are skipped)
            self._background = canvas.copy_from_bbox(self.fig.bbox)  # type: ignore[union-attr]
            self._static_key = key
            self._backgrounds.pop(key, None)  # (a forced render of axes seen before: now the most recent)
            self._backgrounds[key] = self._background
            while len(self._backgrounds) > BACKGROUNDS_KEPT:
                del self._backgrounds[next(iter(self._backgrounds))]
            self.full_renders += 1
        else:
            canvas.restore_region(self._background)
            self.blits += 1
        on_top = sorted([*dynamic, *ax.spines.values()], key=lambda a: a.get_zorder())
        for artist in on_top:
            artist.set_animated(True)
            if artist is ax.legend_:
                self._draw_legend(artist)
            else:
                ax.draw_artist(artist)

    def _draw_legend(self, legend: Any) -> None:
        """Draw the legend, replaying its last drawing if neither it nor where it goes has changed."""
        renderer = self.fig.canvas.get_renderer()  # type: ignore[union-attr]
        where = (tuple(self.ax.bbox.bounds), tuple(self.fig.bbox.bounds), renderer.dpi)  # type: ignore[union-attr]
        entry = next((e for e in self._legends.values() if e[0] is legend), None)
        fixed_place = legend._loc != 0  # noqa: SLF001 - 0 is "best", which depends on the data under it
        if self.cache_text and fixed_place and entry is not None and entry[1] == where:
            entry[2].replay(renderer)
            return
        self.legends_laid_out += 1
        if self.cache_text and fixed_place and entry is not None:
            entry[1], entry[2] = where, DrawingRecord.of(legend, renderer)
        else:
            legend.draw(renderer)

    def png(self) -> bytes:
        """The canvas as PNG bytes (after :meth:`render`); see :func:`encode_png`."""
        from PIL import Image

        canvas = self.fig.canvas  # type: ignore[union-attr]
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        if image.getextrema()[3][0] == 255:  # opaque (the usual white figure): a quarter less to compress
            image = image.convert("RGB")
        return encode_png(image)

    @property
    def size_px(self) -> tuple[int, int]:
        """(width, height) of the picture in pixels."""
        return self.fig.canvas.get_width_height(physical=True)  # type: ignore[union-attr]


def encode_png(image: Any, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """A Pillow RGB or RGBA image as PNG bytes, every row stored with PNG filter type 0 ("None").

    Pillow's PNG writer tries the five row filters on every row and keeps the best ("adaptive"
    filtering) and has no option to skip that; on an explorer's 512 x 384 figure this search takes
    about two thirds of its encoding time, for a file only about 3 % smaller. A picture shown for a
    fraction of a second is better sent a little larger and sooner. The PNG is standard (signature,
    IHDR, one IDAT of zlib data, IEND; PNG specification, 3rd edition, sections 5 and 11) and
    decodes to the same pixels.

    >>> import io
    >>> from PIL import Image
    >>> picture = Image.new("RGB", (3, 2), (255, 0, 0))
    >>> data = encode_png(picture)
    >>> data[:8], Image.open(io.BytesIO(data)).getpixel((2, 1))
    (b'\\x89PNG\\r\\n\\x1a\\n', (255, 0, 0))
    """
    import struct
    import zlib

    import numpy as np

    colour_types = {"RGB": 2, "RGBA": 6}
    if image.mode not in colour_types:
        raise ValueError(f"encode_png takes an RGB or RGBA image, not mode {image.mode!r}")
    width, height = image.size
    row_bytes = width * len(image.mode)
    rows = np.zeros((height, 1 + row_bytes), dtype=np.uint8)  # column 0: each row's filter type, 0
    rows[:, 1:] = np.frombuffer(image.tobytes(), dtype=np.uint8).reshape(height, row_bytes)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_types[image.mode], 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
        + chunk(b"IEND", b"")
    )


#: Style properties a legend copies from each handle (whichever the handle has).
_HANDLE_STYLE = (
    "color",
    "facecolor",
    "edgecolor",
    "linestyle",
    "linewidth",
    "marker",
    "markersize",
    "markerfacecolor",
    "markeredgecolor",
    "markeredgewidth",
    "alpha",
    "hatch",
    "fill",
    "drawstyle",
    "dashes",
    "capstyle",
    "joinstyle",
    "visible",
)


def _style_of(handle: Any) -> tuple[Any, ...]:
    import numpy as np
    from matplotlib.container import Container

    if isinstance(handle, Container):  # a bar chart or error bars: the legend draws from the first child
        return (type(handle).__name__, len(handle), *(_style_of(child) for child in list(handle)[:1]))
    style: list[Any] = [type(handle).__name__]
    for name in _HANDLE_STYLE:
        getter = getattr(handle, f"get_{name}", None)
        if getter is not None:
            value = getter()
            style.append(
                (name, repr(np.asarray(value, dtype=object).tolist()) if not isinstance(value, str) else value)
            )
    return tuple(style)


def _legend_key(ax: Axes, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
    """What a legend built now would show: entries (label and handle style) and options; None if unknown."""
    if args:
        return None
    handles = kwargs.get("handles")
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    else:
        labels = kwargs.get("labels") or [h.get_label() for h in handles]
    options = tuple(sorted((k, repr(v)) for k, v in kwargs.items() if k not in ("handles", "labels")))
    return (tuple(labels), tuple(_style_of(h) for h in handles), options)
