/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_IRQ_H
#define HOSTKIT_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_irq_table - the interrupts of a host: /proc/interrupts, /proc/irq/N/,
 * /proc/irq/default_smp_affinity and whether irqbalance runs.
 *
 * /proc/interrupts has two kinds of rows, both kept as hk_irq:
 *  - numbered rows ("38:"): one count per CPU column, then the chip
 *    ("IO-APIC", "PCI-MSIX-0000:00:03.0", "GICv3", "ITS-MSI"), the hardware
 *    IRQ number where the chip has a domain, the trigger ("edge", "fasteoi"
 *    on x86; "Level"/"Edge" on arm64) and the action names ("virtio2-input.0",
 *    "ehci_hcd:usb1, mmc0"). Kernels before 3.x wrote chip and flow joined
 *    ("IR-PCI-MSI-edge"): they are split when the tail is a known flow name;
 *  - named rows ("LOC:", "NMI:", "IPI0:", "ERR:"): per-CPU counts and a
 *    description, or a single value ("ERR:", "MIS:", arm64 "Err:").
 * The CPU columns are the CPUs the header names ("CPU0 CPU2 CPU3" when CPU1
 * is offline), not 0..n-1.
 *
 * The table is immutable once loaded, except for hk_irq_table_load_irq()
 * filling a lazily loaded IRQ. Every pointer an accessor returns lives as
 * long as the table.
 */
typedef struct hk_irq_table hk_irq_table;
typedef struct hk_irq hk_irq;
typedef struct hk_irq_map hk_irq_map;

enum {
	/*
	 * Do not read /proc/irq/N/ for every IRQ: hk_irq_table_load_irq()
	 * reads one when it is wanted (`inspect net` needs a device's few).
	 */
	HK_IRQ_LOAD_LAZY = 1u << 0,
	/* Do not look for irqbalance among the root's processes. */
	HK_IRQ_LOAD_NO_IRQBALANCE = 1u << 1,
};

/*
 * Reads proc/interrupts, proc/irq/ and the root's processes (for
 * irqbalance). A root without proc/irq (a capture that lacks it) loads with
 * every /proc/irq item absent. A /proc/irq file that reads but does not
 * parse (proc/irq/N/smp_affinity, node, default_smp_affinity) is no error:
 * that item's status is -EBADMSG and the table keeps a message naming the
 * file and its text (hk_irq_table_problem()). Errors: -ENOENT when
 * proc/interrupts is absent, -EINVAL when it is malformed (@diag names the
 * line and text), -EINVAL for unknown @flags, -ENOMEM, or the error of a
 * failed read other than an item's own (@diag names the file). Free with
 * hk_irq_table_free().
 */
HK_API int hk_irq_table_load(hk_root *root, unsigned flags, hk_diag *diag, hk_irq_table **ret);
/* Frees the table and everything it handed out; NULL allowed. */
HK_API void hk_irq_table_free(hk_irq_table *t);

/*
 * Reads proc/irq/@number/ into the table's IRQ @number, if not read yet
 * (after HK_IRQ_LOAD_LAZY). @root must be the one the table was loaded
 * from. Files that are absent or unreadable are recorded as such, not
 * returned; a malformed file is recorded as -EBADMSG and adds a message to
 * the table's problems. Errors: -ENOENT when the table has no IRQ @number,
 * -ENOMEM, or the error of a failed read other than an item's own (@diag
 * names the file). Not thread safe.
 */
HK_API int hk_irq_table_load_irq(hk_irq_table *t, hk_root *root, unsigned number, hk_diag *diag);

/* The number of CPU columns of /proc/interrupts. */
HK_API unsigned hk_irq_table_n_columns(const hk_irq_table *t);
/* The CPU that column @col counts for (the header's "CPUn"); -ERANGE past the end. */
HK_API int hk_irq_table_column_cpu(const hk_irq_table *t, unsigned col);

/* The numbered rows, in file order (increasing numbers on every kernel). */
HK_API size_t hk_irq_table_n_irqs(const hk_irq_table *t);
HK_API const hk_irq *hk_irq_table_irq(const hk_irq_table *t, size_t i);
/* The numbered row of IRQ @number, or NULL. */
HK_API const hk_irq *hk_irq_table_find(const hk_irq_table *t, unsigned number);

/* The named rows ("NMI", "LOC", "IPI0", "ERR", "MIS"...), in file order. */
HK_API size_t hk_irq_table_n_other(const hk_irq_table *t);
HK_API const hk_irq *hk_irq_table_other(const hk_irq_table *t, size_t i);

/*
 * proc/irq/default_smp_affinity as a set, or NULL when absent or
 * unreadable (hk_irq_table_default_affinity_status() says which).
 */
