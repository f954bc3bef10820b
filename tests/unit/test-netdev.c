/* SPDX-License-Identifier: MIT */
/*
 * The network device model: its pure helpers on literals, then whole
 * loads of small sysfs trees this test builds under a mkdtemp() directory
 * (removed at exit):
 *
 *   lo      a virtual device: no `device` link, one rx and one tx queue,
 *           tx-0 without xps_cpus, xps_rxqs, tx_maxrate (absent), and a
 *           `speed` that cannot be read (a directory: EISDIR);
 *   eth0    virtio: sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0,
 *           driver virtio_net, PCI function 0000:00:03.0 (numa_node -1,
 *           msi_irqs 37-39);
 *   ens1f0  a PCI NIC behind a bridge, driver igb, node 1, msi_irqs
 *           147-155, rx/tx-0..10 (numeric order), 256-CPU masks, a
 *           subordinate traffic_class "0-2", BQL;
 *   ens2    a capture that stored its links as files holding the target;
 *   enp162s0  listed only under sys/bus/pci/devices (not in class/net);
 *   bonding_masters, a plain file of class/net that is no device.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/ethtool.h>
#include <hostkit/netdev.h>

#include "base/macro.h"
#include "host/netdev.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_netdev_list *, hk_netdev_list_free)

static char tree[256];

static void die(const char *what, const char *path)
{
	fprintf(stderr, "setup: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void mkdir_p(const char *abs)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", abs);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			die("mkdir", p);
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		die("mkdir", p);
}

/* Writes @text to tree-relative @rel, making its directories. */
static void put(const char *base, const char *rel, const char *text)
{
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", base, rel) >= sizeof(p))
		die("path too long:", rel);
	char *slash = strrchr(p, '/');
	*slash = 0;
	mkdir_p(p);
	*slash = '/';
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open", p);
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		die("write", p);
	close(fd);
}

static void link_at(const char *base, const char *rel, const char *target)
{
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", base, rel) >= sizeof(p))
		die("path too long:", rel);
	char *slash = strrchr(p, '/');
	*slash = 0;
	mkdir_p(p);
	*slash = '/';
	if (symlink(target, p) < 0)
		die("symlink", p);
}

static void dir_at(const char *base, const char *rel)
{
	char p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", base, rel) >= sizeof(p))
		die("path too long:", rel);
	mkdir_p(p);
}

/* ---- Pure helpers ---- */

