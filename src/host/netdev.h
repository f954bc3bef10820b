/* SPDX-License-Identifier: MIT */
#ifndef HK_HOST_NETDEV_H
#define HK_HOST_NETDEV_H

/* The network device model's pure helpers, exposed to unit tests. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/netdev.h>

/*
 * Resolves link @target as seen from root-relative directory @dir into
 * @buf of @size bytes: a relative target is taken from @dir, an absolute one
 * from the root; "." and empty components are dropped, ".." removes the
 * component before it and never climbs above the root; the result has no
 * leading or trailing '/' ("" is the root). Returns its length, or
 * -ENAMETOOLONG.
 */
int hk_netdev_path_join(const char *dir, const char *target, char *buf, size_t size);

/*
 * Whether @buf of @len bytes is a PCI function address as sysfs names its
 * directories: "DDDD:BB:DD.F" with a domain of 4 to 8 hex digits.
 */
bool hk_netdev_is_pci_address(const char *buf, size_t len);

/*
 * Finds, in the root-relative device path @path, the nearest PCI function
 * (the last component that is a PCI address) and a virtio device
 * ("virtio<N>") below it. *ret_pci_end is the length of the prefix of @path
 * that is the PCI function's directory (0 when none); *ret_virtio points
 * into @path at the virtio component and *ret_virtio_len is its length (NULL
 * and 0 when none).
 */
void hk_netdev_locate(const char *path, size_t *ret_pci_end, const char **ret_virtio,
		      size_t *ret_virtio_len);

/* "rx-12" -> HK_NETDEV_QUEUE_RX, 12. -EINVAL for any other name. */
int hk_netdev_parse_queue_name(const char *name, hk_netdev_queue_kind *ret_kind,
			       unsigned *ret_number);

/*
 * A queue's traffic_class: "TC" or, for a queue of a subordinate device,
 * "TC-NUM" (the kernel prints the class and the negative count together).
 * -EINVAL when neither.
 */
int hk_netdev_parse_traffic_class(const char *buf, size_t len, int64_t *ret);

/*
 * Whether the text of a regular file (@buf of @len bytes) is a symlink that
 * a capture stored as a file: one line that is a relative path starting
 * with "../" or an absolute one starting with "/". On success *ret_len is
 * the target's length without trailing blanks.
 */
bool hk_netdev_is_link_text(const char *buf, size_t len, size_t *ret_len);

#endif
