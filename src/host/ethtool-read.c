/* SPDX-License-Identifier: MIT */
/*
 * The ethtool readers and the few setters the tuning needs, all through
 * hk_ethtool_request(). Sizes that come back in a reply are bounded before
 * they size a buffer: a script, a record or a driver may lie.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/macro.h"
#include "host/ethtool.h"

/* Bounds on what a reply may announce (real devices: a few thousand at most). */
#define MAX_STRINGS 65536u
/* How many times a string set or the statistics are asked again when their count grew. */
#define COUNT_RETRIES	  4
#define MAX_INDIR	  65536u
#define MAX_KEY		  4096u
#define MAX_RULES	  65536u
#define MAX_NWORDS	  127u /* link_mode_masks_nwords is an s8 */
#define NAME_LEN	  (ETH_GSTRING_LEN + 1)
#define PERQUEUE_QUEUES	  4096u /* MAX_NUM_QUEUE */
#define RSS_HFUNC_DEFAULT 3u

_Static_assert(sizeof(hk_ethtool_coalesce) == sizeof(struct ethtool_coalesce) - sizeof(uint32_t),
	       "hk_ethtool_coalesce mirrors struct ethtool_coalesce after cmd");

static const char *cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case ETHTOOL_GDRVINFO:
		return "ETHTOOL_GDRVINFO";
	case ETHTOOL_GLINKSETTINGS:
		return "ETHTOOL_GLINKSETTINGS";
	case ETHTOOL_GCHANNELS:
		return "ETHTOOL_GCHANNELS";
	case ETHTOOL_SCHANNELS:
		return "ETHTOOL_SCHANNELS";
	case ETHTOOL_GRINGPARAM:
		return "ETHTOOL_GRINGPARAM";
	case ETHTOOL_SRINGPARAM:
		return "ETHTOOL_SRINGPARAM";
	case ETHTOOL_GCOALESCE:
		return "ETHTOOL_GCOALESCE";
	case ETHTOOL_PERQUEUE:
		return "ETHTOOL_PERQUEUE";
	case ETHTOOL_GPAUSEPARAM:
		return "ETHTOOL_GPAUSEPARAM";
	case ETHTOOL_GSSET_INFO:
		return "ETHTOOL_GSSET_INFO";
	case ETHTOOL_GSTRINGS:
		return "ETHTOOL_GSTRINGS";
	case ETHTOOL_GFEATURES:
		return "ETHTOOL_GFEATURES";
	case ETHTOOL_SFEATURES:
		return "ETHTOOL_SFEATURES";
	case ETHTOOL_GSTATS:
		return "ETHTOOL_GSTATS";
	case ETHTOOL_GRSSH:
		return "ETHTOOL_GRSSH";
	case ETHTOOL_SRSSH:
		return "ETHTOOL_SRSSH";
	case ETHTOOL_GRXFHINDIR:
		return "ETHTOOL_GRXFHINDIR";
	case ETHTOOL_GRXRINGS:
		return "ETHTOOL_GRXRINGS";
	case ETHTOOL_GRXFH:
		return "ETHTOOL_GRXFH";
	case ETHTOOL_GRXCLSRLCNT:
		return "ETHTOOL_GRXCLSRLCNT";
	case ETHTOOL_GRXCLSRLALL:
		return "ETHTOOL_GRXCLSRLALL";
	case ETHTOOL_GRXCLSRULE:
		return "ETHTOOL_GRXCLSRULE";
	default:
		return "ethtool request";
	}
}

/* One request; a failure fills @diag with the request's and the device's names. */
static int request(hk_ethtool *e, const char *ifname, void *buf, size_t len, hk_diag *diag)
{
	uint32_t cmd;
	int r;

	memcpy(&cmd, buf, sizeof(cmd));
	r = hk_ethtool_request(e, ifname, buf, len);
	if (r < 0)
		return hk_diag_set(diag, r, ifname, "%s on '%s': %s", cmd_name(cmd), ifname,
				   r == -EOPNOTSUPP ? "unsupported" : strerror(-r));
	return 0;
}

static int bad_reply(hk_diag *diag, const char *ifname, uint32_t cmd, const char *what)
{
	return hk_diag_set(diag, -EIO, ifname, "%s on '%s': %s", cmd_name(cmd), ifname, what);
}

static void copy_str(char *dst, const char *src, size_t n)
{
	size_t k = strnlen(src, n);

	memcpy(dst, src, k);
	dst[k] = '\0';
}

int hk_ethtool_get_drvinfo(hk_ethtool *e, const char *ifname, hk_diag *diag,
			   hk_ethtool_drvinfo *ret)
{
	struct ethtool_drvinfo d = {.cmd = ETHTOOL_GDRVINFO};
	hk_ethtool_drvinfo out = {};
	int r;

	r = request(e, ifname, &d, sizeof(d), diag);
	if (r < 0)
		return r;
	copy_str(out.driver, d.driver, sizeof(d.driver) < 31 ? sizeof(d.driver) : 31);
	copy_str(out.version, d.version, 31);
	copy_str(out.fw_version, d.fw_version, 31);
	copy_str(out.bus_info, d.bus_info, 31);
	copy_str(out.erom_version, d.erom_version, 31);
	out.n_priv_flags = d.n_priv_flags;
	out.n_stats = d.n_stats;
	out.testinfo_len = d.testinfo_len;
	out.eedump_len = d.eedump_len;
	out.regdump_len = d.regdump_len;
	*ret = out;
	return 0;
}

