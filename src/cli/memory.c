/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_memory *, hk_memory_free)

static int load_memory(cli_ctx *ctx, hk_memory **ret)
{
	hk_diag_clear(&ctx->diag);
	int r = hk_memory_load(ctx->root, &ctx->diag, ret);
	if (r < 0)
		cli_error(ctx, r, "cannot read the host's memory");
	return r;
}

/* ---- JSON ---- */

/* "key": {name: value, ...}, or null when @f is NULL. */
static void json_fields(hk_json *j, const char *key, const hk_memfields *f)
{
	hk_json_key(j, key);
	if (!f) {
		hk_json_null(j);
		return;
	}
	hk_json_object_begin(j);
	for (unsigned i = 0; i < hk_memfields_count(f); i++)
		hk_json_kv_u64(j, hk_memfields_name(f, i), hk_memfields_value(f, i));
	hk_json_object_end(j);
}

/* "key": [the names of @f's fields that are counts, not kB], or null. */
static void json_counts(hk_json *j, const char *key, const hk_memfields *f)
{
	hk_json_key(j, key);
	if (!f) {
		hk_json_null(j);
		return;
	}
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_memfields_count(f); i++)
		if (hk_memfields_unit(f, i) == HK_MEMUNIT_COUNT)
			hk_json_string(j, hk_memfields_name(f, i));
	hk_json_array_end(j);
}

static void json_choice(hk_json *j, const char *key, const hk_thp_choice *c)
{
	hk_json_key(j, key);
	if (!c) {
		hk_json_null(j);
		return;
	}
	hk_json_object_begin(j);
	hk_json_kv_string(j, "selected", hk_thp_choice_selected(c));
	hk_json_key(j, "offered");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_thp_choice_n_offered(c); i++)
		hk_json_string(j, hk_thp_choice_offered(c, i));
	hk_json_array_end(j);
	hk_json_object_end(j);
}

static const char *const hugepages_key[_HK_HUGEPAGES_COUNTER_MAX] = {
    [HK_HUGEPAGES_TOTAL] = "total",	      [HK_HUGEPAGES_FREE] = "free",
    [HK_HUGEPAGES_RESERVED] = "reserved",     [HK_HUGEPAGES_SURPLUS] = "surplus",
    [HK_HUGEPAGES_OVERCOMMIT] = "overcommit",
};

static void json_hugepages(hk_json *j, const hk_memory *m)
{
	int64_t def = hk_memory_default_hugepage_kib(m);

	hk_json_kv_s64_or_null(j, "default_hugepage_kib", def);
	hk_json_key(j, "hugepages");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_memory_n_hugepages(m); i++) {
		const hk_hugepages *h = hk_memory_hugepages(m, i);
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "size_kib", hk_hugepages_size_kib(h));
		hk_json_kv_bool(j, "default",
				def >= 0 && (uint64_t)def == hk_hugepages_size_kib(h));
		/* Where the global counters come from; a size only nodes list has none. */
		const char *source = "sysfs";
		if (hk_hugepages_from_meminfo(h))
			source = "meminfo";
		else if (hk_hugepages_get(h, HK_HUGEPAGES_TOTAL) < 0 && hk_hugepages_n_nodes(h))
			source = "nodes";
		hk_json_kv_string(j, "source", source);
		for (unsigned c = 0; c < _HK_HUGEPAGES_COUNTER_MAX; c++)
			hk_json_kv_s64_or_null(j, hugepages_key[c], hk_hugepages_get(h, c));
		hk_json_key(j, "nodes");
		hk_json_array_begin(j);
		for (unsigned n = 0; n < hk_hugepages_n_nodes(h); n++) {
			hk_json_object_begin(j);
			hk_json_kv_u64(j, "node", hk_hugepages_node_id(h, n));
			hk_json_kv_s64_or_null(j, "total",
					       hk_hugepages_node_get(h, n, HK_HUGEPAGES_TOTAL));
			hk_json_kv_s64_or_null(j, "free",
					       hk_hugepages_node_get(h, n, HK_HUGEPAGES_FREE));
			hk_json_kv_s64_or_null(j, "surplus",
					       hk_hugepages_node_get(h, n, HK_HUGEPAGES_SURPLUS));
			hk_json_object_end(j);
		}
		hk_json_array_end(j);
		hk_json_object_end(j);
	}
	hk_json_array_end(j);

	hk_json_key(j, "hugetlbfs");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_memory_n_hugetlbfs(m); i++) {
		const hk_hugetlbfs *h = hk_memory_hugetlbfs(m, i);
		hk_json_object_begin(j);
		hk_json_kv_string(j, "path", hk_hugetlbfs_path(h));
		hk_json_kv_s64_or_null(j, "pagesize_kib", hk_hugetlbfs_pagesize_kib(h));
		hk_json_kv_bool(j, "pagesize_given", hk_hugetlbfs_pagesize_given(h));
		hk_json_kv_string(j, "options", hk_hugetlbfs_options(h));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
}

