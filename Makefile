# 一窗 yichuang — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
# The first Python >= 3.11 that actually runs (a pyenv shim may exist for a version that is not active).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
ADDR ?= 127.0.0.1:8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# Cases the list benchmark generates (kept in the database <PG_URL's name>_list and reused).
BENCH_LIST_CASES ?= 1000000
# Cases the dashboard benchmark generates (kept in the database <PG_URL's name>_dash and reused).
BENCH_DASH_CASES ?= 10000000
# make bench-quick keeps its results apart from make bench's.
QUICK := BENCH_RESULTS=$(CURDIR)/var/bench/quick.json

.PHONY: setup setup-dev run test test-pg lint schema bench bench-quick bench-all bench-scale bench-list bench-list-clean bench-dash bench-dash-clean screenshots clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required (python3.11, python3.12 or python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.setup: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.setup-dev: $(VENV)/.setup pyproject.toml
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

## setup: create .venv, install the project, fetch ECharts from the npm registry (checked against its pinned sha512)
setup: $(VENV)/.setup
	$(BIN)/yichuang fetchassets

setup-dev: setup $(VENV)/.setup-dev

## run: install, migrate the embedded SQLite database, load the demo county, serve on $(ADDR)
run: setup
	$(BIN)/yichuang demo --addr $(ADDR)

## lint: ruff and mypy on the domain apps
lint: setup-dev
	$(BIN)/ruff check yichuang tests
	$(BIN)/ruff format --check yichuang tests
	$(BIN)/mypy yichuang

## test: lint, then the whole suite (PostgreSQL tests when DATABASE_URL names PostgreSQL)
test: lint
	$(BIN)/yichuang fetchassets --tests
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

## test-pg: the suite against the local PostgreSQL database
test-pg:
	DATABASE_URL=$(PG_URL) $(MAKE) test

## screenshots: the browser tests again, keeping their screenshots in docs/screenshots/ (needs Chromium)
screenshots: setup-dev
	YICHUANG_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:cacheprovider tests/test_web_browser.py

## bench: issue 12's figures in one run: case lifecycles over HTTP in the production set-up (gunicorn, PostgreSQL, Redis, a Celery worker) and the embedded default (SQLite), the framework's floor beside them, the list at a million cases; then docs/benchmarks.md is regenerated from that run
bench: setup-dev
	$(BIN)/python bench/results.py new "make bench"
	@if pg_isready -q -h 127.0.0.1 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/python bench/lifecycle_bench.py && \
		$(MAKE) --no-print-directory bench-list; \
	else echo "PostgreSQL not reachable: the embedded default only"; \
		BENCH_SETUPS=embedded $(BIN)/python bench/lifecycle_bench.py; fi
	$(BIN)/python bench/report.py

## bench-quick: a small run of the same harness (20 lifecycles, 20 000 listed cases) to check it works; writes var/bench/quick.json and var/bench/quick.md, leaves docs/ alone (not figures to publish)
bench-quick: setup-dev
	$(QUICK) $(BIN)/python bench/results.py new "make bench-quick: a small run to check the harness, not figures to publish"
	$(QUICK) DATABASE_URL=$(PG_URL) BENCH_LIFECYCLES=20 BENCH_WARMUP=4 BENCH_FLOOR_REQUESTS=300 \
		$(BIN)/python bench/lifecycle_bench.py
	$(QUICK) DATABASE_URL=$(PG_URL)_quick BENCH_LIST_CASES=20000 BENCH_LIST_SECONDS=2 \
		$(BIN)/python bench/list_bench.py
	$(QUICK) $(BIN)/python bench/report.py var/bench/quick.md

## bench-all: bench, then the catalog, in-process lifecycle and dashboard benchmarks into the same run
bench-all: bench
	$(BIN)/python bench/catalog_bench.py
	$(BIN)/python bench/cases_bench.py
	@if pg_isready -q -h 127.0.0.1 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/python bench/cases_bench.py && \
		$(MAKE) --no-print-directory bench-dash; fi
	$(BIN)/python bench/report.py

## bench-scale: lifecycles with 1, 2 and 4 app servers behind HAProxy (Debian's haproxy), a Celery worker, Redis and PostgreSQL; where the CPU goes and what one PostgreSQL core carries (docs/scaling.md)
bench-scale: setup-dev
	@command -v haproxy >/dev/null 2>&1 || test -x /usr/sbin/haproxy || { echo "haproxy is missing: apt-get install haproxy"; exit 1; }
	DATABASE_URL=$(PG_URL) $(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/report.py

## bench-list: GET /api/v1/cases/ with $(BENCH_LIST_CASES) cases in PostgreSQL at 1 and 16 clients (generated once, then reused)
bench-list: setup-dev
	@if pg_isready -q -h 127.0.0.1 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) BENCH_LIST_CASES=$(BENCH_LIST_CASES) $(BIN)/python bench/list_bench.py; \
	else echo "PostgreSQL not reachable: skipping the case list benchmark"; fi

## bench-list-clean: drop the generated cases of the list benchmark
bench-list-clean: setup-dev
	cd bench && DATABASE_URL=$(PG_URL) ../$(BIN)/python -c \
		'import serve; serve.pg_drop(serve.database_url_for(serve.base_name() + "_list"))'

## bench-dash: the dashboard API with $(BENCH_DASH_CASES) cases in PostgreSQL at 1 and 8 clients (generated once, then reused)
bench-dash: setup-dev
	@if pg_isready -q -h 127.0.0.1 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) BENCH_DASH_CASES=$(BENCH_DASH_CASES) $(BIN)/python bench/dashboard_bench.py; \
	else echo "PostgreSQL not reachable: skipping the dashboard benchmark"; fi

## bench-dash-clean: drop the generated data of the dashboard benchmark
bench-dash-clean: setup-dev
	cd bench && DATABASE_URL=$(PG_URL) ../$(BIN)/python -c \
		'import serve; serve.pg_drop(serve.database_url_for(serve.base_name() + "_dash"))'

## schema: regenerate the committed OpenAPI schema (docs/openapi.yaml)
schema: setup
	$(BIN)/yichuang spectacular --file docs/openapi.yaml --validate

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
