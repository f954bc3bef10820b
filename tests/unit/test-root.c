/* SPDX-License-Identifier: MIT */
/*
 * The root handle, on small trees this test builds under a mkdtemp()
 * directory and removes at exit, failed checks or not.
 *
 * Layout of the scratch directory:
 *
 *   BASE/secret        a file outside the tree that no lookup may reach
 *   BASE/empty/        a directory that is not a captured tree
 *   BASE/tree/         the captured tree: proc/, sys/, etc/, dev/
 *
 * The confinement checks run three more times in child processes whose
 * seccomp filter makes openat2() fail, so the user-space resolution the
 * handle falls back to on old kernels and in old containers is held to the
 * same rules.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hostkit/root.h>

#include "base/macro.h"
#include "base/rootdir.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)
#define _cleanup_root_	 _cleanup_(hk_root_freep)
#define _cleanup_cpuset_ _cleanup_(hk_cpuset_freep)

static char base[PATH_MAX];
static char tree[PATH_MAX];

/* Escapes deep enough to reach the host's "/" from anywhere under BASE. */
#define UP12 "../../../../../../../../../../../../"

static const char secret_text[] = "HOST SECRET: never read through the root\n";

static void die(const char *what, const char *path)
{
	fprintf(stderr, "setup: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/* BASE-relative or tree-relative paths, made absolute in a static ring. */
static const char *at(const char *dir, const char *rel)
{
	static char ring[8][PATH_MAX];
	static unsigned next;
	char *p = ring[next++ % ELEMENTSOF(ring)];

	if (snprintf(p, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX)
		die("path too long:", rel);
	return p;
}

static void mkdir_p(const char *abs)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", abs);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			die("mkdir", p);
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		die("mkdir", p);
}

static void parent_of(const char *abs)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", abs);
	char *slash = strrchr(p, '/');
	if (slash && slash != p) {
		*slash = 0;
		mkdir_p(p);
	}
}

static void put_len(const char *abs, const char *data, size_t len)
{
	parent_of(abs);
	int fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("create", abs);
	if (write(fd, data, len) != (ssize_t)len)
		die("write", abs);
	close(fd);
}

/* Writes a file of the tree, creating its directories. */
static void put(const char *rel, const char *data)
{
	put_len(at(tree, rel), data, strlen(data));
}

static void link_to(const char *rel, const char *target)
{
	const char *abs = at(tree, rel);

	parent_of(abs);
	if (symlink(target, abs) < 0)
		die("symlink", abs);
}

/* The file's bytes as the host sees them, or NULL. Caller frees. */
static char *host_read(const char *abs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(abs, "re");

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, 0, f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

/* A text of @len bytes that is not periodic in any power of two. */
static char *pattern(size_t len)
{
	char *p = malloc(len + 1);

	if (!p)
		exit(1);
	for (size_t i = 0; i < len; i++)
		p[i] = (i % 61 == 60) ? '\n' : (char)('a' + (i * 7 + i / 61) % 26);
	p[len] = 0;
	return p;
}

static void build_tree(void)
{
	/* Removed at exit, by this process only: its children _exit(). */
	int r = harness_mkdtemp("hk-test-root-XXXXXX", base, sizeof(base));
	if (r >= 0)
		r = harness_remove_at_exit(base);
	if (r < 0) {
		errno = -r;
		die("mkdtemp", base);
	}
	if (snprintf(tree, sizeof(tree), "%s/tree", base) >= (int)sizeof(tree))
		die("path too long:", base);

	put_len(at(base, "secret"), secret_text, strlen(secret_text));
	mkdir_p(at(base, "empty"));

	mkdir_p(at(tree, "proc"));
	put("etc/passwd", "in-root passwd\n");
	put("etc/hostname", "in-root hostname\n");
	put("sys/devices/system/cpu/online", "0-3\n");

	/* sysfs style: relative links between class/, bus/ and devices/. */
	put("sys/devices/pci0000:00/0000:00:03.0/net/eth0/mtu", "1500\n");
	put("sys/devices/pci0000:00/0000:00:03.0/numa_node", "1\n");
	link_to("sys/class/net/eth0", "../../devices/pci0000:00/0000:00:03.0/net/eth0");
	link_to("sys/bus/pci/devices/0000:00:03.0", "../../../devices/pci0000:00/0000:00:03.0");
	link_to("sys/devices/pci0000:00/0000:00:03.0/net/eth0/device", "../../../0000:00:03.0");
	/* Absolute links, as a capture of a chroot may hold: "/" is the tree. */
	link_to("sys/abs/cpu", "/sys/devices/system/cpu");
	link_to("sys/abs/online", "/sys/devices/system/cpu/online");

	/* Links that try to leave the tree. */
	link_to("sys/escape/passwd", UP12 "etc/passwd");
	link_to("sys/escape/hostname", "/etc/hostname");
	link_to("sys/escape/root", "/");
	link_to("sys/escape/updir", UP12);
	link_to("sys/escape/secret_rel", "../../../secret"); /* BASE/secret unconfined */
	link_to("sys/escape/secret_abs", at(base, "secret"));
	link_to("sys/escape/chain", "root/sys/escape/passwd");
	link_to("sys/escape/loop", "loop");
	link_to("sys/escape/dangling", "../nonexistent");

	/* Single-value files for the typed readers. */
	put("sys/t/u64", "42\n");
	put("sys/t/u64_blank", "  4096  \n");
	put("sys/t/u64_max", "18446744073709551615\n");
	put("sys/t/u64_over", "18446744073709551616\n");
	put("sys/t/u64_neg", "-1\n");
	put("sys/t/u64_junk", "12abc\n");
	put("sys/t/u64_ctrl", "1\0332\n");
	put("sys/t/empty", "");
	put("sys/t/newline", "\n");
	put("sys/t/s64_minus1", "-1\n");
	put("sys/t/s64_min", "-9223372036854775808\n");
	put("sys/t/s64_max", "9223372036854775807\n");
	put("sys/t/s64_over", "9223372036854775808\n");
	put("sys/t/s64_junk", "1e3\n");
	put("sys/t/bool_junk", "maybe\n");
	put("sys/t/bool_2", "2\n");
	put("sys/t/string", "hello world\n");
	put("sys/t/string2", "two\nlines\n\n");
	put("sys/t/list", "0-3,8\n");
	put("sys/t/list_null", "(null)\n");
	put("sys/t/list_null_blank", " (null) ");
	/* CentOS 7's 3.10 writes an empty nohz_full as "\0\n"; a NUL ends any value. */
	put_len(at(tree, "sys/t/list_nul"), "\0\n", 2);
	put_len(at(tree, "sys/t/list_nul_junk"), "1-3\0junk", 8);
	put("sys/t/list_junk", "0-x\n");
	put("sys/t/list_stride", "0-15:2/4\n");
	put("sys/t/mask", "ff,00000001\n");
	put("sys/t/mask_zero", "00000000,00000000\n");
	put("sys/t/mask_junk", "xyz\n");
	put("sys/t/ten", "0123456789");
	put("sys/t/w", "42\n");

	char junk[101];
	memset(junk, 'x', 100);
	junk[100] = 0;
	put("sys/t/u64_long", junk);

	/* A CPU list longer than the readers' 4096-byte stack buffer. */
	char *list = malloc(8 * 4096);
	size_t n = 0;
	for (unsigned cpu = 0; cpu < 8192; cpu += 2)
		n += (size_t)sprintf(list + n, "%s%u", cpu ? "," : "", cpu);
	list[n++] = '\n';
	put_len(at(tree, "sys/t/list_big"), list, n);
	free(list);

	_cleanup_free_ char *p5k = pattern(5000), *p200k = pattern(200003);
	put_len(at(tree, "sys/t/big5k"), p5k, 5000);
	put_len(at(tree, "sys/t/big200k"), p200k, 200003);
	_cleanup_free_ char *p4095 = pattern(4095), *p4096 = pattern(4096);
	put_len(at(tree, "sys/t/big4095"), p4095, 4095);
	put_len(at(tree, "sys/t/big4096"), p4096, 4096);

	/* A link target longer than readlink's first 256-byte try. */
	char longt[301];
	memset(longt, 'L', 300);
	longt[300] = 0;
	link_to("sys/t/longlink", longt);
}

/* Reads @path and checks it holds @want, or fails with @err when @want is NULL. */
static void check_read_at(int line, hk_root *root, const char *path, const char *want, int err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = hk_root_read(root, path, &buf, &len);

	if (want) {
		if (r < 0 || len != strlen(want) || strcmp(buf, want) != 0) {
			fprintf(stderr,
				"test-root.c:%d: read %s = %d (%s) '%.60s', expected '%s'\n", line,
				path, r, r < 0 ? test_errname(r) : "ok", buf ? buf : "", want);
			test_failures++;
		}
		return;
	}
	if (r != err) {
		fprintf(stderr, "test-root.c:%d: read %s = %d (%s) '%.60s', expected %s\n", line,
			path, r, r < 0 ? test_errname(r) : "ok", r >= 0 ? buf : "",
			test_errname(err));
		test_failures++;
	}
	/* Whatever the error, the host's text must never come back. */
	if (r >= 0 && strstr(buf, "HOST SECRET")) {
		fprintf(stderr, "test-root.c:%d: %s read a file outside the root\n", line, path);
		test_failures++;
	}
}
#define check_read(root, path, want)	check_read_at(__LINE__, root, path, want, 0)
#define check_read_err(root, path, err) check_read_at(__LINE__, root, path, NULL, err)

/* A diag that names @path in both its path and its message. */
#define CHECK_DIAG_NAMES(d, err, p)                                                                \
	do {                                                                                       \
		CHECK((d).error == (err));                                                         \
		CHECK_STREQ((d).path, (p));                                                        \
		CHECK(strstr((d).message, (p)) != NULL);                                           \
	} while (0)

static void test_open(void)
{
	hk_diag d;
	hk_root *root;

	/* The live host, however "/" is spelled. */
	static const char *const slashes[] = {"/", "//", "/.", "/tmp/..", ""};
	for (unsigned i = 0; i < ELEMENTSOF(slashes); i++) {
		CHECK_OK(hk_root_open(slashes[i], 0, NULL, &root));
		CHECK(hk_root_is_live(root));
		hk_root_free(root);
	}
	CHECK_OK(hk_root_open(NULL, 0, NULL, &root));
	CHECK(hk_root_is_live(root));
	CHECK_STREQ(hk_root_path(root), "/");
	hk_root_free(root);
	hk_root_free(NULL);

	/* A captured tree, by any spelling, is not live. */
	CHECK_OK(hk_root_open(tree, 0, NULL, &root));
	CHECK(!hk_root_is_live(root));
	CHECK_STREQ(hk_root_path(root), tree);
	hk_root_free(root);
	CHECK_OK(hk_root_open(at(tree, "."), 0, NULL, &root));
	CHECK(!hk_root_is_live(root));
	hk_root_free(root);

	/* proc/ alone or sys/ alone is enough. */
	mkdir_p(at(base, "only-proc/proc"));
	mkdir_p(at(base, "only-sys/sys"));
	CHECK_OK(hk_root_open(at(base, "only-proc"), 0, NULL, &root));
	hk_root_free(root);
	CHECK_OK(hk_root_open(at(base, "only-sys"), 0, NULL, &root));
	hk_root_free(root);

	/* A directory without proc/ or sys/. */
	const char *empty = at(base, "empty");
	root = (hk_root *)0x1;
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_open(empty, 0, &d, &root), -EINVAL);
	CHECK(root == (hk_root *)0x1); /* ret is written only on success */
	CHECK_DIAG_NAMES(d, -EINVAL, empty);

	/* sys and proc that are files, not directories, do not make a tree. */
	put_len(at(base, "files/sys"), "", 0);
	put_len(at(base, "files/proc"), "", 0);
	CHECK_ERR(hk_root_open(at(base, "files"), 0, NULL, &root), -EINVAL);

	const char *missing = at(base, "missing");
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_open(missing, 0, &d, &root), -ENOENT);
	CHECK_DIAG_NAMES(d, -ENOENT, missing);
	CHECK_ERR(hk_root_open(at(tree, "etc/passwd"), 0, NULL, &root), -ENOTDIR);
	CHECK_ERR(hk_root_open(tree, 0x80, NULL, &root), -EINVAL);

	/* Unknown flags, beside a known one too, on a tree or the live host. */
	root = (hk_root *)0x1;
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_open(tree, HK_ROOT_WRITABLE | 0x80, &d, &root), -EINVAL);
	CHECK(root == (hk_root *)0x1);
	CHECK_DIAG_NAMES(d, -EINVAL, tree);
	CHECK(strstr(d.message, "0x80") != NULL);
	CHECK_ERR(hk_root_open(tree, 1u << 31, NULL, &root), -EINVAL);
	CHECK_ERR(hk_root_open("/", 0x80, NULL, &root), -EINVAL);
	CHECK(root == (hk_root *)0x1);
}

