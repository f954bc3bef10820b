/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <hostkit/root.h>

#include "base/macro.h"
#include "base/parse.h"
#include "base/rootdir.h"

struct hk_root {
	int fd; /* O_PATH directory of the root */
	bool live;
	bool writable;
	/* openat2() is missing (old kernel, seccomp): resolve in user space */
	bool no_openat2;
	char *path;
	struct recording *rec; /* HK_ROOT_RECORD: the paths used so far */
	/*
	 * A capture's hostkit/capture-errors: the files the captured host
	 * refused to read, sorted by path, each with its errno. Opening one
	 * answers that errno rather than ENOENT, as the host did.
	 */
	struct refused *refused;
	size_t n_refused;
};

struct refused {
	char *path;
	int error;
};

/*
 * The paths a recording root has used: an array in the order met, and an
 * open-addressing hash of indexes into it (0 free, else index + 1) so that
 * the thousands of repeated reads of a capture stay cheap. The lock makes
 * the recording as shareable between threads as the handle itself.
 */
struct recording {
	pthread_mutex_t lock;
	char **paths;
	unsigned *kinds;
	size_t n, cap;
	size_t *slots;
	size_t n_slots; /* a power of two, kept over twice n */
};

/* As many symlinks as one lookup follows before ELOOP, as the kernel's MAXSYMLINKS. */
#define MAX_LINKS 40

/* openat2() with RESOLVE_IN_ROOT may fail with EAGAIN when a rename races it. */
#define OPENAT2_TRIES 8

static const char *skip_slashes(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static bool is_dir_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static int openat2_in_root(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
	    .flags = (uint64_t)flags,
	    .mode = (flags & O_CREAT) ? mode : 0,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	for (unsigned i = 0;; i++) {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || i + 1 == OPENAT2_TRIES)
			break;
	}
	return fd < 0 ? negative_errno() : fd;
}

/*
 * Whether openat2() works here. Missing kernels say ENOSYS; container
 * runtimes whose seccomp profile predates it may say EPERM, which opening
 * the root directory itself cannot otherwise give.
 */
static bool have_openat2(int dirfd)
{
	int fd = openat2_in_root(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return fd != -ENOSYS && fd != -EPERM;
}

static void recording_free(struct recording *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < rec->n; i++)
		free(rec->paths[i]);
	free(rec->paths);
	free(rec->kinds);
	free(rec->slots);
	pthread_mutex_destroy(&rec->lock);
	free(rec);
}

/* FNV-1a: the paths are short and the table is private. */
static size_t path_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3u;
	return (size_t)h;
}

static int recording_grow(struct recording *rec)
{
	size_t n_slots = rec->n_slots ? rec->n_slots * 2 : 1024;
	size_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < rec->n; i++) {
		size_t h = path_hash(rec->paths[i], strlen(rec->paths[i])) & (n_slots - 1);
		while (slots[h])
			h = (h + 1) & (n_slots - 1);
		slots[h] = i + 1;
	}
	free(rec->slots);
	rec->slots = slots;
	rec->n_slots = n_slots;
	return 0;
}

/* Adds @kinds to path @p (@len bytes, not NUL-terminated). Called with the lock held. */
static int recording_add_locked(struct recording *rec, const char *p, size_t len, unsigned kinds)
{
	if (rec->n * 2 >= rec->n_slots && recording_grow(rec) < 0)
		return -ENOMEM;

	size_t h = path_hash(p, len) & (rec->n_slots - 1);
	for (; rec->slots[h]; h = (h + 1) & (rec->n_slots - 1)) {
		size_t i = rec->slots[h] - 1;
		if (strncmp(rec->paths[i], p, len) == 0 && rec->paths[i][len] == 0) {
			rec->kinds[i] |= kinds;
			return 0;
		}
	}

	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 256;
		char **paths = reallocarray(rec->paths, cap, sizeof(*paths));
		if (!paths)
			return -ENOMEM;
		rec->paths = paths;
		unsigned *k = reallocarray(rec->kinds, cap, sizeof(*k));
		if (!k)
			return -ENOMEM;
		rec->kinds = k;
		rec->cap = cap;
	}
	char *copy = strndup(p, len);
	if (!copy)
		return -ENOMEM;
	rec->paths[rec->n] = copy;
	rec->kinds[rec->n] = kinds;
	rec->slots[h] = ++rec->n;
	return 0;
}

