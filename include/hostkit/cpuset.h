/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_CPUSET_H
#define HOSTKIT_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <sched.h>

#include <hostkit/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The highest CPU count hostkit handles (the kernel's CONFIG_NR_CPUS limit). */
#define HK_CPU_MAX 8192u

/*
 * hk_cpuset - a set of CPU numbers in [0, HK_CPU_MAX).
 *
 * Opaque and heap allocated; it grows as CPUs are added, so a set on a
 * 4-CPU machine costs a few bytes and one on an 8192-CPU machine 1 KiB.
 * Every function accepts sets of different capacities. Destructors accept
 * NULL.
 */
typedef struct hk_cpuset hk_cpuset;

/* A new empty set, or NULL when out of memory. Free with hk_cpuset_free(). */
HK_API hk_cpuset *hk_cpuset_new(void);
/* A copy of @s, or NULL when out of memory. */
HK_API hk_cpuset *hk_cpuset_dup(const hk_cpuset *s);
HK_API void hk_cpuset_free(hk_cpuset *s);

/* Adds @cpu: -ERANGE when @cpu >= HK_CPU_MAX, -ENOMEM. */
HK_API int hk_cpuset_add(hk_cpuset *s, unsigned cpu);
/* Adds [@first, @last]: -ERANGE, -EINVAL when first > last, -ENOMEM. */
HK_API int hk_cpuset_add_range(hk_cpuset *s, unsigned first, unsigned last);
HK_API void hk_cpuset_remove(hk_cpuset *s, unsigned cpu);
HK_API void hk_cpuset_clear(hk_cpuset *s);
HK_API bool hk_cpuset_test(const hk_cpuset *s, unsigned cpu);
HK_API unsigned hk_cpuset_count(const hk_cpuset *s);
HK_API bool hk_cpuset_is_empty(const hk_cpuset *s);
/* The lowest CPU in @s, or -ENOENT when empty. */
HK_API int hk_cpuset_first(const hk_cpuset *s);
/* The lowest CPU in @s greater than @cpu, or -ENOENT. */
HK_API int hk_cpuset_next(const hk_cpuset *s, unsigned cpu);
/* The highest CPU in @s, or -ENOENT when empty. */
HK_API int hk_cpuset_last(const hk_cpuset *s);

/* Iterates @cpu (an int) over @s in increasing order. */
#define HK_CPUSET_FOREACH(cpu, s)                                                                  \
	for (int cpu = hk_cpuset_first(s); cpu >= 0; cpu = hk_cpuset_next(s, (unsigned)cpu))

/* Set algebra: @dst becomes @dst OP @src. Only or/copy can fail (-ENOMEM). */
HK_API int hk_cpuset_copy(hk_cpuset *dst, const hk_cpuset *src);
HK_API int hk_cpuset_or(hk_cpuset *dst, const hk_cpuset *src);
HK_API void hk_cpuset_and(hk_cpuset *dst, const hk_cpuset *src);
HK_API void hk_cpuset_andnot(hk_cpuset *dst, const hk_cpuset *src);
HK_API bool hk_cpuset_equal(const hk_cpuset *a, const hk_cpuset *b);
/* True when every CPU of @a is in @b. */
HK_API bool hk_cpuset_is_subset(const hk_cpuset *a, const hk_cpuset *b);
HK_API bool hk_cpuset_intersects(const hk_cpuset *a, const hk_cpuset *b);

/*
 * Parses a kernel CPU list ("0-3,8-11", "0-31:2/4", "" or "\n" for the empty
 * set) from @buf of @len bytes into @s, replacing its contents. One trailing
 * newline and surrounding blanks are accepted. Returns 0, -EINVAL on a
 * malformed list (s unchanged), -ERANGE on a CPU >= HK_CPU_MAX, -ENOMEM.
 */
HK_API int hk_cpuset_parse_list(hk_cpuset *s, const char *buf, size_t len);

/*
 * Parses a kernel CPU mask: comma-separated 32-bit hex words, most
 * significant first ("ff,00000001"); words may be shorter than 8 digits; any
 * number of words. Same errors as hk_cpuset_parse_list().
 */
HK_API int hk_cpuset_parse_mask(hk_cpuset *s, const char *buf, size_t len);

/*
 * Formats @s as a CPU list with ranges ("0-3,8"), or "" when empty, into
 * @buf of @size bytes, always NUL-terminated when size > 0. Returns the
 * length the whole list needs (excluding the NUL), as snprintf() does.
 */
HK_API size_t hk_cpuset_format_list(const hk_cpuset *s, char *buf, size_t size);

/*
 * Formats @s as a kernel CPU mask of @nbits bits (rounded up to 32, and
 * at least enough to hold the highest CPU), in comma-separated 32-bit words
 * ("00000000,0000000f"), as the kernel writes smp_affinity. Returns as
 * hk_cpuset_format_list().
 */
HK_API size_t hk_cpuset_format_mask(const hk_cpuset *s, unsigned nbits, char *buf, size_t size);

/* A newly allocated CPU list string, or NULL when out of memory. */
HK_API char *hk_cpuset_to_list(const hk_cpuset *s);

/* Converts to/from the libc cpu_set_t (first CPU_SETSIZE CPUs). */
HK_API int hk_cpuset_from_cpu_set(hk_cpuset *s, const cpu_set_t *set, size_t setsize);
HK_API int hk_cpuset_to_cpu_set(const hk_cpuset *s, cpu_set_t *set, size_t setsize);

#ifdef __cplusplus
}
#endif

#endif
