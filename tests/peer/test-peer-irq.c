/* SPDX-License-Identifier: MIT */
/*
 * The IRQ peer suite (../shared/peer-data, README.md and procfs/EXPECTED.md):
 *  - node_exporter: every node_interrupts_total series of e2e-output.txt
 *    (cpu, devices, info, type -> value) comes out of hostkit's parse of
 *    fixtures/proc/interrupts with the same value, and hostkit has no
 *    per-CPU series that node_exporter lacks; interrupts_aarch64 (GICv3,
 *    ITS-MSI, an ENA's eth0-Tx-Rx-N vectors) parses and maps to queues;
 *    the I350's msi_irqs 147..155 map as its IRQs;
 *  - procfs: the rows procfs's own test checks, the virtio multi-queue rows;
 *  - `hostkit --root FIXTURES --json inspect irq` on both trees.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hostkit/irq.h>
#include <hostkit/root.h>

#include "base/macro.h"
#include "base/parse.h"
#include "base/strbuf.h"
#include "host/irq.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_table *, hk_irq_table_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_map *, hk_irq_map_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)

static const char *peer;

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int parse_file(const char *rel, hk_irq_table **ret)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	hk_diag d;

	snprintf(path, sizeof(path), "%s/%s", peer, rel);
	int r = harness_read_file(path, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "cannot read %s: %s\n", path, strerror(-r));
		test_failures++;
		return r;
	}
	hk_diag_clear(&d);
	r = hk_parse_interrupts(buf, len, rel, &d, ret);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", rel, d.message);
		test_failures++;
	}
	return r;
}

/* node_exporter's "info" and "devices" labels, rebuilt from hostkit's fields. */
static void ne_labels(const hk_irq *irq, hk_strbuf *info, hk_strbuf *devices)
{
	if (hk_irq_number(irq) < 0) {
		/* Named rows: the description is the info; no devices. */
		hk_strbuf_puts(info, hk_irq_name(irq));
		return;
	}
	/* The first token after the counts is the info, the rest joined by blanks the devices. */
	hk_strbuf_puts(info, hk_irq_chip(irq) ? hk_irq_chip(irq) : "");
	const char *flow = hk_irq_flow(irq);
	int64_t hw = hk_irq_hwirq(irq);
	if (hw < 0 && flow)
		hk_strbuf_printf(info, "-%s", flow);
	if (hw >= 0) {
		hk_strbuf_printf(devices, "%" PRId64, hw);
		if (flow)
			hk_strbuf_printf(devices, "-%s", flow);
		if (hk_irq_trigger(irq) && (!flow || strcmp(flow, hk_irq_trigger(irq)) != 0))
			hk_strbuf_printf(devices, " %s", hk_irq_trigger(irq));
		if (*hk_irq_name(irq))
			hk_strbuf_putc(devices, ' ');
	}
	/* Fields are split at any run of blanks and joined with one. */
	const char *n = hk_irq_name(irq);
	bool blank = false;
	for (; *n; n++) {
		if (*n == ' ') {
			blank = true;
			continue;
		}
		if (blank && devices->len)
			hk_strbuf_putc(devices, ' ');
		blank = false;
		hk_strbuf_putc(devices, *n);
	}
}

/* A label value of a Prometheus line: key="value". */
static bool prom_label(const char *line, const char *key, char *buf, size_t size)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "%s=\"", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	const char *q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= size)
		return false;
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
	return true;
}

static const hk_irq *row_by_label(const hk_irq_table *t, const char *label)
{
	for (size_t i = 0; i < hk_irq_table_n_irqs(t); i++)
		if (streq(hk_irq_label(hk_irq_table_irq(t, i)), label))
			return hk_irq_table_irq(t, i);
	for (size_t i = 0; i < hk_irq_table_n_other(t); i++)
		if (streq(hk_irq_label(hk_irq_table_other(t, i)), label))
			return hk_irq_table_other(t, i);
	return NULL;
}

static int column_of(const hk_irq_table *t, unsigned cpu)
{
	for (unsigned c = 0; c < hk_irq_table_n_columns(t); c++)
		if ((unsigned)hk_irq_table_column_cpu(t, c) == cpu)
			return (int)c;
	return -1;
}

