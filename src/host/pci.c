/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hostkit/pci.h>

#include "base/macro.h"
#include "base/parse.h"
#include "base/rootdir.h"
#include "host/pci.h"

#define BUS_DIR "sys/bus/pci/devices"

struct hk_pci_dev {
	char address[32];
	char *path; /* the device's directory inside the root; NULL when unresolved */
	int64_t ids[_HK_PCI_ID_MAX];
	char *driver;
	int numa_node; /* -ENODATA when none */
	hk_cpuset *cpulist;
	hk_cpuset *cpus;
	char *cpus_mask;
	unsigned *msi_irqs;
	unsigned n_msi_irqs;
	char *speed[_HK_PCI_LINK_MAX];
	int64_t speed_mts[_HK_PCI_LINK_MAX];
	int width[_HK_PCI_LINK_MAX];
	int sriov_totalvfs;
	int sriov_numvfs;
};

struct hk_pci {
	hk_pci_dev *devs;
	unsigned n_devs;
};

static void dev_clear(hk_pci_dev *d)
{
	free(d->path);
	free(d->driver);
	hk_cpuset_free(d->cpulist);
	hk_cpuset_free(d->cpus);
	free(d->cpus_mask);
	free(d->msi_irqs);
	for (unsigned i = 0; i < _HK_PCI_LINK_MAX; i++)
		free(d->speed[i]);
}

void hk_pci_free(hk_pci *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_devs; i++)
		dev_clear(&p->devs[i]);
	free(p->devs);
	free(p);
}

void hk_pci_dev_free(hk_pci_dev *d)
{
	if (!d)
		return;
	dev_clear(d);
	free(d);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pci *, hk_pci_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_pci_dev *, hk_pci_dev_free)

/* ---- Parsers ---- */

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Consumes @min to @max hex digits at *p. */
static bool take_hex(const char **p, unsigned min, unsigned max)
{
	unsigned n = 0;
	while (n < max && is_hex((*p)[n]))
		n++;
	if (n < min || is_hex((*p)[n]))
		return false;
	*p += n;
	return true;
}

bool hk_pci_address_valid(const char *s)
{
	const char *p = s;

	if (!take_hex(&p, 4, 8) || *p++ != ':')
		return false;
	if (!take_hex(&p, 2, 2) || *p++ != ':')
		return false;
	if (!take_hex(&p, 2, 2) || *p++ != '.')
		return false;
	return p[0] >= '0' && p[0] <= '7' && p[1] == '\0';
}

int hk_pci_parse_link_speed(const char *buf, size_t len, int64_t *ret)
{
	uint64_t whole, frac = 0;
	const char *p = buf, *end;

	hk_trim(&p, &len);
	end = p + len;
	if (len >= 7 && memcmp(p, "Unknown", 7) == 0)
		return -ENODATA;
	int n = hk_parse_u64_prefix(p, len, &whole);
	if (n < 0)
		return -EINVAL;
	p += n;
	if (p < end && *p == '.') {
		/* One decimal: the kernel writes 2.5, 5.0, 8.0, 16.0, 32.0, 64.0. */
		p++;
		if (p == end || *p < '0' || *p > '9')
			return -EINVAL;
		frac = (uint64_t)(*p++ - '0');
		while (p < end && *p == '0')
			p++;
	}
	if (whole > 1000000)
		return -EINVAL;
	static const char unit[] = " GT/s";
	if ((size_t)(end - p) < sizeof(unit) - 1 || memcmp(p, unit, sizeof(unit) - 1) != 0)
		return -EINVAL;
	p += sizeof(unit) - 1;
	/* What follows the unit is the kind of bus ("PCIe"), or nothing. */
	if (p < end && *p != ' ')
		return -EINVAL;
	*ret = (int64_t)(whole * 1000 + frac * 100);
	return 0;
}

int hk_pci_join_link(const char *dir, const char *target, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	for (unsigned pass = 0; pass < 2; pass++) {
		const char *p = pass == 0 ? dir : target;
		if (pass == 0 && target[0] == '/')
			continue;
		while (*p) {
			while (*p == '/')
				p++;
			const char *s = p;
			while (*p && *p != '/')
				p++;
			size_t n = (size_t)(p - s);
			if (n == 0 || (n == 1 && s[0] == '.'))
				continue;
			if (n == 2 && s[0] == '.' && s[1] == '.') {
				/* Drop the last component; at the root, stay there. */
				while (len > 0 && buf[len - 1] != '/')
					len--;
				if (len > 0)
					len--;
				buf[len] = '\0';
				continue;
			}
			if (len + (len > 0) + n + 1 > size)
				return -ENAMETOOLONG;
			if (len > 0)
				buf[len++] = '/';
			memcpy(buf + len, s, n);
			len += n;
			buf[len] = '\0';
		}
	}
	return 0;
}

