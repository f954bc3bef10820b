/* SPDX-License-Identifier: MIT */
/*
 * The memory model's peer suite (../shared/peer-data, described in its
 * README.md). hostkit reads each captured tree and its numbers are compared
 * with what other projects assert for the same files:
 *  - prometheus/procfs: the values its Go tests assert for proc/meminfo,
 *    proc/buddyinfo and proc/zoneinfo (procfs/EXPECTED.md restates them),
 *    read from `hostkit --root fixtures --json inspect memory`;
 *  - prometheus/node_exporter: every node_buddyinfo_blocks, node_zoneinfo_*,
 *    node_memory_* and node_memory_numa_* series of its end-to-end outputs
 *    (e2e-output.txt, e2e-64k-page-output.txt) against hostkit's JSON for
 *    the same tree;
 *  - jaypipes/ghw: two huge page sizes on each node of the L5640 snapshot,
 *    and the four sizes an arm64 kernel with 4K pages offers (64K, 2M, 32M,
 *    1G), which that snapshot lists per node only;
 *  - hwloc: every captured tree (i386 to ia64, s390, arm, POWER) loads.
 * None of the trees holds a malformed memory file, so malformed copies of
 * procfs's files are made here (procfs's own negative cases among them): the
 * load must fail naming the file and line, and the tool must exit 2.
 *
 * Exits 77 when the corpus or the tool is missing.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/memory.h>
#include <hostkit/root.h>

#include "base/macro.h"
#include "tests/test.h"

#include "tests/host/json-reader.h"
#include "tests/support/harness.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_memory *, hk_memory_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)

static const char *tool;

/* ---- Reporting ---- */

/* A run of like comparisons, printed when they fail, totalled at the end. */
typedef struct group {
	const char *what;
	unsigned compared;
	unsigned failed;
} group;

