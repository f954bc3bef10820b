/* SPDX-License-Identifier: MIT */
/*
 * The ethtool seam: the handle, the live ioctl, the recorded state of a
 * captured tree, the recording wrapper and the scripted seam of the tests.
 * The readers are in ethtool-read.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/ethtool.h"

#define RECORD_MAGIC "hostkit-ethtool 1"

int hk_ethtool_new(const hk_ethtool_ops *ops, void *ctx, hk_ethtool **ret)
{
	hk_ethtool *e;

	if (!ops || !ops->request) {
		if (ops && ops->free)
			ops->free(ctx);
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		if (ops->free)
			ops->free(ctx);
		return -ENOMEM;
	}
	e->ops = *ops;
	e->ctx = ctx;
	*ret = e;
	return 0;
}

void hk_ethtool_free(hk_ethtool *e)
{
	if (!e)
		return;
	if (e->ops.free)
		e->ops.free(e->ctx);
	free(e);
}

int hk_ethtool_request(hk_ethtool *e, const char *ifname, void *buf, size_t len)
{
	size_t n;

	if (!e || !ifname || !buf || len < sizeof(uint32_t) || len > HK_ETHTOOL_MAX_REQUEST)
		return -EINVAL;
	n = strnlen(ifname, IFNAMSIZ);
	if (n == 0 || n >= IFNAMSIZ)
		return -EINVAL;
	return e->ops.request(e->ctx, ifname, buf, len);
}

/* The live seam. */

typedef struct live_ctx {
	int fd;
} live_ctx;

static int live_request(void *ctx, const char *ifname, void *buf, size_t len)
{
	live_ctx *c = ctx;
	struct ifreq ifr = {};

	(void)len; /* the kernel sizes by the request's own fields */
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	ifr.ifr_data = buf;
	if (ioctl(c->fd, SIOCETHTOOL, &ifr) < 0)
		return negative_errno();
	return 0;
}

static void live_free(void *ctx)
{
	live_ctx *c = ctx;

	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

int hk_ethtool_open_live(hk_ethtool **ret)
{
	static const hk_ethtool_ops ops = {.request = live_request, .free = live_free};
	live_ctx *c;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) /* a kernel without IPv4 still answers on a unix socket */
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	return hk_ethtool_new(&ops, c, ret);
}

/* Records. */

static size_t trimmed_len(const uint8_t *p, size_t len)
{
	while (len > 0 && p[len - 1] == 0)
		len--;
	return len;
}

void hk_ethtool_records_free(hk_ethtool_records *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].req);
		free(r->v[i].reply);
	}
	free(r->v);
	free(r);
}

const hk_ethtool_record *hk_ethtool_records_find(const hk_ethtool_records *r, const void *buf,
						 size_t len)
{
	size_t n = trimmed_len(buf, len);

	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const hk_ethtool_record *rec = &r->v[i];

		if (rec->len == len && rec->req_len == n && memcmp(rec->req, buf, n) == 0)
			return rec;
	}
	return NULL;
}

