/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pci *, hk_pci_free)

static int load_pci(cli_ctx *ctx, hk_pci **ret)
{
	hk_diag_clear(&ctx->diag);
	int r = hk_pci_load(ctx->root, &ctx->diag, ret);
	if (r < 0)
		cli_error(ctx, r, "cannot read the PCI devices");
	return r;
}

/*
 * The topology for the locality check, or NULL: a tree without CPUs (a
 * capture of sys/bus only) still lists its devices, checked against their
 * own files.
 */
static const hk_topology *pci_topology(cli_ctx *ctx)
{
	if (!ctx->topology && hk_topology_load(ctx->root, NULL, &ctx->topology) < 0)
		ctx->topology = NULL;
	return ctx->topology;
}

static int check_args(cli_ctx *ctx, const cli_args *args)
{
	(void)ctx;
	if (args && args->argc > 0) {
		fprintf(stderr, "hostkit: inspect pci takes no arguments\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- JSON ---- */

/* "0x8086", as sysfs writes it (class with 6 digits), or null. */
static void json_id(hk_json *j, const char *key, int64_t v, int digits)
{
	char buf[32];

	hk_json_key(j, key);
	if (v < 0) {
		hk_json_null(j);
		return;
	}
	snprintf(buf, sizeof(buf), "0x%0*" PRIx64, digits, (uint64_t)v);
	hk_json_string(j, buf);
}

static void json_link(hk_json *j, const hk_pci_dev *d)
{
	hk_json_key(j, "link");
	if (!hk_pci_dev_link_speed(d, HK_PCI_LINK_CURRENT) &&
	    !hk_pci_dev_link_speed(d, HK_PCI_LINK_MAX) &&
	    hk_pci_dev_link_width(d, HK_PCI_LINK_CURRENT) < 0 &&
	    hk_pci_dev_link_width(d, HK_PCI_LINK_MAX) < 0) {
		hk_json_null(j);
		return;
	}
	hk_json_object_begin(j);
	cli_json_string_or_null(j, "current_speed", hk_pci_dev_link_speed(d, HK_PCI_LINK_CURRENT));
	hk_json_kv_s64_or_null(j, "current_width", hk_pci_dev_link_width(d, HK_PCI_LINK_CURRENT));
	cli_json_string_or_null(j, "max_speed", hk_pci_dev_link_speed(d, HK_PCI_LINK_MAX));
	hk_json_kv_s64_or_null(j, "max_width", hk_pci_dev_link_width(d, HK_PCI_LINK_MAX));
	hk_json_kv_s64_or_null(j, "current_speed_mts",
			       hk_pci_dev_link_speed_mts(d, HK_PCI_LINK_CURRENT));
	hk_json_kv_s64_or_null(j, "max_speed_mts", hk_pci_dev_link_speed_mts(d, HK_PCI_LINK_MAX));
	hk_json_object_end(j);
}

static void json_device(hk_json *j, const hk_pci_dev *d, const hk_topology *t)
{
	char reason[512];
	unsigned n_irqs;
	const unsigned *irqs = hk_pci_dev_msi_irqs(d, &n_irqs);

	hk_json_object_begin(j);
	hk_json_kv_string(j, "address", hk_pci_dev_address(d));
	json_id(j, "vendor", hk_pci_dev_id(d, HK_PCI_VENDOR), 4);
	json_id(j, "device", hk_pci_dev_id(d, HK_PCI_DEVICE), 4);
	json_id(j, "subsystem_vendor", hk_pci_dev_id(d, HK_PCI_SUBSYSTEM_VENDOR), 4);
	json_id(j, "subsystem_device", hk_pci_dev_id(d, HK_PCI_SUBSYSTEM_DEVICE), 4);
	json_id(j, "class", hk_pci_dev_id(d, HK_PCI_CLASS), 6);
	json_id(j, "revision", hk_pci_dev_id(d, HK_PCI_REVISION), 2);
	cli_json_string_or_null(j, "driver", hk_pci_dev_driver(d));
	hk_json_kv_s64_or_null(j, "numa_node", hk_pci_dev_numa_node(d));
	if (hk_pci_dev_local_cpulist(d))
		cli_json_cpulist(j, "local_cpulist", hk_pci_dev_local_cpulist(d));
	else
		cli_json_string_or_null(j, "local_cpulist", NULL);
	cli_json_string_or_null(j, "local_cpus", hk_pci_dev_local_cpus_mask(d));
	hk_json_key(j, "msi_irqs");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < n_irqs; i++)
		hk_json_u64(j, irqs[i]);
	hk_json_array_end(j);
	json_link(j, d);
	hk_json_key(j, "sriov");
	if (hk_pci_dev_sriov_totalvfs(d) < 0 && hk_pci_dev_sriov_numvfs(d) < 0) {
		hk_json_null(j);
	} else {
		hk_json_object_begin(j);
		hk_json_kv_s64_or_null(j, "totalvfs", hk_pci_dev_sriov_totalvfs(d));
		hk_json_kv_s64_or_null(j, "numvfs", hk_pci_dev_sriov_numvfs(d));
		hk_json_object_end(j);
	}
	hk_pci_locality l = hk_pci_dev_check_locality(d, t, reason, sizeof(reason));
	hk_json_key(j, "locality");
	hk_json_object_begin(j);
	hk_json_kv_bool(j, "ok", l == HK_PCI_LOCALITY_OK || l == HK_PCI_LOCALITY_UNKNOWN);
	hk_json_kv_string(j, "status", hk_pci_locality_name(l));
	hk_json_kv_string(j, "reason", reason);
	hk_json_object_end(j);
	hk_json_object_end(j);
}

int pci_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(hk_pci_freep) hk_pci *p = NULL;

	int r = check_args(ctx, args);
	if (r < 0)
		return r;
	r = load_pci(ctx, &p);
	if (r < 0)
		return r;
	const hk_topology *t = pci_topology(ctx);
	hk_json_key(j, "devices");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_pci_n_devices(p); i++)
		json_device(j, hk_pci_device(p, i), t);
	hk_json_array_end(j);
	return 0;
}