static void test_read(hk_root *root)
{
	char buf[64];

	check_read(root, "sys/devices/system/cpu/online", "0-3\n");
	check_read(root, "/sys/devices/system/cpu/online", "0-3\n");
	check_read(root, "//sys//devices/./system/cpu/online", "0-3\n");
	check_read(root, "sys/t/empty", "");
	check_read_err(root, "sys/t/missing", -ENOENT);
	check_read_err(root, "sys/t", -EISDIR);
	check_read_err(root, "sys/t/ten/x", -ENOTDIR);

	/* Sizes around the first buffer, and far past it. */
	static const struct {
		const char *path;
		size_t len;
	} big[] = {
	    {"sys/t/big4095", 4095},
	    {"sys/t/big4096", 4096},
	    {"sys/t/big5k", 5000},
	    {"sys/t/big200k", 200003},
	};
	for (unsigned i = 0; i < ELEMENTSOF(big); i++) {
		_cleanup_free_ char *want = pattern(big[i].len), *got = NULL;
		size_t len = 0;
		CHECK_OK(hk_root_read(root, big[i].path, &got, &len));
		CHECK_EQ_U64(len, big[i].len);
		CHECK(got && memcmp(got, want, big[i].len) == 0 && got[big[i].len] == 0);
	}
	_cleanup_free_ char *nolen = NULL;
	CHECK_OK(hk_root_read(root, "sys/t/ten", &nolen, NULL));
	CHECK_STREQ(nolen, "0123456789");

	/* read_buf: exactly full, one byte too many, too small a buffer. */
	CHECK_EQ_S64(hk_root_read_buf(root, "sys/t/ten", buf, 11), 10);
	CHECK_STREQ(buf, "0123456789");
	CHECK_ERR(hk_root_read_buf(root, "sys/t/ten", buf, 10), -EFBIG);
	CHECK_ERR(hk_root_read_buf(root, "sys/t/big5k", buf, sizeof(buf)), -EFBIG);
	CHECK_ERR(hk_root_read_buf(root, "sys/t/ten", buf, 1), -EINVAL);
	CHECK_EQ_S64(hk_root_read_buf(root, "sys/t/empty", buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "");
	CHECK_ERR(hk_root_read_buf(root, "sys/t/missing", buf, sizeof(buf)), -ENOENT);
}

/*
 * hk_root_read on a stream that reports no size and hands its bytes over
 * in pieces: a pipe, reached through the live root's /proc/self/fd.
 */
static void test_read_stream(void)
{
	_cleanup_root_ hk_root *live = NULL;
	_cleanup_free_ char *want = pattern(150001), *got = NULL;
	int fds[2];
	size_t len = 0;
	char path[64];

	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe", "");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", "");
	if (pid == 0) {
		close(fds[0]);
		for (size_t off = 0; off < 150001;) {
			ssize_t k = write(fds[1], want + off, MIN((size_t)1000, 150001 - off));
			if (k <= 0)
				_exit(1);
			off += (size_t)k;
		}
		_exit(0);
	}
	close(fds[1]);
	CHECK_OK(hk_root_open("/", 0, NULL, &live));
	snprintf(path, sizeof(path), "proc/self/fd/%d", fds[0]);
	if (live)
		CHECK_OK(hk_root_read(live, path, &got, &len));
	CHECK_EQ_U64(len, 150001);
	CHECK(got && memcmp(got, want, 150001) == 0);
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

/*
 * kernfs hands out at most a page per read(2): a sysfs binary attribute
 * longer than a page must be read whole on the live root, not stop at its
 * first short read. BTF is the one such file most kernels have.
 */
static void test_read_live_sysfs(void)
{
	_cleanup_root_ hk_root *live = NULL;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	if (stat("/sys/kernel/btf/vmlinux", &st) < 0 || st.st_size <= 2 * 4096 ||
	    access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		printf("note: no readable /sys/kernel/btf/vmlinux: paged sysfs reads not tested\n");
		return;
	}
	CHECK_OK(hk_root_open("/", 0, NULL, &live));
	if (live)
		CHECK_OK(hk_root_read(live, "sys/kernel/btf/vmlinux", &buf, &len));
	CHECK_EQ_U64(len, (uint64_t)st.st_size);
	/* BTF starts with its magic, 0xeb9f, in the machine's byte order. */
	CHECK(buf && len >= 2 && *(const uint16_t *)(const void *)buf == 0xeb9f);
}

static void test_typed(hk_root *root)
{
	uint64_t u;
	int64_t s;
	bool b;
	hk_diag d;

	CHECK_OK(hk_root_read_u64(root, "sys/t/u64", NULL, &u));
	CHECK_EQ_U64(u, 42);
	CHECK_OK(hk_root_read_u64(root, "sys/t/u64_blank", NULL, &u));
	CHECK_EQ_U64(u, 4096);
	CHECK_OK(hk_root_read_u64(root, "sys/t/u64_max", NULL, &u));
	CHECK_EQ_U64(u, UINT64_MAX);
	CHECK_ERR(hk_root_read_u64(root, "sys/t/missing", NULL, &u), -ENOENT);

	/* Junk: -EINVAL (or -ERANGE) with a message naming the file and the text. */
	static const struct {
		const char *path, *text;
		int err;
	} bad_u64[] = {
	    {"sys/t/u64_junk", "'12abc'", -EINVAL},
	    {"sys/t/u64_neg", "'-1'", -EINVAL},
	    {"sys/t/u64_over", "'18446744073709551616'", -ERANGE},
	    {"sys/t/empty", "''", -EINVAL},
	    {"sys/t/newline", "''", -EINVAL},
	    {"sys/t/u64_ctrl", "'1?2'", -EINVAL},
	    {"sys/t/u64_long", "xxxx...'", -EINVAL},
	};
	for (unsigned i = 0; i < ELEMENTSOF(bad_u64); i++) {
		u = 4242;
		hk_diag_clear(&d);
		CHECK_ERR(hk_root_read_u64(root, bad_u64[i].path, &d, &u), bad_u64[i].err);
		CHECK_EQ_U64(u, 4242);
		CHECK_DIAG_NAMES(d, bad_u64[i].err, bad_u64[i].path);
		if (!strstr(d.message, bad_u64[i].text)) {
			fprintf(stderr, "test-root.c:%d: '%s' does not quote %s\n", __LINE__,
				d.message, bad_u64[i].text);
			test_failures++;
		}
		CHECK(!strchr(d.message, '\n') && !strchr(d.message, '\033'));
	}

	CHECK_OK(hk_root_read_s64(root, "sys/t/s64_minus1", NULL, &s));
	CHECK_EQ_S64(s, -1);
	CHECK_OK(hk_root_read_s64(root, "sys/t/s64_min", NULL, &s));
	CHECK_EQ_S64(s, INT64_MIN);
	CHECK_OK(hk_root_read_s64(root, "sys/t/s64_max", NULL, &s));
	CHECK_EQ_S64(s, INT64_MAX);
	CHECK_OK(hk_root_read_s64(root, "sys/t/u64", NULL, &s));
	CHECK_EQ_S64(s, 42);
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_read_s64(root, "sys/t/s64_over", &d, &s), -ERANGE);
	CHECK_DIAG_NAMES(d, -ERANGE, "sys/t/s64_over");
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_read_s64(root, "sys/t/s64_junk", &d, &s), -EINVAL);
	CHECK_DIAG_NAMES(d, -EINVAL, "sys/t/s64_junk");
	CHECK(strstr(d.message, "'1e3'") != NULL);
	CHECK_ERR(hk_root_read_s64(root, "sys/t/u64_long", NULL, &s), -EINVAL);
	CHECK_ERR(hk_root_read_s64(root, "sys/t/missing", NULL, &s), -ENOENT);

	static const struct {
		const char *text;
		bool value;
	} bools[] = {
	    {"1", true},    {"0", false},     {"y", true},     {"n", false},	{"Y", true},
	    {"N", false},   {"yes", true},    {"no", false},   {"on", true},	{"off", false},
	    {"true", true}, {"false", false}, {" on\n", true}, {"1\n\n", true},
	};
	for (unsigned i = 0; i < ELEMENTSOF(bools); i++) {
		char path[64];
		snprintf(path, sizeof(path), "sys/t/bool%u", i);
		put(path, bools[i].text);
		b = !bools[i].value;
		CHECK_OK(hk_root_read_bool(root, path, NULL, &b));
		if (b != bools[i].value) {
			fprintf(stderr, "test-root.c:%d: bool '%s' read as %d\n", __LINE__,
				bools[i].text, b);
			test_failures++;
		}
	}
	static const char *const bad_bools[] = {"sys/t/bool_junk", "sys/t/bool_2", "sys/t/empty",
						"sys/t/u64_long"};
	for (unsigned i = 0; i < ELEMENTSOF(bad_bools); i++) {
		hk_diag_clear(&d);
		CHECK_ERR(hk_root_read_bool(root, bad_bools[i], &d, &b), -EINVAL);
		CHECK_DIAG_NAMES(d, -EINVAL, bad_bools[i]);
	}
	CHECK(strstr(d.message, "boolean") != NULL);
	CHECK_ERR(hk_root_read_bool(root, "sys/t/missing", NULL, &b), -ENOENT);

	char *str = NULL;
	CHECK_OK(hk_root_read_string(root, "sys/t/string", &str));
	CHECK_STREQ(str, "hello world");
	free(str);
	str = NULL;
	CHECK_OK(hk_root_read_string(root, "sys/t/string2", &str));
	CHECK_STREQ(str, "two\nlines");
	free(str);
	str = NULL;
	CHECK_OK(hk_root_read_string(root, "sys/t/empty", &str));
	CHECK_STREQ(str, "");
	free(str);
	str = NULL;
	CHECK_OK(hk_root_read_string(root, "sys/t/newline", &str));
	CHECK_STREQ(str, "");
	free(str);
	CHECK_ERR(hk_root_read_string(root, "sys/t/missing", &str), -ENOENT);
}

