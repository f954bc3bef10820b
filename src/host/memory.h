/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_MEMORY_H
#define HK_HOST_MEMORY_H

/*
 * The memory model's text parsers, exposed to unit tests and fuzz targets.
 * Each takes (buf, len), needs no NUL, and on a malformed text returns
 * -EINVAL with @diag (may be NULL) naming @path (may be NULL), the line and
 * the text at fault. Parsers that fill an hk_memory replace the part they
 * own, and leave it untouched on failure. The huge page, hugetlbfs and THP
 * parsers are defined in hugepages.c, the others in memory.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/*
 * ---- Shared by memory.c and hugepages.c ----
 *
 * hk_memory's layout and the text and file helpers of memory.c that the huge
 * page code (hugepages.c) uses too. The huge page objects (hk_hugepages,
 * hk_hugetlbfs, hk_thp) are hugepages.c's own.
 */

struct hk_memory {
	hk_memfields *meminfo;
	int64_t default_hugepage_kib;
	hk_hugepages *hugepages;
	unsigned n_hugepages;
	hk_hugetlbfs *mounts;
	unsigned n_mounts;
	hk_thp *thp;
	hk_buddy *buddy;
	unsigned n_buddy;
	hk_zone *zones;
	unsigned n_zones;
	hk_memnode *nodes;
	unsigned n_nodes;
	int64_t overcommit[_HK_OVERCOMMIT_MAX];
};

/* Grows *@array of @n elements of @size so one more fits; doubles *@cap from 4. */
int hk_mem_grow(void *array, unsigned n, unsigned *cap, size_t size);

static inline bool hk_mem_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Iterates the lines of (buf, len), counting them from 1. */
typedef struct hk_mem_line_iter {
	const char *p;
	const char *end;
	unsigned no;
} hk_mem_line_iter;

static inline bool hk_mem_next_line(hk_mem_line_iter *it, const char **ret, size_t *ret_len)
{
	if (it->p >= it->end)
		return false;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	const char *eol = nl ? nl : it->end;
	*ret = it->p;
	*ret_len = (size_t)(eol - it->p);
	it->p = nl ? nl + 1 : it->end;
	it->no++;
	return true;
}

static inline void hk_mem_skip_blanks(const char **p, const char *end)
{
	while (*p < end && hk_mem_is_blank(**p))
		(*p)++;
}

/* The next blank-separated word from *@p, or false at the end. */
static inline bool hk_mem_next_word(const char **p, const char *end, const char **ret,
				    size_t *ret_len)
{
	hk_mem_skip_blanks(p, end);
	if (*p >= end)
		return false;
	const char *s = *p;
	while (*p < end && !hk_mem_is_blank(**p))
		(*p)++;
	*ret = s;
	*ret_len = (size_t)(*p - s);
	return true;
}

static inline bool hk_mem_word_is(const char *w, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(w, lit, len) == 0;
}

/*
 * Fills @diag for line @no of @path holding (text, len), quoting at most 80
 * bytes of the line with control bytes shown as '?', since the message may
 * reach a terminal. Returns -EINVAL.
 */
int hk_mem_bad_line(hk_diag *diag, const char *path, unsigned no, const char *text, size_t len,
		    const char *why);

/*
 * The kernel writes no NUL byte into these files, and one would cut a name
 * short (to "" or to a name given before): the text is malformed, and the
 * NUL's line is named in @diag (-EINVAL). 0 when there is none.
 */
int hk_mem_check_nul(const char *buf, size_t len, const char *path, hk_diag *diag);

/* Reads a whole file; -ENOENT also when a directory on the way is a file. */
int hk_mem_read_opt(hk_root *root, const char *path, char **ret_buf, size_t *ret_len);

/* Fills @diag with "cannot read @path: <strerror>"; returns @r. */
int hk_mem_read_failed(hk_diag *diag, const char *path, int r);

/*
 * Reads a file of one number into *@ret: absent or empty (a capture made
 * without the right to read it) is -ENODATA. With @yes_no, "[yes] no" and
 * "yes [no]" are accepted too, as 1 and 0.
 */
int hk_mem_read_value(hk_root *root, const char *path, bool yes_no, hk_diag *diag, int64_t *ret);

#endif
