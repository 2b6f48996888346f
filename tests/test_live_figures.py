"""The explorers' figures: a blitted update equals a full render, bursts are coalesced, and every
explorer figure shows the current values with alt text (or a notice while the inputs are invalid)."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from mgedu.plots import use_style
from mgedu.plots.live import LiveFigure
from mgedu.widgets.scheduling import LatestWins, when_idle


@pytest.fixture(autouse=True)
def house_style():
    """The house style, for these tests only (no style leaks into later tests)."""
    import matplotlib

    with matplotlib.rc_context():
        use_style()
        yield


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=int)


def _nmda(ax, mg_mm, voltage_mv):
    from mgedu.widgets.mechanisms import _draw

    return _draw(ax, mg_mm, voltage_mv)


def _nmda_update(ax, mg_mm, voltage_mv):
    from mgedu.widgets.mechanisms import _update

    return _update(ax, mg_mm, voltage_mv)


def _trial(ax, **values):
    from mgedu.widgets.designs import _draw

    return _draw(ax, **values)


def _trial_update(ax, **values):
    from mgedu.widgets.designs import _update

    return _update(ax, **values)


def _label(ax, **values):
    from mgedu.widgets.doses import _draw

    return _draw(ax, **values)


def _label_update(ax, **values):
    from mgedu.widgets.doses import _update

    return _update(ax, **values)


TRIAL = {
    "design": "open-label",
    "n_per_arm": 12,
    "true_effect": 0.0,
    "placebo_response": 6.58,
    "regression_to_mean": False,
}
LABEL = {
    "salt": "oxide",
    "amount": 250.0,
    "amount_is": "salt",
    "unit": "mg",
    "age_years": 40.0,
    "sex": "female",
    "pregnant": False,
    "lactating": False,
    "authority": "NIH",
}
SEQUENCES = {
    "nmda": (
        _nmda,
        False,
        [{"mg_mm": 1.0, "voltage_mv": v} for v in (-70, -69, -68, -40)]
        + [{"mg_mm": 2.0, "voltage_mv": -40}, {"mg_mm": 0.5, "voltage_mv": 10}],
    ),
    "trial": (
        _trial,
        True,
        [
            TRIAL,
            TRIAL | {"n_per_arm": 13},
            TRIAL | {"n_per_arm": 14},
            TRIAL | {"true_effect": 3.0},
            TRIAL | {"design": "rct", "n_per_arm": 80},
            TRIAL | {"design": "case-report"},
            TRIAL | {"regression_to_mean": True},
            TRIAL | {"design": "case-report"},
            TRIAL,  # back to axes seen before
            TRIAL | {"n_per_arm": 200},  # narrower, in quarter-point bins, and taller
            TRIAL | {"n_per_arm": 40, "true_effect": 2.5, "regression_to_mean": True},
        ],
    ),
    "label": (
        _label,
        True,
        [
            LABEL,
            LABEL | {"amount": 260.0},
            LABEL | {"amount": 270.0},
            LABEL | {"amount": 2000.0},
            LABEL | {"age_years": 0.2},
            LABEL | {"salt": "citrate", "amount_is": "elemental"},
            LABEL | {"sex": "male"},  # RDA above the UL: the values swap sides
            LABEL | {"sex": "male", "authority": "ICMR-NIN"},
            LABEL | {"amount": 900.0},  # above the UL: the bar turns red
            LABEL | {"amount": 260.0, "unit": "mmol"},
        ],
    ),
}


#: Each explorer's ``update`` (moves the artists ``draw`` made to new values), where it has one.
UPDATES = {"nmda": _nmda_update, "label": _label_update, "trial": _trial_update}


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_updates_in_place_equal_fresh_drawings(name):
    """An explorer's figure moved to new values by its ``update`` (no artist removed or built) equals (to
    rounding) the same values drawn afresh by its ``plot_*`` function on the same axes (the layout is
    frozen at the first drawing in both, and both went through the same values, so sticky limits agree),
    alt text included; and updating in place is what most changes do."""
    from mgedu.plots import alt_text

    draw, sticky, steps = SEQUENCES[name]
    live = LiveFigure(draw, update=UPDATES[name], sticky_limits=sticky)
    fresh = LiveFigure(draw, sticky_limits=sticky, cache_text=False)
    for values in steps:
        moved = live.render(**values)
        reference = fresh.render(force_full=True, **values)
        difference = np.abs(_pixels(moved) - _pixels(reference))
        assert difference.max() <= 3, f"{name} {values}: updated figure differs from a fresh one by {difference.max()}"
        assert alt_text(live.ax) == alt_text(fresh.ax)
    # The sequences also visit states that need another legend (drawn afresh): a third at least move in place.
    assert live.updated_in_place >= len(steps) // 3, f"{name}: only {live.updated_in_place} updates in place"


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_blitted_updates_equal_full_renders(name):
    """Each update drawn by blitting (with cached glyphs and a kept legend) equals (to rounding) the same
    state rendered in full by plain Agg."""
    draw, sticky, steps = SEQUENCES[name]
    live, full = LiveFigure(draw, sticky_limits=sticky), LiveFigure(draw, sticky_limits=sticky, cache_text=False)
    for values in steps:
        blitted, reference = live.render(**values), full.render(force_full=True, **values)
        difference = np.abs(_pixels(blitted) - _pixels(reference))
        assert difference.max() <= 3, f"{name} {values}: blit differs from a full render by {difference.max()}"
    assert live.blits > 0, f"{name}: no update was blitted (every update paid a full render)"


def test_axes_seen_a_moment_ago_are_blitted():
    """Switching a control back and forth between two states pays a full render only while their axes are
    new: once each set of axes has been drawn, every switch is blitted."""
    live = LiveFigure(_trial, sticky_limits=True)
    states = [TRIAL, TRIAL | {"design": "case-report"}]
    for values in states * 2:
        live.render(**values)
    full, blits = live.full_renders, live.blits
    for values in states * 3:
        live.render(**values)
    assert (live.full_renders, live.blits) == (full, blits + 6)


def test_sticky_limits_keep_the_axes_while_the_data_fit():
    live = LiveFigure(_label, sticky_limits=True)
    live.render(**LABEL)
    before = live.ax.get_xlim()
    live.render(**LABEL | {"amount": 255.0})
    assert live.ax.get_xlim() == before
    live.render(**LABEL | {"amount": 5000.0})  # no longer fits: the axis follows the data
    assert live.ax.get_xlim()[1] > before[1]


def _bar_up_to(ax, top):
    ax.plot([0, 1], [0, top])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, top)
    return ax


def test_sticky_limits_return_to_recent_axes_that_still_fit():
    """Data that no longer fit the axes shown, but fit axes shown a moment ago (a dropdown switched back),
    get those axes again, and their cached picture: the update blits. Axes the data would use too little
    of are not reused."""
    live = LiveFigure(_bar_up_to, sticky_limits=True)
    live.render(top=10)
    live.render(top=100)  # does not fit 0-10: new axes
    full, blits = live.full_renders, live.blits
    live.render(top=9)  # would use 9 % of 0-100; fits the 0-10 seen before
    assert live.ax.get_ylim() == (0, 10) and (live.full_renders, live.blits) == (full, blits + 1)
    live.render(top=3)  # 30 % of 0-10 and 3 % of 0-100: too little of either, so its own axes
    assert live.ax.get_ylim() == (0, 3) and live.full_renders == full + 1


def run_in_own_loop(coroutine: Any) -> None:
    """Run a coroutine in a fresh event loop on its own thread: a browser test in the same worker may
    leave Playwright's loop running on this thread, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def test_latest_wins_runs_once_for_a_burst_inside_an_event_loop():
    seen = []
    state = {"value": 0}
    job = LatestWins(lambda: seen.append(state["value"]), defer_in=lambda: True)  # as in a kernel

    async def burst():
        for value in range(1, 21):
            state["value"] = value
            job.request()
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    run_in_own_loop(burst())
    assert seen == [20] and job.runs == 1


