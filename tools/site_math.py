"""Formulas for the static site, rendered at build time: no MathJax, so pages read offline.

Notebooks write formulas in TeX between ``$$ ... $$`` (display) or ``$ ... $`` (inline), which
JupyterLab renders with MathJax. The static pages load no script, so each formula is drawn once with
matplotlib's mathtext (part of the pinned stack) into an SVG image. Its alt text is the formula read
out in plain symbols ("unblocked = 1 / (1 + ([Mg^2+]_outside) / K e^(-s V))"), for screen readers and
for anyone who copies the text. Inline ``$...$`` counts as a formula only when it contains a TeX
command, a superscript or a subscript, so prices such as "$5 and $10" stay text. Code (fenced blocks
and backtick spans) is never touched.
"""

from __future__ import annotations

import base64
import html
import io
import re
import sys

_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", flags=re.DOTALL)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", flags=re.DOTALL)
_INLINE = re.compile(r"(?<![\\$\w])\$([^$\n]+?)\$(?![\w$])")
_SYMBOLS = {
    r"\cdot": "·",
    r"\times": "×",
    r"\pm": "±",
    r"\le": "≤",
    r"\ge": "≥",
    r"\approx": "≈",
    r"\mu": "µ",
    r"\alpha": "α",
    r"\beta": "β",
    r"\Delta": "Δ",
    r"\sigma": "σ",
    r"\tau": "τ",
    r"\infty": "∞",
    r"\ldots": "...",
    r"\%": "%",
    r"\,": " ",
    r"\;": " ",
    r"\!": "",
    r"\quad": " ",
}


def _group(tex: str, start: int) -> tuple[str, int]:
    """The brace group (or single character) starting at ``start``: (content, index after it)."""
    while start < len(tex) and tex[start] == " ":
        start += 1
    if start >= len(tex):
        return "", start
    command = re.match(r"\\[A-Za-z]+", tex[start:])
    if command:  # a command and its argument, e.g. \text{out}
        end = start + command.end()
        if end < len(tex) and tex[end] == "{":
            _, end = _group(tex, end)
        return tex[start:end], end
    if tex[start] != "{":
        return tex[start], start + 1
    depth = 0
    for i in range(start, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        if depth == 0:
            return tex[start + 1 : i], i + 1
    return tex[start + 1 :], len(tex)


def _wrapped(text: str) -> str:
    """``text`` in parentheses when it has more than one term."""
    return f"({text})" if re.search(r"[\s+\-]", text.strip()) else text


def tex_to_text(tex: str) -> str:
    """A formula read out in plain symbols (the alt text of its image).

    >>> tex_to_text(r"\\text{unblocked} = \\frac{1}{1 + \\dfrac{[\\text{Mg}^{2+}]_\\text{out}}{K}\\; e^{-s V}}")
    'unblocked = 1 / (1 + ([Mg^2+]_out) / K e^(-s V))'
    >>> tex_to_text(r"m_\\text{Mg} = m \\times f")
    'm_Mg = m × f'
    """
    out, i = [], 0
    while i < len(tex):
        if tex.startswith((r"\frac", r"\dfrac", r"\tfrac"), i):
            i = tex.index("frac", i) + 4
            top, i = _group(tex, i)
            bottom, i = _group(tex, i)
            top, bottom = tex_to_text(top), tex_to_text(bottom)
            out.append(f"{_wrapped(top)} / {_wrapped(bottom)}")
        elif re.match(r"\\(text|mathrm|mathit|mathbf|operatorname)\b", tex[i:]):
            i = tex.index("{", i) if "{" in tex[i : i + 16] else i + 5
            content, i = _group(tex, i)
            out.append(content)
        elif tex[i] in "^_":
            marker = tex[i]
            content, i = _group(tex, i + 1)
            content = tex_to_text(content)
            out.append(f"{marker}{content}" if re.fullmatch(r"[\w+\-]+", content) else f"{marker}({content})")
        elif tex[i] == "\\":
            command = re.match(r"\\([A-Za-z]+|.)", tex[i:]).group(0)  # type: ignore[union-attr]
            out.append(_SYMBOLS.get(command, command.lstrip("\\") if command[1:].isalpha() else command[1:]))
            i += len(command)
        elif tex[i] in "{}":
            i += 1
        else:
            out.append(tex[i])
            i += 1
    return " ".join("".join(out).split())


def formula_image(tex: str, display: bool) -> str:
    """An ``<img>`` with the formula drawn as SVG (data URI) and its plain-symbol alt text.

    Raises ``ValueError`` when mathtext cannot parse the formula.
    """
    from matplotlib.figure import Figure

    figure = Figure()
    figure.text(0, 0, f"${tex.strip()}$", fontsize=15 if display else 12)
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        pad_inches=0.02,
        transparent=True,
        metadata={"Date": None, "Creator": None},
    )
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    css = "mgedu-math mgedu-math-display" if display else "mgedu-math"
    return (
        f'<img class="{css}" src="data:image/svg+xml;base64,{data}" '
        f'alt="{html.escape("Formula: " + tex_to_text(tex))}">'
    )


def render_math(markdown: str) -> str:
    """Markdown with every TeX formula replaced by its image (code left alone).

    >>> out = render_math("Price: $5 and $10. Block: $$x^2$$ `$$not$$`")
    >>> out[:29], out[-9:]
    ('Price: $5 and $10. Block: <p>', '`$$not$$`')
    >>> out[out.index(' alt="'):out.index('"', out.index(' alt="') + 6) + 1]
    ' alt="Formula: x^2"'
    """

    def drawn(tex: str, display: bool) -> str:
        try:
            return formula_image(tex, display)
        except ValueError as exc:  # mathtext cannot draw it: show the TeX itself (the site test flags it)
            print(f"tools.site: formula not drawn ({exc}): {tex}", file=sys.stderr)
            return f'<code class="mgedu-tex">{html.escape(tex)}</code>'

    def display(match: re.Match[str]) -> str:
        return f"<p>{drawn(match.group(1), True)}</p>"

    def inline(match: re.Match[str]) -> str:
        tex = match.group(1)
        return drawn(tex, False) if re.search(r"\\[A-Za-z]|[\^_]", tex) else match.group(0)

    parts = _CODE.split(markdown)
    for k in range(0, len(parts), 2):  # even parts are prose, odd parts are code
        parts[k] = _INLINE.sub(inline, _DISPLAY.sub(display, parts[k]))
    return "".join(parts)
