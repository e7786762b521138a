# 信访+ joint supervision hub — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
VENDOR := hub/static/vendor

.PHONY: run test setup lint clean

setup: $(VENV)/.installed $(VENDOR)/.installed hub/translations/en/LC_MESSAGES/messages.mo

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	touch $@

hub/translations/en/LC_MESSAGES/messages.mo: hub/translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d hub/translations

run: setup
	$(BIN)/python -m hub.runner

test: setup
	$(BIN)/python -m pytest --db=sqlite
	$(BIN)/python -m pytest --db=postgresql

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
