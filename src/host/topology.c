/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hostkit/topology.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/topology.h"

#define CPU_DIR  "sys/devices/system/cpu"
#define NODE_DIR "sys/devices/system/node"

struct hk_cache {
	unsigned level;
	hk_cache_type type;
	uint64_t size;
	unsigned line_size;
	unsigned ways;
	unsigned index; /* the cacheN/indexK it was first read from */
	hk_cpuset *cpus;
};

struct hk_node {
	unsigned id;
	hk_cpuset *cpus;
	int64_t total_kib;
	int64_t free_kib;
	int *distances; /* n_nodes entries, or NULL */
};

struct cpu_info {
	int attr[_HK_CPU_ATTR_MAX];
	hk_cpuset *siblings;
	hk_cpuset *package_cpus;
};

struct hk_topology {
	hk_cpuset *sets[_HK_CPUS_MAX];
	unsigned cpu_limit;
	struct cpu_info *cpus;
	hk_cache *caches;
	unsigned n_caches;
	hk_node *nodes;
	unsigned n_nodes;
	bool numa_synthetic;
	hk_cpuset *allowed_mems; /* node ids; NULL when unrestricted */
	unsigned n_packages;
	unsigned n_cores;
	unsigned threads_per_core;
};

void hk_topology_free(hk_topology *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < _HK_CPUS_MAX; i++)
		hk_cpuset_free(t->sets[i]);
	if (t->cpus)
		for (unsigned i = 0; i < t->cpu_limit; i++) {
			hk_cpuset_free(t->cpus[i].siblings);
			hk_cpuset_free(t->cpus[i].package_cpus);
		}
	free(t->cpus);
	for (unsigned i = 0; i < t->n_caches; i++)
		hk_cpuset_free(t->caches[i].cpus);
	free(t->caches);
	for (unsigned i = 0; i < t->n_nodes; i++) {
		hk_cpuset_free(t->nodes[i].cpus);
		free(t->nodes[i].distances);
	}
	free(t->nodes);
	hk_cpuset_free(t->allowed_mems);
	free(t);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_topology *, hk_topology_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

/* Reads an optional CPU list: an absent file leaves @set empty and returns 0. */
static int read_cpulist_opt(hk_root *root, const char *path, hk_diag *diag, hk_cpuset *set,
			    bool *ret_found)
{
	int r = hk_root_read_cpulist(root, path, diag, set);
	if (r == -ENOENT) {
		hk_cpuset_clear(set);
		if (ret_found)
			*ret_found = false;
		return 0;
	}
	if (r < 0)
		return r;
	if (ret_found)
		*ret_found = true;
	return 0;
}

/* A list file, else the mask file beside it; -ENOENT when neither exists. */
static int read_list_or_mask(hk_root *root, const char *list, const char *mask, hk_diag *diag,
			     hk_cpuset *set)
{
	int r = hk_root_read_cpulist(root, list, diag, set);
	if (r != -ENOENT)
		return r;
	return hk_root_read_cpumask(root, mask, diag, set);
}

