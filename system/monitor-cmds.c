/*
 * The monitor's commands (monitor-cmds.def): the QMP handlers, which the
 * human monitor calls too where the commands overlap.
 */
#include "system/monitor-int.h"

#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hw/acpi/piix4-pm.h"
#include "hw/pci/pci.h"
#include "ui/monitor-ui.h"
#include "migration/migration.h"

json_t *qmp_capabilities(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_version(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_commands(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_status(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_name(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_cpus_fast(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_kvm(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_machines(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_query_pci(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_stop(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_cont(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_system_reset(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_system_powerdown(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_quit(Monitor *mon, json_t *args, QmpError *e);
json_t *qmp_human_monitor_command(Monitor *mon, json_t *args, QmpError *e);
void hmp_help(Monitor *mon, const char *args);
void hmp_info(Monitor *mon, const char *args);
void hmp_x(Monitor *mon, const char *args);
void hmp_xp(Monitor *mon, const char *args);

const MonitorCmd monitor_cmds[] = {
#define CMD(qmp_name, hmp_name, args, qmp, hmp, help) \
    { qmp_name, hmp_name, args, qmp, hmp, help },
#include "system/monitor-cmds.def"
#undef CMD
};
const size_t monitor_ncmds = ARRAY_SIZE(monitor_cmds);

const MonitorCmd *monitor_find_qmp(const char *name)
{
    for (size_t i = 0; i < monitor_ncmds; i++) {
        if (monitor_cmds[i].name && !strcmp(monitor_cmds[i].name, name)) {
            return &monitor_cmds[i];
        }
    }
    return NULL;
}

const MonitorCmd *monitor_find_hmp(const char *name)
{
    for (size_t i = 0; i < monitor_ncmds; i++) {
        if (monitor_cmds[i].hmp_name &&
            !strcmp(monitor_cmds[i].hmp_name, name)) {
            return &monitor_cmds[i];
        }
    }
    return NULL;
}

X86CPUState *monitor_cpu_state(Machine *m)
{
    VCPU *cpu = m->ncpus ? m->cpus[0] : NULL;

    if (!cpu) {
        return NULL;
    }
    if (m->vm_stopped && m->accel->get_state) {
        m->accel->get_state(cpu);
    }
    return &cpu->env;
}

/* ---- QMP handlers ---- */

json_t *qmp_capabilities(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *en = json_object_get(args, "enable");

    if (en && json_array_size(en) > 0) {
        json_t *cap = json_array_get(en, 0);
        return qmp_error(e, "GenericError", "Capability '%s' not available",
                         json_is_string(cap) ? json_string_value(cap) : "?");
    }
    mon->negotiated = true;
    return json_object();
}

json_t *qmp_query_version(Monitor *mon, json_t *args, QmpError *e)
{
    int major = 0, minor = 0, micro = 0;

    sscanf(KITE_VERSION, "%d.%d.%d", &major, &minor, &micro);
    return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu", "micro", micro,
                     "minor", minor, "major", major,
                     "package", "Kite " KITE_VERSION);
}

json_t *qmp_query_commands(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *list = json_array();

    for (size_t i = 0; i < monitor_ncmds; i++) {
        if (monitor_cmds[i].name) {
            json_array_append_new(list, json_pack("{s:s}", "name",
                                                  monitor_cmds[i].name));
        }
    }
    return list;
}

json_t *qmp_query_status(Monitor *mon, json_t *args, QmpError *e)
{
    bool stopped = mon->m->vm_stopped;
    const char *mig = migration_run_state(mon->m);

    return json_pack("{s:b,s:b,s:s}", "running", !stopped,
                     "singlestep", false,
                     "status", mig ? mig : stopped ? "paused" : "running");
}

json_t *qmp_query_name(Monitor *mon, json_t *args, QmpError *e)
{
    const char *name = mon->m->cfg.name;

    return name ? json_pack("{s:s}", "name", name) : json_object();
}

json_t *qmp_query_cpus_fast(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *list = json_array();
    Machine *m = mon->m;

    for (int i = 0; i < m->ncpus; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/machine/unattached/device[%d]", i);
        json_array_append_new(list, json_pack(
            "{s:i,s:s,s:i,s:s,s:{s:i,s:i,s:i}}", "cpu-index", i,
            "qom-path", path, "thread-id", atomic_load(&m->cpus[i]->host_tid),
            "target", "x86_64", "props",
            "core-id", 0, "thread-id", 0, "socket-id", i));
    }
    return list;
}

json_t *qmp_query_kvm(Monitor *mon, json_t *args, QmpError *e)
{
    bool enabled = !strcmp(mon->m->accel->name, "kvm");

    return json_pack("{s:b,s:b}", "enabled", enabled, "present",
                     enabled || access("/dev/kvm", R_OK | W_OK) == 0);
}

json_t *qmp_query_machines(Monitor *mon, json_t *args, QmpError *e)
{
    return json_pack("[{s:s,s:b,s:i,s:b,s:b,s:b,s:s,s:s,s:b}]",
                     "name", "pc", "is-default", true, "cpu-max", 1,
                     "hotpluggable-cpus", false, "numa-mem-supported", false,
                     "deprecated", false, "default-cpu-type",
                     "qemu64-x86_64-cpu", "default-ram-id", "pc.ram",
                     "acpi", true);
}

static json_t *pci_regions(PCIDevice *d)
{
    json_t *list = json_array();

    for (int n = 0; n < PCI_NUM_BARS; n++) {
        const PCIBar *b = &d->bars[n];
        uint64_t addr = pci_bar_addr(d, n);
        if (!b->size) {
            continue;
        }
        json_array_append_new(list, json_pack(
            "{s:i,s:s,s:I,s:I,s:b,s:b}", "bar", n, "type",
            (b->type & PCI_BAR_IO) ? "io" : "memory",
            "address", (json_int_t)(addr == PCI_BAR_UNMAPPED ? -1 : (int64_t)addr),
            "size", (json_int_t)b->size,
            "prefetch", (b->type & PCI_BAR_PREFETCH) != 0,
            "mem_type_64", (b->type & PCI_BAR_MEM64) != 0));
    }
    return list;
}

static void pci_add_device(PCIDevice *d, void *opaque)
{
    const uint8_t *c = d->config;

    json_array_append_new(opaque, json_pack(
        "{s:i,s:i,s:i,s:{s:i},s:{s:i,s:i,s:i,s:i},s:i,s:s,s:o}",
        "bus", 0, "slot", d->devfn >> 3, "function", d->devfn & 7,
        "class_info", "class", pci_get_word(c + PCI_CLASS_PROG + 1),
        "id", "device", pci_get_word(c + PCI_DEVICE_ID),
        "vendor", pci_get_word(c + PCI_VENDOR_ID),
        "subsystem", pci_get_word(c + PCI_SUBSYSTEM_ID),
        "subsystem-vendor", pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID),
        "irq", c[PCI_INTERRUPT_LINE],
        "qdev_id", d->dev.id ? d->dev.id : "",
        "regions", pci_regions(d)));
}

json_t *qmp_query_pci(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *devs = json_array();

    if (mon->m->pci_bus) {
        pci_bus_foreach(mon->m->pci_bus, pci_add_device, devs);
    }
    return json_pack("[{s:i,s:o}]", "bus", 0, "devices", devs);
}

json_t *qmp_stop(Monitor *mon, json_t *args, QmpError *e)
{
    vm_stop_locked(mon->m);
    return json_object();
}

json_t *qmp_cont(Monitor *mon, json_t *args, QmpError *e)
{
    vm_start_locked(mon->m);
    return json_object();
}

json_t *qmp_system_reset(Monitor *mon, json_t *args, QmpError *e)
{
    mon->m->reset_by_monitor = true;
    machine_request_reset(mon->m);
    return json_object();
}

json_t *qmp_system_powerdown(Monitor *mon, json_t *args, QmpError *e)
{
    Device *pm = device_find_child(mon->m->root, "piix4-pm");

    if (!pm) {
        return qmp_error(e, "GenericError", "this machine has no ACPI power "
                         "button (no piix4-pm device)");
    }
    pm_press_power_button((PMState *)pm);
    monitor_event(mon->m, "POWERDOWN", NULL);
    return json_object();
}

json_t *qmp_quit(Monitor *mon, json_t *args, QmpError *e)
{
    mon->m->quit_reason = mon->qmp ? "host-qmp-quit" : "host-hmp-quit";
    mon->m->user_quit = true;
    machine_request_exit(mon->m, 0);
    return json_object();
}

json_t *qmp_human_monitor_command(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *idx = json_object_get(args, "cpu-index");
    char *out;

    if (idx && (json_integer_value(idx) < 0 ||
                json_integer_value(idx) >= mon->m->ncpus)) {
        return qmp_error(e, "GenericError", "Parameter 'cpu-index' expects "
                         "a CPU number below %d", mon->m->ncpus);
    }
    json_t *ret;

    out = hmp_run_captured(mon, json_string_value(
                                    json_object_get(args, "command-line")));
    ret = json_string(out);
    free(out);
    return ret ? ret : json_string("(output is not valid UTF-8)\n");
}
