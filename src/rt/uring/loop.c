/* SPDX-License-Identifier: MIT */
/*
 * The event loop: the ring, its set-up and probing, and the iteration
 * (reap every completion, run the coroutines they finished, submit once).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rt/uring/internal.h"

#define DEFAULT_SQ_ENTRIES 256u
#define MAX_SQ_ENTRIES	   32768u
/* Free stacks kept mapped: enough for bursts of short connections. */
#define STACK_CACHE 256u
/* hk_loop_free() gives the kernel and the dropped coroutines this long. */
#define FREE_TIME_LIMIT (10 * HK_SEC)
#define FREE_WAIT_STEP	(100 * HK_MSEC)
/* hk_loop_new() waits this long for its probes' completions. */
#define PROBE_TIME_LIMIT (1 * HK_SEC)
/* Under valgrind, the longest wait in the kernel (see submit()). */
#define VALGRIND_WAIT_SLICE (10 * HK_MSEC)
/* Flushes of held-back completions per iteration before moving on. */
#define MAX_OVERFLOW_ROUNDS 8

static const char *const feature_names[] = {
    "single-issuer",  "defer-taskrun",	  "coop-taskrun",   "submit-all", "ext-arg",
    "nodrop",	      "accept-multishot", "file-alloc",	    "socket-cmd", "registered-ring",
    "poll-multishot", "cancel-fd",	  "recv-multishot",
};

const char *hk_uring_feature_name(unsigned bit)
{
	if (bit == 0 || (bit & (bit - 1)) != 0)
		return NULL;
	unsigned i = (unsigned)__builtin_ctz(bit);
	return i < ELEMENTSOF(feature_names) ? feature_names[i] : NULL;
}

unsigned hk_loop_features(const hk_loop *loop)
{
	return loop->features;
}

void hk_loop_get_stats(const hk_loop *loop, hk_loop_stats *ret)
{
	*ret = loop->stats;
}

/* ---- Submitting ---- */

/* SQEs queued since the last submit: liburing's own counters, no load of
 * the kernel's head. */
static inline unsigned sq_unflushed(const struct io_uring *ring)
{
	return ring->sq.sqe_tail - ring->sq.sqe_head;
}

/*
 * Counts a submit of the @before SQEs that were queued. The kernel takes
 * them all (IORING_SETUP_SUBMIT_ALL, or it fails them with completions)
 * unless the enter itself failed; only then is its head read.
 */
static __attribute__((noinline)) void count_submitted_failed(hk_loop *loop, unsigned before)
{
	unsigned left = io_uring_sq_ready(&loop->ring);

	if (before > left)
		loop->stats.sqes += before - left;
}

static inline void count_submitted(hk_loop *loop, unsigned before, int r)
{
	loop->stats.enters++;
	if (_likely_(r >= 0 || r == -ETIME || r == -EINTR))
		loop->stats.sqes += before;
	else
		count_submitted_failed(loop, before);
}

/*
 * Submits what is queued without waiting. Never plain io_uring_submit():
 * with IORING_SETUP_DEFER_TASKRUN completions are only produced when the
 * kernel is entered with IORING_ENTER_GETEVENTS.
 */
int uring_submit_nowait(hk_loop *loop)
{
	unsigned before = sq_unflushed(&loop->ring);
	int r = io_uring_submit_and_get_events(&loop->ring);

	count_submitted(loop, before, r);
	return r;
}

/* An SQE for the loop's own use, submitting to make room; NULL if none. */
struct io_uring_sqe *uring_loop_sqe(hk_loop *loop)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);

	if (sqe)
		return sqe;
	uring_submit_nowait(loop);
	return io_uring_get_sqe(&loop->ring);
}

/*
 * Closes @fd (plain or fixed) for a coroutine that ended or gave it up:
 * through the ring, so the close rides the iteration's one submit, or
 * directly when the submission queue is full (this runs while completions
 * are reaped, where submitting is not allowed). Never fails the caller.
 */
void uring_close_fd(hk_loop *loop, int fd)
{
	if (fd < 0)
		return;
	if (loop->ring_up) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);

		if (sqe) {
			if (HK_FD_IS_FIXED(fd))
				io_uring_prep_close_direct(sqe, HK_FIXED_SLOT(fd));
			else
				io_uring_prep_close(sqe, fd);
			sqe->user_data = ud_loop(LOOP_OP_IGNORE);
			return;
		}
		if (HK_FD_IS_FIXED(fd)) {
			int none = -1;

			io_uring_register_files_update(&loop->ring, HK_FIXED_SLOT(fd), &none, 1);
			return;
		}
	}
	if (!HK_FD_IS_FIXED(fd))
		close(fd);
}

/* ---- Deadlines: a binary min-heap, indexed from the coroutines ---- */

static void heap_place(hk_loop *loop, unsigned i, struct deadline e)
{
	loop->heap[i] = e;
	e.co->heap_pos[e.kind] = i + 1;
}

