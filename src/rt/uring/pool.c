/* SPDX-License-Identifier: MIT */
/*
 * The loop's two registered resources: the fixed file table's allocator
 * and the registered buffer pool. Both are in short supply by design, so
 * taking one can fail at once or wait (in order) for one to be given back:
 * the seeds' "can't obtain, so timeout and try again".
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rt/uring/internal.h"

#define DEFAULT_BUFFER_SIZE 4096u
#define BUFFER_ALIGN	    64u
/* The kernel's limit on a provided buffer ring. */
#define MAX_RECV_BUFFERS 32768u

/* ---- Set-up ---- */

static int fixed_init(hk_loop *loop, const hk_loop_params *p)
{
	int r;

	if (p->fixed_files == 0)
		return 0;
	r = io_uring_register_files_sparse(&loop->ring, p->fixed_files);
	if (r < 0)
		return r;
	loop->fixed_files = p->fixed_files;
	loop->accept_slots = p->accept_slots;
	loop->fixed_alloc_n = p->fixed_files - p->accept_slots;
	if (p->accept_slots > 0) {
		r = io_uring_register_file_alloc_range(&loop->ring, loop->fixed_alloc_n,
						       p->accept_slots);
		if (r == 0)
			loop->features |= HK_URING_FILE_ALLOC;
		else if (r != -EINVAL)
			return r;
	}

	size_t words = (loop->fixed_alloc_n + 63) / 64;
	loop->fixed_free = calloc(words ? words : 1, sizeof(*loop->fixed_free));
	if (!loop->fixed_free)
		return -ENOMEM;
	for (unsigned slot = 0; slot < loop->fixed_alloc_n; slot++)
		loop->fixed_free[slot / 64] |= 1ull << (slot % 64);
	loop->fixed_n_free = loop->fixed_alloc_n;
	return 0;
}

static int buffers_init(hk_loop *loop, const hk_loop_params *p)
{
	size_t size = p->buffer_size ? p->buffer_size : DEFAULT_BUFFER_SIZE;
	long page = sysconf(_SC_PAGESIZE);
	_cleanup_free_ struct iovec *iov = NULL;
	int r;

	if (p->buffers == 0)
		return 0;
	if (size > SIZE_MAX - BUFFER_ALIGN)
		return -EINVAL;
	size = (size + BUFFER_ALIGN - 1) & ~(size_t)(BUFFER_ALIGN - 1);
	if (size > (SIZE_MAX - (size_t)page) / p->buffers)
		return -EINVAL;

	size_t map_size = size * p->buffers;
	map_size = (map_size + (size_t)page - 1) & ~((size_t)page - 1);
	void *map =
	    mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -ENOMEM;
	loop->buf_base = map;
	loop->buf_map_size = map_size;
	loop->buf_size = size;

	/* One registered buffer each: the index of a buffer is its
	 * buf_index in READ_FIXED / WRITE_FIXED. */
	iov = calloc(p->buffers, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	for (unsigned i = 0; i < p->buffers; i++)
		iov[i] =
		    (struct iovec){.iov_base = loop->buf_base + (size_t)i * size, .iov_len = size};
	r = io_uring_register_buffers(&loop->ring, iov, p->buffers);
	if (r < 0)
		return r;

	loop->buf_free = malloc(p->buffers * sizeof(*loop->buf_free));
	loop->buf_owner = calloc(p->buffers, sizeof(*loop->buf_owner));
	loop->buf_busy = calloc(p->buffers, sizeof(*loop->buf_busy));
	if (!loop->buf_free || !loop->buf_owner || !loop->buf_busy)
		return -ENOMEM;
	/* Stacked so the first obtained is buffer 0. */
	for (unsigned i = 0; i < p->buffers; i++)
		loop->buf_free[i] = p->buffers - 1 - i;
	loop->n_bufs = loop->buf_n_free = p->buffers;
	return 0;
}

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) & ~(page - 1);
}

/*
 * The receive ring: liburing 2.3 has no io_uring_setup_buf_ring(), so the
 * ring is mapped here and registered with io_uring_register_buf_ring().
 * Every buffer starts in it; the kernel hands them out in completions.
 */
