/* SPDX-License-Identifier: MIT */
/*
 * The ethtool seam and its readers, on scripted replies that replay what
 * real drivers answer (each reply says where its numbers come from), on the
 * recorded state of a scratch tree, and read-only on this machine's lo and
 * eth0 against ethtool(8).
 */
#include <fcntl.h>
#include <linux/ethtool.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/ethtool.h>
#include <hostkit/root.h>

#include "base/macro.h"
#include "host/ethtool.h"
#include "tests/support/harness.h"
#include "tests/test.h"

/*
 * Replies are written as a UAPI header followed by its variable part, in one
 * struct; gcc takes that as C, clang as a GNU extension it warns about.
 */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif

/* Buffers the scripts point at, freed at the end so sanitizers see no leak. */
static void *kept[256];
static unsigned n_kept;

static void *keep(void *p)
{
	if (!p || n_kept == ELEMENTSOF(kept))
		abort();
	kept[n_kept++] = p;
	return p;
}

static void free_kept(void)
{
	while (n_kept)
		free(kept[--n_kept]);
}

/* Static: steps built by helper functions outlive them. */
static uint32_t cmd_ids[256];
#define CMD(c) (&cmd_ids[(c)&0xff])
/* A step that answers command @c with the bytes of @obj. */
#define REPLY(c, obj)                                                                              \
	((hk_ethtool_step){                                                                        \
	    .match = CMD(c), .match_len = 4, .reply = &(obj), .reply_len = sizeof(obj)})
#define FAIL(c, err) ((hk_ethtool_step){.match = CMD(c), .match_len = 4, .result = (err)})

/* GSSET_INFO for one string set: the match and a reply saying it has @n strings. */
typedef struct sset_step {
	struct ethtool_sset_info match;
	struct {
		struct ethtool_sset_info hdr;
		uint32_t n;
	} reply;
} sset_step;

static hk_ethtool_step sset(sset_step *s, unsigned set, uint32_t n)
{
	memset(s, 0, sizeof(*s));
	s->match.cmd = ETHTOOL_GSSET_INFO;
	s->match.sset_mask = 1ull << set;
	s->reply.hdr = s->match;
	s->reply.n = n;
	return (hk_ethtool_step){.match = &s->match,
				 .match_len = sizeof(s->match),
				 .reply = &s->reply,
				 .reply_len = sizeof(s->reply)};
}

/* GSTRINGS of @set holding @names. */
static hk_ethtool_step strings(unsigned set, const char *const *names, unsigned n)
{
	size_t len = sizeof(struct ethtool_gstrings) + (size_t)n * ETH_GSTRING_LEN;
	struct ethtool_gstrings *g = keep(calloc(1, len));
	struct ethtool_gstrings *m = keep(calloc(1, sizeof(*m)));

	m->cmd = g->cmd = ETHTOOL_GSTRINGS;
	m->string_set = g->string_set = set;
	g->len = n;
	for (unsigned i = 0; i < n; i++)
		strncpy((char *)g->data + i * ETH_GSTRING_LEN, names[i], ETH_GSTRING_LEN);
	return (hk_ethtool_step){.match = m, .match_len = 8, .reply = g, .reply_len = len};
}

static hk_ethtool *script(const hk_ethtool_step *steps, size_t n, bool ordered, int unmatched)
{
	hk_ethtool *e = NULL;

	if (hk_ethtool_script_new(steps, n, ordered, unmatched, &e) < 0)
		abort();
	return e;
}

static void check_script(hk_ethtool *e, const char *what)
{
	if (hk_ethtool_script_failures(e) != 0)
		fprintf(stderr, "%s: %s\n", what, hk_ethtool_script_error(e));
	CHECK(hk_ethtool_script_failures(e) == 0);
}

/* i40e ------------------------------------------------------------------ */

/*
 * i40e (drivers/net/ethernet/intel/i40e/i40e_ethtool.c): i40e_get_ringparam
 * reports I40E_MAX_NUM_DESCRIPTORS (4096) for rx and tx and no mini or
 * jumbo ring; i40e_set_ringparam refuses rx_mini/rx_jumbo and sizes outside
 * I40E_MIN_NUM_DESCRIPTORS (64) .. max with -EINVAL. The default ring is
 * I40E_DEFAULT_NUM_DESCRIPTORS (512).
 */
static const struct ethtool_ringparam i40e_rings = {
    .cmd = ETHTOOL_GRINGPARAM,
    .rx_max_pending = 4096,
    .tx_max_pending = 4096,
    .rx_pending = 512,
    .tx_pending = 512,
};

/*
 * i40e_get_channels: max_combined is i40e_max_channels() (the VSI's queue
 * pairs, 64 here), other is 1 for the flow director sideband vector.
 */
static const struct ethtool_channels i40e_channels = {
    .cmd = ETHTOOL_GCHANNELS,
    .max_other = 1,
    .max_combined = 64,
    .other_count = 1,
    .combined_count = 16,
};

static const struct ethtool_drvinfo i40e_drvinfo = {
    .cmd = ETHTOOL_GDRVINFO,
    .driver = "i40e",
    .version = "6.1.0",
    .fw_version = "8.30 0x8000a4ae 1.2926.0",
    .bus_info = "0000:3b:00.0",
    .n_stats = 3,
    .n_priv_flags = 17,
};

static void test_rings(void)
{
	hk_ethtool_rings want, got;
	struct ethtool_ringparam set_1024 = i40e_rings;
	hk_diag diag = {};
	hk_ethtool *e;

	set_1024.cmd = ETHTOOL_SRINGPARAM;
	set_1024.rx_pending = 1024;
	set_1024.tx_pending = 1024;

	hk_ethtool_step steps[] = {
	    REPLY(ETHTOOL_GRINGPARAM, i40e_rings),
	    /* rx 8192: refused before asking the driver */
	    REPLY(ETHTOOL_GRINGPARAM, i40e_rings),
	    /* rx mini 1: i40e has no mini ring (max 0) */
	    REPLY(ETHTOOL_GRINGPARAM, i40e_rings),
	    /* rx 32: within the maximum, the driver refuses (below 64) */
	    REPLY(ETHTOOL_GRINGPARAM, i40e_rings),
	    FAIL(ETHTOOL_SRINGPARAM, -EINVAL),
	    /* unchanged: skipped */
	    REPLY(ETHTOOL_GRINGPARAM, i40e_rings),
	    /* 1024/1024: the exact request goes out */
	    REPLY(ETHTOOL_GRINGPARAM, i40e_rings),
	    {.match = &set_1024, .match_len = sizeof(set_1024)},
	};
	e = script(steps, ELEMENTSOF(steps), true, -EPROTO);

	CHECK_OK(hk_ethtool_get_rings(e, "eth0", NULL, &got));
	CHECK_EQ_U64(got.rx_max, 4096);
	CHECK_EQ_U64(got.tx_max, 4096);
	CHECK_EQ_U64(got.rx_mini_max, 0);
	CHECK_EQ_U64(got.rx_jumbo_max, 0);
	CHECK_EQ_U64(got.rx, 512);

	want = got;
	want.rx = 8192;
	CHECK_ERR(hk_ethtool_set_rings(e, "eth0", &want, &diag), -EINVAL);
	CHECK(strstr(diag.message, "driver maximum is 4096") != NULL);
	CHECK(strstr(diag.message, "'eth0'") != NULL);

	want = got;
	want.rx_mini = 1;
	CHECK_ERR(hk_ethtool_set_rings(e, "eth0", &want, &diag), -EINVAL);
	CHECK(strstr(diag.message, "rx mini ring") != NULL);

	want = got;
	want.rx = 32;
	CHECK_ERR(hk_ethtool_set_rings(e, "eth0", &want, &diag), -EINVAL);
	CHECK(strstr(diag.message, "driver refused") != NULL);

	CHECK_EQ_S64(hk_ethtool_set_rings(e, "eth0", &got, NULL), 0);

	want = got;
	want.rx = want.tx = 1024;
	CHECK_EQ_S64(hk_ethtool_set_rings(e, "eth0", &want, NULL), 1);

	check_script(e, "rings");
	CHECK_EQ_U64(hk_ethtool_script_unused(e), 0);
	hk_ethtool_free(e);
}

/*
 * bnxt (drivers/net/ethernet/broadcom/bnxt/bnxt_ethtool.c): the one common
 * driver with a jumbo ring: bnxt_get_ringparam reports rx_jumbo_max_pending
 * BNXT_MAX_RX_JUM_DESC_CNT (8191) for its aggregation ring, rx and tx
 * BNXT_MAX_RX_DESC_CNT / BNXT_MAX_TX_DESC_CNT (2047); defaults 511, with an
 * aggregation ring four times the rx ring.
 */
