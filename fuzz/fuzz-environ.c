/* SPDX-License-Identifier: MIT */
/*
 * The NUL-separated lists (cmdline, environ) and /proc/PID/cgroup, the first
 * byte choosing the parser. Oracle: joining the items again gives back the
 * input (less one trailing NUL), every environ entry split at its first
 * '=', and every cgroup line holds a hierarchy, controllers and path that
 * come from the text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/process.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input without its one trailing NUL: what the items join back into. */
static size_t body_len(const char *buf, size_t len)
{
	return len && buf[len - 1] == 0 ? len - 1 : len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *buf = (const char *)data + 1;
	size_t len = size - 1, body = body_len(buf, len);

	switch (data[0] % 3) {
	case 0: {
		hk_strv v;
		if (hk_parse_nul_list(buf, len, &v) < 0)
			return 0;
		size_t at = 0;
		for (size_t i = 0; i < v.n; i++) {
			size_t k = strlen(v.items[i]);
			if (at + k > body || memcmp(buf + at, v.items[i], k) != 0)
				__builtin_trap();
			at += k;
			if (i + 1 < v.n && buf[at++] != 0)
				__builtin_trap();
		}
		if (at != body || (len > 0) != (v.n > 0))
			__builtin_trap();
		hk_strv_done(&v);
		break;
	}
	case 1: {
		hk_environ e;
		if (hk_parse_environ(buf, len, &e) < 0)
			return 0;
		size_t at = 0;
		for (size_t i = 0; i < e.entries.n; i++) {
			const char *name = e.entries.items[i], *value = e.values[i];
			size_t k = strlen(name);
			if (strchr(name, '=') || at + k > body || memcmp(buf + at, name, k) != 0)
				__builtin_trap();
			at += k;
			if (value) {
				size_t vl = strlen(value);
				if (buf[at] != '=' || at + 1 + vl > body ||
				    memcmp(buf + at + 1, value, vl) != 0)
					__builtin_trap();
				at += 1 + vl;
			}
			if (i + 1 < e.entries.n && buf[at++] != 0)
				__builtin_trap();
		}
		if (at != body)
			__builtin_trap();
		hk_environ_done(&e);
		break;
	}
	case 2: {
		hk_cgroup_list l;
		if (hk_parse_cgroup_list(buf, len, "cgroup", NULL, &l) < 0)
			return 0;
		for (size_t i = 0; i < l.n; i++) {
			const char *c = hk_proc_cgroup_controllers(&l.items[i]);
			const char *p = hk_proc_cgroup_path(&l.items[i]);
			if (!c || !p || strchr(c, ':') || strchr(p, '\n') ||
			    strlen(c) + strlen(p) + 2 > len)
				__builtin_trap();
		}
		hk_cgroup_list_done(&l);
		break;
	}
	}
	return 0;
}
