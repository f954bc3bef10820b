/* SPDX-License-Identifier: MIT */
/*
 * Coroutines: their records, the switches in and out, their end (drop,
 * zombie, release), waits and what they own.
 */
#include <errno.h>
#include <stdlib.h>

#include "rt/uring/internal.h"

/* ---- Switching ---- */

void uring_co_suspend(hk_co *co)
{
	hk_loop *loop = co->loop;

	asan_start(&co->asan_fake, loop->asan_main_bottom, loop->asan_main_size);
	hk_ctx_switch(&co->ctx, &loop->main_ctx);
	asan_finish(co->asan_fake, &loop->asan_main_bottom, &loop->asan_main_size);
}

/* Where every coroutine starts, on its own stack. */
static void co_entry(void *arg)
{
	hk_co *co = arg;
	hk_loop *loop = co->loop;

	asan_finish(NULL, &loop->asan_main_bottom, &loop->asan_main_size);
	co->fn(co, co->fn_arg);
	co->state = CO_ENDED;
	/* The last switch away: no fake stack to keep, this stack is done. */
	asan_start(NULL, loop->asan_main_bottom, loop->asan_main_size);
	hk_ctx_switch(&co->ctx, &loop->main_ctx);
	abort(); /* never resumed: the next spawn makes a new context */
}

/* A coroutine whose function returned: cancel what is out, then release. */
void uring_co_finish(hk_loop *loop, hk_co *co)
{
	loop->stats.alive--;
	loop->stats.zombies++;
	co->state = CO_ZOMBIE;
	co->quiet = true;
	co_leave_fast(co);
	co->link_armed = false;
	/* Single accepts waiting to be started again hold nothing. */
	if (co->ms_rearm) {
		co->ms_ended |= co->ms_rearm;
		co->ms_rearm = 0;
	}
	if (co->inflight == 0) {
		uring_co_release(loop, co);
		return;
	}
	uring_cancel_list_add(loop, co);
}

/* ---- Records ---- */

static hk_co *record_get(hk_loop *loop)
{
	hk_co *co = loop->free_cos;

	if (co) {
		loop->free_cos = co->next;
		return co;
	}
	/* Slot UD_SLOT_MASK stays unused: liburing's timeout user data
	 * (all ones) must never name a coroutine. */
	if (loop->n_slots >= UD_SLOT_MASK)
		return NULL;
	if (loop->n_slots == loop->cap_slots) {
		uint32_t cap = loop->cap_slots * 2;
		hk_co **cos = realloc(loop->cos, cap * sizeof(*cos));

		if (!cos)
			return NULL;
		loop->cos = cos;
		loop->cap_slots = cap;
	}
	co = calloc(1, sizeof(*co));
	if (!co)
		return NULL;
	co->loop = loop;
	co->slot = loop->n_slots;
	co->gen = 1;
	loop->cos[loop->n_slots++] = co;
	return co;
}

static void record_put(hk_loop *loop, hk_co *co)
{
	co->state = CO_FREE;
	co->next = loop->free_cos;
	loop->free_cos = co;
}

void uring_co_free_records(hk_loop *loop)
{
	if (!loop->cos)
		return;
	for (uint32_t slot = 1; slot < loop->n_slots; slot++) {
		hk_co *co = loop->cos[slot];

		if (!co)
			continue;
		if (co->aq)
			for (unsigned op = 0; op < HK_CO_OPS; op++)
				free(co->aq[op].fds);
		free(co->aq);
		if (co->rq)
			for (unsigned op = 0; op < HK_CO_OPS; op++)
				free(co->rq[op].items);
		free(co->rq);
		free(co->own);
		free(co->bufs);
		free(co);
	}
	free(loop->cos);
	loop->cos = NULL;
}

hk_co *uring_co_lookup(const hk_loop *loop, uint64_t id)
{
	uint32_t slot = (uint32_t)id;

	if (slot == 0 || slot >= loop->n_slots)
		return NULL;
	hk_co *co = loop->cos[slot];
	if (co->gen != (uint32_t)(id >> 32) || co->state == CO_FREE || co->state >= CO_ENDED)
		return NULL;
	return co;
}

