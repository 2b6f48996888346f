"""Text drawn from rasterised glyphs kept for a live figure's life, pixel for pixel as Agg draws it.

Matplotlib's Agg renderer lays out and rasterises every glyph of every text on every draw. An explorer
redraws the same legend entries, axis labels and much of the same title many times a second, so
:class:`GlyphCache` keeps each string's layout and each rasterised glyph (keyed by font, size, glyph,
rotation and the glyph's sub-pixel offset, which is all FreeType's bitmap depends on) and pastes them with
Agg's own ``draw_text_image``: the picture is the one Agg would draw (a test compares them). Mathtext and
anything else unusual is passed to Agg unchanged.

A string drawn again at the same sub-pixel position (a title, a legend entry, a tick label: the same
place on every update) is pasted as one bitmap: its glyphs' coverages composed once, as Agg would
blend them one after another (``1 - (1 - a)(1 - b)``; glyphs of one string rarely overlap, and where
they do the result differs by rounding only). Pasting a 60-glyph title is then one call, not sixty.

Matplotlib 3.11 shapes every new string with libraqm twice, once to measure it and once to draw it, at
about 40 µs per character each: 5-6 ms for a 70-character title that changes with a slider. The cache
lays out and measures a plain string (Latin text and common symbols, no mathtext) a **piece** at a time:
a word with the spaces after it, kept by font, size and dpi. A title whose number changed then costs the
new number alone. The pieces are put together with the same integer 1/64-pixel sums FreeType makes, so the
glyph positions, the width, height and descent are exactly Matplotlib's, as long as no shaping reaches
across a space: for each font, size and character that follows a space, the cache checks that laying out
a space and that character together gives what the pieces give (a font that kerns a space against a
letter lays such strings out whole). Tests compare the pieces with Matplotlib's own layout and metrics.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from types import MethodType
from typing import Any, NamedTuple

#: Glyph bitmaps kept before the cache starts afresh (a few KB each; a title's worth is ~60).
MAX_GLYPHS = 20_000
#: Whole-string bitmaps kept before that cache starts afresh (a title's is about 6 KB).
MAX_STRINGS = 2_000
#: Layouts (whole strings) and pieces (words) kept before those caches start afresh.
MAX_LAYOUTS = 5_000

#: Text laid out and measured piece by piece: printable ASCII, Latin-1 and Latin Extended letters, general
#: punctuation, super- and subscripts, currency, letter-like symbols, number forms, arrows and mathematical
#: operators. None of these is shaped with its neighbours beyond kerning (no joining, reordering or marks).
PIECEWISE_TEXT = re.compile("[ -~\u00a0-\u024f\u2010-\u2027\u2030-\u205e\u2070-\u20cf\u2100-\u23ff]+")
#: A piece: leading spaces, or a run of non-spaces with the spaces after it.
_PIECE = re.compile(r" +(?=[^ ])| +$|[^ ]+ *")


def glyph_cache_supported() -> bool:
    """Whether this Matplotlib offers what :class:`GlyphCache` uses (older ones, as on Colab, do not).

    >>> glyph_cache_supported()  # the Matplotlib the workbook pins
    True
    """
    try:
        from matplotlib.backends.backend_agg import get_hinting_flag  # noqa: F401
        from matplotlib.ft2font import RenderMode  # noqa: F401
        from matplotlib.text import Text
    except ImportError:
        return False
    return hasattr(Text, "get_fontfeatures") and hasattr(Text, "get_language")


class GlyphCache:
    """Layouts and glyph bitmaps for one Agg renderer; counts what it had to rasterise.

    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.backends.backend_agg import FigureCanvasAgg
    >>> fig = plt.figure(figsize=(2, 1)); canvas = FigureCanvasAgg(fig); _ = fig.text(0.1, 0.5, "Mg2+ 1 mM")
    >>> cache = GlyphCache(); cache.install(canvas.get_renderer())
    >>> canvas.draw(); first = cache.rasterised
    >>> canvas.draw(); first > 0, cache.rasterised == first  # the second draw rasterised nothing
    (True, True)
    >>> plt.close(fig)
    """

    def __init__(self, *, compose: bool = True) -> None:
        #: Paste a string seen before at the same sub-pixel position as one composed bitmap (False: glyph by
        #: glyph, every time, exactly as Agg blends them, for pictures that must equal Agg's byte for byte).
        self.compose = compose
        self._glyphs: dict[tuple[Any, ...], tuple[Any, int, int]] = {}
        self._layouts: dict[tuple[Any, ...], list[tuple[Any, int, float, float]]] = {}
        # (layout key, rotation, sub-pixel position, ...) -> (coverage, left, top relative to the origin)
        self._strings: dict[tuple[Any, ...], tuple[Any, int, int]] = {}
        self._heights: dict[tuple[Any, ...], tuple[float | None, float | None, float | None]] = {}
        self._seen: set[tuple[Any, ...]] = set()  # strings drawn once at their position (composed the next time)
        # (font key, size, dpi, hinting, piece) -> Piece, or None when the piece must not be composed
        self._pieces: dict[tuple[Any, ...], Piece | None] = {}
        # layout key -> (piece's layout key, piece, offset in 1/64 px) of strings laid out from pieces
        self._spans: dict[tuple[Any, ...], tuple[tuple[tuple[Any, ...], Piece, int], ...]] = {}
        self._joins: dict[tuple[Any, ...], bool] = {}  # (font key, size, dpi, hinting, character after a space)
        self.pieces_laid_out = 0  # pieces libraqm had to shape (a changed number, a new word)
        self.rasterised = 0  # glyphs FreeType had to render
        self.reused = 0  # glyphs pasted from the cache
        self.strings_pasted = 0  # whole strings pasted as one bitmap

    def install(self, renderer: Any) -> None:
        """Make ``renderer`` (a ``RendererAgg``) draw plain text through this cache.

        With a Matplotlib older than the text API the cache relies on (font features and render modes,
        Matplotlib 3.10 and later), the renderer is left as it is and draws its text itself.
        """
        if getattr(renderer, "_mgedu_glyph_cache", None) is self or not glyph_cache_supported():
            return
        original = type(renderer).draw_text

        def draw_text(
            this: Any,
            gc: Any,
            x: float,
            y: float,
            s: str,
            prop: Any,
            angle: float,
            ismath: Any = False,
            mtext: Any = None,
        ) -> None:
            if ismath or not self._draw(this, gc, x, y, s, prop, angle, mtext):
                original(this, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

        renderer.draw_text = MethodType(draw_text, renderer)
        measure = type(renderer).get_text_width_height_descent

        def get_text_width_height_descent(this: Any, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
            metrics = None if ismath is not False else self._metrics(this, s, prop)
            return metrics if metrics is not None else measure(this, s, prop, ismath)

        renderer.get_text_width_height_descent = MethodType(get_text_width_height_descent, renderer)
        # Matplotlib asks a renderer that has this method for a font's line metrics (ascent, descent and
        # line gap, read from its tables) before laying out each text, and reads the tables itself otherwise:
        # twice per text and drawing, a fifth of a full redraw of an explorer's figure.
        renderer._get_font_height_metrics = MethodType(self._font_height_metrics, renderer)  # noqa: SLF001
        renderer._mgedu_glyph_cache = self  # noqa: SLF001 - marks the renderer as served

    @staticmethod
    def _font_key(prop: Any) -> tuple[Any, ...]:
        """What decides the font file for ``prop``: its own fields and the font lists of generic families.

        Looking the font up (``findfont``) on every text cost more than drawing it from the cache."""
        import matplotlib

        families = tuple(prop.get_family())
        generic = tuple(
            tuple(matplotlib.rcParams[f"font.{family}"])
            for family in families
            if family in ("serif", "sans-serif", "cursive", "fantasy", "monospace")
        )
        return (
            families,
            generic,
            prop.get_style(),
            prop.get_variant(),
            prop.get_weight(),
            prop.get_stretch(),
            prop.get_file(),
        )

    def _font_height_metrics(self, renderer: Any, prop: Any) -> tuple[float | None, float | None, float | None]:
        """(ascent, descent, line gap) in pixels for ``prop``, as :meth:`matplotlib.text.Text._get_layout`
        reads them from the font's OS/2 or hhea table; kept per font, size and dpi."""
        key = (self._font_key(prop), prop.get_size_in_points(), renderer.dpi)
        found = self._heights.get(key)
        if found is None:
            found = self._heights[key] = _font_height_metrics(prop, renderer.dpi)
        return found

    def _layout_key(self, renderer: Any, s: str, prop: Any, mtext: Any) -> tuple[Any, ...]:
        from matplotlib.backends.backend_agg import get_hinting_flag

        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        return (
            self._font_key(prop),
            prop.get_size_in_points(),
            renderer.dpi,
            s,
            get_hinting_flag(),
            None if features is None else tuple(features),
            None if language is None else repr(language),
        )

    def _layout(
        self, renderer: Any, s: str, prop: Any, mtext: Any, key: tuple[Any, ...]
    ) -> list[tuple[Any, int, float, float]]:
        """The glyphs of ``s`` (font, glyph index, x and y offset), laid out once per ``key``."""
        from matplotlib.backends.backend_agg import get_hinting_flag

        items = self._layouts.get(key)
        plain = mtext is None or (mtext.get_fontfeatures() is None and mtext.get_language() is None)
        if items is None and plain:
            pieces = self._pieces_of(renderer, s, prop)
            if pieces is not None:
                items, spans = [], []
                offset = 0  # 1/64 px, as FreeType advances the pen
                for text, piece in pieces:
                    items += [(font, glyph, offset / 64 + x, y) for font, glyph, x, y in piece.items]
                    spans.append(((*key[:3], text, *key[4:]), piece, offset))
                    offset += piece.advance
                self._keep(self._layouts, key, items)
                self._keep(self._spans, key, tuple(spans))
        if items is None:
            font = renderer._prepare_font(prop)  # noqa: SLF001 - Agg's own font lookup
            items = [
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(  # noqa: SLF001
                    s,
                    flags=get_hinting_flag(),
                    features=mtext.get_fontfeatures() if mtext is not None else None,
                    language=mtext.get_language() if mtext is not None else None,
                )
            ]
            self._keep(self._layouts, key, items)
        return items

    @staticmethod
    def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
        if len(cache) >= MAX_LAYOUTS:
            cache.clear()
        cache[key] = value

    def _metrics(self, renderer: Any, s: str, prop: Any) -> tuple[float, float, float] | None:
        """Width, height and descent of plain ``s`` in pixels, as Agg measures them, from its pieces; or None
        when ``s`` must be measured whole."""
        pieces = self._pieces_of(renderer, s, prop)
        if pieces is None:
            return None
        advance = sum(piece.advance for _, piece in pieces)
        bottom = min(piece.bottom for _, piece in pieces)
        top = max(piece.top for _, piece in pieces)
        return advance / 64.0, (top - bottom) / 64.0, -bottom / 64.0

    def _pieces_of(self, renderer: Any, s: str, prop: Any) -> list[tuple[str, Piece]] | None:
        """``s`` as its pieces, each laid out and measured once; None when ``s`` must be laid out whole."""
        if not PIECEWISE_TEXT.fullmatch(s):
            return None
        from matplotlib.backends.backend_agg import get_hinting_flag

        base = (self._font_key(prop), prop.get_size_in_points(), renderer.dpi, get_hinting_flag())
        pieces = []
        for index, text in enumerate(_PIECE.findall(s)):
            piece = self._piece(renderer, prop, base, text)
            if piece is None or (index and not self._joins_after_space(renderer, prop, base, text[0])):
                return None
            pieces.append((text, piece))
        return pieces

    def _piece(self, renderer: Any, prop: Any, base: tuple[Any, ...], text: str) -> Piece | None:
        """``text`` laid out and measured alone (one libraqm layout and one ``set_text``), kept."""
        key = (*base, text)
        if key in self._pieces:
            return self._pieces[key]
        flags = base[-1]
        font = renderer._prepare_font(prop)  # noqa: SLF001 - Agg's own font lookup
        laid_out = font._layout(text, flags=flags)  # noqa: SLF001
        piece = None
        # A missing glyph is drawn by Agg's layout but skipped by its measurement: such text goes whole.
        if laid_out and all(item.glyph_index != 0 for item in laid_out):
            font.set_text(text, 0.0, flags=flags)
            advance, height = font.get_width_height()
            bottom = -font.get_descent()
            items = tuple((item.ft_object, item.glyph_index, item.x, item.y) for item in laid_out)
            piece = Piece(items, advance, bottom, bottom + height)
        self.pieces_laid_out += 1
        self._keep(self._pieces, key, piece)
        return piece

    def _joins_after_space(self, renderer: Any, prop: Any, base: tuple[Any, ...], first: str) -> bool:
        """Whether a space followed by ``first`` lays out as the two laid out apart (no kerning between them)."""
        key = (*base, first)
        joins = self._joins.get(key)
        if joins is None:
            space, alone, both = (self._piece(renderer, prop, base, text) for text in (" ", first, " " + first))
            joins = space is not None and alone is not None and both is not None and both == space.followed_by(alone)
            self._joins[key] = joins
        return joins

    def _draw(self, renderer: Any, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, mtext: Any) -> bool:
        """Draw ``s`` as Agg's ``draw_text`` would; False if this text must go to Agg itself."""
        import numpy as np
        from matplotlib.backends.backend_agg import get_hinting_flag
        from matplotlib.ft2font import RenderMode

        try:
            layout_key = self._layout_key(renderer, s, prop, mtext)
            items = self._layout(renderer, s, prop, mtext, layout_key)
        except TypeError:  # an unhashable font feature or language: let Agg draw it
            return False
        if len(self._glyphs) > MAX_GLYPHS:
            self._glyphs.clear()
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
        antialiased = bool(gc.get_antialiased())
        run = _Run(
            renderer,
            gc,
            prop.get_size_in_points(),
            cos,
            sin,
            matrix,
            tuple(matrix.ravel().tolist()),
            get_hinting_flag(),
            antialiased,
            RenderMode.NORMAL if antialiased else RenderMode.MONO,
        )
        self._paste(run, x, y, items, layout_key, self._spans.get(layout_key))
        return True

    def _paste(
        self,
        run: _Run,
        x: float,
        y: float,
        items: list[tuple[Any, int, float, float]],
        key: tuple[Any, ...],
        spans: tuple[tuple[tuple[Any, ...], Piece, int], ...] | None = None,
    ) -> None:
        """Paste the glyphs ``items`` (a string, or one of its pieces) with their origin at (x, y).

        Seen before at the same sub-pixel position: one bitmap, composed the second time. Otherwise piece by
        piece when ``spans`` gives the string's pieces (the words it shares with strings drawn before are
        pasted whole), or glyph by glyph."""
        import numpy as np

        renderer, gc, height = run.renderer, run.gc, run.renderer.height
        cos, sin = run.cos, run.sin
        # Where the string's origin falls inside a pixel (in 1/64 px, as FreeType places glyphs): with the
        # same fractions, every glyph lands on the same sub-pixel offset, so the string's bitmap is the same.
        origin_x, origin_y = round(0x40 * x), round(0x40 * (height - y))
        string_key = (
            key,
            run.matrix_key,
            (0x40 * x) - origin_x,
            (0x40 * (height - y)) - origin_y,
            origin_x & 63,
            origin_y & 63,
            run.flags,
            run.antialiased,
        )
        composed = self._strings.get(string_key)
        if composed is not None:
            coverage, left, top = composed
            self.strings_pasted += 1
            if coverage.size == 0:  # nothing visible (spaces only)
                return
            renderer._renderer.draw_text_image(  # noqa: SLF001 - Agg's own glyph compositing
                coverage, left + (origin_x >> 6), int(height) - (top + (origin_y >> 6)) + coverage.shape[0], 0, gc
            )
            return
        compose = self.compose and string_key in self._seen
        if self.compose:
            self._seen.add(string_key)
        if spans is not None and not compose:
            for piece_key, piece, offset in spans:  # the piece's origin: ``offset`` (1/64 px) along the baseline
                along = offset / 64
                self._paste(run, x + along * cos, y - along * sin, list(piece.items), piece_key)
            return
        pieces = []
        size, dpi = run.size, renderer.dpi
        for font, glyph_index, dx, dy in items:
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (height - y + dx * sin + dy * cos))
            glyph_key = (font, size, dpi, glyph_index, run.matrix_key, px & 63, py & 63, run.flags, run.antialiased)
            cached = self._glyphs.get(glyph_key)
            if cached is None:
                font.set_size(size, dpi)
                font._set_transform(run.matrix, [px, py])  # noqa: SLF001 - as Agg positions a glyph
                bitmap = font._render_glyph(glyph_index, run.flags, run.mode)  # noqa: SLF001
                buffer = np.array(bitmap.buffer, copy=True)
                if not run.antialiased:
                    buffer *= 0xFF
                cached = (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6))
                self._glyphs[glyph_key] = cached
                self.rasterised += 1
            else:
                self.reused += 1
            buffer, left, top = cached
            renderer._renderer.draw_text_image(  # noqa: SLF001 - Agg's own glyph compositing
                buffer, left + (px >> 6), int(height) - (top + (py >> 6)) + buffer.shape[0], 0, gc
            )
            if compose:
                # The glyph's top-left pixel relative to the origin's pixel (rows grow downwards).
                pieces.append((buffer, left + (px >> 6) - (origin_x >> 6), (py >> 6) - (origin_y >> 6) + top))
        if compose:
            if len(self._strings) > MAX_STRINGS:
                self._strings.clear()
                self._seen.clear()
            self._strings[string_key] = _composed(pieces)
        return True


