/* SPDX-License-Identifier: MIT */
/*
 * The network rules: where the NIC's queue IRQs run, how packets are
 * steered (RSS, RPS, XPS), the NIC's rings and channels, and whether the
 * receive path keeps up (softnet drops and time squeezes, the NAPI budget).
 * docs/check-network.md says why each matters and where the kernel
 * documents it.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/macro.h"
#include "check/check.h"
#include "host/softnet.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_map *, hk_irq_map_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_softnet *, hk_softnet_free)

/*
 * The default of net.core.netdev_budget. netdev_budget_usecs has none
 * worth comparing: 2 * USEC_PER_SEC / HZ, so 2000 at HZ=1000 but 8000 at
 * HZ=250 and 20000 at HZ=100.
 */
#define BUDGET_DEFAULT 300
/* The least netdev_budget_usecs a raised budget proposes. */
#define BUDGET_USECS_RAISED 4000

/*
 * A device whose queues and IRQs are judged: one with a driver or a PCI
 * function behind it. Virtual devices (lo, veth, bridges, tun) have neither
 * and no IRQs of their own.
 */
static bool is_nic(const hk_netdev *d)
{
	return hk_netdev_driver(d) || hk_netdev_pci_address(d);
}

/* A NIC with more than one queue in either direction. */
static bool is_multiqueue(const hk_netdev *d)
{
	return is_nic(d) && (hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX) > 1 ||
			     hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX) > 1);
}

/*
 * The devices list, or NULL after recording a skip: unreadable, or no NIC
 * (@multiqueue: no multiqueue NIC) to judge.
 */
static const hk_netdev_list *nics(ck_ctx *c, bool multiqueue)
{
	const hk_netdev_list *l = ck_netdevs(c);
	if (!l) {
		ck_skip_unread(c, "the network devices");
		return NULL;
	}
	for (unsigned i = 0; i < hk_netdev_list_count(l); i++) {
		const hk_netdev *d = hk_netdev_list_get(l, i);
		if (multiqueue ? is_multiqueue(d) : is_nic(d))
			return l;
	}
	ck_skip(c, NULL, "%s",
		multiqueue ? "no multiqueue NIC (only virtual or single-queue devices)"
			   : "no NIC (only virtual devices)");
	return NULL;
}

static const hk_netdev_list *multiqueue_nics(ck_ctx *c)
{
	return nics(c, true);
}

/* The NUMA node of the device: the PCI model's, else sysfs numa_node; -1 when none. */
static int device_node(ck_ctx *c, const hk_netdev *d)
{
	const hk_pci *pci = ck_pci(c);
	const char *addr = hk_netdev_pci_address(d);
	int64_t v;

	if (pci && addr) {
		const hk_pci_dev *pd = hk_pci_find(pci, addr);
		if (pd && hk_pci_dev_numa_node(pd) >= 0)
			return hk_pci_dev_numa_node(pd);
	}
	if (hk_netdev_get(d, HK_NETDEV_NUMA_NODE, &v) == 0 && v >= 0 && v < 4096)
		return (int)v;
	return -1;
}

/*
 * Where the NIC's IRQs belong: the online CPUs of @node (all online CPUs
 * when the node is unknown) less the isolated ones; when every CPU of the
 * node is isolated, the housekeeping CPUs of the other nodes (remote, but
 * not on a worker); when every online CPU is isolated, the node's online
 * CPUs. A new set, or NULL when out of memory.
 */
static hk_cpuset *housekeeping_cpus(const hk_topology *t, int node, const hk_cpuset *isolated)
{
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	const hk_node *n = node >= 0 ? hk_topology_node_by_id(t, (unsigned)node) : NULL;
	_cleanup_(hk_cpuset_freep) hk_cpuset *s = hk_cpuset_dup(n ? hk_node_cpus(n) : online);
	if (!s)
		return NULL;
	hk_cpuset_and(s, online);
	const hk_cpuset *const tries[] = {s, online};
	for (size_t i = 0; i < ELEMENTSOF(tries); i++) {
		hk_cpuset *h = hk_cpuset_dup(tries[i]);
		if (!h)
			return NULL;
		hk_cpuset_andnot(h, isolated);
		if (!hk_cpuset_is_empty(h))
			return h;
		hk_cpuset_free(h);
	}
	return TAKE_PTR(s);
}

/*
 * The CPUs the kernel keeps apart (ck_isolated(): isolcpus, nohz_full and
 * cpuset isolated partitions), or NULL after recording a skip.
 */
static const hk_cpuset *isolated_or_skip(ck_ctx *c)
{
	const hk_cpuset *iso = ck_isolated(c);
	if (!iso)
		ck_skip_unread(c, "the isolated CPUs");
	return iso;
}

/* The first CPU of @want that is in @home, else the first of @home; -ENOENT when none. */
static int pick_cpu(const hk_cpuset *want, const hk_cpuset *home)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *both = hk_cpuset_dup(want);
	if (both) {
		hk_cpuset_and(both, home);
		if (!hk_cpuset_is_empty(both))
			return hk_cpuset_first(both);
	}
	return hk_cpuset_first(home);
}

/* The IRQs of @d and what each serves; NULL when it has none or on ENOMEM. */
static hk_irq_map *device_irqs(const hk_irq_table *irqs, const hk_netdev *d)
{
	const unsigned *msi = NULL;
	unsigned n_msi = hk_netdev_msi_irqs(d, &msi);
	hk_irq_map *m = NULL;

	if (hk_irq_map_device(irqs, hk_netdev_name(d), hk_netdev_driver(d),
			      hk_netdev_pci_address(d), hk_netdev_virtio_name(d), msi, n_msi,
			      &m) < 0)
		return NULL;
	if (hk_irq_map_count(m) == 0) {
		hk_irq_map_free(m);
		return NULL;
	}
	return m;
}

