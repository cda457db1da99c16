# cluecam — one static Go binary for CLUE camera boxes.
#
#   make run     build and run the appliance on the embedded example config
#   make test    everything CI runs (format, vet, race tests, cross builds,
#                tests under qemu-user, the Go-floor build)
#   make deps    install what the build and the tests need (idempotent)
#
# Every target installs what it needs first, so both work on a fresh
# Debian/Ubuntu machine.

SHELL      := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO         ?= go
BIN        := bin
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -s -w -X main.version=$(VERSION)
GOBUILD    := CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)'
CONFIG     ?= board/config/cluecam.example.toml
# The lowest Go the module allows (go.mod's go line). Buildroot builds with its
# own Go, so we prove the floor still compiles. Served by the module proxy.
GO_FLOOR   ?= go1.25.0
FUZZTIME   ?= 30s
BENCHTIME  ?= 1s

# Debian packages the tests drive as real counterparts.
APT_PKGS   := ffmpeg file libxml2-utils qemu-user-static

# Packages whose tests are pure (no host tools, no devices): also run as
# arm64 and armv7 binaries under qemu-user to catch struct-size and
# endianness slips before the hardware does.
PURE_PKGS  := ./board/config/... ./clue/... ./hw/... ./media/...

# Cross targets: name GOARCH GOARM
CROSS      := arm64:arm64: armv7:arm:7 armv6:arm:6

.PHONY: all build run deps deps-apt deps-go test fmt-check vet unit cross \
        test-qemu-user test-floor fuzz bench clean

all: build

build: deps-go
	$(GOBUILD) -o $(BIN)/cluecam ./cmd/cluecam

run: build
	$(BIN)/cluecam run --config $(CONFIG)

# --- dependencies --------------------------------------------------------

deps: deps-apt deps-go

deps-apt:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

deps-go:
	@command -v $(GO) >/dev/null || { echo "Go is missing: install Go >= 1.25 (https://go.dev/dl) or 'apt-get install golang-go' on a recent release"; exit 1; }
	$(GO) mod download

# --- checks --------------------------------------------------------------

test: deps fmt-check vet unit cross test-qemu-user test-floor
	@echo "make test: all checks passed"

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	GOOS=linux GOARCH=arm GOARM=6 $(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

cross: deps-go
	@for t in $(CROSS); do \
	  IFS=: read -r name arch arm <<<"$$t"; \
	  out=$(BIN)/cluecam-linux-$$name; \
	  echo "build $$out"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOARM=$$arm $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/cluecam; \
	  desc=$$(file -b $$out); \
	  case "$$desc" in *"statically linked"*) ;; *) echo "$$out is not static: $$desc"; exit 1;; esac; \
	done

# Pure packages' tests as arm64 and armv7 binaries, and the cross-built
# binaries' `version` subcommand, all under qemu-user.
test-qemu-user: cross
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64-static $(PURE_PKGS)
	GOARCH=arm GOARM=7 $(GO) test -count=1 -exec qemu-arm-static $(PURE_PKGS)
	qemu-aarch64-static $(BIN)/cluecam-linux-arm64 version
	qemu-arm-static $(BIN)/cluecam-linux-armv7 version
	qemu-arm-static -cpu arm1176 $(BIN)/cluecam-linux-armv6 version

# The module must build and pass vet with the oldest Go its go line admits.
test-floor:
	GOTOOLCHAIN=$(GO_FLOOR) $(GO) version
	GOTOOLCHAIN=$(GO_FLOOR) CGO_ENABLED=0 $(GO) build -o /dev/null ./...
	GOTOOLCHAIN=$(GO_FLOOR) $(GO) vet ./...

# --- long runs (not part of make test) -----------------------------------

# Every fuzz target in the module, each for FUZZTIME.
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

clean:
	rm -rf $(BIN)
