/* SPDX-License-Identifier: MIT */
/*
 * host suite: `hostkit capture` on this machine, then `hostkit --root` on the
 * extracted tarball answers as the live host does. Read only: the scratch
 * directory (removed at exit) and the staging directory of the capture are
 * the only writes.
 *
 * For each user the capture runs as (this one; and, when run as root and
 * setpriv(1) exists, also "nobody", whose capture leaves out what it cannot
 * read), `hostkit --json inspect` (every section) and `hostkit --json check
 * --no-sample` are run live and on the tree, as that same user, and the two
 * documents compared whole: every member must be equal, except the paths of
 * the allow-list below, each of which says why it may differ. The comparison
 * is generic, so rules and sections added later are held to it too.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

/*
 * JSON paths (fnmatch(3) patterns over "key.key[index].key") whose values
 * may differ between a live run and a run on a capture made a moment
 * before it.
 */
static const struct {
	const char *pattern;
	const char *why;
} may_differ[] = {
    /* memory */
    {"memory.meminfo.*", "meminfo's figures move with every allocation (MemFree, Cached, "
			 "AnonPages, Committed_AS...)"},
    {"memory.meminfo_counts.*", "the same figures, counted"},
    {"memory.nodes\\[*\\].meminfo.*", "per-node meminfo moves likewise"},
    {"memory.nodes\\[*\\].numastat.*", "numastat counts allocations"},
    {"memory.nodes\\[*\\].vmstat.*", "per-node vmstat counts events"},
    {"memory.buddyinfo\\[*\\].free\\[*\\]", "free blocks per order move with allocations"},
    {"memory.zoneinfo\\[*\\].counters.*", "zone counters move with allocations"},
    {"memory.zoneinfo\\[*\\].node_stats.*", "node counters move with allocations"},
    {"memory.zoneinfo\\[*\\].free", "free pages of a zone move"},
    {"memory.zoneinfo\\[*\\].pagesets*", "per-CPU page lists move"},
    {"memory.overcommit.committed_as_kib", "Committed_AS moves with every mapping"},
    {"memory.hugepages*.free*", "free huge pages move when a process maps some"},
    {"memory.thp.*counters*", "THP event counters"},
    {"memory.thp.khugepaged.full_scans", "khugepaged completes a scan every "
					  "scan_sleep_millisecs (10 s by default)"},
    {"memory.thp.khugepaged.pages_collapsed", "khugepaged collapses pages as it scans"},
    {"numa.nodes\\[*\\].memory_free_kib", "a node's free memory moves"},
    /* interrupts, packets */
    {"irq.irqs\\[*\\].counts\\[*\\]", "interrupt counts grow"},
    {"irq.irqs\\[*\\].total", "interrupt counts grow"},
    {"irq.other\\[*\\].counts\\[*\\]", "NMI, LOC, RES... counts grow"},
    {"irq.other\\[*\\].total", "NMI, LOC, RES... counts grow"},
    {"irq.totals*", "interrupt counts grow"},
    {"net.interrupts*", "interrupt counts grow"},
    {"net.devices\\[*\\].irqs\\[*\\].count*", "interrupt counts grow"},
    {"net.devices\\[*\\].stats.*", "ethtool statistics count packets"},
    {"net.devices\\[*\\].queues.tx\\[*\\].bql.*", "byte queue limits adapt to traffic"},
    {"softnet.cpus\\[*\\].*", "softnet counters count packets"},
    {"softnet.total.*", "softnet counters count packets"},
    /* processes */
    {"processes.processes*", "processes come and go; their CPU times, faults, memory and "
			     "state change"},
    /*
     * check: a rule's message and its current value may quote the figures
     * above (Committed_AS, free huge pages, drops); a skipped rule's reason
     * names where it ran ("--no-sample" live, "one reading" on a tree). The
     * id, section, severity, status, expected value and remedy must agree.
     */
    {"results\\[*\\].message", "quotes moving figures, or where the rule ran"},
    {"results\\[*\\].current", "quotes moving figures"},
    {"results\\[*\\].needs", "a skipped sampling rule needs the live host"},
};

static const char *tool;
static char scratch[PATH_MAX];

/* snprintf() that fails the test, rather than cut a path short. */
static void fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	int n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "path too long: %s\n", buf);
		exit(1);
	}
}

static const char *allowed(const char *path)
{
	for (unsigned i = 0; i < ELEMENTSOF(may_differ); i++)
		if (fnmatch(may_differ[i].pattern, path, 0) == 0)
			return may_differ[i].why;
	return NULL;
}

struct cmp {
	const char *what;
	const jv *live;	    /* the live document */
	const char *errors; /* the capture's hostkit/capture-errors */
	unsigned compared, differ_allowed, failed;
};

