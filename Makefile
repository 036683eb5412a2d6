# dossier: two set-up commands.
#   make demo   builds the pack of the embedded sample app into ./dossier-demo
#   make test   runs the whole test suite (installs what it needs first)
# Both install their system dependencies on a fresh Debian machine.

GO       ?= go
OUT      ?= dossier-demo
BIN      := bin/dossier
APT_PKGS := chromium poppler-utils
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test bench fuzz deps vet clean

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

demo: deps build
	./$(BIN) demo --out $(OUT)

vet:
	$(GO) vet ./...

test: deps vet
	$(GO) test -count=1 -timeout 12m ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s -fuzzminimizetime 5s ./pack/manifest

clean:
	rm -rf bin $(OUT)
