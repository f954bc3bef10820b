/* SPDX-License-Identifier: MIT */
/*
 * The coroutine context switch and stack pool (src/rt/uring/context.h,
 * stack.h) and the guard page crash report: switches in order, callee-saved
 * registers and floating point control words kept per context, deep
 * recursion, entry alignment, no syscall on a switch (under seccomp strict
 * mode), guard page faults reported or not as they should be (in children,
 * their stderr on a pipe), and the pool's reuse and limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "rt/uring/context.h"
#include "rt/uring/stack.h"
#include "tests/test.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
#include <sanitizer/common_interface_defs.h>

/*
 * The children below check that a fault ends them with SIGSEGV; ASan's own
 * SIGSEGV handler would turn it into a report and exit(1). Leave SIGSEGV
 * to the default and to the handler under test.
 */
__attribute__((visibility("default"))) const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0";
}
#endif

static size_t page;

/* ---- Fibers: a context, its stack, and what ASan must be told ---- */

typedef struct fiber {
	hk_ctx ctx;
	hk_stack stack;
	const void *asan_bottom; /* the stack's bounds; learnt at run time for main */
	size_t asan_size;
	struct fiber *back; /* where the fiber's function switches to */
	void *data;
} fiber;

/* The fiber that switched to the running one (to learn the bounds of a
 * thread's own stack, which ASan needs on the way back). */
static _Thread_local fiber *fiber_prev;

/* How a switch is made: hk_ctx_switch(), or an assembly helper around it. */
typedef void switch_fn(hk_ctx *from, const hk_ctx *to, uint64_t *out);

static void plain_switch(hk_ctx *from, const hk_ctx *to, uint64_t *out)
{
	hk_ctx_switch(from, to);
}

/*
 * ASan tracks the stack in use; around a switch it is told where to
 * (start) and learns where from (finish). @last: @from is never resumed,
 * so its fake stack (if any) may go.
 */
static void fiber_switch_via(fiber *from, fiber *to, bool last, switch_fn *fn, uint64_t *out)
{
#ifdef TEST_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(last ? NULL : &fake, to->asan_bottom, to->asan_size);
#endif
	fiber_prev = from;
	fn(&from->ctx, &to->ctx, out);
#ifdef TEST_ASAN
	__sanitizer_finish_switch_fiber(fake, &fiber_prev->asan_bottom, &fiber_prev->asan_size);
#endif
}

static void fiber_switch(fiber *from, fiber *to)
{
	fiber_switch_via(from, to, false, plain_switch, NULL);
}

/* First thing on a new fiber. */
static void fiber_begin(void)
{
#ifdef TEST_ASAN
	__sanitizer_finish_switch_fiber(NULL, &fiber_prev->asan_bottom, &fiber_prev->asan_size);
#endif
}

/* Last thing on a fiber: back for good. */
static _Noreturn void fiber_end(fiber *self)
{
	fiber_switch_via(self, self->back, true, plain_switch, NULL);
	abort();
}

static int fiber_make(fiber *f, hk_stack_pool *pool, void (*entry)(void *), fiber *back, void *data)
{
	int r = hk_stack_get(pool, &f->stack);
	if (r < 0)
		return r;
	hk_ctx_make(&f->ctx, f->stack.base, f->stack.size, entry, f);
	f->asan_bottom = f->stack.base;
	f->asan_size = f->stack.size;
	f->back = back;
	f->data = data;
	return 0;
}

/* Whether @p's page is mapped (msync fails with ENOMEM on a hole). */
static bool mapped(const void *p)
{
	void *pg = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));
	return msync(pg, page, MS_ASYNC) == 0;
}

/* ---- Assembly helpers ---- */

/*
 * regs_switch() loads known values into every callee-saved register, calls
 * hk_ctx_switch(), and stores what those registers hold when it returns
 * into out[]; trash_switch() fills them with other values before switching.
 * Compiled C could not promise to keep values in those registers.
 */
void regs_switch(hk_ctx *from, const hk_ctx *to, uint64_t *out);
void trash_switch(hk_ctx *from, const hk_ctx *to, uint64_t *out);
/* An entry that records its stack pointer (as it was before the call that
 * reached it) in entry_sp, then goes on as align_entry_c(). */
void align_entry(void *arg);
void align_entry_c(void *arg);
uintptr_t entry_sp;

#if defined(__x86_64__)
#define N_REGS 6
static const uint64_t reg_magic[N_REGS] = {
    0x0101010101010101, /* rbx */
    0x1212121212121212, /* r12 */
    0x1313131313131313, /* r13 */
    0x1414141414141414, /* r14 */
    0x1515151515151515, /* r15 */
    0x5050505050505050, /* rbp */
};
__asm__(".pushsection .text\n"
	".globl regs_switch\n"
	".type regs_switch, @function\n"
	"regs_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	pushq %rdx\n"
	"	movabsq $0x0101010101010101, %rbx\n"
	"	movabsq $0x1212121212121212, %r12\n"
	"	movabsq $0x1313131313131313, %r13\n"
	"	movabsq $0x1414141414141414, %r14\n"
	"	movabsq $0x1515151515151515, %r15\n"
	"	movabsq $0x5050505050505050, %rbp\n"
	"	call hk_ctx_switch\n"
	"	popq %rdx\n"
	"	movq %rbx, 0(%rdx)\n"
	"	movq %r12, 8(%rdx)\n"
	"	movq %r13, 16(%rdx)\n"
	"	movq %r14, 24(%rdx)\n"
	"	movq %r15, 32(%rdx)\n"
	"	movq %rbp, 40(%rdx)\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size regs_switch, .-regs_switch\n"
	".globl trash_switch\n"
	".type trash_switch, @function\n"
	"trash_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	movabsq $0xdeaddeaddeaddead, %rbx\n"
	"	movq %rbx, %r12\n"
	"	movq %rbx, %r13\n"
	"	movq %rbx, %r14\n"
	"	movq %rbx, %r15\n"
	"	movq %rbx, %rbp\n"
	"	call hk_ctx_switch\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size trash_switch, .-trash_switch\n"
	".globl align_entry\n"
	".type align_entry, @function\n"
	"align_entry:\n"
	"	leaq 8(%rsp), %rax\n"
	"	movq %rax, entry_sp(%rip)\n"
	"	jmp align_entry_c\n"
	".size align_entry, .-align_entry\n"
	".popsection\n");
