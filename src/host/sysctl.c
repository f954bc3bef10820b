/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/sysctl.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/sysctl.h"

#define PROC_SYS "proc/sys/"

/* Longest value text an error message quotes. */
#define QUOTE_MAX 64

struct hk_sysctl_info {
	const char *key;
	hk_sysctl_type type;
	hk_sysctl_section section;
	const char *meaning;
};

#define I HK_SYSCTL_INTEGER
#define V HK_SYSCTL_VECTOR
#define C HK_SYSCTL_CPULIST

/* Every sysctl the seeds name, by section, in the seeds' order within each. */
static const hk_sysctl_info known[] = {
    /* vm: lowmem, watermarks, dirtiness, reserves, OOM, NUMA */
    {"vm.lowmem_reserve_ratio", V, HK_SYSCTL_VM,
     "per zone, 1/ratio of lower zones kept from allocations that could use this zone"},
    {"vm.min_free_kbytes", I, HK_SYSCTL_VM,
     "free memory (KiB) kept for atomic allocations; sets the zones' min watermarks"},
    {"vm.watermark_boost_factor", I, HK_SYSCTL_VM,
     "watermark boost after fragmentation, in 1/10000 of the high watermark; 0 off"},
    {"vm.watermark_scale_factor", I, HK_SYSCTL_VM,
     "gap between min, low and high watermarks in 1/10000 of memory: when kswapd works"},
    {"vm.dirty_background_bytes", I, HK_SYSCTL_VM,
     "dirty memory (bytes) that starts background writeback; 0: the ratio is used"},
    {"vm.dirty_background_ratio", I, HK_SYSCTL_VM,
     "dirty memory (% of available) that starts background writeback"},
    {"vm.dirty_bytes", I, HK_SYSCTL_VM,
     "dirty memory (bytes) at which writers write back themselves; 0: the ratio is used"},
    {"vm.dirty_expire_centisecs", I, HK_SYSCTL_VM,
     "age (1/100 s) at which dirty data is written back"},
    {"vm.dirty_ratio", I, HK_SYSCTL_VM,
     "dirty memory (% of available) at which writers write back themselves"},
    {"vm.dirty_writeback_centisecs", I, HK_SYSCTL_VM,
     "interval (1/100 s) between writeback thread wake-ups; 0 off"},
    {"vm.dirtytime_expire_seconds", I, HK_SYSCTL_VM,
     "age (s) at which inodes dirty only in their times (lazytime) are written back"},
    {"vm.extfrag_threshold", I, HK_SYSCTL_VM,
     "fragmentation index (0-1000) above which memory is compacted rather than reclaimed"},
    {"vm.admin_reserve_kbytes", I, HK_SYSCTL_VM,
     "memory (KiB) kept for root to recover with when overcommit is strict"},
    {"vm.user_reserve_kbytes", I, HK_SYSCTL_VM,
     "memory (KiB) kept from any one process when overcommit is strict"},
    {"vm.swappiness", I, HK_SYSCTL_VM,
     "preference (0-200) for swapping anonymous memory over dropping page cache"},
    {"vm.compact_memory", I, HK_SYSCTL_VM, "write-only: writing 1 compacts all memory"},
    {"vm.drop_caches", I, HK_SYSCTL_VM,
     "write-only: writing 1, 2 or 3 drops the page cache, slab objects, or both"},
    {"vm.memory_failure_early_kill", I, HK_SYSCTL_VM,
     "1: kill a process as soon as an uncorrected memory error hits its page; 0: on access"},
    {"vm.memory_failure_recovery", I, HK_SYSCTL_VM,
     "1: try to recover from uncorrected memory errors; 0: panic"},
    {"vm.oom_dump_tasks", I, HK_SYSCTL_VM, "1: the OOM killer logs every task's memory use"},
    {"vm.oom_kill_allocating_task", I, HK_SYSCTL_VM,
     "1: the OOM killer kills the task that asked, not the largest"},
    {"vm.overcommit_kbytes", I, HK_SYSCTL_VM,
     "commit limit (KiB) over swap in mode 2; 0: overcommit_ratio is used"},
    {"vm.overcommit_memory", I, HK_SYSCTL_VM,
     "0 heuristic overcommit, 1 always overcommit, 2 strict commit limit"},
    {"vm.overcommit_ratio", I, HK_SYSCTL_VM, "commit limit (% of RAM) over swap in mode 2"},
    {"vm.panic_on_oom", I, HK_SYSCTL_VM,
     "0 kill a process on OOM, 1 panic unless the OOM is cpuset/memcg bound, 2 panic"},
    {"vm.zone_reclaim_mode", I, HK_SYSCTL_VM,
     "reclaim on the local node before using another (1 on, 2 write dirty, 4 swap); 0 off"},

    /* kernel: NUMA balancing */
    {"kernel.numa_balancing", I, HK_SYSCTL_KERNEL,
     "automatic NUMA balancing: 0 off, 1 on, 2 memory tiering, 3 both"},
    {"kernel.numa_balancing_scan_delay_ms", I, HK_SYSCTL_KERNEL,
     "CPU time (ms) a task uses before NUMA balancing first scans it (debugfs since 5.13)"},
    {"kernel.numa_balancing_scan_period_min_ms", I, HK_SYSCTL_KERNEL,
     "shortest interval (ms) between NUMA balancing scans of a task (debugfs since 5.13)"},
    {"kernel.numa_balancing_scan_period_max_ms", I, HK_SYSCTL_KERNEL,
     "longest interval (ms) between NUMA balancing scans of a task (debugfs since 5.13)"},
    {"kernel.numa_balancing_scan_size_mb", I, HK_SYSCTL_KERNEL,
     "memory (MiB) one NUMA balancing scan covers (debugfs since 5.13)"},
    {"kernel.numa_balancing_settle_count", I, HK_SYSCTL_KERNEL,
     "scans before NUMA balancing settles a task's node (kernels before 3.13)"},
    {"kernel.numa_balancing_promote_rate_limit_MBps", I, HK_SYSCTL_KERNEL,
     "most MB/s memory tiering may promote to faster nodes"},
    /* kernel: miscellany */
    {"kernel.acct", V, HK_SYSCTL_KERNEL,
     "BSD accounting: resume above highwater %, suspend below lowwater % free, check every N s"},
    {"kernel.perf_cpu_time_max_percent", I, HK_SYSCTL_KERNEL,
     "CPU time (%) perf sampling may take before its rate is cut; 0 no limit"},
    {"kernel.perf_event_max_contexts_per_stack", I, HK_SYSCTL_KERNEL,
     "most context entries (user/kernel switches) in a perf call chain"},
    {"kernel.perf_event_max_sample_rate", I, HK_SYSCTL_KERNEL,
     "highest perf sampling rate (samples/s)"},
    {"kernel.perf_event_mlock_kb", I, HK_SYSCTL_KERNEL,
     "memory (KiB) an unprivileged user may lock for perf buffers"},
    {"kernel.perf_event_max_stack", I, HK_SYSCTL_KERNEL, "most frames in a perf call chain"},
    {"kernel.perf_event_paranoid", I, HK_SYSCTL_KERNEL,
     "perf for users: -1 all, 0 no raw tracepoints, 1 no kernel profiling, 2 own code only"},
    {"kernel.pty.max", I, HK_SYSCTL_KERNEL, "most pseudo terminals"},
    {"kernel.pty.nr", I, HK_SYSCTL_KERNEL, "pseudo terminals in use (read only)"},
    {"kernel.pty.reserve", I, HK_SYSCTL_KERNEL,
     "pseudo terminals kept for the initial devpts instance"},
    {"kernel.keys.gc_delay", I, HK_SYSCTL_KERNEL,
     "seconds before an expired or revoked key is collected"},
    {"kernel.keys.maxbytes", I, HK_SYSCTL_KERNEL, "key payload bytes a non-root user may hold"},
    {"kernel.keys.maxkeys", I, HK_SYSCTL_KERNEL, "keys a non-root user may hold"},
    {"kernel.keys.persistent_keyring_expiry", I, HK_SYSCTL_KERNEL,
     "seconds an unused persistent keyring lives"},
    {"kernel.keys.root_maxbytes", I, HK_SYSCTL_KERNEL, "key payload bytes root may hold"},
    {"kernel.keys.root_maxkeys", I, HK_SYSCTL_KERNEL, "keys root may hold"},
    /* kernel: System V IPC */
    {"kernel.shmall", I, HK_SYSCTL_KERNEL, "System V shared memory pages, system wide"},
    {"kernel.shmmax", I, HK_SYSCTL_KERNEL, "largest System V shared memory segment (bytes)"},
    {"kernel.shmmni", I, HK_SYSCTL_KERNEL, "most System V shared memory segments"},
    {"kernel.shm_rmid_forced", I, HK_SYSCTL_KERNEL,
     "1: System V segments are destroyed when no process uses them"},
    {"kernel.msg_next_id", I, HK_SYSCTL_KERNEL,
     "id of the next System V message queue; -1 any (checkpoint/restore)"},
    {"kernel.sem_next_id", I, HK_SYSCTL_KERNEL,
     "id of the next System V semaphore set; -1 any (checkpoint/restore)"},
    {"kernel.shm_next_id", I, HK_SYSCTL_KERNEL,
     "id of the next System V shared memory segment; -1 any (checkpoint/restore)"},
    /* kernel: hung tasks */
    {"kernel.hung_task_check_count", I, HK_SYSCTL_KERNEL,
     "most tasks the hung task detector checks"},
    {"kernel.hung_task_timeout_secs", I, HK_SYSCTL_KERNEL,
     "seconds in uninterruptible sleep after which a task is reported hung; 0 off"},
    {"kernel.hung_task_check_interval_secs", I, HK_SYSCTL_KERNEL,
     "seconds between hung task checks; 0: the timeout"},
    {"kernel.hung_task_warnings", I, HK_SYSCTL_KERNEL,
     "hung task reports left to print; -1 no limit"},
    {"kernel.hung_task_panic", I, HK_SYSCTL_KERNEL, "1: panic when a hung task is found"},
    {"kernel.hung_task_all_cpu_backtrace", I, HK_SYSCTL_KERNEL,
     "1: print every CPU's backtrace when a hung task is found"},
    {"kernel.hung_task_detect_count", I, HK_SYSCTL_KERNEL,
     "hung tasks found since boot (read only, 6.13 and later)"},
    /* kernel: processes and real-time scheduling */
    {"kernel.pid_max", I, HK_SYSCTL_KERNEL, "one above the highest process id"},
    {"kernel.sched_rr_timeslice_ms", I, HK_SYSCTL_KERNEL, "SCHED_RR time slice (ms)"},
    {"kernel.sched_rt_period_us", I, HK_SYSCTL_KERNEL,
     "period (us) over which real-time tasks' CPU time is capped"},
    {"kernel.sched_rt_runtime_us", I, HK_SYSCTL_KERNEL,
     "CPU time (us) real-time tasks may use per period; -1 no cap"},
    /* kernel: lockup detectors */
    {"kernel.watchdog", I, HK_SYSCTL_KERNEL, "1: soft and hard lockup detectors on"},
    {"kernel.watchdog_cpumask", C, HK_SYSCTL_KERNEL, "CPUs the lockup detectors run on"},
    {"kernel.watchdog_thresh", I, HK_SYSCTL_KERNEL,
     "seconds before a hard lockup is reported (soft lockup: twice); 0 off"},
    {"kernel.nmi_watchdog", I, HK_SYSCTL_KERNEL, "1: hard lockup detector (NMI watchdog) on"},
    {"kernel.soft_watchdog", I, HK_SYSCTL_KERNEL, "1: soft lockup detector on"},

    /* fs */
    {"fs.dir-notify-enable", I, HK_SYSCTL_FS, "1: dnotify directory notifications on"},
    {"fs.mount-max", I, HK_SYSCTL_FS, "most mounts in one mount namespace"},

    /* net.core */
    {"net.core.netdev_budget", I, HK_SYSCTL_NET,
     "most packets one NET_RX softirq takes from all NAPI instances"},
    {"net.core.netdev_budget_usecs", I, HK_SYSCTL_NET, "longest (us) one NET_RX softirq runs"},
    {"net.core.netdev_max_backlog", I, HK_SYSCTL_NET,
     "packets queued per CPU when they come faster than the kernel takes them"},
    {"net.core.dev_weight", I, HK_SYSCTL_NET,
     "packets one poll of a CPU's backlog (RPS, non-NAPI) takes"},
    {"net.core.dev_weight_rx_bias", I, HK_SYSCTL_NET, "dev_weight multiplier for receive"},
    {"net.core.dev_weight_tx_bias", I, HK_SYSCTL_NET, "dev_weight multiplier for transmit"},
    {"net.core.rps_sock_flow_entries", I, HK_SYSCTL_NET,
     "entries of RFS's global flow table; 0: RFS off"},
    {"net.core.busy_poll", I, HK_SYSCTL_NET,
     "time (us) poll and select busy-wait on sockets; 0 off"},
    {"net.core.busy_read", I, HK_SYSCTL_NET, "time (us) socket reads busy-wait; 0 off"},
};

