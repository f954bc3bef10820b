/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/kernel.h>

#include "base/macro.h"
#include "base/parse.h"
#include "base/strbuf.h"
#include "host/kernel.h"

#define CPU_DIR "sys/devices/system/cpu"

/* Longest value text an error message quotes. */
#define QUOTE_MAX 64

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

struct hk_cmdline_hugepages {
	uint64_t size; /* bytes; 0 for the default size */
	int64_t pages; /* -ENODATA until a hugepages= gives it */
	hk_hugepages_node *nodes;
	unsigned n_nodes;
};

struct cmdline_param {
	const char *key;
	const char *value; /* NULL for a flag */
};

struct cmdline_error {
	unsigned param;
	char *message;
};

struct hk_cmdline {
	char *text;  /* as read, without the trailing newline */
	char *words; /* a copy of text that next_arg() splits in place */
	struct cmdline_param *params;
	unsigned n_params;
	const char **init_args;
	unsigned n_init_args;
	bool has_dashes;
	unsigned n_cpus;

	hk_cpuset *cpus[_HK_CMDLINE_CPULIST_MAX];
	unsigned isolcpus_flags;
	int64_t settings[_HK_CMDLINE_SETTING_MAX];
	hk_cmdline_hugepages *hugepages;
	unsigned n_hugepages;
	int current_hugepages; /* the entry a hugepages= fills, or -1 */
	uint64_t default_hugepagesz;

	struct cmdline_error *errors;
	unsigned n_errors;
};

/* ------------------------------------------------------------------------ */
/* Value parsers */

int hk_parse_memsize(const char *buf, size_t len, uint64_t *ret)
{
	static const char suffixes[] = "KMGTPE";
	uint64_t v;
	size_t n = len;
	unsigned shift = 0;

	if (!buf || len == 0)
		return -EINVAL;
	const char *s = buf + len - 1;
	const char *hit = NULL;
	/* "0x1G" is hex 1 with suffix G; a hex digit (E is one) is never a suffix of hex. */
	bool hex = len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	char up = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	if (!(hex && ((up >= 'A' && up <= 'F') || (*s >= '0' && *s <= '9'))))
		hit = memchr(suffixes, up, sizeof(suffixes) - 1);
	if (hit) {
		shift = 10u * (unsigned)(hit - suffixes + 1);
		n--;
	}

	int r = hk_parse_u64(buf, n, 0, &v);
	if (r < 0)
		return r;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = v << shift;
	return 0;
}

static bool at_token_start(const char *buf, size_t i)
{
	return i == 0 || buf[i - 1] == ',' || buf[i - 1] == '-';
}

static bool at_token_end(const char *buf, size_t len, size_t i)
{
	return i + 1 == len || buf[i + 1] == ',' || buf[i + 1] == '-' || buf[i + 1] == ':';
}

