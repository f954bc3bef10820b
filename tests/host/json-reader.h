/* SPDX-License-Identifier: MIT */
#ifndef HK_TESTS_HOST_JSON_READER_H
#define HK_TESTS_HOST_JSON_READER_H

/*
 * A minimal JSON reader for the host tests, which compare hostkit's JSON
 * with the JSON of other tools (lscpu -J, ...): a recursive-descent parser
 * into a tree. The project itself only writes JSON.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

typedef enum jv_type {
	JV_NULL,
	JV_BOOL,
	JV_NUMBER,
	JV_STRING,
	JV_ARRAY,
	JV_OBJECT,
} jv_type;

typedef struct jv {
	jv_type type;
	bool boolean;
	bool is_int; /* a number without fraction or exponent that fits int64 */
	int64_t integer;
	double number;
	char *string;	   /* decoded, NUL-terminated (a \u0000 is refused) */
	size_t n;	   /* members of an array or object */
	char **keys;	   /* object keys, n of them */
	struct jv **items; /* array items, or object values */
} jv;

/* Frees @v and everything under it; NULL allowed. */
void jv_free(jv *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(jv *, jv_free)
#define _cleanup_jv_ _cleanup_(jv_freep)

/*
 * Parses one JSON document of @len bytes into a tree (free with jv_free()).
 * With @lenient, a bare '-' where a value belongs reads as null, as lscpu
 * (util-linux 2.38) writes one for "no value"; @ret_quirks, when not NULL,
 * counts them. On failure, returns -EINVAL (or -ENOMEM) and writes what and
 * at which byte into @err of @errsize bytes.
 */
int json_parse(const char *buf, size_t len, bool lenient, jv **ret, unsigned *ret_quirks, char *err,
	       size_t errsize);

/* The first member @key of object @obj, or NULL (also when @obj is no object). */
const jv *jv_get(const jv *obj, const char *key);

/*
 * An integer member (a JSON integer, or a string holding one, as lscpu writes
 * some): -ENOENT when absent, -ENODATA when null, -EINVAL otherwise.
 */
int jv_get_int(const jv *obj, const char *key, int64_t *ret);

/* A string member, or NULL. */
const char *jv_get_str(const jv *obj, const char *key);

/*
 * The member at @path under @v: object keys and array indexes separated by
 * dots ("threads.0.tid"), or NULL when one is missing.
 */
const jv *jv_path(const jv *v, const char *path);

#endif