/*
 * Records @path as the lookup resolves it: every symlink on the way as a
 * link, then what it leads to, so that a copy of the recorded paths
 * resolves the same. Like the lookup, ".." stops at the root and an
 * absolute target starts again from it, so nothing outside is recorded.
 * @follow: whether a link in the last component is followed. The recording
 * is best effort: a path it cannot note (out of memory, too long) is left
 * out of the capture, and the read itself goes on.
 */
static void record(hk_root *root, const char *path, unsigned kinds, bool follow)
{
	struct recording *rec = root->rec;
	char cur[PATH_MAX], pending[PATH_MAX], target[PATH_MAX];
	size_t curlen = 0;
	unsigned links = 0;

	if (_likely_(!rec))
		return;
	if (strlen(path) >= sizeof(pending))
		return;
	strcpy(pending, path);

	pthread_mutex_lock(&rec->lock);
	const char *p = pending;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			/* The path named a directory: record where the walk is. */
			if (curlen > 0)
				(void)recording_add_locked(rec, cur, curlen, kinds);
			break;
		}
		size_t len = strcspn(p, "/");
		const char *rest = p + len;
		bool last = rest[strspn(rest, "/")] == 0;

		if (len == 1 && p[0] == '.') {
			p = rest;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (curlen > 0 && cur[curlen - 1] != '/')
				curlen--;
			if (curlen > 0)
				curlen--;
			p = rest;
			continue;
		}
		size_t save = curlen;
		if (curlen + 1 + len >= sizeof(cur))
			break;
		if (curlen > 0)
			cur[curlen++] = '/';
		memcpy(cur + curlen, p, len);
		curlen += len;
		cur[curlen] = 0;

		struct stat st;
		if (fstatat(root->fd, cur, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		if (S_ISLNK(st.st_mode)) {
			if (recording_add_locked(rec, cur, curlen, HK_ROOT_RECORDED_LINK) < 0)
				break;
			if (last && !follow)
				break;
			if (++links > MAX_LINKS)
				break;
			ssize_t n = readlinkat(root->fd, cur, target, sizeof(target));
			if (n <= 0 || (size_t)n >= sizeof(target))
				break;
			/* Continue from the link's directory (or the root) with target + rest. */
			size_t restlen = strlen(rest);
			if ((size_t)n + restlen >= sizeof(pending))
				break;
			memmove(pending + n, rest, restlen + 1);
			memcpy(pending, target, (size_t)n);
			p = pending;
			curlen = target[0] == '/' ? 0 : save;
			cur[curlen] = 0;
			continue;
		}
		if (last) {
			(void)recording_add_locked(rec, cur, curlen, kinds);
			break;
		}
		if (!S_ISDIR(st.st_mode))
			break;
		p = rest;
	}
	pthread_mutex_unlock(&rec->lock);
}

size_t hk_root_recorded_count(hk_root *root)
{
	if (!root->rec)
		return 0;
	pthread_mutex_lock(&root->rec->lock);
	size_t n = root->rec->n;
	pthread_mutex_unlock(&root->rec->lock);
	return n;
}

const char *hk_root_recorded_get(hk_root *root, size_t i, unsigned *ret_kinds)
{
	const char *p = NULL;

	if (!root->rec)
		return NULL;
	pthread_mutex_lock(&root->rec->lock);
	if (i < root->rec->n) {
		p = root->rec->paths[i];
		if (ret_kinds)
			*ret_kinds = root->rec->kinds[i];
	}
	pthread_mutex_unlock(&root->rec->lock);
	return p;
}

/* The errno whose name (EACCES) or text (Permission denied) @s is, or 0. */
static int errno_from_text(const char *s, size_t len)
{
	for (int e = 1; e < 256; e++) {
		const char *name = strerrorname_np(e);
		if (name && strlen(name) == len && memcmp(name, s, len) == 0)
			return e;
	}
	for (int e = 1; e < 256; e++) {
		const char *text = strerrordesc_np(e);
		if (text && strlen(text) == len && memcmp(text, s, len) == 0)
			return e;
	}
	return 0;
}

static int refused_cmp(const void *a, const void *b)
{
	return strcmp(((const struct refused *)a)->path, ((const struct refused *)b)->path);
}

/*
 * Loads a capture's hostkit/capture-errors ("PATH: ENAME (text)", or the
 * older "PATH: text"). A tree without it, or a line that names no errno,
 * leaves nothing: those files are then simply absent.
 */
