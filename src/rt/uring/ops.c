/* SPDX-License-Identifier: MIT */
/*
 * Operations: each hk_op_* takes an op slot of the coroutine, fills one SQE
 * (two with a linked timeout) and returns; the loop submits them all at the
 * end of its iteration. No syscall, allocation or clock read on this path.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "rt/uring/internal.h"

/* For ops that take no descriptor. */
#define NO_FD INT_MIN

/* The kernel transfers at most this much per read or write. */
#define MAX_RW_LEN 0x7ffff000u

static inline unsigned rw_len(size_t len)
{
	return len > MAX_RW_LEN ? MAX_RW_LEN : (unsigned)len;
}

/* What the SQE's fd field gets: the descriptor, or the fixed slot. */
static inline int sqe_fd(int fd)
{
	return HK_FD_IS_FIXED(fd) ? (int)HK_FIXED_SLOT(fd) : fd;
}

static inline void sqe_fixed(struct io_uring_sqe *sqe, int fd)
{
	if (HK_FD_IS_FIXED(fd))
		sqe->flags |= IOSQE_FIXED_FILE;
}

/*
 * Waits until the submission queue has room for @n SQEs: submits what is
 * queued, and if the kernel still has not taken it (completions backed
 * up), parks on the loop's SQ-full queue, which runs first in the next
 * iteration, after the completions have been reaped. Never drops an op.
 */
int uring_co_reserve_sqes(hk_co *co, unsigned n)
{
	hk_loop *loop = co->loop;

	loop->stats.sq_full++;
	for (;;) {
		uring_submit_nowait(loop);
		if (io_uring_sq_space_left(&loop->ring) >= n)
			return 0;
		co->state = CO_READY;
		runq_push(&loop->sqfull_head, &loop->sqfull_tail, co);
		uring_co_suspend(co);
		if (co->dead)
			return -ECANCELED;
		if (io_uring_sq_space_left(&loop->ring) >= n)
			return 0;
	}
}

/*
 * An op refused before op_begin(): a linked timeout armed for it goes with
 * it, or it would bound the next, unrelated op.
 */
static inline int op_refuse(hk_co *co, int err)
{
	co->link_armed = false;
	return err;
}

/*
 * The common start of an op: a free op slot, the opcode, the descriptor,
 * and the SQE. Returns the op number with *ret_sqe set, or an error. The
 * linked timeout, if armed, is taken here: an op that fails to start
 * consumes it; one that starts hands it to op_commit(), which nothing
 * between the two can fail.
 */
static inline int op_begin(hk_co *co, unsigned opcode, int fd, struct io_uring_sqe **ret_sqe)
{
	hk_loop *loop = co->loop;
	unsigned free_ops = ~co->pending & HK_CO_ALL_OPS;
	bool link = co->link_armed;
	struct io_uring_sqe *sqe;

	co->link_armed = false;
	if (_unlikely_(co->dead))
		return -ECANCELED;
	if (_unlikely_(free_ops == 0))
		return -EBUSY;
	if (fd != NO_FD &&
	    _unlikely_(fd < 0 || (HK_FD_IS_FIXED(fd) && HK_FIXED_SLOT(fd) >= loop->fixed_files)))
		return -EBADF;
	if (opcode != IORING_OP_NOP && _unlikely_(!loop->op_supported[opcode]))
		return -ENOTSUP;
	/* A linked pair must go in one submit: room for both first. */
	if (_unlikely_(link) && io_uring_sq_space_left(&loop->ring) < 2) {
		int r = uring_co_reserve_sqes(co, 2);

		if (r < 0)
			return r;
	}
	sqe = uring_get_sqe(&loop->ring);
	if (_unlikely_(!sqe)) {
		int r = uring_co_reserve_sqes(co, 1);

		if (r < 0)
			return r;
		sqe = uring_get_sqe(&loop->ring);
	}
	co->link_armed = link;
	*ret_sqe = sqe;
	return __builtin_ctz(free_ops);
}

static void link_timeout_add(hk_co *co, unsigned op, struct io_uring_sqe *sqe)
{
	/* Room was made in op_begin(). */
	struct io_uring_sqe *lt = uring_get_sqe(&co->loop->ring);

	sqe->flags |= IOSQE_IO_LINK;
	co->link_ts[op] = uring_ts(co->link_ns);
	io_uring_prep_link_timeout(lt, &co->link_ts[op], 0);
	lt->user_data = co->ud_base | op | UD_LINK;
	co->expect[op] = 2;
	co->inflight += 2;
	co->special |= 1u << op;
	co->link_armed = false;
}

