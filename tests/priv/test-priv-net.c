/* SPDX-License-Identifier: MIT */
/*
 * priv suite: `hostkit --json inspect net` on veth pairs of the test's own,
 * in a network namespace of its own, against ethtool(8) and the namespace's
 * sysfs files, before and after each change the tuning will later make:
 * channels (`ethtool -L`), features (`ethtool -K`), RPS and XPS masks,
 * rps_flow_cnt, MTU and link state.
 *
 * Root only (skipped otherwise, or without ip or ethtool). Nothing outside
 * the namespace hk-test-<pid> is touched: every command, hostkit included,
 * runs through `ip netns exec`, which also remounts /sys for the namespace.
 * The namespace, and with it the veths, is removed at exit and on signals
 * (tests/priv/netns.h).
 *
 * What is compared, per device and step: the driver info (`ethtool -i`),
 * channels and their maxima (`ethtool -l`), every feature by its kernel
 * name (`ethtool -k`, whose legacy names are mapped), every statistic by
 * name and value (`ethtool -S`; no traffic crosses the pairs), rings, RSS
 * and coalescing as unsupported (veth refuses `-g`, `-x`, `-c`), the
 * device's sysfs attributes and every file of every rx-N/tx-N queue.
 *
 * The library's live ethtool seam is also tried from inside the namespace
 * (setns, then back): statistics, the refusals, and the writes the tuning
 * will make (channels, a feature), each checked with ethtool after.
 *
 * Every comparison prints a line, "ok" or "FAIL", with both sides' values.
 * hostkit's side is always compared with what the kernel says now (ethtool,
 * sysfs), and each change is also checked for its expected value, so that a
 * change that did not happen cannot pass as "both sides agree".
 */
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <unistd.h>

#include <hostkit/cpuset.h>
#include <hostkit/ethtool.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/host/json-reader.h"
#include "tests/priv/netns.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)
#define _cleanup_cpuset_ _cleanup_(hk_cpuset_freep)

static char ns[64];
static const char *hk_tool;

/* ---- Commands in the namespace ---- */

/* Runs @argv in the namespace: exit status, stdout in @ret_out (may be NULL). */
static int ns_run(char *const *argv, char **ret_out, size_t *ret_len)
{
	char *buf[64];
	char **full = netns_argv(ns, argv, buf, ELEMENTSOF(buf));
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	if (!full)
		return -E2BIG;
	int r = harness_run(full, &out, &len, &status);
	if (r < 0)
		return r;
	if (ret_out) {
		*ret_out = TAKE_PTR(out);
		*ret_len = len;
	}
	return status;
}

/* ns_run() as a check: fails (one line) unless it exits 0. */
static int ns_run_checked(char *const *argv, char **ret_out, size_t *ret_len)
{
	char *buf[64];
	char **full = netns_argv(ns, argv, buf, ELEMENTSOF(buf));

	if (!full)
		return -E2BIG;
	return harness_run_checked(full, ret_out, ret_len);
}

/* A shell command in the namespace, for sysfs writes; a check. */
static __attribute__((format(printf, 1, 2))) int ns_sh(const char *fmt, ...)
{
	char cmd[512];
	_cleanup_free_ char *out = NULL;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int r = ns_run_checked((char *[]){"sh", "-c", cmd, NULL}, &out, &len);
	if (r >= 0)
		note("changed: %s", cmd);
	return r;
}

/* A veth pair @a/@b in the namespace, @queues rx and tx queues at each end; a check. */
static int veth_add(const char *a, const char *b, const char *queues)
{
	char *argv[] = {"ip",		"-n",		(char *)ns,	"link",
			"add",		(char *)a,	"numrxqueues",	(char *)queues,
			"numtxqueues",	(char *)queues, "type",		"veth",
			"peer",		"name",		(char *)b,	"numrxqueues",
			(char *)queues, "numtxqueues",	(char *)queues, NULL};
	int r = harness_run_status(argv);

	result(r == 0, "%s: status %d", harness_cmdline(argv), r);
	return r == 0 ? 0 : -EIO;
}

/* ---- Text of ethtool and sysfs ---- */

