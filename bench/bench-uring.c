/* SPDX-License-Identifier: MIT */
/*
 * bench-uring: the runtime's own cost, without the network.
 *
 *   bench-uring switch [--iters N] [--repeats R]
 *	hk_ctx_switch() between two contexts, N round trips (2N switches)
 *	per repeat: ns per switch, best and median of the repeats. Makes no
 *	syscall per switch (run-uring.sh checks with strace).
 *   bench-uring yield [--iters N] [--batch K]
 *	K coroutines calling hk_co_yield() through the loop, N yields in all:
 *	ns per yield (one resume and one suspend).
 *   bench-uring nop --batch K --ops M
 *	What the issue compares with the raw loop: one coroutine starts K
 *	NOPs (hk_op_nop()), waits for all of them with one hk_co_wait(...,
 *	HK_WAIT_ALL), collects the K results (hk_co_result()) and repeats, M
 *	NOPs in all, on a loop with default parameters: ns per op. A
 *	coroutine has 16 op slots, so K > 16 is spread over ceil(K / 16)
 *	coroutines of (nearly) equal shares, started in the same iteration and
 *	so submitted together; the output says how many (coroutines=).
 *   bench-uring nop-spread --batch K --ops M
 *	K coroutines each calling hk_co_nop() in a loop: the same K NOPs per
 *	submit, but two context switches per op (the per-coroutine-switch
 *	case: one connection per coroutine, one op at a time).
 *   bench-uring raw-nop --batch K --ops M
 *	The same work on a bare liburing ring set up with the loop's flags:
 *	K NOP SQEs, io_uring_submit_and_wait(K), reap K CQEs, repeat.
 *
 * Each prints one line of key=value. The loop modes repeat their run
 * --repeats times (default 3) and give the median and the best; --cpu C
 * pins the thread first. Timing is CLOCK_MONOTONIC (vDSO: no syscall),
 * after a warm-up run.
 */
#include <errno.h>
#include <getopt.h>
#include <liburing.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "base/parse.h"
#include "rt/uring/context.h"
#include "rt/uring/stack.h"

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_ASAN 1
#endif
#endif
#ifdef BENCH_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* Defaults: enough work for tens of milliseconds per measurement. */
#define DEFAULT_SWITCH_ITERS   10000000ull
#define DEFAULT_SWITCH_REPEATS 5u
#define DEFAULT_REPEATS	       3u
#define DEFAULT_OPS	       2000000ull
#define DEFAULT_BATCH	       1u
#define MAX_BATCH	       4096u

typedef struct options {
	const char *mode;
	uint64_t iters;
	unsigned repeats;
	unsigned batch;
	uint64_t ops;
	int cpu;
} options;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void usage(FILE *f)
{
	fputs("Usage: bench-uring switch [--iters N] [--repeats R] [--cpu C]\n"
	      "       bench-uring yield [--iters N] [--batch K] [--cpu C]\n"
	      "       bench-uring nop --batch K --ops M [--cpu C]\n"
	      "       bench-uring nop-spread --batch K --ops M [--cpu C]\n"
	      "       bench-uring raw-nop --batch K --ops M [--cpu C]\n"
	      "\n"
	      "Prints one line of key=value: ns per switch, per yield or per NOP, and\n"
	      "for the loop modes its io_uring_enter() calls and completions per call.\n",
	      f);
}

/* ---- switch ---- */

typedef struct switch_state {
	hk_ctx main_ctx, co_ctx;
	const void *main_bottom;
	size_t main_size;
	const hk_stack *stack;
} switch_state;

static switch_state sw;

/* ASan must be told about each switch of stacks; nothing otherwise. */
static inline void bench_switch(hk_ctx *from, const hk_ctx *to, bool to_co)
{
#ifdef BENCH_ASAN
	void *fake = NULL;
	if (to_co)
		__sanitizer_start_switch_fiber(&fake, sw.stack->base, sw.stack->size);
	else
		__sanitizer_start_switch_fiber(&fake, sw.main_bottom, sw.main_size);
	hk_ctx_switch(from, to);
	/* Back on the coroutine, learn the main stack's bounds for next time. */
	__sanitizer_finish_switch_fiber(fake, to_co ? NULL : &sw.main_bottom,
					to_co ? NULL : &sw.main_size);
#else
	hk_ctx_switch(from, to);
#endif
}

