/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_ETHTOOL_H
#define HOSTKIT_ETHTOOL_H

/* Placeholder: being written. */
#include <hostkit/common.h>

#endif
