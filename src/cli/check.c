/* SPDX-License-Identifier: MIT */
/*
 * `hostkit check`: runs the rules (src/check/) and prints a table for people
 * (coloured on a terminal), a summary line, or JSON. Exit 0 when nothing
 * fails, 1 when a rule of severity "fail" fails, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "cli/cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_check_report *, hk_check_report_free)

static void usage(FILE *f)
{
	fputs("Usage: hostkit [--root DIR] [--json] check [--section S]... [--only ID]\n"
	      "                                     [--no-sample] [--list]\n"
	      "\n"
	      "Judges the host against what a low-latency network daemon needs. Each\n"
	      "finding names the rule, what was found, what is wanted and the exact fix.\n"
	      "It changes nothing and runs without root; a rule that needs more than it\n"
	      "can read says so and is skipped.\n"
	      "\n"
	      "Options:\n"
	      "  --section S   only the rules of section S (kernel, numa, memory, network,\n"
	      "                scheduling, security, isolation); may be repeated\n"
	      "  --only ID     only the rule ID (see --list)\n"
	      "  --no-sample   skip the rules that read the host twice a second apart\n"
	      "  --list        list the rules and exit\n"
	      "\n"
	      "Exit status: 0 nothing failed, 1 a rule of severity \"fail\" failed, 2 bad usage.\n",
	      f);
}

static void list_rules(void)
{
	for (unsigned i = 0; i < hk_check_rule_count(); i++)
		printf("%-40s %-5s %s\n", hk_check_rule_id(i),
		       hk_check_severity_name(hk_check_rule_severity(i)), hk_check_rule_summary(i));
}

static int print_json(const hk_check_report *r)
{
	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	hk_json j;

	hk_json_init(&j, &sb, true);
	hk_json_object_begin(&j);
	hk_json_key(&j, "results");
	hk_json_array_begin(&j);
	for (unsigned i = 0; i < hk_check_report_count(r); i++) {
		const hk_check_result *x = hk_check_report_get(r, i);
		hk_json_object_begin(&j);
		hk_json_kv_string(&j, "id", hk_check_result_id(x));
		hk_json_kv_string(&j, "section", hk_check_result_section(x));
		hk_json_kv_string(&j, "severity",
				  hk_check_severity_name(hk_check_result_severity(x)));
		hk_json_kv_string(&j, "status", hk_check_status_name(hk_check_result_status(x)));
		hk_json_kv_string(&j, "message", hk_check_result_message(x));
		cli_json_string_or_null(&j, "current", hk_check_result_current(x));
		cli_json_string_or_null(&j, "expected", hk_check_result_expected(x));
		cli_json_string_or_null(&j, "remedy", hk_check_result_remedy(x));
		cli_json_string_or_null(&j, "needs", hk_check_result_needs(x));
		hk_json_object_end(&j);
	}
	hk_json_array_end(&j);
	hk_json_key(&j, "summary");
	hk_json_object_begin(&j);
	hk_json_kv_u64(&j, "pass", hk_check_report_tally(r, HK_CHECK_PASS, 0));
	hk_json_kv_u64(&j, "fail", hk_check_report_tally(r, HK_CHECK_FAIL, HK_CHECK_SEVERITY_FAIL));
	hk_json_kv_u64(&j, "warn", hk_check_report_tally(r, HK_CHECK_FAIL, HK_CHECK_SEVERITY_WARN));
	hk_json_kv_u64(&j, "info", hk_check_report_tally(r, HK_CHECK_FAIL, HK_CHECK_SEVERITY_INFO));
	hk_json_kv_u64(&j, "skip", hk_check_report_tally(r, HK_CHECK_SKIP, 0));
	hk_json_object_end(&j);
	hk_json_object_end(&j);
	if (hk_json_finish(&j) < 0)
		return EXIT_USAGE;
	return cli_print(&sb);
}

/* What a result's first column says: its status, or its severity when it failed. */
static const char *verdict(const hk_check_result *x)
{
	switch (hk_check_result_status(x)) {
	case HK_CHECK_PASS:
		return "pass";
	case HK_CHECK_SKIP:
		return "skip";
	default:
		return hk_check_severity_name(hk_check_result_severity(x));
	}
}

