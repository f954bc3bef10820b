/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_CHECK_H
#define HOSTKIT_CHECK_H

/*
 * Checks: rules a low-latency daemon's host must satisfy, grouped in
 * sections (kernel, numa, memory, network, scheduling, security,
 * isolation). Each rule has a stable id ("kernel.isolation-consistent"), a
 * section and a severity; running it gives one or more results, each with
 * a status (pass, fail, skip), what the host has, what it should have, and
 * the exact remedy. hk_check_run() reads the host through the root handle
 * only: it changes nothing.
 */

#include <stdbool.h>
#include <stddef.h>

#include <hostkit/common.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How much a failed rule matters. */
typedef enum hk_check_severity {
	HK_CHECK_SEVERITY_FAIL, /* the daemon will not meet its latency: fix it */
	HK_CHECK_SEVERITY_WARN, /* likely to hurt, depending on the workload */
	HK_CHECK_SEVERITY_INFO, /* worth knowing, harmless alone */
	_HK_CHECK_SEVERITY_MAX,
} hk_check_severity;

/* What a result says. */
typedef enum hk_check_status {
	HK_CHECK_PASS,
	HK_CHECK_FAIL, /* the rule does not hold; its severity says how bad that is */
	HK_CHECK_SKIP, /* not judged: the reason says why (absent, needs root, n/a) */
	_HK_CHECK_STATUS_MAX,
} hk_check_status;

/* "fail", "warn", "info"; NULL when out of range. */
HK_API const char *hk_check_severity_name(hk_check_severity s);
/* "pass", "fail", "skip"; NULL when out of range. */
HK_API const char *hk_check_status_name(hk_check_status s);

/* ---- The rules ---- */

/* The number of rules hostkit knows. */
HK_API unsigned hk_check_rule_count(void);
/* Rule @i's id ("numa.cpu-in-one-node"), section, severity and one-line summary. */
HK_API const char *hk_check_rule_id(unsigned i);
HK_API const char *hk_check_rule_section(unsigned i);
HK_API hk_check_severity hk_check_rule_severity(unsigned i);
HK_API const char *hk_check_rule_summary(unsigned i);
/* Whether @name is a section some rule belongs to. */
HK_API bool hk_check_is_section(const char *name);

/* ---- Running them ---- */

typedef struct hk_check_options {
	/* Only the rules of these sections (NULL or 0: every section). */
	const char *const *sections;
	unsigned n_sections;
	/* Only the rule with this id (NULL: every rule of the sections). */
	const char *only;
	/*
	 * Skip the rules that sample the host twice, a second apart (softnet
	 * drops and time squeezes growing): they report "skip" instead.
	 */
	bool no_sample;
} hk_check_options;

typedef struct hk_check_report hk_check_report;
typedef struct hk_check_result hk_check_result;

/*
 * Runs the rules @opt picks (NULL: all) against @root. A rule that cannot
 * read what it needs reports "skip" with the reason; nothing a rule finds
 * fails the run. Errors: -EINVAL for an unknown section or rule id (the
 * diag names it), -ENOMEM.
 */
HK_API int hk_check_run(hk_root *root, const hk_check_options *opt, hk_diag *diag,
			hk_check_report **ret);
HK_API void hk_check_report_free(hk_check_report *r);

/* The results, in rule order; a rule may give several (one per device, per node...). */
HK_API unsigned hk_check_report_count(const hk_check_report *r);
HK_API const hk_check_result *hk_check_report_get(const hk_check_report *r, unsigned i);
/* How many results have @status; for HK_CHECK_FAIL, only those of @severity. */
HK_API unsigned hk_check_report_tally(const hk_check_report *r, hk_check_status status,
				      hk_check_severity severity);
/* Whether a result failed with severity "fail" (the tool then exits 1). */
HK_API bool hk_check_report_failed(const hk_check_report *r);

/* The rule's id, section and severity. */
HK_API const char *hk_check_result_id(const hk_check_result *x);
HK_API const char *hk_check_result_section(const hk_check_result *x);
HK_API hk_check_severity hk_check_result_severity(const hk_check_result *x);
HK_API hk_check_status hk_check_result_status(const hk_check_result *x);
/* What was found, for people; never NULL. */
HK_API const char *hk_check_result_message(const hk_check_result *x);
/* The value found and the value wanted, as text; NULL when the rule has none. */
HK_API const char *hk_check_result_current(const hk_check_result *x);
HK_API const char *hk_check_result_expected(const hk_check_result *x);
/* The exact fix: a command, a configuration key or a boot parameter; NULL when none. */
HK_API const char *hk_check_result_remedy(const hk_check_result *x);
/* What the rule would need to be complete ("root", "/proc/interrupts"); NULL when nothing. */
HK_API const char *hk_check_result_needs(const hk_check_result *x);

#ifdef __cplusplus
}
#endif

#endif