/* The cpuN numbers of the cpu directory, for trees without possible/present. */
static int scan_cpu_dirs(hk_root *root, hk_cpuset *set)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	int r = hk_root_opendir(root, CPU_DIR, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		unsigned cpu;
		if (strncmp(de->d_name, "cpu", 3) != 0)
			continue;
		if (hk_parse_unsigned_range(de->d_name + 3, strlen(de->d_name + 3), 0,
					    HK_CPU_MAX - 1, &cpu) < 0)
			continue;
		r = hk_cpuset_add(set, cpu);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_cpu_sets(hk_topology *t, hk_root *root, hk_diag *diag)
{
	hk_cpuset *possible = t->sets[HK_CPUS_POSSIBLE], *present = t->sets[HK_CPUS_PRESENT],
		  *online = t->sets[HK_CPUS_ONLINE];
	bool found;
	int r;

	if (!hk_root_exists(root, CPU_DIR))
		return hk_diag_set(diag, -ENOENT, CPU_DIR, "%s/%s does not exist",
				   hk_root_path(root), CPU_DIR);

	r = read_cpulist_opt(root, CPU_DIR "/possible", diag, possible, &found);
	if (r < 0)
		return r;
	bool have_possible = found;
	r = read_cpulist_opt(root, CPU_DIR "/present", diag, present, &found);
	if (r < 0)
		return r;
	bool have_present = found;

	if (!have_possible && !have_present) {
		r = scan_cpu_dirs(root, possible);
		if (r < 0)
			return r;
		r = hk_cpuset_copy(present, possible);
	} else if (!have_possible) {
		r = hk_cpuset_copy(possible, present);
	} else if (!have_present) {
		r = hk_cpuset_copy(present, possible);
	}
	if (r < 0)
		return r;
	if (hk_cpuset_is_empty(possible))
		return hk_diag_set(diag, -EINVAL, CPU_DIR, "%s lists no CPU", CPU_DIR);

	r = read_cpulist_opt(root, CPU_DIR "/online", diag, online, &found);
	if (r < 0)
		return r;
	if (!found) {
		/*
		 * No global list (very old kernels): a CPU's own online file
		 * decides; a CPU without one (often cpu0, which cannot be
		 * unplugged) is online when present.
		 */
		HK_CPUSET_FOREACH(cpu, present)
		{
			char path[96];
			bool on;

			snprintf(path, sizeof(path), CPU_DIR "/cpu%d/online", cpu);
			r = hk_root_read_bool(root, path, diag, &on);
			if (r == -ENOENT)
				on = true;
			else if (r < 0)
				return r;
			if (on && (r = hk_cpuset_add(online, (unsigned)cpu)) < 0)
				return r;
		}
	}
	/* A CPU may be listed online but not possible only in a broken tree. */
	r = hk_cpuset_or(possible, online);
	if (r < 0)
		return r;

	r = hk_cpuset_copy(t->sets[HK_CPUS_OFFLINE], possible);
	if (r < 0)
		return r;
	hk_cpuset_andnot(t->sets[HK_CPUS_OFFLINE], online);

	r = read_cpulist_opt(root, CPU_DIR "/isolated", diag, t->sets[HK_CPUS_ISOLATED], NULL);
	if (r < 0)
		return r;
	r = read_cpulist_opt(root, CPU_DIR "/nohz_full", diag, t->sets[HK_CPUS_NOHZ_FULL], NULL);
	if (r < 0)
		return r;

	t->cpu_limit = (unsigned)hk_cpuset_last(possible) + 1;
	return 0;
}

static const char *const attr_file[_HK_CPU_ATTR_MAX] = {
	[HK_CPU_PACKAGE] = "physical_package_id",
	[HK_CPU_DIE] = "die_id",
	[HK_CPU_CLUSTER] = "cluster_id",
	[HK_CPU_CORE] = "core_id",
	[HK_CPU_BOOK] = "book_id",
	[HK_CPU_DRAWER] = "drawer_id",
};

static int load_cpu(hk_topology *t, hk_root *root, unsigned cpu, hk_diag *diag)
{
	struct cpu_info *ci = &t->cpus[cpu];
	char path[128];
	int r;

	for (unsigned a = 0; a < _HK_CPU_ATTR_MAX; a++)
		ci->attr[a] = -ENODATA;

	int n = snprintf(path, sizeof(path), CPU_DIR "/cpu%u/topology/", cpu);
	char *leaf = path + n;
	size_t leafsize = sizeof(path) - (size_t)n;

	for (unsigned a = 0; a < _HK_CPU_ATTR_MAX; a++) {
		int64_t v;

		if (!attr_file[a])
			continue;
		snprintf(leaf, leafsize, "%s", attr_file[a]);
		r = hk_root_read_s64(root, path, diag, &v);
		if (r == -ENOENT) {
			if (a == HK_CPU_PACKAGE) {
				/*
				 * No topology directory at all (an offline CPU on
				 * older kernels): nothing more to learn.
				 */
				*leaf = 0;
				if (!hk_root_exists(root, path))
					return 0;
			}
			continue;
		}
		if (r < 0)
			return r;
		/* The kernel writes -1 where an architecture has no such level. */
		if (v >= 0 && v <= INT32_MAX)
			ci->attr[a] = (int)v;
	}

	_cleanup_(hk_cpuset_freep) hk_cpuset *sib = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *pkg = hk_cpuset_new();
	if (!sib || !pkg)
		return -ENOMEM;

	char mask[128];
	snprintf(leaf, leafsize, "thread_siblings_list");
	snprintf(mask, sizeof(mask), CPU_DIR "/cpu%u/topology/thread_siblings", cpu);
	r = read_list_or_mask(root, path, mask, diag, sib);
	if (r >= 0)
		ci->siblings = TAKE_PTR(sib);
	else if (r != -ENOENT)
		return r;

	/* package_cpus is the newer name of core_siblings. */
	snprintf(leaf, leafsize, "package_cpus_list");
	snprintf(mask, sizeof(mask), CPU_DIR "/cpu%u/topology/package_cpus", cpu);
	r = read_list_or_mask(root, path, mask, diag, pkg);
	if (r == -ENOENT) {
		snprintf(leaf, leafsize, "core_siblings_list");
		snprintf(mask, sizeof(mask), CPU_DIR "/cpu%u/topology/core_siblings", cpu);
		r = read_list_or_mask(root, path, mask, diag, pkg);
	}
	if (r >= 0)
		ci->package_cpus = TAKE_PTR(pkg);
	else if (r != -ENOENT)
		return r;
	return 0;
}

/* Parses a cache size such as "32K", "8192K", "30M" or "1G" into bytes. */
int hk_parse_cache_size(const char *buf, size_t len, uint64_t *ret)
{
	uint64_t v, mult = 1;

	hk_trim(&buf, &len);
	int n = hk_parse_u64_prefix(buf, len, &v);
	if (n < 0)
		return n;
	const char *p = buf + n;
	size_t rest = len - (size_t)n;
	if (rest == 1) {
		switch (*p) {
		case 'K':
			mult = 1ull << 10;
			break;
		case 'M':
			mult = 1ull << 20;
			break;
		case 'G':
			mult = 1ull << 30;
			break;
		default:
			return -EINVAL;
		}
	} else if (rest != 0) {
		return -EINVAL;
	}
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*ret = v * mult;
	return 0;
}

static int cache_type_from(const char *s, size_t len, hk_cache_type *ret)
{
	if (len == 4 && memcmp(s, "Data", 4) == 0)
		*ret = HK_CACHE_DATA;
	else if (len == 11 && memcmp(s, "Instruction", 11) == 0)
		*ret = HK_CACHE_INSTRUCTION;
	else if (len == 7 && memcmp(s, "Unified", 7) == 0)
		*ret = HK_CACHE_UNIFIED;
	else
		return -EINVAL;
	return 0;
}

static int add_cache(hk_topology *t, const hk_cache *c)
{
	if ((t->n_caches & (t->n_caches - 1)) == 0) {
		unsigned cap = t->n_caches ? t->n_caches * 2 : 8;
		hk_cache *n = reallocarray(t->caches, cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->caches = n;
	}
	t->caches[t->n_caches++] = *c;
	return 0;
}

static int load_caches_of(hk_topology *t, hk_root *root, unsigned cpu, hk_diag *diag)
{
	char path[160];
	int r;

	for (unsigned index = 0;; index++) {
		_cleanup_(hk_cpuset_freep) hk_cpuset *cpus = hk_cpuset_new();
		if (!cpus)
			return -ENOMEM;

		int n = snprintf(path, sizeof(path), CPU_DIR "/cpu%u/cache/index%u/", cpu, index);
		char *leaf = path + n;
		size_t leafsize = sizeof(path) - (size_t)n;

		snprintf(leaf, leafsize, "shared_cpu_list");
		char mask[160];
		snprintf(mask, sizeof(mask), CPU_DIR "/cpu%u/cache/index%u/shared_cpu_map", cpu,
			 index);
		r = read_list_or_mask(root, path, mask, diag, cpus);
		if (r == -ENOENT) {
			*leaf = 0;
			if (hk_root_exists(root, path))
				continue; /* an index without sharing info: skip it */
			return 0;
		}
		if (r < 0)
			return r;
		if (!hk_cpuset_test(cpus, cpu) && (r = hk_cpuset_add(cpus, cpu)) < 0)
			return r;

		/* The same instance seen from a lower CPU that shares it. */
		bool seen = false;
		for (unsigned i = 0; i < t->n_caches && !seen; i++)
			seen = t->caches[i].index == index &&
			       hk_cpuset_equal(t->caches[i].cpus, cpus);
		if (seen)
			continue;

		hk_cache c = {.index = index};
		uint64_t v;
		char buf[64];
		const char *p;
		size_t len;

		snprintf(leaf, leafsize, "level");
		r = hk_root_read_u64(root, path, diag, &v);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		c.level = (unsigned)MIN(v, 16u);

		snprintf(leaf, leafsize, "type");
		r = hk_root_read_buf(root, path, buf, sizeof(buf));
		if (r >= 0) {
			p = buf;
			len = (size_t)r;
			hk_trim(&p, &len);
			if (cache_type_from(p, len, &c.type) < 0)
				return hk_diag_set(diag, -EINVAL, path, "unknown cache type '%.*s' in %s",
						   (int)len, p, path);
		} else if (r != -ENOENT) {
			return r;
		}

		snprintf(leaf, leafsize, "size");
		r = hk_root_read_buf(root, path, buf, sizeof(buf));
		if (r >= 0) {
			p = buf;
			len = (size_t)r;
			int k = hk_parse_cache_size(p, len, &c.size);
			if (k < 0) {
				hk_trim(&p, &len);
				return hk_diag_set(diag, -EINVAL, path,
						   "cannot parse cache size '%.*s' in %s", (int)len, p,
						   path);
			}
		} else if (r != -ENOENT) {
			return r;
		}

		snprintf(leaf, leafsize, "coherency_line_size");
		if (hk_root_read_u64(root, path, NULL, &v) >= 0)
			c.line_size = (unsigned)MIN(v, UINT32_MAX);
		snprintf(leaf, leafsize, "ways_of_associativity");
		if (hk_root_read_u64(root, path, NULL, &v) >= 0)
			c.ways = (unsigned)MIN(v, UINT32_MAX);

		c.cpus = cpus;
		r = add_cache(t, &c);
		if (r < 0)
			return r;
		cpus = NULL;
	}
}

static int cache_cmp(const void *a, const void *b)
{
	const hk_cache *x = a, *y = b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	/* Data, then Instruction, then Unified, as lscpu and hwloc list them. */
	static const int rank[] = {[HK_CACHE_DATA] = 0, [HK_CACHE_INSTRUCTION] = 1,
				   [HK_CACHE_UNIFIED] = 2};
	if (x->type != y->type)
		return rank[x->type] < rank[y->type] ? -1 : 1;
	int fx = hk_cpuset_first(x->cpus), fy = hk_cpuset_first(y->cpus);
	return (fx > fy) - (fx < fy);
}

/* Parses one "Node N MemTotal:   123 kB" line set; fills what it finds. */
int hk_parse_node_meminfo(const char *buf, size_t len, int64_t *ret_total, int64_t *ret_free)
{
	const char *p = buf, *end = buf + len;
	int64_t total = -ENODATA, mfree = -ENODATA;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));

		if (colon) {
			/* The key is the last word before the colon. */
			const char *k = colon;
			while (k > p && k[-1] != ' ')
				k--;
			size_t klen = (size_t)(colon - k);
			int64_t *dst = NULL;
			if (klen == 8 && memcmp(k, "MemTotal", 8) == 0)
				dst = &total;
			else if (klen == 7 && memcmp(k, "MemFree", 7) == 0)
				dst = &mfree;
			if (dst) {
				const char *v = colon + 1;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				uint64_t n;
				int c = hk_parse_u64_prefix(v, (size_t)(eol - v), &n);
				if (c < 0 || n > INT64_MAX)
					return -EINVAL;
				const char *unit = v + c;
				while (unit < eol && *unit == ' ')
					unit++;
				if (!(eol - unit == 2 && memcmp(unit, "kB", 2) == 0) && unit != eol)
					return -EINVAL;
				*dst = (int64_t)n;
			}
		}
		p = nl ? nl + 1 : end;
	}
	*ret_total = total;
	*ret_free = mfree;
	return 0;
}

