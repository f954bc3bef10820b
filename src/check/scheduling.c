/* SPDX-License-Identifier: MIT */
/* The scheduling rules. Placeholder: being written. */
#include "check/check.h"

const ck_section ck_section_scheduling = {"scheduling", NULL, 0};
