/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hostkit/memory.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/hugepages.h"
#include "host/memory.h"

#define NODE_DIR "sys/devices/system/node"

/* More orders than any kernel has (NR_PAGE_ORDERS is at most 20 or so). */
#define BUDDY_MAX_ORDERS 64
/* More zones than MAX_NR_ZONES (DMA, DMA32, Normal, HighMem, Movable, Device). */
#define ZONE_MAX_PROTECTION 64
/* The longest node number accepted, as the kernel's MAX_NUMNODES allows. */
#define NODE_MAX 65535u

struct memfield {
	char *name;
	uint64_t value;
	hk_memunit unit;
};

struct hk_memfields {
	struct memfield *v;
	unsigned n;
	unsigned cap;
};

struct hk_buddy {
	unsigned node;
	char *zone;
	uint64_t *free;
	unsigned n_orders;
};

struct hk_zone {
	unsigned node;
	char *name;
	int64_t v[_HK_ZONE_COUNTER_MAX];
	uint64_t *protection;
	unsigned n_protection;
	hk_memfields counters;
	hk_memfields *node_stats;
};

struct hk_memnode {
	unsigned id;
	hk_memfields *meminfo;
	hk_memfields *numastat;
};

/* ---- Memory management ---- */

int hk_mem_grow(void *array, unsigned n, unsigned *cap, size_t size)
{
	void **a = array;

	if (n < *cap)
		return 0;
	if (*cap > UINT32_MAX / 4)
		return -ENOMEM;
	unsigned ncap = *cap ? *cap * 2 : 4;
	void *p = reallocarray(*a, ncap, size);
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = ncap;
	return 0;
}

static void memfields_done(hk_memfields *f)
{
	for (unsigned i = 0; i < f->n; i++)
		free(f->v[i].name);
	free(f->v);
	*f = (hk_memfields){0};
}

void hk_memfields_free(hk_memfields *f)
{
	if (!f)
		return;
	memfields_done(f);
	free(f);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_memfields *, hk_memfields_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_thp_choice *, hk_thp_choice_free)

static void buddy_free_all(hk_buddy *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(b[i].zone);
		free(b[i].free);
	}
	free(b);
}

static void zones_free_all(hk_zone *z, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(z[i].name);
		free(z[i].protection);
		memfields_done(&z[i].counters);
		hk_memfields_free(z[i].node_stats);
	}
	free(z);
}

void hk_memory_free(hk_memory *m)
{
	if (!m)
		return;
	hk_memfields_free(m->meminfo);
	hk_memory_free_hugepages(m);
	buddy_free_all(m->buddy, m->n_buddy);
	zones_free_all(m->zones, m->n_zones);
	for (unsigned i = 0; i < m->n_nodes; i++) {
		hk_memfields_free(m->nodes[i].meminfo);
		hk_memfields_free(m->nodes[i].numastat);
	}
	free(m->nodes);
	free(m);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_memory *, hk_memory_free)

hk_memory *hk_memory_new(void)
{
	hk_memory *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->default_hugepage_kib = -ENODATA;
	for (unsigned i = 0; i < _HK_OVERCOMMIT_MAX; i++)
		m->overcommit[i] = -ENODATA;
	return m;
}

/* Adds a field; a name the list already holds is -EEXIST (JSON keys must be unique). */
static int memfields_add(hk_memfields *f, const char *name, size_t nlen, uint64_t value,
			 hk_memunit unit)
{
	for (unsigned i = 0; i < f->n; i++)
		if (strlen(f->v[i].name) == nlen && memcmp(f->v[i].name, name, nlen) == 0)
			return -EEXIST;
	int r = hk_mem_grow(&f->v, f->n, &f->cap, sizeof(*f->v));
	if (r < 0)
		return r;
	char *s = strndup(name, nlen);
	if (!s)
		return -ENOMEM;
	f->v[f->n++] = (struct memfield){s, value, unit};
	return 0;
}

/* ---- Text scanning (the helpers hugepages.c shares are in memory.h) ---- */

