/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_IRQ_H
#define HOSTKIT_IRQ_H

/* Placeholder: being written. */
#include <hostkit/common.h>

#endif
