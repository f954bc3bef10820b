/* SPDX-License-Identifier: MIT */
/*
 * Interrupts: /proc/interrupts (kernel/irq/proc.c show_interrupts() and the
 * architectures' arch_show_interrupts()), /proc/irq/N/, the default
 * affinity, irqbalance, and the IRQs of a network device's queues.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hostkit/irq.h>

#include "base/macro.h"
#include "base/parse.h"
#include "host/irq.h"

struct hk_irq {
	int number; /* -1 for a named row */
	char *label;
	uint64_t *counts;
	unsigned n_counts;
	bool single;
	char *chip;
	char *trigger;
	char *flow;
	char *name;
	int64_t hwirq;
	char **actions;
	size_t n_actions;

	/* proc/irq/N/ */
	bool loaded;
	int set_status[_HK_IRQ_SET_MAX];
	hk_cpuset *sets[_HK_IRQ_SET_MAX];
	int node_status;
	int node;
	int dir_status;
	char **dir_actions;
	size_t n_dir_actions;
};

struct hk_irq_table {
	unsigned *columns;
	unsigned n_columns;
	hk_irq *irqs;
	size_t n_irqs;
	hk_irq *other;
	size_t n_other;
	hk_cpuset *default_affinity;
	int default_status;
	int irqbalance;
	int irqbalance_pid;
	int banned_status;
	hk_cpuset *banned;
	/* The /proc/irq files that were present but did not parse. */
	char **problems;
	size_t n_problems;
};

struct map_entry {
	unsigned number;
	int queue;
	hk_irq_kind kind;
	const char *name;
	const char *family;
	const hk_irq *irq;
};

struct hk_irq_map {
	struct map_entry *e;
	size_t n;
};

static const char *const set_file[_HK_IRQ_SET_MAX] = {
    [HK_IRQ_SMP_AFFINITY] = "smp_affinity",
    [HK_IRQ_SMP_AFFINITY_LIST] = "smp_affinity_list",
    [HK_IRQ_EFFECTIVE_AFFINITY] = "effective_affinity",
    [HK_IRQ_EFFECTIVE_AFFINITY_LIST] = "effective_affinity_list",
    [HK_IRQ_AFFINITY_HINT] = "affinity_hint",
};

static const bool set_is_list[_HK_IRQ_SET_MAX] = {
    [HK_IRQ_SMP_AFFINITY_LIST] = true,
    [HK_IRQ_EFFECTIVE_AFFINITY_LIST] = true,
};

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void irq_done(hk_irq *irq)
{
	free(irq->label);
	free(irq->counts);
	free(irq->chip);
	free(irq->trigger);
	free(irq->flow);
	free(irq->name);
	strv_free(irq->actions, irq->n_actions);
	for (unsigned s = 0; s < _HK_IRQ_SET_MAX; s++)
		hk_cpuset_free(irq->sets[s]);
	strv_free(irq->dir_actions, irq->n_dir_actions);
}

void hk_irq_table_free(hk_irq_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_irqs; i++)
		irq_done(&t->irqs[i]);
	free(t->irqs);
	for (size_t i = 0; i < t->n_other; i++)
		irq_done(&t->other[i]);
	free(t->other);
	free(t->columns);
	hk_cpuset_free(t->default_affinity);
	hk_cpuset_free(t->banned);
	strv_free(t->problems, t->n_problems);
	free(t);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_table *, hk_irq_table_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)

/* ------------------------------------------------------------------------ */
/* /proc/interrupts */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The next blank-separated token of [*p, end): false at the end. */
static bool next_token(const char **p, const char *end, const char **ret_tok, size_t *ret_len)
{
	const char *s = *p;

	while (s < end && is_blank(*s))
		s++;
	if (s == end)
		return false;
	const char *e = s;
	while (e < end && !is_blank(*e))
		e++;
	*ret_tok = s;
	*ret_len = (size_t)(e - s);
	*p = e;
	return true;
}

static int set_str(char **dst, const char *s, size_t n)
{
	*dst = strndup(s, n);
	return *dst ? 0 : -ENOMEM;
}

/* Quotes at most 64 bytes of a line for a message. */
#define LINE_FMT	 "'%.*s'"
#define LINE_ARG(s, len) (int)MIN((len), (size_t)64), (s)

/* Flow handler names that kernels before 3.x joined to the chip ("IR-PCI-MSI-edge"). */
static const char *const old_flows[] = {
    "edge", "level", "fasteoi", "simple", "percpu", "percpu_devid", "bad", "XT",
};

static bool is_old_flow(const char *s, size_t n)
{
	for (size_t i = 0; i < ELEMENTSOF(old_flows); i++)
		if (strlen(old_flows[i]) == n && memcmp(old_flows[i], s, n) == 0)
			return true;
	return false;
}

