/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_SYSCTL_H
#define HK_HOST_SYSCTL_H

/* The sysctl key and value parsers, exposed to unit tests and fuzz targets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/sysctl.h>

/*
 * A key (dotted or slash form, as sysctl(8) takes it) to its path under
 * proc/sys ("vm/swappiness", "net/ipv4/conf/eth0.1/forwarding"): when the
 * first separator is a '.', every '.' becomes '/' and every '/' a '.'; when
 * it is a '/', the key is a path already. Errors: -EINVAL for an empty key,
 * an empty component, "." or "..", or a NUL; -ENOMEM. Caller frees.
 */
int hk_sysctl_key_to_path(const char *key, size_t len, char **ret);

/* A path under proc/sys to the dotted key ("net/ipv4/conf/eth0.1/forwarding" ->
 * "net.ipv4.conf.eth0/1.forwarding"). */
int hk_sysctl_path_to_key(const char *path, size_t len, char **ret);

/* One integer of a sysctl's value: its sign and magnitude, so that u64 and s64 both fit. */
typedef struct hk_sysctl_int {
	bool negative;
	uint64_t magnitude;
} hk_sysctl_int;

/*
 * The blank-separated integers of a sysctl's text ("256\t256\t32\t0\t0\n",
 * "-1"), at least one. *ret (free()) holds *ret_n of them. Errors: -EINVAL
 * (empty, a token that is not an integer), -ERANGE (a token out of range),
 * -ENOMEM.
 */
int hk_sysctl_parse_integers(const char *buf, size_t len, hk_sysctl_int **ret, unsigned *ret_n);

/* The type a sysctl's text reads as: integer, vector (several integers) or string. */
hk_sysctl_type hk_sysctl_guess_type(const char *buf, size_t len);

/* The section of a dotted key, by its first component. */
hk_sysctl_section hk_sysctl_section_of(const char *key);

#endif