int hk_co_spawn(hk_loop *loop, hk_co_fn *fn, void *arg, hk_co **ret)
{
	hk_co *co;
	int r;

	if (!fn)
		return -EINVAL;
	if (loop->max_coroutines && loop->stats.alive + loop->stats.zombies >= loop->max_coroutines)
		return -EAGAIN;
	co = record_get(loop);
	if (!co)
		return -ENOMEM;
	r = hk_stack_get(loop->stacks, &co->stack);
	if (r < 0) {
		record_put(loop, co);
		return r;
	}
	hk_ctx_make(&co->ctx, co->stack.base, co->stack.size, co_entry, co);
	co->fn = fn;
	co->fn_arg = arg;
	co->ud_base = (uint64_t)co->gen << 32 | (uint64_t)co->slot << UD_SLOT_SHIFT;
	co->ud_fast = co->ud_base;
	/* Spawned while the loop is being freed: it runs, but only to find
	 * it is being dropped. */
	if (loop->freeing) {
		co->dead = -ECANCELED;
		co->quiet = true;
		co_leave_fast(co);
	}
	co_make_ready(loop, co);
	loop->stats.spawned++;
	loop->stats.alive++;
	if (ret)
		*ret = co;
	return 0;
}

hk_loop *hk_co_loop(const hk_co *co)
{
	return co->loop;
}

uint64_t hk_co_id(const hk_co *co)
{
	return co_id_of(co);
}

/* ---- The end ---- */

/*
 * Gives back all a coroutine held, once the kernel has given back all its
 * operations: before that the kernel may still write into its stack or
 * use its buffers and descriptors.
 */
void uring_co_release(hk_loop *loop, hk_co *co)
{
	uring_cancel_list_remove(loop, co);
	if (co->state == CO_PARK) /* hk_loop_free() giving up on it */
		uring_waitq_remove(co->park == PARK_BUF ? &loop->buf_waiters : &loop->fixed_waiters,
				   co);
	uring_accept_flush(loop, co);
	uring_recv_flush(loop, co);
	for (unsigned i = 0; i < co->n_bufs; i++)
		uring_buf_put(loop, co->bufs[i]);
	co->n_bufs = 0;
	for (unsigned i = 0; i < co->n_own; i++) {
		int fd = co->own[i].fd;

		if (co->own[i].flags & HK_OWN_FORGET)
			continue;
		uring_close_fd(loop, fd);
		if (HK_FD_IS_FIXED(fd) && HK_FIXED_SLOT(fd) < loop->fixed_alloc_n)
			uring_fixed_put(loop, HK_FIXED_SLOT(fd));
	}
	co->n_own = 0;

	if (co->state == CO_ZOMBIE)
		loop->stats.zombies--;
	else
		loop->stats.alive--; /* hk_loop_free() giving up on one */
	/* hk_loop_free() giving up on ops the kernel may still complete into
	 * this stack: it stays mapped, leaked (see there). */
	if (!(loop->kernel_held && co->inflight > 0))
		hk_stack_put(loop->stacks, &co->stack);

	co->pending = co->completed = co->failed = co->urgent = co->wait_mask = 0;
	co->wait_urgent = 0;
	co->inflight = 0;
	co->plain = 0;
	memset(co->expect, 0, sizeof(co->expect));
	co->multishot = co->recv_ms = co->ms_ended = co->ms_rearm = co->lt_fired = co->cancel_sent =
	    0;
	co->fixed_res = co->accept_ops = co->free_slot = co->buf_ops = co->special = 0;
	co->dead = 0;
	co->quiet = false;
	co->woken = false;
	co->inact_ns = 0;
	uring_heap_remove(loop, co, DL_INACTIVITY);
	uring_heap_remove(loop, co, DL_PARK);
	co->link_armed = false;
	co->park = PARK_NONE;
	co->fn = NULL;
	co->fn_arg = NULL;
	co->asan_fake = NULL;
	/* Completions still carrying the old generation are now late: the
	 * reap compares their user data with ud_base. */
	co->gen++;
	co->ud_base = (uint64_t)co->gen << 32 | (uint64_t)co->slot << UD_SLOT_SHIFT;
	co->ud_fast = 0;
	record_put(loop, co);
}

