/* SPDX-License-Identifier: MIT */
/*
 * The PCI reader: its parsers on literals (link speeds of every kernel,
 * addresses, link targets joined inside the root), and its loader on a
 * small tree this test writes: relative symlinks, links saved as plain
 * files (as the peer captures have them), links leading nowhere, absent
 * and malformed attributes, msi_irqs, and the locality check's verdicts.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/pci.h>
#include <hostkit/root.h>
#include <hostkit/topology.h>

#include "base/macro.h"
#include "host/pci.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pci *, hk_pci_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pci_dev *, hk_pci_dev_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_topology *, hk_topology_free)

#define S(lit) lit, sizeof(lit) - 1

static void test_link_speed(void)
{
	int64_t v = 0;

	CHECK_OK(hk_pci_parse_link_speed(S("8.0 GT/s PCIe\n"), &v));
	CHECK_EQ_S64(v, 8000);
	CHECK_OK(hk_pci_parse_link_speed(S("2.5 GT/s PCIe"), &v));
	CHECK_EQ_S64(v, 2500);
	CHECK_OK(hk_pci_parse_link_speed(S("16.0 GT/s PCIe"), &v));
	CHECK_EQ_S64(v, 16000);
	CHECK_OK(hk_pci_parse_link_speed(S("64.0 GT/s PCIe"), &v));
	CHECK_EQ_S64(v, 64000);
	/* Kernels before 4.13 wrote neither the decimal nor the bus. */
	CHECK_OK(hk_pci_parse_link_speed(S("5 GT/s\n"), &v));
	CHECK_EQ_S64(v, 5000);
	CHECK_OK(hk_pci_parse_link_speed(S("2.5 GT/s"), &v));
	CHECK_EQ_S64(v, 2500);
	/* Link down or a speed the kernel does not know. */
	CHECK_ERR(hk_pci_parse_link_speed(S("Unknown\n"), &v), -ENODATA);
	CHECK_ERR(hk_pci_parse_link_speed(S("Unknown speed"), &v), -ENODATA);
	CHECK_ERR(hk_pci_parse_link_speed(S(""), &v), -EINVAL);
	CHECK_ERR(hk_pci_parse_link_speed(S("fast"), &v), -EINVAL);
	CHECK_ERR(hk_pci_parse_link_speed(S("8.0 Gb/s"), &v), -EINVAL);
	CHECK_ERR(hk_pci_parse_link_speed(S("8. GT/s"), &v), -EINVAL);
	CHECK_ERR(hk_pci_parse_link_speed(S("8.0 GT/sx"), &v), -EINVAL);
	CHECK_ERR(hk_pci_parse_link_speed(S("99999999999 GT/s"), &v), -EINVAL);
}

static void test_address(void)
{
	CHECK(hk_pci_address_valid("0000:45:00.0"));
	CHECK(hk_pci_address_valid("0000:a2:1f.7"));
	/* 32-bit domains (hwloc's 2pa-pcidomain32bits, Hyper-V, VMD). */
	CHECK(hk_pci_address_valid("10000:00:02.0"));
	CHECK(hk_pci_address_valid("c0a8d3e1:00:00.0"));
	CHECK(!hk_pci_address_valid("000:45:00.0"));
	CHECK(!hk_pci_address_valid("0000:45:00.8"));
	CHECK(!hk_pci_address_valid("0000:45:00"));
	CHECK(!hk_pci_address_valid("0000:45:00.0x"));
	CHECK(!hk_pci_address_valid("0000:4:00.0"));
	CHECK(!hk_pci_address_valid("../../etc"));
	CHECK(!hk_pci_address_valid(""));
}

