/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_TOPOLOGY_H
#define HK_HOST_TOPOLOGY_H

/* The topology's text parsers, exposed to unit tests and fuzz targets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "32K", "8M", "1G", "512" -> bytes. */
int hk_parse_cache_size(const char *buf, size_t len, uint64_t *ret);
/* MemTotal and MemFree of a node's meminfo (or /proc/meminfo), in kB; -ENODATA when absent. */
int hk_parse_node_meminfo(const char *buf, size_t len, int64_t *ret_total, int64_t *ret_free);
/* A distance row into @out (at most @max entries); returns the count. */
int hk_parse_distances(const char *buf, size_t len, int *out, unsigned max);
/* The trimmed value of "Key:" in a /proc/PID/status text, or -ENOENT. */
int hk_status_field(const char *buf, size_t len, const char *key, const char **ret,
		    size_t *ret_len);

/* Where the cpuset controller is mounted, and where this process sits in it. */
typedef struct hk_cgroup_mounts {
	char *v1_cpuset; /* mount point of the v1 cpuset hierarchy (or legacy cpuset fs) */
	bool v1_legacy;  /* the legacy "cpuset" file system: files lack the "cpuset." prefix */
	char *v2;        /* mount point of the unified hierarchy */
	char *v1_path;   /* this process's cpuset cgroup, from /proc/self/cgroup */
	char *v2_path;   /* this process's v2 cgroup */
} hk_cgroup_mounts;

/* Fills the mount points from a /proc/self/mounts text. */
int hk_parse_mounts_cgroup(const char *buf, size_t len, hk_cgroup_mounts *ret);
/* Fills v1_path and v2_path from a /proc/self/cgroup text. */
int hk_parse_proc_cgroup(const char *buf, size_t len, hk_cgroup_mounts *m);
void hk_cgroup_mounts_done(hk_cgroup_mounts *m);

#endif
