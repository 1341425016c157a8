# newsflow: `make run` ingests the default sources, `make test` runs the test suite.
# Only Python >= 3.11 and make are needed: uv is bootstrapped into .tools/ when missing,
# and the locked environment (uv.lock) is installed into .venv/.

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .tools/bin/uv
endif
export UV_COMPILE_BYTECODE := 1
export XDG_RUNTIME_DIR ?= $(CURDIR)/.newsflow/run
RUN := $(UV) run --frozen --no-sync

.PHONY: help setup run demo test test-fast lint typecheck bench bench-scale eval airflow airflow-stop ui-screenshot docker-test db-url clean

help:
	@echo "make run       crawl every source in the default sources file into PostgreSQL"
	@echo "make demo      the same against the bundled demo site on 127.0.0.1 (offline)"
	@echo "make test      the whole test suite"
	@echo "make test-fast the suite without the slow tests (live Airflow, browser, Docker)"
	@echo "make lint      ruff"
	@echo "make typecheck mypy --strict on crawler/"
	@echo "make eval      extraction quality on tests/corpus (F1, leaks, metadata, ms/page)"
	@echo "make airflow   Airflow 3 locally: UI on http://127.0.0.1:8080 (make airflow-stop)"
	@echo "make bench-scale  pages/s on 1 and 2 Celery workers in Docker (root; installs Docker)"
	@echo "make docker-test  the Docker deployment built and run: 2 Celery workers (root; installs Docker)"
	@echo "make ui-screenshot  PNGs of news_ingest's grid and the Sources page (own Airflow on :8081)"
	@echo "make db-url    print the database URL (psql \"\$$(make -s db-url)\")"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@mkdir -p -m 700 $(XDG_RUNTIME_DIR)
	@touch $@

# Byte-compiles the project's own modules too (uv compiles the dependencies): where
# PYTHONDONTWRITEBYTECODE is set, as on many CI machines and containers, every process would
# otherwise compile them again (the CLI, the crawl child, the extraction workers' fork server,
# each Airflow task: 0.1-0.2 s of CPU each). Python still reads caches it may not write.
setup: .venv/.synced
	@$(RUN) python -m compileall -q crawler dags

run: setup
	$(RUN) newsflow run

demo: setup
	$(RUN) newsflow demo

test: setup
	$(RUN) pytest

test-fast: setup
	$(RUN) pytest -m "not slow"

lint: setup
	$(RUN) ruff check crawler dags tests tools benchmarks
	$(RUN) ruff format --check crawler dags tests tools benchmarks

typecheck: setup
	$(RUN) mypy

# Extraction quality on the in-repo corpus; `newsflow eval DIR --compare` adds the peers
# (after `uv sync --group compare`).
eval: setup
	$(RUN) newsflow eval tests/corpus

# Benchmarks print figures; they never assert on time (see benchmarks/README.md).
bench: setup
	@for script in benchmarks/bench_*.py; do echo "== $$script"; PYTHONPATH=$(CURDIR) $(RUN) python $$script || exit 1; done

# Scale-out on Docker: 1 then 2 Celery workers, one core each (root, 5-10 min; not in `make bench`).
bench-scale: setup
	PYTHONPATH=$(CURDIR) $(RUN) python benchmarks/docker_scale.py

# The Docker deployment for real (tools/docker_test.py): as root, installs Debian's docker.io,
# docker-compose and debootstrap when missing, builds the images from Debian packages, runs
# news_ingest on two Celery workers, checks what it stored, tears everything down.
docker-test: setup
	$(RUN) python -m tools.docker_test

airflow: setup
	$(RUN) python -m tools.airflow_local

airflow-stop: setup
	$(RUN) python -m tools.airflow_local --stop

# Headless Chromium from Debian's package; installed here when missing (needs root and apt).
ui-screenshot: setup
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q chromium; } \
	  || { echo "chromium is missing: run 'sudo apt-get install -y chromium'"; exit 2; }
	$(RUN) python -m tools.ui_screenshot --out .newsflow/news_ingest_grid.png \
	  --sources-out .newsflow/sources_health.png

db-url: setup
	@$(RUN) newsflow db url

clean:
	-$(RUN) newsflow db stop
	rm -rf .venv .tools .newsflow
