# b2bot: `make run` and `make test` set themselves up on a machine with only Python >= 3.11 and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint check bench setup clean browser

# The browser test drives Debian's Chromium (never a downloaded build); root installs it when missing.
CHROMIUM := /usr/bin/chromium

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(INSTALLED)

setup: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/b2bot migrate
	$(BIN)/b2bot seed-demo --if-empty
	$(BIN)/b2bot serve

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy

browser:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium is not installed: the browser test will be skipped"

test: lint browser
	$(BIN)/pytest

bench: $(INSTALLED)
	$(BIN)/python -m bench $(BENCH)  # BENCH="turns_bench checkout_bench" runs some; sizes: BENCH_* variables

clean:
	rm -rf $(VENV) var
