/* SPDX-License-Identifier: MIT */
/*
 * The process subject's peer suite: prometheus/procfs's fixtures
 * (../shared/peer-data/procfs/fixtures), read by `hostkit --root FIXTURES
 * --json inspect process PID` and `inspect processes`, must give the values
 * procfs's own Go tests assert on them (procfs/EXPECTED.md). Each check
 * prints one line, "ok" or "FAIL", with both values.
 *
 * The unpacked tree holds procfs's symlinks as plain files naming their
 * target (proc/self is a file saying "26231"), so proc/self -> 26231 is
 * checked on a copy of proc/26231 beside a real proc/self link.
 *
 */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

static const char *tool;
static char fixtures[PATH_MAX / 2];

static void expect_int(const jv *root, const char *path, int64_t want)
{
	const jv *v = jv_path(root, path);

	if (v && v->type == JV_NUMBER && v->is_int)
		result(v->integer == want, "%s: hostkit %" PRId64 ", procfs %" PRId64, path,
		       v->integer, want);
	else
		result(false, "%s: hostkit has no integer there, procfs %" PRId64, path, want);
}

static void expect_str(const jv *root, const char *path, const char *want)
{
	const jv *v = jv_path(root, path);
	const char *got = v && v->type == JV_STRING ? v->string : NULL;

	result(got && strcmp(got, want) == 0, "%s: hostkit \"%s\", procfs \"%s\"", path,
	       got ? got : "(none)", want);
}

static void expect_null(const jv *root, const char *path)
{
	const jv *v = jv_path(root, path);
	result(v && v->type == JV_NULL, "%s: null (absent from the capture)", path);
}

/* Runs hostkit with @args after --root @root --json; parses its output. */
static jv *run_hostkit(const char *root, const char *const *args, char **ret_text)
{
	char *argv[16];
	unsigned n = 0;
	char *out = NULL, err[160];
	size_t len;
	int status;
	jv *v = NULL;

	argv[n++] = (char *)tool;
	argv[n++] = (char *)"--root";
	argv[n++] = (char *)root;
	argv[n++] = (char *)"--json";
	for (; *args && n < ELEMENTSOF(argv) - 1; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;

	int r = harness_run(argv, &out, &len, &status);
	if (r < 0 || status != 0) {
		result(false, "%s: %s", harness_cmdline(argv),
		       r < 0 ? strerror(-r) : "exited with an error");
		free(out);
		return NULL;
	}
	if (json_parse(out, len, false, &v, NULL, err, sizeof(err)) < 0) {
		result(false, "%s: output is not JSON: %s", harness_cmdline(argv), err);
		free(out);
		return NULL;
	}
	if (ret_text)
		*ret_text = out;
	else
		free(out);
	return v;
}

/* The exit status of hostkit with @args (stdout discarded). */
static int run_status(const char *root, const char *const *args)
{
	char *argv[16];
	unsigned n = 0;

	argv[n++] = (char *)tool;
	argv[n++] = (char *)"--root";
	argv[n++] = (char *)root;
	for (; *args && n < ELEMENTSOF(argv) - 1; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	return harness_run_status(argv);
}

/* The kB totals of @names over every mapping of a smaps text. */
static void sum_smaps(const char *text, const char *const *names, unsigned n, int64_t *sums)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		for (unsigned i = 0; i < n; i++) {
			size_t k = strlen(names[i]);
			if (len > k && memcmp(p, names[i], k) == 0 && p[k] == ':')
				sums[i] += strtoll(p + k + 1, NULL, 10);
		}
		p = nl ? nl + 1 : NULL;
	}
}

