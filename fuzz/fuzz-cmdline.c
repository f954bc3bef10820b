/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line parser (hk_cmdline_parse()) and its value parsers
 * (sizes, hugepages= counts, isolcpus=, CPU lists with "N", the accepted
 * CPU list files). The first input byte is the CPU count for "N" (0: unknown);
 * the rest is the command line, and also the value given to each value
 * parser. The oracle is the sanitizers plus the parser's contracts: it fails
 * only for memory; every word is accounted for within the text's bounds;
 * error indexes name parameters; a typed value is set exactly when it
 * formats; a per-node hugepages count is the sum of its nodes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/kernel.h>

#include "host/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cmdline(const hk_cmdline *c, size_t len)
{
	const char *text = hk_cmdline_text(c);
	size_t tlen = strlen(text);
	char buf[64];

	if (tlen > len)
		__builtin_trap();
	/* Words are at least one byte and one blank apart: at most (len + 1) / 2 of them. */
	if (hk_cmdline_n_params(c) + hk_cmdline_n_init_args(c) > tlen / 2 + 1)
		__builtin_trap();
	for (unsigned i = 0; i < hk_cmdline_n_params(c); i++) {
		const char *k = hk_cmdline_param_key(c, i);
		const char *v = hk_cmdline_param_value(c, i);
		if (!k || strlen(k) > tlen || (v && strlen(k) + strlen(v) > tlen))
			__builtin_trap();
		/* The last occurrence of a name is found at or after it. */
		if (hk_cmdline_find(c, k) < (int)i)
			__builtin_trap();
	}
	if (hk_cmdline_param_key(c, hk_cmdline_n_params(c)))
		__builtin_trap();
	for (unsigned i = 0; i < hk_cmdline_n_init_args(c); i++)
		if (!hk_cmdline_init_arg(c, i) || strlen(hk_cmdline_init_arg(c, i)) > tlen)
			__builtin_trap();
	if (hk_cmdline_n_init_args(c) && !hk_cmdline_has_init_args(c))
		__builtin_trap();

	for (unsigned i = 0; i < hk_cmdline_n_errors(c); i++) {
		int p = hk_cmdline_error_param(c, i);
		if (p < 0 || (unsigned)p >= hk_cmdline_n_params(c) ||
		    !hk_cmdline_error_message(c, i))
			__builtin_trap();
	}
	for (unsigned w = 0; w < _HK_CMDLINE_SETTING_MAX; w++) {
		int64_t v = hk_cmdline_setting_get(c, w);
		const char *f = hk_cmdline_setting_format(c, w, buf, sizeof(buf));
		if (v != -ENODATA && v < 0)
			__builtin_trap();
		if ((v >= 0) != (f != NULL))
			__builtin_trap();
	}
	if (!hk_cmdline_cpus(c, HK_CMDLINE_ISOLCPUS) && hk_cmdline_isolcpus_flags(c))
		__builtin_trap();
	if (hk_cmdline_cpus(c, HK_CMDLINE_ISOLCPUS) && !hk_cmdline_isolcpus_flags(c))
		__builtin_trap();
	for (unsigned i = 0; i < hk_cmdline_n_hugepages(c); i++) {
		const hk_cmdline_hugepages *h = hk_cmdline_hugepages_get(c, i);
		uint64_t sum = 0, pages;
		unsigned node;
		for (unsigned k = 0; k < hk_cmdline_hugepages_n_nodes(h); k++) {
			if (hk_cmdline_hugepages_node(h, k, &node, &pages) < 0 ||
			    node >= HK_HUGEPAGES_MAX_NODES)
				__builtin_trap();
			sum += pages;
		}
		if (hk_cmdline_hugepages_n_nodes(h) &&
		    (uint64_t)hk_cmdline_hugepages_pages(h) != sum)
			__builtin_trap();
	}
}

static void check_values(const char *buf, size_t len, unsigned n_cpus)
{
	uint64_t v, total;
	hk_hugepages_node *nodes = NULL;
	unsigned n = 0, flags = 0;

	int r = hk_parse_memsize(buf, len, &v);
	if (r < 0 && r != -EINVAL && r != -ERANGE)
		__builtin_trap();

	r = hk_parse_hugepages_count(buf, len, &total, &nodes, &n);
	if (r == 0) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < n; i++)
			sum += nodes[i].pages;
		if ((n > 0 && sum != total) || (n == 0 && nodes))
			__builtin_trap();
		free(nodes);
	} else if (r != -EINVAL && r != -ERANGE && r != -ENOMEM) {
		__builtin_trap();
	}

	hk_cpuset *s = hk_cpuset_new();
	if (!s)
		return;
	r = hk_parse_isolcpus(buf, len, n_cpus, &flags, s);
	if (r == 0 && (flags == 0 || flags > 7))
		__builtin_trap();
	r = hk_parse_cmdline_cpulist(buf, len, n_cpus, s);
	if (r == 0 && hk_cpuset_last(s) >= (int)HK_CPU_MAX)
		__builtin_trap();
	(void)hk_parse_accepted_cpulist(buf, len, s);
	hk_cpuset_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned n_cpus = data[0];
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	hk_cmdline *c = NULL;

	int r = hk_cmdline_parse(buf, len, n_cpus, &c);
	if (r < 0 && r != -ENOMEM)
		__builtin_trap();
	if (r == 0) {
		check_cmdline(c, len);
		hk_cmdline_free(c);
	}
	check_values(buf, len, n_cpus);
	return 0;
}