int hk_ethtool_get_link(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_link *ret)
{
	struct ethtool_link_settings hdr = {.cmd = ETHTOOL_GLINKSETTINGS};
	_cleanup_free_ struct ethtool_link_settings *ls = NULL;
	hk_ethtool_link out = {};
	unsigned nwords, keep;
	size_t len;
	int r;

	/* The handshake: nwords 0 asks the kernel for its size, given back negated. */
	r = request(e, ifname, &hdr, sizeof(hdr), diag);
	if (r < 0)
		return r;
	if (hdr.link_mode_masks_nwords >= 0 || hdr.cmd != ETHTOOL_GLINKSETTINGS)
		return bad_reply(diag, ifname, ETHTOOL_GLINKSETTINGS, "no size in the handshake");
	nwords = (unsigned)-hdr.link_mode_masks_nwords;
	if (nwords > MAX_NWORDS)
		return bad_reply(diag, ifname, ETHTOOL_GLINKSETTINGS,
				 "link mode words out of range");

	len = sizeof(*ls) + 3 * nwords * sizeof(uint32_t);
	ls = calloc(1, len);
	if (!ls)
		return -ENOMEM;
	ls->cmd = ETHTOOL_GLINKSETTINGS;
	ls->link_mode_masks_nwords = (int8_t)nwords;
	r = request(e, ifname, ls, len, diag);
	if (r < 0)
		return r;
	if (ls->link_mode_masks_nwords != (int8_t)nwords)
		return bad_reply(diag, ifname, ETHTOOL_GLINKSETTINGS, "link mode words changed");

	out.speed = ls->speed;
	out.duplex = ls->duplex;
	out.port = ls->port;
	out.phy_address = ls->phy_address;
	out.autoneg = ls->autoneg;
	out.mdio_support = ls->mdio_support;
	out.eth_tp_mdix = ls->eth_tp_mdix;
	out.eth_tp_mdix_ctrl = ls->eth_tp_mdix_ctrl;
	out.transceiver = ls->transceiver;
	keep = MIN(nwords, (unsigned)HK_ETHTOOL_LINK_MODE_WORDS);
	for (unsigned i = 0; i < keep; i++) {
		out.supported[i] = ls->link_mode_masks[i];
		out.advertising[i] = ls->link_mode_masks[nwords + i];
		out.lp_advertising[i] = ls->link_mode_masks[2 * nwords + i];
	}
	*ret = out;
	return 0;
}

int hk_ethtool_get_channels(hk_ethtool *e, const char *ifname, hk_diag *diag,
			    hk_ethtool_channels *ret)
{
	struct ethtool_channels c = {.cmd = ETHTOOL_GCHANNELS};
	int r;

	r = request(e, ifname, &c, sizeof(c), diag);
	if (r < 0)
		return r;
	*ret = (hk_ethtool_channels){
	    .max_rx = c.max_rx,
	    .max_tx = c.max_tx,
	    .max_other = c.max_other,
	    .max_combined = c.max_combined,
	    .rx = c.rx_count,
	    .tx = c.tx_count,
	    .other = c.other_count,
	    .combined = c.combined_count,
	};
	return 0;
}

static int check_max(const char *ifname, const char *what, uint32_t want, uint32_t max,
		     hk_diag *diag)
{
	if (want <= max)
		return 0;
	return hk_diag_set(diag, -EINVAL, ifname,
			   "cannot set %s of '%s' to %" PRIu32 ": driver maximum is %" PRIu32, what,
			   ifname, want, max);
}

int hk_ethtool_set_channels(hk_ethtool *e, const char *ifname, const hk_ethtool_channels *want,
			    hk_diag *diag)
{
	struct ethtool_channels c = {.cmd = ETHTOOL_SCHANNELS};
	hk_ethtool_channels cur;
	int r;

	if (!want)
		return -EINVAL;
	r = hk_ethtool_get_channels(e, ifname, diag, &cur);
	if (r < 0)
		return r;
	if ((r = check_max(ifname, "rx channels", want->rx, cur.max_rx, diag)) < 0 ||
	    (r = check_max(ifname, "tx channels", want->tx, cur.max_tx, diag)) < 0 ||
	    (r = check_max(ifname, "other channels", want->other, cur.max_other, diag)) < 0 ||
	    (r = check_max(ifname, "combined channels", want->combined, cur.max_combined, diag)) <
		0)
		return r;
	if (want->rx == cur.rx && want->tx == cur.tx && want->other == cur.other &&
	    want->combined == cur.combined)
		return 0;
	c.rx_count = want->rx;
	c.tx_count = want->tx;
	c.other_count = want->other;
	c.combined_count = want->combined;
	r = request(e, ifname, &c, sizeof(c), diag);
	return r < 0 ? r : 1;
}

int hk_ethtool_get_rings(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_rings *ret)
{
	struct ethtool_ringparam g = {.cmd = ETHTOOL_GRINGPARAM};
	int r;

	r = request(e, ifname, &g, sizeof(g), diag);
	if (r < 0)
		return r;
	*ret = (hk_ethtool_rings){
	    .rx_max = g.rx_max_pending,
	    .rx_mini_max = g.rx_mini_max_pending,
	    .rx_jumbo_max = g.rx_jumbo_max_pending,
	    .tx_max = g.tx_max_pending,
	    .rx = g.rx_pending,
	    .rx_mini = g.rx_mini_pending,
	    .rx_jumbo = g.rx_jumbo_pending,
	    .tx = g.tx_pending,
	};
	return 0;
}

int hk_ethtool_set_rings(hk_ethtool *e, const char *ifname, const hk_ethtool_rings *want,
			 hk_diag *diag)
{
	struct ethtool_ringparam s = {.cmd = ETHTOOL_SRINGPARAM};
	hk_ethtool_rings cur;
	int r;

	if (!want)
		return -EINVAL;
	r = hk_ethtool_get_rings(e, ifname, diag, &cur);
	if (r < 0)
		return r;
	if ((r = check_max(ifname, "rx ring", want->rx, cur.rx_max, diag)) < 0 ||
	    (r = check_max(ifname, "rx mini ring", want->rx_mini, cur.rx_mini_max, diag)) < 0 ||
	    (r = check_max(ifname, "rx jumbo ring", want->rx_jumbo, cur.rx_jumbo_max, diag)) < 0 ||
	    (r = check_max(ifname, "tx ring", want->tx, cur.tx_max, diag)) < 0)
		return r;
	if (want->rx == cur.rx && want->rx_mini == cur.rx_mini && want->rx_jumbo == cur.rx_jumbo &&
	    want->tx == cur.tx)
		return 0;
	/* The maxima go back as read: drivers ignore them, some check them. */
	s.rx_max_pending = cur.rx_max;
	s.rx_mini_max_pending = cur.rx_mini_max;
	s.rx_jumbo_max_pending = cur.rx_jumbo_max;
	s.tx_max_pending = cur.tx_max;
	s.rx_pending = want->rx;
	s.rx_mini_pending = want->rx_mini;
	s.rx_jumbo_pending = want->rx_jumbo;
	s.tx_pending = want->tx;
	r = hk_ethtool_request(e, ifname, &s, sizeof(s));
	if (r < 0)
		return hk_diag_set(diag, r, ifname,
				   "cannot set rings of '%s' to rx %" PRIu32 " tx %" PRIu32
				   " (mini %" PRIu32 ", jumbo %" PRIu32 "): driver refused: %s",
				   ifname, want->rx, want->tx, want->rx_mini, want->rx_jumbo,
				   strerror(-r));
	return 1;
}

