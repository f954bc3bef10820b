/* SPDX-License-Identifier: MIT */
/*
 * host suite: on this machine, read only, `hostkit --json inspect net`
 * agrees with ethtool(8), sysfs and /proc:
 *  - every entry of /sys/class/net is listed, and one device asked for is
 *    the only one shown;
 *  - for the device of the default route's kind (eth0 here, virtio-net with
 *    MSI-X): driver and bus against `ethtool -i`, channels against
 *    `ethtool -l`, rings against `ethtool -g` (n/a is 0);
 *  - its queues against /sys/class/net/DEV/queues (the count, every mask and
 *    number, null exactly where the file cannot be read);
 *  - its IRQs against /proc/interrupts and /proc/irq/N: every msi_irqs IRQ
 *    listed, each IRQ's name the row's action, a virtio "virtioN-input.Q"
 *    mapped to rx Q and "virtioN-output.Q" to tx Q, the requested and
 *    effective CPUs those of smp_affinity_list and effective_affinity_list.
 * Nothing is changed: the test only reads.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hostkit/cpuset.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

static __attribute__((format(printf, 3, 4))) char *fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
	return buf;
}

static int run_hostkit(const char *dev, jv **ret_doc, const jv **ret_devs)
{
	const char *tool = getenv("HK_TOOL");
	char *const argv[] = {(char *)tool, "--json", "inspect", "net", (char *)dev, NULL};

	return json_run(argv, "net.devices", JV_ARRAY, ret_doc, ret_devs);
}

/* The trimmed text of @path in @buf; -errno when unreadable. */
static int read_text(const char *path, char *buf, size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	int r = harness_read_file(path, &text, &len);
	if (r < 0)
		return r;
	const char *t = text;
	hk_trim(&t, &len);
	if (len >= size)
		return -EFBIG;
	memcpy(buf, t, len);
	buf[len] = 0;
	return 0;
}

/* ---- ethtool's text ---- */

/*
 * The value of "@key:" in section @section (0: "Pre-set maximums", 1:
 * "Current hardware settings") of `ethtool -l/-g` output; n/a is 0, -1 when
 * absent.
 */
static int64_t ethtool_field(const char *out, int section, const char *key)
{
	const char *p = out;
	int sec = -1;

	while (*p) {
		const char *nl = strchrnul(p, '\n');
		size_t n = (size_t)(nl - p);
		if (n >= 16 && memcmp(p, "Pre-set maximums", 16) == 0)
			sec = 0;
		else if (n >= 25 && memcmp(p, "Current hardware settings", 25) == 0)
			sec = 1;
		else if (sec == section) {
			size_t kl = strlen(key);
			if (n > kl && memcmp(p, key, kl) == 0 && p[kl] == ':') {
				const char *v = p + kl + 1;
				size_t vl = (size_t)(nl - v);
				uint64_t x;
				hk_trim(&v, &vl);
				if (vl == 3 && memcmp(v, "n/a", 3) == 0)
					return 0;
				return hk_parse_u64(v, vl, 10, &x) == 0 ? (int64_t)x : -1;
			}
		}
		p = *nl ? nl + 1 : nl;
	}
	return -1;
}