/* Checks that @s holds exactly the CPUs of list @want. */
static void check_set_at(int line, const hk_cpuset *s, const char *want)
{
	char got[256];

	hk_cpuset_format_list(s, got, sizeof(got));
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "test-root.c:%d: set is '%s', expected '%s'\n", line, got, want);
		test_failures++;
	}
}
#define check_set(s, want) check_set_at(__LINE__, s, want)

static void test_sets(hk_root *root)
{
	_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();
	hk_diag d;

	if (!s)
		exit(1);
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list", NULL, s));
	check_set(s, "0-3,8");
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list_stride", NULL, s));
	check_set(s, "0-1,4-5,8-9,12-13");
	/* Old kernels write "(null)" for an empty nohz_full; new ones "\n". */
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list_null", NULL, s));
	check_set(s, "");
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list", NULL, s));
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/newline", NULL, s));
	check_set(s, "");
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list", NULL, s));
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/empty", NULL, s));
	check_set(s, "");
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list", NULL, s));
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list_null_blank", NULL, s));
	check_set(s, "");
	/* The value ends at a NUL: "\0\n" is empty, and what follows a NUL is not read. */
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list", NULL, s));
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list_nul", NULL, s));
	check_set(s, "");
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list_nul_junk", NULL, s));
	check_set(s, "1-3");

	/* Longer than the 4096-byte stack buffer: read from the heap. */
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list_big", NULL, s));
	CHECK_EQ_U64(hk_cpuset_count(s), 4096);
	CHECK_EQ_S64(hk_cpuset_first(s), 0);
	CHECK_EQ_S64(hk_cpuset_last(s), 8190);
	CHECK(!hk_cpuset_test(s, 1));

	/* Junk leaves the set as it was. */
	CHECK_OK(hk_root_read_cpulist(root, "sys/t/list", NULL, s));
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_read_cpulist(root, "sys/t/list_junk", &d, s), -EINVAL);
	CHECK_DIAG_NAMES(d, -EINVAL, "sys/t/list_junk");
	CHECK(strstr(d.message, "'0-x'") != NULL);
	check_set(s, "0-3,8");
	CHECK_ERR(hk_root_read_cpulist(root, "sys/t/missing", NULL, s), -ENOENT);

	CHECK_OK(hk_root_read_cpumask(root, "sys/t/mask", NULL, s));
	check_set(s, "0,32-39");
	CHECK_OK(hk_root_read_cpumask(root, "sys/t/mask_zero", NULL, s));
	check_set(s, "");
	CHECK_OK(hk_root_read_cpumask(root, "sys/t/u64", NULL, s));
	check_set(s, "1,6");
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_read_cpumask(root, "sys/t/mask_junk", &d, s), -EINVAL);
	CHECK_DIAG_NAMES(d, -EINVAL, "sys/t/mask_junk");
	CHECK(strstr(d.message, "'xyz'") != NULL);
	check_set(s, "1,6");
}

