/* SPDX-License-Identifier: MIT */
/* `hostkit inspect pagemap PID ADDRESS [COUNT]`: virtual to physical translation. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/parse.h"
#include "cli/cli.h"

/* At most this many pages per call: 4 GiB of 4 KiB pages, a 1 GiB page at 64 KiB. */
#define MAX_PAGES (1u << 20)

#define NEEDS_ROOT "needs root (CAP_SYS_ADMIN) for frame numbers"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pagemap *, hk_pagemap_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_kpage *, hk_kpage_free)

struct page_row {
	uint64_t vaddr; /* of the page's start */
	uint64_t entry;
	int pfn_r; /* of hk_pagemap_entry_pfn(): 0, -ENODATA, -EPERM */
	uint64_t pfn;
	int kflags_r;
	uint64_t kflags;
	int kcount_r;
	uint64_t kcount;
};

struct pagemap_view {
	int pid;
	uint64_t address;
	uint64_t page_size;
	size_t asked;
	size_t n;
	struct page_row *rows;
	bool any_present;
	bool pfn_hidden;
	int kpage_r; /* 0 when read, -errno when not, 1 when there was no frame to look up */
	char kpage_note[512];
	int contiguous; /* 1, 0, -EPERM, or -ENODATA for a single page */
};

static void view_done(struct pagemap_view *v)
{
	free(v->rows);
	v->rows = NULL;
}

static int usage(const char *what, const char *word)
{
	fprintf(stderr, "hostkit: inspect pagemap: %s '%s'\n", what, word);
	fprintf(stderr,
		"Usage: hostkit [--json] inspect pagemap PID ADDRESS [COUNT]\n"
		"  PID      a process id\n"
		"  ADDRESS  a virtual address of that process: hex with 0x, or decimal\n"
		"  COUNT    how many pages from the one holding ADDRESS (1 to %u, default 1)\n",
		MAX_PAGES);
	return -EINVAL;
}

static int parse_args(const cli_args *args, int *ret_pid, uint64_t *ret_addr, size_t *ret_n)
{
	unsigned count = 1;
	uint64_t addr;
	int pid;

	if (args->argc < 2)
		return usage("needs PID and ADDRESS, got only", args->argc ? args->argv[0] : "");
	if (args->argc > 3)
		return usage("unexpected argument", args->argv[3]);
	const char *p = args->argv[0];
	if (hk_parse_int(p, strlen(p), &pid) < 0 || pid <= 0)
		return usage("invalid PID", p);
	p = args->argv[1];
	if (hk_parse_u64(p, strlen(p), 0, &addr) < 0)
		return usage("invalid ADDRESS (hex with 0x, or decimal)", p);
	if (args->argc == 3) {
		p = args->argv[2];
		if (hk_parse_unsigned_range(p, strlen(p), 1, MAX_PAGES, &count) < 0)
			return usage("invalid COUNT", p);
	}
	*ret_pid = pid;
	*ret_addr = addr;
	*ret_n = count;
	return 0;
}

/* Reads the page map, and kpageflags and kpagecount where frames are known. */
static int load(cli_ctx *ctx, const cli_args *args, struct pagemap_view *v)
{
	_cleanup_(hk_pagemap_freep) hk_pagemap *pm = NULL;
	_cleanup_(hk_kpage_freep) hk_kpage *kp = NULL;
	_cleanup_free_ uint64_t *entries = NULL;
	int r;

	*v = (struct pagemap_view){.kpage_r = 1, .contiguous = -ENODATA};
	r = parse_args(args, &v->pid, &v->address, &v->asked);
	if (r < 0)
		return r;

	hk_diag_clear(&ctx->diag);
	r = hk_pagemap_open(ctx->root, v->pid, &ctx->diag, &pm);
	if (r < 0) {
		char what[64];
		snprintf(what, sizeof(what), "cannot open the page map of process %d", v->pid);
		cli_error(ctx, r, what);
		return r;
	}
	v->page_size = hk_pagemap_page_size(pm);
	uint64_t first = v->address & ~(v->page_size - 1);
	if ((uint64_t)(v->asked - 1) > (UINT64_MAX - first) / v->page_size) {
		char word[24];
		snprintf(word, sizeof(word), "%zu", v->asked);
		return usage("COUNT pages run past the end of 64-bit addresses:", word);
	}

	entries = calloc(v->asked, sizeof(*entries));
	v->rows = calloc(v->asked, sizeof(*v->rows));
	if (!entries || !v->rows) {
		cli_error(ctx, -ENOMEM, "cannot read the page map");
		return -ENOMEM;
	}
	r = hk_pagemap_read(pm, v->address, v->asked, &ctx->diag, entries);
	if (r < 0) {
		cli_error(ctx, r, "cannot read the page map");
		return r;
	}
	v->n = (size_t)r;

	bool any_pfn = false;
	for (size_t i = 0; i < v->n; i++) {
		struct page_row *row = &v->rows[i];
		row->vaddr = first + i * v->page_size;
		row->entry = entries[i];
		row->pfn_r = hk_pagemap_entry_pfn(row->entry, &row->pfn);
		row->kflags_r = row->kcount_r = -ENODATA;
		v->any_present |= row->pfn_r != -ENODATA;
		v->pfn_hidden |= row->pfn_r == -EPERM;
		any_pfn |= row->pfn_r == 0;
	}
	if (v->n > 1)
		v->contiguous = hk_pagemap_entries_contiguous(entries, v->n, NULL);

	if (!any_pfn)
		return 0;
	/* kpageflags is extra: without it the translation still stands. */
	hk_diag kdiag = {0};
	v->kpage_r = hk_kpage_open(ctx->root, &kdiag, &kp);
	if (v->kpage_r < 0) {
		snprintf(v->kpage_note, sizeof(v->kpage_note), "%s",
			 kdiag.message[0] ? kdiag.message : strerror(-v->kpage_r));
		return 0;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct page_row *row = &v->rows[i];
		if (row->pfn_r < 0)
			continue;
		row->kflags_r = hk_kpage_get_flags(kp, row->pfn, NULL, &row->kflags);
		row->kcount_r = hk_kpage_get_count(kp, row->pfn, NULL, &row->kcount);
	}
	return 0;
}

