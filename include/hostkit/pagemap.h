/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_PAGEMAP_H
#define HOSTKIT_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Virtual to physical translation, and what the kernel says of a physical
 * page (Documentation/admin-guide/mm/pagemap.rst).
 *
 * proc/PID/pagemap holds one 64-bit entry per virtual page of the process,
 * at offset (address / page size) * 8. proc/kpageflags and proc/kpagecount
 * hold one 64-bit value per page frame number (PFN), at offset PFN * 8.
 *
 * Frame numbers are the kernel's to give: without CAP_SYS_ADMIN it writes 0
 * in the PFN (and swap) field of every entry, so a present page with PFN 0
 * means "needs root", never frame 0 (which no architecture hands to user
 * space). proc/kpageflags and proc/kpagecount are readable by root only.
 * Physical addresses are only stable while the page cannot move: mlock(2)
 * it, or use a hugetlb page, before trusting them.
 */

/* The bits of a page map entry (hk_pagemap_read() returns every entry in this layout). */
#define HK_PAGEMAP_PFN_MASK	     ((UINT64_C(1) << 55) - 1) /* bits 0-54: PFN, when present */
#define HK_PAGEMAP_SWAP_TYPE_MASK    UINT64_C(0x1f)	 /* bits 0-4: swap type, when swapped */
#define HK_PAGEMAP_SWAP_OFFSET_SHIFT 5			 /* bits 5-54: swap offset, when swapped */
#define HK_PAGEMAP_SOFT_DIRTY	     (UINT64_C(1) << 55) /* written since soft-dirty was cleared */
#define HK_PAGEMAP_EXCLUSIVE	     (UINT64_C(1) << 56) /* mapped by this process only (4.2) */
#define HK_PAGEMAP_UFFD_WP	     (UINT64_C(1) << 57) /* userfaultfd write-protected (5.13) */
#define HK_PAGEMAP_GUARD	     (UINT64_C(1) << 58) /* a guard region (6.15) */
#define HK_PAGEMAP_FILE		     (UINT64_C(1) << 61) /* file page or shared anonymous (3.5) */
#define HK_PAGEMAP_SWAPPED	     (UINT64_C(1) << 62) /* in swap (or migrating) */
#define HK_PAGEMAP_PRESENT	     (UINT64_C(1) << 63) /* in memory */

/*
 * hk_pagemap - the page map of one process, open for reading.
 *
 * Holds the open proc/PID/pagemap (the kernel checks permission once, at
 * open) and the page size. Nothing changes it after the open and reads are
 * pread(2) calls, so threads may share it.
 */
typedef struct hk_pagemap hk_pagemap;

/*
 * Opens proc/@pid/pagemap inside @root; @pid 0 is proc/self (on the live
 * root, the caller). The page size is sysconf(_SC_PAGESIZE) on the live
 * root; on a captured tree, the smallest KernelPageSize of proc/@pid/smaps
 * when it is there, else this machine's. Errors: -EINVAL (@pid < 0), -ESRCH
 * (no such process, or one without memory, a kernel thread; @diag says
 * which), -ENOENT (no pagemap: a kernel without CONFIG_PROC_PAGE_MONITOR, or
 * a tree that lacks it), -EACCES (another user's process: needs root or
 * CAP_SYS_PTRACE), -EPERM (kernels 4.0 and 4.1 refuse the open without
 * CAP_SYS_ADMIN), -ENOMEM. Free with hk_pagemap_free().
 */
HK_API int hk_pagemap_open(hk_root *root, int pid, hk_diag *diag, hk_pagemap **ret);
HK_API void hk_pagemap_free(hk_pagemap *pm);

/* The page size the entries are indexed by, in bytes (a power of two). */
HK_API uint64_t hk_pagemap_page_size(const hk_pagemap *pm);

/*
 * Reads the entries of @n consecutive virtual pages, from the page holding
 * @vaddr, into @entries (@n of them; on failure their contents are
 * undefined). Kernels before 3.11 kept the page shift in bits 55-60; such
 * entries are rewritten with those bits clear, so every entry has the
 * HK_PAGEMAP_* layout. A page the process has not mapped reads as 0.
 * Returns how many entries were read: fewer than @n when the range runs past
 * the end of the process's address space. Errors: -ENXIO when not even the
 * first page can be read (beyond the address space, or a process without
 * memory: a kernel thread or one exiting), -EINVAL (@n is 0 or above
 * INT_MAX, or a captured file ends inside an entry), or the error of pread(2).
 */
HK_API int hk_pagemap_read(hk_pagemap *pm, uint64_t vaddr, size_t n, hk_diag *diag,
			   uint64_t *entries);

/*
 * Translates @vaddr into a physical address (the frame's address plus the
 * offset of @vaddr in its page). Errors: -ENODATA (the page is not present:
 * not mapped, not touched yet, or swapped out), -EPERM (the kernel hid the
 * frame number: needs root, CAP_SYS_ADMIN; @diag says so), -ERANGE, and those
 * of hk_pagemap_read().
 */
