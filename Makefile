# The two commands: `make run` and `make test`. Everything else is a thin alias.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite install system-deps lint bench clean serve docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/klip init-db
	$(BIN)/klip deploy
	KLIP_DEMO=1 $(BIN)/klip demo
	KLIP_DEMO=1 $(BIN)/klip serve --host 127.0.0.1 --port 5000

serve: install
	$(BIN)/klip serve

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install system-deps
	$(BIN)/ruff check engine webapp tests benchmarks
	$(BIN)/mypy
	$(BIN)/klip lint bpmn/lip20-0008.bpmn
	scripts/with-postgres.sh $(BIN)/python -m pytest

test-sqlite: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check engine webapp tests benchmarks
	$(BIN)/mypy
	$(BIN)/klip lint bpmn/*.bpmn

bench: install
	$(BIN)/python -m benchmarks.run

docs: install
	$(BIN)/klip docs --out docs/

clean:
	rm -rf $(VENV) instance .pytest_cache
