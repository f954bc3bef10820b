/* SPDX-License-Identifier: MIT */
/*
 * `hostkit --json inspect softnet` on this machine (read only), against
 * /proc/net/softnet_stat read before and after it: as many rows as the
 * file, each counter between its value before and after (they only grow,
 * modulo 2^32), each row's CPU an online CPU in increasing order, and the
 * totals the sums of the rows.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hostkit/cpuset.h>

#include "base/macro.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

#define MAX_ROWS 8192
#define MAX_COLS 16

struct table {
	unsigned n_rows;
	unsigned n_cols[MAX_ROWS];
	uint32_t v[MAX_ROWS][MAX_COLS];
};

/* Reads the file with plain strtoul: an independent reading of it. */
static int read_table(struct table *t)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	int r = harness_read_file("/proc/net/softnet_stat", &text, &len);
	if (r < 0)
		return r;
	t->n_rows = 0;
	for (char *line = text; *line && t->n_rows < MAX_ROWS;) {
		char *end;
		unsigned c = 0;
		while (*line != '\n' && *line) {
			unsigned long v = strtoul(line, &end, 16);
			if (end == line)
				break;
			if (c < MAX_COLS)
				t->v[t->n_rows][c] = (uint32_t)v;
			c++;
			line = end;
			while (*line == ' ')
				line++;
		}
		t->n_cols[t->n_rows++] = c;
		while (*line && *line != '\n')
			line++;
		if (*line == '\n')
			line++;
	}
	return 0;
}

static const struct {
	const char *key;
	unsigned column;
} columns[] = {
    {"processed", 0},	  {"dropped", 1},      {"time_squeeze", 2},
    {"cpu_collision", 8}, {"received_rps", 9}, {"flow_limit_count", 10},
};

int main(void)
{
	char *argv[] = {NULL, (char *)"--json", (char *)"inspect", (char *)"softnet", NULL};
	static struct table before, after;
	_cleanup_(hk_cpuset_freep) hk_cpuset *online = hk_cpuset_new();
	_cleanup_free_ char *online_text = NULL;
	_cleanup_jv_ jv *doc = NULL;
	const jv *cpus = NULL;
	size_t len;

	const char *tool = getenv("HK_TOOL");
	if (!tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	if (access("/proc/net/softnet_stat", R_OK) < 0)
		SKIP("this machine has no /proc/net/softnet_stat");
	argv[0] = (char *)tool;
	if (read_table(&before) < 0)
		SKIP("cannot read /proc/net/softnet_stat");
	bool ran = json_run(argv, "softnet.cpus", JV_ARRAY, &doc, &cpus) >= 0;
	CHECK_OK(read_table(&after));
	if (!ran)
		TEST_DONE();
	const jv *total = jv_path(doc, "softnet.total");
	if (!total) {
		result(false, "%s: no \"softnet.total\"", harness_cmdline(argv));
		TEST_DONE();
	}
	bool same_rows = before.n_rows == after.n_rows && cpus->n == after.n_rows;
	result(same_rows, "%zu rows, the file %u before and %u after", cpus->n, before.n_rows,
	       after.n_rows);
	if (!same_rows)
		TEST_DONE();

	if (harness_read_file("/sys/devices/system/cpu/online", &online_text, &len) == 0 && online)
		CHECK_OK(hk_cpuset_parse_list(online, online_text, len));

	unsigned bad = 0;
	int64_t last_cpu = -1;
	int64_t sums[ELEMENTSOF(columns)] = {0};
	for (unsigned i = 0; i < after.n_rows; i++) {
		const jv *row = cpus->items[i];
		int64_t cols = 0, cpu = -1;
		CHECK_OK(jv_get_int(row, "columns", &cols));
		if ((unsigned)cols != after.n_cols[i]) {
			result(false, "row %u: %" PRId64 " columns, file %u", i, cols,
			       after.n_cols[i]);
			bad++;
		}
		for (unsigned k = 0; k < ELEMENTSOF(columns); k++) {
			int64_t v;
			if (columns[k].column >= after.n_cols[i]) {
				bad += jv_get_int(row, columns[k].key, &v) != -ENODATA;
				continue;
			}
			uint32_t lo = before.v[i][columns[k].column];
			uint32_t hi = after.v[i][columns[k].column];
			if (jv_get_int(row, columns[k].key, &v) < 0 ||
			    (uint32_t)((uint32_t)v - lo) > (uint32_t)(hi - lo)) {
				result(false, "row %u: %s %" PRId64 " not in [%u, %u]", i,
				       columns[k].key, v, lo, hi);
				bad++;
			}
			sums[k] += v;
		}
		if (jv_get_int(row, "cpu", &cpu) == 0) {
			if (cpu <= last_cpu || (online && !hk_cpuset_test(online, (unsigned)cpu))) {
				result(false, "row %u: CPU %" PRId64 " not online or out of order",
				       i, cpu);
				bad++;
			}
			last_cpu = cpu;
		} else {
			note("row %u: CPU unknown (the online set does not match the rows)", i);
		}
	}
	result(bad == 0, "%u rows: columns and counters as the file says, CPUs online",
	       after.n_rows);
	for (unsigned k = 0; k < ELEMENTSOF(columns); k++) {
		int64_t v;
		int r = jv_get_int(total, columns[k].key, &v);
		if (r == -ENODATA)
			continue;
		result(r == 0 && v == sums[k], "total %s %" PRId64 " is the sum of the rows",
		       columns[k].key, v);
	}
	TEST_DONE();
}
