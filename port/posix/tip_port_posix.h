/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A ready port for Linux (POSIX sockets + a few Linux extras): UDP sockets
 * for NAT-T (4500) and optionally IKE (500), optional raw sockets for ESP as
 * IP protocol 50, a monotonic clock, getrandom() entropy, logging to stderr,
 * a receive helper that feeds one datagram into the core, a TUN opener, and
 * a file-based sequence-number store for manually keyed SAs (seq_dir).
 *
 * Everything lives in a caller-owned tip_port_posix_t; nothing is allocated.
 *
 *     tip_port_posix_cfg_t cfg;
 *     tip_port_posix_t pp;
 *     tip_port_t port;
 *     tip_port_posix_cfg_init(&cfg);            // 0.0.0.0:4500, no IKE, no raw
 *     if (tip_port_posix_open(&pp, &cfg) != 0)
 *         fprintf(stderr, "%s\n", tip_port_posix_errmsg(&pp));
 *     tip_port_posix_port(&pp, &port);
 *     tip_ctx_init(&ctx, &port);
 *     for (;;) {
 *         uint8_t mem[2048]; tip_buf_t b = { mem, sizeof(mem), 0, 0 };
 *         uint32_t next = tip_poll(&ctx, port.now_ms(port.arg));  // due work
 *         int r = tip_port_posix_recv(&pp, &ctx, &b, tip_port_posix_timeout(next), NULL);
 *         if (r == TIP_RX_DATA) write(tun_fd, b.base + b.off, b.len);
 *     }
 */
#ifndef TIP_PORT_POSIX_H
#define TIP_PORT_POSIX_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/tinyipsec.h"

/**
 * tip_poll()'s result as a poll(2) / tip_port_posix_recv() timeout: -1
 * (wait for input) for TIP_POLL_NONE, at most INT_MAX.
 * @param next_ms what tip_poll() returned
 * @return the timeout in ms, or -1
 */
static inline int tip_port_posix_timeout(uint32_t next_ms)
{
    if (next_ms == TIP_POLL_NONE)
        return -1;
    return next_ms > (uint32_t)INT_MAX ? INT_MAX : (int)next_ms;
}

/** What tip_port_posix_open() should open. Fill with tip_port_posix_cfg_init(). */
typedef struct {
    /**
     * Local address of the UDP (and raw) sockets. TIP_AF_NONE: 0.0.0.0
     * (IPv4 only). An IPv6 address, "::" included, makes the UDP sockets
     * IPv6; "::" then also accepts IPv4 (v4-mapped) unless v6only is set.
     */
    tip_addr_t local;
    uint8_t v6only;     /**< IPv6 UDP sockets: refuse IPv4-mapped traffic */
    uint16_t natt_port; /**< NAT-T UDP port; 0 = let the kernel pick (tests) */
    uint8_t open_ike;   /**< also open a UDP socket for IKE on ike_port */
    uint16_t ike_port;  /**< IKE UDP port; 0 = let the kernel pick */
    uint8_t raw_esp4;   /**< open a raw IPv4 socket for protocol 50 (needs root / CAP_NET_RAW) */
    uint8_t raw_esp6;   /**< open a raw IPv6 socket for protocol 50 (needs root / CAP_NET_RAW) */
    int log_level;      /**< print log lines with level <= this (tip_log_level_t); -1 = none */
    /**
     * Receive and send buffer of each socket in bytes; 0 = 4 MiB. A tunnel
     * under load receives bursts; a small buffer drops them (and TCP inside
     * then backs off). As root the size is forced past net.core.rmem_max.
     */
    int sock_buf;
    /**
     * Directory of the sequence-number store that manually keyed SAs need
     * (tip_port_t.seq_load / seq_store); NULL: no store (IKE-only use).
     * Created with mode 0700 if missing; it must be owned by this user and
     * not writable by group or others, or tip_port_posix_open() fails.
     * One file per SA, named after direction, SPI and addresses
     * ("out-00001001-c0000201-c0000202.seq"), holding one line
     * "tinyipsec-seq 1 <mark>". A store writes a temporary file, fsyncs it,
     * renames it over the old one and fsyncs the directory; files are
     * opened with O_NOFOLLOW and created with mode 0600. Keep the directory
     * as long as the keys: deleting a file while its SA's keys are still
     * in use lets sequence numbers (nonces) repeat. The string must stay
     * valid during tip_port_posix_open() only.
     */
    const char *seq_dir;
    /**
     * UDP GSO (Linux UDP_SEGMENT) for the datagrams queued between
     * tip_port_posix_tx_begin() and tip_port_posix_tx_flush(): consecutive
     * datagrams of one size to one peer leave in one send. Falls back to
     * one datagram per message (still one sendmmsg per batch) when the
     * kernel or the outgoing device refuses it.
     */
    uint8_t udp_gso;
    /**
     * UDP GRO (Linux UDP_GRO) on the NAT-T socket: the kernel hands over
     * several datagrams of one flow as one; tip_port_posix_recv_batch()
     * splits them. Only for callers that receive with
     * tip_port_posix_recv_batch() and slots of TIP_PORT_POSIX_GRO_SLOT
     * bytes: tip_port_posix_recv() would see the coalesced datagram.
     */
    uint8_t udp_gro;
} tip_port_posix_cfg_t;