static bool is_queue_irq(hk_irq_kind k)
{
	return k == HK_IRQ_KIND_RX || k == HK_IRQ_KIND_TX || k == HK_IRQ_KIND_TXRX ||
	       k == HK_IRQ_KIND_BLOCK;
}

/* "ens1f0 TxRx-3 (IRQ 45)": the subject of a queue IRQ's result. */
static const char *irq_subject(ck_ctx *c, const hk_netdev *d, const hk_irq_map *m, size_t i)
{
	const char *kind = hk_irq_kind_name(hk_irq_map_kind(m, i));
	int q = hk_irq_map_queue(m, i);
	if (q < 0)
		return ck_fmt(c, "%s %s (IRQ %u)", hk_netdev_name(d), kind,
			      hk_irq_map_number(m, i));
	return ck_fmt(c, "%s %s-%d (IRQ %u)", hk_netdev_name(d), kind, q, hk_irq_map_number(m, i));
}

/* What the IRQ rules need, loaded once per rule; false after recording a skip. */
struct irq_view {
	const hk_netdev_list *devs;
	const hk_topology *topo;
	hk_irq_table *irqs;
};

static bool irq_view(ck_ctx *c, struct irq_view *v)
{
	v->devs = nics(c, false);
	if (!v->devs)
		return false;
	v->topo = ck_topology(c);
	if (!v->topo) {
		ck_skip_unread(c, "the CPU topology");
		return false;
	}
	v->irqs = ck_irqs(c);
	if (!v->irqs) {
		ck_skip_unread(c, "proc/interrupts");
		return false;
	}
	return true;
}

/*
 * A queue IRQ runs on a CPU of its NIC's node: served elsewhere, every
 * packet's descriptors and data cross the interconnect before the
 * softirq can touch them.
 */
static void irq_numa_local(ck_ctx *c)
{
	struct irq_view v;
	if (!irq_view(c, &v))
		return;
	if (hk_topology_n_nodes(v.topo) < 2) {
		ck_skip(c, NULL, "one NUMA node: every CPU is local to the NIC");
		return;
	}
	const hk_cpuset *iso = isolated_or_skip(c);
	if (!iso)
		return;

	bool any = false;
	for (unsigned i = 0; i < hk_netdev_list_count(v.devs); i++) {
		const hk_netdev *d = hk_netdev_list_get(v.devs, i);
		if (!is_nic(d))
			continue;
		int node = device_node(c, d);
		_cleanup_(hk_irq_map_freep) hk_irq_map *m = device_irqs(v.irqs, d);
		if (!m)
			continue;
		if (node < 0) {
			any = true;
			ck_skip(c, NULL, "%s: the NIC has no NUMA node (numa_node -1)",
				hk_netdev_name(d));
			continue;
		}
		const hk_node *n = hk_topology_node_by_id(v.topo, (unsigned)node);
		if (!n)
			continue;
		_cleanup_(hk_cpuset_freep) hk_cpuset *home = housekeeping_cpus(v.topo, node, iso);
		if (!home)
			continue;
		unsigned bad = 0, judged = 0;
		for (size_t k = 0; k < hk_irq_map_count(m); k++) {
			const hk_irq *irq = hk_irq_map_irq(m, k);
			if (!irq || !is_queue_irq(hk_irq_map_kind(m, k)))
				continue;
			const hk_cpuset *eff = hk_irq_effective_affinity(irq);
			if (!eff || hk_cpuset_is_empty(eff))
				eff = hk_irq_affinity(irq);
			if (!eff)
				continue;
			judged++;
			if (hk_cpuset_is_subset(eff, hk_node_cpus(n)))
				continue;
			bad++;
			ck_fail(c, ck_cpulist(c, eff),
				ck_fmt(c, "node %d: %s", node, ck_cpulist(c, hk_node_cpus(n))),
				ck_fmt(c, "echo %s > /proc/irq/%u/smp_affinity_list",
				       ck_cpulist(c, home), hk_irq_map_number(m, k)),
				"%s runs on CPU %s, outside node %d of the NIC (CPUs %s)",
				irq_subject(c, d, m, k), ck_cpulist(c, eff), node,
				ck_cpulist(c, hk_node_cpus(n)));
		}
		if (judged == 0)
			continue;
		any = true;
		if (bad == 0)
			ck_pass(c, ck_fmt(c, "node %d", node), ck_fmt(c, "node %d", node),
				"%s: its %u queue IRQs run on CPUs of node %d", hk_netdev_name(d),
				judged, node);
	}
	if (!any)
		ck_skip(c, NULL, "no queue IRQ of a NIC was found in proc/interrupts");
}

/*
 * No queue IRQ may reach an isolated CPU: its hard IRQ and the NET_RX
 * softirq behind it preempt the daemon's worker there.
 */
