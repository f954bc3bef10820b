/* SPDX-License-Identifier: MIT */
/*
 * The memory rules: transparent huge pages, swap, huge page pools per node,
 * overcommit, NUMA reclaim and balancing, vmstat and writeback, compaction.
 * See docs/check-memory-security.md for why each matters and its sources.
 */
#include <errno.h>
#include <string.h>

#include "base/macro.h"
#include "check/check.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

#define streq(a, b) (strcmp((a), (b)) == 0)

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_process *, hk_process_free)

/* ---- Transparent huge pages ---- */

static const hk_thp *load_thp(ck_ctx *c)
{
	const hk_memory *m = ck_memory(c);
	if (!m) {
		ck_skip_unread(c, "the memory model");
		return NULL;
	}
	const hk_thp *t = hk_memory_thp(m);
	if (!t)
		ck_skip(c, NULL, "transparent huge pages are absent on this kernel");
	return t;
}

/* The selected value of @knob, or NULL after recording a skip. */
static const char *thp_selected(ck_ctx *c, const hk_thp *t, hk_thp_knob knob)
{
	const hk_thp_choice *ch = hk_thp_get_knob(t, knob);
	if (!ch || !hk_thp_choice_selected(ch)) {
		ck_skip(c, NULL, THP_DIR "/%s is absent on this kernel", hk_thp_knob_name(knob));
		return NULL;
	}
	return hk_thp_choice_selected(ch);
}

/*
 * "always" backs every anonymous mapping with huge pages: page faults may
 * compact memory (see defrag) and khugepaged scans and collapses the
 * daemon's memory behind its back, taking its mmap lock.
 */
static void thp_enabled(ck_ctx *c)
{
	const hk_thp *t = load_thp(c);
	if (!t)
		return;
	const char *sel = thp_selected(c, t, HK_THP_ENABLED);
	if (!sel)
		return;
	if (streq(sel, "never")) {
		ck_pass(c, sel, "madvise or never",
			"transparent huge pages are off (never): no mapping gets them, and "
			"khugepaged does not run");
		return;
	}
	if (!streq(sel, "always")) {
		ck_pass(c, sel, "madvise or never",
			"transparent huge pages are %s: only the mappings that ask get them", sel);
		return;
	}
	ck_fail(c, sel, "madvise",
		"echo madvise > " THP_DIR "/enabled; to keep it, add transparent_hugepage=madvise "
		"to GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot",
		"transparent huge pages are always on: every anonymous mapping may fault into "
		"compaction and khugepaged collapses pages under the daemon's mmap lock");
}

/*
 * defrag "always" stalls every THP fault in direct reclaim and compaction.
 * "defer+madvise" stalls only madvised regions (MADV_HUGEPAGE), as "madvise"
 * does, and for all others wakes kswapd and kcompactd, kernel threads that
 * run on the housekeeping CPUs: no fault of an ordinary mapping stalls, so
 * it passes like "madvise", "defer" and "never".
 */
static void thp_defrag(ck_ctx *c)
{
	const hk_thp *t = load_thp(c);
	if (!t)
		return;
	const hk_thp_choice *en = hk_thp_get_knob(t, HK_THP_ENABLED);
	if (en && hk_thp_choice_selected(en) && streq(hk_thp_choice_selected(en), "never")) {
		ck_pass(c, "enabled=never", "not always",
			"transparent huge pages are off: defrag does not apply");
		return;
	}
	const char *sel = thp_selected(c, t, HK_THP_DEFRAG);
	if (!sel)
		return;
	if (streq(sel, "defer+madvise")) {
		ck_pass(c, sel, "not always",
			"THP defrag is defer+madvise: only regions that asked with "
			"madvise(MADV_HUGEPAGE) may stall in direct compaction, as with madvise; "
			"other faults only wake kswapd and kcompactd in the background");
		return;
	}
	if (!streq(sel, "always")) {
		ck_pass(c, sel, "not always",
			"THP defrag is %s: page faults do not stall in direct compaction", sel);
		return;
	}
	ck_fail(c, sel, "madvise, defer+madvise, defer or never",
		"echo madvise > " THP_DIR "/defrag; to keep it, add the line 'w " THP_DIR
		"/defrag - - - - madvise' to /etc/tmpfiles.d/hostkit-thp.conf",
		"THP defrag is %s: page faults stall in direct reclaim and compaction "
		"(milliseconds) when no huge page is free",
		sel);
}

