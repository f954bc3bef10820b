/* SPDX-License-Identifier: MIT */
/*
 * host suite: on this machine, `hostkit --json inspect kernel sysctl` agrees
 * with uname(2), /proc/cmdline, sysfs and sysctl(8). Read only. Every
 * comparison prints "ok" or "FAIL" with both sides.
 *
 * - release, version and ostype are uname's release, version and sysname;
 *   boot_id is /proc/sys/kernel/random/boot_id;
 * - the command line: every word of /proc/cmdline is accounted for, in
 *   order: the words before "--" are the parameters (key=value or a flag),
 *   the words after it init's arguments;
 * - accepted.isolated and accepted.nohz_full are the sysfs files (null when
 *   the file is absent);
 * - every sysctl of hostkit's table (and a few others): absent exactly when
 *   /proc/sys has no such file; otherwise `sysctl -n KEY` prints the same
 *   value (blanks aside), and nothing for a sysctl hostkit finds unreadable
 *   (procps skips write-only ones);
 * - a directory KEY lists the sysctls `sysctl -N KEY` names, write-only
 *   ones aside.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <hostkit/kernel.h>
#include <hostkit/sysctl.h>

#include "base/macro.h"
#include "base/strbuf.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

/* Collapses runs of blanks to one space and drops them at both ends, in place. */
static char *squeeze(char *s)
{
	char *w = s;
	bool blank = true;

	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n') {
			if (!blank)
				*w++ = ' ';
			blank = true;
		} else {
			*w++ = *r;
			blank = false;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = 0;
	return s;
}

static int run_hostkit(const char *tool, char **extra, int n_extra, jv **ret)
{
	char *argv[64] = {(char *)tool, "--json", "inspect"};
	int argc = 3;

	for (int i = 0; i < n_extra && argc < 63; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	return json_run(argv, NULL, JV_NULL, ret, NULL);
}

static void compare_str(const char *what, const char *hostkit, const char *peer)
{
	result(hostkit && peer && strcmp(hostkit, peer) == 0, "%s: hostkit '%s', peer '%s'", what,
	       hostkit ? hostkit : "(null)", peer ? peer : "(null)");
}

/* ------------------------------------------------------------------------ */
/* Kernel */

static void test_identity(const jv *k)
{
	struct utsname u;
	_cleanup_free_ char *boot_id = NULL;
	size_t len;

	if (uname(&u) < 0) {
		result(false, "uname: %m");
		return;
	}
	compare_str("release vs uname -r", jv_get_str(k, "release"), u.release);
	compare_str("version vs uname -v", jv_get_str(k, "version"), u.version);
	compare_str("ostype vs uname -s", jv_get_str(k, "ostype"), u.sysname);
	if (harness_read_file("/proc/sys/kernel/random/boot_id", &boot_id, &len) == 0)
		compare_str("boot_id", jv_get_str(k, "boot_id"), squeeze(boot_id));
	else
		result(jv_get(k, "boot_id") && jv_get(k, "boot_id")->type == JV_NULL,
		       "boot_id absent, null");
}

/* Word @i of the parameters as "key=value" or "key". */
static void param_word(const jv *p, hk_strbuf *sb)
{
	const char *key = jv_get_str(p, "key");
	const jv *value = jv_get(p, "value");

	hk_strbuf_puts(sb, key ? key : "(no key)");
	if (value && value->type == JV_STRING) {
		hk_strbuf_putc(sb, '=');
		hk_strbuf_puts(sb, value->string);
	}
}

static void test_cmdline(const jv *k)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	const jv *c = jv_get(k, "cmdline");

	if (harness_read_file("/proc/cmdline", &text, &len) < 0) {
		result(c && c->type == JV_NULL, "no /proc/cmdline, cmdline null");
		return;
	}
	if (!c || c->type != JV_OBJECT) {
		result(false, "cmdline: no object");
		return;
	}
	_cleanup_free_ char *copy = strdup(text);
	if (copy && len > 0 && copy[len - 1] == '\n')
		copy[len - 1] = 0;
	compare_str("cmdline.text vs /proc/cmdline", jv_get_str(c, "text"), copy);

	if (strchr(text, '"')) {
		printf("note  /proc/cmdline holds quotes: words not compared one by one\n");
		return;
	}
	const jv *params = jv_get(c, "params"), *init = jv_get(c, "init_args");
	const jv *errors = jv_get(c, "errors");
	size_t np = 0, ni = 0, words = 0;
	bool dashes = false;
	unsigned bad = 0;

	if (!params || params->type != JV_ARRAY || !init) {
		result(false, "cmdline: params or init_args missing");
		return;
	}
	for (char *w = strtok(text, " \t\n"); w; w = strtok(NULL, " \t\n")) {
		_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
		words++;
		if (!dashes && strcmp(w, "--") == 0) {
			dashes = true;
			continue;
		}
		if (!dashes) {
			if (np < params->n)
				param_word(params->items[np], &sb);
			np++;
		} else {
			if (init->type == JV_ARRAY && ni < init->n &&
			    init->items[ni]->type == JV_STRING)
				hk_strbuf_puts(&sb, init->items[ni]->string);
			ni++;
		}
		if (strcmp(hk_strbuf_str(&sb), w) != 0) {
			bad++;
			result(false, "word %zu '%s': hostkit has '%s'", words, w,
			       hk_strbuf_str(&sb));
		}
	}
	result(np == params->n, "parameters: %zu words before \"--\", hostkit %zu", np, params->n);
	if (dashes)
		result(init->type == JV_ARRAY && ni == init->n,
		       "init arguments: %zu words after \"--\", hostkit %zu", ni,
		       init->type == JV_ARRAY ? init->n : 0);
	else
		result(init->type == JV_NULL, "no \"--\": init_args null");
	result(bad == 0, "every one of the %zu words of /proc/cmdline accounted for, in order",
	       words);
	if (errors && errors->type == JV_ARRAY)
		for (size_t i = 0; i < errors->n; i++)
			printf("note  the command line has an error: %s\n",
			       jv_get_str(errors->items[i], "message"));
}

