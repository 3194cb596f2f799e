/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * tinyipsec compile-time configuration.
 *
 * Every limit and feature switch has a default here. To change one, write a
 * header of your own (say "tip_user_config.h") with the \#defines you want and
 * build with -DTIP_USER_CONFIG_FILE='"tip_user_config.h"', the way lwIP uses
 * lwipopts.h. The check section at the end rejects impossible combinations.
 * A new option is also added to TIP_CONFIG_LIST (config_fingerprint.h), so
 * that tip_ctx_init() notices when library and application disagree on it.
 */
#ifndef TINYIPSEC_CONFIG_H
#define TINYIPSEC_CONFIG_H

#ifdef TIP_USER_CONFIG_FILE
#include TIP_USER_CONFIG_FILE
#endif

/* ---- pool sizes ------------------------------------------------------- */

/** Number of SAs (each direction of a tunnel is one SA). */
#ifndef TIP_MAX_SA
#define TIP_MAX_SA 16
#endif

/** Number of SPD entries (policies), both directions together. */
#ifndef TIP_MAX_POLICIES
#define TIP_MAX_POLICIES 16
#endif

/** Buckets of the inbound SPI hash index; a power of two >= TIP_MAX_SA is best. */
#ifndef TIP_SPI_HASH_SIZE
#define TIP_SPI_HASH_SIZE 32
#endif

/**
 * Anti-replay window in packets (RFC 4303 3.4.3). A multiple of 32, 32..4096.
 * Default 128. The per-SA state costs (window/32 + 1) * 4 bytes.
 */
#ifndef TIP_REPLAY_WINDOW
#define TIP_REPLAY_WINDOW 128
#endif

/* ---- crypto backend ---------------------------------------------------- */

/**
 * The crypto backend: 0 = the classic Mbed TLS backend (src/crypto_mbedtls.c
 * and crypto_mbedtls_ike.c: Mbed TLS 2.28 or 3.6, contexts and key schedules
 * in the SA), 1 = the PSA Crypto backend (src/crypto_psa.c and
 * crypto_psa_ike.c: Mbed TLS 3.6 or 4.x, keys in PSA key slots, the SA holds
 * only their ids). Mbed TLS 4 has only PSA. The CMake build sets it from
 * TIP_CRYPTO_BACKEND (psa by default when it finds Mbed TLS 4).
 */
#ifndef TIP_CONF_CRYPTO_PSA
#define TIP_CONF_CRYPTO_PSA 0
#endif

/**
 * Bytes reserved in each SA for the crypto backend's per-SA state. The
 * classic backend keeps its cipher contexts and key schedules there (512).
 * The PSA backend keeps two key ids and the salt (16 bytes), plus, when
 * AES-CBC is built, one psa_cipher_operation_t (112..120 bytes on x86-64 with
 * Mbed TLS 3.6 / 4.0): 160 by default, 16 when the user configuration
 * switches TIP_CONF_AES_CBC off. Each backend checks at compile time that its
 * state fits.
 */
#ifndef TIP_CRYPTO_SA_STORAGE
#if TIP_CONF_CRYPTO_PSA && defined(TIP_CONF_AES_CBC) && !TIP_CONF_AES_CBC
#define TIP_CRYPTO_SA_STORAGE 16
#elif TIP_CONF_CRYPTO_PSA
#define TIP_CRYPTO_SA_STORAGE 160
#else
#define TIP_CRYPTO_SA_STORAGE 512
#endif
#endif

/**
 * Bytes reserved in each IKE SA for one in-flight key exchange (the private
 * value and the group's Mbed TLS context between sending KE and computing
 * the shared secret; the bignum limbs themselves live on the Mbed TLS heap).
 * Measured need: 336 (2.28) / 400 (3.6 with Everest) / 272 (3.6 without)
 * bytes on x86-64; 184 (2.28) / 212 (3.6 with Everest) / 152 (3.6,
 * scripts/cm4 config) on Cortex-M4. The default leaves about 20-50 % margin;
 * crypto_mbedtls_ike.c refuses to compile if the state does not fit. The
 * PSA backend keeps the private key in a PSA key slot: 64 bytes are plenty.
 */
