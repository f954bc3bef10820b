/* SPDX-License-Identifier: MIT */
/*
 * The /proc/buddyinfo parser. The oracle is the sanitizers plus its
 * contract: on success every row has a zone name and the same number of
 * orders, between 1 and 64; on failure the rows parsed before stay and the
 * diagnostic names a line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char before[] = "Node 0, zone DMA 1 2 3\n";
	hk_memory *m = hk_memory_new();
	hk_diag diag = {0};

	if (!m)
		return 0;
	if (hk_parse_buddyinfo(before, sizeof(before) - 1, NULL, NULL, m) != 0)
		__builtin_trap();
	int r = hk_parse_buddyinfo((const char *)data, size, "proc/buddyinfo", &diag, m);
	if (r == 0) {
		unsigned n = hk_memory_n_buddy(m);
		for (unsigned i = 0; i < n; i++) {
			const hk_buddy *b = hk_memory_buddy(m, i);
			unsigned k = hk_buddy_n_orders(b);
			if (!hk_buddy_zone(b) || !*hk_buddy_zone(b) || k < 1 || k > 64 ||
			    k != hk_buddy_n_orders(hk_memory_buddy(m, 0)))
				__builtin_trap();
			(void)hk_buddy_free(b, k - 1);
		}
		if (hk_memory_buddy(m, n) != NULL)
			__builtin_trap();
	} else {
		if (hk_memory_n_buddy(m) != 1 || hk_buddy_free(hk_memory_buddy(m, 0), 2) != 3)
			__builtin_trap();
		if (r != -ENOMEM && (r != -EINVAL || diag.error != -EINVAL || !diag.line))
			__builtin_trap();
	}
	hk_memory_free(m);
	return 0;
}
