/* SPDX-License-Identifier: MIT */
/*
 * Sysctls: key and path conversion (dotted and slash forms, '/' standing for
 * '.' in dotted keys), value parsing (integers, vectors, big and negative
 * numbers), the table, and hk_sysctl_read() on a tree built under a
 * mkdtemp() directory (present, absent, unreadable, malformed, directory),
 * and hk_sysctl_list_dir() on it.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/sysctl.h>

#include "base/macro.h"
#include "host/sysctl.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_sysctl *, hk_sysctl_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
#define _cleanup_sysctl_ _cleanup_(hk_sysctl_freep)

static void test_key_to_path(void)
{
	static const struct {
		const char *key;
		const char *path;
	} cases[] = {
	    {"vm.swappiness", "vm/swappiness"},
	    {"vm/swappiness", "vm/swappiness"},
	    {"net.core.netdev_budget", "net/core/netdev_budget"},
	    /* In dotted form, '/' stands for a '.' inside a name (a VLAN device). */
	    {"net.ipv4.conf.eth0/1.forwarding", "net/ipv4/conf/eth0.1/forwarding"},
	    /* In slash form, a '.' is a '.'. */
	    {"net/ipv4/conf/eth0.1/forwarding", "net/ipv4/conf/eth0.1/forwarding"},
	    {"fs.dir-notify-enable", "fs/dir-notify-enable"},
	    {"kernel.pty.max", "kernel/pty/max"},
	    {"kernel", "kernel"},
	    /* Dotted "a./b" is the component ".b" of "a". */
	    {"a./b", "a/.b"},
	};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *path = NULL;
		CHECK_OK(hk_sysctl_key_to_path(cases[i].key, strlen(cases[i].key), &path));
		CHECK_STREQ(path, cases[i].path);
	}

	static const char *const bad[] = {"",	   ".",	     "/",	"vm.",	  ".vm",
					  "vm..x", "vm//x",  "vm/../x", "vm/./x", "vm/.",
					  "vm/..", "../etc", "/vm/x"};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		_cleanup_free_ char *path = NULL;
		int r = hk_sysctl_key_to_path(bad[i], strlen(bad[i]), &path);
		if (r != -EINVAL)
			fprintf(stderr, "key '%s' gave %d (%s)\n", bad[i], r, path ? path : "");
		CHECK_ERR(r, -EINVAL);
		CHECK(path == NULL);
	}
	/* A NUL inside the key. */
	char *path = NULL;
	CHECK_ERR(hk_sysctl_key_to_path("vm.\0x", 5, &path), -EINVAL);
	/* "vm.a..b" in dotted form: a/ / b? No: ".." in dotted form is an empty component. */
	CHECK_ERR(hk_sysctl_key_to_path("vm.a..b", 7, &path), -EINVAL);
	/* But "a/..b" is a slash path whose component "..b" is a name. */
	CHECK_OK(hk_sysctl_key_to_path("a/..b", 5, &path));
	CHECK_STREQ(path, "a/..b");
	free(path);
}

static void test_path_to_key(void)
{
	static const struct {
		const char *path;
		const char *key;
	} cases[] = {
	    {"vm/swappiness", "vm.swappiness"},
	    {"net/ipv4/conf/eth0.1/forwarding", "net.ipv4.conf.eth0/1.forwarding"},
	    {"kernel/pty/nr", "kernel.pty.nr"},
	};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *key = NULL, *back = NULL;
		CHECK_OK(hk_sysctl_path_to_key(cases[i].path, strlen(cases[i].path), &key));
		CHECK_STREQ(key, cases[i].key);
		/* And back. */
		if (key) {
			CHECK_OK(hk_sysctl_key_to_path(key, strlen(key), &back));
			CHECK_STREQ(back, cases[i].path);
		}
	}
	char *key = NULL;
	CHECK_ERR(hk_sysctl_path_to_key("", 0, &key), -EINVAL);
	CHECK_ERR(hk_sysctl_path_to_key("vm//x", 5, &key), -EINVAL);
	CHECK_ERR(hk_sysctl_path_to_key("vm/../x", 7, &key), -EINVAL);
	CHECK(key == NULL);
}

