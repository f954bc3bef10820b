/* SPDX-License-Identifier: MIT */
/*
 * The isolation rules: every place that says which CPUs the daemon owns,
 * judged against one reference, the CPUs the kernel keeps apart
 * (sys/devices/system/cpu/isolated and nohz_full, and the root cgroup's
 * isolated partitions). Each source that disagrees is named with its set,
 * the reference and the fix for that source. The workqueue and watchdog
 * masks are judged in the scheduling section.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "check/check.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

#define CGROUP_ISOLATED "sys/fs/cgroup/cpuset.cpus.isolated"
#define GRUB_STEPS	"GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot"

/*
 * Loads the reference and the housekeeping CPUs (online, not isolated) for
 * a rule; records a skip and returns false when they cannot be had or when
 * nothing is isolated.
 */
static bool load_sets(ck_ctx *c, const hk_cpuset **ret_iso, const hk_cpuset **ret_hk)
{
	if (!ck_topology(c)) {
		ck_skip_unread(c, "the CPU topology");
		return false;
	}
	return ck_need_isolated(
	    c, "no CPU is isolated (isolcpus, nohz_full, cpuset partitions): nothing to compare",
	    ret_iso, ret_hk);
}

/*
 * @s as a kernel mask as wide as the host's possible CPUs ("00000033"),
 * valid until the rule returns; NULL when out of memory.
 */
static const char *mask_text(ck_ctx *c, const hk_cpuset *s)
{
	const hk_topology *t = ck_topology(c);
	unsigned nbits = t ? hk_topology_cpu_limit(t) : 32;
	size_t n = hk_cpuset_format_mask(s, nbits, NULL, 0);
	_cleanup_free_ char *buf = malloc(n + 1);
	if (!buf || hk_cpuset_format_mask(s, nbits, buf, n + 1) != n)
		return NULL;
	return ck_fmt(c, "%s", buf);
}

#define CGROUP_DIR	"sys/fs/cgroup"
#define PARTITION_DEPTH 8

/* Whether the cgroup directory @dir is a valid partition root; *ret_isolated says which kind. */
static bool partition_root(ck_ctx *c, const char *dir, bool *ret_isolated)
{
	char buf[128];
	if (hk_root_read_buf(ck_root(c), ck_fmt(c, "%s/cpuset.cpus.partition", dir), buf,
			     sizeof(buf)) < 0)
		return false;
	buf[strcspn(buf, "\n")] = 0;
	/* "root", "isolated", or "... invalid (reason)" for a partition the kernel refused. */
	*ret_isolated = strcmp(buf, "isolated") == 0;
	return *ret_isolated || strcmp(buf, "root") == 0;
}

/*
 * The cgroup below @dir whose valid isolated partition holds CPUs of @cpus,
 * as a path inside the root, or NULL. A partition's parent is a partition
 * root too, so only partition roots are descended into: a few directory
 * reads, whatever the number of cgroups.
 */
static const char *find_isolated_partition(ck_ctx *c, const char *dir, const hk_cpuset *cpus,
					   unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	if (depth > PARTITION_DEPTH || hk_root_opendir(ck_root(c), dir, &d) < 0)
		return NULL;
	const char *found = NULL;
	_cleanup_(hk_cpuset_freep) hk_cpuset *eff = hk_cpuset_new();
	for (struct dirent *e; eff && !found && (e = readdir(d));) {
		bool isolated;
		if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		const char *sub = ck_fmt(c, "%s/%s", dir, e->d_name);
		if (!partition_root(c, sub, &isolated))
			continue;
		hk_cpuset_clear(eff);
		if (isolated &&
		    hk_root_read_cpulist(ck_root(c), ck_fmt(c, "%s/cpuset.cpus.effective", sub),
					 NULL, eff) >= 0 &&
		    hk_cpuset_intersects(eff, cpus))
			found = sub;
		else
			found = find_isolated_partition(c, sub, cpus, depth + 1);
	}
	return found;
}

/*
 * The commands that take @cpu out of the isolated partition of cgroup @dir
 * (a path inside the root): cpuset.cpus (and cpuset.cpus.exclusive when it
 * names the CPU) without it, or the partition turned off when @cpu is its
 * last CPU.
 */
