/* Unit tests for the virtio PCI transport and split virtqueues, with the
 * test as the driver (tests/fuzz/virtio-driver.h) and virtio-rng-pci as
 * the device: IDs and capabilities, feature negotiation and the status
 * machine, queue setup, requests with MSI-X and with INTx, the legacy
 * interface, indirect descriptors, event-index suppression, reset,
 * save/load, and hostile rings (each must mark the device broken, raise
 * the config interrupt and leave it usable again after a reset). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/fuzz/virtio-driver.h"

#define RNG_VECTORS 2     /* queue 0 and config */
#define CFG_VECTOR  1

static int setup(void **state)
{
    Error err = { "" };
    VDrv *d = vdrv_new("virtio-rng-pci", "", &err);

    assert_non_null(d->p);
    vdrv_enable(d);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    vdrv_free(*state);
    return 0;
}

/* The full modern start: features, queue 0 on vector 0, config on 1. */
static void rng_start(VDrv *d, VDrvQueue *q, uint64_t features)
{
    vdrv_msix_enable(d, RNG_VECTORS);
    assert_true(vdrv_negotiate(d, features) & VIRTIO_STATUS_FEATURES_OK);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_MSIX, CFG_VECTOR, 2);
    vdrv_queue_setup(d, q, 0, 16, 0);
    vdrv_driver_ok(d);
}

/* A request for len random bytes at buf in descriptor i. */
static void rng_request(VDrv *d, VDrvQueue *q, unsigned i, uint64_t buf,
                        uint32_t len)
{
    vdrv_desc(d, q->desc, i, buf, len, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, q, (uint16_t)i);
    vdrv_notify(d, 0);
}

static bool nonzero(VDrv *d, uint64_t a, unsigned len)
{
    for (unsigned i = 0; i < len; i += 8) {
        if (vdrv_peek(d, a + i, 8)) {
            return true;
        }
    }
    return false;
}

/* ---- the function ---- */

static void test_ids_and_capabilities(void **state)
{
    VDrv *d = *state;
    unsigned types = 0;

    assert_int_equal(vdrv_cfg_read(d, PCI_VENDOR_ID, 4), 0x10051af4);
    assert_int_equal(vdrv_cfg_read(d, PCI_SUBSYSTEM_VENDOR_ID, 4),
                     0x00041af4);
    assert_int_equal(vdrv_cfg_read(d, PCI_CLASS_DEVICE, 2), 0x00ff);
    assert_int_equal(vdrv_cfg_read(d, PCI_INTERRUPT_PIN, 1), 1);
    assert_int_equal(vdrv_cfg_read(d, PCI_BASE_ADDRESS_0, 4),
                     VDRV_IO_BASE | PCI_BAR_IO);
    assert_int_equal(vdrv_cfg_read(d, PCI_BASE_ADDRESS_0 + 16, 4),
                     (uint32_t)VDRV_MODERN | PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
    for (uint8_t c = vdrv_cfg_read(d, PCI_CAPABILITY_LIST, 1); c;
         c = vdrv_cfg_read(d, c + 1, 1)) {
        uint8_t type = vdrv_cfg_read(d, c + 3, 1);
        uint32_t off = vdrv_cfg_read(d, c + 8, 4);

        if (vdrv_cfg_read(d, c, 1) == PCI_CAP_ID_MSIX) {
            assert_int_equal(vdrv_cfg_read(d, c + 2, 2), RNG_VECTORS - 1);
            continue;
        }
        assert_int_equal(vdrv_cfg_read(d, c, 1), PCI_CAP_ID_VNDR);
        if (type == VIRTIO_PCI_CAP_PCI_CFG) {     /* the driver's window */
            assert_int_equal(vdrv_cfg_read(d, c + 2, 1), 20);
            types |= 1u << type;
            continue;
        }
        assert_int_equal(vdrv_cfg_read(d, c + 4, 1), VIRTIO_PCI_MODERN_BAR);
        assert_true(type >= 1 && type <= 4);
        assert_int_equal(off, (type == 1 ? 0 : type == 2 ? 0x3000 :
                               type == 3 ? 0x1000 : 0x2000));
        if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
            assert_int_equal(vdrv_cfg_read(d, c + 2, 1), 20);
            assert_int_equal(vdrv_cfg_read(d, c + 16, 4), 4);
        }
        types |= 1u << type;
    }
    assert_int_equal(types, 0x3e);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_NUMQ, 2), 1);
}

