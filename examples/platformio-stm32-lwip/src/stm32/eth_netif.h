/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP network interface on the STM32F4 Ethernet MAC (STM32Cube HAL ETH
 * driver, HAL 1.8 API) with the Nucleo-F429ZI's LAN8742A PHY on RMII.
 * Polled from the main loop.
 */
#ifndef APP_ETH_NETIF_H
#define APP_ETH_NETIF_H

#include "lwip/err.h"
#include "lwip/netif.h"

/* netif_add() init function: pins, MAC, DMA descriptors, PHY. */
err_t eth_netif_init(struct netif *netif);
/* Received frames into lwIP; link state from the PHY (every 500 ms). */
void eth_netif_poll(struct netif *netif);

#endif
