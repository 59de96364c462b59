# One task runner for people, README and CI (STYLE.md 12).
# `make brief` and `make test` bootstrap everything from this repository's own files:
# a virtual environment, the pinned Python packages, and the system pieces the PDF needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=
# test workers (pytest-xdist); JOBS=0 runs the tests in this process (a debugger, -x, -s)
JOBS ?= 2
PYTEST := $(PY) -m pytest -n $(JOBS) --dist loadgroup
# The tests write Python's bytecode caches (__pycache__/, ignored by git) even where the
# environment says not to (PYTHONDONTWRITEBYTECODE, set in many container images): each worker
# and each of the ~40 `python -m screener` processes the suite starts would otherwise compile
# the package and pytest rewrite the test files again, every run (~10 s of CPU per worker).
TESTENV := PYTHONDONTWRITEBYTECODE=

.PHONY: brief test test-fast lint format bench sysdeps venv clean help

help:
	@echo "make brief   - render this week's demo briefing PDF into briefs/ (offline)"
	@echo "make test    - run the whole offline test suite (JOBS=2 workers)"
	@echo "make test-fast - the suite without the slow tests (PDF renders, long property runs)"
	@echo "make lint    - ruff check and format check, mypy on screener/"
	@echo "make bench   - run every benchmark in benchmarks/"

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@bash scripts/ensure-python.sh "$(PYTHON)" "$(VENV)"
	@echo "screener: installing $$(grep -c '==' constraints.txt) pinned Python packages into $(VENV)/" \
	  "(pandas, WeasyPrint, akshare, yfinance, ...; 1-2 minutes the first time, then only when" \
	  "pyproject.toml or constraints.txt change)" >&2
	@start=$$(date +%s); \
	  $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' \
	  && echo "screener: packages installed in $$(( $$(date +%s) - start )) s" >&2
	@touch $@

sysdeps:
	@bash scripts/ensure-system-deps.sh

brief: $(STAMP) sysdeps
	@echo "screener: rendering the demo briefing (the first run also builds the demo cache)" >&2
	$(VENV)/bin/screener --demo brief --out briefs/ $(ARGS)

test: $(STAMP) sysdeps
	@bash scripts/ensure-test-browser.sh
	$(TESTENV) $(PYTEST) $(ARGS)

test-fast: $(STAMP) sysdeps
	$(TESTENV) $(PYTEST) -m "not slow" $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check screener tests benchmarks
	$(VENV)/bin/ruff format --check screener tests benchmarks
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format screener tests benchmarks
	$(VENV)/bin/ruff check --fix screener tests benchmarks

bench: $(STAMP) sysdeps
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) briefs .pytest_cache .ruff_cache .mypy_cache build dist