static void test_accepted(const jv *k, const char *name)
{
	char path[128];
	_cleanup_free_ char *text = NULL;
	size_t len;
	const jv *acc = jv_get(k, "accepted");
	const jv *v = acc ? jv_get(acc, name) : NULL;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s", name);
	if (harness_read_file(path, &text, &len) < 0) {
		result(v && v->type == JV_NULL, "accepted.%s: %s absent, null", name, path);
		return;
	}
	/* The file's text up to a NUL, "(null)" meaning none. */
	squeeze(text);
	if (strcmp(text, "(null)") == 0)
		*text = 0;
	_cleanup_(hk_cpuset_freep) hk_cpuset *a = hk_cpuset_new(), *b = hk_cpuset_new();
	bool ok = a && b && v && v->type == JV_STRING &&
		  hk_cpuset_parse_list(a, v->string, strlen(v->string)) == 0 &&
		  hk_cpuset_parse_list(b, text, strlen(text)) == 0 && hk_cpuset_equal(a, b);
	result(ok, "accepted.%s: hostkit '%s', %s '%s'", name,
	       v && v->type == JV_STRING ? v->string : "?", path, text);
}

/* ------------------------------------------------------------------------ */
/* Sysctls */

/* The value of a sysctl member as text: integers joined by one space, strings as they are. */
static void value_text(const jv *v, hk_strbuf *sb)
{
	switch (v->type) {
	case JV_NUMBER:
		if (v->is_int)
			hk_strbuf_printf(sb, "%" PRId64, v->integer);
		else
			/* Above INT64_MAX (shmmax): the reader keeps a double; print it exact. */
			hk_strbuf_printf(sb, "%.0f", v->number);
		break;
	case JV_STRING:
		hk_strbuf_puts(sb, v->string);
		break;
	case JV_ARRAY:
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				hk_strbuf_putc(sb, ' ');
			value_text(v->items[i], sb);
		}
		break;
	default:
		hk_strbuf_puts(sb, "(null)");
	}
}

/* True when @a and @b are the same number, one possibly printed through a double. */
static bool same_number_text(const char *a, const char *b)
{
	char *ea, *eb;
	double x = strtod(a, &ea), y = strtod(b, &eb);
	return *a && *b && !*ea && !*eb && x == y;
}

/* The live root, for the library's exact text of values JSON holds only as doubles. */
static hk_root *live;

