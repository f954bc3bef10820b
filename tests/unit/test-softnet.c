/* SPDX-License-Identifier: MIT */
/*
 * The softnet_stat parser on literals: the column counts of every kernel
 * (9, 10, 11, 13, 15), rows of mixed widths, the CPU of rows that do not
 * print it (the n-th online CPU, and unknown when the online set does not
 * match), totals without 32-bit wrap, and malformed files named in the
 * diagnostic. Then the loader on a small tree.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/root.h>
#include <hostkit/softnet.h>

#include "base/macro.h"
#include "host/softnet.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_softnet *, hk_softnet_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

#define S(lit) lit, sizeof(lit) - 1

/* 2.6.32: processed, dropped, time_squeeze, five zeros, cpu_collision. */
static const char cols9[] =
    "01663fb2 00000000 000109a4 00000000 00000000 00000000 00000000 00000000 00020e76\n";
/* 3.10: received_rps added. */
static const char cols10[] =
    "00008e78 00000001 00000011 00000000 00000000 00000000 00000000 00000000 00000020 00000010\n";
/* node_exporter's fixture: 3.11 to 5.9, flow_limit_count added. */
static const char cols11[] =
    "00049279 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000000\n"
    "000dfb82 00000029 0000000a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000000\n"
    "00551c3f 00000000 00000055 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000000\n"
    "002f8339 00000000 00000032 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000000\n";
/* 5.10: backlog_len and the CPU; the second row is CPU 3 (1 and 2 offline). */
static const char cols13[] =
    "00358fe3 00006283 00000000 00000000 00000000 00000000 00000000 00000000 00000000 000855fc "
    "00000076 00000000 00000000\n"
    "00953d1a 00000446 000000b1 00000000 00000000 00000000 00000000 00000000 00000000 008eeb9a "
    "0000002b 000000dc 00000003\n";
/* 6.4 and later: input_qlen and process_qlen. */
static const char cols15[] =
    "00000fc6 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000000 00000005 00000000 00000002 00000003\n";

static int parse(const char *buf, size_t len, const hk_cpuset *online, hk_diag *diag,
		 hk_softnet **ret)
{
	return hk_softnet_parse(buf, len, online, "proc/net/softnet_stat", diag, ret);
}

