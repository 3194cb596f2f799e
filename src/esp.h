/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ESP (RFC 4303) encapsulation and decapsulation, shared declarations.
 */
#ifndef TIP_ESP_H
#define TIP_ESP_H

#include "tip_internal.h"

struct tip_ip_info_s;

#define TIP_ESP_HLEN 8 /* SPI + sequence number */

/**
 * Decapsulate the ESP packet at buf (SPI first) that arrived from @p src to
 * @p dst. @p outer describes the outer IP header that precedes the ESP
 * header in the buffer for raw ESP, or is NULL for ESP-in-UDP (RFC 3948).
 * Transport mode keeps (raw) or rebuilds (UDP) an IP header in front of the
 * payload. On success buf holds the inner IP packet and TIP_RX_DATA is
 * returned. Counts every drop, on the SA when there is one. Lifetime
 * events go into @p evs, for the caller to deliver when it is done.
 */
int tip_esp_decap(tip_ctx_t *ctx, const tip_addr_t *src, const tip_addr_t *dst,
                  const struct tip_ip_info_s *outer, tip_buf_t *buf, tip_ev_batch_t *evs);

/** Encapsulate with outbound SA slot @p sa (see tip_esp_encap()). May remove
 * the SA when this packet reaches its hard lifetime. @p iv is NULL (the IV
 * is derived from the sequence number) or an explicit IV (iv_len bytes).
 * @p parsed is the packet's tip_ip_parse() result when the caller has it
 * (saves parsing twice), else NULL. Events go into @p evs, for the caller
 * to deliver when it is done (after the send). */
int tip_esp_encap_sa(tip_ctx_t *ctx, tip_sa_t *sa, tip_buf_t *buf, const uint8_t *iv,
                     const struct tip_ip_info_s *parsed, tip_ev_batch_t *evs);

/**
 * tip_esp_encap() with an explicit IV, for known-answer tests against
 * published ESP packets. Never use it for real traffic: an IV chosen by the
 * caller may repeat, which breaks AES-GCM and ChaCha20-Poly1305.
 */
int tip_esp_encap_iv(tip_ctx_t *ctx, tip_handle_t sa, tip_buf_t *buf, const uint8_t *iv);

/** Build the 12-byte AEAD AAD / HMAC ESN tail helpers. */
size_t tip_esp_aad(uint8_t aad[12], uint32_t spi, uint64_t seq, int esn);

#endif /* TIP_ESP_H */
