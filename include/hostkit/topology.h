/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_TOPOLOGY_H
#define HOSTKIT_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_topology - the CPUs, caches and NUMA nodes of a host, read once.
 *
 * Loaded from an hk_root (live or captured); immutable afterwards, so it
 * may be shared between threads. Every pointer an accessor returns lives as
 * long as the topology.
 */
typedef struct hk_topology hk_topology;
typedef struct hk_cache hk_cache;
typedef struct hk_node hk_node;

/*
 * Reads the topology under @root. Files that old kernels or other
 * architectures lack are treated as unknown, not as errors; a file that is
 * present but malformed fails the load with -EINVAL and @diag naming it.
 * Errors: -ENOENT when the root has no sys/devices/system/cpu, -EINVAL,
 * -ENOMEM, or the error of a read that failed.
 */
HK_API int hk_topology_load(hk_root *root, hk_diag *diag, hk_topology **ret);
HK_API void hk_topology_free(hk_topology *t);

/* The CPU sets of the whole host. */
typedef enum hk_cpus {
	HK_CPUS_POSSIBLE,   /* every CPU the kernel can ever bring up */
	HK_CPUS_PRESENT,    /* physically present */
	HK_CPUS_ONLINE,	    /* online now */
	HK_CPUS_OFFLINE,    /* possible but not online */
	HK_CPUS_ISOLATED,   /* isolated from scheduling domains (isolcpus=, cpuset partitions) */
	HK_CPUS_NOHZ_FULL,  /* adaptive-tick CPUs the kernel accepted */
	HK_CPUS_ALLOWED,    /* online CPUs this process may use: affinity and cgroup cpuset */
	HK_CPUS_NO_NODE,    /* online CPUs that no NUMA node lists (a bad topology) */
	HK_CPUS_MULTI_NODE, /* online CPUs that more than one node lists (a bad topology) */
	_HK_CPUS_MAX,
} hk_cpus;

/* One of the host's CPU sets; never NULL for a valid @which. */
HK_API const hk_cpuset *hk_topology_cpus(const hk_topology *t, hk_cpus which);

/* One past the highest possible CPU number. */
HK_API unsigned hk_topology_cpu_limit(const hk_topology *t);

/* Per-CPU identifiers, as the kernel numbers them. */
typedef enum hk_cpu_attr {
	HK_CPU_PACKAGE, /* physical_package_id */
	HK_CPU_DIE,	/* die_id */
	HK_CPU_CLUSTER, /* cluster_id */
	HK_CPU_CORE,	/* core_id (unique within its package and die only) */
	HK_CPU_BOOK,	/* book_id (s390) */
	HK_CPU_DRAWER,	/* drawer_id (s390) */
	HK_CPU_NODE,	/* the NUMA node that lists it */
	_HK_CPU_ATTR_MAX,
} hk_cpu_attr;

/*
 * The @attr of @cpu: >= 0, -ENODATA when the kernel does not say (offline
 * CPU, old kernel, no such level, -1 in the file), -ERANGE when @cpu is not
 * a possible CPU.
 */
HK_API int hk_topology_cpu_get(const hk_topology *t, unsigned cpu, hk_cpu_attr attr);

/*
 * The hyper threads that share @cpu's core (thread_siblings, including @cpu
 * itself), or NULL when unknown or @cpu is not possible.
 */
HK_API const hk_cpuset *hk_topology_cpu_siblings(const hk_topology *t, unsigned cpu);
/* The CPUs that share @cpu's package (core_siblings / package_cpus), or NULL. */
HK_API const hk_cpuset *hk_topology_cpu_package_cpus(const hk_topology *t, unsigned cpu);

/*
 * Counts of distinct objects among the online CPUs: packages (distinct
 * package_cpus masks; without one, distinct package ids; without either,
 * the threads of a core count as one package), cores (distinct sibling
 * sets), threads (online CPUs).
 */
HK_API unsigned hk_topology_n_packages(const hk_topology *t);
HK_API unsigned hk_topology_n_cores(const hk_topology *t);
/* The highest thread count of any core. */
HK_API unsigned hk_topology_threads_per_core(const hk_topology *t);

/* Caches: one entry per distinct cache instance, by level then first CPU. */
typedef enum hk_cache_type {
	HK_CACHE_UNIFIED,
	HK_CACHE_DATA,
	HK_CACHE_INSTRUCTION,
} hk_cache_type;

HK_API unsigned hk_topology_n_caches(const hk_topology *t);
HK_API const hk_cache *hk_topology_cache(const hk_topology *t, unsigned i);
HK_API unsigned hk_cache_level(const hk_cache *c);
HK_API hk_cache_type hk_cache_get_type(const hk_cache *c);
/* "Data", "Instruction" or "Unified". */
HK_API const char *hk_cache_type_name(hk_cache_type type);
/* Size in bytes, 0 when unknown. */
HK_API uint64_t hk_cache_size(const hk_cache *c);
/* Coherency line size and ways of associativity, 0 when unknown. */
HK_API unsigned hk_cache_line_size(const hk_cache *c);
HK_API unsigned hk_cache_ways(const hk_cache *c);
/* The CPUs that share this cache. */
HK_API const hk_cpuset *hk_cache_cpus(const hk_cache *c);

/*
 * NUMA nodes, ordered by node number. A machine whose kernel has no
 * sys/devices/system/node (non-NUMA builds) has one node 0 holding every
 * present CPU, and hk_topology_numa_synthetic() says so.
 */
HK_API unsigned hk_topology_n_nodes(const hk_topology *t);
HK_API const hk_node *hk_topology_node(const hk_topology *t, unsigned i);
/* The node numbered @id, or NULL. */
HK_API const hk_node *hk_topology_node_by_id(const hk_topology *t, unsigned id);
HK_API bool hk_topology_numa_synthetic(const hk_topology *t);
/* The NUMA nodes this process may allocate from (cgroup cpuset.mems), by id. */
HK_API bool hk_topology_node_allowed(const hk_topology *t, unsigned id);

HK_API unsigned hk_node_id(const hk_node *n);
/* The node's CPUs as the kernel lists them (possibly offline ones too). */
HK_API const hk_cpuset *hk_node_cpus(const hk_node *n);
/* True when the node has memory but no CPU. */
HK_API bool hk_node_memory_only(const hk_node *n);
/* MemTotal / MemFree of the node in KiB, or -ENODATA when unknown. */
HK_API int64_t hk_node_memory_total_kib(const hk_node *n);
HK_API int64_t hk_node_memory_free_kib(const hk_node *n);
/*
 * The distance from @n to the node at index @j (hk_topology_node(t, j)),
 * -ENODATA when the kernel gives no usable distance table, -ERANGE when @j
 * is not a node index.
 */
HK_API int hk_node_distance(const hk_node *n, unsigned j);
/*
 * Why a machine of several nodes has no distances (hk_node_distance() gives
 * -ENODATA for all): the table is used whole or not at all, and one that
 * would mislead (a remote node as near as the local one, a row too short
 * or too long, a node without its row) is not used. NULL when the nodes
 * have distances, or there is one node.
 */
HK_API const char *hk_topology_distances_note(const hk_topology *t);

/*
 * The seeds' validated NUMA node to hyper thread map: true when every online
 * CPU is in exactly one node. When false, HK_CPUS_NO_NODE and
 * HK_CPUS_MULTI_NODE say which CPUs break it.
 */
HK_API bool hk_topology_numa_valid(const hk_topology *t);

#ifdef __cplusplus
}
#endif

#endif
