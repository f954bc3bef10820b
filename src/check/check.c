/* SPDX-License-Identifier: MIT */
/*
 * The check engine: the rule table of every section, the lazily loaded host
 * model the rules share, and the report. A rule never fails the run: what
 * it cannot read becomes a "skip" result naming what was missing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/strbuf.h"
#include "check/check.h"

#define SYSCTL_CONF	"/etc/sysctl.d/90-hostkit.conf"
#define CGROUP_ISOLATED "sys/fs/cgroup/cpuset.cpus.isolated"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

static const ck_section *const sections[] = {
    &ck_section_kernel,	    &ck_section_numa,	  &ck_section_memory,	 &ck_section_network,
    &ck_section_scheduling, &ck_section_security, &ck_section_isolation,
};

struct hk_check_result {
	const ck_rule *rule;
	const char *section;
	hk_check_status status;
	char *message;
	char *current;
	char *expected;
	char *remedy;
	char *needs;
};

struct hk_check_report {
	hk_check_result *results;
	unsigned n, cap;
	int error; /* -ENOMEM while recording: the run fails with it */
};

/* A subject loaded on first use: its object, or the error that kept it. */
struct loaded {
	bool tried;
	int error;
	char message[sizeof(((hk_diag *)0)->message) + 32]; /* "subject: " and the diag */
};

struct sysctl_entry {
	char *key;
	hk_sysctl *s;
	int error;
};

/* A CPU set derived once per run: NULL when out of memory or its sources are unreadable. */
struct cached_set {
	bool done;
	hk_cpuset *set;
};

struct ck_ctx {
	hk_root *root;
	const hk_check_options *opt;
	hk_check_report *report;
	const ck_rule *rule; /* the running rule */
	const char *section;
	/* Strings handed to the running rule (ck_fmt, ck_cpulist), freed after it. */
	char **scratch;
	unsigned n_scratch, cap_scratch;

	struct loaded l_topology, l_kernel, l_memory, l_pci, l_irqs, l_netdevs, l_ethtool,
	    l_softnet, l_processes;
	hk_topology *topology;
	hk_kernel *kernel;
	hk_memory *memory;
	hk_pci *pci;
	hk_irq_table *irqs;
	hk_netdev_list *netdevs;
	hk_ethtool *ethtool;
	hk_softnet *softnet;
	hk_process_list *processes;
	struct sysctl_entry *sysctls;
	unsigned n_sysctls;
	/* CPU sets derived once per run (ck_isolated() and friends); *_done once tried. */
	struct cached_set isolated, housekeeping, isolated_accepted;
	/* The subject and error of the last load that failed, for ck_skip_unread(). */
	const struct loaded *last_failed;
};

/* ---- Names ---- */

const char *hk_check_severity_name(hk_check_severity s)
{
	static const char *const names[] = {"fail", "warn", "info"};
	return (unsigned)s < ELEMENTSOF(names) ? names[s] : NULL;
}

const char *hk_check_status_name(hk_check_status s)
{
	static const char *const names[] = {"pass", "fail", "skip"};
	return (unsigned)s < ELEMENTSOF(names) ? names[s] : NULL;
}

/* ---- The rule table ---- */

/* Rule @i of all sections, and its section. */
static const ck_rule *rule_at(unsigned i, const ck_section **ret_section)
{
	for (size_t s = 0; s < ELEMENTSOF(sections); s++) {
		if (i < sections[s]->n_rules) {
			if (ret_section)
				*ret_section = sections[s];
			return &sections[s]->rules[i];
		}
		i -= (unsigned)sections[s]->n_rules;
	}
	return NULL;
}

unsigned hk_check_rule_count(void)
{
	unsigned n = 0;
	for (size_t s = 0; s < ELEMENTSOF(sections); s++)
		n += (unsigned)sections[s]->n_rules;
	return n;
}

const char *hk_check_rule_id(unsigned i)
{
	const ck_rule *r = rule_at(i, NULL);
	return r ? r->id : NULL;
}

const char *hk_check_rule_section(unsigned i)
{
	const ck_section *s = NULL;
	return rule_at(i, &s) ? s->name : NULL;
}

hk_check_severity hk_check_rule_severity(unsigned i)
{
	const ck_rule *r = rule_at(i, NULL);
	return r ? r->severity : _HK_CHECK_SEVERITY_MAX;
}

