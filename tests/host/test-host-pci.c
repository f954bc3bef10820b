/* SPDX-License-Identifier: MIT */
/*
 * `hostkit --json inspect pci` on this machine (read only), against
 * `lspci -D -n -vmm -k` (pciutils) and the sysfs files: every device of
 * /sys/bus/pci/devices once, with lspci's vendor, device, subsystem ids,
 * class and programming interface, revision and driver; and numa_node and
 * the msi_irqs entries as sysfs has them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

static const char *tool;

static const jv *device(const jv *devices, const char *address)
{
	for (size_t i = 0; i < devices->n; i++) {
		const char *a = jv_get_str(devices->items[i], "address");
		if (a && strcmp(a, address) == 0)
			return devices->items[i];
	}
	return NULL;
}

/* hostkit's "0x8086" as a number, or -1 for null. */
static long id_of(const jv *dev, const char *key)
{
	const char *s = jv_get_str(dev, key);
	return s ? strtol(s, NULL, 16) : -1;
}

/* lspci's value of @key in the record (its lines "Key:\tvalue"), or NULL. */
static const char *field(char *const *keys, char *const *values, unsigned n, const char *key)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return values[i];
	return NULL;
}

static void compare_record(const jv *devices, char *const *keys, char *const *values, unsigned n,
			   unsigned *ret_seen)
{
	const char *slot = field(keys, values, n, "Slot");
	if (!slot)
		return;
	const jv *dev = device(devices, slot);
	if (!dev) {
		result(false, "%s: lspci lists it, hostkit does not", slot);
		return;
	}
	(*ret_seen)++;
	const char *v;
	bool ok = true;
	long cls = id_of(dev, "class");

	v = field(keys, values, n, "Vendor");
	ok &= v && strtol(v, NULL, 16) == id_of(dev, "vendor");
	v = field(keys, values, n, "Device");
	ok &= v && strtol(v, NULL, 16) == id_of(dev, "device");
	/* lspci leaves out a subsystem of 0000 and a revision or interface of 00. */
	v = field(keys, values, n, "SVendor");
	ok &= v ? strtol(v, NULL, 16) == id_of(dev, "subsystem_vendor")
		: id_of(dev, "subsystem_vendor") <= 0;
	v = field(keys, values, n, "SDevice");
	ok &= v ? strtol(v, NULL, 16) == id_of(dev, "subsystem_device")
		: id_of(dev, "subsystem_device") <= 0;
	v = field(keys, values, n, "Class");
	ok &= v && strtol(v, NULL, 16) == cls >> 8;
	v = field(keys, values, n, "ProgIf");
	ok &= v ? strtol(v, NULL, 16) == (cls & 0xff) : (cls & 0xff) == 0;
	v = field(keys, values, n, "Rev");
	ok &= v ? strtol(v, NULL, 16) == id_of(dev, "revision") : id_of(dev, "revision") <= 0;
	v = field(keys, values, n, "Driver");
	const char *drv = jv_get_str(dev, "driver");
	ok &= v ? drv && strcmp(v, drv) == 0 : drv == NULL;
	result(ok, "%s: ids %04lx:%04lx class %06lx driver %s as lspci says", slot,
	       id_of(dev, "vendor"), id_of(dev, "device"), cls, drv ? drv : "none");
}

static void test_lspci(const jv *devices)
{
	char *const argv[] = {(char *)"lspci", (char *)"-D", (char *)"-n",
			      (char *)"-vmm",  (char *)"-k", NULL};
	_cleanup_free_ char *out = NULL;
	char *keys[32], *values[32];
	unsigned n = 0, seen = 0, records = 0;
	size_t len;

	if (!harness_in_path("lspci")) {
		note("no lspci (pciutils): its comparison skipped");
		return;
	}
	if (harness_run_checked(argv, &out, &len) < 0)
		return;
	for (char *line = out, *nl; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line == '\0') {
			if (n > 0) {
				records++;
				compare_record(devices, keys, values, n, &seen);
			}
			n = 0;
			if (!nl)
				break;
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon || n == ELEMENTSOF(keys))
			continue;
		*colon = '\0';
		keys[n] = line;
		values[n] = colon + 1 + strspn(colon + 1, " \t");
		n++;
	}
	if (n > 0) {
		records++;
		compare_record(devices, keys, values, n, &seen);
	}
	result(seen == records && seen == devices->n,
	       "lspci lists %u devices, hostkit %zu, %u in common", records, devices->n, seen);
}

static void test_sysfs(const jv *devices)
{
	unsigned bad = 0;

	for (size_t i = 0; i < devices->n; i++) {
		const jv *dev = devices->items[i];
		const char *address = jv_get_str(dev, "address");
		char path[PATH_MAX];
		_cleanup_free_ char *text = NULL;
		size_t len;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", address);
		int64_t node = -1;
		int r = jv_get_int(dev, "numa_node", &node);
		long want = harness_read_file(path, &text, &len) == 0 ? strtol(text, NULL, 10) : -1;
		if ((r == 0 ? node : -1) != want) {
			result(false, "%s: numa_node %" PRId64 ", sysfs %ld", address, node, want);
			bad++;
		}

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", address);
		unsigned entries = 0;
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d)))
				entries += de->d_name[0] != '.';
			closedir(d);
		}
		const jv *irqs = jv_get(dev, "msi_irqs");
		if (!irqs || irqs->n != entries) {
			result(false, "%s: %zu msi_irqs, sysfs %u", address, irqs ? irqs->n : 0,
			       entries);
			bad++;
		}
		const jv *l = jv_get(dev, "locality");
		if (!l || !jv_get_str(l, "status")) {
			result(false, "%s: no locality verdict", address);
			bad++;
		}
	}
	result(bad == 0, "numa_node, msi_irqs and a locality verdict of %zu devices as sysfs says",
	       devices->n);
}

int main(void)
{
	char *argv[] = {NULL, (char *)"--json", (char *)"inspect", (char *)"pci", NULL};
	_cleanup_jv_ jv *doc = NULL;
	const jv *devices = NULL;

	tool = getenv("HK_TOOL");
	if (!tool)
		SKIP("HK_TOOL is not set (run through meson test)");
	if (access("/sys/bus/pci/devices", R_OK) < 0)
		SKIP("this machine has no /sys/bus/pci/devices");
	argv[0] = (char *)tool;
	if (json_run(argv, "pci.devices", JV_ARRAY, &doc, &devices) < 0)
		TEST_DONE();
	test_lspci(devices);
	test_sysfs(devices);
	TEST_DONE();
}
