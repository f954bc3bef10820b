#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The runtime's own overhead, without the network (bench-uring.c):
#
#  - NOPs through the loop against a raw liburing loop with the same ring
#    flags submitting NOPs in batches of the same size, for batches of 1, 4,
#    16 and 32: "nop" is one coroutine starting K NOPs, waiting for all of
#    them with one hk_co_wait() and collecting the K results (32: two
#    coroutines of 16, a coroutine's op slots); run alternately ROUNDS times
#    each: median ns per op and the ratio (target: loop at most 1.3x raw),
#    and the loop's completions per io_uring_enter();
#  - "nop-spread" at 16: 16 coroutines with one NOP each (hk_co_nop()), the
#    per-coroutine-switch case, alternated with the same batch's runs;
#  - the context switch, ROUNDS runs: median ns per switch (target: at most
#    20 ns), and hk_co_yield() through the loop;
#  - that a switch makes no syscall: strace counts the syscalls of the
#    switch mode with 1,000,000 and 2,000,000 round trips; equal counts
#    mean none happen per switch;
#  - where the loop's cost is: user-space instructions per NOP by function,
#    loop against raw, from valgrind --tool=callgrind.
#
# Usage: bench/run-uring.sh    (from anywhere)
# Environment: BUILD (build directory, default build-bench, set up if
# missing), ROUNDS (default 7), OPS (NOPs per run, default 1000000),
# CPU (pin the benchmark to this CPU; default: not pinned), CALLGRIND=0
# (skip the callgrind part), CG_OPS (its NOPs per run, default 200000),
# CG_BATCHES (its batch sizes, default "1 16").
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

echo "== NOPs: loop against raw liburing, ns per op"
echo "   (each run: median of 3 repeats in one process; loop and raw: the median over"
echo "    the runs, and their ratio; paired: the median over rounds of loop / raw in the"
echo "    same round, which cancels drift; best: the best repeat of all, which the"
echo "    machine's other load disturbs least)"
echo "   nop: one coroutine per 16 NOPs in flight, one hk_co_wait(HK_WAIT_ALL) per batch"
printf '%-11s %5s %4s %8s %8s %6s %7s %9s %8s %6s %9s %10s\n' mode batch cos loop raw ratio \
	paired loop-best raw-best ratio switch/op cqes/enter
for batch in 1 4 16 32; do
	modes="nop raw-nop"
	if [ "$batch" -eq 16 ]; then
		modes="nop raw-nop nop-spread"
	fi
	n_modes=$(echo "$modes" | wc -w)
	for mode in $modes; do
		for f in ns best cpe swop cos; do : >"$tmp/$mode-$f"; done
	done
	i=0
	while [ $i -lt "$rounds" ]; do
		# Rotate which goes first, so drift of the machine falls on all.
		order=$(echo "$modes" | tr ' ' '\n' | awk -v k=$((i % n_modes)) \
			'{ v[NR - 1] = $0 } END { for (j = 0; j < NR; j++) print v[(j + k) % NR] }')
		for mode in $order; do
			# shellcheck disable=SC2086
			line=$("$bench" $mode --batch "$batch" --ops "$ops" $pin)
			field ns_per_op "$line" >>"$tmp/$mode-ns"
			field ns_per_op_best "$line" >>"$tmp/$mode-best"
			field cqes_per_enter "$line" >>"$tmp/$mode-cpe"
			field switches_per_op "$line" >>"$tmp/$mode-swop"
			field coroutines "$line" >>"$tmp/$mode-cos"
		done
		i=$((i + 1))
	done
	raw_ns=$(median "$tmp/raw-nop-ns")
	raw_best=$(sort -g "$tmp/raw-nop-best" | head -n 1)
	for mode in $modes; do
		[ "$mode" = raw-nop ] && continue
		loop_ns=$(median "$tmp/$mode-ns")
		loop_best=$(sort -g "$tmp/$mode-best" | head -n 1)
		paste "$tmp/$mode-ns" "$tmp/raw-nop-ns" | awk '{ printf "%.4f\n", $1 / $2 }' \
			>"$tmp/$mode-paired"
		printf '%-11s %5s %4s %8s %8s %5sx %6sx %9s %8s %5sx %9s %10s\n' "$mode" "$batch" \
			"$(head -n 1 "$tmp/$mode-cos")" "$loop_ns" "$raw_ns" \
			"$(ratio "$loop_ns" "$raw_ns")" \
			"$(printf '%.2f' "$(median "$tmp/$mode-paired")")" "$loop_best" "$raw_best" \
			"$(ratio "$loop_best" "$raw_best")" "$(median "$tmp/$mode-swop")" \
			"$(median "$tmp/$mode-cpe")"
	done
	echo "raw-nop     $(printf '%5s' "$batch")      cqes/enter $(median "$tmp/raw-nop-cpe")" \
		>>"$tmp/raw-cpe-lines"
