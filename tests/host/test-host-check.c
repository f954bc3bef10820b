/* SPDX-License-Identifier: MIT */
/* Placeholder: being written. */
#include "tests/test.h"

int main(void)
{
	SKIP("placeholder");
}