/* A special op (co->special) goes in the general books, a plain one in
 * co->plain. */
static inline int op_commit(hk_co *co, int op, struct io_uring_sqe *sqe)
{
	unsigned bit = 1u << op;

	sqe->user_data = co->ud_base | (unsigned)op;
	co->pending |= bit;
	if (_unlikely_(co->link_armed)) {
		link_timeout_add(co, (unsigned)op, sqe);
	} else if (co->special & bit) {
		co->expect[op] = 1;
		co->inflight++;
	} else {
		co->plain |= bit;
	}
	return op;
}

/*
 * Under valgrind, an op whose completion writes into user memory keeps
 * where, so uring_vg_done() can tell memcheck. One test otherwise.
 */
static inline void vg_note(hk_co *co, int op, unsigned kind, void *p, void *len)
{
	if (_unlikely_(co->loop->valgrind)) {
		co->oparg[op].vg.p = p;
		co->oparg[op].vg.len = len;
		co->oparg[op].vg.kind = kind;
		co->special |= 1u << op;
	}
}

void uring_vg_done(hk_co *co, unsigned op, int res)
{
#ifdef HK_URING_VALGRIND
	void *p = co->oparg[op].vg.p;

	if (res < 0)
		return;
	switch (co->oparg[op].vg.kind) {
	case VG_BUF:
		VALGRIND_MAKE_MEM_DEFINED(p, (size_t)res);
		break;
	case VG_MSG: {
		struct msghdr *msg = p;
		size_t left = (size_t)res;

		if (msg->msg_name)
			VALGRIND_MAKE_MEM_DEFINED(msg->msg_name, msg->msg_namelen);
		if (msg->msg_control)
			VALGRIND_MAKE_MEM_DEFINED(msg->msg_control, msg->msg_controllen);
		for (size_t i = 0; i < msg->msg_iovlen && left > 0; i++) {
			size_t n = MIN(left, msg->msg_iov[i].iov_len);

			VALGRIND_MAKE_MEM_DEFINED(msg->msg_iov[i].iov_base, n);
			left -= n;
		}
		break;
	}
	case VG_ADDR: {
		socklen_t *len = co->oparg[op].vg.len;

		VALGRIND_MAKE_MEM_DEFINED(len, sizeof(*len));
		VALGRIND_MAKE_MEM_DEFINED(p, *len);
		break;
	}
	default:
		break;
	}
	co->oparg[op].vg.kind = VG_NONE;
#else
	(void)co;
	(void)op;
	(void)res;
#endif
}

/*
 * The shorthands: start, wait for that op alone, collect. The wait ends
 * only when the op completed, or when the coroutine is being dropped: the
 * drop has cancelled the op, and the coroutine's end waits for it before
 * its stack and buffers go.
 */
static inline int op_complete(hk_co *co, int op)
{
	int r;

	if (op < 0)
		return op;
	r = co_wait(co, 1u << op, HK_WAIT_ALL, false);
	if (r < 0)
		return r;
	return co_collect(co, op);
}

/* ---- Operations ---- */

/*
 * Fills an SQE as its eight words: @w0 the first (opcode in byte 0, flags
 * and ioprio zero, fd in bytes 4-7), @ud the user data, the rest zero.
 * Word by word, the compiler stores straight into the ring.
 */
static inline void sqe_words(struct io_uring_sqe *sqe, uint64_t w0, uint64_t ud)
{
	char *p = (char *)sqe;
	uint64_t zero = 0;

	memcpy(p, &w0, 8);
	memcpy(p + 8, &zero, 8);
	memcpy(p + 16, &zero, 8);
	memcpy(p + 24, &zero, 8);
	memcpy(p + 32, &ud, 8);
	memcpy(p + 40, &zero, 8);
	memcpy(p + 48, &zero, 8);
	memcpy(p + 56, &zero, 8);
}

/*
 * The fast start of an op without a descriptor: a free slot, room in the
 * SQ, no linked timeout armed, a live coroutine. Anything else (a refusal,
 * a full SQ, the linked pair) returns -1 for the general path, op_begin().
 * The SQE is written whole (io_uring_prep_rw()'s stores: opcode, fd -1,
 * the user data, every other field zero), and the op is counted in flight.
 */