static const char *partition_fix(ck_ctx *c, const char *dir, unsigned cpu)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *cur = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *excl = hk_cpuset_new();
	if (!cur || !excl)
		return NULL;
	if (hk_root_read_cpulist(ck_root(c), ck_fmt(c, "%s/cpuset.cpus", dir), NULL, cur) < 0 ||
	    !hk_cpuset_test(cur, cpu))
		return NULL;
	const char *off = ck_fmt(c, "echo member > /%s/cpuset.cpus.partition", dir);
	hk_cpuset_remove(cur, cpu);
	if (hk_cpuset_is_empty(cur))
		return off;
	const char *fix = ck_fmt(c, "echo %s > /%s/cpuset.cpus", ck_cpulist(c, cur), dir);
	/* Since 6.7 the partition may take its CPUs from cpuset.cpus.exclusive: shrink it first. */
	if (hk_root_read_cpulist(ck_root(c), ck_fmt(c, "%s/cpuset.cpus.exclusive", dir), NULL,
				 excl) >= 0 &&
	    hk_cpuset_test(excl, cpu)) {
		hk_cpuset_remove(excl, cpu);
		if (hk_cpuset_is_empty(excl))
			return off;
		fix = ck_fmt(c, "echo %s > /%s/cpuset.cpus.exclusive; %s", ck_cpulist(c, excl), dir,
			     fix);
	}
	return fix;
}

/*
 * Every NUMA node keeps a housekeeping CPU: a node whose CPUs are all
 * isolated has nowhere local for its devices' IRQs, its kernel threads and
 * its memory's reclaim work, which then cross the interconnect.
 */
static void housekeeping_per_node(ck_ctx *c)
{
	const hk_cpuset *iso = NULL, *hk = NULL;
	if (!load_sets(c, &iso, &hk))
		return;
	const hk_topology *t = ck_topology(c);
	unsigned judged = 0;
	for (unsigned i = 0; i < hk_topology_n_nodes(t); i++) {
		const hk_node *n = hk_topology_node(t, i);
		const hk_cpuset *cpus = hk_node_cpus(n);
		if (!cpus || hk_cpuset_is_empty(cpus))
			continue; /* memory-only: nothing to keep */
		_cleanup_(hk_cpuset_freep) hk_cpuset *mine = hk_cpuset_dup(cpus);
		if (!mine)
			return;
		hk_cpuset_and(mine, hk);
		judged++;
		if (!hk_cpuset_is_empty(mine)) {
			ck_pass(c, ck_cpulist(c, mine), "at least one CPU",
				"node %u keeps housekeeping CPUs %s", hk_node_id(n),
				ck_cpulist(c, mine));
			continue;
		}
		int keep = hk_cpuset_first(cpus);
		_cleanup_(hk_cpuset_freep) hk_cpuset *want = hk_cpuset_dup(iso);
		_cleanup_(hk_cpuset_freep) hk_cpuset *part = hk_cpuset_new();
		if (!want || !part)
			return;
		hk_cpuset_remove(want, (unsigned)keep);
		const char *w = ck_cpulist(c, want);
		const char *fix =
		    ck_fmt(c,
			   "leave CPU %d to the kernel: set isolcpus=managed_irq,domain,%s "
			   "nohz_full=%s rcu_nocbs=%s in " GRUB_STEPS,
			   keep, w, w, w);
		const char *by = "";
		/* When a cpuset partition took the node's last CPUs, shrinking it is the fix. */
		if (hk_root_read_cpulist(ck_root(c), CGROUP_ISOLATED, NULL, part) >= 0 &&
		    hk_cpuset_intersects(part, cpus)) {
			hk_cpuset_and(part, cpus);
			keep = hk_cpuset_first(part);
			const char *cg = find_isolated_partition(c, CGROUP_DIR, part, 0);
			const char *cmd = cg ? partition_fix(c, cg, (unsigned)keep) : NULL;
			by = ck_fmt(c, " (CPUs %s by the cpuset isolated partition %s%s)",
				    ck_cpulist(c, part), cg ? "/" : "of ",
				    cg ? cg : "a cgroup not found under /sys/fs/cgroup");
			if (cmd)
				fix =
				    ck_fmt(c,
					   "take CPU %d out of the cpuset isolated partition /%s: "
					   "%s",
					   keep, cg, cmd);
			else
				fix = ck_fmt(
				    c,
				    "take CPU %d out of the cpuset isolated partition that holds "
				    "CPUs %s: find its cgroup with `grep -rlx isolated "
				    "--include=cpuset.cpus.partition /sys/fs/cgroup`, then write "
				    "its "
				    "cpuset.cpus without CPU %d (echo LIST > "
				    "/sys/fs/cgroup/<cgroup>/cpuset.cpus)",
				    keep, ck_cpulist(c, part), keep);
		}
		ck_fail(c, "none", "at least one CPU", fix,
			"node %u has all its CPUs %s isolated%s: its IRQs and kernel threads have "
			"nowhere local to run",
			hk_node_id(n), ck_cpulist(c, cpus), by);
	}
	if (judged == 0)
		ck_skip(c, NULL, "no NUMA node lists CPUs");
}