static void test_jumbo_rings(void)
{
	static const struct ethtool_ringparam bnxt = {
	    .cmd = ETHTOOL_GRINGPARAM,
	    .rx_max_pending = 2047,
	    .rx_jumbo_max_pending = 8191,
	    .tx_max_pending = 2047,
	    .rx_pending = 511,
	    .rx_jumbo_pending = 2044,
	    .tx_pending = 511,
	};
	hk_ethtool_step steps[] = {REPLY(ETHTOOL_GRINGPARAM, bnxt)};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), false, -EOPNOTSUPP);
	hk_ethtool_rings got, want;
	hk_diag diag = {};

	CHECK_OK(hk_ethtool_get_rings(e, "ens1f0np0", NULL, &got));
	CHECK_EQ_U64(got.rx_jumbo_max, 8191);
	CHECK_EQ_U64(got.rx_jumbo, 2044);
	CHECK_EQ_U64(got.rx_mini_max, 0);
	want = got;
	want.rx_jumbo = 9000;
	CHECK_ERR(hk_ethtool_set_rings(e, "ens1f0np0", &want, &diag), -EINVAL);
	CHECK(strstr(diag.message, "rx jumbo ring of 'ens1f0np0' to 9000: driver maximum is 8191"));
	check_script(e, "jumbo");
	hk_ethtool_free(e);
}

static void test_channels(void)
{
	struct ethtool_channels set8 = {
	    .cmd = ETHTOOL_SCHANNELS, .other_count = 1, .combined_count = 8};
	hk_ethtool_step steps[] = {
	    REPLY(ETHTOOL_GCHANNELS, i40e_channels),
	    REPLY(ETHTOOL_GCHANNELS, i40e_channels),
	    REPLY(ETHTOOL_GCHANNELS, i40e_channels),
	    {.match = &set8, .match_len = sizeof(set8)},
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), true, -EPROTO);
	hk_ethtool_channels got, want;
	hk_diag diag = {};

	CHECK_OK(hk_ethtool_get_channels(e, "eth0", NULL, &got));
	CHECK_EQ_U64(got.max_combined, 64);
	CHECK_EQ_U64(got.combined, 16);
	CHECK_EQ_U64(got.max_other, 1);
	CHECK_EQ_U64(got.max_rx, 0);

	want = got;
	want.combined = 128;
	CHECK_ERR(hk_ethtool_set_channels(e, "eth0", &want, &diag), -EINVAL);
	CHECK(strstr(diag.message, "combined channels of 'eth0' to 128: driver maximum is 64"));

	want.combined = 8;
	CHECK_EQ_S64(hk_ethtool_set_channels(e, "eth0", &want, NULL), 1);
	check_script(e, "channels");
	CHECK_EQ_U64(hk_ethtool_script_unused(e), 0);
	hk_ethtool_free(e);
}

/* Features -------------------------------------------------------------- */

/*
 * The first names of the kernel's netdev_features_strings (ETH_SS_FEATURES,
 * net/ethtool/common.c) in their bit order, then enough to need a second
 * block of GFEATURES.
 */
static const char *const feature_names[] = {
    "tx-scatter-gather",
    "tx-checksum-ipv4",
    "tx-checksum-ip-generic",
    "tx-checksum-ipv6",
    "highdma",
    "tx-scatter-gather-fraglist",
    "tx-vlan-hw-insert",
    "rx-vlan-hw-parse",
    "rx-vlan-filter",
    "vlan-challenged",
    "tx-generic-segmentation",
    "tx-lockless",
    "netns-local",
    "rx-gro",
    "rx-lro",
    "tx-tcp-segmentation",
    "tx-gso-robust",
    "tx-tcp-ecn-segmentation",
    "tx-tcp-mangleid-segmentation",
    "tx-tcp6-segmentation",
    "tx-fcoe-segmentation",
    "tx-gre-segmentation",
    "tx-gre-csum-segmentation",
    "tx-ipxip4-segmentation",
    "tx-ipxip6-segmentation",
    "tx-udp_tnl-segmentation",
    "tx-udp_tnl-csum-segmentation",
    "tx-gso-partial",
    "tx-tunnel-remcsum-segmentation",
    "tx-sctp-segmentation",
    "tx-esp-segmentation",
    "tx-udp-segmentation",
    "tx-gso-list",
    "tx-checksum-fcoe-crc",
    "tx-checksum-sctp",
    "fcoe-mtu",
    "rx-ntuple-filter",
    "rx-hashing",
};
#define N_FEATURES ((unsigned)ELEMENTSOF(feature_names))
#define F_GRO	   13
#define F_LRO	   14
#define F_NTUPLE   36

typedef struct gfeatures_reply {
	struct ethtool_gfeatures hdr;
	struct ethtool_get_features_block b[2];
} gfeatures_reply;

static void features_reply(gfeatures_reply *out, bool gro, bool ntuple)
{
	gfeatures_reply g = {};

	g.hdr.cmd = ETHTOOL_GFEATURES;
	g.hdr.size = 2;
	/* sg and the checksums changeable; lro fixed off; ntuple changeable. */
	g.b[0].available = 1u << 0 | 1u << 2 | 1u << F_GRO | 1u << 15;
	g.b[0].active = 1u << 0 | 1u << 2 | 1u << 15 | (gro ? 1u << F_GRO : 0);
	g.b[0].requested = g.b[0].active;
	g.b[0].never_changed = 1u << F_LRO;
	g.b[1].available = 1u << (F_NTUPLE - 32);
	g.b[1].active = ntuple ? 1u << (F_NTUPLE - 32) : 0;
	g.b[1].requested = g.b[1].active;
	*out = g;
}

static void test_features(void)
{
	sset_step ss[3];
	gfeatures_reply off, on;
	struct {
		struct ethtool_sfeatures hdr;
		struct ethtool_set_features_block b[2];
	} sf = {};
	hk_ethtool_features *f = NULL;
	hk_diag diag = {};

	features_reply(&off, false, false);
	features_reply(&on, true, false);
	sf.hdr.cmd = ETHTOOL_SFEATURES;
	sf.hdr.size = 2;
	sf.b[0].valid = sf.b[0].requested = 1u << F_GRO;

	hk_ethtool_step steps[] = {
	    /* the reading */
	    sset(&ss[0], ETH_SS_FEATURES, N_FEATURES),
	    strings(ETH_SS_FEATURES, feature_names, N_FEATURES),
	    REPLY(ETHTOOL_GFEATURES, off),
	    /* rx-gro on: read, the exact SFEATURES, read back */
	    sset(&ss[1], ETH_SS_FEATURES, N_FEATURES),
	    strings(ETH_SS_FEATURES, feature_names, N_FEATURES),
	    REPLY(ETHTOOL_GFEATURES, off),
	    {.match = &sf, .match_len = sizeof(sf)},
	    sset(&ss[2], ETH_SS_FEATURES, N_FEATURES),
	    strings(ETH_SS_FEATURES, feature_names, N_FEATURES),
	    REPLY(ETHTOOL_GFEATURES, on),
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), true, -EPROTO);

	CHECK_OK(hk_ethtool_get_features(e, "eth0", NULL, &f));
	CHECK_EQ_U64(hk_ethtool_features_count(f), N_FEATURES);
	CHECK_STREQ(hk_ethtool_features_name(f, 0), "tx-scatter-gather");
	CHECK_STREQ(hk_ethtool_features_name(f, F_NTUPLE), "rx-ntuple-filter");
	CHECK(hk_ethtool_features_name(f, N_FEATURES) == NULL);
	CHECK_EQ_S64(hk_ethtool_features_find(f, "rx-gro"), F_GRO);
	CHECK_EQ_S64(hk_ethtool_features_find(f, "no-such"), -ENOENT);
	CHECK(hk_ethtool_features_get(f, 0, HK_FEATURE_ACTIVE));
	CHECK(!hk_ethtool_features_get(f, F_GRO, HK_FEATURE_ACTIVE));
	CHECK(hk_ethtool_features_get(f, F_GRO, HK_FEATURE_AVAILABLE));
	CHECK(hk_ethtool_features_get(f, F_LRO, HK_FEATURE_NEVER_CHANGED));
	CHECK(hk_ethtool_features_get(f, F_NTUPLE, HK_FEATURE_AVAILABLE));
	CHECK(!hk_ethtool_features_get(f, F_NTUPLE, HK_FEATURE_ACTIVE));
	CHECK(!hk_ethtool_features_get(f, 1000, HK_FEATURE_ACTIVE));
	hk_ethtool_features_free(f);

	CHECK_EQ_S64(hk_ethtool_set_feature(e, "eth0", "rx-gro", true, &diag), 1);
	check_script(e, "features");
	CHECK_EQ_U64(hk_ethtool_script_unused(e), 0);
	hk_ethtool_free(e);

	/* Unordered: the device keeps GRO off, LRO is fixed, names unknown. */
	hk_ethtool_step kept_off[] = {
	    sset(&ss[0], ETH_SS_FEATURES, N_FEATURES),
	    strings(ETH_SS_FEATURES, feature_names, N_FEATURES),
	    REPLY(ETHTOOL_GFEATURES, off),
	    {.match = CMD(ETHTOOL_SFEATURES), .match_len = 4},
	};
	e = script(kept_off, ELEMENTSOF(kept_off), false, -EPROTO);
	CHECK_ERR(hk_ethtool_set_feature(e, "eth0", "rx-gro", true, &diag), -EREMOTEIO);
	CHECK(strstr(diag.message, "kept feature 'rx-gro' off"));
	CHECK_ERR(hk_ethtool_set_feature(e, "eth0", "rx-lro", true, &diag), -EPERM);
	CHECK_ERR(hk_ethtool_set_feature(e, "eth0", "rx-bogus", true, &diag), -ENOENT);
	CHECK_EQ_S64(hk_ethtool_set_feature(e, "eth0", "tx-scatter-gather", true, NULL), 0);
	check_script(e, "features kept off");
	hk_ethtool_free(e);
}

