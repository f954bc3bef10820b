/* SPDX-License-Identifier: MIT */
/*
 * How network drivers name their queue IRQs: a data table, one entry per
 * driver family, each pattern with the kind of vector it names. The names
 * are those the drivers pass to request_irq(); each entry cites where the
 * kernel formats them (paths under drivers/ of Linux 6.x). The matcher
 * knows nothing of any driver.
 *
 * Placeholders: {if} the interface name, {pci} the PCI function
 * (pci_name(), "0000:3b:00.0"), {virtio} the virtio device ("virtio2"),
 * {q} the queue number (captured), {n} another number, {w} any text.
 */
#include <string.h>

#include "base/macro.h"
#include "host/irq.h"

#define P(pat, k)                                                                                  \
	{                                                                                          \
		pat, HK_IRQ_KIND_##k                                                               \
	}
#define FAMILY(nm, drv, pats)                                                                      \
	{                                                                                          \
		nm, drv, pats, ELEMENTSOF(pats)                                                    \
	}

/*
 * virtio_net: drivers/virtio/virtio_pci_common.c vp_request_msix_vectors()
 * ("%s-config", "%s-virtqueues" with dev_name(), "virtio2") and
 * vp_find_vqs_msix() ("%s-%s", dev_name, vq name); the vq names are
 * drivers/net/virtio_net.c virtnet_find_vqs(): "input.%u", "output.%u",
 * "control".
 */
static const hk_irq_pattern virtio[] = {
    P("{virtio}-input.{q}", RX),  P("{virtio}-output.{q}", TX),	   P("{virtio}-config", OTHER),
    P("{virtio}-control", OTHER), P("{virtio}-virtqueues", OTHER),
};

/*
 * igb, igc, ixgbe, ixgbevf, e1000e: igb/igb_main.c igb_request_msix(),
 * igc/igc_main.c igc_request_msix(), ixgbe/ixgbe_main.c
 * ixgbe_request_msix_irqs(), e1000e/netdev.c e1000_request_msix():
 * "%s-TxRx-%u", "%s-rx-%u", "%s-tx-%u" with the netdev name; the "other"
 * (link, mailbox) vector is the netdev name alone.
 */
static const hk_irq_pattern intel_igb[] = {
    P("{if}-TxRx-{q}", TXRX),
    P("{if}-rx-{q}", RX),
    P("{if}-tx-{q}", TX),
    P("{if}", OTHER),
};

/*
 * i40e: i40e/i40e_main.c i40e_vsi_request_irq_msix(): basename
 * "%s-%s" (driver, netdev) then "%s-%s-%d" with "TxRx"/"rx"/"tx";
 * i40e_setup_misc_vector(): "%s-%s:misc" (driver, pci_name).
 */
static const hk_irq_pattern i40e[] = {
    P("i40e-{if}-TxRx-{q}", TXRX),
    P("i40e-{if}-rx-{q}", RX),
    P("i40e-{if}-tx-{q}", TX),
    P("i40e-{pci}:misc", OTHER),
};

/*
 * ice: ice/ice_main.c ice_vsi_req_irq_msix(): basename "%s-%s" (driver,
 * netdev) then "%s-%s-%d" with "TxRx"/"rx"/"tx"; ice_req_irq_msix_misc():
 * "%s-%s:misc" (driver, pci_name).
 */
static const hk_irq_pattern ice[] = {
    P("ice-{if}-TxRx-{q}", TXRX),
    P("ice-{if}-rx-{q}", RX),
    P("ice-{if}-tx-{q}", TX),
    P("ice-{pci}:misc", OTHER),
};

/*
 * mlx5_core: mellanox/mlx5/core/pci_irq.c irq_set_name() ("mlx5_comp%d",
 * completion vector N serves channel N) and MLX5_IRQ_NAME_FORMAT_STR
 * "%s@pci:%s"; the control vectors are "mlx5_async%d" (older kernels:
 * mlx5_async_eq, mlx5_cmd_eq, mlx5_pages_eq).
 */
static const hk_irq_pattern mlx5[] = {
    P("mlx5_comp{q}@pci:{pci}", TXRX),
    P("mlx5_{w}@pci:{pci}", OTHER),
};

/*
 * mlx4: mellanox/mlx4/eq.c mlx4_assign_eq() "mlx4-%d@%s" (EQ vector,
 * dev_name of the PCI function): the vectors are shared by the ports'
 * rings as mlx4_en assigns them, so N is a block, not a ring; the async EQ
 * is "mlx4-async@pci:%s" (mlx4_init_eq_table()).
 */