/*
 * irqbalance moves IRQs every 10 seconds. Without IRQBALANCE_BANNED_CPULIST
 * (or the older IRQBALANCE_BANNED_CPUS mask) it leaves the kernel's isolated
 * and nohz_full CPUs alone by itself; with one, it uses that list alone, so
 * the list must hold every isolated CPU.
 */
static void irqbalance_banned(ck_ctx *c)
{
	const hk_cpuset *iso = NULL, *hk = NULL;
	hk_irq_table *t = ck_irqs(c);
	if (!t) {
		ck_skip_unread(c, "the IRQ table");
		return;
	}
	int running = hk_irq_table_irqbalance(t);
	if (running < 0) {
		ck_skip(c, NULL, "cannot tell whether irqbalance runs: %s", strerror(-running));
		return;
	}
	if (running == 0) {
		ck_pass(c, "not running", "isolated CPUs banned",
			"irqbalance does not run: it moves no IRQ");
		return;
	}
	if (!load_sets(c, &iso, &hk))
		return;
	const hk_cpuset *banned = NULL;
	int r = hk_irq_table_irqbalance_banned(t, &banned);
	int pid = hk_irq_table_irqbalance_pid(t);
	const char *iso_text = ck_cpulist(c, iso);
	const char *fix = ck_fmt(c,
				 "set IRQBALANCE_BANNED_CPULIST=%s in /etc/default/irqbalance "
				 "(/etc/sysconfig/irqbalance "
				 "on Red Hat), then systemctl restart irqbalance",
				 iso_text);
	if (r == -EACCES || r == -EPERM) {
		ck_skip(c, "root",
			"irqbalance (pid %d) runs, but its environment is readable by root "
			"only",
			pid);
		return;
	}
	if (r == -ENODATA) {
		/* It bans isolated and nohz_full by itself, but not cpuset partitions. */
		const hk_kernel *k = ck_kernel(c);
		_cleanup_(hk_cpuset_freep) hk_cpuset *own = hk_cpuset_new();
		if (!own)
			return;
		if (k && hk_kernel_isolated(k))
			(void)hk_cpuset_or(own, hk_kernel_isolated(k));
		if (k && hk_kernel_nohz_full(k))
			(void)hk_cpuset_or(own, hk_kernel_nohz_full(k));
		if (hk_cpuset_is_subset(iso, own)) {
			ck_pass(c, "kernel's isolated and nohz_full", iso_text,
				"irqbalance (pid %d) has no banned list: it leaves the kernel's "
				"isolated CPUs %s alone by itself",
				pid, iso_text);
			return;
		}
		ck_fail(c, ck_fmt(c, "%s (the kernel's)", ck_cpulist(c, own)), iso_text, fix,
			"irqbalance (pid %d) bans only the kernel's isolated and nohz_full CPUs "
			"%s, not the cpuset partitions' %s: it may move IRQs onto them",
			pid, ck_cpulist(c, own), iso_text);
		return;
	}
	if (r < 0) {
		ck_skip(c, NULL, "cannot read irqbalance's banned CPUs: %s", strerror(-r));
		return;
	}
	const char *now = ck_cpulist(c, banned);
	if (hk_cpuset_is_subset(iso, banned)) {
		ck_pass(c, now, iso_text, "irqbalance (pid %d) bans CPUs %s, all the isolated %s",
			pid, now, iso_text);
		return;
	}
	ck_fail(c, now, iso_text, fix,
		"irqbalance (pid %d) bans CPUs %s but not the isolated CPUs %s: it moves IRQs "
		"onto them",
		pid, now, ck_cpulist_andnot(c, iso, banned));
}

