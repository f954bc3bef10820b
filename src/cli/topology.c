/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

static const char *const attr_key[_HK_CPU_ATTR_MAX] = {
    [HK_CPU_PACKAGE] = "package", [HK_CPU_DIE] = "die",	  [HK_CPU_CLUSTER] = "cluster",
    [HK_CPU_CORE] = "core",	  [HK_CPU_BOOK] = "book", [HK_CPU_DRAWER] = "drawer",
    [HK_CPU_NODE] = "node",
};

static bool attr_known_anywhere(const hk_topology *t, hk_cpu_attr a)
{
	HK_CPUSET_FOREACH (cpu, hk_topology_cpus(t, HK_CPUS_POSSIBLE))
		if (hk_topology_cpu_get(t, (unsigned)cpu, a) >= 0)
			return true;
	return false;
}

int topology_cpu_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	const hk_topology *t;
	int r = cli_topology(ctx, &t);
	if (r < 0)
		return r;

	static const struct {
		const char *key;
		hk_cpus which;
	} sets[] = {
	    {"possible", HK_CPUS_POSSIBLE},   {"present", HK_CPUS_PRESENT},
	    {"online", HK_CPUS_ONLINE},	      {"offline", HK_CPUS_OFFLINE},
	    {"allowed", HK_CPUS_ALLOWED},     {"isolated", HK_CPUS_ISOLATED},
	    {"nohz_full", HK_CPUS_NOHZ_FULL},
	};
	for (unsigned i = 0; i < ELEMENTSOF(sets); i++)
		cli_json_cpulist(j, sets[i].key, hk_topology_cpus(t, sets[i].which));

	hk_json_kv_u64(j, "packages", hk_topology_n_packages(t));
	hk_json_kv_u64(j, "cores", hk_topology_n_cores(t));
	hk_json_kv_u64(j, "threads", hk_cpuset_count(hk_topology_cpus(t, HK_CPUS_ONLINE)));
	hk_json_kv_u64(j, "threads_per_core", hk_topology_threads_per_core(t));

	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	const hk_cpuset *allowed = hk_topology_cpus(t, HK_CPUS_ALLOWED);
	hk_json_key(j, "cpus");
	hk_json_array_begin(j);
	HK_CPUSET_FOREACH (cpu, hk_topology_cpus(t, HK_CPUS_POSSIBLE)) {
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "cpu", (uint64_t)cpu);
		hk_json_kv_bool(j, "online", hk_cpuset_test(online, (unsigned)cpu));
		hk_json_kv_bool(j, "allowed", hk_cpuset_test(allowed, (unsigned)cpu));
		for (unsigned a = 0; a < _HK_CPU_ATTR_MAX; a++)
			hk_json_kv_s64_or_null(j, attr_key[a],
					       hk_topology_cpu_get(t, (unsigned)cpu, a));
		const hk_cpuset *sib = hk_topology_cpu_siblings(t, (unsigned)cpu);
		if (sib)
			cli_json_cpulist(j, "siblings", sib);
		else
			hk_json_kv_string(j, "siblings", "");
		hk_json_object_end(j);
	}
	hk_json_array_end(j);

	hk_json_key(j, "caches");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_topology_n_caches(t); i++) {
		const hk_cache *c = hk_topology_cache(t, i);
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "level", hk_cache_level(c));
		hk_json_kv_string(j, "type", hk_cache_type_name(hk_cache_get_type(c)));
		hk_json_kv_u64(j, "size", hk_cache_size(c));
		hk_json_kv_u64(j, "line_size", hk_cache_line_size(c));
		hk_json_kv_u64(j, "ways", hk_cache_ways(c));
		cli_json_cpulist(j, "cpus", hk_cache_cpus(c));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
	return 0;
}

