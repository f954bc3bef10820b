/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"

#include <hostkit/cpuset.h>

#include "base/parse.h"

#define WORD_BITS 64u
#define MAX_WORDS (HK_CPU_MAX / WORD_BITS)

/*
 * @bits holds @nwords words, CPU n at bit n % 64 of word n / 64. Capacity only
 * grows (up to MAX_WORDS), so a word at or above @nwords reads as zero and
 * functions that merely clear bits never allocate.
 */
struct hk_cpuset {
	unsigned nwords;
	uint64_t *bits;
};

static uint64_t word_at(const hk_cpuset *s, unsigned i)
{
	return i < s->nwords ? s->bits[i] : 0;
}

/* Words up to and including the highest non-zero one. */
static unsigned used_words(const uint64_t *bits, unsigned nwords)
{
	while (nwords > 0 && bits[nwords - 1] == 0)
		nwords--;
	return nwords;
}

static int ensure_words(hk_cpuset *s, unsigned n)
{
	uint64_t *b;

	if (n <= s->nwords)
		return 0;
	if (n > MAX_WORDS)
		return -ERANGE;

	b = realloc(s->bits, n * sizeof(uint64_t));
	if (!b)
		return -ENOMEM;
	memset(b + s->nwords, 0, (n - s->nwords) * sizeof(uint64_t));
	s->bits = b;
	s->nwords = n;
	return 0;
}

/* Replaces the contents of @s by @n words of @bits; on failure @s is unchanged. */
static int assign_words(hk_cpuset *s, const uint64_t *bits, unsigned n)
{
	int r;

	n = used_words(bits, n);
	r = ensure_words(s, n);
	if (r < 0)
		return r;

	/* memmove: hk_cpuset_copy(s, s) lands here with bits == s->bits. */
	if (n > 0)
		memmove(s->bits, bits, n * sizeof(uint64_t));
	if (s->nwords > n)
		memset(s->bits + n, 0, (s->nwords - n) * sizeof(uint64_t));
	return 0;
}

/* Sets [first, last] in a fixed MAX_WORDS bitmap; the caller checked last < HK_CPU_MAX. */
static void bits_set_range(uint64_t *bits, unsigned first, unsigned last)
{
	unsigned fw = first / WORD_BITS, lw = last / WORD_BITS;
	uint64_t fmask = ~0ULL << (first % WORD_BITS);
	uint64_t lmask = ~0ULL >> (WORD_BITS - 1 - last % WORD_BITS);

	if (fw == lw) {
		bits[fw] |= fmask & lmask;
		return;
	}
	bits[fw] |= fmask;
	for (unsigned w = fw + 1; w < lw; w++)
		bits[w] = ~0ULL;
	bits[lw] |= lmask;
}

hk_cpuset *hk_cpuset_new(void)
{
	return calloc(1, sizeof(hk_cpuset));
}

hk_cpuset *hk_cpuset_dup(const hk_cpuset *s)
{
	hk_cpuset *d;

	d = hk_cpuset_new();
	if (!d)
		return NULL;
	if (hk_cpuset_copy(d, s) < 0) {
		hk_cpuset_free(d);
		return NULL;
	}
	return d;
}

void hk_cpuset_free(hk_cpuset *s)
{
	if (!s)
		return;
	free(s->bits);
	free(s);
}

int hk_cpuset_add(hk_cpuset *s, unsigned cpu)
{
	int r;

	if (cpu >= HK_CPU_MAX)
		return -ERANGE;
	r = ensure_words(s, cpu / WORD_BITS + 1);
	if (r < 0)
		return r;
	s->bits[cpu / WORD_BITS] |= 1ULL << (cpu % WORD_BITS);
	return 0;
}

int hk_cpuset_add_range(hk_cpuset *s, unsigned first, unsigned last)
{
	int r;

	if (first > last)
		return -EINVAL;
	if (last >= HK_CPU_MAX)
		return -ERANGE;
	r = ensure_words(s, last / WORD_BITS + 1);
	if (r < 0)
		return r;
	bits_set_range(s->bits, first, last);
	return 0;
}

void hk_cpuset_remove(hk_cpuset *s, unsigned cpu)
{
	if (cpu / WORD_BITS < s->nwords)
		s->bits[cpu / WORD_BITS] &= ~(1ULL << (cpu % WORD_BITS));
}

void hk_cpuset_clear(hk_cpuset *s)
{
	if (s->nwords > 0)
		memset(s->bits, 0, s->nwords * sizeof(uint64_t));
}

