/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <hostkit/netdev.h>

#include "base/macro.h"
#include "base/parse.h"
#include "base/rootdir.h"
#include "host/netdev.h"

#define CLASS_NET "sys/class/net"
#define PCI_DEVS  "sys/bus/pci/devices"

/* A value as read: its status (0, or the errno the read gave) and the number. */
struct value {
	int status;
	int64_t v;
};

struct hk_netdev_queue {
	hk_netdev_queue_kind kind;
	unsigned number;
	struct value attr[_HK_NETQ_ATTR_MAX];
	int mask_status[_HK_NETQ_MASK_MAX];
	hk_cpuset *mask[_HK_NETQ_MASK_MAX];
};

struct hk_netdev {
	char *name;
	char *path;
	char *driver;
	char *pci_address;
	char *pci_path;
	char *virtio;
	char *operstate;
	int operstate_status;
	struct value attr[_HK_NETDEV_ATTR_MAX];
	unsigned *msi_irqs;
	unsigned n_msi_irqs;
	hk_cpuset *local_cpus;
	int local_cpus_status;
	hk_netdev_queue *queues[_HK_NETDEV_QUEUE_KIND_MAX];
	unsigned n_queues[_HK_NETDEV_QUEUE_KIND_MAX];
};

/* The messages of the values that were present but did not parse. */
struct problems {
	char **v;
	unsigned n;
};

struct hk_netdev_list {
	hk_netdev *devs;
	unsigned n;
	struct problems problems;
};

static const char *const netdev_attr_file[_HK_NETDEV_ATTR_MAX] = {
    [HK_NETDEV_IFINDEX] = "ifindex",
    [HK_NETDEV_MTU] = "mtu",
    [HK_NETDEV_SPEED] = "speed",
    [HK_NETDEV_TX_QUEUE_LEN] = "tx_queue_len",
    [HK_NETDEV_THREADED] = "threaded",
    [HK_NETDEV_NAPI_DEFER_HARD_IRQS] = "napi_defer_hard_irqs",
    [HK_NETDEV_GRO_FLUSH_TIMEOUT] = "gro_flush_timeout",
    [HK_NETDEV_NUMA_NODE] = "numa_node",
};

static const char *const queue_attr_file[_HK_NETQ_ATTR_MAX] = {
    [HK_NETQ_RPS_FLOW_CNT] = "rps_flow_cnt",
    [HK_NETQ_TX_MAXRATE] = "tx_maxrate",
    [HK_NETQ_TRAFFIC_CLASS] = "traffic_class",
    [HK_NETQ_TX_TIMEOUT] = "tx_timeout",
    [HK_NETQ_BQL_LIMIT] = "byte_queue_limits/limit",
    [HK_NETQ_BQL_LIMIT_MIN] = "byte_queue_limits/limit_min",
    [HK_NETQ_BQL_LIMIT_MAX] = "byte_queue_limits/limit_max",
    [HK_NETQ_BQL_HOLD_TIME] = "byte_queue_limits/hold_time",
    [HK_NETQ_BQL_INFLIGHT] = "byte_queue_limits/inflight",
    [HK_NETQ_BQL_STALL_THRS] = "byte_queue_limits/stall_thrs",
    [HK_NETQ_BQL_STALL_CNT] = "byte_queue_limits/stall_cnt",
    [HK_NETQ_BQL_STALL_MAX] = "byte_queue_limits/stall_max",
};

static const char *const queue_mask_file[_HK_NETQ_MASK_MAX] = {
    [HK_NETQ_RPS_CPUS] = "rps_cpus",
    [HK_NETQ_XPS_CPUS] = "xps_cpus",
    [HK_NETQ_XPS_RXQS] = "xps_rxqs",
};

/* ---- Pure helpers ---- */

int hk_netdev_path_join(const char *dir, const char *target, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	buf[0] = 0;
	/* Walk @dir's components, then @target's, as one path. */
	for (int pass = target[0] == '/' ? 1 : 0; pass < 2; pass++) {
		const char *p = pass == 0 ? dir : target;
		while (*p) {
			const char *end = strchrnul(p, '/');
			size_t n = (size_t)(end - p);

			if (n == 0 || (n == 1 && p[0] == '.')) {
				/* nothing */
			} else if (n == 2 && p[0] == '.' && p[1] == '.') {
				char *slash = memrchr(buf, '/', len);
				len = slash ? (size_t)(slash - buf) : 0;
				buf[len] = 0;
			} else {
				size_t need = len + (len > 0) + n;
				if (need >= size)
					return -ENAMETOOLONG;
				if (len > 0)
					buf[len++] = '/';
				memcpy(buf + len, p, n);
				len += n;
				buf[len] = 0;
			}
			p = *end ? end + 1 : end;
		}
	}
	return (int)len;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return false;
	return true;
}

