/* SPDX-License-Identifier: MIT */
/* hostkit capture -o FILE.tar.gz: see docs/capture.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "cli/cli.h"

static void capture_usage(FILE *f)
{
	fputs("Usage: hostkit capture -o FILE.tar.gz\n"
	      "\n"
	      "Saves every file hostkit reads on this host, and the ethtool state of\n"
	      "its network devices, as a gzip tar. On any machine, extract it and run\n"
	      "`hostkit --root DIR check` or `inspect`: they answer as they would here.\n"
	      "Run it as root for a complete capture; without root, what cannot be\n"
	      "read is left out and listed in hostkit/capture-errors.\n"
	      "\n"
	      "  -o, --output FILE   the tarball to write (its directory must exist)\n",
	      f);
}

/* Every `inspect` section, and `inspect process self`, read through the capture's root. */
static const struct {
	int (*json)(cli_ctx *ctx, const cli_args *args, hk_json *j);
	int (*text)(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
	bool self;
} sections[] = {
    {topology_cpu_json, topology_cpu_text, false},
    {topology_numa_json, topology_numa_text, false},
    {memory_json, memory_text, false},
    {kernel_json, kernel_text, false},
    {sysctl_json, sysctl_text, false},
    {pci_json, pci_text, false},
    {irq_json, irq_text, false},
    {net_json, net_text, false},
    {softnet_json, softnet_text, false},
    {processes_json, processes_text, false},
    {process_json, process_text, true},
};

/*
 * Runs the sections as `inspect` would, output discarded, so that whatever
 * they read beyond the library's loaders is recorded too. Their warnings
 * are about this host and would only repeat what `inspect` says: quiet.
 */
static int run_sections(hk_root *root)
{
	cli_ctx sub = {.root_path = "/", .json = true, .root = root};
	char *self[] = {(char *)"self", NULL};
	int r = 0;

	hk_diag_clear(&sub.diag);
	int saved = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);

	for (unsigned i = 0; i < ELEMENTSOF(sections) && r != -ENOMEM; i++) {
		cli_args args = {sections[i].self ? 1 : 0, sections[i].self ? self : NULL};
		hk_strbuf out = HK_STRBUF_INIT;
		hk_json j;

		hk_json_init(&j, &out, false);
		hk_json_object_begin(&j);
		r = sections[i].json(&sub, &args, &j);
		hk_strbuf_done(&out);
		if (r == -ENOMEM)
			break;
		r = sections[i].text(&sub, &args, &out);
		hk_strbuf_done(&out);
	}

	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (null >= 0)
		close(null);
	hk_topology_free(sub.topology);
	return r == -ENOMEM ? r : 0;
}

int cmd_capture(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	const char *output = NULL;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+o:h", options, NULL)) >= 0) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			capture_usage(stdout);
			return EXIT_OK;
		default:
			capture_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hostkit: capture: unexpected argument '%s'\n", argv[optind]);
		capture_usage(stderr);
		return EXIT_USAGE;
	}
	if (!output || !*output) {
		fputs("hostkit: capture: no output file: give -o FILE.tar.gz\n", stderr);
		capture_usage(stderr);
		return EXIT_USAGE;
	}
	if (!hk_root_is_live(ctx->root)) {
		fprintf(stderr,
			"hostkit: capture: --root '%s': only the live host can be captured\n",
			hk_root_path(ctx->root));
		return EXIT_USAGE;
	}

	hk_capture *cap = NULL;
	int r = hk_capture_new(&ctx->diag, &cap);
	if (r < 0)
		return cli_error(ctx, r, "cannot start the capture");

	/* A missing output directory is found before minutes of reading. */
	if (access(output, F_OK) < 0 && errno != ENOENT) {
		hk_capture_free(cap);
		fprintf(stderr, "hostkit: capture: cannot write '%s': %s\n", output,
			strerror(errno));
		return EXIT_USAGE;
	}
	{
		_cleanup_free_ char *dir = strdup(output);
		if (!dir) {
			hk_capture_free(cap);
			return cli_error(ctx, -ENOMEM, "cannot capture");
		}
		char *slash = strrchr(dir, '/');
		const char *d = slash ? (slash == dir ? "/" : (*slash = 0, dir)) : ".";
		if (access(d, W_OK | X_OK) < 0) {
			fprintf(stderr, "hostkit: capture: cannot write into directory '%s': %s\n",
				d, strerror(errno));
			hk_capture_free(cap);
			return EXIT_USAGE;
		}
	}

	r = hk_capture_load_all(cap, &ctx->diag);
	if (r >= 0)
		r = run_sections(hk_capture_root(cap));
	if (r >= 0)
		r = hk_capture_save(cap, output, &ctx->diag);
	size_t n = hk_capture_root(cap) ? hk_root_recorded_count(hk_capture_root(cap)) : 0;
	hk_capture_free(cap);
	if (r < 0) {
		cli_error(ctx, r, "cannot capture");
		return r == -ENOENT || r == -ENOTDIR ? EXIT_USAGE : cli_exit_status(r);
	}
	fprintf(stderr, "hostkit: captured %zu paths into %s%s\n", n, output,
		geteuid() == 0
		    ? ""
		    : " (not root: unreadable files left out, see hostkit/capture-errors)");
	return EXIT_OK;
}
