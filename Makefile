# GGZY — two commands: `make run` (demo platform on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format typecheck migrations-check bench lock clean serve setup

$(VENV)/.runtime: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

# Migrate the embedded SQLite database, load reference and demo data (both idempotent).
setup: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input
	$(PY) manage.py bootstrap
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --no-input --verbosity 0

run: setup
	$(PY) manage.py demo_accounts
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# pytest exits 5 when it collects no test: that is not a failure of the suite.
test: $(VENV)/.dev
	GGZY_ENV=test $(PY) -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS); rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(VENV)/.dev
	GGZY_ENV=test $(VENV)/bin/mypy ggzy config bidtool

migrations-check: $(VENV)/.dev
	GGZY_ENV=test $(PY) manage.py makemigrations --check --dry-run

bench: $(VENV)/.dev
	GGZY_ENV=test $(PY) bench/run.py

# Regenerate the lock files after changing requirements/*.in.
lock: $(VENV)/.dev
	cd requirements && ../$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o ../requirements.lock base.in
	cd requirements && ../$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o ../requirements-dev.lock dev.in

clean:
	rm -rf $(VENV) var
