/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line parser on literals (every form of the typed
 * parameters, quoting, "--", repeats, sizes), its value parsers, the
 * accepted-CPU-list quirks, and hk_kernel_load() on small trees built under
 * a mkdtemp() directory.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/kernel.h>

#include "base/macro.h"
#include "host/kernel.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cmdline *, hk_cmdline_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_kernel *, hk_kernel_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)
#define _cleanup_cmdline_ _cleanup_(hk_cmdline_freep)

/* Parses a NUL-terminated literal with 8 CPUs; NULL (and a failed check) on error. */
static hk_cmdline *parse(const char *s)
{
	hk_cmdline *c = NULL;
	CHECK_OK(hk_cmdline_parse(s, strlen(s), 8, &c));
	return c;
}

/* The CPU list of @which as text ("" when empty), or "(none)". */
static const char *cpus(const hk_cmdline *c, hk_cmdline_cpulist which)
{
	static char buf[256];
	const hk_cpuset *s = hk_cmdline_cpus(c, which);

	if (!s)
		return "(none)";
	hk_cpuset_format_list(s, buf, sizeof(buf));
	return buf;
}

static void check_param(const hk_cmdline *c, unsigned i, const char *key, const char *value)
{
	CHECK_STREQ(hk_cmdline_param_key(c, i), key);
	if (value)
		CHECK_STREQ(hk_cmdline_param_value(c, i), value);
	else
		CHECK(hk_cmdline_param_value(c, i) == NULL);
}

static void test_split(void)
{
	_cleanup_cmdline_ hk_cmdline *c =
	    parse("BOOT_IMAGE=/vmlinuz-6.8 root=UUID=1234-5678 ro quiet console=ttyS0,115200n8 "
		  "empty= vt.handoff=7\n");
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), 7);
	check_param(c, 0, "BOOT_IMAGE", "/vmlinuz-6.8");
	/* Only the first '=' splits. */
	check_param(c, 1, "root", "UUID=1234-5678");
	check_param(c, 2, "ro", NULL);
	check_param(c, 3, "quiet", NULL);
	check_param(c, 4, "console", "ttyS0,115200n8");
	check_param(c, 5, "empty", "");
	check_param(c, 6, "vt.handoff", "7");
	CHECK(hk_cmdline_param_key(c, 7) == NULL);
	CHECK(hk_cmdline_param_value(c, 7) == NULL);
	/* The trailing newline is not part of the text. */
	CHECK_STREQ(hk_cmdline_text(c),
		    "BOOT_IMAGE=/vmlinuz-6.8 root=UUID=1234-5678 ro quiet console=ttyS0,115200n8 "
		    "empty= vt.handoff=7");
	CHECK(!hk_cmdline_has_init_args(c));
	CHECK_EQ_U64(hk_cmdline_n_init_args(c), 0);
	CHECK_EQ_U64(hk_cmdline_n_errors(c), 0);
	CHECK_EQ_S64(hk_cmdline_find(c, "quiet"), 3);
	CHECK_ERR(hk_cmdline_find(c, "splash"), -ENOENT);
}

static void test_blanks(void)
{
	/* Leading, repeated and trailing blanks of every kind; the kernel's 0xa0 too. */
	_cleanup_cmdline_ hk_cmdline *c = parse("  \t a=1 \t\n  b\v\fc\r\xa0"
						"d  \n");
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), 4);
	check_param(c, 0, "a", "1");
	check_param(c, 1, "b", NULL);
	check_param(c, 2, "c", NULL);
	check_param(c, 3, "d", NULL);
}

static void test_empty(void)
{
	static const char *const empties[] = {"", "\n", "   \n", " \t "};

	for (unsigned i = 0; i < ELEMENTSOF(empties); i++) {
		_cleanup_cmdline_ hk_cmdline *c = parse(empties[i]);
		if (!c)
			continue;
		CHECK_EQ_U64(hk_cmdline_n_params(c), 0);
		CHECK_EQ_U64(hk_cmdline_n_init_args(c), 0);
		CHECK(!hk_cmdline_has_init_args(c));
		CHECK(hk_cmdline_cpus(c, HK_CMDLINE_ISOLCPUS) == NULL);
		CHECK_EQ_S64(hk_cmdline_setting_get(c, HK_CMDLINE_NOSMT), -ENODATA);
		CHECK_EQ_U64(hk_cmdline_n_hugepages(c), 0);
	}
	/* NULL with length 0 is the empty command line. */
	_cleanup_cmdline_ hk_cmdline *c = NULL;
	CHECK_OK(hk_cmdline_parse(NULL, 0, 0, &c));
	if (c)
		CHECK_STREQ(hk_cmdline_text(c), "");
}

/* No command line at all (hk_kernel_cmdline() of a tree without
 * proc/cmdline is NULL): every accessor reads it as empty. */
