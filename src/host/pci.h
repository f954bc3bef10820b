/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_PCI_H
#define HK_HOST_PCI_H

#include <hostkit/pci.h>

#endif
