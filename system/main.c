/*
 * Kite's command line: a QEMU-compatible subset, parsed into a
 * MachineConfig, then the machine is created and run. Every bad option or
 * value ends with one "kite: ..." line on stderr and exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel/accel.h"
#include "block/drive.h"
#include "config.h"
#include "hw/core/devtypes.h"
#include "hw/pc/bootorder.h"
#include "hw/pc/linuxboot.h"
#include "hw/pc/pc.h"
#include "net/net.h"
#include "system/chardev-opts.h"
#include "migration/migration.h"
#include "system/smp.h"
#include "system/term.h"

#define DEFAULT_RAM_SIZE (128 * MiB)

static void usage(FILE *f)
{
    fprintf(f,
"Usage: kite [options]\n"
"\n"
"Kite " KITE_VERSION ", an x86 PC emulator (QEMU-compatible options).\n"
"\n"
"Machine:\n"
"  -machine pc[,accel=A][,kernel-irqchip=on|off][,firmware-boot=on|off]\n"
"                         the machine (alias -M; firmware-boot=on: -kernel\n"
"                         through SeaBIOS and Kite's linuxboot ROM;\n"
"                         -machine help; QEMU's pc-i440fx-*/q35 are refused)\n"
"  -accel kvm|tcg|kvm:tcg[,backend=native|interp]  accelerator; a list tries\n"
"                         each in turn (default tcg; -accel help)\n"
"  -enable-kvm            same as -accel kvm\n"
"  -m SIZE[M|G]           guest RAM (default 128M)\n"
"  -smp [cpus=]N[,maxcpus=,sockets=,dies=,cores=,threads=]   topology with\n"
"                         QEMU's rules; 1 vCPU for now\n"
"  -cpu MODEL[,+F|-F|F=on|off...]   max, qemu64, kvm64, host (KVM only);\n"
"                         CPUID flags (-cpu help); a flag the accelerator\n"
"                         lacks is refused\n"
"\n"
"Boot:\n"
"  -kernel FILE           Linux bzImage or multiboot kernel\n"
"  -initrd FILE           initial ramdisk (multiboot: modules, comma separated)\n"
"  -append CMDLINE        kernel command line\n"
"  -bios FILE             raw firmware image, started at the reset vector\n"
"                         (default with disks and no -kernel: SeaBIOS's\n"
"                         bios-256k.bin)\n"
"  -boot [order=]DRIVES[,once=DRIVES][,menu=on|off][,reboot-timeout=MS]\n"
"        [,splash-time=MS][,strict=on|off]   firmware boot order: c disk,\n"
"                         d CD-ROM, n network, a floppy (default cad)\n"
"  -no-reboot             exit instead of rebooting\n"
"\n"
"Devices and display:\n"
"  -device NAME[,prop=value...]   add a device (-device help lists them;\n"
"                         -device NAME,help lists properties)\n"
"  -drive file=F[,format=raw|qcow2][,if=ide|virtio|none][,index=N]\n"
"         [,media=disk|cdrom][,bootindex=N][,id=ID][,readonly=on]\n"
"         [,cache=writeback|none|writethrough][,snapshot=on]   a disk image\n"
"                         (if=ide by default: the PIIX3 IDE controller)\n"
"  -hda/-hdb/-hdc/-hdd FILE   IDE disk 0-3 (a bare FILE is -hda)\n"
"  -cdrom FILE            IDE CD-ROM at index 2 (secondary master)\n"
"  -snapshot              writes to every disk image go to a temporary file\n"
"  -serial stdio|file:PATH|pty|tcp:HOST:PORT[,server,nowait]|\n"
"          unix:PATH[,server,nowait]|null|none\n"
"                         COM1, then COM2-COM4 when repeated (default stdio)\n"
"  -nographic             no window; COM1 on the terminal with Ctrl-A escapes\n"
"  -nodefaults            no default devices (COM1 only with -serial)\n"
"  -display none[,screendump=FILE]\n"
"                         no window; SIGUSR2 writes the screen to FILE\n"
"                         (PNG if FILE ends in .png, else PPM)\n"
"  -display sdl[,full-screen=on|off]\n"
"                         a window (the default when $DISPLAY or\n"
"                         $WAYLAND_DISPLAY is set); Ctrl-Alt-G grabs the\n"
"                         mouse, Ctrl-Alt-F full screen; closing it quits\n"
"  -full-screen           start the window full screen\n"
"  -vnc :N|HOST:N|unix:PATH|none\n"
"                         a VNC server on port 5900+N (all interfaces for\n"
"                         :N) or a Unix socket; no window then\n"
"  -vga std|none          standard VGA (default without -nographic) or none\n"
"  -netdev user,id=ID[,hostfwd=tcp::HOSTPORT-:GUESTPORT][,net=A.B.C.D/N]\n"
"         [,host=..][,restrict=on][,tftp=DIR,bootfile=FILE]   user-mode\n"
"                         network (libslirp: DHCP, DNS, the gateway 10.0.2.2)\n"
"  -netdev tap,id=ID,ifname=NAME[,script=no,downscript=no]   a host TAP\n"
"  -nic user|tap[,...][,model=virtio-net-pci][,mac=MAC]   a backend and its\n"
"                         virtio-net-pci in one option (-nic none: none)\n"
"  -net none              no network device (the default: Kite adds no NIC)\n"
"  -chardev stdio|null|file|pty|socket|serial,id=ID[,path=P][,host=H,port=N]\n"
"         [,server=on][,wait=off]   a character backend for devices\n"
"                         (virtconsole,chardev=ID)\n"
"  -rtc base=utc          the RTC runs on UTC (the only choice)\n"
"  -name NAME             a name for this machine (accepted)\n"
"  -pidfile FILE          write Kite's pid to FILE (removed on exit)\n"
"  -daemonize             detach once the machine is built (needs a\n"
"                         -serial other than stdio)\n"
"\n"
"Debugging:\n"
"  -qmp unix:PATH,server[,wait=off]|tcp:HOST:PORT,server[,wait=off]\n"
"                         a QMP server (repeatable)\n"
"  -monitor unix:...|tcp:...|stdio   the human monitor; -serial mon:stdio\n"
"                         shares the terminal (Ctrl-A c switches)\n"
"  -S                     start with the vCPUs stopped (cont starts them)\n"
"  -gdb tcp::PORT|tcp:HOST:PORT|unix:PATH   wait for gdb there\n"
"                         (target remote); -s is -gdb tcp::1234\n"
"  -incoming URI          receive the machine from a migration stream:\n"
"                         exec:CMD, file:PATH, tcp:HOST:PORT, defer\n"
"  -loadvm NAME           start from the savevm snapshot NAME|ID\n"
"  -debugcon file:PATH|stdio|null   debug console port 0xe9 (the same as\n"
"                         -device isa-debugcon,chardev=SPEC; iobase=0x402\n"
"                         for SeaBIOS's log)\n"
"  -d ITEM[,ITEM...]      debug logs (-d help lists them)\n"
"  -D FILE                write debug logs to FILE\n"
"\n"
"  -version               print the version\n"
"  -help                  print this help\n"
"\n"
"During -nographic, Ctrl-A h lists the terminal escapes (Ctrl-A x quits).\n");
}