#elif defined(__aarch64__)
/* x19-x28, x29, then d8-d15 (as 64-bit patterns) */
#define N_REGS 19
static const uint64_t reg_magic[N_REGS] = {
    0x1919191919191919, 0x2020202020202020, 0x2121212121212121, 0x2222222222222222,
    0x2323232323232323, 0x2424242424242424, 0x2525252525252525, 0x2626262626262626,
    0x2727272727272727, 0x2828282828282828, 0x2929292929292929, 0x0808080808080808,
    0x0909090909090909, 0x1010101010101010, 0x1111111111111111, 0x1212121212121212,
    0x1313131313131313, 0x1414141414141414, 0x1515151515151515,
};
__asm__(".pushsection .text\n"
	".globl regs_switch\n"
	".type regs_switch, %function\n"
	"regs_switch:\n"
	"	stp x29, x30, [sp, #-176]!\n"
	"	stp x19, x20, [sp, #16]\n"
	"	stp x21, x22, [sp, #32]\n"
	"	stp x23, x24, [sp, #48]\n"
	"	stp x25, x26, [sp, #64]\n"
	"	stp x27, x28, [sp, #80]\n"
	"	stp d8, d9, [sp, #96]\n"
	"	stp d10, d11, [sp, #112]\n"
	"	stp d12, d13, [sp, #128]\n"
	"	stp d14, d15, [sp, #144]\n"
	"	str x2, [sp, #160]\n"
	"	ldr x19, =0x1919191919191919\n"
	"	ldr x20, =0x2020202020202020\n"
	"	ldr x21, =0x2121212121212121\n"
	"	ldr x22, =0x2222222222222222\n"
	"	ldr x23, =0x2323232323232323\n"
	"	ldr x24, =0x2424242424242424\n"
	"	ldr x25, =0x2525252525252525\n"
	"	ldr x26, =0x2626262626262626\n"
	"	ldr x27, =0x2727272727272727\n"
	"	ldr x28, =0x2828282828282828\n"
	"	ldr x29, =0x2929292929292929\n"
	"	ldr x9, =0x0808080808080808\n"
	"	fmov d8, x9\n"
	"	ldr x9, =0x0909090909090909\n"
	"	fmov d9, x9\n"
	"	ldr x9, =0x1010101010101010\n"
	"	fmov d10, x9\n"
	"	ldr x9, =0x1111111111111111\n"
	"	fmov d11, x9\n"
	"	ldr x9, =0x1212121212121212\n"
	"	fmov d12, x9\n"
	"	ldr x9, =0x1313131313131313\n"
	"	fmov d13, x9\n"
	"	ldr x9, =0x1414141414141414\n"
	"	fmov d14, x9\n"
	"	ldr x9, =0x1515151515151515\n"
	"	fmov d15, x9\n"
	"	bl hk_ctx_switch\n"
	"	ldr x2, [sp, #160]\n"
	"	stp x19, x20, [x2, #0]\n"
	"	stp x21, x22, [x2, #16]\n"
	"	stp x23, x24, [x2, #32]\n"
	"	stp x25, x26, [x2, #48]\n"
	"	stp x27, x28, [x2, #64]\n"
	"	str x29, [x2, #80]\n"
	"	fmov x9, d8\n"
	"	str x9, [x2, #88]\n"
	"	fmov x9, d9\n"
	"	str x9, [x2, #96]\n"
	"	fmov x9, d10\n"
	"	str x9, [x2, #104]\n"
	"	fmov x9, d11\n"
	"	str x9, [x2, #112]\n"
	"	fmov x9, d12\n"
	"	str x9, [x2, #120]\n"
	"	fmov x9, d13\n"
	"	str x9, [x2, #128]\n"
	"	fmov x9, d14\n"
	"	str x9, [x2, #136]\n"
	"	fmov x9, d15\n"
	"	str x9, [x2, #144]\n"
	"	ldp x19, x20, [sp, #16]\n"
	"	ldp x21, x22, [sp, #32]\n"
	"	ldp x23, x24, [sp, #48]\n"
	"	ldp x25, x26, [sp, #64]\n"
	"	ldp x27, x28, [sp, #80]\n"
	"	ldp d8, d9, [sp, #96]\n"
	"	ldp d10, d11, [sp, #112]\n"
	"	ldp d12, d13, [sp, #128]\n"
	"	ldp d14, d15, [sp, #144]\n"
	"	ldp x29, x30, [sp], #176\n"
	"	ret\n"
	"	.ltorg\n"
	".size regs_switch, .-regs_switch\n"
	".globl trash_switch\n"
	".type trash_switch, %function\n"
	"trash_switch:\n"
	"	stp x29, x30, [sp, #-160]!\n"
	"	stp x19, x20, [sp, #16]\n"
	"	stp x21, x22, [sp, #32]\n"
	"	stp x23, x24, [sp, #48]\n"
	"	stp x25, x26, [sp, #64]\n"
	"	stp x27, x28, [sp, #80]\n"
	"	stp d8, d9, [sp, #96]\n"
	"	stp d10, d11, [sp, #112]\n"
	"	stp d12, d13, [sp, #128]\n"
	"	stp d14, d15, [sp, #144]\n"
	"	ldr x19, =0xdeaddeaddeaddead\n"
	"	mov x20, x19\n"
	"	mov x21, x19\n"
	"	mov x22, x19\n"
	"	mov x23, x19\n"
	"	mov x24, x19\n"
	"	mov x25, x19\n"
	"	mov x26, x19\n"
	"	mov x27, x19\n"
	"	mov x28, x19\n"
	"	mov x29, x19\n"
	"	fmov d8, x19\n"
	"	fmov d9, x19\n"
	"	fmov d10, x19\n"
	"	fmov d11, x19\n"
	"	fmov d12, x19\n"
	"	fmov d13, x19\n"
	"	fmov d14, x19\n"
	"	fmov d15, x19\n"
	"	bl hk_ctx_switch\n"
	"	ldp x19, x20, [sp, #16]\n"
	"	ldp x21, x22, [sp, #32]\n"
	"	ldp x23, x24, [sp, #48]\n"
	"	ldp x25, x26, [sp, #64]\n"
	"	ldp x27, x28, [sp, #80]\n"
	"	ldp d8, d9, [sp, #96]\n"
	"	ldp d10, d11, [sp, #112]\n"
	"	ldp d12, d13, [sp, #128]\n"
	"	ldp d14, d15, [sp, #144]\n"
	"	ldp x29, x30, [sp], #160\n"
	"	ret\n"
	"	.ltorg\n"
	".size trash_switch, .-trash_switch\n"
	".globl align_entry\n"
	".type align_entry, %function\n"
	"align_entry:\n"
	"	mov x9, sp\n"
	"	adrp x10, entry_sp\n"
	"	str x9, [x10, :lo12:entry_sp]\n"
	"	b align_entry_c\n"
	".size align_entry, .-align_entry\n"
	".popsection\n");
