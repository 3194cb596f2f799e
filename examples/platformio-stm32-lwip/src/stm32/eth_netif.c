/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP driver for the STM32F4 Ethernet MAC through the STM32Cube HAL (the
 * HAL 1.8 descriptor API: HAL_ETH_ReadData() with the RxAllocate/RxLink
 * callbacks, HAL_ETH_Transmit()). RMII pins and the LAN8742A PHY (address
 * 0) of the Nucleo-F429ZI. Frames are copied once each way: the DMA works
 * on this file's buffers, lwIP on its pbufs.
 */
#include "eth_netif.h"

#include <string.h>

#include "app.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "stm32f4xx_hal.h"

#define PHY_ADDR 0U
#define PHY_BSR 1U
#define PHY_BSR_LINK 0x0004U
#define PHY_SCSR 31U /* LAN8742A special control/status: speed indication */
#define ETH_BUF_SIZE 1536U

static ETH_HandleTypeDef heth;
static ETH_TxPacketConfigTypeDef tx_config;
static ETH_DMADescTypeDef rx_desc[ETH_RX_DESC_CNT] __attribute__((aligned(4)));
static ETH_DMADescTypeDef tx_desc[ETH_TX_DESC_CNT] __attribute__((aligned(4)));
static uint8_t rx_buf[ETH_RX_DESC_CNT][ETH_BUF_SIZE] __attribute__((aligned(4)));
static uint8_t rx_used[ETH_RX_DESC_CNT];
static uint8_t tx_buf[ETH_BUF_SIZE] __attribute__((aligned(4)));
static uint32_t last_link_check;

/* One received frame, built by HAL_ETH_RxLinkCallback(). */
static uint8_t *rx_frame;
static uint16_t rx_len;

void HAL_ETH_RxAllocateCallback(uint8_t **buff)
{
    unsigned i;

    *buff = NULL;
    for (i = 0; i < ETH_RX_DESC_CNT; i++) {
        if (!rx_used[i]) {
            rx_used[i] = 1;
            *buff = rx_buf[i];
            return;
        }
    }
}

void HAL_ETH_RxLinkCallback(void **pStart, void **pEnd, uint8_t *buff, uint16_t Length)
{
    /* RxBuffLen holds a whole frame: one buffer per frame */
    *pStart = buff;
    *pEnd = buff;
    rx_frame = buff;
    rx_len = Length;
}

static void rx_release(uint8_t *buff)
{
    unsigned i;

    for (i = 0; i < ETH_RX_DESC_CNT; i++)
        if (rx_buf[i] == buff)
            rx_used[i] = 0;
}

void HAL_ETH_TxFreeCallback(uint32_t *buff)
{
    (void)buff;
}

void HAL_ETH_MspInit(ETH_HandleTypeDef *h)
{
    GPIO_InitTypeDef g;

    (void)h;
    __HAL_RCC_ETH_CLK_ENABLE();
    __HAL_RCC_GPIOA_CLK_ENABLE();
    __HAL_RCC_GPIOB_CLK_ENABLE();
    __HAL_RCC_GPIOC_CLK_ENABLE();
    __HAL_RCC_GPIOG_CLK_ENABLE();
    memset(&g, 0, sizeof(g));
    g.Mode = GPIO_MODE_AF_PP;
    g.Pull = GPIO_NOPULL;
    g.Speed = GPIO_SPEED_FREQ_VERY_HIGH;
    g.Alternate = GPIO_AF11_ETH;
    g.Pin = GPIO_PIN_1 | GPIO_PIN_2 | GPIO_PIN_7; /* REF_CLK, MDIO, CRS_DV */
    HAL_GPIO_Init(GPIOA, &g);
    g.Pin = GPIO_PIN_13; /* TXD1 */
    HAL_GPIO_Init(GPIOB, &g);
    g.Pin = GPIO_PIN_1 | GPIO_PIN_4 | GPIO_PIN_5; /* MDC, RXD0, RXD1 */
    HAL_GPIO_Init(GPIOC, &g);
    g.Pin = GPIO_PIN_11 | GPIO_PIN_13; /* TX_EN, TXD0 */
    HAL_GPIO_Init(GPIOG, &g);
}