#undef I
#undef V
#undef C

const char *hk_sysctl_type_name(hk_sysctl_type type)
{
	switch (type) {
	case HK_SYSCTL_INTEGER:
		return "integer";
	case HK_SYSCTL_VECTOR:
		return "vector";
	case HK_SYSCTL_CPULIST:
		return "cpulist";
	case HK_SYSCTL_STRING:
		return "string";
	}
	return "unknown";
}

const char *hk_sysctl_section_name(hk_sysctl_section section)
{
	switch (section) {
	case HK_SYSCTL_VM:
		return "vm";
	case HK_SYSCTL_KERNEL:
		return "kernel";
	case HK_SYSCTL_FS:
		return "fs";
	case HK_SYSCTL_NET:
		return "net";
	case HK_SYSCTL_OTHER:
		return "other";
	}
	return "unknown";
}

/* ------------------------------------------------------------------------ */
/* Keys */

/* Checks the components of a slash path: none empty, "." or "..". */
static bool path_valid(const char *p, size_t len)
{
	const char *end = p + len;

	if (len == 0)
		return false;
	while (p <= end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			break;
		p = slash + 1;
	}
	return true;
}

/* Swaps '.' and '/' in (buf, len) into a new string. */
static char *swap_separators(const char *buf, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = buf[i] == '.' ? '/' : buf[i] == '/' ? '.' : buf[i];
	s[len] = 0;
	return s;
}

