/*
 * Unit tests for the gdb stub's pieces: packet framing and escaping, hex,
 * -gdb specs (and the bad ones), the register layouts (64-bit and 32-bit)
 * with their target descriptions, and the debugger's point set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/debug.h"
#include "system/gdbstub.h"

static unsigned checksum(const char *s, size_t n)
{
    unsigned sum = 0;

    for (size_t i = 0; i < n; i++) {
        sum += (uint8_t)s[i];
    }
    return sum & 0xff;
}

static void test_frame(void **state)
{
    char out[64], want[16];
    size_t n = gdb_frame(out, sizeof(out), "OK", 2);

    out[n] = '\0';
    assert_string_equal(out, "$OK#9a");
    n = gdb_frame(out, sizeof(out), "", 0);
    out[n] = '\0';
    assert_string_equal(out, "$#00");
    /* '#', '$', '}' and '*' go out as '}' then the byte xor 0x20 */
    n = gdb_frame(out, sizeof(out), "a#$}*", 5);
    out[n] = '\0';
    assert_memory_equal(out, "$a}\x03}\x04}]}\x0a#", 11);
    snprintf(want, sizeof(want), "%02x", checksum(out + 1, 9));
    assert_string_equal(out + 11, want);
    /* a buffer too small never overflows */
    assert_int_equal(gdb_frame(out, 3, "OK", 2), 0);
}

static void test_hex(void **state)
{
    uint8_t in[4] = { 0x00, 0x7f, 0xa5, 0xff }, out[4];
    char hex[9];

    gdb_hex_encode(hex, in, 4);
    assert_string_equal(hex, "007fa5ff");
    assert_int_equal(gdb_hex_decode(out, 4, "007FA5ff", 8), 4);
    assert_memory_equal(out, in, 4);
    assert_int_equal(gdb_hex_decode(out, 4, "0g", 2), -1);
    assert_int_equal(gdb_hex_decode(out, 4, "007", 3), -1);
    assert_int_equal(gdb_hex_decode(out, 1, "0011", 4), -1);
}

static void test_socket_spec(void **state)
{
    Error err = { "" };
    char *s;

    s = gdbstub_socket_spec("tcp::1234", &err);
    assert_string_equal(s, "tcp::1234,server,nowait");
    free(s);
    s = gdbstub_socket_spec("tcp:127.0.0.1:5000,server", &err);
    assert_string_equal(s, "tcp:127.0.0.1:5000,server,nowait");
    free(s);
    s = gdbstub_socket_spec("unix:/tmp/kite-gdb.sock", &err);
    assert_string_equal(s, "unix:/tmp/kite-gdb.sock,server,nowait");
    free(s);
    assert_null(gdbstub_socket_spec("tcp:1234", &err));
    assert_non_null(strstr(err.msg, "HOST:PORT"));
    assert_null(gdbstub_socket_spec("udp::1234", &err));
    assert_non_null(strstr(err.msg, "unsupported"));
    assert_null(gdbstub_socket_spec("1234", &err));
    assert_null(gdbstub_socket_spec("tcp::99999", &err));
    assert_non_null(strstr(err.msg, "1 to 65535"));
    assert_null(gdbstub_socket_spec("tcp::0", &err));
    assert_null(gdbstub_socket_spec("tcp:localhost:http", &err));
    assert_null(gdbstub_socket_spec("tcp::", &err));
}

static void fill_state(X86CPUState *st)
{
    memset(st, 0, sizeof(*st));
    for (int i = 0; i < 16; i++) {
        st->regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
        st->xmm[i].q[0] = 0x0102030405060708ull + (uint64_t)i;
        st->xmm[i].q[1] = 0x1112131415161718ull;
    }
    st->rip = 0xffffffff81000000ull;
    st->rflags = 0x246;
    st->segs[R_CS].selector = 0x10;
    st->segs[R_FS].base = 0x7f0000001000ull;
    st->cr0 = 0x80050033;
    st->cr3 = 0x1000;
    st->efer = 0xd01;
    st->fsw = 3u << 11;             /* TOP = 3 */
    for (int i = 0; i < 8; i++) {
        st->fpregs[i].mant = 0x8000000000000000ull | (uint64_t)i;
        st->fpregs[i].exp = (uint16_t)(0x3fff + i);
    }
    st->mxcsr = 0x1f80;
}

