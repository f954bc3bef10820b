/* SPDX-License-Identifier: MIT */
/*
 * host suite: on this machine, `hostkit --json topology` agrees with lscpu(1),
 * hwloc's lstopo-no-graphics(1), sysfs and the test's own CPU affinity. Read
 * only. Every comparison prints a line, "ok" or "FAIL", with the raw values of
 * both sides; long per-object lists print their failures and a total.
 *
 * The peers count in their own terms, so the comparisons are chosen to mean
 * the same thing on both sides:
 *  - lscpu's CORE and SOCKET columns are its own logical indexes, so they are
 *    compared as partitions of the online CPUs (two CPUs share a core in lscpu
 *    exactly when each is in the other's hostkit `siblings`); with -y lscpu
 *    prints the kernel's ids, and those are compared as ids;
 *  - lscpu's "CPU(s)" counts present CPUs, its "Off-line CPU(s) list" only
 *    present ones;
 *  - hwloc leaves offline CPUs out of every cpuset, so hostkit's sets are cut
 *    to the online CPUs before comparing; it also hides CPUs outside the
 *    cgroup cpuset unless --disallowed, which is passed, and then names the
 *    allowed ones in the Machine's allowed_cpuset.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <unistd.h>

#include <hostkit/cpuset.h>
#include <hostkit/topology.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/cgroup.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
#define _cleanup_cpuset_ _cleanup_(hk_cpuset_freep)

/* Failing items printed per group; the group's total line says the rest. */
#define GROUP_MAX_FAILS_SHOWN 20
/* Passing items printed per group, so small machines show every object. */
#define GROUP_MAX_OKS_SHOWN 8

/* A member holding a CPU list string, parsed into @s. */
static int jv_get_cpulist(const jv *obj, const char *key, hk_cpuset *s)
{
	const char *str = jv_get_str(obj, key);

	if (!str)
		return -ENOENT;
	return hk_cpuset_parse_list(s, str, strlen(str));
}

/* ---- Reporting ---- */

/* A run of like comparisons (one per CPU, per cache...), totalled at the end. */
typedef struct group {
	const char *what;
	unsigned compared;
	unsigned failed;
} group;

