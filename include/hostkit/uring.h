/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_URING_H
#define HOSTKIT_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <hostkit/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The io_uring runtime: one event loop per thread, stackful coroutines, and
 * the operations a network daemon needs. docs/uring.md tells the design; in
 * short:
 *
 *  - An hk_loop owns one ring and is driven by the thread that created it
 *    (the ring is set up for a single issuer). hk_loop_run() repeats: reap
 *    every ready completion, resume the coroutines they finish, then submit
 *    everything those coroutines queued with one io_uring_enter(), which also
 *    waits.
 *  - A coroutine (hk_co) runs on a stack of its own, taken from a pool whose
 *    stacks sit above a guard page. It starts operations and waits for them;
 *    while it waits, the loop runs the others. It never runs concurrently
 *    with another coroutine of its loop, so a loop's state needs no lock.
 *  - Each coroutine has 16 operation slots ("ops", numbered 0-15). Starting
 *    an operation (hk_op_*) takes a free slot and returns its number; the
 *    coroutine then waits for a mask of its ops (hk_co_wait()) and collects
 *    each result (hk_co_result()), which frees the slot. The hk_co_*
 *    shorthands (hk_co_recv(), ...) do the three steps for one operation.
 *  - Completions carry the coroutine's slot, its generation and the op
 *    number; a completion for a coroutine that has ended is recognised and
 *    ignored (counted in hk_loop_stats.late_cqes).
 *  - When a coroutine ends (its function returns, or it is dropped), its
 *    outstanding operations are cancelled, and once the kernel has given
 *    every one back, the buffers and fixed-file slots it holds are released,
 *    the descriptors it owns closed (or forgotten), and its stack returned
 *    to the pool. Until then its stack stays mapped: the kernel may still
 *    write into it (an accept's address, a recv into a stack buffer).
 *
 * Every function taking an hk_co must be called from that coroutine, on its
 * loop's thread, unless it says otherwise. Errors are negative errnos; a
 * coroutine being dropped gets -ECANCELED from every call that would wait
 * or submit.
 */

typedef struct hk_loop hk_loop;
typedef struct hk_co hk_co;

/* Durations are in nanoseconds. */
#define HK_USEC 1000ULL
#define HK_MSEC 1000000ULL
#define HK_SEC	1000000000ULL

/*
 * A descriptor argument is either a plain file descriptor or a slot of the
 * loop's registered file table, written HK_FIXED_FD(slot). Plain
 * descriptors at or above 2^30 cannot be used with the runtime (-EBADF).
 */
#define HK_FIXED_FD_BIT	   0x40000000
#define HK_FIXED_FD(slot)  ((int)((unsigned)(slot) | HK_FIXED_FD_BIT))
#define HK_FD_IS_FIXED(fd) ((fd) >= 0 && ((unsigned)(fd)&HK_FIXED_FD_BIT) != 0)
#define HK_FIXED_SLOT(fd)  ((unsigned)(fd) & ~(unsigned)HK_FIXED_FD_BIT)

/* Operation slots per coroutine, and the mask of all of them. */
#define HK_CO_OPS     16
#define HK_CO_ALL_OPS 0xffffu

/*
 * What hk_loop_new() found the kernel to support (probed: set-up flags are
 * tried and fallen back from, opcodes come from IORING_REGISTER_PROBE).
 */
enum {
	HK_URING_SINGLE_ISSUER = 1u << 0,    /* IORING_SETUP_SINGLE_ISSUER in use */
	HK_URING_DEFER_TASKRUN = 1u << 1,    /* IORING_SETUP_DEFER_TASKRUN in use */
	HK_URING_COOP_TASKRUN = 1u << 2,     /* IORING_SETUP_COOP_TASKRUN in use */
	HK_URING_SUBMIT_ALL = 1u << 3,	     /* IORING_SETUP_SUBMIT_ALL in use */
	HK_URING_EXT_ARG = 1u << 4,	     /* waits with a timeout need no SQE */
	HK_URING_NODROP = 1u << 5,	     /* completions are never dropped */
	HK_URING_ACCEPT_MULTISHOT = 1u << 6, /* one accept SQE, many connections */
	HK_URING_FILE_ALLOC = 1u << 7,	     /* the kernel picks fixed slots */
	HK_URING_SOCKET_CMD = 1u << 8,	     /* getsockopt through the ring */
	HK_URING_REGISTERED_RING = 1u << 9,  /* the ring fd itself is registered */
	HK_URING_POLL_MULTISHOT = 1u << 10,  /* one poll SQE, many events */
	HK_URING_CANCEL_FD = 1u << 11,	     /* cancel by descriptor */
	HK_URING_RECV_MULTISHOT = 1u << 12,  /* one recv SQE, many completions */
};

/* The name of one HK_URING_* bit ("single-issuer", ...), or NULL. */
HK_API const char *hk_uring_feature_name(unsigned bit);

/*
 * hk_loop_params - how hk_loop_new() sets a loop up. Zero means the default
 * for every field, so `hk_loop_params p = {0};` is a valid start.
 */
typedef struct hk_loop_params {
	/* Submission queue entries (default 256). The completion queue has
	 * cq_entries (default 4 x sq_entries). */
	unsigned sq_entries;
	unsigned cq_entries;
	/* Size of the registered file table (default 0: none). Slots
	 * [0, fixed_files - accept_slots) are handed out by
	 * hk_co_fixed_alloc(); the last accept_slots are left to the kernel
	 * for hk_op_accept_multishot() with HK_ACCEPT_FIXED. */
	unsigned fixed_files;
	unsigned accept_slots;
	/* The registered buffer pool: @buffers buffers of @buffer_size bytes
	 * (default 0 buffers; size default 4096, rounded up to 64 bytes). */
	unsigned buffers;
	size_t buffer_size;
	/* Usable bytes of each coroutine stack (default 64 KiB, rounded up to
	 * pages; a guard page below each). */
	size_t stack_size;
	/* Coroutines alive at once, ended ones waiting for late completions
	 * included (default 0: no limit but memory). hk_co_spawn() fails with
	 * -EAGAIN beyond it. */
	unsigned max_coroutines;
	/* HK_LOOP_* flags. */
	unsigned flags;
	/* The receive buffer ring of hk_op_recv_multishot(): @recv_buffers
	 * buffers (a power of two up to 32768; default 0: none) of
	 * @recv_buffer_size bytes (default 4096, rounded up to 64 bytes, at
	 * most 2^32 - 64),
	 * which the kernel picks from as data arrives. It takes them in ring
	 * order and they come back in about that order, so the whole ring is
	 * the working set: size it to what is in flight at once, within the
	 * caches and the TLB (docs/uring.md). */
	unsigned recv_buffers;
	size_t recv_buffer_size;
} hk_loop_params;

enum {
	/* Do not ask for single issuer / deferred or cooperative task running,
	 * as on a kernel without them (tests of the fallbacks). */
	HK_LOOP_NO_TASKRUN_FLAGS = 1u << 0,
	/* Behave as on a kernel without multishot accept and recv. */
	HK_LOOP_NO_MULTISHOT = 1u << 1,
	/* Install the guard page crash report (hk_stack_guard_report()) for
	 * this thread: a coroutine overrunning its stack gets a message on
	 * stderr naming the coroutine and its stack, then SIGSEGV kills the
	 * process as it would have. */
	HK_LOOP_GUARD_REPORT = 1u << 2,
};

/*
 * Creates a loop owned by the calling thread, which must be the one calling
 * hk_loop_run(). Errors: -EINVAL (bad parameters), -ENOMEM, -ENOSYS or
 * -EPERM when io_uring is unavailable (kernel.io_uring_disabled), or the
 * error of io_uring_setup()/register. Free with hk_loop_free().
 */
HK_API int hk_loop_new(const hk_loop_params *params, hk_loop **ret);

/*
 * Drops every coroutine, waits for the kernel to give back their
 * operations (up to 10 seconds), closes what they owned, and frees the
 * loop. NULL allowed. Returns NULL.
 *
 * Must be called on the loop's owner thread, the one that created it: with
 * a single issuer the kernel refuses another thread's submits and waits,
 * so the coroutines cannot be unwound nor their operations reaped. When
 * operations are still out at the end (that case, or the time limit passed)
 * the ring's closing cancels them, but the kernel finishes that later, and
 * may still write into the memory they named: the stacks of the
 * coroutines concerned, the registered buffer pool and the receive ring
 * are then left mapped (leaked) rather than unmapped under the kernel.
 */
HK_API hk_loop *hk_loop_free(hk_loop *loop);

/* The HK_URING_* bits this loop uses. */
HK_API unsigned hk_loop_features(const hk_loop *loop);

/*
 * Runs the loop until no coroutine is left or hk_loop_stop() is called.
 * Returns 0, or a negative errno when the ring itself failed (the loop is
 * then unusable).
 */
HK_API int hk_loop_run(hk_loop *loop);

/*
 * Asks the loop to stop: hk_loop_run() returns after the current iteration,
 * leaving the coroutines in place (hk_loop_free() drops them). Callable from
 * any thread and from a signal handler.
 */
HK_API void hk_loop_stop(hk_loop *loop);

/* The loop's counters. */
typedef struct hk_loop_stats {
	uint64_t iterations;  /* rounds of reap, resume, submit */
	uint64_t enters;      /* io_uring_enter() calls */
	uint64_t sqes;	      /* submission entries submitted */
	uint64_t cqes;	      /* completions reaped, late ones included */
	uint64_t late_cqes;   /* completions of coroutines that had ended */
	uint64_t switches;    /* context switches into coroutines */
	uint64_t sq_full;     /* times a coroutine found the SQ full */
	uint64_t cq_overflow; /* times the kernel held completions back */
	uint64_t spawned;     /* coroutines started */
	uint64_t dropped;     /* coroutines ended by hk_co_drop() or inactivity */
	uint64_t alive;	      /* coroutines now running or waiting */
	uint64_t zombies;     /* ended coroutines still waiting for the kernel */
} hk_loop_stats;

HK_API void hk_loop_get_stats(const hk_loop *loop, hk_loop_stats *ret);

/* The coroutine function: runs on its own stack; returning ends it. */
typedef void hk_co_fn(hk_co *co, void *arg);

/*
 * Creates a coroutine on @loop that will call fn(co, arg) in the loop's
 * next iteration (never nested in the caller). May be called from the
 * loop's thread before hk_loop_run() or from any of its coroutines. @ret
 * may be NULL; the pointer it gives stays valid until the coroutine ends
 * (use hk_co_id() to refer to it later). Errors: -ENOMEM, -EAGAIN
 * (max_coroutines reached).
 */
HK_API int hk_co_spawn(hk_loop *loop, hk_co_fn *fn, void *arg, hk_co **ret);

/* The loop the coroutine runs on. */
HK_API hk_loop *hk_co_loop(const hk_co *co);

/*
 * The coroutine's id: its slot and generation, never reused while the loop
 * lives (until 2^32 generations of one slot). Ids of ended coroutines are
 * recognised as such.
 */
HK_API uint64_t hk_co_id(const hk_co *co);

/* Lets the others run; resumes in the loop's next iteration. Returns 0, or
 * -ECANCELED when the coroutine is being dropped. */
HK_API int hk_co_yield(hk_co *co);

/*
 * Ends the coroutine @id of @loop from outside it (another coroutine, or
 * the loop's thread between runs): its outstanding operations are
 * cancelled and it is resumed with -ECANCELED from whatever it waits on;
 * every later call that would wait or submit fails with -ECANCELED, so it
 * unwinds by its ordinary error paths. What it still holds is released
 * when it returns and the kernel has given back its operations. A
 * coroutine may drop itself (it then gets -ECANCELED from its next wait).
 * Errors: -ESRCH when @id is not a live coroutine of @loop.
 */
HK_API int hk_loop_drop(hk_loop *loop, uint64_t id);

/* Same as hk_loop_drop() for a coroutine pointer. */
HK_API int hk_co_drop(hk_co *co);

/*
 * 0 while the coroutine lives; once it is being dropped, why: -ECANCELED
 * (hk_co_drop(), the loop freed) or -ETIMEDOUT (its inactivity timeout).
 */
HK_API int hk_co_dead(const hk_co *co);

/*
 * Makes the coroutine @id runnable: its current hk_co_wait() returns 0
 * (nothing completed: look again). Used for wake-ups that are not I/O (a
 * buffer was released, a message posted). Callable from the loop's thread
 * only. Errors: -ESRCH.
 */
HK_API int hk_loop_wake(hk_loop *loop, uint64_t id);

/*
 * An inactivity timeout: when no operation of the coroutine completes for
 * @ns nanoseconds (and it does not yield), it is dropped with -ETIMEDOUT.
 * 0 turns it off. The clock is checked once per loop iteration, and the
 * loop never sleeps past the nearest such deadline. Returns 0, or -ENOMEM
 * when the loop's deadline heap could not grow (the timeout is then not
 * set).
 */
HK_API int hk_co_set_inactivity(hk_co *co, uint64_t ns);

/* How hk_co_wait() decides it is done. */
enum {
	/*
	 * Until every op of the mask has completed, or one of them failed
	 * (a negative result other than -EAGAIN, a linked timeout that fired
	 * included), or an op in the coroutine's urgent mask completed, even
	 * one outside the mask: the seeds' "wake on a timeout or failure, not
	 * on the first of two reads".
	 */
	HK_WAIT_ALL = 0,
	/* Until any op of the mask has completed. */
	HK_WAIT_ANY = 1,
};

/*
 * Waits for ops of @mask (started, not yet collected) as @how says.
 * Returns the mask of ops of @mask that have completed (possibly 0 after an
 * hk_loop_wake()), -EINVAL when @mask holds no started op, or -ECANCELED /
 * -ETIMEDOUT when the coroutine is being dropped. Completed ops keep their
 * result until hk_co_result() collects it.
 */
HK_API int hk_co_wait(hk_co *co, unsigned mask, int how);

/*
 * Ops whose completion always ends an HK_WAIT_ALL wait of hk_co_wait(),
 * even outside its mask (say, a timeout op racing two reads); while one of
 * them has completed and is not collected, such waits return at once. The
 * hk_co_* shorthands wait for their own op only: the urgent mask does not
 * end them. Returns the previous mask.
 */
HK_API unsigned hk_co_set_urgent(hk_co *co, unsigned mask);

/* The mask of this coroutine's ops started and not yet collected, and of
 * those that have completed. */
HK_API unsigned hk_co_pending(const hk_co *co);
HK_API unsigned hk_co_completed(const hk_co *co);

/*
 * Collects the result of completed op @op and frees its slot: the kernel's
 * result (bytes, a descriptor, 0, or -errno), with -ETIME when a timeout
 * linked to it fired. -EBUSY when @op has not completed (it stays
 * started), and for a multishot op (accept, recv) until it has ended and
 * everything it queued was taken (hk_co_accept_next(), hk_co_recv_next()
 * collect it then themselves). -EINVAL when it was not started.
 */
HK_API int hk_co_result(hk_co *co, int op);

/*
 * Links a timeout of @ns nanoseconds to the next operation this coroutine
 * starts: if the timeout fires first the operation is cancelled and its
 * result is -ETIME. Applies to one call of an hk_op_* (or shorthand): when
 * that call fails before starting its operation (-EBADF, -EBUSY, ...), the
 * timeout goes with it and the next operation has none. hk_op_cancel() is
 * not an operation and leaves it armed. Returns 0.
 */
HK_API int hk_co_link_timeout(hk_co *co, uint64_t ns);

/*
 * Operations. Each hk_op_* queues one operation (submitted at the end of
 * the loop's iteration) and returns its op number (0-15), or: -EBUSY when
 * the coroutine has 16 ops outstanding, -EBADF for a descriptor the runtime
 * cannot use, -ENOTSUP when the kernel lacks the opcode, -ECANCELED when
 * the coroutine is being dropped. A full submission queue is not an error:
 * the call submits what is queued and, if still full, suspends until the
 * loop has room. Buffers and addresses passed must stay valid until the op
 * completes (a coroutine's stack does, even if it is dropped).
 *
 * The hk_co_* forms start one operation, wait for it (HK_WAIT_ALL) and
 * return its result. They wait for that op only: neither the urgent mask
 * nor hk_loop_wake() ends their wait (a wake-up is kept for the next
 * hk_co_wait()). When the coroutine is being dropped they return
 * -ECANCELED or -ETIMEDOUT with the op cancelled; its buffer must still
 * stay valid, which the stack does, as the coroutine's end waits for it.
 */
HK_API int hk_op_nop(hk_co *co);
HK_API int hk_op_read(hk_co *co, int fd, void *buf, size_t len, uint64_t offset);
HK_API int hk_op_write(hk_co *co, int fd, const void *buf, size_t len, uint64_t offset);
/*
 * On a registered buffer of the loop's pool (see hk_co_buf_obtain()):
 * @len bytes at byte @at of buffer @buf, which the coroutine must hold
 * (-EINVAL otherwise, or when the range does not fit). Until the op
 * completes the buffer is busy: hk_co_buf_release() refuses it.
 */
HK_API int hk_op_read_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len,
			    uint64_t offset);
