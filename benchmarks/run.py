"""The speed budget: measure it, publish it (markdown + JSON), and say clearly which targets are missed.

Run with ``make bench`` (or ``python benchmarks/run.py [--quick] [--only NAME ...]``). Every figure is a
median over repeated runs in one process tree. Benchmarks are not tests: a noisy machine never fails CI,
but the table printed at the end marks each figure PASS or MISS against its target.

Sections: import, data, widgets, simulator, notebooks, browser, suite, footprint. ``--baseline COMMIT``
also times the widgets, notebooks and browser sections for an older commit, first, in the same run, and
adds a before/after table (``make bench`` compares with the commit in ``benchmarks/BASELINE``).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.metadata as metadata
import inspect
import io
import json
import os
import pkgutil
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "benchmarks"
#: The notebooks timed (another commit's copy when ``--baseline`` runs this script for that commit).
NOTEBOOKS = Path(os.environ.get("MGEDU_BENCH_NOTEBOOKS", REPO / "notebooks"))
HEAVY = ("pandas", "numpy", "matplotlib", "statsmodels", "scipy", "ipywidgets")
DESIGN_CARD = ("jupyterlab", "matplotlib", "ipywidgets", "nbval", "pandas")


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))])


# --- import ------------------------------------------------------------------------------------------


def bench_import(repeats: int = 7) -> dict[str, Any]:
    """`python -X importtime -c "import mgedu"`: cumulative microseconds of the mgedu line, median."""
    totals = []
    for _ in range(repeats):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import mgedu"], capture_output=True, text=True, check=True
        )
        for line in result.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == "mgedu":
                totals.append(int(parts[1]) / 1000)
    probe = subprocess.run(
        [sys.executable, "-c", f"import sys, mgedu; print([m for m in {HEAVY!r} if m in sys.modules])"],
        capture_output=True,
        text=True,
        check=True,
    )
    heavy = ast.literal_eval(probe.stdout.strip())
    return {"import_ms": median(totals), "heavy_modules_at_import": heavy}


# --- data ----------------------------------------------------------------------------------------------


def bench_data(repeats: int = 5) -> dict[str, Any]:
    """Load and validate every seed and data table: cold (fresh process) and cached (second call)."""
    code = (
        "import time, mgedu, mgedu.catalog as c, mgedu.tables as t\n"
        "t0 = time.perf_counter()\n"
        "mgedu.load_documents(); mgedu.load_claims(); mgedu.load_studies(); problems = mgedu.validate()\n"
        "t1 = time.perf_counter()\n"
        "mgedu.load_documents(); mgedu.load_claims(); mgedu.load_studies()\n"
        "t2 = time.perf_counter()\n"
        "print((t1 - t0) * 1000, (t2 - t1) * 1000, len(problems))\n"
    )
    cold, cached = [], []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        cold.append(float(out[0]))
        cached.append(float(out[1]))
    return {"data_cold_ms": median(cold), "data_cached_ms": median(cached)}


# --- widgets -------------------------------------------------------------------------------------------


def explorer_factories() -> list[tuple[str, Any]]:
    """Every ``make_*`` factory in ``mgedu.widgets.<domain>`` modules."""
    import mgedu.widgets as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"mgedu.widgets.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("make_") and obj.__module__ == module.__name__:
                found.append((f"{info.name}.{name}", obj))
    return sorted(found, key=lambda item: item[0])


def alternative_values(control: Any) -> list[Any]:
    """Two values to alternate a control between (the current one and a different valid one)."""
    import ipywidgets as w

    value = control.value
    if isinstance(control, (w.Dropdown, w.RadioButtons, w.ToggleButtons, w.Select)):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        other = next((o for o in options if o != value), value)
        return [other, value]
    if isinstance(control, (w.Checkbox, w.ToggleButton)):
        return [not value, value]
    if isinstance(control, (w.IntSlider, w.FloatSlider, w.BoundedIntText, w.BoundedFloatText, w.FloatLogSlider)):
        step = getattr(control, "step", 1) or 1
        other = value + step if value + step <= control.max else value - step
        return [other, value]
    if isinstance(control, (w.IntText, w.FloatText)):
        return [value + 1, value]
    return []


def fresh_line_figure_ms(repeats: int = 15, cpu: list[float] | None = None) -> float:
    """The yardstick: a fresh simple line figure (6 x 3.5 in, title and axis labels) drawn to PNG with Agg.

    Returns the median wall time; ``cpu``, if given, receives each run's CPU time (``time.process_time``)."""
    import numpy as np
    from matplotlib.figure import Figure

    x = np.linspace(0, 10, 200)
    times = []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        fig = Figure(figsize=(6, 3.5))
        ax = fig.add_subplot()
        ax.plot(x, np.sin(x))
        ax.set(title="A line", xlabel="x (units)", ylabel="y (units)")
        fig.savefig(io.BytesIO(), format="png", dpi=80)
        times.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_start) * 1000)
    return median(times)