/** Datagrams the port holds between tip_port_posix_tx_begin() and _flush(). */
#define TIP_PORT_POSIX_TXQ 64

/** One queued datagram (private to the port). */
typedef struct {
    const uint8_t *data; /**< in the caller's batch memory */
    uint16_t len;        /**< UDP payload bytes */
    uint16_t dport;      /**< peer's UDP port */
    int fd;              /**< socket it leaves from */
    tip_addr_t src;      /**< our address (TIP_AF_NONE: the kernel's choice) */
    tip_addr_t dst;      /**< peer's address */
    uint8_t hops;        /**< raw IPv6 ESP: the hop limit of the header the kernel builds */
} tip_port_posix_txq_t;

/**
 * Socket system calls of a port and what they moved: divide one by the
 * other to see how many calls a datagram costs (tunnel benchmarks).
 */
typedef struct {
    uint64_t rx_calls;     /**< recvmsg / recvmmsg calls, the ones that found nothing included */
    uint64_t rx_datagrams; /**< datagrams they returned (a GRO datagram counts its segments) */
    uint64_t tx_calls;     /**< sendmsg / sendto / sendmmsg calls */
    uint64_t tx_datagrams; /**< datagrams they sent (a GSO send counts its segments) */
    uint64_t tx_dropped;   /**< queued datagrams a batch send failed to send */
    uint64_t gso_sends;    /**< messages sent with UDP_SEGMENT (several datagrams each) */
    uint64_t gro_datagrams; /**< received datagrams that the kernel had coalesced (UDP_GRO) */
    uint64_t rx_truncated;  /**< datagrams longer than a tip_port_posix_recv_batch() slot */
} tip_port_posix_stats_t;

/** State of an open POSIX port (caller-owned; fields private). */
typedef struct {
    int fd_natt;        /**< NAT-T UDP socket, -1 if closed */
    int fd_ike;         /**< IKE UDP socket, -1 if not opened */
    int fd_raw4;        /**< raw IPv4 ESP socket, -1 if not opened */
    int fd_raw6;        /**< raw IPv6 ESP socket, -1 if not opened */
    int fd_seq;         /**< sequence-number store directory, -1 if none */
    int udp_family;     /**< AF_INET or AF_INET6 of the UDP sockets */
    uint8_t wildcard;   /**< UDP sockets are bound to the unspecified address */
    tip_addr_t local;   /**< address the UDP sockets are bound to */
    uint16_t natt_port; /**< NAT-T port actually bound */
    uint16_t ike_port;  /**< IKE port actually bound (0 if none) */
    int log_level;      /**< threshold of the stderr logger */
    unsigned rr;        /**< round-robin start for fairness between sockets */
    unsigned rr_burst;  /**< datagrams read in a row from socket rr (draining) */
    tip_port_posix_stats_t stats; /**< syscall counters (read them, reset them freely) */
    uint8_t gso;                  /**< UDP_SEGMENT in use (cfg.udp_gso and the kernel takes it) */
    uint8_t gro;                  /**< UDP_GRO on the NAT-T socket */
    const uint8_t *tx_mem;        /**< batch memory (tip_port_posix_tx_begin()), NULL: none */
    size_t tx_mem_len;            /**< its length */
    unsigned tx_count;            /**< datagrams in tx_q */
    tip_port_posix_txq_t tx_q[TIP_PORT_POSIX_TXQ]; /**< queued datagrams, in order */
    int sys_errno;      /**< errno of the last failure */
    char errmsg[192];   /**< description of the last failure */
} tip_port_posix_t;

