/* SPDX-License-Identifier: MIT */
#ifndef HK_CLI_CLI_H
#define HK_CLI_CLI_H

#include <stdbool.h>

#include <hostkit/hostkit.h>

#include "base/json.h"
#include "base/strbuf.h"

/* Exit statuses of the tool (DESIGN.md). */
enum {
	EXIT_OK = 0,
	EXIT_CHECK_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_REFUSED = 3,
};

/* What every command shares: the root and what was read from it. */
typedef struct cli_ctx {
	const char *root_path;
	bool json;
	hk_root *root;
	hk_topology *topology;
	hk_diag diag;
} cli_ctx;

/* Loads the topology once; prints the error and returns an exit status on failure. */
int cli_topology(cli_ctx *ctx, const hk_topology **ret);

/* Prints "hostkit: <message>" for error @r, from ctx->diag when it was filled. */
int cli_error(cli_ctx *ctx, int r, const char *what);
/* The exit status for a library error: 3 for permission or unsupported, else 2. */
int cli_exit_status(int r);

/*
 * Tables for people: a row starts indented by two spaces, each cell is its
 * text padded to @width (and followed by at least one blank when wider),
 * and the row ends without trailing blanks.
 */
void cli_row_begin(hk_strbuf *sb);
void cli_cell(hk_strbuf *sb, size_t width, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends a table row: drops the padding after its last cell, adds a newline. */
void cli_end_row(hk_strbuf *sb);

/* Writes @sb to stdout; returns an exit status. */
int cli_print(hk_strbuf *sb);

/* "1.5 GiB"-style sizes into @buf. */
const char *cli_format_kib(uint64_t kib, char *buf, size_t size);
const char *cli_format_bytes(uint64_t bytes, char *buf, size_t size);

/* A CPU list for people: "0-3,8", or "none" when empty. */
void cli_put_cpulist(hk_strbuf *sb, const hk_cpuset *s);
/* "key": "s", or "key": null when @s is NULL. */
void cli_json_string_or_null(hk_json *j, const char *key, const char *s);
/* A CPU list as a JSON string ("" when empty). */
void cli_json_cpulist(hk_json *j, const char *key, const hk_cpuset *s);

/* The words after a section's name on the command line (`inspect sysctl vm.swappiness`). */
typedef struct cli_args {
	int argc;
	char **argv;
} cli_args;

/*
 * A section of `inspect`. Its json() writes its members into the current
 * JSON object, its text() appends a block for people. A section with
 * @args_usage takes the words that follow its name, up to the next section
 * name; @needs_args sections are left out of a full dump.
 */
typedef struct cli_section {
	const char *name;
	const char *summary;
	const char *args_usage;
	bool needs_args;
	int (*json)(cli_ctx *ctx, const cli_args *args, hk_json *j);
	int (*text)(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
} cli_section;

int topology_cpu_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int topology_cpu_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
int topology_numa_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int topology_numa_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);

/* src/cli/memory.c */
int memory_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int memory_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
/* src/cli/kernel.c */
int kernel_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int kernel_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
/* src/cli/sysctl.c */
int sysctl_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int sysctl_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
/* src/cli/process.c */
int processes_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int processes_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
int process_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int process_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
/* src/cli/pagemap.c */
int pagemap_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int pagemap_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);

/* src/cli/pci.c */
int pci_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int pci_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
/* src/cli/irq.c */
int irq_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int irq_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
/* src/cli/softnet.c */
int softnet_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int softnet_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);
/* src/cli/net.c */
int net_json(cli_ctx *ctx, const cli_args *args, hk_json *j);
int net_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb);

int cmd_capture(cli_ctx *ctx, int argc, char **argv);
int cmd_check(cli_ctx *ctx, int argc, char **argv);
int cmd_topology(cli_ctx *ctx, int argc, char **argv);
int cmd_inspect(cli_ctx *ctx, int argc, char **argv);

#endif
