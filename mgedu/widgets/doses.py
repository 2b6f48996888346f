"""The label reader for notebook 04: type what a supplement label (or an article) says and see what it means.

Wiring only: the readout is :func:`mgedu.intake.describe_label` and the figure is
:func:`mgedu.plots.doses.plot_label_reading`, both tested on their own. Bad input (a negative amount,
a pregnant man, an age the table does not cover) raises ``ValueError`` in those functions, and
:func:`mgedu.widgets.make_explorer` turns it into a friendly sentence in the readout, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgedu.intake import AUTHORITIES, MAX_AGE_YEARS, describe_label, read_label
from mgedu.widgets import make_explorer

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.axes import Axes


def _draw(ax: Axes, **values: object) -> Axes:
    from mgedu.plots.doses import plot_label_reading

    return plot_label_reading(read_label(**values), ax=ax)  # type: ignore[arg-type]


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

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside Jupyter the figure would print as text
    ...     reader = make_label_reader()
    ...     reader.controls["amount"].value = -5
    >>> reader.readout.value[:46]
    'Check the inputs: amount must be between 0 and'
    """
    import ipywidgets as widgets

    from mgedu.doses import load_salts

    salts = load_salts()
    options = [(f"{row.name} [{row.salt}]", str(row.salt)) for row in salts.itertuples(index=False)]
    if salt not in dict((v, k) for k, v in options):
        keys = ", ".join(v for _, v in options)
        raise ValueError(f"salt must be a key of the salts table ({keys}), got {salt!r}")
    style = {"description_width": "11em"}
    wide, narrow = widgets.Layout(width="36em"), widgets.Layout(width="24em")
    controls = {
        "salt": widgets.Dropdown(options=options, value=salt, description="Salt on the label", style=style,
                                 layout=wide),
        "amount": widgets.FloatText(value=amount, description="Amount per day", style=style, layout=narrow),
        "amount_is": widgets.Dropdown(options=[("the weight of the salt", "salt"),
                                               ("elemental magnesium", "elemental")],
                                      value=amount_is, description="The amount is", style=style,
                                      layout=narrow),
        "unit": widgets.Dropdown(options=["mg", "mmol"], value=unit, description="Unit", style=style,
                                 layout=narrow),
        "age_years": widgets.BoundedFloatText(value=age_years, min=0, max=MAX_AGE_YEARS, step=1,
                                              description="Age (years)", style=style, layout=narrow),
        "sex": widgets.Dropdown(options=["female", "male"], value=sex, description="Sex", style=style,
                                layout=narrow),
        "pregnant": widgets.Checkbox(value=False, description="pregnant", style=style),
        "lactating": widgets.Checkbox(value=False, description="breastfeeding", style=style),
        "authority": widgets.Dropdown(options=list(AUTHORITIES), value="NIH", description="Reference values",
                                      style=style, layout=narrow),
    }
    return make_explorer("label-reader", controls, describe_label, draw=_draw)
