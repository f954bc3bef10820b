/* SPDX-License-Identifier: MIT */
/*
 * The topology's peer suite: every machine that hwloc's and lscpu's own test
 * suites capture is read by hostkit and compared with what those tools print
 * for it (the corpus is described in ../shared/peer-data/README.md).
 *
 * hwloc (hwloc-linux/X.test): the default-options .console of a tarball, or
 * an XML of it where no .console renders it. Both show the PUs and NUMA
 * nodes the capturing process was allowed (cgroup cpuset), and the objects
 * that keep one of them; a --disallowed .console, where there is one, shows
 * every online PU and node and tags the ones not allowed. lscpu
 * (util-linux/lscpu): the summary of the expected output and its --parse
 * table.
 *
 * A difference is a bug, or a line of known-differences.txt that says why
 * hostkit is right there. A listed difference that no longer shows is an
 * error too, so the list cannot go stale.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/topology.h>

#include "base/macro.h"
#include "base/parse.h"
#include "base/strbuf.h"
#include "tests/support/harness.h"

/* Stops the test as skipped (77), printing why. */
#define SKIP_PEER(...)                                                                             \
	do {                                                                                       \
		printf("SKIP: ");                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		free_machines();                                                                   \
		free_known();                                                                      \
		return 77;                                                                         \
	} while (0)

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_topology *, hk_topology_free)

/* ------------------------------------------------------------------------ */
/* Text helpers */

