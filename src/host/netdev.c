/* SPDX-License-Identifier: MIT */
/* Placeholder: being written. */
#include "host/netdev.h"
