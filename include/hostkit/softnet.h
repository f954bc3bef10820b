/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_SOFTNET_H
#define HOSTKIT_SOFTNET_H

#include <stdbool.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_softnet - /proc/net/softnet_stat: the receive path's counters, one row
 * per online CPU.
 *
 * The file has grown columns over the years (docs/softnet.md): 9 up to
 * 2.6.34 (processed, dropped, time_squeeze, five zeros, cpu_collision), 10
 * from 2.6.35 (received_rps), 11 from 3.11 (flow_limit_count), 13 from
 * 5.10 (backlog_len and the CPU's number) and 15 from 6.4 (input_qlen and
 * process_qlen). No kernel wrote 12 or 14; such rows are read as far as
 * they go. Columns beyond the known ones are counted, not kept. A counter
 * a row does not have is -ENODATA, never 0. The values are the kernel's unsigned ints, printed
 * in hex; they wrap at 2^32.
 *
 * Loaded once; immutable afterwards.
 */
typedef struct hk_softnet hk_softnet;

/*
 * Reads proc/net/softnet_stat under @root, and sys/devices/system/cpu/online
 * to number the rows of kernels that do not print the CPU (see
 * hk_softnet_cpu()). Errors: -ENOENT when the file is absent (no
 * CONFIG_PROC_FS, a tree without it), -EINVAL when it is malformed (@diag
 * names the line and the text), -ENOMEM, or the error of the read. Free
 * with hk_softnet_free().
 */
HK_API int hk_softnet_load(hk_root *root, hk_diag *diag, hk_softnet **ret);
HK_API void hk_softnet_free(hk_softnet *s);

/* The counters of a row. */
typedef enum hk_softnet_field {
	HK_SOFTNET_PROCESSED,	     /* packets taken off the backlog or by NAPI */
	HK_SOFTNET_DROPPED,	     /* dropped: backlog full (netdev_max_backlog) */
	HK_SOFTNET_TIME_SQUEEZE,     /* net_rx_action ran out of budget or time */
	HK_SOFTNET_CPU_COLLISION,    /* 9th column: written as 0 by recent kernels */
	HK_SOFTNET_RECEIVED_RPS,     /* RPS IPIs this CPU received (10th column) */
	HK_SOFTNET_FLOW_LIMIT_COUNT, /* flow limit drops (11th column) */
	HK_SOFTNET_BACKLOG_LEN,	     /* input and process queue length now (12th column) */
	HK_SOFTNET_CPU,		     /* the CPU's number, as printed (13th column) */
	HK_SOFTNET_INPUT_QLEN,	     /* input_pkt_queue length now (14th column) */
	HK_SOFTNET_PROCESS_QLEN,     /* process_queue length now (15th column) */
	_HK_SOFTNET_FIELD_MAX,
} hk_softnet_field;

/* The row count (one per online CPU when read). */
HK_API unsigned hk_softnet_n_rows(const hk_softnet *s);

/* The column count of @row (9 to 15; more on kernels newer than hostkit). */
HK_API unsigned hk_softnet_n_columns(const hk_softnet *s, unsigned row);

/*
 * The @field of @row: >= 0, -ENODATA when the row has no such column,
 * -ERANGE when @row is out of range.
 */
HK_API int64_t hk_softnet_get(const hk_softnet *s, unsigned row, hk_softnet_field field);

/*
 * The CPU that @row belongs to. The kernel prints one row per online CPU, in
 * increasing order, skipping offline ones. From 5.10 the row says its CPU.
 * On older kernels the row's CPU is the @row-th online CPU when the online
 * CPUs read with the file number as many as the rows; the row index is the
 * CPU only when no CPU below it is offline. Returns the CPU, or -ENODATA
 * when it cannot be known (the online set is unknown or has changed).
 */
HK_API int hk_softnet_cpu(const hk_softnet *s, unsigned row);

/* True when hk_softnet_cpu() came from the file itself rather than the online set. */
HK_API bool hk_softnet_cpu_printed(const hk_softnet *s, unsigned row);

/*
 * The sum of @field over the rows that have it, or -ENODATA when none has
 * it. Counters are summed as 64-bit values (no wrap at 2^32).
 */
HK_API int64_t hk_softnet_total(const hk_softnet *s, hk_softnet_field field);

/* The field's JSON and column name: "processed", "dropped", "time_squeeze", ... */
HK_API const char *hk_softnet_field_name(hk_softnet_field field);

#ifdef __cplusplus
}
#endif

#endif
