/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_PROCESS_H
#define HK_HOST_PROCESS_H

/*
 * The process parsers, exposed to unit tests and fuzz targets. Each takes
 * (buf, len) with no NUL needed; @path only names the file in @diag's
 * message (NULL allowed for both). Results are written only on success.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/process.h>

/* Room for a comm inside hk_proc_stat; the kernel's longest is 63 bytes. */
#define HK_STAT_COMM_INLINE 64

struct hk_proc_stat {
	/* Field values by number, as written (two's complement when negative). */
	uint64_t v[_HK_STAT_FIELD_MAX];
	/* Bit f: field f was written with a '-'. */
	uint64_t negative;
	unsigned n_fields;
	char state;
	char comm_inline[HK_STAT_COMM_INLINE];
	char *comm_heap; /* a comm longer than comm_inline holds (captured or fuzzed files) */
};

/*
 * Parses a /proc/PID/stat text: "PID (COMM) S F4 F5 ...". COMM runs from the
 * first '(' to the LAST ')' of the text, so it may hold ')', blanks and
 * newlines; the fields end at the first newline after it (what follows is
 * ignored). At least HK_STAT_MIN_FIELDS fields; more than 52 are counted and
 * otherwise ignored. Release with hk_proc_stat_done().
 */
int hk_parse_proc_stat(const char *buf, size_t len, const char *path, hk_diag *diag,
		       hk_proc_stat *ret);
void hk_proc_stat_done(hk_proc_stat *s);

/* Parses a /proc/PID/status text (free with hk_proc_status_free()). */
int hk_parse_proc_status(const char *buf, size_t len, const char *path, hk_diag *diag,
			 hk_proc_status **ret);
void hk_proc_status_free(hk_proc_status *s);

/*
 * Parses a /proc/PID/smaps_rollup text: an optional header line
 * ("START-END perms offset dev inode [rollup]") and "Name: N kB" lines.
 * Free with hk_smaps_rollup_free().
 */
int hk_parse_smaps_rollup(const char *buf, size_t len, const char *path, hk_diag *diag,
			  hk_smaps_rollup **ret);
void hk_smaps_rollup_free(hk_smaps_rollup *r);

/* NUL-separated strings (cmdline): items point into text. */
typedef struct hk_strv {
	char *text;
	char **items;
	size_t n;
} hk_strv;

/*
 * Splits at NULs. One trailing NUL ends the last item rather than starting
 * an empty one; without it the last item runs to the end. "" gives no item,
 * "\0" one empty item. Release with hk_strv_done().
 */
int hk_parse_nul_list(const char *buf, size_t len, hk_strv *ret);
void hk_strv_done(hk_strv *v);

/* environ: entries split at their first '='; value NULL when there is none. */
typedef struct hk_environ {
	hk_strv entries; /* items are the names once parsed */
	char **values;
} hk_environ;

int hk_parse_environ(const char *buf, size_t len, hk_environ *ret);
void hk_environ_done(hk_environ *e);

/* One line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH". */
struct hk_proc_cgroup {
	unsigned hierarchy;
	const char *controllers;
	const char *path;
};

typedef struct hk_cgroup_list {
	char *text;
	hk_proc_cgroup *items;
	size_t n;
} hk_cgroup_list;

/* Parses a /proc/PID/cgroup text. Release with hk_cgroup_list_done(). */
int hk_parse_cgroup_list(const char *buf, size_t len, const char *path, hk_diag *diag,
			 hk_cgroup_list *ret);
void hk_cgroup_list_done(hk_cgroup_list *l);

#endif
