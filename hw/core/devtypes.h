/*
 * The table of every device type Kite knows (defined in devtypes.c, one
 * line per type). A new device adds its extern declaration and its entry.
 */
#ifndef KITE_DEVTYPES_H
#define KITE_DEVTYPES_H

#include "hw/core/qdev.h"

extern const DeviceType *const kite_device_types[];
extern const DeviceType machine_root_type;
extern const DeviceType serial_isa_type;
extern const DeviceType fw_cfg_io_type;
extern const DeviceType isa_debug_exit_type;
extern const DeviceType port92_type;
extern const DeviceType reset_control_type;
extern const DeviceType i8042_type;
extern const DeviceType mc146818rtc_type;
extern const DeviceType pic_type;
extern const DeviceType ioapic_type;
extern const DeviceType apic_type;
extern const DeviceType pit_type;
extern const DeviceType i440fx_type;
extern const DeviceType piix3_type;
extern const DeviceType piix3_ide_type;
extern const DeviceType boot_order_type;
extern const DeviceType pci_testdev_type;
extern const DeviceType pc_testdev_type;
extern const DeviceType port80_type;
extern const DeviceType hpet_type;
extern const DeviceType piix4_pm_type;
extern const DeviceType acpi_tables_type;
extern const DeviceType ferr_type;
extern const DeviceType virtio_rng_pci_type;
extern const DeviceType virtio_keyboard_pci_type;
extern const DeviceType virtio_tablet_pci_type;
extern const DeviceType virtio_blk_pci_type;
extern const DeviceType virtio_net_pci_type;
extern const DeviceType virtio_serial_pci_type;
extern const DeviceType virtconsole_type;
extern const DeviceType virtserialport_type;
extern const DeviceType isa_debugcon_type;
extern const DeviceType smbios_tables_type;
extern const DeviceType bios_data_area_type;
extern const DeviceType vga_pci_type;

#endif
