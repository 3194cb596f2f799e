/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's sequence-number store (tip_port_posix_cfg_t.seq_dir):
 * one private file per SA that survives closing and reopening the port,
 * refuses what it cannot trust (a damaged file, a symbolic link, a
 * directory others may write to), and lets a manually keyed SA resume above
 * its mark after a restart.
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* mkdtemp */
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"
#include "tip_test_pkt.h"

static char base[64], dir[96];
static tip_port_posix_t pp;
static tip_port_t port;

static int open_store(const char *d)
{
    tip_port_posix_cfg_t cfg;
    int err;

    tip_port_posix_cfg_init(&cfg);
    cfg.local = tip_test_addr("127.0.0.1");
    cfg.natt_port = 0;
    cfg.log_level = -1;
    cfg.seq_dir = d;
    err = tip_port_posix_open(&pp, &cfg);
    if (err == TIP_OK)
        tip_port_posix_port(&pp, &port);
    return err;
}

static tip_sa_id_t sa_id(tip_dir_t d, uint32_t spi, const char *src, const char *dst)
{
    tip_sa_id_t id;
    memset(&id, 0, sizeof(id));
    id.dir = (uint8_t)d;
    id.spi = spi;
    id.src = tip_test_addr(src);
    id.dst = tip_test_addr(dst);
    return id;
}

static void path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void read_file(const char *name, char *out, size_t cap)
{
    char p[256];
    FILE *f;
    size_t n;
    path(p, sizeof(p), name);
    f = fopen(p, "r");
    assert_non_null(f);
    n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void write_file(const char *name, const char *text)
{
    char p[256];
    FILE *f;
    path(p, sizeof(p), name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(p, 0600), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof(base), "/tmp/tip-seq-XXXXXX");
    assert_non_null(mkdtemp(base));
    snprintf(dir, sizeof(dir), "%s/store", base); /* missing: the port creates it */
    return 0;
}

static int teardown(void **state)
{
    char cmd[160];
    (void)state;
    tip_port_posix_close(&pp);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void test_files_round_trip(void **state)
{
    const char *name = "out-00001001-c0000201-c0000202.seq";
    tip_sa_id_t out = sa_id(TIP_DIR_OUT, 0x1001, "192.0.2.1", "192.0.2.2");
    tip_sa_id_t in = sa_id(TIP_DIR_IN, 0x1001, "192.0.2.2", "192.0.2.1");
    tip_sa_id_t v6 = sa_id(TIP_DIR_OUT, 0xabcdef01, "2001:db8::1", "2001:db8::2");
    struct stat st;
    char p[256], text[64];
    uint64_t mark = 7;
    (void)state;

    assert_int_equal(open_store(dir), TIP_OK);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_non_null(port.seq_load);
    assert_non_null(port.seq_store);
    /* Nothing stored yet: a new SA. */
    assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_ERR_NOT_FOUND);
    assert_int_equal(port.seq_store(port.arg, &out, 42), TIP_OK);
    assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_OK);
    assert_true(mark == 42);
    read_file(name, text, sizeof(text));
    assert_string_equal(text, "tinyipsec-seq 1 42\n");
    path(p, sizeof(p), name);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    path(p, sizeof(p), "out-00001001-c0000201-c0000202.seq.tmp");
    assert_int_not_equal(access(p, F_OK), 0); /* renamed, not left behind */
    /* 64-bit marks; each SA its own file. */
    assert_int_equal(port.seq_store(port.arg, &out, 0x123456789abcull), TIP_OK);
    assert_int_equal(port.seq_load(port.arg, &in, &mark), TIP_ERR_NOT_FOUND);
    assert_int_equal(port.seq_store(port.arg, &in, 4096), TIP_OK);
    assert_int_equal(port.seq_store(port.arg, &v6, UINT64_MAX), TIP_OK);
    read_file("out-abcdef01-20010db8000000000000000000000001-20010db8000000000000000000000002.seq",
              text, sizeof(text));
    assert_string_equal(text, "tinyipsec-seq 1 18446744073709551615\n");
    /* Closed and opened again (a restart): the marks are still there. */
    tip_port_posix_close(&pp);
    assert_int_equal(open_store(dir), TIP_OK);
    assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_OK);
    assert_true(mark == 0x123456789abcull);
    assert_int_equal(port.seq_load(port.arg, &in, &mark), TIP_OK);
    assert_true(mark == 4096);
    assert_int_equal(port.seq_load(port.arg, &v6, &mark), TIP_OK);
    assert_true(mark == UINT64_MAX);
}

