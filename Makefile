# Keel: two commands do all the set-up on a fresh Debian machine.
#   make run    installs what is missing, builds, migrates and serves on the embedded database
#   make test   installs what is missing and runs every test against a real PostgreSQL

SHELL := /bin/bash
# The Swift toolchain lives at /opt/swift on our machines; a swift already on PATH wins.
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift
# Every build of the package checks that each target imports only the targets it declares, so an
# import that works only because something else pulled the module in fails (ARCHITECTURE.md's
# target graph is the rule; this keeps it honest).
SWIFT_FLAGS ?= --explicit-target-dependency-import-check=error

.PHONY: run test deps build release migrate clean-data fuzz bench bench-templates contract browser-test reliability restore-drill image image-test

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS) --product keel

run: build
	.build/debug/keel serve --migrate

# Every test (`swift test` under a watchdog: scripts/swift-test.sh names the tests still running
# and prints every thread's stack if the suite runs longer than 15 minutes), then the README's
# examples (its marked shell blocks, run against a freshly served keel: scripts/readme-examples.sh,
# about ten seconds), then the contract run (Schemathesis against the served spec, about half a
# minute) with a fixed seed, so CI and a laptop generate the same requests, then the short fault
# battery (tenant isolation, kill -9 under load, hostile input, the restore drill: about two
# minutes; `make reliability` runs all fourteen at full length), then the staff console in a
# real headless Chromium (about 40 s; its screenshots go to .data/screenshots, so a test run
# leaves the checkout clean; `make browser-test` refreshes docs/screenshots/).
test: deps
	@scripts/install-test-deps.sh
	SWIFT=$(SWIFT) SWIFT_FLAGS="$(SWIFT_FLAGS)" scripts/swift-test.sh
	$(SWIFT) build $(SWIFT_FLAGS) --product keel
	scripts/readme-examples.sh
	CONTRACT_SEED=$${CONTRACT_SEED:-20261121} scripts/contract.sh
	scripts/reliability.sh --short
	KEEL_SCREENSHOTS=.data/screenshots scripts/browser-test.sh

release: deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product keel

migrate: build
	.build/debug/keel migrate

# Contract test: serves the built keel on a free port with a fresh database and runs Schemathesis
# (every check) against the OpenAPI spec it serves; fails on any finding. See scripts/contract.sh.
contract: build
	scripts/contract.sh

# The container image, built from the real Dockerfile with buildah (no Docker engine here), and
# then run: its keel against a PostgreSQL on loopback with compose.yaml's roles and environment
# (docs/operations.md). As root. The first `make image` also makes the local stand-ins for the
# Dockerfile's base images (debootstrap; the toolchain from /opt/swift) and keeps them.
image:
	scripts/image.sh

image-test:
	scripts/image-test.sh

# The fault and abuse battery (docs/reliability.md): ten tests, each starting keel on a fresh
# database and breaking something (kill -9, SIGTERM, PostgreSQL restarts, a held lock, hostile
# bytes, login abuse, a crash between a card's charge and its record, kill -9 while webhooks go
# out), each printing one line of figures; about eleven minutes on the debug build (how
# docs/reliability.md's figures were made; the crash test needs the debug build's failpoint).
# KEEL_BIN picks another binary.
reliability: build
	scripts/reliability.sh

# Backup while the database is written, then restore --verify into a scratch database, on a seeded
# database (reliability test 11; also in `make reliability` and, short, in `make test`).
restore-drill: build
	scripts/reliability.sh restore-drill

# The staff console in a real headless Chromium (Selenium); writes docs/screenshots/.
browser-test: build
	scripts/browser-test.sh

# Stops and deletes the embedded cluster (all local data).
clean-data:
	-@for d in .data/postgres; do [ -e "$$d/PG_VERSION" ] && runuser -u postgres -- pg_ctl -D "$$(readlink -f $$d)" -m fast stop 2>/dev/null || true; done
	rm -rf .data

# Fuzzes template parsing and rendering with libFuzzer for FUZZ_SECONDS (default 600).
# New inputs that widen coverage are added to fuzz/corpus; fuzz/regressions holds inputs that once
# crashed (each also a unit test); new crashes are written to fuzz/crash-*.
FUZZ_SECONDS ?= 600
fuzz:
	cd fuzz && $(SWIFT) build -c release --sanitize=fuzzer --product TemplateFuzz
	cd fuzz && $$($(SWIFT) build -c release --sanitize=fuzzer --show-bin-path)/TemplateFuzz corpus regressions \
		-max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=./

# Benchmarks (issue 7), about 15 minutes: the release build against PostgreSQL running the same SQL
# (pgbench), a FastAPI peer and a bare Hummingbird route, all on loopback, every figure a ratio
# against its reference measured in the same run. Tables in .data/bench-<stamp>/results.md; the
# recorded run and its analysis in docs/benchmarks.md. Knobs (BENCH_SECONDS, BENCH_ROUNDS, …):
# scripts/bench.sh.
bench: release
	BENCH_COMMAND="make bench" scripts/bench.sh

# Template engines side by side (TemplateEngine, swift-mustache, Stencil); see bench/templates/RESULTS.md.
bench-templates:
	cd bench/templates && $(SWIFT) build -c release && .build/release/TemplateBench