static void test_path_join(void)
{
	char buf[64];

	CHECK_EQ_S64(
	    hk_netdev_path_join("sys/class/net", "../../devices/virtual/net/lo", buf, sizeof(buf)),
	    strlen("sys/devices/virtual/net/lo"));
	CHECK_STREQ(buf, "sys/devices/virtual/net/lo");
	/* A trailing slash, as node_exporter's capture writes one. */
	CHECK_OK(hk_netdev_path_join("sys/class/net", "../../devices/pci0000:00/0000:00:03.0/", buf,
				     sizeof(buf)));
	CHECK_STREQ(buf, "sys/devices/pci0000:00/0000:00:03.0");
	/* Absolute targets start from the root, ".." never climbs above it. */
	CHECK_OK(hk_netdev_path_join("sys/class/net", "/sys/devices/./x", buf, sizeof(buf)));
	CHECK_STREQ(buf, "sys/devices/x");
	CHECK_OK(hk_netdev_path_join("a", "../../../../b", buf, sizeof(buf)));
	CHECK_STREQ(buf, "b");
	CHECK_EQ_S64(hk_netdev_path_join("", "..", buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "");
	CHECK_ERR(hk_netdev_path_join("sys/class/net", "../../a/very/long/target/that/does/not/fit",
				      buf, 16),
		  -ENAMETOOLONG);
}

static void test_pci_address(void)
{
	CHECK(hk_netdev_is_pci_address("0000:00:03.0", 12));
	CHECK(hk_netdev_is_pci_address("0000:a2:00.7", 12));
	/* 32-bit PCI domains (hwloc's 2pa-pcidomain32bits). */
	CHECK(hk_netdev_is_pci_address("10000:00:02.0", 13));
	CHECK(hk_netdev_is_pci_address("ffffffff:00:02.0", 16));
	CHECK(!hk_netdev_is_pci_address("pci0000:00", 10));
	CHECK(!hk_netdev_is_pci_address("0000:00:03.8", 12));
	CHECK(!hk_netdev_is_pci_address("0000:00:03:0", 12));
	CHECK(!hk_netdev_is_pci_address("000:00:03.0", 11));
	CHECK(!hk_netdev_is_pci_address("virtio2", 7));
}

static void test_locate(void)
{
	size_t end, vlen;
	const char *v;

	const char *p = "sys/devices/pci0000:00/0000:00:03.0/virtio2";
	hk_netdev_locate(p, &end, &v, &vlen);
	CHECK_EQ_U64(end, strlen("sys/devices/pci0000:00/0000:00:03.0"));
	CHECK(v && vlen == 7 && memcmp(v, "virtio2", 7) == 0);

	/* Behind a bridge: the nearest function is the last one. */
	p = "sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0";
	hk_netdev_locate(p, &end, &v, &vlen);
	CHECK_EQ_U64(end, strlen(p));
	CHECK(v == NULL && vlen == 0);

	/* No PCI at all (a platform device); "virtio" alone is no virtio device. */
	hk_netdev_locate("sys/devices/platform/virtio/virtio", &end, &v, &vlen);
	CHECK_EQ_U64(end, 0);
	CHECK(v == NULL);
}

static void test_queue_name(void)
{
	hk_netdev_queue_kind k;
	unsigned n;

	CHECK_OK(hk_netdev_parse_queue_name("rx-0", &k, &n));
	CHECK(k == HK_NETDEV_QUEUE_RX && n == 0);
	CHECK_OK(hk_netdev_parse_queue_name("tx-127", &k, &n));
	CHECK(k == HK_NETDEV_QUEUE_TX && n == 127);
	CHECK_ERR(hk_netdev_parse_queue_name("rx-", &k, &n), -EINVAL);
	CHECK_ERR(hk_netdev_parse_queue_name("rx-1a", &k, &n), -EINVAL);
	CHECK_ERR(hk_netdev_parse_queue_name("rx--1", &k, &n), -EINVAL);
	CHECK_ERR(hk_netdev_parse_queue_name("rx-65536", &k, &n), -EINVAL);
	CHECK_ERR(hk_netdev_parse_queue_name("virtio_net", &k, &n), -EINVAL);
}

static void test_traffic_class(void)
{
	int64_t v = -1;

	CHECK_OK(hk_netdev_parse_traffic_class("0\n", 2, &v));
	CHECK_EQ_S64(v, 0);
	CHECK_OK(hk_netdev_parse_traffic_class("3", 1, &v));
	CHECK_EQ_S64(v, 3);
	/* A subordinate device's queue: the class and the negative count. */
	CHECK_OK(hk_netdev_parse_traffic_class("1-2\n", 4, &v));
	CHECK_EQ_S64(v, 1);
	CHECK_ERR(hk_netdev_parse_traffic_class("1-", 2, &v), -EINVAL);
	CHECK_ERR(hk_netdev_parse_traffic_class("-1", 2, &v), -EINVAL);
	CHECK_ERR(hk_netdev_parse_traffic_class("", 0, &v), -EINVAL);
	CHECK_ERR(hk_netdev_parse_traffic_class("1 2", 3, &v), -EINVAL);
}

static void test_link_text(void)
{
	size_t n;

	CHECK(hk_netdev_is_link_text("../../../0000:45:00.0\n", 22, &n) && n == 21);
	CHECK(hk_netdev_is_link_text("/sys/devices/x", 14, &n) && n == 14);
	CHECK(!hk_netdev_is_link_text("bond0 bond1\n", 12, &n));
	CHECK(!hk_netdev_is_link_text("../a\n../b\n", 10, &n));
	CHECK(!hk_netdev_is_link_text("", 0, &n));
	CHECK(!hk_netdev_is_link_text("..", 2, &n));
}

/* ---- Trees ---- */

static void build_tree(const char *t)
{
	/* lo: virtual, absent and unreadable values. */
	const char *lo = "sys/devices/virtual/net/lo";
	char p[PATH_MAX];
#define AT(dev, rel) ((size_t)snprintf(p, sizeof(p), "%s/%s", dev, rel) < sizeof(p) ? p : "")
	put(t, AT(lo, "operstate"), "unknown\n");
	put(t, AT(lo, "mtu"), "65536\n");
	put(t, AT(lo, "ifindex"), "1\n");
	dir_at(t, AT(lo, "speed"));
	put(t, AT(lo, "queues/rx-0/rps_cpus"), "0\n");
	put(t, AT(lo, "queues/rx-0/rps_flow_cnt"), "0\n");
	put(t, AT(lo, "queues/tx-0/tx_timeout"), "0\n");
	put(t, AT(lo, "queues/tx-0/byte_queue_limits/limit"), "0\n");
	link_at(t, "sys/class/net/lo", "../../devices/virtual/net/lo");
	put(t, "sys/class/net/bonding_masters", "bond0\n");

	/* eth0: virtio-net. */
	const char *fn = "sys/devices/pci0000:00/0000:00:03.0";
	const char *eth0 = "sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0";
	put(t, AT(fn, "numa_node"), "-1\n");
	put(t, AT(fn, "local_cpulist"), "0-1\n");
	put(t, AT(fn, "local_cpus"), "3\n");
	put(t, AT(fn, "msi_irqs/39"), "msix\n");
	put(t, AT(fn, "msi_irqs/37"), "msix\n");
	put(t, AT(fn, "msi_irqs/38"), "msix\n");
	link_at(t, AT(fn, "virtio2/driver"), "../../../../bus/virtio/drivers/virtio_net");
	dir_at(t, "sys/bus/virtio/drivers/virtio_net");
	put(t, AT(eth0, "operstate"), "up\n");
	put(t, AT(eth0, "mtu"), "1400\n");
	put(t, AT(eth0, "speed"), "-1\n");
	put(t, AT(eth0, "threaded"), "0\n");
	put(t, AT(eth0, "napi_defer_hard_irqs"), "0\n");
	put(t, AT(eth0, "gro_flush_timeout"), "0\n");
	link_at(t, AT(eth0, "device"), "../../../virtio2");
	put(t, AT(eth0, "queues/rx-0/rps_cpus"), "0\n");
	put(t, AT(eth0, "queues/rx-0/rps_flow_cnt"), "0\n");
	put(t, AT(eth0, "queues/tx-0/xps_rxqs"), "0\n");
	put(t, AT(eth0, "queues/tx-0/tx_maxrate"), "0\n");
	put(t, AT(eth0, "queues/tx-0/tx_timeout"), "0\n");
	link_at(t, "sys/class/net/eth0", "../../devices/pci0000:00/0000:00:03.0/virtio2/net/eth0");

	/* ens1f0: a PCI NIC behind a bridge. */
	const char *nic = "sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0";
	const char *ens = "sys/devices/pci0000:40/0000:40:01.3/0000:45:00.0/net/ens1f0";
	put(t, AT(nic, "numa_node"), "1\n");
	put(t, AT(nic, "local_cpus"), "00000000,00000000,0000ff00\n");
	for (unsigned irq = 147; irq <= 155; irq++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "msi_irqs/%u", irq);
		put(t, AT(nic, rel), "msix\n");
	}
	link_at(t, AT(nic, "driver"), "../../../../bus/pci/drivers/igb");
	dir_at(t, "sys/bus/pci/drivers/igb");
	put(t, AT(ens, "operstate"), "down\n");
	put(t, AT(ens, "mtu"), "9000\n");
	put(t, AT(ens, "gro_flush_timeout"), "20000\n");
	put(t, AT(ens, "napi_defer_hard_irqs"), "2\n");
	put(t, AT(ens, "threaded"), "1\n");
	link_at(t, AT(ens, "device"), "../../../0000:45:00.0");
	for (unsigned q = 0; q <= 10; q++) {
		char rel[128], val[128];
		snprintf(rel, sizeof(rel), "queues/rx-%u/rps_cpus", q);
		snprintf(val, sizeof(val),
			 "00000000,00000000,00000000,00000000,"
			 "00000000,00000000,00000000,%08x\n",
			 1u << q);
		put(t, AT(ens, rel), val);
		snprintf(rel, sizeof(rel), "queues/rx-%u/rps_flow_cnt", q);
		snprintf(val, sizeof(val), "%u\n", 4096 * q);
		put(t, AT(ens, rel), val);
		snprintf(rel, sizeof(rel), "queues/tx-%u/xps_cpus", q);
		snprintf(val, sizeof(val),
			 "%08x,00000000,00000000,00000000,"
			 "00000000,00000000,00000000,00000000\n",
			 1u << q);
		put(t, AT(ens, rel), val);
		snprintf(rel, sizeof(rel), "queues/tx-%u/xps_rxqs", q);
		snprintf(val, sizeof(val), "%x\n", 1u << q);
		put(t, AT(ens, rel), val);
		snprintf(rel, sizeof(rel), "queues/tx-%u/tx_maxrate", q);
		snprintf(val, sizeof(val), "%u\n", 100 * q);
		put(t, AT(ens, rel), val);
		snprintf(rel, sizeof(rel), "queues/tx-%u/traffic_class", q);
		put(t, AT(ens, rel), q == 3 ? "0-2\n" : "0\n");
		snprintf(rel, sizeof(rel), "queues/tx-%u/byte_queue_limits/limit_max", q);
		put(t, AT(ens, rel), "1879048192\n");
		snprintf(rel, sizeof(rel), "queues/tx-%u/byte_queue_limits/limit", q);
		snprintf(val, sizeof(val), "%u\n", 137370 + q);
		put(t, AT(ens, rel), val);
	}
	put(t, AT(ens, "queues/virtio_net/ignored"), "x\n");
	link_at(t, "sys/class/net/ens1f0",
		"../../devices/pci0000:40/0000:40:01.3/0000:45:00.0/net/ens1f0");

	/* ens2: links stored as files, as the ttar captures hold them. */
	const char *ens2 = "sys/devices/pci0000:00/0000:00:05.0/net/ens2";
	put(t, "sys/devices/pci0000:00/0000:00:05.0/driver", "../../../bus/pci/drivers/ice\n");
	put(t, "sys/devices/pci0000:00/0000:00:05.0/numa_node", "0\n");
	put(t, AT(ens2, "device"), "../../../0000:00:05.0\n");
	put(t, AT(ens2, "mtu"), "1500\n");
	/* A down link's speed and a refused mask, as a capture stores them: empty. */
	put(t, AT(ens2, "speed"), "");
	put(t, AT(ens2, "operstate"), "\n");
	put(t, AT(ens2, "queues/rx-0/rps_cpus"), "");
	put(t, "sys/class/net/ens2", "../../devices/pci0000:00/0000:00:05.0/net/ens2/\n");
	/* A capture's class/net entry leading nowhere is no device. */
	put(t, "sys/class/net/ghost", "../../devices/pci0000:00/0000:00:09.0/net/ghost\n");

	/* enp162s0: only the PCI side has it. */
	put(t, "sys/devices/pci0000:a2/0000:a2:00.0/numa_node", "1\n");
	put(t, "sys/devices/pci0000:a2/0000:a2:00.0/net/enp162s0/mtu", "1500\n");
	put(t, "sys/bus/pci/devices/0000:a2:00.0", "../../../devices/pci0000:a2/0000:a2:00.0\n");
#undef AT
}

