#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Processes benchmark: `hostkit --json inspect processes` side by side with
# `ps -eo pid,ppid,stat,psr,rss,comm` (procps) on the live host, with extra
# sleeping processes (`sleep` from coreutils) started by this script: the
# runs alternate (bench-topology's round-robin runner, stdout to /dev/null)
# and the ratios are of medians. /bin/true runs in the same rounds as the
# floor (one fork+exec of a trivial dynamically linked program). Every
# sleeper is killed at exit, by its PID, whatever ends the script.
# See docs/process.md ("Performance") for the figures and what they mean.
#
# Usage: bench/run-processes.sh [--runs N] [--warmup N] [--main N]
#                               [--counts "N N ..."]
#
# --main N      extra sleepers for the main comparison (default 2000)
# --counts      extra sleepers for the scaling table (default
#               "100 500 1000 2000 5000")
# --runs N      timed runs per command and count (default 30; 100 for main)
# Environment: BUILD (build dir, default ./build).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
runs=30
main_runs=100
warmup=3
main=2000
counts="100 500 1000 2000 5000"

usage() {
	sed -n '/^# Usage:/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--main) main=$2; shift 2 ;;
	--counts) counts=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

export LC_ALL=C

for tool in ps sleep; do
	command -v $tool >/dev/null || {
		echo "run-processes: $tool not found (Debian: procps, coreutils)" >&2
		exit 1
	}
done

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" >/dev/null
fi
# Only the two targets: a half-written test elsewhere must not stop the bench.
ninja -C "$build" src/hostkit bench/bench-topology >/dev/null
hk=$build/src/hostkit
bench=$build/bench/bench-topology

tmp=$(mktemp -d -t hk-bench-proc.XXXXXX)
sleepers=()

# Kills the sleepers this script started, by PID, and nothing else.
cleanup() {
	local pid
	if [ ${#sleepers[@]} -gt 0 ]; then
		kill "${sleepers[@]}" 2>/dev/null || true
		for pid in "${sleepers[@]}"; do
			wait "$pid" 2>/dev/null || true
		done
	fi
	sleepers=()
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Starts sleepers until there are $1 of them, and waits until all are asleep.
top_up() {
	local want=$1 pid
	while [ ${#sleepers[@]} -lt "$want" ]; do
		sleep 100000 &
		sleepers+=($!)
	done
	for pid in "${sleepers[@]}"; do
		# A sleeper still exec'ing is not yet 'sleep' in state S.
		until [ "$(cut -d' ' -f2-3 "/proc/$pid/stat" 2>/dev/null)" = "(sleep) S" ]; do
			sleep 0.01
		done
	done
}

count_processes() {
	find /proc -mindepth 1 -maxdepth 1 -name '[0-9]*' | wc -l
}

# The median wall ms of command $2 in bench output file $1.
median_of() {
	awk -v name="$2" '$1 == name && NF == 6 { print $2 }' "$1"
}

# Runs the three commands round-robin; output to $1.
run_bench() {
	local out=$1 n=$2
	"$bench" --runs "$n" --warmup "$warmup" -- \
		hostkit "$hk" --json inspect processes \; \
		ps ps -eo pid,ppid,stat,psr,rss,comm \; \
		true /bin/true >"$out"
}

# Both must work, and agree on the process count to within the few that churn.
check() {
	local n_hk n_ps
	n_hk=$("$hk" --json inspect processes | grep -c '"pid":')
	n_ps=$(($(ps -eo pid | wc -l) - 1))
	echo "processes: hostkit lists $n_hk, ps $n_ps"
}

echo "host: $(uname -r), $(nproc) CPUs, $(ps --version), $("$hk" --version)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== main: $main extra sleepers, $main_runs runs each"
top_up "$main"
total=$(count_processes)
check
echo "processes on the host: $total"
run_bench "$tmp/main" "$main_runs"
cat "$tmp/main"
hk_ms=$(median_of "$tmp/main" hostkit)
ps_ms=$(median_of "$tmp/main" ps)
awk -v h="$hk_ms" -v p="$ps_ms" -v n="$total" 'BEGIN {
	printf "hostkit %.2f ms, ps %.2f ms: hostkit is %.2fx faster (target: 2x); %.2f us per process\n",
		h, p, p / h, h * 1000 / n }'

echo
echo "== scaling: $runs runs per count"
printf '%8s %10s %12s %10s %8s %12s %12s\n' extra processes hostkit_ms ps_ms speedup \
	hk_us/proc ps_us/proc
prev_n='' prev_h=''
for c in $counts; do
	# Fewer sleepers than the last count: kill the surplus, newest first.
	while [ ${#sleepers[@]} -gt "$c" ]; do
		last=${sleepers[${#sleepers[@]}-1]}
		kill "$last" 2>/dev/null || true
		wait "$last" 2>/dev/null || true
		unset "sleepers[${#sleepers[@]}-1]"
	done
	top_up "$c"
	total=$(count_processes)
	run_bench "$tmp/c$c" "$runs"
	h=$(median_of "$tmp/c$c" hostkit)
	p=$(median_of "$tmp/c$c" ps)
	awk -v c="$c" -v n="$total" -v h="$h" -v p="$p" 'BEGIN {
		printf "%8d %10d %12.2f %10.2f %7.2fx %12.2f %12.2f\n",
			c, n, h, p, p / h, h * 1000 / n, p * 1000 / n }'
	if [ -n "$prev_n" ]; then
		awk -v a="$prev_n" -v b="$total" -v x="$prev_h" -v y="$h" 'BEGIN {
			if (b > a) printf "%8s marginal cost from %d to %d processes: %.2f us per process\n",
				"", a, b, (y - x) * 1000 / (b - a) }'
	fi
	prev_n=$total prev_h=$h
done

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