static uint8_t *dup_bytes(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

int hk_ethtool_records_add(hk_ethtool_records *r, const void *req, size_t len, int result,
			   const void *reply)
{
	hk_ethtool_record rec = {};
	size_t rq, rp = 0;

	if (len < sizeof(uint32_t) || len > HK_ETHTOOL_MAX_REQUEST || result > 0 || result < -4095)
		return -EINVAL;
	rq = trimmed_len(req, len);
	if (result == 0 && reply)
		rp = trimmed_len(reply, len);
	rec.len = (uint32_t)len;
	rec.req_len = (uint32_t)rq;
	rec.reply_len = (uint32_t)rp;
	rec.result = result;
	rec.req = dup_bytes(req, rq);
	rec.reply = dup_bytes(reply, rp);
	if (!rec.req || !rec.reply) {
		free(rec.req);
		free(rec.reply);
		return -ENOMEM;
	}

	/* A request asked again keeps its last answer. */
	for (size_t i = 0; i < r->n; i++) {
		hk_ethtool_record *o = &r->v[i];

		if (o->len == rec.len && o->req_len == rec.req_len &&
		    memcmp(o->req, rec.req, rq) == 0) {
			free(o->req);
			free(o->reply);
			*o = rec;
			return 0;
		}
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		hk_ethtool_record *v = reallocarray(r->v, cap, sizeof(*v));

		if (!v) {
			free(rec.req);
			free(rec.reply);
			return -ENOMEM;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = rec;
	return 0;
}

static void put_hex(hk_strbuf *sb, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char chunk[128];
	size_t k = 0;

	if (n == 0) {
		hk_strbuf_putc(sb, '-');
		return;
	}
	for (size_t i = 0; i < n; i++) {
		chunk[k++] = digits[p[i] >> 4];
		chunk[k++] = digits[p[i] & 15];
		if (k == sizeof(chunk)) {
			hk_strbuf_append(sb, chunk, k);
			k = 0;
		}
	}
	hk_strbuf_append(sb, chunk, k);
}

void hk_ethtool_records_format(const hk_ethtool_records *r, hk_strbuf *sb)
{
	hk_strbuf_puts(sb, RECORD_MAGIC "\n");
	hk_strbuf_puts(sb, "# LEN RESULT REQUEST REPLY: hex, trailing zero bytes left out\n");
	for (size_t i = 0; r && i < r->n; i++) {
		const hk_ethtool_record *rec = &r->v[i];

		hk_strbuf_printf(sb, "%" PRIu32 " %d ", rec->len, rec->result);
		put_hex(sb, rec->req, rec->req_len);
		hk_strbuf_putc(sb, ' ');
		put_hex(sb, rec->reply, rec->reply_len);
		hk_strbuf_putc(sb, '\n');
	}
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

typedef struct rec_parser {
	const char *base;
	const char *path;
	unsigned line;
	hk_diag *diag;
} rec_parser;

static int rec_fail(rec_parser *p, const char *at, const char *what, const char *text, size_t n)
{
	int r;

	r = hk_diag_set(p->diag, -EINVAL, p->path,
			"corrupt ethtool record at offset %zu: %s '%.*s'", (size_t)(at - p->base),
			what, (int)MIN(n, (size_t)40), text);
	if (p->diag)
		p->diag->line = p->line;
	return r;
}

/* Decodes a hex field ("-" is empty) of at most @max bytes into a new buffer. */
static int rec_hex(rec_parser *p, const char *s, size_t n, size_t max, uint8_t **ret,
		   uint32_t *ret_len)
{
	_cleanup_free_ uint8_t *out = NULL;
	size_t bytes;

	if (n == 1 && s[0] == '-') {
		out = malloc(1);
		if (!out)
			return -ENOMEM;
		*ret = TAKE_PTR(out);
		*ret_len = 0;
		return 0;
	}
	if (n == 0 || n % 2 != 0)
		return rec_fail(p, s, "odd or empty hex", s, n);
	bytes = n / 2;
	if (bytes > max)
		return rec_fail(p, s, "more bytes than the request's length", s, n);
	out = malloc(bytes);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < bytes; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return rec_fail(p, s + 2 * i, "not hex", s + 2 * i, 2);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*ret_len = (uint32_t)trimmed_len(out, bytes);
	*ret = TAKE_PTR(out);
	return 0;
}

/* Splits the next blank-separated field off [*s, end). */
static bool next_field(const char **s, const char *end, const char **ret, size_t *ret_len)
{
	const char *a = *s, *b;

	while (a < end && (*a == ' ' || *a == '\t'))
		a++;
	if (a == end)
		return false;
	b = a;
	while (b < end && *b != ' ' && *b != '\t')
		b++;
	*ret = a;
	*ret_len = (size_t)(b - a);
	*s = b;
	return true;
}

static int rec_line(rec_parser *p, hk_ethtool_records *recs, const char *s, const char *end)
{
	const char *f[5];
	size_t n[5];
	unsigned k = 0;
	uint64_t len;
	int64_t result;
	uint8_t *req = NULL, *reply = NULL;
	uint32_t req_len = 0, reply_len = 0;
	int r;

	while (k < 5 && next_field(&s, end, &f[k], &n[k]))
		k++;
	if (k != 4)
		return rec_fail(p, k ? f[0] : s, "expected LEN RESULT REQUEST REPLY, got",
				k ? f[0] : s, (size_t)(end - (k ? f[0] : s)));
	if (hk_parse_u64(f[0], n[0], 10, &len) < 0 || len < sizeof(uint32_t) ||
	    len > HK_ETHTOOL_MAX_REQUEST)
		return rec_fail(p, f[0], "bad length", f[0], n[0]);
	if (hk_parse_s64(f[1], n[1], &result) < 0 || result > 0 || result < -4095)
		return rec_fail(p, f[1], "bad result", f[1], n[1]);
	r = rec_hex(p, f[2], n[2], len, &req, &req_len);
	if (r < 0)
		return r;
	if (req_len == 0) {
		free(req);
		return rec_fail(p, f[2], "request without a command", f[2], n[2]);
	}
	r = rec_hex(p, f[3], n[3], len, &reply, &reply_len);
	if (r < 0) {
		free(req);
		return r;
	}
	if (result != 0 && reply_len > 0) {
		free(req);
		free(reply);
		return rec_fail(p, f[3], "a failed request with a reply", f[3], n[3]);
	}
	if (recs->n == recs->cap) {
		size_t cap = recs->cap ? recs->cap * 2 : 16;
		hk_ethtool_record *v = reallocarray(recs->v, cap, sizeof(*v));

		if (!v) {
			free(req);
			free(reply);
			return -ENOMEM;
		}
		recs->v = v;
		recs->cap = cap;
	}
	recs->v[recs->n++] = (hk_ethtool_record){
	    .len = (uint32_t)len,
	    .req_len = req_len,
	    .reply_len = reply_len,
	    .result = (int)result,
	    .req = req,
	    .reply = reply,
	};
	return 0;
}

int hk_ethtool_records_parse(const char *buf, size_t len, const char *path, hk_diag *diag,
			     hk_ethtool_records **ret)
{
	rec_parser p = {.base = buf, .path = path ? path : "", .diag = diag};
	hk_ethtool_records *recs;
	const char *s = buf, *end = buf + len;
	bool magic = false;
	int r;

	recs = calloc(1, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		const char *t = s;
		size_t tn = (size_t)(e - s);

		p.line++;
		hk_trim(&t, &tn);
		if (tn == 0 || t[0] == '#') {
			/* blank or comment */
		} else if (!magic) {
			if (tn != strlen(RECORD_MAGIC) || memcmp(t, RECORD_MAGIC, tn) != 0) {
				r = rec_fail(&p, t, "not a hostkit ethtool record file", t, tn);
				goto fail;
			}
			magic = true;
		} else {
			if (!nl) {
				r = rec_fail(&p, t, "truncated record (no newline)", t, tn);
				goto fail;
			}
			r = rec_line(&p, recs, t, t + tn);
			if (r < 0)
				goto fail;
		}
		s = nl ? nl + 1 : end;
	}
	if (!magic) {
		r = rec_fail(&p, end, "no 'hostkit-ethtool 1' header", "", 0);
		goto fail;
	}
	*ret = recs;
	return 0;
fail:
	hk_ethtool_records_free(recs);
	return r;
}

/* Per-device records, for the recorded seam and the recorder. */

typedef struct dev_records {
	char ifname[IFNAMSIZ];
	hk_ethtool_records *recs;
} dev_records;

typedef struct rec_set {
	dev_records *v;
	size_t n;
} rec_set;

static void rec_set_done(rec_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		hk_ethtool_records_free(s->v[i].recs);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static dev_records *rec_set_find(const rec_set *s, const char *ifname)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].ifname, ifname) == 0)
			return &s->v[i];
	return NULL;
}

/* Takes @recs over, also on failure. */
static int rec_set_add(rec_set *s, const char *ifname, hk_ethtool_records *recs)
{
	dev_records *v;

	if (strlen(ifname) >= IFNAMSIZ) {
		hk_ethtool_records_free(recs);
		return -EINVAL;
	}
	v = reallocarray(s->v, s->n + 1, sizeof(*v));
	if (!v) {
		hk_ethtool_records_free(recs);
		return -ENOMEM;
	}
	s->v = v;
	memset(&v[s->n], 0, sizeof(v[s->n]));
	strcpy(v[s->n].ifname, ifname);
	v[s->n].recs = recs;
	s->n++;
	return 0;
}

/* The recorded seam. */

static int replay(const hk_ethtool_records *recs, void *buf, size_t len)
{
	const hk_ethtool_record *rec = hk_ethtool_records_find(recs, buf, len);

	if (!rec)
		return -EOPNOTSUPP; /* not asked at capture time: as good as unsupported */
	if (rec->result < 0)
		return rec->result;
	memset(buf, 0, len);
	memcpy(buf, rec->reply, rec->reply_len);
	return 0;
}

static int recorded_request(void *ctx, const char *ifname, void *buf, size_t len)
{
	dev_records *d = rec_set_find(ctx, ifname);

	if (!d)
		return -ENODEV;
	return replay(d->recs, buf, len);
}

static void recorded_free(void *ctx)
{
	if (!ctx)
		return;
	rec_set_done(ctx);
	free(ctx);
}

static bool valid_ifname(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < IFNAMSIZ && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

int hk_ethtool_open(hk_root *root, hk_diag *diag, hk_ethtool **ret)
{
	static const hk_ethtool_ops ops = {.request = recorded_request, .free = recorded_free};
	_cleanup_closedir_ DIR *d = NULL;
	rec_set *set;
	struct dirent *de;
	int r;

	if (!root)
		return -EINVAL;
	if (hk_root_is_live(root))
		return hk_ethtool_open_live(ret);

	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	r = hk_root_opendir(root, "hostkit/ethtool", &d);
	if (r == -ENOENT || r == -ENOTDIR)
		return hk_ethtool_new(&ops, set, ret);
	if (r < 0) {
		free(set);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		char rel[300], full[900];
		_cleanup_free_ char *buf = NULL;
		hk_ethtool_records *recs;
		size_t len;

		if (de->d_name[0] == '.' || !valid_ifname(de->d_name))
			continue;
		snprintf(rel, sizeof(rel), "hostkit/ethtool/%s", de->d_name);
		snprintf(full, sizeof(full), "%s/%s", hk_root_path(root), rel);
		r = hk_root_read(root, rel, &buf, &len);
		if (r == -EISDIR)
			continue;
		if (r < 0) {
			hk_diag_set(diag, r, full, "cannot read ethtool record");
			goto fail;
		}
		r = hk_ethtool_records_parse(buf, len, full, diag, &recs);
		if (r < 0)
			goto fail;
		r = rec_set_add(set, de->d_name, recs);
		if (r < 0)
			goto fail;
	}
	if (errno != 0) {
		r = negative_errno();
		goto fail;
	}
	return hk_ethtool_new(&ops, set, ret);
fail:
	recorded_free(set);
	return r;
}

/* The recording wrapper. */

typedef struct recorder_ctx {
	hk_ethtool *inner;
	rec_set set;
	int error;
} recorder_ctx;

static int recorder_request(void *ctx, const char *ifname, void *buf, size_t len)
{
	recorder_ctx *c = ctx;
	_cleanup_free_ uint8_t *req = dup_bytes(buf, len);
	dev_records *d;
	int r, k;

	r = hk_ethtool_request(c->inner, ifname, buf, len);
	if (!req) {
		c->error = -ENOMEM;
		return r;
	}
	d = rec_set_find(&c->set, ifname);
	if (!d) {
		hk_ethtool_records *recs = calloc(1, sizeof(*recs));

		k = recs ? rec_set_add(&c->set, ifname, recs) : -ENOMEM;
		if (k < 0) {
			c->error = k;
			return r;
		}
		d = &c->set.v[c->set.n - 1];
	}
	/* Errnos past the errno range (a buggy seam) are not kept. */
	k = hk_ethtool_records_add(d->recs, req, len, r < -4095 ? -EIO : r, r == 0 ? buf : NULL);
	if (k < 0)
		c->error = k;
	return r;
}

static void recorder_free(void *ctx)
{
	recorder_ctx *c = ctx;

	if (!c)
		return;
	hk_ethtool_free(c->inner);
	rec_set_done(&c->set);
	free(c);
}

int hk_ethtool_recorder_new(hk_ethtool *inner, hk_ethtool **ret)
{
	static const hk_ethtool_ops ops = {.request = recorder_request, .free = recorder_free};
	recorder_ctx *c;
	int r;

	if (!inner)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		hk_ethtool_free(inner);
		return -ENOMEM;
	}
	c->inner = inner;
	r = hk_ethtool_new(&ops, c, ret);
	if (r < 0)
		return r;
	(*ret)->recorder = true;
	return 0;
}

static int mkdir_p(const char *path, hk_diag *diag)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return hk_diag_set(diag, negative_errno(), path, "cannot make directory");
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int hk_ethtool_save(hk_ethtool *e, const char *dir, hk_diag *diag)
{
	recorder_ctx *c;
	char path[600];
	int r;

	if (!e || !e->recorder || !dir)
		return -EINVAL;
	c = e->ctx;
	if (c->error < 0)
		return hk_diag_set(diag, c->error, dir, "the recorder lost requests");
	r = mkdir_p(dir, diag);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/hostkit", dir);
	r = mkdir_p(path, diag);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/hostkit/ethtool", dir);
	r = mkdir_p(path, diag);
	if (r < 0)
		return r;

	for (size_t i = 0; i < c->set.n; i++) {
		hk_strbuf sb = HK_STRBUF_INIT;
		_cleanup_close_ int fd = -EBADF;

		if (!valid_ifname(c->set.v[i].ifname))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/hostkit/ethtool/%s", dir,
				     c->set.v[i].ifname) >= sizeof(path))
			return hk_diag_set(diag, -ENAMETOOLONG, dir, "path too long");
		hk_ethtool_records_format(c->set.v[i].recs, &sb);
		r = hk_strbuf_error(&sb);
		if (r < 0) {
			hk_strbuf_done(&sb);
			return r;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0) {
			hk_strbuf_done(&sb);
			return hk_diag_set(diag, negative_errno(), path, "cannot create");
		}
		r = write_all(fd, sb.buf ? sb.buf : "", sb.len);
		hk_strbuf_done(&sb);
		if (r < 0)
			return hk_diag_set(diag, r, path, "cannot write");
	}
	return 0;
}