bool hk_netdev_is_pci_address(const char *buf, size_t len)
{
	/* DOMAIN:BB:DD.F, the domain 4 to 8 hex digits. */
	if (len < 12 || len > 16)
		return false;
	size_t dom = len - 8;
	const char *t = buf + dom;
	return all_hex(buf, dom) && t[0] == ':' && all_hex(t + 1, 2) && t[3] == ':' &&
	       all_hex(t + 4, 2) && t[6] == '.' && t[7] >= '0' && t[7] <= '7';
}

static bool is_virtio_name(const char *s, size_t n)
{
	if (n <= 6 || memcmp(s, "virtio", 6) != 0)
		return false;
	for (size_t i = 6; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

void hk_netdev_locate(const char *path, size_t *ret_pci_end, const char **ret_virtio,
		      size_t *ret_virtio_len)
{
	size_t pci_end = 0, virtio_len = 0;
	const char *virtio = NULL;

	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (hk_netdev_is_pci_address(p, n)) {
			pci_end = (size_t)(end - path);
			virtio = NULL;
			virtio_len = 0;
		} else if (pci_end > 0 && !virtio && is_virtio_name(p, n)) {
			virtio = p;
			virtio_len = n;
		}
		p = *end ? end + 1 : end;
	}
	*ret_pci_end = pci_end;
	*ret_virtio = virtio;
	*ret_virtio_len = virtio_len;
}

int hk_netdev_parse_queue_name(const char *name, hk_netdev_queue_kind *ret_kind,
			       unsigned *ret_number)
{
	hk_netdev_queue_kind kind;
	unsigned number;

	if (strncmp(name, "rx-", 3) == 0)
		kind = HK_NETDEV_QUEUE_RX;
	else if (strncmp(name, "tx-", 3) == 0)
		kind = HK_NETDEV_QUEUE_TX;
	else
		return -EINVAL;
	/* The kernel numbers queues below 65536 (a u16 queue index). */
	int r = hk_parse_unsigned_range(name + 3, strlen(name + 3), 0, 65535, &number);
	if (r < 0)
		return -EINVAL;
	*ret_kind = kind;
	*ret_number = number;
	return 0;
}

int hk_netdev_parse_traffic_class(const char *buf, size_t len, int64_t *ret)
{
	uint64_t tc, num;

	hk_trim(&buf, &len);
	int k = hk_parse_u64_prefix(buf, len, &tc);
	if (k < 0 || tc > INT32_MAX)
		return -EINVAL;
	if ((size_t)k < len) {
		/* "TC-NUM": a subordinate device's queue. */
		if (buf[k] != '-' || hk_parse_u64(buf + k + 1, len - (size_t)k - 1, 10, &num) < 0)
			return -EINVAL;
	}
	*ret = (int64_t)tc;
	return 0;
}

bool hk_netdev_is_link_text(const char *buf, size_t len, size_t *ret_len)
{
	hk_trim(&buf, &len);
	if (len == 0 || memchr(buf, '\n', len) || memchr(buf, 0, len))
		return false;
	if (!(buf[0] == '/' || (len >= 3 && memcmp(buf, "../", 3) == 0)))
		return false;
	*ret_len = len;
	return true;
}

/* ---- Reading ---- */

/*
 * Where link @path leads, as a root-relative path in @buf. A path that is
 * no link (a directory) is its own target. On a captured tree, a regular
 * file holding a link's target stands for the link. -ENOENT when @path does
 * not exist, -ENOLINK when it is a file that is no link.
 */
static int resolve_link(hk_root *root, const char *path, char *buf, size_t size)
{
	_cleanup_free_ char *target = NULL;
	char dir[PATH_MAX];

	int r = hk_root_readlink(root, path, &target);
	if (r == -EINVAL) {
		/* Not a link: a directory, or a capture's link stored as a file. */
		char text[PATH_MAX];
		int k = hk_root_read_buf(root, path, text, sizeof(text));
		if (k == -EISDIR)
			return hk_netdev_path_join("", path, buf, size);
		if (k < 0)
			return k == -EFBIG ? -ENOLINK : k;
		size_t n;
		if (hk_root_is_live(root) || !hk_netdev_is_link_text(text, (size_t)k, &n))
			return -ENOLINK;
		const char *t = text;
		size_t tl = (size_t)k;
		hk_trim(&t, &tl);
		target = strndup(t, n);
		if (!target)
			return -ENOMEM;
	} else if (r < 0) {
		return r;
	}
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) : 0;
	if (dl >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, dl);
	dir[dl] = 0;
	return hk_netdev_path_join(dir, target, buf, size);
}