static void irq_not_isolated(ck_ctx *c)
{
	struct irq_view v;
	if (!irq_view(c, &v))
		return;
	const hk_cpuset *iso, *hk;
	if (!ck_need_isolated(
		c,
		"no CPU is isolated (isolcpus, nohz_full, cpuset partitions): nothing to "
		"keep IRQs off",
		&iso, &hk))
		return;

	bool any = false;
	for (unsigned i = 0; i < hk_netdev_list_count(v.devs); i++) {
		const hk_netdev *d = hk_netdev_list_get(v.devs, i);
		if (!is_nic(d))
			continue;
		_cleanup_(hk_irq_map_freep) hk_irq_map *m = device_irqs(v.irqs, d);
		if (!m)
			continue;
		_cleanup_(hk_cpuset_freep) hk_cpuset *home =
		    housekeeping_cpus(v.topo, device_node(c, d), iso);
		if (!home)
			continue;
		unsigned bad = 0, judged = 0;
		for (size_t k = 0; k < hk_irq_map_count(m); k++) {
			const hk_irq *irq = hk_irq_map_irq(m, k);
			if (!irq || !is_queue_irq(hk_irq_map_kind(m, k)))
				continue;
			const hk_cpuset *req = hk_irq_affinity(irq);
			const hk_cpuset *eff = hk_irq_effective_affinity(irq);
			if (!req && !eff)
				continue;
			judged++;
			bool on_req = req && hk_cpuset_intersects(req, iso);
			bool on_eff = eff && hk_cpuset_intersects(eff, iso);
			if (!on_req && !on_eff)
				continue;
			bad++;
			ck_fail(c, ck_cpulist(c, on_eff ? eff : req), ck_cpulist(c, home),
				ck_fmt(c, "echo %s > /proc/irq/%u/smp_affinity_list",
				       ck_cpulist(c, home), hk_irq_map_number(m, k)),
				"%s %s isolated CPUs %s (affinity %s, effective %s)",
				irq_subject(c, d, m, k), on_eff ? "runs on" : "may run on",
				ck_cpulist(c, iso), req ? ck_cpulist(c, req) : "unknown",
				eff ? ck_cpulist(c, eff) : "unknown");
		}
		if (judged == 0)
			continue;
		any = true;
		if (bad == 0)
			ck_pass(c, "housekeeping", ck_fmt(c, "not %s", ck_cpulist(c, iso)),
				"%s: none of its %u queue IRQs may run on isolated CPUs %s",
				hk_netdev_name(d), judged, ck_cpulist(c, iso));
	}
	if (!any)
		ck_skip(c, NULL, "no queue IRQ of a NIC was found in proc/interrupts");
}

/*
 * The effective affinity is where the IRQ runs: outside the requested set
 * the request was not honoured (a managed IRQ, an interrupt remapping
 * limit); a request of many CPUs that the kernel narrowed to one leaves the
 * choice of CPU to the kernel, which may change it when CPUs go on or off.
 */
static void irq_affinity_effective(ck_ctx *c)
{
	struct irq_view v;
	if (!irq_view(c, &v))
		return;
	const hk_cpuset *iso = isolated_or_skip(c);
	if (!iso)
		return;

	bool any = false;
	for (unsigned i = 0; i < hk_netdev_list_count(v.devs); i++) {
		const hk_netdev *d = hk_netdev_list_get(v.devs, i);
		if (!is_nic(d))
			continue;
		_cleanup_(hk_irq_map_freep) hk_irq_map *m = device_irqs(v.irqs, d);
		if (!m)
			continue;
		_cleanup_(hk_cpuset_freep) hk_cpuset *home =
		    housekeeping_cpus(v.topo, device_node(c, d), iso);
		if (!home)
			continue;
		/* One result per NIC: what each IRQ does, and one command per IRQ. */
		const char *what = "", *now = "", *want = "", *fix = "";
		unsigned bad = 0, judged = 0;
		bool refused = false;
		for (size_t k = 0; k < hk_irq_map_count(m); k++) {
			const hk_irq *irq = hk_irq_map_irq(m, k);
			const hk_cpuset *eff, *req;
			if (!irq || !is_queue_irq(hk_irq_map_kind(m, k)) ||
			    !(eff = hk_irq_effective_affinity(irq)) ||
			    !(req = hk_irq_affinity(irq)) || hk_cpuset_is_empty(eff))
				continue;
			judged++;
			const char *subject = irq_subject(c, d, m, k);
			const char *r_list = ck_cpulist(c, req), *e_list = ck_cpulist(c, eff);
			int pin;
			if (!hk_cpuset_is_subset(eff, req)) {
				refused = true;
				pin = pick_cpu(req, home);
				what = ck_fmt(
				    c, "%s%s%s runs on CPU %s, outside its requested affinity %s",
				    what, *what ? "; " : "", subject, e_list, r_list);
			} else if (hk_cpuset_count(req) > 1 && hk_cpuset_count(eff) == 1) {
				/* Keep the kernel's choice when it is a housekeeping CPU. */
				pin = pick_cpu(eff, home);
				what = ck_fmt(c, "%s%s%s asks for CPUs %s but runs on CPU %s alone",
					      what, *what ? "; " : "", subject, r_list, e_list);
			} else {
				continue;
			}
			bad++;
			unsigned n = hk_irq_map_number(m, k);
			now = ck_fmt(c, "%s%sIRQ %u asks %s, runs %s", now, *now ? "; " : "", n,
				     r_list, e_list);
			want = ck_fmt(c, "%s%sIRQ %u on %d", want, *want ? "; " : "", n, pin);
			fix = ck_fmt(c, "%s%secho %d > /proc/irq/%u/smp_affinity_list", fix,
				     *fix ? "; " : "", pin, n);
		}
		if (judged == 0)
			continue;
		any = true;
		if (bad == 0) {
			ck_pass(c, "as requested", "as requested",
				"%s: its %u queue IRQs run where they were asked to",
				hk_netdev_name(d), judged);
			continue;
		}
		ck_fail(
		    c, now, want,
		    ck_fmt(c, "%s%s", fix,
			   refused ? " (a managed IRQ refuses: use isolcpus=managed_irq,...)" : ""),
		    "%s: %s: pin each to one housekeeping CPU of the NIC's node (%s) so the "
		    "choice does not move",
		    hk_netdev_name(d), what, ck_cpulist(c, home));
	}
	if (!any)
		ck_skip(c, "proc/irq/N/effective_affinity_list",
			"no queue IRQ has an effective affinity (absent on this kernel before "
			"4.15, or on this architecture)");
}