static void test_feature_negotiation(void **state)
{
    VDrv *d = *state;

    vdrv_common_wr(d, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_DF, 4),
                     VDRV_F(28) | VDRV_F(29));
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_DF, 4), 1);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_DFSELECT, 7, 4);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_DF, 4), 0);
    /* a feature not offered: FEATURES_OK does not stick */
    assert_false(vdrv_negotiate(d, VDRV_BASE_FEATURES | VDRV_F(5)) &
                 VIRTIO_STATUS_FEATURES_OK);
    /* the modern interface needs VERSION_1 */
    assert_false(vdrv_negotiate(d, VDRV_F(VIRTIO_F_RING_EVENT_IDX)) &
                 VIRTIO_STATUS_FEATURES_OK);
    /* a subset is accepted, and is fixed from then on */
    assert_int_equal(vdrv_negotiate(d, VDRV_F(VIRTIO_F_VERSION_1)),
                     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                     VIRTIO_STATUS_FEATURES_OK);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_GF, VDRV_F(28), 4);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_GF, 4), 0);
    assert_int_equal(d->p->vdev.guest_features, VDRV_F(VIRTIO_F_VERSION_1));
    /* writing 0 resets everything */
    vdrv_set_status(d, 0);
    assert_int_equal(vdrv_status(d), 0);
    assert_int_equal(d->p->vdev.guest_features, 0);
}

static void test_queue_config(void **state)
{
    VDrv *d = *state;

    vdrv_msix_enable(d, RNG_VECTORS);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 256);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 100, 2);    /* not 2^n */
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 512, 2);    /* > max */
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 0, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 256);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 64, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
    /* a vector the table lacks reads back as none */
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_MSIX, 2), 0xffff);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_MSIX, 0, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_MSIX, 2), 0);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_MSIX, 9, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_MSIX, 2), 0xffff);
    /* 64-bit address as two halves, then frozen by enable */
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_DESCLO, 0x12345000, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_DESCHI, 0x1, 4);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_DESCLO, 8),
                     0x112345000ull);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_DESCLO, 0, 4);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_DESCLO, 8),
                     0x112345000ull);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
    /* a queue that does not exist reads as size 0 and takes nothing */
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
    vdrv_notify(d, 1);
    vdrv_notify(d, 1000);
    /* odd widths and offsets are ignored */
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_STATUS, 0x0f0f, 2);
    vdrv_common_wr(d, 0x37, 0xff, 1);
    vdrv_wr(d, 0x0fff, ~0ull, 1);
    assert_int_equal(vdrv_status(d), 0);
    assert_false(d->p->vdev.broken);
}

/* ---- requests ---- */

static void test_rng_msix(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;

    rng_start(d, &q, VDRV_F(VIRTIO_F_VERSION_1));
    rng_request(d, &q, 3, VDRV_BUF_BASE, 64);
    assert_int_equal(vdrv_used_idx(d, &q), 1);
    assert_int_equal(vdrv_used_id(d, &q, 0), 3);
    assert_int_equal(vdrv_used_len(d, &q, 0), 64);
    assert_true(nonzero(d, VDRV_BUF_BASE, 64));
    assert_false(nonzero(d, VDRV_BUF_BASE + 64, 64));
    assert_true(vdrv_msi_seen(d, 0));
    assert_false(vdrv_msi_seen(d, CFG_VECTOR));
    assert_int_equal(d->level[VDRV_GSI], 0);
    /* a large request is served in bounded parts */
    rng_request(d, &q, 0, VDRV_BUF_BASE + 0x1000, 100000);
    assert_int_equal(vdrv_used_idx(d, &q), 2);
    assert_int_equal(vdrv_used_len(d, &q, 1), 1024);
    assert_false(nonzero(d, VDRV_BUF_BASE + 0x1000 + 1024, 64));
    assert_true(vdrv_msi_seen(d, 0));
    /* a masked vector becomes pending, sent when unmasked */
    address_space_st(&d->m.mem, VDRV_MSIX + 12, 1, 4);
    rng_request(d, &q, 1, VDRV_BUF_BASE, 8);
    assert_false(vdrv_msi_seen(d, 0));
    assert_true(msix_is_pending(&d->p->pci, 0));
    address_space_st(&d->m.mem, VDRV_MSIX + 12, 0, 4);
    assert_true(vdrv_msi_seen(d, 0));
    /* no vector: no message */
    vdrv_set_status(d, 0);
    assert_true(vdrv_negotiate(d, VDRV_F(VIRTIO_F_VERSION_1)) &
                VIRTIO_STATUS_FEATURES_OK);
    vdrv_queue_setup(d, &q, 0, 16, VIRTIO_NO_VECTOR);
    vdrv_driver_ok(d);
    rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
    assert_int_equal(vdrv_used_idx(d, &q), 1);
    assert_false(vdrv_msi_seen(d, 0));
    assert_int_equal(d->level[VDRV_GSI], 0);
}