static bool is_level_word(const char *s, size_t n)
{
	return (n == 5 && memcmp(s, "Level", 5) == 0) || (n == 4 && memcmp(s, "Edge", 4) == 0);
}

/* Splits the actions at ", " (request_irq names are joined with it). */
static int split_actions(hk_irq *irq)
{
	const char *s = irq->name;
	size_t n = 0, cap = 0;

	if (!*s)
		return 0;
	for (;;) {
		const char *sep = strstr(s, ", ");
		size_t len = sep ? (size_t)(sep - s) : strlen(s);
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 2;
			char **v = realloc(irq->actions, ncap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			irq->actions = v;
			cap = ncap;
		}
		irq->actions[n] = strndup(s, len);
		if (!irq->actions[n])
			return -ENOMEM;
		irq->n_actions = ++n;
		if (!sep)
			return 0;
		s = sep + 2;
	}
}

/*
 * The tail of a numbered row, after the counts:
 *   x86     " IO-APIC   2-edge      timer"   chip, hwirq-flow, actions
 *   arm64   " GICv3  27 Level     arch_timer" chip, hwirq, Level/Edge, actions
 *   no dom. " IO-APIC    -edge     timer"     chip, -flow, actions
 *   < 3.x   " IR-PCI-MSI-edge      eth0"      chip-flow, actions
 */
static int parse_tail(hk_irq *irq, const char *p, const char *end)
{
	const char *tok, *save;
	size_t len;
	int r;

	irq->hwirq = -ENODATA;
	if (!next_token(&p, end, &tok, &len))
		return set_str(&irq->name, "", 0);
	const char *chip = tok;
	size_t chip_len = len;

	save = p;
	if (next_token(&p, end, &tok, &len)) {
		const char *dash = memchr(tok, '-', len);
		size_t num_len = dash ? (size_t)(dash - tok) : len;
		bool consumed = true;

		if (num_len > 0 && all_digits(tok, num_len)) {
			uint64_t v;
			if (hk_parse_u64(tok, num_len, 10, &v) == 0 && v <= INT64_MAX)
				irq->hwirq = (int64_t)v;
			if (dash && (r = set_str(&irq->flow, dash + 1, len - num_len - 1)) < 0)
				return r;
		} else if (dash == tok && len > 1) {
			r = set_str(&irq->flow, tok + 1, len - 1);
			if (r < 0)
				return r;
		} else if (is_level_word(tok, len)) {
			r = set_str(&irq->trigger, tok, len);
			if (r < 0)
				return r;
		} else {
			consumed = false;
		}
		if (!consumed) {
			p = save;
			const char *d = NULL;
			for (size_t i = chip_len; i > 1; i--)
				if (chip[i - 1] == '-') {
					d = chip + i - 1;
					break;
				}
			if (d && is_old_flow(d + 1, (size_t)(chip + chip_len - d - 1))) {
				r = set_str(&irq->flow, d + 1, (size_t)(chip + chip_len - d - 1));
				if (r < 0)
					return r;
				chip_len = (size_t)(d - chip);
			}
		} else if (irq->hwirq >= 0 && !irq->flow) {
			/* arm64: "27 Level", perhaps followed by "-flow". */
			save = p;
			if (next_token(&p, end, &tok, &len) && is_level_word(tok, len)) {
				r = set_str(&irq->trigger, tok, len);
				if (r < 0)
					return r;
				save = p;
			} else {
				p = save;
			}
		}
		if (irq->trigger && !irq->flow) {
			save = p;
			if (next_token(&p, end, &tok, &len) && len > 1 && tok[0] == '-') {
				r = set_str(&irq->flow, tok + 1, len - 1);
				if (r < 0)
					return r;
			} else {
				p = save;
			}
		}
	}
	r = set_str(&irq->chip, chip, chip_len);
	if (r < 0)
		return r;
	if (!irq->trigger && irq->flow &&
	    (r = set_str(&irq->trigger, irq->flow, strlen(irq->flow))) < 0)
		return r;

	const char *name = p;
	size_t name_len = (size_t)(end - p);
	hk_trim(&name, &name_len);
	r = set_str(&irq->name, name, name_len);
	if (r < 0)
		return r;
	return split_actions(irq);
}