def test_latest_wins_flush_leaves_nothing_for_the_scheduled_run():
    seen = []
    job = LatestWins(lambda: seen.append("drawn"), defer_in=lambda: True)

    async def go():
        job.request()
        assert seen == []  # deferred, as in a kernel
        job.flush()  # e.g. the explorer's first figure, drawn at once
        await asyncio.sleep(0)

    run_in_own_loop(go())
    assert seen == ["drawn"]


def test_idle_work_waits_while_busy_then_runs_every_step():
    """Preparing ahead waits while the explorer is busy (a change to draw, a slider still moving), then runs
    one step at a time on the loop; outside a kernel it is never scheduled."""
    done, busy = [], {"now": True}

    def steps():
        for step in range(3):
            done.append(step)
            yield

    async def go():
        assert when_idle(steps(), busy=lambda: busy["now"], delay_s=0.01, retry_s=0.01, defer_in=lambda: True)
        await asyncio.sleep(0.08)
        assert done == [], "a step ran while the explorer was busy"
        busy["now"] = False
        await asyncio.sleep(0.5)

    run_in_own_loop(go())
    assert done == [0, 1, 2]
    assert not when_idle(steps(), busy=lambda: False)  # not a kernel: nothing scheduled


def test_a_state_prepared_while_idle_is_blitted_when_chosen():
    """After the states one click away were prepared, choosing one (and coming back) draws no new axes (it
    blits), and the picture equals the same sequence rendered in full."""
    from mgedu.widgets import one_click_away
    from mgedu.widgets.designs import make_trial_simulator

    controls = make_trial_simulator(**{k: TRIAL[k] for k in ("design", "n_per_arm")}).controls
    nearby = one_click_away(controls, TRIAL)
    assert {state["design"] for state in nearby} == {"open-label", "rct", "case-report"}
    assert TRIAL | {"regression_to_mean": True} in nearby
    live, full = LiveFigure(_trial, update=_trial_update, sticky_limits=True), LiveFigure(_trial, sticky_limits=True)
    live.render(**TRIAL)
    full.render(force_full=True, **TRIAL)
    for state in nearby:
        live.prepare(state)
        full.prepare(state)  # the same axes history, drawn in full below
    before = live.full_renders
    for state in nearby:  # one click away and back, each in turn
        for values in (state, TRIAL):
            picture, reference = live.render(**values), full.render(force_full=True, **values)
            assert np.abs(_pixels(picture) - _pixels(reference)).max() <= 3, values
    assert live.full_renders == before, "a prepared state drew its axes again"


