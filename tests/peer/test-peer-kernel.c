/* SPDX-License-Identifier: MIT */
/*
 * The kernel's peer suite: `hostkit --root TREE --json inspect kernel` on
 * the captured trees of ../shared/peer-data that hold a proc/cmdline, read
 * against what their own projects say of them.
 *
 * - prometheus/procfs's fixtures: its cmdline test splits proc/cmdline on
 *   spaces into the words that procfs/EXPECTED.md restates, and its sysfs
 *   test reads cpu/isolated as "1,2-7,9". Both are read from EXPECTED.md.
 *   Its proc/sys/vm files are read by `inspect sysctl` as they hold.
 * - hwloc's trees (hwloc-linux/X.tar.bz2, unpacked into a mkdtemp()
 *   directory and removed after): every word of their proc/cmdline (none is
 *   quoted) is a parameter, in order; cpu/isolated and cpu/nohz_full carry the
 *   quirks of the kernels they come from ("\0\n" on CentOS 7's 3.10, blanks
 *   and "(null)" on 6.17), which mean no CPU.
 *
 * Each comparison prints "ok" or "FAIL" with both sides.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <hostkit/kernel.h>

#include "base/macro.h"
#include "tests/test.h"

#include "tests/host/json-reader.h"
#include "tests/support/harness.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

/* `hostkit --root ROOT --json inspect kernel`, parsed; its "kernel" object in *ret_kernel. */
static int run_hostkit(const char *tool, const char *root, jv **ret_doc, const jv **ret_kernel)
{
	char *const argv[] = {(char *)tool, "--root", (char *)root, "--json",
			      "inspect",    "kernel", NULL};

	return json_run(argv, "kernel", JV_OBJECT, ret_doc, ret_kernel);
}

/* Compares cmdline.params with @words ("key=value" or "flag"), in order. */
static void compare_params(const char *who, const jv *cmdline, char *const *words, unsigned n)
{
	const jv *params = jv_get(cmdline, "params");
	unsigned bad = 0;

	if (!params || params->type != JV_ARRAY) {
		result(false, "%s: cmdline.params missing", who);
		return;
	}
	result(params->n == n, "%s: %zu parameters, the peer %u", who, params->n, n);
	for (unsigned i = 0; i < n && i < params->n; i++) {
		const char *key = jv_get_str(params->items[i], "key");
		const jv *value = jv_get(params->items[i], "value");
		const char *eq = strchr(words[i], '=');
		size_t klen = eq ? (size_t)(eq - words[i]) : strlen(words[i]);
		bool ok = key && strlen(key) == klen && memcmp(key, words[i], klen) == 0;
		if (eq)
			ok = ok && value && value->type == JV_STRING &&
			     strcmp(value->string, eq + 1) == 0;
		else
			ok = ok && value && value->type == JV_NULL;
		if (!ok) {
			bad++;
			result(false, "%s: parameter %u: hostkit key '%s', the peer '%s'", who, i,
			       key ? key : "(none)", words[i]);
		}
	}
	if (bad == 0 && n > 0)
		result(true, "%s: every parameter as the peer splits it (%s ... %s)", who, words[0],
		       words[n - 1]);
	const jv *init = jv_get(cmdline, "init_args");
	result(init && init->type == JV_NULL, "%s: no init arguments (no \"--\")", who);
	const jv *errors = jv_get(cmdline, "errors");
	result(errors && errors->type == JV_ARRAY && errors->n == 0, "%s: no parameter errors",
	       who);
}

/* Compares accepted.KEY (a CPU list string, or null) with @expected (NULL: null). */
static void compare_accepted(const char *who, const jv *kernel, const char *key,
			     const char *expected)
{
	const jv *acc = jv_get(kernel, "accepted");
	const jv *v = acc ? jv_get(acc, key) : NULL;

	if (!v) {
		result(false, "%s: accepted.%s missing", who, key);
		return;
	}
	if (!expected) {
		result(v->type == JV_NULL, "%s: accepted.%s absent (null)", who, key);
		return;
	}
	_cleanup_(hk_cpuset_freep) hk_cpuset *a = hk_cpuset_new(), *b = hk_cpuset_new();
	bool ok = a && b && v->type == JV_STRING &&
		  hk_cpuset_parse_list(a, v->string, strlen(v->string)) == 0 &&
		  hk_cpuset_parse_list(b, expected, strlen(expected)) == 0 && hk_cpuset_equal(a, b);
	result(ok, "%s: accepted.%s hostkit \"%s\", the peer \"%s\"", who, key,
	       v->type == JV_STRING ? v->string : "(not a string)", expected);
}

/* Splits @text on blanks in place into at most @max words. */
static unsigned split_words(char *text, char **words, unsigned max)
{
	unsigned n = 0;

	for (char *p = strtok(text, " \t\n"); p && n < max; p = strtok(NULL, " \t\n"))
		words[n++] = p;
	return n;
}

/* ------------------------------------------------------------------------ */
/* prometheus/procfs */

