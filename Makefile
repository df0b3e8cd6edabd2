# Gongzhi: `make run` serves the demo county on SQLite; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export GONGZHI_DEMO ?= true

.PHONY: install run test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	@# Residents' reports get their category suggestion from routing_followup, run beside the server.
	$(PY) manage.py routing_followup --loop & follow=$$!; trap 'kill $$follow 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# In parallel on every core; the browser tests and modules sharing a heavy fixture each stay on one
# worker (conftest.SHARED_WORKER). Work goes out in collection order (--no-loadscope-reorder), where
# pytest-django puts the tests that flush the database last: a worker that ran one first would lose the
# rows the data migrations seed (urgency levels, holidays). The 25 slowest are listed at the end.
test: install
	$(PY) -m pytest -n auto --dist loadgroup --no-loadscope-reorder --durations=25

lint: install
	$(VENV)/bin/ruff check .

# Figures on this machine: the region tree and roster (throwaway database), routing, then the scale
# figures on PostgreSQL (bench/scale.sh: BENCH_DATABASE_URL, BENCH_CASES). See docs/benchmarks.md.
bench: install
	$(PY) manage.py bench
	$(PY) manage.py routing_bench
	bash bench/scale.sh

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