static void group_item(group *g, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool group_shows(const group *g, bool ok)
{
	return ok ? g->compared < GROUP_MAX_OKS_SHOWN : g->failed < GROUP_MAX_FAILS_SHOWN;
}

static void group_count(group *g, bool ok)
{
	g->compared++;
	if (!ok)
		g->failed++;
}

static void group_item(group *g, bool ok, const char *fmt, ...)
{
	va_list ap;
	bool show = group_shows(g, ok);

	group_count(g, ok);
	if (!show)
		return;
	printf("  %-5s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void group_end(const group *g)
{
	if (g->compared == 0)
		note("%s: nothing to compare", g->what);
	else
		result(g->failed == 0, "%s: %u compared, %u differ", g->what, g->compared,
		       g->failed);
}

/* The list form of @s, in one of a few rotating static buffers. */
static const char *L(const hk_cpuset *s)
{
	static char bufs[4][4096];
	static unsigned next;
	char *b = bufs[next++ % ELEMENTSOF(bufs)];

	if (!s)
		return "(unknown)";
	if (hk_cpuset_format_list(s, b, sizeof(bufs[0])) >= sizeof(bufs[0]))
		snprintf(b + sizeof(bufs[0]) - 5, 5, "...");
	return b;
}

static bool cmp_sets(const char *what, const char *a_name, const hk_cpuset *a, const char *b_name,
		     const hk_cpuset *b)
{
	bool ok = hk_cpuset_equal(a, b);
	result(ok, "%s: %s \"%s\" %s %s \"%s\"", what, a_name, L(a), ok ? "==" : "!=", b_name,
	       L(b));
	return ok;
}

static bool cmp_int(const char *what, const char *a_name, int64_t a, const char *b_name, int64_t b)
{
	bool ok = a == b;
	result(ok, "%s: %s %" PRId64 " %s %s %" PRId64, what, a_name, a, ok ? "==" : "!=", b_name,
	       b);
	return ok;
}

/* The reader's corner cases, which the tools' outputs seldom reach. */
static void check_reader(void)
{
	static const struct {
		const char *in;
		bool lenient, ok;
	} cases[] = {
	    {"{\"a\": [1, -2, 3.5e1, true, false, null, \"q\\\"\\u00e9\\ud83d\\ude00\"]}", false,
	     true},
	    {"{\"a\": -}", true, true},
	    {"{\"a\": -}", false, false},
	    {"[1,]", false, false},
	    {"{\"a\" 1}", false, false},
	    {"\"\\u0000\"", false, false},
	    {"\"\\ud800\"", false, false},
	    {"\"\x01\"", false, false},
	    {"01", false, false},
	    {"[] x", false, false},
	};
	group g = {"JSON reader self-check"};
	char err[128];

	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_jv_ jv *v = NULL;
		int r = json_parse(cases[i].in, strlen(cases[i].in), cases[i].lenient, &v, NULL,
				   err, sizeof(err));
		group_item(&g, (r >= 0) == cases[i].ok, "%s%s: %s", cases[i].in,
			   cases[i].lenient ? " (lenient)" : "", r >= 0 ? "parsed" : err);
		if (i > 0 || r < 0)
			continue;
		const jv *a = jv_get(v, "a");
		group_item(&g,
			   a && a->n == 7 && a->items[1]->is_int && a->items[1]->integer == -2 &&
			       a->items[2]->number == 35.0 && a->items[5]->type == JV_NULL &&
			       strcmp(a->items[6]->string, "q\"\xc3\xa9\xf0\x9f\x98\x80") == 0,
			   "decoded numbers, literals, escapes and a surrogate pair");
	}
	group_end(&g);
}

/* Runs @argv and parses its stdout as JSON; prints one line either way. */
static int run_json(char *const *argv, bool lenient, jv **ret)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	unsigned quirks = 0;
	char err[128];

	int r = harness_run_checked(argv, &out, &len);
	if (r < 0)
		return r;
	r = json_parse(out, len, lenient, ret, &quirks, err, sizeof(err));
	if (r < 0) {
		result(false, "%s: output is not JSON: %s", harness_cmdline(argv), err);
		return r;
	}
	result(true, "%s: exit status 0, %zu bytes of JSON", harness_cmdline(argv), len);
	if (quirks)
		note("%s wrote %u bare '-' where JSON needs a value; read as null", argv[0],
		     quirks);
	return 0;
}

/* ---- What hostkit says ---- */

enum {
	SET_POSSIBLE,
	SET_PRESENT,
	SET_ONLINE,
	SET_OFFLINE,
	SET_ALLOWED,
	_SET_MAX,
};

static const char *const set_key[_SET_MAX] = {
    [SET_POSSIBLE] = "possible", [SET_PRESENT] = "present", [SET_ONLINE] = "online",
    [SET_OFFLINE] = "offline",	 [SET_ALLOWED] = "allowed",
};

/* One CPU of hostkit's "cpus" array; ids are -1 where hostkit says null. */
struct hcpu {
	bool listed;
	bool online;
	bool allowed;
	int package;
	int core;
	int node;
	hk_cpuset *siblings; /* NULL where hostkit says "" */
};

struct hview {
	jv *doc;
	hk_cpuset *set[_SET_MAX];
	int64_t packages, cores, threads, threads_per_core;
	struct hcpu cpu[HK_CPU_MAX];
	const jv *caches;
	const jv *nodes;
	bool numa_synthetic;
};

static void hview_done(struct hview *h)
{
	jv_free(h->doc);
	for (unsigned i = 0; i < _SET_MAX; i++)
		hk_cpuset_free(h->set[i]);
	for (unsigned i = 0; i < HK_CPU_MAX; i++)
		hk_cpuset_free(h->cpu[i].siblings);
	free(h);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hview *, hview_done)

static int id_of(const jv *o, const char *key)
{
	int64_t v;

	if (jv_get_int(o, key, &v) < 0 || v < 0 || v > INT32_MAX)
		return -1;
	return (int)v;
}

/* Checks the shape of hostkit's document and indexes it; takes @doc, even on failure. */
static int hview_load(jv *doc, struct hview **ret)
{
	_cleanup_(hview_donep) struct hview *h = calloc(1, sizeof(*h));
	const jv *cpus, *numa;
	int64_t v;

	if (!h) {
		jv_free(doc);
		return -ENOMEM;
	}
	h->doc = doc;
	if (doc->type != JV_OBJECT) {
		result(false, "hostkit JSON: not an object");
		return -EINVAL;
	}
	for (unsigned i = 0; i < _SET_MAX; i++) {
		h->set[i] = hk_cpuset_new();
		if (!h->set[i])
			return -ENOMEM;
		if (jv_get_cpulist(doc, set_key[i], h->set[i]) < 0) {
			result(false, "hostkit JSON: \"%s\" is not a CPU list", set_key[i]);
			return -EINVAL;
		}
	}
	static const char *const count_key[] = {"packages", "cores", "threads", "threads_per_core"};
	int64_t *count_dst[] = {&h->packages, &h->cores, &h->threads, &h->threads_per_core};
	for (unsigned i = 0; i < ELEMENTSOF(count_key); i++)
		if (jv_get_int(doc, count_key[i], count_dst[i]) < 0) {
			result(false, "hostkit JSON: \"%s\" is not a number", count_key[i]);
			return -EINVAL;
		}

	cpus = jv_get(doc, "cpus");
	h->caches = jv_get(doc, "caches");
	h->nodes = jv_get(doc, "nodes");
	numa = jv_get(doc, "numa");
	if (!cpus || cpus->type != JV_ARRAY || !h->caches || h->caches->type != JV_ARRAY ||
	    !h->nodes || h->nodes->type != JV_ARRAY || !numa || numa->type != JV_OBJECT) {
		result(false, "hostkit JSON: \"cpus\", \"caches\", \"nodes\" or \"numa\" missing");
		return -EINVAL;
	}
	const jv *synth = jv_get(numa, "synthetic");
	h->numa_synthetic = synth && synth->type == JV_BOOL && synth->boolean;

	for (size_t i = 0; i < cpus->n; i++) {
		const jv *o = cpus->items[i];
		const jv *on = jv_get(o, "online"), *al = jv_get(o, "allowed");

		if (jv_get_int(o, "cpu", &v) < 0 || v < 0 || v >= HK_CPU_MAX || !on ||
		    on->type != JV_BOOL || !al || al->type != JV_BOOL) {
			result(false,
			       "hostkit JSON: cpus[%zu] lacks \"cpu\", \"online\" or \"allowed\"",
			       i);
			return -EINVAL;
		}
		struct hcpu *c = &h->cpu[v];
		if (c->listed) {
			result(false, "hostkit JSON: CPU %" PRId64 " listed twice", v);
			return -EINVAL;
		}
		c->listed = true;
		c->online = on->boolean;
		c->allowed = al->boolean;
		c->package = id_of(o, "package");
		c->core = id_of(o, "core");
		c->node = id_of(o, "node");
		const char *sib = jv_get_str(o, "siblings");
		if (sib && *sib) {
			c->siblings = hk_cpuset_new();
			if (!c->siblings)
				return -ENOMEM;
			if (hk_cpuset_parse_list(c->siblings, sib, strlen(sib)) < 0) {
				result(false, "hostkit JSON: CPU %" PRId64 " siblings \"%s\"", v,
				       sib);
				return -EINVAL;
			}
		}
	}
	result(true, "hostkit JSON: %zu CPUs, %zu caches, %zu nodes", cpus->n, h->caches->n,
	       h->nodes->n);
	*ret = TAKE_PTR(h);
	return 0;
}

static const jv *hview_node(const struct hview *h, int64_t id)
{
	for (size_t i = 0; i < h->nodes->n; i++) {
		int64_t v;
		if (jv_get_int(h->nodes->items[i], "node", &v) >= 0 && v == id)
			return h->nodes->items[i];
	}
	return NULL;
}

/* What hostkit says of itself must hang together before it is compared. */
static void check_self(const struct hview *h)
{
	_cleanup_cpuset_ hk_cpuset *listed = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *on = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *al = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *off = hk_cpuset_dup(h->set[SET_POSSIBLE]);

	if (!listed || !on || !al || !off)
		return (void)result(false, "out of memory");
	for (unsigned c = 0; c < HK_CPU_MAX; c++) {
		if (!h->cpu[c].listed)
			continue;
		hk_cpuset_add(listed, c);
		if (h->cpu[c].online)
			hk_cpuset_add(on, c);
		if (h->cpu[c].allowed)
			hk_cpuset_add(al, c);
	}
	hk_cpuset_andnot(off, h->set[SET_ONLINE]);

	cmp_sets("hostkit cpus[] vs \"possible\"", "listed", listed, "possible",
		 h->set[SET_POSSIBLE]);
	cmp_sets("hostkit cpus[].online vs \"online\"", "flags", on, "list", h->set[SET_ONLINE]);
	cmp_sets("hostkit cpus[].allowed vs \"allowed\"", "flags", al, "list", h->set[SET_ALLOWED]);
	cmp_sets("hostkit \"offline\" vs possible - online", "offline", h->set[SET_OFFLINE],
		 "possible - online", off);
	cmp_int("hostkit \"threads\" vs online CPUs", "threads", h->threads, "online",
		hk_cpuset_count(h->set[SET_ONLINE]));
}

/* ---- sysfs and the test's own affinity ---- */

static int read_cpulist_file(const char *path, hk_cpuset *s)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = harness_read_file(path, &buf, &len);
	if (r < 0)
		return r;
	return hk_cpuset_parse_list(s, buf, len);
}

static void check_sysfs(const struct hview *h)
{
	static const struct {
		unsigned set;
		const char *path;
	} files[] = {
	    {SET_POSSIBLE, "/sys/devices/system/cpu/possible"},
	    {SET_PRESENT, "/sys/devices/system/cpu/present"},
	    {SET_ONLINE, "/sys/devices/system/cpu/online"},
	};
	_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *ours = hk_cpuset_new();
	_cleanup_closedir_ DIR *d = NULL;
	char what[320];
	int r;

	if (!s || !ours)
		return (void)result(false, "out of memory");
	for (unsigned i = 0; i < ELEMENTSOF(files); i++) {
		r = read_cpulist_file(files[i].path, s);
		snprintf(what, sizeof(what), "sysfs %s", files[i].path);
		if (r < 0)
			note("%s: %s, not compared", what, strerror(-r));
		else
			cmp_sets(what, "hostkit", h->set[files[i].set], "sysfs", s);
	}

	d = opendir("/sys/devices/system/node");
	if (!d) {
		result(h->numa_synthetic,
		       "sysfs /sys/devices/system/node: absent (%s); hostkit numa.synthetic %s",
		       strerror(errno), h->numa_synthetic ? "true" : "false");
		return;
	}
	unsigned seen = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		unsigned id;
		char path[300];

		if (strncmp(de->d_name, "node", 4) != 0 ||
		    hk_parse_unsigned_range(de->d_name + 4, strlen(de->d_name + 4), 0, 1u << 20,
					    &id) < 0)
			continue;
		seen++;
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/cpulist", de->d_name);
		snprintf(what, sizeof(what), "sysfs %s", path);
		const jv *node = hview_node(h, id);
		if (!node) {
			result(false, "%s: hostkit has no node %u", what, id);
			continue;
		}
		r = read_cpulist_file(path, s);
		if (r < 0) {
			result(false, "%s: %s", what, strerror(-r));
			continue;
		}
		if (jv_get_cpulist(node, "cpus", ours) < 0) {
			result(false, "%s: hostkit node %u has no CPU list", what, id);
			continue;
		}
		cmp_sets(what, "hostkit", ours, "sysfs", s);
	}
	cmp_int("sysfs /sys/devices/system/node/node*", "hostkit nodes", (int64_t)h->nodes->n,
		"sysfs node directories", seen);
	result(!h->numa_synthetic,
	       "sysfs /sys/devices/system/node exists; hostkit numa.synthetic %s",
	       h->numa_synthetic ? "true" : "false");
}

