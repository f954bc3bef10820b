/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

/* Values wider than this push the meaning column right instead of widening it. */
#define VALUE_WIDTH_MAX 28

/*
 * The sysctls asked for: the KEYs given (in their order, each once), or the
 * whole table. On error, prints the message and returns it; the list read
 * so far is freed.
 */
typedef struct sysctl_list {
	hk_sysctl **items;
	unsigned n, cap;
	/* The keys listed so far, for duplicates (a directory KEY can stand
	 * for thousands): open addressing, item index + 1, 0 for empty. */
	unsigned *slots;
	unsigned n_slots; /* a power of two, above twice n */
} sysctl_list;

static void sysctl_list_done(sysctl_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		hk_sysctl_free(l->items[i]);
	free(l->items);
	free(l->slots);
	*l = (sysctl_list){0};
}

static unsigned key_hash(const char *key)
{
	unsigned h = 2166136261u; /* FNV-1a */

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

/* The slot holding @key, or the empty one where it would go. */
static unsigned *key_slot(const sysctl_list *l, const char *key)
{
	unsigned mask = l->n_slots - 1;

	for (unsigned i = key_hash(key) & mask;; i = (i + 1) & mask) {
		unsigned *slot = &l->slots[i];
		if (*slot == 0 || strcmp(hk_sysctl_key(l->items[*slot - 1]), key) == 0)
			return slot;
	}
}

static bool listed(const sysctl_list *l, const char *key)
{
	return l->n_slots && *key_slot(l, key) != 0;
}

/* Makes room for one more key in the table; false when out of memory. */
static bool slots_grow(sysctl_list *l)
{
	if (2 * (l->n + 1) < l->n_slots)
		return true;
	unsigned n_slots = l->n_slots ? l->n_slots * 2 : 64;
	unsigned *old = l->slots, old_n = l->n_slots;
	l->slots = calloc(n_slots, sizeof(*l->slots));
	if (!l->slots) {
		l->slots = old;
		return false;
	}
	l->n_slots = n_slots;
	for (unsigned i = 0; i < old_n; i++)
		if (old[i])
			*key_slot(l, hk_sysctl_key(l->items[old[i] - 1])) = old[i];
	free(old);
	return true;
}

static int read_one(cli_ctx *ctx, sysctl_list *l, const char *key);

/* A directory KEY stands for every sysctl under it, as with sysctl(8). */
static int read_dir(cli_ctx *ctx, sysctl_list *l, const char *key)
{
	_cleanup_free_ char **keys = NULL;
	size_t n;

	hk_diag_clear(&ctx->diag);
	int r = hk_sysctl_list_dir(ctx->root, key, &ctx->diag, &keys, &n);
	if (r < 0) {
		char what[320];
		snprintf(what, sizeof(what), "cannot list the sysctls under '%.256s'", key);
		cli_error(ctx, r, what);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		r = read_one(ctx, l, keys[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_one(cli_ctx *ctx, sysctl_list *l, const char *key)
{
	hk_sysctl *s;

	hk_diag_clear(&ctx->diag);
	int r = hk_sysctl_read(ctx->root, key, &ctx->diag, &s);
	if (r == -EISDIR)
		return read_dir(ctx, l, key);
	if (r < 0) {
		char what[320];
		snprintf(what, sizeof(what), "cannot read sysctl '%.256s'", key);
		cli_error(ctx, r, what);
		return r;
	}
	if (listed(l, hk_sysctl_key(s))) {
		hk_sysctl_free(s);
		return 0;
	}
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 16;
		hk_sysctl **items = reallocarray(l->items, cap, sizeof(*items));
		if (!items) {
			hk_sysctl_free(s);
			fprintf(stderr, "hostkit: out of memory\n");
			return -ENOMEM;
		}
		l->items = items;
		l->cap = cap;
	}
	if (!slots_grow(l)) {
		hk_sysctl_free(s);
		fprintf(stderr, "hostkit: out of memory\n");
		return -ENOMEM;
	}
	l->items[l->n++] = s;
	*key_slot(l, hk_sysctl_key(s)) = l->n;
	return 0;
}

static int read_list(cli_ctx *ctx, const cli_args *args, sysctl_list *ret)
{
	_cleanup_(sysctl_list_done) sysctl_list l = {0};
	unsigned n = args && args->argc > 0 ? (unsigned)args->argc : hk_sysctl_n_known();
	int r;

	for (unsigned i = 0; i < n; i++) {
		const char *key =
		    args && args->argc > 0 ? args->argv[i] : hk_sysctl_info_key(hk_sysctl_known(i));
		r = read_one(ctx, &l, key);
		if (r < 0)
			return r;
	}
	*ret = l;
	l = (sysctl_list){0};
	return 0;
}

static void json_integer(hk_json *j, const hk_sysctl *s, unsigned i)
{
	int64_t v;
	uint64_t u;

	if (hk_sysctl_value_negative(s, i)) {
		if (hk_sysctl_value_s64(s, i, &v) == 0)
			hk_json_s64(j, v);
		else
			hk_json_null(j);
	} else if (hk_sysctl_value_u64(s, i, &u) == 0) {
		hk_json_u64(j, u);
	} else {
		hk_json_null(j);
	}
}

static void json_value(hk_json *j, const hk_sysctl *s)
{
	hk_json_key(j, "value");
	if (hk_sysctl_get_state(s) != HK_SYSCTL_PRESENT) {
		hk_json_null(j);
		return;
	}
	switch (hk_sysctl_get_type(s)) {
	case HK_SYSCTL_INTEGER:
		json_integer(j, s, 0);
		break;
	case HK_SYSCTL_VECTOR:
		hk_json_array_begin(j);
		for (unsigned i = 0; i < hk_sysctl_n_values(s); i++)
			json_integer(j, s, i);
		hk_json_array_end(j);
		break;
	case HK_SYSCTL_CPULIST:
		cli_json_cpulist(j, NULL, hk_sysctl_cpus(s));
		break;
	case HK_SYSCTL_STRING:
		hk_json_string(j, hk_sysctl_text(s));
		break;
	}
}

int sysctl_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(sysctl_list_done) sysctl_list l = {0};

	int r = read_list(ctx, args, &l);
	if (r < 0)
		return r;

	for (unsigned i = 0; i < l.n; i++) {
		const hk_sysctl *s = l.items[i];
		const hk_sysctl_info *info = hk_sysctl_get_info(s);
		hk_json_key(j, hk_sysctl_key(s));
		hk_json_object_begin(j);
		json_value(j, s);
		hk_json_kv_string(j, "type", hk_sysctl_type_name(hk_sysctl_get_type(s)));
		hk_json_kv_string(j, "section", hk_sysctl_section_name(hk_sysctl_get_section(s)));
		hk_json_kv_bool(j, "absent", hk_sysctl_get_state(s) == HK_SYSCTL_ABSENT);
		hk_json_kv_bool(j, "unreadable", hk_sysctl_get_state(s) == HK_SYSCTL_UNREADABLE);
		hk_json_key(j, "error");
		if (hk_sysctl_error(s))
			hk_json_string(j, strerror(-hk_sysctl_error(s)));
		else
			hk_json_null(j);
		hk_json_kv_string(j, "path", hk_sysctl_path(s));
		hk_json_key(j, "meaning");
		if (info)
			hk_json_string(j, hk_sysctl_info_meaning(info));
		else
			hk_json_null(j);
		hk_json_object_end(j);
	}
	return 0;
}

/* The value as people read it: vectors with single blanks, absent and unreadable said so. */
static void put_value(hk_strbuf *sb, const hk_sysctl *s)
{
	switch (hk_sysctl_get_state(s)) {
	case HK_SYSCTL_ABSENT:
		hk_strbuf_puts(sb, "absent");
		return;
	case HK_SYSCTL_UNREADABLE:
		hk_strbuf_printf(sb, "unreadable (%s)", strerror(-hk_sysctl_error(s)));
		return;
	case HK_SYSCTL_PRESENT:
		break;
	}
	switch (hk_sysctl_get_type(s)) {
	case HK_SYSCTL_INTEGER:
	case HK_SYSCTL_VECTOR:
		for (unsigned i = 0; i < hk_sysctl_n_values(s); i++) {
			int64_t v;
			uint64_t u;
			if (i)
				hk_strbuf_putc(sb, ' ');
			if (hk_sysctl_value_u64(s, i, &u) == 0)
				hk_strbuf_printf(sb, "%" PRIu64, u);
			else if (hk_sysctl_value_s64(s, i, &v) == 0)
				hk_strbuf_printf(sb, "%" PRId64, v);
		}
		break;
	case HK_SYSCTL_CPULIST:
		cli_put_cpulist(sb, hk_sysctl_cpus(s));
		break;
	case HK_SYSCTL_STRING:
		hk_strbuf_puts(sb, *hk_sysctl_text(s) ? hk_sysctl_text(s) : "\"\"");
		break;
	}
}

int sysctl_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(sysctl_list_done) sysctl_list l = {0};
	_cleanup_(hk_strbuf_done) hk_strbuf v = HK_STRBUF_INIT;
	size_t key_w = strlen("key"), value_w = strlen("value");

	int r = read_list(ctx, args, &l);
	if (r < 0)
		return r;

	/* Column widths from the data, the value column capped. */
	for (unsigned i = 0; i < l.n; i++) {
		key_w = MAX(key_w, strlen(hk_sysctl_key(l.items[i])));
		v.len = 0;
		put_value(&v, l.items[i]);
		value_w = MAX(value_w, MIN(v.len, (size_t)VALUE_WIDTH_MAX));
	}
	key_w += 2;
	value_w += 2;

	hk_strbuf_puts(sb, "Sysctls\n");
	size_t from = sb->len;
	hk_strbuf_puts(sb, "  key");
	hk_strbuf_pad(sb, from, 2 + key_w);
	from = sb->len;
	hk_strbuf_puts(sb, "value");
	hk_strbuf_pad(sb, from, value_w);
	hk_strbuf_puts(sb, "meaning");
	cli_end_row(sb);

	for (unsigned i = 0; i < l.n; i++) {
		const hk_sysctl *s = l.items[i];
		const hk_sysctl_info *info = hk_sysctl_get_info(s);
		from = sb->len;
		hk_strbuf_printf(sb, "  %s", hk_sysctl_key(s));
		hk_strbuf_pad(sb, from, 2 + key_w);
		from = sb->len;
		put_value(sb, s);
		hk_strbuf_pad(sb, from, MAX(value_w, sb->len - from + 2));
		hk_strbuf_puts(sb, info ? hk_sysctl_info_meaning(info) : "");
		cli_end_row(sb);
	}
	return 0;
}
