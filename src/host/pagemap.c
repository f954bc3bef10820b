/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <hostkit/pagemap.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/pagemap.h"

/* Values read per pread(2): 4 KiB, the kernel's own walk buffer size. */
#define CHUNK 512u

/* Bits 55-60: the page shift before Linux 3.11, flags since. */
#define LEGACY_SHIFT_FIELD(e) (((e) >> 55) & 0x3f)

/* The message every caller shows when the kernel hid a frame number. */
#define NEEDS_ROOT "needs root (CAP_SYS_ADMIN) for frame numbers"

struct hk_pagemap {
	int fd;
	int pid;
	uint64_t page_size;
	unsigned page_shift;
	char path[64];
};

struct hk_kpage {
	int flags_fd;
	int count_fd;
};

uint64_t hk_pagemap_entry_normalize(uint64_t entry, unsigned page_shift)
{
	if (page_shift != 0 && LEGACY_SHIFT_FIELD(entry) == page_shift)
		entry &= ~(UINT64_C(0x3f) << 55);
	return entry;
}

int hk_pagemap_decode(const char *buf, size_t len, unsigned page_shift, uint64_t *out, size_t max)
{
	if (len % 8 != 0)
		return -EINVAL;
	size_t n = MIN(len / 8, max);
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		/* The buffer is bytes: copy, since it need not be 8-byte aligned. */
		memcpy(&v, buf + i * 8, 8);
		out[i] = page_shift ? hk_pagemap_entry_normalize(v, page_shift) : v;
	}
	return (int)MIN(n, (size_t)INT_MAX);
}

unsigned hk_pagemap_shift_of(uint64_t page_size)
{
	if (page_size == 0 || (page_size & (page_size - 1)) != 0)
		return 0;
	return (unsigned)__builtin_ctzll(page_size);
}

int hk_parse_smaps_page_size(const char *buf, size_t len, uint64_t *ret)
{
	static const char key[] = "KernelPageSize:";
	const size_t klen = sizeof(key) - 1;
	const char *p = buf, *end = buf + len;
	uint64_t best = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) >= klen && memcmp(p, key, klen) == 0) {
			const char *v = p + klen;
			size_t vlen = (size_t)(eol - v);
			uint64_t kb;

			hk_trim(&v, &vlen);
			int c = hk_parse_u64_prefix(v, vlen, &kb);
			if (c < 0)
				return -EINVAL;
			const char *unit = v + c;
			size_t ulen = vlen - (size_t)c;
			hk_trim(&unit, &ulen);
			if (ulen != 2 || memcmp(unit, "kB", 2) != 0)
				return -EINVAL;
			if (kb == 0 || kb > (UINT64_MAX >> 10) || (kb & (kb - 1)) != 0)
				return -EINVAL;
			uint64_t bytes = kb << 10;
			if (best == 0 || bytes < best)
				best = bytes;
		}
		p = nl ? nl + 1 : end;
	}
	if (best == 0)
		return -ENOENT;
	*ret = best;
	return 0;
}

/*
 * Reads up to @n 8-byte values from value index @index of @fd into @out.
 * Returns how many were read: fewer than @n only at the end of the file.
 */
static int read_values(int fd, const char *path, uint64_t index, size_t n, unsigned page_shift,
		       hk_diag *diag, uint64_t *out)
{
	char buf[CHUNK * 8];
	size_t done = 0;

	while (done < n) {
		size_t want = MIN(n - done, (size_t)CHUNK);
		uint64_t off = (index + done) * 8;
		ssize_t k = pread(fd, buf, want * 8, (off_t)off);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			int r = negative_errno();
			return hk_diag_set(diag, r, path,
					   "cannot read %s at offset %" PRIu64 ": %s", path, off,
					   strerror(-r));
		}
		if (k == 0)
			break;
		int c = hk_pagemap_decode(buf, (size_t)k, page_shift, out + done, want);
		if (c < 0)
			return hk_diag_set(diag, -EINVAL, path,
					   "%s ends inside a value: %zd bytes at offset %" PRIu64
					   ", not a multiple of 8",
					   path, k, off);
		done += (size_t)c;
	}
	return (int)done;
}

