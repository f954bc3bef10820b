/* SPDX-License-Identifier: MIT */
/*
 * The page map: the entry decoders and flag names on literal 64-bit values,
 * the byte decoder and the smaps page size parser on literal buffers, and
 * the readers on a captured tree this test writes under a mkdtemp()
 * directory (binary proc/PID/pagemap, proc/kpageflags, proc/kpagecount) and
 * removes at exit.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/pagemap.h>

#include "base/macro.h"
#include "host/pagemap.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pagemap *, hk_pagemap_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_kpage *, hk_kpage_free)

#define PRESENT	   HK_PAGEMAP_PRESENT
#define SWAPPED	   HK_PAGEMAP_SWAPPED
#define FILE_PAGE  HK_PAGEMAP_FILE
#define SOFT_DIRTY HK_PAGEMAP_SOFT_DIRTY
#define EXCLUSIVE  HK_PAGEMAP_EXCLUSIVE
#define BIT(n)	   (UINT64_C(1) << (n))

/* ---- Entries ---- */

static void test_present(void)
{
	uint64_t e = PRESENT | EXCLUSIVE | SOFT_DIRTY | UINT64_C(0x12345), pfn = 0;
	unsigned type = 99;
	uint64_t off = 99;

	CHECK_OK(hk_pagemap_entry_pfn(e, &pfn));
	CHECK_EQ_U64(pfn, 0x12345);
	CHECK_ERR(hk_pagemap_entry_swap(e, &type, &off), -ENODATA);
	CHECK_EQ_U64(type, 99);

	/* The widest PFN the field holds. */
	CHECK_OK(hk_pagemap_entry_pfn(PRESENT | HK_PAGEMAP_PFN_MASK, &pfn));
	CHECK_EQ_U64(pfn, (UINT64_C(1) << 55) - 1);

	/* Flag bits never leak into the PFN. */
	CHECK_OK(hk_pagemap_entry_pfn(UINT64_MAX, &pfn));
	CHECK_EQ_U64(pfn, HK_PAGEMAP_PFN_MASK);
}

static void test_pfn_hidden(void)
{
	/* Without CAP_SYS_ADMIN: present, flags kept, PFN 0. */
	uint64_t pfn = 7;

	CHECK_ERR(hk_pagemap_entry_pfn(PRESENT | EXCLUSIVE, &pfn), -EPERM);
	CHECK_ERR(hk_pagemap_entry_pfn(PRESENT, &pfn), -EPERM);
	CHECK_EQ_U64(pfn, 7);
}

static void test_swapped(void)
{
	/* Type 3, offset 0x1234: the type in bits 0-4, the offset from bit 5. */
	uint64_t e = SWAPPED | SOFT_DIRTY | (UINT64_C(0x1234) << 5) | 3, pfn = 7, off = 0;
	unsigned type = 0;

	CHECK_OK(hk_pagemap_entry_swap(e, &type, &off));
	CHECK_EQ_U64(type, 3);
	CHECK_EQ_U64(off, 0x1234);
	CHECK_ERR(hk_pagemap_entry_pfn(e, &pfn), -ENODATA);
	CHECK_EQ_U64(pfn, 7);

	/* The highest type and offset. */
	CHECK_OK(hk_pagemap_entry_swap(SWAPPED | HK_PAGEMAP_PFN_MASK, &type, &off));
	CHECK_EQ_U64(type, 31);
	CHECK_EQ_U64(off, (UINT64_C(1) << 50) - 1);

	/* Type 0, offset 0 is the swap header: the kernel hid the field. */
	CHECK_ERR(hk_pagemap_entry_swap(SWAPPED, &type, &off), -EPERM);
	/* Offset 0 of type 1 is the header too, but only type 0 reads as hidden. */
	CHECK_OK(hk_pagemap_entry_swap(SWAPPED | 1, &type, &off));
	CHECK_EQ_U64(type, 1);
	CHECK_EQ_U64(off, 0);
}

