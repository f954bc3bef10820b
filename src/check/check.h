/* SPDX-License-Identifier: MIT */
#ifndef HK_CHECK_CHECK_H
#define HK_CHECK_CHECK_H

/*
 * What a section's rules see: the root, the host model loaded on first use,
 * and the calls that record results. A rule is a function that reads what
 * it needs through ck_*() and records one result per thing it judges.
 */

#include <hostkit/hostkit.h>
#include <hostkit/check.h>

typedef struct ck_ctx ck_ctx;

/*
 * What an integer sysctl should be: @key passes when its value is in [@lo,
 * @hi], else fails with a remedy that sets @fix. @expected is the short
 * wanted value; @good and @bad finish the message ("key is V: ...").
 */
typedef struct ck_sysctl_range {
	const char *key;
	int64_t lo, hi, fix;
	const char *expected, *good, *bad;
} ck_sysctl_range;

typedef struct ck_rule {
	const char *id; /* "section.name", stable */
	hk_check_severity severity;
	const char *summary; /* one line: what the rule wants */
	void (*run)(ck_ctx *c);
	const ck_sysctl_range *sysctl; /* what ck_sysctl_range_rule judges; else NULL */
} ck_rule;

typedef struct ck_section {
	const char *name;
	const ck_rule *rules;
	size_t n_rules;
} ck_section;

/* The sections, in the order a report lists them (src/check/<name>.c each). */
extern const ck_section ck_section_kernel;
extern const ck_section ck_section_numa;
extern const ck_section ck_section_memory;
extern const ck_section ck_section_network;
extern const ck_section ck_section_scheduling;
extern const ck_section ck_section_security;
extern const ck_section ck_section_isolation;

/* ---- Results ---- */

/*
 * Records a result of the running rule. @current and @expected are the
 * values for people and machines ("always", "never"); @remedy the exact
 * fix ("sysctl -w vm.swappiness=1", "add isolcpus=2-7 to the kernel
 * command line"); any may be NULL. The message is printf-style.
 */
