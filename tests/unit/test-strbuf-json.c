/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "config.h"
#include "hostkit/common.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "../test.h"

/* Puts the strbuf into its failed state the only way a test can: an impossible size. */
static void strbuf_force_enomem(hk_strbuf *sb)
{
	hk_strbuf_append(sb, "", SIZE_MAX);
}

static void test_strbuf_basic(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	char *s;

	CHECK_STREQ(hk_strbuf_str(&sb), "");
	CHECK_OK(hk_strbuf_error(&sb));
	hk_strbuf_append(&sb, "abc", 0);
	CHECK_STREQ(hk_strbuf_str(&sb), "");
	CHECK(sb.len == 0);

	hk_strbuf_puts(&sb, "hello");
	hk_strbuf_putc(&sb, ' ');
	hk_strbuf_append(&sb, "worldXXX", 5);
	CHECK_STREQ(hk_strbuf_str(&sb), "hello world");
	CHECK(sb.len == 11);

	s = hk_strbuf_steal(&sb);
	CHECK_STREQ(s, "hello world");
	CHECK(sb.buf == NULL && sb.len == 0 && sb.cap == 0);
	CHECK_STREQ(hk_strbuf_str(&sb), "");
	free(s);

	/* Stealing an empty buffer still gives a string to free. */
	s = hk_strbuf_steal(&sb);
	CHECK_STREQ(s, "");
	free(s);

	hk_strbuf_done(&sb);
	hk_strbuf_done(&sb);
}

static void test_strbuf_growth(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	unsigned grows = 0;
	size_t cap = 0;
	bool ok = true;

	for (unsigned i = 0; i < 100000; i++) {
		hk_strbuf_putc(&sb, (char)('a' + i % 26));
		if (sb.cap != cap) {
			grows++;
			cap = sb.cap;
		}
		if (sb.cap < sb.len + 1 || sb.buf[sb.len] != '\0')
			ok = false;
	}
	CHECK(ok);
	CHECK_OK(hk_strbuf_error(&sb));
	CHECK_EQ_U64(sb.len, 100000);
	CHECK_EQ_U64(strlen(hk_strbuf_str(&sb)), 100000);
	/* Geometric growth: a handful of reallocations, not one per append. */
	CHECK(grows <= 20);
	for (unsigned i = 0; i < 100000; i++)
		if (sb.buf[i] != (char)('a' + i % 26)) {
			CHECK(!"content differs");
			break;
		}
	hk_strbuf_done(&sb);

	/* One append much larger than the current capacity. */
	char big[10000];
	memset(big, 'x', sizeof(big));
	hk_strbuf_puts(&sb, "ab");
	hk_strbuf_append(&sb, big, sizeof(big));
	CHECK_EQ_U64(sb.len, sizeof(big) + 2);
	CHECK_EQ_U64(strlen(hk_strbuf_str(&sb)), sizeof(big) + 2);
	CHECK(sb.cap >= sb.len + 1);
	hk_strbuf_done(&sb);
}

static void test_strbuf_printf(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	char long_str[5001];
	char expected[5100];

	hk_strbuf_printf(&sb, "%d-%s-%" PRIu64, 42, "x", UINT64_MAX);
	CHECK_STREQ(hk_strbuf_str(&sb), "42-x-18446744073709551615");

	/* Longer than the spare capacity: the second pass must redo it whole. */
	memset(long_str, 'L', 5000);
	long_str[5000] = '\0';
	hk_strbuf_printf(&sb, "[%s]%d", long_str, 7);
	snprintf(expected, sizeof(expected), "42-x-18446744073709551615[%s]7", long_str);
	CHECK_STREQ(hk_strbuf_str(&sb), expected);
	CHECK_EQ_U64(sb.len, strlen(expected));

	/* An empty format appends nothing. */
	hk_strbuf_printf(&sb, "%s", "");
	CHECK_EQ_U64(sb.len, strlen(expected));
	CHECK_OK(hk_strbuf_error(&sb));
	hk_strbuf_done(&sb);

	/* Into a buffer with no storage yet. */
	hk_strbuf_printf(&sb, "%s", long_str);
	CHECK_STREQ(hk_strbuf_str(&sb), long_str);
	hk_strbuf_done(&sb);
}

