/* SPDX-License-Identifier: MIT */
/*
 * Feeds hk_cpuset_parse_list() arbitrary bytes. When the bytes parse, the set
 * must survive list and mask formatting unchanged; when they do not, the set
 * must be left as it was.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/cpuset.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const hk_cpuset *s, hk_cpuset *back)
{
	char *list, *mask;
	size_t n;

	list = hk_cpuset_to_list(s);
	if (!list)
		return;
	n = hk_cpuset_format_list(s, NULL, 0);
	if (n != strlen(list) || hk_cpuset_parse_list(back, list, n) != 0 ||
	    !hk_cpuset_equal(s, back))
		__builtin_trap();
	free(list);

	n = hk_cpuset_format_mask(s, 0, NULL, 0);
	mask = malloc(n + 1);
	if (!mask)
		return;
	if (hk_cpuset_format_mask(s, 0, mask, n + 1) != n || strlen(mask) != n ||
	    hk_cpuset_parse_mask(back, mask, n) != 0 || !hk_cpuset_equal(s, back))
		__builtin_trap();
	free(mask);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_cpuset *s = hk_cpuset_new(), *back = hk_cpuset_new();
	int r;

	if (!s || !back)
		goto out;
	/* A marker CPU, to see that a failed parse leaves the set alone. */
	if (hk_cpuset_add(s, 4242) < 0)
		goto out;

	r = hk_cpuset_parse_list(s, (const char *)data, size);
	if (r == 0) {
		round_trip(s, back);
	} else {
		if (r != -EINVAL && r != -ERANGE && r != -ENOMEM)
			__builtin_trap();
		if (hk_cpuset_count(s) != 1 || !hk_cpuset_test(s, 4242))
			__builtin_trap();
	}

out:
	hk_cpuset_free(s);
	hk_cpuset_free(back);
	return 0;
}