static void coalesce_out(const struct ethtool_coalesce *c, hk_ethtool_coalesce *out)
{
	memcpy(out, &c->rx_coalesce_usecs, sizeof(*out));
}

int hk_ethtool_get_coalesce(hk_ethtool *e, const char *ifname, hk_diag *diag,
			    hk_ethtool_coalesce *ret)
{
	struct ethtool_coalesce c = {.cmd = ETHTOOL_GCOALESCE};
	int r;

	r = request(e, ifname, &c, sizeof(c), diag);
	if (r < 0)
		return r;
	coalesce_out(&c, ret);
	return 0;
}

int hk_ethtool_get_queue_coalesce(hk_ethtool *e, const char *ifname, unsigned first, unsigned count,
				  hk_diag *diag, hk_ethtool_coalesce *ret)
{
	_cleanup_free_ struct ethtool_per_queue_op *op = NULL;
	struct ethtool_coalesce *data;
	size_t len;
	int r;

	if (count == 0 || first >= PERQUEUE_QUEUES || count > PERQUEUE_QUEUES - first || !ret)
		return hk_diag_set(diag, -EINVAL, ifname, "queues %u..%u are out of range", first,
				   first + count - 1);
	len = sizeof(*op) + (size_t)count * sizeof(struct ethtool_coalesce);
	op = calloc(1, len);
	if (!op)
		return -ENOMEM;
	op->cmd = ETHTOOL_PERQUEUE;
	op->sub_command = ETHTOOL_GCOALESCE;
	for (unsigned q = first; q < first + count; q++)
		op->queue_mask[q / 32] |= 1u << (q % 32);
	r = request(e, ifname, op, len, diag);
	if (r < 0)
		return r;
	data = (struct ethtool_coalesce *)(void *)op->data;
	for (unsigned i = 0; i < count; i++) {
		struct ethtool_coalesce c;

		memcpy(&c, &data[i], sizeof(c));
		coalesce_out(&c, &ret[i]);
	}
	return 0;
}

int hk_ethtool_get_pause(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_pause *ret)
{
	struct ethtool_pauseparam p = {.cmd = ETHTOOL_GPAUSEPARAM};
	int r;

	r = request(e, ifname, &p, sizeof(p), diag);
	if (r < 0)
		return r;
	*ret = (hk_ethtool_pause){
	    .autoneg = p.autoneg, .rx_pause = p.rx_pause, .tx_pause = p.tx_pause};
	return 0;
}

/* String sets. */

/*
 * The kernel answers GSTRINGS and GSTATS with the count it has at that
 * moment, not the one asked for (ethtool_get_strings() and
 * ethtool_get_stats() ask the driver again): a driver whose count grew
 * since GSSET_INFO (a queue added in between) writes past a buffer sized
 * for the old count. These buffers are mapped with an inaccessible page
 * after them, so such a write ends in the kernel's copy_to_user() failing
 * with -EFAULT instead of in our heap; the count is then asked again.
 */
struct guarded {
	void *map;
	size_t size;
};

static void *guarded_alloc(struct guarded *g, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (len + page - 1) / page * page;

	g->map = mmap(NULL, n + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED) {
		g->map = NULL;
		return NULL;
	}
	g->size = n + page;
	if (mprotect((uint8_t *)g->map + n, page, PROT_NONE) < 0) {
		munmap(g->map, g->size);
		g->map = NULL;
		return NULL;
	}
	return g->map;
}

static void guarded_free(struct guarded *g)
{
	if (g->map)
		munmap(g->map, g->size);
	g->map = NULL;
}

/* The number of strings in @set: -EOPNOTSUPP when the device has no such set. */
static int sset_count(hk_ethtool *e, const char *ifname, unsigned set, hk_diag *diag, unsigned *ret)
{
	/* The header and one u32 of data; u64 words for the header's alignment. */
	uint64_t raw[(sizeof(struct ethtool_sset_info) + sizeof(uint32_t) + 7) / 8] = {0};
	struct ethtool_sset_info *s = (struct ethtool_sset_info *)raw;
	uint32_t n;
	int r;

	s->cmd = ETHTOOL_GSSET_INFO;
	s->sset_mask = 1ull << set;
	r = request(e, ifname, raw, sizeof(raw), diag);
	if (r < 0)
		return r;
	if (!(s->sset_mask & (1ull << set)))
		return hk_diag_set(diag, -EOPNOTSUPP, ifname, "'%s' has no string set %u", ifname,
				   set);
	memcpy(&n, (const uint8_t *)raw + sizeof(*s), sizeof(n));
	if (n > MAX_STRINGS)
		return bad_reply(diag, ifname, ETHTOOL_GSSET_INFO, "string count out of range");
	*ret = n;
	return 0;
}

