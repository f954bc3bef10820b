/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_TOPOLOGY_H
#define HK_HOST_TOPOLOGY_H

/* The topology's text parsers, exposed to unit tests and fuzz targets. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "32K", "8M", "1G", "512" -> bytes. */
int hk_parse_cache_size(const char *buf, size_t len, uint64_t *ret);
/* MemTotal and MemFree of a node's meminfo (or /proc/meminfo), in kB; -ENODATA when absent. */
int hk_parse_node_meminfo(const char *buf, size_t len, int64_t *ret_total, int64_t *ret_free);
/* A distance row into @out (at most @max entries); returns the count. */
int hk_parse_distances(const char *buf, size_t len, int *out, unsigned max);
#endif