static void test_integers(void)
{
	hk_sysctl_int *v = NULL;
	unsigned n = 0;

	/* vm.lowmem_reserve_ratio: tab separated, newline ended. */
	const char *lowmem = "256\t256\t32\t0\t0\n";
	CHECK_OK(hk_sysctl_parse_integers(lowmem, strlen(lowmem), &v, &n));
	CHECK_EQ_U64(n, 5);
	if (v && n == 5) {
		CHECK_EQ_U64(v[0].magnitude, 256);
		CHECK_EQ_U64(v[2].magnitude, 32);
		CHECK_EQ_U64(v[4].magnitude, 0);
		CHECK(!v[0].negative);
	}
	free(v);
	v = NULL;

	/* kernel.acct: "4\t2\t30". */
	CHECK_OK(hk_sysctl_parse_integers("4\t2\t30", 6, &v, &n));
	CHECK_EQ_U64(n, 3);
	if (v && n == 3) {
		CHECK_EQ_U64(v[0].magnitude, 4);
		CHECK_EQ_U64(v[1].magnitude, 2);
		CHECK_EQ_U64(v[2].magnitude, 30);
	}
	free(v);
	v = NULL;

	/* Blanks of any kind and number around and between. */
	CHECK_OK(hk_sysctl_parse_integers("  1   -2 \t 3 \n", 14, &v, &n));
	CHECK_EQ_U64(n, 3);
	if (v && n == 3) {
		CHECK(v[1].negative);
		CHECK_EQ_U64(v[1].magnitude, 2);
	}
	free(v);
	v = NULL;

	/* kernel.shmmax: above INT64_MAX. */
	const char *shmmax = "18446744073692774399\n";
	CHECK_OK(hk_sysctl_parse_integers(shmmax, strlen(shmmax), &v, &n));
	if (v)
		CHECK_EQ_U64(v[0].magnitude, 18446744073692774399ull);
	free(v);
	v = NULL;

	/* The extremes, and "-0", which is no negative number. */
	const char *ext = "-9223372036854775808 18446744073709551615 -0";
	CHECK_OK(hk_sysctl_parse_integers(ext, strlen(ext), &v, &n));
	CHECK_EQ_U64(n, 3);
	if (v && n == 3) {
		CHECK(v[0].negative);
		CHECK_EQ_U64(v[0].magnitude, 9223372036854775808ull);
		CHECK_EQ_U64(v[1].magnitude, UINT64_MAX);
		CHECK(!v[2].negative);
		CHECK_EQ_U64(v[2].magnitude, 0);
	}
	free(v);
	v = NULL;

	static const struct {
		const char *text;
		int r;
	} bad[] = {
	    {"", -EINVAL},
	    {" \n", -EINVAL},
	    {"1 x", -EINVAL},
	    {"1.5", -EINVAL},
	    {"+1", -EINVAL},
	    {"--1", -EINVAL},
	    {"0x10", -EINVAL},
	    {"18446744073709551616", -ERANGE},
	    {"-9223372036854775809", -ERANGE},
	};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		v = NULL;
		CHECK_ERR(hk_sysctl_parse_integers(bad[i].text, strlen(bad[i].text), &v, &n),
			  bad[i].r);
		CHECK(v == NULL);
	}
}

static void test_guess(void)
{
	static const struct {
		const char *text;
		hk_sysctl_type type;
	} cases[] = {
	    {"60", HK_SYSCTL_INTEGER},
	    {"-1", HK_SYSCTL_INTEGER},
	    {"4\t2\t30", HK_SYSCTL_VECTOR},
	    {"4096\t87380\t6291456", HK_SYSCTL_VECTOR},
	    {"core", HK_SYSCTL_STRING},
	    {"", HK_SYSCTL_STRING},
	    {"0-3", HK_SYSCTL_STRING},
	    {"1 two", HK_SYSCTL_STRING},
	    {"|/usr/lib/systemd %P", HK_SYSCTL_STRING},
	};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++)
		CHECK_STREQ(
		    hk_sysctl_type_name(hk_sysctl_guess_type(cases[i].text, strlen(cases[i].text))),
		    hk_sysctl_type_name(cases[i].type));
	CHECK_STREQ(hk_sysctl_type_name((hk_sysctl_type)99), "unknown");
	CHECK_STREQ(hk_sysctl_section_name((hk_sysctl_section)99), "unknown");
	CHECK(hk_sysctl_section_of("vm.swappiness") == HK_SYSCTL_VM);
	CHECK(hk_sysctl_section_of("kernel.pty.max") == HK_SYSCTL_KERNEL);
	CHECK(hk_sysctl_section_of("fs.mount-max") == HK_SYSCTL_FS);
	CHECK(hk_sysctl_section_of("net.core.busy_poll") == HK_SYSCTL_NET);
	CHECK(hk_sysctl_section_of("vmx.y") == HK_SYSCTL_OTHER);
	CHECK(hk_sysctl_section_of("user.max_user_namespaces") == HK_SYSCTL_OTHER);
}

