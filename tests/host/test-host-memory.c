/* SPDX-License-Identifier: MIT */
/*
 * host suite: on this machine, `hostkit --json inspect memory` agrees with
 * free(1) (procps), with /proc/meminfo and the other files read here by the
 * test itself, and with sysfs. Read only.
 *
 * Memory moves between two reads, so values are compared the way they can
 * be: totals (MemTotal, SwapTotal, the huge page pools, zone spans, node
 * sizes, sysctls) exactly; free, used, available, shared and buff/cache
 * within a tolerance. A round that does not agree is run again (up to
 * ROUNDS times, the tools and files read afresh) before a difference counts.
 *
 * free's "used" is MemTotal - MemAvailable since procps-ng 4.0, and
 * MemTotal - MemFree - Buffers - Cached - SReclaimable before; which one this
 * free uses is read from its own columns.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

#define ROUNDS 5

/* ---- Reporting: results are gathered per round, printed for the last ---- */

static char report[65536];
static size_t report_len;
static int round_failures;

/* test.h's result(), into the round's report and failure count. */
static void round_result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void round_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (report_len < sizeof(report) - 1)
		report_len += (size_t)snprintf(report + report_len, sizeof(report) - report_len,
					       "%-5s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	if (report_len < sizeof(report) - 1)
		report_len +=
		    (size_t)vsnprintf(report + report_len, sizeof(report) - report_len, fmt, ap);
	va_end(ap);
	if (report_len < sizeof(report) - 1)
		report[report_len++] = '\n';
	report[MIN(report_len, sizeof(report) - 1)] = 0;
	if (!ok)
		round_failures++;
}

static void cmp_exact(const char *what, int64_t hostkit, int64_t other, const char *other_name)
{
	round_result(hostkit == other, "%s: hostkit %" PRId64 " %s %s %" PRId64, what, hostkit,
		     hostkit == other ? "==" : "!=", other_name, other);
}

/* Within 1% of @scale plus 16 MiB: what moves in the instant between two reads. */
static void cmp_close(const char *what, int64_t hostkit, int64_t other, const char *other_name,
		      int64_t scale_kib)
{
	int64_t tol = scale_kib / 100 + 16 * 1024;
	int64_t d = hostkit > other ? hostkit - other : other - hostkit;
	round_result(hostkit >= 0 && other >= 0 && d <= tol,
		     "%s: hostkit %" PRId64 " kB, %s %" PRId64 " kB (differ by %" PRId64
		     ", tolerance %" PRId64 ")",
		     what, hostkit, other_name, other, d, tol);
}

/* ---- The test's own readers ---- */

static int64_t read_number(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int64_t v;

	if (harness_read_file(path, &buf, &len) < 0)
		return -1;
	const char *p = buf;
	hk_trim(&p, &len);
	return hk_parse_s64(p, len, &v) < 0 ? -1 : v;
}

/* /proc/meminfo as the test reads it: names in order and values. */
struct meminfo {
	unsigned n;
	char name[128][64];
	int64_t value[128];
};

static int read_meminfo(const char *path, const char *prefix, struct meminfo *mi)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = harness_read_file(path, &buf, &len);
	if (r < 0)
		return r;
	mi->n = 0;
	for (char *line = buf, *nl; line && *line && mi->n < 128; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (prefix && strncmp(line, prefix, strlen(prefix)) == 0)
			line += strlen(prefix);
		char *colon = strchr(line, ':');
		if (!colon || (size_t)(colon - line) >= sizeof(mi->name[0]))
			return -EINVAL;
		memcpy(mi->name[mi->n], line, (size_t)(colon - line));
		mi->name[mi->n][colon - line] = 0;
		mi->value[mi->n++] = strtoll(colon + 1, NULL, 10);
	}
	return 0;
}

static int64_t mi_get(const struct meminfo *mi, const char *name)
{
	for (unsigned i = 0; i < mi->n; i++)
		if (strcmp(mi->name[i], name) == 0)
			return mi->value[i];
	return -1;
}

/* free -k's "Mem:" and "Swap:" rows. */
struct free_out {
	int64_t total, used, free, shared, buffcache, available;
	int64_t swap_total, swap_used, swap_free;
};