/* Grows *v to hold at least @n + 1 items of @size bytes. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	memset((char *)nv + *cap * size, 0, (ncap - *cap) * size);
	*v = nv;
	*cap = ncap;
	return 0;
}

static int bad_line(hk_diag *diag, const char *path, unsigned line, const char *what, const char *s,
		    size_t len)
{
	int r = hk_diag_set(diag, -EINVAL, path, "%s:%u: %s: " LINE_FMT, path, line, what,
			    LINE_ARG(s, len));
	if (diag)
		diag->line = line;
	return r;
}

static int parse_header(hk_irq_table *t, const char *s, const char *end, const char *path,
			unsigned line, hk_diag *diag)
{
	_cleanup_(hk_cpuset_freep) hk_cpuset *seen = hk_cpuset_new();
	const char *tok;
	size_t len, cap = 0;
	int r;

	if (!seen)
		return -ENOMEM;
	while (next_token(&s, end, &tok, &len)) {
		unsigned cpu;
		if (len < 4 || memcmp(tok, "CPU", 3) != 0 ||
		    hk_parse_unsigned_range(tok + 3, len - 3, 0, HK_CPU_MAX - 1, &cpu) < 0)
			return bad_line(diag, path, line, "expected a CPU header column", tok, len);
		if (hk_cpuset_test(seen, cpu))
			return bad_line(diag, path, line, "CPU appears twice in the header", tok,
					len);
		r = hk_cpuset_add(seen, cpu);
		if (r < 0)
			return r;
		void *v = t->columns;
		r = grow(&v, &cap, t->n_columns, sizeof(unsigned));
		if (r < 0)
			return r;
		t->columns = v;
		t->columns[t->n_columns++] = cpu;
	}
	if (t->n_columns == 0)
		return bad_line(diag, path, line, "the CPU header names no CPU", s, 0);
	return 0;
}

static int parse_row(hk_irq_table *t, hk_irq *irq, const char *s, const char *end, const char *path,
		     unsigned line, hk_diag *diag)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	const char *label = s, *tok;
	size_t label_len, len;
	int r;

	if (!colon)
		return bad_line(diag, path, line, "no label", s, (size_t)(end - s));
	label_len = (size_t)(colon - s);
	hk_trim(&label, &label_len);
	if (label_len == 0 || memchr(label, ' ', label_len) || memchr(label, '\t', label_len))
		return bad_line(diag, path, line, "bad label", s, (size_t)(end - s));

	irq->number = -1;
	irq->node = -1;
	irq->node_status = irq->dir_status = -ENODATA;
	for (unsigned k = 0; k < _HK_IRQ_SET_MAX; k++)
		irq->set_status[k] = -ENODATA;
	if (all_digits(label, label_len)) {
		unsigned n;
		if (hk_parse_unsigned_range(label, label_len, 0, INT_MAX, &n) < 0)
			return bad_line(diag, path, line, "IRQ number out of range", s,
					(size_t)(end - s));
		irq->number = (int)n;
	}
	r = set_str(&irq->label, label, label_len);
	if (r < 0)
		return r;
	irq->counts = calloc(t->n_columns, sizeof(uint64_t));
	if (!irq->counts)
		return -ENOMEM;

	const char *p = colon + 1, *save;
	unsigned n = 0;
	for (;;) {
		save = p;
		if (n == t->n_columns || !next_token(&p, end, &tok, &len) ||
		    !all_digits(tok, len)) {
			p = save;
			break;
		}
		if (hk_parse_u64(tok, len, 10, &irq->counts[n]) < 0)
			return bad_line(diag, path, line, "count out of range", tok, len);
		n++;
	}
	irq->n_counts = n;
	if (irq->number >= 0) {
		if (n != t->n_columns)
			return bad_line(diag, path, line, "fewer counts than the header has CPUs",
					s, (size_t)(end - s));
		return parse_tail(irq, p, end);
	}
	if (n == 0)
		return bad_line(diag, path, line, "a named row without a count", s,
				(size_t)(end - s));
	if (n != t->n_columns) {
		if (n != 1)
			return bad_line(diag, path, line, "fewer counts than the header has CPUs",
					s, (size_t)(end - s));
		irq->single = true;
	}
	const char *desc = p;
	size_t desc_len = (size_t)(end - p);
	hk_trim(&desc, &desc_len);
	return set_str(&irq->name, desc, desc_len);
}

static hk_irq_table *table_new(void)
{
	hk_irq_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->default_status = -ENODATA;
	t->irqbalance = -ENODATA;
	t->irqbalance_pid = -ENOENT;
	t->banned_status = -ENODATA;
	return t;
}

int hk_parse_interrupts(const char *buf, size_t len, const char *path, hk_diag *diag,
			hk_irq_table **ret)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = table_new();
	const char *p = buf, *end = buf + len;
	size_t cap_irqs = 0, cap_other = 0;
	unsigned line = 0;
	bool header = false;
	int r;

	if (!t)
		return -ENOMEM;
	if (!path)
		path = "interrupts";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p;
		size_t l = (size_t)(le - p);

		line++;
		p = nl ? nl + 1 : end;
		hk_trim(&s, &l);
		if (l == 0)
			continue;
		if (memchr(s, '\0', l))
			return bad_line(diag, path, line, "NUL byte", s, l);
		if (!header) {
			r = parse_header(t, s, s + l, path, line, diag);
			if (r < 0)
				return r;
			header = true;
			continue;
		}
		const char *colon = memchr(s, ':', l);
		const char *lab = s;
		size_t lab_len = colon ? (size_t)(colon - s) : l;
		hk_trim(&lab, &lab_len);
		bool numbered = all_digits(lab, lab_len);
		void *v = numbered ? (void *)t->irqs : (void *)t->other;
		size_t *n = numbered ? &t->n_irqs : &t->n_other;
		r = grow(&v, numbered ? &cap_irqs : &cap_other, *n, sizeof(hk_irq));
		if (r < 0)
			return r;
		if (numbered)
			t->irqs = v;
		else
			t->other = v;
		hk_irq *irq = (numbered ? t->irqs : t->other) + *n;
		(*n)++; /* counted first, so a failure frees what it holds */
		r = parse_row(t, irq, s, s + l, path, line, diag);
		if (r < 0)
			return r;
	}
	if (!header)
		return hk_diag_set(diag, -EINVAL, path, "%s: no CPU header line", path);
	*ret = TAKE_PTR(t);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* /proc/irq */