static void heap_sift_up(hk_loop *loop, unsigned i, struct deadline e)
{
	while (i > 0) {
		unsigned parent = (i - 1) / 2;

		if (loop->heap[parent].at <= e.at)
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, e);
}

static void heap_sift_down(hk_loop *loop, unsigned i, struct deadline e)
{
	unsigned n = loop->heap_n;

	for (;;) {
		unsigned child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && loop->heap[child + 1].at < loop->heap[child].at)
			child++;
		if (e.at <= loop->heap[child].at)
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, e);
}

/* Sets the coroutine's @kind deadline to @at, adding it if need be. */
int uring_heap_set(hk_loop *loop, hk_co *co, unsigned kind, uint64_t at)
{
	struct deadline e = {.at = at, .co = co, .kind = kind};
	unsigned pos = co->heap_pos[kind];

	if (pos) {
		uint64_t old = loop->heap[pos - 1].at;

		if (at < old)
			heap_sift_up(loop, pos - 1, e);
		else
			heap_sift_down(loop, pos - 1, e);
		return 0;
	}
	if (loop->heap_n == loop->heap_cap) {
		unsigned cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct deadline *h = realloc(loop->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	heap_sift_up(loop, loop->heap_n++, e);
	return 0;
}

void uring_heap_remove(hk_loop *loop, hk_co *co, unsigned kind)
{
	unsigned pos = co->heap_pos[kind];

	if (!pos)
		return;
	co->heap_pos[kind] = 0;

	struct deadline last = loop->heap[--loop->heap_n];
	if (pos - 1 == loop->heap_n)
		return;
	/* The last entry takes the hole: it may belong above or below. */
	if (pos - 1 > 0 && last.at < loop->heap[(pos - 2) / 2].at)
		heap_sift_up(loop, pos - 1, last);
	else
		heap_sift_down(loop, pos - 1, last);
}

/*
 * Acts on the deadlines that passed. An inactivity deadline is a lower
 * bound: completions move the real one without touching the heap (no
 * heap work per completion); here it is moved to the real one, or the
 * coroutine is dropped.
 */
static void expire(hk_loop *loop)
{
	while (loop->heap_n > 0 && loop->heap[0].at <= loop->now) {
		hk_co *co = loop->heap[0].co;

		if (loop->heap[0].kind == DL_PARK) {
			uring_heap_remove(loop, co, DL_PARK);
			if (co->state != CO_PARK)
				continue;
			uring_waitq_remove(
			    co->park == PARK_BUF ? &loop->buf_waiters : &loop->fixed_waiters, co);
			co->park_result = -ETIME;
			co_make_ready(loop, co);
			continue;
		}
		/* Runnable (it yielded, or was woken): what it waits for is the
		 * loop, which may itself have been kept off the CPU. */
		if (co->state == CO_READY)
			co->last_active = loop->now;
		uint64_t at = co->last_active + co->inact_ns;
		if (at > loop->now) {
			uring_heap_set(loop, co, DL_INACTIVITY, at);
			continue;
		}
		uring_heap_remove(loop, co, DL_INACTIVITY);
		uring_co_drop(loop, co, -ETIMEDOUT);
	}
}

/* ---- Cancels of dropped and ended coroutines ---- */

void uring_cancel_list_add(hk_loop *loop, hk_co *co)
{
	if (co->cancel_listed)
		return;
	co->cancel_listed = true;
	co->cancel_prev = NULL;
	co->cancel_next = loop->cancel_head;
	if (loop->cancel_head)
		loop->cancel_head->cancel_prev = co;
	loop->cancel_head = co;
}

void uring_cancel_list_remove(hk_loop *loop, hk_co *co)
{
	if (!co->cancel_listed)
		return;
	if (co->cancel_prev)
		co->cancel_prev->cancel_next = co->cancel_next;
	else
		loop->cancel_head = co->cancel_next;
	if (co->cancel_next)
		co->cancel_next->cancel_prev = co->cancel_prev;
	co->cancel_listed = false;
	co->cancel_prev = co->cancel_next = NULL;
}

/*
 * Queues an ASYNC_CANCEL for every op the kernel still holds for the
 * listed coroutines. Runs just before the iteration's submit, so cancels
 * are batched with everything else; what finds no SQE waits for the next
 * iteration.
 */
static void flush_cancels(hk_loop *loop)
{
	hk_co *co;

	while ((co = loop->cancel_head)) {
		unsigned to_cancel = 0;

		for (unsigned op = 0; op < HK_CO_OPS; op++)
			if (co->expect[op])
				to_cancel |= 1u << op;
		to_cancel &= ~co->cancel_sent;
		while (to_cancel) {
			unsigned op = (unsigned)__builtin_ctz(to_cancel);
			struct io_uring_sqe *sqe = uring_loop_sqe(loop);

			if (!sqe)
				return;
			io_uring_prep_cancel64(sqe, co->ud_base | op, 0);
			sqe->user_data = ud_loop(LOOP_OP_IGNORE);
			co->cancel_sent |= 1u << op;
			co->special |= 1u << op;
			to_cancel &= to_cancel - 1;
		}
		uring_cancel_list_remove(loop, co);
	}
}

/* ---- The stop eventfd ---- */

static void stop_poll_arm(hk_loop *loop)
{
	struct io_uring_sqe *sqe = uring_loop_sqe(loop);

	if (!sqe) {
		loop->stop_rearm = true;
		return;
	}
	if (loop->features & HK_URING_POLL_MULTISHOT)
		io_uring_prep_poll_multishot(sqe, loop->stop_fd, POLLIN);
	else
		io_uring_prep_poll_add(sqe, loop->stop_fd, POLLIN);
	sqe->user_data = ud_loop(LOOP_OP_STOP);
	loop->stop_rearm = false;
}

void hk_loop_stop(hk_loop *loop)
{
	int saved = errno; /* a signal handler may call this */
	uint64_t one = 1;

	atomic_store(&loop->stop, true);
	if (loop->stop_fd >= 0 && write(loop->stop_fd, &one, sizeof(one)) < 0) {
		/* The counter is full: a wake-up is pending anyway. */
	}
	errno = saved;
}

/* ---- Completions ---- */

static void loop_cqe(hk_loop *loop, uint64_t ud, int res, unsigned flags)
{
	switch (ud & UD_OP_MASK) {
	case LOOP_OP_STOP:
		if (res == -EINVAL && (loop->features & HK_URING_POLL_MULTISHOT)) {
			/* No multishot poll: a one-shot poll re-armed each time. */
			loop->features &= ~(unsigned)HK_URING_POLL_MULTISHOT;
			loop->stop_rearm = true;
			return;
		}
		if (res > 0) {
			ssize_t n = read(loop->stop_fd, &loop->stop_buf, sizeof(loop->stop_buf));
			(void)n;
		}
		if (!(flags & IORING_CQE_F_MORE) && !loop->freeing)
			loop->stop_rearm = true;
		return;
	case LOOP_OP_PROBE_CMD:
		loop->probe.cmd_res = res;
		break;
	case LOOP_OP_PROBE_ACCEPT:
		if (flags & IORING_CQE_F_MORE)
			return;
		loop->probe.accept_res = res;
		break;
	case LOOP_OP_PROBE_CANCEL_FD:
		loop->probe.cancel_fd_res = res;
		break;
	case LOOP_OP_PROBE_CANCEL:
		loop->probe.cancel_res = res;
		break;
	case LOOP_OP_PROBE_RECV:
		loop->probe.recv_res = res;
		break;
	default:
		return;
	}
	if (loop->probe.outstanding > 0)
		loop->probe.outstanding--;
}

/*
 * An op with something unusual about it is done: a linked timeout (both
 * CQEs are in), a fixed slot as result, a slot to free, or a pool buffer
 * the kernel has let go of.
 */
static void op_done_special(hk_loop *loop, hk_co *co, unsigned op)
{
	unsigned bit = 1u << op;
	int res = co->res[op];

	if (co->lt_fired & bit) {
		co->lt_fired &= ~bit;
		/* The timeout won the race only if the op did not complete. */
		if (res < 0)
			res = -ETIME;
	}
	if (_unlikely_(loop->valgrind))
		uring_vg_done(co, op, res);
	if ((co->fixed_res & bit) && res >= 0)
		res = HK_FIXED_FD(res);
	if (co->free_slot & bit) {
		co->free_slot &= ~bit;
		uring_fixed_put(loop, (unsigned)co->oparg[op].fd);
	}
	if (co->buf_ops & bit) {
		co->buf_ops &= ~bit;
		loop->buf_busy[co->op_buf[op]]--;
	}
	co->res[op] = res;
}

/*
 * The general case of a completion: a linked timeout, an op with special
 * handling, or a coroutine being dropped or ended (not told: its
 * completions only settle the books, so its resources can be released).
 */
static void co_cqe_slow(hk_loop *loop, hk_co *co, uint64_t ud, int res, unsigned flags)
{
	unsigned op = (unsigned)(ud & UD_OP_MASK), bit = 1u << op;

	if (co->quiet)
		loop->stats.late_cqes++;
	if (ud & UD_LINK) {
		if (res == -ETIME)
			co->lt_fired |= bit;
	} else if (co->multishot & bit) {
		if (co->recv_ms & bit)
			uring_recv_cqe(loop, co, op, res, flags);
		else
			uring_accept_cqe(loop, co, op, res, flags);
		if (flags & IORING_CQE_F_MORE)
			goto wake;
		co->inflight--;
		co->expect[op]--;
		goto settled;
	} else {
		co->res[op] = res;
	}
	co->inflight--;
	if (--co->expect[op] == 0) {
		op_done_special(loop, co, op);
		co->completed |= bit;
		res = co->res[op];
		if (res < 0 && res != -EAGAIN)
			co->failed |= bit;
	}
settled:
	if (co->state == CO_ZOMBIE) {
		if (co->inflight == 0)
			uring_co_release(loop, co);
		return;
	}
wake:
	if (co->state == CO_WAIT && co_wait_done(co))
		co_make_ready(loop, co);
}

/*
 * A completion co_cqe() does not take: for the loop itself (slot 0), late
 * (a slot out of range, an old generation, an op not in flight), or one
 * of the general case (co_cqe_slow()).
 */
static void co_cqe_other(hk_loop *loop, hk_co *const *cos, uint32_t n_slots, uint64_t ud, int res,
			 unsigned flags)
{
	uint32_t slot = (uint32_t)(ud >> UD_SLOT_SHIFT) & UD_SLOT_MASK;
	hk_co *co;

	if (slot == 0) {
		loop_cqe(loop, ud, res, flags);
		return;
	}
	if (slot >= n_slots)
		goto late;
	co = cos[slot];
	if (co->gen != (uint32_t)(ud >> 32) || co->expect[ud & UD_OP_MASK] == 0)
		goto late;
	co->last_active = loop->now;
	co_cqe_slow(loop, co, ud, res, flags);
	return;
late:
	/* liburing's own timeout, on kernels without IORING_FEAT_EXT_ARG */
	if (ud != LIBURING_UDATA_TIMEOUT)
		loop->stats.late_cqes++;
}

/*
 * A completion: O(1) from the user data. The common case (a plain op of a
 * live coroutine, its generation current, no linked timeout) is a decode,
 * the result stored and the op's bit noted in co->reaped; the coroutine
 * goes on the reap's list the first time, and reap() decides its wake-up
 * once for the batch. One compare with ud_fast checks the generation, that
 * this is not a linked timeout's CQE and that the coroutine is not quiet;
 * one unsigned compare the slot.
 */
static inline void co_cqe(hk_loop *loop, hk_co *const *cos, uint32_t n_slots, hk_co **touched,
			  const struct io_uring_cqe *cqe)
{
	uint64_t ud = cqe->user_data;
	uint32_t slot = (uint32_t)(ud >> UD_SLOT_SHIFT) & UD_SLOT_MASK;
	unsigned op = (unsigned)ud & UD_OP_MASK, bit;
	int res;
	hk_co *co;

	/* slot 0 wraps around: the loop's own CQEs take the other path */
	if (_unlikely_(slot - 1 >= n_slots - 1))
		goto other;
	co = cos[slot];
	bit = 1u << op;
	if (_unlikely_((ud & ~(uint64_t)UD_OP_MASK) != co->ud_fast || !(co->plain & bit)))
		goto other;
	res = cqe->res;
	co->res[op] = res;
	co->plain &= ~bit;
	if (co->reaped == 0) {
		co->reap_next = *touched;
		*touched = co;
	}
	co->reaped |= bit;
	if (_unlikely_(res < 0 && res != -EAGAIN))
		co->failed |= bit;
	return;
other:
	co_cqe_other(loop, cos, n_slots, ud, cqe->res, cqe->flags);
}

/*
 * Reaps every completion in the ring: one acquire of the tail, one release
 * of the head. Handling a completion may queue SQEs (closes) but never
 * enters the kernel, so the ring does not move under the loop. The
 * coroutines whose plain ops completed are then settled once each: their
 * completions made visible, and the wait tested once for all of them (the
 * seeds' completion coalescing). A coroutine woken by a special completion
 * meanwhile is CO_READY already and is not queued twice.
 */
static inline __attribute__((always_inline)) unsigned reap(hk_loop *loop)
{
	struct io_uring_cq *cq = &loop->ring.cq;
	const struct io_uring_cqe *cqes = cq->cqes;
	unsigned mask = cq->ring_mask;
	unsigned head = *cq->khead;
	unsigned tail = io_uring_smp_load_acquire(cq->ktail);
	unsigned n = tail - head;
	hk_co *const *cos = loop->cos;
	uint32_t n_slots = loop->n_slots;
	hk_co *touched = NULL;

	if (n == 0)
		return 0;
	for (; head != tail; head++) {
		const struct io_uring_cqe *cqe = &cqes[head & mask];

		co_cqe(loop, cos, n_slots, &touched, cqe);
	}
	io_uring_smp_store_release(cq->khead, tail);
	loop->stats.cqes += n;
	while (touched) {
		hk_co *co = touched;

		touched = co->reap_next;
		co->completed |= co->reaped;
		co->reaped = 0;
		co->last_active = loop->now;
		if (co->state == CO_WAIT && co_wait_done(co))
			co_make_ready(loop, co);
	}
	return n;
}

/* Completions the kernel held back (a full CQ): flushed and reaped. */
static __attribute__((noinline)) void reap_overflow(hk_loop *loop)
{
	for (unsigned i = 0; i < MAX_OVERFLOW_ROUNDS && io_uring_cq_has_overflow(&loop->ring);
	     i++) {
		loop->stats.cq_overflow++;
		io_uring_get_events(&loop->ring);
		loop->stats.enters++;
		reap(loop);
	}
}

/* Every ready completion, those the kernel held back included. */
static inline __attribute__((always_inline)) void reap_all(hk_loop *loop)
{
	reap(loop);
	if (_unlikely_(io_uring_cq_has_overflow(&loop->ring)))
		reap_overflow(loop);
}

/* ---- The iteration ---- */

static inline __attribute__((always_inline)) void run_list(hk_loop *loop, hk_co *co)
{
	while (co) {
		hk_co *next = co->next;

		if (co->state == CO_READY) {
			loop->run_rest = next;
			uring_co_resume(loop, co);
		}
		co = next;
	}
}

/*
 * Resumes the coroutines that were runnable when the phase began (those
 * that found the SQ full first); coroutines made runnable meanwhile (a
 * spawn, a yield) run in the next iteration.
 */
static void run_ready(hk_loop *loop)
{
	hk_co *co = loop->sqfull_head;

	loop->sqfull_head = loop->sqfull_tail = NULL;
	run_list(loop, co);
	co = loop->runq_head;
	loop->runq_head = loop->runq_tail = NULL;
	run_list(loop, co);
}

static bool submit_error_is_fatal(int r)
{
	return r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY;
}

/*
 * The iteration's one submit: waits for a completion when nothing is
 * runnable, never past the nearest deadline (nor @max_wait_ns when not 0).
 */
static inline __attribute__((always_inline)) int submit(hk_loop *loop, bool wait, uint64_t max_wait_ns)
{
	uint64_t wait_ns = max_wait_ns;
	int r;

	if (wait && loop->heap_n > 0) {
		uint64_t now = uring_clock(), at = loop->heap[0].at;
		uint64_t left = at > now ? at - now : 0;

		if (left == 0)
			wait = false;
		else if (wait_ns == 0 || left < wait_ns)
			wait_ns = left;
	}

	if (_unlikely_(loop->valgrind) && wait) {
		/*
		 * Valgrind (3.19) does not count io_uring_enter() among the
		 * calls that block: a thread waiting in it keeps valgrind's
		 * lock and the process's other threads stall. Short waits,
		 * and sched_yield(), which valgrind does let go on.
		 */
		sched_yield();
		if (wait_ns == 0 || wait_ns > VALGRIND_WAIT_SLICE)
			wait_ns = VALGRIND_WAIT_SLICE;
	}

	unsigned before = sq_unflushed(&loop->ring);
	/*
	 * Nothing to submit, coroutines to run, and no completion waiting
	 * for the kernel to post it: with the task-run flag the kernel says
	 * so in the SQ ring's flags, and entering would only cost the
	 * syscall. (Without the flag the loop cannot know, and enters.)
	 */
	if (!wait && before == 0 && loop->taskrun_flag &&
	    !(IO_URING_READ_ONCE(*loop->ring.sq.kflags) &
	      (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)))
		return 0;
	if (wait && wait_ns) {
		struct __kernel_timespec ts = uring_ts(wait_ns);
		struct io_uring_cqe *cqe;

		r = io_uring_submit_and_wait_timeout(&loop->ring, &cqe, 1, &ts, NULL);
	} else if (wait) {
		r = io_uring_submit_and_wait(&loop->ring, 1);
	} else {
		r = io_uring_submit_and_get_events(&loop->ring);
	}
	count_submitted(loop, before, r);
	return submit_error_is_fatal(r) ? r : 0;
}

/*
 * Whether the loop's next steps after the running coroutine are only the
 * submit and the wait: no coroutine left to run in this phase or runnable
 * for the next (but @runq), no deadline, cancel, re-arm or stop to see to,
 * and the
 * loop is in hk_loop_run() (not freeing).
 */
static inline bool nothing_else(const hk_loop *loop, const hk_co *runq)
{
	return loop->running && !loop->run_rest && loop->runq_head == runq && !loop->sqfull_head &&
	       !loop->cancel_head && !loop->stop_rearm && loop->heap_n == 0 &&
	       !loop->freeing && !atomic_load_explicit(&loop->stop, memory_order_relaxed);
}

/*
 * The iteration, run by a coroutine about to wait when nothing_else(): the
 * submit and wait, then the reap, as iterate() would do them, but on the
 * coroutine's stack. When they wake this coroutine and no other, it goes
 * on without the two switches to the loop and back; otherwise (others
 * woken, a stop, a cancel to queue) it returns false and the coroutine
 * suspends, the loop carrying on from there. The case of one coroutine
 * with its ops in flight, or the last one of a busy phase.
 */
bool uring_wait_inline(hk_loop *loop, hk_co *co)
{
	if (!nothing_else(loop, NULL))
		return false;
	for (;;) {
		loop->stats.iterations++;
		int r = submit(loop, true, 0);
		if (_unlikely_(r < 0)) {
			loop->error = r; /* for hk_loop_run(), through iterate() */
			return false;
		}
		reap_all(loop);
		if (_unlikely_(co->state == CO_WAIT)) {
			/* not woken: wait again, if still nothing else */
			if (!nothing_else(loop, NULL))
				return false;
			continue;
		}
		/*
		 * Woken, so on the run queue. Of nothing_else(), a reap can
		 * change only the run queue (wake-ups, parked coroutines
		 * given a resource) and the stop poll's re-arm; a stop asked
		 * meanwhile must end hk_loop_run() before this runs on.
		 */
		if (loop->runq_head != co || co->next || loop->stop_rearm ||
		    atomic_load_explicit(&loop->stop, memory_order_relaxed))
			return false;
		loop->runq_head = loop->runq_tail = NULL;
		co->state = CO_RUNNING;
		return true;
	}
}

static int iterate(hk_loop *loop, bool may_wait, uint64_t max_wait_ns)
{
	loop->stats.iterations++;
	/* The clock only when a deadline needs it, and before the reaping,
	 * which stamps each coroutine's activity with it. */
	if (loop->heap_n > 0)
		loop->now = uring_clock();
	reap_all(loop);
	if (loop->heap_n > 0)
		expire(loop);
	run_ready(loop);
	if (_unlikely_(loop->error)) {
		int r = loop->error;

		loop->error = 0;
		return r;
	}
	flush_cancels(loop);
	if (loop->stop_rearm)
		stop_poll_arm(loop);

	bool wait = may_wait && !loop->runq_head && !loop->sqfull_head && !loop->cancel_head &&
		    !atomic_load_explicit(&loop->stop, memory_order_relaxed) &&
		    loop->stats.alive + loop->stats.zombies > 0;
	return submit(loop, wait, max_wait_ns);
}

int hk_loop_run(hk_loop *loop)
{
	int r;

	if (loop->running)
		return -EBUSY;
	loop->running = true;
	for (;;) {
		r = iterate(loop, true, 0);
		if (r < 0)
			break;
		/* A plain load first: the exchange is a locked instruction,
		 * as costly as a good part of an iteration. */
		if (atomic_load_explicit(&loop->stop, memory_order_relaxed) &&
		    atomic_exchange(&loop->stop, false))
			break;
		if (loop->stats.alive + loop->stats.zombies == 0)
			break;
	}
	loop->running = false;
	return r;
}

/* ---- Set-up ---- */

/*
 * Set-up flags from the best for one thread driving its own ring down to
 * none: each is refused with -EINVAL by kernels that lack it.
 */
static int ring_setup(hk_loop *loop, unsigned sq_entries, unsigned cq_entries)
{
	static const unsigned tries[] = {
	    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
		IORING_SETUP_SUBMIT_ALL,
	    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
	    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL,
	    IORING_SETUP_SUBMIT_ALL,
	    0,
	};
	int r = -EINVAL;

	for (size_t i = loop->flags & HK_LOOP_NO_TASKRUN_FLAGS ? 3 : 0; i < ELEMENTSOF(tries);
	     i++) {
		struct io_uring_params p = {
		    .flags = tries[i] | IORING_SETUP_CQSIZE,
		    .cq_entries = cq_entries,
		};

		r = io_uring_queue_init_params(sq_entries, &loop->ring, &p);
		if (r == -EINVAL)
			continue;
		if (r < 0)
			return r;
		if (p.flags & IORING_SETUP_SINGLE_ISSUER)
			loop->features |= HK_URING_SINGLE_ISSUER;
		if (p.flags & IORING_SETUP_DEFER_TASKRUN)
			loop->features |= HK_URING_DEFER_TASKRUN;
		if (p.flags & IORING_SETUP_COOP_TASKRUN)
			loop->features |= HK_URING_COOP_TASKRUN;
		if (p.flags & IORING_SETUP_SUBMIT_ALL)
			loop->features |= HK_URING_SUBMIT_ALL;
		loop->taskrun_flag = p.flags & IORING_SETUP_TASKRUN_FLAG;
		if (p.features & IORING_FEAT_EXT_ARG)
			loop->features |= HK_URING_EXT_ARG;
		if (p.features & IORING_FEAT_NODROP)
			loop->features |= HK_URING_NODROP;
		loop->ring_up = true;
		return 0;
	}
	return r;
}

static void probe_opcodes(hk_loop *loop)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(&loop->ring);

	if (!probe)
		return;
	for (unsigned i = 0; i < probe->ops_len; i++)
		if (probe->ops[i].flags & IO_URING_OP_SUPPORTED)
			loop->op_supported[probe->ops[i].op] = 1;
	io_uring_free_probe(probe);
}

/*
 * Multishot recv, on a socketpair holding a byte: a kernel without it
 * fails the SQE's flag with -EINVAL; one with it looks for a buffer in
 * group PROBE_RECV_BGID, which is never registered, and fails with
 * -ENOBUFS. The socketpair may close once the SQE is submitted: the
 * request holds its file.
 */
static void probe_recv_multishot(hk_loop *loop)
{
	int sv[2];
	struct io_uring_sqe *sqe;

	loop->probe.recv_res = 1;
	if (!loop->op_supported[IORING_OP_RECV] ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		return;
	_cleanup_close_ int rfd = sv[0], wfd = sv[1];
	if (write(wfd, "", 1) != 1 || !(sqe = uring_loop_sqe(loop)))
		return;
	io_uring_prep_recv(sqe, rfd, NULL, 0, 0);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = PROBE_RECV_BGID;
	sqe->user_data = ud_loop(LOOP_OP_PROBE_RECV);
	loop->probe.outstanding++;
	uring_submit_nowait(loop);
}

/*
 * What IORING_REGISTER_PROBE cannot tell, asked of the kernel on a
 * throw-away listening socket (AF_UNIX, autobound: no port is opened):
 * a getsockopt(SO_TYPE) through IORING_OP_URING_CMD, a multishot accept
 * (a kernel without it fails the SQE with -EINVAL; with it the accept
 * stays armed until cancelled), and the cancel of that accept keyed by
 * descriptor (IORING_ASYNC_CANCEL_FD, -EINVAL where unknown). Synchronous:
 * the answers are in before hk_loop_new() returns.
 */
static void probe_sockets(hk_loop *loop)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool cmd = loop->op_supported[IORING_OP_URING_CMD];
	bool accept =
	    loop->op_supported[IORING_OP_ACCEPT] && loop->op_supported[IORING_OP_ASYNC_CANCEL];
	bool cancel_ud_sent = false;
	struct io_uring_sqe *sqe;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)) < 0 ||
	    listen(fd, 1) < 0)
		return;

	loop->probe.cmd_res = loop->probe.accept_res = 1;
	loop->probe.cancel_fd_res = loop->probe.cancel_res = 1;
	loop->probe.outstanding = 0;
	probe_recv_multishot(loop);
	if (cmd && (sqe = uring_loop_sqe(loop))) {
		uring_prep_getsockopt(sqe, fd, SOL_SOCKET, SO_TYPE, &loop->probe.type,
				      sizeof(loop->probe.type));
		sqe->user_data = ud_loop(LOOP_OP_PROBE_CMD);
		loop->probe.outstanding++;
	}
	if (accept && (sqe = uring_loop_sqe(loop))) {
		io_uring_prep_multishot_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
		sqe->user_data = ud_loop(LOOP_OP_PROBE_ACCEPT);
		loop->probe.outstanding++;
		/* Submitted first, so the cancel finds it armed. */
		uring_submit_nowait(loop);
		if ((sqe = uring_loop_sqe(loop))) {
			io_uring_prep_cancel_fd(sqe, fd, 0);
			sqe->user_data = ud_loop(LOOP_OP_PROBE_CANCEL_FD);
			loop->probe.outstanding++;
		}
	}

	uint64_t limit = uring_clock() + PROBE_TIME_LIMIT;
	while (loop->probe.outstanding > 0 && uring_clock() < limit) {
		struct __kernel_timespec ts = uring_ts(50 * HK_MSEC);
		struct io_uring_cqe *cqe;
		unsigned before = sq_unflushed(&loop->ring);
		int r = io_uring_submit_and_wait_timeout(&loop->ring, &cqe, 1, &ts, NULL);

		count_submitted(loop, before, r);
		reap_all(loop);
		if (loop->probe.cancel_fd_res == -EINVAL && loop->probe.accept_res == 1 &&
		    !cancel_ud_sent && (sqe = uring_loop_sqe(loop))) {
			io_uring_prep_cancel64(sqe, ud_loop(LOOP_OP_PROBE_ACCEPT), 0);
			sqe->user_data = ud_loop(LOOP_OP_PROBE_CANCEL);
			loop->probe.outstanding++;
			cancel_ud_sent = true;
		}
	}

	if (loop->probe.recv_res == -ENOBUFS)
		loop->features |= HK_URING_RECV_MULTISHOT;
	if (loop->probe.cmd_res == (int)sizeof(int) && loop->probe.type == SOCK_STREAM)
		loop->features |= HK_URING_SOCKET_CMD;
	if (loop->probe.accept_res == -ECANCELED)
		loop->features |= HK_URING_ACCEPT_MULTISHOT;
	if (loop->probe.cancel_fd_res == 0 || loop->probe.cancel_fd_res == -ENOENT ||
	    loop->probe.cancel_fd_res == -EALREADY)
		loop->features |= HK_URING_CANCEL_FD;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_loop *, hk_loop_free)

