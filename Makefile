# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow bench lint lock screenshots clean

# The dev/test environment installs from the lock; pyproject.toml keeps ranges for users.
LOCK := constraints-dev.txt

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

# Refresh the lock to the newest releases within pyproject.toml's ranges, then `make test`.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
		--upgrade --quiet --custom-compile-command 'make lock' -o $(LOCK)

demo: $(STAMP)
	$(BIN)/backend-agent demo

# The suite without the tests marked slow (whole generated services installed, migrated,
# served and tested; builds from a plain install; a browser): well under 15 minutes on 2 cores.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q -m "not slow"

# The tests marked slow; CI (.ci/run) runs both.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -n auto -q -m slow

bench: $(STAMP)
	$(BIN)/python -m benchmarks

screenshots: $(STAMP)
	$(BIN)/python -m backend_agent.ui.showcase screenshots

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) dist build .pytest_cache