static int load_refused(hk_root *root)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (hk_root_read(root, "hostkit/capture-errors", &buf, &len) < 0)
		return 0;
	for (const char *p = buf, *end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *colon = NULL;
		/* The first ": " ends the path (sysfs paths hold ':', never ": "). */
		for (const char *q = p; !colon && q + 1 < eol; q++)
			if (q[0] == ':' && q[1] == ' ')
				colon = q;
		if (colon && colon > p) {
			const char *what = colon + 2;
			const char *sp = memchr(what, ' ', (size_t)(eol - what));
			int e = errno_from_text(what, (size_t)((sp ? sp : eol) - what));
			if (!e)
				e = errno_from_text(what, (size_t)(eol - what));
			if (e && e != ENOENT) {
				struct refused *n =
				    reallocarray(root->refused, root->n_refused + 1, sizeof(*n));
				if (!n)
					return -ENOMEM;
				root->refused = n;
				n[root->n_refused].path = strndup(p, (size_t)(colon - p));
				if (!n[root->n_refused].path)
					return -ENOMEM;
				n[root->n_refused++].error = -e;
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (root->n_refused > 1)
		qsort(root->refused, root->n_refused, sizeof(*root->refused), refused_cmp);
	return 0;
}

/* @r, or the errno the captured host gave for @rel when @r says the tree lacks it. */
static int replay_refused(const hk_root *root, const char *rel, int r)
{
	if (r != -ENOENT || root->n_refused == 0)
		return r;
	struct refused key = {.path = (char *)rel};
	const struct refused *f =
	    bsearch(&key, root->refused, root->n_refused, sizeof(key), refused_cmp);
	return f ? f->error : r;
}

int hk_root_open(const char *path, unsigned flags, hk_diag *diag, hk_root **ret)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	hk_root *root;

	if (!path || !*path)
		path = "/";
	const unsigned known = HK_ROOT_WRITABLE | HK_ROOT_RECORD;
	if (flags & ~known)
		return hk_diag_set(diag, -EINVAL, path, "unknown flags 0x%x opening root '%s'",
				   flags & ~known, path);

	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int r = negative_errno();
		return hk_diag_set(diag, r, path, "cannot open root '%s': %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0)
		return negative_errno();

	/* The live host is "/" by identity, not by spelling ("//", "/./"). */
	struct stat slash;
	bool live =
	    stat("/", &slash) == 0 && slash.st_dev == st.st_dev && slash.st_ino == st.st_ino;

	if (!live && !is_dir_at(fd, "sys") && !is_dir_at(fd, "proc"))
		return hk_diag_set(diag, -EINVAL, path,
				   "'%s' is not a captured tree: it holds neither proc/ nor sys/",
				   path);

	root = calloc(1, sizeof(*root));
	if (!root)
		return -ENOMEM;
	root->path = strdup(path);
	if (root->path && (flags & HK_ROOT_RECORD)) {
		root->rec = calloc(1, sizeof(*root->rec));
		if (root->rec)
			pthread_mutex_init(&root->rec->lock, NULL);
	}
	if (!root->path || ((flags & HK_ROOT_RECORD) && !root->rec)) {
		free(root->path);
		free(root);
		return -ENOMEM;
	}
	root->fd = TAKE_FD(fd);
	root->live = live;
	root->writable = live || (flags & HK_ROOT_WRITABLE);
	root->no_openat2 = !live && !have_openat2(root->fd);
	if (!live && load_refused(root) < 0) {
		hk_root_free(root);
		return -ENOMEM;
	}
	*ret = root;
	return 0;
}

void hk_root_free(hk_root *root)
{
	if (!root)
		return;
	if (root->fd >= 0)
		close(root->fd);
	free(root->path);
	recording_free(root->rec);
	for (size_t i = 0; i < root->n_refused; i++)
		free(root->refused[i].path);
	free(root->refused);
	free(root);
}

bool hk_root_is_live(const hk_root *root)
{
	return root->live;
}

const char *hk_root_path(const hk_root *root)
{
	return root->path;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

/* Closes the directories a user-space lookup descended into. */
static void close_dirs(int *fds, size_t n)
{
	while (n > 0)
		close(fds[--n]);
}

/*
 * Resolves @path inside the root one component at a time, as openat2()'s
 * RESOLVE_IN_ROOT would: ".." stops at the root, and a symlink's target is
 * looked up again from the root when absolute or from its directory when
 * relative. Every directory is held open (O_PATH) on the way down, so ".."
 * returns to the very directory it came from rather than to its name.
 * Used only where openat2() is missing; a plain openat() would follow
 * "../../.." or an absolute link straight out of the tree.
 */
static int open_in_root_slow(hk_root *root, const char *path, int flags, mode_t mode)
{
	_cleanup_free_ char *pending = strdup(path);
	_cleanup_free_ int *dirs = NULL;
	size_t depth = 0, cap = 0;
	unsigned links = 0;
	int r;

	if (!pending)
		return -ENOMEM;

	const char *p = pending;
	for (;;) {
		int dfd = depth > 0 ? dirs[depth - 1] : root->fd;

		while (*p == '/')
			p++;
		if (!*p) {
			/* The path named a directory ("", ".", "a/..", "a/"). */
			r = openat(dfd, ".", flags, mode);
			r = r < 0 ? negative_errno() : r;
			break;
		}

		size_t len = strcspn(p, "/");
		const char *rest = p + len;
		bool last = rest[strspn(rest, "/")] == 0;
		char name[NAME_MAX + 1];

		if (len > NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(name, p, len);
		name[len] = 0;
		p = rest;

		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (depth > 0)
				close(dirs[--depth]);
			continue;
		}

		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = negative_errno();
			if (r == -ENOENT && last && (flags & O_CREAT)) {
				r = openat(dfd, name, flags | O_NOFOLLOW, mode);
				r = r < 0 ? negative_errno() : r;
			}
			break;
		}

		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			char target[PATH_MAX];

			if (++links > MAX_LINKS) {
				r = -ELOOP;
				break;
			}
			ssize_t n = readlinkat(dfd, name, target, sizeof(target));
			if (n < 0) {
				r = negative_errno();
				break;
			}
			if ((size_t)n >= sizeof(target)) {
				r = -ENAMETOOLONG;
				break;
			}
			if (target[0] == '/') {
				close_dirs(dirs, depth);
				depth = 0;
			}
			/* The rest of the path continues from where the link points. */
			size_t restlen = strlen(rest);
			char *next = malloc((size_t)n + restlen + 1);
			if (!next) {
				r = -ENOMEM;
				break;
			}
			memcpy(next, target, (size_t)n);
			memcpy(next + n, rest, restlen + 1);
			free(pending);
			pending = next;
			p = pending;
			continue;
		}

		if (last) {
			/* "dir/" must be a directory, as the kernel has it. */
			int f = flags | O_NOFOLLOW | (*rest ? O_DIRECTORY : 0);
			r = openat(dfd, name, f, mode);
			r = r < 0 ? negative_errno() : r;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			break;
		}

		if (depth == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			int *n = reallocarray(dirs, ncap, sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				break;
			}
			dirs = n;
			cap = ncap;
		}
		/* O_NOFOLLOW: a component swapped for a link since fstatat() fails here. */
		int nfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			r = negative_errno();
			break;
		}
		dirs[depth++] = nfd;
	}
	close_dirs(dirs, depth);
	return r;
}