/* The scripted seam. */

typedef struct script_ctx {
	const hk_ethtool_step *steps;
	size_t n;
	bool ordered;
	int unmatched;
	size_t next;
	bool *used;
	unsigned failures;
	unsigned requests;
	char error[256];
} script_ctx;

static void script_fail(script_ctx *c, const char *ifname, const void *buf, const char *what)
{
	uint32_t cmd;

	c->failures++;
	if (c->error[0])
		return;
	memcpy(&cmd, buf, sizeof(cmd));
	snprintf(c->error, sizeof(c->error), "%s cmd 0x%" PRIx32 " for %s (request %u)", what, cmd,
		 ifname, c->requests);
}

static bool step_matches(const hk_ethtool_step *s, const char *ifname, const void *buf, size_t len)
{
	if (s->ifname && strcmp(s->ifname, ifname) != 0)
		return false;
	return s->match_len <= len && memcmp(s->match, buf, s->match_len) == 0;
}

static int script_request(void *ctx, const char *ifname, void *buf, size_t len)
{
	script_ctx *c = ctx;
	const hk_ethtool_step *s = NULL;

	c->requests++;
	if (c->ordered) {
		if (c->next < c->n && step_matches(&c->steps[c->next], ifname, buf, len)) {
			c->used[c->next] = true;
			s = &c->steps[c->next++];
		}
	} else {
		for (size_t i = 0; i < c->n && !s; i++)
			if (step_matches(&c->steps[i], ifname, buf, len)) {
				c->used[i] = true;
				s = &c->steps[i];
			}
	}
	if (!s) {
		/* Unordered scripts answer the rest with the device's default. */
		if (c->ordered)
			script_fail(c, ifname, buf, "unexpected (out of order)");
		return c->unmatched;
	}
	if (s->result < 0)
		return s->result;
	if (s->reply_len > len) {
		script_fail(c, ifname, buf, "reply would overrun the buffer of");
		return -EFAULT;
	}
	if (s->reply_len)
		memcpy(buf, s->reply, s->reply_len);
	return 0;
}

