/* SPDX-License-Identifier: MIT */
/* The network rules. Placeholder: being written. */
#include "check/check.h"

const ck_section ck_section_network = {"network", NULL, 0};