/* The @n strings of @set, each NUL-terminated in NAME_LEN bytes; *ret_n may come back smaller. */
static int get_strings(hk_ethtool *e, const char *ifname, unsigned set, unsigned n, hk_diag *diag,
		       char (**ret)[NAME_LEN], unsigned *ret_n)
{
	_cleanup_(guarded_free) struct guarded mem = {};
	struct ethtool_gstrings *g;
	char(*names)[NAME_LEN];
	size_t len;
	int r;

	len = sizeof(*g) + (size_t)n * ETH_GSTRING_LEN;
	g = guarded_alloc(&mem, len);
	if (!g)
		return -ENOMEM;
	g->cmd = ETHTOOL_GSTRINGS;
	g->string_set = set;
	g->len = n;
	r = request(e, ifname, g, len, diag);
	if (r < 0)
		return r;
	if (g->len > n)
		return bad_reply(diag, ifname, ETHTOOL_GSTRINGS, "more strings than announced");
	names = calloc(g->len ? g->len : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (unsigned i = 0; i < g->len; i++)
		copy_str(names[i], (const char *)g->data + (size_t)i * ETH_GSTRING_LEN,
			 ETH_GSTRING_LEN);
	*ret = names;
	*ret_n = g->len;
	return 0;
}

/* sset_count() then get_strings(), asked again while the count grows under us. */
static int count_and_strings(hk_ethtool *e, const char *ifname, unsigned set, hk_diag *diag,
			     unsigned *ret_count, char (**ret)[NAME_LEN], unsigned *ret_n)
{
	int r = -EFAULT;

	for (unsigned attempt = 0; attempt < COUNT_RETRIES && r == -EFAULT; attempt++) {
		r = sset_count(e, ifname, set, diag, ret_count);
		if (r < 0)
			return r;
		r = get_strings(e, ifname, set, *ret_count, diag, ret, ret_n);
	}
	return r;
}

/* Features. */

struct hk_ethtool_features {
	unsigned n;
	char (*names)[NAME_LEN];
	uint32_t *bits[4]; /* available, requested, active, never_changed: one u32 per block */
};

void hk_ethtool_features_free(hk_ethtool_features *f)
{
	if (!f)
		return;
	free(f->names);
	for (unsigned i = 0; i < 4; i++)
		free(f->bits[i]);
	free(f);
}

int hk_ethtool_get_features(hk_ethtool *e, const char *ifname, hk_diag *diag,
			    hk_ethtool_features **ret)
{
	_cleanup_free_ struct ethtool_gfeatures *g = NULL;
	hk_ethtool_features *f;
	unsigned n, got, blocks, have;
	size_t len;
	int r;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = count_and_strings(e, ifname, ETH_SS_FEATURES, diag, &n, &f->names, &got);
	if (r < 0)
		goto fail;
	f->n = got;
	blocks = (n + 31) / 32;
	len = sizeof(*g) + (size_t)blocks * sizeof(struct ethtool_get_features_block);
	g = calloc(1, len);
	r = -ENOMEM;
	if (!g)
		goto fail;
	for (unsigned k = 0; k < 4; k++) {
		f->bits[k] = calloc(blocks ? blocks : 1, sizeof(uint32_t));
		if (!f->bits[k])
			goto fail;
	}
	g->cmd = ETHTOOL_GFEATURES;
	g->size = blocks;
	r = request(e, ifname, g, len, diag);
	if (r < 0)
		goto fail;
	/* The kernel says how many blocks it has and copies at most what we asked. */
	have = MIN(blocks, g->size);
	for (unsigned b = 0; b < have; b++) {
		f->bits[HK_FEATURE_AVAILABLE][b] = g->features[b].available;
		f->bits[HK_FEATURE_REQUESTED][b] = g->features[b].requested;
		f->bits[HK_FEATURE_ACTIVE][b] = g->features[b].active;
		f->bits[HK_FEATURE_NEVER_CHANGED][b] = g->features[b].never_changed;
	}
	f->n = MIN(f->n, have * 32);
	*ret = f;
	return 0;
fail:
	hk_ethtool_features_free(f);
	return r;
}

unsigned hk_ethtool_features_count(const hk_ethtool_features *f)
{
	return f ? f->n : 0;
}

const char *hk_ethtool_features_name(const hk_ethtool_features *f, unsigned i)
{
	return f && i < f->n ? f->names[i] : NULL;
}

int hk_ethtool_features_find(const hk_ethtool_features *f, const char *name)
{
	for (unsigned i = 0; f && name && i < f->n; i++)
		if (strcmp(f->names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

bool hk_ethtool_features_get(const hk_ethtool_features *f, unsigned i,
			     hk_ethtool_feature_state state)
{
	if (!f || i >= f->n || (unsigned)state > HK_FEATURE_NEVER_CHANGED)
		return false;
	return f->bits[state][i / 32] & (1u << (i % 32));
}

int hk_ethtool_set_feature(hk_ethtool *e, const char *ifname, const char *name, bool on,
			   hk_diag *diag)
{
	_cleanup_free_ struct ethtool_sfeatures *s = NULL;
	hk_ethtool_features *f = NULL, *after = NULL;
	unsigned blocks;
	size_t len;
	int i, r;

	r = hk_ethtool_get_features(e, ifname, diag, &f);
	if (r < 0)
		return r;
	i = hk_ethtool_features_find(f, name);
	if (i < 0) {
		r = hk_diag_set(diag, -ENOENT, ifname, "'%s' has no feature '%s'", ifname,
				name ? name : "");
		goto out;
	}
	if (hk_ethtool_features_get(f, (unsigned)i, HK_FEATURE_ACTIVE) == on) {
		r = 0;
		goto out;
	}
	if (!hk_ethtool_features_get(f, (unsigned)i, HK_FEATURE_AVAILABLE) ||
	    hk_ethtool_features_get(f, (unsigned)i, HK_FEATURE_NEVER_CHANGED)) {
		r = hk_diag_set(diag, -EPERM, ifname, "feature '%s' of '%s' is fixed %s", name,
				ifname, on ? "off" : "on");
		goto out;
	}
	blocks = (f->n + 31) / 32;
	len = sizeof(*s) + (size_t)blocks * sizeof(struct ethtool_set_features_block);
	s = calloc(1, len);
	r = -ENOMEM;
	if (!s)
		goto out;
	s->cmd = ETHTOOL_SFEATURES;
	s->size = blocks;
	s->features[i / 32].valid = 1u << (i % 32);
	s->features[i / 32].requested = on ? 1u << (i % 32) : 0;
	r = request(e, ifname, s, len, diag);
	if (r < 0)
		goto out;
	/* The driver may keep a feature as it was (a dependency, a fixed bit). */
	r = hk_ethtool_get_features(e, ifname, diag, &after);
	if (r < 0)
		goto out;
	i = hk_ethtool_features_find(after, name);
	if (i < 0 || hk_ethtool_features_get(after, (unsigned)i, HK_FEATURE_ACTIVE) != on)
		r = hk_diag_set(diag, -EREMOTEIO, ifname,
				"'%s' kept feature '%s' %s after it was asked to turn it %s",
				ifname, name, on ? "off" : "on", on ? "on" : "off");
	else
		r = 1;
out:
	hk_ethtool_features_free(f);
	hk_ethtool_features_free(after);
	return r;
}

/* Statistics. */

struct hk_ethtool_stats {
	unsigned n;
	char (*names)[NAME_LEN];
	uint64_t *values;
};

void hk_ethtool_stats_free(hk_ethtool_stats *s)
{
	if (!s)
		return;
	free(s->names);
	free(s->values);
	free(s);
}

/* The statistics' count: GSSET_INFO, or drvinfo's n_stats where that is all there is. */
static int stats_count(hk_ethtool *e, const char *ifname, hk_diag *diag, unsigned *ret)
{
	int r = sset_count(e, ifname, ETH_SS_STATS, diag, ret);
	if (r == -EOPNOTSUPP) {
		/* Kernels and seams without GSSET_INFO: drvinfo's count. */
		hk_ethtool_drvinfo d;

		if (hk_ethtool_get_drvinfo(e, ifname, NULL, &d) < 0 || d.n_stats == 0)
			return r;
		if (d.n_stats > MAX_STRINGS)
			return bad_reply(diag, ifname, ETHTOOL_GDRVINFO, "n_stats out of range");
		*ret = d.n_stats;
		return 0;
	}
	return r;
}

/* One reading of the names and values; -EFAULT when the count grew past our buffers. */
static int read_stats(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_stats *s)
{
	_cleanup_(guarded_free) struct guarded mem = {};
	struct ethtool_stats *st;
	unsigned n, got;
	int r;

	r = stats_count(e, ifname, diag, &n);
	if (r < 0)
		return r;
	r = get_strings(e, ifname, ETH_SS_STATS, n, diag, &s->names, &got);
	if (r < 0)
		return r;
	size_t len = sizeof(*st) + (size_t)n * sizeof(uint64_t);
	st = guarded_alloc(&mem, len);
	s->values = calloc(n ? n : 1, sizeof(uint64_t));
	if (!st || !s->values)
		return -ENOMEM;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = n;
	r = request(e, ifname, st, len, diag);
	if (r < 0)
		return r;
	if (st->n_stats > n)
		return bad_reply(diag, ifname, ETHTOOL_GSTATS, "more statistics than announced");
	s->n = MIN(got, st->n_stats);
	memcpy(s->values, st->data, (size_t)s->n * sizeof(uint64_t));
	return 0;
}

int hk_ethtool_get_stats(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_stats **ret)
{
	int r = -EFAULT;

	/* A count that grows between the requests (a queue added) is asked again. */
	for (unsigned attempt = 0; attempt < COUNT_RETRIES && r == -EFAULT; attempt++) {
		hk_ethtool_stats *s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		r = read_stats(e, ifname, diag, s);
		if (r >= 0) {
			*ret = s;
			return 0;
		}
		hk_ethtool_stats_free(s);
	}
	return r;
}

unsigned hk_ethtool_stats_count(const hk_ethtool_stats *s)
{
	return s ? s->n : 0;
}

const char *hk_ethtool_stats_name(const hk_ethtool_stats *s, unsigned i)
{
	return s && i < s->n ? s->names[i] : NULL;
}

uint64_t hk_ethtool_stats_value(const hk_ethtool_stats *s, unsigned i)
{
	return s && i < s->n ? s->values[i] : 0;
}

/* RSS. */

struct hk_ethtool_rss {
	unsigned indir_size;
	uint32_t *indir;
	size_t key_size;
	uint8_t *key;
	uint32_t hfunc;
	int64_t rx_rings;
	char hfunc_name[NAME_LEN];
};

void hk_ethtool_rss_free(hk_ethtool_rss *r)
{
	if (!r)
		return;
	free(r->indir);
	free(r->key);
	free(r);
}

/* GRXFHINDIR, for drivers from before GRSSH. */
static int get_rxfhindir(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_rss *rss)
{
	struct ethtool_rxfh_indir hdr = {.cmd = ETHTOOL_GRXFHINDIR};
	_cleanup_free_ struct ethtool_rxfh_indir *t = NULL;
	size_t len;
	int r;

	r = request(e, ifname, &hdr, sizeof(hdr), diag);
	if (r < 0)
		return r;
	if (hdr.size > MAX_INDIR)
		return bad_reply(diag, ifname, ETHTOOL_GRXFHINDIR, "table size out of range");
	len = sizeof(*t) + (size_t)hdr.size * sizeof(uint32_t);
	t = calloc(1, len);
	rss->indir = calloc(hdr.size ? hdr.size : 1, sizeof(uint32_t));
	if (!t || !rss->indir)
		return -ENOMEM;
	t->cmd = ETHTOOL_GRXFHINDIR;
	t->size = hdr.size;
	r = request(e, ifname, t, len, diag);
	if (r < 0)
		return r;
	if (t->size != hdr.size)
		return bad_reply(diag, ifname, ETHTOOL_GRXFHINDIR, "table size changed");
	memcpy(rss->indir, t->ring_index, (size_t)hdr.size * sizeof(uint32_t));
	rss->indir_size = hdr.size;
	return 0;
}

static int get_rx_rings(hk_ethtool *e, const char *ifname, int64_t *ret)
{
	struct ethtool_rxnfc n = {.cmd = ETHTOOL_GRXRINGS};
	int r;

	r = hk_ethtool_request(e, ifname, &n, sizeof(n));
	if (r < 0)
		return r;
	*ret = n.data > INT64_MAX ? INT64_MAX : (int64_t)n.data;
	return 0;
}

static void rss_name_hfunc(hk_ethtool *e, const char *ifname, hk_ethtool_rss *rss)
{
	static const char *const builtin[] = {"toeplitz", "xor", "crc32"};
	_cleanup_free_ char(*names)[NAME_LEN] = NULL;
	unsigned n = 0, got = 0, bit;

	if (rss->hfunc == 0)
		return;
	bit = (unsigned)__builtin_ctz(rss->hfunc);
	if (count_and_strings(e, ifname, ETH_SS_RSS_HASH_FUNCS, NULL, &n, &names, &got) >= 0 &&
	    bit < got && names[bit][0]) {
		copy_str(rss->hfunc_name, names[bit], ETH_GSTRING_LEN);
		return;
	}
	if (bit < ELEMENTSOF(builtin))
		copy_str(rss->hfunc_name, builtin[bit], ETH_GSTRING_LEN);
}

int hk_ethtool_get_rss(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_rss **ret)
{
	struct ethtool_rxfh hdr = {.cmd = ETHTOOL_GRSSH};
	_cleanup_free_ struct ethtool_rxfh *x = NULL;
	hk_ethtool_rss *rss;
	size_t len;
	int r;

	rss = calloc(1, sizeof(*rss));
	if (!rss)
		return -ENOMEM;
	rss->rx_rings = -ENODATA;
	r = request(e, ifname, &hdr, sizeof(hdr), diag);
	if (r == -EOPNOTSUPP) {
		r = get_rxfhindir(e, ifname, diag, rss);
		if (r < 0)
			goto fail;
		goto rings;
	}
	if (r < 0)
		goto fail;
	if (hdr.indir_size > MAX_INDIR || hdr.key_size > MAX_KEY) {
		r = bad_reply(diag, ifname, ETHTOOL_GRSSH, "table or key size out of range");
		goto fail;
	}
	len = sizeof(*x) + (size_t)hdr.indir_size * sizeof(uint32_t) + hdr.key_size;
	x = calloc(1, len);
	rss->indir = calloc(hdr.indir_size ? hdr.indir_size : 1, sizeof(uint32_t));
	rss->key = calloc(hdr.key_size ? hdr.key_size : 1, 1);
	r = -ENOMEM;
	if (!x || !rss->indir || !rss->key)
		goto fail;
	x->cmd = ETHTOOL_GRSSH;
	x->indir_size = hdr.indir_size;
	x->key_size = hdr.key_size;
	r = request(e, ifname, x, len, diag);
	if (r < 0)
		goto fail;
	if (x->indir_size != hdr.indir_size || x->key_size != hdr.key_size) {
		r = bad_reply(diag, ifname, ETHTOOL_GRSSH, "table or key size changed");
		goto fail;
	}
	rss->indir_size = hdr.indir_size;
	memcpy(rss->indir, x->rss_config, (size_t)hdr.indir_size * sizeof(uint32_t));
	rss->key_size = hdr.key_size;
	memcpy(rss->key, (const uint8_t *)x->rss_config + (size_t)hdr.indir_size * sizeof(uint32_t),
	       hdr.key_size);
	rss->hfunc = x->hfunc;
	rss_name_hfunc(e, ifname, rss);
rings:
	if (get_rx_rings(e, ifname, &rss->rx_rings) < 0)
		rss->rx_rings = -ENODATA;
	*ret = rss;
	return 0;
fail:
	hk_ethtool_rss_free(rss);
	return r;
}

unsigned hk_ethtool_rss_indir_size(const hk_ethtool_rss *r)
{
	return r ? r->indir_size : 0;
}

const uint32_t *hk_ethtool_rss_indir(const hk_ethtool_rss *r)
{
	return r ? r->indir : NULL;
}

const uint8_t *hk_ethtool_rss_key(const hk_ethtool_rss *r, size_t *ret_size)
{
	if (ret_size)
		*ret_size = r ? r->key_size : 0;
	return r ? r->key : NULL;
}

uint32_t hk_ethtool_rss_hfunc(const hk_ethtool_rss *r)
{
	return r ? r->hfunc : 0;
}

const char *hk_ethtool_rss_hfunc_name(const hk_ethtool_rss *r)
{
	return r && r->hfunc_name[0] ? r->hfunc_name : NULL;
}

int64_t hk_ethtool_rss_rx_rings(const hk_ethtool_rss *r)
{
	return r ? r->rx_rings : -ENODATA;
}

int hk_ethtool_set_rss_indir(hk_ethtool *e, const char *ifname, const uint32_t *indir,
			     unsigned size, hk_diag *diag)
{
	_cleanup_free_ struct ethtool_rxfh *x = NULL;
	hk_ethtool_rss *cur = NULL;
	size_t len;
	int r;

	r = hk_ethtool_get_rss(e, ifname, diag, &cur);
	if (r < 0)
		return r;
	if (indir) {
		if (size != cur->indir_size) {
			r = hk_diag_set(diag, -EINVAL, ifname,
					"indirection table of '%s' has %u entries, not %u", ifname,
					cur->indir_size, size);
			goto out;
		}
		for (unsigned i = 0; i < size; i++)
			if (cur->rx_rings >= 0 && indir[i] >= (uint64_t)cur->rx_rings) {
				r = hk_diag_set(diag, -EINVAL, ifname,
						"indirection entry %u of '%s' names ring %" PRIu32
						": the device has %" PRId64,
						i, ifname, indir[i], cur->rx_rings);
				goto out;
			}
		if (memcmp(indir, cur->indir, (size_t)size * sizeof(uint32_t)) == 0) {
			r = 0;
			goto out;
		}
	} else
		size = 0; /* indir_size 0: the driver's default spread */

	len = sizeof(*x) + (size_t)size * sizeof(uint32_t);
	x = calloc(1, len);
	r = -ENOMEM;
	if (!x)
		goto out;
	x->cmd = ETHTOOL_SRSSH;
	x->indir_size = size;
	if (size)
		memcpy(x->rss_config, indir, (size_t)size * sizeof(uint32_t));
	r = request(e, ifname, x, len, diag);
	if (r >= 0)
		r = 1;
out:
	hk_ethtool_rss_free(cur);
	return r;
}

/* Flow hashing and ntuple rules. */

static const struct {
	uint32_t type;
	const char *name;
} flow_types[] = {
    {TCP_V4_FLOW, "tcp4"},	 {UDP_V4_FLOW, "udp4"},	      {SCTP_V4_FLOW, "sctp4"},
    {AH_ESP_V4_FLOW, "ah_esp4"}, {TCP_V6_FLOW, "tcp6"},	      {UDP_V6_FLOW, "udp6"},
    {SCTP_V6_FLOW, "sctp6"},	 {AH_ESP_V6_FLOW, "ah_esp6"}, {AH_V4_FLOW, "ah4"},
    {ESP_V4_FLOW, "esp4"},	 {AH_V6_FLOW, "ah6"},	      {ESP_V6_FLOW, "esp6"},
    {IPV4_USER_FLOW, "ip4"},	 {IPV6_USER_FLOW, "ip6"},     {IPV4_FLOW, "ipv4"},
    {IPV6_FLOW, "ipv6"},	 {ETHER_FLOW, "ether"},
};

const char *hk_ethtool_flow_type_name(uint32_t flow_type)
{
	/* Rules carry FLOW_EXT, FLOW_MAC_EXT and FLOW_RSS in the high bits. */
	uint32_t t = flow_type & ~(uint32_t)(FLOW_EXT | FLOW_MAC_EXT | FLOW_RSS);

	for (size_t i = 0; i < ELEMENTSOF(flow_types); i++)
		if (flow_types[i].type == t)
			return flow_types[i].name;
	return NULL;
}

int hk_ethtool_get_rxfh_fields(hk_ethtool *e, const char *ifname, uint32_t flow_type, hk_diag *diag,
			       uint64_t *ret)
{
	struct ethtool_rxnfc n = {.cmd = ETHTOOL_GRXFH, .flow_type = flow_type};
	int r;

	r = request(e, ifname, &n, sizeof(n), diag);
	if (r < 0)
		return r;
	*ret = n.data;
	return 0;
}

struct hk_ethtool_rules {
	unsigned n;
	uint32_t table_size;
	bool special;
	struct ethtool_rx_flow_spec *specs;
};

void hk_ethtool_rules_free(hk_ethtool_rules *r)
{
	if (!r)
		return;
	free(r->specs);
	free(r);
}

int hk_ethtool_get_rules(hk_ethtool *e, const char *ifname, hk_diag *diag, hk_ethtool_rules **ret)
{
	struct ethtool_rxnfc cnt = {.cmd = ETHTOOL_GRXCLSRLCNT};
	_cleanup_free_ struct ethtool_rxnfc *all = NULL;
	hk_ethtool_rules *rules;
	size_t len;
	int r;

	r = request(e, ifname, &cnt, sizeof(cnt), diag);
	if (r < 0)
		return r;
	if (cnt.rule_cnt > MAX_RULES)
		return bad_reply(diag, ifname, ETHTOOL_GRXCLSRLCNT, "rule count out of range");
	rules = calloc(1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	rules->table_size = (uint32_t)(cnt.data & ~(uint64_t)RX_CLS_LOC_SPECIAL);
	rules->special = cnt.data & RX_CLS_LOC_SPECIAL;
	if (cnt.rule_cnt == 0)
		goto done;

	len = sizeof(*all) + (size_t)cnt.rule_cnt * sizeof(uint32_t);
	all = calloc(1, len);
	rules->specs = calloc(cnt.rule_cnt, sizeof(*rules->specs));
	r = -ENOMEM;
	if (!all || !rules->specs)
		goto fail;
	all->cmd = ETHTOOL_GRXCLSRLALL;
	all->rule_cnt = cnt.rule_cnt;
	r = request(e, ifname, all, len, diag);
	if (r < 0)
		goto fail;
	if (all->rule_cnt > cnt.rule_cnt) {
		r = bad_reply(diag, ifname, ETHTOOL_GRXCLSRLALL, "more rules than counted");
		goto fail;
	}
	for (unsigned i = 0; i < all->rule_cnt; i++) {
		struct ethtool_rxnfc one = {.cmd = ETHTOOL_GRXCLSRULE};

		one.fs.location = all->rule_locs[i];
		r = request(e, ifname, &one, sizeof(one), diag);
		if (r == -ENOENT)
			continue; /* deleted since it was listed */
		if (r < 0)
			goto fail;
		rules->specs[rules->n++] = one.fs;
	}
done:
	*ret = rules;
	return 0;
fail:
	hk_ethtool_rules_free(rules);
	return r;
}

unsigned hk_ethtool_rules_count(const hk_ethtool_rules *r)
{
	return r ? r->n : 0;
}

uint32_t hk_ethtool_rules_table_size(const hk_ethtool_rules *r)
{
	return r ? r->table_size : 0;
}

bool hk_ethtool_rules_special_locations(const hk_ethtool_rules *r)
{
	return r && r->special;
}

const struct ethtool_rx_flow_spec *hk_ethtool_rules_get(const hk_ethtool_rules *r, unsigned i)
{
	return r && i < r->n ? &r->specs[i] : NULL;
}

/* The aggregate. */

static const uint32_t info_flow_types[] = {
    TCP_V4_FLOW, UDP_V4_FLOW,  SCTP_V4_FLOW,   AH_ESP_V4_FLOW, TCP_V6_FLOW,
    UDP_V6_FLOW, SCTP_V6_FLOW, AH_ESP_V6_FLOW, IPV4_FLOW,      IPV6_FLOW,
};

struct hk_ethtool_info {
	int status[_HK_ETHTOOL_ITEM_MAX];
	char message[_HK_ETHTOOL_ITEM_MAX][sizeof(((hk_diag *)0)->message)];
	hk_ethtool_drvinfo drvinfo;
	hk_ethtool_link link;
	hk_ethtool_channels channels;
	hk_ethtool_rings rings;
	hk_ethtool_coalesce coalesce;
	hk_ethtool_pause pause;
	hk_ethtool_features *features;
	hk_ethtool_rss *rss;
	hk_ethtool_rules *rules;
	hk_ethtool_stats *stats;
	int flow_status[ELEMENTSOF(info_flow_types)];
	uint64_t flow_fields[ELEMENTSOF(info_flow_types)];
};

static const char *const item_names[_HK_ETHTOOL_ITEM_MAX] = {
    [HK_ETHTOOL_DRVINFO] = "drvinfo",
    [HK_ETHTOOL_LINK] = "link",
    [HK_ETHTOOL_CHANNELS] = "channels",
    [HK_ETHTOOL_RINGS] = "rings",
    [HK_ETHTOOL_COALESCE] = "coalesce",
    [HK_ETHTOOL_PAUSE] = "pause",
    [HK_ETHTOOL_FEATURES] = "features",
    [HK_ETHTOOL_RSS] = "rss",
    [HK_ETHTOOL_RXFH_FIELDS] = "rxfh_fields",
    [HK_ETHTOOL_RULES] = "rules",
    [HK_ETHTOOL_STATS] = "stats",
};

const char *hk_ethtool_item_name(hk_ethtool_item item)
{
	return (unsigned)item < _HK_ETHTOOL_ITEM_MAX ? item_names[item] : NULL;
}

void hk_ethtool_info_free(hk_ethtool_info *info)
{
	if (!info)
		return;
	hk_ethtool_features_free(info->features);
	hk_ethtool_rss_free(info->rss);
	hk_ethtool_rules_free(info->rules);
	hk_ethtool_stats_free(info->stats);
	free(info);
}

static int info_item(hk_ethtool *e, const char *ifname, hk_ethtool_info *info, hk_ethtool_item item,
		     hk_diag *diag)
{
	switch (item) {
	case HK_ETHTOOL_DRVINFO:
		return hk_ethtool_get_drvinfo(e, ifname, diag, &info->drvinfo);
	case HK_ETHTOOL_LINK:
		return hk_ethtool_get_link(e, ifname, diag, &info->link);
	case HK_ETHTOOL_CHANNELS:
		return hk_ethtool_get_channels(e, ifname, diag, &info->channels);
	case HK_ETHTOOL_RINGS:
		return hk_ethtool_get_rings(e, ifname, diag, &info->rings);
	case HK_ETHTOOL_COALESCE:
		return hk_ethtool_get_coalesce(e, ifname, diag, &info->coalesce);
	case HK_ETHTOOL_PAUSE:
		return hk_ethtool_get_pause(e, ifname, diag, &info->pause);
	case HK_ETHTOOL_FEATURES:
		return hk_ethtool_get_features(e, ifname, diag, &info->features);
	case HK_ETHTOOL_RSS:
		return hk_ethtool_get_rss(e, ifname, diag, &info->rss);
	case HK_ETHTOOL_RULES:
		return hk_ethtool_get_rules(e, ifname, diag, &info->rules);
	case HK_ETHTOOL_STATS:
		return hk_ethtool_get_stats(e, ifname, diag, &info->stats);
	case HK_ETHTOOL_RXFH_FIELDS: {
		int first = 0;
		bool any = false;

		for (size_t i = 0; i < ELEMENTSOF(info_flow_types); i++) {
			int r =
			    hk_ethtool_get_rxfh_fields(e, ifname, info_flow_types[i],
						       i == 0 ? diag : NULL, &info->flow_fields[i]);
			info->flow_status[i] = r;
			if (r >= 0)
				any = true;
			else if (first == 0)
				first = r;
		}
		return any ? 0 : first;
	}
	default:
		return -EINVAL;
	}
}

int hk_ethtool_info_load(hk_ethtool *e, const char *ifname, unsigned items, hk_ethtool_info **ret)
{
	hk_ethtool_info *info;
	unsigned asked = 0, nodev = 0;

	if (!e || !ifname)
		return -EINVAL;
	if (items == 0)
		items = (1u << _HK_ETHTOOL_ITEM_MAX) - 1;
	info = calloc(1, sizeof(*info));
	if (!info)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(info->flow_status); i++)
		info->flow_status[i] = -ENOENT;
	for (unsigned it = 0; it < _HK_ETHTOOL_ITEM_MAX; it++) {
		hk_diag d = {};
		int r;

		if (!(items & (1u << it))) {
			info->status[it] = -ENOENT;
			continue;
		}
		asked++;
		r = info_item(e, ifname, info, (hk_ethtool_item)it, &d);
		if (r == -ENOMEM) {
			hk_ethtool_info_free(info);
			return r;
		}
		info->status[it] = r < 0 ? r : 0;
		if (r < 0) {
			snprintf(info->message[it], sizeof(info->message[it]), "%s",
				 d.message[0] ? d.message : strerror(-r));
			nodev += r == -ENODEV;
		}
	}
	if (asked > 0 && nodev == asked) {
		hk_ethtool_info_free(info);
		return -ENODEV;
	}
	*ret = info;
	return 0;
}

int hk_ethtool_info_status(const hk_ethtool_info *info, hk_ethtool_item item)
{
	if (!info || (unsigned)item >= _HK_ETHTOOL_ITEM_MAX)
		return -EINVAL;
	return info->status[item];
}

const char *hk_ethtool_info_message(const hk_ethtool_info *info, hk_ethtool_item item)
{
	if (!info || (unsigned)item >= _HK_ETHTOOL_ITEM_MAX)
		return "";
	return info->message[item];
}

#define INFO_GET(item, expr) (info && info->status[item] == 0 ? (expr) : NULL)

const hk_ethtool_drvinfo *hk_ethtool_info_drvinfo(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_DRVINFO, &info->drvinfo);
}

const hk_ethtool_link *hk_ethtool_info_link(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_LINK, &info->link);
}

const hk_ethtool_channels *hk_ethtool_info_channels(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_CHANNELS, &info->channels);
}

const hk_ethtool_rings *hk_ethtool_info_rings(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_RINGS, &info->rings);
}

const hk_ethtool_coalesce *hk_ethtool_info_coalesce(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_COALESCE, &info->coalesce);
}

const hk_ethtool_pause *hk_ethtool_info_pause(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_PAUSE, &info->pause);
}

const hk_ethtool_features *hk_ethtool_info_features(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_FEATURES, info->features);
}

const hk_ethtool_rss *hk_ethtool_info_rss(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_RSS, info->rss);
}

const hk_ethtool_rules *hk_ethtool_info_rules(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_RULES, info->rules);
}

const hk_ethtool_stats *hk_ethtool_info_stats(const hk_ethtool_info *info)
{
	return INFO_GET(HK_ETHTOOL_STATS, info->stats);
}

int hk_ethtool_info_rxfh_fields(const hk_ethtool_info *info, uint32_t flow_type, uint64_t *ret)
{
	if (!info)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(info_flow_types); i++)
		if (info_flow_types[i] == flow_type) {
			if (info->flow_status[i] < 0)
				return info->flow_status[i];
			*ret = info->flow_fields[i];
			return 0;
		}
	return -ENOENT;
}