int hk_root_open_file(hk_root *root, const char *path, int flags)
{
	const char *rel = skip_slashes(path);
	mode_t mode = (flags & O_CREAT) ? 0644 : 0;
	int fd;

	if (wants_write(flags) && !root->writable)
		return -EROFS;

	if (root->rec && !wants_write(flags))
		record(root, rel, HK_ROOT_RECORDED_OPENED, !(flags & O_NOFOLLOW));
	flags |= O_CLOEXEC;
	/*
	 * The live root is "/": a plain openat() resolves exactly as the
	 * kernel would for any other program, and is the fastest path.
	 */
	if (root->live) {
		fd = openat(root->fd, rel, flags, mode);
		return fd < 0 ? negative_errno() : fd;
	}

	/*
	 * A captured tree: RESOLVE_IN_ROOT makes "..", absolute and relative
	 * symlinks resolve as if the tree were "/", so sysfs links such as
	 * class/net/eth0 -> ../../devices/pci0000:00/... stay inside it.
	 */
	/*
	 * A tree is a copy, never a device: O_NONBLOCK keeps a FIFO in it from
	 * hanging the reader, and regular files ignore it.
	 */
	if (!(flags & O_PATH))
		flags |= O_NONBLOCK;
	if (!root->no_openat2) {
		fd = openat2_in_root(root->fd, rel, flags, mode);
		/*
		 * ENOSYS here is a seccomp filter installed after hk_root_open();
		 * fall back for this call without touching the shared handle,
		 * which other threads may be reading.
		 */
		if (fd != -ENOSYS)
			return replay_refused(root, rel, fd);
	}
	return replay_refused(root, rel, open_in_root_slow(root, rel, flags, mode));
}