/** Which socket a datagram came from (tip_port_posix_rx_info_t.source). */
typedef enum {
    TIP_PORT_POSIX_SRC_NATT = 1, /**< the NAT-T UDP socket */
    TIP_PORT_POSIX_SRC_IKE = 2,  /**< the IKE UDP socket */
    TIP_PORT_POSIX_SRC_RAW4 = 3, /**< raw IPv4 ESP */
    TIP_PORT_POSIX_SRC_RAW6 = 4  /**< raw IPv6 ESP (header rebuilt, see recv) */
} tip_port_posix_src_t;

/** What tip_port_posix_recv() learnt about the datagram it read. */
typedef struct {
    int source;      /**< tip_port_posix_src_t */
    tip_addr_t src;  /**< sender address */
    uint16_t sport;  /**< sender UDP port (0 for raw) */
    tip_addr_t dst;  /**< our address it was sent to (IP_PKTINFO / IPV6_PKTINFO) */
    uint16_t dport;  /**< our UDP port (0 for raw) */
    size_t wire_len; /**< bytes received (UDP payload, or whole IP packet) */
} tip_port_posix_rx_info_t;

/** tip_port_posix_recv(): nothing arrived before the timeout. Not a tip_rx_t. */
#define TIP_PORT_POSIX_TIMEOUT 16
/** tip_port_posix_recv() with ctx == NULL: datagram read, not dispatched. */
#define TIP_PORT_POSIX_RAW 17

/**
 * Fill @p cfg with defaults: local 0.0.0.0, NAT-T port 4500, IKE off (port
 * 500 when switched on), raw sockets off, log level TIP_LOG_WARN.
 */
void tip_port_posix_cfg_init(tip_port_posix_cfg_t *cfg);

/**
 * Open the sockets described by @p cfg. The UDP sockets get IP_PKTINFO /
 * IPV6_RECVPKTINFO so that the destination address of each datagram is
 * known. Raw sockets need root or CAP_NET_RAW; they are opt-in, and failing
 * to open one fails the whole call (nothing stays open).
 * Returns 0, TIP_ERR_ARG or TIP_ERR_PORT; on error tip_port_posix_errmsg()
 * says which step failed and why.
 */
int tip_port_posix_open(tip_port_posix_t *p, const tip_port_posix_cfg_t *cfg);

/** Close every socket of @p p (safe to call twice). */
void tip_port_posix_close(tip_port_posix_t *p);

/** The description of the last failure ("" if none). Never NULL. */
const char *tip_port_posix_errmsg(const tip_port_posix_t *p);

/**
 * Fill @p port with functions that use @p p: send_udp (sendto from the
 * NAT-T socket, or the IKE socket when sport is the IKE port; the source
 * address is chosen with IP_PKTINFO when the socket is bound to a
 * wildcard), send_ip (raw sockets; NULL when none is open), now_ms
 * (CLOCK_MONOTONIC), random (getrandom(), retried on EINTR and short
 * reads), log (stderr, filtered by the configured level), wall_time
 * (CLOCK_REALTIME, for certificate validity times), and seq_load /
 * seq_store (the files in cfg.seq_dir; NULL when no directory was given).
 */