/* Iterates the lines of a NUL-terminated text: *line and *len, false at the end. */
static bool next_line(const char **cursor, const char **line, size_t *len)
{
	const char *p = *cursor;

	if (!*p)
		return false;
	const char *nl = strchr(p, '\n');
	*line = p;
	*len = nl ? (size_t)(nl - p) : strlen(p);
	*cursor = nl ? nl + 1 : p + *len;
	return true;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Finds @needle in (s, len); NULL when absent. */
static const char *find_in(const char *s, size_t len, const char *needle)
{
	return s ? memmem(s, len, needle, strlen(needle)) : NULL;
}

/* The decimal number right after @prefix in (s, len); -1 when absent. */
static long number_after(const char *s, size_t len, const char *prefix)
{
	const char *p = find_in(s, len, prefix);
	uint64_t v;

	if (!p)
		return -1;
	p += strlen(prefix);
	if (hk_parse_u64_prefix(p, len - (size_t)(p - s), &v) < 0 || v > INT_MAX)
		return -1;
	return (long)v;
}

/* The CPU list of @s as text, in a static ring of buffers (for messages). */
static const char *list(const hk_cpuset *s)
{
	static char ring[8][512];
	static unsigned next;
	char *buf = ring[next++ % ELEMENTSOF(ring)];

	if (!s)
		return "(none)";
	if (hk_cpuset_format_list(s, buf, sizeof(ring[0])) >= sizeof(ring[0]))
		strcpy(buf + sizeof(ring[0]) - 4, "...");
	return *buf ? buf : "(empty)";
}

/*
 * lscpu's CPU lists: "a", "a-b" and "a-b:s" (every s-th CPU from a to b, as
 * util-linux's cpulist_create() strides), comma separated.
 */
static int parse_lscpu_list(hk_cpuset *set, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	hk_trim(&p, &len);
	end = p + len;
	hk_cpuset_clear(set);
	while (p < end) {
		uint64_t a, b, step = 1;
		int n = hk_parse_u64_prefix(p, (size_t)(end - p), &a);
		if (n < 0)
			return n;
		p += n;
		b = a;
		if (p < end && *p == '-') {
			p++;
			n = hk_parse_u64_prefix(p, (size_t)(end - p), &b);
			if (n < 0)
				return n;
			p += n;
		}
		if (p < end && *p == ':') {
			p++;
			n = hk_parse_u64_prefix(p, (size_t)(end - p), &step);
			if (n < 0)
				return n;
			p += n;
		}
		if (a > b || b >= HK_CPU_MAX || step == 0)
			return -EINVAL;
		for (uint64_t c = a; c <= b; c += step) {
			int r = hk_cpuset_add(set, (unsigned)c);
			if (r < 0)
				return r;
		}
		if (p < end && *p != ',')
			return -EINVAL;
		if (p < end)
			p++;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Known differences */

typedef struct known {
	char *machine;
	char *field;
	bool seen;
} known;

static known *knowns;
static unsigned n_knowns;

/* Reads "machine  field  reason" lines; '#' starts a comment line. */
static int load_known(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	const char *cursor, *line;
	size_t len, llen;
	unsigned lineno = 0;

	int r = harness_read_file(path, &buf, &len);
	if (r < 0)
		return r;
	cursor = buf;
	while (next_line(&cursor, &line, &llen)) {
		char machine[256], field[128];
		int used = 0;

		lineno++;
		hk_trim(&line, &llen);
		if (llen == 0 || line[0] == '#')
			continue;
		_cleanup_free_ char *copy = strndup(line, llen);
		if (!copy)
			return -ENOMEM;
		if (sscanf(copy, "%255s %127s %n", machine, field, &used) != 2 || !copy[used]) {
			fprintf(stderr, "%s:%u: want 'machine field reason'\n", path, lineno);
			return -EINVAL;
		}
		known *n = reallocarray(knowns, n_knowns + 1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		knowns = n;
		knowns[n_knowns] = (known){.machine = strdup(machine), .field = strdup(field)};
		if (!knowns[n_knowns].machine || !knowns[n_knowns].field)
			return -ENOMEM;
		n_knowns++;
	}
	return 0;
}

static bool is_known(const char *machine, const char *field)
{
	for (unsigned i = 0; i < n_knowns; i++)
		if (strcmp(knowns[i].machine, machine) == 0 &&
		    strcmp(knowns[i].field, field) == 0) {
			knowns[i].seen = true;
			return true;
		}
	return false;
}

static void free_known(void)
{
	for (unsigned i = 0; i < n_knowns; i++) {
		free(knowns[i].machine);
		free(knowns[i].field);
	}
	free(knowns);
}

/* ------------------------------------------------------------------------ */
/* One machine's report */

typedef struct report {
	const char *machine;
	hk_strbuf text;
	unsigned n_known;
	unsigned n_unknown;
} report;

static void diff(report *rep, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void diff(report *rep, const char *field, const char *fmt, ...)
{
	va_list ap;
	bool k = is_known(rep->machine, field);

	if (rep->text.len)
		hk_strbuf_puts(&rep->text, "; ");
	hk_strbuf_printf(&rep->text, "%s ", field);
	va_start(ap, fmt);
	hk_strbuf_vprintf(&rep->text, fmt, ap);
	va_end(ap);
	if (k) {
		hk_strbuf_puts(&rep->text, " (known)");
		rep->n_known++;
	} else {
		rep->n_unknown++;
	}
}

static void diff_count(report *rep, const char *field, long hostkit, long peer, const char *who)
{
	if (hostkit != peer)
		diff(rep, field, "hostkit %ld, %s %ld", hostkit, who, peer);
}

/* ------------------------------------------------------------------------ */
/* The tree a tarball unpacks to */

/* The single directory in @dir (hwloc's tarballs hold one top folder). */
static int single_subdir(const char *dir, char *ret, size_t size)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n++ == 0)
			snprintf(ret, size, "%s/%s", dir, de->d_name);
	}
	return n == 1 ? 0 : -ENOTUNIQ;
}

/* ------------------------------------------------------------------------ */
/* hwloc's console output */

typedef struct cnode {
	unsigned logical;
	unsigned os;
	bool disallowed;
	hk_cpuset *cpus; /* the PUs shown under the node's parent */
} cnode;

typedef struct console {
	long packages, cores, pus, numa; /* the depth summary; 0 when a level is absent */
	cnode *nodes;
	unsigned n_nodes;
	hk_cpuset *disallowed_pus;
	hk_cpuset *allowed_pus;	  /* XML only: the root's allowed_cpuset, or NULL */
	hk_cpuset *allowed_nodes; /* XML only: the root's allowed_nodeset, or NULL */
	unsigned n_dist;	  /* 0 when there is no latency matrix */
	unsigned *dist_os;
	int *dist; /* n_dist x n_dist, rows and columns in dist_os order */
} console;

static void console_done(console *c)
{
	for (unsigned i = 0; i < c->n_nodes; i++)
		hk_cpuset_free(c->nodes[i].cpus);
	free(c->nodes);
	hk_cpuset_free(c->disallowed_pus);
	hk_cpuset_free(c->allowed_pus);
	hk_cpuset_free(c->allowed_nodes);
	free(c->dist_os);
	free(c->dist);
	*c = (console){0};
}

enum { OBJ_OTHER, OBJ_PU, OBJ_NUMA, OBJ_MEMCACHE };

typedef struct cline {
	unsigned indent;
	int kind;
	long os;
	long logical;
	bool disallowed;
} cline;

static int parse_summary_line(console *c, const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len);
	uint64_t count;

	if (!colon)
		return -EINVAL;
	const char *q = colon + 1, *end = p + len;
	while (q < end && *q == ' ')
		q++;
	int n = hk_parse_u64_prefix(q, (size_t)(end - q), &count);
	if (n < 0)
		return n;
	q += n;
	while (q < end && *q == ' ')
		q++;
	const char *type = q;
	while (q < end && *q != ' ')
		q++;
	size_t tlen = (size_t)(q - type);

#define IS(name) (tlen == strlen(name) && memcmp(type, name, tlen) == 0)
	if (IS("Package"))
		c->packages = (long)count;
	else if (IS("Core"))
		c->cores = (long)count;
	else if (IS("PU"))
		c->pus = (long)count;
	else if (IS("NUMANode"))
		c->numa = (long)count;
#undef IS
	return 0;
}

/* The " index  a b c" header and the rows after a "Relative latency matrix" line. */
static int parse_matrix(console *c, const char **cursor, const char *head, size_t hlen,
			const cline *lines, unsigned n_lines)
{
	const char *line;
	size_t len;
	long n = number_after(head, hlen, "between ");

	if (n <= 0 || n > 4096 || !next_line(cursor, &line, &len) || !find_in(line, len, "index"))
		return -EINVAL;
	c->n_dist = (unsigned)n;
	c->dist_os = calloc((size_t)n, sizeof(*c->dist_os));
	c->dist = calloc((size_t)n * (size_t)n, sizeof(*c->dist));
	_cleanup_free_ long *logical = calloc((size_t)n, sizeof(*logical));
	if (!c->dist_os || !c->dist || !logical)
		return -ENOMEM;

	/* The labels are logical indexes; the NUMANode lines give their P#. */
	const char *p = find_in(line, len, "index") + 5, *end = line + len;
	for (long i = 0; i < n; i++) {
		uint64_t v;
		while (p < end && *p == ' ')
			p++;
		int k = hk_parse_u64_prefix(p, (size_t)(end - p), &v);
		if (k < 0)
			return k;
		p += k;
		logical[i] = (long)v;
		bool found = false;
		for (unsigned l = 0; l < n_lines && !found; l++)
			if (lines[l].kind == OBJ_NUMA && lines[l].logical == (long)v) {
				c->dist_os[i] = (unsigned)lines[l].os;
				found = true;
			}
		if (!found)
			return -EINVAL;
	}
	for (long i = 0; i < n; i++) {
		uint64_t v;
		if (!next_line(cursor, &line, &len))
			return -EINVAL;
		p = line;
		end = line + len;
		for (long j = -1; j < n; j++) {
			while (p < end && *p == ' ')
				p++;
			int k = hk_parse_u64_prefix(p, (size_t)(end - p), &v);
			if (k < 0)
				return k;
			p += k;
			if (j < 0) {
				if ((long)v != logical[i])
					return -EINVAL;
			} else {
				c->dist[i * n + j] = (int)v;
			}
		}
	}
	return 0;
}

static int parse_console(const char *path, console *ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ cline *lines = NULL;
	console c = {0};
	unsigned n_lines = 0, cap = 0;
	const char *cursor, *line;
	size_t len;
	bool in_tree = true;
	int r;

	r = harness_read_file(path, &buf, &len);
	if (r < 0)
		return r;
	c.disallowed_pus = hk_cpuset_new();
	if (!c.disallowed_pus)
		return -ENOMEM;

	cursor = buf;
	while (next_line(&cursor, &line, &len)) {
		unsigned indent = 0;
		while (indent < len && line[indent] == ' ')
			indent++;
		const char *p = line + indent;
		size_t plen = len - indent;

		if (has_prefix(p, plen, "depth ") || has_prefix(p, plen, "Special depth ")) {
			in_tree = false;
			r = parse_summary_line(&c, p, plen);
			if (r < 0)
				goto fail;
			continue;
		}
		if (has_prefix(p, plen, "Relative latency matrix") &&
		    find_in(p, plen, "NUMANodes")) {
			r = parse_matrix(&c, &cursor, p, plen, lines, n_lines);
			if (r < 0)
				goto fail;
			continue;
		}
		if (!in_tree || plen == 0)
			continue;

		if (n_lines == cap) {
			cap = cap ? cap * 2 : 256;
			cline *n = reallocarray(lines, cap, sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				goto fail;
			}
			lines = n;
		}
		cline *cl = &lines[n_lines++];
		*cl = (cline){.indent = indent, .kind = OBJ_OTHER, .os = -1, .logical = -1};
		cl->disallowed = find_in(p, plen, "(disallowed)") != NULL;
		if (has_prefix(p, plen, "PU "))
			cl->kind = OBJ_PU;
		else if (has_prefix(p, plen, "NUMANode ") || has_prefix(p, plen, "NUMANode("))
			cl->kind = OBJ_NUMA;
		else if (has_prefix(p, plen, "MemCache "))
			cl->kind = OBJ_MEMCACHE;
		cl->os = number_after(p, plen, "(P#");
		cl->logical = number_after(p, plen, " L#");
		if ((cl->kind == OBJ_PU || cl->kind == OBJ_NUMA) &&
		    (cl->os < 0 || cl->logical < 0)) {
			r = -EINVAL;
			goto fail;
		}
		if (cl->kind == OBJ_PU && cl->disallowed &&
		    (r = hk_cpuset_add(c.disallowed_pus, (unsigned)cl->os)) < 0)
			goto fail;
	}

	/*
	 * A node's CPUs are the PUs under its parent: the closest line above
	 * it with less indentation that is not a memory-side cache.
	 */
	for (unsigned i = 0; i < n_lines; i++) {
		if (lines[i].kind != OBJ_NUMA)
			continue;
		unsigned parent = i, want = lines[i].indent;
		while (parent > 0) {
			parent--;
			if (lines[parent].indent < want) {
				if (lines[parent].kind != OBJ_MEMCACHE)
					break;
				want = lines[parent].indent;
			}
		}
		cnode *n = reallocarray(c.nodes, c.n_nodes + 1, sizeof(*n));
		if (!n) {
			r = -ENOMEM;
			goto fail;
		}
		c.nodes = n;
		cnode *node = &c.nodes[c.n_nodes++];
		*node = (cnode){.logical = (unsigned)lines[i].logical,
				.os = (unsigned)lines[i].os,
				.disallowed = lines[i].disallowed,
				.cpus = hk_cpuset_new()};
		if (!node->cpus) {
			r = -ENOMEM;
			goto fail;
		}
		for (unsigned k = parent + 1; k < n_lines && lines[k].indent > lines[parent].indent;
		     k++)
			if (lines[k].kind == OBJ_PU &&
			    (r = hk_cpuset_add(node->cpus, (unsigned)lines[k].os)) < 0)
				goto fail;
	}
	*ret = c;
	return 0;
fail:
	console_done(&c);
	return r;
}

/* ------------------------------------------------------------------------ */
/* hwloc's XML output, for the tarballs no .console renders */

/* The value of attribute @name in (s, len), without quotes; NULL when absent. */
static const char *xml_attr(const char *s, size_t len, const char *name, size_t *ret_len)
{
	char key[64];
	snprintf(key, sizeof(key), " %s=\"", name);
	const char *p = find_in(s, len, key);
	if (!p)
		return NULL;
	p += strlen(key);
	const char *q = memchr(p, '"', len - (size_t)(p - s));
	if (!q)
		return NULL;
	*ret_len = (size_t)(q - p);
	return p;
}

/* hwloc's bitmaps: "0x0000f06f", "0x000000ff,0xffffffff", "0x0". */
static int parse_hwloc_bitmap(hk_cpuset *set, const char *s, size_t len)
{
	char buf[4096];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '0' && i + 1 < len && s[i + 1] == 'x' && (i == 0 || s[i - 1] == ',')) {
			i++;
			continue;
		}
		if (n + 1 >= sizeof(buf))
			return -E2BIG;
		buf[n++] = s[i];
	}
	return hk_cpuset_parse_mask(set, buf, n);
}