int hk_root_opendir(hk_root *root, const char *path, DIR **ret)
{
	int fd = hk_root_open_file(root, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	if (root->rec)
		record(root, skip_slashes(path), HK_ROOT_RECORDED_LISTED, true);
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = negative_errno();
		close(fd);
		return r;
	}
	*ret = d;
	return 0;
}

bool hk_root_exists(hk_root *root, const char *path)
{
	_cleanup_close_ int fd = hk_root_open_file(root, path, O_PATH);
	return fd >= 0;
}

/*
 * Below how many bytes a read that returned less than was asked for ends the
 * file. A regular file (a captured tree) ends at any short read. A sysfs
 * text attribute is produced whole by one read, but kernfs hands out at most
 * a page per read(2), so binary attributes (BTF, PCI config, ACPI tables)
 * come a page at a time: only a read shorter than a page ends them. procfs
 * seq files may stop early anywhere, so they are read until 0.
 */
static size_t short_read_ends_below(const hk_root *root, const char *path)
{
	if (!root->live)
		return SIZE_MAX;
	if (strncmp(skip_slashes(path), "sys/", 4) == 0) {
		long page = sysconf(_SC_PAGESIZE);
		return page > 0 ? (size_t)page : 4096;
	}
	return 0;
}

static ssize_t read_retry(int fd, void *buf, size_t n)
{
	ssize_t k;

	do
		k = read(fd, buf, n);
	while (k < 0 && errno == EINTR);
	return k < 0 ? negative_errno() : k;
}

int hk_rootdir_open(hk_root *root, const char *path, hk_rootdir *ret)
{
	const char *rel = skip_slashes(path);
	size_t len = strlen(rel);

	if (len >= sizeof(ret->path))
		return -ENAMETOOLONG;
	int fd = hk_root_open_file(root, rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	ret->root = root;
	ret->fd = fd;
	memcpy(ret->path, rel, len + 1);
	ret->len = len;
	return 0;
}

void hk_rootdir_close(hk_rootdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -EBADF;
}

/* "<dir>/<name>" into @buf: the whole root-relative path, for messages and fallbacks. */
static const char *rootdir_join(const hk_rootdir *d, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);

	/* Too long for any file system: a path that names nothing, so the open fails. */
	if (d->len + 1 + n >= size)
		return "/nonexistent/too/long";
	memcpy(buf, d->path, d->len);
	buf[d->len] = '/';
	memcpy(buf + d->len + 1, name, n + 1);
	return buf;
}

int hk_rootdir_open_file(const hk_rootdir *d, const char *name, int flags)
{
	char full[PATH_MAX];
	int fd;

	if (d->root->rec && !wants_write(flags))
		record(d->root, rootdir_join(d, name, full, sizeof(full)), HK_ROOT_RECORDED_OPENED,
		       !(flags & O_NOFOLLOW));
	if (d->root->live && !wants_write(flags)) {
		fd = openat(d->fd, name, flags | O_CLOEXEC);
		return fd < 0 ? negative_errno() : fd;
	}
	if (!d->root->live && !d->root->no_openat2 && !wants_write(flags)) {
		/*
		 * Within the directory, a name resolves as it would from the
		 * root unless a link leads out of it: RESOLVE_BENEATH refuses
		 * that (EXDEV), and then the whole path is resolved in the root.
		 */
		struct open_how how = {
		    .flags = (uint64_t)(flags | O_CLOEXEC | O_NONBLOCK),
		    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
		};
		fd = (int)syscall(SYS_openat2, d->fd, name, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno == ENOENT && d->root->n_refused)
			return replay_refused(d->root, rootdir_join(d, name, full, sizeof(full)),
					      -ENOENT);
		if (errno != EXDEV && errno != ELOOP && errno != ENOSYS && errno != EAGAIN)
			return negative_errno();
	}
	return hk_root_open_file(d->root, rootdir_join(d, name, full, sizeof(full)), flags);
}