static void test_join(void)
{
	char buf[PATH_MAX];

	CHECK_OK(hk_pci_join_link("sys/bus/pci/devices",
				  "../../../devices/pci0000:40/0000:40:01.3/0000:45:00.0", buf,
				  sizeof(buf)));
	CHECK_STREQ(buf, "sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0");
	CHECK_OK(hk_pci_join_link("sys/bus/pci/devices", "/sys/devices/pci0000:00/0000:00:01.0",
				  buf, sizeof(buf)));
	CHECK_STREQ(buf, "sys/devices/pci0000:00/0000:00:01.0");
	/* ".." never climbs above the root. */
	CHECK_OK(hk_pci_join_link("sys/bus", "../../../../../etc/./passwd", buf, sizeof(buf)));
	CHECK_STREQ(buf, "etc/passwd");
	CHECK_OK(hk_pci_join_link("a", "b//c/", buf, sizeof(buf)));
	CHECK_STREQ(buf, "a/b/c");
	CHECK_ERR(hk_pci_join_link("sys/bus", "devices", buf, 8), -ENAMETOOLONG);
}

/* ---- The loader on a tree ---- */

static char tree[PATH_MAX];

static void make_parents(char *path)
{
	for (char *p = path + strlen(tree) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		(void)mkdir(path, 0755);
		*p = '/';
	}
}