static inline int op_fast(hk_co *co, uint8_t opcode)
{
	struct io_uring_sq *sq = &co->loop->ring.sq;
	unsigned free_ops = ~co->pending & HK_CO_ALL_OPS;
	unsigned tail = sq->sqe_tail;
	unsigned bit;
	int op;

	if (_unlikely_(free_ops == 0))
		return -1;
	if (_unlikely_(co->dead))
		return -1;
	if (_unlikely_(co->link_armed))
		return -1;
	if (_unlikely_(tail - IO_URING_READ_ONCE(*sq->khead) >= sq->ring_entries))
		return -1;
	op = __builtin_ctz(free_ops);
	bit = free_ops & -free_ops;
	sq->sqe_tail = tail + 1;
	sqe_words(&sq->sqes[tail & sq->ring_mask], opcode | (uint64_t)UINT32_MAX << 32,
		  co->ud_base | (unsigned)op);
	co->pending |= bit;
	co->plain |= bit;
	return op;
}

/* hk_op_nop() when op_fast() cannot: out of line, so the fast path has no
 * frame to set up. */
static __attribute__((noinline)) int op_nop_slow(hk_co *co)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, IORING_OP_NOP, NO_FD, &sqe);

	if (op < 0)
		return op;
	io_uring_prep_nop(sqe);
	return op_commit(co, op, sqe);
}

int hk_op_nop(hk_co *co)
{
	int op = op_fast(co, IORING_OP_NOP);

	if (_likely_(op >= 0))
		return op;
	return op_nop_slow(co);
}

/*
 * A read, write, recv or send on @fd: the opcode, the buffer, the offset (0
 * for the socket ops) and the socket flags; @vg whether the kernel writes
 * into @buf (told to valgrind).
 */
static int op_data(hk_co *co, unsigned opcode, int fd, const void *buf, size_t len,
		   uint64_t offset, int msg_flags, bool vg)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, opcode, fd, &sqe);

	if (op < 0)
		return op;
	io_uring_prep_rw((int)opcode, sqe, sqe_fd(fd), buf, rw_len(len), offset);
	sqe->msg_flags = (uint32_t)msg_flags;
	if (vg)
		vg_note(co, op, VG_BUF, (void *)buf, NULL);
	sqe_fixed(sqe, fd);
	return op_commit(co, op, sqe);
}

int hk_op_read(hk_co *co, int fd, void *buf, size_t len, uint64_t offset)
{
	return op_data(co, IORING_OP_READ, fd, buf, len, offset, 0, true);
}

int hk_op_write(hk_co *co, int fd, const void *buf, size_t len, uint64_t offset)
{
	return op_data(co, IORING_OP_WRITE, fd, buf, len, offset, 0, false);
}

/* The address of @len bytes at @at of pool buffer @buf, or NULL. */
static char *fixed_range(const hk_loop *loop, unsigned buf, size_t at, size_t len)
{
	if (buf >= loop->n_bufs || at > loop->buf_size || len > loop->buf_size - at)
		return NULL;
	return loop->buf_base + (size_t)buf * loop->buf_size + at;
}

/*
 * A read or write on a pool buffer the coroutine holds. The buffer counts
 * the ops on it, so it cannot be released (and handed to another
 * coroutine) while the kernel may still fill or read it.
 */
static int op_rw_fixed(hk_co *co, unsigned opcode, int fd, unsigned buf, size_t at, size_t len,
		       uint64_t offset)
{
	hk_loop *loop = co->loop;
	char *addr = fixed_range(loop, buf, at, len);
	struct io_uring_sqe *sqe;
	int op;

	if (!addr || loop->buf_owner[buf] != co->slot)
		return op_refuse(co, -EINVAL);
	op = op_begin(co, opcode, fd, &sqe);
	if (op < 0)
		return op;
	io_uring_prep_rw((int)opcode, sqe, sqe_fd(fd), addr, (unsigned)len, offset);
	if (opcode == IORING_OP_READ_FIXED)
		vg_note(co, op, VG_BUF, addr, NULL);
	sqe->buf_index = (uint16_t)buf;
	sqe_fixed(sqe, fd);
	loop->buf_busy[buf]++;
	co->op_buf[op] = buf;
	co->buf_ops |= 1u << op;
	co->special |= 1u << op;
	return op_commit(co, op, sqe);
}

int hk_op_read_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len, uint64_t offset)
{
	return op_rw_fixed(co, IORING_OP_READ_FIXED, fd, buf, at, len, offset);
}

int hk_op_write_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len, uint64_t offset)
{
	return op_rw_fixed(co, IORING_OP_WRITE_FIXED, fd, buf, at, len, offset);
}

int hk_op_recv(hk_co *co, int fd, void *buf, size_t len, int flags)
{
	return op_data(co, IORING_OP_RECV, fd, buf, len, 0, flags, true);
}

