/* SPDX-License-Identifier: MIT */
/*
 * The memory model's parsers on literals (meminfo, numastat, buddyinfo,
 * zoneinfo, hugepages names, THP choices, mount options), and its loader on
 * small trees written to a temporary directory: absent files, per-node-only
 * huge page sizes, meminfo standing in for sysfs, RHEL 6's THP directory,
 * and malformed files named in the diagnostic.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/memory.h>
#include <hostkit/root.h>

#include "base/macro.h"
#include "host/memory.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_memory *, hk_memory_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_memfields *, hk_memfields_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_thp_choice *, hk_thp_choice_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)

#define S(lit) lit, sizeof(lit) - 1

static uint64_t field(const hk_memfields *f, const char *name)
{
	uint64_t v = UINT64_MAX;
	(void)hk_memfields_get(f, name, &v);
	return v;
}

static hk_memunit unit_of(const hk_memfields *f, const char *name)
{
	for (unsigned i = 0; i < hk_memfields_count(f); i++)
		if (strcmp(hk_memfields_name(f, i), name) == 0)
			return hk_memfields_unit(f, i);
	return (hk_memunit)-1;
}

/* ---- meminfo ---- */

/* A 5.x x86_64 meminfo (prometheus/procfs's fixture, trimmed), with Zswap. */
static const char meminfo_5x[] = "MemTotal:       15666184 kB\n"
				 "MemFree:          440324 kB\n"
				 "Active(anon):     267256 kB\n"
				 "Zswap:             22414 kB\n"
				 "Zswapped:          10502 kB\n"
				 "CommitLimit:     7833092 kB\n"
				 "Committed_AS:     530844 kB\n"
				 "VmallocTotal:   34359738367 kB\n"
				 "HugePages_Total:       0\n"
				 "HugePages_Free:        0\n"
				 "HugePages_Rsvd:        0\n"
				 "HugePages_Surp:        0\n"
				 "Hugepagesize:       2048 kB\n"
				 "DirectMap2M:    16039936 kB\n";

/* 6.x adds fields (SecPageTables, Unaccepted, Hugetlb, DirectMap1G); arm64 has 64K pages. */
static const char meminfo_6x[] = "MemTotal:       24730032 kB\n"
				 "MemAvailable:   24160796 kB\n"
				 "SecPageTables:         0 kB\n"
				 "Unaccepted:            0 kB\n"
				 "HugePages_Total:      16\n"
				 "Hugepagesize:     524288 kB\n"
				 "Hugetlb:         8388608 kB\n"
				 "DirectMap1G:    25165824 kB";

static void test_meminfo(void)
{
	_cleanup_(hk_memfields_freep) hk_memfields *f = NULL;
	hk_diag diag;

	CHECK_OK(hk_parse_meminfo(S(meminfo_5x), -1, "proc/meminfo", NULL, &f));
	CHECK_EQ_U64(hk_memfields_count(f), 14);
	CHECK_STREQ(hk_memfields_name(f, 0), "MemTotal");
	CHECK_STREQ(hk_memfields_name(f, 2), "Active(anon)");
	CHECK_STREQ(hk_memfields_name(f, 13), "DirectMap2M");
	CHECK(hk_memfields_name(f, 14) == NULL);
	CHECK_EQ_U64(field(f, "MemTotal"), 15666184);
	CHECK_EQ_U64(field(f, "Zswap"), 22414);
	CHECK_EQ_U64(field(f, "Zswapped"), 10502);
	CHECK_EQ_U64(field(f, "VmallocTotal"), 34359738367ull);
	CHECK(unit_of(f, "MemTotal") == HK_MEMUNIT_KIB);
	CHECK(unit_of(f, "HugePages_Total") == HK_MEMUNIT_COUNT);
	CHECK(unit_of(f, "Hugepagesize") == HK_MEMUNIT_KIB);
	uint64_t v;
	CHECK_ERR(hk_memfields_get(f, "MemAvailable", &v), -ENOENT);
	hk_memfields_free(TAKE_PTR(f));

	/* No trailing newline, 6.x fields. */
	CHECK_OK(hk_parse_meminfo(S(meminfo_6x), -1, NULL, NULL, &f));
	CHECK_EQ_U64(hk_memfields_count(f), 8);
	CHECK_EQ_U64(field(f, "HugePages_Total"), 16);
	CHECK_EQ_U64(field(f, "Hugepagesize"), 524288);
	CHECK_EQ_U64(field(f, "DirectMap1G"), 25165824);
	hk_memfields_free(TAKE_PTR(f));

	/* Empty text and blank lines. */
	CHECK_OK(hk_parse_meminfo("", 0, -1, NULL, NULL, &f));
	CHECK_EQ_U64(hk_memfields_count(f), 0);
	hk_memfields_free(TAKE_PTR(f));
	CHECK_OK(hk_parse_meminfo(S("\nMemTotal: 1 kB\n\n"), -1, NULL, NULL, &f));
	CHECK_EQ_U64(field(f, "MemTotal"), 1);
	hk_memfields_free(TAKE_PTR(f));

	/* Malformed: the diagnostic names the file, the line and the text. */
	static const char *const bad[] = {
	    "MemTotal 12 kB\n",			   /* no colon */
	    "MemTotal: x kB\n",			   /* no number */
	    "MemTotal: 12 MB\n",		   /* unit */
	    "MemTotal: 12 kB extra\n",		   /* junk */
	    "MemTotal: -12 kB\n",		   /* sign */
	    "MemTotal: 99999999999999999999 kB\n", /* overflow */
	    ": 12 kB\n",			   /* no name */
	    "Mem Total: 12 kB\n",		   /* blank in the name */
	    "MemTotal:\n",			   /* no value */
	    "MemTotal: 1 kB\nMemTotal: 2 kB\n",	   /* twice */
	};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		hk_diag_clear(&diag);
		CHECK_ERR(hk_parse_meminfo(bad[i], strlen(bad[i]), -1, "proc/meminfo", &diag, &f),
			  -EINVAL);
		CHECK(f == NULL);
		CHECK(diag.error == -EINVAL);
		CHECK_STREQ(diag.path, "proc/meminfo");
		CHECK(diag.line == (i == ELEMENTSOF(bad) - 1 ? 2u : 1u));
		CHECK(strstr(diag.message, "proc/meminfo line") != NULL);
	}
	hk_diag_clear(&diag);
	CHECK_ERR(
	    hk_parse_meminfo(S("MemTotal: 1 kB\nMemFree: 1 GB\n"), -1, "proc/meminfo", &diag, &f),
	    -EINVAL);
	CHECK_STREQ(diag.message, "proc/meminfo line 2: the unit is not kB: 'MemFree: 1 GB'");
	/* Control bytes are not copied into the message. */
	CHECK_ERR(hk_parse_meminfo(S("Mem\x1b[31m: x\n"), -1, NULL, &diag, &f), -EINVAL);
	CHECK(strchr(diag.message, '\x1b') == NULL);
}

