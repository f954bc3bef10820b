/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_SOFTNET_H
#define HK_HOST_SOFTNET_H

/* The softnet_stat parser, exposed to unit tests and the fuzz target. */
#include <stddef.h>

#include <hostkit/cpuset.h>
#include <hostkit/softnet.h>

/* Columns a row may have at most; longer rows are malformed. */
#define HK_SOFTNET_MAX_COLUMNS 64u

/*
 * Parses the text of /proc/net/softnet_stat (@path names it in messages,
 * NULL for "softnet_stat"). @online, the online CPUs read with it (NULL when
 * unknown), numbers the rows of kernels that do not print the CPU. Errors:
 * -EINVAL (a row of fewer than 9 or more than HK_SOFTNET_MAX_COLUMNS
 * columns, a value that is not a 32-bit hex number, a NUL byte; @diag names
 * the line and the text), -ENOMEM.
 */
int hk_softnet_parse(const char *buf, size_t len, const hk_cpuset *online, const char *path,
		     hk_diag *diag, hk_softnet **ret);

#endif