int hk_sysctl_key_to_path(const char *key, size_t len, char **ret)
{
	_cleanup_free_ char *path = NULL;

	if (!key || len == 0 || memchr(key, 0, len))
		return -EINVAL;

	/* As sysctl(8)'s slashdot(): the first separator says which form the key is in. */
	size_t i = 0;
	while (i < len && key[i] != '.' && key[i] != '/')
		i++;
	if (i < len && key[i] == '.')
		path = swap_separators(key, len);
	else
		path = strndup(key, len);
	if (!path)
		return -ENOMEM;
	if (!path_valid(path, len))
		return -EINVAL;
	*ret = TAKE_PTR(path);
	return 0;
}

int hk_sysctl_path_to_key(const char *path, size_t len, char **ret)
{
	if (!path || len == 0 || memchr(path, 0, len) || !path_valid(path, len))
		return -EINVAL;
	char *key = swap_separators(path, len);
	if (!key)
		return -ENOMEM;
	*ret = key;
	return 0;
}

hk_sysctl_section hk_sysctl_section_of(const char *key)
{
	static const struct {
		const char *name;
		hk_sysctl_section section;
	} sections[] = {
	    {"vm", HK_SYSCTL_VM},
	    {"kernel", HK_SYSCTL_KERNEL},
	    {"fs", HK_SYSCTL_FS},
	    {"net", HK_SYSCTL_NET},
	};
	size_t n = strcspn(key, ".");

	for (unsigned i = 0; i < ELEMENTSOF(sections); i++)
		if (strlen(sections[i].name) == n && memcmp(key, sections[i].name, n) == 0)
			return sections[i].section;
	return HK_SYSCTL_OTHER;
}

