"""Build the static web version of the workbook: ``python -m tools.site --out _build/html``.

The site is for reading: an index page with the notebook map (number, title, hook, level and time,
objectives) and one page per notebook, all readable with no network and no JavaScript.

Decisions, and why:

- **nbconvert** (already pinned for the notebooks) with JupyterLab's look. It builds offline;
  Jupyter Book 2 fetches its theme at build time, and Jupyter Book 1 would add a Sphinx stack to the
  lock for little gain on seven pages. The page template (``site_templates/mgedu_page``) loads no
  script from a CDN (no require.js, MathJax, mermaid or widget manager), so pages also *read* offline.
- **Notebooks are executed at build time** (fresh kernel each, as :mod:`tools.refresh` does), so
  the site shows what the code gives today and the build fails, naming the cell, if a notebook breaks.
- **Explorers as static snapshots.** Execution records the ipywidgets state; each explorer is
  rendered from it as plain HTML: its controls with their starting values, the readout sentence and
  its figure (with alt text). The live alternative, ipywidgets' HTML manager, loads from a CDN when the
  page is viewed, and without a Python kernel its sliders would move while the readout and figure stayed
  put: a wrong answer on screen. The readout sentence is what every explorer is built around, so the
  snapshot carries the explorer's meaning; the page links to Binder for the live version.
- **Alt text**: figures keep the alt text stored in their output metadata (the stock template drops it).
- **Formulas** are drawn at build time by matplotlib's mathtext (:mod:`tools.site_math`) instead of
  MathJax from a CDN, each with its formula spelled out as alt text.
- **Solutions** (cells whose source is hidden in the notebook) are folded in ``<details>``.
- **Colab badges** (images served by colab.research.google.com) become the plain link text "Open in
  Colab", same target: a page must fetch nothing from the network. The notebooks keep their badges.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from tools.site_math import render_math

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "site_templates"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
COLAB_BADGE = re.compile(
    r'<img\b[^>]*\bsrc="https://colab\.research\.google\.com/assets/colab-badge\.svg"[^>]*>', flags=re.IGNORECASE
)
BINDER_BADGE = re.compile(r"https://mybinder\.org/v2/gh/[^\s)\"'?]+")
FOOTER = "mgedu: code MIT licence, text CC-BY-4.0. Built from the notebooks with nbconvert."


def notebook_summary(nb: Any) -> dict[str, Any]:
    """Title, hook, level line and objectives of a notebook, read from its markdown cells.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "# 04 · Doses\\n\\nHow much magnesium is in a pill?\\n\\n*Level: core · 30 minutes*\\n\\n"
    ...     "## Learning objectives\\n\\n1. **Convert** salt mass to elemental mass.\\n2. Compare doses.")])
    >>> summary = notebook_summary(nb)
    >>> summary["title"], summary["hook"], summary["level"]
    ('04 · Doses', 'How much magnesium is in a pill?', 'Level: core · 30 minutes')
    >>> summary["objectives"]
    ['Convert salt mass to elemental mass.', 'Compare doses.']
    """
    import mistune

    parse = mistune.create_markdown(renderer=None)
    title, paragraphs, objectives = "", [], []
    section = ""  # "intro" between the title and the next heading, "objectives" under that heading
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for token in parse(cell.source):
            if token["type"] == "heading":
                text = _text(token)
                if token["attrs"]["level"] == 1 and not title:
                    title, section = text, "intro"
                else:
                    section = "objectives" if "objective" in text.lower() else ""
            elif section == "objectives" and token["type"] == "list":
                objectives += [_text(item) for item in token["children"]]
                section = ""
            elif section == "intro" and token["type"] == "paragraph" and len(paragraphs) < 2:
                paragraphs.append(_text(token))
        if objectives:
            break
    return {
        "title": title,
        "hook": paragraphs[0] if paragraphs else "",
        "level": paragraphs[1] if len(paragraphs) > 1 else "",
        "objectives": objectives,
    }


def _text(token: dict[str, Any]) -> str:
    """The plain text of a markdown token (emphasis and links reduced to their words)."""
    if token["type"] in ("softbreak", "linebreak"):
        return " "
    own = token.get("raw", "") if token["type"] in ("text", "codespan") else ""
    text = own + "".join(_text(child) for child in token.get("children") or [])
    return " ".join(text.split()) if token["type"] in ("heading", "paragraph", "list_item", "block_text") else text


# ----------------------------------------------------------------------------- explorers as snapshots
def _model(state: dict[str, Any], reference: str) -> dict[str, Any] | None:
    entry = state.get(reference.removeprefix("IPY_MODEL_"))
    return entry if entry is None else {"name": entry["model_name"], **entry["state"]}


def _control_value(model: dict[str, Any]) -> str:
    """The value a control shows, as text (option label for selections, formatted numbers)."""
    if "_options_labels" in model:
        index = model.get("index")
        labels = model["_options_labels"]
        if isinstance(index, list | tuple):
            return ", ".join(labels[i] for i in index)
        return labels[index] if index is not None else "(none)"
    value = model.get("value")
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list | tuple):
        return " to ".join(_format_number(v, model.get("readout_format")) for v in value)
    return _format_number(value, model.get("readout_format"))


def _format_number(value: Any, fmt: str | None) -> str:
    if isinstance(value, int | float) and fmt:
        try:
            return format(value, fmt)
        except (ValueError, TypeError):
            pass
    return str(value)


def _output_html(output: dict[str, Any]) -> str:
    """One output captured by an Output widget (figures with their alt text)."""
    data, metadata = output.get("data", {}), output.get("metadata", {})
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            alt = (metadata.get(mime) or {}).get("alt", "")
            return f'<img src="data:{mime};base64,{data[mime]}" alt="{html.escape(alt)}">'
    if "text/html" in data:
        return "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
    text = output.get("text") or data.get("text/plain") or ""
    return f"<pre>{html.escape(''.join(text) if isinstance(text, list) else text)}</pre>" if text else ""


def _widget_html(state: dict[str, Any], reference: str) -> str:
    model = _model(state, reference)
    if model is None:
        return ""
    classes = model.get("_dom_classes", [])
    if "children" in model:
        return "".join(_widget_html(state, child) for child in model["children"])
    if model["name"] == "OutputModel":
        return "".join(_output_html(o) for o in model.get("outputs", []))
    if model["name"] in ("HTMLModel", "HTMLMathModel", "LabelModel"):
        value = model.get("value", "")
        value = value if model["name"] != "LabelModel" else html.escape(value)
        if not value.strip():
            return ""
        css = "mgedu-readout" if "mgedu-readout" in classes else "mgedu-snapshot-text"
        return f'<p class="{css}">{value}</p>'
    if "description" in model and ("value" in model or "index" in model):
        label = html.escape(model.get("description") or model.get("tooltip") or "Control")
        return f"<dt>{label}</dt><dd>{html.escape(_control_value(model))}</dd>"
    return ""


def widget_snapshot(model_id: str, state: dict[str, Any]) -> str:
    """Static HTML for one displayed widget, from the ipywidgets state recorded by execution.

    >>> state = {"b": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_r"],
    ...              "_dom_classes": ["mgedu-explorer"]}},
    ...          "s": {"model_name": "IntSliderModel", "state": {"description": "Dose (mg)", "value": 300}},
    ...          "r": {"model_name": "HTMLModel",
    ...                "state": {"value": "300 mg", "_dom_classes": ["mgedu-readout"]}}}
    >>> print(widget_snapshot("b", state))  # doctest: +NORMALIZE_WHITESPACE
    <div class="mgedu-snapshot" role="group" aria-label="Explorer, as it starts">
    <p class="mgedu-snapshot-note">Explorer, shown as it starts. Run the notebook to change the controls.</p>
    <dl><dt>Dose (mg)</dt><dd>300</dd></dl><p class="mgedu-readout">300 mg</p></div>
    """
    body = _widget_html(state, model_id)
    body = re.sub(r"((?:<dt>.*?</dt><dd>.*?</dd>)+)", r"<dl>\1</dl>", body)
    return (
        '<div class="mgedu-snapshot" role="group" aria-label="Explorer, as it starts">\n'
        '<p class="mgedu-snapshot-note">Explorer, shown as it starts. '
        "Run the notebook to change the controls.</p>\n" + body + "</div>"
    )


def embed_widget_snapshots(nb: Any) -> int:
    """Replace every widget view in ``nb`` by its static snapshot (HTML output) and drop the widget
    state, so no page tries to load a widget manager. Returns the number of widgets replaced."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                view = data.pop(WIDGET_VIEW)
                if view.get("model_id") in state:
                    data["text/html"] = widget_snapshot(view["model_id"], state)
                    replaced += 1
    nb.metadata.pop("widgets", None)
    return replaced