HK_API int hk_op_write_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len,
			     uint64_t offset);
HK_API int hk_op_recv(hk_co *co, int fd, void *buf, size_t len, int flags);
HK_API int hk_op_send(hk_co *co, int fd, const void *buf, size_t len, int flags);
HK_API int hk_op_recvmsg(hk_co *co, int fd, struct msghdr *msg, int flags);
HK_API int hk_op_sendmsg(hk_co *co, int fd, const struct msghdr *msg, int flags);
/*
 * Accepts one connection on listening socket @fd. With HK_ACCEPT_FIXED the
 * new socket goes into a free slot of the kernel's range of the fixed file
 * table and the result is HK_FIXED_FD(slot) (-ENFILE when the range is
 * full); otherwise it is a plain descriptor (O_CLOEXEC). @addr/@addrlen may
 * be NULL. The accepted descriptor is not owned by anyone: see hk_co_own().
 */
enum { HK_ACCEPT_FIXED = 1u << 0 };
HK_API int hk_op_accept(hk_co *co, int fd, struct sockaddr *addr, socklen_t *addrlen,
			unsigned flags);
/*
 * A multishot accept: one operation that yields a connection each time one
 * arrives, until it fails or is cancelled. The op completes (for
 * hk_co_wait()) whenever connections are queued; hk_co_accept_next() takes
 * them one at a time. Where the kernel has no multishot accept the runtime
 * re-arms single accepts, so callers need not care.
 */
