/* SPDX-License-Identifier: MIT */
/*
 * The scheduling rules: real-time throttling, the lockup detectors and the
 * unbound workqueues on isolated CPUs, timer migration and autogroup.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "check/check.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

#define PF_KTHREAD	  0x00200000u /* include/linux/sched.h: stat flags of a kernel thread */
#define SCHED_FIFO_POLICY 1
#define SCHED_RR_POLICY	  2

/*
 * kernel.sched_rt_runtime_us: unless -1, real-time threads get at most that
 * many microseconds of each sched_rt_period_us; a SCHED_FIFO thread that
 * polls a NIC is then stopped for 50 ms each second (the default 950000 of
 * 1000000). Only user-space threads count: kernel threads (migration, ksoftirqd
 * at RT priority) are not throttled in practice.
 */
static void rt_runtime(ck_ctx *c)
{
	int64_t runtime, period = 1000000;
	if (ck_sysctl_s64_or_skip(c, "kernel.sched_rt_runtime_us", &runtime) < 0)
		return;
	(void)ck_sysctl_s64(c, "kernel.sched_rt_period_us", &period);
	const char *now = ck_fmt(c, "%lld", (long long)runtime);
	if (runtime < 0) {
		ck_pass(c, now, "-1", "real-time threads are not throttled");
		return;
	}

	const hk_process_list *l = ck_processes(c);
	if (!l) {
		ck_skip_unread(c, "the process list");
		return;
	}
	unsigned n_rt = 0;
	char names[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < hk_process_list_count(l); i++) {
		const hk_proc_stat *s = hk_process_list_stat(l, i);
		uint64_t policy, flags;
		if (!s || hk_proc_stat_get_u64(s, HK_STAT_POLICY, &policy) < 0 ||
		    hk_proc_stat_get_u64(s, HK_STAT_FLAGS, &flags) < 0)
			continue;
		if ((flags & PF_KTHREAD) ||
		    (policy != SCHED_FIFO_POLICY && policy != SCHED_RR_POLICY))
			continue;
		if (++n_rt <= 3 && used < sizeof(names)) {
			int w = snprintf(names + used, sizeof(names) - used, "%s%s (%d, %s)",
					 used ? ", " : "", hk_proc_stat_comm(s),
					 hk_process_list_pid(l, i), hk_sched_policy_name(policy));
			if (w > 0)
				used += (size_t)w;
		}
	}
	if (n_rt == 0) {
		ck_pass(c, now, "-1",
			"no user-space real-time thread runs; one would be throttled to %lld us of "
			"every %lld us",
			(long long)runtime, (long long)period);
		return;
	}
	ck_fail(c, now, "-1",
		ck_fmt(c,
		       "%s (caveat: a runaway real-time thread then owns its CPU for good: run "
		       "them only on isolated CPUs with nohz_full and rcu_nocbs)",
		       ck_sysctl_remedy(c, "kernel.sched_rt_runtime_us", "-1")),
		"%u real-time process%s (%s%s) may run only %lld us of every %lld us: a "
		"polling SCHED_FIFO thread is stopped for the rest",
		n_rt, n_rt == 1 ? "" : "es", names, n_rt > 3 ? ", ..." : "", (long long)runtime,
		(long long)period);
}

/* A sysctl's 0/1 switch: 1 or 0, -1 when absent or unreadable. */
static int switch_sysctl(ck_ctx *c, const char *key)
{
	int64_t v;
	if (ck_sysctl_s64(c, key, &v) < 0)
		return -1;
	return v != 0;
}

/*
 * The lockup detectors: on each CPU of kernel.watchdog_cpumask the soft
 * lockup detector runs an hrtimer every watchdog_thresh * 2 / 5 seconds and
 * wakes the stopper thread, and the hard lockup detector a perf NMI; both
 * interrupt an isolated CPU's thread. nohz_full takes its CPUs out of the
 * mask at boot, but a later sysctl may put them back.
 */
static void watchdog_isolated(ck_ctx *c)
{
	int all = switch_sysctl(c, "kernel.watchdog");
	int hard = switch_sysctl(c, "kernel.nmi_watchdog");
	int soft = switch_sysctl(c, "kernel.soft_watchdog");
	if (all < 0 && hard < 0 && soft < 0) {
		ck_skip(c, NULL,
			"kernel.watchdog is absent on this kernel (no lockup detector built in)");
		return;
	}
	bool on = all != 0 && (hard > 0 || soft > 0 || (hard < 0 && soft < 0));
	const char *now =
	    ck_fmt(c, "watchdog=%d nmi_watchdog=%d soft_watchdog=%d", all, hard, soft);
	if (!on) {
		ck_pass(c, now, "off or off the isolated CPUs", "the lockup detectors are off");
		return;
	}
	const hk_cpuset *iso, *hk;
	if (!ck_need_isolated(c, "no CPU is isolated: the lockup detectors may run everywhere",
			      &iso, &hk))
		return;
	const hk_sysctl *m = ck_sysctl(c, "kernel.watchdog_cpumask");
	int64_t unused;
	int e = m ? 0 : ck_sysctl_s64(c, "kernel.watchdog_cpumask", &unused);
	if (!m && e != -ENOENT) {
		/* Present but unreadable or malformed: not the same as absent (all CPUs). */
		ck_skip(c, NULL, "cannot read kernel.watchdog_cpumask: %s", strerror(-e));
		return;
	}
	const hk_cpuset *mask = m ? hk_sysctl_cpus(m) : NULL;
	const char *mask_text = mask ? ck_cpulist(c, mask) : "all (no watchdog_cpumask)";
	if (mask && !hk_cpuset_intersects(mask, iso)) {
		ck_pass(c, mask_text, ck_cpulist(c, hk),
			"the lockup detectors run on CPUs %s, none of the isolated %s", mask_text,
			ck_cpulist(c, iso));
		return;
	}
	const char *want = ck_cpulist(c, hk);
	ck_fail(c, mask_text, want,
		ck_fmt(c,
		       "%s; or turn the detectors off: add nowatchdog to GRUB_CMDLINE_LINUX in "
		       "/etc/default/grub, update-grub, reboot",
		       ck_sysctl_remedy(c, "kernel.watchdog_cpumask", want)),
		"the lockup detectors (%s) run on CPUs %s, isolated CPUs %s among them: their "
		"timer interrupts the daemon every few seconds",
		now, mask_text, ck_cpulist_and(c, mask ? mask : iso, iso));
}

