/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/softnet.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/softnet.h"

#define SOFTNET_PATH "proc/net/softnet_stat"
#define ONLINE_PATH  "sys/devices/system/cpu/online"

/* The columns hostkit names, by their position (0-based) in a row. */
static const unsigned field_column[_HK_SOFTNET_FIELD_MAX] = {
    [HK_SOFTNET_PROCESSED] = 0,	   [HK_SOFTNET_DROPPED] = 1,
    [HK_SOFTNET_TIME_SQUEEZE] = 2, [HK_SOFTNET_CPU_COLLISION] = 8,
    [HK_SOFTNET_RECEIVED_RPS] = 9, [HK_SOFTNET_FLOW_LIMIT_COUNT] = 10,
    [HK_SOFTNET_BACKLOG_LEN] = 11, [HK_SOFTNET_CPU] = 12,
    [HK_SOFTNET_INPUT_QLEN] = 13,  [HK_SOFTNET_PROCESS_QLEN] = 14,
};

static const char *const field_name[_HK_SOFTNET_FIELD_MAX] = {
    [HK_SOFTNET_PROCESSED] = "processed",	[HK_SOFTNET_DROPPED] = "dropped",
    [HK_SOFTNET_TIME_SQUEEZE] = "time_squeeze", [HK_SOFTNET_CPU_COLLISION] = "cpu_collision",
    [HK_SOFTNET_RECEIVED_RPS] = "received_rps", [HK_SOFTNET_FLOW_LIMIT_COUNT] = "flow_limit_count",
    [HK_SOFTNET_BACKLOG_LEN] = "backlog_len",	[HK_SOFTNET_CPU] = "cpu",
    [HK_SOFTNET_INPUT_QLEN] = "input_qlen",	[HK_SOFTNET_PROCESS_QLEN] = "process_qlen",
};

/* The columns kept: the named ones, the zeros between them included. */
#define KEPT_COLUMNS 15u

/* The oldest layout: processed, dropped, time_squeeze, 5 zeros, cpu_collision. */
#define MIN_COLUMNS 9u

struct row {
	uint32_t v[KEPT_COLUMNS];
	unsigned n_columns;
	int cpu; /* -ENODATA when unknown */
	bool cpu_printed;
};

struct hk_softnet {
	struct row *rows;
	unsigned n_rows;
};