/* Reads a small file, or a large one whole (a list of 8192 CPUs). */
static int read_small(hk_root *root, const char *path, char *buf, size_t size, char **ret_heap,
		      size_t *ret_len)
{
	int r = hk_root_read_buf(root, path, buf, size);
	if (r >= 0) {
		*ret_heap = NULL;
		*ret_len = (size_t)r;
		return 0;
	}
	if (r != -EFBIG)
		return r;
	return hk_root_read(root, path, ret_heap, ret_len);
}

/*
 * Records a file that is present but does not parse, with a message that
 * names it and its text. Returns -EBADMSG (the item's status), or -ENOMEM.
 */
static int add_problem(hk_irq_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_problem(hk_irq_table *t, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	int k = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -ENOMEM;
	char **v = reallocarray(t->problems, t->n_problems + 1, sizeof(*v));
	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	t->problems = v;
	v[t->n_problems++] = msg;
	return -EBADMSG;
}

/*
 * Reads CPU set file @path into *@ret. A malformed file is -EBADMSG (as
 * opposed to a read that failed), recorded in @t's problems.
 */
static int read_set(hk_irq_table *t, hk_root *root, const char *path, bool list, hk_cpuset **ret)
{
	char buf[4096];
	_cleanup_free_ char *heap = NULL;
	size_t len;

	int r = read_small(root, path, buf, sizeof(buf), &heap, &len);
	if (r < 0)
		return r;
	const char *s = heap ? heap : buf;
	_cleanup_(hk_cpuset_freep) hk_cpuset *set = hk_cpuset_new();
	if (!set)
		return -ENOMEM;
	/* A list of a captured or empty file ends at a NUL, as the root's readers have it. */
	const char *nul = memchr(s, '\0', len);
	if (nul)
		len = (size_t)(nul - s);
	r = list ? hk_cpuset_parse_list(set, s, len) : hk_cpuset_parse_mask(set, s, len);
	if (r == -EINVAL || r == -ERANGE) {
		const char *v = s;
		size_t vl = len;
		hk_trim(&v, &vl);
		return add_problem(t, "cannot parse CPU %s " LINE_FMT " in %s",
				   list ? "list" : "mask", LINE_ARG(v, vl), path);
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(set);
	return 0;
}

/*
 * True for a read error that says "this item cannot be read", not a failure
 * of the load; -EBADMSG is an item that reads but does not parse.
 */
static bool is_item_error(int r)
{
	return r == -ENOENT || r == -EIO || r == -EACCES || r == -EPERM || r == -ENOTDIR ||
	       r == -EINVAL || r == -EOPNOTSUPP || r == -ENODEV || r == -EBADMSG;
}

static int read_failed(hk_diag *diag, int r, const char *path)
{
	return hk_diag_set(diag, r, path, "cannot read %s: %s", path, strerror(-r));
}

static bool is_irq_file(const char *name)
{
	for (unsigned s = 0; s < _HK_IRQ_SET_MAX; s++)
		if (strcmp(name, set_file[s]) == 0)
			return true;
	return strcmp(name, "node") == 0 || strcmp(name, "spurious") == 0;
}

static int read_dir_actions(hk_root *root, const char *dir, hk_irq *irq)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t cap = 0;

	int r = hk_root_opendir(root, dir, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || is_irq_file(de->d_name))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
			continue;
		void *v = irq->dir_actions;
		r = grow(&v, &cap, irq->n_dir_actions, sizeof(char *));
		if (r < 0)
			return r;
		irq->dir_actions = v;
		irq->dir_actions[irq->n_dir_actions] = strdup(de->d_name);
		if (!irq->dir_actions[irq->n_dir_actions])
			return -ENOMEM;
		irq->n_dir_actions++;
	}
	/* readdir order is the filesystem's; sort for stable output. */
	for (size_t i = 1; i < irq->n_dir_actions; i++)
		for (size_t j = i;
		     j > 0 && strcmp(irq->dir_actions[j - 1], irq->dir_actions[j]) > 0; j--) {
			char *tmp = irq->dir_actions[j];
			irq->dir_actions[j] = irq->dir_actions[j - 1];
			irq->dir_actions[j - 1] = tmp;
		}
	return 0;
}

