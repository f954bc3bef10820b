/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_NETDEV_H
#define HOSTKIT_NETDEV_H

/* Placeholder: being written. */
#include <hostkit/common.h>

#endif
