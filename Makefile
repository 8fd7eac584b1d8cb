# Fordra — the two commands a new user needs are `make run` and `make test`.
.PHONY: run test test-sqlite test-pg lint bench clean

VENV := .venv/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/fordra
PYTEST_ARGS ?= -n 2
# `make run` and `make bench` are the demo profile: plain HTTP on 127.0.0.1 and a secret key
# generated once into var/. Production sets FORDRA_SECRET_KEY instead (README, Production).
DEMO := FORDRA_DEMO=1

run:  ## set up, load the demo portfolio and serve http://127.0.0.1:8000
	@scripts/bootstrap.sh run
	$(DEMO) $(VENV)/fordra migrate
	$(DEMO) $(VENV)/fordra demo
	@echo "Fordra: http://127.0.0.1:8000/  (log in as staff / $${FORDRA_DEMO_PASSWORD:-fordra-demo})"
	$(DEMO) $(VENV)/fordra serve --workers 2

test: test-sqlite  ## set up and run the whole test suite (SQLite)

test-sqlite:
	@scripts/bootstrap.sh dev
	@scripts/ensure-chromium.sh
	$(VENV)/python -m pytest $(PYTEST_ARGS)

test-pg:  ## the same suite against PostgreSQL ($$PG_URL)
	@scripts/bootstrap.sh dev
	@scripts/ensure-chromium.sh
	DATABASE_URL=$(PG_URL) $(VENV)/python -m pytest $(PYTEST_ARGS)

lint:  ## ruff, mypy (strict on domain, formats, rules), import-linter
	@scripts/bootstrap.sh dev
	$(VENV)/ruff check src tests
	$(VENV)/mypy
	$(VENV)/lint-imports

bench:  ## hot-path throughput vs bare baselines (not a test)
	@scripts/bootstrap.sh run
	$(DEMO) $(VENV)/fordra bench

clean:
	rm -rf .venv var .pytest_cache .mypy_cache .ruff_cache
