/* SPDX-License-Identifier: MIT */
/*
 * The process parsers on literals (stat, status, smaps_rollup, cmdline,
 * environ, cgroup), every kernel quirk with its own case, and the loaders on
 * a small tree this test builds under a mkdtemp() directory.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/process.h>

#include "base/macro.h"
#include "host/process.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_proc_status *, hk_proc_status_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_smaps_rollup *, hk_smaps_rollup_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_process_list *, hk_process_list_free)

/* Literal as (buf, len), without its NUL. */
#define S(lit) (lit), (sizeof(lit) - 1)

/* 26231's stat from procfs's fixtures: 52 fields. */
#define STAT_VIM                                                                                   \
	"26231 (vim) R 5392 7446 5392 34835 7446 4218880 32533 309516 26 82 1677 44 158 99 20 0 "  \
	"1 0 82375 56274944 1981 18446744073709551615 4194304 6294284 140736914091744 "            \
	"140736914087944 139965136429984 0 0 12288 1870679807 0 0 0 17 0 0 0 31 0 0 8391624 "      \
	"8481048 16420864 140736914093252 140736914093279 140736914093279 140736914096107 0\n"

/* The 41 fields after comm and state of a current kernel's line, state excluded: 4..44. */
#define TAIL_4_TO_44                                                                               \
	" 1 1 1 0 -1 4194304 100 0 0 0 7 8 0 0 20 0 1 0 145203 3133440 394 18446744073709551615 "  \
	"1 2 3 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"

static bool has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static void test_stat_full(void)
{
	hk_proc_stat s;
	uint64_t u;
	int64_t v;

	CHECK_OK(hk_parse_proc_stat(S(STAT_VIM), "proc/26231/stat", NULL, &s));
	CHECK_STREQ(hk_proc_stat_comm(&s), "vim");
	CHECK(hk_proc_stat_state(&s) == 'R');
	CHECK_EQ_U64(hk_proc_stat_n_fields(&s), 52);
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_PID, &v));
	CHECK_EQ_S64(v, 26231);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_PPID, &u));
	CHECK_EQ_U64(u, 5392);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_UTIME, &u));
	CHECK_EQ_U64(u, 1677);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_STIME, &u));
	CHECK_EQ_U64(u, 44);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_STARTTIME, &u));
	CHECK_EQ_U64(u, 82375);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_VSIZE, &u));
	CHECK_EQ_U64(u, 56274944);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_RSS, &u));
	CHECK_EQ_U64(u, 1981);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_RSSLIM, &u));
	CHECK_EQ_U64(u, UINT64_MAX);
	/* rsslim does not fit int64. */
	CHECK_ERR(hk_proc_stat_get_s64(&s, HK_STAT_RSSLIM, &v), -ERANGE);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_STARTSTACK, &u));
	CHECK_EQ_U64(u, 140736914091744ull);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_DELAYACCT_BLKIO_TICKS, &u));
	CHECK_EQ_U64(u, 31);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_ENV_END, &u));
	CHECK_EQ_U64(u, 140736914096107ull);
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_EXIT_CODE, &v));
	CHECK_EQ_S64(v, 0);
	CHECK_EQ_S64(hk_proc_stat_last_cpu(&s), 0);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_POLICY, &u));
	CHECK_EQ_U64(u, 0);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_RT_PRIORITY, &u));
	CHECK_EQ_U64(u, 0);

	/* comm and state are no numbers; neither are numbers outside 1..52. */
	CHECK_ERR(hk_proc_stat_get_u64(&s, HK_STAT_COMM, &u), -EINVAL);
	CHECK_ERR(hk_proc_stat_get_u64(&s, HK_STAT_STATE, &u), -EINVAL);
	CHECK_ERR(hk_proc_stat_get_u64(&s, (hk_stat_field)0, &u), -EINVAL);
	CHECK_ERR(hk_proc_stat_get_s64(&s, _HK_STAT_FIELD_MAX, &v), -EINVAL);
	hk_proc_stat_done(&s);

	CHECK_STREQ(hk_stat_field_name(HK_STAT_PID), "pid");
	CHECK_STREQ(hk_stat_field_name(HK_STAT_PROCESSOR), "processor");
	CHECK_STREQ(hk_stat_field_name(HK_STAT_EXIT_CODE), "exit_code");
	CHECK(hk_stat_field_name((hk_stat_field)0) == NULL);
	CHECK(hk_stat_field_name(_HK_STAT_FIELD_MAX) == NULL);
	for (unsigned f = 1; f < _HK_STAT_FIELD_MAX; f++)
		CHECK(hk_stat_field_name((hk_stat_field)f) != NULL);
}

