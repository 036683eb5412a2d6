# dossier: two set-up commands.
#   make demo   builds the pack of the embedded sample app into ./dossier-demo
#   make test   runs the whole test suite (installs what it needs first)
# Both install their system dependencies on a fresh Debian machine.

GO       ?= go
OUT      ?= dossier-demo
BIN      := bin/dossier
APT_PKGS := chromium poppler-utils
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test bench fuzz deps node-deps node-deps-evidence vet clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/dossier

# deps installs Debian's chromium (evidence captures) and poppler-utils
# (pdftotext/pdftoppm, used by the PDF tests), only when missing.
deps:
	@missing=""; \
	[ -x /usr/lib/chromium/chromium ] || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# node-deps installs the third-party servers collect's tests and benchmarks
# run (server-everything, oidc-provider, the MCP Inspector, and a Node 22
# binary for the Inspector) from the committed lock file, only when
# node_modules is missing or older than the lock; Debian's nodejs and npm
# first if npm is missing. No package scripts run: the only one, the
# Inspector's postinstall, does nothing when it is a dependency.
NODE_DIR   := collect/testdata/node
NODE_STAMP := $(NODE_DIR)/node_modules/.package-lock.json

node-deps: $(NODE_STAMP)

$(NODE_STAMP): $(NODE_DIR)/package-lock.json $(NODE_DIR)/package.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "installing: nodejs npm"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; \
	}
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# node-deps-evidence installs the third-party MCP App server the evidence
# tests render (@modelcontextprotocol/server-basic-vanillajs) the same way,
# without running package scripts (the package ships its built dist/).
EV_NODE_DIR   := evidence/testdata/node
EV_NODE_STAMP := $(EV_NODE_DIR)/node_modules/.package-lock.json

node-deps-evidence: $(EV_NODE_STAMP)

$(EV_NODE_STAMP): $(EV_NODE_DIR)/package-lock.json $(EV_NODE_DIR)/package.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "installing: nodejs npm"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; \
	}
	cd $(EV_NODE_DIR) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

demo: deps build
	./$(BIN) demo --out $(OUT)

vet:
	$(GO) vet ./...

test: deps node-deps node-deps-evidence vet
	$(GO) test -count=1 -timeout 12m ./...

bench: deps node-deps node-deps-evidence
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s -fuzzminimizetime 5s ./pack/manifest

clean:
	rm -rf bin $(OUT)