static int load_irq_dir(hk_irq_table *t, hk_irq *irq, hk_root *root, hk_diag *diag)
{
	char dir[64], path[96];
	int r;

	if (irq->loaded || irq->number < 0)
		return 0;
	snprintf(dir, sizeof(dir), "proc/irq/%d", irq->number);
	for (unsigned s = 0; s < _HK_IRQ_SET_MAX; s++) {
		snprintf(path, sizeof(path), "%s/%s", dir, set_file[s]);
		hk_cpuset *set = NULL;
		r = read_set(t, root, path, set_is_list[s], &set);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && !is_item_error(r))
			return read_failed(diag, r, path);
		irq->set_status[s] = r < 0 ? r : 0;
		irq->sets[s] = set;
	}

	char buf[64];
	const char *v = buf;
	snprintf(path, sizeof(path), "%s/node", dir);
	r = hk_root_read_buf(root, path, buf, sizeof(buf));
	if (r >= 0) {
		size_t len = (size_t)r;
		int node;
		hk_trim(&v, &len);
		if (hk_parse_int(v, len, &node) < 0 || node < -1) {
			r = add_problem(t, "cannot parse node " LINE_FMT " in %s", LINE_ARG(v, len),
					path);
			if (r == -ENOMEM)
				return r;
			irq->node_status = r;
		} else {
			irq->node = node;
			irq->node_status = 0;
		}
	} else if (r == -EFBIG) {
		/* No node number is that long: quote its start. */
		buf[sizeof(buf) - 1] = 0;
		size_t len = strlen(buf);
		hk_trim(&v, &len);
		r = add_problem(t, "cannot parse node " LINE_FMT " in %s", LINE_ARG(v, len), path);
		if (r == -ENOMEM)
			return r;
		irq->node_status = r;
	} else if (is_item_error(r)) {
		irq->node_status = r;
	} else {
		return read_failed(diag, r, path);
	}

	r = read_dir_actions(root, dir, irq);
	if (r == -ENOMEM)
		return r;
	irq->dir_status = r < 0 ? r : 0;
	irq->loaded = true;
	return 0;
}

int hk_irq_table_load_irq(hk_irq_table *t, hk_root *root, unsigned number, hk_diag *diag)
{
	hk_irq *irq = (hk_irq *)hk_irq_table_find(t, number);
	if (!irq)
		return -ENOENT;
	if (diag)
		hk_diag_clear(diag);
	return load_irq_dir(t, irq, root, diag);
}

/* ------------------------------------------------------------------------ */
/* irqbalance */

/* The value of variable @name in a NUL-separated environ, or NULL. */
static const char *environ_get(const char *buf, size_t len, const char *name, size_t *ret_len)
{
	size_t n = strlen(name);
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *e = nul ? nul : end;
		if ((size_t)(e - p) > n && memcmp(p, name, n) == 0 && p[n] == '=') {
			*ret_len = (size_t)(e - p - n - 1);
			return p + n + 1;
		}
		p = nul ? nul + 1 : end;
	}
	return NULL;
}

static void read_banned(hk_irq_table *t, hk_root *root, int pid)
{
	char path[64];
	_cleanup_free_ char *env = NULL;
	size_t len, vlen;
	const char *v;
	bool list = false;

	snprintf(path, sizeof(path), "proc/%d/environ", pid);
	int r = hk_root_read(root, path, &env, &len);
	if (r < 0) {
		t->banned_status = r;
		return;
	}
	/* irqbalance 1.8 added the list form and prefers it; the mask is the old one. */
	v = environ_get(env, len, "IRQBALANCE_BANNED_CPULIST", &vlen);
	if (v)
		list = true;
	else
		v = environ_get(env, len, "IRQBALANCE_BANNED_CPUS", &vlen);
	if (!v) {
		t->banned_status = -ENODATA;
		return;
	}
	hk_cpuset *set = hk_cpuset_new();
	if (!set) {
		t->banned_status = -ENOMEM;
		return;
	}
	r = list ? hk_cpuset_parse_list(set, v, vlen) : hk_cpuset_parse_mask(set, v, vlen);
	if (r < 0) {
		hk_cpuset_free(set);
		t->banned_status = r == -ENOMEM ? r : -EINVAL;
		return;
	}
	t->banned = set;
	t->banned_status = 0;
}

