/* SPDX-License-Identifier: MIT */
/*
 * The network devices' peer suite: `hostkit --root TREE --json inspect net`
 * on the captures that hold multi-queue NICs (../shared/peer-data/README.md):
 *
 *  - node_exporter: the Intel I350 ens10f0 (igb) at
 *    sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0/net/ens10f0, which
 *    sys/class/net does not list, with rx/tx-0..7, 256-CPU masks, BQL,
 *    msi_irqs 147-155, node 0, local CPUs 0-63,128-191; its links are files;
 *  - hwloc 32em64t-2n8c+dax+nvme+mic+dimms: the I350 pair eth0/eth1 (igb,
 *    node 0, local CPUs 0-7, 9 msi_irqs each, rx/tx-0..7) and ib0 (mlx4,
 *    node 1, rx-0/tx-0);
 *  - procfs: the E810 enp162s0f0np0 (ice) on node 1, local CPUs 64-127,
 *    with a down link whose speed the capture stored empty.
 *
 * Every queue value in the JSON is compared with the file it came from, read
 * here without hostkit (masks parsed by the test as lists), and the named
 * facts above with what the corpus README says. No ethtool state is recorded
 * beside these trees: channels, rings and rss must be null, "not recorded".
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hostkit/cpuset.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

/* fmt() into @buf, which the paths of the trees always fit. */
static __attribute__((format(printf, 3, 4))) char *fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
	return buf;
}

/* `hostkit --root ROOT --json inspect net [DEV]`, parsed; its devices array in *ret_devs. */
static int run_hostkit(const char *root, const char *dev, jv **ret_doc, const jv **ret_devs)
{
	const char *tool = getenv("HK_TOOL");
	char *const argv[] = {(char *)tool, "--root", (char *)root, "--json",
			      "inspect",    "net",    (char *)dev,  NULL};

	return json_run(argv, "net.devices", JV_ARRAY, ret_doc, ret_devs);
}

static const jv *find_device(const jv *devs, const char *name)
{
	for (size_t i = 0; i < devs->n; i++) {
		const char *n = jv_get_str(devs->items[i], "name");
		if (n && strcmp(n, name) == 0)
			return devs->items[i];
	}
	return NULL;
}

/* The trimmed text of ROOT/@rel into @buf; -errno when unreadable. */
static int read_text(const char *root, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (strlen(root) + strlen(rel) + 2 > sizeof(path))
		return -ENAMETOOLONG;
	fmt(path, sizeof(path), "%s/%s", root, rel);
	int r = harness_read_file(path, &text, &len);
	if (r < 0)
		return r;
	const char *t = text;
	hk_trim(&t, &len);
	if (len >= size)
		return -EFBIG;
	memcpy(buf, t, len);
	buf[len] = 0;
	return 0;
}

/* Compares JSON member @key of @obj with file @rel holding a number. */
static void compare_number(const char *who, const char *root, const char *rel, const jv *obj,
			   const char *key)
{
	char text[64];
	int64_t want, got;

	int r = read_text(root, rel, text, sizeof(text));
	int g = jv_get_int(obj, key, &got);
	if (r < 0 || !text[0]) {
		/* An absent or empty file is null in the JSON. */
		result(g == -ENODATA, "%s: %s is null (file %s)", who, key,
		       r < 0 ? strerror(-r) : "empty");
		return;
	}
	if (strchr(text, '-') && strcmp(key, "traffic_class") == 0)
		text[strcspn(text, "-")] = 0;
	if (hk_parse_s64(text, strlen(text), &want) < 0) {
		result(false, "%s: %s: file holds '%s'", who, rel, text);
		return;
	}
	result(g == 0 && got == want, "%s: %s %" PRId64 ", file %" PRId64, who, key,
	       g == 0 ? got : -1, want);
}