HK_API int hk_pagemap_virt_to_phys(hk_pagemap *pm, uint64_t vaddr, hk_diag *diag,
				   uint64_t *ret_phys);

/*
 * Whether the @size bytes from @vaddr are physically contiguous: every page
 * present, each frame the one after the previous page's. Returns 1 when they
 * are, and then *@ret_phys (NULL allowed) is the physical address of @vaddr;
 * 0 when they are not (a page not present, or a gap between frames). Pages
 * are read in order and the first that decides, decides: -EPERM (with @diag)
 * when a present page's frame number is hidden (needs root, CAP_SYS_ADMIN).
 * Other errors: -EINVAL (@size 0), -ERANGE (the range wraps around), and
 * those of hk_pagemap_read() (a range past the address space is -ENXIO).
 */
HK_API int hk_pagemap_is_contiguous(hk_pagemap *pm, uint64_t vaddr, uint64_t size, hk_diag *diag,
				    uint64_t *ret_phys);

/*
 * The same decision over @n entries already read: 1 when every entry is
 * present and each PFN follows the previous one (*@ret_first_pfn, NULL
 * allowed, is then the first PFN), 0 when not, -EPERM when a present entry
 * before the deciding one has its PFN hidden, -EINVAL when @n is 0.
 */
HK_API int hk_pagemap_entries_contiguous(const uint64_t *entries, size_t n,
					 uint64_t *ret_first_pfn);

/*
 * The frame number of a present entry. Errors: -ENODATA (not present),
 * -EPERM (present, but the kernel hid the PFN: needs CAP_SYS_ADMIN).
 */
HK_API int hk_pagemap_entry_pfn(uint64_t entry, uint64_t *ret);

/*
 * The swap type and offset of a swapped entry. Errors: -ENODATA (not
 * swapped), -EPERM (hidden, as frame numbers are: the kernel never puts a
 * page at offset 0 of swap type 0, which holds the swap header).
 */
HK_API int hk_pagemap_entry_swap(uint64_t entry, unsigned *ret_type, uint64_t *ret_offset);

/*
 * The name of page map entry bit @bit (55-63): "soft-dirty", "exclusive",
 * "uffd-wp", "guard", "file", "swapped", "present"; NULL for the PFN bits
 * and the bits the kernel keeps zero (59, 60). Static storage.
 */
HK_API const char *hk_pagemap_flag_name(unsigned bit);

/*
 * Writes the names of the flag bits (55-63) set in @entry, lowest bit first,
 * joined by ',', into @buf of @size bytes (NUL-terminated, truncated to fit;
 * @buf may be NULL when @size is 0); a set bit without a name is written
 * "bitN". "" when none is set. Returns the length the whole text needs, as
 * snprintf(3) does.
 */
HK_API size_t hk_pagemap_flags_format(uint64_t entry, char *buf, size_t size);

/*
 * hk_kpage - proc/kpageflags and proc/kpagecount, open for reading.
 */
typedef struct hk_kpage hk_kpage;

/*
 * Opens proc/kpageflags and proc/kpagecount inside @root. Errors: -ENOENT
 * (a kernel without CONFIG_PROC_PAGE_MONITOR, or a tree without them),
 * -EACCES or -EPERM (both files are readable by root only; @diag says so),
 * -ENOMEM. Free with hk_kpage_free().
 */
HK_API int hk_kpage_open(hk_root *root, hk_diag *diag, hk_kpage **ret);
HK_API void hk_kpage_free(hk_kpage *kp);

/*
 * The flags of frame @pfn: bit N is KPF_N (see hk_kpage_flag_name()).
 * Errors: -ENXIO (beyond the highest frame the kernel reports), -EINVAL (a
 * captured file ends inside a value), or the error of pread(2).
 */
HK_API int hk_kpage_get_flags(hk_kpage *kp, uint64_t pfn, hk_diag *diag, uint64_t *ret);

/* How many times frame @pfn is mapped. Errors as hk_kpage_get_flags(). */
HK_API int hk_kpage_get_count(hk_kpage *kp, uint64_t pfn, hk_diag *diag, uint64_t *ret);

/*
 * The name of kpageflags bit @bit, lower case, as the kernel's KPF_*
 * without the prefix: 0 "locked" ... 22 "thp", 23 "offline" (KPF_BALLOON
 * before Linux 5.0), 24 "zero_page", 25 "idle", 26 "pgtable"; and the
 * kernel-hacking bits, whose meaning the kernel does not promise: 32
 * "reserved", 33 "mlocked", 34 "mappedtodisk", 35 "private", 36 "private_2",
 * 37 "owner_private", 38 "arch", 39 "uncached", 40 "softdirty", 41 "arch_2",
 * 42 "arch_3". NULL for the others (27-31, 43-63). Static storage.
 */
HK_API const char *hk_kpage_flag_name(unsigned bit);

/*
 * Writes the names of the bits set in @flags, lowest first, joined by ','
 * into @buf as hk_pagemap_flags_format() does; a bit without a name is
 * written "bitN". Returns the length the whole text needs.
 */
HK_API size_t hk_kpage_flags_format(uint64_t flags, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
