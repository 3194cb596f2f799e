/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP driver for the SMSC LAN9118 (LAN9118 data sheet: system control and
 * status registers, MAC CSRs through MAC_CSR_CMD/DATA, TX command words A/B,
 * RX status words). Written for the chip QEMU emulates on mps2-an386: 32-bit
 * bus, PIO through the data FIFOs, polled.
 */
#include "lan9118_netif.h"

#include <stdint.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

/* system control and status registers (byte offsets) */
#define RX_DATA_FIFO 0x00u
#define TX_DATA_FIFO 0x20u
#define RX_STATUS_FIFO 0x40u
#define TX_STATUS_FIFO 0x48u
#define ID_REV 0x50u
#define INT_STS 0x58u
#define INT_EN 0x5Cu
#define BYTE_TEST 0x64u
#define RX_CFG 0x6Cu
#define TX_CFG 0x70u
#define HW_CFG 0x74u
#define RX_DP_CTRL 0x78u
#define RX_FIFO_INF 0x7Cu
#define TX_FIFO_INF 0x80u
#define PMT_CTRL 0x84u
#define MAC_CSR_CMD 0xA4u
#define MAC_CSR_DATA 0xA8u

/* MAC CSRs (indirect) */
#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u

#define MAC_CR_FDPX (1u << 20)
#define MAC_CR_PRMS (1u << 18)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_RXEN (1u << 2)
#define CSR_BUSY (1u << 31)
#define CSR_READ (1u << 30)
#define HW_CFG_SRST 1u
#define PMT_READY 1u
#define TX_CFG_TX_ON (1u << 1)
#define TXCMDA_FIRST_SEG (1u << 13)
#define TXCMDA_LAST_SEG (1u << 12)
#define RXSTS_ES (1u << 15) /* error summary */
#define RX_DP_FFWD (1u << 31)

#define LAN9118_MTU 1500
#define LAN9118_MAX_FRAME 1536

static unsigned long lan9118_drops;

static volatile uint32_t *reg(const struct netif *netif, uint32_t off)
{
    uintptr_t base = netif->state != NULL ? (uintptr_t)netif->state : LAN9118_BASE;
    return (volatile uint32_t *)(base + off);
}

static int mac_csr_wait(const struct netif *netif)
{
    unsigned i;

    for (i = 0; i < 100000u; i++)
        if ((*reg(netif, MAC_CSR_CMD) & CSR_BUSY) == 0)
            return 0;
    return -1;
}

static uint32_t mac_read(const struct netif *netif, uint32_t r)
{
    (void)mac_csr_wait(netif);
    *reg(netif, MAC_CSR_CMD) = CSR_BUSY | CSR_READ | r;
    (void)mac_csr_wait(netif);
    return *reg(netif, MAC_CSR_DATA);
}

static void mac_write(const struct netif *netif, uint32_t r, uint32_t v)
{
    (void)mac_csr_wait(netif);
    *reg(netif, MAC_CSR_DATA) = v;
    *reg(netif, MAC_CSR_CMD) = CSR_BUSY | r;
    (void)mac_csr_wait(netif);
}

/* One frame: TX command A (first and last segment, buffer length), command
 * B (tag, packet length), then the data in 32-bit words, little-endian. */
static err_t lan9118_output(struct netif *netif, struct pbuf *p)
{
    static uint32_t frame[LAN9118_MAX_FRAME / 4];
    uint16_t len = p->tot_len;
    uint32_t words, i;

    if (len > LAN9118_MAX_FRAME - 4u) {
        lan9118_drops++;
        return ERR_BUF;
    }
    /* the FIFO takes whole words: gather the chain into one aligned copy */
    if (pbuf_copy_partial(p, frame, len, 0) != len)
        return ERR_BUF;
    words = (len + 3u) / 4u;
    /* wait for room (TDFREE, bytes) */
    for (i = 0; i < 100000u && (*reg(netif, TX_FIFO_INF) & 0xFFFFu) < words * 4u + 8u; i++) {
    }
    *reg(netif, TX_DATA_FIFO) = TXCMDA_FIRST_SEG | TXCMDA_LAST_SEG | len;
    *reg(netif, TX_DATA_FIFO) = ((uint32_t)len << 16) | len;
    for (i = 0; i < words; i++)
        *reg(netif, TX_DATA_FIFO) = frame[i];
    /* drain the TX status FIFO (one status word per frame) */
    while ((*reg(netif, TX_FIFO_INF) >> 16) & 0xFFu)
        (void)*reg(netif, TX_STATUS_FIFO);
    return ERR_OK;
}

int lan9118_netif_poll(struct netif *netif)
{
    static uint32_t frame[LAN9118_MAX_FRAME / 4 + 1];
    int n = 0;

    /* RXSUSED: status words (one per frame) waiting */
    while ((*reg(netif, RX_FIFO_INF) >> 16) & 0xFFu) {
        uint32_t sts = *reg(netif, RX_STATUS_FIFO);
        uint32_t flen = (sts >> 16) & 0x3FFFu; /* with the 4-byte FCS */
        uint32_t words = (flen + 3u) / 4u;
        uint32_t len = flen >= 4u ? flen - 4u : 0u;
        struct pbuf *p = NULL;
        uint32_t i;

        if (words > sizeof(frame) / 4u) {
            /* cannot happen with a 1536-byte frame limit; skip it whole */
            *reg(netif, RX_DP_CTRL) = RX_DP_FFWD;
            lan9118_drops++;
            continue;
        }
        for (i = 0; i < words; i++)
            frame[i] = *reg(netif, RX_DATA_FIFO);
        if ((sts & RXSTS_ES) == 0 && len >= 14u)
            p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (p == NULL) {
            lan9118_drops++;
            continue;
        }
        (void)pbuf_take(p, frame, (u16_t)len);
        if (netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
            lan9118_drops++;
        }
        n++;
    }
    return n;
}

unsigned long lan9118_netif_drops(void)
{
    return lan9118_drops;
}

err_t lan9118_netif_init(struct netif *netif)
{
    uint32_t lo, hi, i;

    if (*reg(netif, BYTE_TEST) != 0x87654321u || (*reg(netif, ID_REV) >> 16) != 0x0118u)
        return ERR_IF;
    *reg(netif, HW_CFG) = HW_CFG_SRST;
    for (i = 0; i < 100000u && (*reg(netif, HW_CFG) & HW_CFG_SRST); i++) {
    }
    for (i = 0; i < 100000u && !(*reg(netif, PMT_CTRL) & PMT_READY); i++) {
    }
    *reg(netif, INT_EN) = 0;
    *reg(netif, INT_STS) = 0xFFFFFFFFu;

    lo = mac_read(netif, MAC_ADDRL);
    hi = mac_read(netif, MAC_ADDRH);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->hwaddr[0] = (u8_t)lo;
    netif->hwaddr[1] = (u8_t)(lo >> 8);
    netif->hwaddr[2] = (u8_t)(lo >> 16);
    netif->hwaddr[3] = (u8_t)(lo >> 24);
    netif->hwaddr[4] = (u8_t)hi;
    netif->hwaddr[5] = (u8_t)(hi >> 8);

    /* unicast to us, broadcast; full duplex; RX and TX on */
    mac_write(netif, MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN);
    *reg(netif, TX_CFG) = TX_CFG_TX_ON;
    *reg(netif, RX_CFG) = 0; /* no offset, no end padding */

    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = LAN9118_MTU;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    netif->output = etharp_output;
    netif->linkoutput = lan9118_output;
    return ERR_OK;
}