/* A queue IRQ pinned: its requested affinity is not the default one. */
static bool irq_pinned(const hk_irq_table *t, const hk_topology *topo, const hk_irq *irq)
{
	const hk_cpuset *req = hk_irq_affinity(irq);
	const hk_cpuset *def = hk_irq_table_default_affinity(t);
	if (!req)
		return false;
	if (!def)
		def = hk_topology_cpus(topo, HK_CPUS_ONLINE);
	return !hk_cpuset_is_subset(def, req);
}

/*
 * irqbalance rewrites smp_affinity every 10 s by its own policy: the IRQs
 * pinned by hand (or by a tuning script) move back onto CPUs it chooses.
 */
static void irqbalance_pinned(ck_ctx *c)
{
	struct irq_view v;
	if (!irq_view(c, &v))
		return;
	int running = hk_irq_table_irqbalance(v.irqs);
	if (running < 0) {
		ck_skip(c, "proc/PID/comm", "cannot tell whether irqbalance runs: %s",
			strerror(-running));
		return;
	}

	unsigned pinned = 0;
	int first = -1;
	for (unsigned i = 0; i < hk_netdev_list_count(v.devs); i++) {
		const hk_netdev *d = hk_netdev_list_get(v.devs, i);
		if (!is_nic(d))
			continue;
		_cleanup_(hk_irq_map_freep) hk_irq_map *m = device_irqs(v.irqs, d);
		for (size_t k = 0; m && k < hk_irq_map_count(m); k++) {
			const hk_irq *irq = hk_irq_map_irq(m, k);
			if (irq && is_queue_irq(hk_irq_map_kind(m, k)) &&
			    irq_pinned(v.irqs, v.topo, irq)) {
				if (first < 0)
					first = (int)hk_irq_map_number(m, k);
				pinned++;
			}
		}
	}
	if (!running) {
		ck_pass(c, "not running", "not running while IRQs are pinned",
			"irqbalance does not run: %u pinned queue IRQs stay where they are",
			pinned);
		return;
	}
	if (pinned == 0) {
		ck_pass(c, "running", "running, nothing pinned",
			"irqbalance runs (pid %d) and no NIC queue IRQ is pinned by hand",
			hk_irq_table_irqbalance_pid(v.irqs));
		return;
	}
	ck_fail(c, ck_fmt(c, "running, %u IRQs pinned", pinned), "not running",
		ck_fmt(c,
		       "systemctl disable --now irqbalance (or keep it off these IRQs: "
		       "IRQBALANCE_ARGS=\"--banirq=%d ...\" in /etc/default/irqbalance, one "
		       "--banirq per pinned IRQ)",
		       first),
		"irqbalance runs (pid %d) while %u NIC queue IRQs are pinned: it will move them "
		"(IRQ %d first)",
		hk_irq_table_irqbalance_pid(v.irqs), pinned, first);
}

/* Whether queue @q's mask @mk is set: 1 yes, 0 empty, or the read status. */
static int queue_mask_set(const hk_netdev_queue *q, hk_netdev_queue_mask mk, const hk_cpuset **ret)
{
	const hk_cpuset *s;
	int r = hk_netdev_queue_get_mask(q, mk, &s);
	if (r < 0)
		return r;
	*ret = s;
	return !hk_cpuset_is_empty(s);
}

/*
 * With several rx queues the NIC already spreads flows by RSS, each queue
 * to its IRQ's CPU; RPS on top hashes them again in software and sends
 * each packet by IPI to another CPU: a second hop for every packet.
 */
static void rps_with_rss(ck_ctx *c)
{
	const hk_netdev_list *l = multiqueue_nics(c);
	if (!l)
		return;
	bool any = false;
	for (unsigned i = 0; i < hk_netdev_list_count(l); i++) {
		const hk_netdev *d = hk_netdev_list_get(l, i);
		unsigned n = hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX);
		if (!is_nic(d) || n < 2)
			continue;
		any = true;
		unsigned bad = 0;
		for (unsigned k = 0; k < n; k++) {
			const hk_netdev_queue *q = hk_netdev_queue_at(d, HK_NETDEV_QUEUE_RX, k);
			const hk_cpuset *s;
			if (queue_mask_set(q, HK_NETQ_RPS_CPUS, &s) <= 0)
				continue;
			bad++;
			ck_fail(c, ck_cpulist(c, s), "0",
				ck_fmt(c, "echo 0 > /sys/class/net/%s/queues/rx-%u/rps_cpus",
				       hk_netdev_name(d), hk_netdev_queue_number(q)),
				"%s rx-%u: RPS sends packets to CPUs %s although the NIC spreads "
				"them over %u queues (RSS)",
				hk_netdev_name(d), hk_netdev_queue_number(q), ck_cpulist(c, s), n);
		}
		if (bad == 0)
			ck_pass(c, "0", "0", "%s: RSS spreads over %u rx queues, RPS is off",
				hk_netdev_name(d), n);
	}
	if (!any)
		ck_skip(c, NULL, "no NIC with several rx queues");
}

/*
 * Without XPS the kernel picks the tx queue by flow hash: a thread's
 * packets go out through a queue whose completion IRQ runs on another CPU,
 * and several CPUs contend for the same queue lock.
 */
