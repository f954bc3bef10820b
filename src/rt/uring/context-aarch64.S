/* SPDX-License-Identifier: MIT */
/*
 * The coroutine context switch for aarch64 (AAPCS64): see context.h.
 *
 * A suspended context is its stack pointer; above it, on its own stack, a
 * 176-byte frame holds what its hk_ctx_switch() call must give back:
 *
 *	sp + 0		x19 - x28
 *	sp + 80		x29 (frame pointer), x30 (return address)
 *	sp + 96		d8 - d15 (the low halves of v8 - v15, all the ABI keeps)
 *	sp + 160	fpcr, then 8 unused bytes (sp stays 16-byte aligned)
 *
 * fpcr holds the rounding mode and the trap enables, which the ABI treats
 * as callee-saved, so each context keeps its own.
 */

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
/* "bti c", written as the hint it is so older assemblers take it. */
#define BTI_C hint #34
#else
#define BTI_C
#endif

#define FRAME 176

	.text

/* void hk_ctx_switch(hk_ctx *from x0, const hk_ctx *to x1) */
	.globl	hk_ctx_switch
	.hidden	hk_ctx_switch
	.type	hk_ctx_switch, %function
	.p2align 4
hk_ctx_switch:
	.cfi_startproc
	BTI_C
	sub	sp, sp, #FRAME
	.cfi_adjust_cfa_offset FRAME
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]

	mov	x10, sp
	str	x10, [x0]
	ldr	x10, [x1]
	mov	sp, x10

	/*
	 * Writing fpcr can stall the pipeline on some cores; contexts nearly
	 * always share one mode, so write it only when it differs.
	 */
	ldr	x10, [sp, #160]
	cmp	x9, x10
	b.eq	1f
	msr	fpcr, x10
1:
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #FRAME
	.cfi_adjust_cfa_offset -FRAME
	ret
	.cfi_endproc
	.size	hk_ctx_switch, .-hk_ctx_switch

/*
 * Where the first switch into a context returns to (by ret, which branch
 * target identification does not check): hk_ctx_make() left entry in x19
 * and arg in x20. entry must not return; if it does, trap.
 */
	.type	hk_ctx_trampoline, %function
	.p2align 4
hk_ctx_trampoline:
	.cfi_startproc
	/* Outermost frame: debuggers stop unwinding here. */
	.cfi_undefined x30
	mov	x0, x20
	blr	x19
	brk	#0x3e8
	.cfi_endproc
	.size	hk_ctx_trampoline, .-hk_ctx_trampoline

/*
 * void hk_ctx_make(hk_ctx *ctx x0, void *stack x1, size_t size x2,
 *		    void (*entry)(void *) x3, void *arg x4)
 *
 * Lays out a frame that hk_ctx_switch() pops: entry and arg in x19 and x20,
 * x29 zero (the end of frame-record chains), the trampoline in x30, the
 * calling thread's fpcr, and zeros elsewhere. The frame sits 16 bytes below
 * the aligned top, which stay zero: an empty frame record above the first.
 */
	.globl	hk_ctx_make
	.hidden	hk_ctx_make
	.type	hk_ctx_make, %function
	.p2align 4
hk_ctx_make:
	.cfi_startproc
	BTI_C
	add	x9, x1, x2
	and	x9, x9, #~15
	sub	x9, x9, #(FRAME + 16)
	stp	xzr, xzr, [x9, #FRAME]
	stp	x3, x4, [x9, #0]
	stp	xzr, xzr, [x9, #16]
	stp	xzr, xzr, [x9, #32]
	stp	xzr, xzr, [x9, #48]
	stp	xzr, xzr, [x9, #64]
	adr	x10, hk_ctx_trampoline
	stp	xzr, x10, [x9, #80]
	stp	xzr, xzr, [x9, #96]
	stp	xzr, xzr, [x9, #112]
	stp	xzr, xzr, [x9, #128]
	stp	xzr, xzr, [x9, #144]
	mrs	x10, fpcr
	stp	x10, xzr, [x9, #160]
	str	x9, [x0]
	ret
	.cfi_endproc
	.size	hk_ctx_make, .-hk_ctx_make

	.section .note.GNU-stack,"",%progbits

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
/*
 * Tell the linker this object has its landing pads, so a library built
 * with -mbranch-protection=bti keeps the marking. Return addresses are
 * not signed here (nothing to sign: hk_ctx_switch is a leaf that saves x30
 * as data), so no PAC bit is claimed.
 */
	.section .note.gnu.property,"a"
	.p2align 3
	.long	4			/* name size */
	.long	16			/* descriptor size */
	.long	5			/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000000		/* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
	.long	4
	.long	1			/* GNU_PROPERTY_AARCH64_FEATURE_1_BTI */
	.p2align 3
#endif