static void group_item(group *g, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void group_item(group *g, bool ok, const char *fmt, ...)
{
	va_list ap;

	g->compared++;
	if (ok)
		return;
	if (g->failed++ < 30) {
		printf("  FAIL ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
}

static void group_end(const group *g)
{
	result(g->compared > 0 && g->failed == 0, "%s: %u compared, %u differ", g->what,
	       g->compared, g->failed);
}

/* ---- hostkit's JSON ---- */

/* Runs `hostkit --root ROOT --json inspect memory`; *ret is the "memory" object's document. */
static int hostkit_memory(const char *root, jv **ret, const jv **ret_memory)
{
	char *const argv[] = {(char *)tool,	 (char *)"--root", (char *)root, (char *)"--json",
			      (char *)"inspect", (char *)"memory", NULL};

	int r = json_run(argv, "memory", JV_OBJECT, ret, ret_memory);
	if (r >= 0)
		result(true, "%s: exit status 0, JSON with a \"memory\" object",
		       harness_cmdline(argv));
	return r;
}

/* An integer member, or INT64_MIN when absent, null or not an integer. */
static int64_t num(const jv *obj, const char *key)
{
	int64_t v;
	return jv_get_int(obj, key, &v) < 0 ? INT64_MIN : v;
}

/* Item @i of array member @key, or NULL. */
static const jv *item(const jv *obj, const char *key, size_t i)
{
	const jv *a = jv_get(obj, key);
	return a && a->type == JV_ARRAY && i < a->n ? a->items[i] : NULL;
}

static int64_t item_num(const jv *obj, const char *key, size_t i)
{
	const jv *v = item(obj, key, i);
	return v && v->is_int ? v->integer : INT64_MIN;
}

/* The row of array @key whose "node" and "zone" are @node and @zone. */
static const jv *row_of(const jv *mem, const char *key, int64_t node, const char *zone)
{
	const jv *a = jv_get(mem, key);

	for (size_t i = 0; a && a->type == JV_ARRAY && i < a->n; i++) {
		const char *z = jv_get_str(a->items[i], "zone");
		if (num(a->items[i], "node") == node && (!zone || (z && strcmp(z, zone) == 0)))
			return a->items[i];
	}
	return NULL;
}

static bool has_string(const jv *array, const char *s)
{
	for (size_t i = 0; array && array->type == JV_ARRAY && i < array->n; i++)
		if (array->items[i]->type == JV_STRING && strcmp(array->items[i]->string, s) == 0)
			return true;
	return false;
}

/* ---- prometheus/procfs ---- */

static void check_procfs(const char *data)
{
	char root[PATH_MAX];
	_cleanup_jv_ jv *doc = NULL;
	const jv *mem;

	snprintf(root, sizeof(root), "%s/procfs/fixtures", data);
	if (access(root, F_OK) < 0) {
		note("%s: absent, procfs not compared", root);
		return;
	}
	if (hostkit_memory(root, &doc, &mem) < 0)
		return;

	/* meminfo_test.go */
	static const struct {
		const char *name;
		int64_t kib;
	} meminfo[] = {
	    {"MemTotal", 15666184},   {"MemFree", 440324},	     {"Buffers", 1020128},
	    {"Cached", 12007640},     {"Active(anon)", 267256},	     {"Inactive(file)", 6532440},
	    {"Zswap", 22414},	      {"Zswapped", 10502},	     {"Slab", 1807264},
	    {"Committed_AS", 530844}, {"VmallocTotal", 34359738367}, {"Percpu", 26176},
	    {"AnonHugePages", 12288}, {"HugePages_Total", 0},	     {"HugePages_Free", 0},
	    {"HugePages_Rsvd", 0},    {"HugePages_Surp", 0},	     {"Hugepagesize", 2048},
	    {"DirectMap4k", 91136},   {"DirectMap2M", 16039936},
	};
	const jv *mi = jv_get(mem, "meminfo"), *counts = jv_get(mem, "meminfo_counts");
	group g = {"procfs meminfo_test.go values in hostkit's meminfo"};
	for (unsigned i = 0; i < ELEMENTSOF(meminfo); i++) {
		int64_t v = num(mi, meminfo[i].name);
		group_item(&g, v == meminfo[i].kib, "%s: hostkit %" PRId64 ", procfs %" PRId64,
			   meminfo[i].name, v, meminfo[i].kib);
	}
	group_item(&g, num(mi, "MemTotal") * 1024 == 16042172416, "MemTotal in bytes");
	/* HugePages_* are counts, not kB. */
	static const char *const count_names[] = {"HugePages_Total", "HugePages_Free",
						  "HugePages_Rsvd", "HugePages_Surp"};
	for (unsigned i = 0; i < ELEMENTSOF(count_names); i++)
		group_item(&g, has_string(counts, count_names[i]), "%s not in meminfo_counts",
			   count_names[i]);
	group_item(&g, !has_string(counts, "MemTotal") && !has_string(counts, "Hugepagesize"),
		   "MemTotal or Hugepagesize listed as a count");
	group_item(&g, mi && mi->type == JV_OBJECT && mi->n == 45,
		   "meminfo has %zu fields, the file 45", mi ? mi->n : 0);
	group_end(&g);

	/* buddyinfo_test.go */
	group b = {"procfs buddyinfo_test.go values in hostkit's buddyinfo"};
	const jv *rows = jv_get(mem, "buddyinfo");
	group_item(&b, rows && rows->n == 3, "3 zones");
	static const char *const zones[] = {"DMA", "DMA32", "Normal"};
	for (size_t i = 0; rows && i < rows->n && i < 3; i++) {
		const char *z = jv_get_str(rows->items[i], "zone");
		group_item(&b, num(rows->items[i], "node") == 0 && z && strcmp(z, zones[i]) == 0,
			   "zone[%zu] is %s", i, zones[i]);
		group_item(&b, jv_get(rows->items[i], "free")->n == 11, "zone[%zu]: 11 orders", i);
	}
	group_item(&b, item_num(row_of(mem, "buddyinfo", 0, "Normal"), "free", 0) == 4381,
		   "Normal order 0 = 4381");
	group_item(&b, item_num(row_of(mem, "buddyinfo", 0, "DMA32"), "free", 1) == 572,
		   "DMA32 order 1 = 572");
	group_end(&b);

	/* zoneinfo_test.go */
	static const struct {
		const char *zone;
		int64_t free, min, low, high, spanned, present, managed;
		int64_t protection[5];
	} z[] = {
	    {"DMA", 3952, 33, 41, 49, 4095, 3975, 3956, {0, 2877, 7826, 7826, 7826}},
	    {"DMA32",
	     204252,
	     19510,
	     21059,
	     22608,
	     1044480,
	     759231,
	     742806,
	     {0, 0, 4949, 4949, 4949}},
	    {"Normal", 18553, 11176, 13842, 16508, 1308160, 1308160, 1268711, {0, 0, 0, 0, 0}},
	    {"Movable", 0, 0, 0, 0, 0, 0, 0, {0, 0, 0, 0, 0}},
	    {"Device", 0, 0, 0, 0, 0, 0, 0, {0, 0, 0, 0, 0}},
	};
	group zg = {"procfs zoneinfo_test.go values in hostkit's zoneinfo"};
	const jv *zi = jv_get(mem, "zoneinfo");
	group_item(&zg, zi && zi->n == 5, "5 zones, hostkit %zu", zi ? zi->n : 0);
	for (unsigned i = 0; i < ELEMENTSOF(z); i++) {
		const jv *r = row_of(mem, "zoneinfo", 0, z[i].zone);
		const int64_t want[] = {z[i].free,    z[i].min,	    z[i].low,	 z[i].high,
					z[i].spanned, z[i].present, z[i].managed};
		static const char *const keys[] = {"free",    "min",	 "low",	   "high",
						   "spanned", "present", "managed"};
		group_item(&zg, r != NULL, "zone %s present", z[i].zone);
		for (unsigned k = 0; r && k < ELEMENTSOF(keys); k++)
			group_item(&zg, num(r, keys[k]) == want[k],
				   "%s %s: hostkit %" PRId64 ", procfs %" PRId64, z[i].zone,
				   keys[k], num(r, keys[k]), want[k]);
		for (unsigned k = 0; r && k < 5; k++)
			group_item(&zg, item_num(r, "protection", k) == z[i].protection[k],
				   "%s protection[%u]", z[i].zone, k);
	}
	const jv *dma = row_of(mem, "zoneinfo", 0, "DMA");
	const jv *ns = jv_get(dma, "node_stats"), *c = jv_get(dma, "counters");
	static const struct {
		const char *name;
		int64_t v;
	} stats[] = {
	    {"nr_active_anon", 547580},	     {"nr_inactive_anon", 230981},
	    {"nr_anon_pages", 795576},	     {"nr_active_file", 346282},
	    {"nr_inactive_file", 316904},    {"nr_file_pages", 761874},
	    {"nr_slab_reclaimable", 131220}, {"nr_slab_unreclaimable", 47320},
	    {"nr_mapped", 215483},	     {"nr_dirty", 908},
	    {"nr_unevictable", 115467},	     {"nr_shmem", 224925},
	    {"nr_dirtied", 8007423},	     {"nr_written", 7752121},
	};
	for (unsigned i = 0; i < ELEMENTSOF(stats); i++)
		group_item(&zg, num(ns, stats[i].name) == stats[i].v, "DMA node_stats.%s",
			   stats[i].name);
	group_item(&zg, num(c, "numa_hit") == 1 && num(c, "numa_local") == 1,
		   "DMA numa_hit, numa_local");
	const jv *dma32 = jv_get(row_of(mem, "zoneinfo", 0, "DMA32"), "counters");
	group_item(&zg,
		   num(dma32, "nr_kernel_stack") == 2208 && num(dma32, "numa_hit") == 113952967,
		   "DMA32 nr_kernel_stack, numa_hit");
	const jv *normal = jv_get(row_of(mem, "zoneinfo", 0, "Normal"), "counters");
	group_item(&zg,
		   num(normal, "nr_kernel_stack") == 15136 &&
		       num(normal, "numa_hit") == 162718019 &&
		       num(normal, "numa_interleave") == 26812,
		   "Normal nr_kernel_stack, numa_hit, numa_interleave");
	const jv *movable = jv_get(row_of(mem, "zoneinfo", 0, "Movable"), "counters");
	group_item(&zg, movable && num(movable, "nr_free_pages") == INT64_MIN,
		   "Movable has no nr_free_pages");
	group_end(&zg);

	/* proc/sys/vm, and meminfo's pool standing in for the absent sys/kernel/mm/hugepages. */
	const jv *oc = jv_get(mem, "overcommit"), *hp = item(mem, "hugepages", 0);
	const char *src = jv_get_str(hp, "source");
	result(num(oc, "memory") == 0 && num(oc, "ratio") == 50 && num(oc, "kbytes") == 0 &&
		   num(oc, "commit_limit_kib") == 7833092 && num(oc, "committed_as_kib") == 530844,
	       "procfs overcommit: memory %" PRId64 ", ratio %" PRId64 ", kbytes %" PRId64
	       " (proc/sys/vm: 0, 50, 0), CommitLimit/Committed_AS from meminfo",
	       num(oc, "memory"), num(oc, "ratio"), num(oc, "kbytes"));
	result(jv_get(mem, "hugepages")->n == 1 && num(hp, "size_kib") == 2048 && src &&
		   strcmp(src, "meminfo") == 0 && num(hp, "total") == 0 &&
		   num(hp, "overcommit") == 0 && num(mem, "default_hugepage_kib") == 2048,
	       "procfs hugepages: one 2 MiB pool from meminfo, overcommit from "
	       "proc/sys/vm/nr_overcommit_hugepages");
	/* node1 and node2 hold only vmstat. */
	const jv *nodes = jv_get(mem, "nodes");
	result(nodes && nodes->n == 2 && num(nodes->items[0], "node") == 1 &&
		   jv_get(nodes->items[0], "meminfo")->type == JV_NULL &&
		   jv_get(nodes->items[1], "numastat")->type == JV_NULL,
	       "procfs nodes: node1 and node2 without meminfo or numastat");
}

/* ---- prometheus/node_exporter ---- */

/* node_exporter's meminfo key: "Active(anon)" -> "Active_anon". */
static void prom_name(const char *name, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = name; *p && o + 1 < size; p++) {
		if (*p == '(')
			out[o++] = '_';
		else if (*p != ')')
			out[o++] = *p;
	}
	out[o] = 0;
}

/* The meminfo-style field of @fields named @prom in node_exporter's terms, in its unit. */
static bool prom_meminfo(const jv *fields, const jv *counts, const char *prom, bool bytes,
			 double *ret)
{
	char name[256];

	for (size_t i = 0; fields && fields->type == JV_OBJECT && i < fields->n; i++) {
		prom_name(fields->keys[i], name, sizeof(name));
		if (strcmp(name, prom) != 0 || !fields->items[i]->is_int)
			continue;
		bool is_count = has_string(counts, fields->keys[i]);
		if (bytes == is_count)
			continue;
		*ret = (double)fields->items[i]->integer * (bytes ? 1024.0 : 1.0);
		return true;
	}
	return false;
}

static bool strip(char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	if (n <= m || strcmp(s + n - m, suffix) != 0)
		return false;
	s[n - m] = 0;
	return true;
}

/* A node_zoneinfo_* series (without its prefix) of zone @z. */
static bool prom_zoneinfo(const jv *z, const char *metric, double *ret)
{
	char base[256];
	int64_t v;

	if (strncmp(metric, "protection_", 11) == 0) {
		v = item_num(z, "protection", (size_t)atoi(metric + 11));
		*ret = (double)v;
		return v != INT64_MIN;
	}
	snprintf(base, sizeof(base), "%s", metric);
	if (strip(base, "_pages")) {
		static const char *const typed[] = {"min",     "low",	  "high",
						    "spanned", "present", "managed"};
		for (unsigned i = 0; i < ELEMENTSOF(typed); i++)
			if (strcmp(base, typed[i]) == 0 && (v = num(z, base)) != INT64_MIN) {
				*ret = (double)v;
				return true;
			}
	}
	/* node_exporter's names: nr_X_pages, nr_X_total, nr_kernel_stacks. */
	char cand[4][256];
	snprintf(cand[0], sizeof(cand[0]), "%s", metric);
	snprintf(cand[1], sizeof(cand[1]), "%s", metric);
	strip(cand[1], "_total");
	snprintf(cand[2], sizeof(cand[2]), "%s", metric);
	strip(cand[2], "_pages");
	snprintf(cand[3], sizeof(cand[3]), "%s", metric);
	strip(cand[3], "s");
	const jv *lists[] = {jv_get(z, "counters"), jv_get(z, "node_stats")};
	for (unsigned l = 0; l < ELEMENTSOF(lists); l++)
		for (unsigned k = 0; k < 4; k++)
			if ((v = num(lists[l], cand[k])) != INT64_MIN) {
				*ret = (double)v;
				return true;
			}
	return false;
}

/* The value of label @key in "{a=\"1\",b=\"x\"}", into @out. */
static bool label(const char *labels, const char *key, char *out, size_t size)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "%s=\"", key);
	const char *p = strstr(labels, pat);
	if (!p)
		return false;
	p += strlen(pat);
	const char *q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= size)
		return false;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = 0;
	return true;
}

