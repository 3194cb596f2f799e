/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * The port: the only door between the sans-I/O core and the outside world.
 * The application fills in a tip_port_t (or takes one from port/posix,
 * port/lwip or the test port) and hands it to tip_ctx_init(). The core calls
 * these functions from inside tip_output(), tip_input_*(), tip_poll(),
 * tip_ctx_init() and tip_sad_add() (seq_load), never from anywhere else, and
 * never expects them to block for long (seq_store excepted: it waits until
 * its write is durable, once per TIP_SEQ_PERSIST_STEP packets).
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

/**
 * Which SA a sequence-number mark belongs to (tip_port_t.seq_load and
 * seq_store): its direction, SPI and outer addresses, as given to
 * tip_sad_add(). The same four values after a restart name the same
 * record. A port may store them as they are or derive a file name from
 * them (port/posix uses all four).
 */
typedef struct {
    uint8_t dir;    /**< tip_dir_t: TIP_DIR_IN or TIP_DIR_OUT */
    uint32_t spi;   /**< SPI in host order */
    tip_addr_t src; /**< outer source (the peer for inbound SAs) */
    tip_addr_t dst; /**< outer destination (us for inbound SAs) */
} tip_sa_id_t;

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
    /**
     * Sequence-number store, for manually keyed SAs (keys that are, or may
     * be, installed again after a restart; see tip_sa_params_t.fresh_keys).
     * Both or neither. Without them tip_sad_add() refuses such SAs
     * (TIP_ERR_NO_SEQ_STORE), except an inbound one with no_replay.
     *
     * seq_load: read the mark last stored for @p sa into @p mark. Returns
     * 0, TIP_ERR_NOT_FOUND when nothing was ever stored for it (a new SA),
     * or another negative tip_err_t when the store cannot be read (the SA
     * is then refused). Called from tip_sad_add().
     *
     * seq_store: record @p mark for @p sa, replacing the old one. Return 0
     * only once the value is durable: it must survive a crash or power
     * loss right after the call (write, flush, sync; an atomic replace, so
     * that a torn write never leaves a lower or unreadable value). Called
     * from tip_output() / tip_input_*() about once every
     * TIP_SEQ_PERSIST_STEP packets sent (TIP_SEQ_PERSIST_STEP_IN received)
     * on the SA, before the packet that needs it; if it fails, that packet
     * is dropped (TIP_ERR_SEQ_STORE, drop reason TIP_DROP_SEQ_STORE).
     *
     * The marks must live as long as the keys do: erasing a mark while its
     * SA's keys may be installed again lets sequence numbers, and so
     * AES-GCM / ChaCha20-Poly1305 nonces and AES-CBC IVs, repeat. Erase a
     * record only when its keys are retired for good.
     */
    int (*seq_load)(void *arg, const tip_sa_id_t *sa, uint64_t *mark);
    /** See seq_load. */
    int (*seq_store)(void *arg, const tip_sa_id_t *sa, uint64_t mark);
    /**
     * Optional wall-clock time: seconds since 1970-01-01 00:00 UTC, or a
     * negative value while the device does not know it (no RTC, no NTP
     * answer yet). Used only to check the validity times of certificates
     * (TIP_CONF_IKE_CERT). NULL, or a negative answer: validity times are
     * not checked, and the library logs that once per context.
     */
    int64_t (*wall_time)(void *arg);
} tip_port_t;

#endif /* TINYIPSEC_PORT_H */