void hk_pagemap_free(hk_pagemap *pm)
{
	if (!pm)
		return;
	if (pm->fd >= 0)
		close(pm->fd);
	free(pm);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pagemap *, hk_pagemap_free)

static uint64_t live_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 0 && hk_pagemap_shift_of((uint64_t)ps) ? (uint64_t)ps : 4096;
}

/* A captured tree comes from a machine whose page size may not be ours. */
static int captured_page_size(hk_root *root, const char *proc_dir, hk_diag *diag, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	char path[64];
	size_t len;

	snprintf(path, sizeof(path), "%s/smaps", proc_dir);
	int r = hk_root_read(root, path, &buf, &len);
	if (r >= 0) {
		r = hk_parse_smaps_page_size(buf, len, ret);
		if (r == -EINVAL)
			return hk_diag_set(diag, r, path,
					   "cannot parse a KernelPageSize line in %s as a power of "
					   "two in kB",
					   path);
		if (r >= 0)
			return 0;
	}
	*ret = live_page_size();
	return 0;
}

int hk_pagemap_open(hk_root *root, int pid, hk_diag *diag, hk_pagemap **ret)
{
	char proc_dir[32];
	int r;

	if (pid < 0)
		return hk_diag_set(diag, -EINVAL, "", "invalid process id %d", pid);
	if (pid == 0)
		snprintf(proc_dir, sizeof(proc_dir), "proc/self");
	else
		snprintf(proc_dir, sizeof(proc_dir), "proc/%d", pid);

	_cleanup_(hk_pagemap_freep) hk_pagemap *pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->fd = -EBADF;
	pm->pid = pid;
	snprintf(pm->path, sizeof(pm->path), "%s/pagemap", proc_dir);

	pm->fd = hk_root_open_file(root, pm->path, O_RDONLY);
	if (pm->fd < 0) {
		r = pm->fd;
		if (r == -ENOENT && !hk_root_exists(root, proc_dir)) {
			bool live = hk_root_is_live(root);
			return hk_diag_set(diag, -ESRCH, proc_dir, "no process %d%s%s", pid,
					   live ? "" : " in ", live ? "" : hk_root_path(root));
		}
		/* Recent kernels refuse the open of a process without memory. */
		if (r == -ESRCH)
			return hk_diag_set(diag, r, pm->path,
					   "process %d has no memory map (a kernel thread, or one "
					   "exiting)",
					   pid);
		if (r == -ENOENT)
			return hk_diag_set(
			    diag, r, pm->path,
			    "%s is absent: a kernel without CONFIG_PROC_PAGE_MONITOR, "
			    "or a captured tree without it",
			    pm->path);
		if (r == -EACCES)
			return hk_diag_set(diag, r, pm->path,
					   "cannot open %s: permission denied (another user's "
					   "process needs root or CAP_SYS_PTRACE)",
					   pm->path);
		if (r == -EPERM)
			return hk_diag_set(diag, r, pm->path,
					   "cannot open %s: operation not permitted (this kernel "
					   "gives the page map to CAP_SYS_ADMIN only)",
					   pm->path);
		return hk_diag_set(diag, r, pm->path, "cannot open %s: %s", pm->path, strerror(-r));
	}

	if (hk_root_is_live(root))
		pm->page_size = live_page_size();
	else if ((r = captured_page_size(root, proc_dir, diag, &pm->page_size)) < 0)
		return r;
	pm->page_shift = hk_pagemap_shift_of(pm->page_size);

	*ret = TAKE_PTR(pm);
	return 0;
}

uint64_t hk_pagemap_page_size(const hk_pagemap *pm)
{
	return pm->page_size;
}

