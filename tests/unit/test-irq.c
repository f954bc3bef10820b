/* SPDX-License-Identifier: MIT */
/*
 * The /proc/interrupts parser on literals (x86 old and new layouts, arm64
 * GICv3, single-value rows, offline CPUs in the header, blank lines, wide
 * machines, malformed files), the driver naming-pattern table on real
 * names, the mapping of a device's IRQs, and the loader on a scratch tree
 * with /proc/irq/N/, default_smp_affinity and an irqbalance process.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostkit/irq.h>

#include "base/macro.h"
#include "base/strbuf.h"
#include "host/irq.h"
#include "tests/support/harness.h"
#include "tests/test.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_table *, hk_irq_table_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_irq_map *, hk_irq_map_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(hk_root *, hk_root_free)

#define S(lit) (lit), (sizeof(lit) - 1)

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static char *list_of(const hk_cpuset *s)
{
	static char buf[256];
	if (!s)
		return NULL;
	hk_cpuset_format_list(s, buf, sizeof(buf));
	return buf;
}

/* This VM's layout (Linux 6.x): chip, hwirq-flow, per-device MSI-X chip. */
#define X86_NEW                                                                                    \
	"           CPU0       CPU1       \n"                                                      \
	" 24:          1          0  IO-APIC   5-edge      ACPI:Ged\n"                             \
	" 38:          0        608 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n"         \
	" 39:        318          0 PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0\n"        \
	"NMI:          0          0   Non-maskable interrupts\n"                                   \
	"LOC:    1577858    1568122   Local timer interrupts\n"                                    \
	"ERR:          0\n"                                                                        \
	"MIS:          0\n"                                                                        \
	"PIN:          0          0   Posted-interrupt notification event\n"

static void test_x86_new(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	hk_diag d;

	CHECK_OK(hk_parse_interrupts(S(X86_NEW), "interrupts", &d, &t));
	if (!t)
		return;
	CHECK_EQ_U64(hk_irq_table_n_columns(t), 2);
	CHECK_EQ_U64(hk_irq_table_column_cpu(t, 1), 1);
	CHECK_ERR(hk_irq_table_column_cpu(t, 2), -ERANGE);
	CHECK_EQ_U64(hk_irq_table_n_irqs(t), 3);
	CHECK_EQ_U64(hk_irq_table_n_other(t), 5);

	const hk_irq *i = hk_irq_table_irq(t, 0);
	CHECK_EQ_S64(hk_irq_number(i), 24);
	CHECK(streq(hk_irq_chip(i), "IO-APIC"));
	CHECK_EQ_S64(hk_irq_hwirq(i), 5);
	CHECK(streq(hk_irq_trigger(i), "edge"));
	CHECK(streq(hk_irq_flow(i), "edge"));
	CHECK(streq(hk_irq_name(i), "ACPI:Ged"));

	i = hk_irq_table_find(t, 38);
	CHECK(i != NULL);
	if (i) {
		CHECK(streq(hk_irq_chip(i), "PCI-MSIX-0000:00:03.0"));
		CHECK_EQ_S64(hk_irq_hwirq(i), 1);
		CHECK_EQ_U64(hk_irq_count(i, 1), 608);
		CHECK_EQ_U64(hk_irq_total(i), 608);
		CHECK_EQ_U64(hk_irq_n_actions(i), 1);
		CHECK(streq(hk_irq_action(i, 0), "virtio2-input.0"));
		/* A table parsed, not loaded: /proc/irq items are not there. */
		const hk_cpuset *set;
		CHECK_ERR(hk_irq_get_set(i, HK_IRQ_SMP_AFFINITY, &set), -ENODATA);
		CHECK(hk_irq_affinity(i) == NULL);
	}
	CHECK(hk_irq_table_find(t, 25) == NULL);
	CHECK(hk_irq_table_find(t, 40) == NULL);

	const hk_irq *o = hk_irq_table_other(t, 1);
	CHECK(streq(hk_irq_label(o), "LOC"));
	CHECK_EQ_S64(hk_irq_number(o), -1);
	CHECK(!hk_irq_is_single(o));
	CHECK_EQ_U64(hk_irq_count(o, 0), 1577858);
	CHECK(streq(hk_irq_name(o), "Local timer interrupts"));
	CHECK_EQ_S64(hk_irq_hwirq(o), -ENODATA);
	o = hk_irq_table_other(t, 2);
	CHECK(streq(hk_irq_label(o), "ERR"));
	CHECK(hk_irq_is_single(o));
	CHECK_EQ_U64(hk_irq_n_counts(o), 1);
	CHECK(streq(hk_irq_name(o), ""));
	CHECK_EQ_S64(hk_irq_table_irqbalance(t), -ENODATA);
}

