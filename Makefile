# The two commands of the README: `make run` and `make test`. Each creates or updates .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint policy bench bench-scale schema

$(BIN)/activate:
	$(PYTHON) -c 'import sys; sys.exit("rbac-api needs Python 3.11 or newer; set PYTHON=python3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## Start the service on its embedded defaults (SQLite under ./var, generated dev secret, a first admin).
run: $(VENV)/.installed
	$(BIN)/rbac-api serve --host $(HOST) --port $(PORT)

## Lint, type-check, validate the shipped policy and run the whole test suite (on SQLite; again on
## PostgreSQL when RBAC_TEST_POSTGRES_URL names a server, as .ci/run arranges).
test: $(VENV)/.installed
	$(BIN)/ruff check rbac_api tests $(wildcard bench)
	$(BIN)/ruff format --check rbac_api tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/rbac-api policy check --app policies
	$(BIN)/rbac-api policy test policies
	$(BIN)/python -m tests.run $(PYTEST_ARGS)

## Benchmarks against the alternatives (issue 5): about 10 minutes, writes docs/benchmarks.md. Needs wrk
## (apt-get install -y wrk) and 2+ cores. BENCH_ARGS="--rows 1,2 --rounds 3" for a subset.
bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	BENCH_VIA_MAKE=1 $(BIN)/python -m bench $(BENCH_ARGS)

## The scale benchmark: 10,000, 100,000 and 1,000,000 users in a throwaway PostgreSQL cluster it starts and
## removes (initdb, pg_ctl, postgres on PATH); about 15 minutes; writes its own section of docs/benchmarks.md.
bench-scale: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	BENCH_VIA_MAKE=1 $(BIN)/python -m bench scale $(BENCH_ARGS)

schema: $(VENV)/.installed
	$(BIN)/rbac-api schema export
