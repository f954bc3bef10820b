/* SPDX-License-Identifier: MIT */
#ifndef HK_TESTS_HOST_PEER_TOOL_H
#define HK_TESTS_HOST_PEER_TOOL_H

/*
 * Running the tools the host tests compare hostkit with (lscpu, lstopo, ...),
 * and hostkit itself: no shell, stdin from /dev/null, stderr shared with the
 * test, stdout collected. The tools run with LC_ALL=C (lscpu translates its
 * field names) and without LANGUAGE or HWLOC_* variables (which can point
 * hwloc at another topology).
 */
#include <stdbool.h>
#include <stddef.h>

/* Whether @name is an executable file in one of PATH's directories. */
bool peer_tool_in_path(const char *name);

/*
 * Runs @argv (argv[0] searched in PATH) and waits for it. On success,
 * @ret_out is its whole stdout, NUL-terminated, of @ret_len bytes (free it),
 * and @ret_status its exit status, or 128 + the signal that ended it.
 * Errors: the errno of a tool that could not be started (-ENOENT, -EACCES),
 * -ENOMEM, or that of a failed read or wait.
 */
int peer_tool_run(char *const *argv, char **ret_out, size_t *ret_len, int *ret_status);

/* @argv joined by spaces, for messages, in a static buffer. */
const char *peer_tool_cmdline(char *const *argv);

#endif
