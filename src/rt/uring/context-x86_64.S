/* SPDX-License-Identifier: MIT */
/*
 * The coroutine context switch for x86_64 (System V ABI): see context.h.
 *
 * A suspended context is its stack pointer, which points at what its
 * hk_ctx_switch() call must give back, pushed on its own stack:
 *
 *	sp + 0	mxcsr (4 bytes), x87 control word (2 bytes), 2 unused
 *	sp + 8	r15, r14, r13, r12, rbx, rbp
 *	sp + 56	return address
 *
 * The ABI makes the control bits of mxcsr and the x87 control word
 * callee-saved, so a coroutine that changes its rounding mode keeps it to
 * itself: each context has its own. The mxcsr status bits (the sticky
 * exception flags) are caller-saved: they are not reloaded, so they follow
 * the thread rather than the context.
 *
 * Shadow stacks (CET SHSTK) are not supported: the switch leaves the
 * shadow stack alone, so this object does not claim them.
 */

#if defined(__CET__) && (__CET__ & 1)
#define ENDBR	endbr64
#define NOTRACK notrack
#else
#define ENDBR
#define NOTRACK
#endif

	.text

/* void hk_ctx_switch(hk_ctx *from %rdi, const hk_ctx *to %rsi) */
	.globl	hk_ctx_switch
	.hidden	hk_ctx_switch
	.type	hk_ctx_switch, @function
	.p2align 4
hk_ctx_switch:
	.cfi_startproc
	ENDBR
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	/* Ours, to compare with the other context's (the loads forward
	 * from the stores just made, size for size). */
	movl	(%rsp), %eax
	movzwl	4(%rsp), %ecx

	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp

	/*
	 * From here on the frame is the other context's; it has the same
	 * shape, so the unwind notes above still describe it.
	 *
	 * ldmxcsr and fldcw cost more than the rest of the switch put
	 * together, and contexts nearly always share one mode: load them only
	 * when the control bits differ. The mxcsr status bits (0-5) are left
	 * out of the comparison: the ABI does not keep them across a call.
	 */
	movl	(%rsp), %edx
	xorl	%eax, %edx
	testl	$0xffc0, %edx
	jnz	.Lload_mxcsr
.Lmxcsr_done:
	cmpw	4(%rsp), %cx
	jne	.Lload_fpcw
.Lfpcw_done:
	.cfi_remember_state
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	popq	%r14
	.cfi_adjust_cfa_offset -8
	popq	%r13
	.cfi_adjust_cfa_offset -8
	popq	%r12
	.cfi_adjust_cfa_offset -8
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	/*
	 * Not ret: the return stack predictor holds the address our caller
	 * called from, never the other context's, so a ret mispredicts on
	 * every switch. An indirect jump is predicted from its history, which
	 * for coroutines taking turns is right nearly always. With indirect
	 * branch tracking the target (a return address) has no endbr64:
	 * notrack exempts the jump, as compilers do for jump tables.
	 */
	popq	%r8
	.cfi_adjust_cfa_offset -8
	.cfi_register rip, r8
	NOTRACK jmp	*%r8

.Lload_mxcsr:
	.cfi_restore_state
	ldmxcsr	(%rsp)
	jmp	.Lmxcsr_done
.Lload_fpcw:
	fldcw	4(%rsp)
	jmp	.Lfpcw_done
	.cfi_endproc
	.size	hk_ctx_switch, .-hk_ctx_switch

/*
 * Where the first switch into a context returns to: hk_ctx_make() left
 * entry in r12 and arg in r13, and a stack pointer that is 16-byte aligned
 * here, so the call below gives entry the alignment the ABI promises.
 * entry must not return; if it does, trap rather than run off into
 * whatever lies above the stack.
 */
	.type	hk_ctx_trampoline, @function
	.p2align 4
hk_ctx_trampoline:
	.cfi_startproc
	/* Outermost frame: debuggers stop unwinding here. */
	.cfi_undefined rip
	movq	%r13, %rdi
	callq	*%r12
	ud2
	.cfi_endproc
	.size	hk_ctx_trampoline, .-hk_ctx_trampoline

/*
 * void hk_ctx_make(hk_ctx *ctx %rdi, void *stack %rsi, size_t size %rdx,
 *		    void (*entry)(void *) %rcx, void *arg %r8)
 *
 * Lays out a frame that hk_ctx_switch() pops: the control words of the
 * calling thread (a new context computes as its creator does), entry and
 * arg in r12 and r13, rbp zero (the end of frame-pointer chains), and the
 * trampoline as return address. Above the return address are two zero
 * words, so the trampoline runs with rsp = top - 16, 16-byte aligned.
 */
	.globl	hk_ctx_make
	.hidden	hk_ctx_make
	.type	hk_ctx_make, @function
	.p2align 4
hk_ctx_make:
	.cfi_startproc
	ENDBR
	leaq	(%rsi,%rdx), %rax
	andq	$-16, %rax
	subq	$80, %rax
	xorl	%r9d, %r9d
	movq	%r9, 72(%rax)
	movq	%r9, 64(%rax)
	leaq	hk_ctx_trampoline(%rip), %r10
	movq	%r10, 56(%rax)
	movq	%r9, 48(%rax)		/* rbp */
	movq	%r9, 40(%rax)		/* rbx */
	movq	%rcx, 32(%rax)		/* r12: entry */
	movq	%r8, 24(%rax)		/* r13: arg */
	movq	%r9, 16(%rax)		/* r14 */
	movq	%r9, 8(%rax)		/* r15 */
	movq	%r9, (%rax)
	stmxcsr	(%rax)
	fnstcw	4(%rax)
	movq	%rax, (%rdi)
	ret
	.cfi_endproc
	.size	hk_ctx_make, .-hk_ctx_make

	.section .note.GNU-stack,"",@progbits

#if defined(__CET__) && (__CET__ & 1)
/*
 * Tell the linker this object is built for indirect branch tracking, so a
 * library built with -fcf-protection keeps the marking. Not shadow stacks:
 * switching stacks with a shadow stack in force would need its own switch.
 */
	.section .note.gnu.property,"a"
	.p2align 3
	.long	4			/* name size */
	.long	16			/* descriptor size */
	.long	5			/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000002		/* GNU_PROPERTY_X86_FEATURE_1_AND */
	.long	4
	.long	1			/* GNU_PROPERTY_X86_FEATURE_1_IBT */
	.p2align 3
#endif