static int run_free(struct free_out *f)
{
	char *const argv[] = {(char *)"free", (char *)"-k", NULL};
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	int r = harness_run(argv, &out, &len, &status);
	if (r < 0)
		return r;
	if (status != 0)
		return -EIO;
	char *mem = strstr(out, "\nMem:"), *swap = strstr(out, "\nSwap:");
	if (!mem || !swap)
		return -EINVAL;
	long long v[6], s[3];
	if (sscanf(mem, "\nMem: %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5]) != 6 ||
	    sscanf(swap, "\nSwap: %lld %lld %lld", &s[0], &s[1], &s[2]) != 3)
		return -EINVAL;
	*f = (struct free_out){v[0], v[1], v[2], v[3], v[4], v[5], s[0], s[1], s[2]};
	return 0;
}

/* ---- hostkit ---- */

static const char *tool;

static int run_hostkit(jv **ret)
{
	char *const argv[] = {(char *)tool, (char *)"--json", (char *)"inspect", (char *)"memory",
			      NULL};
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;
	char err[128];

	int r = harness_run(argv, &out, &len, &status);
	if (r < 0)
		return r;
	if (status != 0)
		return -EIO;
	r = json_parse(out, len, false, ret, NULL, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "hostkit's JSON: %s\n", err);
	return r;
}

static int64_t num(const jv *obj, const char *key)
{
	int64_t v;
	return jv_get_int(obj, key, &v) < 0 ? -1 : v;
}

/* ---- One round of comparisons ---- */

static void check_meminfo(const jv *mem, const struct meminfo *mi, const struct free_out *f)
{
	const jv *h = jv_get(mem, "meminfo");
	const jv *counts = jv_get(mem, "meminfo_counts");

	if (!h || h->type != JV_OBJECT)
		return round_result(false, "hostkit JSON: no meminfo object");
	bool same = h->n == mi->n;
	for (unsigned i = 0; same && i < mi->n; i++)
		same = strcmp(h->keys[i], mi->name[i]) == 0;
	round_result(same, "/proc/meminfo: the same %u field names in the same order (hostkit %zu)",
		     mi->n, h->n);
	bool units = true;
	for (size_t i = 0; counts && i < counts->n; i++)
		units = units && strncmp(counts->items[i]->string, "HugePages_", 10) == 0;
	round_result(units && counts && counts->n >= 4,
		     "/proc/meminfo: the fields without kB are the HugePages_* counts (%zu)",
		     counts ? counts->n : 0);

	/* Totals: exact. */
	static const char *const exact[] = {"MemTotal",	       "SwapTotal",    "VmallocTotal",
					    "HugePages_Total", "Hugepagesize", "CommitLimit"};
	char what[96];
	for (unsigned i = 0; i < ELEMENTSOF(exact); i++) {
		if (mi_get(mi, exact[i]) < 0)
			continue;
		snprintf(what, sizeof(what), "/proc/meminfo %s", exact[i]);
		cmp_exact(what, num(h, exact[i]), mi_get(mi, exact[i]), "file");
	}
	int64_t total = num(h, "MemTotal");
	cmp_close("/proc/meminfo MemFree", num(h, "MemFree"), mi_get(mi, "MemFree"), "file", total);

	/* free -k */
	int64_t hfree = num(h, "MemFree"), avail = num(h, "MemAvailable");
	int64_t buffcache = num(h, "Buffers") + num(h, "Cached") + num(h, "SReclaimable");
	cmp_exact("free -k Mem total", total, f->total, "free");
	cmp_exact("free -k Swap total", num(h, "SwapTotal"), f->swap_total, "free");
	cmp_close("free -k Mem free", hfree, f->free, "free", total);
	cmp_close("free -k Mem shared (Shmem)", num(h, "Shmem"), f->shared, "free", total);
	cmp_close("free -k Mem buff/cache (Buffers + Cached + SReclaimable)", buffcache,
		  f->buffcache, "free", total);
	if (avail >= 0)
		cmp_close("free -k Mem available", avail, f->available, "free", total);
	cmp_close("free -k Swap free", num(h, "SwapFree"), f->swap_free, "free", total);
	bool v4 = f->used == f->total - f->available;
	int64_t used = v4 ? total - avail : total - hfree - buffcache;
	snprintf(what, sizeof(what), "free -k Mem used (%s)",
		 v4 ? "MemTotal - MemAvailable, procps 4" : "total - free - buff/cache, procps 3");
	cmp_close(what, used, f->used, "free", total);
}

static void check_hugepages(const jv *mem, const struct meminfo *mi)
{
	const jv *sizes = jv_get(mem, "hugepages");
	_cleanup_closedir_ DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	unsigned seen = 0;
	char path[512], what[600];

	cmp_exact("default_hugepage_kib vs meminfo Hugepagesize", num(mem, "default_hugepage_kib"),
		  mi_get(mi, "Hugepagesize"), "meminfo");
	if (!d) {
		round_result(true, "/sys/kernel/mm/hugepages: absent (%s)", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		uint64_t kib;
		if (sscanf(de->d_name, "hugepages-%" SCNu64 "kB", &kib) != 1)
			continue;
		seen++;
		const jv *e = NULL;
		for (size_t i = 0; sizes && i < sizes->n; i++)
			if (num(sizes->items[i], "size_kib") == (int64_t)kib)
				e = sizes->items[i];
		if (!e) {
			round_result(false, "/sys/kernel/mm/hugepages/%s: hostkit has no such size",
				     de->d_name);
			continue;
		}
		static const char *const files[][2] = {{"nr_hugepages", "total"},
						       {"free_hugepages", "free"},
						       {"resv_hugepages", "reserved"},
						       {"surplus_hugepages", "surplus"},
						       {"nr_overcommit_hugepages", "overcommit"}};
		for (unsigned k = 0; k < ELEMENTSOF(files); k++) {
			snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/%s", de->d_name,
				 files[k][0]);
			snprintf(what, sizeof(what), "%s (\"%s\")", path, files[k][1]);
			cmp_exact(what, num(e, files[k][1]), read_number(path), "sysfs");
		}
		const jv *nodes = jv_get(e, "nodes");
		for (size_t n = 0; nodes && n < nodes->n; n++) {
			int64_t id = num(nodes->items[n], "node");
			snprintf(path, sizeof(path),
				 "/sys/devices/system/node/node%" PRId64
				 "/hugepages/%s/nr_hugepages",
				 id, de->d_name);
			cmp_exact(path, num(nodes->items[n], "total"), read_number(path), "sysfs");
		}
	}
	cmp_exact("/sys/kernel/mm/hugepages sizes", sizes ? (int64_t)sizes->n : -1, seen,
		  "directories");
}

/* The [selected] word of a THP file, into @out. */
static bool thp_selected(const char *path, char *out, size_t size)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (harness_read_file(path, &buf, &len) < 0)
		return false;
	char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;
	if (!b || (size_t)(b - a) > size)
		return false;
	snprintf(out, size, "%.*s", (int)(b - a - 1), a + 1);
	return true;
}