# ----------------------------------------------------------------------------- accessible tables
_TABLE = re.compile(r"<table\b.*?</table>", flags=re.DOTALL)
_EMPTY_HEADER = re.compile(r"<th(\s[^>]*)?>\s*(&nbsp;)?\s*</th>")


def accessible_tables(page: str) -> str:
    """Wrap every table in a region that scrolls sideways and that a keyboard can reach (``tabindex``,
    a label), and give empty header cells (the corner above a pandas index) a name for screen readers.

    >>> print(accessible_tables('<table><tr><th></th><th>dose</th></tr></table>'))  # doctest: +NORMALIZE_WHITESPACE
    <div class="mgedu-table-scroll" role="region" aria-label="Table (scrolls sideways when wide)"
    tabindex="0"><table><tr><th><span class="mgedu-sr-only">row</span></th><th>dose</th></tr></table></div>
    """

    def wrap(match: re.Match[str]) -> str:
        table = _EMPTY_HEADER.sub(
            lambda m: f'<th{m.group(1) or ""}><span class="mgedu-sr-only">row</span></th>', match.group(0)
        )
        return (
            '<div class="mgedu-table-scroll" role="region" aria-label="Table (scrolls sideways when wide)" '
            f'tabindex="0">{table}</div>'
        )

    return _TABLE.sub(wrap, page)


