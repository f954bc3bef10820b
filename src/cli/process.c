/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/parse.h"
#include "cli/cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_process_list *, hk_process_list_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_process *, hk_process_free)

/* Width of the label column of `inspect process`. */
#define LABEL_WIDTH 28

/* ---- Helpers ---- */

/* "field": the number as written (signed or not), null when absent. */
static void json_stat_field(hk_json *j, const char *key, const hk_proc_stat *s, hk_stat_field f)
{
	uint64_t u;
	int64_t v;

	hk_json_key(j, key);
	if (hk_proc_stat_get_u64(s, f, &u) >= 0)
		hk_json_u64(j, u);
	else if (hk_proc_stat_get_s64(s, f, &v) >= 0)
		hk_json_s64(j, v);
	else
		hk_json_null(j);
}

static void json_char(hk_json *j, const char *key, char c)
{
	hk_json_key(j, key);
	if (c)
		hk_json_string_len(j, &c, 1);
	else
		hk_json_null(j);
}

/* Text for people: control bytes (a newline in a comm) become '?', as ps(1) shows them. */
static void put_text(hk_strbuf *sb, const char *s)
{
	for (; *s; s++)
		hk_strbuf_putc(sb, ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

/* A status value: its tabs (between Uid's four ids) as blanks, other control bytes as '?'. */
static void put_value(hk_strbuf *sb, const char *s)
{
	for (; *s; s++)
		hk_strbuf_putc(sb, *s == '\t'				      ? ' '
				   : ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?'
									      : *s);
}

static void put_label(hk_strbuf *sb, const char *label)
{
	cli_row_begin(sb);
	/* A label wider than the column (nonvoluntary_ctxt_switches) keeps a blank. */
	cli_cell(sb, LABEL_WIDTH - 2, "%s", label);
}

/* Why an item could not be read, for JSON and text alike. */
static const char *item_reason(int r)
{
	switch (-r) {
	case ENOENT:
	case ENOTDIR:
		return "absent";
	case EACCES:
	case EPERM:
		return "permission denied";
	case ESRCH:
		return "no such data (a kernel thread, or the process exited)";
	case ENODATA:
		return "not read";
	default:
		return strerror(-r);
	}
}

static int64_t stat_s64(const hk_proc_stat *s, hk_stat_field f, int64_t fallback)
{
	int64_t v;
	return hk_proc_stat_get_s64(s, f, &v) >= 0 ? v : fallback;
}

static uint64_t stat_u64(const hk_proc_stat *s, hk_stat_field f)
{
	uint64_t v;
	return hk_proc_stat_get_u64(s, f, &v) >= 0 ? v : 0;
}

/*
 * ps(1)'s STAT: the state letter, then < (nice < 0), N (nice > 0),
 * s (session leader), l (several threads), + (foreground process group).
 * ps's L (locked pages) needs status, which the list does not read.
 */
static void format_stat(const hk_proc_stat *s, int pid, char *buf, size_t size)
{
	int64_t nice = stat_s64(s, HK_STAT_NICE, 0);
	size_t n = 0;

	buf[n++] = hk_proc_stat_state(s);
	if (nice < 0)
		buf[n++] = '<';
	else if (nice > 0)
		buf[n++] = 'N';
	if (stat_s64(s, HK_STAT_SESSION, -1) == pid)
		buf[n++] = 's';
	if (stat_s64(s, HK_STAT_NUM_THREADS, 1) > 1)
		buf[n++] = 'l';
	if (stat_s64(s, HK_STAT_TPGID, -2) == stat_s64(s, HK_STAT_PGRP, -3))
		buf[n++] = '+';
	buf[MIN(n, size - 1)] = 0;
}

/* ---- inspect processes ---- */

static int load_list(cli_ctx *ctx, hk_process_list **ret)
{
	hk_diag_clear(&ctx->diag);
	int r = hk_process_list_load(ctx->root, &ctx->diag, ret);
	if (r < 0)
		cli_error(ctx, r, "cannot read the processes");
	return r;
}

int processes_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(hk_process_list_freep) hk_process_list *l = NULL;
	int r = load_list(ctx, &l);
	if (r < 0)
		return r;

	hk_json_key(j, "processes");
	hk_json_array_begin(j);
	for (size_t i = 0; i < hk_process_list_count(l); i++) {
		const hk_proc_stat *s = hk_process_list_stat(l, i);
		uint64_t policy;

		hk_json_object_begin(j);
		hk_json_kv_s64(j, "pid", hk_process_list_pid(l, i));
		hk_json_kv_string(j, "comm", hk_proc_stat_comm(s));
		json_char(j, "state", hk_proc_stat_state(s));
		json_stat_field(j, "ppid", s, HK_STAT_PPID);
		json_stat_field(j, "pgrp", s, HK_STAT_PGRP);
		json_stat_field(j, "session", s, HK_STAT_SESSION);
		json_stat_field(j, "tty_nr", s, HK_STAT_TTY_NR);
		json_stat_field(j, "flags", s, HK_STAT_FLAGS);
		json_stat_field(j, "minflt", s, HK_STAT_MINFLT);
		json_stat_field(j, "majflt", s, HK_STAT_MAJFLT);
		json_stat_field(j, "utime_ticks", s, HK_STAT_UTIME);
		json_stat_field(j, "stime_ticks", s, HK_STAT_STIME);
		json_stat_field(j, "priority", s, HK_STAT_PRIORITY);
		json_stat_field(j, "nice", s, HK_STAT_NICE);
		json_stat_field(j, "threads", s, HK_STAT_NUM_THREADS);
		json_stat_field(j, "start_time_ticks", s, HK_STAT_STARTTIME);
		json_stat_field(j, "vsize_bytes", s, HK_STAT_VSIZE);
		json_stat_field(j, "rss_pages", s, HK_STAT_RSS);
		json_stat_field(j, "last_cpu", s, HK_STAT_PROCESSOR);
		json_stat_field(j, "rt_priority", s, HK_STAT_RT_PRIORITY);
		json_stat_field(j, "policy", s, HK_STAT_POLICY);
		const char *pname = hk_proc_stat_get_u64(s, HK_STAT_POLICY, &policy) >= 0
					? hk_sched_policy_name(policy)
					: NULL;
		hk_json_key(j, "policy_name");
		if (pname)
			hk_json_string(j, pname);
		else
			hk_json_null(j);
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
	return 0;
}

static unsigned digits(uint64_t v)
{
	unsigned n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

int processes_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(hk_process_list_freep) hk_process_list *l = NULL;
	int r = load_list(ctx, &l);
	if (r < 0)
		return r;

	/* RSS in KiB, as ps shows it; a captured tree is taken to have this host's page size. */
	long page = sysconf(_SC_PAGESIZE);
	uint64_t page_kib = page >= 1024 ? (uint64_t)page / 1024 : 4;
	size_t n = hk_process_list_count(l);
	unsigned w_pid = 3, w_ppid = 4, w_stat = 4, w_psr = 3, w_rss = 3;
	char st[16];

	for (size_t i = 0; i < n; i++) {
		const hk_proc_stat *s = hk_process_list_stat(l, i);
		int pid = hk_process_list_pid(l, i);
		int cpu = hk_proc_stat_last_cpu(s);

		w_pid = MAX(w_pid, digits((uint64_t)pid));
		w_ppid = MAX(w_ppid, digits(stat_u64(s, HK_STAT_PPID)));
		format_stat(s, pid, st, sizeof(st));
		w_stat = MAX(w_stat, (unsigned)strlen(st));
		if (cpu >= 0)
			w_psr = MAX(w_psr, digits((uint64_t)cpu));
		w_rss = MAX(w_rss, digits(stat_u64(s, HK_STAT_RSS) * page_kib));
	}

	hk_strbuf_printf(sb, "%*s %*s %-*s %*s %*s COMM\n", (int)w_pid, "PID", (int)w_ppid, "PPID",
			 (int)w_stat, "STAT", (int)w_psr, "PSR", (int)w_rss, "RSS");
	for (size_t i = 0; i < n; i++) {
		const hk_proc_stat *s = hk_process_list_stat(l, i);
		int pid = hk_process_list_pid(l, i);
		int cpu = hk_proc_stat_last_cpu(s);
		char psr[16];

		format_stat(s, pid, st, sizeof(st));
		if (cpu >= 0)
			snprintf(psr, sizeof(psr), "%d", cpu);
		else
			snprintf(psr, sizeof(psr), "-");
		hk_strbuf_printf(sb, "%*d %*" PRId64 " %-*s %*s %*" PRIu64 " ", (int)w_pid, pid,
				 (int)w_ppid, stat_s64(s, HK_STAT_PPID, 0), (int)w_stat, st,
				 (int)w_psr, psr, (int)w_rss, stat_u64(s, HK_STAT_RSS) * page_kib);
		put_text(sb, hk_proc_stat_comm(s));
		cli_end_row(sb);
	}
	return 0;
}

/* ---- inspect process PID ---- */

/* The PID argument: a positive number, or "self" (0 to the library). */
static int parse_pid_arg(const cli_args *args, int *ret)
{
	int pid;

	if (args->argc != 1) {
		fprintf(stderr,
			"hostkit: inspect process: needs exactly one PID, got %d words\n"
			"Usage: hostkit [--root DIR] [--json] inspect process PID|self\n",
			args->argc);
		return -EINVAL;
	}
	const char *a = args->argv[0];
	if (strcmp(a, "self") == 0) {
		*ret = 0;
		return 0;
	}
	if (hk_parse_int(a, strlen(a), &pid) < 0 || pid <= 0) {
		fprintf(stderr,
			"hostkit: inspect process: '%s' is not a PID\n"
			"Usage: hostkit [--root DIR] [--json] inspect process PID|self\n",
			a);
		return -EINVAL;
	}
	*ret = pid;
	return 0;
}

static int load_process(cli_ctx *ctx, const cli_args *args, hk_process **ret)
{
	int pid;
	int r = parse_pid_arg(args, &pid);
	if (r < 0)
		return r;
	hk_diag_clear(&ctx->diag);
	r = hk_process_load(ctx->root, pid, HK_PROCESS_LOAD_ALL, &ctx->diag, ret);
	if (r < 0)
		cli_error(ctx, r, "cannot read the process");
	return r;
}

static const char *const item_key[_HK_PROCESS_ITEM_MAX] = {
    [HK_PROCESS_STAT] = "stat",
    [HK_PROCESS_STATUS] = "status",
    [HK_PROCESS_SMAPS_ROLLUP] = "smaps_rollup",
    [HK_PROCESS_OOM] = "oom",
    [HK_PROCESS_CGROUP] = "cgroups",
    [HK_PROCESS_CMDLINE] = "cmdline",
    [HK_PROCESS_ENVIRON] = "environ",
    [HK_PROCESS_THREADS] = "threads",
};

static void json_stat(hk_json *j, const hk_proc_stat *s)
{
	hk_json_object_begin(j);
	for (unsigned f = HK_STAT_PID; f < _HK_STAT_FIELD_MAX; f++) {
		const char *key = hk_stat_field_name((hk_stat_field)f);
		if (f == HK_STAT_COMM)
			hk_json_kv_string(j, key, hk_proc_stat_comm(s));
		else if (f == HK_STAT_STATE)
			json_char(j, key, hk_proc_stat_state(s));
		else
			json_stat_field(j, key, s, (hk_stat_field)f);
	}
	hk_json_kv_u64(j, "n_fields", hk_proc_stat_n_fields(s));
	hk_json_object_end(j);
}

static void json_status_u64(hk_json *j, const char *key, const hk_proc_status *s, const char *name)
{
	uint64_t v;

	hk_json_key(j, key);
	if (hk_proc_status_u64(s, name, &v) >= 0)
		hk_json_u64(j, v);
	else
		hk_json_null(j);
}

static void json_ids(hk_json *j, const char *key, int r, const uint32_t ids[4])
{
	hk_json_key(j, key);
	if (r < 0) {
		hk_json_null(j);
		return;
	}
	hk_json_array_begin(j);
	for (unsigned i = 0; i < 4; i++)
		hk_json_u64(j, ids[i]);
	hk_json_array_end(j);
}

static void json_ns(hk_json *j, const char *key, int r, const int *ids, size_t n)
{
	hk_json_key(j, key);
	if (r < 0) {
		hk_json_null(j);
		return;
	}
	hk_json_array_begin(j);
	for (size_t i = 0; i < n; i++)
		hk_json_s64(j, ids[i]);
	hk_json_array_end(j);
}

static void json_set(hk_json *j, const char *key, const hk_cpuset *set)
{
	if (set) {
		cli_json_cpulist(j, key, set);
	} else {
		hk_json_key(j, key);
		hk_json_null(j);
	}
}

/* Whether an earlier status line has the name of line @i (the first one wins). */
static bool status_seen(const hk_proc_status *s, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(hk_proc_status_field_name(s, k), hk_proc_status_field_name(s, i)) == 0)
			return true;
	return false;
}

static void json_status(hk_json *j, const hk_proc_status *s)
{
	uint32_t ids[4];
	const int *ns = NULL;
	size_t n = 0;
	int r;

	hk_json_object_begin(j);
	json_char(j, "state", hk_proc_status_state(s));
	json_status_u64(j, "tgid", s, "Tgid");
	json_status_u64(j, "pid", s, "Pid");
	json_status_u64(j, "ppid", s, "PPid");
	json_status_u64(j, "threads", s, "Threads");
	r = hk_proc_status_uids(s, ids);
	json_ids(j, "uids", r, ids);
	r = hk_proc_status_gids(s, ids);
	json_ids(j, "gids", r, ids);
	r = hk_proc_status_nspid(s, &ns, &n);
	json_ns(j, "nspid", r, ns, n);
	r = hk_proc_status_nstgid(s, &ns, &n);
	json_ns(j, "nstgid", r, ns, n);
	json_set(j, "cpus_allowed_list", hk_proc_status_cpus_allowed(s));
	json_set(j, "mems_allowed_list", hk_proc_status_mems_allowed(s));
	json_status_u64(j, "voluntary_ctxt_switches", s, "voluntary_ctxt_switches");
	json_status_u64(j, "nonvoluntary_ctxt_switches", s, "nonvoluntary_ctxt_switches");

	hk_json_key(j, "kib");
	hk_json_object_begin(j);
	for (size_t i = 0; i < hk_proc_status_n_fields(s); i++) {
		const char *name = hk_proc_status_field_name(s, i);
		uint64_t kib;
		/* Name is the command's, which may read "12 kB" itself. */
		if (!status_seen(s, i) && strcmp(name, "Name") != 0 &&
		    hk_proc_status_kib(s, name, &kib) >= 0)
			hk_json_kv_u64(j, name, kib);
	}
	hk_json_object_end(j);

	hk_json_key(j, "fields");
	hk_json_object_begin(j);
	for (size_t i = 0; i < hk_proc_status_n_fields(s); i++)
		if (!status_seen(s, i))
			hk_json_kv_string(j, hk_proc_status_field_name(s, i),
					  hk_proc_status_field_value(s, i));
	hk_json_object_end(j);
	hk_json_object_end(j);
}

static void json_rollup(hk_json *j, const hk_smaps_rollup *r)
{
	uint64_t start, end;
	char hex[24];

	hk_json_object_begin(j);
	if (hk_smaps_rollup_range(r, &start, &end) >= 0) {
		snprintf(hex, sizeof(hex), "0x%" PRIx64, start);
		hk_json_kv_string(j, "start", hex);
		snprintf(hex, sizeof(hex), "0x%" PRIx64, end);
		hk_json_kv_string(j, "end", hex);
	} else {
		hk_json_key(j, "start");
		hk_json_null(j);
		hk_json_key(j, "end");
		hk_json_null(j);
	}
	hk_json_key(j, "kib");
	hk_json_object_begin(j);
	for (size_t i = 0; i < hk_smaps_rollup_n_fields(r); i++) {
		const char *name = hk_smaps_rollup_field_name(r, i);
		bool seen = false;
		/* A repeated name (never in a kernel's file) keeps its first value. */
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(hk_smaps_rollup_field_name(r, k), name) == 0;
		if (!seen)
			hk_json_kv_u64(j, name, hk_smaps_rollup_field_kib(r, i));
	}
	hk_json_object_end(j);
	hk_json_object_end(j);
}

static void json_oom(hk_json *j, const char *key, int r, int64_t v)
{
	hk_json_key(j, key);
	if (r >= 0)
		hk_json_s64(j, v);
	else
		hk_json_null(j);
}

int process_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(hk_process_freep) hk_process *p = NULL;
	int r = load_process(ctx, args, &p);
	if (r < 0)
		return r;

	hk_json_kv_s64(j, "pid", hk_process_pid(p));
	hk_json_key(j, "stat");
	if (hk_process_stat(p))
		json_stat(j, hk_process_stat(p));
	else
		hk_json_null(j);

	hk_json_key(j, "status");
	if (hk_process_status(p))
		json_status(j, hk_process_status(p));
	else
		hk_json_null(j);

	hk_json_key(j, "smaps_rollup");
	if (hk_process_smaps_rollup(p))
		json_rollup(j, hk_process_smaps_rollup(p));
	else
		hk_json_null(j);

	int64_t v = 0;
	r = hk_process_oom_score(p, &v);
	json_oom(j, "oom_score", r, v);
	r = hk_process_oom_score_adj(p, &v);
	json_oom(j, "oom_score_adj", r, v);

	hk_json_key(j, "cgroups");
	if (hk_process_item_error(p, HK_PROCESS_CGROUP) < 0) {
		hk_json_null(j);
	} else {
		hk_json_array_begin(j);
		for (size_t i = 0; i < hk_process_n_cgroups(p); i++) {
			const hk_proc_cgroup *c = hk_process_cgroup(p, i);
			hk_json_object_begin(j);
			hk_json_kv_u64(j, "hierarchy", hk_proc_cgroup_hierarchy(c));
			hk_json_kv_string(j, "controllers", hk_proc_cgroup_controllers(c));
			hk_json_kv_string(j, "path", hk_proc_cgroup_path(c));
			hk_json_object_end(j);
		}
		hk_json_array_end(j);
	}

	hk_json_key(j, "cmdline");
	if (hk_process_item_error(p, HK_PROCESS_CMDLINE) < 0) {
		hk_json_null(j);
	} else {
		hk_json_array_begin(j);
		for (size_t i = 0; i < hk_process_n_args(p); i++)
			hk_json_string(j, hk_process_arg(p, i));
		hk_json_array_end(j);
	}

	hk_json_key(j, "environ");
	if (hk_process_item_error(p, HK_PROCESS_ENVIRON) < 0) {
		hk_json_null(j);
	} else {
		hk_json_array_begin(j);
		for (size_t i = 0; i < hk_process_n_env(p); i++) {
			const char *val = hk_process_env_value(p, i);
			hk_json_object_begin(j);
			hk_json_kv_string(j, "name", hk_process_env_name(p, i));
			hk_json_key(j, "value");
			if (val)
				hk_json_string(j, val);
			else
				hk_json_null(j);
			hk_json_object_end(j);
		}
		hk_json_array_end(j);
	}

	hk_json_key(j, "threads");
	if (hk_process_item_error(p, HK_PROCESS_THREADS) < 0) {
		hk_json_null(j);
	} else {
		hk_json_array_begin(j);
		for (size_t i = 0; i < hk_process_n_threads(p); i++) {
			const hk_proc_stat *t = hk_process_thread_stat(p, i);
			hk_json_object_begin(j);
			hk_json_kv_s64(j, "tid", hk_process_thread_tid(p, i));
			hk_json_kv_string(j, "comm", hk_proc_stat_comm(t));
			json_char(j, "state", hk_proc_stat_state(t));
			json_stat_field(j, "last_cpu", t, HK_STAT_PROCESSOR);
			json_stat_field(j, "utime_ticks", t, HK_STAT_UTIME);
			json_stat_field(j, "stime_ticks", t, HK_STAT_STIME);
			json_stat_field(j, "nice", t, HK_STAT_NICE);
			json_stat_field(j, "policy", t, HK_STAT_POLICY);
			json_stat_field(j, "rt_priority", t, HK_STAT_RT_PRIORITY);
			hk_json_object_end(j);
		}
		hk_json_array_end(j);
	}

	hk_json_key(j, "unavailable");
	hk_json_object_begin(j);
	for (unsigned i = 0; i < _HK_PROCESS_ITEM_MAX; i++) {
		int e = hk_process_item_error(p, (hk_process_item)i);
		if (e < 0)
			hk_json_kv_string(j, item_key[i], item_reason(e));
	}
	if (hk_process_item_error(p, HK_PROCESS_OOM) >= 0 && hk_process_oom_score_adj(p, &v) < 0)
		hk_json_kv_string(j, "oom_score_adj", item_reason(hk_process_oom_score_adj(p, &v)));
	hk_json_object_end(j);
	return 0;
}