static void check_thp(const jv *mem)
{
	const jv *thp = jv_get(mem, "thp");
	static const char *const knobs[] = {"enabled", "defrag", "shmem_enabled"};
	char path[256], want[64];

	if (access("/sys/kernel/mm/transparent_hugepage", F_OK) < 0) {
		round_result(thp && thp->type == JV_NULL,
			     "THP: no sysfs directory, hostkit thp null");
		return;
	}
	for (unsigned k = 0; k < ELEMENTSOF(knobs); k++) {
		snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", knobs[k]);
		if (!thp_selected(path, want, sizeof(want)))
			continue;
		const char *got = jv_get_str(jv_get(thp, knobs[k]), "selected");
		round_result(got && strcmp(got, want) == 0, "%s: hostkit \"%s\", file [%s]", path,
			     got ? got : "(none)", want);
	}
	static const char *const values[][2] = {
	    {"use_zero_page", NULL},
	    {"hpage_pmd_size", NULL},
	    {"khugepaged/pages_to_scan", "pages_to_scan"},
	    {"khugepaged/max_ptes_none", "max_ptes_none"},
	    {"khugepaged/scan_sleep_millisecs", "scan_sleep_millisecs"},
	};
	for (unsigned i = 0; i < ELEMENTSOF(values); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s",
			 values[i][0]);
		int64_t v = values[i][1] ? num(jv_get(thp, "khugepaged"), values[i][1])
					 : num(thp, values[i][0]);
		if (access(path, F_OK) == 0)
			cmp_exact(path, v, read_number(path), "file");
	}
}

