# Two entry points for a fresh machine: `make demo` and `make test` (both create .venv first).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# LightGBM's OpenMP threads must wait passively, or they stall each other on 2 shared cores.
export OMP_WAIT_POLICY ?= passive

.PHONY: system install demo test test-lowest lint bench clean notebook mlflow

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

# JupyterLab on the repository (the `notebooks` extra). The notebooks read CREDIT_SCORING_* as
# the command line does, paths from the repository root; with no store set, the demo's.
$(VENV)/.notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	touch $@

# As root (a container, as for `make system`) JupyterLab must be told it may.
notebook: $(VENV)/.notebooks
	$(BIN)/jupyter lab --notebook-dir=. $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# The MLflow UI (runs, the champion alias, the logged plots) on the registry the store grades
# with: CREDIT_SCORING_MLRUNS, else the one the store recorded when trained (the demo's after
# `make demo`), else mlruns/. `make mlflow MLRUNS=DIR` opens another.
MLFLOW_PORT ?= 5000
REGISTRY = $(BIN)/python -c 'from credit_scoring.notebook import registry; print(registry())'
mlflow: $(STAMP)
	@set -e; root="$(if $(MLRUNS),$(abspath $(MLRUNS)),$$($(REGISTRY)))"; \
	echo "MLflow UI on $$root: http://127.0.0.1:$(MLFLOW_PORT)"; \
	$(BIN)/mlflow ui --backend-store-uri "sqlite:///$$root/mlflow.db" --port $(MLFLOW_PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite on TEST_WORKERS processes (pytest-xdist; CI has 2 cores). --dist loadfile keeps each
# file's tests, and the fixtures they share, in one process. TEST_WORKERS=0 runs it in this one.
TEST_WORKERS ?= 2
test: lint
	scripts/system-packages.sh --tests
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# The ingestion tests again on the lowest pandas pyproject.toml allows (constraints/lowest.txt),
# in a virtualenv of their own: `make test` installs the newest. CI runs both (.ci/run).
LOWEST := .venv-lowest
test-lowest:
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --upgrade pip
	$(LOWEST)/bin/python -m pip install --quiet -c constraints/lowest.txt -e '.[dev]'
	$(LOWEST)/bin/pytest tests/records

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
	rm -rf $(VENV) $(LOWEST) data .pytest_cache .mypy_cache .ruff_cache