/* Statistics ------------------------------------------------------------ */

static const char *const stat_names[] = {"rx_packets", "tx_packets", "rx-0.packets"};

static void test_stats(void)
{
	sset_step ss;
	struct {
		struct ethtool_stats hdr;
		uint64_t v[3];
	} st = {{ETHTOOL_GSTATS, 3}, {123456789012ull, 42, 7}}, lie = {{ETHTOOL_GSTATS, 5}, {0}};
	hk_ethtool_step steps[] = {
	    sset(&ss, ETH_SS_STATS, 3),
	    strings(ETH_SS_STATS, stat_names, 3),
	    REPLY(ETHTOOL_GSTATS, st),
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), false, -EPROTO);
	hk_ethtool_stats *s = NULL;
	hk_diag diag = {};

	CHECK_OK(hk_ethtool_get_stats(e, "eth0", NULL, &s));
	CHECK_EQ_U64(hk_ethtool_stats_count(s), 3);
	CHECK_STREQ(hk_ethtool_stats_name(s, 2), "rx-0.packets");
	CHECK_EQ_U64(hk_ethtool_stats_value(s, 0), 123456789012ull);
	CHECK_EQ_U64(hk_ethtool_stats_value(s, 1), 42);
	CHECK(hk_ethtool_stats_name(s, 3) == NULL);
	hk_ethtool_stats_free(s);
	check_script(e, "stats");
	hk_ethtool_free(e);

	/* A reply announcing more values than the strings said: refused, not overrun. */
	hk_ethtool_step lying[] = {
	    sset(&ss, ETH_SS_STATS, 3),
	    strings(ETH_SS_STATS, stat_names, 3),
	    REPLY(ETHTOOL_GSTATS, lie),
	};
	e = script(lying, ELEMENTSOF(lying), false, -EPROTO);
	CHECK_ERR(hk_ethtool_get_stats(e, "eth0", &diag, &s), -EIO);
	CHECK(strstr(diag.message, "more statistics than announced"));
	hk_ethtool_free(e);

	/* More strings than GSSET_INFO announced. */
	hk_ethtool_step more[] = {
	    sset(&ss, ETH_SS_STATS, 2),
	    strings(ETH_SS_STATS, stat_names, 2),
	};
	((struct ethtool_gstrings *)(uintptr_t)more[1].reply)->len = 3;
	e = script(more, ELEMENTSOF(more), false, -EPROTO);
	CHECK_ERR(hk_ethtool_get_stats(e, "eth0", &diag, &s), -EIO);
	hk_ethtool_free(e);

	/* A count no device has: refused before it sizes a buffer. */
	hk_ethtool_step huge[] = {sset(&ss, ETH_SS_STATS, 0xffffffffu)};
	e = script(huge, ELEMENTSOF(huge), false, -EPROTO);
	CHECK_ERR(hk_ethtool_get_stats(e, "eth0", &diag, &s), -EIO);
	CHECK(strstr(diag.message, "out of range"));
	hk_ethtool_free(e);
}

/*
 * A device whose statistics grow between GSSET_INFO and GSTRINGS, answered
 * as the kernel does: ethtool_get_strings() and ethtool_get_stats() write
 * the count they have now, not the one asked for. The kernel's write past
 * the buffer ends at hostkit's guard page in copy_to_user() (-EFAULT); the
 * seam answers -EFAULT where the kernel would have written past @len.
 */
struct growing {
	unsigned count;	   /* what the device has */
	unsigned grow_to;  /* what it has after the first GSSET_INFO */
	unsigned requests; /* how many GSSET_INFO were asked */
};

static int growing_request(void *ctx, const char *ifname, void *buf, size_t len)
{
	struct growing *g = ctx;
	uint32_t cmd;

	memcpy(&cmd, buf, sizeof(cmd));
	if (cmd == ETHTOOL_GSSET_INFO) {
		struct ethtool_sset_info *si = buf;
		uint32_t n = g->count;
		if (len < sizeof(*si) + sizeof(n))
			return -EFAULT;
		si->sset_mask = 1ull << ETH_SS_STATS;
		memcpy((uint8_t *)buf + sizeof(*si), &n, sizeof(n));
		if (g->requests++ == 0)
			g->count = g->grow_to; /* a queue is added right after */
		return 0;
	}
	if (cmd == ETHTOOL_GSTRINGS) {
		struct ethtool_gstrings *gs = buf;
		if (len < sizeof(*gs) + (size_t)g->count * ETH_GSTRING_LEN)
			return -EFAULT;
		gs->len = g->count;
		for (unsigned i = 0; i < g->count; i++)
			snprintf((char *)gs->data + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN, "q%u", i);
		return 0;
	}
	if (cmd == ETHTOOL_GSTATS) {
		struct ethtool_stats *st = buf;
		if (len < sizeof(*st) + (size_t)g->count * sizeof(uint64_t))
			return -EFAULT;
		st->n_stats = g->count;
		for (unsigned i = 0; i < g->count; i++)
			st->data[i] = 1000 + i;
		return 0;
	}
	return -EOPNOTSUPP;
}

static void test_stats_growing(void)
{
	static const hk_ethtool_ops ops = {.request = growing_request};
	struct growing g = {.count = 40, .grow_to = 45};
	hk_ethtool *e = NULL;
	hk_ethtool_stats *s = NULL;

	if (CHECK_OK(hk_ethtool_new(&ops, &g, &e)) < 0)
		return;
	/* Asked again with the new count: every statistic, none lost, nothing overrun. */
	if (CHECK_OK(hk_ethtool_get_stats(e, "eth0", NULL, &s)) == 0) {
		CHECK_EQ_U64(hk_ethtool_stats_count(s), 45);
		CHECK_STREQ(hk_ethtool_stats_name(s, 44), "q44");
		CHECK_EQ_U64(hk_ethtool_stats_value(s, 44), 1044);
		CHECK_EQ_U64(g.requests, 2);
	}
	hk_ethtool_stats_free(s);
	hk_ethtool_free(e);
}

/* RSS ------------------------------------------------------------------- */

static const char *const hfunc_names[] = {"toeplitz", "xor", "crc32"};

/* A GRSSH handshake and reply for a table of @n entries and a key of @key_size bytes. */
static void rss_steps(hk_ethtool_step *steps, unsigned n, unsigned key_size, unsigned rings)
{
	struct ethtool_rxfh *sizes = keep(calloc(1, sizeof(*sizes)));
	struct ethtool_rxfh *m0 = keep(calloc(1, sizeof(*m0)));
	struct ethtool_rxfh *m1 = keep(calloc(1, sizeof(*m1)));
	size_t len = sizeof(struct ethtool_rxfh) + n * 4 + key_size;
	struct ethtool_rxfh *full = keep(calloc(1, len));
	struct ethtool_rxnfc *rr = keep(calloc(1, sizeof(*rr)));
	uint8_t *key;
	static sset_step hs;

	m0->cmd = ETHTOOL_GRSSH; /* sizes 0: the handshake */
	sizes->cmd = ETHTOOL_GRSSH;
	sizes->indir_size = n;
	sizes->key_size = key_size;
	*m1 = *sizes;
	*full = *sizes;
	full->hfunc = 1; /* ETH_RSS_HASH_TOP */
	for (unsigned i = 0; i < n; i++)
		full->rss_config[i] = i % rings; /* ethtool_rxfh_indir_default() */
	key = (uint8_t *)&full->rss_config[n];
	for (unsigned i = 0; i < key_size; i++)
		key[i] = (uint8_t)(0x6d + i * 7);
	rr->cmd = ETHTOOL_GRXRINGS;
	rr->data = rings;

	/* The full request first: the handshake's match is a prefix of it. */
	steps[0] = (hk_ethtool_step){
	    .match = m1, .match_len = sizeof(*m1), .reply = full, .reply_len = len};
	steps[1] = (hk_ethtool_step){
	    .match = m0, .match_len = sizeof(*m0), .reply = sizes, .reply_len = sizeof(*sizes)};
	steps[2] = sset(&hs, ETH_SS_RSS_HASH_FUNCS, 3);
	steps[3] = strings(ETH_SS_RSS_HASH_FUNCS, hfunc_names, 3);
	steps[4] = (hk_ethtool_step){
	    .match = CMD(ETHTOOL_GRXRINGS), .match_len = 4, .reply = rr, .reply_len = sizeof(*rr)};
}