/* procfs's 584: parentheses and blanks inside comm, a second line to ignore. */
static void test_stat_odd_comm(void)
{
	static const char text[] =
	    "1020 ((a b ) ( c d) ) R 28378 1020 28378 34842 1020 4218880 286 0 0 0 0 0 0 0 20 0 "
	    "1 0 10839175 10395648 155 18446744073709551615 4194304 4238788 140736466511168 "
	    "140736466511168 140609271124624 0 0 0 0 0 0 0 17 5 0 0 0 0 0 6336016 6337300 "
	    "25579520 140736466515030 140736466515061 140736466515061 140736466518002 0\n"
	    "#!/bin/cat /proc/self/stat\n";
	hk_proc_stat s;
	uint64_t u;

	CHECK_OK(hk_parse_proc_stat(S(text), NULL, NULL, &s));
	CHECK_STREQ(hk_proc_stat_comm(&s), "(a b ) ( c d) ");
	CHECK(hk_proc_stat_state(&s) == 'R');
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_PID, &u));
	CHECK_EQ_U64(u, 1020);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_PPID, &u));
	CHECK_EQ_U64(u, 28378);
	CHECK_EQ_S64(hk_proc_stat_last_cpu(&s), 5);
	CHECK_EQ_U64(hk_proc_stat_n_fields(&s), 52);
	hk_proc_stat_done(&s);

	/* A comm that looks like the rest of a line: only the LAST ')' ends it. */
	CHECK_OK(hk_parse_proc_stat(S("7 (x) R 1 2 3) S" TAIL_4_TO_44), NULL, NULL, &s));
	CHECK_STREQ(hk_proc_stat_comm(&s), "x) R 1 2 3");
	CHECK(hk_proc_stat_state(&s) == 'S');
	hk_proc_stat_done(&s);

	/* A newline inside comm: the fields are on the second line. */
	CHECK_OK(hk_parse_proc_stat(S("8 (two\nlines) S" TAIL_4_TO_44 "\n"), NULL, NULL, &s));
	CHECK_STREQ(hk_proc_stat_comm(&s), "two\nlines");
	CHECK(hk_proc_stat_state(&s) == 'S');
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_PPID, &u));
	CHECK_EQ_U64(u, 1);
	CHECK_EQ_U64(hk_proc_stat_n_fields(&s), 44);
	hk_proc_stat_done(&s);

	/* Empty comm, and one longer than any kernel's (kept whole, on the heap). */
	CHECK_OK(hk_parse_proc_stat(S("9 () S" TAIL_4_TO_44), NULL, NULL, &s));
	CHECK_STREQ(hk_proc_stat_comm(&s), "");
	hk_proc_stat_done(&s);
	static const char longc[] =
	    "10 (0123456789012345678901234567890123456789012345678901234567890123456789) "
	    "S" TAIL_4_TO_44;
	CHECK_OK(hk_parse_proc_stat(S(longc), NULL, NULL, &s));
	CHECK_EQ_U64(strlen(hk_proc_stat_comm(&s)), 70);
	hk_proc_stat_done(&s);
}

/* procfs's 26232: INT64_MIN and INT64_MAX in signed fields, UINT64_MAX in unsigned ones. */
static void test_stat_extremes(void)
{
	static const char text[] =
	    "33 (ata_sff) S 2 0 0 0 -1 69238880 0 0 0 0 0 0 -9223372036854775808 "
	    "9223372036854775807 0 -20 1 0 5 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 "
	    "0 18446744073709551615 0 0 -9223372036854775808 9223372036854775807 0 0 0 0 0 0 0 0 "
	    "0 0 0 0 0\n";
	hk_proc_stat s;
	uint64_t u;
	int64_t v;

	CHECK_OK(hk_parse_proc_stat(S(text), NULL, NULL, &s));
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_CUTIME, &v));
	CHECK_EQ_S64(v, INT64_MIN);
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_CSTIME, &v));
	CHECK_EQ_S64(v, INT64_MAX);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_CSTIME, &u));
	CHECK_EQ_U64(u, (uint64_t)INT64_MAX);
	/* A negative value is no u64. */
	CHECK_ERR(hk_proc_stat_get_u64(&s, HK_STAT_CUTIME, &u), -ERANGE);
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_TPGID, &v));
	CHECK_EQ_S64(v, -1);
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_NICE, &v));
	CHECK_EQ_S64(v, -20);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_RSSLIM, &u));
	CHECK_EQ_U64(u, UINT64_MAX);
	/* exit_signal is INT64_MIN here, and "processor" INT64_MAX: no CPU. */
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_EXIT_SIGNAL, &v));
	CHECK_EQ_S64(v, INT64_MIN);
	CHECK_OK(hk_proc_stat_get_s64(&s, HK_STAT_PROCESSOR, &v));
	CHECK_EQ_S64(v, INT64_MAX);
	CHECK_ERR(hk_proc_stat_last_cpu(&s), -ENODATA);
	CHECK_EQ_U64(hk_proc_stat_n_fields(&s), 52);
	hk_proc_stat_done(&s);

	/* One past either end of int64, and past UINT64_MAX, is malformed. */
	CHECK_ERR(
	    hk_parse_proc_stat(S("1 (a) S -9223372036854775809" TAIL_4_TO_44), NULL, NULL, &s),
	    -EINVAL);
	CHECK_ERR(
	    hk_parse_proc_stat(S("1 (a) S 18446744073709551616" TAIL_4_TO_44), NULL, NULL, &s),
	    -EINVAL);
}

/* Old kernels write fewer fields: 44 is the least accepted, the rest read as absent. */
static void test_stat_field_counts(void)
{
	hk_proc_stat s;
	uint64_t u;
	hk_diag diag;

	CHECK_OK(hk_parse_proc_stat(S("5 (old) S" TAIL_4_TO_44 "\n"), NULL, NULL, &s));
	CHECK_EQ_U64(hk_proc_stat_n_fields(&s), 44);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_CGUEST_TIME, &u));
	CHECK_EQ_U64(u, 0);
	CHECK_ERR(hk_proc_stat_get_u64(&s, HK_STAT_START_DATA, &u), -ENODATA);
	CHECK_ERR(hk_proc_stat_get_u64(&s, HK_STAT_EXIT_CODE, &u), -ENODATA);
	CHECK_EQ_S64(hk_proc_stat_last_cpu(&s), 1);
	hk_proc_stat_done(&s);

	/* 43 fields: too few. The diag names the file, the line and the count. */
	hk_diag_clear(&diag);
	CHECK_ERR(hk_parse_proc_stat(S("5 (old) S 1 1 1 0 -1 4194304 100 0 0 0 7 8 0 0 20 0 1 0 "
				       "145203 3133440 394 18446744073709551615 1 2 3 0 0 0 0 "
				       "0 0 0 0 0 17 1 0 0 0 0\n"),
				     "proc/5/stat", &diag, &s),
		  -EINVAL);
	CHECK(diag.error == -EINVAL);
	CHECK(diag.line == 1);
	CHECK_STREQ(diag.path, "proc/5/stat");
	CHECK(has(diag.message, "43 fields"));
	CHECK(has(diag.message, "proc/5/stat line 1"));

	/* A newer kernel's extra fields are counted and otherwise ignored. */
	CHECK_OK(hk_parse_proc_stat(S("26231 (vim) R 5392 7446 5392 34835 7446 4218880 32533 "
				      "309516 26 82 1677 44 158 99 20 0 1 0 82375 56274944 1981 "
				      "18446744073709551615 4194304 6294284 1 1 1 0 0 12288 1 0 "
				      "0 0 17 0 0 0 31 0 0 8391624 8481048 16420864 1 1 1 1 0 7 "
				      "x\n"),
				    NULL, NULL, &s));
	CHECK_EQ_U64(hk_proc_stat_n_fields(&s), 54);
	CHECK_OK(hk_proc_stat_get_u64(&s, HK_STAT_EXIT_CODE, &u));
	CHECK_EQ_U64(u, 0);
	hk_proc_stat_done(&s);
}

