# featureflag_exporter: `make run` and `make test` do all the set-up on a fresh Debian 12 with Swift 6.3.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= config/feature_flags.yaml
# The exporter settings beside an example (config/examples/flagd.flags.json: config/examples/flagd.exporter.yaml).
EXPORTER_CONFIG ?= $(if $(filter config/examples/%,$(CONFIG)),$(basename $(basename $(CONFIG))).exporter.yaml,config/exporter.yaml)

# Debian packages the build needs (libcrypto for the bucket hash, zlib for gzip'd scrapes, libcurl for every outbound
# HTTP call, hiredis for the Redis pub/sub trigger, libcrypt for the bcrypt hashes of --web.config.file).
BUILD_PACKAGES := libssl-dev zlib1g-dev libcurl4-openssl-dev libhiredis-dev libcrypt-dev
# Extra packages the tests need: python3 is the independent bucketing reference; prometheus (with promtool) scrapes
# the exporter in the integration test and lints the exposition; curl talks to the running exporter; nginx and
# redis-server are the real HTTP(S) config source and pub/sub broker of the refresh tests, and openssl makes their
# certificate (and the TLS tests' CAs); apache2-utils' htpasswd makes the bcrypt hashes of the basic-auth tests;
# prometheus-pushgateway receives the pushes of `push` and `serve --push.gateway-url` (moto, for SSM, comes from PyPI
# into .build-venv: scripts/install-python-tools.sh).
# prometheus-alertmanager (amtool) and docker-compose lint the monitoring bundle (alerts/, config/,
# docker-compose.yml); promtool comes with prometheus. systemd's systemd-analyze verifies deploy/systemd's unit; the
# Kubernetes manifests are rendered with kubectl kustomize (kubectl is not a Debian package: the machine has it).
TEST_PACKAGES := python3 python3-venv prometheus prometheus-pushgateway prometheus-alertmanager docker-compose curl systemd \
	nginx redis-server openssl apache2-utils
# Extra packages the benchmarks need (gcc builds the C floor, Benchmarks/Floor/floor.c; wrk drives the OFREP benchmark;
# redis-server carries the propagation benchmark's PUBLISH; prometheus-pushgateway receives push-1k, curl is its floor;
# nginx is the OFREP workload's HTTP floor).
BENCH_PACKAGES := gcc wrk python3 redis-server prometheus-pushgateway curl nginx

BIN := .build/release/featureflag_exporter
FLOOR_SOURCE ?= Benchmarks/Floor/floor.c

.PHONY: all deps test-deps build run test bench fuzz tsan soak test-slow format clean image-test

all: build

deps:
	@scripts/install-packages.sh $(BUILD_PACKAGES)

test-deps: deps
	@scripts/install-packages.sh $(TEST_PACKAGES)
	@scripts/install-python-tools.sh

build: deps
	$(SWIFT) build -c release --product featureflag_exporter

# Serves the shipped config/ with synthetic traffic on: http://localhost:10100/metrics (LISTEN to change).
LISTEN ?= :10100
run: build
	$(BIN) check --config.file $(CONFIG) > /dev/null
	$(BIN) serve --config.file $(CONFIG) --exporter.config-file $(EXPORTER_CONFIG) --web.listen-address $(LISTEN)

test: test-deps
	$(SWIFT) build
	$(SWIFT) test

# Benchmarks beside the C floor, in the same run (docs/benchmarks.md).
bench: deps
	@scripts/install-packages.sh $(BENCH_PACKAGES)
	cd Benchmarks && $(SWIFT) build -c release
	@mkdir -p .build
	@if [ -f "$(FLOOR_SOURCE)" ]; then \
		gcc -O2 -o .build/bench-floor $(FLOOR_SOURCE) -lcrypto && \
		echo "== C floor ($(FLOOR_SOURCE))" && .build/bench-floor; \
	else \
		echo "== C floor: $(FLOOR_SOURCE) is not there (the repository keeps a copy in Benchmarks/Floor;"; \
		echo "   set FLOOR_SOURCE=path/to/floor.c). Running the Swift workloads without it: no floor to compare."; \
	fi
	@echo "== flagbench"
	Benchmarks/.build/release/flagbench all
	$(SWIFT) build -c release --product featureflag_exporter
	scripts/bench-ofrep.sh
	@echo "== propagation (PUBLISH to new config served, 100 changes)"
	python3 scripts/bench-propagation.py $(BIN)

# Opt-in, not in `make test`: builds the Dockerfile's run stage on a debootstrap'd Debian 12 with a private Docker
# engine and the binary built here, runs it with host networking on loopback and checks /-/ready, /metrics, the
# HEALTHCHECK, the labels and a clean stop (scripts/image-test.sh; needs root and the Debian mirror).
image-test: deps
	scripts/image-test.sh

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Sources

clean:
	rm -rf .build Benchmarks/.build

# libFuzzer targets of Fuzz/ (condition parser, flags file, OFREP body, mirror line), FUZZ_SECONDS each
# (docs/fuzzing.md). A crash leaves its input in .build-fuzz/crashes/<target>/ and fails the run.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# The test suite under ThreadSanitizer, in its own build folder (docs/architecture.md says why CI does not run it).
tsan: test-deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan

# Synthetic at full rate, wrk OFREP load, 50 scrapers, a valid or broken config every second (docs/benchmarks.md).
SOAK_SECONDS ?= 600
soak: build
	@scripts/install-packages.sh wrk python3
	SOAK_SECONDS=$(SOAK_SECONDS) python3 scripts/soak.py
