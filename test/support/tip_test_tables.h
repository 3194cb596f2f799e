/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A consistency check of a context's tables, for tests that let callbacks
 * and attackers loose on them: the SPI hash holds exactly the inbound SAs,
 * each SPD list exactly its direction's policies (no loops), and with IKE
 * the handles between connections, IKE SAs and rekey slots point where
 * they should, every message buffer in use has one holder whose handle
 * finds it, and no state change was ever refused as illegal.
 */
#ifndef TIP_TEST_TABLES_H
#define TIP_TEST_TABLES_H

#include <stddef.h>

#include "tinyipsec/tinyipsec.h"

/**
 * Check @p ctx. With @p ike_refs, every SAD and SPD handle an IKE SA keeps
 * for its CHILD SAs must also be valid (leave it 0 when the application
 * deleted entries IKE owns). Returns 0, or -1 with the first problem in
 * @p why (@p n bytes).
 */
int tip_test_tables_check(const tip_ctx_t *ctx, int ike_refs, char *why, size_t n);

#endif /* TIP_TEST_TABLES_H */
