"""The glyph cache lays out and measures text exactly as Matplotlib's Agg renderer does.

Text is laid out a piece (a word and the spaces after it) at a time; these tests compare the pieces put
together with Matplotlib's own layout and metrics of the whole string, number for number.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

#: Strings like the explorers' (numbers that change, units, symbols) and the awkward cases: kerning pairs
#: inside words and after spaces, leading, trailing and repeated spaces, punctuation, a lone space.
CORPUS = [
    "Magnesium glycinate 500 mg a day = 70.4 mg of elemental magnesium (2.9 mmol)",
    "AVA To Wa Yo, LT. V. P.J. 'quoted' \"double\"",
    "A Tale of Two Years: Ty, Vy, Wy, T.",
    "  leading spaces",
    "trailing spaces   ",
    "many    spaces  between",
    " ",
    "x",
    "µmol/L ≤ 350 mg – 2·3 × 10⁻³ → ±5 % ’s",
    "Upper level (UL) from supplements: 350 mg/day; RDA 310–420 mg",
    "P(significant) = 0.127 at n = 12 per arm",
]
FAMILIES = ["DejaVu Sans", "DejaVu Serif", "Liberation Sans"]


@pytest.fixture
def renderer():
    """A fresh Agg renderer with a glyph cache installed, and the cache."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from mgedu.plots.glyphs import GlyphCache

    fig = plt.figure(figsize=(6, 2), dpi=100)
    agg = FigureCanvasAgg(fig).get_renderer()
    cache = GlyphCache()
    cache.install(agg)
    yield agg, cache
    plt.close(fig)


def _matplotlib_metrics(agg, s, prop):
    return type(agg).get_text_width_height_descent(agg, s, prop, False)


def _matplotlib_layout(agg, s, prop):
    from matplotlib.backends.backend_agg import get_hinting_flag

    font = agg._prepare_font(prop)
    return [(item.ft_object, item.glyph_index, item.x, item.y) for item in font._layout(s, flags=get_hinting_flag())]


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
@pytest.mark.parametrize("hinting", ["default", "no_hinting", "force_autohint", "no_autohint"])
@pytest.mark.parametrize("family", FAMILIES)
def test_pieces_measure_and_lay_out_text_as_matplotlib(renderer, family, hinting):
    """Width, height, descent and every glyph's position equal Matplotlib's for the whole string, at several
    sizes and resolutions, for every hinting mode."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    agg, cache = renderer
    with matplotlib.rc_context({"text.hinting": hinting}):
        for size in (7, 10, 13.5):
            for dpi in (72, 100):
                agg.dpi = dpi
                prop = FontProperties(family=family, size=size)
                for s in CORPUS:
                    assert agg.get_text_width_height_descent(s, prop, False) == _matplotlib_metrics(agg, s, prop), (
                        family,
                        size,
                        dpi,
                        s,
                    )
                    key = cache._layout_key(agg, s, prop, None)
                    assert cache._layout(agg, s, prop, None, key) == _matplotlib_layout(agg, s, prop), (
                        family,
                        size,
                        dpi,
                        s,
                    )


def test_text_is_laid_out_in_pieces_unless_a_space_is_kerned_against_the_next_letter(renderer):
    """DejaVu Sans never kerns a space against a letter, so its strings are laid out piece by piece; Liberation
    Sans kerns a space before "T", so a string with " T" is laid out whole (and is still measured right)."""
    from matplotlib.font_manager import FontProperties

    agg, cache = renderer
    dejavu, liberation = FontProperties(family="DejaVu Sans"), FontProperties(family="Liberation Sans")
    assert cache._pieces_of(agg, "A Tale of Two", dejavu) is not None
    assert cache._pieces_of(agg, "A Tale of Two", liberation) is None
    assert cache._pieces_of(agg, "a tale of two", liberation) is not None
    assert cache._pieces_of(agg, "x", dejavu) is not None
    # Not plain text: a newline, a right-to-left script, combining accents: whole, by Matplotlib.
    for s in ("two\nlines", "מגנזיום 400", "e\u0301 acute", ""):
        assert cache._pieces_of(agg, s, dejavu) is None, s
    # Mathtext is measured by Matplotlib's mathtext.
    math = "$x^2$ mmol"
    assert agg.get_text_width_height_descent(math, dejavu, True) == type(agg).get_text_width_height_descent(
        agg, math, dejavu, True
    )


def test_a_changed_number_lays_out_only_the_new_piece(renderer):
    """Measuring a title again with one number changed shapes that number alone."""
    from matplotlib.font_manager import FontProperties

    agg, cache = renderer
    prop = FontProperties(family="DejaVu Sans", size=10)
    agg.get_text_width_height_descent("Magnesium citrate: 500 mg a day", prop, False)
    before = cache.pieces_laid_out
    agg.get_text_width_height_descent("Magnesium citrate: 501 mg a day", prop, False)
    assert cache.pieces_laid_out == before + 1


def test_text_drawn_from_pieces_equals_agg_pixel_for_pixel():
    """A figure of text (rotated too) drawn through the cache, once and again with numbers changed, equals
    the same figure drawn by plain Agg, pixel for pixel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from mgedu.plots.glyphs import GlyphCache

    def picture(numbers, cached_renderer=None):
        fig = plt.figure(figsize=(5, 2.5), dpi=100)
        canvas = FigureCanvasAgg(fig)
        for row, n in enumerate(numbers):
            fig.text(0.02 + 0.013 * row, 0.85 - 0.13 * row, f"Dose {n} mg a day = {n / 7.1:.1f} mg elemental", size=9)
        fig.text(0.95, 0.1, f"Response {numbers[0]} (points)", rotation=90, size=8)
        if cached_renderer is not None:
            cached_renderer.install(canvas.get_renderer())
        buffer = io.BytesIO()
        canvas.print_png(buffer)
        plt.close(fig)
        return np.asarray(Image.open(buffer), dtype=int)

    cache = GlyphCache()
    for numbers in ([500, 250, 125], [501, 250, 126], [501, 250, 126]):
        assert np.array_equal(picture(numbers, cache), picture(numbers)), numbers
    assert cache.pieces_laid_out > 0


def _savefig_png(ax, dpi=80):
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


def test_figure_png_writes_savefigs_bytes_with_the_session_text_cache_warm():
    """figure_png draws once (not savefig's twice) through a glyph cache kept for the session; a figure drawn
    after others whose text it shares is still byte for byte what savefig writes (glyphs pasted one by one,
    as Agg does: whole strings composed from earlier drawings would differ by rounding where glyphs overlap)."""
    import matplotlib

    from mgedu.plots import figure_png, text_cache, use_style
    from mgedu.plots.claims import plot_verdicts
    from mgedu.plots.evidence import plot_report_cards

    with matplotlib.rc_context():
        use_style()
        # Each picture from a figure of its own: drawing a figure changes it (a second savefig of one figure
        # differs from its first: constrained layout starts from where the first drawing left the axes).
        for make in (plot_report_cards, lambda: plot_verdicts("doc_id", share=True)):
            assert figure_png(make()) == _savefig_png(make())
            again = make()  # the same strings at the same places: the cache's text is warm
            canvas, dpi = again.figure.canvas, again.figure.dpi
            assert figure_png(again) == _savefig_png(make())
            assert again.figure.canvas is canvas and again.figure.dpi == dpi  # the figure is left as it was
    assert text_cache().reused > 0 and text_cache().strings_pasted == 0