/* Compares JSON member @key (a CPU list string) with mask file @rel. */
static void compare_mask(const char *who, const char *root, const char *rel, const jv *obj,
			 const char *key)
{
	char text[4096];
	_cleanup_(hk_cpuset_freep) hk_cpuset *want = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *got = hk_cpuset_new();
	const jv *v = jv_get(obj, key);

	int r = read_text(root, rel, text, sizeof(text));
	if (r < 0 || !text[0]) {
		result(v && v->type == JV_NULL, "%s: %s is null (file %s)", who, key,
		       r < 0 ? strerror(-r) : "empty");
		return;
	}
	if (!want || !got || hk_cpuset_parse_mask(want, text, strlen(text)) < 0) {
		result(false, "%s: %s: file holds '%.40s'", who, rel, text);
		return;
	}
	bool ok = v && v->type == JV_STRING &&
		  hk_cpuset_parse_list(got, v->string, strlen(v->string)) == 0 &&
		  hk_cpuset_equal(want, got);
	result(ok, "%s: %s '%s' matches %s", who, key, v && v->string ? v->string : "(null)", rel);
}

/* The numbers of DIR's entries named PREFIX<N> (rx-, tx-) or <N> (msi_irqs): a count. */
static unsigned count_entries(const char *root, const char *rel, const char *prefix)
{
	char path[PATH_MAX];
	_cleanup_closedir_ DIR *d = NULL;
	unsigned n = 0;

	fmt(path, sizeof(path), "%s/%s", root, rel);
	d = opendir(path);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t pl = strlen(prefix);
		uint64_t v;
		if (strncmp(de->d_name, prefix, pl) == 0 &&
		    hk_parse_u64(de->d_name + pl, strlen(de->d_name + pl), 10, &v) == 0)
			n++;
	}
	return n;
}

/* Every queue of @dev against its files. */
static void compare_queues(const char *root, const jv *dev)
{
	const char *name = jv_get_str(dev, "name");
	const char *path = jv_get_str(dev, "sysfs_path");
	char who[128], rel[PATH_MAX];
	static const char *const bql[] = {"limit",    "limit_min",  "limit_max", "hold_time",
					  "inflight", "stall_thrs", "stall_cnt", "stall_max"};

	if (!path) {
		result(false, "%s: no sysfs_path", name);
		return;
	}
	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "tx" : "rx";
		char key[16];
		fmt(key, sizeof(key), "queues.%s", kind);
		const jv *qs = jv_path(dev, key);
		fmt(rel, sizeof(rel), "%s/queues", path);
		char prefix[8];
		fmt(prefix, sizeof(prefix), "%s-", kind);
		unsigned want = count_entries(root, rel, prefix);
		result(qs && qs->type == JV_ARRAY && qs->n == want, "%s: %zu %s queues, files %u",
		       name, qs ? qs->n : 0, kind, want);
		for (size_t i = 0; qs && i < qs->n; i++) {
			const jv *q = qs->items[i];
			int64_t num;
			if (jv_get_int(q, "queue", &num) < 0) {
				result(false, "%s: %s queue without number", name, kind);
				continue;
			}
			fmt(who, sizeof(who), "%s %s-%" PRId64, name, kind, num);
			char base[PATH_MAX];
			fmt(base, sizeof(base), "%s/queues/%s-%" PRId64, path, kind, num);
#define REL(f) (fmt(rel, sizeof(rel), "%s/%s", base, f), rel)
			if (k == 0) {
				compare_mask(who, root, REL("rps_cpus"), q, "rps_cpus");
				compare_number(who, root, REL("rps_flow_cnt"), q, "rps_flow_cnt");
				continue;
			}
			compare_mask(who, root, REL("xps_cpus"), q, "xps_cpus");
			compare_mask(who, root, REL("xps_rxqs"), q, "xps_rxqs");
			compare_number(who, root, REL("tx_maxrate"), q, "tx_maxrate");
			compare_number(who, root, REL("traffic_class"), q, "traffic_class");
			compare_number(who, root, REL("tx_timeout"), q, "tx_timeout");
			const jv *b = jv_get(q, "bql");
			for (unsigned m = 0; b && m < ELEMENTSOF(bql); m++) {
				char f[64];
				fmt(f, sizeof(f), "byte_queue_limits/%s", bql[m]);
				compare_number(who, root, REL(f), b, bql[m]);
			}
#undef REL
		}
	}
}