HK_API int hk_op_accept_multishot(hk_co *co, int fd, unsigned flags);
/*
 * The next connection of multishot op @op: 1 with *ret_fd set, 0 when none
 * is queued and the op is still armed, or the error that ended the op (its
 * slot is then free, as after hk_co_result(); -ENFILE / -EMFILE when the
 * table or the process ran out of descriptors: back off, then start it
 * again).
 */
HK_API int hk_co_accept_next(hk_co *co, int op, int *ret_fd);
/*
 * A multishot receive on stream socket @fd (plain or fixed) into buffers
 * of the loop's receive ring (hk_loop_params.recv_buffers): one operation
 * that yields data each time some arrives, the kernel choosing the buffer,
 * so a connection's socket is polled once rather than once per recv. The
 * op completes (for hk_co_wait()) whenever data is queued or the op ended;
 * hk_co_recv_next() takes it one buffer at a time. Where the kernel has no
 * multishot recv (HK_URING_RECV_MULTISHOT absent, or HK_LOOP_NO_MULTISHOT)
 * the runtime re-arms single recvs that pick from the same ring, so callers
 * need not care. Errors as for other ops, and -ENOBUFS when the loop has no
 * receive ring, -EINVAL with a linked timeout armed (it has no single
 * completion to bound: use hk_co_set_inactivity()).
 */
