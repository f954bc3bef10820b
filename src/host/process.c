/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <hostkit/process.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/process.h"

/* ------------------------------------------------------------------------ */
/* Diagnostics */

/* Fills @diag for malformed @what at @line of @path, quoting the text without control bytes. */
static int bad_text(hk_diag *diag, const char *path, unsigned line, const char *what,
		    const char *text, size_t len)
{
	char shown[65];
	size_t n = MIN(len, sizeof(shown) - 1);

	for (size_t i = 0; i < n; i++)
		shown[i] = ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) ? '?' : text[i];
	shown[n] = 0;
	path = path ? path : "";
	int r = hk_diag_set(diag, -EINVAL, path, "cannot parse %s '%s%s' in %s line %u", what,
			    shown, len > n ? "..." : "", *path ? path : "text", line);
	if (diag)
		diag->line = line;
	return r;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Counts the lines of (buf, len), a last line without newline included. */
static size_t count_lines(const char *buf, size_t len)
{
	size_t n = 1;
	const char *p = buf, *end = buf + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/*
 * A NUL-terminated copy of (buf, len) for a parser that cuts it into strings
 * in place; a NUL byte inside makes the text malformed. *ret_lines bounds
 * the entries it can hold.
 */
static int copy_text(const char *buf, size_t len, const char *path, hk_diag *diag, const char *what,
		     char **ret, size_t *ret_lines)
{
	if (len && memchr(buf, 0, len))
		return bad_text(diag, path, 1, what, buf, MIN(len, 64u));
	char *t = malloc(len + 1);
	if (!t)
		return -ENOMEM;
	if (len)
		memcpy(t, buf, len);
	t[len] = 0;
	*ret = t;
	*ret_lines = count_lines(buf, len);
	return 0;
}

/* The next line [*ret_line, *ret_eol) of a copied text; false at its end. */
static bool next_line(char **cursor, char *end, char **ret_line, char **ret_eol)
{
	char *p = *cursor;

	if (p >= end)
		return false;
	char *nl = memchr(p, '\n', (size_t)(end - p));
	*ret_line = p;
	*ret_eol = nl ? nl : end;
	*cursor = nl ? nl + 1 : end;
	return true;
}

static bool is_blank_line(const char *p, const char *eol)
{
	while (p < eol && (is_blank(*p) || *p == '\n'))
		p++;
	return p == eol;
}

/*
 * Cuts "Name:   value  " in place into the name (NUL at the ':') and the
 * trimmed value (*ret_value, NUL-terminated). False when there is no ':' or
 * the name is empty or holds a blank.
 */
static bool split_field(char *p, char *eol, char **ret_value, size_t *ret_vlen)
{
	char *colon = memchr(p, ':', (size_t)(eol - p));

	if (!colon || colon == p || memchr(p, ' ', (size_t)(colon - p)) ||
	    memchr(p, '\t', (size_t)(colon - p)))
		return false;
	char *v = colon + 1, *ve = eol;
	while (v < ve && is_blank(*v))
		v++;
	while (ve > v && is_blank(ve[-1]))
		ve--;
	*colon = 0;
	*ve = 0;
	*ret_value = v;
	*ret_vlen = (size_t)(ve - v);
	return true;
}

/* ------------------------------------------------------------------------ */
/* /proc/PID/stat */

/* By field number: proc(5)'s names, in lower case. */
/* clang-format off */
static const char *const stat_names[_HK_STAT_FIELD_MAX] = {
	NULL, "pid", "comm", "state", "ppid", "pgrp", "session", "tty_nr", "tpgid", "flags",
	"minflt", "cminflt", "majflt", "cmajflt", "utime", "stime", "cutime", "cstime", "priority",
	"nice", "num_threads", "itrealvalue", "starttime", "vsize", "rss", "rsslim", "startcode",
	"endcode", "startstack", "kstkesp", "kstkeip", "signal", "blocked", "sigignore",
	"sigcatch", "wchan", "nswap", "cnswap", "exit_signal", "processor", "rt_priority",
	"policy", "delayacct_blkio_ticks", "guest_time", "cguest_time", "start_data", "end_data",
	"start_brk", "arg_start", "arg_end", "env_start", "env_end", "exit_code"
};
/* clang-format on */

const char *hk_stat_field_name(hk_stat_field f)
{
	return f >= HK_STAT_PID && f < _HK_STAT_FIELD_MAX ? stat_names[f] : NULL;
}

/*
 * One number of a stat line, signed or not as written: the kernel prints
 * most fields unsigned and some signed, and a captured file may hold either
 * extreme of both (procfs's fixture 26232 has INT64_MIN next to INT64_MAX).
 */
static int parse_stat_number(const char *p, size_t len, uint64_t *ret, bool *ret_negative)
{
	if (len > 0 && p[0] == '-') {
		int64_t v;
		int r = hk_parse_s64(p, len, &v);
		if (r < 0)
			return r;
		*ret = (uint64_t)v;
		*ret_negative = v < 0;
		return 0;
	}
	*ret_negative = false;
	return hk_parse_u64(p, len, 10, ret);
}

int hk_parse_proc_stat(const char *buf, size_t len, const char *path, hk_diag *diag,
		       hk_proc_stat *ret)
{
	hk_proc_stat s = {0};
	const char *end = buf + len;
	const char *nl = len ? memchr(buf, '\n', len) : NULL;
	size_t line_len = nl ? (size_t)(nl - buf) : len;

	const char *open = len ? memchr(buf, '(', len) : NULL;
	/* comm ends at the LAST ')': it may itself hold ')', blanks and newlines. */
	const char *close = open ? memrchr(open, ')', (size_t)(end - open)) : NULL;
	if (!open || !close)
		return bad_text(diag, path, 1, "stat line (no '(comm)')", buf, line_len);
	if (open == buf || open[-1] != ' ')
		return bad_text(diag, path, 1, "stat line (no PID before comm)", buf, line_len);

	uint64_t v;
	bool neg;
	if (parse_stat_number(buf, (size_t)(open - 1 - buf), &v, &neg) < 0)
		return bad_text(diag, path, 1, "stat pid", buf, (size_t)(open - 1 - buf));
	s.v[HK_STAT_PID] = v;
	s.negative |= (uint64_t)neg << HK_STAT_PID;

	/* The line the fields are on: after any newline inside comm. */
	unsigned line = (unsigned)count_lines(buf, (size_t)(close - buf));
	const char *p = close + 1;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	if (memchr(buf, 0, (size_t)(eol - buf)))
		return bad_text(diag, path, line, "stat line (a NUL byte)", buf, line_len);

	unsigned field = HK_STAT_STATE;
	for (;;) {
		while (p < eol && is_blank(*p))
			p++;
		if (p == eol)
			break;
		const char *tok = p;
		while (p < eol && !is_blank(*p))
			p++;
		size_t tlen = (size_t)(p - tok);

		if (field == HK_STAT_STATE) {
			if (tlen != 1)
				return bad_text(diag, path, line, "stat state", tok, tlen);
			s.state = tok[0];
		} else if (field < _HK_STAT_FIELD_MAX) {
			if (parse_stat_number(tok, tlen, &v, &neg) < 0) {
				char what[64];
				snprintf(what, sizeof(what), "stat field %u (%s)", field,
					 stat_names[field]);
				return bad_text(diag, path, line, what, tok, tlen);
			}
			s.v[field] = v;
			s.negative |= (uint64_t)neg << field;
		}
		/* Fields past 52, from a newer kernel, are counted only. */
		field++;
	}
	s.n_fields = field - 1;
	if (s.n_fields < HK_STAT_MIN_FIELDS) {
		char what[64];
		snprintf(what, sizeof(what), "stat line (%u fields, fewer than %u)", s.n_fields,
			 HK_STAT_MIN_FIELDS);
		return bad_text(diag, path, line, what, buf, line_len);
	}

	size_t clen = (size_t)(close - open - 1);
	if (clen < sizeof(s.comm_inline)) {
		memcpy(s.comm_inline, open + 1, clen);
		s.comm_inline[clen] = 0;
	} else {
		s.comm_heap = strndup(open + 1, clen);
		if (!s.comm_heap)
			return -ENOMEM;
	}
	*ret = s;
	return 0;
}

void hk_proc_stat_done(hk_proc_stat *s)
{
	free(s->comm_heap);
	s->comm_heap = NULL;
}

unsigned hk_proc_stat_n_fields(const hk_proc_stat *s)
{
	return s->n_fields;
}

const char *hk_proc_stat_comm(const hk_proc_stat *s)
{
	return s->comm_heap ? s->comm_heap : s->comm_inline;
}

char hk_proc_stat_state(const hk_proc_stat *s)
{
	return s->state;
}

static int stat_field_check(const hk_proc_stat *s, hk_stat_field f)
{
	if (f < HK_STAT_PID || f >= _HK_STAT_FIELD_MAX || f == HK_STAT_COMM || f == HK_STAT_STATE)
		return -EINVAL;
	if ((unsigned)f > s->n_fields)
		return -ENODATA;
	return 0;
}

int hk_proc_stat_get_u64(const hk_proc_stat *s, hk_stat_field f, uint64_t *ret)
{
	int r = stat_field_check(s, f);
	if (r < 0)
		return r;
	if (s->negative & (1ull << f))
		return -ERANGE;
	*ret = s->v[f];
	return 0;
}

int hk_proc_stat_get_s64(const hk_proc_stat *s, hk_stat_field f, int64_t *ret)
{
	int r = stat_field_check(s, f);
	if (r < 0)
		return r;
	if (!(s->negative & (1ull << f)) && s->v[f] > (uint64_t)INT64_MAX)
		return -ERANGE;
	*ret = (int64_t)s->v[f];
	return 0;
}

int hk_proc_stat_last_cpu(const hk_proc_stat *s)
{
	int64_t cpu;

	if (hk_proc_stat_get_s64(s, HK_STAT_PROCESSOR, &cpu) < 0 || cpu < 0 || cpu > INT_MAX)
		return -ENODATA;
	return (int)cpu;
}

const char *hk_sched_policy_name(uint64_t policy)
{
	/* SCHED_OTHER 0 ... SCHED_DEADLINE 6, SCHED_EXT 7 (6.12); 4 was SCHED_ISO, never merged. */
	static const char *const names[] = {"other", "fifo", "rr",	 "batch",
					    "iso",   "idle", "deadline", "ext"};
	return policy < ELEMENTSOF(names) ? names[policy] : NULL;
}

const char *hk_proc_state_name(char state)
{
	/* W: "paging" before 2.6.0, "waking" from 2.6.33 to 3.13. */
	static const char letters[] = "RSDTtZXxIPKW";
	static const char *const names[] = {"running",	    "sleeping", "disk sleep", "stopped",
					    "tracing stop", "zombie",	"dead",	      "dead",
					    "idle",	    "parked",	"wakekill",   "waking"};
	const char *at = state ? strchr(letters, state) : NULL;
	return at ? names[at - letters] : NULL;
}

/* ------------------------------------------------------------------------ */
/* /proc/PID/status */

struct name_value {
	const char *name;
	const char *value;
};

struct hk_proc_status {
	char *text; /* the file, cut into NUL-terminated names and values */
	struct name_value *fields;
	size_t n_fields;
	char state;
	bool have_uids, have_gids, have_nspid, have_nstgid;
	uint32_t uids[4], gids[4];
	int *nspid, *nstgid;
	size_t n_nspid, n_nstgid;
	hk_cpuset *cpus_allowed, *mems_allowed;
};

void hk_proc_status_free(hk_proc_status *s)
{
	if (!s)
		return;
	free(s->text);
	free(s->fields);
	free(s->nspid);
	free(s->nstgid);
	hk_cpuset_free(s->cpus_allowed);
	hk_cpuset_free(s->mems_allowed);
	free(s);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_proc_status *, hk_proc_status_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

/* "6716 kB" (blanks between optional) -> 6716. */
static int parse_kib(const char *v, size_t len, uint64_t *ret)
{
	uint64_t n;
	int c = hk_parse_u64_prefix(v, len, &n);
	if (c < 0)
		return -EINVAL;
	const char *u = v + c, *end = v + len;
	while (u < end && is_blank(*u))
		u++;
	if (end - u != 2 || u[0] != 'k' || u[1] != 'B')
		return -EINVAL;
	*ret = n;
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Splits a value into up to @max blank-separated numbers. Returns the count,
 * or -EINVAL when a word is no number in [0, @limit] or there are more.
 */
static int parse_id_words(const char *v, size_t len, uint64_t limit, uint64_t *out, size_t max)
{
	const char *p = v, *end = v + len;
	size_t n = 0;

	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			return (int)n;
		const char *w = p;
		while (p < end && !is_blank(*p))
			p++;
		uint64_t x;
		if (n == max || hk_parse_u64(w, (size_t)(p - w), 10, &x) < 0 || x > limit)
			return -EINVAL;
		out[n++] = x;
	}
}

/* The fields whose value must be one decimal number. */
static const char *const status_numbers[] = {"Tgid",
					     "Ngid",
					     "Pid",
					     "PPid",
					     "TracerPid",
					     "FDSize",
					     "Threads",
					     "voluntary_ctxt_switches",
					     "nonvoluntary_ctxt_switches"};

/* Types the fields hostkit knows; -EINVAL when one does not hold what it should. */
static int status_typed(hk_proc_status *s, const char *name, const char *v, size_t vlen)
{
	uint64_t ids[64], x;
	int n;

	for (size_t i = 0; i < ELEMENTSOF(status_numbers); i++)
		if (strcmp(name, status_numbers[i]) == 0)
			return hk_parse_u64(v, vlen, 10, &x) < 0 ? -EINVAL : 0;
	/* By name only: Name is the command's, and may well end in "kB". */
	if (has_prefix(name, "Vm") || has_prefix(name, "Rss") || has_prefix(name, "HugetlbPages"))
		return parse_kib(v, vlen, &x);

	if (strcmp(name, "State") == 0) {
		if (vlen == 0)
			return -EINVAL;
		if (!s->state)
			s->state = v[0];
		return 0;
	}
	bool uid = strcmp(name, "Uid") == 0;
	if (uid || strcmp(name, "Gid") == 0) {
		n = parse_id_words(v, vlen, UINT32_MAX, ids, 4);
		if (n != 4)
			return -EINVAL;
		bool *have = uid ? &s->have_uids : &s->have_gids;
		uint32_t *dst = uid ? s->uids : s->gids;
		if (!*have)
			for (unsigned i = 0; i < 4; i++)
				dst[i] = (uint32_t)ids[i];
		*have = true;
		return 0;
	}
	bool nspid = strcmp(name, "NSpid") == 0;
	if (nspid || strcmp(name, "NStgid") == 0) {
		n = parse_id_words(v, vlen, INT_MAX, ids, ELEMENTSOF(ids));
		if (n < 1)
			return -EINVAL;
		bool *have = nspid ? &s->have_nspid : &s->have_nstgid;
		if (*have)
			return 0;
		int *a = calloc((size_t)n, sizeof(*a));
		if (!a)
			return -ENOMEM;
		for (int i = 0; i < n; i++)
			a[i] = (int)ids[i];
		*(nspid ? &s->nspid : &s->nstgid) = a;
		*(nspid ? &s->n_nspid : &s->n_nstgid) = (size_t)n;
		*have = true;
		return 0;
	}
	bool cpus = strcmp(name, "Cpus_allowed_list") == 0;
	if (cpus || strcmp(name, "Mems_allowed_list") == 0) {
		hk_cpuset **dst = cpus ? &s->cpus_allowed : &s->mems_allowed;
		if (*dst)
			return 0;
		_cleanup_(hk_cpuset_freep) hk_cpuset *set = hk_cpuset_new();
		if (!set)
			return -ENOMEM;
		int r = hk_cpuset_parse_list(set, v, vlen);
		if (r < 0)
			return r == -ENOMEM ? r : -EINVAL;
		*dst = TAKE_PTR(set);
	}
	return 0;
}

int hk_parse_proc_status(const char *buf, size_t len, const char *path, hk_diag *diag,
			 hk_proc_status **ret)
{
	_cleanup_(hk_proc_status_freep) hk_proc_status *s = calloc(1, sizeof(*s));
	size_t lines;
	int r;

	if (!s)
		return -ENOMEM;
	r = copy_text(buf, len, path, diag, "status (a NUL byte)", &s->text, &lines);
	if (r < 0)
		return r;
	s->fields = calloc(lines, sizeof(*s->fields));
	if (!s->fields)
		return -ENOMEM;

	char *cur = s->text, *p, *eol, *v;
	size_t vlen;
	for (unsigned line = 1; next_line(&cur, s->text + len, &p, &eol); line++) {
		if (is_blank_line(p, eol))
			continue;
		if (!split_field(p, eol, &v, &vlen))
			return bad_text(diag, path, line, "status line", p, (size_t)(eol - p));
		r = status_typed(s, p, v, vlen);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			char what[96];
			snprintf(what, sizeof(what), "status field %.64s", p);
			return bad_text(diag, path, line, what, v, vlen);
		}
		s->fields[s->n_fields++] = (struct name_value){p, v};
	}
	*ret = TAKE_PTR(s);
	return 0;
}

size_t hk_proc_status_n_fields(const hk_proc_status *s)
{
	return s->n_fields;
}

const char *hk_proc_status_field_name(const hk_proc_status *s, size_t i)
{
	return i < s->n_fields ? s->fields[i].name : NULL;
}

const char *hk_proc_status_field_value(const hk_proc_status *s, size_t i)
{
	return i < s->n_fields ? s->fields[i].value : NULL;
}

const char *hk_proc_status_get(const hk_proc_status *s, const char *name)
{
	for (size_t i = 0; i < s->n_fields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return s->fields[i].value;
	return NULL;
}

int hk_proc_status_u64(const hk_proc_status *s, const char *name, uint64_t *ret)
{
	const char *v = hk_proc_status_get(s, name);
	if (!v)
		return -ENODATA;
	return hk_parse_u64(v, strlen(v), 10, ret) < 0 ? -EINVAL : 0;
}

int hk_proc_status_kib(const hk_proc_status *s, const char *name, uint64_t *ret)
{
	const char *v = hk_proc_status_get(s, name);
	if (!v)
		return -ENODATA;
	return parse_kib(v, strlen(v), ret);
}

char hk_proc_status_state(const hk_proc_status *s)
{
	return s->state;
}

int hk_proc_status_uids(const hk_proc_status *s, uint32_t ret[4])
{
	if (!s->have_uids)
		return -ENODATA;
	memcpy(ret, s->uids, sizeof(s->uids));
	return 0;
}

int hk_proc_status_gids(const hk_proc_status *s, uint32_t ret[4])
{
	if (!s->have_gids)
		return -ENODATA;
	memcpy(ret, s->gids, sizeof(s->gids));
	return 0;
}

int hk_proc_status_nspid(const hk_proc_status *s, const int **ret_ids, size_t *ret_n)
{
	if (!s->have_nspid)
		return -ENODATA;
	*ret_ids = s->nspid;
	*ret_n = s->n_nspid;
	return 0;
}

int hk_proc_status_nstgid(const hk_proc_status *s, const int **ret_ids, size_t *ret_n)
{
	if (!s->have_nstgid)
		return -ENODATA;
	*ret_ids = s->nstgid;
	*ret_n = s->n_nstgid;
	return 0;
}

const hk_cpuset *hk_proc_status_cpus_allowed(const hk_proc_status *s)
{
	return s->cpus_allowed;
}

const hk_cpuset *hk_proc_status_mems_allowed(const hk_proc_status *s)
{
	return s->mems_allowed;
}

/* ------------------------------------------------------------------------ */
/* /proc/PID/smaps_rollup */

struct rollup_field {
	const char *name;
	uint64_t kib;
};

struct hk_smaps_rollup {
	bool have_range;
	uint64_t start, end;
	char *text; /* names, NUL-terminated in place */
	struct rollup_field *fields;
	size_t n_fields;
};

void hk_smaps_rollup_free(hk_smaps_rollup *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->fields);
	free(r);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_smaps_rollup *, hk_smaps_rollup_free)

/* "00400000-ffffffffff601000 ---p ..." -> the range; false when the line is no header. */
static bool parse_rollup_header(const char *p, size_t len, uint64_t *start, uint64_t *end)
{
	const char *blank = memchr(p, ' ', len);
	size_t wlen = blank ? (size_t)(blank - p) : len;
	const char *dash = memchr(p, '-', wlen);

	if (!dash)
		return false;
	return hk_parse_u64(p, (size_t)(dash - p), 16, start) == 0 &&
	       hk_parse_u64(dash + 1, (size_t)(p + wlen - dash - 1), 16, end) == 0;
}

int hk_parse_smaps_rollup(const char *buf, size_t len, const char *path, hk_diag *diag,
			  hk_smaps_rollup **ret)
{
	_cleanup_(hk_smaps_rollup_freep) hk_smaps_rollup *r = calloc(1, sizeof(*r));
	size_t lines;
	int k;

	if (!r)
		return -ENOMEM;
	k = copy_text(buf, len, path, diag, "smaps_rollup (a NUL byte)", &r->text, &lines);
	if (k < 0)
		return k;
	r->fields = calloc(lines, sizeof(*r->fields));
	if (!r->fields)
		return -ENOMEM;

	char *cur = r->text, *p, *eol, *v;
	size_t vlen;
	bool first = true;
	for (unsigned line = 1; next_line(&cur, r->text + len, &p, &eol); line++) {
		size_t llen = (size_t)(eol - p);
		uint64_t kib;

		if (is_blank_line(p, eol))
			continue;
		/* The header, first of all lines, gives the range the rollup covers. */
		if (first && parse_rollup_header(p, llen, &r->start, &r->end)) {
			r->have_range = true;
			first = false;
			continue;
		}
		first = false;
		if (!split_field(p, eol, &v, &vlen) || parse_kib(v, vlen, &kib) < 0)
			return bad_text(diag, path, line, "smaps_rollup line", p, llen);
		r->fields[r->n_fields++] = (struct rollup_field){p, kib};
	}
	*ret = TAKE_PTR(r);
	return 0;
}

int hk_smaps_rollup_range(const hk_smaps_rollup *r, uint64_t *ret_start, uint64_t *ret_end)
{
	if (!r->have_range)
		return -ENODATA;
	*ret_start = r->start;
	*ret_end = r->end;
	return 0;
}

size_t hk_smaps_rollup_n_fields(const hk_smaps_rollup *r)
{
	return r->n_fields;
}

const char *hk_smaps_rollup_field_name(const hk_smaps_rollup *r, size_t i)
{
	return i < r->n_fields ? r->fields[i].name : NULL;
}

uint64_t hk_smaps_rollup_field_kib(const hk_smaps_rollup *r, size_t i)
{
	return i < r->n_fields ? r->fields[i].kib : 0;
}

int hk_smaps_rollup_kib(const hk_smaps_rollup *r, const char *name, uint64_t *ret)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (strcmp(r->fields[i].name, name) == 0) {
			*ret = r->fields[i].kib;
			return 0;
		}
	return -ENODATA;
}