#else
#error "no assembly helpers for this architecture"
#endif

/* ---- Floating point rounding, per unit ---- */

enum { ROUND_NEAREST, ROUND_UP, ROUND_DOWN, ROUND_ZERO };

/*
 * Set by hand rather than with fesetround(), which lives in libm, and
 * read per unit: on x86_64 both the SSE (mxcsr) and x87 control words
 * must follow the context.
 */
#if defined(__x86_64__)
static const unsigned round_bits[] = {0, 2, 1, 3};

static void round_set(int mode)
{
	unsigned mxcsr;
	unsigned short cw;

	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw) : : "memory");
	mxcsr = (mxcsr & ~0x6000u) | (round_bits[mode] << 13);
	cw = (unsigned short)((cw & ~0x0c00u) | (round_bits[mode] << 10));
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(cw) : "memory");
}

/* The mode, or -1 when the two units disagree. */
static int round_get(void)
{
	unsigned mxcsr;
	unsigned short cw;

	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(cw) : : "memory");
	unsigned sse = (mxcsr >> 13) & 3, x87 = (cw >> 10) & 3;
	if (sse != x87)
		return -1;
	for (int m = 0; m < 4; m++)
		if (round_bits[m] == sse)
			return m;
	return -1;
}
#elif defined(__aarch64__)
static const unsigned round_bits[] = {0, 1, 2, 3};

static void round_set(int mode)
{
	uint64_t fpcr;

	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr) : : "memory");
	fpcr = (fpcr & ~(3ull << 22)) | ((uint64_t)round_bits[mode] << 22);
	__asm__ volatile("msr fpcr, %0" : : "r"(fpcr) : "memory");
}

static int round_get(void)
{
	uint64_t fpcr;

	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr) : : "memory");
	return (int)((fpcr >> 22) & 3);
}
#endif

/*
 * 1/3 and -1/3 as the current mode rounds them, in double and long double:
 * whichever way a mode rounds, one of the two differs from the nearest.
 */
static volatile double d_one = 1.0, d_three = 3.0;
static volatile long double l_one = 1.0L, l_three = 3.0L;

typedef struct third {
	double d[2];
	long double l[2];
} third;

static third third_now(void)
{
	third t = {{d_one / d_three, -d_one / d_three}, {l_one / l_three, -l_one / l_three}};
	return t;
}

static bool third_eq_d(third a, third b)
{
	return a.d[0] == b.d[0] && a.d[1] == b.d[1];
}

static bool third_eq_l(third a, third b)
{
	return a.l[0] == b.l[0] && a.l[1] == b.l[1];
}

static bool third_eq(third a, third b)
{
	return third_eq_d(a, b) && third_eq_l(a, b);
}

/* ---- Pool ---- */