static void test_null(void)
{
	char buf[32];

	CHECK_STREQ(hk_cmdline_text(NULL), "");
	CHECK_EQ_U64(hk_cmdline_n_params(NULL), 0);
	CHECK(hk_cmdline_param_key(NULL, 0) == NULL);
	CHECK(hk_cmdline_param_value(NULL, 0) == NULL);
	CHECK_ERR(hk_cmdline_find(NULL, "isolcpus"), -ENOENT);
	CHECK_EQ_U64(hk_cmdline_n_init_args(NULL), 0);
	CHECK(hk_cmdline_init_arg(NULL, 0) == NULL);
	CHECK(!hk_cmdline_has_init_args(NULL));
	CHECK(hk_cmdline_cpus(NULL, HK_CMDLINE_NOHZ_FULL) == NULL);
	CHECK_EQ_U64(hk_cmdline_isolcpus_flags(NULL), 0);
	CHECK_EQ_S64(hk_cmdline_setting_get(NULL, HK_CMDLINE_MITIGATIONS), -ENODATA);
	CHECK(hk_cmdline_setting_format(NULL, HK_CMDLINE_IDLE, buf, sizeof(buf)) == NULL);
	CHECK_EQ_U64(hk_cmdline_n_hugepages(NULL), 0);
	CHECK(hk_cmdline_hugepages_get(NULL, 0) == NULL);
	CHECK_EQ_U64(hk_cmdline_default_hugepagesz(NULL), 0);
	CHECK_EQ_U64(hk_cmdline_n_errors(NULL), 0);
	CHECK(hk_cmdline_error_message(NULL, 0) == NULL);
	CHECK_ERR(hk_cmdline_error_param(NULL, 0), -ERANGE);
}

static void test_quotes(void)
{
	_cleanup_cmdline_ hk_cmdline *c =
	    parse("param=\"a b c\" \"quoted flag\" dyndbg=\"file x.c +p\" "
		  "mid=b\"c d\"e \"k=v w\" last=\"\"\n");
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), 6);
	/* A value in quotes loses them. */
	check_param(c, 0, "param", "a b c");
	/* A quoted word loses its quotes too. */
	check_param(c, 1, "quoted flag", NULL);
	check_param(c, 2, "dyndbg", "file x.c +p");
	/* Quotes inside a value group blanks but stay, as in the kernel. */
	check_param(c, 3, "mid", "b\"c d\"e");
	check_param(c, 4, "k", "v w");
	check_param(c, 5, "last", "");

	/* An unterminated quote runs to the end. */
	_cleanup_cmdline_ hk_cmdline *u = parse("a=\"b c d");
	if (u) {
		CHECK_EQ_U64(hk_cmdline_n_params(u), 1);
		check_param(u, 0, "a", "b c d");
	}
	/* A lone quote is a word with an empty name. */
	_cleanup_cmdline_ hk_cmdline *q = parse("\"");
	if (q) {
		CHECK_EQ_U64(hk_cmdline_n_params(q), 1);
		check_param(q, 0, "", NULL);
	}
	/* A '=' that opens a word does not split it (next_arg() starts looking at offset 1). */
	_cleanup_cmdline_ hk_cmdline *e = parse("=a=b =x");
	if (e) {
		CHECK_EQ_U64(hk_cmdline_n_params(e), 2);
		check_param(e, 0, "=a", "b");
		check_param(e, 1, "=x", NULL);
	}
}

static void test_dashes(void)
{
	_cleanup_cmdline_ hk_cmdline *c =
	    parse("ro quiet -- --init-flag single a=b c=\"d e\" -- dropped words\n");
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), 2);
	CHECK(hk_cmdline_has_init_args(c));
	CHECK_EQ_U64(hk_cmdline_n_init_args(c), 4);
	CHECK_STREQ(hk_cmdline_init_arg(c, 0), "--init-flag");
	CHECK_STREQ(hk_cmdline_init_arg(c, 1), "single");
	/* Handed to init rejoined, as repair_env_string() does. */
	CHECK_STREQ(hk_cmdline_init_arg(c, 2), "a=b");
	CHECK_STREQ(hk_cmdline_init_arg(c, 3), "c=d e");
	CHECK(hk_cmdline_init_arg(c, 4) == NULL);

	/* "--" at the end: init arguments, none. */
	_cleanup_cmdline_ hk_cmdline *e = parse("ro --\n");
	if (e) {
		CHECK(hk_cmdline_has_init_args(e));
		CHECK_EQ_U64(hk_cmdline_n_init_args(e), 0);
		CHECK_EQ_U64(hk_cmdline_n_params(e), 1);
	}
	/* "--=x" has a value: an ordinary parameter, not the end. */
	_cleanup_cmdline_ hk_cmdline *v = parse("--=x ro");
	if (v) {
		CHECK(!hk_cmdline_has_init_args(v));
		CHECK_EQ_U64(hk_cmdline_n_params(v), 2);
		check_param(v, 0, "--", "x");
	}
	/* A typed parameter after "--" is init's, not the kernel's. */
	_cleanup_cmdline_ hk_cmdline *t = parse("-- isolcpus=1");
	if (t) {
		CHECK(hk_cmdline_cpus(t, HK_CMDLINE_ISOLCPUS) == NULL);
		CHECK_STREQ(hk_cmdline_init_arg(t, 0), "isolcpus=1");
	}
}

static void test_nul(void)
{
	/* A NUL ends the command line, as it ends the kernel's string. */
	static const char text[] = "a=1 b\0c=3";
	_cleanup_cmdline_ hk_cmdline *c = NULL;

	CHECK_OK(hk_cmdline_parse(text, sizeof(text) - 1, 8, &c));
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), 2);
	CHECK_STREQ(hk_cmdline_text(c), "a=1 b");
}