typedef struct Options {
    MachineConfig cfg;
    bool accel_given;
    char accel[64];              /* storage behind cfg.accel */
    char backend[16];            /* storage behind cfg.tcg_backend */
    int nserial;                 /* -serial options so far */
    const char *pidfile;         /* -pidfile */
    bool daemonize;              /* -daemonize */
    const char *incoming;        /* -incoming URI */
    const char *loadvm;          /* -loadvm NAME */
    bool stdio_serial;           /* one of them uses stdio */
    char debugcon_dev[512];      /* -debugcon: the isa-debugcon device */
} Options;

/* Reports a bad value; returns -1. */
static int PRINTF_FMT(2, 3) bad(const char *opt, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "kite: %s: ", opt);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static void print_accels(void)
{
    static const char *const names[] = { "kvm", "tcg" };

    printf("Accelerators supported in this build:\n");
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (accel_find(names[i])) {
            printf("%s\n", names[i]);
        }
    }
}

static int set_accel(Options *o, const char *opt, const char *arg)
{
    char *copy = xstrdup(arg), *save = NULL;
    char *name = strtok_r(copy, ",", &save);
    int ret = 0;

    if (!name || !*name) {
        free(copy);
        return bad(opt, "needs an accelerator name%s", "");
    }
    if (!strcmp(name, "help") || !strcmp(name, "?")) {
        print_accels();
        exit(0);
    }
    if (strlen(name) >= sizeof(o->accel)) {
        /* report before freeing: name points into copy */
        ret = bad(opt, "accelerator list '%s' is too long", name);
        free(copy);
        return ret;
    }
    snprintf(o->accel, sizeof(o->accel), "%s", name);
    o->cfg.accel = o->accel;
    o->accel_given = true;
    for (char *kv = strtok_r(NULL, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save)) {
        if (!strncmp(kv, "backend=", 8)) {
            const char *b = kv + 8;
            if (strcmp(b, "native") && strcmp(b, "interp")) {
                ret = bad(opt, "unknown TCG backend '%s' (native or interp)", b);
                break;
            }
            snprintf(o->backend, sizeof(o->backend), "%s", b);
            o->cfg.tcg_backend = o->backend;
        } else if (!strncmp(kv, "thread=", 7) || !strncmp(kv, "tb-size=", 8)) {
            /* accepted for QEMU compatibility; single-threaded TCG for now */
        } else {
            ret = bad(opt, "unknown accelerator property '%s'", kv);
            break;
        }
    }
    free(copy);
    return ret;
}