HK_API const hk_cpuset *hk_irq_table_default_affinity(const hk_irq_table *t);
/*
 * 0 when read, else the negative errno of reading it (-ENOENT absent,
 * -EBADMSG malformed).
 */
HK_API int hk_irq_table_default_affinity_status(const hk_irq_table *t);

/*
 * The /proc/irq files that were present but did not parse, whose items
 * read -EBADMSG: their number, and the message of the @i-th ("cannot parse
 * CPU mask 'zz' in proc/irq/38/smp_affinity"), in the order they were read;
 * NULL when @i is out of range. hk_irq_table_load_irq() may add to them.
 * @t owns the messages; each lives as long as the table.
 */
HK_API size_t hk_irq_table_n_problems(const hk_irq_table *t);
HK_API const char *hk_irq_table_problem(const hk_irq_table *t, size_t i);

/*
 * Whether irqbalance runs: 1 yes, 0 no, or a negative errno when the root's
 * /proc could not be scanned (-ENODATA after HK_IRQ_LOAD_NO_IRQBALANCE).
 */
HK_API int hk_irq_table_irqbalance(const hk_irq_table *t);
/* The pid of the irqbalance found, or -ENOENT. */
HK_API int hk_irq_table_irqbalance_pid(const hk_irq_table *t);
/*
 * The CPUs irqbalance was told to leave alone (IRQBALANCE_BANNED_CPUS mask
 * or IRQBALANCE_BANNED_CPULIST list in its environment). Returns 0 and sets
 * *ret_set when known, -ENODATA when it was not told (or does not run),
 * -EACCES/-EPERM when its environment is unreadable (root only), -EINVAL
 * when the variable does not parse.
 */
HK_API int hk_irq_table_irqbalance_banned(const hk_irq_table *t, const hk_cpuset **ret_set);

/* ---- one row ---- */

/* The IRQ number of a numbered row, or -1 for a named row. */
HK_API int hk_irq_number(const hk_irq *irq);
/* The row's label as written before the colon: "38", "LOC", "IPI0". */
HK_API const char *hk_irq_label(const hk_irq *irq);
/* True for a named row with one value instead of per-CPU counts ("ERR:", "MIS:"). */
HK_API bool hk_irq_is_single(const hk_irq *irq);
/*
 * The count of column @col (hk_irq_table_column_cpu() gives its CPU); a
 * single-value row has one column, its value. 0 past the end.
 */
HK_API uint64_t hk_irq_count(const hk_irq *irq, unsigned col);
/* The number of counts of the row: the table's columns, or 1 when single. */
HK_API unsigned hk_irq_n_counts(const hk_irq *irq);
/* The sum of the row's counts. */
HK_API uint64_t hk_irq_total(const hk_irq *irq);

/* The chip ("IR-PCI-MSI", "GICv3"), or NULL (named rows, or none written). */
HK_API const char *hk_irq_chip(const hk_irq *irq);
/* The hardware IRQ number within the chip's domain, or -ENODATA when not written. */
HK_API int64_t hk_irq_hwirq(const hk_irq *irq);
/*
 * The trigger as written: arm64's "Level"/"Edge" where the kernel shows it,
 * else the flow handler's name ("edge", "fasteoi", "level"); NULL when
 * neither is written.
 */
HK_API const char *hk_irq_trigger(const hk_irq *irq);
/* The flow handler's name ("edge", "fasteoi") when written, else NULL. */
HK_API const char *hk_irq_flow(const hk_irq *irq);
/*
 * The text after the chip columns: the actions, comma-separated, of a
 * numbered row ("ehci_hcd:usb1, mmc0"); the description of a named row
 * ("Local timer interrupts"). "" when none.
 */
HK_API const char *hk_irq_name(const hk_irq *irq);
/* The actions of a numbered row, split at ", " (0 for named rows). */
HK_API size_t hk_irq_n_actions(const hk_irq *irq);
HK_API const char *hk_irq_action(const hk_irq *irq, size_t i);

/* The CPU sets of proc/irq/N/. */
typedef enum hk_irq_set {
	HK_IRQ_SMP_AFFINITY,		/* smp_affinity (mask) */
	HK_IRQ_SMP_AFFINITY_LIST,	/* smp_affinity_list */
	HK_IRQ_EFFECTIVE_AFFINITY,	/* effective_affinity (mask; 4.15+, x86 and some GICs) */
	HK_IRQ_EFFECTIVE_AFFINITY_LIST, /* effective_affinity_list */
	HK_IRQ_AFFINITY_HINT,		/* affinity_hint (mask; set by drivers) */
	_HK_IRQ_SET_MAX,
} hk_irq_set;

/* The file name of @s ("smp_affinity_list"), or NULL. */
HK_API const char *hk_irq_set_name(hk_irq_set s);

