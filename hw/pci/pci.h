/*
 * Conventional PCI (PCI Local Bus Specification 3.0): bus 0 of the pc
 * machine and the device model every PCI function is built on.
 *
 * A PCI function is a Device whose instance struct starts with PCIDevice.
 * Its DeviceType uses the generic hooks below (pci_device_unrealize,
 * _reset, _save, _load) and a one-line realize that calls
 * pci_device_realize(dev, &its_info, err); the PCIDeviceInfo names the IDs
 * and the function's own init (BARs, capabilities, registers). Its props
 * start with PCI_DEVICE_PROPS, so `-device NAME,addr=SLOT[.FN]` places it.
 *
 * Config space: 256 bytes with three masks per byte: wmask (bits the
 * guest may write), w1cmask (bits a 1 clears) and the rest read-only. The
 * contents after init are the reset state. BARs are sized by their wmask
 * (writing all-ones reads back ~(size - 1) | type bits) and mapped into
 * the machine's memory or port space, at PCI_MAP_PRIO (below RAM, ROM and
 * chipset registers, as on a PC), while the command register's decode bit
 * is on and the address is valid; moving or disabling one unmaps it.
 *
 * Interrupts: INTx goes through the bus's pirq handler (the PIIX3 owns
 * the PIRQ routing, see piix.h); MSI and MSI-X (msi.c) are memory writes
 * to 0xFEExxxxx delivered to the local APICs. Bus mastering gates both
 * MSI and DMA: every device memory access goes through pci_dma_rw().
 *
 * Invariants: devfn < 256; a BAR's size is a power of two (I/O >= 4,
 * memory >= 16, ROM >= 2 KiB) and at least its region's size; a mapped
 * BAR's region is mapped exactly once, at bars[n].addr.
 */
#ifndef KITE_PCI_H
#define KITE_PCI_H

#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/pc/pc.h"

#define PCI_DEVFN(slot, fn)   ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn)       (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)       ((devfn) & 7)
#define PCI_NUM_DEVFN         256
#define PCI_NUM_SLOTS         32
#define PCI_NUM_PIRQS         4
#define PCI_CONFIG_SIZE       256
#define PCI_NUM_BARS          6
#define PCI_ROM_SLOT          6   /* bars[6] is the expansion ROM */

/* Config header (type 0) */
#define PCI_VENDOR_ID         0x00
#define PCI_DEVICE_ID         0x02
#define PCI_COMMAND           0x04
#define PCI_STATUS            0x06
#define PCI_REVISION_ID       0x08
#define PCI_CLASS_PROG        0x09
#define PCI_CLASS_DEVICE      0x0a
#define PCI_CACHE_LINE_SIZE   0x0c
#define PCI_LATENCY_TIMER     0x0d
#define PCI_HEADER_TYPE       0x0e
#define PCI_BASE_ADDRESS_0    0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID      0x2e
#define PCI_ROM_ADDRESS       0x30
#define PCI_CAPABILITY_LIST   0x34
#define PCI_INTERRUPT_LINE    0x3c
#define PCI_INTERRUPT_PIN     0x3d

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

#define PCI_COMMAND_IO        0x0001
#define PCI_COMMAND_MEMORY    0x0002
#define PCI_COMMAND_MASTER    0x0004
#define PCI_COMMAND_SERR      0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT  0x0008
#define PCI_STATUS_CAP_LIST   0x0010
#define PCI_STATUS_FAST_BACK  0x0080
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
/* Error bits, write-1-to-clear: parity, target/master aborts, SERR */
#define PCI_STATUS_W1C        0xf900

#define PCI_BAR_IO            0x01   /* BAR type bits as the guest sees them */
#define PCI_BAR_MEM32         0x00
#define PCI_BAR_MEM64         0x04
#define PCI_BAR_PREFETCH      0x08
#define PCI_ROM_ENABLE        0x01
#define PCI_BAR_UNMAPPED      (~0ull)

#define PCI_CAP_ID_MSI        0x05
#define PCI_CAP_ID_VNDR       0x09
#define PCI_CAP_ID_MSIX       0x11

