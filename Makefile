# featureflag_exporter: `make run` and `make test` do all the set-up on a fresh Debian 12 with Swift 6.3.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= config/feature_flags.yaml

# Debian packages the build needs (libcrypto for the bucket hash).
BUILD_PACKAGES := libssl-dev
# Extra packages the tests need (python3 is the independent bucketing reference).
TEST_PACKAGES := python3
# Extra packages the benchmarks need (gcc builds the C floor of ../shared/bench).
BENCH_PACKAGES := gcc

BIN := .build/release/featureflag_exporter
FLOOR_SOURCE ?= ../shared/bench/floor.c

.PHONY: all deps test-deps build run test bench format clean

all: build

deps:
	@scripts/install-packages.sh $(BUILD_PACKAGES)

test-deps: deps
	@scripts/install-packages.sh $(TEST_PACKAGES)

build: deps
	$(SWIFT) build -c release --product featureflag_exporter

# Until `serve` exists, `make run` validates the shipped config and prints its effective flags per environment.
run: build
	$(BIN) check --config.file $(CONFIG)

test: test-deps
	$(SWIFT) build
	$(SWIFT) test

# Benchmarks beside the C floor, in the same run (docs/benchmarks.md).
bench: deps
	@scripts/install-packages.sh $(BENCH_PACKAGES)
	cd Benchmarks && $(SWIFT) build -c release
	@mkdir -p .build
	gcc -O2 -o .build/bench-floor $(FLOOR_SOURCE) -lcrypto
	@echo "== C floor ($(FLOOR_SOURCE))"
	.build/bench-floor
	@echo "== flagbench"
	Benchmarks/.build/release/flagbench all

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Sources

clean:
	rm -rf .build Benchmarks/.build
