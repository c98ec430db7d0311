/*
 * IDE: ATA disks and ATAPI CD-ROMs on the two channels of the PIIX3's
 * IDE function (00:01.1), as the Intel 82371SB data sheet, ATA/ATAPI-7
 * (task file, protocols, IDENTIFY data) and MMC-5/SPC-3 (packet commands)
 * describe them.
 *
 * A channel (IDEBus) has a task file that every write reaches on both
 * drives (each keeps its own copy, and the "high order byte" copy for
 * LBA48), a device control register (nIEN, SRST, HOB) and a selected
 * unit whose status the reads return. A command either finishes at once,
 * moves data through the PIO data window (buf[data_pos, data_end)), or
 * waits for the bus master (BMDMA, piix-ide.c) to start. Disk I/O never
 * runs on a vCPU: the drive hands an IDEReq to the controller's I/O thread
 * (block/block.h) with BSY set, and the completion continues the command
 * with the machine lock held. SRST, a device reset and load bump the
 * drive's generation, so a completion of an older request touches nothing.
 *
 * Invariants: data_pos <= data_end <= IDE_BUF_SIZE; every LBA and count
 * is checked against the drive's size before a request exists; a request
 * is whole 512-byte sectors of at most IDE_BUF_SIZE bytes.
 */
#ifndef KITE_IDE_H
#define KITE_IDE_H

#include "block/block.h"
#include "hw/pci/pci.h"

#define IDE_SECTOR          512u
#define ATAPI_SECTOR        2048u
#define IDE_BUF_SIZE        (128u * 1024)       /* 256 disk sectors */
#define IDE_MAX_MULT        16
#define IDE_MAX_PRD         8192                /* entries per command */

/* Status register. */
#define IDE_ST_ERR          0x01
#define IDE_ST_DRQ          0x08
#define IDE_ST_DSC          0x10                /* seek complete */
#define IDE_ST_DF           0x20
#define IDE_ST_DRDY         0x40
#define IDE_ST_BSY          0x80
/* Error register. */
#define IDE_ERR_ABRT        0x04
#define IDE_ERR_IDNF        0x10
#define IDE_ERR_UNC         0x40
/* Device control. */
#define IDE_CTL_NIEN        0x02
#define IDE_CTL_SRST        0x04
#define IDE_CTL_HOB         0x80
/* ATAPI interrupt reason (in the sector count register). */
#define ATAPI_IR_COD        0x01
#define ATAPI_IR_IO         0x02

/* Sense keys and codes. */
#define SENSE_NONE              0x00
#define SENSE_NOT_READY         0x02
#define SENSE_ILLEGAL_REQUEST   0x05
#define SENSE_UNIT_ATTENTION    0x06
#define ASC_INVALID_OPCODE      0x20
#define ASC_LBA_OUT_OF_RANGE    0x21
#define ASC_INVALID_FIELD       0x24
#define ASC_MEDIUM_MAY_HAVE_CHANGED 0x28
#define ASC_MEDIUM_NOT_PRESENT  0x3a
#define ASC_SAVING_NOT_SUPPORTED 0x39

typedef enum IDEKind { IDE_NONE, IDE_HD, IDE_CD } IDEKind;

/* What happens when the PIO window drains or a request completes. */
typedef enum IDEStep {
    STEP_NONE,
    STEP_READ_NEXT,      /* sector reads: next DRQ block or next request */
    STEP_WRITE_BLOCK,    /* sector writes: a block is in, write it */
    STEP_PIO_DONE,       /* a one-block transfer (IDENTIFY): finished */
    STEP_PACKET,         /* the 12 CDB bytes are in */
    STEP_ATAPI_NEXT,     /* ATAPI data: next DRQ chunk, next read, or end */
    STEP_DMA,            /* a DMA chunk moved: next chunk or end */
} IDEStep;

/* What an outstanding host request is for. */
typedef enum IDEIo { IO_NONE, IO_READ, IO_WRITE, IO_FLUSH } IDEIo;

typedef struct IDEBus IDEBus;

typedef struct IDEDrive {
    IDEBus *bus;
    int unit;
    IDEKind kind;
    BlockBackend *bb;
    uint64_t nsectors;           /* 512-byte sectors */
    char serial[21], model[41];
    char drive_id[64];           /* the -drive id (monitor) */
    uint16_t cyls, heads, secs;  /* default geometry */
    uint16_t cur_heads, cur_secs;   /* INITIALIZE DEVICE PARAMETERS */
    int bootindex;               /* -1: none */

    /* task file (this drive's copy) */
    uint8_t feature, nsector, sector, lcyl, hcyl, select;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t status, error;
    uint8_t mult_sectors;        /* 0: READ/WRITE MULTIPLE disabled */
    uint8_t xfer_mode;           /* SET FEATURES 03h: class << 3 | mode */
    bool write_cache;

    /* the command in progress */
    uint8_t cmd;
    IDEStep step;
    bool dma;                    /* data moves by the bus master */
    bool dma_write;              /* DMA from memory to the disk */
    bool dma_running;            /* the bus master took the command */
    uint64_t lba;                /* next sector (or CD block) */
    uint32_t remaining;          /* sectors (or CD blocks) still to do */
    uint32_t block;              /* sectors per DRQ block */
    uint8_t *buf;                /* IDE_BUF_SIZE */
    uint32_t data_pos, data_end; /* the PIO window in buf */
    uint32_t buf_fill;           /* valid bytes in buf (reads ahead) */

    /* outstanding host request (saved: reissued on load) */
    IDEIo io;
    uint64_t io_off;
    uint32_t io_len;
    uint32_t generation;

    /* ATAPI */
    uint8_t cdb[12];
    uint16_t byte_limit;         /* per DRQ chunk (lcyl/hcyl at PACKET) */
    uint32_t atapi_total;        /* bytes of the reply (ATAPI_NEXT) */
    uint8_t sense_key, asc;
    bool cd_changed;             /* UNIT ATTENTION pending */
    bool cd_new_media;           /* event for GET EVENT STATUS */
    bool cd_locked;

    /* load: the buffer's bytes, copied in once everything is checked */
    uint8_t *load_data;
    uint32_t load_len;
} IDEDrive;