#ifndef TIP_CRYPTO_DH_STORAGE
#if TIP_CONF_CRYPTO_PSA
#define TIP_CRYPTO_DH_STORAGE 64 /* PSA: a key id and the group */
#elif defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ <= 4
#define TIP_CRYPTO_DH_STORAGE 256
#else
#define TIP_CRYPTO_DH_STORAGE 512
#endif
#endif

/* ---- behaviour -------------------------------------------------------- */

/** Interval between NAT-T keepalives (RFC 3948 4), milliseconds. */
#ifndef TIP_NATT_KEEPALIVE_MS
#define TIP_NATT_KEEPALIVE_MS 20000u
#endif

/**
 * How many sequence numbers before the end of the space an outbound SA
 * raises TIP_EV_SA_REKEY_NEEDED (it keeps sending until the last number).
 */
#ifndef TIP_SEQ_SOFT_MARGIN
#define TIP_SEQ_SOFT_MARGIN 0x1000000u
#endif

/**
 * Manually keyed SAs (see tip_port_t.seq_store): an outbound SA records a
 * mark this many sequence numbers ahead before it uses a number past the
 * last mark. One durable write per this many packets; after a restart the
 * SA skips up to this many numbers (harmless: 2^32 / 2^16 restarts).
 */
#ifndef TIP_SEQ_PERSIST_STEP
#define TIP_SEQ_PERSIST_STEP 65536u
#endif

/**
 * The same for an inbound SA's replay window: one write per this many
 * packets accepted. After a restart of the receiver alone, up to this many
 * of the sender's next packets are refused (they lie below the restored
 * mark). Smaller loses less after a restart, larger writes less often.
 */
#ifndef TIP_SEQ_PERSIST_STEP_IN
#define TIP_SEQ_PERSIST_STEP_IN 4096u
#endif

/** Hop limit / TTL of the outer header built in tunnel mode. */
#ifndef TIP_OUTER_TTL
#define TIP_OUTER_TTL 64
#endif

/* ---- hooks ------------------------------------------------------------ */

/**
 * Threading check, like lwIP's LWIP_ASSERT_CORE_LOCKED(). A context is not
 * locked: the application calls every function of one context from one
 * thread (or task) at a time, or holds its own lock around each call.
 * Every public function that takes a context calls this first, with that
 * context (a const struct tip_ctx *; NULL when the caller passed NULL), so
 * a debug build can assert the rule, e.g.
 *
 *     #define TIP_ASSERT_CORE_LOCKED(ctx) my_assert(my_owner_is_me(ctx))
 *
 * Calls made from inside an event callback are on the same thread and run
 * it too. Only the library's definition matters (it is not part of
 * TIP_CONFIG_FINGERPRINT); the default checks nothing.
 */
#ifndef TIP_ASSERT_CORE_LOCKED
#define TIP_ASSERT_CORE_LOCKED(ctx) ((void)0)
#endif

/* ---- features --------------------------------------------------------- */

/** IPv6 support (inner and outer). */
#ifndef TIP_CONF_IPV6
#define TIP_CONF_IPV6 1
#endif

/** AES-GCM with a 16-byte ICV (RFC 4106). */
#ifndef TIP_CONF_AES_GCM
#define TIP_CONF_AES_GCM 1
#endif

/** AES-CBC (RFC 3602), always with an HMAC. */
#ifndef TIP_CONF_AES_CBC
#define TIP_CONF_AES_CBC 1
#endif

/** ChaCha20-Poly1305 (RFC 7634). */
#ifndef TIP_CONF_CHACHAPOLY
#define TIP_CONF_CHACHAPOLY 1
#endif

/** ENCR_NULL with an HMAC (RFC 4303 allows it; for debugging only). */
#ifndef TIP_CONF_ENCR_NULL
#define TIP_CONF_ENCR_NULL 1
#endif

/** HMAC-SHA2-256-128 (RFC 4868), for ESP and IKE. */
#ifndef TIP_CONF_HMAC_SHA256
#define TIP_CONF_HMAC_SHA256 1
#endif
/**
 * HMAC-SHA2-384-192 (RFC 4868) for ESP and IKE, and PRF_HMAC_SHA2_384 for
 * IKE. Off (with TIP_CONF_HMAC_SHA512 off too), each IKE SA keeps 32-byte
 * PRF keys instead of 64.
 */
