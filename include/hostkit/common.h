/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_COMMON_H
#define HOSTKIT_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef HK_API
#define HK_API __attribute__((visibility("default")))
#endif

/*
 * Conventions of every hostkit call:
 *  - a function that can fail returns int: >= 0 on success, -errno on failure;
 *  - output parameters come last, are named ret_*, and are written only on
 *    success;
 *  - where an errno alone cannot say what went wrong (a malformed file, a
 *    device's limits), the caller may pass an hk_diag, which the call fills.
 *    Passing NULL is always allowed.
 */

/*
 * hk_diag - the detail behind an error.
 *
 * Filled by a failing call when the caller passes one. @error is the same
 * negative errno the call returned, @path the file or object concerned (may
 * be empty), @line and @column a position inside it (0 when not relevant),
 * and @message a sentence for people, without trailing newline, that names
 * what was wrong ("cannot parse CPU list '0-x': invalid number").
 */
typedef struct hk_diag {
	int error;
	unsigned line;
	unsigned column;
	char path[512];
	char message[512];
} hk_diag;

/* Clears @diag (NULL allowed). */
HK_API void hk_diag_clear(hk_diag *diag);

/*
 * Fills @diag (NULL allowed) with @error, @path and a formatted message.
 * Returns @error, which must be negative, so a failing path can
 * `return hk_diag_set(diag, -EINVAL, path, "...")`.
 */
HK_API int hk_diag_set(hk_diag *diag, int error, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Same as hk_diag_set() with a va_list. */
HK_API int hk_diag_setv(hk_diag *diag, int error, const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* The library's version, "MAJOR.MINOR.PATCH". Never NULL. */
HK_API const char *hk_version(void);

#ifdef __cplusplus
}
#endif

#endif