static void test_long(void)
{
	/* 4096 bytes (a common COMMAND_LINE_SIZE) of 8-byte parameters "pNNNN=v ". */
	char buf[4097];
	size_t n = 0;
	unsigned count = 0;

	while (n + 8 <= 4096) {
		snprintf(buf + n, sizeof(buf) - n, "p%04u=v ", count++);
		n += 8;
	}
	buf[4095] = '\n';
	buf[4096] = 0;
	_cleanup_cmdline_ hk_cmdline *c = NULL;
	CHECK_OK(hk_cmdline_parse(buf, 4096, 8, &c));
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), count);
	CHECK_STREQ(hk_cmdline_param_key(c, 0), "p0000");
	CHECK_STREQ(hk_cmdline_param_key(c, count - 1), "p0511");
	CHECK_STREQ(hk_cmdline_param_value(c, count - 1), "v");
	CHECK_EQ_U64(strlen(hk_cmdline_text(c)), 4095);

	/* The same length of one-byte flags: the most words a text can hold. */
	for (unsigned i = 0; i < 4096; i += 2) {
		buf[i] = 'x';
		buf[i + 1] = ' ';
	}
	_cleanup_cmdline_ hk_cmdline *f = NULL;
	CHECK_OK(hk_cmdline_parse(buf, 4096, 8, &f));
	if (f)
		CHECK_EQ_U64(hk_cmdline_n_params(f), 2048);
	/* And without separators at all: one word of 4096 bytes. */
	memset(buf, 'y', 4096);
	_cleanup_cmdline_ hk_cmdline *w = NULL;
	CHECK_OK(hk_cmdline_parse(buf, 4096, 8, &w));
	if (w) {
		CHECK_EQ_U64(hk_cmdline_n_params(w), 1);
		CHECK_EQ_U64(strlen(hk_cmdline_param_key(w, 0)), 4096);
	}
}

static void test_isolcpus(void)
{
	static const struct {
		const char *text;
		const char *cpus;
		unsigned flags;
	} cases[] = {
	    {"isolcpus=1-3", "1-3", HK_ISOLCPUS_DOMAIN},
	    {"isolcpus=nohz,domain,1-3", "1-3", HK_ISOLCPUS_NOHZ | HK_ISOLCPUS_DOMAIN},
	    {"isolcpus=managed_irq,2-5", "2-5", HK_ISOLCPUS_MANAGED_IRQ},
	    {"isolcpus=domain,managed_irq,nohz,0,4-5", "0,4-5",
	     HK_ISOLCPUS_DOMAIN | HK_ISOLCPUS_MANAGED_IRQ | HK_ISOLCPUS_NOHZ},
	    {"isolcpus=nohz,1", "1", HK_ISOLCPUS_NOHZ},
	    /* Unknown flags of letters and '_' are skipped, as the kernel skips them. */
	    {"isolcpus=future_flag,3", "3", HK_ISOLCPUS_DOMAIN},
	    /* "N" is the last CPU (7 with 8 CPUs). */
	    {"isolcpus=2-N", "2-7", HK_ISOLCPUS_DOMAIN},
	    {"isolcpus=1-7:2/4", "1-2,5-6", HK_ISOLCPUS_DOMAIN},
	    {"isolcpus=", "", HK_ISOLCPUS_DOMAIN},
	    {"isolcpus=domain,", "", HK_ISOLCPUS_DOMAIN},
	    /* Last valid one wins. */
	    {"isolcpus=1 isolcpus=nohz,2-3", "2-3", HK_ISOLCPUS_NOHZ},
	    /* '-' and '_' are alike in names. */
	    {"isolcpus=4", "4", HK_ISOLCPUS_DOMAIN},
	};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_cmdline_ hk_cmdline *c = parse(cases[i].text);
		if (!c)
			continue;
		CHECK_STREQ(cpus(c, HK_CMDLINE_ISOLCPUS), cases[i].cpus);
		if (hk_cmdline_isolcpus_flags(c) != cases[i].flags)
			fprintf(stderr, "case '%s': flags %#x\n", cases[i].text,
				hk_cmdline_isolcpus_flags(c));
		CHECK_EQ_U64(hk_cmdline_isolcpus_flags(c), cases[i].flags);
		CHECK_EQ_U64(hk_cmdline_n_errors(c), 0);
	}
}

