#!/usr/bin/env bash
# Installs, from Debian's archive, whatever hostkit needs to build and test
# that this machine lacks. Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(
	# build
	meson ninja-build pkg-config gcc clang libc6-dev
	# sanitizers and fuzzing with clang
	libclang-rt-14-dev
	# tests: extracting the peer corpus, and the peers compared against
	tar bzip2 gzip xz-utils util-linux hwloc-nox
	# The network peers: ethtool and iproute2 (ip) for the priv and host
	# suites and the benchmarks, pciutils (lspci) for the PCI checks.
	ethtool iproute2 pciutils
	# The runtime: io_uring through liburing; valgrind for the leak checks
	liburing-dev valgrind
	# The aarch64 context switch, cross-built and run under qemu-user
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "hostkit setup: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		sudo=(sudo)
	else
		echo "hostkit setup: these packages are missing and this is not root: ${missing[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
