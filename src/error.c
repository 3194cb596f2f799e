/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Strings for error codes and drop reasons, generated from the same X-macro
 * lists as the enums.
 */
#include "tinyipsec/config.h" /* TIP_CONF_STRINGS */
#include "tinyipsec/error.h"

const char *tip_strerror(int err)
{
#if TIP_CONF_STRINGS
    switch (err) {
#define TIP_X_CASE(name, value, text) \
    case value:                       \
        return text;
        TIP_ERROR_LIST(TIP_X_CASE)
#undef TIP_X_CASE
    default:
        break;
    }
    return "unknown error";
#else
    (void)err;
    return "";
#endif
}

const char *tip_drop_name(tip_drop_t reason)
{
#if TIP_CONF_STRINGS
    static const char *const names[TIP_DROP_COUNT] = {
#define TIP_X_NAME(name, text) text,
        TIP_DROP_LIST(TIP_X_NAME)
#undef TIP_X_NAME
    };
    if ((unsigned)reason < (unsigned)TIP_DROP_COUNT)
        return names[reason];
    return "unknown";
#else
    (void)reason;
    return "";
#endif
}