static void check_e2e(const jv *mem, const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	char what[PATH_MAX + 64];
	group g[4] = {{"node_buddyinfo_blocks"},
		      {"node_zoneinfo_*"},
		      {"node_memory_* (proc/meminfo)"},
		      {"node_memory_numa_* (nodeN/meminfo, nodeN/numastat)"}};

	int r = harness_read_file(path, &text, &len);
	if (r < 0) {
		note("%s: %s, not compared", path, strerror(-r));
		return;
	}
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (line[0] == '#')
			continue;
		char name[256], labels[512] = "", node[16] = "", zone[64] = "", size[16] = "";
		char *sp = strrchr(line, ' ');
		char *brace = strchr(line, '{');
		if (!sp)
			continue;
		size_t nlen = (size_t)((brace && brace < sp ? brace : sp) - line);
		if (nlen >= sizeof(name))
			continue;
		memcpy(name, line, nlen);
		name[nlen] = 0;
		if (brace && brace < sp)
			snprintf(labels, sizeof(labels), "%.*s", (int)(sp - brace), brace);
		double want = strtod(sp + 1, NULL), got = 0;
		bool found = false;
		unsigned which;
		label(labels, "node", node, sizeof(node));
		label(labels, "zone", zone, sizeof(zone));
		label(labels, "size", size, sizeof(size));

		if (strcmp(name, "node_buddyinfo_blocks") == 0) {
			which = 0;
			int64_t v = item_num(row_of(mem, "buddyinfo", atoi(node), zone), "free",
					     (size_t)atoi(size));
			found = v != INT64_MIN;
			got = (double)v;
		} else if (strncmp(name, "node_zoneinfo_", 14) == 0) {
			which = 1;
			found = prom_zoneinfo(row_of(mem, "zoneinfo", atoi(node), zone), name + 14,
					      &got);
		} else if (strncmp(name, "node_memory_numa_", 17) == 0) {
			which = 3;
			const jv *n = row_of(mem, "nodes", atoi(node), NULL);
			char base[256];
			snprintf(base, sizeof(base), "%s", name + 17);
			if (strip(base, "_total")) {
				int64_t v = num(jv_get(n, "numastat"), base);
				found = v != INT64_MIN;
				got = (double)v;
			}
			/* node_exporter writes kB fields in bytes and counts as they are. */
			for (int bytes = 1; bytes >= 0 && !found; bytes--)
				found =
				    prom_meminfo(jv_get(n, "meminfo"), jv_get(n, "meminfo_counts"),
						 name + 17, bytes, &got);
		} else if (strncmp(name, "node_memory_", 12) == 0) {
			which = 2;
			char base[256];
			snprintf(base, sizeof(base), "%s", name + 12);
			bool bytes = strip(base, "_bytes");
			found = prom_meminfo(jv_get(mem, "meminfo"), jv_get(mem, "meminfo_counts"),
					     base, bytes, &got);
		} else {
			continue;
		}
		group_item(&g[which], found && got == want,
			   "%s%s: node_exporter %.17g, hostkit %s%.17g", name, labels, want,
			   found ? "" : "(none) ", got);
	}
	for (unsigned i = 0; i < ELEMENTSOF(g); i++) {
		snprintf(what, sizeof(what), "%s: %s", path, g[i].what);
		g[i].what = what;
		group_end(&g[i]);
	}
}

