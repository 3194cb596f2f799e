/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A deterministic port for unit tests and simulations: a fake monotonic
 * clock that only moves when the test says so, a seeded pseudo-random
 * generator, send functions that record every packet in a ring so the
 * test can inspect it or feed it to another context, and an in-memory
 * sequence-number store (seq_load / seq_store) that outlives the context.
 *
 * NOT SECURE: the "random" bytes come from splitmix64 with a fixed seed so
 * that runs are reproducible. Never use this port outside tests.
 */
#ifndef TIP_TEST_PORT_H
#define TIP_TEST_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/port.h"
#include "tinyipsec/types.h"

/** Packets the ring keeps; older ones are overwritten. */
#define TIP_TEST_PORT_RING 64
/** Bytes stored per packet; longer packets are truncated (see orig_len). */
#define TIP_TEST_PORT_PKT_MAX 2048
/** Bytes kept of the last log line. */
#define TIP_TEST_PORT_LOG_MAX 256
/** Records the in-memory sequence-number store holds. */
#define TIP_TEST_PORT_SEQ_MAX 32

/** How a recorded packet was sent. */
typedef enum {
    TIP_TEST_SENT_UDP = 1, /**< through send_udp: data is the UDP payload */
    TIP_TEST_SENT_IP = 2   /**< through send_ip: data is a whole IP packet */
} tip_test_sent_kind_t;

/** One packet recorded by the test port. */
typedef struct {
    uint8_t kind;    /**< tip_test_sent_kind_t */
    tip_addr_t src;  /**< UDP: the src argument (may be TIP_AF_NONE) */
    tip_addr_t dst;  /**< UDP: the destination */
    uint16_t sport;  /**< UDP only */
    uint16_t dport;  /**< UDP only */
    uint64_t t_ms;   /**< fake clock when it was sent */
    uint32_t seqno;  /**< 0-based index among all packets recorded */
    size_t len;      /**< bytes stored in data */
    size_t orig_len; /**< bytes offered by the core (> len if truncated) */
    uint8_t data[TIP_TEST_PORT_PKT_MAX];
} tip_test_sent_t;

/** One record of the sequence-number store (seq_load / seq_store). */
typedef struct {
    uint8_t used;
    tip_sa_id_t id;
    uint64_t mark;
} tip_test_seq_rec_t;

/**
 * State of the test port. Caller-owned; about 130 KiB, so prefer static.
 *
 * The sequence-number store lives here, not in the context: a simulated
 * restart (tip_ctx_deinit() + tip_ctx_init() with the same port, the same
 * SAs installed again) finds the marks stored before it, as a device finds
 * them in flash. tip_test_port_init() erases them (a new device).
 */
typedef struct {
    uint64_t now_ms;                      /**< the fake clock */
    uint64_t rng;                         /**< splitmix64 state */
    uint32_t total;                       /**< packets recorded since init or clear */
    uint32_t n_udp;                       /**< successful send_udp calls */
    uint32_t n_ip;                        /**< successful send_ip calls */
    uint32_t n_failed;                    /**< sends that failed on purpose */
    uint32_t n_random;                    /**< random() calls */
    uint32_t n_log;                       /**< log lines received */
    uint32_t fail_sends;                  /**< the next this many sends fail */
    int fail_err;                         /**< ... with this error (default TIP_ERR_PORT) */
    int fail_random;                      /**< nonzero: random() fails with TIP_ERR_CRYPTO */
    int no_send_ip;                       /**< nonzero: tip_test_port_fill() leaves send_ip NULL */
    int last_log_level;                   /**< level of the last log line, -1 if none */
    int echo_log;                         /**< nonzero: also print log lines to stderr */
    int no_seq_store;                     /**< nonzero: fill() leaves seq_load/seq_store NULL */
    int fail_seq_load;                    /**< nonzero: seq_load fails with TIP_ERR_PORT */
    uint32_t fail_seq_store;              /**< the next this many seq_store calls fail */
    uint32_t n_seq_load;                  /**< seq_load calls */
    uint32_t n_seq_store;                 /**< successful seq_store calls */
    uint32_t seq_store_total;             /**< packets recorded (total) at the last store */
    tip_test_seq_rec_t seq[TIP_TEST_PORT_SEQ_MAX]; /**< the store */
    char last_log[TIP_TEST_PORT_LOG_MAX]; /**< the last log line */
    tip_test_sent_t ring[TIP_TEST_PORT_RING];
} tip_test_port_t;

/**
 * Initialise @p tp: clock at @p start_ms, generator seeded with @p seed,
 * ring empty, no failures armed.
 */
void tip_test_port_init(tip_test_port_t *tp, uint64_t seed, uint64_t start_ms);

/** Fill @p port with the test port's functions (arg = @p tp). */
void tip_test_port_fill(tip_test_port_t *tp, tip_port_t *port);

/** Move the fake clock forward by @p ms. */
void tip_test_port_advance(tip_test_port_t *tp, uint64_t ms);

/** Set the fake clock to @p now_ms (must not go backwards; asserted). */
void tip_test_port_set_time(tip_test_port_t *tp, uint64_t now_ms);

/** Forget every recorded packet (counters other than total are kept). */
void tip_test_port_clear(tip_test_port_t *tp);

/** Number of packets recorded since init or the last clear. */
uint32_t tip_test_port_count(const tip_test_port_t *tp);

/**
 * The @p i -th packet recorded since init or the last clear (0-based), or
 * NULL when it does not exist yet or has been overwritten by the ring.
 */
const tip_test_sent_t *tip_test_port_get(const tip_test_port_t *tp, uint32_t i);

/** The most recent packet, or NULL. */
const tip_test_sent_t *tip_test_port_last(const tip_test_port_t *tp);

/**
 * The IKE message in datagram @p s: past the non-ESP marker (RFC 3948 2.2)
 * of one sent on the NAT-T port, where an IKE SA goes after IKE_SA_INIT
 * with a NAT, when forced, or with MOBIKE (RFC 4555 3.3). @p len gets its
 * length.
 */
const uint8_t *tip_test_sent_ike(const tip_test_sent_t *s, size_t *len);

/**
 * Make the next @p n sends (UDP or IP) fail with @p err (0 means
 * TIP_ERR_PORT). Failed sends are counted in n_failed, not recorded.
 */
void tip_test_port_fail_next(tip_test_port_t *tp, uint32_t n, int err);

/**
 * Copy recorded packet @p s into @p mem (capacity @p cap) as a buffer with
 * @p headroom bytes in front, ready for tip_input_udp() / tip_input_ip().
 * Returns 0, TIP_ERR_BUF_SPACE, or TIP_ERR_ARG if the packet was truncated.
 */
int tip_test_port_to_buf(const tip_test_sent_t *s, tip_buf_t *buf, uint8_t *mem, size_t cap,
                         size_t headroom);

/**
 * The mark stored for the SA with direction @p dir and SPI @p spi (the
 * first such record). Returns 0 or TIP_ERR_NOT_FOUND.
 */
int tip_test_port_seq_mark(const tip_test_port_t *tp, tip_dir_t dir, uint32_t spi,
                           uint64_t *mark);

/** Next 64 pseudo-random bits of the port's generator (NOT secure). */
uint64_t tip_test_port_rand64(tip_test_port_t *tp);

#endif /* TIP_TEST_PORT_H */