static const hk_irq_pattern mlx4[] = {
    P("mlx4-{q}@{pci}", BLOCK),
    P("mlx4-async@pci:{pci}", OTHER),
};

/*
 * ena: amazon/ena/ena_netdev.c ena_setup_io_intr() "%s-Tx-Rx-%d" (netdev,
 * queue) and ena_setup_mgmnt_intr() "ena-mgmnt@pci:%s" (pci_name).
 */
static const hk_irq_pattern ena[] = {
    P("{if}-Tx-Rx-{q}", TXRX),
    P("ena-mgmnt@pci:{pci}", OTHER),
};

/*
 * bnxt_en: broadcom/bnxt/bnxt.c bnxt_setup_msix(): "%s-%s-%d" with the
 * netdev name, "TxRx" (shared rings), "rx" or "tx", and the ring index.
 */
static const hk_irq_pattern bnxt[] = {
    P("{if}-TxRx-{q}", TXRX),
    P("{if}-rx-{q}", RX),
    P("{if}-tx-{q}", TX),
};

/*
 * gve: google/gve/gve_main.c gve_alloc_notify_blocks()
 * "gve-ntfy-blk%d@pci:%s" (before 6.1: "%s-ntfy-block.%d" with the netdev
 * name) and "gve-mgmnt@pci:%s"; tx queue N uses block N, rx queue N block
 * num_ntfy_blks / 2 + N (gve_tx_idx_to_ntfy(), gve_rx_idx_to_ntfy()).
 */
static const hk_irq_pattern gve[] = {
    P("gve-ntfy-blk{q}@pci:{pci}", BLOCK),
    P("{if}-ntfy-block.{q}", BLOCK),
    P("gve-mgmnt@pci:{pci}", OTHER),
    P("{if}-mgmnt", OTHER),
};

/*
 * vmxnet3: vmxnet3/vmxnet3_drv.c vmxnet3_request_irqs(): "%s-rxtx-%d"
 * (shared tx/rx), "%s-tx-%d", "%s-rx-%d", "%s-event-%d" with the netdev
 * name; with one vector (MSI/INTx) the netdev name alone.
 */
static const hk_irq_pattern vmxnet3[] = {
    P("{if}-rxtx-{q}", TXRX),	P("{if}-tx-{q}", TX), P("{if}-rx-{q}", RX),
    P("{if}-event-{n}", OTHER), P("{if}", OTHER),
};

/*
 * hv_netvsc has no IRQ of its own: VMBus channels interrupt through the
 * hypervisor vector (the HYP/HVS rows of /proc/interrupts). Its
 * accelerated-networking VF is a separate device, mana or mlx5. Its
 * entry has no pattern, so its devices map no IRQ by name.
 */

/*
 * mana: microsoft/mana/gdma_main.c mana_gd_setup_irqs(): "mana_hwc@pci:%s"
 * for the hardware channel and "mana_q%d@pci:%s" for queue N.
 */
static const hk_irq_pattern mana[] = {
    P("mana_q{q}@pci:{pci}", TXRX),
    P("mana_hwc@pci:{pci}", OTHER),
};

/* qede: qlogic/qede/qede_main.c qede_req_msix_irqs(): "%s-fp-%d" (netdev, fastpath). */
static const hk_irq_pattern qede[] = {
    P("{if}-fp-{q}", TXRX),
};

/* What many other drivers write (nfp, otx2: "%s-rxtx-%d"; sfc, and the like). */
static const hk_irq_pattern generic[] = {
    P("{if}-TxRx-{q}", TXRX),
    P("{if}-rxtx-{q}", TXRX),
    P("{if}-rx-{q}", RX),
    P("{if}-tx-{q}", TX),
};

const hk_irq_family hk_irq_families[] = {
    FAMILY("virtio", "virtio_net", virtio),
    FAMILY("intel-igb", "igb igc ixgbe ixgbevf e1000e", intel_igb),
    FAMILY("i40e", "i40e", i40e),
    FAMILY("ice", "ice", ice),
    FAMILY("mlx5", "mlx5_core", mlx5),
    FAMILY("mlx4", "mlx4_en mlx4_core", mlx4),
    FAMILY("ena", "ena", ena),
    FAMILY("bnxt", "bnxt_en", bnxt),
    FAMILY("gve", "gve", gve),
    FAMILY("vmxnet3", "vmxnet3", vmxnet3),
    {"hv_netvsc", "hv_netvsc", NULL, 0},
    FAMILY("mana", "mana", mana),
    FAMILY("qede", "qede", qede),
    FAMILY("generic", "", generic),
};