static void compare_ethtool(const char *dev, const jv *d)
{
	if (!harness_in_path("ethtool")) {
		note("ethtool not installed: driver, channels and rings not compared");
		return;
	}
	_cleanup_free_ char *info = NULL, *chan = NULL, *ring = NULL;
	size_t len;
	char *const ai[] = {"ethtool", "-i", (char *)dev, NULL};
	char *const al[] = {"ethtool", "-l", (char *)dev, NULL};
	char *const ag[] = {"ethtool", "-g", (char *)dev, NULL};

	if (harness_run_checked(ai, &info, &len) == 0) {
		const char *p = strstr(info, "driver: ");
		char want[64] = "";
		if (p)
			sscanf(p + 8, "%63s", want);
		const char *got = jv_get_str(d, "driver");
		result(got && strcmp(got, want) == 0, "%s: driver %s, ethtool -i %s", dev,
		       got ? got : "null", want);
		p = strstr(info, "bus-info: ");
		char bus[64] = "";
		if (p)
			sscanf(p + 10, "%63s", bus);
		const char *pci = jv_get_str(d, "pci_address");
		if (bus[0] && strchr(bus, ':'))
			result(pci && strcmp(pci, bus) == 0, "%s: PCI %s, ethtool bus-info %s", dev,
			       pci ? pci : "null", bus);
	}

	int status;
	int r = harness_run(al, &chan, &len, &status);
	const jv *ch = jv_get(d, "channels");
	if (r == 0 && status == 0) {
		static const struct {
			const char *key, *cur, *max;
		} f[] = {
		    {"RX", "rx", "max_rx"},
		    {"TX", "tx", "max_tx"},
		    {"Other", "other", "max_other"},
		    {"Combined", "combined", "max_combined"},
		};
		for (unsigned i = 0; i < ELEMENTSOF(f); i++) {
			int64_t cur = -2, max = -2;
			jv_get_int(ch, f[i].cur, &cur);
			jv_get_int(ch, f[i].max, &max);
			int64_t wc = ethtool_field(chan, 1, f[i].key);
			int64_t wm = ethtool_field(chan, 0, f[i].key);
			result(cur == wc && max == wm,
			       "%s: channels %s %" PRId64 " / %" PRId64 ", ethtool -l %" PRId64
			       " / %" PRId64,
			       dev, f[i].cur, cur, max, wc, wm);
		}
	} else {
		result(ch && ch->type == JV_NULL, "%s: channels null where ethtool -l fails", dev);
	}

	r = harness_run(ag, &ring, &len, &status);
	const jv *rg = jv_get(d, "rings");
	if (r == 0 && status == 0) {
		static const struct {
			const char *key, *cur, *max;
		} f[] = {
		    {"RX", "rx", "max_rx"},
		    {"RX Mini", "rx_mini", "max_rx_mini"},
		    {"RX Jumbo", "rx_jumbo", "max_rx_jumbo"},
		    {"TX", "tx", "max_tx"},
		};
		for (unsigned i = 0; i < ELEMENTSOF(f); i++) {
			int64_t cur = -2, max = -2;
			jv_get_int(rg, f[i].cur, &cur);
			jv_get_int(rg, f[i].max, &max);
			int64_t wc = ethtool_field(ring, 1, f[i].key);
			int64_t wm = ethtool_field(ring, 0, f[i].key);
			result(cur == wc && max == wm,
			       "%s: rings %s %" PRId64 " / %" PRId64 ", ethtool -g %" PRId64
			       " / %" PRId64,
			       dev, f[i].cur, cur, max, wc, wm);
		}
	} else {
		result(rg && rg->type == JV_NULL, "%s: rings null where ethtool -g fails", dev);
	}
}

/* ---- sysfs ---- */

static void compare_mask_file(const char *who, const char *path, const jv *q, const char *key)
{
	char text[4096];
	_cleanup_(hk_cpuset_freep) hk_cpuset *want = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *got = hk_cpuset_new();
	const jv *v = jv_get(q, key);

	int r = read_text(path, text, sizeof(text));
	if (r < 0) {
		result(v && v->type == JV_NULL, "%s: %s null (read: %s)", who, key, strerror(-r));
		return;
	}
	bool ok = want && got && hk_cpuset_parse_mask(want, text, strlen(text)) == 0 && v &&
		  v->type == JV_STRING &&
		  hk_cpuset_parse_list(got, v->string, strlen(v->string)) == 0 &&
		  hk_cpuset_equal(want, got);
	result(ok, "%s: %s '%s', file '%s'", who, key, v && v->string ? v->string : "null", text);
}

static void compare_number_file(const char *who, const char *path, const jv *q, const char *key)
{
	char text[64];
	int64_t want, got = -1;

	int r = read_text(path, text, sizeof(text));
	int g = jv_get_int(q, key, &got);
	if (r < 0) {
		result(g == -ENODATA, "%s: %s null (read: %s)", who, key, strerror(-r));
		return;
	}
	text[strcspn(text, "-") ? strcspn(text, "-") : strlen(text)] = 0;
	result(hk_parse_s64(text, strlen(text), &want) == 0 && g == 0 && got == want,
	       "%s: %s %" PRId64 ", file %s", who, key, got, text);
}

