/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

/* Every section `inspect` knows, in the order a full dump prints them. */
static const cli_section sections[] = {
    {"cpu", "packages, cores, threads, caches, online/isolated/allowed CPUs", NULL, false,
     topology_cpu_json, topology_cpu_text},
    {"numa", "NUMA nodes: CPUs, memory, distances, validity", NULL, false, topology_numa_json,
     topology_numa_text},
    {"memory", "meminfo, huge pages, THP, buddyinfo, zoneinfo, per-node memory", NULL, false,
     memory_json, memory_text},
    {"kernel", "release, boot id, command line and what the kernel accepted", NULL, false,
     kernel_json, kernel_text},
    {"sysctl", "the sysctls a low-latency daemon cares about, or the KEYs given", "[KEY...]", false,
     sysctl_json, sysctl_text},
    {"pci", "PCI devices: ids, class, driver, NUMA node and local CPUs, MSI IRQs, link", NULL,
     false, pci_json, pci_text},
    {"irq", "interrupts: counts per CPU, requested and effective affinity, irqbalance", NULL, false,
     irq_json, irq_text},
    {"net", "network devices: queues, their IRQs and CPUs, RPS/XPS, rings, channels, RSS",
     "[DEVICE...]", false, net_json, net_text},
    {"softnet", "per-CPU packet processing: processed, dropped, time squeezed", NULL, false,
     softnet_json, softnet_text},
    {"processes", "every process, one line each (like ps)", NULL, false, processes_json,
     processes_text},
    {"process", "one process in full: stat, status, memory, OOM, cgroup, threads", "PID|self", true,
     process_json, process_text},
    {"pagemap", "virtual to physical translation of an address of a process", "PID ADDRESS [COUNT]",
     true, pagemap_json, pagemap_text},
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
	fputs("Usage: hostkit [--root DIR] [--json] inspect [SECTION [ARGS...]]...\n"
	      "\n"
	      "Shows what hostkit knows of the host, section by section; with no\n"
	      "SECTION, every section that needs no arguments. With --json, one\n"
	      "document whose keys are the section names.\n"
	      "\n"
	      "Sections:\n",
	      f);
	for (unsigned i = 0; i < ELEMENTSOF(sections); i++) {
		char head[64];
		snprintf(head, sizeof(head), "%s %s", sections[i].name,
			 sections[i].args_usage ? sections[i].args_usage : "");
		fprintf(f, "  %-26s %s\n", head, sections[i].summary);
	}
}

struct chosen {
	const cli_section *section;
	cli_args args;
};

int cmd_inspect(cli_ctx *ctx, int argc, char **argv)
{
	/* At most one entry per word, so argc bounds it. */
	_cleanup_free_ struct chosen *chosen =
	    calloc((size_t)argc + ELEMENTSOF(sections), sizeof(*chosen));
	unsigned n = 0;

	if (!chosen)
		return EXIT_REFUSED;
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
			if (n > 0 && chosen[n - 1].section->args_usage) {
				/* A word for the section before: its arguments run on. */
				chosen[n - 1].args.argc++;
				continue;
			}
			fprintf(stderr, "hostkit: inspect: unknown section '%s'\n", argv[i]);
			inspect_usage(stderr);
			return EXIT_USAGE;
		}
		chosen[n++] = (struct chosen){s, {0, argv + i + 1}};
	}
	for (unsigned i = 0; i < n; i++)
		if (chosen[i].section->needs_args && chosen[i].args.argc == 0) {
			fprintf(stderr, "hostkit: inspect %s: needs %s\n", chosen[i].section->name,
				chosen[i].section->args_usage);
			return EXIT_USAGE;
		}
	/* The same section twice without arguments is asked once. */
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = i + 1; k < n;)
			if (chosen[k].section == chosen[i].section && !chosen[k].args.argc &&
			    !chosen[i].args.argc)
				chosen[k] = chosen[--n];
			else
				k++;
	if (n == 0)
		for (unsigned i = 0; i < ELEMENTSOF(sections); i++)
			if (!sections[i].needs_args)
				chosen[n++] = (struct chosen){&sections[i], {0, NULL}};

	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	int r;
	if (ctx->json) {
		hk_json j;
		hk_json_init(&j, &sb, true);
		hk_json_object_begin(&j);
		for (unsigned i = 0; i < n; i++) {
			hk_json_key(&j, chosen[i].section->name);
			hk_json_object_begin(&j);
			r = chosen[i].section->json(ctx, &chosen[i].args, &j);
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
			r = chosen[i].section->text(ctx, &chosen[i].args, &sb);
			if (r < 0)
				return cli_exit_status(r);
		}
	}
	return cli_print(&sb);
}