static void test_node_meminfo(void)
{
	static const char node1[] = "Node 1 MemTotal:       134217728 kB\n"
				    "Node 1 MemFree:        39634788 kB\n"
				    "Node 1 Active(anon):     590464 kB\n"
				    "Node 1 HugePages_Total:     0\n"
				    "Node 1 HugePages_Free:      0\n";
	_cleanup_(hk_memfields_freep) hk_memfields *f = NULL;
	hk_diag diag;

	CHECK_OK(hk_parse_meminfo(S(node1), 1, NULL, NULL, &f));
	CHECK_EQ_U64(hk_memfields_count(f), 5);
	CHECK_STREQ(hk_memfields_name(f, 0), "MemTotal");
	CHECK_EQ_U64(field(f, "MemTotal"), 134217728);
	CHECK_EQ_U64(field(f, "Active(anon)"), 590464);
	CHECK(unit_of(f, "HugePages_Free") == HK_MEMUNIT_COUNT);
	hk_memfields_free(TAKE_PTR(f));

	/* A line of another node, a line without the prefix. */
	CHECK_ERR(hk_parse_meminfo(S(node1), 0, "node0/meminfo", &diag, &f), -EINVAL);
	CHECK(diag.line == 1);
	CHECK_ERR(hk_parse_meminfo(S("MemTotal: 1 kB\n"), 0, NULL, &diag, &f), -EINVAL);
	CHECK_ERR(hk_parse_meminfo(S("Node x MemTotal: 1 kB\n"), 0, NULL, &diag, &f), -EINVAL);
}

static void test_numastat(void)
{
	static const char text[] = "numa_hit 193460335812\n"
				   "numa_miss 12624528\n"
				   "numa_foreign 59858623300\n"
				   "interleave_hit 57146\n"
				   "local_node 193454780853\n"
				   "other_node 18179487\n";
	_cleanup_(hk_memfields_freep) hk_memfields *f = NULL;
	hk_diag diag;

	CHECK_OK(hk_parse_numastat(S(text), NULL, NULL, &f));
	CHECK_EQ_U64(hk_memfields_count(f), 6);
	CHECK_STREQ(hk_memfields_name(f, 3), "interleave_hit");
	CHECK_EQ_U64(field(f, "numa_hit"), 193460335812ull);
	CHECK_EQ_U64(field(f, "other_node"), 18179487);
	CHECK(hk_memfields_unit(f, 0) == HK_MEMUNIT_COUNT);
	hk_memfields_free(TAKE_PTR(f));

	CHECK_ERR(hk_parse_numastat(S("numa_hit\n"), "numastat", &diag, &f), -EINVAL);
	CHECK_ERR(hk_parse_numastat(S("numa_hit 1 2\n"), "numastat", &diag, &f), -EINVAL);
	CHECK_ERR(hk_parse_numastat(S("numa_hit 1\nnuma_hit 2\n"), "numastat", &diag, &f), -EINVAL);
	CHECK(diag.line == 2);
}

/* ---- buddyinfo ---- */

static void test_buddyinfo(void)
{
	/* x86_64, 11 orders, trailing blanks as node_exporter's fixture has them. */
	static const char x86[] =
	    "Node 0, zone      DMA      1      0      1      0      2      1      1      0      "
	    "1      1      3 \n"
	    "Node 0, zone    DMA32    759    572    791    475    194     45     12      0      "
	    "0      0      0 \n"
	    "Node 0, zone   Normal   4381   1093    185   1530    567    102      4      0      "
	    "0      0      0 \n";
	/* arm64 with 64K pages and 512M huge pages: 14 orders; ppc64 has 13. */
	static const char arm64[] = "Node 0, zone   Normal   12 1 2 3 4 5 6 7 8 9 10 11 12 13\n"
				    "Node 1, zone   Normal   0 0 0 0 0 0 0 0 0 0 0 0 0 99\n";
	static const char ppc64[] = "Node 0, zone   Normal 1 2 3 4 5 6 7 8 9 10 11 12 13\n"
				    "Node 8, zone  Movable 0 0 0 0 0 0 0 0 0 0 0 0 1";
	_cleanup_(hk_memory_freep) hk_memory *m = hk_memory_new();
	hk_diag diag;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_OK(hk_parse_buddyinfo(S(x86), NULL, NULL, m));
	CHECK_EQ_U64(hk_memory_n_buddy(m), 3);
	const hk_buddy *b = hk_memory_buddy(m, 0);
	CHECK_STREQ(hk_buddy_zone(b), "DMA");
	CHECK_EQ_U64(hk_buddy_node(b), 0);
	CHECK_EQ_U64(hk_buddy_n_orders(b), 11);
	CHECK_EQ_U64(hk_buddy_free(b, 10), 3);
	CHECK_EQ_U64(hk_buddy_free(b, 11), 0);
	CHECK_EQ_U64(hk_buddy_free(hk_memory_buddy(m, 1), 1), 572);
	CHECK_STREQ(hk_buddy_zone(hk_memory_buddy(m, 2)), "Normal");
	CHECK_EQ_U64(hk_buddy_free(hk_memory_buddy(m, 2), 0), 4381);
	CHECK(hk_memory_buddy(m, 3) == NULL);

	CHECK_OK(hk_parse_buddyinfo(S(arm64), NULL, NULL, m));
	CHECK_EQ_U64(hk_memory_n_buddy(m), 2);
	CHECK_EQ_U64(hk_buddy_n_orders(hk_memory_buddy(m, 0)), 14);
	CHECK_EQ_U64(hk_buddy_node(hk_memory_buddy(m, 1)), 1);
	CHECK_EQ_U64(hk_buddy_free(hk_memory_buddy(m, 1), 13), 99);

	CHECK_OK(hk_parse_buddyinfo(S(ppc64), NULL, NULL, m));
	CHECK_EQ_U64(hk_buddy_n_orders(hk_memory_buddy(m, 0)), 13);
	CHECK_EQ_U64(hk_buddy_node(hk_memory_buddy(m, 1)), 8);
	CHECK_STREQ(hk_buddy_zone(hk_memory_buddy(m, 1)), "Movable");
	CHECK_EQ_U64(hk_buddy_free(hk_memory_buddy(m, 1), 12), 1);

	CHECK_OK(hk_parse_buddyinfo("", 0, NULL, NULL, m));
	CHECK_EQ_U64(hk_memory_n_buddy(m), 0);

	/* procfs's negative cases: no counts; rows of 11 then 12 buckets. */
	CHECK_OK(hk_parse_buddyinfo(S(x86), NULL, NULL, m));
	static const char *const bad[] = {
	    "Node 0, zone DMA\n",
	    ("Node 0, zone DMA 1 2 3 4 5 6 7 8 9 10 11\nNode 0, zone DMA32 1 2 3 4 5 6 7 8 9 "
	     "10 11 12\n"),
	    "Node 0 zone DMA 1\n",
	    "Node x, zone DMA 1\n",
	    "Node 0, zone DMA 1 x\n",
	    "Node 0, zone DMA 1 -2\n",
	    "Zone 0, zone DMA 1\n",
	};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		hk_diag_clear(&diag);
		CHECK_ERR(hk_parse_buddyinfo(bad[i], strlen(bad[i]), "proc/buddyinfo", &diag, m),
			  -EINVAL);
		CHECK_STREQ(diag.path, "proc/buddyinfo");
		CHECK(strncmp(diag.message, "proc/buddyinfo line ", 20) == 0);
		/* A failed parse leaves the rows read before. */
		CHECK_EQ_U64(hk_memory_n_buddy(m), 3);
	}
	CHECK(diag.line == 1);
}