static void test_not_present(void)
{
	uint64_t pfn = 7, off = 7;
	unsigned type = 7;

	/* Not mapped, or mapped but never touched. */
	CHECK_ERR(hk_pagemap_entry_pfn(0, &pfn), -ENODATA);
	CHECK_ERR(hk_pagemap_entry_swap(0, &type, &off), -ENODATA);
	/* A page of a soft-dirty VMA not yet touched: flags, no frame. */
	CHECK_ERR(hk_pagemap_entry_pfn(SOFT_DIRTY, &pfn), -ENODATA);
	/* A file page not in the page cache of this mapping. */
	CHECK_ERR(hk_pagemap_entry_pfn(FILE_PAGE, &pfn), -ENODATA);
	/* Junk in the PFN bits without the present bit is not a frame. */
	CHECK_ERR(hk_pagemap_entry_pfn(UINT64_C(0x1234), &pfn), -ENODATA);
	CHECK_EQ_U64(pfn, 7);
}

static void format_pm(uint64_t e, const char *want)
{
	char buf[128];
	size_t n = hk_pagemap_flags_format(e, buf, sizeof(buf));

	CHECK_STREQ(buf, want);
	CHECK_EQ_U64(n, strlen(want));
}

static void test_pagemap_flags(void)
{
	format_pm(0, "");
	format_pm(UINT64_C(0x12345), "");
	format_pm(PRESENT | UINT64_C(0x12345), "present");
	format_pm(PRESENT | SOFT_DIRTY, "soft-dirty,present");
	format_pm(PRESENT | EXCLUSIVE | UINT64_C(0x99), "exclusive,present");
	format_pm(PRESENT | FILE_PAGE | UINT64_C(0x99), "file,present");
	format_pm(SWAPPED | SOFT_DIRTY | 3, "soft-dirty,swapped");
	format_pm(HK_PAGEMAP_UFFD_WP | HK_PAGEMAP_GUARD, "uffd-wp,guard");
	/* 59 and 60 are zero on every kernel so far: shown raw. */
	format_pm(UINT64_MAX,
		  "soft-dirty,exclusive,uffd-wp,guard,bit59,bit60,file,swapped,present");

	CHECK_STREQ(hk_pagemap_flag_name(55), "soft-dirty");
	CHECK_STREQ(hk_pagemap_flag_name(56), "exclusive");
	CHECK_STREQ(hk_pagemap_flag_name(57), "uffd-wp");
	CHECK_STREQ(hk_pagemap_flag_name(58), "guard");
	CHECK_STREQ(hk_pagemap_flag_name(61), "file");
	CHECK_STREQ(hk_pagemap_flag_name(62), "swapped");
	CHECK_STREQ(hk_pagemap_flag_name(63), "present");
	CHECK(hk_pagemap_flag_name(0) == NULL);
	CHECK(hk_pagemap_flag_name(54) == NULL);
	CHECK(hk_pagemap_flag_name(59) == NULL);
	CHECK(hk_pagemap_flag_name(60) == NULL);
	CHECK(hk_pagemap_flag_name(64) == NULL);
	CHECK(hk_pagemap_flag_name(UINT_MAX) == NULL);
}

static void test_format_truncation(void)
{
	char buf[8];
	uint64_t e = PRESENT | SOFT_DIRTY | EXCLUSIVE; /* "soft-dirty,exclusive,present" */

	CHECK_EQ_U64(hk_pagemap_flags_format(e, NULL, 0), 28);
	CHECK_EQ_U64(hk_pagemap_flags_format(e, buf, sizeof(buf)), 28);
	CHECK_STREQ(buf, "soft-di");
	CHECK_EQ_U64(hk_pagemap_flags_format(e, buf, 1), 28);
	CHECK_STREQ(buf, "");
	/* A cut at a comma. */
	char b11[11];
	hk_pagemap_flags_format(e, b11, sizeof(b11));
	CHECK_STREQ(b11, "soft-dirty");
	char b12[12];
	hk_pagemap_flags_format(e, b12, sizeof(b12));
	CHECK_STREQ(b12, "soft-dirty,");
	/* Exactly big enough. */
	char b29[29];
	CHECK_EQ_U64(hk_pagemap_flags_format(e, b29, sizeof(b29)), 28);
	CHECK_STREQ(b29, "soft-dirty,exclusive,present");
	CHECK_EQ_U64(hk_kpage_flags_format(BIT(0) | BIT(63), NULL, 0), strlen("locked,bit63"));
}

static void format_kpf(uint64_t flags, const char *want)
{
	char buf[512];
	size_t n = hk_kpage_flags_format(flags, buf, sizeof(buf));

	CHECK_STREQ(buf, want);
	CHECK_EQ_U64(n, strlen(want));
}