static void xps_set(ck_ctx *c)
{
	const hk_netdev_list *l = multiqueue_nics(c);
	if (!l)
		return;
	const hk_topology *t = ck_topology(c);
	if (!t) {
		ck_skip_unread(c, "the CPU topology");
		return;
	}
	const hk_cpuset *iso = isolated_or_skip(c);
	if (!iso)
		return;
	bool any = false, absent = false;
	for (unsigned i = 0; i < hk_netdev_list_count(l); i++) {
		const hk_netdev *d = hk_netdev_list_get(l, i);
		unsigned n = hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX);
		if (!is_nic(d) || n < 2)
			continue;
		_cleanup_(hk_cpuset_freep) hk_cpuset *home =
		    housekeeping_cpus(t, device_node(c, d), iso);
		if (!home)
			continue;
		unsigned bad = 0, judged = 0;
		for (unsigned k = 0; k < n; k++) {
			const hk_netdev_queue *q = hk_netdev_queue_at(d, HK_NETDEV_QUEUE_TX, k);
			const hk_cpuset *s;
			int r = queue_mask_set(q, HK_NETQ_XPS_CPUS, &s);
			if (r == -ENOENT)
				absent = true;
			if (r < 0)
				continue;
			judged++;
			if (r > 0)
				continue;
			bad++;
			/*
			 * A starting point: tx-k to the k-th housekeeping CPU of the NIC's
			 * node, round robin, where its completion IRQ also belongs.
			 */
			unsigned cnt = hk_cpuset_count(home), pick = cnt ? k % cnt : 0;
			int cpu = hk_cpuset_first(home);
			while (pick-- > 0 && cpu >= 0)
				cpu = hk_cpuset_next(home, (unsigned)cpu);
			_cleanup_(hk_cpuset_freep) hk_cpuset *one = hk_cpuset_new();
			if (!one || cpu < 0 || hk_cpuset_add(one, (unsigned)cpu) < 0)
				continue;
			ck_fail(
			    c, "0", "a CPU per queue",
			    ck_fmt(c,
				   "echo %s > /sys/class/net/%s/queues/tx-%u/xps_cpus (the CPUs "
				   "that send on this queue; here housekeeping CPU %d)",
				   ck_cpumask(c, one), hk_netdev_name(d), hk_netdev_queue_number(q),
				   cpu),
			    "%s tx-%u: no XPS, the tx queue is picked by hash among %u",
			    hk_netdev_name(d), hk_netdev_queue_number(q), n);
		}
		if (judged == 0)
			continue;
		any = true;
		if (bad == 0)
			ck_pass(c, "set", "set", "%s: XPS maps CPUs to its %u tx queues",
				hk_netdev_name(d), n);
	}
	if (!any) {
		if (absent)
			ck_skip(c, NULL, "xps_cpus absent on this kernel (no CONFIG_XPS)");
		else
			ck_skip(c, NULL, "no NIC with several tx queues");
	}
}

/*
 * The ethtool state of a NIC; false after recording a skip for it. On a
 * captured tree without records every device answers -ENODEV.
 */
static bool nic_ethtool(ck_ctx *c, const hk_netdev *d, bool rings, hk_ethtool_rings *ret_rings,
			hk_ethtool_channels *ret_ch)
{
	hk_ethtool *e = ck_ethtool(c);
	if (!e) {
		ck_skip_unread(c, "ethtool");
		return false;
	}
	int r = rings ? hk_ethtool_get_rings(e, hk_netdev_name(d), NULL, ret_rings)
		      : hk_ethtool_get_channels(e, hk_netdev_name(d), NULL, ret_ch);
	if (r == -EOPNOTSUPP)
		ck_skip(c, NULL, "%s: the driver does not report its %s", hk_netdev_name(d),
			rings ? "rings" : "channels");
	else if (r == -ENODEV && !ck_live(c))
		ck_skip(c, "hostkit/ethtool records (hostkit capture)",
			"%s: the tree holds no ethtool replies", hk_netdev_name(d));
	else if (r < 0)
		ck_skip(c, r == -EPERM || r == -EACCES ? "root" : NULL,
			"%s: cannot read its %s: %s", hk_netdev_name(d),
			rings ? "rings" : "channels", strerror(-r));
	return r >= 0;
}

/*
 * A ring smaller than the NIC allows overflows on a burst (rx_missed,
 * rx_no_buffer): a dropped packet costs a retransmission, the worst latency
 * there is.
 */
static void rings_max(ck_ctx *c)
{
	const hk_netdev_list *l = multiqueue_nics(c);
	if (!l)
		return;
	for (unsigned i = 0; i < hk_netdev_list_count(l); i++) {
		const hk_netdev *d = hk_netdev_list_get(l, i);
		hk_ethtool_rings g;
		if (!is_multiqueue(d) || !nic_ethtool(c, d, true, &g, NULL))
			continue;
		/* A ring whose maximum the driver reports as 0 cannot be set: left out. */
		const char *rx_now = g.rx_max ? ck_fmt(c, "rx %u", g.rx) : "";
		const char *tx_now = g.tx_max ? ck_fmt(c, "tx %u", g.tx) : "";
		const char *rx_max = g.rx_max ? ck_fmt(c, "rx %u", g.rx_max) : "";
		const char *tx_max = g.tx_max ? ck_fmt(c, "tx %u", g.tx_max) : "";
		const char *sep = g.rx_max && g.tx_max ? " " : "";
		if (!g.rx_max && !g.tx_max) {
			ck_skip(c, NULL, "%s: the driver reports no ring maximum",
				hk_netdev_name(d));
			continue;
		}
		const char *now = ck_fmt(c, "%s%s%s", rx_now, sep, tx_now);
		const char *max = ck_fmt(c, "%s%s%s", rx_max, sep, tx_max);
		if (g.rx >= g.rx_max && g.tx >= g.tx_max) {
			ck_pass(c, now, max, "%s: rings at their maximum (%s)", hk_netdev_name(d),
				max);
			continue;
		}
		ck_fail(c, now, max, ck_fmt(c, "ethtool -G %s %s", hk_netdev_name(d), max),
			"%s: rings below their maximum: %s of %s", hk_netdev_name(d), now, max);
	}
}