static void test_table(void)
{
	/* The keys the issue names, each in the table with its type. */
	static const struct {
		const char *key;
		hk_sysctl_type type;
	} named[] = {
	    {"vm.lowmem_reserve_ratio", HK_SYSCTL_VECTOR},
	    {"vm.min_free_kbytes", HK_SYSCTL_INTEGER},
	    {"vm.dirtytime_expire_seconds", HK_SYSCTL_INTEGER},
	    {"vm.zone_reclaim_mode", HK_SYSCTL_INTEGER},
	    {"kernel.numa_balancing_scan_size_mb", HK_SYSCTL_INTEGER},
	    {"kernel.acct", HK_SYSCTL_VECTOR},
	    {"kernel.keys.maxkeys", HK_SYSCTL_INTEGER},
	    {"kernel.pty.nr", HK_SYSCTL_INTEGER},
	    {"kernel.watchdog_cpumask", HK_SYSCTL_CPULIST},
	    {"kernel.sched_rt_runtime_us", HK_SYSCTL_INTEGER},
	    {"fs.dir-notify-enable", HK_SYSCTL_INTEGER},
	    {"fs.mount-max", HK_SYSCTL_INTEGER},
	    {"net.core.rps_sock_flow_entries", HK_SYSCTL_INTEGER},
	    {"net.core.busy_read", HK_SYSCTL_INTEGER},
	};
	for (unsigned i = 0; i < ELEMENTSOF(named); i++) {
		const hk_sysctl_info *info = hk_sysctl_lookup(named[i].key);
		CHECK(info != NULL);
		if (info) {
			CHECK_STREQ(hk_sysctl_info_key(info), named[i].key);
			CHECK(hk_sysctl_info_type(info) == named[i].type);
		}
	}
	/* Slash form finds the same entry. */
	CHECK(hk_sysctl_lookup("kernel/pty/max") == hk_sysctl_lookup("kernel.pty.max"));
	CHECK(hk_sysctl_lookup("vm.nope") == NULL);
	CHECK(hk_sysctl_lookup("vm..x") == NULL);
	CHECK(hk_sysctl_lookup(NULL) == NULL);

	unsigned n = hk_sysctl_n_known();
	CHECK(n >= 75);
	CHECK(hk_sysctl_known(n) == NULL);
	hk_sysctl_section last = HK_SYSCTL_VM;
	for (unsigned i = 0; i < n; i++) {
		const hk_sysctl_info *info = hk_sysctl_known(i);
		const char *key = hk_sysctl_info_key(info);
		_cleanup_free_ char *path = NULL, *back = NULL;
		/* Keys are canonical: dotted, and back from their path unchanged. */
		CHECK_OK(hk_sysctl_key_to_path(key, strlen(key), &path));
		if (path)
			CHECK_OK(hk_sysctl_path_to_key(path, strlen(path), &back));
		CHECK_STREQ(back, key);
		CHECK(hk_sysctl_info_section(info) == hk_sysctl_section_of(key));
		CHECK(hk_sysctl_info_meaning(info) && *hk_sysctl_info_meaning(info));
		/* Grouped by section, vm first. */
		CHECK(hk_sysctl_info_section(info) >= last);
		last = hk_sysctl_info_section(info);
		for (unsigned k = 0; k < i; k++)
			CHECK(strcmp(hk_sysctl_info_key(hk_sysctl_known(k)), key) != 0);
	}
}

/* ------------------------------------------------------------------------ */
/* hk_sysctl_read() on a tree */

static char base[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void write_file(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	for (char *p = path + strlen(base) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		(void)mkdir(path, 0755);
		*p = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "cannot write %s: %m\n", path);
		exit(1);
	}
	close(fd);
}

static hk_sysctl *read_ok(hk_root *root, const char *key)
{
	hk_sysctl *s = NULL;
	hk_diag diag;

	hk_diag_clear(&diag);
	int r = hk_sysctl_read(root, key, &diag, &s);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", key, diag.message);
	CHECK_OK(r);
	return s;
}

