/* SPDX-License-Identifier: MIT */
/*
 * The numa rules: the node map the firmware gave the kernel, its distance
 * table, and where PCI devices say they are. A daemon pins its threads and
 * memory by node: a wrong map puts them on the far socket without a word.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/strbuf.h"
#include "check/check.h"
#include "host/topology.h"

/* The topology of a host with real NUMA data, or NULL after recording a skip. */
static const hk_topology *need_numa(ck_ctx *c, bool multi)
{
	const hk_topology *t = ck_topology(c);
	if (!t) {
		ck_skip_unread(c, "topology");
		return NULL;
	}
	if (hk_topology_numa_synthetic(t)) {
		ck_skip(c, NULL,
			"sys/devices/system/node is absent on this kernel (no NUMA support): one "
			"node");
		return NULL;
	}
	if (multi && hk_topology_n_nodes(t) < 2) {
		ck_skip(c, NULL, "one NUMA node: not applicable");
		return NULL;
	}
	return t;
}

/* Every online CPU is in exactly one node (the seeds' validated node map). */
static void cpu_node_map(ck_ctx *c)
{
	const hk_topology *t = need_numa(c, false);
	if (!t)
		return;
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	if (hk_topology_numa_valid(t)) {
		ck_pass(c, ck_fmt(c, "%u nodes", hk_topology_n_nodes(t)), "each CPU in one node",
			"each online CPU (%s) is in exactly one of %u node%s",
			ck_cpulist(c, online), hk_topology_n_nodes(t),
			hk_topology_n_nodes(t) == 1 ? "" : "s");
		return;
	}
	const hk_cpuset *none = hk_topology_cpus(t, HK_CPUS_NO_NODE);
	const hk_cpuset *many = hk_topology_cpus(t, HK_CPUS_MULTI_NODE);
	const char *remedy =
	    "the firmware's NUMA tables (ACPI SRAT) are wrong: update the BIOS, check that "
	    "'Node Interleaving' is off and sub-NUMA clustering is set as intended, then "
	    "compare `numactl --hardware` and `lscpu -e=CPU,NODE`; until then pin by "
	    "sys/devices/system/node/node*/cpulist, not by socket";
	if (!hk_cpuset_is_empty(none))
		ck_fail(
		    c, ck_cpulist(c, none), "none", remedy,
		    "online CPUs %s are in no NUMA node (sys/devices/system/node/node*/cpulist)",
		    ck_cpulist(c, none));
	if (!hk_cpuset_is_empty(many))
		ck_fail(c, ck_cpulist(c, many), "none", remedy,
			"online CPUs %s are listed by more than one NUMA node",
			ck_cpulist(c, many));
}

/*
 * The distance table: square, symmetric, 10 (local) on the diagonal and
 * more than 10 off it. The topology drops a table that breaks this, so the
 * rows are read again here to say what is wrong.
 */
