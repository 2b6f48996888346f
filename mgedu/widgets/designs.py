"""The trial simulator widget: pick a design and see how often a useless treatment "works".

Wiring only. The readout is :func:`mgedu.designs.describe_trial_simulation` and the figure is
:func:`mgedu.plots.designs.plot_estimate_distributions` of the same cached, seeded simulation (moved to
the next simulation in place by :func:`~mgedu.plots.designs.update_estimate_distributions` unless the
figure needs other artists), so a test can drive the controls and compare the readout with the pure function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.designs import describe_trial_simulation, parameter, simulate_for_display
from mgedu.study_designs import SIMULATED_DESIGN_LABELS, SIMULATED_DESIGNS
from mgedu.widgets import make_explorer, responsive_layout

if TYPE_CHECKING:
    import ipywidgets
    import pandas as pd
    from matplotlib.axes import Axes


def _trials(
    design: str, n_per_arm: int, true_effect: float, placebo_response: float, regression_to_mean: bool
) -> pd.DataFrame:
    """The simulation the figure shows: the cached run the readout has just described."""
    return simulate_for_display(
        design, int(n_per_arm), float(true_effect), float(placebo_response), bool(regression_to_mean)
    )


def _draw(
    ax: Axes, design: str, n_per_arm: int, true_effect: float, placebo_response: float, regression_to_mean: bool
) -> Axes:
    from mgedu.plots.designs import plot_estimate_distributions

    trials = _trials(design, n_per_arm, true_effect, placebo_response, regression_to_mean)
    return plot_estimate_distributions(trials, ax=ax)


def _update(
    ax: Axes, design: str, n_per_arm: int, true_effect: float, placebo_response: float, regression_to_mean: bool
) -> bool:
    from mgedu.plots.designs import update_estimate_distributions

    trials = _trials(design, n_per_arm, true_effect, placebo_response, regression_to_mean)
    return update_estimate_distributions(ax, trials)


def make_trial_simulator(
    design: str = "open-label", n_per_arm: int = 12, true_effect: float = 0.0, regression_to_mean: bool = False
) -> ipywidgets.VBox:
    """An explorer: design, patients per arm, true effect, placebo response, regression to the mean.

    Each change re-runs 2,000 seeded simulated trials (a few hundredths of a second) and updates the
    histogram and the readout sentence. The placebo response starts at the sourced value (Silva 2017).
    Regression to the mean "on" enrols only patients scoring at least ``severe_subgroup_min_irls`` at a
    noisy screening visit. A case report always has one patient, whatever the slider says.

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside Jupyter the figure would print as text
    ...     sim = make_trial_simulator("rct", n_per_arm=40)
    >>> sim.readout.value[:63]
    'With no real effect, 2 % of placebo-controlled RCTs with 40 pat'
    """
    import ipywidgets as widgets

    if design not in SIMULATED_DESIGNS:
        raise ValueError(f"design must be one of {', '.join(SIMULATED_DESIGNS)}, got {design!r}")
    style = {"description_width": "13em"}
    wide = responsive_layout("34em")
    controls = {
        "design": widgets.Dropdown(
            options=[(SIMULATED_DESIGN_LABELS[d].label, d) for d in SIMULATED_DESIGNS],
            value=design,
            description="Study design",
            style=style,
            layout=wide,
        ),
        "n_per_arm": widgets.IntSlider(
            value=n_per_arm,
            min=2,
            max=200,
            step=1,
            continuous_update=False,
            description="Patients per arm",
            style=style,
            layout=wide,
        ),
        "true_effect": widgets.FloatSlider(
            value=true_effect,
            min=-5.0,
            max=10.0,
            step=0.5,
            continuous_update=False,
            description="True effect (IRLS points)",
            style=style,
            layout=wide,
        ),
        "placebo_response": widgets.FloatSlider(
            value=parameter("placebo_response"),
            min=0.0,
            max=12.0,
            step=0.01,
            continuous_update=False,
            readout_format=".2f",
            description="Placebo response (points)",
            style=style,
            layout=wide,
        ),
        "regression_to_mean": widgets.Checkbox(
            value=regression_to_mean,
            indent=False,
            layout=wide,
            description="Regression to the mean (enrol only high scorers)",
        ),
    }
    return make_explorer(
        "trial-simulator", controls, describe_trial_simulation, _draw, sticky_limits=True, update=_update
    )