static int find_irqbalance(hk_irq_table *t, hk_root *root)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char path[64], comm[64];

	int r = hk_root_opendir(root, "proc", &d);
	if (r < 0)
		return r;
	t->irqbalance = 0;
	while ((de = readdir(d))) {
		unsigned pid;
		if (hk_parse_unsigned_range(de->d_name, strlen(de->d_name), 1, INT_MAX, &pid) < 0)
			continue;
		snprintf(path, sizeof(path), "proc/%u/comm", pid);
		r = hk_root_read_buf(root, path, comm, sizeof(comm));
		if (r < 0)
			continue; /* exited, or unreadable */
		if (strcmp(comm, "irqbalance\n") != 0 && strcmp(comm, "irqbalance") != 0)
			continue;
		t->irqbalance = 1;
		t->irqbalance_pid = (int)pid;
		read_banned(t, root, (int)pid);
		break;
	}
	return 0;
}

int hk_irq_table_load(hk_root *root, unsigned flags, hk_diag *diag, hk_irq_table **ret)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (flags & ~(unsigned)(HK_IRQ_LOAD_LAZY | HK_IRQ_LOAD_NO_IRQBALANCE))
		return hk_diag_set(diag, -EINVAL, "", "unknown flags 0x%x", flags);
	r = hk_root_read(root, "proc/interrupts", &buf, &len);
	if (r < 0)
		return hk_diag_set(diag, r, "proc/interrupts", "cannot read %s/proc/interrupts: %s",
				   hk_root_path(root), strerror(-r));
	r = hk_parse_interrupts(buf, len, "proc/interrupts", diag, &t);
	if (r < 0)
		return r;

	if (!(flags & HK_IRQ_LOAD_LAZY))
		for (size_t i = 0; i < t->n_irqs; i++) {
			r = load_irq_dir(t, &t->irqs[i], root, diag);
			if (r < 0)
				return r;
		}

	_cleanup_(hk_cpuset_freep) hk_cpuset *def = NULL;
	r = read_set(t, root, "proc/irq/default_smp_affinity", false, &def);
	if (r == -ENOMEM)
		return r;
	if (r < 0 && !is_item_error(r))
		return read_failed(diag, r, "proc/irq/default_smp_affinity");
	t->default_status = r < 0 ? r : 0;
	t->default_affinity = TAKE_PTR(def);

	if (!(flags & HK_IRQ_LOAD_NO_IRQBALANCE)) {
		r = find_irqbalance(t, root);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			t->irqbalance = r;
	}
	*ret = TAKE_PTR(t);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Accessors */

unsigned hk_irq_table_n_columns(const hk_irq_table *t)
{
	return t->n_columns;
}

int hk_irq_table_column_cpu(const hk_irq_table *t, unsigned col)
{
	return col < t->n_columns ? (int)t->columns[col] : -ERANGE;
}

size_t hk_irq_table_n_irqs(const hk_irq_table *t)
{
	return t->n_irqs;
}

const hk_irq *hk_irq_table_irq(const hk_irq_table *t, size_t i)
{
	return i < t->n_irqs ? &t->irqs[i] : NULL;
}

