/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * The smallest sensible IKEv2 device: the embedded default
 * (config_embedded.h) as an initiator only, with one CHILD SA, without IKE
 * SA rekeying and without MOBIKE. Build with
 *
 *     -DTIP_USER_CONFIG_FILE='"tinyipsec/config_minimal.h"'
 *
 * What such a device gives up (docs/footprint.md): answering IKE_SA_INIT
 * (it only initiates); a second CHILD SA under the IKE SA (one pair of
 * selectors, the one from IKE_AUTH, rekeyed as usual); IKE SA rekeying: at
 * the IKE SA's rekey time it reauthenticates (RFC 7296 2.8.3: the IKE SA
 * and its CHILD SA are deleted and set up again from scratch, a gap in the
 * traffic of about two round trips), and refuses a peer's IKE SA rekey;
 * MOBIKE: when its address changes it sets up a new IKE SA. `make size`
 * measures it as image (e).
 */
#ifndef TINYIPSEC_CONFIG_MINIMAL_H
#define TINYIPSEC_CONFIG_MINIMAL_H

#include "tinyipsec/config_embedded.h"

/** @cond CONFIG_VALUES (every option is documented in config.h) */

#define TIP_CONF_IKE_RESPONDER 0
#define TIP_CONF_IKE_REKEY_IKE 0
#undef TIP_CONF_IKE_MOBIKE
#define TIP_CONF_IKE_MOBIKE 0
#undef TIP_IKE_CHILD_MAX
#define TIP_IKE_CHILD_MAX 1

/** @endcond */

#endif /* TINYIPSEC_CONFIG_MINIMAL_H */