int hk_parse_cmdline_cpulist(const char *buf, size_t len, unsigned n_cpus, hk_cpuset *set)
{
	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;

	if (!buf && len > 0)
		return -EINVAL;
	if (!memchr(buf ? buf : "", 'N', len) && !memmem(buf ? buf : "", len, "all", 3))
		return hk_cpuset_parse_list(set, buf, len);

	/*
	 * bitmap_parselist() reads "N" as the last CPU (since Linux 5.12) and
	 * "all" as the whole range 0-N (since 5.13, also "all:1/2"); boot
	 * parameters such as nohz_full=all use them. Write the numbers instead.
	 */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == 'N' && at_token_start(buf, i) && at_token_end(buf, len, i)) {
			if (n_cpus == 0)
				return -EINVAL;
			hk_strbuf_printf(&sb, "%u", n_cpus - 1);
		} else if (len - i >= 3 && memcmp(buf + i, "all", 3) == 0 &&
			   (i == 0 || buf[i - 1] == ',') &&
			   (i + 3 == len || buf[i + 3] == ',' || buf[i + 3] == ':')) {
			if (n_cpus == 0)
				return -EINVAL;
			hk_strbuf_printf(&sb, "0-%u", n_cpus - 1);
			i += 2;
		} else {
			hk_strbuf_putc(&sb, buf[i]);
		}
	}
	if (hk_strbuf_error(&sb) < 0)
		return -ENOMEM;
	return hk_cpuset_parse_list(set, sb.buf, sb.len);
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool has_word(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

int hk_parse_isolcpus(const char *buf, size_t len, unsigned n_cpus, unsigned *ret_flags,
		      hk_cpuset *set)
{
	static const struct {
		const char *word;
		unsigned flag;
	} flags[] = {
	    {"nohz,", HK_ISOLCPUS_NOHZ},
	    {"domain,", HK_ISOLCPUS_DOMAIN},
	    {"managed_irq,", HK_ISOLCPUS_MANAGED_IRQ},
	};
	const char *p = buf, *end = buf + len;
	unsigned f = 0;

	if (!buf && len > 0)
		return -EINVAL;
	/* As housekeeping_isolcpus_setup(): flags while the text starts with a letter. */
	while (p < end && is_alpha(*p)) {
		bool known = false;
		for (unsigned i = 0; i < ELEMENTSOF(flags); i++)
			if (has_word(p, end, flags[i].word)) {
				f |= flags[i].flag;
				p += strlen(flags[i].word);
				known = true;
				break;
			}
		if (known)
			continue;
		/* An unknown flag of letters and '_' is skipped; anything else is refused. */
		for (; p < end && *p != ','; p++)
			if (!is_alpha(*p) && *p != '_')
				return -EINVAL;
		if (p < end)
			p++;
	}
	if (!f)
		f = HK_ISOLCPUS_DOMAIN;

	int r = hk_parse_cmdline_cpulist(p, (size_t)(end - p), n_cpus, set);
	if (r < 0)
		return r;
	*ret_flags = f;
	return 0;
}

int hk_parse_hugepages_count(const char *buf, size_t len, uint64_t *ret_total,
			     hk_hugepages_node **ret_nodes, unsigned *ret_n_nodes)
{
	_cleanup_free_ hk_hugepages_node *nodes = NULL;
	const char *p = buf, *end = buf + len;
	unsigned n = 0;
	uint64_t total = 0, v;
	int k;

	if (!buf || len == 0)
		return -EINVAL;

	k = hk_parse_u64_prefix(p, len, &v);
	if (k < 0)
		return k;
	if ((size_t)k == len) {
		*ret_total = v;
		*ret_nodes = NULL;
		*ret_n_nodes = 0;
		return 0;
	}

	/* The per-node form: NODE:COUNT pairs, comma separated. */
	for (;;) {
		uint64_t node, count;
		k = hk_parse_u64_prefix(p, (size_t)(end - p), &node);
		if (k < 0)
			return k;
		p += k;
		if (p == end || *p != ':')
			return -EINVAL;
		p++;
		k = hk_parse_u64_prefix(p, (size_t)(end - p), &count);
		if (k < 0)
			return k;
		p += k;
		if (node >= HK_HUGEPAGES_MAX_NODES)
			return -ERANGE;
		if (count > UINT64_MAX - total)
			return -ERANGE;
		hk_hugepages_node *g = realloc(nodes, (n + 1) * sizeof(*nodes));
		if (!g)
			return -ENOMEM;
		nodes = g;
		nodes[n++] = (hk_hugepages_node){(unsigned)node, count};
		total += count;
		if (p == end)
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}

	*ret_total = total;
	*ret_nodes = TAKE_PTR(nodes);
	*ret_n_nodes = n;
	return 0;
}

int hk_parse_accepted_cpulist(const char *buf, size_t len, hk_cpuset *set)
{
	const char *p = buf;

	if (!buf && len > 0)
		return -EINVAL;
	const char *nul = buf ? memchr(buf, 0, len) : NULL;
	if (nul)
		len = (size_t)(nul - buf);
	hk_trim(&p, &len);
	if (len == 6 && memcmp(p, "(null)", 6) == 0)
		len = 0;
	return hk_cpuset_parse_list(set, p, len);
}

/* ------------------------------------------------------------------------ */
/* Splitting, as the kernel's next_arg() and parse_args() */

/* The kernel's isspace(): its ctype table makes 0xa0 (Latin-1 no-break space) a blank too. */
static bool kernel_isspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (unsigned char)c == 0xa0;
}

static char *skip_spaces(char *s)
{
	while (kernel_isspace(*s))
		s++;
	return s;
}

/*
 * lib/cmdline.c's next_arg(): splits the word at @args in place into
 * *param and *val (NULL without '='); quotes group blanks, a quote opening
 * the word or the value is dropped with the quote that ends it. Returns
 * where the next word starts.
 */
