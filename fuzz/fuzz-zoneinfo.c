/* SPDX-License-Identifier: MIT */
/*
 * The /proc/zoneinfo parser. The oracle is the sanitizers plus its
 * contract: on success every zone has a name, typed counters that are
 * -ENODATA or non-negative, a protection array of at most 64 entries and
 * counter lists with unique names; on failure the zones parsed before stay
 * and the diagnostic names a line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fields(const hk_memfields *f)
{
	for (unsigned i = 0; i < hk_memfields_count(f); i++) {
		const char *name = hk_memfields_name(f, i);
		if (!name || !*name)
			__builtin_trap();
		for (unsigned k = 0; k < i; k++)
			if (strcmp(hk_memfields_name(f, k), name) == 0)
				__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char before[] = "Node 0, zone DMA\n  pages free 7\n";
	hk_memory *m = hk_memory_new();
	hk_diag diag = {0};

	if (!m)
		return 0;
	if (hk_parse_zoneinfo(before, sizeof(before) - 1, NULL, NULL, m) != 0)
		__builtin_trap();
	int r = hk_parse_zoneinfo((const char *)data, size, "proc/zoneinfo", &diag, m);
	if (r == 0) {
		for (unsigned i = 0; i < hk_memory_n_zones(m); i++) {
			const hk_zone *z = hk_memory_zone(m, i);
			if (!hk_zone_name(z) || !*hk_zone_name(z) || hk_zone_n_protection(z) > 64)
				__builtin_trap();
			for (unsigned c = 0; c < _HK_ZONE_COUNTER_MAX; c++)
				if (hk_zone_get(z, c) < 0 && hk_zone_get(z, c) != -ENODATA)
					__builtin_trap();
			if (hk_zone_n_protection(z))
				(void)hk_zone_protection(z, hk_zone_n_protection(z) - 1);
			check_fields(hk_zone_counters(z));
			check_fields(hk_zone_node_stats(z));
		}
	} else {
		if (hk_memory_n_zones(m) != 1 ||
		    hk_zone_get(hk_memory_zone(m, 0), HK_ZONE_FREE) != 7)
			__builtin_trap();
		if (r != -ENOMEM && (r != -EINVAL || diag.error != -EINVAL || !diag.line))
			__builtin_trap();
	}
	hk_memory_free(m);
	return 0;
}