static void test_dir_and_links(hk_root *root)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	char *target = NULL;
	unsigned n = 0;

	/* sysfs style relative links resolve inside the tree. */
	check_read(root, "sys/class/net/eth0/mtu", "1500\n");
	check_read(root, "sys/bus/pci/devices/0000:00:03.0/numa_node", "1\n");
	check_read(root, "sys/class/net/eth0/device/numa_node", "1\n");
	check_read(root, "sys/class/net/eth0/device/net/eth0/device/net/eth0/mtu", "1500\n");
	/* Absolute links resolve against the tree's "/". */
	check_read(root, "sys/abs/online", "0-3\n");
	check_read(root, "sys/abs/cpu/online", "0-3\n");

	CHECK(hk_root_exists(root, "sys/class/net/eth0"));
	CHECK(hk_root_exists(root, "sys/class/net/eth0/mtu"));
	CHECK(hk_root_exists(root, "sys"));
	CHECK(hk_root_exists(root, "/"));
	CHECK(!hk_root_exists(root, "sys/class/net/eth1"));
	CHECK(!hk_root_exists(root, "sys/escape/dangling"));

	CHECK_OK(hk_root_readlink(root, "sys/class/net/eth0", &target));
	CHECK_STREQ(target, "../../devices/pci0000:00/0000:00:03.0/net/eth0");
	free(target);
	target = NULL;
	/* The parents are resolved (inside the root), the link itself is not. */
	CHECK_OK(
	    hk_root_readlink(root, "sys/bus/pci/devices/0000:00:03.0/net/eth0/device", &target));
	CHECK_STREQ(target, "../../../0000:00:03.0");
	free(target);
	target = NULL;
	CHECK_OK(hk_root_readlink(root, "/sys/escape/hostname", &target));
	CHECK_STREQ(target, "/etc/hostname");
	free(target);
	target = NULL;
	CHECK_OK(hk_root_readlink(root, "sys/escape/updir/sys/escape/secret_rel", &target));
	CHECK_STREQ(target, "../../../secret");
	free(target);
	target = NULL;
	CHECK_OK(hk_root_readlink(root, "sys/t/longlink", &target));
	CHECK(target && strlen(target) == 300 && strspn(target, "L") == 300);
	free(target);
	target = NULL;
	CHECK_ERR(hk_root_readlink(root, "sys/t/u64", &target), -EINVAL);
	CHECK_ERR(hk_root_readlink(root, "sys/t/", &target), -EINVAL);
	CHECK_ERR(hk_root_readlink(root, "sys/class/net/eth1", &target), -ENOENT);
	CHECK_ERR(hk_root_readlink(root, "sys/nope/eth0", &target), -ENOENT);
	CHECK(target == NULL);

	CHECK_OK(hk_root_opendir(root, "sys/class/net", &dir));
	while (dir && (de = readdir(dir)))
		if (de->d_name[0] != '.') {
			CHECK_STREQ(de->d_name, "eth0");
			n++;
		}
	CHECK_EQ_U64(n, 1);
	DIR *d2 = NULL;
	CHECK_ERR(hk_root_opendir(root, "sys/t/u64", &d2), -ENOTDIR);
	CHECK_ERR(hk_root_opendir(root, "sys/none", &d2), -ENOENT);
	CHECK(d2 == NULL);

	int fd = hk_root_open_file(root, "sys/class/net/eth0/mtu", O_RDONLY);
	CHECK_OK(fd);
	if (fd >= 0) {
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
}