/* node_exporter's fixture: kernels before 3.x join chip and flow; actions with ", ". */
static void test_x86_old(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	static const char text[] =
	    "           CPU0       CPU1       CPU2       CPU3       \n"
	    "  0:         18          0          0          0  IR-IO-APIC-edge      timer\n"
	    " 16:     328511     322879     293782     351412  IR-IO-APIC-fasteoi   ehci_hcd:usb1, "
	    "mmc0\n"
	    " 40:          0          0          0          0  DMAR_MSI-edge      dmar0\n"
	    " 42:     378324    1734637     440240    2434308  IR-PCI-MSI-edge      xhci_hcd\n"
	    " 99:          0          0          0          0  odd-chip-name      foo bar\n"
	    "MCP:       2406       2399       2399       2399   Machine check polls\n"
	    "ERR:          0\n";

	CHECK_OK(hk_parse_interrupts(S(text), NULL, NULL, &t));
	if (!t)
		return;
	const hk_irq *i = hk_irq_table_find(t, 0);
	CHECK(streq(hk_irq_chip(i), "IR-IO-APIC"));
	CHECK(streq(hk_irq_flow(i), "edge"));
	CHECK_EQ_S64(hk_irq_hwirq(i), -ENODATA);
	CHECK(streq(hk_irq_name(i), "timer"));
	i = hk_irq_table_find(t, 16);
	CHECK(streq(hk_irq_chip(i), "IR-IO-APIC"));
	CHECK(streq(hk_irq_trigger(i), "fasteoi"));
	CHECK(streq(hk_irq_name(i), "ehci_hcd:usb1, mmc0"));
	CHECK_EQ_U64(hk_irq_n_actions(i), 2);
	CHECK(streq(hk_irq_action(i, 0), "ehci_hcd:usb1"));
	CHECK(streq(hk_irq_action(i, 1), "mmc0"));
	CHECK_EQ_U64(hk_irq_total(i), 328511ull + 322879 + 293782 + 351412);
	i = hk_irq_table_find(t, 40);
	CHECK(streq(hk_irq_chip(i), "DMAR_MSI"));
	i = hk_irq_table_find(t, 42);
	CHECK(streq(hk_irq_chip(i), "IR-PCI-MSI"));
	/* A tail that is no known flow stays in the chip. */
	i = hk_irq_table_find(t, 99);
	CHECK(streq(hk_irq_chip(i), "odd-chip-name"));
	CHECK(hk_irq_flow(i) == NULL);
	CHECK(streq(hk_irq_name(i), "foo bar"));
}

/* node_exporter's interrupts_aarch64: GICv3, ITS-MSI, IPIn without a blank, "Err:". */
static void test_arm64(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	static const char text[] =
	    "          CPU0       CPU1\n"
	    " 10: 3287008667 3310445093     GICv3  27 Level     arch_timer\n"
	    " 17:          0          0     GICv3  48 Edge      ACPI:Ged\n"
	    " 50:          0          0  ARMH0061:00   3 Edge      ACPI:Event\n"
	    " 52:          0          9   ITS-MSI 507904 Edge      nvme1q0\n"
	    " 58:          0          0   ITS-MSI 81921 Edge      eth0-Tx-Rx-0\n"
	    " 70:          0          0     GICv3  30 Level -fasteoi  pmu\n"
	    " 71:          0          0     GICv3  31\n"
	    "IPI0:2768808080 2844211768       Rescheduling interrupts\n"
	    "IPI3:         0          0       CPU stop (for crash dump) interrupts\n"
	    "Err:          0\n"
	    "                                                      \n";

	CHECK_OK(hk_parse_interrupts(S(text), NULL, NULL, &t));
	if (!t)
		return;
	const hk_irq *i = hk_irq_table_find(t, 10);
	CHECK(streq(hk_irq_chip(i), "GICv3"));
	CHECK_EQ_S64(hk_irq_hwirq(i), 27);
	CHECK(streq(hk_irq_trigger(i), "Level"));
	CHECK(hk_irq_flow(i) == NULL);
	CHECK(streq(hk_irq_name(i), "arch_timer"));
	CHECK_EQ_U64(hk_irq_count(i, 1), 3310445093ull);
	i = hk_irq_table_find(t, 50);
	CHECK(streq(hk_irq_chip(i), "ARMH0061:00"));
	CHECK_EQ_S64(hk_irq_hwirq(i), 3);
	CHECK(streq(hk_irq_trigger(i), "Edge"));
	CHECK(streq(hk_irq_name(i), "ACPI:Event"));
	i = hk_irq_table_find(t, 52);
	CHECK_EQ_S64(hk_irq_hwirq(i), 507904);
	i = hk_irq_table_find(t, 70);
	CHECK(streq(hk_irq_trigger(i), "Level"));
	CHECK(streq(hk_irq_flow(i), "fasteoi"));
	CHECK(streq(hk_irq_name(i), "pmu"));
	i = hk_irq_table_find(t, 71);
	CHECK_EQ_S64(hk_irq_hwirq(i), 31);
	CHECK(streq(hk_irq_name(i), ""));
	CHECK_EQ_U64(hk_irq_n_actions(i), 0);

	CHECK_EQ_U64(hk_irq_table_n_other(t), 3);
	const hk_irq *o = hk_irq_table_other(t, 0);
	CHECK(streq(hk_irq_label(o), "IPI0"));
	CHECK_EQ_U64(hk_irq_count(o, 0), 2768808080ull);
	CHECK(streq(hk_irq_name(o), "Rescheduling interrupts"));
	CHECK(streq(hk_irq_name(hk_irq_table_other(t, 1)), "CPU stop (for crash dump) interrupts"));
	o = hk_irq_table_other(t, 2);
	CHECK(streq(hk_irq_label(o), "Err"));
	CHECK(hk_irq_is_single(o));
}