static void test_stat_malformed(void)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "26231 vim R 1 2 3\n",
	    "26231 (vim R 1 2 3\n",
	    "(vim) R" TAIL_4_TO_44,
	    "x (vim) R" TAIL_4_TO_44,
	    "26231(vim) R" TAIL_4_TO_44,
	    "26231 (vim) RS" TAIL_4_TO_44,
	    "26231 (vim)" TAIL_4_TO_44,
	    "26231 (vim) R 1 2 x 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 "
	    "28 29 30 31 32 33 34 35 36 37 38 39 40 41",
	    "26231 (vim) R 1 2 +3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 "
	    "27 28 29 30 31 32 33 34 35 36 37 38 39 40 41",
	    "26231 (vim) R 1 2 - 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 "
	    "28 29 30 31 32 33 34 35 36 37 38 39 40 41",
	};
	hk_proc_stat s;
	hk_diag diag;

	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		hk_diag_clear(&diag);
		long r = hk_parse_proc_stat(bad[i], strlen(bad[i]), "proc/1/stat", &diag, &s);
		if (r != -EINVAL)
			fprintf(stderr, "case %u: '%s' gave %ld\n", i, bad[i], r);
		CHECK(r == -EINVAL);
		CHECK(diag.error == -EINVAL && diag.message[0]);
	}
	/* A NUL byte in the line. */
	static const char nul[] = "26231 (v\0m) R" TAIL_4_TO_44;
	CHECK_ERR(hk_parse_proc_stat(nul, sizeof(nul) - 1, NULL, NULL, &s), -EINVAL);

	/* The diag quotes the field at fault, by number and name. */
	hk_diag_clear(&diag);
	CHECK_ERR(hk_parse_proc_stat(S("1 (a) S 1 1 1 0 -1 4194304 100 0 0 0 seven 8 0 0 20 0 1 0 "
				       "145203 3133440 394 18446744073709551615 1 2 3 0 0 0 0 "
				       "0 0 0 0 0 17 1 0 0 0 0 0\n"),
				     "proc/1/stat", &diag, &s),
		  -EINVAL);
	CHECK(has(diag.message, "field 14 (utime)"));
	CHECK(has(diag.message, "'seven'"));
}

static void test_names(void)
{
	CHECK_STREQ(hk_sched_policy_name(0), "other");
	CHECK_STREQ(hk_sched_policy_name(1), "fifo");
	CHECK_STREQ(hk_sched_policy_name(2), "rr");
	CHECK_STREQ(hk_sched_policy_name(3), "batch");
	CHECK_STREQ(hk_sched_policy_name(5), "idle");
	CHECK_STREQ(hk_sched_policy_name(6), "deadline");
	CHECK_STREQ(hk_sched_policy_name(7), "ext");
	CHECK(hk_sched_policy_name(8) == NULL);
	CHECK(hk_sched_policy_name(UINT64_MAX) == NULL);
	CHECK_STREQ(hk_proc_state_name('R'), "running");
	CHECK_STREQ(hk_proc_state_name('S'), "sleeping");
	CHECK_STREQ(hk_proc_state_name('D'), "disk sleep");
	CHECK_STREQ(hk_proc_state_name('Z'), "zombie");
	CHECK_STREQ(hk_proc_state_name('t'), "tracing stop");
	CHECK_STREQ(hk_proc_state_name('I'), "idle");
	CHECK(hk_proc_state_name('?') == NULL);
	CHECK(hk_proc_state_name(0) == NULL);
}

/* 26231's status: tab-separated, with a blank first line. */
static const char status_tab[] = "\n"
				 "Name:\tprometheus\n"
				 "Umask:\t0022\n"
				 "State:\tS (sleeping)\n"
				 "Tgid:\t26231\n"
				 "Ngid:\t0\n"
				 "Pid:\t26231\n"
				 "PPid:\t1\n"
				 "TracerPid:\t0\n"
				 "Uid:\t1000\t1000\t1000\t0\n"
				 "Gid:\t1001\t1001\t1001\t0\n"
				 "FDSize:\t128\n"
				 "Groups:\t \n"
				 "NStgid:\t1\n"
				 "NSpid:\t1\n"
				 "VmPeak:\t   58472 kB\n"
				 "VmRSS:\t    6716 kB\n"
				 "RssAnon:\t    2092 kB\n"
				 "HugetlbPages:\t       0 kB\n"
				 "Threads:\t1\n"
				 "SigQ:\t8/63965\n"
				 "CapPrm:\t0000003fffffffff\n"
				 "Speculation_Store_Bypass:\tthread vulnerable\n"
				 "Cpus_allowed:\tff\n"
				 "Cpus_allowed_list:\t0-7\n"
				 "Mems_allowed:\t00000000,00000001\n"
				 "Mems_allowed_list:\t0\n"
				 "voluntary_ctxt_switches:\t4742839\n"
				 "nonvoluntary_ctxt_switches:\t1727500\n";

