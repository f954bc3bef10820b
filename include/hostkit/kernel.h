/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_KERNEL_H
#define HOSTKIT_KERNEL_H

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
 * hk_cmdline - a kernel command line (/proc/cmdline), parsed as the kernel
 * parses it.
 *
 * Words are split on blanks outside double quotes; a word is a parameter
 * "key=value" or a flag "key" (no value). A value in quotes loses them
 * (param="a b c" has the value "a b c"). A bare "--" ends the kernel's
 * parameters: the words after it are init's arguments, kept apart. Every
 * parameter is kept, in order, repeats included; the typed accessors below
 * read the ones that matter to a low-latency host, the last valid
 * occurrence winning. A typed parameter whose value does not parse (a CPU
 * list "1-x") is reported in the errors list and leaves the typed value as
 * it was; it never fails the parse. In names, '-' and '_' are the same
 * character, as in the kernel's parameq().
 *
 * Immutable once parsed: it may be shared between threads. Every pointer an
 * accessor returns lives as long as the command line. Every accessor also
 * takes NULL (hk_kernel_cmdline() of a tree without proc/cmdline) and reads
 * it as an empty command line.
 */
typedef struct hk_cmdline hk_cmdline;

/*
 * Parses the command line @buf of @len bytes (a trailing newline, as
 * /proc/cmdline has, is ignored; a NUL ends the text, as it ends the
 * kernel's). @n_cpus is the kernel's CPU count (one past the highest
 * possible CPU), which a CPU list's "N" (the last CPU) needs; pass 0 when
 * unknown, and a list with "N" is then an error for its parameter. Free with
 * hk_cmdline_free(). Errors: -ENOMEM only.
 */
HK_API int hk_cmdline_parse(const char *buf, size_t len, unsigned n_cpus, hk_cmdline **ret);
HK_API void hk_cmdline_free(hk_cmdline *c);

/* The text as read, without its trailing newline. Never NULL. */
HK_API const char *hk_cmdline_text(const hk_cmdline *c);

/* The kernel's parameters (the words before "--"), in order. */
HK_API unsigned hk_cmdline_n_params(const hk_cmdline *c);
/* The name of parameter @i ("isolcpus"), or NULL when @i is out of range. */
HK_API const char *hk_cmdline_param_key(const hk_cmdline *c, unsigned i);
/*
 * The value of parameter @i without surrounding quotes ("1-3"), "" for
 * "key=", or NULL for a flag without '=' (or @i out of range).
 */
HK_API const char *hk_cmdline_param_value(const hk_cmdline *c, unsigned i);
/* The index of the last parameter named @key, or -ENOENT. */
HK_API int hk_cmdline_find(const hk_cmdline *c, const char *key);

/* The words after "--", handed to init, as the kernel hands them ("a=b" rejoined). */
HK_API unsigned hk_cmdline_n_init_args(const hk_cmdline *c);
HK_API const char *hk_cmdline_init_arg(const hk_cmdline *c, unsigned i);
/* True when the command line has a "--" (possibly with nothing after it). */
HK_API bool hk_cmdline_has_init_args(const hk_cmdline *c);

/* The parameters that hold a CPU list. */
typedef enum hk_cmdline_cpulist {
	HK_CMDLINE_ISOLCPUS,	/* isolcpus=[flags,]LIST */
	HK_CMDLINE_NOHZ_FULL,	/* nohz_full=LIST */
	HK_CMDLINE_RCU_NOCBS,	/* rcu_nocbs[=LIST] (without a list: none yet, set at run time) */
	HK_CMDLINE_IRQAFFINITY, /* irqaffinity=LIST: the default IRQ affinity */
	_HK_CMDLINE_CPULIST_MAX,
} hk_cmdline_cpulist;

/*
 * The CPUs of parameter @which, or NULL when it is not given (or only given
 * with a value that does not parse). "N" in a list is the last CPU.
 */
HK_API const hk_cpuset *hk_cmdline_cpus(const hk_cmdline *c, hk_cmdline_cpulist which);

/* isolcpus= flags. Without any, the kernel implies HK_ISOLCPUS_DOMAIN. */
enum {
	HK_ISOLCPUS_DOMAIN = 1u << 0,	   /* out of the scheduler's load balancing */
	HK_ISOLCPUS_NOHZ = 1u << 1,	   /* no scheduler tick (as nohz_full) */
	HK_ISOLCPUS_MANAGED_IRQ = 1u << 2, /* no managed IRQs (drivers' queue vectors) */
};

