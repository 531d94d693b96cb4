# The two commands: `make run` and `make test`. Everything else is a thin alias.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite install system-deps system-deps-run lint bench clean serve docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install system-deps-run
	$(BIN)/klip init-db
	$(BIN)/klip deploy
	KLIP_DEMO=1 $(BIN)/klip demo
	KLIP_DEMO=1 $(BIN)/klip serve --host 127.0.0.1 --port 5000

serve: install
	$(BIN)/klip serve

# Debian packages the app needs at run time: Pango and a font for WeasyPrint (the signed report's PDF).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-deps-run:
	@missing=$$(for p in $(RUN_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then echo "installing" $$missing "(Debian)"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
system-deps: system-deps-run
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