bool hk_cpuset_test(const hk_cpuset *s, unsigned cpu)
{
	return (word_at(s, cpu / WORD_BITS) >> (cpu % WORD_BITS)) & 1;
}

unsigned hk_cpuset_count(const hk_cpuset *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->nwords; i++)
		n += (unsigned)__builtin_popcountll(s->bits[i]);
	return n;
}

bool hk_cpuset_is_empty(const hk_cpuset *s)
{
	return used_words(s->bits, s->nwords) == 0;
}

/* The lowest CPU >= @from, or -ENOENT. */
static int find_from(const hk_cpuset *s, unsigned from)
{
	unsigned i = from / WORD_BITS;
	uint64_t w;

	if (i >= s->nwords)
		return -ENOENT;

	w = s->bits[i] & (~0ULL << (from % WORD_BITS));
	for (;;) {
		if (w)
			return (int)(i * WORD_BITS + (unsigned)__builtin_ctzll(w));
		if (++i >= s->nwords)
			return -ENOENT;
		w = s->bits[i];
	}
}

int hk_cpuset_first(const hk_cpuset *s)
{
	return find_from(s, 0);
}

int hk_cpuset_next(const hk_cpuset *s, unsigned cpu)
{
	/* Also keeps cpu + 1 from wrapping for cpu == UINT_MAX. */
	if (cpu >= HK_CPU_MAX - 1)
		return -ENOENT;
	return find_from(s, cpu + 1);
}

int hk_cpuset_last(const hk_cpuset *s)
{
	for (unsigned i = s->nwords; i > 0; i--) {
		uint64_t w = s->bits[i - 1];

		if (w)
			return (int)((i - 1) * WORD_BITS + WORD_BITS - 1 -
				     (unsigned)__builtin_clzll(w));
	}
	return -ENOENT;
}

int hk_cpuset_copy(hk_cpuset *dst, const hk_cpuset *src)
{
	return assign_words(dst, src->bits, src->nwords);
}

int hk_cpuset_or(hk_cpuset *dst, const hk_cpuset *src)
{
	unsigned n = used_words(src->bits, src->nwords);
	int r;

	r = ensure_words(dst, n);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < n; i++)
		dst->bits[i] |= src->bits[i];
	return 0;
}

void hk_cpuset_and(hk_cpuset *dst, const hk_cpuset *src)
{
	for (unsigned i = 0; i < dst->nwords; i++)
		dst->bits[i] &= word_at(src, i);
}

void hk_cpuset_andnot(hk_cpuset *dst, const hk_cpuset *src)
{
	unsigned n = dst->nwords < src->nwords ? dst->nwords : src->nwords;

	for (unsigned i = 0; i < n; i++)
		dst->bits[i] &= ~src->bits[i];
}

bool hk_cpuset_equal(const hk_cpuset *a, const hk_cpuset *b)
{
	unsigned n = a->nwords > b->nwords ? a->nwords : b->nwords;

	for (unsigned i = 0; i < n; i++)
		if (word_at(a, i) != word_at(b, i))
			return false;
	return true;
}

bool hk_cpuset_is_subset(const hk_cpuset *a, const hk_cpuset *b)
{
	for (unsigned i = 0; i < a->nwords; i++)
		if (a->bits[i] & ~word_at(b, i))
			return false;
	return true;
}

