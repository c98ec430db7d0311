/*
 * Checksums and TCP segmentation done in software for NICs that offer
 * the offloads to their guest (see net.h): the Internet checksum (RFC
 * 1071) and TCP/IPv4 segmentation of a large segment into frames of at
 * most one MSS of payload each (what a NIC's TSO does, RFC 793 / 791
 * fields: sequence numbers, IP identification and lengths, FIN/PSH on
 * the last segment only, CWR on the first only, both checksums).
 */
#include "net/net.h"

#include <string.h>

#define ETH_HLEN      14
#define ETH_P_IPV4    0x0800
#define IPPROTO_TCP_  6
#define TCP_FIN       0x01
#define TCP_PSH       0x08
#define TCP_CWR       0x80

uint16_t net_checksum_add(const uint8_t *buf, size_t len, uint32_t sum)
{
    uint64_t s = sum;

    for (size_t i = 0; i + 1 < len; i += 2) {
        s += (uint32_t)buf[i] << 8 | buf[i + 1];
    }
    if (len & 1) {
        s += (uint32_t)buf[len - 1] << 8;
    }
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return (uint16_t)s;
}

/* Fills in the IPv4 header checksum and the TCP checksum of seg. */
static void net_tso4_checksums(uint8_t *seg, unsigned ihl, size_t tcp_len)
{
    uint8_t *ip = seg + ETH_HLEN, *tcp = ip + ihl;
    uint32_t pseudo;

    st16be(ip + 10, 0);
    st16be(ip + 10, (uint16_t)~net_checksum_add(ip, ihl, 0));
    pseudo = net_checksum_add(ip + 12, 8, 0) + IPPROTO_TCP_ +
             (uint32_t)tcp_len;
    st16be(tcp + 16, 0);
    st16be(tcp + 16, (uint16_t)~net_checksum_add(tcp, tcp_len, pseudo));
}

int net_tso4_segment(const uint8_t *frame, size_t len, uint16_t mss,
                     uint8_t *seg, net_tso_emit emit, void *opaque)
{
    const uint8_t *ip = frame + ETH_HLEN;
    unsigned ihl, thl, hlen, nseg;
    uint32_t seq;
    uint16_t id;
    uint8_t flags;

    if (len < ETH_HLEN + 40 || ld16be(frame + 12) != ETH_P_IPV4 ||
        (ip[0] >> 4) != 4 || (ihl = (ip[0] & 15) * 4u) < 20 ||
        ip[9] != IPPROTO_TCP_ || len < ETH_HLEN + ihl + 20) {
        return -1;
    }
    thl = (ip[ihl + 12] >> 4) * 4u;
    hlen = ETH_HLEN + ihl + thl;
    if (thl < 20 || len < hlen || mss == 0) {
        return -1;
    }
    nseg = len == hlen ? 1 : (unsigned)((len - hlen + mss - 1) / mss);
    if (nseg > NET_TSO_MAX_SEGS) {
        return -1;               /* an MSS that small is not TSO */
    }
    seq = ld32be(ip + ihl + 4);
    id = ld16be(ip + 4);
    flags = ip[ihl + 13];
    for (unsigned i = 0; i < nseg; i++) {
        size_t off = hlen + (size_t)i * mss;
        size_t chunk = MIN((size_t)mss, len - off);
        uint8_t *sip = seg + ETH_HLEN, *stcp = sip + ihl;
        uint32_t sq = seq + (uint32_t)i * mss;
        uint8_t drop = (i + 1 < nseg ? TCP_FIN | TCP_PSH : 0) |
                       (i > 0 ? TCP_CWR : 0);

        memcpy(seg, frame, hlen);
        memcpy(seg + hlen, frame + off, chunk);
        st16be(sip + 2, (uint16_t)(ihl + thl + chunk));
        st16be(sip + 4, (uint16_t)(id + i));
        st32be(stcp + 4, sq);
        stcp[13] = flags & (uint8_t)~drop;
        net_tso4_checksums(seg, ihl, thl + chunk);
        emit(opaque, seg, hlen + chunk);
    }
    return (int)nseg;
}
