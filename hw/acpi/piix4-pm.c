/*
 * The PIIX4-compatible ACPI PM function (see piix4-pm.h), after the ACPI
 * 6.x fixed hardware (section 4.8) and Intel's 82371AB (PIIX4) data
 * sheet, with QEMU's PCI identity and I/O addresses.
 *
 * The PM timer is not stepped: its count is the virtual clock times
 * 3.579545 MHz, 24 bits wide (FADT TMR_VAL_EXT clear). TMR_STS is set
 * whenever bit 23 of the count toggles; the toggle time is computed, and
 * a Timer is armed for it only while TMR_EN asks for the SCI.
 *
 * Status registers are write-one-to-clear; SLP_EN is write-only. Setting
 * SLP_EN with SLP_TYP = ACPI_S5_SLP_TYP (soft-off, as the DSDT's \_S5
 * says) ends Kite with exit status 0, as QEMU does; other sleep types are
 * not advertised and are ignored. The SCI (IRQ 9, level) is
 * SCI_EN && (PM1 status & enable || GPE0 status & enable).
 *
 * Invariants: every guest access is bounded to the register file below;
 * unknown offsets read as 0 and ignore writes.
 */
#include "hw/acpi/piix4-pm.h"

#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#define PM_SAVE_VERSION 1
#define PM1_STS_MASK (PM1_TMR | PM1_BM_STS | PM1_GBL | PM1_PWRBTN | \
                      PM1_SLPBTN | PM1_RTC | PM1_WAK_STS)
#define PM1_EN_MASK  (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)
#define PM1_CNT_BM_RLD (1u << 1)
/* What PM1_CNT keeps: GBL_RLS and SLP_EN are write-only. */
#define PM1_CNT_MASK (PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)
#define PM_TMR_HALF_NS 2345000000ll   /* > 2^23 ticks, for load checks */
/*
 * DEVACTB (config 0x58), bit 25: APMC_EN, SMI on a write to port 0xb2.
 * Kite has no SMM, so the bit reads as already set, as QEMU's PIIX4 does
 * without SMM: SeaBIOS then leaves SMM alone instead of raising an SMI
 * and waiting forever for its handler to answer on port 0xb3.
 */
#define PIIX4_PM_DEVACTB        0x58
#define PIIX4_PM_DEVACTB_APMC_EN (1u << 25)

static Machine *pm_machine(PMState *s)
{
    return s->pci.dev.machine;
}

static int64_t pm_now(PMState *s)
{
    return clock_ns(&pm_machine(s)->timers);
}

static uint64_t pm_ticks_at(int64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * ACPI_PM_TIMER_HZ / 1000000000);
}

uint32_t pm_timer_value(PMState *s)
{
    return (uint32_t)(pm_ticks_at(pm_now(s)) & ((1u << PM_TIMER_BITS) - 1));
}