static void test_cpulist_errors(void)
{
	/* A bad list is an error of its parameter only; the rest of the line stands. */
	_cleanup_cmdline_ hk_cmdline *c =
	    parse("nohz_full=1-x isolcpus=f0o,1 rcu_nocbs=9-2 irqaffinity=0 isolcpus nohz_full");
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), 6);
	CHECK_STREQ(cpus(c, HK_CMDLINE_NOHZ_FULL), "(none)");
	CHECK_STREQ(cpus(c, HK_CMDLINE_ISOLCPUS), "(none)");
	CHECK_STREQ(cpus(c, HK_CMDLINE_RCU_NOCBS), "(none)");
	CHECK_STREQ(cpus(c, HK_CMDLINE_IRQAFFINITY), "0");
	CHECK_EQ_U64(hk_cmdline_isolcpus_flags(c), 0);
	CHECK_EQ_U64(hk_cmdline_n_errors(c), 5);
	CHECK_EQ_S64(hk_cmdline_error_param(c, 0), 0);
	CHECK_STREQ(hk_cmdline_error_message(c, 0),
		    "nohz_full: cannot parse CPU list '1-x': Invalid argument");
	CHECK_EQ_S64(hk_cmdline_error_param(c, 1), 1);
	CHECK(strstr(hk_cmdline_error_message(c, 2), "offloads every CPU") != NULL);
	CHECK_STREQ(hk_cmdline_error_message(c, 3), "isolcpus: needs a CPU list");
	CHECK_STREQ(hk_cmdline_error_message(c, 4), "nohz_full: needs a CPU list");
	CHECK(hk_cmdline_error_message(c, 5) == NULL);
	CHECK_ERR(hk_cmdline_error_param(c, 5), -ERANGE);

	/* An invalid repeat leaves the valid value before it. */
	_cleanup_cmdline_ hk_cmdline *r = parse("nohz_full=1-3 nohz_full=bad");
	if (r) {
		CHECK_STREQ(cpus(r, HK_CMDLINE_NOHZ_FULL), "1-3");
		CHECK_EQ_U64(hk_cmdline_n_errors(r), 1);
		CHECK_EQ_U64(hk_cmdline_n_params(r), 2);
	}
	/* A CPU out of range. */
	_cleanup_cmdline_ hk_cmdline *o = parse("nohz_full=1-99999");
	if (o) {
		CHECK_STREQ(cpus(o, HK_CMDLINE_NOHZ_FULL), "(none)");
		CHECK_EQ_U64(hk_cmdline_n_errors(o), 1);
	}
	/* "N" without the CPU count. */
	_cleanup_cmdline_ hk_cmdline *n = NULL;
	CHECK_OK(hk_cmdline_parse("nohz_full=1-N", 13, 0, &n));
	if (n) {
		CHECK_STREQ(cpus(n, HK_CMDLINE_NOHZ_FULL), "(none)");
		CHECK_STREQ(hk_cmdline_error_message(n, 0),
			    "nohz_full: cannot parse CPU list '1-N': 'N' needs the CPU count");
	}
	/*
	 * "all" is the whole range (bitmap_parselist() since 5.13), also with a
	 * group. Not for isolcpus, whose parser reads a leading word as a flag.
	 */
	static const char all_line[] = "nohz_full=all rcu_nocbs=all:1/2 irqaffinity=0,all";
	_cleanup_cmdline_ hk_cmdline *a = NULL;
	CHECK_OK(hk_cmdline_parse(all_line, sizeof(all_line) - 1, 8, &a));
	if (a) {
		CHECK_STREQ(cpus(a, HK_CMDLINE_NOHZ_FULL), "0-7");
		CHECK_STREQ(cpus(a, HK_CMDLINE_RCU_NOCBS), "0,2,4,6");
		CHECK_STREQ(cpus(a, HK_CMDLINE_IRQAFFINITY), "0-7");
		CHECK_EQ_U64(hk_cmdline_n_errors(a), 0);
	}
	/* Only the word "all": "ball" and "alll" are not it. */
	_cleanup_cmdline_ hk_cmdline *b = NULL;
	CHECK_OK(hk_cmdline_parse("nohz_full=ball", 14, 8, &b));
	if (b)
		CHECK_EQ_U64(hk_cmdline_n_errors(b), 1);
	_cleanup_cmdline_ hk_cmdline *z = NULL;
	CHECK_OK(hk_cmdline_parse("nohz_full=all", 13, 0, &z));
	if (z)
		CHECK_STREQ(hk_cmdline_error_message(z, 0),
			    "nohz_full: cannot parse CPU list 'all': 'all' needs the CPU count");
}

static void test_cpulists(void)
{
	_cleanup_cmdline_ hk_cmdline *c =
	    parse("nohz_full=2-N rcu_nocbs=1,3-4 irqaffinity=0-1 rcu-nocbs=2-3");
	if (!c)
		return;
	CHECK_STREQ(cpus(c, HK_CMDLINE_NOHZ_FULL), "2-7");
	/* rcu-nocbs is rcu_nocbs: it comes last and wins. */
	CHECK_STREQ(cpus(c, HK_CMDLINE_RCU_NOCBS), "2-3");
	CHECK_STREQ(cpus(c, HK_CMDLINE_IRQAFFINITY), "0-1");
	CHECK(hk_cmdline_cpus(c, _HK_CMDLINE_CPULIST_MAX) == NULL);
	CHECK_EQ_S64(hk_cmdline_find(c, "rcu_nocbs"), 3);

	/* rcu_nocbs without a list: offloading set up, no CPU yet. */
	_cleanup_cmdline_ hk_cmdline *f = parse("rcu_nocbs");
	if (f)
		CHECK_STREQ(cpus(f, HK_CMDLINE_RCU_NOCBS), "");
}

static void check_hugepages(const hk_cmdline *c, unsigned i, uint64_t size, int64_t pages,
			    unsigned n_nodes)
{
	const hk_cmdline_hugepages *h = hk_cmdline_hugepages_get(c, i);

	CHECK(h != NULL);
	if (!h)
		return;
	CHECK_EQ_U64(hk_cmdline_hugepages_size(h), size);
	CHECK_EQ_S64(hk_cmdline_hugepages_pages(h), pages);
	CHECK_EQ_U64(hk_cmdline_hugepages_n_nodes(h), n_nodes);
}