HK_API int hk_op_recv_multishot(hk_co *co, int fd);
/* One buffer of received data: @len bytes at @data, ring buffer @id. */
typedef struct hk_recv_buf {
	void *data;
	size_t len;
	unsigned id;
} hk_recv_buf;
/*
 * The next data of multishot recv @op, in order: > 0, the byte count, with
 * *ret filled; the buffer then belongs to the coroutine until it gives it
 * back with hk_co_recv_buf_put() (or ends). -EAGAIN: nothing queued, the op
 * is still armed. Otherwise the op has ended and its slot is free (as after
 * hk_co_result()): 0 at end of stream, or the error that ended it; -ENOBUFS
 * when the ring ran dry: give buffers back, then start it again (a
 * coroutine holding every buffer of the ring ends its own stream so). After
 * hk_op_cancel() on the op, the data already queued is still returned,
 * then -ECANCELED. -EINVAL when @op is not an outstanding multishot recv.
 */
HK_API int hk_co_recv_next(hk_co *co, int op, hk_recv_buf *ret);
/* Gives receive buffer @id back to the ring. -EINVAL when the coroutine
 * does not hold it. */
HK_API int hk_co_recv_buf_put(hk_co *co, unsigned id);
HK_API int hk_op_connect(hk_co *co, int fd, const struct sockaddr *addr, socklen_t addrlen);
/* Closes @fd (plain, or a fixed slot: its file is closed and the slot
 * freed when the coroutine owned it through hk_co_fixed_alloc()). Ownership
 * of @fd by the coroutine, if any, ends. */
