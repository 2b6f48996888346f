"""House style for every figure in the workbook: palette, labels, alt text, lean display.

Every ``plot_*`` function in :mod:`mgedu.plots` takes ``ax=None`` (a new figure is made when it is
None), labels its axes in real units, gives a title that states the finding, attaches alt text with
:func:`set_alt`, and returns the Axes. Notebooks then call :func:`show`, which displays a small PNG
with its alt text in the output metadata *and* as the text/plain fallback, and closes the figure, so
that no ``<Figure size ...>`` repr is stored and nbval compares the alt text.

The palette is Okabe & Ito's (2008) colour-blind safe set. Nothing here runs at import:
:func:`use_style` must be called explicitly.
"""

from __future__ import annotations

import base64
import functools
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from mgedu.plots.glyphs import GlyphCache

#: Okabe-Ito colour-blind safe palette (black last, for text-like marks).
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
PALETTE: list[str] = [
    OKABE_ITO[k]
    for k in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "yellow", "black")
]

#: One colour per claim verdict, from the same palette, ordered from "fine" to "cannot be checked".
#: "not verified" (a source that could not be found) gets sky blue, well apart from the green of
#: "supported" and the reds of "unsupported", because it says nothing either way.
VERDICT_COLOURS: dict[str, str] = {
    "supported": OKABE_ITO["bluish_green"],
    "overstated": OKABE_ITO["yellow"],
    "misreported": OKABE_ITO["orange"],
    "unsupported": OKABE_ITO["vermillion"],
    "uncheckable": "#999999",
    "not-verified": OKABE_ITO["sky_blue"],
}

STYLE: dict[str, Any] = {
    "figure.figsize": (7.0, 3.8),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "svg.hashsalt": "mgedu",
}

_ALT_ATTRIBUTE = "_mgedu_alt_text"