static void test_columns(void)
{
	_cleanup_(hk_softnet_freep) hk_softnet *s9 = NULL, *s10 = NULL, *s11 = NULL, *s13 = NULL,
					       *s15 = NULL;

	CHECK_OK(parse(S(cols9), NULL, NULL, &s9));
	CHECK_OK(parse(S(cols10), NULL, NULL, &s10));
	CHECK_OK(parse(S(cols11), NULL, NULL, &s11));
	CHECK_OK(parse(S(cols13), NULL, NULL, &s13));
	CHECK_OK(parse(S(cols15), NULL, NULL, &s15));
	if (!s9 || !s10 || !s11 || !s13 || !s15)
		return;

	CHECK_EQ_U64(hk_softnet_n_rows(s9), 1);
	CHECK_EQ_U64(hk_softnet_n_columns(s9, 0), 9);
	CHECK_EQ_S64(hk_softnet_get(s9, 0, HK_SOFTNET_PROCESSED), 0x01663fb2);
	CHECK_EQ_S64(hk_softnet_get(s9, 0, HK_SOFTNET_TIME_SQUEEZE), 0x109a4);
	CHECK_EQ_S64(hk_softnet_get(s9, 0, HK_SOFTNET_CPU_COLLISION), 0x20e76);
	CHECK_ERR(hk_softnet_get(s9, 0, HK_SOFTNET_RECEIVED_RPS), -ENODATA);
	CHECK_ERR(hk_softnet_get(s9, 0, HK_SOFTNET_FLOW_LIMIT_COUNT), -ENODATA);
	CHECK_ERR(hk_softnet_get(s9, 1, HK_SOFTNET_PROCESSED), -ERANGE);

	CHECK_EQ_S64(hk_softnet_get(s10, 0, HK_SOFTNET_RECEIVED_RPS), 0x10);
	CHECK_ERR(hk_softnet_get(s10, 0, HK_SOFTNET_FLOW_LIMIT_COUNT), -ENODATA);

	/* node_exporter's e2e: node_softnet_{processed,dropped,times_squeezed}_total. */
	static const int64_t processed[] = {299641, 916354, 5577791, 3113785};
	static const int64_t dropped[] = {0, 41, 0, 0};
	static const int64_t squeezed[] = {1, 10, 85, 50};
	CHECK_EQ_U64(hk_softnet_n_rows(s11), 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ_U64(hk_softnet_n_columns(s11, i), 11);
		CHECK_EQ_S64(hk_softnet_get(s11, i, HK_SOFTNET_PROCESSED), processed[i]);
		CHECK_EQ_S64(hk_softnet_get(s11, i, HK_SOFTNET_DROPPED), dropped[i]);
		CHECK_EQ_S64(hk_softnet_get(s11, i, HK_SOFTNET_TIME_SQUEEZE), squeezed[i]);
		CHECK_EQ_S64(hk_softnet_get(s11, i, HK_SOFTNET_FLOW_LIMIT_COUNT), 0);
		CHECK_ERR(hk_softnet_get(s11, i, HK_SOFTNET_BACKLOG_LEN), -ENODATA);
		/* No online set given and no CPU column: unknown. */
		CHECK_ERR(hk_softnet_cpu(s11, i), -ENODATA);
		CHECK(!hk_softnet_cpu_printed(s11, i));
	}
	CHECK_EQ_S64(hk_softnet_total(s11, HK_SOFTNET_PROCESSED), 9907571);
	CHECK_EQ_S64(hk_softnet_total(s11, HK_SOFTNET_DROPPED), 41);
	CHECK_ERR(hk_softnet_total(s11, HK_SOFTNET_BACKLOG_LEN), -ENODATA);
	CHECK_ERR(hk_softnet_total(s11, HK_SOFTNET_CPU), -EINVAL);

	CHECK_EQ_S64(hk_softnet_get(s13, 1, HK_SOFTNET_BACKLOG_LEN), 0xdc);
	CHECK_EQ_S64(hk_softnet_get(s13, 1, HK_SOFTNET_RECEIVED_RPS), 0x8eeb9a);
	CHECK_EQ_S64(hk_softnet_cpu(s13, 0), 0);
	CHECK_EQ_S64(hk_softnet_cpu(s13, 1), 3);
	CHECK(hk_softnet_cpu_printed(s13, 1));
	CHECK_ERR(hk_softnet_get(s13, 1, HK_SOFTNET_INPUT_QLEN), -ENODATA);

	CHECK_EQ_U64(hk_softnet_n_columns(s15, 0), 15);
	CHECK_EQ_S64(hk_softnet_get(s15, 0, HK_SOFTNET_BACKLOG_LEN), 5);
	CHECK_EQ_S64(hk_softnet_get(s15, 0, HK_SOFTNET_INPUT_QLEN), 2);
	CHECK_EQ_S64(hk_softnet_get(s15, 0, HK_SOFTNET_PROCESS_QLEN), 3);
	CHECK_EQ_S64(hk_softnet_cpu(s15, 0), 0);

	CHECK_STREQ(hk_softnet_field_name(HK_SOFTNET_TIME_SQUEEZE), "time_squeeze");
	CHECK_STREQ(hk_softnet_field_name(HK_SOFTNET_FLOW_LIMIT_COUNT), "flow_limit_count");
	CHECK(hk_softnet_field_name(_HK_SOFTNET_FIELD_MAX) == NULL);
}

/*
 * Rows without the CPU column: the kernel skips offline CPUs, so the n-th
 * row is the n-th online CPU; the row index is the CPU only when no CPU
 * below it is offline.
 */
static void test_cpu_numbering(void)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *online = hk_cpuset_new(), *three = hk_cpuset_new();
	_cleanup_(hk_softnet_freep) hk_softnet *a = NULL, *b = NULL, *c = NULL;

	CHECK(online && three);
	if (!online || !three)
		return;
	/* CPUs 0, 2, 3, 5 online (1 and 4 offline). */
	CHECK_OK(hk_cpuset_parse_list(online, S("0,2-3,5")));
	CHECK_OK(parse(S(cols11), online, NULL, &a));
	if (a) {
		CHECK_EQ_S64(hk_softnet_cpu(a, 0), 0);
		CHECK_EQ_S64(hk_softnet_cpu(a, 1), 2);
		CHECK_EQ_S64(hk_softnet_cpu(a, 2), 3);
		CHECK_EQ_S64(hk_softnet_cpu(a, 3), 5);
		CHECK(!hk_softnet_cpu_printed(a, 3));
	}
	/* The online set does not match the rows (a CPU came or went): unknown. */
	CHECK_OK(hk_cpuset_parse_list(three, S("0-2")));
	CHECK_OK(parse(S(cols11), three, NULL, &b));
	if (b)
		for (unsigned i = 0; i < 4; i++)
			CHECK_ERR(hk_softnet_cpu(b, i), -ENODATA);
	CHECK_ERR(hk_softnet_cpu(b, 4), -ERANGE);

	/* The printed CPU wins over the online set. */
	CHECK_OK(hk_cpuset_parse_list(three, S("0-1")));
	CHECK_OK(parse(S(cols13), three, NULL, &c));
	if (c)
		CHECK_EQ_S64(hk_softnet_cpu(c, 1), 3);
}