static void check_26231(void)
{
	static const char *const args[] = {"inspect", "process", "26231", NULL};
	_cleanup_free_ char *text = NULL;
	char root[PATH_MAX];

	snprintf(root, sizeof(root), "%s", fixtures);
	_cleanup_jv_ jv *doc = run_hostkit(root, args, &text);
	if (!doc)
		return;
	const jv *p = jv_path(doc, "process");

	puts("== proc/26231: stat");
	expect_int(p, "pid", 26231);
	expect_str(p, "stat.comm", "vim");
	expect_str(p, "stat.state", "R");
	expect_int(p, "stat.pid", 26231);
	expect_int(p, "stat.utime", 1677);
	expect_int(p, "stat.stime", 44);
	expect_int(p, "stat.starttime", 82375);
	expect_int(p, "stat.vsize", 56274944);
	expect_int(p, "stat.rss", 1981);
	/* UINT64_MAX does not fit the reader's int64: compare the text. */
	result(text && strstr(text, "\"rsslim\": 18446744073709551615,"),
	       "stat.rsslim: 18446744073709551615 written exactly");
	expect_int(p, "stat.startcode", 4194304);
	expect_int(p, "stat.endcode", 6294284);
	expect_int(p, "stat.startstack", 140736914091744);
	expect_int(p, "stat.delayacct_blkio_ticks", 31);
	expect_int(p, "stat.processor", 0);
	expect_int(p, "stat.rt_priority", 0);
	expect_int(p, "stat.policy", 0);
	expect_int(p, "stat.n_fields", 52);
	/* procfs's CPUTime(): (utime + stime) / USER_HZ = 17.21 s. */
	int64_t ut = 0, st = 0;
	const jv *u = jv_path(p, "stat.utime"), *s = jv_path(p, "stat.stime");
	if (u && s && u->is_int && s->is_int) {
		ut = u->integer;
		st = s->integer;
	}
	result(ut + st == 1721, "CPU time: (utime + stime) = %" PRId64 " ticks = 17.21 s at 100 Hz",
	       ut + st);

	puts("== proc/26231: status");
	expect_str(p, "status.fields.Name", "prometheus");
	expect_int(p, "status.pid", 26231);
	expect_int(p, "status.tgid", 26231);
	expect_int(p, "status.nspid.0", 1);
	result(jv_path(p, "status.nspid") && jv_path(p, "status.nspid")->n == 1,
	       "status.nspid: 1 level");
	static const struct {
		const char *name;
		int64_t kib;
	} kib[] = {
	    {"VmPeak", 58472},	 {"VmSize", 58440}, {"VmLck", 0},      {"VmPin", 0},
	    {"VmHWM", 8028},	 {"VmRSS", 6716},   {"RssAnon", 2092}, {"RssFile", 4624},
	    {"RssShmem", 0},	 {"VmData", 2580},  {"VmStk", 136},    {"VmExe", 948},
	    {"VmLib", 6816},	 {"VmPTE", 128},    {"VmPMD", 12},     {"VmSwap", 660},
	    {"HugetlbPages", 0},
	};
	for (unsigned i = 0; i < ELEMENTSOF(kib); i++) {
		char path[64];
		snprintf(path, sizeof(path), "status.kib.%s", kib[i].name);
		expect_int(p, path, kib[i].kib);
	}
	expect_int(p, "status.voluntary_ctxt_switches", 4742839);
	expect_int(p, "status.nonvoluntary_ctxt_switches", 1727500);
	static const int64_t uids[] = {1000, 1000, 1000, 0}, gids[] = {1001, 1001, 1001, 0};
	for (unsigned i = 0; i < 4; i++) {
		char path[32];
		snprintf(path, sizeof(path), "status.uids.%u", i);
		expect_int(p, path, uids[i]);
		snprintf(path, sizeof(path), "status.gids.%u", i);
		expect_int(p, path, gids[i]);
	}
	expect_str(p, "status.cpus_allowed_list", "0-7");
	expect_str(p, "status.fields.CapPrm", "0000003fffffffff");
	expect_str(p, "status.fields.CapEff", "0000003fffffffff");
	expect_str(p, "status.fields.CapBnd", "0000003fffffffff");
	expect_str(p, "status.fields.CapInh", "0000000000000000");
	expect_str(p, "status.fields.CapAmb", "0000000000000000");

	puts("== proc/26231: smaps_rollup, and the sums of smaps");
	static const char *const names[] = {
	    "Rss",	     "Pss",	   "Shared_Clean", "Shared_Dirty", "Private_Clean",
	    "Private_Dirty", "Referenced", "Anonymous",	   "Swap",	   "SwapPss"};
	static const int64_t want[] = {29948, 29944, 4, 0, 15548, 14396, 24752, 20756, 1940, 1940};
	int64_t sums[ELEMENTSOF(names)] = {0};
	char smaps[PATH_MAX];
	snprintf(smaps, sizeof(smaps), "%s/proc/26231/smaps", fixtures);
	_cleanup_free_ char *smaps_text = NULL;
	size_t smaps_len;
	/* Unreadable, the sums stay 0 and differ from procfs's. */
	(void)harness_read_file(smaps, &smaps_text, &smaps_len);
	sum_smaps(smaps_text, names, ELEMENTSOF(names), sums);
	for (unsigned i = 0; i < ELEMENTSOF(names); i++) {
		char path[64];
		snprintf(path, sizeof(path), "smaps_rollup.kib.%s", names[i]);
		expect_int(p, path, want[i]);
		const jv *v = jv_path(p, path);
		result(smaps_text && v && v->is_int && v->integer == sums[i],
		       "%s: hostkit %" PRId64 ", sum over smaps %" PRId64, path,
		       v && v->is_int ? v->integer : -1, sums[i]);
	}
	expect_str(p, "smaps_rollup.start", "0x400000");
	expect_str(p, "smaps_rollup.end", "0xffffffffff601000");

	puts("== proc/26231: cmdline, environ, what the capture lacks");
	expect_str(p, "cmdline.0", "vim");
	expect_str(p, "cmdline.1", "test.go");
	expect_str(p, "cmdline.2", "+10");
	result(jv_path(p, "cmdline") && jv_path(p, "cmdline")->n == 3, "cmdline: 3 arguments");
	expect_str(p, "environ.0.name", "PATH");
	expect_str(p, "environ.5.name", "HOME");
	expect_str(p, "environ.5.value", "/root");
	result(jv_path(p, "environ") && jv_path(p, "environ")->n == 6, "environ: 6 entries");
	expect_null(p, "oom_score");
	expect_null(p, "cgroups");
	expect_str(p, "unavailable.cgroups", "absent");
}