static void json_thp(hk_json *j, const hk_memory *m)
{
	const hk_thp *t = hk_memory_thp(m);

	hk_json_key(j, "thp");
	if (!t) {
		hk_json_null(j);
		return;
	}
	hk_json_object_begin(j);
	for (unsigned k = 0; k < _HK_THP_KNOB_MAX; k++)
		json_choice(j, hk_thp_knob_name(k), hk_thp_get_knob(t, k));
	hk_json_kv_s64_or_null(j, "use_zero_page", hk_thp_get_value(t, HK_THP_USE_ZERO_PAGE));
	hk_json_kv_s64_or_null(j, "hpage_pmd_size", hk_thp_get_value(t, HK_THP_HPAGE_PMD_SIZE));
	hk_json_key(j, "khugepaged");
	hk_json_object_begin(j);
	for (unsigned v = HK_THP_KHUGEPAGED_DEFRAG; v < _HK_THP_VALUE_MAX; v++) {
		/* "khugepaged/pages_to_scan" -> "pages_to_scan" */
		const char *name = hk_thp_value_name(v), *slash = strchr(name, '/');
		hk_json_kv_s64_or_null(j, slash ? slash + 1 : name, hk_thp_get_value(t, v));
	}
	hk_json_object_end(j);
	hk_json_key(j, "sizes");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_thp_n_sizes(t); i++) {
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "size_kib", hk_thp_size_kib(t, i));
		json_choice(j, "enabled", hk_thp_size_knob(t, i, HK_THP_ENABLED));
		json_choice(j, "shmem_enabled", hk_thp_size_knob(t, i, HK_THP_SHMEM_ENABLED));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
	hk_json_object_end(j);
}

static const char *const zone_key[_HK_ZONE_COUNTER_MAX] = {
    [HK_ZONE_FREE] = "free",	   [HK_ZONE_MIN] = "min",	  [HK_ZONE_LOW] = "low",
    [HK_ZONE_HIGH] = "high",	   [HK_ZONE_SPANNED] = "spanned", [HK_ZONE_PRESENT] = "present",
    [HK_ZONE_MANAGED] = "managed",
};

static void json_zones(hk_json *j, const hk_memory *m)
{
	hk_json_key(j, "buddyinfo");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_memory_n_buddy(m); i++) {
		const hk_buddy *b = hk_memory_buddy(m, i);
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "node", hk_buddy_node(b));
		hk_json_kv_string(j, "zone", hk_buddy_zone(b));
		hk_json_key(j, "free");
		hk_json_array_begin(j);
		for (unsigned o = 0; o < hk_buddy_n_orders(b); o++)
			hk_json_u64(j, hk_buddy_free(b, o));
		hk_json_array_end(j);
		hk_json_object_end(j);
	}
	hk_json_array_end(j);

	hk_json_key(j, "zoneinfo");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_memory_n_zones(m); i++) {
		const hk_zone *z = hk_memory_zone(m, i);
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "node", hk_zone_node(z));
		hk_json_kv_string(j, "zone", hk_zone_name(z));
		for (unsigned c = 0; c < _HK_ZONE_COUNTER_MAX; c++)
			hk_json_kv_s64_or_null(j, zone_key[c], hk_zone_get(z, c));
		hk_json_key(j, "protection");
		hk_json_array_begin(j);
		for (unsigned p = 0; p < hk_zone_n_protection(z); p++)
			hk_json_u64(j, hk_zone_protection(z, p));
		hk_json_array_end(j);
		json_fields(j, "counters", hk_zone_counters(z));
		if (hk_zone_node_stats(z))
			json_fields(j, "node_stats", hk_zone_node_stats(z));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
}

