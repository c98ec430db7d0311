/*
 * The DSDT of the pc machine, as AML generated in C (see acpi-build.c for
 * why not ASL). The namespace, modelled on QEMU's pc DSDT:
 *
 *   \_SB.PCI0            PCI root bridge (PNP0A03): bus 0, its windows,
 *                        and _PRT for all 32 slots and 4 pins
 *   \_SB.PCI0.ISA        the PIIX3 ISA bridge (00:01.0); its PCI config
 *                        bytes 0x60-0x63 are the PIRQA-D route registers
 *                        (bits 0-3: IRQ, bit 7: disabled), fields PRQ0-3
 *     KBD, MOU           i8042 keyboard (PNP0303) and mouse (PNP0F13)
 *     COM1, COM2         16550 UARTs (PNP0501), COM2 only if present
 *     RTC                MC146818 (PNP0B00)
 *     HPET               the HPET (PNP0103), if present
 *   \_SB.LNKA-LNKD       PCI interrupt links (PNP0C0F) over PRQ0-3:
 *                        _STA/_PRS/_CRS/_SRS/_DIS
 *   \_S5                 soft-off: SLP_TYP ACPI_S5_SLP_TYP for PM1a/b
 */
#include "hw/acpi/acpi.h"

#include <stdio.h>

#include "system/util.h"

#define PRQ_PATH "\\_SB.PCI0.ISA.PRQ"

static Aml *dsdt_isa_device(const char *name, const char *hid, int uid,
                            Aml *crs)
{
    Aml *dev = aml_device(name);

    aml_append(dev, aml_name_decl("_HID", aml_eisaid(hid)));
    if (uid >= 0) {
        aml_append(dev, aml_name_decl("_UID", aml_int((uint64_t)uid)));
    }
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *dsdt_uart(const char *name, int uid, uint16_t base, int irq)
{
    Aml *crs = aml_resource_template();

    aml_res_io(crs, base, 8);
    aml_res_irq_noflags(crs, (uint16_t)(1u << irq));
    return dsdt_isa_device(name, "PNP0501", uid, crs);
}

static void dsdt_isa_devices(Aml *isa, const AcpiConfig *cfg)
{
    Aml *crs = aml_resource_template();

    aml_res_io(crs, 0x60, 1);
    aml_res_io(crs, 0x64, 1);
    aml_res_irq_noflags(crs, 1u << 1);
    aml_append(isa, dsdt_isa_device("KBD", "PNP0303", -1, crs));
    crs = aml_resource_template();
    aml_res_irq_noflags(crs, 1u << 12);
    aml_append(isa, dsdt_isa_device("MOU", "PNP0F13", -1, crs));
    if (cfg->com1) {
        aml_append(isa, dsdt_uart("COM1", 1, 0x3f8, 4));
    }
    if (cfg->com2) {
        aml_append(isa, dsdt_uart("COM2", 2, 0x2f8, 3));
    }
    crs = aml_resource_template();
    aml_res_io(crs, 0x70, 2);
    aml_res_irq_noflags(crs, 1u << 8);
    aml_append(isa, dsdt_isa_device("RTC", "PNP0B00", -1, crs));
    if (cfg->hpet) {
        crs = aml_resource_template();
        aml_res_memory32_fixed(crs, (uint32_t)HPET_BASE, HPET_MMIO_SIZE,
                               false);
        aml_append(isa, dsdt_isa_device("HPET", "PNP0103", 0, crs));
    }
}

/* The ISA bridge and its PIRQ route registers. */
static Aml *dsdt_isa_bridge(const AcpiConfig *cfg)
{
    Aml *isa = aml_device("ISA");
    Aml *field;

    aml_append(isa, aml_name_decl("_ADR", aml_int(0x00010000)));
    aml_append(isa, aml_operation_region("P40C", AML_PCI_CONFIG, 0x60, 4));
    field = aml_field("P40C", AML_BYTE_ACC);
    for (int i = 0; i < 4; i++) {
        char name[5];
        snprintf(name, sizeof(name), "PRQ%d", i);
        aml_field_entry(field, name, 8);
    }
    aml_append(isa, field);
    dsdt_isa_devices(isa, cfg);
    return isa;
}

/* _PRT: Package { Package { slot << 16 | 0xffff, pin, \_SB.LNKx, 0 } }. */
static Aml *dsdt_prt(void)
{
    Aml *prt = aml_package(128);

    for (int slot = 0; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            Aml *e = aml_package(4);
            char link[16];

            snprintf(link, sizeof(link), "\\_SB.LNK%c",
                     'A' + acpi_pirq_of(slot, pin));
            aml_append(e, aml_int(((uint64_t)slot << 16) | 0xffff));
            aml_append(e, aml_int((uint64_t)pin));
            aml_append(e, aml_name(link));
            aml_append(e, aml_int(0));
            aml_append(prt, e);
        }
    }
    return prt;
}