static void check_node_exporter(const char *data)
{
	char root[PATH_MAX], path[PATH_MAX + 32];
	_cleanup_jv_ jv *doc = NULL;
	const jv *mem;

	snprintf(root, sizeof(root), "%s/node_exporter/fixtures", data);
	if (access(root, F_OK) < 0) {
		note("%s: absent, node_exporter not compared", root);
		return;
	}
	if (hostkit_memory(root, &doc, &mem) < 0)
		return;
	snprintf(path, sizeof(path), "%s/e2e-output.txt", root);
	check_e2e(mem, path);
	snprintf(path, sizeof(path), "%s/e2e-64k-page-output.txt", root);
	check_e2e(mem, path);

	/* node2 is a copy of node1 with other numastat; and the per-node stats sit in DMA. */
	const jv *nodes = jv_get(mem, "nodes");
	result(nodes && nodes->n == 3 &&
		   num(jv_get(nodes->items[0], "meminfo"), "MemTotal") == 134182340 &&
		   num(jv_get(nodes->items[2], "numastat"), "interleave_hit") == 7286,
	       "node_exporter nodes: 3, node0 MemTotal 134182340 kB, node2 interleave_hit 7286");
	result(jv_get(row_of(mem, "zoneinfo", 0, "DMA"), "node_stats") &&
		   !jv_get(row_of(mem, "zoneinfo", 0, "Normal"), "node_stats"),
	       "node_exporter zoneinfo: the per-node stats are DMA's");
}