void tip_port_posix_port(tip_port_posix_t *p, tip_port_t *port);

/**
 * The open socket descriptors of @p p (NAT-T, IKE, raw IPv4, raw IPv6), for
 * an application that waits on them together with its own descriptors
 * (poll/epoll) and then calls tip_port_posix_recv() with timeout 0. Writes
 * at most @p max descriptors to @p fds and returns how many there are.
 */
int tip_port_posix_fds(const tip_port_posix_t *p, int *fds, int max);

/** Change the stderr log threshold (-1 silences the logger). */
void tip_port_posix_set_log_level(tip_port_posix_t *p, int level);

/**
 * Wait up to @p timeout_ms (0: do not wait, -1: forever) for one datagram
 * on any open socket, read it into @p buf and hand it to the core.
 *
 * @p buf must have base and cap set; the helper sets off =
 * TIP_ESP_HEADROOM and len, so at most cap - TIP_ESP_HEADROOM bytes are
 * read (a longer datagram is dropped with TIP_ERR_BUF_SPACE).
 *
 * Dispatch: NAT-T UDP goes to tip_input_udp() with the sender, our address
 * and port; raw ESP to tip_input_ip() (for IPv6 the kernel strips the
 * header, so a 40-byte header is rebuilt in the headroom); datagrams on the
 * IKE socket are not dispatched and give TIP_RX_IKE (buf = IKE message).
 * With @p ctx NULL nothing is dispatched and TIP_PORT_POSIX_RAW is
 * returned. With @p timeout_ms 0 (draining after poll(2) said a socket is
 * ready) the helper reads the socket that gave the previous datagram first,
 * up to 64 datagrams in a row, then the next one: a burst costs about one
 * recvmsg per datagram, and no socket starves another.
 *
 * Returns the core's result (a tip_rx_t >= 0: TIP_RX_DATA means buf holds
 * the inner packet, for the caller to deliver, e.g. to a TUN device; or a
 * negative tip_err_t for a dropped packet), TIP_PORT_POSIX_TIMEOUT,
 * TIP_PORT_POSIX_RAW, or TIP_ERR_PORT for a socket error (errmsg set).
 * @p info (may be NULL) receives addresses and ports.
 */
int tip_port_posix_recv(tip_port_posix_t *p, tip_ctx_t *ctx, tip_buf_t *buf, int timeout_ms,
                        tip_port_posix_rx_info_t *info);

/**
 * Start a send batch: until tip_port_posix_tx_flush(), ESP-in-UDP
 * datagrams and raw ESP packets (send_ip) that the core sends through this
 * port (tip_output()) from memory inside [@p mem, @p mem + @p len) are
 * queued, not sent; the
 * caller keeps that memory unchanged until the flush (e.g. one slot per
 * packet read from a TUN device). Datagrams from elsewhere (IKE messages,
 * keepalives) flush the queue and go out at once, so the order on the
 * wire is kept. A full queue (TIP_PORT_POSIX_TXQ) is flushed by itself.
 * A queued datagram counts as sent for the core; send failures at the
 * flush are counted in stats.tx_dropped (UDP is lossy anyway).
 */
void tip_port_posix_tx_begin(tip_port_posix_t *p, const uint8_t *mem, size_t len);

/**
 * Send what the batch queued, in one sendmmsg(2) per run of datagrams
 * leaving from one socket; with GSO, consecutive datagrams of one size to
 * one peer share one message (UDP_SEGMENT). Raw ESP packets have no GSO:
 * one message each, still one sendmmsg per run (a packet the kernel
 * refuses is counted in stats.tx_dropped and the rest of the run still
 * goes). Ends the batch. Returns 0 or TIP_ERR_PORT (errmsg set) when
 * datagrams were lost.
 */
int tip_port_posix_tx_flush(tip_port_posix_t *p);

/** Bytes of a receive slot that can hold any UDP_GRO datagram (and the headroom). */
#define TIP_PORT_POSIX_GRO_SLOT (TIP_ESP_HEADROOM + 65536u)