static void test_node_exporter_e2e(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	_cleanup_free_ char *e2e = NULL;
	char path[PATH_MAX];
	size_t len;
	unsigned compared = 0, failed = 0;

	if (parse_file("node_exporter/fixtures/proc/interrupts", &t) < 0)
		return;
	snprintf(path, sizeof(path), "%s/node_exporter/fixtures/e2e-output.txt", peer);
	if (harness_read_file(path, &e2e, &len) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		test_failures++;
		return;
	}
	for (char *line = e2e, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "node_interrupts_total{", 22) != 0)
			continue;
		char cpu_s[16], devices[256], info[256], type[32];
		if (!prom_label(line, "cpu", cpu_s, sizeof(cpu_s)) ||
		    !prom_label(line, "devices", devices, sizeof(devices)) ||
		    !prom_label(line, "info", info, sizeof(info)) ||
		    !prom_label(line, "type", type, sizeof(type))) {
			fprintf(stderr, "cannot read e2e line: %s\n", line);
			failed++;
			continue;
		}
		double want = strtod(strrchr(line, ' ') + 1, NULL);
		compared++;
		const hk_irq *irq = row_by_label(t, type);
		int col = column_of(t, (unsigned)atoi(cpu_s));
		if (!irq || col < 0) {
			fprintf(stderr, "no row %s / cpu %s in hostkit's parse\n", type, cpu_s);
			failed++;
			continue;
		}
		hk_strbuf i = HK_STRBUF_INIT, d = HK_STRBUF_INIT;
		ne_labels(irq, &i, &d);
		double got = (double)hk_irq_count(irq, (unsigned)col);
		if (got != want || !streq(hk_strbuf_str(&i), info) ||
		    !streq(hk_strbuf_str(&d), devices)) {
			fprintf(
			    stderr,
			    "type %s cpu %s: hostkit %.0f info '%s' devices '%s', node_exporter "
			    "%.0f info '%s' devices '%s'\n",
			    type, cpu_s, got, hk_strbuf_str(&i), hk_strbuf_str(&d), want, info,
			    devices);
			failed++;
		}
		hk_strbuf_done(&i);
		hk_strbuf_done(&d);
	}
	/* Both ways: node_exporter leaves out only the single-value rows (ERR, MIS). */
	unsigned ours = 0;
	for (size_t i = 0; i < hk_irq_table_n_irqs(t); i++)
		ours += hk_irq_n_counts(hk_irq_table_irq(t, i));
	for (size_t i = 0; i < hk_irq_table_n_other(t); i++)
		if (!hk_irq_is_single(hk_irq_table_other(t, i)))
			ours += hk_irq_n_counts(hk_irq_table_other(t, i));
	printf("node_exporter e2e: %u node_interrupts_total series compared, %u differ; "
	       "hostkit has %u per-CPU counts\n",
	       compared, failed, ours);
	CHECK_EQ_U64(compared, 112);
	CHECK_EQ_U64(ours, compared);
	CHECK_EQ_U64(failed, 0);
}

