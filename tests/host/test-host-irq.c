/* SPDX-License-Identifier: MIT */
/*
 * The IRQ host suite, read only: hostkit's table of the live host against
 * /proc/interrupts and /proc/irq/N/ read here independently, and every
 * network device with a PCI function (this VM's eth0 is virtio_net on
 * 0000:00:03.0/virtio2) mapped to its queue IRQs, checked against the
 * names /proc/interrupts gives them and the queues sysfs lists. Nothing is
 * written.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hostkit/irq.h>
#include <hostkit/root.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/irq.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_table *, hk_irq_table_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_map *, hk_irq_map_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The text of a small file, trimmed, or NULL. */
static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t len;

	if (harness_read_file(path, &buf, &len) < 0)
		return NULL;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

/* Every numbered row of /proc/interrupts: its IRQ number and the text after the counts. */
static void check_rows(const hk_irq_table *t)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	unsigned rows = 0, bad = 0;

	if (CHECK_OK(harness_read_file("/proc/interrupts", &text, &len)) < 0)
		return;
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *lab = line;
		while (*lab == ' ')
			lab++;
		unsigned n;
		if (hk_parse_unsigned_range(lab, (size_t)(colon - lab), 0, INT_MAX, &n) < 0)
			continue;
		rows++;
		const hk_irq *irq = hk_irq_table_find(t, n);
		if (!irq) {
			fprintf(stderr, "IRQ %u: not in hostkit's table\n", n);
			bad++;
			continue;
		}
		/* The row ends with hostkit's name (actions), as the kernel wrote it. */
		size_t ll = strlen(line), nn = strlen(hk_irq_name(irq));
		if (nn > ll || strcmp(line + ll - nn, hk_irq_name(irq)) != 0 ||
		    (hk_irq_chip(irq) && !strstr(line, hk_irq_chip(irq)))) {
			fprintf(stderr, "IRQ %u: hostkit chip '%s' name '%s', file: %s\n", n,
				hk_irq_chip(irq), hk_irq_name(irq), line);
			bad++;
		}
		/* Counts only grow: hostkit's, read first, are at most the file's. */
		char *p = colon + 1;
		for (unsigned c = 0; c < hk_irq_table_n_columns(t); c++) {
			unsigned long long v = strtoull(p, &p, 10);
			if (hk_irq_count(irq, c) > v) {
				fprintf(stderr, "IRQ %u column %u: hostkit %llu > later %llu\n", n,
					c, (unsigned long long)hk_irq_count(irq, c), v);
				bad++;
			}
		}
		/* /proc/irq/N/smp_affinity_list, read here, against hostkit's set. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", n);
		_cleanup_free_ char *list = read_text(path);
		const hk_cpuset *set;
		int r = hk_irq_get_set(irq, HK_IRQ_SMP_AFFINITY_LIST, &set);
		if (list) {
			_cleanup_(hk_cpuset_freep) hk_cpuset *want = hk_cpuset_new();
			if (r < 0 || !want || hk_cpuset_parse_list(want, list, strlen(list)) < 0 ||
			    !hk_cpuset_equal(want, set)) {
				fprintf(stderr, "IRQ %u: smp_affinity_list '%s', hostkit %d\n", n,
					list, r);
				bad++;
			}
		} else if (r == 0) {
			fprintf(stderr, "IRQ %u: hostkit read an unreadable %s\n", n, path);
			bad++;
		}
	}
	printf("/proc/interrupts: %u numbered rows, hostkit %zu, %u differences\n", rows,
	       hk_irq_table_n_irqs(t), bad);
	CHECK_EQ_U64(rows, hk_irq_table_n_irqs(t));
	CHECK_EQ_U64(bad, 0);
}

/* basename of a path, in place. */
static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool is_pci_name(const char *s)
{
	unsigned a, b, c, d;
	char tail;
	return sscanf(s, "%x:%x:%x.%x%c", &a, &b, &c, &d, &tail) == 4;
}

