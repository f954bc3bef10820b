/* SPDX-License-Identifier: MIT */
/*
 * host suite: `hostkit check` on this machine, read only. As this user, and
 * as an unprivileged one when this one is root (setpriv(1) to uid 65534):
 * the table and the JSON run and exit 0 or 1, the JSON parses, its summary
 * counts its results, and every rule the unprivileged run cannot judge
 * while the root run could says it needs root. `check --list` names every
 * rule once; an unknown section or rule exits 2 with a message; --no-sample
 * turns the sampling rules into skips.
 */
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

/* The rules that sample the host twice, a second apart. */
static const char *const sampling_rules[] = {"network.softnet-growing"};

static const char *tool;

/* Runs @argv; its stdout into *ret_doc when it is JSON; checks the exit status is 0 or 1. */
static int run_json(char *const *argv, jv **ret_doc)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;
	char err[256];

	int r = harness_run(argv, &out, &len, &status);
	if (r < 0) {
		result(false, "%s: cannot run: %s", harness_cmdline(argv), strerror(-r));
		return r;
	}
	result(status == 0 || status == 1, "%s: exit status %d (0 or 1)", harness_cmdline(argv),
	       status);
	r = json_parse(out, len, false, ret_doc, NULL, err, sizeof(err));
	result(r >= 0, "%s: JSON: %s", harness_cmdline(argv), r >= 0 ? "valid" : err);
	return r;
}

static const char *str_or(const jv *o, const char *key, const char *dflt)
{
	const char *s = jv_get_str(o, key);
	return s ? s : dflt;
}

/* The summary equals what the results say, and every result has its members. */
static void check_summary(const char *who, const jv *doc)
{
	const jv *results = jv_get(doc, "results");
	const jv *summary = jv_get(doc, "summary");
	if (!results || results->type != JV_ARRAY || !summary) {
		result(false, "%s: no results array or no summary", who);
		return;
	}
	int64_t want[5] = {0}; /* pass, fail, warn, info, skip */
	static const char *const keys[5] = {"pass", "fail", "warn", "info", "skip"};
	unsigned bad = 0;
	for (size_t i = 0; i < results->n; i++) {
		const jv *r = results->items[i];
		const char *status = str_or(r, "status", "");
		const char *sev = str_or(r, "severity", "");
		if (!jv_get_str(r, "id") || !jv_get_str(r, "section") ||
		    !jv_get_str(r, "message") || !jv_get(r, "remedy") || !jv_get(r, "needs"))
			bad++;
		if (strcmp(status, "pass") == 0)
			want[0]++;
		else if (strcmp(status, "skip") == 0)
			want[4]++;
		else if (strcmp(status, "fail") == 0 && strcmp(sev, "fail") == 0)
			want[1]++;
		else if (strcmp(status, "fail") == 0 && strcmp(sev, "warn") == 0)
			want[2]++;
		else if (strcmp(status, "fail") == 0 && strcmp(sev, "info") == 0)
			want[3]++;
		else
			bad++;
		if (strcmp(status, "fail") == 0 && jv_get_str(r, "remedy") == NULL)
			result(false, "%s: %s fails without a remedy", who, str_or(r, "id", "?"));
	}
	result(bad == 0, "%s: %zu results, %u without id/section/message/remedy/needs or status",
	       who, results->n, bad);
	for (unsigned k = 0; k < ELEMENTSOF(keys); k++) {
		int64_t got = -1;
		(void)jv_get_int(summary, keys[k], &got);
		result(got == want[k], "%s: summary.%s %lld, results say %lld", who, keys[k],
		       (long long)got, (long long)want[k]);
	}
}

static bool rule_judged(const jv *doc, const char *id)
{
	const jv *results = jv_get(doc, "results");
	for (size_t i = 0; results && i < results->n; i++) {
		const jv *r = results->items[i];
		if (strcmp(str_or(r, "id", ""), id) == 0 &&
		    strcmp(str_or(r, "status", ""), "skip") != 0)
			return true;
	}
	return false;
}