static void check_lo(const hk_netdev *d)
{
	const char *s = NULL;
	int64_t v = -7;

	CHECK_STREQ(hk_netdev_sysfs_path(d), "sys/devices/virtual/net/lo");
	CHECK(hk_netdev_driver(d) == NULL);
	CHECK(hk_netdev_pci_address(d) == NULL);
	CHECK(hk_netdev_virtio_name(d) == NULL);
	const unsigned *irqs;
	CHECK_EQ_U64(hk_netdev_msi_irqs(d, &irqs), 0);
	CHECK_OK(hk_netdev_operstate(d, &s));
	CHECK_STREQ(s, "unknown");
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_MTU, &v));
	CHECK_EQ_S64(v, 65536);
	CHECK_ERR(hk_netdev_get(d, HK_NETDEV_SPEED, &v), -EISDIR);
	CHECK_ERR(hk_netdev_get(d, HK_NETDEV_THREADED, &v), -ENOENT);
	CHECK_ERR(hk_netdev_get(d, HK_NETDEV_NUMA_NODE, &v), -ENOENT);
	CHECK_ERR(hk_netdev_get(d, _HK_NETDEV_ATTR_MAX, &v), -ERANGE);
	const hk_cpuset *local;
	CHECK_ERR(hk_netdev_local_cpus(d, &local), -ENOENT);
	CHECK_EQ_U64(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX), 1);
	CHECK_EQ_U64(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX), 1);
	const hk_netdev_queue *tx = hk_netdev_queue_at(d, HK_NETDEV_QUEUE_TX, 0);
	const hk_cpuset *m = NULL;
	CHECK(tx && hk_netdev_queue_get_kind(tx) == HK_NETDEV_QUEUE_TX);
	if (!tx)
		return;
	CHECK_ERR(hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_CPUS, &m), -ENOENT);
	CHECK_ERR(hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_RXQS, &m), -ENOENT);
	CHECK_ERR(hk_netdev_queue_get(tx, HK_NETQ_TX_MAXRATE, &v), -ENOENT);
	CHECK_ERR(hk_netdev_queue_get(tx, HK_NETQ_RPS_FLOW_CNT, &v), -ENOENT);
	CHECK_OK(hk_netdev_queue_get(tx, HK_NETQ_BQL_LIMIT, &v));
	CHECK_EQ_S64(v, 0);
	const hk_netdev_queue *rx = hk_netdev_queue_at(d, HK_NETDEV_QUEUE_RX, 0);
	CHECK(rx && hk_netdev_queue_get_mask(rx, HK_NETQ_RPS_CPUS, &m) == 0 && m &&
	      hk_cpuset_is_empty(m));
}

static void check_eth0(const hk_netdev *d)
{
	int64_t v = 0;
	const unsigned *irqs = NULL;

	CHECK_STREQ(hk_netdev_sysfs_path(d),
		    "sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0");
	CHECK_STREQ(hk_netdev_driver(d), "virtio_net");
	CHECK_STREQ(hk_netdev_pci_address(d), "0000:00:03.0");
	CHECK_STREQ(hk_netdev_pci_path(d), "sys/devices/pci0000:00/0000:00:03.0");
	CHECK_STREQ(hk_netdev_virtio_name(d), "virtio2");
	CHECK_EQ_U64(hk_netdev_msi_irqs(d, &irqs), 3);
	CHECK(irqs && irqs[0] == 37 && irqs[1] == 38 && irqs[2] == 39);
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_NUMA_NODE, &v));
	CHECK_EQ_S64(v, -1);
	const hk_cpuset *local = NULL;
	CHECK_OK(hk_netdev_local_cpus(d, &local));
	CHECK(local && hk_cpuset_count(local) == 2);
	/* SPEED_UNKNOWN is a value, not an error. */
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_SPEED, &v));
	CHECK_EQ_S64(v, -1);
	const hk_netdev_queue *tx = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_TX, 0);
	const hk_cpuset *m = NULL;
	CHECK(tx != NULL);
	if (tx) {
		CHECK_ERR(hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_CPUS, &m), -ENOENT);
		CHECK_OK(hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_RXQS, &m));
		CHECK(m && hk_cpuset_is_empty(m));
		CHECK_ERR(hk_netdev_queue_get(tx, HK_NETQ_TRAFFIC_CLASS, &v), -ENOENT);
	}
	CHECK(hk_netdev_queue_find(d, HK_NETDEV_QUEUE_TX, 1) == NULL);
}

static void check_ens1f0(const hk_netdev *d)
{
	int64_t v = 0;
	const unsigned *irqs = NULL;
	const char *s = NULL;

	CHECK_STREQ(hk_netdev_driver(d), "igb");
	CHECK_STREQ(hk_netdev_pci_address(d), "0000:45:00.0");
	CHECK(hk_netdev_virtio_name(d) == NULL);
	CHECK_EQ_U64(hk_netdev_msi_irqs(d, &irqs), 9);
	/* Without local_cpulist, the mask. */
	const hk_cpuset *local = NULL;
	CHECK_OK(hk_netdev_local_cpus(d, &local));
	CHECK(local && hk_cpuset_count(local) == 8 && hk_cpuset_test(local, 8) &&
	      hk_cpuset_test(local, 15));
	CHECK(irqs && irqs[0] == 147 && irqs[8] == 155);
	CHECK_OK(hk_netdev_operstate(d, &s));
	CHECK_STREQ(s, "down");
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_NUMA_NODE, &v));
	CHECK_EQ_S64(v, 1);
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_GRO_FLUSH_TIMEOUT, &v));
	CHECK_EQ_S64(v, 20000);
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_NAPI_DEFER_HARD_IRQS, &v));
	CHECK_EQ_S64(v, 2);
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_THREADED, &v));
	CHECK_EQ_S64(v, 1);
	CHECK_EQ_U64(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX), 11);
	CHECK_EQ_U64(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX), 11);
	for (unsigned i = 0; i < 11; i++) {
		const hk_netdev_queue *rx = hk_netdev_queue_at(d, HK_NETDEV_QUEUE_RX, i);
		const hk_netdev_queue *tx = hk_netdev_queue_at(d, HK_NETDEV_QUEUE_TX, i);
		const hk_cpuset *m = NULL;
		if (!rx || !tx) {
			CHECK(rx && tx);
			continue;
		}
		CHECK_EQ_U64(hk_netdev_queue_number(rx), i);
		CHECK_EQ_U64(hk_netdev_queue_number(tx), i);
		CHECK_OK(hk_netdev_queue_get_mask(rx, HK_NETQ_RPS_CPUS, &m));
		CHECK(m && hk_cpuset_count(m) == 1 && hk_cpuset_test(m, i));
		CHECK_OK(hk_netdev_queue_get(rx, HK_NETQ_RPS_FLOW_CNT, &v));
		CHECK_EQ_S64(v, 4096 * i);
		CHECK_OK(hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_CPUS, &m));
		CHECK(m && hk_cpuset_count(m) == 1 && hk_cpuset_test(m, 224 + i));
		CHECK_OK(hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_RXQS, &m));
		CHECK(m && hk_cpuset_count(m) == 1 && hk_cpuset_test(m, i));
		CHECK_OK(hk_netdev_queue_get(tx, HK_NETQ_TX_MAXRATE, &v));
		CHECK_EQ_S64(v, 100 * i);
		CHECK_OK(hk_netdev_queue_get(tx, HK_NETQ_TRAFFIC_CLASS, &v));
		CHECK_EQ_S64(v, 0);
		CHECK_OK(hk_netdev_queue_get(tx, HK_NETQ_BQL_LIMIT, &v));
		CHECK_EQ_S64(v, 137370 + i);
		CHECK_OK(hk_netdev_queue_get(tx, HK_NETQ_BQL_LIMIT_MAX, &v));
		CHECK_EQ_S64(v, 1879048192);
		CHECK_ERR(hk_netdev_queue_get(tx, HK_NETQ_BQL_STALL_THRS, &v), -ENOENT);
	}
}

