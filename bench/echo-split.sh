#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Splits a server's CPU per request by where perf saw it (docs/bench-echo.md):
#   shared    the kernel's TCP, loopback and scheduler work both servers do
#   io_uring  io_uring's own kernel functions (io_*, __io_*, *io_uring*)
#   syscall   system call entry and exit, descriptor look-ups, copies of
#             syscall arguments (do_syscall_64, __sys_*, fdget, fput, ...)
#   epoll     epoll and the socket polls it makes
#   user      the process's own code and its libraries
# Usage: bench/echo-split.sh PERF.DATA NS_PER_REQUEST
# PERF.DATA from `perf record -e cpu-clock -g -p PID`; NS_PER_REQUEST from
# the server's counters line, (user_us + sys_us) * 1000 / requests.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 PERF.DATA NS_PER_REQUEST" >&2; exit 2; }
perf report -i "$1" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
	awk -v cpr="$2" '
	/^#/ || !/%/ { next }
	{
		pct = $1; sub(/%/, "", pct)
		dso = $2; sym = $4
		if (dso != "[kernel.kallsyms]") c = "user"
		else if (sym ~ /^(__)?io_|io_uring|^llist_reverse_order$|^sock_from_file$|^tctx_task_work|^task_work_run$/) c = "io_uring"
		else if (sym ~ /^__x64_sys_epoll|^ep_|^do_epoll|^epoll|^sock_poll$|^tcp_poll$/) c = "epoll"
		else if (sym ~ /^(do_syscall_64|entry_SYSCALL|syscall_exit|__x64_sys_|__sys_|fdget|fput|__fget|__put_user|__get_user|exit_to_user|__rseq|rseq_)/) c = "syscall"
		else c = "shared"
		ns[c] += pct * cpr / 100
	}
	END {
		printf "shared=%.0f io_uring=%.0f syscall=%.0f epoll=%.0f user=%.0f (ns per request)\n",
			ns["shared"], ns["io_uring"], ns["syscall"], ns["epoll"], ns["user"]
	}'
