/* Unit tests for the network backends without a guest: a fake NIC on
 * -netdev user answers an ARP request for the gateway and a DHCP
 * discover (libslirp inside Kite's main loop, timers on the machine's
 * clock); hostfwd= on a port already taken is a clean error; a peer
 * that refuses keeps frames queued in order; a NIC is joined to one
 * backend only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "tests/fuzz/virtio-driver.h"

typedef struct Nic {
    NetClient *nc;
    bool refuse;
    unsigned got;
    uint8_t last[2048];
    size_t last_len;
} Nic;

static long nic_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Nic *n = nc->opaque;

    if (n->refuse) {
        return 0;
    }
    n->got++;
    n->last_len = MIN(len, sizeof(n->last));
    memcpy(n->last, buf, n->last_len);
    return (long)len;
}

static const NetClientOps nic_ops = { .kind = "nic", .receive = nic_receive };

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

static VDrv *machine_with_loop(void)
{
    Error err = { "" };
    VDrv *d = vdrv_machine_new(NULL, &err);

    assert_int_equal(main_loop_init(&d->m.loop), 0);
    return d;
}

static void machine_free(VDrv *d)
{
    net_cleanup(&d->m);
    main_loop_destroy(&d->m.loop);
    vdrv_free(d);
}

static void test_slirp_arp(void **state)
{
    VDrv *d = machine_with_loop();
    Error err = { "" };
    NetClient *user = net_slirp_new(&d->m, "u", "", &err);
    Nic nic = { 0 };
    uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    assert_non_null(user);
    assert_ptr_equal(net_client_find(&d->m, "u"), user);
    nic.nc = net_client_new(&d->m, &nic_ops, "nic", &nic);
    assert_int_equal(net_client_connect(nic.nc, user, &err), 0);
    memcpy(arp + 6, guest_mac, 6);
    st16be(arp + 12, 0x0806);
    memcpy(arp + 14, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
    memcpy(arp + 22, guest_mac, 6);
    memcpy(arp + 28, (const uint8_t[]){ 10, 0, 2, 15 }, 4);
    memcpy(arp + 38, (const uint8_t[]){ 10, 0, 2, 2 }, 4);    /* who has */
    pthread_mutex_lock(&d->m.lock);
    assert_true(net_send(nic.nc, arp, sizeof(arp)));
    pthread_mutex_unlock(&d->m.lock);
    main_loop_wait(&d->m, 0);
    assert_true(nic.got >= 1);
    assert_memory_equal(nic.last, guest_mac, 6);               /* to us */
    assert_int_equal(ld16be(nic.last + 12), 0x0806);
    assert_int_equal(ld16be(nic.last + 20), 2);                /* reply */
    assert_memory_equal(nic.last + 28, ((const uint8_t[]){ 10, 0, 2, 2 }),
                        4);
    net_client_free(nic.nc);
    machine_free(d);
}

/* A BOOTP/DHCP discover from 0.0.0.0: slirp offers 10.0.2.15. */
static void test_slirp_dhcp(void **state)
{
    VDrv *d = machine_with_loop();
    Error err = { "" };
    NetClient *user = net_slirp_new(&d->m, "u", "net=10.9.0.0/16", &err);
    Nic nic = { 0 };
    uint8_t f[14 + 20 + 8 + 300] = { 0 };
    uint8_t *ip = f + 14, *udp = ip + 20, *bootp = udp + 8;

    assert_non_null(user);
    nic.nc = net_client_new(&d->m, &nic_ops, "nic", &nic);
    assert_int_equal(net_client_connect(nic.nc, user, &err), 0);
    memset(f, 0xff, 6);
    memcpy(f + 6, guest_mac, 6);
    st16be(f + 12, 0x0800);
    ip[0] = 0x45;
    st16be(ip + 2, 20 + 8 + 300);
    ip[8] = 64;
    ip[9] = 17;
    memset(ip + 16, 0xff, 4);
    st16be(ip + 10, (uint16_t)~net_checksum_add(ip, 20, 0));
    st16be(udp, 68);
    st16be(udp + 2, 67);
    st16be(udp + 4, 8 + 300);
    bootp[0] = 1;                                   /* BOOTREQUEST */
    bootp[1] = 1;
    bootp[2] = 6;
    st32be(bootp + 4, 0x1234);                      /* xid */
    memcpy(bootp + 28, guest_mac, 6);
    st32be(bootp + 236, 0x63825363);                /* magic cookie */
    memcpy(bootp + 240, (const uint8_t[]){ 53, 1, 1, 255 }, 4);  /* DISCOVER */
    pthread_mutex_lock(&d->m.lock);
    net_send(nic.nc, f, sizeof(f));
    pthread_mutex_unlock(&d->m.lock);
    assert_int_equal(nic.got, 1);
    assert_int_equal(nic.last[14 + 9], 17);
    assert_int_equal(ld16be(nic.last + 14 + 20 + 2), 68);
    /* yiaddr: the first address of the network's DHCP range */
    assert_memory_equal(nic.last + 14 + 28 + 16,
                        ((const uint8_t[]){ 10, 9, 0, 15 }), 4);
    net_client_free(nic.nc);
    machine_free(d);
}

static void test_hostfwd_port_taken(void **state)
{
    VDrv *d = machine_with_loop();
    Error err = { "" };
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);
    char *opts;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s, 1), 0);
    getsockname(s, (struct sockaddr *)&a, &alen);
    opts = xasprintf("hostfwd=tcp:127.0.0.1:%d-:22", ntohs(a.sin_port));
    assert_null(net_slirp_new(&d->m, "u", opts, &err));
    assert_non_null(strstr(err.msg, "hostfwd"));
    assert_int_equal(d->m.nnetdevs, 0);
    free(opts);
    close(s);
    machine_free(d);
}

/* Frames a peer refuses wait in order; one refused frame stops the flush. */
static void test_queue_order(void **state)
{
    Nic a = { 0 }, b = { .refuse = true };
    Error err = { "" };
    uint8_t f[20] = { 0 };

    a.nc = net_client_new(NULL, &nic_ops, "a", &a);
    b.nc = net_client_new(NULL, &nic_ops, "b", &b);
    assert_int_equal(net_client_connect(a.nc, b.nc, &err), 0);
    for (int i = 0; i < 3; i++) {
        f[0] = (uint8_t)i;
        assert_true(net_send(a.nc, f, sizeof(f)));
    }
    assert_int_equal(a.nc->q_len, 3);
    b.refuse = false;
    net_flush_queue(b.nc);
    assert_int_equal(b.got, 3);
    assert_int_equal(b.last[0], 2);
    assert_int_equal(a.nc->q_len, 0);
    assert_false(net_send(a.nc, f, 0));                 /* empty frame */
    assert_false(net_send(a.nc, f, NET_MAX_FRAME + 1));
    /* b is taken */
    {
        Nic c = { 0 };
        c.nc = net_client_new(NULL, &nic_ops, "c", &c);
        assert_int_equal(net_client_connect(c.nc, b.nc, &err), -1);
        assert_non_null(strstr(err.msg, "already in use"));
        net_client_free(c.nc);
    }
    net_client_free(b.nc);
    assert_null(a.nc->peer);
    assert_false(net_send(a.nc, f, sizeof(f)));         /* no peer */
    net_client_free(a.nc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slirp_arp),
        cmocka_unit_test(test_slirp_dhcp),
        cmocka_unit_test(test_hostfwd_port_taken),
        cmocka_unit_test(test_queue_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
