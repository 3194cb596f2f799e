/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Big-endian load/store helpers. Wire data is never accessed through casts
 * (unaligned loads fault on Cortex-M0), always through these.
 */
#ifndef TIP_BYTES_H
#define TIP_BYTES_H

#include <stdint.h>

static inline uint16_t tip_load_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t tip_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void tip_store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void tip_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void tip_store_be64(uint8_t *p, uint64_t v)
{
    tip_store_be32(p, (uint32_t)(v >> 32));
    tip_store_be32(p + 4, (uint32_t)v);
}

#endif /* TIP_BYTES_H */