/** One datagram read by tip_port_posix_recv_batch(). */
typedef struct {
    tip_buf_t buf;                 /**< the datagram (a segment of a GRO datagram) */
    tip_port_posix_rx_info_t info; /**< where it came from */
    int hops;                      /**< raw IPv6: the hop limit (private) */
} tip_port_posix_rx_t;

/**
 * Read what is waiting on one socket (draining: never waits; the socket
 * chosen as by tip_port_posix_recv() with timeout 0) in one recvmmsg(2)
 * into slots of @p slot bytes of @p mem, and split datagrams coalesced by
 * UDP_GRO into their segments. Fills up to @p max entries of @p out with
 * datagrams that are not dispatched yet: hand each to
 * tip_port_posix_rx_dispatch() in order (an IKE message may install the SA
 * that the next ESP packet needs). With GRO on, @p slot must be at least
 * TIP_PORT_POSIX_GRO_SLOT and @p max at least 64 (the segments of one
 * datagram); otherwise a slot of TIP_ESP_HEADROOM plus the largest
 * datagram (a longer one is dropped and counted as TIP_ERR_BUF_SPACE
 * would be). Returns the number of entries (0: nothing waiting),
 * TIP_ERR_ARG, or TIP_ERR_PORT.
 */
int tip_port_posix_recv_batch(tip_port_posix_t *p, uint8_t *mem, size_t mem_len, size_t slot,
                              tip_port_posix_rx_t *out, unsigned max);

/**
 * Hand one entry of tip_port_posix_recv_batch() to the core, as
 * tip_port_posix_recv() does with the datagram it read; the same results
 * (TIP_RX_DATA: rx->buf holds the inner packet).
 */
int tip_port_posix_rx_dispatch(tip_port_posix_t *p, tip_ctx_t *ctx, tip_port_posix_rx_t *rx);

/**
 * Open a TUN device (IFF_TUN | IFF_NO_PI: reads and writes are bare IP
 * packets) named @p name ("tun%d" or NULL lets the kernel number it).
 * Needs root or CAP_NET_ADMIN. On success *@p fd is the non-blocking file
 * descriptor and @p ifname (if not NULL) receives the actual name: the
 * kernel chooses it, so @p ifname_len must be at least IFNAMSIZ (16), or
 * nothing is opened and TIP_ERR_ARG is returned. The interface is left down;
 * bring it up and address it with ip(8) or netlink. Returns 0, TIP_ERR_ARG or
 * TIP_ERR_PORT.
 */
int tip_port_posix_tun_open(const char *name, int *fd, char *ifname, size_t ifname_len);

/** tip_port_posix_tun_open_offload(): reads and writes carry a virtio-net header. */
#define TIP_PORT_POSIX_TUN_VNET 0x1u
/** ... and the kernel hands over (and takes) TCP super-packets (TSO). */
#define TIP_PORT_POSIX_TUN_TSO 0x2u
/** ... and UDP super-packets (USO, Linux 6.2). */
#define TIP_PORT_POSIX_TUN_USO 0x4u

/**
 * Open a TUN device as tip_port_posix_tun_open() does, with offloads where
 * the kernel has them: IFF_VNET_HDR, so that every packet read or written
 * has a virtio-net header in front (tip_port_posix_vnet.h), and
 * TUNSETOFFLOAD with checksum offload, TSO and USO, so that the kernel
 * hands over TCP and UDP super-packets of up to 64 KB with partial
 * checksums (split them with tip_vnet_split()) and takes coalesced TCP
 * ones, with USO also UDP ones (tip_vnet_gro_*). *@p features receives TIP_PORT_POSIX_TUN_* bits:
 * 0 when the kernel refused IFF_VNET_HDR and a plain device was opened.
 * Returns as tip_port_posix_tun_open().
 */
int tip_port_posix_tun_open_offload(const char *name, int *fd, char *ifname, size_t ifname_len,
                                    unsigned *features);

#endif /* TIP_PORT_POSIX_H */