HK_API int hk_op_close(hk_co *co, int fd);
/* Completes with -ETIME after @ns nanoseconds (0 when cancelled early would
 * be -ECANCELED). */
HK_API int hk_op_timeout(hk_co *co, uint64_t ns);
/* One-shot poll for @events (POLLIN, ...); the result is the revents. */
HK_API int hk_op_poll(hk_co *co, int fd, unsigned events);
/* Registers plain descriptor @fd into fixed slot @slot through the ring
 * (IORING_OP_FILES_UPDATE); the result is 1. */
HK_API int hk_op_files_update(hk_co *co, unsigned slot, int fd);
/*
 * getsockopt() through the ring (IORING_OP_URING_CMD,
 * SOCKET_URING_OP_GETSOCKOPT), which works on fixed slots that have no
 * plain descriptor. The result is the option's length. -ENOTSUP where the
 * kernel lacks it (plain descriptors then need no ring: use getsockopt()).
 */
HK_API int hk_op_getsockopt(hk_co *co, int fd, int level, int optname, void *optval,
			    socklen_t optlen);
/*
 * Cancels op @op of this coroutine (IORING_OP_ASYNC_CANCEL on its user
 * data). Not an op itself: returns 0 once queued; the cancelled op
 * completes (usually with -ECANCELED) and must still be collected; a
 * multishot recv still hands out the data it had queued, then -ECANCELED.
 * A read_fixed or write_fixed keeps its buffer busy until it completes.
 * -EINVAL when @op is not outstanding.
 */
