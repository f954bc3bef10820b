/* SPDX-License-Identifier: MIT */
/* The memory rules. Placeholder: being written. */
#include "check/check.h"

const ck_section ck_section_memory = {"memory", NULL, 0};
