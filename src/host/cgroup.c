/* SPDX-License-Identifier: MIT */
/*
 * Where this process may run: the cpuset of its cgroup (v2, v1, or the
 * legacy cpuset file system), found from the root's /proc/self files.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <hostkit/cpuset.h>
#include <hostkit/root.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/cgroup.h"

/* Finds "Key:\tvalue" in a /proc/PID/status text; the value is trimmed. */
int hk_status_field(const char *buf, size_t len, const char *key, const char **ret, size_t *ret_len)
{
	size_t klen = strlen(key);
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == ':') {
			const char *v = p + klen + 1;
			size_t vlen = (size_t)(eol - v);
			hk_trim(&v, &vlen);
			*ret = v;
			*ret_len = vlen;
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -ENOENT;
}

/* Decodes the octal escapes (\040) the kernel puts in mount points. */
static char *mount_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && len - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
				      (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

/* True when the comma-separated @opts holds @word. */
static bool has_option(const char *opts, size_t len, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = opts, *end = opts + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		if ((size_t)(e - p) == wlen && memcmp(p, word, wlen) == 0)
			return true;
		p = comma ? comma + 1 : end;
	}
	return false;
}

int hk_parse_mounts_cgroup(const char *buf, size_t len, hk_cgroup_mounts *ret)
{
	hk_cgroup_mounts m = {0};
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *f[4];
		size_t flen[4];
		unsigned nf = 0;
		const char *q = p;

		while (nf < 4 && q < eol) {
			while (q < eol && *q == ' ')
				q++;
			const char *s = q;
			while (q < eol && *q != ' ')
				q++;
			if (q > s) {
				f[nf] = s;
				flen[nf++] = (size_t)(q - s);
			}
		}
		if (nf == 4) {
			char **dst = NULL;
			bool legacy = false;
			if (flen[2] == 7 && memcmp(f[2], "cgroup2", 7) == 0)
				dst = &m.v2;
			else if (flen[2] == 6 && memcmp(f[2], "cgroup", 6) == 0 &&
				 has_option(f[3], flen[3], "cpuset"))
				dst = &m.v1_cpuset;
			else if (flen[2] == 6 && memcmp(f[2], "cpuset", 6) == 0) {
				dst = &m.v1_cpuset;
				legacy = true;
			}
			if (dst && !*dst) {
				*dst = mount_unescape(f[1], flen[1]);
				if (!*dst) {
					hk_cgroup_mounts_done(&m);
					return -ENOMEM;
				}
				if (dst == &m.v1_cpuset)
					m.v1_legacy = legacy;
			}
		}
		p = nl ? nl + 1 : end;
	}
	*ret = m;
	return 0;
}

void hk_cgroup_mounts_done(hk_cgroup_mounts *m)
{
	free(m->v1_cpuset);
	free(m->v2);
	free(m->v1_path);
	free(m->v2_path);
	*m = (hk_cgroup_mounts){0};
}