static void test_strbuf_pad(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	size_t row;

	hk_strbuf_puts(&sb, "ab");
	hk_strbuf_pad(&sb, 0, 5);
	hk_strbuf_puts(&sb, "|");
	CHECK_STREQ(hk_strbuf_str(&sb), "ab   |");

	/* Already as wide as asked, or wider: nothing added. */
	hk_strbuf_pad(&sb, 0, 6);
	hk_strbuf_pad(&sb, 0, 3);
	hk_strbuf_pad(&sb, 0, 0);
	CHECK_STREQ(hk_strbuf_str(&sb), "ab   |");

	/* A table: each cell padded from where its row started. */
	hk_strbuf_putc(&sb, '\n');
	row = sb.len;
	hk_strbuf_puts(&sb, "cpu");
	hk_strbuf_pad(&sb, row, 8);
	hk_strbuf_puts(&sb, "node");
	hk_strbuf_pad(&sb, row, 14);
	hk_strbuf_puts(&sb, "x");
	CHECK_STREQ(hk_strbuf_str(&sb), "ab   |\ncpu     node  x");

	/* @from past the end counts as nothing written. */
	hk_strbuf_done(&sb);
	hk_strbuf_pad(&sb, 100, 3);
	CHECK_STREQ(hk_strbuf_str(&sb), "   ");
	hk_strbuf_done(&sb);
}

static void test_strbuf_error(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;

	hk_strbuf_puts(&sb, "kept");
	strbuf_force_enomem(&sb);
	CHECK_ERR(hk_strbuf_error(&sb), -ENOMEM);

	/* Sticky: later appends of every kind do nothing. */
	hk_strbuf_puts(&sb, "more");
	hk_strbuf_putc(&sb, 'c');
	hk_strbuf_printf(&sb, "%d", 1);
	hk_strbuf_pad(&sb, 0, 100);
	CHECK_ERR(hk_strbuf_error(&sb), -ENOMEM);
	CHECK_STREQ(hk_strbuf_str(&sb), "kept");

	CHECK(hk_strbuf_steal(&sb) == NULL);
	CHECK(sb.buf == NULL && sb.len == 0);
	CHECK_OK(hk_strbuf_error(&sb));
	hk_strbuf_done(&sb);
}

/* Writes one string value as a compact document and compares the output. */
static void check_string_len(const char *in, size_t len, const char *expected)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	hk_json j;

	hk_json_init(&j, &sb, false);
	hk_json_string_len(&j, in, len);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb), expected);
	hk_strbuf_done(&sb);
}

static void check_string(const char *in, const char *expected)
{
	check_string_len(in, strlen(in), expected);
}

/* One document written compact and pretty: the code under test runs twice. */
static void write_sample(hk_json *j)
{
	hk_json_object_begin(j);
	hk_json_kv_string(j, "name", "eth0");
	hk_json_kv_u64(j, "mtu", 1500);
	hk_json_kv_s64(j, "delta", -3);
	hk_json_kv_bool(j, "up", true);
	hk_json_kv_bool(j, "down", false);
	hk_json_kv_s64_or_null(j, "speed", -ENODATA);
	hk_json_kv_s64_or_null(j, "duplex", 1);
	hk_json_key(j, "queues");
	hk_json_array_begin(j);
	hk_json_u64(j, 0);
	hk_json_object_begin(j);
	hk_json_kv_string(j, "irq", NULL);
	hk_json_key(j, "cpus");
	hk_json_array_begin(j);
	hk_json_array_end(j);
	hk_json_object_end(j);
	hk_json_null(j);
	hk_json_array_end(j);
	hk_json_key(j, "empty");
	hk_json_object_begin(j);
	hk_json_object_end(j);
	hk_json_key(j, "nested");
	hk_json_array_begin(j);
	hk_json_array_begin(j);
	hk_json_string(j, "a");
	hk_json_array_end(j);
	hk_json_array_end(j);
	hk_json_object_end(j);
}