static void test_kpage_flags(void)
{
	format_kpf(0, "");
	/* An mlock()ed anonymous page, as seen on 6.x (kernel-hacking bits 33 and 34). */
	format_kpf(BIT(2) | BIT(3) | BIT(5) | BIT(11) | BIT(12) | BIT(14) | BIT(18) | BIT(33) |
		       BIT(34),
		   "referenced,uptodate,lru,mmap,anon,swapbacked,unevictable,mlocked,mappedtodisk");
	/* The head page of a transparent huge page. */
	format_kpf(BIT(15) | BIT(22) | BIT(11) | BIT(12), "mmap,anon,compound_head,thp");
	/* A tail page of a hugetlb page. */
	format_kpf(BIT(16) | BIT(17), "compound_tail,huge");
	/* Head of a hugetlb page. */
	format_kpf(BIT(15) | BIT(17) | BIT(11), "mmap,compound_head,huge");
	/* The newest named bits, unused bits and kernel-hacking bits. */
	format_kpf(BIT(23) | BIT(24) | BIT(25) | BIT(26), "offline,zero_page,idle,pgtable");
	format_kpf(BIT(27) | BIT(31) | BIT(32) | BIT(40) | BIT(42) | BIT(43) | BIT(63),
		   "bit27,bit31,reserved,softdirty,arch_3,bit43,bit63");
	format_kpf(BIT(10) | BIT(20) | BIT(19), "buddy,hwpoison,nopage");

	static const char *const names[] = {
	    "locked",	   "error",	"referenced", "uptodate",      "dirty",		"lru",
	    "active",	   "slab",	"writeback",  "reclaim",       "buddy",		"mmap",
	    "anon",	   "swapcache", "swapbacked", "compound_head", "compound_tail", "huge",
	    "unevictable", "hwpoison",	"nopage",     "ksm",	       "thp",		"offline",
	    "zero_page",   "idle",	"pgtable",
	};
	for (unsigned i = 0; i < ELEMENTSOF(names); i++)
		CHECK_STREQ(hk_kpage_flag_name(i), names[i]);
	for (unsigned i = 27; i < 32; i++)
		CHECK(hk_kpage_flag_name(i) == NULL);
	static const char *const hacking[] = {
	    "reserved", "mlocked",  "mappedtodisk", "private", "private_2", "owner_private",
	    "arch",	"uncached", "softdirty",    "arch_2",  "arch_3",
	};
	for (unsigned i = 0; i < ELEMENTSOF(hacking); i++)
		CHECK_STREQ(hk_kpage_flag_name(32 + i), hacking[i]);
	for (unsigned i = 43; i < 70; i++)
		CHECK(hk_kpage_flag_name(i) == NULL);
	CHECK(hk_kpage_flag_name(UINT_MAX) == NULL);
}

/* ---- Kernels before 3.11: the page shift in bits 55-60 ---- */

static void test_legacy_shift(void)
{
	uint64_t legacy = PRESENT | (UINT64_C(12) << 55) | 0x4242;

	CHECK_EQ_U64(hk_pagemap_entry_normalize(legacy, 12), PRESENT | 0x4242);
	/* A hole on such a kernel: only the shift. */
	CHECK_EQ_U64(hk_pagemap_entry_normalize(UINT64_C(12) << 55, 12), 0);
	/* Swapped, with the shift. */
	CHECK_EQ_U64(hk_pagemap_entry_normalize(SWAPPED | (UINT64_C(12) << 55) | 0x41, 12),
		     SWAPPED | 0x41);
	/* 64 KiB pages (shift 16, bit 59). */
	CHECK_EQ_U64(hk_pagemap_entry_normalize(PRESENT | (UINT64_C(16) << 55) | 9, 16),
		     PRESENT | 9);
	/* A modern entry is left alone. */
	uint64_t modern = PRESENT | SOFT_DIRTY | EXCLUSIVE | 0x4242;
	CHECK_EQ_U64(hk_pagemap_entry_normalize(modern, 12), modern);
	CHECK_EQ_U64(hk_pagemap_entry_normalize(PRESENT | HK_PAGEMAP_UFFD_WP | 1, 12),
		     PRESENT | HK_PAGEMAP_UFFD_WP | 1);
	/* Another page size's shift is a modern entry for this one. */
	CHECK_EQ_U64(hk_pagemap_entry_normalize(legacy, 16), legacy);
	/* Shift 0: no normalizing at all (kpageflags values). */
	CHECK_EQ_U64(hk_pagemap_entry_normalize(0, 0), 0);
	CHECK_EQ_U64(hk_pagemap_entry_normalize(legacy, 0), legacy);

	uint64_t pfn;
	CHECK_OK(hk_pagemap_entry_pfn(hk_pagemap_entry_normalize(legacy, 12), &pfn));
	CHECK_EQ_U64(pfn, 0x4242);
	format_pm(hk_pagemap_entry_normalize(legacy, 12), "present");
}

