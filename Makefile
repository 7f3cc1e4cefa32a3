# Loft's everyday commands. `make run` runs Loft with its embedded default
# configuration; `make test` installs the test programs it can and runs
# every test.

GO          ?= go
BIN         ?= bin/loft
TESTTIMEOUT ?= 20m
FUZZTIME    ?= 30s
BENCHTIME   ?= 1s

.PHONY: all build run test test-deps bench fuzz vet clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/loft

run: build
	./$(BIN) serve

test-deps:
	sh scripts/test-deps

test: test-deps
	$(GO) test -timeout $(TESTTIMEOUT) ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./store ./server/...
	if [ -x scripts/bench ]; then scripts/bench; fi

fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) sh scripts/fuzz

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$($(GO) list -e -f '{{$$d := .Dir}}{{range .GoFiles}}{{$$d}}/{{.}} {{end}}{{range .TestGoFiles}}{{$$d}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$$d}}/{{.}} {{end}}' ./...)); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

clean:
	rm -rf bin