/* ---- Malformed files ---- */

static char tree[PATH_MAX];

static void tree_done(void)
{
	if (tree[0])
		(void)harness_remove_tree(tree);
	tree[0] = 0;
}

/* A fresh, empty directory in the global @tree. */
static int tree_new(void)
{
	tree_done();
	int r = harness_mkdtemp("hk-peer-memory-XXXXXX", tree, sizeof(tree));
	if (r < 0)
		tree[0] = 0;
	return r;
}

static int write_file(const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	for (char *s = path + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		(void)mkdir(path, 0755);
		*s = '/';
	}
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return negative_errno();
	return 0;
}

/* Runs the tool on @tree; returns its exit status. */
static int tool_status(void)
{
	char *const argv[] = {(char *)tool,	 (char *)"--root", tree, (char *)"--json",
			      (char *)"inspect", (char *)"memory", NULL};

	return harness_run_status(argv);
}

static void check_broken(const char *data)
{
	static const struct {
		const char *file;   /* in procfs/fixtures, copied with a change */
		const char *find;   /* text replaced... */
		const char *repl;   /* ...by this */
		unsigned line;	    /* the line the diagnostic must name */
		const char *reason; /* which check */
	} cases[] = {
	    /* procfs buddyinfo_test.go: "Invalid number of fields". */
	    {"proc/buddyinfo",
	     "Node 0, zone    DMA32    759    572    791    475    194     45 "
	     "    12      0      0      0      0",
	     "Node 0, zone    DMA32", 2, "no free block counts"},
	    /* procfs: "mismatch in number of buddyinfo buckets" (11, then 12). */
	    {"proc/buddyinfo", "   4      0      0      0      0\n",
	     "   4      0      0      0      0      0\n", 3, "another number of orders"},
	    {"proc/zoneinfo", "protection: (0, 2877, 7826, 7826, 7826)",
	     "protection: (0, 2877, 7826, 7826, 7826", 40, "protection"},
	    {"proc/zoneinfo", "  pages free     204252", "  pages free     20425x", 104,
	     "pages free"},
	    {"proc/meminfo", "Zswap:             22414 kB", "Zswap:             22414 MB", 16,
	     "unit"},
	    {"proc/meminfo", "HugePages_Total:       0", "HugePages_Total:       -1", 39, "number"},
	};
	char src[PATH_MAX];

	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *text = NULL;
		size_t len;

		snprintf(src, sizeof(src), "%s/procfs/fixtures/%s", data, cases[i].file);
		if (harness_read_file(src, &text, &len) < 0) {
			note("%s: unreadable, case %u not run", src, i);
			continue;
		}
		char *at = strstr(text, cases[i].find);
		if (!at) {
			result(false, "broken %s: the fixture lacks '%s'", cases[i].file,
			       cases[i].find);
			continue;
		}
		size_t flen = strlen(cases[i].find), rlen = strlen(cases[i].repl);
		_cleanup_free_ char *mod = malloc(len - flen + rlen + 1);
		if (!mod)
			return (void)result(false, "out of memory");
		size_t head = (size_t)(at - text);
		memcpy(mod, text, head);
		memcpy(mod + head, cases[i].repl, rlen);
		memcpy(mod + head + rlen, at + flen, len - head - flen);
		size_t mlen = len - flen + rlen;

		int r = tree_new();
		if (r < 0)
			return (void)result(false, "mkdtemp: %s", strerror(-r));
		if (write_file(cases[i].file, mod, mlen) < 0)
			return (void)result(false, "cannot write %s/%s", tree, cases[i].file);

		_cleanup_(hk_root_freep) hk_root *root = NULL;
		_cleanup_(hk_memory_freep) hk_memory *m = NULL;
		hk_diag diag = {0};
		r = hk_root_open(tree, 0, &diag, &root);
		if (r >= 0)
			r = hk_memory_load(root, &diag, &m);
		char want[64];
		snprintf(want, sizeof(want), "%s line %u:", cases[i].file, cases[i].line);
		result(r == -EINVAL && strcmp(diag.path, cases[i].file) == 0 &&
			   diag.line == cases[i].line && strstr(diag.message, want) &&
			   strstr(diag.message, cases[i].reason),
		       "broken %s (%s): %s: \"%s\"", cases[i].file, cases[i].reason,
		       r < 0 ? test_errname(r) : "loaded", diag.message);
		int status = tool_status();
		result(status == 2, "broken %s (%s): hostkit exits %d, expected 2", cases[i].file,
		       cases[i].reason, status);
	}
	tree_done();
}