/* ------------------------------------------------------------------------ */
/* The table */

unsigned hk_sysctl_n_known(void)
{
	return ELEMENTSOF(known);
}

const hk_sysctl_info *hk_sysctl_known(unsigned i)
{
	return i < ELEMENTSOF(known) ? &known[i] : NULL;
}

static const hk_sysctl_info *lookup_dotted(const char *key)
{
	for (unsigned i = 0; i < ELEMENTSOF(known); i++)
		if (strcmp(known[i].key, key) == 0)
			return &known[i];
	return NULL;
}

const hk_sysctl_info *hk_sysctl_lookup(const char *key)
{
	_cleanup_free_ char *path = NULL, *dotted = NULL;

	if (!key || hk_sysctl_key_to_path(key, strlen(key), &path) < 0 ||
	    hk_sysctl_path_to_key(path, strlen(path), &dotted) < 0)
		return NULL;
	return lookup_dotted(dotted);
}

const char *hk_sysctl_info_key(const hk_sysctl_info *info)
{
	return info->key;
}

hk_sysctl_type hk_sysctl_info_type(const hk_sysctl_info *info)
{
	return info->type;
}

hk_sysctl_section hk_sysctl_info_section(const hk_sysctl_info *info)
{
	return info->section;
}

const char *hk_sysctl_info_meaning(const hk_sysctl_info *info)
{
	return info->meaning;
}