/* Offline CPUs: the header names the columns; a blank line between rows (procfs's fixture). */
static void test_header_and_blank(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	static const char text[] =
	    "           CPU0       CPU2       CPU3\n"
	    "  0:         49          1          2   IO-APIC   2-edge      timer\n"
	    " 20:          0          0          0   IO-APIC    -edge      x\n"
	    "ERR:          0\n"
	    "MIS:          0\n"
	    "\n"
	    "PIN:          0          0          7   Posted-interrupt\n";

	CHECK_OK(hk_parse_interrupts(S(text), NULL, NULL, &t));
	if (!t)
		return;
	CHECK_EQ_U64(hk_irq_table_n_columns(t), 3);
	CHECK_EQ_S64(hk_irq_table_column_cpu(t, 0), 0);
	CHECK_EQ_S64(hk_irq_table_column_cpu(t, 1), 2);
	CHECK_EQ_S64(hk_irq_table_column_cpu(t, 2), 3);
	const hk_irq *i = hk_irq_table_find(t, 0);
	CHECK_EQ_U64(hk_irq_count(i, 1), 1);
	CHECK_EQ_U64(hk_irq_count(i, 2), 2);
	/* No domain: blanks where the hwirq would be, then "-edge". */
	i = hk_irq_table_find(t, 20);
	CHECK(streq(hk_irq_chip(i), "IO-APIC"));
	CHECK_EQ_S64(hk_irq_hwirq(i), -ENODATA);
	CHECK(streq(hk_irq_flow(i), "edge"));
	CHECK(streq(hk_irq_name(i), "x"));
	CHECK_EQ_U64(hk_irq_table_n_other(t), 3);
	CHECK_EQ_U64(hk_irq_count(hk_irq_table_other(t, 2), 2), 7);
}

/* A machine of 1024 CPUs, every column 10 digits wide or more. */
static void test_wide(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	hk_strbuf sb = HK_STRBUF_INIT;

	hk_strbuf_puts(&sb, "     ");
	for (unsigned c = 0; c < 1024; c++)
		hk_strbuf_printf(&sb, " CPU%-7u", c);
	hk_strbuf_puts(&sb, "\n  5:");
	for (unsigned c = 0; c < 1024; c++)
		hk_strbuf_printf(&sb, " %10u", c * 1000003u);
	hk_strbuf_puts(&sb, "  IR-PCI-MSIX-0000:3b:00.0 1-edge      ice-eth0-TxRx-0\nLOC:");
	for (unsigned c = 0; c < 1024; c++)
		hk_strbuf_printf(&sb, " %10u", 4000000000u);
	hk_strbuf_puts(&sb, "   Local timer interrupts\n");
	CHECK_OK(hk_strbuf_error(&sb));
	CHECK_OK(hk_parse_interrupts(sb.buf, sb.len, NULL, NULL, &t));
	if (t) {
		CHECK_EQ_U64(hk_irq_table_n_columns(t), 1024);
		const hk_irq *i = hk_irq_table_find(t, 5);
		CHECK_EQ_U64(hk_irq_count(i, 1023), 1023ull * 1000003u);
		CHECK(streq(hk_irq_chip(i), "IR-PCI-MSIX-0000:3b:00.0"));
		CHECK_EQ_U64(hk_irq_total(hk_irq_table_other(t, 0)), 1024ull * 4000000000u);
	}
	hk_strbuf_done(&sb);
}

static void check_bad_len(const char *text, size_t len, unsigned line, const char *needle)
{
	hk_irq_table *t = NULL;
	hk_diag d;

	hk_diag_clear(&d);
	CHECK_ERR(hk_parse_interrupts(text, len, "proc/interrupts", &d, &t), -EINVAL);
	CHECK(t == NULL);
	CHECK_EQ_U64(d.line, line);
	if (!strstr(d.message, needle)) {
		fprintf(stderr, "diag '%s' lacks '%s'\n", d.message, needle);
		test_failures++;
	}
	hk_irq_table_free(t);
}

static void check_bad(const char *text, unsigned line, const char *needle)
{
	check_bad_len(text, strlen(text), line, needle);
}

static void test_malformed(void)
{
	check_bad("", 0, "no CPU header");
	check_bad("\n\n", 0, "no CPU header");
	check_bad("  0:  1  2  IO-APIC 2-edge timer\n", 1, "CPU header column");
	check_bad("  CPU0 CPU0\n", 1, "twice");
	check_bad("  CPU0 CPU1\n  0: 5 IO-APIC 2-edge timer\n", 2, "fewer counts");
	check_bad("  CPU0 CPU1\n  0 5 6 IO-APIC 2-edge timer\n", 2, "no label");
	check_bad("  CPU0 CPU1\n  : 5 6\n", 2, "bad label");
	check_bad("  CPU0 CPU1\nLOC: Local timer\n", 2, "without a count");
	check_bad("  CPU0 CPU1\n  0: 99999999999999999999 1 IO-APIC\n", 2, "out of range");
	check_bad_len(S("  CPU0 CPU1\n  0: 1 1 IO-\0APIC\n"), 2, "NUL");
	check_bad("  CPU0 CPU1\n  99999999999: 1 1 IO-APIC\n", 2, "IRQ number");
}

/* Real names per driver: queue and kind. */
static void check_name(const char *driver, const char *ifname, const char *pci, const char *virtio,
		       const char *name, int queue, hk_irq_kind kind)
{
	hk_irq_ident id = {.ifname = ifname, .driver = driver, .pci = pci, .virtio = virtio};
	int q = -7;
	hk_irq_kind k = _HK_IRQ_KIND_MAX;
	const char *fam = NULL;

	bool ok = hk_irq_name_classify(&id, name, &q, &k, &fam);
	if (!ok || q != queue || k != kind) {
		fprintf(stderr, "%s %s: got %s queue %d kind %s, expected queue %d kind %s\n",
			driver ? driver : "(any)", name, ok ? "match" : "no match", q,
			ok ? hk_irq_kind_name(k) : "-", queue, hk_irq_kind_name(kind));
		test_failures++;
	}
}