/* Moves *@end back over trailing blanks (and a '\r') down to @p. */
static void trim_end(const char *p, const char **end)
{
	while (*end > p && (hk_mem_is_blank((*end)[-1]) || (*end)[-1] == '\r'))
		(*end)--;
}

/* Parses a whole word as a decimal u64 into *@ret. */
static int word_u64(const char *w, size_t len, uint64_t *ret)
{
	return hk_parse_u64(w, len, 10, ret) < 0 ? -EINVAL : 0;
}

int hk_mem_bad_line(hk_diag *diag, const char *path, unsigned no, const char *text, size_t len,
		    const char *why)
{
	char quoted[81];
	size_t n = 0;

	if (!diag)
		return -EINVAL;
	while (len > 0 && hk_mem_is_blank(*text)) {
		text++;
		len--;
	}
	for (; n < len && n < sizeof(quoted) - 1; n++) {
		unsigned char c = (unsigned char)text[n];
		quoted[n] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	quoted[n] = 0;
	hk_diag_set(diag, -EINVAL, path, "%s line %u: %s: '%s%s'", path ? path : "(text)", no, why,
		    quoted, len > n ? "..." : "");
	diag->line = no;
	return -EINVAL;
}

int hk_mem_check_nul(const char *buf, size_t len, const char *path, hk_diag *diag)
{
	const char *nul = memchr(buf, 0, len), *end = buf + len, *line = buf, *nl;
	unsigned no = 1;

	if (!nul)
		return 0;
	while ((nl = memchr(line, '\n', (size_t)(nul - line)))) {
		line = nl + 1;
		no++;
	}
	nl = memchr(nul, '\n', (size_t)(end - nul));
	return hk_mem_bad_line(diag, path, no, line, (size_t)((nl ? nl : end) - line),
			       "a NUL byte");
}

/* ---- meminfo and numastat ---- */

int hk_parse_meminfo(const char *buf, size_t len, int node, const char *path, hk_diag *diag,
		     hk_memfields **ret)
{
	_cleanup_(hk_memfields_freep) hk_memfields *f = calloc(1, sizeof(*f));
	hk_mem_line_iter it = {buf, buf + len, 0};
	const char *line;
	size_t llen;

	if (!f)
		return -ENOMEM;
	int r = hk_mem_check_nul(buf, len, path, diag);
	if (r < 0)
		return r;
	while (hk_mem_next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *w;
		size_t wlen;
		uint64_t v;

		hk_mem_skip_blanks(&p, end);
		if (p == end)
			continue;
		if (node >= 0) {
			/* "Node 3 MemTotal: ..." */
			if (!hk_mem_next_word(&p, end, &w, &wlen) ||
			    !hk_mem_word_is(w, wlen, "Node") ||
			    !hk_mem_next_word(&p, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
				return hk_mem_bad_line(diag, path, it.no, line, llen,
						       "expected 'Node N' before the field");
			if (v != (uint64_t)node)
				return hk_mem_bad_line(diag, path, it.no, line, llen,
						       "the line is of another node");
			hk_mem_skip_blanks(&p, end);
		}
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (!colon || colon == p)
			return hk_mem_bad_line(diag, path, it.no, line, llen,
					       "expected 'Name: value'");
		for (const char *q = p; q < colon; q++)
			if (hk_mem_is_blank(*q))
				return hk_mem_bad_line(diag, path, it.no, line, llen,
						       "a blank inside the field name");
		const char *name = p;
		size_t nlen = (size_t)(colon - p);

		p = colon + 1;
		hk_memunit unit = HK_MEMUNIT_COUNT;
		if (!hk_mem_next_word(&p, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
			return hk_mem_bad_line(diag, path, it.no, line, llen, "expected a number");
		if (hk_mem_next_word(&p, end, &w, &wlen)) {
			if (!hk_mem_word_is(w, wlen, "kB"))
				return hk_mem_bad_line(diag, path, it.no, line, llen,
						       "the unit is not kB");
			unit = HK_MEMUNIT_KIB;
			if (hk_mem_next_word(&p, end, &w, &wlen))
				return hk_mem_bad_line(diag, path, it.no, line, llen,
						       "text after the unit");
		}
		r = memfields_add(f, name, nlen, v, unit);
		if (r == -EEXIST)
			return hk_mem_bad_line(diag, path, it.no, line, llen,
					       "a field given twice");
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(f);
	return 0;
}

/* Adds a "name value" line (numastat, zone counters); the name may end in ':'. */
static int add_name_value(hk_memfields *f, const char *line, size_t llen, bool allow_note,
			  const char *path, unsigned no, hk_diag *diag)
{
	const char *p = line, *end = line + llen, *name, *w;
	size_t nlen, wlen;
	uint64_t v;

	trim_end(p, &end);
	if (!hk_mem_next_word(&p, end, &name, &nlen))
		return 0;
	if (nlen > 1 && name[nlen - 1] == ':')
		nlen--;
	if (!hk_mem_next_word(&p, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
		return hk_mem_bad_line(diag, path, no, line, llen, "expected 'name value'");
	hk_mem_skip_blanks(&p, end);
	/* 2.6 kernels: "scanned  0 (a: 0 i: 0)"; the note in parentheses is dropped. */
	if (p < end && !(allow_note && *p == '(' && end[-1] == ')'))
		return hk_mem_bad_line(diag, path, no, line, llen, "text after the value");
	int r = memfields_add(f, name, nlen, v, HK_MEMUNIT_COUNT);
	if (r == -EEXIST)
		return hk_mem_bad_line(diag, path, no, line, llen, "a counter given twice");
	return r;
}

int hk_parse_numastat(const char *buf, size_t len, const char *path, hk_diag *diag,
		      hk_memfields **ret)
{
	_cleanup_(hk_memfields_freep) hk_memfields *f = calloc(1, sizeof(*f));
	hk_mem_line_iter it = {buf, buf + len, 0};
	const char *line;
	size_t llen;

	if (!f)
		return -ENOMEM;
	int r = hk_mem_check_nul(buf, len, path, diag);
	if (r < 0)
		return r;
	while (hk_mem_next_line(&it, &line, &llen)) {
		r = add_name_value(f, line, llen, false, path, it.no, diag);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(f);
	return 0;
}

/* ---- buddyinfo and zoneinfo ---- */

/*
 * Parses "Node 0, zone   Normal" at the start of a line (the kernel prints
 * "Node %d, zone %8s"), leaving *@p after the zone name.
 */
static bool parse_node_zone(const char **p, const char *end, unsigned *ret_node,
			    const char **ret_zone, size_t *ret_zone_len)
{
	const char *w;
	size_t wlen;
	unsigned node;

	if (!hk_mem_next_word(p, end, &w, &wlen) || !hk_mem_word_is(w, wlen, "Node"))
		return false;
	if (!hk_mem_next_word(p, end, &w, &wlen) || wlen < 2 || w[wlen - 1] != ',' ||
	    hk_parse_unsigned_range(w, wlen - 1, 0, NODE_MAX, &node) < 0)
		return false;
	if (!hk_mem_next_word(p, end, &w, &wlen) || !hk_mem_word_is(w, wlen, "zone"))
		return false;
	if (!hk_mem_next_word(p, end, ret_zone, ret_zone_len))
		return false;
	*ret_node = node;
	return true;
}

int hk_parse_buddyinfo(const char *buf, size_t len, const char *path, hk_diag *diag, hk_memory *m)
{
	hk_mem_line_iter it = {buf, buf + len, 0};
	hk_buddy *rows = NULL;
	unsigned n = 0, cap = 0;
	const char *line;
	size_t llen;
	int r = hk_mem_check_nul(buf, len, path, diag);

	if (r < 0)
		return r;
	while (hk_mem_next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *zone, *w;
		size_t zlen, wlen;
		unsigned node;
		uint64_t counts[BUDDY_MAX_ORDERS];
		unsigned k = 0;

		hk_mem_skip_blanks(&p, end);
		if (p == end)
			continue;
		if (!parse_node_zone(&p, end, &node, &zone, &zlen)) {
			r = hk_mem_bad_line(diag, path, it.no, line, llen,
					    "expected 'Node N, zone NAME'");
			goto fail;
		}
		while (hk_mem_next_word(&p, end, &w, &wlen)) {
			if (k == BUDDY_MAX_ORDERS) {
				r = hk_mem_bad_line(diag, path, it.no, line, llen,
						    "too many orders");
				goto fail;
			}
			if (word_u64(w, wlen, &counts[k++]) < 0) {
				r = hk_mem_bad_line(diag, path, it.no, line, llen,
						    "expected a count");
				goto fail;
			}
		}
		if (k == 0) {
			r = hk_mem_bad_line(diag, path, it.no, line, llen, "no free block counts");
			goto fail;
		}
		/* One kernel writes every row with NR_PAGE_ORDERS counts. */
		if (n > 0 && k != rows[0].n_orders) {
			r = hk_mem_bad_line(diag, path, it.no, line, llen,
					    "a row with another number of orders than the first");
			goto fail;
		}
		if ((r = hk_mem_grow(&rows, n, &cap, sizeof(*rows))) < 0)
			goto fail;
		hk_buddy *b = &rows[n];
		*b = (hk_buddy){.node = node, .n_orders = k};
		b->zone = strndup(zone, zlen);
		b->free = malloc(k * sizeof(uint64_t));
		n++;
		if (!b->zone || !b->free) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(b->free, counts, k * sizeof(uint64_t));
	}
	buddy_free_all(m->buddy, m->n_buddy);
	m->buddy = rows;
	m->n_buddy = n;
	return 0;
fail:
	buddy_free_all(rows, n);
	return r;
}

/* Parses "protection: (0, 2877, 7826)" into @z. */
static int parse_protection(hk_zone *z, const char *p, const char *end)
{
	uint64_t v[ZONE_MAX_PROTECTION];
	unsigned n = 0;

	hk_mem_skip_blanks(&p, end);
	while (end > p && hk_mem_is_blank(end[-1]))
		end--;
	if (end - p < 2 || *p != '(' || end[-1] != ')')
		return -EINVAL;
	p++;
	end--;
	hk_mem_skip_blanks(&p, end);
	while (p < end) {
		if (n == ZONE_MAX_PROTECTION)
			return -EINVAL;
		int c = hk_parse_u64_prefix(p, (size_t)(end - p), &v[n++]);
		if (c < 0)
			return -EINVAL;
		p += c;
		hk_mem_skip_blanks(&p, end);
		if (p < end) {
			if (*p != ',')
				return -EINVAL;
			p++;
			hk_mem_skip_blanks(&p, end);
			if (p == end)
				return -EINVAL;
		}
	}
	if (z->protection)
		return -EEXIST;
	z->protection = malloc((n ? n : 1) * sizeof(uint64_t));
	if (!z->protection)
		return -ENOMEM;
	memcpy(z->protection, v, n * sizeof(uint64_t));
	z->n_protection = n;
	return 0;
}

/* The per-CPU pageset lines, which are checked and skipped. */
static bool is_pageset_line(const char *p, const char *end)
{
	static const char *const keys[] = {
	    "cpu:", "count:", "high:", "batch:", "high_min:", "high_max:", "vm stats threshold:"};
	size_t len = (size_t)(end - p);

	for (unsigned i = 0; i < ELEMENTSOF(keys); i++) {
		size_t klen = strlen(keys[i]);
		if (len <= klen || memcmp(p, keys[i], klen) != 0)
			continue;
		const char *q = p + klen, *w;
		size_t wlen;
		uint64_t v;
		if (!hk_mem_next_word(&q, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
			return false;
		/* 2.6.18 writes "cpu: 0 pcp: 0" (hot and cold lists). */
		if (i == 0 && hk_mem_next_word(&q, end, &w, &wlen)) {
			if (!hk_mem_word_is(w, wlen, "pcp:") ||
			    !hk_mem_next_word(&q, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
				return false;
		}
		return !hk_mem_next_word(&q, end, &w, &wlen);
	}
	return false;
}

static int zone_field_of(const char *w, size_t len)
{
	static const char *const names[_HK_ZONE_COUNTER_MAX] = {
	    [HK_ZONE_MIN] = "min",	   [HK_ZONE_LOW] = "low",
	    [HK_ZONE_HIGH] = "high",	   [HK_ZONE_SPANNED] = "spanned",
	    [HK_ZONE_PRESENT] = "present", [HK_ZONE_MANAGED] = "managed",
	};
	for (int i = 0; i < _HK_ZONE_COUNTER_MAX; i++)
		if (names[i] && hk_mem_word_is(w, len, names[i]))
			return i;
	return -1;
}

enum zone_state {
	IN_ZONE,
	IN_NODE_STATS,
	IN_PAGESETS,
};

/* One line of a zone's block. */
static int zoneinfo_line(hk_zone *z, enum zone_state *state, const char *line, size_t llen,
			 const char *path, unsigned no, hk_diag *diag)
{
	const char *p = line, *end = line + llen, *w;
	size_t wlen;
	uint64_t v;
	int r;

	hk_mem_skip_blanks(&p, end);
	trim_end(p, &end);
	if (*state == IN_PAGESETS) {
		if (is_pageset_line(p, end))
			return 0;
		*state = IN_ZONE;
	}
	if (hk_mem_word_is(p, (size_t)(end - p), "per-node stats")) {
		if (z->node_stats)
			return hk_mem_bad_line(diag, path, no, line, llen,
					       "a second per-node block");
		z->node_stats = calloc(1, sizeof(*z->node_stats));
		if (!z->node_stats)
			return -ENOMEM;
		*state = IN_NODE_STATS;
		return 0;
	}
	if (hk_mem_word_is(p, (size_t)(end - p), "pagesets")) {
		*state = IN_PAGESETS;
		return 0;
	}
	const char *q = p;
	if (!hk_mem_next_word(&q, end, &w, &wlen))
		return 0;
	if (hk_mem_word_is(w, wlen, "protection:")) {
		r = parse_protection(z, q, end);
		if (r == -EINVAL || r == -EEXIST)
			return hk_mem_bad_line(diag, path, no, line, llen,
					       r == -EEXIST ? "a second protection array"
							    : "expected 'protection: (N, N, ...)'");
		*state = IN_ZONE;
		return r;
	}
	if (hk_mem_word_is(w, wlen, "pages")) {
		/* "pages free N" opens the zone's own counters. */
		if (!hk_mem_next_word(&q, end, &w, &wlen) || !hk_mem_word_is(w, wlen, "free") ||
		    !hk_mem_next_word(&q, end, &w, &wlen) || word_u64(w, wlen, &v) < 0 ||
		    v > INT64_MAX || hk_mem_next_word(&q, end, &w, &wlen))
			return hk_mem_bad_line(diag, path, no, line, llen,
					       "expected 'pages free N'");
		if (z->v[HK_ZONE_FREE] >= 0)
			return hk_mem_bad_line(diag, path, no, line, llen, "a counter given twice");
		z->v[HK_ZONE_FREE] = (int64_t)v;
		*state = IN_ZONE;
		return 0;
	}
	if (*state == IN_NODE_STATS)
		return add_name_value(z->node_stats, line, llen, false, path, no, diag);

	int field = zone_field_of(w, wlen);
	if (field >= 0) {
		if (!hk_mem_next_word(&q, end, &w, &wlen) || word_u64(w, wlen, &v) < 0 ||
		    v > INT64_MAX || hk_mem_next_word(&q, end, &w, &wlen))
			return hk_mem_bad_line(diag, path, no, line, llen, "expected 'name value'");
		if (z->v[field] >= 0)
			return hk_mem_bad_line(diag, path, no, line, llen, "a counter given twice");
		z->v[field] = (int64_t)v;
		return 0;
	}
	return add_name_value(&z->counters, line, llen, true, path, no, diag);
}

int hk_parse_zoneinfo(const char *buf, size_t len, const char *path, hk_diag *diag, hk_memory *m)
{
	hk_mem_line_iter it = {buf, buf + len, 0};
	hk_zone *zones = NULL;
	unsigned n = 0, cap = 0;
	enum zone_state state = IN_ZONE;
	const char *line;
	size_t llen;
	int r = hk_mem_check_nul(buf, len, path, diag);

	if (r < 0)
		return r;
	while (hk_mem_next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *zone, *w;
		size_t zlen, wlen;
		unsigned node;

		hk_mem_skip_blanks(&p, end);
		if (p == end)
			continue;
		if (llen >= 5 && memcmp(line, "Node ", 5) == 0) {
			if (!parse_node_zone(&p, end, &node, &zone, &zlen) ||
			    hk_mem_next_word(&p, end, &w, &wlen)) {
				r = hk_mem_bad_line(diag, path, it.no, line, llen,
						    "expected 'Node N, zone NAME'");
				goto fail;
			}
			if ((r = hk_mem_grow(&zones, n, &cap, sizeof(*zones))) < 0)
				goto fail;
			hk_zone *z = &zones[n++];
			*z = (hk_zone){.node = node};
			for (unsigned i = 0; i < _HK_ZONE_COUNTER_MAX; i++)
				z->v[i] = -ENODATA;
			z->name = strndup(zone, zlen);
			if (!z->name) {
				r = -ENOMEM;
				goto fail;
			}
			state = IN_ZONE;
			continue;
		}
		if (n == 0) {
			r = hk_mem_bad_line(diag, path, it.no, line, llen,
					    "a line before the first zone");
			goto fail;
		}
		r = zoneinfo_line(&zones[n - 1], &state, line, llen, path, it.no, diag);
		if (r < 0)
			goto fail;
	}
	zones_free_all(m->zones, m->n_zones);
	m->zones = zones;
	m->n_zones = n;
	return 0;
fail:
	zones_free_all(zones, n);
	return r;
}

/* ---- Loading ---- */

int hk_mem_read_opt(hk_root *root, const char *path, char **ret_buf, size_t *ret_len)
{
	int r = hk_root_read(root, path, ret_buf, ret_len);
	return r == -ENOTDIR ? -ENOENT : r;
}

int hk_mem_read_failed(hk_diag *diag, const char *path, int r)
{
	return hk_diag_set(diag, r, path, "cannot read %s: %s", path, strerror(-r));
}

int hk_mem_read_value(hk_root *root, const char *path, bool yes_no, hk_diag *diag, int64_t *ret)
{
	char buf[128];
	const char *p = buf;
	uint64_t v;

	int r = hk_root_read_buf(root, path, buf, sizeof(buf));
	if (r == -ENOENT || r == -ENOTDIR) {
		*ret = -ENODATA;
		return 0;
	}
	if (r == -EFBIG)
		return hk_diag_set(diag, -EINVAL, path, "cannot parse %s: more than %zu bytes",
				   path, sizeof(buf) - 1);
	if (r < 0)
		return hk_mem_read_failed(diag, path, r);
	size_t len = (size_t)r;
	hk_trim(&p, &len);
	if (len == 0) {
		*ret = -ENODATA;
		return 0;
	}
	if (hk_parse_u64(p, len, 10, &v) >= 0 && v <= INT64_MAX) {
		*ret = (int64_t)v;
		return 0;
	}
	if (yes_no) {
		_cleanup_(hk_thp_choice_freep) hk_thp_choice *c = NULL;
		if (hk_parse_thp_choice(p, len, &c) >= 0) {
			const char *s = hk_thp_choice_selected(c);
			if (strcmp(s, "yes") == 0 || strcmp(s, "no") == 0) {
				*ret = strcmp(s, "yes") == 0;
				return 0;
			}
		}
	}
	return hk_diag_set(diag, -EINVAL, path, "cannot parse '%.*s' in %s: not a number",
			   (int)MIN(len, 64u), p, path);
}

static int load_meminfo(hk_memory *m, hk_root *root, hk_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_mem_read_opt(root, "proc/meminfo", &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return hk_mem_read_failed(diag, "proc/meminfo", r);
	return hk_parse_meminfo(buf, len, -1, "proc/meminfo", diag, &m->meminfo);
}

/* Reads @path with @parse; an absent file leaves *@ret NULL. */
static int load_fields(hk_root *root, const char *path, int node, bool numastat, hk_diag *diag,
		       hk_memfields **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_mem_read_opt(root, path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return hk_mem_read_failed(diag, path, r);
	if (numastat)
		return hk_parse_numastat(buf, len, path, diag, ret);
	return hk_parse_meminfo(buf, len, node, path, diag, ret);
}

static int memnode_cmp(const void *a, const void *b)
{
	const hk_memnode *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static int load_nodes(hk_memory *m, hk_root *root, hk_diag *diag)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	unsigned cap = 0;
	char path[128];

	int r = hk_root_opendir(root, NODE_DIR, &d);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return hk_mem_read_failed(diag, NODE_DIR, r);
	while ((de = readdir(d))) {
		unsigned id;
		if (strncmp(de->d_name, "node", 4) != 0 ||
		    hk_parse_unsigned_range(de->d_name + 4, strlen(de->d_name + 4), 0, NODE_MAX,
					    &id) < 0)
			continue;
		if ((r = hk_mem_grow(&m->nodes, m->n_nodes, &cap, sizeof(*m->nodes))) < 0)
			return r;
		m->nodes[m->n_nodes++] = (hk_memnode){.id = id};
	}
	if (m->n_nodes > 1)
		qsort(m->nodes, m->n_nodes, sizeof(*m->nodes), memnode_cmp);

	for (unsigned i = 0; i < m->n_nodes; i++) {
		hk_memnode *n = &m->nodes[i];

		snprintf(path, sizeof(path), NODE_DIR "/node%u/meminfo", n->id);
		if ((r = load_fields(root, path, (int)n->id, false, diag, &n->meminfo)) < 0)
			return r;
		snprintf(path, sizeof(path), NODE_DIR "/node%u/numastat", n->id);
		if ((r = load_fields(root, path, -1, true, diag, &n->numastat)) < 0)
			return r;
		snprintf(path, sizeof(path), NODE_DIR "/node%u/hugepages", n->id);
		if ((r = hk_memory_load_node_hugepages(m, root, path, n->id, diag)) < 0)
			return r;
	}
	return 0;
}

/* Reads proc/buddyinfo or proc/zoneinfo with @parse; absent is no rows. */
static int load_proc_table(hk_memory *m, hk_root *root, const char *path,
			   int (*parse)(const char *, size_t, const char *, hk_diag *, hk_memory *),
			   hk_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_mem_read_opt(root, path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return hk_mem_read_failed(diag, path, r);
	return parse(buf, len, path, diag, m);
}

static int load_overcommit(hk_memory *m, hk_root *root, hk_diag *diag)
{
	static const char *const files[_HK_OVERCOMMIT_MAX] = {
	    [HK_OVERCOMMIT_MEMORY] = "proc/sys/vm/overcommit_memory",
	    [HK_OVERCOMMIT_RATIO] = "proc/sys/vm/overcommit_ratio",
	    [HK_OVERCOMMIT_KBYTES] = "proc/sys/vm/overcommit_kbytes",
	};
	for (unsigned i = 0; i < _HK_OVERCOMMIT_MAX; i++) {
		int r = hk_mem_read_value(root, files[i], false, diag, &m->overcommit[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int hk_memory_load(hk_root *root, hk_diag *diag, hk_memory **ret)
{
	_cleanup_(hk_memory_freep) hk_memory *m = hk_memory_new();
	int r;

	if (!m)
		return -ENOMEM;
	if ((r = load_meminfo(m, root, diag)) < 0 ||
	    (r = hk_memory_load_hugepages(m, root, diag)) < 0 ||
	    (r = load_nodes(m, root, diag)) < 0 ||
	    (r = hk_memory_load_meminfo_hugepages(m, root, diag)) < 0 ||
	    (r = hk_memory_load_hugetlbfs(m, root, diag)) < 0 ||
	    (r = hk_memory_load_thp(m, root, diag)) < 0 ||
	    (r = load_proc_table(m, root, "proc/buddyinfo", hk_parse_buddyinfo, diag)) < 0 ||
	    (r = load_proc_table(m, root, "proc/zoneinfo", hk_parse_zoneinfo, diag)) < 0 ||
	    (r = load_overcommit(m, root, diag)) < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

/* ---- Accessors ---- */

unsigned hk_memfields_count(const hk_memfields *f)
{
	return f ? f->n : 0;
}

const char *hk_memfields_name(const hk_memfields *f, unsigned i)
{
	return f && i < f->n ? f->v[i].name : NULL;
}

uint64_t hk_memfields_value(const hk_memfields *f, unsigned i)
{
	return f && i < f->n ? f->v[i].value : 0;
}

hk_memunit hk_memfields_unit(const hk_memfields *f, unsigned i)
{
	return f && i < f->n ? f->v[i].unit : HK_MEMUNIT_COUNT;
}

int hk_memfields_get(const hk_memfields *f, const char *name, uint64_t *ret)
{
	for (unsigned i = 0; f && i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0) {
			*ret = f->v[i].value;
			return 0;
		}
	return -ENOENT;
}

const hk_memfields *hk_memory_meminfo(const hk_memory *m)
{
	return m->meminfo;
}

unsigned hk_memory_n_buddy(const hk_memory *m)
{
	return m->n_buddy;
}

const hk_buddy *hk_memory_buddy(const hk_memory *m, unsigned i)
{
	return i < m->n_buddy ? &m->buddy[i] : NULL;
}

unsigned hk_buddy_node(const hk_buddy *b)
{
	return b->node;
}

const char *hk_buddy_zone(const hk_buddy *b)
{
	return b->zone;
}

unsigned hk_buddy_n_orders(const hk_buddy *b)
{
	return b->n_orders;
}

uint64_t hk_buddy_free(const hk_buddy *b, unsigned order)
{
	return order < b->n_orders ? b->free[order] : 0;
}

unsigned hk_memory_n_zones(const hk_memory *m)
{
	return m->n_zones;
}

const hk_zone *hk_memory_zone(const hk_memory *m, unsigned i)
{
	return i < m->n_zones ? &m->zones[i] : NULL;
}

unsigned hk_zone_node(const hk_zone *z)
{
	return z->node;
}

const char *hk_zone_name(const hk_zone *z)
{
	return z->name;
}

int64_t hk_zone_get(const hk_zone *z, hk_zone_counter c)
{
	return (unsigned)c < _HK_ZONE_COUNTER_MAX ? z->v[c] : -ENODATA;
}

unsigned hk_zone_n_protection(const hk_zone *z)
{
	return z->n_protection;
}

uint64_t hk_zone_protection(const hk_zone *z, unsigned i)
{
	return i < z->n_protection ? z->protection[i] : 0;
}

const hk_memfields *hk_zone_counters(const hk_zone *z)
{
	return &z->counters;
}

const hk_memfields *hk_zone_node_stats(const hk_zone *z)
{
	return z->node_stats;
}

unsigned hk_memory_n_nodes(const hk_memory *m)
{
	return m->n_nodes;
}

const hk_memnode *hk_memory_node(const hk_memory *m, unsigned i)
{
	return i < m->n_nodes ? &m->nodes[i] : NULL;
}

unsigned hk_memnode_id(const hk_memnode *n)
{
	return n->id;
}

const hk_memfields *hk_memnode_meminfo(const hk_memnode *n)
{
	return n->meminfo;
}

const hk_memfields *hk_memnode_numastat(const hk_memnode *n)
{
	return n->numastat;
}

int64_t hk_memory_overcommit(const hk_memory *m, hk_overcommit which)
{
	return (unsigned)which < _HK_OVERCOMMIT_MAX ? m->overcommit[which] : -ENODATA;
}

const char *hk_overcommit_mode_name(int64_t mode)
{
	switch (mode) {
	case 0:
		return "heuristic";
	case 1:
		return "always";
	case 2:
		return "never";
	default:
		return NULL;
	}
}

int hk_memory_commit_exceeded(const hk_memory *m)
{
	uint64_t limit, committed;

	if (hk_memfields_get(m->meminfo, "CommitLimit", &limit) < 0 ||
	    hk_memfields_get(m->meminfo, "Committed_AS", &committed) < 0)
		return -ENODATA;
	return committed > limit;
}