/* Appends the decimal numbers between '>' and '<' of an element line to *@vals. */
static int xml_numbers(const char *s, size_t len, unsigned **vals, unsigned *n)
{
	const char *p = memchr(s, '>', len), *end = s + len;
	if (!p)
		return -EINVAL;
	for (p++; p < end && *p != '<';) {
		uint64_t v;
		if (*p == ' ') {
			p++;
			continue;
		}
		int k = hk_parse_u64_prefix(p, (size_t)(end - p), &v);
		if (k < 0 || v > INT_MAX)
			return -EINVAL;
		p += k;
		unsigned *nv = reallocarray(*vals, *n + 1, sizeof(**vals));
		if (!nv)
			return -ENOMEM;
		*vals = nv;
		nv[(*n)++] = (unsigned)v;
	}
	return 0;
}

static int parse_xml(const char *path, console *ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ unsigned *idx = NULL, *vals = NULL;
	console c = {0};
	unsigned n_idx = 0, n_vals = 0, nbobjs = 0;
	const char *cursor, *line;
	size_t len, alen;
	bool in_latency = false;
	int r;

	r = harness_read_file(path, &buf, &len);
	if (r < 0)
		return r;
	c.disallowed_pus = hk_cpuset_new();
	c.allowed_pus = hk_cpuset_new();
	c.allowed_nodes = hk_cpuset_new();
	if (!c.disallowed_pus || !c.allowed_pus || !c.allowed_nodes) {
		r = -ENOMEM;
		goto fail;
	}

	cursor = buf;
	while (next_line(&cursor, &line, &len)) {
		const char *type = NULL, *a;
		size_t tlen = 0;

		if (find_in(line, len, "<object "))
			type = xml_attr(line, len, "type", &tlen);
		if (type) {
#define IS(name) (tlen == strlen(name) && memcmp(type, name, tlen) == 0)
			if (IS("Package"))
				c.packages++;
			else if (IS("Core"))
				c.cores++;
			else if (IS("PU"))
				c.pus++;
			if (IS("Machine")) {
				r = -EINVAL;
				if ((a = xml_attr(line, len, "allowed_cpuset", &alen)) &&
				    (r = parse_hwloc_bitmap(c.allowed_pus, a, alen)) >= 0 &&
				    (a = xml_attr(line, len, "allowed_nodeset", &alen)))
					r = parse_hwloc_bitmap(c.allowed_nodes, a, alen);
				if (r < 0)
					goto fail;
			} else if (IS("NUMANode")) {
				uint64_t os;
				cnode *n = reallocarray(c.nodes, c.n_nodes + 1, sizeof(*n));
				if (!n) {
					r = -ENOMEM;
					goto fail;
				}
				c.nodes = n;
				cnode *node = &c.nodes[c.n_nodes];
				*node = (cnode){.logical = c.n_nodes, .cpus = hk_cpuset_new()};
				c.n_nodes++;
				c.numa++;
				r = -EINVAL;
				if (node->cpus && (a = xml_attr(line, len, "os_index", &alen)) &&
				    hk_parse_u64(a, alen, 10, &os) >= 0 && os <= UINT_MAX &&
				    (a = xml_attr(line, len, "cpuset", &alen))) {
					node->os = (unsigned)os;
					r = parse_hwloc_bitmap(node->cpus, a, alen);
				}
				if (r < 0)
					goto fail;
			}
#undef IS
			continue;
		}

		if (find_in(line, len, "<distances2 ") && find_in(line, len, "type=\"NUMANode\"") &&
		    find_in(line, len, "name=\"NUMALatency\"") &&
		    find_in(line, len, "indexing=\"os\"")) {
			in_latency = true;
			nbobjs = (unsigned)number_after(line, len, "nbobjs=\"");
			continue;
		}
		if (!in_latency)
			continue;
		if (find_in(line, len, "<indexes "))
			r = xml_numbers(line, len, &idx, &n_idx);
		else if (find_in(line, len, "<u64values "))
			r = xml_numbers(line, len, &vals, &n_vals);
		else if (find_in(line, len, "</distances2>")) {
			in_latency = false;
			if (nbobjs == 0 || nbobjs > 4096 || n_idx != nbobjs ||
			    n_vals != nbobjs * nbobjs || c.n_dist) {
				r = -EINVAL;
				goto fail;
			}
			c.n_dist = nbobjs;
			c.dist_os = TAKE_PTR(idx);
			c.dist = calloc((size_t)n_vals, sizeof(*c.dist));
			if (!c.dist) {
				r = -ENOMEM;
				goto fail;
			}
			for (unsigned i = 0; i < n_vals; i++)
				c.dist[i] = (int)vals[i];
		}
		if (r < 0)
			goto fail;
	}
	*ret = c;
	return 0;
fail:
	console_done(&c);
	return r;
}

