/* SPDX-License-Identifier: MIT */
/*
 * softnet_stat against the peers' expectations (../shared/peer-data):
 *  - node_exporter: every node_softnet_* line of fixtures/e2e-output.txt
 *    (4 CPUs of 11 columns) must come out of `hostkit --json inspect
 *    softnet` on its tree, CPU by CPU. node_exporter writes 0 for a column
 *    the kernel does not have (backlog_len here); hostkit writes null.
 *  - prometheus/procfs: rows of 13, 13, 11, 9 and 10 columns with the
 *    values of its EXPECTED.md table, and softnet_stat.broken refused with
 *    a diagnostic naming the line and the text.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/root.h>
#include <hostkit/softnet.h>

#include "base/macro.h"
#include "host/softnet.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_softnet *, hk_softnet_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)

static const char *tool;

/* Runs `hostkit --root ROOT --json inspect softnet`; *ret_softnet is its "softnet" object. */
static int hostkit_softnet(const char *root, jv **ret, const jv **ret_softnet)
{
	char *const argv[] = {(char *)tool,	 (char *)"--root",  (char *)root, (char *)"--json",
			      (char *)"inspect", (char *)"softnet", NULL};

	return json_run(argv, "softnet", JV_OBJECT, ret, ret_softnet);
}

/* node_exporter's metric names and hostkit's keys. */
static const struct {
	const char *metric;
	const char *key;
} metrics[] = {
    {"node_softnet_processed_total", "processed"},
    {"node_softnet_dropped_total", "dropped"},
    {"node_softnet_times_squeezed_total", "time_squeeze"},
    {"node_softnet_received_rps_total", "received_rps"},
    {"node_softnet_flow_limit_count_total", "flow_limit_count"},
    {"node_softnet_backlog_len", "backlog_len"},
    {"node_softnet_cpu_collision_total", "cpu_collision"},
};

/* The row of hostkit's "cpus" whose "cpu" is @cpu, or NULL. */
static const jv *row_of_cpu(const jv *cpus, int64_t cpu)
{
	for (size_t i = 0; cpus && i < cpus->n; i++) {
		int64_t c;
		if (jv_get_int(cpus->items[i], "cpu", &c) == 0 && c == cpu)
			return cpus->items[i];
	}
	return NULL;
}

static void test_node_exporter(const char *data)
{
	char root[PATH_MAX], e2e[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	_cleanup_jv_ jv *doc = NULL;
	const jv *softnet = NULL;
	unsigned seen = 0;
	size_t len;

	snprintf(root, sizeof(root), "%s/node_exporter/fixtures", data);
	snprintf(e2e, sizeof(e2e), "%s/node_exporter/fixtures/e2e-output.txt", data);
	if (harness_read_file(e2e, &text, &len) < 0) {
		note("node_exporter: no e2e-output.txt, skipped");
		return;
	}
	if (hostkit_softnet(root, &doc, &softnet) < 0)
		return;
	const jv *cpus = jv_get(softnet, "cpus");
	result(cpus && cpus->n == 4, "node_exporter: 4 CPUs (%zu)", cpus ? cpus->n : 0);

	/* Lines: node_softnet_processed_total{cpu="2"} 5.577791e+06 */
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "node_softnet_", 13) != 0)
			continue;
		char *brace = strstr(line, "{cpu=\"");
		char *space = strrchr(line, ' ');
		if (!brace || !space)
			continue;
		*brace = '\0';
		int64_t cpu = strtoll(brace + 6, NULL, 10);
		double want = strtod(space + 1, NULL);
		const char *key = NULL;
		for (unsigned i = 0; i < ELEMENTSOF(metrics); i++)
			if (strcmp(line, metrics[i].metric) == 0)
				key = metrics[i].key;
		if (!key) {
			result(false, "node_exporter: metric %s has no hostkit key", line);
			continue;
		}
		seen++;
		const jv *row = row_of_cpu(cpus, cpu);
		if (!row) {
			result(false, "node_exporter: %s{cpu=%" PRId64 "}: no such CPU in hostkit",
			       line, cpu);
			continue;
		}
		int64_t got;
		int r = jv_get_int(row, key, &got);
		if (r == -ENODATA)
			got = 0; /* node_exporter's 0 for a column the kernel lacks */
		result((r == 0 || r == -ENODATA) && (double)got == want,
		       "node_exporter: %s{cpu=\"%" PRId64 "\"} %.0f: hostkit %s %" PRId64 "%s",
		       line, cpu, want, key, got, r == -ENODATA ? " (null)" : "");
	}
	/* 7 metrics x 4 CPUs. */
	result(seen == 28, "node_exporter: %u node_softnet_* lines compared (28)", seen);

	/* The backlog column is absent from 11-column rows: null, not 0. */
	const jv *row0 = row_of_cpu(cpus, 0);
	int64_t v;
	CHECK_ERR(jv_get_int(row0, "backlog_len", &v), -ENODATA);
	const jv *total = jv_get(softnet, "total");
	CHECK_OK(jv_get_int(total, "processed", &v));
	CHECK_EQ_S64(v, 299641 + 916354 + 5577791 + 3113785);
}

