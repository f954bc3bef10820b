/* SPDX-License-Identifier: MIT */
/*
 * The recorded-state parser of the ethtool seam, and then every reader on
 * the parsed records: a record file is the one place where replies to
 * ethtool requests come from outside, so the readers' bounds are fuzzed
 * through it too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/ethtool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(void *ctx, const char *ifname, void *buf, size_t len)
{
	const hk_ethtool_record *rec = hk_ethtool_records_find(ctx, buf, len);

	(void)ifname;
	if (!rec)
		return -EOPNOTSUPP;
	if (rec->result < 0)
		return rec->result;
	memset(buf, 0, len);
	memcpy(buf, rec->reply, rec->reply_len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const hk_ethtool_ops ops = {.request = replay};
	hk_ethtool_records *recs = NULL, *again = NULL;
	hk_strbuf sb = HK_STRBUF_INIT;
	hk_ethtool *e = NULL;
	hk_ethtool_info *info = NULL;
	hk_diag diag;

	if (hk_ethtool_records_parse((const char *)data, size, "fuzz", &diag, &recs) < 0)
		return 0;

	/* What parses formats back to the same records. */
	hk_ethtool_records_format(recs, &sb);
	if (hk_strbuf_error(&sb) == 0) {
		if (hk_ethtool_records_parse(sb.buf, sb.len, "again", &diag, &again) < 0 ||
		    again->n != recs->n)
			abort();
		for (size_t i = 0; i < recs->n; i++) {
			const hk_ethtool_record *a = &recs->v[i], *b = &again->v[i];

			if (a->len != b->len || a->result != b->result ||
			    a->req_len != b->req_len || a->reply_len != b->reply_len ||
			    memcmp(a->req, b->req, a->req_len) != 0 ||
			    memcmp(a->reply, b->reply, a->reply_len) != 0)
				abort();
		}
	}
	hk_ethtool_records_free(again);
	hk_strbuf_done(&sb);

	if (hk_ethtool_new(&ops, recs, &e) == 0) {
		hk_ethtool_coalesce q[4];
		uint32_t t[4] = {0};

		if (hk_ethtool_info_load(e, "eth0", 0, &info) == 0)
			hk_ethtool_info_free(info);
		(void)hk_ethtool_get_queue_coalesce(e, "eth0", 0, 4, NULL, q);
		(void)hk_ethtool_set_rss_indir(e, "eth0", t, 4, NULL);
		(void)hk_ethtool_set_feature(e, "eth0", "rx-gro", true, NULL);
		(void)hk_ethtool_set_channels(e, "eth0", &(hk_ethtool_channels){.combined = 2},
					      NULL);
		(void)hk_ethtool_set_rings(e, "eth0", &(hk_ethtool_rings){.rx = 64, .tx = 64},
					   NULL);
		hk_ethtool_free(e);
	}
	hk_ethtool_records_free(recs);
	return 0;
}
