/* SPDX-License-Identifier: MIT */
/*
 * `hostkit --json inspect pci` on the peers' captured trees
 * (../shared/peer-data), against the files themselves and the peers'
 * expectations:
 *  - every tree: each device's vendor, device, class, numa_node,
 *    local_cpulist, local_cpus and msi_irqs as the files say, and every
 *    entry of sys/bus/pci/devices listed once;
 *  - node_exporter: the I350 at 0000:45:00.0 (igb, node 0, local_cpulist
 *    0-63,128-191, msi_irqs 147..155);
 *  - prometheus/procfs (EXPECTED.md): the E810 at 0000:a2:00.0 on node 1
 *    with 64-127, 16 GT/s x8 and 128 VFs; the NVMe at 0000:01:00.0 with 9
 *    msi_irqs and no node;
 *  - hwloc 32em64t-2n8c+dax+nvme+mic+dimms: the I350 pair on node 0 with
 *    0-7 and 9 MSI-X vectors each, locality ok;
 *  - hwloc 40intel64-4n10c+pci-conflicts: its three devices say local_cpus
 *    0xf (CPUs 0-3) but local_cpulist 0-39, and numa_node -1 on a 4-node
 *    host: each is a conflict;
 *  - hwloc fakepcilocalities: its conflicts come from the HWLOC_PCI_LOCALITY
 *    variable of its .test, not from the tree, whose files agree with the
 *    nodes (node n holds CPUs n, n+4, ..., n+36): every device is ok;
 *  - ghw's L5640 (the alias tarball is a file naming the hashed one):
 *    0000:07:03.0 on no node, 0000:05:11.0 on node 0, 0000:05:00.1 on 1.
 * In node_exporter's and procfs's trees the links were saved as plain files
 * holding their targets; hostkit follows them, and so does this test.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/cpuset.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

static const char *tool;
static const char *data;
static char scratch[PATH_MAX];

/* Runs `hostkit --root ROOT --json inspect pci`; *ret_devices is its "devices" array. */
static int hostkit_pci(const char *root, jv **ret, const jv **ret_devices)
{
	char *const argv[] = {(char *)tool,	 (char *)"--root", (char *)root, (char *)"--json",
			      (char *)"inspect", (char *)"pci",	   NULL};

	return json_run(argv, "pci.devices", JV_ARRAY, ret, ret_devices);
}

static const jv *device(const jv *devices, const char *address)
{
	for (size_t i = 0; i < devices->n; i++) {
		const char *a = jv_get_str(devices->items[i], "address");
		if (a && strcmp(a, address) == 0)
			return devices->items[i];
	}
	return NULL;
}

