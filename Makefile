# Two entry points for a fresh machine: `make demo` and `make test` (both create .venv first).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# LightGBM's OpenMP threads must wait passively, or they stall each other on 2 shared cores.
export OMP_WAIT_POLICY ?= passive

.PHONY: system install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages beside Python's (the fonts credit reports embed): installed when root.
system:
	scripts/system-packages.sh

install: system $(STAMP)

demo: install
	$(BIN)/credit-scoring demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	scripts/system-packages.sh --tests
	$(BIN)/pytest

# Minutes to an hour; run by hand on a quiet machine. features builds the 1M-subject store the
# later ones use; demo trains the champion they score with.
bench: demo
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_features.py
	$(BIN)/python benchmarks/bench_grading.py
	$(BIN)/python benchmarks/bench_explain.py
	$(BIN)/python benchmarks/bench_plans.py quality
	$(BIN)/python benchmarks/bench_plans.py scale

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
