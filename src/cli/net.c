/* SPDX-License-Identifier: MIT */
/*
 * `hostkit inspect net [DEVICE...]`: each network device with its queues,
 * the IRQ of each queue and the CPUs it may and does run on, RPS/XPS,
 * rings and channels against their maxima, and the RSS table. It combines
 * four subjects: netdev (sysfs), ethtool (the seam: live ioctls, or the
 * records of a capture), irq (the queue-IRQ mapping, /proc/irq/N of the
 * device's IRQs only) and pci (node and local CPUs of the device's
 * function). Only what the devices asked for need is read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "cli/cli.h"

/*
 * The ethtool items `inspect net` shows: every one the seam reads, what
 * `ethtool -i -l -g -c -k -x -a -n -u -S` and the link settings show. Each
 * is one or a few ioctls; a device that lacks one answers at once.
 */
#define NET_ETHTOOL_ITEMS ((1u << _HK_ETHTOOL_ITEM_MAX) - 1)

struct devview {
	const hk_netdev *dev;
	hk_ethtool_info *info; /* NULL when info_status < 0 */
	int info_status;
	hk_pci_dev *pci; /* NULL when pci_status < 0 or no PCI function */
	int pci_status;
	hk_irq_map *map;		     /* NULL without /proc/interrupts */
	hk_ethtool_coalesce *queue_coalesce; /* per queue; NULL when qco_status < 0 */
	unsigned n_queue_coalesce;
	int qco_status;
};

struct netview {
	hk_netdev_list *list;
	hk_ethtool *ethtool;
	int ethtool_status;
	hk_irq_table *irqs;
	int irqs_status;
	bool live;
	struct devview *devs;
	unsigned n;
};

static void netview_done(struct netview *v)
{
	for (unsigned i = 0; i < v->n; i++) {
		hk_ethtool_info_free(v->devs[i].info);
		free(v->devs[i].queue_coalesce);
		hk_pci_dev_free(v->devs[i].pci);
		hk_irq_map_free(v->devs[i].map);
	}
	free(v->devs);
	hk_irq_table_free(v->irqs);
	hk_ethtool_free(v->ethtool);
	hk_netdev_list_free(v->list);
}

static int load_device(cli_ctx *ctx, struct netview *v, struct devview *dv)
{
	const hk_netdev *d = dv->dev;
	const char *name = hk_netdev_name(d);
	int r;

	dv->info_status = v->ethtool_status;
	if (v->ethtool) {
		dv->info_status =
		    hk_ethtool_info_load(v->ethtool, name, NET_ETHTOOL_ITEMS, &dv->info);
		if (dv->info_status == -ENOMEM)
			return -ENOMEM;
	}

	/* Per-queue coalescing: one ETHTOOL_PERQUEUE request for every queue. */
	unsigned nq = MAX(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX),
			  hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX));
	dv->qco_status = v->ethtool ? -EOPNOTSUPP : v->ethtool_status;
	if (v->ethtool && nq > 0 && hk_ethtool_info_coalesce(dv->info)) {
		dv->queue_coalesce = calloc(nq, sizeof(*dv->queue_coalesce));
		if (!dv->queue_coalesce)
			return -ENOMEM;
		dv->qco_status = hk_ethtool_get_queue_coalesce(v->ethtool, name, 0, nq, NULL,
							       dv->queue_coalesce);
		/*
		 * One queue the driver refuses fails the whole request: a driver
		 * with fewer tx than rx queues (or the reverse) answers for the
		 * smaller count.
		 */
		unsigned fewer = MIN(hk_netdev_n_queues(d, HK_NETDEV_QUEUE_RX),
				     hk_netdev_n_queues(d, HK_NETDEV_QUEUE_TX));
		if (dv->qco_status == -EINVAL && fewer > 0 && fewer < nq) {
			nq = fewer;
			dv->qco_status = hk_ethtool_get_queue_coalesce(v->ethtool, name, 0, nq,
								       NULL, dv->queue_coalesce);
		}
		if (dv->qco_status == -ENOMEM)
			return -ENOMEM;
		if (dv->qco_status < 0) {
			free(dv->queue_coalesce);
			dv->queue_coalesce = NULL;
		} else
			dv->n_queue_coalesce = nq;
	}

	dv->pci_status = -ENOENT;
	if (hk_netdev_pci_address(d)) {
		hk_diag diag;
		dv->pci_status =
		    hk_pci_dev_load(ctx->root, hk_netdev_pci_address(d), &diag, &dv->pci);
		if (dv->pci_status == -ENOMEM)
			return -ENOMEM;
	}

	if (v->irqs) {
		const unsigned *msi;
		unsigned n_msi = hk_netdev_msi_irqs(d, &msi);
		const char *driver = hk_netdev_driver(d);
		const hk_ethtool_drvinfo *di = dv->info ? hk_ethtool_info_drvinfo(dv->info) : NULL;
		if (di && di->driver[0])
			driver = di->driver;
		r = hk_irq_map_device(v->irqs, name, driver, hk_netdev_pci_address(d),
				      hk_netdev_virtio_name(d), msi, n_msi, &dv->map);
		if (r < 0)
			return r;
		/* Only this device's /proc/irq/N, not every IRQ's. */
		for (size_t i = 0; i < hk_irq_map_count(dv->map); i++) {
			unsigned irq = hk_irq_map_number(dv->map, i);
			if (!hk_irq_map_irq(dv->map, i))
				continue;
			hk_diag diag;
			r = hk_irq_table_load_irq(v->irqs, ctx->root, irq, &diag);
			if (r == -ENOMEM)
				return r;
		}
	}
	return 0;
}

/*
 * The files that were present but did not parse, whose values are shown as
 * malformed: the devices' first, then the IRQs' (/proc/irq/N of theirs).
 */
static size_t n_problems(const struct netview *v)
{
	size_t n = v->list ? hk_netdev_list_n_problems(v->list) : 0;
	return n + (v->irqs ? hk_irq_table_n_problems(v->irqs) : 0);
}

static const char *problem(const struct netview *v, size_t i)
{
	size_t nl = v->list ? hk_netdev_list_n_problems(v->list) : 0;
	if (i < nl)
		return hk_netdev_list_problem(v->list, (unsigned)i);
	return v->irqs ? hk_irq_table_problem(v->irqs, i - nl) : NULL;
}

/* One warning per problem: the data is shown, with those values malformed. */
static void warn_problems(const struct netview *v)
{
	for (size_t i = 0; i < n_problems(v); i++)
		fprintf(stderr, "hostkit: warning: %s\n", problem(v, i));
}