/* prometheus/procfs's fixture: rows of 13, 13, 11, 9 and 10 columns in one file. */
static void test_mixed(void)
{
	static const char mixed[] =
	    "00358fe3 00006283 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
	    "000855fc 00000076 00000000 00000000\n"
	    "00953d1a 00000446 000000b1 00000000 00000000 00000000 00000000 00000000 00000000 "
	    "008eeb9a 0000002b 000000dc 00000001\n"
	    "00015c73 00020e76 f0000769 00000000 00000000 00000000 00000000 00000000 00000004 "
	    "00000003 00000002\n"
	    "01663fb2 00000000 000109a4 00000000 00000000 00000000 00000000 00000000 00020e76\n"
	    "00008e78 00000001 00000011 00000000 00000000 00000000 00000000 00000000 00000020 "
	    "00000010\n";
	_cleanup_(hk_softnet_freep) hk_softnet *s = NULL;

	CHECK_OK(parse(S(mixed), NULL, NULL, &s));
	if (!s)
		return;
	CHECK_EQ_U64(hk_softnet_n_rows(s), 5);
	static const unsigned cols[] = {13, 13, 11, 9, 10};
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ_U64(hk_softnet_n_columns(s, i), cols[i]);
	/* A counter past 2^31 stays positive, and totals do not wrap at 2^32. */
	CHECK_EQ_S64(hk_softnet_get(s, 2, HK_SOFTNET_TIME_SQUEEZE), 0xf0000769);
	CHECK_EQ_S64(hk_softnet_total(s, HK_SOFTNET_TIME_SQUEEZE),
		     0xb1 + 0xf0000769LL + 0x109a4 + 0x11);
	CHECK_EQ_S64(hk_softnet_total(s, HK_SOFTNET_FLOW_LIMIT_COUNT), 0x76 + 0x2b + 0x2);
	CHECK_EQ_S64(hk_softnet_total(s, HK_SOFTNET_BACKLOG_LEN), 0xdc);
	CHECK_EQ_S64(hk_softnet_cpu(s, 1), 1);
	CHECK_ERR(hk_softnet_cpu(s, 2), -ENODATA);
}

static void test_edges(void)
{
	_cleanup_(hk_softnet_freep) hk_softnet *empty = NULL, *nonl = NULL, *upper = NULL,
					       *wide = NULL, *c12 = NULL;

	/* No rows: a kernel with every CPU offline cannot exist, but the file may be empty. */
	CHECK_OK(parse(S(""), NULL, NULL, &empty));
	if (empty)
		CHECK_EQ_U64(hk_softnet_n_rows(empty), 0);
	/* No newline at the end (a truncated capture). */
	CHECK_OK(parse(cols9, sizeof(cols9) - 2, NULL, NULL, &nonl));
	if (nonl)
		CHECK_EQ_S64(hk_softnet_get(nonl, 0, HK_SOFTNET_CPU_COLLISION), 0x20e76);
	/* Upper-case hex and tabs are read; the kernel writes neither. */
	CHECK_OK(parse(S("0000000A\t0 0 0 0 0 0 0 0\n"), NULL, NULL, &upper));
	if (upper)
		CHECK_EQ_S64(hk_softnet_get(upper, 0, HK_SOFTNET_PROCESSED), 10);
	/* Columns of a future kernel are counted, not kept. */
	CHECK_OK(parse(S("1 2 3 0 0 0 0 0 0 4 5 6 7 8 9 10 11\n"), NULL, NULL, &wide));
	if (wide) {
		CHECK_EQ_U64(hk_softnet_n_columns(wide, 0), 17);
		CHECK_EQ_S64(hk_softnet_get(wide, 0, HK_SOFTNET_PROCESS_QLEN), 9);
	}
	/* No kernel wrote 12 columns; the row is read as far as it goes. */
	CHECK_OK(parse(S("1 2 3 0 0 0 0 0 0 4 5 6\n"), NULL, NULL, &c12));
	if (c12) {
		CHECK_EQ_S64(hk_softnet_get(c12, 0, HK_SOFTNET_BACKLOG_LEN), 6);
		CHECK_ERR(hk_softnet_get(c12, 0, HK_SOFTNET_CPU), -ENODATA);
	}
}

