/* SPDX-License-Identifier: MIT */
#ifndef HK_TESTS_HOST_JSON_READER_H
#define HK_TESTS_HOST_JSON_READER_H

/*
 * A minimal JSON reader for the host tests, which compare hostkit's JSON
 * with the JSON of other tools (lscpu -J, ...): a recursive-descent parser
 * into a tree, and json_run(), which runs hostkit and reads its JSON as a
 * check. The project itself only writes JSON.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"
#include "tests/support/harness.h"

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

/* @type's name in JSON's words ("object", "array", ...), for messages. */
const char *jv_type_name(jv_type type);

/*
 * Runs @argv as a check (harness_run_checked()) and parses its stdout as
 * strict JSON; with @path, also looks the member up with jv_path() and wants
 * it of @type (@type is ignored without @path). Each failure is one "FAIL"
 * line that names the command line: CMD: cannot run: ERROR, CMD: exit status
 * N, CMD: not JSON: WHAT at byte N, or CMD: no "PATH" TYPE.
 *
 * On success, @ret_doc is the document (free it with jv_free()) and
 * @ret_at, when not NULL, the member at @path (NULL without @path), which
 * lives as long as the document. Nothing is written on failure. Errors:
 * those of harness_run_checked(), those of json_parse(), -ENOENT when @path
 * is missing, -EINVAL when it is of another type.
 *
 * Inline, as harness_run_checked() is, so that its failures count into the
 * test's own test_failures.
 */
static inline int json_run(char *const *argv, const char *path, jv_type type, jv **ret_doc,
			   const jv **ret_at)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_jv_ jv *doc = NULL;
	const jv *at = NULL;
	char err[256];
	size_t len;

	int r = harness_run_checked(argv, &out, &len);
	if (r < 0)
		return r;
	r = json_parse(out, len, false, &doc, NULL, err, sizeof(err));
	if (r < 0) {
		result(false, "%s: not JSON: %s", harness_cmdline(argv), err);
		return r;
	}
	if (path) {
		at = jv_path(doc, path);
		if (!at || at->type != type) {
			result(false, "%s: no \"%s\" %s", harness_cmdline(argv), path,
			       jv_type_name(type));
			return at ? -EINVAL : -ENOENT;
		}
	}
	*ret_doc = TAKE_PTR(doc);
	if (ret_at)
		*ret_at = at;
	return 0;
}

#endif