/* The trimmed text of a file, or NULL when absent or empty. */
static char *read_trimmed(const char *path)
{
	char *buf = NULL;
	size_t len;

	if (harness_read_file(path, &buf, &len) < 0)
		return NULL;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	if (len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * The device's directory: the entry itself when it is a link or directory,
 * else (a plain file holding the link's target) the target joined to
 * sys/bus/pci/devices.
 */
static void device_dir(const char *root, const char *address, char *buf, size_t size)
{
	char entry[PATH_MAX];
	struct stat st;

	snprintf(entry, sizeof(entry), "%s/sys/bus/pci/devices/%s", root, address);
	if (lstat(entry, &st) == 0 && S_ISREG(st.st_mode)) {
		_cleanup_free_ char *target = read_trimmed(entry);
		if (target) {
			snprintf(buf, size, "%s/sys/bus/pci/devices/%s", root, target);
			return;
		}
	}
	snprintf(buf, size, "%s", entry);
}

static bool same_list(const char *a, const char *b)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *x = hk_cpuset_new(), *y = hk_cpuset_new();

	if (!x || !y || !a || !b)
		return a == b;
	return hk_cpuset_parse_list(x, a, strlen(a)) == 0 &&
	       hk_cpuset_parse_list(y, b, strlen(b)) == 0 && hk_cpuset_equal(x, y);
}

/* The device's local CPUs (local_cpulist, else the local_cpus mask) are @list. */
static bool same_local(const jv *dev, const char *list)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *x = hk_cpuset_new(), *y = hk_cpuset_new();
	const char *cpulist = jv_get_str(dev, "local_cpulist");
	const char *mask = jv_get_str(dev, "local_cpus");

	if (cpulist)
		return same_list(cpulist, list);
	if (!x || !y || !mask)
		return false;
	return hk_cpuset_parse_mask(x, mask, strlen(mask)) == 0 &&
	       hk_cpuset_parse_list(y, list, strlen(list)) == 0 && hk_cpuset_equal(x, y);
}

static int uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

/* Compares one device's JSON with its files; returns the count of differences. */
static unsigned compare_device(const char *name, const char *root, const jv *dev)
{
	const char *address = jv_get_str(dev, "address");
	char dir[PATH_MAX * 2], path[PATH_MAX * 3];
	unsigned bad = 0;

	device_dir(root, address, dir, sizeof(dir));
	static const char *const ids[] = {"vendor", "device", "subsystem_vendor",
					  "subsystem_device", "class"};
	for (unsigned i = 0; i < ELEMENTSOF(ids); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ids[i]);
		_cleanup_free_ char *file = read_trimmed(path);
		const char *got = jv_get_str(dev, ids[i]);
		if ((file || got) && (!file || !got || strcasecmp(file, got) != 0)) {
			result(false, "%s %s: %s '%s', file '%s'", name, address, ids[i],
			       got ? got : "null", file ? file : "(absent)");
			bad++;
		}
	}

	snprintf(path, sizeof(path), "%s/numa_node", dir);
	_cleanup_free_ char *node = read_trimmed(path);
	int64_t got_node = -1;
	int r = jv_get_int(dev, "numa_node", &got_node);
	long file_node = node ? strtol(node, NULL, 10) : -1;
	if ((r == -ENODATA ? -1 : got_node) != file_node) {
		result(false, "%s %s: numa_node %" PRId64 ", file %s", name, address, got_node,
		       node ? node : "(absent)");
		bad++;
	}

	snprintf(path, sizeof(path), "%s/local_cpulist", dir);
	_cleanup_free_ char *cpulist = read_trimmed(path);
	if (!same_list(cpulist, jv_get_str(dev, "local_cpulist"))) {
		result(false, "%s %s: local_cpulist '%s', file '%s'", name, address,
		       jv_get_str(dev, "local_cpulist"), cpulist ? cpulist : "(absent)");
		bad++;
	}
	snprintf(path, sizeof(path), "%s/local_cpus", dir);
	_cleanup_free_ char *mask = read_trimmed(path);
	const char *got_mask = jv_get_str(dev, "local_cpus");
	if ((mask || got_mask) && (!mask || !got_mask || strcmp(mask, got_mask) != 0)) {
		result(false, "%s %s: local_cpus '%s', file '%s'", name, address,
		       got_mask ? got_mask : "null", mask ? mask : "(absent)");
		bad++;
	}

	/* msi_irqs: the names of the directory's entries. */
	unsigned want[512], n_want = 0;
	snprintf(path, sizeof(path), "%s/msi_irqs", dir);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) && n_want < ELEMENTSOF(want)) {
			unsigned v;
			if (hk_parse_unsigned_range(de->d_name, strlen(de->d_name), 0, INT_MAX,
						    &v) == 0)
				want[n_want++] = v;
		}
		closedir(d);
	}
	qsort(want, n_want, sizeof(unsigned), uint_cmp);
	const jv *irqs = jv_get(dev, "msi_irqs");
	bool irqs_ok = irqs && irqs->type == JV_ARRAY && irqs->n == n_want;
	for (unsigned i = 0; irqs_ok && i < n_want; i++)
		irqs_ok =
		    irqs->items[i]->type == JV_NUMBER && irqs->items[i]->number == (double)want[i];
	if (!irqs_ok) {
		result(false, "%s %s: msi_irqs differ from %s (%u entries)", name, address, path,
		       n_want);
		bad++;
	}
	return bad;
}