/*
 * Where a reader's file is: @path inside @root, or @name inside @dir, in
 * which case @path is still the whole root-relative path, for messages.
 */
struct loc {
	hk_root *root;
	const hk_rootdir *dir;
	const char *path;
	const char *name;
};

static int loc_open(const struct loc *l)
{
	return l->dir ? hk_rootdir_open_file(l->dir, l->name, O_RDONLY)
		      : hk_root_open_file(l->root, l->path, O_RDONLY);
}

static int read_buf(const struct loc *l, char *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = 0;

	if (size < 2)
		return -EINVAL;
	/* The length is returned as int. */
	if (size > (size_t)INT_MAX + 1)
		size = (size_t)INT_MAX + 1;
	fd = loc_open(l);
	if (fd < 0)
		return fd;

	size_t ends_below = short_read_ends_below(l->root, l->path);
	for (;;) {
		size_t want = size - 1 - len;
		ssize_t k = read_retry(fd, buf + len, want);
		if (k < 0)
			return (int)k;
		if (k == 0)
			break;
		len += (size_t)k;
		if (len == size - 1) {
			/* Full: one more byte tells whether the file is longer. */
			char extra;
			k = read_retry(fd, &extra, 1);
			if (k < 0)
				return (int)k;
			if (k > 0)
				return -EFBIG;
			break;
		}
		if ((size_t)k < ends_below)
			break;
	}
	buf[len] = 0;
	return (int)len;
}

static int read_all(const struct loc *l, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;

	fd = loc_open(l);
	if (fd < 0)
		return fd;

	/*
	 * No fstat() for the size: sysfs and procfs report 4096 or 0 whatever
	 * they hold, and most files of either kind fit the first buffer, so
	 * the extra call would cost more than the rare regrowth it saves.
	 */
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;

	size_t ends_below = short_read_ends_below(l->root, l->path);
	for (;;) {
		if (cap - len < 2) {
			if (cap > SIZE_MAX / 2)
				return -EFBIG;
			char *n = realloc(buf, cap * 2);
			if (!n)
				return -ENOMEM;
			buf = n;
			cap *= 2;
		}
		size_t want = cap - 1 - len;
		ssize_t k = read_retry(fd, buf + len, want);
		if (k < 0)
			return (int)k;
		if (k == 0)
			break;
		len += (size_t)k;
		if ((size_t)k < want && (size_t)k < ends_below)
			break;
	}
	buf[len] = 0;
	*ret_buf = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int hk_root_read_buf(hk_root *root, const char *path, char *buf, size_t size)
{
	return read_buf(&(struct loc){root, NULL, path, NULL}, buf, size);
}

int hk_root_read(hk_root *root, const char *path, char **ret_buf, size_t *ret_len)
{
	return read_all(&(struct loc){root, NULL, path, NULL}, ret_buf, ret_len);
}

/* @more: the text went on past @len bytes. */
static int parse_error(hk_diag *diag, int r, const char *path, const char *what, const char *p,
		       size_t len, bool more)
{
	/* The text goes into a one-line message: no control bytes from junk files. */
	char text[65];
	size_t n = MIN(len, sizeof(text) - 1);

	for (size_t i = 0; i < n; i++)
		text[i] = ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i];
	text[n] = 0;
	return hk_diag_set(diag, r, path, "cannot parse %s '%s%s' in %s: %s", what, text,
			   more || len > n ? "..." : "", path, strerror(-r));
}

/* Reads a short single-value file and trims it; *ret points into @buf. */
static int read_value(const struct loc *l, hk_diag *diag, const char *what, char *buf, size_t size,
		      const char **ret, size_t *ret_len)
{
	int n = read_buf(l, buf, size);
	/*
	 * Longer than any such value: the file is malformed, not unreadable.
	 * read_buf() filled @buf before it found out.
	 */
	if (n == -EFBIG)
		return parse_error(diag, -EINVAL, l->path, what, buf, size - 1, true);
	if (n < 0)
		return n;
	const char *p = buf;
	size_t len = (size_t)n;
	hk_trim(&p, &len);
	*ret = p;
	*ret_len = len;
	return 0;
}

static int read_u64(const struct loc *l, hk_diag *diag, uint64_t *ret)
{
	char buf[64];
	const char *p = NULL;
	size_t len = 0;
	uint64_t v;

	int r = read_value(l, diag, "number", buf, sizeof(buf), &p, &len);
	if (r < 0)
		return r;
	r = hk_parse_u64(p, len, 10, &v);
	if (r < 0)
		return parse_error(diag, r, l->path, "number", p, len, false);
	*ret = v;
	return 0;
}