/* What the corpus README says of a device. */
struct expect {
	const char *name;
	const char *driver;
	const char *pci;
	int node;
	const char *local_cpus;
	unsigned n_rx, n_tx;
	unsigned first_msi, n_msi;
};

static void check_device(const char *root, const jv *devs, const struct expect *e)
{
	const jv *dev = find_device(devs, e->name);
	int64_t v;

	if (!dev) {
		result(false, "%s: in the JSON", e->name);
		return;
	}
	const char *drv = jv_get_str(dev, "driver");
	if (e->driver)
		result(drv && strcmp(drv, e->driver) == 0, "%s: driver %s, expected %s", e->name,
		       drv ? drv : "null", e->driver);
	else
		result(!drv, "%s: no driver (%s)", e->name, drv ? drv : "null");
	const char *pci = jv_get_str(dev, "pci_address");
	result(pci && strcmp(pci, e->pci) == 0, "%s: PCI %s, expected %s", e->name,
	       pci ? pci : "null", e->pci);
	if (e->node >= 0)
		result(jv_get_int(dev, "numa_node", &v) == 0 && v == e->node, "%s: node %d",
		       e->name, e->node);
	else
		result(jv_get_int(dev, "numa_node", &v) == -ENODATA, "%s: no node", e->name);
	const char *local = jv_get_str(dev, "local_cpus");
	if (e->local_cpus)
		result(local && strcmp(local, e->local_cpus) == 0, "%s: local CPUs %s, expected %s",
		       e->name, local ? local : "null", e->local_cpus);
	else
		result(!local, "%s: no local CPUs (%s)", e->name, local ? local : "null");
	const jv *rx = jv_path(dev, "queues.rx"), *tx = jv_path(dev, "queues.tx");
	result(rx && tx && rx->n == e->n_rx && tx->n == e->n_tx, "%s: %u rx and %u tx queues",
	       e->name, e->n_rx, e->n_tx);
	const jv *msi = jv_get(dev, "msi_irqs");
	bool ok = msi && msi->type == JV_ARRAY && msi->n == e->n_msi;
	for (size_t i = 0; ok && i < msi->n; i++)
		ok = msi->items[i]->is_int && msi->items[i]->integer == (int64_t)(e->first_msi + i);
	result(ok, "%s: %u msi_irqs from %u", e->name, e->n_msi, e->first_msi);
	/* Every MSI IRQ is listed in the device's irqs. */
	const jv *irqs = jv_get(dev, "irqs");
	result(irqs && irqs->type == JV_ARRAY && irqs->n >= e->n_msi, "%s: %zu irqs listed",
	       e->name, irqs ? irqs->n : 0);
	/* No ethtool records beside the peer trees. */
	const char *st = jv_get_str(jv_get(dev, "ethtool"), "channels");
	const jv *ch = jv_get(dev, "channels"), *rg = jv_get(dev, "rings"),
		 *rss = jv_get(dev, "rss");
	result(st && strcmp(st, "not recorded") == 0 && ch && ch->type == JV_NULL && rg &&
		   rg->type == JV_NULL && rss && rss->type == JV_NULL,
	       "%s: channels, rings and rss null, \"not recorded\"", e->name);
	compare_queues(root, dev);
}

/* The whole listing and the one-device listing agree, and every device's queues match. */
static void check_root(const char *root, const struct expect *exp, unsigned n_exp)
{
	_cleanup_jv_ jv *doc = NULL;
	const jv *devs;

	if (run_hostkit(root, NULL, &doc, &devs) < 0)
		return;
	for (size_t i = 0; i < devs->n; i++) {
		const char *name = jv_get_str(devs->items[i], "name");
		bool named = false;
		for (unsigned k = 0; k < n_exp; k++)
			named |= name && strcmp(name, exp[k].name) == 0;
		if (!named)
			compare_queues(root, devs->items[i]);
	}
	for (unsigned k = 0; k < n_exp; k++) {
		_cleanup_jv_ jv *one = NULL;
		const jv *one_devs;
		check_device(root, devs, &exp[k]);
		if (run_hostkit(root, exp[k].name, &one, &one_devs) < 0)
			continue;
		result(one_devs->n == 1 && find_device(one_devs, exp[k].name),
		       "inspect net %s: that device only", exp[k].name);
	}
}