static unsigned count_queues(const char *dev, const char *prefix)
{
	char path[PATH_MAX];
	_cleanup_closedir_ DIR *d =
	    opendir(fmt(path, sizeof(path), "/sys/class/net/%s/queues", dev));
	unsigned n = 0;
	struct dirent *de;

	while (d && (de = readdir(d)))
		n += strncmp(de->d_name, prefix, 3) == 0;
	return n;
}

static void compare_queues(const char *dev, const jv *d)
{
	char who[96], path[PATH_MAX];

	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "tx" : "rx";
		char prefix[4], key[16];
		fmt(prefix, sizeof(prefix), "%s-", kind);
		const jv *qs = jv_path(d, fmt(key, sizeof(key), "queues.%s", kind));
		unsigned want = count_queues(dev, prefix);
		result(qs && qs->n == want, "%s: %zu %s queues, sysfs %u", dev, qs ? qs->n : 0,
		       kind, want);
		for (size_t i = 0; qs && i < qs->n; i++) {
			const jv *q = qs->items[i];
			int64_t num = -1;
			jv_get_int(q, "queue", &num);
			fmt(who, sizeof(who), "%s %s-%" PRId64, dev, kind, num);
#define QF(f)                                                                                      \
	fmt(path, sizeof(path), "/sys/class/net/%s/queues/%s-%" PRId64 "/%s", dev, kind, num, f)
			if (k == 0) {
				compare_mask_file(who, QF("rps_cpus"), q, "rps_cpus");
				compare_number_file(who, QF("rps_flow_cnt"), q, "rps_flow_cnt");
			} else {
				compare_mask_file(who, QF("xps_cpus"), q, "xps_cpus");
				compare_mask_file(who, QF("xps_rxqs"), q, "xps_rxqs");
				compare_number_file(who, QF("tx_maxrate"), q, "tx_maxrate");
				compare_number_file(who, QF("tx_timeout"), q, "tx_timeout");
				compare_number_file(who, QF("traffic_class"), q, "traffic_class");
				compare_number_file(who, QF("byte_queue_limits/limit_max"),
						    jv_get(q, "bql"), "limit_max");
			}
#undef QF
		}
	}
}

/* ---- IRQs ---- */

/* The action text of IRQ @irq's row in /proc/interrupts (after the chip columns). */
static bool irq_row_has(const char *interrupts, unsigned irq, const char *name)
{
	char label[32];
	fmt(label, sizeof(label), "%u:", irq);
	for (const char *p = interrupts; *p;) {
		const char *nl = strchrnul(p, '\n');
		const char *s = p;
		while (s < nl && *s == ' ')
			s++;
		size_t ll = strlen(label);
		if ((size_t)(nl - s) > ll && memcmp(s, label, ll) == 0) {
			size_t n = strlen(name);
			/* The name ends the row. */
			return (size_t)(nl - s) >= n && memcmp(nl - n, name, n) == 0;
		}
		p = *nl ? nl + 1 : nl;
	}
	return false;
}

static void compare_set_file(const char *who, const char *path, const jv *obj, const char *key)
{
	char text[4096];
	_cleanup_(hk_cpuset_freep) hk_cpuset *want = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *got = hk_cpuset_new();
	const char *v = jv_get_str(obj, key);

	if (read_text(path, text, sizeof(text)) < 0) {
		note("%s: %s unreadable, not compared", who, path);
		return;
	}
	bool ok = want && got && hk_cpuset_parse_list(want, text, strlen(text)) == 0 && v &&
		  hk_cpuset_parse_list(got, v, strlen(v)) == 0 && hk_cpuset_equal(want, got);
	result(ok, "%s: %s '%s', %s '%s'", who, key, v ? v : "null", path, text);
}