/*
 * Channels beyond the node's CPUs put queues (and their IRQs) on the other
 * node or several on one CPU; fewer than the node's isolated worker CPUs
 * leave workers without a queue of their own.
 */
static void channels_node_cpus(ck_ctx *c)
{
	const hk_netdev_list *l = multiqueue_nics(c);
	if (!l)
		return;
	const hk_topology *t = ck_topology(c);
	if (!t) {
		ck_skip_unread(c, "the CPU topology");
		return;
	}
	const hk_cpuset *iso = isolated_or_skip(c);
	if (!iso)
		return;
	for (unsigned i = 0; i < hk_netdev_list_count(l); i++) {
		const hk_netdev *d = hk_netdev_list_get(l, i);
		hk_ethtool_channels ch;
		if (!is_multiqueue(d) || !nic_ethtool(c, d, false, NULL, &ch))
			continue;
		int node = device_node(c, d);
		const hk_node *n = node >= 0 ? hk_topology_node_by_id(t, (unsigned)node) : NULL;
		_cleanup_(hk_cpuset_freep) hk_cpuset *cpus =
		    hk_cpuset_dup(n ? hk_node_cpus(n) : hk_topology_cpus(t, HK_CPUS_ONLINE));
		if (!cpus)
			continue;
		hk_cpuset_and(cpus, hk_topology_cpus(t, HK_CPUS_ONLINE));
		unsigned n_cpus = hk_cpuset_count(cpus);
		hk_cpuset_and(cpus, iso);
		unsigned workers = hk_cpuset_count(cpus);
		/* Combined channels when the driver has them, else rx (and tx) channels. */
		bool combined = ch.max_combined > 0 || (ch.combined > 0 && ch.max_rx == 0);
		unsigned have = combined ? ch.combined : ch.rx;
		unsigned max = combined ? ch.max_combined : ch.max_rx;
		const char *where = n ? ck_fmt(c, "node %d", node) : "the host";
		const char *kind = combined ? "combined" : "rx";
		const char *now = ck_fmt(c, "%u", have);
		const char *want = ck_fmt(c, "%u-%u", workers ? workers : 1, n_cpus);

		if (have == 0 || n_cpus == 0) {
			ck_skip(c, NULL, "%s: the driver reports no %s channels", hk_netdev_name(d),
				kind);
			continue;
		}
		if (have > n_cpus) {
			ck_fail(c, now, want,
				ck_fmt(c, "ethtool -L %s %s %u", hk_netdev_name(d), kind, n_cpus),
				"%s: %u %s channels for the %u online CPUs of %s",
				hk_netdev_name(d), have, kind, n_cpus, where);
		} else if (have < workers && max == 0) {
			ck_skip(c, NULL,
				"%s: %u %s channels for the %u isolated worker CPUs of %s, but the "
				"driver reports no maximum to raise them to",
				hk_netdev_name(d), have, kind, workers, where);
		} else if (have < workers && max <= have) {
			ck_fail(
			    c, now, want,
			    ck_fmt(c,
				   "none with this driver: it allows %u %s channels; steer the "
				   "workers' flows to the queues there are (ethtool -N)",
				   max, kind),
			    "%s: %u %s channels (the driver's maximum) for the %u isolated worker "
			    "CPUs of %s",
			    hk_netdev_name(d), have, kind, workers, where);
		} else if (have < workers) {
			unsigned to = workers < max ? workers : max;
			/* Without combined channels rx and tx are set together, within tx's
			 * maximum. */
			unsigned tx_to = ch.max_tx && ch.max_tx < to ? ch.max_tx : to;
			const char *tx = !combined && ch.max_tx ? ck_fmt(c, " tx %u", tx_to) : "";
			ck_fail(c, now, want,
				ck_fmt(c, "ethtool -L %s %s %u%s%s", hk_netdev_name(d), kind, to,
				       tx, to < workers ? " (the driver's maximum)" : ""),
				"%s: %u %s channels for the %u isolated worker CPUs of %s",
				hk_netdev_name(d), have, kind, workers, where);
		} else {
			ck_pass(c, now, want, "%s: %u %s channels for %u CPUs (%u workers) of %s",
				hk_netdev_name(d), have, kind, n_cpus, workers, where);
		}
	}
}

/* The rows of @s whose @f is nonzero, as "CPU2 17, CPU5 3" (at most 8), and their sum. */
static const char *nonzero_rows(ck_ctx *c, const hk_softnet *s, const hk_softnet *before,
				hk_softnet_field f, uint64_t *ret_sum)
{
	const char *out = "";
	uint64_t sum = 0;
	unsigned shown = 0;
	for (unsigned r = 0; r < hk_softnet_n_rows(s); r++) {
		int64_t v = hk_softnet_get(s, r, f);
		if (v < 0)
			continue;
		if (before) {
			int64_t b = hk_softnet_get(before, r, f);
			if (b < 0 || hk_softnet_cpu(before, r) != hk_softnet_cpu(s, r))
				continue;
			/* The kernel's counters are 32-bit and wrap. */
			v = (int64_t)(((uint64_t)v - (uint64_t)b) & 0xffffffffu);
		}
		if (v == 0)
			continue;
		sum += (uint64_t)v;
		if (shown++ < 8) {
			int cpu = hk_softnet_cpu(s, r);
			const char *who =
			    cpu >= 0 ? ck_fmt(c, "CPU%d", cpu) : ck_fmt(c, "row %u", r);
			out = ck_fmt(c, "%s%s%s %lld", out, *out ? ", " : "", who, (long long)v);
		}
	}
	*ret_sum = sum;
	return out;
}

/*
 * The second reading of proc/net/softnet_stat that `hostkit capture` takes
 * one second after the tree's, so that a captured tree can be judged too.
 */
