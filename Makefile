# The two commands of the README work on a fresh machine: each creates the virtual environment it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACKAGES := bootstrap checks console dossier_audit inspections pipelines reporting schemas sources streams tools warehouse

.PHONY: run test pytest lint fuzz bench clean

# pip compiles every installed module to bytecode on one core, one file after another: the install took 130 s
# and 175 s on a fresh machine here, 81 s without. compileall compiles the same 13,377 files on every core in
# 21 s, so that the ~150 Python processes the tests start import them compiled (with PYTHONDONTWRITEBYTECODE=1
# each would compile them again).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null
	touch $(STAMP)

## run: the main job on the embedded default (the bundled sample province)
run: $(STAMP)
	$(BIN)/dossier-audit run

## test: lint, type-check and the whole test suite
# The checks run beside the tests (mypy alone is ~40 s of one core on a fresh clone, while the tests' two
# workers mostly wait on brokers, servers and subprocesses): `.ci/run` had come to 15 min 12 s with them
# run first, 14 min 59 s beside them; 13 min 46 s since the main job imports its report stage's libraries
# while its detector runs (pytest 12 min 51 s for 2,614 tests, from a fresh clone in a deep path). Either
# failing fails `make test`. Two jobs at most: only `test` has two prerequisites.
MAKEFLAGS += --jobs=2
test: lint pytest

# Four xdist workers on two cores: the suite's slow tests wait on brokers, servers and subprocesses. Two had
# come to 14 min 21 s–14 min 43 s for 2,872 tests (`.ci/run` 921 s, over its 15 minutes); three took 11 min
# 19 s for the same tests, in the same clone; for 3,134 tests, on one day, three took 845 s (`.ci/run` 924 s)
# and four 807 s (875 s). Work stealing: a worker that runs out takes tests queued for another, rather than
# idling while the others end on the half-minute main-job tests.
# The project's modules are compiled first: where PYTHONDONTWRITEBYTECODE is set (this machine's image), no
# process writes them, and each of the ~150 Python processes the tests start (the CLI, workers, the main
# job's children) compiled them again: 0.3 s a process for its imports. For the same reason pytest is run
# without that variable: it keeps its rewritten test modules (assertion rewriting) only where bytecode may be
# written, and each of the four workers parsed, rewrote and compiled every test module again to collect
# them: 15 s of CPU a worker, 7.4 s with them kept (`pytest --collect-only`, 3,142 tests).
pytest: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 $(PACKAGES) tests > /dev/null
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n 4 --dist worksteal --durations=25

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

## fuzz: only the property tests, each FUZZ_DEPTH times deeper than in `make test` (tests/depth.py): the
# search to run before a release, or after a change to a rule, the calendar or a parser.
FUZZ_DEPTH ?= 10
fuzz: $(STAMP)
	FUZZ_DEPTH=$(FUZZ_DEPTH) $(BIN)/python -m pytest -q -n 4 --dist worksteal -m hypothesis --timeout 3600

## chaos: the long chaos test (tests/streams/test_chaos.py): CHAOS_ROUNDS seeded rounds from CHAOS_SEED of a
# sink and two detectors SIGKILLed during ingestion, then drained and compared with the batch audit. Each
# round's files and process logs stay under .dossier-audit/chaos/ until the next `make chaos`.
CHAOS_ROUNDS ?= 3
CHAOS_SEED ?= 19
.PHONY: chaos
chaos: $(STAMP)
	mkdir -p .dossier-audit
	CHAOS_ROUNDS=$(CHAOS_ROUNDS) CHAOS_SEED=$(CHAOS_SEED) $(BIN)/python -m pytest -q -s -m chaos \
		--basetemp=$(CURDIR)/.dossier-audit/chaos tests/streams/test_chaos.py

## dagster: the Dagster UI (webserver and daemon) on pipelines.definitions at http://127.0.0.1:$(DAGSTER_PORT)
# Its runs use the platform settings: the embedded warehouse (chdb under ./.dossier-audit) unless
# DOSSIER_AUDIT_WAREHOUSE is set. Runs, schedules and sensor state persist in DAGSTER_HOME; its instance
# (deploy/dagster/dagster-local.yaml, copied there once) runs one run at a time.
DAGSTER_PORT ?= 3000
DAGSTER_HOME ?= $(CURDIR)/.dossier-audit/dagster-home
.PHONY: dagster
dagster: $(STAMP)
	mkdir -p "$(DAGSTER_HOME)"
	test -e "$(DAGSTER_HOME)/dagster.yaml" || cp deploy/dagster/dagster-local.yaml "$(DAGSTER_HOME)/dagster.yaml"
	DAGSTER_HOME="$(DAGSTER_HOME)" $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p $(DAGSTER_PORT)

## report-images: the main job on the sample (as `make run`), then the weekly report's pages as PNG images
# (pdftoppm, 60 dpi) in docs/images/report-page-N.png, for the README. Needs poppler-utils (pdftoppm).
REPORTS ?= reports
PACK_UNIT ?= 000.10.03.H99
CHROMIUM ?= chromium
.PHONY: report-images
report-images: $(STAMP)
	$(BIN)/dossier-audit run --reports $(REPORTS)
	mkdir -p docs/images
	rm -f docs/images/report-page-*.png
	pdftoppm -png -r 60 "$$(ls -d $(REPORTS)/*-W*/report.pdf | sort | tail -n 1)" docs/images/report-page
	# pdftoppm pads the numbers of a report of ten pages or more (report-page-01.png): the README links -1.
	for f in docs/images/report-page-0*.png; do [ -e "$$f" ] && mv "$$f" "$$(echo "$$f" | sed 's/page-0/page-/')"; done; true
	# The first page of one unit's audit pack as it prints (its HTML through the print stylesheet, A4
	# landscape) with Debian's chromium, at 100 dpi so its small print stays readable: docs/images/pack-page-1.png.
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
	  --disable-sync --no-pdf-header-footer --print-to-pdf="$(REPORTS)/pack-page.pdf" \
	  "file://$$(realpath "$$(ls -d $(REPORTS)/*-W*/units/$(PACK_UNIT).html | sort | tail -n 1)")"
	pdftoppm -png -r 100 -f 1 -l 1 -singlefile "$(REPORTS)/pack-page.pdf" docs/images/pack-page-1

## console: the inspector's console on the embedded warehouse at http://127.0.0.1:$(CONSOLE_PORT) (after `make run`;
# add an account first: .venv/bin/dossier-audit users add LOGIN --role inspector)
CONSOLE_PORT ?= 8080
.PHONY: console
console: $(STAMP)
	$(BIN)/dossier-audit console --port $(CONSOLE_PORT)

## bench: the benchmarks, quick mode
bench: $(STAMP)
	$(BIN)/python bench/batch_audit.py --quick
	$(BIN)/python bench/warehouse.py --quick
	$(BIN)/python bench/streaming.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