/*
 * From EXPECTED.md: the words after "Split on spaces:" in the proc/cmdline
 * section, up to the '.' that ends the sentence, and the isolated list of the
 * sysfs section.
 */
static int procfs_expected(const char *md, char *words_buf, size_t size, char **words, unsigned max,
			   unsigned *ret_n, char *isolated, size_t isize)
{
	const char *sec = strstr(md, "## proc/cmdline");
	const char *p = sec ? strstr(sec, "Split on spaces:") : NULL;
	if (!p)
		return -ENOENT;
	p += strlen("Split on spaces:");
	const char *end = strstr(p, ".\n");
	if (!end || (size_t)(end - p) >= size)
		return -EINVAL;
	memcpy(words_buf, p, (size_t)(end - p));
	words_buf[end - p] = 0;
	/* "a,\nb, c" -> words a, b, c */
	for (char *c = words_buf; *c; c++)
		if (*c == ',')
			*c = ' ';
	*ret_n = split_words(words_buf, words, max);

	const char *iso = strstr(md, "isolated = \"");
	if (!iso)
		return -ENOENT;
	iso += strlen("isolated = \"");
	const char *q = strchr(iso, '"');
	if (!q || (size_t)(q - iso) >= isize)
		return -EINVAL;
	memcpy(isolated, iso, (size_t)(q - iso));
	isolated[q - iso] = 0;
	return 0;
}

static void test_procfs(const char *tool, const char *data)
{
	char path[PATH_MAX], root[PATH_MAX], words_buf[1024], isolated[64];
	char *words[64];
	unsigned n = 0;
	_cleanup_free_ char *md = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/procfs/EXPECTED.md", data);
	snprintf(root, sizeof(root), "%s/procfs/fixtures", data);
	if (harness_read_file(path, &md, &len) < 0 || access(root, F_OK) < 0) {
		printf("note  procfs: %s or its fixtures absent, skipped\n", path);
		return;
	}
	int r = procfs_expected(md, words_buf, sizeof(words_buf), words, ELEMENTSOF(words), &n,
				isolated, sizeof(isolated));
	result(r == 0 && n > 0, "procfs: EXPECTED.md gives %u words and isolated \"%s\"", n,
	       r == 0 ? isolated : "?");
	if (r < 0)
		return;

	_cleanup_jv_ jv *doc = NULL;
	const jv *k;
	if (run_hostkit(tool, root, &doc, &k) < 0)
		return;
	const jv *cmdline = jv_get(k, "cmdline");
	if (!cmdline || cmdline->type != JV_OBJECT) {
		result(false, "procfs: no cmdline object");
		return;
	}
	compare_params("procfs", cmdline, words, n);
	compare_accepted("procfs", k, "isolated", isolated);
	/* The fixtures have no proc/sys/kernel: release and boot id are absent, not errors. */
	const jv *rel = jv_get(k, "release");
	result(rel && rel->type == JV_NULL, "procfs: release absent (null)");
}

/*
 * procfs's fixtures hold proc/sys/vm as a 4.x kernel had it (its vm test reads
 * them): `hostkit inspect sysctl` gives each vm sysctl of the table that the
 * tree has with the file's numbers, and the others as absent.
 */
