/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_softnet *, hk_softnet_free)

static int load_softnet(cli_ctx *ctx, const cli_args *args, hk_softnet **ret)
{
	if (args && args->argc > 0) {
		fprintf(stderr, "hostkit: inspect softnet takes no arguments\n");
		return -EINVAL;
	}
	hk_diag_clear(&ctx->diag);
	int r = hk_softnet_load(ctx->root, &ctx->diag, ret);
	if (r == -ENOENT && !hk_root_is_live(ctx->root)) {
		/* A capture without the file (hwloc's have none): said, not failed. */
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		cli_error(ctx, r, "cannot read the softnet statistics");
	return r;
}

static const char absent[] = "proc/net/softnet_stat is not in this tree";

/* The counters shown, in the order of the file. */
static const hk_softnet_field shown[] = {
    HK_SOFTNET_PROCESSED,    HK_SOFTNET_DROPPED,	  HK_SOFTNET_TIME_SQUEEZE,
    HK_SOFTNET_RECEIVED_RPS, HK_SOFTNET_FLOW_LIMIT_COUNT, HK_SOFTNET_BACKLOG_LEN,
    HK_SOFTNET_INPUT_QLEN,   HK_SOFTNET_PROCESS_QLEN,
};

/* ---- JSON ---- */

/* JSON also has cpu_collision, the 9th column (0 since 2.6.x kernels, kept for old ones). */
static const hk_softnet_field in_json[] = {
    HK_SOFTNET_PROCESSED,     HK_SOFTNET_DROPPED,      HK_SOFTNET_TIME_SQUEEZE,
    HK_SOFTNET_CPU_COLLISION, HK_SOFTNET_RECEIVED_RPS, HK_SOFTNET_FLOW_LIMIT_COUNT,
    HK_SOFTNET_BACKLOG_LEN,   HK_SOFTNET_INPUT_QLEN,   HK_SOFTNET_PROCESS_QLEN,
};

int softnet_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(hk_softnet_freep) hk_softnet *s = NULL;

	int r = load_softnet(ctx, args, &s);
	if (r < 0)
		return r;
	if (!s) {
		hk_json_kv_string(j, "absent", absent);
		return 0;
	}
	hk_json_key(j, "cpus");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_softnet_n_rows(s); i++) {
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "row", i);
		hk_json_kv_s64_or_null(j, "cpu", hk_softnet_cpu(s, i));
		hk_json_kv_u64(j, "columns", hk_softnet_n_columns(s, i));
		for (unsigned k = 0; k < ELEMENTSOF(in_json); k++)
			hk_json_kv_s64_or_null(j, hk_softnet_field_name(in_json[k]),
					       hk_softnet_get(s, i, in_json[k]));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
	hk_json_key(j, "total");
	hk_json_object_begin(j);
	for (unsigned k = 0; k < ELEMENTSOF(in_json); k++)
		hk_json_kv_s64_or_null(j, hk_softnet_field_name(in_json[k]),
				       hk_softnet_total(s, in_json[k]));
	hk_json_object_end(j);
	return 0;
}

/* ---- Text ---- */

static const char *const heading[] = {
    "processed", "dropped", "squeezed", "rps", "flow limit", "backlog", "input q", "process q",
};

static void value_cell(hk_strbuf *sb, int64_t v)
{
	if (v >= 0)
		cli_cell(sb, 12, "%" PRId64, v);
	else
		cli_cell(sb, 12, "-");
}

int softnet_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(hk_softnet_freep) hk_softnet *s = NULL;
	bool has[ELEMENTSOF(shown)];

	int r = load_softnet(ctx, args, &s);
	if (r < 0)
		return r;
	if (!s) {
		hk_strbuf_printf(sb, "Softnet: %s\n", absent);
		return 0;
	}
	unsigned n = hk_softnet_n_rows(s);
	/* Only the columns this kernel writes. */
	for (unsigned k = 0; k < ELEMENTSOF(shown); k++)
		has[k] = hk_softnet_total(s, shown[k]) >= 0;

	hk_strbuf_printf(sb, "Softnet (%u CPUs)\n", n);
	cli_row_begin(sb);
	cli_cell(sb, 6, "cpu");
	for (unsigned k = 0; k < ELEMENTSOF(shown); k++)
		if (has[k])
			cli_cell(sb, 12, "%s", heading[k]);
	cli_end_row(sb);
	for (unsigned i = 0; i < n; i++) {
		int cpu = hk_softnet_cpu(s, i);
		cli_row_begin(sb);
		if (cpu >= 0)
			cli_cell(sb, 6, "%d", cpu);
		else
			cli_cell(sb, 6, "#%u", i);
		for (unsigned k = 0; k < ELEMENTSOF(shown); k++)
			if (has[k])
				value_cell(sb, hk_softnet_get(s, i, shown[k]));
		cli_end_row(sb);
	}
	cli_row_begin(sb);
	cli_cell(sb, 6, "total");
	for (unsigned k = 0; k < ELEMENTSOF(shown); k++)
		if (has[k])
			value_cell(sb, hk_softnet_total(s, shown[k]));
	cli_end_row(sb);
	for (unsigned i = 0; i < n; i++)
		if (hk_softnet_cpu(s, i) < 0) {
			hk_strbuf_puts(sb, "\n#N: the N-th row; this kernel does not print the "
					   "CPU and the online CPUs do not match the rows.\n");
			break;
		}
	return 0;
}