/* The first virtual time after now at which bit 23 of the count toggles. */
static int64_t pm_next_toggle_ns(int64_t now)
{
    uint64_t half = 1ull << (PM_TIMER_BITS - 1);
    uint64_t next = (pm_ticks_at(now) / half + 1) * half;
    unsigned __int128 ns = (unsigned __int128)next * 1000000000;

    return (int64_t)((ns + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

/* Folds a toggle that happened into TMR_STS. */
static void pm_update_tmr_sts(PMState *s)
{
    int64_t now = pm_now(s);

    if (now >= s->tmr_overflow_ns) {
        s->pm1_sts |= PM1_TMR;
        s->tmr_overflow_ns = pm_next_toggle_ns(now);
    }
}

static void pm_drive_sci(PMState *s, bool force)
{
    bool level = (s->pm1_cnt & PM1_CNT_SCI_EN) &&
                 ((s->pm1_sts & s->pm1_en & PM1_EN_MASK) ||
                  (s->gpe_sts & s->gpe_en));

    if (s->tmr_overflow_ns && (s->pm1_en & PM1_TMR)) {
        timer_mod(&s->tmr_timer, s->tmr_overflow_ns);
    } else {
        timer_del(&s->tmr_timer);
    }
    if (force || level != s->sci_level) {
        s->sci_level = level;
        irq_set(&pm_machine(s)->gsi[ACPI_SCI_IRQ], level);
    }
}

static void pm_update_sci(PMState *s)
{
    pm_drive_sci(s, false);
}

static void pm_tmr_cb(void *opaque)
{
    PMState *s = opaque;

    pm_update_tmr_sts(s);
    pm_update_sci(s);
}

void pm_press_power_button(PMState *s)
{
    s->pm1_sts |= PM1_PWRBTN;
    pm_update_sci(s);
}

void pm_set_gpe(PMState *s, unsigned bit)
{
    if (bit < 16) {
        s->gpe_sts |= (uint16_t)(1u << bit);
        pm_update_sci(s);
    }
}

/* ---- PM1 control: sleep ---- */

static void pm_write_cnt(PMState *s, uint16_t val)
{
    unsigned typ = (val & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT;

    s->pm1_cnt = val & PM1_CNT_MASK;
    if (val & PM1_CNT_SLP_EN) {
        if (typ == ACPI_S5_SLP_TYP) {
            log_mask(&pm_machine(s)->log, LOG_INT, "acpi: S5 power off\n");
            machine_request_exit(pm_machine(s), 0);
        } else {
            log_mask(&pm_machine(s)->log, LOG_GUEST_ERROR,
                     "acpi: sleep type %u is not supported\n", typ);
        }
    }
}

/* ---- the PM block at 0x600 ---- */

static uint8_t pm_read_byte(PMState *s, unsigned off, uint32_t tmr)
{
    switch (off) {
    case 0: case 1:
        return (uint8_t)(s->pm1_sts >> (8 * off));
    case 2: case 3:
        return (uint8_t)(s->pm1_en >> (8 * (off - 2)));
    case 4: case 5:
        return (uint8_t)(s->pm1_cnt >> (8 * (off - 4)));
    case 8: case 9: case 10: case 11:
        return (uint8_t)(tmr >> (8 * (off - 8)));
    default:
        return 0;
    }
}

static uint64_t pm_io_read(void *opaque, uint64_t offset, unsigned size)
{
    PMState *s = opaque;
    uint32_t tmr = pm_timer_value(s);    /* one sample for the access */
    uint64_t v = 0;

    pm_update_tmr_sts(s);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)pm_read_byte(s, (unsigned)offset + i, tmr) << (8 * i);
    }
    return v;
}

static uint16_t pm_merge(uint16_t old, unsigned byte, uint8_t v)
{
    unsigned sh = 8 * byte;
    return (uint16_t)((old & ~(0xffu << sh)) | ((unsigned)v << sh));
}

static void pm_write_byte(PMState *s, unsigned off, uint8_t v)
{
    switch (off) {
    case 0: case 1: {
        uint16_t clear = (uint16_t)(v << (8 * off));
        pm_update_tmr_sts(s);
        s->pm1_sts &= ~clear;
        break;
    }
    case 2: case 3:
        s->pm1_en = pm_merge(s->pm1_en, off - 2, v) & PM1_EN_MASK;
        break;
    case 4: case 5:
        pm_write_cnt(s, pm_merge(s->pm1_cnt, off - 4, v));
        break;
    default:
        break;                       /* the timer is read-only */
    }
}

static void pm_io_write(void *opaque, uint64_t offset, uint64_t value,
                        unsigned size)
{
    PMState *s = opaque;

    for (unsigned i = 0; i < size; i++) {
        pm_write_byte(s, (unsigned)offset + i, (uint8_t)(value >> (8 * i)));
    }
    pm_update_sci(s);
}

static const MemoryRegionOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- GPE0 at 0xafe0: status (2), enable (2) ---- */

static uint64_t pm_gpe_read(void *opaque, uint64_t offset, unsigned size)
{
    PMState *s = opaque;
    uint32_t regs = s->gpe_sts | ((uint32_t)s->gpe_en << 16);

    return (regs >> (8 * offset)) & (0xffffffffu >> (32 - 8 * size));
}

static void pm_gpe_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    PMState *s = opaque;

    for (unsigned i = 0; i < size; i++) {
        unsigned off = (unsigned)offset + i;
        uint8_t v = (uint8_t)(value >> (8 * i));
        if (off < 2) {
            s->gpe_sts &= (uint16_t)~(v << (8 * off));
        } else if (off < 4) {
            s->gpe_en = pm_merge(s->gpe_en, off - 2, v);
        }
    }
    pm_update_sci(s);
}

static const MemoryRegionOps pm_gpe_ops = {
    .read = pm_gpe_read,
    .write = pm_gpe_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- APM control (0xb2) and status (0xb3) ---- */

static uint64_t pm_apm_read(void *opaque, uint64_t offset, unsigned size)
{
    PMState *s = opaque;
    return offset == 0 ? s->apm_cnt : s->apm_sts;
}

static void pm_apm_write(void *opaque, uint64_t offset, uint64_t value,
                         unsigned size)
{
    PMState *s = opaque;

    if (offset == 1) {
        s->apm_sts = (uint8_t)value;
        return;
    }
    s->apm_cnt = (uint8_t)value;
    if (s->apm_cnt == ACPI_ENABLE_CMD) {
        s->pm1_cnt |= PM1_CNT_SCI_EN;
    } else if (s->apm_cnt == ACPI_DISABLE_CMD) {
        s->pm1_cnt &= ~PM1_CNT_SCI_EN;
    }
    pm_update_sci(s);
}

static const MemoryRegionOps pm_apm_ops = {
    .read = pm_apm_read,
    .write = pm_apm_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- PCI function and device ---- */

static int pm_pci_init(PCIDevice *d, Error *err)
{
    pci_set_long(d->config + PIIX4_PM_PMBA, ACPI_PM_BASE | 1);
    d->config[PIIX4_PM_PMREGMISC] = 1;
    pci_set_long(d->config + PIIX4_PM_DEVACTB, PIIX4_PM_DEVACTB_APMC_EN);
    return 0;
}

static void pm_pci_reset(PCIDevice *d)
{
    PMState *s = (PMState *)d;

    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    s->gpe_sts = s->gpe_en = 0;
    s->apm_cnt = s->apm_sts = 0;
    s->tmr_overflow_ns = pm_next_toggle_ns(pm_now(s));
    pm_update_sci(s);
}

static void pm_pci_save(PCIDevice *d, SaveBuf *b)
{
    PMState *s = (PMState *)d;

    pm_update_tmr_sts(s);
    save_u8(b, PM_SAVE_VERSION);
    save_u16(b, s->pm1_sts);
    save_u16(b, s->pm1_en);
    save_u16(b, s->pm1_cnt);
    save_u16(b, s->gpe_sts);
    save_u16(b, s->gpe_en);
    save_u8(b, s->apm_cnt);
    save_u8(b, s->apm_sts);
    save_u64(b, (uint64_t)(s->tmr_overflow_ns - pm_now(s)));
}

static int pm_pci_load(PCIDevice *d, SaveBuf *b, Error *err)
{
    PMState *s = (PMState *)d;
    uint8_t version = load_u8(b);
    uint16_t sts = load_u16(b), en = load_u16(b), cnt = load_u16(b);
    uint16_t gsts = load_u16(b), gen = load_u16(b);
    uint8_t acnt = load_u8(b), asts = load_u8(b);
    int64_t left = (int64_t)load_u64(b);

    if (b->error || version != PM_SAVE_VERSION) {
        return error_setg(err, "piix4-pm: bad state (version %u)", version);
    }
    if ((sts & ~PM1_STS_MASK) || (en & ~PM1_EN_MASK) ||
        (cnt & ~PM1_CNT_MASK) || left <= 0 || left > PM_TMR_HALF_NS) {
        return error_setg(err, "piix4-pm: invalid state");
    }
    s->pm1_sts = sts;
    s->pm1_en = en;
    s->pm1_cnt = cnt;
    s->gpe_sts = gsts;
    s->gpe_en = gen;
    s->apm_cnt = acnt;
    s->apm_sts = asts;
    s->tmr_overflow_ns = pm_now(s) + left;
    return 0;
}

static const PCIDeviceInfo pm_pci_info = {
    .vendor_id = 0x8086, .device_id = 0x7113, .revision = 0x03,
    .class_code = 0x068000,
    .interrupt_pin = 1,
    .init = pm_pci_init,
    .reset = pm_pci_reset,
    .save = pm_pci_save,
    .load = pm_pci_load,
};

static void pm_unmap(PMState *s)
{
    AddressSpace *io = &pm_machine(s)->io;

    timer_del(&s->tmr_timer);
    address_space_unmap_region(io, &s->io);
    address_space_unmap_region(io, &s->gpe_io);
    address_space_unmap_region(io, &s->apm_io);
}

static int pm_realize(Device *dev, Error *err)
{
    PMState *s = (PMState *)dev;
    Machine *m = dev->machine;

    memory_region_init_io(&s->io, "piix4-pm", ACPI_PM_SIZE, &pm_io_ops, s);
    memory_region_init_io(&s->gpe_io, "acpi-gpe0", ACPI_GPE0_LEN, &pm_gpe_ops,
                          s);
    memory_region_init_io(&s->apm_io, "apm", 2, &pm_apm_ops, s);
    timer_init(&s->tmr_timer, &m->timers, pm_tmr_cb, s);
    s->tmr_overflow_ns = pm_next_toggle_ns(pm_now(s));
    if (pci_device_realize(dev, &pm_pci_info, err) < 0) {
        return -1;
    }
    if (machine_map_ports(m, ACPI_PM_BASE, &s->io) < 0 ||
        machine_map_ports(m, ACPI_GPE0_BASE, &s->gpe_io) < 0 ||
        machine_map_ports(m, ACPI_SMI_CMD_PORT, &s->apm_io) < 0) {
        pm_unmap(s);
        pci_device_unrealize(dev);
        return error_setg(err, "cannot map the ACPI PM ports");
    }
    return 0;
}

static void pm_unrealize(Device *dev)
{
    pm_unmap((PMState *)dev);
    pci_device_unrealize(dev);
}

static void pm_post_load(Device *dev)
{
    pm_drive_sci((PMState *)dev, true);
}

static const PropDef pm_props[] = {
    PCI_DEVICE_PROPS,
    PROP_DEF_END,
};

const DeviceType piix4_pm_type = {
    .name = "piix4-pm",
    .desc = "PIIX4-compatible ACPI PM function (PM1, PM timer, GPE0, APM)",
    .instance_size = sizeof(PMState),
    .props = pm_props,
    .realize = pm_realize,
    .unrealize = pm_unrealize,
    .reset = pci_device_reset,
    .save = pci_device_save,
    .load = pci_device_load,
    .post_load = pm_post_load,
};