/* ---- ghw and hwloc: captured trees in tarballs ---- */

static int load_tree(const char *dir, hk_diag *diag, hk_memory **ret)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;

	int r = hk_root_open(dir, 0, diag, &root);
	if (r < 0)
		return r;
	return hk_memory_load(root, diag, ret);
}

/* A fresh directory holding @tarball's contents, in the global @tree. */
static int extract(const char *tarball)
{
	/* The parts of a tree memory never reads are left out. */
	static const char *const excludes[] = {"--exclude=*/sys/devices/system/cpu",
					       "--exclude=*/sys/devices/pci*",
					       "--exclude=*/sys/devices/virtual",
					       "--exclude=*/sys/devices/platform",
					       "--exclude=*/sys/bus",
					       "--exclude=*/sys/class",
					       "--exclude=*/sys/firmware",
					       "--exclude=*/sys/fs",
					       NULL};

	int r = tree_new();
	if (r < 0)
		return r;
	return harness_extract(tarball, tree, excludes);
}

static void check_ghw(const char *data)
{
	char path[PATH_MAX];
	_cleanup_(hk_memory_freep) hk_memory *m = NULL;
	hk_diag diag = {0};

	/* ghw's Go tests: L5640, 2 nodes with 2 huge page sizes each (2M and 1G). */
	/* The alias linux-amd64-intel-xeon-L5640.tar.gz is a file naming this one. */
	snprintf(path, sizeof(path), "%s/ghw/linux-amd64-8581cf3a529e5d8b97ea876eade2f60d.tar.gz",
		 data);
	if (access(path, F_OK) < 0) {
		note("%s: absent, ghw not compared", path);
		return;
	}
	int r = extract(path);
	if (r >= 0)
		r = load_tree(tree, &diag, &m);
	if (r < 0) {
		result(false, "ghw L5640: %s %s", strerror(-r), diag.message);
	} else {
		bool ok = hk_memory_n_hugepages(m) == 2 && hk_memory_n_nodes(m) == 2;
		for (unsigned i = 0; ok && i < hk_memory_n_hugepages(m); i++)
			ok = hk_hugepages_n_nodes(hk_memory_hugepages(m, i)) == 2;
		result(ok && hk_hugepages_size_kib(hk_memory_hugepages(m, 0)) == 2048 &&
			   hk_hugepages_size_kib(hk_memory_hugepages(m, 1)) == 1048576,
		       "ghw L5640: %u huge page sizes, each on both of %u nodes (ghw: 2 per node)",
		       hk_memory_n_hugepages(m), hk_memory_n_nodes(m));
	}

	/* arm64 with 4K pages: 64K, 2M, 32M and 1G, listed only under node0. */
	hk_memory_free(TAKE_PTR(m));
	snprintf(path, sizeof(path), "%s/ghw/linux-arm64-c288e0776090cd558ef793b2a4e61939.tar.gz",
		 data);
	r = extract(path);
	if (r >= 0)
		r = load_tree(tree, &diag, &m);
	if (r < 0) {
		result(false, "ghw arm64: %s %s", strerror(-r), diag.message);
	} else {
		static const uint64_t sizes[] = {64, 2048, 32768, 1048576};
		bool ok = hk_memory_n_hugepages(m) == ELEMENTSOF(sizes);
		for (unsigned i = 0; ok && i < ELEMENTSOF(sizes); i++) {
			const hk_hugepages *h = hk_memory_hugepages(m, i);
			ok = hk_hugepages_size_kib(h) == sizes[i] && hk_hugepages_n_nodes(h) == 1 &&
			     hk_hugepages_node_get(h, 0, HK_HUGEPAGES_TOTAL) == 0;
		}
		const hk_hugepages *def = hk_memory_hugepages_by_size(m, 2048);
		result(ok && def && hk_hugepages_from_meminfo(def) &&
			   hk_hugepages_get(def, HK_HUGEPAGES_TOTAL) == 0 &&
			   hk_memory_n_hugetlbfs(m) == 1 &&
			   hk_hugetlbfs_pagesize_kib(hk_memory_hugetlbfs(m, 0)) == 2048,
		       "ghw arm64: sizes 64K 2M 32M 1G on node 0, the default 2M's pool from "
		       "meminfo, /dev/hugepages pagesize=2M (%u sizes, %u mounts)",
		       hk_memory_n_hugepages(m), hk_memory_n_hugetlbfs(m));
	}
	tree_done();
}