static void test_hugepages(void)
{
	_cleanup_cmdline_ hk_cmdline *c =
	    parse("default_hugepagesz=1G hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=512");
	if (c) {
		CHECK_EQ_U64(hk_cmdline_n_hugepages(c), 2);
		check_hugepages(c, 0, 1ull << 30, 4, 0);
		check_hugepages(c, 1, 2ull << 20, 512, 0);
		CHECK(hk_cmdline_hugepages_get(c, 2) == NULL);
		CHECK_EQ_U64(hk_cmdline_default_hugepagesz(c), 1ull << 30);
		CHECK_EQ_U64(hk_cmdline_n_errors(c), 0);
	}

	/* hugepages= before any hugepagesz= is for the default size. */
	_cleanup_cmdline_ hk_cmdline *d = parse("hugepages=16 hugepagesz=64k hugepages=3");
	if (d) {
		CHECK_EQ_U64(hk_cmdline_n_hugepages(d), 2);
		check_hugepages(d, 0, 0, 16, 0);
		check_hugepages(d, 1, 64ull << 10, 3, 0);
		CHECK_EQ_U64(hk_cmdline_default_hugepagesz(d), 0);
	}

	/* The per-node form (Linux 5.19). */
	_cleanup_cmdline_ hk_cmdline *n = parse("hugepagesz=2M hugepages=0:1,1:2");
	if (n) {
		check_hugepages(n, 0, 2ull << 20, 3, 2);
		const hk_cmdline_hugepages *h = hk_cmdline_hugepages_get(n, 0);
		unsigned node = 99;
		uint64_t pages = 99;
		if (h) {
			CHECK_OK(hk_cmdline_hugepages_node(h, 1, &node, &pages));
			CHECK_EQ_U64(node, 1);
			CHECK_EQ_U64(pages, 2);
			CHECK_OK(hk_cmdline_hugepages_node(h, 0, &node, &pages));
			CHECK_EQ_U64(node, 0);
			CHECK_EQ_U64(pages, 1);
			CHECK_ERR(hk_cmdline_hugepages_node(h, 2, &node, &pages), -ERANGE);
		}
	}

	/* A size without a count; a repeated count (last wins); bad values reported. */
	_cleanup_cmdline_ hk_cmdline *b =
	    parse("hugepagesz=1G hugepagesz=2M hugepages=1 hugepages=2 hugepagesz=3X "
		  "hugepages=0: hugepages=-1 default_hugepagesz=0 hugepagesz=16E");
	if (b) {
		CHECK_EQ_U64(hk_cmdline_n_hugepages(b), 2);
		check_hugepages(b, 0, 1ull << 30, -ENODATA, 0);
		check_hugepages(b, 1, 2ull << 20, 2, 0);
		CHECK_EQ_U64(hk_cmdline_n_errors(b), 5);
		CHECK_STREQ(hk_cmdline_error_message(b, 0),
			    "hugepagesz: cannot parse size '3X': Invalid argument");
		CHECK_STREQ(hk_cmdline_error_message(b, 4),
			    "hugepagesz: cannot parse size '16E': Numerical result out of range");
	}
}

static void test_value_parsers(void)
{
	static const struct {
		const char *text;
		int r;
		uint64_t v;
	} sizes[] = {
	    {"1G", 0, 1ull << 30},
	    {"2M", 0, 2ull << 20},
	    {"64K", 0, 64ull << 10},
	    {"1g", 0, 1ull << 30},
	    {"2m", 0, 2ull << 20},
	    {"1T", 0, 1ull << 40},
	    {"1P", 0, 1ull << 50},
	    {"1E", 0, 1ull << 60},
	    {"4096", 0, 4096},
	    {"0x1000", 0, 4096},
	    /* In hex, E is a digit, not exbibytes. */
	    {"0x1E", 0, 30},
	    {"0x1K", 0, 1024},
	    {"16E", -ERANGE, 0},
	    {"", -EINVAL, 0},
	    {"G", -EINVAL, 0},
	    {"1GB", -EINVAL, 0},
	    {"-1G", -EINVAL, 0},
	    {"1 G", -EINVAL, 0},
	    {"0x", -EINVAL, 0},
	};
	for (unsigned i = 0; i < ELEMENTSOF(sizes); i++) {
		uint64_t v = 0;
		int r = hk_parse_memsize(sizes[i].text, strlen(sizes[i].text), &v);
		if (r != sizes[i].r)
			fprintf(stderr, "memsize '%s': %d\n", sizes[i].text, r);
		CHECK_EQ_S64(r, sizes[i].r);
		if (r == 0)
			CHECK_EQ_U64(v, sizes[i].v);
	}

	uint64_t total;
	hk_hugepages_node *nodes = NULL;
	unsigned n;
	CHECK_OK(hk_parse_hugepages_count("512", 3, &total, &nodes, &n));
	CHECK_EQ_U64(total, 512);
	CHECK(nodes == NULL);
	CHECK_EQ_U64(n, 0);
	CHECK_OK(hk_parse_hugepages_count("0:1,3:20", 8, &total, &nodes, &n));
	CHECK_EQ_U64(total, 21);
	CHECK_EQ_U64(n, 2);
	if (nodes && n == 2) {
		CHECK_EQ_U64(nodes[1].node, 3);
		CHECK_EQ_U64(nodes[1].pages, 20);
	}
	free(nodes);
	static const char *const bad[] = {"",
					  "x",
					  "1x",
					  "0:",
					  "0:1,",
					  "0:1,2",
					  ":1",
					  "1:2:3",
					  "0:1;1:2",
					  "1024:1",
					  "0:18446744073709551615,1:1"};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		nodes = NULL;
		int r = hk_parse_hugepages_count(bad[i], strlen(bad[i]), &total, &nodes, &n);
		if (r >= 0)
			fprintf(stderr, "hugepages '%s' parsed\n", bad[i]);
		CHECK(r == -EINVAL || r == -ERANGE);
		CHECK(nodes == NULL);
	}

	_cleanup_(hk_cpuset_freep) hk_cpuset *s = hk_cpuset_new();
	unsigned flags = 0;
	CHECK_OK(hk_parse_cmdline_cpulist("N", 1, 4, s));
	CHECK_EQ_U64(hk_cpuset_count(s), 1);
	CHECK(hk_cpuset_test(s, 3));
	CHECK_OK(hk_parse_cmdline_cpulist("0-N:1/2", 7, 8, s));
	CHECK_EQ_U64(hk_cpuset_count(s), 4);
	/* An N that is not a whole number is junk. */
	CHECK_ERR(hk_parse_cmdline_cpulist("1N", 2, 8, s), -EINVAL);
	CHECK_ERR(hk_parse_cmdline_cpulist("N", 1, 0, s), -EINVAL);
	CHECK_OK(hk_parse_isolcpus("nohz,managed_irq,1-N", 20, 2, &flags, s));
	CHECK_EQ_U64(flags, HK_ISOLCPUS_NOHZ | HK_ISOLCPUS_MANAGED_IRQ);
	CHECK(hk_cpuset_test(s, 1) && hk_cpuset_count(s) == 1);
	/*
	 * A list that starts with "N" reads as a flag, as in the kernel's
	 * housekeeping_isolcpus_setup(): "N-7" is an invalid flag, a lone "N" an
	 * unknown one that is skipped.
	 */
	CHECK_ERR(hk_parse_isolcpus("N-7", 3, 8, &flags, s), -EINVAL);
	CHECK_OK(hk_parse_isolcpus("N", 1, 8, &flags, s));
	CHECK(hk_cpuset_is_empty(s));
	CHECK_ERR(hk_parse_isolcpus("bad-flag,1", 10, 8, &flags, s), -EINVAL);
}