/* ---- zoneinfo ---- */

/* A 6.x zoneinfo: per-node stats, boost/promo/cma, pagesets with high_min/high_max. */
static const char zoneinfo_6x[] = "Node 0, zone      DMA\n"
				  "  per-node stats\n"
				  "      nr_inactive_anon 31070\n"
				  "      nr_active_anon 399\n"
				  "      nr_kernel_stack 1780\n"
				  "  pages free     3840\n"
				  "        boost    0\n"
				  "        min      38\n"
				  "        low      47\n"
				  "        high     56\n"
				  "        promo    65\n"
				  "        spanned  4095\n"
				  "        present  3998\n"
				  "        managed  3840\n"
				  "        cma      0\n"
				  "        protection: (0, 3017, 6601, 6601, 6601)\n"
				  "      nr_free_pages 3840\n"
				  "      numa_hit     0\n"
				  "  pagesets\n"
				  "    cpu: 0\n"
				  "              count:    0\n"
				  "              high:     0\n"
				  "              batch:    1\n"
				  "              high_min: 23\n"
				  "              high_max: 240\n"
				  "  vm stats threshold: 4\n"
				  "    cpu: 1\n"
				  "              count:    0\n"
				  "              high:     0\n"
				  "              batch:    1\n"
				  "              high_min: 23\n"
				  "              high_max: 240\n"
				  "  vm stats threshold: 4\n"
				  "  node_unreclaimable:  0\n"
				  "  start_pfn:           1\n"
				  "Node 0, zone   Normal\n"
				  "  pages free     239228\n"
				  "        min      9152\n"
				  "        low      11440\n"
				  "        high     13728\n"
				  "        spanned  5505024\n"
				  "        present  5505024\n"
				  "        managed  917504\n"
				  "        protection: (0, 0, 0, 0, 0)\n"
				  "      nr_free_pages 239228\n"
				  "  pagesets\n"
				  "  node_unreclaimable:  0\n"
				  "  start_pfn:           1048576\n"
				  "Node 0, zone  Movable\n"
				  "  pages free     0\n"
				  "        boost    0\n"
				  "        min      32\n"
				  "        low      32\n"
				  "        high     32\n"
				  "        promo    32\n"
				  "        spanned  0\n"
				  "        present  0\n"
				  "        managed  0\n"
				  "        cma      0\n"
				  "        protection: (0, 0, 0, 0, 0)\n"
				  "Node 0, zone   Device\n"
				  "  pages free     0\n"
				  "        min      0\n"
				  "        low      0\n"
				  "        high     0\n"
				  "        spanned  0\n"
				  "        present  0\n"
				  "        managed  0\n"
				  "        protection: (0, 0, 0, 0, 0)\n"
				  "Node 1, zone   Normal\n"
				  "  per-node stats\n"
				  "      nr_inactive_anon 7\n"
				  "  pages free     5\n"
				  "        min      1\n"
				  "        low      2\n"
				  "        high     3\n"
				  "        spanned  10\n"
				  "        present  10\n"
				  "        managed  9\n"
				  "        protection: (0, 0, 0, 0, 0)\n";

/*
 * A 2.6.18 zoneinfo (RHEL 5): no managed, "scanned N (a: N i: N)", the
 * protection array after the counters, "cpu: N pcp: N" pagesets, and
 * all_unreclaimable/prev_priority.
 */
static const char zoneinfo_26[] = "Node 0, zone      DMA\n"
				  "  pages free     2562\n"
				  "        min      17\n"
				  "        low      21\n"
				  "        high     25\n"
				  "        active   0\n"
				  "        inactive 0\n"
				  "        scanned  0 (a: 4 i: 12)\n"
				  "        spanned  4096\n"
				  "        present  2708\n"
				  "    nr_anon_pages 0\n"
				  "        protection: (0, 3256, 4022, 4022)\n"
				  "  pagesets\n"
				  "    cpu: 0 pcp: 0\n"
				  "              count: 0\n"
				  "              high:  0\n"
				  "              batch: 1\n"
				  "    cpu: 0 pcp: 1\n"
				  "              count: 0\n"
				  "              high:  0\n"
				  "              batch: 1\n"
				  "  all_unreclaimable: 0\n"
				  "  prev_priority:     12\n"
				  "  start_pfn:         0\n";