/*
 * khugepaged/defrag=1 lets khugepaged compact memory to find huge pages to
 * collapse into; while it collapses it holds the process's mmap lock, so
 * the daemon's page faults and mmap calls wait for it.
 */
static void khugepaged_defrag(ck_ctx *c)
{
	const hk_thp *t = load_thp(c);
	if (!t)
		return;
	const hk_thp_choice *en = hk_thp_get_knob(t, HK_THP_ENABLED);
	if (en && hk_thp_choice_selected(en) && streq(hk_thp_choice_selected(en), "never")) {
		ck_skip(c, NULL, "transparent huge pages are off: khugepaged does not run");
		return;
	}
	int64_t v = hk_thp_get_value(t, HK_THP_KHUGEPAGED_DEFRAG);
	if (v < 0) {
		ck_skip(c, NULL, THP_DIR "/khugepaged/defrag is absent on this kernel");
		return;
	}
	if (v == 0) {
		ck_pass(c, "0", "0", "khugepaged does not compact memory to collapse huge pages");
		return;
	}
	ck_fail(c, ck_fmt(c, "%lld", (long long)v), "0",
		"echo 0 > " THP_DIR "/khugepaged/defrag; to keep it, add the line 'w " THP_DIR
		"/khugepaged/defrag - - - - 0' to /etc/tmpfiles.d/hostkit-thp.conf",
		"khugepaged compacts memory to collapse huge pages, holding the daemon's mmap lock "
		"while it does");
}

/* ---- Swap ---- */

/*
 * With swap on and a high swappiness the kernel swaps out anonymous memory
 * of idle-looking daemons; the next touch is a major fault (milliseconds).
 */
static void swappiness(ck_ctx *c)
{
	const hk_memory *m = ck_memory(c);
	if (!m) {
		ck_skip_unread(c, "the memory model");
		return;
	}
	const hk_memfields *mi = hk_memory_meminfo(m);
	uint64_t swap = 0;
	bool swap_known = mi && hk_memfields_get(mi, "SwapTotal", &swap) >= 0;
	if (swap_known && swap == 0) {
		ck_pass(c, "swap off", "swap off, or vm.swappiness 0 or 1",
			"no swap is configured: anonymous memory is never swapped out");
		return;
	}
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, "vm.swappiness", &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v <= 1) {
		ck_pass(c, now, "0 or 1", "vm.swappiness is %lld: anonymous memory is swapped last",
			(long long)v);
		return;
	}
	ck_fail(c, now, "0 or 1",
		ck_fmt(c,
		       "%s (or turn swap off: swapoff -a, and remove the swap lines of /etc/fstab)",
		       ck_sysctl_remedy(c, "vm.swappiness", "1")),
		"vm.swappiness is %lld with %s: the kernel may swap out a daemon's memory, and its "
		"next touch is a major fault",
		(long long)v,
		swap_known ? ck_fmt(c, "%llu kB of swap", (unsigned long long)swap)
			   : "swap of unknown size (SwapTotal is absent from /proc/meminfo)");
}

/* ---- Huge page pools per node ---- */

static bool node_has_cpus(ck_ctx *c, unsigned id)
{
	const hk_topology *t = ck_topology(c);
	if (!t)
		return true;
	const hk_node *n = hk_topology_node_by_id(t, id);
	return !n || !hk_cpuset_is_empty(hk_node_cpus(n));
}

/*
 * A daemon allocates huge pages on its own node: a node whose pool is all
 * used, or that has none while others have some, makes its allocations
 * fail or go remote.
 */
