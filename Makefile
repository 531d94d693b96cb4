# The two commands: `make run` and `make test`. Everything else is a thin alias.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite install system-deps system-deps-run system-deps-pg lint bench clean serve docs axe modeler

# axe-core, the accessibility engine the browser test runs on every page: from the npm registry, pinned by version
# and by the registry's integrity hash (dist.integrity), unpacked into an ignored cache. No Node.js needed.
AXE_VERSION   := 4.14.1
AXE_INTEGRITY := sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE_DIR       := .cache/axe-core/$(AXE_VERSION)
AXE_JS        := $(AXE_DIR)/axe.min.js

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

run: install system-deps-run $(BPMNJS_JS)
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

# PostgreSQL's pg_dump and pg_restore, for `klip backup` and `klip restore` on PostgreSQL (and their tests): from the
# installed server (/usr/lib/postgresql/<major>/bin, which klip prefers, newest first), else Debian's
# postgresql-client. scripts/with-postgres.sh installs the server, which brings them too.
system-deps-pg:
	@ls /usr/lib/postgresql/*/bin/pg_dump /usr/lib/postgresql/*/bin/pg_restore >/dev/null 2>&1 || \
	  { command -v pg_dump && command -v pg_restore; } >/dev/null 2>&1 || { echo "installing postgresql-client (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
system-deps: system-deps-run system-deps-pg
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

$(AXE_JS):
	mkdir -p $(AXE_DIR)
	curl -fsS --retry 3 -o $(AXE_DIR)/axe-core.tgz https://registry.npmjs.org/axe-core/-/axe-core-$(AXE_VERSION).tgz
	@got="sha512-$$(openssl dgst -sha512 -binary $(AXE_DIR)/axe-core.tgz | base64 -w0)"; \
	  if [ "$$got" != "$(AXE_INTEGRITY)" ]; then echo "axe-core $(AXE_VERSION): integrity mismatch ($$got)"; \
	  rm -f $(AXE_DIR)/axe-core.tgz; exit 1; fi
	tar -xzf $(AXE_DIR)/axe-core.tgz -O package/axe.min.js > $(AXE_JS).part
	mv $(AXE_JS).part $(AXE_JS)
	rm -f $(AXE_DIR)/axe-core.tgz

axe: $(AXE_JS)

# bpmn-js, the bpmn.io modeller of the analysts' web modeler (/analis/modeler): the same way — from the npm registry,
# pinned by version and dist.integrity, only its prebuilt dist/ files (the modeller bundle, its CSS and the BPMN icon
# font) unpacked into webapp/static/vendor/ (ignored by git), from where the app's static route serves them. No CDN.
BPMNJS_VERSION   := 18.31.1
BPMNJS_INTEGRITY := sha512-Hc7LzrgwfcBRUAdI/380Q2v1MJ115atGEVGadawLfDbHdo+r+IkmNj8fuYPFmWglUYt1KYIaC46OeX16HGTKQw==
BPMNJS_DIR       := webapp/static/vendor/bpmn-js/$(BPMNJS_VERSION)
BPMNJS_JS        := $(BPMNJS_DIR)/bpmn-modeler.production.min.js
BPMNJS_FILES     := package/LICENSE package/dist/bpmn-modeler.production.min.js package/dist/assets/diagram-js.css \
                    package/dist/assets/bpmn-js.css package/dist/assets/bpmn-font/css/bpmn.css \
                    package/dist/assets/bpmn-font/font/bpmn.woff2 package/dist/assets/bpmn-font/font/bpmn.woff \
                    package/dist/assets/bpmn-font/font/bpmn.ttf package/dist/assets/bpmn-font/font/bpmn.eot \
                    package/dist/assets/bpmn-font/font/bpmn.svg

$(BPMNJS_JS):
	mkdir -p $(BPMNJS_DIR).part
	curl -fsS --retry 3 -o $(BPMNJS_DIR).part/bpmn-js.tgz https://registry.npmjs.org/bpmn-js/-/bpmn-js-$(BPMNJS_VERSION).tgz
	@got="sha512-$$(openssl dgst -sha512 -binary $(BPMNJS_DIR).part/bpmn-js.tgz | base64 -w0)"; \
	  if [ "$$got" != "$(BPMNJS_INTEGRITY)" ]; then echo "bpmn-js $(BPMNJS_VERSION): integrity mismatch ($$got)"; \
	  rm -rf $(BPMNJS_DIR).part; exit 1; fi
	tar -xzf $(BPMNJS_DIR).part/bpmn-js.tgz -C $(BPMNJS_DIR).part --strip-components=1 $(BPMNJS_FILES)
	rm -f $(BPMNJS_DIR).part/bpmn-js.tgz
	rm -rf $(BPMNJS_DIR) && mv $(BPMNJS_DIR).part $(BPMNJS_DIR)

modeler: $(BPMNJS_JS)

test: install system-deps $(AXE_JS) $(BPMNJS_JS)
	$(BIN)/ruff check engine webapp tests benchmarks
	$(BIN)/mypy
	$(BIN)/klip lint bpmn/*.bpmn
	scripts/with-postgres.sh $(BIN)/python -m pytest -n auto

test-sqlite: install $(AXE_JS) $(BPMNJS_JS)
	$(BIN)/python -m pytest -n auto

lint: install
	$(BIN)/ruff check engine webapp tests benchmarks
	$(BIN)/mypy
	$(BIN)/klip lint bpmn/*.bpmn

# Every goal of issue 12 side by side in one run (some 5-10 minutes): docs/benchmarks.md and docs/benchmarks.json.
# The bench starts its own throw-away PostgreSQL (scripts/with-postgres.sh, fsync on) and servers. Not in `make test`.
bench: install system-deps-run
	$(BIN)/python -m benchmarks.run

docs: install
	$(BIN)/klip docs --out docs/

# The product's one gettext catalogue: collect every marked text (babel.cfg: _() t() N_()) into build/messages.pot,
# then merge it into engine/translations/<lang>/LC_MESSAGES/messages.po, keeping every translation (new texts get
# an empty msgstr, a changed text a "fuzzy" guess to review; removed texts are dropped). No compile step.
.PHONY: i18n
I18N_POT := build/messages.pot
i18n: install
	mkdir -p $(dir $(I18N_POT))
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k _ -k t -k N_ -k p_:1c,2 \
	  --add-comments=i18n: \
	  --sort-by-file --project=klip-lip20-0008 --copyright-holder="KLIP DJP" --msgid-bugs-address=- \
	  -o $(I18N_POT) .
	$(BIN)/pybabel update -i $(I18N_POT) -d engine/translations -D messages --ignore-obsolete

clean:
	rm -rf $(VENV) instance .pytest_cache .cache webapp/static/vendor
