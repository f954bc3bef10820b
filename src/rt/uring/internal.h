/* SPDX-License-Identifier: MIT */
#ifndef HK_RT_URING_INTERNAL_H
#define HK_RT_URING_INTERNAL_H

/*
 * The runtime's inside, shared by loop.c (the ring and the iteration),
 * co.c (coroutines, waits, ownership), ops.c (operations) and pool.c (fixed
 * files and registered buffers). docs/uring.md tells the design.
 */
#include <liburing.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "rt/uring/context.h"
#include "rt/uring/stack.h"

#if defined(__SANITIZE_ADDRESS__)
#define HK_URING_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HK_URING_ASAN 1
#endif
#endif

#ifdef HK_URING_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* Memcheck cannot see the kernel write through io_uring: the runtime
 * tells it, on the slow path, only when running under it. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HK_URING_VALGRIND 1
#endif
#endif

/* Kernel constants newer than Debian's liburing 2.3 headers. */
#ifndef IORING_ASYNC_CANCEL_FD
#define IORING_ASYNC_CANCEL_FD (1U << 1)
#endif
#ifndef SOCKET_URING_OP_GETSOCKOPT
#define SOCKET_URING_OP_GETSOCKOPT 2
#endif

/*
 * The user data of every SQE: bits 0-3 the op, bit 4 set on the linked
 * timeout of that op, bits 5-31 the coroutine's slot (0: the loop itself),
 * bits 32-63 the slot's generation. A completion names its coroutine in
 * O(1), and one for a slot whose generation moved on is recognised as late.
 */
#define UD_OP_MASK    0xfu
#define UD_LINK	      0x10u
#define UD_SLOT_SHIFT 5
#define UD_SLOT_MASK  0x7ffffffu

/* The loop's own SQEs (slot 0): what their op field means. */
enum {
	LOOP_OP_IGNORE = 0, /* cancels and closes: nothing to do on completion */
	LOOP_OP_STOP,	    /* the poll of the stop eventfd */
	LOOP_OP_PROBE_CMD,  /* hk_loop_new()'s getsockopt through the ring */
	LOOP_OP_PROBE_ACCEPT,
	LOOP_OP_PROBE_CANCEL_FD,
	LOOP_OP_PROBE_CANCEL,
	LOOP_OP_PROBE_RECV,
};

/* The buffer group of the receive ring; the probe's, never registered. */
#define RECV_BGID	0
#define PROBE_RECV_BGID 1

static inline uint64_t ud_loop(unsigned kind)
{
	return kind;
}

enum co_state {
	CO_FREE = 0, /* the slot is unused */
	CO_READY,    /* on the run queue or the SQ-full queue */
	CO_RUNNING,
	CO_WAIT,   /* in hk_co_wait() */
	CO_PARK,   /* waiting for a buffer or a fixed slot */
	CO_ENDED,  /* its function returned; the loop has not seen it yet */
	CO_ZOMBIE, /* ended, the kernel still holds some of its operations */
};

enum { PARK_NONE = 0, PARK_BUF, PARK_FIXED };

/*
 * What an op keeps for the kernel until it is submitted or re-armed: the
 * timespec of hk_op_timeout(), the descriptor of hk_op_files_update() (or
 * the slot a close frees), the listening socket of a multishot accept;
 * under valgrind, where the kernel will write (uring_vg_done()).
 */
union op_arg {
	struct __kernel_timespec ts;
	int fd;
	struct {
		int fd;
		unsigned flags;
	} accept;
	struct {
		void *p;
		void *len; /* VG_ADDR: the socklen_t written back */
		unsigned kind;
	} vg;
};

/* Under valgrind: how to find the bytes an op's completion wrote. */
enum { VG_NONE = 0, VG_BUF, VG_MSG, VG_ADDR };

/* Connections a multishot accept has delivered and nobody took yet. */
struct accept_queue {
	int *fds;
	unsigned head, tail, cap;
};

/* Data a multishot recv has delivered: a byte count and its ring buffer. */
struct recv_item {
	int res;
	unsigned id;
};

struct recv_queue {
	struct recv_item *items;
	unsigned head, tail, cap;
};

struct owned_fd {
	int fd;
	unsigned flags;
};

/* A FIFO of coroutines parked for a resource (buffers, fixed slots). */
struct waitq {
	hk_co *head, *tail;
};