/* A section header; when the item could not be read, the reason on the same line. */
static bool text_section(hk_strbuf *sb, const hk_process *p, hk_process_item item,
			 const char *title)
{
	int e = hk_process_item_error(p, item);

	hk_strbuf_printf(sb, "\n%s", title);
	if (e < 0) {
		hk_strbuf_printf(sb, ": %s\n", item_reason(e));
		return false;
	}
	hk_strbuf_putc(sb, '\n');
	return true;
}

static void text_stat(hk_strbuf *sb, const hk_process *p)
{
	const hk_proc_stat *s = hk_process_stat(p);
	const hk_proc_status *status = hk_process_status(p);
	const char *name = status ? hk_proc_status_get(status, "Name") : NULL;

	hk_strbuf_printf(sb, "Process %d (", hk_process_pid(p));
	put_text(sb, s ? hk_proc_stat_comm(s) : name ? name : "?");
	hk_strbuf_puts(sb, ")\n");
	if (!s) {
		put_label(sb, "stat");
		hk_strbuf_printf(sb, "%s\n",
				 item_reason(hk_process_item_error(p, HK_PROCESS_STAT)));
		return;
	}

	char st = hk_proc_stat_state(s);
	const char *sname = hk_proc_state_name(st);
	uint64_t policy;
	int cpu = hk_proc_stat_last_cpu(s);
	put_label(sb, "state");
	hk_strbuf_printf(sb, "%c (%s)\n", st, sname ? sname : "unknown");

	static const struct {
		const char *label;
		hk_stat_field f;
	} rows[] = {
	    {"ppid", HK_STAT_PPID},
	    {"pgrp", HK_STAT_PGRP},
	    {"session", HK_STAT_SESSION},
	    {"tty_nr", HK_STAT_TTY_NR},
	    {"flags", HK_STAT_FLAGS},
	    {"threads", HK_STAT_NUM_THREADS},
	    {"utime (ticks)", HK_STAT_UTIME},
	    {"stime (ticks)", HK_STAT_STIME},
	    {"start time (ticks)", HK_STAT_STARTTIME},
	    {"minor faults", HK_STAT_MINFLT},
	    {"major faults", HK_STAT_MAJFLT},
	    {"priority", HK_STAT_PRIORITY},
	    {"nice", HK_STAT_NICE},
	    {"rt_priority", HK_STAT_RT_PRIORITY},
	    {"rss (pages)", HK_STAT_RSS},
	};
	for (unsigned i = 0; i < ELEMENTSOF(rows); i++) {
		uint64_t u;
		int64_t v;
		put_label(sb, rows[i].label);
		if (hk_proc_stat_get_u64(s, rows[i].f, &u) >= 0)
			hk_strbuf_printf(sb, "%" PRIu64 "\n", u);
		else if (hk_proc_stat_get_s64(s, rows[i].f, &v) >= 0)
			hk_strbuf_printf(sb, "%" PRId64 "\n", v);
		else
			hk_strbuf_puts(sb, "-\n");
	}
	put_label(sb, "vsize");
	char size[32];
	hk_strbuf_printf(sb, "%s\n",
			 cli_format_bytes(stat_u64(s, HK_STAT_VSIZE), size, sizeof(size)));
	put_label(sb, "policy");
	const char *pname = hk_proc_stat_get_u64(s, HK_STAT_POLICY, &policy) >= 0
				? hk_sched_policy_name(policy)
				: NULL;
	hk_strbuf_printf(sb, "%s\n", pname ? pname : "unknown");
	put_label(sb, "last CPU");
	if (cpu >= 0)
		hk_strbuf_printf(sb, "%d\n", cpu);
	else
		hk_strbuf_puts(sb, "unknown\n");
	put_label(sb, "stat fields");
	hk_strbuf_printf(sb, "%u\n", hk_proc_stat_n_fields(s));
}