class _Run(NamedTuple):
    """What pasting one text needs besides its glyphs: the renderer, the rotation and the rendering flags."""

    renderer: Any
    gc: Any
    size: float
    cos: float
    sin: float
    matrix: Any
    matrix_key: tuple[int, ...]
    flags: Any
    antialiased: bool
    mode: Any


@dataclass(frozen=True, slots=True)
class Piece:
    """A word (or run of spaces) laid out alone: glyphs (font, glyph index, x, y in px) and, in 1/64 px as
    FreeType counts, the pen's advance and the bottom and top of the glyphs' control boxes.

    >>> a, b = Piece(((None, 1, 0.0, 0.0),), 320, -10, 600), Piece(((None, 2, 0.0, 0.0),), 100, 0, 400)
    >>> a.followed_by(b)
    Piece(items=((None, 1, 0.0, 0.0), (None, 2, 5.0, 0.0)), advance=420, bottom=-10, top=600)
    """

    items: tuple[tuple[Any, int, float, float], ...]
    advance: int
    bottom: int
    top: int

    def followed_by(self, other: Piece) -> Piece:
        """This piece and ``other`` after it, as FreeType would place them with no kerning between them."""
        moved = tuple((font, glyph, self.advance / 64 + x, y) for font, glyph, x, y in other.items)
        return Piece(
            self.items + moved, self.advance + other.advance, min(self.bottom, other.bottom), max(self.top, other.top)
        )


