/* SPDX-License-Identifier: MIT */
/* The kernel rules: the command line, and what the kernel made of it. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/macro.h"
#include "base/strbuf.h"
#include "check/check.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

static const hk_cmdline *need_cmdline(ck_ctx *c)
{
	const hk_kernel *k = ck_kernel(c);
	if (!k) {
		ck_skip_unread(c, "the kernel command line");
		return NULL;
	}
	const hk_cmdline *cl = hk_kernel_cmdline(k);
	if (!cl)
		ck_skip(c, NULL, "proc/cmdline is absent on this kernel");
	return cl;
}

/*
 * isolcpus, nohz_full and rcu_nocbs name the same CPUs: a CPU isolated from
 * the scheduler but still ticking, or still running RCU callbacks, is
 * interrupted by the kernel anyway. The kernel makes every nohz_full CPU a
 * no-callbacks CPU itself (rcu_init_nohz(): rcu_nocb_mask |= nohz_full), so
 * the RCU set judged is rcu_nocbs and nohz_full together.
 */
static void isolation_consistent(ck_ctx *c)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return;
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
	_cleanup_(hk_cpuset_freep) hk_cpuset *rcu = hk_cpuset_new();
	if (!rcu || (has_nocb && hk_cpuset_or(rcu, nocb) < 0) ||
	    (has_nohz && hk_cpuset_or(rcu, nohz) < 0)) {
		ck_skip(c, NULL, "out of memory");
		return;
	}
	const hk_cpuset *ref = has_iso ? iso : has_nohz ? nohz : nocb;
	const char *want = ck_cpulist(c, ref);
	const char *rcu_now =
	    !has_nocb ? ck_fmt(c, "(none; nohz_full makes %s no-callbacks)", ck_cpulist(c, rcu))
	    : !has_nohz || hk_cpuset_is_subset(nohz, nocb)
		? ck_cpulist(c, nocb)
		: ck_fmt(c, "%s (with nohz_full: %s)", ck_cpulist(c, nocb), ck_cpulist(c, rcu));
	const char *now = ck_fmt(c, "isolcpus=%s nohz_full=%s rcu_nocbs=%s",
				 has_iso ? ck_cpulist(c, iso) : "(none)",
				 has_nohz ? ck_cpulist(c, nohz) : "(none)", rcu_now);
	if (has_iso && has_nohz && hk_cpuset_equal(iso, nohz) && hk_cpuset_equal(iso, rcu)) {
		ck_pass(c, now, ck_fmt(c, "isolcpus=%s nohz_full=%s", want, want),
			"isolcpus, nohz_full and rcu_nocbs all name CPUs %s%s", want,
			has_nocb ? ""
				 : " (rcu_nocbs is implied: nohz_full CPUs are no-callbacks CPUs)");
		return;
	}
	/* nohz_full=W makes W no-callbacks: rcu_nocbs= is needed only to undo a wider one. */
	bool fix_nocb = has_nocb && !hk_cpuset_is_subset(nocb, ref);
	ck_fail(
	    c, now, ck_fmt(c, "isolcpus=%s nohz_full=%s (rcu_nocbs=%s or none)", want, want, want),
	    ck_fmt(c,
		   "set isolcpus=managed_irq,domain,%s nohz_full=%s%s%s on the kernel "
		   "command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub "
		   "and reboot)%s",
		   want, want, fix_nocb ? " rcu_nocbs=" : "", fix_nocb ? want : "",
		   fix_nocb ? "" : "; rcu_nocbs= may stay as it is or go: nohz_full implies it"),
	    "isolcpus, nohz_full and rcu_nocbs (with the nohz_full CPUs it implies) do not "
	    "name the same CPUs: %s",
	    now);
}

