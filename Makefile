# The two commands of the README work on a fresh machine: each creates the virtual environment it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test pytest lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the main job on the embedded default (the bundled sample province)
run: $(STAMP)
	$(BIN)/dossier-audit run

## test: lint, type-check and the whole test suite
test: lint pytest

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

## dagster: the Dagster UI (webserver and daemon) on pipelines.definitions at http://127.0.0.1:$(DAGSTER_PORT)
# Its runs use the platform settings: the embedded warehouse (chdb under ./.dossier-audit) unless
# DOSSIER_AUDIT_WAREHOUSE is set. Runs, schedules and sensor state persist in DAGSTER_HOME.
DAGSTER_PORT ?= 3000
DAGSTER_HOME ?= $(CURDIR)/.dossier-audit/dagster-home
.PHONY: dagster
dagster: $(STAMP)
	mkdir -p "$(DAGSTER_HOME)"
	DAGSTER_HOME="$(DAGSTER_HOME)" $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p $(DAGSTER_PORT)

## bench: the benchmarks, quick mode
bench: $(STAMP)
	$(BIN)/python bench/batch_audit.py --quick
	$(BIN)/python bench/warehouse.py --quick
	$(BIN)/python bench/streaming.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