/*
 * Lookups that try to leave the tree: each gets the file inside the root,
 * or an error; never BASE/secret, the host's /etc files, or a write to
 * anything outside. @rw is @ro's tree opened writable.
 */
static void check_confinement(hk_root *ro, hk_root *rw)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;

	check_read(ro, UP12 "etc/passwd", "in-root passwd\n");
	check_read(ro, "sys/../../../../etc/hostname", "in-root hostname\n");
	check_read(ro, "/etc/passwd", "in-root passwd\n");
	check_read(ro, "sys/escape/passwd", "in-root passwd\n");
	check_read(ro, "sys/escape/hostname", "in-root hostname\n");
	check_read(ro, "sys/escape/root/etc/passwd", "in-root passwd\n");
	check_read(ro, "sys/escape/root/sys/escape/root/etc/hostname", "in-root hostname\n");
	check_read(ro, "sys/escape/updir/etc/passwd", "in-root passwd\n");
	check_read(ro, "sys/escape/updir/sys/class/net/eth0/mtu", "1500\n");
	check_read(ro, "sys/escape/chain", "in-root passwd\n");
	check_read(ro, "sys/class/net/eth0/../../../../../../../../etc/passwd", "in-root passwd\n");
	check_read(ro, "sys/abs/cpu/online", "0-3\n");

	/* BASE/secret is one level above the tree: reachable only by escaping. */
	check_read_err(ro, "../secret", -ENOENT);
	check_read_err(ro, "sys/escape/secret_rel", -ENOENT);
	check_read_err(ro, "sys/escape/secret_abs", -ENOENT);
	check_read_err(ro, at(base, "secret"), -ENOENT);
	check_read_err(ro, "sys/escape/loop", -ELOOP);
	check_read_err(ro, "sys/escape/dangling", -ENOENT);
	CHECK(!hk_root_exists(ro, "sys/escape/secret_rel"));
	CHECK(!hk_root_exists(ro, "sys/escape/secret_abs"));
	CHECK(!hk_root_exists(ro, "../secret"));
	CHECK(hk_root_exists(ro, "sys/escape/root"));

	/* "/" through a link is the tree's top, not the host's. */
	unsigned n = 0;
	bool saw_sys = false;
	CHECK_OK(hk_root_opendir(ro, "sys/escape/root", &dir));
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		saw_sys |= strcmp(de->d_name, "sys") == 0;
		CHECK(strcmp(de->d_name, "usr") != 0 && strcmp(de->d_name, "tmp") != 0);
	}
	CHECK(saw_sys);
	CHECK_EQ_U64(n, 4); /* dev, etc, proc, sys */

	/* Writes through escaping links and paths land inside or nowhere. */
	static const char *const escapes[] = {"../secret", "sys/escape/secret_rel",
					      "sys/escape/secret_abs", UP12 "secret"};
	for (unsigned i = 0; i < ELEMENTSOF(escapes); i++) {
		hk_diag d;
		hk_diag_clear(&d);
		CHECK_ERR(hk_root_write(rw, escapes[i], "pwned", 0, &d), -ENOENT);
		CHECK(d.error == -ENOENT && strstr(d.message, escapes[i]));
		CHECK_ERR(hk_root_open_file(rw, escapes[i], O_WRONLY), -ENOENT);
	}
	CHECK(access(at(tree, "secret"), F_OK) < 0);

	/* O_CREAT through a link that escapes creates its target in the tree. */
	CHECK_ERR(hk_root_open_file(rw, "sys/escape/secret_abs", O_WRONLY | O_CREAT), -ENOENT);
	int fd = hk_root_open_file(rw, "sys/escape/secret_rel", O_WRONLY | O_CREAT);
	CHECK_OK(fd);
	if (fd >= 0)
		close(fd);
	CHECK(access(at(tree, "secret"), F_OK) == 0);
	unlink(at(tree, "secret"));
	CHECK(access(at(tree, "tmp"), F_OK) < 0);

	_cleanup_free_ char *secret = host_read(at(base, "secret"));
	CHECK_STREQ(secret, secret_text);
}