/* Loads the devices of @args and what the other subjects say of them. */
static int netview_load(cli_ctx *ctx, const cli_args *args, struct netview *v)
{
	unsigned n_names = args ? (unsigned)args->argc : 0;
	const char *const *names = n_names ? (const char *const *)args->argv : NULL;
	int r;

	*v = (struct netview){.ethtool_status = -ENODEV, .irqs_status = -ENOENT};
	v->live = hk_root_is_live(ctx->root);
	hk_diag_clear(&ctx->diag);
	r = hk_netdev_list_load(ctx->root, names, n_names, &ctx->diag, &v->list);
	if (r == -ENODEV) {
		fprintf(stderr, "hostkit: inspect net: %s\n",
			ctx->diag.message[0] ? ctx->diag.message : "no such network device");
		return -EINVAL;
	}
	if (r < 0) {
		cli_error(ctx, r, "cannot read the network devices");
		return r;
	}
	if (hk_netdev_list_count(v->list) == 0) {
		warn_problems(v);
		return 0;
	}

	hk_diag diag;
	hk_diag_clear(&diag);
	v->ethtool_status = hk_ethtool_open(ctx->root, &diag, &v->ethtool);
	if (v->ethtool_status == -ENOMEM)
		return -ENOMEM;
	if (v->ethtool_status < 0 && !v->live && diag.message[0])
		fprintf(stderr, "hostkit: warning: ethtool records: %s\n", diag.message);

	v->irqs_status = hk_irq_table_load(ctx->root, HK_IRQ_LOAD_LAZY | HK_IRQ_LOAD_NO_IRQBALANCE,
					   &diag, &v->irqs);
	if (v->irqs_status == -ENOMEM)
		return -ENOMEM;
	if (v->irqs_status < 0 && v->irqs_status != -ENOENT)
		fprintf(stderr, "hostkit: warning: %s\n",
			diag.message[0] ? diag.message : "cannot read /proc/interrupts");

	unsigned n = hk_netdev_list_count(v->list);
	v->devs = calloc(n, sizeof(*v->devs));
	if (!v->devs)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		v->devs[i].dev = hk_netdev_list_get(v->list, i);
		v->n = i + 1;
		r = load_device(ctx, v, &v->devs[i]);
		if (r < 0) {
			cli_error(ctx, r, "cannot read the network devices");
			return r;
		}
	}
	warn_problems(v);
	return 0;
}

/* ---- Shared wording ---- */

/*
 * A read status for people and machines: "absent" for ENOENT, "empty",
 * "malformed" for a file that does not parse, else the errno's name.
 */
static const char *status_name(int r)
{
	if (r == -ENOENT)
		return "absent";
	if (r == -ENODATA)
		return "empty";
	if (r == -EBADMSG)
		return "malformed";
	const char *n = strerrorname_np(-r);
	return n ? n : "error";
}

/* An ethtool item's status: "ok", "unsupported", "not recorded", or the errno's name. */
static const char *ethtool_status_name(const struct netview *v, int r)
{
	if (r == 0)
		return "ok";
	if (r == -EOPNOTSUPP)
		return "unsupported";
	if (r == -ENODEV && !v->live)
		return "not recorded";
	if (r == -ENOENT)
		return "not read";
	return status_name(r);
}

static int item_status(const struct devview *dv, hk_ethtool_item item)
{
	return dv->info ? hk_ethtool_info_status(dv->info, item) : dv->info_status;
}

static const char *device_driver(const struct devview *dv)
{
	const hk_ethtool_drvinfo *di = dv->info ? hk_ethtool_info_drvinfo(dv->info) : NULL;
	if (di && di->driver[0])
		return di->driver;
	return hk_netdev_driver(dv->dev);
}

/* The device's NUMA node: the PCI model's, else sysfs numa_node; -1 when none. */
static int device_node(const struct devview *dv)
{
	int64_t v;
	if (dv->pci)
		return hk_pci_dev_numa_node(dv->pci) >= 0 ? hk_pci_dev_numa_node(dv->pci) : -1;
	if (hk_netdev_get(dv->dev, HK_NETDEV_NUMA_NODE, &v) == 0 && v >= 0 && v < INT32_MAX)
		return (int)v;
	return -1;
}

/*
 * The function's local CPUs: the PCI model's, else netdev's own read of the
 * files (a capture may hold a function that sys/bus/pci/devices does not
 * list, which hk_pci_dev_load() cannot find); NULL when neither has them.
 */
static const hk_cpuset *device_local_cpus(const struct devview *dv)
{
	const hk_cpuset *s = NULL;
	if (dv->pci) {
		s = hk_pci_dev_local_cpulist(dv->pci);
		if (!s)
			s = hk_pci_dev_local_cpus(dv->pci);
	}
	if (!s && hk_netdev_local_cpus(dv->dev, &s) < 0)
		s = NULL;
	return s;
}

static const char *kind_name(hk_irq_kind k)
{
	const char *n = hk_irq_kind_name(k);
	return n ? n : "unknown";
}

/*
 * The queue an IRQ serves, -1 for none. A notification block (gve, mlx4)
 * is numbered by the driver, not by queue: it is shown as a block.
 */
static int irq_queue(const hk_irq_map *map, size_t i)
{
	if (hk_irq_map_kind(map, i) == HK_IRQ_KIND_BLOCK)
		return -1;
	return hk_irq_map_queue(map, i);
}

static int irq_block(const hk_irq_map *map, size_t i)
{
	if (hk_irq_map_kind(map, i) != HK_IRQ_KIND_BLOCK)
		return -1;
	return hk_irq_map_queue(map, i);
}

/* ---- JSON ---- */

static void json_set_or_null(hk_json *j, const char *key, int r, const hk_cpuset *s)
{
	if (r < 0 || !s) {
		hk_json_key(j, key);
		hk_json_null(j);
		return;
	}
	cli_json_cpulist(j, key, s);
}

/* "unreadable": {"file": "absent"|"EINVAL"...}, only when some value was not read. */
static void json_unreadable_begin(hk_json *j, bool *open)
{
	if (!*open) {
		hk_json_key(j, "unreadable");
		hk_json_object_begin(j);
		*open = true;
	}
}

static void json_netdev_attrs(hk_json *j, const hk_netdev *d)
{
	static const struct {
		const char *key;
		hk_netdev_attr a;
	} attrs[] = {
	    {"ifindex", HK_NETDEV_IFINDEX},
	    {"mtu", HK_NETDEV_MTU},
	    {"speed", HK_NETDEV_SPEED},
	    {"tx_queue_len", HK_NETDEV_TX_QUEUE_LEN},
	    {"threaded", HK_NETDEV_THREADED},
	    {"napi_defer_hard_irqs", HK_NETDEV_NAPI_DEFER_HARD_IRQS},
	    {"gro_flush_timeout", HK_NETDEV_GRO_FLUSH_TIMEOUT},
	};
	const char *state = NULL;
	int64_t v;

	int rs = hk_netdev_operstate(d, &state);
	hk_json_key(j, "operstate");
	if (rs == 0)
		hk_json_string(j, state);
	else
		hk_json_null(j);
	for (unsigned i = 0; i < ELEMENTSOF(attrs); i++) {
		hk_json_key(j, attrs[i].key);
		if (hk_netdev_get(d, attrs[i].a, &v) == 0)
			hk_json_s64(j, v);
		else
			hk_json_null(j);
	}
	bool open = false;
	if (rs < 0) {
		json_unreadable_begin(j, &open);
		hk_json_kv_string(j, "operstate", status_name(rs));
	}
	for (unsigned i = 0; i < ELEMENTSOF(attrs); i++) {
		int r = hk_netdev_get(d, attrs[i].a, &v);
		if (r < 0) {
			json_unreadable_begin(j, &open);
			hk_json_kv_string(j, attrs[i].key, status_name(r));
		}
	}
	if (open)
		hk_json_object_end(j);
}