/* 26235's: spaces instead of tabs, a 2-level NSpid. */
static const char status_spaces[] = "Name:   kube-proxy\n"
				    "State:  S (sleeping)\n"
				    "Tgid:   26235\n"
				    "Pid:    26235\n"
				    "PPid:   1234\n"
				    "Uid:\t0\t0\t0\t0\n"
				    "Gid:    0 0 0 0\n"
				    "NStgid: 26235\t1\n"
				    "NSpid:  26235\t1\n"
				    "NSpgid: 26235\t1\n"
				    "VmRSS:     42652 kB\n"
				    "RssAnon:           24852 kB\n"
				    "Threads:        51\n"
				    "Cpus_allowed_list:\t0-7\n";

static void test_status(void)
{
	_cleanup_(hk_proc_status_freep) hk_proc_status *s = NULL;
	uint32_t ids[4];
	const int *ns;
	size_t n;
	uint64_t u;
	char buf[64];

	CHECK_OK(hk_parse_proc_status(S(status_tab), "proc/26231/status", NULL, &s));
	if (!s)
		return;
	CHECK_EQ_U64(hk_proc_status_n_fields(s), 28);
	CHECK_STREQ(hk_proc_status_field_name(s, 0), "Name");
	CHECK_STREQ(hk_proc_status_field_value(s, 0), "prometheus");
	CHECK(hk_proc_status_field_name(s, 28) == NULL);
	CHECK_STREQ(hk_proc_status_get(s, "Name"), "prometheus");
	CHECK_STREQ(hk_proc_status_get(s, "Groups"), "");
	CHECK_STREQ(hk_proc_status_get(s, "Speculation_Store_Bypass"), "thread vulnerable");
	CHECK_STREQ(hk_proc_status_get(s, "Uid"), "1000\t1000\t1000\t0");
	CHECK(hk_proc_status_get(s, "Nope") == NULL);
	CHECK(hk_proc_status_state(s) == 'S');
	CHECK_OK(hk_proc_status_u64(s, "Tgid", &u));
	CHECK_EQ_U64(u, 26231);
	CHECK_OK(hk_proc_status_u64(s, "PPid", &u));
	CHECK_EQ_U64(u, 1);
	CHECK_OK(hk_proc_status_u64(s, "Threads", &u));
	CHECK_EQ_U64(u, 1);
	CHECK_OK(hk_proc_status_u64(s, "voluntary_ctxt_switches", &u));
	CHECK_EQ_U64(u, 4742839);
	CHECK_OK(hk_proc_status_u64(s, "nonvoluntary_ctxt_switches", &u));
	CHECK_EQ_U64(u, 1727500);
	CHECK_ERR(hk_proc_status_u64(s, "Name", &u), -EINVAL);
	CHECK_ERR(hk_proc_status_u64(s, "Nope", &u), -ENODATA);
	CHECK_OK(hk_proc_status_kib(s, "VmRSS", &u));
	CHECK_EQ_U64(u, 6716);
	CHECK_OK(hk_proc_status_kib(s, "VmPeak", &u));
	CHECK_EQ_U64(u, 58472);
	CHECK_OK(hk_proc_status_kib(s, "HugetlbPages", &u));
	CHECK_EQ_U64(u, 0);
	CHECK_ERR(hk_proc_status_kib(s, "Threads", &u), -EINVAL);
	CHECK_ERR(hk_proc_status_kib(s, "VmSwap", &u), -ENODATA);
	CHECK_OK(hk_proc_status_uids(s, ids));
	CHECK(ids[0] == 1000 && ids[1] == 1000 && ids[2] == 1000 && ids[3] == 0);
	CHECK_OK(hk_proc_status_gids(s, ids));
	CHECK(ids[0] == 1001 && ids[3] == 0);
	CHECK_OK(hk_proc_status_nspid(s, &ns, &n));
	CHECK(n == 1 && ns[0] == 1);
	CHECK(hk_proc_status_cpus_allowed(s) &&
	      hk_cpuset_format_list(hk_proc_status_cpus_allowed(s), buf, sizeof(buf)) > 0 &&
	      strcmp(buf, "0-7") == 0);
	CHECK(hk_proc_status_mems_allowed(s) &&
	      hk_cpuset_count(hk_proc_status_mems_allowed(s)) == 1);
	hk_proc_status_free(TAKE_PTR(s));

	CHECK_OK(hk_parse_proc_status(S(status_spaces), NULL, NULL, &s));
	if (!s)
		return;
	CHECK_STREQ(hk_proc_status_get(s, "Name"), "kube-proxy");
	CHECK(hk_proc_status_state(s) == 'S');
	CHECK_OK(hk_proc_status_u64(s, "Pid", &u));
	CHECK_EQ_U64(u, 26235);
	CHECK_OK(hk_proc_status_u64(s, "PPid", &u));
	CHECK_EQ_U64(u, 1234);
	CHECK_OK(hk_proc_status_u64(s, "Threads", &u));
	CHECK_EQ_U64(u, 51);
	CHECK_OK(hk_proc_status_kib(s, "RssAnon", &u));
	CHECK_EQ_U64(u, 24852);
	CHECK_OK(hk_proc_status_gids(s, ids));
	CHECK(ids[0] == 0 && ids[3] == 0);
	CHECK_OK(hk_proc_status_nspid(s, &ns, &n));
	CHECK(n == 2 && ns[0] == 26235 && ns[1] == 1);
	CHECK_OK(hk_proc_status_nstgid(s, &ns, &n));
	CHECK(n == 2 && ns[0] == 26235 && ns[1] == 1);
	CHECK(hk_proc_status_mems_allowed(s) == NULL);
	hk_proc_status_free(TAKE_PTR(s));

	/* Old kernels: no NSpid, no Uid; an empty file. */
	CHECK_OK(hk_parse_proc_status(S("Name:\tx\nState:\tR (running)\n"), NULL, NULL, &s));
	if (s) {
		CHECK_ERR(hk_proc_status_nspid(s, &ns, &n), -ENODATA);
		CHECK_ERR(hk_proc_status_nstgid(s, &ns, &n), -ENODATA);
		CHECK_ERR(hk_proc_status_uids(s, ids), -ENODATA);
		CHECK(hk_proc_status_cpus_allowed(s) == NULL);
		hk_proc_status_free(TAKE_PTR(s));
	}
	CHECK_OK(hk_parse_proc_status("", 0, NULL, NULL, &s));
	if (s) {
		CHECK_EQ_U64(hk_proc_status_n_fields(s), 0);
		CHECK(hk_proc_status_state(s) == 0);
		hk_proc_status_free(TAKE_PTR(s));
	}
	/* A command named like a size is no size. */
	CHECK_OK(hk_parse_proc_status(S("Name:\tmykB\nVmRSS:\t1 kB\n"), NULL, NULL, &s));
	hk_proc_status_free(TAKE_PTR(s));
	CHECK_OK(hk_parse_proc_status(S("Name:\tx kB\n"), NULL, NULL, &s));
	if (s)
		CHECK_STREQ(hk_proc_status_get(s, "Name"), "x kB");
	hk_proc_status_free(TAKE_PTR(s));
	/* No newline at the end, CRLF line ends. */
	CHECK_OK(hk_parse_proc_status(S("Name:\tx\r\nVmRSS: 12 kB"), NULL, NULL, &s));
	if (s) {
		CHECK_STREQ(hk_proc_status_get(s, "Name"), "x");
		CHECK_OK(hk_proc_status_kib(s, "VmRSS", &u));
		CHECK_EQ_U64(u, 12);
		hk_proc_status_free(TAKE_PTR(s));
	}
}