static void test_zoneinfo(void)
{
	_cleanup_(hk_memory_freep) hk_memory *m = hk_memory_new();
	hk_diag diag;
	uint64_t v;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_OK(hk_parse_zoneinfo(S(zoneinfo_6x), NULL, NULL, m));
	CHECK_EQ_U64(hk_memory_n_zones(m), 5);

	const hk_zone *z = hk_memory_zone(m, 0);
	CHECK_STREQ(hk_zone_name(z), "DMA");
	CHECK_EQ_U64(hk_zone_node(z), 0);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_FREE), 3840);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_MIN), 38);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_LOW), 47);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_HIGH), 56);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_SPANNED), 4095);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_PRESENT), 3998);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_MANAGED), 3840);
	CHECK_EQ_U64(hk_zone_n_protection(z), 5);
	CHECK_EQ_U64(hk_zone_protection(z, 1), 3017);
	CHECK_EQ_U64(hk_zone_protection(z, 4), 6601);
	const hk_memfields *ns = hk_zone_node_stats(z);
	CHECK(ns != NULL);
	CHECK_EQ_U64(hk_memfields_count(ns), 3);
	CHECK_EQ_U64(field(ns, "nr_active_anon"), 399);
	const hk_memfields *c = hk_zone_counters(z);
	/* boost promo cma nr_free_pages numa_hit node_unreclaimable start_pfn */
	CHECK_EQ_U64(hk_memfields_count(c), 7);
	CHECK_STREQ(hk_memfields_name(c, 0), "boost");
	CHECK_EQ_U64(field(c, "promo"), 65);
	CHECK_EQ_U64(field(c, "nr_free_pages"), 3840);
	CHECK_EQ_U64(field(c, "start_pfn"), 1);
	CHECK_ERR(hk_memfields_get(c, "nr_active_anon", &v), -ENOENT);
	CHECK_ERR(hk_memfields_get(c, "count", &v), -ENOENT);

	z = hk_memory_zone(m, 1);
	CHECK_STREQ(hk_zone_name(z), "Normal");
	CHECK(hk_zone_node_stats(z) == NULL);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_MANAGED), 917504);
	CHECK_EQ_U64(field(hk_zone_counters(z), "start_pfn"), 1048576);

	/* Empty zones: Movable and Device stop after the protection array. */
	z = hk_memory_zone(m, 2);
	CHECK_STREQ(hk_zone_name(z), "Movable");
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_FREE), 0);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_MIN), 32);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_PRESENT), 0);
	CHECK_EQ_U64(hk_zone_n_protection(z), 5);
	CHECK_ERR(hk_memfields_get(hk_zone_counters(z), "nr_free_pages", &v), -ENOENT);
	z = hk_memory_zone(m, 3);
	CHECK_STREQ(hk_zone_name(z), "Device");
	CHECK_EQ_U64(hk_memfields_count(hk_zone_counters(z)), 0);

	z = hk_memory_zone(m, 4);
	CHECK_EQ_U64(hk_zone_node(z), 1);
	CHECK(hk_zone_node_stats(z) != NULL);
	CHECK_EQ_U64(field(hk_zone_node_stats(z), "nr_inactive_anon"), 7);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_FREE), 5);

	/* 2.6.18. */
	CHECK_OK(hk_parse_zoneinfo(S(zoneinfo_26), NULL, NULL, m));
	CHECK_EQ_U64(hk_memory_n_zones(m), 1);
	z = hk_memory_zone(m, 0);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_MANAGED), -ENODATA);
	CHECK_EQ_S64(hk_zone_get(z, HK_ZONE_PRESENT), 2708);
	CHECK_EQ_U64(hk_zone_n_protection(z), 4);
	CHECK_EQ_U64(hk_zone_protection(z, 1), 3256);
	c = hk_zone_counters(z);
	CHECK_EQ_U64(field(c, "scanned"), 0);
	CHECK_EQ_U64(field(c, "inactive"), 0);
	CHECK_EQ_U64(field(c, "all_unreclaimable"), 0);
	CHECK_EQ_U64(field(c, "prev_priority"), 12);
	CHECK_EQ_U64(field(c, "nr_anon_pages"), 0);

	/* An empty protection array parses (a kernel without zones to protect). */
	CHECK_OK(hk_parse_zoneinfo(S("Node 0, zone DMA\n  pages free 1\n  protection: ()\n"), NULL,
				   NULL, m));
	CHECK_EQ_U64(hk_zone_n_protection(hk_memory_zone(m, 0)), 0);
	CHECK_OK(hk_parse_zoneinfo("", 0, NULL, NULL, m));
	CHECK_EQ_U64(hk_memory_n_zones(m), 0);

	static const char *const bad[] = {
	    "  pages free 1\n",						/* before the first zone */
	    "Node 0, zone DMA\n  pages free x\n",			/* not a number */
	    "Node 0, zone DMA\n  pages 1\n",				/* not "pages free" */
	    "Node 0, zone DMA\n  protection: (0, 1\n",			/* unclosed */
	    "Node 0, zone DMA\n  protection: (0,, 1)\n",		/* empty entry */
	    "Node 0, zone DMA\n  protection: (0, 1,)\n",		/* trailing comma */
	    "Node 0, zone DMA\n  protection: (0)\n  protection: (0)\n", /* twice */
	    "Node 0, zone DMA\n  min 1\n  min 2\n",			/* twice */
	    "Node 0, zone DMA\n  nr_free_pages 1 2\n",			/* junk */
	    "Node 0, zone DMA\n  per-node stats\n  per-node stats\n",	/* twice */
	    "Node 0, zone DMA extra\n",					/* junk in the header */
	    "Node 0 zone DMA\n",					/* header */
	    "Node 0, zone DMA\n  pagesets\n    cpu: x\n",		/* pageset */
	};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		hk_diag_clear(&diag);
		CHECK_ERR(hk_parse_zoneinfo(bad[i], strlen(bad[i]), "proc/zoneinfo", &diag, m),
			  -EINVAL);
		CHECK(strncmp(diag.message, "proc/zoneinfo line ", 19) == 0);
		CHECK(diag.line >= 1);
	}
}

/* ---- Huge pages, THP, mounts ---- */