static void test_rng_intx(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;

    assert_true(vdrv_negotiate(d, VDRV_F(VIRTIO_F_VERSION_1)) &
                VIRTIO_STATUS_FEATURES_OK);
    vdrv_queue_setup(d, &q, 0, 8, VIRTIO_NO_VECTOR);
    /* nothing is served before DRIVER_OK */
    rng_request(d, &q, 0, VDRV_BUF_BASE, 16);
    assert_int_equal(vdrv_used_idx(d, &q), 0);
    vdrv_driver_ok(d);
    vdrv_notify(d, 0);
    assert_int_equal(vdrv_used_idx(d, &q), 1);
    assert_int_equal(d->level[VDRV_GSI], 1);
    assert_true(vdrv_cfg_read(d, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
    assert_int_equal(vdrv_isr(d), VIRTIO_ISR_QUEUE);
    assert_int_equal(d->level[VDRV_GSI], 0);
    assert_int_equal(vdrv_isr(d), 0);
    /* INTx disable in the command register masks it */
    vdrv_cfg_write(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                   PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
    rng_request(d, &q, 1, VDRV_BUF_BASE, 16);
    assert_int_equal(vdrv_used_idx(d, &q), 2);
    assert_int_equal(d->level[VDRV_GSI], 0);
    /* reset drops the line */
    vdrv_enable(d);
    assert_int_equal(d->level[VDRV_GSI], 1);
    vdrv_set_status(d, 0);
    assert_int_equal(d->level[VDRV_GSI], 0);
}

static void test_no_bus_master(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;

    rng_start(d, &q, VDRV_F(VIRTIO_F_VERSION_1));
    vdrv_cfg_write(d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    rng_request(d, &q, 0, VDRV_BUF_BASE, 16);
    assert_int_equal(vdrv_used_idx(d, &q), 0);
    assert_false(d->p->vdev.broken);
    vdrv_enable(d);
    vdrv_notify(d, 0);
    assert_int_equal(vdrv_used_idx(d, &q), 1);
}

static void test_chain_and_indirect(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;
    uint64_t t = VDRV_BUF_BASE + 0x10000;

    rng_start(d, &q, VDRV_BASE_FEATURES);
    /* a readable buffer first, then two writable ones */
    vdrv_desc(d, q.desc, 5, VDRV_BUF_BASE, 4, VRING_DESC_F_NEXT, 9);
    vdrv_desc(d, q.desc, 9, VDRV_BUF_BASE + 0x100, 10,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
    vdrv_desc(d, q.desc, 2, VDRV_BUF_BASE + 0x200, 6, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, &q, 5);
    vdrv_notify(d, 0);
    assert_int_equal(vdrv_used_idx(d, &q), 1);
    assert_int_equal(vdrv_used_id(d, &q, 0), 5);
    assert_int_equal(vdrv_used_len(d, &q, 0), 16);
    /* an indirect table of three writable buffers */
    vdrv_desc(d, t, 0, VDRV_BUF_BASE + 0x1000, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
    vdrv_desc(d, t, 2, VDRV_BUF_BASE + 0x2000, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    vdrv_desc(d, t, 1, VDRV_BUF_BASE + 0x3000, 8, VRING_DESC_F_WRITE, 0);
    vdrv_desc(d, q.desc, 7, t, 48, VRING_DESC_F_INDIRECT, 0);
    vdrv_post(d, &q, 7);
    vdrv_notify(d, 0);
    assert_int_equal(vdrv_used_idx(d, &q), 2);
    assert_int_equal(vdrv_used_id(d, &q, 1), 7);
    assert_int_equal(vdrv_used_len(d, &q, 1), 24);
    assert_true(nonzero(d, VDRV_BUF_BASE + 0x3000, 8));
    assert_false(d->p->vdev.broken);
}

static void test_event_idx(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;
    uint64_t used_event, avail_event;

    rng_start(d, &q, VDRV_BASE_FEATURES);
    used_event = q.avail + 4 + 2 * q.num;
    avail_event = q.used + 4 + 8 * q.num;
    /* the first interrupt always goes */
    vdrv_poke(d, used_event, 0, 2);
    rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
    assert_true(vdrv_msi_seen(d, 0));
    assert_int_equal(vdrv_peek(d, avail_event, 2), 1);
    /* used_event 5: used idx 2, 3, 4, 5 pass silently, 6 interrupts */
    vdrv_poke(d, used_event, 5, 2);
    for (int i = 2; i <= 5; i++) {
        rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
        assert_int_equal(vdrv_used_idx(d, &q), i);
        assert_false(vdrv_msi_seen(d, 0));
    }
    rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
    assert_true(vdrv_msi_seen(d, 0));
    assert_int_equal(vdrv_peek(d, avail_event, 2), 6);
    /* without EVENT_IDX the NO_INTERRUPT flag suppresses */
    vdrv_set_status(d, 0);
    rng_start(d, &q, VDRV_F(VIRTIO_F_VERSION_1));
    vdrv_poke(d, q.avail, VRING_AVAIL_F_NO_INTERRUPT, 2);
    rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
    assert_int_equal(vdrv_used_idx(d, &q), 1);
    assert_false(vdrv_msi_seen(d, 0));
    vdrv_poke(d, q.avail, 0, 2);
    rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
    assert_true(vdrv_msi_seen(d, 0));
}

static void test_legacy_driver(void **state)
{
    VDrv *d = *state;
    uint64_t ring = 0x40000, avail, used;
    VDrvQueue q;

    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_PCI_HOST_FEATURES, 4),
                     VDRV_F(28) | VDRV_F(29));
    vdrv_legacy_wr(d, VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
                   VIRTIO_STATUS_DRIVER, 1);
    vdrv_legacy_wr(d, VIRTIO_PCI_GUEST_FEATURES, 0xffffffff, 4);
    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_PCI_GUEST_FEATURES, 4),
                     VDRV_F(28) | VDRV_F(29));
    vdrv_legacy_wr(d, VIRTIO_PCI_QUEUE_SEL, 0, 2);
    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_PCI_QUEUE_NUM, 2), 256);
    vdrv_legacy_wr(d, VIRTIO_PCI_QUEUE_PFN, (uint32_t)(ring >> 12), 4);
    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_PCI_QUEUE_PFN, 4), ring >> 12);
    vdrv_legacy_wr(d, VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
                   VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK, 1);
    /* the legacy layout: avail after 256 descriptors, used page-aligned */
    avail = ring + 256 * 16;
    used = (avail + 6 + 2 * 256 + 4095) & ~4095ull;
    q = (VDrvQueue){ .num = 256, .desc = ring, .avail = avail, .used = used };
    vdrv_desc(d, ring, 0, VDRV_BUF_BASE, 32, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, &q, 0);
    vdrv_legacy_wr(d, VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(vdrv_used_idx(d, &q), 1);
    assert_int_equal(vdrv_used_len(d, &q, 0), 32);
    assert_int_equal(d->level[VDRV_GSI], 1);
    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_PCI_ISR, 1), 1);
    assert_int_equal(d->level[VDRV_GSI], 0);
    /* with MSI-X on, the vectors sit at 20 and the config moves to 24 */
    vdrv_msix_enable(d, RNG_VECTORS);
    vdrv_legacy_wr(d, VIRTIO_MSI_QUEUE_VECTOR, 0, 2);
    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_MSI_QUEUE_VECTOR, 2), 0);
    vdrv_legacy_wr(d, VIRTIO_MSI_CONFIG_VECTOR, 5, 2);
    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_MSI_CONFIG_VECTOR, 2), 0xffff);
    vdrv_poke(d, avail + 4 + 2 * 256, 1, 2);       /* EVENT_IDX: used_event */
    vdrv_desc(d, ring, 1, VDRV_BUF_BASE, 32, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, &q, 1);
    vdrv_legacy_wr(d, VIRTIO_PCI_QUEUE_NOTIFY, 0, 2);
    assert_int_equal(vdrv_used_idx(d, &q), 2);
    assert_true(vdrv_msi_seen(d, 0));
    /* PFN 0 takes the queue away; status 0 resets */
    vdrv_legacy_wr(d, VIRTIO_PCI_QUEUE_PFN, 0, 4);
    assert_false(d->p->vdev.vq[0].enabled);
    vdrv_legacy_wr(d, VIRTIO_PCI_STATUS, 0, 1);
    assert_int_equal(vdrv_legacy_rd(d, VIRTIO_PCI_STATUS, 1), 0);
    assert_false(d->p->vdev.legacy);
}