/*
 * A coroutine record. Records belong to their slot for the loop's life:
 * hk_co pointers stay valid, and their arrays (owned descriptors, buffers,
 * accept queues) are reused by the slot's next coroutine, so spawning
 * rarely allocates. Fields read on every completion come first.
 */
struct hk_co {
	uint32_t gen;
	/* ud_base while completions can take reap's fast path; 0 (which no
	 * coroutine's user data matches) while quiet or free */
	uint64_t ud_fast;
	uint8_t state;	    /* enum co_state */
	uint8_t wait_how;   /* HK_WAIT_ALL or HK_WAIT_ANY */
	bool wait_wakeable; /* hk_co_wait(), not a shorthand's internal wait */
	bool woken;	    /* hk_loop_wake() came while not in hk_co_wait() */
	unsigned pending;   /* ops started, not collected */
	unsigned completed; /* of those, done (a multishot: something queued, or ended) */
	unsigned failed;    /* of those, done with a negative result but -EAGAIN */
	unsigned urgent;
	unsigned wait_urgent; /* urgent for hk_co_wait(), 0 for a shorthand's wait */
	unsigned wait_mask;
	/* Plain ops in flight: one CQE owed each, kept here by the fast
	 * paths alone and not counted in expect[] and inflight, which the
	 * general paths keep for every other op (co_unplain()). */
	unsigned plain;
	unsigned inflight; /* CQEs the kernel still owes, plain ops aside */
	/* Ops completed in the reap under way, not yet in completed: the
	 * reap decides the wake-up once per coroutine (loop.c, reap()). */
	unsigned reaped;
	hk_co *reap_next;
	uint8_t expect[HK_CO_OPS];
	int res[HK_CO_OPS];
	unsigned multishot;   /* ops that are multishot accepts or recvs */
	unsigned recv_ms;     /* of those, the recvs */
	unsigned ms_ended;    /* multishot ops that ended (res holds why) */
	unsigned ms_rearm;    /* single accepts or recvs to start again */
	unsigned lt_fired;    /* ops whose linked timeout fired */
	unsigned cancel_sent; /* ops an ASYNC_CANCEL was queued for */
	unsigned fixed_res;   /* accepts whose result is a fixed slot */
	unsigned accept_ops;  /* single accepts (a descriptor nobody owns yet) */
	unsigned free_slot;   /* closes that free an allocator slot when done */
	unsigned buf_ops;     /* reads and writes on a pool buffer (op_buf[op]) */
	/* Ops in any of: multishot, cancel_sent, fixed_res, accept_ops,
	 * free_slot, buf_ops, with a linked timeout, or noted for valgrind. Their
	 * completions and their collection take the slow paths; plain ops
	 * need one test. */
	unsigned special;
	int dead;	  /* 0, or why it is being dropped */
	uint64_t ud_base; /* gen << 32 | slot << 5 */
	hk_loop *loop;
	hk_co *next; /* run queue, SQ-full queue, or free list */
	uint64_t last_active;
	uint64_t inact_ns;
	unsigned heap_pos[2]; /* its deadlines' places in the heap + 1, 0: none */
	bool link_armed;
	bool cancel_listed;
	bool quiet;   /* dropped, or ended: completions are not delivered */
	uint8_t park; /* PARK_* */
	uint64_t link_ns;
	hk_co *cancel_prev, *cancel_next;
	int park_result;
	hk_co *park_prev, *park_next;
	uint32_t slot;
	hk_ctx ctx;
	hk_stack stack;
	hk_co_fn *fn;
	void *fn_arg;
	void *asan_fake;
	union op_arg oparg[HK_CO_OPS];
	struct __kernel_timespec link_ts[HK_CO_OPS];
	unsigned op_buf[HK_CO_OPS];
	struct accept_queue *aq; /* HK_CO_OPS of them, on first multishot accept */
	struct recv_queue *rq;	 /* HK_CO_OPS of them, on first multishot recv */
	unsigned n_rbufs;	 /* receive ring buffers it holds */
	struct owned_fd *own;
	unsigned n_own, cap_own;
	unsigned *bufs;
	unsigned n_bufs, cap_bufs;
};