static void switch_entry(void *arg)
{
#ifdef BENCH_ASAN
	__sanitizer_finish_switch_fiber(NULL, &sw.main_bottom, &sw.main_size);
#endif
	for (;;)
		bench_switch(&sw.co_ctx, &sw.main_ctx, false);
}

static int run_switch(const options *o)
{
	hk_stack_pool *pool = NULL;
	hk_stack stack;
	double ns[64];

	int r = hk_stack_pool_new(0, 1, &pool);
	if (r < 0)
		return r;
	r = hk_stack_get(pool, &stack);
	if (r < 0) {
		hk_stack_pool_free(pool);
		return r;
	}
	sw.stack = &stack;
	hk_ctx_make(&sw.co_ctx, stack.base, stack.size, switch_entry, NULL);

	/* Warm-up: first touches of the stack, branch predictors. */
	for (unsigned i = 0; i < 100000; i++)
		bench_switch(&sw.main_ctx, &sw.co_ctx, true);

	unsigned repeats = MIN(o->repeats, (unsigned)ELEMENTSOF(ns));
	for (unsigned rep = 0; rep < repeats; rep++) {
		uint64_t t0 = now_ns();
		for (uint64_t i = 0; i < o->iters; i++)
			bench_switch(&sw.main_ctx, &sw.co_ctx, true);
		uint64_t t1 = now_ns();
		ns[rep] = (double)(t1 - t0) / (double)(2 * o->iters);
	}
	qsort(ns, repeats, sizeof(ns[0]), cmp_double);
	printf("mode=switch iters=%llu repeats=%u switches=%llu ns_per_switch_best=%.2f "
	       "ns_per_switch_median=%.2f ns_per_round_trip_median=%.2f\n",
	       (unsigned long long)o->iters, repeats, (unsigned long long)(2 * o->iters), ns[0],
	       ns[repeats / 2], 2 * ns[repeats / 2]);

	/* The coroutine is suspended for good; its stack simply goes. */
	hk_stack_put(pool, &stack);
	hk_stack_pool_free(pool);
	return 0;
}

/* ---- loop modes ---- */

typedef enum loop_kind {
	LOOP_NOP,	 /* one coroutine per 16 NOPs in flight, one wait per batch */
	LOOP_NOP_SPREAD, /* one coroutine per NOP in flight, hk_co_nop() */
	LOOP_YIELD,	 /* hk_co_yield() */
} loop_kind;

static const char *const loop_kind_name[] = {
    [LOOP_NOP] = "nop",
    [LOOP_NOP_SPREAD] = "nop-spread",
    [LOOP_YIELD] = "yield",
};

typedef struct work {
	uint64_t left; /* ops (or yields) still to start, all coroutines together */
	uint64_t done;
	int error;
} work;

/* What one coroutine of the nop mode is given: the shared work, and how
 * many NOPs it keeps in flight (at most HK_CO_OPS). */
typedef struct nop_share {
	work *w;
	unsigned k;
} nop_share;

static void nop_batch_co(hk_co *co, void *arg)
{
	const nop_share *s = arg;
	work *w = s->w;

	while (w->left > 0) {
		unsigned n = (unsigned)MIN((uint64_t)s->k, w->left);
		unsigned pending = 0;

		w->left -= n;
		for (unsigned i = 0; i < n; i++) {
			int op = hk_op_nop(co);
			if (op < 0) {
				w->error = op;
				return;
			}
			pending |= 1u << op;
		}
		/*
		 * HK_WAIT_ALL returns early only on a failure, which a NOP
		 * never has; collect whatever came back and wait again for
		 * the rest, as a caller that must not lose a result would.
		 */
		while (pending) {
			int r = hk_co_wait(co, pending, HK_WAIT_ALL);
			if (r < 0) {
				w->error = r;
				return;
			}
			for (unsigned done = (unsigned)r; done; done &= done - 1) {
				int res = hk_co_result(co, __builtin_ctz(done));
				if (res != 0) {
					/* A NOP's result is 0: anything else is a bug. */
					w->error = res < 0 ? res : -EIO;
					return;
				}
			}
			pending &= ~(unsigned)r;
		}
		w->done += n;
	}
}