/* Splits off the next line of [*p, end): returns it without its newline, or false at the end. */
static bool next_line(const char **p, const char *end, const char **ret, size_t *ret_len)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl ? nl : end;
	*ret = *p;
	*ret_len = (size_t)(e - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

/*
 * The value of the line "KEY: VALUE" (leading blanks allowed) in [buf,
 * end), trimmed, into @val of @size bytes. -ENOENT when there is none.
 */
static int kv_get(const char *buf, const char *end, const char *key, char *val, size_t size)
{
	const char *p = buf, *l;
	size_t ll, klen = strlen(key);

	while (next_line(&p, end, &l, &ll)) {
		while (ll && (*l == ' ' || *l == '\t'))
			l++, ll--;
		if (ll <= klen || memcmp(l, key, klen) != 0 || l[klen] != ':')
			continue;
		const char *v = l + klen + 1;
		size_t vl = ll - klen - 1;
		hk_trim(&v, &vl);
		if (vl >= size)
			return -ENAMETOOLONG;
		memcpy(val, v, vl);
		val[vl] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* One sysfs file of a device: path below /sys/class/net/DEV/ and its first line. */
typedef struct sysfs_file {
	char path[96];
	char value[128];
} sysfs_file;

typedef struct sysfs_dev {
	sysfs_file files[256];
	unsigned n;
	unsigned rx_queues, tx_queues;
} sysfs_dev;

static const sysfs_file *sysfs_find(const sysfs_dev *s, const char *path)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return &s->files[i];
	return NULL;
}

/* The device attributes compared, by their sysfs names (hostkit uses the same). */
static const char *const attrs[] = {"operstate",
				    "ifindex",
				    "mtu",
				    "speed",
				    "tx_queue_len",
				    "threaded",
				    "napi_defer_hard_irqs",
				    "gro_flush_timeout"};

/*
 * Reads the device's attributes and every file under queues/ inside the
 * namespace, with one `grep -r -H ^` (a file that cannot be read, such as
 * `speed` of a device that is down, is left out: grep then exits 2).
 */
static int sysfs_load(const char *dev, sysfs_dev *s)
{
	char dir[64], paths[ELEMENTSOF(attrs) + 1][128];
	char *argv[ELEMENTSOF(attrs) + 8];
	_cleanup_free_ char *out = NULL;
	size_t len, k = 0;

	snprintf(dir, sizeof(dir), "/sys/class/net/%s/", dev);
	argv[k++] = (char *)"grep";
	argv[k++] = (char *)"-r";
	argv[k++] = (char *)"-s";
	argv[k++] = (char *)"-H";
	argv[k++] = (char *)"^";
	for (size_t i = 0; i <= ELEMENTSOF(attrs); i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s%s", dir,
			 i < ELEMENTSOF(attrs) ? attrs[i] : "queues");
		argv[k++] = paths[i];
	}
	argv[k] = NULL;

	int st = ns_run(argv, &out, &len);
	if (st < 0 || st > 2) {
		result(false, "grep of %s in the namespace: status %d", dir, st);
		return st < 0 ? st : -EIO;
	}

	*s = (sysfs_dev){0};
	const char *p = out, *end = out + len, *l;
	size_t ll, dlen = strlen(dir);
	while (next_line(&p, end, &l, &ll)) {
		if (ll <= dlen || memcmp(l, dir, dlen) != 0)
			continue;
		const char *colon = memchr(l + dlen, ':', ll - dlen);
		if (!colon || s->n >= ELEMENTSOF(s->files))
			continue;
		sysfs_file *f = &s->files[s->n];
		size_t plen = (size_t)(colon - l) - dlen, vlen = ll - (size_t)(colon + 1 - l);
		if (plen >= sizeof(f->path) || vlen >= sizeof(f->value))
			continue;
		/* A file of several lines (none here so far) keeps its first. */
		memcpy(f->path, l + dlen, plen);
		f->path[plen] = '\0';
		if (sysfs_find(s, f->path))
			continue;
		memcpy(f->value, colon + 1, vlen);
		f->value[vlen] = '\0';
		s->n++;

		unsigned q;
		char kind[3];
		if (sscanf(f->path, "queues/%2[rtx]-%u/", kind, &q) == 2) {
			unsigned *count = strcmp(kind, "rx") == 0 ? &s->rx_queues : &s->tx_queues;
			if (q + 1 > *count)
				*count = q + 1;
		}
	}
	return 0;
}

/* ---- hostkit's side ---- */

/* `hostkit --json inspect net DEV...` in the namespace, parsed; NULL @dev for every device. */
static int hk_net(const char *dev, jv **ret)
{
	char *argv[] = {(char *)hk_tool, "--json", "inspect", "net", (char *)dev, NULL};
	char *buf[64];
	char **full = netns_argv(ns, argv, buf, ELEMENTSOF(buf));

	if (!full)
		return -E2BIG;
	return json_run(full, NULL, JV_NULL, ret, NULL);
}

/* The device @name in hostkit's `net.devices`, or NULL (with a FAIL line). */
static const jv *hk_device(const jv *root, const char *name)
{
	const jv *devs = jv_path(root, "net.devices");

	if (!devs || devs->type != JV_ARRAY) {
		result(false, "hostkit: no net.devices array");
		return NULL;
	}
	for (size_t i = 0; i < devs->n; i++) {
		const char *n = jv_get_str(devs->items[i], "name");
		if (n && strcmp(n, name) == 0)
			return devs->items[i];
	}
	result(false, "hostkit: device %s not in net.devices", name);
	return NULL;
}

/* A JSON value as text, for messages, in one of a few rotating static buffers. */
static const char *J(const jv *v)
{
	static char bufs[4][64];
	static unsigned next;
	char *b = bufs[next++ % ELEMENTSOF(bufs)];

	if (!v)
		return "(absent)";
	switch (v->type) {
	case JV_NULL:
		return "null";
	case JV_BOOL:
		return v->boolean ? "true" : "false";
	case JV_NUMBER:
		if (v->is_int)
			snprintf(b, sizeof(bufs[0]), "%" PRId64, v->integer);
		else
			snprintf(b, sizeof(bufs[0]), "%g", v->number);
		return b;
	case JV_STRING:
		snprintf(b, sizeof(bufs[0]), "\"%s\"", v->string);
		return b;
	case JV_ARRAY:
		snprintf(b, sizeof(bufs[0]), "[%zu items]", v->n);
		return b;
	case JV_OBJECT:
		snprintf(b, sizeof(bufs[0]), "{%zu members}", v->n);
		return b;
	}
	return "?";
}

/* Whether @v is the integer @want. */
static bool jv_is(const jv *v, int64_t want)
{
	return v && v->type == JV_NUMBER && v->is_int && v->integer == want;
}

/* ---- Comparisons ---- */

static const char *phase = "";

/* hostkit's integer @key of @obj against the text @theirs ("n/a" meaning 0 or null). */
static void cmp_num(const char *what, const jv *obj, const char *key, const char *src,
		    const char *theirs)
{
	const jv *v = jv_get(obj, key);
	uint64_t n;
	bool ok;

	if (!theirs)
		ok = false;
	else if (strcmp(theirs, "n/a") == 0)
		ok = v && (v->type == JV_NULL || jv_is(v, 0));
	else
		ok = hk_parse_u64(theirs, strlen(theirs), 10, &n) >= 0 && jv_is(v, (int64_t)n);
	result(ok, "%s: %s: hostkit %s=%s %s %s %s", phase, what, key, J(v), ok ? "==" : "!=", src,
	       theirs ? theirs : "(absent)");
}

/*
 * hostkit's set @v against the sysfs mask text @raw (comma-separated 32-bit
 * hex words, as the kernel writes rps_cpus, xps_cpus and xps_rxqs). hostkit
 * writes sets as lists ("0-1", "" for none), and the list must be the
 * canonical one: ranges, increasing, as hk_cpuset_format_list() writes it.
 */
static bool mask_matches(const jv *v, const char *raw)
{
	_cleanup_cpuset_ hk_cpuset *want = hk_cpuset_new(), *got = hk_cpuset_new();
	char canon[4096];

	if (!want || !got || !v || v->type != JV_STRING ||
	    hk_cpuset_parse_mask(want, raw, strlen(raw)) < 0 ||
	    hk_cpuset_parse_list(got, v->string, strlen(v->string)) < 0)
		return false;
	hk_cpuset_format_list(want, canon, sizeof(canon));
	return hk_cpuset_equal(got, want) && strcmp(v->string, canon) == 0;
}

/* `ethtool -i`: the driver. */
static void check_driver(const char *dev, const jv *d)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	char driver[64] = "";

	if (ns_run_checked((char *[]){"ethtool", "-i", (char *)dev, NULL}, &out, &len) < 0)
		return;
	(void)kv_get(out, out + len, "driver", driver, sizeof(driver));
	const char *hk = jv_get_str(d, "driver");
	result(hk && strcmp(hk, driver) == 0, "%s: %s driver: hostkit \"%s\", ethtool -i \"%s\"",
	       phase, dev, hk ? hk : "(absent)", driver);

	static const struct {
		const char *ethtool, *key;
	} fields[] = {{"driver", "driver"},
		      {"version", "version"},
		      {"firmware-version", "fw_version"},
		      {"bus-info", "bus_info"}};
	const jv *di = jv_get(d, "drvinfo");
	for (unsigned i = 0; i < ELEMENTSOF(fields); i++) {
		char val[128] = "";
		int r = kv_get(out, out + len, fields[i].ethtool, val, sizeof(val));
		const char *h = jv_get_str(di, fields[i].key);
		result(r >= 0 && h && strcmp(h, val) == 0,
		       "%s: %s drvinfo.%s: hostkit \"%s\", ethtool -i %s \"%s\"", phase, dev,
		       fields[i].key, h ? h : "(absent)", fields[i].ethtool,
		       r < 0 ? "(absent)" : val);
	}
}

