/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_SYSCTL_H
#define HOSTKIT_SYSCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Sysctls: the files under proc/sys.
 *
 * A key is written as sysctl(8) writes it, in dotted form ("vm.swappiness",
 * "net.ipv4.conf.eth0/1.forwarding", where a '/' stands for a '.' inside a
 * name, here the VLAN device "eth0.1") or in slash form ("vm/swappiness",
 * "net/ipv4/conf/eth0.1/forwarding"). The first separator tells which. Keys
 * are given back in dotted form.
 *
 * hostkit knows a table of the sysctls a low-latency host cares about, each
 * with its type, section and meaning; any other key can be read too, and its
 * type is then guessed from its text.
 */

/* How a sysctl's text reads. */
typedef enum hk_sysctl_type {
	HK_SYSCTL_INTEGER, /* one integer ("60", "-1", "18446744073692774399") */
	HK_SYSCTL_VECTOR,  /* integers separated by blanks ("4\t2\t30") */
	HK_SYSCTL_CPULIST, /* a CPU list ("0-3,8") */
	HK_SYSCTL_STRING,  /* anything else */
} hk_sysctl_type;

/* The first component of the key. */
typedef enum hk_sysctl_section {
	HK_SYSCTL_VM,
	HK_SYSCTL_KERNEL,
	HK_SYSCTL_FS,
	HK_SYSCTL_NET,
	HK_SYSCTL_OTHER, /* abi, debug, dev, user... */
} hk_sysctl_section;

/* "integer", "vector", "cpulist" or "string"; "unknown" for a bad value. */
HK_API const char *hk_sysctl_type_name(hk_sysctl_type type);
/* "vm", "kernel", "fs", "net" or "other"; "unknown" for a bad value. */
HK_API const char *hk_sysctl_section_name(hk_sysctl_section section);

/* An entry of the table of known sysctls (static: never freed). */
typedef struct hk_sysctl_info hk_sysctl_info;

/* The number of known sysctls; entries come grouped by section (vm, kernel, fs, net). */
HK_API unsigned hk_sysctl_n_known(void);
/* Known sysctl @i, or NULL when out of range. */
HK_API const hk_sysctl_info *hk_sysctl_known(unsigned i);
/* The known sysctl of @key (either form), or NULL when the table does not have it. */
HK_API const hk_sysctl_info *hk_sysctl_lookup(const char *key);
/* Its key in dotted form ("vm.swappiness"). */
HK_API const char *hk_sysctl_info_key(const hk_sysctl_info *info);
HK_API hk_sysctl_type hk_sysctl_info_type(const hk_sysctl_info *info);
HK_API hk_sysctl_section hk_sysctl_info_section(const hk_sysctl_info *info);
/* One line saying what it does, for people. */
HK_API const char *hk_sysctl_info_meaning(const hk_sysctl_info *info);

/*
 * hk_sysctl - one sysctl as read: present with a value, absent (no such
 * file: an old kernel, a module not loaded, another architecture), or
 * unreadable (the file exists but read gives an error: write-only files
 * such as vm.drop_caches give -EACCES).
 */
typedef struct hk_sysctl hk_sysctl;

typedef enum hk_sysctl_state {
	HK_SYSCTL_PRESENT,
	HK_SYSCTL_ABSENT,
	HK_SYSCTL_UNREADABLE,
} hk_sysctl_state;

/*
 * Reads sysctl @key under @root. Absent and unreadable keys are not errors:
 * the result says so. Errors: -EINVAL for a malformed key (empty, an empty
 * component, "." or "..") or for a known key whose text does not have its
 * type (@diag names the file, line and text), -EISDIR when the key names a
 * directory, -ENOMEM. Free with hk_sysctl_free().
 */
HK_API int hk_sysctl_read(hk_root *root, const char *key, hk_diag *diag, hk_sysctl **ret);
HK_API void hk_sysctl_free(hk_sysctl *s);

/*
 * The keys (dotted) of every sysctl under directory @key ("kernel.pty",
 * "net/ipv4/neigh"), in all its subdirectories, sorted: as sysctl(8) shows a
 * directory. *@ret is one allocation, the keys and a final NULL, freed with
 * free(); *@ret_n their count (0 for an empty directory). Errors: -EINVAL
 * for a malformed key, -ENOENT when it is absent, -ENOTDIR when it is one
 * sysctl, not a directory, -ENOMEM, or a listing's error (@diag names it).
 */
HK_API int hk_sysctl_list_dir(hk_root *root, const char *key, hk_diag *diag, char ***ret,
			      size_t *ret_n);

/* The key in dotted form. */
HK_API const char *hk_sysctl_key(const hk_sysctl *s);
/* The file inside the root ("proc/sys/vm/swappiness"). */
HK_API const char *hk_sysctl_path(const hk_sysctl *s);
HK_API hk_sysctl_state hk_sysctl_get_state(const hk_sysctl *s);
/* The read's -errno of an unreadable sysctl, else 0. */
HK_API int hk_sysctl_error(const hk_sysctl *s);
/* The table's entry, or NULL for a key the table does not have. */
HK_API const hk_sysctl_info *hk_sysctl_get_info(const hk_sysctl *s);
/* The table's type, or for another key the type its text has (string when not present). */
HK_API hk_sysctl_type hk_sysctl_get_type(const hk_sysctl *s);
HK_API hk_sysctl_section hk_sysctl_get_section(const hk_sysctl *s);
/* The text without surrounding blanks and trailing newline; NULL unless present. */
HK_API const char *hk_sysctl_text(const hk_sysctl *s);

/* How many integers an integer or vector sysctl holds (0 for other types, or not present). */
HK_API unsigned hk_sysctl_n_values(const hk_sysctl *s);
/*
 * Integer @i of the value. Errors: -ERANGE when @i is out of range, or when
 * the integer does not fit the type asked (a negative one as u64, one above
 * INT64_MAX as s64).
 */
HK_API int hk_sysctl_value_s64(const hk_sysctl *s, unsigned i, int64_t *ret);
HK_API int hk_sysctl_value_u64(const hk_sysctl *s, unsigned i, uint64_t *ret);
/* True when integer @i is negative (so that it reads only as s64). */
HK_API bool hk_sysctl_value_negative(const hk_sysctl *s, unsigned i);
/* The CPUs of a CPU list sysctl, or NULL (another type, or not present). */
HK_API const hk_cpuset *hk_sysctl_cpus(const hk_sysctl *s);

/*
 * Reads an integer sysctl in one call. Errors: -ENOENT when absent, the
 * read's error when unreadable, -EINVAL when it is not one integer, -ERANGE
 * when it does not fit, and those of hk_sysctl_read().
 */
HK_API int hk_sysctl_read_s64(hk_root *root, const char *key, hk_diag *diag, int64_t *ret);
HK_API int hk_sysctl_read_u64(hk_root *root, const char *key, hk_diag *diag, uint64_t *ret);

/*
 * Nothing here writes; the tune layer writes sysctls through the root, at
 * the path a read gives.
 */

#ifdef __cplusplus
}
#endif

#endif
