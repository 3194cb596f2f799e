/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A bare-metal arch/cc.h for the Cortex-M4 compile check of port/lwip
 * (newlib, no OS): lwIP's defaults for everything else.
 */
#ifndef TIP_TEST_CM4_ARCH_CC_H
#define TIP_TEST_CM4_ARCH_CC_H

#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { for (;;) { } } while (0)
#define LWIP_NO_UNISTD_H 1

#endif