static void test_tree(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_netdev_list_freep) hk_netdev_list *l = NULL;
	hk_diag diag;

	build_tree(tree);
	if (CHECK_OK(hk_root_open(tree, 0, NULL, &root)) < 0)
		return;
	if (CHECK_OK(hk_netdev_list_load(root, NULL, 0, &diag, &l)) < 0) {
		fprintf(stderr, "diag: %s\n", diag.message);
		return;
	}
	/* Sorted by name, numbers as numbers; bonding_masters and ghost are no devices. */
	CHECK_EQ_U64(hk_netdev_list_count(l), 5);
	const char *want[] = {"enp162s0", "ens1f0", "ens2", "eth0", "lo"};
	for (unsigned i = 0; i < 5 && i < hk_netdev_list_count(l); i++)
		CHECK_STREQ(hk_netdev_name(hk_netdev_list_get(l, i)), want[i]);
	CHECK(hk_netdev_list_get(l, 5) == NULL);
	CHECK(hk_netdev_list_find(l, "bonding_masters") == NULL);

	const hk_netdev *d = hk_netdev_list_find(l, "lo");
	CHECK(d != NULL);
	if (d)
		check_lo(d);
	d = hk_netdev_list_find(l, "eth0");
	CHECK(d != NULL);
	if (d)
		check_eth0(d);
	d = hk_netdev_list_find(l, "ens1f0");
	CHECK(d != NULL);
	if (d)
		check_ens1f0(d);

	d = hk_netdev_list_find(l, "ens2");
	CHECK(d != NULL);
	if (d) {
		int64_t v;
		CHECK_STREQ(hk_netdev_sysfs_path(d),
			    "sys/devices/pci0000:00/0000:00:05.0/net/ens2");
		CHECK_STREQ(hk_netdev_driver(d), "ice");
		CHECK_STREQ(hk_netdev_pci_address(d), "0000:00:05.0");
		CHECK_OK(hk_netdev_get(d, HK_NETDEV_NUMA_NODE, &v));
		CHECK_EQ_S64(v, 0);
		CHECK_ERR(hk_netdev_get(d, HK_NETDEV_SPEED, &v), -ENODATA);
		CHECK_EQ_U64(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX), 1);
		const hk_netdev_queue *rx = hk_netdev_queue_at(d, HK_NETDEV_QUEUE_RX, 0);
		const hk_cpuset *m;
		CHECK(rx && hk_netdev_queue_get_mask(rx, HK_NETQ_RPS_CPUS, &m) == -ENODATA);
		CHECK(rx && hk_netdev_queue_get(rx, HK_NETQ_RPS_FLOW_CNT, &v) == -ENOENT);
		const char *s;
		CHECK_ERR(hk_netdev_operstate(d, &s), -ENODATA);
	}
	d = hk_netdev_list_find(l, "enp162s0");
	CHECK(d != NULL);
	if (d) {
		CHECK_STREQ(hk_netdev_pci_address(d), "0000:a2:00.0");
		CHECK(hk_netdev_driver(d) == NULL);
	}

	/* Named devices: only those, in the order asked. */
	hk_netdev_list_free(TAKE_PTR(l));
	const char *names[] = {"lo", "enp162s0", "eth0"};
	CHECK_OK(hk_netdev_list_load(root, names, 3, NULL, &l));
	if (l) {
		CHECK_EQ_U64(hk_netdev_list_count(l), 3);
		for (unsigned i = 0; i < 3; i++)
			CHECK_STREQ(hk_netdev_name(hk_netdev_list_get(l, i)), names[i]);
	}

	/* Unknown names, and names that are no device, are -ENODEV with the name said. */
	const char *bad[][1] = {{"nosuch0"}, {"bonding_masters"}, {"ghost"}, {"../net"}, {""}};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		hk_netdev_list *x = NULL;
		hk_diag_clear(&diag);
		CHECK_ERR(hk_netdev_list_load(root, bad[i], 1, &diag, &x), -ENODEV);
		CHECK(x == NULL);
		CHECK(strstr(diag.message, bad[i][0]) != NULL);
	}
}

/* The problem of @l that names @file, or NULL. */
static const char *find_problem(const hk_netdev_list *l, const char *file)
{
	for (unsigned i = 0; i < hk_netdev_list_n_problems(l); i++)
		if (strstr(hk_netdev_list_problem(l, i), file))
			return hk_netdev_list_problem(l, i);
	return NULL;
}

/*
 * A present but malformed file is that value's -EBADMSG, not a failure of
 * the load; the list keeps a message naming the file and the text.
 */
static void test_malformed(void)
{
	static const struct {
		const char *file;
		const char *text;
	} cases[] = {
	    {"mtu", "15x0\n"},
	    {"queues/rx-0/rps_cpus", "zz\n"},
	    {"queues/tx-0/traffic_class", "a\n"},
	    {"queues/tx-0/byte_queue_limits/limit", "-\n"},
	    /* Longer than any number: the message quotes its start. */
	    {"tx_queue_len",
	     "1000000000000000000000000000000000000000000000000000000000000000000000\n"},
	};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		char sub[PATH_MAX], rel[PATH_MAX];
		_cleanup_(hk_root_freep) hk_root *root = NULL;
		_cleanup_(hk_netdev_list_freep) hk_netdev_list *l = NULL;
		hk_diag diag;

		snprintf(sub, sizeof(sub), "%s/bad%u", tree, i);
		if ((size_t)snprintf(rel, sizeof(rel), "sys/devices/virtual/net/v0/%s",
				     cases[i].file) >= sizeof(rel))
			continue;
		put(sub, "sys/devices/virtual/net/v0/queues/rx-0/rps_flow_cnt", "0\n");
		put(sub, "sys/devices/virtual/net/v0/queues/tx-0/tx_maxrate", "0\n");
		put(sub, rel, cases[i].text);
		link_at(sub, "sys/class/net/v0", "../../devices/virtual/net/v0");
		if (CHECK_OK(hk_root_open(sub, 0, NULL, &root)) < 0)
			continue;
		hk_diag_clear(&diag);
		if (CHECK_OK(hk_netdev_list_load(root, NULL, 0, &diag, &l)) < 0)
			continue;
		CHECK_EQ_U64(hk_netdev_list_count(l), 1);
		CHECK_EQ_U64(hk_netdev_list_n_problems(l), 1);
		CHECK(hk_netdev_list_problem(l, 1) == NULL);
		const char *msg = hk_netdev_list_problem(l, 0);
		CHECK(msg && strstr(msg, rel) == msg);
		char text[16];
		snprintf(text, sizeof(text), "'%.*s", (int)MIN(strcspn(cases[i].text, "\n"), 12),
			 cases[i].text);
		CHECK(msg && strstr(msg, text) != NULL);
		if (test_failures)
			fprintf(stderr, "case %u: problem %s\n", i, msg ? msg : "(none)");
	}
}

