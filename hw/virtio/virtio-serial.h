/*
 * virtio-serial-pci and its ports (virtconsole, virtserialport): the
 * state, for tests. See virtio-serial.c.
 */
#ifndef KITE_VIRTIO_SERIAL_H
#define KITE_VIRTIO_SERIAL_H

#include "hw/virtio/virtio-pci.h"
#include "system/chardev.h"

/* Queue pairs: port 0, the control pair, ports 1.. (VIRTIO_QUEUE_MAX). */
#define VSER_MAX_PORTS      ((VIRTIO_QUEUE_MAX - 2) / 2)
#define VSER_CTRL_MAX       64      /* device messages waiting */
#define VSER_NAME_MAX       64

#define VIRTIO_CONSOLE_F_SIZE      0
#define VIRTIO_CONSOLE_F_MULTIPORT 1

/* Control events (VIRTIO 1.1, 5.3.6.2) */
#define VIRTIO_CONSOLE_DEVICE_READY  0
#define VIRTIO_CONSOLE_DEVICE_ADD    1
#define VIRTIO_CONSOLE_DEVICE_REMOVE 2
#define VIRTIO_CONSOLE_PORT_READY    3
#define VIRTIO_CONSOLE_CONSOLE_PORT  4
#define VIRTIO_CONSOLE_RESIZE        5
#define VIRTIO_CONSOLE_PORT_OPEN     6
#define VIRTIO_CONSOLE_PORT_NAME     7

typedef struct VirtIOSerial VirtIOSerial;

typedef struct VirtSerialPort {
    Device dev;
    char *chardev;               /* property: a -chardev id */
    char *name;                  /* property: the port's name */
    uint32_t nr;                 /* property: port number */
    bool console;                /* virtconsole */
    VirtIOSerial *bus;
    Chardev chr;
    bool chr_open;
    bool ready;                  /* the driver sent PORT_READY */
    bool guest_open;             /* the driver opened it */
    uint64_t to_host, to_guest;  /* bytes */
} VirtSerialPort;

typedef struct VSerCtrlMsg {
    uint16_t len;
    uint8_t data[8 + VSER_NAME_MAX];
} VSerCtrlMsg;

struct VirtIOSerial {
    VirtIOPCIProxy proxy;
    uint32_t max_ports;          /* property */
    VirtIODeviceClass vc;
    VirtSerialPort *ports[VSER_MAX_PORTS];
    VSerCtrlMsg ctrl[VSER_CTRL_MAX];   /* waiting for control buffers */
    unsigned ctrl_head, ctrl_len;
    uint64_t ctrl_dropped;
};

/* Queue of port p's receive (guest input) and transmit sides. */
static inline unsigned vser_rx_queue(unsigned port)
{
    return port == 0 ? 0 : 2 + 2 * port;
}

#endif