static int read_s64(const struct loc *l, hk_diag *diag, int64_t *ret)
{
	char buf[64];
	const char *p = NULL;
	size_t len = 0;
	int64_t v;

	int r = read_value(l, diag, "number", buf, sizeof(buf), &p, &len);
	if (r < 0)
		return r;
	r = hk_parse_s64(p, len, &v);
	if (r < 0)
		return parse_error(diag, r, l->path, "number", p, len, false);
	*ret = v;
	return 0;
}

int hk_root_read_u64(hk_root *root, const char *path, hk_diag *diag, uint64_t *ret)
{
	return read_u64(&(struct loc){root, NULL, path, NULL}, diag, ret);
}

int hk_root_read_s64(hk_root *root, const char *path, hk_diag *diag, int64_t *ret)
{
	return read_s64(&(struct loc){root, NULL, path, NULL}, diag, ret);
}

int hk_root_read_bool(hk_root *root, const char *path, hk_diag *diag, bool *ret)
{
	const struct loc l = {root, NULL, path, NULL};
	char buf[64];
	const char *p = NULL;
	size_t len = 0;
	bool v;

	int r = read_value(&l, diag, "boolean", buf, sizeof(buf), &p, &len);
	if (r < 0)
		return r;
	r = hk_parse_bool(p, len, &v);
	if (r < 0)
		return parse_error(diag, r, path, "boolean", p, len, false);
	*ret = v;
	return 0;
}

int hk_root_read_string(hk_root *root, const char *path, char **ret)
{
	char *buf;
	size_t len;

	int r = hk_root_read(root, path, &buf, &len);
	if (r < 0)
		return r;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = 0;
	*ret = buf;
	return 0;
}

typedef int (*set_parser)(hk_cpuset *s, const char *buf, size_t len);

static int read_set(const struct loc *l, hk_diag *diag, hk_cpuset *set, set_parser parse,
		    const char *what)
{
	_cleanup_free_ char *heap = NULL;
	char stack[4096];
	const char *p = stack;
	size_t len;

	/* Most masks and lists are short; a big machine's may not be. */
	int n = read_buf(l, stack, sizeof(stack));
	if (n == -EFBIG) {
		int r = read_all(l, &heap, &len);
		if (r < 0)
			return r;
		p = heap;
	} else if (n < 0) {
		return n;
	} else {
		len = (size_t)n;
	}

	/*
	 * Two ways old kernels write an empty nohz_full: "(null)", and on
	 * CentOS 7's 3.10 "\0\n" (hwloc's 32intel64-2p8co2t+8ve tree). The
	 * value ends at a NUL, which no list or mask holds.
	 */
	const char *nul = memchr(p, 0, len);
	if (nul)
		len = (size_t)(nul - p);
	hk_trim(&p, &len);
	if (len == 6 && memcmp(p, "(null)", 6) == 0)
		len = 0;

	int r = parse(set, p, len);
	if (r < 0)
		return parse_error(diag, r, l->path, what, p, len, false);
	return 0;
}

int hk_root_read_cpulist(hk_root *root, const char *path, hk_diag *diag, hk_cpuset *set)
{
	return read_set(&(struct loc){root, NULL, path, NULL}, diag, set, hk_cpuset_parse_list,
			"CPU list");
}

int hk_root_read_cpumask(hk_root *root, const char *path, hk_diag *diag, hk_cpuset *set)
{
	return read_set(&(struct loc){root, NULL, path, NULL}, diag, set, hk_cpuset_parse_mask,
			"CPU mask");
}

/* The same readers for a file @name of an open directory. */
#define DIR_LOC(d, name, full)                                                                     \
	(&(struct loc){(d)->root, (d), rootdir_join((d), (name), (full), sizeof(full)), (name)})

int hk_rootdir_read_buf(const hk_rootdir *d, const char *name, char *buf, size_t size)
{
	char full[PATH_MAX];
	return read_buf(DIR_LOC(d, name, full), buf, size);
}

int hk_rootdir_read(const hk_rootdir *d, const char *name, char **ret_buf, size_t *ret_len)
{
	char full[PATH_MAX];
	return read_all(DIR_LOC(d, name, full), ret_buf, ret_len);
}