static void json_queue(hk_json *j, const hk_netdev_queue *q)
{
	static const struct {
		const char *key;
		hk_netdev_queue_attr a;
	} bql[] = {
	    {"limit", HK_NETQ_BQL_LIMIT},	  {"limit_min", HK_NETQ_BQL_LIMIT_MIN},
	    {"limit_max", HK_NETQ_BQL_LIMIT_MAX}, {"hold_time", HK_NETQ_BQL_HOLD_TIME},
	    {"inflight", HK_NETQ_BQL_INFLIGHT},	  {"stall_thrs", HK_NETQ_BQL_STALL_THRS},
	    {"stall_cnt", HK_NETQ_BQL_STALL_CNT}, {"stall_max", HK_NETQ_BQL_STALL_MAX},
	};
	bool rx = hk_netdev_queue_get_kind(q) == HK_NETDEV_QUEUE_RX;
	const hk_cpuset *m = NULL;
	int64_t v;
	int r;
	bool open = false;

	hk_json_object_begin(j);
	hk_json_kv_u64(j, "queue", hk_netdev_queue_number(q));
	if (rx) {
		r = hk_netdev_queue_get_mask(q, HK_NETQ_RPS_CPUS, &m);
		json_set_or_null(j, "rps_cpus", r, m);
		hk_json_kv_s64_or_null(j, "rps_flow_cnt",
				       hk_netdev_queue_get(q, HK_NETQ_RPS_FLOW_CNT, &v) == 0 ? v
											     : -1);
	} else {
		r = hk_netdev_queue_get_mask(q, HK_NETQ_XPS_CPUS, &m);
		json_set_or_null(j, "xps_cpus", r, m);
		r = hk_netdev_queue_get_mask(q, HK_NETQ_XPS_RXQS, &m);
		json_set_or_null(j, "xps_rxqs", r, m);
		hk_json_kv_s64_or_null(
		    j, "tx_maxrate", hk_netdev_queue_get(q, HK_NETQ_TX_MAXRATE, &v) == 0 ? v : -1);
		hk_json_kv_s64_or_null(j, "traffic_class",
				       hk_netdev_queue_get(q, HK_NETQ_TRAFFIC_CLASS, &v) == 0 ? v
											      : -1);
		hk_json_kv_s64_or_null(
		    j, "tx_timeout", hk_netdev_queue_get(q, HK_NETQ_TX_TIMEOUT, &v) == 0 ? v : -1);
		hk_json_key(j, "bql");
		hk_json_object_begin(j);
		for (unsigned i = 0; i < ELEMENTSOF(bql); i++)
			hk_json_kv_s64_or_null(j, bql[i].key,
					       hk_netdev_queue_get(q, bql[i].a, &v) == 0 ? v : -1);
		hk_json_object_end(j);
	}
	for (unsigned m_ = 0; m_ < _HK_NETQ_MASK_MAX; m_++) {
		if ((m_ == HK_NETQ_RPS_CPUS) != rx)
			continue;
		r = hk_netdev_queue_get_mask(q, m_, &m);
		if (r < 0) {
			json_unreadable_begin(j, &open);
			hk_json_kv_string(j, hk_netdev_queue_mask_name(m_), status_name(r));
		}
	}
	for (unsigned a = 0; a < _HK_NETQ_ATTR_MAX; a++) {
		if ((a == HK_NETQ_RPS_FLOW_CNT) != rx)
			continue;
		r = hk_netdev_queue_get(q, a, &v);
		if (r < 0) {
			json_unreadable_begin(j, &open);
			hk_json_kv_string(j, hk_netdev_queue_attr_name(a), status_name(r));
		}
	}
	if (open)
		hk_json_object_end(j);
	hk_json_object_end(j);
}

static void json_coalesce(hk_json *j, const hk_ethtool_coalesce *co)
{
	hk_json_object_begin(j);
	hk_json_kv_bool(j, "adaptive_rx", co->use_adaptive_rx_coalesce);
	hk_json_kv_bool(j, "adaptive_tx", co->use_adaptive_tx_coalesce);
	hk_json_kv_u64(j, "rx_usecs", co->rx_coalesce_usecs);
	hk_json_kv_u64(j, "rx_frames", co->rx_max_coalesced_frames);
	hk_json_kv_u64(j, "rx_usecs_irq", co->rx_coalesce_usecs_irq);
	hk_json_kv_u64(j, "rx_frames_irq", co->rx_max_coalesced_frames_irq);
	hk_json_kv_u64(j, "tx_usecs", co->tx_coalesce_usecs);
	hk_json_kv_u64(j, "tx_frames", co->tx_max_coalesced_frames);
	hk_json_kv_u64(j, "tx_usecs_irq", co->tx_coalesce_usecs_irq);
	hk_json_kv_u64(j, "tx_frames_irq", co->tx_max_coalesced_frames_irq);
	hk_json_kv_u64(j, "stats_block_usecs", co->stats_block_coalesce_usecs);
	hk_json_kv_u64(j, "pkt_rate_low", co->pkt_rate_low);
	hk_json_kv_u64(j, "rx_usecs_low", co->rx_coalesce_usecs_low);
	hk_json_kv_u64(j, "rx_frames_low", co->rx_max_coalesced_frames_low);
	hk_json_kv_u64(j, "tx_usecs_low", co->tx_coalesce_usecs_low);
	hk_json_kv_u64(j, "tx_frames_low", co->tx_max_coalesced_frames_low);
	hk_json_kv_u64(j, "pkt_rate_high", co->pkt_rate_high);
	hk_json_kv_u64(j, "rx_usecs_high", co->rx_coalesce_usecs_high);
	hk_json_kv_u64(j, "rx_frames_high", co->rx_max_coalesced_frames_high);
	hk_json_kv_u64(j, "tx_usecs_high", co->tx_coalesce_usecs_high);
	hk_json_kv_u64(j, "tx_frames_high", co->tx_max_coalesced_frames_high);
	hk_json_kv_u64(j, "sample_interval", co->rate_sample_interval);
	hk_json_object_end(j);
}

/* "queue_coalesce": the per-queue settings (ETHTOOL_PERQUEUE), and their status. */
static void json_queue_coalesce(hk_json *j, const struct devview *dv)
{
	hk_json_key(j, "queue_coalesce");
	if (!dv->queue_coalesce) {
		hk_json_null(j);
		return;
	}
	hk_json_array_begin(j);
	for (unsigned q = 0; q < dv->n_queue_coalesce; q++)
		json_coalesce(j, &dv->queue_coalesce[q]);
	hk_json_array_end(j);
}

static void json_link(hk_json *j, const hk_ethtool_link *l)
{
	static const char *const ports[] = {
	    [PORT_TP] = "tp",	  [PORT_AUI] = "aui",	  [PORT_BNC] = "bnc",
	    [PORT_MII] = "mii",	  [PORT_FIBRE] = "fibre", [PORT_DA] = "da",
	    [PORT_NONE] = "none", [PORT_OTHER] = "other",
	};

	hk_json_key(j, "link");
	if (!l) {
		hk_json_null(j);
		return;
	}
	hk_json_object_begin(j);
	hk_json_kv_s64_or_null(j, "speed_mbps",
			       l->speed == UINT32_MAX || l->speed == 0 ? -1 : (int64_t)l->speed);
	hk_json_key(j, "duplex");
	if (l->duplex == DUPLEX_FULL)
		hk_json_string(j, "full");
	else if (l->duplex == DUPLEX_HALF)
		hk_json_string(j, "half");
	else
		hk_json_null(j);
	hk_json_kv_bool(j, "autoneg", l->autoneg == AUTONEG_ENABLE);
	hk_json_key(j, "port");
	if (ports[l->port]) /* indexed by a u8: PORT_OTHER is 0xff */
		hk_json_string(j, ports[l->port]);
	else
		hk_json_u64(j, l->port);
	/* The link mode bitmaps (ETHTOOL_LINK_MODE_* bit n in word n / 32), as hex. */
	const uint32_t *const modes[] = {l->supported, l->advertising, l->lp_advertising};
	static const char *const mode_keys[] = {"supported_modes", "advertised_modes",
						"partner_modes"};
	for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
		char hex[HK_ETHTOOL_LINK_MODE_WORDS * 9 + 1];
		size_t n = 0;
		for (int w = HK_ETHTOOL_LINK_MODE_WORDS - 1; w >= 0; w--)
			n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%s%08" PRIx32,
					      n ? "," : "", modes[m][w]);
		hk_json_kv_string(j, mode_keys[m], hex);
	}
	hk_json_object_end(j);
}