def test_preparing_other_states_leaves_the_shown_axes_steady():
    """A change after states were prepared keeps the axes shown before, as it would with nothing prepared."""
    from mgedu.widgets import one_click_away
    from mgedu.widgets.designs import make_trial_simulator

    nearby = one_click_away(make_trial_simulator(design="open-label").controls, TRIAL)
    plain, prepared = (LiveFigure(_trial, update=_trial_update, sticky_limits=True) for _ in range(2))
    plain.render(**TRIAL)
    prepared.render(**TRIAL)
    for state in reversed(nearby):  # the last prepared (a case report) has axes of its own
        prepared.prepare(state)
    # The axes shown are still the ones the next change is held to, and the most recently used.
    assert prepared._static_key == plain._static_key == list(prepared._backgrounds)[-1]
    for step in (TRIAL | {"n_per_arm": 13}, TRIAL | {"n_per_arm": 14, "true_effect": 0.5}):
        picture, reference = prepared.render(**step), plain.render(**step)
        assert prepared._static_key == plain._static_key, step
        assert np.abs(_pixels(picture) - _pixels(reference)).max() <= 3, step


def test_an_explorer_shown_in_a_page_prepares_the_states_one_click_away(monkeypatch):
    """When its helper reports that a page shows the explorer, the kernel draws the states one click away
    while idle; before that (a notebook run with no page) it prepares nothing."""
    import mgedu.widgets.scheduling as scheduling
    from mgedu.widgets.accessibility import ExplorerAccessibility
    from mgedu.widgets.designs import make_trial_simulator

    monkeypatch.setattr(scheduling, "in_kernel", lambda: True)
    simulator = make_trial_simulator()
    helper = next(child for child in simulator.children if isinstance(child, ExplorerAccessibility))
    drawn = simulator.live.full_renders + simulator.live.blits

    async def go():
        await asyncio.sleep(0.8)
        assert simulator.live.full_renders + simulator.live.blits == drawn, "prepared with no page showing it"
        helper._message(helper, {"event": "shown"}, [])
        await asyncio.sleep(2.5)

    run_in_own_loop(go())
    assert simulator.live.full_renders + simulator.live.blits >= drawn + 3, "the three states were not prepared"


