/* SPDX-License-Identifier: MIT */
/*
 * The topology's own text parsers: cache sizes, node meminfo, distance rows,
 * /proc/PID/status fields, /proc/self/mounts and /proc/self/cgroup. The
 * first input byte picks the parser; the oracle is the sanitizers plus the
 * parsers' documented contracts (results inside the buffer, counts within
 * bounds).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/cgroup.h"
#include "host/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;

	switch (data[0] % 6) {
	case 0: {
		uint64_t v;
		(void)hk_parse_cache_size(buf, len, &v);
		break;
	}
	case 1: {
		int64_t total = 0, mfree = 0;
		if (hk_parse_node_meminfo(buf, len, &total, &mfree) == 0 &&
		    (total < -1000 || mfree < -1000) && total != -ENODATA && mfree != -ENODATA)
			__builtin_trap();
		break;
	}
	case 2: {
		int row[64];
		int n = hk_parse_distances(buf, len, row, 64);
		if (n > 64)
			__builtin_trap();
		for (int i = 0; i < n; i++)
			if (row[i] < 0 || row[i] > 255)
				__builtin_trap();
		break;
	}
	case 3: {
		const char *v;
		size_t vlen;
		if (hk_status_field(buf, len, "Cpus_allowed_list", &v, &vlen) == 0 &&
		    (v < buf || v + vlen > buf + len))
			__builtin_trap();
		break;
	}
	case 4: {
		hk_cgroup_mounts m = {0};
		if (hk_parse_mounts_cgroup(buf, len, &m) == 0)
			hk_cgroup_mounts_done(&m);
		break;
	}
	case 5: {
		hk_cgroup_mounts m = {0};
		(void)hk_parse_proc_cgroup(buf, len, &m);
		hk_cgroup_mounts_done(&m);
		break;
	}
	}
	return 0;
}