static void json_nodes(hk_json *j, const hk_memory *m)
{
	hk_json_key(j, "nodes");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_memory_n_nodes(m); i++) {
		const hk_memnode *n = hk_memory_node(m, i);
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "node", hk_memnode_id(n));
		json_fields(j, "meminfo", hk_memnode_meminfo(n));
		json_counts(j, "meminfo_counts", hk_memnode_meminfo(n));
		json_fields(j, "numastat", hk_memnode_numastat(n));
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
}

static int64_t meminfo_s64(const hk_memory *m, const char *name)
{
	uint64_t v;

	if (hk_memfields_get(hk_memory_meminfo(m), name, &v) < 0 || v > INT64_MAX)
		return -ENODATA;
	return (int64_t)v;
}

static void json_overcommit(hk_json *j, const hk_memory *m)
{
	int64_t mode = hk_memory_overcommit(m, HK_OVERCOMMIT_MEMORY);
	const char *name = hk_overcommit_mode_name(mode);
	int exceeded = hk_memory_commit_exceeded(m);

	hk_json_key(j, "overcommit");
	hk_json_object_begin(j);
	hk_json_kv_s64_or_null(j, "memory", mode);
	hk_json_key(j, "mode");
	if (name)
		hk_json_string(j, name);
	else
		hk_json_null(j);
	hk_json_kv_s64_or_null(j, "ratio", hk_memory_overcommit(m, HK_OVERCOMMIT_RATIO));
	hk_json_kv_s64_or_null(j, "kbytes", hk_memory_overcommit(m, HK_OVERCOMMIT_KBYTES));
	hk_json_kv_s64_or_null(j, "commit_limit_kib", meminfo_s64(m, "CommitLimit"));
	hk_json_kv_s64_or_null(j, "committed_as_kib", meminfo_s64(m, "Committed_AS"));
	hk_json_key(j, "exceeded");
	if (exceeded < 0)
		hk_json_null(j);
	else
		hk_json_bool(j, exceeded);
	hk_json_object_end(j);
}

int memory_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(hk_memory_freep) hk_memory *m = NULL;

	int r = load_memory(ctx, &m);
	if (r < 0)
		return r;
	json_fields(j, "meminfo", hk_memory_meminfo(m));
	json_counts(j, "meminfo_counts", hk_memory_meminfo(m));
	json_hugepages(j, m);
	json_thp(j, m);
	json_zones(j, m);
	json_nodes(j, m);
	json_overcommit(j, m);
	return 0;
}

/* ---- Text ---- */

/* A number, or "-" when unknown, into @buf. */
static const char *num(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%" PRId64, v);
	return buf;
}

/* A size in KiB, or "-" when unknown, into @buf. */
static const char *kib(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		cli_format_kib((uint64_t)v, buf, size);
	return buf;
}