/*
 * New IRQs get proc/irq/default_smp_affinity (set at boot by irqaffinity=):
 * when it holds isolated CPUs, an IRQ a driver requests later (a NIC reset,
 * a hot-plugged device) lands on the daemon's CPUs.
 */
static void default_irq_affinity(ck_ctx *c)
{
	const hk_cpuset *iso = NULL, *hk = NULL;
	hk_irq_table *t = ck_irqs(c);
	if (!t) {
		ck_skip_unread(c, "the IRQ table");
		return;
	}
	const hk_cpuset *def = hk_irq_table_default_affinity(t);
	int st = hk_irq_table_default_affinity_status(t);
	if (!def && st == -ENOENT) {
		ck_skip(c, NULL, "proc/irq/default_smp_affinity is absent on this kernel");
		return;
	}
	if (!def) {
		ck_skip(c, st == -EACCES || st == -EPERM ? "root" : NULL,
			"cannot read proc/irq/default_smp_affinity: %s", strerror(-st));
		return;
	}
	if (!load_sets(c, &iso, &hk))
		return;
	const char *want = ck_cpulist(c, hk);
	const char *now = ck_cpulist(c, def);
	const hk_kernel *k = ck_kernel(c);
	const hk_cmdline *cl = k ? hk_kernel_cmdline(k) : NULL;
	const hk_cpuset *boot = cl ? hk_cmdline_cpus(cl, HK_CMDLINE_IRQAFFINITY) : NULL;
	const char *boot_fix = ck_fmt(c, "add irqaffinity=%s to " GRUB_STEPS, want);
	const char *mask;

	if (!hk_cpuset_intersects(def, iso))
		ck_pass(c, now, want,
			"new IRQs go to CPUs %s (default_smp_affinity), none of the isolated %s",
			now, ck_cpulist(c, iso));
	else if (!(mask = mask_text(c, hk)))
		ck_skip(c, NULL, "out of memory");
	else
		ck_fail(c, now, want,
			ck_fmt(c, "echo %s > /proc/irq/default_smp_affinity (now), and %s", mask,
			       boot_fix),
			"new IRQs go to CPUs %s (default_smp_affinity), isolated CPUs among them "
			"(isolated: %s)",
			now, ck_cpulist(c, iso));

	/* The boot parameter is judged only when given: without it the file above is all. */
	if (boot && hk_cpuset_intersects(boot, iso))
		ck_fail(c, ck_fmt(c, "irqaffinity=%s", ck_cpulist(c, boot)),
			ck_fmt(c, "irqaffinity=%s", want), boot_fix,
			"the command line's irqaffinity=%s holds isolated CPUs (isolated: %s)",
			ck_cpulist(c, boot), ck_cpulist(c, iso));
}

/*
 * The cgroup v2 cpuset isolated partitions (cpuset.cpus.partition=isolated,
 * listed in the root's cpuset.cpus.isolated since Linux 6.7) take CPUs out
 * of load balancing at run time, but not off the scheduler tick nor RCU
 * callbacks: those need nohz_full and rcu_nocbs at boot.
 */