const size_t hk_irq_n_families = ELEMENTSOF(hk_irq_families);

static bool word_in(const char *words, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = words; *p;) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && memcmp(p, w, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

const hk_irq_family *hk_irq_family_of(const char *driver)
{
	if (!driver || !*driver)
		return NULL;
	for (size_t i = 0; i < hk_irq_n_families; i++)
		if (word_in(hk_irq_families[i].drivers, driver))
			return &hk_irq_families[i];
	return NULL;
}

bool hk_irq_pattern_identifies(const char *pattern)
{
	return strstr(pattern, "{if}") || strstr(pattern, "{pci}") || strstr(pattern, "{virtio}");
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_pci_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
}

/* Pattern @p against text @s, recursively only at {w} and loose placeholders. */
static bool match(const char *p, const hk_irq_ident *id, const char *s, int *queue)
{
	while (*p) {
		if (*p != '{') {
			if (*s != *p)
				return false;
			p++, s++;
			continue;
		}
		const char *close = strchr(p, '}');
		if (!close)
			return false;
		size_t plen = (size_t)(close - p) + 1;
		const char *rest = close + 1;
		const char *fixed = NULL;

		if (plen == 4 && memcmp(p, "{if}", 4) == 0) {
			fixed = id->ifname;
			if (!fixed || !*fixed)
				return false;
		} else if (plen == 5 && memcmp(p, "{pci}", 5) == 0) {
			fixed = id->pci;
			if (!fixed) {
				if (!id->loose)
					return false;
				/* Any PCI-address-like run that lets the rest match. */
				for (size_t n = 1; is_pci_char(s[n - 1]); n++)
					if (match(rest, id, s + n, queue))
						return true;
				return false;
			}
		} else if (plen == 8 && memcmp(p, "{virtio}", 8) == 0) {
			fixed = id->virtio;
			if (!fixed) {
				if (!id->loose || strncmp(s, "virtio", 6) != 0 || !is_digit(s[6]))
					return false;
				s += 6;
				while (is_digit(*s))
					s++;
				p = rest;
				continue;
			}
		} else if (plen == 3 && (memcmp(p, "{q}", 3) == 0 || memcmp(p, "{n}", 3) == 0)) {
			if (!is_digit(*s))
				return false;
			long v = 0;
			while (is_digit(*s)) {
				if (v < 1000000)
					v = v * 10 + (*s - '0');
				s++;
			}
			if (p[1] == 'q') {
				if (v >= 1000000)
					return false;
				*queue = (int)v;
			}
			p = rest;
			continue;
		} else if (plen == 3 && memcmp(p, "{w}", 3) == 0) {
			for (size_t n = 1; s[n - 1]; n++)
				if (match(rest, id, s + n, queue))
					return true;
			return false;
		} else {
			return false;
		}
		size_t flen = strlen(fixed);
		if (strncmp(s, fixed, flen) != 0)
			return false;
		s += flen;
		p = rest;
	}
	return *s == '\0';
}

bool hk_irq_pattern_match(const char *pattern, const hk_irq_ident *id, const char *name,
			  int *ret_queue)
{
	int queue = -1;

	if (!match(pattern, id, name, &queue))
		return false;
	*ret_queue = queue;
	return true;
}

static bool classify_in(const hk_irq_family *f, const hk_irq_ident *id, const char *name,
			int *ret_queue, hk_irq_kind *ret_kind, const char **ret_family)
{
	for (size_t i = 0; i < f->n_patterns; i++) {
		int q;
		/* Picking IRQs by name needs a pattern that names the device. */
		if (!id->loose && !hk_irq_pattern_identifies(f->patterns[i].pattern))
			continue;
		if (hk_irq_pattern_match(f->patterns[i].pattern, id, name, &q)) {
			*ret_queue = q;
			*ret_kind = f->patterns[i].kind;
			*ret_family = f->name;
			return true;
		}
	}
	return false;
}

bool hk_irq_name_classify(const hk_irq_ident *id, const char *name, int *ret_queue,
			  hk_irq_kind *ret_kind, const char **ret_family)
{
	const hk_irq_family *f = hk_irq_family_of(id->driver);

	if (!name || !*name)
		return false;
	if (f)
		return classify_in(f, id, name, ret_queue, ret_kind, ret_family);
	for (size_t i = 0; i < hk_irq_n_families; i++)
		if (classify_in(&hk_irq_families[i], id, name, ret_queue, ret_kind, ret_family))
			return true;
	return false;
}