/* An unknown device is a usage error naming it. */
static void check_unknown(const char *root)
{
	const char *tool = getenv("HK_TOOL");
	char *const argv[] = {(char *)tool, "--root",  (char *)root, "inspect",
			      "net",	    "nosuch9", NULL};
	int status = harness_run_status(argv);
	result(status == 2, "inspect net nosuch9: exit status %d, expected 2", status);
}

int main(void)
{
	const char *data = getenv("HK_PEER_DATA");
	char path[PATH_MAX], tmp[PATH_MAX];
	struct stat st;

	if (!data || stat(data, &st) < 0)
		SKIP("peer data %s absent", data ? data : "(HK_PEER_DATA unset)");
	if (!getenv("HK_TOOL"))
		SKIP("HK_TOOL is not set (run through meson test)");

	/* node_exporter: the I350 that only the PCI side lists. */
	fmt(path, sizeof(path), "%s/node_exporter/fixtures", data);
	if (stat(path, &st) == 0) {
		static const struct expect ne[] = {
		    {"ens10f0", "igb", "0000:45:00.0", 0, "0-63,128-191", 8, 8, 147, 9},
		};
		check_root(path, ne, ELEMENTSOF(ne));
		check_unknown(path);
	} else {
		note("node_exporter fixtures absent");
	}

	/* procfs: the E810 on node 1. */
	fmt(path, sizeof(path), "%s/procfs/fixtures", data);
	if (stat(path, &st) == 0) {
		static const struct expect pf[] = {
		    {"enp162s0f0np0", "ice", "0000:a2:00.0", 1, "64-127", 0, 0, 0, 0},
		    /* class/net's eth0: its function, which bus/pci/devices does not
		       list, has no driver and no node (-1). */
		    {"eth0", NULL, "0000:00:1f.6", -1, "0-7", 0, 0, 0, 0},
		};
		check_root(path, pf, ELEMENTSOF(pf));
	} else {
		note("procfs fixtures absent");
	}

	/* hwloc: the I350 pair and the InfiniBand port. */
	fmt(path, sizeof(path), "%s/hwloc-linux/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2", data);
	if (stat(path, &st) == 0 && harness_mkdtemp("hk-peer-net.XXXXXX", tmp, sizeof(tmp)) == 0) {
		harness_remove_at_exit(tmp);
		static const char *const only[] = {
		    "--wildcards",    "*/sys/class/net*",	    "*/sys/devices/pci*",
		    "*/sys/bus/pci*", "*/sys/devices/system/node*", NULL};
		int r = harness_extract(path, tmp, only);
		if (r < 0)
			r = harness_extract(path, tmp, NULL);
		if (r < 0) {
			result(false, "cannot unpack %s: %s", path, strerror(-r));
		} else {
			char root[PATH_MAX + 32];
			fmt(root, sizeof(root), "%s/32em64t-2n8c+1mic", tmp);
			static const struct expect hw[] = {
			    {"eth0", "igb", "0000:02:00.0", 0, "0-7", 8, 8, 101, 9},
			    {"eth1", "igb", "0000:02:00.3", 0, "0-7", 8, 8, 110, 9},
			    {"ib0", "mlx4_core", "0000:82:00.0", 1, "8-15", 1, 1, 120, 128},
			};
			check_root(root, hw, ELEMENTSOF(hw));
		}
	} else {
		note("hwloc 32em64t-2n8c+dax+nvme+mic+dimms absent");
	}
	TEST_DONE();
}