def test_latest_wins_runs_at_once_in_another_librarys_loop():
    """Outside a kernel, a running event loop (Playwright's, in the browser tests' process) does not defer
    the work: an explorer built there shows its readout as soon as a control changes."""
    seen = []
    job = LatestWins(lambda: seen.append("drawn"))

    async def go():
        job.request()
        assert seen == ["drawn"]

    run_in_own_loop(go())


def test_resets_set_the_other_controls_and_answer_once():
    import ipywidgets as widgets

    from mgedu.widgets import make_explorer

    controls = {"kind": widgets.Dropdown(options=["a", "b"], value="a"), "level": widgets.IntSlider(value=3)}
    calls: list[dict[str, Any]] = []

    def describe(kind: str, level: int) -> str:
        calls.append({"kind": kind, "level": level})
        return f"{kind} at {level}"

    box = make_explorer("demo", controls, describe, resets={"kind": lambda kind: {"level": 0 if kind == "b" else 5}})
    assert "mgedu-demo" in box._dom_classes, "the explorer keeps its own name with resets"
    calls.clear()
    controls["kind"].value = "b"
    assert calls == [{"kind": "b", "level": 0}] and box.readout.value == "b at 0"
    controls["level"].value = 7  # an ordinary change still answers at once
    assert box.readout.value == "b at 7"
    with pytest.raises(ValueError, match="resets names colour, not among the controls: kind, level"):
        make_explorer("demo", controls, describe, resets={"colour": lambda _: {}})
    box = make_explorer("demo", controls, describe, resets={"kind": lambda _: {"size": 1}})
    with pytest.raises(ValueError, match="resets\\['kind'\\] set 'size', which is not one of the controls"):
        controls["kind"].value = "a"