/* The RSS hash input of each flow type: {"tcp4": ["ip_src", "ip_dst", ...], ...}. */
static void json_rxfh_fields(hk_json *j, const struct devview *dv)
{
	static const uint32_t types[] = {TCP_V4_FLOW, UDP_V4_FLOW, SCTP_V4_FLOW, AH_ESP_V4_FLOW,
					 TCP_V6_FLOW, UDP_V6_FLOW, SCTP_V6_FLOW, AH_ESP_V6_FLOW,
					 IPV4_FLOW,   IPV6_FLOW};
	static const struct {
		uint64_t bit;
		const char *name;
	} fields[] = {
	    {RXH_L2DA, "l2_dst"},	   {RXH_VLAN, "vlan"},	     {RXH_L3_PROTO, "l3_proto"},
	    {RXH_IP_SRC, "ip_src"},	   {RXH_IP_DST, "ip_dst"},   {RXH_L4_B_0_1, "l4_src_port"},
	    {RXH_L4_B_2_3, "l4_dst_port"}, {RXH_DISCARD, "discard"},
	};

	hk_json_key(j, "flow_hash");
	if (!dv->info || hk_ethtool_info_status(dv->info, HK_ETHTOOL_RXFH_FIELDS) < 0) {
		hk_json_null(j);
		return;
	}
	hk_json_object_begin(j);
	for (size_t t = 0; t < ELEMENTSOF(types); t++) {
		uint64_t bits;
		if (hk_ethtool_info_rxfh_fields(dv->info, types[t], &bits) < 0)
			continue;
		hk_json_key(j, hk_ethtool_flow_type_name(types[t]));
		hk_json_array_begin(j);
		for (size_t f = 0; f < ELEMENTSOF(fields); f++)
			if (bits & fields[f].bit)
				hk_json_string(j, fields[f].name);
		hk_json_array_end(j);
	}
	hk_json_object_end(j);
}

static void json_ip4(hk_json *j, const char *key, uint32_t be)
{
	char buf[INET_ADDRSTRLEN];
	hk_json_kv_string(j, key, inet_ntop(AF_INET, &be, buf, sizeof(buf)) ? buf : "");
}

static void json_ip6(hk_json *j, const char *key, const uint32_t be[4])
{
	char buf[INET6_ADDRSTRLEN];
	hk_json_kv_string(j, key, inet_ntop(AF_INET6, be, buf, sizeof(buf)) ? buf : "");
}

static void json_mac(hk_json *j, const char *key, const unsigned char *m)
{
	char buf[18];
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	hk_json_kv_string(j, key, buf);
}

/* One ntuple rule: where it sits, what it matches (value and mask) and where it sends. */
static void json_rule(hk_json *j, const struct ethtool_rx_flow_spec *fs)
{
	uint32_t type = fs->flow_type & ~(uint32_t)(FLOW_EXT | FLOW_MAC_EXT | FLOW_RSS);
	const char *tn = hk_ethtool_flow_type_name(type);

	hk_json_object_begin(j);
	hk_json_kv_u64(j, "location", fs->location);
	hk_json_key(j, "flow_type");
	if (tn)
		hk_json_string(j, tn);
	else
		hk_json_u64(j, type);
	hk_json_key(j, "action");
	if (fs->ring_cookie == RX_CLS_FLOW_DISC)
		hk_json_string(j, "drop");
	else if (fs->ring_cookie == RX_CLS_FLOW_WAKE)
		hk_json_string(j, "wake");
	else
		hk_json_string(j, "queue");
	if (fs->ring_cookie != RX_CLS_FLOW_DISC && fs->ring_cookie != RX_CLS_FLOW_WAKE) {
		hk_json_kv_u64(j, "queue", ethtool_get_flow_spec_ring(fs->ring_cookie));
		hk_json_kv_u64(j, "vf", ethtool_get_flow_spec_ring_vf(fs->ring_cookie));
	}
	switch (type) {
	case TCP_V4_FLOW:
	case UDP_V4_FLOW:
	case SCTP_V4_FLOW:
		json_ip4(j, "src_ip", fs->h_u.tcp_ip4_spec.ip4src);
		json_ip4(j, "src_ip_mask", fs->m_u.tcp_ip4_spec.ip4src);
		json_ip4(j, "dst_ip", fs->h_u.tcp_ip4_spec.ip4dst);
		json_ip4(j, "dst_ip_mask", fs->m_u.tcp_ip4_spec.ip4dst);
		hk_json_kv_u64(j, "src_port", ntohs(fs->h_u.tcp_ip4_spec.psrc));
		hk_json_kv_u64(j, "src_port_mask", ntohs(fs->m_u.tcp_ip4_spec.psrc));
		hk_json_kv_u64(j, "dst_port", ntohs(fs->h_u.tcp_ip4_spec.pdst));
		hk_json_kv_u64(j, "dst_port_mask", ntohs(fs->m_u.tcp_ip4_spec.pdst));
		break;
	case TCP_V6_FLOW:
	case UDP_V6_FLOW:
	case SCTP_V6_FLOW:
		json_ip6(j, "src_ip", fs->h_u.tcp_ip6_spec.ip6src);
		json_ip6(j, "src_ip_mask", fs->m_u.tcp_ip6_spec.ip6src);
		json_ip6(j, "dst_ip", fs->h_u.tcp_ip6_spec.ip6dst);
		json_ip6(j, "dst_ip_mask", fs->m_u.tcp_ip6_spec.ip6dst);
		hk_json_kv_u64(j, "src_port", ntohs(fs->h_u.tcp_ip6_spec.psrc));
		hk_json_kv_u64(j, "src_port_mask", ntohs(fs->m_u.tcp_ip6_spec.psrc));
		hk_json_kv_u64(j, "dst_port", ntohs(fs->h_u.tcp_ip6_spec.pdst));
		hk_json_kv_u64(j, "dst_port_mask", ntohs(fs->m_u.tcp_ip6_spec.pdst));
		break;
	case IPV4_USER_FLOW:
		json_ip4(j, "src_ip", fs->h_u.usr_ip4_spec.ip4src);
		json_ip4(j, "src_ip_mask", fs->m_u.usr_ip4_spec.ip4src);
		json_ip4(j, "dst_ip", fs->h_u.usr_ip4_spec.ip4dst);
		json_ip4(j, "dst_ip_mask", fs->m_u.usr_ip4_spec.ip4dst);
		hk_json_kv_u64(j, "proto", fs->h_u.usr_ip4_spec.proto);
		break;
	case ETHER_FLOW:
		json_mac(j, "src_mac", fs->h_u.ether_spec.h_source);
		json_mac(j, "src_mac_mask", fs->m_u.ether_spec.h_source);
		json_mac(j, "dst_mac", fs->h_u.ether_spec.h_dest);
		json_mac(j, "dst_mac_mask", fs->m_u.ether_spec.h_dest);
		hk_json_kv_u64(j, "ethertype", ntohs(fs->h_u.ether_spec.h_proto));
		hk_json_kv_u64(j, "ethertype_mask", ntohs(fs->m_u.ether_spec.h_proto));
		break;
	default:
		break;
	}
	hk_json_object_end(j);
}

/* "ntuple": the rule table's size and every rule (`ethtool -u`). */
static void json_rules(hk_json *j, const hk_ethtool_rules *r)
{
	hk_json_key(j, "ntuple");
	if (!r) {
		hk_json_null(j);
		return;
	}
	hk_json_object_begin(j);
	hk_json_kv_u64(j, "table_size", hk_ethtool_rules_table_size(r));
	hk_json_kv_bool(j, "driver_picks_location", hk_ethtool_rules_special_locations(r));
	hk_json_kv_u64(j, "count", hk_ethtool_rules_count(r));
	hk_json_key(j, "rules");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < hk_ethtool_rules_count(r); i++)
		json_rule(j, hk_ethtool_rules_get(r, i));
	hk_json_array_end(j);
	hk_json_object_end(j);
}