/* The physical address of the asked address, when its frame is known. */
static bool asked_phys(const struct pagemap_view *v, uint64_t *ret)
{
	if (v->n == 0 || v->rows[0].pfn_r < 0 || v->rows[0].pfn > UINT64_MAX / v->page_size)
		return false;
	*ret = v->rows[0].pfn * v->page_size + (v->address & (v->page_size - 1));
	return true;
}

static void json_hex(hk_json *j, const char *key, uint64_t x)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, x);
	hk_json_kv_string(j, key, buf);
}

static void json_u64_or_null(hk_json *j, const char *key, bool known, uint64_t x)
{
	hk_json_key(j, key);
	if (known)
		hk_json_u64(j, x);
	else
		hk_json_null(j);
}

static void json_hex_or_null(hk_json *j, const char *key, bool known, uint64_t x)
{
	if (known) {
		json_hex(j, key, x);
	} else {
		hk_json_key(j, key);
		hk_json_null(j);
	}
}

/* The names of the bits of @v from @from up, as a JSON array of strings. */
static void json_names(hk_json *j, uint64_t v, unsigned from, const char *(*name)(unsigned))
{
	hk_json_array_begin(j);
	for (unsigned bit = from; bit < 64; bit++) {
		if (!(v & (UINT64_C(1) << bit)))
			continue;
		const char *s = name(bit);
		char raw[8];
		if (!s) {
			snprintf(raw, sizeof(raw), "bit%u", bit);
			s = raw;
		}
		hk_json_string(j, s);
	}
	hk_json_array_end(j);
}

int pagemap_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(view_done) struct pagemap_view v = {0};
	uint64_t phys = 0;

	int r = load(ctx, args, &v);
	if (r < 0)
		return r;

	hk_json_kv_u64(j, "pid", (uint64_t)v.pid);
	hk_json_kv_u64(j, "address", v.address);
	json_hex(j, "address_hex", v.address);
	hk_json_kv_u64(j, "page_size", v.page_size);
	hk_json_kv_u64(j, "count", v.asked);
	hk_json_kv_bool(j, "truncated", v.n < v.asked);
	bool known = asked_phys(&v, &phys);
	json_u64_or_null(j, "phys_address", known, phys);
	json_hex_or_null(j, "phys_address_hex", known, phys);

	hk_json_key(j, "pfn_visible");
	if (v.pfn_hidden)
		hk_json_bool(j, false);
	else if (v.any_present)
		hk_json_bool(j, true);
	else
		hk_json_null(j);
	hk_json_key(j, "pfn_note");
	if (v.pfn_hidden)
		hk_json_string(j, NEEDS_ROOT);
	else
		hk_json_null(j);
	hk_json_key(j, "kpage_note");
	if (v.kpage_r < 0)
		hk_json_string(j, v.kpage_note);
	else
		hk_json_null(j);
	hk_json_key(j, "contiguous");
	if (v.contiguous >= 0)
		hk_json_bool(j, v.contiguous == 1);
	else
		hk_json_null(j);

	hk_json_key(j, "pages");
	hk_json_array_begin(j);
	for (size_t i = 0; i < v.n; i++) {
		const struct page_row *row = &v.rows[i];
		unsigned swap_type = 0;
		uint64_t swap_offset = 0;
		bool swap_known = hk_pagemap_entry_swap(row->entry, &swap_type, &swap_offset) >= 0;
		bool pfn_known = row->pfn_r == 0 && row->pfn <= UINT64_MAX / v.page_size;

		hk_json_object_begin(j);
		hk_json_kv_u64(j, "address", row->vaddr);
		json_hex(j, "address_hex", row->vaddr);
		hk_json_kv_u64(j, "entry", row->entry);
		hk_json_kv_bool(j, "present", row->entry & HK_PAGEMAP_PRESENT);
		hk_json_kv_bool(j, "swapped", row->entry & HK_PAGEMAP_SWAPPED);
		hk_json_key(j, "flags");
		json_names(j, row->entry, 55, hk_pagemap_flag_name);
		json_u64_or_null(j, "pfn", row->pfn_r == 0, row->pfn);
		json_u64_or_null(j, "phys_address", pfn_known, row->pfn * v.page_size);
		json_hex_or_null(j, "phys_address_hex", pfn_known, row->pfn * v.page_size);
		json_u64_or_null(j, "swap_type", swap_known, swap_type);
		json_u64_or_null(j, "swap_offset", swap_known, swap_offset);
		hk_json_key(j, "kpageflags");
		if (row->kflags_r == 0)
			json_names(j, row->kflags, 0, hk_kpage_flag_name);
		else
			hk_json_null(j);
		json_u64_or_null(j, "kpageflags_raw", row->kflags_r == 0, row->kflags);
		json_u64_or_null(j, "kpagecount", row->kcount_r == 0, row->kcount);
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
	return 0;
}