static void test_pool_sizes(void)
{
	hk_stack_pool *pool = NULL;
	hk_stack s;

	CHECK_OK(hk_stack_pool_new(0, 1, &pool));
	if (!pool)
		return;
	CHECK_EQ_U64(hk_stack_pool_stack_size(pool), 64 * 1024);
	if (CHECK_OK(hk_stack_get(pool, &s)) >= 0) {
		CHECK_EQ_U64(s.size, 64 * 1024);
		/* Guard page, stack, and a page for the cache colour. */
		CHECK_EQ_U64(s.map_size, 64 * 1024 + 2 * page);
		CHECK((char *)s.base >= (char *)s.map + page);
		CHECK((char *)s.base < (char *)s.map + 2 * page);
		CHECK((uintptr_t)s.base % 64 == 0);
		CHECK((char *)s.base + s.size <= (char *)s.map + s.map_size);
		/* Every usable byte is writable. */
		memset(s.base, 0xa5, s.size);
		CHECK(((volatile char *)s.base)[s.size - 1] == (char)0xa5);
		hk_stack_put(pool, &s);
	}
	pool = hk_stack_pool_free(pool);

	CHECK_OK(hk_stack_pool_new(1, 0, &pool));
	if (pool)
		CHECK_EQ_U64(hk_stack_pool_stack_size(pool), page);
	pool = hk_stack_pool_free(pool);
	CHECK_OK(hk_stack_pool_new(page + 1, 0, &pool));
	if (pool)
		CHECK_EQ_U64(hk_stack_pool_stack_size(pool), 2 * page);
	pool = hk_stack_pool_free(pool);
	CHECK_OK(hk_stack_pool_new(3 * page, 0, &pool));
	if (pool)
		CHECK_EQ_U64(hk_stack_pool_stack_size(pool), 3 * page);
	pool = hk_stack_pool_free(pool);

	pool = NULL;
	CHECK_ERR(hk_stack_pool_new(SIZE_MAX, 0, &pool), -EINVAL);
	CHECK_ERR(hk_stack_pool_new(SIZE_MAX - page, 0, &pool), -EINVAL);
	CHECK(pool == NULL);
	CHECK(hk_stack_pool_free(NULL) == NULL);
}

static void test_pool_guard_is_mapped_none(void)
{
	hk_stack_pool *pool = NULL;
	hk_stack s;

	if (CHECK_OK(hk_stack_pool_new(0, 0, &pool)) < 0)
		return;
	if (CHECK_OK(hk_stack_get(pool, &s)) >= 0) {
		/* The guard page is reserved (mapped) but not accessible:
		 * /proc/self/maps says ---p for it. */
		CHECK(mapped(s.map));
		char want[64];
		snprintf(want, sizeof(want), "%" PRIxPTR "-%" PRIxPTR " ---p ", (uintptr_t)s.map,
			 (uintptr_t)s.map + page);
		FILE *f = fopen("/proc/self/maps", "re");
		bool found = false;
		char line[512];
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, want, strlen(want)) == 0)
				found = true;
		if (f)
			fclose(f);
		CHECK(found);
		hk_stack_put(pool, &s);
		CHECK(!mapped(s.map));
	}
	hk_stack_pool_free(pool);
}

/* Consecutive stacks start at different offsets within a page (different
 * L1 sets for their top frames). */
static void test_pool_colours(void)
{
	hk_stack_pool *pool = NULL;
	hk_stack s[8];
	size_t offsets[8];

	if (CHECK_OK(hk_stack_pool_new(0, 0, &pool)) < 0)
		return;
	for (int i = 0; i < 8; i++) {
		if (CHECK_OK(hk_stack_get(pool, &s[i])) < 0)
			return;
		offsets[i] = ((uintptr_t)s[i].base + s[i].size) % page;
		CHECK(((uintptr_t)s[i].base + s[i].size) % 16 == 0);
	}
	bool distinct = true;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < i; j++)
			if (offsets[i] == offsets[j])
				distinct = false;
	CHECK(distinct);
	for (int i = 0; i < 8; i++)
		hk_stack_put(pool, &s[i]);
	hk_stack_pool_free(pool);
}

static void test_pool_reuse(void)
{
	hk_stack_pool *pool = NULL;
	hk_stack a, b, c, d;

	if (CHECK_OK(hk_stack_pool_new(0, 4, &pool)) < 0)
		return;
	CHECK_OK(hk_stack_get(pool, &a));
	void *a_map = a.map, *a_base = a.base;
	hk_stack_put(pool, &a);
	CHECK(mapped(a_map));
	CHECK_OK(hk_stack_get(pool, &b));
	CHECK(b.map == a_map);
	CHECK(b.base == a_base);
	CHECK_EQ_U64(b.size, 64 * 1024);

	/* Last in, first out: the stack put back last is the hottest. */
	CHECK_OK(hk_stack_get(pool, &c));
	CHECK(c.map != b.map);
	void *b_map = b.map, *c_map = c.map;
	hk_stack_put(pool, &b);
	hk_stack_put(pool, &c);
	CHECK_OK(hk_stack_get(pool, &d));
	CHECK(d.map == c_map);
	hk_stack_put(pool, &d);
	CHECK_OK(hk_stack_get(pool, &d));
	CHECK(d.map == c_map);
	CHECK_OK(hk_stack_get(pool, &a));
	CHECK(a.map == b_map);
	hk_stack_put(pool, &a);
	hk_stack_put(pool, &d);

	/* Freeing the pool unmaps what it cached. */
	hk_stack_pool_free(pool);
	CHECK(!mapped(b_map));
	CHECK(!mapped(c_map));
}

static void test_pool_max_cached(void)
{
	hk_stack_pool *pool = NULL;
	hk_stack s[3];

	if (CHECK_OK(hk_stack_pool_new(0, 2, &pool)) < 0)
		return;
	for (int i = 0; i < 3; i++)
		CHECK_OK(hk_stack_get(pool, &s[i]));
	void *maps[3] = {s[0].map, s[1].map, s[2].map};
	for (int i = 0; i < 3; i++)
		hk_stack_put(pool, &s[i]);
	CHECK(mapped(maps[0]));
	CHECK(mapped(maps[1]));
	CHECK(!mapped(maps[2]));
	hk_stack_pool_free(pool);
	CHECK(!mapped(maps[0]));
	CHECK(!mapped(maps[1]));

	/* max_cached 0: nothing is kept. */
	if (CHECK_OK(hk_stack_pool_new(0, 0, &pool)) < 0)
		return;
	CHECK_OK(hk_stack_get(pool, &s[0]));
	maps[0] = s[0].map;
	hk_stack_put(pool, &s[0]);
	CHECK(!mapped(maps[0]));
	hk_stack_pool_free(pool);
}

/* ---- Switches ---- */