static void json_ethtool(hk_json *j, const struct netview *v, const struct devview *dv)
{
	const hk_ethtool_info *info = dv->info;

	hk_json_key(j, "ethtool");
	hk_json_object_begin(j);
	for (unsigned i = 0; i < _HK_ETHTOOL_ITEM_MAX; i++) {
		if (!(NET_ETHTOOL_ITEMS & (1u << i)))
			continue;
		hk_json_kv_string(j, hk_ethtool_item_name(i),
				  ethtool_status_name(v, item_status(dv, i)));
	}
	hk_json_kv_string(j, "queue_coalesce", ethtool_status_name(v, dv->qco_status));
	hk_json_object_end(j);

	const hk_ethtool_drvinfo *di = info ? hk_ethtool_info_drvinfo(info) : NULL;
	hk_json_key(j, "drvinfo");
	if (di) {
		hk_json_object_begin(j);
		hk_json_kv_string(j, "driver", di->driver);
		hk_json_kv_string(j, "version", di->version);
		hk_json_kv_string(j, "fw_version", di->fw_version);
		hk_json_kv_string(j, "bus_info", di->bus_info);
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}

	const hk_ethtool_channels *ch = info ? hk_ethtool_info_channels(info) : NULL;
	hk_json_key(j, "channels");
	if (ch) {
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "rx", ch->rx);
		hk_json_kv_u64(j, "tx", ch->tx);
		hk_json_kv_u64(j, "other", ch->other);
		hk_json_kv_u64(j, "combined", ch->combined);
		hk_json_kv_u64(j, "max_rx", ch->max_rx);
		hk_json_kv_u64(j, "max_tx", ch->max_tx);
		hk_json_kv_u64(j, "max_other", ch->max_other);
		hk_json_kv_u64(j, "max_combined", ch->max_combined);
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}

	const hk_ethtool_rings *rg = info ? hk_ethtool_info_rings(info) : NULL;
	hk_json_key(j, "rings");
	if (rg) {
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "rx", rg->rx);
		hk_json_kv_u64(j, "rx_mini", rg->rx_mini);
		hk_json_kv_u64(j, "rx_jumbo", rg->rx_jumbo);
		hk_json_kv_u64(j, "tx", rg->tx);
		hk_json_kv_u64(j, "max_rx", rg->rx_max);
		hk_json_kv_u64(j, "max_rx_mini", rg->rx_mini_max);
		hk_json_kv_u64(j, "max_rx_jumbo", rg->rx_jumbo_max);
		hk_json_kv_u64(j, "max_tx", rg->tx_max);
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}

	const hk_ethtool_coalesce *co = info ? hk_ethtool_info_coalesce(info) : NULL;
	hk_json_key(j, "coalesce");
	if (co)
		json_coalesce(j, co);
	else
		hk_json_null(j);
	json_queue_coalesce(j, dv);

	json_link(j, info ? hk_ethtool_info_link(info) : NULL);

	const hk_ethtool_pause *pa = info ? hk_ethtool_info_pause(info) : NULL;
	hk_json_key(j, "pause");
	if (pa) {
		hk_json_object_begin(j);
		hk_json_kv_bool(j, "autoneg", pa->autoneg);
		hk_json_kv_bool(j, "rx", pa->rx_pause);
		hk_json_kv_bool(j, "tx", pa->tx_pause);
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}

	const hk_ethtool_features *f = info ? hk_ethtool_info_features(info) : NULL;
	hk_json_key(j, "features");
	if (f) {
		hk_json_object_begin(j);
		for (unsigned i = 0; i < hk_ethtool_features_count(f); i++) {
			const char *name = hk_ethtool_features_name(f, i);
			if (!name || !name[0])
				continue;
			hk_json_key(j, name);
			hk_json_object_begin(j);
			hk_json_kv_bool(j, "active",
					hk_ethtool_features_get(f, i, HK_FEATURE_ACTIVE));
			hk_json_kv_bool(j, "fixed",
					hk_ethtool_features_get(f, i, HK_FEATURE_NEVER_CHANGED) ||
					    !hk_ethtool_features_get(f, i, HK_FEATURE_AVAILABLE));
			hk_json_object_end(j);
		}
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}

	const hk_ethtool_rss *rss = info ? hk_ethtool_info_rss(info) : NULL;
	hk_json_key(j, "rss");
	if (rss) {
		size_t klen = 0;
		const uint8_t *key = hk_ethtool_rss_key(rss, &klen);
		const uint32_t *indir = hk_ethtool_rss_indir(rss);
		hk_json_object_begin(j);
		hk_json_key(j, "indirection");
		hk_json_array_begin(j);
		for (unsigned i = 0; indir && i < hk_ethtool_rss_indir_size(rss); i++)
			hk_json_u64(j, indir[i]);
		hk_json_array_end(j);
		char hex[2 * 256 + 1];
		size_t hl = 0;
		for (size_t i = 0; key && i < klen && hl + 2 < sizeof(hex); i++)
			hl += (size_t)snprintf(hex + hl, sizeof(hex) - hl, "%02x", key[i]);
		hex[hl] = 0;
		hk_json_kv_string(j, "key", hex);
		const char *hf = hk_ethtool_rss_hfunc_name(rss);
		hk_json_key(j, "hfunc");
		if (hf)
			hk_json_string(j, hf);
		else
			hk_json_null(j);
		hk_json_kv_s64_or_null(j, "rx_rings", hk_ethtool_rss_rx_rings(rss));
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}

	json_rxfh_fields(j, dv);
	json_rules(j, info ? hk_ethtool_info_rules(info) : NULL);

	const hk_ethtool_stats *st = info ? hk_ethtool_info_stats(info) : NULL;
	hk_json_key(j, "stats");
	if (st) {
		hk_json_object_begin(j);
		for (unsigned i = 0; i < hk_ethtool_stats_count(st); i++) {
			hk_json_key(j, hk_ethtool_stats_name(st, i));
			hk_json_u64(j, hk_ethtool_stats_value(st, i));
		}
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}
}

static void json_irqs(hk_json *j, const struct devview *dv)
{
	hk_json_key(j, "irqs");
	if (!dv->map) {
		/* No /proc/interrupts: the msi_irqs, with nothing known of them. */
		const unsigned *msi;
		unsigned n = hk_netdev_msi_irqs(dv->dev, &msi);
		hk_json_array_begin(j);
		for (unsigned i = 0; i < n; i++) {
			hk_json_object_begin(j);
			hk_json_kv_u64(j, "irq", msi[i]);
			hk_json_key(j, "name");
			hk_json_null(j);
			hk_json_key(j, "queue");
			hk_json_null(j);
			hk_json_kv_string(j, "kind", "unknown");
			hk_json_key(j, "affinity");
			hk_json_null(j);
			hk_json_key(j, "effective_affinity");
			hk_json_null(j);
			hk_json_object_end(j);
		}
		hk_json_array_end(j);
		return;
	}
	hk_json_array_begin(j);
	for (size_t i = 0; i < hk_irq_map_count(dv->map); i++) {
		const hk_irq *irq = hk_irq_map_irq(dv->map, i);
		const char *name = hk_irq_map_name(dv->map, i);
		hk_json_object_begin(j);
		hk_json_kv_u64(j, "irq", hk_irq_map_number(dv->map, i));
		hk_json_key(j, "name");
		if (name && name[0])
			hk_json_string(j, name);
		else if (irq && hk_irq_name(irq)[0])
			hk_json_string(j, hk_irq_name(irq));
		else
			hk_json_null(j);
		hk_json_kv_s64_or_null(j, "queue", irq_queue(dv->map, i));
		hk_json_kv_string(j, "kind", kind_name(hk_irq_map_kind(dv->map, i)));
		hk_json_kv_s64_or_null(j, "block", irq_block(dv->map, i));
		const hk_cpuset *a = irq ? hk_irq_affinity(irq) : NULL;
		const hk_cpuset *e = irq ? hk_irq_effective_affinity(irq) : NULL;
		json_set_or_null(j, "affinity", a ? 0 : -ENOENT, a);
		json_set_or_null(j, "effective_affinity", e ? 0 : -ENOENT, e);
		hk_json_object_end(j);
	}
	hk_json_array_end(j);
}