/* Every device against its files, and every entry of the bus directory listed. */
static void compare_tree(const char *name, const char *root, const jv *devices)
{
	char bus[PATH_MAX];
	unsigned bad = 0, entries = 0;

	snprintf(bus, sizeof(bus), "%s/sys/bus/pci/devices", root);
	DIR *d = opendir(bus);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				entries++;
		closedir(d);
	}
	result(entries == devices->n, "%s: %zu devices listed, %u entries in sys/bus/pci/devices",
	       name, devices->n, entries);
	for (size_t i = 0; i < devices->n; i++)
		bad += compare_device(name, root, devices->items[i]);
	result(bad == 0, "%s: every device's ids, node, local CPUs and msi_irqs as the files say",
	       name);
}

static const char *locality(const jv *dev)
{
	const jv *l = jv_get(dev, "locality");
	const char *s = l ? jv_get_str(l, "status") : NULL;
	return s ? s : "(none)";
}

/* One device's expectations; NULL strings and -2 numbers are not checked. */
static void expect(const char *name, const jv *devices, const char *address, const char *driver,
		   int node, const char *cpulist, unsigned first_irq, unsigned n_irqs,
		   const char *status)
{
	const jv *dev = device(devices, address);
	if (!dev) {
		result(false, "%s: no device %s", name, address);
		return;
	}
	const char *drv = jv_get_str(dev, "driver");
	if (driver)
		result(drv && strcmp(drv, driver) == 0, "%s %s: driver %s (%s)", name, address,
		       drv ? drv : "null", driver);
	int64_t got = -1;
	int r = jv_get_int(dev, "numa_node", &got);
	if (node != -2)
		result(node == -1 ? r == -ENODATA : r == 0 && got == node,
		       "%s %s: numa_node %s (%d)", name, address,
		       r == -ENODATA ? "null" : (r == 0 ? "set" : "absent"), node);
	if (cpulist)
		result(same_list(jv_get_str(dev, "local_cpulist"), cpulist),
		       "%s %s: local_cpulist %s (%s)", name, address,
		       jv_get_str(dev, "local_cpulist"), cpulist);
	const jv *irqs = jv_get(dev, "msi_irqs");
	bool ok = irqs && irqs->n == n_irqs;
	for (unsigned i = 0; ok && first_irq && i < n_irqs; i++)
		ok = irqs->items[i]->number == (double)(first_irq + i);
	result(ok, "%s %s: %u msi_irqs%s", name, address, n_irqs, first_irq ? " in sequence" : "");
	if (status)
		result(strcmp(locality(dev), status) == 0, "%s %s: locality %s (%s)", name, address,
		       locality(dev), status);
}

/* The value of label @name in a Prometheus line's labels, copied into @buf. */
static bool label(const char *labels, const char *name, char *buf, size_t size)
{
	char key[64];
	snprintf(key, sizeof(key), "%s=\"", name);
	const char *p = labels;
	while ((p = strstr(p, key))) {
		if (p == labels || p[-1] == '{' || p[-1] == ',')
			break;
		p++;
	}
	if (!p)
		return false;
	p += strlen(key);
	const char *end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= size)
		return false;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	return true;
}

/* A member as a number (integers, or a nested "object.key" path), or -1 when null or absent. */
static double number_at(const jv *dev, const char *path)
{
	const jv *v = jv_path(dev, path);
	return v && v->type == JV_NUMBER ? v->number : -1;
}

/*
 * node_exporter's e2e-output.txt node_pcidevice_* lines: ids, link speeds
 * (in transfers per second) and widths, numa_node and SR-IOV counts. Its
 * power_state, d3cold_allowed and other SR-IOV files are not hostkit's.
 */
