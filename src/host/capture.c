/* SPDX-License-Identifier: MIT */
/*
 * hostkit capture: run every reader through a recording root, copy what it
 * used into a staging directory, and tar that. See docs/capture.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/capture.h>
#include <hostkit/check.h>
#include <hostkit/irq.h>
#include <hostkit/kernel.h>
#include <hostkit/memory.h>
#include <hostkit/netdev.h>
#include <hostkit/pci.h>
#include <hostkit/process.h>
#include <hostkit/softnet.h>
#include <hostkit/sysctl.h>
#include <hostkit/topology.h>

#include "base/macro.h"
#include "base/strbuf.h"

extern char **environ;

/* No file hostkit reads is near this; a bigger one is left out, not copied. */
#define MAX_FILE_SIZE (64u << 20)

struct hk_capture {
	hk_root *root;
	hk_ethtool *ethtool;
};

int hk_capture_new(hk_diag *diag, hk_capture **ret)
{
	hk_capture *c = calloc(1, sizeof(*c));
	hk_ethtool *live = NULL;
	int r;

	if (!c)
		return -ENOMEM;
	r = hk_root_open("/", HK_ROOT_RECORD, diag, &c->root);
	if (r < 0)
		goto fail;
	r = hk_ethtool_open_live(&live);
	if (r < 0) {
		hk_diag_set(diag, r, NULL, "cannot open the ethtool socket: %s", strerror(-r));
		goto fail;
	}
	r = hk_ethtool_recorder_new(live, &c->ethtool);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	hk_capture_free(c);
	return r;
}

void hk_capture_free(hk_capture *c)
{
	if (!c)
		return;
	hk_ethtool_free(c->ethtool);
	hk_root_free(c->root);
	free(c);
}

hk_root *hk_capture_root(hk_capture *c)
{
	return c->root;
}

hk_ethtool *hk_capture_ethtool(hk_capture *c)
{
	return c->ethtool;
}

/* Every ethtool item, and per-queue coalescing as `inspect net` asks it. */
static int load_ethtool(hk_capture *c, const hk_netdev *d)
{
	const char *name = hk_netdev_name(d);
	hk_ethtool_info *info = NULL;

	int r = hk_ethtool_info_load(c->ethtool, name, (1u << _HK_ETHTOOL_ITEM_MAX) - 1, &info);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !hk_ethtool_info_coalesce(info)) {
		hk_ethtool_info_free(info);
		return 0;
	}
	hk_ethtool_info_free(info);

	unsigned rx = hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX);
	unsigned tx = hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX);
	unsigned nq = MAX(rx, tx), fewer = MIN(rx, tx);
	if (nq == 0)
		return 0;
	_cleanup_free_ hk_ethtool_coalesce *qc = calloc(nq, sizeof(*qc));
	if (!qc)
		return -ENOMEM;
	r = hk_ethtool_get_queue_coalesce(c->ethtool, name, 0, nq, NULL, qc);
	/* The retry `inspect net` makes for drivers with fewer queues of one kind. */
	if (r == -EINVAL && fewer > 0 && fewer < nq)
		r = hk_ethtool_get_queue_coalesce(c->ethtool, name, 0, fewer, NULL, qc);
	return r == -ENOMEM ? r : 0;
}

static int load_net(hk_capture *c, hk_diag *diag)
{
	hk_netdev_list *l = NULL;

	int r = hk_netdev_list_load(c->root, NULL, 0, diag, &l);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (unsigned i = 0; i < hk_netdev_list_count(l) && r >= 0; i++)
		r = load_ethtool(c, hk_netdev_list_get(l, i));
	hk_netdev_list_free(l);
	return r;
}

static int load_irqs(hk_capture *c, hk_diag *diag)
{
	hk_irq_table *t = NULL;

	int r = hk_irq_table_load(c->root, 0, diag, &t);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	/* The lazy load of one IRQ, as `inspect net` does it, reads the same files. */
	for (size_t i = 0; i < hk_irq_table_n_irqs(t) && r >= 0; i++) {
		int n = hk_irq_number(hk_irq_table_irq(t, i));
		if (n >= 0)
			r = hk_irq_table_load_irq(t, c->root, (unsigned)n, diag);
		if (r != -ENOMEM)
			r = 0;
	}
	hk_irq_table_free(t);
	return r;
}