/* ---- Reading one device ---- */

/* "@dir/@name" into @buf: -ENAMETOOLONG when it does not fit. */
static int sub_path(char *buf, size_t size, const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	if (dl + 1 + nl + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, dir, dl);
	buf[dl] = '/';
	memcpy(buf + dl + 1, name, nl + 1);
	return 0;
}

/*
 * Reads a link, or, in captures that saved links as plain files, the file
 * holding the target. -EINVAL when @path is neither (a directory).
 */
static int read_link_or_file(hk_root *root, const char *path, char **ret)
{
	char *target = NULL;

	int r = hk_root_readlink(root, path, &target);
	if (r != -EINVAL) {
		if (r < 0)
			return r;
		*ret = target;
		return 0;
	}
	char buf[PATH_MAX];
	const char *p = buf;
	r = hk_root_read_buf(root, path, buf, sizeof(buf));
	if (r == -EISDIR || r == -EFBIG)
		return -EINVAL;
	if (r < 0)
		return r;
	size_t len = (size_t)r;
	hk_trim(&p, &len);
	if (len == 0 || memchr(p, '\n', len) || memchr(p, '\0', len))
		return -EINVAL;
	target = strndup(p, len);
	if (!target)
		return -ENOMEM;
	*ret = target;
	return 0;
}

/* Reads a one-line attribute: its trimmed text in @buf, 0 when absent or unreadable. */
static int read_attr(const hk_rootdir *d, const char *name, char *buf, size_t size)
{
	int r = hk_rootdir_read_buf(d, name, buf, size);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		/*
		 * Absent on this kernel or bus, or refused: sysfs answers EIO or
		 * EINVAL for a link attribute of a device without the
		 * capability, captures hold empty files where the capturing
		 * user could not read. All of it is "unknown".
		 */
		buf[0] = '\0';
		return 0;
	}
	const char *p = buf;
	size_t len = (size_t)r;
	hk_trim(&p, &len);
	memmove(buf, p, len);
	buf[len] = '\0';
	return (int)len;
}

static int bad_attr(const hk_rootdir *d, const char *name, const char *text, hk_diag *diag,
		    const char *what)
{
	if (!diag)
		return -EINVAL;
	char path[PATH_MAX];
	if (sub_path(path, sizeof(path), d->path, name) < 0)
		snprintf(path, sizeof(path), "%s", name);
	return hk_diag_set(diag, -EINVAL, path, "cannot parse %s '%.64s' in %s", what, text, path);
}

static const char *const id_file[_HK_PCI_ID_MAX] = {
    [HK_PCI_VENDOR] = "vendor",
    [HK_PCI_DEVICE] = "device",
    [HK_PCI_SUBSYSTEM_VENDOR] = "subsystem_vendor",
    [HK_PCI_SUBSYSTEM_DEVICE] = "subsystem_device",
    [HK_PCI_CLASS] = "class",
    [HK_PCI_REVISION] = "revision",
};

static int read_ids(hk_pci_dev *dev, const hk_rootdir *d, hk_diag *diag)
{
	char buf[64];

	for (unsigned i = 0; i < _HK_PCI_ID_MAX; i++) {
		int r = read_attr(d, id_file[i], buf, sizeof(buf));
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		uint64_t v;
		if (hk_parse_u64(buf, (size_t)r, 0, &v) < 0 || v > 0xffffff)
			return bad_attr(d, id_file[i], buf, diag, "PCI identifier");
		dev->ids[i] = (int64_t)v;
	}
	return 0;
}

/* A small signed decimal attribute into *ret; *ret untouched when absent. */
static int read_int_attr(const hk_rootdir *d, const char *name, hk_diag *diag, int *ret)
{
	char buf[64];
	int v;

	int r = read_attr(d, name, buf, sizeof(buf));
	if (r <= 0)
		return r;
	if (hk_parse_int(buf, (size_t)r, &v) < 0)
		return bad_attr(d, name, buf, diag, "number");
	*ret = v;
	return 1;
}

