/*
 * The `pc` machine: builds a Machine from a MachineConfig (memory,
 * accelerator, devices, vCPUs, boot image), runs it until the guest or
 * the user ends it, and resets it on request.
 *
 * Threads: the caller's thread runs the main loop (host input, timers,
 * requests); each vCPU has its own thread (system/cpus.c).
 */
#include "hw/pc/pc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "block/drive.h"
#include "cpu/x86/cpuid.h"
#include "hw/acpi/acpi-pc.h"
#include "hw/core/devtypes.h"
#include "hw/intc/intc.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/loader.h"
#include "net/net.h"
#include "migration/migration.h"
#include "system/cpus.h"
#include "system/gdbstub.h"
#include "system/term.h"
#include "ui/console.h"
#include "ui/display.h"

static void pc_wake_main_loop(void *opaque)
{
    Machine *m = opaque;
    main_loop_wake(&m->loop);
}

static void pc_accel_set_irq(void *opaque, int n, int level)
{
    Machine *m = opaque;
    m->accel->set_irq(m, n, level);
}

static void pc_serial_quit(void *opaque)
{
    Machine *m = opaque;
    m->user_quit = true;
    machine_request_exit(m, 0);
}

/* SIGTSTP suspends (terminal restored meanwhile); the others stop Kite. */
static void pc_signal_input(void *opaque)
{
    Machine *m = opaque;
    struct signalfd_siginfo si;

    if (read(m->signal_fd, &si, sizeof(si)) != sizeof(si)) {
        return;
    }
    if (si.ssi_signo == SIGTSTP) {
        term_suspend();
        return;
    }
    if (si.ssi_signo == SIGUSR2) {
        console_dump_on_signal(m, m->cfg.screendump);
        return;
    }
    error_report("terminating on signal %u", si.ssi_signo);
    m->user_quit = true;
    machine_request_exit(m, 0);
}

/* COM1 (the -nographic terminal by default) and any further -serial. */
static int pc_open_serials(Machine *m, Error *err)
{
    const MachineConfig *cfg = &m->cfg;
    const char *com1 = cfg->serial ? cfg->serial :
                       cfg->nographic ? "mon:stdio" : "stdio";

    if (chardev_open_named(&m->serial_chr, com1, "serial0", err) < 0) {
        return -1;
    }
    for (int i = 0; i < PC_MAX_SERIAL - 1 && cfg->serial_more[i]; i++) {
        char label[16];
        snprintf(label, sizeof(label), "serial%d", i + 1);
        if (chardev_open_named(&m->serial_more[i], cfg->serial_more[i],
                               label, err) < 0) {
            return -1;
        }
    }
    m->serial_chr.quit = pc_serial_quit;
    m->serial_chr.quit_opaque = m;
    return 0;
}

/* The extra isa-serial devices: COM2-COM4 at their ISA ports and IRQs. */
static int pc_create_extra_serials(Machine *m, Error *err)
{
    static const char *const props[PC_MAX_SERIAL - 1] = {
        "iobase=0x2f8,irq=3,index=1",
        "iobase=0x3e8,irq=4,index=2",
        "iobase=0x2e8,irq=3,index=3",
    };

    for (int i = 0; i < PC_MAX_SERIAL - 1 && m->cfg.serial_more[i]; i++) {
        if (!device_create(m, "isa-serial", m->root, props[i], err)) {
            return -1;
        }
    }
    return 0;
}

/* -d ioport: one line per port access. */
static void pc_log_ioport(void *opaque, uint64_t port, uint64_t val,
                          unsigned size, bool is_write)
{
    Machine *m = opaque;

    log_mask(&m->log, LOG_IOPORT, "ioport: %s 0x%04llx size %u %s 0x%llx\n",
             is_write ? "out" : "in ", (unsigned long long)port, size,
             is_write ? "<-" : "->", (unsigned long long)val);
}