void hk_softnet_free(hk_softnet *s)
{
	if (!s)
		return;
	free(s->rows);
	free(s);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_softnet *, hk_softnet_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

/* Fills @diag for line @no of @path, quoting its text. Returns -EINVAL. */
static int bad_line(hk_diag *diag, const char *path, unsigned no, const char *text, size_t len,
		    const char *why)
{
	char quoted[81];
	size_t n = 0;

	if (!diag)
		return -EINVAL;
	for (; n < len && n < sizeof(quoted) - 1; n++) {
		unsigned char c = (unsigned char)text[n];
		quoted[n] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	quoted[n] = 0;
	hk_diag_set(diag, -EINVAL, path, "%s line %u: %s: '%s%s'", path, no, why, quoted,
		    len > n ? "..." : "");
	diag->line = no;
	return -EINVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses one row of @len bytes (no newline) into @row. */
static int parse_row(const char *p, size_t len, const char *path, unsigned no, hk_diag *diag,
		     struct row *row)
{
	const char *end = p + len, *line = p;
	unsigned n = 0;

	*row = (struct row){.cpu = -ENODATA};
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		const char *tok = p;
		while (p < end && !is_blank(*p))
			p++;
		if (n == HK_SOFTNET_MAX_COLUMNS)
			return bad_line(diag, path, no, line, len, "too many columns");
		uint64_t v;
		int r = hk_parse_u64(tok, (size_t)(p - tok), 16, &v);
		if (r < 0 || v > UINT32_MAX)
			return bad_line(diag, path, no, tok, (size_t)(p - tok),
					"not a 32-bit hex counter");
		if (n < KEPT_COLUMNS)
			row->v[n] = (uint32_t)v;
		n++;
	}
	if (n < MIN_COLUMNS)
		return bad_line(diag, path, no, line, len, "fewer than 9 columns");
	row->n_columns = n;
	if (n > field_column[HK_SOFTNET_CPU]) {
		uint32_t cpu = row->v[field_column[HK_SOFTNET_CPU]];
		if (cpu >= HK_CPU_MAX)
			return bad_line(diag, path, no, line, len, "CPU number out of range");
		row->cpu = (int)cpu;
		row->cpu_printed = true;
	}
	return 0;
}

/* Numbers the rows that do not print their CPU: the n-th row is the n-th online CPU. */
static void number_rows(hk_softnet *s, const hk_cpuset *online)
{
	if (!online || hk_cpuset_count(online) != s->n_rows)
		return;
	int cpu = hk_cpuset_first(online);
	for (unsigned i = 0; i < s->n_rows && cpu >= 0; i++) {
		if (!s->rows[i].cpu_printed)
			s->rows[i].cpu = cpu;
		cpu = hk_cpuset_next(online, (unsigned)cpu);
	}
}

int hk_softnet_parse(const char *buf, size_t len, const hk_cpuset *online, const char *path,
		     hk_diag *diag, hk_softnet **ret)
{
	_cleanup_(hk_softnet_freep) hk_softnet *s = NULL;
	const char *p = buf, *end = buf + len;
	unsigned cap = 0;

	if (!path)
		path = "softnet_stat";
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (unsigned no = 1; p < end; no++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);

		if (memchr(p, '\0', n))
			return bad_line(diag, path, no, p, n, "a NUL byte");
		if (s->n_rows == cap) {
			unsigned ncap = cap ? cap * 2 : 16;
			struct row *rows = reallocarray(s->rows, ncap, sizeof(*rows));
			if (!rows)
				return -ENOMEM;
			s->rows = rows;
			cap = ncap;
		}
		int r = parse_row(p, n, path, no, diag, &s->rows[s->n_rows]);
		if (r < 0)
			return r;
		s->n_rows++;
		p = nl ? nl + 1 : end;
	}
	number_rows(s, online);
	*ret = TAKE_PTR(s);
	return 0;
}

int hk_softnet_load(hk_root *root, hk_diag *diag, hk_softnet **ret)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *online = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_root_read(root, SOFTNET_PATH, &buf, &len);
	if (r < 0)
		return hk_diag_set(diag, r, SOFTNET_PATH, "cannot read %s: %s", SOFTNET_PATH,
				   strerror(-r));
	/* Read right after the file, so that a CPU going off line in between is unlikely. */
	online = hk_cpuset_new();
	if (!online)
		return -ENOMEM;
	r = hk_root_read_cpulist(root, ONLINE_PATH, NULL, online);
	if (r == -ENOMEM)
		return r;
	return hk_softnet_parse(buf, len, r < 0 ? NULL : online, SOFTNET_PATH, diag, ret);
}

unsigned hk_softnet_n_rows(const hk_softnet *s)
{
	return s->n_rows;
}

unsigned hk_softnet_n_columns(const hk_softnet *s, unsigned row)
{
	return row < s->n_rows ? s->rows[row].n_columns : 0;
}

int64_t hk_softnet_get(const hk_softnet *s, unsigned row, hk_softnet_field field)
{
	if (row >= s->n_rows)
		return -ERANGE;
	if ((unsigned)field >= _HK_SOFTNET_FIELD_MAX)
		return -EINVAL;
	unsigned col = field_column[field];
	if (col >= s->rows[row].n_columns)
		return -ENODATA;
	return s->rows[row].v[col];
}

int hk_softnet_cpu(const hk_softnet *s, unsigned row)
{
	if (row >= s->n_rows)
		return -ERANGE;
	return s->rows[row].cpu;
}

bool hk_softnet_cpu_printed(const hk_softnet *s, unsigned row)
{
	return row < s->n_rows && s->rows[row].cpu_printed;
}

int64_t hk_softnet_total(const hk_softnet *s, hk_softnet_field field)
{
	if ((unsigned)field >= _HK_SOFTNET_FIELD_MAX || field == HK_SOFTNET_CPU)
		return -EINVAL;
	unsigned col = field_column[field];
	int64_t sum = 0;
	bool any = false;
	for (unsigned i = 0; i < s->n_rows; i++)
		if (col < s->rows[i].n_columns) {
			sum += s->rows[i].v[col];
			any = true;
		}
	return any ? sum : -ENODATA;
}

const char *hk_softnet_field_name(hk_softnet_field field)
{
	if ((unsigned)field >= _HK_SOFTNET_FIELD_MAX)
		return NULL;
	return field_name[field];
}
