/*
 * Unit tests for the character backends: specs, the file backend,
 * Ctrl-A escapes, held-back input, end of input, output that never
 * blocks (bounded buffer, dropping when full) and a vanished reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system/chardev.h"

/* A front end with a settable amount of room. */
typedef struct TestRx {
    uint8_t buf[4096];
    size_t len;
    size_t room;
    int quits, breaks, input_changes;
} TestRx;

static size_t rx_can_receive(void *opaque)
{
    TestRx *r = opaque;
    return r->room;
}

static void rx_receive(void *opaque, const uint8_t *buf, size_t len)
{
    TestRx *r = opaque;
    assert_true(len <= r->room);
    memcpy(r->buf + r->len, buf, len);
    r->len += len;
    r->room -= len;
}

static void rx_quit(void *opaque)
{
    ((TestRx *)opaque)->quits++;
}

static void rx_break(void *opaque)
{
    ((TestRx *)opaque)->breaks++;
}

static void rx_input_changed(void *opaque)
{
    ((TestRx *)opaque)->input_changes++;
}

static char *make_temp_path(void)
{
    char *path = xstrdup("/tmp/kite-test-chardev-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

/* A chardev with escapes on and output to a temporary file. */
static void open_mux_file(Chardev *c, TestRx *r, char **path)
{
    char *spec;
    Error err;

    *path = make_temp_path();
    spec = xasprintf("file:%s", *path);
    assert_int_equal(chardev_open(c, spec, &err), 0);
    free(spec);
    c->mux = true;
    c->quit = rx_quit;
    c->quit_opaque = r;
    chardev_set_receiver(c, rx_can_receive, rx_receive, r);
    chardev_set_break_handler(c, rx_break);
}

static void close_mux_file(Chardev *c, char *path)
{
    chardev_close(c);
    unlink(path);
    free(path);
}

static void test_file_backend(void **state)
{
    Chardev c;
    char *path = make_temp_path();
    char *spec = xasprintf("file:%s", path);
    char buf[64];
    Error err;

    /* an existing file is truncated */
    FILE *f = fopen(path, "w");
    fputs("old contents that must disappear", f);
    fclose(f);
    assert_int_equal(chardev_open(&c, spec, &err), 0);
    assert_int_equal(c.kind, CHARDEV_FILE);
    assert_int_equal(chardev_input_fd(&c), -1);
    chardev_write(&c, (const uint8_t *)"hello ", 6);
    chardev_write(&c, (const uint8_t *)"world", 5);
    chardev_close(&c);
    chardev_close(&c);           /* twice is harmless */
    assert_int_equal(read_file(path, buf, sizeof(buf)), 11);
    assert_string_equal(buf, "hello world");
    unlink(path);
    free(spec);
    free(path);
}

static void test_null_backends(void **state)
{
    Chardev c, zero;
    Error err;

    assert_int_equal(chardev_open(&c, "none", &err), 0);
    assert_int_equal(c.kind, CHARDEV_NULL);
    assert_int_equal(chardev_input_fd(&c), -1);
    chardev_write(&c, (const uint8_t *)"x", 1);
    chardev_close(&c);
    assert_int_equal(chardev_open(&c, "null", &err), 0);
    chardev_close(&c);
    /* a zero-filled Chardev discards output (it must not write to fd 0) */
    memset(&zero, 0, sizeof(zero));
    chardev_write(&zero, (const uint8_t *)"x", 1);
    assert_int_equal(chardev_input_fd(&zero), -1);
}

static void test_bad_specs(void **state)
{
    Chardev c;
    Error err;

    err.msg[0] = '\0';
    assert_int_equal(chardev_open(&c, "bogus", &err), -1);
    assert_non_null(strstr(err.msg, "bogus"));
    assert_int_equal(chardev_open(&c, "file:", &err), -1);
    assert_int_equal(chardev_open(&c, "", &err), -1);
    assert_int_equal(chardev_open(&c, "stdio:extra", &err), -1);
    assert_int_equal(chardev_open(&c, NULL, &err), -1);
    assert_int_equal(chardev_open(&c, "file:/nonexistent-dir/x/y", &err), -1);
    assert_non_null(strstr(err.msg, "serial: cannot open '/nonexistent-dir/x/y': "));
    assert_non_null(strstr(err.msg, "No such file"));
    assert_int_equal(chardev_open(&c, "file:/nonexistent-dir/x/y", NULL), -1);
}

static void test_escape_quit(void **state)
{
    Chardev c;
    TestRx r = { .room = sizeof(r.buf) };
    char *path, out[512];

    open_mux_file(&c, &r, &path);
    chardev_feed(&c, (const uint8_t *)"ab\001xcd", 6);
    assert_int_equal(r.quits, 1);
    assert_int_equal(r.len, 4);
    assert_memory_equal(r.buf, "abcd", 4);
    read_file(path, out, sizeof(out));
    assert_non_null(strstr(out, "kite: terminated"));
    /* an escape split across two feeds */
    chardev_feed(&c, (const uint8_t *)"\001", 1);
    assert_int_equal(r.quits, 1);
    chardev_feed(&c, (const uint8_t *)"x", 1);
    assert_int_equal(r.quits, 2);
    assert_int_equal(r.len, 4);
    close_mux_file(&c, path);
}

static void test_escape_ctrl_a_and_others(void **state)
{
    Chardev c;
    TestRx r = { .room = sizeof(r.buf) };
    char *path, out[1024];

    open_mux_file(&c, &r, &path);
    /* C-a C-a sends one C-a; unknown escapes vanish; C-a b is a break */
    chardev_feed(&c, (const uint8_t *)"1\001\0012\001z3\001b4", 10);
    assert_int_equal(r.len, 5);
    assert_memory_equal(r.buf, "1\0012" "34", 5);
    assert_int_equal(r.breaks, 1);
    assert_int_equal(r.quits, 0);
    read_file(path, out, sizeof(out));
    assert_string_equal(out, "");
    /* C-a h prints the help, C-a c says there is no monitor here */
    chardev_feed(&c, (const uint8_t *)"\001h", 2);
    read_file(path, out, sizeof(out));
    assert_non_null(strstr(out, "C-a x"));
    assert_non_null(strstr(out, "C-a h"));
    assert_non_null(strstr(out, "C-a C-a"));
    chardev_feed(&c, (const uint8_t *)"\001c", 2);
    read_file(path, out, sizeof(out));
    assert_non_null(strstr(out, "no monitor on this terminal"));
    assert_int_equal(r.len, 5);
    close_mux_file(&c, path);
}

/* mon:stdio: what C-a c hands to the monitor, and back to the guest. */
static char mon_got[64];
static size_t mon_len;
static int mon_entered;

static void mon_rx(void *opaque, const uint8_t *buf, size_t len)
{
    len = MIN(len, sizeof(mon_got) - mon_len);
    memcpy(mon_got + mon_len, buf, len);
    mon_len += len;
}

static void mon_enter(void *opaque)
{
    mon_entered++;
}

static void test_escape_monitor_switch(void **state)
{
    Chardev c;
    TestRx r = { .room = sizeof(r.buf) };
    char *path;

    open_mux_file(&c, &r, &path);
    c.mon_receive = mon_rx;
    c.mon_enter = mon_enter;
    mon_len = 0;
    mon_entered = 0;
    chardev_feed(&c, (const uint8_t *)"g1\001cinfo\001\001", 10);
    assert_int_equal(mon_entered, 1);
    assert_int_equal(mon_len, 5);            /* C-a C-a: one C-a */
    assert_memory_equal(mon_got, "info\001", 5);
    assert_int_equal(r.len, 2);
    chardev_feed(&c, (const uint8_t *)"\001cg2\001x", 6);
    assert_int_equal(mon_len, 5);            /* back to the guest */
    assert_int_equal(r.len, 4);
    assert_memory_equal(r.buf, "g1g2", 4);
    assert_int_equal(r.quits, 1);            /* C-a x works in both */
    assert_int_equal(mon_entered, 1);
    close_mux_file(&c, path);
}

static void test_no_escapes_without_mux(void **state)
{
    Chardev c;
    TestRx r = { .room = sizeof(r.buf) };
    Error err;

    assert_int_equal(chardev_open(&c, "null", &err), 0);
    c.quit = rx_quit;
    c.quit_opaque = &r;
    chardev_set_receiver(&c, rx_can_receive, rx_receive, &r);
    chardev_feed(&c, (const uint8_t *)"\001x", 2);
    assert_int_equal(r.quits, 0);
    assert_int_equal(r.len, 2);
    chardev_close(&c);
}

static void test_pending_delivery(void **state)
{
    Chardev c;
    TestRx r = { .room = 2 };
    uint8_t big[100];
    Error err;

    assert_int_equal(chardev_open(&c, "null", &err), 0);
    chardev_set_receiver(&c, rx_can_receive, rx_receive, &r);
    chardev_feed(&c, (const uint8_t *)"abcdef", 6);
    assert_int_equal(r.len, 2);
    assert_int_equal(c.npending, 4);
    /* new input queues behind what is pending, even if there is room */
    r.room = 1;
    chardev_feed(&c, (const uint8_t *)"g", 1);
    assert_int_equal(r.len, 2);
    chardev_flush_pending(&c);
    assert_int_equal(r.len, 3);
    r.room = 100;
    chardev_flush_pending(&c);
    assert_int_equal(r.len, 7);
    assert_memory_equal(r.buf, "abcdefg", 7);
    assert_int_equal(c.npending, 0);
    /* more than pending can hold: the excess is dropped */
    r.room = 0;
    memset(big, 'q', sizeof(big));
    chardev_feed(&c, big, sizeof(big));
    assert_int_equal(c.npending, sizeof(c.pending));
    r.room = 1000;
    chardev_flush_pending(&c);
    assert_int_equal(r.len, 7 + sizeof(c.pending));
    chardev_close(&c);
}

static void test_pending_before_receiver(void **state)
{
    Chardev c;
    TestRx r = { .room = 10 };
    Error err;

    assert_int_equal(chardev_open(&c, "null", &err), 0);
    chardev_feed(&c, (const uint8_t *)"early", 5);
    assert_int_equal(c.npending, 5);
    chardev_set_receiver(&c, rx_can_receive, rx_receive, &r);
    assert_int_equal(r.len, 5);
    assert_memory_equal(r.buf, "early", 5);
    chardev_close(&c);
}

/* A stdio-kind chardev reading from a pipe instead of the real stdin. */
static void open_pipe_input(Chardev *c, TestRx *r, int *wfd)
{
    int p[2];

    assert_int_equal(pipe(p), 0);
    memset(c, 0, sizeof(*c));
    c->kind = CHARDEV_STDIO;
    c->in_fd = p[0];
    c->out_fd = -1;
    c->mux = true;
    chardev_set_receiver(c, rx_can_receive, rx_receive, r);
    *wfd = p[1];
}

static void test_input_and_eof(void **state)
{
    Chardev c;
    TestRx r = { .room = sizeof(r.buf) };
    int wfd, rfd;

    open_pipe_input(&c, &r, &wfd);
    rfd = c.in_fd;
    c.input_changed = rx_input_changed;
    c.input_changed_opaque = &r;
    c.quit = rx_quit;
    c.quit_opaque = &r;
    assert_int_equal(chardev_input_fd(&c), rfd);
    assert_int_equal(write(wfd, "hi\001x", 4), 4);
    chardev_handle_input(&c);
    assert_int_equal(r.len, 2);
    assert_int_equal(r.quits, 1);
    assert_int_equal(r.input_changes, 0);
    close(wfd);
    chardev_handle_input(&c);
    assert_int_equal(chardev_input_fd(&c), -1);
    assert_int_equal(r.input_changes, 1);
    /* further calls do nothing */
    chardev_handle_input(&c);
    assert_int_equal(r.input_changes, 1);
    close(rfd);
}

static void test_input_throttle(void **state)
{
    Chardev c;
    TestRx r = { .room = 0 };
    uint8_t data[100];
    int wfd, rfd;

    open_pipe_input(&c, &r, &wfd);
    rfd = c.in_fd;
    c.input_changed = rx_input_changed;
    c.input_changed_opaque = &r;
    memset(data, 'k', sizeof(data));
    assert_int_equal(write(wfd, data, sizeof(data)), (ssize_t)sizeof(data));
    chardev_handle_input(&c);
    assert_int_equal(c.npending, sizeof(c.pending));
    assert_int_equal(chardev_input_fd(&c), -1);
    assert_int_equal(r.input_changes, 1);
    /* the front end takes some: the fd comes back */
    r.room = 10;
    chardev_flush_pending(&c);
    assert_int_equal(r.len, 10);
    assert_int_equal(chardev_input_fd(&c), rfd);
    assert_int_equal(r.input_changes, 2);
    /* only what fits in pending is read, so nothing is lost */
    r.room = 1000;
    chardev_handle_input(&c);
    chardev_flush_pending(&c);
    chardev_handle_input(&c);
    assert_int_equal(r.len, sizeof(data));
    close(wfd);
    close(rfd);
}

static void test_input_full_without_hook(void **state)
{
    Chardev c;
    TestRx r = { .room = 0 };
    uint8_t data[200];
    int wfd, rfd;

    open_pipe_input(&c, &r, &wfd);
    rfd = c.in_fd;
    memset(data, 'k', sizeof(data));
    assert_int_equal(write(wfd, data, sizeof(data)), (ssize_t)sizeof(data));
    /* no hook to pause polling: reads still drain the fd (no spinning) */
    for (int i = 0; i < 4; i++) {
        chardev_handle_input(&c);
    }
    assert_int_equal(c.npending, sizeof(c.pending));
    assert_int_equal(chardev_input_fd(&c), rfd);
    close(wfd);
    chardev_handle_input(&c);
    assert_int_equal(chardev_input_fd(&c), -1);
    close(rfd);
}

/* Reads everything the pipe holds now. */
static size_t drain_pipe(int fd)
{
    char buf[4096];
    size_t total = 0;
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        total += (size_t)n;
    }
    return total;
}

/*
 * stdout-pipe-full: a reader that stalls must never block the writer (a
 * vCPU in the UART's register handler); what does not fit in the pipe
 * waits in out_buf, the rest is dropped and counted, and the flush
 * delivers out_buf once the reader catches up.
 */
static void test_write_never_blocks(void **state)
{
    Chardev c;
    size_t len = 1 << 20, piped, flushed;
    uint8_t *data = xzalloc(len);
    int p[2];

    assert_int_equal(pipe(p), 0);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    memset(&c, 0, sizeof(c));
    c.kind = CHARDEV_STDIO;
    c.in_fd = -1;
    c.out_fd = p[1];
    for (size_t i = 0; i < len; i += 1000) {
        chardev_write(&c, data + i, MIN(1000, len - i));
    }
    assert_int_equal(c.out_len, CHARDEV_OUT_BUF);
    piped = drain_pipe(p[0]);
    assert_true(piped > 0);
    assert_int_equal(c.out_dropped, len - piped - CHARDEV_OUT_BUF);
    flushed = 0;
    while (c.out_len > 0) {
        chardev_flush_output(&c);
        flushed += drain_pipe(p[0]);
    }
    assert_int_equal(flushed, CHARDEV_OUT_BUF);
    /* an empty buffer writes straight through again */
    chardev_write(&c, data, 10);
    assert_int_equal(c.out_len, 0);
    assert_int_equal(drain_pipe(p[0]), 10);
    close(p[0]);
    close(p[1]);
    free(data);
}

/* A reader that went away: output is dropped, never an error or a hang. */
static void test_write_reader_gone(void **state)
{
    Chardev c;
    uint8_t data[100] = { 0 };
    int p[2];

    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    memset(&c, 0, sizeof(c));
    c.kind = CHARDEV_STDIO;
    c.in_fd = -1;
    c.out_fd = p[1];
    chardev_write(&c, data, sizeof(data));
    assert_int_equal(c.out_fd, -1);
    chardev_write(&c, data, sizeof(data));
    assert_int_equal(c.out_len, 0);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_backend),
        cmocka_unit_test(test_null_backends),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_escape_quit),
        cmocka_unit_test(test_escape_ctrl_a_and_others),
        cmocka_unit_test(test_no_escapes_without_mux),
        cmocka_unit_test(test_pending_delivery),
        cmocka_unit_test(test_pending_before_receiver),
        cmocka_unit_test(test_escape_monitor_switch),
        cmocka_unit_test(test_input_and_eof),
        cmocka_unit_test(test_input_throttle),
        cmocka_unit_test(test_input_full_without_hook),
        cmocka_unit_test(test_write_never_blocks),
        cmocka_unit_test(test_write_reader_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
