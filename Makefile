# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast lint check bench bench-nation reliability clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

## Start the bot: Telegram when TELEGRAM_BOT_TOKEN is set, else the console chat with demo data.
run: $(VENV)/.installed-run
	$(BIN)/tuquan run

## Every test, on SQLite and (when it runs) PostgreSQL.
test: $(VENV)/.installed-dev
	$(BIN)/pytest

## The tests without the ones that kill and restart real processes.
test-fast: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not slow"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint test

## The reliability suite with many more random inputs per conversation step.
reliability: $(VENV)/.installed-dev
	TUQUAN_PROPERTY_EXAMPLES=80 TUQUAN_OUTAGE_SECONDS=30 $(BIN)/pytest tests/test_bad_input.py \
		tests/test_crash.py tests/test_concurrency.py tests/test_engine.py tests/test_sender.py \
		tests/test_access.py tests/test_database_outage.py

## Benchmarks; each writes its section of docs/benchmarks.md.
bench: $(VENV)/.installed-dev
	TUQUAN_BENCH_POSTGRES_URL=$${TUQUAN_BENCH_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
	$(BIN)/python -m bench all

## The national data set (100,000 hamlets, 5 million reports) on PostgreSQL: minutes.
bench-nation: $(VENV)/.installed-dev
	$(BIN)/python -m bench digests --nation --postgres \
		$${TUQUAN_BENCH_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
