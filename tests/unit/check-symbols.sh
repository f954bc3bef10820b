#!/usr/bin/env bash
# The shared library exports exactly the functions the public headers declare
# with HK_API, all listed in the version script, and nothing else.
set -euo pipefail
so=$1 sym=$2 incdir=$3

declared=$(sed -s -n '/^HK_API/,/;/p' "$incdir"/*.h | tr '\n' ' ' | tr ';' '\n' |
	grep -oE '\b(hk_[a-z0-9_]+)[[:space:]]*\(' | sed 's/[[:space:](]//g' | sort -u)
listed=$(sed -n '/global:/,/local:/p' "$sym" | grep -oE 'hk_[a-z0-9_]+' | sort -u)
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' |
	sed 's/@.*//' | sort -u)

fail=0
check() {
	local what=$1 a=$2 b=$3 d
	d=$(comm -3 <(echo "$a") <(echo "$b"))
	if [ -n "$d" ]; then
		echo "$what differ:"
		comm -3 <(echo "$a") <(echo "$b") | sed 's/^/  /'
		fail=1
	fi
}
check "declared (HK_API, left) and listed in $(basename "$sym") (right)" "$declared" "$listed"
check "listed (left) and exported by $(basename "$so") (right)" "$listed" "$exported"
n=$(echo "$exported" | wc -l)
[ $fail -eq 0 ] && echo "$n symbols: declared, listed and exported alike"
exit $fail