void uring_co_drop(hk_loop *loop, hk_co *co, int reason)
{
	if (co->dead || co->state == CO_FREE || co->state >= CO_ENDED)
		return;
	co->dead = reason;
	co->quiet = true;
	co_leave_fast(co);
	co->link_armed = false;
	loop->stats.dropped++;
	uring_heap_remove(loop, co, DL_INACTIVITY);
	if (co->state == CO_WAIT) {
		co_make_ready(loop, co);
	} else if (co->state == CO_PARK) {
		uring_waitq_remove(co->park == PARK_BUF ? &loop->buf_waiters : &loop->fixed_waiters,
				   co);
		uring_heap_remove(loop, co, DL_PARK);
		co->park_result = -ECANCELED;
		co_make_ready(loop, co);
	}
	if (co->ms_rearm) {
		for (unsigned m = co->ms_rearm; m; m &= m - 1) {
			unsigned op = (unsigned)__builtin_ctz(m);

			co->res[op] = -ECANCELED;
		}
		co->ms_ended |= co->ms_rearm;
		co->completed |= co->ms_rearm;
		co->failed |= co->ms_rearm;
		co->ms_rearm = 0;
	}
	if (co->inflight)
		uring_cancel_list_add(loop, co);
}

int hk_loop_drop(hk_loop *loop, uint64_t id)
{
	hk_co *co = uring_co_lookup(loop, id);

	if (!co)
		return -ESRCH;
	uring_co_drop(loop, co, -ECANCELED);
	return 0;
}

int hk_co_drop(hk_co *co)
{
	return hk_loop_drop(co->loop, co_id_of(co));
}

int hk_co_dead(const hk_co *co)
{
	return co->dead;
}

/* ---- Waking and waiting ---- */

int hk_loop_wake(hk_loop *loop, uint64_t id)
{
	hk_co *co = uring_co_lookup(loop, id);

	if (!co)
		return -ESRCH;
	/* Not in hk_co_wait(): kept for its next one, so a wake-up sent just
	 * before the wait is not lost. */
	if (co->state == CO_WAIT && co->wait_wakeable)
		co_make_ready(loop, co);
	else
		co->woken = true;
	return 0;
}

int hk_co_yield(hk_co *co)
{
	hk_loop *loop = co->loop;

	if (co->dead)
		return -ECANCELED;
	co->last_active = loop->now;
	co_make_ready(loop, co);
	uring_co_suspend(co);
	return co->dead ? -ECANCELED : 0;
}

int hk_co_set_inactivity(hk_co *co, uint64_t ns)
{
	hk_loop *loop = co->loop;

	co->inact_ns = ns;
	if (ns == 0 || co->dead) {
		uring_heap_remove(loop, co, DL_INACTIVITY);
		return 0;
	}

	uint64_t now = uring_clock();
	if (now > loop->now)
		loop->now = now;
	co->last_active = now;
	return uring_heap_set(loop, co, DL_INACTIVITY,
			      ns > UINT64_MAX - now ? UINT64_MAX : now + ns);
}

int hk_co_wait(hk_co *co, unsigned mask, int how)
{
	return co_wait(co, mask, how, true);
}

unsigned hk_co_set_urgent(hk_co *co, unsigned mask)
{
	unsigned old = co->urgent;

	co->urgent = mask & HK_CO_ALL_OPS;
	return old;
}

unsigned hk_co_pending(const hk_co *co)
{
	return co->pending;
}

unsigned hk_co_completed(const hk_co *co)
{
	return co->completed;
}