/* The test's own affinity, which the tool inherits. */
static int get_affinity(hk_cpuset *aff)
{
	int r = -EINVAL;

	/* The kernel's mask may be wider than cpu_set_t: grow until it fits. */
	for (unsigned ncpus = 1024; ncpus <= 8 * HK_CPU_MAX; ncpus *= 2) {
		cpu_set_t *set = CPU_ALLOC(ncpus);
		size_t size = CPU_ALLOC_SIZE(ncpus);

		if (!set)
			return -ENOMEM;
		r = sched_getaffinity(0, size, set) < 0 ? -errno : 0;
		if (r == 0)
			r = hk_cpuset_from_cpu_set(aff, set, size);
		CPU_FREE(set);
		if (r != -EINVAL)
			break;
	}
	return r;
}

/* ---- lscpu ---- */

/* The "data" of the summary's @field (searched through "children" too), and how often it appears.
 */
static const char *lscpu_field(const jv *list, const char *field, unsigned *count)
{
	const char *found = NULL;

	if (!list || list->type != JV_ARRAY)
		return NULL;
	for (size_t i = 0; i < list->n; i++) {
		const jv *o = list->items[i];
		const char *f = jv_get_str(o, "field");
		const char *sub;

		if (f && strcmp(f, field) == 0) {
			(*count)++;
			if (!found)
				found = jv_get_str(o, "data");
		}
		sub = lscpu_field(jv_get(o, "children"), field, count);
		if (!found)
			found = sub;
	}
	return found;
}

static const char *summary(const jv *doc, const char *field, unsigned *ret_count)
{
	unsigned count = 0;
	const char *v = lscpu_field(jv_get(doc, "lscpu"), field, &count);

	if (ret_count)
		*ret_count = count;
	return v;
}

static void summary_set(const jv *doc, const char *field, const char *ours_name,
			const hk_cpuset *ours)
{
	_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();
	const char *v = summary(doc, field, NULL);
	char what[128];

	snprintf(what, sizeof(what), "lscpu \"%s\"", field);
	if (!s)
		return (void)result(false, "out of memory");
	if (!v)
		return (void)result(false, "%s: missing (hostkit %s \"%s\")", what, ours_name,
				    L(ours));
	if (hk_cpuset_parse_list(s, v, strlen(v)) < 0)
		return (void)result(false, "%s: cannot parse \"%s\"", what, v);
	cmp_sets(what, ours_name, ours, "lscpu", s);
}

/* Compares a number of the summary; a field that appears more than once (CPU types) is noted. */
static void summary_int(const jv *doc, const char *field, const char *ours_name, int64_t ours)
{
	unsigned count;
	const char *v = summary(doc, field, &count);
	char what[128];
	uint64_t n;

	snprintf(what, sizeof(what), "lscpu \"%s\"", field);
	if (!v)
		return (void)note("%s: not printed, not compared (hostkit %s %" PRId64 ")", what,
				  ours_name, ours);
	if (count > 1)
		return (void)note("%s: printed for %u CPU types, not compared (first \"%s\", "
				  "hostkit %s %" PRId64 ")",
				  what, count, v, ours_name, ours);
	if (hk_parse_u64(v, strlen(v), 10, &n) < 0 || n > INT64_MAX)
		return (void)result(false, "%s: cannot parse \"%s\"", what, v);
	cmp_int(what, ours_name, ours, "lscpu", (int64_t)n);
}

static void check_lscpu_summary(const struct hview *h, const jv *doc)
{
	_cleanup_cpuset_ hk_cpuset *off = hk_cpuset_dup(h->set[SET_OFFLINE]);
	char field[64];

	if (!off)
		return (void)result(false, "out of memory");
	/* lscpu counts and lists present CPUs only. */
	hk_cpuset_and(off, h->set[SET_PRESENT]);

	summary_int(doc, "CPU(s):", "present CPUs", hk_cpuset_count(h->set[SET_PRESENT]));
	summary_set(doc, "On-line CPU(s) list:", "online", h->set[SET_ONLINE]);
	if (summary(doc, "Off-line CPU(s) list:", NULL))
		summary_set(doc, "Off-line CPU(s) list:", "offline and present", off);
	else
		result(
		    hk_cpuset_is_empty(off),
		    "lscpu \"Off-line CPU(s) list:\": absent; hostkit offline and present \"%s\"",
		    L(off));
	summary_int(doc, "Thread(s) per core:", "threads_per_core", h->threads_per_core);
	if (h->packages > 0)
		summary_int(doc, "Core(s) per socket:", "cores / packages", h->cores / h->packages);
	summary_int(doc, "Socket(s):", "packages", h->packages);

	if (h->numa_synthetic) {
		note("lscpu \"NUMA node(s):\": hostkit assumed one node (kernel without NUMA), "
		     "not compared");
		return;
	}
	summary_int(doc, "NUMA node(s):", "nodes", (int64_t)h->nodes->n);
	for (size_t i = 0; i < h->nodes->n; i++) {
		_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();
		int64_t id;

		if (!s || jv_get_int(h->nodes->items[i], "node", &id) < 0 ||
		    jv_get_cpulist(h->nodes->items[i], "cpus", s) < 0) {
			result(false, "hostkit JSON: nodes[%zu] malformed", i);
			continue;
		}
		snprintf(field, sizeof(field), "NUMA node%" PRId64 " CPU(s):", id);
		summary_set(doc, field, "node cpus", s);
	}
}

/* One row of `lscpu -e`; -1 where it prints no value. */
struct lcpu {
	bool listed;
	int online; /* 1, 0, or -1 when unknown */
	int core;
	int socket;
	int node;
};

/* Indexes `lscpu -J -e=CPU,CORE,SOCKET,NODE,ONLINE` into @rows (HK_CPU_MAX of them). */
static int lscpu_rows(const jv *doc, const char *name, struct lcpu *rows)
{
	const jv *cpus = jv_get(doc, "cpus");

	if (!cpus || cpus->type != JV_ARRAY) {
		result(false, "%s: no \"cpus\" array", name);
		return -EINVAL;
	}
	for (size_t i = 0; i < cpus->n; i++) {
		const jv *o = cpus->items[i];
		const jv *on = jv_get(o, "online");
		int64_t v;

		if (jv_get_int(o, "cpu", &v) < 0 || v < 0 || v >= HK_CPU_MAX) {
			result(false, "%s: row %zu has no CPU number", name, i);
			return -EINVAL;
		}
		struct lcpu *c = &rows[v];
		c->listed = true;
		c->core = id_of(o, "core");
		c->socket = id_of(o, "socket");
		c->node = id_of(o, "node");
		/* util-linux 2.38 writes a boolean; older versions "yes"/"no". */
		if (on && on->type == JV_BOOL)
			c->online = on->boolean;
		else if (on && on->type == JV_STRING)
			c->online = strcmp(on->string, "yes") == 0 ? 1 : 0;
		else
			c->online = -1;
	}
	return 0;
}

