/*
 * Every device type Kite knows, in one table. A device file defines its
 * `const DeviceType foo_type` and adds it here.
 */
#include "hw/core/devtypes.h"

/* The machine's root node: holds every other device. */
const DeviceType machine_root_type = {
    .name = "machine",
    .desc = "root of the device tree",
    .instance_size = sizeof(Device),
};

const DeviceType *const kite_device_types[] = {
    &machine_root_type,
    &serial_isa_type,
    &fw_cfg_io_type,
    &isa_debug_exit_type,
    &port92_type,
    &reset_control_type,
    &i8042_type,
    &mc146818rtc_type,
    &pic_type,
    &ioapic_type,
    &apic_type,
    &pit_type,
    &i440fx_type,
    &piix3_type,
    &piix3_ide_type,
    &boot_order_type,
    &pci_testdev_type,
    &pc_testdev_type,
    &port80_type,
    &hpet_type,
    &piix4_pm_type,
    &acpi_tables_type,
    &ferr_type,
    &virtio_rng_pci_type,
    &virtio_blk_pci_type,
    &virtio_net_pci_type,
    &virtio_serial_pci_type,
    &virtconsole_type,
    &virtserialport_type,
    &isa_debugcon_type,
    &smbios_tables_type,
    &bios_data_area_type,
    &vga_pci_type,
    &virtio_keyboard_pci_type,
    &virtio_tablet_pci_type,
    NULL,
};
