/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_MEMORY_H
#define HOSTKIT_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_memory - the memory of a host, read once: /proc/meminfo, huge pages of
 * every size (globally and per NUMA node), hugetlbfs mounts, transparent huge
 * pages, /proc/buddyinfo, /proc/zoneinfo, per-node meminfo and numastat, and
 * the overcommit policy.
 *
 * Loaded from an hk_root (live or captured); immutable afterwards, so it may
 * be shared between threads. Every pointer an accessor returns lives as long
 * as the hk_memory. A number the kernel does not give (a file absent on an
 * old kernel or another architecture, or empty in a capture) reads as
 * -ENODATA where the accessor returns int64_t.
 */
typedef struct hk_memory hk_memory;
typedef struct hk_memfields hk_memfields;
typedef struct hk_hugepages hk_hugepages;
typedef struct hk_hugetlbfs hk_hugetlbfs;
typedef struct hk_thp hk_thp;
typedef struct hk_thp_choice hk_thp_choice;
typedef struct hk_buddy hk_buddy;
typedef struct hk_zone hk_zone;
typedef struct hk_memnode hk_memnode;

/*
 * Reads the memory model under @root. Files that old kernels, other
 * architectures or kernels without NUMA, hugetlb or THP lack are absent, not
 * errors; a file that is present but malformed fails the load with -EINVAL
 * and @diag naming the file, the line and the text. Errors: -EINVAL, -ENOMEM,
 * or the error of a read that failed (other than -ENOENT and -ENOTDIR, which
 * mean absent). Free with hk_memory_free().
 */
HK_API int hk_memory_load(hk_root *root, hk_diag *diag, hk_memory **ret);
HK_API void hk_memory_free(hk_memory *m);

/* ---- Lists of named values (meminfo, numastat, zone counters) ---- */

/* The unit of a value: kB (KiB) where the kernel writes "kB", else a count. */
typedef enum hk_memunit {
	HK_MEMUNIT_COUNT,
	HK_MEMUNIT_KIB,
} hk_memunit;

/* The number of fields, in the kernel's order. */
HK_API unsigned hk_memfields_count(const hk_memfields *f);
/* The kernel's name of field @i ("MemTotal", "Active(anon)"), or NULL when out of range. */
HK_API const char *hk_memfields_name(const hk_memfields *f, unsigned i);
/* The value of field @i (0 when out of range). */
HK_API uint64_t hk_memfields_value(const hk_memfields *f, unsigned i);
/* The unit of field @i. */
HK_API hk_memunit hk_memfields_unit(const hk_memfields *f, unsigned i);
/* The value of the field named @name into *ret: -ENOENT when there is none. */
HK_API int hk_memfields_get(const hk_memfields *f, const char *name, uint64_t *ret);

/* ---- /proc/meminfo ---- */

/* Every field of proc/meminfo, or NULL when the root has no proc/meminfo. */
HK_API const hk_memfields *hk_memory_meminfo(const hk_memory *m);

/* ---- Huge pages (hugetlb) ---- */

/* The default huge page size in KiB (meminfo's Hugepagesize), or -ENODATA. */
HK_API int64_t hk_memory_default_hugepage_kib(const hk_memory *m);

/* The huge page sizes the kernel offers, smallest first. */
HK_API unsigned hk_memory_n_hugepages(const hk_memory *m);
HK_API const hk_hugepages *hk_memory_hugepages(const hk_memory *m, unsigned i);
/* The entry of size @size_kib, or NULL. */
HK_API const hk_hugepages *hk_memory_hugepages_by_size(const hk_memory *m, uint64_t size_kib);

typedef enum hk_hugepages_counter {
	HK_HUGEPAGES_TOTAL,	 /* nr_hugepages (the pool) */
	HK_HUGEPAGES_FREE,	 /* free_hugepages */
	HK_HUGEPAGES_RESERVED,	 /* resv_hugepages (global only) */
	HK_HUGEPAGES_SURPLUS,	 /* surplus_hugepages */
	HK_HUGEPAGES_OVERCOMMIT, /* nr_overcommit_hugepages (global only) */
	_HK_HUGEPAGES_COUNTER_MAX,
} hk_hugepages_counter;

/* The page size in KiB. */
HK_API uint64_t hk_hugepages_size_kib(const hk_hugepages *h);
/*
 * True when the global counters come from meminfo's HugePages_* (the default
 * size's pool), because the root has no sys/kernel/mm/hugepages (kernels
 * before 2.6.27, or a capture without it). A size only the nodes list has
 * unknown global counters otherwise.
 */