static void test_status_malformed(void)
{
	static const struct {
		const char *text;
		unsigned line;
	} bad[] = {
	    {"Name:\tx\nno colon here\n", 2},
	    {":\tx\n", 1},
	    {"Na me:\tx\n", 1},
	    {"Uid:\t1 2 3\n", 1},
	    {"Uid:\t1 2 3 4 5\n", 1},
	    {"Gid:\t1 2 3 4294967296\n", 1},
	    {"Name:\tx\n\nVmRSS:\tlots kB\n", 3},
	    {"VmRSS:\t12\n", 1},
	    {"VmRSS:\t12 MB\n", 1},
	    {"Tgid:\tx\n", 1},
	    {"Threads:\t-1\n", 1},
	    {"State:\t\n", 1},
	    {"NSpid:\t\n", 1},
	    {"NSpid:\t1 x\n", 1},
	    {"NSpid:\t1 2147483648\n", 1},
	    {"Cpus_allowed_list:\t0-\n", 1},
	    {"Mems_allowed_list:\tq\n", 1},
	};
	hk_proc_status *s = NULL;
	hk_diag diag;

	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		hk_diag_clear(&diag);
		long r = hk_parse_proc_status(bad[i].text, strlen(bad[i].text), "proc/7/status",
					      &diag, &s);
		if (r != -EINVAL || diag.line != bad[i].line)
			fprintf(stderr, "case %u: gave %ld, line %u\n", i, r, diag.line);
		CHECK(r == -EINVAL);
		CHECK(diag.line == bad[i].line);
		CHECK(has(diag.message, "proc/7/status"));
	}
	static const char nul[] = "Name:\tx\0y\n";
	CHECK_ERR(hk_parse_proc_status(nul, sizeof(nul) - 1, NULL, NULL, &s), -EINVAL);
	CHECK(s == NULL);
}