static int read_driver(hk_pci_dev *dev, hk_root *root, const hk_rootdir *d)
{
	char path[PATH_MAX];
	_cleanup_free_ char *target = NULL;

	int r = sub_path(path, sizeof(path), d->path, "driver");
	if (r < 0)
		return 0;
	r = read_link_or_file(root, path, &target);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* no driver bound */
	const char *slash = strrchr(target, '/');
	const char *name = slash ? slash + 1 : target;
	if (!*name)
		return 0;
	dev->driver = strdup(name);
	return dev->driver ? 0 : -ENOMEM;
}

static int read_numa_node(hk_pci_dev *dev, const hk_rootdir *d, hk_diag *diag)
{
	int node = -1;

	int r = read_int_attr(d, "numa_node", diag, &node);
	if (r < 0)
		return r;
	if (node < -1 || node >= (int)HK_CPU_MAX)
		return bad_attr(d, "numa_node", "out of range", diag, "NUMA node");
	dev->numa_node = node >= 0 ? node : -ENODATA;
	return 0;
}

static int read_local_cpus(hk_pci_dev *dev, const hk_rootdir *d, hk_diag *diag)
{
	char buf[4096];

	int r = read_attr(d, "local_cpulist", buf, sizeof(buf));
	if (r < 0)
		return r;
	if (r > 0) {
		dev->cpulist = hk_cpuset_new();
		if (!dev->cpulist)
			return -ENOMEM;
		r = hk_cpuset_parse_list(dev->cpulist, buf, (size_t)r);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return bad_attr(d, "local_cpulist", buf, diag, "CPU list");
	}
	r = read_attr(d, "local_cpus", buf, sizeof(buf));
	if (r < 0)
		return r;
	if (r > 0) {
		dev->cpus = hk_cpuset_new();
		dev->cpus_mask = strdup(buf);
		if (!dev->cpus || !dev->cpus_mask)
			return -ENOMEM;
		/*
		 * The kernel writes bare hex words; hand-edited captures (hwloc's
		 * 40intel64-4n10c+pci-conflicts) have "0xf". Both mean the same.
		 */
		const char *m = buf;
		if (m[0] == '0' && (m[1] == 'x' || m[1] == 'X'))
			m += 2;
		r = hk_cpuset_parse_mask(dev->cpus, m, strlen(m));
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return bad_attr(d, "local_cpus", buf, diag, "CPU mask");
	}
	return 0;
}

static int unsigned_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

static int read_msi_irqs(hk_pci_dev *dev, hk_root *root, const hk_rootdir *d)
{
	_cleanup_closedir_ DIR *dir = NULL;
	char path[PATH_MAX];
	unsigned cap = 0;
	struct dirent *de;

	int r = sub_path(path, sizeof(path), d->path, "msi_irqs");
	if (r < 0)
		return 0;
	r = hk_root_opendir(root, path, &dir);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0; /* no MSI, or a kernel without the directory */
	while ((de = readdir(dir))) {
		unsigned irq;
		/* Entries are files, or directories holding "mode" on old kernels. */
		if (hk_parse_unsigned_range(de->d_name, strlen(de->d_name), 0, INT_MAX, &irq) < 0)
			continue;
		if (dev->n_msi_irqs == cap) {
			unsigned ncap = cap ? cap * 2 : 8;
			unsigned *a = reallocarray(dev->msi_irqs, ncap, sizeof(*a));
			if (!a)
				return -ENOMEM;
			dev->msi_irqs = a;
			cap = ncap;
		}
		dev->msi_irqs[dev->n_msi_irqs++] = irq;
	}
	if (dev->n_msi_irqs > 1)
		qsort(dev->msi_irqs, dev->n_msi_irqs, sizeof(unsigned), unsigned_cmp);
	return 0;
}