/* The CPUs isolated on the command line: isolcpus, nohz_full and rcu_nocbs together. */
static hk_cpuset *cmdline_isolated(const hk_cmdline *cl)
{
	hk_cpuset *s = hk_cpuset_new();
	if (!s)
		return NULL;
	const hk_cmdline_cpulist which[] = {HK_CMDLINE_ISOLCPUS, HK_CMDLINE_NOHZ_FULL,
					    HK_CMDLINE_RCU_NOCBS};
	for (size_t i = 0; i < ELEMENTSOF(which); i++) {
		const hk_cpuset *p = hk_cmdline_cpus(cl, which[i]);
		if (p && hk_cpuset_or(s, p) < 0) {
			hk_cpuset_free(s);
			return NULL;
		}
	}
	return s;
}

/*
 * The command line and the CPUs it isolates, for a rule about them; NULL
 * after a recorded skip when the command line cannot be read or isolates
 * nothing (@none is then the message). The caller frees the set.
 */
static hk_cpuset *need_cmdline_isolated(ck_ctx *c, const char *none, const hk_cmdline **ret_cl)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return NULL;
	_cleanup_(hk_cpuset_freep) hk_cpuset *iso = cmdline_isolated(cl);
	if (!iso || hk_cpuset_is_empty(iso)) {
		ck_skip(c, NULL, "%s", none);
		return NULL;
	}
	*ret_cl = cl;
	return TAKE_PTR(iso);
}

/*
 * One command line CPU list against what the kernel accepted: the kernel
 * drops CPUs it cannot use (beyond nr_cpu_ids, the boot CPU for nohz_full,
 * a list that does not parse) with only a line in dmesg.
 */
static void accepted_one(ck_ctx *c, const char *param, const hk_cpuset *asked, const hk_cpuset *got,
			 const char *file)
{
	if (!asked || hk_cpuset_is_empty(asked)) {
		ck_skip(c, NULL, "%s is not on the command line: nothing to compare", param);
		return;
	}
	if (!got) {
		ck_skip(c, NULL, "%s is absent on this kernel", file);
		return;
	}
	const char *want = ck_cpulist(c, asked);
	const char *now = ck_cpulist(c, got);
	_cleanup_(hk_cpuset_freep) hk_cpuset *dropped = hk_cpuset_dup(asked);
	if (!dropped) {
		ck_skip(c, NULL, "out of memory");
		return;
	}
	hk_cpuset_andnot(dropped, got);
	if (hk_cpuset_is_empty(dropped)) {
		ck_pass(c, now, want, "the kernel accepted %s=%s (%s: %s)", param, want, file, now);
		return;
	}
	ck_fail(c, now, want,
		ck_fmt(c,
		       "check `dmesg | grep -i %s` for why CPUs %s were refused (beyond "
		       "nr_cpus/possible CPUs, or the boot CPU), then set %s= to CPUs the kernel "
		       "can isolate in GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub "
		       "and reboot",
		       param, ck_cpulist(c, dropped), param),
		"the command line asks %s=%s but the kernel accepted only %s (%s): CPUs %s "
		"were dropped",
		param, want, now, file, ck_cpulist(c, dropped));
}

/* What the command line asks (isolcpus, nohz_full) is what the kernel accepted. */
static void isolation_accepted(ck_ctx *c)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return;
	const hk_kernel *k = ck_kernel(c);
	const hk_cpuset *iso = hk_cmdline_cpus(cl, HK_CMDLINE_ISOLCPUS);
	const hk_cpuset *nohz = hk_cmdline_cpus(cl, HK_CMDLINE_NOHZ_FULL);
	unsigned flags = hk_cmdline_isolcpus_flags(cl);

	/* isolated lists the domain-isolated CPUs only: isolcpus=nohz,... or managed_irq,... alone
	 * are not in it. */
	if (iso && !hk_cpuset_is_empty(iso) && flags != 0 && !(flags & HK_ISOLCPUS_DOMAIN))
		ck_skip(c, NULL,
			"isolcpus= has no domain flag: sys/devices/system/cpu/isolated does not "
			"list its CPUs");
	else
		accepted_one(c, "isolcpus", iso, hk_kernel_isolated(k),
			     "sys/devices/system/cpu/isolated");
	accepted_one(c, "nohz_full", nohz, hk_kernel_nohz_full(k),
		     "sys/devices/system/cpu/nohz_full");
}

