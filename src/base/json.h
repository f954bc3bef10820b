/* SPDX-License-Identifier: MIT */
#ifndef HK_BASE_JSON_H
#define HK_BASE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * A streaming JSON writer into an hk_strbuf. It places commas and, when
 * @pretty, newlines and indentation; strings are escaped as RFC 8259 asks
 * (control characters as \uXXXX, invalid UTF-8 bytes as U+FFFD). Nesting
 * mistakes (a value where a key is due) are caught by assertions in debug
 * builds and set the error to -EINVAL.
 */
#define HK_JSON_MAX_DEPTH 32

typedef struct hk_json {
	hk_strbuf *out;
	bool pretty;
	unsigned depth;
	int error;
	/* per level: 1 once the first member is written; 2 after a key */
	unsigned char state[HK_JSON_MAX_DEPTH];
	bool is_object[HK_JSON_MAX_DEPTH];
} hk_json;

void hk_json_init(hk_json *j, hk_strbuf *out, bool pretty);
void hk_json_object_begin(hk_json *j);
void hk_json_object_end(hk_json *j);
void hk_json_array_begin(hk_json *j);
void hk_json_array_end(hk_json *j);
void hk_json_key(hk_json *j, const char *key);
void hk_json_string(hk_json *j, const char *s);
void hk_json_string_len(hk_json *j, const char *s, size_t len);
void hk_json_u64(hk_json *j, uint64_t v);
void hk_json_s64(hk_json *j, int64_t v);
void hk_json_bool(hk_json *j, bool v);
void hk_json_null(hk_json *j);
/* A number, or null when @v is negative (an -errno "unknown"). */
void hk_json_s64_or_null(hk_json *j, int64_t v);
/* 0 when the document is complete and well formed, else -EINVAL or -ENOMEM. */
int hk_json_finish(hk_json *j);

/* Shorthands for "key": value. */
void hk_json_kv_string(hk_json *j, const char *key, const char *s);
void hk_json_kv_u64(hk_json *j, const char *key, uint64_t v);
void hk_json_kv_s64(hk_json *j, const char *key, int64_t v);
void hk_json_kv_bool(hk_json *j, const char *key, bool v);
void hk_json_kv_s64_or_null(hk_json *j, const char *key, int64_t v);

#endif
