# mgedu: two commands do all the set-up.
#   make lab    create .venv when missing, install the pinned environment, open JupyterLab on 00-start-here
#   make test   the same set-up plus test tools, then the whole suite (lint, data check, unit tests,
#               doctests, every notebook under nbval, browser tests, grading-sandbox tests, the Colab/Hub/Pyodide
#               environments)
# Other targets: make lite | html | refresh | bench | release | lock | clean
#   make lite [PYODIDE=folder-or-tarball-or-URL]   the JupyterLite site in _build/lite/ (Pyodide from its
#               CDN unless PYODIDE names a self-hosted one)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --no-input
# pip puts uv (at the version tests/requirements.txt pins) into the fresh venv; uv then installs the same
# exact pins pip would, downloading in parallel (about 20 s instead of 2-3 minutes on an empty cache), and
# compiles bytecode as pip does.
UV_PIN := $(shell grep -m1 '^uv==' tests/requirements.txt)
UV     := $(BIN)/uv
# $(call install,ARGS): uv pip install ARGS, or pip with the same ARGS should uv fail (it has crashed, rarely,
# on an empty cache); the pins, and so the environment, are the same either way.
install = $(UV) pip install --quiet --python $(BIN)/python --compile-bytecode $(1) \
	|| { echo "uv failed; installing with pip instead"; $(PIP) install -q $(1); }
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP    := $(VENV)/.test-installed
LITE_STAMP    := $(VENV)/.lite-installed
PYODIDE       ?=
PYTEST_ARGS   ?=

.PHONY: lab test test-fast lint check html refresh lite bench release lock clean browser-deps pyodide-core sandbox-deps

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mgedu needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Set PYTHON=python3.11 (or newer).")'
	$(PYTHON) -m venv $(VENV)

$(UV): $(BIN)/python tests/requirements.txt
	$(PIP) install -q $(UV_PIN)
	@touch $@

$(RUNTIME_STAMP): $(UV) binder/requirements.txt pyproject.toml
	$(call install,-r binder/requirements.txt)
	$(call install,--no-deps -e .)
	@touch $@

$(TEST_STAMP): $(RUNTIME_STAMP) tests/requirements.txt
	$(call install,-r tests/requirements.txt)
	@touch $@

# The site builder only (pyproject's `lite` extra at the versions tests/requirements.txt pins).
$(LITE_STAMP): $(RUNTIME_STAMP) tests/requirements.txt pyproject.toml
	$(call install,-c tests/requirements.txt $$($(BIN)/python -m tools.lite --requirements))
	@touch $@

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# JupyterLab's application settings for workbook users, as binder/postBuild installs them on Binder
# (no news or update pop-ups).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_OVERRIDES): binder/overrides.json $(RUNTIME_STAMP)
	@mkdir -p $(dir $@)
	cp binder/overrides.json $@

# default_url: the printed link (and the browser JupyterLab opens) go straight to the first notebook.
lab: $(RUNTIME_STAMP) $(LAB_OVERRIDES)
	$(BIN)/jupyter-lab --ip 127.0.0.1 --ServerApp.root_dir=. $(LAB_ROOT_FLAG) \
	  --LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb

browser-deps:
	@bash tests/browser/install_chromium.sh
	@bash tests/browser/install_axe.sh

# Pyodide's core from npm (pinned) plus the kernel's pure-Python wheels, for the JupyterLite browser test.
# Without npm the test is skipped, with the reason.
pyodide-core: $(TEST_STAMP)
	@$(BIN)/python -m tools.pyodide_core || echo "(the JupyterLite start-up test will be skipped)"

# The grader runs each submission in a bubblewrap sandbox; its tests need Debian's bubblewrap.
sandbox-deps:
	@bash tests/install_bubblewrap.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check mgedu tests benchmarks tools
	$(BIN)/ruff format --check mgedu tests benchmarks tools

check: $(RUNTIME_STAMP)
	$(BIN)/python -m mgedu check

test: $(TEST_STAMP) browser-deps sandbox-deps pyodide-core lint check
	$(BIN)/python -m pytest -n 2 --dist loadfile -rs --durations=20 $(PYTEST_ARGS)

# Everything except the browser and environment-building tests (a quick local loop).
test-fast: $(TEST_STAMP) lint check
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not browser and not slow" $(PYTEST_ARGS)

html: $(RUNTIME_STAMP)
	$(BIN)/python -m tools.site --out _build/html

# Re-execute notebooks and store lean outputs: make refresh NB=notebooks/04-dose-conversions.ipynb (default: all).
refresh: $(RUNTIME_STAMP)
	$(BIN)/python -m tools.refresh $(or $(NB),notebooks/*.ipynb)

lite: $(LITE_STAMP)
	$(BIN)/python -m tools.lite --out _build/lite $(if $(PYODIDE),--pyodide "$(PYODIDE)")

# BENCH_BASELINE=<commit>: also time that commit's explorers and notebooks, in the same run (before/after).
BENCH_BASELINE ?=
bench: $(TEST_STAMP) browser-deps
	$(BIN)/python benchmarks/run.py $(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE),)

release: $(RUNTIME_STAMP)
	$(BIN)/python -m mgedu release --out student --inside-repo

# Regenerate binder/requirements.txt (runtime + lab + classroom) and tests/requirements.txt (the test
# extra beyond it) from pyproject.toml (run on purpose, then review the diff). KEEP=1 keeps every version
# already pinned and only adds or drops packages.
lock:
	$(PYTHON) -m tools.lock $(if $(KEEP),--keep)

clean:
	rm -rf $(VENV) _build build dist .pytest_cache artifacts