int hk_parse_proc_cgroup(const char *buf, size_t len, hk_cgroup_mounts *m)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *c1 = memchr(p, ':', (size_t)(eol - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;

		if (c2) {
			const char *ctrl = c1 + 1, *path = c2 + 1;
			size_t clen = (size_t)(c2 - ctrl), plen = (size_t)(eol - path);
			char **dst = NULL;
			if (c1 - p == 1 && p[0] == '0' && clen == 0)
				dst = &m->v2_path;
			else if (has_option(ctrl, clen, "cpuset"))
				dst = &m->v1_path;
			if (dst && !*dst) {
				*dst = strndup(path, plen);
				if (!*dst)
					return -ENOMEM;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* Reads "<mnt>/<cg>/<file>" for the first file name in @files that exists. */
static int read_cg_set(hk_root *root, const char *mnt, const char *cg, const char *const *files,
		       hk_diag *diag, hk_cpuset *set)
{
	char path[PATH_MAX];

	/* Root-relative and without doubled slashes, so messages name it as other files. */
	while (*mnt == '/')
		mnt++;
	while (*cg == '/')
		cg++;
	for (; *files; files++) {
		int n = snprintf(path, sizeof(path), "%s%s%s%s%s", mnt, *mnt ? "/" : "", cg,
				 *cg ? "/" : "", *files);
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		int r = hk_root_read_cpulist(root, path, diag, set);
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

/* True when @dir is a mount of the file system whose statfs() magic is @magic. */
static bool is_fs(const char *dir, unsigned long magic)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

/*
 * The live host's cpuset mount, where systemd and every distribution put
 * it: the v1 cpuset hierarchy at /sys/fs/cgroup/cpuset when
 * /proc/self/cgroup lists one (@v1_listed), else the unified hierarchy at
 * /sys/fs/cgroup or /sys/fs/cgroup/unified. Checked with statfs() and, for
 * v1, that the cpuset controller's prefixed files are there. -ENOENT when
 * they are not, and the mounts must be read: generating
 * /proc/self/mounts costs about a tenth of a whole topology load.
 */
static int live_mount_points(hk_cgroup_mounts *m, bool v1_listed)
{
	static const char *const v2_dirs[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	const char *dir = NULL;

	if (v1_listed) {
		if (is_fs("/sys/fs/cgroup/cpuset", CGROUP_SUPER_MAGIC) &&
		    access("/sys/fs/cgroup/cpuset/cpuset.cpus", F_OK) == 0)
			dir = "/sys/fs/cgroup/cpuset";
		if (!dir)
			return -ENOENT;
		m->v1_cpuset = strdup(dir);
		return m->v1_cpuset ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < ELEMENTSOF(v2_dirs) && !dir; i++)
		if (is_fs(v2_dirs[i], CGROUP2_SUPER_MAGIC))
			dir = v2_dirs[i];
	if (!dir)
		return -ENOENT;
	m->v2 = strdup(dir);
	return m->v2 ? 0 : -ENOMEM;
}

/* Reads the root's mount table into @m's mount points. */
static int read_mounts(hk_root *root, hk_diag *diag, hk_cgroup_mounts *m)
{
	_cleanup_free_ char *buf = NULL;
	hk_cgroup_mounts found;
	size_t len;
	int r;

	/*
	 * ENOTDIR counts as absent: a capture whose proc/self lost its link
	 * (a plain file in some copies of test corpora) has no self files.
	 */
	const char *path = "proc/self/mounts";
	r = hk_root_read(root, path, &buf, &len);
	if (r == -ENOENT || r == -ENOTDIR) {
		path = "proc/mounts";
		r = hk_root_read(root, path, &buf, &len);
	}
	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r < 0)
		return hk_diag_set(diag, r, path, "cannot read %s: %s", path, strerror(-r));
	r = hk_parse_mounts_cgroup(buf, len, &found);
	if (r < 0)
		return r;
	free(m->v1_cpuset);
	free(m->v2);
	m->v1_cpuset = found.v1_cpuset;
	m->v1_legacy = found.v1_legacy;
	m->v2 = found.v2;
	return 0;
}

static int cpuset_load(hk_root *root, hk_diag *diag, hk_cpuset *cpus, hk_cpuset *mems,
		       bool may_guess)
{
	_cleanup_(hk_cgroup_mounts_done) hk_cgroup_mounts m = {0};
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	/* proc/self/cgroup first: it says which hierarchy to look for. */
	int cg_r = hk_root_read(root, "proc/self/cgroup", &buf, &len);
	if (cg_r >= 0) {
		r = hk_parse_proc_cgroup(buf, len, &m);
		if (r < 0)
			return r;
	} else {
		may_guess = false; /* the kernel did not say which hierarchy */
	}

	r = -ENOENT;
	if (may_guess && hk_root_is_live(root))
		r = live_mount_points(&m, m.v1_path != NULL);
	if (r == -ENOENT)
		r = read_mounts(root, diag, &m);
	if (r < 0)
		return r;
	/* No cgroup mount is no cpuset, whatever proc/self/cgroup did. */
	if (cg_r < 0 && cg_r != -ENOENT && cg_r != -ENOTDIR && cg_r != -EACCES && cg_r != -EPERM)
		return hk_diag_set(diag, cg_r, "proc/self/cgroup", "cannot read proc/self/cgroup: %s",
				   strerror(-cg_r));

	/*
	 * Before /proc/PID/cgroup, the cpuset path had a file of its own. It
	 * names the cgroup in whichever hierarchy holds the cpuset controller:
	 * the unified one when no v1 cpuset is mounted (hwloc's
	 * 32amd64-4s2n4c-cgroup2, a Slurm step, has proc/self/cpuset and a
	 * cgroup2 mount but no proc/self/cgroup).
	 */
	char **want = m.v1_cpuset ? &m.v1_path : &m.v2_path;
	if (!*want) {
		char *s;
		if (hk_root_read_string(root, "proc/self/cpuset", &s) >= 0)
			*want = s;
	}

	if (m.v1_cpuset && m.v1_path) {
		static const char *const cpu_files[] = {"cpuset.effective_cpus", "cpuset.cpus",
							"effective_cpus", "cpus", NULL};
		static const char *const mem_files[] = {"cpuset.effective_mems", "cpuset.mems",
							"effective_mems", "mems", NULL};
		r = read_cg_set(root, m.v1_cpuset, m.v1_path, cpu_files, diag, cpus);
		if (r >= 0)
			r = read_cg_set(root, m.v1_cpuset, m.v1_path, mem_files, diag, mems);
		return r;
	}
	if (m.v2 && m.v2_path) {
		static const char *const cpu_files[] = {"cpuset.cpus.effective", NULL};
		static const char *const mem_files[] = {"cpuset.mems.effective", NULL};
		/*
		 * A cgroup whose parent did not enable the cpuset controller has
		 * no cpuset files and is bound by its nearest ancestor's.
		 */
		char *cg = m.v2_path;
		for (;;) {
			r = read_cg_set(root, m.v2, cg, cpu_files, diag, cpus);
			if (r != -ENOENT)
				break;
			char *slash = strrchr(cg, '/');
			if (!slash || slash == cg) {
				if (strcmp(cg, "/") == 0 || !*cg)
					return -ENOENT;
				strcpy(cg, "/");
			} else {
				*slash = 0;
			}
		}
		if (r >= 0)
			r = read_cg_set(root, m.v2, cg, mem_files, diag, mems);
		return r;
	}
	return -ENOENT;
}

int hk_cgroup_cpuset_load(hk_root *root, hk_diag *diag, hk_cpuset *cpus, hk_cpuset *mems)
{
	return cpuset_load(root, diag, cpus, mems, true);
}

int hk_cgroup_cpuset_load_mounts(hk_root *root, hk_diag *diag, hk_cpuset *cpus, hk_cpuset *mems)
{
	return cpuset_load(root, diag, cpus, mems, false);
}
