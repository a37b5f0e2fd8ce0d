# The two commands a fresh machine needs (see README.md):
#   make run    install the app's dependencies and run it on its embedded SQLite database
#   make test   install the test tools (and Debian's Chromium and nginx for the browser and load tests, and
#               Ralph, the test LRS, in a venv of its own), then lint, type-check and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast lint typecheck check-content test-packages

$(VENV)/.run-deps: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

# FORWARDED_ALLOW_IPS= : Streamlit's server believes no X-Forwarded-* header on its own; the app's
# ELEARN_TRUSTED_PROXIES setting decides (deploy/README.md).
run: $(VENV)/.run-deps
	FORWARDED_ALLOW_IPS= $(PY) -m ui.launch serve.py --server.port $(PORT)

test-packages:
	@bash scripts/ensure-test-packages
	@PYTHON=$(PYTHON) bash scripts/ensure-ralph

lint: $(VENV)/.dev-deps
	$(PY) -m ruff check .

typecheck: $(VENV)/.dev-deps
	$(PY) -m mypy

check-content: $(VENV)/.run-deps
	$(PY) -m elearn check --strict

# Four workers on two cores: many tests wait on a browser, a server or a database, not the CPU.
PYTEST_WORKERS ?= 4
# Two tests at a time to a worker, not a quarter of its share up front: the slow system tests come
# first (tests/conftest.py) and spread over every worker, instead of queueing behind one of them.
PYTEST_XDIST := -n $(PYTEST_WORKERS) --maxschedchunk 2

test: $(VENV)/.dev-deps test-packages lint typecheck
	$(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The quick loop while coding: no browsers, no multi-process or nginx tests (CI runs them all).
test-fast: $(VENV)/.dev-deps
	$(PY) -m pytest $(PYTEST_XDIST) -m "not system" $(PYTEST_ARGS)