static err_t eth_output(struct netif *netif, struct pbuf *p)
{
    ETH_BufferTypeDef b;

    (void)netif;
    if (p->tot_len > sizeof(tx_buf))
        return ERR_BUF;
    if (pbuf_copy_partial(p, tx_buf, p->tot_len, 0) != p->tot_len)
        return ERR_BUF;
    memset(&b, 0, sizeof(b));
    b.buffer = tx_buf;
    b.len = p->tot_len;
    tx_config.Length = p->tot_len;
    tx_config.TxBuffer = &b;
    if (HAL_ETH_Transmit(&heth, &tx_config, 20) != HAL_OK)
        return ERR_IF;
    (void)HAL_ETH_ReleaseTxPacket(&heth);
    return ERR_OK;
}

/* Link up/down from the PHY; on up, the MAC takes the negotiated speed. */
static void link_check(struct netif *netif)
{
    uint32_t bsr = 0, scsr = 0;
    ETH_MACConfigTypeDef mac;

    if (HAL_ETH_ReadPHYRegister(&heth, PHY_ADDR, PHY_BSR, &bsr) != HAL_OK)
        return;
    if ((bsr & PHY_BSR_LINK) && !netif_is_link_up(netif)) {
        (void)HAL_ETH_ReadPHYRegister(&heth, PHY_ADDR, PHY_SCSR, &scsr);
        (void)HAL_ETH_GetMACConfig(&heth, &mac);
        mac.Speed = (scsr & 0x0008U) ? ETH_SPEED_100M : ETH_SPEED_10M;
        mac.DuplexMode = (scsr & 0x0010U) ? ETH_FULLDUPLEX_MODE : ETH_HALFDUPLEX_MODE;
        (void)HAL_ETH_SetMACConfig(&heth, &mac);
        (void)HAL_ETH_Start(&heth);
        netif_set_link_up(netif);
    } else if (!(bsr & PHY_BSR_LINK) && netif_is_link_up(netif)) {
        (void)HAL_ETH_Stop(&heth);
        netif_set_link_down(netif);
    }
}

void eth_netif_poll(struct netif *netif)
{
    void *frame = NULL;

    if (board_now_ms() - last_link_check >= 500u) {
        last_link_check = board_now_ms();
        link_check(netif);
    }
    while (netif_is_link_up(netif) && HAL_ETH_ReadData(&heth, &frame) == HAL_OK && frame != NULL) {
        struct pbuf *p = pbuf_alloc(PBUF_RAW, rx_len, PBUF_POOL);

        if (p != NULL) {
            (void)pbuf_take(p, rx_frame, rx_len);
            if (netif->input(p, netif) != ERR_OK)
                pbuf_free(p);
        }
        rx_release(rx_frame);
        frame = NULL;
    }
}

err_t eth_netif_init(struct netif *netif)
{
    static uint8_t mac[6];
    uint32_t uid = HAL_GetUIDw0() ^ HAL_GetUIDw1() ^ HAL_GetUIDw2();

    /* a locally administered address from the chip's unique ID */
    mac[0] = 0x02;
    mac[1] = 0x80;
    mac[2] = (uint8_t)(uid >> 24);
    mac[3] = (uint8_t)(uid >> 16);
    mac[4] = (uint8_t)(uid >> 8);
    mac[5] = (uint8_t)uid;
    heth.Instance = ETH;
    heth.Init.MACAddr = mac;
    heth.Init.MediaInterface = HAL_ETH_RMII_MODE;
    heth.Init.TxDesc = tx_desc;
    heth.Init.RxDesc = rx_desc;
    heth.Init.RxBuffLen = ETH_BUF_SIZE;
    if (HAL_ETH_Init(&heth) != HAL_OK)
        return ERR_IF;
    memset(&tx_config, 0, sizeof(tx_config));
    tx_config.Attributes = ETH_TX_PACKETS_FEATURES_CSUM | ETH_TX_PACKETS_FEATURES_CRCPAD;
    tx_config.ChecksumCtrl = ETH_CHECKSUM_IPHDR_PAYLOAD_INSERT_PHDR_CALC;
    tx_config.CRCPadCtrl = ETH_CRC_PAD_INSERT;

    netif->name[0] = 's';
    netif->name[1] = 't';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, mac, 6);
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = eth_output;
    link_check(netif);
    return ERR_OK;
}
