#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Network device benchmark: `hostkit --json inspect net va` side by side
# with what a script runs to learn the same: `ethtool -i/-l/-g/-c/-k/-x va`
# and `ip -j -d link show va`, on a veth pair with 8 queues in a network
# namespace of its own, runs alternating, median ratios printed by
# bench-topology. Root only.
#
# The whole runner runs inside the namespace (`ip netns exec NS
# bench-topology ...`), so neither side pays the namespace switch. The peer
# side is one bench-seq process that runs the seven tools in turn, without a
# shell; bench-seq's own start is measured in the same rounds ("seq-empty")
# and the script prints the ratio with it taken off too. `ethtool -i va`
# and `ip -j -d link show va` alone show what one of the seven costs.
# /bin/true is the floor: one fork+exec of a trivial dynamically linked
# program.
#
# Usage: bench/run-net.sh [--runs N] [--warmup N] [--queues N]
#
# Environment: BUILD (build dir, default ./build). See docs/performance.md.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
runs=200
warmup=5
queues=8

usage() {
	sed -n '/^# Usage:/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--queues) queues=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

export LC_ALL=C

[ "$(id -u)" -eq 0 ] || { echo "run-net: needs root (network namespaces)" >&2; exit 1; }
for tool in ip ethtool; do
	command -v $tool >/dev/null || {
		echo "run-net: $tool not found (Debian: iproute2, ethtool)" >&2
		exit 1
	}
done

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" >/dev/null
fi
# Only the targets it runs: a half-written test elsewhere must not stop the bench.
ninja -C "$build" src/hostkit bench/bench-topology bench/bench-seq >/dev/null
hk=$build/src/hostkit
bench=$build/bench/bench-topology
seq=$build/bench/bench-seq

ns=hk-bench-$$
tmp=$(mktemp -d -t hk-bench-net.XXXXXX)
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ip netns add "$ns"
ip -n "$ns" link add va numrxqueues "$queues" numtxqueues "$queues" type veth \
	peer name vb numrxqueues "$queues" numtxqueues "$queues"
in_ns() { ip netns exec "$ns" "$@"; }
# veth's channel maximum depends on both ends' queue counts: take all it allows.
max=$(in_ns ethtool -l va | awk '/^RX:/ { print $2; exit }')
in_ns ethtool -L va rx "$max" tx "$max"
in_ns ip link set va up
in_ns ip link set vb up

peer=(ethtool -i va :: ethtool -l va :: ethtool -g va :: ethtool -c va ::
	ethtool -k va :: ethtool -x va :: ip -j -d link show va)

# Runs "$@" in the namespace once; on failure prints its stderr and exits.
check() {
	local name=$1
	shift
	if ! in_ns "$@" >"$tmp/out" 2>"$tmp/err"; then
		echo "run-net: $name failed: $*" >&2
		cat "$tmp/err" >&2
		exit 1
	fi
}

check hostkit "$hk" --json inspect net va
check peer "$seq" -k "${peer[@]}"
# Which of the peer's queries veth answers: the others cost an ioctl and exit 1.
answered=()
for o in -i -l -g -c -k -x; do
	if in_ns ethtool $o va >/dev/null 2>&1; then answered+=("$o"); fi
done

echo "host: $(uname -r), $(nproc) CPUs, $(ethtool --version), $(ip -V)"
echo "veth va: created with $queues rx/tx queues, channels set to rx $max tx $max" \
	"($(in_ns ls /sys/class/net/va/queues | tr '\n' ' '))"
echo "ethtool answers on veth: ${answered[*]} (the others fail with EOPNOTSUPP, exit 1)"
echo "hostkit output: $(in_ns "$hk" --json inspect net va | wc -c) bytes;" \
	"peer output: $(in_ns "$seq" -k "${peer[@]}" 2>/dev/null | wc -c) bytes"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

in_ns "$bench" --runs "$runs" --warmup "$warmup" -- \
	hostkit "$hk" --json inspect net va \; \
	peer "$seq" -k "${peer[@]}" \; \
	seq-empty "$seq" \; \
	ethtool-i ethtool -i va \; \
	ip-link ip -j -d link show va \; \
	true /bin/true | tee "$tmp/result"

# peer minus bench-seq's own start, over hostkit.
awk '
	$1 == "hostkit" { hk = $2 }
	$1 == "peer" { peer = $2 }
	$1 == "seq-empty" { empty = $2 }
	END {
		if (hk > 0)
			printf "peer without bench-seq start: %.3f ms, ratio %.2f\n",
				peer - empty, (peer - empty) / hk
	}' "$tmp/result"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