def use_style() -> None:
    """Apply the workbook's matplotlib style (palette, sizes, spines). Call once per notebook.

    >>> import matplotlib
    >>> with matplotlib.rc_context():  # here only, so the style does not leak into other tests
    ...     use_style()
    ...     matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0]
    '#0072B2'
    """
    import matplotlib
    from cycler import cycler

    matplotlib.rcParams.update(STYLE)
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=PALETTE)


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax``, or the Axes of a new figure when ``ax`` is None.

    New figures are made with :class:`matplotlib.figure.Figure` directly (not pyplot), so a plot
    function never leaves a figure open in pyplot's state machine.
    """
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def decorate(
    ax: Axes, *, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None, alt: str | None = None
) -> Axes:
    """Set title, axis labels (with units) and alt text in one call; return the Axes.

    >>> ax = decorate(new_axes(), title="Dose", xlabel="Elemental magnesium (mg/day)", alt="An empty chart.")
    >>> ax.get_xlabel(), alt_text(ax)
    ('Elemental magnesium (mg/day)', 'An empty chart.')
    """
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if alt is not None:
        set_alt(ax, alt)
    return ax


def artists_by_gid(ax: Axes, gids: tuple[str, ...]) -> dict[str, list[Any]]:
    """The artists of ``ax`` carrying each of ``gids`` (their ``gid``), in drawing order: how an ``update_*``
    companion of a plot function finds what the plot function drew.

    >>> ax = new_axes(); _ = ax.plot([0, 1], gid="curve"); _ = ax.axvline(0.5, gid="marker")
    >>> {gid: len(found) for gid, found in artists_by_gid(ax, ("curve", "marker", "label")).items()}
    {'curve': 1, 'marker': 1, 'label': 0}
    """
    found: dict[str, list[Any]] = {gid: [] for gid in gids}
    for artist in ax.get_children():
        if artist.get_gid() in found:
            found[artist.get_gid()].append(artist)
    return found


def round_out(low: float, high: float, steps: float) -> tuple[float, float]:
    """``low`` and ``high`` rounded outwards to whole multiples of a round step (1, 2 or 5 times a power of
    ten) of about (high - low) / ``steps``: axis ends that nearby data share.

    >>> round_out(-1.3, 15.2, 10), round_out(0.0, 420.0, 5)
    ((-2.0, 16.0), (0.0, 500.0))
    """
    import math

    rough = (high - low) / steps
    if not rough > 0 or not math.isfinite(rough):
        raise ValueError(f"high must be above low and both finite, got low={low!r}, high={high!r}")
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(float(k * power) for k in (1, 2, 5, 10) if k * power >= rough)
    return float(math.floor(low / step) * step), float(math.ceil(high / step) * step)


def set_alt(ax_or_fig: Axes | Figure, text: str) -> None:
    """Attach alt text (a plain description of what the figure shows) to a figure."""
    fig = _figure_of(ax_or_fig)
    if not text or not text.strip():
        raise ValueError("alt text must be a non-empty description of the figure")
    setattr(fig, _ALT_ATTRIBUTE, " ".join(text.split()))


def alt_text(ax_or_fig: Axes | Figure) -> str | None:
    """The alt text attached to a figure, or None."""
    return getattr(_figure_of(ax_or_fig), _ALT_ATTRIBUTE, None)


def _figure_of(ax_or_fig: Axes | Figure) -> Figure:
    """The figure an Axes belongs to (or the figure itself)."""
    return ax_or_fig if hasattr(ax_or_fig, "savefig") else ax_or_fig.figure  # type: ignore[return-value]


def figure_png(ax_or_fig: Axes | Figure, dpi: int = 80) -> bytes:
    """Render a figure to PNG bytes (deterministic: no timestamps or software tags).

    The bytes are those ``fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None},
    pil_kwargs={"compress_level": 3})`` writes (tests compare them), made with less work. ``savefig``
    draws a figure that has a layout engine (every figure here is constrained) twice: once unseen, to lay
    it out, then for real with the layout switched off; here the layout runs inside the one drawing, as it
    does on screen. And text is drawn through a glyph cache kept for the session (:func:`text_cache`), so
    a word or tick label laid out and rasterised for an earlier figure is not laid out and rasterised
    again; it pastes glyph by glyph, as Agg does, so the pixels are Agg's.

    >>> from PIL import Image
    >>> ax = decorate(new_axes(figsize=(2, 1)), title="Dose", alt="An empty chart.")
    >>> Image.open(io.BytesIO(figure_png(ax, dpi=50))).size
    (100, 50)
    """
    import matplotlib.image
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure_of(ax_or_fig)
    canvas_before, dpi_before = fig.canvas, fig.dpi
    canvas = FigureCanvasAgg(fig)
    try:
        fig.dpi = dpi
        text_cache().install(canvas.get_renderer())
        canvas.draw()
        buffer = io.BytesIO()
        matplotlib.image.imsave(
            buffer,
            canvas.buffer_rgba(),
            format="png",
            origin="upper",
            dpi=fig.dpi,
            metadata={"Software": None},
            pil_kwargs={"compress_level": 3},  # a fast zlib level: the size cost is small
        )
    finally:
        fig.dpi = dpi_before
        fig.set_canvas(canvas_before)
    return buffer.getvalue()


@functools.cache
def text_cache() -> GlyphCache:
    """The :class:`~mgedu.plots.glyphs.GlyphCache` that :func:`figure_png` draws text with in this session.

    It pastes glyph by glyph (``compose=False``), so a figure's pixels are Agg's whatever was drawn before,
    and it is bounded (it starts afresh when full).
    """
    from mgedu.plots.glyphs import GlyphCache

    return GlyphCache(compose=False)


def show(ax_or_fig: Axes | Figure, alt: str | None = None, dpi: int = 80) -> None:
    """Display a figure as a lean PNG with alt text, then close it.

    The alt text goes into the output's ``image/png`` metadata (used by HTML exports and screen
    readers) and is also the ``text/plain`` fallback, which is what nbval compares.
    """
    from IPython.display import display

    fig = _figure_of(ax_or_fig)
    text = alt if alt is not None else alt_text(fig)
    if not text:
        raise ValueError("this figure has no alt text: pass alt=... or call set_alt() in the plot function")
    png = figure_png(fig, dpi=dpi)
    bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"[Figure] {text}"}
    display(bundle, raw=True, metadata={"image/png": {"alt": text}})
    _close(fig)


def _close(fig: Figure) -> None:
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
