/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_HOSTKIT_H
#define HOSTKIT_HOSTKIT_H

/* Includes every public header of libhostkit. */
#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>
#include <hostkit/topology.h>
#include <hostkit/memory.h>
#include <hostkit/kernel.h>
#include <hostkit/sysctl.h>
#include <hostkit/process.h>
#include <hostkit/pagemap.h>
#include <hostkit/pci.h>
#include <hostkit/irq.h>
#include <hostkit/softnet.h>
#include <hostkit/netdev.h>
#include <hostkit/ethtool.h>
#include <hostkit/check.h>
#include <hostkit/capture.h>
#include <hostkit/uring.h>

#endif
