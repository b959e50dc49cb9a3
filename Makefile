# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-moved-date lint fmt check bench bench-nation reliability clean node-tests

# telegram-test-api (npm) for the Telegram flows against a second fake server; skipped
# without npm, unless TUQUAN_REQUIRE_NODE_TESTS=1 (CI) turns that into a failure.
NPM := $(shell command -v npm)
TEST_API := tests/telegram_test_api
NODE_TESTS := $(if $(NPM),$(TEST_API)/node_modules/.installed)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

## Start the bot: Telegram and/or Zalo when their token is set, else the console chat with demo data.
run: $(VENV)/.installed-run
	$(BIN)/tuquan run

$(TEST_API)/node_modules/.installed: $(TEST_API)/package.json $(TEST_API)/package-lock.json
	cd $(TEST_API) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-tests: $(TEST_API)/node_modules/.installed

## Every test but the slow ones (real processes killed and restarted), on SQLite and, when
## it runs, PostgreSQL. `make reliability` runs those; CI runs both. One worker per core
## (pytest-xdist): most tests wait on a server or a process, so the cores stay busy.
WORKERS ?= auto
test: $(VENV)/.installed-dev $(NODE_TESTS)
	$(BIN)/pytest -m "not slow" -n $(WORKERS)

## The same tests again with the machine's date moved to another week and year (libfaketime,
## Debian package `faketime`): a test that bakes in today's date fails the day it is written.
## Every process the tests start (the bot, the CLI, the test servers) lives at that date too.
MOVED_DATE ?= 2029-03-14 21:30:00
test-moved-date: $(VENV)/.installed-dev $(NODE_TESTS)
	@command -v faketime >/dev/null || { echo "test-moved-date needs faketime (apt-get install faketime)" >&2; exit 1; }
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$(MOVED_DATE)" $(BIN)/pytest -m "not slow"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Format the code with ruff, then apply ruff's automatic fixes.
fmt: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test test-moved-date reliability

## The slow tests (real processes killed at each stage, the digest to 500 officers, the
## Telegram flows on PostgreSQL), then the reliability suite again with many more random
## inputs and PostgreSQL stopped for 30 s.
reliability: $(VENV)/.installed-dev $(NODE_TESTS)
	$(BIN)/pytest -m slow
	TUQUAN_PROPERTY_EXAMPLES=80 TUQUAN_OUTAGE_SECONDS=30 $(BIN)/pytest tests/test_bad_input.py \
		tests/test_concurrency.py tests/test_engine.py tests/test_sender.py tests/test_access.py \
		tests/test_database_outage.py

## Benchmarks; each writes its section of docs/benchmarks.md. `make bench NATION=1` adds the
## national data set (100,000 hamlets, 5 million reports on PostgreSQL), which takes minutes.
BENCH_POSTGRES := $${TUQUAN_BENCH_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
bench: $(VENV)/.installed-dev
	TUQUAN_BENCH_POSTGRES_URL=$(BENCH_POSTGRES) $(BIN)/python -m bench all
	$(if $(NATION),$(MAKE) bench-nation)

## The national data set (100,000 hamlets, 5 million reports) on PostgreSQL: minutes.
bench-nation: $(VENV)/.installed-dev
	$(BIN)/python -m bench digests --nation --postgres $(BENCH_POSTGRES)

## The virtualenv, the caches and the npm packages; data/ (the SQLite database) stays.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(TEST_API)/node_modules