done
echo "(target: nop at most 1.3x raw; nop-spread is the per-coroutine-switch case, two"
echo " context switches per NOP, shown against the same raw runs; cos: coroutines;"
echo " switch/op: switches into coroutines per NOP; cqes/enter: the loop's completions"
echo " reaped per io_uring_enter(), from hk_loop_get_stats(); the raw loop's:)"
cat "$tmp/raw-cpe-lines"
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
echo

# Where the loop's cost is: user-space instructions per NOP by function,
# loop against raw, from callgrind (the kernel's share is not counted; it
# is the same work for both). Each mode runs twice, with CG_OPS NOPs and
# with one batch, and the difference is divided by the difference in NOPs
# run, so set-up and tear-down cancel out. Inlined code is counted in the
# function it was inlined into; GCC's clone suffixes (.isra.0, ...) are
# dropped.
echo "== User-space instructions per NOP by function (callgrind)"
if [ "${CALLGRIND:-1}" = 0 ]; then
	echo "skipped (CALLGRIND=0)"
	exit 0
elif ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind is not installed: skipped"
	exit 0
fi
cg_ops=${CG_OPS:-200000}

# NOPs a run of $1 ops at batch $2 does, its warm-up included (bench-uring.c).
nops_run() {
	w=$(($1 / 10 + $2))
	[ $w -gt 200000 ] && w=200000
	echo $(($1 + w))
}

# Per function "name instructions" of callgrind output file $1.
cg_functions() {
	callgrind_annotate --threshold=100 --inclusive=no --auto=no "$1" 2>/dev/null |
		awk '$1 ~ /^[0-9,]+$/ {
			f = ""
			for (i = 2; i <= NF; i++) if ($i ~ /:/) { f = $i; break }
			if (f == "") next
			n = $1; gsub(",", "", n)
			sub(/^.*:/, "", f); sub(/\..*$/, "", f); sub(/'"'"'[0-9]+$/, "", f)
			s[f] += n
		} END { for (f in s) print f, s[f] }'
}

# Instructions per NOP by function for mode $1 at batch $2, into $tmp/cg-$1.
cg_mode() {
	for n in "$cg_ops" "$2"; do
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$bench" "$1" \
			--batch "$2" --ops "$n" --repeats 1 >/dev/null 2>&1
		cg_functions "$tmp/cg.out" >"$tmp/cg-$1-$n"
	done
	d=$(($(nops_run "$cg_ops" "$2") - $(nops_run "$2" "$2")))
	awk -v d="$d" 'FNR == NR { small[$1] = $2; next }
		{ v = ($2 - small[$1]) / d; if (v >= 0.5 || v <= -0.5) printf "%s %.1f\n", $1, v }' \
		"$tmp/cg-$1-$2" "$tmp/cg-$1-$cg_ops" >"$tmp/cg-$1"
}

for batch in ${CG_BATCHES:-1 16}; do
	cg_mode nop "$batch"
	cg_mode raw-nop "$batch"
	echo "batch $batch, $cg_ops NOPs (loop: nop mode; functions under 0.5 per NOP left out)"
	awk 'FNR == NR { raw[$1] = $2; next } { loop[$1] = $2 }
		END {
			for (f in raw) if (!(f in loop)) loop[f] = 0
			for (f in loop) { lt += loop[f]; rt += raw[f] + 0 }
			printf "  %-34s %8s %8s\n", "function", "loop", "raw"
			printf "  %-34s %8.1f %8.1f\n", "total", lt, rt
			for (f in loop) printf "  %-34s %8.1f %8.1f\n", f, loop[f], raw[f] + 0
		}' "$tmp/cg-raw-nop" "$tmp/cg-nop" | { read -r h; read -r t; echo "$h"; echo "$t";
		sort -k2,2 -g -r; }
done
echo "(under valgrind the loop waits with a timeout (loop.c, submit()): the waits'"
echo " _io_uring_get_cqe and io_uring_submit_and_wait_timeout stand in for the"
echo " io_uring_submit_and_wait() of a run outside valgrind)"
