/* SPDX-License-Identifier: MIT */
#ifndef HK_RT_URING_CONTEXT_H
#define HK_RT_URING_CONTEXT_H

#include <stddef.h>

/*
 * The coroutine context switch: callee-saved registers and the stack
 * pointer, saved and loaded in user space (no syscall, unlike swapcontext(),
 * which saves and restores the signal mask). x86_64 and aarch64.
 */
typedef struct hk_ctx {
	void *sp;
} hk_ctx;

/*
 * Prepares @ctx so that the first hk_ctx_switch() to it calls entry(arg) on
 * the stack [@stack, @stack + @size). @entry must never return (it switches
 * away for the last time instead).
 */
void hk_ctx_make(hk_ctx *ctx, void *stack, size_t size, void (*entry)(void *arg), void *arg);

/*
 * Saves the running context in @from and resumes @to. Returns when some
 * other context switches back to @from. Implemented in assembly
 * (context-ARCH.S); it also keeps the floating point control words
 * (mxcsr and the x87 control word, or fpcr) as the ABI asks.
 */
void hk_ctx_switch(hk_ctx *from, const hk_ctx *to);

#endif
