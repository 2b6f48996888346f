"""Accessibility of the workbook, checked on every notebook and every explorer factory.

- Every figure in every notebook carries alt text (output metadata ``image/*.alt``, what the
  house :func:`mgedu.plots.show` writes), and markdown images have alt text too.
- Headings form an outline: one ``#`` title, first, and no level skipped going down (## then ####).
- Link text says where it goes (never "click here").
- Every explorer factory in ``mgedu/widgets/`` builds controls that each have a description (their
  label) and a plain-text readout, equal to its pure ``describe`` function's sentence.
- Colours: the palette is Okabe-Ito's colour-blind safe set, and plotting code uses only those
  colours, neutral greys, black or white.
"""

from __future__ import annotations

import ast
import html
import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
VAGUE_LINK_TEXT = {"here", "click here", "this", "link", "this link", "read more", "more"}
MIN_ALT_WORDS = 4


def markdown_tokens(source: str) -> list[dict[str, Any]]:
    import mistune

    return mistune.create_markdown(renderer=None)(source)


def walk(tokens: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for token in tokens:
        yield token
        yield from walk(token.get("children") or [])


def token_text(token: dict[str, Any]) -> str:
    return "".join(t.get("raw", "") for t in walk(token.get("children") or [])).strip()


def read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_has_alt_text(notebook: Path) -> None:
    problems = []
    for i, cell in enumerate(read(notebook).cells):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                for mime in IMAGE_MIMES:
                    if mime in output.get("data", {}):
                        alt = ((output.get("metadata") or {}).get(mime) or {}).get("alt", "")
                        if len(alt.split()) < MIN_ALT_WORDS:
                            problems.append(
                                f"cell {i}: {mime} output with alt text {alt!r} (display it with "
                                "mgedu.plots.show and describe the figure in words)"
                            )
        elif cell.cell_type == "markdown":
            for token in walk(markdown_tokens(cell.source)):
                if token["type"] == "image" and not token_text(token):
                    problems.append(f"cell {i}: markdown image {token['attrs'].get('url')} has no alt text")
                if token["type"] in ("block_html", "inline_html"):
                    for tag in re.findall(r"<img\b[^>]*>", token.get("raw", ""), flags=re.IGNORECASE):
                        alt = re.search(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*')", tag)
                        if not alt or not alt.group(1).strip("\"' "):
                            problems.append(f"cell {i}: {tag} has no alt text")
    assert not problems, f"{notebook.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_headings_form_an_outline(notebook: Path) -> None:
    headings = []  # (cell index, level, text)
    for i, cell in enumerate(read(notebook).cells):
        if cell.cell_type != "markdown":
            continue
        for token in walk(markdown_tokens(cell.source)):
            if token["type"] == "heading":
                headings.append((i, token["attrs"]["level"], token_text(token)))
            elif token["type"] in ("block_html", "inline_html"):
                levels = re.findall(r"<h([1-6])\b", token.get("raw", ""), flags=re.IGNORECASE)
                headings += [(i, int(level), "<html heading>") for level in levels]
    assert headings, f"{notebook.name} has no headings"
    titles = [h for h in headings if h[1] == 1]
    assert len(titles) == 1 and headings[0][1] == 1, (
        f"{notebook.name}: the first heading must be the only level-1 heading (the title); found {titles}"
    )
    skipped = [
        f"cell {i}: '{text}' is level {level} after level {previous}"
        for (_, previous, _), (i, level, text) in zip(headings, headings[1:], strict=False)
        if level > previous + 1
    ]
    assert not skipped, f"{notebook.name}: skipped heading levels:\n" + "\n".join(skipped)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_link_text_says_where_it_goes(notebook: Path) -> None:
    vague = []
    for i, cell in enumerate(read(notebook).cells):
        if cell.cell_type == "markdown":
            for token in walk(markdown_tokens(cell.source)):
                if token["type"] == "link":
                    text = token_text(token).lower().strip(" .:")
                    if not text or text in VAGUE_LINK_TEXT:
                        vague.append(f"cell {i}: [{token_text(token)}]({token['attrs'].get('url')})")
    assert not vague, f"{notebook.name}: links whose text does not say where they go:\n" + "\n".join(vague)


# ----------------------------------------------------------------------------- explorers
def factories() -> list[tuple[str, Any]]:
    """Every ``make_*`` function defined in a module of :mod:`mgedu.widgets`."""
    import mgedu.widgets

    found = []
    for info in pkgutil.iter_modules(mgedu.widgets.__path__):
        module = importlib.import_module(f"mgedu.widgets.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("make_") and function.__module__ == module.__name__:
                found.append((f"{module.__name__}.{name}", function))
    return found


def _notebook_explorers() -> Any:
    """tests/browser/notebook_explorers.py, loaded by path (tests/ is not a package)."""
    if "notebook_explorers" in sys.modules:
        return sys.modules["notebook_explorers"]
    spec = importlib.util.spec_from_file_location(
        "notebook_explorers", Path(__file__).parent / "browser" / "notebook_explorers.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def build_explorers(qualified: str, factory: Any) -> list[Any]:
    """The factory's explorer with default arguments, or (when it needs arguments) the explorers
    the notebooks build with it."""
    needs = [
        p
        for p in inspect.signature(factory).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if not needs:
        return [factory()]
    helper = _notebook_explorers()
    built = []
    for notebook in NOTEBOOKS:
        if factory.__name__ in notebook.read_text(encoding="utf-8"):
            built += helper.notebook_explorers(notebook)
    name = factory.__name__.removeprefix("make_").replace("_", "-")
    matching = [e for e in built if any(name in c for c in e._dom_classes)] or built
    assert matching, f"{qualified} needs arguments {[p.name for p in needs]} and no notebook builds it"
    return matching


FACTORIES = factories()


@pytest.mark.parametrize(("qualified", "factory"), FACTORIES, ids=[q for q, _ in FACTORIES])
def test_explorer_controls_are_labelled_and_it_has_a_readout(qualified: str, factory: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    for explorer in build_explorers(qualified, factory):
        classes = list(explorer._dom_classes)
        assert "mgedu-explorer" in classes and len(classes) >= 2, (
            f"{qualified}: build the box with mgedu.widgets.make_explorer (classes {classes})"
        )
        assert explorer.controls, f"{qualified}: an explorer needs at least one control"
        unlabelled = [
            key for key, control in explorer.controls.items() if not (getattr(control, "description", "") or "").strip()
        ]
        assert not unlabelled, (
            f"{qualified}: controls {unlabelled} have no description, so screen readers "
            "and students see an unnamed control"
        )
        sliders = [
            key
            for key, control in explorer.controls.items()
            if "Slider" in type(control).__name__ and control.continuous_update
        ]
        assert not sliders, f"{qualified}: sliders {sliders} need continuous_update=False"
        readout = explorer.readout
        assert "mgedu-readout" in readout._dom_classes, f"{qualified}: the readout lacks class mgedu-readout"
        text = html.unescape(readout.value)
        assert text.strip(), f"{qualified}: the readout is empty"
        assert text == explorer.describe(**explorer.values()), (
            f"{qualified}: the readout differs from describe(**values()), the pure function"
        )


def test_every_factory_is_found() -> None:
    assert FACTORIES or not list((REPO / "mgedu" / "widgets").glob("[!_]*.py")), "no make_* factory found"


# ----------------------------------------------------------------------------- colours
def allowed_colour(value: str) -> bool:
    """Okabe-Ito, a neutral grey (equal RGB), black, white, 'none', or a palette cycle entry 'C0'."""
    from mgedu.plots import OKABE_ITO

    value = value.strip().lower()
    named = {"black", "white", "none", "k", "w", "grey", "gray"}
    if value in {c.lower() for c in OKABE_ITO.values()} | named:
        return True
    if re.fullmatch(r"c\d", value) or re.fullmatch(r"0?\.\d+|[01](\.0*)?", value):
        return True  # the house colour cycle, or a matplotlib grey level
    hexa = re.fullmatch(r"#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?", value)
    return bool(hexa) and hexa.group(1) == hexa.group(2) == hexa.group(3)


def test_palette_is_okabe_ito() -> None:
    from mgedu.plots import OKABE_ITO, PALETTE, VERDICT_COLOURS

    assert OKABE_ITO == {
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
        "black": "#000000",
    }
    assert all(allowed_colour(c) for c in PALETTE), PALETTE
    assert all(allowed_colour(c) for c in VERDICT_COLOURS.values()), VERDICT_COLOURS
    assert len(set(VERDICT_COLOURS.values())) == len(VERDICT_COLOURS), "two verdicts share a colour"


COLOUR_KEYWORDS = {
    "color",
    "colors",
    "c",
    "facecolor",
    "edgecolor",
    "fc",
    "ec",
    "markerfacecolor",
    "markeredgecolor",
    "mfc",
    "mec",
    "linecolor",
}
SAFE_COLORMAPS = {
    "viridis",
    "cividis",
    "magma",
    "inferno",
    "plasma",
    "greys",
    "gray",
    "binary",
    "blues",
    "oranges",
    "puor",
}


def test_plotting_code_uses_only_safe_colours() -> None:
    problems = []
    for path in sorted((REPO / "mgedu").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", node.value)
                and not allowed_colour(node.value)
            ):
                problems.append(f"{path.relative_to(REPO)}:{node.lineno}: colour {node.value}")
            if (
                isinstance(node, ast.keyword)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                if (
                    node.arg in COLOUR_KEYWORDS
                    and not node.value.value.startswith("#")
                    and not allowed_colour(node.value.value)
                ):
                    where = f"{path.relative_to(REPO)}:{node.lineno}"
                    problems.append(f"{where}: {node.arg}={node.value.value!r}")
                if node.arg == "cmap" and node.value.value.lower().removesuffix("_r") not in SAFE_COLORMAPS:
                    problems.append(f"{path.relative_to(REPO)}:{node.lineno}: cmap={node.value.value!r}")
    assert not problems, (
        "colours outside Okabe-Ito, greys, black and white (use mgedu.plots.OKABE_ITO "
        "or PALETTE):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_metadata_is_stored_as_jupyterlab_writes_it(notebook: Path) -> None:
    """Opening a notebook must not mark it modified: JupyterLab copies the kernel's language_info
    (with its version) into the notebook and adds ``collapsed`` to cells with hidden outputs."""
    import copy

    from tools.refresh import normalise_metadata

    nb = read(notebook)
    expected = normalise_metadata(copy.deepcopy(nb))
    assert nb.metadata == expected.metadata, (
        f"{notebook.name}: run `python -m tools.refresh --metadata-only {notebook.relative_to(REPO)}`"
    )
    for i, (cell, want) in enumerate(zip(nb.cells, expected.cells, strict=True)):
        assert cell.metadata == want.metadata, f"{notebook.name} cell {i}: collapsed flag missing"
