"""The package map in CONTRIBUTING.md is complete and true, and the code follows the house rules it states.

The map's two tables (layers, and one row per module) are read here and every ``import`` of an mgedu
module in ``mgedu/`` and ``tools/`` (at the top of a file or inside a function) is checked against
them: a domain module that imports a widget, or a learner module that imports a maintainer tool,
fails here.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTRIBUTING = REPO / "CONTRIBUTING.md"
BARE_BOOLEANS = {"True", "False", "np.True_", "np.False_"}


def _table_rows(heading: str) -> list[list[str]]:
    """Rows (cells stripped of backticks) of the first Markdown table whose header starts with ``heading``."""
    lines = CONTRIBUTING.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def layers() -> dict[str, set[str]]:
    """Layer -> the layers it may import, from the map ("anything" spelled out)."""
    rows = _table_rows("| layer | what it holds | may import |")
    names = [row[0] for row in rows]
    allowed = {}
    for name, _, may in rows:
        if may.startswith("anything in"):
            allowed[name] = set(names) - {"tools"}
        elif may == "anything":
            allowed[name] = set(names)
        else:
            allowed[name] = {part.strip() for part in may.split(",")}
    return allowed


def module_rows() -> dict[str, tuple[str, str]]:
    """Module path -> (layer, may import), from the map."""
    return {row[0]: (row[1], row[2]) for row in _table_rows("| module | layer | may import | job |")}


def python_files() -> list[str]:
    return sorted(str(p.relative_to(REPO)) for folder in ("mgedu", "tools") for p in (REPO / folder).rglob("*.py"))


def module_name(path: str) -> str:
    name = path.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def imported_modules(path: str, source: str | None = None) -> set[str]:
    """Every mgedu/tools module a file imports, anywhere in the file (resolved to a file in the map)."""
    known = {module_name(p): p for p in python_files()}
    found = set()
    text = (REPO / path).read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.split(".")[0] in ("mgedu", "tools") and name in known:
                found.add(known[name])
    return found - {path}


def test_every_module_is_on_the_map_once():
    rows = module_rows()
    assert sorted(rows) == python_files(), "CONTRIBUTING.md's package map must list every module, and only those"


def test_each_row_states_what_its_layer_may_import():
    allowed = layers()
    for path, (layer, may) in module_rows().items():
        assert layer in allowed, f"{path}: unknown layer {layer!r}"
        stated = (
            set(allowed) - {"tools"}
            if may.startswith("anything in")
            else (set(allowed) if may == "anything" else {part.strip() for part in may.split(",")})
        )
        assert stated == allowed[layer], f"{path}: 'may import' says {may!r}, the {layer} layer allows {allowed[layer]}"


def test_imports_follow_the_layers():
    allowed = layers()
    rows = module_rows()
    broken = []
    for path, (layer, _) in rows.items():
        for target in sorted(imported_modules(path)):
            if rows[target][0] not in allowed[layer]:
                broken.append(f"{path} ({layer}) imports {target} ({rows[target][0]})")
    assert not broken, "imports that break the package map:\n" + "\n".join(broken)


def test_the_import_scan_sees_imports_inside_functions():
    # The layer check must be able to fail: an import hidden in a function body is still seen.
    source = "def _probe():\n    from mgedu.widgets.doses import make_label_reader\n    import tools.site\n"
    assert imported_modules("mgedu/doses.py", source) == {"mgedu/widgets/doses.py", "tools/site.py"}


CHECKING_CALLS = {
    "startswith",
    "endswith",
    "all",
    "any",
    "exists",
    "is_file",
    "equals",
    "isna",
    "notna",
    "issubset",
    "issuperset",
    "bool",
    "isinstance",
    "callable",
}


def hides_its_value(source: str) -> bool:
    """Whether a doctest line checks a value instead of showing it: a comparison, a boolean operator, or a
    call such as ``text.startswith(...)`` / ``frame.all()``. A predicate (``is_effect_claim(...)``) shows
    its own result and is fine."""
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return False
    if isinstance(node, ast.Compare | ast.BoolOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return True
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        return name in CHECKING_CALLS
    return False


def test_doctests_show_results_not_a_bare_boolean():
    finder = doctest.DocTestFinder()
    bare = []
    for path in python_files():
        if path.endswith("__main__.py"):
            continue
        module = importlib.import_module(module_name(path))
        for test in finder.find(module):
            for example in test.examples:
                if example.want.strip() in BARE_BOOLEANS and hides_its_value(example.source):
                    bare.append(f"{path}: {test.name}: {example.source.strip()}")
    assert not bare, "doctests should show the value they check, not True/False:\n" + "\n".join(bare)


def test_the_bare_boolean_check_tells_a_check_from_a_predicate():
    assert hides_its_value('text.startswith("S003")') and hides_its_value("a == b") and hides_its_value("x in y")
    assert hides_its_value("(frame.n > 0).all()") and hides_its_value("not done")
    assert not hides_its_value('is_effect_claim("efficacy")') and not hides_its_value("text[:5]")


def test_no_module_is_named_like_a_grab_bag():
    assert not [p for p in python_files() if re.search(r"(^|/)(utils?|helpers?|misc|common)\.py$", p)]
