/* SPDX-License-Identifier: MIT */
/* Placeholder: being written. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_capture(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	fprintf(stderr, "hostkit: capture: being written\n");
	return EXIT_USAGE;
}