#define PING_FIBERS 4
#define PING_ROUNDS 1000

typedef struct ping_state {
	int turn;	/* which fiber main resumed */
	uint64_t value; /* passed through, changed by each */
	int log[PING_FIBERS * PING_ROUNDS + PING_FIBERS];
	unsigned n_log;
	bool bad_turn;
} ping_state;

static void ping_entry(void *arg)
{
	fiber *self = arg;
	ping_state *st = self->data;
	int me = (int)(self - (fiber *)self->back->data);

	fiber_begin();
	for (int r = 0; r < PING_ROUNDS; r++) {
		if (st->turn != me)
			st->bad_turn = true;
		st->log[st->n_log++] = me;
		st->value = st->value * 31 + (uint64_t)me + 1;
		fiber_switch(self, self->back);
	}
	st->log[st->n_log++] = 100 + me;
	fiber_end(self);
}

/* Main resumes each of several fibers in turn; each hands a value on. */
static void test_switch_ping_pong(hk_stack_pool *pool)
{
	static ping_state st;
	fiber main_f = {0};
	fiber f[PING_FIBERS];

	main_f.data = f;
	for (int i = 0; i < PING_FIBERS; i++)
		if (CHECK_OK(fiber_make(&f[i], pool, ping_entry, &main_f, &st)) < 0)
			return;

	uint64_t expect = 7;
	st.value = 7;
	for (int r = 0; r < PING_ROUNDS; r++) {
		for (int i = 0; i < PING_FIBERS; i++) {
			st.turn = i;
			fiber_switch(&main_f, &f[i]);
			expect = expect * 31 + (uint64_t)i + 1;
		}
	}
	/* One more each: they finish. */
	for (int i = 0; i < PING_FIBERS; i++) {
		st.turn = i;
		fiber_switch(&main_f, &f[i]);
	}
	CHECK_EQ_U64(st.value, expect);
	CHECK(!st.bad_turn);
	CHECK_EQ_U64(st.n_log, PING_FIBERS * PING_ROUNDS + PING_FIBERS);
	bool in_order = true;
	for (unsigned k = 0; k < PING_FIBERS * PING_ROUNDS; k++)
		if (st.log[k] != (int)(k % PING_FIBERS))
			in_order = false;
	for (int i = 0; i < PING_FIBERS; i++)
		if (st.log[PING_FIBERS * PING_ROUNDS + i] != 100 + i)
			in_order = false;
	CHECK(in_order);
	for (int i = 0; i < PING_FIBERS; i++)
		hk_stack_put(pool, &f[i].stack);
}

/* A ring: main -> 0 -> 1 -> 2 -> 3 -> main, fiber to fiber directly. */
typedef struct ring_state {
	fiber *fibers;
	fiber *main_f;
	char trace[64];
	unsigned n;
} ring_state;

static void ring_entry(void *arg)
{
	fiber *self = arg;
	ring_state *st = self->data;
	int me = (int)(self - st->fibers);

	fiber_begin();
	for (int lap = 0; lap < 3; lap++) {
		st->trace[st->n++] = (char)('a' + me);
		fiber *next = me + 1 < PING_FIBERS ? &st->fibers[me + 1] : st->main_f;
		fiber_switch(self, next);
	}
	st->trace[st->n++] = (char)('A' + me);
	fiber_end(self);
}

static void test_switch_ring(hk_stack_pool *pool)
{
	fiber main_f = {0};
	fiber f[PING_FIBERS];
	ring_state st = {.fibers = f, .main_f = &main_f};

	for (int i = 0; i < PING_FIBERS; i++)
		if (CHECK_OK(fiber_make(&f[i], pool, ring_entry, &main_f, &st)) < 0)
			return;
	for (int lap = 0; lap < 3; lap++) {
		fiber_switch(&main_f, &f[0]);
		st.trace[st.n++] = '|';
	}
	for (int i = 0; i < PING_FIBERS; i++)
		fiber_switch(&main_f, &f[i]);
	st.trace[st.n] = '\0';
	CHECK_STREQ(st.trace, "abcd|abcd|abcd|ABCD");
	for (int i = 0; i < PING_FIBERS; i++)
		hk_stack_put(pool, &f[i].stack);
}

/* ---- Callee-saved registers ---- */

static volatile double fp_sink;

static void trash_entry(void *arg)
{
	fiber *self = arg;

	fiber_begin();
	for (unsigned i = 0;; i++) {
		/* Some floating point work of its own between switches. */
		double x = (double)i;
		for (int k = 0; k < 8; k++)
			x = x * 1.000001 + 0.5;
		fp_sink = x;
		fiber_switch_via(self, self->back, false, trash_switch, NULL);
	}
}

static void test_switch_registers(hk_stack_pool *pool)
{
	fiber main_f = {0};
	fiber co;

	if (CHECK_OK(fiber_make(&co, pool, trash_entry, &main_f, NULL)) < 0)
		return;
	bool ok = true;
	double acc = 0.25;
	for (int i = 0; i < 1000; i++) {
		uint64_t out[N_REGS];

		memset(out, 0, sizeof(out));
		acc = acc * 1.5 + 1.0;
		fiber_switch_via(&main_f, &co, false, regs_switch, out);
		acc = acc / 1.5;
		for (int r = 0; r < N_REGS; r++)
			if (out[r] != reg_magic[r]) {
				if (ok)
					fprintf(stderr,
						"register %d: %#" PRIx64 ", expected %#" PRIx64
						"\n",
						r, out[r], reg_magic[r]);
				ok = false;
			}
	}
	CHECK(ok);
	/* The same arithmetic without switches. */
	double want = 0.25;
	for (int i = 0; i < 1000; i++)
		want = (want * 1.5 + 1.0) / 1.5;
	CHECK(acc == want);
	/* The fiber never finishes: its stack is simply unmapped. */
	hk_stack_put(pool, &co.stack);
}