static void test_one_sysctl(const jv *doc, const char *key, unsigned *ret_present,
			    unsigned *ret_absent, unsigned *ret_unreadable)
{
	const jv *s = jv_get(doc, key);
	char path[512];
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	if (!s) {
		result(false, "%s: not in hostkit's output", key);
		return;
	}
	/* The file, by the dotted form's rule ('.' separates, '/' is a '.'). */
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
	bool exists = access(path, F_OK) == 0;
	const jv *absent = jv_get(s, "absent"), *unreadable = jv_get(s, "unreadable");
	bool h_absent = absent && absent->type == JV_BOOL && absent->boolean;
	bool h_unreadable = unreadable && unreadable->type == JV_BOOL && unreadable->boolean;

	if (!exists) {
		result(h_absent, "%s: no %s, hostkit absent: %s", key, path,
		       h_absent ? "yes" : "no");
		(*ret_absent)++;
		return;
	}
	if (h_absent) {
		result(false, "%s: %s exists, hostkit says absent", key, path);
		return;
	}

	char *const argv[] = {"sysctl", "-n", (char *)key, NULL};
	int r = harness_run(argv, &out, &len, &status);
	if (r < 0) {
		result(false, "sysctl -n %s: %s", key, strerror(-r));
		return;
	}
	squeeze(out);
	if (h_unreadable) {
		(*ret_unreadable)++;
		result(*out == 0, "%s: unreadable (%s); sysctl -n prints '%s'", key,
		       jv_get_str(s, "error") ? jv_get_str(s, "error") : "?", out);
		return;
	}
	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	value_text(jv_get(s, "value"), &sb);
	const char *h = hk_strbuf_str(&sb);
	bool ok = status == 0 && (strcmp(h, out) == 0 || same_number_text(h, out));
	/* A CPU list: compare as sets ("0-1" and "0,1" are the same). */
	if (!ok && status == 0 && strcmp(jv_get_str(s, "type") ?: "", "cpulist") == 0) {
		_cleanup_(hk_cpuset_freep) hk_cpuset *a = hk_cpuset_new(), *b = hk_cpuset_new();
		ok = a && b && hk_cpuset_parse_list(a, h, strlen(h)) == 0 &&
		     hk_cpuset_parse_list(b, out, strlen(out)) == 0 && hk_cpuset_equal(a, b);
	}
	result(ok, "%s: hostkit '%s' (%s), sysctl -n '%s'", key, h,
	       jv_get_str(s, "type") ? jv_get_str(s, "type") : "?", out);
	(*ret_present)++;

	/* Numbers above INT64_MAX went through a double: check the library's exact text too. */
	const jv *value = jv_get(s, "value");
	if (live && value && value->type == JV_NUMBER && !value->is_int) {
		hk_sysctl *ls = NULL;
		if (hk_sysctl_read(live, key, NULL, &ls) == 0) {
			uint64_t u = 0;
			char exact[32];
			bool got = hk_sysctl_value_u64(ls, 0, &u) == 0;
			snprintf(exact, sizeof(exact), "%" PRIu64, u);
			result(got && strcmp(exact, out) == 0,
			       "%s: hk_sysctl_value_u64() %s, sysctl -n '%s'", key, exact, out);
			hk_sysctl_free(ls);
		} else {
			result(false, "%s: hk_sysctl_read() failed", key);
		}
	}
}