static void test_hugepages_names(void)
{
	uint64_t kib = 0;

	CHECK_OK(hk_parse_hugepages_dirname(S("hugepages-2048kB"), &kib));
	CHECK_EQ_U64(kib, 2048);
	CHECK_OK(hk_parse_hugepages_dirname(S("hugepages-1048576kB"), &kib));
	CHECK_EQ_U64(kib, 1048576);
	/* arm64 with 4K pages: 64K (contiguous PTEs), 2M, 32M (contiguous PMDs), 1G. */
	CHECK_OK(hk_parse_hugepages_dirname(S("hugepages-64kB"), &kib));
	CHECK_EQ_U64(kib, 64);
	CHECK_OK(hk_parse_hugepages_dirname(S("hugepages-32768kB"), &kib));
	CHECK_EQ_U64(kib, 32768);
	/* ppc64 hash MMU: 16M and 16G. */
	CHECK_OK(hk_parse_hugepages_dirname(S("hugepages-16777216kB"), &kib));
	CHECK_EQ_U64(kib, 16777216);

	static const char *const bad[] = {
	    "hugepages-kB",	"hugepages-2048", "hugepages-2048KB",
	    "hugepages-0kB",	"hugepages--1kB", "hugepages-2048kBx",
	    "hugepages_2048kB", "nr_hugepages",	  "hugepages-99999999999999999999kB"};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++)
		CHECK_ERR(hk_parse_hugepages_dirname(bad[i], strlen(bad[i]), &kib), -EINVAL);
}

static void test_thp_choice(void)
{
	_cleanup_(hk_thp_choice_freep) hk_thp_choice *c = NULL;

	CHECK_OK(hk_parse_thp_choice(S("always [madvise] never\n"), &c));
	CHECK_STREQ(hk_thp_choice_selected(c), "madvise");
	CHECK_EQ_U64(hk_thp_choice_n_offered(c), 3);
	CHECK_STREQ(hk_thp_choice_offered(c, 0), "always");
	CHECK_STREQ(hk_thp_choice_offered(c, 1), "madvise");
	CHECK_STREQ(hk_thp_choice_offered(c, 2), "never");
	CHECK(hk_thp_choice_offered(c, 3) == NULL);
	hk_thp_choice_free(TAKE_PTR(c));

	CHECK_OK(hk_parse_thp_choice(S("always defer defer+madvise [madvise] never"), &c));
	CHECK_STREQ(hk_thp_choice_selected(c), "madvise");
	CHECK_STREQ(hk_thp_choice_offered(c, 2), "defer+madvise");
	hk_thp_choice_free(TAKE_PTR(c));

	CHECK_OK(hk_parse_thp_choice(S("[always] within_size advise never deny force\n"), &c));
	CHECK_STREQ(hk_thp_choice_selected(c), "always");
	CHECK_EQ_U64(hk_thp_choice_n_offered(c), 6);
	hk_thp_choice_free(TAKE_PTR(c));

	/* Multi-size THP and the old khugepaged/defrag. */
	CHECK_OK(hk_parse_thp_choice(S("always [inherit] madvise never\n"), &c));
	CHECK_STREQ(hk_thp_choice_selected(c), "inherit");
	hk_thp_choice_free(TAKE_PTR(c));
	CHECK_OK(hk_parse_thp_choice(S("yes [no]\n"), &c));
	CHECK_STREQ(hk_thp_choice_selected(c), "no");
	hk_thp_choice_free(TAKE_PTR(c));
	CHECK_OK(hk_parse_thp_choice(S("[never]"), &c));
	CHECK_EQ_U64(hk_thp_choice_n_offered(c), 1);
	hk_thp_choice_free(TAKE_PTR(c));

	static const char *const bad[] = {"always madvise never\n",
					  "[always] [madvise] never",
					  "[]",
					  "always [madvise never",
					  "always madvise] never",
					  "a[l]ways",
					  "",
					  "\n"};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++) {
		CHECK_ERR(hk_parse_thp_choice(bad[i], strlen(bad[i]), &c), -EINVAL);
		CHECK(c == NULL);
	}
}

static void test_mounts(void)
{
	static const char mounts[] =
	    "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
	    "hugetlbfs /dev/hugepages hugetlbfs rw,nosuid,nodev,relatime,pagesize=2M 0 0\n"
	    "none /mnt/huge\\0401G hugetlbfs rw,relatime,pagesize=1024M,size=4G 0 0\n"
	    "none /mnt/huge64k hugetlbfs rw,relatime,pagesize=64K 0 0\n"
	    "none /mnt/old hugetlbfs rw,relatime 0 0\n"
	    "none /mnt/bytes hugetlbfs rw,pagesize=2097152 0 0\n"
	    "broken line\n";
	_cleanup_(hk_memory_freep) hk_memory *m = hk_memory_new();
	const char *v;
	size_t vlen;
	uint64_t kib;
	hk_diag diag;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_OK(hk_parse_hugetlbfs_mounts(S(mounts), 2048, NULL, NULL, m));
	CHECK_EQ_U64(hk_memory_n_hugetlbfs(m), 5);
	const hk_hugetlbfs *h = hk_memory_hugetlbfs(m, 0);
	CHECK_STREQ(hk_hugetlbfs_path(h), "/dev/hugepages");
	CHECK_EQ_S64(hk_hugetlbfs_pagesize_kib(h), 2048);
	CHECK(hk_hugetlbfs_pagesize_given(h));
	CHECK_STREQ(hk_hugetlbfs_options(h), "rw,nosuid,nodev,relatime,pagesize=2M");
	h = hk_memory_hugetlbfs(m, 1);
	CHECK_STREQ(hk_hugetlbfs_path(h), "/mnt/huge 1G");
	CHECK_EQ_S64(hk_hugetlbfs_pagesize_kib(h), 1048576);
	CHECK_EQ_S64(hk_hugetlbfs_pagesize_kib(hk_memory_hugetlbfs(m, 2)), 64);
	/* Kernels before 3.x list no pagesize=: the default size. */
	h = hk_memory_hugetlbfs(m, 3);
	CHECK_EQ_S64(hk_hugetlbfs_pagesize_kib(h), 2048);
	CHECK(!hk_hugetlbfs_pagesize_given(h));
	CHECK_EQ_S64(hk_hugetlbfs_pagesize_kib(hk_memory_hugetlbfs(m, 4)), 2048);

	/* Without a default size either, unknown. */
	CHECK_OK(
	    hk_parse_hugetlbfs_mounts(S("none /mnt hugetlbfs rw 0 0"), -ENODATA, NULL, NULL, m));
	CHECK_EQ_S64(hk_hugetlbfs_pagesize_kib(hk_memory_hugetlbfs(m, 0)), -ENODATA);

	CHECK_ERR(hk_parse_hugetlbfs_mounts(S("none /mnt hugetlbfs rw,pagesize=2X 0 0\n"), 2048,
					    "proc/self/mounts", &diag, m),
		  -EINVAL);
	CHECK(diag.line == 1);
	CHECK(strstr(diag.message, "pagesize=2X") != NULL);
	CHECK_ERR(hk_parse_hugetlbfs_mounts(S("none /mnt hugetlbfs\n"), 2048, NULL, &diag, m),
		  -EINVAL);

	/* Options and sizes. */
	CHECK_OK(hk_mount_option(S("rw,pagesize=2M,size=4G"), "size", &v, &vlen));
	CHECK(vlen == 2 && memcmp(v, "4G", 2) == 0);
	CHECK_OK(hk_mount_option(S("pagesize=1G"), "pagesize", &v, &vlen));
	CHECK(vlen == 2 && memcmp(v, "1G", 2) == 0);
	CHECK_ERR(hk_mount_option(S("rw,min_size=1G"), "size", &v, &vlen), -ENOENT);
	CHECK_ERR(hk_mount_option(S("rw,size"), "size", &v, &vlen), -ENOENT);
	CHECK_OK(hk_parse_pagesize(S("2M"), &kib));
	CHECK_EQ_U64(kib, 2048);
	CHECK_OK(hk_parse_pagesize(S("16G"), &kib));
	CHECK_EQ_U64(kib, 16777216);
	CHECK_OK(hk_parse_pagesize(S("64k"), &kib));
	CHECK_EQ_U64(kib, 64);
	CHECK_OK(hk_parse_pagesize(S("1073741824"), &kib));
	CHECK_EQ_U64(kib, 1048576);
	static const char *const bad[] = {"", "M", "2MB", "0M", "1000", "2T", "-2M"};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++)
		CHECK_ERR(hk_parse_pagesize(bad[i], strlen(bad[i]), &kib), -EINVAL);
}

