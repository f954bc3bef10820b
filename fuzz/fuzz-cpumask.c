/* SPDX-License-Identifier: MIT */
/*
 * Feeds hk_cpuset_parse_mask() arbitrary bytes. When the bytes parse, the set
 * must survive mask formatting (at a width taken from the input, to cover
 * padding words) and list formatting unchanged; when they do not, the set
 * must be left as it was.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/cpuset.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_cpuset *s = hk_cpuset_new(), *back = hk_cpuset_new();
	char *buf = NULL;
	unsigned nbits;
	size_t n;
	int r;

	if (!s || !back)
		goto out;
	if (hk_cpuset_add(s, 4242) < 0)
		goto out;

	r = hk_cpuset_parse_mask(s, (const char *)data, size);
	if (r != 0) {
		if (r != -EINVAL && r != -ERANGE && r != -ENOMEM)
			__builtin_trap();
		if (hk_cpuset_count(s) != 1 || !hk_cpuset_test(s, 4242))
			__builtin_trap();
		goto out;
	}

	/* Widths up to a little past HK_CPU_MAX, so padding words are covered too. */
	nbits = size > 0 ? (unsigned)(data[0] | data[size - 1] << 8) % (HK_CPU_MAX + 128) : 0;
	n = hk_cpuset_format_mask(s, nbits, NULL, 0);
	buf = malloc(n + 1);
	if (!buf)
		goto out;
	if (hk_cpuset_format_mask(s, nbits, buf, n + 1) != n || strlen(buf) != n ||
	    (n + 1) % 9 != 0 || hk_cpuset_parse_mask(back, buf, n) != 0 ||
	    !hk_cpuset_equal(s, back))
		__builtin_trap();
	free(buf);

	buf = hk_cpuset_to_list(s);
	if (!buf)
		goto out;
	if (hk_cpuset_parse_list(back, buf, strlen(buf)) != 0 || !hk_cpuset_equal(s, back))
		__builtin_trap();

out:
	free(buf);
	hk_cpuset_free(s);
	hk_cpuset_free(back);
	return 0;
}
