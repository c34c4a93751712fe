SWIFT ?= swift

.PHONY: deps build test demo bench clean package

# System packages (libvirt, libssh2, sshd, ansible, dnsmasq, iptables, qemu-img, haproxy...), idempotent.
deps:
	scripts/install-deps

build: deps
	$(SWIFT) build

# Every suite starts the real things it talks to (HTTP servers on loopback, libvirt's test driver,
# sshd test hosts, network namespaces), so tests need root; CI runs as root.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Starts the KVM agent on libvirt's test driver and drives it like the management node would.
demo: build
	scripts/demo

# Release tarballs of every agent that exists: dist/<agent>-<version>.tar.gz (+ .md5). VERSION=x overrides.
package:
	Packaging/package.sh

# The KVM agent on libvirt's test driver (vmsync with 5,000 domains, start+destroy), each figure against
# the same work done directly through libvirt in the same run; then the deployer on BENCH_HOSTS (default
# 50) loopback hosts against plain ansible-playbook. Results go into BENCHMARKS.md by hand.
BENCH_HOSTS ?= 50
bench: deps
	$(SWIFT) build -c release --product KVMAgentBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/KVMAgentBenchmark
	$(SWIFT) build -c release --product zstack-kvmagent
	$(SWIFT) build -c release --product DeployerBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/DeployerBenchmark $(BENCH_HOSTS)

clean:
	rm -rf .build dist