/*
 * isolcpus=managed_irq: without it, the kernel spreads the managed
 * interrupts of multiqueue devices (NVMe, most NICs' queue vectors) over
 * every CPU, isolated ones included, and their affinity cannot be changed
 * from user space.
 */
static void managed_irq(ck_ctx *c)
{
	const hk_cmdline *cl = NULL;
	_cleanup_(hk_cpuset_freep) hk_cpuset *iso = need_cmdline_isolated(
	    c, "no CPU is isolated on the command line: managed IRQs may go anywhere", &cl);
	if (!iso)
		return;
	const char *list = ck_cpulist(c, iso);
	const hk_cpuset *ic = hk_cmdline_cpus(cl, HK_CMDLINE_ISOLCPUS);
	unsigned flags = hk_cmdline_isolcpus_flags(cl);
	if (ic && !hk_cpuset_is_empty(ic) && (flags & HK_ISOLCPUS_MANAGED_IRQ)) {
		ck_pass(c, "managed_irq", "managed_irq",
			"isolcpus= has managed_irq: managed IRQs stay off CPUs %s",
			ck_cpulist(c, ic));
		return;
	}
	const char *now = ic && !hk_cpuset_is_empty(ic)
			      ? ck_fmt(c, "isolcpus=%s", ck_cpulist(c, ic))
			      : "no isolcpus=";
	ck_fail(c, now, ck_fmt(c, "isolcpus=managed_irq,domain,%s", list),
		ck_fmt(c,
		       "set isolcpus=managed_irq,domain,%s in GRUB_CMDLINE_LINUX in "
		       "/etc/default/grub, run update-grub and reboot",
		       list),
		"CPUs %s are isolated but %s: the managed IRQs of multiqueue devices (NVMe, "
		"NIC queues) land on them",
		list,
		ic && !hk_cpuset_is_empty(ic) ? "isolcpus= lacks managed_irq"
					      : "there is no isolcpus=managed_irq");
}

/* irqaffinity= keeps the interrupts of boot (and of every new IRQ) off the isolated CPUs. */
static void irqaffinity(ck_ctx *c)
{
	const hk_cmdline *cl = NULL;
	_cleanup_(hk_cpuset_freep) hk_cpuset *iso = need_cmdline_isolated(
	    c, "no CPU is isolated on the command line: any IRQ affinity will do", &cl);
	if (!iso)
		return;
	const char *list = ck_cpulist(c, iso);
	const hk_topology *t = ck_topology(c);
	_cleanup_(hk_cpuset_freep) hk_cpuset *house = NULL;
	if (t) {
		house = hk_cpuset_dup(hk_topology_cpus(t, HK_CPUS_ONLINE));
		if (house)
			hk_cpuset_andnot(house, iso);
	}
	const char *want =
	    house && !hk_cpuset_is_empty(house) ? ck_cpulist(c, house) : "the housekeeping CPUs";
	/* Until the reboot, new IRQs take default_smp_affinity, a mask. */
	char mask[HK_CPU_MAX / 4 + HK_CPU_MAX / 32 + 1] = "";
	if (house && !hk_cpuset_is_empty(house) &&
	    hk_cpuset_format_mask(house, hk_topology_cpu_limit(t), mask, sizeof(mask)) >=
		sizeof(mask))
		mask[0] = 0;
	const char *remedy =
	    ck_fmt(c,
		   "set irqaffinity=%s in GRUB_CMDLINE_LINUX in /etc/default/grub, "
		   "run update-grub and reboot%s%s%s",
		   want, mask[0] ? "; until then, for new IRQs: echo " : "", mask,
		   mask[0] ? " > /proc/irq/default_smp_affinity" : "");
	const hk_cpuset *aff = hk_cmdline_cpus(cl, HK_CMDLINE_IRQAFFINITY);
	if (!aff || hk_cpuset_is_empty(aff)) {
		ck_fail(c, "not set", want, remedy,
			"irqaffinity= is not on the command line: IRQs set up at boot may land on "
			"the isolated CPUs %s",
			list);
		return;
	}
	const char *now = ck_cpulist(c, aff);
	if (hk_cpuset_intersects(aff, iso)) {
		_cleanup_(hk_cpuset_freep) hk_cpuset *both = hk_cpuset_dup(aff);
		if (both)
			hk_cpuset_and(both, iso);
		ck_fail(c, now, want, remedy, "irqaffinity=%s includes the isolated CPUs %s", now,
			both ? ck_cpulist(c, both) : list);
		return;
	}
	ck_pass(c, now, want, "irqaffinity=%s keeps IRQs off the isolated CPUs %s", now, list);
}