static void test_settings(void)
{
	static const struct {
		const char *text;
		hk_cmdline_setting which;
		int64_t value;
		const char *formatted;
	} cases[] = {
	    {"numa_balancing=enable", HK_CMDLINE_NUMA_BALANCING, 1, "enable"},
	    {"numa_balancing=disable", HK_CMDLINE_NUMA_BALANCING, 0, "disable"},
	    {"numa_balancing=on", HK_CMDLINE_NUMA_BALANCING, -ENODATA, NULL},
	    {"transparent_hugepage=always", HK_CMDLINE_TRANSPARENT_HUGEPAGE, HK_THP_ALWAYS,
	     "always"},
	    {"transparent_hugepage=madvise", HK_CMDLINE_TRANSPARENT_HUGEPAGE, HK_THP_MADVISE,
	     "madvise"},
	    {"transparent_hugepage=never", HK_CMDLINE_TRANSPARENT_HUGEPAGE, HK_THP_NEVER, "never"},
	    {"transparent_hugepage=sometimes", HK_CMDLINE_TRANSPARENT_HUGEPAGE, -ENODATA, NULL},
	    {"nosmt", HK_CMDLINE_NOSMT, HK_NOSMT_ON, "nosmt"},
	    {"nosmt=force", HK_CMDLINE_NOSMT, HK_NOSMT_FORCE, "nosmt=force"},
	    {"nosmt=other", HK_CMDLINE_NOSMT, HK_NOSMT_ON, "nosmt"},
	    {"mitigations=off", HK_CMDLINE_MITIGATIONS, HK_MITIGATIONS_OFF, "off"},
	    {"mitigations=auto", HK_CMDLINE_MITIGATIONS, HK_MITIGATIONS_AUTO, "auto"},
	    {"mitigations=auto,nosmt", HK_CMDLINE_MITIGATIONS, HK_MITIGATIONS_AUTO_NOSMT,
	     "auto,nosmt"},
	    /* Linux 6.17's attack vectors. */
	    {"mitigations=auto,no_guest_host,no_guest_guest", HK_CMDLINE_MITIGATIONS,
	     HK_MITIGATIONS_AUTO, "auto"},
	    {"mitigations=auto,no_user_user,nosmt", HK_CMDLINE_MITIGATIONS,
	     HK_MITIGATIONS_AUTO_NOSMT, "auto,nosmt"},
	    {"mitigations=maybe", HK_CMDLINE_MITIGATIONS, -ENODATA, NULL},
	    {"mitigations=auto,bogus", HK_CMDLINE_MITIGATIONS, -ENODATA, NULL},
	    {"mitigations", HK_CMDLINE_MITIGATIONS, -ENODATA, NULL},
	    {"idle=poll", HK_CMDLINE_IDLE, HK_IDLE_POLL, "poll"},
	    {"idle=halt", HK_CMDLINE_IDLE, HK_IDLE_HALT, "halt"},
	    {"idle=nomwait", HK_CMDLINE_IDLE, HK_IDLE_NOMWAIT, "nomwait"},
	    {"idle=spin", HK_CMDLINE_IDLE, -ENODATA, NULL},
	    {"intel_idle.max_cstate=0", HK_CMDLINE_INTEL_IDLE_MAX_CSTATE, 0, "0"},
	    /* Module parameters: '-' and '_' alike. */
	    {"intel-idle.max-cstate=1", HK_CMDLINE_INTEL_IDLE_MAX_CSTATE, 1, "1"},
	    {"processor.max_cstate=1", HK_CMDLINE_PROCESSOR_MAX_CSTATE, 1, "1"},
	    {"processor.max_cstate=x", HK_CMDLINE_PROCESSOR_MAX_CSTATE, -ENODATA, NULL},
	    {"cpuidle.off=1", HK_CMDLINE_CPUIDLE_OFF, 1, "1"},
	    {"nowatchdog", HK_CMDLINE_NOWATCHDOG, 1, "1"},
	    {"nosoftlockup", HK_CMDLINE_NOSOFTLOCKUP, 1, "1"},
	    {"nmi_watchdog=0", HK_CMDLINE_NMI_WATCHDOG, 0, "0"},
	    {"nmi_watchdog=1", HK_CMDLINE_NMI_WATCHDOG, 1, "1"},
	    {"nmi_watchdog=panic", HK_CMDLINE_NMI_WATCHDOG_PANIC, 1, "panic"},
	    {"nmi_watchdog=nopanic", HK_CMDLINE_NMI_WATCHDOG_PANIC, 0, "nopanic"},
	    {"nmi_watchdog=panic,0", HK_CMDLINE_NMI_WATCHDOG, 0, "0"},
	    {"nmi_watchdog=panic,0", HK_CMDLINE_NMI_WATCHDOG_PANIC, 1, "panic"},
	    {"nmi_watchdog=maybe", HK_CMDLINE_NMI_WATCHDOG, -ENODATA, NULL},
	    {"watchdog_thresh=0", HK_CMDLINE_WATCHDOG_THRESH, 0, "0"},
	    {"watchdog_thresh=20", HK_CMDLINE_WATCHDOG_THRESH, 20, "20"},
	    {"watchdog_thresh=-1", HK_CMDLINE_WATCHDOG_THRESH, -ENODATA, NULL},
	    {"skew_tick=1", HK_CMDLINE_SKEW_TICK, 1, "1"},
	    {"tsc=reliable", HK_CMDLINE_TSC, HK_TSC_RELIABLE, "reliable"},
	    {"tsc=nowatchdog", HK_CMDLINE_TSC, HK_TSC_NOWATCHDOG, "nowatchdog"},
	    {"tsc=unstable", HK_CMDLINE_TSC, HK_TSC_UNSTABLE, "unstable"},
	    {"tsc=bogus", HK_CMDLINE_TSC, -ENODATA, NULL},
	    /* Repeats: the last one wins. */
	    {"idle=poll idle=halt", HK_CMDLINE_IDLE, HK_IDLE_HALT, "halt"},
	};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_cmdline_ hk_cmdline *c = parse(cases[i].text);
		char buf[64];
		if (!c)
			continue;
		int64_t v = hk_cmdline_setting_get(c, cases[i].which);
		if (v != cases[i].value)
			fprintf(stderr, "case '%s'\n", cases[i].text);
		CHECK_EQ_S64(v, cases[i].value);
		const char *f = hk_cmdline_setting_format(c, cases[i].which, buf, sizeof(buf));
		if (cases[i].formatted)
			CHECK_STREQ(f, cases[i].formatted);
		else
			CHECK(f == NULL);
		/* A value that does not parse is reported; the parameter is kept anyway. */
		CHECK_EQ_U64(hk_cmdline_n_errors(c), cases[i].value < 0 ? 1 : 0);
		CHECK(hk_cmdline_n_params(c) >= 1);
	}

	/* A perf raw event is taken without changing on/off. */
	_cleanup_cmdline_ hk_cmdline *raw = parse("nmi_watchdog=r003c");
	if (raw) {
		CHECK_EQ_S64(hk_cmdline_setting_get(raw, HK_CMDLINE_NMI_WATCHDOG), -ENODATA);
		CHECK_EQ_U64(hk_cmdline_n_errors(raw), 0);
	}
	/* A bad repeat is reported and leaves the valid value before it. */
	_cleanup_cmdline_ hk_cmdline *rep =
	    parse("transparent_hugepage=never transparent_hugepage=bad");
	if (rep) {
		CHECK_EQ_S64(hk_cmdline_setting_get(rep, HK_CMDLINE_TRANSPARENT_HUGEPAGE),
			     HK_THP_NEVER);
		CHECK_EQ_U64(hk_cmdline_n_errors(rep), 1);
		CHECK_EQ_S64(hk_cmdline_error_param(rep, 0), 1);
	}

	_cleanup_cmdline_ hk_cmdline *c = parse("ro");
	if (c) {
		for (unsigned w = 0; w < _HK_CMDLINE_SETTING_MAX; w++)
			CHECK_EQ_S64(hk_cmdline_setting_get(c, w), -ENODATA);
		CHECK_EQ_S64(hk_cmdline_setting_get(c, _HK_CMDLINE_SETTING_MAX), -EINVAL);
	}
}