static void compare_irqs(const char *dev, const jv *d)
{
	_cleanup_free_ char *interrupts = NULL;
	size_t len;
	char path[PATH_MAX], who[96];
	const jv *irqs = jv_get(d, "irqs");
	const jv *msi = jv_get(d, "msi_irqs");
	const char *virtio = jv_get_str(d, "virtio");

	if (harness_read_file("/proc/interrupts", &interrupts, &len) < 0) {
		note("/proc/interrupts unreadable: IRQs not compared");
		return;
	}
	if (!irqs || irqs->type != JV_ARRAY) {
		result(false, "%s: irqs array", dev);
		return;
	}
	/* Every msi_irqs IRQ is listed. */
	for (size_t i = 0; msi && i < msi->n; i++) {
		bool found = false;
		for (size_t k = 0; k < irqs->n; k++) {
			int64_t n;
			found |= jv_get_int(irqs->items[k], "irq", &n) == 0 &&
				 n == msi->items[i]->integer;
		}
		result(found, "%s: msi IRQ %" PRId64 " listed", dev, msi->items[i]->integer);
	}
	unsigned queue_irqs = 0;
	for (size_t k = 0; k < irqs->n; k++) {
		const jv *e = irqs->items[k];
		int64_t irq = -1, queue = -1;
		const char *name = jv_get_str(e, "name"), *kind = jv_get_str(e, "kind");
		jv_get_int(e, "irq", &irq);
		jv_get_int(e, "queue", &queue);
		fmt(who, sizeof(who), "%s IRQ %" PRId64, dev, irq);
		if (name)
			result(irq_row_has(interrupts, (unsigned)irq, name),
			       "%s: name '%s' ends its /proc/interrupts row", who, name);
		if (virtio && name) {
			char in[64], out[64];
			fmt(in, sizeof(in), "%s-input.%" PRId64, virtio, queue);
			fmt(out, sizeof(out), "%s-output.%" PRId64, virtio, queue);
			if (strstr(name, "-input.") || strstr(name, "-output.")) {
				bool rx = strstr(name, "-input.") != NULL;
				result(kind && strcmp(kind, rx ? "rx" : "tx") == 0 &&
					   strcmp(name, rx ? in : out) == 0,
				       "%s: %s is %s queue %" PRId64, who, name,
				       kind ? kind : "null", queue);
				queue_irqs++;
			}
		}
		compare_set_file(
		    who, fmt(path, sizeof(path), "/proc/irq/%" PRId64 "/smp_affinity_list", irq), e,
		    "affinity");
		compare_set_file(
		    who,
		    fmt(path, sizeof(path), "/proc/irq/%" PRId64 "/effective_affinity_list", irq),
		    e, "effective_affinity");
	}
	if (virtio) {
		const jv *rx = jv_path(d, "queues.rx");
		result(rx && queue_irqs >= rx->n, "%s: %u queue IRQs for %zu rx queues", dev,
		       queue_irqs, rx ? rx->n : 0);
	}
}

int main(void)
{
	_cleanup_jv_ jv *all = NULL, *one = NULL;
	const jv *devs, *one_devs;
	const char *dev = "eth0";
	char path[PATH_MAX];
	struct stat st;

	if (!getenv("HK_TOOL"))
		SKIP("HK_TOOL is not set (run through meson test)");
	if (stat("/sys/class/net", &st) < 0)
		SKIP("no /sys/class/net");
	if (run_hostkit(NULL, &all, &devs) < 0)
		TEST_DONE();

	/* Every class/net entry that is a device is listed. */
	_cleanup_closedir_ DIR *d = opendir("/sys/class/net");
	struct dirent *de;
	unsigned n = 0;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_LNK)
			continue;
		bool found = false;
		for (size_t i = 0; i < devs->n; i++) {
			const char *nm = jv_get_str(devs->items[i], "name");
			found |= nm && strcmp(nm, de->d_name) == 0;
		}
		result(found, "%s listed", de->d_name);
		n++;
	}
	result(devs->n == n, "%zu devices, /sys/class/net %u", devs->n, n);

	if (stat(fmt(path, sizeof(path), "/sys/class/net/%s", dev), &st) < 0)
		SKIP("no %s on this machine", dev);
	if (run_hostkit(dev, &one, &one_devs) < 0)
		TEST_DONE();
	result(one_devs->n == 1, "inspect net %s: one device", dev);
	if (one_devs->n != 1)
		TEST_DONE();
	const jv *e = one_devs->items[0];
	compare_ethtool(dev, e);
	compare_queues(dev, e);
	compare_irqs(dev, e);
	TEST_DONE();
}
