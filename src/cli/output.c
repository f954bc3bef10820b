/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "cli/cli.h"

int cli_exit_status(int r)
{
	switch (-r) {
	case EACCES:
	case EPERM:
	case EOPNOTSUPP:
	case ENOSYS:
	case EROFS:
		return EXIT_REFUSED;
	default:
		return EXIT_USAGE;
	}
}

int cli_error(cli_ctx *ctx, int r, const char *what)
{
	if (ctx->diag.error == r && ctx->diag.message[0])
		fprintf(stderr, "hostkit: %s\n", ctx->diag.message);
	else
		fprintf(stderr, "hostkit: %s: %s\n", what, strerror(-r));
	return cli_exit_status(r);
}

int cli_topology(cli_ctx *ctx, const hk_topology **ret)
{
	if (!ctx->topology) {
		hk_diag_clear(&ctx->diag);
		int r = hk_topology_load(ctx->root, &ctx->diag, &ctx->topology);
		if (r < 0) {
			cli_error(ctx, r, "cannot read the CPU topology");
			return r;
		}
	}
	*ret = ctx->topology;
	return 0;
}

void cli_row_begin(hk_strbuf *sb)
{
	hk_strbuf_puts(sb, "  ");
}

void cli_cell(hk_strbuf *sb, size_t width, const char *fmt, ...)
{
	size_t from = sb->len;
	va_list ap;

	va_start(ap, fmt);
	hk_strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
	/* A value wider than its column still keeps a blank before the next one. */
	if (sb->len - from >= width)
		hk_strbuf_putc(sb, ' ');
	else
		hk_strbuf_pad(sb, from, width);
}

void cli_end_row(hk_strbuf *sb)
{
	while (sb->len > 0 && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = 0;
	hk_strbuf_putc(sb, '\n');
}

int cli_print(hk_strbuf *sb)
{
	if (hk_strbuf_error(sb) < 0) {
		fprintf(stderr, "hostkit: out of memory\n");
		return EXIT_REFUSED;
	}
	const char *s = hk_strbuf_str(sb);
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t k = write(STDOUT_FILENO, s, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			/* A closed pipe (| head) is the reader's choice, not our failure. */
			return errno == EPIPE ? EXIT_OK : EXIT_REFUSED;
		}
		s += k;
		len -= (size_t)k;
	}
	return EXIT_OK;
}

const char *cli_format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned u = 0;
	double v = (double)bytes;

	while (v >= 1024.0 && u + 1 < ELEMENTSOF(units)) {
		v /= 1024.0;
		u++;
	}
	if (u == 0 || v >= 100.0 || v == (double)(uint64_t)v)
		snprintf(buf, size, "%.0f %s", v, units[u]);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

const char *cli_format_kib(uint64_t kib, char *buf, size_t size)
{
	if (kib > UINT64_MAX / 1024)
		kib = UINT64_MAX / 1024;
	return cli_format_bytes(kib * 1024, buf, size);
}

void cli_put_cpulist(hk_strbuf *sb, const hk_cpuset *s)
{
	if (hk_cpuset_is_empty(s)) {
		hk_strbuf_puts(sb, "none");
		return;
	}
	_cleanup_free_ char *l = hk_cpuset_to_list(s);
	if (!l) {
		sb->error = -ENOMEM;
		return;
	}
	hk_strbuf_puts(sb, l);
}

void cli_json_cpulist(hk_json *j, const char *key, const hk_cpuset *s)
{
	_cleanup_free_ char *l = hk_cpuset_to_list(s);
	if (!l) {
		j->error = -ENOMEM;
		return;
	}
	if (key)
		hk_json_key(j, key);
	hk_json_string(j, l);
}

void cli_json_string_or_null(hk_json *j, const char *key, const char *s)
{
	hk_json_key(j, key);
	if (s)
		hk_json_string(j, s);
	else
		hk_json_null(j);
}