/* ------------------------------------------------------------------------ */
/* Values */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The next blank-separated token of (*p, end), or false at the end. */
static bool next_token(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	const char *s = *p;

	while (s < end && is_blank(*s))
		s++;
	if (s == end)
		return false;
	const char *t = s;
	while (t < end && !is_blank(*t))
		t++;
	*ret = s;
	*ret_len = (size_t)(t - s);
	*p = t;
	return true;
}

static int parse_one_integer(const char *s, size_t n, hk_sysctl_int *ret)
{
	uint64_t m;
	int r;

	if (n > 0 && s[0] == '-') {
		int64_t v;
		r = hk_parse_s64(s, n, &v);
		if (r < 0)
			return r;
		/* "-0" is zero, not a negative number. */
		*ret = (hk_sysctl_int){v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : 0};
		return 0;
	}
	r = hk_parse_u64(s, n, 10, &m);
	if (r < 0)
		return r;
	*ret = (hk_sysctl_int){false, m};
	return 0;
}

int hk_sysctl_parse_integers(const char *buf, size_t len, hk_sysctl_int **ret, unsigned *ret_n)
{
	_cleanup_free_ hk_sysctl_int *v = NULL;
	const char *p = buf, *end = buf + len, *tok;
	unsigned n = 0, cap = 0;
	size_t tlen;

	if (!buf && len > 0)
		return -EINVAL;
	while (next_token(&p, end, &tok, &tlen)) {
		if (n == cap) {
			if (cap >= 1u << 20)
				return -E2BIG;
			cap = cap ? cap * 2 : 8;
			hk_sysctl_int *g = realloc(v, cap * sizeof(*v));
			if (!g)
				return -ENOMEM;
			v = g;
		}
		int r = parse_one_integer(tok, tlen, &v[n]);
		if (r < 0)
			return r;
		n++;
	}
	if (n == 0)
		return -EINVAL;
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

hk_sysctl_type hk_sysctl_guess_type(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *tok;
	unsigned n = 0;
	size_t tlen;

	if (!buf)
		return HK_SYSCTL_STRING;
	while (next_token(&p, end, &tok, &tlen)) {
		hk_sysctl_int v;
		if (parse_one_integer(tok, tlen, &v) < 0)
			return HK_SYSCTL_STRING;
		n++;
	}
	return n == 0 ? HK_SYSCTL_STRING : n == 1 ? HK_SYSCTL_INTEGER : HK_SYSCTL_VECTOR;
}

struct hk_sysctl {
	char *key;
	char *path;
	hk_sysctl_state state;
	int error;
	const hk_sysctl_info *info;
	hk_sysctl_type type;
	hk_sysctl_section section;
	char *text;
	hk_sysctl_int *values;
	unsigned n_values;
	hk_cpuset *cpus;
};

void hk_sysctl_free(hk_sysctl *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->path);
	free(s->text);
	free(s->values);
	hk_cpuset_free(s->cpus);
	free(s);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_sysctl *, hk_sysctl_free)