static void check_zones(const jv *mem)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	unsigned buddy_rows = 0, zones = 0, orders = 0;
	char what[256];

	if (harness_read_file("/proc/buddyinfo", &buf, &len) >= 0) {
		for (char *line = buf; (line = strstr(line, "Node ")); line++) {
			if (buddy_rows++ == 0) {
				char *nl = strchr(line, '\n'), *p = strstr(line, "zone");
				p = p ? p + 4 : line;
				while (*p == ' ')
					p++;
				while (*p && *p != ' ')
					p++;
				for (; p < nl; p++)
					orders += p[0] == ' ' && p[1] >= '0' && p[1] <= '9';
			}
		}
		const jv *b = jv_get(mem, "buddyinfo");
		cmp_exact("/proc/buddyinfo rows", b ? (int64_t)b->n : -1, buddy_rows, "file");
		const jv *first = b && b->n ? jv_get(b->items[0], "free") : NULL;
		cmp_exact("/proc/buddyinfo orders", first ? (int64_t)first->n : -1, orders, "file");
	}

	free(buf);
	buf = NULL;
	if (harness_read_file("/proc/zoneinfo", &buf, &len) < 0)
		return;
	const jv *zi = jv_get(mem, "zoneinfo");
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned node;
		char zone[32];
		if (sscanf(line, "Node %u, zone %31s", &node, zone) == 2) {
			const jv *z = zi && zones < zi->n ? zi->items[zones] : NULL;
			const char *hz = jv_get_str(z, "zone");
			round_result(z && num(z, "node") == node && hz && strcmp(hz, zone) == 0,
				     "/proc/zoneinfo zone %u: node %u %s, hostkit node %" PRId64
				     " %s",
				     zones, node, zone, num(z, "node"), hz ? hz : "(none)");
			zones++;
		}
		const char *p = line;
		while (*p == ' ')
			p++;
		int64_t v;
		if (zones > 0 && zi && zones <= zi->n &&
		    (sscanf(p, "spanned %" SCNd64, &v) == 1 ||
		     sscanf(p, "present %" SCNd64, &v) == 1)) {
			const char *key = p[0] == 's' ? "spanned" : "present";
			snprintf(what, sizeof(what), "/proc/zoneinfo zone %u %s", zones - 1, key);
			cmp_exact(what, num(zi->items[zones - 1], key), v, "file");
		}
		line = nl ? nl + 1 : NULL;
	}
	cmp_exact("/proc/zoneinfo zones", zi ? (int64_t)zi->n : -1, zones, "file");
}

static void check_nodes(const jv *mem)
{
	const jv *nodes = jv_get(mem, "nodes");
	_cleanup_closedir_ DIR *d = opendir("/sys/devices/system/node");
	struct dirent *de;
	unsigned seen = 0;
	char path[512];

	if (!d) {
		round_result(nodes && nodes->n == 0,
			     "/sys/devices/system/node absent, hostkit no nodes");
		return;
	}
	while ((de = readdir(d))) {
		unsigned id;
		if (sscanf(de->d_name, "node%u", &id) != 1)
			continue;
		seen++;
		const jv *n = NULL;
		for (size_t i = 0; nodes && i < nodes->n; i++)
			if (num(nodes->items[i], "node") == id)
				n = nodes->items[i];
		struct meminfo mi;
		char prefix[32];
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/meminfo", de->d_name);
		snprintf(prefix, sizeof(prefix), "Node %u ", id);
		if (read_meminfo(path, prefix, &mi) < 0) {
			round_result(false, "%s: unreadable by the test", path);
			continue;
		}
		const jv *h = jv_get(n, "meminfo");
		bool same = h && h->type == JV_OBJECT && h->n == mi.n;
		for (unsigned i = 0; same && i < mi.n; i++)
			same = strcmp(h->keys[i], mi.name[i]) == 0;
		round_result(same, "%s: the same %u fields in the same order", path, mi.n);
		cmp_exact(path, num(h, "MemTotal"), mi_get(&mi, "MemTotal"), "file (MemTotal)");
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/numastat", de->d_name);
		const jv *ns = jv_get(n, "numastat");
		round_result(access(path, F_OK) < 0 || (ns && ns->type == JV_OBJECT && ns->n >= 6),
			     "%s: hostkit has its %zu counters", path, ns ? ns->n : 0);
	}
	cmp_exact("/sys/devices/system/node/node*", nodes ? (int64_t)nodes->n : -1, seen,
		  "directories");
}