static void check_hwloc(const char *data)
{
	char dir[PATH_MAX], path[PATH_MAX * 2];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	group g = {"hwloc trees: hostkit reads their memory files"};
	unsigned with_meminfo = 0, with_nodes = 0;

	snprintf(dir, sizeof(dir), "%s/hwloc-linux", data);
	d = opendir(dir);
	if (!d) {
		note("%s: absent, hwloc trees not read", dir);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 9 || strcmp(de->d_name + n - 8, ".tar.bz2") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		int r = extract(path);
		if (r < 0) {
			group_item(&g, false, "%s: tar: %s", de->d_name, strerror(-r));
			continue;
		}
		/* The tree is the tarball's one top directory. */
		_cleanup_closedir_ DIR *t = opendir(tree);
		struct dirent *te;
		char top[PATH_MAX * 2] = "";
		while (t && (te = readdir(t)))
			if (te->d_name[0] != '.')
				snprintf(top, sizeof(top), "%s/%s", tree, te->d_name);
		_cleanup_(hk_memory_freep) hk_memory *m = NULL;
		hk_diag diag = {0};
		r = load_tree(top, &diag, &m);
		group_item(&g, r >= 0, "%s: %s: %s", de->d_name, strerror(-r), diag.message);
		if (r >= 0) {
			with_meminfo += hk_memory_meminfo(m) != NULL;
			with_nodes += hk_memory_n_nodes(m) > 0;
		}
	}
	group_end(&g);
	note("hwloc trees: %u with proc/meminfo, %u with NUMA nodes", with_meminfo, with_nodes);
	tree_done();
}

int main(void)
{
	const char *data = getenv("HK_PEER_DATA");

	tool = getenv("HK_TOOL");
	if (!data || !*data)
		SKIP("HK_PEER_DATA is not set (run through meson test)");
	if (access(data, F_OK) < 0)
		SKIP("the peer corpus %s is absent", data);
	if (!tool || !*tool)
		SKIP("HK_TOOL is not set (run through meson test)");

	check_procfs(data);
	check_node_exporter(data);
	check_broken(data);
	if (!harness_in_path("tar")) {
		note("tar is not installed: the ghw and hwloc trees are not read");
	} else {
		check_ghw(data);
		check_hwloc(data);
	}
	tree_done();
	TEST_DONE();
}
