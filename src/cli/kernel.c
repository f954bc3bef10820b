/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_kernel *, hk_kernel_free)

/* Width of the label column of the text output. */
#define LABEL_WIDTH 24

static int load_kernel(cli_ctx *ctx, hk_kernel **ret)
{
	hk_diag_clear(&ctx->diag);
	int r = hk_kernel_load(ctx->root, &ctx->diag, ret);
	if (r < 0)
		cli_error(ctx, r, "cannot read the kernel's state");
	return r;
}

static const struct {
	const char *key;
	hk_cmdline_cpulist which;
} cpulists[] = {
    {"nohz_full", HK_CMDLINE_NOHZ_FULL},
    {"rcu_nocbs", HK_CMDLINE_RCU_NOCBS},
    {"irqaffinity", HK_CMDLINE_IRQAFFINITY},
};

/* The settings shown by the command line's text (and JSON, where no special form is needed). */
static const struct {
	const char *key;
	hk_cmdline_setting which;
	bool number;
} settings[] = {
    {"transparent_hugepage", HK_CMDLINE_TRANSPARENT_HUGEPAGE, false},
    {"mitigations", HK_CMDLINE_MITIGATIONS, false},
    {"idle", HK_CMDLINE_IDLE, false},
    {"intel_idle.max_cstate", HK_CMDLINE_INTEL_IDLE_MAX_CSTATE, true},
    {"processor.max_cstate", HK_CMDLINE_PROCESSOR_MAX_CSTATE, true},
    {"cpuidle.off", HK_CMDLINE_CPUIDLE_OFF, true},
    {"watchdog_thresh", HK_CMDLINE_WATCHDOG_THRESH, true},
    {"skew_tick", HK_CMDLINE_SKEW_TICK, true},
    {"tsc", HK_CMDLINE_TSC, false},
};

static void json_cpulist_or_null(hk_json *j, const char *key, const hk_cpuset *s)
{
	if (s) {
		cli_json_cpulist(j, key, s);
	} else {
		hk_json_key(j, key);
		hk_json_null(j);
	}
}

static void json_bool_or_null(hk_json *j, const char *key, int64_t v)
{
	hk_json_key(j, key);
	if (v < 0)
		hk_json_null(j);
	else
		hk_json_bool(j, v != 0);
}

static void json_hugepages(hk_json *j, const hk_cmdline *c)
{
	hk_json_key(j, "hugepages");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_cmdline_n_hugepages(c); i++) {
		const hk_cmdline_hugepages *h = hk_cmdline_hugepages_get(c, i);
		hk_json_object_begin(j);
		hk_json_key(j, "size");
		if (hk_cmdline_hugepages_size(h))
			hk_json_u64(j, hk_cmdline_hugepages_size(h));
		else
			hk_json_null(j);
		hk_json_kv_s64_or_null(j, "pages", hk_cmdline_hugepages_pages(h));
		hk_json_key(j, "nodes");
		if (hk_cmdline_hugepages_n_nodes(h) == 0) {
			hk_json_null(j);
		} else {
			hk_json_array_begin(j);
			for (unsigned k = 0; k < hk_cmdline_hugepages_n_nodes(h); k++) {
				unsigned node;
				uint64_t pages;
				hk_cmdline_hugepages_node(h, k, &node, &pages);
				hk_json_object_begin(j);
				hk_json_kv_u64(j, "node", node);
				hk_json_kv_u64(j, "pages", pages);
				hk_json_object_end(j);
			}
			hk_json_array_end(j);
		}
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
	hk_json_key(j, "default_hugepagesz");
	if (hk_cmdline_default_hugepagesz(c))
		hk_json_u64(j, hk_cmdline_default_hugepagesz(c));
	else
		hk_json_null(j);
}