/*
 * Unbound workqueues (writeback, flush work, many drivers' deferred work)
 * run on the CPUs of sys/devices/virtual/workqueue/cpumask. The kernel
 * derives it from isolcpus= at boot, but older kernels ignore nohz_full=
 * alone, cpuset partitions change it only since 6.7, and a write may put
 * isolated CPUs back.
 */
static void workqueue_isolated(ck_ctx *c)
{
	const char *path = "sys/devices/virtual/workqueue/cpumask";
	_cleanup_(hk_cpuset_freep) hk_cpuset *mask = hk_cpuset_new();
	hk_diag d = {0};
	if (!mask)
		return;
	int r = hk_root_read_cpumask(ck_root(c), path, &d, mask);
	if (r == -ENOENT) {
		ck_skip(c, NULL, "%s is absent on this kernel", path);
		return;
	}
	if (r < 0) {
		if (d.message[0])
			ck_skip(c, NULL, "%s", d.message);
		else
			ck_skip(c, NULL, "cannot read %s: %s", path, strerror(-r));
		return;
	}
	const hk_cpuset *iso, *hk;
	if (!ck_need_isolated(c, "no CPU is isolated: unbound workqueues may run everywhere", &iso,
			      &hk))
		return;
	const char *now = ck_cpulist(c, mask);
	const char *want = ck_cpulist(c, hk);
	if (!hk_cpuset_intersects(mask, iso)) {
		ck_pass(c, now, want, "unbound workqueues run on CPUs %s, none of the isolated %s",
			now, ck_cpulist(c, iso));
		return;
	}
	char hex[512];
	unsigned nbits = hk_topology_cpu_limit(ck_topology(c));
	hk_cpuset_format_mask(hk, nbits, hex, sizeof(hex));
	ck_fail(c, now, want,
		ck_fmt(c,
		       "echo %s > /sys/devices/virtual/workqueue/cpumask (and the same into "
		       "/sys/bus/workqueue/devices/writeback/cpumask), at every boot (a systemd "
		       "unit or tuned's cpu-partitioning profile)",
		       hex),
		"unbound workqueues may run on isolated CPUs %s (%s is %s)",
		ck_cpulist_and(c, mask, iso), path, now);
}

/*
 * kernel.timer_migration=1 lets an idle CPU's timers be queued on a busy
 * housekeeping CPU instead (never on a nohz_full one), so fewer timers
 * fire on the isolated CPUs.
 */
static void timer_migration(ck_ctx *c)
{
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, "kernel.timer_migration", &v) < 0)
		return;
	if (v != 0) {
		ck_pass(c, "1", "1", "timers of idle CPUs migrate to busy housekeeping CPUs");
		return;
	}
	ck_fail(c, "0", "1", ck_sysctl_remedy(c, "kernel.timer_migration", "1"),
		"timer_migration is 0: timers stay on the CPU that armed them, isolated or not");
}

/*
 * kernel.sched_autogroup_enabled groups the tasks of each session: nice
 * values then only order tasks within a session, so renicing the daemon
 * against a shell's jobs does nothing. Servers usually turn it off.
 */
static void autogroup(ck_ctx *c)
{
	int64_t v;
	int r = ck_sysctl_s64(c, "kernel.sched_autogroup_enabled", &v);
	if (r == -ENOENT) {
		ck_skip(c, NULL,
			"kernel.sched_autogroup_enabled is absent on this kernel (no autogroup)");
		return;
	}
	if (r < 0) {
		ck_skip(c, NULL, "cannot read kernel.sched_autogroup_enabled: %s", strerror(-r));
		return;
	}
	if (v == 0) {
		ck_pass(c, "0", "0", "autogroup is off: nice values order all tasks");
		return;
	}
	ck_fail(c, "1", "0",
		ck_fmt(c, "%s, or add noautogroup to the kernel command line",
		       ck_sysctl_remedy(c, "kernel.sched_autogroup_enabled", "0")),
		"autogroup is on: nice values only order tasks within one session");
}

static const ck_rule rules[] = {
    {"scheduling.rt-runtime", HK_CHECK_SEVERITY_WARN,
     "kernel.sched_rt_runtime_us is -1 when real-time threads run", rt_runtime},
    {"scheduling.watchdog-isolated", HK_CHECK_SEVERITY_WARN,
     "the lockup detectors do not run on isolated CPUs", watchdog_isolated},
    {"scheduling.workqueue-isolated", HK_CHECK_SEVERITY_WARN,
     "unbound workqueues do not run on isolated CPUs", workqueue_isolated},
    {"scheduling.timer-migration", HK_CHECK_SEVERITY_INFO, "kernel.timer_migration is on",
     timer_migration},
    {"scheduling.autogroup", HK_CHECK_SEVERITY_INFO, "kernel.sched_autogroup_enabled is off",
     autogroup},
};

const ck_section ck_section_scheduling = {"scheduling", rules, ELEMENTSOF(rules)};