static void test_regs64(void **state)
{
    X86CPUState st, st2;
    uint8_t buf[16];
    int total = 0;

    fill_state(&st);
    assert_int_equal(gdb_reg_count(true), 66);
    /* rax rbx rcx rdx: gdb's order, not the encoding order */
    assert_int_equal(gdb_reg_read(&st, true, 1, buf), 8);
    assert_int_equal(ld64le(buf), st.regs[R_EBX]);
    assert_int_equal(gdb_reg_read(&st, true, 16, buf), 8);
    assert_int_equal(ld64le(buf), st.rip);
    assert_int_equal(gdb_reg_read(&st, true, 17, buf), 4);
    assert_int_equal(ld32le(buf), 0x246);
    assert_int_equal(gdb_reg_read(&st, true, 18, buf), 4);
    assert_int_equal(ld32le(buf), 0x10);
    /* st0 is ST(0) = the physical register TOP */
    assert_int_equal(gdb_reg_read(&st, true, 24, buf), 10);
    assert_int_equal(ld64le(buf), st.fpregs[3].mant);
    assert_int_equal(ld16le(buf + 8), st.fpregs[3].exp);
    assert_int_equal(gdb_reg_read(&st, true, 40, buf), 16);
    assert_memory_equal(buf, st.xmm[0].b, 16);
    assert_int_equal(gdb_reg_read(&st, true, 56, buf), 4);
    assert_int_equal(ld32le(buf), 0x1f80);
    assert_int_equal(gdb_reg_read(&st, true, 57, buf), 8);
    assert_int_equal(ld64le(buf), st.segs[R_FS].base);
    assert_int_equal(gdb_reg_read(&st, true, 62, buf), 8);
    assert_int_equal(ld64le(buf), st.cr3);
    assert_int_equal(gdb_reg_read(&st, true, 65, buf), 8);
    assert_int_equal(ld64le(buf), st.efer);
    assert_int_equal(gdb_reg_read(&st, true, 66, buf), -1);
    assert_int_equal(gdb_reg_read(&st, true, -1, buf), -1);
    /* every register writes back what it reads */
    memset(&st2, 0, sizeof(st2));
    st2.fsw = st.fsw;
    for (int n = 0; n < gdb_reg_count(true); n++) {
        int b = gdb_reg_read(&st, true, n, buf);
        assert_int_equal(gdb_reg_write(&st2, true, n, buf), b);
        total += b;
    }
    assert_int_equal(total, gdb_regs_size(true));
    assert_memory_equal(st2.regs, st.regs, sizeof(st.regs));
    assert_memory_equal(st2.xmm, st.xmm, sizeof(st.xmm));
    assert_memory_equal(st2.fpregs, st.fpregs, sizeof(st.fpregs));
    assert_int_equal(st2.cr0, st.cr0);
    assert_int_equal(st2.efer, st.efer);
    /* RFLAGS keeps bit 1 */
    st32le(buf, 0);
    gdb_reg_write(&st2, true, 17, buf);
    assert_int_equal(st2.rflags, 2);
}

static void test_regs32(void **state)
{
    X86CPUState st;
    uint8_t buf[16];

    fill_state(&st);
    assert_int_equal(gdb_reg_count(false), 8 + 2 + 6 + 8 + 8 + 8 + 1 + 9);
    /* eax ecx edx ebx: the encoding order, 32 bits each */
    assert_int_equal(gdb_reg_read(&st, false, 1, buf), 4);
    assert_int_equal(ld32le(buf), (uint32_t)st.regs[R_ECX]);
    assert_int_equal(gdb_reg_read(&st, false, 8, buf), 4);
    assert_int_equal(ld32le(buf), (uint32_t)st.rip);
    /* a 32-bit write keeps the upper half */
    st32le(buf, 0xdeadbeef);
    gdb_reg_write(&st, false, 0, buf);
    assert_int_equal(st.regs[R_EAX], 0x11111111deadbeefull);
}

