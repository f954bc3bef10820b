/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_SOFTNET_H
#define HOSTKIT_SOFTNET_H

/* Placeholder: being written. */
#include <hostkit/common.h>

#endif