/* Mappings of BARs lose to everything else at the same address. */
#define PCI_MAP_PRIO          (-1)

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIDeviceInfo {
    uint16_t vendor_id, device_id;
    uint16_t subsystem_vendor_id, subsystem_id;
    uint8_t revision;
    uint32_t class_code;          /* base << 16 | sub-class << 8 | prog-if */
    uint8_t header_type;          /* 0, or PCI_HEADER_TYPE_MULTI_FUNCTION */
    uint8_t interrupt_pin;        /* 0 none, 1-4 INTA#-INTD# */
    /* Sets up BARs, capabilities and registers; may be NULL. */
    int (*init)(PCIDevice *d, Error *err);
    void (*exit)(PCIDevice *d);
    /* After the config space returned to its reset contents. */
    void (*reset)(PCIDevice *d);
    /* Before a guest config read of len bytes at addr (it may refresh
     * the bytes read, as a register window does); may be NULL. */
    void (*config_read)(PCIDevice *d, uint32_t addr, unsigned len);
    /* After a guest config write of len bytes at addr; may be NULL. */
    void (*config_write)(PCIDevice *d, uint32_t addr, uint32_t val,
                         unsigned len);
    /*
     * Device state beyond config space and BARs; may be NULL. load checks
     * everything before it changes anything; the config space is applied
     * after it, then loaded is called.
     */
    void (*save)(PCIDevice *d, SaveBuf *s);
    int (*load)(PCIDevice *d, SaveBuf *s, Error *err);
    void (*loaded)(PCIDevice *d);
} PCIDeviceInfo;

typedef struct PCIBar {
    uint64_t size;                /* 0: not implemented */
    uint8_t type;                 /* PCI_BAR_IO, or MEM32/MEM64 | PREFETCH */
    MemoryRegion *mr;
    uint64_t addr;                /* where mr is mapped, or PCI_BAR_UNMAPPED */
} PCIBar;

typedef struct MSIXState MSIXState;

struct PCIDevice {
    Device dev;
    char *addr;                   /* property "addr": SLOT[.FN] in hex */
    char *romfile;                /* property "romfile" */
    const PCIDeviceInfo *info;
    PCIBus *bus;
    int devfn;
    uint8_t config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];
    uint8_t w1cmask[PCI_CONFIG_SIZE];
    uint8_t reset_config[PCI_CONFIG_SIZE];
    uint8_t used[PCI_CONFIG_SIZE]; /* bytes claimed by the header or a cap */
    PCIBar bars[PCI_NUM_BARS + 1];
    int intx_level;               /* what the function asserts on INTx */
    int intx_driven;              /* what reaches the bus (after disable) */
    /* expansion ROM given as bytes or a file */
    MemoryRegion rom;
    /* MSI (msi.c) */
    uint8_t msi_cap;              /* 0: none */
    /* MSI-X (msi.c) */
    uint8_t msix_cap;             /* 0: none */
    MSIXState *msix;
};

/* Props every PCI device type lists first. */
#define PCI_DEVICE_PROPS                                                     \
    PROP_DEF_STR("addr", PCIDevice, addr, NULL,                              \
                 "slot[.function] on bus 0, hex (default: first free slot)"), \
    PROP_DEF_STR("romfile", PCIDevice, romfile, NULL,                        \
                 "expansion ROM image file")

typedef void (*PCISetPirq)(void *opaque, int pirq, int level);

struct PCIBus {
    Machine *m;
    PCIDevice *devices[PCI_NUM_DEVFN];
    int pirq_count[PCI_NUM_PIRQS];   /* functions asserting each PIRQ */
    PCISetPirq set_pirq;             /* the PIRQ router (PIIX3) */
    void *pirq_opaque;
    int ndevices;
    bool detached;                   /* freed when the last function goes */
};

/* ---- the bus (created by the host bridge) ---- */