static void test_sysctls(const char *tool)
{
	/* Keys outside the table: a string, and integers under net and fs. */
	static const char *const others[] = {"kernel.core_pattern", "net.ipv4.conf.lo.forwarding",
					     "net.ipv4.tcp_rmem", "fs.file-max", "kernel.ostype"};
	unsigned n = hk_sysctl_n_known();
	char *args[128];
	int argc = 0;

	args[argc++] = "sysctl";
	for (unsigned i = 0; i < ELEMENTSOF(others); i++)
		args[argc++] = (char *)others[i];

	/* The whole table (no KEY), then the others by name. */
	_cleanup_jv_ jv *all = NULL, *some = NULL;
	char *table_args[] = {"sysctl"};
	if (run_hostkit(tool, table_args, 1, &all) < 0 || run_hostkit(tool, args, argc, &some) < 0)
		return;
	const jv *table = jv_get(all, "sysctl"), *named = jv_get(some, "sysctl");
	if (!table || !named) {
		result(false, "no \"sysctl\" object");
		return;
	}
	result(table->n == n, "the table: hostkit lists %zu sysctls, the library knows %u",
	       table->n, n);

	unsigned present = 0, absent = 0, unreadable = 0;
	for (unsigned i = 0; i < n; i++)
		test_one_sysctl(table, hk_sysctl_info_key(hk_sysctl_known(i)), &present, &absent,
				&unreadable);
	printf("note  table: %u present and equal to sysctl -n, %u absent, %u unreadable\n",
	       present, absent, unreadable);
	for (unsigned i = 0; i < ELEMENTSOF(others); i++)
		test_one_sysctl(named, others[i], &present, &absent, &unreadable);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when /proc/sys has @key as a file nobody may read (vm.drop_caches). */
static bool write_only(const char *key)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
	return stat(path, &st) == 0 && !(st.st_mode & 0444);
}

/*
 * A directory KEY stands for every sysctl under it: the keys hostkit lists
 * for it are the names sysctl -N prints for it, which leaves out write-only
 * files (hostkit shows them, unreadable). hostkit sorts them; sysctl -N
 * gives the kernel's order, so both are sorted to compare.
 */
static void test_sysctl_dirs(const char *tool)
{
	static const char *const dirs[] = {"kernel.pty", "net.ipv4.conf.lo", "vm"};

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		char *args[] = {"sysctl", (char *)dirs[i]};
		_cleanup_jv_ jv *doc = NULL;
		_cleanup_free_ char *names = NULL;
		char *theirs[1024], *ours[1024];
		size_t len, n_theirs = 0, n_ours = 0, same = 0;
		bool sorted = true;

		if (run_hostkit(tool, args, 2, &doc) < 0)
			continue;
		char *const argv[] = {"sysctl", "-N", (char *)dirs[i], NULL};
		if (harness_run_checked(argv, &names, &len) < 0) {
			result(false, "sysctl -N %s failed", dirs[i]);
			continue;
		}
		char *save = NULL;
		for (char *name = strtok_r(names, "\n", &save); name && n_theirs < 1024;
		     name = strtok_r(NULL, "\n", &save))
			theirs[n_theirs++] = name;
		const jv *obj = jv_get(doc, "sysctl");
		for (size_t k = 0; obj && k < obj->n && n_ours < 1024; k++) {
			if (k > 0 && strcmp(obj->keys[k - 1], obj->keys[k]) >= 0)
				sorted = false;
			if (!write_only(obj->keys[k]))
				ours[n_ours++] = obj->keys[k];
		}
		qsort(theirs, n_theirs, sizeof(*theirs), str_cmp);
		for (size_t k = 0; k < n_ours && k < n_theirs; k++)
			same += strcmp(ours[k], theirs[k]) == 0;
		result(obj && n_theirs > 0 && n_ours == n_theirs && same == n_ours && sorted,
		       "sysctl %s: hostkit lists %zu readable keys (%s), sysctl -N %zu, %zu alike",
		       dirs[i], n_ours, sorted ? "sorted" : "NOT sorted", n_theirs, same);
	}
}

int main(void)
{
	const char *tool = getenv("HK_TOOL");

	if (!tool || access(tool, X_OK) < 0)
		SKIP("the hostkit tool (HK_TOOL) is not built");
	if (access("/proc/sys/kernel", F_OK) < 0)
		SKIP("/proc/sys is not mounted");

	_cleanup_jv_ jv *doc = NULL;
	char *args[] = {"kernel"};
	if (run_hostkit(tool, args, 1, &doc) == 0) {
		const jv *k = jv_get(doc, "kernel");
		if (k) {
			test_identity(k);
			test_cmdline(k);
			test_accepted(k, "isolated");
			test_accepted(k, "nohz_full");
		} else {
			result(false, "no \"kernel\" object");
		}
	}

	if (hk_root_open("/", 0, NULL, &live) < 0)
		result(false, "cannot open the live root");
	if (harness_in_path("sysctl")) {
		test_sysctls(tool);
		test_sysctl_dirs(tool);
	}
	else
		printf("note  sysctl(8) is not installed: sysctls not compared\n");
	hk_root_free(live);
	TEST_DONE();
}