static void test_read(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	int64_t sv;
	uint64_t uv;
	hk_diag diag;

	write_file("proc/sys/vm/swappiness", "60\n");
	write_file("proc/sys/vm/lowmem_reserve_ratio", "256\t256\t32\t0\t0\n");
	write_file("proc/sys/kernel/acct", "4\t2\t30\n");
	write_file("proc/sys/kernel/watchdog_cpumask", "0-3,8\n");
	write_file("proc/sys/kernel/shmmax", "18446744073692774399\n");
	write_file("proc/sys/kernel/msg_next_id", "-1\n");
	write_file("proc/sys/kernel/core_pattern", "|/usr/lib/systemd/systemd-coredump %P %u\n");
	write_file("proc/sys/kernel/tainted", "0\n");
	write_file("proc/sys/net/ipv4/conf/eth0.1/forwarding", "1\n");
	write_file("proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
	write_file("proc/sys/vm/overcommit_memory", "two\n");
	write_file("proc/sys/vm/min_free_kbytes", "1 2\n");
	char loop[PATH_MAX * 2];
	snprintf(loop, sizeof(loop), "%s/proc/sys/vm/drop_caches", base);
	/* A link to itself: the read fails (ELOOP), which is "unreadable". */
	CHECK_EQ_S64(symlink("drop_caches", loop), 0);

	CHECK_OK(hk_root_open(base, 0, NULL, &root));
	if (!root)
		return;

	_cleanup_sysctl_ hk_sysctl *s = read_ok(root, "vm.swappiness");
	if (s) {
		CHECK_STREQ(hk_sysctl_key(s), "vm.swappiness");
		CHECK_STREQ(hk_sysctl_path(s), "proc/sys/vm/swappiness");
		CHECK(hk_sysctl_get_state(s) == HK_SYSCTL_PRESENT);
		CHECK(hk_sysctl_get_type(s) == HK_SYSCTL_INTEGER);
		CHECK(hk_sysctl_get_section(s) == HK_SYSCTL_VM);
		CHECK(hk_sysctl_get_info(s) == hk_sysctl_lookup("vm.swappiness"));
		CHECK_STREQ(hk_sysctl_text(s), "60");
		CHECK_EQ_U64(hk_sysctl_n_values(s), 1);
		CHECK_OK(hk_sysctl_value_u64(s, 0, &uv));
		CHECK_EQ_U64(uv, 60);
		CHECK_ERR(hk_sysctl_value_u64(s, 1, &uv), -ERANGE);
		CHECK(hk_sysctl_cpus(s) == NULL);
		CHECK_EQ_S64(hk_sysctl_error(s), 0);
	}

	/* Slash form: the same sysctl, keyed in dotted form. */
	_cleanup_sysctl_ hk_sysctl *slash = read_ok(root, "vm/swappiness");
	if (slash)
		CHECK_STREQ(hk_sysctl_key(slash), "vm.swappiness");

	_cleanup_sysctl_ hk_sysctl *vec = read_ok(root, "vm.lowmem_reserve_ratio");
	if (vec) {
		CHECK(hk_sysctl_get_type(vec) == HK_SYSCTL_VECTOR);
		CHECK_EQ_U64(hk_sysctl_n_values(vec), 5);
		CHECK_OK(hk_sysctl_value_s64(vec, 2, &sv));
		CHECK_EQ_S64(sv, 32);
		CHECK_STREQ(hk_sysctl_text(vec), "256\t256\t32\t0\t0");
	}
	_cleanup_sysctl_ hk_sysctl *acct = read_ok(root, "kernel.acct");
	if (acct) {
		CHECK_EQ_U64(hk_sysctl_n_values(acct), 3);
		CHECK_OK(hk_sysctl_value_u64(acct, 2, &uv));
		CHECK_EQ_U64(uv, 30);
	}
	_cleanup_sysctl_ hk_sysctl *mask = read_ok(root, "kernel.watchdog_cpumask");
	if (mask) {
		CHECK(hk_sysctl_get_type(mask) == HK_SYSCTL_CPULIST);
		CHECK(hk_sysctl_cpus(mask) != NULL);
		if (hk_sysctl_cpus(mask)) {
			CHECK_EQ_U64(hk_cpuset_count(hk_sysctl_cpus(mask)), 5);
			CHECK(hk_cpuset_test(hk_sysctl_cpus(mask), 8));
		}
		CHECK_EQ_U64(hk_sysctl_n_values(mask), 0);
	}
	_cleanup_sysctl_ hk_sysctl *big = read_ok(root, "kernel.shmmax");
	if (big) {
		CHECK_OK(hk_sysctl_value_u64(big, 0, &uv));
		CHECK_EQ_U64(uv, 18446744073692774399ull);
		CHECK_ERR(hk_sysctl_value_s64(big, 0, &sv), -ERANGE);
		CHECK(!hk_sysctl_value_negative(big, 0));
	}
	_cleanup_sysctl_ hk_sysctl *neg = read_ok(root, "kernel.msg_next_id");
	if (neg) {
		CHECK(hk_sysctl_value_negative(neg, 0));
		CHECK_OK(hk_sysctl_value_s64(neg, 0, &sv));
		CHECK_EQ_S64(sv, -1);
		CHECK_ERR(hk_sysctl_value_u64(neg, 0, &uv), -ERANGE);
	}

	/* Keys outside the table: the type is guessed from the text. */
	_cleanup_sysctl_ hk_sysctl *str = read_ok(root, "kernel.core_pattern");
	if (str) {
		CHECK(hk_sysctl_get_info(str) == NULL);
		CHECK(hk_sysctl_get_type(str) == HK_SYSCTL_STRING);
		CHECK_STREQ(hk_sysctl_text(str), "|/usr/lib/systemd/systemd-coredump %P %u");
		CHECK_EQ_U64(hk_sysctl_n_values(str), 0);
	}
	_cleanup_sysctl_ hk_sysctl *tcp = read_ok(root, "net.ipv4.tcp_rmem");
	if (tcp) {
		CHECK(hk_sysctl_get_type(tcp) == HK_SYSCTL_VECTOR);
		CHECK(hk_sysctl_get_section(tcp) == HK_SYSCTL_NET);
		CHECK_EQ_U64(hk_sysctl_n_values(tcp), 3);
	}
	_cleanup_sysctl_ hk_sysctl *vlan = read_ok(root, "net.ipv4.conf.eth0/1.forwarding");
	if (vlan) {
		CHECK_STREQ(hk_sysctl_path(vlan), "proc/sys/net/ipv4/conf/eth0.1/forwarding");
		CHECK(hk_sysctl_get_type(vlan) == HK_SYSCTL_INTEGER);
	}

	/* Absent: a missing file, or a file where a directory should be. */
	static const char *const absent[] = {"kernel.numa_balancing_scan_delay_ms",
					     "vm.swappiness.x", "debug.nothing"};
	for (unsigned i = 0; i < ELEMENTSOF(absent); i++) {
		_cleanup_sysctl_ hk_sysctl *a = read_ok(root, absent[i]);
		if (!a)
			continue;
		CHECK(hk_sysctl_get_state(a) == HK_SYSCTL_ABSENT);
		CHECK(hk_sysctl_text(a) == NULL);
		CHECK_EQ_U64(hk_sysctl_n_values(a), 0);
		CHECK_EQ_S64(hk_sysctl_error(a), 0);
	}

	/* Unreadable: present, but the read fails. */
	_cleanup_sysctl_ hk_sysctl *u = read_ok(root, "vm.drop_caches");
	if (u) {
		CHECK(hk_sysctl_get_state(u) == HK_SYSCTL_UNREADABLE);
		CHECK_EQ_S64(hk_sysctl_error(u), -ELOOP);
		CHECK(hk_sysctl_text(u) == NULL);
	}

	/* Errors: bad keys, a directory, a known key whose text does not have its type. */
	hk_sysctl *e = NULL;
	CHECK_ERR(hk_sysctl_read(root, "vm..swappiness", NULL, &e), -EINVAL);
	CHECK_ERR(hk_sysctl_read(root, "", NULL, &e), -EINVAL);
	CHECK_ERR(hk_sysctl_read(root, NULL, NULL, &e), -EINVAL);
	CHECK_ERR(hk_sysctl_read(root, "vm/../../etc", NULL, &e), -EINVAL);
	hk_diag_clear(&diag);
	CHECK_ERR(hk_sysctl_read(root, "net.ipv4", &diag, &e), -EISDIR);
	CHECK(strstr(diag.message, "directory") != NULL);
	hk_diag_clear(&diag);
	CHECK_ERR(hk_sysctl_read(root, "vm.overcommit_memory", &diag, &e), -EINVAL);
	CHECK_STREQ(diag.path, "proc/sys/vm/overcommit_memory");
	CHECK_EQ_U64(diag.line, 1);
	CHECK(strstr(diag.message, "'two'") != NULL);
	/* A known integer holding two numbers is malformed too. */
	CHECK_ERR(hk_sysctl_read(root, "vm.min_free_kbytes", NULL, &e), -EINVAL);
	CHECK(e == NULL);

	/* A directory's sysctls, recursively and sorted, as sysctl(8) shows it. */
	{
		char **keys = NULL;
		size_t n = 99;

		CHECK_OK(hk_sysctl_list_dir(root, "net.ipv4", NULL, &keys, &n));
		CHECK_EQ_U64(n, 2);
		if (keys && n == 2) {
			/* the interface eth0.1 spells as eth0/1 in a dotted key */
			CHECK_STREQ(keys[0], "net.ipv4.conf.eth0/1.forwarding");
			CHECK_STREQ(keys[1], "net.ipv4.tcp_rmem");
			CHECK(keys[2] == NULL);
		}
		free(keys);
		keys = NULL;
		CHECK_OK(hk_sysctl_list_dir(root, "kernel", NULL, &keys, &n));
		for (size_t i = 0; keys && i + 1 < n; i++)
			CHECK(strcmp(keys[i], keys[i + 1]) < 0);
		CHECK(n >= 6);
		free(keys);
		keys = NULL;
		CHECK_OK(hk_sysctl_list_dir(root, "net/ipv4/conf", NULL, &keys, &n));
		CHECK_EQ_U64(n, 1);
		free(keys);
		keys = NULL;
		CHECK_ERR(hk_sysctl_list_dir(root, "vm.swappiness", NULL, &keys, &n), -ENOTDIR);
		CHECK_ERR(hk_sysctl_list_dir(root, "vm.nothing", NULL, &keys, &n), -ENOENT);
		hk_diag_clear(&diag);
		CHECK_ERR(hk_sysctl_list_dir(root, "vm..x", &diag, &keys, &n), -EINVAL);
		CHECK(strstr(diag.message, "not a sysctl key") != NULL);
		CHECK(keys == NULL);
	}

	/* The one-call readers. */
	CHECK_OK(hk_sysctl_read_s64(root, "vm.swappiness", NULL, &sv));
	CHECK_EQ_S64(sv, 60);
	CHECK_OK(hk_sysctl_read_u64(root, "kernel/shmmax", NULL, &uv));
	CHECK_EQ_U64(uv, 18446744073692774399ull);
	CHECK_OK(hk_sysctl_read_s64(root, "kernel.msg_next_id", NULL, &sv));
	CHECK_EQ_S64(sv, -1);
	CHECK_OK(hk_sysctl_read_u64(root, "kernel.tainted", NULL, &uv));
	CHECK_EQ_U64(uv, 0);
	CHECK_ERR(hk_sysctl_read_s64(root, "kernel.shmmax", NULL, &sv), -ERANGE);
	CHECK_ERR(hk_sysctl_read_u64(root, "kernel.msg_next_id", NULL, &uv), -ERANGE);
	CHECK_ERR(hk_sysctl_read_s64(root, "kernel.acct", NULL, &sv), -EINVAL);
	CHECK_ERR(hk_sysctl_read_s64(root, "kernel.core_pattern", NULL, &sv), -EINVAL);
	hk_diag_clear(&diag);
	CHECK_ERR(hk_sysctl_read_s64(root, "vm.memory_failure_recovery", &diag, &sv), -ENOENT);
	CHECK(strstr(diag.message, "vm.memory_failure_recovery") != NULL);
	CHECK_ERR(hk_sysctl_read_s64(root, "vm.drop_caches", NULL, &sv), -ELOOP);
}

int main(void)
{
	test_key_to_path();
	test_path_to_key();
	test_integers();
	test_guess();
	test_table();

	const char *tmp = getenv("TMPDIR");
	snprintf(base, sizeof(base), "%s/hk-test-sysctl-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base)) {
		fprintf(stderr, "mkdtemp: %m\n");
		return 1;
	}
	test_read();
	(void)nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	TEST_DONE();
}