/*
 * One malformed value among good ones: a malformed rps_cpus, a malformed
 * mtu, a number file too long for any number. The load succeeds; each is
 * -EBADMSG with its message; the other queues and devices are intact.
 */
static const char degraded_v0[] = "sys/devices/virtual/net/v0";

static void build_degraded(const char *t)
{
	char p[PATH_MAX];
#define AT(dev, rel) ((size_t)snprintf(p, sizeof(p), "%s/%s", dev, rel) < sizeof(p) ? p : "")
	const char *v1 = "sys/devices/virtual/net/v1";
	put(t, AT(degraded_v0, "ifindex"), "7\n");
	put(t, AT(degraded_v0, "mtu"), "15x0\n");
	put(t, AT(degraded_v0, "tx_queue_len"), "1000\n");
	put(t, AT(degraded_v0, "queues/rx-0/rps_cpus"), "garbage\n");
	put(t, AT(degraded_v0, "queues/rx-0/rps_flow_cnt"), "256\n");
	put(t, AT(degraded_v0, "queues/rx-1/rps_cpus"), "3\n");
	put(t, AT(degraded_v0, "queues/rx-1/rps_flow_cnt"), "512\n");
	put(t, AT(degraded_v0, "queues/tx-0/tx_maxrate"),
	    "99999999999999999999999999999999999999999999999999999999999999999999999999\n");
	put(t, AT(degraded_v0, "queues/tx-0/xps_cpus"), "1\n");
	put(t, AT(degraded_v0, "queues/tx-1/tx_maxrate"), "100\n");
	link_at(t, "sys/class/net/v0", "../../devices/virtual/net/v0");
	put(t, AT(v1, "mtu"), "9000\n");
	put(t, AT(v1, "queues/rx-0/rps_cpus"), "f\n");
	link_at(t, "sys/class/net/v1", "../../devices/virtual/net/v1");
#undef AT
}

static void test_degraded(void)
{
	char sub[PATH_MAX], file[PATH_MAX];
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_netdev_list_freep) hk_netdev_list *l = NULL;
	const hk_cpuset *m = NULL;
	const char *msg;
	hk_diag diag;
	int64_t v;

	snprintf(sub, sizeof(sub), "%s/degraded", tree);
	build_degraded(sub);
	if (CHECK_OK(hk_root_open(sub, 0, NULL, &root)) < 0)
		return;
	hk_diag_clear(&diag);
	if (CHECK_OK(hk_netdev_list_load(root, NULL, 0, &diag, &l)) < 0) {
		fprintf(stderr, "diag: %s\n", diag.message);
		return;
	}
	CHECK_EQ_U64(hk_netdev_list_count(l), 2);
	CHECK_EQ_U64(hk_netdev_list_n_problems(l), 3);

	const hk_netdev *d = hk_netdev_list_find(l, "v0");
	if (!d) {
		CHECK(d != NULL);
		return;
	}
	CHECK_ERR(hk_netdev_get(d, HK_NETDEV_MTU, &v), -EBADMSG);
	snprintf(file, sizeof(file), "%s/mtu", degraded_v0);
	msg = find_problem(l, file);
	CHECK(msg && strstr(msg, ": cannot parse number '15x0'"));
	/* The device's other attributes are read. */
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_IFINDEX, &v));
	CHECK_EQ_S64(v, 7);
	CHECK_OK(hk_netdev_get(d, HK_NETDEV_TX_QUEUE_LEN, &v));
	CHECK_EQ_S64(v, 1000);

	CHECK_EQ_U64(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX), 2);
	CHECK_EQ_U64(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX), 2);
	const hk_netdev_queue *rx0 = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_RX, 0);
	const hk_netdev_queue *rx1 = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_RX, 1);
	const hk_netdev_queue *tx0 = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_TX, 0);
	const hk_netdev_queue *tx1 = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_TX, 1);
	if (!rx0 || !rx1 || !tx0 || !tx1) {
		CHECK(rx0 && rx1 && tx0 && tx1);
		return;
	}
	CHECK_ERR(hk_netdev_queue_get_mask(rx0, HK_NETQ_RPS_CPUS, &m), -EBADMSG);
	snprintf(file, sizeof(file), "%s/queues/rx-0/rps_cpus", degraded_v0);
	msg = find_problem(l, file);
	CHECK(msg && strcmp(msg + strlen(file), ": cannot parse mask 'garbage'") == 0);
	/* The same queue's other file, and the other queue, are intact. */
	CHECK_OK(hk_netdev_queue_get(rx0, HK_NETQ_RPS_FLOW_CNT, &v));
	CHECK_EQ_S64(v, 256);
	CHECK_OK(hk_netdev_queue_get_mask(rx1, HK_NETQ_RPS_CPUS, &m));
	CHECK(m && hk_cpuset_count(m) == 2 && hk_cpuset_test(m, 0) && hk_cpuset_test(m, 1));
	CHECK_OK(hk_netdev_queue_get(rx1, HK_NETQ_RPS_FLOW_CNT, &v));
	CHECK_EQ_S64(v, 512);

	/* Too long for any number: malformed, the message quotes its start. */
	CHECK_ERR(hk_netdev_queue_get(tx0, HK_NETQ_TX_MAXRATE, &v), -EBADMSG);
	snprintf(file, sizeof(file), "%s/queues/tx-0/tx_maxrate", degraded_v0);
	msg = find_problem(l, file);
	CHECK(msg && strstr(msg, ": cannot parse number '9999999999"));
	CHECK_OK(hk_netdev_queue_get_mask(tx0, HK_NETQ_XPS_CPUS, &m));
	CHECK(m && hk_cpuset_count(m) == 1 && hk_cpuset_test(m, 0));
	CHECK_OK(hk_netdev_queue_get(tx1, HK_NETQ_TX_MAXRATE, &v));
	CHECK_EQ_S64(v, 100);

	/* The other device is whole. */
	d = hk_netdev_list_find(l, "v1");
	CHECK(d != NULL);
	if (d) {
		CHECK_OK(hk_netdev_get(d, HK_NETDEV_MTU, &v));
		CHECK_EQ_S64(v, 9000);
		const hk_netdev_queue *q = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_RX, 0);
		CHECK(q && hk_netdev_queue_get_mask(q, HK_NETQ_RPS_CPUS, &m) == 0 && m &&
		      hk_cpuset_count(m) == 4);
	}
	CHECK(hk_netdev_list_problem(l, 3) == NULL);
	if (test_failures)
		for (unsigned i = 0; i < hk_netdev_list_n_problems(l); i++)
			fprintf(stderr, "problem %u: %s\n", i, hk_netdev_list_problem(l, i));
}