#ifndef TIP_CONF_HMAC_SHA384
#define TIP_CONF_HMAC_SHA384 1
#endif
/** HMAC-SHA2-512-256 (RFC 4868) for ESP and IKE, and PRF_HMAC_SHA2_512 for IKE. */
#ifndef TIP_CONF_HMAC_SHA512
#define TIP_CONF_HMAC_SHA512 1
#endif

/** NAT traversal: UDP encapsulation of ESP (RFC 3948). */
#ifndef TIP_CONF_NATT
#define TIP_CONF_NATT 1
#endif

/**
 * Manual keying from setkey-style text (src/conf/setkey.c). On by default
 * for hosted builds, off for firmware (no hosted C library).
 */
#ifndef TIP_CONF_SETKEY
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__ && !defined(__arm__)
#define TIP_CONF_SETKEY 1
#else
#define TIP_CONF_SETKEY 0
#endif
#endif

/** Keep human-readable strings for errors and drop reasons. */
#ifndef TIP_CONF_STRINGS
#define TIP_CONF_STRINGS 1
#endif

/* ---- IKEv2 ------------------------------------------------------------ */

/** IKEv2 key management (src/ike/). Off: a static-key ESP library. */
#ifndef TIP_CONF_IKEV2
#define TIP_CONF_IKEV2 1
#endif

/**
 * IKEv2 initiator role: we start IKE SAs (IKE_SA_INIT and IKE_AUTH
 * requests, tip_ike_initiate(), acquires, restarts). Off: a responder-only
 * build; tip_ike_initiate() returns TIP_ERR_UNSUPPORTED. Either role can
 * still rekey, delete and check liveness of the IKE SAs it has.
 */
#ifndef TIP_CONF_IKE_INITIATOR
#define TIP_CONF_IKE_INITIATOR 1
#endif

/**
 * IKEv2 responder role: we answer IKE_SA_INIT and IKE_AUTH requests
 * (half-open IKE SAs, cookies, RFC 7296 2.6). Off: an initiator-only build
 * (the usual device); IKE_SA_INIT requests are dropped unanswered and the
 * cookie secrets and their code are left out.
 */
#ifndef TIP_CONF_IKE_RESPONDER
#define TIP_CONF_IKE_RESPONDER 1
#endif

/** Connections (configured peers). */
#ifndef TIP_MAX_IKE_CONN
#define TIP_MAX_IKE_CONN 4
#endif

/**
 * IKE SAs, half-open ones included. An IKE SA rekey needs a second slot for
 * a moment: one per connection plus TIP_IKE_REKEY_RESERVE lets every
 * connection be up and rekey.
 */
#ifndef TIP_MAX_IKE_SA
#define TIP_MAX_IKE_SA 4
#endif

/**
 * CHILD SAs per IKE SA (RFC 7296 1.3.1): the one IKE_AUTH makes and those
 * CREATE_CHILD_SA adds (a connection's further selector pairs, acquires,
 * the peer's requests). A peer's request beyond it is answered
 * NO_ADDITIONAL_SAS. A connection has at most this many selector pairs.
 * 1..16.
 */
#ifndef TIP_IKE_CHILD_MAX
#define TIP_IKE_CHILD_MAX 4
#endif
/** Entries of tip_ike_conn_t.ts_more: TIP_IKE_CHILD_MAX - 1, at least 1. */
#define TIP_IKE_TS_MORE_MAX (TIP_IKE_CHILD_MAX > 1 ? TIP_IKE_CHILD_MAX - 1 : 1)

/**
 * IKE fragmentation (RFC 7383): IKEV2_FRAGMENTATION_SUPPORTED is offered
 * in IKE_SA_INIT (a connection can turn it off), encrypted messages larger
 * than the connection's fragment size go out as Encrypted Fragment
 * payloads, and the peer's fragments are reassembled into a buffer of the
 * message pool (TIP_IKE_MSG_MAX). Off: the code is left out, a connection
 * that sets a fragment size is refused (TIP_ERR_UNSUPPORTED), and a
 * message is one datagram (at most TIP_IKE_MSG_MAX).
 */
#ifndef TIP_CONF_IKE_FRAG
#define TIP_CONF_IKE_FRAG 1
#endif

