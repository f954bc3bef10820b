/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_PCI_H
#define HOSTKIT_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>
#include <hostkit/topology.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_pci - the PCI functions of a host, as sys/bus/pci/devices lists them.
 *
 * Loaded from an hk_root (live or captured); immutable afterwards. Each
 * entry of sys/bus/pci/devices is a symlink into sys/devices/pci*; it is
 * resolved inside the root. In some captured trees the links were saved as
 * plain files or are missing their targets: such a device is still listed
 * by its address, with every attribute unknown. Every pointer an accessor
 * returns lives as long as the object it came from.
 */
typedef struct hk_pci hk_pci;
typedef struct hk_pci_dev hk_pci_dev;

/*
 * Reads every PCI function under @root, ordered by address. A root without
 * sys/bus/pci/devices (no PCI bus, a container) gives an empty list. An
 * attribute that is present but malformed fails the load with -EINVAL and
 * @diag naming the file and the text. Errors: -EINVAL, -ENOMEM, or the
 * error of a read that failed. Free with hk_pci_free().
 */
HK_API int hk_pci_load(hk_root *root, hk_diag *diag, hk_pci **ret);
HK_API void hk_pci_free(hk_pci *p);

HK_API unsigned hk_pci_n_devices(const hk_pci *p);
/* The @i-th device, or NULL when @i is out of range. */
HK_API const hk_pci_dev *hk_pci_device(const hk_pci *p, unsigned i);
/* The device at @address ("0000:45:00.0"), or NULL. */
HK_API const hk_pci_dev *hk_pci_find(const hk_pci *p, const char *address);

/*
 * Reads one PCI function, by its address ("0000:45:00.0"), as hk_pci_load()
 * would (for callers that need the device behind one NIC). Errors: -ENOENT
 * when there is no such device, -EINVAL (a malformed address or attribute,
 * with @diag), -ENOMEM. Free with hk_pci_dev_free().
 */
HK_API int hk_pci_dev_load(hk_root *root, const char *address, hk_diag *diag, hk_pci_dev **ret);
/* Frees a device from hk_pci_dev_load() (never one owned by an hk_pci). */
HK_API void hk_pci_dev_free(hk_pci_dev *d);

/* "DDDD:BB:DD.F", as the kernel names it. */
HK_API const char *hk_pci_dev_address(const hk_pci_dev *d);

/*
 * The device's directory inside the root ("sys/devices/pci0000:40/
 * 0000:40:01.3/0000:45:00.0"), or NULL when the tree does not hold it (a
 * capture whose link leads nowhere): then every attribute is unknown.
 */
HK_API const char *hk_pci_dev_sysfs_path(const hk_pci_dev *d);

/* Identifiers of a device. */
typedef enum hk_pci_id {
	HK_PCI_VENDOR,		 /* vendor */
	HK_PCI_DEVICE,		 /* device */
	HK_PCI_SUBSYSTEM_VENDOR, /* subsystem_vendor */
	HK_PCI_SUBSYSTEM_DEVICE, /* subsystem_device */
	HK_PCI_CLASS,		 /* class: base class, subclass and interface, 24 bits */
	HK_PCI_REVISION,	 /* revision */
	_HK_PCI_ID_MAX,
} hk_pci_id;

/* The @id of @d (>= 0), or -ENODATA when the file is absent. */
HK_API int64_t hk_pci_dev_id(const hk_pci_dev *d, hk_pci_id id);

/* The bound driver's name ("igb"), or NULL when no driver is bound. */
HK_API const char *hk_pci_dev_driver(const hk_pci_dev *d);

/*
 * The NUMA node the firmware gives the device, or -ENODATA when it gives
 * none (numa_node absent or -1).
 */
HK_API int hk_pci_dev_numa_node(const hk_pci_dev *d);

/* local_cpulist as a set, or NULL when the file is absent. */
HK_API const hk_cpuset *hk_pci_dev_local_cpulist(const hk_pci_dev *d);
/* local_cpus (a mask) as a set, or NULL when the file is absent. */
HK_API const hk_cpuset *hk_pci_dev_local_cpus(const hk_pci_dev *d);
/*
 * local_cpus as the kernel wrote it ("ffffffff,00000000"), without the
 * newline, or NULL when absent.
 */
HK_API const char *hk_pci_dev_local_cpus_mask(const hk_pci_dev *d);

/*
 * The MSI and MSI-X interrupts of the device (the names of msi_irqs/), in
 * increasing order; *ret_n is set to their count (0 when the directory is
 * absent or empty). The array lives as long as @d.
 */
HK_API const unsigned *hk_pci_dev_msi_irqs(const hk_pci_dev *d, unsigned *ret_n);

/* The PCI Express link, now or at best. */
typedef enum hk_pci_link {
	HK_PCI_LINK_CURRENT, /* current_link_speed, current_link_width */
	HK_PCI_LINK_MAX,     /* max_link_speed, max_link_width */
	_HK_PCI_LINK_MAX,
} hk_pci_link;

/*
 * The link speed as the kernel writes it ("8.0 GT/s PCIe", "8 GT/s" on old
 * kernels, "Unknown"), or NULL when the file is absent (not PCI Express, or
 * a kernel before 4.13 for some devices).
 */
HK_API const char *hk_pci_dev_link_speed(const hk_pci_dev *d, hk_pci_link which);
/*
 * The link speed in MT/s (8.0 GT/s is 8000), or -ENODATA when absent or not
 * a speed ("Unknown").
 */
HK_API int64_t hk_pci_dev_link_speed_mts(const hk_pci_dev *d, hk_pci_link which);
/* The link width in lanes (x8 is 8), or -ENODATA when absent or unknown (0, 255). */
HK_API int hk_pci_dev_link_width(const hk_pci_dev *d, hk_pci_link which);

/* SR-IOV counts: sriov_totalvfs and sriov_numvfs, -ENODATA when absent. */
HK_API int hk_pci_dev_sriov_totalvfs(const hk_pci_dev *d);
HK_API int hk_pci_dev_sriov_numvfs(const hk_pci_dev *d);

/* The verdict of the locality check. */
typedef enum hk_pci_locality {
	HK_PCI_LOCALITY_OK,	  /* numa_node, local_cpulist, local_cpus and the node agree */
	HK_PCI_LOCALITY_UNKNOWN,  /* nothing to compare (no node on a one-node host, no files) */
	HK_PCI_LOCALITY_NO_NODE,  /* a multi-node host whose firmware gives the device no node */
	HK_PCI_LOCALITY_CONFLICT, /* the files disagree with each other or with the node */
} hk_pci_locality;

/*
 * Checks that the device's numa_node, local_cpulist and local_cpus agree:
 * local_cpulist and local_cpus are the same set; the node exists in @t;
 * the local CPUs are the node's CPUs (a device whose local CPUs are every
 * possible CPU while the node has fewer is a conflict too, the firmware not
 * saying where the device is). @t may be NULL, in which case only the files
 * are compared with each other. When @reason is not NULL, a sentence saying
 * why (or "" when OK) is written to it, truncated to @size bytes.
 */
HK_API hk_pci_locality hk_pci_dev_check_locality(const hk_pci_dev *d, const hk_topology *t,
						 char *reason, size_t size);

/* "ok", "unknown", "no-node" or "conflict". */
HK_API const char *hk_pci_locality_name(hk_pci_locality l);

#ifdef __cplusplus
}
#endif

#endif
