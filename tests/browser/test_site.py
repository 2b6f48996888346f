"""The static site (``make html``): built into a temporary folder, checked as files and in Chromium.

The build executes every notebook (as ``make html`` does), so the module is marked ``slow``; the
in-browser check is also marked ``browser``. Every page must exist and be linked from the index, load
with the network blocked, show every image with non-empty alt text, fetch nothing from the network, and
have no broken internal link (file or #fragment); every explorer must appear as a static snapshot
with its readout.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from browser_harness import ARTIFACTS
from bs4 import BeautifulSoup

from tools.site import build_site

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
RESOURCE_ATTRIBUTES = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built as ``make html`` builds it (notebooks executed), in a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "html"
    build_site(out)
    return out


def site_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def soup_of(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.scheme not in ("file", "data")) or bool(parts.netloc)


def test_index_links_one_page_per_notebook(site: Path) -> None:
    index = soup_of(site / "index.html")
    linked = {a["href"] for a in index.select("ol.mgedu-notebooks a[href]")}
    expected = {f"notebooks/{nb.stem}.html" for nb in NOTEBOOKS}
    assert linked == expected
    for href in expected:
        assert (site / href).is_file(), href
    # The map shows each notebook's title, hook and objectives, read from the notebook itself.
    for entry in index.select("ol.mgedu-notebooks > li"):
        assert entry.find("h3").get_text(strip=True), entry
        assert entry.find("p") is not None, f"no hook under {entry.find('h3').get_text(strip=True)}"


def test_pages_are_labelled_documents(site: Path) -> None:
    for page in site_pages(site):
        soup = soup_of(page)
        assert soup.html.get("lang") == "en", page.name
        assert soup.title and soup.title.get_text(strip=True), f"{page.name}: no <title>"
        assert len(soup.find_all("h1")) == 1, f"{page.name}: {len(soup.find_all('h1'))} h1 elements"
        assert soup.find("main"), f"{page.name}: no <main> landmark"


def test_every_image_has_alt_text(site: Path) -> None:
    missing = []
    for page in site_pages(site):
        for img in soup_of(page).find_all("img"):
            if not (img.get("alt") or "").strip():
                missing.append(f"{page.relative_to(site)}: <img src={img.get('src', '')[:40]!r}...>")
    assert not missing, "images without alt text:\n" + "\n".join(missing)


def test_nothing_is_fetched_from_the_network(site: Path) -> None:
    fetched = []
    for page in site_pages(site):
        soup = soup_of(page)
        for tag, attribute in RESOURCE_ATTRIBUTES.items():
            for element in soup.find_all(tag):
                url = element.get(attribute) or ""
                if is_external(url):
                    fetched.append(f"{page.relative_to(site)}: <{tag} {attribute}={url}>")
        for style in soup.find_all("style"):
            if "@import" in style.get_text():
                fetched.append(f"{page.relative_to(site)}: @import in a <style>")
    assert not fetched, "pages would load resources from the network:\n" + "\n".join(fetched)


def test_internal_links_resolve(site: Path) -> None:
    ids: dict[Path, set[str]] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = {e["id"] for e in soup_of(page).find_all(id=True)}
        return ids[page]

    broken = []
    for page in site_pages(site):
        for a in soup_of(page).find_all("a", href=True):
            href = a["href"]
            if is_external(href) or href.startswith("mailto:"):
                continue
            parts = urlsplit(href)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {href} (no such file)")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and parts.fragment not in ids_of(target)
                and unquote(parts.fragment) not in ids_of(target)
            ):
                broken.append(f"{page.relative_to(site)}: {href} (no such anchor)")
            elif site.resolve() not in target.parents and target != site.resolve():
                broken.append(f"{page.relative_to(site)}: {href} (outside the site)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_explorers_appear_as_snapshots_with_their_readout(site: Path) -> None:
    for notebook in NOTEBOOKS:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        widget_cells = sum(1 for c in cells if "nbval-ignore-output" in c.get("metadata", {}).get("tags", ()))
        soup = soup_of(site / "notebooks" / f"{notebook.stem}.html")
        snapshots = soup.select(".mgedu-snapshot")
        assert len(snapshots) >= widget_cells, (
            f"{notebook.name}: {widget_cells} widget cells, {len(snapshots)} explorer snapshots"
        )
        for snapshot in snapshots:
            readout = snapshot.select_one(".mgedu-readout")
            assert readout is not None and readout.get_text(strip=True), (
                f"{notebook.name}: an explorer snapshot without its readout"
            )
            assert not snapshot.select("script"), f"{notebook.name}: a snapshot needs no script"


def test_formulas_are_drawn_not_left_as_tex(site: Path) -> None:
    raw = []
    for page in site_pages(site):
        for block in soup_of(page).select(".jp-RenderedMarkdown"):
            text = block.get_text()
            if "$$" in text or re.search(r"\\(frac|text|mathrm|sqrt|dfrac)\b", text) or block.select(".mgedu-tex"):
                raw.append(f"{page.relative_to(site)}: {text.strip()[:120]!r}")
    assert not raw, "TeX left undrawn (mathtext could not draw it; simplify the formula):\n" + "\n".join(raw)
    for page in site_pages(site):
        for formula in soup_of(page).select("img.mgedu-math"):
            assert formula["alt"].startswith("Formula: ") and len(formula["alt"]) > len("Formula: ")


def test_solutions_are_folded(site: Path) -> None:
    for notebook in NOTEBOOKS:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        hidden = sum(1 for c in cells if c.get("metadata", {}).get("jupyter", {}).get("source_hidden"))
        page = soup_of(site / "notebooks" / f"{notebook.stem}.html")
        folded = page.select("details.mgedu-folded")
        assert len(folded) == hidden, f"{notebook.name}: {hidden} hidden cells, {len(folded)} folded"
        solutions = sum(1 for c in cells if "solution" in c.get("metadata", {}).get("tags", []))
        closed = [
            d
            for d in page.select("details:not(.mgedu-folded)")
            if not d.has_attr("open")
            and d.summary
            and d.summary.get_text().startswith(("Solution to exercise", "Solution to question"))
        ]
        assert len(closed) == solutions, f"{notebook.name}: {solutions} solutions, {len(closed)} closed on the page"


# ----------------------------------------------------------------------------- in a real browser
@pytest.fixture(scope="module")
def chromium_for_site(chromium: Any) -> Any:
    """The session's Chromium (tests/browser/conftest.py): one Playwright per process, as its sync API needs."""
    return chromium