static void test_json_documents(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	hk_json j;

	hk_json_init(&j, &sb, false);
	write_sample(&j);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb),
		    "{\"name\":\"eth0\",\"mtu\":1500,\"delta\":-3,\"up\":true,\"down\":false,"
		    "\"speed\":null,\"duplex\":1,\"queues\":[0,{\"irq\":null,\"cpus\":[]},null],"
		    "\"empty\":{},\"nested\":[[\"a\"]]}");
	hk_strbuf_done(&sb);

	hk_json_init(&j, &sb, true);
	write_sample(&j);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb), "{\n"
					"  \"name\": \"eth0\",\n"
					"  \"mtu\": 1500,\n"
					"  \"delta\": -3,\n"
					"  \"up\": true,\n"
					"  \"down\": false,\n"
					"  \"speed\": null,\n"
					"  \"duplex\": 1,\n"
					"  \"queues\": [\n"
					"    0,\n"
					"    {\n"
					"      \"irq\": null,\n"
					"      \"cpus\": []\n"
					"    },\n"
					"    null\n"
					"  ],\n"
					"  \"empty\": {},\n"
					"  \"nested\": [\n"
					"    [\n"
					"      \"a\"\n"
					"    ]\n"
					"  ]\n"
					"}\n");
	hk_strbuf_done(&sb);

	/* Top-level scalars and empty containers. */
	hk_json_init(&j, &sb, true);
	hk_json_u64(&j, 42);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb), "42\n");
	hk_strbuf_done(&sb);

	hk_json_init(&j, &sb, true);
	hk_json_array_begin(&j);
	hk_json_array_end(&j);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb), "[]\n");
	hk_strbuf_done(&sb);

	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_object_end(&j);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb), "{}");
	hk_strbuf_done(&sb);

	/* Keys are escaped like values. */
	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_kv_string(&j, "a\"b\n", "\t");
	hk_json_object_end(&j);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb), "{\"a\\\"b\\n\":\"\\t\"}");
	hk_strbuf_done(&sb);
}

static void test_json_numbers(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	hk_json j;

	hk_json_init(&j, &sb, false);
	hk_json_array_begin(&j);
	hk_json_s64(&j, INT64_MIN);
	hk_json_s64(&j, INT64_MAX);
	hk_json_s64(&j, 0);
	hk_json_s64(&j, -1);
	hk_json_u64(&j, UINT64_MAX);
	hk_json_u64(&j, 0);
	hk_json_s64_or_null(&j, INT64_MIN);
	hk_json_s64_or_null(&j, -1);
	hk_json_s64_or_null(&j, 0);
	hk_json_s64_or_null(&j, INT64_MAX);
	hk_json_null(&j);
	hk_json_bool(&j, true);
	hk_json_bool(&j, false);
	hk_json_array_end(&j);
	CHECK_OK(hk_json_finish(&j));
	CHECK_STREQ(hk_strbuf_str(&sb), "[-9223372036854775808,9223372036854775807,0,-1,"
					"18446744073709551615,0,null,null,0,9223372036854775807,"
					"null,true,false]");
	hk_strbuf_done(&sb);
}