static void test_repeats(void)
{
	/* Repeats: the typed value is the last one, the list keeps every one. */
	_cleanup_cmdline_ hk_cmdline *c =
	    parse("console=tty0 isolcpus=1-2 console=ttyS0 isolcpus=3 console=ttyS1");
	if (!c)
		return;
	CHECK_EQ_U64(hk_cmdline_n_params(c), 5);
	CHECK_STREQ(cpus(c, HK_CMDLINE_ISOLCPUS), "3");
	CHECK_EQ_S64(hk_cmdline_find(c, "console"), 4);
	CHECK_EQ_S64(hk_cmdline_find(c, "isolcpus"), 3);
	check_param(c, 0, "console", "tty0");
	check_param(c, 2, "console", "ttyS0");
}

/* ------------------------------------------------------------------------ */
/* The accepted CPU lists, and hk_kernel_load() on trees */

static void test_accepted(void)
{
	static const struct {
		const char *text;
		size_t len;
		const char *cpus; /* NULL: -EINVAL */
	} cases[] = {
	    {"\n", 1, ""},
	    {"", 0, ""},
	    /* CentOS 7's 3.10 writes an empty nohz_full as "\0\n". */
	    {"\0\n", 2, ""},
	    {"(null)\n", 7, ""},
	    /* nvidia-dgx-gb10's 6.17 pads it with blanks. */
	    {"            (null)\n", 19, ""},
	    {"1-3\n", 4, "1-3"},
	    {"1,2-7,9\n", 8, "1-7,9"},
	    {"2\0garbage", 9, "2"},
	    {"x\n", 2, NULL},
	    {"(nul)\n", 6, NULL},
	};
	_cleanup_(hk_cpuset_freep) hk_cpuset *s = hk_cpuset_new();
	char buf[64];

	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		int r = hk_parse_accepted_cpulist(cases[i].text, cases[i].len, s);
		if (!cases[i].cpus) {
			CHECK_ERR(r, -EINVAL);
			continue;
		}
		CHECK_OK(r);
		hk_cpuset_format_list(s, buf, sizeof(buf));
		CHECK_STREQ(buf, cases[i].cpus);
	}
}

static char base[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void write_file(const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	/* Parent directories first. */
	for (char *p = path + strlen(base) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		(void)mkdir(path, 0755);
		*p = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "cannot write %s: %m\n", path);
		exit(1);
	}
	close(fd);
}