static void check_no_name(const char *driver, const char *ifname, const char *pci,
			  const char *virtio, const char *name)
{
	hk_irq_ident id = {.ifname = ifname, .driver = driver, .pci = pci, .virtio = virtio};
	int q;
	hk_irq_kind k;
	const char *fam;

	if (hk_irq_name_classify(&id, name, &q, &k, &fam)) {
		fprintf(stderr, "%s %s: matched, expected no match\n", driver ? driver : "-", name);
		test_failures++;
	}
}

static void test_names(void)
{
	const char *pci = "0000:3b:00.0";

	check_name("virtio_net", "eth0", "0000:00:03.0", "virtio2", "virtio2-input.0", 0,
		   HK_IRQ_KIND_RX);
	check_name("virtio_net", "eth0", NULL, "virtio2", "virtio2-output.15", 15, HK_IRQ_KIND_TX);
	check_name("virtio_net", "eth0", NULL, "virtio2", "virtio2-config", -1, HK_IRQ_KIND_OTHER);
	check_name("virtio_net", "eth0", NULL, "virtio2", "virtio2-control", -1, HK_IRQ_KIND_OTHER);
	check_name("virtio_net", "eth0", NULL, "virtio2", "virtio2-virtqueues", -1,
		   HK_IRQ_KIND_OTHER);
	check_no_name("virtio_net", "eth0", NULL, "virtio2", "virtio3-input.0");
	check_no_name("virtio_net", "eth0", NULL, "virtio2", "virtio2-input.");
	check_no_name("virtio_net", "eth0", NULL, "virtio2", "virtio21-input.0");

	check_name("igb", "eth0", pci, NULL, "eth0-TxRx-3", 3, HK_IRQ_KIND_TXRX);
	check_name("igb", "eth0", pci, NULL, "eth0-rx-1", 1, HK_IRQ_KIND_RX);
	check_name("igb", "eth0", pci, NULL, "eth0-tx-1", 1, HK_IRQ_KIND_TX);
	check_name("igb", "eth0", pci, NULL, "eth0", -1, HK_IRQ_KIND_OTHER);
	check_name("ixgbe", "enp59s0f0", pci, NULL, "enp59s0f0-TxRx-63", 63, HK_IRQ_KIND_TXRX);
	check_name("igc", "eth1", pci, NULL, "eth1-TxRx-0", 0, HK_IRQ_KIND_TXRX);
	check_name("e1000e", "eth1", pci, NULL, "eth1-rx-0", 0, HK_IRQ_KIND_RX);
	check_no_name("igb", "eth0", pci, NULL, "eth01-TxRx-3");
	check_no_name("igb", "eth0", pci, NULL, "eth0-TxRx-");

	check_name("i40e", "ens1f0", pci, NULL, "i40e-ens1f0-TxRx-7", 7, HK_IRQ_KIND_TXRX);
	check_name("i40e", "ens1f0", pci, NULL, "i40e-0000:3b:00.0:misc", -1, HK_IRQ_KIND_OTHER);
	check_no_name("i40e", "ens1f0", pci, NULL, "i40e-0000:3b:00.1:misc");
	check_name("ice", "ens2f0", pci, NULL, "ice-ens2f0-TxRx-12", 12, HK_IRQ_KIND_TXRX);
	check_name("ice", "ens2f0", pci, NULL, "ice-0000:3b:00.0:misc", -1, HK_IRQ_KIND_OTHER);

	check_name("mlx5_core", "ens3f0np0", pci, NULL, "mlx5_comp5@pci:0000:3b:00.0", 5,
		   HK_IRQ_KIND_TXRX);
	check_name("mlx5_core", "ens3f0np0", pci, NULL, "mlx5_async0@pci:0000:3b:00.0", -1,
		   HK_IRQ_KIND_OTHER);
	check_name("mlx5_core", "ens3f0np0", pci, NULL, "mlx5_pages_eq@pci:0000:3b:00.0", -1,
		   HK_IRQ_KIND_OTHER);
	check_no_name("mlx5_core", "ens3f0np0", pci, NULL, "mlx5_comp5@pci:0000:3b:00.1");
	check_name("mlx4_en", "eth2", "0000:04:00.0", NULL, "mlx4-3@0000:04:00.0", 3,
		   HK_IRQ_KIND_BLOCK);
	check_name("mlx4_en", "eth2", "0000:04:00.0", NULL, "mlx4-async@pci:0000:04:00.0", -1,
		   HK_IRQ_KIND_OTHER);

	check_name("ena", "eth0", "0000:00:05.0", NULL, "eth0-Tx-Rx-7", 7, HK_IRQ_KIND_TXRX);
	check_name("ena", "eth0", "0000:00:05.0", NULL, "ena-mgmnt@pci:0000:00:05.0", -1,
		   HK_IRQ_KIND_OTHER);
	check_name("bnxt_en", "eno1np0", pci, NULL, "eno1np0-TxRx-2", 2, HK_IRQ_KIND_TXRX);
	check_name("bnxt_en", "eno1np0", pci, NULL, "eno1np0-rx-2", 2, HK_IRQ_KIND_RX);
	check_name("gve", "ens4", "0000:00:04.0", NULL, "gve-ntfy-blk9@pci:0000:00:04.0", 9,
		   HK_IRQ_KIND_BLOCK);
	check_name("gve", "ens4", "0000:00:04.0", NULL, "gve-mgmnt@pci:0000:00:04.0", -1,
		   HK_IRQ_KIND_OTHER);
	check_name("gve", "ens4", "0000:00:04.0", NULL, "ens4-ntfy-block.3", 3, HK_IRQ_KIND_BLOCK);
	check_name("vmxnet3", "ens192", pci, NULL, "ens192-rxtx-4", 4, HK_IRQ_KIND_TXRX);
	check_name("vmxnet3", "ens192", pci, NULL, "ens192-event-5", -1, HK_IRQ_KIND_OTHER);
	check_name("vmxnet3", "ens192", pci, NULL, "ens192", -1, HK_IRQ_KIND_OTHER);
	check_name("mana", "enP30832s1", "7870:00:00.0", NULL, "mana_q3@pci:7870:00:00.0", 3,
		   HK_IRQ_KIND_TXRX);
	check_name("mana", "enP30832s1", "7870:00:00.0", NULL, "mana_hwc@pci:7870:00:00.0", -1,
		   HK_IRQ_KIND_OTHER);
	check_no_name("hv_netvsc", "eth0", NULL, NULL, "eth0");
	check_name("qede", "ens5f0", pci, NULL, "ens5f0-fp-1", 1, HK_IRQ_KIND_TXRX);
	/* An unknown driver tries every family. */
	check_name(NULL, "eth9", pci, NULL, "eth9-TxRx-4", 4, HK_IRQ_KIND_TXRX);
	check_name("nfp", "eth9", pci, NULL, "eth9-rxtx-4", 4, HK_IRQ_KIND_TXRX);

	/* Picking by name needs a pattern naming the device; a known member may match loosely. */
	hk_irq_ident loose = {.ifname = "eth0", .driver = "virtio_net", .loose = true};
	int q;
	hk_irq_kind k;
	const char *fam;
	CHECK(hk_irq_name_classify(&loose, "virtio7-input.2", &q, &k, &fam));
	CHECK_EQ_S64(q, 2);
	CHECK(streq(fam, "virtio"));
	loose.driver = "gve";
	CHECK(hk_irq_name_classify(&loose, "gve-ntfy-blk1@pci:0000:00:04.0", &q, &k, &fam));
	CHECK_EQ_S64(q, 1);

	/* Every family's patterns are well formed: each placeholder is known. */
	for (size_t f = 0; f < hk_irq_n_families; f++)
		for (size_t p = 0; p < hk_irq_families[f].n_patterns; p++) {
			const char *s = hk_irq_families[f].patterns[p].pattern;
			for (const char *b = strchr(s, '{'); b; b = strchr(b + 1, '{')) {
				bool known = !strncmp(b, "{if}", 4) || !strncmp(b, "{pci}", 5) ||
					     !strncmp(b, "{virtio}", 8) || !strncmp(b, "{q}", 3) ||
					     !strncmp(b, "{n}", 3) || !strncmp(b, "{w}", 3);
				if (!known) {
					fprintf(stderr, "bad placeholder in %s\n", s);
					test_failures++;
				}
			}
		}
	CHECK(hk_irq_family_of("ixgbe") != NULL);
	CHECK(hk_irq_family_of("nosuchdriver") == NULL);
	CHECK(hk_irq_family_of(NULL) == NULL);
}