static void test_aarch64(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	_cleanup_(hk_irq_map_freep) hk_irq_map *m = NULL;

	if (parse_file("node_exporter/fixtures/proc/interrupts_aarch64", &t) < 0)
		return;
	CHECK_EQ_U64(hk_irq_table_n_columns(t), 8);
	CHECK_EQ_U64(hk_irq_table_n_irqs(t), 51);
	CHECK_EQ_U64(hk_irq_table_n_other(t), 8);
	const hk_irq *i = hk_irq_table_find(t, 10);
	CHECK(streq(hk_irq_chip(i), "GICv3") && hk_irq_hwirq(i) == 27 &&
	      streq(hk_irq_trigger(i), "Level") && streq(hk_irq_name(i), "arch_timer"));
	CHECK_EQ_U64(hk_irq_count(i, 7), 3225020442ull);
	i = hk_irq_table_find(t, 52);
	CHECK(streq(hk_irq_chip(i), "ITS-MSI") && hk_irq_hwirq(i) == 507904 &&
	      streq(hk_irq_name(i), "nvme1q0"));
	const hk_irq *o = hk_irq_table_other(t, 0);
	CHECK(streq(hk_irq_label(o), "IPI0") && hk_irq_count(o, 0) == 2768808080ull);
	CHECK(streq(hk_irq_name(hk_irq_table_other(t, 3)), "CPU stop (for crash dump) interrupts"));
	o = hk_irq_table_other(t, 7);
	CHECK(streq(hk_irq_label(o), "Err") && hk_irq_is_single(o));

	/* The ENA behind eth0: eight combined channels and the management vector. */
	CHECK_OK(hk_irq_map_device(t, "eth0", "ena", "0000:00:05.0", NULL, NULL, 0, &m));
	if (!m)
		return;
	CHECK_EQ_U64(hk_irq_map_count(m), 9);
	CHECK_EQ_U64(hk_irq_map_number(m, 0), 57);
	CHECK_EQ_U64(hk_irq_map_kind(m, 0), HK_IRQ_KIND_OTHER);
	for (size_t k = 1; k < hk_irq_map_count(m); k++) {
		CHECK_EQ_U64(hk_irq_map_number(m, k), 57 + k);
		CHECK_EQ_S64(hk_irq_map_queue(m, k), (int64_t)k - 1);
		CHECK_EQ_U64(hk_irq_map_kind(m, k), HK_IRQ_KIND_TXRX);
	}
}

static void test_procfs(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	_cleanup_(hk_irq_map_freep) hk_irq_map *m = NULL;

	if (parse_file("procfs/fixtures/proc/interrupts", &t) < 0)
		return;
	/* procfs/EXPECTED.md: 4 CPUs, 47 entries, the blank line before PIN skipped. */
	CHECK_EQ_U64(hk_irq_table_n_columns(t), 4);
	CHECK_EQ_U64(hk_irq_table_n_irqs(t) + hk_irq_table_n_other(t), 47);
	const hk_irq *i = hk_irq_table_find(t, 0);
	CHECK(i && hk_irq_count(i, 0) == 49 && hk_irq_total(i) == 49);
	CHECK(streq(hk_irq_chip(i), "IO-APIC") && hk_irq_hwirq(i) == 2 &&
	      streq(hk_irq_flow(i), "edge") && streq(hk_irq_name(i), "timer"));
	const hk_irq *o = row_by_label(t, "LOC");
	CHECK(o && hk_irq_count(o, 0) == 10196 && hk_irq_count(o, 1) == 7429 &&
	      hk_irq_count(o, 2) == 8542 && hk_irq_count(o, 3) == 8229);
	CHECK(o && streq(hk_irq_name(o), "Local timer interrupts"));
	o = row_by_label(t, "ERR");
	CHECK(o && hk_irq_is_single(o) && hk_irq_total(o) == 0);
	o = row_by_label(t, "MIS");
	CHECK(o && hk_irq_is_single(o));
	o = row_by_label(t, "PIW");
	CHECK(o && !hk_irq_is_single(o) && hk_irq_total(o) == 0 &&
	      streq(hk_irq_name(o), "Posted-interrupt wakeup event"));
	i = hk_irq_table_find(t, 24);
	CHECK(i && streq(hk_irq_chip(i), "PCI-MSI") && streq(hk_irq_name(i), "virtio5-config"));
	for (unsigned n = 25; n <= 27; n++) {
		char want[32];
		snprintf(want, sizeof(want), "virtio5-req.%u", n - 25);
		i = hk_irq_table_find(t, n);
		CHECK(i && streq(hk_irq_name(i), want) && hk_irq_count(i, n - 25) > 0);
	}

	/* virtio0 is a virtio_net device: config, input.0, output.0. */
	CHECK_OK(hk_irq_map_device(t, "eth0", "virtio_net", NULL, "virtio0", NULL, 0, &m));
	if (m) {
		CHECK_EQ_U64(hk_irq_map_count(m), 3);
		CHECK(hk_irq_map_number(m, 0) == 35 && hk_irq_map_kind(m, 0) == HK_IRQ_KIND_OTHER);
		CHECK(hk_irq_map_number(m, 1) == 36 && hk_irq_map_kind(m, 1) == HK_IRQ_KIND_RX &&
		      hk_irq_map_queue(m, 1) == 0);
		CHECK(hk_irq_map_number(m, 2) == 37 && hk_irq_map_kind(m, 2) == HK_IRQ_KIND_TX);
	}
}