static void write_text(const char *rel, const char *text)
{
	write_file(rel, text, strlen(text));
}

static void test_load(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_kernel_freep) hk_kernel *k = NULL;
	hk_diag diag;
	char buf[64];

	write_text("proc/sys/kernel/osrelease", "6.8.0-45-generic\n");
	write_text("proc/sys/kernel/version",
		   "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024\n");
	write_text("proc/sys/kernel/ostype", "Linux\n");
	write_text("proc/sys/kernel/random/boot_id", "d20f340d-5c21-40fb-8b55-46a70de8d22c\n");
	write_text("proc/cmdline", "BOOT_IMAGE=/vmlinuz isolcpus=managed_irq,domain,2-N "
				   "nohz_full=2-N rcu_nocbs=2-N -- splash\n");
	write_text("sys/devices/system/cpu/possible", "0-15\n");
	write_text("sys/devices/system/cpu/isolated", "2-15\n");
	write_file("sys/devices/system/cpu/nohz_full", "\0\n", 2);

	CHECK_OK(hk_root_open(base, 0, NULL, &root));
	if (!root)
		return;
	CHECK_OK(hk_kernel_load(root, &diag, &k));
	if (!k)
		return;
	CHECK_STREQ(hk_kernel_release(k), "6.8.0-45-generic");
	CHECK_STREQ(hk_kernel_version(k),
		    "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024");
	CHECK_STREQ(hk_kernel_ostype(k), "Linux");
	CHECK_STREQ(hk_kernel_boot_id(k), "d20f340d-5c21-40fb-8b55-46a70de8d22c");
	const hk_cmdline *c = hk_kernel_cmdline(k);
	CHECK(c != NULL);
	if (c) {
		/* "N" is CPU 15: possible is 0-15. */
		CHECK_STREQ(cpus(c, HK_CMDLINE_ISOLCPUS), "2-15");
		CHECK_STREQ(cpus(c, HK_CMDLINE_NOHZ_FULL), "2-15");
		CHECK_STREQ(cpus(c, HK_CMDLINE_RCU_NOCBS), "2-15");
		CHECK_EQ_U64(hk_cmdline_isolcpus_flags(c),
			     HK_ISOLCPUS_MANAGED_IRQ | HK_ISOLCPUS_DOMAIN);
		CHECK_STREQ(hk_cmdline_init_arg(c, 0), "splash");
	}
	CHECK(hk_kernel_isolated(k) != NULL);
	if (hk_kernel_isolated(k)) {
		hk_cpuset_format_list(hk_kernel_isolated(k), buf, sizeof(buf));
		CHECK_STREQ(buf, "2-15");
	}
	CHECK(hk_kernel_nohz_full(k) != NULL && hk_cpuset_is_empty(hk_kernel_nohz_full(k)));
	hk_kernel_free(TAKE_PTR(k));

	/* A malformed isolated fails the load, naming the file, line and text. */
	write_text("sys/devices/system/cpu/isolated", "2-x\n");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_kernel_load(root, &diag, &k), -EINVAL);
	CHECK(k == NULL);
	CHECK_STREQ(diag.path, "sys/devices/system/cpu/isolated");
	CHECK_EQ_U64(diag.line, 1);
	CHECK(strstr(diag.message, "'2-x'") != NULL);
	hk_root_free(TAKE_PTR(root));

	/* A tree with nothing of it: every part absent, no error. */
	CHECK_EQ_S64(nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	CHECK_EQ_S64(mkdir(base, 0755), 0);
	write_text("proc/meminfo", "MemTotal: 1 kB\n");
	CHECK_OK(hk_root_open(base, 0, NULL, &root));
	if (!root)
		return;
	CHECK_OK(hk_kernel_load(root, NULL, &k));
	if (!k)
		return;
	CHECK(hk_kernel_release(k) == NULL);
	CHECK(hk_kernel_version(k) == NULL);
	CHECK(hk_kernel_ostype(k) == NULL);
	CHECK(hk_kernel_boot_id(k) == NULL);
	CHECK(hk_kernel_cmdline(k) == NULL);
	CHECK(hk_kernel_isolated(k) == NULL);
	CHECK(hk_kernel_nohz_full(k) == NULL);
	hk_kernel_free(TAKE_PTR(k));

	/* Without sys/devices/system/cpu/possible, "N" cannot be resolved: an error of its
	 * parameter. */
	write_text("proc/cmdline", "nohz_full=1-N quiet\n");
	CHECK_OK(hk_kernel_load(root, NULL, &k));
	if (k && hk_kernel_cmdline(k)) {
		CHECK_STREQ(cpus(hk_kernel_cmdline(k), HK_CMDLINE_NOHZ_FULL), "(none)");
		CHECK_EQ_U64(hk_cmdline_n_errors(hk_kernel_cmdline(k)), 1);
		CHECK_EQ_U64(hk_cmdline_n_params(hk_kernel_cmdline(k)), 2);
	}
}

int main(void)
{
	test_split();
	test_blanks();
	test_empty();
	test_null();
	test_quotes();
	test_dashes();
	test_nul();
	test_long();
	test_isolcpus();
	test_cpulist_errors();
	test_cpulists();
	test_hugepages();
	test_value_parsers();
	test_settings();
	test_repeats();
	test_accepted();

	const char *tmp = getenv("TMPDIR");
	snprintf(base, sizeof(base), "%s/hk-test-kernel-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base)) {
		fprintf(stderr, "mkdtemp: %m\n");
		return 1;
	}
	test_load();
	(void)nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	TEST_DONE();
}