static void nop_spread_co(hk_co *co, void *arg)
{
	work *w = arg;

	while (w->left > 0) {
		w->left--;
		int r = hk_co_nop(co);
		if (r != 0) {
			w->error = r < 0 ? r : -EIO;
			return;
		}
		w->done++;
	}
}

static void yield_co(hk_co *co, void *arg)
{
	work *w = arg;

	while (w->left > 0) {
		w->left--;
		int r = hk_co_yield(co);
		if (r < 0) {
			w->error = r;
			return;
		}
		w->done++;
	}
}

/* The coroutines the nop mode needs for @batch NOPs in flight. */
static unsigned nop_coroutines(unsigned batch)
{
	return (batch + HK_CO_OPS - 1) / HK_CO_OPS;
}

/*
 * Runs the coroutines of @kind over @ops units of work, @batch in flight:
 * the time taken, and the loop's counters for that run alone.
 */
static int loop_round(hk_loop *loop, loop_kind kind, unsigned batch, uint64_t ops, uint64_t *ret_ns,
		      hk_loop_stats *ret_stats)
{
	nop_share shares[MAX_BATCH / HK_CO_OPS];
	work w = {.left = ops};
	hk_loop_stats before, after;
	int r;

	if (kind == LOOP_NOP) {
		/* Equal shares of the batch, the first ones a NOP larger
		 * when it does not divide. */
		unsigned n = nop_coroutines(batch);
		for (unsigned i = 0; i < n; i++) {
			shares[i] = (nop_share){.w = &w, .k = batch / n + (i < batch % n)};
			r = hk_co_spawn(loop, nop_batch_co, &shares[i], NULL);
			if (r < 0)
				return r;
		}
	} else {
		hk_co_fn *fn = kind == LOOP_YIELD ? yield_co : nop_spread_co;
		for (unsigned i = 0; i < batch; i++) {
			r = hk_co_spawn(loop, fn, &w, NULL);
			if (r < 0)
				return r;
		}
	}
	hk_loop_get_stats(loop, &before);
	uint64_t t0 = now_ns();
	r = hk_loop_run(loop);
	uint64_t t1 = now_ns();
	if (r < 0)
		return r;
	if (w.error < 0)
		return w.error;
	if (w.done != ops)
		return -EIO;
	hk_loop_get_stats(loop, &after);
	*ret_ns = t1 - t0;
	*ret_stats = (hk_loop_stats){
	    .iterations = after.iterations - before.iterations,
	    .enters = after.enters - before.enters,
	    .sqes = after.sqes - before.sqes,
	    .cqes = after.cqes - before.cqes,
	    .switches = after.switches - before.switches,
	    .sq_full = after.sq_full - before.sq_full,
	};
	return 0;
}

static int run_loop_mode(const options *o, loop_kind kind)
{
	hk_loop *loop = NULL;
	hk_loop_stats st;
	uint64_t ns;
	uint64_t ops = kind == LOOP_YIELD ? o->iters : o->ops;
	double per_op[64];
	unsigned repeats = MIN(o->repeats, (unsigned)ELEMENTSOF(per_op));
	unsigned cos = kind == LOOP_NOP ? nop_coroutines(o->batch) : o->batch;

	int r = hk_loop_new(NULL, &loop);
	if (r < 0)
		return r;
	/* Warm-up: stacks mapped and cached, records allocated. */
	r = loop_round(loop, kind, o->batch, MIN(ops / 10 + o->batch, 200000), &ns, &st);
	for (unsigned rep = 0; r >= 0 && rep < repeats; rep++) {
		r = loop_round(loop, kind, o->batch, ops, &ns, &st);
		per_op[rep] = (double)ns / (double)ops;
	}
	if (r < 0) {
		hk_loop_free(loop);
		return r;
	}
	qsort(per_op, repeats, sizeof(per_op[0]), cmp_double);
	/* The counters are those of the last repeat. */
	printf("mode=%s batch=%u coroutines=%u ops=%llu repeats=%u ns_per_op=%.2f "
	       "ns_per_op_best=%.2f enters=%llu cqes=%llu sqes=%llu iterations=%llu "
	       "switches=%llu switches_per_op=%.3f sq_full=%llu cqes_per_enter=%.2f "
	       "features=%#x\n",
	       loop_kind_name[kind], o->batch, cos, (unsigned long long)ops, repeats,
	       per_op[repeats / 2], per_op[0], (unsigned long long)st.enters,
	       (unsigned long long)st.cqes, (unsigned long long)st.sqes,
	       (unsigned long long)st.iterations, (unsigned long long)st.switches,
	       (double)st.switches / (double)ops, (unsigned long long)st.sq_full,
	       st.enters ? (double)st.cqes / (double)st.enters : 0.0, hk_loop_features(loop));
	hk_loop_free(loop);
	return 0;
}