/* ------------------------------------------------------------------------ */
/* cmdline, environ */

int hk_parse_nul_list(const char *buf, size_t len, hk_strv *ret)
{
	hk_strv v = {0};

	if (len == 0) {
		*ret = v;
		return 0;
	}
	/* One trailing NUL ends the last item; without it the last item runs to the end. */
	size_t body = buf[len - 1] == 0 ? len - 1 : len;
	size_t n = 1;
	for (const char *p = buf, *end = buf + body;
	     p < end && (p = memchr(p, 0, (size_t)(end - p))); p++)
		n++;

	v.text = malloc(body + 1);
	v.items = calloc(n, sizeof(*v.items));
	if (!v.text || !v.items) {
		hk_strv_done(&v);
		return -ENOMEM;
	}
	if (body)
		memcpy(v.text, buf, body);
	v.text[body] = 0;
	for (char *p = v.text;; p++) {
		v.items[v.n++] = p;
		p += strlen(p);
		if (p == v.text + body)
			break;
	}
	*ret = v;
	return 0;
}

void hk_strv_done(hk_strv *v)
{
	free(v->text);
	free(v->items);
	*v = (hk_strv){0};
}

int hk_parse_environ(const char *buf, size_t len, hk_environ *ret)
{
	hk_environ e = {0};

	int r = hk_parse_nul_list(buf, len, &e.entries);
	if (r < 0)
		return r;
	if (e.entries.n) {
		e.values = calloc(e.entries.n, sizeof(*e.values));
		if (!e.values) {
			hk_environ_done(&e);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < e.entries.n; i++) {
		char *eq = strchr(e.entries.items[i], '=');
		if (eq) {
			*eq = 0;
			e.values[i] = eq + 1;
		}
	}
	*ret = e;
	return 0;
}

void hk_environ_done(hk_environ *e)
{
	hk_strv_done(&e->entries);
	free(e->values);
	e->values = NULL;
}

/* ------------------------------------------------------------------------ */
/* /proc/PID/cgroup */

int hk_parse_cgroup_list(const char *buf, size_t len, const char *path, hk_diag *diag,
			 hk_cgroup_list *ret)
{
	hk_cgroup_list l = {0};
	size_t lines;
	int r;

	r = copy_text(buf, len, path, diag, "cgroup (a NUL byte)", &l.text, &lines);
	if (r < 0)
		return r;
	l.items = calloc(lines, sizeof(*l.items));
	if (!l.items) {
		r = -ENOMEM;
		goto fail;
	}

	char *cur = l.text, *p, *eol;
	for (unsigned line = 1; next_line(&cur, l.text + len, &p, &eol); line++) {
		if (eol == p)
			continue;
		/* The path is all after the second ':' and may hold ':' itself. */
		char *c1 = memchr(p, ':', (size_t)(eol - p));
		char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		uint32_t id;
		if (!c2 || hk_parse_u32(p, (size_t)(c1 - p), &id) < 0) {
			r = bad_text(diag, path, line, "cgroup line", p, (size_t)(eol - p));
			goto fail;
		}
		*c2 = 0;
		*eol = 0;
		l.items[l.n++] = (hk_proc_cgroup){id, c1 + 1, c2 + 1};
	}
	*ret = l;
	return 0;
fail:
	hk_cgroup_list_done(&l);
	return r;
}

void hk_cgroup_list_done(hk_cgroup_list *l)
{
	free(l->text);
	free(l->items);
	*l = (hk_cgroup_list){0};
}

unsigned hk_proc_cgroup_hierarchy(const hk_proc_cgroup *c)
{
	return c->hierarchy;
}

const char *hk_proc_cgroup_controllers(const hk_proc_cgroup *c)
{
	return c->controllers;
}

const char *hk_proc_cgroup_path(const hk_proc_cgroup *c)
{
	return c->path;
}

/* ------------------------------------------------------------------------ */
/* Reading */

/* A read that finds the process gone, or a tree without the file. */
static bool is_gone(int r)
{
	return r == -ENOENT || r == -ESRCH || r == -ENOTDIR;
}

/*
 * Reads @rel under the live directory @dfd into @buf: one openat() and,
 * usually, one read(). stat is a single-record seq file: the first read
 * returns the whole record when it fits, so a read shorter than asked ends
 * it, which saves the second read() that would return 0.
 */
static int read_small_at(int dfd, const char *rel, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return negative_errno();
	for (;;) {
		ssize_t k = read(fd, buf + len, size - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		len += (size_t)k;
		if (len == size - 1)
			return -EFBIG;
		if (k == 0 || len > 0)
			break;
	}
	buf[len] = 0;
	return (int)len;
}

/*
 * Reads and parses a stat file: @rel under @dfd when @dfd is a live
 * directory, else @path through the root (captured trees resolve inside it).
 */
static int load_stat_file(hk_root *root, int dfd, const char *rel, const char *path, hk_diag *diag,
			  hk_proc_stat *ret)
{
	_cleanup_free_ char *heap = NULL;
	char buf[4096];
	const char *p = buf;
	size_t len = 0;
	int n;

	n = dfd >= 0 ? read_small_at(dfd, rel, buf, sizeof(buf))
		     : hk_root_read_buf(root, path, buf, sizeof(buf));
	if (n == -EFBIG) {
		n = hk_root_read(root, path, &heap, &len);
		if (n < 0)
			return n;
		p = heap;
	} else if (n < 0) {
		return n;
	} else {
		len = (size_t)n;
	}
	return hk_parse_proc_stat(p, len, path, diag, ret);
}

static int id_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* A positive decimal without leading zero that fits int (a PID or TID). */
static bool parse_id(const char *s, int *ret)
{
	int64_t v = 0;

	if (*s < '1' || *s > '9')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return false;
	}
	*ret = (int)v;
	return true;
}

/* The numeric names in directory @dfd, in ascending order, read with getdents64(). */
static int scan_ids(int dfd, int **ret_ids, size_t *ret_n)
{
	union {
		struct dirent64 align;
		char buf[32768];
	} u;
	_cleanup_free_ int *ids = NULL;
	size_t n = 0, cap = 0;
	bool sorted = true;

	for (;;) {
		ssize_t got = getdents64(dfd, u.buf, sizeof(u.buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return negative_errno();
		if (got == 0)
			break;
		for (size_t off = 0; off < (size_t)got;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(u.buf + off);
			int id;

			off += de->d_reclen;
			if (!parse_id(de->d_name, &id))
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				int *a = reallocarray(ids, ncap, sizeof(*a));
				if (!a)
					return -ENOMEM;
				ids = a;
				cap = ncap;
			}
			if (n > 0 && ids[n - 1] > id)
				sorted = false;
			ids[n++] = id;
		}
	}
	/* procfs lists PIDs in order; a captured tree's directory need not. */
	if (!sorted)
		qsort(ids, n, sizeof(*ids), id_cmp);
	*ret_ids = TAKE_PTR(ids);
	*ret_n = n;
	return 0;
}

/* An entry of a list: the directory's id and its stat. */
struct stat_entry {
	int id;
	hk_proc_stat stat;
};

static void free_entries(struct stat_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hk_proc_stat_done(&e[i].stat);
	free(e);
}

/*
 * Reads DIR/ID/stat for every numeric ID in root-relative directory @dir
 * (proc, or proc/PID/task). Entries that vanish during the scan, or that
 * have no stat file, are left out. -ENOENT when @dir does not exist.
 */
static int load_stat_dir(hk_root *root, const char *dir, hk_diag *diag, struct stat_entry **ret,
			 size_t *ret_n)
{
	_cleanup_close_ int dfd = hk_root_open_file(root, dir, O_RDONLY | O_DIRECTORY);
	_cleanup_free_ int *ids = NULL;
	size_t n_ids = 0, n = 0;
	int r;

	if (dfd < 0)
		return dfd;
	r = scan_ids(dfd, &ids, &n_ids);
	if (r < 0)
		return r;

	struct stat_entry *e = calloc(MAX(n_ids, 1u), sizeof(*e));
	if (!e)
		return -ENOMEM;
	/* The live host's files are opened beside the directory, without a path walk. */
	int live_dfd = hk_root_is_live(root) ? dfd : -EBADF;
	for (size_t i = 0; i < n_ids; i++) {
		char rel[32], path[PATH_MAX];

		snprintf(rel, sizeof(rel), "%d/stat", ids[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		r = load_stat_file(root, live_dfd, rel, path, diag, &e[n].stat);
		if (is_gone(r))
			continue;
		if (r < 0) {
			free_entries(e, n);
			return r;
		}
		e[n++].id = ids[i];
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Loading */

/* -ESRCH for a stat file that is not there. */
static int no_process(hk_root *root, const char *path, hk_diag *diag)
{
	if (hk_root_is_live(root))
		return hk_diag_set(diag, -ESRCH, path, "no such process: /%s does not exist", path);
	return hk_diag_set(diag, -ESRCH, path, "no such process: %s does not exist in %s", path,
			   hk_root_path(root));
}

struct hk_process_list {
	struct stat_entry *entries;
	size_t n;
};

int hk_proc_stat_load(hk_root *root, int pid, int tid, hk_diag *diag, hk_proc_stat **ret)
{
	char path[96], who[16] = "self";
	hk_proc_stat *s;

	if (pid < 0 || tid < 0)
		return -EINVAL;
	if (pid > 0)
		snprintf(who, sizeof(who), "%d", pid);
	if (tid > 0)
		snprintf(path, sizeof(path), "proc/%s/task/%d/stat", who, tid);
	else
		snprintf(path, sizeof(path), "proc/%s/stat", who);

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int r = load_stat_file(root, -EBADF, NULL, path, diag, s);
	if (r < 0) {
		free(s);
		if (is_gone(r))
			return no_process(root, path, diag);
		return r;
	}
	*ret = s;
	return 0;
}

void hk_proc_stat_free(hk_proc_stat *s)
{
	if (!s)
		return;
	hk_proc_stat_done(s);
	free(s);
}

int hk_process_list_load(hk_root *root, hk_diag *diag, hk_process_list **ret)
{
	hk_process_list *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;

	int r = load_stat_dir(root, "proc", diag, &l->entries, &l->n);
	if (r < 0) {
		free(l);
		if (r == -ENOENT || r == -ENOTDIR)
			return hk_diag_set(diag, -ENOENT, "proc", "%s/proc does not exist",
					   hk_root_path(root));
		return r;
	}
	*ret = l;
	return 0;
}

void hk_process_list_free(hk_process_list *l)
{
	if (!l)
		return;
	free_entries(l->entries, l->n);
	free(l);
}

size_t hk_process_list_count(const hk_process_list *l)
{
	return l->n;
}

int hk_process_list_pid(const hk_process_list *l, size_t i)
{
	return i < l->n ? l->entries[i].id : -ERANGE;
}

const hk_proc_stat *hk_process_list_stat(const hk_process_list *l, size_t i)
{
	return i < l->n ? &l->entries[i].stat : NULL;
}

struct hk_process {
	int pid;
	hk_proc_stat stat;
	int err[_HK_PROCESS_ITEM_MAX];
	hk_proc_status *status;
	hk_smaps_rollup *smaps;
	int oom_score_err, oom_adj_err;
	int64_t oom_score, oom_adj;
	hk_cgroup_list cgroups;
	hk_strv cmdline;
	hk_environ env;
	struct stat_entry *threads;
	size_t n_threads;
};

void hk_process_free(hk_process *p)
{
	if (!p)
		return;
	hk_proc_stat_done(&p->stat);
	hk_proc_status_free(p->status);
	hk_smaps_rollup_free(p->smaps);
	hk_cgroup_list_done(&p->cgroups);
	hk_strv_done(&p->cmdline);
	hk_environ_done(&p->env);
	free_entries(p->threads, p->n_threads);
	free(p);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_process *, hk_process_free)

/* The PID proc/self names. */
static int resolve_self(hk_root *root, hk_diag *diag, int *ret)
{
	_cleanup_free_ char *target = NULL;

	int r = hk_root_readlink(root, "proc/self", &target);
	if (r < 0)
		return hk_diag_set(diag, r, "proc/self", "cannot read the link %s/proc/self: %s",
				   hk_root_path(root), strerror(-r));
	if (!parse_id(target, ret))
		return bad_text(diag, "proc/self", 1, "link target", target, strlen(target));
	return 0;
}

/*
 * Reads proc/PID/@name whole. A missing or unreadable file is the item's
 * error, returned as is; only -ENOMEM is the load's.
 */
static int read_item(hk_root *root, const char *dir, const char *name, char **ret_buf,
		     size_t *ret_len, char *path, size_t path_size)
{
	snprintf(path, path_size, "%s/%s", dir, name);
	return hk_root_read(root, path, ret_buf, ret_len);
}

static int load_oom(hk_root *root, const char *dir, const char *name, hk_diag *diag, int64_t *ret,
		    int *ret_err)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int r = hk_root_read_s64(root, path, diag, ret);
	/* -EINVAL is a malformed file (hk_root_read_s64 filled @diag): the load's error. */
	if (r == -EINVAL || r == -ENOMEM)
		return r;
	*ret_err = r;
	return 0;
}

/* Reads @item; returns < 0 only for what fails the whole load. */
static int load_item(hk_process *p, hk_root *root, const char *dir, hk_process_item item,
		     hk_diag *diag)
{
	static const char *const files[_HK_PROCESS_ITEM_MAX] = {
	    [HK_PROCESS_STATUS] = "status",   [HK_PROCESS_SMAPS_ROLLUP] = "smaps_rollup",
	    [HK_PROCESS_CGROUP] = "cgroup",   [HK_PROCESS_CMDLINE] = "cmdline",
	    [HK_PROCESS_ENVIRON] = "environ",
	};
	_cleanup_free_ char *buf = NULL;
	char path[PATH_MAX];
	size_t len;
	int r;

	if (item == HK_PROCESS_OOM) {
		r = load_oom(root, dir, "oom_score", diag, &p->oom_score, &p->oom_score_err);
		if (r >= 0)
			r = load_oom(root, dir, "oom_score_adj", diag, &p->oom_adj,
				     &p->oom_adj_err);
		if (r < 0)
			return r;
		p->err[item] = p->oom_score_err;
		return 0;
	}
	if (item == HK_PROCESS_THREADS) {
		snprintf(path, sizeof(path), "%s/task", dir);
		r = load_stat_dir(root, path, diag, &p->threads, &p->n_threads);
		if (r == -EINVAL || r == -ENOMEM)
			return r;
		p->err[item] = r < 0 ? r : 0;
		return 0;
	}

	r = read_item(root, dir, files[item], &buf, &len, path, sizeof(path));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		p->err[item] = r;
		return 0;
	}
	switch (item) {
	case HK_PROCESS_STATUS:
		r = hk_parse_proc_status(buf, len, path, diag, &p->status);
		break;
	case HK_PROCESS_SMAPS_ROLLUP:
		r = hk_parse_smaps_rollup(buf, len, path, diag, &p->smaps);
		break;
	case HK_PROCESS_CGROUP:
		r = hk_parse_cgroup_list(buf, len, path, diag, &p->cgroups);
		break;
	case HK_PROCESS_CMDLINE:
		r = hk_parse_nul_list(buf, len, &p->cmdline);
		break;
	case HK_PROCESS_ENVIRON:
		r = hk_parse_environ(buf, len, &p->env);
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r < 0)
		return r;
	p->err[item] = 0;
	return 0;
}

int hk_process_load(hk_root *root, int pid, unsigned items, hk_diag *diag, hk_process **ret)
{
	char dir[32], path[64];
	int r;

	if (items & ~(unsigned)HK_PROCESS_LOAD_ALL)
		return hk_diag_set(diag, -EINVAL, "", "unknown process items 0x%x",
				   items & ~(unsigned)HK_PROCESS_LOAD_ALL);
	if (pid < 0)
		return hk_diag_set(diag, -EINVAL, "", "invalid PID %d", pid);
	if (pid == 0) {
		r = resolve_self(root, diag, &pid);
		if (r < 0)
			return r;
	}

	_cleanup_(hk_process_freep) hk_process *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = pid;
	for (unsigned i = 0; i < _HK_PROCESS_ITEM_MAX; i++)
		p->err[i] = -ENODATA;
	p->oom_score_err = p->oom_adj_err = -ENODATA;

	snprintf(dir, sizeof(dir), "proc/%d", pid);
	snprintf(path, sizeof(path), "%s/stat", dir);
	r = load_stat_file(root, -EBADF, NULL, path, diag, &p->stat);
	/*
	 * The process is its directory: a live one that exits takes both
	 * away, while a partial capture may hold status without stat.
	 */
	if (is_gone(r) && (hk_root_is_live(root) || !hk_root_exists(root, dir)))
		return no_process(root, dir, diag);
	if (r < 0 && !is_gone(r))
		return r;
	p->err[HK_PROCESS_STAT] = r < 0 ? r : 0;

	for (unsigned i = HK_PROCESS_STAT + 1; i < _HK_PROCESS_ITEM_MAX; i++) {
		if (!(items & HK_PROCESS_LOAD(i)))
			continue;
		r = load_item(p, root, dir, (hk_process_item)i, diag);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

int hk_process_pid(const hk_process *p)
{
	return p->pid;
}

const hk_proc_stat *hk_process_stat(const hk_process *p)
{
	return p->err[HK_PROCESS_STAT] < 0 ? NULL : &p->stat;
}

int hk_process_item_error(const hk_process *p, hk_process_item item)
{
	return (unsigned)item < _HK_PROCESS_ITEM_MAX ? p->err[item] : -EINVAL;
}

const hk_proc_status *hk_process_status(const hk_process *p)
{
	return p->status;
}

const hk_smaps_rollup *hk_process_smaps_rollup(const hk_process *p)
{
	return p->smaps;
}

int hk_process_oom_score(const hk_process *p, int64_t *ret)
{
	if (p->oom_score_err < 0)
		return p->oom_score_err;
	*ret = p->oom_score;
	return 0;
}

int hk_process_oom_score_adj(const hk_process *p, int64_t *ret)
{
	if (p->oom_adj_err < 0)
		return p->oom_adj_err;
	*ret = p->oom_adj;
	return 0;
}

size_t hk_process_n_cgroups(const hk_process *p)
{
	return p->cgroups.n;
}

const hk_proc_cgroup *hk_process_cgroup(const hk_process *p, size_t i)
{
	return i < p->cgroups.n ? &p->cgroups.items[i] : NULL;
}

size_t hk_process_n_args(const hk_process *p)
{
	return p->cmdline.n;
}

const char *hk_process_arg(const hk_process *p, size_t i)
{
	return i < p->cmdline.n ? p->cmdline.items[i] : NULL;
}

size_t hk_process_n_env(const hk_process *p)
{
	return p->env.entries.n;
}

const char *hk_process_env_name(const hk_process *p, size_t i)
{
	return i < p->env.entries.n ? p->env.entries.items[i] : NULL;
}

const char *hk_process_env_value(const hk_process *p, size_t i)
{
	return i < p->env.entries.n ? p->env.values[i] : NULL;
}

size_t hk_process_n_threads(const hk_process *p)
{
	return p->n_threads;
}

int hk_process_thread_tid(const hk_process *p, size_t i)
{
	return i < p->n_threads ? p->threads[i].id : -ERANGE;
}

const hk_proc_stat *hk_process_thread_stat(const hk_process *p, size_t i)
{
	return i < p->n_threads ? &p->threads[i].stat : NULL;
}