static int read_link(hk_pci_dev *dev, const hk_rootdir *d, hk_diag *diag)
{
	static const char *const speed_file[_HK_PCI_LINK_MAX] = {"current_link_speed",
								 "max_link_speed"};
	static const char *const width_file[_HK_PCI_LINK_MAX] = {"current_link_width",
								 "max_link_width"};
	char buf[64];

	for (unsigned i = 0; i < _HK_PCI_LINK_MAX; i++) {
		int r = read_attr(d, speed_file[i], buf, sizeof(buf));
		if (r < 0)
			return r;
		if (r > 0) {
			dev->speed[i] = strdup(buf);
			if (!dev->speed[i])
				return -ENOMEM;
			r = hk_pci_parse_link_speed(buf, (size_t)r, &dev->speed_mts[i]);
			if (r == -EINVAL)
				return bad_attr(d, speed_file[i], buf, diag, "link speed");
		}
		r = read_attr(d, width_file[i], buf, sizeof(buf));
		if (r < 0)
			return r;
		if (r > 0) {
			/* "x8" has been seen in captures; the kernel writes "8". */
			const char *p = buf[0] == 'x' ? buf + 1 : buf;
			unsigned w;
			if (hk_parse_unsigned_range(p, strlen(p), 0, 255, &w) < 0)
				return bad_attr(d, width_file[i], buf, diag, "link width");
			/* 0 is a link that is down; 255 a width the kernel could not read. */
			if (w > 0 && w < 255)
				dev->width[i] = (int)w;
		}
	}
	return 0;
}

static void dev_init(hk_pci_dev *dev, const char *address)
{
	*dev = (hk_pci_dev){
	    .numa_node = -ENODATA,
	    .sriov_totalvfs = -ENODATA,
	    .sriov_numvfs = -ENODATA,
	};
	snprintf(dev->address, sizeof(dev->address), "%s", address);
	for (unsigned i = 0; i < _HK_PCI_ID_MAX; i++)
		dev->ids[i] = -ENODATA;
	for (unsigned i = 0; i < _HK_PCI_LINK_MAX; i++) {
		dev->speed_mts[i] = -ENODATA;
		dev->width[i] = -ENODATA;
	}
}

/*
 * The device directory behind sys/bus/pci/devices/@address: the link's
 * target (or a plain file's text, in captures that lost their links), or
 * the entry itself when it is a directory. NULL in *ret when the target
 * does not exist in the tree.
 */
static int resolve_dev_dir(hk_root *root, const char *address, char **ret)
{
	char entry[PATH_MAX], path[PATH_MAX];
	_cleanup_free_ char *target = NULL;

	int r = sub_path(entry, sizeof(entry), BUS_DIR, address);
	if (r < 0)
		return r;
	r = read_link_or_file(root, entry, &target);
	if (r == -EINVAL) {
		if (!hk_root_exists(root, entry))
			return -ENOENT;
		memcpy(path, entry, sizeof(path));
	} else if (r < 0) {
		return r;
	} else {
		r = hk_pci_join_link(BUS_DIR, target, path, sizeof(path));
		if (r < 0)
			return r;
	}
	if (!hk_root_exists(root, path)) {
		*ret = NULL;
		return 0;
	}
	*ret = strdup(path);
	return *ret ? 0 : -ENOMEM;
}

static int dev_read(hk_pci_dev *dev, hk_root *root, const char *address, hk_diag *diag)
{
	hk_rootdir d;

	dev_init(dev, address);
	int r = resolve_dev_dir(root, address, &dev->path);
	if (r < 0)
		return r;
	if (!dev->path)
		return 0;
	r = hk_rootdir_open(root, dev->path, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		free(dev->path);
		dev->path = NULL;
		return 0;
	}
	r = read_ids(dev, &d, diag);
	if (r >= 0)
		r = read_driver(dev, root, &d);
	if (r >= 0)
		r = read_numa_node(dev, &d, diag);
	if (r >= 0)
		r = read_local_cpus(dev, &d, diag);
	if (r >= 0)
		r = read_msi_irqs(dev, root, &d);
	if (r >= 0)
		r = read_link(dev, &d, diag);
	if (r >= 0)
		r = read_int_attr(&d, "sriov_totalvfs", diag, &dev->sriov_totalvfs);
	if (r >= 0)
		r = read_int_attr(&d, "sriov_numvfs", diag, &dev->sriov_numvfs);
	hk_rootdir_close(&d);
	return r < 0 ? r : 0;
}

