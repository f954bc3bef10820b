/* SPDX-License-Identifier: MIT */
/* The isolation rules. Placeholder: being written. */
#include "check/check.h"

const ck_section ck_section_isolation = {"isolation", NULL, 0};