int hk_op_send(hk_co *co, int fd, const void *buf, size_t len, int flags)
{
	return op_data(co, IORING_OP_SEND, fd, buf, len, 0, flags, false);
}

int hk_op_recvmsg(hk_co *co, int fd, struct msghdr *msg, int flags)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, IORING_OP_RECVMSG, fd, &sqe);

	if (op < 0)
		return op;
	io_uring_prep_recvmsg(sqe, sqe_fd(fd), msg, (unsigned)flags);
	vg_note(co, op, VG_MSG, msg, NULL);
	sqe_fixed(sqe, fd);
	return op_commit(co, op, sqe);
}

int hk_op_sendmsg(hk_co *co, int fd, const struct msghdr *msg, int flags)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, IORING_OP_SENDMSG, fd, &sqe);

	if (op < 0)
		return op;
	io_uring_prep_sendmsg(sqe, sqe_fd(fd), msg, (unsigned)flags);
	sqe_fixed(sqe, fd);
	return op_commit(co, op, sqe);
}

static int accept_flags_check(const hk_loop *loop, unsigned flags)
{
	if (flags & ~(unsigned)HK_ACCEPT_FIXED)
		return -EINVAL;
	/* The kernel picks the slot: it needs the accept range. */
	if ((flags & HK_ACCEPT_FIXED) && !(loop->features & HK_URING_FILE_ALLOC))
		return -EINVAL;
	return 0;
}

int hk_op_accept(hk_co *co, int fd, struct sockaddr *addr, socklen_t *addrlen, unsigned flags)
{
	struct io_uring_sqe *sqe;
	int op, r;

	r = accept_flags_check(co->loop, flags);
	if (r < 0)
		return op_refuse(co, r);
	op = op_begin(co, IORING_OP_ACCEPT, fd, &sqe);
	if (op < 0)
		return op;
	if (flags & HK_ACCEPT_FIXED) {
		io_uring_prep_accept(sqe, sqe_fd(fd), addr, addrlen, 0);
		/* Set by hand: liburing 2.3's helper adds one to the index. */
		sqe->file_index = IORING_FILE_INDEX_ALLOC;
		co->fixed_res |= 1u << op;
	} else {
		io_uring_prep_accept(sqe, sqe_fd(fd), addr, addrlen, SOCK_CLOEXEC);
	}
	sqe_fixed(sqe, fd);
	if (addr && addrlen)
		vg_note(co, op, VG_ADDR, addr, addrlen);
	co->accept_ops |= 1u << op;
	co->special |= 1u << op;
	return op_commit(co, op, sqe);
}

/* ---- Multishot accept ---- */

static void accept_prep(const hk_loop *loop, struct io_uring_sqe *sqe, int fd, unsigned flags)
{
	bool multishot = loop->features & HK_URING_ACCEPT_MULTISHOT;

	if (flags & HK_ACCEPT_FIXED) {
		if (multishot) {
			io_uring_prep_multishot_accept_direct(sqe, sqe_fd(fd), NULL, NULL, 0);
		} else {
			io_uring_prep_accept(sqe, sqe_fd(fd), NULL, NULL, 0);
			sqe->file_index = IORING_FILE_INDEX_ALLOC;
		}
	} else if (multishot) {
		io_uring_prep_multishot_accept(sqe, sqe_fd(fd), NULL, NULL, SOCK_CLOEXEC);
	} else {
		io_uring_prep_accept(sqe, sqe_fd(fd), NULL, NULL, SOCK_CLOEXEC);
	}
	sqe_fixed(sqe, fd);
}

int hk_op_accept_multishot(hk_co *co, int fd, unsigned flags)
{
	struct io_uring_sqe *sqe;
	int op, r;

	r = accept_flags_check(co->loop, flags);
	if (r < 0)
		return op_refuse(co, r);
	/* It has no single completion a timeout could bound. */
	if (co->link_armed)
		return op_refuse(co, -EINVAL);
	if (!co->aq) {
		co->aq = calloc(HK_CO_OPS, sizeof(*co->aq));
		if (!co->aq)
			return op_refuse(co, -ENOMEM);
	}
	op = op_begin(co, IORING_OP_ACCEPT, fd, &sqe);
	if (op < 0)
		return op;
	accept_prep(co->loop, sqe, fd, flags);
	co->oparg[op].accept.fd = fd;
	co->oparg[op].accept.flags = flags;
	co->multishot |= 1u << op;
	co->special |= 1u << op;
	co->aq[op].head = co->aq[op].tail = 0;
	return op_commit(co, op, sqe);
}

