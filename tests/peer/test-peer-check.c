/* SPDX-License-Identifier: MIT */
/*
 * `hostkit check` on every peer tree (../shared/peer-data): hwloc's and
 * ghw's tarballs, util-linux's lscpu dumps and nri-plugins' sample are
 * unpacked to a scratch dir; node_exporter's and procfs' fixtures are read
 * in place. On each: the exit status is 0 or 1 (never 2, never a signal),
 * stdout is one JSON document, every result is well formed (id, section,
 * severity, status and message; a failure names its remedy), and the
 * summary counts the results. Then the numa and kernel findings of the
 * machines whose data says something are checked: see expectations[].
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/macro.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

/*
 * What the trees' files say, verified by reading them (paths under the
 * tarball's top folder):
 */
static const struct expectation {
	const char *tree; /* tarball name without .tar.* */
	const char *rule;
	const char *status; /* of at least one result */
	const char *why;
} expectations[] = {
    /* node0..7/cpulist are all 0-7 and every distance is 10: a fake-NUMA kernel's table. */
    {"8em64t-2s2ca2c-buggynuma", "numa.cpu-node-map", "fail",
     "every node lists CPUs 0-7, so each CPU is in 8 nodes"},
    {"8em64t-2s2ca2c-buggynuma", "numa.distance-matrix", "fail",
     "every nodeN/distance is all 10s: remote as near as local"},
    /* node0 4-7 missing from every node, node 3/4 overlap on 16-23 (HWLOC_DEBUG_ALLOW_OVERLAPPING).
     */
    {"fakeheterocpunuma", "numa.cpu-node-map", "fail",
     "online CPUs 4-7 are in no node and 16-23 in two"},
    {"fakeheterocpunuma", "numa.memory-only-nodes", "fail", "node2/cpulist is empty"},
    /* nodes 4,6,8,9 are HBM/NVM tiers: cpulist empty, meminfo gives memory. */
    {"fakeheteromemtiers", "numa.memory-only-nodes", "fail",
     "node4, node6, node8 and node9 have an empty cpulist"},
    {"fakeheteromemtiers", "numa.cpu-node-map", "pass",
     "CPUs 0-5 are each in exactly one of node0-2"},
    /* node16 has a cpumap of zeros and 996 MiB of memory. */
    {"128ia64-17n4s2c", "numa.memory-only-nodes", "fail", "node16's cpumap is empty"},
    {"128ia64-17n4s2c", "numa.cpu-node-map", "pass", "nodes 0-15 hold 8 CPUs each"},
    /* local_cpulist 0-39 and local_cpus 0xf on several devices of a 4-node host. */
    {"40intel64-4n10c+pci-conflicts", "numa.pci-locality", "fail",
     "local_cpulist and local_cpus disagree, numa_node -1"},
    /* 93 PCI devices have numa_node -1 though node0 and node1 exist. */
    {"32em64t-2n8c+dax+nvme+mic+dimms", "numa.pci-node-known", "fail",
     "numa_node is -1 on a 2-node host"},
    /* cgroup restrictions and offline CPUs are no topology fault. */
    {"16amd64-8n2c-cpusets", "numa.cpu-node-map", "pass",
     "8 nodes of 2 CPUs; the cpuset only restricts the process"},
    {"16amd64-8n2c-cpusets", "numa.distance-matrix", "pass", "10 local, 20 remote, symmetric"},
    {"32amd64-4s2n4c-cgroup2", "numa.cpu-node-map", "pass",
     "offline 32-47 are in no node, which is fine; online 0-31 each in one node"},
    {"linux-amd64-offlineCPUs", "numa.cpu-node-map", "pass",
     "CPUs 2-3 are offline: only online CPUs count"},
    /* 2arm-2c has no sys/devices/system/node (a kernel without NUMA): not applicable. */
    {"2arm-2c", "numa.cpu-node-map", "skip", "no sys/devices/system/node"},
    {"8em64t-2s2ca2c", "numa.cpu-node-map", "pass", "node0 holds CPUs 0-7"},
    {"8em64t-2s2ca2c", "numa.distance-matrix", "skip", "one node"},
    /* No proc/cmdline in hwloc's trees: the kernel rules skip as absent. */
    {"16amd64-8n2c", "kernel.isolation-consistent", "skip", "no proc/cmdline"},
    /* An el7 command line without isolation. */
    {"32intel64-2p8co2t+8ve", "kernel.isolation-consistent", "skip",
     "proc/cmdline has no isolcpus, nohz_full nor rcu_nocbs"},
};

static unsigned n_trees;
static bool seen[ELEMENTSOF(expectations)];

static bool member_is_string(const jv *o, const char *key)
{
	const jv *v = jv_get(o, key);
	return v && v->type == JV_STRING && v->string[0];
}