/* ---- raw-nop ---- */

/*
 * The ring a default hk_loop sets up: its features say which set-up flags
 * it got, so the raw loop asks for the same and measures the same kernel
 * paths.
 */
static int raw_ring_init(struct io_uring *ring, unsigned *ret_features)
{
	hk_loop *loop = NULL;

	int r = hk_loop_new(NULL, &loop);
	if (r < 0)
		return r;
	unsigned features = hk_loop_features(loop);
	hk_loop_free(loop);

	struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE, .cq_entries = 4 * 256};
	if (features & HK_URING_SINGLE_ISSUER)
		p.flags |= IORING_SETUP_SINGLE_ISSUER;
	if (features & HK_URING_DEFER_TASKRUN)
		p.flags |= IORING_SETUP_DEFER_TASKRUN;
	if (features & HK_URING_COOP_TASKRUN)
		p.flags |= IORING_SETUP_COOP_TASKRUN;
	if (features & HK_URING_SUBMIT_ALL)
		p.flags |= IORING_SETUP_SUBMIT_ALL;
	r = io_uring_queue_init_params(256, ring, &p);
	if (r < 0)
		return r;
	if (features & HK_URING_REGISTERED_RING) {
		r = io_uring_register_ring_fd(ring);
		if (r < 0) {
			io_uring_queue_exit(ring);
			return r;
		}
	}
	*ret_features = features;
	return 0;
}

static int raw_round(struct io_uring *ring, unsigned batch, uint64_t ops, uint64_t *ret_enters,
		     uint64_t *ret_cqes)
{
	uint64_t enters = 0, cqes = 0, sum = 0, bad = 0;

	for (uint64_t left = ops; left > 0;) {
		unsigned n = (unsigned)MIN((uint64_t)batch, left);

		for (unsigned i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
			if (!sqe)
				return -EBUSY;
			io_uring_prep_nop(sqe);
			sqe->user_data = i + 1;
		}
		int r = io_uring_submit_and_wait(ring, n);
		if (r < 0)
			return r;
		enters++;

		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(ring, head, cqe)
		{
			sum += cqe->user_data;
			bad += cqe->res != 0;
			seen++;
		}
		io_uring_cq_advance(ring, seen);
		cqes += seen;
		left -= n;
	}
	/* Every NOP of every batch came back, with its result of 0. */
	if (cqes != ops || sum == 0 || bad)
		return -EIO;
	*ret_enters = enters;
	*ret_cqes = cqes;
	return 0;
}

