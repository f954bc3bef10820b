/* SPDX-License-Identifier: MIT */
/* The security rules. Placeholder: being written. */
#include "check/check.h"

const ck_section ck_section_security = {"security", NULL, 0};