bool hk_cpuset_intersects(const hk_cpuset *a, const hk_cpuset *b)
{
	unsigned n = a->nwords < b->nwords ? a->nwords : b->nwords;

	for (unsigned i = 0; i < n; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

/*
 * One number of a list item. A number too big for a u64 is reported as
 * -ERANGE, like a CPU past HK_CPU_MAX: the text is well formed, the value is
 * not one we can hold.
 */
static int list_number(const char **p, const char *end, uint64_t *ret)
{
	int n;

	n = hk_parse_u64_prefix(*p, (size_t)(end - *p), ret);
	if (n == -ERANGE) {
		/* Step over the digits so the rest of the item is still checked. */
		while (*p < end && **p >= '0' && **p <= '9')
			(*p)++;
		return -ERANGE;
	}
	if (n < 0)
		return n;
	*p += n;
	return 0;
}

/*
 * One item of a CPU list: "a", "a-b" or "a-b:used/group" (bitmap_parselist()
 * in the kernel's lib/bitmap.c): from a, in each group of @group CPUs the
 * first @used, up to b. used == 0 is valid there and adds nothing.
 */
static int parse_list_item(const char *p, const char *end, uint64_t *bits)
{
	uint64_t first, last, used = 0, group = 0;
	bool stride = false;
	int r, range;

	/* A number out of range is remembered, so a malformed rest still wins. */
	range = list_number(&p, end, &first);
	if (range == -EINVAL)
		return range;
	last = first;

	if (p < end) {
		if (*p != '-')
			return -EINVAL;
		p++;
		r = list_number(&p, end, &last);
		if (r == -EINVAL)
			return r;
		if (range == 0)
			range = r;
	}
	if (p < end) {
		if (*p != ':')
			return -EINVAL;
		stride = true;
		p++;
		r = list_number(&p, end, &used);
		if (r == -EINVAL)
			return r;
		if (range == 0)
			range = r;
		if (p >= end || *p != '/')
			return -EINVAL;
		p++;
		r = list_number(&p, end, &group);
		if (r == -EINVAL)
			return r;
		if (range == 0)
			range = r;
		if (p != end)
			return -EINVAL;
	}

	if (range < 0)
		return range;
	/* The kernel's order (bitmap_check_region()): shape first, then range. */
	if (first > last || (stride && (group == 0 || used > group)))
		return -EINVAL;
	if (last >= HK_CPU_MAX)
		return -ERANGE;
	/* Only now: with last unchecked, last - first + 1 could wrap to 0. */
	if (!stride)
		used = group = last - first + 1;

	if (used == 0)
		return 0;
	for (uint64_t g = first;;) {
		uint64_t top = used - 1 > last - g ? last : g + used - 1;

		bits_set_range(bits, (unsigned)g, (unsigned)top);
		/* Written as a difference so a huge @group cannot wrap g. */
		if (last - g < group)
			break;
		g += group;
	}
	return 0;
}

int hk_cpuset_parse_list(hk_cpuset *s, const char *buf, size_t len)
{
	uint64_t bits[MAX_WORDS] = {0};
	const char *p, *end;
	int range = 0;

	if (!buf && len > 0)
		return -EINVAL;
	/* Blanks around the value and the file's trailing newline are not part of it. */
	hk_trim(&buf, &len);
	if (len == 0) {
		hk_cpuset_clear(s);
		return 0;
	}

	/*
	 * Unlike the kernel, empty items (",0", "0,,1", "0,") and blanks inside
	 * the list are malformed: the kernel never writes them and a config
	 * value with them is more likely a typo than a wish.
	 */
	p = buf;
	end = buf + len;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;
		int r;

		r = parse_list_item(p, item_end, bits);
		/* Malformed text anywhere wins over a CPU out of range. */
		if (r == -EINVAL)
			return r;
		if (r < 0 && range == 0)
			range = r;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (range < 0)
		return range;

	return assign_words(s, bits, MAX_WORDS);
}

/*
 * One word of a mask: 1 to 8 hex digits, no "0x". Longer words are refused:
 * the kernel would split "100000000" into two words, which no kernel writes
 * and a person does not mean.
 */
/* Hex digit values plus one; 0 for anything else. */
static const unsigned char hex_value[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3,	['3'] = 4,  ['4'] = 5,	['5'] = 6,  ['6'] = 7,	['7'] = 8,
    ['8'] = 9,	['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hex_word(const char *p, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len < 1 || len > 8)
		return -EINVAL;
	/* Most words of a big machine's mask are zero. */
	if (len == 8 && memcmp(p, "00000000", 8) == 0) {
		*ret = 0;
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned d = hex_value[(unsigned char)p[i]];
		if (d == 0)
			return -EINVAL;
		v = v << 4 | (d - 1);
	}
	*ret = v;
	return 0;
}

int hk_cpuset_parse_mask(hk_cpuset *s, const char *buf, size_t len)
{
	uint64_t bits[MAX_WORDS];
	bool range = false;

	if (!buf && len > 0)
		return -EINVAL;
	/* Blanks around the value and the file's trailing newline are not part of it. */
	hk_trim(&buf, &len);
	if (len == 0) {
		hk_cpuset_clear(s);
		return 0;
	}

	/*
	 * The last word holds CPUs 0-31. Count the words first, then parse
	 * them left to right, so each byte is looked at once and only the
	 * words the mask can reach are cleared (a big machine's topology
	 * parses hundreds of masks).
	 */
	size_t nwords = 1;
	for (const char *p = buf, *e = buf + len; (p = memchr(p, ',', (size_t)(e - p))); p++)
		nwords++;
	size_t used = MIN(nwords, (size_t)(HK_CPU_MAX / 32));
	memset(bits, 0, (used + 1) / 2 * sizeof(uint64_t));

	const char *p = buf, *end = buf + len;
	for (size_t i = 0; i < nwords; i++) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		size_t w = nwords - 1 - i; /* 32-bit word number, 0 = CPUs 0-31 */
		uint64_t v;

		int r = hex_word(p, (size_t)(e - p), &v);
		if (r < 0)
			return r;
		/* Zero words above the limit are fine: big NR_CPUS kernels print them. */
		if (w < HK_CPU_MAX / 32)
			bits[w / 2] |= v << (32 * (w % 2));
		else if (v != 0)
			range = true;
		p = e + 1;
	}
	if (range)
		return -ERANGE;

	return assign_words(s, bits, (unsigned)((used + 1) / 2));
}

/* snprintf()-like output: counts every byte, stores those that fit. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_put(struct out *o, const char *str, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;

		memcpy(o->buf + o->len, str, n < room ? n : room);
	}
	o->len += n;
}

static void out_uint(struct out *o, unsigned v)
{
	char tmp[16];
	int n = snprintf(tmp, sizeof(tmp), "%u", v);

	out_put(o, tmp, (size_t)n);
}

static size_t out_finish(struct out *o)
{
	if (o->size > 0)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	return o->len;
}

size_t hk_cpuset_format_list(const hk_cpuset *s, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};
	int cpu = hk_cpuset_first(s);

	while (cpu >= 0) {
		unsigned top = (unsigned)cpu;

		while (hk_cpuset_test(s, top + 1))
			top++;

		if (o.len > 0)
			out_put(&o, ",", 1);
		out_uint(&o, (unsigned)cpu);
		/* Like the kernel's "%*pbl", a run of two is "0-1", not "0,1". */
		if (top > (unsigned)cpu) {
			out_put(&o, "-", 1);
			out_uint(&o, top);
		}
		cpu = hk_cpuset_next(s, top);
	}

	return out_finish(&o);
}