static void json_cmdline(hk_json *j, const hk_cmdline *c)
{
	char buf[64];

	hk_json_object_begin(j);
	hk_json_kv_string(j, "text", hk_cmdline_text(c));

	hk_json_key(j, "params");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_cmdline_n_params(c); i++) {
		hk_json_object_begin(j);
		hk_json_kv_string(j, "key", hk_cmdline_param_key(c, i));
		cli_json_string_or_null(j, "value", hk_cmdline_param_value(c, i));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);

	hk_json_key(j, "init_args");
	if (!hk_cmdline_has_init_args(c)) {
		hk_json_null(j);
	} else {
		hk_json_array_begin(j);
		for (unsigned i = 0; i < hk_cmdline_n_init_args(c); i++)
			hk_json_string(j, hk_cmdline_init_arg(c, i));
		hk_json_array_end(j);
	}

	hk_json_key(j, "isolcpus");
	const hk_cpuset *iso = hk_cmdline_cpus(c, HK_CMDLINE_ISOLCPUS);
	if (!iso) {
		hk_json_null(j);
	} else {
		unsigned f = hk_cmdline_isolcpus_flags(c);
		hk_json_object_begin(j);
		cli_json_cpulist(j, "cpus", iso);
		hk_json_kv_bool(j, "domain", f & HK_ISOLCPUS_DOMAIN);
		hk_json_kv_bool(j, "nohz", f & HK_ISOLCPUS_NOHZ);
		hk_json_kv_bool(j, "managed_irq", f & HK_ISOLCPUS_MANAGED_IRQ);
		hk_json_object_end(j);
	}
	for (unsigned i = 0; i < ELEMENTSOF(cpulists); i++)
		json_cpulist_or_null(j, cpulists[i].key, hk_cmdline_cpus(c, cpulists[i].which));

	json_hugepages(j, c);

	json_bool_or_null(j, "numa_balancing",
			  hk_cmdline_setting_get(c, HK_CMDLINE_NUMA_BALANCING));
	int64_t nosmt = hk_cmdline_setting_get(c, HK_CMDLINE_NOSMT);
	cli_json_string_or_null(j, "nosmt",
			    nosmt < 0		      ? NULL
			    : nosmt == HK_NOSMT_FORCE ? "force"
						      : "on");
	for (unsigned i = 0; i < ELEMENTSOF(settings); i++) {
		if (settings[i].number)
			hk_json_kv_s64_or_null(j, settings[i].key,
					       hk_cmdline_setting_get(c, settings[i].which));
		else
			cli_json_string_or_null(
			    j, settings[i].key,
			    hk_cmdline_setting_format(c, settings[i].which, buf, sizeof(buf)));
	}
	hk_json_kv_bool(j, "nowatchdog", hk_cmdline_setting_get(c, HK_CMDLINE_NOWATCHDOG) > 0);
	hk_json_kv_bool(j, "nosoftlockup", hk_cmdline_setting_get(c, HK_CMDLINE_NOSOFTLOCKUP) > 0);
	json_bool_or_null(j, "nmi_watchdog", hk_cmdline_setting_get(c, HK_CMDLINE_NMI_WATCHDOG));
	json_bool_or_null(j, "nmi_watchdog_panic",
			  hk_cmdline_setting_get(c, HK_CMDLINE_NMI_WATCHDOG_PANIC));

	hk_json_key(j, "errors");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_cmdline_n_errors(c); i++) {
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "param", (uint64_t)hk_cmdline_error_param(c, i));
		hk_json_kv_string(j, "message", hk_cmdline_error_message(c, i));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
	hk_json_object_end(j);
}

int kernel_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(hk_kernel_freep) hk_kernel *k = NULL;

	int r = load_kernel(ctx, &k);
	if (r < 0)
		return r;

	cli_json_string_or_null(j, "release", hk_kernel_release(k));
	cli_json_string_or_null(j, "version", hk_kernel_version(k));
	cli_json_string_or_null(j, "ostype", hk_kernel_ostype(k));
	cli_json_string_or_null(j, "boot_id", hk_kernel_boot_id(k));

	hk_json_key(j, "cmdline");
	if (hk_kernel_cmdline(k))
		json_cmdline(j, hk_kernel_cmdline(k));
	else
		hk_json_null(j);

	hk_json_key(j, "accepted");
	hk_json_object_begin(j);
	json_cpulist_or_null(j, "isolated", hk_kernel_isolated(k));
	json_cpulist_or_null(j, "nohz_full", hk_kernel_nohz_full(k));
	hk_json_object_end(j);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Text */

