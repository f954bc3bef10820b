/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_PAGEMAP_H
#define HK_HOST_PAGEMAP_H

/* The page map's decoders, exposed to unit tests and fuzz targets. */
#include <stddef.h>
#include <stdint.h>

/*
 * Rewrites an entry of the layout kernels before 3.11 wrote (and 3.11 to 4.1
 * until soft-dirty was first cleared): bits 55-60 held the page shift (12
 * for 4 KiB pages). An entry whose bits 55-60 equal @page_shift gets them
 * cleared. On a newer kernel that value would mean a guard region (bit 58,
 * or 59/60 for shifts of 16 and up, which are zero) together with other
 * flags, which the kernel does not write: a guard marker replaces the page
 * table entry and carries nothing else.
 */
uint64_t hk_pagemap_entry_normalize(uint64_t entry, unsigned page_shift);

/*
 * Decodes @len bytes of a pagemap, kpageflags or kpagecount read (native
 * byte order, 8 bytes a value) into at most @max values; with @page_shift
 * not 0, each is passed through hk_pagemap_entry_normalize(). Returns the
 * count stored. -EINVAL when @len is not a multiple of 8.
 */
int hk_pagemap_decode(const char *buf, size_t len, unsigned page_shift, uint64_t *out, size_t max);

/*
 * The smallest "KernelPageSize:  4 kB" of a proc/PID/smaps text, in bytes.
 * -ENOENT when there is none, -EINVAL when one is malformed or not a power
 * of two of at least 1 KiB.
 */
int hk_parse_smaps_page_size(const char *buf, size_t len, uint64_t *ret);

/* log2 of a power of two (the page size); 0 for anything else. */
unsigned hk_pagemap_shift_of(uint64_t page_size);

#endif
