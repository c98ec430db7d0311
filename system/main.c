/*
 * Kite's command line: a QEMU-compatible subset, parsed into a
 * MachineConfig, then the machine is created and run. Every bad option or
 * value ends with one "kite: ..." line on stderr and exit status 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

#define DEFAULT_RAM_SIZE (128 * MiB)

static void usage(FILE *f)
{
    fprintf(f,
"Usage: kite [options]\n"
"\n"
"Kite " KITE_VERSION ", an x86 PC emulator (QEMU-compatible options).\n"
"\n"
"Machine:\n"
"  -machine pc[,accel=A][,kernel-irqchip=on|off]   the machine (alias -M)\n"
"  -accel kvm|tcg|kvm:tcg[,backend=native|interp]  accelerator; a list tries\n"
"                         each in turn (default tcg)\n"
"  -enable-kvm            same as -accel kvm\n"
"  -m SIZE[M|G]           guest RAM (default 128M)\n"
"  -smp N                 number of vCPUs (1 for now)\n"
"  -cpu MODEL             CPU model: host, max, qemu64 (accepted; the model\n"
"                         follows the accelerator for now)\n"
"\n"
"Boot:\n"
"  -kernel FILE           Linux bzImage or multiboot kernel\n"
"  -initrd FILE           initial ramdisk (multiboot: modules, comma separated)\n"
"  -append CMDLINE        kernel command line\n"
"  -bios FILE             raw firmware image, started at the reset vector\n"
"  -no-reboot             exit instead of rebooting\n"
"\n"
"Devices and display:\n"
"  -device NAME[,prop=value...]   add a device (-device help lists them;\n"
"                         -device NAME,help lists properties)\n"
"  -serial stdio|file:PATH|none|null   COM1 backend (default stdio)\n"
"  -nographic             no window; COM1 on the terminal with Ctrl-A escapes\n"
"  -display none          no window\n"
"\n"
"Debugging:\n"
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

static int set_accel(Options *o, const char *opt, const char *arg)
{
    char *copy = xstrdup(arg), *save = NULL;
    char *name = strtok_r(copy, ",", &save);
    int ret = 0;

    if (!name || !*name) {
        free(copy);
        return bad(opt, "needs an accelerator name%s", "");
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

static int set_machine(Options *o, const char *opt, const char *arg)
{
    char *copy = xstrdup(arg), *save = NULL;
    int ret = 0;
    bool first = true;

    for (char *kv = strtok_r(copy, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(kv, '=');
        if (first && !eq) {
            if (!strcmp(kv, "help")) {
                printf("Supported machines are:\npc   Standard PC (default)\n");
                exit(0);
            }
            if (strcmp(kv, "pc") && strcmp(kv, "q35") != 0 &&
                strncmp(kv, "pc-", 3)) {
                ret = bad(opt, "unknown machine '%s' (try -machine help)", kv);
                break;
            }
            if (!strcmp(kv, "q35")) {
                ret = bad(opt, "machine '%s' is not supported yet (use pc)", kv);
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
            if (strcmp(eq + 1, "pc")) {
                ret = bad(opt, "unknown machine '%s'", eq + 1);
            }
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

static int set_serial(Options *o, const char *opt, const char *arg)
{
    if (strcmp(arg, "stdio") && strcmp(arg, "none") && strcmp(arg, "null") &&
        strcmp(arg, "mon:stdio") && strncmp(arg, "file:", 5)) {
        return bad(opt, "unsupported serial backend '%s' "
                   "(stdio, file:PATH, none or null)", arg);
    }
    if (!strncmp(arg, "file:", 5) && !arg[5]) {
        return bad(opt, "file: needs a path%s", "");
    }
    o->cfg.serial = !strcmp(arg, "mon:stdio") ? "stdio" : arg;
    return 0;
}

static int set_display(Options *o, const char *opt, const char *arg)
{
    if (!strcmp(arg, "none") || !strncmp(arg, "none,", 5)) {
        return 0;
    }
    if (!strncmp(arg, "sdl", 3) || !strncmp(arg, "gtk", 3) ||
        !strncmp(arg, "vnc", 3) || !strncmp(arg, "curses", 6)) {
        return bad(opt, "display '%s' is not available yet (use -display none "
                   "or -nographic)", arg);
    }
    return bad(opt, "unknown display '%s'", arg);
}

static int set_cpu(Options *o, const char *opt, const char *arg)
{
    static const char *const models[] = { "host", "max", "qemu64", "kvm64", "base" };

    if (!strcmp(arg, "help")) {
        printf("Available CPUs:\n");
        for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
            printf("  %s\n", models[i]);
        }
        exit(0);
    }
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        size_t n = strlen(models[i]);
        if (!strncmp(arg, models[i], n) && (arg[n] == '\0' || arg[n] == ',')) {
            return 0;
        }
    }
    return bad(opt, "unknown CPU model '%s' (try -cpu help)", arg);
}

static int set_smp(Options *o, const char *opt, const char *arg)
{
    uint64_t n;
    const char *cpus = arg;

    if (!strncmp(cpus, "cpus=", 5)) {
        cpus += 5;
    }
    char *copy = xstrdup(cpus), *comma = strchr(copy, ',');
    if (comma) {
        *comma = '\0';
    }
    int r = parse_uint(copy, &n);
    free(copy);
    if (r < 0 || n < 1 || n > PC_MAX_CPUS) {
        return bad(opt, "bad number of CPUs '%s'", arg);
    }
    if (n > 1) {
        return bad(opt, "%s CPUs requested; only one vCPU is supported so far",
                   arg);
    }
    o->cfg.smp = (int)n;
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

static const char *const unsupported_yet[] = {
    "-qmp", "-monitor", "-s", "-S", "-gdb", "-drive", "-hda", "-cdrom",
    "-netdev", "-net", "-snapshot", "-loadvm", "-incoming", "-vga",
};

static int parse_args(Options *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *arg = NULL;
        char buf[64];

        if (opt[0] != '-' || !opt[1]) {
            fprintf(stderr, "kite: unexpected argument '%s' (options start "
                    "with '-'; see -help)\n", opt);
            return -1;
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
        } else if (!strcmp(opt, "-nodefaults") || !strcmp(opt, "-no-user-config")) {
            continue;
        }
        for (size_t k = 0; k < ARRAY_SIZE(unsupported_yet); k++) {
            if (!strcmp(opt, unsupported_yet[k])) {
                fprintf(stderr, "kite: %s is not supported yet\n", opt);
                return -1;
            }
        }

        /* options with an argument */
        static const char *const with_arg[] = {
            "-accel", "-machine", "-M", "-m", "-smp", "-cpu", "-kernel",
            "-initrd", "-append", "-bios", "-serial", "-display", "-device",
            "-d", "-D",
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
        } else if (!strcmp(opt, "-device")) {
            r = set_device(o, opt, arg);
        } else if (!strcmp(opt, "-d")) {
            r = set_log(o, opt, arg);
        } else if (!strcmp(opt, "-D")) {
            o->cfg.log_file = arg;
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
        error_report("%s '%s': not a regular file", opt, path);
        return -1;
    }
    if (access(path, R_OK) < 0) {
        error_report("%s '%s': %s", opt, path, strerror(errno));
        return -1;
    }
    return 0;
}

static int check_config(const MachineConfig *cfg)
{
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

int main(int argc, char **argv)
{
    Options o = { 0 };
    Machine *m;
    Error err = { "" };
    int status;

    o.cfg.ram_size = DEFAULT_RAM_SIZE;
    o.cfg.smp = 1;
    o.cfg.kernel_irqchip = -1;
    o.cfg.accel = "tcg";
    o.cfg.tcg_backend = "native";
    if (parse_args(&o, argc, argv) < 0 || check_config(&o.cfg) < 0) {
        return 1;
    }
    m = machine_create(&o.cfg, &err);
    if (!m) {
        error_report("%s", err.msg);
        return 1;
    }
    status = machine_run(m);
    machine_destroy(m);
    return status;
}