/* ---- Floating point control words ---- */

typedef struct fpctl_state {
	int inherited;	  /* the mode the fiber started in */
	int after_switch; /* its mode when resumed */
	third up_first, up_second;
} fpctl_state;

static void fpctl_entry(void *arg)
{
	fiber *self = arg;
	fpctl_state *st = self->data;

	fiber_begin();
	st->inherited = round_get();
	round_set(ROUND_UP);
	st->up_first = third_now();
	fiber_switch(self, self->back);
	st->after_switch = round_get();
	st->up_second = third_now();
	fiber_end(self);
}

/*
 * The ABI makes the rounding mode callee-saved: a call (a switch) returns
 * with the mode it was made in, so each context keeps its own. A new
 * context starts in its creator's mode at hk_ctx_make().
 */
static void test_switch_fp_control(hk_stack_pool *pool)
{
	fiber main_f = {0};
	fiber co;
	fpctl_state st = {0};

	CHECK(round_get() == ROUND_NEAREST);
	third nearest = third_now();
	round_set(ROUND_UP);
	third up = third_now();
	round_set(ROUND_NEAREST);
	/* The arithmetic tells the modes apart, in both units. */
	CHECK(!third_eq_d(nearest, up));
	CHECK(!third_eq_l(nearest, up));

	round_set(ROUND_ZERO);
	int r = fiber_make(&co, pool, fpctl_entry, &main_f, &st);
	round_set(ROUND_NEAREST);
	if (CHECK_OK(r) < 0)
		return;

	fiber_switch(&main_f, &co);
	CHECK(st.inherited == ROUND_ZERO);
	CHECK(third_eq(st.up_first, up));
	/* The fiber's upward mode stayed with it. */
	CHECK(round_get() == ROUND_NEAREST);
	CHECK(third_eq(third_now(), nearest));

	round_set(ROUND_DOWN);
	fiber_switch(&main_f, &co);
	CHECK(st.after_switch == ROUND_UP);
	CHECK(third_eq(st.up_second, up));
	CHECK(round_get() == ROUND_DOWN);
	round_set(ROUND_NEAREST);
	hk_stack_put(pool, &co.stack);
}

/* ---- Deep recursion, alignment ---- */

static char *deep_limit;
static char *deep_lowest;

static __attribute__((noinline)) unsigned deep(unsigned depth)
{
	volatile char pad[192];

	pad[0] = (char)depth;
	pad[sizeof(pad) - 1] = (char)depth;
	if ((char *)pad < deep_lowest)
		deep_lowest = (char *)pad;
	if ((char *)pad > deep_limit)
		return deep(depth + 1) + (pad[0] != (char)depth);
	return depth;
}

typedef struct deep_state {
	unsigned depth;
	char *lowest;
} deep_state;

static void deep_entry(void *arg)
{
	fiber *self = arg;
	deep_state *st = self->data;

	fiber_begin();
	for (;;) {
		deep_lowest = (char *)self->stack.base + self->stack.size;
		st->depth = deep(0);
		st->lowest = deep_lowest;
		fiber_switch(self, self->back);
	}
}

/* Recursion down to 1 KiB above the guard page, twice on the same stack. */
static void test_deep_recursion(hk_stack_pool *pool)
{
	fiber main_f = {0};
	fiber co;
	deep_state st = {0};

	if (CHECK_OK(fiber_make(&co, pool, deep_entry, &main_f, &st)) < 0)
		return;
	char *base = co.stack.base;
	deep_limit = base + 1024;
	for (int round = 0; round < 2; round++) {
		st.depth = 0;
		fiber_switch(&main_f, &co);
		size_t used = (size_t)(base + co.stack.size - st.lowest);
		CHECK(st.lowest >= base);
		CHECK(used >= co.stack.size - 1024 - 256);
		CHECK(st.depth >= co.stack.size / 1024);
	}
	hk_stack_put(pool, &co.stack);
}

void align_entry_c(void *arg)
{
	fiber *self = arg;

	fiber_begin();
	fiber_end(self);
}

/* The ABI wants the stack 16-byte aligned at every call: at entry, the
 * stack pointer before the call (x86_64: plus the return address). */
static void test_entry_alignment(hk_stack_pool *pool)
{
	/* Every offset of the top within 16 bytes: hk_ctx_make aligns it. */
	for (size_t cut = 0; cut < 16; cut++) {
		fiber main_f = {0};
		fiber co;

		if (CHECK_OK(fiber_make(&co, pool, align_entry, &main_f, NULL)) < 0)
			return;
		hk_ctx_make(&co.ctx, co.stack.base, co.stack.size - cut, align_entry, &co);
		entry_sp = 1;
		fiber_switch(&main_f, &co);
		CHECK((entry_sp & 15) == 0);
		CHECK(entry_sp <= (uintptr_t)co.stack.base + co.stack.size - cut);
		CHECK(entry_sp > (uintptr_t)co.stack.base + co.stack.size - cut - 64);
		hk_stack_put(pool, &co.stack);
	}
}

/* ---- Children ---- */

/*
 * Under qemu-user (HK_TEST_EMULATED, the aarch64 run), the emulator adds
 * its own line when the child dies of a signal ("qemu: uncaught target
 * signal 11 ..."): not the child's words, taken out before comparing.
 */
static void drop_emulator_lines(char *buf)
{
	if (!getenv("HK_TEST_EMULATED"))
		return;
	char *out = buf;
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, "qemu: ", 6) != 0) {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = '\0';
}