/* Parses a node distance row ("10 21 21"); returns the count, at most @max. */
int hk_parse_distances(const char *buf, size_t len, int *out, unsigned max)
{
	const char *p = buf, *end = buf + len;
	unsigned n = 0;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
			p++;
		if (p == end)
			return (int)n;
		uint64_t v;
		int c = hk_parse_u64_prefix(p, (size_t)(end - p), &v);
		if (c < 0 || v > 255)
			return -EINVAL;
		p += c;
		if (p < end && *p != ' ' && *p != '\t' && *p != '\n')
			return -EINVAL;
		if (n == max)
			return -E2BIG;
		out[n++] = (int)v;
	}
}

static int node_cmp(const void *a, const void *b)
{
	const hk_node *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static int read_meminfo_total(hk_root *root, int64_t *ret_total, int64_t *ret_free)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_root_read(root, "proc/meminfo", &buf, &len);
	if (r < 0)
		return r;
	return hk_parse_node_meminfo(buf, len, ret_total, ret_free);
}

/* A kernel built without NUMA: one node holding every present CPU. */
static int load_nodes_synthetic(hk_topology *t, hk_root *root)
{
	t->nodes = calloc(1, sizeof(hk_node));
	if (!t->nodes)
		return -ENOMEM;
	t->n_nodes = 1;
	t->numa_synthetic = true;
	t->nodes[0].total_kib = t->nodes[0].free_kib = -ENODATA;
	t->nodes[0].cpus = hk_cpuset_dup(t->sets[HK_CPUS_PRESENT]);
	if (!t->nodes[0].cpus)
		return -ENOMEM;
	/* Memory is then the machine's; a tree without meminfo leaves it unknown. */
	(void)read_meminfo_total(root, &t->nodes[0].total_kib, &t->nodes[0].free_kib);
	return 0;
}

