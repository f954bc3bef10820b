/* SPDX-License-Identifier: MIT */
/* The kernel rules: the command line, and what the kernel made of it. */
#include "base/macro.h"
#include "check/check.h"

/*
 * isolcpus, nohz_full and rcu_nocbs name the same CPUs: a CPU isolated from
 * the scheduler but still ticking, or still running RCU callbacks, is
 * interrupted by the kernel anyway.
 */
static void isolation_consistent(ck_ctx *c)
{
	const hk_kernel *k = ck_kernel(c);
	if (!k) {
		ck_skip_unread(c, "the kernel command line");
		return;
	}
	const hk_cmdline *cl = hk_kernel_cmdline(k);
	const hk_cpuset *iso = hk_cmdline_cpus(cl, HK_CMDLINE_ISOLCPUS);
	const hk_cpuset *nohz = hk_cmdline_cpus(cl, HK_CMDLINE_NOHZ_FULL);
	const hk_cpuset *nocb = hk_cmdline_cpus(cl, HK_CMDLINE_RCU_NOCBS);
	bool has_iso = iso && !hk_cpuset_is_empty(iso);
	bool has_nohz = nohz && !hk_cpuset_is_empty(nohz);
	bool has_nocb = nocb && !hk_cpuset_is_empty(nocb);

	if (!has_iso && !has_nohz && !has_nocb) {
		ck_skip(c, NULL,
			"no CPU is isolated on the command line (isolcpus, nohz_full, "
			"rcu_nocbs): nothing to compare");
		return;
	}
	const char *want = ck_cpulist(c, has_iso ? iso : has_nohz ? nohz : nocb);
	const char *now = ck_fmt(
	    c, "isolcpus=%s nohz_full=%s rcu_nocbs=%s", has_iso ? ck_cpulist(c, iso) : "(none)",
	    has_nohz ? ck_cpulist(c, nohz) : "(none)", has_nocb ? ck_cpulist(c, nocb) : "(none)");
	if (has_iso && has_nohz && has_nocb && hk_cpuset_equal(iso, nohz) &&
	    hk_cpuset_equal(iso, nocb)) {
		ck_pass(c, now, now, "isolcpus, nohz_full and rcu_nocbs all name CPUs %s", want);
		return;
	}
	ck_fail(c, now, ck_fmt(c, "isolcpus=%s nohz_full=%s rcu_nocbs=%s", want, want, want),
		ck_fmt(c,
		       "set isolcpus=managed_irq,domain,%s nohz_full=%s rcu_nocbs=%s on the kernel "
		       "command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub "
		       "and reboot)",
		       want, want, want),
		"isolcpus, nohz_full and rcu_nocbs do not name the same CPUs: %s", now);
}

static const ck_rule rules[] = {
    {"kernel.isolation-consistent", HK_CHECK_SEVERITY_FAIL,
     "isolcpus, nohz_full and rcu_nocbs name the same CPUs", isolation_consistent},
};

const ck_section ck_section_kernel = {"kernel", rules, ELEMENTSOF(rules)};
