#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Every public function that takes a context (a tip_ctx_t or struct tip_ctx
# parameter in include/tinyipsec/*.h) is walked by test_core_lock.c, which
# checks that it calls TIP_ASSERT_CORE_LOCKED: a new entry point without the
# check, or without a line in the walk, fails here. Exit 1 and name the
# functions the walk misses.
set -euo pipefail

cd "$(dirname "$0")/../.."
walk=test/config/test_core_lock.c

# The declarations at file scope (comments, preprocessor lines and struct
# bodies removed), one per line; those with a context parameter; their names.
api=$(for h in include/tinyipsec/*.h; do
          perl -0777 -pe 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g; s{^\s*#[^\n]*(\\\n[^\n]*)*}{}gm' "$h"
      done | awk '
{ buf = buf " " $0 }
END {
    n = length(buf); depth = 0; stmt = ""
    for (i = 1; i <= n; i++) {
        ch = substr(buf, i, 1)
        if (ch == "{") { depth++; stmt = ""; continue }
        if (ch == "}") { depth--; continue }
        if (depth > 0) continue
        if (ch == ";") { print stmt; stmt = ""; continue }
        stmt = stmt ch
    }
}' | grep -v '^[[:space:]]*typedef' | grep '(' | grep -E 'tip_ctx_t|struct tip_ctx' |
      sed -E 's/^[^(]*[^a-zA-Z0-9_]([a-zA-Z0-9_]+)[[:space:]]*\(.*/\1/' | sort -u)

[ -n "$api" ] || { echo "core-lock-coverage: no public functions found" >&2; exit 1; }
rc=0
for f in $api; do
    if ! grep -q "WALK($f," "$walk"; then
        echo "core-lock-coverage: $f takes a context but $walk does not walk it" >&2
        rc=1
    fi
done
[ "$rc" = 0 ] && echo "core-lock-coverage: all $(echo "$api" | wc -l) public functions that take a context are walked"
exit "$rc"