static void distance_matrix(ck_ctx *c)
{
	const hk_topology *t = need_numa(c, true);
	if (!t)
		return;
	unsigned n = hk_topology_n_nodes(t);
	_cleanup_free_ int *m = calloc((size_t)n * n, sizeof(int));
	if (!m) {
		ck_skip(c, NULL, "out of memory");
		return;
	}
	const char *remedy = "the firmware's distance table (ACPI SLIT) is wrong: update the "
			     "BIOS; until then do not rank nodes by distance (numactl "
			     "--hardware shows the table the kernel uses)";
	for (unsigned i = 0; i < n; i++) {
		unsigned id = hk_node_id(hk_topology_node(t, i));
		char path[64];
		snprintf(path, sizeof(path), "sys/devices/system/node/node%u/distance", id);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		int r = hk_root_read(ck_root(c), path, &buf, &len);
		if (r == -ENOENT) {
			ck_skip(c, NULL, "%s is absent on this kernel", path);
			return;
		}
		if (r < 0) {
			ck_skip(c, path, "cannot read %s: %s", path, strerror(-r));
			return;
		}
		_cleanup_free_ int *row = calloc((size_t)n + 1, sizeof(int));
		if (!row) {
			ck_skip(c, NULL, "out of memory");
			return;
		}
		int got = hk_parse_distances(buf, len, row, n + 1);
		if (got != (int)n) {
			ck_fail(c, ck_fmt(c, "%d entries", got < 0 ? 0 : got),
				ck_fmt(c, "%u entries", n), remedy,
				"%s has %s%d entries for %u nodes: the table is not square", path,
				got > (int)n ? "more than " : "", got > (int)n ? (int)n : got, n);
			return;
		}
		memcpy(m + (size_t)i * n, row, n * sizeof(int));
	}
	/*
	 * One result per kind of fault, with its first instance and a count: a
	 * bogus table of 8 nodes has 56 bad entries, one sentence says it.
	 */
	unsigned n_diag = 0, n_near = 0, n_asym = 0;
	unsigned diag_a = 0, near_a = 0, near_b = 0, asym_a = 0, asym_b = 0;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < n; j++) {
			int dij = m[(size_t)i * n + j], dji = m[(size_t)j * n + i];
			if (j == i && dij != 10 && n_diag++ == 0)
				diag_a = i;
			if (j != i && dij <= 10 && n_near++ == 0) {
				near_a = i;
				near_b = j;
			}
			if (j > i && dij != dji && n_asym++ == 0) {
				asym_a = i;
				asym_b = j;
			}
		}
	}
#define ID(x)	hk_node_id(hk_topology_node(t, (x)))
#define D(x, y) m[(size_t)(x)*n + (y)]
	if (n_diag)
		ck_fail(c, ck_fmt(c, "%d", D(diag_a, diag_a)), "10", remedy,
			"node %u's distance to itself is %d, not 10 (%u node%s so)", ID(diag_a),
			D(diag_a, diag_a), n_diag, n_diag == 1 ? "" : "s");
	if (n_near)
		ck_fail(c, ck_fmt(c, "%d", D(near_a, near_b)), "> 10", remedy,
			"node %u's distance to node %u is %d: a remote node as near as the local "
			"one (%u entr%s of %u so)",
			ID(near_a), ID(near_b), D(near_a, near_b), n_near,
			n_near == 1 ? "y" : "ies", n * (n - 1));
	if (n_asym)
		ck_fail(
		    c, ck_fmt(c, "%d/%d", D(asym_a, asym_b), D(asym_b, asym_a)), "equal", remedy,
		    "the distance table is not symmetric: node %u to %u is %d, node %u to %u is "
		    "%d (%u pair%s differ)",
		    ID(asym_a), ID(asym_b), D(asym_a, asym_b), ID(asym_b), ID(asym_a),
		    D(asym_b, asym_a), n_asym, n_asym == 1 ? "" : "s");
#undef ID
#undef D
	bool bad = n_diag || n_near || n_asym;
	if (!bad)
		ck_pass(
		    c, ck_fmt(c, "%ux%u", n, n), "square, symmetric, 10 local",
		    "the %ux%u distance table is square, symmetric, 10 on the diagonal and more "
		    "off it",
		    n, n);
}

/* Nodes with memory and no CPU (CXL, HBM, PMEM tiers): named, so no one pins to them blindly. */
static void memory_only_nodes(ck_ctx *c)
{
	const hk_topology *t = need_numa(c, false);
	if (!t)
		return;
	hk_strbuf sb = HK_STRBUF_INIT;
	unsigned count = 0;
	for (unsigned i = 0; i < hk_topology_n_nodes(t); i++) {
		const hk_node *nd = hk_topology_node(t, i);
		if (!hk_node_memory_only(nd))
			continue;
		hk_strbuf_printf(&sb, "%s%u", count++ ? "," : "", hk_node_id(nd));
	}
	const char *list = hk_strbuf_error(&sb) ? "?" : ck_fmt(c, "%s", hk_strbuf_str(&sb));
	hk_strbuf_done(&sb);
	if (count == 0) {
		ck_pass(c, "none", "none", "every NUMA node has CPUs");
		return;
	}
	ck_fail(
	    c, ck_fmt(c, "node%s %s", count == 1 ? "" : "s", list), "none",
	    ck_fmt(c,
		   "none needed if intended (a CXL, HBM or persistent memory tier); keep the "
		   "daemon's memory on its CPUs' node with numactl --membind=NODE, and check "
		   "that sys/kernel/mm/numa/demotion_enabled does not move its pages to node%s %s",
		   count == 1 ? "" : "s", list),
	    "NUMA node%s %s ha%s memory and no CPU: memory there is remote to every CPU",
	    count == 1 ? "" : "s", list, count == 1 ? "s" : "ve");
}

