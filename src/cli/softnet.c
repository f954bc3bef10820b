/* SPDX-License-Identifier: MIT */
/* Placeholder: being written. */
#include "cli/cli.h"

int softnet_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	(void)ctx, (void)args, (void)j;
	return 0;
}

int softnet_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	(void)ctx, (void)args, (void)sb;
	return 0;
}
