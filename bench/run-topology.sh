#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Topology benchmark: `hostkit topology --json` side by side with
# `lstopo-no-graphics --of xml` (hwloc-nox) and `lscpu -J` (util-linux), on
# the live host and on captured trees from ../shared/peer-data, runs
# alternating, median ratios printed by bench-topology. /bin/true runs in the
# same rounds as the floor: the cost of a fork+exec of a trivial dynamically
# linked program. See docs/performance.md for what the figures mean.
#
# Usage: bench/run-topology.sh [--live-runs N] [--tree-runs N] [--warmup N]
#                              [--no-live] [--floor] [TREE.tar.* ...]
#
# --floor adds two rows on each tree: "replay", bench-replay opening,
# reading and closing every file hostkit read (listed with strace -y), with
# no parsing or output; and "identity", the same without the caches'
# level, type, size, ways and line size files. They are the I/O floor of a
# reader of these trees.
#
# With no TREE, the trees are the hwloc-linux capture with the most PUs and
# util-linux's x86_64-64cpu lscpu dump. Environment: BUILD (build dir,
# default ./build), PEER_DATA (default ../shared/peer-data).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
peer=${PEER_DATA:-$src/../shared/peer-data}
live_runs=200
tree_runs=100
warmup=5
live=1
floor=0
trees=()

usage() {
	sed -n '/^# Usage:/,/^# default/p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--live-runs) live_runs=$2; shift 2 ;;
	--tree-runs) tree_runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--no-live) live=0; shift ;;
	--floor) floor=1; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) trees+=("$1"); shift ;;
	esac
done

export LC_ALL=C

for tool in lstopo-no-graphics lscpu; do
	command -v $tool >/dev/null || {
		echo "run-topology: $tool not found (Debian: hwloc-nox, util-linux)" >&2
		exit 1
	}
done

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" >/dev/null
fi
# Only the two targets: a half-written test elsewhere must not stop the bench.
ninja -C "$build" src/hostkit bench/bench-topology bench/bench-replay >/dev/null
hk=$build/src/hostkit
bench=$build/bench/bench-topology
replay=$build/bench/bench-replay
if [ $floor -eq 1 ] && ! command -v strace >/dev/null; then
	echo "run-topology: --floor needs strace" >&2
	exit 1
fi

# The files hostkit reads under root $1 (not directories, not failed
# probes), relative to the root, one a line.
files_read() {
	strace -y -e trace=openat,openat2 "$hk" --root "$1" topology --json 2>&1 >/dev/null |
		grep -E '^openat2?\(' | grep -v -e ENOENT -e O_PATH -e O_DIRECTORY |
		sed -n 's/^openat2\{0,1\}([0-9]*<\([^>]*\)>, "\([^"]*\)".*/\1\/\2/p' |
		sed "s|^$1/||"
}

