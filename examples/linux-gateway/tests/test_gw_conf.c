/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway, conf.c: mistakes in the configuration file are errors that
 * name the line, the key and what is wrong, never silently accepted.
 */
#define _POSIX_C_SOURCE 200809L
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

#include "conf.h"

#define BASE                                                                                  \
    "local = 10.99.0.1\n"                                                                     \
    "peer = 10.99.0.2\n"                                                                      \
    "local_id = fqdn:left.test\n"                                                             \
    "remote_id = fqdn:right.test\n"                                                           \
    "psk = \"a long enough secret\"\n"                                                        \
    "remote_subnet = 10.2.0.0/24\n"

static char path[64];
static gw_conf_t cf;
static char err[512];

/* Load BASE + @p extra from a file of mode @p mode. */
static int load_mode(const char *extra, mode_t mode)
{
    int fd;
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/tip-gw-conf-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(BASE, f);
    fputs(extra, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    gw_conf_init(&cf);
    err[0] = '\0';
    {
        int r = gw_conf_load(&cf, path, err, sizeof(err));
        unlink(path);
        return r;
    }
}

static int load(const char *extra)
{
    return load_mode(extra, 0600);
}

static void assert_error(const char *extra, const char *want)
{
    assert_int_equal(load(extra), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not say \"%s\"", err, want);
}

static void test_a_good_file_loads(void **state)
{
    (void)state;
    assert_int_equal(load("local_subnet = 10.1.0.0/24\nroute_src = 10.1.0.1\n"), 0);
    assert_string_equal(cf.warning, "");
    assert_int_equal(load("local_subnet = 10.1.0.7/32\nroute_src = 10.1.0.7\n"), 0);
}

/* What the file says arrives in the connection the library gets. */
static void test_proposals_are_parsed(void **state)
{
    (void)state;
    assert_int_equal(load("local_subnet = 10.1.0.0/24\n"
                          "ike = aes128gcm16-prfsha256-x25519, aes256-sha384-modp2048\n"
                          "esp = aes128gcm16, aes256-sha256-ecp256-esn\n"),
                     0);
    assert_int_equal(cf.conn.ike_count, 2);
    assert_int_equal(cf.conn.ike[0].encr, TIP_ENCR_AES_GCM_16);
    assert_int_equal(cf.conn.ike[0].key_bits, 128);
    assert_int_equal(cf.conn.ike[0].integ, TIP_INTEG_NONE);
    assert_int_equal(cf.conn.ike[0].prf, TIP_PRF_HMAC_SHA2_256);
    assert_int_equal(cf.conn.ike[0].dh, TIP_DH_CURVE25519);
    assert_int_equal(cf.conn.ike[1].encr, TIP_ENCR_AES_CBC);
    assert_int_equal(cf.conn.ike[1].key_bits, 256);
    assert_int_equal(cf.conn.ike[1].integ, TIP_INTEG_HMAC_SHA2_384_192);
    assert_int_equal(cf.conn.ike[1].prf, TIP_PRF_HMAC_SHA2_384);
    assert_int_equal(cf.conn.ike[1].dh, TIP_DH_MODP_2048);
    assert_int_equal(cf.conn.child_count, 2);
    assert_int_equal(cf.conn.child[0].encr, TIP_ENCR_AES_GCM_16);
    assert_int_equal(cf.conn.child[0].pfs, TIP_DH_NONE);
    assert_int_equal(cf.conn.child[1].encr, TIP_ENCR_AES_CBC);
    assert_int_equal(cf.conn.child[1].integ, TIP_INTEG_HMAC_SHA2_256_128);
    assert_int_equal(cf.conn.child[1].pfs, TIP_DH_ECP_256);
    assert_int_equal(cf.conn.child[1].esn, 1);
}

/* The retransmission keys reach the connection; out-of-range values are refused. */
static void test_retransmission_keys(void **state)
{
    (void)state;
    assert_int_equal(load("local_subnet = 10.1.0.0/24\n"
                          "retransmit_timeout = 250\nretransmit_tries = 2\n"),
                     0);
    assert_int_equal(cf.conn.retransmit_ms, 250);
    assert_int_equal(cf.conn.retransmit_tries, 2);
    assert_error("local_subnet = 10.1.0.0/24\nretransmit_timeout = 10\n",
                 "retransmit_timeout: expected 0 (library default, 1000) or 50..60000 ms");
    assert_error("local_subnet = 10.1.0.0/24\nretransmit_tries = 11\n", "retransmit_tries");
}

/* rsa_pss and initial_contact reach the connection (default: v1.5, INITIAL_CONTACT sent);
 * without certificate support, rsa_pss = yes is refused and no is accepted. */
static void test_signature_and_contact_keys(void **state)
{
    (void)state;
    assert_int_equal(load("local_subnet = 10.1.0.0/24\n"), 0);
    assert_int_equal(cf.conn.no_initial_contact, 0);
#if TIP_CONF_IKE_CERT
    assert_int_equal(cf.conn.rsa_pss, 0);
    assert_int_equal(load("local_subnet = 10.1.0.0/24\nrsa_pss = yes\ninitial_contact = no\n"), 0);
    assert_int_equal(cf.conn.rsa_pss, 1);
#else
    assert_error("local_subnet = 10.1.0.0/24\nrsa_pss = yes\n",
                 "rsa_pss: this build has no certificate support (TIP_CONF_IKE_CERT=0)");
    assert_int_equal(load("local_subnet = 10.1.0.0/24\nrsa_pss = no\ninitial_contact = no\n"), 0);
#endif
    assert_int_equal(cf.conn.no_initial_contact, 1);
    assert_error("local_subnet = 10.1.0.0/24\nrsa_pss = maybe\n", "rsa_pss: expected yes or no");
}

/* mobike (RFC 4555) is on unless the file says no; it reaches the connection. */
static void test_mobike_key(void **state)
{
    (void)state;
    assert_int_equal(load("local_subnet = 10.1.0.0/24\n"), 0);
    assert_int_equal(cf.conn.no_mobike, 0);
    assert_int_equal(load("local_subnet = 10.1.0.0/24\nmobike = no\n"), 0);
    assert_int_equal(cf.conn.no_mobike, 1);
    assert_int_equal(load("local_subnet = 10.1.0.0/24\nmobike = yes\n"), 0);
    assert_int_equal(cf.conn.no_mobike, 0);
    assert_error("local_subnet = 10.1.0.0/24\nmobike = sometimes\n", "mobike: expected yes or no");
}

static void test_a_key_given_twice(void **state)
{
    (void)state;
    assert_error("local_subnet = 10.1.0.0/24\ndpd = 30s\ndpd = 10s\n",
                 ":9: dpd: given twice (first on line 8)");
    assert_error("local_subnet = 10.1.0.0/24\npsk = other\n", "psk: given twice (first on line 5)");
}

static void test_refused_algorithms_are_named_with_the_reason(void **state)
{
    (void)state;
    assert_error("local_subnet = 10.1.0.0/24\nesp = aes128gcm16, 3des-sha256\n",
                 "esp: 3des: refused (RFC 8221");
    assert_error("local_subnet = 10.1.0.0/24\nesp = aes128-md5\n", "md5: refused (RFC 8221");
    assert_error("local_subnet = 10.1.0.0/24\nike = aes128-sha1-modp2048\n",
                 "ike: sha1: refused (RFC 8221");
    assert_error("local_subnet = 10.1.0.0/24\nike = aes128-sha256-modp1024\n",
                 "modp1024: refused (RFC 8247");
    assert_error("local_subnet = 10.1.0.0/24\nike = aes128-sha256-modp768\n",
                 "modp768: refused (RFC 8247");
    assert_error("local_subnet = 10.1.0.0/24\nesp = aes128ctr\n", "aes128ctr: unknown algorithm");
    assert_error("local_subnet = 10.1.0.0/24\nike = aes128gcm16-x25519\n", "needs a PRF");
}

static void test_subnets_are_networks(void **state)
{
    (void)state;
    assert_error("local_subnet = 10.1.0.1/24\n",
                 "local_subnet: 10.1.0.1/24 has host bits set: the network is 10.1.0.0/24");
    assert_error("local_subnet = 10.1.0.0\n", "local_subnet: no prefix length");
    assert_error("local_subnet = 10.1.0.0/33\n", "bad prefix length");
    assert_error("local_subnet = 10.1.0.0/24\nremote_subnet = 2001:db8::1/64\n",
                 "given twice"); /* remote_subnet is in BASE */
}

/* Offloads are on unless the file says no; anything but yes or no is refused. */
static void test_offload_switch(void **state)
{
    (void)state;
    assert_int_equal(load("local_subnet = 10.1.0.0/24\n"), 0);
    assert_int_equal(cf.offload, 1);
    assert_int_equal(load("local_subnet = 10.1.0.0/24\noffload = no\n"), 0);
    assert_int_equal(cf.offload, 0);
    assert_error("local_subnet = 10.1.0.0/24\noffload = maybe\n", "offload");
}

#if TIP_IKE_TS_MORE_MAX == 3
/* "child = LOCAL REMOTE": further subnet pairs, one CHILD SA each (the
 * default CHILD SA table: 3 further pairs). */
static void test_child_pairs(void **state)
{
    (void)state;
    assert_int_equal(load("local_subnet = 10.1.0.0/24\nchild = 10.1.1.0/24 10.2.1.0/24\n"
                          "child = 10.1.2.0/24\t10.2.2.0/24\n"),
                     0);
    assert_int_equal(cf.conn.ts_more_count, 2);
    assert_int_equal(cf.conn.ts_more[1].local.lo.addr[2], 2);
    assert_int_equal(cf.conn.ts_more[1].remote.hi.addr[3], 255);
    assert_string_equal(cf.child_remote[0], "10.2.1.0/24");
    assert_error("local_subnet = 10.1.0.0/24\nchild = 10.1.1.0/24\n",
                 "child: expected LOCAL_SUBNET REMOTE_SUBNET");
    assert_error("local_subnet = 10.1.0.0/24\nchild = 10.1.1.0/24 10.2.1.1/24\n",
                 "host bits set");
    assert_error("local_subnet = 10.1.0.0/24\nchild = 10.1.1.0/24 10.2.1.0/24\n"
                 "child = 10.1.2.0/24 10.2.2.0/24\nchild = 10.1.3.0/24 10.2.3.0/24\n"
                 "child = 10.1.4.0/24 10.2.4.0/24\n",
                 "at most 3 \"child\" lines");
}
#endif

static void test_route_src_inside_local_subnet(void **state)
{
    (void)state;
    assert_error("local_subnet = 10.1.0.0/24\nroute_src = 10.3.0.1\n",
                 "route_src 10.3.0.1 is not inside local_subnet 10.1.0.0/24");
    assert_error("local_subnet = 10.1.0.0/24\nroute_src = 10.1.1.0\n", "not inside local_subnet");
}

/* A road warrior asks for its address; a gateway hands them out. */
static void test_virtual_addresses(void **state)
{
    (void)state;
    assert_error("", "\"local_subnet\" (or \"vip\")");
    assert_int_equal(load("vip = ipv4\n"), 0);
    assert_int_equal(cf.conn.vip_request, TIP_IKE_VIP_IP4 | TIP_IKE_VIP_DNS);
    assert_int_equal(cf.conn.vip_optional, 0);
    assert_int_equal(load("vip = ipv4, ipv6\nvip_optional = yes\n"), 0);
    assert_int_equal(cf.conn.vip_request, TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS);
    assert_int_equal(cf.conn.vip_optional, 1);
    assert_error("vip = ipv5\n", "vip: expected ipv4, ipv6 or ipv4,ipv6");
    assert_error("vip = ipv4\nroute_src = 10.1.0.1\n", "route_src and vip");
    assert_int_equal(load("local_subnet = 10.1.0.0/24\npool = 10.3.0.250-10.3.1.4\n"
                          "pool_dns = 10.2.0.53,10.2.0.54\n"),
                     0);
    assert_true(cf.has_pool);
    assert_int_equal(cf.pool.count, 11);
    assert_int_equal(cf.pool.start.addr[3], 250);
    assert_int_equal(cf.pool.dns_count, 2);
    assert_int_equal(load("local_subnet = 10.1.0.0/24\npool = 10.3.0.9\n"), 0);
    assert_int_equal(cf.pool.count, 1);
    assert_error("local_subnet = 10.1.0.0/24\npool = 10.3.0.9-10.3.0.1\n", "pool: expected");
    assert_error("local_subnet = 10.1.0.0/24\npool = 10.3.0.9-fd00::1\n", "pool: expected");
    assert_error("local_subnet = 10.1.0.0/24\npool = 10.0.0.1-10.3.0.1\n", "pool: expected");
}

/* The file holds the PSK. */
static void test_a_file_others_can_read_is_reported(void **state)
{
    (void)state;
    assert_int_equal(load_mode("local_subnet = 10.1.0.0/24\n", 0644), 0);
    assert_non_null(strstr(cf.warning, "group or others"));
    assert_non_null(strstr(cf.warning, "chmod 600"));
    assert_int_equal(load_mode("local_subnet = 10.1.0.0/24\n", 0640), 0);
    assert_non_null(strstr(cf.warning, "(mode 0640)"));
    assert_int_equal(load_mode("local_subnet = 10.1.0.0/24\n", 0600), 0);
    assert_string_equal(cf.warning, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_good_file_loads),
        cmocka_unit_test(test_proposals_are_parsed),
        cmocka_unit_test(test_retransmission_keys),
        cmocka_unit_test(test_signature_and_contact_keys),
        cmocka_unit_test(test_a_key_given_twice),
        cmocka_unit_test(test_refused_algorithms_are_named_with_the_reason),
        cmocka_unit_test(test_subnets_are_networks),
        cmocka_unit_test(test_offload_switch),
#if TIP_IKE_TS_MORE_MAX == 3
        cmocka_unit_test(test_child_pairs),
#endif
        cmocka_unit_test(test_route_src_inside_local_subnet),
        cmocka_unit_test(test_virtual_addresses),
        cmocka_unit_test(test_mobike_key),
        cmocka_unit_test(test_a_file_others_can_read_is_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
