/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

static const struct command {
	const char *name;
	int (*run)(cli_ctx *ctx, int argc, char **argv);
	const char *summary;
} commands[] = {
    {"inspect", cmd_inspect, "show what hostkit knows of the host, by section"},
    {"check", cmd_check, "judge the host against what a low-latency daemon needs"},
    {"capture", cmd_capture, "save what hostkit reads into a tarball, for --root elsewhere"},
    {"topology", cmd_topology, "CPUs, caches and NUMA nodes"},
};

static void usage(FILE *f)
{
	fputs("Usage: hostkit [--root DIR] [--json] COMMAND [ARGS...]\n"
	      "\n"
	      "hostkit sees, checks and tunes a Linux host for a thread-per-core network\n"
	      "daemon.\n"
	      "\n"
	      "Options:\n"
	      "  --root DIR   read a captured tree (DIR/proc, DIR/sys) instead of this host\n"
	      "  --json       print JSON for machines instead of text for people\n"
	      "  -h, --help   show this help\n"
	      "  --version    show the version\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (unsigned i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'hostkit COMMAND --help' for a command's options; see hostkit(1).\n", f);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {},
	};
	cli_ctx ctx = {.root_path = "/"};
	int c;

	/* Writing to a closed pipe is reported by write(2), not by a signal. */
	signal(SIGPIPE, SIG_IGN);

	/* '+': options end at the command; the command parses the rest. */
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			ctx.root_path = optarg;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("hostkit %s\n", hk_version());
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	const struct command *cmd = NULL;
	for (unsigned i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "hostkit: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	int r = hk_root_open(ctx.root_path, 0, &ctx.diag, &ctx.root);
	if (r < 0) {
		/* A --root that is not a captured tree is a usage error, whatever errno. */
		cli_error(&ctx, r, "cannot open root");
		return EXIT_USAGE;
	}

	int status = cmd->run(&ctx, argc - optind, argv + optind);

	hk_topology_free(ctx.topology);
	hk_root_free(ctx.root);
	return status;
}