static bool one_of(const char *s, const char *const *words)
{
	for (; s && *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

/* Runs the check on @root and judges its output; @name picks the expectations. */
static void check_tree(const char *name, const char *root)
{
	const char *tool = getenv("HK_TOOL");
	char *argv[] = {(char *)tool, "--root",	     (char *)root, "--json",
			"check",      "--no-sample", NULL};
	_cleanup_free_ char *out = NULL;
	_cleanup_jv_ jv *doc = NULL;
	size_t len;
	int status;
	char err[256];

	n_trees++;
	int r = harness_run(argv, &out, &len, &status);
	if (r < 0) {
		result(false, "%s: cannot run: %s", harness_cmdline(argv), strerror(-r));
		return;
	}
	if (status != 0 && status != 1) {
		result(false, "%s: exit status %d", harness_cmdline(argv), status);
		return;
	}
	if (json_parse(out, len, false, &doc, NULL, err, sizeof(err)) < 0) {
		result(false, "%s: not JSON: %s", name, err);
		return;
	}
	const jv *results = jv_get(doc, "results");
	if (!results || results->type != JV_ARRAY) {
		result(false, "%s: no results array", name);
		return;
	}
	static const char *const severities[] = {"fail", "warn", "info", NULL};
	static const char *const statuses[] = {"pass", "fail", "skip", NULL};
	unsigned bad = 0, fails = 0;
	for (size_t i = 0; i < results->n; i++) {
		const jv *o = results->items[i];
		const char *id = jv_get_str(o, "id"), *section = jv_get_str(o, "section");
		const char *st = jv_get_str(o, "status");
		bool ok = o->type == JV_OBJECT && member_is_string(o, "id") &&
			  member_is_string(o, "section") && member_is_string(o, "message") &&
			  one_of(jv_get_str(o, "severity"), severities) && one_of(st, statuses) &&
			  strncmp(id, section, strlen(section)) == 0 && id[strlen(section)] == '.';
		if (ok && strcmp(st, "fail") == 0) {
			ok = member_is_string(o, "remedy");
			if (strcmp(jv_get_str(o, "severity"), "fail") == 0)
				fails++;
		}
		if (!ok && bad++ < 3)
			result(false, "%s: malformed result %zu (%s)", name, i, id ? id : "no id");
		for (size_t e = 0; ok && e < ELEMENTSOF(expectations); e++)
			if (strcmp(expectations[e].tree, name) == 0 &&
			    strcmp(expectations[e].rule, id) == 0 &&
			    strcmp(expectations[e].status, st) == 0)
				seen[e] = true;
	}
	if (bad == 0)
		result(true, "%s: exit %d, %zu well-formed results", name, status, results->n);
	if ((status == 1) != (fails > 0))
		result(false, "%s: exit %d with %u fail-severity failures", name, status, fails);
}

/* The single folder under @dir (the tarball's top), or @dir itself when it holds sys/ or proc/. */
static int tree_root(const char *dir, char *buf, size_t size)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, "sys") == 0 || strcmp(de->d_name, "proc") == 0) {
			return snprintf(buf, size, "%s", dir) >= (int)size ? -ENAMETOOLONG : 0;
		}
		if (n++ == 0 && snprintf(buf, size, "%s/%s", dir, de->d_name) >= (int)size)
			return -ENAMETOOLONG;
	}
	return n == 1 ? 0 : -ENOENT;
}

static void run_tarball(const char *path, const char *scratch)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char name[256], dir[PATH_MAX], root[PATH_MAX];
	struct stat st;

	if (snprintf(name, sizeof(name), "%s", base) >= (int)sizeof(name))
		return;
	char *dot = strstr(name, ".tar.");
	if (dot)
		*dot = 0;
	/* ghw's alias "tarballs" are links saved as one line of text: not archives. */
	if (stat(path, &st) < 0 || st.st_size < 512) {
		printf("skip  %s: not an archive (%lld bytes)\n", name, (long long)st.st_size);
		return;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", scratch, name) >= (int)sizeof(dir))
		return;
	if (mkdir(dir, 0700) < 0 || harness_extract(path, dir, NULL) < 0) {
		result(false, "%s: cannot extract", name);
		return;
	}
	if (tree_root(dir, root, sizeof(root)) < 0) {
		result(false, "%s: no root folder", name);
		return;
	}
	check_tree(name, root);
	(void)harness_remove_tree(dir);
}

static void run_dir(const char *data, const char *sub, const char *suffix, const char *scratch)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", data, sub) >= (int)sizeof(path))
		return;
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	if (!d) {
		printf("skip  %s: %s\n", path, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name), m = strlen(suffix);
		if (n <= m || strcmp(de->d_name + n - m, suffix) != 0)
			continue;
		char file[PATH_MAX];
		if (snprintf(file, sizeof(file), "%s/%s", path, de->d_name) >= (int)sizeof(file))
			continue;
		run_tarball(file, scratch);
	}
}

int main(void)
{
	const char *data = getenv("HK_PEER_DATA");
	char scratch[PATH_MAX], path[PATH_MAX];
	struct stat st;

	if (!data || stat(data, &st) < 0) {
		printf("SKIP: the peer corpus (HK_PEER_DATA=%s) is absent\n", data ? data : "");
		return 77;
	}
	if (!getenv("HK_TOOL")) {
		printf("SKIP: HK_TOOL is not set\n");
		return 77;
	}
	if (harness_mkdtemp("hk-peer-check-XXXXXX", scratch, sizeof(scratch)) < 0 ||
	    harness_remove_at_exit(scratch) < 0) {
		printf("FAIL  cannot make a scratch dir\n");
		return 1;
	}

	run_dir(data, "hwloc-linux", ".tar.bz2", scratch);
	run_dir(data, "util-linux/lscpu/dumps", ".tar.gz", scratch);
	run_dir(data, "ghw", ".tar.gz", scratch);
	run_dir(data, "nri-plugins-sysfs", ".tar.xz", scratch);
	static const char *const in_place[] = {"node_exporter/fixtures", "procfs/fixtures"};
	for (size_t i = 0; i < ELEMENTSOF(in_place); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", data, in_place[i]) >= (int)sizeof(path))
			continue;
		if (stat(path, &st) == 0)
			check_tree(in_place[i], path);
	}

	for (size_t e = 0; e < ELEMENTSOF(expectations); e++)
		result(seen[e], "%s: %s is %s (%s)", expectations[e].tree, expectations[e].rule,
		       expectations[e].status, expectations[e].why);
	result(n_trees > 50, "%u trees checked", n_trees);
	return test_failures ? 1 : 0;
}