static Aml *dsdt_pci0_crs(const AcpiConfig *cfg)
{
    Aml *crs = aml_resource_template();

    aml_res_word_bus(crs, 0, 0xff);
    aml_res_io(crs, 0xcf8, 8);
    aml_res_word_io(crs, 0x0000, 0x0cf7);
    aml_res_word_io(crs, 0x0d00, 0xffff);
    aml_res_dword_memory(crs, 0x000a0000, 0x000bffff);
    aml_res_dword_memory(crs, cfg->pci_mem_start, 0xfebfffff);
    return crs;
}

static Aml *dsdt_pci0(const AcpiConfig *cfg)
{
    Aml *pci0 = aml_device("PCI0");

    aml_append(pci0, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci0, aml_name_decl("_ADR", aml_int(0)));
    aml_append(pci0, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci0, aml_name_decl("_BBN", aml_int(0)));
    aml_append(pci0, aml_name_decl("_CRS", dsdt_pci0_crs(cfg)));
    aml_append(pci0, aml_name_decl("_PRT", dsdt_prt()));
    aml_append(pci0, dsdt_isa_bridge(cfg));
    return pci0;
}

static Aml *dsdt_pirq_prs(void)
{
    static const uint32_t irqs[] = ACPI_PIRQ_IRQS;
    Aml *rt = aml_resource_template();

    aml_res_interrupt_level_shared(rt, irqs, (int)ARRAY_SIZE(irqs));
    return rt;
}

/* IQST(reg): _STA of a link: present, and enabled unless bit 7 is set. */
static Aml *dsdt_iqst(void)
{
    Aml *m = aml_method("IQST", 1, false);
    Aml *cond = aml_if(aml_and(aml_int(0x80), aml_arg(0), NULL));

    aml_append(cond, aml_return(aml_int(0x09)));
    aml_append(m, cond);
    aml_append(m, aml_return(aml_int(0x0b)));
    return m;
}

/* IQCR(reg): _CRS of a link: the routed IRQ, or none if disabled. */
static Aml *dsdt_iqcr(void)
{
    static const uint32_t none[] = { 0 };
    Aml *m = aml_method("IQCR", 1, true);
    Aml *rt = aml_resource_template();
    Aml *cond;

    aml_res_interrupt_level_shared(rt, none, 1);
    aml_append(m, aml_name_decl("PRR0", rt));
    aml_append(m, aml_create_dword_field(aml_name("PRR0"), aml_int(5),
                                         "PRRI"));
    cond = aml_if(aml_lless(aml_arg(0), aml_int(0x80)));
    aml_append(cond, aml_store(aml_and(aml_arg(0), aml_int(0x0f), NULL),
                               aml_name("PRRI")));
    aml_append(m, cond);
    aml_append(m, aml_return(aml_name("PRR0")));
    return m;
}

static Aml *dsdt_link(int i)
{
    char name[8], reg[sizeof(PRQ_PATH) + 2];
    Aml *dev, *m;

    snprintf(name, sizeof(name), "LNK%c", 'A' + i);
    snprintf(reg, sizeof(reg), PRQ_PATH "%d", i);
    dev = aml_device(name);
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0C0F")));
    aml_append(dev, aml_name_decl("_UID", aml_int((uint64_t)i)));
    aml_append(dev, aml_name_decl("_PRS", dsdt_pirq_prs()));
    m = aml_method("_STA", 0, false);
    aml_append(m, aml_return(aml_call1("IQST", aml_name(reg))));
    aml_append(dev, m);
    m = aml_method("_DIS", 0, false);
    aml_append(m, aml_or(aml_name(reg), aml_int(0x80), aml_name(reg)));
    aml_append(dev, m);
    m = aml_method("_CRS", 0, false);
    aml_append(m, aml_return(aml_call1("IQCR", aml_name(reg))));
    aml_append(dev, m);
    m = aml_method("_SRS", 1, false);
    aml_append(m, aml_create_dword_field(aml_arg(0), aml_int(5), "PRRI"));
    aml_append(m, aml_store(aml_name("PRRI"), aml_name(reg)));
    aml_append(dev, m);
    return dev;
}

void acpi_build_dsdt_aml(const AcpiConfig *cfg, ByteBuf *out)
{
    Aml *sb = aml_scope("\\_SB");
    Aml *s5 = aml_package(4);

    aml_append(sb, dsdt_pci0(cfg));
    aml_append(sb, dsdt_iqst());
    aml_append(sb, dsdt_iqcr());
    for (int i = 0; i < 4; i++) {
        aml_append(sb, dsdt_link(i));
    }
    aml_emit(out, sb);
    for (int i = 0; i < 4; i++) {
        aml_append(s5, aml_int(i < 2 ? ACPI_S5_SLP_TYP : 0));
    }
    aml_emit(out, aml_name_decl("\\_S5", s5));
}