/* Two CPUs share a core in hostkit when each is in the other's siblings; -EINVAL when one-sided. */
static int hk_same_core(const struct hview *h, unsigned a, unsigned b)
{
	if (!h->cpu[a].siblings || !h->cpu[b].siblings)
		return -ENODATA;
	bool ab = hk_cpuset_test(h->cpu[a].siblings, b), ba = hk_cpuset_test(h->cpu[b].siblings, a);
	return ab != ba ? -EINVAL : ab;
}

static int hk_same_package(const struct hview *h, unsigned a, unsigned b)
{
	if (h->cpu[a].package < 0 || h->cpu[b].package < 0)
		return -ENODATA;
	return h->cpu[a].package == h->cpu[b].package;
}

/*
 * lscpu's logical CORE/SOCKET numbers against hostkit, as partitions: every
 * pair of online CPUs is together in both or apart in both.
 */
static void check_partition(const struct hview *h, const struct lcpu *rows, bool core)
{
	group g = {
	    core ? "lscpu -e CORE (logical) vs hostkit siblings, by pairs of online CPUs"
		 : "lscpu -e SOCKET (logical) vs hostkit package ids, by pairs of online CPUs"};
	const hk_cpuset *online = h->set[SET_ONLINE];

	HK_CPUSET_FOREACH (a, online) {
		HK_CPUSET_FOREACH (b, online) {
			char da[64], db[64];

			if (b <= a)
				continue;
			int la = core ? rows[a].core : rows[a].socket;
			int lb = core ? rows[b].core : rows[b].socket;
			int ours = core ? hk_same_core(h, (unsigned)a, (unsigned)b)
					: hk_same_package(h, (unsigned)a, (unsigned)b);
			bool ok = la >= 0 && lb >= 0 && ours >= 0 && (la == lb) == (ours == 1);
			/* Up to 8192^2 / 2 pairs: format only what is printed. */
			if (!group_shows(&g, ok)) {
				group_count(&g, ok);
				continue;
			}
			if (core) {
				snprintf(da, sizeof(da), "\"%s\"", L(h->cpu[a].siblings));
				snprintf(db, sizeof(db), "\"%s\"", L(h->cpu[b].siblings));
			} else {
				snprintf(da, sizeof(da), "%d", h->cpu[a].package);
				snprintf(db, sizeof(db), "%d", h->cpu[b].package);
			}
			const char *why = ours == -EINVAL		 ? "one-sided"
					  : ours < 0 || la < 0 || lb < 0 ? "a value is missing"
					  : ok				 ? "both same or both apart"
									 : "they disagree";
			group_item(&g, ok,
				   "CPUs %d and %d: lscpu %s %d and %d, hostkit %s %s and %s (%s)",
				   a, b, core ? "CORE" : "SOCKET", la, lb,
				   core ? "siblings" : "packages", da, db, why);
		}
	}
	group_end(&g);
}

static void check_lscpu_cpus(const struct hview *h, const jv *logical, const jv *physical)
{
	_cleanup_free_ struct lcpu *rows = calloc(HK_CPU_MAX, sizeof(*rows));
	_cleanup_free_ struct lcpu *prow = calloc(HK_CPU_MAX, sizeof(*prow));
	_cleanup_cpuset_ hk_cpuset *listed = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *on = hk_cpuset_new();

	if (!rows || !prow || !listed || !on)
		return (void)result(false, "out of memory");
	if (lscpu_rows(logical, "lscpu -e", rows) < 0 ||
	    lscpu_rows(physical, "lscpu -e -y", prow) < 0)
		return;

	for (unsigned c = 0; c < HK_CPU_MAX; c++) {
		if (rows[c].listed)
			hk_cpuset_add(listed, c);
		if (rows[c].listed && rows[c].online == 1)
			hk_cpuset_add(on, c);
	}
	bool ok = hk_cpuset_is_subset(h->set[SET_ONLINE], listed) &&
		  hk_cpuset_is_subset(listed, h->set[SET_POSSIBLE]);
	result(ok,
	       "lscpu -e rows: hostkit online \"%s\" within lscpu's CPUs \"%s\" within hostkit "
	       "possible \"%s\"",
	       L(h->set[SET_ONLINE]), L(listed), L(h->set[SET_POSSIBLE]));
	cmp_sets("lscpu -e ONLINE column", "hostkit online", h->set[SET_ONLINE], "lscpu", on);

	group g = {"lscpu -e NODE vs hostkit cpus[].node, per online CPU"};
	HK_CPUSET_FOREACH (c, h->set[SET_ONLINE]) {
		if (h->numa_synthetic && rows[c].node < 0)
			continue; /* lscpu shows no node where the kernel has none */
		group_item(&g, rows[c].node == h->cpu[c].node,
			   "CPU %d: lscpu NODE %d, hostkit node %d", c, rows[c].node,
			   h->cpu[c].node);
	}
	group_end(&g);

	check_partition(h, rows, true);
	check_partition(h, rows, false);

	/* With -y, lscpu prints the kernel's core_id and physical_package_id. */
	group gs = {"lscpu -e -y SOCKET (physical) vs hostkit cpus[].package, per online CPU"};
	group gc = {"lscpu -e -y CORE (physical) vs hostkit cpus[].core, per online CPU"};
	HK_CPUSET_FOREACH (c, h->set[SET_ONLINE]) {
		group_item(&gs, prow[c].socket == h->cpu[c].package,
			   "CPU %d: lscpu SOCKET %d, hostkit package %d", c, prow[c].socket,
			   h->cpu[c].package);
		group_item(&gc, prow[c].core == h->cpu[c].core,
			   "CPU %d: lscpu CORE %d, hostkit core %d", c, prow[c].core,
			   h->cpu[c].core);
	}
	group_end(&gs);
	group_end(&gc);
}

/* Totals of hostkit's caches of one level and type. */
struct cache_sum {
	unsigned instances;
	uint64_t total;
	int64_t first_size, first_ways, first_line;
	bool sizes_differ;
};

static struct cache_sum hk_caches_of(const struct hview *h, int64_t level, const char *type)
{
	struct cache_sum s = {.first_size = -1, .first_ways = -1, .first_line = -1};

	for (size_t i = 0; i < h->caches->n; i++) {
		const jv *c = h->caches->items[i];
		const char *t = jv_get_str(c, "type");
		int64_t lv, size, ways, line;

		if (jv_get_int(c, "level", &lv) < 0 || lv != level || !t || strcmp(t, type) != 0)
			continue;
		if (jv_get_int(c, "size", &size) < 0 || jv_get_int(c, "ways", &ways) < 0 ||
		    jv_get_int(c, "line_size", &line) < 0)
			continue;
		if (s.instances++ == 0) {
			s.first_size = size;
			s.first_ways = ways;
			s.first_line = line;
		} else if (size != s.first_size) {
			s.sizes_differ = true;
		}
		s.total += (uint64_t)size;
	}
	return s;
}