/* Reads a file through the root for the sake of recording it. */
__attribute__((format(printf, 2, 3))) static int record_read(hk_root *root, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_free_ char *buf = NULL;
	return hk_root_read(root, path, &buf, NULL);
}

static int load_processes(hk_capture *c, hk_diag *diag)
{
	hk_process_list *l = NULL;
	hk_process *self = NULL;

	int r = hk_process_list_load(c->root, diag, &l);
	if (r == -ENOMEM)
		return r;
	/*
	 * The process readers open a live host's files beside their directory,
	 * past the root handle: read each stat again through it to record it.
	 */
	for (size_t i = 0; r >= 0 && i < hk_process_list_count(l); i++) {
		r = record_read(c->root, "proc/%d/stat", hk_process_list_pid(l, i));
		if (r == -ENOMEM)
			break;
	}
	hk_process_list_free(l);
	if (r == -ENOMEM)
		return r;

	DIR *d = NULL;
	if (hk_root_opendir(c->root, "proc/self/task", &d) >= 0) {
		for (struct dirent *de; (de = readdir(d));) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			if (record_read(c->root, "proc/self/task/%s/stat", de->d_name) == -ENOMEM) {
				closedir(d);
				return -ENOMEM;
			}
		}
		closedir(d);
	}
	/* Not the environment: a capture is meant to be handed around. */
	r = hk_process_load(c->root, 0, HK_PROCESS_LOAD_ALL & ~HK_PROCESS_LOAD(HK_PROCESS_ENVIRON),
			    diag, &self);
	hk_process_free(self);
	return r == -ENOMEM ? r : 0;
}

int hk_capture_load_all(hk_capture *c, hk_diag *diag)
{
	hk_diag ignored;
	int r;

	/* A reader that fails leaves its files out; the capture goes on. */
	hk_diag_clear(&ignored);
#define TRY(call)                                                                                  \
	do {                                                                                       \
		r = (call);                                                                        \
		if (r == -ENOMEM)                                                                  \
			return hk_diag_set(diag, r, NULL, "out of memory capturing: %s", #call);   \
	} while (0)

	hk_topology *t = NULL;
	TRY(hk_topology_load(c->root, &ignored, &t));
	hk_topology_free(t);

	hk_memory *m = NULL;
	TRY(hk_memory_load(c->root, &ignored, &m));
	hk_memory_free(m);

	hk_kernel *k = NULL;
	TRY(hk_kernel_load(c->root, &ignored, &k));
	hk_kernel_free(k);

	for (unsigned i = 0; i < hk_sysctl_n_known(); i++) {
		hk_sysctl *s = NULL;
		TRY(hk_sysctl_read(c->root, hk_sysctl_info_key(hk_sysctl_known(i)), &ignored, &s));
		hk_sysctl_free(s);
	}

	hk_pci *p = NULL;
	TRY(hk_pci_load(c->root, &ignored, &p));
	hk_pci_free(p);

	TRY(load_irqs(c, &ignored));
	TRY(load_net(c, &ignored));

	hk_softnet *sn = NULL;
	TRY(hk_softnet_load(c->root, &ignored, &sn));
	hk_softnet_free(sn);

	TRY(load_processes(c, &ignored));

	hk_check_report *rep = NULL;
	TRY(hk_check_run(c->root, &(hk_check_options){.no_sample = true}, &ignored, &rep));
	hk_check_report_free(rep);
#undef TRY
	return 0;
}

/* ---- Staging ---- */

struct stage {
	char dir[PATH_MAX]; /* the staging directory */
	hk_strbuf errors;   /* hostkit/capture-errors */
	hk_diag *diag;
};

/* STAGING/@rel into @buf; -ENAMETOOLONG when it does not fit. */
static int staged(const struct stage *s, const char *rel, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", s->dir, rel);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* mkdir -p of @abs's parents (@abs itself too when @self). */
static int mkdir_parents(const char *abs, bool self, hk_diag *diag)
{
	char buf[PATH_MAX];
	size_t len = strlen(abs);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, abs, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		bool end = *p == 0;
		if (end && !self)
			break;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
			int r = -errno;
			return hk_diag_set(diag, r, buf, "cannot create directory %s: %s", buf,
					   strerror(-r));
		}
		if (end)
			break;
		*p = '/';
	}
	return 0;
}