int hk_rootdir_read_u64(const hk_rootdir *d, const char *name, hk_diag *diag, uint64_t *ret)
{
	char full[PATH_MAX];
	return read_u64(DIR_LOC(d, name, full), diag, ret);
}

int hk_rootdir_read_s64(const hk_rootdir *d, const char *name, hk_diag *diag, int64_t *ret)
{
	char full[PATH_MAX];
	return read_s64(DIR_LOC(d, name, full), diag, ret);
}

int hk_rootdir_read_cpulist(const hk_rootdir *d, const char *name, hk_diag *diag, hk_cpuset *set)
{
	char full[PATH_MAX];
	return read_set(DIR_LOC(d, name, full), diag, set, hk_cpuset_parse_list, "CPU list");
}

int hk_rootdir_read_cpumask(const hk_rootdir *d, const char *name, hk_diag *diag, hk_cpuset *set)
{
	char full[PATH_MAX];
	return read_set(DIR_LOC(d, name, full), diag, set, hk_cpuset_parse_mask, "CPU mask");
}

int hk_root_readlink(hk_root *root, const char *path, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -EBADF;
	const char *rel = skip_slashes(path), *base;

	/* Resolve the parent inside the root; the link itself is not followed. */
	const char *slash = strrchr(rel, '/');
	if (slash) {
		dir = strndup(rel, (size_t)(slash - rel));
		if (!dir)
			return -ENOMEM;
		base = slash + 1;
	} else {
		base = rel;
	}
	if (!*base)
		return -EINVAL;
	if (root->rec)
		record(root, rel, HK_ROOT_RECORDED_LINK, false);
	dfd = hk_root_open_file(root, dir ? dir : ".", O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return dfd;

	for (size_t size = 256;; size *= 2) {
		_cleanup_free_ char *buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		ssize_t n = readlinkat(dfd, base, buf, size);
		if (n < 0)
			return negative_errno();
		if ((size_t)n < size) {
			buf[n] = 0;
			*ret = TAKE_PTR(buf);
			return 0;
		}
		if (size > 65536)
			return -ENAMETOOLONG;
	}
}

static bool same_value(const char *a, size_t alen, const char *b, size_t blen)
{
	hk_trim(&a, &alen);
	hk_trim(&b, &blen);
	return alen == blen && memcmp(a, b, alen) == 0;
}

int hk_root_write(hk_root *root, const char *path, const char *value, unsigned flags, hk_diag *diag)
{
	_cleanup_free_ char *cur = NULL;
	size_t curlen, vlen = strlen(value);
	int r;

	if (!root->writable)
		return hk_diag_set(diag, -EROFS, path,
				   "cannot write %s: the root '%s' is read only", path, root->path);

	/* Write-only files (and unreadable ones) are simply written. */
	if (hk_root_read(root, path, &cur, &curlen) >= 0 && same_value(cur, curlen, value, vlen))
		return 0;

	int oflags = O_WRONLY;
	if (!root->live)
		oflags |= O_TRUNC; /* a regular file must not keep a longer old tail */
	_cleanup_close_ int fd = hk_root_open_file(root, path, oflags);
	if (fd < 0)
		return hk_diag_set(diag, fd, path, "cannot open %s for writing: %s", path,
				   strerror(-fd));

	/* sysfs and procfs take a value in one write(2); a short write is a refusal. */
	ssize_t k;
	do
		k = write(fd, value, vlen);
	while (k < 0 && errno == EINTR);
	if (k < 0) {
		r = negative_errno();
		return hk_diag_set(diag, r, path, "cannot write '%s' to %s: %s", value, path,
				   strerror(-r));
	}
	if ((size_t)k != vlen)
		return hk_diag_set(diag, -EIO, path, "short write of '%s' to %s", value, path);

	if (flags & HK_WRITE_NO_VERIFY)
		return 1;

	_cleanup_free_ char *back = NULL;
	size_t backlen;
	r = hk_root_read(root, path, &back, &backlen);
	if (r < 0)
		return hk_diag_set(diag, r, path, "cannot read back %s: %s", path, strerror(-r));
	if (!same_value(back, backlen, value, vlen)) {
		const char *b = back;
		hk_trim(&b, &backlen);
		return hk_diag_set(diag, -EREMOTEIO, path,
				   "%s accepted '%s' but holds '%.*s' afterwards", path, value,
				   (int)MIN(backlen, 128u), b);
	}
	return 1;
}