static void hugepages_per_node(ck_ctx *c)
{
	const hk_memory *m = ck_memory(c);
	if (!m) {
		ck_skip_unread(c, "the memory model");
		return;
	}
	bool any = false;
	for (unsigned i = 0; i < hk_memory_n_hugepages(m); i++) {
		const hk_hugepages *h = hk_memory_hugepages(m, i);
		uint64_t kib = hk_hugepages_size_kib(h);
		int64_t most = 0;
		unsigned most_node = 0;
		for (unsigned j = 0; j < hk_hugepages_n_nodes(h); j++) {
			int64_t nr = hk_hugepages_node_get(h, j, HK_HUGEPAGES_TOTAL);
			if (nr > most) {
				most = nr;
				most_node = hk_hugepages_node_id(h, j);
			}
		}
		if (most <= 0)
			continue;
		any = true;
		for (unsigned j = 0; j < hk_hugepages_n_nodes(h); j++) {
			unsigned id = hk_hugepages_node_id(h, j);
			int64_t nr = hk_hugepages_node_get(h, j, HK_HUGEPAGES_TOTAL);
			int64_t fr = hk_hugepages_node_get(h, j, HK_HUGEPAGES_FREE);
			const char *path = ck_fmt(c,
						  "/sys/devices/system/node/node%u/hugepages/"
						  "hugepages-%llukB/nr_hugepages",
						  id, (unsigned long long)kib);
			if (nr < 0 || fr < 0) {
				ck_skip(c, NULL, "node %u: the %llu kB pool counters are absent",
					id, (unsigned long long)kib);
				continue;
			}
			const char *now =
			    ck_fmt(c, "%lld of %lld free", (long long)fr, (long long)nr);
			if (nr == 0) {
				if (!node_has_cpus(c, id)) {
					ck_pass(c, now, "none needed",
						"node %u has no CPU: no daemon allocates there",
						id);
					continue;
				}
				ck_fail(
				    c, now, ck_fmt(c, "%lld", (long long)most),
				    ck_fmt(c,
					   "echo %lld > %s; to keep it, add hugepagesz=%lluK "
					   "hugepages=<node>:<count>,... (e.g. %u:%lld,%u:%lld) to "
					   "GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, "
					   "reboot",
					   (long long)most, path, (unsigned long long)kib,
					   most_node, (long long)most, id, (long long)most),
				    "node %u has no %llu kB huge pages while node %u has %lld: "
				    "daemons on node %u get remote pages or none",
				    id, (unsigned long long)kib, most_node, (long long)most, id);
				continue;
			}
			if (fr == 0) {
				ck_fail(
				    c, now, "some free",
				    ck_fmt(c, "echo %lld > %s (twice the pool)", (long long)nr * 2,
					   path),
				    "node %u: all %lld huge pages of %llu kB are in use: the next "
				    "allocation on this node fails or goes remote",
				    id, (long long)nr, (unsigned long long)kib);
				continue;
			}
			ck_pass(c, now, "some free",
				"node %u: %lld of %lld huge pages of %llu kB free", id,
				(long long)fr, (long long)nr, (unsigned long long)kib);
		}
	}
	if (!any)
		ck_skip(c, NULL, "no huge pages are reserved on any node");
}

/* ---- Overcommit ---- */

/*
 * With vm.overcommit_memory=2 the kernel refuses allocations past
 * CommitLimit: a Committed_AS close to it means the next mmap or fork fails
 * with ENOMEM.
 */
