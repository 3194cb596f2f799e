/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * tinyipsec: an embeddable IPsec library (ESP, SPD, SAD, NAT-T).
 * This is the umbrella header; it includes the whole public API.
 *
 * Threading: a context is not locked. Call every function of one context
 * from one thread (or task) at a time. Two contexts are independent.
 */
#ifndef TINYIPSEC_H
#define TINYIPSEC_H

#include "tinyipsec/config.h"
#include "tinyipsec/config_fingerprint.h"
#include "tinyipsec/ctx.h"
#include "tinyipsec/error.h"
#include "tinyipsec/ike.h"
#include "tinyipsec/port.h"
#include "tinyipsec/sad.h"
#include "tinyipsec/setkey.h"
#include "tinyipsec/spd.h"
#include "tinyipsec/types.h"

#define TIP_VERSION_MAJOR 0        /**< the library's major version */
#define TIP_VERSION_MINOR 1        /**< its minor version */
#define TIP_VERSION_PATCH 0        /**< its patch level */
#define TIP_VERSION_STRING "0.1.0" /**< the three as text */

/** The standard port of IKE (RFC 7296 2). */
#define TIP_PORT_IKE 500
/** The standard port of NAT traversal: IKE after the float, ESP-in-UDP (RFC 3948 2). */
#define TIP_PORT_NATT 4500

/**
 * Bytes of headroom tip_output() / tip_esp_encap() may need in front of the
 * packet: outer IPv6 header + UDP + ESP header + IV (with margin).
 */
#define TIP_ESP_HEADROOM 80
/** Bytes of tailroom they may need: padding + trailer + ICV. */
#define TIP_ESP_TAILROOM 64

/**
 * Initialise @p ctx (any memory; it is cleared) with a copy of @p port.
 * port->now_ms and port->random are required, one of send_udp/send_ip too.
 *
 * A macro, so that the library also receives the caller's view of the
 * configuration: sizeof(tip_ctx_t) and TIP_CONFIG_FINGERPRINT as the
 * application was compiled. Returns 0, TIP_ERR_ARG, or TIP_ERR_CONFIG when
 * the library was built with a different configuration (another
 * TIP_USER_CONFIG_FILE or -D option): then nothing is written to @p ctx and
 * the reason goes to port->log. Build both with the same configuration.
 * On TIP_ERR_ARG the context is left as it was too. A context that was
 * never initialised (a zeroed static one) calls no port function: IKE on
 * it fails with TIP_ERR_CRYPTO (no random source) and nothing is sent.
 */
#define tip_ctx_init(ctx, port)                                                \
    tip_ctx_init_checked((ctx), (port), sizeof(tip_ctx_t), TIP_CONFIG_FINGERPRINT)

/**
 * What tip_ctx_init() calls; use the macro.
 * @param ctx the context to initialise
 * @param port the port, copied into the context
 * @param ctx_size sizeof(tip_ctx_t) as the caller was compiled
 * @param config_fingerprint TIP_CONFIG_FINGERPRINT as the caller was compiled
 * @return 0, TIP_ERR_ARG, or TIP_ERR_CONFIG (@p ctx untouched)
 */
int tip_ctx_init_checked(tip_ctx_t *ctx, const tip_port_t *port, size_t ctx_size,
                         uint32_t config_fingerprint);

/**
 * The configuration fingerprint the library was built with (compare with
 * TIP_CONFIG_FINGERPRINT in the application when tip_ctx_init() returns
 * TIP_ERR_CONFIG).
 * @return the library's TIP_CONFIG_FINGERPRINT
 */
uint32_t tip_config_fingerprint(void);

/**
 * Remove every SA (keys zeroized), policy and IKE state. The context may
 * be initialised again afterwards.
 * @param ctx the context
 * @return 0; TIP_ERR_ARG for NULL; TIP_ERR_BUSY from inside an event
 *         callback (nothing is removed: the call that raised the event is
 *         still using the context)
 */
int tip_ctx_deinit(tip_ctx_t *ctx);

/**
 * Install the event callback; what it may do is its contract, see
 * tip_event_cb_t. Allowed inside a callback too (later events go to the
 * new one).
 * @param ctx the context
 * @param cb the callback; NULL: no events
 * @param arg handed to every call of @p cb
 */
void tip_ctx_set_event_cb(tip_ctx_t *ctx, tip_event_cb_t cb, void *arg);

/**
 * Change the NAT-T keepalive interval (RFC 3948 4), TIP_NATT_KEEPALIVE_MS
 * by default.
 * @param ctx the context
 * @param interval_ms milliseconds of silence on a UDP-encapsulated SA
 *        before a keepalive; 0 disables keepalives
 */
