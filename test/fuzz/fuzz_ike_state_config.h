/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Configuration of the library copy fuzz_ike_state links against (see
 * test/fuzz/CMakeLists.txt: a harness with a <name>_config.h gets its own
 * copy built with it as TIP_USER_CONFIG_FILE). Small pools, pinned, so
 * that exhaustion, cookies and slot reuse are a few operations away
 * whatever the defaults in include/tinyipsec/config.h become.
 */
#ifndef FUZZ_IKE_STATE_CONFIG_H
#define FUZZ_IKE_STATE_CONFIG_H

#define TIP_MAX_IKE_CONN 4          /* gateway: peer A, peer B, road warriors */
#define TIP_MAX_IKE_SA 4            /* two established peers + two more */
#define TIP_IKE_COOKIE_THRESHOLD 2  /* cookies from the third half-open SA on */
#define TIP_IKE_HALF_OPEN_PER_SRC 1 /* one half-open SA per source address */
#define TIP_IKE_REKEY_RESERVE 1     /* half-open SAs leave one slot for a rekey */
#define TIP_MAX_SA 16
#define TIP_MAX_POLICIES 16
#define TIP_KEYLOG 0

#endif /* FUZZ_IKE_STATE_CONFIG_H */