static int install_seccomp(int err)
{
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = ELEMENTSOF(filter), .filter = filter};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	/* The filter is in place: openat2() now fails as on an old kernel. */
	struct open_how how = {.flags = O_PATH};
	if (syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how)) >= 0 || errno != err)
		return -EPROTO;
	return 0;
}

/*
 * Runs the confinement checks in a child where openat2() fails with @err.
 * @open_first: open the roots before the filter, so the handle only finds
 * out on its first lookup.
 */
static void confinement_without_openat2(int err, bool open_first, const char *what)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", "");
	if (pid == 0) {
		hk_root *ro = NULL, *rw = NULL;
		int r;

		test_failures = 0;
		if (open_first && (hk_root_open(tree, 0, NULL, &ro) < 0 ||
				   hk_root_open(tree, HK_ROOT_WRITABLE, NULL, &rw) < 0))
			_exit(1);
		r = install_seccomp(err);
		if (r < 0) {
			printf("note: no seccomp filter (%s): %s not tested\n", test_errname(r),
			       what);
			fflush(stdout);
			_exit(77);
		}
		if (!open_first) {
			CHECK_OK(hk_root_open(tree, 0, NULL, &ro));
			CHECK_OK(hk_root_open(tree, HK_ROOT_WRITABLE, NULL, &rw));
		}
		if (ro && rw) {
			test_read(ro);
			test_dir_and_links(ro);
			check_confinement(ro, rw);
		}
		hk_root_free(ro);
		hk_root_free(rw);
		fflush(NULL);
		_exit(test_failures ? 1 : 0);
	}

	int status;
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid", "");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "test-root.c: confinement %s failed (status 0x%x)\n", what,
			(unsigned)status);
		test_failures++;
	}
}

/*
 * A FIFO in a captured tree, with no process at its other end: reading it
 * must come back at once (an error, or nothing), not wait for a writer that
 * never comes; writing it must not wait for a reader. In a child, so that
 * alarm(5) turns a hang into a failure rather than a stuck CI job; with
 * @without_openat2, in the user-space lookup of old kernels.
 */
static void test_fifo(bool without_openat2)
{
	const char *fifo = at(tree, "sys/t/fifo");
	const char *what = without_openat2 ? "without openat2" : "with openat2";

	if (mkfifo(fifo, 0644) < 0 && errno != EEXIST)
		die("mkfifo", fifo);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", "");
	if (pid == 0) {
		_cleanup_free_ char *buf = NULL;
		_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();
		hk_root *ro = NULL, *rw = NULL;
		char small[16];
		size_t len = 4242;

		test_failures = 0;
		if (!s)
			_exit(1);
		if (without_openat2) {
			int r = install_seccomp(ENOSYS);
			if (r < 0) {
				printf("note: no seccomp filter (%s): FIFO %s not tested\n",
				       test_errname(r), what);
				fflush(stdout);
				_exit(77);
			}
		}
		alarm(5);
		CHECK_OK(hk_root_open(tree, 0, NULL, &ro));
		CHECK_OK(hk_root_open(tree, HK_ROOT_WRITABLE, NULL, &rw));
		if (ro && rw) {
			int r = hk_root_read(ro, "sys/t/fifo", &buf, &len);
			if (r >= 0 && (len != 0 || !buf || buf[0])) {
				fprintf(stderr, "test-root.c:%d: FIFO read %zu bytes\n", __LINE__,
					len);
				test_failures++;
			}
			r = hk_root_read_buf(ro, "sys/t/fifo", small, sizeof(small));
			CHECK(r <= 0);
			r = hk_root_read_cpulist(ro, "sys/t/fifo", NULL, s);
			CHECK(r < 0 || hk_cpuset_is_empty(s));
			/* Nobody reads it: opening it to write fails at once too. */
			CHECK_ERR(hk_root_write(rw, "sys/t/fifo", "1", 0, NULL), -ENXIO);
		}
		alarm(0);
		hk_root_free(ro);
		hk_root_free(rw);
		fflush(NULL);
		_exit(test_failures ? 1 : 0);
	}

	int status;
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid", "");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		fprintf(stderr, "test-root.c: a FIFO in the tree hung its reader (%s)\n", what);
		test_failures++;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "test-root.c: FIFO checks %s failed (status 0x%x)\n", what,
			(unsigned)status);
		test_failures++;
	}
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static void test_write(hk_root *ro, hk_root *rw)
{
	const char *w = at(tree, "sys/t/w");
	const struct timespec old = {.tv_sec = 978307200}; /* 2001-01-01 */
	struct timespec times[2] = {old, old};
	struct stat st;
	hk_diag d;

	put("sys/t/w", "42\n");
	if (utimensat(AT_FDCWD, w, times, 0) < 0)
		die("utimensat", w);

	/* A root not opened writable refuses, whatever the file's mode. */
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_write(ro, "sys/t/w", "7", 0, &d), -EROFS);
	CHECK_DIAG_NAMES(d, -EROFS, "sys/t/w");
	CHECK(strstr(d.message, tree) != NULL);
	CHECK_ERR(hk_root_write(ro, "sys/t/w", "42", 0, NULL), -EROFS);
	CHECK_ERR(hk_root_open_file(ro, "sys/t/w", O_WRONLY), -EROFS);
	CHECK_ERR(hk_root_open_file(ro, "sys/t/w", O_RDWR), -EROFS);
	CHECK_ERR(hk_root_open_file(ro, "sys/t/w", O_RDONLY | O_TRUNC), -EROFS);
	CHECK_ERR(hk_root_open_file(ro, "sys/t/new", O_RDONLY | O_CREAT), -EROFS);
	CHECK(access(at(tree, "sys/t/new"), F_OK) < 0);
	_cleanup_free_ char *unchanged = host_read(w);
	CHECK_STREQ(unchanged, "42\n");
	CHECK(stat(w, &st) == 0 && same_time(&st.st_mtim, &old));

	/* The same value, blanks and newline aside: no write at all. */
	CHECK_EQ_S64(hk_root_write(rw, "sys/t/w", "42", 0, NULL), 0);
	CHECK_EQ_S64(hk_root_write(rw, "sys/t/w", " 42\n", 0, NULL), 0);
	CHECK(stat(w, &st) == 0 && same_time(&st.st_mtim, &old));

	/* A new value is written whole (no tail of the longer old one) and checked. */
	CHECK_EQ_S64(hk_root_write(rw, "sys/t/w", "7", 0, NULL), 1);
	_cleanup_free_ char *now = host_read(w);
	CHECK_STREQ(now, "7");
	CHECK(stat(w, &st) == 0 && !same_time(&st.st_mtim, &old));
	check_read(rw, "sys/t/w", "7");
	CHECK_EQ_S64(hk_root_write(rw, "/sys/t/w", "8\n", HK_WRITE_NO_VERIFY, NULL), 1);
	check_read(ro, "sys/t/w", "8\n");

	/* Through a sysfs style link. */
	CHECK_EQ_S64(hk_root_write(rw, "sys/class/net/eth0/mtu", "9000", 0, NULL), 1);
	check_read(ro, "sys/devices/pci0000:00/0000:00:03.0/net/eth0/mtu", "9000");
	CHECK_EQ_S64(hk_root_write(rw, "sys/class/net/eth0/mtu", "1500\n", 0, NULL), 1);
	check_read(ro, "sys/class/net/eth0/mtu", "1500\n");

	/* Writes never create files. */
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_write(rw, "sys/t/absent", "1", 0, &d), -ENOENT);
	CHECK_DIAG_NAMES(d, -ENOENT, "sys/t/absent");
	CHECK(access(at(tree, "sys/t/absent"), F_OK) < 0);

	/*
	 * A file that takes a value and then ignores it, as some sysfs
	 * attributes do. A regular file cannot play that part, nor can a
	 * FIFO without a second process standing in for the kernel; a null
	 * device inside the tree can, for it accepts every write and reads
	 * back empty. Making one needs CAP_MKNOD and a mount without nodev.
	 */
	const char *null = at(tree, "dev/null");
	mkdir_p(at(tree, "dev"));
	if (mknod(null, S_IFCHR | 0666, makedev(1, 3)) < 0) {
		printf("note: cannot mknod %s (%s): -EREMOTEIO not tested\n", null,
		       strerror(errno));
		mkdir_p(at(tree, "dev/null"));
		return;
	}
	int fd = open(null, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("note: cannot open %s (%s): -EREMOTEIO not tested\n", null, strerror(errno));
		return;
	}
	close(fd);
	link_to("sys/t/ignores", "/dev/null");
	hk_diag_clear(&d);
	CHECK_ERR(hk_root_write(rw, "sys/t/ignores", "1", 0, &d), -EREMOTEIO);
	CHECK_DIAG_NAMES(d, -EREMOTEIO, "sys/t/ignores");
	CHECK(strstr(d.message, "'1'") && strstr(d.message, "''"));
	CHECK_EQ_S64(hk_root_write(rw, "sys/t/ignores", "1", HK_WRITE_NO_VERIFY, NULL), 1);
	CHECK_ERR(hk_root_write(ro, "sys/t/ignores", "1", 0, NULL), -EROFS);
}