void tip_ctx_set_natt_keepalive(tip_ctx_t *ctx, uint32_t interval_ms);

/**
 * A context-wide drop counter: drops that had no SA to be counted on (an
 * unknown SPI, a packet no policy covers); the others are in
 * tip_sad_stats().
 * @param ctx the context
 * @param reason the drop reason
 * @return the count; 0 for a value that is not a drop reason
 */
uint64_t tip_ctx_drops(const tip_ctx_t *ctx, tip_drop_t reason);

/** Result of tip_output() that is not an error. */
#define TIP_SENT 0   /**< protected and handed to the port */
#define TIP_BYPASS 1 /**< a BYPASS policy matched: send the packet in clear yourself */

/**
 * Process an outbound IP packet: SPD lookup, then BYPASS (returns
 * TIP_BYPASS, the buffer untouched: the caller sends it in clear),
 * DISCARD (TIP_ERR_DISCARD, counted) or PROTECT (ESP, then sent through the
 * port; returns TIP_SENT). A packet that matches no policy is discarded
 * (TIP_ERR_POLICY). A PROTECT policy without an SA raises TIP_EV_ACQUIRE
 * and returns TIP_ERR_NO_SA. The buffer needs TIP_ESP_HEADROOM and
 * TIP_ESP_TAILROOM; it stays the caller's and is modified on TIP_SENT.
 * Events (ACQUIRE, the SA's lifetime and sequence events) are raised
 * after the packet was sent.
 * @param ctx the context
 * @param buf the IP packet (IPv4 or IPv6 header first) with room around it
 * @return TIP_SENT, TIP_BYPASS, or a drop: TIP_ERR_POLICY, TIP_ERR_DISCARD,
 *         TIP_ERR_NO_SA, TIP_ERR_MALFORMED, TIP_ERR_BUF_SPACE,
 *         TIP_ERR_LIFETIME, TIP_ERR_SEQ_EXHAUSTED, TIP_ERR_SEQ_STORE,
 *         TIP_ERR_CRYPTO, TIP_ERR_PORT (the port's send failed); TIP_ERR_ARG
 */
int tip_output(tip_ctx_t *ctx, tip_buf_t *buf);

/**
 * tip_output() for @p n packets, in order, with the same results and
 * events: packets of one flow (addresses, protocol, ports) that follow
 * each other, as the segments of a split TCP or UDP super-packet do,
 * share one SPD lookup and one SA lookup. Each packet's events are raised
 * after it was sent, as tip_output() does; the next packet then looks the
 * SPD and the SA up again, so a change that an event callback makes
 * applies from the next packet on. Changes made between two batches
 * always apply.
 * @param ctx the context
 * @param bufs the packets, each as for tip_output()
 * @param n how many
 * @param results tip_output()'s result for each packet (TIP_ERR_ARG for a
 *        buffer that does not describe a packet)
 * @return the number of packets sent (TIP_SENT); TIP_ERR_ARG (NULL
 *         context, or NULL arrays with @p n > 0)
 */
int tip_output_batch(tip_ctx_t *ctx, tip_buf_t *bufs, unsigned n, int *results);

/**
 * ESP-encapsulate the IP packet in @p buf with outbound SA @p sa, in place.
 * On success the buffer holds the outer packet: outer IP header, then UDP
 * (if the SA uses NAT-T), then ESP. Nothing is sent. In transport mode the
 * packet's own header is kept and its protocol becomes ESP. The SA's
 * events are raised last, as in tip_output().
 * @param ctx the context
 * @param sa an outbound SA
 * @param buf the IP packet, with TIP_ESP_HEADROOM and TIP_ESP_TAILROOM
 * @return 0; TIP_ERR_ARG (not an outbound SA), TIP_ERR_NOT_FOUND /
 *         TIP_ERR_STALE (bad handle), TIP_ERR_MALFORMED, TIP_ERR_POLICY
 *         (transport mode, packet of the other family), TIP_ERR_BUF_SPACE,
 *         TIP_ERR_LIFETIME, TIP_ERR_SEQ_EXHAUSTED, TIP_ERR_SEQ_STORE,
 *         TIP_ERR_CRYPTO
 */
int tip_esp_encap(tip_ctx_t *ctx, tip_handle_t sa, tip_buf_t *buf);

/** Kinds of input that are not errors (tip_input_udp(), tip_input_ip()). */
typedef enum {
    TIP_RX_DATA = 0,      /**< buf now holds the decrypted inner IP packet */
    TIP_RX_CONSUMED = 1,  /**< handled (NAT keepalive): nothing to deliver */
    TIP_RX_IKE = 2,       /**< an IKE message: buf points at the IKE header */
    TIP_RX_BYPASS = 3     /**< cleartext packet allowed by a BYPASS policy */
} tip_rx_t;