static void test_target_xml(void **state)
{
    static char xml[16384];
    char small[64];
    size_t n = gdb_target_xml(xml, sizeof(xml), true);

    assert_int_equal(n, strlen(xml));
    assert_non_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
    assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.core\">"));
    assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.sse\">"));
    assert_non_null(strstr(xml, "name=\"fs_base\" bitsize=\"64\""));
    assert_non_null(strstr(xml, "name=\"k_gs_base\""));
    assert_non_null(strstr(xml, "name=\"cr8\""));
    assert_non_null(strstr(xml, "name=\"efer\" bitsize=\"64\" type=\"int64\" "
                                "regnum=\"65\""));
    assert_non_null(strstr(xml, "name=\"st0\" bitsize=\"80\""));
    assert_non_null(strstr(xml, "name=\"xmm15\" bitsize=\"128\""));
    assert_non_null(strstr(xml, "</target>"));
    /* a small buffer: truncated, the full length still reported */
    assert_int_equal(gdb_target_xml(small, sizeof(small), true), n);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    n = gdb_target_xml(xml, sizeof(xml), false);
    assert_non_null(strstr(xml, "<architecture>i386</architecture>"));
    assert_non_null(strstr(xml, "name=\"eip\" bitsize=\"32\""));
    assert_null(strstr(xml, "xmm8"));
}

static void test_debug_points(void **state)
{
    DebugPoints dp = { .n = 0 };

    assert_int_equal(debug_points_insert(&dp, DEBUG_BP_SW, 0x1000, 1), 0);
    assert_int_equal(debug_points_insert(&dp, DEBUG_BP_SW, 0x1000, 1), 0);
    assert_int_equal(dp.n, 1);
    /* a breakpoint's kind (instruction length) does not matter */
    assert_int_equal(debug_points_insert(&dp, DEBUG_BP_HW, 0x2000, 7), 0);
    assert_int_equal(dp.p[1].len, 1);
    assert_int_equal(debug_points_insert(&dp, DEBUG_WP_WRITE, 0x3000, 8), 0);
    assert_int_equal(debug_points_insert(&dp, DEBUG_WP_READ, 0x3000, 0), -1);
    assert_int_equal(debug_points_insert(&dp, DEBUG_WP_ACCESS,
                                         0xfffffffffffffff0ull, 0x20), -1);
    assert_int_equal(debug_points_insert(&dp, 5, 0x3000, 1), -1);
    assert_true(debug_point_overlaps(&dp.p[2], 0x2ffc, 8));
    assert_true(debug_point_overlaps(&dp.p[2], 0x3007, 1));
    assert_false(debug_point_overlaps(&dp.p[2], 0x3008, 4));
    assert_false(debug_point_overlaps(&dp.p[2], 0x2ff8, 8));
    assert_int_equal(debug_points_remove(&dp, DEBUG_WP_WRITE, 0x3000, 4), -1);
    assert_int_equal(debug_points_remove(&dp, DEBUG_WP_WRITE, 0x3000, 8), 0);
    assert_int_equal(debug_points_remove(&dp, DEBUG_BP_SW, 0x1000, 1), 0);
    assert_int_equal(dp.n, 1);
    for (int i = 0; dp.n < DEBUG_POINTS_MAX; i++) {
        assert_int_equal(debug_points_insert(&dp, DEBUG_BP_SW,
                                             0x10000 + (uint64_t)i, 1), 0);
    }
    assert_int_equal(debug_points_insert(&dp, DEBUG_BP_SW, 0x1, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_socket_spec),
        cmocka_unit_test(test_regs64),
        cmocka_unit_test(test_regs32),
        cmocka_unit_test(test_target_xml),
        cmocka_unit_test(test_debug_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