/**
 * Largest whole IKE message, in bytes: the size of each buffer of the
 * message pool (TIP_IKE_MSG_POOL). It bounds the messages we build and,
 * with TIP_CONF_IKE_FRAG, a peer's message reassembled from fragments
 * (e.g. 4096 for an IKE_AUTH carrying a certificate chain while
 * TIP_IKE_DGRAM_MAX stays small). Without fragmentation a message is one
 * datagram of up to this size. RFC 7296 2 asks every implementation to
 * take messages of 1280 bytes.
 */
#ifndef TIP_IKE_MSG_MAX
#define TIP_IKE_MSG_MAX 1280
#endif

/**
 * IKE datagram buffer size, in bytes of IKE message (without the IP and
 * UDP headers and the non-ESP marker): the receive buffer a datagram is
 * copied into (an SK payload is decrypted in place there) and, with
 * TIP_CONF_IKE_FRAG, the buffer each fragment we send is protected in
 * (fragments are at most this long). A peer's datagram that is larger, up
 * to TIP_IKE_MSG_MAX, is taken into a buffer of the message pool for the
 * call instead, so an unfragmented message of 1280 bytes is still received
 * (RFC 7296 2) when this is smaller; messages that are never fragmented
 * (IKE_SA_INIT) may be up to TIP_IKE_MSG_MAX. At most TIP_IKE_MSG_MAX; by
 * default 1280, or TIP_IKE_MSG_MAX when that is smaller.
 */
#ifndef TIP_IKE_DGRAM_MAX
#if TIP_IKE_MSG_MAX < 1280
#define TIP_IKE_DGRAM_MAX TIP_IKE_MSG_MAX
#else
#define TIP_IKE_DGRAM_MAX 1280
#endif
#endif

/**
 * Most fragments of one reassembled message (RFC 7383 2.6): a message in
 * more fragments is dropped. The context keeps 4 bytes per fragment (one
 * message is reassembled at a time).
 */
#ifndef TIP_IKE_FRAG_MAX
#define TIP_IKE_FRAG_MAX 16
#endif

/**
 * Message buffers of TIP_IKE_MSG_MAX (+ 4) bytes shared by all IKE SAs. An
 * IKE SA holds one for its request while it is outstanding, one for its
 * last response (re-sent for a retransmitted request, RFC 7296 2.1), and
 * the IKE_SA_INIT messages its AUTH payloads need until IKE_AUTH is done:
 * 2 during a handshake (3 for a moment while the initiator builds its
 * IKE_AUTH request, or on a responder that refused an IKE_AUTH request
 * with an unknown critical payload and waits for the next), 1 or 2
 * afterwards; one more while a peer's message is reassembled from
 * fragments or is larger than TIP_IKE_DGRAM_MAX (3 for a handshake whose
 * IKE_AUTH arrives so, 4 for an initiator whose IKE_SA_INIT response
 * does). When the pool is empty, a request we would
 * start is refused (TIP_ERR_FULL; a timer-driven one is retried later), and
 * a peer's request that needs a buffer is dropped unanswered, before it
 * changes anything, so its retransmission is processed once a buffer is
 * free. At least 3 (one handshake). 0 (the default): four per IKE SA,
 * which never runs out.
 */
#ifndef TIP_IKE_MSG_POOL
#define TIP_IKE_MSG_POOL 0
#endif

/** The message pool's size in buffers: TIP_IKE_MSG_POOL, or 4 per IKE SA when it is 0. */
#if TIP_IKE_MSG_POOL > 0
#define TIP_IKE_MSG_BUFS TIP_IKE_MSG_POOL
#else
#define TIP_IKE_MSG_BUFS (4 * TIP_MAX_IKE_SA)
#endif

/** Longest identity (IDi/IDr data) accepted. */
#ifndef TIP_IKE_ID_MAX
#define TIP_IKE_ID_MAX 64
#endif

/** Longest pre-shared key. */
#ifndef TIP_IKE_PSK_MAX
#define TIP_IKE_PSK_MAX 64
#endif

