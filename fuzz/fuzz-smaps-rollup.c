/* SPDX-License-Identifier: MIT */
/*
 * hk_parse_smaps_rollup() on random bytes. Oracle: every field has a
 * non-empty name without blank or ':', is found again by name (the first
 * of a name), and there are no more fields than lines.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/process.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_smaps_rollup *r = NULL;

	if (hk_parse_smaps_rollup((const char *)data, size, "smaps_rollup", NULL, &r) < 0)
		return 0;
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	size_t n = hk_smaps_rollup_n_fields(r);
	if (n > lines)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		const char *name = hk_smaps_rollup_field_name(r, i);
		uint64_t kib;
		if (!name || !*name || strpbrk(name, " \t:"))
			__builtin_trap();
		if (hk_smaps_rollup_kib(r, name, &kib) < 0)
			__builtin_trap();
	}
	if (hk_smaps_rollup_field_name(r, n) != NULL)
		__builtin_trap();
	uint64_t a, b;
	int k = hk_smaps_rollup_range(r, &a, &b);
	if (k < 0 && k != -ENODATA)
		__builtin_trap();
	hk_smaps_rollup_free(r);
	return 0;
}
