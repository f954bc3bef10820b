/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_ETHTOOL_H
#define HOSTKIT_ETHTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_ethtool - the SIOCETHTOOL seam.
 *
 * Every ethtool request hostkit makes goes through one function, the
 * request op of an hk_ethtool_ops table: it carries a whole SIOCETHTOOL
 * request buffer (struct ethtool_* from <linux/ethtool.h>, cmd first), which
 * the op answers in place. Live it is the ioctl; on a captured root it is
 * the state recorded beside the tree (docs/ethtool.md gives the format);
 * tests script it. A request the device does not support answers
 * -EOPNOTSUPP, and so does every reader below.
 *
 * A handle is not thread-safe: use one per thread.
 */
typedef struct hk_ethtool hk_ethtool;

typedef struct hk_ethtool_ops {
	/*
	 * Answers the request in @buf (@len bytes, starting with the u32
	 * cmd) for device @ifname, in place. Returns 0 or a negative errno.
	 */
	int (*request)(void *ctx, const char *ifname, void *buf, size_t len);
	/* Frees @ctx when the handle is freed; may be NULL. */
	void (*free)(void *ctx);
} hk_ethtool_ops;

/*
 * A handle on a seam of your own: @ops (copied) answers with @ctx. The
 * handle owns @ctx from here on (ops->free frees it), also when this call
 * fails. Errors: -EINVAL (no request op), -ENOMEM.
 */
HK_API int hk_ethtool_new(const hk_ethtool_ops *ops, void *ctx, hk_ethtool **ret);

/*
 * The live seam: the ioctl on an AF_INET (else AF_UNIX) datagram socket in
 * the caller's network namespace, opened here. Errors: those of socket(2).
 */
HK_API int hk_ethtool_open_live(hk_ethtool **ret);

/*
 * The seam of @root: live when the root is the live host, otherwise the
 * replay of the records under the tree's hostkit/ethtool/<ifname> files,
 * all read and checked now. A tree without records answers -ENODEV for every
 * device; a device's file that lacks a request answers -EOPNOTSUPP. Errors:
 * -EINVAL with @diag naming the file and the byte offset of a corrupt record,
 * -ENOMEM, read errors.
 */
HK_API int hk_ethtool_open(hk_root *root, hk_diag *diag, hk_ethtool **ret);

/*
 * A recording wrapper: answers through @inner (which it takes over, also on
 * failure) and keeps each request and its answer, to be saved with
 * hk_ethtool_save(). Errors: -EINVAL (@inner NULL), -ENOMEM.
 */
HK_API int hk_ethtool_recorder_new(hk_ethtool *inner, hk_ethtool **ret);

/*
 * Writes what recorder @e saw, one file per device, as
 * @dir/hostkit/ethtool/<ifname> (directories made as needed, files replaced
 * whole), the format hk_ethtool_open() replays. A request made several
 * times keeps its last answer. Errors: -EINVAL (@e not a recorder), those of
 * mkdir(2), open(2) and write(2) with @diag naming the file.
 */
HK_API int hk_ethtool_save(hk_ethtool *e, const char *dir, hk_diag *diag);

/* Frees the handle and its seam's context (NULL allowed). */
HK_API void hk_ethtool_free(hk_ethtool *e);

/*
 * Sends one raw request through the seam (what every reader below does).
 * Errors: -EINVAL (@len < 4, or @ifname empty or longer than IFNAMSIZ - 1),
 * or the seam's answer.
 */
HK_API int hk_ethtool_request(hk_ethtool *e, const char *ifname, void *buf, size_t len);

/*
 * The readers. Each reads one item of device @ifname, returns 0, and writes
 * *ret only on success. Errors common to all: -EOPNOTSUPP (the device does
 * not support the item), -ENODEV, -EPERM, -EIO (a reply that contradicts
 * itself, e.g. more strings than announced, with @diag saying what), -ENOMEM.
 */