/* Nodes with CPUs and no memory: every allocation of their CPUs is remote. */
static void cpu_only_nodes(ck_ctx *c)
{
	const hk_topology *t = need_numa(c, true);
	if (!t)
		return;
	unsigned bad = 0;
	for (unsigned i = 0; i < hk_topology_n_nodes(t); i++) {
		const hk_node *nd = hk_topology_node(t, i);
		if (hk_node_memory_only(nd))
			continue;
		int64_t total = hk_node_memory_total_kib(nd);
		if (total < 0 || total > 0)
			continue;
		bad++;
		unsigned id = hk_node_id(nd);
		ck_fail(
		    c, "0 kB", "> 0",
		    ck_fmt(c,
			   "populate the DIMM slots of node %u's socket (a BIOS memory report "
			   "or dmidecode -t memory shows which are empty), or run the daemon on "
			   "another node's CPUs: taskset -c LIST / numactl --cpunodebind",
			   id),
		    "NUMA node %u has CPUs %s but no memory: all their allocations are remote", id,
		    ck_cpulist(c, hk_node_cpus(nd)));
	}
	if (!bad)
		ck_pass(c, "none", "none",
			"every NUMA node with CPUs has memory (or its size is unknown)");
}

static const char *node_name(ck_ctx *c, const hk_pci_dev *d)
{
	int node = hk_pci_dev_numa_node(d);
	return node >= 0 ? ck_fmt(c, "%d", node) : "none";
}

/*
 * The command that pins @d's MSI interrupts to the CPUs of its node, with
 * this host's numbers: "for i in 45 46; do echo 0-3 > ...; done".
 */
static const char *pin_command(ck_ctx *c, const hk_topology *t, const hk_pci_dev *d)
{
	int node = hk_pci_dev_numa_node(d);
	const hk_node *nd = node >= 0 ? hk_topology_node_by_id(t, (unsigned)node) : NULL;
	const char *cpus = nd && !hk_cpuset_is_empty(hk_node_cpus(nd))
			       ? ck_cpulist(c, hk_node_cpus(nd))
			       : "CPUS_OF_ITS_NODE";
	unsigned n = 0;
	const unsigned *irqs = hk_pci_dev_msi_irqs(d, &n);
	if (n == 0)
		return ck_fmt(c,
			      "echo %s > /proc/irq/N/smp_affinity_list for each IRQ of %s (grep "
			      "its driver in /proc/interrupts)",
			      cpus, hk_pci_dev_address(d));
	hk_strbuf sb = HK_STRBUF_INIT;
	for (unsigned i = 0; i < n && i < 16; i++)
		hk_strbuf_printf(&sb, "%s%u", i ? " " : "", irqs[i]);
	const char *list = hk_strbuf_error(&sb) ? "IRQS" : ck_fmt(c, "%s", hk_strbuf_str(&sb));
	hk_strbuf_done(&sb);
	return ck_fmt(c, "for i in %s%s; do echo %s > /proc/irq/$i/smp_affinity_list; done", list,
		      n > 16 ? " ..." : "", cpus);
}

/*
 * PCI devices whose numa_node, local_cpulist and local_cpus disagree, and
 * those a multi-node firmware gives no node: their IRQs and the threads
 * that serve them cannot be put on the right socket from sysfs alone.
 */
