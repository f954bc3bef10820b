/* SPDX-License-Identifier: MIT */
/*
 * hk_parse_proc_stat() on random bytes. Oracle: a parsed stat has at least
 * HK_STAT_MIN_FIELDS fields, each numeric one readable as u64 or s64, and
 * it survives a round trip: written back as "PID (COMM) S F4 ... FN" and
 * parsed again, it gives the same comm, state and values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "host/process.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_field(hk_strbuf *sb, const hk_proc_stat *s, hk_stat_field f)
{
	uint64_t u;
	int64_t v;

	if (hk_proc_stat_get_u64(s, f, &u) == 0)
		hk_strbuf_printf(sb, "%" PRIu64, u);
	else if (hk_proc_stat_get_s64(s, f, &v) == 0)
		hk_strbuf_printf(sb, "%" PRId64, v);
	else
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	hk_proc_stat s, t;

	if (hk_parse_proc_stat(buf, size, "stat", NULL, &s) < 0)
		return 0;
	unsigned n = hk_proc_stat_n_fields(&s);
	if (n < HK_STAT_MIN_FIELDS || !hk_proc_stat_state(&s) || !hk_proc_stat_comm(&s))
		__builtin_trap();
	if (strlen(hk_proc_stat_comm(&s)) > size)
		__builtin_trap();
	int cpu = hk_proc_stat_last_cpu(&s);
	if (cpu < 0 && cpu != -ENODATA)
		__builtin_trap();

	hk_strbuf sb = HK_STRBUF_INIT;
	put_field(&sb, &s, HK_STAT_PID);
	hk_strbuf_printf(&sb, " (%s) %c", hk_proc_stat_comm(&s), hk_proc_stat_state(&s));
	unsigned last = n < _HK_STAT_FIELD_MAX ? n : _HK_STAT_FIELD_MAX - 1;
	for (unsigned f = HK_STAT_PPID; f <= last; f++) {
		hk_strbuf_putc(&sb, ' ');
		put_field(&sb, &s, (hk_stat_field)f);
	}
	hk_strbuf_putc(&sb, '\n');
	if (hk_strbuf_error(&sb) < 0) {
		hk_strbuf_done(&sb);
		hk_proc_stat_done(&s);
		return 0;
	}
	if (hk_parse_proc_stat(sb.buf, sb.len, "again", NULL, &t) < 0)
		__builtin_trap();
	if (strcmp(hk_proc_stat_comm(&s), hk_proc_stat_comm(&t)) != 0 ||
	    hk_proc_stat_state(&s) != hk_proc_stat_state(&t) || hk_proc_stat_n_fields(&t) != last)
		__builtin_trap();
	for (unsigned f = HK_STAT_PID; f <= last; f++) {
		int64_t a, b;
		uint64_t x, y;
		if (f == HK_STAT_COMM || f == HK_STAT_STATE)
			continue;
		int ra = hk_proc_stat_get_s64(&s, (hk_stat_field)f, &a);
		int rb = hk_proc_stat_get_s64(&t, (hk_stat_field)f, &b);
		int rx = hk_proc_stat_get_u64(&s, (hk_stat_field)f, &x);
		int ry = hk_proc_stat_get_u64(&t, (hk_stat_field)f, &y);
		if (ra != rb || rx != ry || (ra == 0 && a != b) || (rx == 0 && x != y))
			__builtin_trap();
	}
	hk_proc_stat_done(&t);
	hk_strbuf_done(&sb);
	hk_proc_stat_done(&s);
	return 0;
}
