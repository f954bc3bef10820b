/* SPDX-License-Identifier: MIT */
#ifndef HK_RT_URING_STACK_H
#define HK_RT_URING_STACK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Coroutine stacks: one mapping each, a PROT_NONE guard page at its low end
 * (stacks grow down), kept in a per-loop pool for reuse. Registered with
 * valgrind and AddressSanitizer where those are in use.
 */
typedef struct hk_stack {
	void *map;       /* the mapping, guard page first */
	size_t map_size; /* guard page + usable stack */
	void *base;      /* lowest usable byte (just above the guard page) */
	size_t size;     /* usable bytes */
	unsigned valgrind_id;
} hk_stack;

typedef struct hk_stack_pool hk_stack_pool;

/*
 * A pool of stacks with @size usable bytes (rounded up to pages; 0 means
 * 64 KiB), keeping at most @max_cached free stacks mapped for reuse (the
 * rest are unmapped when put back). Errors: -EINVAL, -ENOMEM.
 */
int hk_stack_pool_new(size_t size, unsigned max_cached, hk_stack_pool **ret);
/* Unmaps the cached stacks and frees the pool; stacks still out must have
 * been put back. NULL allowed. Returns NULL. */
hk_stack_pool *hk_stack_pool_free(hk_stack_pool *pool);
size_t hk_stack_pool_stack_size(const hk_stack_pool *pool);

/* A stack from the cache or a new mapping. Errors: -ENOMEM. */
int hk_stack_get(hk_stack_pool *pool, hk_stack *ret);
/* Returns @stack to the pool (cached, or unmapped beyond max_cached). */
void hk_stack_put(hk_stack_pool *pool, hk_stack *stack);

/*
 * The guard page report (hk_stack_guard_report() in uring.h) needs to know
 * which coroutine runs on this thread: the loop sets it on every switch into
 * a coroutine and clears it (NULL) when back on the loop's own stack. Plain
 * thread-local stores: cheap enough for every switch.
 */
void hk_stack_guard_set_current(const hk_stack *stack, uint64_t co_id);

#endif
