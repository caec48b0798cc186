# exportkit: `make demo` shows it working, `make test` runs every test. Both install the
# system packages they need first (see scripts/deps.sh).

GO      ?= go
GOROOT  := $(shell $(GO) env GOROOT)
BIN     := bin/exportkit
# The browser test fails instead of skipping when Chromium is missing under `make test`.
export REQUIRE_BROWSER ?= 1

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## install missing system packages (apt-get on Debian; prints them elsewhere)
	@scripts/deps.sh

.PHONY: build
build: deps wasm ## build bin/exportkit, with the calculator's WebAssembly module inside
	$(GO) build -o $(BIN) ./cmd/exportkit

.PHONY: test
test: deps lint test-go test-race test-node ## run every test: native, race, under Node, in Chromium

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then \
		echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: test-go
test-go: ## native tests, PostgreSQL included (a throwaway cluster when none is given)
	scripts/with-postgres.sh $(GO) test -count=1 ./...

.PHONY: test-race
test-race: ## the concurrent code (credits, jobs, API) under the race detector
	scripts/with-postgres.sh $(GO) test -race -count=1 ./pricing/... ./engine/... ./api/... ./cmd/...

.PHONY: test-node
test-node: ## the pricing tests and golden files compiled to WebAssembly, run under Node
	PATH="$(GOROOT)/lib/wasm:$$PATH" GOOS=js GOARCH=wasm $(GO) test -count=1 ./pricing/...

.PHONY: wasm
wasm: ## build the calculator's WebAssembly module into wasm/web; print raw/gzip/brotli sizes
	$(GO) run ./wasm/cmd/calc build -dir wasm/web -gcflags '$(WASM_GCFLAGS)' \
		-version "$$(git describe --always --dirty 2>/dev/null || echo devel)"

.PHONY: calculator
calculator: wasm ## serve the browser cost calculator at http://127.0.0.1:8080
	$(GO) run ./wasm/cmd/calc serve -dir wasm/web -addr 127.0.0.1:8080

.PHONY: golden
golden: ## rewrite testdata/quotes/*.quote.json from the current pricing code
	$(GO) test ./pricing -run TestGolden -update

.PHONY: fuzz
fuzz: ## fuzz request and rate-card parsing for 30 s each
	$(GO) test ./pricing -run '^$$' -fuzz FuzzQuote -fuzztime 30s
	$(GO) test ./pricing -run '^$$' -fuzz FuzzParseRateCard -fuzztime 30s

.PHONY: bench
bench: ## pricing benchmarks (the figures the README quotes)
	$(GO) test ./pricing -run '^$$' -bench . -benchmem -count 5

.PHONY: bench-render
bench-render: deps ## render a 1080p clip with the package and the ffmpeg CLI: CPU and memory ratios
	$(GO) test ./render -run '^$$' -bench ReframeVsCLI -benchtime 3x -timeout 60m

.PHONY: demo
demo: build ## price the spec examples, then serve the API, webhooks and calculator on a demo space
	@scripts/demo.sh $(BIN)

.PHONY: clean
clean: ## remove build outputs
	rm -rf bin