static void note_error(struct stage *s, const char *rel, int r)
{
	/* "PATH: ENAME (text)": a root on the extracted tree answers ENAME for PATH. */
	const char *name = strerrorname_np(-r);
	hk_strbuf_printf(&s->errors, "%s: %s (%s)\n", rel, name ? name : "EIO", strerror(-r));
}

static int write_file(const char *abs, const char *buf, size_t len, hk_diag *diag)
{
	_cleanup_close_ int fd =
	    open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int r;

	if (fd < 0)
		goto fail;
	while (len > 0) {
		ssize_t k = write(fd, buf, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto fail;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
fail:
	r = -errno;
	return hk_diag_set(diag, r, abs, "cannot write %s: %s", abs, strerror(-r));
}

/*
 * Copies the live file @rel by its content, read whole: sysfs and procfs
 * report sizes (4096, 0) that say nothing of what they hold. A file that
 * cannot be read is noted in capture-errors and left out.
 */
static int copy_file(struct stage *s, const char *rel, const char *dst, bool note)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	char src[PATH_MAX];

	if ((size_t)snprintf(src, sizeof(src), "/%s", rel) >= sizeof(src))
		return 0;
	/* O_NONBLOCK: a FIFO or a device that slipped in cannot hang the capture. */
	fd = open(src, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (note)
			note_error(s, rel, -errno);
		return 0;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= MAX_FILE_SIZE) {
				note_error(s, rel, -EFBIG);
				return 0;
			}
			size_t ncap = cap ? cap * 2 : 16384;
			char *n = realloc(buf, ncap);
			if (!n)
				return -ENOMEM;
			buf = n;
			cap = ncap;
		}
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			if (note)
				note_error(s, rel, -errno);
			return 0;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	return write_file(dst, buf ? buf : "", len, s->diag);
}

/* Recreates link @rel with the very target it has (relative links stay relative). */
static int copy_link(struct stage *s, const char *rel, const char *dst)
{
	char target[PATH_MAX];
	char src[PATH_MAX];

	if ((size_t)snprintf(src, sizeof(src), "/%s", rel) >= sizeof(src))
		return 0;
	ssize_t n = readlink(src, target, sizeof(target) - 1);
	if (n < 0) {
		note_error(s, rel, -errno);
		return 0;
	}
	target[n] = 0;
	int r = mkdir_parents(dst, false, s->diag);
	if (r < 0)
		return r;
	if (symlink(target, dst) < 0 && errno != EEXIST) {
		r = -errno;
		return hk_diag_set(s->diag, r, dst, "cannot create link %s: %s", dst, strerror(-r));
	}
	return 0;
}

/*
 * Whether a file met only in a listing of sysfs directory @dir is worth a
 * read: a text attribute (sysfs says 4096 bytes for those), readable, and
 * not one whose read reaches into the device (PCI VPD can take seconds or
 * hang on a broken device; the option ROM must be enabled first).
 */
static bool listed_file_wanted(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (strcmp(name, "vpd") == 0 || strcmp(name, "rom") == 0)
		return false;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0444) &&
	       st.st_size <= 4096;
}

/*
 * A listed directory: its subdirectories and links are recreated (empty,
 * and as links) so that a listing of the copy names what the reader saw
 * and cared for; the files it read are copied on their own.
 */
