/* SPDX-License-Identifier: MIT */
/*
 * Every check rule on small trees: each case in tests/check/cases/ is a
 * writable copy of tests/check/base/ with one change, and the result the
 * rule must give on it. Every rule must have a passing and a failing case.
 *
 * A case file (NAME.case) holds one directive per line ('#' starts a
 * comment):
 *   rule ID                 the rule (`hostkit check --only ID`)
 *   expect pass|fail|skip   the status every result of the rule must have
 *                           (fail: at least one fails, and each failure
 *                           names a remedy)
 *   contains TEXT           a result's message must contain TEXT
 *   remedy TEXT             a result's remedy must contain TEXT
 *   write PATH TEXT         PATH gets TEXT and a newline ("\n" and "\t"
 *                           in TEXT are newline and tab; "\e" is nothing:
 *                           `write PATH \e` leaves an empty line)
 *   writen PATH TEXT        the same without the final newline
 *   remove PATH             PATH (a file, a link or a whole directory) goes
 *   link PATH TARGET        PATH becomes a symbolic link to TARGET
 *   mkdir PATH              PATH becomes a directory (and its parents)
 * PATHs are relative to the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/check.h>

#include "base/macro.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"

#define MAX_RULES 512

struct coverage {
	bool pass, fail;
};

static struct coverage covered[MAX_RULES];

static int rule_index(const char *id)
{
	for (unsigned i = 0; i < hk_check_rule_count() && i < MAX_RULES; i++)
		if (strcmp(hk_check_rule_id(i), id) == 0)
			return (int)i;
	return -1;
}

/* "\n" and "\t" decoded, "\e" dropped, in place. */
static void unescape(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '\\' && r[1] == 't') {
			*w++ = '\t';
			r++;
		} else if (r[0] == '\\' && r[1] == 'e') {
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

static int mkdir_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0755);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

static int put_file(const char *path, const char *text, bool newline)
{
	char p[PATH_MAX + 256];
	snprintf(p, sizeof(p), "%s", path);
	int r = mkdir_parents(p);
	if (r < 0)
		return r;
	(void)unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len && (!newline || write(fd, "\n", 1) == 1);
	close(fd);
	return ok ? 0 : -EIO;
}

/* Applies one directive to @tree; 1 when it was not a change (rule, expect, contains). */
static int apply(const char *tree, char *line, const char *where)
{
	char *verb = strtok(line, " \t");
	char *path = strtok(NULL, " \t");
	char *rest = path ? strtok(NULL, "") : NULL;
	char full[PATH_MAX + 256];

	if (!verb || !path) {
		result(false, "%s: a directive needs an argument", where);
		return -EINVAL;
	}
	if (strstr(path, ".."))
		return result(false, "%s: '..' in a path", where), -EINVAL;
	snprintf(full, sizeof(full), "%s/%s", tree, path);
	if (strcmp(verb, "write") == 0 || strcmp(verb, "writen") == 0) {
		char *text = rest ? rest : "";
		unescape(text);
		return put_file(full, text, strcmp(verb, "write") == 0);
	}
	if (strcmp(verb, "remove") == 0) {
		struct stat st;
		if (lstat(full, &st) < 0)
			return result(false, "%s: remove %s: not in the base tree", where, path),
			       -ENOENT;
		if (S_ISDIR(st.st_mode))
			return harness_remove_tree(full);
		return unlink(full) < 0 ? -errno : 0;
	}
	if (strcmp(verb, "link") == 0) {
		if (!rest)
			return result(false, "%s: link needs a target", where), -EINVAL;
		int r = mkdir_parents(full);
		if (r < 0)
			return r;
		(void)unlink(full);
		return symlink(rest, full) < 0 ? -errno : 0;
	}
	if (strcmp(verb, "mkdir") == 0) {
		int r = mkdir_parents(full);
		if (r < 0)
			return r;
		return mkdir(full, 0755) < 0 && errno != EEXIST ? -errno : 0;
	}
	result(false, "%s: unknown directive '%s'", where, verb);
	return -EINVAL;
}