/* Tries each accelerator of a "kvm:tcg" list; the first that works wins. */
static int pc_select_accel(Machine *m, Error *err)
{
    char *list = xstrdup(m->cfg.accel ? m->cfg.accel : "tcg");
    char *save = NULL, reasons[1024] = "";
    int ret = -1;

    for (char *name = strtok_r(list, ":", &save); name;
         name = strtok_r(NULL, ":", &save)) {
        const AccelOps *a = accel_find(name);
        Error e = { "" };

        if (!a) {
            if (!strcmp(name, "tcg")) {
                snprintf(e.msg, sizeof(e.msg),
                         "the TCG accelerator is not available yet");
            } else {
                error_setg(err, "unknown accelerator '%s' (choose kvm or tcg)",
                           name);
                goto out;
            }
        } else if (a->probe(&e) == 0 && a->init(m, &e) == 0) {
            m->accel = a;
            ret = 0;
            goto out;
        }
        size_t n = strlen(reasons);
        snprintf(reasons + n, sizeof(reasons) - n, "%s%s", n ? "; " : "",
                 e.msg);
    }
    error_setg(err, "no accelerator could start: %s", reasons);
out:
    free(list);
    return ret;
}

/* -cpu under TCG: against the TCG's own CPUID model (KVM checks the
 * host's table when it sets up each vCPU). */
static int pc_check_cpu(Machine *m, Error *err)
{
    if (!strcmp(m->accel->name, "kvm")) {
        return 0;
    }
    return cpu_config_check(&m->cfg.cpu, m->accel->name, x86_cpuid_model,
                            NULL, err);
}

/*
 * The display device: -vga std, or by default unless -vga none,
 * -nodefaults or -nographic (QEMU keeps a VGA under -nographic; Kite
 * leaves it out there, so a serial-only run's PCI bus stays as it was).
 * At 00:02.0, as in QEMU's pc machine.
 */
static int pc_create_vga(Machine *m, Error *err)
{
    const char *vga = m->cfg.vga;

    if (!vga) {
        vga = (m->cfg.nodefaults || m->cfg.nographic) ? "none" : "std";
    }
    if (!strcmp(vga, "none")) {
        return 0;
    }
    return device_create(m, "VGA", m->root, "addr=2", err) ? 0 : -1;
}

static int pc_create_devices(Machine *m, Error *err)
{
    static const struct {
        const char *type, *props;
        bool is_default;         /* left out by -nodefaults */
    } builtin[] = {
        { "isa-serial", "iobase=0x3f8,irq=4", true },
        { "i440FX", "", false },
        { "PIIX3", "addr=1", false },
        { "piix3-ide", "addr=1.1", false },
        { "mc146818rtc", "", false },
        { "port92", "", false },
        { "reset-control", "", false },
        { "port80", "", false },
        { "i8042", "", false },
        { "ferr", "", false },
    };
    bool defaults = !m->cfg.nodefaults || m->cfg.serial;

    for (size_t i = 0; i < ARRAY_SIZE(builtin); i++) {
        if (builtin[i].is_default && !defaults) {
            continue;
        }
        if (!device_create(m, builtin[i].type, m->root, builtin[i].props,
                           err)) {
            return -1;
        }
    }
    if (!m->accel->has_irqchip || !m->accel->has_irqchip(m)) {
        /* Kite's own interrupt controllers and PIT (TCG, kernel-irqchip=off). */
        static const char *const intc[] = { "i8259", "ioapic", "i8254" };
        for (size_t i = 0; i < ARRAY_SIZE(intc); i++) {
            if (!device_create(m, intc[i], m->root, "", err)) {
                return -1;
            }
        }
        for (int i = 0; i < m->cfg.smp; i++) {
            char props[32];
            snprintf(props, sizeof(props), "cpu=%d", i);
            if (!device_create(m, "apic", m->root, props, err)) {
                return -1;
            }
        }
        for (int i = 0; i < PC_NUM_GSI; i++) {
            m->gsi[i] = (IrqLine){ pc_intc_set_gsi, m, i };
        }
    }
    /* After the IRQ lines: the HPET takes over ISA IRQ 0 and 8. */
    if (pc_create_vga(m, err) < 0 ||
        !device_create(m, "hpet", m->root, "", err) ||
        !device_create(m, "piix4-pm", m->root, "addr=1.3", err) ||
        pc_create_extra_serials(m, err) < 0) {
        return -1;
    }
    acpi_pc_reserve(m);
    if (!fw_cfg_init(m, err)) {
        return -1;
    }
    fw_cfg_add_i16(m->fw_cfg, FW_CFG_NOGRAPHIC, m->cfg.nographic);
    for (int i = 0; i < m->cfg.ndevice_args; i++) {
        char *arg = xstrdup(m->cfg.device_args[i]);
        char *comma = strchr(arg, ',');
        const DeviceType *t;

        if (comma) {
            *comma++ = '\0';
        }
        t = device_type_find(arg);
        if (t && !t->user_creatable) {
            error_setg(err, "device '%s' cannot be added with -device", arg);
            free(arg);
            return -1;
        }
        Device *d = device_create(m, arg, m->root, comma, err);
        free(arg);
        if (!d) {
            return -1;
        }
    }
    if (drive_create_devices(m, err) < 0 ||    /* -drive if=virtio */
        net_create_nics(m, err) < 0 ||         /* -nic */
        !device_create(m, "boot-order", m->root, "", err)) {
        return -1;
    }
    /* Last: the tables describe every device above. */
    return device_create(m, "acpi-tables", m->root, "", err) &&
           device_create(m, "smbios-tables", m->root, "", err) &&
           device_create(m, "bios-data-area", m->root, "", err) ? 0 : -1;
}

