/* SPDX-License-Identifier: MIT */
/*
 * Coroutine stacks (see stack.h) and the guard page crash report
 * (hk_stack_guard_report() in uring.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "rt/uring/stack.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HK_HAVE_VALGRIND 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define HK_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HK_HAVE_ASAN 1
#endif
#endif

#ifdef HK_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define STACK_DEFAULT_SIZE (64u * 1024)

/*
 * Cache colouring. Stacks are mapped at page-aligned addresses, so without
 * care every coroutine's top frames (the switch frame, the wait, the op)
 * sit at the same offsets within a page and fall into the same few L1
 * sets: with a few dozen coroutines taking turns, each switch misses. Each
 * new stack's usable range therefore starts a different number of cache
 * lines above its guard page (0 to 63: 4 KiB, the span of L1 set indexes),
 * out of a spare page at the top of its mapping.
 */
#define STACK_COLOR_STEP 64u
#define STACK_COLORS	 64u

/*
 * A cached stack keeps its own description at its top: the pool needs no
 * memory of its own for the cache, and putting a stack back cannot fail.
 */
typedef struct stack_node {
	struct stack_node *next;
	hk_stack stack;
} stack_node;

struct hk_stack_pool {
	size_t size;
	size_t page;
	unsigned max_cached;
	unsigned n_cached;
	unsigned next_color;
	stack_node *cached; /* most recently put back first */
};

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (size_t)p : 4096;
}

int hk_stack_pool_new(size_t size, unsigned max_cached, hk_stack_pool **ret)
{
	size_t page = page_size();

	if (!ret)
		return -EINVAL;
	if (size == 0)
		size = STACK_DEFAULT_SIZE;
	/* Room for the cache's node at least, and no wrap when rounding or
	 * adding the guard page. */
	if (size < sizeof(stack_node))
		size = sizeof(stack_node);
	if (size > SIZE_MAX / 4)
		return -EINVAL;
	size = (size + page - 1) & ~(page - 1);

	hk_stack_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->size = size;
	pool->page = page;
	pool->max_cached = max_cached;
	*ret = pool;
	return 0;
}

static void stack_unmap(const hk_stack *stack)
{
#ifdef HK_HAVE_VALGRIND
	VALGRIND_STACK_DEREGISTER(stack->valgrind_id);
#endif
	munmap(stack->map, stack->map_size);
}

hk_stack_pool *hk_stack_pool_free(hk_stack_pool *pool)
{
	if (!pool)
		return NULL;
	while (pool->cached) {
		stack_node *node = pool->cached;
		hk_stack stack = node->stack;

		pool->cached = node->next;
		stack_unmap(&stack);
	}
	free(pool);
	return NULL;
}

size_t hk_stack_pool_stack_size(const hk_stack_pool *pool)
{
	return pool->size;
}

static stack_node *stack_node_of(const hk_stack *stack)
{
	return (stack_node *)((char *)stack->base + stack->size - sizeof(stack_node));
}