/* ------------------------------------------------------------------------ */
/* hostkit's side of a view */

/* The lowest online CPU of @cpu's core (its online thread siblings). */
static int core_rep(const hk_topology *t, unsigned cpu)
{
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	const hk_cpuset *sib = hk_topology_cpu_siblings(t, cpu);

	if (sib)
		HK_CPUSET_FOREACH (s, sib)
			if (hk_cpuset_test(online, (unsigned)s))
				return s;
	return (int)cpu;
}

/*
 * The lowest online CPU of @cpu's package, as hk_topology_n_packages()
 * groups them: by the package_cpus mask, else by (drawer, book, package) id,
 * else by core.
 */
static int package_rep(const hk_topology *t, unsigned cpu)
{
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	const hk_cpuset *pkg_cpus = hk_topology_cpu_package_cpus(t, cpu);
	int pkg = hk_topology_cpu_get(t, cpu, HK_CPU_PACKAGE);

	if (pkg_cpus) {
		HK_CPUSET_FOREACH (o, pkg_cpus)
			if ((unsigned)o <= cpu && hk_cpuset_test(online, (unsigned)o))
				return o;
		return (int)cpu;
	}
	if (pkg < 0)
		return core_rep(t, cpu);
	HK_CPUSET_FOREACH (o, online) {
		if (hk_topology_cpu_get(t, (unsigned)o, HK_CPU_PACKAGE) == pkg &&
		    hk_topology_cpu_get(t, (unsigned)o, HK_CPU_BOOK) ==
			hk_topology_cpu_get(t, cpu, HK_CPU_BOOK) &&
		    hk_topology_cpu_get(t, (unsigned)o, HK_CPU_DRAWER) ==
			hk_topology_cpu_get(t, cpu, HK_CPU_DRAWER))
			return o;
	}
	return (int)cpu;
}

/*
 * Counts the packages or cores hwloc keeps in a restricted view: those with
 * a CPU in @shown, and those that hold (by locality) a shown NUMA node, whose
 * memory keeps them even when their CPUs are gone.
 */
static int count_kept(const hk_topology *t, int (*rep)(const hk_topology *, unsigned),
		      const hk_cpuset *shown, const hk_cpuset *shown_nodes, unsigned *ret)
{
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	_cleanup_(hk_cpuset_freep) hk_cpuset *seen = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *obj = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *ncpus = hk_cpuset_new();
	unsigned n = 0;

	if (!seen || !obj || !ncpus)
		return -ENOMEM;
	HK_CPUSET_FOREACH (cpu, online) {
		int r0 = rep(t, (unsigned)cpu);
		if (hk_cpuset_test(seen, (unsigned)r0))
			continue;
		int r = hk_cpuset_add(seen, (unsigned)r0);
		if (r < 0)
			return r;
		hk_cpuset_clear(obj);
		HK_CPUSET_FOREACH (o, online)
			if (rep(t, (unsigned)o) == r0 && (r = hk_cpuset_add(obj, (unsigned)o)) < 0)
				return r;

		bool keep = hk_cpuset_intersects(obj, shown);
		for (unsigned i = 0; i < hk_topology_n_nodes(t) && !keep; i++) {
			const hk_node *node = hk_topology_node(t, i);
			if (!hk_cpuset_test(shown_nodes, hk_node_id(node)))
				continue;
			if ((r = hk_cpuset_copy(ncpus, hk_node_cpus(node))) < 0)
				return r;
			hk_cpuset_and(ncpus, online);
			keep = !hk_cpuset_is_empty(ncpus) && hk_cpuset_is_subset(ncpus, obj);
		}
		n += keep;
	}
	*ret = n;
	return 0;
}

/* The index of the node numbered @id, or -ENOENT. */
static int node_index(const hk_topology *t, unsigned id)
{
	for (unsigned i = 0; i < hk_topology_n_nodes(t); i++)
		if (hk_node_id(hk_topology_node(t, i)) == id)
			return (int)i;
	return -ENOENT;
}

/*
 * Compares one hwloc view with hostkit. @online_view: the --disallowed
 * console (every online PU and every node); otherwise the default one.
 */