/* Whether capture-errors lists root-relative @path (as "PATH: error"). */
static bool left_out(const struct cmp *c, const char *path)
{
	size_t n = strlen(path);

	for (const char *p = c->errors; p && (p = strstr(p, path)); p += n)
		if ((p == c->errors || p[-1] == '\n') && p[n] == ':')
			return true;
	return false;
}

/*
 * Files the kernel refuses to read (write-only sysctls such as
 * vm.drop_caches: EACCES; a virtual NIC's speed: EINVAL) are left out of a
 * capture and listed in hostkit/capture-errors: the tree says "absent"
 * where the host said "unreadable". Allowed only for files that list names.
 */
static bool left_out_differs(const struct cmp *c, const char *path)
{
	char key[256], attr[64];
	size_t idx;
	int end = 0;

	/* sysctl.KEY.{absent,unreadable,error}; KEY holds dots. */
	if (strncmp(path, "sysctl.", 7) == 0) {
		const char *last = strrchr(path, '.');
		if (last == path + 6 || (size_t)(last - path - 7) >= sizeof(key))
			return false;
		memcpy(key, path + 7, (size_t)(last - path - 7));
		key[last - path - 7] = 0;
		if (strcmp(last, ".absent") && strcmp(last, ".unreadable") &&
		    strcmp(last, ".error"))
			return false;
		const char *file = jv_get_str(jv_get(jv_get(c->live, "sysctl"), key), "path");
		return file && left_out(c, file);
	}
	/* net.devices[N].unreadable.ATTR */
	if (sscanf(path, "net.devices[%zu].unreadable.%63[a-z_0-9]%n", &idx, attr, &end) == 2 &&
	    path[end] == 0) {
		const jv *devs = jv_get(jv_get(c->live, "net"), "devices");
		if (!devs || devs->type != JV_ARRAY || idx >= devs->n)
			return false;
		const char *dir = jv_get_str(devs->items[idx], "sysfs_path");
		char file[PATH_MAX];
		if (!dir ||
		    (size_t)snprintf(file, sizeof(file), "%s/%s", dir, attr) >= sizeof(file))
			return false;
		return left_out(c, file);
	}
	return false;
}