/*
 * Parameters the kernel cannot use: a value that does not parse (the
 * parameter is then ignored), and the words after "--" that go to init.
 */
static void cmdline_valid(ck_ctx *c)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return;
	unsigned n = hk_cmdline_n_errors(cl);
	for (unsigned i = 0; i < n; i++) {
		int p = hk_cmdline_error_param(cl, i);
		const char *key = p >= 0 ? hk_cmdline_param_key(cl, (unsigned)p) : NULL;
		const char *value = p >= 0 ? hk_cmdline_param_value(cl, (unsigned)p) : NULL;
		const char *word = key ? (value ? ck_fmt(c, "%s=%s", key, value) : key) : "?";
		ck_fail(c, word, "a valid value",
			ck_fmt(c,
			       "correct or remove '%s' in GRUB_CMDLINE_LINUX in /etc/default/grub, "
			       "run update-grub and reboot",
			       word),
			"the kernel ignores %s", hk_cmdline_error_message(cl, i));
	}
	if (n == 0)
		ck_pass(c, "valid", "valid", "every parameter the kernel checks has a valid value");
}

/*
 * Words after "--" are init's arguments, not the kernel's: a tuning
 * parameter placed there (a boot loader appending after "--") does nothing.
 * Init's own options ("--log-level", "single") are fine; a "key=value" word
 * is a kernel parameter in the wrong place.
 */
static bool looks_like_param(const char *w)
{
	const char *eq = strchr(w, '=');
	return eq && eq != w && w[0] != '-';
}

static void init_args(ck_ctx *c)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return;
	unsigned n = hk_cmdline_n_init_args(cl);
	hk_strbuf sb = HK_STRBUF_INIT;
	for (unsigned i = 0; i < n; i++) {
		const char *w = hk_cmdline_init_arg(cl, i);
		if (looks_like_param(w))
			hk_strbuf_printf(&sb, "%s%s", sb.len ? " " : "", w);
	}
	const char *words = hk_strbuf_error(&sb) ? "?" : ck_fmt(c, "%s", hk_strbuf_str(&sb));
	bool misplaced = sb.len > 0 || hk_strbuf_error(&sb);
	hk_strbuf_done(&sb);
	if (!misplaced) {
		ck_pass(c, n ? ck_fmt(c, "%u init argument%s", n, n == 1 ? "" : "s") : "none",
			"no key=value after --",
			n ? "no kernel parameter is handed to init after \"--\" (init gets its own "
			    "options only)"
			  : "no word is passed to init after \"--\"");
		return;
	}
	ck_fail(c, words, "none",
		ck_fmt(c,
		       "move '%s' before \"--\" in GRUB_CMDLINE_LINUX (/etc/default/grub), run "
		       "update-grub and reboot",
		       words),
		"the kernel hands '%s' (after \"--\") to init: kernel parameters there are not "
		"applied",
		words);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_process *, hk_process_free)

/* Words init gets on purpose, or that boot loaders add: not worth a warning. */
static bool benign_for_init(const char *key, const char *value)
{
	static const char *const words[] = {"BOOT_IMAGE", "splash", "single", "emergency",
					    "rescue",	  "s",	    "S",      NULL};
	for (size_t i = 0; words[i]; i++)
		if (strcmp(key, words[i]) == 0)
			return true;
	/* Run levels ("3") are init's. */
	return !value && key[0] && strspn(key, "0123456789") == strlen(key);
}