static void print_machines(void)
{
    printf("Supported machines are:\n"
           "pc                   Standard PC: ISA devices (no PCI bus yet), "
           "the default\n"
           "\n"
           "QEMU's versioned machines (pc-i440fx-X.Y, pc-q35-X.Y) and q35 "
           "have PCI\nchipsets Kite does not model yet, so they are "
           "refused rather than run as pc.\n");
}

/* Only "pc" is this machine; a name that means another one is refused. */
static int check_machine_name(const char *opt, const char *name)
{
    if (!strcmp(name, "pc")) {
        return 0;
    }
    if (!strcmp(name, "q35") || !strncmp(name, "pc-q35-", 7) ||
        !strncmp(name, "pc-i440fx-", 10)) {
        return bad(opt, "machine '%s' is not supported: Kite's pc has no PCI "
                   "chipset yet, so it is not that machine (use -machine pc)",
                   name);
    }
    return bad(opt, "unknown machine '%s' (try -machine help)", name);
}

static int set_machine(Options *o, const char *opt, const char *arg)
{
    char *copy = xstrdup(arg), *save = NULL;
    int ret = 0;
    bool first = true;

    for (char *kv = strtok_r(copy, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(kv, '=');
        if (first && !eq) {
            if (!strcmp(kv, "help") || !strcmp(kv, "?")) {
                print_machines();
                exit(0);
            }
            if ((ret = check_machine_name(opt, kv)) < 0) {
                break;
            }
            continue;
        }
        if (!eq) {
            ret = bad(opt, "expected key=value, got '%s'", kv);
            break;
        }
        *eq = '\0';
        if (!strcmp(kv, "accel")) {
            ret = set_accel(o, opt, eq + 1);
        } else if (!strcmp(kv, "type")) {
            ret = check_machine_name(opt, eq + 1);
        } else if (!strcmp(kv, "firmware-boot")) {
            bool on;
            if (parse_bool(eq + 1, &on) < 0) {
                ret = bad(opt, "firmware-boot takes on or off, not '%s'",
                          eq + 1);
            }
            o->cfg.firmware_boot = on;
        } else if (!strcmp(kv, "kernel-irqchip")) {
            bool on;
            if (!strcmp(eq + 1, "split")) {
                o->cfg.kernel_irqchip = 1;
            } else if (parse_bool(eq + 1, &on) < 0) {
                ret = bad(opt, "kernel-irqchip takes on, off or split, not '%s'",
                          eq + 1);
            } else {
                o->cfg.kernel_irqchip = on;
            }
        } else {
            ret = bad(opt, "unknown machine property '%s'", kv);
        }
        if (ret < 0) {
            break;
        }
    }
    free(copy);
    return ret;
}

static int set_device(Options *o, const char *opt, const char *arg)
{
    const DeviceType *t;
    char *name = xstrdup(arg), *comma = strchr(name, ',');

    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        device_type_print_all(stdout);
        exit(0);
    }
    if (comma) {
        *comma = '\0';
    }
    t = device_type_find(name);
    if (!t || !t->user_creatable) {
        bad(opt, "'%s' is not a valid device name (try -device help)", name);
        free(name);
        return -1;
    }
    if (comma && (!strcmp(comma + 1, "help") || !strcmp(comma + 1, "?"))) {
        device_type_print_props(t, stdout);
        exit(0);
    }
    free(name);
    if (o->cfg.ndevice_args == PC_MAX_DEVICE_ARGS) {
        return bad(opt, "too many devices%s", "");
    }
    o->cfg.device_args[o->cfg.ndevice_args++] = arg;
    return 0;
}

