/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP architecture header of the example firmware (Cortex-M, GCC, newlib).
 */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                        \
    do {                                                               \
        printf("lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, \
               __LINE__);                                              \
        abort();                                                       \
    } while (0)
/* lwIP's own randomness (TCP ISNs, ports, DHCP xid): from the board's
 * entropy source. tinyipsec never uses it. */
unsigned int app_lwip_rand(void);
#define LWIP_RAND() ((u32_t)app_lwip_rand())

#endif /* LWIP_ARCH_CC_H */
