/* SPDX-License-Identifier: MIT */
/* `hostkit inspect irq`: /proc/interrupts with /proc/irq/N/, the default affinity, irqbalance. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_table *, hk_irq_table_free)

static int load_table(cli_ctx *ctx, hk_irq_table **ret)
{
	hk_diag_clear(&ctx->diag);
	int r = hk_irq_table_load(ctx->root, 0, &ctx->diag, ret);
	if (r == -ENOENT && !hk_root_is_live(ctx->root)) {
		/* A capture without /proc/interrupts (hwloc's have none): said, not failed. */
		*ret = NULL;
		return 0;
	}
	if (r < 0) {
		cli_error(ctx, r, "cannot read the interrupts");
		return r;
	}
	/* A malformed /proc/irq file is that item's "malformed", said once here. */
	for (size_t i = 0; i < hk_irq_table_n_problems(*ret); i++)
		fprintf(stderr, "hostkit: warning: %s\n", hk_irq_table_problem(*ret, i));
	return 0;
}

static const char absent[] = "proc/interrupts is not in this tree";

static int check_args(cli_ctx *ctx, const cli_args *args)
{
	(void)ctx;
	if (args && args->argc > 0) {
		fprintf(stderr, "hostkit: usage: hostkit inspect irq (it takes no argument)\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * The errno name of a negative errno ("ENOENT"); "malformed" for a file
 * that reads but does not parse (EBADMSG), as `inspect net` says it.
 */
static const char *errname(int r)
{
	if (r == -EBADMSG)
		return "malformed";
	const char *n = strerrorname_np(-r);
	return n ? n : "error";
}

/* ---- JSON ---- */

/* "problems": the messages of the malformed files, always present. */
static void json_problems(hk_json *j, const hk_irq_table *t)
{
	hk_json_key(j, "problems");
	hk_json_array_begin(j);
	for (size_t i = 0; t && i < hk_irq_table_n_problems(t); i++)
		hk_json_string(j, hk_irq_table_problem(t, i));
	hk_json_array_end(j);
}

static void json_counts(hk_json *j, const hk_irq *irq)
{
	hk_json_key(j, "counts");
	hk_json_array_begin(j);
	for (unsigned c = 0; c < hk_irq_n_counts(irq); c++)
		hk_json_u64(j, hk_irq_count(irq, c));
	hk_json_array_end(j);
	hk_json_kv_u64(j, "total", hk_irq_total(irq));
}

static void json_set_or_null(hk_json *j, const char *key, const hk_cpuset *s)
{
	if (s) {
		cli_json_cpulist(j, key, s);
	} else {
		hk_json_key(j, key);
		hk_json_null(j);
	}
}

static void json_irq(hk_json *j, const hk_irq *irq)
{
	const hk_cpuset *set;
	const char *const *names;
	int node;

	hk_json_object_begin(j);
	hk_json_kv_u64(j, "irq", (uint64_t)hk_irq_number(irq));
	cli_json_string_or_null(j, "chip", hk_irq_chip(irq));
	hk_json_kv_s64_or_null(j, "hwirq", hk_irq_hwirq(irq));
	cli_json_string_or_null(j, "trigger", hk_irq_trigger(irq));
	cli_json_string_or_null(j, "flow", hk_irq_flow(irq));
	hk_json_kv_string(j, "name", hk_irq_name(irq));
	hk_json_key(j, "actions");
	hk_json_array_begin(j);
	for (size_t a = 0; a < hk_irq_n_actions(irq); a++)
		hk_json_string(j, hk_irq_action(irq, a));
	hk_json_array_end(j);
	json_counts(j, irq);
	json_set_or_null(j, "affinity", hk_irq_affinity(irq));
	json_set_or_null(j, "effective_affinity", hk_irq_effective_affinity(irq));
	/* Each proc/irq/N file as read (masks as CPU lists), null when unreadable. */
	hk_json_key(j, "files");
	hk_json_object_begin(j);
	for (unsigned s = 0; s < _HK_IRQ_SET_MAX; s++)
		json_set_or_null(j, hk_irq_set_name(s),
				 hk_irq_get_set(irq, s, &set) == 0 ? set : NULL);
	hk_json_object_end(j);
	hk_json_key(j, "node");
	if (hk_irq_get_node(irq, &node) == 0)
		hk_json_s64(j, node);
	else
		hk_json_null(j);
	hk_json_key(j, "proc_actions");
	int n = hk_irq_get_dir_actions(irq, &names);
	if (n >= 0) {
		hk_json_array_begin(j);
		for (int i = 0; i < n; i++)
			hk_json_string(j, names[i]);
		hk_json_array_end(j);
	} else {
		hk_json_null(j);
	}
	/* Why an item is null: the errno of each /proc/irq/N file that could not be read. */
	hk_json_key(j, "errors");
	hk_json_object_begin(j);
	for (unsigned s = 0; s < _HK_IRQ_SET_MAX; s++) {
		int r = hk_irq_get_set(irq, s, &set);
		if (r < 0)
			hk_json_kv_string(j, hk_irq_set_name(s), errname(r));
	}
	int r = hk_irq_get_node(irq, &node);
	if (r < 0)
		hk_json_kv_string(j, "node", errname(r));
	if (n < 0)
		hk_json_kv_string(j, "actions", errname(n));
	hk_json_object_end(j);
	hk_json_object_end(j);
}

int irq_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	const hk_cpuset *banned = NULL;

	int r = check_args(ctx, args);
	if (r < 0)
		return r;
	r = load_table(ctx, &t);
	if (r < 0)
		return r;
	if (!t) {
		hk_json_kv_string(j, "absent", absent);
		json_problems(j, NULL);
		return 0;
	}

	json_problems(j, t);
	hk_json_key(j, "columns");
	hk_json_array_begin(j);
	for (unsigned c = 0; c < hk_irq_table_n_columns(t); c++)
		hk_json_u64(j, (uint64_t)hk_irq_table_column_cpu(t, c));
	hk_json_array_end(j);

	hk_json_key(j, "irqs");
	hk_json_array_begin(j);
	for (size_t i = 0; i < hk_irq_table_n_irqs(t); i++)
		json_irq(j, hk_irq_table_irq(t, i));
	hk_json_array_end(j);

	hk_json_key(j, "other");
	hk_json_array_begin(j);
	for (size_t i = 0; i < hk_irq_table_n_other(t); i++) {
		const hk_irq *o = hk_irq_table_other(t, i);
		hk_json_object_begin(j);
		hk_json_kv_string(j, "name", hk_irq_label(o));
		hk_json_kv_string(j, "description", hk_irq_name(o));
		hk_json_kv_bool(j, "single", hk_irq_is_single(o));
		if (hk_irq_is_single(o)) {
			hk_json_kv_u64(j, "total", hk_irq_total(o));
		} else {
			json_counts(j, o);
		}
		hk_json_object_end(j);
	}
	hk_json_array_end(j);

	json_set_or_null(j, "default_affinity", hk_irq_table_default_affinity(t));
	int running = hk_irq_table_irqbalance(t);
	hk_json_key(j, "irqbalance_running");
	if (running >= 0)
		hk_json_bool(j, running > 0);
	else
		hk_json_null(j);
	hk_json_kv_s64_or_null(j, "irqbalance_pid", hk_irq_table_irqbalance_pid(t));
	r = hk_irq_table_irqbalance_banned(t, &banned);
	json_set_or_null(j, "irqbalance_banned_cpus", r == 0 ? banned : NULL);
	hk_json_key(j, "irqbalance_banned_status");
	if (r == 0)
		hk_json_string(j, "known");
	else if (r == -ENODATA)
		hk_json_string(j, running > 0 ? "not set" : "not running");
	else
		hk_json_string(j, errname(r));
	return 0;
}

/* ---- text ---- */

static void put_set(hk_strbuf *sb, size_t width, const hk_cpuset *s)
{
	_cleanup_free_ char *list = s ? hk_cpuset_to_list(s) : NULL;

	if (!s)
		cli_cell(sb, width, "?");
	else if (!list)
		sb->error = -ENOMEM;
	else
		cli_cell(sb, width, "%s", *list ? list : "none");
}

int irq_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	const hk_cpuset *banned = NULL;

	int r = check_args(ctx, args);
	if (r < 0)
		return r;
	r = load_table(ctx, &t);
	if (r < 0)
		return r;
	if (!t) {
		hk_strbuf_printf(sb, "Interrupts: %s\n", absent);
		return 0;
	}

	hk_strbuf_printf(sb, "Interrupts (%zu, counted on %u CPUs)\n", hk_irq_table_n_irqs(t),
			 hk_irq_table_n_columns(t));
	cli_row_begin(sb);
	cli_cell(sb, 6, "irq");
	cli_cell(sb, 22, "chip");
	cli_cell(sb, 8, "hwirq");
	cli_cell(sb, 8, "trigger");
	cli_cell(sb, 12, "total");
	cli_cell(sb, 10, "affinity");
	cli_cell(sb, 10, "effective");
	cli_cell(sb, 5, "node");
	cli_cell(sb, 0, "name");
	cli_end_row(sb);
	for (size_t i = 0; i < hk_irq_table_n_irqs(t); i++) {
		const hk_irq *irq = hk_irq_table_irq(t, i);
		int64_t hw = hk_irq_hwirq(irq);
		int node;

		cli_row_begin(sb);
		cli_cell(sb, 6, "%d", hk_irq_number(irq));
		cli_cell(sb, 22, "%s", hk_irq_chip(irq) ? hk_irq_chip(irq) : "-");
		if (hw >= 0)
			cli_cell(sb, 8, "%" PRId64, hw);
		else
			cli_cell(sb, 8, "-");
		cli_cell(sb, 8, "%s", hk_irq_trigger(irq) ? hk_irq_trigger(irq) : "-");
		cli_cell(sb, 12, "%" PRIu64, hk_irq_total(irq));
		put_set(sb, 10, hk_irq_affinity(irq));
		put_set(sb, 10, hk_irq_effective_affinity(irq));
		if (hk_irq_get_node(irq, &node) == 0)
			cli_cell(sb, 5, "%d", node);
		else
			cli_cell(sb, 5, "?");
		cli_cell(sb, 0, "%s", hk_irq_name(irq));
		cli_end_row(sb);
	}

	if (hk_irq_table_n_other(t) > 0) {
		hk_strbuf_puts(sb, "\nOther interrupts (per-CPU counts summed)\n");
		cli_row_begin(sb);
		cli_cell(sb, 6, "name");
		cli_cell(sb, 14, "total");
		cli_cell(sb, 14, "busiest cpu");
		cli_cell(sb, 0, "description");
		cli_end_row(sb);
		for (size_t i = 0; i < hk_irq_table_n_other(t); i++) {
			const hk_irq *o = hk_irq_table_other(t, i);
			cli_row_begin(sb);
			cli_cell(sb, 6, "%s", hk_irq_label(o));
			cli_cell(sb, 14, "%" PRIu64, hk_irq_total(o));
			if (hk_irq_is_single(o) || hk_irq_total(o) == 0) {
				cli_cell(sb, 14, "-");
			} else {
				unsigned best = 0;
				for (unsigned c = 1; c < hk_irq_n_counts(o); c++)
					if (hk_irq_count(o, c) > hk_irq_count(o, best))
						best = c;
				cli_cell(sb, 14, "%d", hk_irq_table_column_cpu(t, best));
			}
			cli_cell(sb, 0, "%s", hk_irq_name(o));
			cli_end_row(sb);
		}
	}

	hk_strbuf_puts(sb, "\n");
	cli_row_begin(sb);
	cli_cell(sb, 22, "default affinity");
	if (hk_irq_table_default_affinity(t))
		cli_put_cpulist(sb, hk_irq_table_default_affinity(t));
	else
		hk_strbuf_printf(sb, "unknown (%s)",
				 errname(hk_irq_table_default_affinity_status(t)));
	cli_end_row(sb);
	cli_row_begin(sb);
	cli_cell(sb, 22, "irqbalance");
	int running = hk_irq_table_irqbalance(t);
	if (running > 0)
		hk_strbuf_printf(sb, "running (pid %d)", hk_irq_table_irqbalance_pid(t));
	else if (running == 0)
		hk_strbuf_puts(sb, "not running");
	else
		hk_strbuf_printf(sb, "unknown (%s)", errname(running));
	cli_end_row(sb);
	if (running > 0) {
		cli_row_begin(sb);
		cli_cell(sb, 22, "irqbalance banned");
		r = hk_irq_table_irqbalance_banned(t, &banned);
		if (r == 0)
			cli_put_cpulist(sb, banned);
		else if (r == -ENODATA)
			hk_strbuf_puts(sb, "none set");
		else
			hk_strbuf_printf(sb, "unknown (%s)", errname(r));
		cli_end_row(sb);
	}
	return 0;
}
