/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_PCI_H
#define HK_HOST_PCI_H

/* The PCI reader's text parsers, exposed to unit tests. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/pci.h>

/*
 * A link speed ("8.0 GT/s PCIe", "2.5 GT/s", "8 GT/s") in MT/s. Errors:
 * -ENODATA for "Unknown" and "Unknown speed" (what the kernel writes when
 * the link is down or the speed is not one it knows), -EINVAL otherwise.
 */
int hk_pci_parse_link_speed(const char *buf, size_t len, int64_t *ret);

/* "DDDD:BB:DD.F" with a domain of 4 to 8 hex digits: the kernel's names. */
bool hk_pci_address_valid(const char *s);

/*
 * Joins the link @target (relative or absolute) to the root-relative
 * directory @dir holding the link, resolving "." and ".." by text; ".."
 * never climbs above the root. Writes "a/b/c" to @buf. Errors:
 * -ENAMETOOLONG.
 */
int hk_pci_join_link(const char *dir, const char *target, char *buf, size_t size);

#endif
