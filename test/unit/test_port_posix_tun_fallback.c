/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_port_posix_tun_open_offload() on kernels that lack some of the TUN
 * offloads, simulated: the port's open() of /dev/net/tun and its ioctl()s
 * go through the wrappers below (linked with --wrap=open,--wrap=ioctl), so
 * the test needs neither root nor a TUN device. Each refusal must leave a
 * working device with exactly the features the kernel granted: no
 * virtio-net header (a plain device), the header without TSO, or TSO
 * without USO; a kernel that refuses even the plain device gets an error
 * and no leaked descriptor.
 */
#define _GNU_SOURCE /* struct ifreq */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"

#ifndef TUN_F_USO4 /* linux/if_tun.h of Linux 6.2 and later */
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* What the simulated kernel refuses. */
static int refuse_vnet;  /* TUNSETIFF with IFF_VNET_HDR */
static int refuse_plain; /* TUNSETIFF without it */
static int refuse_uso;   /* TUNSETOFFLOAD with TUN_F_USO4/6 */
static int refuse_tso;   /* TUNSETOFFLOAD with TUN_F_TSO4/6 */

/* What the port asked for. */
static int tun_fds[4];
static unsigned tun_opens, setiff_calls, offload_calls;
static unsigned long last_offload;
static short last_iff_flags;

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_open(const char *path, int flags, ...)
{
    va_list ap;
    int mode, fd;

    va_start(ap, flags);
    mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    if (strcmp(path, "/dev/net/tun") != 0)
        return __real_open(path, flags, mode);
    fd = __real_open("/dev/null", flags & ~O_NONBLOCK);
    if (fd >= 0 && tun_opens < 4)
        tun_fds[tun_opens] = fd;
    tun_opens++;
    return fd;
}

static int is_tun_fd(int fd)
{
    unsigned i;

    for (i = 0; i < tun_opens && i < 4; i++)
        if (tun_fds[i] == fd)
            return 1;
    return 0;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    void *arg;

    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!is_tun_fd(fd))
        return __real_ioctl(fd, req, arg);
    if (req == TUNSETIFF) {
        struct ifreq *ifr = arg;

        setiff_calls++;
        last_iff_flags = ifr->ifr_flags;
        if ((ifr->ifr_flags & IFF_VNET_HDR) ? refuse_vnet : refuse_plain) {
            errno = EINVAL;
            return -1;
        }
        memcpy(ifr->ifr_name, "tip0", 5); /* the kernel names "tip%d" */
        return 0;
    }
    if (req == TUNSETOFFLOAD) {
        unsigned long f = (unsigned long)(uintptr_t)arg;

        offload_calls++;
        last_offload = f;
        if ((refuse_uso && (f & (TUN_F_USO4 | TUN_F_USO6))) ||
            (refuse_tso && (f & (TUN_F_TSO4 | TUN_F_TSO6)))) {
            errno = EINVAL;
            return -1;
        }
        return 0;
    }
    errno = ENOTTY;
    return -1;
}

static int reset(void **state)
{
    (void)state;
    refuse_vnet = refuse_plain = refuse_uso = refuse_tso = 0;
    tun_opens = setiff_calls = offload_calls = 0;
    last_offload = 0;
    last_iff_flags = 0;
    return 0;
}

/* Open with offloads; return the features granted, the device closed again. */
static unsigned open_features(int expect_ok)
{
    char name[IFNAMSIZ];
    unsigned features = 0xFFu;
    int fd = -1;

    assert_int_equal(tip_port_posix_tun_open_offload("tip%d", &fd, name, sizeof(name), &features),
                     expect_ok ? TIP_OK : TIP_ERR_PORT);
    if (expect_ok) {
        assert_true(fd >= 0);
        assert_true(is_tun_fd(fd));
        assert_string_equal(name, "tip0"); /* the name the kernel gave */
        close(fd);
    } else {
        assert_int_equal(fd, -1);
    }
    return features;
}

static void test_everything_granted(void **state)
{
    (void)state;
    assert_int_equal(open_features(1),
                     TIP_PORT_POSIX_TUN_VNET | TIP_PORT_POSIX_TUN_TSO | TIP_PORT_POSIX_TUN_USO);
    assert_int_equal(setiff_calls, 1);
    assert_true((last_iff_flags & IFF_VNET_HDR) != 0);
    assert_int_equal(offload_calls, 1);
    assert_true((last_offload & TUN_F_USO4) != 0);
}

/* A kernel before 6.2 knows no USO: TCP super-packets only. */
static void test_without_uso(void **state)
{
    (void)state;
    refuse_uso = 1;
    assert_int_equal(open_features(1), TIP_PORT_POSIX_TUN_VNET | TIP_PORT_POSIX_TUN_TSO);
    assert_int_equal(offload_calls, 2);
    assert_int_equal(last_offload & (TUN_F_USO4 | TUN_F_USO6), 0);
    assert_true((last_offload & TUN_F_TSO4) != 0);
}

/* The header without any segmentation offload: packets of the MTU, each
 * behind a virtio-net header with no GSO type. */
static void test_without_tso(void **state)
{
    (void)state;
    refuse_uso = refuse_tso = 1;
    assert_int_equal(open_features(1), TIP_PORT_POSIX_TUN_VNET);
    assert_int_equal(offload_calls, 2);
}

/* No IFF_VNET_HDR: a plain device, opened a second time without it. */
static void test_without_vnet_header(void **state)
{
    (void)state;
    refuse_vnet = 1;
    assert_int_equal(open_features(1), 0);
    assert_int_equal(tun_opens, 2);
    assert_int_equal(setiff_calls, 2);
    assert_int_equal(last_iff_flags & IFF_VNET_HDR, 0);
    assert_int_equal(offload_calls, 0); /* no offloads on a plain device */
    assert_int_equal(fcntl(tun_fds[0], F_GETFD), -1); /* the refused one was closed */
}

/* No TUN at all: an error, both descriptors closed. */
static void test_no_tun(void **state)
{
    (void)state;
    refuse_vnet = refuse_plain = 1;
    assert_int_equal(open_features(0), 0);
    assert_int_equal(tun_opens, 2);
    assert_int_equal(fcntl(tun_fds[0], F_GETFD), -1);
    assert_int_equal(fcntl(tun_fds[1], F_GETFD), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_everything_granted, reset),
        cmocka_unit_test_setup(test_without_uso, reset),
        cmocka_unit_test_setup(test_without_tso, reset),
        cmocka_unit_test_setup(test_without_vnet_header, reset),
        cmocka_unit_test_setup(test_no_tun, reset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