tmp=$(mktemp -d -t hk-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Number of distinct cpuN directories in a tarball: the PU count.
count_pus() {
	{ tar -taf "$1" | grep -oE 'sys/devices/system/cpu/cpu[0-9]+/' || true; } | sort -u | wc -l
}

if [ ${#trees[@]} -eq 0 ]; then
	[ -d "$peer/hwloc-linux" ] || {
		echo "run-topology: no peer data at $peer; pass trees or set PEER_DATA" >&2
		exit 1
	}
	best='' best_n=0
	for f in "$peer"/hwloc-linux/*.tar.bz2; do
		n=$(count_pus "$f")
		if [ "$n" -gt "$best_n" ]; then
			best=$f best_n=$n
		fi
	done
	trees=("$best" "$peer/util-linux/lscpu/dumps/x86_64-64cpu.tar.gz")
fi

# Runs "$@" once; on failure prints its stderr and exits.
check() {
	local name=$1
	shift
	if ! "$@" >/dev/null 2>"$tmp/err"; then
		echo "run-topology: $name failed: $*" >&2
		cat "$tmp/err" >&2
		exit 1
	fi
}

lstopo_tree() {
	HWLOC_FSROOT=$1 HWLOC_COMPONENTS=linux,stop lstopo-no-graphics --of xml
}

# Extracts tarball $1 under $tmp and prints the root: the folder holding sys/.
extract() {
	local dir
	dir=$tmp/$(basename "$1" | sed 's/\.tar\..*//')
	mkdir -p "$dir"
	tar -xaf "$1" -C "$dir"
	dirname "$(dirname "$(find "$dir" -maxdepth 3 -type d -path '*/sys/devices' -print -quit)")"
}

# lscpu --sysroot needs cpu/possible (and present, online): old captures such
# as hwloc's ia64 ones lack them. Writes them as 0-(N-1) when the cpuN dirs
# are exactly that, after checking that this changes neither hostkit's nor
# lstopo's output (both fall back to the cpuN dirs).
complete_cpu_lists() {
	local root=$1 cpu=$1/sys/devices/system/cpu n f
	[ -e "$cpu/possible" ] && return 0
	n=$(find "$cpu" -maxdepth 1 -name 'cpu[0-9]*' | wc -l)
	[ -d "$cpu/cpu$((n - 1))" ] || return 0

	"$hk" --root "$root" topology --json >"$tmp/hk.before"
	lstopo_tree "$root" >"$tmp/lstopo.before"
	for f in possible present online; do
		echo "0-$((n - 1))" >"$cpu/$f"
	done
	"$hk" --root "$root" topology --json | cmp -s - "$tmp/hk.before" ||
		echo "warning: hostkit's output changed with the added cpu lists" >&2
	lstopo_tree "$root" | cmp -s - "$tmp/lstopo.before" ||
		echo "warning: lstopo's output changed with the added cpu lists" >&2
	echo "note: wrote cpu/{possible,present,online} = 0-$((n - 1)) for lscpu --sysroot;" \
		"hostkit's and lstopo's output are the same with and without them"
}

echo "host: $(uname -r), $(nproc) CPUs, $(lstopo-no-graphics --version), $(lscpu --version)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ $live -eq 1 ]; then
	echo
	echo "== live host"
	check hostkit "$hk" topology --json
	check lstopo lstopo-no-graphics --of xml
	check lscpu lscpu -J
	"$bench" --runs "$live_runs" --warmup "$warmup" -- \
		hostkit "$hk" topology --json \; \
		lstopo lstopo-no-graphics --of xml \; \
		lscpu lscpu -J \; \
		true /bin/true
fi

for t in "${trees[@]}"; do
	root=$(extract "$t")
	echo
	echo "== tree $(basename "$t"): $(count_pus "$t") PUs, root $(basename "$root")"
	complete_cpu_lists "$root"
	check hostkit "$hk" --root "$root" topology --json
	check lstopo lstopo_tree "$root"
	check lscpu lscpu --sysroot "$root" -J
	extra=()
	if [ $floor -eq 1 ]; then
		files_read "$root" >"$tmp/files"
		grep -vE '/(level|type|size|ways_of_associativity|coherency_line_size)$' \
			"$tmp/files" >"$tmp/identity"
		echo "floor: replay $(wc -l <"$tmp/files") files; identity $(wc -l <"$tmp/identity")"
		check replay "$replay" "$root" "$tmp/files"
		extra=(\; replay "$replay" "$root" "$tmp/files"
			\; identity "$replay" "$root" "$tmp/identity")
	fi
	"$bench" --runs "$tree_runs" --warmup "$warmup" -- \
		hostkit "$hk" --root "$root" topology --json \; \
		lstopo HWLOC_FSROOT="$root" HWLOC_COMPONENTS=linux,stop \
		lstopo-no-graphics --of xml \; \
		lscpu lscpu --sysroot "$root" -J \; \
		true /bin/true "${extra[@]}"
done

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
