/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_PROCESS_H
#define HOSTKIT_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Processes: /proc/PID/stat, status, smaps_rollup, oom_score(_adj), cgroup,
 * cmdline, environ and the threads under task/, read through an hk_root.
 *
 * Three objects:
 *  - hk_proc_stat: one parsed stat file (a process or a thread);
 *  - hk_process_list: every process of the root, stat only, for a ps-like
 *    view (one directory scan, one read per process);
 *  - hk_process: one process in full.
 * All are immutable once loaded; every pointer an accessor returns lives as
 * long as the object it came from.
 *
 * A file that old kernels lack is "absent" (-ENODATA from the accessor, or
 * the item's error -ENOENT), never a load failure. A file that is present
 * but malformed fails the load with -EINVAL and the hk_diag naming the file,
 * the line and the text. A process that exits while it is read is skipped
 * by the list and reported as -ESRCH by hk_process_load().
 */
typedef struct hk_proc_stat hk_proc_stat;
typedef struct hk_proc_status hk_proc_status;
typedef struct hk_smaps_rollup hk_smaps_rollup;
typedef struct hk_proc_cgroup hk_proc_cgroup;
typedef struct hk_process_list hk_process_list;
typedef struct hk_process hk_process;

/* The fields of /proc/PID/stat, by their 1-based number in proc(5). */
typedef enum hk_stat_field {
	HK_STAT_PID = 1,
	HK_STAT_COMM = 2,
	HK_STAT_STATE = 3,
	HK_STAT_PPID = 4,
	HK_STAT_PGRP = 5,
	HK_STAT_SESSION = 6,
	HK_STAT_TTY_NR = 7,
	HK_STAT_TPGID = 8,
	HK_STAT_FLAGS = 9,
	HK_STAT_MINFLT = 10,
	HK_STAT_CMINFLT = 11,
	HK_STAT_MAJFLT = 12,
	HK_STAT_CMAJFLT = 13,
	HK_STAT_UTIME = 14,
	HK_STAT_STIME = 15,
	HK_STAT_CUTIME = 16,
	HK_STAT_CSTIME = 17,
	HK_STAT_PRIORITY = 18,
	HK_STAT_NICE = 19,
	HK_STAT_NUM_THREADS = 20,
	HK_STAT_ITREALVALUE = 21,
	HK_STAT_STARTTIME = 22,
	HK_STAT_VSIZE = 23,
	HK_STAT_RSS = 24,
	HK_STAT_RSSLIM = 25,
	HK_STAT_STARTCODE = 26,
	HK_STAT_ENDCODE = 27,
	HK_STAT_STARTSTACK = 28,
	HK_STAT_KSTKESP = 29,
	HK_STAT_KSTKEIP = 30,
	HK_STAT_SIGNAL = 31,
	HK_STAT_BLOCKED = 32,
	HK_STAT_SIGIGNORE = 33,
	HK_STAT_SIGCATCH = 34,
	HK_STAT_WCHAN = 35,
	HK_STAT_NSWAP = 36,
	HK_STAT_CNSWAP = 37,
	HK_STAT_EXIT_SIGNAL = 38,
	HK_STAT_PROCESSOR = 39,
	HK_STAT_RT_PRIORITY = 40,
	HK_STAT_POLICY = 41,
	HK_STAT_DELAYACCT_BLKIO_TICKS = 42,
	HK_STAT_GUEST_TIME = 43,
	HK_STAT_CGUEST_TIME = 44,
	HK_STAT_START_DATA = 45,
	HK_STAT_END_DATA = 46,
	HK_STAT_START_BRK = 47,
	HK_STAT_ARG_START = 48,
	HK_STAT_ARG_END = 49,
	HK_STAT_ENV_START = 50,
	HK_STAT_ENV_END = 51,
	HK_STAT_EXIT_CODE = 52,
	_HK_STAT_FIELD_MAX,
} hk_stat_field;

/* The fewest fields a stat file may have (kernels since 2.6.24 write 44 or more). */
#define HK_STAT_MIN_FIELDS 44

/*
 * The proc(5) name of @f in lower case ("pid", "comm", "utime",
 * "delayacct_blkio_ticks"...), or NULL for a number outside 1..52.
 */
HK_API const char *hk_stat_field_name(hk_stat_field f);

/*
 * Reads proc/PID/stat, or proc/PID/task/TID/stat when @tid > 0. @pid 0 is
 * proc/self. Errors: -ESRCH when there is no such process or thread (also
 * one that exits while it is read), -EINVAL (malformed, @diag says where),
 * -ENOMEM, or the error of the read. Free with hk_proc_stat_free().
 */
HK_API int hk_proc_stat_load(hk_root *root, int pid, int tid, hk_diag *diag, hk_proc_stat **ret);
/* Frees a stat from hk_proc_stat_load() (not one owned by a list or process); NULL allowed. */
HK_API void hk_proc_stat_free(hk_proc_stat *s);

/*
 * How many fields the file had, comm and state included (52 on current
 * kernels, at least HK_STAT_MIN_FIELDS). Fields past it read as absent.
 */
HK_API unsigned hk_proc_stat_n_fields(const hk_proc_stat *s);
/*
 * The command name between the first '(' and the LAST ')', as the kernel
 * wrote it: it may hold ')', spaces and newlines. Never NULL.
 */
HK_API const char *hk_proc_stat_comm(const hk_proc_stat *s);
/* The state letter ('R', 'S', 'D', 'Z', 'T', 't', 'X', 'I', ...). */
HK_API char hk_proc_stat_state(const hk_proc_stat *s);

/*
 * A numeric field as unsigned or signed 64 bits. Every field of the file is
 * kept with its sign as written, so both the kernel's unsigned extremes
 * (rsslim 18446744073709551615) and its signed ones (cutime INT64_MIN) come
 * back exactly. Errors: -ENODATA when the file had fewer fields, -ERANGE
 * when the value does not fit the type asked for (a negative value as u64,
 * one above INT64_MAX as s64), -EINVAL for HK_STAT_COMM, HK_STAT_STATE or a
 * number outside 1..52.
 */
HK_API int hk_proc_stat_get_u64(const hk_proc_stat *s, hk_stat_field f, uint64_t *ret);
HK_API int hk_proc_stat_get_s64(const hk_proc_stat *s, hk_stat_field f, int64_t *ret);

/*
 * The CPU the task last ran on (field 39, "processor"): >= 0, or -ENODATA
 * when the file does not say or says something that is no CPU number.
 */
HK_API int hk_proc_stat_last_cpu(const hk_proc_stat *s);

/*
 * The name of scheduling policy @policy (stat field 41): "other", "fifo",
 * "rr", "batch", "iso", "idle", "deadline", "ext"; NULL when unknown.
 */
HK_API const char *hk_sched_policy_name(uint64_t policy);
/*
 * What a state letter means: "running", "sleeping", "disk sleep",
 * "stopped", "tracing stop", "zombie", "dead", "idle", "parked", "waking",
 * "wakekill", "paging"; NULL when unknown.
 */
HK_API const char *hk_proc_state_name(char state);

/*
 * Every process under proc/ of @root, by PID: one directory scan
 * (getdents64) and one read of proc/PID/stat each. Directories without a
 * stat file (a partial capture) and processes that exit during the scan
 * are left out. Errors: -ENOENT when the root has no proc/, -EINVAL (a
 * malformed stat, @diag naming it), -ENOMEM, or the error of the scan.
 * Free with hk_process_list_free().
 */
HK_API int hk_process_list_load(hk_root *root, hk_diag *diag, hk_process_list **ret);
/* Frees the list and every stat it holds; NULL allowed. */
HK_API void hk_process_list_free(hk_process_list *l);
/* How many processes the list holds. */
HK_API size_t hk_process_list_count(const hk_process_list *l);
/* The PID of entry @i: the directory's name (a captured stat may say another). */
HK_API int hk_process_list_pid(const hk_process_list *l, size_t i);
/* The stat of entry @i, owned by the list; NULL when @i is out of range. */
HK_API const hk_proc_stat *hk_process_list_stat(const hk_process_list *l, size_t i);

/* The parts of a process that hk_process_load() reads. */
typedef enum hk_process_item {
	HK_PROCESS_STAT, /* always read */
	HK_PROCESS_STATUS,
	HK_PROCESS_SMAPS_ROLLUP,
	HK_PROCESS_OOM,
	HK_PROCESS_CGROUP,
	HK_PROCESS_CMDLINE,
	HK_PROCESS_ENVIRON,
	HK_PROCESS_THREADS,
	_HK_PROCESS_ITEM_MAX,
} hk_process_item;

/* The @items argument of hk_process_load(): a bit per item, or all of them. */
#define HK_PROCESS_LOAD(item) (1u << (item))
#define HK_PROCESS_LOAD_ALL   ((1u << _HK_PROCESS_ITEM_MAX) - 1)

/*
 * Reads process @pid (0: proc/self) in full: its stat, and each of @items.
 * An item that cannot be read (absent, permission denied, a kernel thread
 * without memory map) is recorded and the load goes on: see
 * hk_process_item_error(). The process exists when proc/PID does: a partial
 * capture may lack even its stat. Errors: -ESRCH when there is no such process,
 * -EINVAL when a file is malformed or @items has unknown bits (@diag names
 * the file and line), -ENOMEM, or the error of reading stat.
 * Free with hk_process_free().
 */
HK_API int hk_process_load(hk_root *root, int pid, unsigned items, hk_diag *diag, hk_process **ret);
/* Frees the process and everything its accessors returned; NULL allowed. */
HK_API void hk_process_free(hk_process *p);

/* The PID the process was loaded as (proc/self resolved). */
HK_API int hk_process_pid(const hk_process *p);
/* Its stat, owned by the process; NULL when the capture has none. */
HK_API const hk_proc_stat *hk_process_stat(const hk_process *p);
/*
 * 0 when @item was read; -ENOENT when the file is absent (old kernel, or a
 * partial capture), -EACCES when reading it was refused, -ESRCH when the
 * process has no such data (smaps_rollup of a kernel thread) or exited,
 * -ENODATA when it was not asked for, or another read error.
 */
HK_API int hk_process_item_error(const hk_process *p, hk_process_item item);

/* proc/PID/status, or NULL when not read. */
HK_API const hk_proc_status *hk_process_status(const hk_process *p);
/* proc/PID/smaps_rollup, or NULL when not read. */
HK_API const hk_smaps_rollup *hk_process_smaps_rollup(const hk_process *p);

/* oom_score and oom_score_adj: 0, or the error of that file (-ENOENT, -EACCES...). */
HK_API int hk_process_oom_score(const hk_process *p, int64_t *ret);
HK_API int hk_process_oom_score_adj(const hk_process *p, int64_t *ret);

/* How many lines proc/PID/cgroup had (0 when not read). */
HK_API size_t hk_process_n_cgroups(const hk_process *p);
/* Line @i of proc/PID/cgroup, in file order, owned by @p; NULL when out of range. */
HK_API const hk_proc_cgroup *hk_process_cgroup(const hk_process *p, size_t i);
/* The hierarchy id: 0 for the unified (v2) hierarchy. */
HK_API unsigned hk_proc_cgroup_hierarchy(const hk_proc_cgroup *c);
/* The comma-separated controllers ("cpu,cpuacct", "name=systemd"), "" on v2. */
HK_API const char *hk_proc_cgroup_controllers(const hk_proc_cgroup *c);
/* The cgroup's path inside its hierarchy ("/system.slice/x.service"). */
HK_API const char *hk_proc_cgroup_path(const hk_proc_cgroup *c);

/*
 * The arguments of proc/PID/cmdline (0 for a kernel thread or when not
 * read). A trailing NUL ends the last argument; without one the last
 * argument runs to the end of the file.
 */
HK_API size_t hk_process_n_args(const hk_process *p);
/* Argument @i, owned by @p; NULL when out of range. */
HK_API const char *hk_process_arg(const hk_process *p, size_t i);

/*
 * The entries of proc/PID/environ, in file order: duplicates and entries
 * without '=' are kept. The name is the text before the first '=' (the whole
 * entry when there is none); the value is the text after it, or NULL when
 * the entry has no '='.
 */
HK_API size_t hk_process_n_env(const hk_process *p);
/* The name of entry @i, owned by @p; NULL when out of range. */
HK_API const char *hk_process_env_name(const hk_process *p, size_t i);
/* The value of entry @i, owned by @p; NULL without '=' or when out of range. */
HK_API const char *hk_process_env_value(const hk_process *p, size_t i);

/* The threads under task/, by TID (0 when not read). */
HK_API size_t hk_process_n_threads(const hk_process *p);
/* The TID of thread @i (its directory's name), or -ERANGE. */
HK_API int hk_process_thread_tid(const hk_process *p, size_t i);
/* The stat of thread @i (state, last CPU, comm...), or NULL. */
HK_API const hk_proc_stat *hk_process_thread_stat(const hk_process *p, size_t i);

/*
 * proc/PID/status: every "Name: value" line as text, and typed views of the
 * fields hostkit knows. Values are trimmed of blanks, whether the kernel
 * separated them with a tab or with spaces.
 */
/* How many "Name: value" lines the file had (blank lines aside). */
HK_API size_t hk_proc_status_n_fields(const hk_proc_status *s);
/* The name of line @i, owned by @s; NULL when out of range. */
HK_API const char *hk_proc_status_field_name(const hk_proc_status *s, size_t i);
/* The trimmed value of line @i ("" when empty), owned by @s; NULL when out of range. */
HK_API const char *hk_proc_status_field_value(const hk_proc_status *s, size_t i);
/* The value of the first line named @name, or NULL when there is none. */
HK_API const char *hk_proc_status_get(const hk_proc_status *s, const char *name);
/*
 * A field holding one decimal number (Tgid, Pid, PPid, TracerPid, Threads,
 * voluntary_ctxt_switches...). Errors: -ENODATA when absent, -EINVAL when
 * the value is not one number.
 */
HK_API int hk_proc_status_u64(const hk_proc_status *s, const char *name, uint64_t *ret);
/*
 * A field in kB ("VmRSS:   6716 kB") as KiB. Errors: -ENODATA when absent,
 * -EINVAL when it is not "N kB".
 */
HK_API int hk_proc_status_kib(const hk_proc_status *s, const char *name, uint64_t *ret);
/* The letter of State ("S (sleeping)" gives 'S'), or 0 when absent. */
HK_API char hk_proc_status_state(const hk_proc_status *s);
/*
 * The real, effective, saved and file-system user (Uid) or group (Gid)
 * ids into @ret. Errors: -ENODATA when the line is absent.
 */
HK_API int hk_proc_status_uids(const hk_proc_status *s, uint32_t ret[4]);
HK_API int hk_proc_status_gids(const hk_proc_status *s, uint32_t ret[4]);
/*
 * The PID (NSpid) or thread group id (NStgid) in each PID namespace the
 * process is in, outermost first: *ret_ids has *ret_n entries, owned by @s.
 * Errors: -ENODATA when the line is absent (kernels before 4.1).
 */
HK_API int hk_proc_status_nspid(const hk_proc_status *s, const int **ret_ids, size_t *ret_n);
HK_API int hk_proc_status_nstgid(const hk_proc_status *s, const int **ret_ids, size_t *ret_n);
/* Cpus_allowed_list, owned by @s, or NULL when absent. */
HK_API const hk_cpuset *hk_proc_status_cpus_allowed(const hk_proc_status *s);
/* Mems_allowed_list (NUMA node numbers), owned by @s, or NULL when absent. */
HK_API const hk_cpuset *hk_proc_status_mems_allowed(const hk_proc_status *s);

/*
 * proc/PID/smaps_rollup: the address range of its header line and every
 * "Name: N kB" line (Rss, Pss, Pss_Anon, Pss_File, Pss_Shmem on kernels
 * since 5.9, Swap...), in file order.
 */
/* The range the rollup covers. Errors: -ENODATA when the file had no header line. */
HK_API int hk_smaps_rollup_range(const hk_smaps_rollup *r, uint64_t *ret_start, uint64_t *ret_end);
/* How many "Name: N kB" lines the file had. */
HK_API size_t hk_smaps_rollup_n_fields(const hk_smaps_rollup *r);
/* The name of field @i, owned by @r; NULL when out of range. */
HK_API const char *hk_smaps_rollup_field_name(const hk_smaps_rollup *r, size_t i);
/* The KiB of field @i, 0 when @i is out of range. */
HK_API uint64_t hk_smaps_rollup_field_kib(const hk_smaps_rollup *r, size_t i);
/* The KiB of field @name. Errors: -ENODATA when absent (Pss_Anon before 5.9). */
HK_API int hk_smaps_rollup_kib(const hk_smaps_rollup *r, const char *name, uint64_t *ret);

#ifdef __cplusplus
}
#endif

#endif