static void check_rss(hk_ethtool *e, unsigned n, unsigned key_size, unsigned rings)
{
	hk_ethtool_rss *rss = NULL;
	const uint32_t *t;
	const uint8_t *key;
	size_t ks;
	bool spread = true;

	if (CHECK_OK(hk_ethtool_get_rss(e, "eth0", NULL, &rss)) < 0)
		return;
	CHECK_EQ_U64(hk_ethtool_rss_indir_size(rss), n);
	t = hk_ethtool_rss_indir(rss);
	for (unsigned i = 0; i < n; i++)
		spread &= t[i] == i % rings;
	CHECK(spread);
	key = hk_ethtool_rss_key(rss, &ks);
	CHECK_EQ_U64(ks, key_size);
	CHECK_EQ_U64(key[0], 0x6d);
	CHECK_EQ_U64(key[key_size - 1], (uint8_t)(0x6d + (key_size - 1) * 7));
	CHECK_EQ_U64(hk_ethtool_rss_hfunc(rss), 1);
	CHECK_STREQ(hk_ethtool_rss_hfunc_name(rss), "toeplitz");
	CHECK_EQ_S64(hk_ethtool_rss_rx_rings(rss), rings);
	hk_ethtool_rss_free(rss);
}

static void test_rss(void)
{
	hk_ethtool_step steps[8];
	hk_ethtool *e;

	/*
	 * ixgbe on 82599 (ixgbe_ethtool.c): ixgbe_rss_indir_size() is
	 * ixgbe_rss_indir_tbl_entries(), 128 before X550; the key is
	 * IXGBE_RSS_KEY_SIZE, 40 bytes; Toeplitz only; 16 queues.
	 */
	rss_steps(steps, 128, 40, 16);
	e = script(steps, 5, false, -EPROTO);
	check_rss(e, 128, 40, 16);
	check_script(e, "rss 128");
	CHECK_EQ_U64(hk_ethtool_script_unused(e), 0);
	hk_ethtool_free(e);

	/*
	 * i40e PF (i40e.h): I40E_HLUT_ARRAY_SIZE = (I40E_PFQF_HLUT_MAX_INDEX
	 * + 1) * 4 = 512 entries, I40E_HKEY_ARRAY_SIZE = (12 + 1) * 4 = 52
	 * bytes (ice uses the same 52-byte key, ICE_VSIQF_HKEY_ARRAY_SIZE).
	 */
	rss_steps(steps, 512, 52, 24);
	e = script(steps, 5, false, -EPROTO);
	check_rss(e, 512, 52, 24);
	check_script(e, "rss 512");
	hk_ethtool_free(e);
}

static void test_rss_fallback(void)
{
	/* A driver with only GRXFHINDIR (before GRSSH, kernel 3.16): no key, no hfunc. */
	static const struct ethtool_rxfh_indir size = {.cmd = ETHTOOL_GRXFHINDIR, .size = 4};
	static const struct {
		struct ethtool_rxfh_indir hdr;
		uint32_t t[4];
	} table = {{ETHTOOL_GRXFHINDIR, 4}, {0, 1, 0, 1}};
	hk_ethtool_step steps[] = {
	    FAIL(ETHTOOL_GRSSH, -EOPNOTSUPP),
	    {.match = &table.hdr,
	     .match_len = sizeof(table.hdr),
	     .reply = &table,
	     .reply_len = sizeof(table)},
	    {.match = CMD(ETHTOOL_GRXFHINDIR),
	     .match_len = 4,
	     .reply = &size,
	     .reply_len = sizeof(size)},
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), false, -EOPNOTSUPP);
	hk_ethtool_rss *rss = NULL;
	size_t ks = 99;

	if (CHECK_OK(hk_ethtool_get_rss(e, "eth0", NULL, &rss)) >= 0) {
		CHECK_EQ_U64(hk_ethtool_rss_indir_size(rss), 4);
		CHECK_EQ_U64(hk_ethtool_rss_indir(rss)[1], 1);
		hk_ethtool_rss_key(rss, &ks);
		CHECK_EQ_U64(ks, 0);
		CHECK(hk_ethtool_rss_hfunc_name(rss) == NULL);
		CHECK_EQ_S64(hk_ethtool_rss_rx_rings(rss), -ENODATA);
	}
	hk_ethtool_rss_free(rss);
	check_script(e, "rss fallback");
	hk_ethtool_free(e);
}

static void test_rss_set(void)
{
	hk_ethtool_step steps[8];
	uint32_t t[128];
	size_t len = sizeof(struct ethtool_rxfh) + sizeof(t);
	struct ethtool_rxfh *want = keep(calloc(1, len));
	hk_ethtool *e;
	hk_diag diag = {};

	rss_steps(steps, 128, 40, 16);
	/* The exact SRSSH: table only, key_size 0, hfunc unchanged (0). */
	for (unsigned i = 0; i < 128; i++)
		t[i] = i % 4;
	want->cmd = ETHTOOL_SRSSH;
	want->indir_size = 128;
	memcpy(want->rss_config, t, sizeof(t));
	steps[5] = (hk_ethtool_step){.match = want, .match_len = len};
	e = script(steps, 6, false, -EPROTO);

	CHECK_EQ_S64(hk_ethtool_set_rss_indir(e, "eth0", t, 128, NULL), 1);
	CHECK_ERR(hk_ethtool_set_rss_indir(e, "eth0", t, 64, &diag), -EINVAL);
	CHECK(strstr(diag.message, "has 128 entries, not 64"));
	t[5] = 16;
	CHECK_ERR(hk_ethtool_set_rss_indir(e, "eth0", t, 128, &diag), -EINVAL);
	CHECK(strstr(diag.message, "entry 5 of 'eth0' names ring 16"));
	for (unsigned i = 0; i < 128; i++)
		t[i] = i % 16; /* what the device holds */
	CHECK_EQ_S64(hk_ethtool_set_rss_indir(e, "eth0", t, 128, NULL), 0);
	check_script(e, "rss set");
	hk_ethtool_free(e);
}

/* Flow hashing and ntuple rules ----------------------------------------- */

static void test_rxfh_fields(void)
{
	static struct ethtool_rxnfc m4 = {.cmd = ETHTOOL_GRXFH, .flow_type = TCP_V4_FLOW},
				    r4 = {.cmd = ETHTOOL_GRXFH,
					  .flow_type = TCP_V4_FLOW,
					  .data = RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 |
						  RXH_L4_B_2_3},
				    m6 = {.cmd = ETHTOOL_GRXFH, .flow_type = UDP_V6_FLOW},
				    r6 = {.cmd = ETHTOOL_GRXFH,
					  .flow_type = UDP_V6_FLOW,
					  .data = RXH_IP_SRC | RXH_IP_DST};
	hk_ethtool_step steps[] = {
	    {.match = &m4, .match_len = 8, .reply = &r4, .reply_len = sizeof(r4)},
	    {.match = &m6, .match_len = 8, .reply = &r6, .reply_len = sizeof(r6)},
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), false, -EOPNOTSUPP);
	uint64_t v = 0;

	CHECK_OK(hk_ethtool_get_rxfh_fields(e, "eth0", TCP_V4_FLOW, NULL, &v));
	CHECK_EQ_U64(v, RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 | RXH_L4_B_2_3);
	CHECK_OK(hk_ethtool_get_rxfh_fields(e, "eth0", UDP_V6_FLOW, NULL, &v));
	CHECK_EQ_U64(v, RXH_IP_SRC | RXH_IP_DST);
	CHECK_ERR(hk_ethtool_get_rxfh_fields(e, "eth0", SCTP_V4_FLOW, NULL, &v), -EOPNOTSUPP);
	CHECK_STREQ(hk_ethtool_flow_type_name(TCP_V4_FLOW), "tcp4");
	CHECK_STREQ(hk_ethtool_flow_type_name(UDP_V6_FLOW | FLOW_EXT), "udp6");
	CHECK_STREQ(hk_ethtool_flow_type_name(ETHER_FLOW), "ether");
	CHECK(hk_ethtool_flow_type_name(0x7f) == NULL);
	hk_ethtool_free(e);
}

/* A GRXCLSRULE step for the rule at @loc. */
static hk_ethtool_step rule_step(const struct ethtool_rx_flow_spec *fs)
{
	struct ethtool_rxnfc *m = keep(calloc(1, sizeof(*m)));
	struct ethtool_rxnfc *r = keep(calloc(1, sizeof(*r)));

	m->cmd = r->cmd = ETHTOOL_GRXCLSRULE;
	m->fs.location = fs->location;
	r->fs = *fs;
	return (hk_ethtool_step){.match = m,
				 .match_len = offsetof(struct ethtool_rxnfc, fs.location) + 4,
				 .reply = r,
				 .reply_len = sizeof(*r)};
}

