/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The port: the only door between the sans-I/O core and the outside world.
 * The application fills in a tip_port_t (or takes one from port/posix,
 * port/lwip or the test port) and hands it to tip_ctx_init(). The core calls
 * these functions from inside tip_output(), tip_input_*() and tip_poll(),
 * never from anywhere else, and never expects them to block for long.
 */
#ifndef TINYIPSEC_PORT_H
#define TINYIPSEC_PORT_H

#include "tinyipsec/types.h"

/** Log levels passed to tip_port_t.log. */
typedef enum {
    TIP_LOG_ERROR = 0,
    TIP_LOG_WARN = 1,
    TIP_LOG_INFO = 2,
    TIP_LOG_DEBUG = 3
} tip_log_level_t;

/** Functions a port provides. Every function receives the port's arg. */
typedef struct {
    /**
     * Send a UDP datagram (IKE, ESP-in-UDP, NAT keepalive) from local port
     * @p sport to @p dst : @p dport. @p src is the local address the SA uses
     * (the port may ignore it when it has a single address). The data is
     * only valid during the call. Returns 0 or a negative tip_err_t.
     */
    int (*send_udp)(void *arg, const tip_addr_t *src, uint16_t sport,
                    const tip_addr_t *dst, uint16_t dport,
                    const uint8_t *data, size_t len);
    /**
     * Send a complete IP packet (IPv4 or IPv6 header included) that carries
     * ESP as protocol 50 (a raw socket on Linux). Returns 0 or a negative
     * tip_err_t. May be NULL when every SA uses UDP encapsulation.
     */
    int (*send_ip)(void *arg, const uint8_t *pkt, size_t len);
    /** Monotonic milliseconds (never goes backwards). */
    uint64_t (*now_ms)(void *arg);
    /** Fill @p out with @p len cryptographically strong random bytes. 0 or negative. */
    int (*random)(void *arg, uint8_t *out, size_t len);
    /** Optional log hook; NULL discards log lines. @p msg is NUL-terminated. */
    void (*log)(void *arg, int level, const char *msg);
    /** Opaque pointer handed back to every function above. */
    void *arg;
} tip_port_t;

#endif /* TINYIPSEC_PORT_H */