/* Parses s->text as s->type. */
static int parse_value(hk_sysctl *s, hk_diag *diag)
{
	size_t len = strlen(s->text);
	int r = 0;

	switch (s->type) {
	case HK_SYSCTL_INTEGER:
	case HK_SYSCTL_VECTOR:
		r = hk_sysctl_parse_integers(s->text, len, &s->values, &s->n_values);
		if (r == 0 && s->type == HK_SYSCTL_INTEGER && s->n_values != 1) {
			free(TAKE_PTR(s->values));
			s->n_values = 0;
			r = -EINVAL;
		}
		break;
	case HK_SYSCTL_CPULIST:
		s->cpus = hk_cpuset_new();
		if (!s->cpus)
			return -ENOMEM;
		r = hk_cpuset_parse_list(s->cpus, s->text, len);
		break;
	case HK_SYSCTL_STRING:
		break;
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		hk_diag_set(diag, r, s->path, "cannot parse %s '%.*s' in %s, line 1: %s",
			    hk_sysctl_type_name(s->type), QUOTE_MAX, s->text, s->path,
			    strerror(-r));
		if (diag)
			diag->line = 1;
	}
	return r;
}

/* @key's path under proc/sys, or -EINVAL with @diag saying the key is malformed. */
static int key_to_rel(const char *key, hk_diag *diag, char **ret)
{
	if (!key)
		return -EINVAL;
	int r = hk_sysctl_key_to_path(key, strlen(key), ret);
	if (r == -EINVAL)
		return hk_diag_set(diag, r, "", "'%.*s' is not a sysctl key", QUOTE_MAX, key);
	return r;
}

int hk_sysctl_read(hk_root *root, const char *key, hk_diag *diag, hk_sysctl **ret)
{
	_cleanup_(hk_sysctl_freep) hk_sysctl *s = calloc(1, sizeof(*s));
	_cleanup_free_ char *rel = NULL, *buf = NULL;
	size_t len;
	int r;

	if (!s)
		return -ENOMEM;
	r = key_to_rel(key, diag, &rel);
	if (r < 0)
		return r;
	r = hk_sysctl_path_to_key(rel, strlen(rel), &s->key);
	if (r < 0)
		return r;
	s->path = malloc(strlen(PROC_SYS) + strlen(rel) + 1);
	if (!s->path)
		return -ENOMEM;
	strcpy(s->path, PROC_SYS);
	strcat(s->path, rel);

	s->info = lookup_dotted(s->key);
	s->section = s->info ? s->info->section : hk_sysctl_section_of(s->key);
	s->type = s->info ? s->info->type : HK_SYSCTL_STRING;

	r = hk_root_read(root, s->path, &buf, &len);
	if (r == -EISDIR)
		return hk_diag_set(diag, r, s->path, "'%s' is a directory of sysctls, not one",
				   s->key);
	if (r == -ENOENT || r == -ENOTDIR) {
		s->state = HK_SYSCTL_ABSENT;
	} else if (r == -ENOMEM) {
		return r;
	} else if (r < 0) {
		s->state = HK_SYSCTL_UNREADABLE;
		s->error = r;
	} else {
		const char *p = buf;
		hk_trim(&p, &len);
		s->text = strndup(p, len);
		if (!s->text)
			return -ENOMEM;
		if (memchr(p, 0, len))
			len = strlen(s->text);
		if (!s->info)
			s->type = hk_sysctl_guess_type(s->text, len);
		r = parse_value(s, diag);
		if (r < 0)
			return r;
		s->state = HK_SYSCTL_PRESENT;
	}

	*ret = TAKE_PTR(s);
	return 0;
}

