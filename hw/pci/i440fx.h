/*
 * The pc machine's chipset, after QEMU's "pc" (i440FX + PIIX3):
 *
 *   00:00.0  i440FX PCI and memory controller (8086:1237 rev 02, class
 *            0600): owns bus 0, configuration mechanism #1 at 0xCF8/0xCFC
 *            and the PAM registers (0x59-0x5F) that route reads and
 *            writes of 0xC0000-0xFFFFF to RAM or to ROM/PCI.
 *   00:01.0  PIIX3 PCI-to-ISA bridge (8086:7000, class 0601,
 *            multi-function): the PIRQ route registers 0x60-0x63.
 *   00:01.1  (reserved for the PIIX3 IDE function)
 *   00:01.3  where a PIIX4-PM-compatible ACPI function plugs in
 *            (PIIX_PM_DEVFN): a PCI device type like any other (QEMU's is
 *            8086:7113 rev 03, class 0680, pin A), created by the machine
 *            right after the PIIX3 with "addr=1.3"; the PIIX3 is
 *            multi-function, so guests scan 01.1-01.7 and find it.
 *
 * Interrupt routing of PCI INTx (for the ACPI tables' _PRT and the MP
 * table): pin P (1-4) of slot S reaches PIRQ pci_slot_pirq(S, P) =
 * (S + P - 2) mod 4 (PIRQA-D = 0-3). PIRQn then drives
 *   - in PIC mode, ISA IRQ piix3_pirq_route(n) (route register 0x60+n;
 *     bit 7 disables, 0-2, 8 and 13 are reserved, so also disabled),
 *     through the machine's GSI line of that number (8259 and IOAPIC);
 *   - in APIC mode, IOAPIC input PIIX_PIRQ_GSI_BASE + n (GSI 16-19),
 *     always, whatever the route registers say.
 * The ELCR (0x4D0/0x4D1) belongs to the 8259 model (hw/intc/i8259.c).
 * Enumerate the functions with pci_bus_foreach(m->pci_bus, ...).
 */
#ifndef KITE_I440FX_H
#define KITE_I440FX_H

#include "hw/pci/pci.h"

#define I440FX_DEVFN        PCI_DEVFN(0, 0)
#define PIIX3_DEVFN         PCI_DEVFN(1, 0)
#define PIIX_IDE_DEVFN      PCI_DEVFN(1, 1)
#define PIIX_PM_DEVFN       PCI_DEVFN(1, 3)
#define PIIX_PIRQ_GSI_BASE  16

#define PCI_CONFIG_ADDR_PORT 0xcf8
#define PCI_CONFIG_DATA_PORT 0xcfc

/* i440FX config registers */
#define I440FX_PAM0         0x59   /* high nibble: 0xF0000-0xFFFFF */
#define I440FX_PAM_COUNT    7      /* 0x59-0x5F */
#define I440FX_PAM_SEGMENTS 13
#define I440FX_SMRAM        0x72
/* PAM attribute of one segment: bit 0 reads RAM, bit 1 writes RAM */
enum { PAM_PCI = 0, PAM_RO = 1, PAM_WO = 2, PAM_RW = 3 };
/* PAM views beat the BIOS ROM mapping (PRIO_ROM) and RAM. */
#define PRIO_PAM            (PRIO_IO + 1)

/* PIIX3 config registers */
#define PIIX_PIRQC          0x60   /* 0x60-0x63: PIRQA-D route */
#define PIIX_PIRQ_DISABLE   0x80

typedef struct I440FXState I440FXState;

typedef struct PAMSegment {
    I440FXState *s;
    uint64_t base, size;
    int mode;                      /* current PAM_*, -1 before the first */
    MemoryRegion *mapped;          /* the view now mapped */
    MemoryRegion ram, ro, wo, pci; /* the four views */
} PAMSegment;

struct I440FXState {
    PCIDevice pci;
    PCIBus *bus;
    uint32_t config_addr;          /* 0xCF8 */
    MemoryRegion addr_mr, data_mr;
    PAMSegment pam[I440FX_PAM_SEGMENTS];
};

typedef struct PIIX3State {
    PCIDevice pci;
    uint8_t pirq_level[PCI_NUM_PIRQS];
    uint16_t pic_levels;           /* ISA IRQs this bridge drives high */
    uint16_t isa_levels;           /* ISA IRQs its functions raise (IDE) */
} PIIX3State;

extern const DeviceType i440fx_type;
extern const DeviceType piix3_type;

/*
 * An ISA IRQ of one of the PIIX3's own functions (the IDE channels'
 * 14 and 15): ORed with the PIRQs the guest routed to the same IRQ.
 */
void piix3_set_isa_irq(PIIX3State *s, int irq, int level);

/* The ISA IRQ PIRQ pirq (0-3) reaches now, or -1 when disabled. */
int piix3_pirq_route(const PIIX3State *s, int pirq);

/* The IOAPIC input (APIC-mode GSI) of INTx pin (1-4) of a bus 0 slot. */
static inline int pc_pci_intx_gsi(int slot, int pin)
{
    return PIIX_PIRQ_GSI_BASE + pci_slot_pirq(slot, pin);
}

#endif