/*
 * Sets *ret to proc/irq/N/<@s> of a numbered row and returns 0, or returns
 * the negative errno of reading it: -ENOENT absent (old kernel, or no
 * proc/irq in a capture), -EIO/-EINVAL/-EACCES as the kernel answered,
 * -EBADMSG present but malformed (hk_irq_table_problem() says what it
 * held), -ENODATA not loaded (HK_IRQ_LOAD_LAZY, or a named row).
 */
HK_API int hk_irq_get_set(const hk_irq *irq, hk_irq_set s, const hk_cpuset **ret);
/*
 * The requested affinity (smp_affinity_list, else smp_affinity) and the
 * effective one (effective_affinity_list, else effective_affinity), or NULL
 * when neither file could be read.
 */
HK_API const hk_cpuset *hk_irq_affinity(const hk_irq *irq);
HK_API const hk_cpuset *hk_irq_effective_affinity(const hk_irq *irq);
/*
 * proc/irq/N/node: sets *ret (-1 when the IRQ has no node) and returns 0,
 * or returns the negative errno as hk_irq_get_set().
 */
HK_API int hk_irq_get_node(const hk_irq *irq, int *ret);
/*
 * The action directories of proc/irq/N/ (one per named handler). Returns
 * the count and sets *ret_names (NULL when 0), or the negative errno as
 * hk_irq_get_set().
 */
HK_API int hk_irq_get_dir_actions(const hk_irq *irq, const char *const **ret_names);

/* ---- which IRQs serve a network device's queues ---- */

/* What an IRQ of a network device serves. */
typedef enum hk_irq_kind {
	HK_IRQ_KIND_UNKNOWN, /* in msi_irqs but its name matches no pattern (or no row) */
	HK_IRQ_KIND_RX,	     /* one receive queue */
	HK_IRQ_KIND_TX,	     /* one transmit queue */
	HK_IRQ_KIND_TXRX,    /* a combined channel: rx and tx queue N */
	HK_IRQ_KIND_BLOCK,   /* a notification block the driver maps to queues (gve) */
	HK_IRQ_KIND_OTHER,   /* configuration, management, async events, link */
	_HK_IRQ_KIND_MAX,
} hk_irq_kind;

/* "unknown", "rx", "tx", "txrx", "block", "other"; NULL when out of range. */
HK_API const char *hk_irq_kind_name(hk_irq_kind k);

/*
 * Finds the IRQs of one network device and what each serves.
 *
 * @ifname is the interface ("eth0"), @driver its driver ("virtio_net",
 * "ixgbe"; NULL when unknown), @pci_address the PCI function behind it
 * ("0000:00:03.0", or NULL), @virtio_name the virtio device between the two
 * ("virtio2", or NULL), and @msi_irqs the PCI function's msi_irqs (@n_msi
 * may be 0). With msi_irqs, those are the device's IRQs. Without, the
 * IRQs whose names match the driver family's patterns for this device (its
 * interface name, PCI address or virtio name), and on x86 those whose chip
 * names the PCI function ("PCI-MSIX-0000:00:03.0"). Each IRQ's name is then
 * matched against the naming patterns of the driver family (a data table
 * of virtio, igb/igc/ixgbe/i40e/ice/e1000e, mlx4/mlx5, ena, bnxt, gve,
 * vmxnet3, hv_netvsc/mana) for its queue and kind; an unknown driver is
 * tried with every family.
 *
 * Free the result with hk_irq_map_free(); it refers into @t and must not
 * outlive it. Errors: -EINVAL (@ifname NULL or empty), -ENOMEM.
 */
HK_API int hk_irq_map_device(const hk_irq_table *t, const char *ifname, const char *driver,
			     const char *pci_address, const char *virtio_name,
			     const unsigned *msi_irqs, size_t n_msi, hk_irq_map **ret);
HK_API void hk_irq_map_free(hk_irq_map *m);

/* The device's IRQs, in increasing IRQ numbers. */
HK_API size_t hk_irq_map_count(const hk_irq_map *m);
/* Entry @i's IRQ number. */
HK_API unsigned hk_irq_map_number(const hk_irq_map *m, size_t i);
/* Entry @i's queue (channel, block) number, or -1 when it serves none. */
HK_API int hk_irq_map_queue(const hk_irq_map *m, size_t i);
HK_API hk_irq_kind hk_irq_map_kind(const hk_irq_map *m, size_t i);
/* The action name that decided the kind ("" when none). */
HK_API const char *hk_irq_map_name(const hk_irq_map *m, size_t i);
/* The table's row of entry @i, or NULL when /proc/interrupts has none (msi_irqs only). */
HK_API const hk_irq *hk_irq_map_irq(const hk_irq_map *m, size_t i);
/* The driver family whose pattern matched entry @i ("virtio", "intel"...), or NULL. */
HK_API const char *hk_irq_map_family(const hk_irq_map *m, size_t i);

#ifdef __cplusplus
}
#endif

#endif
