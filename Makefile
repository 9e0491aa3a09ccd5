# Clearance: `make run` (set up and start everything) and `make test` (the whole suite).
# Dependencies are pinned in requirements.lock (pip-tools: `make lock` regenerates it from
# pyproject.toml); the virtual environment is .venv, rebuilt when the lock changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install lock lint bench bench-report bench-import bench-sweep clean

$(INSTALLED): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $@

install: $(INSTALLED)

lock:
	$(BIN)/pip-compile --quiet --extra dev --strip-extras -o requirements.lock pyproject.toml

# The embedded defaults: SQLite, file-system broker and mail files under var/, DEBUG on.
run: export DJANGO_DEBUG ?= 1
run: $(INSTALLED)
	@mkdir -p var/mail var/media var/celery
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_question_bank
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Clearance is starting at http://127.0.0.1:8000/"
	@echo "  Log in as reviewer, lead, procurement or admin; password: clearance-demo"
	@echo "  E-mails are written to var/mail/. Ctrl-C stops web, worker and beat."
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

test: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Benchmarks (not part of the test suite): see bench/, the README and docs/performance.md.
# `make bench` builds 10,000 vendors and 30,000 assessments on PostgreSQL (BENCH_PG_URL, by
# default postgres://postgres@127.0.0.1:5432/postgres; a database clearance_bench is created
# and dropped) and on SQLite, and measures the main pages behind gunicorn: about 6 minutes
# on 2 cores. BENCH_ARGS passes options, e.g. BENCH_ARGS="--backend sqlite --vendors 1000".
bench: $(INSTALLED)
	$(BIN)/python bench/pages_bench.py $(BENCH_ARGS)

bench-report: $(INSTALLED)
	$(BIN)/python bench/report_bench.py --runs 7

# A 5,000-row usage import (upload, preview, import) on PostgreSQL (BENCH_PG_URL; a database
# clearance_import_bench is created and dropped) and on SQLite: about a minute.
bench-import: $(INSTALLED)
	$(BIN)/python bench/import_bench.py $(BENCH_ARGS)

# The daily reminder sweep at 100,000 vendors with 1 % and 20 % of them due, on PostgreSQL
# (BENCH_PG_URL; a database clearance_sweep_bench is created and dropped): about 8 minutes,
# most of it seeding. BENCH_ARGS passes options, e.g. BENCH_ARGS="--vendors 10000 --due 5".
bench-sweep: $(INSTALLED)
	$(BIN)/python bench/sweep_bench.py $(BENCH_ARGS)

clean:
	rm -rf var/celery var/test-media .pytest_cache