static int accept_queue_push(struct accept_queue *q, int fd)
{
	if (q->tail == q->cap) {
		if (q->head > 0) {
			memmove(q->fds, q->fds + q->head, (q->tail - q->head) * sizeof(*q->fds));
			q->tail -= q->head;
			q->head = 0;
		} else {
			unsigned cap = q->cap ? q->cap * 2 : 8;
			int *fds = realloc(q->fds, cap * sizeof(*fds));

			if (!fds)
				return -ENOMEM;
			q->fds = fds;
			q->cap = cap;
		}
	}
	q->fds[q->tail++] = fd;
	return 0;
}

static void accept_end(hk_co *co, unsigned op, int res)
{
	unsigned bit = 1u << op;

	co->ms_rearm &= ~bit;
	co->ms_ended |= bit;
	co->res[op] = res;
	co->completed |= bit;
	if (res < 0 && res != -EAGAIN)
		co->failed |= bit;
}

/* A completion of a multishot accept (or of one of its re-armed singles). */
void uring_accept_cqe(hk_loop *loop, hk_co *co, unsigned op, int res, unsigned flags)
{
	unsigned bit = 1u << op;
	bool queued = false;

	if (res >= 0) {
		int fd = co->oparg[op].accept.flags & HK_ACCEPT_FIXED ? HK_FIXED_FD(res) : res;

		if (accept_queue_push(&co->aq[op], fd) == 0) {
			co->completed |= bit;
			queued = true;
		} else {
			uring_close_fd(loop, fd);
		}
	}
	if (flags & IORING_CQE_F_MORE)
		return;
	/*
	 * The last completion of this SQE. A multishot accept ends on an
	 * error or a cancel; a single accept (a kernel without multishot)
	 * after each connection, and is started again when the connection is
	 * taken (hk_co_accept_next()), in coroutine context.
	 */
	if (res >= 0 && queued && !co->dead && co->state < CO_ENDED && !(co->cancel_sent & bit))
		co->ms_rearm |= bit;
	else
		accept_end(co, op, res >= 0 ? -ECANCELED : res);
}

/* The recv a multishot recv is, picking from the receive ring. */
static void recv_prep(const hk_loop *loop, struct io_uring_sqe *sqe, int fd)
{
	io_uring_prep_recv(sqe, sqe_fd(fd), NULL, 0, 0);
	if (loop->features & HK_URING_RECV_MULTISHOT)
		sqe->ioprio |= IORING_RECV_MULTISHOT;
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RECV_BGID;
	sqe_fixed(sqe, fd);
}

/* Starts the single accept or recv that stands for a multishot again. */
static int ms_restart(hk_co *co, unsigned op)
{
	hk_loop *loop = co->loop;
	struct io_uring_sqe *sqe;

	if (co->dead)
		return -ECANCELED;
	sqe = uring_get_sqe(&loop->ring);
	if (!sqe) {
		int r = uring_co_reserve_sqes(co, 1);

		if (r < 0)
			return r;
		sqe = uring_get_sqe(&loop->ring);
	}
	if (co->recv_ms & (1u << op))
		recv_prep(loop, sqe, co->oparg[op].accept.fd);
	else
		accept_prep(loop, sqe, co->oparg[op].accept.fd, co->oparg[op].accept.flags);
	sqe->user_data = co->ud_base | op;
	co->expect[op] = 1;
	co->inflight++;
	co->ms_rearm &= ~(1u << op);
	return 0;
}

int hk_co_accept_next(hk_co *co, int op, int *ret_fd)
{
	if (op < 0 || op >= HK_CO_OPS)
		return -EINVAL;

	unsigned bit = 1u << op;
	if (!(co->pending & bit) || !(co->multishot & ~co->recv_ms & bit))
		return -EINVAL;

	struct accept_queue *q = &co->aq[op];
	if (q->head != q->tail) {
		int fd = q->fds[q->head++];

		if (q->head == q->tail) {
			q->head = q->tail = 0;
			if (!(co->ms_ended & bit))
				co->completed &= ~bit;
		}
		if (co->ms_rearm & bit) {
			int r = ms_restart(co, (unsigned)op);

			if (r < 0 && !(co->ms_ended & bit))
				accept_end(co, (unsigned)op, r);
		}
		*ret_fd = fd;
		return 1;
	}
	if (co->ms_ended & bit)
		return co_collect(co, op);
	if (co->ms_rearm & bit) {
		int r = ms_restart(co, (unsigned)op);

		if (r < 0 && !(co->ms_ended & bit)) {
			accept_end(co, (unsigned)op, r);
			return co_collect(co, op);
		}
	}
	return 0;
}

