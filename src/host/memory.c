/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <hostkit/memory.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/memory.h"

#define NODE_DIR      "sys/devices/system/node"
#define HUGEPAGES_DIR "sys/kernel/mm/hugepages"
#define THP_DIR	      "sys/kernel/mm/transparent_hugepage"
#define THP_DIR_RHEL6 "sys/kernel/mm/redhat_transparent_hugepage"

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

struct hugepages_node {
	unsigned id;
	int64_t v[_HK_HUGEPAGES_COUNTER_MAX];
};

struct hk_hugepages {
	uint64_t size_kib;
	bool from_meminfo;
	int64_t v[_HK_HUGEPAGES_COUNTER_MAX];
	struct hugepages_node *nodes;
	unsigned n_nodes;
};

struct hk_hugetlbfs {
	char *path;
	char *options;
	int64_t pagesize_kib;
	bool pagesize_given;
};

struct hk_thp_choice {
	char *text;   /* a copy of the file, the words NUL-terminated in place */
	char **words; /* n of them, pointing into text */
	unsigned n;
	unsigned selected;
};

struct thp_size {
	uint64_t size_kib;
	hk_thp_choice *knob[_HK_THP_KNOB_MAX];
};

struct hk_thp {
	hk_thp_choice *knob[_HK_THP_KNOB_MAX];
	int64_t value[_HK_THP_VALUE_MAX];
	struct thp_size *sizes;
	unsigned n_sizes;
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

/* ---- Memory management ---- */

/* Grows *@array of *@n elements of @size so one more fits; doubles from 4. */
static int grow(void *array, unsigned n, unsigned *cap, size_t size)
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

void hk_thp_choice_free(hk_thp_choice *c)
{
	if (!c)
		return;
	free(c->text);
	free(c->words);
	free(c);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_thp_choice *, hk_thp_choice_free)

static void thp_free(hk_thp *t)
{
	if (!t)
		return;
	for (unsigned k = 0; k < _HK_THP_KNOB_MAX; k++)
		hk_thp_choice_free(t->knob[k]);
	for (unsigned i = 0; i < t->n_sizes; i++)
		for (unsigned k = 0; k < _HK_THP_KNOB_MAX; k++)
			hk_thp_choice_free(t->sizes[i].knob[k]);
	free(t->sizes);
	free(t);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_thp *, thp_free)

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

static void mounts_free_all(hk_hugetlbfs *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(m[i].path);
		free(m[i].options);
	}
	free(m);
}

void hk_memory_free(hk_memory *m)
{
	if (!m)
		return;
	hk_memfields_free(m->meminfo);
	for (unsigned i = 0; i < m->n_hugepages; i++)
		free(m->hugepages[i].nodes);
	free(m->hugepages);
	mounts_free_all(m->mounts, m->n_mounts);
	thp_free(m->thp);
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
	int r = grow(&f->v, f->n, &f->cap, sizeof(*f->v));
	if (r < 0)
		return r;
	char *s = strndup(name, nlen);
	if (!s)
		return -ENOMEM;
	f->v[f->n++] = (struct memfield){s, value, unit};
	return 0;
}

/* ---- Text scanning ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Iterates the lines of (buf, len), counting them from 1. */
typedef struct line_iter {
	const char *p;
	const char *end;
	unsigned no;
} line_iter;

static bool next_line(line_iter *it, const char **ret, size_t *ret_len)
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

static void skip_blanks(const char **p, const char *end)
{
	while (*p < end && is_blank(**p))
		(*p)++;
}

/* Moves *@end back over trailing blanks (and a '\r') down to @p. */
static void trim_end(const char *p, const char **end)
{
	while (*end > p && (is_blank((*end)[-1]) || (*end)[-1] == '\r'))
		(*end)--;
}

/* The next blank-separated word from *@p, or false at the end. */
static bool next_word(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	skip_blanks(p, end);
	if (*p >= end)
		return false;
	const char *s = *p;
	while (*p < end && !is_blank(**p))
		(*p)++;
	*ret = s;
	*ret_len = (size_t)(*p - s);
	return true;
}

static bool word_is(const char *w, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(w, lit, len) == 0;
}

/* Parses a whole word as a decimal u64 into *@ret. */
static int word_u64(const char *w, size_t len, uint64_t *ret)
{
	return hk_parse_u64(w, len, 10, ret) < 0 ? -EINVAL : 0;
}

/*
 * Fills @diag for line @no of @path holding (text, len), quoting at most 80
 * bytes of the line with control bytes shown as '?', since the message may
 * reach a terminal. Returns -EINVAL.
 */