static void check_stat_quirks(void)
{
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s", fixtures);

	puts("== proc/26232: INT64_MIN and INT64_MAX");
	static const char *const a1[] = {"inspect", "process", "26232", NULL};
	_cleanup_jv_ jv *d1 = run_hostkit(root, a1, NULL);
	if (d1) {
		expect_str(d1, "process.stat.comm", "ata_sff");
		expect_int(d1, "process.stat.cutime", INT64_MIN);
		expect_int(d1, "process.stat.cstime", INT64_MAX);
		/* The file's own pid field says 33. */
		expect_int(d1, "process.stat.pid", 33);
		expect_int(d1, "process.pid", 26232);
	}

	puts("== proc/584: comm with parentheses and blanks, a second line");
	static const char *const a2[] = {"inspect", "process", "584", NULL};
	_cleanup_jv_ jv *d2 = run_hostkit(root, a2, NULL);
	if (d2) {
		expect_str(d2, "process.stat.comm", "(a b ) ( c d) ");
		expect_int(d2, "process.stat.pid", 1020);
		expect_str(d2, "process.stat.state", "R");
		expect_int(d2, "process.stat.ppid", 28378);
		expect_int(d2, "process.stat.n_fields", 52);
	}

	puts("== proc/26235: status separated by spaces, 2-level NSpid");
	static const char *const a3[] = {"inspect", "process", "26235", NULL};
	_cleanup_jv_ jv *d3 = run_hostkit(root, a3, NULL);
	if (d3) {
		expect_str(d3, "process.status.fields.Name", "kube-proxy");
		expect_int(d3, "process.status.nspid.0", 26235);
		expect_int(d3, "process.status.nspid.1", 1);
		expect_int(d3, "process.status.nstgid.1", 1);
		expect_int(d3, "process.status.ppid", 1234);
		expect_int(d3, "process.status.threads", 51);
		expect_int(d3, "process.status.kib.VmRSS", 42652);
		expect_str(d3, "process.status.fields.State", "S (sleeping)");
		expect_null(d3, "process.stat");
		expect_str(d3, "process.unavailable.stat", "absent");
	}

	puts("== proc/27079: threads under task/");
	static const char *const a4[] = {"inspect", "process", "27079", NULL};
	_cleanup_jv_ jv *d4 = run_hostkit(root, a4, NULL);
	if (d4) {
		expect_str(d4, "process.stat.comm", "pthread_load");
		expect_int(d4, "process.stat.num_threads", 5);
		const jv *t = jv_path(d4, "process.threads");
		result(t && t->n == 5, "threads: %zu entries, procfs 5", t ? t->n : 0);
		static const int64_t tids[] = {27079, 27080, 27081, 27082, 27083};
		static const int64_t cpus[] = {2, 0, 5, 1, 4};
		for (unsigned i = 0; i < 5; i++) {
			char path[64];
			snprintf(path, sizeof(path), "process.threads.%u.tid", i);
			expect_int(d4, path, tids[i]);
			snprintf(path, sizeof(path), "process.threads.%u.last_cpu", i);
			expect_int(d4, path, cpus[i]);
			snprintf(path, sizeof(path), "process.threads.%u.comm", i);
			expect_str(d4, path, "pthread_load");
		}
		expect_str(d4, "process.threads.1.state", "R");
	}

	puts("== bad arguments");
	static const char *const bad_pid[] = {"inspect", "process", "x26231", NULL};
	static const char *const no_pid[] = {"inspect", "process", "99999", NULL};
	int st = run_status(root, bad_pid);
	result(st == 2, "inspect process x26231: exit %d, want 2 (usage)", st);
	st = run_status(root, no_pid);
	result(st == 2, "inspect process 99999: exit %d, want 2 (no such process)", st);
}

