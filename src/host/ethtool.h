/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_ETHTOOL_H
#define HK_HOST_ETHTOOL_H

/*
 * The ethtool seam's internals: the handle, the recorded-state parser (for
 * unit tests and the fuzz target) and the scripted seam tests use.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/ethtool.h>

#include "base/strbuf.h"

/* The largest request buffer hostkit sends or a record may hold. */
#define HK_ETHTOOL_MAX_REQUEST (4u << 20)

struct hk_ethtool {
	hk_ethtool_ops ops;
	void *ctx;
	bool recorder;
};

/*
 * One recorded request: @len bytes were sent, of which @req holds the first
 * @req_len (the rest were zero); the answer was @result and, when 0, the
 * buffer came back as @reply's @reply_len bytes followed by zeros.
 */
typedef struct hk_ethtool_record {
	uint32_t len;
	uint32_t req_len;
	uint32_t reply_len;
	int result;
	uint8_t *req;
	uint8_t *reply;
} hk_ethtool_record;

typedef struct hk_ethtool_records {
	hk_ethtool_record *v;
	size_t n;
	size_t cap;
} hk_ethtool_records;

/*
 * Parses a device's record file (docs/ethtool.md). @path names it in
 * @diag, which on -EINVAL gives the byte offset of the fault as
 * "offset N" in the message and its line in @diag->line.
 */
int hk_ethtool_records_parse(const char *buf, size_t len, const char *path, hk_diag *diag,
			     hk_ethtool_records **ret);
void hk_ethtool_records_free(hk_ethtool_records *r);
/* Adds (or replaces the answer of an identical request) a record of @buf. */
int hk_ethtool_records_add(hk_ethtool_records *r, const void *req, size_t len, int result,
			   const void *reply);
/* The record whose request equals @buf (@len bytes), or NULL. */
const hk_ethtool_record *hk_ethtool_records_find(const hk_ethtool_records *r, const void *buf,
						 size_t len);
/* Appends the file text of @r to @sb. */
void hk_ethtool_records_format(const hk_ethtool_records *r, hk_strbuf *sb);

/*
 * The scripted seam. A step answers a request for @ifname (NULL: any)
 * whose first @match_len bytes equal @match (which holds at least the cmd):
 * with @result, and when it is 0 by copying @reply (@reply_len bytes) over
 * the start of the buffer. A reply longer than the buffer answers -EFAULT
 * and counts as a failure, as it would have overrun the caller's buffer.
 *
 * Ordered scripts expect their steps in order, each once: a request that is
 * not the next step answers @unmatched and counts as a failure. Unordered
 * ones answer with the first matching step, any number of times, and
 * anything else with @unmatched (the device's default, e.g. -EOPNOTSUPP).
 */
typedef struct hk_ethtool_step {
	const char *ifname;
	const void *match;
	size_t match_len;
	int result;
	const void *reply;
	size_t reply_len;
} hk_ethtool_step;

/* The steps are not copied: they must outlive the handle. */
int hk_ethtool_script_new(const hk_ethtool_step *steps, size_t n, bool ordered, int unmatched,
			  hk_ethtool **ret);
/* Requests out of order (ordered scripts) and replies that would overrun. */
unsigned hk_ethtool_script_failures(const hk_ethtool *e);
/* Steps of an ordered script not yet answered; for unordered ones, steps never used. */
unsigned hk_ethtool_script_unused(const hk_ethtool *e);
/* Requests answered so far. */
unsigned hk_ethtool_script_requests(const hk_ethtool *e);
/* The first failure described ("unexpected cmd 0x11 for eth0"), "" when none. */
const char *hk_ethtool_script_error(const hk_ethtool *e);

#endif