PCIBus *pci_bus_new(Machine *m);
/* Frees the bus now, or when its last function is unrealized. */
void pci_bus_free(PCIBus *bus);
/* Config cycles: absent functions read as all-ones, writes to them vanish. */
uint32_t pci_bus_config_read(PCIBus *bus, int devfn, uint32_t addr,
                             unsigned len);
void pci_bus_config_write(PCIBus *bus, int devfn, uint32_t addr,
                          uint32_t val, unsigned len);
PCIDevice *pci_bus_find(PCIBus *bus, int devfn);
/* Calls fn on every function of the bus in devfn order. */
void pci_bus_foreach(PCIBus *bus, void (*fn)(PCIDevice *d, void *opaque),
                     void *opaque);
void pci_bus_set_pirq_handler(PCIBus *bus, PCISetPirq fn, void *opaque);
/* PIRQ (0-3 = PIRQA#-PIRQD#) that INTx pin (1-4) of a slot reaches. */
int pci_slot_pirq(int slot, int pin);
/* Parses "SLOT[.FN]" (hex); -1 with err set when malformed. */
int pci_parse_devfn(const char *s, Error *err);

/* ---- device side ---- */

/* The realize of every PCI device type: places it, runs info->init. */
int pci_device_realize(Device *dev, const PCIDeviceInfo *info, Error *err);
void pci_device_unrealize(Device *dev);
void pci_device_reset(Device *dev);
void pci_device_save(Device *dev, SaveBuf *s);
int pci_device_load(Device *dev, SaveBuf *s, Error *err);

/*
 * Declares BAR n (0-5, or PCI_ROM_SLOT) of size (a power of two, at least
 * mr->size) and type; mr appears at the BAR's address while decoding is
 * on. A 64-bit BAR also uses n + 1.
 */
int pci_register_bar(PCIDevice *d, int n, uint8_t type, uint64_t size,
                     MemoryRegion *mr, Error *err);
/* An expansion ROM from bytes; a "romfile" property does this itself. */
int pci_set_rom(PCIDevice *d, const void *data, size_t len, Error *err);
/* Where BAR n is mapped, or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_addr(const PCIDevice *d, int n);
/* Re-evaluates every BAR against command and BAR registers. */
void pci_update_mappings(PCIDevice *d);

/*
 * Adds a capability of size bytes at offset (0: first free dword from
 * 0x40) to the list; returns its offset or -1 with err set.
 */
int pci_add_capability(PCIDevice *d, uint8_t cap_id, uint8_t offset,
                       uint8_t size, Error *err);
/* Offset of the first capability with that id, or 0. */
uint8_t pci_find_capability(const PCIDevice *d, uint8_t cap_id);

/* Generic config access (what the bus calls; devices may call it too). */
uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned len);
void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val,
                      unsigned len);

/* Helpers for init code: little-endian config fields. */
static inline void pci_set_byte(uint8_t *c, uint8_t v) { *c = v; }
static inline void pci_set_word(uint8_t *c, uint16_t v) { st16le(c, v); }
static inline void pci_set_long(uint8_t *c, uint32_t v) { st32le(c, v); }
static inline uint16_t pci_get_word(const uint8_t *c) { return ld16le(c); }
static inline uint32_t pci_get_long(const uint8_t *c) { return ld32le(c); }

/* Sets the function's INTx request level (needs a non-zero pin). */
void pci_set_irq(PCIDevice *d, int level);

/*
 * The one way a PCI function reaches guest memory: refused (reads give
 * all-ones) unless bus mastering is on; a write to the MSI window is an
 * interrupt message, not an APIC register access. Returns 0 or -1.
 */
int pci_dma_rw(PCIDevice *d, uint64_t addr, void *buf, uint64_t len,
               bool is_write);
static inline int pci_dma_read(PCIDevice *d, uint64_t addr, void *buf,
                               uint64_t len)
{
    return pci_dma_rw(d, addr, buf, len, false);
}
static inline int pci_dma_write(PCIDevice *d, uint64_t addr, const void *buf,
                                uint64_t len)
{
    return pci_dma_rw(d, addr, (void *)buf, len, true);
}

#endif