static int load_nodes(hk_topology *t, hk_root *root, hk_diag *diag)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char path[128];
	int r;

	r = hk_root_opendir(root, NODE_DIR, &d);
	if (r == -ENOENT)
		return load_nodes_synthetic(t, root);
	if (r < 0)
		return r;

	unsigned cap = 0;
	while ((de = readdir(d))) {
		unsigned id;
		if (strncmp(de->d_name, "node", 4) != 0 ||
		    hk_parse_unsigned_range(de->d_name + 4, strlen(de->d_name + 4), 0, 65535, &id) <
			    0)
			continue;
		if (t->n_nodes == cap) {
			cap = cap ? cap * 2 : 8;
			hk_node *n = reallocarray(t->nodes, cap, sizeof(*n));
			if (!n)
				return -ENOMEM;
			t->nodes = n;
		}
		hk_node *node = &t->nodes[t->n_nodes];
		*node = (hk_node){.id = id, .total_kib = -ENODATA, .free_kib = -ENODATA};
		node->cpus = hk_cpuset_new();
		if (!node->cpus)
			return -ENOMEM;
		t->n_nodes++;
	}
	if (t->n_nodes == 0) {
		/* An empty node directory says no more than a missing one. */
		free(t->nodes);
		t->nodes = NULL;
		return load_nodes_synthetic(t, root);
	}
	qsort(t->nodes, t->n_nodes, sizeof(*t->nodes), node_cmp);

	for (unsigned i = 0; i < t->n_nodes; i++) {
		hk_node *node = &t->nodes[i];
		char mask[128];

		snprintf(path, sizeof(path), NODE_DIR "/node%u/cpulist", node->id);
		snprintf(mask, sizeof(mask), NODE_DIR "/node%u/cpumap", node->id);
		r = read_list_or_mask(root, path, mask, diag, node->cpus);
		if (r < 0 && r != -ENOENT)
			return r;

		_cleanup_free_ char *buf = NULL;
		size_t len;
		snprintf(path, sizeof(path), NODE_DIR "/node%u/meminfo", node->id);
		r = hk_root_read(root, path, &buf, &len);
		if (r >= 0) {
			r = hk_parse_node_meminfo(buf, len, &node->total_kib, &node->free_kib);
			if (r < 0)
				return hk_diag_set(diag, r, path, "cannot parse %s", path);
		} else if (r != -ENOENT) {
			return r;
		}

		free(buf);
		buf = NULL;
		snprintf(path, sizeof(path), NODE_DIR "/node%u/distance", node->id);
		r = hk_root_read(root, path, &buf, &len);
		if (r >= 0) {
			_cleanup_free_ int *row = calloc(t->n_nodes, sizeof(int));
			if (!row)
				return -ENOMEM;
			int n = hk_parse_distances(buf, len, row, t->n_nodes);
			if (n == -EINVAL)
				return hk_diag_set(diag, -EINVAL, path, "cannot parse %s", path);
			/*
			 * A row whose length is not the node count cannot be
			 * matched to nodes (a bogus firmware table): no distances.
			 */
			if (n == (int)t->n_nodes)
				node->distances = TAKE_PTR(row);
		} else if (r != -ENOENT) {
			return r;
		}
	}

	/* Distances are all or nothing, so the matrix stays square. */
	for (unsigned i = 0; i < t->n_nodes; i++)
		if (!t->nodes[i].distances) {
			for (unsigned j = 0; j < t->n_nodes; j++) {
				free(t->nodes[j].distances);
				t->nodes[j].distances = NULL;
			}
			break;
		}
	return 0;
}