/*
 * Runs fn(arg) in a child whose stderr is a pipe; on return, its wait
 * status and its stderr (NUL-terminated, cut to @size). The child makes no
 * core dump and is killed by SIGALRM after 20 seconds if it hangs.
 */
static int run_child(int (*fn)(void *), void *arg, int *ret_status, char *buf, size_t size)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		struct rlimit no_core = {0, 0};

		if (dup2(p[1], STDERR_FILENO) < 0)
			_exit(120);
		setrlimit(RLIMIT_CORE, &no_core);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		alarm(20);
		_exit(fn(arg));
	}
	close(p[1]);
	size_t n = 0;
	for (;;) {
		char tmp[512];
		ssize_t r = read(p[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t take = MIN((size_t)r, size - 1 - n);
		memcpy(buf + n, tmp, take);
		n += take;
	}
	buf[n] = '\0';
	drop_emulator_lines(buf);
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = status;
	return 0;
}

static bool died_of(int status, int sig)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

static void describe_status(const char *what, int status, const char *err)
{
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s: child killed by signal %d\n", what, WTERMSIG(status));
	else
		fprintf(stderr, "%s: child exited with %d\n", what, WEXITSTATUS(status));
	if (err[0])
		fprintf(stderr, "%s: child's stderr: %s", what, err);
}

/* ---- No syscall ---- */

#define SECCOMP_SWITCHES 1000000

static void count_entry(void *arg)
{
	fiber *self = arg;
	unsigned long *count = self->data;

	fiber_begin();
	for (;;) {
		(*count)++;
		fiber_switch(self, self->back);
	}
}

static void seccomp_say(const char *msg)
{
	ssize_t w = write(STDERR_FILENO, msg, strlen(msg));
	(void)w;
}

/*
 * Strict mode kills the process at its first syscall other than read,
 * write, exit and sigreturn: exiting 0 shows the switches made none.
 */
static int child_no_syscall(void *arg)
{
	hk_stack_pool *pool = arg;
	static fiber main_f, co;
	static unsigned long count;

	if (fiber_make(&co, pool, count_entry, &main_f, &count) < 0)
		return 2;
	/* The first switch does ASan's bookkeeping for the new stack, which
	 * may allocate: make it before the filter. */
	fiber_switch(&main_f, &co);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) < 0)
		return 3;
	for (unsigned i = 0; i < SECCOMP_SWITCHES / 2; i++)
		fiber_switch(&main_f, &co);
	if (count != SECCOMP_SWITCHES / 2 + 1) {
		seccomp_say("wrong switch count\n");
		syscall(SYS_exit, 4);
	}
	syscall(SYS_exit, 0);
	return 5;
}

static void test_no_syscall(hk_stack_pool *pool)
{
	int status;
	char err[1024];

	if (CHECK_OK(run_child(child_no_syscall, pool, &status, err, sizeof(err))) < 0)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		/* qemu-user runs the guest's syscalls itself: nothing to prove there. */
		if (getenv("HK_TEST_EMULATED")) {
			printf("note  no-syscall check: seccomp strict mode is not available under "
			       "emulation\n");
			return;
		}
		SKIP("seccomp strict mode is not available");
	}
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok)
		describe_status("no syscall", status, err);
	/* SIGKILL here means a switch made a syscall. */
	CHECK(ok);
}

/* ---- Guard page report ---- */

#define GUARD_ID_WRITE	  ((3ull << 32) | 17)
#define GUARD_ID_OVERFLOW ((5ull << 32) | 4242)

static volatile bool overflow_forever = true;

static __attribute__((noinline)) unsigned overflow(unsigned depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (!overflow_forever)
		return depth;
	return overflow(depth + 1) + pad[0];
}

static void overflow_entry(void *arg)
{
	fiber *self = arg;

	fiber_begin();
	fp_sink = overflow(0);
	fiber_end(self);
}

/* The guard page's last byte: the first a stack overrun reaches. */
static volatile char *guard_last(const hk_stack *s)
{
	return (volatile char *)s->map + page - 1;
}

/* Writes into the guard page. */
static int child_guard_write(void *arg)
{
	const hk_stack *s = arg;

	if (hk_stack_guard_report() < 0)
		return 2;
	hk_stack_guard_set_current(s, GUARD_ID_WRITE);
	*guard_last(s) = 1;
	return 3;
}

/* The same without the report installed: SIGSEGV, silently. */
static int child_guard_write_plain(void *arg)
{
	const hk_stack *s = arg;

	*guard_last(s) = 1;
	return 3;
}

static void prior_handler(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "prior handler called\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(42);
}

static int install_prior_handler(void)
{
	struct sigaction sa = {.sa_sigaction = prior_handler, .sa_flags = SA_SIGINFO};

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSEGV, &sa, NULL);
}

typedef struct overflow_opts {
	bool prior;  /* a SIGSEGV handler was there before */
	bool thread; /* overflow on a second thread */
	bool other;  /* fault elsewhere (not a guard page) instead */
} overflow_opts;

static void other_fault_entry(void *arg)
{
	fiber *self = arg;
	volatile char *hole = self->data;

	fiber_begin();
	hole[100] = 1;
	fiber_end(self);
}

static int overflow_run(const overflow_opts *o)
{
	hk_stack_pool *pool = NULL;
	fiber main_f = {0};
	fiber co;

	if (hk_stack_guard_report() < 0)
		return 2;
	if (hk_stack_pool_new(0, 0, &pool) < 0)
		return 3;
	if (o->other) {
		void *hole = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (hole == MAP_FAILED)
			return 4;
		if (fiber_make(&co, pool, other_fault_entry, &main_f, hole) < 0)
			return 5;
	} else if (fiber_make(&co, pool, overflow_entry, &main_f, NULL) < 0)
		return 5;
	hk_stack_guard_set_current(&co.stack, GUARD_ID_OVERFLOW);
	fiber_switch(&main_f, &co);
	hk_stack_guard_set_current(NULL, 0);
	return 6;
}