/* `ethtool -l`: current and maximum channels; hostkit's current rx and tx (or -1) in @ret. */
static void check_channels(const char *dev, const jv *d, int ret[2])
{
	static const char *const kinds[] = {"rx", "tx", "other", "combined"};
	static const char *const labels[] = {"RX", "TX", "Other", "Combined"};
	_cleanup_free_ char *out = NULL;
	size_t len;
	char what[96], val[32];

	ret[0] = ret[1] = -1;
	int st = ns_run((char *[]){"ethtool", "-l", (char *)dev, NULL}, &out, &len);
	const jv *ch = jv_get(d, "channels");
	if (st != 0) {
		result(ch && ch->type == JV_NULL,
		       "%s: %s channels: ethtool -l fails (status %d), hostkit channels %s", phase,
		       dev, st, J(ch));
		return;
	}
	if (!ch || ch->type != JV_OBJECT) {
		result(false, "%s: %s channels: ethtool -l has them, hostkit channels %s", phase,
		       dev, J(ch));
		return;
	}
	const char *cur = strstr(out, "Current hardware settings:");
	if (!cur) {
		result(false, "%s: ethtool -l %s: no current settings", phase, dev);
		return;
	}
	for (unsigned i = 0; i < ELEMENTSOF(kinds); i++) {
		char key[32];

		snprintf(what, sizeof(what), "%s channels", dev);
		snprintf(key, sizeof(key), "max_%s", kinds[i]);
		cmp_num(what, ch, key, "ethtool -l maximum",
			kv_get(out, cur, labels[i], val, sizeof(val)) < 0 ? NULL : val);
		cmp_num(what, ch, kinds[i], "ethtool -l current",
			kv_get(cur, out + len, labels[i], val, sizeof(val)) < 0 ? NULL : val);
	}
	for (unsigned i = 0; i < 2; i++) {
		const jv *v = jv_get(ch, kinds[i]);
		ret[i] = v && v->is_int ? (int)v->integer : -1;
	}
}

/*
 * An ethtool query: hostkit's item is an object and its status "ok" when
 * ethtool answers, null and "unsupported" when ethtool fails (veth answers
 * neither -g, -c nor -x: EOPNOTSUPP).
 */
static void check_supported(const char *dev, const jv *d, const char *opt, const char *key)
{
	char cmd[96];

	/* Its "Operation not supported" is expected: kept out of the log. */
	snprintf(cmd, sizeof(cmd), "ethtool %s %s 2>/dev/null", opt, dev);
	int st = ns_run((char *[]){"sh", "-c", cmd, NULL}, NULL, NULL);
	const jv *v = jv_get(d, key);
	const char *status = jv_get_str(jv_get(d, "ethtool"), key);

	if (st == 0)
		result(v && v->type == JV_OBJECT && status && strcmp(status, "ok") == 0,
		       "%s: %s %s: ethtool %s answers, hostkit %s, status %s", phase, dev, key, opt,
		       J(v), status ? status : "(absent)");
	else
		result(v && v->type == JV_NULL && status && strcmp(status, "unsupported") == 0,
		       "%s: %s %s: ethtool %s fails (status %d), hostkit %s, status %s (want null, "
		       "unsupported)",
		       phase, dev, key, opt, st, J(v), status ? status : "(absent)");
}

/*
 * The names ethtool -k prints for single features instead of the kernel's
 * (ethtool's off_flag_def). The group names (tx-checksumming,
 * scatter-gather, tcp-segmentation-offload) stand for several features,
 * which it prints below them under their own names.
 */
static const struct {
	const char *ethtool, *kernel;
} feature_aliases[] = {
    {"rx-checksumming", "rx-checksum"},
    {"udp-fragmentation-offload", "tx-udp-fragmentation"},
    {"generic-segmentation-offload", "tx-generic-segmentation"},
    {"generic-receive-offload", "rx-gro"},
    {"large-receive-offload", "rx-lro"},
    {"rx-vlan-offload", "rx-vlan-hw-parse"},
    {"tx-vlan-offload", "tx-vlan-hw-insert"},
    {"ntuple-filters", "rx-ntuple-filter"},
    {"receive-hashing", "rx-hashing"},
};

static const char *const feature_groups[] = {"tx-checksumming", "scatter-gather",
					     "tcp-segmentation-offload"};

/*
 * hostkit's feature @name: true/false for active, or -ENOENT. hostkit's
 * `features` is an object keyed by the kernel's names whose values are
 * objects with "active" (and "fixed", "requested"), or booleans.
 */
static int hk_feature(const jv *d, const char *name, bool *ret_fixed, bool *ret_has_fixed)
{
	const jv *f = jv_get(jv_get(d, "features"), name);

	*ret_has_fixed = false;
	if (!f)
		return -ENOENT;
	if (f->type == JV_BOOL)
		return f->boolean;
	const jv *a = jv_get(f, "active"), *fx = jv_get(f, "fixed");
	if (fx && fx->type == JV_BOOL) {
		*ret_has_fixed = true;
		*ret_fixed = fx->boolean;
	}
	if (!a || a->type != JV_BOOL)
		return -EINVAL;
	return a->boolean;
}

/*
 * `ethtool -k`: every feature by name. In @ret_hk and @ret_ethtool, the
 * state of @watch (kernel name) by hostkit and by ethtool: 1, 0 or -1.
 */