/*
 * What the fuzzers found: a NUL byte cut a name short (to "", or to a name
 * given before), which the parsers now refuse, naming the line.
 */
static void test_nul_bytes(void)
{
	_cleanup_(hk_memory_freep) hk_memory *m = hk_memory_new();
	_cleanup_(hk_memfields_freep) hk_memfields *f = NULL;
	hk_diag diag;

	CHECK(m != NULL);
	if (!m)
		return;
	/* fuzz-meminfo crash-6c53ca1e: numastat with a name of NULs. */
	hk_diag_clear(&diag);
	CHECK_ERR(
	    hk_parse_numastat(S("\0\0\0\0\0\0\0\t 26411510\nnuma_miss 0\n"), "numastat", &diag, &f),
	    -EINVAL);
	CHECK(diag.line == 1);
	CHECK(strstr(diag.message, "a NUL byte") != NULL);
	CHECK_ERR(hk_parse_meminfo(S("MemTotal: 1 kB\nMemTotal\0x: 2 kB\n"), -1, "proc/meminfo",
				   &diag, &f),
		  -EINVAL);
	CHECK(diag.line == 2);
	CHECK_STREQ(diag.message, "proc/meminfo line 2: a NUL byte: 'MemTotal?x: 2 kB'");
	CHECK(f == NULL);
	/* fuzz-buddyinfo crash-e48b2469: a zone name of NULs. */
	CHECK_ERR(
	    hk_parse_buddyinfo(S("Node 0, zone \0\0    0      0   "), "proc/buddyinfo", &diag, m),
	    -EINVAL);
	CHECK(diag.line == 1);
	/* fuzz-zoneinfo crash-cc2d69b5: "\0\001cma 0" inside a zone. */
	CHECK_ERR(hk_parse_zoneinfo(S("Node 0, zone DMA\n  pages free 1\n        \0\001cma 0\n"),
				    "proc/zoneinfo", &diag, m),
		  -EINVAL);
	CHECK(diag.line == 3);
	CHECK_ERR(hk_parse_zoneinfo(S("Node 0, zone DMA\n  a 1\n  a\0b 2\n"), NULL, &diag, m),
		  -EINVAL);
	CHECK_ERR(
	    hk_parse_hugetlbfs_mounts(S("none /mnt\0x hugetlbfs rw 0 0\n"), 2048, NULL, &diag, m),
	    -EINVAL);
}

/* ---- The loader, on trees written here ---- */

static char tree[PATH_MAX];

static void put(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX * 2];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	for (char *s = path + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		(void)mkdir(path, 0755);
		*s = '/';
	}
	FILE *f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "cannot write %s: %m\n", path);
		test_failures++;
		return;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void tree_new(void)
{
	if (tree[0])
		nftw(tree, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(tree, sizeof(tree), "/tmp/hk-test-memory-XXXXXX");
	if (!mkdtemp(tree)) {
		perror("mkdtemp");
		exit(1);
	}
}

static int load(hk_diag *diag, hk_memory **ret)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;

	int r = hk_root_open(tree, 0, diag, &root);
	if (r < 0)
		return r;
	return hk_memory_load(root, diag, ret);
}