void ck_pass(ck_ctx *c, const char *current, const char *expected, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ck_fail(ck_ctx *c, const char *current, const char *expected, const char *remedy,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * A result that could not be judged: @needs names what would make it
 * complete ("root", "proc/interrupts") or is NULL when the rule does not
 * apply to this host (the message says why).
 */
void ck_skip(ck_ctx *c, const char *needs, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- What the rules read (loaded once, on first use) ---- */

hk_root *ck_root(ck_ctx *c);
/* Whether the root is the live host, and whether this process is root there. */
bool ck_live(ck_ctx *c);
bool ck_privileged(ck_ctx *c);
/* Whether the rules that sample twice a second apart may run (live, without --no-sample). */
bool ck_may_sample(ck_ctx *c);
/* Whether --no-sample was given: live or on a tree, the sampling rules then skip. */
bool ck_no_sample(ck_ctx *c);

/*
 * The subjects. NULL when they cannot be read: the rule then skips with
 * ck_skip_unread(), which names the subject and the error.
 */
const hk_topology *ck_topology(ck_ctx *c);
const hk_kernel *ck_kernel(ck_ctx *c);
const hk_memory *ck_memory(ck_ctx *c);
const hk_pci *ck_pci(ck_ctx *c);
hk_irq_table *ck_irqs(ck_ctx *c);
const hk_netdev_list *ck_netdevs(ck_ctx *c);
hk_ethtool *ck_ethtool(ck_ctx *c);
const hk_softnet *ck_softnet(ck_ctx *c);
const hk_process_list *ck_processes(ck_ctx *c);
/* One sysctl by key ("vm.swappiness"); NULL when it cannot be read (absent on this kernel...). */
const hk_sysctl *ck_sysctl(ck_ctx *c, const char *key);
/*
 * An integer sysctl's value: 0, -ENOENT when absent on this kernel, or the
 * read error. The rule decides what an absent key means.
 */
int ck_sysctl_s64(ck_ctx *c, const char *key, int64_t *ret);

/*
 * Reads integer sysctl @key for the running rule. When it cannot, records
 * the skip that says why (absent on this kernel, readable by root only, the
 * read error) and returns that -errno; 0 on success.
 */
int ck_sysctl_s64_or_skip(ck_ctx *c, const char *key, int64_t *ret);
/* One result for the sysctl @want names: pass, fail with its fix, or skip when unreadable. */
void ck_sysctl_want_range(ck_ctx *c, const ck_sysctl_range *want);
/* A rule's run when the rule is one ck_sysctl_range (its .sysctl). */
void ck_sysctl_range_rule(ck_ctx *c);
/*
 * The fix that sets sysctl @key to @value now and keeps it after a reboot
 * ("sysctl -w K=V; echo 'K = V' >> /etc/sysctl.d/90-hostkit.conf"), valid
 * until the rule returns.
 */
const char *ck_sysctl_remedy(ck_ctx *c, const char *key, const char *value);
/* The same for an integer @value. */
const char *ck_sysctl_remedy_s64(ck_ctx *c, const char *key, int64_t value);

/*
 * The CPUs the kernel keeps apart, the reference of the isolation rules:
 * the kernel's isolated and nohz_full CPUs, or the command line's isolcpus
 * and nohz_full when the kernel's files are absent (an old kernel, a
 * partial capture), plus the CPUs of the root cgroup's isolated partitions
 * (cpuset.cpus.isolated). An empty set when nothing is isolated; NULL when
 * out of memory. Computed once per run; owned by the run.
 */
const hk_cpuset *ck_isolated(ck_ctx *c);
/*
 * The online CPUs that are not in ck_isolated(). NULL when the topology
 * cannot be read (ck_skip_unread() then names it) or out of memory.
 * Computed once per run; owned by the run.
 */
const hk_cpuset *ck_housekeeping(ck_ctx *c);
/*
 * The isolated and nohz_full CPUs of the topology (what the kernel accepted,
 * without fallbacks or cpuset partitions). NULL when the topology cannot be
 * read or out of memory. Computed once per run; owned by the run.
 */
const hk_cpuset *ck_isolated_accepted(ck_ctx *c);

/*
 * For a rule about isolated CPUs: ck_isolated() and ck_housekeeping(), or
 * false after a recorded skip when either cannot be had or when no CPU is
 * isolated (@none is then the skip's message).
 */
bool ck_need_isolated(ck_ctx *c, const char *none, const hk_cpuset **ret_iso,
		      const hk_cpuset **ret_hk);
/*
 * ck_isolated_accepted() for a rule, or NULL after a recorded skip: the
 * topology cannot be read, out of memory, or, when @none is not NULL, no
 * CPU is isolated (@none is then the skip's message).
 */
const hk_cpuset *ck_need_isolated_accepted(ck_ctx *c, const char *none);

/* Skips the running rule because @subject could not be read: its last error is named. */
void ck_skip_unread(ck_ctx *c, const char *subject);

/* A CPU list for messages ("0-3,8", or "none"), valid until the rule returns. */
const char *ck_cpulist(ck_ctx *c, const hk_cpuset *s);
/* The CPUs of @a that are (ck_cpulist_and) or are not (ck_cpulist_andnot) in @b, as ck_cpulist().
 */
const char *ck_cpulist_and(ck_ctx *c, const hk_cpuset *a, const hk_cpuset *b);
const char *ck_cpulist_andnot(ck_ctx *c, const hk_cpuset *a, const hk_cpuset *b);
/*
 * @s as a kernel CPU mask for a write to smp_affinity, rps_cpus or xps_cpus
 * ("00000004", "00000001,00000000"), without leading zero words, which the
 * kernel reads as zeros; valid until the rule returns.
 */
const char *ck_cpumask(ck_ctx *c, const hk_cpuset *s);
/* A printf-style string valid until the rule returns. */
const char *ck_fmt(ck_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
