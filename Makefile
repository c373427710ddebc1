# DataOps developer commands. `make run` and `make test` set up everything they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# Every install takes the versions pinned in requirements.lock (`make lock` refreshes it).
LOCK := requirements.lock
# The API's OpenAPI document and the TypeScript types generated from it (`make client`), both committed.
CLIENT_DOCUMENT := frontend/openapi.json
CLIENT_SCHEMA := frontend/src/client/schema.d.ts
# The Python code that lint and fmt check: the service, its tests and tools, and the Python client.
PY_SOURCES := backend_fastapi tests bench scripts clients/python
FRONTEND_SOURCES := $(shell find frontend/src frontend/public frontend/index.html frontend/package.json frontend/vite.config.ts frontend/tsconfig*.json -type f 2>/dev/null)

.PHONY: help run test lint fmt bench screenshots migrate api worker lock setup setup-dev chromium frontend frontend-deps client client-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: setup ## Set up and run DataOps locally (API + worker + frontend, SQLite) on http://127.0.0.1:8000
	$(VENV)/bin/dataops up

test: setup-dev ## Set up and run every test (lint, types, Python tests, frontend tests)
	$(MAKE) --no-print-directory lint
	$(VENV)/bin/pytest
	@if [ -f frontend/package.json ]; then cd frontend && npm test; fi

lint: $(VENV)/.deps-dev frontend-deps ## ruff, mypy, the import contracts that keep the API slim, the TypeScript client
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) scripts/python-client-models.py --check
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory client-check && cd frontend && npm run --silent typecheck; fi

# Writes the document without starting a server, then the types openapi-fetch calls the API with.
# $(1): where the document goes, $(2): where the types go (absolute paths).
generate_client = $(PY) scripts/openapi-document.py $(1) && \
	(cd frontend && npx --no-install openapi-typescript "$(1)" -o "$(2)" \
		--default-non-nullable false >/dev/null)

client: $(VENV)/.deps-dev frontend-deps ## Regenerate the TypeScript and Python API clients from the OpenAPI document
	$(call generate_client,$(CURDIR)/$(CLIENT_DOCUMENT),$(CURDIR)/$(CLIENT_SCHEMA))
	$(PY) scripts/python-client-models.py

# Regenerates into a temporary folder: the committed client must be what the API documents now.
client-check: | $(PY)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(call generate_client,$$tmp/openapi.json,$$tmp/schema.d.ts) && \
	if ! diff -q $(CLIENT_DOCUMENT) "$$tmp/openapi.json" >/dev/null || ! diff -q $(CLIENT_SCHEMA) "$$tmp/schema.d.ts" >/dev/null; then \
		echo "The TypeScript client is out of date with the API's OpenAPI document: run 'make client' and commit $(CLIENT_DOCUMENT) and $(CLIENT_SCHEMA)." >&2; \
		diff -u $(CLIENT_DOCUMENT) "$$tmp/openapi.json" | head -40 >&2; \
		exit 1; \
	fi

fmt: ## Format the Python code
	$(VENV)/bin/ruff format $(PY_SOURCES)
	$(VENV)/bin/ruff check --fix $(PY_SOURCES)

bench: setup-dev ## Run the benchmarks and write docs/benchmarks.md
	$(PIP) install -q -c $(LOCK) -e '.[dev,bench]'
	$(PY) -m bench.run_all

screenshots: setup-dev ## Retake the screenshots in docs/screenshots with the browser tests
	UPDATE_SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e -q

migrate: $(VENV)/.deps-run ## Apply database migrations
	$(VENV)/bin/dataops migrate

api: $(VENV)/.deps-run ## Run only the API
	$(VENV)/bin/dataops api

worker: $(VENV)/.deps-run ## Run only a worker
	$(VENV)/bin/dataops worker

# Pins every extra for Python 3.11 on every platform. Versions already in the lock are kept while
# pyproject.toml still allows them, so adding a dependency moves nothing else; UPGRADE=1 takes the newest.
lock: | $(PY) ## Re-pin requirements.lock from pyproject.toml (UPGRADE=1: newest versions)
	$(PIP) install -q -c $(LOCK) uv
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
		--no-emit-package dataops --custom-compile-command 'make lock' --quiet \
		$(if $(UPGRADE),--upgrade) -o $(LOCK)

setup: $(VENV)/.deps-run chromium frontend

setup-dev: $(VENV)/.deps-dev chromium frontend
	@scripts/install-test-tools.sh
	@scripts/install-docker.sh

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.deps-run: pyproject.toml $(LOCK) | $(PY)
	$(PIP) install -q -c $(LOCK) -e '.[worker]'
	@touch $@

$(VENV)/.deps-dev: pyproject.toml $(LOCK) clients/python/pyproject.toml | $(PY)
	$(PIP) install -q -c $(LOCK) -e '.[dev]' -e clients/python
	@touch $@ $(VENV)/.deps-run

chromium: | $(PY)
	@scripts/install-chromium.sh $(PY)

frontend:
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory frontend/dist/index.html; fi

frontend-deps:
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory frontend/node_modules/.package-lock.json; fi

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build
	@touch $@

clean: ## Remove the virtualenv, the frontend build and caches (keeps your data)
	rm -rf $(VENV) frontend/node_modules frontend/dist .pytest_cache .mypy_cache .ruff_cache
