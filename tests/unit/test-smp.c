/*
 * Unit tests for -smp parsing: QEMU's rules for omitted values (cores
 * preferred over sockets) and its consistency errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "system/smp.h"

static void expect_smp(const char *arg, uint64_t cpus, uint64_t maxcpus,
                       uint64_t sockets, uint64_t cores, uint64_t threads)
{
    SmpConfig s;
    Error err = { "" };

    assert_int_equal(smp_parse(arg, &s, &err), 0);
    assert_int_equal(s.cpus, cpus);
    assert_int_equal(s.maxcpus, maxcpus);
    assert_int_equal(s.sockets, sockets);
    assert_int_equal(s.dies, 1);
    assert_int_equal(s.cores, cores);
    assert_int_equal(s.threads, threads);
}

static void expect_smp_error(const char *arg, const char *what)
{
    SmpConfig s;
    Error err = { "" };

    assert_int_equal(smp_parse(arg, &s, &err), -1);
    assert_non_null(strstr(err.msg, what));
}

static void test_smp_omitted_values(void **state)
{
    expect_smp("1", 1, 1, 1, 1, 1);
    expect_smp("cpus=1", 1, 1, 1, 1, 1);
    expect_smp("8", 8, 8, 1, 8, 1);                 /* cores preferred */
    expect_smp("8,sockets=2", 8, 8, 2, 4, 1);
    expect_smp("8,cores=2", 8, 8, 4, 2, 1);
    expect_smp("8,sockets=2,cores=2", 8, 8, 2, 2, 2);
    expect_smp("sockets=2", 2, 2, 2, 1, 1);         /* no cpus: product */
    expect_smp("sockets=2,cores=3,threads=2", 12, 12, 2, 3, 2);
    expect_smp("2,maxcpus=4", 2, 4, 1, 4, 1);
}

static void test_smp_inconsistent(void **state)
{
    /* smp-topology-accepted: this used to pass as one CPU */
    expect_smp_error("1,sockets=4,cores=2", "product of the hierarchy");
    expect_smp_error("4,sockets=3", "product of the hierarchy");
    expect_smp_error("4,maxcpus=2", "maxcpus");
    expect_smp_error("0", "greater than zero");
    expect_smp_error("1,cores=0", "greater than zero");
    expect_smp_error("1,bogus=2", "unknown topology parameter");
    expect_smp_error("1,2", "key=value");
    expect_smp_error("", "empty");
    expect_smp_error("1,", "empty");
    expect_smp_error("x", "bad value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smp_omitted_values),
        cmocka_unit_test(test_smp_inconsistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