/* "root" when root would read what was refused; NULL when even root is refused (a sandbox). */
static const char *needs_root(ck_ctx *c, int error)
{
	return error == -EACCES && !ck_privileged(c) ? "root" : NULL;
}

static bool init_has_arg(const hk_process *p, const char *word)
{
	for (size_t i = 1; i < hk_process_n_args(p); i++)
		if (strcmp(hk_process_arg(p, i), word) == 0)
			return true;
	return false;
}

static bool init_has_env(const hk_process *p, const char *key, const char *value)
{
	for (size_t i = 0; i < hk_process_n_env(p); i++) {
		const char *v = hk_process_env_value(p, i);
		if (v && strcmp(hk_process_env_name(p, i), key) == 0 && strcmp(v, value) == 0)
			return true;
	}
	return false;
}

/*
 * Whether init is no longer the program the kernel started: systemd after
 * switching root from the initramfs, or after daemon-reexec, runs again
 * with "--switched-root" or "--deserialize" and without the words the
 * kernel handed it.
 */
static bool init_reexecuted(const hk_process *p)
{
	for (size_t i = 0; i < hk_process_n_args(p); i++) {
		const char *a = hk_process_arg(p, i);
		if (i > 0 &&
		    (strcmp(a, "--switched-root") == 0 || strncmp(a, "--deserialize", 13) == 0))
			return true;
		/* A process that rewrote its argv area may show one string with spaces. */
		if (strstr(a, " --switched-root") || strstr(a, " --deserialize"))
			return true;
	}
	return false;
}

static bool cmdline_init_arg(const hk_cmdline *cl, const char *word)
{
	for (unsigned i = 0; i < hk_cmdline_n_init_args(cl); i++)
		if (strcmp(hk_cmdline_init_arg(cl, i), word) == 0)
			return true;
	return false;
}

/*
 * Parameters the kernel does not know: init/main.c's unknown_bootoption()
 * hands a word without '=' to init as an argument and one with '=' as an
 * environment variable (dotted names, module parameters, are dropped). So a
 * command line word that init got is one the kernel did not recognise: a
 * misspelt "isolcpu=2-3" isolates nothing, without an error.
 */
static void unknown_parameters(ck_ctx *c)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return;
	_cleanup_(hk_process_freep) hk_process *init = NULL;
	int r = hk_process_load(
	    ck_root(c), 1,
	    HK_PROCESS_LOAD(HK_PROCESS_CMDLINE) | HK_PROCESS_LOAD(HK_PROCESS_ENVIRON), NULL, &init);
	if (r == -ESRCH || r == -ENOENT) {
		ck_skip(c, NULL, "proc/1 is absent: what init got from the kernel is unknown");
		return;
	}
	if (r < 0) {
		ck_skip(c, "proc/1", "cannot read init's process (proc/1): %s", strerror(-r));
		return;
	}
	int args_error = hk_process_item_error(init, HK_PROCESS_CMDLINE);
	int env_error = hk_process_item_error(init, HK_PROCESS_ENVIRON);
	unsigned found = 0, with_value = 0;
	for (unsigned i = 0; i < hk_cmdline_n_params(cl); i++) {
		const char *key = hk_cmdline_param_key(cl, i);
		const char *value = hk_cmdline_param_value(cl, i);
		if (!key || !key[0] || benign_for_init(key, value))
			continue;
		if (value)
			with_value++;
		bool unknown;
		if (!value)
			unknown = args_error == 0 && init_has_arg(init, key) &&
				  !cmdline_init_arg(cl, key);
		else
			unknown = env_error == 0 && init_has_env(init, key, value);
		if (!unknown)
			continue;
		found++;
		const char *word = value ? ck_fmt(c, "%s=%s", key, value) : key;
		ck_fail(
		    c, word, "a parameter the kernel knows",
		    ck_fmt(c,
			   "correct the spelling of '%s' or remove it from GRUB_CMDLINE_LINUX in "
			   "/etc/default/grub (see Documentation/admin-guide/"
			   "kernel-parameters.txt), run update-grub and reboot; `dmesg | grep "
			   "'Unknown kernel command line'` lists every such word",
			   word),
		    "the kernel does not know '%s': it passed it to init's %s, so it has no "
		    "effect",
		    word, value ? "environment" : "arguments");
	}
	if (found)
		return;
	if (args_error == 0 && init_reexecuted(init)) {
		ck_skip(c, "dmesg",
			"init re-executed itself (proc/1/cmdline has --switched-root or "
			"--deserialize): the words the kernel handed it are gone, so its arguments "
			"and environment prove nothing; the kernel (5.8+) names them in its log: "
			"`dmesg | grep 'Unknown kernel command line'`");
		return;
	}
	if (args_error < 0) {
		/* Without them, whether init re-executed (and lost the kernel's words) is unknown.
		 */
		ck_skip(c, needs_root(c, args_error),
			"init's arguments (proc/1/cmdline) cannot be read: %s; `dmesg | grep "
			"'Unknown kernel command line'` (5.8+) names the unknown words",
			strerror(-args_error));
		return;
	}
	if (env_error < 0 && with_value > 0) {
		ck_skip(c, needs_root(c, env_error),
			"no unknown word among the flags; the %u key=value parameters need init's "
			"environment (proc/1/environ): %s",
			with_value, strerror(-env_error));
		return;
	}
	ck_pass(c, "none", "none", "the kernel knew every parameter: init got none of them");
}