static void test_map(void)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	static const char text[] =
	    "           CPU0       CPU1\n"
	    " 37:          0          0 PCI-MSIX-0000:00:03.0   0-edge      virtio2-config\n"
	    " 38:          0        608 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n"
	    " 39:        318          0 PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0\n"
	    " 40:          0          0 PCI-MSIX-0000:00:04.0   0-edge      virtio3-config\n"
	    " 50:          1          0 IR-PCI-MSI 1-edge      eth1\n"
	    " 51:          1          0 IR-PCI-MSI 2-edge      eth1-TxRx-0\n"
	    " 52:          1          0 IR-PCI-MSI 3-edge      eth1-TxRx-1\n"
	    " 53:          1          0 IR-PCI-MSI 4-edge      eth10-TxRx-0\n";
	_cleanup_(hk_irq_map_freep) hk_irq_map *m = NULL;

	CHECK_OK(hk_parse_interrupts(S(text), NULL, NULL, &t));
	if (!t)
		return;
	/* msi_irqs given, in any order: those, classified. */
	unsigned msi[] = {39, 37, 38, 99};
	CHECK_OK(hk_irq_map_device(t, "eth0", "virtio_net", "0000:00:03.0", "virtio2", msi, 4, &m));
	if (m) {
		CHECK_EQ_U64(hk_irq_map_count(m), 4);
		CHECK_EQ_U64(hk_irq_map_number(m, 0), 37);
		CHECK_EQ_U64(hk_irq_map_kind(m, 0), HK_IRQ_KIND_OTHER);
		CHECK_EQ_U64(hk_irq_map_number(m, 1), 38);
		CHECK_EQ_S64(hk_irq_map_queue(m, 1), 0);
		CHECK_EQ_U64(hk_irq_map_kind(m, 1), HK_IRQ_KIND_RX);
		CHECK(streq(hk_irq_map_name(m, 1), "virtio2-input.0"));
		CHECK(streq(hk_irq_map_family(m, 1), "virtio"));
		CHECK(hk_irq_map_irq(m, 1) == hk_irq_table_find(t, 38));
		CHECK_EQ_U64(hk_irq_map_kind(m, 2), HK_IRQ_KIND_TX);
		/* In msi_irqs but not in /proc/interrupts. */
		CHECK_EQ_U64(hk_irq_map_number(m, 3), 99);
		CHECK_EQ_U64(hk_irq_map_kind(m, 3), HK_IRQ_KIND_UNKNOWN);
		CHECK(hk_irq_map_irq(m, 3) == NULL);
		CHECK_EQ_S64(hk_irq_map_queue(m, 3), -1);
	}
	hk_irq_map_free(TAKE_PTR(m));

	/* msi_irqs listing an IRQ twice gives it once. */
	unsigned twice[] = {38, 38, 37};
	CHECK_OK(hk_irq_map_device(t, "eth0", "virtio_net", NULL, NULL, twice, 3, &m));
	if (m) {
		CHECK_EQ_U64(hk_irq_map_count(m), 2);
		CHECK_EQ_U64(hk_irq_map_kind(m, 1), HK_IRQ_KIND_RX);
	}
	hk_irq_map_free(TAKE_PTR(m));

	/* Without msi_irqs: by name, and by the chip naming the PCI function. */
	CHECK_OK(hk_irq_map_device(t, "eth0", "virtio_net", "0000:00:03.0", NULL, NULL, 0, &m));
	if (m) {
		CHECK_EQ_U64(hk_irq_map_count(m), 3);
		CHECK_EQ_S64(hk_irq_map_queue(m, 1), 0);
		CHECK_EQ_U64(hk_irq_map_kind(m, 2), HK_IRQ_KIND_TX);
	}
	hk_irq_map_free(TAKE_PTR(m));
	CHECK_OK(hk_irq_map_device(t, "eth0", "virtio_net", NULL, "virtio2", NULL, 0, &m));
	CHECK_EQ_U64(m ? hk_irq_map_count(m) : 0, 3);
	hk_irq_map_free(TAKE_PTR(m));

	CHECK_OK(hk_irq_map_device(t, "eth1", "igb", NULL, NULL, NULL, 0, &m));
	if (m) {
		CHECK_EQ_U64(hk_irq_map_count(m), 3);
		CHECK_EQ_U64(hk_irq_map_kind(m, 0), HK_IRQ_KIND_OTHER);
		CHECK_EQ_S64(hk_irq_map_queue(m, 2), 1);
	}
	hk_irq_map_free(TAKE_PTR(m));

	/* Unknown driver: every family, still only this device's names. */
	CHECK_OK(hk_irq_map_device(t, "eth1", NULL, NULL, NULL, NULL, 0, &m));
	CHECK_EQ_U64(m ? hk_irq_map_count(m) : 0, 3);
	hk_irq_map_free(TAKE_PTR(m));

	CHECK_ERR(hk_irq_map_device(t, "", NULL, NULL, NULL, NULL, 0, &m), -EINVAL);
	CHECK_ERR(hk_irq_map_device(t, "eth1", NULL, NULL, NULL, NULL, 2, &m), -EINVAL);
	CHECK(streq(hk_irq_kind_name(HK_IRQ_KIND_TXRX), "txrx"));
	CHECK(hk_irq_kind_name(_HK_IRQ_KIND_MAX) == NULL);
}

