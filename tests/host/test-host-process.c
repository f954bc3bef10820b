/* SPDX-License-Identifier: MIT */
/*
 * host suite: on this machine, `hostkit --json inspect processes` agrees
 * with `ps -eo pid,ppid,stat,psr,rss,comm` (procps), and `hostkit --json
 * inspect process PID` of this very test agrees with getpid(), getppid(),
 * sched_getcpu() and its other own views of itself. Read only: the test
 * changes nothing but its own CPU affinity (pinned to the CPU it runs on, so
 * that the CPU it last ran on is known).
 *
 * Processes come and go between the two snapshots, so the comparison is over
 * the PIDs both saw. ppid and comm do not move and must match, unless the
 * process was reparented or exec'd in between (checked against a fresh read
 * of /proc/PID/stat); state, last CPU and RSS move and are compared loosely,
 * as shares of agreement.
 */
#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <hostkit/process.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

extern char **environ;

static const char *tool;

static int64_t jint(const jv *v, const char *path, int64_t fallback)
{
	const jv *m = jv_path(v, path);
	return m && m->type == JV_NUMBER && m->is_int ? m->integer : fallback;
}

static const char *jstr(const jv *v, const char *path)
{
	const jv *m = jv_path(v, path);
	return m && m->type == JV_STRING ? m->string : NULL;
}

static void expect_int(const char *what, int64_t got, int64_t want)
{
	result(got == want, "%s: hostkit %" PRId64 ", expected %" PRId64, what, got, want);
}

/* hostkit --json with @args in @argv of @n (NULL-terminated, the rest dropped). */
static void hostkit_argv(const char *const *args, char **argv, size_t n)
{
	size_t i = 0;

	argv[i++] = (char *)tool;
	argv[i++] = (char *)"--json";
	for (; *args && i < n - 1; args++)
		argv[i++] = (char *)*args;
	argv[i] = NULL;
}

/* Runs hostkit --json with @args as a check; parses its output (NULL on failure). */
static jv *run_hostkit_json(const char *const *args)
{
	char *argv[16];
	jv *v = NULL;

	hostkit_argv(args, argv, ELEMENTSOF(argv));
	return json_run(argv, NULL, JV_NULL, &v, NULL) < 0 ? NULL : v;
}

/* The exit status of hostkit --json with @args (stdout dropped), or -errno. */
static int run_hostkit_status(const char *const *args)
{
	char *argv[16];

	hostkit_argv(args, argv, ELEMENTSOF(argv));
	return harness_run_status(argv);
}

/* ---- hostkit's list against ps ---- */

typedef struct ps_row {
	int pid, ppid, psr;
	uint64_t rss;
	char stat[16];
	char comm[128];
} ps_row;

/* Parses `ps -eo pid,ppid,stat,psr,rss,comm` output (header first). */
static size_t parse_ps(char *text, ps_row **ret)
{
	size_t cap = 1024, n = 0;
	ps_row *rows = calloc(cap, sizeof(*rows));
	char *save = NULL;

	if (!rows)
		return 0;
	strtok_r(text, "\n", &save); /* the header */
	for (char *line; (line = strtok_r(NULL, "\n", &save));) {
		ps_row r = {0};
		int off = 0;
		char psr[16];
		if (sscanf(line, "%d %d %15s %15s %" SCNu64 " %n", &r.pid, &r.ppid, r.stat, psr,
			   &r.rss, &off) < 5)
			continue;
		r.psr = strcmp(psr, "-") == 0 ? -1 : atoi(psr);
		snprintf(r.comm, sizeof(r.comm), "%s", line + off);
		if (n == cap) {
			cap *= 2;
			ps_row *nr = reallocarray(rows, cap, sizeof(*rows));
			if (!nr)
				break;
			rows = nr;
		}
		rows[n++] = r;
	}
	*ret = rows;
	return n;
}

