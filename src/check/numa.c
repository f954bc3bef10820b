/* SPDX-License-Identifier: MIT */
/* The numa rules. Placeholder: being written. */
#include "check/check.h"

const ck_section ck_section_numa = {"numa", NULL, 0};