/**
 * Certificate authentication (RFC 7427 digital signatures, the classic RSA
 * and ECDSA methods of RFC 7296 / RFC 4754, CERT and CERTREQ payloads, peer
 * chains verified with Mbed TLS's X.509 against configured trust anchors).
 * Needs Mbed TLS built with X.509 and PK (libmbedx509); set it to 0 when
 * building against TF-PSA-Crypto alone, which has no X.509 headers. Off:
 * the code is left out and a connection asking for certificates is refused
 * (TIP_ERR_UNSUPPORTED).
 */
#ifndef TIP_CONF_IKE_CERT
#define TIP_CONF_IKE_CERT TIP_CONF_IKEV2
#endif

/** Certificates of our own chain sent in CERT payloads (end entity first). */
#ifndef TIP_IKE_CERT_CHAIN_MAX
#define TIP_IKE_CERT_CHAIN_MAX 3
#endif

/** Trust anchors (CA certificates) per connection. */
#ifndef TIP_IKE_CA_MAX
#define TIP_IKE_CA_MAX 3
#endif

/**
 * Largest signature made or checked, in bytes (512: RSA-4096). Sized on the
 * stack while IKE_AUTH is built or checked, never kept.
 */
#ifndef TIP_IKE_SIG_MAX
#define TIP_IKE_SIG_MAX 512
#endif

/** Proposals per connection (IKE and CHILD each). */
#ifndef TIP_IKE_MAX_PROPOSALS
#define TIP_IKE_MAX_PROPOSALS 4
#endif

/** Bytes of our nonces (RFC 7296 2.10: at least half the PRF key size, 16..256). */
#ifndef TIP_IKE_NONCE_LEN
#define TIP_IKE_NONCE_LEN 32
#endif

/**
 * Longest nonce accepted from a peer, in bytes: TIP_IKE_NONCE_LEN..256.
 * RFC 7296 2.10 allows up to 256; peers usually send 32 (or the PRF's key
 * size, at most 64). Each IKE SA keeps three nonces of this size; a peer's
 * message with a longer nonce is refused as malformed.
 */
#ifndef TIP_IKE_PEER_NONCE_MAX
#define TIP_IKE_PEER_NONCE_MAX 256
#endif

/**
 * Half-open IKE SAs (responder) made without a cookie: once this many
 * exist, IKE_SA_INIT needs a valid COOKIE (RFC 7296 2.6; a stateless one
 * is sent) to make another.
 */
#ifndef TIP_IKE_COOKIE_THRESHOLD
#define TIP_IKE_COOKIE_THRESHOLD 2
#endif

/** Half-open responder IKE SAs one source address may hold (more: its requests are dropped). */
#ifndef TIP_IKE_HALF_OPEN_PER_SRC
#define TIP_IKE_HALF_OPEN_PER_SRC 1
#endif

/** IKE SA slots half-open SAs leave free to rekey established IKE SAs (one per rekey). */
#ifndef TIP_IKE_REKEY_RESERVE
#define TIP_IKE_REKEY_RESERVE 1
#endif

/**
 * Virtual addresses through the configuration payload (RFC 7296 2.19,
 * 3.15): an initiator asks for an inner address and DNS servers
 * (tip_ike_conn_t.vip_request), a responder hands them out from address
 * pools (tip_ike_pool_add()). Off: the code is left out, a connection that
 * asks for it is refused with TIP_ERR_UNSUPPORTED, and a peer's CFG_REQUEST
 * is ignored (RFC 7296 3.15: no CP in the reply).
 */
#ifndef TIP_CONF_IKE_CP
#define TIP_CONF_IKE_CP 1
#endif

/**
 * MOBIKE (RFC 4555): both sides announce MOBIKE_SUPPORTED in IKE_AUTH; an
 * initiator whose address changes moves its IKE SA and CHILD SAs with
 * tip_ike_update_address(), a responder follows an authenticated
 * UPDATE_SA_ADDRESSES of a MOBIKE peer. Off: the code is left out, nothing
 * is announced and tip_ike_update_address() returns TIP_ERR_UNSUPPORTED.
 * The notify adds 8 bytes to IKE_AUTH: a certificate chain that only just
 * fits TIP_IKE_MSG_MAX may need a larger buffer or no_mobike.
 */
#ifndef TIP_CONF_IKE_MOBIKE
#define TIP_CONF_IKE_MOBIKE 1
#endif