static void test_procfs(const char *data)
{
	char root_path[PATH_MAX], broken[PATH_MAX];
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_softnet_freep) hk_softnet *s = NULL;
	_cleanup_free_ char *text = NULL;
	hk_softnet *none = NULL;
	hk_diag diag;
	size_t len;

	snprintf(root_path, sizeof(root_path), "%s/procfs/fixtures", data);
	if (hk_root_open(root_path, 0, NULL, &root) < 0) {
		note("procfs: no fixtures tree, skipped");
		return;
	}
	CHECK_OK(hk_softnet_load(root, NULL, &s));
	if (!s)
		return;

	/* EXPECTED.md's table. */
	static const struct {
		unsigned width;
		int64_t v[7]; /* processed, dropped, squeeze, collision, rps, flow limit, backlog */
	} rows[] = {
	    {13, {0x00358fe3, 0x6283, 0, 0, 0x000855fc, 0x76, 0}},
	    {13, {0x00953d1a, 0x446, 0xb1, 0, 0x008eeb9a, 0x2b, 0xdc}},
	    {11, {0x00015c73, 0x20e76, 0xf0000769, 0x4, 0x3, 0x2, -ENODATA}},
	    {9, {0x01663fb2, 0, 0x109a4, 0x20e76, -ENODATA, -ENODATA, -ENODATA}},
	    {10, {0x00008e78, 0x1, 0x11, 0x20, 0x10, -ENODATA, -ENODATA}},
	};
	static const hk_softnet_field fields[7] = {
	    HK_SOFTNET_PROCESSED,     HK_SOFTNET_DROPPED,      HK_SOFTNET_TIME_SQUEEZE,
	    HK_SOFTNET_CPU_COLLISION, HK_SOFTNET_RECEIVED_RPS, HK_SOFTNET_FLOW_LIMIT_COUNT,
	    HK_SOFTNET_BACKLOG_LEN,
	};
	bool ok = hk_softnet_n_rows(s) == ELEMENTSOF(rows);
	result(ok, "procfs: %u rows (5)", hk_softnet_n_rows(s));
	for (unsigned i = 0; ok && i < ELEMENTSOF(rows); i++) {
		bool row_ok = hk_softnet_n_columns(s, i) == rows[i].width;
		for (unsigned f = 0; f < 7; f++)
			row_ok &= hk_softnet_get(s, i, fields[f]) == rows[i].v[f];
		result(row_ok, "procfs: row %u, %u columns, as EXPECTED.md", i, rows[i].width);
	}
	/* The rows that print their CPU say 0 and 1. */
	CHECK_EQ_S64(hk_softnet_cpu(s, 0), 0);
	CHECK_EQ_S64(hk_softnet_cpu(s, 1), 1);
	/*
	 * procfs numbers the others by row; the tree's online CPUs (0-2 at
	 * most) are fewer than the 5 rows, so hostkit does not guess.
	 */
	for (unsigned i = 2; i < hk_softnet_n_rows(s); i++) {
		int cpu = hk_softnet_cpu(s, i);
		result(cpu == -ENODATA || cpu == (int)i, "procfs: row %u CPU %d (unknown or %u)", i,
		       cpu, i);
	}

	snprintf(broken, sizeof(broken), "%s/procfs/fixtures/proc/net/softnet_stat.broken", data);
	if (harness_read_file(broken, &text, &len) < 0) {
		note("procfs: no softnet_stat.broken");
		return;
	}
	hk_diag_clear(&diag);
	CHECK_ERR(hk_softnet_parse(text, len, NULL, "proc/net/softnet_stat.broken", &diag, &none),
		  -EINVAL);
	result(diag.line == 1 && strstr(diag.message, "F0000769") &&
		   strstr(diag.message, "fewer than 9 columns"),
	       "procfs: softnet_stat.broken refused: %s", diag.message);
}

int main(void)
{
	const char *data = getenv("HK_PEER_DATA");
	char probe[PATH_MAX];

	tool = getenv("HK_TOOL");
	if (!data)
		SKIP("HK_PEER_DATA is not set");
	if (!tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	snprintf(probe, sizeof(probe), "%s/README.md", data);
	if (access(probe, R_OK) < 0)
		SKIP("no peer data at %s", data);
	test_node_exporter(data);
	test_procfs(data);
	TEST_DONE();
}