@pytest.mark.parametrize(
    "factory", ["mechanisms.make_nmda_explorer", "designs.make_trial_simulator", "doses.make_label_reader"]
)
def test_explorer_figure_shows_the_current_values(factory):
    import html
    import importlib

    module, name = factory.split(".")
    explorer = getattr(importlib.import_module(f"mgedu.widgets.{module}"), name)()
    control = next(
        c for c in explorer.controls.values() if type(c).__name__ in ("FloatSlider", "IntSlider", "FloatText")
    )
    control.value = control.value + (getattr(control, "step", None) or 1)
    explorer.flush()
    alt = explorer.figure_alt()
    assert alt and f'alt="{html.escape(alt)}"' in explorer.figure.value
    assert 'src="data:image/png;base64,' in explorer.figure.value
    # The same values drawn afresh give the same alt text: the figure is not a stale one.
    fresh = LiveFigure(explorer.live.draw)
    fresh.render(**explorer.values())
    from mgedu.plots import alt_text

    assert alt_text(fresh.ax) == alt


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_repeated_updates_leave_nothing_behind(name):
    """After many updates the figure holds what a fresh figure of the same values holds: the same legend
    entries and as many artists (a bar chart's container once stayed behind, so every update added a
    legend entry and each redraw took longer than the one before)."""
    draw, sticky, steps = SEQUENCES[name]

    def contents(ax):
        legend = [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []
        return legend, len(ax.containers), len(ax.get_children())

    expected = []
    for values in steps:
        fresh = LiveFigure(draw)
        fresh.render(**values)
        expected.append(contents(fresh.ax))
    live = LiveFigure(draw, sticky_limits=sticky)
    for values, wanted in list(zip(steps, expected, strict=True)) * 2:
        live.render(**values)
        assert contents(live.ax) == wanted, f"{name} {values}: {contents(live.ax)} != fresh {wanted}"


def test_label_reader_change_reads_no_table_and_checks_the_inputs_once(monkeypatch):
    """A change of a label-reader control looks nothing up in the tables (the reference values are read
    once per session) and checks the inputs once, for the readout and the figure together."""
    import mgedu.tables as tables
    import mgedu.widgets.doses as doses

    checks = []
    explain = doses.explain_label_inputs
    monkeypatch.setattr(doses, "explain_label_inputs", lambda **v: checks.append(v) or explain(**v))
    reader = doses.make_label_reader()

    class CountingTables(dict):
        loads = 0

        def get(self, key, default=None):
            CountingTables.loads += 1
            return super().get(key, default)

    monkeypatch.setattr(tables, "_TABLES", CountingTables(tables._TABLES))
    checks.clear()
    changes = [
        ("amount", 300.0),
        ("age_years", 0.5),
        ("sex", "male"),
        ("authority", "ICMR-NIN"),
        ("authority", "NIH"),
        ("unit", "mmol"),
        ("amount", -5.0),
        ("amount", 10.0),
    ]
    for control, value in changes:
        reader.controls[control].value = value
        reader.flush()
    assert CountingTables.loads == 0, f"{CountingTables.loads} table loads during {len(changes)} changes"
    assert len(checks) == len(changes)
    assert reader.readout.value.startswith("10 mmol of magnesium oxide")


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_an_unchanged_legend_is_neither_built_nor_laid_out_again(name):
    """Changes that leave the legend's entries as they were keep the legend built for the first and replay
    its drawing (laying out a legend cost about as much as the rest of an update); a change of its entries
    builds and lays out a new one. Glyphs already rasterised are not rasterised again."""
    draw, sticky, steps = SEQUENCES[name]
    live = LiveFigure(draw, sticky_limits=sticky)
    live.render(**steps[0])
    first_legend, rasterised = live.ax.get_legend(), live.glyphs.rasterised
    for _ in range(5):
        live.render(**steps[0])
    assert (live.legends_built, live.legends_laid_out) == (1, 1)
    assert live.ax.get_legend() is first_legend
    assert live.glyphs.rasterised == rasterised, "the same figure again rasterised glyphs again"
    assert live.glyphs.strings_pasted > 0, "no text was pasted whole (each glyph was pasted on its own)"
    if name == "nmda":  # its legend names the slider's curve, not its value: no change alters the legend
        live.render(mg_mm=2.0, voltage_mv=-40)
        assert (live.legends_built, live.legends_laid_out) == (1, 1)
        return
    changed = {
        "trial": TRIAL | {"design": "case-report"},
        "label": LABEL | {"authority": "ICMR-NIN"},
    }[name]
    live.render(**changed)
    assert (live.legends_built, live.legends_laid_out) == (2, 2), "a legend with new entries was not rebuilt"
    live.render(**steps[0])  # back: the first legend again, neither built nor laid out again
    assert live.ax.get_legend() is first_legend and (live.legends_built, live.legends_laid_out) == (2, 2)
    live.render(**changed)
    fresh = LiveFigure(draw)
    fresh.render(**changed)
    assert [t.get_text() for t in live.ax.get_legend().get_texts()] == [
        t.get_text() for t in fresh.ax.get_legend().get_texts()
    ]


@pytest.mark.parametrize("transparent", [False, True])
def test_encoded_png_holds_the_canvas_pixels_exactly(transparent):
    """The explorer's own PNG writer (row filter 0) decodes to the canvas's pixels, opaque or not,
    as Pillow's own writer does."""
    from PIL import Image

    from mgedu.plots.live import encode_png

    live = LiveFigure(_nmda)
    live.render(mg_mm=1.0, voltage_mv=-60.0)
    canvas = live.fig.canvas
    if transparent:
        live.fig.patch.set_alpha(0.5)
        canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba(), dtype=int)
    data = live.png()
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == ("RGBA" if transparent else "RGB")
    assert np.array_equal(_pixels(data), rgba)
    reference = io.BytesIO()
    Image.fromarray(rgba.astype(np.uint8)).save(reference, format="png")
    assert np.array_equal(_pixels(reference.getvalue()), _pixels(data))
    with pytest.raises(ValueError, match="RGB or RGBA image, not mode 'L'"):
        encode_png(Image.new("L", (2, 2)))