const char *hk_check_rule_summary(unsigned i)
{
	const ck_rule *r = rule_at(i, NULL);
	return r ? r->summary : NULL;
}

bool hk_check_is_section(const char *name)
{
	for (size_t s = 0; s < ELEMENTSOF(sections); s++)
		if (strcmp(sections[s]->name, name) == 0)
			return true;
	return false;
}

/* ---- Results ---- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

__attribute__((format(printf, 7, 0))) static void record(ck_ctx *c, hk_check_status status,
							 const char *current, const char *expected,
							 const char *remedy, const char *needs,
							 const char *fmt, va_list ap)
{
	hk_check_report *r = c->report;

	if (r->error < 0)
		return;
	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 64;
		hk_check_result *n = reallocarray(r->results, cap, sizeof(*n));
		if (!n) {
			r->error = -ENOMEM;
			return;
		}
		r->results = n;
		r->cap = cap;
	}
	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	hk_strbuf_vprintf(&sb, fmt, ap);
	hk_check_result x = {
	    .rule = c->rule,
	    .section = c->section,
	    .status = status,
	    .message = hk_strbuf_steal(&sb),
	    .current = dup_or_null(current),
	    .expected = dup_or_null(expected),
	    .remedy = dup_or_null(remedy),
	    .needs = dup_or_null(needs),
	};
	if (!x.message || (current && !x.current) || (expected && !x.expected) ||
	    (remedy && !x.remedy) || (needs && !x.needs)) {
		free(x.message);
		free(x.current);
		free(x.expected);
		free(x.remedy);
		free(x.needs);
		r->error = -ENOMEM;
		return;
	}
	r->results[r->n++] = x;
}

void ck_pass(ck_ctx *c, const char *current, const char *expected, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(c, HK_CHECK_PASS, current, expected, NULL, NULL, fmt, ap);
	va_end(ap);
}

void ck_fail(ck_ctx *c, const char *current, const char *expected, const char *remedy,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(c, HK_CHECK_FAIL, current, expected, remedy, NULL, fmt, ap);
	va_end(ap);
}

void ck_skip(ck_ctx *c, const char *needs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(c, HK_CHECK_SKIP, NULL, NULL, NULL, needs, fmt, ap);
	va_end(ap);
}

/* ---- Scratch strings ---- */

static const char *keep(ck_ctx *c, char *s)
{
	if (!s)
		return "(out of memory)";
	if (c->n_scratch == c->cap_scratch) {
		unsigned cap = c->cap_scratch ? c->cap_scratch * 2 : 16;
		char **n = reallocarray(c->scratch, cap, sizeof(*n));
		if (!n) {
			free(s);
			return "(out of memory)";
		}
		c->scratch = n;
		c->cap_scratch = cap;
	}
	c->scratch[c->n_scratch++] = s;
	return s;
}

static void scratch_clear(ck_ctx *c)
{
	for (unsigned i = 0; i < c->n_scratch; i++)
		free(c->scratch[i]);
	c->n_scratch = 0;
}

const char *ck_fmt(ck_ctx *c, const char *fmt, ...)
{
	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	hk_strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	return keep(c, hk_strbuf_steal(&sb));
}

const char *ck_cpulist(ck_ctx *c, const hk_cpuset *s)
{
	if (!s || hk_cpuset_count(s) == 0)
		return "none";
	return keep(c, hk_cpuset_to_list(s));
}

/* The CPUs of @a that are (@in) or are not in @b, as ck_cpulist(). */
static const char *cpulist_filter(ck_ctx *c, const hk_cpuset *a, const hk_cpuset *b, bool in)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *s = hk_cpuset_dup(a);
	if (!s)
		return "(out of memory)";
	if (in)
		hk_cpuset_and(s, b);
	else
		hk_cpuset_andnot(s, b);
	return ck_cpulist(c, s);
}

const char *ck_cpulist_and(ck_ctx *c, const hk_cpuset *a, const hk_cpuset *b)
{
	return cpulist_filter(c, a, b, true);
}

const char *ck_cpulist_andnot(ck_ctx *c, const hk_cpuset *a, const hk_cpuset *b)
{
	return cpulist_filter(c, a, b, false);
}

/* ---- The host, loaded on first use ---- */

hk_root *ck_root(ck_ctx *c)
{
	return c->root;
}

bool ck_live(ck_ctx *c)
{
	return hk_root_is_live(c->root);
}

bool ck_privileged(ck_ctx *c)
{
	return !ck_live(c) || geteuid() == 0;
}