static void test_smaps_rollup(void)
{
	static const char old[] =
	    "00400000-ffffffffff601000 ---p 00000000 00:00 0                          [rollup]\n"
	    "Rss:               29948 kB\n"
	    "Pss:               29944 kB\n"
	    "Shared_Clean:          4 kB\n"
	    "Private_Dirty:     14396 kB\n"
	    "Swap:               1940 kB\n"
	    "SwapPss:            1940 kB\n"
	    "Locked:                0 kB\n";
	static const char newer[] =
	    "561093122000-7ffc69d63000 ---p 00000000 00:00 0                          [rollup]\n"
	    "Rss:                1776 kB\n"
	    "Pss:                 273 kB\n"
	    "Pss_Dirty:           112 kB\n"
	    "Pss_Anon:            112 kB\n"
	    "Pss_File:            161 kB\n"
	    "Pss_Shmem:             0 kB\n";
	_cleanup_(hk_smaps_rollup_freep) hk_smaps_rollup *r = NULL;
	uint64_t a, b;

	CHECK_OK(hk_parse_smaps_rollup(S(old), NULL, NULL, &r));
	if (!r)
		return;
	CHECK_OK(hk_smaps_rollup_range(r, &a, &b));
	CHECK_EQ_U64(a, 0x400000);
	CHECK_EQ_U64(b, 0xffffffffff601000ull);
	CHECK_EQ_U64(hk_smaps_rollup_n_fields(r), 7);
	CHECK_STREQ(hk_smaps_rollup_field_name(r, 0), "Rss");
	CHECK_EQ_U64(hk_smaps_rollup_field_kib(r, 0), 29948);
	CHECK(hk_smaps_rollup_field_name(r, 7) == NULL);
	CHECK_EQ_U64(hk_smaps_rollup_field_kib(r, 7), 0);
	CHECK_OK(hk_smaps_rollup_kib(r, "Private_Dirty", &a));
	CHECK_EQ_U64(a, 14396);
	CHECK_OK(hk_smaps_rollup_kib(r, "SwapPss", &a));
	CHECK_EQ_U64(a, 1940);
	/* Pss_Anon and friends came with 5.9. */
	CHECK_ERR(hk_smaps_rollup_kib(r, "Pss_Anon", &a), -ENODATA);
	hk_smaps_rollup_free(TAKE_PTR(r));

	CHECK_OK(hk_parse_smaps_rollup(S(newer), NULL, NULL, &r));
	if (!r)
		return;
	CHECK_OK(hk_smaps_rollup_kib(r, "Pss_Anon", &a));
	CHECK_EQ_U64(a, 112);
	CHECK_OK(hk_smaps_rollup_kib(r, "Pss_File", &a));
	CHECK_EQ_U64(a, 161);
	CHECK_OK(hk_smaps_rollup_kib(r, "Pss_Shmem", &a));
	CHECK_EQ_U64(a, 0);
	CHECK_OK(hk_smaps_rollup_range(r, &a, &b));
	CHECK_EQ_U64(a, 0x561093122000ull);
	hk_smaps_rollup_free(TAKE_PTR(r));

	/* No header, no trailing newline; empty. */
	CHECK_OK(hk_parse_smaps_rollup(S("Rss: 4 kB"), NULL, NULL, &r));
	if (r) {
		CHECK_ERR(hk_smaps_rollup_range(r, &a, &b), -ENODATA);
		CHECK_EQ_U64(hk_smaps_rollup_n_fields(r), 1);
		hk_smaps_rollup_free(TAKE_PTR(r));
	}
	CHECK_OK(hk_parse_smaps_rollup("", 0, NULL, NULL, &r));
	if (r) {
		CHECK_EQ_U64(hk_smaps_rollup_n_fields(r), 0);
		hk_smaps_rollup_free(TAKE_PTR(r));
	}

	static const struct {
		const char *text;
		unsigned line;
	} bad[] = {
	    {"Rss: 12\n", 1},
	    {"Rss 12 kB\n", 1},
	    {"00400000-00500000 ---p 0 00:00 0 [rollup]\nRss: x kB\n", 2},
	    {"Rss: 1 kB\n00400000-00500000 ---p 0 00:00 0 [rollup]\n", 2},
	    {"0040000g-00500000 ---p 0 00:00 0 [rollup]\n", 1},
	};
	hk_diag diag;
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		hk_diag_clear(&diag);
		CHECK_ERR(hk_parse_smaps_rollup(bad[i].text, strlen(bad[i].text), "x", &diag, &r),
			  -EINVAL);
		CHECK(diag.line == bad[i].line);
	}
}

static void test_nul_lists(void)
{
	hk_strv v;

	/* procfs's 26231 cmdline, with and without the trailing NUL. */
	CHECK_OK(hk_parse_nul_list(S("vim\0test.go\0+10\0"), &v));
	CHECK(v.n == 3);
	if (v.n == 3) {
		CHECK_STREQ(v.items[0], "vim");
		CHECK_STREQ(v.items[1], "test.go");
		CHECK_STREQ(v.items[2], "+10");
	}
	hk_strv_done(&v);
	CHECK_OK(hk_parse_nul_list(S("vim\0test.go\0+10"), &v));
	CHECK(v.n == 3);
	if (v.n == 3)
		CHECK_STREQ(v.items[2], "+10");
	hk_strv_done(&v);

	/* A kernel thread's empty cmdline; one empty argument; empty ones inside. */
	CHECK_OK(hk_parse_nul_list("", 0, &v));
	CHECK(v.n == 0);
	hk_strv_done(&v);
	CHECK_OK(hk_parse_nul_list(S("\0"), &v));
	CHECK(v.n == 1 && v.items[0][0] == 0);
	hk_strv_done(&v);
	CHECK_OK(hk_parse_nul_list(S("a\0\0b"), &v));
	CHECK(v.n == 3);
	if (v.n == 3)
		CHECK(strcmp(v.items[0], "a") == 0 && v.items[1][0] == 0 &&
		      strcmp(v.items[2], "b") == 0);
	hk_strv_done(&v);
	CHECK_OK(hk_parse_nul_list(S("a\0\0"), &v));
	CHECK(v.n == 2);
	hk_strv_done(&v);
	/* setproctitle() style: one argument holding blanks. */
	CHECK_OK(hk_parse_nul_list(S("nginx: worker process"), &v));
	CHECK(v.n == 1);
	if (v.n == 1)
		CHECK_STREQ(v.items[0], "nginx: worker process");
	hk_strv_done(&v);
}

static void test_environ(void)
{
	hk_environ e;

	/* Entries without '=', duplicate names and empty values are kept, in order. */
	CHECK_OK(hk_parse_environ(S("A=1\0NOEQ\0A=2\0=x\0B=\0C=a=b\0"), &e));
	CHECK(e.entries.n == 6);
	if (e.entries.n == 6) {
		CHECK_STREQ(e.entries.items[0], "A");
		CHECK_STREQ(e.values[0], "1");
		CHECK_STREQ(e.entries.items[1], "NOEQ");
		CHECK(e.values[1] == NULL);
		CHECK_STREQ(e.entries.items[2], "A");
		CHECK_STREQ(e.values[2], "2");
		CHECK_STREQ(e.entries.items[3], "");
		CHECK_STREQ(e.values[3], "x");
		CHECK_STREQ(e.entries.items[4], "B");
		CHECK_STREQ(e.values[4], "");
		CHECK_STREQ(e.entries.items[5], "C");
		CHECK_STREQ(e.values[5], "a=b");
	}
	hk_environ_done(&e);

	/* Without the trailing NUL. */
	CHECK_OK(hk_parse_environ(S("PATH=/bin\0HOME=/root"), &e));
	CHECK(e.entries.n == 2);
	if (e.entries.n == 2) {
		CHECK_STREQ(e.entries.items[1], "HOME");
		CHECK_STREQ(e.values[1], "/root");
	}
	hk_environ_done(&e);

	CHECK_OK(hk_parse_environ("", 0, &e));
	CHECK(e.entries.n == 0);
	hk_environ_done(&e);
}