HK_API int hk_op_cancel(hk_co *co, int op);

HK_API int hk_co_nop(hk_co *co);
HK_API int hk_co_read(hk_co *co, int fd, void *buf, size_t len, uint64_t offset);
HK_API int hk_co_write(hk_co *co, int fd, const void *buf, size_t len, uint64_t offset);
HK_API int hk_co_read_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len,
			    uint64_t offset);
HK_API int hk_co_write_fixed(hk_co *co, int fd, unsigned buf, size_t at, size_t len,
			     uint64_t offset);
HK_API int hk_co_recv(hk_co *co, int fd, void *buf, size_t len, int flags);
HK_API int hk_co_send(hk_co *co, int fd, const void *buf, size_t len, int flags);
HK_API int hk_co_recvmsg(hk_co *co, int fd, struct msghdr *msg, int flags);
HK_API int hk_co_sendmsg(hk_co *co, int fd, const struct msghdr *msg, int flags);
HK_API int hk_co_accept(hk_co *co, int fd, struct sockaddr *addr, socklen_t *addrlen,
			unsigned flags);
HK_API int hk_co_connect(hk_co *co, int fd, const struct sockaddr *addr, socklen_t addrlen);
HK_API int hk_co_close(hk_co *co, int fd);
HK_API int hk_co_poll(hk_co *co, int fd, unsigned events);
HK_API int hk_co_getsockopt(hk_co *co, int fd, int level, int optname, void *optval,
			    socklen_t optlen);
/* Sleeps @ns nanoseconds (a timeout op): 0 when it elapsed. */
HK_API int hk_co_sleep(hk_co *co, uint64_t ns);
/* Writes all @len bytes (repeating short sends): @len or -errno. */
HK_API ssize_t hk_co_send_all(hk_co *co, int fd, const void *buf, size_t len, int flags);

/*
 * Descriptors a coroutine owns are closed when it ends (after its
 * outstanding operations are back), unless marked HK_OWN_FORGET (the seeds'
 * "forgetting file descriptors": a descriptor handed to someone else, or
 * one whose closing is the caller's business). @fd may be plain or
 * HK_FIXED_FD(slot). hk_co_own() may be called on a coroutine just
 * spawned, from its spawner, to hand it a descriptor. Errors: -EEXIST (owned
 * already), -ENOMEM.
 */
enum { HK_OWN_CLOSE = 0, HK_OWN_FORGET = 1u << 0 };
HK_API int hk_co_own(hk_co *co, int fd, unsigned flags);
/* Ends ownership (nothing is closed). -ENOENT when not owned. */
HK_API int hk_co_disown(hk_co *co, int fd);