static const char *size_name(ck_ctx *c, uint64_t kib)
{
	if (kib >= 1024 * 1024 && kib % (1024 * 1024) == 0)
		return ck_fmt(c, "%" PRIu64 "G", kib / (1024 * 1024));
	if (kib >= 1024 && kib % 1024 == 0)
		return ck_fmt(c, "%" PRIu64 "M", kib / 1024);
	return ck_fmt(c, "%" PRIu64 "K", kib);
}

/*
 * Huge pages asked at boot are reserved: the kernel reserves what it can
 * find and says nothing when memory is short or fragmented, or a node is
 * absent.
 */
static void hugepages_reserved(ck_ctx *c)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return;
	unsigned n = hk_cmdline_n_hugepages(cl);
	bool any = false;
	for (unsigned i = 0; i < n; i++)
		if (hk_cmdline_hugepages_pages(hk_cmdline_hugepages_get(cl, i)) > 0)
			any = true;
	if (!any) {
		ck_skip(c, NULL, "no hugepages= on the command line: nothing to compare");
		return;
	}
	const hk_memory *m = ck_memory(c);
	if (!m) {
		ck_skip_unread(c, "memory");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const hk_cmdline_hugepages *h = hk_cmdline_hugepages_get(cl, i);
		int64_t asked = hk_cmdline_hugepages_pages(h);
		if (asked <= 0)
			continue;
		uint64_t kib = hk_cmdline_hugepages_size(h) / 1024;
		if (kib == 0)
			kib = hk_cmdline_default_hugepagesz(cl) / 1024;
		if (kib == 0 && hk_memory_default_hugepage_kib(m) > 0)
			kib = (uint64_t)hk_memory_default_hugepage_kib(m);
		if (kib == 0) {
			ck_skip(c, NULL, "the default huge page size is unknown on this kernel");
			continue;
		}
		const char *sz = size_name(c, kib);
		const char *sysfs =
		    ck_fmt(c, "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages", kib);
		const hk_hugepages *hp = hk_memory_hugepages_by_size(m, kib);
		int64_t got = hp ? hk_hugepages_get(hp, HK_HUGEPAGES_TOTAL) : 0;
		if (hp && got < 0) {
			ck_skip(c, NULL, "the %s huge page pool is absent on this kernel", sz);
			continue;
		}
		if (!hp && hk_memory_n_hugepages(m) > 0) {
			ck_fail(c, "no pool", ck_fmt(c, "%" PRId64, asked),
				ck_fmt(c,
				       "the kernel offers no %s pages (no "
				       "sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB): check "
				       "hugepagesz= for a typo and the CPU's support (1G needs "
				       "pdpe1gb in /proc/cpuinfo), or ask a size the kernel has",
				       sz, kib),
				"%s huge pages: the command line asks %" PRId64
				" but the kernel has no %s pool",
				sz, asked, sz);
			continue;
		}
		unsigned nn = hk_cmdline_hugepages_n_nodes(h);
		if (nn == 0) {
			const char *a = ck_fmt(c, "%" PRId64, asked);
			const char *g = ck_fmt(c, "%" PRId64, got);
			if (got >= asked)
				ck_pass(c, g, a,
					"%s huge pages: %" PRId64 " reserved of %" PRId64 " asked",
					sz, got, asked);
			else
				ck_fail(
				    c, g, a,
				    ck_fmt(c,
					   "echo %" PRId64 " > %s now (may reserve fewer when "
					   "memory is fragmented: read it back), or free memory "
					   "and reboot; hugepagesz=%s hugepages=%" PRId64
					   " must come early on the command line",
					   asked, sysfs, sz, asked),
				    "%s huge pages: the command line asks %" PRId64
				    " but only %" PRId64 " are reserved",
				    sz, asked, got);
			continue;
		}
		for (unsigned j = 0; j < nn; j++) {
			unsigned node;
			uint64_t want;
			if (hk_cmdline_hugepages_node(h, j, &node, &want) < 0)
				continue;
			int64_t have = -1;
			for (unsigned q = 0; hp && q < hk_hugepages_n_nodes(hp); q++)
				if (hk_hugepages_node_id(hp, q) == node)
					have = hk_hugepages_node_get(hp, q, HK_HUGEPAGES_TOTAL);
			const char *a = ck_fmt(c, "%" PRIu64, want);
			if (have >= 0 && (uint64_t)have >= want) {
				ck_pass(c, ck_fmt(c, "%" PRId64, have), a,
					"%s huge pages on node %u: %" PRId64 " reserved of %" PRIu64
					" asked",
					sz, node, have, want);
				continue;
			}
			ck_fail(
			    c, have >= 0 ? ck_fmt(c, "%" PRId64, have) : "no pool", a,
			    ck_fmt(c,
				   "echo %" PRIu64 " > /sys/devices/system/node/node%u/hugepages/"
				   "hugepages-%" PRIu64 "kB/nr_hugepages now (read it back), or "
				   "free memory on node %u and reboot",
				   want, node, kib, node),
			    "%s huge pages on node %u: the command line asks %" PRIu64
			    " but %s reserved",
			    sz, node, want,
			    have >= 0 ? ck_fmt(c, "only %" PRId64 " are", have)
				      : "the node has no pool:");
		}
	}
}

