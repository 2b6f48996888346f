"""The NMDA block explorer for notebook 02: move the outside magnesium and a voltage marker, watch the
block curve and read the unblocked fraction.

Wiring only: the readout is :func:`mgedu.mechanisms.describe_nmda_block` and the figure is
:func:`mgedu.plots.mechanisms.plot_nmda_block` (moved to new values by
:func:`~mgedu.plots.mechanisms.update_nmda_block`), all tested on their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.mechanisms import VOLTAGE_WINDOW_MV, body_quantity, describe_nmda_block
from mgedu.widgets import make_explorer, responsive_layout

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.axes import Axes

#: Slider range for outside Mg2+ (mM): wide enough to span low, typical and raised levels (a display choice).
MG_SLIDER_MM: tuple[float, float, float] = (0.0, 3.0, 0.05)


#: The legend's name for the curve the slider moves (its value is written at the voltage marker, so the
#: legend stays the same while the slider moves and is not laid out again).
SLIDER_CURVE_LABEL = "Mg2+ outside, as set above"


def _figure_arguments(mg_mm: float, voltage_mv: float) -> dict[str, object]:
    reference = float(body_quantity("nmda_model_default_mg_mm")["value"])  # type: ignore[arg-type]
    return {
        "mg_mm": (mg_mm,),
        "marker_mv": voltage_mv,
        "reference_mg_mm": reference,
        "curve_labels": (SLIDER_CURVE_LABEL,),
    }


def _draw(ax: Axes, mg_mm: float, voltage_mv: float) -> Axes:
    from mgedu.plots.mechanisms import plot_nmda_block

    return plot_nmda_block(ax=ax, **_figure_arguments(mg_mm, voltage_mv))  # type: ignore[arg-type]


def _update(ax: Axes, mg_mm: float, voltage_mv: float) -> bool:
    from mgedu.plots.mechanisms import update_nmda_block

    return update_nmda_block(ax, **_figure_arguments(mg_mm, voltage_mv))  # type: ignore[arg-type]


def make_nmda_explorer(mg_mm: float | None = None, voltage_mv: float | None = None) -> ipywidgets.VBox:
    """Sliders for outside Mg2+ (0-3 mM) and a voltage marker (-120 to +60 mV), the block curve, a readout.

    Starts at the model's usual 1 mM and the typical resting potential (both from the sourced table)
    unless other values are given. Controls: ``explorer.controls["mg_mm"]``, ``["voltage_mv"]``.

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside Jupyter the figure would print as text
    ...     explorer = make_nmda_explorer()
    ...     explorer.controls["mg_mm"].value = 2.0
    >>> explorer.readout.value[:22]
    'At -70 mV with 2.00 mM'
    """
    import ipywidgets as widgets

    low, high, step = MG_SLIDER_MM
    start_mg = float(body_quantity("nmda_model_default_mg_mm")["value"]) if mg_mm is None else mg_mm  # type: ignore[arg-type]
    start_v = float(body_quantity("resting_potential_mv")["value"]) if voltage_mv is None else voltage_mv  # type: ignore[arg-type]
    if not low <= start_mg <= high:
        raise ValueError(f"mg_mm must be between {low:g} and {high:g} mM, got {start_mg:g}")
    if not VOLTAGE_WINDOW_MV[0] <= start_v <= VOLTAGE_WINDOW_MV[1]:
        low_v, high_v = VOLTAGE_WINDOW_MV
        raise ValueError(f"voltage_mv must be between {low_v:g} and {high_v:g} mV, got {start_v:g}")
    style = {"description_width": "8em"}
    layout = responsive_layout("32em")
    controls = {
        "mg_mm": widgets.FloatSlider(
            value=start_mg,
            min=low,
            max=high,
            step=step,
            readout_format=".2f",
            description="Mg2+ (mM)",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        "voltage_mv": widgets.FloatSlider(
            value=start_v,
            min=VOLTAGE_WINDOW_MV[0],
            max=VOLTAGE_WINDOW_MV[1],
            step=1.0,
            readout_format=".0f",
            description="Voltage (mV)",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
    }
    return make_explorer("nmda", controls, describe_nmda_block, draw=_draw, update=_update)