static int copy_listing(struct stage *s, const char *rel)
{
	char src[PATH_MAX];

	if ((size_t)snprintf(src, sizeof(src), "/%s", rel) >= sizeof(src))
		return 0;
	_cleanup_closedir_ DIR *d = opendir(src);
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));) {
		char sub[PATH_MAX], dst[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/*
		 * A sysfs directory's files are short values that some readers
		 * take from a listing (msi_irqs/N); procfs's are not (kcore).
		 */
		bool file = de->d_type == DT_REG && strncmp(rel, "sys/", 4) == 0;
		if (de->d_type != DT_DIR && de->d_type != DT_LNK && !file)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name) >= sizeof(sub) ||
		    staged(s, sub, dst, sizeof(dst)) < 0)
			continue;
		int r;
		if (de->d_type == DT_DIR)
			r = mkdir_parents(dst, true, s->diag);
		else if (de->d_type == DT_LNK)
			r = copy_link(s, sub, dst);
		else if (access(dst, F_OK) == 0 || !listed_file_wanted(src, de->d_name))
			r = 0;
		else
			r = copy_file(s, sub, dst, false);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A process's environment may hold secrets (tokens, passwords), and a
 * capture is meant to be handed around: never copied, whoever read it.
 */
static bool private_file(const char *rel)
{
	const char *base = strrchr(rel, '/');

	return strncmp(rel, "proc/", 5) == 0 && base && strcmp(base + 1, "environ") == 0;
}