/* A root without sys/class/net has no devices. */
static void test_empty(void)
{
	char sub[PATH_MAX];
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_netdev_list_freep) hk_netdev_list *l = NULL;

	snprintf(sub, sizeof(sub), "%s/empty", tree);
	put(sub, "proc/version", "Linux\n");
	if (CHECK_OK(hk_root_open(sub, 0, NULL, &root)) < 0)
		return;
	CHECK_OK(hk_netdev_list_load(root, NULL, 0, NULL, &l));
	CHECK(l && hk_netdev_list_count(l) == 0);
}

static void test_names(void)
{
	CHECK_STREQ(hk_netdev_attr_name(HK_NETDEV_GRO_FLUSH_TIMEOUT), "gro_flush_timeout");
	CHECK(hk_netdev_attr_name(_HK_NETDEV_ATTR_MAX) == NULL);
	CHECK_STREQ(hk_netdev_queue_attr_name(HK_NETQ_BQL_LIMIT_MIN),
		    "byte_queue_limits/limit_min");
	CHECK(hk_netdev_queue_attr_name(_HK_NETQ_ATTR_MAX) == NULL);
	CHECK_STREQ(hk_netdev_queue_mask_name(HK_NETQ_XPS_RXQS), "xps_rxqs");
	CHECK(hk_netdev_queue_mask_name(_HK_NETQ_MASK_MAX) == NULL);
}

/* ---- The CLI on a captured tree with /proc/interrupts and ethtool records ---- */

/*
 * ens2 (1 rx, 2 tx queues): coalescing per queue for its one channel only,
 * as ice answers for a queue number past its rx and tx queues: EINVAL.
 */
static int ens2_request(void *buf, size_t len)
{
	uint32_t cmd;

	memcpy(&cmd, buf, sizeof(cmd));
	if (cmd == ETHTOOL_GCOALESCE) {
		struct ethtool_coalesce *c = buf;
		c->rx_coalesce_usecs = 50;
		return 0;
	}
	if (cmd == ETHTOOL_PERQUEUE) {
		struct ethtool_per_queue_op *op = buf;
		if (op->sub_command != ETHTOOL_GCOALESCE || op->queue_mask[0] != 1 ||
		    len < sizeof(*op) + sizeof(struct ethtool_coalesce))
			return -EINVAL;
		struct ethtool_coalesce c = {.cmd = ETHTOOL_GCOALESCE, .rx_coalesce_usecs = 8};
		memcpy(op->data, &c, sizeof(c));
		return 0;
	}
	return -EOPNOTSUPP;
}