/* ---- Text ---- */

/* "8.0 GT/s x8", "2.5 GT/s", "-". */
static void format_link(const hk_pci_dev *d, hk_pci_link which, char *buf, size_t size)
{
	int64_t mts = hk_pci_dev_link_speed_mts(d, which);
	int width = hk_pci_dev_link_width(d, which);
	size_t n = 0;

	buf[0] = '\0';
	if (mts >= 0)
		n = (size_t)snprintf(buf, size, "%" PRId64 ".%" PRId64 "GT/s", mts / 1000,
				     (mts % 1000) / 100);
	else if (hk_pci_dev_link_speed(d, which))
		n = (size_t)snprintf(buf, size, "?GT/s");
	if (width >= 0 && n < size)
		snprintf(buf + n, size - n, "%sx%d", n ? " " : "", width);
	if (!buf[0])
		snprintf(buf, size, "-");
}

int pci_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(hk_pci_freep) hk_pci *p = NULL;
	unsigned n_bad = 0;

	int r = check_args(ctx, args);
	if (r < 0)
		return r;
	r = load_pci(ctx, &p);
	if (r < 0)
		return r;
	const hk_topology *t = pci_topology(ctx);
	unsigned n = hk_pci_n_devices(p);

	hk_strbuf_printf(sb, "PCI devices (%u)\n", n);
	if (n == 0)
		return 0;
	cli_row_begin(sb);
	cli_cell(sb, 14, "address");
	cli_cell(sb, 11, "id");
	cli_cell(sb, 8, "class");
	cli_cell(sb, 14, "driver");
	cli_cell(sb, 6, "node");
	cli_cell(sb, 5, "msi");
	cli_cell(sb, 14, "link");
	cli_cell(sb, 14, "max link");
	cli_cell(sb, 10, "locality");
	hk_strbuf_puts(sb, "local CPUs");
	cli_end_row(sb);
	for (unsigned i = 0; i < n; i++) {
		const hk_pci_dev *d = hk_pci_device(p, i);
		int64_t vendor = hk_pci_dev_id(d, HK_PCI_VENDOR);
		int64_t device = hk_pci_dev_id(d, HK_PCI_DEVICE);
		int64_t class = hk_pci_dev_id(d, HK_PCI_CLASS);
		int node = hk_pci_dev_numa_node(d);
		const hk_cpuset *local = hk_pci_dev_local_cpulist(d);
		char cur[32], max[32];
		unsigned n_irqs;

		if (!local)
			local = hk_pci_dev_local_cpus(d);
		hk_pci_dev_msi_irqs(d, &n_irqs);
		format_link(d, HK_PCI_LINK_CURRENT, cur, sizeof(cur));
		format_link(d, HK_PCI_LINK_MAX, max, sizeof(max));
		hk_pci_locality l = hk_pci_dev_check_locality(d, t, NULL, 0);
		if (l == HK_PCI_LOCALITY_CONFLICT || l == HK_PCI_LOCALITY_NO_NODE)
			n_bad++;

		cli_row_begin(sb);
		cli_cell(sb, 14, "%s", hk_pci_dev_address(d));
		if (vendor >= 0 && device >= 0)
			cli_cell(sb, 11, "%04" PRIx64 ":%04" PRIx64, vendor, device);
		else
			cli_cell(sb, 11, "-");
		if (class >= 0)
			cli_cell(sb, 8, "%06" PRIx64, class);
		else
			cli_cell(sb, 8, "-");
		cli_cell(sb, 14, "%s", hk_pci_dev_driver(d) ? hk_pci_dev_driver(d) : "-");
		if (node >= 0)
			cli_cell(sb, 6, "%d", node);
		else
			cli_cell(sb, 6, "-");
		cli_cell(sb, 5, "%u", n_irqs);
		cli_cell(sb, 14, "%s", cur);
		cli_cell(sb, 14, "%s", max);
		cli_cell(sb, 10, "%s", hk_pci_locality_name(l));
		if (local)
			cli_put_cpulist(sb, local);
		else
			hk_strbuf_puts(sb, "-");
		cli_end_row(sb);
	}
	if (n_bad == 0)
		return 0;
	hk_strbuf_printf(sb, "\nLocality problems (%u)\n", n_bad);
	for (unsigned i = 0; i < n; i++) {
		const hk_pci_dev *d = hk_pci_device(p, i);
		char reason[512];
		hk_pci_locality l = hk_pci_dev_check_locality(d, t, reason, sizeof(reason));
		if (l != HK_PCI_LOCALITY_CONFLICT && l != HK_PCI_LOCALITY_NO_NODE)
			continue;
		cli_row_begin(sb);
		cli_cell(sb, 14, "%s", hk_pci_dev_address(d));
		hk_strbuf_puts(sb, reason);
		cli_end_row(sb);
	}
	return 0;
}
