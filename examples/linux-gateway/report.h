/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: texts for the log, for events and dropped IKE messages.
 */
#ifndef GW_REPORT_H
#define GW_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/tinyipsec.h"

/**
 * An event's reason: a tip_err_t (< 0), or the peer's error notify (> 0),
 * by name ("peer sent AUTHENTICATION_FAILED (24)"). Returns a constant or
 * @p buf.
 */
const char *gw_reason_text(int reason, char *buf, size_t len);

/**
 * One log line for an IKE message of @p len bytes from @p src:@p sport that
 * tip_ike_input() dropped with @p err. A message larger than the build's
 * TIP_IKE_MSG_MAX says so, with both sizes. Returns @p out.
 */
char *gw_ike_drop_text(int err, const tip_addr_t *src, uint16_t sport, size_t len, char *out,
                       size_t out_len);

#endif /* GW_REPORT_H */