/* The flags of the isolcpus= in force, 0 when none is. */
HK_API unsigned hk_cmdline_isolcpus_flags(const hk_cmdline *c);

/*
 * Typed settings. Each reads as an int64_t >= 0 through
 * hk_cmdline_setting_get(), -ENODATA when the parameter is not given (or only given with a value
 * that does not parse).
 */
typedef enum hk_cmdline_setting {
	HK_CMDLINE_NUMA_BALANCING,	  /* numa_balancing=enable (1) | disable (0) */
	HK_CMDLINE_TRANSPARENT_HUGEPAGE,  /* transparent_hugepage=: hk_thp_mode */
	HK_CMDLINE_NOSMT,		  /* nosmt: hk_nosmt */
	HK_CMDLINE_MITIGATIONS,		  /* mitigations=: hk_mitigations */
	HK_CMDLINE_IDLE,		  /* idle=: hk_idle */
	HK_CMDLINE_INTEL_IDLE_MAX_CSTATE, /* intel_idle.max_cstate=N */
	HK_CMDLINE_PROCESSOR_MAX_CSTATE,  /* processor.max_cstate=N */
	HK_CMDLINE_CPUIDLE_OFF,		  /* cpuidle.off=N (1: no cpuidle driver) */
	HK_CMDLINE_NOWATCHDOG,		  /* nowatchdog: 1 when given */
	HK_CMDLINE_NMI_WATCHDOG,	  /* nmi_watchdog=0|1: hard lockup detector on (1) or off */
	HK_CMDLINE_NMI_WATCHDOG_PANIC,	  /* nmi_watchdog=panic (1) | nopanic (0) */
	HK_CMDLINE_NOSOFTLOCKUP,	  /* nosoftlockup: 1 when given */
	HK_CMDLINE_WATCHDOG_THRESH,	  /* watchdog_thresh=SECONDS */
	HK_CMDLINE_SKEW_TICK,		  /* skew_tick=N (1: ticks of CPUs offset) */
	HK_CMDLINE_TSC,			  /* tsc=: hk_tsc */
	_HK_CMDLINE_SETTING_MAX,
} hk_cmdline_setting;

/* The value of @which, or -ENODATA when not given, -EINVAL for an unknown @which. */
HK_API int64_t hk_cmdline_setting_get(const hk_cmdline *c, hk_cmdline_setting which);

typedef enum hk_thp_mode {
	HK_THP_ALWAYS,
	HK_THP_MADVISE,
	HK_THP_NEVER,
} hk_thp_mode;

typedef enum hk_nosmt {
	HK_NOSMT_ON,	/* nosmt: SMT off, may be turned on again at run time */
	HK_NOSMT_FORCE, /* nosmt=force: SMT off for good */
} hk_nosmt;

typedef enum hk_mitigations {
	HK_MITIGATIONS_OFF,
	HK_MITIGATIONS_AUTO,
	HK_MITIGATIONS_AUTO_NOSMT, /* auto,nosmt: also SMT off where a CPU bug needs it */
} hk_mitigations;

typedef enum hk_idle {
	HK_IDLE_POLL,
	HK_IDLE_HALT,
	HK_IDLE_NOMWAIT,
} hk_idle;

typedef enum hk_tsc {
	HK_TSC_RELIABLE,
	HK_TSC_NOIRQTIME,
	HK_TSC_UNSTABLE,
	HK_TSC_NOWATCHDOG,
	HK_TSC_RECALIBRATE,
	HK_TSC_WATCHDOG,
} hk_tsc;

/*
 * The name of a setting's value as the command line writes it ("madvise",
 * "auto,nosmt", "1"), in @buf of @size bytes; for diagnostics and output.
 * Returns @buf, or NULL when the setting is not given.
 */
HK_API const char *hk_cmdline_setting_format(const hk_cmdline *c, hk_cmdline_setting which,
					     char *buf, size_t size);

/*
 * Parameters whose value did not parse ("isolcpus: cannot parse CPU list
 * '1-x': Invalid argument"), in the order found.
 */