const hk_irq *hk_irq_table_find(const hk_irq_table *t, unsigned number)
{
	/* Rows come in increasing order: bisect, then scan should a file not be sorted. */
	size_t lo = 0, hi = t->n_irqs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((unsigned)t->irqs[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n_irqs && (unsigned)t->irqs[lo].number == number)
		return &t->irqs[lo];
	for (size_t i = 0; i < t->n_irqs; i++)
		if ((unsigned)t->irqs[i].number == number)
			return &t->irqs[i];
	return NULL;
}

size_t hk_irq_table_n_other(const hk_irq_table *t)
{
	return t->n_other;
}

const hk_irq *hk_irq_table_other(const hk_irq_table *t, size_t i)
{
	return i < t->n_other ? &t->other[i] : NULL;
}

const hk_cpuset *hk_irq_table_default_affinity(const hk_irq_table *t)
{
	return t->default_affinity;
}

int hk_irq_table_default_affinity_status(const hk_irq_table *t)
{
	return t->default_status;
}

size_t hk_irq_table_n_problems(const hk_irq_table *t)
{
	return t->n_problems;
}

const char *hk_irq_table_problem(const hk_irq_table *t, size_t i)
{
	return i < t->n_problems ? t->problems[i] : NULL;
}

int hk_irq_table_irqbalance(const hk_irq_table *t)
{
	return t->irqbalance;
}

int hk_irq_table_irqbalance_pid(const hk_irq_table *t)
{
	return t->irqbalance_pid;
}

int hk_irq_table_irqbalance_banned(const hk_irq_table *t, const hk_cpuset **ret_set)
{
	if (t->banned_status < 0)
		return t->banned_status;
	*ret_set = t->banned;
	return 0;
}

int hk_irq_number(const hk_irq *irq)
{
	return irq->number;
}

const char *hk_irq_label(const hk_irq *irq)
{
	return irq->label;
}

bool hk_irq_is_single(const hk_irq *irq)
{
	return irq->single;
}

uint64_t hk_irq_count(const hk_irq *irq, unsigned col)
{
	return col < irq->n_counts ? irq->counts[col] : 0;
}

unsigned hk_irq_n_counts(const hk_irq *irq)
{
	return irq->n_counts;
}

uint64_t hk_irq_total(const hk_irq *irq)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < irq->n_counts; i++)
		sum += irq->counts[i];
	return sum;
}

const char *hk_irq_chip(const hk_irq *irq)
{
	return irq->chip;
}

int64_t hk_irq_hwirq(const hk_irq *irq)
{
	return irq->number >= 0 ? irq->hwirq : -ENODATA;
}

const char *hk_irq_trigger(const hk_irq *irq)
{
	return irq->trigger;
}

const char *hk_irq_flow(const hk_irq *irq)
{
	return irq->flow;
}

const char *hk_irq_name(const hk_irq *irq)
{
	return irq->name ? irq->name : "";
}

size_t hk_irq_n_actions(const hk_irq *irq)
{
	return irq->n_actions;
}

const char *hk_irq_action(const hk_irq *irq, size_t i)
{
	return i < irq->n_actions ? irq->actions[i] : NULL;
}

const char *hk_irq_set_name(hk_irq_set s)
{
	return (unsigned)s < _HK_IRQ_SET_MAX ? set_file[s] : NULL;
}

int hk_irq_get_set(const hk_irq *irq, hk_irq_set s, const hk_cpuset **ret)
{
	if ((unsigned)s >= _HK_IRQ_SET_MAX)
		return -EINVAL;
	if (irq->set_status[s] < 0)
		return irq->set_status[s];
	*ret = irq->sets[s];
	return 0;
}

const hk_cpuset *hk_irq_affinity(const hk_irq *irq)
{
	return irq->sets[HK_IRQ_SMP_AFFINITY_LIST] ? irq->sets[HK_IRQ_SMP_AFFINITY_LIST]
						   : irq->sets[HK_IRQ_SMP_AFFINITY];
}

const hk_cpuset *hk_irq_effective_affinity(const hk_irq *irq)
{
	return irq->sets[HK_IRQ_EFFECTIVE_AFFINITY_LIST] ? irq->sets[HK_IRQ_EFFECTIVE_AFFINITY_LIST]
							 : irq->sets[HK_IRQ_EFFECTIVE_AFFINITY];
}

int hk_irq_get_node(const hk_irq *irq, int *ret)
{
	if (irq->node_status < 0)
		return irq->node_status;
	*ret = irq->node;
	return 0;
}

int hk_irq_get_dir_actions(const hk_irq *irq, const char *const **ret_names)
{
	if (irq->dir_status < 0)
		return irq->dir_status;
	*ret_names = (const char *const *)irq->dir_actions;
	return (int)MIN(irq->n_dir_actions, (size_t)INT_MAX);
}

/* ------------------------------------------------------------------------ */
/* A device's IRQs */

static const char *const kind_name[_HK_IRQ_KIND_MAX] = {
    [HK_IRQ_KIND_UNKNOWN] = "unknown", [HK_IRQ_KIND_RX] = "rx",	      [HK_IRQ_KIND_TX] = "tx",
    [HK_IRQ_KIND_TXRX] = "txrx",       [HK_IRQ_KIND_BLOCK] = "block", [HK_IRQ_KIND_OTHER] = "other",
};

const char *hk_irq_kind_name(hk_irq_kind k)
{
	return (unsigned)k < _HK_IRQ_KIND_MAX ? kind_name[k] : NULL;
}

void hk_irq_map_free(hk_irq_map *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_map *, hk_irq_map_free)