static int copy_recorded(struct stage *s, hk_root *root)
{
	size_t n = hk_root_recorded_count(root);

	for (size_t i = 0; i < n; i++) {
		unsigned kinds = 0;
		const char *rel = hk_root_recorded_get(root, i, &kinds);
		char src[PATH_MAX], dst[PATH_MAX];
		struct stat st;
		int r;

		if (!rel || (size_t)snprintf(src, sizeof(src), "/%s", rel) >= sizeof(src) ||
		    staged(s, rel, dst, sizeof(dst)) < 0)
			continue;
		if (lstat(src, &st) < 0)
			continue; /* gone since it was read (an exited process) */
		if (private_file(rel)) {
			/*
			 * Said, not silently absent: on the tree, reading it answers
			 * EACCES, as a reader without the right to it gets live.
			 */
			hk_strbuf_printf(
			    &s->errors, "%s: EACCES (not saved: an environment may hold secrets)\n",
			    rel);
			continue;
		}
		if (S_ISLNK(st.st_mode))
			r = copy_link(s, rel, dst);
		else if (S_ISDIR(st.st_mode)) {
			r = mkdir_parents(dst, true, s->diag);
			if (r >= 0 && (kinds & HK_ROOT_RECORDED_LISTED))
				r = copy_listing(s, rel);
		} else if (S_ISREG(st.st_mode)) {
			r = mkdir_parents(dst, false, s->diag);
			if (r >= 0)
				r = copy_file(s, rel, dst, true);
		} else {
			note_error(s, rel, -ENODEV); /* a device or FIFO: no content to keep */
			r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A second reading of proc/net/softnet_stat a second after the first, as
 * hostkit/softnet_stat.later: with it, `check --root` judges whether drops
 * and time squeezes grow (network.softnet-growing) on the captured host.
 * Without the file (no softnet statistics, a capture of a tree) nothing is
 * written.
 */
static int second_softnet_reading(struct stage *s, hk_capture *c)
{
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len;

	if (!hk_root_exists(c->root, "proc/net/softnet_stat"))
		return 0;
	struct timespec second = {.tv_sec = 1};
	while (nanosleep(&second, &second) < 0 && errno == EINTR)
		;
	int r = hk_root_read(c->root, "proc/net/softnet_stat", &buf, &len);
	if (r < 0) {
		note_error(s, "hostkit/softnet_stat.later", r);
		return 0;
	}
	if (staged(s, "hostkit/softnet_stat.later", path, sizeof(path)) < 0) {
		free(buf);
		return -ENAMETOOLONG;
	}
	r = mkdir_parents(path, false, s->diag);
	if (r >= 0)
		r = write_file(path, buf, len, s->diag);
	free(buf);
	return r;
}

static int write_info(struct stage *s, hk_root *root)
{
	char path[PATH_MAX], date[64];
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	if (staged(s, "hostkit/capture-info", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	int r = mkdir_parents(path, false, s->diag);
	if (r < 0)
		return r;
	if (!gmtime_r(&now, &tm) || strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(date, "unknown");
	if (uname(&u) < 0)
		strcpy(u.release, "unknown");

	hk_strbuf sb = HK_STRBUF_INIT;
	hk_strbuf_printf(&sb,
			 "hostkit-capture 1\n"
			 "hostkit-version %s\n"
			 "date %s\n"
			 "kernel-release %s\n"
			 "root %s\n"
			 "pid %ld\n"
			 "paths %zu\n",
			 hk_version(), date, u.release, geteuid() == 0 ? "yes" : "no",
			 (long)getpid(), hk_root_recorded_count(root));
	r = hk_strbuf_error(&sb);
	if (r >= 0)
		r = write_file(path, hk_strbuf_str(&sb), sb.len, s->diag);
	hk_strbuf_done(&sb);
	if (r < 0)
		return r;

	if (staged(s, "hostkit/capture-errors", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (hk_strbuf_error(&s->errors) < 0)
		return -ENOMEM;
	return write_file(path, hk_strbuf_str(&s->errors), s->errors.len, s->diag);
}

static int run_tar(const char *output, const char *dir, hk_diag *diag)
{
	char *argv[] = {(char *)"tar", (char *)"-czf", (char *)output,
			(char *)"-C",  (char *)dir,    (char *)".",
			NULL};
	pid_t pid;
	int status;

	int r = posix_spawnp(&pid, "tar", NULL, NULL, argv, environ);
	if (r != 0)
		return hk_diag_set(diag, -r, output, "cannot run tar: %s", strerror(r));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hk_diag_set(diag, -EIO, output, "tar -czf %s failed (status 0x%x)", output,
				   (unsigned)status);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

/* The absolute form of @output, checking that its directory exists. */
static int output_path(const char *output, char *buf, size_t size, hk_diag *diag)
{
	char cwd[PATH_MAX];
	int n;

	if (!output || !*output)
		return hk_diag_set(diag, -EINVAL, NULL, "no output file given");
	if (output[0] == '/')
		n = snprintf(buf, size, "%s", output);
	else if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	else
		n = snprintf(buf, size, "%s/%s", cwd, output);
	if (n < 0 || (size_t)n >= size)
		return hk_diag_set(diag, -ENAMETOOLONG, output, "output path too long: %s", output);

	char dir[PATH_MAX];
	memcpy(dir, buf, (size_t)n + 1);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	struct stat st;
	if (stat(dir, &st) < 0) {
		int r = -errno;
		return hk_diag_set(diag, r, dir, "cannot write %s: directory %s: %s", output, dir,
				   strerror(-r));
	}
	if (!S_ISDIR(st.st_mode))
		return hk_diag_set(diag, -ENOTDIR, dir, "cannot write %s: %s is not a directory",
				   output, dir);
	return 0;
}

int hk_capture_save(hk_capture *c, const char *output, hk_diag *diag)
{
	char out[PATH_MAX];
	struct stage s = {.errors = HK_STRBUF_INIT, .diag = diag};

	int r;

	r = output_path(output, out, sizeof(out), diag);
	if (r < 0)
		return r;

	/*
	 * The staging directory sits beside the output (the library reads no
	 * environment variable, and tar then reads from the same file system).
	 */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", out);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	if ((size_t)snprintf(s.dir, sizeof(s.dir), "%s/.hostkit-capture.XXXXXX", dir) >=
	    sizeof(s.dir))
		return hk_diag_set(diag, -ENAMETOOLONG, dir, "output directory too long: %s", dir);
	if (!mkdtemp(s.dir)) {
		r = -errno;
		return hk_diag_set(diag, r, s.dir, "cannot create a staging directory in %s: %s",
				   dir, strerror(-r));
	}

	r = copy_recorded(&s, c->root);
	if (r >= 0)
		r = second_softnet_reading(&s, c);
	if (r >= 0)
		r = hk_ethtool_save(c->ethtool, s.dir, diag);
	if (r >= 0)
		r = write_info(&s, c->root);
	if (r >= 0)
		r = run_tar(out, s.dir, diag);

	nftw(s.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	hk_strbuf_done(&s.errors);
	return r < 0 ? r : 0;
}