/*
 * Rules as `ethtool -N eth0 flow-type tcp4 dst-port 80 action 2 loc 0`,
 * `... udp6 dst-port 53 action 3 loc 5`, `... ether proto 0x88f7 action 1
 * loc 1023` (PTP) and `... tcp4 src-ip 10.0.0.1 action -1 loc 7` (drop), on
 * a device with an 1024-entry table like i40e's flow director (whose
 * i40e_get_rxnfc answers GRXCLSRLCNT with the table size in data).
 */
static void test_rules(void)
{
	struct ethtool_rx_flow_spec fs[4] = {};
	struct ethtool_rxnfc cnt = {.cmd = ETHTOOL_GRXCLSRLCNT, .data = 1024, .rule_cnt = 4};
	/* The kernel copies the locations to offsetof(rule_locs), not sizeof(rxnfc). */
	size_t all_len = offsetof(struct ethtool_rxnfc, rule_locs) + 4 * sizeof(uint32_t);
	struct ethtool_rxnfc *all = keep(calloc(1, sizeof(struct ethtool_rxnfc) + 16));
	struct ethtool_rxnfc all_match = {.cmd = ETHTOOL_GRXCLSRLALL, .rule_cnt = 4};
	hk_ethtool_rules *rules = NULL;

	fs[0].flow_type = TCP_V4_FLOW;
	fs[0].h_u.tcp_ip4_spec.pdst = htobe16(80);
	fs[0].m_u.tcp_ip4_spec.pdst = 0xffff;
	fs[0].ring_cookie = 2;
	fs[0].location = 0;
	fs[1].flow_type = UDP_V6_FLOW;
	fs[1].h_u.udp_ip6_spec.pdst = htobe16(53);
	fs[1].m_u.udp_ip6_spec.pdst = 0xffff;
	fs[1].ring_cookie = 3;
	fs[1].location = 5;
	fs[2].flow_type = ETHER_FLOW;
	fs[2].h_u.ether_spec.h_proto = htobe16(0x88f7);
	fs[2].m_u.ether_spec.h_proto = 0xffff;
	fs[2].ring_cookie = 1;
	fs[2].location = 1023;
	fs[3].flow_type = TCP_V4_FLOW | FLOW_EXT;
	fs[3].h_u.tcp_ip4_spec.ip4src = htobe32(0x0a000001);
	fs[3].m_u.tcp_ip4_spec.ip4src = 0xffffffff;
	fs[3].ring_cookie = RX_CLS_FLOW_DISC;
	fs[3].location = 7;
	all->cmd = ETHTOOL_GRXCLSRLALL;
	all->data = 1024;
	all->rule_cnt = 4;
	all->rule_locs[0] = 0;
	all->rule_locs[1] = 5;
	all->rule_locs[2] = 1023;
	all->rule_locs[3] = 7;

	hk_ethtool_step steps[] = {
	    REPLY(ETHTOOL_GRXCLSRLCNT, cnt),
	    {.match = &all_match,
	     .match_len = sizeof(all_match),
	     .reply = all,
	     .reply_len = all_len},
	    rule_step(&fs[0]),
	    rule_step(&fs[1]),
	    rule_step(&fs[2]),
	    rule_step(&fs[3]),
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), true, -EPROTO);

	if (CHECK_OK(hk_ethtool_get_rules(e, "eth0", NULL, &rules)) >= 0) {
		const struct ethtool_rx_flow_spec *r;

		CHECK_EQ_U64(hk_ethtool_rules_count(rules), 4);
		CHECK_EQ_U64(hk_ethtool_rules_table_size(rules), 1024);
		CHECK(!hk_ethtool_rules_special_locations(rules));
		r = hk_ethtool_rules_get(rules, 0);
		CHECK_EQ_U64(r->flow_type, TCP_V4_FLOW);
		CHECK_EQ_U64(be16toh(r->h_u.tcp_ip4_spec.pdst), 80);
		CHECK_EQ_U64(r->ring_cookie, 2);
		r = hk_ethtool_rules_get(rules, 1);
		CHECK_EQ_U64(r->flow_type, UDP_V6_FLOW);
		CHECK_EQ_U64(r->location, 5);
		r = hk_ethtool_rules_get(rules, 2);
		CHECK_EQ_U64(r->flow_type, ETHER_FLOW);
		CHECK_EQ_U64(be16toh(r->h_u.ether_spec.h_proto), 0x88f7);
		CHECK_EQ_U64(r->location, 1023);
		r = hk_ethtool_rules_get(rules, 3);
		CHECK_STREQ(hk_ethtool_flow_type_name(r->flow_type), "tcp4");
		CHECK_EQ_U64(r->ring_cookie, RX_CLS_FLOW_DISC);
		CHECK(hk_ethtool_rules_get(rules, 4) == NULL);
	}
	hk_ethtool_rules_free(rules);
	check_script(e, "rules");
	CHECK_EQ_U64(hk_ethtool_script_unused(e), 0);
	hk_ethtool_free(e);

	/* No rules, driver-chosen locations (mlx5's RX_CLS_LOC_SPECIAL): two requests fewer. */
	struct ethtool_rxnfc none = {.cmd = ETHTOOL_GRXCLSRLCNT, .data = RX_CLS_LOC_SPECIAL | 64};
	hk_ethtool_step empty[] = {REPLY(ETHTOOL_GRXCLSRLCNT, none)};
	e = script(empty, ELEMENTSOF(empty), true, -EPROTO);
	if (CHECK_OK(hk_ethtool_get_rules(e, "eth0", NULL, &rules)) >= 0) {
		CHECK_EQ_U64(hk_ethtool_rules_count(rules), 0);
		CHECK_EQ_U64(hk_ethtool_rules_table_size(rules), 64);
		CHECK(hk_ethtool_rules_special_locations(rules));
	}
	hk_ethtool_rules_free(rules);
	check_script(e, "no rules");
	hk_ethtool_free(e);

	/* GRXCLSRLALL listing more rules than counted: refused. */
	all->rule_cnt = 9;
	e = script(steps, 2, true, -EPROTO);
	CHECK_ERR(hk_ethtool_get_rules(e, "eth0", NULL, &rules), -EIO);
	hk_ethtool_free(e);
}

/* Coalescing, link, pause, drvinfo -------------------------------------- */

static void test_coalesce(void)
{
	/* ice: per-queue ITR (ice_get_per_q_coalesce); here queues 2 and 3. */
	static const struct ethtool_coalesce global = {.cmd = ETHTOOL_GCOALESCE,
						       .rx_coalesce_usecs = 50,
						       .tx_coalesce_usecs = 50,
						       .use_adaptive_rx_coalesce = 1,
						       .rate_sample_interval = 2};
	struct {
		struct ethtool_per_queue_op op;
		struct ethtool_coalesce c[2];
	} reply = {};
	struct ethtool_per_queue_op *match = keep(calloc(1, sizeof(*match)));
	hk_ethtool_coalesce c, q[2];
	hk_diag diag = {};

	match->cmd = reply.op.cmd = ETHTOOL_PERQUEUE;
	match->sub_command = reply.op.sub_command = ETHTOOL_GCOALESCE;
	match->queue_mask[0] = reply.op.queue_mask[0] = 1u << 2 | 1u << 3;
	reply.c[0] = global;
	reply.c[0].rx_coalesce_usecs = 10;
	reply.c[1] = global;
	reply.c[1].rx_coalesce_usecs = 20;
	reply.c[1].tx_max_coalesced_frames = 64;

	hk_ethtool_step steps[] = {
	    REPLY(ETHTOOL_GCOALESCE, global),
	    {.match = match,
	     .match_len = sizeof(*match),
	     .reply = &reply,
	     .reply_len = sizeof(reply)},
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), false, -EOPNOTSUPP);

	CHECK_OK(hk_ethtool_get_coalesce(e, "eth0", NULL, &c));
	CHECK_EQ_U64(c.rx_coalesce_usecs, 50);
	CHECK_EQ_U64(c.use_adaptive_rx_coalesce, 1);
	CHECK_EQ_U64(c.rate_sample_interval, 2);
	CHECK_OK(hk_ethtool_get_queue_coalesce(e, "eth0", 2, 2, NULL, q));
	CHECK_EQ_U64(q[0].rx_coalesce_usecs, 10);
	CHECK_EQ_U64(q[1].rx_coalesce_usecs, 20);
	CHECK_EQ_U64(q[1].tx_max_coalesced_frames, 64);
	/* Queue 5 alone: a different mask, which this device does not answer. */
	CHECK_ERR(hk_ethtool_get_queue_coalesce(e, "eth0", 5, 1, NULL, q), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_queue_coalesce(e, "eth0", 0, 0, &diag, q), -EINVAL);
	CHECK_ERR(hk_ethtool_get_queue_coalesce(e, "eth0", 4095, 2, &diag, q), -EINVAL);
	CHECK_ERR(hk_ethtool_get_queue_coalesce(e, "eth0", 0xffffffffu, 2, &diag, q), -EINVAL);
	check_script(e, "coalesce");
	hk_ethtool_free(e);
}

