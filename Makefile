# pathway: `make demo` and `make test` work on a fresh machine with nothing installed by hand.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_SCENARIO ?= scenarios/jiangsu_auto_parts_2027.yaml
DEMO_OUT ?= out/demo

.PHONY: demo test test-fast lint bench venv clean browser fuzz bytecode

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "error: $(PY) not found; install Python 3.11 or run 'make PY=python3 ...'"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# pathway's own modules byte-compiled: Python reads .pyc files even where PYTHONDONTWRITEBYTECODE=1
# (common in containers, and set on the project's machine) stops it writing them, and an editable
# install compiles nothing, so every command would compile the package again (about 0.05 s of imports)
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q src/pathway

demo: $(STAMP) bytecode
	$(BIN)/pathway validate scenarios/*.yaml
	$(BIN)/pathway inventory $(DEMO_SCENARIO)
	$(BIN)/pathway run $(DEMO_SCENARIO) --out $(DEMO_OUT)
	@echo "report: $(DEMO_OUT)/report.html"

test: $(STAMP) browser bytecode
	$(BIN)/python -m pytest -q

# the inner loop: everything but the tests marked slow (bundled scenarios and their pins, notebooks, batches, browser)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

# headless Chromium for the report's browser test (Debian's package; installed only when missing), and a
# CJK font (WenQuanYi Micro Hei, one of the zh pages' font stack) so the zh screenshot shows characters, not boxes
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	@fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei)

# PyPSA (the equal-problem comparison) lives in its own virtualenv: it brings pyarrow, which pandas
# imports whenever it is installed (about 60 ms more on every command), so the latency and batch
# benchmarks run on the install `make demo` gives users, and only bench_pypsa.py on this one
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
$(BENCH_STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "error: $(PY) not found; install Python 3.11 or run 'make PY=python3 ...'"; exit 1; }
	$(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# the baselines the targets are compared with (issue 14): the last commits before the speed work
BENCH_BASE ?= b6f5ec5
BATCH_BASE ?= 13924d2
# PYPSA_YEARS=1 for the quick equal-problem comparison (a 5-year hourly PyPSA solve takes about an hour)
PYPSA_YEARS ?= 1 5
bench: $(STAMP) $(BENCH_STAMP) bytecode
	$(BIN)/python benchmarks/bench_run.py --base $(BENCH_BASE)
	$(BIN)/python benchmarks/bench_batch.py --base $(BATCH_BASE)
	$(BIN)/python benchmarks/bench_methods.py --heavy
	$(BENCH_VENV)/bin/python benchmarks/bench_pypsa.py --years $(PYPSA_YEARS)

# the fuzz campaign: 5,000 mutated scenarios through validate, 300 through run (60 s limit each),
# one worker; counts in benchmarks/results/fuzz.json (exit 1 if any traceback, hang or validate-passes-run-rejects)
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz_campaign.py --validate 5000 --run 300

clean:
	rm -rf $(VENV) $(BENCH_VENV) out .pytest_cache