/* Connections accepted for a coroutine that ended before taking them. */
void uring_accept_flush(hk_loop *loop, hk_co *co)
{
	if (co->aq) {
		for (unsigned op = 0; op < HK_CO_OPS; op++) {
			struct accept_queue *q = &co->aq[op];

			while (q->head != q->tail)
				uring_close_fd(loop, q->fds[q->head++]);
			q->head = q->tail = 0;
		}
	}
	for (unsigned m = co->completed & co->accept_ops & ~co->multishot; m; m &= m - 1) {
		unsigned op = (unsigned)__builtin_ctz(m);

		if (co->res[op] >= 0)
			uring_close_fd(loop, co->res[op]);
	}
}

/* ---- Multishot recv on the receive ring ---- */

int hk_op_recv_multishot(hk_co *co, int fd)
{
	struct io_uring_sqe *sqe;
	int op;

	if (!co->loop->rbr)
		return op_refuse(co, -ENOBUFS);
	if (co->link_armed)
		return op_refuse(co, -EINVAL);
	if (!co->rq) {
		co->rq = calloc(HK_CO_OPS, sizeof(*co->rq));
		if (!co->rq)
			return op_refuse(co, -ENOMEM);
	}
	op = op_begin(co, IORING_OP_RECV, fd, &sqe);
	if (op < 0)
		return op;
	recv_prep(co->loop, sqe, fd);
	co->oparg[op].accept.fd = fd;
	co->multishot |= 1u << op;
	co->recv_ms |= 1u << op;
	co->special |= 1u << op;
	co->rq[op].head = co->rq[op].tail = 0;
	return op_commit(co, op, sqe);
}

static int recv_queue_push(struct recv_queue *q, int res, unsigned id)
{
	if (q->tail == q->cap) {
		if (q->head > 0) {
			memmove(q->items, q->items + q->head,
				(q->tail - q->head) * sizeof(*q->items));
			q->tail -= q->head;
			q->head = 0;
		} else {
			unsigned cap = q->cap ? q->cap * 2 : 8;
			struct recv_item *items = realloc(q->items, cap * sizeof(*items));

			if (!items)
				return -ENOMEM;
			q->items = items;
			q->cap = cap;
		}
	}
	q->items[q->tail++] = (struct recv_item){.res = res, .id = id};
	return 0;
}

/*
 * A completion of a multishot recv (or of one of its re-armed singles):
 * data in a ring buffer is queued for hk_co_recv_next(); a buffer with no
 * data (end of stream) goes straight back to the ring.
 */
void uring_recv_cqe(hk_loop *loop, hk_co *co, unsigned op, int res, unsigned flags)
{
	unsigned bit = 1u << op;
	bool queued = false;

	if (flags & IORING_CQE_F_BUFFER) {
		unsigned id = flags >> IORING_CQE_BUFFER_SHIFT;

		if (res > 0 && recv_queue_push(&co->rq[op], res, id) == 0) {
			co->completed |= bit;
			queued = true;
		} else {
			uring_rbuf_put(loop, id);
		}
	}
	if (flags & IORING_CQE_F_MORE)
		return;
	/* The last completion of this SQE: as for accepts, data means the
	 * op goes on (a single recv, or a multishot the kernel stopped). */
	if (res > 0 && queued && !co->dead && co->state < CO_ENDED && !(co->cancel_sent & bit))
		co->ms_rearm |= bit;
	else
		accept_end(co, op, res > 0 ? (queued ? -ECANCELED : -ENOMEM) : res);
}