const char *hk_sysctl_key(const hk_sysctl *s)
{
	return s->key;
}

const char *hk_sysctl_path(const hk_sysctl *s)
{
	return s->path;
}

hk_sysctl_state hk_sysctl_get_state(const hk_sysctl *s)
{
	return s->state;
}

int hk_sysctl_error(const hk_sysctl *s)
{
	return s->error;
}

const hk_sysctl_info *hk_sysctl_get_info(const hk_sysctl *s)
{
	return s->info;
}

hk_sysctl_type hk_sysctl_get_type(const hk_sysctl *s)
{
	return s->type;
}

hk_sysctl_section hk_sysctl_get_section(const hk_sysctl *s)
{
	return s->section;
}

const char *hk_sysctl_text(const hk_sysctl *s)
{
	return s->text;
}

unsigned hk_sysctl_n_values(const hk_sysctl *s)
{
	return s->n_values;
}

int hk_sysctl_value_s64(const hk_sysctl *s, unsigned i, int64_t *ret)
{
	if (i >= s->n_values)
		return -ERANGE;
	const hk_sysctl_int *v = &s->values[i];
	if (v->negative) {
		if (v->magnitude > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*ret = v->magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v->magnitude;
		return 0;
	}
	if (v->magnitude > INT64_MAX)
		return -ERANGE;
	*ret = (int64_t)v->magnitude;
	return 0;
}

int hk_sysctl_value_u64(const hk_sysctl *s, unsigned i, uint64_t *ret)
{
	if (i >= s->n_values || s->values[i].negative)
		return -ERANGE;
	*ret = s->values[i].magnitude;
	return 0;
}

bool hk_sysctl_value_negative(const hk_sysctl *s, unsigned i)
{
	return i < s->n_values && s->values[i].negative;
}

const hk_cpuset *hk_sysctl_cpus(const hk_sysctl *s)
{
	return s->cpus;
}

/* Reads @key and checks that it is one integer; *ret is the sysctl. */
static int read_integer(hk_root *root, const char *key, hk_diag *diag, hk_sysctl **ret)
{
	_cleanup_(hk_sysctl_freep) hk_sysctl *s = NULL;

	int r = hk_sysctl_read(root, key, diag, &s);
	if (r < 0)
		return r;
	switch (s->state) {
	case HK_SYSCTL_ABSENT:
		return hk_diag_set(diag, -ENOENT, s->path, "sysctl %s does not exist", s->key);
	case HK_SYSCTL_UNREADABLE:
		return hk_diag_set(diag, s->error, s->path, "cannot read sysctl %s: %s", s->key,
				   strerror(-s->error));
	case HK_SYSCTL_PRESENT:
		break;
	}
	if (s->type != HK_SYSCTL_INTEGER) {
		hk_diag_set(diag, -EINVAL, s->path, "sysctl %s is not one integer: '%.*s'", s->key,
			    QUOTE_MAX, s->text);
		if (diag)
			diag->line = 1;
		return -EINVAL;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

int hk_sysctl_read_s64(hk_root *root, const char *key, hk_diag *diag, int64_t *ret)
{
	_cleanup_(hk_sysctl_freep) hk_sysctl *s = NULL;

	int r = read_integer(root, key, diag, &s);
	if (r < 0)
		return r;
	r = hk_sysctl_value_s64(s, 0, ret);
	if (r < 0)
		return hk_diag_set(diag, r, s->path, "sysctl %s (%s) does not fit an int64", s->key,
				   s->text);
	return 0;
}

int hk_sysctl_read_u64(hk_root *root, const char *key, hk_diag *diag, uint64_t *ret)
{
	_cleanup_(hk_sysctl_freep) hk_sysctl *s = NULL;

	int r = read_integer(root, key, diag, &s);
	if (r < 0)
		return r;
	r = hk_sysctl_value_u64(s, 0, ret);
	if (r < 0)
		return hk_diag_set(diag, r, s->path, "sysctl %s (%s) is negative", s->key, s->text);
	return 0;
}

/* ---- The sysctls under a directory ---- */

/* /proc/sys is a few levels deep; this bounds a tree with a loop in it. */
#define LIST_DEPTH_MAX 16

struct keyvec {
	char **v;
	size_t n, cap;
};

static void keyvec_done(struct keyvec *kv)
{
	for (size_t i = 0; i < kv->n; i++)
		free(kv->v[i]);
	free(kv->v);
	*kv = (struct keyvec){0};
}

static int keyvec_add_path(struct keyvec *kv, const char *rel)
{
	char *key;
	int r = hk_sysctl_path_to_key(rel, strlen(rel), &key);

	if (r < 0)
		return r == -EINVAL ? 0 : r; /* a name no key can spell: left out */
	if (kv->n == kv->cap) {
		size_t cap = kv->cap ? kv->cap * 2 : 16;
		char **v = reallocarray(kv->v, cap, sizeof(*v));
		if (!v) {
			free(key);
			return -ENOMEM;
		}
		kv->v = v;
		kv->cap = cap;
	}
	kv->v[kv->n++] = key;
	return 0;
}

/*
 * Adds the keys of the files under directory @path (root-relative, "proc/sys/"
 * and the key's path, @len bytes, in a PATH_MAX buffer the recursion shares),
 * recursively. A subdirectory that vanished since it was listed (an
 * interface going away) is skipped; only the top directory's absence is
 * -ENOENT.
 */
static int list_under(hk_root *root, char *path, size_t len, unsigned depth, struct keyvec *kv)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if (depth > LIST_DEPTH_MAX)
		return -ELOOP;
	r = hk_root_opendir(root, path, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len + 1 + n >= PATH_MAX)
			return -ENAMETOOLONG;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		r = 0;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			r = list_under(root, path, len + 1 + n, depth + 1, kv);
			if (r == -ENOENT)
				r = 0; /* gone since readdir() */
			else if (r == -ENOTDIR)
				r = keyvec_add_path(kv, path + strlen(PROC_SYS));
		} else if (de->d_type == DT_REG) {
			r = keyvec_add_path(kv, path + strlen(PROC_SYS));
		} /* else: /proc/sys has files and directories only */
		path[len] = 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hk_sysctl_list_dir(hk_root *root, const char *key, hk_diag *diag, char ***ret, size_t *ret_n)
{
	_cleanup_(keyvec_done) struct keyvec kv = {0};
	_cleanup_free_ char *rel = NULL;
	int r;

	r = key_to_rel(key, diag, &rel);
	if (r < 0)
		return r;
	char path[PATH_MAX];
	size_t len = strlen(PROC_SYS) + strlen(rel);
	if (len >= sizeof(path))
		return hk_diag_set(diag, -ENAMETOOLONG, "", "sysctl key '%.*s' is too long", QUOTE_MAX,
				   key);
	strcpy(path, PROC_SYS);
	strcat(path, rel);
	r = list_under(root, path, len, 0, &kv);
	if (r == -ENOENT || r == -ENOTDIR)
		return r;
	if (r < 0)
		return hk_diag_set(diag, r, PROC_SYS, "cannot list the sysctls under '%s': %s",
				   key, strerror(-r));
	qsort(kv.v, kv.n, sizeof(*kv.v), key_cmp);

	/* One block: the pointers, a NULL, then the strings. */
	size_t size = (kv.n + 1) * sizeof(char *);
	for (size_t i = 0; i < kv.n; i++)
		size += strlen(kv.v[i]) + 1;
	char **out = malloc(size);
	if (!out)
		return -ENOMEM;
	char *p = (char *)(out + kv.n + 1);
	for (size_t i = 0; i < kv.n; i++) {
		size_t klen = strlen(kv.v[i]) + 1;
		out[i] = memcpy(p, kv.v[i], klen);
		p += klen;
	}
	out[kv.n] = NULL;
	*ret = out;
	*ret_n = kv.n;
	return 0;
}

