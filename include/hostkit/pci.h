/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_PCI_H
#define HOSTKIT_PCI_H

/* Placeholder: being written. */
#include <hostkit/common.h>

#endif
