# mgedu: two commands do all the set-up.
#   make lab    create .venv when missing, install the pinned environment, open JupyterLab on 00-start-here
#   make test   the same set-up plus test tools, then the whole suite (lint, data check, unit tests,
#               doctests, every notebook under nbval, browser tests, grading-sandbox tests)
# Other targets: make html | refresh | bench | release | lock | clean

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --no-input
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP    := $(VENV)/.test-installed
PYTEST_ARGS   ?=

.PHONY: lab test test-fast lint check html refresh bench release lock clean browser-deps sandbox-deps

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mgedu needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Set PYTHON=python3.11 (or newer).")'
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): $(BIN)/python binder/requirements.txt pyproject.toml
	$(PIP) install -q -r binder/requirements.txt
	$(PIP) install -q --no-deps -e .
	@touch $@

$(TEST_STAMP): $(RUNTIME_STAMP) tests/requirements.txt
	$(PIP) install -q -r tests/requirements.txt
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

# The grader runs each submission in a bubblewrap sandbox; its tests need Debian's bubblewrap.
sandbox-deps:
	@bash tests/install_bubblewrap.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check mgedu tests benchmarks tools

check: $(RUNTIME_STAMP)
	$(BIN)/python -m mgedu check

test: $(TEST_STAMP) browser-deps sandbox-deps lint check
	$(BIN)/python -m pytest -n 2 --dist loadfile -rs $(PYTEST_ARGS)

# Everything except the browser and environment-building tests (a quick local loop).
test-fast: $(TEST_STAMP) lint check
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not browser and not slow" $(PYTEST_ARGS)

html: $(RUNTIME_STAMP)
	$(BIN)/python -m tools.site --out _build/html

# Re-execute notebooks and store lean outputs: make refresh NB=notebooks/04-dose-conversions.ipynb (default: all).
refresh: $(RUNTIME_STAMP)
	$(BIN)/python -m tools.refresh $(or $(NB),notebooks/*.ipynb)

# BENCH_BASELINE=<commit>: also time that commit's explorers and notebooks, in the same run (before/after).
BENCH_BASELINE ?=
bench: $(TEST_STAMP) browser-deps
	$(BIN)/python benchmarks/run.py $(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE),)

release: $(RUNTIME_STAMP)
	$(BIN)/python -m mgedu release --out student --inside-repo

# Regenerate the lock from pyproject.toml's lower bounds (run on purpose, then review the diff).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q -e . && .lock-venv/bin/python -m pip freeze --exclude-editable \
	  | sed '1i # The one lock: exact versions that Binder, `make lab`, `make test` and CI install, so stored notebook\n# outputs match everywhere. Regenerate with `make lock` after changing dependencies in pyproject.toml.' \
	  > binder/requirements.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) _build build dist .pytest_cache artifacts