static void check_lscpu_caches(const struct hview *h, const jv *doc)
{
	const jv *caches = jv_get(doc, "caches");
	unsigned kinds = 0;

	if (!caches || caches->type != JV_ARRAY)
		return (void)result(false, "lscpu -C: no \"caches\" array");

	for (size_t i = 0; i < caches->n; i++) {
		const jv *o = caches->items[i];
		const char *name = jv_get_str(o, "name"), *type = jv_get_str(o, "type");
		int64_t level, one, all, ways, line;
		char what[64];

		if (!name || !type || jv_get_int(o, "level", &level) < 0 ||
		    jv_get_int(o, "one-size", &one) < 0 || jv_get_int(o, "all-size", &all) < 0) {
			result(false, "lscpu -C: row %zu lacks name, type, level or sizes", i);
			continue;
		}
		snprintf(what, sizeof(what), "lscpu -C %s (L%" PRId64 " %s)", name, level, type);
		struct cache_sum s = hk_caches_of(h, level, type);
		if (s.instances == 0) {
			result(false, "%s: hostkit has no such cache", what);
			continue;
		}
		kinds++;
		if (s.sizes_differ)
			note(
			    "%s: hostkit's instances differ in size; lscpu ONE-SIZE is one of them",
			    what);
		else
			cmp_int(what, "hostkit size", s.first_size, "lscpu ONE-SIZE", one);
		result(s.total == (uint64_t)all,
		       "%s: hostkit %u instances, %" PRIu64
		       " bytes in all %s lscpu ALL-SIZE %" PRId64,
		       what, s.instances, s.total, s.total == (uint64_t)all ? "==" : "!=", all);
		if (jv_get_int(o, "ways", &ways) >= 0)
			cmp_int(what, "hostkit ways", s.first_ways, "lscpu WAYS", ways);
		if (jv_get_int(o, "coherency-size", &line) >= 0)
			cmp_int(what, "hostkit line_size", s.first_line, "lscpu COHERENCY-SIZE",
				line);
	}

	/* And no hostkit cache kind that lscpu does not show. */
	unsigned ours = 0;
	for (size_t i = 0; i < h->caches->n; i++) {
		const jv *c = h->caches->items[i];
		const char *t = jv_get_str(c, "type");
		int64_t lv, lv2;
		bool first = true;

		if (jv_get_int(c, "level", &lv) < 0 || !t)
			continue;
		for (size_t k = 0; k < i && first; k++) {
			const char *t2 = jv_get_str(h->caches->items[k], "type");
			first = !(jv_get_int(h->caches->items[k], "level", &lv2) >= 0 &&
				  lv2 == lv && t2 && strcmp(t2, t) == 0);
		}
		ours += first;
	}
	cmp_int("lscpu -C kinds of cache (level and type)", "hostkit", ours, "lscpu matched",
		kinds);
}

/* ---- hwloc (lstopo-no-graphics --of xml) ---- */

struct hwobj {
	char type[24];
	int64_t os_index; /* -1 when hwloc does not know it */
	hk_cpuset *cpuset;
	hk_cpuset *allowed; /* Machine only */
	int64_t cache_size, cache_linesize, cache_assoc, cache_type, depth, local_memory;
};

struct hwtopo {
	struct hwobj *obj;
	size_t n;
};

static void hwtopo_done(struct hwtopo *t)
{
	for (size_t i = 0; i < t->n; i++) {
		hk_cpuset_free(t->obj[i].cpuset);
		hk_cpuset_free(t->obj[i].allowed);
	}
	free(t->obj);
}

/*
 * Parses an hwloc bitmap ("0x00000003", "0x000000ff,0xffffffff": 32-bit
 * words, most significant first) into @s. An infinite set ("0xf...f") is
 * refused.
 */
static int parse_hwloc_bitmap(const char *buf, size_t len, hk_cpuset *s)
{
	const char *p = buf, *end = buf + len;
	size_t words = 1;

	hk_cpuset_clear(s);
	for (size_t i = 0; i < len; i++)
		words += buf[i] == ',';
	if (words > HK_CPU_MAX / 32)
		return -ERANGE;
	for (size_t w = 0; w < words; w++) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *t = p, *tend = comma ? comma : end;
		uint64_t v = 0;

		if (tend - t >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
			t += 2;
		/* An empty word is zero; more than 8 digits is "0xf...f" or junk. */
		if (tend - t > 8 || (tend > t && hk_parse_u64(t, (size_t)(tend - t), 16, &v) < 0))
			return -EINVAL;
		unsigned base = (unsigned)(words - 1 - w) * 32;
		for (unsigned bit = 0; bit < 32; bit++)
			if (v & (1ull << bit)) {
				int r = hk_cpuset_add(s, base + bit);
				if (r < 0)
					return r;
			}
		p = comma ? comma + 1 : end;
	}
	return 0;
}

/* The value of attribute @name in the tag [tag, end): a space must precede the name. */
static bool xml_attr(const char *tag, const char *end, const char *name, const char **ret,
		     size_t *ret_len)
{
	size_t nl = strlen(name);

	for (const char *p = tag; p + nl + 3 <= end; p++) {
		if (p[0] != ' ' || memcmp(p + 1, name, nl) != 0 || p[1 + nl] != '=' ||
		    p[2 + nl] != '"')
			continue;
		const char *v = p + 3 + nl;
		const char *q = memchr(v, '"', (size_t)(end - v));
		if (!q)
			return false;
		*ret = v;
		*ret_len = (size_t)(q - v);
		return true;
	}
	return false;
}

static int64_t xml_int(const char *tag, const char *end, const char *name)
{
	const char *v;
	size_t len;
	int64_t n;

	if (!xml_attr(tag, end, name, &v, &len) || hk_parse_s64(v, len, &n) < 0)
		return -1;
	return n;
}