/**
 * Process a received IP packet (IPv4 or IPv6 header first). ESP (protocol
 * 50) is decapsulated in place: on TIP_RX_DATA the buffer holds the inner
 * packet, which has passed the inbound policy check. Any other packet is
 * checked against the inbound SPD: BYPASS gives TIP_RX_BYPASS (deliver it),
 * PROTECT or DISCARD give TIP_ERR_POLICY / TIP_ERR_DISCARD (drop it).
 * Errors leave every SA unchanged except for its drop counter. Lifetime
 * events are raised last.
 * @param ctx the context
 * @param buf the packet as received (with headroom for transport mode)
 * @return TIP_RX_DATA, TIP_RX_BYPASS, or a drop: TIP_ERR_NO_SA,
 *         TIP_ERR_REPLAY, TIP_ERR_AUTH, TIP_ERR_PADDING, TIP_ERR_POLICY,
 *         TIP_ERR_DISCARD, TIP_ERR_MALFORMED, TIP_ERR_DUMMY,
 *         TIP_ERR_LIFETIME, TIP_ERR_SEQ_STORE, TIP_ERR_BUF_SPACE;
 *         TIP_ERR_ARG
 */
int tip_input_ip(tip_ctx_t *ctx, tip_buf_t *buf);

/**
 * Process a UDP datagram received on the NAT-T port (RFC 3948 2.2): a
 * single 0xFF byte is a keepalive (TIP_RX_CONSUMED); a non-ESP marker (four
 * zero bytes) means IKE (TIP_RX_IKE, marker stripped: pass it on to
 * tip_ike_input()); anything else is ESP-in-UDP, decapsulated in place
 * (TIP_RX_DATA, inner packet in buf).
 * @param ctx the context
 * @param src the sender's address
 * @param sport the sender's port
 * @param dst our address it was sent to
 * @param dport our port it arrived on
 * @param buf the UDP payload (with headroom for transport mode)
 * @return TIP_RX_DATA, TIP_RX_CONSUMED, TIP_RX_IKE, or a drop as for
 *         tip_input_ip(); TIP_ERR_UNSUPPORTED for ESP in a build without
 *         NAT-T; TIP_ERR_ARG
 */
int tip_input_udp(tip_ctx_t *ctx, const tip_addr_t *src, uint16_t sport,
                  const tip_addr_t *dst, uint16_t dport, tip_buf_t *buf);

/** tip_poll(): nothing is scheduled; sleep until input arrives. */
#define TIP_POLL_NONE UINT32_MAX

/**
 * Run what is due: seconds-based SA lifetimes, NAT-T keepalives and, with
 * IKE, retransmissions, rekeys, liveness checks and expiries. Returns the
 * time until the next deadline, exactly, so that a device can sleep until
 * then:
 *  - milliseconds to the next deadline; 0 means call again now;
 *  - TIP_POLL_NONE when nothing is scheduled (sleep until input arrives);
 *  - a deadline further away than TIP_POLL_NONE - 1 ms (about 49.7 days)
 *    reports TIP_POLL_NONE - 1.
 * Call it when that time has passed, and again after feeding input or
 * calling the API, which may schedule new work (a packet that starts a
 * negotiation, an SA with a lifetime): its result is only valid until
 * then. Every other call reads the port's clock itself, so input that
 * arrives during a long sleep is processed at the right time.
 *
 * From inside an event callback it is refused: it runs nothing and returns
 * 0 (the call that raised the event is still running; poll after it).
 * @param ctx the context
 * @param now_ms the port's monotonic time (time never goes backwards: an
 *        earlier value than one seen before counts as that one)
 * @return milliseconds to the next deadline, or TIP_POLL_NONE
 */
uint32_t tip_poll(tip_ctx_t *ctx, uint64_t now_ms);

/**
 * Parse a textual IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1") address.
 * @param out receives the address
 * @param text NUL-terminated text
 * @return 0 or TIP_ERR_ARG
 */
int tip_addr_parse(tip_addr_t *out, const char *text);

/**
 * Format an address: dotted quad, or RFC 5952 text for IPv6; "any" for an
 * unset family.
 * @param a the address
 * @param out receives the text (46 bytes hold any IPv6 address)
 * @param out_len bytes at @p out; when too small, @p out becomes "" (never
 *        a cut-off address)
 * @return @p out
 */
char *tip_addr_format(const tip_addr_t *a, char *out, size_t out_len);

#endif /* TINYIPSEC_H */
