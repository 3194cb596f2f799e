/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: certificate authentication (the "cert", "ca" and "key"
 * keys of the configuration file). The files are read once, into memory
 * that lives as long as the program, and the private key is used through
 * the library's ready signer (an Mbed TLS key, or a PSA key with the PSA
 * crypto backend).
 */
#ifndef GW_CERT_H
#define GW_CERT_H

#include <stddef.h>

#include "tinyipsec/tinyipsec.h"

/** Most bytes of one certificate or key file. */
#define GW_CERT_FILE_MAX 8192

/**
 * Load our certificate chain (@p certs: comma-separated DER files, end
 * entity first), the trust anchors (@p cas, likewise) and our private key
 * (@p key, DER or PEM) into @p c (auth = TIP_AUTH_CERT, cert, ca, sign).
 * Returns 0, or -1 with the reason in @p err.
 */
int gw_cert_load(tip_ike_conn_t *c, const char *certs, const char *cas, const char *key,
                 char *err, size_t err_len);

#endif /* GW_CERT_H */