/* The CPUs named for isolation exist and are online: an offline CPU isolates nothing. */
static void isolated_online(ck_ctx *c)
{
	const hk_cmdline *cl = need_cmdline(c);
	if (!cl)
		return;
	_cleanup_(hk_cpuset_freep) hk_cpuset *iso = cmdline_isolated(cl);
	const hk_kernel *k = ck_kernel(c);
	if (iso && hk_kernel_isolated(k))
		(void)hk_cpuset_or(iso, hk_kernel_isolated(k));
	if (!iso || hk_cpuset_is_empty(iso)) {
		ck_skip(c, NULL, "no CPU is isolated: nothing to check");
		return;
	}
	const hk_topology *t = ck_topology(c);
	if (!t) {
		ck_skip_unread(c, "topology");
		return;
	}
	const char *list = ck_cpulist(c, iso);
	_cleanup_(hk_cpuset_freep) hk_cpuset *missing = hk_cpuset_dup(iso);
	_cleanup_(hk_cpuset_freep) hk_cpuset *offline = hk_cpuset_dup(iso);
	if (!missing || !offline) {
		ck_skip(c, NULL, "out of memory");
		return;
	}
	hk_cpuset_andnot(missing, hk_topology_cpus(t, HK_CPUS_POSSIBLE));
	hk_cpuset_andnot(offline, hk_topology_cpus(t, HK_CPUS_ONLINE));
	hk_cpuset_andnot(offline, missing);
	if (hk_cpuset_is_empty(missing) && hk_cpuset_is_empty(offline)) {
		ck_pass(c, list, "online", "the isolated CPUs %s exist and are online", list);
		return;
	}
	if (!hk_cpuset_is_empty(missing)) {
		_cleanup_(hk_cpuset_freep) hk_cpuset *keep = hk_cpuset_dup(iso);
		if (keep)
			hk_cpuset_and(keep, hk_topology_cpus(t, HK_CPUS_POSSIBLE));
		const char *m = ck_cpulist(c, missing);
		const char *kl = keep ? ck_cpulist(c, keep) : "?";
		ck_fail(
		    c, m,
		    ck_fmt(c, "within %s", ck_cpulist(c, hk_topology_cpus(t, HK_CPUS_POSSIBLE))),
		    ck_fmt(c,
			   "isolate only CPUs this host has: set isolcpus=managed_irq,domain,%s "
			   "nohz_full=%s rcu_nocbs=%s in GRUB_CMDLINE_LINUX in /etc/default/grub, "
			   "run update-grub and reboot",
			   kl, kl, kl),
		    "CPUs %s are isolated on the command line but do not exist on this host "
		    "(possible: %s)",
		    m, ck_cpulist(c, hk_topology_cpus(t, HK_CPUS_POSSIBLE)));
	}
	if (!hk_cpuset_is_empty(offline)) {
		const char *o = ck_cpulist(c, offline);
		/* One command to type: the CPUs one by one, for the shell's loop. */
		hk_strbuf sb = HK_STRBUF_INIT;
		HK_CPUSET_FOREACH (cpu, offline)
			hk_strbuf_printf(&sb, "%s%d", sb.len ? " " : "", cpu);
		const char *words = hk_strbuf_error(&sb) ? o : ck_fmt(c, "%s", hk_strbuf_str(&sb));
		hk_strbuf_done(&sb);
		ck_fail(c, ck_fmt(c, "offline %s", o), "online",
			ck_fmt(c,
			       "bring them online: for c in %s; do echo 1 > "
			       "/sys/devices/system/cpu/cpu$c/online; done; or isolate other CPUs "
			       "on the command line",
			       words),
			"the isolated CPUs %s are offline: the daemon cannot run there", o);
	}
}

