# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Cache bytecode even where the environment turns it off: every test subprocess and server
# start would otherwise recompile the whole dependency tree (seconds each).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install browser run test bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) browser

# The browser tests (tests/e2e) drive Debian's Chromium through Playwright; no browser is ever
# downloaded. Best effort: installed with apt-get when missing, if apt-get exists and we are
# root; otherwise those tests skip with the reason (they fail under INVENTORY_REQUIRE_BROWSER=1).
browser:
	@command -v chromium >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 \
	  || [ "$$(id -u)" != 0 ] || (apt-get update -qq && apt-get install -y -qq chromium) \
	  || echo "chromium could not be installed: the browser tests will skip" >&2

run: install
	$(BIN)/inventory migrate
	$(BIN)/inventory demo --if-empty
	$(BIN)/inventory serve

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3*

# Refresh the French catalogue after adding messages; a test fails while one lacks a translation.
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-location --sort-output --omit-header -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d inventory/locale -l fr --no-fuzzy-matching --no-wrap