static const char *colour(const char *v)
{
	if (strcmp(v, "pass") == 0)
		return "\033[32m";
	if (strcmp(v, "fail") == 0)
		return "\033[1;31m";
	if (strcmp(v, "warn") == 0)
		return "\033[33m";
	return "\033[2m";
}

static int print_text(const hk_check_report *r)
{
	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	bool tty = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

	for (unsigned i = 0; i < hk_check_report_count(r); i++) {
		const hk_check_result *x = hk_check_report_get(r, i);
		const char *v = verdict(x);
		if (tty)
			hk_strbuf_printf(&sb, "%s%-5s\033[0m ", colour(v), v);
		else
			hk_strbuf_printf(&sb, "%-5s ", v);
		hk_strbuf_printf(&sb, "%-36s %s\n", hk_check_result_id(x),
				 hk_check_result_message(x));
		if (hk_check_result_status(x) == HK_CHECK_FAIL) {
			const char *cur = hk_check_result_current(x);
			const char *exp = hk_check_result_expected(x);
			if (cur || exp)
				hk_strbuf_printf(&sb, "      %-36s now: %s; wanted: %s\n", "",
						 cur ? cur : "-", exp ? exp : "-");
			if (hk_check_result_remedy(x))
				hk_strbuf_printf(&sb, "      %-36s fix: %s\n", "",
						 hk_check_result_remedy(x));
		}
		if (hk_check_result_status(x) == HK_CHECK_SKIP && hk_check_result_needs(x))
			hk_strbuf_printf(&sb, "      %-36s needs: %s\n", "",
					 hk_check_result_needs(x));
	}
	hk_strbuf_printf(&sb, "\n%u passed, %u failed, %u warnings, %u notes, %u skipped\n",
			 hk_check_report_tally(r, HK_CHECK_PASS, 0),
			 hk_check_report_tally(r, HK_CHECK_FAIL, HK_CHECK_SEVERITY_FAIL),
			 hk_check_report_tally(r, HK_CHECK_FAIL, HK_CHECK_SEVERITY_WARN),
			 hk_check_report_tally(r, HK_CHECK_FAIL, HK_CHECK_SEVERITY_INFO),
			 hk_check_report_tally(r, HK_CHECK_SKIP, 0));
	return cli_print(&sb);
}

int cmd_check(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
	    {"section", required_argument, NULL, 's'},
	    {"only", required_argument, NULL, 'o'},
	    {"no-sample", no_argument, NULL, 'n'},
	    {"list", no_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_free_ const char **sections = calloc((size_t)argc + 1, sizeof(*sections));
	hk_check_options opt = {0};
	int c;

	if (!sections)
		return EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!hk_check_is_section(optarg)) {
				fprintf(stderr,
					"hostkit: check: no section '%s' (kernel, numa, memory, "
					"network, scheduling, security, isolation)\n",
					optarg);
				return EXIT_USAGE;
			}
			sections[opt.n_sections++] = optarg;
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'n':
			opt.no_sample = true;
			break;
		case 'l':
			list_rules();
			return EXIT_OK;
		case 'j':
			ctx->json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hostkit: check: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	opt.sections = sections;

	_cleanup_(hk_check_report_freep) hk_check_report *report = NULL;
	hk_diag_clear(&ctx->diag);
	int r = hk_check_run(ctx->root, &opt, &ctx->diag, &report);
	if (r == -EINVAL) {
		cli_error(ctx, r, "check");
		return EXIT_USAGE;
	}
	if (r < 0)
		return cli_error(ctx, r, "check");

	int status = ctx->json ? print_json(report) : print_text(report);
	if (status != EXIT_OK)
		return status;
	return hk_check_report_failed(report) ? EXIT_CHECK_FAILED : EXIT_OK;
}
