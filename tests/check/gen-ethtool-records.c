/* SPDX-License-Identifier: MIT */
/*
 * Writes the recorded ethtool replies of the check suite's base tree (its
 * NIC ens1f0: 2 combined channels of 2, rings 4096 of 4096), and prints
 * the record lines of other values for the cases that change them:
 *
 *   cc -Iinclude tests/check/gen-ethtool-records.c -Lbuild/src -lhostkit \
 *      -o /tmp/gen && LD_LIBRARY_PATH=build/src /tmp/gen tests/check/base
 *   /tmp/gen DIR IFNAME COMBINED MAX_COMBINED RX RX_MAX TX TX_MAX
 *
 * The records go through the library's own recorder, so they are what
 * `hostkit capture` would write for such a device.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/ethtool.h>

struct device {
	struct ethtool_channels ch;
	struct ethtool_ringparam rings;
	struct ethtool_drvinfo info;
};

static int answer(void *ctx, const char *ifname, void *buf, size_t len)
{
	const struct device *d = ctx;
	uint32_t cmd;

	(void)ifname;
	memcpy(&cmd, buf, sizeof(cmd));
	if (cmd == ETHTOOL_GCHANNELS && len >= sizeof(d->ch)) {
		memcpy(buf, &d->ch, sizeof(d->ch));
		return 0;
	}
	if (cmd == ETHTOOL_GRINGPARAM && len >= sizeof(d->rings)) {
		memcpy(buf, &d->rings, sizeof(d->rings));
		return 0;
	}
	if (cmd == ETHTOOL_GDRVINFO && len >= sizeof(d->info)) {
		memcpy(buf, &d->info, sizeof(d->info));
		return 0;
	}
	return -EOPNOTSUPP;
}

static unsigned arg(int argc, char **argv, int i, unsigned def)
{
	return i < argc ? (unsigned)strtoul(argv[i], NULL, 10) : def;
}

int main(int argc, char **argv)
{
	static const hk_ethtool_ops ops = {.request = answer};
	struct device d = {
	    .ch = {.cmd = ETHTOOL_GCHANNELS,
		   .max_combined = arg(argc, argv, 4, 2),
		   .max_other = 1,
		   .combined_count = arg(argc, argv, 3, 2),
		   .other_count = 1},
	    .rings = {.cmd = ETHTOOL_GRINGPARAM,
		      .rx_pending = arg(argc, argv, 5, 4096),
		      .rx_max_pending = arg(argc, argv, 6, 4096),
		      .tx_pending = arg(argc, argv, 7, 4096),
		      .tx_max_pending = arg(argc, argv, 8, 4096)},
	    .info = {.cmd = ETHTOOL_GDRVINFO,
		     .driver = "ice",
		     .version = "6.1.0",
		     .fw_version = "4.20",
		     .bus_info = "0000:3b:00.0"},
	};
	const char *dir = argc > 1 ? argv[1] : ".";
	const char *ifname = argc > 2 ? argv[2] : "ens1f0";
	hk_ethtool *inner = NULL, *rec = NULL;
	hk_ethtool_channels ch;
	hk_ethtool_rings rings;
	hk_ethtool_drvinfo info;
	hk_diag diag;

	int r = hk_ethtool_new(&ops, &d, &inner);
	if (r >= 0)
		r = hk_ethtool_recorder_new(inner, &rec);
	if (r >= 0)
		r = hk_ethtool_get_drvinfo(rec, ifname, NULL, &info);
	if (r >= 0)
		r = hk_ethtool_get_channels(rec, ifname, NULL, &ch);
	if (r >= 0)
		r = hk_ethtool_get_rings(rec, ifname, NULL, &rings);
	if (r >= 0)
		r = hk_ethtool_save(rec, dir, &diag);
	hk_ethtool_free(rec);
	if (r < 0) {
		fprintf(stderr, "gen-ethtool-records: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
