# dossier: two set-up commands.
#   make demo   builds the pack of the embedded sample app into ./dossier-demo
#   make test   runs the whole test suite (installs what it needs first)
# Both install their system dependencies on a fresh Debian machine.

GO       ?= go
OUT      ?= dossier-demo
BIN      := bin/dossier
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test bench fuzz deps test-deps node-deps vet clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$$(git describe --tags --always --dirty 2>/dev/null)" -o $(BIN) ./cmd/dossier

# apt installs Debian packages that are missing; $(1) is a list of
# "test-command:package" pairs, the test being a command that must exist or
# an executable path.
define apt
	@missing=""; for pair in $(1); do \
		probe=$${pair%%:*}; pkg=$${pair#*:}; \
		if [ "$${probe#/}" != "$$probe" ]; then [ -x "$$probe" ] || missing="$$missing $$pkg"; \
		else command -v "$$probe" >/dev/null 2>&1 || missing="$$missing $$pkg"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

# deps: what the demo needs. Debian's chromium-headless-shell renders the
# evidence (it starts in a third of chromium's time); chromium is what a
# user without the shell has, and the browser guard is tested on both.
# poppler-utils (pdftotext, pdftoppm) reads PDFs back.
deps:
	$(call apt,/usr/lib/chromium/chromium-headless-shell:chromium-headless-shell /usr/lib/chromium/chromium:chromium pdftotext:poppler-utils)

# test-deps: what the suite needs beyond that. Node runs the third-party
# MCP servers and authorization server; LibreOffice opens the spreadsheet
# exports as a reader would; shellcheck lets actionlint (a Go tool, go.mod)
# check the scripts of the CI recipes in samples/ci.
test-deps: deps
	$(call apt,npm:npm node:nodejs soffice:libreoffice-calc-nogui shellcheck:shellcheck)

# node-deps installs the third-party servers the tests and benchmarks run
# (collect: server-everything, oidc-provider, the MCP Inspector and a Node 22
# binary for it; evidence: server-basic-vanillajs; corpus: twelve more
# MCP App example servers) from the committed lock files, only when
# node_modules is missing or older than its lock. No package scripts run.
NODE_DIRS   := collect/testdata/node evidence/testdata/node corpus/testdata/node
NODE_STAMPS := $(addsuffix /node_modules/.package-lock.json,$(NODE_DIRS))

node-deps: test-deps $(NODE_STAMPS)

%/node_modules/.package-lock.json: %/package-lock.json %/package.json
	cd $* && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

demo: deps build
	./$(BIN) demo --out $(OUT)

vet:
	$(GO) vet ./...

test: node-deps vet
	$(GO) test -count=1 -timeout 12m ./...

# bench runs every benchmark three times; the whole-process ones (demo,
# build --format all at 100, 1,000 and 2,000 tools, Chrome included) take
# some minutes. DOSSIER_BENCH_BEFORE=path/to/old/dossier runs another binary
# interleaved with this tree's, for before and after figures from one run.
bench: node-deps
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 60m ./...

# fuzz runs every fuzz target of a reader of untrusted files for FUZZTIME
# each (go test runs only their seed corpus). One -fuzz per run, so one
# line per target.
FUZZTIME ?= 60s
FUZZ_TARGETS := FuzzParse:./pack/manifest FuzzDecode:./pack FuzzReadZip:./pack \
	FuzzParseQuestionnaire:./pack FuzzParseSums:./pack/sign \
	FuzzParse:./pack/plugin FuzzReadZip:./pack/plugin

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzzing $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $${t#*:} || exit 1; \
	done

clean:
	rm -rf bin $(OUT)