static int map_cpus_to_nodes(hk_topology *t)
{
	hk_cpuset *none = t->sets[HK_CPUS_NO_NODE], *multi = t->sets[HK_CPUS_MULTI_NODE];
	int r;

	for (unsigned i = 0; i < t->n_nodes; i++)
		HK_CPUSET_FOREACH(cpu, t->nodes[i].cpus)
		{
			if ((unsigned)cpu >= t->cpu_limit)
				continue;
			int *node = &t->cpus[cpu].attr[HK_CPU_NODE];
			if (*node >= 0) {
				r = hk_cpuset_add(multi, (unsigned)cpu);
				if (r < 0)
					return r;
			} else {
				*node = (int)t->nodes[i].id;
			}
		}

	r = hk_cpuset_copy(none, t->sets[HK_CPUS_ONLINE]);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < t->n_nodes; i++)
		hk_cpuset_andnot(none, t->nodes[i].cpus);
	return 0;
}

/* Finds "Key:\tvalue" in a /proc/PID/status text; the value is trimmed. */
int hk_status_field(const char *buf, size_t len, const char *key, const char **ret,
		    size_t *ret_len)
{
	size_t klen = strlen(key);
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == ':') {
			const char *v = p + klen + 1;
			size_t vlen = (size_t)(eol - v);
			hk_trim(&v, &vlen);
			*ret = v;
			*ret_len = vlen;
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -ENOENT;
}

/* Decodes the octal escapes (\040) the kernel puts in mount points. */
static char *mount_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && len - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
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

/* True when the comma-separated @opts holds @word. */
static bool has_option(const char *opts, size_t len, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = opts, *end = opts + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		if ((size_t)(e - p) == wlen && memcmp(p, word, wlen) == 0)
			return true;
		p = comma ? comma + 1 : end;
	}
	return false;
}