typedef struct BMDMAState {
    uint8_t cmd, status;
    uint32_t prd_addr;           /* the table */
    uint32_t prd_cur;            /* entry in use */
    uint32_t prd_left;           /* bytes left in it (0: read the next) */
    uint32_t prd_phys;           /* where the next byte goes */
    uint32_t prd_count;          /* entries read for this command */
    bool prd_eot;                /* the entry in use is the last */
} BMDMAState;

struct IDEBus {
    struct PIIXIDEState *ctrl;
    int index;                   /* 0 primary, 1 secondary */
    IDEDrive drive[2];
    uint8_t unit;                /* selected drive */
    uint8_t devctl;
    bool irq;                    /* INTRQ before nIEN */
    bool irq_out;                /* what the ISA line carries */
    BMDMAState bm;
    MemoryRegion cmd_mr, ctl_mr;
};

typedef struct PIIXIDEState {
    PCIDevice pci;
    IDEBus bus[2];
    MemoryRegion bm_mr;
    IOThread io;
    bool io_started;
    uint32_t inflight;           /* requests handed to the I/O thread */
} PIIXIDEState;

/* ---- ide-core.c: register file, ATA commands, PIO ---- */
void ide_bus_init(IDEBus *bus, PIIXIDEState *ctrl, int index);
/* Attaches an opened image; takes ownership of bb. */
void ide_drive_attach(IDEDrive *d, IDEKind kind, BlockBackend *bb,
                      int bootindex);
void ide_drive_detach(IDEDrive *d);
void ide_bus_reset(IDEBus *bus);
uint64_t ide_cmd_read(void *opaque, uint64_t off, unsigned size);
void ide_cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size);
uint64_t ide_ctl_read(void *opaque, uint64_t off, unsigned size);
void ide_ctl_write(void *opaque, uint64_t off, uint64_t val, unsigned size);
void ide_update_irq(IDEBus *bus);
void ide_set_isa_irq(PIIXIDEState *s, int irq, int level);
void ide_raise_irq(IDEDrive *d);
/* Command ends: DRDY|DSC, no DRQ, interrupt. */
void ide_cmd_done(IDEDrive *d);
/* Command aborted with error bits err. */
void ide_cmd_abort(IDEDrive *d, uint8_t err);
/* Opens the PIO window [0, len) of buf: DRQ, step after it drains. */
void ide_pio_start(IDEDrive *d, uint32_t len, IDEStep step, bool irq);
/* Queues a host request (BSY); the step continues at completion. */
void ide_submit(IDEDrive *d, IDEIo io, uint64_t off, uint32_t len);
/* Reissues a request saved in flight (load). */
void ide_resubmit(IDEDrive *d);
/* The step of d after its request completed. */
void ide_continue(IDEDrive *d, int ret);
/* The bus master started: runs d's DMA command if it waits for it. */
void ide_dma_start(IDEDrive *d);
void ide_drive_reset(IDEDrive *d, bool srst);
void ide_set_signature(IDEDrive *d);
void ide_save_drive(IDEDrive *d, SaveBuf *s);
/* Loads into d, but the buffer's bytes into d->load_data (see above). */
int ide_load_drive(IDEDrive *d, SaveBuf *s, Error *err);
/* ATA strings: byte-swapped words, space padded. */
void ide_put_string(uint8_t *dst, const char *src, unsigned len);

/* ---- atapi.c ---- */
void atapi_identify(IDEDrive *d);
void atapi_packet_start(IDEDrive *d);
void atapi_packet(IDEDrive *d);
/* ATAPI data: a DRQ chunk drained; a read of CD blocks completed. */
void atapi_drained(IDEDrive *d);
void atapi_read_done(IDEDrive *d, int ret);
/* A DMA command's data moved: the command ends. */
void atapi_dma_done(IDEDrive *d);
/* A new medium (or none: bb NULL) in the drive: UNIT ATTENTION. */
void ide_cd_change(IDEDrive *d, BlockBackend *bb);

/* ---- piix-ide.c: the bus master ---- */
/* The fw_cfg "bootorder" entries of the drives that have a bootindex. */
typedef struct PiixIdeBootEntry {
    int bootindex;
    char path[64];
} PiixIdeBootEntry;
int piix_ide_boot_entries(Device *dev, PiixIdeBootEntry *out, int max);
/* Starts the I/O thread if it is not running; false if it cannot. */
bool piix_ide_start_io(PIIXIDEState *s);
/* The drive's DMA command is ready; runs it if the engine is started. */
void bmdma_kick(IDEBus *bus);
/*
 * Moves len bytes between buf and the PRD table's memory (to memory for
 * a disk read). Returns bytes moved; fewer means the table ran out.
 */
int64_t bmdma_rw(IDEBus *bus, uint8_t *buf, uint32_t len, bool to_mem);
/* The DMA command ended (error or not): engine inactive, interrupt. */
void bmdma_end(IDEBus *bus, bool error);

#endif
