# Chorus: `make run` serves the demo; `make test` runs the whole suite.
# Both work on a fresh machine with nothing but Python 3.11 (and, for the browser
# tests, Debian's package manager).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults: DEBUG on, SQLite, Celery on the filesystem broker under var/.
DEV_ENV := DEBUG=$${DEBUG:-true} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}
TEST_PG_URL := postgres://postgres@127.0.0.1:5432/chorus
TEST_REDIS_URL := redis://127.0.0.1:6379/15

.PHONY: run test lint typecheck deps dev-deps browser clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

run: $(VENV)/.deps
	@mkdir -p var/celery/queue var/celery/processed
	@$(DEV_ENV) $(PY) manage.py migrate --noinput -v 0
	@$(DEV_ENV) $(PY) manage.py seed_demo
	@$(DEV_ENV) $(PY) manage.py seed_demo_content
	@$(DEV_ENV) $(PY) manage.py seed_demo_analytics
	@echo ""
	@echo "  Chorus is starting at http://$(HOST):$(PORT)/  (worker and beat run alongside; Ctrl-C stops all)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(DEV_ENV) $(VENV)/bin/celery -A config worker -Q celery,fetch,publish -l warning --concurrency 2 & \
	$(DEV_ENV) $(VENV)/bin/celery -A config beat -l warning & \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	}

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/lint-imports --no-cache
	bash scripts/check_compose.sh

typecheck: $(VENV)/.dev-deps
	DEBUG=true $(VENV)/bin/mypy .

test: $(VENV)/.dev-deps browser lint typecheck
	@mkdir -p var
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then \
	  if $(PY) -c "import psycopg2; psycopg2.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	    export DATABASE_URL=$(TEST_PG_URL); echo "Tests run on PostgreSQL (127.0.0.1:5432)."; \
	  else \
	    echo ""; \
	    echo "*** WARNING: PostgreSQL is not reachable at 127.0.0.1:5432 — the tests FALL BACK TO SQLITE. ***"; \
	    echo "*** CI runs them on PostgreSQL; start it to test what ships.                                ***"; \
	    echo ""; \
	    export DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3; \
	  fi; \
	fi; \
	if [ -z "$$TEST_REDIS_URL" ]; then \
	  if $(PY) -c "import redis; redis.Redis.from_url('$(TEST_REDIS_URL)', socket_connect_timeout=3).ping()" 2>/dev/null; then \
	    export TEST_REDIS_URL=$(TEST_REDIS_URL); echo "Celery tests use Redis (127.0.0.1:6379/15)."; \
	    export CELERY_BROKER_URL=$(TEST_REDIS_URL); \
	  else \
	    echo "*** WARNING: Redis is not reachable at 127.0.0.1:6379 — the real-worker tests will be SKIPPED. ***"; \
	  fi; \
	fi; \
	DEBUG=true $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-deps
	$(PY) bench/http_bench.py

clean:
	rm -rf var staticfiles db.sqlite3 db.sqlite3-wal db.sqlite3-shm .mypy_cache .ruff_cache .pytest_cache
