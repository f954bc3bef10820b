/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_IRQ_H
#define HK_HOST_IRQ_H

#include <hostkit/irq.h>

#endif