static char *next_arg(char *args, char **param, char **val)
{
	size_t i, equals = 0;
	bool in_quote = false, quoted = false;

	if (*args == '"') {
		args++;
		in_quote = true;
		quoted = true;
	}

	for (i = 0; args[i]; i++) {
		if (kernel_isspace(args[i]) && !in_quote)
			break;
		/* As the kernel: a '=' at offset 0 does not count; the next one does. */
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}

	*param = args;
	if (!equals) {
		*val = NULL;
	} else {
		args[equals] = 0;
		*val = args + equals + 1;
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = 0;
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = 0;

	if (args[i]) {
		args[i] = 0;
		args += i + 1;
	} else {
		args += i;
	}
	return skip_spaces(args);
}

/* Parameter names compare with '-' and '_' alike, as the kernel's parameq(). */
static bool param_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

/* ------------------------------------------------------------------------ */
/* Typed parameters */

static int add_error(hk_cmdline *c, unsigned param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int add_error(hk_cmdline *c, unsigned param, const char *fmt, ...)
{
	_cleanup_(hk_strbuf_done) hk_strbuf sb = HK_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	hk_strbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (hk_strbuf_error(&sb) < 0)
		return -ENOMEM;

	struct cmdline_error *e = realloc(c->errors, (c->n_errors + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	c->errors = e;
	c->errors[c->n_errors++] = (struct cmdline_error){param, hk_strbuf_steal(&sb)};
	return 0;
}

/* A bad value of parameter @i: noted, the typed value left as it was. */
static int bad_value(hk_cmdline *c, unsigned i, const char *what, int r)
{
	const char *v = c->params[i].value ? c->params[i].value : "";
	if (r == -ENOMEM)
		return r;
	return add_error(c, i, "%s: cannot parse %s '%.*s': %s", c->params[i].key, what, QUOTE_MAX,
			 v, strerror(-r));
}

static int set_cpulist(hk_cmdline *c, hk_cmdline_cpulist which, unsigned i)
{
	const char *v = c->params[i].value;
	_cleanup_(hk_cpuset_freep) hk_cpuset *set = hk_cpuset_new();
	unsigned flags = 0;
	int r;

	if (!set)
		return -ENOMEM;
	if (!v && which != HK_CMDLINE_RCU_NOCBS)
		return add_error(c, i, "%s: needs a CPU list", c->params[i].key);
	if (!v)
		r = 0; /* rcu_nocbs alone: offloading set up, no CPU yet */
	else if (which == HK_CMDLINE_ISOLCPUS)
		r = hk_parse_isolcpus(v, strlen(v), c->n_cpus, &flags, set);
	else
		r = hk_parse_cmdline_cpulist(v, strlen(v), c->n_cpus, set);
	if (r < 0) {
		if (r == -EINVAL && c->n_cpus == 0 && (strchr(v, 'N') || strstr(v, "all")))
			return add_error(
			    c, i, "%s: cannot parse CPU list '%.*s': '%s' needs the CPU count",
			    c->params[i].key, QUOTE_MAX, v, strchr(v, 'N') ? "N" : "all");
		if (which == HK_CMDLINE_RCU_NOCBS && r != -ENOMEM)
			/* rcu_nocb_setup() then offloads every CPU. */
			return add_error(c, i,
					 "%s: cannot parse CPU list '%.*s': %s (the kernel then "
					 "offloads every CPU)",
					 c->params[i].key, QUOTE_MAX, v, strerror(-r));
		return bad_value(c, i, "CPU list", r);
	}

	hk_cpuset_free(c->cpus[which]);
	c->cpus[which] = TAKE_PTR(set);
	if (which == HK_CMDLINE_ISOLCPUS)
		c->isolcpus_flags = flags;
	return 0;
}

/* One of @words (NULL-terminated) by position, or -EINVAL. */
static int word_index(const char *v, const char *const *words)
{
	if (!v)
		return -EINVAL;
	for (int k = 0; words[k]; k++)
		if (strcmp(v, words[k]) == 0)
			return k;
	return -EINVAL;
}

static const char *const thp_words[] = {"always", "madvise", "never", NULL};
static const char *const idle_words[] = {"poll", "halt", "nomwait", NULL};
static const char *const tsc_words[] = {"reliable",    "noirqtime", "unstable", "nowatchdog",
					"recalibrate", "watchdog",  NULL};
static const char *const mitigations_words[] = {"off", "auto", "auto,nosmt", NULL};
static const char *const nosmt_words[] = {"nosmt", "nosmt=force", NULL};

static int set_word(hk_cmdline *c, hk_cmdline_setting which, unsigned i, const char *const *words,
		    const char *what)
{
	int k = word_index(c->params[i].value, words);
	if (k < 0)
		return bad_value(c, i, what, k);
	c->settings[which] = k;
	return 0;
}

/* A count or a level: non-negative, so that no value reads as the -ENODATA of "not given". */
static int set_integer(hk_cmdline *c, hk_cmdline_setting which, unsigned i)
{
	const char *v = c->params[i].value;
	uint64_t n;

	int r = v ? hk_parse_u64(v, strlen(v), 0, &n) : -EINVAL;
	if (r == 0 && n > INT64_MAX)
		r = -ERANGE;
	if (r < 0)
		return bad_value(c, i, "number", r);
	c->settings[which] = (int64_t)n;
	return 0;
}

static int set_numa_balancing(hk_cmdline *c, unsigned i)
{
	static const char *const words[] = {"disable", "enable", NULL};
	return set_word(c, HK_CMDLINE_NUMA_BALANCING, i, words, "value (enable or disable)");
}

/*
 * mitigations=off|auto|auto,nosmt, and the attack vectors that Linux 6.17
 * added after them ("auto,no_guest_host"), which change nothing here.
 */
static int set_mitigations(hk_cmdline *c, unsigned i)
{
	static const char *const vectors[] = {"no_user_kernel", "no_user_user",	   "no_guest_host",
					      "no_guest_guest", "no_cross_thread", NULL};
	const char *v = c->params[i].value;
	int mode = -1;
	bool nosmt = false;

	if (!v)
		return bad_value(c, i, "value", -EINVAL);
	for (const char *p = v; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char tok[32];
		if (n >= sizeof(tok))
			return bad_value(c, i, "value", -EINVAL);
		memcpy(tok, p, n);
		tok[n] = 0;
		if (p == v) {
			if (strcmp(tok, "off") == 0)
				mode = HK_MITIGATIONS_OFF;
			else if (strcmp(tok, "auto") == 0)
				mode = HK_MITIGATIONS_AUTO;
			else
				return bad_value(c, i, "value (off, auto or auto,nosmt)", -EINVAL);
		} else if (strcmp(tok, "nosmt") == 0) {
			nosmt = true;
		} else if (word_index(tok, vectors) < 0) {
			return bad_value(c, i, "value (off, auto or auto,nosmt)", -EINVAL);
		}
		p += n;
		if (*p)
			p++;
	}
	if (mode < 0)
		return bad_value(c, i, "value", -EINVAL);
	if (mode == HK_MITIGATIONS_AUTO && nosmt)
		mode = HK_MITIGATIONS_AUTO_NOSMT;
	c->settings[HK_CMDLINE_MITIGATIONS] = mode;
	return 0;
}

/* nmi_watchdog=: comma-separated panic, nopanic, 0, 1, or rEVENT (a perf raw event). */
static int set_nmi_watchdog(hk_cmdline *c, unsigned i)
{
	const char *v = c->params[i].value;
	int64_t on = c->settings[HK_CMDLINE_NMI_WATCHDOG];
	int64_t panic = c->settings[HK_CMDLINE_NMI_WATCHDOG_PANIC];

	if (!v || !*v)
		return bad_value(c, i, "value", -EINVAL);
	for (const char *p = v; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 5 && memcmp(p, "panic", 5) == 0)
			panic = 1;
		else if (n == 7 && memcmp(p, "nopanic", 7) == 0)
			panic = 0;
		else if (n == 1 && (*p == '0' || *p == '1'))
			on = *p - '0';
		else if (!(n > 1 && *p == 'r'))
			return bad_value(c, i, "value (0, 1, panic or nopanic)", -EINVAL);
		p += n;
		if (*p)
			p++;
	}
	c->settings[HK_CMDLINE_NMI_WATCHDOG] = on;
	c->settings[HK_CMDLINE_NMI_WATCHDOG_PANIC] = panic;
	return 0;
}

static int add_hugepages_entry(hk_cmdline *c, uint64_t size)
{
	hk_cmdline_hugepages *h = realloc(c->hugepages, (c->n_hugepages + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	c->hugepages = h;
	c->hugepages[c->n_hugepages] = (hk_cmdline_hugepages){size, -ENODATA, NULL, 0};
	c->current_hugepages = (int)c->n_hugepages++;
	return 0;
}

static int set_hugepagesz(hk_cmdline *c, unsigned i, bool is_default)
{
	const char *v = c->params[i].value;
	uint64_t size;

	int r = v ? hk_parse_memsize(v, strlen(v), &size) : -EINVAL;
	if (r == 0 && size == 0)
		r = -EINVAL;
	if (r < 0)
		return bad_value(c, i, "size", r);
	if (is_default) {
		c->default_hugepagesz = size;
		return 0;
	}
	return add_hugepages_entry(c, size);
}

static int set_hugepages(hk_cmdline *c, unsigned i)
{
	const char *v = c->params[i].value;
	hk_hugepages_node *nodes = NULL;
	unsigned n_nodes = 0;
	uint64_t total;

	int r = v ? hk_parse_hugepages_count(v, strlen(v), &total, &nodes, &n_nodes) : -EINVAL;
	if (r == 0 && total > INT64_MAX) {
		free(nodes);
		r = -ERANGE;
	}
	if (r < 0)
		return bad_value(c, i, "count", r);

	/* Before any hugepagesz=, the count is for the default size. */
	if (c->current_hugepages < 0) {
		r = add_hugepages_entry(c, 0);
		if (r < 0) {
			free(nodes);
			return r;
		}
	}
	hk_cmdline_hugepages *h = &c->hugepages[c->current_hugepages];
	free(h->nodes);
	h->pages = (int64_t)total;
	h->nodes = nodes;
	h->n_nodes = n_nodes;
	return 0;
}

static int apply_param(hk_cmdline *c, unsigned i)
{
	const char *k = c->params[i].key;

	if (param_eq(k, "isolcpus"))
		return set_cpulist(c, HK_CMDLINE_ISOLCPUS, i);
	if (param_eq(k, "nohz_full"))
		return set_cpulist(c, HK_CMDLINE_NOHZ_FULL, i);
	if (param_eq(k, "rcu_nocbs"))
		return set_cpulist(c, HK_CMDLINE_RCU_NOCBS, i);
	if (param_eq(k, "irqaffinity"))
		return set_cpulist(c, HK_CMDLINE_IRQAFFINITY, i);
	if (param_eq(k, "hugepagesz"))
		return set_hugepagesz(c, i, false);
	if (param_eq(k, "default_hugepagesz"))
		return set_hugepagesz(c, i, true);
	if (param_eq(k, "hugepages"))
		return set_hugepages(c, i);
	if (param_eq(k, "numa_balancing"))
		return set_numa_balancing(c, i);
	if (param_eq(k, "transparent_hugepage"))
		return set_word(c, HK_CMDLINE_TRANSPARENT_HUGEPAGE, i, thp_words,
				"value (always, madvise or never)");
	if (param_eq(k, "nosmt")) {
		/* cpu_smt_disable(str && !strcmp(str, "force")): any other value is plain nosmt. */
		const char *v = c->params[i].value;
		c->settings[HK_CMDLINE_NOSMT] =
		    v && strcmp(v, "force") == 0 ? HK_NOSMT_FORCE : HK_NOSMT_ON;
		return 0;
	}
	if (param_eq(k, "mitigations"))
		return set_mitigations(c, i);
	if (param_eq(k, "idle"))
		return set_word(c, HK_CMDLINE_IDLE, i, idle_words, "value (poll, halt or nomwait)");
	if (param_eq(k, "intel_idle.max_cstate"))
		return set_integer(c, HK_CMDLINE_INTEL_IDLE_MAX_CSTATE, i);
	if (param_eq(k, "processor.max_cstate"))
		return set_integer(c, HK_CMDLINE_PROCESSOR_MAX_CSTATE, i);
	if (param_eq(k, "cpuidle.off"))
		return set_integer(c, HK_CMDLINE_CPUIDLE_OFF, i);
	if (param_eq(k, "nowatchdog")) {
		c->settings[HK_CMDLINE_NOWATCHDOG] = 1;
		return 0;
	}
	if (param_eq(k, "nosoftlockup")) {
		c->settings[HK_CMDLINE_NOSOFTLOCKUP] = 1;
		return 0;
	}
	if (param_eq(k, "nmi_watchdog"))
		return set_nmi_watchdog(c, i);
	if (param_eq(k, "watchdog_thresh"))
		return set_integer(c, HK_CMDLINE_WATCHDOG_THRESH, i);
	if (param_eq(k, "skew_tick"))
		return set_integer(c, HK_CMDLINE_SKEW_TICK, i);
	if (param_eq(k, "tsc"))
		return set_word(c, HK_CMDLINE_TSC, i, tsc_words, "value");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The command line object */

void hk_cmdline_free(hk_cmdline *c)
{
	if (!c)
		return;
	free(c->text);
	free(c->words);
	free(c->params);
	free(c->init_args);
	for (unsigned i = 0; i < _HK_CMDLINE_CPULIST_MAX; i++)
		hk_cpuset_free(c->cpus[i]);
	for (unsigned i = 0; i < c->n_hugepages; i++)
		free(c->hugepages[i].nodes);
	free(c->hugepages);
	for (unsigned i = 0; i < c->n_errors; i++)
		free(c->errors[i].message);
	free(c->errors);
	free(c);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cmdline *, hk_cmdline_free)

/*
 * init/main.c's repair_env_string(): puts back the '=' that next_arg() cut,
 * and closes the gap a dropped opening quote of the value left.
 */
static void rejoin(char *param, char *val)
{
	if (!val)
		return;
	size_t n = strlen(param);
	if (val == param + n + 1) {
		val[-1] = '=';
	} else {
		val[-2] = '=';
		memmove(val - 1, val, strlen(val) + 1);
	}
}

int hk_cmdline_parse(const char *buf, size_t len, unsigned n_cpus, hk_cmdline **ret)
{
	_cleanup_(hk_cmdline_freep) hk_cmdline *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	if (!buf)
		len = 0;
	const char *nul = buf ? memchr(buf, 0, len) : NULL;
	if (nul)
		len = (size_t)(nul - buf);
	if (len > 0 && buf[len - 1] == '\n')
		len--;

	c->n_cpus = n_cpus;
	c->current_hugepages = -1;
	for (unsigned i = 0; i < _HK_CMDLINE_SETTING_MAX; i++)
		c->settings[i] = -ENODATA;
	c->text = strndup(buf ? buf : "", len);
	c->words = strndup(buf ? buf : "", len);
	if (!c->text || !c->words)
		return -ENOMEM;

	/* At most one word per two bytes, plus one: bounds both arrays. */
	size_t max_words = len / 2 + 1;
	c->params = calloc(max_words, sizeof(*c->params));
	c->init_args = calloc(max_words, sizeof(*c->init_args));
	if (!c->params || !c->init_args)
		return -ENOMEM;

	char *args = skip_spaces(c->words);
	while (*args) {
		char *param, *val;
		args = next_arg(args, &param, &val);
		if (!val && strcmp(param, "--") == 0) {
			c->has_dashes = true;
			break;
		}
		c->params[c->n_params++] = (struct cmdline_param){param, val};
	}
	/*
	 * init's arguments: parse_args() runs again on the rest, and stops at a
	 * second "--" as at the first, so the words after that reach no one.
	 */
	if (c->has_dashes) {
		args = skip_spaces(args);
		while (*args) {
			char *param, *val;
			args = next_arg(args, &param, &val);
			if (!val && strcmp(param, "--") == 0)
				break;
			rejoin(param, val);
			c->init_args[c->n_init_args++] = param;
		}
	}

	for (unsigned i = 0; i < c->n_params; i++) {
		r = apply_param(c, i);
		if (r < 0)
			return r;
	}

	*ret = TAKE_PTR(c);
	return 0;
}

/*
 * What the accessors read when given no command line: hk_kernel_cmdline()
 * is NULL on a tree without proc/cmdline, and a caller asking for a
 * parameter of it gets "not given", not a crash.
 */
static const hk_cmdline cmdline_empty = {
    .text = (char *)"",
    .current_hugepages = -1,
    .settings = {[0 ... _HK_CMDLINE_SETTING_MAX - 1] = -ENODATA},
};

static const hk_cmdline *cmdline_or_empty(const hk_cmdline *c)
{
	return c ? c : &cmdline_empty;
}

const char *hk_cmdline_text(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->text;
}

unsigned hk_cmdline_n_params(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->n_params;
}

const char *hk_cmdline_param_key(const hk_cmdline *c, unsigned i)
{
	c = cmdline_or_empty(c);
	return i < c->n_params ? c->params[i].key : NULL;
}

const char *hk_cmdline_param_value(const hk_cmdline *c, unsigned i)
{
	c = cmdline_or_empty(c);
	return i < c->n_params ? c->params[i].value : NULL;
}

int hk_cmdline_find(const hk_cmdline *c, const char *key)
{
	c = cmdline_or_empty(c);
	for (unsigned i = c->n_params; i > 0; i--)
		if (param_eq(c->params[i - 1].key, key))
			return (int)(i - 1);
	return -ENOENT;
}

unsigned hk_cmdline_n_init_args(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->n_init_args;
}

const char *hk_cmdline_init_arg(const hk_cmdline *c, unsigned i)
{
	c = cmdline_or_empty(c);
	return i < c->n_init_args ? c->init_args[i] : NULL;
}

bool hk_cmdline_has_init_args(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->has_dashes;
}

const hk_cpuset *hk_cmdline_cpus(const hk_cmdline *c, hk_cmdline_cpulist which)
{
	c = cmdline_or_empty(c);
	return (unsigned)which < _HK_CMDLINE_CPULIST_MAX ? c->cpus[which] : NULL;
}

unsigned hk_cmdline_isolcpus_flags(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->cpus[HK_CMDLINE_ISOLCPUS] ? c->isolcpus_flags : 0;
}

int64_t hk_cmdline_setting_get(const hk_cmdline *c, hk_cmdline_setting which)
{
	c = cmdline_or_empty(c);
	return (unsigned)which < _HK_CMDLINE_SETTING_MAX ? c->settings[which] : -EINVAL;
}

const char *hk_cmdline_setting_format(const hk_cmdline *c, hk_cmdline_setting which, char *buf,
				      size_t size)
{
	c = cmdline_or_empty(c);
	const char *const *words = NULL;
	int64_t v = hk_cmdline_setting_get(c, which);

	if (v < 0)
		return NULL;
	switch (which) {
	case HK_CMDLINE_NUMA_BALANCING:
		snprintf(buf, size, "%s", v ? "enable" : "disable");
		return buf;
	case HK_CMDLINE_TRANSPARENT_HUGEPAGE:
		words = thp_words;
		break;
	case HK_CMDLINE_NOSMT:
		words = nosmt_words;
		break;
	case HK_CMDLINE_MITIGATIONS:
		words = mitigations_words;
		break;
	case HK_CMDLINE_IDLE:
		words = idle_words;
		break;
	case HK_CMDLINE_TSC:
		words = tsc_words;
		break;
	case HK_CMDLINE_NMI_WATCHDOG_PANIC:
		snprintf(buf, size, "%s", v ? "panic" : "nopanic");
		return buf;
	default:
		break;
	}
	if (words)
		snprintf(buf, size, "%s", words[v]);
	else
		snprintf(buf, size, "%" PRId64, v);
	return buf;
}

unsigned hk_cmdline_n_hugepages(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->n_hugepages;
}

const hk_cmdline_hugepages *hk_cmdline_hugepages_get(const hk_cmdline *c, unsigned i)
{
	c = cmdline_or_empty(c);
	return i < c->n_hugepages ? &c->hugepages[i] : NULL;
}

uint64_t hk_cmdline_hugepages_size(const hk_cmdline_hugepages *h)
{
	return h->size;
}

int64_t hk_cmdline_hugepages_pages(const hk_cmdline_hugepages *h)
{
	return h->pages;
}

unsigned hk_cmdline_hugepages_n_nodes(const hk_cmdline_hugepages *h)
{
	return h->n_nodes;
}

int hk_cmdline_hugepages_node(const hk_cmdline_hugepages *h, unsigned i, unsigned *ret_node,
			      uint64_t *ret_pages)
{
	if (i >= h->n_nodes)
		return -ERANGE;
	if (ret_node)
		*ret_node = h->nodes[i].node;
	if (ret_pages)
		*ret_pages = h->nodes[i].pages;
	return 0;
}

uint64_t hk_cmdline_default_hugepagesz(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->default_hugepagesz;
}

unsigned hk_cmdline_n_errors(const hk_cmdline *c)
{
	c = cmdline_or_empty(c);
	return c->n_errors;
}

const char *hk_cmdline_error_message(const hk_cmdline *c, unsigned i)
{
	c = cmdline_or_empty(c);
	return i < c->n_errors ? c->errors[i].message : NULL;
}

int hk_cmdline_error_param(const hk_cmdline *c, unsigned i)
{
	c = cmdline_or_empty(c);
	return i < c->n_errors ? (int)c->errors[i].param : -ERANGE;
}

/* ------------------------------------------------------------------------ */
/* The kernel */

struct hk_kernel {
	char *release;
	char *version;
	char *ostype;
	char *boot_id;
	hk_cmdline *cmdline;
	hk_cpuset *isolated;
	hk_cpuset *nohz_full;
};

void hk_kernel_free(hk_kernel *k)
{
	if (!k)
		return;
	free(k->release);
	free(k->version);
	free(k->ostype);
	free(k->boot_id);
	hk_cmdline_free(k->cmdline);
	hk_cpuset_free(k->isolated);
	hk_cpuset_free(k->nohz_full);
	free(k);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_kernel *, hk_kernel_free)

/* A one-line text file, trimmed; *ret stays NULL when the file is absent. */
static int read_text_opt(hk_root *root, const char *path, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_root_read(root, path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	const char *p = buf;
	hk_trim(&p, &len);
	char *s = strndup(p, len);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static int read_accepted_opt(hk_root *root, const char *path, hk_diag *diag, hk_cpuset **ret)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *set = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;

	int r = hk_root_read(root, path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return hk_diag_set(diag, r, path, "cannot read %s: %s", path, strerror(-r));
	set = hk_cpuset_new();
	if (!set)
		return -ENOMEM;
	r = hk_parse_accepted_cpulist(buf, len, set);
	if (r < 0) {
		const char *p = buf;
		size_t n = strnlen(buf, len);
		hk_trim(&p, &n);
		hk_diag_set(diag, r, path, "cannot parse CPU list '%.*s' in %s, line 1: %s",
			    (int)MIN(n, (size_t)QUOTE_MAX), p, path, strerror(-r));
		if (diag)
			diag->line = 1;
		return r;
	}
	*ret = TAKE_PTR(set);
	return 0;
}

/* One past the highest possible CPU, for "N" in lists; 0 when the tree does not say. */
static unsigned read_n_cpus(hk_root *root)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *set = hk_cpuset_new();

	if (!set || hk_root_read_cpulist(root, CPU_DIR "/possible", NULL, set) < 0)
		return 0;
	int last = hk_cpuset_last(set);
	return last < 0 ? 0 : (unsigned)last + 1;
}

int hk_kernel_load(hk_root *root, hk_diag *diag, hk_kernel **ret)
{
	_cleanup_(hk_kernel_freep) hk_kernel *k = calloc(1, sizeof(*k));
	_cleanup_free_ char *cmdline = NULL;
	size_t len;
	int r;

	if (!k)
		return -ENOMEM;

	static const struct {
		const char *path;
		size_t offset;
	} texts[] = {
	    {"proc/sys/kernel/osrelease", offsetof(hk_kernel, release)},
	    {"proc/sys/kernel/version", offsetof(hk_kernel, version)},
	    {"proc/sys/kernel/ostype", offsetof(hk_kernel, ostype)},
	    {"proc/sys/kernel/random/boot_id", offsetof(hk_kernel, boot_id)},
	};
	for (unsigned i = 0; i < ELEMENTSOF(texts); i++) {
		r = read_text_opt(root, texts[i].path, (char **)((char *)k + texts[i].offset));
		if (r < 0)
			return hk_diag_set(diag, r, texts[i].path, "cannot read %s: %s",
					   texts[i].path, strerror(-r));
	}

	r = hk_root_read(root, "proc/cmdline", &cmdline, &len);
	if (r < 0 && r != -ENOENT)
		return hk_diag_set(diag, r, "proc/cmdline", "cannot read proc/cmdline: %s",
				   strerror(-r));
	if (r == 0) {
		r = hk_cmdline_parse(cmdline, len, read_n_cpus(root), &k->cmdline);
		if (r < 0)
			return r;
	}

	r = read_accepted_opt(root, CPU_DIR "/isolated", diag, &k->isolated);
	if (r < 0)
		return r;
	r = read_accepted_opt(root, CPU_DIR "/nohz_full", diag, &k->nohz_full);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(k);
	return 0;
}

const char *hk_kernel_release(const hk_kernel *k)
{
	return k->release;
}

const char *hk_kernel_version(const hk_kernel *k)
{
	return k->version;
}

const char *hk_kernel_ostype(const hk_kernel *k)
{
	return k->ostype;
}

const char *hk_kernel_boot_id(const hk_kernel *k)
{
	return k->boot_id;
}

const hk_cmdline *hk_kernel_cmdline(const hk_kernel *k)
{
	return k->cmdline;
}

const hk_cpuset *hk_kernel_isolated(const hk_kernel *k)
{
	return k->isolated;
}

const hk_cpuset *hk_kernel_nohz_full(const hk_kernel *k)
{
	return k->nohz_full;
}