HK_API bool hk_hugepages_from_meminfo(const hk_hugepages *h);
/* A global counter, in pages, or -ENODATA when the kernel does not give it. */
HK_API int64_t hk_hugepages_get(const hk_hugepages *h, hk_hugepages_counter c);
/* The nodes that list this size (sys/devices/system/node/nodeN/hugepages), by node number. */
HK_API unsigned hk_hugepages_n_nodes(const hk_hugepages *h);
/* The node number of per-node entry @i. */
HK_API unsigned hk_hugepages_node_id(const hk_hugepages *h, unsigned i);
/* A counter of per-node entry @i in pages; -ENODATA for RESERVED and OVERCOMMIT, or when absent. */
HK_API int64_t hk_hugepages_node_get(const hk_hugepages *h, unsigned i, hk_hugepages_counter c);

/* ---- hugetlbfs mounts (proc/self/mounts) ---- */

HK_API unsigned hk_memory_n_hugetlbfs(const hk_memory *m);
HK_API const hk_hugetlbfs *hk_memory_hugetlbfs(const hk_memory *m, unsigned i);
/* The mount point, with the kernel's octal escapes decoded. */
HK_API const char *hk_hugetlbfs_path(const hk_hugetlbfs *h);
/* The mount options as the kernel lists them. */
HK_API const char *hk_hugetlbfs_options(const hk_hugetlbfs *h);
/*
 * The mount's page size in KiB: its pagesize= option, else the default huge
 * page size; -ENODATA when neither is known.
 */
HK_API int64_t hk_hugetlbfs_pagesize_kib(const hk_hugetlbfs *h);
/* True when the size came from a pagesize= option. */
HK_API bool hk_hugetlbfs_pagesize_given(const hk_hugetlbfs *h);

/* ---- Transparent huge pages ---- */

/*
 * The THP settings (sys/kernel/mm/transparent_hugepage, or RHEL 6's
 * redhat_transparent_hugepage), or NULL when the kernel has no THP.
 */
HK_API const hk_thp *hk_memory_thp(const hk_memory *m);

/* The settings written "always [madvise] never": one selected of several offered. */
typedef enum hk_thp_knob {
	HK_THP_ENABLED,
	HK_THP_DEFRAG,
	HK_THP_SHMEM_ENABLED,
	_HK_THP_KNOB_MAX,
} hk_thp_knob;

/* The file name of @knob ("enabled", "defrag", "shmem_enabled"). */
HK_API const char *hk_thp_knob_name(hk_thp_knob knob);
/* The setting @knob, or NULL when the file is absent. */
HK_API const hk_thp_choice *hk_thp_get_knob(const hk_thp *t, hk_thp_knob knob);
/* The selected value ("madvise"). */
HK_API const char *hk_thp_choice_selected(const hk_thp_choice *c);
/* The values offered, in the kernel's order, the selected one included. */
HK_API unsigned hk_thp_choice_n_offered(const hk_thp_choice *c);
HK_API const char *hk_thp_choice_offered(const hk_thp_choice *c, unsigned i);

/* The numeric THP settings. */
typedef enum hk_thp_value {
	HK_THP_USE_ZERO_PAGE,
	HK_THP_HPAGE_PMD_SIZE, /* bytes */
	HK_THP_KHUGEPAGED_DEFRAG,
	HK_THP_KHUGEPAGED_PAGES_TO_SCAN,
	HK_THP_KHUGEPAGED_SCAN_SLEEP_MILLISECS,
	HK_THP_KHUGEPAGED_ALLOC_SLEEP_MILLISECS,
	HK_THP_KHUGEPAGED_MAX_PTES_NONE,
	HK_THP_KHUGEPAGED_MAX_PTES_SWAP,
	HK_THP_KHUGEPAGED_MAX_PTES_SHARED,
	HK_THP_KHUGEPAGED_FULL_SCANS,
	HK_THP_KHUGEPAGED_PAGES_COLLAPSED,
	_HK_THP_VALUE_MAX,
} hk_thp_value;

/* The path of @v below the THP directory ("use_zero_page", "khugepaged/defrag"). */
HK_API const char *hk_thp_value_name(hk_thp_value v);
/*
 * The value of @v, or -ENODATA when absent. khugepaged/defrag, which old
 * kernels write "[yes] no", reads as 1 or 0.
 */
HK_API int64_t hk_thp_get_value(const hk_thp *t, hk_thp_value v);

/*
 * The multi-size THP sizes (transparent_hugepage/hugepages-NkB, since
 * Linux 6.8), smallest first, and their own enabled and shmem_enabled
 * settings (which may select "inherit").
 */
