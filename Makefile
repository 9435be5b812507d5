# Groundswell — the commands README.md promises.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := groundswell.settings
# PostgreSQL used by `make test` for its second pass (CI sets nothing: this is the default).
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/groundswell

.PHONY: help install run serve worker test test-sqlite test-postgres lint format messages bench clean

help:
	@echo "make run     install, migrate, load demo data, serve http://127.0.0.1:$(PORT) with the task worker"
	@echo "make test    the whole test suite, on SQLite and on PostgreSQL"
	@echo "make lint    ruff, migrations check, check --deploy, translations complete"
	@echo "make messages  gather new strings into the Spanish catalogue and compile it (docs/i18n.md)"
	@echo "make serve   the production server (set SECRET_KEY, DATABASE_URL, ...)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} PORT=$(PORT) bin/serve

# Refuses to start on what check --deploy calls an error (REDIS_URL unset, for one).
serve: install
	$(BIN)/python manage.py check --deploy --fail-level ERROR
	$(BIN)/python manage.py migrate --noinput
	PORT=$(PORT) bin/serve

test: test-sqlite test-postgres

test-sqlite: install
	DATABASE_URL= $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Runs when PostgreSQL answers; in CI (CI=true) a missing PostgreSQL is a failure.
test-postgres: install
	@if pg_isready -q -d "$(TEST_POSTGRES_URL)" 2>/dev/null || $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)'.rsplit('/',1)[0]+'/postgres').close()" 2>/dev/null; then \
		DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -n 2 $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL)"; exit 1; \
	else echo "Skipping the PostgreSQL pass: nothing answers at $(TEST_POSTGRES_URL)"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m tests.architecture.ownership
	DEBUG=0 SECRET_KEY=lint-only-$$RANDOM-$$RANDOM-a-long-enough-random-looking-value-for-check-deploy \
		SITE_URL=https://groundswell.example.org EMAIL_URL=smtp://127.0.0.1:25 \
		REDIS_URL=redis://127.0.0.1:6379/0 \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	@command -v msgfmt >/dev/null || (apt-get -qq update && apt-get -qq install -y gettext)
	$(BIN)/python manage.py translations check

# After adding or changing a string: gathers it into groundswell/locale/es/LC_MESSAGES/django.po
# (translate it there), then compiles the .mo that is committed beside it. Needs gettext.
messages: install
	@command -v msgfmt >/dev/null || (apt-get -qq update && apt-get -qq install -y gettext)
	$(BIN)/python manage.py translations update

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Needs wrk (Debian's package) and PostgreSQL on 127.0.0.1:5432; see docs/benchmarks.md.
bench: install
	@command -v wrk >/dev/null || (apt-get -qq update && apt-get -qq install -y wrk)
	$(BIN)/python bench/run.py --db postgres --scenario cold
	$(BIN)/python bench/run.py --db postgres --runs $${BENCH_RUNS:-3}
	$(BIN)/python bench/run.py --db postgres --scenario mail
	$(BIN)/python bench/run.py --db postgres --scenario webhooks --scenario webhook-overhead --scenario api-pages
	$(BIN)/python bench/run.py --db sqlite --runs $${BENCH_RUNS:-3} --scenario sign

clean:
	rm -rf $(VENV) var