/* Classifies @irq's actions; true when one matched. */
static bool classify_irq(const hk_irq_ident *id, const hk_irq *irq, struct map_entry *e)
{
	for (size_t a = 0; a < irq->n_actions; a++)
		if (hk_irq_name_classify(id, irq->actions[a], &e->queue, &e->kind, &e->family)) {
			e->name = irq->actions[a];
			return true;
		}
	return false;
}

/* True when the chip names the PCI function: "PCI-MSIX-0000:00:03.0", "IR-PCI-MSI-0000:...". */
static bool chip_names_pci(const hk_irq *irq, const char *pci)
{
	if (!pci || !irq->chip)
		return false;
	size_t n = strlen(irq->chip), m = strlen(pci);
	return n > m && irq->chip[n - m - 1] == '-' && strcmp(irq->chip + n - m, pci) == 0;
}

static int add_entry(hk_irq_map *m, size_t *cap, const struct map_entry *e)
{
	void *v = m->e;
	int r = grow(&v, cap, m->n, sizeof(*m->e));
	if (r < 0)
		return r;
	m->e = v;
	m->e[m->n++] = *e;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct map_entry *x = a, *y = b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	/* Of two entries for one IRQ (msi_irqs listed twice, a row given twice), the classified
	 * first. */
	return (x->kind == HK_IRQ_KIND_UNKNOWN) - (y->kind == HK_IRQ_KIND_UNKNOWN);
}

/* Sorts by IRQ number and keeps one entry per IRQ. */
static void sort_unique(hk_irq_map *m)
{
	size_t k = 0;

	if (m->n < 2)
		return;
	qsort(m->e, m->n, sizeof(*m->e), cmp_entry);
	for (size_t i = 1; i < m->n; i++)
		if (m->e[i].number != m->e[k].number)
			m->e[++k] = m->e[i];
	m->n = k + 1;
}

int hk_irq_map_device(const hk_irq_table *t, const char *ifname, const char *driver,
		      const char *pci_address, const char *virtio_name, const unsigned *msi_irqs,
		      size_t n_msi, hk_irq_map **ret)
{
	_cleanup_(hk_irq_map_freep) hk_irq_map *m = NULL;
	size_t cap = 0;
	int r;

	if (!ifname || !*ifname || (n_msi && !msi_irqs))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;

	hk_irq_ident id = {
	    .ifname = ifname,
	    .driver = driver,
	    .pci = pci_address && *pci_address ? pci_address : NULL,
	    .virtio = virtio_name && *virtio_name ? virtio_name : NULL,
	};

	if (n_msi > 0) {
		id.loose = true;
		for (size_t i = 0; i < n_msi; i++) {
			struct map_entry e = {.number = msi_irqs[i], .queue = -1, .name = ""};
			e.irq = hk_irq_table_find(t, msi_irqs[i]);
			if (e.irq)
				classify_irq(&id, e.irq, &e);
			r = add_entry(m, &cap, &e);
			if (r < 0)
				return r;
		}
	} else {
		for (size_t i = 0; i < t->n_irqs; i++) {
			const hk_irq *irq = &t->irqs[i];
			struct map_entry e = {
			    .number = (unsigned)irq->number, .queue = -1, .name = ""};
			e.irq = irq;
			bool mine = classify_irq(&id, irq, &e);
			if (!mine && chip_names_pci(irq, id.pci)) {
				hk_irq_ident loose = id;
				loose.loose = true;
				classify_irq(&loose, irq, &e);
				mine = true;
			}
			if (!mine)
				continue;
			r = add_entry(m, &cap, &e);
			if (r < 0)
				return r;
		}
	}
	sort_unique(m);
	*ret = TAKE_PTR(m);
	return 0;
}

size_t hk_irq_map_count(const hk_irq_map *m)
{
	return m->n;
}

unsigned hk_irq_map_number(const hk_irq_map *m, size_t i)
{
	return i < m->n ? m->e[i].number : 0;
}

int hk_irq_map_queue(const hk_irq_map *m, size_t i)
{
	return i < m->n ? m->e[i].queue : -1;
}

hk_irq_kind hk_irq_map_kind(const hk_irq_map *m, size_t i)
{
	return i < m->n ? m->e[i].kind : HK_IRQ_KIND_UNKNOWN;
}

const char *hk_irq_map_name(const hk_irq_map *m, size_t i)
{
	return i < m->n ? m->e[i].name : "";
}

const hk_irq *hk_irq_map_irq(const hk_irq_map *m, size_t i)
{
	return i < m->n ? m->e[i].irq : NULL;
}

const char *hk_irq_map_family(const hk_irq_map *m, size_t i)
{
	return i < m->n ? m->e[i].family : NULL;
}