int hk_loop_new(const hk_loop_params *params, hk_loop **ret)
{
	hk_loop_params p = params ? *params : (hk_loop_params){0};
	const unsigned known_flags =
	    HK_LOOP_NO_TASKRUN_FLAGS | HK_LOOP_NO_MULTISHOT | HK_LOOP_GUARD_REPORT;
	_cleanup_(hk_loop_freep) hk_loop *loop = NULL;
	int r;

	if (!ret)
		return -EINVAL;
	if (p.sq_entries == 0)
		p.sq_entries = DEFAULT_SQ_ENTRIES;
	/* The kernel's largest CQ is twice its largest SQ. */
	if (p.cq_entries == 0)
		p.cq_entries = MIN(4 * p.sq_entries, 2 * MAX_SQ_ENTRIES);
	if (p.sq_entries > MAX_SQ_ENTRIES || p.cq_entries < p.sq_entries ||
	    p.accept_slots > p.fixed_files || (p.flags & ~known_flags))
		return -EINVAL;

	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->stop_fd = -EBADF;
	loop->flags = p.flags;
#ifdef HK_URING_VALGRIND
	loop->valgrind = RUNNING_ON_VALGRIND;
#endif
	loop->max_coroutines = p.max_coroutines;
	loop->cap_slots = 64;
	loop->n_slots = 1; /* slot 0 is the loop's own */
	loop->cos = calloc(loop->cap_slots, sizeof(*loop->cos));
	if (!loop->cos)
		return -ENOMEM;

	r = ring_setup(loop, p.sq_entries, p.cq_entries);
	if (r < 0)
		return r;
	if (io_uring_register_ring_fd(&loop->ring) == 1)
		loop->features |= HK_URING_REGISTERED_RING;
	probe_opcodes(loop);

	r = uring_pool_init(loop, &p);
	if (r < 0)
		return r;
	r = hk_stack_pool_new(p.stack_size, STACK_CACHE, &loop->stacks);
	if (r < 0)
		return r;

	loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->stop_fd < 0)
		return -errno;
	/* A kernel whose io_uring cannot poll cannot wake the loop for
	 * hk_loop_stop(): refused as a kernel without io_uring is (the errno
	 * io_uring_setup() gives there), which callers treat alike. */
	if (!loop->op_supported[IORING_OP_POLL_ADD])
		return -ENOSYS;
	/* Multishot poll is tried: the kernel fails the poll with -EINVAL
	 * where it lacks it, and the loop falls back (loop_cqe()). */
	loop->features |= HK_URING_POLL_MULTISHOT;
	stop_poll_arm(loop);
	probe_sockets(loop);
	if (loop->flags & HK_LOOP_NO_MULTISHOT)
		loop->features &= ~(unsigned)(HK_URING_ACCEPT_MULTISHOT | HK_URING_RECV_MULTISHOT);
	/* The probes' traffic is not the user's. */
	memset(&loop->stats, 0, sizeof(loop->stats));

	if (loop->flags & HK_LOOP_GUARD_REPORT) {
		r = hk_stack_guard_report();
		if (r < 0)
			return r;
		loop->guard_report = true;
	}
	*ret = TAKE_PTR(loop);
	return 0;
}