/*
 * The fixed file table's allocator (slots [0, fixed_files - accept_slots)).
 * hk_co_fixed_alloc() gives a free slot now, owned by the coroutine, or
 * -ENFILE: slots are few, and the caller is told. hk_co_fixed_obtain()
 * waits up to @timeout_ns for one to be released (-ETIME when none was).
 * The slot is empty: fill it with hk_op_files_update(). hk_co_fixed_release()
 * closes what the slot holds and frees it (-EINVAL when the coroutine does
 * not own it).
 */
HK_API int hk_co_fixed_alloc(hk_co *co);
HK_API int hk_co_fixed_obtain(hk_co *co, uint64_t timeout_ns);
HK_API int hk_co_fixed_release(hk_co *co, unsigned slot);
/* Free slots of the allocator's range now. */
HK_API unsigned hk_loop_fixed_free(const hk_loop *loop);

/*
 * The registered buffer pool. hk_co_buf_obtain() gives the index of a free
 * buffer, owned by the coroutine until released (or its end); when none is
 * free it waits up to @timeout_ns for one (0: do not wait) and fails with
 * -ENOBUFS (no wait) or -ETIME. Waiters are served in order. -ENOBUFS at
 * once when the loop has no pool. hk_co_buf_release() gives buffer @buf
 * back: -EINVAL when the coroutine does not hold it, -EBUSY while a
 * read_fixed or write_fixed on it is outstanding (the kernel may still
 * fill it; wait for the op, or cancel it and collect it, first). At the
 * coroutine's end its buffers are released once its ops are back.
 */
HK_API int hk_co_buf_obtain(hk_co *co, uint64_t timeout_ns);
HK_API int hk_co_buf_release(hk_co *co, unsigned buf);
HK_API void *hk_loop_buf(const hk_loop *loop, unsigned buf);
HK_API size_t hk_loop_buf_size(const hk_loop *loop);
HK_API unsigned hk_loop_buf_free(const hk_loop *loop);

/*
 * Sockets for a thread-per-core server.
 *
 * hk_socket_listen() opens a @type (SOCK_STREAM or SOCK_DGRAM) socket with
 * SO_REUSEADDR and SO_REUSEPORT, binds it to @address (numeric IPv4 or IPv6,
 * NULL for 127.0.0.1) and @port (0: the kernel picks; *ret_port tells
 * which, NULL allowed), and for a stream socket listens with @backlog (0:
 * SOMAXCONN). With @cpu >= 0 it sets SO_INCOMING_CPU, so the kernel prefers
 * this socket among those of the port for traffic handled on that CPU. The
 * descriptor is blocking and O_CLOEXEC. Errors: -EINVAL (address), or the
 * socket call's.
 */
HK_API int hk_socket_listen(int type, const char *address, uint16_t port, int backlog, int cpu,
			    int *ret_fd, uint16_t *ret_port);
/* SO_INCOMING_CPU and SO_INCOMING_NAPI_ID of a plain socket: the CPU that
 * handled its last packet, the NAPI instance (0 for none, as on loopback). */
HK_API int hk_socket_incoming_cpu(int fd);
HK_API int hk_socket_incoming_napi_id(int fd, unsigned *ret);

/*
 * Pins the calling thread to @cpu (sched_setaffinity). Errors: -EINVAL
 * (cpu out of range, or not allowed to this process).
 */
HK_API int hk_thread_pin(int cpu);

/*
 * Installs, for the calling thread, the report of a coroutine stack
 * overrun: an alternate signal stack and a SIGSEGV handler that, when the
 * faulting address is in the guard page of the running coroutine's stack,
 * writes "hostkit: coroutine N overran its stack of S bytes (guard page
 * hit at ADDR)" to stderr, then lets SIGSEGV end the process. Other faults
 * go to the handler that was there before. hk_loop_new() calls it with
 * HK_LOOP_GUARD_REPORT. Returns 0 or -errno.
 *
 * The guard is one page: a frame larger than a page (a big local array)
 * can jump it and write below it, into whatever is mapped there, with no
 * fault at all. Keep large buffers off coroutine stacks, or ask for a
 * stack size with room to spare.
 */
HK_API int hk_stack_guard_report(void);

#ifdef __cplusplus
}
#endif

#endif