static void test_save_load(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;
    SaveBuf s, r;
    Error err = { "" };
    Device *dev = &d->p->pci.dev;

    rng_start(d, &q, VDRV_BASE_FEATURES);
    rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
    savebuf_init(&s);
    dev->type->save(dev, &s);
    vdrv_set_status(d, 0);
    savebuf_init_read(&r, s.data, s.len);
    assert_int_equal(dev->type->load(dev, &r, &err), 0);
    dev->type->post_load ? dev->type->post_load(dev) : (void)0;
    assert_int_equal(vdrv_status(d) & VIRTIO_STATUS_DRIVER_OK,
                     VIRTIO_STATUS_DRIVER_OK);
    rng_request(d, &q, 1, VDRV_BUF_BASE, 8);
    assert_int_equal(vdrv_used_idx(d, &q), 2);
    assert_int_equal(vdrv_used_id(d, &q, 1), 1);
    /* a truncated stream is refused and changes nothing */
    savebuf_init_read(&r, s.data, s.len - 3);
    assert_int_equal(dev->type->load(dev, &r, &err), -1);
    assert_int_equal(d->p->vdev.vq[0].used_idx, 2);
    savebuf_free(&s);
}

/* ---- hostile rings ---- */

typedef void (*Hostile)(VDrv *d, VDrvQueue *q);