static void json_device(hk_json *j, const struct netview *v, const struct devview *dv)
{
	const hk_netdev *d = dv->dev;
	const char *drv = device_driver(dv);

	hk_json_object_begin(j);
	hk_json_kv_string(j, "name", hk_netdev_name(d));
	hk_json_key(j, "driver");
	if (drv)
		hk_json_string(j, drv);
	else
		hk_json_null(j);
	hk_json_kv_string(j, "sysfs_path", hk_netdev_sysfs_path(d));
	hk_json_key(j, "pci_address");
	if (hk_netdev_pci_address(d))
		hk_json_string(j, hk_netdev_pci_address(d));
	else
		hk_json_null(j);
	hk_json_key(j, "virtio");
	if (hk_netdev_virtio_name(d))
		hk_json_string(j, hk_netdev_virtio_name(d));
	else
		hk_json_null(j);
	hk_json_kv_s64_or_null(j, "numa_node", device_node(dv));
	const hk_cpuset *local = device_local_cpus(dv);
	json_set_or_null(j, "local_cpus", local ? 0 : -ENOENT, local);
	hk_json_key(j, "locality");
	if (dv->pci) {
		char reason[256];
		hk_pci_locality l =
		    hk_pci_dev_check_locality(dv->pci, NULL, reason, sizeof(reason));
		/* As `inspect pci` writes it, from the function's own files only. */
		hk_json_object_begin(j);
		hk_json_kv_bool(j, "ok", l == HK_PCI_LOCALITY_OK || l == HK_PCI_LOCALITY_UNKNOWN);
		hk_json_kv_string(j, "status", hk_pci_locality_name(l));
		hk_json_kv_string(j, "reason", reason);
		hk_json_object_end(j);
	} else {
		hk_json_null(j);
	}
	const unsigned *msi;
	unsigned n_msi = hk_netdev_msi_irqs(d, &msi);
	hk_json_key(j, "msi_irqs");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < n_msi; i++)
		hk_json_u64(j, msi[i]);
	hk_json_array_end(j);

	json_netdev_attrs(j, d);
	json_ethtool(j, v, dv);

	hk_json_key(j, "queues");
	hk_json_object_begin(j);
	for (unsigned k = 0; k < _HK_NETDEV_QUEUE_KIND_MAX; k++) {
		hk_json_key(j, k == HK_NETDEV_QUEUE_RX ? "rx" : "tx");
		hk_json_array_begin(j);
		for (unsigned i = 0; i < hk_netdev_n_queues(d, k); i++)
			json_queue(j, hk_netdev_queue_at(d, k, i));
		hk_json_array_end(j);
	}
	hk_json_object_end(j);
	json_irqs(j, dv);
	hk_json_object_end(j);
}

int net_json(cli_ctx *ctx, const cli_args *args, hk_json *j)
{
	_cleanup_(netview_done) struct netview v = {0};

	int r = netview_load(ctx, args, &v);
	if (r < 0)
		return r;
	hk_json_kv_string(j, "interrupts",
			  v.irqs		     ? "ok"
			  : v.irqs_status == -ENOENT ? "absent"
						     : "error");
	/* The messages of the values written null with "malformed" (and of IRQ files). */
	hk_json_key(j, "problems");
	hk_json_array_begin(j);
	for (size_t i = 0; i < n_problems(&v); i++)
		hk_json_string(j, problem(&v, i));
	hk_json_array_end(j);
	hk_json_key(j, "devices");
	hk_json_array_begin(j);
	for (unsigned i = 0; i < v.n; i++)
		json_device(j, &v, &v.devs[i]);
	hk_json_array_end(j);
	return 0;
}

/* ---- Text ---- */

/* "N / MAX" for a count the driver bounds. */
static void put_pair(hk_strbuf *sb, const char *label, uint32_t cur, uint32_t max)
{
	if (cur == 0 && max == 0)
		return;
	hk_strbuf_printf(sb, "  %s %" PRIu32 " / %" PRIu32, label, cur, max);
}

static void text_ethtool_line(hk_strbuf *sb, const char *label, const struct netview *v, int status)
{
	size_t from = sb->len;
	hk_strbuf_printf(sb, "  %s", label);
	hk_strbuf_pad(sb, from, 14);
	hk_strbuf_printf(sb, "%s", ethtool_status_name(v, status));
	cli_end_row(sb);
}

static void text_rss(hk_strbuf *sb, const hk_ethtool_rss *rss)
{
	unsigned size = hk_ethtool_rss_indir_size(rss);
	const uint32_t *indir = hk_ethtool_rss_indir(rss);
	size_t klen = 0;
	const char *hf = hk_ethtool_rss_hfunc_name(rss);

	hk_ethtool_rss_key(rss, &klen);
	if (size == 0)
		hk_strbuf_puts(sb, "no indirection table");
	else
		hk_strbuf_printf(sb, "%u entries", size);
	if (size > 0 && indir) {
		/* How many entries send to each queue: "q0 32, q1 32...". */
		uint32_t top = 0;
		for (unsigned i = 0; i < size; i++)
			top = MAX(top, indir[i]);
		hk_strbuf_puts(sb, " (");
		unsigned shown = 0;
		for (uint32_t q = 0; q <= top && q < 4096; q++) {
			unsigned c = 0;
			for (unsigned i = 0; i < size; i++)
				c += indir[i] == q;
			if (!c)
				continue;
			if (shown++ == 16) {
				hk_strbuf_puts(sb, ", ...");
				break;
			}
			hk_strbuf_printf(sb, "%sq%" PRIu32 " %u", shown > 1 ? ", " : "", q, c);
		}
		hk_strbuf_putc(sb, ')');
	}
	hk_strbuf_printf(sb, ", key %zu bytes, hfunc %s", klen, hf ? hf : "unknown");
}

