# tickercast — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test test-fast lint format bench screenshot image clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# `make run` trains at init, so it installs the training extra (torch) too
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[train]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

## run: install, initialise ./var on the bundled data (idempotent), serve API + dashboard
run: $(VENV)/.installed
	$(BIN)/tickercast init
	$(BIN)/tickercast serve --host $(HOST) --port $(PORT) --replay AMZN --from 2023-07-25 --speed 4

## test: install test tools, run every test (PostgreSQL/browser tests skip with a reason
## when TICKERCAST_TEST_POSTGRES_URL / chromium are missing; CI=true makes them required)
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-fast: skip the slow and browser tests while developing
test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not slow and not e2e" $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

## bench: every benchmark (several minutes; results to record in benchmarks/README.md)
bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_models.py
	$(BIN)/python benchmarks/bench_serving.py
	$(BIN)/python benchmarks/bench_dashboard.py all

## image: build the container image with podman (else docker) on BASE_IMAGE (python:3.11-slim).
## Offline from a wheelhouse: make image WHEELHOUSE=/var/cache/tickercast-ci/wheelhouse
##   (filled by deploy/container/wheelhouse.sh; podman only: it mounts the directory in the build)
IMAGE      ?= localhost/tickercast:latest
BASE_IMAGE ?= python:3.11-slim
CONTAINER  ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)
PIP_INSTALL_ARGS ?= $(if $(WHEELHOUSE),--no-index --find-links /wheels,)
image:
	@test -n "$(CONTAINER)" || { echo "make image needs podman or docker"; exit 1; }
	$(CONTAINER) build $(if $(findstring podman,$(CONTAINER)),--format docker --network host,) \
	  $(if $(WHEELHOUSE),--volume $(WHEELHOUSE):/wheels:ro,) \
	  --build-arg BASE_IMAGE=$(BASE_IMAGE) --build-arg "PIP_INSTALL_ARGS=$(PIP_INSTALL_ARGS)" \
	  --tag $(IMAGE) --file Containerfile .

## screenshot: the README picture (headless chromium)
screenshot: $(VENV)/.installed-dev
	$(BIN)/python scripts/screenshot.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
