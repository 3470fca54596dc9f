# Daoan: `make run` sets everything up and serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Debian's python3.11 first: the server drops root (gis/privileges.py) and its service user must be able
# to read the interpreter's standard library (a pyenv build under /root is closed to it).
PYTHON ?= $(shell test -x /usr/bin/python3.11 && echo /usr/bin/python3.11 || command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DAOAN_DEMO ?= province
export DAOAN_PORT ?= 8080

.PHONY: help run test stop lint bench backup restore system venv venv-python node db clean-var

help:
	@echo "make run      set up PostGIS and Python, load the demo, serve on http://127.0.0.1:$(DAOAN_PORT)"
	@echo "make test     run the test suite against a throwaway database"
	@echo "make stop     stop the project's PostgreSQL cluster"
	@echo "make lint     ruff and mypy"
	@echo "make bench    benchmarks (results in bench/RESULTS.md)"
	@echo "make backup   pg_dump the database to var/backups/;  make restore FILE=…"

system:
	@scripts/install-system.sh

$(BIN)/.installed: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

# A .venv made from another interpreter than $(PYTHON) is made again.
venv-python:
	@if [ -x $(BIN)/python ] && [ "$$(readlink -f $(BIN)/python)" != "$$(readlink -f $(PYTHON))" ]; then \
		echo "recreating $(VENV) with $(PYTHON)"; rm -rf $(VENV); fi

venv: venv-python $(BIN)/.installed

# Node tools for the map: the style validator and the Noto Sans font the label glyphs are built from.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: style validation and map label glyphs need Node.js 20"; fi

node: node_modules/.installed

db: system venv
	$(BIN)/daoan db init

run: db node
	$(BIN)/daoan demo --if-empty --size $(DAOAN_DEMO)
	@if [ -f node_modules/.installed ]; then $(BIN)/daoan tiles glyphs; fi
	$(BIN)/daoan serve

test: system venv node
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25

stop:
	@if [ -x $(BIN)/daoan ]; then $(BIN)/daoan db stop; else echo "nothing to stop"; fi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy gis layers tiles routing planning analysis app.py cli.py

bench: db
	$(BIN)/python -m bench.run

backup: db
	$(BIN)/daoan db backup

restore: db
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/daoan-….dump"; exit 2; }
	$(BIN)/daoan db restore "$(FILE)"