static void test_json_escape(void)
{
	char ctl[33];

	/* Every control character, NUL included (hence the explicit length). */
	for (int c = 0; c < 0x20; c++)
		ctl[c] = (char)c;
	ctl[0x20] = 0x7f;
	check_string_len(ctl, sizeof(ctl),
			 "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
			 "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
			 "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
			 "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
			 "\\u007f\"");

	check_string("", "\"\"");
	check_string("plain text / ~ {}", "\"plain text / ~ {}\"");
	check_string("say \"hi\"", "\"say \\\"hi\\\"\"");
	check_string("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	check_string("a\tb\r\nc", "\"a\\tb\\r\\nc\"");

	/* Well-formed UTF-8 passes through, including the edges of each range. */
	check_string("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	check_string("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");
	check_string("\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"");
	check_string("\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
		     "\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"");
	check_string("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");

	/*
	 * Ill-formed UTF-8: one U+FFFD per maximal subpart, that is per byte
	 * unless a valid lead and its valid continuations were cut short.
	 */
	check_string("a\x80"
		     "b",
		     "\"a\\ufffdb\"");
	check_string("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	check_string("\xc1\xbf", "\"\\ufffd\\ufffd\"");
	check_string("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	check_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	check_string("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
	check_string("x\xe2\x82", "\"x\\ufffd\"");
	check_string("\xe2\x82x", "\"\\ufffdx\"");
	check_string("\xe2", "\"\\ufffd\"");
	check_string("\xf0\x9f\x98", "\"\\ufffd\"");
	check_string("\xf0\x9f\x98 ", "\"\\ufffd \"");
	check_string("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check_string("\xf5\xff\xfe", "\"\\ufffd\\ufffd\\ufffd\"");
	check_string("\xc3\xa9\x80\xc3\xa9", "\"\xc3\xa9\\ufffd\xc3\xa9\"");

	/* An embedded NUL is only reachable through the explicit length. */
	check_string_len("a\0b", 3, "\"a\\u0000b\"");
}

/* Checks that a misused writer reports -EINVAL and then writes nothing more. */
static void check_misuse(hk_json *j, hk_strbuf *sb)
{
	size_t len = sb->len;

	CHECK_ERR(j->error, -EINVAL);
	hk_json_u64(j, 1);
	hk_json_array_begin(j);
	hk_json_array_end(j);
	hk_json_object_end(j);
	hk_json_key(j, "k");
	hk_json_string(j, "s");
	CHECK_EQ_U64(sb->len, len);
	CHECK_ERR(hk_json_finish(j), -EINVAL);
	hk_strbuf_done(sb);
}

static void test_json_misuse(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	hk_json j;

	/* A value where a key is due. */
	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_u64(&j, 1);
	check_misuse(&j, &sb);

	hk_json_init(&j, &sb, true);
	hk_json_object_begin(&j);
	hk_json_kv_u64(&j, "a", 1);
	hk_json_array_begin(&j);
	check_misuse(&j, &sb);

	/* Two keys in a row. */
	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_key(&j, "a");
	hk_json_key(&j, "b");
	check_misuse(&j, &sb);

	/* A key inside an array, or at the top. */
	hk_json_init(&j, &sb, false);
	hk_json_array_begin(&j);
	hk_json_key(&j, "a");
	check_misuse(&j, &sb);

	hk_json_init(&j, &sb, false);
	hk_json_key(&j, "a");
	check_misuse(&j, &sb);

	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_key(&j, NULL);
	check_misuse(&j, &sb);

	/* Unbalanced or mismatched ends. */
	hk_json_init(&j, &sb, false);
	hk_json_object_end(&j);
	check_misuse(&j, &sb);

	hk_json_init(&j, &sb, false);
	hk_json_array_begin(&j);
	hk_json_object_end(&j);
	check_misuse(&j, &sb);

	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_array_end(&j);
	check_misuse(&j, &sb);

	hk_json_init(&j, &sb, false);
	hk_json_array_begin(&j);
	hk_json_array_end(&j);
	hk_json_array_end(&j);
	check_misuse(&j, &sb);

	/* A key without its value. */
	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_key(&j, "a");
	hk_json_object_end(&j);
	check_misuse(&j, &sb);

	/* A second top-level value. */
	hk_json_init(&j, &sb, false);
	hk_json_u64(&j, 1);
	hk_json_u64(&j, 2);
	check_misuse(&j, &sb);

	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_object_end(&j);
	hk_json_object_begin(&j);
	check_misuse(&j, &sb);

	/* Incomplete documents. */
	hk_json_init(&j, &sb, false);
	CHECK_ERR(hk_json_finish(&j), -EINVAL);
	hk_strbuf_done(&sb);

	hk_json_init(&j, &sb, false);
	hk_json_object_begin(&j);
	hk_json_kv_u64(&j, "a", 1);
	CHECK_ERR(hk_json_finish(&j), -EINVAL);
	CHECK_STREQ(hk_strbuf_str(&sb), "{\"a\":1");
	hk_strbuf_done(&sb);

	/* Exactly HK_JSON_MAX_DEPTH levels fit; one more does not. */
	char expected[2 * HK_JSON_MAX_DEPTH + 1];
	hk_json_init(&j, &sb, false);
	for (int i = 0; i < HK_JSON_MAX_DEPTH; i++)
		hk_json_array_begin(&j);
	CHECK_OK(j.error);
	CHECK_EQ_U64(j.depth, HK_JSON_MAX_DEPTH);
	for (int i = 0; i < HK_JSON_MAX_DEPTH; i++)
		hk_json_array_end(&j);
	CHECK_OK(hk_json_finish(&j));
	memset(expected, '[', HK_JSON_MAX_DEPTH);
	memset(expected + HK_JSON_MAX_DEPTH, ']', HK_JSON_MAX_DEPTH);
	expected[2 * HK_JSON_MAX_DEPTH] = '\0';
	CHECK_STREQ(hk_strbuf_str(&sb), expected);
	hk_strbuf_done(&sb);

	hk_json_init(&j, &sb, false);
	for (int i = 0; i < HK_JSON_MAX_DEPTH; i++) {
		hk_json_object_begin(&j);
		hk_json_key(&j, "k");
	}
	hk_json_object_begin(&j);
	CHECK_EQ_U64(j.depth, HK_JSON_MAX_DEPTH);
	check_misuse(&j, &sb);
}

static void test_json_enomem(void)
{
	hk_strbuf sb = HK_STRBUF_INIT;
	hk_json j;

	hk_json_init(&j, &sb, true);
	hk_json_object_begin(&j);
	strbuf_force_enomem(&sb);
	hk_json_kv_string(&j, "a", "b");
	hk_json_object_end(&j);
	CHECK_ERR(hk_json_finish(&j), -ENOMEM);
	CHECK_STREQ(hk_strbuf_str(&sb), "{");
	hk_strbuf_done(&sb);
}

static void test_diag(void)
{
	char long_msg[2001], long_path[2001];
	hk_diag d;

	memset(long_msg, 'm', 2000);
	long_msg[2000] = '\0';
	memset(long_path, 'p', 2000);
	long_path[0] = '/';
	long_path[2000] = '\0';

	memset(&d, 0x55, sizeof(d));
	CHECK_ERR(hk_diag_set(&d, -EINVAL, long_path, "bad: %s", long_msg), -EINVAL);
	CHECK_ERR(d.error, -EINVAL);
	CHECK(d.line == 0 && d.column == 0);
	CHECK_EQ_U64(strlen(d.path), sizeof(d.path) - 1);
	CHECK(strncmp(d.path, long_path, sizeof(d.path) - 1) == 0);
	CHECK_EQ_U64(strlen(d.message), sizeof(d.message) - 1);
	CHECK(strncmp(d.message, "bad: mmm", 8) == 0);
	CHECK(d.message[sizeof(d.message) - 2] == 'm');

	/* Truncation never leaves half a UTF-8 character behind. */
	char utf[600];
	memset(utf, 'a', 510);
	strcpy(utf + 510, "\xc3\xa9\xc3\xa9");
	hk_diag_set(&d, -EIO, utf, "%s", utf);
	CHECK_EQ_U64(strlen(d.message), 510);
	CHECK_EQ_U64(strlen(d.path), 510);
	utf[509] = '\xc3';
	utf[510] = '\xa9';
	hk_diag_set(&d, -EIO, utf, "%s", utf);
	CHECK_EQ_U64(strlen(d.message), 511);
	CHECK_EQ_U64(strlen(d.path), 511);

	CHECK_ERR(hk_diag_set(&d, -ENOENT, NULL, "no %s", "file"), -ENOENT);
	CHECK_ERR(d.error, -ENOENT);
	CHECK_STREQ(d.path, "");
	CHECK_STREQ(d.message, "no file");

	CHECK_ERR(hk_diag_set(&d, -EPERM, "/sys/x", "cannot write '%s': %d", "y", 3), -EPERM);
	CHECK_STREQ(d.path, "/sys/x");
	CHECK_STREQ(d.message, "cannot write 'y': 3");

	/* A caller may hand the diag's own path back in. */
	hk_diag_set(&d, -EPERM, d.path, "again");
	CHECK_STREQ(d.path, "/sys/x");

	CHECK_ERR(hk_diag_set(NULL, -E2BIG, "p", "m"), -E2BIG);

	d.line = 3;
	hk_diag_clear(&d);
	CHECK(d.error == 0 && d.line == 0 && d.column == 0);
	CHECK_STREQ(d.path, "");
	CHECK_STREQ(d.message, "");
	hk_diag_clear(NULL);

	CHECK_STREQ(hk_version(), HK_VERSION);
}

int main(void)
{
	test_strbuf_basic();
	test_strbuf_growth();
	test_strbuf_printf();
	test_strbuf_pad();
	test_strbuf_error();
	test_json_documents();
	test_json_numbers();
	test_json_escape();
	test_json_misuse();
	test_json_enomem();
	test_diag();
	TEST_DONE();
}