/* Collects every <object> start tag; hwloc writes one element per tag, attributes unescaped. */
static int hwloc_parse(const char *xml, size_t len, struct hwtopo *t)
{
	const char *p = xml, *end = xml + len;
	size_t cap = 0;

	for (;;) {
		const char *tag = memmem(p, (size_t)(end - p), "<object ", 8);
		if (!tag)
			break;
		const char *close = memchr(tag, '>', (size_t)(end - tag));
		if (!close)
			return -EINVAL;
		p = close + 1;

		if (t->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct hwobj *o = reallocarray(t->obj, cap, sizeof(*o));
			if (!o)
				return -ENOMEM;
			t->obj = o;
		}
		struct hwobj *o = &t->obj[t->n];
		const char *v;
		size_t vl;

		memset(o, 0, sizeof(*o));
		if (!xml_attr(tag, close, "type", &v, &vl) || vl >= sizeof(o->type))
			return -EINVAL;
		memcpy(o->type, v, vl);
		t->n++;
		o->os_index = xml_int(tag, close, "os_index");
		o->cache_size = xml_int(tag, close, "cache_size");
		o->cache_linesize = xml_int(tag, close, "cache_linesize");
		o->cache_assoc = xml_int(tag, close, "cache_associativity");
		o->cache_type = xml_int(tag, close, "cache_type");
		o->depth = xml_int(tag, close, "depth");
		o->local_memory = xml_int(tag, close, "local_memory");
		if (xml_attr(tag, close, "cpuset", &v, &vl)) {
			o->cpuset = hk_cpuset_new();
			if (!o->cpuset)
				return -ENOMEM;
			int r = parse_hwloc_bitmap(v, vl, o->cpuset);
			if (r < 0)
				return r;
		}
		if (xml_attr(tag, close, "allowed_cpuset", &v, &vl)) {
			o->allowed = hk_cpuset_new();
			if (!o->allowed)
				return -ENOMEM;
			int r = parse_hwloc_bitmap(v, vl, o->allowed);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static unsigned hw_count(const struct hwtopo *t, const char *type)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += strcmp(t->obj[i].type, type) == 0;
	return n;
}

/* hwloc names caches L<n>Cache (data or unified) and L<n>iCache. */
static bool hw_is_cache(const struct hwobj *o)
{
	size_t l = strlen(o->type);
	return o->type[0] == 'L' && l > 6 && strcmp(o->type + l - 5, "Cache") == 0 &&
	       o->type[1] >= '1' && o->type[1] <= '9';
}

static const char *hw_cache_type(const struct hwobj *o)
{
	switch (o->cache_type) {
	case 0:
		return "Unified";
	case 1:
		return "Data";
	case 2:
		return "Instruction";
	}
	return "?";
}

static void check_hwloc_pus(const struct hview *h, const struct hwtopo *t)
{
	_cleanup_cpuset_ hk_cpuset *pus = hk_cpuset_new();
	group g = {"hwloc PU cpusets are their os_index"};

	if (!pus)
		return (void)result(false, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		const struct hwobj *o = &t->obj[i];
		if (strcmp(o->type, "PU") != 0)
			continue;
		if (o->os_index >= 0 && o->os_index < HK_CPU_MAX)
			hk_cpuset_add(pus, (unsigned)o->os_index);
		group_item(&g,
			   o->cpuset && o->os_index >= 0 && hk_cpuset_count(o->cpuset) == 1 &&
			       hk_cpuset_test(o->cpuset, (unsigned)o->os_index),
			   "PU P#%" PRId64 ": cpuset \"%s\"", o->os_index, L(o->cpuset));
	}
	group_end(&g);
	cmp_int("hwloc PU count", "hostkit online CPUs", hk_cpuset_count(h->set[SET_ONLINE]),
		"hwloc PUs", hw_count(t, "PU"));
	cmp_sets("hwloc PU os_index", "hostkit online", h->set[SET_ONLINE], "hwloc PUs", pus);
}

static void check_hwloc_machine(const struct hview *h, const struct hwtopo *t, const hk_cpuset *aff)
{
	_cleanup_cpuset_ hk_cpuset *expect = NULL;

	for (size_t i = 0; i < t->n; i++) {
		const struct hwobj *o = &t->obj[i];
		if (strcmp(o->type, "Machine") != 0)
			continue;
		if (!o->cpuset)
			return (void)result(false, "hwloc Machine: no cpuset");
		cmp_sets("hwloc Machine cpuset (with --disallowed)", "hostkit online",
			 h->set[SET_ONLINE], "hwloc", o->cpuset);
		if (!o->allowed)
			return (void)note("hwloc Machine: no allowed_cpuset, not compared");
		/*
		 * hwloc's allowed set is the cgroup's cpuset; hostkit's allowed
		 * CPUs are also within the affinity, which the tool inherits.
		 */
		expect = hk_cpuset_dup(o->allowed);
		if (!expect)
			return (void)result(false, "out of memory");
		hk_cpuset_and(expect, aff);
		hk_cpuset_and(expect, h->set[SET_ONLINE]);
		result(hk_cpuset_equal(h->set[SET_ALLOWED], expect),
		       "hwloc Machine allowed_cpuset: hostkit allowed \"%s\" %s hwloc allowed "
		       "\"%s\" & affinity \"%s\" & online",
		       L(h->set[SET_ALLOWED]),
		       hk_cpuset_equal(h->set[SET_ALLOWED], expect) ? "==" : "!=", L(o->allowed),
		       L(aff));
		return;
	}
	result(false, "hwloc: no Machine object");
}

static void check_hwloc_packages(const struct hview *h, const struct hwtopo *t)
{
	group g = {"hwloc Package cpusets and os_index vs hostkit package ids"};

	cmp_int("hwloc Package count", "hostkit packages", h->packages, "hwloc",
		hw_count(t, "Package"));
	for (size_t i = 0; i < t->n; i++) {
		const struct hwobj *o = &t->obj[i];
		_cleanup_cpuset_ hk_cpuset *ours = hk_cpuset_new();

		if (strcmp(o->type, "Package") != 0)
			continue;
		int first = o->cpuset ? hk_cpuset_first(o->cpuset) : -1;
		int pkg = first >= 0 ? h->cpu[first].package : -1;
		if (!ours || first < 0 || pkg < 0) {
			group_item(&g, false,
				   "Package P#%" PRId64 ": cpuset \"%s\", hostkit package %d",
				   o->os_index, L(o->cpuset), pkg);
			continue;
		}
		HK_CPUSET_FOREACH (c, h->set[SET_ONLINE])
			if (h->cpu[c].package == pkg)
				hk_cpuset_add(ours, (unsigned)c);
		bool ok =
		    hk_cpuset_equal(ours, o->cpuset) && (o->os_index < 0 || o->os_index == pkg);
		group_item(&g, ok,
			   "Package P#%" PRId64
			   " cpuset \"%s\", hostkit package %d online CPUs \"%s\"",
			   o->os_index, L(o->cpuset), pkg, L(ours));
	}
	group_end(&g);
}

static void check_hwloc_cores(const struct hview *h, const struct hwtopo *t)
{
	group g = {"hwloc Core cpusets and os_index vs hostkit siblings and core ids"};

	cmp_int("hwloc Core count", "hostkit cores", h->cores, "hwloc", hw_count(t, "Core"));
	for (size_t i = 0; i < t->n; i++) {
		const struct hwobj *o = &t->obj[i];
		_cleanup_cpuset_ hk_cpuset *ours = NULL;

		if (strcmp(o->type, "Core") != 0)
			continue;
		int first = o->cpuset ? hk_cpuset_first(o->cpuset) : -1;
		if (first < 0 || !h->cpu[first].siblings) {
			group_item(&g, false,
				   "Core P#%" PRId64 ": cpuset \"%s\", hostkit siblings unknown",
				   o->os_index, L(o->cpuset));
			continue;
		}
		ours = hk_cpuset_dup(h->cpu[first].siblings);
		if (!ours)
			return (void)result(false, "out of memory");
		hk_cpuset_and(ours, h->set[SET_ONLINE]);
		bool ok = hk_cpuset_equal(ours, o->cpuset) &&
			  (o->os_index < 0 || o->os_index == h->cpu[first].core);
		group_item(&g, ok,
			   "Core P#%" PRId64
			   " cpuset \"%s\", hostkit core %d siblings (online) \"%s\"",
			   o->os_index, L(o->cpuset), h->cpu[first].core, L(ours));
	}
	group_end(&g);
}

/* MemTotal of nodeN/meminfo now, in KiB, or -1. */
static int64_t node_memtotal_kib(int64_t node)
{
	_cleanup_free_ char *buf = NULL;
	char path[96];
	size_t len;
	uint64_t v;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%" PRId64 "/meminfo", node);
	if (harness_read_file(path, &buf, &len) < 0)
		return -1;
	const char *p = strstr(buf, "MemTotal:");
	if (!p)
		return -1;
	p += strlen("MemTotal:");
	while (*p == ' ')
		p++;
	if (hk_parse_u64_prefix(p, strlen(p), &v) < 0 || v > INT64_MAX)
		return -1;
	return (int64_t)v;
}

static void check_hwloc_nodes(const struct hview *h, const struct hwtopo *t)
{
	group g = {"hwloc NUMANode cpusets and memory vs hostkit nodes"};

	cmp_int("hwloc NUMANode count", "hostkit nodes", (int64_t)h->nodes->n, "hwloc",
		hw_count(t, "NUMANode"));
	for (size_t i = 0; i < t->n; i++) {
		const struct hwobj *o = &t->obj[i];
		_cleanup_cpuset_ hk_cpuset *ours = hk_cpuset_new();
		int64_t kib = -1;

		if (strcmp(o->type, "NUMANode") != 0)
			continue;
		const jv *node = hview_node(h, o->os_index);
		if (!ours || !node || jv_get_cpulist(node, "cpus", ours) < 0) {
			group_item(&g, false, "NUMANode P#%" PRId64 ": hostkit has no such node",
				   o->os_index);
			continue;
		}
		hk_cpuset_and(ours, h->set[SET_ONLINE]);
		(void)jv_get_int(node, "memory_kib", &kib);
		bool same_cpus = o->cpuset && hk_cpuset_equal(ours, o->cpuset);
		/* hwloc's local_memory is the node's MemTotal in bytes. */
		bool same_mem = o->local_memory < 0 || kib < 0 || o->local_memory == kib * 1024;
		int64_t now = node_memtotal_kib(o->os_index);
		if (!same_mem && now != kib) {
			/* Memory hotplug or a balloon moved it between the two runs. */
			note("NUMANode P#%" PRId64
			     ": MemTotal changed during the test (hostkit %" PRId64
			     " KiB, hwloc %" PRId64 " bytes, now %" PRId64 " KiB), not compared",
			     o->os_index, kib, o->local_memory, now);
			same_mem = true;
		}
		group_item(&g, same_cpus && same_mem,
			   "NUMANode P#%" PRId64 ": cpuset \"%s\", local_memory %" PRId64
			   "; hostkit node cpus (online) \"%s\", memory_kib %" PRId64
			   " (x1024 = %" PRId64 ")",
			   o->os_index, L(o->cpuset), o->local_memory, L(ours), kib,
			   kib < 0 ? kib : kib * 1024);
	}
	group_end(&g);
}

static void check_hwloc_caches(const struct hview *h, const struct hwtopo *t)
{
	group g = {"hwloc caches vs hostkit caches (level, type, online CPUs, size, line, ways)"};
	unsigned theirs = 0, ours = 0;
	_cleanup_cpuset_ hk_cpuset *cpus = hk_cpuset_new();

	if (!cpus)
		return (void)result(false, "out of memory");
	for (size_t i = 0; i < h->caches->n; i++)
		if (jv_get_cpulist(h->caches->items[i], "cpus", cpus) >= 0 &&
		    hk_cpuset_intersects(cpus, h->set[SET_ONLINE]))
			ours++;

	for (size_t i = 0; i < t->n; i++) {
		const struct hwobj *o = &t->obj[i];
		const jv *match = NULL;

		if (!hw_is_cache(o))
			continue;
		theirs++;
		const char *type = hw_cache_type(o);
		for (size_t k = 0; k < h->caches->n && !match; k++) {
			const jv *c = h->caches->items[k];
			const char *ct = jv_get_str(c, "type");
			int64_t lv;

			if (jv_get_int(c, "level", &lv) < 0 || lv != o->depth || !ct ||
			    strcmp(ct, type) != 0 || jv_get_cpulist(c, "cpus", cpus) < 0)
				continue;
			hk_cpuset_and(cpus, h->set[SET_ONLINE]);
			if (o->cpuset && hk_cpuset_equal(cpus, o->cpuset))
				match = c;
		}
		if (!match) {
			group_item(&g, false,
				   "%s P#%" PRId64 " (L%" PRId64
				   " %s) cpuset \"%s\": hostkit has no such cache",
				   o->type, o->os_index, o->depth, type, L(o->cpuset));
			continue;
		}
		int64_t size = -1, line = -1, ways = -1;
		(void)jv_get_int(match, "size", &size);
		(void)jv_get_int(match, "line_size", &line);
		(void)jv_get_int(match, "ways", &ways);
		/* hwloc: associativity -1 is fully associative, 0 unknown. */
		bool ok = size == o->cache_size && line == o->cache_linesize &&
			  (o->cache_assoc <= 0 || ways == o->cache_assoc);
		group_item(&g, ok,
			   "%s P#%" PRId64 " (L%" PRId64 " %s) cpuset \"%s\": size %" PRId64
			   ", line %" PRId64 ", ways %" PRId64 "; hostkit %" PRId64 ", %" PRId64
			   ", %" PRId64,
			   o->type, o->os_index, o->depth, type, L(o->cpuset), o->cache_size,
			   o->cache_linesize, o->cache_assoc, size, line, ways);
	}
	group_end(&g);
	cmp_int("hwloc cache count", "hostkit caches of online CPUs", ours, "hwloc caches", theirs);
}

static void check_hwloc(const struct hview *h, const char *xml, size_t len, const hk_cpuset *aff)
{
	struct hwtopo t = {0};

	int r = hwloc_parse(xml, len, &t);
	if (r < 0) {
		result(false, "lstopo-no-graphics XML: cannot parse: %s", strerror(-r));
	} else {
		result(true, "lstopo-no-graphics XML: %zu objects", t.n);
		check_hwloc_machine(h, &t, aff);
		check_hwloc_pus(h, &t);
		check_hwloc_packages(h, &t);
		check_hwloc_cores(h, &t);
		check_hwloc_nodes(h, &t);
		check_hwloc_caches(h, &t);
	}
	hwtopo_done(&t);
}

/* ---- The tool's other outputs ---- */

/* `hostkit topology` (text) must exit 0 and have a row for every online CPU. */
static void check_text(const struct hview *h, const char *tool)
{
	char *const argv[] = {(char *)tool, (char *)"topology", NULL};
	_cleanup_free_ char *out = NULL;
	_cleanup_cpuset_ hk_cpuset *rows = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *yes = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *online_row = hk_cpuset_new();
	size_t len;

	if (!rows || !yes || !online_row)
		return (void)result(false, "out of memory");
	if (harness_run_checked(argv, &out, &len) < 0)
		return;
	result(true, "%s: exit status 0, %zu bytes", harness_cmdline(argv), len);

	/* The "online" row of the CPU section, and the rows of the "CPUs" table. */
	bool in_table = false, have_online = false;
	for (char *line = out, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (strcmp(line, "CPUs") == 0) {
			in_table = true;
			continue;
		}
		if (!*line) {
			in_table = false;
			continue;
		}
		char *p = line;
		while (*p == ' ')
			p++;
		if (!in_table && !have_online && strncmp(p, "online ", 7) == 0) {
			p += 7;
			while (*p == ' ')
				p++;
			have_online = true;
			if (strcmp(p, "none") != 0 &&
			    hk_cpuset_parse_list(online_row, p, strlen(p)) < 0)
				result(false, "hostkit topology: cannot parse online row \"%s\"",
				       p);
			continue;
		}
		unsigned cpu;
		char *sp = strchr(p, ' ');
		if (!in_table || !sp ||
		    hk_parse_unsigned_range(p, (size_t)(sp - p), 0, HK_CPU_MAX - 1, &cpu) < 0)
			continue;
		hk_cpuset_add(rows, cpu);
		while (*sp == ' ')
			sp++;
		if (strncmp(sp, "yes", 3) == 0)
			hk_cpuset_add(yes, cpu);
	}
	if (!have_online)
		result(false, "hostkit topology: no \"online\" row");
	else
		cmp_sets("hostkit topology, \"online\" row", "text", online_row, "JSON",
			 h->set[SET_ONLINE]);
	result(hk_cpuset_is_subset(h->set[SET_ONLINE], rows),
	       "hostkit topology, CPUs table: rows for \"%s\" cover online \"%s\"", L(rows),
	       L(h->set[SET_ONLINE]));
	cmp_sets("hostkit topology, CPUs table online column", "text", yes, "JSON",
		 h->set[SET_ONLINE]);
}

/* `hostkit --json inspect cpu numa` holds the same document under "cpu" and "numa". */
static void check_inspect(const struct hview *h, const char *tool)
{
	char *const argv[] = {(char *)tool,  (char *)"--json", (char *)"inspect",
			      (char *)"cpu", (char *)"numa",   NULL};
	_cleanup_jv_ jv *doc = NULL;
	_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();

	if (!s || run_json(argv, false, &doc) < 0)
		return;
	const jv *cpu = jv_get(doc, "cpu"), *numa = jv_get(doc, "numa");
	result(cpu && cpu->type == JV_OBJECT && numa && numa->type == JV_OBJECT,
	       "hostkit inspect cpu numa: keys \"cpu\" and \"numa\" are objects");
	if (!cpu || !numa)
		return;
	if (jv_get_cpulist(cpu, "online", s) < 0)
		result(false, "hostkit inspect: cpu.online is not a CPU list");
	else
		cmp_sets("hostkit inspect cpu.online", "inspect", s, "topology",
			 h->set[SET_ONLINE]);
	const jv *nodes = jv_get(numa, "nodes");
	cmp_int("hostkit inspect numa.nodes", "inspect",
		nodes && nodes->type == JV_ARRAY ? (int64_t)nodes->n : -1, "topology",
		(int64_t)h->nodes->n);
}

/*
 * The live host's cpuset, found where distributions mount the cgroup file
 * systems (statfs() checked), is the one found through the mount table.
 */
static void check_cgroup_guess(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_cpuset_ hk_cpuset *c1 = hk_cpuset_new(), *m1 = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *c2 = hk_cpuset_new(), *m2 = hk_cpuset_new();
	int r1, r2;

	if (!c1 || !m1 || !c2 || !m2)
		return (void)result(false, "out of memory");
	r1 = hk_root_open("/", 0, NULL, &root);
	if (r1 < 0)
		return (void)result(false, "hk_root_open(/): %s", strerror(-r1));
	r1 = hk_cgroup_cpuset_load(root, NULL, c1, m1);
	r2 = hk_cgroup_cpuset_load_mounts(root, NULL, c2, m2);
	result(r1 == r2, "cgroup cpuset: guessed mount returns %d, mount table %d", r1, r2);
	if (r1 >= 0 && r2 >= 0) {
		cmp_sets("cgroup cpuset CPUs", "guessed mount", c1, "mount table", c2);
		cmp_sets("cgroup cpuset nodes", "guessed mount", m1, "mount table", m2);
	}
}

/*
 * The allowed CPUs are the process's, as proc/self/status says, even when
 * the library is called from a thread pinned to fewer.
 */
struct pinned_load {
	int cpu;
	int r;
	hk_cpuset *allowed;
};

static void *load_pinned(void *arg)
{
	struct pinned_load *p = arg;
	cpu_set_t one;
	hk_root *root = NULL;
	hk_topology *t = NULL;

	CPU_ZERO(&one);
	CPU_SET(p->cpu, &one);
	p->r = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) ? -EINVAL : 0;
	if (p->r >= 0)
		p->r = hk_root_open("/", 0, NULL, &root);
	if (p->r >= 0)
		p->r = hk_topology_load(root, NULL, &t);
	if (p->r >= 0)
		p->allowed = hk_cpuset_dup(hk_topology_cpus(t, HK_CPUS_ALLOWED));
	hk_topology_free(t);
	hk_root_free(root);
	return NULL;
}

static void check_allowed_from_thread(const hk_cpuset *aff)
{
	struct pinned_load p = {.cpu = -1};
	pthread_t th;

	if (hk_cpuset_count(aff) < 2) {
		printf("note  one allowed CPU: the pinned-thread check needs two\n");
		return;
	}
	p.cpu = hk_cpuset_last(aff);
	if (pthread_create(&th, NULL, load_pinned, &p) != 0)
		return (void)result(false, "pthread_create failed");
	pthread_join(th, NULL);
	if (p.r < 0 || !p.allowed) {
		result(false, "topology from a pinned thread: %s", strerror(p.r < 0 ? -p.r : ENOMEM));
	} else {
		cmp_sets("allowed, loaded from a thread pinned to one CPU", "hostkit", p.allowed,
			 "the process's affinity", aff);
	}
	hk_cpuset_free(p.allowed);
}

int main(void)
{
	const char *tool = getenv("HK_TOOL");

	if (!tool || !*tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	if (!harness_in_path("lscpu"))
		SKIP("lscpu is not installed (util-linux)");
	if (!harness_in_path("lstopo-no-graphics"))
		SKIP("lstopo-no-graphics is not installed (hwloc)");

	char *const hk_argv[] = {(char *)tool, (char *)"--json", (char *)"topology", NULL};
	char *const lscpu_sum[] = {(char *)"lscpu", (char *)"-J", NULL};
	char *const lscpu_e[] = {(char *)"lscpu", (char *)"-J",
				 (char *)"-e=CPU,CORE,SOCKET,NODE,ONLINE", NULL};
	char *const lscpu_ey[] = {(char *)"lscpu", (char *)"-J", (char *)"-y",
				  (char *)"-e=CPU,CORE,SOCKET,NODE,ONLINE", NULL};
	char *const lscpu_c[] = {(char *)"lscpu", (char *)"-J", (char *)"-B", (char *)"-C", NULL};
	char *const lstopo[] = {(char *)"lstopo-no-graphics",
				(char *)"--of",
				(char *)"xml",
				(char *)"--no-io",
				(char *)"--disallowed",
				NULL};

	check_reader();

	jv *hk_doc = NULL;
	_cleanup_(hview_donep) struct hview *h = NULL;
	_cleanup_cpuset_ hk_cpuset *aff = hk_cpuset_new();
	int r;

	if (!aff) {
		result(false, "out of memory");
		goto out;
	}
	r = run_json(hk_argv, false, &hk_doc);
	if (r >= 0)
		r = hview_load(hk_doc, &h);
	if (r < 0) {
		result(false, "cannot read hostkit's topology (%s): nothing compared",
		       strerror(-r));
		goto out;
	}

	check_self(h);
	check_sysfs(h);
	check_cgroup_guess();
	r = get_affinity(aff);
	if (r < 0)
		result(false, "sched_getaffinity: %s", strerror(-r));
	else
		cmp_sets("sched_getaffinity() of the test (the tool inherits it)",
			 "hostkit allowed", h->set[SET_ALLOWED], "affinity", aff);
	if (r >= 0)
		check_allowed_from_thread(aff);

	{
		_cleanup_jv_ jv *sum = NULL, *e = NULL, *ey = NULL, *c = NULL;

		if (run_json(lscpu_sum, true, &sum) >= 0)
			check_lscpu_summary(h, sum);
		if (run_json(lscpu_e, true, &e) >= 0 && run_json(lscpu_ey, true, &ey) >= 0)
			check_lscpu_cpus(h, e, ey);
		if (run_json(lscpu_c, true, &c) >= 0)
			check_lscpu_caches(h, c);
	}

	{
		_cleanup_free_ char *xml = NULL;
		size_t len;
		if (harness_run_checked(lstopo, &xml, &len) >= 0)
			check_hwloc(h, xml, len, aff);
	}

	check_text(h, tool);
	check_inspect(h, tool);

out:
	TEST_DONE();
}