# ----------------------------------------------------------------------------- pages and links
def colab_badges_as_text(page: str) -> str:
    """Replace each "Open in Colab" badge image (fetched from Google when shown) by the words, so the
    link around it stays and the page loads nothing from the network.

    >>> colab_badges_as_text('<a href="https://colab.research.google.com/github/o/r/blob/main/n.ipynb">'
    ...     '<img src="https://colab.research.google.com/assets/colab-badge.svg" alt="Open In Colab"></a>')
    '<a href="https://colab.research.google.com/github/o/r/blob/main/n.ipynb">Open in Colab</a>'
    """
    return COLAB_BADGE.sub("Open in Colab", page)


def _execute(path: str) -> str:
    """Execute one notebook in a fresh kernel (for the process pool); return it as JSON."""
    import nbformat

    from tools.refresh import error_cells, execute_notebook

    nb = execute_notebook(Path(path))
    bad = error_cells(nb)
    if bad:
        raise RuntimeError(f"{path}: cannot build the page, errors in code cells at indices {bad}")
    return nbformat.writes(nb)


def binder_url(readme: Path, notebook: str) -> str | None:
    """The README's Binder badge URL pointed at ``notebooks/<notebook>``, or None without a badge.

    >>> import tempfile
    >>> readme = Path(tempfile.mkdtemp()) / "README.md"
    >>> _ = readme.write_text("[![Binder](https://mybinder.org/badge_logo.svg)]"
    ...     "(https://mybinder.org/v2/gh/someone/mgedu/HEAD?labpath=notebooks%2F00-start-here.ipynb)")
    >>> binder_url(readme, "01-claims.ipynb")
    'https://mybinder.org/v2/gh/someone/mgedu/HEAD?labpath=notebooks%2F01-claims.ipynb'
    """
    if not readme.exists():
        return None
    match = BINDER_BADGE.search(readme.read_text(encoding="utf-8"))
    if not match:
        return None
    return f"{match.group(0)}?labpath={quote('notebooks/' + notebook, safe='')}"


