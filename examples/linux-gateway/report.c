/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: texts for the log (see report.h).
 */
#include "report.h"

#include <stdio.h>

const char *gw_reason_text(int reason, char *buf, size_t len)
{
    static const struct {
        int type;
        const char *name;
    } notify[] = {
        /* RFC 7296 3.10.1 */
        {1, "UNSUPPORTED_CRITICAL_PAYLOAD"}, {4, "INVALID_IKE_SPI"},
        {5, "INVALID_MAJOR_VERSION"},        {7, "INVALID_SYNTAX"},
        {9, "INVALID_MESSAGE_ID"},           {11, "INVALID_SPI"},
        {14, "NO_PROPOSAL_CHOSEN"},          {17, "INVALID_KE_PAYLOAD"},
        {24, "AUTHENTICATION_FAILED"},       {34, "SINGLE_PAIR_REQUIRED"},
        {35, "NO_ADDITIONAL_SAS"},           {36, "INTERNAL_ADDRESS_FAILURE"},
        {37, "FAILED_CP_REQUIRED"},          {38, "TS_UNACCEPTABLE"},
        {39, "INVALID_SELECTORS"},           {43, "TEMPORARY_FAILURE"},
        {44, "CHILD_SA_NOT_FOUND"},
    };
    size_t i;

    if (reason == 0)
        return "no error";
    if (reason < 0)
        return tip_strerror(reason);
    for (i = 0; i < sizeof(notify) / sizeof(notify[0]); i++)
        if (notify[i].type == reason)
            break;
    snprintf(buf, len, "peer sent %s (%d)",
             i < sizeof(notify) / sizeof(notify[0]) ? notify[i].name : "notify", reason);
    return buf;
}

char *gw_ike_drop_text(int err, const tip_addr_t *src, uint16_t sport, size_t len, char *out,
                       size_t out_len)
{
    char from[64];

    tip_addr_format(src, from, sizeof(from));
    if (err == TIP_ERR_TOO_LARGE)
        snprintf(out, out_len,
                 "IKE message from %s:%u dropped: too large, %lu bytes (this build takes at "
                 "most TIP_IKE_MSG_MAX = %u)",
                 from, (unsigned)sport, (unsigned long)len, (unsigned)TIP_IKE_MSG_MAX);
    else
        snprintf(out, out_len, "IKE message from %s:%u dropped (%lu bytes): %s (%d)", from,
                 (unsigned)sport, (unsigned long)len, tip_strerror(err), err);
    return out;
}