static void test_node_exporter_e2e(const char *root, const jv *devices)
{
	char path[PATH_MAX + 32];
	_cleanup_free_ char *text = NULL;
	unsigned compared = 0, bad = 0;
	size_t len;

	snprintf(path, sizeof(path), "%s/e2e-output.txt", root);
	if (harness_read_file(path, &text, &len) < 0) {
		note("node_exporter: no e2e-output.txt");
		return;
	}
	static const struct {
		const char *metric;
		const char *path; /* a number of hostkit's device */
		double scale;
	} numbers[] = {
	    {"node_pcidevice_current_link_transfers_per_second", "link.current_speed_mts", 1e6},
	    {"node_pcidevice_max_link_transfers_per_second", "link.max_speed_mts", 1e6},
	    {"node_pcidevice_current_link_width", "link.current_width", 1},
	    {"node_pcidevice_max_link_width", "link.max_width", 1},
	    {"node_pcidevice_numa_node", "numa_node", 1},
	    {"node_pcidevice_sriov_numvfs", "sriov.numvfs", 1},
	    {"node_pcidevice_sriov_totalvfs", "sriov.totalvfs", 1},
	};
	static const struct {
		const char *label;
		const char *key;
	} infos[] = {
	    {"vendor_id", "vendor"},
	    {"device_id", "device"},
	    {"subsystem_vendor_id", "subsystem_vendor"},
	    {"subsystem_device_id", "subsystem_device"},
	    {"class_id", "class"},
	    {"revision", "revision"},
	};
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *brace = strchr(line, '{'), *space = strrchr(line, ' ');
		char seg[16], bus[8], dev[8], fn[8], address[40];
		if (strncmp(line, "node_pcidevice_", 15) != 0 || !brace || !space)
			continue;
		if (!label(brace, "segment", seg, sizeof(seg)) ||
		    !label(brace, "bus", bus, sizeof(bus)) ||
		    !label(brace, "device", dev, sizeof(dev)) ||
		    !label(brace, "function", fn, sizeof(fn)))
			continue;
		snprintf(address, sizeof(address), "%s:%s:%s.%s", seg, bus, dev, fn);
		const jv *d = device(devices, address);
		*brace = '\0';
		if (!d) {
			result(false, "node_exporter e2e: %s of %s: no such device", line, address);
			bad++;
			continue;
		}
		if (strcmp(line, "node_pcidevice_info") == 0) {
			for (unsigned i = 0; i < ELEMENTSOF(infos); i++) {
				char want[32];
				const char *got = jv_get_str(d, infos[i].key);
				*brace = '{';
				bool have = label(brace, infos[i].label, want, sizeof(want));
				*brace = '\0';
				if (!have)
					continue;
				compared++;
				if (!got || strcasecmp(got, want) != 0) {
					result(false, "node_exporter e2e: %s %s %s, hostkit %s",
					       address, infos[i].label, want, got ? got : "null");
					bad++;
				}
			}
			continue;
		}
		for (unsigned i = 0; i < ELEMENTSOF(numbers); i++) {
			if (strcmp(line, numbers[i].metric) != 0)
				continue;
			double want = strtod(space + 1, NULL);
			double got = number_at(d, numbers[i].path) * numbers[i].scale;
			compared++;
			if (got != want) {
				result(false, "node_exporter e2e: %s %s %g, hostkit %s %g", address,
				       line, want, numbers[i].path, got);
				bad++;
			}
		}
	}
	/* 6 ids x 3 + 2 speeds x 3 + 2 widths x 3 + 1 node + 2 SR-IOV x 3. */
	result(bad == 0 && compared == 18 + 6 + 6 + 1 + 6,
	       "node_exporter e2e: %u node_pcidevice_* values as hostkit reads them (37)",
	       compared);
}

static void test_node_exporter(void)
{
	char root[PATH_MAX];
	_cleanup_jv_ jv *doc = NULL;
	const jv *devices;

	snprintf(root, sizeof(root), "%s/node_exporter/fixtures", data);
	if (hostkit_pci(root, &doc, &devices) < 0)
		return;
	compare_tree("node_exporter", root, devices);
	test_node_exporter_e2e(root, devices);
	expect("node_exporter", devices, "0000:45:00.0", "igb", 0, "0-63,128-191", 147, 9, NULL);
	const jv *dev = device(devices, "0000:45:00.0");
	const char *vendor = dev ? jv_get_str(dev, "vendor") : NULL;
	const char *id = dev ? jv_get_str(dev, "device") : NULL;
	result(vendor && id && strcmp(vendor, "0x8086") == 0 && strcmp(id, "0x1521") == 0,
	       "node_exporter 0000:45:00.0: Intel I350 (8086:1521)");
	/*
	 * The capture holds 4 CPUs of a 256-CPU machine, so node 0's CPUs (0-1)
	 * are not the device's 0-63,128-191: the check says so.
	 */
	result(dev && strcmp(locality(dev), "conflict") == 0,
	       "node_exporter 0000:45:00.0: locality %s (conflict: the capture lacks CPUs)",
	       dev ? locality(dev) : "-");
}

