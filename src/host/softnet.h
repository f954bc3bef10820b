/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_SOFTNET_H
#define HK_HOST_SOFTNET_H

#include <hostkit/softnet.h>

#endif