/* The IRQs of @dv that serve queue @q (rx, tx or both), in map order. */
static void text_queue_rows(hk_strbuf *sb, const struct devview *dv, unsigned q)
{
	const hk_netdev *d = dv->dev;
	const hk_netdev_queue *rx = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_RX, q);
	const hk_netdev_queue *tx = hk_netdev_queue_find(d, HK_NETDEV_QUEUE_TX, q);
	const hk_cpuset *m;
	int64_t v;
	bool first = true;
	size_t n = dv->map ? hk_irq_map_count(dv->map) : 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && irq_queue(dv->map, i) != (int)q)
			continue;
		if (i == n && !first)
			break;
		/* The queue number only on its first row. */
		cli_row_begin(sb);
		if (first)
			cli_cell(sb, 7, "%u", q);
		else
			cli_cell(sb, 7, " ");
		if (i < n) {
			const hk_irq *irq = hk_irq_map_irq(dv->map, i);
			const hk_cpuset *a = irq ? hk_irq_affinity(irq) : NULL;
			const hk_cpuset *e = irq ? hk_irq_effective_affinity(irq) : NULL;
			_cleanup_free_ char *al = a ? hk_cpuset_to_list(a) : NULL;
			_cleanup_free_ char *el = e ? hk_cpuset_to_list(e) : NULL;
			cli_cell(sb, 6, "%u", hk_irq_map_number(dv->map, i));
			cli_cell(sb, 6, "%s", kind_name(hk_irq_map_kind(dv->map, i)));
			cli_cell(sb, 11, "%s", al ? (al[0] ? al : "none") : "-");
			cli_cell(sb, 11, "%s", el ? (el[0] ? el : "none") : "-");
		} else {
			cli_cell(sb, 6, "-");
			cli_cell(sb, 6, "-");
			cli_cell(sb, 11, "-");
			cli_cell(sb, 11, "-");
		}
		if (first) {
			_cleanup_free_ char *rps = NULL, *xps = NULL, *rxqs = NULL;
			if (rx && hk_netdev_queue_get_mask(rx, HK_NETQ_RPS_CPUS, &m) == 0)
				rps = hk_cpuset_to_list(m);
			if (tx && hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_CPUS, &m) == 0)
				xps = hk_cpuset_to_list(m);
			if (tx && hk_netdev_queue_get_mask(tx, HK_NETQ_XPS_RXQS, &m) == 0)
				rxqs = hk_cpuset_to_list(m);
			cli_cell(sb, 10, "%s", rps ? (rps[0] ? rps : "none") : "-");
			if (rx && hk_netdev_queue_get(rx, HK_NETQ_RPS_FLOW_CNT, &v) == 0)
				cli_cell(sb, 7, "%" PRId64, v);
			else
				cli_cell(sb, 7, "-");
			cli_cell(sb, 10, "%s", xps ? (xps[0] ? xps : "none") : "-");
			cli_cell(sb, 9, "%s", rxqs ? (rxqs[0] ? rxqs : "none") : "-");
			if (tx && hk_netdev_queue_get(tx, HK_NETQ_TX_MAXRATE, &v) == 0)
				cli_cell(sb, 8, "%" PRId64, v);
			else
				cli_cell(sb, 8, "-");
			if (tx && hk_netdev_queue_get(tx, HK_NETQ_BQL_LIMIT, &v) == 0)
				cli_cell(sb, 8, "%" PRId64, v);
			else
				cli_cell(sb, 8, "-");
		}
		cli_end_row(sb);
		first = false;
	}
}

/* Coalescing, the features a latency tuner looks at first, and the ntuple rules. */
static void text_extras(hk_strbuf *sb, const struct netview *v, const struct devview *dv)
{
	static const char *const watched[] = {"rx-gro",	    "rx-gro-hw",
					      "rx-lro",	    "tx-tcp-segmentation",
					      "rx-hashing", "rx-ntuple-filter"};
	const hk_ethtool_coalesce *co = dv->info ? hk_ethtool_info_coalesce(dv->info) : NULL;
	if (co) {
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  coalesce");
		hk_strbuf_pad(sb, from, 14);
		hk_strbuf_printf(sb,
				 "rx %" PRIu32 " us / %" PRIu32 " frames%s  tx %" PRIu32
				 " us / %" PRIu32 " frames%s",
				 co->rx_coalesce_usecs, co->rx_max_coalesced_frames,
				 co->use_adaptive_rx_coalesce ? " (adaptive)" : "",
				 co->tx_coalesce_usecs, co->tx_max_coalesced_frames,
				 co->use_adaptive_tx_coalesce ? " (adaptive)" : "");
		if (dv->queue_coalesce)
			hk_strbuf_printf(sb, "  (per queue: %u %s, --json)", dv->n_queue_coalesce,
					 dv->n_queue_coalesce == 1 ? "queue" : "queues");
		cli_end_row(sb);
	} else {
		text_ethtool_line(sb, "coalesce", v, item_status(dv, HK_ETHTOOL_COALESCE));
	}

	const hk_ethtool_features *f = dv->info ? hk_ethtool_info_features(dv->info) : NULL;
	if (f) {
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  features");
		hk_strbuf_pad(sb, from, 14);
		bool any = false;
		for (size_t i = 0; i < ELEMENTSOF(watched); i++) {
			int k = hk_ethtool_features_find(f, watched[i]);
			if (k < 0)
				continue;
			bool fixed =
			    hk_ethtool_features_get(f, (unsigned)k, HK_FEATURE_NEVER_CHANGED) ||
			    !hk_ethtool_features_get(f, (unsigned)k, HK_FEATURE_AVAILABLE);
			hk_strbuf_printf(sb, "%s%s %s%s", any ? "  " : "", watched[i],
					 hk_ethtool_features_get(f, (unsigned)k, HK_FEATURE_ACTIVE)
					     ? "on"
					     : "off",
					 fixed ? " [fixed]" : "");
			any = true;
		}
		cli_end_row(sb);
	} else {
		text_ethtool_line(sb, "features", v, item_status(dv, HK_ETHTOOL_FEATURES));
	}

	const hk_ethtool_rules *rules = dv->info ? hk_ethtool_info_rules(dv->info) : NULL;
	if (rules) {
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  ntuple");
		hk_strbuf_pad(sb, from, 14);
		hk_strbuf_printf(sb, "%u %s", hk_ethtool_rules_count(rules),
				 hk_ethtool_rules_count(rules) == 1 ? "rule" : "rules");
		if (hk_ethtool_rules_table_size(rules))
			hk_strbuf_printf(sb, " in a table of %" PRIu32,
					 hk_ethtool_rules_table_size(rules));
		cli_end_row(sb);
	} else {
		text_ethtool_line(sb, "ntuple", v, item_status(dv, HK_ETHTOOL_RULES));
	}
}