/* ETHTOOL_GDRVINFO. Strings are NUL-terminated. */
typedef struct hk_ethtool_drvinfo {
	char driver[32];
	char version[32];
	char fw_version[32];
	char bus_info[32];
	char erom_version[32];
	uint32_t n_priv_flags;
	uint32_t n_stats;
	uint32_t testinfo_len;
	uint32_t eedump_len;
	uint32_t regdump_len;
} hk_ethtool_drvinfo;
HK_API int hk_ethtool_get_drvinfo(hk_ethtool *e, const char *ifname, hk_diag *diag,
				  hk_ethtool_drvinfo *ret);

/* Words of link mode bits kept (128 modes; the kernel defines about 100). */
#define HK_ETHTOOL_LINK_MODE_WORDS 4

/* ETHTOOL_GLINKSETTINGS (with its size handshake). */
typedef struct hk_ethtool_link {
	uint32_t speed; /* Mb/s; UINT32_MAX (SPEED_UNKNOWN) when unknown */
	uint8_t duplex; /* DUPLEX_HALF 0, DUPLEX_FULL 1, DUPLEX_UNKNOWN 0xff */
	uint8_t port;	/* PORT_* */
	uint8_t phy_address;
	uint8_t autoneg; /* AUTONEG_DISABLE 0, AUTONEG_ENABLE 1 */
	uint8_t mdio_support;
	uint8_t eth_tp_mdix;
	uint8_t eth_tp_mdix_ctrl;
	uint8_t transceiver;
	/* Bit n of word n / 32 is ETHTOOL_LINK_MODE_* n. */
	uint32_t supported[HK_ETHTOOL_LINK_MODE_WORDS];
	uint32_t advertising[HK_ETHTOOL_LINK_MODE_WORDS];
	uint32_t lp_advertising[HK_ETHTOOL_LINK_MODE_WORDS];
} hk_ethtool_link;
HK_API int hk_ethtool_get_link(hk_ethtool *e, const char *ifname, hk_diag *diag,
			       hk_ethtool_link *ret);

/* ETHTOOL_GCHANNELS: the current counts and the driver's maxima. */
typedef struct hk_ethtool_channels {
	uint32_t max_rx, max_tx, max_other, max_combined;
	uint32_t rx, tx, other, combined;
} hk_ethtool_channels;
HK_API int hk_ethtool_get_channels(hk_ethtool *e, const char *ifname, hk_diag *diag,
				   hk_ethtool_channels *ret);

/*
 * ETHTOOL_SCHANNELS. Checks @want against the maxima first (-EINVAL with
 * @diag "driver maximum is N"), and skips a change that changes nothing.
 * Returns 1 when it asked the driver, 0 when it skipped. The driver's own
 * refusal comes back as its errno with @diag naming the request.
 */
HK_API int hk_ethtool_set_channels(hk_ethtool *e, const char *ifname,
				   const hk_ethtool_channels *want, hk_diag *diag);

/* ETHTOOL_GRINGPARAM: ring sizes (entries) and maxima; mini/jumbo are 0 when absent. */
typedef struct hk_ethtool_rings {
	uint32_t rx_max, rx_mini_max, rx_jumbo_max, tx_max;
	uint32_t rx, rx_mini, rx_jumbo, tx;
} hk_ethtool_rings;
HK_API int hk_ethtool_get_rings(hk_ethtool *e, const char *ifname, hk_diag *diag,
				hk_ethtool_rings *ret);

/* ETHTOOL_SRINGPARAM, checked and skipped like hk_ethtool_set_channels(). */
HK_API int hk_ethtool_set_rings(hk_ethtool *e, const char *ifname, const hk_ethtool_rings *want,
				hk_diag *diag);