static void script_free(void *ctx)
{
	script_ctx *c = ctx;

	if (!c)
		return;
	free(c->used);
	free(c);
}

int hk_ethtool_script_new(const hk_ethtool_step *steps, size_t n, bool ordered, int unmatched,
			  hk_ethtool **ret)
{
	static const hk_ethtool_ops ops = {.request = script_request, .free = script_free};
	script_ctx *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->used = calloc(n ? n : 1, sizeof(bool));
	if (!c->used) {
		free(c);
		return -ENOMEM;
	}
	c->steps = steps;
	c->n = n;
	c->ordered = ordered;
	c->unmatched = unmatched;
	return hk_ethtool_new(&ops, c, ret);
}

unsigned hk_ethtool_script_failures(const hk_ethtool *e)
{
	const script_ctx *c = e->ctx;

	return c->failures;
}

unsigned hk_ethtool_script_unused(const hk_ethtool *e)
{
	const script_ctx *c = e->ctx;
	unsigned k = 0;

	for (size_t i = 0; i < c->n; i++)
		k += !c->used[i];
	return k;
}

unsigned hk_ethtool_script_requests(const hk_ethtool *e)
{
	const script_ctx *c = e->ctx;

	return c->requests;
}

const char *hk_ethtool_script_error(const hk_ethtool *e)
{
	const script_ctx *c = e->ctx;

	return c->error;
}