static void problems_done(struct problems *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	*p = (struct problems){0};
}

/*
 * Records that file @name of @d holds @text (@len bytes), which does not
 * parse as @what: the value's status is then -EBADMSG, and the message
 * names the file and the text. Returns -EBADMSG, or -ENOMEM.
 */
static int parse_failed(struct problems *p, const hk_rootdir *d, const char *name, const char *what,
			const char *text, size_t len)
{
	char *msg = NULL;
	if (asprintf(&msg, "%s/%s: cannot parse %s '%.*s'", d->path, name, what, (int)MIN(len, 64),
		     text) < 0)
		return -ENOMEM;
	char **v = reallocarray(p->v, p->n + 1, sizeof(*v));
	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	p->v = v;
	v[p->n++] = msg;
	return -EBADMSG;
}

/*
 * Reads file @name of @d into @buf (@size bytes) and trims it. Returns 1
 * with the text in *@ret_text and *@ret_len; 0 when there is nothing to
 * parse, with the reason in *@status: the read's error, -ENODATA for an
 * empty file (the kernel writes no empty number or mask: a capture of a
 * refused read), -EBADMSG for a file too long to be a @what (recorded in
 * @p); -ENOMEM.
 */
static int read_text(const hk_rootdir *d, const char *name, const char *what, char *buf,
		     size_t size, struct problems *p, const char **ret_text, size_t *ret_len,
		     int *status)
{
	int k = hk_rootdir_read_buf(d, name, buf, size);
	if (k < 0) {
		if (k == -ENOMEM)
			return k;
		if (k == -EFBIG) {
			/* A full buffer is not terminated. */
			buf[size - 1] = 0;
			k = parse_failed(p, d, name, what, buf, strlen(buf));
			if (k == -ENOMEM)
				return k;
		}
		*status = k;
		return 0;
	}
	const char *t = buf;
	size_t len = (size_t)k;
	hk_trim(&t, &len);
	if (len == 0) {
		*status = -ENODATA;
		return 0;
	}
	*ret_text = t;
	*ret_len = len;
	return 1;
}

/*
 * Reads number file @name of @d into @v: a read error is kept as the
 * value's status, and so is a malformed number (-EBADMSG, recorded in @p).
 * Fails only with -ENOMEM.
 */
static int read_value(const hk_rootdir *d, const char *name, bool is_tc, struct value *v,
		      struct problems *p)
{
	char buf[64];
	const char *t;
	size_t len;
	int r = read_text(d, name, "number", buf, sizeof(buf), p, &t, &len, &v->status);
	if (r <= 0)
		return r;
	int64_t x;
	r = is_tc ? hk_netdev_parse_traffic_class(t, len, &x) : hk_parse_s64(t, len, &x);
	if (r < 0) {
		r = parse_failed(p, d, name, "number", t, len);
		if (r == -ENOMEM)
			return r;
		v->status = r;
		return 0;
	}
	v->v = x;
	v->status = 0;
	return 0;
}

/* Reads mask file @name of @d into *@set, its status into *@status, as read_value(). */
static int read_mask(const hk_rootdir *d, const char *name, hk_cpuset **set, int *status,
		     struct problems *p)
{
	/* 8192 CPUs are 256 words of 9 bytes. */
	char buf[2560];
	const char *t;
	size_t len;
	int r = read_text(d, name, "mask", buf, sizeof(buf), p, &t, &len, status);
	if (r <= 0)
		return r;
	hk_cpuset *s = hk_cpuset_new();
	if (!s)
		return -ENOMEM;
	r = hk_cpuset_parse_mask(s, t, len);
	if (r < 0) {
		hk_cpuset_free(s);
		if (r == -ENOMEM)
			return r;
		r = parse_failed(p, d, name, "mask", t, len);
		if (r == -ENOMEM)
			return r;
		*status = r;
		return 0;
	}
	*set = s;
	*status = 0;
	return 0;
}

