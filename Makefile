SWIFT ?= swift

.PHONY: deps build test demo bench clean package fuzz mn-kit

# System packages (libvirt, libssh, sshd, ansible, dnsmasq, iptables, qemu-img, haproxy...), idempotent.
deps:
	scripts/install-deps

build: deps
	$(SWIFT) build

# Every suite starts the real things it talks to (HTTP servers on loopback, libvirt's test driver,
# sshd test hosts, network namespaces), so tests need root; CI runs as root.
# Three passes, so no suite shares two cores with work that starves it: the in-process suites (some have
# time limits), then the ones that deploy to sshd test hosts (ansible fleets load both cores), then the
# hostile-input fuzzer against the agent binaries (its callbacks need a responsive test process). The tests'
# program runner no longer blocks test threads, and one pass of everything has passed (258 tests, 15m53s,
# against ~14m40s for the three passes), but once is not a margin: the passes stay until it has one.
FLEET_SUITES = DeployerTests|PackagingTests
FUZZ_SUITES = HostileInputTests
# The deployer's suites run twice: on SQLite (the default store), then on PostgreSQL (a server the tests start
# on 127.0.0.1:3029 with a fresh database per deployer, stopped when the pass ends).
STORE_SUITES = DeployerTests
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '$(FLEET_SUITES)|$(FUZZ_SUITES)'
	$(SWIFT) test --skip-build --filter '$(FLEET_SUITES)'
	ZSTACK_TEST_DATABASE=postgres $(SWIFT) test --skip-build --filter '$(STORE_SUITES)'
	$(SWIFT) test --skip-build --filter '$(FUZZ_SUITES)'

# Starts the KVM agent on libvirt's test driver and drives it like the management node would.
demo: build
	scripts/demo

# Release tarballs of every agent that exists: dist/<agent>-<version>.tar.gz (+ .md5). VERSION=x overrides.
package:
	Packaging/package.sh

# The payload that replaces a ZStack MN's kvm and sftpbackupstorage ansible modules (README: "Swapping the
# MN's agent payload"): dist/zstack-mn-kit/, our tarballs included.
mn-kit:
	MNKit/build.sh

# Every benchmark against its baselines measured in the same run, then BENCHMARKS.md rewritten
# (Benchmarks/run; `Benchmarks/run NAME...` runs some steps only). Release builds go to .build-release.
bench: deps
	Benchmarks/run

# The hostile-input suite at length: FUZZ_REQUESTS (default 100,000) mutated ZStack commands per agent
# binary; `make test` runs the same suite with 1,200. FUZZ_SEED replays a run (the seed is printed).
FUZZ_REQUESTS ?= 100000
fuzz: deps
	$(SWIFT) build --build-tests
	ZSTACK_FUZZ_REQUESTS=$(FUZZ_REQUESTS) $(if $(FUZZ_SEED),ZSTACK_FUZZ_SEED=$(FUZZ_SEED)) \
		$(SWIFT) test --skip-build --filter '$(FUZZ_SUITES)'

clean:
	rm -rf .build dist