int hk_stack_get(hk_stack_pool *pool, hk_stack *ret)
{
	if (pool->cached) {
		stack_node *node = pool->cached;

		pool->cached = node->next;
		pool->n_cached--;
		*ret = node->stack;
		return 0;
	}

	/*
	 * Guard page, usable stack, and a page of room for the colour.
	 * Reserve the whole range inaccessible, then open the part above the
	 * guard page: at no moment is the guard page usable. MAP_NORESERVE:
	 * most of a stack is never touched, so it should not count against
	 * overcommit as if it were.
	 */
	size_t map_size = pool->page + pool->size + pool->page;
	void *map = mmap(NULL, map_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -ENOMEM;
	char *open = (char *)map + pool->page;
	if (mprotect(open, map_size - pool->page, PROT_READ | PROT_WRITE) < 0) {
		/* Out of mappings (vm.max_map_count) or memory: -ENOMEM. */
		munmap(map, map_size);
		return -ENOMEM;
	}
	char *base = open + (size_t)pool->next_color * STACK_COLOR_STEP;
	pool->next_color = (pool->next_color + 1) % STACK_COLORS;

	hk_stack stack = {
	    .map = map,
	    .map_size = map_size,
	    .base = base,
	    .size = pool->size,
	};
#ifdef HK_HAVE_VALGRIND
	/* Without this valgrind takes the first switch onto the stack for a
	 * huge stack frame and warns about it. A no-op outside valgrind. */
	stack.valgrind_id = VALGRIND_STACK_REGISTER(base, base + pool->size);
#endif
	*ret = stack;
	return 0;
}

void hk_stack_put(hk_stack_pool *pool, hk_stack *stack)
{
#ifdef HK_HAVE_ASAN
	/*
	 * The last frames of the coroutine that ran here were never returned
	 * from (it switched away for good), so their redzones are still
	 * poisoned: the next coroutine on this memory would trip on them.
	 */
	ASAN_UNPOISON_MEMORY_REGION(stack->base, stack->size);
#endif
	if (pool->n_cached >= pool->max_cached) {
		stack_unmap(stack);
		return;
	}
	stack_node *node = stack_node_of(stack);
	node->stack = *stack;
	node->next = pool->cached;
	pool->cached = node;
	pool->n_cached++;
}

/* ---- The guard page report ---- */

/*
 * What runs on this thread, for the SIGSEGV handler. Initial-exec: read
 * from a signal handler, and written on every switch, they must be plain
 * loads and stores, not calls into the dynamic linker.
 */
static _Thread_local __attribute__((tls_model("initial-exec"))) const hk_stack *guard_stack;
static _Thread_local __attribute__((tls_model("initial-exec"))) uint64_t guard_co_id;
static _Thread_local __attribute__((tls_model("initial-exec"))) bool guard_thread_ready;

void hk_stack_guard_set_current(const hk_stack *stack, uint64_t co_id)
{
	guard_stack = stack;
	guard_co_id = co_id;
}

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static bool guard_installed;
static struct sigaction guard_previous;
static pthread_key_t guard_key;

/* Our alternate signal stacks: 64 KiB, far more than the handler needs,
 * and enough for a previous handler we chain to. */
#define GUARD_ALTSTACK_SIZE (64u * 1024)

/* Digits of @v in base @base, written backwards from @end; returns the start. */
static char *format_u64(char *end, uint64_t v, unsigned base)
{
	do {
		*--end = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return end;
}

static size_t append(char *buf, size_t at, size_t size, const char *s, size_t len)
{
	if (len > size - at)
		len = size - at;
	memcpy(buf + at, s, len);
	return at + len;
}

static size_t append_str(char *buf, size_t at, size_t size, const char *s)
{
	return append(buf, at, size, s, strlen(s));
}

static size_t append_u64(char *buf, size_t at, size_t size, uint64_t v, unsigned base)
{
	char digits[24];
	char *end = digits + sizeof(digits);
	char *start = format_u64(end, v, base);

	return append(buf, at, size, start, (size_t)(end - start));
}

/* Everything here is async-signal-safe: strlen, memcpy, write, sigaction. */
static void guard_report(const hk_stack *stack, uint64_t co_id, uintptr_t addr)
{
	char msg[160];
	size_t n = 0;

	n = append_str(msg, n, sizeof(msg), "hostkit: coroutine ");
	n = append_u64(msg, n, sizeof(msg), co_id, 10);
	n = append_str(msg, n, sizeof(msg), " overran its stack of ");
	n = append_u64(msg, n, sizeof(msg), stack->size, 10);
	n = append_str(msg, n, sizeof(msg), " bytes (guard page hit at 0x");
	n = append_u64(msg, n, sizeof(msg), addr, 16);
	n = append_str(msg, n, sizeof(msg), ")\n");

	for (size_t done = 0; done < n;) {
		ssize_t w = write(STDERR_FILENO, msg + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
}

static void guard_default(int sig)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	const hk_stack *stack = guard_stack;

	/* si_addr means something only for faults the kernel raised (si_code
	 * > 0); a SIGSEGV sent by kill() carries a pid there instead. */
	if (stack && si->si_code > 0) {
		uintptr_t addr = (uintptr_t)si->si_addr;

		/* Below base: the guard page, or the colour's few lines above
		 * it, which are writable and so never fault. */
		if (addr >= (uintptr_t)stack->map && addr < (uintptr_t)stack->base) {
			guard_report(stack, guard_co_id, addr);
			/* Returning re-runs the faulting instruction, which now
			 * ends the process with SIGSEGV as it would have
			 * without us (a core dump included). */
			guard_default(sig);
			errno = saved_errno;
			return;
		}
	}

	if (guard_previous.sa_flags & SA_SIGINFO) {
		errno = saved_errno;
		guard_previous.sa_sigaction(sig, si, uc);
		return;
	}
	if (guard_previous.sa_handler != SIG_DFL && guard_previous.sa_handler != SIG_IGN) {
		errno = saved_errno;
		guard_previous.sa_handler(sig);
		return;
	}
	/*
	 * Default (an ignored SIGSEGV from a fault is fatal all the same).
	 * A fault re-executes and dies; a signal that was sent is sent again,
	 * to be delivered once this handler returns.
	 */
	guard_default(sig);
	if (si->si_code <= 0)
		raise(sig);
	errno = saved_errno;
}

/* At thread exit: the thread's alternate stack, if still in force, is ours to drop. */
static void guard_altstack_free(void *map)
{
	stack_t cur;

	if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == map) {
		stack_t off = {.ss_flags = SS_DISABLE};
		sigaltstack(&off, NULL);
	}
	munmap(map, GUARD_ALTSTACK_SIZE);
}

static int guard_install_process(void)
{
	int r = 0;

	pthread_mutex_lock(&guard_lock);
	if (!guard_installed) {
		r = -pthread_key_create(&guard_key, guard_altstack_free);
		if (r == 0) {
			struct sigaction sa = {
			    .sa_sigaction = guard_handler,
			    .sa_flags = SA_SIGINFO | SA_ONSTACK,
			};
			sigemptyset(&sa.sa_mask);
			if (sigaction(SIGSEGV, &sa, &guard_previous) < 0) {
				r = negative_errno();
				pthread_key_delete(guard_key);
			} else
				guard_installed = true;
		}
	}
	pthread_mutex_unlock(&guard_lock);
	return r;
}

/*
 * The handler must run on another stack than the one that overflowed. A
 * thread that has an alternate stack big enough keeps it (a sanitizer's,
 * say); otherwise it gets one of ours, kept for the thread's life and
 * unmapped at its exit by the key's destructor.
 */
static int guard_install_thread(void)
{
	stack_t old;

	if (guard_thread_ready)
		return 0;
	if (sigaltstack(NULL, &old) < 0)
		return negative_errno();

	long min = sysconf(_SC_MINSIGSTKSZ);
	size_t need = (min > 0 ? (size_t)min : 2048) + 4096;
	if ((old.ss_flags & SS_DISABLE) || old.ss_size < need) {
		void *map = mmap(NULL, GUARD_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (map == MAP_FAILED)
			return negative_errno();
		stack_t ss = {.ss_sp = map, .ss_size = GUARD_ALTSTACK_SIZE};
		if (sigaltstack(&ss, NULL) < 0) {
			int r = negative_errno();
			munmap(map, GUARD_ALTSTACK_SIZE);
			return r;
		}
		int r = pthread_setspecific(guard_key, map);
		if (r != 0) {
			stack_t off = {.ss_flags = SS_DISABLE};
			sigaltstack(&off, NULL);
			munmap(map, GUARD_ALTSTACK_SIZE);
			return -r;
		}
	}
	guard_thread_ready = true;
	return 0;
}

int hk_stack_guard_report(void)
{
	int r = guard_install_process();
	if (r < 0)
		return r;
	return guard_install_thread();
}