int hk_parse_mounts_cgroup(const char *buf, size_t len, hk_cgroup_mounts *ret)
{
	hk_cgroup_mounts m = {0};
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *f[4];
		size_t flen[4];
		unsigned nf = 0;
		const char *q = p;

		while (nf < 4 && q < eol) {
			while (q < eol && *q == ' ')
				q++;
			const char *s = q;
			while (q < eol && *q != ' ')
				q++;
			if (q > s) {
				f[nf] = s;
				flen[nf++] = (size_t)(q - s);
			}
		}
		if (nf == 4) {
			char **dst = NULL;
			bool legacy = false;
			if (flen[2] == 7 && memcmp(f[2], "cgroup2", 7) == 0)
				dst = &m.v2;
			else if (flen[2] == 6 && memcmp(f[2], "cgroup", 6) == 0 &&
				 has_option(f[3], flen[3], "cpuset"))
				dst = &m.v1_cpuset;
			else if (flen[2] == 6 && memcmp(f[2], "cpuset", 6) == 0) {
				dst = &m.v1_cpuset;
				legacy = true;
			}
			if (dst && !*dst) {
				*dst = mount_unescape(f[1], flen[1]);
				if (!*dst) {
					hk_cgroup_mounts_done(&m);
					return -ENOMEM;
				}
				if (dst == &m.v1_cpuset)
					m.v1_legacy = legacy;
			}
		}
		p = nl ? nl + 1 : end;
	}
	*ret = m;
	return 0;
}

void hk_cgroup_mounts_done(hk_cgroup_mounts *m)
{
	free(m->v1_cpuset);
	free(m->v2);
	free(m->v1_path);
	free(m->v2_path);
	*m = (hk_cgroup_mounts){0};
}