HK_API unsigned hk_thp_n_sizes(const hk_thp *t);
HK_API uint64_t hk_thp_size_kib(const hk_thp *t, unsigned i);
/* HK_THP_ENABLED or HK_THP_SHMEM_ENABLED of size @i, or NULL when absent. */
HK_API const hk_thp_choice *hk_thp_size_knob(const hk_thp *t, unsigned i, hk_thp_knob knob);

/* ---- /proc/buddyinfo ---- */

/* One row per (node, zone), in the kernel's order. */
HK_API unsigned hk_memory_n_buddy(const hk_memory *m);
HK_API const hk_buddy *hk_memory_buddy(const hk_memory *m, unsigned i);
HK_API unsigned hk_buddy_node(const hk_buddy *b);
/* The zone name ("DMA32", "Normal"). */
HK_API const char *hk_buddy_zone(const hk_buddy *b);
/* The number of orders (columns): 11 on most x86_64 kernels, others with other page sizes. */
HK_API unsigned hk_buddy_n_orders(const hk_buddy *b);
/* The count of free blocks of 2^@order pages (0 when out of range). */
HK_API uint64_t hk_buddy_free(const hk_buddy *b, unsigned order);

/* ---- /proc/zoneinfo ---- */

/* One entry per (node, zone), in the kernel's order, empty zones included. */
HK_API unsigned hk_memory_n_zones(const hk_memory *m);
HK_API const hk_zone *hk_memory_zone(const hk_memory *m, unsigned i);
HK_API unsigned hk_zone_node(const hk_zone *z);
HK_API const char *hk_zone_name(const hk_zone *z);

typedef enum hk_zone_counter {
	HK_ZONE_FREE, /* pages free */
	HK_ZONE_MIN,  /* watermarks */
	HK_ZONE_LOW,
	HK_ZONE_HIGH,
	HK_ZONE_SPANNED,
	HK_ZONE_PRESENT,
	HK_ZONE_MANAGED, /* since Linux 3.8 */
	_HK_ZONE_COUNTER_MAX,
} hk_zone_counter;

/* A counter in pages, or -ENODATA when the kernel does not print it. */
HK_API int64_t hk_zone_get(const hk_zone *z, hk_zone_counter c);
/* The lowmem reserve ("protection") array, one entry per zone of the node. */
HK_API unsigned hk_zone_n_protection(const hk_zone *z);
HK_API uint64_t hk_zone_protection(const hk_zone *z, unsigned i);
/*
 * Every other "name value" line of the zone (boost, promo, cma, nr_free_pages,
 * numa_hit, start_pfn, ...), in the kernel's order. Never NULL.
 */
HK_API const hk_memfields *hk_zone_counters(const hk_zone *z);
/*
 * The node's "per-node stats" block, which the kernel prints inside the
 * first zone of each node (since Linux 4.8); NULL for other zones.
 */
HK_API const hk_memfields *hk_zone_node_stats(const hk_zone *z);

/* ---- NUMA nodes (sys/devices/system/node/nodeN) ---- */

/* The nodes, by node number; none on kernels without NUMA. */
HK_API unsigned hk_memory_n_nodes(const hk_memory *m);
HK_API const hk_memnode *hk_memory_node(const hk_memory *m, unsigned i);
HK_API unsigned hk_memnode_id(const hk_memnode *n);
/* Every field of nodeN/meminfo, without the "Node N " prefix; NULL when absent. */
HK_API const hk_memfields *hk_memnode_meminfo(const hk_memnode *n);
/* Every counter of nodeN/numastat (numa_hit, ...); NULL when absent. */
HK_API const hk_memfields *hk_memnode_numastat(const hk_memnode *n);

/* ---- Overcommit (proc/sys/vm) ---- */

typedef enum hk_overcommit {
	HK_OVERCOMMIT_MEMORY, /* vm.overcommit_memory: 0 heuristic, 1 always, 2 never */
	HK_OVERCOMMIT_RATIO,  /* vm.overcommit_ratio, percent */
	HK_OVERCOMMIT_KBYTES, /* vm.overcommit_kbytes */
	_HK_OVERCOMMIT_MAX,
} hk_overcommit;

/* A vm.overcommit_* sysctl, or -ENODATA when absent. */
HK_API int64_t hk_memory_overcommit(const hk_memory *m, hk_overcommit which);
/* "heuristic", "always" or "never" for vm.overcommit_memory @mode 0, 1, 2; else NULL. */
HK_API const char *hk_overcommit_mode_name(int64_t mode);
/*
 * Whether meminfo's Committed_AS exceeds its CommitLimit: 1 or 0, or
 * -ENODATA when either is absent. (Only with vm.overcommit_memory 2 does the
 * kernel enforce the limit.)
 */
HK_API int hk_memory_commit_exceeded(const hk_memory *m);

#ifdef __cplusplus
}
#endif

#endif