static void pci_locality(ck_ctx *c, bool want_no_node)
{
	const hk_topology *t = need_numa(c, want_no_node);
	if (!t)
		return;
	const hk_pci *p = ck_pci(c);
	if (!p) {
		ck_skip_unread(c, "PCI devices");
		return;
	}
	unsigned n = hk_pci_n_devices(p), n_bad = 0, n_none = 0;
	hk_strbuf none = HK_STRBUF_INIT;
	const char *first_none = NULL;
	for (unsigned i = 0; i < n; i++) {
		const hk_pci_dev *d = hk_pci_device(p, i);
		char why[256];
		hk_pci_locality l = hk_pci_dev_check_locality(d, t, why, sizeof(why));
		const char *addr = hk_pci_dev_address(d);
		if (l == HK_PCI_LOCALITY_UNKNOWN)
			continue;
		if (want_no_node && l == HK_PCI_LOCALITY_NO_NODE) {
			n_bad++;
			if (n_none++ < 6)
				hk_strbuf_printf(&none, "%s%s", n_none > 1 ? ", " : "", addr);
			if (!first_none)
				first_none = addr;
		} else if (!want_no_node && l == HK_PCI_LOCALITY_CONFLICT) {
			n_bad++;
			ck_fail(
			    c,
			    ck_fmt(c, "node %s, CPUs %s", node_name(c, d),
				   hk_pci_dev_local_cpulist(d)
				       ? ck_cpulist(c, hk_pci_dev_local_cpulist(d))
				       : "?"),
			    "agreeing",
			    ck_fmt(c,
				   "the firmware's description of %s is inconsistent: update the "
				   "BIOS; until then trust numa_node and pin its IRQs to that "
				   "node's CPUs: %s",
				   addr, pin_command(c, t, d)),
			    "PCI device %s: %s", addr, why);
		}
	}
	if (n_none) {
		if (n_none > 6)
			hk_strbuf_printf(&none, " and %u more", n_none - 6);
		const char *list =
		    hk_strbuf_error(&none) ? first_none : ck_fmt(c, "%s", hk_strbuf_str(&none));
		ck_fail(
		    c, "-1", "a node",
		    ck_fmt(c,
			   "the firmware gives no node (ACPI _PXM) to %s: update the BIOS or "
			   "enable its NUMA/SRAT option; until then find the socket of each "
			   "device's root port (lspci -tv) and pin its IRQs by hand: echo LIST > "
			   "/proc/irq/N/smp_affinity_list",
			   n_none == 1 ? first_none : "these devices"),
		    "%u PCI device%s %s numa_node -1 on a %u-node host: %s", n_none,
		    n_none == 1 ? "" : "s", n_none == 1 ? "has" : "have", hk_topology_n_nodes(t),
		    list);
	}
	hk_strbuf_done(&none);
	if (n == 0) {
		ck_skip(c, NULL, "no PCI device: not applicable");
		return;
	}
	if (n_bad == 0)
		ck_pass(c, "agreeing", "agreeing",
			want_no_node ? "every PCI device with locality files has a NUMA node"
				     : "no PCI device's numa_node, local_cpulist and local_cpus "
				       "disagree");
}

static void pci_locality_conflict(ck_ctx *c)
{
	pci_locality(c, false);
}

static void pci_node_known(ck_ctx *c)
{
	pci_locality(c, true);
}

static const ck_rule rules[] = {
    {"numa.cpu-node-map", HK_CHECK_SEVERITY_FAIL, "every online CPU is in exactly one node",
     cpu_node_map},
    {"numa.distance-matrix", HK_CHECK_SEVERITY_WARN,
     "the distance table is square, symmetric, 10 local and more remote", distance_matrix},
    {"numa.memory-only-nodes", HK_CHECK_SEVERITY_INFO, "nodes with memory and no CPU are named",
     memory_only_nodes},
    {"numa.cpu-only-nodes", HK_CHECK_SEVERITY_WARN, "every node with CPUs has memory",
     cpu_only_nodes},
    {"numa.pci-locality", HK_CHECK_SEVERITY_WARN,
     "PCI devices' numa_node, local_cpulist and local_cpus agree", pci_locality_conflict},
    {"numa.pci-node-known", HK_CHECK_SEVERITY_WARN,
     "PCI devices of a multi-node host have a NUMA node", pci_node_known},
};

const ck_section ck_section_numa = {"numa", rules, ELEMENTSOF(rules)};
