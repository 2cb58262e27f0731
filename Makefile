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

# One worker per core: every worker has its own SQLite files, PostgreSQL database and server
# ports, so the suite takes about half the time on two cores.
test: install
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3*

# Refresh the French catalogue after adding messages; a test fails while one lacks a translation.
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-location --sort-output --omit-header -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d inventory/locale -l fr --no-fuzzy-matching --no-wrap

# Front-end files from the npm registry, committed so that a clone needs only Python and pip.
# `make vendor` (needs npm; not part of run/test) fetches these exact versions again and copies
# the same bytes: `git status` stays clean unless a version above was changed.
# The camera's decoder, loaded only when the camera is opened and the browser has no
# BarcodeDetector of its own; zxing-wasm is the version barcode-detector pins, and its .wasm is
# checked against the SHA-256 that barcode-detector's script carries.
BARCODE_DETECTOR := 3.2.2
ZXING_WASM       := 3.1.3
# Accessibility checks of the browser tests (tests/e2e/test_accessibility.py).
AXE_CORE         := 4.14.1
DECODER_DIR      := inventory/static/vendor/barcode-detector-$(BARCODE_DETECTOR)
AXE_DIR          := tests/e2e/vendor/axe-core-$(AXE_CORE)
.PHONY: vendor
vendor:
	rm -rf var/npm && mkdir -p var/npm $(DECODER_DIR) $(AXE_DIR)
	cd var/npm && npm pack --silent barcode-detector@$(BARCODE_DETECTOR) \
	  zxing-wasm@$(ZXING_WASM) axe-core@$(AXE_CORE) >/dev/null
	cd var/npm && for p in barcode-detector-$(BARCODE_DETECTOR) zxing-wasm-$(ZXING_WASM) \
	  axe-core-$(AXE_CORE); do mkdir $$p && tar -xzf $$p.tgz -C $$p --strip-components=1; done
	grep -q "zxing-wasm@$(ZXING_WASM)/" var/npm/barcode-detector-$(BARCODE_DETECTOR)/dist/iife/ponyfill.js
	grep -q "$$(sha256sum var/npm/zxing-wasm-$(ZXING_WASM)/dist/reader/zxing_reader.wasm | cut -c1-64)" \
	  var/npm/barcode-detector-$(BARCODE_DETECTOR)/dist/iife/ponyfill.js
	cp var/npm/barcode-detector-$(BARCODE_DETECTOR)/dist/iife/ponyfill.js $(DECODER_DIR)/
	cp var/npm/barcode-detector-$(BARCODE_DETECTOR)/LICENSE $(DECODER_DIR)/LICENSE
	cp var/npm/zxing-wasm-$(ZXING_WASM)/dist/reader/zxing_reader.wasm $(DECODER_DIR)/
	cp var/npm/zxing-wasm-$(ZXING_WASM)/LICENSE $(DECODER_DIR)/LICENSE.zxing-wasm
	cp var/npm/axe-core-$(AXE_CORE)/axe.min.js var/npm/axe-core-$(AXE_CORE)/LICENSE \
	  var/npm/axe-core-$(AXE_CORE)/LICENSE-3RD-PARTY.txt $(AXE_DIR)/
	rm -rf var/npm