hk_loop *hk_loop_free(hk_loop *loop)
{
	if (!loop)
		return NULL;
	loop->freeing = true;
	/* A stop asked for and not acted on would keep the loop from waiting. */
	atomic_store(&loop->stop, false);
	if (loop->ring_up) {
		for (uint32_t slot = 1; slot < loop->n_slots; slot++) {
			hk_co *co = loop->cos[slot];

			if (co->state != CO_FREE && co->state < CO_ENDED)
				uring_co_drop(loop, co, -ECANCELED);
		}
		/* The dropped coroutines unwind and the kernel gives their
		 * operations back; bounded, for one that never returns. */
		uint64_t limit = uring_clock() + FREE_TIME_LIMIT;
		while (loop->stats.alive + loop->stats.zombies > 0 && uring_clock() < limit)
			if (iterate(loop, true, FREE_WAIT_STEP) < 0)
				break;
		/* Queued closes run at submit. */
		uring_submit_nowait(loop);
		/*
		 * Ops still out: the time limit passed, or the ring could not
		 * be driven (another thread than the owner: with a single
		 * issuer the kernel refuses its enters). Closing the ring
		 * cancels them, but asynchronously: a recv may still copy into
		 * a stack, a read into a pool buffer. What they may touch is
		 * left mapped, deliberately leaked, rather than unmapped under
		 * the kernel.
		 */
		for (uint32_t slot = 1; slot < loop->n_slots; slot++)
			if (loop->cos[slot]->state != CO_FREE &&
			    (loop->cos[slot]->inflight > 0 || loop->cos[slot]->plain))
				loop->kernel_held = true;
		io_uring_queue_exit(&loop->ring);
		loop->ring_up = false;
	}
	/* Whatever the time limit left is released without the ring (its
	 * memory excepted, as above). */
	for (uint32_t slot = 1; slot < loop->n_slots; slot++) {
		hk_co *co = loop->cos[slot];

		if (co && co->state != CO_FREE)
			uring_co_release(loop, co);
	}
	uring_pool_fini(loop);
	hk_stack_pool_free(loop->stacks);
	uring_co_free_records(loop);
	free(loop->heap);
	if (loop->stop_fd >= 0)
		close(loop->stop_fd);
	free(loop);
	return NULL;
}