/* The kinds recorded for @path, or -1 when it was not recorded. */
static int recorded_kinds(hk_root *root, const char *path)
{
	for (size_t i = 0; i < hk_root_recorded_count(root); i++) {
		unsigned kinds = 0;
		const char *p = hk_root_recorded_get(root, i, &kinds);
		if (p && strcmp(p, path) == 0)
			return (int)kinds;
	}
	return -1;
}

/* Every recorded path stays inside the tree: no "..", no leading '/', it exists there. */
static void check_recorded_inside(hk_root *root)
{
	for (size_t i = 0; i < hk_root_recorded_count(root); i++) {
		const char *p = hk_root_recorded_get(root, i, NULL);
		struct stat st;

		CHECK(p && p[0] != '/' && strstr(p, "..") == NULL);
		CHECK(p && lstat(at(tree, p), &st) == 0);
	}
}

static void test_recording(hk_root *plain)
{
	_cleanup_root_ hk_root *root = NULL;
	_cleanup_free_ char *buf = NULL, *target = NULL;
	DIR *d = NULL;
	uint64_t v;
	size_t len;

	/* Off by default: a plain root records nothing and says so. */
	CHECK_OK(hk_root_read(plain, "sys/t/u64", &buf, &len));
	free(TAKE_PTR(buf));
	CHECK_EQ_U64(hk_root_recorded_count(plain), 0);
	CHECK(hk_root_recorded_get(plain, 0, NULL) == NULL);

	CHECK_OK(hk_root_open(tree, HK_ROOT_RECORD, NULL, &root));
	if (!root)
		return;
	CHECK_EQ_U64(hk_root_recorded_count(root), 0);

	/* A file read, once or twice: one entry, "opened". */
	CHECK_OK(hk_root_read_u64(root, "sys/t/u64", NULL, &v));
	CHECK_OK(hk_root_read_u64(root, "/sys/t/u64", NULL, &v));
	CHECK_EQ_S64(recorded_kinds(root, "sys/t/u64"), HK_ROOT_RECORDED_OPENED);
	CHECK_EQ_U64(hk_root_recorded_count(root), 1);

	/* A path with "." and "..": recorded as it resolves. */
	CHECK_OK(hk_root_read(root, "sys/./t/../t/string", &buf, &len));
	free(TAKE_PTR(buf));
	CHECK_EQ_S64(recorded_kinds(root, "sys/t/string"), HK_ROOT_RECORDED_OPENED);

	/* A listed directory. */
	CHECK_OK(hk_root_opendir(root, "sys/devices/system/cpu", &d));
	if (d)
		closedir(d);
	CHECK(recorded_kinds(root, "sys/devices/system/cpu") & HK_ROOT_RECORDED_LISTED);

	/* A relative link chain: each link and where it leads. */
	CHECK_OK(hk_root_read(root, "sys/class/net/eth0/device/numa_node", &buf, &len));
	free(TAKE_PTR(buf));
	CHECK_EQ_S64(recorded_kinds(root, "sys/class/net/eth0"), HK_ROOT_RECORDED_LINK);
	CHECK_EQ_S64(recorded_kinds(root, "sys/devices/pci0000:00/0000:00:03.0/net/eth0/device"),
		     HK_ROOT_RECORDED_LINK);
	CHECK_EQ_S64(recorded_kinds(root, "sys/devices/pci0000:00/0000:00:03.0/numa_node"),
		     HK_ROOT_RECORDED_OPENED);
	/* Not the path through the links. */
	CHECK_EQ_S64(recorded_kinds(root, "sys/class/net/eth0/device/numa_node"), -1);

	/* An absolute link: its target from the tree's "/". */
	CHECK_OK(hk_root_read(root, "sys/abs/online", &buf, &len));
	free(TAKE_PTR(buf));
	CHECK_EQ_S64(recorded_kinds(root, "sys/abs/online"), HK_ROOT_RECORDED_LINK);
	CHECK_EQ_S64(recorded_kinds(root, "sys/devices/system/cpu/online"),
		     HK_ROOT_RECORDED_OPENED);

	/* hk_root_exists() stats a path: recorded; a missing path is not. */
	CHECK(hk_root_exists(root, "etc/hostname"));
	CHECK_EQ_S64(recorded_kinds(root, "etc/hostname"), HK_ROOT_RECORDED_OPENED);
	CHECK(!hk_root_exists(root, "sys/nonexistent"));
	CHECK_EQ_S64(recorded_kinds(root, "sys/nonexistent"), -1);

	/* readlink: the link itself, not followed. */
	CHECK_OK(hk_root_readlink(root, "sys/bus/pci/devices/0000:00:03.0", &target));
	CHECK_EQ_S64(recorded_kinds(root, "sys/bus/pci/devices/0000:00:03.0"),
		     HK_ROOT_RECORDED_LINK);

	/* A directory opened for many reads (hk_rootdir), as the topology does. */
	CHECK_OK(hk_root_read(root, "sys/abs/cpu/online", &buf, &len));
	free(TAKE_PTR(buf));
	CHECK(recorded_kinds(root, "sys/abs/cpu") & HK_ROOT_RECORDED_LINK);

	/* Links out of the tree: what they resolve to inside it, nothing outside. */
	CHECK_OK(hk_root_read(root, "sys/escape/passwd", &buf, &len));
	free(TAKE_PTR(buf));
	CHECK_EQ_S64(recorded_kinds(root, "sys/escape/passwd"), HK_ROOT_RECORDED_LINK);
	CHECK_EQ_S64(recorded_kinds(root, "etc/passwd"), HK_ROOT_RECORDED_OPENED);
	CHECK_OK(hk_root_read(root, "sys/escape/chain", &buf, &len));
	free(TAKE_PTR(buf));
	CHECK_EQ_S64(recorded_kinds(root, "sys/escape/root"), HK_ROOT_RECORDED_LINK);
	CHECK_ERR(hk_root_read(root, "sys/escape/secret_rel", &buf, &len), -ENOENT);
	CHECK_ERR(hk_root_read(root, "sys/escape/loop", &buf, &len), -ELOOP);
	CHECK_ERR(hk_root_read(root, "sys/escape/dangling", &buf, &len), -ENOENT);
	CHECK_EQ_S64(recorded_kinds(root, "sys/escape/loop"), HK_ROOT_RECORDED_LINK);
	check_recorded_inside(root);
	CHECK(hk_root_recorded_get(root, hk_root_recorded_count(root), NULL) == NULL);

	/* Many paths: the hash table grows and keeps every one. */
	for (unsigned i = 0; i < 3000; i++) {
		char p[64];
		snprintf(p, sizeof(p), "sys/t/../t/u64");
		if (i % 2)
			snprintf(p, sizeof(p), "sys/t/string");
		CHECK(hk_root_exists(root, p));
	}
	size_t n = hk_root_recorded_count(root);
	CHECK(n < 40);
}

