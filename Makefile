# Feedback Desk. `make demo`, `make run` and `make test` set everything up themselves on a
# fresh machine (only python3 >= 3.11 with venv is needed); dependencies are reinstalled into
# .venv only when pyproject.toml has changed since the last install.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stamps live inside .venv, so deleting .venv forgets them too.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.DEFAULT_GOAL := help
.PHONY: help demo run test lint deps

help:
	@echo "make demo   install into $(VENV) if needed, then play one desk day on an"
	@echo "            in-process Telegram (no token needed) and show it"
	@echo "make run    install into $(VENV) if needed, then run the bot"
	@echo "            (needs FEEDBACK_DESK__TELEGRAM__TOKEN; see README.md)"
	@echo "make test   install the test tools into $(VENV) if needed, then run the tests"
	@echo "            (TEST_DATABASE_URL=postgresql+asyncpg://... for PostgreSQL)"
	@echo "make lint   ruff check and ruff format --check"

demo: $(RUN_STAMP)
	$(BIN)/feedback-desk demo

run: $(RUN_STAMP)
	$(BIN)/feedback-desk run

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The test dependencies without running anything (CI installs first, then checks).
deps: $(TEST_STAMP)

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "error: '$(PYTHON)' not found; Feedback Desk needs Python 3.11 or newer" \
			"(e.g. make PYTHON=python3.12 $(MAKECMDGOALS))" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "error: Feedback Desk needs Python 3.11 or newer; '$(PYTHON)' is" \
			"$$($(PYTHON) -V 2>/dev/null || echo 'not usable')" \
			"(e.g. make PYTHON=python3.12 $(MAKECMDGOALS))" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "error: '$(PYTHON) -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv" >&2; \
		exit 1; }

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(RUN_STAMP)