static void test_procfs(void)
{
	char root[PATH_MAX];
	_cleanup_jv_ jv *doc = NULL;
	const jv *devices;

	snprintf(root, sizeof(root), "%s/procfs/fixtures", data);
	if (hostkit_pci(root, &doc, &devices) < 0)
		return;
	compare_tree("procfs", root, devices);
	expect("procfs", devices, "0000:a2:00.0", "ice", 1, "64-127", 0, 0, NULL);
	expect("procfs", devices, "0000:01:00.0", "nvme", -1, NULL, 0, 9, "no-node");
	expect("procfs", devices, "0000:00:02.1", NULL, -1, NULL, 0, 1, NULL);
	const jv *e810 = device(devices, "0000:a2:00.0");
	const jv *link = e810 ? jv_get(e810, "link") : NULL;
	int64_t w = 0, vfs = 0;
	result(link && jv_get_str(link, "current_speed") &&
		   strcmp(jv_get_str(link, "current_speed"), "16.0 GT/s PCIe") == 0 &&
		   jv_get_int(link, "current_width", &w) == 0 && w == 8,
	       "procfs 0000:a2:00.0: link 16.0 GT/s PCIe x8");
	result(e810 && jv_get_int(jv_get(e810, "sriov"), "totalvfs", &vfs) == 0 && vfs == 128,
	       "procfs 0000:a2:00.0: sriov_totalvfs 128");
}

/* Unpacks hwloc's @tarball into a directory of the scratch tree; its top folder in @buf. */
static int unpack(const char *tarball, const char *sub, const char *top, char *buf, size_t size)
{
	char dir[PATH_MAX + 64];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s", scratch, sub);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	int r = harness_extract(tarball, dir, NULL);
	if (r < 0)
		return r;
	snprintf(buf, size, "%s%s%s", dir, top ? "/" : "", top ? top : "");
	return stat(buf, &st) == 0 ? 0 : -ENOENT;
}

