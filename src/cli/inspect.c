/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

/* Every section `inspect` knows, in the order a full dump prints them. */
static const cli_section sections[] = {
	{"cpu", "packages, cores, threads, caches, online/isolated/allowed CPUs",
	 topology_cpu_json, topology_cpu_text},
	{"numa", "NUMA nodes: CPUs, memory, distances, validity", topology_numa_json,
	 topology_numa_text},
};

static const cli_section *find_section(const char *name)
{
	for (unsigned i = 0; i < ELEMENTSOF(sections); i++)
		if (strcmp(sections[i].name, name) == 0)
			return &sections[i];
	return NULL;
}

static void inspect_usage(FILE *f)
{
	fputs("Usage: hostkit [--root DIR] [--json] inspect [SECTION...]\n"
	      "\n"
	      "Shows what hostkit knows of the host, section by section; with no\n"
	      "SECTION, every section. With --json, one document whose keys are the\n"
	      "section names.\n"
	      "\n"
	      "Sections:\n",
	      f);
	for (unsigned i = 0; i < ELEMENTSOF(sections); i++)
		fprintf(f, "  %-10s %s\n", sections[i].name, sections[i].summary);
}

int cmd_inspect(cli_ctx *ctx, int argc, char **argv)
{
	const cli_section *chosen[ELEMENTSOF(sections)];
	unsigned n = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			ctx->json = true;
			continue;
		}
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			inspect_usage(stdout);
			return EXIT_OK;
		}
		const cli_section *s = find_section(argv[i]);
		if (!s) {
			fprintf(stderr, "hostkit: inspect: unknown section '%s'\n", argv[i]);
			inspect_usage(stderr);
			return EXIT_USAGE;
		}
		bool dup = false;
		for (unsigned k = 0; k < n; k++)
			dup |= chosen[k] == s;
		if (!dup)
			chosen[n++] = s;
	}
	if (n == 0)
		for (unsigned i = 0; i < ELEMENTSOF(sections); i++)
			chosen[n++] = &sections[i];

	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	int r;
	if (ctx->json) {
		hk_json j;
		hk_json_init(&j, &sb, true);
		hk_json_object_begin(&j);
		for (unsigned i = 0; i < n; i++) {
			hk_json_key(&j, chosen[i]->name);
			hk_json_object_begin(&j);
			r = chosen[i]->json(ctx, &j);
			if (r < 0)
				return cli_exit_status(r);
			hk_json_object_end(&j);
		}
		hk_json_object_end(&j);
		if (hk_json_finish(&j) < 0) {
			fprintf(stderr, "hostkit: cannot write JSON\n");
			return EXIT_REFUSED;
		}
	} else {
		for (unsigned i = 0; i < n; i++) {
			if (i > 0)
				hk_strbuf_putc(&sb, '\n');
			r = chosen[i]->text(ctx, &sb);
			if (r < 0)
				return cli_exit_status(r);
		}
	}
	return cli_print(&sb);
}