int hk_co_recv_next(hk_co *co, int op, hk_recv_buf *ret)
{
	hk_loop *loop = co->loop;

	if (_unlikely_(op < 0 || op >= HK_CO_OPS))
		return -EINVAL;

	unsigned bit = 1u << op;
	if (_unlikely_(!(co->pending & co->recv_ms & bit)))
		return -EINVAL;

	struct recv_queue *q = &co->rq[op];
	if (q->head != q->tail) {
		struct recv_item it = q->items[q->head++];
		char *data = loop->rbuf_base + (size_t)it.id * loop->rbuf_stride;

		if (q->head == q->tail) {
			q->head = q->tail = 0;
			if (!(co->ms_ended & bit))
				co->completed &= ~bit;
		}
		if (_unlikely_(co->ms_rearm & bit)) {
			int r = ms_restart(co, (unsigned)op);

			if (r < 0 && !(co->ms_ended & bit))
				accept_end(co, (unsigned)op, r);
		}
		loop->rbuf_owner[it.id] = co->slot;
		co->n_rbufs++;
#ifdef HK_URING_VALGRIND
		if (_unlikely_(loop->valgrind))
			VALGRIND_MAKE_MEM_DEFINED(data, (size_t)it.res);
#endif
		*ret = (hk_recv_buf){.data = data, .len = (size_t)it.res, .id = it.id};
		return it.res;
	}
	if (co->ms_ended & bit)
		return co_collect(co, op);
	if (co->ms_rearm & bit) {
		int r = ms_restart(co, (unsigned)op);

		if (r < 0 && !(co->ms_ended & bit)) {
			accept_end(co, (unsigned)op, r);
			return co_collect(co, op);
		}
	}
	return -EAGAIN;
}

/* Data queued for, and buffers held by, a coroutine that ended. */
void uring_recv_flush(hk_loop *loop, hk_co *co)
{
	if (co->rq) {
		for (unsigned op = 0; op < HK_CO_OPS; op++) {
			struct recv_queue *q = &co->rq[op];

			while (q->head != q->tail)
				uring_rbuf_put(loop, q->items[q->head++].id);
			q->head = q->tail = 0;
		}
	}
	if (co->n_rbufs)
		uring_rbufs_release(loop, co);
}

int hk_op_connect(hk_co *co, int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, IORING_OP_CONNECT, fd, &sqe);

	if (op < 0)
		return op;
	io_uring_prep_connect(sqe, sqe_fd(fd), addr, addrlen);
	sqe_fixed(sqe, fd);
	return op_commit(co, op, sqe);
}

int hk_op_close(hk_co *co, int fd)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, IORING_OP_CLOSE, fd, &sqe);
	int i;

	if (op < 0)
		return op;
	if (HK_FD_IS_FIXED(fd))
		io_uring_prep_close_direct(sqe, HK_FIXED_SLOT(fd));
	else
		io_uring_prep_close(sqe, fd);
	i = uring_own_find(co, fd);
	if (i >= 0) {
		uring_own_remove_at(co, (unsigned)i);
		/* An allocator slot is free only once its file is closed. */
		if (HK_FD_IS_FIXED(fd) && HK_FIXED_SLOT(fd) < co->loop->fixed_alloc_n) {
			co->free_slot |= 1u << op;
			co->special |= 1u << op;
			co->oparg[op].fd = (int)HK_FIXED_SLOT(fd);
		}
	}
	return op_commit(co, op, sqe);
}

int hk_op_timeout(hk_co *co, uint64_t ns)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, IORING_OP_TIMEOUT, NO_FD, &sqe);

	if (op < 0)
		return op;
	/* The kernel reads the timespec when it takes the SQE: it must live
	 * until the submit, so it lives in the record. */
	co->oparg[op].ts = uring_ts(ns);
	io_uring_prep_timeout(sqe, &co->oparg[op].ts, 0, 0);
	return op_commit(co, op, sqe);
}

int hk_op_poll(hk_co *co, int fd, unsigned events)
{
	struct io_uring_sqe *sqe;
	int op = op_begin(co, IORING_OP_POLL_ADD, fd, &sqe);

	if (op < 0)
		return op;
	io_uring_prep_poll_add(sqe, sqe_fd(fd), events);
	sqe_fixed(sqe, fd);
	return op_commit(co, op, sqe);
}

int hk_op_files_update(hk_co *co, unsigned slot, int fd)
{
	struct io_uring_sqe *sqe;
	int op;

	if (slot >= co->loop->fixed_files)
		return op_refuse(co, -EINVAL);
	/* -1 empties the slot. */
	if (fd < -1 || HK_FD_IS_FIXED(fd))
		return op_refuse(co, -EBADF);
	op = op_begin(co, IORING_OP_FILES_UPDATE, NO_FD, &sqe);
	if (op < 0)
		return op;
	co->oparg[op].fd = fd;
	io_uring_prep_files_update(sqe, &co->oparg[op].fd, 1, (int)slot);
	return op_commit(co, op, sqe);
}

