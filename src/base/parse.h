/* SPDX-License-Identifier: MIT */
#ifndef HK_BASE_PARSE_H
#define HK_BASE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Checked number parsing. Every parser takes (buf, len), does not need a
 * NUL, accepts no sign it was not asked for, no leading blanks, and no
 * trailing junk. Errors: -EINVAL (empty, not a number, junk), -ERANGE
 * (overflow or outside [min, max]).
 */

/* Decimal; "0x" prefix for hex when @base is 0. base: 0, 8, 10 or 16. */
int hk_parse_u64(const char *buf, size_t len, unsigned base, uint64_t *ret);
int hk_parse_s64(const char *buf, size_t len, int64_t *ret);
int hk_parse_u32(const char *buf, size_t len, uint32_t *ret);
int hk_parse_int(const char *buf, size_t len, int *ret);
int hk_parse_unsigned_range(const char *buf, size_t len, unsigned min, unsigned max, unsigned *ret);
int hk_parse_bool(const char *buf, size_t len, bool *ret);

/*
 * Parses a leading decimal u64 from @buf and says where it ended (for
 * scanning "12 kB" or "1-3"). Needs at least one digit. Returns the count of
 * bytes consumed.
 */
int hk_parse_u64_prefix(const char *buf, size_t len, uint64_t *ret);

/* Trims blanks and newlines at both ends, in place on (buf, len). */
void hk_trim(const char **buf, size_t *len);

#endif
