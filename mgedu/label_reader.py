"""Plain-language help for the label reader (notebook 04): what is wrong with an input, and what the
abbreviations on its readout and chart mean.

:func:`mgedu.intake.read_label` raises ``ValueError`` with messages written for people who call it
from code (``pregnant=True needs sex='female'``). A learner moving the reader's controls needs
another sentence: what is wrong, in the words on the screen, and what is allowed.
:func:`explain_label_inputs` gives that sentence (or None when the inputs are fine) for every input
:func:`~mgedu.intake.read_label` refuses; a test checks that no refused input goes unexplained.
"""

from __future__ import annotations

import html
import math
import numbers

from mgedu.doses import MAX_AMOUNT_MG, MG_MOLAR_MASS, salt_info
from mgedu.intake import AUTHORITIES, MAX_AGE_YEARS, intake_rows, read_label

#: What each authority's short name stands for (shown in the reader's menu and glossary).
AUTHORITY_NAMES: dict[str, str] = {
    "NIH": "US National Institutes of Health, Office of Dietary Supplements",
    "ICMR-NIN": "Indian Council of Medical Research, National Institute of Nutrition",
}

#: The abbreviations on the reader's readout and chart, in plain words. Definitions follow the NIH
#: Office of Dietary Supplements' magnesium fact sheet (https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/).
ABBREVIATIONS: dict[str, str] = {
    "RDA": "Recommended Dietary Allowance: the daily intake, from food and supplements together, "
    "that meets the needs of nearly all healthy people of that age and sex",
    "AI": "Adequate Intake: used instead of an RDA where the evidence is too thin to set one "
    "(here, for babies under 1 year)",
    "UL": "Tolerable Upper Intake Level: the most per day that is unlikely to cause harm; for "
    "magnesium it counts supplements and medicines only, not food",
    "mg": "milligram (a thousandth of a gram)",
    "mmol": f"millimole: an amount counted in atoms; 1 mmol of magnesium weighs {MG_MOLAR_MASS:.1f} mg",
}

_AGE_GROUPS = {"pregnant": "pregnancy", "lactating": "breastfeeding", "none": "this sex"}


def _number_problem(value: object, what: str, unit: str, maximum: float, example: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(float(value)):
        return f"{what} must be a number, for example {example}."
    number = float(value)
    if number < 0:
        return f"{what} cannot be below 0 (you entered {number:g}): enter 0 to {maximum:g} {unit}."
    if number > maximum:
        return f"{what} can be at most {maximum:g} {unit} here (you entered {number:g})."
    return None


def explain_label_inputs(
    salt: str,
    amount: float,
    amount_is: str = "salt",
    unit: str = "mg",
    age_years: float = 40,
    sex: str = "female",
    pregnant: bool = False,
    lactating: bool = False,
    authority: str = "NIH",
) -> str | None:
    """A plain sentence saying what is wrong with the label reader's inputs and what is allowed, or None.

    >>> explain_label_inputs("oxide", 250, age_years=-5)
    'Age cannot be below 0 (you entered -5): enter 0 to 120 years.'
    >>> explain_label_inputs("oxide", 250, sex="male", pregnant=True)
    "'Pregnant' applies only when Sex is female: untick it, or choose female."
    >>> print(explain_label_inputs("oxide", 250))
    None
    >>> explain_label_inputs("oxide", 2482, unit="mmol")  # mmol of the salt: its molar mass sets the limit
    'The amount per day can be at most 2481.11 mmol here (you entered 2482).'
    """
    maximum = MAX_AMOUNT_MG
    if unit == "mmol":
        try:
            molar_mass = salt_info(salt).molar_mass if amount_is == "salt" else MG_MOLAR_MASS
        except ValueError:
            molar_mass = MG_MOLAR_MASS
        maximum = MAX_AMOUNT_MG / molar_mass  # the limit read_label applies, so the two never disagree
    problem = _number_problem(amount, "The amount per day", unit, maximum, "250")
    if problem:
        return problem
    problem = _number_problem(age_years, "Age", "years", MAX_AGE_YEARS, "40")
    if problem:
        return problem
    if pregnant and lactating:
        return "Tick 'pregnant' or 'breastfeeding', not both: the tables give separate values for each."
    condition = "pregnant" if pregnant else "lactating" if lactating else "none"
    if condition != "none" and sex != "female":
        word = "Pregnant" if pregnant else "Breastfeeding"
        return f"'{word}' applies only when Sex is female: untick it, or choose female."
    rows = intake_rows(authority, condition, sex)
    group = _AGE_GROUPS[condition] if condition != "none" else ("women" if sex == "female" else "men")
    if not rows:
        return (
            f"The {authority} values for {group} were not found in the sources read for this "
            f"workbook: choose NIH under Reference values."
        )
    age = float(age_years)
    if not any(row.covers(age) for row in rows):
        low = min(row.age_from_years for row in rows)
        ends = [row.age_to_years for row in rows]
        top = "and older" if None in ends else f"to under {max(e for e in ends if e is not None):g}"
        other = " or choose NIH under Reference values" if authority != "NIH" else ""
        return (
            f"The {authority} table in this workbook covers {group} aged {low:g} {top} years; "
            f"age {age:g} is outside it: change the age{other}."
        )
    try:
        read_label(salt, amount, amount_is, unit, age_years, sex, pregnant, lactating, authority)
    except ValueError as exc:  # anything not foreseen above still gets a sentence, never a traceback
        return f"These inputs cannot be read: {exc}."
    return None


def authority_options() -> list[tuple[str, str]]:
    """(label, value) pairs for the reference-values menu: short name with what it stands for.

    >>> authority_options()[0]
    ('NIH (United States)', 'NIH')
    """
    where = {"NIH": "United States", "ICMR-NIN": "India"}
    return [(f"{key} ({where.get(key, key)})", key) for key in AUTHORITIES]


def glossary_html(**_: object) -> str:
    """The abbreviations of the readout and chart, explained (HTML for the reader's detail panel).

    >>> glossary_html().split("<li>")[1].split(":")[0]
    '<b>RDA</b>'
    >>> glossary_html().split("<li>")[1].split(": ")[1]
    'Recommended Dietary Allowance'

    """
    terms = {**ABBREVIATIONS, **AUTHORITY_NAMES}
    items = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in terms.items())
    return (
        f"<details class='mgedu-glossary'><summary>What RDA, AI, UL, NIH and ICMR-NIN mean</summary>"
        f"<ul style='margin:0.2em 0;padding-left:1.4em'>{items}</ul></details>"
    )