/* `inspect processes`: the processes whose stat the capture holds. */
static void check_list(void)
{
	static const char *const args[] = {"inspect", "processes", NULL};
	char root[PATH_MAX];

	puts("== inspect processes");
	snprintf(root, sizeof(root), "%s", fixtures);
	_cleanup_jv_ jv *doc = run_hostkit(root, args, NULL);
	if (!doc)
		return;
	const jv *list = jv_path(doc, "processes.processes");
	static const struct {
		int64_t pid;
		const char *comm, *state;
		int64_t ppid, utime, rss, threads, last_cpu;
	} want[] = {
	    {584, "(a b ) ( c d) ", "R", 28378, 0, 155, 1, 5},
	    {26231, "vim", "R", 5392, 1677, 1981, 1, 0},
	    {26232, "ata_sff", "S", 2, 0, 0, 1, INT64_MAX},
	    {27079, "pthread_load", "S", 1, 58125, 138, 5, 2},
	};
	result(list && list->n == ELEMENTSOF(want),
	       "processes: %zu with a stat file, want 4 (26233-26235 have none)",
	       list ? list->n : 0);
	for (unsigned i = 0; i < ELEMENTSOF(want); i++) {
		char path[64];
#define AT(key) (snprintf(path, sizeof(path), "processes.processes.%u." key, i), path)
		expect_int(doc, AT("pid"), want[i].pid);
		expect_str(doc, AT("comm"), want[i].comm);
		expect_str(doc, AT("state"), want[i].state);
		expect_int(doc, AT("ppid"), want[i].ppid);
		expect_int(doc, AT("utime_ticks"), want[i].utime);
		expect_int(doc, AT("rss_pages"), want[i].rss);
		expect_int(doc, AT("threads"), want[i].threads);
		expect_int(doc, AT("last_cpu"), want[i].last_cpu);
#undef AT
	}
	expect_int(doc, "processes.processes.1.start_time_ticks", 82375);
	expect_int(doc, "processes.processes.1.stime_ticks", 44);
	expect_str(doc, "processes.processes.1.policy_name", "other");
}

static char tmp[PATH_MAX / 2];

/* proc/self -> 26231, on a copy with a real link (the unpacked tree has a file there). */
static void check_self(void)
{
	char src[PATH_MAX], dst[PATH_MAX], link[PATH_MAX];

	puts("== proc/self -> 26231");
	int r = harness_mkdtemp("hk-peer-process.XXXXXX", tmp, sizeof(tmp));
	if (r < 0) {
		result(false, "mkdtemp: %s", strerror(-r));
		return;
	}
	snprintf(dst, sizeof(dst), "%s/proc", tmp);
	snprintf(src, sizeof(src), "%s/proc/26231", fixtures);
	mkdir(dst, 0755);
	char *cp[] = {(char *)"cp", (char *)"-R", src, dst, NULL};
	r = harness_run_status(cp);
	snprintf(link, sizeof(link), "%s/proc/self", tmp);
	if (r != 0 || symlink("26231", link) < 0) {
		result(false, "cannot copy proc/26231 into %s", tmp);
	} else {
		static const char *const args[] = {"inspect", "process", "self", NULL};
		_cleanup_jv_ jv *doc = run_hostkit(tmp, args, NULL);
		if (doc) {
			expect_int(doc, "process.pid", 26231);
			expect_str(doc, "process.stat.comm", "vim");
			expect_str(doc, "process.status.fields.Name", "prometheus");
		}
	}
	(void)harness_remove_tree(tmp);
}

int main(void)
{
	const char *peer = getenv("HK_PEER_DATA");
	struct stat st;

	tool = getenv("HK_TOOL");
	if (!tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	if (!peer)
		SKIP("HK_PEER_DATA is not set (run through meson test)");
	snprintf(fixtures, sizeof(fixtures), "%s/procfs/fixtures", peer);
	if (stat(fixtures, &st) < 0 || !S_ISDIR(st.st_mode))
		SKIP("no peer data at %s (procfs fixtures)", fixtures);

	check_26231();
	check_stat_quirks();
	check_list();
	check_self();
	TEST_DONE();
}
