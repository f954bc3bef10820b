/* SPDX-License-Identifier: MIT */
/* The page map decoders on random bytes: entries, flag names, contiguity. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <hostkit/pagemap.h>

#include "host/pagemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t out[1024];
	char buf[600];
	unsigned shift = size ? data[0] % 64 : 0;

	if (size < 1)
		return 0;
	int n =
	    hk_pagemap_decode((const char *)data + 1, (size - 1) & ~(size_t)7, shift, out, 1024);
	if (n < 0)
		__builtin_trap();
	hk_pagemap_decode((const char *)data + 1, size - 1, shift, out, 1024);
	for (int i = 0; i < n; i++) {
		uint64_t pfn, off;
		unsigned type;
		size_t bsz = (size_t)(out[i] % sizeof(buf));
		size_t a = hk_pagemap_flags_format(out[i], buf, bsz);
		if (bsz && (strlen(buf) >= bsz || strlen(buf) > a))
			__builtin_trap();
		size_t b = hk_kpage_flags_format(out[i], buf, sizeof(buf));
		if (strlen(buf) != b)
			__builtin_trap();
		int r = hk_pagemap_entry_pfn(out[i], &pfn);
		if (r == 0 && (pfn == 0 || pfn > HK_PAGEMAP_PFN_MASK))
			__builtin_trap();
		r = hk_pagemap_entry_swap(out[i], &type, &off);
		if (r == 0 && type > 31)
			__builtin_trap();
		if (hk_pagemap_entry_normalize(out[i], shift) & ~out[i])
			__builtin_trap();
	}
	if (n > 0) {
		uint64_t first;
		int r = hk_pagemap_entries_contiguous(out, (size_t)n, &first);
		if (r < -EPERM || r > 1)
			__builtin_trap();
	}
	uint64_t ps;
	if (hk_parse_smaps_page_size((const char *)data, size, &ps) == 0 &&
	    (ps < 1024 || (ps & (ps - 1))))
		__builtin_trap();
	return 0;
}