static void test_link(void)
{
	/* An E810 at 25G: 3 words of link modes in kernel 6.1. */
	struct ethtool_link_settings hs = {.cmd = ETHTOOL_GLINKSETTINGS,
					   .link_mode_masks_nwords = -3};
	struct ethtool_link_settings m0 = {.cmd = ETHTOOL_GLINKSETTINGS};
	struct ethtool_link_settings m1 = {.cmd = ETHTOOL_GLINKSETTINGS,
					   .link_mode_masks_nwords = 3};
	struct {
		struct ethtool_link_settings s;
		uint32_t masks[9];
	} full = {{.cmd = ETHTOOL_GLINKSETTINGS,
		   .speed = 25000,
		   .duplex = DUPLEX_FULL,
		   .port = PORT_DA,
		   .autoneg = AUTONEG_ENABLE,
		   .link_mode_masks_nwords = 3},
		  {0x1, 0x2, 0x80000000u, 0x1, 0x2, 0, 0x1, 0, 0}};
	hk_ethtool_step steps[] = {
	    {.match = &m1, .match_len = sizeof(m1), .reply = &full, .reply_len = sizeof(full)},
	    {.match = &m0, .match_len = sizeof(m0), .reply = &hs, .reply_len = sizeof(hs)},
	};
	hk_ethtool *e = script(steps, ELEMENTSOF(steps), false, -EPROTO);
	hk_ethtool_link l;

	if (CHECK_OK(hk_ethtool_get_link(e, "eth0", NULL, &l)) >= 0) {
		CHECK_EQ_U64(l.speed, 25000);
		CHECK_EQ_U64(l.duplex, DUPLEX_FULL);
		CHECK_EQ_U64(l.port, PORT_DA);
		CHECK_EQ_U64(l.supported[2], 0x80000000u);
		CHECK_EQ_U64(l.advertising[1], 0x2);
		CHECK_EQ_U64(l.lp_advertising[0], 0x1);
		CHECK_EQ_U64(l.supported[3], 0);
	}
	check_script(e, "link");
	hk_ethtool_free(e);

	/* A handshake without a size. */
	hk_ethtool_step bad[] = {
	    {.match = &m0, .match_len = sizeof(m0), .reply = &m0, .reply_len = sizeof(m0)},
	};
	e = script(bad, ELEMENTSOF(bad), false, -EPROTO);
	CHECK_ERR(hk_ethtool_get_link(e, "eth0", NULL, &l), -EIO);
	hk_ethtool_free(e);
}

static void test_small(void)
{
	static const struct ethtool_pauseparam pause = {
	    .cmd = ETHTOOL_GPAUSEPARAM, .autoneg = 1, .rx_pause = 1};
	struct ethtool_drvinfo long_driver = i40e_drvinfo;
	hk_ethtool_step steps[] = {
	    REPLY(ETHTOOL_GPAUSEPARAM, pause),
	    REPLY(ETHTOOL_GDRVINFO, long_driver),
	};
	hk_ethtool *e;
	hk_ethtool_pause p;
	hk_ethtool_drvinfo d;
	char buf[8] = {0};

	/* A driver name filling all 32 bytes, unterminated: kept to 31. */
	memset(long_driver.driver, 'x', sizeof(long_driver.driver));
	e = script(steps, ELEMENTSOF(steps), false, -EOPNOTSUPP);
	CHECK_OK(hk_ethtool_get_pause(e, "eth0", NULL, &p));
	CHECK_EQ_U64(p.rx_pause, 1);
	CHECK_EQ_U64(p.tx_pause, 0);
	CHECK_OK(hk_ethtool_get_drvinfo(e, "eth0", NULL, &d));
	CHECK_EQ_U64(strlen(d.driver), 31);
	CHECK_STREQ(d.bus_info, "0000:3b:00.0");
	CHECK_EQ_U64(d.n_priv_flags, 17);

	/* hk_ethtool_request's own checks. */
	CHECK_ERR(hk_ethtool_request(e, "", buf, sizeof(buf)), -EINVAL);
	CHECK_ERR(hk_ethtool_request(e, "a-name-of-16-chr", buf, sizeof(buf)), -EINVAL);
	CHECK_ERR(hk_ethtool_request(e, "eth0", buf, 2), -EINVAL);
	hk_ethtool_free(e);

	CHECK_ERR(hk_ethtool_new(&(hk_ethtool_ops){0}, NULL, &e), -EINVAL);
	CHECK_ERR(hk_ethtool_recorder_new(NULL, &e), -EINVAL);
}

/* A device that supports nothing ---------------------------------------- */

static void test_unsupported(void)
{
	hk_ethtool *e = script(NULL, 0, false, -EOPNOTSUPP);
	hk_ethtool_info *info = NULL;
	hk_ethtool_drvinfo d;
	hk_ethtool_channels ch;
	hk_ethtool_rings rg;
	hk_ethtool_coalesce co;
	hk_ethtool_pause pa;
	hk_ethtool_link li;
	hk_ethtool_features *f = NULL;
	hk_ethtool_stats *s = NULL;
	hk_ethtool_rss *rss = NULL;
	hk_ethtool_rules *rules = NULL;
	uint64_t v;
	hk_diag diag = {};

	CHECK_ERR(hk_ethtool_get_drvinfo(e, "dummy0", &diag, &d), -EOPNOTSUPP);
	CHECK(strstr(diag.message, "ETHTOOL_GDRVINFO on 'dummy0': unsupported"));
	CHECK_ERR(hk_ethtool_get_link(e, "dummy0", NULL, &li), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_channels(e, "dummy0", NULL, &ch), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_rings(e, "dummy0", NULL, &rg), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_coalesce(e, "dummy0", NULL, &co), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_queue_coalesce(e, "dummy0", 0, 4, NULL, &co), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_pause(e, "dummy0", NULL, &pa), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_features(e, "dummy0", NULL, &f), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_stats(e, "dummy0", NULL, &s), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_rss(e, "dummy0", NULL, &rss), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_rxfh_fields(e, "dummy0", TCP_V4_FLOW, NULL, &v), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_get_rules(e, "dummy0", NULL, &rules), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_set_channels(e, "dummy0", &(hk_ethtool_channels){0}, NULL),
		  -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_set_rings(e, "dummy0", &(hk_ethtool_rings){0}, NULL), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_set_feature(e, "dummy0", "rx-gro", true, NULL), -EOPNOTSUPP);
	CHECK_ERR(hk_ethtool_set_rss_indir(e, "dummy0", NULL, 0, NULL), -EOPNOTSUPP);

	if (CHECK_OK(hk_ethtool_info_load(e, "dummy0", 0, &info)) >= 0) {
		for (unsigned it = 0; it < _HK_ETHTOOL_ITEM_MAX; it++) {
			CHECK_EQ_S64(hk_ethtool_info_status(info, it), -EOPNOTSUPP);
			CHECK(hk_ethtool_item_name(it) != NULL);
			CHECK(hk_ethtool_info_message(info, it)[0] != '\0');
		}
		CHECK(hk_ethtool_info_drvinfo(info) == NULL);
		CHECK(hk_ethtool_info_channels(info) == NULL);
		CHECK(hk_ethtool_info_rss(info) == NULL);
		CHECK(hk_ethtool_info_stats(info) == NULL);
		CHECK_ERR(hk_ethtool_info_rxfh_fields(info, TCP_V4_FLOW, &v), -EOPNOTSUPP);
		CHECK_ERR(hk_ethtool_info_rxfh_fields(info, ETHER_FLOW, &v), -ENOENT);
	}
	hk_ethtool_info_free(info);
	hk_ethtool_free(e);

	/* A device that is not there. */
	e = script(NULL, 0, false, -ENODEV);
	CHECK_ERR(hk_ethtool_info_load(e, "gone0", 0, &info), -ENODEV);
	hk_ethtool_free(e);
}

/* The aggregate and the recorded state ---------------------------------- */

/* A whole i40e-like device, unordered; stats fail with EIO to show the others survive. */
static size_t i40e_device(hk_ethtool_step *steps, sset_step *ss, struct ethtool_coalesce *co,
			  struct ethtool_rxnfc *cnt, gfeatures_reply *gf)
{
	size_t n = 0;