static int bad_line(hk_diag *diag, const char *path, unsigned no, const char *text, size_t len,
		    const char *why)
{
	char quoted[81];
	size_t n = 0;

	if (!diag)
		return -EINVAL;
	while (len > 0 && is_blank(*text)) {
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

/*
 * The kernel writes no NUL byte into these files, and one would cut a name
 * short (to "" or to a name given before): the text is malformed.
 */
static int check_nul(const char *buf, size_t len, const char *path, hk_diag *diag)
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
	return bad_line(diag, path, no, line, (size_t)((nl ? nl : end) - line), "a NUL byte");
}

/* ---- meminfo and numastat ---- */

int hk_parse_meminfo(const char *buf, size_t len, int node, const char *path, hk_diag *diag,
		     hk_memfields **ret)
{
	_cleanup_(hk_memfields_freep) hk_memfields *f = calloc(1, sizeof(*f));
	line_iter it = {buf, buf + len, 0};
	const char *line;
	size_t llen;

	if (!f)
		return -ENOMEM;
	int r = check_nul(buf, len, path, diag);
	if (r < 0)
		return r;
	while (next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *w;
		size_t wlen;
		uint64_t v;

		skip_blanks(&p, end);
		if (p == end)
			continue;
		if (node >= 0) {
			/* "Node 3 MemTotal: ..." */
			if (!next_word(&p, end, &w, &wlen) || !word_is(w, wlen, "Node") ||
			    !next_word(&p, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
				return bad_line(diag, path, it.no, line, llen,
						"expected 'Node N' before the field");
			if (v != (uint64_t)node)
				return bad_line(diag, path, it.no, line, llen,
						"the line is of another node");
			skip_blanks(&p, end);
		}
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (!colon || colon == p)
			return bad_line(diag, path, it.no, line, llen, "expected 'Name: value'");
		for (const char *q = p; q < colon; q++)
			if (is_blank(*q))
				return bad_line(diag, path, it.no, line, llen,
						"a blank inside the field name");
		const char *name = p;
		size_t nlen = (size_t)(colon - p);

		p = colon + 1;
		hk_memunit unit = HK_MEMUNIT_COUNT;
		if (!next_word(&p, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
			return bad_line(diag, path, it.no, line, llen, "expected a number");
		if (next_word(&p, end, &w, &wlen)) {
			if (!word_is(w, wlen, "kB"))
				return bad_line(diag, path, it.no, line, llen,
						"the unit is not kB");
			unit = HK_MEMUNIT_KIB;
			if (next_word(&p, end, &w, &wlen))
				return bad_line(diag, path, it.no, line, llen,
						"text after the unit");
		}
		r = memfields_add(f, name, nlen, v, unit);
		if (r == -EEXIST)
			return bad_line(diag, path, it.no, line, llen, "a field given twice");
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
	if (!next_word(&p, end, &name, &nlen))
		return 0;
	if (nlen > 1 && name[nlen - 1] == ':')
		nlen--;
	if (!next_word(&p, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
		return bad_line(diag, path, no, line, llen, "expected 'name value'");
	skip_blanks(&p, end);
	/* 2.6 kernels: "scanned  0 (a: 0 i: 0)"; the note in parentheses is dropped. */
	if (p < end && !(allow_note && *p == '(' && end[-1] == ')'))
		return bad_line(diag, path, no, line, llen, "text after the value");
	int r = memfields_add(f, name, nlen, v, HK_MEMUNIT_COUNT);
	if (r == -EEXIST)
		return bad_line(diag, path, no, line, llen, "a counter given twice");
	return r;
}

int hk_parse_numastat(const char *buf, size_t len, const char *path, hk_diag *diag,
		      hk_memfields **ret)
{
	_cleanup_(hk_memfields_freep) hk_memfields *f = calloc(1, sizeof(*f));
	line_iter it = {buf, buf + len, 0};
	const char *line;
	size_t llen;

	if (!f)
		return -ENOMEM;
	int r = check_nul(buf, len, path, diag);
	if (r < 0)
		return r;
	while (next_line(&it, &line, &llen)) {
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

	if (!next_word(p, end, &w, &wlen) || !word_is(w, wlen, "Node"))
		return false;
	if (!next_word(p, end, &w, &wlen) || wlen < 2 || w[wlen - 1] != ',' ||
	    hk_parse_unsigned_range(w, wlen - 1, 0, NODE_MAX, &node) < 0)
		return false;
	if (!next_word(p, end, &w, &wlen) || !word_is(w, wlen, "zone"))
		return false;
	if (!next_word(p, end, ret_zone, ret_zone_len))
		return false;
	*ret_node = node;
	return true;
}

int hk_parse_buddyinfo(const char *buf, size_t len, const char *path, hk_diag *diag, hk_memory *m)
{
	line_iter it = {buf, buf + len, 0};
	hk_buddy *rows = NULL;
	unsigned n = 0, cap = 0;
	const char *line;
	size_t llen;
	int r = check_nul(buf, len, path, diag);

	if (r < 0)
		return r;
	while (next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *zone, *w;
		size_t zlen, wlen;
		unsigned node;
		uint64_t counts[BUDDY_MAX_ORDERS];
		unsigned k = 0;

		skip_blanks(&p, end);
		if (p == end)
			continue;
		if (!parse_node_zone(&p, end, &node, &zone, &zlen)) {
			r = bad_line(diag, path, it.no, line, llen, "expected 'Node N, zone NAME'");
			goto fail;
		}
		while (next_word(&p, end, &w, &wlen)) {
			if (k == BUDDY_MAX_ORDERS) {
				r = bad_line(diag, path, it.no, line, llen, "too many orders");
				goto fail;
			}
			if (word_u64(w, wlen, &counts[k++]) < 0) {
				r = bad_line(diag, path, it.no, line, llen, "expected a count");
				goto fail;
			}
		}
		if (k == 0) {
			r = bad_line(diag, path, it.no, line, llen, "no free block counts");
			goto fail;
		}
		/* One kernel writes every row with NR_PAGE_ORDERS counts. */
		if (n > 0 && k != rows[0].n_orders) {
			r = bad_line(diag, path, it.no, line, llen,
				     "a row with another number of orders than the first");
			goto fail;
		}
		if ((r = grow(&rows, n, &cap, sizeof(*rows))) < 0)
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

	skip_blanks(&p, end);
	while (end > p && is_blank(end[-1]))
		end--;
	if (end - p < 2 || *p != '(' || end[-1] != ')')
		return -EINVAL;
	p++;
	end--;
	skip_blanks(&p, end);
	while (p < end) {
		if (n == ZONE_MAX_PROTECTION)
			return -EINVAL;
		int c = hk_parse_u64_prefix(p, (size_t)(end - p), &v[n++]);
		if (c < 0)
			return -EINVAL;
		p += c;
		skip_blanks(&p, end);
		if (p < end) {
			if (*p != ',')
				return -EINVAL;
			p++;
			skip_blanks(&p, end);
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
		if (!next_word(&q, end, &w, &wlen) || word_u64(w, wlen, &v) < 0)
			return false;
		/* 2.6.18 writes "cpu: 0 pcp: 0" (hot and cold lists). */
		if (i == 0 && next_word(&q, end, &w, &wlen)) {
			if (!word_is(w, wlen, "pcp:") || !next_word(&q, end, &w, &wlen) ||
			    word_u64(w, wlen, &v) < 0)
				return false;
		}
		return !next_word(&q, end, &w, &wlen);
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
		if (names[i] && word_is(w, len, names[i]))
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

	skip_blanks(&p, end);
	trim_end(p, &end);
	if (*state == IN_PAGESETS) {
		if (is_pageset_line(p, end))
			return 0;
		*state = IN_ZONE;
	}
	if (word_is(p, (size_t)(end - p), "per-node stats")) {
		if (z->node_stats)
			return bad_line(diag, path, no, line, llen, "a second per-node block");
		z->node_stats = calloc(1, sizeof(*z->node_stats));
		if (!z->node_stats)
			return -ENOMEM;
		*state = IN_NODE_STATS;
		return 0;
	}
	if (word_is(p, (size_t)(end - p), "pagesets")) {
		*state = IN_PAGESETS;
		return 0;
	}
	const char *q = p;
	if (!next_word(&q, end, &w, &wlen))
		return 0;
	if (word_is(w, wlen, "protection:")) {
		r = parse_protection(z, q, end);
		if (r == -EINVAL || r == -EEXIST)
			return bad_line(diag, path, no, line, llen,
					r == -EEXIST ? "a second protection array"
						     : "expected 'protection: (N, N, ...)'");
		*state = IN_ZONE;
		return r;
	}
	if (word_is(w, wlen, "pages")) {
		/* "pages free N" opens the zone's own counters. */
		if (!next_word(&q, end, &w, &wlen) || !word_is(w, wlen, "free") ||
		    !next_word(&q, end, &w, &wlen) || word_u64(w, wlen, &v) < 0 || v > INT64_MAX ||
		    next_word(&q, end, &w, &wlen))
			return bad_line(diag, path, no, line, llen, "expected 'pages free N'");
		if (z->v[HK_ZONE_FREE] >= 0)
			return bad_line(diag, path, no, line, llen, "a counter given twice");
		z->v[HK_ZONE_FREE] = (int64_t)v;
		*state = IN_ZONE;
		return 0;
	}
	if (*state == IN_NODE_STATS)
		return add_name_value(z->node_stats, line, llen, false, path, no, diag);

	int field = zone_field_of(w, wlen);
	if (field >= 0) {
		if (!next_word(&q, end, &w, &wlen) || word_u64(w, wlen, &v) < 0 || v > INT64_MAX ||
		    next_word(&q, end, &w, &wlen))
			return bad_line(diag, path, no, line, llen, "expected 'name value'");
		if (z->v[field] >= 0)
			return bad_line(diag, path, no, line, llen, "a counter given twice");
		z->v[field] = (int64_t)v;
		return 0;
	}
	return add_name_value(&z->counters, line, llen, true, path, no, diag);
}

int hk_parse_zoneinfo(const char *buf, size_t len, const char *path, hk_diag *diag, hk_memory *m)
{
	line_iter it = {buf, buf + len, 0};
	hk_zone *zones = NULL;
	unsigned n = 0, cap = 0;
	enum zone_state state = IN_ZONE;
	const char *line;
	size_t llen;
	int r = check_nul(buf, len, path, diag);

	if (r < 0)
		return r;
	while (next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *zone, *w;
		size_t zlen, wlen;
		unsigned node;

		skip_blanks(&p, end);
		if (p == end)
			continue;
		if (llen >= 5 && memcmp(line, "Node ", 5) == 0) {
			if (!parse_node_zone(&p, end, &node, &zone, &zlen) ||
			    next_word(&p, end, &w, &wlen)) {
				r = bad_line(diag, path, it.no, line, llen,
					     "expected 'Node N, zone NAME'");
				goto fail;
			}
			if ((r = grow(&zones, n, &cap, sizeof(*zones))) < 0)
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
			r = bad_line(diag, path, it.no, line, llen, "a line before the first zone");
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

/* ---- Huge pages, mounts, THP ---- */

int hk_parse_hugepages_dirname(const char *name, size_t len, uint64_t *ret_kib)
{
	static const char prefix[] = "hugepages-";
	const size_t plen = sizeof(prefix) - 1;
	uint64_t v;

	if (len < plen + 3 || memcmp(name, prefix, plen) != 0 || name[len - 2] != 'k' ||
	    name[len - 1] != 'B')
		return -EINVAL;
	if (hk_parse_u64(name + plen, len - plen - 2, 10, &v) < 0 || v == 0)
		return -EINVAL;
	*ret_kib = v;
	return 0;
}

int hk_parse_pagesize(const char *buf, size_t len, uint64_t *ret_kib)
{
	uint64_t v, shift = 0;

	int n = hk_parse_u64_prefix(buf, len, &v);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n + 1 == len) {
		switch (buf[n]) {
		case 'K':
		case 'k':
			shift = 0;
			break;
		case 'M':
		case 'm':
			shift = 10;
			break;
		case 'G':
		case 'g':
			shift = 20;
			break;
		default:
			return -EINVAL;
		}
	} else if ((size_t)n == len) {
		/* Bytes: the kernel rounds a size that is no huge page size up, we refuse it. */
		if (v % 1024)
			return -EINVAL;
		v /= 1024;
	} else {
		return -EINVAL;
	}
	if (v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*ret_kib = v << shift;
	return 0;
}

int hk_mount_option(const char *opts, size_t len, const char *key, const char **ret,
		    size_t *ret_len)
{
	size_t klen = strlen(key);
	const char *p = opts, *end = opts + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		if ((size_t)(e - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
			*ret = p + klen + 1;
			*ret_len = (size_t)(e - p) - klen - 1;
			return 0;
		}
		p = comma ? comma + 1 : end;
	}
	return -ENOENT;
}

/* Decodes the octal escapes (\040) the kernel puts in mount fields. */
static char *unescape_octal(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && len - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
				      (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

int hk_parse_hugetlbfs_mounts(const char *buf, size_t len, int64_t default_kib, const char *path,
			      hk_diag *diag, hk_memory *m)
{
	line_iter it = {buf, buf + len, 0};
	hk_hugetlbfs *mounts = NULL;
	unsigned n = 0, cap = 0;
	const char *line;
	size_t llen;
	int r = check_nul(buf, len, path, diag);

	if (r < 0)
		return r;
	while (next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *f[4], *v;
		size_t flen[4], vlen;
		unsigned nf = 0;

		while (nf < 4 && next_word(&p, end, &f[nf], &flen[nf]))
			nf++;
		/* Only hugetlbfs lines are ours to judge. */
		if (nf < 3 || !word_is(f[2], flen[2], "hugetlbfs"))
			continue;
		if (nf < 4) {
			r = bad_line(diag, path, it.no, line, llen, "a mount without options");
			goto fail;
		}
		if ((r = grow(&mounts, n, &cap, sizeof(*mounts))) < 0)
			goto fail;
		hk_hugetlbfs *h = &mounts[n++];
		*h = (hk_hugetlbfs){.pagesize_kib = default_kib >= 0 ? default_kib : -ENODATA};
		h->path = unescape_octal(f[1], flen[1]);
		h->options = unescape_octal(f[3], flen[3]);
		if (!h->path || !h->options) {
			r = -ENOMEM;
			goto fail;
		}
		if (hk_mount_option(f[3], flen[3], "pagesize", &v, &vlen) >= 0) {
			uint64_t kib;
			if (hk_parse_pagesize(v, vlen, &kib) < 0 || kib > INT64_MAX) {
				r = bad_line(diag, path, it.no, line, llen,
					     "cannot parse the pagesize= option");
				goto fail;
			}
			h->pagesize_kib = (int64_t)kib;
			h->pagesize_given = true;
		}
	}
	mounts_free_all(m->mounts, m->n_mounts);
	m->mounts = mounts;
	m->n_mounts = n;
	return 0;
fail:
	mounts_free_all(mounts, n);
	return r;
}

int hk_parse_thp_choice(const char *buf, size_t len, hk_thp_choice **ret)
{
	_cleanup_(hk_thp_choice_freep) hk_thp_choice *c = calloc(1, sizeof(*c));
	bool have_selected = false;

	if (!c)
		return -ENOMEM;
	c->text = malloc(len + 1);
	/* At most one word per two bytes. */
	c->words = calloc(len / 2 + 1, sizeof(char *));
	if (!c->text || !c->words)
		return -ENOMEM;
	memcpy(c->text, buf, len);
	c->text[len] = 0;

	char *p = c->text, *end = c->text + len;
	for (;;) {
		while (p < end && (is_blank(*p) || *p == '\n'))
			p++;
		if (p == end)
			break;
		char *w = p;
		while (p < end && !is_blank(*p) && *p != '\n')
			p++;
		size_t wlen = (size_t)(p - w);
		bool bracketed = w[0] == '[';
		if (bracketed) {
			if (wlen < 3 || w[wlen - 1] != ']' || have_selected)
				return -EINVAL;
			w++;
			wlen -= 2;
			have_selected = true;
			c->selected = c->n;
		}
		if (memchr(w, '[', wlen) || memchr(w, ']', wlen) || memchr(w, 0, wlen))
			return -EINVAL;
		w[wlen] = 0;
		if (p < end)
			p++;
		c->words[c->n++] = w;
	}
	if (!have_selected)
		return -EINVAL;
	*ret = TAKE_PTR(c);
	return 0;
}

/* ---- Loading ---- */

/* Reads a whole file; -ENOENT also when a directory on the way is a file. */
static int read_opt(hk_root *root, const char *path, char **ret_buf, size_t *ret_len)
{
	int r = hk_root_read(root, path, ret_buf, ret_len);
	return r == -ENOTDIR ? -ENOENT : r;
}

static int read_failed(hk_diag *diag, const char *path, int r)
{
	return hk_diag_set(diag, r, path, "cannot read %s: %s", path, strerror(-r));
}

/*
 * Reads a file of one number into *@ret: absent or empty (a capture made
 * without the right to read it) is -ENODATA. With @yes_no, "[yes] no" and
 * "yes [no]" are accepted too, as 1 and 0.
 */
static int read_value(hk_root *root, const char *path, bool yes_no, hk_diag *diag, int64_t *ret)
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
		return read_failed(diag, path, r);
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
			const char *s = c->words[c->selected];
			if (strcmp(s, "yes") == 0 || strcmp(s, "no") == 0) {
				*ret = strcmp(s, "yes") == 0;
				return 0;
			}
		}
	}
	return hk_diag_set(diag, -EINVAL, path, "cannot parse '%.*s' in %s: not a number",
			   (int)MIN(len, 64u), p, path);
}

/* Reads a THP choice file into *@ret; NULL when absent. */
static int read_choice(hk_root *root, const char *path, hk_diag *diag, hk_thp_choice **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = read_opt(root, path, &buf, &len);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return read_failed(diag, path, r);
	r = hk_parse_thp_choice(buf, len, ret);
	if (r == -EINVAL) {
		const char *p = buf;
		hk_trim(&p, &len);
		return hk_diag_set(diag, r, path,
				   "cannot parse '%.*s' in %s: expected words with one [selected]",
				   (int)MIN(len, 80u), p, path);
	}
	return r;
}

/* The huge page entry of @kib, added in size order when new. */
static int hugepages_get(hk_memory *m, uint64_t kib, hk_hugepages **ret)
{
	unsigned i = 0;

	while (i < m->n_hugepages && m->hugepages[i].size_kib < kib)
		i++;
	if (i < m->n_hugepages && m->hugepages[i].size_kib == kib) {
		*ret = &m->hugepages[i];
		return 0;
	}
	hk_hugepages *n = reallocarray(m->hugepages, m->n_hugepages + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	m->hugepages = n;
	memmove(&n[i + 1], &n[i], (m->n_hugepages - i) * sizeof(*n));
	n[i] = (hk_hugepages){.size_kib = kib};
	for (unsigned c = 0; c < _HK_HUGEPAGES_COUNTER_MAX; c++)
		n[i].v[c] = -ENODATA;
	m->n_hugepages++;
	*ret = &n[i];
	return 0;
}

static const char *const hugepages_file[_HK_HUGEPAGES_COUNTER_MAX] = {
    [HK_HUGEPAGES_TOTAL] = "nr_hugepages",
    [HK_HUGEPAGES_FREE] = "free_hugepages",
    [HK_HUGEPAGES_RESERVED] = "resv_hugepages",
    [HK_HUGEPAGES_SURPLUS] = "surplus_hugepages",
    [HK_HUGEPAGES_OVERCOMMIT] = "nr_overcommit_hugepages",
};

/*
 * Reads every hugepages-NkB directory under @dir: the global pool when @node
 * is -1, node @node's otherwise. An absent @dir has no sizes.
 */
static int load_hugepages_dir(hk_memory *m, hk_root *root, const char *dir, int node, hk_diag *diag)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char path[PATH_MAX];

	int r = hk_root_opendir(root, dir, &d);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return read_failed(diag, dir, r);
	while ((de = readdir(d))) {
		uint64_t kib;
		hk_hugepages *h;

		if (hk_parse_hugepages_dirname(de->d_name, strlen(de->d_name), &kib) < 0)
			continue;
		if ((r = hugepages_get(m, kib, &h)) < 0)
			return r;
		int64_t *v = h->v;
		if (node >= 0) {
			struct hugepages_node *nn =
			    reallocarray(h->nodes, h->n_nodes + 1, sizeof(*nn));
			if (!nn)
				return -ENOMEM;
			h->nodes = nn;
			nn[h->n_nodes] = (struct hugepages_node){.id = (unsigned)node};
			v = nn[h->n_nodes++].v;
		}
		for (unsigned c = 0; c < _HK_HUGEPAGES_COUNTER_MAX; c++) {
			v[c] = -ENODATA;
			/* Nodes have no reserve or overcommit of their own. */
			if (node >= 0 &&
			    (c == HK_HUGEPAGES_RESERVED || c == HK_HUGEPAGES_OVERCOMMIT))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name,
				 hugepages_file[c]);
			if ((r = read_value(root, path, false, diag, &v[c])) < 0)
				return r;
		}
	}
	return 0;
}

/*
 * meminfo's HugePages_* describe the default size's pool. They stand in for
 * sys/kernel/mm/hugepages when it is absent (kernels before 2.6.27, captures
 * without it): the default size gets an entry if no node listed it, and its
 * global counters from meminfo.
 */
static int hugepages_from_meminfo(hk_memory *m, hk_root *root, hk_diag *diag)
{
	static const struct {
		const char *name;
		hk_hugepages_counter c;
	} fields[] = {
	    {"HugePages_Total", HK_HUGEPAGES_TOTAL},
	    {"HugePages_Free", HK_HUGEPAGES_FREE},
	    {"HugePages_Rsvd", HK_HUGEPAGES_RESERVED},
	    {"HugePages_Surp", HK_HUGEPAGES_SURPLUS},
	};
	hk_hugepages *h;
	uint64_t v;
	int r;

	if (hk_root_exists(root, HUGEPAGES_DIR) || !m->meminfo || m->default_hugepage_kib <= 0 ||
	    hk_memfields_get(m->meminfo, "HugePages_Total", &v) < 0)
		return 0;
	if ((r = hugepages_get(m, (uint64_t)m->default_hugepage_kib, &h)) < 0)
		return r;
	h->from_meminfo = true;
	for (unsigned i = 0; i < ELEMENTSOF(fields); i++)
		if (hk_memfields_get(m->meminfo, fields[i].name, &v) >= 0 && v <= INT64_MAX)
			h->v[fields[i].c] = (int64_t)v;
	return read_value(root, "proc/sys/vm/nr_overcommit_hugepages", false, diag,
			  &h->v[HK_HUGEPAGES_OVERCOMMIT]);
}

static int load_meminfo(hk_memory *m, hk_root *root, hk_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	uint64_t v;

	int r = read_opt(root, "proc/meminfo", &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return read_failed(diag, "proc/meminfo", r);
	r = hk_parse_meminfo(buf, len, -1, "proc/meminfo", diag, &m->meminfo);
	if (r < 0)
		return r;
	if (hk_memfields_get(m->meminfo, "Hugepagesize", &v) >= 0 && v > 0 && v <= INT64_MAX)
		m->default_hugepage_kib = (int64_t)v;
	return 0;
}

/* Reads @path with @parse; an absent file leaves *@ret NULL. */
static int load_fields(hk_root *root, const char *path, int node, bool numastat, hk_diag *diag,
		       hk_memfields **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = read_opt(root, path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return read_failed(diag, path, r);
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
		return read_failed(diag, NODE_DIR, r);
	while ((de = readdir(d))) {
		unsigned id;
		if (strncmp(de->d_name, "node", 4) != 0 ||
		    hk_parse_unsigned_range(de->d_name + 4, strlen(de->d_name + 4), 0, NODE_MAX,
					    &id) < 0)
			continue;
		if ((r = grow(&m->nodes, m->n_nodes, &cap, sizeof(*m->nodes))) < 0)
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
		if ((r = load_hugepages_dir(m, root, path, (int)n->id, diag)) < 0)
			return r;
	}
	return 0;
}

static const char *const thp_knob_file[_HK_THP_KNOB_MAX] = {
    [HK_THP_ENABLED] = "enabled",
    [HK_THP_DEFRAG] = "defrag",
    [HK_THP_SHMEM_ENABLED] = "shmem_enabled",
};

static const char *const thp_value_file[_HK_THP_VALUE_MAX] = {
    [HK_THP_USE_ZERO_PAGE] = "use_zero_page",
    [HK_THP_HPAGE_PMD_SIZE] = "hpage_pmd_size",
    [HK_THP_KHUGEPAGED_DEFRAG] = "khugepaged/defrag",
    [HK_THP_KHUGEPAGED_PAGES_TO_SCAN] = "khugepaged/pages_to_scan",
    [HK_THP_KHUGEPAGED_SCAN_SLEEP_MILLISECS] = "khugepaged/scan_sleep_millisecs",
    [HK_THP_KHUGEPAGED_ALLOC_SLEEP_MILLISECS] = "khugepaged/alloc_sleep_millisecs",
    [HK_THP_KHUGEPAGED_MAX_PTES_NONE] = "khugepaged/max_ptes_none",
    [HK_THP_KHUGEPAGED_MAX_PTES_SWAP] = "khugepaged/max_ptes_swap",
    [HK_THP_KHUGEPAGED_MAX_PTES_SHARED] = "khugepaged/max_ptes_shared",
    [HK_THP_KHUGEPAGED_FULL_SCANS] = "khugepaged/full_scans",
    [HK_THP_KHUGEPAGED_PAGES_COLLAPSED] = "khugepaged/pages_collapsed",
};

static int thp_size_cmp(const void *a, const void *b)
{
	const struct thp_size *x = a, *y = b;
	return (x->size_kib > y->size_kib) - (x->size_kib < y->size_kib);
}

/* The multi-size THP directories, transparent_hugepage/hugepages-NkB. */
static int load_thp_sizes(hk_thp *t, hk_root *root, const char *dir, hk_diag *diag)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	unsigned cap = 0;
	char path[PATH_MAX];

	int r = hk_root_opendir(root, dir, &d);
	if (r < 0)
		return read_failed(diag, dir, r);
	while ((de = readdir(d))) {
		uint64_t kib;
		if (hk_parse_hugepages_dirname(de->d_name, strlen(de->d_name), &kib) < 0)
			continue;
		if ((r = grow(&t->sizes, t->n_sizes, &cap, sizeof(*t->sizes))) < 0)
			return r;
		struct thp_size *s = &t->sizes[t->n_sizes++];
		*s = (struct thp_size){.size_kib = kib};
		for (unsigned k = 0; k < _HK_THP_KNOB_MAX; k++) {
			if (k == HK_THP_DEFRAG)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, thp_knob_file[k]);
			if ((r = read_choice(root, path, diag, &s->knob[k])) < 0)
				return r;
		}
	}
	if (t->n_sizes > 1)
		qsort(t->sizes, t->n_sizes, sizeof(*t->sizes), thp_size_cmp);
	return 0;
}

static int load_thp(hk_memory *m, hk_root *root, hk_diag *diag)
{
	const char *dir = THP_DIR;
	char path[PATH_MAX];
	int r;

	if (!hk_root_exists(root, dir)) {
		dir = THP_DIR_RHEL6;
		if (!hk_root_exists(root, dir))
			return 0;
	}
	_cleanup_(thp_freep) hk_thp *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (unsigned k = 0; k < _HK_THP_KNOB_MAX; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, thp_knob_file[k]);
		if ((r = read_choice(root, path, diag, &t->knob[k])) < 0)
			return r;
	}
	for (unsigned v = 0; v < _HK_THP_VALUE_MAX; v++) {
		snprintf(path, sizeof(path), "%s/%s", dir, thp_value_file[v]);
		/* Older kernels (RHEL 6 among them) write khugepaged/defrag "[yes] no". */
		r = read_value(root, path, v == HK_THP_KHUGEPAGED_DEFRAG, diag, &t->value[v]);
		if (r < 0)
			return r;
	}
	if ((r = load_thp_sizes(t, root, dir, diag)) < 0)
		return r;
	m->thp = TAKE_PTR(t);
	return 0;
}

/* Reads proc/buddyinfo or proc/zoneinfo with @parse; absent is no rows. */
static int load_proc_table(hk_memory *m, hk_root *root, const char *path,
			   int (*parse)(const char *, size_t, const char *, hk_diag *, hk_memory *),
			   hk_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = read_opt(root, path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return read_failed(diag, path, r);
	return parse(buf, len, path, diag, m);
}

static int load_mounts(hk_memory *m, hk_root *root, hk_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	const char *path = "proc/self/mounts";
	size_t len;

	int r = read_opt(root, path, &buf, &len);
	if (r == -ENOENT) {
		path = "proc/mounts";
		r = read_opt(root, path, &buf, &len);
	}
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return read_failed(diag, path, r);
	return hk_parse_hugetlbfs_mounts(buf, len, m->default_hugepage_kib, path, diag, m);
}

static int load_overcommit(hk_memory *m, hk_root *root, hk_diag *diag)
{
	static const char *const files[_HK_OVERCOMMIT_MAX] = {
	    [HK_OVERCOMMIT_MEMORY] = "proc/sys/vm/overcommit_memory",
	    [HK_OVERCOMMIT_RATIO] = "proc/sys/vm/overcommit_ratio",
	    [HK_OVERCOMMIT_KBYTES] = "proc/sys/vm/overcommit_kbytes",
	};
	for (unsigned i = 0; i < _HK_OVERCOMMIT_MAX; i++) {
		int r = read_value(root, files[i], false, diag, &m->overcommit[i]);
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
	    (r = load_hugepages_dir(m, root, HUGEPAGES_DIR, -1, diag)) < 0 ||
	    (r = load_nodes(m, root, diag)) < 0 ||
	    (r = hugepages_from_meminfo(m, root, diag)) < 0 ||
	    (r = load_mounts(m, root, diag)) < 0 || (r = load_thp(m, root, diag)) < 0 ||
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

int64_t hk_memory_default_hugepage_kib(const hk_memory *m)
{
	return m->default_hugepage_kib;
}

unsigned hk_memory_n_hugepages(const hk_memory *m)
{
	return m->n_hugepages;
}

const hk_hugepages *hk_memory_hugepages(const hk_memory *m, unsigned i)
{
	return i < m->n_hugepages ? &m->hugepages[i] : NULL;
}

const hk_hugepages *hk_memory_hugepages_by_size(const hk_memory *m, uint64_t size_kib)
{
	for (unsigned i = 0; i < m->n_hugepages; i++)
		if (m->hugepages[i].size_kib == size_kib)
			return &m->hugepages[i];
	return NULL;
}

uint64_t hk_hugepages_size_kib(const hk_hugepages *h)
{
	return h->size_kib;
}

bool hk_hugepages_from_meminfo(const hk_hugepages *h)
{
	return h->from_meminfo;
}

int64_t hk_hugepages_get(const hk_hugepages *h, hk_hugepages_counter c)
{
	return (unsigned)c < _HK_HUGEPAGES_COUNTER_MAX ? h->v[c] : -ENODATA;
}

unsigned hk_hugepages_n_nodes(const hk_hugepages *h)
{
	return h->n_nodes;
}

unsigned hk_hugepages_node_id(const hk_hugepages *h, unsigned i)
{
	return i < h->n_nodes ? h->nodes[i].id : 0;
}

int64_t hk_hugepages_node_get(const hk_hugepages *h, unsigned i, hk_hugepages_counter c)
{
	if (i >= h->n_nodes || (unsigned)c >= _HK_HUGEPAGES_COUNTER_MAX)
		return -ENODATA;
	return h->nodes[i].v[c];
}

unsigned hk_memory_n_hugetlbfs(const hk_memory *m)
{
	return m->n_mounts;
}

const hk_hugetlbfs *hk_memory_hugetlbfs(const hk_memory *m, unsigned i)
{
	return i < m->n_mounts ? &m->mounts[i] : NULL;
}

const char *hk_hugetlbfs_path(const hk_hugetlbfs *h)
{
	return h->path;
}

const char *hk_hugetlbfs_options(const hk_hugetlbfs *h)
{
	return h->options;
}

int64_t hk_hugetlbfs_pagesize_kib(const hk_hugetlbfs *h)
{
	return h->pagesize_kib;
}

bool hk_hugetlbfs_pagesize_given(const hk_hugetlbfs *h)
{
	return h->pagesize_given;
}

const hk_thp *hk_memory_thp(const hk_memory *m)
{
	return m->thp;
}

const char *hk_thp_knob_name(hk_thp_knob knob)
{
	return (unsigned)knob < _HK_THP_KNOB_MAX ? thp_knob_file[knob] : NULL;
}

const hk_thp_choice *hk_thp_get_knob(const hk_thp *t, hk_thp_knob knob)
{
	return (unsigned)knob < _HK_THP_KNOB_MAX ? t->knob[knob] : NULL;
}

const char *hk_thp_choice_selected(const hk_thp_choice *c)
{
	return c->words[c->selected];
}

unsigned hk_thp_choice_n_offered(const hk_thp_choice *c)
{
	return c->n;
}

const char *hk_thp_choice_offered(const hk_thp_choice *c, unsigned i)
{
	return i < c->n ? c->words[i] : NULL;
}

const char *hk_thp_value_name(hk_thp_value v)
{
	return (unsigned)v < _HK_THP_VALUE_MAX ? thp_value_file[v] : NULL;
}

int64_t hk_thp_get_value(const hk_thp *t, hk_thp_value v)
{
	return (unsigned)v < _HK_THP_VALUE_MAX ? t->value[v] : -ENODATA;
}

unsigned hk_thp_n_sizes(const hk_thp *t)
{
	return t->n_sizes;
}

uint64_t hk_thp_size_kib(const hk_thp *t, unsigned i)
{
	return i < t->n_sizes ? t->sizes[i].size_kib : 0;
}

const hk_thp_choice *hk_thp_size_knob(const hk_thp *t, unsigned i, hk_thp_knob knob)
{
	if (i >= t->n_sizes || (unsigned)knob >= _HK_THP_KNOB_MAX)
		return NULL;
	return t->sizes[i].knob[knob];
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