static void queue_init(hk_netdev_queue *q, hk_netdev_queue_kind kind, unsigned number)
{
	*q = (hk_netdev_queue){.kind = kind, .number = number};
	for (unsigned a = 0; a < _HK_NETQ_ATTR_MAX; a++)
		q->attr[a].status = -ENOENT;
	for (unsigned m = 0; m < _HK_NETQ_MASK_MAX; m++)
		q->mask_status[m] = -ENOENT;
}

static int read_queue(hk_root *root, const char *devpath, const char *name, hk_netdev_queue *q,
		      struct problems *p)
{
	char path[PATH_MAX];
	hk_rootdir d;

	if ((size_t)snprintf(path, sizeof(path), "%s/queues/%s", devpath, name) >= sizeof(path))
		return -ENAMETOOLONG;
	int r = hk_rootdir_open(root, path, &d);
	if (r < 0)
		return r;
	if (q->kind == HK_NETDEV_QUEUE_RX) {
		r = read_value(&d, queue_attr_file[HK_NETQ_RPS_FLOW_CNT], false,
			       &q->attr[HK_NETQ_RPS_FLOW_CNT], p);
		if (r >= 0)
			r = read_mask(&d, queue_mask_file[HK_NETQ_RPS_CPUS],
				      &q->mask[HK_NETQ_RPS_CPUS], &q->mask_status[HK_NETQ_RPS_CPUS],
				      p);
	} else {
		for (unsigned a = HK_NETQ_TX_MAXRATE; r >= 0 && a < _HK_NETQ_ATTR_MAX; a++)
			r = read_value(&d, queue_attr_file[a], a == HK_NETQ_TRAFFIC_CLASS,
				       &q->attr[a], p);
		for (unsigned m = HK_NETQ_XPS_CPUS; r >= 0 && m < _HK_NETQ_MASK_MAX; m++)
			r = read_mask(&d, queue_mask_file[m], &q->mask[m], &q->mask_status[m], p);
	}
	hk_rootdir_close(&d);
	return r;
}

static void queue_done(hk_netdev_queue *q)
{
	for (unsigned m = 0; m < _HK_NETQ_MASK_MAX; m++)
		hk_cpuset_free(q->mask[m]);
}

static int cmp_queue(const void *a, const void *b)
{
	const hk_netdev_queue *x = a, *y = b;
	return x->number < y->number ? -1 : x->number > y->number;
}

static int read_queues(hk_root *root, hk_netdev *dev, struct problems *p)
{
	_cleanup_closedir_ DIR *dir = NULL;
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/queues", dev->path) >= sizeof(path))
		return -ENAMETOOLONG;
	int r = hk_root_opendir(root, path, &dir);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0; /* a device without queues (old kernels, some virtual ones) */
	if (r < 0)
		return r;

	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		hk_netdev_queue_kind kind;
		unsigned number;
		if (hk_netdev_parse_queue_name(de->d_name, &kind, &number) < 0)
			continue;
		unsigned n = dev->n_queues[kind];
		hk_netdev_queue *q = reallocarray(dev->queues[kind], n + 1, sizeof(*q));
		if (!q)
			return -ENOMEM;
		dev->queues[kind] = q;
		queue_init(&q[n], kind, number);
		dev->n_queues[kind] = n + 1;
		r = read_queue(root, dev->path, de->d_name, &q[n], p);
		if (r < 0)
			return r;
	}
	if (errno)
		return negative_errno();
	for (unsigned k = 0; k < _HK_NETDEV_QUEUE_KIND_MAX; k++)
		if (dev->n_queues[k] > 1)
			qsort(dev->queues[k], dev->n_queues[k], sizeof(hk_netdev_queue), cmp_queue);
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

static int read_msi_irqs(hk_root *root, hk_netdev *dev)
{
	_cleanup_closedir_ DIR *dir = NULL;
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/msi_irqs", dev->pci_path) >= sizeof(path))
		return -ENAMETOOLONG;
	int r = hk_root_opendir(root, path, &dir);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return r;
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		uint32_t irq;
		if (hk_parse_u32(de->d_name, strlen(de->d_name), &irq) < 0)
			continue;
		unsigned *a = reallocarray(dev->msi_irqs, dev->n_msi_irqs + 1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		dev->msi_irqs = a;
		a[dev->n_msi_irqs++] = irq;
	}
	if (errno)
		return negative_errno();
	if (dev->n_msi_irqs > 1)
		qsort(dev->msi_irqs, dev->n_msi_irqs, sizeof(unsigned), cmp_unsigned);
	return 0;
}