static void h_desc_outside_ram(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 0, 0x7fff00000000ull, 64, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, q, 0);
}

static void h_buffer_across_ram_end(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 0, VDRV_RAM - 8, 64, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, q, 0);
}

static void h_buffer_on_mmio(VDrv *d, VDrvQueue *q)
{
    /* the device's own registers: DMA must never re-enter it */
    vdrv_desc(d, q->desc, 0, VDRV_MODERN, 64, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, q, 0);
}

static void h_huge_length(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 0, VDRV_BUF_BASE, 0xffffffff, VRING_DESC_F_WRITE,
              0);
    vdrv_post(d, q, 0);
}

static void h_address_wraps(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 0, ~0ull - 4, 64, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, q, 0);
}

static void h_loop(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 0, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    vdrv_desc(d, q->desc, 1, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
    vdrv_post(d, q, 0);
}

static void h_self_loop(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 4, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 4);
    vdrv_post(d, q, 4);
}

static void h_next_out_of_table(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 0, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 16);
    vdrv_post(d, q, 0);
}

static void h_head_out_of_table(VDrv *d, VDrvQueue *q)
{
    vdrv_post(d, q, 16);
}

static void h_avail_idx_jump(VDrv *d, VDrvQueue *q)
{
    vdrv_poke(d, q->avail + 2, 17, 2);
}

static void h_avail_idx_backwards(VDrv *d, VDrvQueue *q)
{
    vdrv_poke(d, q->avail + 2, 0xffff, 2);
}

static void h_readable_after_writable(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, q->desc, 0, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    vdrv_desc(d, q->desc, 1, VDRV_BUF_BASE, 8, 0, 0);
    vdrv_post(d, q, 0);
}