/* One net device: its PCI function (itself or its parent for virtio), msi_irqs, the mapping. */
static unsigned check_netdev(const hk_irq_table *t, const char *ifname)
{
	char link[PATH_MAX], dev[PATH_MAX], pci_dir[PATH_MAX], drv[PATH_MAX];
	char path[PATH_MAX + 64];
	unsigned msi[1024];
	size_t n_msi = 0;
	const char *virtio = NULL;

	snprintf(link, sizeof(link), "/sys/class/net/%s/device", ifname);
	if (!realpath(link, dev))
		return 0;
	snprintf(path, sizeof(path), "%s/driver", dev);
	ssize_t dl = readlink(path, drv, sizeof(drv) - 1);
	if (dl < 0)
		return 0;
	drv[dl] = '\0';
	snprintf(pci_dir, sizeof(pci_dir), "%s", dev);
	if (strncmp(base(dev), "virtio", 6) == 0) {
		virtio = base(dev);
		*strrchr(pci_dir, '/') = '\0';
	}
	if (!is_pci_name(base(pci_dir)))
		return 0;

	snprintf(path, sizeof(path), "%s/msi_irqs", pci_dir);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) && n_msi < ELEMENTSOF(msi)) {
			unsigned v;
			if (hk_parse_unsigned_range(de->d_name, strlen(de->d_name), 0, INT_MAX,
						    &v) == 0)
				msi[n_msi++] = v;
		}
		closedir(d);
	}

	_cleanup_(hk_irq_map_freep) hk_irq_map *m = NULL;
	_cleanup_(hk_irq_map_freep) hk_irq_map *by_name = NULL;
	if (CHECK_OK(
		hk_irq_map_device(t, ifname, base(drv), base(pci_dir), virtio, msi, n_msi, &m)) < 0)
		return 0;
	CHECK_EQ_U64(hk_irq_map_count(m), n_msi);
	printf("%s: driver %s, PCI %s%s%s, %zu msi_irqs\n", ifname, base(drv), base(pci_dir),
	       virtio ? ", " : "", virtio ? virtio : "", n_msi);

	unsigned rx_seen = 0, tx_seen = 0;
	for (size_t k = 0; k < hk_irq_map_count(m); k++) {
		const hk_irq *irq = hk_irq_map_irq(m, k);
		hk_irq_kind kind = hk_irq_map_kind(m, k);
		int q = hk_irq_map_queue(m, k);
		printf("  IRQ %u %-16s %-6s queue %d\n", hk_irq_map_number(m, k),
		       irq ? hk_irq_name(irq) : "(no row)", hk_irq_kind_name(kind), q);
		if (!irq)
			continue;
		/* The kind and queue agree with the name's own words. */
		const char *name = hk_irq_map_name(m, k);
		char want[PATH_MAX + 32];
		if (kind == HK_IRQ_KIND_RX && virtio) {
			snprintf(want, sizeof(want), "%s-input.%d", virtio, q);
			CHECK(streq(name, want));
		}
		if (kind == HK_IRQ_KIND_TX && virtio) {
			snprintf(want, sizeof(want), "%s-output.%d", virtio, q);
			CHECK(streq(name, want));
		}
		if (kind == HK_IRQ_KIND_RX || kind == HK_IRQ_KIND_TXRX)
			rx_seen++;
		if (kind == HK_IRQ_KIND_TX || kind == HK_IRQ_KIND_TXRX)
			tx_seen++;
		if (virtio)
			CHECK(kind != HK_IRQ_KIND_UNKNOWN);
	}
	/* Per-queue vectors: one per rx-N and tx-N that sysfs lists. */
	unsigned rxq = 0, txq = 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			rxq += strncmp(de->d_name, "rx-", 3) == 0;
			txq += strncmp(de->d_name, "tx-", 3) == 0;
		}
		closedir(d);
	}
	if (virtio && n_msi > 2) {
		CHECK_EQ_U64(rx_seen, rxq);
		CHECK(tx_seen <= txq);
	}

	/* The same IRQs found by name, as when msi_irqs is empty. */
	if (CHECK_OK(hk_irq_map_device(t, ifname, base(drv), base(pci_dir), virtio, NULL, 0,
				       &by_name)) >= 0 &&
	    n_msi > 0) {
		size_t named = 0;
		for (size_t k = 0; k < hk_irq_map_count(m); k++)
			named += hk_irq_map_irq(m, k) != NULL;
		CHECK_EQ_U64(hk_irq_map_count(by_name), named);
		for (size_t k = 0; k < hk_irq_map_count(by_name) && k < hk_irq_map_count(m); k++) {
			CHECK_EQ_U64(hk_irq_map_number(by_name, k), hk_irq_map_number(m, k));
			CHECK_EQ_U64(hk_irq_map_kind(by_name, k), hk_irq_map_kind(m, k));
			CHECK_EQ_S64(hk_irq_map_queue(by_name, k), hk_irq_map_queue(m, k));
		}
	}
	return 1;
}