/* ---- The byte decoder ---- */

static void test_decode(void)
{
	uint64_t v[3] = {PRESENT | 1, UINT64_C(12) << 55 | PRESENT | 2, 0};
	char buf[1 + sizeof(v)];
	uint64_t out[4] = {0};

	/* At an odd address, so no code may read it as uint64_t in place. */
	memcpy(buf + 1, v, sizeof(v));
	CHECK_EQ_S64(hk_pagemap_decode(buf + 1, sizeof(v), 12, out, 4), 3);
	CHECK_EQ_U64(out[0], PRESENT | 1);
	CHECK_EQ_U64(out[1], PRESENT | 2);
	CHECK_EQ_U64(out[2], 0);

	/* Without a page shift the values are kept as they are. */
	CHECK_EQ_S64(hk_pagemap_decode(buf + 1, sizeof(v), 0, out, 4), 3);
	CHECK_EQ_U64(out[1], v[1]);

	/* @max bounds the output. */
	out[1] = 77;
	CHECK_EQ_S64(hk_pagemap_decode(buf + 1, sizeof(v), 12, out, 1), 1);
	CHECK_EQ_U64(out[1], 77);

	CHECK_EQ_S64(hk_pagemap_decode(buf, 0, 12, out, 4), 0);
	CHECK_ERR(hk_pagemap_decode(buf, 7, 12, out, 4), -EINVAL);
	CHECK_ERR(hk_pagemap_decode(buf, 12, 12, out, 4), -EINVAL);
	CHECK_ERR(hk_pagemap_decode(buf, 1, 0, out, 4), -EINVAL);
}

static void test_shift_of(void)
{
	CHECK_EQ_U64(hk_pagemap_shift_of(4096), 12);
	CHECK_EQ_U64(hk_pagemap_shift_of(16384), 14);
	CHECK_EQ_U64(hk_pagemap_shift_of(65536), 16);
	CHECK_EQ_U64(hk_pagemap_shift_of(0), 0);
	CHECK_EQ_U64(hk_pagemap_shift_of(4095), 0);
	CHECK_EQ_U64(hk_pagemap_shift_of(UINT64_C(1) << 63), 63);
}

/* ---- smaps page size ---- */

static void test_smaps_page_size(void)
{
	static const char smaps[] =
	    "00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon\n"
	    "Size:                328 kB\n"
	    "KernelPageSize:       64 kB\n"
	    "MMUPageSize:          64 kB\n"
	    "7f0000000000-7f0000200000 rw-s 00000000 00:0f 1234  /anon_hugepage (deleted)\n"
	    "KernelPageSize:     2048 kB\n"
	    "MMUPageSize:        2048 kB\n";
	uint64_t ps = 0;

	CHECK_OK(hk_parse_smaps_page_size(smaps, strlen(smaps), &ps));
	CHECK_EQ_U64(ps, 65536);

	/* The smallest wins, wherever it is; no trailing newline. */
	static const char two[] = "KernelPageSize:     2048 kB\nKernelPageSize:\t4 kB";
	CHECK_OK(hk_parse_smaps_page_size(two, strlen(two), &ps));
	CHECK_EQ_U64(ps, 4096);

	/* MMUPageSize alone says nothing of the kernel's page size. */
	static const char mmu[] = "MMUPageSize:          4 kB\n";
	ps = 1;
	CHECK_ERR(hk_parse_smaps_page_size(mmu, strlen(mmu), &ps), -ENOENT);
	CHECK_ERR(hk_parse_smaps_page_size("", 0, &ps), -ENOENT);
	CHECK_EQ_U64(ps, 1);

	static const char *const bad[] = {
	    "KernelPageSize:       4 MB\n",
	    "KernelPageSize:       3 kB\n",
	    "KernelPageSize:       0 kB\n",
	    "KernelPageSize:         kB\n",
	    "KernelPageSize:       4\n",
	    "KernelPageSize:       4 kB x\n",
	    "KernelPageSize: -4 kB\n",
	    "KernelPageSize: 99999999999999999999 kB\n",
	    "KernelPageSize: 36028797018963968 kB\n",
	};
	for (unsigned i = 0; i < ELEMENTSOF(bad); i++)
		CHECK_ERR(hk_parse_smaps_page_size(bad[i], strlen(bad[i]), &ps), -EINVAL);
	CHECK_EQ_U64(ps, 1);
}