static void check_features(const char *dev, const jv *d, const char *watch, int *ret_hk,
			   int *ret_ethtool)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	unsigned compared = 0, failed = 0;

	*ret_hk = *ret_ethtool = -1;
	if (ns_run_checked((char *[]){"ethtool", "-k", (char *)dev, NULL}, &out, &len) < 0)
		return;
	const jv *feats = jv_get(d, "features");
	if (!feats || feats->type != JV_OBJECT)
		result(false, "%s: %s features: hostkit features %s, want an object", phase, dev,
		       J(feats));

	const char *p = out, *end = out + len, *l;
	size_t ll;
	while (next_line(&p, end, &l, &ll)) {
		char name[64];
		const char *colon = memchr(l, ':', ll);
		if (!colon || memcmp(l, "Features for", 12) == 0)
			continue;
		const char *n = l;
		size_t nl = (size_t)(colon - l);
		hk_trim(&n, &nl);
		if (nl == 0 || nl >= sizeof(name))
			continue;
		memcpy(name, n, nl);
		name[nl] = '\0';

		const char *v = colon + 1;
		size_t vl = (size_t)(l + ll - v);
		hk_trim(&v, &vl);
		bool on = vl >= 2 && memcmp(v, "on", 2) == 0;
		bool fixed = memmem(v, vl, "[fixed]", 7) != NULL;

		bool group = false;
		for (unsigned i = 0; i < ELEMENTSOF(feature_groups); i++)
			group |= strcmp(name, feature_groups[i]) == 0;
		if (group)
			continue;
		const char *kname = name;
		for (unsigned i = 0; i < ELEMENTSOF(feature_aliases); i++)
			if (strcmp(name, feature_aliases[i].ethtool) == 0)
				kname = feature_aliases[i].kernel;

		bool hk_fixed = false, has_fixed;
		int a = hk_feature(d, kname, &hk_fixed, &has_fixed);
		bool ok = a >= 0 && (bool)a == on && (!has_fixed || hk_fixed == fixed);
		compared++;
		if (!ok) {
			failed++;
			printf(
			    "  FAIL  %s: %s: ethtool -k \"%s: %.*s\", hostkit %s active=%s%s%s\n",
			    phase, dev, name, (int)vl, v, kname,
			    a < 0 ? test_errname(a)
			    : a	  ? "true"
				  : "false",
			    has_fixed ? " fixed=" : "",
			    has_fixed ? (hk_fixed ? "true" : "false") : "");
		}
		if (watch && strcmp(kname, watch) == 0) {
			*ret_hk = a < 0 ? -1 : a;
			*ret_ethtool = on;
		}
	}
	if (!feats || feats->type != JV_OBJECT)
		return;
	result(compared > 0 && failed == 0,
	       "%s: %s features: %u of ethtool -k compared by kernel name, %u differ", phase, dev,
	       compared, failed);
}

/*
 * `ethtool -S`: every statistic by name and value. hostkit's "stats" is an
 * object keyed by the driver's names, in the driver's order. No traffic
 * crosses the pair, so the values do not move between the two reads.
 */
static void check_stats(const char *dev, const jv *d)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	unsigned compared = 0, failed = 0;

	const jv *stats = jv_get(d, "stats");
	if (!stats || stats->type != JV_OBJECT) {
		result(false, "%s: %s stats: hostkit stats %s, want an object keyed by name", phase,
		       dev, J(stats));
		return;
	}
	if (ns_run_checked((char *[]){"ethtool", "-S", (char *)dev, NULL}, &out, &len) < 0)
		return;
	const char *p = out, *end = out + len, *l;
	size_t ll;
	while (next_line(&p, end, &l, &ll)) {
		const char *colon = memrchr(l, ':', ll);
		if (!colon || memcmp(l, "NIC statistics", 14) == 0)
			continue;
		char name[96];
		const char *n = l, *v = colon + 1;
		size_t nl = (size_t)(colon - l), vl = (size_t)(l + ll - v);
		uint64_t val;
		hk_trim(&n, &nl);
		hk_trim(&v, &vl);
		if (nl >= sizeof(name) || hk_parse_u64(v, vl, 10, &val) < 0) {
			result(false, "%s: ethtool -S %s: cannot read \"%.*s\"", phase, dev,
			       (int)ll, l);
			continue;
		}
		memcpy(name, n, nl);
		name[nl] = '\0';
		/* Kept in the order seen, so a name hostkit puts elsewhere shows. */
		const jv *hv = compared < stats->n && strcmp(stats->keys[compared], name) == 0
				   ? stats->items[compared]
				   : jv_get(stats, name);
		bool ok = jv_is(hv, (int64_t)val);
		compared++;
		if (!ok) {
			failed++;
			printf("  FAIL  %s: %s stat %s: ethtool -S %" PRIu64 ", hostkit %s\n",
			       phase, dev, name, val, J(hv));
		}
	}
	bool same_count = compared == stats->n;
	result(compared > 0 && failed == 0 && same_count,
	       "%s: %s stats: %u of ethtool -S compared, %u differ; hostkit has %zu", phase, dev,
	       compared, failed, stats->n);
}

/*
 * hostkit's attribute @key against sysfs file @file: a number, or a string
 * for operstate. A file sysfs would not give (grep left it out, as `speed`
 * of a device that is down: EINVAL) must be null in hostkit, with the
 * reason under "unreadable".
 */
static void cmp_attr(const char *dev, const jv *d, const sysfs_dev *s, const char *key,
		     const char *file)
{
	const sysfs_file *f = sysfs_find(s, file);
	const jv *v = jv_get(d, key);
	bool ok;
	uint64_t n;

	const char *why = jv_get_str(jv_get(d, "unreadable"), key);

	if (!f)
		ok = v && v->type == JV_NULL && why;
	else if (hk_parse_u64(f->value, strlen(f->value), 10, &n) >= 0)
		ok = jv_is(v, (int64_t)n);
	else
		ok = v && v->type == JV_STRING && strcmp(v->string, f->value) == 0;
	result(ok, "%s: %s %s: hostkit %s%s%s, sysfs %s %s", phase, dev, key, J(v),
	       why ? " unreadable " : "", why ? why : "", file, f ? f->value : "(unreadable)");
}