/* A field of @f for people: a size when in kB, else the count. */
static const char *field_text(const hk_memfields *f, unsigned i, char *buf, size_t size)
{
	uint64_t v = hk_memfields_value(f, i);

	if (hk_memfields_unit(f, i) == HK_MEMUNIT_KIB)
		return cli_format_kib(v, buf, size);
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

static void text_meminfo(hk_strbuf *sb, const hk_memory *m)
{
	const hk_memfields *f = hk_memory_meminfo(m);

	hk_strbuf_puts(sb, "Memory (proc/meminfo)\n");
	if (!f) {
		hk_strbuf_puts(sb, "  unknown: the root has no proc/meminfo\n");
		return;
	}
	/* Three fields a row, in the kernel's order. */
	unsigned n = hk_memfields_count(f);
	for (unsigned i = 0; i < n; i += 3) {
		cli_row_begin(sb);
		for (unsigned k = i; k < i + 3 && k < n; k++) {
			char v[32];
			cli_cell(sb, 18, "%s", hk_memfields_name(f, k));
			cli_cell(sb, 14, "%s", field_text(f, k, v, sizeof(v)));
		}
		cli_end_row(sb);
	}
}

static void text_overcommit(hk_strbuf *sb, const hk_memory *m)
{
	int64_t mode = hk_memory_overcommit(m, HK_OVERCOMMIT_MEMORY);
	int64_t limit = meminfo_s64(m, "CommitLimit"), committed = meminfo_s64(m, "Committed_AS");
	const char *name = hk_overcommit_mode_name(mode);
	char a[32], b[32], c[32];

	hk_strbuf_puts(sb, "\nOvercommit (vm.overcommit_*)\n");
	int64_t ratio = hk_memory_overcommit(m, HK_OVERCOMMIT_RATIO);
	hk_strbuf_printf(sb, "  policy          %s%s%s%s, ratio %s%s, kbytes %s\n",
			 num(mode, a, sizeof(a)), name ? " (" : "", name ? name : "",
			 name ? ")" : "", num(ratio, b, sizeof(b)), ratio >= 0 ? "%" : "",
			 num(hk_memory_overcommit(m, HK_OVERCOMMIT_KBYTES), c, sizeof(c)));
	hk_strbuf_printf(sb, "  CommitLimit     %s\n", kib(limit, a, sizeof(a)));
	hk_strbuf_printf(sb, "  Committed_AS    %s", kib(committed, a, sizeof(a)));
	if (limit > 0 && committed >= 0)
		hk_strbuf_printf(sb, " (%" PRId64 "%% of the limit%s)", committed * 100 / limit,
				 hk_memory_commit_exceeded(m) == 1
				     ? "; exceeds it, which only mode 2 would refuse"
				     : "");
	cli_end_row(sb);
}

static void text_hugepages(hk_strbuf *sb, const hk_memory *m)
{
	int64_t def = hk_memory_default_hugepage_kib(m);
	char a[32];

	hk_strbuf_printf(sb, "\nHuge pages (default size %s)\n", kib(def, a, sizeof(a)));
	if (hk_memory_n_hugepages(m) == 0) {
		hk_strbuf_puts(sb, "  none: the kernel offers no huge page size\n");
	} else {
		cli_row_begin(sb);
		cli_cell(sb, 18, "size");
		cli_cell(sb, 9, "total");
		cli_cell(sb, 9, "free");
		cli_cell(sb, 10, "reserved");
		cli_cell(sb, 9, "surplus");
		cli_cell(sb, 12, "overcommit");
		hk_strbuf_puts(sb, "per node (total/free)\n");
	}
	for (unsigned i = 0; i < hk_memory_n_hugepages(m); i++) {
		const hk_hugepages *h = hk_memory_hugepages(m, i);
		bool is_def = def >= 0 && (uint64_t)def == hk_hugepages_size_kib(h);
		cli_row_begin(sb);
		cli_cell(sb, 18, "%s%s", cli_format_kib(hk_hugepages_size_kib(h), a, sizeof(a)),
			 is_def ? " (default)" : "");
		cli_cell(sb, 9, "%s", num(hk_hugepages_get(h, HK_HUGEPAGES_TOTAL), a, sizeof(a)));
		cli_cell(sb, 9, "%s", num(hk_hugepages_get(h, HK_HUGEPAGES_FREE), a, sizeof(a)));
		cli_cell(sb, 10, "%s",
			 num(hk_hugepages_get(h, HK_HUGEPAGES_RESERVED), a, sizeof(a)));
		cli_cell(sb, 9, "%s", num(hk_hugepages_get(h, HK_HUGEPAGES_SURPLUS), a, sizeof(a)));
		cli_cell(sb, 12, "%s",
			 num(hk_hugepages_get(h, HK_HUGEPAGES_OVERCOMMIT), a, sizeof(a)));
		for (unsigned n = 0; n < hk_hugepages_n_nodes(h); n++) {
			char t[32], f[32];
			hk_strbuf_printf(
			    sb, "%s%u: %s/%s", n ? ", " : "", hk_hugepages_node_id(h, n),
			    num(hk_hugepages_node_get(h, n, HK_HUGEPAGES_TOTAL), t, sizeof(t)),
			    num(hk_hugepages_node_get(h, n, HK_HUGEPAGES_FREE), f, sizeof(f)));
		}
		if (hk_hugepages_n_nodes(h) == 0)
			hk_strbuf_puts(sb, "-");
		cli_end_row(sb);
	}

	hk_strbuf_puts(sb, "\nhugetlbfs mounts\n");
	if (hk_memory_n_hugetlbfs(m) == 0)
		hk_strbuf_puts(sb, "  none\n");
	for (unsigned i = 0; i < hk_memory_n_hugetlbfs(m); i++) {
		const hk_hugetlbfs *h = hk_memory_hugetlbfs(m, i);
		cli_row_begin(sb);
		cli_cell(sb, 24, "%s", hk_hugetlbfs_path(h));
		cli_cell(sb, 10, "%s", kib(hk_hugetlbfs_pagesize_kib(h), a, sizeof(a)));
		hk_strbuf_puts(sb, hk_hugetlbfs_options(h));
		cli_end_row(sb);
	}
}

static void put_choice(hk_strbuf *sb, const hk_thp_choice *c)
{
	if (!c) {
		hk_strbuf_puts(sb, "-");
		return;
	}
	hk_strbuf_printf(sb, "%s (of", hk_thp_choice_selected(c));
	for (unsigned i = 0; i < hk_thp_choice_n_offered(c); i++)
		hk_strbuf_printf(sb, " %s", hk_thp_choice_offered(c, i));
	hk_strbuf_puts(sb, ")");
}

static void text_thp(hk_strbuf *sb, const hk_memory *m)
{
	const hk_thp *t = hk_memory_thp(m);
	char a[32];

	hk_strbuf_puts(sb, "\nTransparent huge pages\n");
	if (!t) {
		hk_strbuf_puts(sb, "  none: the kernel has no transparent huge pages\n");
		return;
	}
	for (unsigned k = 0; k < _HK_THP_KNOB_MAX; k++) {
		cli_row_begin(sb);
		cli_cell(sb, 36, "%s", hk_thp_knob_name(k));
		put_choice(sb, hk_thp_get_knob(t, k));
		cli_end_row(sb);
	}
	for (unsigned v = 0; v < _HK_THP_VALUE_MAX; v++) {
		int64_t x = hk_thp_get_value(t, v);
		cli_row_begin(sb);
		cli_cell(sb, 36, "%s", hk_thp_value_name(v));
		if (v == HK_THP_HPAGE_PMD_SIZE && x >= 0)
			hk_strbuf_puts(sb, cli_format_bytes((uint64_t)x, a, sizeof(a)));
		else
			hk_strbuf_puts(sb, num(x, a, sizeof(a)));
		cli_end_row(sb);
	}
	/* Per-size settings: the selected values only; the words are the global ones'. */
	if (hk_thp_n_sizes(t) > 0) {
		cli_row_begin(sb);
		cli_cell(sb, 12, "size");
		cli_cell(sb, 12, "enabled");
		hk_strbuf_puts(sb, "shmem_enabled\n");
	}
	for (unsigned i = 0; i < hk_thp_n_sizes(t); i++) {
		const hk_thp_choice *e = hk_thp_size_knob(t, i, HK_THP_ENABLED);
		const hk_thp_choice *s = hk_thp_size_knob(t, i, HK_THP_SHMEM_ENABLED);
		cli_row_begin(sb);
		cli_cell(sb, 12, "%s", cli_format_kib(hk_thp_size_kib(t, i), a, sizeof(a)));
		cli_cell(sb, 12, "%s", e ? hk_thp_choice_selected(e) : "-");
		hk_strbuf_puts(sb, s ? hk_thp_choice_selected(s) : "-");
		cli_end_row(sb);
	}
}

static void text_zones(hk_strbuf *sb, const hk_memory *m)
{
	unsigned orders = 0;
	char a[32];

	for (unsigned i = 0; i < hk_memory_n_buddy(m); i++)
		orders = MAX(orders, hk_buddy_n_orders(hk_memory_buddy(m, i)));
	hk_strbuf_puts(sb, "\nFree blocks of 2^order pages (proc/buddyinfo)\n");
	if (hk_memory_n_buddy(m) == 0) {
		hk_strbuf_puts(sb, "  unknown\n");
	} else {
		cli_row_begin(sb);
		cli_cell(sb, 6, "node");
		cli_cell(sb, 10, "zone");
		for (unsigned o = 0; o < orders; o++)
			cli_cell(sb, 8, "%u", o);
		cli_end_row(sb);
	}
	for (unsigned i = 0; i < hk_memory_n_buddy(m); i++) {
		const hk_buddy *b = hk_memory_buddy(m, i);
		cli_row_begin(sb);
		cli_cell(sb, 6, "%u", hk_buddy_node(b));
		cli_cell(sb, 10, "%s", hk_buddy_zone(b));
		for (unsigned o = 0; o < hk_buddy_n_orders(b); o++)
			cli_cell(sb, 8, "%" PRIu64, hk_buddy_free(b, o));
		cli_end_row(sb);
	}

	hk_strbuf_puts(sb, "\nZones in pages (proc/zoneinfo)\n");
	if (hk_memory_n_zones(m) == 0) {
		hk_strbuf_puts(sb, "  unknown\n");
	} else {
		cli_row_begin(sb);
		cli_cell(sb, 6, "node");
		cli_cell(sb, 10, "zone");
		for (unsigned k = 0; k < _HK_ZONE_COUNTER_MAX; k++)
			cli_cell(sb, 11, "%s", zone_key[k]);
		hk_strbuf_puts(sb, "protection\n");
	}
	for (unsigned i = 0; i < hk_memory_n_zones(m); i++) {
		const hk_zone *z = hk_memory_zone(m, i);
		cli_row_begin(sb);
		cli_cell(sb, 6, "%u", hk_zone_node(z));
		cli_cell(sb, 10, "%s", hk_zone_name(z));
		for (unsigned k = 0; k < _HK_ZONE_COUNTER_MAX; k++)
			cli_cell(sb, 11, "%s", num(hk_zone_get(z, k), a, sizeof(a)));
		for (unsigned p = 0; p < hk_zone_n_protection(z); p++)
			hk_strbuf_printf(sb, "%s%" PRIu64, p ? " " : "", hk_zone_protection(z, p));
		cli_end_row(sb);
	}
}

static void text_nodes(hk_strbuf *sb, const hk_memory *m)
{
	static const char *const cols[] = {"MemTotal",	"MemFree",	   "MemUsed",
					   "FilePages", "AnonPages",	   "Shmem",
					   "Slab",	"HugePages_Total", "HugePages_Free"};
	unsigned n = hk_memory_n_nodes(m);
	char a[32];

	if (n == 0)
		return;
	hk_strbuf_puts(sb, "\nNUMA nodes (nodeN/meminfo)\n");
	cli_row_begin(sb);
	cli_cell(sb, 6, "node");
	for (unsigned k = 0; k < ELEMENTSOF(cols); k++)
		cli_cell(sb, k < 7 ? 11 : 17, "%s", cols[k]);
	cli_end_row(sb);
	for (unsigned i = 0; i < n; i++) {
		const hk_memnode *node = hk_memory_node(m, i);
		const hk_memfields *f = hk_memnode_meminfo(node);
		cli_row_begin(sb);
		cli_cell(sb, 6, "%u", hk_memnode_id(node));
		for (unsigned k = 0; k < ELEMENTSOF(cols); k++) {
			const char *text = "-";
			for (unsigned x = 0; x < hk_memfields_count(f); x++)
				if (strcmp(hk_memfields_name(f, x), cols[k]) == 0)
					text = field_text(f, x, a, sizeof(a));
			cli_cell(sb, k < 7 ? 11 : 17, "%s", text);
		}
		cli_end_row(sb);
	}

	/* numastat: the columns of the first node that has one. */
	const hk_memfields *first = NULL;
	for (unsigned i = 0; i < n && !first; i++)
		first = hk_memnode_numastat(hk_memory_node(m, i));
	if (!first)
		return;
	hk_strbuf_puts(sb, "\nNUMA allocations (nodeN/numastat)\n");
	cli_row_begin(sb);
	cli_cell(sb, 6, "node");
	for (unsigned k = 0; k < hk_memfields_count(first); k++)
		cli_cell(sb, 16, "%s", hk_memfields_name(first, k));
	cli_end_row(sb);
	for (unsigned i = 0; i < n; i++) {
		const hk_memnode *node = hk_memory_node(m, i);
		const hk_memfields *f = hk_memnode_numastat(node);
		cli_row_begin(sb);
		cli_cell(sb, 6, "%u", hk_memnode_id(node));
		for (unsigned k = 0; k < hk_memfields_count(first); k++) {
			uint64_t v;
			if (hk_memfields_get(f, hk_memfields_name(first, k), &v) < 0)
				cli_cell(sb, 16, "-");
			else
				cli_cell(sb, 16, "%" PRIu64, v);
		}
		cli_end_row(sb);
	}
}

int memory_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(hk_memory_freep) hk_memory *m = NULL;

	int r = load_memory(ctx, &m);
	if (r < 0)
		return r;
	text_meminfo(sb, m);
	text_overcommit(sb, m);
	text_hugepages(sb, m);
	text_thp(sb, m);
	text_zones(sb, m);
	text_nodes(sb, m);
	return 0;
}