static const ck_rule rules[] = {
    {"kernel.isolation-consistent", HK_CHECK_SEVERITY_FAIL,
     "isolcpus, nohz_full and rcu_nocbs name the same CPUs", isolation_consistent},
    {"kernel.isolation-accepted", HK_CHECK_SEVERITY_FAIL,
     "the kernel accepted every CPU isolcpus and nohz_full name", isolation_accepted},
    {"kernel.isolated-online", HK_CHECK_SEVERITY_FAIL, "the isolated CPUs exist and are online",
     isolated_online},
    {"kernel.managed-irq", HK_CHECK_SEVERITY_WARN,
     "isolcpus has managed_irq when CPUs are isolated", managed_irq},
    {"kernel.irqaffinity", HK_CHECK_SEVERITY_WARN,
     "irqaffinity is set and disjoint from the isolated CPUs", irqaffinity},
    {"kernel.cmdline-valid", HK_CHECK_SEVERITY_WARN,
     "every kernel parameter has a value the kernel accepts", cmdline_valid},
    {"kernel.init-args", HK_CHECK_SEVERITY_INFO,
     "no key=value parameter is handed to init after \"--\"", init_args},
    {"kernel.unknown-parameters", HK_CHECK_SEVERITY_WARN,
     "the kernel knows every parameter of its command line", unknown_parameters},
    {"kernel.hugepages-reserved", HK_CHECK_SEVERITY_FAIL,
     "the huge pages the command line asks are reserved", hugepages_reserved},
};

const ck_section ck_section_kernel = {"kernel", rules, ELEMENTSOF(rules)};