def wait_for_figure(explorer: Any) -> None:
    """Let an explorer's deferred figure update finish (explorers without the hook draw at once)."""
    flush = getattr(explorer, "flush", None)
    if flush is not None:
        flush()


def bench_widgets(repeats: int = 15) -> dict[str, Any]:
    """Time from a control change to readout and figure updated, driving widget objects in-process (Agg),
    and the time to draw a fresh simple line figure to PNG in the same process (the yardstick).

    Wall time is what a learner waits; CPU time (``time.process_time``) is reported beside it because on
    a shared, loaded machine the wall time mostly measures the queue for a core."""
    import matplotlib

    matplotlib.use("Agg")
    from mgedu.plots import use_style

    use_style()
    fresh_cpu: list[float] = []
    fresh_ms = fresh_line_figure_ms(cpu=fresh_cpu)
    results = {}
    for name, factory in explorer_factories():
        with redirect_stdout(io.StringIO()):
            explorer = factory()
        timings, cpu = [], []
        for control in explorer.controls.values():
            values = alternative_values(control)
            if not values:
                continue
            for i in range(repeats):
                target = values[i % 2]
                start, cpu_start = time.perf_counter(), time.process_time()
                with redirect_stdout(io.StringIO()):
                    control.value = target
                    wait_for_figure(explorer)
                timings.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - cpu_start) * 1000)
        if timings:
            results[name] = {
                "median_ms": median(timings),
                "p95_ms": p95(timings),
                "n": len(timings),
                "ratio_to_fresh_figure": median(timings) / fresh_ms,
                "cpu_median_ms": median(cpu),
                "cpu_p95_ms": p95(cpu),
                "cpu_ratio_to_fresh_figure": median(cpu) / median(fresh_cpu),
            }
    return {
        "widgets": results,
        "fresh_line_figure_ms": fresh_ms,
        "fresh_line_figure_cpu_ms": median(fresh_cpu),
        "load_average": list(os.getloadavg()),
    }


# --- simulator -----------------------------------------------------------------------------------------


def bench_simulator() -> dict[str, Any]:
    """10,000 trials x 2 arms x 100 patients (benchmarks/simulator.py)."""
    sys.path.insert(0, str(OUT_DIR))
    try:
        import simulator  # type: ignore[import-not-found]
    except ImportError:
        return {"simulator": "benchmarks/simulator.py not found"}
    return {"simulator": simulator.run()}


# --- notebooks -----------------------------------------------------------------------------------------


def notebook_imports(paths: list[Path]) -> list[str]:
    """Every import statement in the notebooks' code cells (the floor notebook runs exactly these)."""
    import nbformat

    lines: set[str] = set()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    lines.add(ast.unparse(node))
    return sorted(lines)