static int read_operstate(const hk_rootdir *d, hk_netdev *dev)
{
	char buf[64];
	int k = hk_rootdir_read_buf(d, "operstate", buf, sizeof(buf));
	if (k == -ENOMEM)
		return k;
	if (k < 0) {
		dev->operstate_status = k == -EFBIG ? -EINVAL : k;
		return 0;
	}
	const char *t = buf;
	size_t len = (size_t)k;
	hk_trim(&t, &len);
	if (len == 0) {
		dev->operstate_status = -ENODATA;
		return 0;
	}
	dev->operstate = strndup(t, len);
	if (!dev->operstate)
		return -ENOMEM;
	dev->operstate_status = 0;
	return 0;
}

/* The PCI function's local_cpulist, else its local_cpus mask. */
static int read_local_cpus(const hk_rootdir *d, hk_netdev *dev, struct problems *p)
{
	char buf[4096];
	int k = hk_rootdir_read_buf(d, "local_cpulist", buf, sizeof(buf));
	if (k < 0)
		return read_mask(d, "local_cpus", &dev->local_cpus, &dev->local_cpus_status, p);
	const char *t = buf;
	size_t len = (size_t)k;
	hk_trim(&t, &len);
	if (len == 0) {
		dev->local_cpus_status = -ENODATA;
		return 0;
	}
	hk_cpuset *s = hk_cpuset_new();
	if (!s)
		return -ENOMEM;
	int r = hk_cpuset_parse_list(s, t, len);
	if (r < 0) {
		hk_cpuset_free(s);
		if (r == -ENOMEM)
			return r;
		r = parse_failed(p, d, "local_cpulist", "CPU list", t, len);
		if (r == -ENOMEM)
			return r;
		dev->local_cpus_status = r;
		return 0;
	}
	dev->local_cpus = s;
	dev->local_cpus_status = 0;
	return 0;
}

/* What the `device` link says: driver, PCI function, virtio device, NUMA node, MSI IRQs. */
static int read_device_link(hk_root *root, hk_netdev *dev, struct problems *p)
{
	char link[PATH_MAX], devpath[PATH_MAX], drv[PATH_MAX];

	if ((size_t)snprintf(link, sizeof(link), "%s/device", dev->path) >= sizeof(link))
		return -ENAMETOOLONG;
	int r = resolve_link(root, link, devpath, sizeof(devpath));
	if (r == -ENOENT || r == -ENOLINK || r == -ENOTDIR) {
		/*
		 * A virtual device, or a capture that dropped the link: a net
		 * device's directory is DEVICE/net/NAME, so its parent's
		 * parent is the device, if it is not sys/devices/virtual.
		 */
		const char *tail = strrchr(dev->path, '/');
		size_t dl = tail ? (size_t)(tail - dev->path) : 0;
		if (dl < 4 || memcmp(dev->path + dl - 4, "/net", 4) != 0 || hk_root_is_live(root))
			return 0;
		dl -= 4;
		if (dl >= sizeof(devpath) ||
		    (dl >= 19 && memcmp(dev->path + dl - 19, "sys/devices/virtual", 19) == 0))
			return 0;
		memcpy(devpath, dev->path, dl);
		devpath[dl] = 0;
	} else if (r < 0) {
		return r;
	}

	if ((size_t)snprintf(link, sizeof(link), "%s/driver", devpath) < sizeof(link) &&
	    resolve_link(root, link, drv, sizeof(drv)) > 0) {
		const char *base = strrchr(drv, '/');
		dev->driver = strdup(base ? base + 1 : drv);
		if (!dev->driver)
			return -ENOMEM;
	}

	size_t pci_end, virtio_len;
	const char *virtio;
	hk_netdev_locate(devpath, &pci_end, &virtio, &virtio_len);
	if (virtio) {
		dev->virtio = strndup(virtio, virtio_len);
		if (!dev->virtio)
			return -ENOMEM;
	}
	if (pci_end == 0)
		return 0;
	dev->pci_path = strndup(devpath, pci_end);
	if (!dev->pci_path)
		return -ENOMEM;
	const char *base = strrchr(dev->pci_path, '/');
	dev->pci_address = strdup(base ? base + 1 : dev->pci_path);
	if (!dev->pci_address)
		return -ENOMEM;

	hk_rootdir d;
	r = hk_rootdir_open(root, dev->pci_path, &d);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0; /* a capture without the PCI side */
	if (r < 0)
		return r;
	r = read_value(&d, "numa_node", false, &dev->attr[HK_NETDEV_NUMA_NODE], p);
	if (r >= 0)
		r = read_local_cpus(&d, dev, p);
	hk_rootdir_close(&d);
	if (r < 0)
		return r;
	return read_msi_irqs(root, dev);
}