int topology_numa_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	const hk_topology *t;
	int r = cli_topology(ctx, &t);
	if (r < 0)
		return r;

	unsigned n = hk_topology_n_nodes(t);
	hk_json_key(j, "nodes");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < n; i++) {
		const hk_node *node = hk_topology_node(t, i);
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "node", hk_node_id(node));
		cli_json_cpulist(j, "cpus", hk_node_cpus(node));
		hk_json_kv_s64_or_null(j, "memory_kib", hk_node_memory_total_kib(node));
		hk_json_kv_s64_or_null(j, "memory_free_kib", hk_node_memory_free_kib(node));
		hk_json_kv_bool(j, "memory_only", hk_node_memory_only(node));
		hk_json_kv_bool(j, "allowed", hk_topology_node_allowed(t, hk_node_id(node)));
		hk_json_key(j, "distances");
		if (hk_node_distance(node, 0) < 0) {
			hk_json_null(j);
		} else {
			hk_json_array_begin(j);
			for (unsigned k = 0; k < n; k++)
				hk_json_s64(j, hk_node_distance(node, k));
			hk_json_array_end(j);
		}
		hk_json_object_end(j);
	}
	hk_json_array_end(j);

	hk_json_key(j, "numa");
	hk_json_object_begin(j);
	hk_json_kv_bool(j, "valid", hk_topology_numa_valid(t));
	hk_json_kv_bool(j, "synthetic", hk_topology_numa_synthetic(t));
	cli_json_cpulist(j, "cpus_without_node", hk_topology_cpus(t, HK_CPUS_NO_NODE));
	cli_json_cpulist(j, "cpus_in_several_nodes", hk_topology_cpus(t, HK_CPUS_MULTI_NODE));
	hk_json_key(j, "distances_not_used");
	if (hk_topology_distances_note(t))
		hk_json_string(j, hk_topology_distances_note(t));
	else
		hk_json_null(j);
	hk_json_object_end(j);
	return 0;
}

static void put_row(hk_strbuf *sb, const char *label, size_t width)
{
	size_t from = sb->len;
	hk_strbuf_printf(sb, "  %s", label);
	hk_strbuf_pad(sb, from, width);
}

static void put_set_row(hk_strbuf *sb, const char *label, const hk_cpuset *s)
{
	put_row(sb, label, 16);
	cli_put_cpulist(sb, s);
	cli_end_row(sb);
}

static void fmt_attr(char *buf, size_t size, int v)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%d", v);
}

/* Caches the text view shows as one row: big.LITTLE L1s of one size can differ in ways. */
static bool same_kind(const hk_cache *a, const hk_cache *b)
{
	return hk_cache_level(a) == hk_cache_level(b) &&
	       hk_cache_get_type(a) == hk_cache_get_type(b) && hk_cache_size(a) == hk_cache_size(b) &&
	       hk_cache_ways(a) == hk_cache_ways(b) && hk_cache_line_size(a) == hk_cache_line_size(b);
}

