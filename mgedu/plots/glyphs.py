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
"""

from __future__ import annotations

import math
from types import MethodType
from typing import Any

#: Glyph bitmaps kept before the cache starts afresh (a few KB each; a title's worth is ~60).
MAX_GLYPHS = 20_000
#: Whole-string bitmaps kept before that cache starts afresh (a title's is about 6 KB).
MAX_STRINGS = 2_000


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

    def __init__(self) -> None:
        self._glyphs: dict[tuple[Any, ...], tuple[Any, int, int]] = {}
        self._layouts: dict[tuple[Any, ...], list[tuple[Any, int, float, float]]] = {}
        # (layout key, rotation, sub-pixel position, ...) -> (coverage, left, top relative to the origin)
        self._strings: dict[tuple[Any, ...], tuple[Any, int, int]] = {}
        self._heights: dict[tuple[Any, ...], tuple[float | None, float | None, float | None]] = {}
        self._seen: set[tuple[Any, ...]] = set()  # strings drawn once at their position (composed the next time)
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
            self._layouts[key] = items
        return items

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
        size = prop.get_size_in_points()
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
        matrix_key = tuple(matrix.ravel().tolist())
        flags = get_hinting_flag()
        antialiased = bool(gc.get_antialiased())
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        height = renderer.height
        # Where the string's origin falls inside a pixel (in 1/64 px, as FreeType places glyphs): with the
        # same fractions, every glyph lands on the same sub-pixel offset, so the string's bitmap is the same.
        origin_x, origin_y = round(0x40 * x), round(0x40 * (height - y))
        string_key = (
            layout_key,
            matrix_key,
            (0x40 * x) - origin_x,
            (0x40 * (height - y)) - origin_y,
            origin_x & 63,
            origin_y & 63,
            flags,
            antialiased,
        )
        composed = self._strings.get(string_key)
        if composed is not None:
            coverage, left, top = composed
            self.strings_pasted += 1
            if coverage.size == 0:  # nothing visible (spaces only)
                return True
            renderer._renderer.draw_text_image(  # noqa: SLF001 - Agg's own glyph compositing
                coverage, left + (origin_x >> 6), int(height) - (top + (origin_y >> 6)) + coverage.shape[0], 0, gc
            )
            return True
        compose = string_key in self._seen
        self._seen.add(string_key)
        pieces = []
        for font, glyph_index, dx, dy in items:
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (height - y + dx * sin + dy * cos))
            key = (font, size, renderer.dpi, glyph_index, matrix_key, px & 63, py & 63, flags, antialiased)
            cached = self._glyphs.get(key)
            if cached is None:
                font.set_size(size, renderer.dpi)
                font._set_transform(matrix, [px, py])  # noqa: SLF001 - as Agg positions a glyph
                bitmap = font._render_glyph(glyph_index, flags, mode)  # noqa: SLF001
                buffer = np.array(bitmap.buffer, copy=True)
                if not antialiased:
                    buffer *= 0xFF
                cached = (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6))
                self._glyphs[key] = cached
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