static int run_raw_nop(const options *o)
{
	struct io_uring ring;
	unsigned features;
	uint64_t enters = 0, cqes = 0;
	double per_op[64];
	unsigned repeats = MIN(o->repeats, (unsigned)ELEMENTSOF(per_op));

	if (o->batch > 256)
		return -EINVAL;
	int r = raw_ring_init(&ring, &features);
	if (r < 0)
		return r;
	r = raw_round(&ring, o->batch, MIN(o->ops / 10 + o->batch, 200000), &enters, &cqes);
	for (unsigned rep = 0; r >= 0 && rep < repeats; rep++) {
		uint64_t t0 = now_ns();
		r = raw_round(&ring, o->batch, o->ops, &enters, &cqes);
		uint64_t t1 = now_ns();
		per_op[rep] = (double)(t1 - t0) / (double)o->ops;
	}
	io_uring_queue_exit(&ring);
	if (r < 0)
		return r;
	qsort(per_op, repeats, sizeof(per_op[0]), cmp_double);
	printf("mode=raw-nop batch=%u ops=%llu repeats=%u ns_per_op=%.2f ns_per_op_best=%.2f "
	       "enters=%llu cqes=%llu cqes_per_enter=%.2f features=%#x\n",
	       o->batch, (unsigned long long)o->ops, repeats, per_op[repeats / 2], per_op[0],
	       (unsigned long long)enters, (unsigned long long)cqes,
	       enters ? (double)cqes / (double)enters : 0.0, features);
	return 0;
}

/* ---- main ---- */

static int parse_u64_arg(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v;

	if (hk_parse_u64(s, strlen(s), 10, &v) < 0 || v < min || v > max) {
		fprintf(stderr, "bench-uring: %s must be %llu to %llu, not '%s'\n", name,
			(unsigned long long)min, (unsigned long long)max, s);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"iters", required_argument, NULL, 'i'},
	    {"repeats", required_argument, NULL, 'r'},
	    {"batch", required_argument, NULL, 'b'},
	    {"ops", required_argument, NULL, 'o'},
	    {"cpu", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	options o = {
	    .iters = 0,
	    .repeats = 0,
	    .batch = DEFAULT_BATCH,
	    .ops = DEFAULT_OPS,
	    .cpu = -1,
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_u64_arg("--iters", optarg, 1, UINT64_MAX / 2, &o.iters) < 0)
				return 2;
			break;
		case 'r':
			if (parse_u64_arg("--repeats", optarg, 1, 64, &v) < 0)
				return 2;
			o.repeats = (unsigned)v;
			break;
		case 'b':
			if (parse_u64_arg("--batch", optarg, 1, MAX_BATCH, &v) < 0)
				return 2;
			o.batch = (unsigned)v;
			break;
		case 'o':
			if (parse_u64_arg("--ops", optarg, 1, UINT64_MAX / 2, &o.ops) < 0)
				return 2;
			break;
		case 'c':
			if (parse_u64_arg("--cpu", optarg, 0, CPU_SETSIZE - 1, &v) < 0)
				return 2;
			o.cpu = (int)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	o.mode = argv[optind];

	if (o.cpu >= 0) {
		int r = pin_cpu(o.cpu);
		if (r < 0) {
			fprintf(stderr, "bench-uring: cannot pin to CPU %d: %s\n", o.cpu,
				strerror(-r));
			return 1;
		}
	}

	if (!o.repeats)
		o.repeats =
		    strcmp(o.mode, "switch") == 0 ? DEFAULT_SWITCH_REPEATS : DEFAULT_REPEATS;
	int r;
	if (strcmp(o.mode, "switch") == 0) {
		if (!o.iters)
			o.iters = DEFAULT_SWITCH_ITERS;
		r = run_switch(&o);
	} else if (strcmp(o.mode, "yield") == 0) {
		if (!o.iters)
			o.iters = DEFAULT_OPS;
		r = run_loop_mode(&o, LOOP_YIELD);
	} else if (strcmp(o.mode, "nop") == 0) {
		r = run_loop_mode(&o, LOOP_NOP);
	} else if (strcmp(o.mode, "nop-spread") == 0) {
		r = run_loop_mode(&o, LOOP_NOP_SPREAD);
	} else if (strcmp(o.mode, "raw-nop") == 0) {
		if (o.batch > 256) {
			fprintf(stderr, "bench-uring: raw-nop: --batch is at most 256 (its SQ)\n");
			return 2;
		}
		r = run_raw_nop(&o);
	} else {
		fprintf(stderr, "bench-uring: unknown mode '%s'\n", o.mode);
		usage(stderr);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "bench-uring: %s: %s\n", o.mode, strerror(-r));
		return 1;
	}
	return 0;
}
