/* SPDX-License-Identifier: MIT */
/*
 * The softnet_stat parser, and beside it the PCI link-speed and address
 * parsers. The first input byte picks the online CPU set given to the
 * softnet parser (none, 0..n-1, or every other CPU). The oracle is the
 * sanitizers plus the contracts: on success each row has 9 to
 * HK_SOFTNET_MAX_COLUMNS columns, a counter is -ENODATA exactly when the
 * row lacks its column, values fit in 32 bits, totals are the sums of the
 * rows, and a failure leaves *ret untouched and fills the diagnostic.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/pci.h"
#include "host/softnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hk_cpuset *online_for(uint8_t pick)
{
	if (pick % 3 == 0)
		return NULL;
	hk_cpuset *s = hk_cpuset_new();
	if (!s)
		return NULL;
	for (unsigned cpu = 0; cpu < (unsigned)(pick % 16); cpu++)
		(void)hk_cpuset_add(s, pick % 3 == 1 ? cpu : 2 * cpu);
	return s;
}

static void check(const hk_softnet *s)
{
	unsigned n = hk_softnet_n_rows(s);

	for (int f = 0; f < _HK_SOFTNET_FIELD_MAX; f++) {
		int64_t sum = 0;
		bool any = false;
		for (unsigned i = 0; i < n; i++) {
			unsigned cols = hk_softnet_n_columns(s, i);
			if (cols < 9 || cols > HK_SOFTNET_MAX_COLUMNS)
				__builtin_trap();
			int64_t v = hk_softnet_get(s, i, (hk_softnet_field)f);
			if (v == -ENODATA)
				continue;
			if (v < 0 || v > UINT32_MAX)
				__builtin_trap();
			sum += v;
			any = true;
		}
		if (f == HK_SOFTNET_CPU)
			continue;
		int64_t t = hk_softnet_total(s, (hk_softnet_field)f);
		if (any ? t != sum : t != -ENODATA)
			__builtin_trap();
	}
	for (unsigned i = 0; i < n; i++) {
		int cpu = hk_softnet_cpu(s, i);
		if ((cpu < 0 && cpu != -ENODATA) || cpu >= (int)HK_CPU_MAX)
			__builtin_trap();
		if (hk_softnet_cpu_printed(s, i) && cpu != hk_softnet_get(s, i, HK_SOFTNET_CPU))
			__builtin_trap();
	}
	if (hk_softnet_get(s, n, HK_SOFTNET_PROCESSED) != -ERANGE)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	hk_cpuset *online = online_for(data[0]);
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	hk_softnet *s = (hk_softnet *)&s;
	hk_diag diag;

	hk_diag_clear(&diag);
	int r = hk_softnet_parse(buf, len, online, NULL, &diag, &s);
	if (r == 0) {
		check(s);
		hk_softnet_free(s);
	} else if (s != (hk_softnet *)&s || r != diag.error || !diag.message[0]) {
		if (r != -ENOMEM)
			__builtin_trap();
	}
	hk_cpuset_free(online);

	/* The same bytes as a link speed and, NUL-terminated, as an address. */
	int64_t mts = -1;
	r = hk_pci_parse_link_speed(buf, len, &mts);
	if (r == 0 && (mts < 0 || mts % 100 != 0))
		__builtin_trap();
	char addr[40];
	size_t n = len < sizeof(addr) - 1 ? len : sizeof(addr) - 1;
	memcpy(addr, buf, n);
	addr[n] = '\0';
	if (hk_pci_address_valid(addr) && (strlen(addr) < 12 || strlen(addr) > 16))
		__builtin_trap();
	return 0;
}