static void text_device(hk_strbuf *sb, const struct netview *v, const struct devview *dv)
{
	const hk_netdev *d = dv->dev;
	const char *drv = device_driver(dv);
	const char *state = NULL;
	int64_t x;

	/* Header: name, driver, PCI address, node, state, MTU, speed. */
	hk_strbuf_printf(sb, "%s  driver %s", hk_netdev_name(d), drv ? drv : "none");
	if (hk_netdev_pci_address(d))
		hk_strbuf_printf(sb, "  PCI %s", hk_netdev_pci_address(d));
	if (hk_netdev_virtio_name(d))
		hk_strbuf_printf(sb, " (%s)", hk_netdev_virtio_name(d));
	int node = device_node(dv);
	if (node >= 0)
		hk_strbuf_printf(sb, "  node %d", node);
	else if (hk_netdev_pci_address(d))
		hk_strbuf_puts(sb, "  node none");
	int r = hk_netdev_operstate(d, &state);
	if (r == 0)
		hk_strbuf_printf(sb, "  %s", state);
	else
		hk_strbuf_printf(sb, "  state %s", status_name(r));
	r = hk_netdev_get(d, HK_NETDEV_MTU, &x);
	if (r == 0)
		hk_strbuf_printf(sb, "  MTU %" PRId64, x);
	else if (r == -EBADMSG)
		hk_strbuf_printf(sb, "  MTU %s", status_name(r));
	r = hk_netdev_get(d, HK_NETDEV_SPEED, &x);
	if (r == 0 && x >= 0)
		hk_strbuf_printf(sb, "  speed %" PRId64 " Mb/s", x);
	else if (r == 0 || r == -EINVAL || r == -ENODATA)
		hk_strbuf_puts(sb, "  speed unknown");
	else if (r == -EBADMSG)
		hk_strbuf_printf(sb, "  speed %s", status_name(r));
	hk_strbuf_putc(sb, '\n');

	const hk_cpuset *local = device_local_cpus(dv);
	if (local) {
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  local CPUs");
		hk_strbuf_pad(sb, from, 14);
		cli_put_cpulist(sb, local);
		char reason[256];
		if (dv->pci && hk_pci_dev_check_locality(dv->pci, NULL, reason, sizeof(reason)) ==
				   HK_PCI_LOCALITY_CONFLICT)
			hk_strbuf_printf(sb, " (conflict: %s)", reason);
		cli_end_row(sb);
	}

	/* NAPI. */
	{
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  NAPI");
		hk_strbuf_pad(sb, from, 14);
		static const struct {
			const char *label;
			hk_netdev_attr a;
		} napi[] = {
		    {"threaded", HK_NETDEV_THREADED},
		    {"defer_hard_irqs", HK_NETDEV_NAPI_DEFER_HARD_IRQS},
		    {"gro_flush_timeout", HK_NETDEV_GRO_FLUSH_TIMEOUT},
		};
		for (unsigned i = 0; i < ELEMENTSOF(napi); i++) {
			r = hk_netdev_get(d, napi[i].a, &x);
			if (r == 0)
				hk_strbuf_printf(sb, "%s%s %" PRId64, i ? "  " : "", napi[i].label,
						 x);
			else
				hk_strbuf_printf(sb, "%s%s %s", i ? "  " : "", napi[i].label,
						 status_name(r));
		}
		cli_end_row(sb);
	}

	/* Channels, rings: current / max. */
	const hk_ethtool_channels *ch = dv->info ? hk_ethtool_info_channels(dv->info) : NULL;
	if (ch) {
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  channels");
		hk_strbuf_pad(sb, from, 12);
		put_pair(sb, "rx", ch->rx, ch->max_rx);
		put_pair(sb, "tx", ch->tx, ch->max_tx);
		put_pair(sb, "other", ch->other, ch->max_other);
		put_pair(sb, "combined", ch->combined, ch->max_combined);
		cli_end_row(sb);
	} else {
		text_ethtool_line(sb, "channels", v, item_status(dv, HK_ETHTOOL_CHANNELS));
	}
	const hk_ethtool_rings *rg = dv->info ? hk_ethtool_info_rings(dv->info) : NULL;
	if (rg) {
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  rings");
		hk_strbuf_pad(sb, from, 12);
		put_pair(sb, "rx", rg->rx, rg->rx_max);
		put_pair(sb, "rx-mini", rg->rx_mini, rg->rx_mini_max);
		put_pair(sb, "rx-jumbo", rg->rx_jumbo, rg->rx_jumbo_max);
		put_pair(sb, "tx", rg->tx, rg->tx_max);
		cli_end_row(sb);
	} else {
		text_ethtool_line(sb, "rings", v, item_status(dv, HK_ETHTOOL_RINGS));
	}
	const hk_ethtool_rss *rss = dv->info ? hk_ethtool_info_rss(dv->info) : NULL;
	if (rss) {
		size_t from = sb->len;
		hk_strbuf_puts(sb, "  RSS");
		hk_strbuf_pad(sb, from, 14);
		text_rss(sb, rss);
		cli_end_row(sb);
	} else {
		text_ethtool_line(sb, "RSS", v, item_status(dv, HK_ETHTOOL_RSS));
	}
	text_extras(sb, v, dv);

	/* The queue table: one row per queue number, more for its extra IRQs. */
	unsigned nq = 0;
	for (unsigned k = 0; k < _HK_NETDEV_QUEUE_KIND_MAX; k++)
		for (unsigned i = 0; i < hk_netdev_n_queues(d, k); i++)
			nq = MAX(nq, hk_netdev_queue_number(hk_netdev_queue_at(d, k, i)) + 1);
	if (nq > 0) {
		cli_row_begin(sb);
		cli_cell(sb, 7, "queue");
		cli_cell(sb, 6, "IRQ");
		cli_cell(sb, 6, "kind");
		cli_cell(sb, 11, "requested");
		cli_cell(sb, 11, "effective");
		cli_cell(sb, 10, "RPS");
		cli_cell(sb, 7, "flows");
		cli_cell(sb, 10, "XPS");
		cli_cell(sb, 9, "XPS rxqs");
		cli_cell(sb, 8, "maxrate");
		cli_cell(sb, 8, "BQL");
		cli_end_row(sb);
		for (unsigned q = 0; q < nq; q++)
			if (hk_netdev_queue_find(d, HK_NETDEV_QUEUE_RX, q) ||
			    hk_netdev_queue_find(d, HK_NETDEV_QUEUE_TX, q))
				text_queue_rows(sb, dv, q);
	}

	/* IRQs that serve no queue (configuration, management). */
	if (dv->map) {
		for (size_t i = 0; i < hk_irq_map_count(dv->map); i++) {
			int q = irq_queue(dv->map, i);
			if (q >= 0 && (hk_netdev_queue_find(d, HK_NETDEV_QUEUE_RX, (unsigned)q) ||
				       hk_netdev_queue_find(d, HK_NETDEV_QUEUE_TX, (unsigned)q)))
				continue;
			const hk_irq *irq = hk_irq_map_irq(dv->map, i);
			const hk_cpuset *a = irq ? hk_irq_affinity(irq) : NULL;
			const hk_cpuset *e = irq ? hk_irq_effective_affinity(irq) : NULL;
			_cleanup_free_ char *al = a ? hk_cpuset_to_list(a) : NULL;
			_cleanup_free_ char *el = e ? hk_cpuset_to_list(e) : NULL;
			const char *name = hk_irq_map_name(dv->map, i);
			cli_row_begin(sb);
			if (q >= 0)
				cli_cell(sb, 7, "%d", q);
			else
				cli_cell(sb, 7, "-");
			cli_cell(sb, 6, "%u", hk_irq_map_number(dv->map, i));
			cli_cell(sb, 6, "%s", kind_name(hk_irq_map_kind(dv->map, i)));
			cli_cell(sb, 11, "%s", al ? (al[0] ? al : "none") : "-");
			cli_cell(sb, 11, "%s", el ? (el[0] ? el : "none") : "-");
			if (irq_block(dv->map, i) >= 0)
				hk_strbuf_printf(sb, "block %d  ", irq_block(dv->map, i));
			hk_strbuf_puts(sb, name && name[0] ? name : (irq ? hk_irq_name(irq) : ""));
			cli_end_row(sb);
		}
	} else {
		const unsigned *msi;
		unsigned n = hk_netdev_msi_irqs(d, &msi);
		if (n > 0) {
			/* Ranges, as a CPU list reads: a function may have hundreds. */
			hk_strbuf_puts(sb, "  MSI IRQs    ");
			for (unsigned i = 0; i < n;) {
				unsigned k = i;
				while (k + 1 < n && msi[k + 1] == msi[k] + 1)
					k++;
				hk_strbuf_printf(sb, "%s%u", i ? "," : "", msi[i]);
				if (k > i)
					hk_strbuf_printf(sb, "-%u", msi[k]);
				i = k + 1;
			}
			hk_strbuf_puts(sb, " (no /proc/interrupts: queues unknown)");
			cli_end_row(sb);
		}
	}
}

int net_text(cli_ctx *ctx, const cli_args *args, hk_strbuf *sb)
{
	_cleanup_(netview_done) struct netview v = {0};

	int r = netview_load(ctx, args, &v);
	if (r < 0)
		return r;
	hk_strbuf_puts(sb, "Network devices\n");
	if (v.n == 0)
		hk_strbuf_puts(sb, "  none\n");
	for (unsigned i = 0; i < v.n; i++) {
		hk_strbuf_putc(sb, '\n');
		text_device(sb, &v, &v.devs[i]);
	}
	return 0;
}
