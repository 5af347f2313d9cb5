PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench demo clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/tracker serve

demo: $(STAMP)
	$(BIN)/tracker demo

lint: $(STAMP)
	$(BIN)/ruff check tracker events api projections tests benchmarks
	$(BIN)/ruff format --check tracker events api projections tests benchmarks
	$(BIN)/mypy

# The integration tests run a second time with every store encrypted at rest.
test: lint
	$(BIN)/pytest
	TRACKER_TEST_CIPHER_KEY=$$($(BIN)/tracker keys generate) $(BIN)/pytest tests/integration

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_store.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