static void netdev_done(hk_netdev *dev)
{
	free(dev->name);
	free(dev->path);
	free(dev->driver);
	free(dev->pci_address);
	free(dev->pci_path);
	free(dev->virtio);
	free(dev->operstate);
	free(dev->msi_irqs);
	hk_cpuset_free(dev->local_cpus);
	for (unsigned k = 0; k < _HK_NETDEV_QUEUE_KIND_MAX; k++) {
		for (unsigned i = 0; i < dev->n_queues[k]; i++)
			queue_done(&dev->queues[k][i]);
		free(dev->queues[k]);
	}
}

/* Reads device @name whose directory is root-relative @path into @dev. */
static int read_netdev(hk_root *root, const char *name, const char *path, hk_netdev *dev,
		       struct problems *p)
{
	hk_rootdir d;

	*dev = (hk_netdev){.operstate_status = -ENOENT, .local_cpus_status = -ENOENT};
	for (unsigned a = 0; a < _HK_NETDEV_ATTR_MAX; a++)
		dev->attr[a].status = -ENOENT;
	dev->name = strdup(name);
	dev->path = strdup(path);
	if (!dev->name || !dev->path)
		return -ENOMEM;

	int r = hk_rootdir_open(root, path, &d);
	if (r < 0)
		return r;
	r = read_operstate(&d, dev);
	for (unsigned a = 0; r >= 0 && a < _HK_NETDEV_ATTR_MAX; a++)
		if (a != HK_NETDEV_NUMA_NODE)
			r = read_value(&d, netdev_attr_file[a], false, &dev->attr[a], p);
	hk_rootdir_close(&d);
	if (r < 0)
		return r;
	r = read_device_link(root, dev, p);
	if (r < 0)
		return r;
	return read_queues(root, dev, p);
}

/* ---- Finding devices ---- */

/* A device found: its name and directory. */
struct found {
	char *name;
	char *path;
};

struct found_list {
	struct found *v;
	unsigned n;
};

static void found_list_done(struct found_list *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].path);
	}
	free(l->v);
}

