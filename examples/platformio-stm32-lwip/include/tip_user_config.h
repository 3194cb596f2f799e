/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tinyipsec configuration of the example firmware (TIP_USER_CONFIG_FILE):
 * an embedded device with one connection to its gateway.
 */
#ifndef APP_TIP_USER_CONFIG_H
#define APP_TIP_USER_CONFIG_H

#define TIP_MAX_IKE_CONN 2  /* the gateway; the measurement run uses both */
#define TIP_MAX_IKE_SA 2    /* one, and its replacement during a rekey */
#define TIP_MAX_SA 8        /* 4 CHILD SA pairs */
#define TIP_MAX_POLICIES 8
#define TIP_REPLAY_WINDOW 128
#define TIP_CONF_IPV6 0
#define TIP_CONF_SETKEY 0

#endif