/* queues.rx / queues.tx against the queues/ directories, file by file. */
static void check_queues(const char *dev, const jv *d, const sysfs_dev *s)
{
	static const struct {
		const char *dir, *key, *file;
		bool mask;
	} fields[] = {
	    {"rx", "rps_cpus", "rps_cpus", true},
	    {"rx", "rps_flow_cnt", "rps_flow_cnt", false},
	    {"tx", "xps_cpus", "xps_cpus", true},
	    {"tx", "xps_rxqs", "xps_rxqs", true},
	    {"tx", "tx_maxrate", "tx_maxrate", false},
	    {"tx", "traffic_class", "traffic_class", false},
	    {"tx", "tx_timeout", "tx_timeout", false},
	    {"tx", "bql.limit", "byte_queue_limits/limit", false},
	    {"tx", "bql.limit_min", "byte_queue_limits/limit_min", false},
	    {"tx", "bql.limit_max", "byte_queue_limits/limit_max", false},
	    {"tx", "bql.hold_time", "byte_queue_limits/hold_time", false},
	    {"tx", "bql.inflight", "byte_queue_limits/inflight", false},
	    {"tx", "bql.stall_thrs", "byte_queue_limits/stall_thrs", false},
	    {"tx", "bql.stall_cnt", "byte_queue_limits/stall_cnt", false},
	    {"tx", "bql.stall_max", "byte_queue_limits/stall_max", false},
	};
	unsigned compared = 0, failed = 0;

	for (unsigned k = 0; k < 2; k++) {
		const char *dir = k ? "tx" : "rx";
		unsigned want = k ? s->tx_queues : s->rx_queues;
		const jv *qs = jv_get(jv_get(d, "queues"), dir);
		bool n_ok = qs && qs->type == JV_ARRAY && qs->n == want;
		result(n_ok, "%s: %s queues.%s: hostkit %s, sysfs %u %s-N directories", phase, dev,
		       dir, J(qs), want, dir);
		if (!n_ok)
			continue;
		for (size_t i = 0; i < qs->n; i++) {
			const jv *q = qs->items[i];
			bool ok = jv_is(jv_get(q, "queue"), (int64_t)i);
			compared++;
			if (!ok) {
				failed++;
				printf("  FAIL  %s: %s %s[%zu].queue = %s\n", phase, dev, dir, i,
				       J(jv_get(q, "queue")));
			}
			for (unsigned fi = 0; fi < ELEMENTSOF(fields); fi++) {
				char path[96];
				uint64_t n;

				if (strcmp(fields[fi].dir, dir) != 0)
					continue;
				snprintf(path, sizeof(path), "queues/%s-%zu/%s", dir, i,
					 fields[fi].file);
				const sysfs_file *f = sysfs_find(s, path);
				const jv *v = jv_path(q, fields[fi].key);
				if (!f)
					ok = v && (v->type == JV_NULL || v->type == JV_OBJECT);
				else if (fields[fi].mask)
					ok = mask_matches(v, f->value);
				else
					ok =
					    hk_parse_u64(f->value, strlen(f->value), 10, &n) >= 0 &&
					    jv_is(v, (int64_t)n);
				compared++;
				if (!ok) {
					failed++;
					printf("  FAIL  %s: %s %s: hostkit %s, sysfs %s\n", phase,
					       dev, path, J(v), f ? f->value : "(unreadable)");
				}
			}
		}
	}
	result(compared > 0 && failed == 0, "%s: %s queue files: %u compared, %u differ", phase,
	       dev, compared, failed);
}

/* One device, all of it: hostkit's JSON against ethtool and sysfs. */
typedef struct dev_state {
	int channels[2];	       /* hostkit's rx and tx channels, or -1 */
	int gro, gro_ethtool;	       /* rx-gro by hostkit and by ethtool -k: 1, 0 or -1 */
	unsigned rx_queues, tx_queues; /* rx-N and tx-N directories in sysfs */
} dev_state;

static const jv *device_json(const char *dev, jv **ret_root)
{
	if (hk_net(dev, ret_root) < 0)
		return NULL;
	const jv *devs = jv_path(*ret_root, "net.devices");
	result(devs && devs->type == JV_ARRAY && devs->n == 1,
	       "%s: hostkit --json inspect net %s: %s devices", phase, dev, J(devs));
	return hk_device(*ret_root, dev);
}

static void check_device(const char *dev, dev_state *ret)
{
	_cleanup_jv_ jv *root = NULL;
	static sysfs_dev s;

	*ret = (dev_state){{-1, -1}, -1, -1, 0, 0};
	/* sysfs first, so that the steps follow the kernel even when hostkit fails. */
	if (sysfs_load(dev, &s) < 0)
		return;
	ret->rx_queues = s.rx_queues;
	ret->tx_queues = s.tx_queues;
	const jv *d = device_json(dev, &root);
	if (!d)
		return;

	check_driver(dev, d);
	const jv *numa = jv_get(d, "numa_node");
	result(numa && numa->type == JV_NULL, "%s: %s numa_node: hostkit %s, no device behind veth",
	       phase, dev, J(numa));
	const jv *irqs = jv_get(d, "irqs");
	result(irqs && irqs->type == JV_ARRAY && irqs->n == 0,
	       "%s: %s irqs: hostkit %s, veth has none", phase, dev, J(irqs));
	check_channels(dev, d, ret->channels);
	check_supported(dev, d, "-g", "rings");
	check_supported(dev, d, "-x", "rss");
	check_supported(dev, d, "-c", "coalesce");
	check_features(dev, d, "rx-gro", &ret->gro, &ret->gro_ethtool);
	check_stats(dev, d);
	for (unsigned i = 0; i < ELEMENTSOF(attrs); i++)
		cmp_attr(dev, d, &s, attrs[i], attrs[i]);
	check_queues(dev, d, &s);
}

/* hostkit's value at @path (dots) under device @dev, fresh, against @want (a mask or number). */
static void expect_queue(const char *dev, const char *path, const char *want_mask, int64_t want)
{
	_cleanup_jv_ jv *root = NULL;
	const jv *d = device_json(dev, &root);
	const jv *v = d ? jv_path(d, path) : NULL;
	bool ok = want_mask ? mask_matches(v, want_mask) : jv_is(v, want);

	if (want_mask)
		result(ok, "%s: %s %s: hostkit %s, written mask %s", phase, dev, path, J(v),
		       want_mask);
	else
		result(ok, "%s: %s %s: hostkit %s, expected %" PRId64, phase, dev, path, J(v),
		       want);
}

/* ---- The library's live ethtool seam, inside the namespace ---- */

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_ethtool *, hk_ethtool_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_ethtool_stats *, hk_ethtool_stats_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_ethtool_rss *, hk_ethtool_rss_free)

/*
 * Moves this process into the namespace (the live seam's socket must be
 * made there); the descriptor of its own in @ret_home, for ns_leave().
 */
static int ns_enter(int *ret_home)
{
	_cleanup_close_ int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;
	char path[128];

	if (home < 0)
		return -errno;
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return -errno;
	*ret_home = TAKE_FD(home);
	return 0;
}

static void ns_leave(int home)
{
	if (setns(home, CLONE_NEWNET) < 0) {
		/* Staying inside would make the rest of the test lie: stop here. */
		fprintf(stderr, "cannot return to the test's own namespace: %s\n", strerror(errno));
		exit(1);
	}
	close(home);
}