static void overcommit(ck_ctx *c)
{
	const hk_memory *m = ck_memory(c);
	if (!m) {
		ck_skip_unread(c, "the memory model");
		return;
	}
	int64_t mode = hk_memory_overcommit(m, HK_OVERCOMMIT_MEMORY);
	if (mode < 0) {
		ck_skip(c, NULL, "vm.overcommit_memory is absent on this kernel");
		return;
	}
	const char *name = hk_overcommit_mode_name(mode);
	if (mode != 2) {
		ck_pass(c, ck_fmt(c, "%lld (%s)", (long long)mode, name ? name : "?"),
			"CommitLimit not enforced, or Committed_AS below 90% of it",
			"vm.overcommit_memory is %lld: CommitLimit is not enforced",
			(long long)mode);
		return;
	}
	const hk_memfields *mi = hk_memory_meminfo(m);
	uint64_t limit, committed;
	if (!mi || hk_memfields_get(mi, "CommitLimit", &limit) < 0 ||
	    hk_memfields_get(mi, "Committed_AS", &committed) < 0 || limit == 0) {
		ck_skip(c, NULL, "CommitLimit or Committed_AS is absent from /proc/meminfo");
		return;
	}
	const char *now =
	    ck_fmt(c, "%llu of %llu kB", (unsigned long long)committed, (unsigned long long)limit);
	if (committed < limit / 10 * 9) {
		ck_pass(c, now, "below 90% of CommitLimit", "Committed_AS is %llu%% of CommitLimit",
			(unsigned long long)(committed * 100 / limit));
		return;
	}
	/*
	 * CommitLimit = SwapTotal + vm.overcommit_kbytes when that is not 0, else
	 * SwapTotal + (MemTotal - Hugetlb) * overcommit_ratio / 100 (mm/util.c,
	 * vm_commit_limit()): the setting that makes Committed_AS 80% of it.
	 */
	uint64_t total = 0, swap = 0, hugetlb = 0;
	int64_t ratio = hk_memory_overcommit(m, HK_OVERCOMMIT_RATIO);
	int64_t kbytes = hk_memory_overcommit(m, HK_OVERCOMMIT_KBYTES);
	(void)hk_memfields_get(mi, "MemTotal", &total);
	(void)hk_memfields_get(mi, "SwapTotal", &swap);
	(void)hk_memfields_get(mi, "Hugetlb", &hugetlb);
	const char *remedy;
	uint64_t ram = total > hugetlb ? total - hugetlb : 0;
	uint64_t need = committed / 8 * 10;
	if (kbytes > 0) {
		uint64_t want = need > swap ? need - swap : 0;
		if (want <= (uint64_t)kbytes)
			want = (uint64_t)kbytes + (uint64_t)kbytes / 4;
		remedy = ck_fmt(c,
				"%s (vm.overcommit_kbytes, not overcommit_ratio, sets CommitLimit "
				"while it is not 0)",
				ck_sysctl_remedy(c, "vm.overcommit_kbytes",
						 ck_fmt(c, "%llu", (unsigned long long)want)));
	} else if (ram > 0 && need > swap && (need - swap) / (ram / 100 + 1) + 1 <= 100) {
		uint64_t want = (need - swap) / (ram / 100 + 1) + 1;
		if (ratio >= 0 && want <= (uint64_t)ratio)
			want = (uint64_t)ratio + 10 > 100 ? 100 : (uint64_t)ratio + 10;
		remedy = ck_sysctl_remedy(c, "vm.overcommit_ratio",
					  ck_fmt(c, "%llu", (unsigned long long)want));
	} else {
		remedy = ck_fmt(c, "%s (CommitLimit cannot grow enough with overcommit_ratio)",
				ck_sysctl_remedy(c, "vm.overcommit_memory", "0"));
	}
	ck_fail(
	    c, now, "below 90% of CommitLimit", remedy,
	    "vm.overcommit_memory is 2 and Committed_AS is %llu%% of CommitLimit%s: allocations "
	    "(mmap, fork, malloc) will fail with ENOMEM",
	    (unsigned long long)(committed * 100 / limit),
	    kbytes > 0 ? ck_fmt(c, " (set by vm.overcommit_kbytes=%lld)", (long long)kbytes) : "");
}

/* ---- NUMA ---- */

static unsigned n_nodes(ck_ctx *c)
{
	const hk_topology *t = ck_topology(c);
	if (t)
		return hk_topology_n_nodes(t);
	const hk_memory *m = ck_memory(c);
	return m ? hk_memory_n_nodes(m) : 1;
}

/*
 * zone_reclaim_mode makes an allocation reclaim (and maybe write back or
 * unmap) on its own node before it takes free memory from another: a
 * stall in the allocating thread.
 */
static void zone_reclaim(ck_ctx *c)
{
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, "vm.zone_reclaim_mode", &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v == 0) {
		ck_pass(c, now, "0", "allocations take remote memory rather than reclaim locally");
		return;
	}
	if (n_nodes(c) <= 1) {
		ck_skip(c, NULL, "one NUMA node: vm.zone_reclaim_mode=%lld does not apply",
			(long long)v);
		return;
	}
	ck_fail(c, now, "0", ck_sysctl_remedy(c, "vm.zone_reclaim_mode", "0"),
		"vm.zone_reclaim_mode is %lld: an allocation reclaims memory on its node (a stall "
		"of milliseconds) before it takes free memory from another",
		(long long)v);
}

#define PF_KTHREAD 0x00200000u

/*
 * Automatic NUMA balancing unmaps pages of every process to sample where
 * they are used, so each of its threads takes hinting page faults; a
 * process pinned to CPUs already has its memory where it runs.
 */