int topology_cpu_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	const hk_topology *t;
	int r = cli_topology(ctx, &t);
	if (r < 0)
		return r;
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	const hk_cpuset *allowed = hk_topology_cpus(t, HK_CPUS_ALLOWED);

	hk_strbuf_puts(sb, "CPU\n");
	put_row(sb, "packages", 16);
	hk_strbuf_printf(sb, "%u\n", hk_topology_n_packages(t));
	put_row(sb, "cores", 16);
	hk_strbuf_printf(sb, "%u\n", hk_topology_n_cores(t));
	put_row(sb, "threads", 16);
	hk_strbuf_printf(sb, "%u (%u per core)\n", hk_cpuset_count(online),
			 hk_topology_threads_per_core(t));
	put_set_row(sb, "possible", hk_topology_cpus(t, HK_CPUS_POSSIBLE));
	put_set_row(sb, "online", online);
	put_set_row(sb, "offline", hk_topology_cpus(t, HK_CPUS_OFFLINE));
	put_set_row(sb, "allowed", allowed);
	put_set_row(sb, "isolated", hk_topology_cpus(t, HK_CPUS_ISOLATED));
	put_set_row(sb, "nohz_full", hk_topology_cpus(t, HK_CPUS_NOHZ_FULL));

	/* Caches: one row per kind (level, type, size and geometry), with how
	 * many instances and how shared. */
	if (hk_topology_n_caches(t) > 0) {
		hk_strbuf_puts(sb, "\nCaches\n");
		cli_row_begin(sb);
		cli_cell(sb, 6, "level");
		cli_cell(sb, 13, "type");
		cli_cell(sb, 10, "size");
		cli_cell(sb, 6, "ways");
		cli_cell(sb, 6, "line");
		cli_cell(sb, 11, "instances");
		hk_strbuf_puts(sb, "CPUs of the first\n");
		unsigned n = hk_topology_n_caches(t);
		for (unsigned i = 0; i < n;) {
			const hk_cache *a = hk_topology_cache(t, i);
			unsigned k = i + 1;
			while (k < n && same_kind(hk_topology_cache(t, k), a))
				k++;
			char size[32];
			cli_row_begin(sb);
			cli_cell(sb, 6, "L%u", hk_cache_level(a));
			cli_cell(sb, 13, "%s", hk_cache_type_name(hk_cache_get_type(a)));
			cli_cell(sb, 10, "%s",
				 cli_format_bytes(hk_cache_size(a), size, sizeof(size)));
			cli_cell(sb, 6, "%u", hk_cache_ways(a));
			cli_cell(sb, 6, "%u", hk_cache_line_size(a));
			cli_cell(sb, 11, "%u", k - i);
			cli_put_cpulist(sb, hk_cache_cpus(a));
			cli_end_row(sb);
			i = k;
		}
	}

	/* The per-CPU table shows only the levels this machine has. */
	bool show[_HK_CPU_ATTR_MAX];
	for (unsigned a = 0; a < _HK_CPU_ATTR_MAX; a++)
		show[a] = attr_known_anywhere(t, a);

	hk_strbuf_puts(sb, "\nCPUs\n");
	cli_row_begin(sb);
	cli_cell(sb, 6, "cpu");
	cli_cell(sb, 8, "online");
	cli_cell(sb, 9, "allowed");
	for (unsigned a = 0; a < _HK_CPU_ATTR_MAX; a++)
		if (show[a])
			cli_cell(sb, 9, "%s", attr_key[a]);
	hk_strbuf_puts(sb, "siblings\n");
	HK_CPUSET_FOREACH (cpu, hk_topology_cpus(t, HK_CPUS_POSSIBLE)) {
		cli_row_begin(sb);
		cli_cell(sb, 6, "%d", cpu);
		cli_cell(sb, 8, "%s", hk_cpuset_test(online, (unsigned)cpu) ? "yes" : "no");
		cli_cell(sb, 9, "%s", hk_cpuset_test(allowed, (unsigned)cpu) ? "yes" : "no");
		for (unsigned a = 0; a < _HK_CPU_ATTR_MAX; a++) {
			char v[16];
			if (!show[a])
				continue;
			fmt_attr(v, sizeof(v), hk_topology_cpu_get(t, (unsigned)cpu, a));
			cli_cell(sb, 9, "%s", v);
		}
		const hk_cpuset *sib = hk_topology_cpu_siblings(t, (unsigned)cpu);
		if (sib)
			cli_put_cpulist(sb, sib);
		else
			hk_strbuf_puts(sb, "-");
		cli_end_row(sb);
	}
	return 0;
}