def run_notebook(nb: Any, cwd: Path) -> None:
    """Execute ``nb`` in place in a fresh kernel, in ``cwd``."""
    try:
        from mgedu.classroom.kernels import notebook_client
    except ImportError:  # before the kernels module moved (an older commit timed with --baseline)
        from mgedu.kernels import notebook_client  # type: ignore[no-redef]

    notebook_client(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()


def execute_seconds(nb: Any, cwd: Path) -> float:
    start = time.perf_counter()
    run_notebook(nb, cwd)
    return time.perf_counter() - start


#: Printed by a cell added at the end of a copy of a notebook: every module loaded by then.
_MODULES_MARK = "MGEDU-BENCH-MODULES "


def loaded_modules(nb: Any, cwd: Path) -> set[str]:
    """The modules a notebook's kernel has loaded once every cell has run (a copy is run, with one cell more)."""
    import nbformat

    copy = nbformat.from_dict(nb)
    copy.cells.append(
        nbformat.v4.new_code_cell(
            f"import json as _j, sys as _s\nprint({_MODULES_MARK!r} + _j.dumps(sorted(_s.modules)))"
        )
    )
    run_notebook(copy, cwd)
    for output in copy.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if text.startswith(_MODULES_MARK):
            return set(json.loads(text[len(_MODULES_MARK) :]))
    raise RuntimeError("the module list was not printed")


def libraries_floor(floor_source: str, modules: set[str]) -> str:
    """The floor's imports, then ``modules`` imported one by one (the libraries mgedu loads only when a
    figure, an explorer or a statistic needs them: Matplotlib, ipywidgets, SciPy, statsmodels...)."""
    names = sorted(m for m in modules if m.split(".")[0] != "mgedu" and not m.startswith("__"))
    return (
        floor_source
        + "\nimport importlib as _importlib\n"
        + f"for _name in {names!r}:\n"
        + "    try:\n        _importlib.import_module(_name)\n    except Exception:\n        pass\n"
    )


def bench_notebooks(repeats: int = 3) -> dict[str, Any]:
    """Headless execution time per notebook (fresh kernel each), and its ratio to the floor notebook.

    Each notebook is also timed against a floor of its own that imports, besides the notebooks' imports,
    every module the notebook ends up loading (mgedu imports Matplotlib, ipywidgets and SciPy only when a
    figure, an explorer or a statistic needs them, so the plain floor leaves them out): the time over it
    is mgedu's own work in that notebook (drawing each figure once, building tables and explorers)."""
    import nbformat

    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    floor_source = "\n".join(notebook_imports(paths))
    floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(floor_source)])
    floor_modules = loaded_modules(nbformat.from_dict(floor), NOTEBOOKS)
    own_floors = {
        path.stem: nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(
                    libraries_floor(
                        floor_source, loaded_modules(nbformat.read(path, as_version=4), path.parent) - floor_modules
                    )
                )
            ]
        )
        for path in paths
    }
    # Rounds of the floor and then every notebook, not each one's repeats back to back: a passing
    # disturbance of the machine (once, for about 15 s, it tripled three floor runs in a row) then
    # slows one run of several notebooks, and the medians leave it out.
    floor_times: list[float] = []
    times: dict[str, list[float]] = {path.stem: [] for path in paths}
    own_floor_times: dict[str, list[float]] = {path.stem: [] for path in paths}
    for _ in range(repeats):
        floor_times.append(execute_seconds(nbformat.from_dict(floor), NOTEBOOKS))
        for path in paths:
            times[path.stem].append(execute_seconds(nbformat.read(path, as_version=4), path.parent))
            own_floor_times[path.stem].append(execute_seconds(nbformat.from_dict(own_floors[path.stem]), NOTEBOOKS))
    floor_s = median(floor_times)
    notebooks = {
        stem: {
            "seconds": median(seconds),
            "ratio": median(seconds) / floor_s,
            "libraries_floor_seconds": median(own_floor_times[stem]),
            "ratio_to_libraries_floor": median(seconds) / median(own_floor_times[stem]),
        }
        for stem, seconds in times.items()
    }
    return {"floor_seconds": floor_s, "notebooks": notebooks}


# --- browser -----------------------------------------------------------------------------------------


def bench_browser_section() -> dict[str, Any]:
    """Every explorer in JupyterLab in headless Chromium (benchmarks/browser.py)."""
    sys.path.insert(0, str(OUT_DIR))
    import browser  # type: ignore[import-not-found]

    return browser.bench_browser(NOTEBOOKS)


# --- before/after -------------------------------------------------------------------------------------