/* ethtool -l's current (@current) or maximum RX and TX, or -1 each. */
static void ethtool_channels(const char *dev, bool current, int ret[2])
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	char val[16];
	const char *labels[2] = {"RX", "TX"};

	ret[0] = ret[1] = -1;
	if (ns_run_checked((char *[]){"ethtool", "-l", (char *)dev, NULL}, &out, &len) < 0)
		return;
	const char *cur = strstr(out, "Current hardware settings:");
	if (!cur)
		return;
	for (unsigned i = 0; i < 2; i++) {
		unsigned v;
		if (kv_get(current ? cur : out, current ? out + len : cur, labels[i], val,
			   sizeof(val)) >= 0 &&
		    hk_parse_unsigned_range(val, strlen(val), 0, 1u << 20, &v) >= 0)
			ret[i] = (int)v;
	}
}

/* ethtool -k's state of the feature it prints as @label: 1, 0, or -1. */
static int ethtool_feature(const char *dev, const char *label)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	char val[64];

	if (ns_run_checked((char *[]){"ethtool", "-k", (char *)dev, NULL}, &out, &len) < 0 ||
	    kv_get(out, out + len, label, val, sizeof(val)) < 0)
		return -1;
	return strncmp(val, "on", 2) == 0;
}

/* hk_ethtool_get_stats() against `ethtool -S`, name by name, in order. */
static void lib_check_stats(hk_ethtool *e, const char *dev)
{
	_cleanup_(hk_ethtool_stats_freep) hk_ethtool_stats *stats = NULL;
	_cleanup_free_ char *out = NULL;
	size_t len;
	unsigned i = 0, failed = 0;

	int r = hk_ethtool_get_stats(e, dev, NULL, &stats);
	if (r < 0) {
		result(false, "library: hk_ethtool_get_stats(%s): %s", dev, test_errname(r));
		return;
	}
	if (ns_run_checked((char *[]){"ethtool", "-S", (char *)dev, NULL}, &out, &len) < 0)
		return;
	const char *p = out, *end = out + len, *l;
	size_t ll;
	while (next_line(&p, end, &l, &ll)) {
		const char *colon = memrchr(l, ':', ll);
		if (!colon || memcmp(l, "NIC statistics", 14) == 0)
			continue;
		const char *n = l, *v = colon + 1;
		size_t nl = (size_t)(colon - l), vl = (size_t)(l + ll - v);
		uint64_t val = 0;
		hk_trim(&n, &nl);
		hk_trim(&v, &vl);
		const char *hn = hk_ethtool_stats_name(stats, i);
		bool ok = hk_parse_u64(v, vl, 10, &val) >= 0 && hn && strlen(hn) == nl &&
			  memcmp(hn, n, nl) == 0 && hk_ethtool_stats_value(stats, i) == val;
		if (!ok) {
			failed++;
			printf("  FAIL  library: %s stat %u: ethtool -S \"%.*s: %.*s\", hostkit "
			       "\"%s\" %" PRIu64 "\n",
			       dev, i, (int)nl, n, (int)vl, v, hn ? hn : "(none)",
			       hk_ethtool_stats_value(stats, i));
		}
		i++;
	}
	result(i > 0 && failed == 0 && i == hk_ethtool_stats_count(stats),
	       "library: hk_ethtool_get_stats(%s): %u of ethtool -S compared, %u differ, hostkit "
	       "has %u",
	       dev, i, failed, hk_ethtool_stats_count(stats));
}

/*
 * What the tuning will write, through the library: channels and a feature,
 * each checked with ethtool after, a repeated write skipped, and the
 * refusals (past the maximum, a fixed feature) as documented.
 */
static void lib_check_writes(hk_ethtool *e, const char *dev)
{
	hk_ethtool_channels ch, want;
	hk_diag diag;
	int eth[2], max[2];

	int r = hk_ethtool_get_channels(e, dev, NULL, &ch);
	ethtool_channels(dev, true, eth);
	ethtool_channels(dev, false, max);
	result(r >= 0 && (int)ch.rx == eth[0] && (int)ch.tx == eth[1] && (int)ch.max_rx == max[0] &&
		   (int)ch.max_tx == max[1],
	       "library: hk_ethtool_get_channels(%s): %s rx %u/%u tx %u/%u; ethtool -l rx %d/%d "
	       "tx %d/%d",
	       dev, r < 0 ? test_errname(r) : "ok", ch.rx, ch.max_rx, ch.tx, ch.max_tx, eth[0],
	       max[0], eth[1], max[1]);
	if (r < 0)
		return;

	want = ch;
	want.rx = want.tx = ch.rx == 1 ? 2 : 1;
	if (want.rx > ch.max_rx)
		want.rx = want.tx = ch.rx;
	r = hk_ethtool_set_channels(e, dev, &want, NULL);
	ethtool_channels(dev, true, eth);
	result(r == (want.rx != ch.rx) && eth[0] == (int)want.rx && eth[1] == (int)want.tx,
	       "library: hk_ethtool_set_channels(%s, rx %u tx %u): returned %d; ethtool -l now rx "
	       "%d tx %d",
	       dev, want.rx, want.tx, r, eth[0], eth[1]);
	r = hk_ethtool_set_channels(e, dev, &want, NULL);
	result(r == 0,
	       "library: the same hk_ethtool_set_channels(%s) again: returned %d (0: skipped)", dev,
	       r);

	hk_diag_clear(&diag);
	hk_ethtool_channels over = want;
	over.rx = ch.max_rx + 1;
	r = hk_ethtool_set_channels(e, dev, &over, &diag);
	ethtool_channels(dev, true, eth);
	result(r == -EINVAL && diag.message[0] && eth[0] == (int)want.rx,
	       "library: hk_ethtool_set_channels(%s, rx %u > max %u): %s, \"%s\"; ethtool -l rx "
	       "still %d",
	       dev, over.rx, ch.max_rx, r < 0 ? test_errname(r) : "ok", diag.message, eth[0]);
	(void)hk_ethtool_set_channels(e, dev, &ch, NULL);

	int gro = ethtool_feature(dev, "generic-receive-offload");
	r = hk_ethtool_set_feature(e, dev, "rx-gro", gro != 1, NULL);
	int now = ethtool_feature(dev, "generic-receive-offload");
	result(gro >= 0 && r == 1 && now == (gro != 1),
	       "library: hk_ethtool_set_feature(%s, rx-gro, %s): returned %d; ethtool -k %d -> %d",
	       dev, gro != 1 ? "on" : "off", r, gro, now);
	r = hk_ethtool_set_feature(e, dev, "rx-gro", gro != 1, NULL);
	result(r == 0,
	       "library: the same hk_ethtool_set_feature(%s) again: returned %d (0: skipped)", dev,
	       r);
	(void)hk_ethtool_set_feature(e, dev, "rx-gro", gro == 1, NULL);

	hk_diag_clear(&diag);
	r = hk_ethtool_set_feature(e, dev, "rx-lro", true, &diag);
	result(r == -EPERM && ethtool_feature(dev, "large-receive-offload") == 0,
	       "library: hk_ethtool_set_feature(%s, rx-lro [fixed], on): %s (want EPERM) \"%s\"",
	       dev, r < 0 ? test_errname(r) : "ok", diag.message);
	r = hk_ethtool_set_feature(e, dev, "no-such-feature", true, NULL);
	result(r == -ENOENT, "library: hk_ethtool_set_feature(%s, no-such-feature): %s", dev,
	       r < 0 ? test_errname(r) : "ok");
}