int hk_parse_proc_cgroup(const char *buf, size_t len, hk_cgroup_mounts *m)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *c1 = memchr(p, ':', (size_t)(eol - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;

		if (c2) {
			const char *ctrl = c1 + 1, *path = c2 + 1;
			size_t clen = (size_t)(c2 - ctrl), plen = (size_t)(eol - path);
			char **dst = NULL;
			if (c1 - p == 1 && p[0] == '0' && clen == 0)
				dst = &m->v2_path;
			else if (has_option(ctrl, clen, "cpuset"))
				dst = &m->v1_path;
			if (dst && !*dst) {
				*dst = strndup(path, plen);
				if (!*dst)
					return -ENOMEM;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* Reads "<mnt>/<cg>/<file>" for the first file name in @files that exists. */
static int read_cg_set(hk_root *root, const char *mnt, const char *cg, const char *const *files,
		       hk_diag *diag, hk_cpuset *set)
{
	char path[PATH_MAX];

	for (; *files; files++) {
		snprintf(path, sizeof(path), "%s/%s/%s", mnt, cg, *files);
		int r = hk_root_read_cpulist(root, path, diag, set);
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

static int load_cgroup_cpuset(hk_root *root, hk_diag *diag, hk_cpuset *cpus, hk_cpuset *mems)
{
	_cleanup_(hk_cgroup_mounts_done) hk_cgroup_mounts m = {0};
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = hk_root_read(root, "proc/self/mounts", &buf, &len);
	if (r == -ENOENT)
		r = hk_root_read(root, "proc/mounts", &buf, &len);
	if (r < 0)
		return r;
	r = hk_parse_mounts_cgroup(buf, len, &m);
	if (r < 0)
		return r;

	free(buf);
	buf = NULL;
	r = hk_root_read(root, "proc/self/cgroup", &buf, &len);
	if (r >= 0) {
		r = hk_parse_proc_cgroup(buf, len, &m);
		if (r < 0)
			return r;
	}
	if (!m.v1_path) {
		/* Before /proc/PID/cgroup, the cpuset path had a file of its own. */
		char *s;
		if (hk_root_read_string(root, "proc/self/cpuset", &s) >= 0)
			m.v1_path = s;
	}

	if (m.v1_cpuset && m.v1_path) {
		static const char *const cpu_files[] = {"cpuset.effective_cpus", "cpuset.cpus",
							"effective_cpus", "cpus", NULL};
		static const char *const mem_files[] = {"cpuset.effective_mems", "cpuset.mems",
							"effective_mems", "mems", NULL};
		r = read_cg_set(root, m.v1_cpuset, m.v1_path, cpu_files, diag, cpus);
		if (r >= 0)
			r = read_cg_set(root, m.v1_cpuset, m.v1_path, mem_files, diag, mems);
		return r;
	}
	if (m.v2 && m.v2_path) {
		static const char *const cpu_files[] = {"cpuset.cpus.effective", NULL};
		static const char *const mem_files[] = {"cpuset.mems.effective", NULL};
		/*
		 * A cgroup whose parent did not enable the cpuset controller has
		 * no cpuset files and is bound by its nearest ancestor's.
		 */
		char *cg = m.v2_path;
		for (;;) {
			r = read_cg_set(root, m.v2, cg, cpu_files, diag, cpus);
			if (r != -ENOENT)
				break;
			char *slash = strrchr(cg, '/');
			if (!slash || slash == cg) {
				if (strcmp(cg, "/") == 0 || !*cg)
					return -ENOENT;
				strcpy(cg, "/");
			} else {
				*slash = 0;
			}
		}
		if (r >= 0)
			r = read_cg_set(root, m.v2, cg, mem_files, diag, mems);
		return r;
	}
	return -ENOENT;
}

static int load_allowed(hk_topology *t, hk_root *root, hk_diag *diag)
{
	hk_cpuset *allowed = t->sets[HK_CPUS_ALLOWED];
	_cleanup_(hk_cpuset_freep) hk_cpuset *cg_cpus = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *cg_mems = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *tmp = hk_cpuset_new();
	_cleanup_free_ char *status = NULL;
	size_t len;
	int r;

	if (!cg_cpus || !cg_mems || !tmp)
		return -ENOMEM;
	r = hk_cpuset_copy(allowed, t->sets[HK_CPUS_ONLINE]);
	if (r < 0)
		return r;

	/* The root's own process: its affinity and memory policy. */
	r = hk_root_read(root, "proc/self/status", &status, &len);
	if (r >= 0) {
		const char *v;
		size_t vlen;
		if (hk_status_field(status, len, "Cpus_allowed_list", &v, &vlen) >= 0) {
			r = hk_cpuset_parse_list(tmp, v, vlen);
			if (r < 0)
				return hk_diag_set(diag, r, "proc/self/status",
						   "cannot parse Cpus_allowed_list '%.*s' in "
						   "proc/self/status",
						   (int)MIN(vlen, 64u), v);
			hk_cpuset_and(allowed, tmp);
		}
		if (hk_status_field(status, len, "Mems_allowed_list", &v, &vlen) >= 0 &&
		    hk_cpuset_parse_list(tmp, v, vlen) >= 0) {
			t->allowed_mems = hk_cpuset_dup(tmp);
			if (!t->allowed_mems)
				return -ENOMEM;
		}
	}

	r = load_cgroup_cpuset(root, diag, cg_cpus, cg_mems);
	if (r >= 0) {
		/* An empty effective set means "inherit everything" in cgroup v2. */
		if (!hk_cpuset_is_empty(cg_cpus))
			hk_cpuset_and(allowed, cg_cpus);
		if (!hk_cpuset_is_empty(cg_mems)) {
			if (t->allowed_mems)
				hk_cpuset_and(t->allowed_mems, cg_mems);
			else if (!(t->allowed_mems = hk_cpuset_dup(cg_mems)))
				return -ENOMEM;
		}
	} else if (r == -EINVAL) {
		return r;
	}
	return 0;
}

static void count_objects(hk_topology *t)
{
	const hk_cpuset *online = t->sets[HK_CPUS_ONLINE];
	unsigned packages = 0, cores = 0, tpc = 0;

	HK_CPUSET_FOREACH(cpu, online)
	{
		const struct cpu_info *ci = &t->cpus[cpu];

		/* Counted at the lowest online CPU of each package and core. */
		bool first_in_pkg = true;
		if (ci->attr[HK_CPU_PACKAGE] >= 0)
			HK_CPUSET_FOREACH(o, online)
			{
				if (o >= cpu)
					break;
				if (t->cpus[o].attr[HK_CPU_PACKAGE] == ci->attr[HK_CPU_PACKAGE] &&
				    t->cpus[o].attr[HK_CPU_DRAWER] == ci->attr[HK_CPU_DRAWER] &&
				    t->cpus[o].attr[HK_CPU_BOOK] == ci->attr[HK_CPU_BOOK]) {
					first_in_pkg = false;
					break;
				}
			}
		packages += first_in_pkg;

		unsigned threads = 1;
		bool first_in_core = true;
		if (ci->siblings) {
			int lowest = -1;
			threads = 0;
			HK_CPUSET_FOREACH(s, ci->siblings)
			{
				if (!hk_cpuset_test(online, (unsigned)s))
					continue;
				if (lowest < 0)
					lowest = s;
				threads++;
			}
			first_in_core = lowest < 0 || lowest == cpu;
			if (threads == 0)
				threads = 1;
		}
		cores += first_in_core;
		tpc = MAX(tpc, threads);
	}
	t->n_packages = packages;
	t->n_cores = cores;
	t->threads_per_core = tpc;
}

int hk_topology_load(hk_root *root, hk_diag *diag, hk_topology **ret)
{
	_cleanup_(hk_topology_freep) hk_topology *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < _HK_CPUS_MAX; i++)
		if (!(t->sets[i] = hk_cpuset_new()))
			return -ENOMEM;

	r = load_cpu_sets(t, root, diag);
	if (r < 0)
		return r;

	t->cpus = calloc(t->cpu_limit, sizeof(*t->cpus));
	if (!t->cpus)
		return -ENOMEM;
	for (unsigned cpu = 0; cpu < t->cpu_limit; cpu++)
		for (unsigned a = 0; a < _HK_CPU_ATTR_MAX; a++)
			t->cpus[cpu].attr[a] = -ENODATA;

	HK_CPUSET_FOREACH(cpu, t->sets[HK_CPUS_POSSIBLE])
	{
		r = load_cpu(t, root, (unsigned)cpu, diag);
		if (r < 0)
			return r;
	}
	HK_CPUSET_FOREACH(cpu, t->sets[HK_CPUS_ONLINE])
	{
		r = load_caches_of(t, root, (unsigned)cpu, diag);
		if (r < 0)
			return r;
	}
	if (t->n_caches)
		qsort(t->caches, t->n_caches, sizeof(*t->caches), cache_cmp);

	r = load_nodes(t, root, diag);
	if (r < 0)
		return r;
	r = map_cpus_to_nodes(t);
	if (r < 0)
		return r;
	r = load_allowed(t, root, diag);
	if (r < 0)
		return r;
	count_objects(t);

	*ret = TAKE_PTR(t);
	return 0;
}

const hk_cpuset *hk_topology_cpus(const hk_topology *t, hk_cpus which)
{
	if ((unsigned)which >= _HK_CPUS_MAX)
		return NULL;
	return t->sets[which];
}

unsigned hk_topology_cpu_limit(const hk_topology *t)
{
	return t->cpu_limit;
}

int hk_topology_cpu_get(const hk_topology *t, unsigned cpu, hk_cpu_attr attr)
{
	if (cpu >= t->cpu_limit || !hk_cpuset_test(t->sets[HK_CPUS_POSSIBLE], cpu))
		return -ERANGE;
	if ((unsigned)attr >= _HK_CPU_ATTR_MAX)
		return -EINVAL;
	return t->cpus[cpu].attr[attr];
}

const hk_cpuset *hk_topology_cpu_siblings(const hk_topology *t, unsigned cpu)
{
	return cpu < t->cpu_limit ? t->cpus[cpu].siblings : NULL;
}

const hk_cpuset *hk_topology_cpu_package_cpus(const hk_topology *t, unsigned cpu)
{
	return cpu < t->cpu_limit ? t->cpus[cpu].package_cpus : NULL;
}

unsigned hk_topology_n_packages(const hk_topology *t)
{
	return t->n_packages;
}

unsigned hk_topology_n_cores(const hk_topology *t)
{
	return t->n_cores;
}

unsigned hk_topology_threads_per_core(const hk_topology *t)
{
	return t->threads_per_core;
}

unsigned hk_topology_n_caches(const hk_topology *t)
{
	return t->n_caches;
}

const hk_cache *hk_topology_cache(const hk_topology *t, unsigned i)
{
	return i < t->n_caches ? &t->caches[i] : NULL;
}

unsigned hk_cache_level(const hk_cache *c)
{
	return c->level;
}

hk_cache_type hk_cache_get_type(const hk_cache *c)
{
	return c->type;
}

const char *hk_cache_type_name(hk_cache_type type)
{
	switch (type) {
	case HK_CACHE_DATA:
		return "Data";
	case HK_CACHE_INSTRUCTION:
		return "Instruction";
	case HK_CACHE_UNIFIED:
		return "Unified";
	}
	return "Unknown";
}

uint64_t hk_cache_size(const hk_cache *c)
{
	return c->size;
}

unsigned hk_cache_line_size(const hk_cache *c)
{
	return c->line_size;
}

unsigned hk_cache_ways(const hk_cache *c)
{
	return c->ways;
}

const hk_cpuset *hk_cache_cpus(const hk_cache *c)
{
	return c->cpus;
}

unsigned hk_topology_n_nodes(const hk_topology *t)
{
	return t->n_nodes;
}

const hk_node *hk_topology_node(const hk_topology *t, unsigned i)
{
	return i < t->n_nodes ? &t->nodes[i] : NULL;
}

const hk_node *hk_topology_node_by_id(const hk_topology *t, unsigned id)
{
	for (unsigned i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].id == id)
			return &t->nodes[i];
	return NULL;
}

bool hk_topology_numa_synthetic(const hk_topology *t)
{
	return t->numa_synthetic;
}

bool hk_topology_node_allowed(const hk_topology *t, unsigned id)
{
	return !t->allowed_mems || hk_cpuset_test(t->allowed_mems, id);
}

unsigned hk_node_id(const hk_node *n)
{
	return n->id;
}

const hk_cpuset *hk_node_cpus(const hk_node *n)
{
	return n->cpus;
}

bool hk_node_memory_only(const hk_node *n)
{
	return hk_cpuset_is_empty(n->cpus);
}

int64_t hk_node_memory_total_kib(const hk_node *n)
{
	return n->total_kib;
}

int64_t hk_node_memory_free_kib(const hk_node *n)
{
	return n->free_kib;
}

int hk_node_distance(const hk_node *n, unsigned j)
{
	return n->distances ? n->distances[j] : -ENODATA;
}

bool hk_topology_numa_valid(const hk_topology *t)
{
	return hk_cpuset_is_empty(t->sets[HK_CPUS_NO_NODE]) &&
	       hk_cpuset_is_empty(t->sets[HK_CPUS_MULTI_NODE]);
}