/* A device's answers: virtio_net with 4 of 8 combined channels, rings, an 8-entry RSS table. */
static int scripted_request(void *ctx, const char *ifname, void *buf, size_t len)
{
	uint32_t cmd;

	memcpy(&cmd, buf, sizeof(cmd));
	if (strcmp(ifname, "ens2") == 0)
		return ens2_request(buf, len);
	if (strcmp(ifname, "eth0") != 0)
		return -ENODEV;
	switch (cmd) {
	case ETHTOOL_GDRVINFO: {
		struct ethtool_drvinfo *d = buf;
		snprintf(d->driver, sizeof(d->driver), "virtio_net");
		snprintf(d->bus_info, sizeof(d->bus_info), "0000:00:03.0");
		return 0;
	}
	case ETHTOOL_GCHANNELS: {
		struct ethtool_channels *ch = buf;
		ch->max_combined = 8;
		ch->combined_count = 4;
		return 0;
	}
	case ETHTOOL_GRINGPARAM: {
		struct ethtool_ringparam *rp = buf;
		rp->rx_max_pending = 1024;
		rp->tx_max_pending = 1024;
		rp->rx_pending = 512;
		rp->tx_pending = 256;
		return 0;
	}
	case ETHTOOL_GRSSH: {
		struct ethtool_rxfh *x = buf;
		if (len == sizeof(*x)) {
			x->indir_size = 8;
			x->key_size = 4;
			return 0;
		}
		if (len < sizeof(*x) + 8 * 4 + 4)
			return -EINVAL;
		for (uint32_t i = 0; i < 8; i++)
			x->rss_config[i] = i % 4;
		memcpy((uint8_t *)x->rss_config + 32, "\xde\xad\xbe\xef", 4);
		x->hfunc = 1;
		return 0;
	}
	case ETHTOOL_GRXRINGS: {
		struct ethtool_rxnfc *n = buf;
		n->data = 4;
		return 0;
	}
	case ETHTOOL_GPAUSEPARAM: {
		struct ethtool_pauseparam *pp = buf;
		pp->rx_pause = 1;
		return 0;
	}
	case ETHTOOL_GRXFH: {
		/* Like mlx5: 4-tuple for TCP over IPv4, addresses only for UDP. */
		struct ethtool_rxnfc *n = buf;
		if (n->flow_type == TCP_V4_FLOW)
			n->data = RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 | RXH_L4_B_2_3;
		else if (n->flow_type == UDP_V4_FLOW)
			n->data = RXH_IP_SRC | RXH_IP_DST;
		else
			return -EINVAL;
		return 0;
	}
	case ETHTOOL_GRXCLSRLCNT: {
		struct ethtool_rxnfc *n = buf;
		n->rule_cnt = 1;
		n->data = 1024;
		return 0;
	}
	case ETHTOOL_GRXCLSRLALL: {
		struct ethtool_rxnfc *n = buf;
		if (len < sizeof(*n) + sizeof(uint32_t) || n->rule_cnt < 1)
			return -EINVAL;
		n->rule_cnt = 1;
		n->data = 1024;
		n->rule_locs[0] = 5;
		return 0;
	}
	case ETHTOOL_GRXCLSRULE: {
		/* `ethtool -N eth0 flow-type tcp4 dst-ip 10.0.0.1 dst-port 80 action 2 loc 5` */
		struct ethtool_rxnfc *n = buf;
		if (n->fs.location != 5)
			return -ENOENT;
		n->fs.flow_type = TCP_V4_FLOW;
		n->fs.h_u.tcp_ip4_spec.ip4dst = htonl(0x0a000001);
		n->fs.m_u.tcp_ip4_spec.ip4dst = 0xffffffff;
		n->fs.h_u.tcp_ip4_spec.pdst = htons(80);
		n->fs.m_u.tcp_ip4_spec.pdst = 0xffff;
		n->fs.ring_cookie = 2;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}

/* Records the scripted device's answers beside @t, as `hostkit capture` will. */
static int record_ethtool(const char *t)
{
	static const hk_ethtool_ops ops = {.request = scripted_request};
	hk_ethtool *inner = NULL, *rec = NULL;
	hk_ethtool_info *info = NULL;
	hk_diag diag;

	int r = hk_ethtool_new(&ops, NULL, &inner);
	if (r < 0)
		return r;
	r = hk_ethtool_recorder_new(inner, &rec);
	if (r < 0)
		return r;
	r = hk_ethtool_info_load(rec, "eth0", 0, &info);
	hk_ethtool_info_free(info);
	/* ens2's coalescing, and the per-queue requests `inspect net` makes of it. */
	hk_ethtool_coalesce co, per_queue[2];
	if (r >= 0)
		r = hk_ethtool_get_coalesce(rec, "ens2", NULL, &co);
	if (r >= 0 && hk_ethtool_get_queue_coalesce(rec, "ens2", 0, 2, NULL, per_queue) != -EINVAL)
		r = -EPROTO;
	if (r >= 0)
		r = hk_ethtool_get_queue_coalesce(rec, "ens2", 0, 1, NULL, per_queue);
	if (r >= 0)
		r = hk_ethtool_save(rec, t, &diag);
	hk_ethtool_free(rec);
	return r;
}

/* Runs `hostkit --root @t @args...`: its output in *ret (free it), its exit status. */
static int run_tool(const char *t, const char *const *args, char **ret)
{
	const char *tool = getenv("HK_TOOL");
	char *argv[16];
	unsigned n = 0;
	size_t len;
	int status;

	argv[n++] = (char *)tool;
	argv[n++] = "--root";
	argv[n++] = (char *)t;
	while (*args && n < ELEMENTSOF(argv) - 1)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	*ret = NULL;
	int r = harness_run(argv, ret, &len, &status);
	return r < 0 ? r : status;
}

/* Whether @json has @key followed, after blanks, by @value. */
static bool json_has(const char *json, const char *key, const char *value)
{
	char k[128];
	snprintf(k, sizeof(k), "\"%s\":", key);
	for (const char *p = json; (p = strstr(p, k)); p += strlen(k)) {
		const char *v = p + strlen(k);
		while (*v == ' ' || *v == '\n')
			v++;
		if (strncmp(v, value, strlen(value)) == 0)
			return true;
	}
	return false;
}

static void test_cli(void)
{
	if (!getenv("HK_TOOL")) {
		printf("note: HK_TOOL unset, the CLI is not run\n");
		return;
	}
	put(tree, "proc/interrupts",
	    "           CPU0       CPU1       \n"
	    " 37:          0          0 PCI-MSIX-0000:00:03.0   0-edge      virtio2-config\n"
	    " 38:          0        608 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n"
	    " 39:        318          0 PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0\n"
	    " 147:         1          0 IR-PCI-MSIX-0000:45:00.0    0-edge      ens1f0\n"
	    " 148:         5          0 IR-PCI-MSIX-0000:45:00.0    1-edge      ens1f0-TxRx-0\n"
	    " 149:         0          7 IR-PCI-MSIX-0000:45:00.0    2-edge      ens1f0-TxRx-1\n"
	    "NMI:          0          0   Non-maskable interrupts\n"
	    "ERR:          0\n");
	put(tree, "proc/irq/38/smp_affinity_list", "1\n");
	put(tree, "proc/irq/38/effective_affinity_list", "1\n");
	put(tree, "proc/irq/39/smp_affinity_list", "0-1\n");
	put(tree, "proc/irq/39/effective_affinity_list", "0\n");
	put(tree, "proc/irq/149/smp_affinity",
	    "00000000,00000000,00000000,00000000,"
	    "00000000,00000000,00000000,00000002\n");
	CHECK_OK(record_ethtool(tree));

	_cleanup_free_ char *out = NULL;
	const char *json_args[] = {"--json", "inspect", "net", "eth0", NULL};
	CHECK_EQ_S64(run_tool(tree, json_args, &out), 0);
	if (!out)
		return;
	CHECK(json_has(out, "name", "\"eth0\""));
	CHECK(json_has(out, "driver", "\"virtio_net\""));
	CHECK(json_has(out, "pci_address", "\"0000:00:03.0\""));
	CHECK(json_has(out, "combined", "4"));
	CHECK(json_has(out, "max_combined", "8"));
	CHECK(json_has(out, "max_rx", "1024"));
	CHECK(json_has(out, "key", "\"deadbeef\""));
	CHECK(json_has(out, "hfunc", "\"toeplitz\""));
	CHECK(json_has(out, "rings", "\"ok\""));
	CHECK(json_has(out, "coalesce", "\"unsupported\""));
	/* Pause, the flow hash per flow type and the ntuple rules, decoded. */
	CHECK(json_has(out, "pause", "\"ok\""));
	CHECK(strstr(out, "\"pause\": {\n          \"autoneg\": false,\n          \"rx\": true,\n"
			  "          \"tx\": false\n") != NULL);
	CHECK(strstr(out, "\"tcp4\": [\n            \"ip_src\",\n            \"ip_dst\",\n"
			  "            \"l4_src_port\",\n            \"l4_dst_port\"\n") != NULL);
	CHECK(strstr(out, "\"udp4\": [\n            \"ip_src\",\n            \"ip_dst\"\n") !=
	      NULL);
	CHECK(json_has(out, "table_size", "1024"));
	CHECK(json_has(out, "location", "5"));
	CHECK(json_has(out, "flow_type", "\"tcp4\""));
	CHECK(json_has(out, "action", "\"queue\""));
	CHECK(json_has(out, "queue", "2"));
	CHECK(json_has(out, "dst_ip", "\"10.0.0.1\""));
	CHECK(json_has(out, "dst_ip_mask", "\"255.255.255.255\""));
	CHECK(json_has(out, "dst_port", "80"));
	CHECK(json_has(out, "src_port_mask", "0"));
	/* Recorded without per-queue coalescing (the device has none): null, not an error. */
	CHECK(json_has(out, "queue_coalesce", "null"));
	/* The queue IRQs: input.0 is rx 0 with its CPUs, output.0 tx 0. */
	CHECK(strstr(out, "\"name\": \"virtio2-input.0\",\n            \"queue\": 0,\n"
			  "            \"kind\": \"rx\",\n            \"block\": null,\n"
			  "            \"affinity\": \"1\",\n"
			  "            \"effective_affinity\": \"1\"") != NULL);
	CHECK(strstr(out, "\"name\": \"virtio2-output.0\",\n            \"queue\": 0,\n"
			  "            \"kind\": \"tx\",\n            \"block\": null,\n"
			  "            \"affinity\": \"0-1\",\n"
			  "            \"effective_affinity\": \"0\"") != NULL);
	if (test_failures)
		fprintf(stderr, "%s\n", out);

	/* Text: channels and rings "current / max", the RSS summary, the queue table. */
	_cleanup_free_ char *text = NULL;
	const char *text_args[] = {"inspect", "net", "eth0", NULL};
	CHECK_EQ_S64(run_tool(tree, text_args, &text), 0);
	if (!text)
		return;
	CHECK(strstr(text, "combined 4 / 8") != NULL);
	CHECK(strstr(text, "rx 512 / 1024  tx 256 / 1024") != NULL);
	CHECK(strstr(text, "8 entries (q0 2, q1 2, q2 2, q3 2), key 4 bytes, hfunc toeplitz") !=
	      NULL);
	CHECK(strstr(text, "  0      38    rx    1          1 ") != NULL);
	CHECK(strstr(text, "  ntuple      1 rule in a table of 1024\n") != NULL);

	/* igb's queue IRQs by their names, among the function's msi_irqs. */
	_cleanup_free_ char *igb = NULL;
	const char *igb_args[] = {"inspect", "net", "ens1f0", NULL};
	CHECK_EQ_S64(run_tool(tree, igb_args, &igb), 0);
	CHECK(igb && strstr(igb, "  0      148   txrx  -          -          0 ") != NULL);
	CHECK(igb && strstr(igb, "  1      149   txrx  1          -          1 ") != NULL);
	CHECK(igb && strstr(igb, "  -      147   other -          -          ens1f0\n") != NULL);
	if (test_failures && igb)
		fprintf(stderr, "%s\n", igb);

	/* A device without records: ethtool items "not recorded", channels null. */
	_cleanup_free_ char *lo = NULL;
	const char *lo_args[] = {"--json", "inspect", "net", "lo", NULL};
	CHECK_EQ_S64(run_tool(tree, lo_args, &lo), 0);
	CHECK(lo && json_has(lo, "channels", "\"not recorded\""));
	CHECK(lo && json_has(lo, "channels", "null"));

	/*
	 * gve: its IRQs are notification blocks the driver maps to queues
	 * (tx N block N, rx N block total/2 + N), so no IRQ is shown as a queue's.
	 */
	const char *gnic = "sys/devices/pci0000:00/0000:00:04.0";
	char gp[PATH_MAX];
	snprintf(gp, sizeof(gp), "%s/msi_irqs/61", gnic);
	put(tree, gp, "msix\n");
	snprintf(gp, sizeof(gp), "%s/msi_irqs/62", gnic);
	put(tree, gp, "msix\n");
	snprintf(gp, sizeof(gp), "%s/msi_irqs/63", gnic);
	put(tree, gp, "msix\n");
	snprintf(gp, sizeof(gp), "%s/driver", gnic);
	link_at(tree, gp, "../../../bus/pci/drivers/gve");
	dir_at(tree, "sys/bus/pci/drivers/gve");
	snprintf(gp, sizeof(gp), "%s/net/ens4/operstate", gnic);
	put(tree, gp, "up\n");
	snprintf(gp, sizeof(gp), "%s/net/ens4/queues/rx-0/rps_cpus", gnic);
	put(tree, gp, "0\n");
	snprintf(gp, sizeof(gp), "%s/net/ens4/queues/tx-0/xps_cpus", gnic);
	put(tree, gp, "0\n");
	snprintf(gp, sizeof(gp), "%s/net/ens4/device", gnic);
	link_at(tree, gp, "../../../0000:00:04.0");
	link_at(tree, "sys/class/net/ens4", "../../devices/pci0000:00/0000:00:04.0/net/ens4");
	char interrupts[1024];
	snprintf(interrupts, sizeof(interrupts),
		 "           CPU0       CPU1       \n"
		 " 61:          0          0 PCI-MSIX-0000:00:04.0   0-edge      "
		 "gve-ntfy-blk0@pci:0000:00:04.0\n"
		 " 62:          0          0 PCI-MSIX-0000:00:04.0   1-edge      "
		 "gve-ntfy-blk1@pci:0000:00:04.0\n"
		 " 63:          0          0 PCI-MSIX-0000:00:04.0   2-edge      "
		 "gve-mgmnt@pci:0000:00:04.0\n");
	put(tree, "proc/interrupts", interrupts);
	_cleanup_free_ char *gve = NULL, *gve_text = NULL;
	const char *gve_args[] = {"--json", "inspect", "net", "ens4", NULL};
	const char *gve_text_args[] = {"inspect", "net", "ens4", NULL};
	CHECK_EQ_S64(run_tool(tree, gve_args, &gve), 0);
	CHECK(gve && strstr(gve, "\"name\": \"gve-ntfy-blk1@pci:0000:00:04.0\",\n"
				 "            \"queue\": null,\n            \"kind\": \"block\",\n"
				 "            \"block\": 1,") != NULL);
	CHECK_EQ_S64(run_tool(tree, gve_text_args, &gve_text), 0);
	CHECK(gve_text && strstr(gve_text, "  0      -     -     ") != NULL);
	CHECK(gve_text && strstr(gve_text, "block 1  gve-ntfy-blk1@pci:0000:00:04.0\n") != NULL);
	if (test_failures && gve && gve_text)
		fprintf(stderr, "%s\n%s\n", gve, gve_text);

	/*
	 * ens2: the request for both queues is refused, the one for its single
	 * channel answered: per-queue coalescing is shown for that channel.
	 */
	put(tree, "sys/devices/pci0000:00/0000:00:05.0/net/ens2/queues/tx-0/xps_cpus", "0\n");
	put(tree, "sys/devices/pci0000:00/0000:00:05.0/net/ens2/queues/tx-1/xps_cpus", "0\n");
	_cleanup_free_ char *ens2 = NULL;
	const char *ens2_args[] = {"--json", "inspect", "net", "ens2", NULL};
	CHECK_EQ_S64(run_tool(tree, ens2_args, &ens2), 0);
	CHECK(ens2 && json_has(ens2, "queue_coalesce", "\"ok\""));
	/* The global setting is 50 us, queue 0's own 8 us. */
	CHECK(ens2 && json_has(ens2, "rx_usecs", "50"));
	CHECK(ens2 && json_has(ens2, "queue_coalesce", "[") && json_has(ens2, "rx_usecs", "8,"));

	/* An unknown device is a usage error (exit 2). */
	_cleanup_free_ char *bad = NULL;
	const char *bad_args[] = {"inspect", "net", "eth0", "nosuch0", NULL};
	CHECK_EQ_S64(run_tool(tree, bad_args, &bad), 2);

	/* Nothing malformed: "problems" is there, empty. */
	CHECK(json_has(out, "problems", "[]"));
}

/*
 * The tool on test_degraded()'s tree: exit 0, each malformed value null
 * with "malformed" under "unreadable", its message under "problems" (and
 * on stderr, which harness_run() does not capture), the rest shown.
 */
static void test_cli_degraded(void)
{
	char sub[PATH_MAX];
	_cleanup_free_ char *out = NULL, *text = NULL;

	if (!getenv("HK_TOOL"))
		return;
	snprintf(sub, sizeof(sub), "%s/degraded", tree);
	const char *json_args[] = {"--json", "inspect", "net", NULL};
	CHECK_EQ_S64(run_tool(sub, json_args, &out), 0);
	if (!out)
		return;
	CHECK(json_has(out, "problems", "[\n"));
	CHECK(strstr(out, "\"sys/devices/virtual/net/v0/mtu: cannot parse number '15x0'\"") !=
	      NULL);
	CHECK(strstr(out, "\"sys/devices/virtual/net/v0/queues/rx-0/rps_cpus: "
			  "cannot parse mask 'garbage'\"") != NULL);
	CHECK(strstr(out, "\"sys/devices/virtual/net/v0/queues/tx-0/tx_maxrate: "
			  "cannot parse number '9999") != NULL);
	CHECK(json_has(out, "mtu", "null"));
	CHECK(json_has(out, "mtu", "\"malformed\""));
	CHECK(json_has(out, "rps_cpus", "null"));
	CHECK(json_has(out, "rps_cpus", "\"malformed\""));
	CHECK(json_has(out, "tx_maxrate", "\"malformed\""));
	/* The rest is shown: v0's other queue and values, v1 whole. */
	CHECK(json_has(out, "rps_cpus", "\"0-1\""));
	CHECK(json_has(out, "ifindex", "7"));
	CHECK(json_has(out, "name", "\"v1\""));
	CHECK(json_has(out, "mtu", "9000"));
	if (test_failures)
		fprintf(stderr, "%s\n", out);

	const char *text_args[] = {"inspect", "net", NULL};
	CHECK_EQ_S64(run_tool(sub, text_args, &text), 0);
	CHECK(text && strstr(text, "  MTU malformed") != NULL);
	CHECK(text && strstr(text, "  MTU 9000") != NULL);
}

int main(void)
{
	test_path_join();
	test_pci_address();
	test_locate();
	test_queue_name();
	test_traffic_class();
	test_link_text();
	test_names();

	if (harness_mkdtemp("hk-test-netdev.XXXXXX", tree, sizeof(tree)) < 0) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	harness_remove_at_exit(tree);
	test_tree();
	test_malformed();
	test_degraded();
	test_empty();
	test_cli();
	test_cli_degraded();
	TEST_DONE();
}
