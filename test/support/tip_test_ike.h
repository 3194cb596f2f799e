/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers for IKEv2 tests: connections in one line, and the byte surgery an
 * attacker does on unprotected IKE_SA_INIT messages (adding a cookie,
 * forging an error response, reading a notify).
 */
#ifndef TIP_TEST_IKE_H
#define TIP_TEST_IKE_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/tinyipsec.h"

/**
 * A PSK connection from @p me to @p peer (NULL: any peer, a responder only)
 * with FQDN identities and /24 subnets, defaults for the rest.
 */
void tip_test_ike_conn(tip_ike_conn_t *c, const char *me, const char *peer, const char *my_id,
                       const char *peer_id, const char *my_net, const char *peer_net);

/**
 * Copy IKE_SA_INIT request @p req with a COOKIE notify (@p cookie) as its
 * first payload (RFC 7296 2.6) into @p out. Returns the new length, 0 if
 * it does not fit.
 */
size_t tip_test_ike_add_cookie(const uint8_t *req, size_t len, const uint8_t *cookie,
                               size_t clen, uint8_t *out, size_t cap);

/**
 * A forged IKE_SA_INIT response to request @p req that carries only one
 * notify of @p type (data @p data), as an attacker who saw the request
 * would send it. Returns its length in @p out.
 */
size_t tip_test_ike_init_notify(const uint8_t *req, size_t len, uint16_t type,
                                const uint8_t *data, size_t dlen, uint8_t *out, size_t cap);

/**
 * The data of the first notify of @p type in unprotected message @p msg
 * (at most @p cap bytes into @p data). Returns its length, or -1 if the
 * message has no such notify.
 */
int tip_test_ike_notify(const uint8_t *msg, size_t len, uint16_t type, uint8_t *data, size_t cap);

/** 1 when unprotected message @p msg carries a payload of @p type (e.g. 33, SA). */
int tip_test_ike_has_payload(const uint8_t *msg, size_t len, uint8_t type);

#endif /* TIP_TEST_IKE_H */
