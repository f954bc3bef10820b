/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_ROOT_H
#define HOSTKIT_ROOT_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_root - where hostkit reads /proc, /sys and /dev from.
 *
 * Opened on "/" it is the live host. Opened on any other directory it is a
 * captured tree: a directory holding proc/ and/or sys/ as another machine
 * had them. Every path given to the functions below is relative to the root
 * ("sys/devices/system/cpu/online"; a leading '/' is ignored) and is resolved
 * inside it: symlinks, absolute or relative, and "..", never leave the root.
 * That is the kernel's openat2(RESOLVE_IN_ROOT) where it has it, and a
 * component-by-component walk in user space where it does not (kernels before
 * 5.6, seccomp profiles that refuse openat2). Files of a captured tree are
 * opened O_NONBLOCK, so a FIFO in one cannot hang a reader.
 *
 * A root may be shared by threads: no call changes it (a recording root,
 * HK_ROOT_RECORD, notes the paths it is asked for under a lock).
 */
typedef struct hk_root hk_root;

enum {
	/* Allow writes to a captured tree (tests run apply/revert on copies). */
	HK_ROOT_WRITABLE = 1u << 0,
	/*
	 * Remember every path read, listed, stat'ed or readlink'ed through the
	 * handle, with the symlinks met on the way (hostkit capture).
	 */
	HK_ROOT_RECORD = 1u << 1,
};

/*
 * Opens @path as a root. "/" (or NULL) is the live host; anything else must
 * be a directory that holds sys/ or proc/. Errors: -ENOENT, -ENOTDIR,
 * -EINVAL (a directory but not a captured tree, with @diag saying so; or
 * unknown @flags), -ENOMEM. Free with hk_root_free().
 */
HK_API int hk_root_open(const char *path, unsigned flags, hk_diag *diag, hk_root **ret);
HK_API void hk_root_free(hk_root *root);

/* True when the root is the live host. */
HK_API bool hk_root_is_live(const hk_root *root);
/* The directory the root was opened on, as given. */
HK_API const char *hk_root_path(const hk_root *root);

/*
 * Opens @path inside the root with open(2) @flags (O_CLOEXEC is added).
 * Opening for writing a non-live root not opened HK_ROOT_WRITABLE gives
 * -EROFS. Returns the fd.
 */
HK_API int hk_root_open_file(hk_root *root, const char *path, int flags);

/* Opens directory @path inside the root for readdir(3). */
HK_API int hk_root_opendir(hk_root *root, const char *path, DIR **ret);

/* True when @path exists inside the root (symlinks followed). */
HK_API bool hk_root_exists(hk_root *root, const char *path);

/*
 * Reads the whole of @path in as few read(2) calls as the file allows.
 * *ret_buf is NUL-terminated and owned by the caller (free()); *ret_len
 * excludes the NUL. Errors are those of open(2) and read(2).
 */
HK_API int hk_root_read(hk_root *root, const char *path, char **ret_buf, size_t *ret_len);

/*
 * Reads @path into @buf of @size bytes, NUL-terminated. Returns the length
 * read, or -EFBIG when the file does not fit in size - 1 bytes. For the many
 * sysfs files that hold one short value.
 */
HK_API int hk_root_read_buf(hk_root *root, const char *path, char *buf, size_t size);

/*
 * Typed readers of single-value files. Surrounding whitespace and one
 * trailing newline are ignored. Parse errors give -EINVAL (with @diag
 * naming the file and the text), a missing file -ENOENT.
 */
HK_API int hk_root_read_u64(hk_root *root, const char *path, hk_diag *diag, uint64_t *ret);
HK_API int hk_root_read_s64(hk_root *root, const char *path, hk_diag *diag, int64_t *ret);
/* Accepts 0/1, y/n, Y/N, yes/no, on/off, true/false. */
HK_API int hk_root_read_bool(hk_root *root, const char *path, hk_diag *diag, bool *ret);
/* The file's text without trailing newline; caller frees. */
HK_API int hk_root_read_string(hk_root *root, const char *path, char **ret);
/*
 * CPU list (fills @set). The value ends at a NUL byte; "(null)" and "\0\n",
 * as old kernels write an empty nohz_full, are the empty set.
 */
HK_API int hk_root_read_cpulist(hk_root *root, const char *path, hk_diag *diag, hk_cpuset *set);
/* CPU mask (comma-separated 32-bit hex words; fills @set). */
HK_API int hk_root_read_cpumask(hk_root *root, const char *path, hk_diag *diag, hk_cpuset *set);

/*
 * Reads the target of symlink @path (the link itself, not followed; its
 * parent directories are resolved inside the root). Caller frees.
 */
HK_API int hk_root_readlink(hk_root *root, const char *path, char **ret);

/* What a recorded path was used as; one path may be several. */
enum {
	/* Opened, read or stat'ed: a file or a directory, whatever it is. */
	HK_ROOT_RECORDED_OPENED = 1u << 0,
	/* A directory whose entries were listed (hk_root_opendir()). */
	HK_ROOT_RECORDED_LISTED = 1u << 1,
	/* A symlink met while resolving a path, or read with hk_root_readlink(). */
	HK_ROOT_RECORDED_LINK = 1u << 2,
};

/*
 * The number of distinct paths a root opened HK_ROOT_RECORD has recorded so
 * far (0 for a root that does not record). Paths are root-relative, without
 * "." or ".." components and with no symlink before their last component:
 * a path through a link is recorded as the link plus the path it leads to,
 * link after link. Paths that did not exist are not recorded.
 */
HK_API size_t hk_root_recorded_count(hk_root *root);

/*
 * Recorded path @i (< hk_root_recorded_count()), in the order first met;
 * *ret_kinds (optional) gets its HK_ROOT_RECORDED_* bits. The string is
 * owned by the root and valid until hk_root_free(). NULL when @i is out of
 * range.
 */
HK_API const char *hk_root_recorded_get(hk_root *root, size_t i, unsigned *ret_kinds);

enum {
	/* Do not read the value back after writing it. */
	HK_WRITE_NO_VERIFY = 1u << 0,
};

/*
 * Writes @value to @path, the way sysfs and procfs want it (one write(2)).
 * A write that would change nothing (the file already holds @value, blanks
 * and trailing newline aside) is skipped. Unless HK_WRITE_NO_VERIFY, the
 * file is read back, and a value the kernel accepted but ignored gives
 * -EREMOTEIO with @diag holding what the file says instead. Both comparisons
 * are of text: for a file the kernel rewrites in its own form (a CPU mask
 * written as "3" reads back "00000003"), pass that form, or
 * HK_WRITE_NO_VERIFY and compare the typed value yourself. Returns 1 when it
 * wrote, 0 when it skipped.
 */
HK_API int hk_root_write(hk_root *root, const char *path, const char *value, unsigned flags,
			 hk_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
