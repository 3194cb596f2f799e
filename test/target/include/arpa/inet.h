/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The part of <arpa/inet.h> the test support code uses, for the bare-metal
 * target (newlib has no sockets): inet_pton() for AF_INET and AF_INET6
 * (test/target/inet_pton.c, written apart from src/addr.c so the tests keep
 * an independent parser).
 */
#ifndef TIP_TARGET_ARPA_INET_H
#define TIP_TARGET_ARPA_INET_H

#define AF_INET 2
#define AF_INET6 10

int inet_pton(int af, const char *src, void *dst);

#endif