static void test_cgroup_list(void)
{
	hk_cgroup_list l;
	hk_diag diag;

	CHECK_OK(hk_parse_cgroup_list(S("12:cpu,cpuacct:/system.slice\n"
					"1:name=systemd:/user.slice/a:b.scope\n"
					"\n"
					"0::/\n"),
				      NULL, NULL, &l));
	CHECK(l.n == 3);
	if (l.n == 3) {
		CHECK(hk_proc_cgroup_hierarchy(&l.items[0]) == 12);
		CHECK_STREQ(hk_proc_cgroup_controllers(&l.items[0]), "cpu,cpuacct");
		CHECK_STREQ(hk_proc_cgroup_path(&l.items[0]), "/system.slice");
		/* The path keeps its own ':'. */
		CHECK_STREQ(hk_proc_cgroup_path(&l.items[1]), "/user.slice/a:b.scope");
		CHECK(hk_proc_cgroup_hierarchy(&l.items[2]) == 0);
		CHECK_STREQ(hk_proc_cgroup_controllers(&l.items[2]), "");
		CHECK_STREQ(hk_proc_cgroup_path(&l.items[2]), "/");
	}
	hk_cgroup_list_done(&l);

	hk_diag_clear(&diag);
	CHECK_ERR(hk_parse_cgroup_list(S("0::/\nx:cpu:/\n"), "proc/1/cgroup", &diag, &l), -EINVAL);
	CHECK(diag.line == 2);
	CHECK_ERR(hk_parse_cgroup_list(S("0:/\n"), NULL, NULL, &l), -EINVAL);
	CHECK_ERR(hk_parse_cgroup_list(S(":cpu:/\n"), NULL, NULL, &l), -EINVAL);
}

/* ---- The loaders, on a tree of files ---- */

static char tree[PATH_MAX / 2];