static int compare_view(report *rep, const hk_topology *t, const console *c, bool online_view)
{
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	const hk_cpuset *allowed = hk_topology_cpus(t, HK_CPUS_ALLOWED);
	const char *pfx = online_view ? "online-" : "";
	_cleanup_(hk_cpuset_freep) hk_cpuset *shown = hk_cpuset_dup(online);
	_cleanup_(hk_cpuset_freep) hk_cpuset *shown_nodes = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *ncpus = hk_cpuset_new();
	char field[64];
	unsigned n_shown_nodes = 0;
	int r;

	if (!shown || !shown_nodes || !ncpus)
		return -ENOMEM;
	if (!online_view)
		hk_cpuset_and(shown, allowed);
	for (unsigned i = 0; i < hk_topology_n_nodes(t); i++) {
		unsigned id = hk_node_id(hk_topology_node(t, i));
		if (online_view || hk_topology_node_allowed(t, id)) {
			if ((r = hk_cpuset_add(shown_nodes, id)) < 0)
				return r;
			n_shown_nodes++;
		}
	}

	unsigned packages = hk_topology_n_packages(t), cores = hk_topology_n_cores(t);
	if (!hk_cpuset_equal(shown, online) || n_shown_nodes != hk_topology_n_nodes(t)) {
		if ((r = count_kept(t, package_rep, shown, shown_nodes, &packages)) < 0 ||
		    (r = count_kept(t, core_rep, shown, shown_nodes, &cores)) < 0)
			return r;
	}
	snprintf(field, sizeof(field), "%spackages", pfx);
	diff_count(rep, field, packages, c->packages, "hwloc");
	snprintf(field, sizeof(field), "%scores", pfx);
	diff_count(rep, field, cores, c->cores, "hwloc");
	snprintf(field, sizeof(field), "%spus", pfx);
	diff_count(rep, field, hk_cpuset_count(shown), c->pus, "hwloc");
	snprintf(field, sizeof(field), "%snodes", pfx);
	diff_count(rep, field, n_shown_nodes, c->numa, "hwloc");

	/* Each node hwloc shows: does hostkit have it, with the same CPUs? */
	for (unsigned i = 0; i < c->n_nodes; i++) {
		const cnode *cn = &c->nodes[i];
		const hk_node *node = hk_topology_node_by_id(t, cn->os);

		snprintf(field, sizeof(field), "%snode:%u", pfx, cn->os);
		if (!node || !hk_cpuset_test(shown_nodes, cn->os)) {
			diff(rep, field, "hwloc shows it, hostkit %s",
			     node ? "does not allow it" : "has no such node");
			continue;
		}
		if ((r = hk_cpuset_copy(ncpus, hk_node_cpus(node))) < 0)
			return r;
		hk_cpuset_and(ncpus, shown);
		if (!hk_cpuset_equal(ncpus, cn->cpus))
			diff(rep, field, "cpus hostkit %s, hwloc %s", list(ncpus), list(cn->cpus));
	}

	/* The latency matrix, over the nodes shown, by their numbers. */
	snprintf(field, sizeof(field), "%sdistances", pfx);
	bool hk_has =
	    hk_topology_n_nodes(t) > 0 && hk_node_distance(hk_topology_node(t, 0), 0) >= 0;
	if (c->n_dist == 0) {
		if (hk_has && n_shown_nodes > 1)
			diff(rep, field, "hostkit has a table, hwloc none");
	} else if (!hk_has) {
		diff(rep, field, "hostkit has none, hwloc a %ux%u table", c->n_dist, c->n_dist);
	} else {
		unsigned bad = 0;
		char first[128] = "";
		for (unsigned i = 0; i < c->n_dist; i++)
			for (unsigned j = 0; j < c->n_dist; j++) {
				const hk_node *a = hk_topology_node_by_id(t, c->dist_os[i]);
				int b = node_index(t, c->dist_os[j]);
				int d = -1;
				if (a && b >= 0)
					d = hk_node_distance(a, (unsigned)b);
				if (d == c->dist[i * c->n_dist + j])
					continue;
				if (bad++ == 0)
					snprintf(first, sizeof(first),
						 "%u->%u hostkit %d, hwloc %d", c->dist_os[i],
						 c->dist_os[j], d, c->dist[i * c->n_dist + j]);
			}
		if (bad)
			diff(rep, field, "%u entries differ, first %s", bad, first);
	}

	if (c->allowed_pus) {
		/* The XML's root names the allowed sets outright. */
		if (!hk_cpuset_equal(allowed, c->allowed_pus))
			diff(rep, "allowed-pus", "hostkit %s, hwloc %s", list(allowed),
			     list(c->allowed_pus));
		for (unsigned i = 0; i < hk_topology_n_nodes(t); i++) {
			unsigned id = hk_node_id(hk_topology_node(t, i));
			bool a = hk_cpuset_test(c->allowed_nodes, id);
			if (hk_topology_node_allowed(t, id) != a)
				diff(rep, "allowed-nodes", "node %u hostkit %s, hwloc %s", id,
				     a ? "disallowed" : "allowed", a ? "allowed" : "disallowed");
		}
	}

	if (online_view) {
		/* The tags of the --disallowed view are hwloc's reading of the cpuset. */
		_cleanup_(hk_cpuset_freep) hk_cpuset *dis = hk_cpuset_dup(online);
		if (!dis)
			return -ENOMEM;
		hk_cpuset_andnot(dis, allowed);
		if (!hk_cpuset_equal(dis, c->disallowed_pus))
			diff(rep, "allowed-pus", "disallowed hostkit %s, hwloc %s", list(dis),
			     list(c->disallowed_pus));
		for (unsigned i = 0; i < c->n_nodes; i++)
			if (hk_topology_node_allowed(t, c->nodes[i].os) == c->nodes[i].disallowed)
				diff(rep, "allowed-nodes", "node %u hostkit %s, hwloc %s",
				     c->nodes[i].os,
				     c->nodes[i].disallowed ? "allowed" : "disallowed",
				     c->nodes[i].disallowed ? "disallowed" : "allowed");
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* lscpu's expected output */

/* The value of "Key:" in the summary (the text before the first blank line). */
static bool lscpu_field(const char *text, const char *key, const char **ret, size_t *ret_len)
{
	const char *cursor = text, *line;
	size_t len, klen = strlen(key);

	while (next_line(&cursor, &line, &len)) {
		if (len == 0)
			return false;
		if (len > klen && memcmp(line, key, klen) == 0 && line[klen] == ':') {
			const char *v = line + klen + 1;
			size_t vlen = len - klen - 1;
			hk_trim(&v, &vlen);
			*ret = v;
			*ret_len = vlen;
			return true;
		}
	}
	return false;
}

static long lscpu_number(const char *text, const char *key)
{
	const char *v;
	size_t len;
	uint64_t n;

	if (!lscpu_field(text, key, &v, &len) || hk_parse_u64(v, len, 10, &n) < 0 || n > INT_MAX)
		return -1;
	return (long)n;
}

typedef struct csv_row {
	long cpu, core, socket, node; /* -1 when lscpu prints "-" or nothing */
} csv_row;

/* One field of a --parse row: a number, or -1 for "-" and "". */
static long csv_field(const char **p, const char *end)
{
	const char *comma = memchr(*p, ',', (size_t)(end - *p));
	const char *e = comma ? comma : end;
	uint64_t v;
	long r = -1;

	if (hk_parse_u64(*p, (size_t)(e - *p), 10, &v) >= 0 && v <= INT_MAX)
		r = (long)v;
	*p = comma ? comma + 1 : end;
	return r;
}

/*
 * The second part of lscpu's expected output, `lscpu --parse`: one
 * "CPU,Core,Socket,Node,..." row per online CPU. Its Core and Socket columns
 * number distinct objects, so they are compared as partitions: two CPUs
 * share a socket for lscpu exactly when they do for hostkit.
 */
static int compare_lscpu_parse(report *rep, const hk_topology *t, const char *text)
{
	const char *cursor = text, *line;
	size_t len;
	unsigned blanks = 0, n = 0;
	csv_row rows[1024];

	while (next_line(&cursor, &line, &len)) {
		if (len == 0) {
			if (++blanks == 2)
				break;
			continue;
		}
		if (blanks != 1 || line[0] == '#')
			continue;
		if (n == ELEMENTSOF(rows))
			return -E2BIG;
		const char *p = line, *end = line + len;
		rows[n].cpu = csv_field(&p, end);
		rows[n].core = csv_field(&p, end);
		rows[n].socket = csv_field(&p, end);
		rows[n].node = csv_field(&p, end);
		if (rows[n].cpu < 0)
			return -EINVAL;
		n++;
	}

	/* The first mismatch of each column is enough to say it differs. */
	bool bad_node = false, bad_core = false, bad_socket = false;
	for (unsigned i = 0; i < n; i++) {
		unsigned a = (unsigned)rows[i].cpu;
		int node = hk_topology_cpu_get(t, a, HK_CPU_NODE);

		if (!bad_node && rows[i].node >= 0 && node != rows[i].node) {
			diff(rep, "cpu-node", "cpu %u hostkit %d, lscpu %ld", a, node,
			     rows[i].node);
			bad_node = true;
		}
		for (unsigned j = i + 1; j < n; j++) {
			unsigned b = (unsigned)rows[j].cpu;
			bool hk_core = core_rep(t, a) == core_rep(t, b);
			bool hk_pkg = package_rep(t, a) == package_rep(t, b);

			if (!bad_core && rows[i].core >= 0 && rows[j].core >= 0 &&
			    (rows[i].core == rows[j].core) != hk_core) {
				diff(rep, "cpu-core", "cpus %u and %u share a core for %s only", a,
				     b, hk_core ? "hostkit" : "lscpu");
				bad_core = true;
			}
			if (!bad_socket && rows[i].socket >= 0 && rows[j].socket >= 0 &&
			    (rows[i].socket == rows[j].socket) != hk_pkg) {
				diff(rep, "cpu-socket", "cpus %u and %u share a socket for %s only",
				     a, b, hk_pkg ? "hostkit" : "lscpu");
				bad_socket = true;
			}
		}
	}
	return 0;
}

static int compare_lscpu(report *rep, const hk_topology *t, const char *text)
{
	const hk_cpuset *online = hk_topology_cpus(t, HK_CPUS_ONLINE);
	const hk_cpuset *present = hk_topology_cpus(t, HK_CPUS_PRESENT);
	_cleanup_(hk_cpuset_freep) hk_cpuset *set = hk_cpuset_new();
	_cleanup_(hk_cpuset_freep) hk_cpuset *tmp = hk_cpuset_new();
	const char *v;
	size_t len;
	long n;
	int r;

	if (!set || !tmp)
		return -ENOMEM;

	/* lscpu's CPU(s) counts the present CPUs. */
	if ((n = lscpu_number(text, "CPU(s)")) >= 0)
		diff_count(rep, "cpus", hk_cpuset_count(present), n, "lscpu");
	if (lscpu_field(text, "On-line CPU(s) list", &v, &len)) {
		if ((r = parse_lscpu_list(set, v, len)) < 0)
			return r;
		if (!hk_cpuset_equal(set, online))
			diff(rep, "online", "hostkit %s, lscpu %s", list(online), list(set));
	}
	/* ... and its off-line list the present ones that are not online. */
	if ((r = hk_cpuset_copy(tmp, present)) < 0)
		return r;
	hk_cpuset_andnot(tmp, online);
	hk_cpuset_clear(set);
	if (lscpu_field(text, "Off-line CPU(s) list", &v, &len) &&
	    (r = parse_lscpu_list(set, v, len)) < 0)
		return r;
	if (!hk_cpuset_equal(set, tmp))
		diff(rep, "offline", "hostkit %s, lscpu %s", list(tmp), list(set));

	if ((n = lscpu_number(text, "Thread(s) per core")) >= 0)
		diff_count(rep, "threads-per-core", hk_topology_threads_per_core(t), n, "lscpu");

	/* Sockets, nested in books and drawers on s390. */
	long sockets = lscpu_number(text, "Socket(s)");
	if (sockets < 0 && (sockets = lscpu_number(text, "Socket(s) per book")) >= 0) {
		long books = lscpu_number(text, "Book(s)");
		if (books < 0) {
			books = lscpu_number(text, "Book(s) per drawer");
			long drawers = lscpu_number(text, "Drawer(s)");
			books = books < 0 || drawers < 0 ? -1 : books * drawers;
		}
		sockets = books < 0 ? -1 : sockets * books;
	}
	long cores = lscpu_number(text, "Core(s) per socket");
	if (sockets >= 0)
		diff_count(rep, "sockets", hk_topology_n_packages(t), sockets, "lscpu");
	if (sockets >= 0 && cores >= 0)
		diff_count(rep, "cores", hk_topology_n_cores(t), cores * sockets, "lscpu");

	/* NUMA: lscpu says nothing of a kernel without the node directory. */
	long nodes = lscpu_number(text, "NUMA node(s)");
	if (nodes < 0) {
		if (!hk_topology_numa_synthetic(t))
			diff(rep, "nodes", "hostkit %u, lscpu none", hk_topology_n_nodes(t));
		return 0;
	}
	diff_count(rep, "nodes", hk_topology_numa_synthetic(t) ? 0 : hk_topology_n_nodes(t), nodes,
		   "lscpu");
	for (unsigned i = 0; i < hk_topology_n_nodes(t); i++) {
		const hk_node *node = hk_topology_node(t, i);
		char key[64], field[64];

		snprintf(key, sizeof(key), "NUMA node%u CPU(s)", hk_node_id(node));
		snprintf(field, sizeof(field), "node:%u", hk_node_id(node));
		hk_cpuset_clear(set);
		if (lscpu_field(text, key, &v, &len) && (r = parse_lscpu_list(set, v, len)) < 0)
			return r;
		if (!hk_cpuset_equal(set, hk_node_cpus(node)))
			diff(rep, field, "cpus hostkit %s, lscpu %s", list(hk_node_cpus(node)),
			     list(set));
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Machines */

typedef enum { PEER_HWLOC, PEER_LSCPU } peer_kind;

typedef struct machine {
	char *name;
	peer_kind kind;
	char *tarball;
	char *expected;	  /* the default .console, or lscpu's expected output */
	char *disallowed; /* the --disallowed .console, or NULL */
} machine;

static int compare_machine(report *rep, const machine *m, const char *root_path)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_topology_freep) hk_topology *t = NULL;
	hk_diag d = {0};
	int r;

	r = hk_root_open(root_path, 0, &d, &root);
	if (r < 0) {
		diff(rep, "load", "hk_root_open: %s", d.message);
		return 0;
	}
	r = hk_topology_load(root, &d, &t);
	if (r < 0) {
		diff(rep, "load", "hk_topology_load: %s (%s)", d.message, strerror(-r));
		return 0;
	}

	if (m->kind == PEER_LSCPU) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		if ((r = harness_read_file(m->expected, &text, &len)) < 0)
			return r;
		r = compare_lscpu(rep, t, text);
		if (r >= 0)
			r = compare_lscpu_parse(rep, t, text);
		return r;
	}

	console c = {0};
	if (has_suffix(m->expected, ".xml"))
		r = parse_xml(m->expected, &c);
	else
		r = parse_console(m->expected, &c);
	if (r < 0) {
		fprintf(stderr, "cannot parse %s: %s\n", m->expected, strerror(-r));
		return r;
	}
	r = compare_view(rep, t, &c, false);
	console_done(&c);
	if (r < 0 || !m->disallowed)
		return r;
	if ((r = parse_console(m->disallowed, &c)) < 0) {
		fprintf(stderr, "cannot parse %s: %s\n", m->disallowed, strerror(-r));
		return r;
	}
	r = compare_view(rep, t, &c, true);
	console_done(&c);
	return r;
}

/* Extracts, finds the root, compares, and always removes the tree. */
static int run_machine(report *rep, const machine *m)
{
	char dir[PATH_MAX], root[PATH_MAX];

	int r = harness_mkdtemp("hk-peer-XXXXXX", dir, sizeof(dir));
	if (r < 0)
		return r;

	r = harness_extract(m->tarball, dir, NULL);
	if (r < 0) {
		diff(rep, "extract", "tar failed: %s", strerror(-r));
		goto out;
	}
	if (m->kind == PEER_LSCPU) {
		/* util-linux's dumps unpack to <name>/. */
		if (snprintf(root, sizeof(root), "%s/%s", dir, m->name) >= (int)sizeof(root) ||
		    access(root, F_OK) < 0)
			r = single_subdir(dir, root, sizeof(root));
	} else {
		r = single_subdir(dir, root, sizeof(root));
	}
	if (r < 0) {
		diff(rep, "extract", "no root folder in %s", m->tarball);
		r = 0;
		goto out;
	}
	r = compare_machine(rep, m, root);
out:
	(void)harness_remove_tree(dir);
	return r;
}

static machine *machines;
static unsigned n_machines;

static void free_machines(void)
{
	for (unsigned i = 0; i < n_machines; i++) {
		free(machines[i].name);
		free(machines[i].tarball);
		free(machines[i].expected);
		free(machines[i].disallowed);
	}
	free(machines);
}

static machine *add_machine(void)
{
	machine *n = reallocarray(machines, n_machines + 1, sizeof(*n));
	if (!n)
		return NULL;
	machines = n;
	machines[n_machines] = (machine){0};
	return &machines[n_machines++];
}

static char *path_join(const char *dir, const char *name)
{
	char *s;
	return asprintf(&s, "%s/%s", dir, name) < 0 ? NULL : s;
}

/* One hwloc X.test: its source, target and options. */
typedef struct hwloc_test {
	char name[256];
	char source[256];
	char target[256];
	char options[256];
	bool has_env;
} hwloc_test;

static int read_hwloc_test(const char *dir, const char *file, hwloc_test *ret)
{
	_cleanup_free_ char *path = path_join(dir, file);
	_cleanup_free_ char *buf = NULL;
	const char *cursor, *line;
	size_t len;
	hwloc_test t = {0};

	if (!path)
		return -ENOMEM;
	int r = harness_read_file(path, &buf, &len);
	if (r < 0)
		return r;
	snprintf(t.name, sizeof(t.name), "%.*s", (int)(strlen(file) - 5), file);
	cursor = buf;
	while (next_line(&cursor, &line, &len)) {
		if (has_prefix(line, len, "env:"))
			t.has_env = true;
		static const struct {
			const char *key;
			size_t off;
		} keys[] = {
		    {"source:", offsetof(hwloc_test, source)},
		    {"target:", offsetof(hwloc_test, target)},
		    {"options:", offsetof(hwloc_test, options)},
		};
		for (unsigned k = 0; k < ELEMENTSOF(keys); k++) {
			if (!has_prefix(line, len, keys[k].key))
				continue;
			const char *v = line + strlen(keys[k].key);
			size_t vlen = len - strlen(keys[k].key);
			hk_trim(&v, &vlen);
			snprintf((char *)&t + keys[k].off, 256, "%.*s", (int)vlen, v);
		}
	}
	*ret = t;
	return 0;
}

static int is_test(const struct dirent *de)
{
	return has_suffix(de->d_name, ".test");
}

static int is_dump(const struct dirent *de)
{
	return has_suffix(de->d_name, ".tar.gz");
}

static void free_dirents(struct dirent **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/*
 * hwloc's machines: one per tarball that some test renders as a .console.
 * Its default-options test is the one compared; a test with --disallowed,
 * where present, gives the online view.
 */
static int find_hwloc(const char *data)
{
	_cleanup_free_ char *dir = path_join(data, "hwloc-linux");
	struct dirent **names;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	int found = scandir(dir, &names, is_test, alphasort);
	if (found < 0)
		return negative_errno();
	unsigned n = (unsigned)found;
	_cleanup_free_ hwloc_test *tests = calloc(n ? n : 1, sizeof(*tests));
	if (!tests) {
		free_dirents(names, found);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n && r >= 0; i++)
		r = read_hwloc_test(dir, names[i]->d_name, &tests[i]);
	free_dirents(names, found);
	if (r < 0)
		return r;

	for (unsigned i = 0; i < n; i++) {
		const hwloc_test *ti = &tests[i];
		if (!has_suffix(ti->target, ".console") || ti->options[0])
			continue;
		machine *m = add_machine();
		if (!m)
			return -ENOMEM;
		m->kind = PEER_HWLOC;
		m->name = strdup(ti->name);
		m->tarball = path_join(dir, ti->source);
		m->expected = path_join(dir, ti->target);
		if (!m->name || !m->tarball || !m->expected)
			return -ENOMEM;
		for (unsigned k = 0; k < n; k++)
			if (strcmp(tests[k].source, ti->source) == 0 &&
			    has_suffix(tests[k].target, ".console") &&
			    strstr(tests[k].options, "--disallowed")) {
				m->disallowed = path_join(dir, tests[k].target);
				if (!m->disallowed)
					return -ENOMEM;
			}
	}
	/*
	 * A tarball no default .console renders is compared with an XML of
	 * it, preferring one made without env: settings; the options those
	 * tests pass (--no-icaches, --whole-io) do not touch what is compared.
	 */
	for (unsigned i = 0; i < n; i++) {
		const hwloc_test *ti = &tests[i];
		bool taken = !has_suffix(ti->target, ".xml");
		for (unsigned k = 0; k < n && !taken; k++) {
			const hwloc_test *tk = &tests[k];
			if (k == i || strcmp(tk->source, ti->source) != 0)
				continue;
			if (!tk->options[0] && has_suffix(tk->target, ".console"))
				taken = true;
			else if (has_suffix(tk->target, ".xml") &&
				 (tk->has_env < ti->has_env ||
				  (tk->has_env == ti->has_env && k < i)))
				taken = true;
		}
		if (taken)
			continue;
		machine *m = add_machine();
		if (!m)
			return -ENOMEM;
		m->kind = PEER_HWLOC;
		m->name = strdup(ti->name);
		m->tarball = path_join(dir, ti->source);
		m->expected = path_join(dir, ti->target);
		if (!m->name || !m->tarball || !m->expected)
			return -ENOMEM;
	}
	return 0;
}

static int find_lscpu(const char *data)
{
	_cleanup_free_ char *dumps = path_join(data, "util-linux/lscpu/dumps");
	_cleanup_free_ char *expected = path_join(data, "util-linux/lscpu/expected");
	struct dirent **names;
	int r = 0;

	if (!dumps || !expected)
		return -ENOMEM;
	int n = scandir(dumps, &names, is_dump, alphasort);
	if (n < 0)
		return negative_errno();
	for (int i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *exp = NULL;
		const char *file = names[i]->d_name;
		char *name = strndup(file, strlen(file) - 7);

		if (!name || asprintf(&exp, "%s/lscpu-%s", expected, name) < 0) {
			free(name);
			r = -ENOMEM;
			break;
		}
		if (access(exp, F_OK) < 0) {
			fprintf(stderr, "note: %s has no expected output, skipped\n", name);
			free(name);
			continue;
		}
		machine *m = add_machine();
		if (!m) {
			free(name);
			r = -ENOMEM;
			break;
		}
		m->kind = PEER_LSCPU;
		m->name = name;
		m->tarball = path_join(dumps, file);
		m->expected = TAKE_PTR(exp);
		if (!m->tarball)
			r = -ENOMEM;
	}
	free_dirents(names, n);
	return r;
}

int main(void)
{
	const char *data = getenv("HK_PEER_DATA");
	const char *srcdir = getenv("HK_SRCDIR");
	char known_path[PATH_MAX];
	struct stat st;
	unsigned agree = 0, unexplained = 0, known_diffs = 0;
	int r, ret = 0;

	if (!data || !*data)
		SKIP_PEER("HK_PEER_DATA is not set");
	if (stat(data, &st) < 0 || !S_ISDIR(st.st_mode))
		SKIP_PEER("no peer corpus at %s", data);

	snprintf(known_path, sizeof(known_path), "%s/tests/peer/known-differences.txt",
		 srcdir && *srcdir ? srcdir : ".");
	r = load_known(known_path);
	if (r < 0) {
		fprintf(stderr, "cannot read %s: %s\n", known_path, strerror(-r));
		ret = 1;
		goto done;
	}
	r = find_hwloc(data);
	if (r >= 0)
		r = find_lscpu(data);
	if (r < 0) {
		fprintf(stderr, "cannot list the corpus in %s: %s\n", data, strerror(-r));
		ret = 1;
		goto done;
	}
	if (n_machines == 0)
		SKIP_PEER("no machine in %s", data);

	for (unsigned i = 0; i < n_machines; i++) {
		report rep = {.machine = machines[i].name};

		r = run_machine(&rep, &machines[i]);
		if (r < 0 && !rep.n_unknown)
			diff(&rep, "error", "%s", strerror(-r));
		if (hk_strbuf_error(&rep.text)) {
			fprintf(stderr, "out of memory\n");
			hk_strbuf_done(&rep.text);
			ret = 1;
			goto done;
		}
		if (rep.n_known + rep.n_unknown == 0) {
			printf("ok   %s\n", rep.machine);
			agree++;
		} else {
			printf("DIFF %s: %s\n", rep.machine, hk_strbuf_str(&rep.text));
		}
		unexplained += rep.n_unknown;
		known_diffs += rep.n_known;
		hk_strbuf_done(&rep.text);
	}

	/* A listed difference that did not show is stale: the list must say what is. */
	for (unsigned i = 0; i < n_knowns; i++)
		if (!knowns[i].seen) {
			printf("STALE %s %s: listed in known-differences.txt but not seen\n",
			       knowns[i].machine, knowns[i].field);
			ret = 1;
		}
	printf("%u known differences, %u unexplained\n", known_diffs, unexplained);
	printf("%u/%u machines agree\n", agree, n_machines);
	if (unexplained)
		ret = 1;
done:
	free_machines();
	free_known();
	return ret;
}