#define SOFTNET_LATER "hostkit/softnet_stat.later"

/* Reads the two samples: live a second apart, or the tree's pair. */
static int softnet_sample(ck_ctx *c, hk_softnet **ret_a, hk_softnet **ret_b)
{
	_cleanup_(hk_softnet_freep) hk_softnet *a = NULL;
	_cleanup_(hk_softnet_freep) hk_softnet *b = NULL;
	int r = hk_softnet_load(ck_root(c), NULL, &a);
	if (r < 0)
		return r;
	if (ck_live(c)) {
		struct timespec ts = {.tv_sec = 1};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		r = hk_softnet_load(ck_root(c), NULL, &b);
	} else {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		r = hk_root_read(ck_root(c), SOFTNET_LATER, &buf, &len);
		if (r >= 0)
			r = hk_softnet_parse(buf, len, NULL, SOFTNET_LATER, NULL, &b);
		if (r == -ENOENT)
			r = -ENODATA;
	}
	if (r < 0)
		return r;
	*ret_a = TAKE_PTR(a);
	*ret_b = TAKE_PTR(b);
	return 0;
}

/*
 * Drops (the backlog of netdev_max_backlog overflowed) and time squeezes
 * (net_rx_action left work for ksoftirqd) growing now: packets lost, or
 * delayed to a thread that runs when the scheduler lets it.
 */
static void softnet_growing(ck_ctx *c)
{
	if (ck_no_sample(c)) {
		ck_skip(c, NULL, "sampling is off (--no-sample)");
		return;
	}
	_cleanup_(hk_softnet_freep) hk_softnet *a = NULL;
	_cleanup_(hk_softnet_freep) hk_softnet *b = NULL;
	int r = softnet_sample(c, &a, &b);
	if (r == -ENODATA) {
		ck_skip(c, SOFTNET_LATER,
			"the tree has one reading of proc/net/softnet_stat (a capture adds %s)",
			SOFTNET_LATER);
		return;
	}
	if (r == -ENOENT) {
		ck_skip(c, NULL, "proc/net/softnet_stat absent on this kernel");
		return;
	}
	if (r < 0) {
		ck_skip(c, "proc/net/softnet_stat", "cannot read the softnet counters twice: %s",
			strerror(-r));
		return;
	}
	uint64_t drops, squeezes;
	const char *d = nonzero_rows(c, b, a, HK_SOFTNET_DROPPED, &drops);
	const char *s = nonzero_rows(c, b, a, HK_SOFTNET_TIME_SQUEEZE, &squeezes);
	int64_t backlog = 1000, budget = BUDGET_DEFAULT;
	if (ck_sysctl_s64(c, "net.core.netdev_max_backlog", &backlog) < 0 || backlog <= 0)
		backlog = 1000;
	if (ck_sysctl_s64(c, "net.core.netdev_budget", &budget) < 0 || budget <= 0)
		budget = BUDGET_DEFAULT;
	if (drops > 0)
		ck_fail(c, ck_fmt(c, "%llu/s", (unsigned long long)drops), "0/s",
			ck_sysctl_remedy_s64(c, "net.core.netdev_max_backlog", backlog * 2),
			"softnet drops grew by %llu in one second (%s): the backlog is full",
			(unsigned long long)drops, d);
	if (squeezes > 0)
		ck_fail(c, ck_fmt(c, "%llu/s", (unsigned long long)squeezes), "0/s",
			ck_sysctl_remedy_s64(c, "net.core.netdev_budget", budget * 2),
			"time squeezes grew by %llu in one second (%s): the softirq runs out of "
			"budget and leaves packets to ksoftirqd",
			(unsigned long long)squeezes, s);
	if (drops == 0 && squeezes == 0)
		ck_pass(c, "0/s", "0/s", "no softnet drop or time squeeze in one second");
}

/* The softnet counters since boot; NULL after recording a skip. */
static const hk_softnet *softnet(ck_ctx *c)
{
	const hk_softnet *s = ck_softnet(c);
	if (!s)
		ck_skip_unread(c, "proc/net/softnet_stat");
	return s;
}

/* The counters since boot: not proof of a problem now, but worth knowing. */
static void softnet_counters(ck_ctx *c)
{
	const hk_softnet *s = softnet(c);
	if (!s)
		return;
	uint64_t drops, squeezes;
	const char *d = nonzero_rows(c, s, NULL, HK_SOFTNET_DROPPED, &drops);
	const char *q = nonzero_rows(c, s, NULL, HK_SOFTNET_TIME_SQUEEZE, &squeezes);
	if (drops == 0 && squeezes == 0) {
		ck_pass(c, "0", "0", "no softnet drop or time squeeze since boot");
		return;
	}
	const char *now = ck_fmt(c, "dropped %llu, time_squeeze %llu", (unsigned long long)drops,
				 (unsigned long long)squeezes);
	ck_fail(c, now, "0",
		"watch them grow: hostkit check --only network.softnet-growing (a second apart); "
		"raise net.core.netdev_max_backlog for drops, net.core.netdev_budget for squeezes",
		"softnet counters since boot: %s%s%s%s%s", drops ? "dropped " : "", d,
		drops && squeezes ? "; " : "", squeezes ? "time_squeeze " : "", q);
}

/*
 * net_rx_action polls at most netdev_budget packets or netdev_budget_usecs
 * per run; with the default packet budget a busy NIC squeezes, and the
 * rest waits for ksoftirqd. The time budget's default depends on HZ
 * (2000 us at HZ=1000, 8000 at 250, 20000 at 100): the rule judges the
 * packet budget, and its fix never lowers the time budget.
 */