static void check_overcommit(const jv *mem)
{
	const jv *oc = jv_get(mem, "overcommit");

	cmp_exact("/proc/sys/vm/overcommit_memory", num(oc, "memory"),
		  read_number("/proc/sys/vm/overcommit_memory"), "file");
	cmp_exact("/proc/sys/vm/overcommit_ratio", num(oc, "ratio"),
		  read_number("/proc/sys/vm/overcommit_ratio"), "file");
	cmp_exact("/proc/sys/vm/overcommit_kbytes", num(oc, "kbytes"),
		  read_number("/proc/sys/vm/overcommit_kbytes"), "file");
	const jv *ex = jv_get(oc, "exceeded");
	bool exceeded = num(oc, "committed_as_kib") > num(oc, "commit_limit_kib");
	round_result(ex && ex->type == JV_BOOL && ex->boolean == exceeded,
		     "overcommit.exceeded is Committed_AS > CommitLimit");
}

static void check_mounts(const jv *mem)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int64_t n = 0;

	if (harness_read_file("/proc/self/mounts", &buf, &len) < 0)
		return;
	for (char *p = buf; (p = strstr(p, " hugetlbfs ")); p++)
		n++;
	const jv *m = jv_get(mem, "hugetlbfs");
	cmp_exact("/proc/self/mounts hugetlbfs mounts", m ? (int64_t)m->n : -1, n, "file");
}

/* One round; returns the failures. */
static int run_round(void)
{
	_cleanup_jv_ jv *doc = NULL;
	struct meminfo mi;
	struct free_out f;
	int r;

	report_len = 0;
	report[0] = 0;
	round_failures = 0;
	r = run_hostkit(&doc);
	if (r < 0) {
		round_result(false, "%s --json inspect memory: %s", tool, strerror(-r));
		return round_failures;
	}
	const jv *mem = jv_get(doc, "memory");
	round_result(mem && mem->type == JV_OBJECT,
		     "hostkit --json inspect memory: a \"memory\" object");
	if (!mem)
		return round_failures;
	if ((r = read_meminfo("/proc/meminfo", NULL, &mi)) < 0) {
		round_result(false, "/proc/meminfo: %s", strerror(-r));
		return round_failures;
	}
	if ((r = run_free(&f)) < 0) {
		round_result(false, "free -k: %s", strerror(-r));
		return round_failures;
	}
	check_meminfo(mem, &mi, &f);
	check_hugepages(mem, &mi);
	check_thp(mem);
	check_zones(mem);
	check_nodes(mem);
	check_overcommit(mem);
	check_mounts(mem);
	return round_failures;
}

/* `hostkit inspect memory` (text) exits 0 and shows each block. */
static void check_text(void)
{
	char *const argv[] = {(char *)tool, (char *)"inspect", (char *)"memory", NULL};
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	int r = harness_run(argv, &out, &len, &status);
	bool ok = r >= 0 && status == 0 && strstr(out, "Memory (proc/meminfo)") &&
		  strstr(out, "\nOvercommit") && strstr(out, "\nHuge pages") &&
		  strstr(out, "\nTransparent huge pages");
	result(ok, "%s inspect memory: text with its blocks", tool);
}

int main(void)
{
	tool = getenv("HK_TOOL");
	if (!tool || !*tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	if (!harness_in_path("free"))
		SKIP("free is not installed (procps)");
	if (access("/proc/meminfo", R_OK) < 0)
		SKIP("/proc/meminfo is not readable");

	int failures = 0;
	for (unsigned round = 1; round <= ROUNDS; round++) {
		failures = run_round();
		if (failures == 0) {
			printf("round %u: all agree\n", round);
			break;
		}
		printf("round %u: %d difference(s), reading again\n", round, failures);
	}
	fputs(report, stdout);
	test_failures += failures;
	check_text();
	TEST_DONE();
}
