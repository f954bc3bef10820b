/* SPDX-License-Identifier: MIT */
/*
 * The scheduling rules: real-time throttling, the lockup detectors and the
 * unbound workqueues on isolated CPUs, timer migration and autogroup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "check/check.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

#define PF_KTHREAD	  0x00200000u /* include/linux/sched.h: stat flags of a kernel thread */
#define SCHED_FIFO_POLICY 1
#define SCHED_RR_POLICY	  2

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_process *, hk_process_free)

/* The real-time threads found, and the first few named for the message. */
struct rt_found {
	unsigned n;
	char names[256];
	size_t used;
};

/* Counts @s when it is a real-time user-space thread; @tid 0 for a process's stat alone. */
static void rt_note(struct rt_found *f, const hk_proc_stat *s, int pid, int tid)
{
	uint64_t policy;
	if (!s || hk_proc_stat_get_u64(s, HK_STAT_POLICY, &policy) < 0 ||
	    (policy != SCHED_FIFO_POLICY && policy != SCHED_RR_POLICY))
		return;
	if (++f->n > 3 || f->used >= sizeof(f->names))
		return;
	int w = tid > 0 && tid != pid
		    ? snprintf(f->names + f->used, sizeof(f->names) - f->used,
			       "%s%s (%d thread %d, %s)", f->used ? ", " : "", hk_proc_stat_comm(s),
			       pid, tid, hk_sched_policy_name(policy))
		    : snprintf(f->names + f->used, sizeof(f->names) - f->used, "%s%s (%d, %s)",
			       f->used ? ", " : "", hk_proc_stat_comm(s), pid,
			       hk_sched_policy_name(policy));
	if (w > 0)
		f->used += (size_t)w;
}

/*
 * kernel.sched_rt_runtime_us: unless -1, real-time threads get at most that
 * many microseconds of each sched_rt_period_us; a SCHED_FIFO thread that
 * polls a NIC is then stopped for 50 ms each second (the default 950000 of
 * 1000000). Only user-space threads count: kernel threads (migration, ksoftirqd
 * at RT priority) are not throttled in practice. A thread-per-core daemon
 * sets SCHED_FIFO on its worker threads, not its main one, so every thread
 * of a user-space process is looked at (task/TID/stat); a process with one
 * thread is its stat alone, which keeps the cost to the multithreaded ones.
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
	struct rt_found f = {0};
	for (size_t i = 0; i < hk_process_list_count(l); i++) {
		const hk_proc_stat *s = hk_process_list_stat(l, i);
		int pid = hk_process_list_pid(l, i);
		uint64_t flags, threads;
		if (!s || hk_proc_stat_get_u64(s, HK_STAT_FLAGS, &flags) < 0 ||
		    (flags & PF_KTHREAD))
			continue;
		/* A zombie leader (it called pthread_exit) may still have running threads. */
		if (hk_proc_stat_get_u64(s, HK_STAT_NUM_THREADS, &threads) >= 0 && threads <= 1) {
			if (hk_proc_stat_state(s) != 'Z')
				rt_note(&f, s, pid, 0);
			continue;
		}
		_cleanup_(hk_process_freep) hk_process *p = NULL;
		if (hk_process_load(ck_root(c), pid, HK_PROCESS_LOAD(HK_PROCESS_THREADS), NULL,
				    &p) < 0 ||
		    hk_process_n_threads(p) == 0) {
			/* Exited, or a capture without task/: the main thread is all there is. */
			rt_note(&f, s, pid, 0);
			continue;
		}
		for (size_t t = 0; t < hk_process_n_threads(p); t++)
			rt_note(&f, hk_process_thread_stat(p, t), pid, hk_process_thread_tid(p, t));
	}
	if (f.n == 0) {
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
		"%u real-time thread%s (%s%s) may run only %lld us of every %lld us: a "
		"polling SCHED_FIFO thread is stopped for the rest",
		f.n, f.n == 1 ? "" : "s", f.names, f.n > 3 ? ", ..." : "", (long long)runtime,
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
	/* As wide as the possible CPUs: 9 bytes per 32 of them, 2304 for 8192. */
	unsigned nbits = hk_topology_cpu_limit(ck_topology(c));
	size_t n = hk_cpuset_format_mask(hk, nbits, NULL, 0);
	_cleanup_free_ char *hex = malloc(n + 1);
	if (!hex || hk_cpuset_format_mask(hk, nbits, hex, n + 1) != n) {
		ck_skip(c, NULL, "out of memory");
		return;
	}
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