/* A rule the root run judged but the unprivileged run skipped must say it needs root. */
static void check_needs_root(const jv *as_root, const jv *as_user)
{
	const jv *results = jv_get(as_user, "results");
	unsigned n_root = 0, bad = 0;
	for (size_t i = 0; results && i < results->n; i++) {
		const jv *r = results->items[i];
		const char *id = str_or(r, "id", "");
		if (strcmp(str_or(r, "status", ""), "skip") != 0)
			continue;
		const char *needs = jv_get_str(r, "needs");
		if (needs && strcmp(needs, "root") == 0) {
			n_root++;
			continue;
		}
		if (rule_judged(as_root, id)) {
			bad++;
			result(false,
			       "unprivileged: %s skips without needs \"root\" (root judged it): %s",
			       id, str_or(r, "message", ""));
		}
	}
	result(bad == 0,
	       "unprivileged: %u skips name needs \"root\", %u judged by root skip otherwise",
	       n_root, bad);
}

static void check_list(void)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	char *const argv[] = {(char *)tool, "check", "--list", NULL};
	if (harness_run_checked(argv, &out, &len) < 0)
		return;
	unsigned n = 0, dup = 0;
	for (char *line = out; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		size_t idlen = strcspn(line, " \t");
		if (idlen > 0) {
			n++;
			/* Seen before: the same id at the start of an earlier line. */
			for (char *p = out; p < line; p += strlen(p) + 1)
				if (strncmp(p, line, idlen) == 0 &&
				    (p[idlen] == ' ' || p[idlen] == '\t' || p[idlen] == 0))
					dup++;
		}
		line = nl ? nl + 1 : NULL;
	}
	result(n > 0 && dup == 0, "check --list: %u rules, %u listed twice", n, dup);
}

static void check_bad_usage(void)
{
	char *const sec[] = {(char *)tool, "check", "--section", "bogus", NULL};
	char *const only[] = {(char *)tool, "check", "--only", "bogus.rule", NULL};
	char *const *cases[] = {sec, only};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		int s = harness_run_status(cases[i]);
		result(s == 2, "%s: exit status %d (2)", harness_cmdline(cases[i]), s);
	}
}

static void check_no_sample(const jv *doc)
{
	const jv *results = jv_get(doc, "results");
	for (unsigned k = 0; k < ELEMENTSOF(sampling_rules); k++) {
		unsigned n = 0, not_skip = 0;
		for (size_t i = 0; results && i < results->n; i++) {
			const jv *r = results->items[i];
			if (strcmp(str_or(r, "id", ""), sampling_rules[k]) != 0)
				continue;
			n++;
			not_skip += strcmp(str_or(r, "status", ""), "skip") != 0;
		}
		result(not_skip == 0, "--no-sample: %s: %u results, %u not skip", sampling_rules[k],
		       n, not_skip);
	}
}

int main(void)
{
	tool = getenv("HK_TOOL");
	if (!tool)
		SKIP("HK_TOOL is not set");

	char *const table[] = {(char *)tool, "check", "--no-sample", NULL};
	int s = harness_run_status(table);
	result(s == 0 || s == 1, "%s: exit status %d (0 or 1)", harness_cmdline(table), s);

	_cleanup_jv_ jv *mine = NULL;
	char *const json[] = {(char *)tool, "--json", "check", "--no-sample", NULL};
	if (run_json(json, &mine) >= 0) {
		check_summary("this user", mine);
		check_no_sample(mine);
	}
	check_list();
	check_bad_usage();

	if (geteuid() != 0) {
		note("skip: the unprivileged half needs root (to run as uid 65534)");
		TEST_DONE();
	}
	if (!harness_in_path("setpriv")) {
		note("skip: the unprivileged half needs setpriv(1) (util-linux)");
		TEST_DONE();
	}
	if (access(tool, X_OK) != 0 || strncmp(tool, "/", 1) != 0) {
		note("skip: the unprivileged half needs an absolute HK_TOOL");
		TEST_DONE();
	}
	char *const utable[] = {"setpriv",    "--reuid=65534", "--regid=65534", "--clear-groups",
				(char *)tool, "check",	       "--no-sample",	NULL};
	s = harness_run_status(utable);
	result(s == 0 || s == 1, "%s: exit status %d (0 or 1)", harness_cmdline(utable), s);
	_cleanup_jv_ jv *user = NULL;
	char *const ujson[] = {"setpriv",	 "--reuid=65534", "--regid=65534",
			       "--clear-groups", (char *)tool,	  "--json",
			       "check",		 "--no-sample",	  NULL};
	if (run_json(ujson, &user) >= 0) {
		check_summary("unprivileged", user);
		if (mine)
			check_needs_root(mine, user);
	}
	TEST_DONE();
}