	*co = (struct ethtool_coalesce){.cmd = ETHTOOL_GCOALESCE,
					.rx_coalesce_usecs = 50,
					.tx_coalesce_usecs = 50,
					.use_adaptive_rx_coalesce = 1,
					.use_adaptive_tx_coalesce = 1};
	*cnt = (struct ethtool_rxnfc){.cmd = ETHTOOL_GRXCLSRLCNT, .data = 8192};
	features_reply(gf, true, true);
	steps[n++] = REPLY(ETHTOOL_GDRVINFO, i40e_drvinfo);
	steps[n++] = REPLY(ETHTOOL_GCHANNELS, i40e_channels);
	steps[n++] = REPLY(ETHTOOL_GRINGPARAM, i40e_rings);
	steps[n++] = REPLY(ETHTOOL_GCOALESCE, *co);
	steps[n++] = sset(&ss[0], ETH_SS_FEATURES, N_FEATURES);
	steps[n++] = strings(ETH_SS_FEATURES, feature_names, N_FEATURES);
	steps[n++] = REPLY(ETHTOOL_GFEATURES, *gf);
	rss_steps(&steps[n], 512, 52, 16);
	n += 5;
	steps[n++] = REPLY(ETHTOOL_GRXCLSRLCNT, *cnt);
	steps[n++] = FAIL(ETHTOOL_GSSET_INFO, -EIO);
	return n;
}

static void check_i40e_info(const hk_ethtool_info *info)
{
	const hk_ethtool_features *f;
	const hk_ethtool_rss *rss;
	size_t ks;

	CHECK_EQ_S64(hk_ethtool_info_status(info, HK_ETHTOOL_DRVINFO), 0);
	CHECK_STREQ(hk_ethtool_info_drvinfo(info)->driver, "i40e");
	CHECK_EQ_U64(hk_ethtool_info_channels(info)->max_combined, 64);
	CHECK_EQ_U64(hk_ethtool_info_rings(info)->rx_max, 4096);
	CHECK_EQ_U64(hk_ethtool_info_coalesce(info)->use_adaptive_tx_coalesce, 1);
	f = hk_ethtool_info_features(info);
	CHECK(f && hk_ethtool_features_get(f, F_NTUPLE, HK_FEATURE_ACTIVE));
	rss = hk_ethtool_info_rss(info);
	CHECK(rss && hk_ethtool_rss_indir_size(rss) == 512);
	CHECK(rss && hk_ethtool_rss_key(rss, &ks) && ks == 52);
	CHECK(rss && hk_ethtool_rss_indir(rss)[17] == 1);
	CHECK(hk_ethtool_info_rules(info) &&
	      hk_ethtool_rules_count(hk_ethtool_info_rules(info)) == 0);
	CHECK_EQ_S64(hk_ethtool_info_status(info, HK_ETHTOOL_STATS), -EIO);
	CHECK(strstr(hk_ethtool_info_message(info, HK_ETHTOOL_STATS), "ETHTOOL_GSSET_INFO"));
	CHECK_EQ_S64(hk_ethtool_info_status(info, HK_ETHTOOL_PAUSE), -EOPNOTSUPP);
	CHECK_EQ_S64(hk_ethtool_info_status(info, HK_ETHTOOL_LINK), -EOPNOTSUPP);
	CHECK_EQ_S64(hk_ethtool_info_status(info, HK_ETHTOOL_RXFH_FIELDS), -EOPNOTSUPP);
	CHECK(hk_ethtool_info_pause(info) == NULL);
}

static int write_file(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, s, n) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -EIO;
}

static void test_info_and_record(void)
{
	hk_ethtool_step steps[32];
	sset_step ss[2];
	struct ethtool_coalesce co;
	struct ethtool_rxnfc cnt;
	gfeatures_reply gf;
	size_t n = i40e_device(steps, ss, &co, &cnt, &gf);
	hk_ethtool *e = script(steps, n, false, -EOPNOTSUPP), *rec = NULL, *replay = NULL;
	hk_ethtool_info *info = NULL, *again = NULL;
	hk_root *root = NULL;
	hk_diag diag = {};
	char dir[512], path[600], sys[600];
	_cleanup_free_ char *text = NULL;
	size_t len;

	CHECK_OK(hk_ethtool_info_load(e, "eth0", 0, &info));
	if (info)
		check_i40e_info(info);
	hk_ethtool_info_free(info);
	info = NULL;
	check_script(e, "i40e info");

	/* Record the same readings, save them beside a scratch tree, replay. */
	if (CHECK_OK(hk_ethtool_recorder_new(e, &rec)) < 0)
		return;
	CHECK_OK(hk_ethtool_info_load(rec, "eth0", 0, &info));
	CHECK_ERR(hk_ethtool_save(rec, NULL, NULL), -EINVAL);
	if (CHECK_OK(harness_mkdtemp("ethtool-XXXXXX", dir, sizeof(dir))) < 0)
		goto out;
	harness_remove_at_exit(dir);
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	CHECK(mkdir(sys, 0755) == 0);
	CHECK_OK(hk_ethtool_save(rec, dir, &diag));
	snprintf(path, sizeof(path), "%s/hostkit/ethtool/eth0", dir);
	CHECK_OK(harness_read_file(path, &text, &len));
	CHECK(text && strncmp(text, "hostkit-ethtool 1\n", 18) == 0);

	CHECK_OK(hk_root_open(dir, 0, NULL, &root));
	if (!root)
		goto out;
	if (CHECK_OK(hk_ethtool_open(root, &diag, &replay)) < 0)
		goto out;
	if (CHECK_OK(hk_ethtool_info_load(replay, "eth0", 0, &again)) >= 0) {
		const hk_ethtool_rss *a = hk_ethtool_info_rss(info),
				     *b = hk_ethtool_info_rss(again);
		const hk_ethtool_features *fa = hk_ethtool_info_features(info),
					  *fb = hk_ethtool_info_features(again);
		size_t ka, kb;

		check_i40e_info(again);
		for (unsigned it = 0; it < _HK_ETHTOOL_ITEM_MAX; it++)
			CHECK_EQ_S64(hk_ethtool_info_status(again, it),
				     hk_ethtool_info_status(info, it));
		CHECK(memcmp(hk_ethtool_info_drvinfo(info), hk_ethtool_info_drvinfo(again),
			     sizeof(hk_ethtool_drvinfo)) == 0);
		CHECK(memcmp(hk_ethtool_info_channels(info), hk_ethtool_info_channels(again),
			     sizeof(hk_ethtool_channels)) == 0);
		CHECK(memcmp(hk_ethtool_info_rings(info), hk_ethtool_info_rings(again),
			     sizeof(hk_ethtool_rings)) == 0);
		CHECK(memcmp(hk_ethtool_info_coalesce(info), hk_ethtool_info_coalesce(again),
			     sizeof(hk_ethtool_coalesce)) == 0);
		CHECK(memcmp(hk_ethtool_rss_indir(a), hk_ethtool_rss_indir(b), 512 * 4) == 0);
		CHECK(memcmp(hk_ethtool_rss_key(a, &ka), hk_ethtool_rss_key(b, &kb), 52) == 0);
		CHECK_STREQ(hk_ethtool_rss_hfunc_name(b), "toeplitz");
		CHECK_EQ_U64(hk_ethtool_features_count(fb), hk_ethtool_features_count(fa));
		for (unsigned i = 0; i < hk_ethtool_features_count(fa); i++)
			for (unsigned st = 0; st < 4; st++)
				CHECK(hk_ethtool_features_get(fa, i, st) ==
				      hk_ethtool_features_get(fb, i, st));
	}
	hk_ethtool_info_free(again);
	again = NULL;
	/* A device the capture did not see. */
	CHECK_ERR(hk_ethtool_info_load(replay, "eth1", 0, &again), -ENODEV);
	hk_ethtool_free(replay);
	replay = NULL;

	/* Truncated: the last record cut in the middle. */
	if (text && len > 40) {
		CHECK_OK(write_file(path, text, len - 7));
		CHECK_ERR(hk_ethtool_open(root, &diag, &replay), -EINVAL);
		CHECK(strstr(diag.path, "hostkit/ethtool/eth0") != NULL);
		CHECK(strstr(diag.message, "offset ") != NULL);
		CHECK(diag.line > 2);
		/* Corrupt: a digit of a length replaced. */
		text[len - 30] = 'z';
		CHECK_OK(write_file(path, text, len));
		hk_ethtool_free(replay);
		replay = NULL;
		CHECK_ERR(hk_ethtool_open(root, &diag, &replay), -EINVAL);
		CHECK(strstr(diag.message, "offset ") != NULL);
	}
	/* No records at all: every device absent. */
	snprintf(path, sizeof(path), "%s/hostkit", dir);
	harness_remove_tree(path);
	hk_ethtool_free(replay);
	replay = NULL;
	if (CHECK_OK(hk_ethtool_open(root, &diag, &replay)) >= 0)
		CHECK_ERR(hk_ethtool_info_load(replay, "eth0", 0, &again), -ENODEV);
out:
	hk_ethtool_free(replay);
	hk_root_free(root);
	hk_ethtool_info_free(info);
	hk_ethtool_free(rec);
}

