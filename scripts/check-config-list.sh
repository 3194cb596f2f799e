#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Every option of include/tinyipsec/config.h (an "#ifndef TIP_X" default)
# must be in TIP_CONFIG_LIST (include/tinyipsec/config_fingerprint.h), so
# that TIP_CONFIG_FINGERPRINT covers it and tip_ctx_init() notices when the
# library and the application disagree about it. Exit 1 and name the
# options that are missing (or listed but no longer in config.h).
#
# Hooks are not options: a default defined as a function-like macro
# ("#define TIP_ASSERT_CORE_LOCKED(ctx) ...") is code the library runs, has
# no value, and only the library's own definition matters; hooks must not
# be in the list.
set -euo pipefail

cd "$(dirname "$0")/.."
cfg=include/tinyipsec/config.h
fp=include/tinyipsec/config_fingerprint.h

defaults=$(sed -n 's/^[[:space:]]*#[[:space:]]*ifndef[[:space:]]\{1,\}\(TIP_[A-Z0-9_]*\)[[:space:]]*$/\1/p' "$cfg" | sort -u)
hooks=$(sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\(TIP_[A-Z0-9_]*\)(.*$/\1/p' "$cfg" | sort -u)
options=$(comm -23 <(echo "$defaults") <(echo "$hooks"))
listed=$(sed -n 's/^[[:space:]]*X(\(TIP_[A-Z0-9_]*\))[[:space:]\\]*$/\1/p' "$fp" | sort -u)

[ -n "$options" ] || { echo "check-config-list: no options found in $cfg" >&2; exit 1; }
missing=$(comm -23 <(echo "$options") <(echo "$listed"))
stale=$(comm -13 <(echo "$options") <(echo "$listed"))
rc=0
for o in $(comm -12 <(echo "$hooks") <(echo "$listed")); do
    echo "check-config-list: $o is a hook (a function-like macro), not an option: remove it from TIP_CONFIG_LIST" >&2
    rc=1
done
for o in $missing; do
    echo "check-config-list: $o (in $cfg) is missing from TIP_CONFIG_LIST in $fp" >&2
    rc=1
done
for o in $stale; do
    echo "check-config-list: $o is in TIP_CONFIG_LIST but not an option of $cfg" >&2
    rc=1
done
[ "$rc" = 0 ] && echo "check-config-list: all $(echo "$options" | wc -l) options of $cfg are in TIP_CONFIG_LIST"
exit "$rc"
