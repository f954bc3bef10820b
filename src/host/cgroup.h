/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_CGROUP_H
#define HK_HOST_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>

/* The trimmed value of "Key:" in a /proc/PID/status text, or -ENOENT. */
int hk_status_field(const char *buf, size_t len, const char *key, const char **ret,
		    size_t *ret_len);

/* Where the cpuset controller is mounted, and where this process sits in it. */
typedef struct hk_cgroup_mounts {
	char *v1_cpuset; /* mount point of the v1 cpuset hierarchy (or legacy cpuset fs) */
	bool v1_legacy;	 /* the legacy "cpuset" file system: files lack the "cpuset." prefix */
	char *v2;	 /* mount point of the unified hierarchy */
	char *v1_path;	 /* this process's cpuset cgroup, from /proc/self/cgroup */
	char *v2_path;	 /* this process's v2 cgroup */
} hk_cgroup_mounts;

/* Fills the mount points from a /proc/self/mounts text. */
int hk_parse_mounts_cgroup(const char *buf, size_t len, hk_cgroup_mounts *ret);
/* Fills v1_path and v2_path from a /proc/self/cgroup text. */
int hk_parse_proc_cgroup(const char *buf, size_t len, hk_cgroup_mounts *m);
void hk_cgroup_mounts_done(hk_cgroup_mounts *m);

/*
 * The effective cpuset of the root's own process (proc/self): its CPUs into
 * @cpus and memory nodes into @mems. -ENOENT when no cpuset controller or
 * no cgroup path is found; a malformed cpuset file gives -EINVAL (or
 * -ERANGE) with @diag naming it.
 */
int hk_cgroup_cpuset_load(hk_root *root, hk_diag *diag, hk_cpuset *cpus, hk_cpuset *mems);
/* The same, always finding the mount from the root's mount table; on the
 * live host hk_cgroup_cpuset_load() first looks where distributions mount
 * it (tests compare the two). */
int hk_cgroup_cpuset_load_mounts(hk_root *root, hk_diag *diag, hk_cpuset *cpus, hk_cpuset *mems);

#endif