int hk_op_getsockopt(hk_co *co, int fd, int level, int optname, void *optval, socklen_t optlen)
{
	struct io_uring_sqe *sqe;
	int op;

	if (!(co->loop->features & HK_URING_SOCKET_CMD))
		return op_refuse(co, -ENOTSUP);
	op = op_begin(co, IORING_OP_URING_CMD, fd, &sqe);
	if (op < 0)
		return op;
	uring_prep_getsockopt(sqe, sqe_fd(fd), level, optname, optval, optlen);
	vg_note(co, op, VG_BUF, optval, NULL);
	sqe_fixed(sqe, fd);
	return op_commit(co, op, sqe);
}

int hk_op_cancel(hk_co *co, int op)
{
	hk_loop *loop = co->loop;
	struct io_uring_sqe *sqe;

	if (co->dead)
		return -ECANCELED;
	if (op < 0 || op >= HK_CO_OPS || !(co->pending & (1u << op)))
		return -EINVAL;

	unsigned bit = 1u << op;
	if (co->ms_rearm & bit) {
		/* A single accept between two connections: nothing to ask. */
		accept_end(co, (unsigned)op, -ECANCELED);
		return 0;
	}
	if ((co->expect[op] == 0 && !(co->plain & bit)) || (co->cancel_sent & bit))
		return 0; /* done already, or cancelled already */
	sqe = uring_get_sqe(&loop->ring);
	if (!sqe) {
		int r = uring_co_reserve_sqes(co, 1);

		if (r < 0)
			return r;
		sqe = uring_get_sqe(&loop->ring);
	}
	io_uring_prep_cancel64(sqe, co->ud_base | (unsigned)op, 0);
	sqe->user_data = ud_loop(LOOP_OP_IGNORE);
	co_unplain(co, bit);
	co->cancel_sent |= bit;
	co->special |= bit;
	return 0;
}

/* ---- The shorthands ---- */

int hk_co_nop(hk_co *co)
{
	return op_complete(co, hk_op_nop(co));
}

int hk_co_read(hk_co *co, int fd, void *buf, size_t len, uint64_t offset)
{
	return op_complete(co, hk_op_read(co, fd, buf, len, offset));
}

int hk_co_write(hk_co *co, int fd, const void *buf, size_t len, uint64_t offset)
{
	return op_complete(co, hk_op_write(co, fd, buf, len, offset));
}

int hk_co_read_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len, uint64_t offset)
{
	return op_complete(co, hk_op_read_fixed(co, fd, buf, at, len, offset));
}

int hk_co_write_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len, uint64_t offset)
{
	return op_complete(co, hk_op_write_fixed(co, fd, buf, at, len, offset));
}

int hk_co_recv(hk_co *co, int fd, void *buf, size_t len, int flags)
{
	return op_complete(co, hk_op_recv(co, fd, buf, len, flags));
}

int hk_co_send(hk_co *co, int fd, const void *buf, size_t len, int flags)
{
	return op_complete(co, hk_op_send(co, fd, buf, len, flags));
}

int hk_co_recvmsg(hk_co *co, int fd, struct msghdr *msg, int flags)
{
	return op_complete(co, hk_op_recvmsg(co, fd, msg, flags));
}

int hk_co_sendmsg(hk_co *co, int fd, const struct msghdr *msg, int flags)
{
	return op_complete(co, hk_op_sendmsg(co, fd, msg, flags));
}

int hk_co_accept(hk_co *co, int fd, struct sockaddr *addr, socklen_t *addrlen, unsigned flags)
{
	return op_complete(co, hk_op_accept(co, fd, addr, addrlen, flags));
}

int hk_co_connect(hk_co *co, int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	return op_complete(co, hk_op_connect(co, fd, addr, addrlen));
}

int hk_co_close(hk_co *co, int fd)
{
	return op_complete(co, hk_op_close(co, fd));
}

int hk_co_poll(hk_co *co, int fd, unsigned events)
{
	return op_complete(co, hk_op_poll(co, fd, events));
}

int hk_co_getsockopt(hk_co *co, int fd, int level, int optname, void *optval, socklen_t optlen)
{
	return op_complete(co, hk_op_getsockopt(co, fd, level, optname, optval, optlen));
}

int hk_co_sleep(hk_co *co, uint64_t ns)
{
	int r = op_complete(co, hk_op_timeout(co, ns));

	return r == -ETIME ? 0 : r;
}

ssize_t hk_co_send_all(hk_co *co, int fd, const void *buf, size_t len, int flags)
{
	size_t done = 0;

	while (done < len) {
		int r = hk_co_send(co, fd, (const char *)buf + done, len - done, flags);

		if (r < 0)
			return r;
		if (r == 0)
			return -EPIPE; /* a stream send moves at least a byte */
		done += (size_t)r;
	}
	return (ssize_t)len;
}