static void test_records_parse(void)
{
	static const struct {
		const char *text;
		const char *what;
	} bad[] = {
	    {"", "no 'hostkit-ethtool 1' header"},
	    {"hostkit-ethtool 2\n", "not a hostkit ethtool record file"},
	    {"hostkit-ethtool 1\n4 0 03000000", "truncated"},
	    {"hostkit-ethtool 1\n4 0 0300000 -\n", "odd"},
	    {"hostkit-ethtool 1\n4 0 0300000000 -\n", "more bytes"},
	    {"hostkit-ethtool 1\n4 0 03 0300000000\n", "more bytes"},
	    {"hostkit-ethtool 1\n2 0 03 -\n", "bad length"},
	    {"hostkit-ethtool 1\n99999999 0 03 -\n", "bad length"},
	    {"hostkit-ethtool 1\n4 1 03 -\n", "bad result"},
	    {"hostkit-ethtool 1\n4 -99999 03 -\n", "bad result"},
	    {"hostkit-ethtool 1\n4 -95 03 04\n", "a failed request with a reply"},
	    {"hostkit-ethtool 1\n4 0 0g -\n", "not hex"},
	    {"hostkit-ethtool 1\n4 0 - -\n", "without a command"},
	    {"hostkit-ethtool 1\n4 0 03\n", "expected"},
	    {"hostkit-ethtool 1\n4 0 03 - extra\n", "expected"},
	};
	static const char good[] = "# captured by hostkit\n"
				   "hostkit-ethtool 1\n"
				   "\n"
				   "# LEN RESULT REQUEST REPLY\n"
				   "8 -95 46 -\n"
				   "12 0 3c 3c0000000000000001\n"
				   "  12\t0 3C 3c00000000000000020000  \n";
	hk_ethtool_records *r = NULL;
	hk_diag diag = {};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		hk_diag_clear(&diag);
		CHECK_ERR(
		    hk_ethtool_records_parse(bad[i].text, strlen(bad[i].text), "f", &diag, &r),
		    -EINVAL);
		if (!strstr(diag.message, bad[i].what) || !strstr(diag.message, "offset "))
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, diag.message,
				bad[i].what);
		CHECK(strstr(diag.message, bad[i].what) != NULL);
		CHECK_STREQ(diag.path, "f");
	}
	if (CHECK_OK(hk_ethtool_records_parse(good, strlen(good), "f", NULL, &r)) >= 0) {
		uint8_t q[12] = {0x3c}, g[12] = {0x46};
		const hk_ethtool_record *rec;
		hk_strbuf sb = HK_STRBUF_INIT;
		hk_ethtool_records *r2 = NULL;

		/* The same request twice: the first found (the recorder keeps one). */
		CHECK_EQ_U64(r->n, 3);
		rec = hk_ethtool_records_find(r, q, sizeof(q));
		CHECK(rec && rec->reply_len == 9 && rec->reply[8] == 1);
		rec = hk_ethtool_records_find(r, g, 8);
		CHECK(rec && rec->result == -95);
		CHECK(hk_ethtool_records_find(r, g, sizeof(g)) == NULL);
		/* The add path replaces an identical request's answer. */
		CHECK_OK(hk_ethtool_records_add(r, q, sizeof(q), -EIO, NULL));
		CHECK_EQ_U64(r->n, 3);
		rec = hk_ethtool_records_find(r, q, sizeof(q));
		CHECK(rec && rec->result == -EIO);
		hk_ethtool_records_format(r, &sb);
		CHECK_OK(hk_ethtool_records_parse(sb.buf, sb.len, "f2", NULL, &r2));
		CHECK(r2 && r2->n == 3);
		hk_ethtool_records_free(r2);
		hk_strbuf_done(&sb);
	}
	hk_ethtool_records_free(r);
}

/* The live seam, read only ---------------------------------------------- */

/* The value after "KEY:" on its own line of @out, blanks trimmed; "" when absent. */
static void field(const char *out, const char *key, char *buf, size_t size)
{
	const char *p = out;
	size_t kl = strlen(key);

	buf[0] = '\0';
	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			const char *v = p + kl + 1, *e;

			while (*v == ' ' || *v == '\t')
				v++;
			e = strchr(v, '\n');
			if (!e)
				e = v + strlen(v);
			snprintf(buf, size, "%.*s", (int)(e - v), v);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static void test_live(void)
{
	hk_ethtool *e = NULL;
	hk_ethtool_drvinfo d;
	hk_ethtool_channels ch;
	hk_ethtool_rings rg;
	hk_ethtool_features *f = NULL;
	hk_ethtool_info *info = NULL;
	char *out = NULL, v[128];
	size_t len;

	if (CHECK_OK(hk_ethtool_open_live(&e)) < 0)
		return;
	/* lo has no driver information: unsupported, nothing else fails. */
	CHECK_ERR(hk_ethtool_get_drvinfo(e, "lo", NULL, &d), -EOPNOTSUPP);
	CHECK_OK(hk_ethtool_info_load(e, "lo", 0, &info));
	CHECK_EQ_S64(hk_ethtool_info_status(info, HK_ETHTOOL_DRVINFO), -EOPNOTSUPP);
	hk_ethtool_info_free(info);
	info = NULL;
	CHECK_ERR(hk_ethtool_get_drvinfo(e, "hk-no-such-dev", NULL, &d), -ENODEV);

	if (!harness_in_path("ethtool") || access("/sys/class/net/eth0", F_OK) != 0) {
		note("ethtool(8) or eth0 absent: live comparison skipped");
		hk_ethtool_free(e);
		return;
	}
	if (CHECK_OK(hk_ethtool_get_drvinfo(e, "eth0", NULL, &d)) >= 0 &&
	    harness_run_checked((char *[]){"ethtool", "-i", "eth0", NULL}, &out, &len) >= 0) {
		field(out, "driver", v, sizeof(v));
		result(strcmp(v, d.driver) == 0, "eth0 driver '%s' (ethtool -i: '%s')", d.driver,
		       v);
		field(out, "bus-info", v, sizeof(v));
		result(strcmp(v, d.bus_info) == 0, "eth0 bus-info '%s' (ethtool -i: '%s')",
		       d.bus_info, v);
		free(out);
		out = NULL;
	}
	if (hk_ethtool_get_channels(e, "eth0", NULL, &ch) >= 0 &&
	    harness_run_checked((char *[]){"ethtool", "-l", "eth0", NULL}, &out, &len) >= 0) {
		/* The first "Combined:" is the maximum, the second the current count. */
		const char *cur = strstr(out, "Current hardware settings");
		char mx[32];

		field(out, "Combined", mx, sizeof(mx));
		field(cur ? cur : "", "Combined", v, sizeof(v));
		result(
		    strtoul(mx, NULL, 10) == ch.max_combined && strtoul(v, NULL, 10) == ch.combined,
		    "eth0 combined %u/%u (ethtool -l: %s/%s)", ch.combined, ch.max_combined, v, mx);
		free(out);
		out = NULL;
	}
	if (hk_ethtool_get_rings(e, "eth0", NULL, &rg) >= 0 &&
	    harness_run_checked((char *[]){"ethtool", "-g", "eth0", NULL}, &out, &len) >= 0) {
		field(out, "RX", v, sizeof(v));
		result(strtoul(v, NULL, 10) == rg.rx_max, "eth0 rx ring max %u (ethtool -g: %s)",
		       rg.rx_max, v);
		free(out);
		out = NULL;
	}
	if (CHECK_OK(hk_ethtool_get_features(e, "eth0", NULL, &f)) >= 0 &&
	    harness_run_checked((char *[]){"ethtool", "-k", "eth0", NULL}, &out, &len) >= 0) {
		static const char *const names[][2] = {
		    {"rx-gro", "generic-receive-offload"},
		    {"tx-scatter-gather", "\ttx-scatter-gather"},
		    {"tx-tcp-segmentation", "\ttx-tcp-segmentation"},
		};
		for (size_t i = 0; i < ELEMENTSOF(names); i++) {
			int k = hk_ethtool_features_find(f, names[i][0]);
			bool on =
			    k >= 0 && hk_ethtool_features_get(f, (unsigned)k, HK_FEATURE_ACTIVE);

			field(out, names[i][1], v, sizeof(v));
			result(k >= 0 && strncmp(v, on ? "on" : "off", on ? 2 : 3) == 0,
			       "eth0 %s %s (ethtool -k: %s)", names[i][0], on ? "on" : "off", v);
		}
		free(out);
	}
	hk_ethtool_features_free(f);
	hk_ethtool_free(e);
}

int main(void)
{
	for (unsigned i = 0; i < ELEMENTSOF(cmd_ids); i++)
		cmd_ids[i] = i;
	test_records_parse();
	test_rings();
	test_jumbo_rings();
	test_channels();
	test_features();
	test_stats();
	test_stats_growing();
	test_rss();
	test_rss_fallback();
	test_rss_set();
	test_rxfh_fields();
	test_rules();
	test_coalesce();
	test_link();
	test_small();
	test_unsupported();
	test_info_and_record();
	test_live();
	free_kept();
	TEST_DONE();
}