/**
 * IKE SA rekeying (RFC 7296 1.3.2, 2.18): a new IKE SA made with
 * CREATE_CHILD_SA takes over the CHILD SAs, in both directions, and
 * crossing rekeys are settled by the nonces (2.8.2). Off: the code is left
 * out; at the IKE SA's rekey time (ike_rekey_s) a connection that can
 * initiate reauthenticates instead (2.8.3): it deletes the IKE SA and its
 * CHILD SAs, telling the peer, and sets up a new IKE SA from scratch
 * (IKE_SA_INIT, IKE_AUTH), which leaves a gap in the traffic of a round
 * trip or two and raises IKE_DOWN / CHILD_DOWN (TIP_ERR_LIFETIME) and
 * IKE_UP / CHILD_UP again. A peer's request to rekey the IKE SA is refused
 * with NO_PROPOSAL_CHOSEN (1.3: the IKE SA stays until it is
 * reauthenticated or its lifetime ends); tip_ike_rekey_ike() returns
 * TIP_ERR_UNSUPPORTED. CHILD SAs are still rekeyed.
 */
#ifndef TIP_CONF_IKE_REKEY_IKE
#define TIP_CONF_IKE_REKEY_IKE 1
#endif

/** DNS servers kept per virtual address assignment (received or handed out). */
#ifndef TIP_IKE_CP_DNS_MAX
#define TIP_IKE_CP_DNS_MAX 2
#endif

/** Address pools a responder can hold (tip_ike_pool_add()). */
#ifndef TIP_IKE_POOLS
#define TIP_IKE_POOLS 1
#endif

/**
 * Leases per address pool: peer identities that hold an address, or held
 * one and get it back when they return. Bounds the peers one pool serves
 * at a time; the oldest released lease is forgotten first.
 */
#ifndef TIP_IKE_POOL_LEASES
#define TIP_IKE_POOL_LEASES 8
#endif

/**
 * Key log for Wireshark: write IKE and ESP keys through the port's log hook
 * in Wireshark's decryption table formats. NEVER in production. Every file
 * compiled with it on prints a \#warning; the project's own test builds,
 * which turn it on deliberately, define TIP_KEYLOG_NO_WARNING to silence it
 * (do not define that in a product build).
 */
#ifndef TIP_KEYLOG
#define TIP_KEYLOG 0
#endif

/* ---- checks ----------------------------------------------------------- */

#if TIP_MAX_SA < 1 || TIP_MAX_SA > 65534
#error "TIP_MAX_SA must be 1..65534"
#endif
#if TIP_MAX_POLICIES < 1 || TIP_MAX_POLICIES > 65534
#error "TIP_MAX_POLICIES must be 1..65534"
#endif
#if TIP_SPI_HASH_SIZE < 1 || (TIP_SPI_HASH_SIZE & (TIP_SPI_HASH_SIZE - 1)) != 0
#error "TIP_SPI_HASH_SIZE must be a power of two"
#endif
#if TIP_REPLAY_WINDOW < 32 || TIP_REPLAY_WINDOW > 4096 || (TIP_REPLAY_WINDOW % 32) != 0
#error "TIP_REPLAY_WINDOW must be a multiple of 32 in 32..4096"
#endif
#if TIP_SEQ_PERSIST_STEP < 1 || TIP_SEQ_PERSIST_STEP > 0x80000000 || \
    TIP_SEQ_PERSIST_STEP_IN < 1 || TIP_SEQ_PERSIST_STEP_IN > 0x80000000
#error "TIP_SEQ_PERSIST_STEP and TIP_SEQ_PERSIST_STEP_IN must be 1..2^31"
#endif
#if !TIP_CONF_AES_GCM && !TIP_CONF_AES_CBC && !TIP_CONF_CHACHAPOLY && !TIP_CONF_ENCR_NULL
#error "enable at least one ESP cipher"
#endif
#if (TIP_CONF_AES_CBC || TIP_CONF_ENCR_NULL) && \
    !(TIP_CONF_HMAC_SHA256 || TIP_CONF_HMAC_SHA384 || TIP_CONF_HMAC_SHA512)
#error "AES-CBC and ENCR_NULL need at least one HMAC-SHA2"
#endif

