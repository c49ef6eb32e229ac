# The two commands: `make run` (the site on http://127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The embedded default: SQLite, tasks run eagerly, e-mails printed to the console.
RUN_ENV := DJANGO_DEBUG=true

.PHONY: run test install lock demo lint typecheck format clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 ou plus récent est nécessaire"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exact versions with their hashes: requirements/lock-test.txt (the site and its tests, installed
# here) and requirements/lock.txt (the site alone, installed by the Dockerfile), both made from
# pyproject.toml's ranges by `make lock`. The project itself brings no code of its own (no deps).
# Reinstalled when the lock changes; the stamp is written only once pip has succeeded.
$(VENV)/.installed: requirements/lock-test.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/lock-test.txt
	$(BIN)/python -m pip install --quiet --no-deps .
	$(BIN)/python -m pip check
	touch $@

install: $(VENV)/.installed

# Refreshes both locks from pyproject.toml, keeping the pinned versions that still fit its ranges.
# Everything to the newest allowed: make lock LOCK_ARGS=--upgrade
# One package: make lock LOCK_ARGS="--upgrade-package django"
LOCK := $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(LOCK_ARGS)
lock: install
	$(LOCK) --extra test --output-file requirements/lock-test.txt
	$(LOCK) --constraint requirements/lock-test.txt --output-file requirements/lock.txt

# Idempotent: running it again applies new migrations and reloads the demo without duplicates.
demo: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py load_communes
	$(RUN_ENV) $(BIN)/python manage.py load_demo

run: demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# SQLite and no service by default; PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set.
# Extra pytest arguments: make test PYTEST_ARGS="tests/structures -x"
# In parallel (pytest-xdist): make test PYTEST_WORKERS=4. Each worker has its own test database,
# Redis database (REDIS_URL's number + its index) and ports. One process by default; CI runs all
# but the `processes` tests on 3 workers, then those alone (their time bounds need the cores).
PYTEST_WORKERS ?= 0
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# What CI checks before the tests (the git hooks of .pre-commit-config.yaml run the same tools).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint

# mypy with django-stubs on the files [tool.mypy] names in pyproject.toml.
typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest-media .mypy_cache