int process_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(hk_process_freep) hk_process *p = NULL;
	int r = load_process(ctx, args, &p);
	if (r < 0)
		return r;
	char size[32];

	text_stat(sb, p);

	const hk_proc_status *st = hk_process_status(p);
	if (text_section(sb, p, HK_PROCESS_STATUS, "Status")) {
		for (size_t i = 0; i < hk_proc_status_n_fields(st); i++) {
			put_label(sb, hk_proc_status_field_name(st, i));
			put_value(sb, hk_proc_status_field_value(st, i));
			cli_end_row(sb);
		}
	}

	const hk_smaps_rollup *ro = hk_process_smaps_rollup(p);
	if (text_section(sb, p, HK_PROCESS_SMAPS_ROLLUP, "Memory (smaps_rollup)")) {
		uint64_t start, end;
		if (hk_smaps_rollup_range(ro, &start, &end) >= 0) {
			put_label(sb, "range");
			hk_strbuf_printf(sb, "%" PRIx64 "-%" PRIx64 "\n", start, end);
		}
		for (size_t i = 0; i < hk_smaps_rollup_n_fields(ro); i++) {
			put_label(sb, hk_smaps_rollup_field_name(ro, i));
			hk_strbuf_printf(
			    sb, "%s\n",
			    cli_format_kib(hk_smaps_rollup_field_kib(ro, i), size, sizeof(size)));
		}
	}

	if (text_section(sb, p, HK_PROCESS_OOM, "OOM")) {
		int64_t v;
		put_label(sb, "oom_score");
		hk_strbuf_printf(sb, "%" PRId64 "\n", hk_process_oom_score(p, &v) >= 0 ? v : 0);
		put_label(sb, "oom_score_adj");
		r = hk_process_oom_score_adj(p, &v);
		if (r >= 0)
			hk_strbuf_printf(sb, "%" PRId64 "\n", v);
		else
			hk_strbuf_printf(sb, "%s\n", item_reason(r));
	}

	if (text_section(sb, p, HK_PROCESS_CGROUP, "Cgroups")) {
		for (size_t i = 0; i < hk_process_n_cgroups(p); i++) {
			const hk_proc_cgroup *c = hk_process_cgroup(p, i);
			const char *ctl = hk_proc_cgroup_controllers(c);
			char label[64];
			snprintf(label, sizeof(label), "%u %.40s", hk_proc_cgroup_hierarchy(c),
				 *ctl ? ctl : "(unified)");
			put_label(sb, label);
			put_text(sb, hk_proc_cgroup_path(c));
			cli_end_row(sb);
		}
	}

	if (text_section(sb, p, HK_PROCESS_CMDLINE, "Command line")) {
		hk_strbuf_puts(sb, "  ");
		if (hk_process_n_args(p) == 0)
			hk_strbuf_puts(sb, "(none: a kernel thread)");
		for (size_t i = 0; i < hk_process_n_args(p); i++) {
			if (i > 0)
				hk_strbuf_putc(sb, ' ');
			put_text(sb, hk_process_arg(p, i));
		}
		cli_end_row(sb);
	}

	if (text_section(sb, p, HK_PROCESS_ENVIRON, "Environment")) {
		for (size_t i = 0; i < hk_process_n_env(p); i++) {
			const char *val = hk_process_env_value(p, i);
			hk_strbuf_puts(sb, "  ");
			put_text(sb, hk_process_env_name(p, i));
			if (val) {
				hk_strbuf_putc(sb, '=');
				put_text(sb, val);
			}
			cli_end_row(sb);
		}
	}

	if (text_section(sb, p, HK_PROCESS_THREADS, "Threads")) {
		size_t n = hk_process_n_threads(p);
		unsigned w = 3;
		for (size_t i = 0; i < n; i++)
			w = MAX(w, digits((uint64_t)hk_process_thread_tid(p, i)));
		hk_strbuf_printf(sb, "  %*s STATE PSR COMM\n", (int)w, "TID");
		for (size_t i = 0; i < n; i++) {
			const hk_proc_stat *t = hk_process_thread_stat(p, i);
			int cpu = hk_proc_stat_last_cpu(t);
			char psr[16];
			if (cpu >= 0)
				snprintf(psr, sizeof(psr), "%d", cpu);
			else
				snprintf(psr, sizeof(psr), "-");
			hk_strbuf_printf(sb, "  %*d %-5c %3s ", (int)w, hk_process_thread_tid(p, i),
					 hk_proc_stat_state(t), psr);
			put_text(sb, hk_proc_stat_comm(t));
			cli_end_row(sb);
		}
	}
	return 0;
}