bool ck_no_sample(ck_ctx *c)
{
	return c->opt && c->opt->no_sample;
}

bool ck_may_sample(ck_ctx *c)
{
	return ck_live(c) && !(c->opt && c->opt->no_sample);
}

/* Runs a load once; on failure keeps its message for ck_skip_unread(). */
#define LOAD(c, what, call)                                                                        \
	({                                                                                         \
		if (!(c)->l_##what.tried) {                                                        \
			hk_diag _d;                                                                \
			hk_diag_clear(&_d);                                                        \
			(c)->l_##what.tried = true;                                                \
			(c)->l_##what.error = (call);                                              \
			if ((c)->l_##what.error < 0)                                               \
				snprintf((c)->l_##what.message, sizeof((c)->l_##what.message),     \
					 "%s: %s", #what,                                          \
					 _d.message[0] ? _d.message                                \
						       : strerror(-(c)->l_##what.error));          \
		}                                                                                  \
		if ((c)->l_##what.error < 0)                                                       \
			(c)->last_failed = &(c)->l_##what;                                         \
		(c)->l_##what.error < 0 ? NULL : (c)->what;                                        \
	})

const hk_topology *ck_topology(ck_ctx *c)
{
	return LOAD(c, topology, hk_topology_load(c->root, &_d, &c->topology));
}

const hk_kernel *ck_kernel(ck_ctx *c)
{
	return LOAD(c, kernel, hk_kernel_load(c->root, &_d, &c->kernel));
}

const hk_memory *ck_memory(ck_ctx *c)
{
	return LOAD(c, memory, hk_memory_load(c->root, &_d, &c->memory));
}

const hk_pci *ck_pci(ck_ctx *c)
{
	return LOAD(c, pci, hk_pci_load(c->root, &_d, &c->pci));
}

hk_irq_table *ck_irqs(ck_ctx *c)
{
	return LOAD(c, irqs, hk_irq_table_load(c->root, 0, &_d, &c->irqs));
}

const hk_netdev_list *ck_netdevs(ck_ctx *c)
{
	return LOAD(c, netdevs, hk_netdev_list_load(c->root, NULL, 0, &_d, &c->netdevs));
}

hk_ethtool *ck_ethtool(ck_ctx *c)
{
	return LOAD(c, ethtool, hk_ethtool_open(c->root, &_d, &c->ethtool));
}

const hk_softnet *ck_softnet(ck_ctx *c)
{
	return LOAD(c, softnet, hk_softnet_load(c->root, &_d, &c->softnet));
}

const hk_process_list *ck_processes(ck_ctx *c)
{
	return LOAD(c, processes, hk_process_list_load(c->root, &_d, &c->processes));
}

const hk_sysctl *ck_sysctl(ck_ctx *c, const char *key)
{
	for (unsigned i = 0; i < c->n_sysctls; i++)
		if (strcmp(c->sysctls[i].key, key) == 0)
			return c->sysctls[i].error < 0 ? NULL : c->sysctls[i].s;

	struct sysctl_entry *n = reallocarray(c->sysctls, c->n_sysctls + 1, sizeof(*n));
	if (!n)
		return NULL;
	c->sysctls = n;
	struct sysctl_entry *e = &c->sysctls[c->n_sysctls];
	*e = (struct sysctl_entry){.key = strdup(key)};
	if (!e->key)
		return NULL;
	c->n_sysctls++;
	e->error = hk_sysctl_read(c->root, key, NULL, &e->s);
	if (e->error >= 0 && hk_sysctl_get_state(e->s) == HK_SYSCTL_ABSENT)
		e->error = -ENOENT;
	else if (e->error >= 0 && hk_sysctl_get_state(e->s) == HK_SYSCTL_UNREADABLE)
		e->error = hk_sysctl_error(e->s) < 0 ? hk_sysctl_error(e->s) : -EIO;
	return e->error < 0 ? NULL : e->s;
}

int ck_sysctl_s64(ck_ctx *c, const char *key, int64_t *ret)
{
	const hk_sysctl *s = ck_sysctl(c, key);
	if (!s) {
		for (unsigned i = 0; i < c->n_sysctls; i++)
			if (strcmp(c->sysctls[i].key, key) == 0)
				return c->sysctls[i].error;
		return -ENOMEM;
	}
	return hk_sysctl_value_s64(s, 0, ret);
}

/*
 * Why sysctl @key did not read as an integer (@error -EINVAL or -ERANGE),
 * naming its file and the text read raw from it, since the parsed sysctl
 * is gone when its text does not have the key's type.
 */
static const char *sysctl_bad_text(ck_ctx *c, const char *key, int error)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0;

	if (asprintf(&path, "proc/sys/%s", key) < 0)
		return "out of memory";
	for (char *p = path + strlen("proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	if (hk_root_read(c->root, path, &buf, &len) < 0 || !buf)
		return ck_fmt(c, "cannot read %s: %s", key, strerror(-error));
	/* Shown on one line, without the trailing newline, at most 64 bytes. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n' || buf[i] == '\t' || (unsigned char)buf[i] < 0x20)
			buf[i] = ' ';
	return ck_fmt(c, "%s holds '%.*s'%s: %s", path, (int)(len > 64 ? 64 : len), buf,
		      len > 64 ? "..." : "",
		      error == -ERANGE ? "an integer out of range" : "not an integer");
}

int ck_sysctl_s64_or_skip(ck_ctx *c, const char *key, int64_t *ret)
{
	int64_t v;
	int r = ck_sysctl_s64(c, key, &v);
	if (r == -ENOENT)
		ck_skip(c, NULL, "%s is absent on this kernel", key);
	else if ((r == -EACCES || r == -EPERM) && !ck_privileged(c))
		ck_skip(c, "root", "%s is readable by root only", key);
	else if (r == -EINVAL || r == -ERANGE)
		ck_skip(c, NULL, "%s", sysctl_bad_text(c, key, r));
	else if (r < 0)
		ck_skip(c, NULL, "cannot read %s: %s", key, strerror(-r));
	else
		*ret = v;
	return r < 0 ? r : 0;
}

void ck_sysctl_want_range(ck_ctx *c, const ck_sysctl_range *want)
{
	int64_t v;
	if (ck_sysctl_s64_or_skip(c, want->key, &v) < 0)
		return;
	const char *now = ck_fmt(c, "%lld", (long long)v);
	if (v >= want->lo && v <= want->hi)
		ck_pass(c, now, want->expected, "%s is %lld: %s", want->key, (long long)v,
			want->good);
	else
		ck_fail(c, now, want->expected, ck_sysctl_remedy_s64(c, want->key, want->fix),
			"%s is %lld: %s", want->key, (long long)v, want->bad);
}

void ck_sysctl_range_rule(ck_ctx *c)
{
	ck_sysctl_want_range(c, c->rule->sysctl);
}

const char *ck_sysctl_remedy(ck_ctx *c, const char *key, const char *value)
{
	return ck_fmt(c, "sysctl -w %s=%s; echo '%s = %s' >> " SYSCTL_CONF, key, value, key, value);
}

const char *ck_sysctl_remedy_s64(ck_ctx *c, const char *key, int64_t value)
{
	return ck_sysctl_remedy(c, key, ck_fmt(c, "%lld", (long long)value));
}

static hk_cpuset *isolated_new(ck_ctx *c)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *r = hk_cpuset_new();
	const hk_kernel *k = ck_kernel(c);

	if (!r)
		return NULL;
	if (k) {
		const hk_cpuset *iso = hk_kernel_isolated(k), *nohz = hk_kernel_nohz_full(k);
		if ((iso && hk_cpuset_or(r, iso) < 0) || (nohz && hk_cpuset_or(r, nohz) < 0))
			return NULL;
		const hk_cmdline *cl = hk_kernel_cmdline(k);
		if (!iso && !nohz && cl) {
			const hk_cpuset *a = hk_cmdline_cpus(cl, HK_CMDLINE_ISOLCPUS);
			const hk_cpuset *b = hk_cmdline_cpus(cl, HK_CMDLINE_NOHZ_FULL);
			if ((a && hk_cpuset_or(r, a) < 0) || (b && hk_cpuset_or(r, b) < 0))
				return NULL;
		}
	}
	_cleanup_(hk_cpuset_freep) hk_cpuset *part = hk_cpuset_new();
	if (!part)
		return NULL;
	if (hk_root_read_cpulist(c->root, CGROUP_ISOLATED, NULL, part) >= 0 &&
	    hk_cpuset_or(r, part) < 0)
		return NULL;
	return TAKE_PTR(r);
}

static hk_cpuset *housekeeping_new(ck_ctx *c)
{
	const hk_cpuset *iso = ck_isolated(c);
	hk_cpuset *h = iso ? hk_cpuset_dup(hk_topology_cpus(c->topology, HK_CPUS_ONLINE)) : NULL;
	if (h)
		hk_cpuset_andnot(h, iso);
	return h;
}

static hk_cpuset *isolated_accepted_new(ck_ctx *c)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *s =
	    hk_cpuset_dup(hk_topology_cpus(c->topology, HK_CPUS_ISOLATED));
	if (!s || hk_cpuset_or(s, hk_topology_cpus(c->topology, HK_CPUS_NOHZ_FULL)) < 0)
		return NULL;
	return TAKE_PTR(s);
}

static const hk_cpuset *cached(ck_ctx *c, struct cached_set *s, hk_cpuset *(*make)(ck_ctx *c))
{
	if (!s->done) {
		s->done = true;
		s->set = make(c);
	}
	return s->set;
}

const hk_cpuset *ck_isolated(ck_ctx *c)
{
	/* Loaded each time, so that a failure is the one ck_skip_unread() names. */
	(void)ck_kernel(c);
	return cached(c, &c->isolated, isolated_new);
}

const hk_cpuset *ck_housekeeping(ck_ctx *c)
{
	return ck_topology(c) ? cached(c, &c->housekeeping, housekeeping_new) : NULL;
}

const hk_cpuset *ck_isolated_accepted(ck_ctx *c)
{
	return ck_topology(c) ? cached(c, &c->isolated_accepted, isolated_accepted_new) : NULL;
}

bool ck_need_isolated(ck_ctx *c, const char *none, const hk_cpuset **ret_iso,
		      const hk_cpuset **ret_hk)
{
	const hk_cpuset *iso = ck_isolated(c);
	if (!iso) {
		ck_skip_unread(c, "the isolated CPUs");
		return false;
	}
	if (hk_cpuset_is_empty(iso)) {
		ck_skip(c, NULL, "%s", none);
		return false;
	}
	const hk_cpuset *hk = ck_housekeeping(c);
	if (!hk) {
		ck_skip_unread(c, "the CPU topology");
		return false;
	}
	*ret_iso = iso;
	*ret_hk = hk;
	return true;
}

const hk_cpuset *ck_need_isolated_accepted(ck_ctx *c, const char *none)
{
	if (!ck_topology(c)) {
		ck_skip_unread(c, "the CPU topology");
		return NULL;
	}
	const hk_cpuset *iso = ck_isolated_accepted(c);
	if (!iso) {
		ck_skip(c, NULL, "out of memory");
		return NULL;
	}
	if (none && hk_cpuset_is_empty(iso)) {
		ck_skip(c, NULL, "%s", none);
		return NULL;
	}
	return iso;
}

const char *ck_cpumask(ck_ctx *c, const hk_cpuset *s)
{
	/* nbits 0: as many 32-bit words as the highest CPU needs, no leading zero words. */
	size_t need = hk_cpuset_format_mask(s, 0, NULL, 0);
	char *buf = malloc(need + 1);
	if (buf && hk_cpuset_format_mask(s, 0, buf, need + 1) != need) {
		free(buf);
		buf = NULL;
	}
	return keep(c, buf);
}

void ck_skip_unread(ck_ctx *c, const char *subject)
{
	if (c->last_failed && c->last_failed->error < 0)
		ck_skip(c, NULL, "cannot read %s (%s)", subject, c->last_failed->message);
	else
		ck_skip(c, NULL, "cannot read %s", subject);
}

static void ctx_done(ck_ctx *c)
{
	scratch_clear(c);
	free(c->scratch);
	hk_topology_free(c->topology);
	hk_kernel_free(c->kernel);
	hk_memory_free(c->memory);
	hk_pci_free(c->pci);
	hk_irq_table_free(c->irqs);
	hk_netdev_list_free(c->netdevs);
	hk_ethtool_free(c->ethtool);
	hk_softnet_free(c->softnet);
	hk_process_list_free(c->processes);
	for (unsigned i = 0; i < c->n_sysctls; i++) {
		free(c->sysctls[i].key);
		hk_sysctl_free(c->sysctls[i].s);
	}
	free(c->sysctls);
	hk_cpuset_free(c->isolated.set);
	hk_cpuset_free(c->housekeeping.set);
	hk_cpuset_free(c->isolated_accepted.set);
}

/* ---- Running ---- */

static bool section_chosen(const hk_check_options *opt, const char *name)
{
	if (!opt || opt->n_sections == 0)
		return true;
	for (unsigned i = 0; i < opt->n_sections; i++)
		if (strcmp(opt->sections[i], name) == 0)
			return true;
	return false;
}

int hk_check_run(hk_root *root, const hk_check_options *opt, hk_diag *diag, hk_check_report **ret)
{
	if (!root || !ret)
		return -EINVAL;
	for (unsigned i = 0; opt && i < opt->n_sections; i++)
		if (!hk_check_is_section(opt->sections[i]))
			return hk_diag_set(diag, -EINVAL, NULL, "no check section '%s'",
					   opt->sections[i]);
	if (opt && opt->only) {
		int found = -1;
		for (unsigned i = 0; i < hk_check_rule_count() && found < 0; i++)
			if (strcmp(hk_check_rule_id(i), opt->only) == 0)
				found = (int)i;
		if (found < 0)
			return hk_diag_set(diag, -EINVAL, NULL, "no check rule '%s'", opt->only);
		/* Both given and disjoint: nothing would run, and exit 0 would say all is well. */
		const char *in = hk_check_rule_section((unsigned)found);
		if (!section_chosen(opt, in)) {
			_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
			for (unsigned i = 0; i < opt->n_sections; i++)
				hk_strbuf_printf(&sb, "%s%s", i ? ", " : "", opt->sections[i]);
			return hk_diag_set(diag, -EINVAL, NULL,
					   "rule '%s' is in section %s, not in %s", opt->only, in,
					   sb.len ? sb.buf : "the chosen sections");
		}
	}

	hk_check_report *report = calloc(1, sizeof(*report));
	if (!report)
		return -ENOMEM;
	ck_ctx c = {.root = root, .opt = opt, .report = report};
	for (size_t s = 0; s < ELEMENTSOF(sections); s++) {
		if (!section_chosen(opt, sections[s]->name))
			continue;
		for (size_t i = 0; i < sections[s]->n_rules; i++) {
			const ck_rule *rule = &sections[s]->rules[i];
			if (opt && opt->only && strcmp(opt->only, rule->id) != 0)
				continue;
			c.rule = rule;
			c.section = sections[s]->name;
			c.last_failed = NULL;
			rule->run(&c);
			scratch_clear(&c);
		}
	}
	ctx_done(&c);
	if (report->error < 0) {
		int r = report->error;
		hk_check_report_free(report);
		return r;
	}
	*ret = report;
	return 0;
}

void hk_check_report_free(hk_check_report *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n; i++) {
		free(r->results[i].message);
		free(r->results[i].current);
		free(r->results[i].expected);
		free(r->results[i].remedy);
		free(r->results[i].needs);
	}
	free(r->results);
	free(r);
}

unsigned hk_check_report_count(const hk_check_report *r)
{
	return r ? r->n : 0;
}

const hk_check_result *hk_check_report_get(const hk_check_report *r, unsigned i)
{
	return r && i < r->n ? &r->results[i] : NULL;
}

unsigned hk_check_report_tally(const hk_check_report *r, hk_check_status status,
			       hk_check_severity severity)
{
	unsigned n = 0;
	for (unsigned i = 0; r && i < r->n; i++)
		if (r->results[i].status == status &&
		    (status != HK_CHECK_FAIL || r->results[i].rule->severity == severity))
			n++;
	return n;
}

bool hk_check_report_failed(const hk_check_report *r)
{
	return hk_check_report_tally(r, HK_CHECK_FAIL, HK_CHECK_SEVERITY_FAIL) > 0;
}

const char *hk_check_result_id(const hk_check_result *x)
{
	return x->rule->id;
}

const char *hk_check_result_section(const hk_check_result *x)
{
	return x->section;
}

hk_check_severity hk_check_result_severity(const hk_check_result *x)
{
	return x->rule->severity;
}

hk_check_status hk_check_result_status(const hk_check_result *x)
{
	return x->status;
}

const char *hk_check_result_message(const hk_check_result *x)
{
	return x->message;
}

const char *hk_check_result_current(const hk_check_result *x)
{
	return x->current;
}

const char *hk_check_result_expected(const hk_check_result *x)
{
	return x->expected;
}

const char *hk_check_result_remedy(const hk_check_result *x)
{
	return x->remedy;
}

const char *hk_check_result_needs(const hk_check_result *x)
{
	return x->needs;
}