/*
 * A deadline: a coroutine's inactivity timeout, or the timeout of its wait
 * for a resource. At most one of each per coroutine, in the loop's heap,
 * updated in place and removed when moot, so the heap never holds more
 * than two entries per coroutine.
 */
enum { DL_INACTIVITY = 0, DL_PARK };
struct deadline {
	uint64_t at;
	hk_co *co;
	unsigned kind;
};

struct hk_loop {
	struct io_uring ring;
	unsigned features;
	unsigned flags;
	hk_co **cos; /* slot -> record; [0] is the loop's own and stays NULL */
	uint32_t n_slots, cap_slots;
	hk_co *free_cos;
	hk_co *runq_head, *runq_tail;
	hk_co *sqfull_head, *sqfull_tail;
	hk_co *cancel_head; /* coroutines whose ops need ASYNC_CANCELs queued */
	hk_ctx main_ctx;
	const void *asan_main_bottom;
	size_t asan_main_size;
	void *asan_fake;
	hk_stack_pool *stacks;
	struct deadline *heap;
	unsigned heap_n, heap_cap;
	uint64_t now; /* CLOCK_MONOTONIC, read once per iteration when needed */
	hk_co *run_rest; /* what is left of the run phase's list */
	int error;	 /* a failed submit of uring_wait_inline(), for hk_loop_run() */
	unsigned max_coroutines;
	hk_loop_stats stats;
	int stop_fd;
	atomic_bool stop;
	bool stop_rearm;
	bool running;
	bool freeing;
	bool ring_up;
	bool valgrind;	   /* running under it: see uring_vg_done() */
	bool taskrun_flag; /* IORING_SQ_TASKRUN tells of completions to come */
	bool guard_report; /* HK_LOOP_GUARD_REPORT: name the running coroutine */
	/* hk_loop_free() could not get every op back (its time limit, or the
	 * wrong thread): what the kernel may still write into stays mapped. */
	bool kernel_held;
	uint64_t stop_buf;
	uint8_t op_supported[256];
	/* hk_loop_new()'s probe of socket commands and multishot accept */
	struct {
		int type;
		int cmd_res, accept_res, cancel_fd_res, cancel_res, recv_res;
		unsigned outstanding;
	} probe;
	/* The fixed file table: [0, fixed_alloc_n) through the allocator. */
	unsigned fixed_files, accept_slots, fixed_alloc_n;
	uint64_t *fixed_free; /* bit set: slot free */
	unsigned fixed_n_free, fixed_hint;
	struct waitq fixed_waiters;
	/* The registered buffer pool. */
	char *buf_base;
	size_t buf_size, buf_map_size;
	unsigned n_bufs, buf_n_free;
	unsigned *buf_free;  /* a stack of free indices */
	uint32_t *buf_owner; /* slot of the coroutine holding it, 0: free */
	uint32_t *buf_busy;  /* reads and writes the kernel holds on it */
	struct waitq buf_waiters;
	/* The receive ring (group RECV_BGID): the kernel takes buffers from
	 * it, hk_co_recv_buf_put() adds them back. */
	struct io_uring_buf_ring *rbr;
	size_t rbr_map_size;
	char *rbuf_base;
	size_t rbuf_size, rbuf_map_size;
	size_t rbuf_stride; /* from one buffer to the next: rbuf_size, or a line more */
	unsigned n_rbufs, rbuf_mask;
	uint32_t *rbuf_owner; /* slot of the coroutine holding it, 0: none */
};

