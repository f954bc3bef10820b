#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Echo benchmark: hostkit-echo (the io_uring runtime, examples/echo) against
# hostkit-bench-epoll-echo (a plain epoll server, bench/epoll-echo.c), both
# driven by hostkit-bench-load (bench/load.c) on loopback. The figure that
# matters is the server's CPU time per request, (user_us + sys_us) from its
# own getrusage() at exit over the load's total_requests: the load and the
# servers share the machine's CPUs, so requests per second measure the whole
# box, while CPU per request measures the server.
#
# For each connection count, ROUNDS rounds; in each round each server runs
# once (which one goes first alternates), started with --tcp 0 --cpus ALL,
# the load run against it with a warm-up, then SIGTERM and its counters
# line. One line per run, then per connection count the medians and the
# ratio hostkit/epoll of CPU per request (target: at most 0.9). Each run
# waits for the machine to be quiet first, and one that other processes
# disturbed all the same is run again.
#
# Usage: bench/run-echo.sh [ROUNDS]     (default 5)
#
# Environment:
#   BUILD       build directory (default ./build-bench; set up and built
#               when needed, only the three programs)
#   CONNS       connection counts (default "50 500")
#   SIZE        message bytes (default 128)
#   DURATION    measured seconds per run (default 5)
#   WARMUP      warm-up seconds per run (default 1)
#   HKECHO_CMD  the hostkit side (default BUILD/examples/hostkit-echo); a
#               command with arguments, split on blanks
#   EPOLL_CMD   the epoll side (default BUILD/bench/hostkit-bench-epoll-echo)
#   QUIET_WAIT  seconds to wait, before each run, for other processes to
#               leave the CPUs (default 300)
#   BUSY_PCT, BUSY_RETRIES
#               a run during which other processes (or the hypervisor) took
#               more than BUSY_PCT % of the CPU time (default 5) is run again,
#               up to BUSY_RETRIES times (default 3)
#   LOAD_ARGS   extra arguments for hostkit-bench-load (default "--cpus ALL":
#               one thread pinned on each CPU; "" leaves them unpinned)
# See docs/bench-echo.md.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build-bench}
case $build in /*) ;; *) build=$PWD/$build ;; esac
rounds=${1:-5}
conns_list=${CONNS:-50 500}
size=${SIZE:-128}
duration=${DURATION:-5}
warmup=${WARMUP:-1}
quiet_wait=${QUIET_WAIT:-300}
busy_pct=${BUSY_PCT:-5}
busy_retries=${BUSY_RETRIES:-3}

usage() {
	sed -n '/^# Usage:/,/^# See docs/p' "$0" | sed 's/^# \{0,1\}//'
}
case $rounds in
-h|--help) usage; exit 0 ;;
*[!0-9]*|'') usage >&2; exit 2 ;;
esac
[ "$rounds" -ge 1 ] || { usage >&2; exit 2; }

export LC_ALL=C
TIMEFORMAT='%U %S'

targets="bench/hostkit-bench-epoll-echo bench/hostkit-bench-load"
[ -n "${HKECHO_CMD:-}" ] || targets="$targets examples/hostkit-echo"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" >/dev/null
fi
# Only the targets it runs: a half-written test elsewhere must not stop the bench.
# shellcheck disable=SC2086
ninja -C "$build" $targets >/dev/null
hkecho_cmd=${HKECHO_CMD:-$build/examples/hostkit-echo}
epoll_cmd=${EPOLL_CMD:-$build/bench/hostkit-bench-epoll-echo}
load=$build/bench/hostkit-bench-load

cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
# The load's threads pinned one per CPU: a connection is made, and so
# steered by the servers' SO_INCOMING_CPU, on its thread's CPU. Unpinned,
# the threads often all connect from one CPU and one server thread gets
# every connection, a different split in every run.
load_args=${LOAD_ARGS---cpus $cpus}
tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The value of KEY in a "word key=value key=value" line, or empty.
kv() {
	local key=$1 line=$2 w
	for w in $line; do
		case $w in "$key="*) echo "${w#*=}"; return ;; esac
	done
}

# The median of the numbers on stdin, or "-" when there are none.
median() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "-"; exit }
			if (NR % 2) print v[(NR + 1) / 2]
			else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# "busy steal total" jiffies of all CPUs since boot (guest time is already
# in user time, so it is left out of the total).
cpu_jiffies() {
	awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i
		print t - $5 - $6, $9, t; exit }' /proc/stat
}

# Waits until the other CPUs' users are gone (under 5% busy over a second),
# at most QUIET_WAIT seconds; a build or test running beside the benchmark
# takes CPU time from the servers and the load alike, and not evenly.
wait_quiet() {
	local waited=0 a b
	while [ "$waited" -lt "$quiet_wait" ]; do
		a=$(cpu_jiffies)
		sleep 1
		b=$(cpu_jiffies)
		if awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y)
			exit !((y[1] - x[1]) < 0.05 * (y[3] - x[3])) }'; then
			return 0
		fi
		waited=$((waited + 1))
	done
	echo "run-echo: the machine is still busy after ${quiet_wait} s; running anyway" >&2
}

fail() {
	echo "run-echo: $*" >&2
	for f in "$tmp"/server.err "$tmp"/load.err; do
		[ -s "$f" ] && sed 's/^/  | /' "$f" >&2
	done
	exit 1
}

# run_one NAME CONNS ROUND: one server run under load, printed, and its
# figures in $tmp/last.
run_one() {
	local name=$1 conns=$2 round=$3 cmd
	if [ "$name" = hostkit ]; then cmd=$hkecho_cmd; else cmd=$epoll_cmd; fi
	: >"$tmp/server.out"
	: >"$tmp/server.err"
	: >"$tmp/load.err"
	# shellcheck disable=SC2086
	$cmd --tcp 0 --cpus "$cpus" >"$tmp/server.out" 2>"$tmp/server.err" &
	server_pid=$!
	local listening='' tries
	for tries in $(seq 200); do
		# Whole: the line may be read while it is being written.
		listening=$(grep -m1 '^listening .* cpus=[^ ]' "$tmp/server.out" || true)
		[ -n "$listening" ] && break
		kill -0 "$server_pid" 2>/dev/null || fail "$name: exited before listening"
		sleep 0.05
	done
	: "$tries"
	[ -n "$listening" ] || fail "$name: no listening line after 10 s"
	local addr port
	addr=$(kv tcp "$listening")
	port=${addr##*:}

	local line status=0 before after load_cpu
	before=$(cpu_jiffies)
	# The load's own CPU time, from bash's time: user and system seconds.
	# shellcheck disable=SC2086
	{ time line=$("$load" --tcp "127.0.0.1:$port" --conns "$conns" --size "$size" \
		--duration "$duration" --warmup "$warmup" $load_args 2>"$tmp/load.err") ||
		status=$?; } 2>"$tmp/load.time"
	after=$(cpu_jiffies)
	load_cpu=$(awk '{ printf "%d", ($1 + $2) * 1e6 }' "$tmp/load.time")
	kill -TERM "$server_pid"
	local sstatus=0
	wait "$server_pid" || sstatus=$?
	server_pid=
	[ "$status" -eq 0 ] || fail "$name: load failed (exit $status): $line"
	[ "$sstatus" -eq 0 ] || fail "$name: exit status $sstatus after SIGTERM"
	local counters
	counters=$(grep -m1 '^counters ' "$tmp/server.out" || true)
	[ -n "$counters" ] || fail "$name: no counters line"

	local total user sys rps p50 p99 cpe cqes enters cpu
	total=$(kv total_requests "$line")
	rps=$(kv rps "$line")
	p50=$(kv p50_us "$line")
	p99=$(kv p99_us "$line")
	user=$(kv user_us "$counters")
	sys=$(kv sys_us "$counters")
	if [ -z "$total" ] || [ "$total" -eq 0 ]; then
		fail "$name: no requests: $line"
	fi
	cpu=$(awk -v u="$user" -v s="$sys" -v n="$total" 'BEGIN { printf "%.4f", (u + s) / n }')
	# What neither the server nor the load used of the busy time (other
	# processes, and the hypervisor's steal), as a share of all CPU time.
	local others
	others=$(awk -v a="$before" -v b="$after" -v srv=$((user + sys)) -v ld="$load_cpu" \
		-v hz="$(getconf CLK_TCK)" 'BEGIN { split(a, x); split(b, y)
			us = 1e6 / hz; all = (y[3] - x[3]) * us
			o = (y[1] - x[1]) * us - srv - ld
			printf "%.1f", ((all > 0 && o > 0) ? 100 * o / all : 0) }')
	# Completions per io_uring_enter(), when the server says.
	cpe=$(kv cqes_per_enter "$counters")
	if [ -z "$cpe" ]; then
		cqes=$(kv cqes "$counters")
		enters=$(kv enters "$counters")
		if [ -n "$cqes" ] && [ -n "$enters" ] && [ "$enters" -gt 0 ]; then
			cpe=$(awk -v c="$cqes" -v e="$enters" 'BEGIN { printf "%.2f", c / e }')
		fi
	fi
	printf 'run conns=%s round=%s server=%-7s cpu_us_per_req=%s rps=%s p50_us=%s p99_us=%s' \
		"$conns" "$round" "$name" "$cpu" "$rps" "$p50" "$p99"
	printf ' total_requests=%s user_us=%s sys_us=%s load_cpu_us=%s others_pct=%s resets=%s%s\n' \
		"$total" "$user" "$sys" "$load_cpu" "$others" "$(kv resets "$counters")" \
		"${cpe:+ cqes_per_enter=$cpe}"
	echo "$conns $round $name $cpu $rps $p50 $p99 ${cpe:--} $others" >"$tmp/last"
}

# column N of the results of CONNS and SERVER, one per line
col() {
	awk -v c="$1" -v s="$2" -v k="$3" '$1 == c && $3 == s && $k != "-" { print $k }' \
		"$tmp/results"
}

model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
echo "machine: nproc=$(nproc) kernel=$(uname -r) cpu=${model:-unknown}"
echo "note: the servers (--cpus $cpus) and the load generator share these $(nproc) CPUs;"
echo "      rps is the whole box's, cpu_us_per_req is the server's own getrusage()"
echo "hostkit: $hkecho_cmd"
echo "epoll:   $epoll_cmd"
echo "load:    $load --conns N --size $size --duration $duration --warmup $warmup $load_args"
echo "rounds:  $rounds"
echo "others_pct: CPU time that neither the server nor the load used (other processes,"
echo "      the hypervisor's steal); the summary shows the worst run's. Above a few %,"
echo "      something else ran beside the benchmark and its figures are suspect."
echo

: >"$tmp/results"
for conns in $conns_list; do
	for round in $(seq "$rounds"); do
		if [ $((round % 2)) -eq 1 ]; then order="hostkit epoll"; else order="epoll hostkit"; fi
		for name in $order; do
			for try in $(seq "$busy_retries") last; do
				wait_quiet
				run_one "$name" "$conns" "$round"
				[ "$try" = last ] && break
				# Another process took CPU time during the run: again.
				awk -v max="$busy_pct" '{ exit !($9 > max) }' "$tmp/last" || break
				echo "  (others_pct above $busy_pct: run again)"
			done
			cat "$tmp/last" >>"$tmp/results"
		done
	done
done

echo
for conns in $conns_list; do
	echo "conns=$conns size=$size: medians of $rounds rounds"
	printf '  %-8s %14s %10s %9s %9s %15s %10s\n' server cpu_us_per_req rps p50_us p99_us \
		cqes_per_enter others_pct
	for name in hostkit epoll; do
		printf '  %-8s %14s %10s %9s %9s %15s %10s\n' "$name" \
			"$(col "$conns" "$name" 4 | median)" "$(col "$conns" "$name" 5 | median)" \
			"$(col "$conns" "$name" 6 | median)" "$(col "$conns" "$name" 7 | median)" \
			"$(col "$conns" "$name" 8 | median)" "$(col "$conns" "$name" 9 | sort -g | tail -n1)"
	done
	hk=$(col "$conns" hostkit 4 | median)
	ep=$(col "$conns" epoll 4 | median)
	# Each round's own ratio too: it cancels drift between rounds.
	paired=$(awk -v c="$conns" '$1 == c { cpu[$2 " " $3] = $4; r[$2] = 1 }
		END {
			for (k in r)
				if (cpu[k " epoll"] > 0)
					printf "%.3f\n", cpu[k " hostkit"] / cpu[k " epoll"]
		}' "$tmp/results" | median)
	ratio=$(awk -v a="$hk" -v b="$ep" 'BEGIN { printf "%.3f", a / b }')
	verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 0.9) ? "meets" : "misses" }')
	echo "  cpu per request hostkit/epoll: $ratio (median of per-round ratios $paired);" \
		"$verdict the target <= 0.9"
	echo
done