static void h_indirect(VDrv *d, VDrvQueue *q, uint64_t table, uint32_t len,
                       uint16_t flags)
{
    vdrv_desc(d, q->desc, 0, table, len, VRING_DESC_F_INDIRECT | flags, 1);
    vdrv_desc(d, q->desc, 1, VDRV_BUF_BASE, 8, VRING_DESC_F_WRITE, 0);
    vdrv_post(d, q, 0);
}

static void h_indirect_in_indirect(VDrv *d, VDrvQueue *q)
{
    uint64_t t = VDRV_BUF_BASE + 0x10000;

    vdrv_desc(d, t, 0, t, 32, VRING_DESC_F_INDIRECT, 0);
    h_indirect(d, q, t, 32, 0);
}

static void h_indirect_empty(VDrv *d, VDrvQueue *q)
{
    h_indirect(d, q, VDRV_BUF_BASE, 0, 0);
}

static void h_indirect_odd_length(VDrv *d, VDrvQueue *q)
{
    h_indirect(d, q, VDRV_BUF_BASE, 17, 0);
}

static void h_indirect_too_long(VDrv *d, VDrvQueue *q)
{
    h_indirect(d, q, VDRV_BUF_BASE, 16 * (VIRTQUEUE_MAX_SEGS + 1), 0);
}

static void h_indirect_with_next(VDrv *d, VDrvQueue *q)
{
    vdrv_desc(d, VDRV_BUF_BASE + 0x10000, 0, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE, 0);
    h_indirect(d, q, VDRV_BUF_BASE + 0x10000, 16, VRING_DESC_F_NEXT);
}

static void h_indirect_outside_ram(VDrv *d, VDrvQueue *q)
{
    h_indirect(d, q, 0xfffffffff000ull, 64, 0);
}

static void h_indirect_loop(VDrv *d, VDrvQueue *q)
{
    uint64_t t = VDRV_BUF_BASE + 0x10000;

    vdrv_desc(d, t, 0, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
    vdrv_desc(d, t, 1, VDRV_BUF_BASE, 8,
              VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
    h_indirect(d, q, t, 32, 0);
}

static void h_ring_outside_ram(VDrv *d, VDrvQueue *q)
{
    vdrv_set_status(d, 0);
    vdrv_msix_enable(d, RNG_VECTORS);
    vdrv_negotiate(d, VDRV_BASE_FEATURES);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_MSIX, CFG_VECTOR, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_DESCLO, q->desc, 8);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_AVAILLO, 0xfffffffffff0ull, 8);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_USEDLO, q->used, 8);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    vdrv_driver_ok(d);
}

static void h_ring_misaligned(VDrv *d, VDrvQueue *q)
{
    vdrv_set_status(d, 0);
    vdrv_msix_enable(d, RNG_VECTORS);
    vdrv_negotiate(d, VDRV_BASE_FEATURES);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_MSIX, CFG_VECTOR, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_DESCLO, q->desc + 8, 8);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_AVAILLO, q->avail, 8);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_USEDLO, q->used, 8);
    vdrv_common_wr(d, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    vdrv_driver_ok(d);
}

static const struct {
    const char *name;
    Hostile setup;
    uint64_t features;
} hostile_cases[] = {
    { "descriptor outside RAM", h_desc_outside_ram, VDRV_BASE_FEATURES },
    { "buffer across the end of RAM", h_buffer_across_ram_end,
      VDRV_BASE_FEATURES },
    { "buffer on MMIO", h_buffer_on_mmio, VDRV_BASE_FEATURES },
    { "4 GiB length", h_huge_length, VDRV_BASE_FEATURES },
    { "address wraps", h_address_wraps, VDRV_BASE_FEATURES },
    { "loop", h_loop, VDRV_BASE_FEATURES },
    { "self loop", h_self_loop, VDRV_BASE_FEATURES },
    { "next out of table", h_next_out_of_table, VDRV_BASE_FEATURES },
    { "head out of table", h_head_out_of_table, VDRV_BASE_FEATURES },
    { "avail idx jump", h_avail_idx_jump, VDRV_BASE_FEATURES },
    { "avail idx backwards", h_avail_idx_backwards, VDRV_BASE_FEATURES },
    { "readable after writable", h_readable_after_writable,
      VDRV_BASE_FEATURES },
    { "indirect in indirect", h_indirect_in_indirect, VDRV_BASE_FEATURES },
    { "indirect not negotiated", h_indirect_in_indirect,
      VDRV_F(VIRTIO_F_VERSION_1) },
    { "indirect empty", h_indirect_empty, VDRV_BASE_FEATURES },
    { "indirect odd length", h_indirect_odd_length, VDRV_BASE_FEATURES },
    { "indirect too long", h_indirect_too_long, VDRV_BASE_FEATURES },
    { "indirect with next", h_indirect_with_next, VDRV_BASE_FEATURES },
    { "indirect outside RAM", h_indirect_outside_ram, VDRV_BASE_FEATURES },
    { "indirect loop", h_indirect_loop, VDRV_BASE_FEATURES },
    { "ring outside RAM", h_ring_outside_ram, VDRV_BASE_FEATURES },
    { "ring misaligned", h_ring_misaligned, VDRV_BASE_FEATURES },
};