/* Reads the numeric entries of a msi_irqs directory inside @root. */
static size_t read_msi(hk_root *root, const char *dir, unsigned *out, size_t max)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t n = 0;

	if (CHECK_OK(hk_root_opendir(root, dir, &d)) < 0)
		return 0;
	while ((de = readdir(d)) && n < max) {
		unsigned v;
		if (hk_parse_unsigned_range(de->d_name, strlen(de->d_name), 0, UINT32_MAX / 2,
					    &v) == 0)
			out[n++] = v;
	}
	return n;
}

static void test_i350(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	_cleanup_(hk_irq_map_freep) hk_irq_map *m = NULL;
	char path[PATH_MAX];
	unsigned msi[64];
	hk_diag d;

	snprintf(path, sizeof(path), "%s/node_exporter/fixtures", peer);
	if (CHECK_OK(hk_root_open(path, 0, NULL, &root)) < 0)
		return;
	/* The whole loader on a capture without proc/irq: every item absent, no failure. */
	hk_diag_clear(&d);
	if (CHECK_OK(hk_irq_table_load(root, 0, &d, &t)) < 0) {
		fprintf(stderr, "%s\n", d.message);
		return;
	}
	const hk_cpuset *set;
	const hk_irq *i = hk_irq_table_find(t, 16);
	CHECK(i && hk_irq_get_set(i, HK_IRQ_SMP_AFFINITY, &set) == -ENOENT);
	CHECK(hk_irq_table_default_affinity(t) == NULL);

	size_t n = read_msi(root, "sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0/msi_irqs", msi,
			    ELEMENTSOF(msi));
	CHECK_EQ_U64(n, 9);
	CHECK_OK(hk_irq_map_device(t, "ens10f0", "igb", "0000:45:00.0", NULL, msi, n, &m));
	if (!m)
		return;
	CHECK_EQ_U64(hk_irq_map_count(m), 9);
	for (size_t k = 0; k < hk_irq_map_count(m); k++) {
		CHECK_EQ_U64(hk_irq_map_number(m, k), 147 + k);
		/* The capture's /proc/interrupts is another machine's: no row, kind unknown. */
		CHECK(hk_irq_map_irq(m, k) == NULL);
		CHECK_EQ_U64(hk_irq_map_kind(m, k), HK_IRQ_KIND_UNKNOWN);
	}
}

/* The tool on a captured root: JSON with the rows and the named rows. */
static void test_tool(const char *rel, size_t want_irqs, size_t want_other)
{
	const char *tool = getenv("HK_TOOL");
	char root[PATH_MAX];
	_cleanup_jv_ jv *doc = NULL;

	if (!tool)
		return;
	snprintf(root, sizeof(root), "%s/%s", peer, rel);
	char *argv[] = {(char *)tool,	   (char *)"--root", root, (char *)"--json",
			(char *)"inspect", (char *)"irq",    NULL};
	if (json_run(argv, NULL, JV_NULL, &doc, NULL) < 0)
		return;
	const jv *irqs = jv_path(doc, "irq.irqs"), *other = jv_path(doc, "irq.other");
	CHECK(irqs && irqs->type == JV_ARRAY && irqs->n == want_irqs);
	CHECK(other && other->type == JV_ARRAY && other->n == want_other);
	const jv *ib = jv_path(doc, "irq.irqbalance_running");
	CHECK(ib && ib->type == JV_BOOL);
}

int main(void)
{
	char path[PATH_MAX];

	peer = getenv("HK_PEER_DATA");
	if (!peer)
		SKIP("HK_PEER_DATA is not set");
	snprintf(path, sizeof(path), "%s/node_exporter/fixtures/proc/interrupts", peer);
	if (access(path, R_OK) != 0)
		SKIP("no peer data at %s", peer);

	test_node_exporter_e2e();
	test_aarch64();
	test_procfs();
	test_i350();
	test_tool("node_exporter/fixtures", 15, 15);
	test_tool("procfs/fixtures", 28, 19);
	TEST_DONE();
}