static const ps_row *find_ps(const ps_row *rows, size_t n, int pid)
{
	for (size_t lo = 0, hi = n; lo < hi;) {
		size_t mid = (lo + hi) / 2;
		if (rows[mid].pid == pid)
			return &rows[mid];
		if (rows[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ps sorts by PID too, but be safe. */
	for (size_t i = 0; i < n; i++)
		if (rows[i].pid == pid)
			return &rows[i];
	return NULL;
}

/* comm as ps shows it: control bytes as '?'. */
static void ps_comm(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; *in && i + 1 < size; in++)
		out[i++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? '?' : *in;
	out[i] = 0;
}

/* The process's ppid and comm now, from its stat; false when it is gone. */
static bool fresh_stat(int pid, int64_t *ret_ppid, char *comm, size_t size)
{
	hk_root *root = NULL;
	hk_proc_stat *s = NULL;
	bool ok = false;

	if (hk_root_open("/", 0, NULL, &root) < 0)
		return false;
	if (hk_proc_stat_load(root, pid, 0, NULL, &s) >= 0) {
		hk_proc_stat_get_s64(s, HK_STAT_PPID, ret_ppid);
		snprintf(comm, size, "%s", hk_proc_stat_comm(s));
		ok = true;
	}
	hk_proc_stat_free(s);
	hk_root_free(root);
	return ok;
}

/* The STAT letters that do not move while a process lives: <, N and s. */
static void stable_flags(const char *stat, char *out)
{
	size_t n = 0;
	for (const char *c = stat + 1; *c; c++)
		if (*c == '<' || *c == 'N' || *c == 's')
			out[n++] = *c;
	out[n] = 0;
}

static void check_list_against_ps(void)
{
	static const char *const args[] = {"inspect", "processes", NULL};
	char *ps_argv[] = {(char *)"ps", (char *)"-eo", (char *)"pid,ppid,stat,psr,rss,comm", NULL};
	_cleanup_free_ char *ps_out = NULL;
	_cleanup_free_ ps_row *rows = NULL;
	size_t len;
	int status;

	puts("== inspect processes against ps -eo pid,ppid,stat,psr,rss,comm");
	if (!harness_in_path("ps")) {
		note("ps (procps) is not installed: list comparison skipped");
		return;
	}
	/* Back to back, so that as few processes as possible come or go in between. */
	_cleanup_jv_ jv *doc = run_hostkit_json(args);
	int r = harness_run(ps_argv, &ps_out, &len, &status);
	if (!doc)
		return;
	if (r < 0 || status != 0) {
		result(false, "ps failed: %s", r < 0 ? strerror(-r) : "exit status");
		return;
	}
	size_t n_ps = parse_ps(ps_out, &rows);
	const jv *list = jv_path(doc, "processes.processes");
	size_t n_hk = list ? list->n : 0;
	result(n_hk > 0 && n_ps > 0, "hostkit lists %zu processes, ps %zu", n_hk, n_ps);

	long page = sysconf(_SC_PAGESIZE);
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned both = 0, ppid_bad = 0, comm_bad = 0, moved = 0, flags_bad = 0;
	unsigned state_same = 0, psr_same = 0, psr_invalid = 0, rss_close = 0;
	int prev_pid = 0;
	bool sorted = true;

	for (size_t i = 0; i < n_hk; i++) {
		const jv *p = list->items[i];
		int pid = (int)jint(p, "pid", -1);
		if (pid <= prev_pid)
			sorted = false;
		prev_pid = pid;
		int64_t cpu = jint(p, "last_cpu", -1);
		if (cpu < 0 || cpu >= ncpu) {
			if (psr_invalid++ < 5)
				printf("  FAIL  pid %d: last_cpu %" PRId64 " is no CPU of 0..%ld\n",
				       pid, cpu, ncpu - 1);
		}
		const ps_row *row = find_ps(rows, n_ps, pid);
		if (!row)
			continue;
		both++;

		int64_t ppid = jint(p, "ppid", -1);
		const char *comm = jstr(p, "comm");
		char shown[128];
		ps_comm(comm ? comm : "", shown, sizeof(shown));
		bool ppid_ok = ppid == row->ppid, comm_ok = strcmp(shown, row->comm) == 0;
		if (!ppid_ok || !comm_ok) {
			/* Reparented or exec'd between the reads: then it differs from one now. */
			int64_t now_ppid = -1;
			char now_comm[128] = "";
			if (!fresh_stat(pid, &now_ppid, now_comm, sizeof(now_comm)) ||
			    now_ppid != row->ppid || now_ppid != ppid ||
			    strcmp(now_comm, comm ? comm : "") != 0) {
				moved++;
				continue;
			}
			if (!ppid_ok && ppid_bad++ < 10)
				printf("  FAIL  pid %d: ppid hostkit %" PRId64 ", ps %d\n", pid,
				       ppid, row->ppid);
			if (!comm_ok && comm_bad++ < 10)
				printf("  FAIL  pid %d: comm hostkit \"%s\", ps \"%s\"\n", pid,
				       shown, row->comm);
		}

		const char *st = jstr(p, "state");
		state_same += st && st[0] == row->stat[0];
		/* hostkit's text view computes ps's STAT; the stable flags must agree. */
		char a[8], b[8], hk_stat[16];
		int64_t nice = jint(p, "nice", 0);
		snprintf(hk_stat, sizeof(hk_stat), "%c%s%s", st ? st[0] : '?',
			 nice < 0   ? "<"
			 : nice > 0 ? "N"
				    : "",
			 jint(p, "session", -1) == pid ? "s" : "");
		stable_flags(hk_stat, a);
		stable_flags(row->stat, b);
		if (strcmp(a, b) != 0 && flags_bad++ < 10)
			printf("  FAIL  pid %d: STAT flags hostkit \"%s\", ps \"%s\"\n", pid,
			       hk_stat, row->stat);

		psr_same += cpu == row->psr;
		uint64_t kib = (uint64_t)jint(p, "rss_pages", 0) * (uint64_t)page / 1024;
		uint64_t diff = kib > row->rss ? kib - row->rss : row->rss - kib;
		rss_close += diff <= 1024 || diff * 10 <= row->rss;
	}

	result(sorted, "hostkit's list is in PID order");
	result(both * 10 >= MIN(n_hk, n_ps) * 9, "%u PIDs in both snapshots (hostkit %zu, ps %zu)",
	       both, n_hk, n_ps);
	result(ppid_bad == 0, "ppid: %u compared, %u differ (%u moved between the reads)", both,
	       ppid_bad, moved);
	result(comm_bad == 0, "comm: %u compared, %u differ", both, comm_bad);
	result(flags_bad == 0, "STAT flags <, N, s: %u compared, %u differ", both, flags_bad);
	result(psr_invalid == 0, "last_cpu: every one a CPU of 0..%ld (%u are not)", ncpu - 1,
	       psr_invalid);
	result(state_same * 2 >= both, "state letter: %u of %u the same (loose: at least half)",
	       state_same, both);
	result(psr_same * 2 >= both, "PSR: %u of %u the same (loose: at least half)", psr_same,
	       both);
	result(rss_close * 10 >= both * 9,
	       "RSS: %u of %u within 1 MiB or 10%% (loose: at least 90%%)", rss_close, both);
}

/* ---- this very process ---- */

static char *read_text(const char *path, size_t *ret_len)
{
	hk_root *root = NULL;
	char *buf = NULL;

	if (hk_root_open("/", 0, NULL, &root) >= 0 && hk_root_read(root, path, &buf, ret_len) < 0)
		buf = NULL;
	hk_root_free(root);
	return buf;
}

static void check_self(char **argv)
{
	char pid_arg[16];
	int cpu = sched_getcpu();
	cpu_set_t set;

	puts("== inspect process <this test>");
	/* Pinned where it runs, so the CPU it last ran on is that one. */
	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	bool pinned = cpu >= 0 && sched_setaffinity(0, sizeof(set), &set) == 0;
	if (pinned)
		cpu = sched_getcpu();
	else
		note("cannot pin to CPU %d: last CPU compared loosely", cpu);

	snprintf(pid_arg, sizeof(pid_arg), "%d", getpid());
	const char *args[] = {"inspect", "process", pid_arg, NULL};
	_cleanup_jv_ jv *doc = run_hostkit_json(args);
	if (!doc)
		return;
	const jv *p = jv_path(doc, "process");

	expect_int("pid", jint(p, "pid", -1), getpid());
	expect_int("stat.pid", jint(p, "stat.pid", -1), getpid());
	expect_int("stat.ppid", jint(p, "stat.ppid", -1), getppid());
	expect_int("status.pid", jint(p, "status.pid", -1), getpid());
	expect_int("status.tgid", jint(p, "status.tgid", -1), getpid());
	expect_int("status.ppid", jint(p, "status.ppid", -1), getppid());
	expect_int("status.uids.0", jint(p, "status.uids.0", -1), getuid());
	expect_int("status.gids.1", jint(p, "status.gids.1", -1), getegid());
	if (pinned) {
		expect_int("stat.processor (last CPU) against sched_getcpu()",
			   jint(p, "stat.processor", -1), cpu);
		char want[16];
		snprintf(want, sizeof(want), "%d", cpu);
		const char *allowed = jstr(p, "status.cpus_allowed_list");
		result(allowed && strcmp(allowed, want) == 0,
		       "status.cpus_allowed_list: hostkit \"%s\", pinned to \"%s\"",
		       allowed ? allowed : "(none)", want);
	} else {
		int64_t c = jint(p, "stat.processor", -1);
		result(c >= 0 && c < sysconf(_SC_NPROCESSORS_CONF), "stat.processor %" PRId64, c);
	}
	expect_int("stat.nice against getpriority()", jint(p, "stat.nice", 99),
		   getpriority(PRIO_PROCESS, 0));
	expect_int("stat.policy against sched_getscheduler()", jint(p, "stat.policy", -1),
		   sched_getscheduler(0));
	expect_int("stat.num_threads", jint(p, "stat.num_threads", -1), 1);
	expect_int("stat.n_fields", jint(p, "stat.n_fields", -1), 52);
	const char *state = jstr(p, "stat.state");
	/* hostkit reads the test while the test waits for it. */
	result(state && (state[0] == 'S' || state[0] == 'R'), "stat.state \"%s\" (S or R)",
	       state ? state : "(none)");
	const jv *threads = jv_path(p, "threads");
	result(threads && threads->n == 1 && jint(threads, "0.tid", -1) == getpid(),
	       "threads: one, TID %d", getpid());

	const char *arg0 = jstr(p, "cmdline.0");
	result(arg0 && strcmp(arg0, argv[0]) == 0, "cmdline.0: hostkit \"%s\", argv[0] \"%s\"",
	       arg0 ? arg0 : "(none)", argv[0]);
	const char *hk = getenv("HK_TOOL");
	bool found = false;
	const jv *env = jv_path(p, "environ");
	for (size_t i = 0; env && i < env->n; i++) {
		const char *name = jstr(env->items[i], "name"), *val = jstr(env->items[i], "value");
		found |= name && val && strcmp(name, "HK_TOOL") == 0 && strcmp(val, hk) == 0;
	}
	result(found, "environ holds HK_TOOL=%s", hk);

	size_t len;
	_cleanup_free_ char *adj = read_text("proc/self/oom_score_adj", &len);
	int64_t want_adj = 0;
	if (adj && hk_parse_s64(adj, strcspn(adj, "\n"), &want_adj) >= 0)
		expect_int("oom_score_adj against proc/self/oom_score_adj",
			   jint(p, "oom_score_adj", -12345), want_adj);
	int64_t score = jint(p, "oom_score", -1);
	result(score >= 0 && score <= 2000, "oom_score %" PRId64 " in 0..2000", score);
	int64_t rss = jint(p, "smaps_rollup.kib.Rss", -1);
	result(rss > 0 || jstr(p, "unavailable.smaps_rollup"), "smaps_rollup.kib.Rss %" PRId64,
	       rss);
	const jv *cg = jv_path(p, "cgroups");
	result(cg && cg->n > 0, "cgroups: %zu lines", cg ? cg->n : 0);
	const jv *unavailable = jv_path(p, "unavailable");
	result(unavailable && unavailable->n == 0, "nothing of its own process is unavailable");

	if (pinned) {
		CPU_ZERO(&set);
		for (int c = 0; c < CPU_SETSIZE && c < sysconf(_SC_NPROCESSORS_CONF); c++)
			CPU_SET(c, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
}

/* A process whose environ this test may not read: that item alone is unavailable. */
static void check_permission_denied(void)
{
	puts("== permission denied for one item");
	int fd = open("/proc/1/environ", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		note("proc/1/environ is readable here: nothing to check");
		return;
	}
	if (errno != EACCES && errno != EPERM) {
		note("proc/1/environ: %s, not a permission error: nothing to check",
		     strerror(errno));
		return;
	}
	static const char *const args[] = {"inspect", "process", "1", NULL};
	_cleanup_jv_ jv *doc = run_hostkit_json(args);
	if (!doc)
		return;
	const jv *env = jv_path(doc, "process.environ");
	result(env && env->type == JV_NULL, "process 1: environ is null");
	const char *why = jstr(doc, "process.unavailable.environ");
	result(why && strcmp(why, "permission denied") == 0,
	       "process 1: unavailable.environ \"%s\"", why ? why : "(none)");
	result(jint(doc, "process.stat.pid", -1) == 1, "process 1: stat read all the same");
}

/* A kernel thread has no memory map and no command line. */
static void check_kernel_thread(void)
{
	hk_root *root = NULL;
	hk_proc_stat *s = NULL;
	bool kthread = false;

	puts("== a kernel thread");
	if (hk_root_open("/", 0, NULL, &root) >= 0 && hk_proc_stat_load(root, 2, 0, NULL, &s) >= 0)
		kthread = strcmp(hk_proc_stat_comm(s), "kthreadd") == 0;
	hk_proc_stat_free(s);
	hk_root_free(root);
	if (!kthread) {
		note("no kthreadd at PID 2 in this PID namespace: nothing to check");
		return;
	}
	static const char *const args[] = {"inspect", "process", "2", NULL};
	_cleanup_jv_ jv *doc = run_hostkit_json(args);
	if (!doc)
		return;
	const jv *cmd = jv_path(doc, "process.cmdline");
	result(cmd && cmd->type == JV_ARRAY && cmd->n == 0, "kthreadd: empty cmdline");
	const jv *ro = jv_path(doc, "process.smaps_rollup");
	result(ro && (ro->type == JV_NULL || jv_path(ro, "kib")->n == 0),
	       "kthreadd: no smaps_rollup (%s)",
	       jstr(doc, "process.unavailable.smaps_rollup") ?: "empty");
}

static void check_usage(void)
{
	puts("== bad arguments");
	int st;
	static const char *const bad[] = {"inspect", "process", "12x", NULL};
	st = run_hostkit_status(bad);
	result(st == 2, "inspect process 12x: exit %d, want 2", st);
	/* Above the highest pid_max the kernel allows (2^22). */
	static const char *const none[] = {"inspect", "process", "4194305", NULL};
	st = run_hostkit_status(none);
	result(st == 2, "inspect process 4194305: exit %d, want 2", st);
	static const char *const zero[] = {"inspect", "process", "0", NULL};
	st = run_hostkit_status(zero);
	result(st == 2, "inspect process 0: exit %d, want 2", st);
}

/* The text view: ps's columns, one row per process. */
static void check_text(void)
{
	char *argv[] = {(char *)tool, (char *)"inspect", (char *)"processes", NULL};
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	puts("== text view");
	if (harness_run(argv, &out, &len, &status) < 0 || status != 0) {
		result(false, "hostkit inspect processes failed");
		return;
	}
	char head[128];
	sscanf(out, "%127[^\n]", head);
	char w[6][8] = {{0}};
	int n = sscanf(head, "%7s %7s %7s %7s %7s %7s", w[0], w[1], w[2], w[3], w[4], w[5]);
	result(n == 6 && !strcmp(w[0], "PID") && !strcmp(w[1], "PPID") && !strcmp(w[2], "STAT") &&
		   !strcmp(w[3], "PSR") && !strcmp(w[4], "RSS") && !strcmp(w[5], "COMM"),
	       "header \"%s\"", head);
	size_t rows = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		rows++;
	result(rows > 1, "%zu rows after the header", rows - 1);
}

int main(int argc, char **argv)
{
	tool = getenv("HK_TOOL");
	if (!tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	if (access("/proc/self/stat", R_OK) != 0)
		SKIP("no /proc on this host");

	check_list_against_ps();
	check_self(argv);
	check_permission_denied();
	check_kernel_thread();
	check_usage();
	check_text();
	TEST_DONE();
}