static void cgroup_partition(ck_ctx *c)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *part = hk_cpuset_new();
	hk_diag d = {0};
	if (!part)
		return;
	int r = hk_root_read_cpulist(ck_root(c), CGROUP_ISOLATED, &d, part);
	if (r == -ENOENT) {
		ck_skip(c, NULL, "%s is absent on this kernel (before 6.7, or no cgroup v2 cpuset)",
			CGROUP_ISOLATED);
		return;
	}
	if (r < 0) {
		const char *needs = r == -EACCES || r == -EPERM ? "root" : NULL;
		if (d.message[0])
			ck_skip(c, needs, "%s", d.message);
		else
			ck_skip(c, needs, "cannot read %s: %s", CGROUP_ISOLATED, strerror(-r));
		return;
	}
	if (hk_cpuset_is_empty(part)) {
		ck_pass(c, "none", "nohz_full", "no cgroup cpuset partition is isolated");
		return;
	}
	const hk_kernel *k = ck_kernel(c);
	const hk_cpuset *nohz = k ? hk_kernel_nohz_full(k) : NULL;
	const char *p = ck_cpulist(c, part);
	if (nohz && hk_cpuset_is_subset(part, nohz)) {
		ck_pass(c, p, ck_cpulist(c, nohz),
			"the cpuset isolated partitions' CPUs %s are all nohz_full", p);
		return;
	}
	_cleanup_(hk_cpuset_freep) hk_cpuset *want = hk_cpuset_dup(part);
	if (!want)
		return;
	if (nohz)
		(void)hk_cpuset_or(want, nohz);
	const char *w = ck_cpulist(c, want);
	ck_fail(c, ck_fmt(c, "nohz_full=%s", nohz ? ck_cpulist(c, nohz) : "(none)"),
		ck_fmt(c, "nohz_full=%s", w),
		ck_fmt(c, "add nohz_full=%s rcu_nocbs=%s to " GRUB_STEPS, w, w),
		"the cpuset isolated partitions' CPUs %s are not all nohz_full (%s): they still "
		"take the scheduler tick",
		p, nohz ? ck_cpulist(c, nohz) : "none");
}

/*
 * This process's allowed CPUs (affinity and cgroup cpuset): with isolcpus
 * the kernel starts init on the housekeeping CPUs, so every process started
 * normally inherits them. When they include isolated CPUs, services and
 * shells may be woken there.
 */
static void process_affinity(ck_ctx *c)
{
	const hk_cpuset *iso = NULL, *hk = NULL;
	if (!load_sets(c, &iso, &hk))
		return;
	const hk_cpuset *allowed = hk_topology_cpus(ck_topology(c), HK_CPUS_ALLOWED);
	const char *now = ck_cpulist(c, allowed);
	const char *want = ck_cpulist(c, hk);
	if (!hk_cpuset_intersects(allowed, iso)) {
		ck_pass(c, now, want,
			"processes started like this one run on CPUs %s, none of the isolated %s",
			now, ck_cpulist(c, iso));
		return;
	}
	ck_fail(c, now, want,
		ck_fmt(c,
		       "set CPUAffinity=%s in /etc/systemd/system.conf (then systemctl "
		       "daemon-reexec), or at once: systemctl set-property --runtime system.slice "
		       "AllowedCPUs=%s (and the same for user.slice and init.scope); start the "
		       "daemon itself with taskset -c %s",
		       want, want, ck_cpulist(c, iso)),
		"processes started like this one may run on isolated CPUs %s (allowed: %s)",
		ck_cpulist_and(c, allowed, iso), now);
}

static const ck_rule rules[] = {
    {"isolation.housekeeping-per-node", HK_CHECK_SEVERITY_WARN,
     "every NUMA node keeps a CPU that is not isolated", housekeeping_per_node},
    {"isolation.irqbalance-banned", HK_CHECK_SEVERITY_FAIL,
     "irqbalance leaves every isolated CPU alone", irqbalance_banned},
    {"isolation.default-irq-affinity", HK_CHECK_SEVERITY_WARN,
     "new IRQs (default_smp_affinity, irqaffinity=) avoid isolated CPUs", default_irq_affinity},
    {"isolation.cgroup-partition", HK_CHECK_SEVERITY_WARN,
     "cpuset isolated partitions are nohz_full too", cgroup_partition},
    {"isolation.process-affinity", HK_CHECK_SEVERITY_INFO,
     "processes start on housekeeping CPUs only", process_affinity},
};

const ck_section ck_section_isolation = {"isolation", rules, ELEMENTSOF(rules)};