static void numa_balancing_pinned(ck_ctx *c)
{
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, "kernel.numa_balancing", &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v == 0) {
		ck_pass(c, now, "0 while processes are pinned", "automatic NUMA balancing is off");
		return;
	}
	if (n_nodes(c) <= 1) {
		ck_skip(c, NULL, "one NUMA node: automatic NUMA balancing does nothing");
		return;
	}
	const hk_topology *t = ck_topology(c);
	const hk_process_list *l = ck_processes(c);
	if (!t || !l) {
		ck_skip_unread(c, t ? "the processes" : "the CPU topology");
		return;
	}
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	size_t n_pinned = 0;
	const char *names = "";
	for (size_t i = 0; i < hk_process_list_count(l); i++) {
		uint64_t flags;
		const hk_proc_stat *st = hk_process_list_stat(l, i);
		if (st && hk_proc_stat_get_u64(st, HK_STAT_FLAGS, &flags) >= 0 &&
		    (flags & PF_KTHREAD))
			continue;
		_cleanup_(hk_process_freep) hk_process *p = NULL;
		if (hk_process_load(ck_root(c), hk_process_list_pid(l, i),
				    HK_PROCESS_LOAD(HK_PROCESS_STATUS), NULL, &p) < 0)
			continue;
		const hk_proc_status *s = hk_process_status(p);
		const hk_cpuset *allowed = s ? hk_proc_status_cpus_allowed(s) : NULL;
		if (!allowed || hk_cpuset_is_subset(online, allowed))
			continue;
		if (++n_pinned <= 5)
			names = ck_fmt(c, "%s%s%s (%d, CPUs %s)", names, n_pinned > 1 ? ", " : "",
				       st ? hk_proc_stat_comm(st) : "?", hk_process_list_pid(l, i),
				       ck_cpulist(c, allowed));
	}
	if (n_pinned == 0) {
		ck_pass(c, now, "0 while processes are pinned",
			"automatic NUMA balancing is on but no user process is pinned to CPUs");
		return;
	}
	ck_fail(c, now, "0",
		ck_fmt(c,
		       "%s; or add numa_balancing=disable to GRUB_CMDLINE_LINUX in "
		       "/etc/default/grub, update-grub, reboot",
		       ck_sysctl_remedy(c, "kernel.numa_balancing", "0")),
		"automatic NUMA balancing is on while %zu process%s pinned to CPUs: %s%s; their "
		"threads take NUMA hinting faults and page migrations",
		n_pinned, n_pinned == 1 ? " is" : "es are", names, n_pinned > 5 ? ", ..." : "");
}

/* ---- vmstat, writeback, compaction ---- */

/*
 * vmstat_update folds per-CPU counters every vm.stat_interval seconds, on
 * every CPU that has counters to fold: isolated CPUs are interrupted unless
 * the interval is long (tuned's realtime profile sets 10).
 */
static void stat_interval(ck_ctx *c)
{
	const hk_cpuset *iso =
	    ck_need_isolated_accepted(c, "no CPU is isolated: vmstat updates disturb no one");
	if (!iso)
		return;
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, "vm.stat_interval", &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v >= 10) {
		ck_pass(c, now, ">= 10", "vmstat updates run every %lld s on isolated CPUs %s",
			(long long)v, ck_cpulist(c, iso));
		return;
	}
	ck_fail(c, now, ">= 10", ck_sysctl_remedy(c, "vm.stat_interval", "10"),
		"vmstat updates interrupt isolated CPUs %s every %lld s", ck_cpulist(c, iso),
		(long long)v);
}

/* The dirty threshold of a ratio/bytes pair in bytes, 0 when unknown. */
static uint64_t dirty_bytes(int64_t ratio, int64_t bytes, uint64_t avail_kib)
{
	if (bytes > 0)
		return (uint64_t)bytes;
	if (ratio < 0)
		return 0;
	return avail_kib / 100 * (uint64_t)ratio * 1024;
}

/*
 * Background writeback must start below the limit where writers are
 * throttled; otherwise the kernel halves it and writers of the daemon's logs
 * block in balance_dirty_pages sooner than the settings say.
 */