static void *overflow_thread(void *arg)
{
	return (void *)(intptr_t)overflow_run(arg);
}

static int child_overflow(void *arg)
{
	const overflow_opts *o = arg;

	if (o->prior && install_prior_handler() < 0)
		return 7;
	/* Installing twice is harmless. */
	if (hk_stack_guard_report() < 0 || hk_stack_guard_report() < 0)
		return 8;
	if (!o->thread)
		return overflow_run(o);
	pthread_t t;
	void *ret;
	if (pthread_create(&t, NULL, overflow_thread, (void *)o) != 0)
		return 9;
	pthread_join(t, &ret);
	return (int)(intptr_t)ret;
}

static void test_guard_write(hk_stack_pool *pool)
{
	hk_stack s;
	int status;
	char err[1024], want[256];

	/* Mapped here, so the child has it at the same address. */
	if (CHECK_OK(hk_stack_get(pool, &s)) < 0)
		return;
	snprintf(want, sizeof(want),
		 "hostkit: coroutine %" PRIu64 " overran its stack of %zu bytes (guard page hit at "
		 "0x%" PRIxPTR ")\n",
		 (uint64_t)GUARD_ID_WRITE, s.size, (uintptr_t)guard_last(&s));
	if (CHECK_OK(run_child(child_guard_write, &s, &status, err, sizeof(err))) >= 0) {
		if (!died_of(status, SIGSEGV))
			describe_status("guard write", status, err);
		CHECK(died_of(status, SIGSEGV));
		CHECK_STREQ(err, want);
	}
	if (CHECK_OK(run_child(child_guard_write_plain, &s, &status, err, sizeof(err))) >= 0) {
		CHECK(died_of(status, SIGSEGV));
		CHECK_STREQ(err, "");
	}
	hk_stack_put(pool, &s);
}

static void test_guard_overflow(const char *what, overflow_opts o)
{
	int status;
	char err[1024], want[256];

	snprintf(want, sizeof(want),
		 "hostkit: coroutine %" PRIu64
		 " overran its stack of %u bytes (guard page hit at 0x",
		 (uint64_t)GUARD_ID_OVERFLOW, 64u * 1024);
	if (CHECK_OK(run_child(child_overflow, &o, &status, err, sizeof(err))) < 0)
		return;
	bool ok;
	if (o.other && o.prior)
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 42 &&
		     strcmp(err, "prior handler called\n") == 0;
	else if (o.other)
		ok = died_of(status, SIGSEGV) && err[0] == '\0';
	else
		ok = died_of(status, SIGSEGV) && strncmp(err, want, strlen(want)) == 0 &&
		     strchr(err, '\n') == err + strlen(err) - 1;
	if (!ok)
		describe_status(what, status, err);
	result(ok, "%s", what);
}

/* A SIGSEGV that was sent, not raised by a fault, still ends the process. */
static int child_sent_segv(void *arg)
{
	if (hk_stack_guard_report() < 0)
		return 2;
	raise(SIGSEGV);
	return 3;
}

static void test_guard_sent_signal(void)
{
	int status;
	char err[1024];

	if (CHECK_OK(run_child(child_sent_segv, NULL, &status, err, sizeof(err))) < 0)
		return;
	CHECK(died_of(status, SIGSEGV));
	CHECK_STREQ(err, "");
}

/* A thread gets an alternate signal stack, unmapped when it exits. */
static void *altstack_thread(void *arg)
{
	stack_t *ss = arg;

	if (hk_stack_guard_report() < 0 || sigaltstack(NULL, ss) < 0)
		ss->ss_flags = -1;
	return NULL;
}

static void test_guard_altstack_thread_exit(void)
{
	for (int i = 0; i < 20; i++) {
		stack_t ss;
		pthread_t t;

		if (CHECK_OK(-pthread_create(&t, NULL, altstack_thread, &ss)) < 0)
			return;
		pthread_join(t, NULL);
		CHECK(ss.ss_flags != -1);
		CHECK(!(ss.ss_flags & SS_DISABLE));
		CHECK(ss.ss_size >= 16 * 1024);
		CHECK(!mapped(ss.ss_sp));
	}
}

int main(void)
{
	hk_stack_pool *pool = NULL;

	page = (size_t)sysconf(_SC_PAGESIZE);
	test_pool_sizes();
	test_pool_guard_is_mapped_none();
	test_pool_colours();
	test_pool_reuse();
	test_pool_max_cached();

	if (CHECK_OK(hk_stack_pool_new(0, 8, &pool)) < 0)
		TEST_DONE();
	/* First: a misaligned entry would crash the others before a word. */
	test_entry_alignment(pool);
	test_switch_registers(pool);
	test_switch_ping_pong(pool);
	test_switch_ring(pool);
	test_switch_fp_control(pool);
	test_deep_recursion(pool);

	test_guard_write(pool);
	test_guard_overflow("overflow reported", (overflow_opts){0});
	test_guard_overflow("overflow reported on a second thread",
			    (overflow_opts){.thread = true});
	test_guard_overflow("overflow reported with a prior handler",
			    (overflow_opts){.prior = true});
	test_guard_overflow("other fault not reported, SIGSEGV", (overflow_opts){.other = true});
	test_guard_overflow("other fault chained to the prior handler",
			    (overflow_opts){.other = true, .prior = true});
	test_guard_sent_signal();
	test_guard_altstack_thread_exit();

	/* Last: it may skip. */
	test_no_syscall(pool);
	hk_stack_pool_free(pool);
	TEST_DONE();
}