/* -serial SPEC, up to four times: COM1, COM2, COM3, COM4 in order. */
static int set_serial(Options *o, const char *opt, const char *arg)
{
    static const char *const exact[] = { "stdio", "mon:stdio", "null",
                                         "none", "pty" };
    static const char *const prefix[] = { "file:", "tcp:", "unix:" };
    bool ok = false;

    for (size_t i = 0; i < ARRAY_SIZE(exact); i++) {
        ok |= !strcmp(arg, exact[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(prefix); i++) {
        size_t n = strlen(prefix[i]);
        if (!strncmp(arg, prefix[i], n)) {
            if (!arg[n]) {
                return bad(opt, "%s needs a %s", prefix[i],
                           i == 1 ? "HOST:PORT" : "path");
            }
            ok = true;
        }
    }
    if (!ok) {
        return bad(opt, "unsupported serial backend '%s' (stdio, file:PATH, "
                   "pty, tcp:HOST:PORT, unix:PATH, null or none)", arg);
    }
    if (o->nserial == PC_MAX_SERIAL) {
        return bad(opt, "at most %d serial ports (COM1-COM4)", PC_MAX_SERIAL);
    }
    /* "stdio" itself, not a file or socket path that contains it */
    bool is_stdio = !strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio");
    if (is_stdio && o->stdio_serial) {
        return bad(opt, "only one serial port can use stdio%s", "");
    }
    o->stdio_serial |= is_stdio;
    if (o->nserial == 0) {
        o->cfg.serial = arg;
    } else {
        o->cfg.serial_more[o->nserial - 1] = arg;
    }
    o->nserial++;
    return 0;
}

/* sdl[,full-screen=on|off][,gl=off] */
static int set_display_sdl(Options *o, const char *opt, const char *arg)
{
    char *copy = xstrdup(arg), *save = NULL;
    int r = 0;

    o->cfg.display = "sdl";
    strtok_r(copy, ",", &save);
    for (char *p = strtok_r(NULL, ",", &save); p && r == 0;
         p = strtok_r(NULL, ",", &save)) {
        if (!strcmp(p, "full-screen=on") || !strcmp(p, "full-screen=off")) {
            o->cfg.full_screen = !strcmp(p, "full-screen=on");
        } else if (strcmp(p, "gl=off")) {
            r = bad(opt, "unknown display option '%s' in '%s' (sdl[,full-"
                    "screen=on|off][,gl=off])", p, arg);
        }
    }
    free(copy);
    return r;
}

static int set_display(Options *o, const char *opt, const char *arg)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        printf("Available display backend types:\nnone\n");
#ifdef CONFIG_SDL
        printf("sdl\n");
#endif
        exit(0);
    }
    if (!strcmp(arg, "none")) {
        o->cfg.display = "none";
        return 0;
    }
    if (!strncmp(arg, "none,screendump=", 16) && arg[16]) {
        o->cfg.display = "none";
        o->cfg.screendump = arg + 16;   /* written on SIGUSR2 */
        return 0;
    }
    if (!strncmp(arg, "none,", 5)) {
        return bad(opt, "unknown display option in '%s' (none[,screendump="
                   "FILE])", arg);
    }
    if (!strncmp(arg, "vnc=", 4) && arg[4]) {
        o->cfg.display = "none";        /* as QEMU: a VNC server, no window */
        o->cfg.vnc = arg + 4;
        return 0;
    }
#ifdef CONFIG_SDL
    if (!strcmp(arg, "sdl") || !strncmp(arg, "sdl,", 4)) {
        return set_display_sdl(o, opt, arg);
    }
#endif
    if (!strncmp(arg, "sdl", 3) || !strncmp(arg, "gtk", 3) ||
        !strncmp(arg, "curses", 6) || !strncmp(arg, "egl", 3) ||
        !strncmp(arg, "spice", 5)) {
        return bad(opt, "display '%s' is not available in this build (sdl "
                   "if built with SDL2, none, vnc=)", arg);
    }
    return bad(opt, "unknown display '%s'", arg);
}

static int set_cpu(Options *o, const char *opt, const char *arg)
{
    Error err;

    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        cpu_config_print_help(stdout);
        exit(0);
    }
    if (cpu_config_parse(&o->cfg.cpu, arg, &err) < 0) {
        return bad(opt, "%s", err.msg);
    }
    return 0;
}

static int set_smp(Options *o, const char *opt, const char *arg)
{
    SmpConfig smp;
    Error err;

    if (smp_parse(arg, &smp, &err) < 0) {
        return bad(opt, "%s", err.msg);
    }
    if (smp.maxcpus > 1) {
        return bad(opt, "%llu vCPUs requested (cpus=%llu, maxcpus=%llu); "
                   "only one vCPU is supported so far",
                   (unsigned long long)smp.maxcpus,
                   (unsigned long long)smp.cpus,
                   (unsigned long long)smp.maxcpus);
    }
    o->cfg.smp = 1;
    return 0;
}