size_t hk_cpuset_format_mask(const hk_cpuset *s, unsigned nbits, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};
	size_t words = nbits / 32 + (nbits % 32 != 0);
	int last = hk_cpuset_last(s);

	if (last >= 0 && (size_t)last / 32 + 1 > words)
		words = (size_t)last / 32 + 1;
	if (words == 0)
		words = 1;

	for (size_t w = words; w > 0; w--) {
		size_t i = w - 1;
		uint32_t v = 0;
		char tmp[16];

		if (i / 2 < s->nwords)
			v = (uint32_t)(s->bits[i / 2] >> (32 * (i % 2)));
		snprintf(tmp, sizeof(tmp), "%08" PRIx32, v);
		out_put(&o, tmp, 8);
		if (i > 0)
			out_put(&o, ",", 1);
	}

	return out_finish(&o);
}

char *hk_cpuset_to_list(const hk_cpuset *s)
{
	size_t n = hk_cpuset_format_list(s, NULL, 0);
	char *str;

	str = malloc(n + 1);
	if (!str)
		return NULL;
	hk_cpuset_format_list(s, str, n + 1);
	return str;
}

int hk_cpuset_from_cpu_set(hk_cpuset *s, const cpu_set_t *set, size_t setsize)
{
	uint64_t bits[MAX_WORDS] = {0};
	size_t limit, found = 0;

	limit = setsize > HK_CPU_MAX / 8 ? HK_CPU_MAX : setsize * 8;
	for (size_t cpu = 0; cpu < limit; cpu++)
		if (CPU_ISSET_S(cpu, setsize, set)) {
			bits[cpu / WORD_BITS] |= 1ULL << (cpu % WORD_BITS);
			found++;
		}

	/* A CPU past HK_CPU_MAX makes the counts differ. */
	if ((size_t)CPU_COUNT_S(setsize, set) != found)
		return -ERANGE;

	return assign_words(s, bits, MAX_WORDS);
}

int hk_cpuset_to_cpu_set(const hk_cpuset *s, cpu_set_t *set, size_t setsize)
{
	int last = hk_cpuset_last(s);

	/* Check before touching @set, so it is left alone on failure. */
	if (last >= 0 && setsize <= (size_t)last / 8)
		return -ERANGE;

	CPU_ZERO_S(setsize, set);
	HK_CPUSET_FOREACH (cpu, s) {
		CPU_SET_S((size_t)cpu, setsize, set);
	}
	return 0;
}