static void test_hwloc(void)
{
	char tarball[PATH_MAX], root[PATH_MAX * 2];

	snprintf(tarball, sizeof(tarball), "%s/hwloc-linux/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2",
		 data);
	if (unpack(tarball, "32em64t", "32em64t-2n8c+1mic", root, sizeof(root)) == 0) {
		_cleanup_jv_ jv *doc = NULL;
		const jv *devices;
		if (hostkit_pci(root, &doc, &devices) == 0) {
			compare_tree("hwloc 32em64t", root, devices);
			result(devices->n == 137, "hwloc 32em64t: 137 PCI devices (%zu)",
			       devices->n);
			expect("hwloc 32em64t", devices, "0000:02:00.0", "igb", 0, "0-7", 0, 9,
			       "ok");
			expect("hwloc 32em64t", devices, "0000:02:00.3", "igb", 0, "0-7", 0, 9,
			       "ok");
		}
	} else {
		result(false, "hwloc: cannot unpack %s", tarball);
	}

	snprintf(tarball, sizeof(tarball), "%s/hwloc-linux/40intel64-4n10c+pci-conflicts.tar.bz2",
		 data);
	if (unpack(tarball, "conflicts", "40intel64-4n10c+pci-conflicts", root, sizeof(root)) ==
	    0) {
		_cleanup_jv_ jv *doc = NULL;
		const jv *devices;
		if (hostkit_pci(root, &doc, &devices) == 0) {
			compare_tree("hwloc pci-conflicts", root, devices);
			unsigned conflicts = 0;
			for (size_t i = 0; i < devices->n; i++) {
				const jv *l = jv_get(devices->items[i], "locality");
				const char *reason = l ? jv_get_str(l, "reason") : NULL;
				if (strcmp(locality(devices->items[i]), "conflict") == 0 &&
				    reason && strstr(reason, "differ"))
					conflicts++;
			}
			result(devices->n == 3 && conflicts == 3,
			       "hwloc pci-conflicts: %u of %zu devices flagged (local_cpulist "
			       "0-39 against local_cpus 0xf)",
			       conflicts, devices->n);
		}
	} else {
		result(false, "hwloc: cannot unpack %s", tarball);
	}

	snprintf(tarball, sizeof(tarball), "%s/hwloc-linux/fakepcilocalities.tar.bz2", data);
	if (unpack(tarball, "fake", "fakepcilocalities", root, sizeof(root)) == 0) {
		_cleanup_jv_ jv *doc = NULL;
		const jv *devices;
		if (hostkit_pci(root, &doc, &devices) == 0) {
			compare_tree("hwloc fakepcilocalities", root, devices);
			unsigned ok = 0;
			for (size_t i = 0; i < devices->n; i++) {
				const jv *dev = devices->items[i];
				int64_t node;
				char want[128];
				size_t n = 0;
				if (jv_get_int(dev, "numa_node", &node) < 0 || node < 0 || node > 3)
					continue;
				/* By hand: node n holds CPUs n, n+4, ..., n+36. */
				for (int64_t c = node; c < 40; c += 4)
					n += (size_t)snprintf(want + n, sizeof(want) - n,
							      "%s%" PRId64, n ? "," : "", c);
				if (same_local(dev, want) && strcmp(locality(dev), "ok") == 0)
					ok++;
			}
			result(devices->n == 30 && ok == 30,
			       "hwloc fakepcilocalities: %u of %zu devices local to their node, "
			       "ok",
			       ok, devices->n);
		}
	} else {
		result(false, "hwloc: cannot unpack %s", tarball);
	}
}

static void test_ghw(void)
{
	char alias[PATH_MAX], tarball[PATH_MAX * 2], root[PATH_MAX * 2];
	_cleanup_free_ char *target = NULL;
	_cleanup_jv_ jv *doc = NULL;
	const jv *devices;

	/* The alias is a symlink upstream, a file naming its target here. */
	snprintf(alias, sizeof(alias), "%s/ghw/linux-amd64-intel-xeon-L5640.tar.gz", data);
	struct stat st;
	if (lstat(alias, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 256)
		target = read_trimmed(alias);
	if (target)
		snprintf(tarball, sizeof(tarball), "%s/ghw/%s", data, target);
	else
		snprintf(tarball, sizeof(tarball), "%s", alias);
	if (unpack(tarball, "ghw", NULL, root, sizeof(root)) < 0) {
		result(false, "ghw: cannot unpack %s", tarball);
		return;
	}
	if (hostkit_pci(root, &doc, &devices) < 0)
		return;
	compare_tree("ghw L5640", root, devices);
	expect("ghw L5640", devices, "0000:07:03.0", NULL, -1, NULL, 0, 0, "no-node");
	expect("ghw L5640", devices, "0000:05:11.0", NULL, 0, NULL, 0, 0, "ok");
	expect("ghw L5640", devices, "0000:05:00.1", NULL, 1, NULL, 0, 0, "ok");
}

int main(void)
{
	char probe[PATH_MAX];

	data = getenv("HK_PEER_DATA");
	tool = getenv("HK_TOOL");
	if (!data)
		SKIP("HK_PEER_DATA is not set");
	if (!tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	snprintf(probe, sizeof(probe), "%s/README.md", data);
	if (access(probe, R_OK) < 0)
		SKIP("no peer data at %s", data);
	if (!harness_in_path("tar"))
		SKIP("no tar to unpack the hwloc and ghw trees");
	if (harness_mkdtemp("hk-peer-pci.XXXXXX", scratch, sizeof(scratch)) < 0) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	harness_remove_at_exit(scratch);

	test_node_exporter();
	test_procfs();
	test_hwloc();
	test_ghw();
	TEST_DONE();
}
