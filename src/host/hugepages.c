/* SPDX-License-Identifier: MIT */
/*
 * The huge page part of the memory model: hugetlb pools of every size
 * (globally and per node) and the default size, hugetlbfs mounts, and
 * transparent huge pages with khugepaged. hk_memory_load() calls the
 * loaders here in its order; the text helpers come from memory.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <hostkit/memory.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/hugepages.h"
#include "host/memory.h"

#define HUGEPAGES_DIR "sys/kernel/mm/hugepages"
#define THP_DIR	      "sys/kernel/mm/transparent_hugepage"
#define THP_DIR_RHEL6 "sys/kernel/mm/redhat_transparent_hugepage"

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

/* ---- Memory management ---- */

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

static void mounts_free_all(hk_hugetlbfs *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(m[i].path);
		free(m[i].options);
	}
	free(m);
}

void hk_memory_free_hugepages(hk_memory *m)
{
	for (unsigned i = 0; i < m->n_hugepages; i++)
		free(m->hugepages[i].nodes);
	free(m->hugepages);
	mounts_free_all(m->mounts, m->n_mounts);
	thp_free(m->thp);
}

/* ---- Parsers ---- */

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
	hk_mem_line_iter it = {buf, buf + len, 0};
	hk_hugetlbfs *mounts = NULL;
	unsigned n = 0, cap = 0;
	const char *line;
	size_t llen;
	int r = hk_mem_check_nul(buf, len, path, diag);

	if (r < 0)
		return r;
	while (hk_mem_next_line(&it, &line, &llen)) {
		const char *p = line, *end = line + llen, *f[4], *v;
		size_t flen[4], vlen;
		unsigned nf = 0;

		while (nf < 4 && hk_mem_next_word(&p, end, &f[nf], &flen[nf]))
			nf++;
		/* Only hugetlbfs lines are ours to judge. */
		if (nf < 3 || !hk_mem_word_is(f[2], flen[2], "hugetlbfs"))
			continue;
		if (nf < 4) {
			r = hk_mem_bad_line(diag, path, it.no, line, llen,
					    "a mount without options");
			goto fail;
		}
		if ((r = hk_mem_grow(&mounts, n, &cap, sizeof(*mounts))) < 0)
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
				r = hk_mem_bad_line(diag, path, it.no, line, llen,
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
		while (p < end && (hk_mem_is_blank(*p) || *p == '\n'))
			p++;
		if (p == end)
			break;
		char *w = p;
		while (p < end && !hk_mem_is_blank(*p) && *p != '\n')
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
		return hk_mem_read_failed(diag, dir, r);
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
			if ((r = hk_mem_read_value(root, path, false, diag, &v[c])) < 0)
				return r;
		}
	}
	return 0;
}

int hk_memory_load_hugepages(hk_memory *m, hk_root *root, hk_diag *diag)
{
	uint64_t v;

	if (hk_memfields_get(m->meminfo, "Hugepagesize", &v) >= 0 && v > 0 && v <= INT64_MAX)
		m->default_hugepage_kib = (int64_t)v;
	return load_hugepages_dir(m, root, HUGEPAGES_DIR, -1, diag);
}

int hk_memory_load_node_hugepages(hk_memory *m, hk_root *root, const char *dir, unsigned node,
				  hk_diag *diag)
{
	return load_hugepages_dir(m, root, dir, (int)node, diag);
}

/*
 * meminfo's HugePages_* describe the default size's pool. They stand in for
 * sys/kernel/mm/hugepages when it is absent (kernels before 2.6.27, captures
 * without it): the default size gets an entry if no node listed it, and its
 * global counters from meminfo.
 */
int hk_memory_load_meminfo_hugepages(hk_memory *m, hk_root *root, hk_diag *diag)
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
	return hk_mem_read_value(root, "proc/sys/vm/nr_overcommit_hugepages", false, diag,
				 &h->v[HK_HUGEPAGES_OVERCOMMIT]);
}

int hk_memory_load_hugetlbfs(hk_memory *m, hk_root *root, hk_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	const char *path = "proc/self/mounts";
	size_t len;

	int r = hk_mem_read_opt(root, path, &buf, &len);
	if (r == -ENOENT) {
		path = "proc/mounts";
		r = hk_mem_read_opt(root, path, &buf, &len);
	}
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return hk_mem_read_failed(diag, path, r);
	return hk_parse_hugetlbfs_mounts(buf, len, m->default_hugepage_kib, path, diag, m);
}

/* Reads a THP choice file into *@ret; NULL when absent. */
static int read_choice(hk_root *root, const char *path, hk_diag *diag, hk_thp_choice **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_mem_read_opt(root, path, &buf, &len);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return hk_mem_read_failed(diag, path, r);
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
		return hk_mem_read_failed(diag, dir, r);
	while ((de = readdir(d))) {
		uint64_t kib;
		if (hk_parse_hugepages_dirname(de->d_name, strlen(de->d_name), &kib) < 0)
			continue;
		if ((r = hk_mem_grow(&t->sizes, t->n_sizes, &cap, sizeof(*t->sizes))) < 0)
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

int hk_memory_load_thp(hk_memory *m, hk_root *root, hk_diag *diag)
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
		r = hk_mem_read_value(root, path, v == HK_THP_KHUGEPAGED_DEFRAG, diag,
				      &t->value[v]);
		if (r < 0)
			return r;
	}
	if ((r = load_thp_sizes(t, root, dir, diag)) < 0)
		return r;
	m->thp = TAKE_PTR(t);
	return 0;
}

/* ---- Accessors ---- */

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