static void write_text(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	make_parents(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static void make_link(const char *rel, const char *target)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	make_parents(path);
	(void)unlink(path);
	if (symlink(target, path) < 0) {
		fprintf(stderr, "cannot link %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

#define DEV_A "sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0"
#define DEV_B "sys/devices/pci0000:00/0000:00:02.1"
#define DEV_C "sys/devices/pci0000:a2/0000:a2:00.0"

/*
 * A two-node host (CPUs 0-3 on node 0, 4-7 on node 1) and its devices:
 * A, an igb NIC on node 0 whose links are real; B, a bridge without a node
 * saved as plain-file links (as prometheus' captures have them); C, on
 * node 1 with local CPUs of node 0; D, a link leading nowhere.
 */
static void build_tree(void)
{
	write_text("sys/devices/system/cpu/possible", "0-7\n");
	write_text("sys/devices/system/cpu/present", "0-7\n");
	write_text("sys/devices/system/cpu/online", "0-7\n");
	write_text("sys/devices/system/node/node0/cpulist", "0-3\n");
	write_text("sys/devices/system/node/node1/cpulist", "4-7\n");
	write_text("sys/devices/system/node/online", "0-1\n");
	write_text("sys/devices/system/node/possible", "0-1\n");

	make_link("sys/bus/pci/devices/0000:45:00.0",
		  "../../../devices/pci0000:40/0000:40:01.3/0000:45:00.0");
	write_text(DEV_A "/vendor", "0x8086\n");
	write_text(DEV_A "/device", "0x1521\n");
	write_text(DEV_A "/subsystem_vendor", "0x15d9\n");
	write_text(DEV_A "/subsystem_device", "0x1521\n");
	write_text(DEV_A "/class", "0x020000\n");
	write_text(DEV_A "/revision", "0x01\n");
	write_text(DEV_A "/numa_node", "0\n");
	write_text(DEV_A "/local_cpulist", "0-3\n");
	write_text(DEV_A "/local_cpus", "0000000f\n");
	write_text(DEV_A "/current_link_speed", "5.0 GT/s PCIe\n");
	write_text(DEV_A "/current_link_width", "4\n");
	write_text(DEV_A "/max_link_speed", "5.0 GT/s PCIe\n");
	write_text(DEV_A "/max_link_width", "4\n");
	write_text(DEV_A "/sriov_totalvfs", "7\n");
	write_text(DEV_A "/sriov_numvfs", "0\n");
	make_link(DEV_A "/driver", "../../../../bus/pci/drivers/igb");
	write_text("sys/bus/pci/drivers/igb/bind", "");
	/* Out of order on purpose; old kernels made directories of them. */
	static const char *const irqs[] = {"155", "147", "148", "149", "150",
					   "151", "152", "153", "154"};
	for (unsigned i = 0; i < ELEMENTSOF(irqs); i++) {
		char rel[PATH_MAX];
		snprintf(rel, sizeof(rel), DEV_A "/msi_irqs/%s%s", irqs[i], i == 0 ? "/mode" : "");
		write_text(rel, "msix\n");
	}

	write_text("sys/bus/pci/devices/0000:00:02.1", "../../../devices/pci0000:00/0000:00:02.1");
	write_text(DEV_B "/vendor", "0x1022\n");
	write_text(DEV_B "/device", "0x1634\n");
	write_text(DEV_B "/class", "0x060400\n");
	write_text(DEV_B "/numa_node", "-1\n");
	write_text(DEV_B "/local_cpulist", "0-7\n");
	write_text(DEV_B "/local_cpus", "ff\n");
	write_text(DEV_B "/current_link_speed", "Unknown\n");
	write_text(DEV_B "/current_link_width", "0\n");
	write_text(DEV_B "/driver", "../../../../bus/pci/drivers/pcieport");

	make_link("sys/bus/pci/devices/0000:a2:00.0", "../../../devices/pci0000:a2/0000:a2:00.0");
	write_text(DEV_C "/vendor", "0x8086\n");
	write_text(DEV_C "/numa_node", "1\n");
	write_text(DEV_C "/local_cpulist", "0-3\n");
	write_text(DEV_C "/local_cpus", "0f\n");
	/* A capture by a user who could not read it: empty. */
	write_text(DEV_C "/device", "");

	make_link("sys/bus/pci/devices/0000:ff:00.0", "../../../devices/pci0000:ff/0000:ff:00.0");
	/* Not a device. */
	write_text("sys/bus/pci/devices/README", "x\n");
}

static void test_load(hk_root *root, const hk_topology *t)
{
	_cleanup_(hk_pci_freep) hk_pci *p = NULL;
	char reason[256];
	unsigned n;

	CHECK_OK(hk_pci_load(root, NULL, &p));
	if (!p)
		return;
	CHECK_EQ_U64(hk_pci_n_devices(p), 4);
	CHECK_STREQ(hk_pci_dev_address(hk_pci_device(p, 0)), "0000:00:02.1");
	CHECK_STREQ(hk_pci_dev_address(hk_pci_device(p, 3)), "0000:ff:00.0");
	CHECK(hk_pci_device(p, 4) == NULL);

	const hk_pci_dev *a = hk_pci_find(p, "0000:45:00.0");
	CHECK(a != NULL);
	if (a) {
		CHECK_STREQ(hk_pci_dev_sysfs_path(a), DEV_A);
		CHECK_EQ_S64(hk_pci_dev_id(a, HK_PCI_VENDOR), 0x8086);
		CHECK_EQ_S64(hk_pci_dev_id(a, HK_PCI_DEVICE), 0x1521);
		CHECK_EQ_S64(hk_pci_dev_id(a, HK_PCI_SUBSYSTEM_VENDOR), 0x15d9);
		CHECK_EQ_S64(hk_pci_dev_id(a, HK_PCI_CLASS), 0x020000);
		CHECK_EQ_S64(hk_pci_dev_id(a, HK_PCI_REVISION), 1);
		CHECK_STREQ(hk_pci_dev_driver(a), "igb");
		CHECK_EQ_S64(hk_pci_dev_numa_node(a), 0);
		CHECK_STREQ(hk_pci_dev_local_cpus_mask(a), "0000000f");
		CHECK_EQ_U64(hk_cpuset_count(hk_pci_dev_local_cpulist(a)), 4);
		const unsigned *irqs = hk_pci_dev_msi_irqs(a, &n);
		CHECK_EQ_U64(n, 9);
		for (unsigned i = 0; i < n && i < 9; i++)
			CHECK_EQ_U64(irqs[i], 147 + i);
		CHECK_STREQ(hk_pci_dev_link_speed(a, HK_PCI_LINK_CURRENT), "5.0 GT/s PCIe");
		CHECK_EQ_S64(hk_pci_dev_link_speed_mts(a, HK_PCI_LINK_MAX), 5000);
		CHECK_EQ_S64(hk_pci_dev_link_width(a, HK_PCI_LINK_CURRENT), 4);
		CHECK_EQ_S64(hk_pci_dev_sriov_totalvfs(a), 7);
		CHECK_EQ_S64(hk_pci_dev_sriov_numvfs(a), 0);
		CHECK(hk_pci_dev_check_locality(a, t, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_OK);
		CHECK_STREQ(reason, "");
		CHECK(hk_pci_dev_check_locality(a, NULL, NULL, 0) == HK_PCI_LOCALITY_OK);
	}

	/* Plain-file links; no node on a two-node host. */
	const hk_pci_dev *b = hk_pci_find(p, "0000:00:02.1");
	CHECK(b != NULL);
	if (b) {
		CHECK_STREQ(hk_pci_dev_sysfs_path(b), DEV_B);
		CHECK_STREQ(hk_pci_dev_driver(b), "pcieport");
		CHECK_ERR(hk_pci_dev_numa_node(b), -ENODATA);
		CHECK_STREQ(hk_pci_dev_link_speed(b, HK_PCI_LINK_CURRENT), "Unknown");
		CHECK_ERR(hk_pci_dev_link_speed_mts(b, HK_PCI_LINK_CURRENT), -ENODATA);
		CHECK_ERR(hk_pci_dev_link_width(b, HK_PCI_LINK_CURRENT), -ENODATA);
		CHECK(hk_pci_dev_link_speed(b, HK_PCI_LINK_MAX) == NULL);
		CHECK_ERR(hk_pci_dev_sriov_totalvfs(b), -ENODATA);
		CHECK_ERR(hk_pci_dev_id(b, HK_PCI_SUBSYSTEM_VENDOR), -ENODATA);
		hk_pci_dev_msi_irqs(b, &n);
		CHECK_EQ_U64(n, 0);
		CHECK(hk_pci_dev_check_locality(b, t, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_NO_NODE);
		CHECK(strstr(reason, "firmware gives no node") != NULL);
	}

	/* Node 1 with node 0's CPUs; an empty file is unknown. */
	const hk_pci_dev *c = hk_pci_find(p, "0000:A2:00.0");
	CHECK(c != NULL);
	if (c) {
		CHECK_ERR(hk_pci_dev_id(c, HK_PCI_DEVICE), -ENODATA);
		CHECK(hk_pci_dev_driver(c) == NULL);
		CHECK(hk_pci_dev_check_locality(c, t, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_CONFLICT);
		CHECK_STREQ(reason, "local CPUs 0-3 are not node 1's CPUs 4-7");
		/* Without the topology only the files are compared, and they agree. */
		CHECK(hk_pci_dev_check_locality(c, NULL, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_OK);
	}

	/* A link that leads nowhere: listed, everything unknown. */
	const hk_pci_dev *d = hk_pci_find(p, "0000:ff:00.0");
	CHECK(d != NULL);
	if (d) {
		CHECK(hk_pci_dev_sysfs_path(d) == NULL);
		CHECK_ERR(hk_pci_dev_id(d, HK_PCI_VENDOR), -ENODATA);
		CHECK(hk_pci_dev_local_cpulist(d) == NULL);
		CHECK(hk_pci_dev_check_locality(d, NULL, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_UNKNOWN);
	}
	CHECK(hk_pci_find(p, "0000:00:00.0") == NULL);
}

static void test_dev_load(hk_root *root)
{
	_cleanup_(hk_pci_dev_freep) hk_pci_dev *a = NULL;
	hk_pci_dev *none = NULL;
	hk_diag diag;

	CHECK_OK(hk_pci_dev_load(root, "0000:45:00.0", NULL, &a));
	if (a)
		CHECK_STREQ(hk_pci_dev_driver(a), "igb");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_pci_dev_load(root, "0000:46:00.0", &diag, &none), -ENOENT);
	CHECK(strstr(diag.message, "0000:46:00.0") != NULL);
	CHECK_ERR(hk_pci_dev_load(root, "../../etc", &diag, &none), -EINVAL);
	CHECK(none == NULL);
}

/* Files that disagree among themselves, and malformed ones. */
static void test_conflicts_and_errors(hk_root *root, const hk_topology *t)
{
	_cleanup_(hk_pci_dev_freep) hk_pci_dev *a = NULL, *b = NULL, *c = NULL;
	hk_pci_dev *none = NULL;
	char reason[256];
	hk_diag diag;

	write_text(DEV_A "/local_cpus", "000000ff\n");
	CHECK_OK(hk_pci_dev_load(root, "0000:45:00.0", NULL, &a));
	if (a) {
		CHECK(hk_pci_dev_check_locality(a, t, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_CONFLICT);
		CHECK_STREQ(reason, "local_cpulist (0-3) and local_cpus (0-7) differ");
		CHECK(hk_pci_dev_check_locality(a, NULL, NULL, 0) == HK_PCI_LOCALITY_CONFLICT);
	}
	/* hwloc's 40intel64-4n10c+pci-conflicts: a "0x" mask, and lists that disagree. */
	write_text(DEV_B "/local_cpus", "0xf\n");
	CHECK_OK(hk_pci_dev_load(root, "0000:00:02.1", NULL, &c));
	if (c) {
		CHECK_STREQ(hk_pci_dev_local_cpus_mask(c), "0xf");
		CHECK_EQ_U64(hk_cpuset_count(hk_pci_dev_local_cpus(c)), 4);
		CHECK(hk_pci_dev_check_locality(c, t, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_CONFLICT);
		CHECK_STREQ(reason, "local_cpulist (0-7) and local_cpus (0-3) differ; firmware "
				    "gives no node (numa_node -1) on a host of 2 nodes");
	}
	write_text(DEV_B "/local_cpus", "ff\n");

	write_text(DEV_A "/local_cpus", "0000000f\n");
	write_text(DEV_A "/numa_node", "5\n");
	CHECK_OK(hk_pci_dev_load(root, "0000:45:00.0", NULL, &b));
	if (b) {
		CHECK(hk_pci_dev_check_locality(b, t, reason, sizeof(reason)) ==
		      HK_PCI_LOCALITY_CONFLICT);
		CHECK_STREQ(reason, "numa_node 5 is not a node of this host");
	}

	write_text(DEV_A "/numa_node", "zero\n");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_pci_dev_load(root, "0000:45:00.0", &diag, &none), -EINVAL);
	CHECK_STREQ(diag.path, DEV_A "/numa_node");
	CHECK(strstr(diag.message, "'zero'") != NULL);
	write_text(DEV_A "/numa_node", "0\n");

	write_text(DEV_A "/vendor", "0xzz\n");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_pci_dev_load(root, "0000:45:00.0", &diag, &none), -EINVAL);
	CHECK_STREQ(diag.path, DEV_A "/vendor");
	write_text(DEV_A "/vendor", "0x8086\n");

	write_text(DEV_A "/current_link_speed", "fast\n");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_pci_load(root, &diag, (hk_pci **)&none), -EINVAL);
	CHECK(strstr(diag.message, "'fast'") != NULL);
	write_text(DEV_A "/current_link_speed", "5.0 GT/s PCIe\n");

	write_text(DEV_A "/local_cpulist", "0-x\n");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_pci_dev_load(root, "0000:45:00.0", &diag, &none), -EINVAL);
	CHECK_STREQ(diag.path, DEV_A "/local_cpulist");
	write_text(DEV_A "/local_cpulist", "0-3\n");
	CHECK(none == NULL);
}

static void test_no_bus(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_pci_freep) hk_pci *p = NULL;
	char sub[PATH_MAX + 16];

	snprintf(sub, sizeof(sub), "%s/empty", tree);
	write_text("empty/proc/version", "Linux\n");
	CHECK_OK(hk_root_open(sub, 0, NULL, &root));
	if (!root)
		return;
	CHECK_OK(hk_pci_load(root, NULL, &p));
	if (p)
		CHECK_EQ_U64(hk_pci_n_devices(p), 0);
}

int main(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_topology_freep) hk_topology *t = NULL;

	test_link_speed();
	test_address();
	test_join();

	if (harness_mkdtemp("hk-test-pci.XXXXXX", tree, sizeof(tree)) < 0) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	harness_remove_at_exit(tree);
	build_tree();
	CHECK_OK(hk_root_open(tree, 0, NULL, &root));
	if (!root)
		TEST_DONE();
	CHECK_OK(hk_topology_load(root, NULL, &t));
	if (t)
		CHECK_EQ_U64(hk_topology_n_nodes(t), 2);
	test_load(root, t);
	test_dev_load(root);
	test_conflicts_and_errors(root, t);
	test_no_bus();
	CHECK_STREQ(hk_pci_locality_name(HK_PCI_LOCALITY_NO_NODE), "no-node");
	TEST_DONE();
}