/* Each case breaks the device: NEEDS_RESET, config interrupt, no more
 * service until reset, then it works again. Nothing outside RAM moves. */
static void test_hostile_rings(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;

    for (size_t i = 0; i < ARRAY_SIZE(hostile_cases); i++) {
        uint8_t before[64], after[64];

        print_message("  %s\n", hostile_cases[i].name);
        rng_start(d, &q, hostile_cases[i].features);
        vdrv_msi_seen(d, CFG_VECTOR);
        vdrv_msi_seen(d, 0);
        address_space_read(&d->m.mem, VDRV_RAM - 64, before, 64);
        hostile_cases[i].setup(d, &q);
        vdrv_notify(d, 0);
        assert_true(d->p->vdev.broken);
        assert_true(d->p->vdev.broken_msg[0]);
        assert_true(vdrv_status(d) & VIRTIO_STATUS_NEEDS_RESET);
        assert_true(vdrv_msi_seen(d, CFG_VECTOR));
        assert_int_equal(vdrv_used_idx(d, &q), 0);
        address_space_read(&d->m.mem, VDRV_RAM - 64, after, 64);
        assert_memory_equal(before, after, 64);
        /* a status write keeps NEEDS_RESET; a notify does nothing */
        vdrv_driver_ok(d);
        assert_true(vdrv_status(d) & VIRTIO_STATUS_NEEDS_RESET);
        vdrv_notify(d, 0);
        assert_false(vdrv_msi_seen(d, 0));
        /* reset and a good request */
        vdrv_set_status(d, 0);
        assert_int_equal(vdrv_status(d), 0);
        assert_false(d->p->vdev.broken);
        rng_start(d, &q, VDRV_BASE_FEATURES);
        rng_request(d, &q, 0, VDRV_BUF_BASE, 8);
        assert_int_equal(vdrv_used_idx(d, &q), 1);
        vdrv_set_status(d, 0);
    }
}

/* INTx mode: the broken device raises the config bit of ISR. */
static void test_broken_intx(void **state)
{
    VDrv *d = *state;
    VDrvQueue q;

    assert_true(vdrv_negotiate(d, VDRV_BASE_FEATURES) &
                VIRTIO_STATUS_FEATURES_OK);
    vdrv_queue_setup(d, &q, 0, 16, VIRTIO_NO_VECTOR);
    vdrv_driver_ok(d);
    h_loop(d, &q);
    vdrv_notify(d, 0);
    assert_int_equal(d->level[VDRV_GSI], 1);
    assert_int_equal(vdrv_isr(d), VIRTIO_ISR_CONFIG);
    assert_int_equal(d->level[VDRV_GSI], 0);
    assert_int_equal(vdrv_common_rd(d, VIRTIO_PCI_COMMON_CFGGEN, 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_ids_and_capabilities),
        T(test_feature_negotiation),
        T(test_queue_config),
        T(test_rng_msix),
        T(test_rng_intx),
        T(test_no_bus_master),
        T(test_chain_and_indirect),
        T(test_event_idx),
        T(test_legacy_driver),
        T(test_save_load),
        T(test_hostile_rings),
        T(test_broken_intx),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
