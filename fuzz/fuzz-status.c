/* SPDX-License-Identifier: MIT */
/*
 * hk_parse_proc_status() on random bytes. Oracle: every field has a
 * non-empty name without blank or ':', a value without blank at either
 * end, and is found again by name; the typed views agree with the fields
 * they come from.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/process.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_proc_status *s = NULL;

	if (hk_parse_proc_status((const char *)data, size, "status", NULL, &s) < 0)
		return 0;
	size_t n = hk_proc_status_n_fields(s);
	if (n > size)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		const char *name = hk_proc_status_field_name(s, i);
		const char *value = hk_proc_status_field_value(s, i);
		size_t vlen = strlen(value);
		if (!*name || strpbrk(name, " \t:") ||
		    (vlen && (blank(value[0]) || blank(value[vlen - 1]))))
			__builtin_trap();
		if (!hk_proc_status_get(s, name))
			__builtin_trap();
		uint64_t kib;
		if (strncmp(name, "Vm", 2) == 0 && hk_proc_status_get(s, name) == value &&
		    hk_proc_status_kib(s, name, &kib) < 0)
			__builtin_trap();
	}
	const int *ids;
	size_t nids;
	if (hk_proc_status_nspid(s, &ids, &nids) == 0 &&
	    (nids < 1 || !hk_proc_status_get(s, "NSpid")))
		__builtin_trap();
	uint32_t u[4];
	if (hk_proc_status_uids(s, u) == 0 && !hk_proc_status_get(s, "Uid"))
		__builtin_trap();
	if (hk_proc_status_state(s) && !hk_proc_status_get(s, "State"))
		__builtin_trap();
	if (hk_proc_status_cpus_allowed(s) && !hk_proc_status_get(s, "Cpus_allowed_list"))
		__builtin_trap();
	hk_proc_status_free(s);
	return 0;
}