static void dirty_background(ck_ctx *c)
{
	int64_t ratio, bg_ratio, bytes, bg_bytes;
	if (ck_sysctl_s64_or_skip(c, "vm.dirty_ratio", &ratio) < 0 ||
	    ck_sysctl_s64_or_skip(c, "vm.dirty_background_ratio", &bg_ratio) < 0 ||
	    ck_sysctl_s64_or_skip(c, "vm.dirty_bytes", &bytes) < 0 ||
	    ck_sysctl_s64_or_skip(c, "vm.dirty_background_bytes", &bg_bytes) < 0)
		return;
	const hk_memory *m = ck_memory(c);
	const hk_memfields *mi = m ? hk_memory_meminfo(m) : NULL;
	uint64_t avail = 0;
	if ((bytes <= 0 || bg_bytes <= 0) &&
	    (!mi || (hk_memfields_get(mi, "MemAvailable", &avail) < 0 &&
		     hk_memfields_get(mi, "MemTotal", &avail) < 0))) {
		ck_skip(c, NULL, "MemAvailable is absent from /proc/meminfo");
		return;
	}
	uint64_t fg = dirty_bytes(ratio, bytes, avail), bg = dirty_bytes(bg_ratio, bg_bytes, avail);
	const char *now = ck_fmt(c, "background %s, limit %s",
				 bg_bytes > 0 ? ck_fmt(c, "%lld bytes", (long long)bg_bytes)
					      : ck_fmt(c, "%lld%%", (long long)bg_ratio),
				 bytes > 0 ? ck_fmt(c, "%lld bytes", (long long)bytes)
					   : ck_fmt(c, "%lld%%", (long long)ratio));
	if (bg < fg) {
		ck_pass(c, now, "background below limit",
			"background writeback starts before writers are throttled");
		return;
	}
	const char *remedy = bytes > 0
				 ? ck_sysctl_remedy(c, "vm.dirty_background_bytes",
						    ck_fmt(c, "%lld", (long long)bytes / 2))
				 : ck_sysctl_remedy(c, "vm.dirty_background_ratio",
						    ck_fmt(c, "%lld", (long long)(ratio / 2)));
	ck_fail(c, now, "background below limit", remedy,
		"the background writeback threshold (%s) is not below the dirty limit: the kernel "
		"halves it, and writers are throttled sooner than configured",
		now);
}

/*
 * Proactive compaction (Linux 5.9+) compacts memory in the background on
 * every node, migrating pages the daemon uses: each migration unmaps the
 * page and faults the threads touching it.
 */
static void compaction_proactiveness(ck_ctx *c)
{
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, "vm.compaction_proactiveness", &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v == 0) {
		ck_pass(c, now, "0", "proactive compaction is off");
		return;
	}
	ck_fail(c, now, "0", ck_sysctl_remedy(c, "vm.compaction_proactiveness", "0"),
		"proactive compaction is %lld: kcompactd migrates pages in the background, and "
		"threads touching them fault",
		(long long)v);
}

static const ck_rule rules[] = {
    {"memory.thp-enabled", HK_CHECK_SEVERITY_WARN,
     "transparent huge pages are madvise or never, not always", thp_enabled},
    {"memory.thp-defrag", HK_CHECK_SEVERITY_FAIL,
     "THP defrag does not stall every page fault (not always)", thp_defrag},
    {"memory.khugepaged-defrag", HK_CHECK_SEVERITY_INFO,
     "khugepaged does not compact memory to collapse huge pages", khugepaged_defrag},
    {"memory.swappiness", HK_CHECK_SEVERITY_WARN, "swap is off, or vm.swappiness is 0 or 1",
     swappiness},
    {"memory.hugepages-per-node", HK_CHECK_SEVERITY_WARN,
     "every node with CPUs has free huge pages of each reserved size", hugepages_per_node},
    {"memory.overcommit", HK_CHECK_SEVERITY_WARN,
     "with vm.overcommit_memory=2, Committed_AS stays below 90% of CommitLimit", overcommit},
    {"memory.zone-reclaim", HK_CHECK_SEVERITY_FAIL, "vm.zone_reclaim_mode is 0 on NUMA hosts",
     zone_reclaim},
    {"memory.numa-balancing-pinned", HK_CHECK_SEVERITY_WARN,
     "automatic NUMA balancing is off while processes are pinned to CPUs", numa_balancing_pinned},
    {"memory.stat-interval", HK_CHECK_SEVERITY_INFO,
     "vm.stat_interval is at least 10 s when CPUs are isolated", stat_interval},
    {"memory.dirty-background", HK_CHECK_SEVERITY_INFO,
     "background writeback starts below the dirty limit", dirty_background},
    {"memory.compaction-proactiveness", HK_CHECK_SEVERITY_WARN,
     "proactive compaction is off (vm.compaction_proactiveness=0)", compaction_proactiveness},
};

const ck_section ck_section_memory = {"memory", rules, ELEMENTSOF(rules)};