int hk_pagemap_read(hk_pagemap *pm, uint64_t vaddr, size_t n, hk_diag *diag, uint64_t *entries)
{
	if (n == 0 || n > INT_MAX)
		return hk_diag_set(diag, -EINVAL, pm->path, "cannot read %zu page map entries", n);

	int r = read_values(pm->fd, pm->path, vaddr >> pm->page_shift, n, pm->page_shift, diag,
			    entries);
	if (r == 0)
		return hk_diag_set(diag, -ENXIO, pm->path,
				   "no page map entry for 0x%" PRIx64 " in %s: beyond the "
				   "process's address space, or a process without memory (a kernel "
				   "thread, or one exiting)",
				   vaddr, pm->path);
	return r;
}

static int pfn_hidden(const hk_pagemap *pm, uint64_t vaddr, hk_diag *diag)
{
	return hk_diag_set(diag, -EPERM, pm->path,
			   NEEDS_ROOT ": %s gives frame 0 for the present page at 0x%" PRIx64,
			   pm->path, vaddr);
}

int hk_pagemap_virt_to_phys(hk_pagemap *pm, uint64_t vaddr, hk_diag *diag, uint64_t *ret_phys)
{
	uint64_t e, pfn;

	int r = hk_pagemap_read(pm, vaddr, 1, diag, &e);
	if (r < 0)
		return r;
	r = hk_pagemap_entry_pfn(e, &pfn);
	if (r == -EPERM)
		return pfn_hidden(pm, vaddr, diag);
	if (r == -ENODATA)
		return hk_diag_set(
		    diag, r, pm->path, "the page at 0x%" PRIx64 " is not present in memory (%s)",
		    vaddr, (e & HK_PAGEMAP_SWAPPED) ? "swapped out" : "not mapped or not touched");
	if (r < 0)
		return r;
	if (pfn > (UINT64_MAX >> pm->page_shift))
		return hk_diag_set(diag, -ERANGE, pm->path,
				   "frame 0x%" PRIx64 " of 0x%" PRIx64 " is beyond 64 bits", pfn,
				   vaddr);
	*ret_phys = (pfn << pm->page_shift) | (vaddr & (pm->page_size - 1));
	return 0;
}

int hk_pagemap_entries_contiguous(const uint64_t *entries, size_t n, uint64_t *ret_first_pfn)
{
	uint64_t first = 0, prev = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn;
		int r = hk_pagemap_entry_pfn(entries[i], &pfn);
		if (r == -ENODATA)
			return 0;
		if (r < 0)
			return r;
		if (i == 0)
			first = pfn;
		else if (prev == UINT64_MAX || pfn != prev + 1)
			return 0;
		prev = pfn;
	}
	if (ret_first_pfn)
		*ret_first_pfn = first;
	return 1;
}

int hk_pagemap_is_contiguous(hk_pagemap *pm, uint64_t vaddr, uint64_t size, hk_diag *diag,
			     uint64_t *ret_phys)
{
	uint64_t entries[CHUNK];
	uint64_t first_pfn = 0, next_pfn = 0;

	if (size == 0)
		return hk_diag_set(diag, -EINVAL, pm->path, "cannot check an empty range (size 0)");
	if (vaddr + (size - 1) < vaddr)
		return hk_diag_set(diag, -ERANGE, pm->path,
				   "0x%" PRIx64 " + %" PRIu64 " bytes wraps around", vaddr, size);

	const uint64_t page_mask = ~(pm->page_size - 1);
	uint64_t first_page = vaddr & page_mask;
	uint64_t total = (((vaddr + (size - 1)) & page_mask) - first_page) >> pm->page_shift;
	total++;

	for (uint64_t done = 0; done < total;) {
		size_t want = (size_t)MIN(total - done, (uint64_t)CHUNK);
		uint64_t at = first_page + (done << pm->page_shift);

		int r = hk_pagemap_read(pm, at, want, diag, entries);
		if (r < 0)
			return r;
		if ((size_t)r < want)
			return hk_diag_set(diag, -ENXIO, pm->path,
					   "0x%" PRIx64 " + %" PRIu64 " bytes runs past the "
					   "process's address space",
					   vaddr, size);

		uint64_t pfn;
		r = hk_pagemap_entries_contiguous(entries, want, &pfn);
		if (r == -EPERM) {
			/* Name the page that hid its frame. */
			size_t i = 0;
			while (i + 1 < want && !((entries[i] & HK_PAGEMAP_PRESENT) &&
						 (entries[i] & HK_PAGEMAP_PFN_MASK) == 0))
				i++;
			return pfn_hidden(pm, at + ((uint64_t)i << pm->page_shift), diag);
		}
		if (r <= 0)
			return r;
		if (done == 0)
			first_pfn = pfn;
		else if (pfn != next_pfn)
			return 0;
		next_pfn = pfn + want;
		done += want;
	}

	if (first_pfn > (UINT64_MAX >> pm->page_shift))
		return hk_diag_set(diag, -ERANGE, pm->path,
				   "frame 0x%" PRIx64 " is beyond 64 bits of address", first_pfn);
	if (ret_phys)
		*ret_phys = (first_pfn << pm->page_shift) | (vaddr & (pm->page_size - 1));
	return 1;
}