/* The result statuses of @rule in hostkit's JSON for @tree; checks them against @expect. */
static void judge(const char *name, const char *tree, const char *rule, const char *expect,
		  const char *contains, const char *remedy)
{
	const char *tool = getenv("HK_TOOL");
	char *const argv[] = {(char *)tool, "--root", (char *)tree, "--json",
			      "check",	    "--only", (char *)rule, NULL};
	_cleanup_free_ char *out = NULL;
	jv *doc = NULL;
	const jv *results = NULL;
	char err[256];
	size_t olen;
	int exit_status;

	/* Exit 1 is the verdict of a failed rule, not an error. */
	if (harness_run(argv, &out, &olen, &exit_status) < 0 || exit_status > 1) {
		result(false, "%s: %s: exit status %d", name, harness_cmdline(argv), exit_status);
		return;
	}
	if (json_parse(out, olen, false, &doc, NULL, err, sizeof(err)) < 0) {
		result(false, "%s: %s: not JSON: %s", name, harness_cmdline(argv), err);
		return;
	}
	results = jv_path(doc, "results");
	if (!results || results->type != JV_ARRAY) {
		result(false, "%s: no results array", name);
		jv_free(doc);
		return;
	}
	bool fail_exit = false;
	unsigned n = 0, with_status = 0, failed_without_remedy = 0;
	bool found_text = !contains, found_remedy = !remedy;
	for (size_t i = 0; i < results->n; i++) {
		const jv *x = results->items[i];
		const char *id = jv_get_str(x, "id");
		const char *status = jv_get_str(x, "status");
		const char *message = jv_get_str(x, "message");
		if (!id || strcmp(id, rule) != 0 || !status)
			continue;
		n++;
		with_status += strcmp(status, expect) == 0;
		if (strcmp(status, "fail") == 0 && !jv_get_str(x, "remedy"))
			failed_without_remedy++;
		const char *severity = jv_get_str(x, "severity");
		if (strcmp(status, "fail") == 0 && severity && strcmp(severity, "fail") == 0)
			fail_exit = true;
		if (contains && message && strstr(message, contains))
			found_text = true;
		const char *fix = jv_get_str(x, "remedy");
		if (remedy && fix && strstr(fix, remedy))
			found_remedy = true;
	}
	bool ok;
	if (strcmp(expect, "fail") == 0)
		ok = with_status > 0 && failed_without_remedy == 0;
	else
		ok = n > 0 && with_status == n;
	/* The exit status follows: 1 exactly when a rule of severity "fail" failed. */
	if ((exit_status == 1) != fail_exit) {
		result(false, "%s: exit status %d with%s a failed rule of severity fail", name,
		       exit_status, fail_exit ? "" : "out");
		ok = false;
	}
	result(ok && found_text && found_remedy, "%s: %s: %u results, %u %s (want %s%s)%s%s%s%s%s",
	       name, rule, n, with_status, expect,
	       strcmp(expect, "fail") == 0 ? "at least one " : "all ", expect,
	       failed_without_remedy ? "; a failure without a remedy" : "",
	       found_text ? "" : "; no message contains: ", found_text ? "" : contains,
	       found_remedy ? "" : "; no remedy contains: ", found_remedy ? "" : remedy);
	if (!(ok && found_text && found_remedy)) {
		char *const show[] = {(char *)tool, "--root",	  (char *)tree, "check",
				      "--only",	    (char *)rule, NULL};
		char *text = NULL;
		size_t len;
		int status;
		if (harness_run(show, &text, &len, &status) >= 0 && text)
			fprintf(stderr, "%s", text);
		free(text);
	}
	int i = rule_index(rule);
	if (ok && i >= 0) {
		covered[i].pass |= strcmp(expect, "pass") == 0;
		covered[i].fail |= strcmp(expect, "fail") == 0;
	}
	jv_free(doc);
}

