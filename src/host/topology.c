/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <hostkit/topology.h>

#include "base/macro.h"
#include "base/parse.h"
#include "base/rootdir.h"
#include "host/cgroup.h"
#include "host/topology.h"

#define CPU_DIR	 "sys/devices/system/cpu"
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
	int *distances;	  /* n_peers entries, or NULL */
	unsigned n_peers; /* the node count, for bounds checks */
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
	/* Why no node has distances (several nodes), or NULL. */
	const char *distances_note;
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

/* Reads optional CPU list @name of @d: an absent file leaves @set empty and returns 0. */
static int read_cpulist_opt(const hk_rootdir *d, const char *name, hk_diag *diag, hk_cpuset *set,
			    bool *ret_found)
{
	int r = hk_rootdir_read_cpulist(d, name, diag, set);
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

/*
 * Reads cpuN/online into *ret_online (and sets *ret_exists when the file is
 * there), leaving *ret_online untouched when the file says nothing: absent (a CPU that cannot be
 * unplugged, often cpu0), unreadable, or empty. Captures hold empty files where the capturing user
 * could not read (hwloc's 128ia64-17n4s2c has every cpuN/online empty, next
 * to the root-only crash_notes and cpuinfo_cur_freq, empty too).
 */
static int read_cpu_online(hk_root *root, const char *path, hk_diag *diag, bool *ret_online,
			   bool *ret_exists)
{
	char buf[64];
	const char *p = buf;

	int r = hk_root_read_buf(root, path, buf, sizeof(buf));
	if (r != -ENOENT)
		*ret_exists = true;
	if (r == -ENOENT || r == -EACCES || r == -EPERM)
		return 0;
	if (r < 0)
		return r;
	size_t len = (size_t)r;
	hk_trim(&p, &len);
	if (len == 0)
		return 0;
	r = hk_parse_bool(p, len, ret_online);
	if (r < 0)
		return hk_diag_set(diag, r, path, "cannot parse boolean '%.*s' in %s: %s",
				   (int)MIN(len, 32u), p, path, strerror(-r));
	return 0;
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
	_cleanup_(hk_rootdir_close) hk_rootdir d = {.fd = -EBADF};
	bool found;
	int r;

	/* The cpu directory, opened once for its lists (and the tree's check). */
	r = hk_rootdir_open(root, CPU_DIR, &d);
	if (r == -ENOENT)
		return hk_diag_set(diag, -ENOENT, CPU_DIR, "%s/%s does not exist",
				   hk_root_path(root), CPU_DIR);
	if (r < 0)
		return hk_diag_set(diag, r, CPU_DIR, "cannot open %s/%s: %s", hk_root_path(root),
				   CPU_DIR, strerror(-r));

	r = read_cpulist_opt(&d, "possible", diag, possible, &found);
	if (r < 0)
		return r;
	bool have_possible = found;
	r = read_cpulist_opt(&d, "present", diag, present, &found);
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

	r = read_cpulist_opt(&d, "online", diag, online, &found);
	if (r < 0)
		return r;
	if (!found) {
		/*
		 * No global list (very old kernels): a CPU's own online file
		 * decides; a present CPU whose file says nothing is online.
		 */
		unsigned seen = 0;
		bool any_file = false;
		HK_CPUSET_FOREACH (cpu, present) {
			char path[96];
			bool on = true;

			/*
			 * A kernel with CPU hotplug gives every hotpluggable CPU
			 * the file (cpu0 is often not one); when the second CPU
			 * has none either, no CPU has, and the rest are online.
			 */
			if (seen++ < 2 || any_file) {
				snprintf(path, sizeof(path), CPU_DIR "/cpu%d/online", cpu);
				r = read_cpu_online(root, path, diag, &on, &any_file);
				if (r < 0)
					return r;
			}
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

	r = read_cpulist_opt(&d, "isolated", diag, t->sets[HK_CPUS_ISOLATED], NULL);
	if (r < 0)
		return r;
	r = read_cpulist_opt(&d, "nohz_full", diag, t->sets[HK_CPUS_NOHZ_FULL], NULL);
	if (r < 0)
		return r;

	t->cpu_limit = (unsigned)hk_cpuset_last(possible) + 1;
	return 0;
}

/*
 * Paths are built by hand: a big machine's load builds thousands of them,
 * and snprintf() was a third of the work that was not I/O.
 */
typedef struct pathbuf {
	char buf[192];
	size_t len;
} pathbuf;

static void path_put(pathbuf *p, const char *s)
{
	size_t n = strlen(s);
	if (p->len + n >= sizeof(p->buf))
		n = sizeof(p->buf) - 1 - p->len; /* cut, and then not found: never overflow */
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = 0;
}

static void path_put_uint(pathbuf *p, unsigned v)
{
	char digits[12], *d = digits + sizeof(digits);
	*--d = 0;
	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	path_put(p, d);
}

/* "<dir>/<name><n>/<sub>" */
static void path_init(pathbuf *p, const char *dir, const char *name, unsigned n, const char *sub)
{
	p->len = 0;
	path_put(p, dir);
	path_put(p, "/");
	path_put(p, name);
	path_put_uint(p, n);
	path_put(p, "/");
	path_put(p, sub);
}

/*
 * A level of the CPU hierarchy: the file holding a CPU's id at that level,
 * and the files (newest name first) listing the CPUs that share it.
 */
struct level {
	hk_cpu_attr attr;
	const char *id;
	const char *lists[3];
	const char *masks[3];
};

static const struct level levels[] = {
    {HK_CPU_CORE,
     "core_id",
     {"thread_siblings_list", "core_cpus_list"},
     {"thread_siblings", "core_cpus"}},
    /* package_cpus is the newer name of core_siblings. */
    {HK_CPU_PACKAGE,
     "physical_package_id",
     {"package_cpus_list", "core_siblings_list"},
     {"package_cpus", "core_siblings"}},
    {HK_CPU_DIE, "die_id", {"die_cpus_list"}, {"die_cpus"}},
    {HK_CPU_CLUSTER, "cluster_id", {"cluster_cpus_list"}, {"cluster_cpus"}},
    {HK_CPU_BOOK, "book_id", {"book_siblings_list"}, {"book_siblings"}},
    {HK_CPU_DRAWER, "drawer_id", {"drawer_siblings_list"}, {"drawer_siblings"}},
};
#define N_LEVELS ELEMENTSOF(levels)

/*
 * What one load learns once and uses for every CPU. The kernel gives every
 * CPU the same topology attributes, so the names found on the first CPU
 * with a topology directory are the names to read on all (probed by reading
 * them, not by a separate look-up); a later CPU that lacks one is unknown
 * there, not an error. And the CPUs that share a core, package, die or
 * cluster share its id: a CPU already listed by a lower one at some level
 * takes that CPU's id and set instead of reading its own.
 */
struct cpu_loader {
	bool probed;
	bool has_id[N_LEVELS];
	const char *set_file[N_LEVELS]; /* the name found, or NULL */
	bool set_is_list[N_LEVELS];
	int *rep[N_LEVELS]; /* per CPU: the lowest CPU whose set lists it, or -1 */
};

static void cpu_loader_done(struct cpu_loader *l)
{
	for (unsigned i = 0; i < N_LEVELS; i++)
		free(l->rep[i]);
}

static int cpu_loader_init(struct cpu_loader *l, unsigned cpu_limit)
{
	*l = (struct cpu_loader){0};
	for (unsigned i = 0; i < N_LEVELS; i++) {
		l->rep[i] = malloc(cpu_limit * sizeof(int));
		if (!l->rep[i])
			return -ENOMEM;
		for (unsigned c = 0; c < cpu_limit; c++)
			l->rep[i][c] = -1;
	}
	return 0;
}

static int read_set_file(const hk_rootdir *d, const char *name, bool is_list, hk_diag *diag,
			 hk_cpuset *set)
{
	return is_list ? hk_rootdir_read_cpulist(d, name, diag, set)
		       : hk_rootdir_read_cpumask(d, name, diag, set);
}

/*
 * Reads level @i's set into @set: the name probed before, or while probing
 * each candidate in turn, recording the first that exists.
 */
static int read_level_set(const hk_rootdir *d, struct cpu_loader *l, unsigned i, hk_diag *diag,
			  hk_cpuset *set)
{
	const struct level *lv = &levels[i];

	if (l->probed)
		return l->set_file[i]
			   ? read_set_file(d, l->set_file[i], l->set_is_list[i], diag, set)
			   : -ENOENT;
	for (unsigned k = 0; k < 6; k++) {
		bool is_list = k < 3;
		const char *name = is_list ? lv->lists[k] : lv->masks[k - 3];
		if (!name)
			continue;
		int r = read_set_file(d, name, is_list, diag, set);
		if (r != -ENOENT) {
			l->set_file[i] = name;
			l->set_is_list[i] = is_list;
			return r;
		}
	}
	return -ENOENT;
}

/* Opens @path into @d unless it is open already: directories are opened when first needed. */
static int rootdir_ensure(hk_root *root, const char *path, hk_rootdir *d)
{
	return d->fd >= 0 ? 0 : hk_rootdir_open(root, path, d);
}

static int load_cpu(hk_topology *t, hk_root *root, struct cpu_loader *l, unsigned cpu,
		    hk_diag *diag)
{
	struct cpu_info *ci = &t->cpus[cpu];
	bool probing = !l->probed, found_any = false;
	_cleanup_(hk_rootdir_close) hk_rootdir d = {.fd = -EBADF};
	pathbuf p;
	int r;

	path_init(&p, CPU_DIR, "cpu", cpu, "topology");

	for (unsigned i = 0; i < N_LEVELS; i++) {
		const struct level *lv = &levels[i];
		int rep = l->rep[i][cpu];

		if (rep >= 0 && (unsigned)rep != cpu) {
			const struct cpu_info *from = &t->cpus[rep];
			ci->attr[lv->attr] = from->attr[lv->attr];
			if (lv->attr == HK_CPU_CORE && from->siblings &&
			    !(ci->siblings = hk_cpuset_dup(from->siblings)))
				return -ENOMEM;
			if (lv->attr == HK_CPU_PACKAGE && from->package_cpus &&
			    !(ci->package_cpus = hk_cpuset_dup(from->package_cpus)))
				return -ENOMEM;
			continue;
		}

		/* Nothing of this level to read here: no directory to open. */
		if (!probing && !l->has_id[i] && !l->set_file[i])
			continue;
		r = rootdir_ensure(root, p.buf, &d);
		/* An offline CPU on older kernels has no topology directory. */
		if (r == -ENOENT || r == -ENOTDIR)
			return 0;
		if (r < 0)
			return r;

		if (probing || l->has_id[i]) {
			int64_t v;
			r = hk_rootdir_read_s64(&d, lv->id, diag, &v);
			if (r < 0 && r != -ENOENT)
				return r;
			if (probing)
				l->has_id[i] = r >= 0;
			found_any |= r >= 0;
			/* The kernel writes -1 where an architecture has no such level. */
			if (r >= 0 && v >= 0 && v <= INT32_MAX)
				ci->attr[lv->attr] = (int)v;
		}

		/*
		 * The kernel makes a die's, cluster's, book's or drawer's id and
		 * set files together: without the id on the probed CPU, its
		 * three set names are not tried (on x86, six failed opens less).
		 */
		if (probing && lv->attr != HK_CPU_CORE && lv->attr != HK_CPU_PACKAGE &&
		    !l->has_id[i])
			continue;

		_cleanup_(hk_cpuset_freep) hk_cpuset *set = hk_cpuset_new();
		if (!set)
			return -ENOMEM;
		r = read_level_set(&d, l, i, diag, set);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		found_any = true;
		HK_CPUSET_FOREACH (s, set) {
			if ((unsigned)s < t->cpu_limit && l->rep[i][s] < 0)
				l->rep[i][s] = (int)cpu;
		}
		if (lv->attr == HK_CPU_CORE)
			ci->siblings = TAKE_PTR(set);
		else if (lv->attr == HK_CPU_PACKAGE)
			ci->package_cpus = TAKE_PTR(set);
	}

	/*
	 * Nothing at all: an offline CPU without a topology directory (older
	 * kernels remove it). Probe again on the next CPU rather than conclude
	 * that no CPU has any of these files.
	 */
	if (probing && found_any)
		l->probed = true;
	else if (probing)
		for (unsigned i = 0; i < N_LEVELS; i++)
			l->set_file[i] = NULL;
	return 0;
}

static int load_cpus(hk_topology *t, hk_root *root, hk_diag *diag)
{
	_cleanup_(cpu_loader_done) struct cpu_loader l;
	int r = cpu_loader_init(&l, t->cpu_limit);
	if (r < 0)
		return r;

	HK_CPUSET_FOREACH (cpu, t->sets[HK_CPUS_POSSIBLE]) {
		r = load_cpu(t, root, &l, (unsigned)cpu, diag);
		if (r < 0)
			return r;
	}
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

/*
 * Caches are read like the CPU levels: each instance once, from the lowest
 * CPU that shares it. A CPU's cache/indexK already listed by a lower CPU's
 * indexK is skipped without I/O, and a hyper thread ends its scan where its
 * core's first thread did, since the threads of a core share its caches.
 */
struct cache_loader {
	bool list_probed;
	bool is_list;	      /* shared_cpu_list, else the shared_cpu_map mask */
	unsigned n_index;     /* the most indexes a CPU had so far */
	int **rep;	      /* per index, per CPU: the CPU that read the instance, or -1 */
	unsigned *n_index_of; /* per CPU: how many indexes it had */
	unsigned cpu_limit;
};

static void cache_loader_done(struct cache_loader *l)
{
	for (unsigned i = 0; i < l->n_index; i++)
		free(l->rep[i]);
	free(l->rep);
	free(l->n_index_of);
}

static int cache_loader_grow(struct cache_loader *l)
{
	int **n = reallocarray(l->rep, l->n_index + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->rep = n;
	l->rep[l->n_index] = malloc(l->cpu_limit * sizeof(int));
	if (!l->rep[l->n_index])
		return -ENOMEM;
	for (unsigned c = 0; c < l->cpu_limit; c++)
		l->rep[l->n_index][c] = -1;
	l->n_index++;
	return 0;
}

static int read_cache(hk_topology *t, const hk_rootdir *d, unsigned index, hk_cpuset *cpus,
		      hk_diag *diag)
{
	hk_cache c = {.index = index};
	uint64_t v;
	char buf[64];
	const char *txt;
	size_t len;
	int r;

	r = hk_rootdir_read_u64(d, "level", diag, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	c.level = (unsigned)MIN(v, 16u);

	r = hk_rootdir_read_buf(d, "type", buf, sizeof(buf));
	if (r >= 0) {
		txt = buf;
		len = (size_t)r;
		hk_trim(&txt, &len);
		if (cache_type_from(txt, len, &c.type) < 0)
			return hk_diag_set(diag, -EINVAL, d->path,
					   "unknown cache type '%.*s' in %s/type",
					   (int)MIN(len, 32u), txt, d->path);
	} else if (r != -ENOENT) {
		return r;
	}

	r = hk_rootdir_read_buf(d, "size", buf, sizeof(buf));
	if (r >= 0) {
		txt = buf;
		len = (size_t)r;
		if (hk_parse_cache_size(txt, len, &c.size) < 0) {
			hk_trim(&txt, &len);
			return hk_diag_set(diag, -EINVAL, d->path,
					   "cannot parse cache size '%.*s' in %s/size",
					   (int)MIN(len, 32u), txt, d->path);
		}
	} else if (r != -ENOENT) {
		return r;
	}

	if (hk_rootdir_read_u64(d, "coherency_line_size", NULL, &v) >= 0)
		c.line_size = (unsigned)MIN(v, UINT32_MAX);
	if (hk_rootdir_read_u64(d, "ways_of_associativity", NULL, &v) >= 0)
		c.ways = (unsigned)MIN(v, UINT32_MAX);

	c.cpus = hk_cpuset_dup(cpus);
	if (!c.cpus)
		return -ENOMEM;
	r = add_cache(t, &c);
	if (r < 0)
		hk_cpuset_free(c.cpus);
	return r;
}

static int load_caches_of(hk_topology *t, hk_root *root, struct cache_loader *l, unsigned cpu,
			  int core_rep, hk_diag *diag)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *cpus = hk_cpuset_new();
	pathbuf p;
	int r;

	if (!cpus)
		return -ENOMEM;
	/* A hyper thread has what its core's first thread had. */
	unsigned limit =
	    core_rep >= 0 && (unsigned)core_rep != cpu ? l->n_index_of[core_rep] : UINT_MAX;

	unsigned index;
	for (index = 0; index < limit; index++) {
		if (index < l->n_index && l->rep[index][cpu] >= 0 &&
		    (unsigned)l->rep[index][cpu] != cpu)
			continue; /* this instance was read from a lower CPU */

		_cleanup_(hk_rootdir_close) hk_rootdir d = {.fd = -EBADF};
		path_init(&p, CPU_DIR, "cpu", cpu, "cache/index");
		path_put_uint(&p, index);
		r = hk_rootdir_open(root, p.buf, &d);
		if (r == -ENOENT || r == -ENOTDIR)
			break; /* the end of this CPU's caches */
		if (r < 0)
			return r;
		if (index >= l->n_index && (r = cache_loader_grow(l)) < 0)
			return r;

		if (!l->list_probed) {
			r = read_set_file(&d, "shared_cpu_list", true, diag, cpus);
			l->is_list = r != -ENOENT;
			if (r == -ENOENT)
				r = read_set_file(&d, "shared_cpu_map", false, diag, cpus);
			l->list_probed = r != -ENOENT;
		} else {
			r = read_set_file(&d, l->is_list ? "shared_cpu_list" : "shared_cpu_map",
					  l->is_list, diag, cpus);
		}
		if (r == -ENOENT)
			continue; /* an index without sharing info: skip it */
		if (r < 0)
			return r;
		if (!hk_cpuset_test(cpus, cpu) && (r = hk_cpuset_add(cpus, cpu)) < 0)
			return r;
		HK_CPUSET_FOREACH (s, cpus) {
			if ((unsigned)s < l->cpu_limit && l->rep[index][s] < 0)
				l->rep[index][s] = (int)cpu;
		}
		r = read_cache(t, &d, index, cpus, diag);
		if (r < 0)
			return r;
	}
	l->n_index_of[cpu] = index;
	return 0;
}

static int cache_cmp(const void *a, const void *b);

static int load_caches(hk_topology *t, hk_root *root, hk_diag *diag)
{
	_cleanup_(cache_loader_done) struct cache_loader l = {.cpu_limit = t->cpu_limit};
	int r;

	l.n_index_of = calloc(t->cpu_limit, sizeof(unsigned));
	if (!l.n_index_of)
		return -ENOMEM;
	HK_CPUSET_FOREACH (cpu, t->sets[HK_CPUS_ONLINE]) {
		/*
		 * A first CPU without any cache directory means a kernel or
		 * capture without cache information (old ia64 trees): do not
		 * look for it on every other CPU.
		 */
		if (cpu > hk_cpuset_first(t->sets[HK_CPUS_ONLINE]) && l.n_index == 0)
			break;
		/* The lowest online thread of the core reads for it. */
		const hk_cpuset *sib = t->cpus[cpu].siblings;
		int rep = -1;
		if (sib)
			HK_CPUSET_FOREACH (s, sib) {
				if (s >= cpu)
					break;
				if (hk_cpuset_test(t->sets[HK_CPUS_ONLINE], (unsigned)s)) {
					rep = s;
					break;
				}
			}
		r = load_caches_of(t, root, &l, (unsigned)cpu, rep, diag);
		if (r < 0)
			return r;
	}
	if (t->n_caches)
		qsort(t->caches, t->n_caches, sizeof(*t->caches), cache_cmp);
	return 0;
}

static int cache_cmp(const void *a, const void *b)
{
	const hk_cache *x = a, *y = b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	/* Data, then Instruction, then Unified, as lscpu and hwloc list them. */
	static const int rank[] = {
	    [HK_CACHE_DATA] = 0, [HK_CACHE_INSTRUCTION] = 1, [HK_CACHE_UNIFIED] = 2};
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
	t->nodes[0].n_peers = 1;
	t->numa_synthetic = true;
	t->nodes[0].total_kib = t->nodes[0].free_kib = -ENODATA;
	t->nodes[0].cpus = hk_cpuset_dup(t->sets[HK_CPUS_PRESENT]);
	if (!t->nodes[0].cpus)
		return -ENOMEM;
	/* Memory is then the machine's; a tree without meminfo leaves it unknown. */
	(void)read_meminfo_total(root, &t->nodes[0].total_kib, &t->nodes[0].free_kib);
	return 0;
}

/*
 * NULL when every node has a row and each row's local distance is below all
 * its remote ones; else why the table is not used. The ACPI SLIT and the
 * kernel's numa_set_distance() refuse a remote distance <= the local 10;
 * old fake-NUMA kernels still wrote all 10s (hwloc's
 * 8em64t-2s2ca2c-buggynuma), a table that would rank a remote node as near
 * as the local one. No distances beat wrong ones.
 */
static const char *distances_invalid(const hk_topology *t, const bool *short_row)
{
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const int *row = t->nodes[i].distances;
		if (short_row[i])
			return "a node's distance row does not have one entry per node";
		if (!row)
			return "a node has no distance row";
		for (unsigned j = 0; j < t->n_nodes; j++)
			if (j != i && row[j] <= row[i])
				return "a remote distance is not above the local one";
	}
	return NULL;
}

/* Appends node @id to the topology's nodes (sorted later). */
static int add_node(hk_topology *t, unsigned id, unsigned *cap)
{
	if (t->n_nodes == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		hk_node *n = reallocarray(t->nodes, *cap, sizeof(*n));
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
	return 0;
}

/*
 * The nodes: with @use_online, those node/online lists, in one read (the
 * kernel registers a directory for every online node, and only for those);
 * else the nodeN directories. A captured tree is always listed: a file
 * written or copied apart from its directories may disagree with them.
 */
static int find_nodes(hk_topology *t, hk_root *root, bool use_online)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *online = hk_cpuset_new();
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	unsigned cap = 0;
	int r;

	if (!online)
		return -ENOMEM;
	r = use_online && hk_root_is_live(root)
		? hk_root_read_cpulist(root, NODE_DIR "/online", NULL, online)
		: -ENOENT;
	if (r >= 0 && !hk_cpuset_is_empty(online)) {
		HK_CPUSET_FOREACH (id, online) {
			r = add_node(t, (unsigned)id, &cap);
			if (r < 0)
				return r;
		}
		return 0;
	}

	r = hk_root_opendir(root, NODE_DIR, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		unsigned id;
		if (strncmp(de->d_name, "node", 4) != 0 ||
		    hk_parse_unsigned_range(de->d_name + 4, strlen(de->d_name + 4), 0, 65535, &id) <
			0)
			continue;
		r = add_node(t, id, &cap);
		if (r < 0)
			return r;
	}
	return 0;
}

static void drop_nodes(hk_topology *t)
{
	for (unsigned i = 0; i < t->n_nodes; i++) {
		hk_cpuset_free(t->nodes[i].cpus);
		free(t->nodes[i].distances);
	}
	free(t->nodes);
	t->nodes = NULL;
	t->n_nodes = 0;
}

static int load_nodes(hk_topology *t, hk_root *root, hk_diag *diag)
{
	_cleanup_free_ bool *short_row = NULL; /* per node: a row of the wrong length */
	bool use_online = true;
	char path[128];
	int r;

again:
	r = find_nodes(t, root, use_online);
	if (r == -ENOENT)
		return load_nodes_synthetic(t, root);
	if (r < 0)
		return r;
	if (t->n_nodes == 0) {
		/* An empty node directory says no more than a missing one. */
		free(t->nodes);
		t->nodes = NULL;
		return load_nodes_synthetic(t, root);
	}
	qsort(t->nodes, t->n_nodes, sizeof(*t->nodes), node_cmp);
	for (unsigned i = 0; i < t->n_nodes; i++)
		t->nodes[i].n_peers = t->n_nodes;
	free(short_row);
	short_row = calloc(t->n_nodes, sizeof(*short_row));
	if (!short_row)
		return -ENOMEM;

	/* cpulist is newer than cpumap: which one this kernel has is learnt once. */
	int have_list = -1;
	for (unsigned i = 0; i < t->n_nodes; i++) {
		hk_node *node = &t->nodes[i];
		_cleanup_(hk_rootdir_close) hk_rootdir nd = {.fd = -EBADF};

		snprintf(path, sizeof(path), NODE_DIR "/node%u", node->id);
		r = hk_rootdir_open(root, path, &nd);
		if (r == -ENOENT && use_online) {
			/* A node going away since node/online was read: list them. */
			drop_nodes(t);
			use_online = false;
			goto again;
		}
		if (r < 0)
			return r;

		if (have_list != 0) {
			r = hk_rootdir_read_cpulist(&nd, "cpulist", diag, node->cpus);
			if (have_list < 0)
				have_list = r != -ENOENT;
		}
		if (have_list == 0)
			r = hk_rootdir_read_cpumask(&nd, "cpumap", diag, node->cpus);
		if (r < 0 && r != -ENOENT)
			return r;

		_cleanup_free_ char *buf = NULL;
		size_t len;
		r = hk_rootdir_read(&nd, "meminfo", &buf, &len);
		if (r >= 0) {
			r = hk_parse_node_meminfo(buf, len, &node->total_kib, &node->free_kib);
			if (r < 0)
				return hk_diag_set(diag, r, path, "cannot parse %s/meminfo", path);
		} else if (r != -ENOENT) {
			return r;
		}

		free(buf);
		buf = NULL;
		r = hk_rootdir_read(&nd, "distance", &buf, &len);
		if (r >= 0) {
			_cleanup_free_ int *row = calloc(t->n_nodes, sizeof(int));
			if (!row)
				return -ENOMEM;
			int n = hk_parse_distances(buf, len, row, t->n_nodes);
			if (n == -EINVAL)
				return hk_diag_set(diag, -EINVAL, path, "cannot parse %s/distance",
						   path);
			/*
			 * A row whose length is not the node count cannot be
			 * matched to nodes (a bogus firmware table): no distances.
			 */
			if (n == (int)t->n_nodes)
				node->distances = TAKE_PTR(row);
			else if (n > 0)
				short_row[i] = true; /* an empty file is no row */
		} else if (r != -ENOENT) {
			return r;
		}
	}

	/* Distances are all or nothing, so the matrix stays square. */
	const char *why = distances_invalid(t, short_row);
	if (why) {
		for (unsigned j = 0; j < t->n_nodes; j++) {
			free(t->nodes[j].distances);
			t->nodes[j].distances = NULL;
		}
		/* One node needs no table; a table of several must be told. */
		if (t->n_nodes > 1)
			t->distances_note = why;
	}
	return 0;
}

static int map_cpus_to_nodes(hk_topology *t)
{
	hk_cpuset *none = t->sets[HK_CPUS_NO_NODE], *multi = t->sets[HK_CPUS_MULTI_NODE];
	int r;

	for (unsigned i = 0; i < t->n_nodes; i++)
		HK_CPUSET_FOREACH (cpu, t->nodes[i].cpus) {
			if ((unsigned)cpu >= t->cpu_limit)
				continue;
			int *node = &t->cpus[cpu].attr[HK_CPU_NODE];
			/* Like NO_NODE, judged over online CPUs (an offline one cannot run). */
			if (*node >= 0 && hk_cpuset_test(t->sets[HK_CPUS_ONLINE], (unsigned)cpu)) {
				r = hk_cpuset_add(multi, (unsigned)cpu);
				if (r < 0)
					return r;
			} else if (*node < 0) {
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

#ifndef MPOL_F_MEMS_ALLOWED
#define MPOL_F_MEMS_ALLOWED (1 << 2) /* linux/mempolicy.h */
#endif

/* Adds the set bits of the @nbits-bit mask @w to @set. */
static int add_mask_bits(hk_cpuset *set, const unsigned long *w, unsigned nbits)
{
	const unsigned wbits = 8 * sizeof(*w);

	for (unsigned i = 0; i < nbits / wbits; i++)
		for (unsigned long b = w[i]; b; b &= b - 1) {
			int r = hk_cpuset_add(set, i * wbits + (unsigned)__builtin_ctzl(b));
			if (r < 0)
				return r;
		}
	return 0;
}

/*
 * On the live host, what proc/self/status's Cpus_allowed_list and
 * Mems_allowed_list say, from the calls the kernel answers them from:
 * cheaper than generating the status file. The kernel keeps both within
 * the cgroup's cpuset (sched_setaffinity() and set_mempolicy() are cut to
 * it, and a change of the cpuset moves them), so they are the whole answer
 * and the cgroup's files need not be read. An error (a seccomp filter)
 * sends the caller to the files.
 */
static int live_allowed(hk_cpuset *cpus, hk_cpuset **ret_mems)
{
	unsigned long cpu_mask[HK_CPU_MAX / (8 * sizeof(long))] = {0};
	unsigned long node_mask[HK_CPU_MAX / (8 * sizeof(long))] = {0};
	_cleanup_(hk_cpuset_freep) hk_cpuset *mems = hk_cpuset_new();
	int r;

	if (!mems)
		return -ENOMEM;
	/* The process's (its main thread's, as proc/self/status), not the caller's. */
	if (sched_getaffinity(getpid(), sizeof(cpu_mask), (cpu_set_t *)(void *)cpu_mask) < 0)
		return -errno;
	if (syscall(SYS_get_mempolicy, NULL, node_mask, (unsigned long)HK_CPU_MAX, NULL,
		    MPOL_F_MEMS_ALLOWED) < 0)
		return -errno;
	r = add_mask_bits(cpus, cpu_mask, HK_CPU_MAX);
	if (r >= 0)
		r = add_mask_bits(mems, node_mask, HK_CPU_MAX);
	if (r < 0)
		return r;
	*ret_mems = TAKE_PTR(mems);
	return 0;
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

	if (hk_root_is_live(root)) {
		hk_cpuset *mems = NULL;
		if (live_allowed(tmp, &mems) >= 0) {
			hk_cpuset_and(allowed, tmp);
			t->allowed_mems = mems;
			return 0;
		}
		hk_cpuset_clear(tmp);
	}

	/* The root's own process: its affinity and memory policy. */
	r = hk_root_read(root, "proc/self/status", &status, &len);
	if (r < 0 && r != -ENOENT && r != -ENOTDIR && r != -EACCES && r != -EPERM)
		return hk_diag_set(diag, r, "proc/self/status", "cannot read proc/self/status: %s",
				   strerror(-r));
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

	r = hk_cgroup_cpuset_load(root, diag, cg_cpus, cg_mems);
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
	} else if (r != -ENOENT && r != -EACCES && r != -EPERM) {
		/*
		 * No cpuset, or one this user may not read, leaves the CPUs
		 * unrestricted; a cpuset file that is there but wrong is an error
		 * like any other malformed file, never a silently wider set.
		 */
		return r;
	}
	return 0;
}

/* The lowest online CPU of @set, or @cpu when none is lower. */
static unsigned lowest_online(const hk_cpuset *online, const hk_cpuset *set, unsigned cpu)
{
	HK_CPUSET_FOREACH (s, set) {
		if ((unsigned)s >= cpu)
			break;
		if (hk_cpuset_test(online, (unsigned)s))
			return (unsigned)s;
	}
	return cpu;
}

/*
 * Counts packages and cores, each at its lowest online CPU. A package is
 * the kernel's package_cpus (core_siblings) mask rather than its id: old
 * ia64 kernels give both single-core sockets of a node the same
 * physical_package_id (hwloc's 16ia64-8n2s), and s390, POWER and riscv write
 * -1, while the mask is right on all of them. Without a mask, CPUs of one
 * (drawer, book, package) id share a package; without an id either, the
 * threads of a core do (the PS3), since a core never spans packages.
 */
static int count_objects(hk_topology *t)
{
	const hk_cpuset *online = t->sets[HK_CPUS_ONLINE];
	_cleanup_(hk_cpuset_freep) hk_cpuset *packages = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *cores = hk_cpuset_new();
	unsigned tpc = 0;
	int r;

	if (!packages || !cores)
		return -ENOMEM;
	HK_CPUSET_FOREACH (cpu, online) {
		const struct cpu_info *ci = &t->cpus[cpu];
		unsigned core = (unsigned)cpu, pkg, threads = 1;

		if (ci->siblings) {
			core = lowest_online(online, ci->siblings, (unsigned)cpu);
			threads = 0;
			HK_CPUSET_FOREACH (s, ci->siblings)
				threads += hk_cpuset_test(online, (unsigned)s);
			threads = MAX(threads, 1u);
		}

		if (ci->package_cpus) {
			pkg = lowest_online(online, ci->package_cpus, (unsigned)cpu);
		} else if (ci->attr[HK_CPU_PACKAGE] >= 0) {
			pkg = (unsigned)cpu;
			HK_CPUSET_FOREACH (o, online) {
				if (o >= cpu)
					break;
				if (t->cpus[o].attr[HK_CPU_PACKAGE] == ci->attr[HK_CPU_PACKAGE] &&
				    t->cpus[o].attr[HK_CPU_DRAWER] == ci->attr[HK_CPU_DRAWER] &&
				    t->cpus[o].attr[HK_CPU_BOOK] == ci->attr[HK_CPU_BOOK]) {
					pkg = (unsigned)o;
					break;
				}
			}
		} else {
			pkg = core;
		}

		if ((r = hk_cpuset_add(packages, pkg)) < 0 || (r = hk_cpuset_add(cores, core)) < 0)
			return r;
		tpc = MAX(tpc, threads);
	}
	t->n_packages = hk_cpuset_count(packages);
	t->n_cores = hk_cpuset_count(cores);
	t->threads_per_core = tpc;
	return 0;
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

	r = load_cpus(t, root, diag);
	if (r < 0)
		return r;
	r = load_caches(t, root, diag);
	if (r < 0)
		return r;

	r = load_nodes(t, root, diag);
	if (r < 0)
		return r;
	r = map_cpus_to_nodes(t);
	if (r < 0)
		return r;
	r = load_allowed(t, root, diag);
	if (r < 0)
		return r;
	r = count_objects(t);
	if (r < 0)
		return r;

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

const char *hk_topology_distances_note(const hk_topology *t)
{
	return t->distances_note;
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
	if (j >= n->n_peers)
		return -ERANGE;
	return n->distances ? n->distances[j] : -ENODATA;
}

bool hk_topology_numa_valid(const hk_topology *t)
{
	return hk_cpuset_is_empty(t->sets[HK_CPUS_NO_NODE]) &&
	       hk_cpuset_is_empty(t->sets[HK_CPUS_MULTI_NODE]);
}