/* ---- the loader on a scratch tree ---- */

static char tree[PATH_MAX];

static void put(const char *rel, const char *content, size_t len)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	/* mkdir -p of the parent */
	for (char *s = strchr(path + strlen(tree) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, content, len) == (ssize_t)len);
	close(fd);
}

#define PUT(rel, lit) put(rel, lit, sizeof(lit) - 1)

/* The problem of @t that names @file, or NULL. */
static const char *find_problem(const hk_irq_table *t, const char *file)
{
	for (size_t i = 0; i < hk_irq_table_n_problems(t); i++)
		if (strstr(hk_irq_table_problem(t, i), file))
			return hk_irq_table_problem(t, i);
	return NULL;
}

/*
 * test_load()'s tree with a malformed proc/irq/38/smp_affinity, node and
 * default_smp_affinity: the table loads, each item is -EBADMSG with a
 * message naming the file and the text, the other items and IRQs are read.
 */
static void test_load_malformed(hk_root *root)
{
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	const hk_cpuset *set;
	const char *msg;
	hk_diag d;
	int node;

	PUT("proc/irq/38/smp_affinity", "zz\n");
	PUT("proc/irq/38/node", "x\n");
	PUT("proc/irq/default_smp_affinity", "garbage\n");
	hk_diag_clear(&d);
	if (CHECK_OK(hk_irq_table_load(root, 0, &d, &t)) < 0) {
		fprintf(stderr, "diag: %s\n", d.message);
		return;
	}
	CHECK_EQ_U64(hk_irq_table_n_problems(t), 3);
	const hk_irq *i = hk_irq_table_find(t, 38);
	CHECK_ERR(hk_irq_get_set(i, HK_IRQ_SMP_AFFINITY, &set), -EBADMSG);
	msg = find_problem(t, "proc/irq/38/smp_affinity");
	CHECK(msg && strstr(msg, "'zz'"));
	CHECK_ERR(hk_irq_get_node(i, &node), -EBADMSG);
	msg = find_problem(t, "proc/irq/38/node");
	CHECK(msg && strstr(msg, "'x'"));
	/* The IRQ's other files are read: the list says the affinity. */
	CHECK_OK(hk_irq_get_set(i, HK_IRQ_SMP_AFFINITY_LIST, &set));
	CHECK(streq(list_of(hk_irq_affinity(i)), "0-3"));
	CHECK(streq(list_of(hk_irq_effective_affinity(i)), "1"));
	/* The other IRQs are whole. */
	i = hk_irq_table_find(t, 39);
	CHECK(streq(list_of(hk_irq_affinity(i)), "0-1"));
	CHECK_OK(hk_irq_get_node(i, &node));
	CHECK_EQ_S64(node, 1);
	CHECK(hk_irq_table_default_affinity(t) == NULL);
	CHECK_EQ_S64(hk_irq_table_default_affinity_status(t), -EBADMSG);
	msg = find_problem(t, "proc/irq/default_smp_affinity");
	CHECK(msg && strstr(msg, "'garbage'"));
	CHECK(hk_irq_table_problem(t, 3) == NULL);
	if (test_failures)
		for (size_t k = 0; k < hk_irq_table_n_problems(t); k++)
			fprintf(stderr, "problem %zu: %s\n", k, hk_irq_table_problem(t, k));
	hk_irq_table_free(TAKE_PTR(t));

	/* Lazily: the IRQ loaded later adds its problems; 39 adds none. */
	CHECK_OK(hk_irq_table_load(root, HK_IRQ_LOAD_LAZY | HK_IRQ_LOAD_NO_IRQBALANCE, &d, &t));
	if (!t)
		return;
	CHECK_EQ_U64(hk_irq_table_n_problems(t), 1); /* default_smp_affinity */
	CHECK_OK(hk_irq_table_load_irq(t, root, 39, &d));
	CHECK_EQ_U64(hk_irq_table_n_problems(t), 1);
	CHECK_OK(hk_irq_table_load_irq(t, root, 38, &d));
	CHECK_EQ_U64(hk_irq_table_n_problems(t), 3);
	CHECK_ERR(hk_irq_get_set(hk_irq_table_find(t, 38), HK_IRQ_SMP_AFFINITY, &set), -EBADMSG);
	/* Loaded once: asking again adds nothing. */
	CHECK_OK(hk_irq_table_load_irq(t, root, 38, &d));
	CHECK_EQ_U64(hk_irq_table_n_problems(t), 3);

	/* The tool: exit 0, "malformed" under the IRQ's errors, the messages under "problems". */
	if (getenv("HK_TOOL")) {
		char *argv[] = {getenv("HK_TOOL"), "--root", tree, "--json",
				"inspect",	   "irq",    NULL};
		_cleanup_free_ char *out = NULL;
		size_t len;
		int status = -1;
		CHECK_OK(harness_run(argv, &out, &len, &status));
		CHECK_EQ_S64(status, 0);
		CHECK(out && strstr(out, "\"problems\": [\n"));
		CHECK(out && strstr(out, "in proc/irq/38/smp_affinity\""));
		CHECK(out && strstr(out, "\"smp_affinity\": \"malformed\""));
		CHECK(out && strstr(out, "\"node\": \"malformed\""));
		CHECK(out && strstr(out, "\"default_affinity\": null"));
		if (test_failures && out)
			fprintf(stderr, "%s\n", out);
	}

	PUT("proc/irq/38/smp_affinity", "f\n");
	PUT("proc/irq/38/node", "0\n");
	PUT("proc/irq/default_smp_affinity", "f\n");
}

