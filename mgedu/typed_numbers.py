"""Numbers as people type them: a decimal comma is a decimal mark, never a thousands separator by accident.

Learners and teachers write ``301,4`` as often as ``301.4``. Dropping the comma turns it into 3014, a
wrong answer marked wrong for a reason the learner cannot see. :func:`read_number` reads both, reads
unambiguous grouping (``1,234.5`` and ``1.234,5``), and refuses, with a message saying how to write it,
the one form that cannot be read safely: a single comma or dot followed by exactly three digits and
nothing else with the other mark (``1,234`` is 1234 in English and 1.234 in German).
"""

from __future__ import annotations

import math
import re

_PLAIN = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
_EN_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_EU_GROUPED = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")
_SPACE_GROUPED = re.compile(r"^[-+]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")
MAX_CHARACTERS = 40


def read_number(text: str) -> float:
    """The number in ``text``; ``ValueError`` saying why when it cannot be read without guessing.

    >>> read_number("301,4"), read_number("301.4"), read_number("1,234.5"), read_number("1.234,5")
    (301.4, 301.4, 1234.5, 1234.5)
    >>> read_number("1 234,5"), read_number("-0,25"), read_number("2e3")
    (1234.5, -0.25, 2000.0)
    >>> read_number("1,234")
    Traceback (most recent call last):
    ...
    ValueError: '1,234' is ambiguous (1234 or 1.234?): write it without the comma, or with a decimal point
    """
    raw = str(text).strip()
    if len(raw) > MAX_CHARACTERS:
        raise ValueError(f"a number must be at most {MAX_CHARACTERS} characters, got {len(raw)}")
    if not raw:
        raise ValueError("expected a number, got nothing")
    if _PLAIN.match(raw):
        value = float(raw)
    elif re.fullmatch(r"[-+]?\d{1,3}[,.]\d{3}", raw) and "," in raw:
        raise ValueError(
            f"{raw!r} is ambiguous ({raw.replace(',', '')} or {raw.replace(',', '.')}?): "
            "write it without the comma, or with a decimal point"
        )
    elif _DECIMAL_COMMA.match(raw):
        value = float(raw.replace(",", "."))
    elif _EN_GROUPED.match(raw):
        value = float(raw.replace(",", ""))
    elif _EU_GROUPED.match(raw):
        value = float(raw.replace(".", "").replace(",", "."))
    elif _SPACE_GROUPED.match(raw):
        value = float(re.sub(r"[ \u00a0\u202f]", "", raw).replace(",", "."))
    else:
        raise ValueError(f"expected a number such as 301.4 or 301,4, got {raw!r}")
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {raw!r}")
    return value


_QUANTITY = re.compile(
    r"^\s*(?P<number>[-+]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d[\d.,]*|[.,]\d+)(?:[eE][-+]?\d+)?)"
    r"\s*(?P<unit>.*?)\s*$",
    re.DOTALL,
)


def read_quantity(text: str) -> tuple[float, str]:
    """The number at the start of ``text`` (read as :func:`read_number` does) and the unit written after it.

    ``ValueError`` says why when there is no number, or when it cannot be read without guessing.

    >>> read_quantity("301,4 mg"), read_quantity("301.4mg"), read_quantity(" 1 234,5 mg "), read_quantity("0,82")
    ((301.4, 'mg'), (301.4, 'mg'), (1234.5, 'mg'), (0.82, ''))
    >>> read_quantity("1,234 mg")
    Traceback (most recent call last):
    ...
    ValueError: '1,234' is ambiguous (1234 or 1.234?): write it without the comma, or with a decimal point
    """
    match = _QUANTITY.match(str(text))
    if match is None:
        raise ValueError(f"expected a number such as 301.4 or 301,4, got {str(text)[:60]!r}")
    return read_number(match.group("number")), match.group("unit")