static inline uint64_t uring_clock(void)
{
	struct timespec ts;

	/* vDSO: no syscall. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * HK_SEC + (uint64_t)ts.tv_nsec;
}

static inline struct __kernel_timespec uring_ts(uint64_t ns)
{
	return (struct __kernel_timespec){
	    .tv_sec = (long long)(ns / HK_SEC),
	    .tv_nsec = (long long)(ns % HK_SEC),
	};
}

/*
 * getsockopt() through the ring. liburing 2.3 has neither a helper nor the
 * SQE fields: the kernel's struct io_uring_sqe puts level and optname in
 * the two halves of addr, optlen where file_index is and optval in addr3.
 */
static inline void uring_prep_getsockopt(struct io_uring_sqe *sqe, int fd, int level, int optname,
					 void *optval, socklen_t optlen)
{
	uint32_t halves[2] = {(uint32_t)level, (uint32_t)optname};

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = SOCKET_URING_OP_GETSOCKOPT;
	memcpy(&sqe->addr, halves, sizeof(halves));
	sqe->file_index = (uint32_t)optlen;
	sqe->addr3 = (uint64_t)(uintptr_t)optval;
}

static inline uint64_t co_id_of(const hk_co *co)
{
	return (uint64_t)co->gen << 32 | co->slot;
}

static inline void runq_push(hk_co **head, hk_co **tail, hk_co *co)
{
	co->next = NULL;
	if (*tail)
		(*tail)->next = co;
	else
		*head = co;
	*tail = co;
}

/* Puts a coroutine that waits (or runs, for a yield) on the run queue. */
static inline void co_make_ready(hk_loop *loop, hk_co *co)
{
	co->state = CO_READY;
	runq_push(&loop->runq_head, &loop->runq_tail, co);
}

/*
 * Whether the coroutine's wait is over: the seeds' completion coalescing,
 * so many completions make one wake-up, and only when it is wanted.
 */
static inline bool co_wait_done(const hk_co *co)
{
	unsigned done = co->completed & co->wait_mask;

	if (co->wait_how == HK_WAIT_ANY)
		return done != 0;
	return done == co->wait_mask || (done & co->failed) || (co->completed & co->wait_urgent);
}

/*
 * An SQE, or NULL when the queue is full: io_uring_get_sqe() without its
 * tests for set-up flags the loop never uses (SQE128, SQPOLL).
 */
static inline struct io_uring_sqe *uring_get_sqe(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned tail = sq->sqe_tail;

	if (_unlikely_(tail - IO_URING_READ_ONCE(*sq->khead) >= sq->ring_entries))
		return NULL;
	sq->sqe_tail = tail + 1;
	return &sq->sqes[tail & sq->ring_mask];
}

/*
 * Hands plain ops in @mask over to the general books, which the slow paths
 * read: when one of them is cancelled, and for all of them when the
 * coroutine stops taking the fast path (dropped or ended).
 */
static inline void co_unplain(hk_co *co, unsigned mask)
{
	mask &= co->plain;
	co->plain &= ~mask;
	for (; mask; mask &= mask - 1) {
		co->expect[__builtin_ctz(mask)] = 1;
		co->inflight++;
	}
}

/* The coroutine's completions take the general path from now on. */
static inline void co_leave_fast(hk_co *co)
{
	co->ud_fast = 0;
	co_unplain(co, co->plain);
}

/*
 * AddressSanitizer must be told of every stack switch, or it takes the
 * coroutine's frames for a stack overflow and its fake stacks go astray.
 */
#ifdef HK_URING_ASAN
#define asan_start(save, bottom, size)	__sanitizer_start_switch_fiber(save, bottom, size)
#define asan_finish(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define asan_start(save, bottom, size)                                                             \
	do {                                                                                       \
		(void)(save);                                                                      \
		(void)(bottom);                                                                    \
		(void)(size);                                                                      \
	} while (0)
#define asan_finish(save, bottom, size) asan_start(save, bottom, size)
#endif

void uring_co_finish(hk_loop *loop, hk_co *co);

/* Switches from the loop to a ready coroutine, until it waits or ends. */
static inline void uring_co_resume(hk_loop *loop, hk_co *co)
{
	co->state = CO_RUNNING;
	/* Only a loop with the crash report says which coroutine runs: a
	 * call out of line, twice per switch, that others need not pay. */
	if (_unlikely_(loop->guard_report))
		hk_stack_guard_set_current(&co->stack, co_id_of(co));
	asan_start(&loop->asan_fake, co->stack.base, co->stack.size);
	hk_ctx_switch(&loop->main_ctx, &co->ctx);
	asan_finish(loop->asan_fake, NULL, NULL);
	if (_unlikely_(loop->guard_report))
		hk_stack_guard_set_current(NULL, 0);
	loop->stats.switches++;
	if (_unlikely_(co->state == CO_ENDED))
		uring_co_finish(loop, co);
}

/* Switches from the running coroutine to its loop (co.c). */
void uring_co_suspend(hk_co *co);

/* loop.c: the loop's iteration on the coroutine's stack, if it would do
 * nothing but submit, wait and wake this coroutine alone. */
bool uring_wait_inline(hk_loop *loop, hk_co *co);

/*
 * hk_co_wait() and the shorthands' wait. @wakeable: hk_loop_wake() and the
 * urgent mask end it; the shorthands wait for their op only, and leave a
 * wake-up or an urgent completion for later. A shorthand that returned
 * while its op was out would let the kernel write into a buffer its caller
 * took back.
 */
static inline int co_wait(hk_co *co, unsigned mask, int how, bool wakeable)
{
	if (_unlikely_(co->dead))
		return co->dead;
	mask &= co->pending;
	if (_unlikely_(mask == 0 || (how != HK_WAIT_ALL && how != HK_WAIT_ANY)))
		return -EINVAL;
	if (wakeable && co->woken) {
		co->woken = false;
		return (int)(co->completed & mask);
	}
	co->wait_mask = mask;
	co->wait_how = (uint8_t)how;
	co->wait_urgent = wakeable ? co->urgent : 0;
	if (!co_wait_done(co)) {
		co->wait_wakeable = wakeable;
		co->state = CO_WAIT;
		if (!uring_wait_inline(co->loop, co))
			uring_co_suspend(co);
		if (_unlikely_(co->dead))
			return co->dead;
	}
	return (int)(co->completed & mask);
}

/* co_collect()'s general case (co.c): a refusal, or a special op. */
int uring_co_collect_slow(hk_co *co, int op);

/*
 * hk_co_result(): the result of completed op @op, whose slot is freed. The
 * common case, a plain op that completed, is two tests and three clears.
 */
static inline int co_collect(hk_co *co, int op)
{
	if (_likely_((unsigned)op < HK_CO_OPS)) {
		unsigned bit = 1u << op;

		if (_likely_(co->completed & ~co->special & bit)) {
			co->pending &= ~bit;
			co->completed &= ~bit;
			co->failed &= ~bit;
			return co->res[op];
		}
	}
	return uring_co_collect_slow(co, op);
}

/* loop.c */
int uring_submit_nowait(hk_loop *loop);
struct io_uring_sqe *uring_loop_sqe(hk_loop *loop);
void uring_close_fd(hk_loop *loop, int fd);
int uring_heap_set(hk_loop *loop, hk_co *co, unsigned kind, uint64_t at);
void uring_heap_remove(hk_loop *loop, hk_co *co, unsigned kind);
void uring_cancel_list_add(hk_loop *loop, hk_co *co);
void uring_cancel_list_remove(hk_loop *loop, hk_co *co);

/* co.c */
void uring_co_drop(hk_loop *loop, hk_co *co, int reason);
void uring_co_release(hk_loop *loop, hk_co *co);
void uring_co_free_records(hk_loop *loop);
int uring_co_park(hk_co *co, struct waitq *q, unsigned kind, uint64_t timeout_ns);
void uring_waitq_remove(struct waitq *q, hk_co *co);
hk_co *uring_waitq_pop(struct waitq *q);
hk_co *uring_co_lookup(const hk_loop *loop, uint64_t id);
int uring_own_reserve(hk_co *co, unsigned n);
int uring_own_add(hk_co *co, int fd, unsigned flags);
int uring_own_find(const hk_co *co, int fd);
void uring_own_remove_at(hk_co *co, unsigned i);

/* ops.c */
int uring_co_reserve_sqes(hk_co *co, unsigned n);
void uring_accept_cqe(hk_loop *loop, hk_co *co, unsigned op, int res, unsigned flags);
void uring_accept_flush(hk_loop *loop, hk_co *co);
void uring_vg_done(hk_co *co, unsigned op, int res);
void uring_recv_cqe(hk_loop *loop, hk_co *co, unsigned op, int res, unsigned flags);
void uring_recv_flush(hk_loop *loop, hk_co *co);

/* pool.c */
int uring_pool_init(hk_loop *loop, const hk_loop_params *params);
void uring_pool_fini(hk_loop *loop);
void uring_fixed_put(hk_loop *loop, unsigned slot);
void uring_buf_put(hk_loop *loop, unsigned buf);
int uring_bufs_reserve(hk_co *co, unsigned n);
void uring_rbuf_put(hk_loop *loop, unsigned id);
void uring_rbufs_release(hk_loop *loop, hk_co *co);

#endif