/* ETHTOOL_GCOALESCE: struct ethtool_coalesce's fields, same names. */
typedef struct hk_ethtool_coalesce {
	uint32_t rx_coalesce_usecs, rx_max_coalesced_frames;
	uint32_t rx_coalesce_usecs_irq, rx_max_coalesced_frames_irq;
	uint32_t tx_coalesce_usecs, tx_max_coalesced_frames;
	uint32_t tx_coalesce_usecs_irq, tx_max_coalesced_frames_irq;
	uint32_t stats_block_coalesce_usecs;
	uint32_t use_adaptive_rx_coalesce, use_adaptive_tx_coalesce;
	uint32_t pkt_rate_low;
	uint32_t rx_coalesce_usecs_low, rx_max_coalesced_frames_low;
	uint32_t tx_coalesce_usecs_low, tx_max_coalesced_frames_low;
	uint32_t pkt_rate_high;
	uint32_t rx_coalesce_usecs_high, rx_max_coalesced_frames_high;
	uint32_t tx_coalesce_usecs_high, tx_max_coalesced_frames_high;
	uint32_t rate_sample_interval;
} hk_ethtool_coalesce;
HK_API int hk_ethtool_get_coalesce(hk_ethtool *e, const char *ifname, hk_diag *diag,
				   hk_ethtool_coalesce *ret);

/*
 * Per-queue coalescing: one ETHTOOL_PERQUEUE request for queues @first ..
 * @first + @count - 1, which fills ret[0 .. count - 1]. Errors: -EINVAL
 * (@count 0, or queues past 4095, the kernel's MAX_NUM_QUEUE).
 */
HK_API int hk_ethtool_get_queue_coalesce(hk_ethtool *e, const char *ifname, unsigned first,
					 unsigned count, hk_diag *diag, hk_ethtool_coalesce *ret);

/* ETHTOOL_GPAUSEPARAM. */
typedef struct hk_ethtool_pause {
	uint32_t autoneg, rx_pause, tx_pause;
} hk_ethtool_pause;
HK_API int hk_ethtool_get_pause(hk_ethtool *e, const char *ifname, hk_diag *diag,
				hk_ethtool_pause *ret);

/*
 * hk_ethtool_features - the device's features with their names
 * (ETH_SS_FEATURES strings and the ETHTOOL_GFEATURES blocks). Owned by the
 * caller; free with hk_ethtool_features_free().
 */
typedef struct hk_ethtool_features hk_ethtool_features;
HK_API int hk_ethtool_get_features(hk_ethtool *e, const char *ifname, hk_diag *diag,
				   hk_ethtool_features **ret);
HK_API void hk_ethtool_features_free(hk_ethtool_features *f);
HK_API unsigned hk_ethtool_features_count(const hk_ethtool_features *f);
/* Name of feature @i ("rx-checksum", "tx-tcp-segmentation"...); NULL past the end. */
HK_API const char *hk_ethtool_features_name(const hk_ethtool_features *f, unsigned i);
/* The index of feature @name, or -ENOENT. */
HK_API int hk_ethtool_features_find(const hk_ethtool_features *f, const char *name);

typedef enum hk_ethtool_feature_state {
	HK_FEATURE_AVAILABLE,	  /* the driver can change it */
	HK_FEATURE_REQUESTED,	  /* what was asked */
	HK_FEATURE_ACTIVE,	  /* what is on */
	HK_FEATURE_NEVER_CHANGED, /* fixed: can never be changed */
} hk_ethtool_feature_state;
/* Whether feature @i is in @state; false past the end. */
HK_API bool hk_ethtool_features_get(const hk_ethtool_features *f, unsigned i,
				    hk_ethtool_feature_state state);

/*
 * Turns feature @name on or off (ETHTOOL_SFEATURES) and reads the result
 * back. Returns 1 when it asked, 0 when it was already so. Errors: -ENOENT
 * (no such feature), -EPERM (fixed or not available), -EREMOTEIO (the driver
 * kept it otherwise, @diag says so), the seam's errors.
 */
HK_API int hk_ethtool_set_feature(hk_ethtool *e, const char *ifname, const char *name, bool on,
				  hk_diag *diag);

/*
 * hk_ethtool_stats - NIC statistics with names (ETH_SS_STATS strings and
 * ETHTOOL_GSTATS). Owned by the caller.
 */
typedef struct hk_ethtool_stats hk_ethtool_stats;
HK_API int hk_ethtool_get_stats(hk_ethtool *e, const char *ifname, hk_diag *diag,
				hk_ethtool_stats **ret);