static void put(const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	for (char *s = path + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(path, 0755);
		*s = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	close(fd);
}

#define PUT(rel, lit) put(rel, lit, sizeof(lit) - 1)

static void test_loaders(void)
{
	_cleanup_(hk_process_list_freep) hk_process_list *l = NULL;
	hk_root *root = NULL;
	hk_process *p = NULL;
	hk_proc_stat *s = NULL;
	hk_diag diag;
	char path[PATH_MAX];
	int64_t v;

	if (harness_mkdtemp("hk-test-process.XXXXXX", tree, sizeof(tree)) < 0) {
		fprintf(stderr, "mkdtemp failed\n");
		test_failures++;
		return;
	}
	PUT("proc/100/stat", "100 (main) S" TAIL_4_TO_44 " 1 2 3 4 5 6 7 8\n");
	PUT("proc/100/status", "Name:\tmain\nState:\tS (sleeping)\nNSpid:\t100\t1\n");
	PUT("proc/100/cmdline", "main\0--flag\0");
	PUT("proc/100/environ", "A=1\0B\0");
	PUT("proc/100/oom_score", "667\n");
	PUT("proc/100/oom_score_adj", "-1000\n");
	PUT("proc/100/cgroup", "0::/app.slice\n");
	PUT("proc/100/task/100/stat", "100 (main) S" TAIL_4_TO_44 "\n");
	PUT("proc/100/task/101/stat", "101 (worker) R" TAIL_4_TO_44 "\n");
	PUT("proc/100/task/102/comm", "gone\n");
	PUT("proc/200/status", "Name:\tpartial\n");
	PUT("proc/30/stat", "30 (kthreadd) S" TAIL_4_TO_44 "\n");
	PUT("proc/self-not-a-pid", "x");
	PUT("proc/0100/stat", "garbage");
	snprintf(path, sizeof(path), "%s/proc/self", tree);
	CHECK(symlink("100", path) == 0);

	if (CHECK_OK(hk_root_open(tree, 0, NULL, &root)) < 0)
		goto out;

	/* The list: by PID, 200 (no stat) and non-PID names left out. */
	CHECK_OK(hk_process_list_load(root, NULL, &l));
	if (l) {
		CHECK_EQ_U64(hk_process_list_count(l), 2);
		CHECK(hk_process_list_pid(l, 0) == 30);
		CHECK(hk_process_list_pid(l, 1) == 100);
		CHECK(hk_process_list_pid(l, 2) == -ERANGE);
		CHECK(hk_process_list_stat(l, 2) == NULL);
		CHECK_STREQ(hk_proc_stat_comm(hk_process_list_stat(l, 1)), "main");
	}

	/* One process in full; pid 0 is proc/self. */
	CHECK_OK(hk_process_load(root, 0, HK_PROCESS_LOAD_ALL, NULL, &p));
	if (p) {
		CHECK(hk_process_pid(p) == 100);
		CHECK(hk_process_stat(p) != NULL);
		CHECK_EQ_U64(hk_proc_stat_n_fields(hk_process_stat(p)), 52);
		CHECK(hk_process_status(p) && hk_proc_status_state(hk_process_status(p)) == 'S');
		CHECK_ERR(hk_process_item_error(p, HK_PROCESS_SMAPS_ROLLUP), -ENOENT);
		CHECK(hk_process_smaps_rollup(p) == NULL);
		CHECK_OK(hk_process_oom_score(p, &v));
		CHECK_EQ_S64(v, 667);
		CHECK_OK(hk_process_oom_score_adj(p, &v));
		CHECK_EQ_S64(v, -1000);
		CHECK_EQ_U64(hk_process_n_cgroups(p), 1);
		CHECK_STREQ(hk_proc_cgroup_path(hk_process_cgroup(p, 0)), "/app.slice");
		CHECK(hk_process_cgroup(p, 1) == NULL);
		CHECK_EQ_U64(hk_process_n_args(p), 2);
		CHECK_STREQ(hk_process_arg(p, 1), "--flag");
		CHECK(hk_process_arg(p, 2) == NULL);
		CHECK_EQ_U64(hk_process_n_env(p), 2);
		CHECK_STREQ(hk_process_env_name(p, 1), "B");
		CHECK(hk_process_env_value(p, 1) == NULL);
		CHECK_STREQ(hk_process_env_value(p, 0), "1");
		/* task/102 has no stat: left out. */
		CHECK_EQ_U64(hk_process_n_threads(p), 2);
		CHECK(hk_process_thread_tid(p, 1) == 101);
		CHECK(hk_process_thread_tid(p, 2) == -ERANGE);
		CHECK(hk_process_thread_stat(p, 1) &&
		      hk_proc_stat_state(hk_process_thread_stat(p, 1)) == 'R');
		CHECK_STREQ(hk_proc_stat_comm(hk_process_thread_stat(p, 1)), "worker");
		CHECK(hk_process_item_error(p, _HK_PROCESS_ITEM_MAX) == -EINVAL);
		hk_process_free(TAKE_PTR(p));
	}

	/* Only what was asked for is read. */
	CHECK_OK(hk_process_load(root, 100, HK_PROCESS_LOAD(HK_PROCESS_CMDLINE), NULL, &p));
	if (p) {
		CHECK_ERR(hk_process_item_error(p, HK_PROCESS_STATUS), -ENODATA);
		CHECK(hk_process_status(p) == NULL);
		CHECK_EQ_U64(hk_process_n_args(p), 2);
		CHECK_ERR(hk_process_oom_score(p, &v), -ENODATA);
		hk_process_free(TAKE_PTR(p));
	}

	/* A partial capture: status without stat. */
	CHECK_OK(hk_process_load(root, 200, HK_PROCESS_LOAD_ALL, NULL, &p));
	if (p) {
		CHECK(hk_process_stat(p) == NULL);
		CHECK_ERR(hk_process_item_error(p, HK_PROCESS_STAT), -ENOENT);
		CHECK_STREQ(hk_proc_status_get(hk_process_status(p), "Name"), "partial");
		CHECK_ERR(hk_process_item_error(p, HK_PROCESS_THREADS), -ENOENT);
		hk_process_free(TAKE_PTR(p));
	}

	/* No such process. */
	hk_diag_clear(&diag);
	CHECK_ERR(hk_process_load(root, 300, HK_PROCESS_LOAD_ALL, &diag, &p), -ESRCH);
	CHECK(has(diag.message, "no such process"));
	CHECK_ERR(hk_process_load(root, -1, 0, NULL, &p), -EINVAL);
	CHECK_ERR(hk_process_load(root, 100, 1u << 31, NULL, &p), -EINVAL);

	/* hk_proc_stat_load: a process, a thread, self, and one that is not there. */
	CHECK_OK(hk_proc_stat_load(root, 100, 101, NULL, &s));
	if (s)
		CHECK_STREQ(hk_proc_stat_comm(s), "worker");
	hk_proc_stat_free(TAKE_PTR(s));
	CHECK_OK(hk_proc_stat_load(root, 0, 0, NULL, &s));
	if (s)
		CHECK_STREQ(hk_proc_stat_comm(s), "main");
	hk_proc_stat_free(TAKE_PTR(s));
	CHECK_ERR(hk_proc_stat_load(root, 100, 102, NULL, &s), -ESRCH);
	CHECK_ERR(hk_proc_stat_load(root, 999, 0, NULL, &s), -ESRCH);
	hk_proc_stat_free(NULL);

	/* A malformed stat fails the list, naming the file and line. */
	PUT("proc/400/stat", "400 (bad) S 1 2\n");
	hk_process_list_free(TAKE_PTR(l));
	hk_diag_clear(&diag);
	CHECK_ERR(hk_process_list_load(root, &diag, &l), -EINVAL);
	CHECK_STREQ(diag.path, "proc/400/stat");
	CHECK(diag.line == 1);

	/* A malformed status fails the process load. */
	PUT("proc/100/status", "Name:\tmain\nUid:\t1\n");
	hk_diag_clear(&diag);
	CHECK_ERR(hk_process_load(root, 100, HK_PROCESS_LOAD_ALL, &diag, &p), -EINVAL);
	CHECK_STREQ(diag.path, "proc/100/status");
	CHECK(diag.line == 2);
out:
	hk_root_free(root);
	(void)harness_remove_tree(tree);
}

/* A tree without proc/ has no processes to list. */
static void test_no_proc(void)
{
	char dir[PATH_MAX], sys[PATH_MAX + 8];
	hk_root *root = NULL;
	hk_process_list *l = NULL;

	if (harness_mkdtemp("hk-test-noproc.XXXXXX", dir, sizeof(dir)) < 0)
		return;
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	mkdir(sys, 0755);
	if (hk_root_open(dir, 0, NULL, &root) >= 0) {
		CHECK_ERR(hk_process_list_load(root, NULL, &l), -ENOENT);
		hk_root_free(root);
	}
	rmdir(sys);
	rmdir(dir);
}

int main(void)
{
	test_stat_full();
	test_stat_odd_comm();
	test_stat_extremes();
	test_stat_field_counts();
	test_stat_malformed();
	test_names();
	test_status();
	test_status_malformed();
	test_smaps_rollup();
	test_nul_lists();
	test_environ();
	test_cgroup_list();
	test_loaders();
	test_no_proc();
	TEST_DONE();
}