static void label(hk_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void label(hk_strbuf *sb, const char *fmt, ...)
{
	size_t from = sb->len;
	va_list ap;

	hk_strbuf_puts(sb, "  ");
	va_start(ap, fmt);
	hk_strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
	/* A label longer than the column still gets a blank before its value. */
	hk_strbuf_pad(sb, from, MAX((size_t)LABEL_WIDTH, sb->len - from + 1));
}

static void text_row(hk_strbuf *sb, const char *name, const char *value)
{
	label(sb, "%s", name);
	hk_strbuf_puts(sb, value ? value : "absent");
	cli_end_row(sb);
}

static void text_cpus_row(hk_strbuf *sb, const char *name, const hk_cpuset *s, const char *suffix)
{
	label(sb, "%s", name);
	if (s)
		cli_put_cpulist(sb, s);
	else
		hk_strbuf_puts(sb, "absent");
	if (suffix)
		hk_strbuf_puts(sb, suffix);
	cli_end_row(sb);
}

static void text_typed(hk_strbuf *sb, const hk_cmdline *c)
{
	char buf[64];
	const hk_cpuset *iso = hk_cmdline_cpus(c, HK_CMDLINE_ISOLCPUS);

	if (iso) {
		static const struct {
			unsigned flag;
			const char *name;
		} names[] = {
		    {HK_ISOLCPUS_DOMAIN, "domain"},
		    {HK_ISOLCPUS_NOHZ, "nohz"},
		    {HK_ISOLCPUS_MANAGED_IRQ, "managed_irq"},
		};
		unsigned f = hk_cmdline_isolcpus_flags(c);
		char flags[64] = " (";
		for (unsigned i = 0, n = 0; i < ELEMENTSOF(names); i++)
			if (f & names[i].flag) {
				strcat(flags, n++ ? "," : "");
				strcat(flags, names[i].name);
			}
		strcat(flags, ")");
		text_cpus_row(sb, "isolcpus", iso, flags);
	}
	for (unsigned i = 0; i < ELEMENTSOF(cpulists); i++)
		if (hk_cmdline_cpus(c, cpulists[i].which))
			text_cpus_row(sb, cpulists[i].key, hk_cmdline_cpus(c, cpulists[i].which),
				      NULL);

	for (unsigned i = 0; i < hk_cmdline_n_hugepages(c); i++) {
		const hk_cmdline_hugepages *h = hk_cmdline_hugepages_get(c, i);
		char size[32] = "default size";
		if (hk_cmdline_hugepages_size(h))
			cli_format_bytes(hk_cmdline_hugepages_size(h), size, sizeof(size));
		label(sb, "huge pages of %s", size);
		int64_t pages = hk_cmdline_hugepages_pages(h);
		if (pages < 0)
			hk_strbuf_puts(sb, "size only (no hugepages=)");
		else
			hk_strbuf_printf(sb, "%" PRId64, pages);
		for (unsigned k = 0; k < hk_cmdline_hugepages_n_nodes(h); k++) {
			unsigned node;
			uint64_t n;
			hk_cmdline_hugepages_node(h, k, &node, &n);
			hk_strbuf_printf(sb, "%snode %u: %" PRIu64, k ? ", " : " (", node, n);
			if (k + 1 == hk_cmdline_hugepages_n_nodes(h))
				hk_strbuf_putc(sb, ')');
		}
		cli_end_row(sb);
	}
	if (hk_cmdline_default_hugepagesz(c))
		text_row(sb, "default huge page size",
			 cli_format_bytes(hk_cmdline_default_hugepagesz(c), buf, sizeof(buf)));

	const hk_cmdline_setting others[] = {HK_CMDLINE_NUMA_BALANCING, HK_CMDLINE_NOSMT};
	const char *other_names[] = {"numa_balancing", "nosmt"};
	for (unsigned i = 0; i < ELEMENTSOF(others); i++)
		if (hk_cmdline_setting_format(c, others[i], buf, sizeof(buf)))
			text_row(sb, other_names[i], buf);
	for (unsigned i = 0; i < ELEMENTSOF(settings); i++)
		if (hk_cmdline_setting_format(c, settings[i].which, buf, sizeof(buf)))
			text_row(sb, settings[i].key, buf);
	if (hk_cmdline_setting_get(c, HK_CMDLINE_NOWATCHDOG) > 0)
		text_row(sb, "nowatchdog", "yes");
	if (hk_cmdline_setting_get(c, HK_CMDLINE_NOSOFTLOCKUP) > 0)
		text_row(sb, "nosoftlockup", "yes");
	int64_t nmi = hk_cmdline_setting_get(c, HK_CMDLINE_NMI_WATCHDOG);
	if (nmi >= 0)
		text_row(sb, "nmi_watchdog", nmi ? "on" : "off");
	if (hk_cmdline_setting_format(c, HK_CMDLINE_NMI_WATCHDOG_PANIC, buf, sizeof(buf)))
		text_row(sb, "nmi_watchdog panic", buf);
}

static void text_cmdline(hk_strbuf *sb, const hk_cmdline *c)
{
	hk_strbuf_puts(sb, "\nCommand line\n");
	size_t before = sb->len;
	text_typed(sb, c);
	if (sb->len == before)
		hk_strbuf_puts(sb, "  (no parameter hostkit reads)\n");

	hk_strbuf_printf(sb, "\nParameters (%u)\n", hk_cmdline_n_params(c));
	for (unsigned i = 0; i < hk_cmdline_n_params(c); i++) {
		const char *v = hk_cmdline_param_value(c, i);
		if (v) {
			label(sb, "%s", hk_cmdline_param_key(c, i));
			/* Quotes show where a value holds blanks (or is empty). */
			if (!*v || strpbrk(v, " \t"))
				hk_strbuf_printf(sb, "\"%s\"", v);
			else
				hk_strbuf_puts(sb, v);
		} else {
			hk_strbuf_printf(sb, "  %s", hk_cmdline_param_key(c, i));
		}
		cli_end_row(sb);
	}
	if (hk_cmdline_has_init_args(c)) {
		hk_strbuf_printf(sb, "\nInit arguments (after --: %u)\n",
				 hk_cmdline_n_init_args(c));
		for (unsigned i = 0; i < hk_cmdline_n_init_args(c); i++) {
			hk_strbuf_printf(sb, "  %s", hk_cmdline_init_arg(c, i));
			cli_end_row(sb);
		}
	}
	if (hk_cmdline_n_errors(c) > 0) {
		hk_strbuf_puts(sb, "\nParameters the kernel does not take as given\n");
		for (unsigned i = 0; i < hk_cmdline_n_errors(c); i++) {
			hk_strbuf_printf(sb, "  %s", hk_cmdline_error_message(c, i));
			cli_end_row(sb);
		}
	}
}

int kernel_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(hk_kernel_freep) hk_kernel *k = NULL;

	int r = load_kernel(ctx, &k);
	if (r < 0)
		return r;

	hk_strbuf_puts(sb, "Kernel\n");
	text_row(sb, "release", hk_kernel_release(k));
	text_row(sb, "version", hk_kernel_version(k));
	text_row(sb, "ostype", hk_kernel_ostype(k));
	text_row(sb, "boot id", hk_kernel_boot_id(k));
	text_cpus_row(sb, "isolated (accepted)", hk_kernel_isolated(k), NULL);
	text_cpus_row(sb, "nohz_full (accepted)", hk_kernel_nohz_full(k), NULL);

	if (hk_kernel_cmdline(k))
		text_cmdline(sb, hk_kernel_cmdline(k));
	else
		hk_strbuf_puts(sb, "\nCommand line\n  - (no proc/cmdline)\n");
	return 0;
}