/*
 * A capture's hostkit/capture-errors: the files the captured host refused
 * to read answer on the tree with the errno the host gave, not ENOENT, so
 * that `--root` on a capture says "unreadable" (or "needs root") where the
 * live host did.
 */
static void test_refused(void)
{
	char t[PATH_MAX];
	hk_root *r = NULL;
	char buf[64];

	if (harness_mkdtemp("hk-test-refused-XXXXXX", t, sizeof(t)) < 0)
		die("mkdtemp", "refused");
	/* The harness removes one tree at exit (the main one): this one goes at the end. */
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/proc/sys/vm/swappiness", t);
	put_len(p, "60\n", 3);
	snprintf(p, sizeof(p), "%s/sys/devices/virtual/net/ifb0/mtu", t);
	put_len(p, "1500\n", 5);
	snprintf(p, sizeof(p), "%s/hostkit/capture-errors", t);
	const char *errors = "proc/sys/vm/drop_caches: EACCES (Permission denied)\n"
			     "sys/devices/virtual/net/ifb0/speed: Invalid argument\n"
			     "proc/1/environ: EPERM (not saved: it may hold secrets)\n"
			     "proc/sys/vm/swappiness: EACCES (Permission denied)\n"
			     "sys/a:b/c: ENOENT (No such file or directory)\n"
			     "garbage line\n";
	put_len(p, errors, strlen(errors));

	if (CHECK_OK(hk_root_open(t, 0, NULL, &r)) < 0) {
		harness_remove_tree(t);
		return;
	}
	CHECK_ERR(hk_root_read_buf(r, "proc/sys/vm/drop_caches", buf, sizeof(buf)), -EACCES);
	CHECK_ERR(hk_root_read_buf(r, "proc/1/environ", buf, sizeof(buf)), -EPERM);
	/* The older "PATH: text" form, and through a directory handle. */
	hk_rootdir d;
	if (CHECK_OK(hk_rootdir_open(r, "sys/devices/virtual/net/ifb0", &d)) == 0) {
		CHECK_ERR(hk_rootdir_read_buf(&d, "speed", buf, sizeof(buf)), -EINVAL);
		CHECK(hk_rootdir_read_buf(&d, "mtu", buf, sizeof(buf)) == 5);
		CHECK_ERR(hk_rootdir_read_buf(&d, "carrier", buf, sizeof(buf)), -ENOENT);
		hk_rootdir_close(&d);
	}
	/* A file the tree has wins; a path not listed is absent. */
	CHECK(hk_root_read_buf(r, "proc/sys/vm/swappiness", buf, sizeof(buf)) == 3);
	CHECK_ERR(hk_root_read_buf(r, "proc/sys/vm/overcommit_memory", buf, sizeof(buf)), -ENOENT);
	CHECK_ERR(hk_root_read_buf(r, "sys/a:b/c", buf, sizeof(buf)), -ENOENT);
	hk_root_free(r);
	harness_remove_tree(t);
}

int main(void)
{
	_cleanup_root_ hk_root *ro = NULL, *rw = NULL;

	/* A reader that goes away (| head) must not stop the cleanup at exit. */
	signal(SIGPIPE, SIG_IGN);
	build_tree();
	test_open();

	if (hk_root_open(tree, 0, NULL, &ro) < 0 ||
	    hk_root_open(tree, HK_ROOT_WRITABLE, NULL, &rw) < 0) {
		fprintf(stderr, "cannot open %s as a root\n", tree);
		return 1;
	}
	test_read(ro);
	test_read_stream();
	test_fifo(false);
	test_fifo(true);
	test_read_live_sysfs();
	test_typed(ro);
	test_sets(ro);
	test_dir_and_links(ro);
	test_write(ro, rw);
	test_recording(ro);
	test_refused();
	check_confinement(ro, rw);

	/* The same rules where openat2() is missing or forbidden. */
	confinement_without_openat2(ENOSYS, false, "without openat2 (ENOSYS)");
	confinement_without_openat2(EPERM, false, "with openat2 denied (EPERM)");
	confinement_without_openat2(ENOSYS, true, "with openat2 lost after open");

	TEST_DONE();
}