/* ---- Contiguity on entries ---- */

static void test_entries_contiguous(void)
{
	uint64_t first = 0;
	const uint64_t run[] = {PRESENT | 0x100, PRESENT | EXCLUSIVE | 0x101, PRESENT | 0x102};
	const uint64_t gap[] = {PRESENT | 0x100, PRESENT | 0x102};
	const uint64_t back[] = {PRESENT | 0x101, PRESENT | 0x100};
	const uint64_t same[] = {PRESENT | 0x100, PRESENT | 0x100};
	const uint64_t hole[] = {PRESENT | 0x100, 0, PRESENT | 0x102};
	const uint64_t swap[] = {PRESENT | 0x100, SWAPPED | 0x101};
	const uint64_t hidden[] = {PRESENT, PRESENT};
	const uint64_t hidden_then_hole[] = {PRESENT, 0};
	const uint64_t hole_then_hidden[] = {0, PRESENT};
	const uint64_t top[] = {PRESENT | HK_PAGEMAP_PFN_MASK, PRESENT | 1};

	CHECK_EQ_S64(hk_pagemap_entries_contiguous(run, 3, &first), 1);
	CHECK_EQ_U64(first, 0x100);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(run + 2, 1, &first), 1);
	CHECK_EQ_U64(first, 0x102);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(run, 3, NULL), 1);
	first = 5;
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(gap, 2, &first), 0);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(back, 2, &first), 0);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(same, 2, &first), 0);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(hole, 3, &first), 0);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(swap, 2, &first), 0);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(top, 2, &first), 0);
	CHECK_EQ_U64(first, 5);
	CHECK_ERR(hk_pagemap_entries_contiguous(hidden, 2, &first), -EPERM);
	CHECK_ERR(hk_pagemap_entries_contiguous(hidden_then_hole, 2, &first), -EPERM);
	CHECK_EQ_S64(hk_pagemap_entries_contiguous(hole_then_hidden, 2, &first), 0);
	CHECK_ERR(hk_pagemap_entries_contiguous(run, 0, &first), -EINVAL);
	CHECK_EQ_U64(first, 5);
}

/* ---- The readers, on a captured tree ---- */

static char base[PATH_MAX];