int hk_pci_dev_load(hk_root *root, const char *address, hk_diag *diag, hk_pci_dev **ret)
{
	_cleanup_(hk_pci_dev_freep) hk_pci_dev *dev = NULL;

	if (!address || !hk_pci_address_valid(address))
		return hk_diag_set(diag, -EINVAL, "", "not a PCI address: '%.64s'",
				   address ? address : "(null)");
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	int r = dev_read(dev, root, address, diag);
	if (r == -ENOENT)
		return hk_diag_set(diag, r, BUS_DIR, "no PCI device %s in %s", address, BUS_DIR);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(dev);
	return 0;
}

static int dev_cmp(const void *a, const void *b)
{
	const hk_pci_dev *x = a, *y = b;
	size_t lx = strlen(x->address), ly = strlen(y->address);
	/* Wider domains (32-bit ones) sort after the 4-digit ones. */
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->address, y->address);
}

int hk_pci_load(hk_root *root, hk_diag *diag, hk_pci **ret)
{
	_cleanup_(hk_pci_freep) hk_pci *p = NULL;
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	unsigned cap = 0;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = hk_root_opendir(root, BUS_DIR, &dir);
	if (r == -ENOENT || r == -ENOTDIR) {
		*ret = TAKE_PTR(p);
		return 0;
	}
	if (r < 0)
		return hk_diag_set(diag, r, BUS_DIR, "cannot open %s: %s", BUS_DIR, strerror(-r));
	while ((de = readdir(dir))) {
		if (!hk_pci_address_valid(de->d_name))
			continue;
		if (p->n_devs == cap) {
			unsigned ncap = cap ? cap * 2 : 32;
			hk_pci_dev *a = reallocarray(p->devs, ncap, sizeof(*a));
			if (!a)
				return -ENOMEM;
			p->devs = a;
			cap = ncap;
		}
		r = dev_read(&p->devs[p->n_devs], root, de->d_name, diag);
		p->n_devs++; /* counted even on failure, so that it is freed */
		if (r == -ENOENT) {
			/* Gone between readdir and read (hot unplug): not an error. */
			dev_clear(&p->devs[--p->n_devs]);
			continue;
		}
		if (r < 0)
			return r;
	}
	if (p->n_devs > 1)
		qsort(p->devs, p->n_devs, sizeof(*p->devs), dev_cmp);
	*ret = TAKE_PTR(p);
	return 0;
}

/* ---- Accessors ---- */

unsigned hk_pci_n_devices(const hk_pci *p)
{
	return p->n_devs;
}

const hk_pci_dev *hk_pci_device(const hk_pci *p, unsigned i)
{
	return i < p->n_devs ? &p->devs[i] : NULL;
}

const hk_pci_dev *hk_pci_find(const hk_pci *p, const char *address)
{
	if (!address)
		return NULL;
	for (unsigned i = 0; i < p->n_devs; i++)
		if (strcasecmp(p->devs[i].address, address) == 0)
			return &p->devs[i];
	return NULL;
}

const char *hk_pci_dev_address(const hk_pci_dev *d)
{
	return d->address;
}

const char *hk_pci_dev_sysfs_path(const hk_pci_dev *d)
{
	return d->path;
}

int64_t hk_pci_dev_id(const hk_pci_dev *d, hk_pci_id id)
{
	if ((unsigned)id >= _HK_PCI_ID_MAX)
		return -EINVAL;
	return d->ids[id];
}

const char *hk_pci_dev_driver(const hk_pci_dev *d)
{
	return d->driver;
}

int hk_pci_dev_numa_node(const hk_pci_dev *d)
{
	return d->numa_node;
}

const hk_cpuset *hk_pci_dev_local_cpulist(const hk_pci_dev *d)
{
	return d->cpulist;
}

const hk_cpuset *hk_pci_dev_local_cpus(const hk_pci_dev *d)
{
	return d->cpus;
}

const char *hk_pci_dev_local_cpus_mask(const hk_pci_dev *d)
{
	return d->cpus_mask;
}

const unsigned *hk_pci_dev_msi_irqs(const hk_pci_dev *d, unsigned *ret_n)
{
	*ret_n = d->n_msi_irqs;
	return d->msi_irqs;
}

const char *hk_pci_dev_link_speed(const hk_pci_dev *d, hk_pci_link which)
{
	return (unsigned)which < _HK_PCI_LINK_MAX ? d->speed[which] : NULL;
}

int64_t hk_pci_dev_link_speed_mts(const hk_pci_dev *d, hk_pci_link which)
{
	return (unsigned)which < _HK_PCI_LINK_MAX ? d->speed_mts[which] : -EINVAL;
}

