# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The address e-mailed links point to, worked out once here: honcho gives each
# Procfile process its own PORT (the worker, which sends the mail, gets
# PORT+100), so the processes can't each derive it from PORT.
SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)

.PHONY: run test install lint clean bench soak

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ with a Celery worker and beat (Ctrl-C stops all three)"
	HOST=$(HOST) PORT=$(PORT) SITE_URL=$(SITE_URL) $(VENV)/bin/honcho start

test: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks on PostgreSQL (BENCH_DATABASE_URL; its database is recreated).
# Needs `hey` (apt-get install hey). N orders, default 1,000,000.
N ?= 1000000
bench: install
	@command -v hey >/dev/null || { echo "bench needs hey: apt-get install -y hey"; exit 1; }
	$(PY) -m bench.run --orders $(N)

# Five minutes of load on loopback: zero errors, no steady memory growth.
soak: install
	@command -v hey >/dev/null || { echo "soak needs hey: apt-get install -y hey"; exit 1; }
	$(PY) -m bench.soak --minutes 5

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) data staticfiles test-artifacts