static void run_case(const char *dir, const char *name, const char *base)
{
	char path[2 * PATH_MAX], tree[PATH_MAX], where[PATH_MAX + 16];
	_cleanup_free_ char *text = NULL;
	size_t len;
	char rule[256] = "", expect[16] = "", contains[256] = "", remedy[256] = "";

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (harness_read_file(path, &text, &len) < 0) {
		result(false, "%s: cannot read", path);
		return;
	}
	if (harness_mkdtemp("hk-check-XXXXXX", tree, sizeof(tree)) < 0) {
		result(false, "%s: no scratch directory", name);
		return;
	}
	char src[PATH_MAX + 8];
	snprintf(src, sizeof(src), "%s/.", base);
	if (harness_run_status((char *[]){"cp", "-a", src, tree, NULL}) != 0) {
		result(false, "%s: cannot copy the base tree", name);
		harness_remove_tree(tree);
		return;
	}

	unsigned lineno = 0;
	bool bad = false;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || *line == 0)
			continue;
		if (strncmp(line, "rule ", 5) == 0) {
			snprintf(rule, sizeof(rule), "%s", line + 5);
			if (rule_index(rule) < 0) {
				result(false, "%s: no rule '%s'", where, rule);
				bad = true;
			}
		} else if (strncmp(line, "expect ", 7) == 0) {
			snprintf(expect, sizeof(expect), "%s", line + 7);
		} else if (strncmp(line, "contains ", 9) == 0) {
			snprintf(contains, sizeof(contains), "%s", line + 9);
		} else if (strncmp(line, "remedy ", 7) == 0) {
			snprintf(remedy, sizeof(remedy), "%s", line + 7);
		} else if (apply(tree, line, where) < 0) {
			result(false, "%s: cannot apply", where);
			bad = true;
		}
	}
	if (!rule[0] ||
	    (strcmp(expect, "pass") && strcmp(expect, "fail") && strcmp(expect, "skip"))) {
		result(false, "%s: needs 'rule ID' and 'expect pass|fail|skip'", name);
		bad = true;
	}
	if (!bad)
		judge(name, tree, rule, expect, contains[0] ? contains : NULL,
		      remedy[0] ? remedy : NULL);
	harness_remove_tree(tree);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *src = getenv("HK_SRCDIR");
	char dir[PATH_MAX], base[PATH_MAX];

	if (!src || !getenv("HK_TOOL"))
		SKIP("HK_SRCDIR or HK_TOOL unset");
	snprintf(dir, sizeof(dir), "%s/tests/check/cases", src);
	snprintf(base, sizeof(base), "%s/tests/check/base", src);

	/* The base tree itself: no rule fails with severity "fail" on it. */
	{
		char *const argv[] = {
		    (char *)getenv("HK_TOOL"), "--root", base, "--json", "check", NULL};
		jv *doc = NULL;
		const jv *summary = NULL;
		if (json_run(argv, "summary", JV_OBJECT, &doc, &summary) == 0) {
			int64_t fail = -1;
			jv_get_int(summary, "fail", &fail);
			result(fail == 0, "the base tree fails %lld rules (want 0)",
			       (long long)fail);
			jv_free(doc);
		}
	}

	/* --only a rule outside the chosen --section: bad usage, not an empty report. */
	{
		char *const argv[] = {
		    (char *)getenv("HK_TOOL"), "--root",    base,      "check", "--only",
		    "memory.swappiness",       "--section", "network", NULL};
		_cleanup_free_ char *out = NULL;
		size_t len;
		int status = -1;
		int r = harness_run(argv, &out, &len, &status);
		result(r >= 0 && status == 2, "%s: exit status %d (want 2)", harness_cmdline(argv),
		       status);
	}

	DIR *d = opendir(dir);
	if (!d)
		SKIP("no %s", dir);
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".case") != 0)
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		run_case(dir, names[i], base);
		free(names[i]);
	}
	free(names);

	/* Every rule: a passing and a failing case. */
	for (unsigned i = 0; i < hk_check_rule_count() && i < MAX_RULES; i++)
		result(covered[i].pass && covered[i].fail,
		       "%s: a passing case%s and a failing case%s", hk_check_rule_id(i),
		       covered[i].pass ? "" : " (missing)", covered[i].fail ? "" : " (missing)");
	TEST_DONE();
}
