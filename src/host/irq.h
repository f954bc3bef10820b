/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_IRQ_H
#define HK_HOST_IRQ_H

/*
 * The IRQ parsers and the driver naming-pattern table, exposed to unit
 * tests and fuzz targets. Parsers take (buf, len) with no NUL needed; @path
 * only names the file in @diag's message.
 */
#include <stdbool.h>
#include <stddef.h>

#include <hostkit/irq.h>

/*
 * Parses a /proc/interrupts text into a new table holding its rows only
 * (every /proc/irq item reads as not loaded, irqbalance as -ENODATA).
 * Errors: -EINVAL (no CPU header, a line without a label, a numbered row
 * with fewer counts than CPU columns, a count that does not parse; @diag
 * names the line and the text), -ENOMEM.
 */
int hk_parse_interrupts(const char *buf, size_t len, const char *path, hk_diag *diag,
			hk_irq_table **ret);

/* What identifies one network device in its IRQ names. */
typedef struct hk_irq_ident {
	const char *ifname; /* "eth0" */
	const char *driver; /* "ixgbe", or NULL: try every family */
	const char *pci;    /* "0000:3b:00.0", or NULL */
	const char *virtio; /* "virtio2", or NULL */
	/*
	 * The name is known to belong to the device (it came from msi_irqs):
	 * a {pci} or {virtio} the caller does not know matches any address or
	 * virtio device.
	 */
	bool loose;
} hk_irq_ident;

/*
 * Matches action name @name against the patterns of @id's driver family
 * (every family when the driver is unknown or has none). Returns true and
 * sets the queue (-1 when none), the kind and the family's name when a
 * pattern matched; false otherwise, leaving the outputs alone.
 */
bool hk_irq_name_classify(const hk_irq_ident *id, const char *name, int *ret_queue,
			  hk_irq_kind *ret_kind, const char **ret_family);

/*
 * Matches one pattern ("{if}-TxRx-{q}") against @name: placeholders are
 * {if}, {pci}, {virtio} (the identifiers of @id), {q} (a decimal queue
 * number, captured), {n} (a decimal number, ignored) and {w} (any text,
 * ignored). Returns true and sets *ret_queue (-1 without {q}) on a match.
 */
bool hk_irq_pattern_match(const char *pattern, const hk_irq_ident *id, const char *name,
			  int *ret_queue);

/* The naming-pattern table (src/host/irq-names.c). */
typedef struct hk_irq_pattern {
	const char *pattern;
	hk_irq_kind kind;
} hk_irq_pattern;

typedef struct hk_irq_family {
	const char *name;    /* "virtio", "intel-igb" */
	const char *drivers; /* driver names, blank-separated */
	const hk_irq_pattern *patterns;
	size_t n_patterns;
} hk_irq_family;

extern const hk_irq_family hk_irq_families[];
extern const size_t hk_irq_n_families;

/* The family whose driver list holds @driver, or NULL. */
const hk_irq_family *hk_irq_family_of(const char *driver);

/* True when @pattern names the device ({if}, {pci} or {virtio}), so it may pick IRQs by name. */
bool hk_irq_pattern_identifies(const char *pattern);

#endif
