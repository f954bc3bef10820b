/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_HUGEPAGES_H
#define HK_HOST_HUGEPAGES_H

/*
 * The huge page part of the memory model (hugepages.c), as hk_memory_load()
 * and hk_memory_free() in memory.c call it. The parsers of its texts are
 * declared with the memory model's other parsers in host/memory.h, where
 * unit tests and fuzz targets find them.
 *
 * Each loader fills its part of @m; a file that is absent is no data, one
 * that is malformed is -EINVAL with @diag naming it. hk_memory_load() calls
 * them in the order they are declared here, hk_memory_load_node_hugepages()
 * once per node between the first two and the third.
 */
#include <hostkit/memory.h>

/*
 * The default huge page size from m's meminfo (Hugepagesize, so after
 * meminfo is loaded), and the global pools of sys/kernel/mm/hugepages.
 */
int hk_memory_load_hugepages(hk_memory *m, hk_root *root, hk_diag *diag);

/* Node @node's pools, from @dir (sys/devices/system/node/nodeN/hugepages). */
int hk_memory_load_node_hugepages(hk_memory *m, hk_root *root, const char *dir, unsigned node,
				  hk_diag *diag);

/*
 * meminfo's HugePages_* as the default size's global pool when the root has
 * no sys/kernel/mm/hugepages; after the nodes, whose sizes it keeps.
 */
int hk_memory_load_meminfo_hugepages(hk_memory *m, hk_root *root, hk_diag *diag);

/* The hugetlbfs mounts of proc/self/mounts (or proc/mounts). */
int hk_memory_load_hugetlbfs(hk_memory *m, hk_root *root, hk_diag *diag);

/* Transparent huge pages and khugepaged, when the kernel has them. */
int hk_memory_load_thp(hk_memory *m, hk_root *root, hk_diag *diag);

/* Frees m's huge pages, mounts and THP settings (not @m itself). */
void hk_memory_free_hugepages(hk_memory *m);

#endif