#if TIP_CONF_IKEV2 && !TIP_CONF_IKE_INITIATOR && !TIP_CONF_IKE_RESPONDER
#error "IKEv2 needs TIP_CONF_IKE_INITIATOR, TIP_CONF_IKE_RESPONDER or both"
#endif
#if TIP_CONF_IKEV2 && (TIP_MAX_IKE_SA < 1 || TIP_MAX_IKE_CONN < 1)
#error "IKEv2 needs at least one connection and one IKE SA"
#endif
#if TIP_CONF_IKEV2 && (TIP_IKE_CHILD_MAX < 1 || TIP_IKE_CHILD_MAX > 16)
#error "TIP_IKE_CHILD_MAX must be 1..16"
#endif
#if TIP_CONF_IKEV2 && (TIP_IKE_HALF_OPEN_PER_SRC < 1 || TIP_IKE_HALF_OPEN_PER_SRC > TIP_MAX_IKE_SA)
#error "TIP_IKE_HALF_OPEN_PER_SRC must be 1..TIP_MAX_IKE_SA"
#endif
#if TIP_CONF_IKEV2 && (TIP_IKE_REKEY_RESERVE < 0 || TIP_IKE_REKEY_RESERVE > TIP_MAX_IKE_SA)
#error "TIP_IKE_REKEY_RESERVE must be 0..TIP_MAX_IKE_SA"
#endif
#if TIP_IKE_NONCE_LEN < 16 || TIP_IKE_NONCE_LEN > 256
#error "TIP_IKE_NONCE_LEN must be 16..256 (RFC 7296 3.9)"
#endif
#if TIP_IKE_PEER_NONCE_MAX < TIP_IKE_NONCE_LEN || TIP_IKE_PEER_NONCE_MAX > 256
#error "TIP_IKE_PEER_NONCE_MAX must be TIP_IKE_NONCE_LEN..256 (our nonces are kept beside the peer's)"
#endif
#if TIP_CONF_IKEV2 && (TIP_IKE_MSG_BUFS < 3 || TIP_IKE_MSG_BUFS > 65534)
#error "TIP_IKE_MSG_POOL must be 0 (default) or 3..65534 (one handshake holds 3 buffers)"
#endif
#if TIP_CONF_IKE_CERT && !TIP_CONF_IKEV2
#error "TIP_CONF_IKE_CERT needs TIP_CONF_IKEV2"
#endif
#if TIP_CONF_IKE_CERT && (TIP_IKE_CERT_CHAIN_MAX < 1 || TIP_IKE_CA_MAX < 1 || TIP_IKE_SIG_MAX < 132)
#error "certificates need TIP_IKE_CERT_CHAIN_MAX >= 1, TIP_IKE_CA_MAX >= 1, TIP_IKE_SIG_MAX >= 132"
#endif
#if TIP_IKE_MSG_MAX < 512 || TIP_IKE_MSG_MAX > 65535
#error "TIP_IKE_MSG_MAX must be 512..65535"
#endif
#if TIP_IKE_DGRAM_MAX < 512 || TIP_IKE_DGRAM_MAX > TIP_IKE_MSG_MAX
#error "TIP_IKE_DGRAM_MAX must be 512..TIP_IKE_MSG_MAX"
#endif
#if TIP_IKE_FRAG_MAX < 2 || TIP_IKE_FRAG_MAX > 255
#error "TIP_IKE_FRAG_MAX must be 2..255"
#endif
#if TIP_CONF_IKE_CP && (TIP_IKE_CP_DNS_MAX < 1 || TIP_IKE_CP_DNS_MAX > 8 || TIP_IKE_POOLS < 1 || \
                        TIP_IKE_POOLS > 255 || TIP_IKE_POOL_LEASES < 1 || TIP_IKE_POOL_LEASES > 65535)
#error "TIP_IKE_CP_DNS_MAX must be 1..8, TIP_IKE_POOLS 1..255, TIP_IKE_POOL_LEASES 1..65535"
#endif
#if TIP_KEYLOG && !defined(TIP_KEYLOG_NO_WARNING)
#warning "TIP_KEYLOG is on: IKE and ESP keys are written to the log. Never ship this build."
#endif

#endif /* TINYIPSEC_CONFIG_H */