HK_API unsigned hk_cmdline_n_errors(const hk_cmdline *c);
/* The message of error @i, or NULL when out of range. */
HK_API const char *hk_cmdline_error_message(const hk_cmdline *c, unsigned i);
/* The index (hk_cmdline_param_key()) of the parameter of error @i, or -ERANGE. */
HK_API int hk_cmdline_error_param(const hk_cmdline *c, unsigned i);

/*
 * hk_kernel - the running kernel: release and version, boot id, the command
 * line, and what the kernel accepted of it (the isolated and nohz_full CPUs).
 * Loaded from an hk_root; immutable afterwards.
 */
typedef struct hk_kernel hk_kernel;

/*
 * Reads proc/sys/kernel/{osrelease,version,ostype,random/boot_id},
 * proc/cmdline and sys/devices/system/cpu/{isolated,nohz_full,possible}
 * under @root. Absent files are absent (NULL from the accessors), not errors.
 * Errors: -EINVAL with @diag naming the file, line and text when isolated or
 * nohz_full is not a CPU list; -ENOMEM; the error of a read that failed
 * otherwise. Free with hk_kernel_free().
 */
HK_API int hk_kernel_load(hk_root *root, hk_diag *diag, hk_kernel **ret);
HK_API void hk_kernel_free(hk_kernel *k);

/* proc/sys/kernel/osrelease ("6.8.0-45-generic"), or NULL when absent. */
HK_API const char *hk_kernel_release(const hk_kernel *k);
/* proc/sys/kernel/version ("#1 SMP PREEMPT_DYNAMIC ..."), or NULL when absent. */
HK_API const char *hk_kernel_version(const hk_kernel *k);
/* proc/sys/kernel/ostype ("Linux"), or NULL when absent. */
HK_API const char *hk_kernel_ostype(const hk_kernel *k);
/* proc/sys/kernel/random/boot_id, a UUID that is new at every boot, or NULL when absent. */
HK_API const char *hk_kernel_boot_id(const hk_kernel *k);
/* The parsed proc/cmdline, or NULL when absent. */
HK_API const hk_cmdline *hk_kernel_cmdline(const hk_kernel *k);
/*
 * The CPUs the kernel isolated (sys/devices/system/cpu/isolated) and runs
 * without tick (nohz_full), or NULL when the file is absent. An empty file,
 * "(null)" or "\0\n" (as some kernels write for none) is the empty set.
 */
HK_API const hk_cpuset *hk_kernel_isolated(const hk_kernel *k);
HK_API const hk_cpuset *hk_kernel_nohz_full(const hk_kernel *k);

/*
 * The command line's huge pages: "hugepagesz=1G hugepages=4" pairs, in order.
 * A hugepages= that follows no hugepagesz= is for the default size (size 0
 * below; default_hugepagesz= or the architecture's). The per-node form
 * "hugepages=0:1,1:2" (Linux 5.19) gives pages per node, and the total is
 * their sum.
 */
typedef struct hk_cmdline_hugepages hk_cmdline_hugepages;

HK_API unsigned hk_cmdline_n_hugepages(const hk_cmdline *c);
/* Entry @i, or NULL when out of range. */
HK_API const hk_cmdline_hugepages *hk_cmdline_hugepages_get(const hk_cmdline *c, unsigned i);
/* The page size in bytes, 0 for the default size. */
HK_API uint64_t hk_cmdline_hugepages_size(const hk_cmdline_hugepages *h);
/*
 * The page count (the sum of the nodes' counts for the per-node form), or
 * -ENODATA when no hugepages= followed the hugepagesz=.
 */
HK_API int64_t hk_cmdline_hugepages_pages(const hk_cmdline_hugepages *h);
/* Per-node counts: how many nodes were named (0 unless the per-node form was used). */
HK_API unsigned hk_cmdline_hugepages_n_nodes(const hk_cmdline_hugepages *h);
/* default_hugepagesz= in bytes, 0 when not given. */
HK_API uint64_t hk_cmdline_default_hugepagesz(const hk_cmdline *c);
/* The node and page count of the @i-th node named. Errors: -ERANGE when @i is out of range. */
HK_API int hk_cmdline_hugepages_node(const hk_cmdline_hugepages *h, unsigned i, unsigned *ret_node,
				     uint64_t *ret_pages);

#ifdef __cplusplus
}
#endif

#endif