int hk_pagemap_entry_pfn(uint64_t entry, uint64_t *ret)
{
	if (!(entry & HK_PAGEMAP_PRESENT))
		return -ENODATA;
	uint64_t pfn = entry & HK_PAGEMAP_PFN_MASK;
	/* No architecture maps frame 0 into user space: 0 is the kernel hiding it. */
	if (pfn == 0)
		return -EPERM;
	*ret = pfn;
	return 0;
}

int hk_pagemap_entry_swap(uint64_t entry, unsigned *ret_type, uint64_t *ret_offset)
{
	if ((entry & HK_PAGEMAP_PRESENT) || !(entry & HK_PAGEMAP_SWAPPED))
		return -ENODATA;
	uint64_t field = entry & HK_PAGEMAP_PFN_MASK;
	if (field == 0)
		return -EPERM;
	*ret_type = (unsigned)(field & HK_PAGEMAP_SWAP_TYPE_MASK);
	*ret_offset = field >> HK_PAGEMAP_SWAP_OFFSET_SHIFT;
	return 0;
}

const char *hk_pagemap_flag_name(unsigned bit)
{
	switch (bit) {
	case 55:
		return "soft-dirty";
	case 56:
		return "exclusive";
	case 57:
		return "uffd-wp";
	case 58:
		return "guard";
	case 61:
		return "file";
	case 62:
		return "swapped";
	case 63:
		return "present";
	default:
		return NULL;
	}
}

static const char *const kpf_names[] = {
    "locked",	   "error",	"referenced", "uptodate",      "dirty",		"lru",
    "active",	   "slab",	"writeback",  "reclaim",       "buddy",		"mmap",
    "anon",	   "swapcache", "swapbacked", "compound_head", "compound_tail", "huge",
    "unevictable", "hwpoison",	"nopage",     "ksm",	       "thp",		"offline",
    "zero_page",   "idle",	"pgtable",
};

/*
 * Bits 32 and up are the kernel's "hacking assistances" (KPF_RESERVED ...
 * KPF_ARCH_3), which it warns may change; they are named as page-types(8)
 * names them.
 */
static const char *const kpf_hack_names[] = {
    "reserved", "mlocked",  "mappedtodisk", "private", "private_2", "owner_private",
    "arch",	"uncached", "softdirty",    "arch_2",  "arch_3",
};

const char *hk_kpage_flag_name(unsigned bit)
{
	if (bit < ELEMENTSOF(kpf_names))
		return kpf_names[bit];
	if (bit >= 32 && bit - 32 < ELEMENTSOF(kpf_hack_names))
		return kpf_hack_names[bit - 32];
	return NULL;
}

/* Appends @s (and a ',' before it unless first) snprintf-style: *@pos counts all. */
static void put_name(char *buf, size_t size, size_t *pos, const char *s)
{
	size_t len = strlen(s);

	if (*pos < size) {
		size_t copy = MIN(len, size - *pos - 1);
		memcpy(buf + *pos, s, copy);
		buf[*pos + copy] = 0;
	}
	*pos += len;
}