static bool found_has(const struct found_list *l, const char *name)
{
	for (unsigned i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return true;
	return false;
}

static int found_add(struct found_list *l, const char *name, const char *path)
{
	struct found *v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = (struct found){strdup(name), strdup(path)};
	if (!v[l->n].name || !v[l->n].path) {
		free(v[l->n].name);
		free(v[l->n].path);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

/*
 * The directory of sys/class/net/@name in @buf: 0, -ENOENT when there is
 * no such device (or its entry leads nowhere in a capture), -ENOLINK when
 * the entry is no device (bonding_masters).
 */
static int class_net_path(hk_root *root, const char *name, char *buf, size_t size)
{
	char entry[PATH_MAX];

	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -ENOENT;
	if ((size_t)snprintf(entry, sizeof(entry), CLASS_NET "/%s", name) >= sizeof(entry))
		return -ENOENT;
	int r = resolve_link(root, entry, buf, size);
	if (r < 0)
		return r == -ENOTDIR ? -ENOENT : r;
	if (!hk_root_exists(root, buf))
		return -ENOENT;
	return 0;
}

/* On a captured tree: the net devices of the PCI functions that class/net lacks. */
static int scan_pci_net(hk_root *root, const char *only, struct found_list *out)
{
	_cleanup_closedir_ DIR *dir = NULL;

	int r = hk_root_opendir(root, PCI_DEVS, &dir);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return r;
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		char entry[PATH_MAX], fn[PATH_MAX], netdir[PATH_MAX + 8];
		_cleanup_closedir_ DIR *nd = NULL;

		if (!hk_netdev_is_pci_address(de->d_name, strlen(de->d_name)))
			continue;
		snprintf(entry, sizeof(entry), PCI_DEVS "/%s", de->d_name);
		if (resolve_link(root, entry, fn, sizeof(fn)) < 0)
			continue;
		snprintf(netdir, sizeof(netdir), "%s/net", fn);
		if (hk_root_opendir(root, netdir, &nd) < 0)
			continue;
		struct dirent *ne;
		while ((ne = readdir(nd))) {
			char p[PATH_MAX * 2];
			if (ne->d_name[0] == '.' || found_has(out, ne->d_name))
				continue;
			if (only && strcmp(only, ne->d_name) != 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", netdir, ne->d_name);
			r = found_add(out, ne->d_name, p);
			if (r < 0)
				return r;
		}
	}
	return errno ? negative_errno() : 0;
}

static int scan_class_net(hk_root *root, struct found_list *out)
{
	_cleanup_closedir_ DIR *dir = NULL;

	int r = hk_root_opendir(root, CLASS_NET, &dir);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return r;
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		char path[PATH_MAX];
		if (de->d_name[0] == '.')
			continue;
		r = class_net_path(root, de->d_name, path, sizeof(path));
		if (r == -ENOENT || r == -ENOLINK)
			continue;
		if (r < 0)
			return r;
		r = found_add(out, de->d_name, path);
		if (r < 0)
			return r;
	}
	return errno ? negative_errno() : 0;
}

static int cmp_found(const void *a, const void *b)
{
	return strverscmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

void hk_netdev_list_free(hk_netdev_list *l)
{
	if (!l)
		return;
	for (unsigned i = 0; i < l->n; i++)
		netdev_done(&l->devs[i]);
	free(l->devs);
	problems_done(&l->problems);
	free(l);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_netdev_list *, hk_netdev_list_free)

int hk_netdev_list_load(hk_root *root, const char *const *names, unsigned n_names, hk_diag *diag,
			hk_netdev_list **ret)
{
	_cleanup_(found_list_done) struct found_list found = {0};
	_cleanup_(hk_netdev_list_freep) hk_netdev_list *l = NULL;
	int r;

	if (n_names == 0) {
		r = scan_class_net(root, &found);
		if (r >= 0 && !hk_root_is_live(root))
			r = scan_pci_net(root, NULL, &found);
		if (r < 0)
			return hk_diag_set(diag, r, CLASS_NET,
					   "cannot list the network devices: %s", strerror(-r));
		if (found.n > 1)
			qsort(found.v, found.n, sizeof(*found.v), cmp_found);
	}
	for (unsigned i = 0; i < n_names; i++) {
		char path[PATH_MAX];
		r = class_net_path(root, names[i], path, sizeof(path));
		if (r >= 0) {
			r = found_add(&found, names[i], path);
		} else if (r == -ENOENT || r == -ENOLINK) {
			unsigned before = found.n;
			r = hk_root_is_live(root) ? 0 : scan_pci_net(root, names[i], &found);
			if (r >= 0 && found.n == before)
				return hk_diag_set(diag, -ENODEV, names[i],
						   "no network device '%s'", names[i]);
		}
		if (r < 0)
			return hk_diag_set(diag, r, names[i], "cannot find network device '%s': %s",
					   names[i], strerror(-r));
	}

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (found.n > 0) {
		l->devs = calloc(found.n, sizeof(*l->devs));
		if (!l->devs)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < found.n; i++) {
		r = read_netdev(root, found.v[i].name, found.v[i].path, &l->devs[i], &l->problems);
		l->n = i + 1;
		if (r < 0)
			return hk_diag_set(diag, r, found.v[i].path,
					   "cannot read network device '%s': %s", found.v[i].name,
					   strerror(-r));
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* ---- Accessors ---- */

unsigned hk_netdev_list_count(const hk_netdev_list *l)
{
	return l->n;
}

const hk_netdev *hk_netdev_list_get(const hk_netdev_list *l, unsigned i)
{
	return i < l->n ? &l->devs[i] : NULL;
}

const hk_netdev *hk_netdev_list_find(const hk_netdev_list *l, const char *name)
{
	for (unsigned i = 0; i < l->n; i++)
		if (strcmp(l->devs[i].name, name) == 0)
			return &l->devs[i];
	return NULL;
}

unsigned hk_netdev_list_n_problems(const hk_netdev_list *l)
{
	return l->problems.n;
}

const char *hk_netdev_list_problem(const hk_netdev_list *l, unsigned i)
{
	return i < l->problems.n ? l->problems.v[i] : NULL;
}

const char *hk_netdev_name(const hk_netdev *d)
{
	return d->name;
}

const char *hk_netdev_sysfs_path(const hk_netdev *d)
{
	return d->path;
}

const char *hk_netdev_driver(const hk_netdev *d)
{
	return d->driver;
}

const char *hk_netdev_pci_address(const hk_netdev *d)
{
	return d->pci_address;
}

const char *hk_netdev_pci_path(const hk_netdev *d)
{
	return d->pci_path;
}

const char *hk_netdev_virtio_name(const hk_netdev *d)
{
	return d->virtio;
}

unsigned hk_netdev_msi_irqs(const hk_netdev *d, const unsigned **ret_irqs)
{
	*ret_irqs = d->msi_irqs;
	return d->n_msi_irqs;
}

int hk_netdev_local_cpus(const hk_netdev *d, const hk_cpuset **ret)
{
	if (d->local_cpus_status < 0)
		return d->local_cpus_status;
	*ret = d->local_cpus;
	return 0;
}

int hk_netdev_operstate(const hk_netdev *d, const char **ret)
{
	if (d->operstate_status < 0)
		return d->operstate_status;
	*ret = d->operstate;
	return 0;
}

const char *hk_netdev_attr_name(hk_netdev_attr a)
{
	return (unsigned)a < _HK_NETDEV_ATTR_MAX ? netdev_attr_file[a] : NULL;
}

int hk_netdev_get(const hk_netdev *d, hk_netdev_attr a, int64_t *ret)
{
	if ((unsigned)a >= _HK_NETDEV_ATTR_MAX)
		return -ERANGE;
	if (d->attr[a].status < 0)
		return d->attr[a].status;
	*ret = d->attr[a].v;
	return 0;
}

unsigned hk_netdev_n_queues(const hk_netdev *d, hk_netdev_queue_kind kind)
{
	return (unsigned)kind < _HK_NETDEV_QUEUE_KIND_MAX ? d->n_queues[kind] : 0;
}

const hk_netdev_queue *hk_netdev_queue_at(const hk_netdev *d, hk_netdev_queue_kind kind, unsigned i)
{
	if ((unsigned)kind >= _HK_NETDEV_QUEUE_KIND_MAX || i >= d->n_queues[kind])
		return NULL;
	return &d->queues[kind][i];
}

const hk_netdev_queue *hk_netdev_queue_find(const hk_netdev *d, hk_netdev_queue_kind kind,
					    unsigned number)
{
	if ((unsigned)kind >= _HK_NETDEV_QUEUE_KIND_MAX)
		return NULL;
	for (unsigned i = 0; i < d->n_queues[kind]; i++)
		if (d->queues[kind][i].number == number)
			return &d->queues[kind][i];
	return NULL;
}

hk_netdev_queue_kind hk_netdev_queue_get_kind(const hk_netdev_queue *q)
{
	return q->kind;
}

unsigned hk_netdev_queue_number(const hk_netdev_queue *q)
{
	return q->number;
}

const char *hk_netdev_queue_attr_name(hk_netdev_queue_attr a)
{
	return (unsigned)a < _HK_NETQ_ATTR_MAX ? queue_attr_file[a] : NULL;
}

int hk_netdev_queue_get(const hk_netdev_queue *q, hk_netdev_queue_attr a, int64_t *ret)
{
	if ((unsigned)a >= _HK_NETQ_ATTR_MAX)
		return -ERANGE;
	if (q->attr[a].status < 0)
		return q->attr[a].status;
	*ret = q->attr[a].v;
	return 0;
}

const char *hk_netdev_queue_mask_name(hk_netdev_queue_mask m)
{
	return (unsigned)m < _HK_NETQ_MASK_MAX ? queue_mask_file[m] : NULL;
}

int hk_netdev_queue_get_mask(const hk_netdev_queue *q, hk_netdev_queue_mask m,
			     const hk_cpuset **ret)
{
	if ((unsigned)m >= _HK_NETQ_MASK_MAX)
		return -ERANGE;
	if (q->mask_status[m] < 0)
		return q->mask_status[m];
	*ret = q->mask[m];
	return 0;
}
