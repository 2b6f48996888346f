"""What a practice call shows: plain text everywhere, HTML where a notebook can render it.

Every learner-facing call returns a :class:`Shown`. Its ``repr`` is the plain text (what nbval compares,
what a screen reader or a static page without HTML shows, what ``print`` gives); when ``html`` is set,
JupyterLab and the static site show that instead. ``status`` says what happened, for code and tests.
"""

from __future__ import annotations

import html as html_module
from dataclasses import dataclass


@dataclass(frozen=True)
class Shown:
    """Text (and optional HTML) for the learner, with a machine-readable ``status``.

    >>> Shown("S000-C08 · recorded", status="recorded")
    S000-C08 · recorded
    """

    text: str
    html: str = ""
    status: str = "shown"

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str | None:
        return self.html or None


def escape(text: object) -> str:
    """HTML-escape any value (data strings are never trusted as markup).

    >>> escape("<b>5 & 6</b>")
    '&lt;b&gt;5 &amp; 6&lt;/b&gt;'
    """
    return html_module.escape(str(text))
