/* SPDX-License-Identifier: MIT */
#ifndef HOSTKIT_NETDEV_H
#define HOSTKIT_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include <hostkit/common.h>
#include <hostkit/cpuset.h>
#include <hostkit/root.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * hk_netdev_list - the network devices of a root, as sysfs shows them.
 *
 * Loaded from an hk_root (live or captured): the entries of sys/class/net
 * (the caller's network namespace on a live root), each resolved to its
 * directory under sys/devices, with the attributes a tuner changes and its
 * rx-N / tx-N queues. On a captured tree, where a capture may keep only the
 * PCI side, the net devices below the functions of sys/bus/pci/devices are
 * found too; a symlink that the capture stored as a plain file holding the
 * link's target (as the ttar trees of node_exporter and procfs do) is
 * followed like a link.
 *
 * Every value keeps its read status: the kernel refuses some reads (speed
 * gives EINVAL on a link that is down; xps_cpus is absent on a one-CPU
 * machine; tx_maxrate on single-queue devices; old kernels lack xps_rxqs,
 * threaded, napi_defer_hard_irqs). Those are not load errors: the accessor
 * returns the errno (-ENOENT for "absent"). An empty file, which the kernel
 * never writes but a capture holds for a read the kernel refused, is
 * -ENODATA. A file that is present but does not parse (a mask with junk, a
 * number too long for any value) is -EBADMSG, that value's status only: the
 * rest of the device and the other devices load, and the list keeps a
 * message naming the file and its text (hk_netdev_list_problem()).
 *
 * Immutable once loaded; every pointer an accessor returns lives as long as
 * the list.
 */
typedef struct hk_netdev_list hk_netdev_list;
typedef struct hk_netdev hk_netdev;
typedef struct hk_netdev_queue hk_netdev_queue;

/*
 * Loads the devices named in @names (@n_names of them, in that order), or
 * every device of the root, sorted by name, when @n_names is 0. Loading only
 * the devices asked for reads only their files. Errors: -ENODEV when a
 * named device does not exist (@diag names it), -ENOMEM, or the error of a
 * directory that could not be read (@diag names the device). A malformed
 * file is no error: see hk_netdev_list_n_problems(). A root without
 * sys/class/net has no devices (an empty list, not an error). Free with
 * hk_netdev_list_free().
 */
HK_API int hk_netdev_list_load(hk_root *root, const char *const *names, unsigned n_names,
			       hk_diag *diag, hk_netdev_list **ret);
/* Frees @l and every device of it; NULL allowed. */
HK_API void hk_netdev_list_free(hk_netdev_list *l);

/* The number of devices, and the device at index @i (NULL when out of range). */
HK_API unsigned hk_netdev_list_count(const hk_netdev_list *l);
HK_API const hk_netdev *hk_netdev_list_get(const hk_netdev_list *l, unsigned i);
/* The device named @name, or NULL. */
HK_API const hk_netdev *hk_netdev_list_find(const hk_netdev_list *l, const char *name);

/*
 * The files of the list's devices that were present but did not parse,
 * whose values read -EBADMSG: their number, and the message of the @i-th
 * ("sys/devices/.../queues/rx-0/rps_cpus: cannot parse mask 'garbage'"),
 * in the order they were read; NULL when @i is out of range. @l owns the
 * messages.
 */
HK_API unsigned hk_netdev_list_n_problems(const hk_netdev_list *l);
HK_API const char *hk_netdev_list_problem(const hk_netdev_list *l, unsigned i);

/* The interface name ("eth0"). */
HK_API const char *hk_netdev_name(const hk_netdev *d);
/*
 * The device's directory, relative to the root, with links resolved
 * ("sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0").
 */
HK_API const char *hk_netdev_sysfs_path(const hk_netdev *d);
/*
 * The driver bound to the device behind it ("igb", "virtio_net"), or NULL
 * when the net device has no `device` link (veth, lo, bridges, tun) or the
 * device has no driver link. ethtool's driver info says more.
 */
HK_API const char *hk_netdev_driver(const hk_netdev *d);
/*
 * The PCI function behind the device, "DDDD:BB:DD.F": the nearest PCI
 * function directory walking up from the `device` link (a virtio device sits
 * one level below its function). NULL when there is none.
 */
HK_API const char *hk_netdev_pci_address(const hk_netdev *d);
/* The PCI function's directory relative to the root, or NULL. */
HK_API const char *hk_netdev_pci_path(const hk_netdev *d);
/* The virtio device ("virtio2") between the PCI function and the net device, or NULL. */
HK_API const char *hk_netdev_virtio_name(const hk_netdev *d);
/*
 * The MSI/MSI-X IRQ numbers of the PCI function (its msi_irqs directory),
 * increasing, in *ret_irqs (@d owns them). Returns the count: 0 when the
 * device has no PCI function or the function no msi_irqs (legacy INTx).
 */
HK_API unsigned hk_netdev_msi_irqs(const hk_netdev *d, const unsigned **ret_irqs);
/*
 * The PCI function's local_cpulist (else its local_cpus mask) in *ret (@d
 * owns it); returns 0 or the read status (-ENOENT without a PCI function or
 * the files). hk_pci_dev_load() says more of the function; this is what a
 * capture holds even where sys/bus/pci/devices does not list the function.
 */
HK_API int hk_netdev_local_cpus(const hk_netdev *d, const hk_cpuset **ret);
/*
 * The operational state ("up", "down", "unknown", "dormant",
 * "lowerlayerdown", "notpresent", "testing") in *ret; returns 0 or the read
 * status (-ENOENT...).
 */
HK_API int hk_netdev_operstate(const hk_netdev *d, const char **ret);

/* The numeric attributes of a device. */
typedef enum hk_netdev_attr {
	HK_NETDEV_IFINDEX,		/* ifindex */
	HK_NETDEV_MTU,			/* mtu, bytes */
	HK_NETDEV_SPEED,		/* speed, Mb/s; -1 when the driver does not know */
	HK_NETDEV_TX_QUEUE_LEN,		/* tx_queue_len, packets */
	HK_NETDEV_THREADED,		/* threaded NAPI: 0 or 1 */
	HK_NETDEV_NAPI_DEFER_HARD_IRQS, /* napi_defer_hard_irqs */
	HK_NETDEV_GRO_FLUSH_TIMEOUT,	/* gro_flush_timeout, ns */
	HK_NETDEV_NUMA_NODE,		/* the PCI function's numa_node; -1 when none */
	_HK_NETDEV_ATTR_MAX,
} hk_netdev_attr;

/* The sysfs file name of @a ("mtu"), or NULL for an invalid @a. */
HK_API const char *hk_netdev_attr_name(hk_netdev_attr a);
/*
 * The value of @a in *ret. Returns 0, or the status the read gave: -ENOENT
 * (absent: old kernel, no PCI function), -EINVAL (the kernel refused the
 * read, as speed on a down link), -ENODATA (empty), -EBADMSG (present but
 * malformed: hk_netdev_list_problem() says what it held), -EOPNOTSUPP,
 * -EACCES..., or -ERANGE for an invalid @a.
 */
HK_API int hk_netdev_get(const hk_netdev *d, hk_netdev_attr a, int64_t *ret);

/* Queues, by kind, ordered by queue number. */
typedef enum hk_netdev_queue_kind {
	HK_NETDEV_QUEUE_RX,
	HK_NETDEV_QUEUE_TX,
	_HK_NETDEV_QUEUE_KIND_MAX,
} hk_netdev_queue_kind;

HK_API unsigned hk_netdev_n_queues(const hk_netdev *d, hk_netdev_queue_kind kind);
/* The @i-th queue of @kind (not necessarily numbered @i), or NULL when out of range. */
HK_API const hk_netdev_queue *hk_netdev_queue_at(const hk_netdev *d, hk_netdev_queue_kind kind,
						 unsigned i);
/* The queue numbered @number ("rx-3" is 3), or NULL. */
HK_API const hk_netdev_queue *hk_netdev_queue_find(const hk_netdev *d, hk_netdev_queue_kind kind,
						   unsigned number);

HK_API hk_netdev_queue_kind hk_netdev_queue_get_kind(const hk_netdev_queue *q);
/* The N of rx-N / tx-N. */
HK_API unsigned hk_netdev_queue_number(const hk_netdev_queue *q);

/* The numeric attributes of a queue; rx queues have only the first. */
typedef enum hk_netdev_queue_attr {
	HK_NETQ_RPS_FLOW_CNT,	/* rx: rps_flow_cnt */
	HK_NETQ_TX_MAXRATE,	/* tx: tx_maxrate, Mb/s, 0 = unlimited */
	HK_NETQ_TRAFFIC_CLASS,	/* tx: traffic_class (see below) */
	HK_NETQ_TX_TIMEOUT,	/* tx: tx_timeout, the count of transmit timeouts */
	HK_NETQ_BQL_LIMIT,	/* tx: byte_queue_limits/limit, bytes */
	HK_NETQ_BQL_LIMIT_MIN,	/* tx: byte_queue_limits/limit_min */
	HK_NETQ_BQL_LIMIT_MAX,	/* tx: byte_queue_limits/limit_max */
	HK_NETQ_BQL_HOLD_TIME,	/* tx: byte_queue_limits/hold_time, ms */
	HK_NETQ_BQL_INFLIGHT,	/* tx: byte_queue_limits/inflight, bytes */
	HK_NETQ_BQL_STALL_THRS, /* tx: byte_queue_limits/stall_thrs, ms (6.9+) */
	HK_NETQ_BQL_STALL_CNT,	/* tx: byte_queue_limits/stall_cnt */
	HK_NETQ_BQL_STALL_MAX,	/* tx: byte_queue_limits/stall_max, ms */
	_HK_NETQ_ATTR_MAX,
} hk_netdev_queue_attr;

/*
 * The file name of @a relative to the queue's directory
 * ("byte_queue_limits/limit"), or NULL for an invalid @a.
 */
HK_API const char *hk_netdev_queue_attr_name(hk_netdev_queue_attr a);
/*
 * The value of @a in *ret; returns 0 or the read status, as hk_netdev_get().
 * An attribute of the other kind of queue is -ENOENT. traffic_class is the
 * traffic class number; a queue of a subordinate device, for which the
 * kernel writes "TC-NUM" ("0-2"), gives the class (0).
 */
HK_API int hk_netdev_queue_get(const hk_netdev_queue *q, hk_netdev_queue_attr a, int64_t *ret);

/* The masks of a queue. */
typedef enum hk_netdev_queue_mask {
	HK_NETQ_RPS_CPUS, /* rx: rps_cpus, CPUs */
	HK_NETQ_XPS_CPUS, /* tx: xps_cpus, CPUs */
	HK_NETQ_XPS_RXQS, /* tx: xps_rxqs, a set of rx queue numbers (not CPUs) */
	_HK_NETQ_MASK_MAX,
} hk_netdev_queue_mask;

/* The file name of @m ("rps_cpus"), or NULL. */
HK_API const char *hk_netdev_queue_mask_name(hk_netdev_queue_mask m);
/*
 * The set @m in *ret (@q owns it); returns 0 or the read status, as
 * hk_netdev_get(). The masks are the kernel's comma-separated 32-bit words.
 */
HK_API int hk_netdev_queue_get_mask(const hk_netdev_queue *q, hk_netdev_queue_mask m,
				    const hk_cpuset **ret);

#ifdef __cplusplus
}
#endif

#endif
