/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_MEMORY_H
#define HK_HOST_MEMORY_H

/*
 * The memory model's text parsers, exposed to unit tests and fuzz targets.
 * Each takes (buf, len), needs no NUL, and on a malformed text returns
 * -EINVAL with @diag (may be NULL) naming @path (may be NULL), the line and
 * the text at fault. Parsers that fill an hk_memory replace the part they
 * own, and leave it untouched on failure.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/memory.h>

/* An empty hk_memory for the parsers below to fill; NULL when out of memory. */
hk_memory *hk_memory_new(void);

void hk_memfields_free(hk_memfields *f);

/*
 * /proc/meminfo ("MemTotal:  123 kB", "HugePages_Total:  0") when @node is
 * -1; sys/devices/system/node/nodeN/meminfo ("Node N MemTotal: ...") when it
 * is N, and then every line must name node N. Blank lines are skipped.
 */
int hk_parse_meminfo(const char *buf, size_t len, int node, const char *path, hk_diag *diag,
		     hk_memfields **ret);

/* nodeN/numastat: "numa_hit 123" lines. */
int hk_parse_numastat(const char *buf, size_t len, const char *path, hk_diag *diag,
		      hk_memfields **ret);

/*
 * /proc/buddyinfo into m's buddy rows: "Node 0, zone   DMA  1 0 ..." with
 * one or more counts, the same number on every row.
 */
int hk_parse_buddyinfo(const char *buf, size_t len, const char *path, hk_diag *diag, hk_memory *m);

/*
 * /proc/zoneinfo into m's zones, from 2.6 kernels to 6.x: "per-node stats"
 * blocks, watermarks, the protection array, counters, pagesets (checked and
 * skipped), node_unreclaimable/start_pfn and old kernels' "scanned 0 (a: 0
 * i: 0)" lines.
 */
int hk_parse_zoneinfo(const char *buf, size_t len, const char *path, hk_diag *diag, hk_memory *m);

/*
 * The hugetlbfs lines of a /proc/self/mounts text into m's mounts; a mount
 * without pagesize= gets @default_kib (or -ENODATA). Lines of other file
 * systems are skipped unread.
 */
int hk_parse_hugetlbfs_mounts(const char *buf, size_t len, int64_t default_kib, const char *path,
			      hk_diag *diag, hk_memory *m);

/* "hugepages-2048kB" -> 2048; -EINVAL for any other name. */
int hk_parse_hugepages_dirname(const char *name, size_t len, uint64_t *ret_kib);

/* A hugetlbfs pagesize= value, "2M", "1G", "64K" or bytes ("2097152"), in KiB. */
int hk_parse_pagesize(const char *buf, size_t len, uint64_t *ret_kib);

/* The value of option @key ("pagesize") in comma-separated mount options; -ENOENT. */
int hk_mount_option(const char *opts, size_t len, const char *key, const char **ret,
		    size_t *ret_len);

/*
 * A THP setting, "always [madvise] never": blank-separated words, exactly one
 * in brackets. Free with hk_thp_choice_free().
 */
int hk_parse_thp_choice(const char *buf, size_t len, hk_thp_choice **ret);
void hk_thp_choice_free(hk_thp_choice *c);

#endif