static void test_load_full(void)
{
	_cleanup_(hk_memory_freep) hk_memory *m = NULL;
	hk_diag diag = {0};

	tree_new();
	put("proc/meminfo", "%s", meminfo_5x);
	put("proc/buddyinfo", "Node 0, zone DMA 1 2 3\n");
	put("proc/zoneinfo", "%s", zoneinfo_6x);
	put("proc/self/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw,pagesize=1G 0 0\n");
	put("proc/sys/vm/overcommit_memory", "2\n");
	put("proc/sys/vm/overcommit_ratio", "50\n");
	put("proc/sys/vm/overcommit_kbytes", "0\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "8\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "6\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages", "1\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/surplus_hugepages", "0\n");
	put("sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages", "3\n");
	/* An empty file (a capture made without the right to read it) is unknown. */
	put("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "%s", "");
	put("sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	put("sys/kernel/mm/hugepages/not-a-size/nr_hugepages", "1\n");
	put("sys/devices/system/node/node1/meminfo", "Node 1 MemTotal: 100 kB\n");
	put("sys/devices/system/node/node1/numastat", "numa_hit 5\n");
	put("sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "4\n");
	put("sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages", "3\n");
	put("sys/devices/system/node/node1/hugepages/hugepages-2048kB/surplus_hugepages", "0\n");
	put("sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 200 kB\n");
	put("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "4\n");
	put("sys/devices/system/node/possible", "0-1\n");
	put("sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
	put("sys/kernel/mm/transparent_hugepage/defrag", "always [madvise] never\n");
	put("sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "2097152\n");
	put("sys/kernel/mm/transparent_hugepage/khugepaged/defrag", "1\n");
	put("sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "4096\n");
	put("sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled",
	    "always inherit [madvise] never\n");
	put("sys/kernel/mm/transparent_hugepage/hugepages-16kB/enabled",
	    "always [inherit] madvise never\n");

	int r = CHECK_OK(load(&diag, &m));
	if (r < 0) {
		fprintf(stderr, "  %s\n", diag.message);
		return;
	}
	CHECK_EQ_U64(field(hk_memory_meminfo(m), "MemTotal"), 15666184);
	CHECK_EQ_S64(hk_memory_default_hugepage_kib(m), 2048);

	CHECK_EQ_U64(hk_memory_n_hugepages(m), 2);
	const hk_hugepages *h = hk_memory_hugepages(m, 0);
	CHECK_EQ_U64(hk_hugepages_size_kib(h), 2048);
	CHECK(!hk_hugepages_from_meminfo(h));
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_TOTAL), 8);
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_FREE), 6);
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_RESERVED), 1);
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_OVERCOMMIT), 3);
	CHECK_EQ_U64(hk_hugepages_n_nodes(h), 2);
	CHECK_EQ_U64(hk_hugepages_node_id(h, 0), 0);
	CHECK_EQ_S64(hk_hugepages_node_get(h, 0, HK_HUGEPAGES_TOTAL), 4);
	CHECK_EQ_S64(hk_hugepages_node_get(h, 0, HK_HUGEPAGES_FREE), -ENODATA);
	CHECK_EQ_U64(hk_hugepages_node_id(h, 1), 1);
	CHECK_EQ_S64(hk_hugepages_node_get(h, 1, HK_HUGEPAGES_FREE), 3);
	CHECK_EQ_S64(hk_hugepages_node_get(h, 1, HK_HUGEPAGES_RESERVED), -ENODATA);
	h = hk_memory_hugepages(m, 1);
	CHECK_EQ_U64(hk_hugepages_size_kib(h), 1048576);
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_TOTAL), -ENODATA);
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_FREE), 0);
	CHECK(hk_memory_hugepages_by_size(m, 1048576) == h);
	CHECK(hk_memory_hugepages_by_size(m, 4) == NULL);

	CHECK_EQ_U64(hk_memory_n_hugetlbfs(m), 1);
	CHECK_EQ_S64(hk_hugetlbfs_pagesize_kib(hk_memory_hugetlbfs(m, 0)), 1048576);

	const hk_thp *t = hk_memory_thp(m);
	CHECK(t != NULL);
	if (t) {
		CHECK_STREQ(hk_thp_choice_selected(hk_thp_get_knob(t, HK_THP_ENABLED)), "always");
		CHECK_STREQ(hk_thp_choice_selected(hk_thp_get_knob(t, HK_THP_DEFRAG)), "madvise");
		CHECK(hk_thp_get_knob(t, HK_THP_SHMEM_ENABLED) == NULL);
		CHECK_EQ_S64(hk_thp_get_value(t, HK_THP_HPAGE_PMD_SIZE), 2097152);
		CHECK_EQ_S64(hk_thp_get_value(t, HK_THP_KHUGEPAGED_PAGES_TO_SCAN), 4096);
		CHECK_EQ_S64(hk_thp_get_value(t, HK_THP_USE_ZERO_PAGE), -ENODATA);
		CHECK_EQ_U64(hk_thp_n_sizes(t), 2);
		CHECK_EQ_U64(hk_thp_size_kib(t, 0), 16);
		CHECK_STREQ(hk_thp_choice_selected(hk_thp_size_knob(t, 0, HK_THP_ENABLED)),
			    "inherit");
		CHECK_STREQ(hk_thp_choice_selected(hk_thp_size_knob(t, 1, HK_THP_ENABLED)),
			    "madvise");
		CHECK(hk_thp_size_knob(t, 1, HK_THP_SHMEM_ENABLED) == NULL);
		CHECK_STREQ(hk_thp_value_name(HK_THP_KHUGEPAGED_MAX_PTES_NONE),
			    "khugepaged/max_ptes_none");
	}

	CHECK_EQ_U64(hk_memory_n_buddy(m), 1);
	CHECK_EQ_U64(hk_buddy_n_orders(hk_memory_buddy(m, 0)), 3);
	CHECK_EQ_U64(hk_memory_n_zones(m), 5);

	CHECK_EQ_U64(hk_memory_n_nodes(m), 2);
	const hk_memnode *n = hk_memory_node(m, 0);
	CHECK_EQ_U64(hk_memnode_id(n), 0);
	CHECK_EQ_U64(field(hk_memnode_meminfo(n), "MemTotal"), 200);
	CHECK(hk_memnode_numastat(n) == NULL);
	n = hk_memory_node(m, 1);
	CHECK_EQ_U64(field(hk_memnode_numastat(n), "numa_hit"), 5);

	CHECK_EQ_S64(hk_memory_overcommit(m, HK_OVERCOMMIT_MEMORY), 2);
	CHECK_STREQ(hk_overcommit_mode_name(2), "never");
	CHECK(hk_overcommit_mode_name(3) == NULL);
	CHECK_EQ_S64(hk_memory_overcommit(m, HK_OVERCOMMIT_RATIO), 50);
	CHECK_EQ_S64(hk_memory_commit_exceeded(m), 0);
}