static void cmp_fail(struct cmp *c, const char *path, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static void cmp_fail(struct cmp *c, const char *path, const char *f, ...)
{
	va_list ap;

	if (allowed(path) || left_out_differs(c, path)) {
		c->differ_allowed++;
		return;
	}
	c->failed++;
	test_failures++;
	if (c->failed > 40)
		return;
	fprintf(stderr, "FAIL %s: %s: ", c->what, path);
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void cmp_value(struct cmp *c, const jv *a, const jv *b, char *path, size_t len);

static void cmp_child(struct cmp *c, const jv *a, const jv *b, char *path, size_t len,
		      const char *f, ...) __attribute__((format(printf, 6, 7)));
static void cmp_child(struct cmp *c, const jv *a, const jv *b, char *path, size_t len,
		      const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	int n = vsnprintf(path + len, PATH_MAX - len, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= PATH_MAX - len)
		return;
	cmp_value(c, a, b, path, len + (size_t)n);
	path[len] = 0;
}

static void cmp_value(struct cmp *c, const jv *a, const jv *b, char *path, size_t len)
{
	c->compared++;
	if (a->type != b->type) {
		cmp_fail(c, path, "live %s, captured %s", jv_type_name(a->type),
			 jv_type_name(b->type));
		return;
	}
	switch (a->type) {
	case JV_NULL:
		return;
	case JV_BOOL:
		if (a->boolean != b->boolean)
			cmp_fail(c, path, "live %d, captured %d", a->boolean, b->boolean);
		return;
	case JV_NUMBER:
		if (a->is_int != b->is_int ||
		    (a->is_int ? a->integer != b->integer : a->number != b->number))
			cmp_fail(c, path, "live %g, captured %g", a->number, b->number);
		return;
	case JV_STRING:
		if (strcmp(a->string, b->string) != 0)
			cmp_fail(c, path, "live \"%.200s\", captured \"%.200s\"", a->string,
				 b->string);
		return;
	case JV_ARRAY:
		if (a->n != b->n) {
			char p[PATH_MAX];
			fmt(p, sizeof(p), "%s[*]", path);
			/* A longer or shorter list: allowed only where its items may differ. */
			cmp_fail(c, allowed(p) ? p : path, "live %zu items, captured %zu", a->n,
				 b->n);
		}
		for (size_t i = 0; i < MIN(a->n, b->n); i++)
			cmp_child(c, a->items[i], b->items[i], path, len, "[%zu]", i);
		return;
	case JV_OBJECT:
		for (size_t i = 0; i < a->n; i++) {
			const jv *bv = jv_get(b, a->keys[i]);
			if (!bv) {
				char p[PATH_MAX];
				fmt(p, sizeof(p), "%s%s%s", path, len ? "." : "", a->keys[i]);
				cmp_fail(c, p, "live only");
				continue;
			}
			cmp_child(c, a->items[i], bv, path, len, "%s%s", len ? "." : "",
				  a->keys[i]);
		}
		for (size_t i = 0; i < b->n; i++)
			if (!jv_get(a, b->keys[i])) {
				char p[PATH_MAX];
				fmt(p, sizeof(p), "%s%s%s", path, len ? "." : "", b->keys[i]);
				cmp_fail(c, p, "captured only");
			}
		return;
	}
}

/* Runs @argv (which may exit 0 or 1, as check does) and parses its output. */
static int run_json(char *const *argv, jv **ret)
{
	_cleanup_free_ char *out = NULL;
	char err[256];
	size_t len;
	int status;

	int r = harness_run(argv, &out, &len, &status);
	if (r < 0) {
		fprintf(stderr, "FAIL %s: cannot run: %s\n", harness_cmdline(argv), strerror(-r));
		test_failures++;
		return r;
	}
	if (status != 0 && status != 1) {
		fprintf(stderr, "FAIL %s: exit status %d\n", harness_cmdline(argv), status);
		test_failures++;
		return -EIO;
	}
	r = json_parse(out, len, false, ret, NULL, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "FAIL %s: not JSON: %s\n", harness_cmdline(argv), err);
		test_failures++;
	}
	return r;
}

/* @prefix (setpriv ... or nothing) then @args, into @argv of @size. */
static void build_argv(char **argv, size_t size, char *const *prefix, char *const *args)
{
	size_t n = 0;

	for (; prefix && *prefix && n + 1 < size; prefix++)
		argv[n++] = *prefix;
	for (; *args && n + 1 < size; args++)
		argv[n++] = *args;
	argv[n] = NULL;
}

/* The live document and the captured one, compared. */
static void compare(const char *what, char *const *prefix, const char *tree, const char *errors,
		    char *const *words)
{
	char *live_args[16], *tree_args[16], *argv[24];
	_cleanup_jv_ jv *live = NULL;
	_cleanup_jv_ jv *captured = NULL;
	char path[PATH_MAX] = "";
	size_t n = 0;

	live_args[n] = (char *)tool;
	tree_args[n++] = (char *)tool;
	tree_args[n] = (char *)"--root";
	tree_args[n + 1] = (char *)tree;
	size_t m = n + 2;
	for (; *words; words++) {
		live_args[n++] = *words;
		tree_args[m++] = *words;
	}
	live_args[n] = NULL;
	tree_args[m] = NULL;

	/* The tree first: the live run then reads counters a little later than the capture. */
	build_argv(argv, ELEMENTSOF(argv), prefix, tree_args);
	if (run_json(argv, &captured) < 0)
		return;
	build_argv(argv, ELEMENTSOF(argv), prefix, live_args);
	if (run_json(argv, &live) < 0)
		return;

	struct cmp c = {.what = what, .live = live, .errors = errors};
	cmp_value(&c, live, captured, path, 0);
	printf("%s %s: %u values compared, %u differ where allowed, %u differ\n",
	       c.failed ? "FAIL" : "ok", what, c.compared, c.differ_allowed, c.failed);
	CHECK(c.compared > 100);
}

static void test_usage(void)
{
	char missing[PATH_MAX];

	fmt(missing, sizeof(missing), "%s/missing/x.tar.gz", scratch);
	char *no_o[] = {(char *)tool, (char *)"capture", NULL};
	char *bad_dir[] = {(char *)tool, (char *)"capture", (char *)"-o", missing, NULL};
	char *extra[] = {(char *)tool, (char *)"capture", (char *)"-o", missing, (char *)"x", NULL};
	char *tree[] = {(char *)tool, (char *)"--root", scratch, (char *)"capture",
			(char *)"-o", missing,		NULL};

	CHECK_EQ_S64(harness_run_status(no_o), 2);
	CHECK_EQ_S64(harness_run_status(bad_dir), 2);
	CHECK_EQ_S64(harness_run_status(extra), 2);
	/* scratch/tree is made below; before that --root refuses it as no tree at all. */
	CHECK_EQ_S64(harness_run_status(tree), 2);
	struct stat st;
	CHECK(stat(missing, &st) < 0 && errno == ENOENT);
}

/* proc/self in the tree is a link to the capturing process's directory, as the kernel shows it. */
static void check_self(const char *tree)
{
	char link[PATH_MAX], info[PATH_MAX], target[64];
	_cleanup_free_ char *text = NULL;
	size_t len;

	fmt(link, sizeof(link), "%s/proc/self", tree);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	CHECK(n > 0);
	if (n <= 0)
		return;
	target[n] = 0;
	uint64_t pid;
	CHECK_OK(hk_parse_u64(target, (size_t)n, 10, &pid));

	fmt(info, sizeof(info), "%s/hostkit/capture-info", tree);
	CHECK_OK(harness_read_file(info, &text, &len));
	char want[64];
	fmt(want, sizeof(want), "\npid %s\n", target);
	CHECK(text && strstr(text, want) != NULL);
	CHECK(text && strncmp(text, "hostkit-capture 1\n", 18) == 0);

	fmt(link, sizeof(link), "%s/proc/%s/stat", tree, target);
	struct stat st;
	CHECK(stat(link, &st) == 0 && S_ISREG(st.st_mode));
	printf("ok proc/self -> %s, with its stat\n", target);
}

static void capture_and_compare(const char *who, char *const *prefix, const char *dir)
{
	char out[PATH_MAX], tree[PATH_MAX], what[128];
	char *argv[24];

	fmt(out, sizeof(out), "%s/x.tar.gz", dir);
	fmt(tree, sizeof(tree), "%s/tree", dir);

	char *cap[] = {(char *)tool, (char *)"capture", (char *)"-o", out, NULL};
	build_argv(argv, ELEMENTSOF(argv), prefix, cap);
	int status = harness_run_status(argv);
	CHECK_EQ_S64(status, 0);
	if (status != 0)
		return;

	/* A valid gzip tar, listed by tar itself. */
	char *list[] = {(char *)"tar", (char *)"-tzf", out, NULL};
	_cleanup_free_ char *names = NULL;
	size_t len;
	if (harness_run_checked(list, &names, &len) >= 0) {
		CHECK(strstr(names, "./proc/self\n") != NULL);
		CHECK(strstr(names, "./hostkit/capture-info\n") != NULL);
		CHECK(strstr(names, "./hostkit/capture-errors\n") != NULL);
		CHECK(strstr(names, "./sys/devices/system/cpu/online\n") != NULL);
		/* Never a process's environment. */
		CHECK(strstr(names, "/environ\n") == NULL);
	}

	if (mkdir(tree, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "FAIL mkdir %s: %s\n", tree, strerror(errno));
		test_failures++;
		return;
	}
	int r = harness_extract(out, tree, NULL);
	CHECK_OK(r);
	if (r < 0)
		return;
	check_self(tree);

	char errpath[PATH_MAX];
	_cleanup_free_ char *errors = NULL;
	fmt(errpath, sizeof(errpath), "%s/hostkit/capture-errors", tree);
	CHECK_OK(harness_read_file(errpath, &errors, &len));

	fmt(what, sizeof(what), "%s: inspect", who);
	compare(what, prefix, tree, errors, (char *[]){(char *)"--json", (char *)"inspect", NULL});
	fmt(what, sizeof(what), "%s: check --no-sample", who);
	compare(what, prefix, tree, errors,
		(char *[]){(char *)"--json", (char *)"check", (char *)"--no-sample", NULL});
}

int main(void)
{
	tool = getenv("HK_TOOL");
	if (!tool || !*tool)
		SKIP("HK_TOOL is not set: run through meson test");
	if (!harness_in_path("tar"))
		SKIP("no tar(1) in PATH");

	int r = harness_mkdtemp("hk-test-capture-XXXXXX", scratch, sizeof(scratch));
	if (r >= 0)
		r = harness_remove_at_exit(scratch);
	if (r < 0) {
		fprintf(stderr, "cannot make a scratch directory: %s\n", strerror(-r));
		return 1;
	}
	/* Readable by the unprivileged run below. */
	chmod(scratch, 0755);

	test_usage();

	char mine[PATH_MAX];
	fmt(mine, sizeof(mine), "%s/%s", scratch, geteuid() == 0 ? "root" : "user");
	CHECK(mkdir(mine, 0755) == 0);
	capture_and_compare(geteuid() == 0 ? "root" : "user", NULL, mine);

	if (geteuid() == 0 && harness_in_path("setpriv")) {
		char nobody[PATH_MAX];
		fmt(nobody, sizeof(nobody), "%s/nobody", scratch);
		CHECK(mkdir(nobody, 0777) == 0 && chmod(nobody, 0777) == 0);
		char *prefix[] = {(char *)"setpriv", (char *)"--reuid=65534",
				  (char *)"--regid=65534", (char *)"--clear-groups", NULL};
		capture_and_compare("nobody", prefix, nobody);
	} else {
		printf("# no unprivileged run: %s\n",
		       geteuid() != 0 ? "not root" : "no setpriv(1) in PATH");
	}
	TEST_DONE();
}
