#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The runtime's own overhead, without the network (bench-uring.c):
#
#  - NOPs through the loop (coroutines calling hk_co_nop()) against a raw
#    liburing loop with the same ring flags, for 1, 8 and 32 coroutines
#    (NOPs in flight per submit), run alternately ROUNDS times each: median
#    ns per op and the ratio (target: loop at most 1.3x raw);
#  - the context switch, ROUNDS runs: median ns per switch (target: at most
#    20 ns), and hk_co_yield() through the loop;
#  - that a switch makes no syscall: strace counts the syscalls of the
#    switch mode with 1,000,000 and 2,000,000 round trips; equal counts
#    mean none happen per switch.
#
# Usage: bench/run-uring.sh    (from anywhere)
# Environment: BUILD (build directory, default build-bench, set up if
# missing), ROUNDS (default 7), OPS (NOPs per run, default 1000000),
# CPU (pin the benchmark to this CPU; default: not pinned).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build-bench}
case $build in
/*) ;;
*) build=$src/$build ;;
esac
rounds=${ROUNDS:-7}
ops=${OPS:-1000000}
pin=
if [ -n "${CPU:-}" ]; then
	pin="--cpu $CPU"
fi

if [ ! -d "$build" ]; then
	meson setup "$build" "$src" >/dev/null
fi
ninja -C "$build" bench/bench-uring >/dev/null
bench=$build/bench/bench-uring

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The value of KEY in a key=value line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# The median of the numbers in file $1, one a line.
median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
# $1 / $2 to two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

echo "machine: $(uname -srm), $(nproc) CPUs, $cpu_model"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: $bench, $rounds rounds, $ops NOPs per run${CPU:+, pinned to CPU $CPU}"
echo

echo "== NOPs: loop (coroutines) against raw liburing, ns per op"
echo "   (each run: median of 3 repeats in one process; then the median over the runs,"
echo "    and the best repeat of all, which the machine's other load disturbs least)"
printf '%-6s %9s %9s %7s %9s %9s %7s %10s\n' batch loop raw ratio loop-best raw-best ratio cqes/enter
for batch in 1 8 32; do
	for f in nop raw nop-best raw-best nop-cpe; do : >"$tmp/$f"; done
	i=0
	while [ $i -lt "$rounds" ]; do
		# Alternate which goes first, so drift of the machine falls on both.
		if [ $((i % 2)) -eq 0 ]; then order="nop raw-nop"; else order="raw-nop nop"; fi
		for mode in $order; do
			# shellcheck disable=SC2086
			line=$("$bench" $mode --batch "$batch" --ops "$ops" $pin)
			case $mode in
			nop) f=nop ;;
			*) f=raw ;;
			esac
			field ns_per_op "$line" >>"$tmp/$f"
			field ns_per_op_best "$line" >>"$tmp/$f-best"
			if [ $f = nop ]; then
				field cqes_per_enter "$line" >>"$tmp/nop-cpe"
			fi
		done
		i=$((i + 1))
	done
	loop_ns=$(median "$tmp/nop")
	raw_ns=$(median "$tmp/raw")
	loop_best=$(sort -g "$tmp/nop-best" | head -n 1)
	raw_best=$(sort -g "$tmp/raw-best" | head -n 1)
	printf '%-6s %9s %9s %6sx %9s %9s %6sx %10s\n' "$batch" "$loop_ns" "$raw_ns" \
		"$(ratio "$loop_ns" "$raw_ns")" "$loop_best" "$raw_best" \
		"$(ratio "$loop_best" "$raw_best")" "$(median "$tmp/nop-cpe")"
done
echo "(target: loop at most 1.3x raw; cqes/enter: the loop's completions reaped per submit)"
echo

echo "== Context switch and yield"
: >"$tmp/sw" ; : >"$tmp/yield"
i=0
while [ $i -lt "$rounds" ]; do
	# shellcheck disable=SC2086
	line=$("$bench" switch $pin)
	field ns_per_switch_median "$line" >>"$tmp/sw"
	# shellcheck disable=SC2086
	line=$("$bench" yield --iters "$ops" $pin)
	field ns_per_op "$line" >>"$tmp/yield"
	i=$((i + 1))
done
echo "hk_ctx_switch: median $(median "$tmp/sw") ns per switch (target: at most 20 ns)"
echo "hk_co_yield through the loop: median $(median "$tmp/yield") ns per yield"
echo

echo "== No syscall in a switch (strace -f -c)"
if ! command -v strace >/dev/null 2>&1; then
	echo "strace is not installed: skipped (nothing is installed by this script)"
else
	for n in 1000000 2000000; do
		strace -f -c -o "$tmp/strace-$n" "$bench" switch --iters "$n" --repeats 1 >/dev/null
		# The "total" line: % time, seconds, usecs/call, calls, [errors,] total.
		awk '$NF == "total" { print $4 }' "$tmp/strace-$n" >"$tmp/calls-$n"
	done
	c1=$(cat "$tmp/calls-1000000")
	c2=$(cat "$tmp/calls-2000000")
	echo "syscalls with 1,000,000 round trips: $c1"
	echo "syscalls with 2,000,000 round trips: $c2"
	if [ "$c1" = "$c2" ]; then
		echo "equal: the 2,000,000 extra switches made no syscall"
	else
		echo "NOT equal: switches make syscalls"
		exit 1
	fi
fi