static void test_load(void)
{
	_cleanup_(hk_root_freep) hk_root *root = NULL;
	_cleanup_(hk_irq_table_freep) hk_irq_table *t = NULL;
	const hk_cpuset *set;
	const char *const *names;
	hk_diag d;
	int node;

	CHECK_OK(harness_mkdtemp("hk-irq-XXXXXX", tree, sizeof(tree)));
	CHECK_OK(harness_remove_at_exit(tree));
	PUT("sys/.keep", "");
	PUT("proc/interrupts", "           CPU0       CPU1       CPU2       CPU3\n"
			       " 38:  0  608  0  0 PCI-MSIX-0000:00:03.0   1-edge      "
			       "virtio2-input.0\n"
			       " 39:  318  0  0  0 PCI-MSIX-0000:00:03.0   2-edge      "
			       "virtio2-output.0\n"
			       " 40:  1  0  0  0 IO-APIC   9-fasteoi   acpi\n"
			       "ERR:          0\n");
	PUT("proc/irq/38/smp_affinity", "f\n");
	PUT("proc/irq/38/smp_affinity_list", "0-3\n");
	PUT("proc/irq/38/effective_affinity", "2\n");
	PUT("proc/irq/38/effective_affinity_list", "1\n");
	PUT("proc/irq/38/affinity_hint", "00000000\n");
	PUT("proc/irq/38/node", "-1\n");
	PUT("proc/irq/38/spurious", "count 1\n");
	PUT("proc/irq/38/virtio2-input.0/.keep", "");
	/* 39: an old kernel's (no effective_affinity*), node 1, mask of several words. */
	PUT("proc/irq/39/smp_affinity", "00000000,00000003\n");
	PUT("proc/irq/39/node", "1\n");
	PUT("proc/irq/default_smp_affinity", "f\n");
	/* 40: no proc/irq/40 at all. Processes: irqbalance with a banned list. */
	PUT("proc/1/comm", "systemd\n");
	PUT("proc/812/comm", "irqbalance\n");
	put("proc/812/environ", "PATH=/bin\0IRQBALANCE_BANNED_CPULIST=2-3\0", 39);
	PUT("proc/self/comm", "irqbalance\n"); /* not a pid: ignored */

	CHECK_OK(hk_root_open(tree, 0, NULL, &root));
	if (!root)
		return;
	CHECK_OK(hk_irq_table_load(root, 0, &d, &t));
	if (!t)
		return;
	const hk_irq *i = hk_irq_table_find(t, 38);
	CHECK(streq(list_of(hk_irq_affinity(i)), "0-3"));
	CHECK(streq(list_of(hk_irq_effective_affinity(i)), "1"));
	CHECK_OK(hk_irq_get_set(i, HK_IRQ_EFFECTIVE_AFFINITY, &set));
	CHECK(streq(list_of(set), "1"));
	CHECK_OK(hk_irq_get_set(i, HK_IRQ_AFFINITY_HINT, &set));
	CHECK(set && hk_cpuset_is_empty(set));
	CHECK_OK(hk_irq_get_node(i, &node));
	CHECK_EQ_S64(node, -1);
	CHECK_EQ_S64(hk_irq_get_dir_actions(i, &names), 1);
	CHECK(streq(names[0], "virtio2-input.0"));

	i = hk_irq_table_find(t, 39);
	CHECK_ERR(hk_irq_get_set(i, HK_IRQ_EFFECTIVE_AFFINITY_LIST, &set), -ENOENT);
	CHECK_ERR(hk_irq_get_set(i, HK_IRQ_SMP_AFFINITY_LIST, &set), -ENOENT);
	CHECK(streq(list_of(hk_irq_affinity(i)), "0-1")); /* from the mask */
	CHECK(hk_irq_effective_affinity(i) == NULL);
	CHECK_OK(hk_irq_get_node(i, &node));
	CHECK_EQ_S64(node, 1);
	CHECK_EQ_S64(hk_irq_get_dir_actions(i, &names), 0);

	i = hk_irq_table_find(t, 40);
	CHECK_ERR(hk_irq_get_set(i, HK_IRQ_SMP_AFFINITY, &set), -ENOENT);
	CHECK_ERR(hk_irq_get_node(i, &node), -ENOENT);
	CHECK_ERR(hk_irq_get_dir_actions(i, &names), -ENOENT);

	CHECK(streq(list_of(hk_irq_table_default_affinity(t)), "0-3"));
	CHECK_EQ_S64(hk_irq_table_default_affinity_status(t), 0);
	CHECK_EQ_S64(hk_irq_table_irqbalance(t), 1);
	CHECK_EQ_S64(hk_irq_table_irqbalance_pid(t), 812);
	CHECK_OK(hk_irq_table_irqbalance_banned(t, &set));
	CHECK(streq(list_of(set), "2-3"));
	hk_irq_table_free(TAKE_PTR(t));

	/* Lazy: nothing from proc/irq/N until asked; irqbalance skipped. */
	CHECK_OK(hk_irq_table_load(root, HK_IRQ_LOAD_LAZY | HK_IRQ_LOAD_NO_IRQBALANCE, &d, &t));
	if (t) {
		i = hk_irq_table_find(t, 38);
		CHECK(hk_irq_affinity(i) == NULL);
		CHECK_ERR(hk_irq_get_node(i, &node), -ENODATA);
		CHECK_OK(hk_irq_table_load_irq(t, root, 38, &d));
		CHECK(streq(list_of(hk_irq_affinity(i)), "0-3"));
		CHECK_ERR(hk_irq_table_load_irq(t, root, 1000, &d), -ENOENT);
		CHECK_EQ_S64(hk_irq_table_irqbalance(t), -ENODATA);
		CHECK_ERR(hk_irq_table_irqbalance_banned(t, &set), -ENODATA);
	}
	hk_irq_table_free(TAKE_PTR(t));
	CHECK_ERR(hk_irq_table_load(root, 0x80, &d, &t), -EINVAL);

	/* The old mask form of the banned CPUs; an irqbalance without one. */
	put("proc/812/environ", "IRQBALANCE_BANNED_CPUS=00000000,00000004\0", 41);
	CHECK_OK(hk_irq_table_load(root, 0, &d, &t));
	if (t) {
		CHECK_OK(hk_irq_table_irqbalance_banned(t, &set));
		CHECK(streq(list_of(set), "2"));
	}
	hk_irq_table_free(TAKE_PTR(t));
	put("proc/812/environ", "PATH=/bin\0", 10);
	CHECK_OK(hk_irq_table_load(root, 0, &d, &t));
	if (t)
		CHECK_ERR(hk_irq_table_irqbalance_banned(t, &set), -ENODATA);
	hk_irq_table_free(TAKE_PTR(t));

	/* Nothing malformed, no problem. */
	CHECK_OK(hk_irq_table_load(root, 0, &d, &t));
	if (t) {
		CHECK_EQ_U64(hk_irq_table_n_problems(t), 0);
		CHECK(hk_irq_table_problem(t, 0) == NULL);
	}
	hk_irq_table_free(TAKE_PTR(t));

	test_load_malformed(root);

	/* A malformed proc/interrupts names its line. */
	PUT("proc/interrupts", "  CPU0\n  0: x\n");
	hk_diag_clear(&d);
	CHECK_ERR(hk_irq_table_load(root, 0, &d, &t), -EINVAL);
	CHECK_EQ_U64(d.line, 2);
	/* No proc/interrupts at all. */
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/proc/interrupts", tree);
	unlink(path);
	CHECK_ERR(hk_irq_table_load(root, 0, &d, &t), -ENOENT);
	CHECK(t == NULL);
}

int main(void)
{
	test_x86_new();
	test_x86_old();
	test_arm64();
	test_header_and_blank();
	test_wide();
	test_malformed();
	test_names();
	test_map();
	test_load();
	TEST_DONE();
}
