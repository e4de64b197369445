# wheelpin developer tasks. Everything installs into ./.venv from this project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-live test-soak lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Resolve the example FastAPI app for CPython 3.11 on manylinux and print the lock.
demo: $(STAMP)
	$(BIN)/wheelpin resolve -r examples/render-fastapi/requirements.txt --python 3.11 --platform manylinux --cache-dir cache

## Offline, deterministic test suite (serves recorded index data on 127.0.0.1).
test: $(STAMP)
	UV_PYTHON_DOWNLOADS=never $(BIN)/python -m pytest -q -n auto

## Tests against the real package index.
test-live: $(STAMP)
	UV_PYTHON_DOWNLOADS=never $(BIN)/python -m pytest -q -m live

## 200 cold resolves against the fixture index serving faults at random (seeded); prints the counts.
test-soak: $(STAMP)
	UV_PYTHON_DOWNLOADS=never $(BIN)/python -m pytest -q -s -m soak

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/mypy
	$(BIN)/python scripts/check_sizes.py src
	$(BIN)/python scripts/check_layers.py

bench: $(STAMP)
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) cache/*/ build src/*.egg-info