static void put_row(hk_strbuf *sb, const struct pagemap_view *v, const struct page_row *row)
{
	char flags[128], kflags[512];
	unsigned swap_type;
	uint64_t swap_offset;

	hk_strbuf_puts(sb, "  ");
	cli_cell(sb, 17, "0x%" PRIx64, row->vaddr);
	if (row->entry & HK_PAGEMAP_PRESENT)
		cli_cell(sb, 9, "present");
	else if (row->entry & HK_PAGEMAP_SWAPPED)
		cli_cell(sb, 9, "swapped");
	else
		cli_cell(sb, 9, "none");

	if (row->pfn_r == 0) {
		cli_cell(sb, 12, "0x%" PRIx64, row->pfn);
		if (row->pfn <= UINT64_MAX / v->page_size)
			cli_cell(sb, 16, "0x%" PRIx64, row->pfn * v->page_size);
		else
			cli_cell(sb, 16, "-");
	} else if (row->pfn_r == -EPERM) {
		cli_cell(sb, 12, "hidden");
		cli_cell(sb, 16, "-");
	} else {
		int r = hk_pagemap_entry_swap(row->entry, &swap_type, &swap_offset);
		cli_cell(sb, 12, "-");
		if (r == 0)
			cli_cell(sb, 16, "swap %u:0x%" PRIx64, swap_type, swap_offset);
		else if (r == -EPERM)
			cli_cell(sb, 16, "swap (hidden)");
		else
			cli_cell(sb, 16, "-");
	}

	if (row->kcount_r == 0)
		cli_cell(sb, 6, "%" PRIu64, row->kcount);
	else
		cli_cell(sb, 6, "-");
	/* The state column already says present or swapped. */
	hk_pagemap_flags_format(row->entry & ~(HK_PAGEMAP_PRESENT | HK_PAGEMAP_SWAPPED), flags,
				sizeof(flags));
	cli_cell(sb, 22, "%s", flags[0] ? flags : "-");
	if (row->kflags_r == 0) {
		hk_kpage_flags_format(row->kflags, kflags, sizeof(kflags));
		hk_strbuf_puts(sb, kflags[0] ? kflags : "-");
	} else {
		hk_strbuf_puts(sb, "-");
	}
	cli_end_row(sb);
}

int pagemap_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(view_done) struct pagemap_view v = {0};
	char size[32];
	uint64_t phys;

	int r = load(ctx, args, &v);
	if (r < 0)
		return r;

	hk_strbuf_printf(sb, "Page map of process %d (%s pages)\n", v.pid,
			 cli_format_bytes(v.page_size, size, sizeof(size)));
	hk_strbuf_puts(sb, "  ");
	cli_cell(sb, 17, "address");
	cli_cell(sb, 9, "state");
	cli_cell(sb, 12, "PFN");
	cli_cell(sb, 16, "physical");
	cli_cell(sb, 6, "maps");
	cli_cell(sb, 22, "flags");
	hk_strbuf_puts(sb, "page flags");
	cli_end_row(sb);
	for (size_t i = 0; i < v.n; i++)
		put_row(sb, &v, &v.rows[i]);

	hk_strbuf_putc(sb, '\n');
	if (asked_phys(&v, &phys))
		hk_strbuf_printf(sb, "  0x%" PRIx64 " is physical 0x%" PRIx64 "\n", v.address,
				 phys);
	if (v.pfn_hidden)
		hk_strbuf_puts(sb, "  frame numbers: " NEEDS_ROOT "\n");
	if (v.kpage_r < 0)
		hk_strbuf_printf(sb, "  page flags: %s\n", v.kpage_note);
	if (v.n < v.asked)
		hk_strbuf_printf(sb, "  the address space ends after %zu of the %zu pages asked\n",
				 v.n, v.asked);
	if (v.contiguous == 1)
		hk_strbuf_printf(sb, "  physically contiguous: yes, %zu pages\n", v.n);
	else if (v.contiguous == 0)
		hk_strbuf_puts(sb, "  physically contiguous: no\n");
	else if (v.contiguous == -EPERM)
		hk_strbuf_puts(sb, "  physically contiguous: unknown (" NEEDS_ROOT ")\n");
	return 0;
}
