/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_ETHTOOL_H
#define HK_HOST_ETHTOOL_H

#include <hostkit/ethtool.h>

#endif