static int pc_create_cpus(Machine *m, Error *err)
{
    for (int i = 0; i < m->cfg.smp; i++) {
        VCPU *cpu = xzalloc(sizeof(*cpu));
        cpu->index = i;
        cpu->machine = m;
        x86_cpu_state_reset(&cpu->env);
        m->cpus[m->ncpus++] = cpu;
        if (m->accel->vcpu_init(cpu, err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Puts every vCPU in its boot state and hands the state to the accelerator. */
static int pc_load_cpu_state(Machine *m, Error *err)
{
    for (int i = 0; i < m->ncpus; i++) {
        VCPU *cpu = m->cpus[i];
        if (i == 0 && m->have_boot_state) {
            cpu->env = m->boot_state;
        } else {
            x86_cpu_state_reset(&cpu->env);
        }
        if (m->accel->set_state(cpu) < 0) {
            return error_setg(err, "cannot set the state of vCPU %d", i);
        }
    }
    return 0;
}

static int pc_setup_signals(Machine *m)
{
    sigset_t set;

    term_stop_signals(&set);
    if (m->cfg.screendump) {
        sigaddset(&set, SIGUSR2);    /* writes the screen (ui/console.h) */
    }
    /* Blocked before any vCPU thread exists, so only the signalfd sees them. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    m->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (m->signal_fd >= 0) {
        main_loop_add_fd(&m->loop, m->signal_fd, pc_signal_input, m);
    }
    return 0;
}

Machine *machine_create(const MachineConfig *cfg, Error *err)
{
    Machine *m = xzalloc(sizeof(*m));

    m->cfg = *cfg;
    m->signal_fd = -1;
    if (m->cfg.smp < 1) {
        m->cfg.smp = 1;
    }
    log_init(&m->log);
    m->log.mask = cfg->log_mask;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    if (cfg->manual_clock) {
        timerlist_init_manual(&m->timers, 0);
    } else {
        timerlist_init(&m->timers);
    }
    m->timers.notify = pc_wake_main_loop;
    m->timers.notify_opaque = m;
    if (main_loop_init(&m->loop) < 0) {
        error_setg(err, "cannot create the main loop: %s", strerror(errno));
        goto fail;
    }
    if (cfg->log_file && log_set_file(&m->log, cfg->log_file, err) < 0) {
        goto fail;
    }
    if (machine_init_memory(m, cfg->ram_size, err) < 0) {
        goto fail;
    }
    if (cfg->log_mask & LOG_IOPORT) {
        m->io.trace = pc_log_ioport;
        m->io.trace_opaque = m;
    }
    if (pc_open_serials(m, err) < 0) {
        goto fail;
    }

    m->root = device_new(m, &machine_root_type, NULL, "pc");
    m->root->realized = true;

    pthread_mutex_lock(&m->lock);
    if (pc_select_accel(m, err) < 0) {
        pthread_mutex_unlock(&m->lock);
        goto fail;
    }
    if (m->accel->has_irqchip && m->accel->has_irqchip(m)) {
        for (int i = 0; i < PC_NUM_GSI; i++) {
            m->gsi[i] = (IrqLine){ pc_accel_set_irq, m, i };
        }
    }
    if (pc_check_cpu(m, err) < 0 || net_init_backends(m, err) < 0 ||
        pc_create_devices(m, err) < 0 || pc_create_cpus(m, err) < 0 ||
        pc_load_boot(m, err) < 0 || pc_load_cpu_state(m, err) < 0) {
        pthread_mutex_unlock(&m->lock);
        goto fail;
    }
    pthread_mutex_unlock(&m->lock);

    for (int i = 0; i < cfg->nmon; i++) {
        if (monitor_open(m, cfg->mon_spec[i], cfg->mon_qmp[i], err) < 0) {
            goto fail;
        }
    }
    if (cfg->serial && !strcmp(cfg->serial, "mon:stdio") &&
        monitor_open_mux(m, err) < 0) {
        goto fail;
    }
    for (int i = 0; i < PC_MAX_SERIAL; i++) {
        chardev_attach(pc_serial_chardev(m, i), &m->loop);
    }
    if (cfg->gdb_spec && gdbstub_open(m, cfg->gdb_spec, err) < 0) {
        goto fail;
    }
    monitor_attach_all(m);
    gdbstub_attach(m);
    pc_setup_signals(m);
    if (display_init(m, err) < 0) {
        goto fail;
    }
    return m;

fail:
    machine_destroy(m);
    return NULL;
}

static void pc_reset(Machine *m)
{
    Error err = { "" };

    cpus_pause(m);
    pthread_mutex_lock(&m->lock);
    device_reset_tree(m->root);
    m->a20_enabled = true;
    if (pc_load_boot(m, &err) < 0 || pc_load_cpu_state(m, &err) < 0) {
        error_report("reset failed: %s", err.msg);
        machine_request_exit(m, 1);
    }
    monitor_reset_event(m);
    pthread_mutex_unlock(&m->lock);
    if (!m->vm_stopped) {
        cpus_resume(m);
    }
}

int machine_run(Machine *m)
{
    Error err = { "" };

    if (m->cfg.start_stopped) {
        m->vm_stopped = m->pause_requested = true;     /* -S */
    }
    if (cpus_start(m, &err) < 0) {
        error_report("%s", err.msg);
        return 1;
    }
    for (;;) {
        unsigned req = atomic_load(&m->requests);
        if (req & MACHINE_REQ_EXIT) {
            break;
        }
        if (req & MACHINE_REQ_RESET) {
            atomic_fetch_and(&m->requests, ~(unsigned)MACHINE_REQ_RESET);
            log_mask(&m->log, LOG_INT, "machine reset\n");
            pc_reset(m);
            continue;
        }
        main_loop_wait(m, 1000);
    }
    if (m->nmonitors) {
        machine_lock(m);
        monitor_shutdown_event(m);
        pthread_mutex_unlock(&m->lock);
    }
    cpus_stop(m);
    return m->exit_status;
}

void machine_destroy(Machine *m)
{
    if (!m) {
        return;
    }
    display_destroy(m);
    migration_cleanup(m);
    for (int i = 0; i < m->ncpus; i++) {
        if (m->accel && m->accel->vcpu_destroy) {
            m->accel->vcpu_destroy(m->cpus[i]);
        }
        free(m->cpus[i]);
    }
    if (m->root) {
        device_destroy(m->root);
    }
    net_cleanup(m);
    if (m->accel && m->accel->destroy) {
        m->accel->destroy(m);
    }
    monitor_close_all(m);
    gdbstub_close(m);
    for (int i = 0; i < PC_MAX_SERIAL; i++) {
        /* what the guest printed last reaches a slow reader, unless the
         * user asked to stop now */
        chardev_drain(pc_serial_chardev(m, i), m->user_quit ? 0 : 1000);
        chardev_close(pc_serial_chardev(m, i));
    }
    if (m->signal_fd >= 0) {
        close(m->signal_fd);
    }
    main_loop_destroy(&m->loop);
    machine_destroy_memory(m);
    log_close(&m->log);
    free(m);
}
