"""The label reader for notebook 04: type what a supplement label (or an article) says and see what it means.

Wiring only: the readout is :func:`mgedu.intake.describe_label` and the figure is
:func:`mgedu.plots.doses.plot_label_reading`, both tested on their own. Bad input (a negative amount or
age, a pregnant man, an age the table does not cover) is explained in plain words by
:func:`mgedu.label_reader.explain_label_inputs` (what is wrong and what is allowed), and the chart is
replaced by a notice until the input is fixed. Below the readout, the abbreviations are explained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.intake import describe_label, read_label
from mgedu.label_reader import authority_options, explain_label_inputs, glossary_html
from mgedu.widgets import make_explorer, responsive_layout

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.axes import Axes


def _draw(ax: Axes, **values: object) -> Axes:
    from mgedu.plots.doses import plot_label_reading

    return plot_label_reading(read_label(**values), ax=ax)  # type: ignore[arg-type]


def _update(ax: Axes, **values: object) -> bool:
    from mgedu.plots.doses import update_label_reading

    return update_label_reading(ax, read_label(**values))  # type: ignore[arg-type]


def make_label_reader(
    salt: str = "oxide",
    amount: float = 250.0,
    amount_is: str = "salt",
    unit: str = "mg",
    age_years: float = 40,
    sex: str = "female",
) -> ipywidgets.VBox:
    """Controls for salt, amount, "salt or elemental", mg or mmol, age, sex, pregnancy, lactation, authority.

    Controls: ``explorer.controls[name]`` for ``salt``, ``amount``, ``amount_is``, ``unit``, ``age_years``,
    ``sex``, ``pregnant``, ``lactating`` and ``authority``; the sentence is ``explorer.readout.value``.

    >>> reader = make_label_reader()
    >>> reader.controls["amount"].value = -5
    >>> reader.readout.value
    'The amount per day cannot be below 0 (you entered -5): enter 0 to 100000 mg.'
    >>> reader.flush()  # draw now (in a notebook the figure follows as soon as the kernel is idle)
    >>> reader.figure.value.split('class="')[1].split('"')[0]  # the last good figure, marked stale
    'mgedu-figure-stale'

    """
    import ipywidgets as widgets

    from mgedu.doses import load_salts
    from mgedu.plots.doses import LABEL_READING_FIGSIZE

    salts = load_salts()
    options = [(f"{row.name} [{row.salt}]", str(row.salt)) for row in salts.itertuples(index=False)]
    if salt not in dict((v, k) for k, v in options):
        keys = ", ".join(v for _, v in options)
        raise ValueError(f"salt must be a key of the salts table ({keys}), got {salt!r}")
    style = {"description_width": "11em"}
    wide, narrow = responsive_layout("36em"), responsive_layout("24em")
    controls = {
        "salt": widgets.Dropdown(
            options=options, value=salt, description="Salt on the label", style=style, layout=wide
        ),
        "amount": widgets.FloatText(value=amount, description="Amount per day", style=style, layout=narrow),
        "amount_is": widgets.Dropdown(
            options=[("the weight of the salt", "salt"), ("elemental magnesium", "elemental")],
            value=amount_is,
            description="The amount is",
            style=style,
            layout=narrow,
        ),
        "unit": widgets.Dropdown(
            options=[("mg (milligrams)", "mg"), ("mmol (millimoles)", "mmol")],
            value=unit,
            description="Unit",
            style=style,
            layout=narrow,
        ),
        # A plain number box (not a bounded one, which would quietly turn -5 into 0, an infant):
        # out-of-range ages are explained in the readout instead.
        "age_years": widgets.FloatText(value=age_years, step=1, description="Age (years)", style=style, layout=narrow),
        "sex": widgets.Dropdown(options=["female", "male"], value=sex, description="Sex", style=style, layout=narrow),
        "pregnant": widgets.Checkbox(value=False, description="pregnant", style=style),
        "lactating": widgets.Checkbox(value=False, description="breastfeeding", style=style),
        "authority": widgets.Dropdown(
            options=authority_options(), value="NIH", description="Reference values", style=style, layout=narrow
        ),
    }
    return make_explorer(
        "label-reader",
        controls,
        describe_label,
        draw=_draw,
        update=_update,
        figsize=LABEL_READING_FIGSIZE,
        explain=explain_label_inputs,
        detail=glossary_html,
        sticky_limits=True,
    )
