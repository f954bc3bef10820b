/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_KERNEL_H
#define HK_HOST_KERNEL_H

/* The command line's value parsers, exposed to unit tests and fuzz targets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/cpuset.h>

/*
 * A size as the kernel's memparse() reads it: a decimal or 0x-hex number and
 * an optional suffix K, M, G, T, P or E (either case), nothing after.
 * Errors: -EINVAL, -ERANGE.
 */
int hk_parse_memsize(const char *buf, size_t len, uint64_t *ret);

/*
 * A CPU list of the command line: the kernel's list form, where "N" stands
 * for the last CPU (@n_cpus - 1). Errors: -EINVAL (also for "N" when @n_cpus
 * is 0), -ERANGE, -ENOMEM; @set is unchanged on error.
 */
int hk_parse_cmdline_cpulist(const char *buf, size_t len, unsigned n_cpus, hk_cpuset *set);

/*
 * isolcpus=: leading flags ("nohz,", "domain,", "managed_irq,"; other
 * alphabetic flags are skipped, as the kernel skips them), then a CPU list.
 * Without a flag, HK_ISOLCPUS_DOMAIN. Errors as hk_parse_cmdline_cpulist(),
 * -EINVAL for a flag with other characters than letters and '_'.
 */
int hk_parse_isolcpus(const char *buf, size_t len, unsigned n_cpus, unsigned *ret_flags,
		      hk_cpuset *set);

/* One node's count of the per-node form of hugepages=. */
typedef struct hk_hugepages_node {
	unsigned node;
	uint64_t pages;
} hk_hugepages_node;

/* The highest node number hugepages= may name, plus one (the kernel's largest MAX_NUMNODES). */
#define HK_HUGEPAGES_MAX_NODES 1024u

/*
 * hugepages=: "N" or "NODE:N,NODE:N...". *ret_nodes (free()) is NULL and
 * *ret_n_nodes 0 for the plain form; *ret_total is the count, or the sum of
 * the nodes' counts. Errors: -EINVAL, -ERANGE (a node >=
 * HK_HUGEPAGES_MAX_NODES, a sum that overflows), -ENOMEM.
 */
int hk_parse_hugepages_count(const char *buf, size_t len, uint64_t *ret_total,
			     hk_hugepages_node **ret_nodes, unsigned *ret_n_nodes);

/*
 * A CPU list file of what the kernel accepted (sys/devices/system/cpu/
 * isolated, nohz_full): the text ends at the first NUL ("\0\n" is how some
 * 3.10 kernels write none), blanks around are dropped, and "(null)" (with or
 * without leading blanks, as other kernels write none) is the empty set.
 */
int hk_parse_accepted_cpulist(const char *buf, size_t len, hk_cpuset *set);

#endif
