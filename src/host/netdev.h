/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_NETDEV_H
#define HK_HOST_NETDEV_H

#include <hostkit/netdev.h>

#endif
