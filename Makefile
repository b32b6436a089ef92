# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# The Makefile is for development: DEBUG on (generated keys, local hosts) unless set.
export DEBUG ?= 1

.PHONY: venv run test test-fast test-s3 lint format typecheck bench loadtest migrate demo clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Development keys and the embedded defaults' folders under var/ (the settings only read them).
venv: $(STAMP)
	$(BIN)/python -m devtools.devenv

migrate: venv
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	PORT=$(PORT) bin/run-dev

test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

# The quick loop while working: no browser, no Celery worker, no measured workloads.
test-fast: venv
	$(BIN)/pytest -m "not browser and not worker and not slow" $(PYTEST_ARGS)

# The tests that keep files, against a local S3-compatible server (moto) through django-storages.
test-s3: venv
	bin/test-s3

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python manage.py bench $(BENCH_ARGS)

# Locust against gunicorn + PostgreSQL + Redis + a Celery worker, with production settings;
# e.g. LOADTEST_ARGS="--entries 200000 --users 40 --duration 3m" (README, "Load test").
loadtest: $(STAMP)
	bin/loadtest $(LOADTEST_ARGS)

clean:
	rm -rf var/broker var/static