PAGE_CHECK_JS = """() => ({
  images: [...document.images].map(img => ({src: img.src.slice(0, 60), alt: img.getAttribute('alt') || '',
                                             loaded: img.complete && img.naturalWidth > 0})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  title: document.title,
  mainText: (document.querySelector('main')?.innerText || '').length,
})"""


@pytest.mark.browser
def test_pages_in_chromium(site: Path, chromium_for_site: Any) -> None:
    context = chromium_for_site.browser.new_context(viewport={"width": 1100, "height": 900})
    network: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            network.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    problems = []
    shots = ARTIFACTS / "screenshots" / "site"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        for html_page in site_pages(site):
            name = str(html_page.relative_to(site))
            response = page.goto(html_page.as_uri(), wait_until="load")
            assert response is None or response.ok, f"{name} did not load"
            page.screenshot(path=str(shots / f"{html_page.stem}.png"), full_page=html_page.stem == "index")
            found = page.evaluate(PAGE_CHECK_JS)
            if not found["title"] or found["mainText"] < 50:
                problems.append(f"{name}: empty page (title {found['title']!r})")
            for image in found["images"]:
                if not image["alt"].strip():
                    problems.append(f"{name}: image without alt text ({image['src']}...)")
                if not image["loaded"]:
                    problems.append(f"{name}: image did not load ({image['src']}...)")
            for link in found["links"]:
                parts = urlsplit(link)
                if parts.scheme == "file":
                    target = Path(unquote(parts.path))
                    if not target.exists():
                        problems.append(f"{name}: broken link {link}")
                    elif parts.fragment and target.suffix == ".html" and target == html_page:
                        exists = page.evaluate(
                            "f => !!document.getElementById(f)", unquote(parts.fragment)
                        ) or page.evaluate("f => !!document.getElementById(f)", parts.fragment)
                        if not exists:
                            problems.append(f"{name}: link to a missing anchor #{parts.fragment}")
    finally:
        context.close()
    assert not network, "the site asked for network resources:\n" + "\n".join(sorted(set(network)))
    assert not errors, "JavaScript errors:\n" + "\n".join(errors)
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_pages_have_no_serious_accessibility_violations(site: Path, chromium_for_site: Any) -> None:
    """axe-core (WCAG 2.1 A and AA) on every page: no serious or critical violation."""
    from axe import axe_missing_reason, describe, run_axe, serious

    reason = axe_missing_reason()
    if reason:
        pytest.skip(reason)
    context = chromium_for_site.browser.new_context(viewport={"width": 1366, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = context.new_page()
    found = {}
    try:
        for html_page in site_pages(site):
            page.goto(html_page.as_uri(), wait_until="load")
            rows = serious(run_axe(page))
            if rows:
                found[str(html_page.relative_to(site))] = rows
    finally:
        context.close()
    assert not found, "axe violations (serious or critical):\n" + "\n".join(
        f"{name}:\n{describe(rows)}" for name, rows in found.items()
    )
