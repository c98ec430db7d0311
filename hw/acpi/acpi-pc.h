/*
 * The pc machine's ACPI and MP tables (hw/acpi/acpi-pc.c): the
 * "acpi-tables" device, created after every other device, builds them
 * and publishes them through fw_cfg and, for -kernel boots, guest RAM.
 */
#ifndef KITE_ACPI_PC_H
#define KITE_ACPI_PC_H

#include "hw/acpi/acpi.h"
#include "hw/pc/pc.h"

extern const DeviceType acpi_tables_type;

/*
 * Reserves the E820_ACPI region (0xe0000-0xeffff) for the tables of a
 * -kernel boot and sets m->acpi_tables_addr (0 when firmware installs
 * them). Call before anything publishes or loads the e820 map.
 */
void acpi_pc_reserve(Machine *m);

#endif
