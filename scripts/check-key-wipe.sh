#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Key material is wiped with tip_crypto_zeroize() (src/crypto.h), never with
# a plain memset(): a store to a buffer that dies right after is dead, and
# the optimiser removes it (it does at -O2 and -Os). This check finds
# memset / bzero / explicit_bzero calls in C files whose first argument
# names key material.
#
#   scripts/check-key-wipe.sh            src/ and port/
#   scripts/check-key-wipe.sh DIR|FILE   those instead
#
# The heuristic: the first argument (the text up to the first ',' or ')' on
# the line of the call) contains, in any case, one of
#     key psk secret sk_ skeyseed nonce keymat salt priv g_ir ikm shared
# which covers keys (encr_key, ekey, SK_d as sk_d), pre-shared keys, DH
# secrets and private values, SKEYSEED, KEYMAT, nonces and salts.
#
# A call that matches but is not a wipe (it writes zeros that stay, such as
# the leading bytes of a left-padded output) is marked on the same line:
#     memset(secret, 0, pad); /* tip-wipe-ok: left-pads the output */
# The reason after "tip-wipe-ok:" is required.
#
# Limits: only the line the call starts on is read; and a whole structure
# that holds keys (an SA slot, a context) has a name the heuristic does not
# know. Wipe those with tip_crypto_zeroize() too; review checks them.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
    set -- src port
fi

CALL='\b(memset|bzero|explicit_bzero)[[:space:]]*\('
NAMES='(key|psk|secret|sk_|skeyseed|nonce|keymat|salt|priv|g_ir|ikm|shared)'

fail=0
n=0
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    text=${rest#*:}
    # The first argument: from the call's '(' to the first ',' or ')'.
    arg=$(sed -E "s/.*$CALL([^,)]*).*/\\2/" <<<"$text")
    grep -qiE "$NAMES" <<<"$arg" || continue
    if grep -qE 'tip-wipe-ok:[[:space:]]*[^[:space:]*]' <<<"$text"; then
        continue
    fi
    printf '  %s:%s: %s\n' "$file" "$line" "$(sed -E 's/^[[:space:]]+//' <<<"$text")"
    fail=1
    n=$((n + 1))
done < <(grep -rnE --include='*.c' --include='*.h' "$CALL" "$@" || true)

if [ "$fail" = 1 ]; then
    echo "check-key-wipe: FAIL ($n call(s)): wipe key material with tip_crypto_zeroize()," \
         "or mark a call that is not a wipe with /* tip-wipe-ok: <why> */"
    exit 1
fi
echo "check-key-wipe: OK (no plain memset/bzero on key material in $*)"