int hk_pci_dev_link_width(const hk_pci_dev *d, hk_pci_link which)
{
	return (unsigned)which < _HK_PCI_LINK_MAX ? d->width[which] : -EINVAL;
}

int hk_pci_dev_sriov_totalvfs(const hk_pci_dev *d)
{
	return d->sriov_totalvfs;
}

int hk_pci_dev_sriov_numvfs(const hk_pci_dev *d)
{
	return d->sriov_numvfs;
}

/* ---- Locality ---- */

__attribute__((format(printf, 4, 5))) static hk_pci_locality
verdict(hk_pci_locality v, char *reason, size_t size, const char *fmt, ...)
{
	if (reason && size > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reason, size, fmt, ap);
		va_end(ap);
	}
	return v;
}

hk_pci_locality hk_pci_dev_check_locality(const hk_pci_dev *d, const hk_topology *t, char *reason,
					  size_t size)
{
	const hk_cpuset *local = d->cpulist ? d->cpulist : d->cpus;
	char a[256], b[256];

	if (d->cpulist && d->cpus && !hk_cpuset_equal(d->cpulist, d->cpus)) {
		hk_cpuset_format_list(d->cpulist, a, sizeof(a));
		hk_cpuset_format_list(d->cpus, b, sizeof(b));
		if (t && d->numa_node < 0 && hk_topology_n_nodes(t) > 1)
			return verdict(HK_PCI_LOCALITY_CONFLICT, reason, size,
				       "local_cpulist (%s) and local_cpus (%s) differ; firmware "
				       "gives no node (numa_node -1) on a host of %u nodes",
				       a, b, hk_topology_n_nodes(t));
		return verdict(HK_PCI_LOCALITY_CONFLICT, reason, size,
			       "local_cpulist (%s) and local_cpus (%s) differ", a, b);
	}
	if (!t) {
		if (!local && d->numa_node < 0)
			return verdict(HK_PCI_LOCALITY_UNKNOWN, reason, size,
				       "neither numa_node nor local CPUs are given");
		return verdict(HK_PCI_LOCALITY_OK, reason, size, "%s", "");
	}
	unsigned n_nodes = hk_topology_n_nodes(t);
	if (d->numa_node < 0) {
		if (n_nodes > 1)
			return verdict(HK_PCI_LOCALITY_NO_NODE, reason, size,
				       "firmware gives no node (numa_node -1) on a host of %u "
				       "nodes",
				       n_nodes);
		return verdict(HK_PCI_LOCALITY_UNKNOWN, reason, size,
			       "no node given (numa_node -1); the host has one node");
	}
	const hk_node *node = hk_topology_node_by_id(t, (unsigned)d->numa_node);
	if (!node)
		return verdict(HK_PCI_LOCALITY_CONFLICT, reason, size,
			       "numa_node %d is not a node of this host", d->numa_node);
	if (!local)
		return verdict(HK_PCI_LOCALITY_OK, reason, size, "%s", "");
	if (hk_cpuset_is_empty(hk_node_cpus(node)) && !hk_cpuset_is_empty(local))
		return verdict(HK_PCI_LOCALITY_UNKNOWN, reason, size,
			       "node %d lists no CPUs to compare with", d->numa_node);
	if (!hk_cpuset_equal(local, hk_node_cpus(node))) {
		hk_cpuset_format_list(local, a, sizeof(a));
		hk_cpuset_format_list(hk_node_cpus(node), b, sizeof(b));
		return verdict(HK_PCI_LOCALITY_CONFLICT, reason, size,
			       "local CPUs %s are not node %d's CPUs %s", a[0] ? a : "(none)",
			       d->numa_node, b[0] ? b : "(none)");
	}
	return verdict(HK_PCI_LOCALITY_OK, reason, size, "%s", "");
}

const char *hk_pci_locality_name(hk_pci_locality l)
{
	switch (l) {
	case HK_PCI_LOCALITY_OK:
		return "ok";
	case HK_PCI_LOCALITY_UNKNOWN:
		return "unknown";
	case HK_PCI_LOCALITY_NO_NODE:
		return "no-node";
	case HK_PCI_LOCALITY_CONFLICT:
		return "conflict";
	}
	return "unknown";
}