def _font_height_metrics(prop: Any, dpi: float) -> tuple[float | None, float | None, float | None]:
    """A font's ascent, descent and line gap at ``prop``'s size, in pixels, from its OS/2 table (or hhea),
    as Matplotlib's text layout reads them; (None, None, None) if the font has neither table.

    >>> from matplotlib.font_manager import FontProperties
    >>> [round(v, 2) for v in _font_height_metrics(FontProperties(family="DejaVu Sans", size=10), 72)]
    [7.6, 2.4, 2.0]
    """
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))  # noqa: SLF001 - as Text._get_layout finds it
    for table_name, gap_key, ascent_key, descent_key in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        # The same operations in the same order as Matplotlib, so the numbers are equal to the last bit.
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


def _composed(pieces: list[tuple[Any, int, int]]) -> tuple[Any, int, int]:
    """One coverage bitmap for glyphs at (column, ``top`` as stored) offsets, blended as Agg blends them.

    Returns (coverage, left, top) in the form the glyph cache stores a glyph: pasted at the origin's pixel
    like a single glyph.

    >>> import numpy as np
    >>> a, b = np.full((2, 2), 255, np.uint8), np.full((1, 1), 128, np.uint8)
    >>> coverage, left, top = _composed([(a, 0, 5), (b, 3, 5)])
    >>> coverage.tolist(), left, top
    ([[255, 255, 0, 128], [255, 255, 0, 0]], 0, 5)
    """
    import numpy as np

    if not pieces:
        return np.zeros((0, 0), np.uint8), 0, 0
    # A glyph stored with ``top`` t is pasted with its first row at (origin row - t): t counts upwards.
    left = min(column for _, column, _ in pieces)
    right = max(column + buffer.shape[1] for buffer, column, _ in pieces)
    top = max(t for _, _, t in pieces)
    bottom = min(t - buffer.shape[0] for buffer, _, t in pieces)
    uncovered = np.ones((top - bottom, right - left))
    for buffer, column, t in pieces:
        row = top - t
        window = uncovered[row : row + buffer.shape[0], column - left : column - left + buffer.shape[1]]
        window *= 1.0 - buffer / 255.0
    coverage = np.rint(255.0 * (1.0 - uncovered)).astype(np.uint8)
    return coverage, left, top