static int set_memory(Options *o, const char *opt, const char *arg)
{
    uint64_t size;
    const char *v = arg;

    if (!strncmp(v, "size=", 5)) {
        v += 5;
    }
    if (parse_size(v, MiB, &size) < 0) {
        return bad(opt, "invalid RAM size '%s'", arg);
    }
    if (size < PC_MIN_RAM || size > PC_MAX_RAM) {
        return bad(opt, "RAM size '%s' out of range (2M to 1024G)", arg);
    }
    o->cfg.ram_size = ALIGN_UP(size, 4 * KiB);
    return 0;
}

static int set_log(Options *o, const char *opt, const char *arg)
{
    Error err;

    if (!strcmp(arg, "help")) {
        log_print_items(stdout);
        exit(0);
    }
    if (log_parse_items(arg, &o->cfg.log_mask, &err) < 0) {
        fprintf(stderr, "kite: -d: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/*
 * Options scripts written for QEMU pass, accepted where Kite really does
 * what they ask: -net none (no NIC), -rtc base=utc (the RTC runs on UTC),
 * -name (a label), -vga std|none, -pidfile (see main).
 */
static int set_compat_option(Options *o, const char *opt, const char *arg)
{
    if (!strcmp(opt, "-net")) {
        return strcmp(arg, "none") ? bad(opt, "only '-net none' is supported "
                                         "(use -netdev and -device "
                                         "virtio-net-pci, or -nic)") : 0;
    }
    if (!strcmp(opt, "-rtc")) {
        return strcmp(arg, "base=utc") ? bad(opt, "only base=utc is "
                                             "supported, not '%s'", arg) : 0;
    }
    if (!strcmp(opt, "-vga")) {
        if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
            printf("std       standard VGA (default)\nnone      no VGA card\n");
            exit(0);
        }
        if (strcmp(arg, "std") && strcmp(arg, "none")) {
            return bad(opt, "unknown or unsupported VGA type '%s' (std, none)",
                       arg);
        }
        o->cfg.vga = arg;
    }
    if (!strcmp(opt, "-pidfile")) {
        o->pidfile = arg;
    }
    if (!strcmp(opt, "-name")) {
        o->cfg.name = arg;       /* query-name, info name */
    }
    return 0;
}

/*
 * -qmp SPEC and -monitor SPEC: a server socket (unix:PATH,server[,wait=off]
 * or tcp:HOST:PORT,server[,...]) or stdio; -monitor none is no monitor.
 */
static int set_monitor(Options *o, const char *opt, const char *arg)
{
    bool qmp = !strcmp(opt, "-qmp");

    if (!strcmp(arg, "none") && !qmp) {
        return 0;
    }
    if (!strcmp(arg, "stdio")) {
        if (o->stdio_serial || o->cfg.nographic) {
            return bad(opt, "stdio is already the serial port's (use "
                       "-serial mon:stdio)%s", "");
        }
        o->stdio_serial = true;
    } else if (strncmp(arg, "unix:", 5) && strncmp(arg, "tcp:", 4)) {
        return bad(opt, "unsupported backend '%s' (unix:PATH,server, "
                   "tcp:HOST:PORT,server or stdio)", arg);
    }
    if (o->cfg.nmon == MONITOR_MAX) {
        return bad(opt, "at most %d monitors", MONITOR_MAX);
    }
    o->cfg.mon_spec[o->cfg.nmon] = arg;
    o->cfg.mon_qmp[o->cfg.nmon++] = qmp;
    return 0;
}

/* -debugcon SPEC: QEMU's shorthand for an isa-debugcon at port 0xe9. */
static int set_debugcon(Options *o, const char *opt, const char *arg)
{
    static const char prefix[] = "isa-debugcon,chardev=";

    if (o->debugcon_dev[0]) {
        return bad(opt, "given twice (add more with -device isa-debugcon)%s",
                   "");
    }
    if (!*arg || strchr(arg, ',')) {
        return bad(opt, "'%s' is not a backend for it (file:PATH, stdio or "
                   "null)", arg);
    }
    if (o->cfg.ndevice_args == PC_MAX_DEVICE_ARGS) {
        return bad(opt, "too many devices%s", "");
    }
    if (snprintf(o->debugcon_dev, sizeof(o->debugcon_dev), "%s%s", prefix,
                 arg) >= (int)sizeof(o->debugcon_dev)) {
        return bad(opt, "'%s' is too long", arg);
    }
    o->cfg.device_args[o->cfg.ndevice_args++] = o->debugcon_dev;
    return 0;
}

/* -hda..-hdd, -cdrom and a bare image name: IDE drives. */
static int set_drive(Options *o, const char *opt, const char *file)
{
    Error e = { "" };
    bool cdrom = !strcmp(opt, "-cdrom");
    int index = cdrom ? 2 : opt[3] - 'a';

    if (!*file) {
        return bad(opt, "empty file name%s", "");
    }
    if (drive_add_ide(&o->cfg, file, index, cdrom, &e) < 0) {
        return bad(opt, "%s", e.msg);
    }
    return 0;
}

/* -netdev, -nic and -chardev: checked now, opened with the machine. */
static int set_backend(Options *o, const char *opt, const char *arg)
{
    Error e = { "" };
    int r;

    if (!strcmp(opt, "-netdev")) {
        r = net_add_netdev_option(&o->cfg, arg, &e);
    } else if (!strcmp(opt, "-nic")) {
        r = net_add_nic_option(&o->cfg, arg, &e);
    } else {
        r = chardev_add_option(&o->cfg, arg, &e);
    }
    return r < 0 ? bad(opt, "%s", e.msg) : 0;
}

static int parse_args(Options *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *arg = NULL;
        char buf[64];

        if (opt[0] != '-' || !opt[1]) {
            if (set_drive(o, "-hda", opt) < 0) {     /* a bare image name */
                return -1;
            }
            continue;
        }
        /* Accept --option as well as -option, as QEMU does. */
        if (opt[1] == '-') {
            snprintf(buf, sizeof(buf), "%s", opt + 1);
            opt = buf;
        }

        /* options without an argument */
        if (!strcmp(opt, "-help") || !strcmp(opt, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(opt, "-version")) {
            printf("Kite emulator version " KITE_VERSION "\n");
            exit(0);
        } else if (!strcmp(opt, "-enable-kvm")) {
            o->cfg.accel = "kvm";
            o->accel_given = true;
            continue;
        } else if (!strcmp(opt, "-no-reboot")) {
            o->cfg.no_reboot = true;
            continue;
        } else if (!strcmp(opt, "-nographic")) {
            o->cfg.nographic = true;
            continue;
        } else if (!strcmp(opt, "-nodefaults")) {
            o->cfg.nodefaults = true;   /* no default COM1 unless -serial */
            continue;
        } else if (!strcmp(opt, "-no-user-config")) {
            continue;
        } else if (!strcmp(opt, "-daemonize")) {
            o->daemonize = true;
            continue;
        } else if (!strcmp(opt, "-full-screen")) {
            o->cfg.full_screen = true;
            continue;
        } else if (!strcmp(opt, "-S")) {
            o->cfg.start_stopped = true;
            continue;
        } else if (!strcmp(opt, "-snapshot")) {
            o->cfg.snapshot = true;     /* snapshot=on for every -drive */
            continue;
        } else if (!strcmp(opt, "-s")) {
            o->cfg.gdb_spec = "tcp::1234";      /* QEMU's shorthand */
            continue;
        }

        /* options with an argument */
        static const char *const with_arg[] = {
            "-accel", "-machine", "-M", "-m", "-smp", "-cpu", "-kernel",
            "-initrd", "-append", "-bios", "-serial", "-display", "-device",
            "-d", "-D", "-net", "-rtc", "-name", "-pidfile", "-vga", "-drive",
            "-debugcon", "-qmp", "-monitor", "-gdb", "-vnc",
            "-netdev", "-nic", "-chardev", "-incoming", "-hda", "-hdb",
            "-hdc", "-hdd", "-cdrom", "-boot", "-loadvm",
        };
        size_t k;
        for (k = 0; k < ARRAY_SIZE(with_arg); k++) {
            if (!strcmp(opt, with_arg[k])) {
                break;
            }
        }
        if (k == ARRAY_SIZE(with_arg)) {
            fprintf(stderr, "kite: unknown option '%s' (see -help)\n", argv[i]);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "kite: option '%s' needs an argument\n", argv[i]);
            return -1;
        }
        arg = argv[++i];

        int r = 0;
        if (!strcmp(opt, "-accel")) {
            r = set_accel(o, opt, arg);
        } else if (!strcmp(opt, "-machine") || !strcmp(opt, "-M")) {
            r = set_machine(o, opt, arg);
        } else if (!strcmp(opt, "-m")) {
            r = set_memory(o, opt, arg);
        } else if (!strcmp(opt, "-smp")) {
            r = set_smp(o, opt, arg);
        } else if (!strcmp(opt, "-cpu")) {
            r = set_cpu(o, opt, arg);
        } else if (!strcmp(opt, "-kernel")) {
            o->cfg.kernel = arg;
        } else if (!strcmp(opt, "-incoming")) {
            o->incoming = arg;
            o->cfg.incoming = true;
        } else if (!strcmp(opt, "-loadvm")) {
            o->loadvm = arg;
        } else if (!strcmp(opt, "-initrd")) {
            o->cfg.initrd = arg;
        } else if (!strcmp(opt, "-append")) {
            o->cfg.append = arg;
        } else if (!strcmp(opt, "-bios")) {
            o->cfg.bios = arg;
        } else if (!strcmp(opt, "-serial")) {
            r = set_serial(o, opt, arg);
        } else if (!strcmp(opt, "-display")) {
            r = set_display(o, opt, arg);
        } else if (!strcmp(opt, "-vnc")) {
#ifdef CONFIG_VNC
            o->cfg.vnc = arg;            /* checked when the server starts */
#else
            r = strcmp(arg, "none") ? bad(opt, "this build has no VNC server "
                                          "(libvncserver-dev)%s", "") : 0;
#endif
        } else if (!strcmp(opt, "-device")) {
            r = set_device(o, opt, arg);
        } else if (!strcmp(opt, "-drive")) {
            Error e = { "" };
            r = drive_add_option(&o->cfg, arg, &e) < 0 ? bad(opt, "%s", e.msg)
                                                      : 0;
        } else if (!strncmp(opt, "-hd", 3) || !strcmp(opt, "-cdrom")) {
            r = set_drive(o, opt, arg);
        } else if (!strcmp(opt, "-boot")) {
            Error e = { "" };
            BootOptions bo;
            o->cfg.boot = arg;
            r = boot_options_parse(arg, &bo, &e) < 0 ? bad(opt, "%s", e.msg)
                                                     : 0;
        } else if (!strcmp(opt, "-debugcon")) {
            r = set_debugcon(o, opt, arg);
        } else if (!strcmp(opt, "-netdev") || !strcmp(opt, "-nic") ||
                   !strcmp(opt, "-chardev")) {
            r = set_backend(o, opt, arg);
        } else if (!strcmp(opt, "-d")) {
            r = set_log(o, opt, arg);
        } else if (!strcmp(opt, "-D")) {
            o->cfg.log_file = arg;
        } else if (!strcmp(opt, "-qmp") || !strcmp(opt, "-monitor")) {
            r = set_monitor(o, opt, arg);
        } else if (!strcmp(opt, "-gdb")) {
            o->cfg.gdb_spec = strcmp(arg, "none") ? arg : NULL;
        } else {
            r = set_compat_option(o, opt, arg);
        }
        if (r < 0) {
            return -1;
        }
    }
    return 0;
}

/* Fails early, before any accelerator starts, on a file that cannot be read. */
static int check_file(const char *opt, const char *path)
{
    struct stat st;

    if (!path) {
        return 0;
    }
    if (stat(path, &st) < 0) {
        error_report("%s '%s': %s", opt, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        error_report("%s '%s': %s, not a regular file", opt, path,
                     S_ISDIR(st.st_mode) ? "a directory" :
                     S_ISFIFO(st.st_mode) ? "a FIFO" : "a device or socket");
        return -1;
    }
    if (access(path, R_OK) < 0) {
        error_report("%s '%s': %s", opt, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* QEMU's pc firmware, where Debian's seabios (or qemu) package puts it. */
static const char *default_firmware(void)
{
    static const char *const paths[] = {
        "/usr/share/seabios/bios-256k.bin",
        "/usr/share/qemu/bios-256k.bin",
    };

    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        if (access(paths[i], R_OK) == 0) {
            return paths[i];
        }
    }
    return NULL;
}

static int check_config(MachineConfig *cfg)
{
    /* -kernel through SeaBIOS and roms/linuxboot.S: asked for, or what a
     * kernel that needs its real-mode setup code (and a BIOS) gets */
    if (cfg->kernel && !cfg->bios && cfg->firmware_boot != 0 &&
        (cfg->firmware_boot > 0 || linuxboot_wants_firmware(cfg->kernel))) {
        cfg->bios = default_firmware();
        if (!cfg->bios && cfg->firmware_boot > 0) {
            error_report("firmware-boot=on: no -bios given and SeaBIOS's "
                         "bios-256k.bin not found (install seabios)");
            return -1;
        }
    }
    if (!cfg->kernel && !cfg->bios && (cfg->ndrive_args || cfg->boot)) {
        cfg->bios = default_firmware();
        if (!cfg->bios) {
            error_report("no -bios given and SeaBIOS's bios-256k.bin not "
                         "found (install the seabios package)");
            return -1;
        }
    }
    if (!cfg->kernel && !cfg->bios) {
        error_report("nothing to boot: give -kernel or -bios");
        return -1;
    }
    if ((cfg->initrd || cfg->append) && !cfg->kernel) {
        error_report("-initrd and -append need -kernel");
        return -1;
    }
    if (check_file("-kernel", cfg->kernel) < 0 || check_file("-bios", cfg->bios) < 0) {
        return -1;
    }
    /* A multiboot -initrd is a module list; the loader checks each file. */
    if (cfg->initrd && !strchr(cfg->initrd, ',') && !strchr(cfg->initrd, ' ') &&
        check_file("-initrd", cfg->initrd) < 0) {
        return -1;
    }
    return 0;
}

/*
 * -pidfile: Kite's pid, written once the machine exists; removed on exit.
 * Written to a temporary name and renamed, so a reader that sees the file
 * sees the whole pid.
 */
static int write_pidfile(const char *path)
{
    char buf[32], *tmp = xmalloc(strlen(path) + 16);
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    int fd, ret = -1;

    sprintf(tmp, "%s.%d.tmp", path, (int)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0 && write(fd, buf, n) == n && close(fd) == 0) {
        fd = -1;
        ret = rename(tmp, path);
    }
    if (ret < 0) {
        error_report("-pidfile '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        unlink(tmp);
    }
    free(tmp);
    return ret;
}

/*
 * -daemonize, as QEMU does it: the parent waits until the child has built
 * the machine (one byte on a pipe), then exits 0; if the child fails, its
 * error is on stderr and the parent exits 1. The child leaves the
 * terminal (setsid, standard fds on /dev/null) once the machine runs.
 */
static int daemonize_fork(int *ready_fd)
{
    int p[2];
    pid_t pid;
    char c;

    if (pipe(p) < 0 || (pid = fork()) < 0) {
        error_report("-daemonize: %s", strerror(errno));
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        exit(read(p[0], &c, 1) == 1 ? 0 : 1);
    }
    close(p[0]);
    setsid();
    *ready_fd = p[1];
    return 0;
}

static void daemonize_ready(int ready_fd)
{
    int null = open("/dev/null", O_RDWR);

    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    if (write(ready_fd, "", 1) != 1) {
        exit(1);
    }
    close(ready_fd);
}

static int check_daemonize(const Options *o)
{
    if (o->daemonize && (o->cfg.nographic || !o->cfg.serial ||
                         o->stdio_serial)) {
        error_report("-daemonize cannot be used with stdio (-nographic or "
                     "-serial stdio); give -serial with another backend");
        return -1;
    }
    return 0;
}

/* Starts the configured machine and runs it to the end: the exit status. */
static int run_machine(Options *o)
{
    Machine *m;
    Error err = { "" };
    int status, ready_fd = -1;

    if (o->daemonize && daemonize_fork(&ready_fd) < 0) {
        return 1;
    }
    m = machine_create(&o->cfg, &err);
    if (!m) {
        error_report("%s", err.msg);
        return 1;
    }
    if (o->pidfile && write_pidfile(o->pidfile) < 0) {
        machine_destroy(m);
        return 1;
    }
    if (o->incoming && migration_incoming(m, o->incoming, &err) < 0) {
        error_report("-incoming: %s", err.msg);
        machine_destroy(m);
        return 1;
    }
    if (o->loadvm && loadvm(m, o->loadvm, false, &err) < 0) {
        error_report("-loadvm: %s", err.msg);
        machine_destroy(m);
        return 1;
    }
    if (o->daemonize) {
        daemonize_ready(ready_fd);
    }
    status = machine_run(m);
    machine_destroy(m);
    if (o->pidfile) {
        unlink(o->pidfile);
    }
    return status;
}

int main(int argc, char **argv)
{
    Options o = { 0 };
    int status = 1;

    term_init_signals();
    o.cfg.ram_size = DEFAULT_RAM_SIZE;
    o.cfg.smp = 1;
    o.cfg.kernel_irqchip = -1;
    o.cfg.firmware_boot = -1;
    o.cfg.accel = "tcg";
    o.cfg.tcg_backend = "native";
    if (parse_args(&o, argc, argv) == 0 && check_config(&o.cfg) == 0 &&
        check_daemonize(&o) == 0) {
        if (o.daemonize && !o.cfg.display) {
            o.cfg.display = "none";      /* a daemon opens no window */
        }
        status = run_machine(&o);
    }
    drive_args_free(&o.cfg);
    return status;
}