static void test_procfs_sysctl(const char *tool, const char *data)
{
	char root[PATH_MAX];
	char *const argv[] = {(char *)tool, "--root", root, "--json", "inspect", "sysctl", NULL};
	_cleanup_jv_ jv *doc = NULL;
	unsigned present = 0, absent = 0, bad = 0;

	snprintf(root, sizeof(root), "%s/procfs/fixtures", data);
	if (access(root, F_OK) < 0)
		return;
	if (json_run(argv, NULL, JV_NULL, &doc, NULL) < 0)
		return;
	const jv *table = jv_get(doc, "sysctl");
	for (size_t i = 0; table && i < table->n; i++) {
		const char *key = table->keys[i];
		const jv *s = table->items[i], *a = jv_get(s, "absent"), *v = jv_get(s, "value");
		char path[PATH_MAX * 2];
		_cleanup_free_ char *text = NULL;
		size_t tlen;

		if (strncmp(key, "vm.", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/proc/sys/vm/%s", root, key + 3);
		if (harness_read_file(path, &text, &tlen) < 0) {
			absent++;
			if (!a || a->type != JV_BOOL || !a->boolean) {
				bad++;
				result(false, "procfs sysctl %s: no file, hostkit not absent", key);
			}
			continue;
		}
		present++;
		/* The file's blank-separated numbers against the value (a number or an array). */
		char *words[16];
		unsigned n = split_words(text, words, ELEMENTSOF(words));
		bool ok = v && (v->type == JV_NUMBER ? n == 1 : v->type == JV_ARRAY && v->n == n);
		for (unsigned k = 0; ok && k < n; k++) {
			const jv *item = v->type == JV_NUMBER ? v : v->items[k];
			char num[32];
			snprintf(num, sizeof(num), "%" PRId64, item->integer);
			ok = item->type == JV_NUMBER && item->is_int && strcmp(num, words[k]) == 0;
		}
		if (!ok) {
			bad++;
			result(false, "procfs sysctl %s: hostkit's value differs from %s", key,
			       path);
		}
	}
	result(bad == 0 && present > 0,
	       "procfs: %u vm sysctls of the table as the fixture's files hold them, %u absent",
	       present, absent);
	const jv *lowmem = table ? jv_get(table, "vm.lowmem_reserve_ratio") : NULL;
	const jv *lv = lowmem ? jv_get(lowmem, "value") : NULL;
	result(lv && lv->type == JV_ARRAY && lv->n == 5 && lv->items[2]->integer == 32,
	       "procfs: vm.lowmem_reserve_ratio is the vector 256 256 32 0 0");
}

/* ------------------------------------------------------------------------ */
/* hwloc */

/* The trees with what their kernels accepted: NULL for a file the tree lacks. */
static const struct {
	const char *name;
	const char *isolated;
	const char *nohz_full;
} hwloc_trees[] = {
    /* CentOS 7 (3.10): nohz_full is "\0\n". */
    {"32intel64-2p8co2t+8ve", "", ""},
    {"fakeheteromemtiers", "", NULL},
    {"memorysidecaches", "", NULL},
    /* Linux 6.17: nohz_full is "            (null)\n". */
    {"nvidia-dgx-gb10", "", ""},
    /* No proc/cmdline: the command line is absent. */
    {"2pa-pcidomain32bits", "", NULL},
};

static void test_hwloc_tree(const char *tool, const char *data, unsigned t, const char *tmp)
{
	const char *name = hwloc_trees[t].name;
	char tarball[PATH_MAX], root[PATH_MAX * 2], path[PATH_MAX * 3];
	_cleanup_free_ char *text = NULL;
	size_t len;

	snprintf(tarball, sizeof(tarball), "%s/hwloc-linux/%s.tar.bz2", data, name);
	if (access(tarball, R_OK) < 0) {
		printf("note  %s: tarball absent, skipped\n", name);
		return;
	}
	int r = harness_extract(tarball, tmp, NULL);
	if (r < 0) {
		result(false, "%s: tar failed: %s", name, strerror(-r));
		return;
	}
	snprintf(root, sizeof(root), "%s/%s", tmp, name);

	_cleanup_jv_ jv *doc = NULL;
	const jv *k;
	if (run_hostkit(tool, root, &doc, &k) < 0)
		return;

	compare_accepted(name, k, "isolated", hwloc_trees[t].isolated);
	compare_accepted(name, k, "nohz_full", hwloc_trees[t].nohz_full);

	snprintf(path, sizeof(path), "%s/proc/cmdline", root);
	r = harness_read_file(path, &text, &len);
	const jv *cmdline = jv_get(k, "cmdline");
	if (r == -ENOENT) {
		result(cmdline && cmdline->type == JV_NULL, "%s: no proc/cmdline, cmdline null",
		       name);
		return;
	}
	if (r < 0) {
		result(false, "%s: cannot read %s: %s", name, path, strerror(-r));
		return;
	}
	if (!cmdline || cmdline->type != JV_OBJECT) {
		result(false, "%s: no cmdline object", name);
		return;
	}
	/* The text as read, without its newline. */
	const char *htext = jv_get_str(cmdline, "text");
	bool same = htext && strlen(htext) + 1 == len && memcmp(htext, text, len - 1) == 0;
	result(same, "%s: cmdline.text is proc/cmdline without its newline", name);

	if (strchr(text, '"')) {
		printf("note  %s: quoted words, not compared word by word\n", name);
		return;
	}
	char *words[256];
	unsigned n = split_words(text, words, ELEMENTSOF(words));
	compare_params(name, cmdline, words, n);
}

static void test_hwloc(const char *tool, const char *data)
{
	char tmp[PATH_MAX];

	int r = harness_mkdtemp("hk-peer-kernel-XXXXXX", tmp, sizeof(tmp));
	if (r < 0) {
		result(false, "mkdtemp %s: %s", tmp, strerror(-r));
		return;
	}
	for (unsigned t = 0; t < ELEMENTSOF(hwloc_trees); t++)
		test_hwloc_tree(tool, data, t, tmp);
	(void)harness_remove_tree(tmp);
}

int main(void)
{
	const char *data = getenv("HK_PEER_DATA");
	const char *tool = getenv("HK_TOOL");

	if (!data || access(data, F_OK) < 0)
		SKIP("peer data %s absent", data ? data : "(HK_PEER_DATA unset)");
	if (!tool || access(tool, X_OK) < 0)
		SKIP("the hostkit tool (HK_TOOL) is not built");
	if (!harness_in_path("tar"))
		SKIP("tar is not installed");

	test_procfs(tool, data);
	test_procfs_sysctl(tool, data);
	test_hwloc(tool, data);
	TEST_DONE();
}