HK_API void hk_ethtool_stats_free(hk_ethtool_stats *s);
HK_API unsigned hk_ethtool_stats_count(const hk_ethtool_stats *s);
/* Name of statistic @i; NULL past the end. */
HK_API const char *hk_ethtool_stats_name(const hk_ethtool_stats *s, unsigned i);
/* Value of statistic @i; 0 past the end. */
HK_API uint64_t hk_ethtool_stats_value(const hk_ethtool_stats *s, unsigned i);

/*
 * hk_ethtool_rss - the RSS configuration of the default context
 * (ETHTOOL_GRSSH, with its size handshake; ETHTOOL_GRXFHINDIR where GRSSH is
 * unsupported) and the RX ring count (ETHTOOL_GRXRINGS). Owned by the caller.
 */
typedef struct hk_ethtool_rss hk_ethtool_rss;
HK_API int hk_ethtool_get_rss(hk_ethtool *e, const char *ifname, hk_diag *diag,
			      hk_ethtool_rss **ret);
HK_API void hk_ethtool_rss_free(hk_ethtool_rss *r);
/* Entries of the indirection table (0 when the device has none). */
HK_API unsigned hk_ethtool_rss_indir_size(const hk_ethtool_rss *r);
/* The table: indir_size queue numbers. */
HK_API const uint32_t *hk_ethtool_rss_indir(const hk_ethtool_rss *r);
/* The hash key and its length in bytes (0 when the device does not say). */
HK_API const uint8_t *hk_ethtool_rss_key(const hk_ethtool_rss *r, size_t *ret_size);
/* The hash function bits (ETH_RSS_HASH_*: bit n is function n), 0 when unknown. */
HK_API uint32_t hk_ethtool_rss_hfunc(const hk_ethtool_rss *r);
/* The name of the active hash function ("toeplitz", "xor", "crc32"), or NULL. */
HK_API const char *hk_ethtool_rss_hfunc_name(const hk_ethtool_rss *r);
/* The RX ring count RSS spreads over (ETHTOOL_GRXRINGS), -ENODATA when unsupported. */
HK_API int64_t hk_ethtool_rss_rx_rings(const hk_ethtool_rss *r);

/*
 * Sets the default context's indirection table (ETHTOOL_SRSSH, table only;
 * @size must be the device's table size; @indir NULL restores the
 * driver's default spread). Checks each entry against the RX ring count and
 * skips a table that changes nothing. Returns 1 when it asked, 0 when it
 * skipped. Errors: -EINVAL (wrong size or a ring out of range, @diag says
 * which), the seam's errors.
 */
HK_API int hk_ethtool_set_rss_indir(hk_ethtool *e, const char *ifname, const uint32_t *indir,
				    unsigned size, hk_diag *diag);

/* Flow types (TCP_V4_FLOW...) hostkit knows, with their ethtool names ("tcp4"). */
HK_API const char *hk_ethtool_flow_type_name(uint32_t flow_type);

/*
 * The header fields the RSS hash of @flow_type uses (ETHTOOL_GRXFH: RXH_*
 * bits; RXH_DISCARD when the flow type is dropped).
 */
HK_API int hk_ethtool_get_rxfh_fields(hk_ethtool *e, const char *ifname, uint32_t flow_type,
				      hk_diag *diag, uint64_t *ret);

/*
 * hk_ethtool_rules - the ntuple classification rules (ETHTOOL_GRXCLSRLCNT,
 * ETHTOOL_GRXCLSRLALL, then ETHTOOL_GRXCLSRULE per rule). Owned by the
 * caller.
 */
typedef struct hk_ethtool_rules hk_ethtool_rules;
struct ethtool_rx_flow_spec;
HK_API int hk_ethtool_get_rules(hk_ethtool *e, const char *ifname, hk_diag *diag,
				hk_ethtool_rules **ret);