int uring_co_collect_slow(hk_co *co, int op)
{
	if ((unsigned)op >= HK_CO_OPS)
		return -EINVAL;

	unsigned bit = 1u << op;
	/* completed is a subset of pending */
	if (!(co->completed & bit))
		return co->pending & bit ? -EBUSY : -EINVAL;
	if (co->special & bit) {
		if (co->multishot & bit) {
			bool queued = co->recv_ms & bit ? co->rq[op].head != co->rq[op].tail
							: co->aq[op].head != co->aq[op].tail;

			if (!(co->ms_ended & bit) || queued)
				return -EBUSY;
			co->multishot &= ~bit;
			co->recv_ms &= ~bit;
			co->ms_ended &= ~bit;
		}
		co->cancel_sent &= ~bit;
		co->fixed_res &= ~bit;
		co->accept_ops &= ~bit;
		co->special &= ~bit;
	}
	co->pending &= ~bit;
	co->completed &= ~bit;
	co->failed &= ~bit;
	return co->res[op];
}

int hk_co_result(hk_co *co, int op)
{
	return co_collect(co, op);
}

int hk_co_link_timeout(hk_co *co, uint64_t ns)
{
	co->link_ns = ns;
	co->link_armed = true;
	return 0;
}

/* ---- Parking for a resource ---- */

static void waitq_append(struct waitq *q, hk_co *co)
{
	co->park_next = NULL;
	co->park_prev = q->tail;
	if (q->tail)
		q->tail->park_next = co;
	else
		q->head = co;
	q->tail = co;
}

void uring_waitq_remove(struct waitq *q, hk_co *co)
{
	if (co->park_prev)
		co->park_prev->park_next = co->park_next;
	else
		q->head = co->park_next;
	if (co->park_next)
		co->park_next->park_prev = co->park_prev;
	else
		q->tail = co->park_prev;
	co->park_prev = co->park_next = NULL;
}

hk_co *uring_waitq_pop(struct waitq *q)
{
	hk_co *co = q->head;

	if (co)
		uring_waitq_remove(q, co);
	return co;
}

/*
 * Waits in @q until the resource is handed over (park_result set by the
 * giver), the timeout passes (-ETIME) or the coroutine is dropped.
 */
int uring_co_park(hk_co *co, struct waitq *q, unsigned kind, uint64_t timeout_ns)
{
	hk_loop *loop = co->loop;
	uint64_t now = uring_clock();
	uint64_t at = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
	int r = uring_heap_set(loop, co, DL_PARK, at);

	if (r < 0)
		return r;
	co->park = (uint8_t)kind;
	co->park_result = -ETIME;
	waitq_append(q, co);
	co->state = CO_PARK;
	uring_co_suspend(co);
	co->park = PARK_NONE;
	/* Served before the deadline: it is moot. */
	uring_heap_remove(loop, co, DL_PARK);
	return co->park_result;
}

/* ---- Ownership ---- */

int uring_own_find(const hk_co *co, int fd)
{
	for (unsigned i = 0; i < co->n_own; i++)
		if (co->own[i].fd == fd)
			return (int)i;
	return -1;
}

/* Room for @n more owned descriptors, so adding them cannot fail. */
int uring_own_reserve(hk_co *co, unsigned n)
{
	if (co->n_own + n <= co->cap_own)
		return 0;

	unsigned cap = co->cap_own ? co->cap_own : 4;
	while (cap < co->n_own + n)
		cap *= 2;
	struct owned_fd *own = realloc(co->own, cap * sizeof(*own));
	if (!own)
		return -ENOMEM;
	co->own = own;
	co->cap_own = cap;
	return 0;
}

int uring_own_add(hk_co *co, int fd, unsigned flags)
{
	int r = uring_own_reserve(co, 1);

	if (r < 0)
		return r;
	co->own[co->n_own++] = (struct owned_fd){.fd = fd, .flags = flags};
	return 0;
}

void uring_own_remove_at(hk_co *co, unsigned i)
{
	co->own[i] = co->own[--co->n_own];
}

int hk_co_own(hk_co *co, int fd, unsigned flags)
{
	if (fd < 0)
		return -EBADF;
	if (flags & ~(unsigned)HK_OWN_FORGET)
		return -EINVAL;
	if (uring_own_find(co, fd) >= 0)
		return -EEXIST;
	return uring_own_add(co, fd, flags);
}

int hk_co_disown(hk_co *co, int fd)
{
	int i = uring_own_find(co, fd);

	if (i < 0)
		return -ENOENT;
	uring_own_remove_at(co, (unsigned)i);
	return 0;
}