static void test_load_sparse(void)
{
	_cleanup_(hk_memory_freep) hk_memory *m = NULL;
	hk_diag diag = {0};

	/*
	 * An old or stripped tree: meminfo only, proc/self a file (ttar
	 * captures write the symlink as one), RHEL 6's THP directory with
	 * "[yes] no" defrag, per-node sizes without sys/kernel/mm/hugepages.
	 */
	tree_new();
	put("proc/meminfo", "CommitLimit: 10 kB\nCommitted_AS: 20 kB\nHugePages_Total: 7\n"
			    "HugePages_Free: 5\nHugePages_Rsvd: 1\nHugePages_Surp: 0\n"
			    "Hugepagesize: 2048 kB\n");
	put("proc/self", "26231");
	put("proc/sys/vm/nr_overcommit_hugepages", "2\n");
	put("sys/kernel/mm/redhat_transparent_hugepage/enabled", "[always] never\n");
	put("sys/kernel/mm/redhat_transparent_hugepage/khugepaged/defrag", "[yes] no\n");
	put("sys/devices/system/node/node0/hugepages/hugepages-64kB/nr_hugepages", "0\n");
	put("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "7\n");
	put("sys/devices/system/node/node0/hugepages/hugepages-32768kB/nr_hugepages", "0\n");
	put("sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");

	int r = CHECK_OK(load(&diag, &m));
	if (r < 0) {
		fprintf(stderr, "  %s\n", diag.message);
		return;
	}
	CHECK_EQ_U64(hk_memory_n_hugepages(m), 4);
	CHECK_EQ_U64(hk_hugepages_size_kib(hk_memory_hugepages(m, 0)), 64);
	CHECK_EQ_U64(hk_hugepages_size_kib(hk_memory_hugepages(m, 2)), 32768);
	CHECK_EQ_S64(hk_hugepages_get(hk_memory_hugepages(m, 0), HK_HUGEPAGES_TOTAL), -ENODATA);
	const hk_hugepages *h = hk_memory_hugepages(m, 1);
	CHECK(hk_hugepages_from_meminfo(h));
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_TOTAL), 7);
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_RESERVED), 1);
	CHECK_EQ_S64(hk_hugepages_get(h, HK_HUGEPAGES_OVERCOMMIT), 2);
	CHECK_EQ_S64(hk_hugepages_node_get(h, 0, HK_HUGEPAGES_TOTAL), 7);
	CHECK_EQ_U64(hk_memory_n_hugetlbfs(m), 0);
	CHECK_EQ_U64(hk_memory_n_buddy(m), 0);
	CHECK_EQ_U64(hk_memory_n_zones(m), 0);
	CHECK_EQ_S64(hk_memory_overcommit(m, HK_OVERCOMMIT_MEMORY), -ENODATA);
	CHECK_EQ_S64(hk_memory_commit_exceeded(m), 1);
	const hk_thp *t = hk_memory_thp(m);
	CHECK(t != NULL);
	if (t) {
		CHECK_STREQ(hk_thp_choice_selected(hk_thp_get_knob(t, HK_THP_ENABLED)), "always");
		CHECK_EQ_S64(hk_thp_get_value(t, HK_THP_KHUGEPAGED_DEFRAG), 1);
		CHECK_EQ_U64(hk_thp_n_sizes(t), 0);
	}

	/* Only meminfo's pool: one entry from it. */
	hk_memory_free(TAKE_PTR(m));
	tree_new();
	put("proc/meminfo", "HugePages_Total: 3\nHugepagesize: 4096 kB\n");
	CHECK_OK(load(&diag, &m));
	if (m) {
		CHECK_EQ_U64(hk_memory_n_hugepages(m), 1);
		CHECK_EQ_U64(hk_hugepages_size_kib(hk_memory_hugepages(m, 0)), 4096);
		CHECK_EQ_S64(hk_hugepages_get(hk_memory_hugepages(m, 0), HK_HUGEPAGES_TOTAL), 3);
		CHECK(hk_memory_thp(m) == NULL);
		CHECK_EQ_U64(hk_memory_n_nodes(m), 0);
	}

	/* A tree with nothing of memory: everything absent, no error. */
	hk_memory_free(TAKE_PTR(m));
	tree_new();
	put("sys/devices/system/cpu/online", "0\n");
	CHECK_OK(load(&diag, &m));
	if (m) {
		CHECK(hk_memory_meminfo(m) == NULL);
		CHECK_EQ_S64(hk_memory_default_hugepage_kib(m), -ENODATA);
		CHECK_EQ_U64(hk_memory_n_hugepages(m), 0);
		CHECK_EQ_S64(hk_memory_commit_exceeded(m), -ENODATA);
	}
}

/* A malformed file fails the load, and the diagnostic names it. */
static void test_load_errors(void)
{
	static const struct {
		const char *file;
		const char *text;
		const char *message;
	} cases[] = {
	    {"proc/meminfo", "MemTotal: 1 kB\nMemFree 2 kB\n",
	     "proc/meminfo line 2: expected 'Name: value': 'MemFree 2 kB'"},
	    {"proc/buddyinfo", "Node 0, zone DMA\n",
	     "proc/buddyinfo line 1: no free block counts: 'Node 0, zone DMA'"},
	    {"proc/zoneinfo", "Node 0, zone DMA\n  pages free many\n",
	     "proc/zoneinfo line 2: expected 'pages free N': 'pages free many'"},
	    {"sys/devices/system/node/node0/meminfo", "Node 1 MemTotal: 1 kB\n",
	     "sys/devices/system/node/node0/meminfo line 1: the line is of another node: "
	     "'Node 1 MemTotal: 1 kB'"},
	    {"sys/devices/system/node/node0/numastat", "numa_hit -1\n",
	     "sys/devices/system/node/node0/numastat line 1: expected 'name value': "
	     "'numa_hit -1'"},
	    {"sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "lots\n",
	     "cannot parse 'lots' in sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages: "
	     "not a number"},
	    {"sys/kernel/mm/transparent_hugepage/enabled", "always madvise never\n",
	     "cannot parse 'always madvise never' in "
	     "sys/kernel/mm/transparent_hugepage/enabled: expected words with one [selected]"},
	    {"sys/kernel/mm/transparent_hugepage/use_zero_page", "[yes] no\n",
	     "cannot parse '[yes] no' in sys/kernel/mm/transparent_hugepage/use_zero_page: "
	     "not a number"},
	    {"proc/sys/vm/overcommit_memory", "-1\n",
	     "cannot parse '-1' in proc/sys/vm/overcommit_memory: not a number"},
	    {"proc/self/mounts", "x /mnt hugetlbfs pagesize=3Q 0 0\n",
	     "proc/self/mounts line 1: cannot parse the pagesize= option: "
	     "'x /mnt hugetlbfs pagesize=3Q 0 0'"},
	};
	for (unsigned i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(hk_memory_freep) hk_memory *m = NULL;
		hk_diag diag = {0};

		tree_new();
		put("proc/meminfo", "MemTotal: 1 kB\n");
		put(cases[i].file, "%s", cases[i].text);
		CHECK_ERR(load(&diag, &m), -EINVAL);
		CHECK(m == NULL);
		CHECK_STREQ(diag.path, cases[i].file);
		CHECK_STREQ(diag.message, cases[i].message);
	}
}

int main(void)
{
	test_meminfo();
	test_node_meminfo();
	test_numastat();
	test_buddyinfo();
	test_zoneinfo();
	test_hugepages_names();
	test_thp_choice();
	test_mounts();
	test_nul_bytes();
	test_load_full();
	test_load_sparse();
	test_load_errors();
	if (tree[0])
		nftw(tree, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	TEST_DONE();
}