static void netdev_budget(ck_ctx *c)
{
	int64_t budget, usecs;
	if (ck_sysctl_s64_or_skip(c, "net.core.netdev_budget", &budget) < 0)
		return;
	int r = ck_sysctl_s64(c, "net.core.netdev_budget_usecs", &usecs);
	if (r == -ENOENT)
		usecs = -1; /* before 4.12: the budget was two jiffies */
	else if (r < 0 && ck_sysctl_s64_or_skip(c, "net.core.netdev_budget_usecs", &usecs) < 0)
		return;
	const hk_softnet *s = softnet(c);
	if (!s)
		return;
	int64_t squeezes = hk_softnet_total(s, HK_SOFTNET_TIME_SQUEEZE);
	const char *usecs_text = usecs >= 0 ? ck_fmt(c, "%lld us", (long long)usecs) : "absent";
	const char *now = ck_fmt(c, "%lld packets, %s", (long long)budget, usecs_text);
	bool raised = budget > BUDGET_DEFAULT;
	if (squeezes <= 0 || raised) {
		ck_pass(c, now, raised ? ck_fmt(c, "above %d packets", BUDGET_DEFAULT) : now,
			"netdev_budget %lld, netdev_budget_usecs %s: %lld time squeezes since boot",
			(long long)budget, usecs_text, (long long)(squeezes > 0 ? squeezes : 0));
		return;
	}
	const char *fix = ck_sysctl_remedy(c, "net.core.netdev_budget", "600");
	const char *want = "600 packets";
	if (usecs >= 0) {
		int64_t to = usecs > BUDGET_USECS_RAISED / 2 ? usecs * 2 : BUDGET_USECS_RAISED;
		fix = ck_fmt(c, "%s; %s", fix,
			     ck_sysctl_remedy_s64(c, "net.core.netdev_budget_usecs", to));
		want = ck_fmt(c, "600 packets, %lld us", (long long)to);
	}
	ck_fail(c, now, want, fix,
		"the NAPI budget is the default %lld packets (netdev_budget_usecs %s) and the "
		"softirq ran out of it %lld times since boot",
		(long long)budget, usecs_text, (long long)squeezes);
}

/*
 * Busy polling lets a socket read spin on the device queue instead of
 * sleeping until the IRQ and softirq have run: lower and steadier latency
 * for a CPU kept busy. A choice, not a defect: info only.
 */
static void busy_poll(ck_ctx *c)
{
	int64_t poll, read;
	int r = ck_sysctl_s64(c, "net.core.busy_poll", &poll);
	if (r >= 0)
		r = ck_sysctl_s64(c, "net.core.busy_read", &read);
	if (r == -ENOENT) {
		ck_skip(c, NULL,
			"net.core.busy_poll absent on this kernel (no CONFIG_NET_RX_BUSY_POLL)");
		return;
	}
	if (r < 0) {
		ck_skip(c, "proc/sys/net/core/busy_poll", "cannot read net.core.busy_poll: %s",
			strerror(-r));
		return;
	}
	const char *now =
	    ck_fmt(c, "busy_poll %lld busy_read %lld", (long long)poll, (long long)read);
	if (poll > 0 || read > 0) {
		ck_pass(c, now, "> 0", "busy polling is on (%s, in microseconds)", now);
		return;
	}
	ck_fail(c, now, "busy_poll 50 busy_read 50",
		ck_fmt(c, "%s; %s (or SO_BUSY_POLL on the daemon's sockets)",
		       ck_sysctl_remedy(c, "net.core.busy_poll", "50"),
		       ck_sysctl_remedy(c, "net.core.busy_read", "50")),
		"busy polling is off: socket reads sleep until the IRQ and softirq deliver");
}

static const ck_rule rules[] = {
    {"network.irq-numa-local", HK_CHECK_SEVERITY_WARN,
     "each NIC queue IRQ runs on a CPU of the NIC's NUMA node", irq_numa_local},
    {"network.irq-not-isolated", HK_CHECK_SEVERITY_FAIL,
     "no NIC queue IRQ may run on an isolated CPU", irq_not_isolated},
    {"network.irq-affinity-effective", HK_CHECK_SEVERITY_INFO,
     "each NIC queue IRQ runs where its affinity asks, on a CPU it was pinned to",
     irq_affinity_effective},
    {"network.irqbalance-pinned", HK_CHECK_SEVERITY_WARN,
     "irqbalance does not run while NIC queue IRQs are pinned", irqbalance_pinned},
    {"network.rps-with-rss", HK_CHECK_SEVERITY_WARN,
     "RPS is off on NICs that spread with RSS (several rx queues)", rps_with_rss},
    {"network.xps-set", HK_CHECK_SEVERITY_WARN, "XPS maps CPUs to the tx queues of multiqueue NICs",
     xps_set},
    {"network.rings-max", HK_CHECK_SEVERITY_WARN, "NIC rings are at the driver's maximum",
     rings_max},
    {"network.channels-node-cpus", HK_CHECK_SEVERITY_WARN,
     "NIC channels: no more than the node's CPUs, no fewer than its worker CPUs",
     channels_node_cpus},
    {"network.softnet-growing", HK_CHECK_SEVERITY_WARN,
     "no softnet drop or time squeeze within one second", softnet_growing},
    {"network.softnet-counters", HK_CHECK_SEVERITY_INFO,
     "no softnet drop or time squeeze since boot", softnet_counters},
    {"network.netdev-budget", HK_CHECK_SEVERITY_WARN,
     "the NAPI budget is raised when the softirq runs out of it", netdev_budget},
    {"network.busy-poll", HK_CHECK_SEVERITY_INFO,
     "socket busy polling (net.core.busy_poll/busy_read) is on", busy_poll},
};

const ck_section ck_section_network = {"network", rules, ELEMENTSOF(rules)};