static void check_tool(const hk_irq_table *t)
{
	const char *tool = getenv("HK_TOOL");
	_cleanup_jv_ jv *doc = NULL;
	size_t len;

	if (!tool)
		return;
	char *argv[] = {(char *)tool, (char *)"--json", (char *)"inspect", (char *)"irq", NULL};
	if (json_run(argv, NULL, JV_NULL, &doc, NULL) < 0)
		return;
	const jv *irqs = jv_path(doc, "irq.irqs");
	CHECK(irqs && irqs->n == hk_irq_table_n_irqs(t));
	for (size_t i = 0; irqs && i < irqs->n && i < hk_irq_table_n_irqs(t); i++) {
		int64_t n;
		CHECK_OK(jv_get_int(irqs->items[i], "irq", &n));
		CHECK_EQ_S64(n, hk_irq_number(hk_irq_table_irq(t, i)));
		CHECK(
		    streq(jv_get_str(irqs->items[i], "name"), hk_irq_name(hk_irq_table_irq(t, i))));
	}
	char *targv[] = {(char *)tool, (char *)"inspect", (char *)"irq", NULL};
	_cleanup_free_ char *text = NULL;
	if (harness_run_checked(targv, &text, &len) >= 0)
		CHECK(strstr(text, "default affinity") && strstr(text, "irqbalance"));
}

int main(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	hk_diag d;

	if (access("/proc/interrupts", R_OK) != 0)
		SKIP("no /proc/interrupts");
	CHECK_OK(hk_root_open("/", 0, NULL, &root));
	hk_diag_clear(&d);
	if (CHECK_OK(hk_irq_table_load(root, 0, &d, &t)) < 0) {
		fprintf(stderr, "%s\n", d.message);
		TEST_DONE();
	}
	check_rows(t);

	_cleanup_free_ char *def = read_text("/proc/irq/default_smp_affinity");
	if (def) {
		_cleanup_(hk_cpuset_freep) hk_cpuset *want = hk_cpuset_new();
		CHECK(want && hk_cpuset_parse_mask(want, def, strlen(def)) == 0);
		CHECK(hk_irq_table_default_affinity(t) &&
		      hk_cpuset_equal(want, hk_irq_table_default_affinity(t)));
	}
	int ib = hk_irq_table_irqbalance(t);
	CHECK(ib == 0 || ib == 1);
	printf("irqbalance: %s\n", ib > 0 ? "running" : "not running");

	unsigned devices = 0;
	DIR *dir = opendir("/sys/class/net");
	if (dir) {
		struct dirent *de;
		while ((de = readdir(dir)))
			if (de->d_name[0] != '.')
				devices += check_netdev(t, de->d_name);
		closedir(dir);
	}
	printf("%u network devices with a PCI function checked\n", devices);
	check_tool(t);
	TEST_DONE();
}
