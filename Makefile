# Build skeleton for `fiscal` (GNU make >= 4).
#   make setup   .venv from uv.lock (project editable + dev group)
#   make test    ruff + pytest + nbval (slow cases only in CI)   make test-all  everything
#   make reports every report + index  make lab    JupyterLab on notebooks/
#   make lint    ruff + import layers  make notebooks  refresh stored notebook outputs
#   make lock    re-resolve uv.lock   make clean  remove .venv and build junk

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stamp

# `make test` skips the slow end-to-end cases (marked `slow`) unless CI is set;
# `make test-all` runs everything. The notebooks are validated with nbval.
PYTEST_MARK := $(if $(CI),,-m "not slow")
PYTEST_NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval-sanitize.cfg

# uv: only ever use the machine's interpreter, never download a Python build.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Trust the OS certificate store (as pip does here), not only uv's bundled roots: needed
# behind a TLS-intercepting proxy when SSL_CERT_FILE is not set. (UV_NATIVE_TLS: older uv.)
export UV_SYSTEM_CERTS ?= 1
export UV_NATIVE_TLS ?= 1

# uv does not read pip's config. If pip has an index-url (env or pip.conf), hand it to uv,
# unless uv already has one. Read at run time only (lazy `=`); no host is written here.
PIP_INDEX = $(or $(PIP_INDEX_URL),$(shell $(PYTHON) -m pip config list 2>/dev/null \
	| sed -n "s/^[a-z:.]*index-url='\(.*\)'$$/\1/p" | head -n1))
UV_INDEX_ENV = $(if $(UV_DEFAULT_INDEX)$(UV_INDEX_URL),,$(if $(PIP_INDEX),UV_DEFAULT_INDEX='$(PIP_INDEX)'))

# Shell snippet: set $uv to a working uv, installing it with pip when missing.
# (`pip --user` puts the binary in ~/.local/bin, often not on PATH: use `python3 -m uv`.)
FIND_UV = if command -v uv >/dev/null 2>&1; then uv=uv; \
	else \
	  if ! $(PYTHON) -m uv --version >/dev/null 2>&1; then \
	    echo "uv not found: installing it with pip"; \
	    $(PYTHON) -m pip install --quiet --user uv \
	    || $(PYTHON) -m pip install --quiet --user --break-system-packages uv \
	    || $(PYTHON) -m pip install --quiet uv; \
	  fi; \
	  uv="$(PYTHON) -m uv"; \
	fi

.PHONY: help setup test test-all lint reports data notebooks lab lock clean

help:
	@sed -n '2,6s/^# *//p' $(firstword $(MAKEFILE_LIST))

# The package is installed editable, so uv does not byte-compile it: compile it here (only
# what changed), so that where PYTHONDONTWRITEBYTECODE is set a one-shot `fiscal` command
# does not compile its ~20 modules at every start (0.08 s of a single check).
setup: $(STAMP)
	@$(BIN)/python -m compileall -q fiscal

# --compile-bytecode: .venv ships its .pyc files, so that a first `fiscal` run (and every run
# where PYTHONDONTWRITEBYTECODE is set) does not compile pandas & co. again (~1.4 s of a check).
$(STAMP): pyproject.toml uv.lock $(firstword $(MAKEFILE_LIST))
	@$(FIND_UV); \
	echo "+ $$uv sync --frozen --compile-bytecode --python $(PYTHON) --group dev"; \
	$(UV_INDEX_ENV) $$uv sync --frozen --compile-bytecode --python $(PYTHON) --group dev
	@touch $@

# lint-imports: the import contracts in pyproject.toml ([tool.importlinter]): layers point down.
lint: setup
	$(BIN)/ruff check $(wildcard fiscal tests)
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/python -m pytest $(PYTEST_MARK) $(PYTEST_NBVAL) tests notebooks

test-all: lint
	$(BIN)/python -m pytest $(PYTEST_NBVAL) tests notebooks

reports: setup
	$(BIN)/fiscal report --all

# Re-extract every department-year listed in data/sources.tsv from tests/fixtures (the raw
# sources are never edited; the folders are derived and must come out byte for byte).
data: setup
	@tail -n +4 data/sources.tsv | while IFS=$$'\t' read -r src slug year kind; do \
	  $(BIN)/fiscal extract "tests/fixtures/$$src" --slug "$$slug" --year "$$year" --kind "$$kind"; \
	done

# Re-run the notebooks in place so that their stored outputs (what nbval compares) are
# current; run after changing data/, the notebooks or fiscal.view.
notebooks: setup
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.record_timing=False notebooks/budget_report.ipynb notebooks/overview.ipynb

lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks

lock:
	@$(FIND_UV); $(UV_INDEX_ENV) $$uv lock --python $(PYTHON)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .coverage htmlcov
	find . \( -path ./.git -o -path ./data -o -path ./reports \) -prune -o \
	  -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -prune -exec rm -rf {} +
