"""Tables shown in a notebook so that every reader can use them: at any width, by keyboard, by ear.

``show_table(frame)`` displays a DataFrame as HTML that

- fits the cell: the table scrolls sideways *inside its own region* when it is wider than the notebook
  (at laptop width or in a split view), and that region can be reached with the keyboard (``tabindex``)
  and has a name (``role="region"`` with the caption as its label);
- reads missing values as words: a dash (or the text given) instead of ``NaN``/``None``/``<NA>``;
- names every header cell (the corner above the index gets the index's name, or "row"), so a
  screen reader can announce each cell's row and column.

The same table is the ``text/plain`` fallback (what nbval compares and what a terminal shows), with
the same missing-value text. Notebook cells call ``show_table(...)`` instead of ending with the frame.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: What a missing value reads as, unless a caller says otherwise (e.g. "not reported").
MISSING = "—"


def _cell(value: object, missing: str) -> str:
    import pandas as pd

    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return missing
    except (TypeError, ValueError):  # lists and other containers are never "missing"
        pass
    return str(value)


def table_html(frame: pd.DataFrame, caption: str | None = None, missing: str = MISSING, index: bool = True) -> str:
    """The table as accessible HTML (see the module docstring); every data string is escaped.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"dose (mg)": [250.0, None]}, index=pd.Index(["a", "b"], name="study"))
    >>> print(table_html(df, caption="Doses", missing="not reported"))  # doctest: +NORMALIZE_WHITESPACE
    <div class="mgedu-table-scroll" role="region" aria-label="Doses" tabindex="0"
      style="overflow-x:auto;max-width:100%"><table class="mgedu-table"><caption>Doses</caption>
    <thead><tr><th scope="col">study</th><th scope="col">dose (mg)</th></tr></thead>
    <tbody><tr><th scope="row">a</th><td>250.0</td></tr><tr><th scope="row">b</th><td>not reported</td></tr></tbody>
    </table></div>
    """
    columns = [str(c) for c in frame.columns]
    corner = str(frame.index.name) if frame.index.name is not None else "row"
    head = [f'<th scope="col">{html.escape(corner)}</th>'] if index else []
    head += [f'<th scope="col">{html.escape(c)}</th>' for c in columns]
    rows = []
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        cells = [f'<th scope="row">{html.escape(_cell(label, missing))}</th>'] if index else []
        cells += [f"<td>{html.escape(_cell(v, missing))}</td>" for v in values]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    name = caption or "Table"
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="mgedu-table-scroll" role="region" aria-label="{html.escape(name)}" tabindex="0" '
        'style="overflow-x:auto;max-width:100%">'
        f'<table class="mgedu-table">{caption_html}\n<thead><tr>{"".join(head)}</tr></thead>\n'
        f"<tbody>{''.join(rows)}</tbody>\n</table></div>"
    )


def table_text(frame: pd.DataFrame, missing: str = MISSING, index: bool = True) -> str:
    """The plain-text fallback: the frame as text with missing values read as ``missing``.

    >>> import pandas as pd
    >>> print(table_text(pd.DataFrame({"n": [12, None]})))
          n
    0  12.0
    1     —
    """
    return frame.to_string(na_rep=missing, index=index)


def show_table(frame: pd.DataFrame, caption: str | None = None, missing: str = MISSING, index: bool = True) -> None:
    """Display ``frame`` as an accessible, width-safe table (HTML) with a plain-text fallback."""
    from IPython.display import display

    display(
        {"text/html": table_html(frame, caption, missing, index), "text/plain": table_text(frame, missing, index)},
        raw=True,
    )