static size_t format_bits(uint64_t v, unsigned from, const char *(*name)(unsigned), char *buf,
			  size_t size)
{
	size_t pos = 0;

	if (size > 0)
		buf[0] = 0;
	for (unsigned bit = from; bit < 64; bit++) {
		char raw[8];
		const char *s;

		if (!(v & (UINT64_C(1) << bit)))
			continue;
		s = name(bit);
		if (!s) {
			snprintf(raw, sizeof(raw), "bit%u", bit);
			s = raw;
		}
		if (pos > 0)
			put_name(buf, size, &pos, ",");
		put_name(buf, size, &pos, s);
	}
	return pos;
}

size_t hk_pagemap_flags_format(uint64_t entry, char *buf, size_t size)
{
	return format_bits(entry, 55, hk_pagemap_flag_name, buf, size);
}

size_t hk_kpage_flags_format(uint64_t flags, char *buf, size_t size)
{
	return format_bits(flags, 0, hk_kpage_flag_name, buf, size);
}

void hk_kpage_free(hk_kpage *kp)
{
	if (!kp)
		return;
	if (kp->flags_fd >= 0)
		close(kp->flags_fd);
	if (kp->count_fd >= 0)
		close(kp->count_fd);
	free(kp);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_kpage *, hk_kpage_free)

static int open_kpage_file(hk_root *root, const char *path, hk_diag *diag)
{
	int fd = hk_root_open_file(root, path, O_RDONLY);

	if (fd == -ENOENT)
		return hk_diag_set(diag, fd, path,
				   "%s is absent: a kernel without CONFIG_PROC_PAGE_MONITOR, or a "
				   "captured tree without it",
				   path);
	if (fd == -EACCES || fd == -EPERM)
		return hk_diag_set(diag, fd, path,
				   "cannot open %s: %s (it is readable by root only)", path,
				   strerror(-fd));
	if (fd < 0)
		return hk_diag_set(diag, fd, path, "cannot open %s: %s", path, strerror(-fd));
	return fd;
}

int hk_kpage_open(hk_root *root, hk_diag *diag, hk_kpage **ret)
{
	_cleanup_(hk_kpage_freep) hk_kpage *kp = calloc(1, sizeof(*kp));

	if (!kp)
		return -ENOMEM;
	kp->count_fd = -EBADF;
	kp->flags_fd = open_kpage_file(root, "proc/kpageflags", diag);
	if (kp->flags_fd < 0)
		return kp->flags_fd;
	kp->count_fd = open_kpage_file(root, "proc/kpagecount", diag);
	if (kp->count_fd < 0)
		return kp->count_fd;
	*ret = TAKE_PTR(kp);
	return 0;
}

static int kpage_get(int fd, const char *path, uint64_t pfn, hk_diag *diag, uint64_t *ret)
{
	uint64_t v;

	if (pfn > (uint64_t)INT64_MAX / 8)
		return hk_diag_set(diag, -ENXIO, path,
				   "frame 0x%" PRIx64 " is beyond any file offset", pfn);
	int r = read_values(fd, path, pfn, 1, 0, diag, &v);
	if (r < 0)
		return r;
	if (r == 0)
		return hk_diag_set(diag, -ENXIO, path,
				   "frame 0x%" PRIx64 " is beyond the last frame %s reports", pfn,
				   path);
	*ret = v;
	return 0;
}

int hk_kpage_get_flags(hk_kpage *kp, uint64_t pfn, hk_diag *diag, uint64_t *ret)
{
	return kpage_get(kp->flags_fd, "proc/kpageflags", pfn, diag, ret);
}

int hk_kpage_get_count(hk_kpage *kp, uint64_t pfn, hk_diag *diag, uint64_t *ret)
{
	return kpage_get(kp->count_fd, "proc/kpagecount", pfn, diag, ret);
}