static void die(const char *what, const char *path)
{
	fprintf(stderr, "setup: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/* A BASE-relative path made absolute, in a static ring. */
static const char *at(const char *rel)
{
	static char ring[4][PATH_MAX];
	static unsigned next;
	char *p = ring[next++ % ELEMENTSOF(ring)];

	if (snprintf(p, PATH_MAX, "%s/%s", base, rel) >= PATH_MAX)
		die("path too long:", rel);
	return p;
}

static void mkdir_p(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", at(rel));
	for (char *s = path + strlen(base) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir", path);
		*s = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("mkdir", path);
}

static void put(const char *rel, const void *data, size_t len)
{
	const char *path = at(rel);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		die("write", path);
}

/* Page size of the tree: 64 KiB, so the reader must not use this machine's. */
#define TREE_PS	   65536u
#define TREE_SHIFT 16
#define TREE_BASE  UINT64_C(0x7f0000000000)
#define TREE_FIRST (TREE_BASE >> TREE_SHIFT)
/* Entries from TREE_FIRST: 600 contiguous frames (more than one 512-entry read) ... */
#define RUN 600u
/* ... then a gap at RUN, a swapped page, a legacy entry and hidden frames. */
#define N_TAIL 6u

static void build_tree(void)
{
	int r = harness_mkdtemp("hk-test-pagemap-XXXXXX", base, sizeof(base));
	if (r >= 0)
		r = harness_remove_at_exit(base);
	if (r < 0) {
		errno = -r;
		die("mkdtemp", base);
	}

	mkdir_p("proc/123");
	mkdir_p("proc/124");
	mkdir_p("proc/125");
	mkdir_p("sys");

	/*
	 * A sparse file: entries at TREE_FIRST and after, zeros (unmapped)
	 * before. pwrite() at the far offset makes the hole.
	 */
	size_t n = RUN + N_TAIL;
	uint64_t *e = calloc(n, sizeof(*e));
	if (!e)
		die("calloc", "");
	for (unsigned i = 0; i < RUN; i++)
		e[i] = PRESENT | EXCLUSIVE | (0x40000 + i);
	e[RUN] = PRESENT | 0x90000;				       /* after a gap */
	e[RUN + 1] = SWAPPED | SOFT_DIRTY | (0x77 << 5) | 2;	       /* swapped */
	e[RUN + 2] = PRESENT | ((uint64_t)TREE_SHIFT << 55) | 0x90002; /* a pre-3.11 entry */
	e[RUN + 3] = PRESENT | EXCLUSIVE;			       /* hidden frame */
	e[RUN + 4] = PRESENT;					       /* hidden frame */
	e[RUN + 5] = 0;						       /* the last page: a hole */

	const char *path = at("proc/123/pagemap");
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || pwrite(fd, e, n * 8, (off_t)(TREE_FIRST * 8)) != (ssize_t)(n * 8))
		die("write", path);
	free(e);

	static const char smaps[] = "00400000-00452000 r-xp 00000000 08:02 17 /bin/x\n"
				    "KernelPageSize:       64 kB\n"
				    "MMUPageSize:          64 kB\n";
	put("proc/123/smaps", smaps, strlen(smaps));

	/* 124: a process whose tree has no pagemap. 125: one cut inside an entry. */
	uint64_t two[2] = {PRESENT | 5, PRESENT | 6};
	put("proc/125/pagemap", two, 12);

	/* Frames 0-3 of kpageflags and kpagecount. */
	uint64_t kpf[4] = {BIT(10), BIT(5) | BIT(12), BIT(15) | BIT(17), BIT(16) | BIT(17)};
	uint64_t kpc[4] = {0, 1, 2, 3};
	put("proc/kpageflags", kpf, sizeof(kpf));
	put("proc/kpagecount", kpc, sizeof(kpc));
}

static void test_tree(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_pagemap_freep) hk_pagemap *pm = NULL;
	hk_diag diag = {0};
	uint64_t e[8], phys = 0;

	build_tree();
	if (CHECK_OK(hk_root_open(base, 0, NULL, &root)) < 0)
		return;

	/* No such process; a process without pagemap; a bad pid. */
	hk_pagemap *none = (hk_pagemap *)&diag;
	CHECK_ERR(hk_pagemap_open(root, 999, &diag, &none), -ESRCH);
	CHECK(none == (hk_pagemap *)&diag);
	CHECK(strstr(diag.message, "no process 999") != NULL);
	CHECK_ERR(hk_pagemap_open(root, 124, &diag, &none), -ENOENT);
	CHECK(strstr(diag.message, "proc/124/pagemap") != NULL);
	CHECK_ERR(hk_pagemap_open(root, -1, &diag, &none), -EINVAL);

	if (CHECK_OK(hk_pagemap_open(root, 123, &diag, &pm)) < 0)
		return;
	/* The tree's page size, from its smaps. */
	CHECK_EQ_U64(hk_pagemap_page_size(pm), TREE_PS);

	/* Unmapped pages before the run read as 0. */
	CHECK_EQ_S64(hk_pagemap_read(pm, 0x10000, 2, &diag, e), 2);
	CHECK_EQ_U64(e[0], 0);
	CHECK_EQ_U64(e[1], 0);

	/* An address inside a page reads that page. */
	CHECK_EQ_S64(hk_pagemap_read(pm, TREE_BASE + TREE_PS + 123, 1, &diag, e), 1);
	CHECK_EQ_U64(e[0], PRESENT | EXCLUSIVE | 0x40001);

	/* The legacy entry comes back in the modern layout. */
	uint64_t tail = TREE_BASE + (uint64_t)RUN * TREE_PS;
	CHECK_EQ_S64(hk_pagemap_read(pm, tail, N_TAIL, &diag, e), N_TAIL);
	CHECK_EQ_U64(e[2], PRESENT | 0x90002);
	CHECK_EQ_U64(e[1], SWAPPED | SOFT_DIRTY | (0x77 << 5) | 2);

	/* Past the end: a short count, then -ENXIO. */
	CHECK_EQ_S64(hk_pagemap_read(pm, tail + (N_TAIL - 2) * (uint64_t)TREE_PS, 8, &diag, e), 2);
	CHECK_ERR(hk_pagemap_read(pm, tail + N_TAIL * (uint64_t)TREE_PS, 1, &diag, e), -ENXIO);
	CHECK(strstr(diag.message, "address space") != NULL);
	CHECK_ERR(hk_pagemap_read(pm, tail, 0, &diag, e), -EINVAL);
	CHECK_ERR(hk_pagemap_read(pm, UINT64_MAX, 1, &diag, e), -ENXIO);

	/* Translation keeps the offset in the page. */
	CHECK_OK(hk_pagemap_virt_to_phys(pm, TREE_BASE + 2 * TREE_PS + 0x1234, &diag, &phys));
	CHECK_EQ_U64(phys, (UINT64_C(0x40002) << TREE_SHIFT) + 0x1234);
	phys = 7;
	CHECK_ERR(hk_pagemap_virt_to_phys(pm, tail + TREE_PS, &diag, &phys), -ENODATA);
	CHECK(strstr(diag.message, "swapped") != NULL);
	CHECK_ERR(hk_pagemap_virt_to_phys(pm, 0x10000, &diag, &phys), -ENODATA);
	CHECK_ERR(hk_pagemap_virt_to_phys(pm, tail + 3 * TREE_PS, &diag, &phys), -EPERM);
	CHECK(strstr(diag.message, "needs root (CAP_SYS_ADMIN) for frame numbers") != NULL);
	CHECK_EQ_U64(phys, 7);

	/* Contiguity across more than one read of 512 entries. */
	CHECK_EQ_S64(hk_pagemap_is_contiguous(pm, TREE_BASE, (uint64_t)RUN * TREE_PS, &diag, &phys),
		     1);
	CHECK_EQ_U64(phys, UINT64_C(0x40000) << TREE_SHIFT);
	/* Unaligned: the pages the bytes touch, the offset kept. */
	CHECK_EQ_S64(hk_pagemap_is_contiguous(pm, TREE_BASE + 100, 2 * TREE_PS, &diag, &phys), 1);
	CHECK_EQ_U64(phys, (UINT64_C(0x40000) << TREE_SHIFT) + 100);
	CHECK_EQ_S64(
	    hk_pagemap_is_contiguous(pm, TREE_BASE + 513 * (uint64_t)TREE_PS, 1, &diag, &phys), 1);
	CHECK_EQ_U64(phys, UINT64_C(0x40201) << TREE_SHIFT);
	/* One page more runs into the gap, past the second read's start. */
	phys = 7;
	CHECK_EQ_S64(
	    hk_pagemap_is_contiguous(pm, TREE_BASE, (uint64_t)(RUN + 1) * TREE_PS, &diag, &phys),
	    0);
	CHECK_EQ_U64(phys, 7);
	CHECK_EQ_S64(hk_pagemap_is_contiguous(pm, tail - TREE_PS, 2 * TREE_PS, &diag, NULL), 0);
	CHECK_EQ_S64(hk_pagemap_is_contiguous(pm, 0, TREE_PS, &diag, NULL), 0);
	CHECK_ERR(hk_pagemap_is_contiguous(pm, tail + 3 * TREE_PS, 2 * TREE_PS, &diag, NULL),
		  -EPERM);
	CHECK(strstr(diag.message, "needs root") != NULL);
	/* The message names the page that hid its frame. */
	char want[64];
	snprintf(want, sizeof(want), "0x%" PRIx64, tail + 3 * (uint64_t)TREE_PS);
	CHECK(strstr(diag.message, want) != NULL);
	CHECK_ERR(hk_pagemap_is_contiguous(pm, tail, 0, &diag, NULL), -EINVAL);
	CHECK_ERR(hk_pagemap_is_contiguous(pm, UINT64_MAX - 10, 100, &diag, NULL), -ERANGE);
	CHECK_ERR(hk_pagemap_is_contiguous(pm, tail + (N_TAIL - 1) * (uint64_t)TREE_PS, 2 * TREE_PS,
					   &diag, NULL),
		  -ENXIO);

	/* A file that ends inside an entry. */
	_cleanup_(hk_pagemap_freep) hk_pagemap *cut = NULL;
	if (CHECK_OK(hk_pagemap_open(root, 125, &diag, &cut)) >= 0) {
		uint64_t ps = hk_pagemap_page_size(cut);
		CHECK_ERR(hk_pagemap_read(cut, 0, 2, &diag, e), -EINVAL);
		CHECK(strstr(diag.message, "proc/125/pagemap") != NULL);
		CHECK_ERR(hk_pagemap_read(cut, ps, 1, &diag, e), -EINVAL);
	}

	/* kpageflags and kpagecount. */
	_cleanup_(hk_kpage_freep) hk_kpage *kp = NULL;
	uint64_t v = 0;
	if (CHECK_OK(hk_kpage_open(root, &diag, &kp)) >= 0) {
		CHECK_OK(hk_kpage_get_flags(kp, 2, &diag, &v));
		CHECK_EQ_U64(v, BIT(15) | BIT(17));
		CHECK_OK(hk_kpage_get_count(kp, 3, &diag, &v));
		CHECK_EQ_U64(v, 3);
		v = 7;
		CHECK_ERR(hk_kpage_get_flags(kp, 4, &diag, &v), -ENXIO);
		CHECK_ERR(hk_kpage_get_count(kp, 4, &diag, &v), -ENXIO);
		CHECK_ERR(hk_kpage_get_flags(kp, UINT64_MAX, &diag, &v), -ENXIO);
		CHECK_ERR(hk_kpage_get_flags(kp, UINT64_C(1) << 60, &diag, &v), -ENXIO);
		CHECK_EQ_U64(v, 7);
	}
}

static void test_tree_without_kpage(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	hk_diag diag = {0};
	hk_kpage *kp = NULL;

	CHECK_OK(unlink(at("proc/kpagecount")));
	if (CHECK_OK(hk_root_open(base, 0, NULL, &root)) < 0)
		return;
	CHECK_ERR(hk_kpage_open(root, &diag, &kp), -ENOENT);
	CHECK(kp == NULL);
	CHECK(strstr(diag.message, "proc/kpagecount") != NULL);
	CHECK_OK(unlink(at("proc/kpageflags")));
	CHECK_ERR(hk_kpage_open(root, &diag, &kp), -ENOENT);
	CHECK(strstr(diag.message, "CONFIG_PROC_PAGE_MONITOR") != NULL);
}

/* The live root: this process's own page map, which needs no privilege to open. */
static void test_live_self(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_pagemap_freep) hk_pagemap *pm = NULL;
	uint64_t e;

	if (CHECK_OK(hk_root_open("/", 0, NULL, &root)) < 0)
		return;
	int r = hk_pagemap_open(root, 0, NULL, &pm);
	if (r == -ENOENT) {
		printf("note: no /proc/self/pagemap (CONFIG_PROC_PAGE_MONITOR off)\n");
		return;
	}
	if (CHECK_OK(r) < 0)
		return;
	CHECK_EQ_U64(hk_pagemap_page_size(pm), (uint64_t)sysconf(_SC_PAGESIZE));
	/* A variable on the stack is mapped and, being written, present. */
	volatile uint64_t here = 1;
	CHECK_EQ_S64(hk_pagemap_read(pm, (uint64_t)(uintptr_t)&here, 1, NULL, &e), 1);
	CHECK(e & PRESENT);
}

int main(void)
{
	test_present();
	test_pfn_hidden();
	test_swapped();
	test_not_present();
	test_pagemap_flags();
	test_format_truncation();
	test_kpage_flags();
	test_legacy_shift();
	test_decode();
	test_shift_of();
	test_smaps_page_size();
	test_entries_contiguous();
	test_tree();
	test_tree_without_kpage();
	test_live_self();
	TEST_DONE();
}
