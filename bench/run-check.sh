#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Check benchmark: the CPU time (user + sys) of `hostkit check --no-sample`
# on the live host (the one-second softnet sample left out), median of N
# runs, against the 50 ms budget of issue 5. bash's `time` reports the CPU
# time of the child, so nothing else is needed. No peer tool judges the same
# rules (tuned-adm verify checks its own profile, sysctl -a reads every
# sysctl): none is run side by side. See docs/performance.md, "Checks".
#
# Usage: bench/run-check.sh [--runs N] [--root DIR] [--as-user]
#
# --as-user runs the checks as uid 65534 (setpriv), as an unprivileged user
# would. Environment: BUILD (build dir, default ./build).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
runs=50
root=()
as_user=()

while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--root) root=(--root "$2"); shift 2 ;;
	--as-user) as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); shift ;;
	-h|--help) sed -n '/^# Usage:/,/^# would/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "usage: $0 [--runs N] [--root DIR] [--as-user]" >&2; exit 2 ;;
	esac
done

tool=$build/src/hostkit
[ -x "$tool" ] || { echo "run-check: $tool not built (set BUILD)" >&2; exit 1; }
export LC_ALL=C
TIMEFORMAT='%3U %3S'

# One warm-up run so that the page cache holds the binary and the files.
"${as_user[@]}" "$tool" "${root[@]}" check --no-sample >/dev/null || true

samples=()
for _ in $(seq "$runs"); do
	t=$( { time "${as_user[@]}" "$tool" "${root[@]}" check --no-sample >/dev/null 2>&1 || true; } 2>&1 )
	samples+=("$(awk '{ printf "%.3f", ($1 + $2) * 1000 }' <<<"$t")")
done

printf '%s\n' "${samples[@]}" | sort -n | awk -v runs="$runs" '
	{ v[NR] = $1 }
	END {
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "hostkit check --no-sample: %d runs, CPU (user+sys) ms: min %.1f  median %.1f  max %.1f\n", NR, v[1], med, v[NR]
		printf "budget 50 ms: %s (median %.0f%% of it)\n", med < 50 ? "met" : "NOT MET", med * 2
	}'