def run_baseline(ref: str, sections: list[str]) -> dict[str, Any]:
    """Run ``sections`` of this script for commit ``ref``: its ``mgedu`` and notebooks, extracted to a
    temporary folder, come first on the path of this process's children (and of the kernels they start)."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "archive", ref, "mgedu", "notebooks", "seeds"], cwd=REPO, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        out = Path(tmp) / "baseline"
        env = {**os.environ, "PYTHONPATH": str(tree), "MGEDU_BENCH_NOTEBOOKS": str(tree / "notebooks")}
        subprocess.run(
            [sys.executable, __file__, "--only", *sections, "--out", str(out), "--no-table"], env=env, check=True
        )
        return json.loads((out / "results.json").read_text())


# --- test suite ------------------------------------------------------------------------------------------


def bench_suite() -> dict[str, Any]:
    """Wall time of the pytest suite after install: serial, and with two workers (notebooks per worker)."""
    out = {}
    for label, extra in (("serial", []), ("n2_loadfile", ["-n", "2", "--dist", "loadfile"])):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rf", *extra], cwd=REPO, capture_output=True, text=True
        )
        out[f"suite_{label}_seconds"] = time.perf_counter() - start
        lines = result.stdout.strip().splitlines()
        out[f"suite_{label}_result"] = lines[-1] if lines else ""
        out[f"suite_{label}_failed"] = [line for line in lines if line.startswith("FAILED")]
    return out


# --- install footprint -------------------------------------------------------------------------------------


def _dist_size(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        try:
            total += os.path.getsize(dist.locate_file(file))
        except OSError:
            pass
    return total


def _requirements(dist: metadata.Distribution) -> set[str]:
    names = set()
    for req in dist.requires or []:
        if "extra ==" in req:
            continue
        names.add(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def bench_footprint() -> dict[str, Any]:
    """Installed size of the runtime lock, and what each dependency beyond the design card's five adds."""
    locked = {}
    for line in (REPO / "binder" / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#") and "==" in line:
            name = line.split("==")[0].strip().lower().replace("_", "-")
            locked[name] = line.split("==")[1].strip()
    dists = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"].lower().replace("_", "-")
        if name in locked:
            dists[name] = dist
    sizes = {name: _dist_size(d) for name, d in dists.items()}
    graph = {name: _requirements(d) & set(dists) for name, d in dists.items()}

    def closure(roots: set[str]) -> set[str]:
        seen, stack = set(), list(roots)
        while stack:
            node = stack.pop()
            if node in seen or node not in graph:
                continue
            seen.add(node)
            stack.extend(graph[node])
        return seen

    mgedu_deps = _requirements(metadata.distribution("mgedu")) & set(dists)
    extra = sorted(mgedu_deps - set(DESIGN_CARD))
    base = closure(set(DESIGN_CARD) & set(dists))
    added = {}
    for dep in extra:
        beyond = closure({dep}) - base  # what this dependency brings that the design card does not
        added[dep] = {"mb": sum(sizes[n] for n in beyond) / 1e6, "packages": sorted(beyond)}
    return {
        "footprint_mb": sum(sizes.values()) / 1e6,
        "footprint_packages": len(sizes),
        "design_card_closure_mb": sum(sizes[n] for n in base) / 1e6,
        "added_by_dependency": added,
    }


# --- report ------------------------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, met) rows for the table."""
    rows: list[tuple[str, str, str, bool | None]] = []
    if "import_ms" in results:
        rows.append(
            ("import mgedu (-X importtime)", f"{results['import_ms']:.1f} ms", "<= 150 ms", results["import_ms"] <= 150)
        )
        heavy = results["heavy_modules_at_import"]
        rows.append(
            (
                "heavy modules at import",
                ", ".join(heavy) or "none",
                "none of matplotlib, statsmodels, scipy, ipywidgets",
                not set(heavy) & {"matplotlib", "statsmodels", "scipy", "ipywidgets"},
            )
        )
    if "data_cold_ms" in results:
        rows.append(("load + validate all data, cold", f"{results['data_cold_ms']:.0f} ms", "-", None))
        rows.append(("load all data, cached", f"{results['data_cached_ms']:.2f} ms", "-", None))
    if "load_average" in results:
        load = ", ".join(f"{x:.1f}" for x in results["load_average"])
        rows.append(
            (f"machine load average (1, 5, 15 min) after the widgets, {results.get('cpus')} CPUs", load, "-", None)
        )
    fresh = results.get("fresh_line_figure_ms")
    if fresh is not None:
        cpu_text = (
            f" (CPU {results['fresh_line_figure_cpu_ms']:.1f} ms)" if "fresh_line_figure_cpu_ms" in results else ""
        )
        rows.append(("fresh simple line figure to PNG (yardstick)", f"{fresh:.1f} ms{cpu_text}", "-", None))
    for name, w in results.get("widgets", {}).items():
        ratio = w.get("ratio_to_fresh_figure")
        ratio_text = f" = {ratio:.2f} x fresh figure" if ratio is not None else ""
        cpu_text = (
            f"; CPU median {w['cpu_median_ms']:.1f} ms, p95 {w['cpu_p95_ms']:.1f} ms = "
            f"{w['cpu_ratio_to_fresh_figure']:.2f} x"
            if "cpu_median_ms" in w
            else ""
        )
        rows.append(
            (
                f"widget {name} (in-process)",
                f"median {w['median_ms']:.1f} ms, p95 {w['p95_ms']:.1f} ms" + ratio_text + cpu_text,
                "median <= 50 ms and < fresh figure, p95 <= 100 ms",
                w["median_ms"] <= 50 and w["p95_ms"] <= 100 and (ratio is None or ratio < 1),
            )
        )
    browser = results.get("browser", {})
    if isinstance(browser, dict):
        for name, b in browser.items():
            if not isinstance(b, dict):
                continue
            if "error" in b:
                rows.append((f"browser {name}", f"failed: {b['error'][:80]}", "median <= 100 ms, p95 <= 150 ms", False))
                continue
            lost = f", {b['lost_updates']} lost" if b.get("lost_updates") else ""
            if b.get("timed_to_readout_only"):
                lost += f", {b['timed_to_readout_only']} left the figure as it was (timed to the readout)"
            rows.append(
                (
                    f"browser {name}: change -> {b['timed_to']}",
                    f"median {b['median_ms']:.0f} ms, p95 {b['p95_ms']:.0f} ms (n = {b['n']}, "
                    f"blank frames {b['blank_frames']}{lost})",
                    "median <= 100 ms, p95 <= 150 ms",
                    b["median_ms"] <= 100 and b["p95_ms"] <= 150,
                )
            )
            drag = b.get("drag")
            if drag:
                final = drag["final_ms"]
                worst = drag.get("final_max_ms")
                repeats = drag.get("repeats", 1)
                rows.append(
                    (
                        f"browser {name}: drag, 20 steps in 1 s",
                        f"final figure {'never' if final is None else f'{final:.0f} ms'} after the last step"
                        + (f" (median of {repeats} drags, worst {worst:.0f} ms)" if repeats > 1 and worst else "")
                        + f"; at most {drag['stale_after_last_step']} stale reached the page after it"
                        + (
                            f" ({drag['stale_shown_max']} shown after it, counting those already in the page)"
                            if "stale_shown_max" in drag
                            else ""
                        )
                        + f"; {drag['figures_shown']:g} shown per drag",
                        "final <= 150 ms (median), at most 2 stale (in flight)",
                        final is not None
                        and final <= 150
                        and drag["stale_after_last_step"] <= 2
                        and drag["final_correct"],
                    )
                )
    sim = results.get("simulator")
    if isinstance(sim, dict):
        ms = sim.get("vectorised_ms", sim.get("median_ms"))
        if ms is not None:
            rows.append(("simulator 10,000 trials x 2 x 100", f"{ms:.1f} ms", "<= 100 ms", ms <= 100))
        ratio = sim.get("loop_ratio", sim.get("speedup"))
        if ratio is not None:
            rows.append(("simulator: per-trial loop / vectorised", f"{ratio:.0f} x", "-", None))
    if "floor_seconds" in results:
        rows.append(("floor notebook (kernel + imports)", f"{results['floor_seconds']:.2f} s", "-", None))
        for name, nb in results["notebooks"].items():
            rows.append(
                (
                    f"notebook {name}",
                    f"{nb['seconds']:.2f} s = {nb['ratio']:.2f} x floor"
                    + (
                        f" ({nb['ratio_to_libraries_floor']:.2f} x its floor with the libraries it loads, "
                        f"{nb['libraries_floor_seconds']:.2f} s: "
                        f"{nb['seconds'] - nb['libraries_floor_seconds']:.2f} s of mgedu's own work)"
                        if "ratio_to_libraries_floor" in nb
                        else ""
                    ),
                    "<= 1.5 x floor",
                    nb["ratio"] <= 1.5,
                )
            )
    for label in ("serial", "n2_loadfile"):
        key = f"suite_{label}_seconds"
        if key in results:
            rows.append(
                (
                    f"pytest suite, {label.replace('_', ' ')}",
                    f"{results[key]:.0f} s ({results[f'suite_{label}_result']})",
                    "<= 90 s",
                    results[key] <= 90,
                )
            )
    if "footprint_mb" in results:
        rows.append(
            (
                "installed runtime environment",
                f"{results['footprint_mb']:.0f} MB in {results['footprint_packages']} packages",
                "-",
                None,
            )
        )
        closure_mb = results["design_card_closure_mb"]
        rows.append(("design-card five and their dependencies", f"{closure_mb:.0f} MB", "-", None))
        for dep, info in results["added_by_dependency"].items():
            rows.append((f"  + {dep} (with its dependencies beyond the five)", f"{info['mb']:.1f} MB", "-", None))
    return rows


def comparison(results: dict[str, Any]) -> str:
    """A before/after table for the explorers and notebooks when ``--baseline`` was given."""
    base = results.get("baseline")
    if not base:
        return ""
    lines = [
        f"\n## Before ({base.get('commit')}) and after, measured in this run\n",
        "| figure | before | after |",
        "|---|---|---|",
    ]

    def ms(entry: dict[str, Any] | None) -> str:
        if not entry:
            return "-"
        if "error" in entry:
            return f"failed ({entry['error'][:60]})"
        lost = (
            f", {entry['lost_updates']} of {entry['n'] + entry['lost_updates']} lost"
            if entry.get("lost_updates")
            else ""
        )
        return f"median {entry['median_ms']:.0f} ms, p95 {entry['p95_ms']:.0f} ms{lost}"

    for name in results.get("widgets", {}):
        old = base.get("widgets", {}).get(name)
        lines.append(f"| in-process {name} | {ms(old)} | {ms(results['widgets'][name])} |")
    if "fresh_line_figure_ms" in results:
        lines.append(
            f"| fresh line figure to PNG | {base.get('fresh_line_figure_ms', 0):.0f} ms | "
            f"{results['fresh_line_figure_ms']:.0f} ms |"
        )
    for name, after in (results.get("browser") or {}).items():
        before = (base.get("browser") or {}).get(name)
        lines.append(f"| browser {name} | {ms(before)} | {ms(after)} |")
        drags = [(b or {}).get("drag") for b in (before, after)]
        if any(drags):
            cells = [
                "-"
                if not d
                else f"final {d['final_ms'] if d['final_ms'] is None else round(d['final_ms'])} ms"
                + (f" (worst {round(d['final_max_ms'])})" if d.get("final_max_ms") else "")
                + f", {d['stale_after_last_step']} stale"
                for d in drags
            ]
            lines.append(f"| browser {name}: drag | {cells[0]} | {cells[1]} |")
    for name, nb in results.get("notebooks", {}).items():
        old = base.get("notebooks", {}).get(name)
        lines.append(f"| notebook {name} | {old['ratio']:.2f} x floor |" if old else f"| notebook {name} | - |")
        lines[-1] += f" {nb['ratio']:.2f} x floor |"
    return "\n".join(lines) + "\n"


def render(rows: list[tuple[str, str, str, bool | None]]) -> str:
    lines = ["| figure | measured | target | status |", "|---|---|---|---|"]
    for figure, value, target, met in rows:
        status = "" if met is None else ("PASS" if met else "**MISS**")
        lines.append(f"| {figure} | {value} | {target} | {status} |")
    return "\n".join(lines)


SECTIONS = {
    "import": bench_import,
    "data": bench_data,
    "widgets": bench_widgets,
    "simulator": bench_simulator,
    "notebooks": bench_notebooks,
    "browser": bench_browser_section,
    "suite": bench_suite,
    "footprint": bench_footprint,
}
#: Sections that ``--baseline`` also times for the older commit.
COMPARED = ("widgets", "notebooks", "browser")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SECTIONS), help="run only these sections")
    parser.add_argument("--quick", action="store_true", help="skip the test-suite timing (the slowest section)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for results.md and results.json")
    parser.add_argument(
        "--baseline",
        metavar="COMMIT",
        help="also time the explorers and notebooks of this commit, first, in the same run",
    )
    parser.add_argument("--no-table", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.only or [n for n in SECTIONS if not (args.quick and n == "suite")]
    results: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    if args.baseline:
        compared = [n for n in names if n in COMPARED]
        print(f"[bench] baseline {args.baseline}: {', '.join(compared)} ...", flush=True)
        results["baseline"] = run_baseline(args.baseline, compared) | {"commit": args.baseline}
    for name in names:
        print(f"[bench] {name} ...", flush=True)
        start = time.perf_counter()
        results.update(SECTIONS[name]())
        print(f"[bench] {name} done in {time.perf_counter() - start:.1f} s", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    if args.no_table:
        return 0
    rows = targets(results)
    table = render(rows)
    before = comparison(results)
    (args.out / "results.md").write_text("# Benchmark results\n\n" + table + "\n" + before)
    print()
    print(table)
    print(before)
    missed = [r[0] for r in rows if r[3] is False]
    print()
    print("Targets missed: " + (", ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
