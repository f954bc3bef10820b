/* SPDX-License-Identifier: MIT */
/*
 * hk_parse_interrupts() on random bytes, and the naming patterns on the
 * names it finds. Oracles: every numbered row has one count per CPU column,
 * a named row as many or one (single); names and labels hold no newline;
 * written back as a plain table ("CPUn" header, "LABEL: counts NAME") and
 * parsed again, the rows, labels and counts are the same; the device
 * mapping only returns IRQs of the table and in increasing order.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "host/irq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_row(hk_strbuf *sb, const hk_irq *irq)
{
	hk_strbuf_printf(sb, "%s:", hk_irq_label(irq));
	for (unsigned c = 0; c < hk_irq_n_counts(irq); c++)
		hk_strbuf_printf(sb, " %" PRIu64, hk_irq_count(irq, c));
	hk_strbuf_putc(sb, '\n');
}

static void same(const hk_irq *a, const hk_irq *b)
{
	if (strcmp(hk_irq_label(a), hk_irq_label(b)) != 0 ||
	    hk_irq_n_counts(a) != hk_irq_n_counts(b) || hk_irq_number(a) != hk_irq_number(b) ||
	    hk_irq_is_single(a) != hk_irq_is_single(b))
		__builtin_trap();
	for (unsigned c = 0; c < hk_irq_n_counts(a); c++)
		if (hk_irq_count(a, c) != hk_irq_count(b, c))
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_irq_table *t = NULL, *u = NULL;

	if (hk_parse_interrupts((const char *)data, size, "fuzz", NULL, &t) < 0)
		return 0;
	unsigned cols = hk_irq_table_n_columns(t);
	if (cols == 0)
		__builtin_trap();

	hk_strbuf sb = HK_STRBUF_INIT;
	for (unsigned c = 0; c < cols; c++)
		hk_strbuf_printf(&sb, " CPU%d", hk_irq_table_column_cpu(t, c));
	hk_strbuf_putc(&sb, '\n');
	for (size_t i = 0; i < hk_irq_table_n_irqs(t); i++) {
		const hk_irq *irq = hk_irq_table_irq(t, i);
		if (hk_irq_n_counts(irq) != cols || hk_irq_number(irq) < 0 ||
		    strchr(hk_irq_name(irq), '\n') ||
		    hk_irq_table_find(t, (unsigned)hk_irq_number(irq)) == NULL)
			__builtin_trap();
		for (size_t a = 0; a < hk_irq_n_actions(irq); a++)
			if (!hk_irq_action(irq, a))
				__builtin_trap();
		put_row(&sb, irq);
	}
	for (size_t i = 0; i < hk_irq_table_n_other(t); i++) {
		const hk_irq *o = hk_irq_table_other(t, i);
		if (hk_irq_number(o) != -1 || strchr(hk_irq_label(o), '\n') ||
		    (hk_irq_is_single(o) ? hk_irq_n_counts(o) != 1 : hk_irq_n_counts(o) != cols))
			__builtin_trap();
		put_row(&sb, o);
	}
	if (hk_strbuf_error(&sb) == 0) {
		if (hk_parse_interrupts(sb.buf, sb.len, "again", NULL, &u) < 0)
			__builtin_trap();
		if (hk_irq_table_n_irqs(u) != hk_irq_table_n_irqs(t) ||
		    hk_irq_table_n_other(u) != hk_irq_table_n_other(t))
			__builtin_trap();
		for (size_t i = 0; i < hk_irq_table_n_irqs(t); i++)
			same(hk_irq_table_irq(t, i), hk_irq_table_irq(u, i));
		for (size_t i = 0; i < hk_irq_table_n_other(t); i++)
			same(hk_irq_table_other(t, i), hk_irq_table_other(u, i));
		hk_irq_table_free(u);
	}
	hk_strbuf_done(&sb);

	/* The patterns on whatever names the input holds, by name and by msi_irqs. */
	hk_irq_map *m = NULL;
	unsigned msi[4] = {0, 1, 38, 4294967295u};
	if (hk_irq_map_device(t, "eth0", NULL, NULL, NULL, NULL, 0, &m) == 0) {
		for (size_t i = 0; i < hk_irq_map_count(m); i++) {
			if (!hk_irq_map_irq(m, i) ||
			    (i > 0 && hk_irq_map_number(m, i) <= hk_irq_map_number(m, i - 1)))
				__builtin_trap();
			if (!hk_irq_kind_name(hk_irq_map_kind(m, i)))
				__builtin_trap();
		}
		hk_irq_map_free(m);
	}
	if (hk_irq_map_device(t, "eth0", "virtio_net", NULL, NULL, msi, 4, &m) == 0) {
		if (hk_irq_map_count(m) != 4)
			__builtin_trap();
		hk_irq_map_free(m);
	}
	hk_irq_table_free(t);
	return 0;
}