int topology_numa_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	const hk_topology *t;
	int r = cli_topology(ctx, &t);
	if (r < 0)
		return r;
	unsigned n = hk_topology_n_nodes(t);

	hk_strbuf_printf(sb, "NUMA%s\n",
			 hk_topology_numa_synthetic(t) ? " (kernel without NUMA: one node)" : "");
	cli_row_begin(sb);
	cli_cell(sb, 6, "node");
	cli_cell(sb, 12, "memory");
	cli_cell(sb, 12, "free");
	cli_cell(sb, 9, "allowed");
	hk_strbuf_puts(sb, "CPUs\n");
	for (unsigned i = 0; i < n; i++) {
		const hk_node *node = hk_topology_node(t, i);
		char total[32] = "-", mfree[32] = "-";
		if (hk_node_memory_total_kib(node) >= 0)
			cli_format_kib((uint64_t)hk_node_memory_total_kib(node), total,
				       sizeof(total));
		if (hk_node_memory_free_kib(node) >= 0)
			cli_format_kib((uint64_t)hk_node_memory_free_kib(node), mfree,
				       sizeof(mfree));
		cli_row_begin(sb);
		cli_cell(sb, 6, "%u", hk_node_id(node));
		cli_cell(sb, 12, "%s", total);
		cli_cell(sb, 12, "%s", mfree);
		cli_cell(sb, 9, "%s", hk_topology_node_allowed(t, hk_node_id(node)) ? "yes" : "no");
		if (hk_node_memory_only(node))
			hk_strbuf_puts(sb, "none (memory only)");
		else
			cli_put_cpulist(sb, hk_node_cpus(node));
		cli_end_row(sb);
	}

	if (n > 0 && hk_node_distance(hk_topology_node(t, 0), 0) >= 0) {
		hk_strbuf_puts(sb, "\nDistances\n");
		cli_row_begin(sb);
		cli_cell(sb, 6, "node");
		for (unsigned k = 0; k < n; k++)
			cli_cell(sb, 6, "%u", hk_node_id(hk_topology_node(t, k)));
		cli_end_row(sb);
		for (unsigned i = 0; i < n; i++) {
			const hk_node *node = hk_topology_node(t, i);
			cli_row_begin(sb);
			cli_cell(sb, 6, "%u", hk_node_id(node));
			for (unsigned k = 0; k < n; k++)
				cli_cell(sb, 6, "%d", hk_node_distance(node, k));
			cli_end_row(sb);
		}
	}

	if (hk_topology_distances_note(t))
		hk_strbuf_printf(sb, "\nDistances: not shown, the distance table is not usable (%s).\n",
				 hk_topology_distances_note(t));

	if (!hk_topology_numa_valid(t)) {
		hk_strbuf_puts(sb, "\nThe NUMA map is not valid: ");
		const hk_cpuset *none = hk_topology_cpus(t, HK_CPUS_NO_NODE);
		const hk_cpuset *multi = hk_topology_cpus(t, HK_CPUS_MULTI_NODE);
		if (!hk_cpuset_is_empty(none)) {
			hk_strbuf_puts(sb, "online CPUs in no node: ");
			cli_put_cpulist(sb, none);
			if (!hk_cpuset_is_empty(multi))
				hk_strbuf_puts(sb, "; ");
		}
		if (!hk_cpuset_is_empty(multi)) {
			hk_strbuf_puts(sb, "CPUs in several nodes: ");
			cli_put_cpulist(sb, multi);
		}
		cli_end_row(sb);
	}
	return 0;
}

static void topology_usage(FILE *f)
{
	fputs("Usage: hostkit [--root DIR] [--json] topology\n"
	      "\n"
	      "Shows the CPUs (packages, cores, threads, caches), which CPUs are online,\n"
	      "isolated, nohz_full and allowed to this process, and the NUMA nodes with\n"
	      "their CPUs, memory and distances.\n",
	      f);
}

int cmd_topology(cli_ctx *ctx, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			ctx->json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			topology_usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "hostkit: topology: unexpected argument '%s'\n", argv[i]);
			topology_usage(stderr);
			return EXIT_USAGE;
		}
	}

	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	int r;
	if (ctx->json) {
		hk_json j;
		hk_json_init(&j, &sb, true);
		hk_json_object_begin(&j);
		r = topology_cpu_json(ctx, NULL, &j);
		if (r >= 0)
			r = topology_numa_json(ctx, NULL, &j);
		if (r < 0)
			return cli_exit_status(r);
		hk_json_object_end(&j);
		if (hk_json_finish(&j) < 0) {
			fprintf(stderr, "hostkit: cannot write JSON\n");
			return EXIT_REFUSED;
		}
	} else {
		r = topology_cpu_text(ctx, NULL, &sb);
		if (r >= 0) {
			hk_strbuf_putc(&sb, '\n');
			r = topology_numa_text(ctx, NULL, &sb);
		}
		if (r < 0)
			return cli_exit_status(r);
	}
	return cli_print(&sb);
}
