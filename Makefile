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
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) manage.py bench

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