static int recv_ring_init(hk_loop *loop, const hk_loop_params *p)
{
	size_t size = p->recv_buffer_size ? p->recv_buffer_size : DEFAULT_BUFFER_SIZE;
	unsigned n = p->recv_buffers;
	int r;

	if (n == 0)
		return 0;
	/* The kernel's buffer length is 32 bits: checked once rounded. */
	if (n > MAX_RECV_BUFFERS || (n & (n - 1)) != 0 || size > UINT32_MAX)
		return -EINVAL;
	size = (size + BUFFER_ALIGN - 1) & ~(size_t)(BUFFER_ALIGN - 1);
	if (size > UINT32_MAX)
		return -EINVAL;
	/*
	 * The kernel takes buffers in ring order and they come back in about
	 * the same order, so each receive writes into the buffer used longest
	 * ago. Laid out at a power-of-two stride (4096, the default size),
	 * their first cache lines would all fall in one set of the L1 cache
	 * and a few of the L2: every receive's copy would miss, and the
	 * socket's next atomic wait for it (measured: a 128-byte echo spent
	 * 4% of its CPU in sock_rfree()). An odd number of cache lines apart,
	 * they spread over every set.
	 */
	size_t stride = size % (2 * BUFFER_ALIGN) ? size : size + BUFFER_ALIGN;
	if (stride > (SIZE_MAX / 2) / n)
		return -EINVAL;

	loop->rbr_map_size = page_round(n * sizeof(struct io_uring_buf));
	void *map = mmap(NULL, loop->rbr_map_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -ENOMEM;
	loop->rbr = map;
	loop->rbuf_map_size = page_round(stride * n);
	map = mmap(NULL, loop->rbuf_map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (map == MAP_FAILED)
		return -ENOMEM;
	loop->rbuf_base = map;
	loop->rbuf_owner = calloc(n, sizeof(*loop->rbuf_owner));
	if (!loop->rbuf_owner)
		return -ENOMEM;
	loop->rbuf_size = size;
	loop->rbuf_stride = stride;
	loop->n_rbufs = n;
	loop->rbuf_mask = (unsigned)io_uring_buf_ring_mask(n);

	io_uring_buf_ring_init(loop->rbr);
	for (unsigned id = 0; id < n; id++)
		io_uring_buf_ring_add(loop->rbr, loop->rbuf_base + (size_t)id * stride,
				      (unsigned)size, (unsigned short)id, (int)loop->rbuf_mask,
				      (int)id);
	io_uring_buf_ring_advance(loop->rbr, (int)n);

	struct io_uring_buf_reg reg = {
	    .ring_addr = (uint64_t)(uintptr_t)loop->rbr,
	    .ring_entries = n,
	    .bgid = RECV_BGID,
	};
	r = io_uring_register_buf_ring(&loop->ring, &reg, 0);
	return r < 0 ? r : 0;
}

int uring_pool_init(hk_loop *loop, const hk_loop_params *params)
{
	int r = fixed_init(loop, params);

	if (r < 0)
		return r;
	r = buffers_init(loop, params);
	if (r < 0)
		return r;
	return recv_ring_init(loop, params);
}

/*
 * After io_uring_queue_exit(). When hk_loop_free() gave up on ops the
 * kernel still held, the ring's teardown may yet complete them into the
 * pool or the receive ring: those mappings are leaked, not unmapped.
 */
void uring_pool_fini(hk_loop *loop)
{
	if (!loop->kernel_held) {
		if (loop->buf_base)
			munmap(loop->buf_base, loop->buf_map_size);
		if (loop->rbr)
			munmap(loop->rbr, loop->rbr_map_size);
		if (loop->rbuf_base)
			munmap(loop->rbuf_base, loop->rbuf_map_size);
	}
	loop->buf_base = NULL;
	loop->rbr = NULL;
	loop->rbuf_base = NULL;
	free(loop->rbuf_owner);
	loop->rbuf_owner = NULL;
	free(loop->buf_free);
	free(loop->buf_owner);
	free(loop->buf_busy);
	free(loop->fixed_free);
	loop->buf_free = NULL;
	loop->buf_owner = NULL;
	loop->buf_busy = NULL;
	loop->fixed_free = NULL;
}

/* ---- Fixed slots ---- */

/*
 * Takes a free slot, searching from just after the last one taken: a slot
 * given back rests a while before it is handed out again.
 */
static unsigned fixed_take(hk_loop *loop)
{
	unsigned n = loop->fixed_alloc_n, words = (n + 63) / 64;
	unsigned start = loop->fixed_hint < n ? loop->fixed_hint : 0;
	unsigned w = start / 64;
	uint64_t bits = loop->fixed_free[w] & (~0ull << (start % 64));

	/* After a full turn the start word comes back whole, its bits below
	 * the start included; a slot is free (the caller checked). */
	for (unsigned i = 0; bits == 0 && i < words; i++) {
		w = (w + 1) % words;
		bits = loop->fixed_free[w];
	}

	unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);
	loop->fixed_free[w] &= ~(1ull << (slot % 64));
	loop->fixed_n_free--;
	loop->fixed_hint = slot + 1;
	return slot;
}

/* A slot given back (its file closed already): to the first waiter, or free. */
void uring_fixed_put(hk_loop *loop, unsigned slot)
{
	hk_co *w;

	if (slot >= loop->fixed_alloc_n)
		return;
	while ((w = uring_waitq_pop(&loop->fixed_waiters))) {
		int r = uring_own_add(w, HK_FIXED_FD(slot), HK_OWN_CLOSE);

		/* Served: its timeout must not fire before it runs. */
		uring_heap_remove(loop, w, DL_PARK);
		w->park_result = r < 0 ? r : (int)slot;
		co_make_ready(loop, w);
		if (r == 0)
			return;
	}
	loop->fixed_free[slot / 64] |= 1ull << (slot % 64);
	loop->fixed_n_free++;
}

int hk_co_fixed_alloc(hk_co *co)
{
	hk_loop *loop = co->loop;
	int r;

	if (co->dead)
		return -ECANCELED;
	if (loop->fixed_n_free == 0)
		return -ENFILE;
	r = uring_own_reserve(co, 1);
	if (r < 0)
		return r;

	unsigned slot = fixed_take(loop);
	uring_own_add(co, HK_FIXED_FD(slot), HK_OWN_CLOSE);
	return (int)slot;
}

int hk_co_fixed_obtain(hk_co *co, uint64_t timeout_ns)
{
	hk_loop *loop = co->loop;

	if (co->dead)
		return -ECANCELED;
	if (loop->fixed_n_free > 0)
		return hk_co_fixed_alloc(co);
	/* No range at all: nothing could ever be given back. */
	if (loop->fixed_alloc_n == 0)
		return -ENFILE;
	if (timeout_ns == 0)
		return -ETIME;
	return uring_co_park(co, &loop->fixed_waiters, PARK_FIXED, timeout_ns);
}

int hk_co_fixed_release(hk_co *co, unsigned slot)
{
	hk_loop *loop = co->loop;
	int fd = HK_FIXED_FD(slot);
	int i;

	if (slot >= loop->fixed_alloc_n)
		return -EINVAL;
	i = uring_own_find(co, fd);
	if (i < 0)
		return -EINVAL;
	uring_own_remove_at(co, (unsigned)i);
	/* The close is queued before anything the next owner queues. */
	uring_close_fd(loop, fd);
	uring_fixed_put(loop, slot);
	return 0;
}

unsigned hk_loop_fixed_free(const hk_loop *loop)
{
	return loop->fixed_n_free;
}

/* ---- Registered buffers ---- */

int uring_bufs_reserve(hk_co *co, unsigned n)
{
	if (co->n_bufs + n <= co->cap_bufs)
		return 0;

	unsigned cap = co->cap_bufs ? co->cap_bufs : 4;
	while (cap < co->n_bufs + n)
		cap *= 2;
	unsigned *bufs = realloc(co->bufs, cap * sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	co->bufs = bufs;
	co->cap_bufs = cap;
	return 0;
}

static void buf_give(hk_loop *loop, hk_co *co, unsigned buf)
{
	loop->buf_owner[buf] = co->slot;
	co->bufs[co->n_bufs++] = buf;
}

/* A buffer given back: to the first waiter (in order), or free. */
void uring_buf_put(hk_loop *loop, unsigned buf)
{
	hk_co *w;

	while ((w = uring_waitq_pop(&loop->buf_waiters))) {
		int r = uring_bufs_reserve(w, 1);

		/* Served: its timeout must not fire before it runs. */
		uring_heap_remove(loop, w, DL_PARK);
		if (r == 0)
			buf_give(loop, w, buf);
		w->park_result = r < 0 ? r : (int)buf;
		co_make_ready(loop, w);
		if (r == 0)
			return;
	}
	loop->buf_owner[buf] = 0;
	loop->buf_free[loop->buf_n_free++] = buf;
}

int hk_co_buf_obtain(hk_co *co, uint64_t timeout_ns)
{
	hk_loop *loop = co->loop;
	int r;

	if (co->dead)
		return -ECANCELED;
	if (loop->n_bufs == 0)
		return -ENOBUFS;
	r = uring_bufs_reserve(co, 1);
	if (r < 0)
		return r;
	/* Free buffers and waiters never coexist: a buffer given back goes
	 * to the first waiter. So taking one here jumps no queue. */
	if (loop->buf_n_free > 0) {
		unsigned buf = loop->buf_free[--loop->buf_n_free];

		buf_give(loop, co, buf);
		return (int)buf;
	}
	if (timeout_ns == 0)
		return -ENOBUFS;
	return uring_co_park(co, &loop->buf_waiters, PARK_BUF, timeout_ns);
}

int hk_co_buf_release(hk_co *co, unsigned buf)
{
	hk_loop *loop = co->loop;

	if (buf >= loop->n_bufs || loop->buf_owner[buf] != co->slot)
		return -EINVAL;
	/* The kernel may still fill or read it: the next owner's data. */
	if (loop->buf_busy[buf] > 0)
		return -EBUSY;
	for (unsigned i = 0; i < co->n_bufs; i++) {
		if (co->bufs[i] != buf)
			continue;
		co->bufs[i] = co->bufs[--co->n_bufs];
		uring_buf_put(loop, buf);
		return 0;
	}
	return -EINVAL;
}

void *hk_loop_buf(const hk_loop *loop, unsigned buf)
{
	if (buf >= loop->n_bufs)
		return NULL;
	return loop->buf_base + (size_t)buf * loop->buf_size;
}

size_t hk_loop_buf_size(const hk_loop *loop)
{
	return loop->buf_size;
}

unsigned hk_loop_buf_free(const hk_loop *loop)
{
	return loop->buf_n_free;
}

/* ---- The receive ring ---- */

/* Receive buffer @id back into the ring, for the kernel to fill again. */
void uring_rbuf_put(hk_loop *loop, unsigned id)
{
	loop->rbuf_owner[id] = 0;
	io_uring_buf_ring_add(loop->rbr, loop->rbuf_base + (size_t)id * loop->rbuf_stride,
			      (unsigned)loop->rbuf_size, (unsigned short)id, (int)loop->rbuf_mask,
			      0);
	io_uring_buf_ring_advance(loop->rbr, 1);
}

int hk_co_recv_buf_put(hk_co *co, unsigned id)
{
	hk_loop *loop = co->loop;

	if (_unlikely_(id >= loop->n_rbufs || loop->rbuf_owner[id] != co->slot))
		return -EINVAL;
	co->n_rbufs--;
	uring_rbuf_put(loop, id);
	return 0;
}

/* What a coroutine that ends still holds goes back to the ring. */
void uring_rbufs_release(hk_loop *loop, hk_co *co)
{
	for (unsigned id = 0; co->n_rbufs > 0 && id < loop->n_rbufs; id++) {
		if (loop->rbuf_owner[id] != co->slot)
			continue;
		co->n_rbufs--;
		uring_rbuf_put(loop, id);
	}
	co->n_rbufs = 0;
}
