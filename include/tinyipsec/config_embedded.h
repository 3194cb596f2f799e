/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * The embedded default: a configuration for a microcontroller with one
 * IKEv2 peer, built with
 *
 *     -DTIP_USER_CONFIG_FILE='"tinyipsec/config_embedded.h"'
 *
 * or included at the top of your own user configuration file (then \#undef
 * and define again what you change). One connection, two IKE SAs (the
 * current one and its rekey), four CHILD SA pairs (eight SAs), eight
 * policies, a replay window of 128, IPv4 only, AES-GCM with HMAC-SHA-256
 * for the IKE PRF, no setkey parser, four IKE message buffers of 1280
 * bytes, IKE fragmentation with 576-byte datagram buffers, peer nonces up
 * to 64 bytes. `make size` measures tinyipsec in this configuration and
 * docs/footprint.md records the figures.
 */
#ifndef TINYIPSEC_CONFIG_EMBEDDED_H
#define TINYIPSEC_CONFIG_EMBEDDED_H

/** @cond CONFIG_VALUES (every option is documented in config.h) */

#define TIP_MAX_SA 8
#define TIP_MAX_POLICIES 8
#define TIP_SPI_HASH_SIZE 8
#define TIP_REPLAY_WINDOW 128
/* AES-GCM state per SA (and per IKE SA direction): Mbed TLS 3.6 needs 401..416
 * bytes on a 32-bit target (the backend refuses to compile if it does not fit).
 * The PSA backend keeps only key ids there (its default fits). */
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ <= 4 && \
    (!defined(TIP_CONF_CRYPTO_PSA) || !TIP_CONF_CRYPTO_PSA)
#define TIP_CRYPTO_SA_STORAGE 432
#endif

#define TIP_CONF_IPV6 0
#define TIP_CONF_AES_CBC 0
#define TIP_CONF_CHACHAPOLY 0
#define TIP_CONF_ENCR_NULL 0
#define TIP_CONF_HMAC_SHA384 0
#define TIP_CONF_HMAC_SHA512 0
#define TIP_CONF_SETKEY 0

#define TIP_MAX_IKE_CONN 1
#define TIP_MAX_IKE_SA 2
#define TIP_IKE_MAX_PROPOSALS 2
/* Two CHILD SAs per IKE SA: the one from IKE_AUTH and one more. */
#define TIP_IKE_CHILD_MAX 2
/* Peers send 32-byte nonces (64 at most with a SHA-512 PRF); RFC 7296 allows 256. */
#define TIP_IKE_PEER_NONCE_MAX 64
/* One handshake holds 3 message buffers (4 while a fragmented IKE_AUTH is
 * reassembled), an established IKE SA 1 or 2. */
#define TIP_IKE_MSG_POOL 4
/* IKE fragmentation (RFC 7383) keeps the datagram buffers at the IPv4
 * budget of RFC 7383 2.5.1 (576-byte IP datagrams: 548 bytes of IKE)
 * while whole messages (the pool) stay at 1280 bytes; a peer must then
 * fragment what it sends to at most 576 bytes (strongSwan:
 * charon.fragment_size = 576). Fragments of one message: at most 8. */
#define TIP_CONF_IKE_FRAG 1
#define TIP_IKE_DGRAM_MAX 576
#define TIP_IKE_FRAG_MAX 8
/* Virtual addresses (configuration payload) cost about 1.4 KB of flash for
 * an initiator: a device that asks its gateway for an inner address sets
 * TIP_CONF_IKE_CP 1 in its own configuration (docs/footprint.md). */
#define TIP_CONF_IKE_CP 0
/* MOBIKE (address changes without a new IKE SA) stays on: a device that
 * changes networks is what it is for. */
#define TIP_CONF_IKE_MOBIKE 1
/* Certificates cost flash (Mbed TLS X.509 and PK) and heap while IKE_AUTH is
 * checked: a device that needs them switches them on (-DTIP_CONF_IKE_CERT=1;
 * docs/footprint.md), and raises TIP_IKE_MSG_MAX to 3072 for RSA-3072
 * chains of two (1280 holds an ECDSA P-256 chain of two). */
#ifndef TIP_CONF_IKE_CERT
#define TIP_CONF_IKE_CERT 0
#endif

/** @endcond */

#endif /* TINYIPSEC_CONFIG_EMBEDDED_H */