/* What veth does not support, and a device that does not exist. */
static void lib_check_unsupported(hk_ethtool *e, const char *dev)
{
	hk_ethtool_rings rings;
	hk_ethtool_coalesce co;
	hk_ethtool_drvinfo di;
	_cleanup_(hk_ethtool_rss_freep) hk_ethtool_rss *rss = NULL;

	int r = hk_ethtool_get_rings(e, dev, NULL, &rings);
	result(r == -EOPNOTSUPP, "library: hk_ethtool_get_rings(%s): %s, want EOPNOTSUPP", dev,
	       r < 0 ? test_errname(r) : "ok");
	r = hk_ethtool_get_coalesce(e, dev, NULL, &co);
	result(r == -EOPNOTSUPP, "library: hk_ethtool_get_coalesce(%s): %s, want EOPNOTSUPP", dev,
	       r < 0 ? test_errname(r) : "ok");
	r = hk_ethtool_get_rss(e, dev, NULL, &rss);
	result(r == -EOPNOTSUPP, "library: hk_ethtool_get_rss(%s): %s, want EOPNOTSUPP", dev,
	       r < 0 ? test_errname(r) : "ok");
	r = hk_ethtool_get_drvinfo(e, dev, NULL, &di);
	result(r >= 0 && strcmp(di.driver, "veth") == 0,
	       "library: hk_ethtool_get_drvinfo(%s): %s driver \"%s\"", dev,
	       r < 0 ? test_errname(r) : "ok", r < 0 ? "" : di.driver);
	r = hk_ethtool_get_drvinfo(e, "hk-nosuchdev", NULL, &di);
	result(r == -ENODEV, "library: hk_ethtool_get_drvinfo(hk-nosuchdev): %s, want ENODEV",
	       r < 0 ? test_errname(r) : "ok");
}

static void lib_checks(const char *dev)
{
	_cleanup_(hk_ethtool_freep) hk_ethtool *e = NULL;
	int home = -EBADF;

	int r = ns_enter(&home);
	if (r < 0) {
		result(false, "library: cannot enter namespace %s: %s", ns, test_errname(r));
		return;
	}
	/* The seam's socket lives in the namespace it was made in. */
	r = hk_ethtool_open_live(&e);
	ns_leave(home);
	if (r < 0) {
		result(false, "library: hk_ethtool_open_live: %s", test_errname(r));
		return;
	}
	lib_check_stats(e, dev);
	lib_check_unsupported(e, dev);
	lib_check_writes(e, dev);
}

/* ---- The steps ---- */

/* hostkit's feature @name, fresh, against the state just set. */
static void expect_feature(const char *dev, const char *name, bool want)
{
	_cleanup_jv_ jv *root = NULL;
	const jv *d = device_json(dev, &root);
	bool fixed = false, has_fixed = false;
	int a = d ? hk_feature(d, name, &fixed, &has_fixed) : -ENOENT;

	result(a == want, "%s: %s feature %s: hostkit active=%s, set %s", phase, dev, name,
	       a < 0 ? test_errname(a)
	       : a   ? "true"
		     : "false",
	       want ? "on" : "off");
}

/*
 * `ethtool -L DEV rx RX tx TX` (0: the maximum ethtool -l gives), then
 * everything compared again, and hostkit's channels and sysfs's queue
 * directories checked for the new counts.
 */
static void set_channels(const char *dev, unsigned rx, unsigned tx, dev_state *st)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	char val[16];
	unsigned want[2] = {rx, tx};
	const char *labels[2] = {"RX", "TX"};
	int before[2] = {st->channels[0], st->channels[1]};

	if (ns_run_checked((char *[]){"ethtool", "-l", (char *)dev, NULL}, &out, &len) < 0)
		return;
	for (unsigned i = 0; i < 2; i++)
		if (want[i] == 0 &&
		    (kv_get(out, out + len, labels[i], val, sizeof(val)) < 0 ||
		     hk_parse_unsigned_range(val, strlen(val), 1, 4096, &want[i]) < 0)) {
			result(false, "ethtool -l %s: no maximum %s", dev, labels[i]);
			return;
		}
	if (ns_sh("ethtool -L %s rx %u tx %u", dev, want[0], want[1]) < 0)
		return;
	check_device(dev, st);
	result(st->channels[0] == (int)want[0] && st->channels[1] == (int)want[1] &&
		   st->rx_queues == want[0] && st->tx_queues == want[1],
	       "%s: %s channels rx %d -> %d, tx %d -> %d; sysfs rx-N %u, tx-N %u; set rx %u tx %u",
	       phase, dev, before[0], st->channels[0], before[1], st->channels[1], st->rx_queues,
	       st->tx_queues, want[0], want[1]);
}

static void step(const char *name)
{
	phase = name;
	printf("\n== %s\n", name);
}

/* `hostkit inspect net` with no device: every device in the namespace, none of the host's. */
static void check_all_devices(void)
{
	_cleanup_jv_ jv *root = NULL;
	_cleanup_free_ char *out = NULL;
	size_t len;

	if (hk_net(NULL, &root) < 0)
		return;
	if (ns_run_checked((char *[]){"ls", "/sys/class/net", NULL}, &out, &len) < 0)
		return;
	const jv *devs = jv_path(root, "net.devices");
	unsigned n = 0, missing = 0;
	const char *p = out, *end = out + len, *l;
	size_t ll;
	while (next_line(&p, end, &l, &ll)) {
		bool found = false;
		n++;
		for (size_t i = 0; devs && i < devs->n; i++) {
			const char *name = jv_get_str(devs->items[i], "name");
			found |= name && strlen(name) == ll && memcmp(name, l, ll) == 0;
		}
		if (!found) {
			missing++;
			printf(
			    "  FAIL  %.*s is in the namespace's /sys/class/net, not in hostkit\n",
			    (int)ll, l);
		}
	}
	result(devs && devs->type == JV_ARRAY && devs->n == n && missing == 0,
	       "%s: hostkit lists %s devices, the namespace has %u, %u missing", phase, J(devs), n,
	       missing);
}