static void expect_invalid(const char *buf, size_t len, unsigned line, const char *text)
{
	hk_softnet *s = NULL;
	hk_diag diag;

	hk_diag_clear(&diag);
	CHECK_ERR(parse(buf, len, NULL, &diag, &s), -EINVAL);
	CHECK(s == NULL);
	CHECK_EQ_U64(diag.line, line);
	CHECK_STREQ(diag.path, "proc/net/softnet_stat");
	if (!strstr(diag.message, text)) {
		fprintf(stderr, "diag '%s' lacks '%s'\n", diag.message, text);
		test_failures++;
	}
	hk_softnet_free(s);
}

static void test_malformed(void)
{
	/* procfs's softnet_stat.broken: 4 columns. */
	expect_invalid(S("00015c73 00020e76 F0000769 00000000\n"), 1, "00015c73 00020e76");
	expect_invalid(S("00015c73 00020e76 F0000769 00000000\n"), 1, "fewer than 9 columns");
	/* A bad value on line 2, named with its text. */
	expect_invalid(S("0 0 0 0 0 0 0 0 0\n0 0 0 0 0x 0 0 0 0\n"), 2, "'0x'");
	expect_invalid(S("0 0 0 0 0 0 0 0 0\n0 0 0 0 -1 0 0 0 0\n"), 2, "'-1'");
	/* Wider than the kernel's unsigned int. */
	expect_invalid(S("100000000 0 0 0 0 0 0 0 0\n"), 1, "32-bit");
	/* A blank line in the middle is a row of no columns. */
	expect_invalid(S("0 0 0 0 0 0 0 0 0\n\n0 0 0 0 0 0 0 0 0\n"), 2, "fewer than 9");
	/* A NUL byte. */
	expect_invalid(S("0 0 0 0 0\0 0 0 0 0\n"), 1, "NUL");
	/* A CPU number no kernel has. */
	expect_invalid(S("0 0 0 0 0 0 0 0 0 0 0 0 ffffffff\n"), 1, "CPU number");
	/* A row of 65 columns. */
	char wide[65 * 2 + 1];
	for (unsigned i = 0; i < 65; i++) {
		wide[2 * i] = '0';
		wide[2 * i + 1] = ' ';
	}
	wide[130] = '\n';
	expect_invalid(wide, sizeof(wide), 1, "too many columns");
}

/* ---- The loader on a tree ---- */

static char tree[PATH_MAX];

static void write_text(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	for (char *p = path + strlen(tree) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		(void)mkdir(path, 0755);
		*p = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static void test_load(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_softnet_freep) hk_softnet *s = NULL;
	hk_softnet *none = NULL;
	hk_diag diag;

	if (harness_mkdtemp("hk-test-softnet.XXXXXX", tree, sizeof(tree)) < 0) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	harness_remove_at_exit(tree);
	write_text("sys/devices/system/cpu/online", "0,2-3,5\n");
	CHECK_OK(hk_root_open(tree, 0, NULL, &root));
	if (!root)
		return;

	/* Absent: -ENOENT, named. */
	hk_diag_clear(&diag);
	CHECK_ERR(hk_softnet_load(root, &diag, &none), -ENOENT);
	CHECK_STREQ(diag.path, "proc/net/softnet_stat");

	write_text("proc/net/softnet_stat", cols11);
	CHECK_OK(hk_softnet_load(root, NULL, &s));
	if (s) {
		CHECK_EQ_U64(hk_softnet_n_rows(s), 4);
		CHECK_EQ_S64(hk_softnet_cpu(s, 1), 2);
		CHECK_EQ_S64(hk_softnet_cpu(s, 3), 5);
	}

	write_text("proc/net/softnet_stat", "1 2 3\n");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_softnet_load(root, &diag, &none), -EINVAL);
	CHECK_EQ_U64(diag.line, 1);
}

int main(void)
{
	test_columns();
	test_cpu_numbering();
	test_mixed();
	test_edges();
	test_malformed();
	test_load();
	TEST_DONE();
}
