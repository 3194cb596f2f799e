/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP network interface for the SMSC LAN9118 Ethernet controller of the Arm
 * MPS2 boards (QEMU's mps2-an386 has one at 0x40200000). Polled, no
 * interrupts: call lan9118_netif_poll() from the main loop.
 */
#ifndef LAN9118_NETIF_H
#define LAN9118_NETIF_H

#include "lwip/err.h"
#include "lwip/netif.h"

#define LAN9118_BASE 0x40200000u

/* netif_add() init function; netif->state may hold the base address
 * (NULL = LAN9118_BASE). Resets the chip, reads the MAC address, enables
 * RX/TX. ERR_IF when no LAN9118 answers. */
err_t lan9118_netif_init(struct netif *netif);

/* Hands every received frame to netif->input. Returns the number of frames. */
int lan9118_netif_poll(struct netif *netif);

/* Frames dropped: received with errors, too long, or no pbuf free. */
unsigned long lan9118_netif_drops(void);

#endif
