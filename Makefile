# Gongwen (公文). The two commands:
#   make run    set up everything (venv, packages, database, demo office), then serve it on
#               http://127.0.0.1:8000 (gunicorn + the worker, restarted if they die; Ctrl-C stops)
#   make test   everything CI runs: ruff, Django checks, pytest on SQLite (with the browser
#               tests) and again on PostgreSQL, each at a stated instant (scripts/test.sh)
# Also: make cluster (make run as several machines run it: two app servers behind haproxy, two
# workers, Redis), make lint, make bench, make lock (requirements*.txt from pyproject.toml).
# PYTHON picks the interpreter that creates .venv (3.11 or newer). As root, missing Debian
# packages are installed with apt-get (scripts/sysdeps.sh). Every step is skipped when done.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHON

.PHONY: help run cluster test lint bench lock venv venv-dev

help:
	@sed -n '1,9p' Makefile | sed 's/^# \{0,1\}//'

run:
	@bash scripts/sysdeps.sh run
	@$(PYTHON) scripts/venv.py run
	@$(PY) scripts/run.py

# Cluster mode on this machine, all on 127.0.0.1 (docs/architecture.md §9): a throwaway
# PostgreSQL, Redis (queue and cache), two gunicorn app servers behind haproxy on
# http://127.0.0.1:8000, two workers (qcluster), one files root; each restarted if it dies,
# Ctrl-C stops all and removes everything (scripts/cluster.py).
cluster:
	@bash scripts/sysdeps.sh cluster
	@$(PYTHON) scripts/venv.py run
	@$(PY) scripts/cluster.py

test:
	@bash scripts/sysdeps.sh test
	@$(PYTHON) scripts/venv.py dev
	@bash scripts/test.sh

lint: venv-dev
	@$(PY) -m ruff check .

# The benches write their own reports; bench/combine.py gathers them into
# bench/report.json. The statistics bench needs PostgreSQL (a throwaway cluster).
bench: venv-dev
	@bash scripts/sysdeps.sh test
	@$(PY) bench/run.py
	@$(PY) bench/overdue.py
	@bash scripts/with_postgres.sh $(PY) bench/stats.py
	@$(PY) bench/checks.py
	@$(PY) bench/render.py
	@$(PY) bench/exchange.py
	@$(PY) bench/search.py
	@bash scripts/with_postgres.sh $(PY) bench/search.py
	@$(PY) bench/capacity.py
	@bash scripts/with_postgres.sh $(PY) bench/capacity.py --million
	@$(PY) bench/combine.py

lock: venv-dev
	@$(PY) scripts/lock.py

venv:
	@bash scripts/sysdeps.sh run
	@$(PYTHON) scripts/venv.py run

venv-dev:
	@bash scripts/sysdeps.sh run
	@$(PYTHON) scripts/venv.py dev