int main(void)
{
	dev_state st, st8;
	char cpu_last_mask[16], all_mask[16];

	/* Lines in order with the harness's and the tools' stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0)
		SKIP("needs root (network namespaces and veth pairs)");
	if (!harness_in_path("ip") || !harness_in_path("ethtool"))
		SKIP("needs ip (iproute2) and ethtool");
	hk_tool = getenv("HK_TOOL");
	if (!hk_tool)
		SKIP("HK_TOOL is not set (run through meson test)");

	int stale = netns_sweep_stale();
	if (stale)
		note("removed %d namespace(s) left by killed runs", stale);
	int r = netns_create(ns, sizeof(ns));
	if (r < 0)
		SKIP("cannot make a network namespace: %s", strerror(-r));
	note("namespace %s", ns);

	/* Two pairs: one of 4 queues each way, one of 8. */
	if (veth_add("va", "vb", "4") < 0 || veth_add("vc", "vd", "8") < 0)
		TEST_DONE();

	/* Masks of this machine's CPUs: the last one, and all (up to 32). */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > 32)
		ncpu = 32;
	snprintf(cpu_last_mask, sizeof(cpu_last_mask), "%x", 1u << (ncpu - 1));
	snprintf(all_mask, sizeof(all_mask), "%x", ncpu == 32 ? 0xffffffffu : (1u << ncpu) - 1);

	step("initial state");
	check_all_devices();
	check_device("va", &st);
	check_device("vc", &st8);
	check_device("vd", &(dev_state){0});
	if (st.rx_queues < 1 || st.tx_queues < 1) {
		result(false, "va: %u rx-N and %u tx-N queue directories in sysfs", st.rx_queues,
		       st.tx_queues);
		TEST_DONE();
	}

	step("ethtool -L va rx 2 tx 2");
	set_channels("va", 2, 2, &st);

	step("ethtool -K va gro, tso");
	{
		int gro = st.gro_ethtool;
		if (ns_sh("ethtool -K va gro %s tso off", gro == 1 ? "off" : "on") >= 0) {
			check_device("va", &st);
			expect_feature("va", "rx-gro", gro != 1);
			expect_feature("va", "tx-tcp-segmentation", false);
		}
		if (ns_sh("ethtool -K va gro %s tso on", gro == 1 ? "on" : "off") >= 0) {
			check_device("va", &st);
			expect_feature("va", "rx-gro", gro == 1);
			expect_feature("va", "tx-tcp-segmentation", true);
		}
	}

	step("RPS: rps_cpus, rps_flow_cnt");
	{
		unsigned q = st.rx_queues ? st.rx_queues - 1 : 0;
		if (ns_sh("echo %s > /sys/class/net/va/queues/rx-%u/rps_cpus", cpu_last_mask, q) >=
			0 &&
		    ns_sh("echo %s > /sys/class/net/va/queues/rx-0/rps_cpus", all_mask) >= 0 &&
		    ns_sh("echo 100 > /sys/class/net/va/queues/rx-%u/rps_flow_cnt", q) >= 0) {
			char path[64];
			check_device("va", &st);
			snprintf(path, sizeof(path), "queues.rx.%u.rps_cpus", q);
			expect_queue("va", path, cpu_last_mask, 0);
			expect_queue("va", "queues.rx.0.rps_cpus", all_mask, 0);
			/* The kernel rounds the count up to a power of two. */
			snprintf(path, sizeof(path), "queues.rx.%u.rps_flow_cnt", q);
			expect_queue("va", path, NULL, 128);
		}
	}

	step("XPS: xps_cpus, xps_rxqs");
	{
		unsigned q = st.tx_queues ? st.tx_queues - 1 : 0;
		if (ns_sh("echo %s > /sys/class/net/va/queues/tx-%u/xps_cpus", all_mask, q) >= 0 &&
		    ns_sh("echo 1 > /sys/class/net/va/queues/tx-0/xps_rxqs") >= 0) {
			char path[64];
			check_device("va", &st);
			snprintf(path, sizeof(path), "queues.tx.%u.xps_cpus", q);
			expect_queue("va", path, all_mask, 0);
			expect_queue("va", "queues.tx.0.xps_rxqs", "1", 0);
		}
	}

	step("MTU 9000, link up");
	if (ns_sh("ip link set va mtu 9000 && ip link set vb mtu 9000 && ip link set va up && "
		  "ip link set vb up") >= 0) {
		check_device("va", &st);
		expect_queue("va", "mtu", NULL, 9000);
		_cleanup_jv_ jv *root = NULL;
		const jv *d = device_json("va", &root);
		const char *os = d ? jv_get_str(d, "operstate") : NULL;
		result(os && strcmp(os, "up") == 0, "%s: va operstate: hostkit %s, want \"up\"",
		       phase, os ? os : "(absent)");
	}

	step("ethtool -L va rx MAX tx MAX: the new queues start empty");
	set_channels("va", 0, 0, &st);
	if (st.rx_queues > 2) {
		char path[64];
		/* rx-1 stayed through 2 -> MAX and keeps its mask; the ones added have none. */
		expect_queue("va", "queues.rx.1.rps_cpus", cpu_last_mask, 0);
		snprintf(path, sizeof(path), "queues.rx.%u.rps_cpus", st.rx_queues - 1);
		expect_queue("va", path, "0", 0);
	}

	step("ethtool -L va rx 1 tx 1");
	set_channels("va", 1, 1, &st);

	step("8-queue pair: ethtool -L vc rx 3 tx 5, then MAX");
	set_channels("vc", 3, 5, &st8);
	set_channels("vc", 0, 0, &st8);

	step("library: the live ethtool seam on va");
	lib_checks("va");
	check_device("va", &st);

	step("errors");
	{
		char *argv[] = {(char *)hk_tool, "--json", "inspect", "net", "hk-nosuchdev", NULL};
		int s = ns_run(argv, NULL, NULL);
		result(s == 2, "hostkit inspect net hk-nosuchdev: exit status %d, want 2", s);
		char *text[] = {(char *)hk_tool, "inspect", "net", "va", NULL};
		_cleanup_free_ char *out = NULL;
		size_t len;
		if (ns_run_checked(text, &out, &len) >= 0)
			result(strstr(out, "va") != NULL,
			       "hostkit inspect net va (text): %zu bytes", len);
	}

	step("cleanup");
	netns_destroy();
	result(netns_gone(ns), "namespace %s removed", ns);
	TEST_DONE();
}