def rewrite_links(page: str, notebooks: set[str], source_dir: Path, root: Path) -> tuple[str, set[Path]]:
    """Point links to workbook notebooks at their pages; collect other local files the page links to.

    Returns the new HTML and the set of linked files (under ``root``) that must be copied to the site.

    >>> rewrite_links('<a href="02-mechanisms.ipynb#Setup">next</a>', {"02-mechanisms.ipynb"},
    ...               Path("notebooks"), Path("."))
    ('<a href="02-mechanisms.html#Setup">next</a>', set())
    """
    linked: set[Path] = set()

    def fix(match: re.Match[str]) -> str:
        attribute, target = match.group(1), html.unescape(match.group(2))
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path:
            return match.group(0)
        name = Path(unquote(parts.path)).name
        if name in notebooks and Path(unquote(parts.path)).parent == Path("."):
            new = name.removesuffix(".ipynb") + ".html" + (f"#{parts.fragment}" if parts.fragment else "")
            return f'{attribute}="{html.escape(new)}"'
        local = (source_dir / unquote(parts.path)).resolve()
        if local.exists() and root.resolve() in local.parents:
            linked.add(local)
        return match.group(0)

    return re.sub(r'\b(href|src)="([^"]*)"', fix, page), linked


def _exporter() -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="mgedu_page",
        embed_images=True,
        exclude_anchor_links=False,
        theme="light",
    )


def _page_resources(nb: Any, name: str, nav: dict[str, Any], notebooks_dir: Path) -> dict[str, Any]:
    css = (TEMPLATES / "site.css").read_text(encoding="utf-8")
    return {
        "metadata": {"name": nb.metadata.get("title", name), "path": str(notebooks_dir)},
        "mgedu": {"css": css, "footer": FOOTER, **nav},
    }


def build_site(out: Path, notebooks_dir: Path = REPO / "notebooks", execute: bool = True, jobs: int = 2) -> list[Path]:
    """Build the site into ``out`` (emptied first); return the pages written (index first).

    Pages go to ``out/notebooks/<name>.html`` so that relative links written in the notebooks
    (``../seeds/...``) still resolve: linked repository files are copied to the same place in ``out``.
    """
    import nbformat
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    paths = sorted(notebooks_dir.glob("*.ipynb"))
    if not paths:
        raise ValueError(f"notebooks_dir must contain notebooks, found none in {notebooks_dir}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if execute:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            notebooks = [nbformat.reads(text, as_version=4) for text in pool.map(_execute, map(str, paths))]
    else:
        notebooks = [nbformat.read(path, as_version=4) for path in paths]
    summaries = [
        notebook_summary(nb) | {"file": p.name, "href": f"notebooks/{p.stem}.html"}
        for p, nb in zip(paths, notebooks, strict=True)
    ]
    if out.exists():
        shutil.rmtree(out)
    (out / "notebooks").mkdir(parents=True)
    exporter, names, linked = _exporter(), {p.name for p in paths}, set()
    pages = []
    for i, (path, nb) in enumerate(zip(paths, notebooks, strict=True)):
        embed_widget_snapshots(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = render_math(cell.source)
        nb.metadata["title"] = summaries[i]["title"] or path.stem
        nav = {
            "index_href": "../index.html",
            "binder_url": binder_url(REPO / "README.md", path.name),
            "previous": _nav(summaries, i - 1),
            "next": _nav(summaries, i + 1),
        }
        resources = _page_resources(nb, path.stem, nav, notebooks_dir)
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        body, files = rewrite_links(colab_badges_as_text(accessible_tables(body)), names, notebooks_dir, REPO)
        linked |= files
        pages.append(out / "notebooks" / f"{path.stem}.html")
        pages[-1].write_text(body, encoding="utf-8")
    for source in sorted(linked):
        target = out / source.relative_to(REPO.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    index = env.get_template("workbook_map.html.j2").render(
        notebooks=summaries,
        css=(TEMPLATES / "site.css").read_text(encoding="utf-8"),
        footer=FOOTER,
        binder_url=binder_url(REPO / "README.md", paths[0].name),
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    return [out / "index.html", *pages]


def _nav(summaries: list[dict[str, Any]], i: int) -> dict[str, str] | None:
    if 0 <= i < len(summaries):
        return {"href": Path(summaries[i]["href"]).name, "title": summaries[i]["title"]}
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tools.site", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "_build" / "html", help="output folder (emptied)")
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks", help="folder of notebooks")
    parser.add_argument(
        "--no-execute", action="store_true", help="use the stored outputs (faster; explorers then show a placeholder)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed in parallel")
    args = parser.parse_args(argv)
    try:
        pages = build_site(args.out, args.notebooks, execute=not args.no_execute, jobs=args.jobs)
    except (ValueError, RuntimeError) as exc:
        print(f"site not built: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(pages)} pages; open {pages[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