static void test_refuses_what_it_cannot_trust(void **state)
{
    tip_sa_id_t out = sa_id(TIP_DIR_OUT, 0x2002, "192.0.2.1", "192.0.2.2");
    const char *name = "out-00002002-c0000201-c0000202.seq";
    static const char *const damaged[] = {
        "", "garbage\n", "tinyipsec-seq 1 \n", "tinyipsec-seq 1 12x\n", "tinyipsec-seq 1 12",
        "tinyipsec-seq 2 12\n", "tinyipsec-seq 1 18446744073709551616\n",
    };
    char p[256], other[256];
    uint64_t mark;
    size_t i;
    (void)state;

    assert_int_equal(open_store(dir), TIP_OK);
    /* A damaged file is an error, never "nothing stored" (which would
     * start the SA again at 1). */
    for (i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
        write_file(name, damaged[i]);
        assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_ERR_PORT);
        assert_non_null(strstr(tip_port_posix_errmsg(&pp), "damaged"));
    }
    /* Files others may write to are not trusted. */
    write_file(name, "tinyipsec-seq 1 5\n");
    path(p, sizeof(p), name);
    assert_int_equal(chmod(p, 0666), 0);
    assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_ERR_PORT);
    /* A symbolic link is not followed. */
    assert_int_equal(unlink(p), 0);
    path(other, sizeof(other), "elsewhere");
    write_file("elsewhere", "tinyipsec-seq 1 5\n");
    assert_int_equal(symlink(other, p), 0);
    assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_ERR_PORT);
    /* A store replaces the link itself, it never writes through it. */
    assert_int_equal(port.seq_store(port.arg, &out, 9), TIP_OK);
    assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_OK);
    assert_true(mark == 9);
    {
        char text[64];
        read_file("elsewhere", text, sizeof(text));
        assert_string_equal(text, "tinyipsec-seq 1 5\n");
    }
    /* A temporary planted as a link makes the store fail, not follow it. */
    snprintf(p + strlen(p), sizeof(p) - strlen(p), ".tmp");
    assert_int_equal(symlink(other, p), 0);
    assert_int_equal(port.seq_store(port.arg, &out, 10), TIP_ERR_PORT);
    assert_int_equal(port.seq_load(port.arg, &out, &mark), TIP_OK);
    assert_true(mark == 9);
    tip_port_posix_close(&pp);
    /* A directory others may write to is refused when the port opens. */
    assert_int_equal(chmod(dir, 0770), 0);
    assert_int_equal(open_store(dir), TIP_ERR_PORT);
    assert_non_null(strstr(tip_port_posix_errmsg(&pp), "writable by group or others"));
    assert_int_equal(pp.fd_natt, -1);
    assert_int_equal(chmod(dir, 0700), 0);
    /* So is a symbolic link to a directory. */
    snprintf(other, sizeof(other), "%s/link", base);
    assert_int_equal(symlink(dir, other), 0);
    assert_int_equal(open_store(other), TIP_ERR_PORT);
}

static void test_no_dir_no_store(void **state)
{
    (void)state;
    assert_int_equal(open_store(NULL), TIP_OK);
    assert_null(port.seq_load);
    assert_null(port.seq_store);
}

/* The library on top: a manually keyed SA resumes above its mark. */
static void test_manual_sa_resumes_after_restart(void **state)
{
    static tip_ctx_t ctx;
    static const uint8_t key[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    static uint8_t mem[512];
    tip_sa_params_t sa;
    tip_handle_t h;
    int round;
    (void)state;

    memset(&sa, 0, sizeof(sa));
    sa.spi = 0x1001;
    sa.dir = TIP_DIR_OUT;
    sa.mode = TIP_MODE_TUNNEL;
    sa.src = tip_test_addr("192.0.2.1");
    sa.dst = tip_test_addr("192.0.2.2");
    sa.encr = TIP_ENCR_AES_GCM_16;
    sa.encr_key = key;
    sa.encr_key_len = 20;
    for (round = 0; round < 3; round++) {
        static const uint8_t pl[4] = {0};
        tip_addr_t a = tip_test_addr("10.1.0.1"), b = tip_test_addr("10.2.0.1");
        tip_buf_t buf;
        uint32_t seq;

        assert_int_equal(open_store(dir), TIP_OK);
        assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
        assert_int_equal(tip_sad_add(&ctx, &sa, &h), TIP_OK);
        tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
        assert_int_equal(tip_test_pkt_udp(&buf, &a, &b, 1, 2, pl, sizeof(pl)), TIP_OK);
        assert_int_equal(tip_esp_encap(&ctx, h, &buf), TIP_OK);
        /* outer IPv4 header, then SPI and sequence number */
        seq = (uint32_t)buf.base[buf.off + 24] << 24 | (uint32_t)buf.base[buf.off + 25] << 16 |
              (uint32_t)buf.base[buf.off + 26] << 8 | buf.base[buf.off + 27];
        assert_int_equal(seq, 1u + (uint32_t)round * TIP_SEQ_PERSIST_STEP);
        tip_ctx_deinit(&ctx);
        tip_port_posix_close(&pp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_what_it_cannot_trust, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_dir_no_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manual_sa_resumes_after_restart, setup, teardown),
    };
    return cmocka_run_group_tests_name("port_posix_seq", tests, NULL, NULL);
}