HK_API void hk_ethtool_rules_free(hk_ethtool_rules *r);
/* The number of rules. */
HK_API unsigned hk_ethtool_rules_count(const hk_ethtool_rules *r);
/* The size of the rule table (rxnfc.data of GRXCLSRLCNT, without RX_CLS_LOC_SPECIAL). */
HK_API uint32_t hk_ethtool_rules_table_size(const hk_ethtool_rules *r);
/* Whether the driver picks locations itself (RX_CLS_LOC_SPECIAL). */
HK_API bool hk_ethtool_rules_special_locations(const hk_ethtool_rules *r);
/* Rule @i as the kernel reports it (<linux/ethtool.h>); NULL past the end. */
HK_API const struct ethtool_rx_flow_spec *hk_ethtool_rules_get(const hk_ethtool_rules *r,
							       unsigned i);

/*
 * hk_ethtool_info - every item above for one device, each with its status,
 * for `inspect net`. One unsupported or failing item fails nothing else.
 */
typedef struct hk_ethtool_info hk_ethtool_info;

typedef enum hk_ethtool_item {
	HK_ETHTOOL_DRVINFO,
	HK_ETHTOOL_LINK,
	HK_ETHTOOL_CHANNELS,
	HK_ETHTOOL_RINGS,
	HK_ETHTOOL_COALESCE,
	HK_ETHTOOL_PAUSE,
	HK_ETHTOOL_FEATURES,
	HK_ETHTOOL_RSS,
	HK_ETHTOOL_RXFH_FIELDS,
	HK_ETHTOOL_RULES,
	HK_ETHTOOL_STATS,
	_HK_ETHTOOL_ITEM_MAX,
} hk_ethtool_item;

/* The item's name ("drvinfo", "channels"...), NULL when out of range. */
HK_API const char *hk_ethtool_item_name(hk_ethtool_item item);

/*
 * Reads the items in @items (bit 1 << HK_ETHTOOL_*; 0 means all) of
 * @ifname. Fails only for -ENOMEM, or -ENODEV when the device is absent
 * (every item answered -ENODEV); everything else is kept per item.
 */
HK_API int hk_ethtool_info_load(hk_ethtool *e, const char *ifname, unsigned items,
				hk_ethtool_info **ret);
HK_API void hk_ethtool_info_free(hk_ethtool_info *info);

/*
 * The status of @item: 0 read, -EOPNOTSUPP unsupported, -ENOENT not asked
 * for, another -errno when it failed.
 */
HK_API int hk_ethtool_info_status(const hk_ethtool_info *info, hk_ethtool_item item);
/* What went wrong with @item (empty when nothing did); never NULL. */
HK_API const char *hk_ethtool_info_message(const hk_ethtool_info *info, hk_ethtool_item item);

/* The items; NULL unless their status is 0. They live as long as @info. */
HK_API const hk_ethtool_drvinfo *hk_ethtool_info_drvinfo(const hk_ethtool_info *info);
HK_API const hk_ethtool_link *hk_ethtool_info_link(const hk_ethtool_info *info);
HK_API const hk_ethtool_channels *hk_ethtool_info_channels(const hk_ethtool_info *info);
HK_API const hk_ethtool_rings *hk_ethtool_info_rings(const hk_ethtool_info *info);
HK_API const hk_ethtool_coalesce *hk_ethtool_info_coalesce(const hk_ethtool_info *info);
HK_API const hk_ethtool_pause *hk_ethtool_info_pause(const hk_ethtool_info *info);
HK_API const hk_ethtool_features *hk_ethtool_info_features(const hk_ethtool_info *info);
HK_API const hk_ethtool_rss *hk_ethtool_info_rss(const hk_ethtool_info *info);
HK_API const hk_ethtool_rules *hk_ethtool_info_rules(const hk_ethtool_info *info);
HK_API const hk_ethtool_stats *hk_ethtool_info_stats(const hk_ethtool_info *info);

/*
 * The RXH_* fields of @flow_type as read by the RXFH_FIELDS item, which
 * asks for tcp4, udp4, sctp4, ah_esp4, tcp6, udp6, sctp6, ah_esp6, ipv4,
 * ipv6. -EOPNOTSUPP when the device did not say, -ENOENT for a flow type
 * not asked for.
 */
HK_API int hk_ethtool_info_rxfh_fields(const hk_ethtool_info *info, uint32_t flow_type,
				       uint64_t *ret);

#ifdef __cplusplus
}
#endif

#endif
