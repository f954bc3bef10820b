/* SPDX-License-Identifier: MIT */
/*
 * The meminfo parsers: /proc/meminfo, nodeN/meminfo (the first input byte
 * picks the node, or none), nodeN/numastat, and the THP choice, hugepages
 * directory name and hugetlbfs mount parsers beside them. The oracle is the
 * sanitizers plus the parsers' contracts: on success every field has a
 * non-empty name without blanks, names are unique, and a failure leaves
 * *ret untouched and fills the diagnostic.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fields(const hk_memfields *f)
{
	unsigned n = hk_memfields_count(f);

	for (unsigned i = 0; i < n; i++) {
		const char *name = hk_memfields_name(f, i);
		if (!name || !*name || strchr(name, ' ') || strchr(name, '\t'))
			__builtin_trap();
		for (unsigned k = 0; k < i; k++)
			if (strcmp(hk_memfields_name(f, k), name) == 0)
				__builtin_trap();
		uint64_t v;
		if (hk_memfields_get(f, name, &v) < 0)
			__builtin_trap();
	}
	if (hk_memfields_name(f, n) != NULL)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	hk_memfields *f = (hk_memfields *)&f; /* a sentinel: must stay on failure */
	hk_diag diag = {0};
	int r;

	switch (data[0] % 8) {
	case 0:
	case 1:
		r = hk_parse_meminfo(buf, len, -1, "proc/meminfo", &diag, &f);
		break;
	case 2:
	case 3:
		r = hk_parse_meminfo(buf, len, data[0] / 8 % 4, "node/meminfo", &diag, &f);
		break;
	case 4:
		r = hk_parse_numastat(buf, len, "node/numastat", &diag, &f);
		break;
	case 5: {
		hk_thp_choice *c = NULL;
		if (hk_parse_thp_choice(buf, len, &c) == 0) {
			if (hk_thp_choice_n_offered(c) == 0 || !hk_thp_choice_selected(c))
				__builtin_trap();
			hk_thp_choice_free(c);
		}
		return 0;
	}
	case 6: {
		uint64_t kib;
		if (hk_parse_hugepages_dirname(buf, len, &kib) == 0 && kib == 0)
			__builtin_trap();
		if (hk_parse_pagesize(buf, len, &kib) == 0 && kib == 0)
			__builtin_trap();
		return 0;
	}
	default: {
		hk_memory *m = hk_memory_new();
		if (!m)
			return 0;
		r = hk_parse_hugetlbfs_mounts(buf, len, 2048, "proc/self/mounts", &diag, m);
		for (unsigned i = 0; r == 0 && i < hk_memory_n_hugetlbfs(m); i++)
			if (!hk_hugetlbfs_path(hk_memory_hugetlbfs(m, i)) ||
			    hk_hugetlbfs_pagesize_kib(hk_memory_hugetlbfs(m, i)) <= 0)
				__builtin_trap();
		hk_memory_free(m);
		if (r < 0 && r != -ENOMEM && (r != -EINVAL || diag.error != -EINVAL || !diag.line))
			__builtin_trap();
		return 0;
	}
	}
	if (r == 0) {
		check_fields(f);
		hk_memfields_free(f);
	} else {
		if (f != (hk_memfields *)&f)
			__builtin_trap();
		if (r != -ENOMEM && (r != -EINVAL || diag.error != -EINVAL || !diag.line))
			__builtin_trap();
	}
	return 0;
}
