#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: scripts/check-no-malloc.sh path/to/libtinyipsec.a [more.a ...]
#
# No malloc/free under src/ (the caller owns all state). Lists the undefined symbols of every
# object in the archive(s) and fails if any refers to the C library's heap.
# Mbed TLS's own allocations (mbedtls_calloc/mbedtls_free) are outside the
# archive; the alloc tests count them per packet instead.
# NM=arm-none-eabi-nm works for cross archives (host nm usually does too).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 LIB.a [LIB.a ...]" >&2; exit 2; }
NM=${NM:-nm}
HEAP_RE='^(malloc|calloc|realloc|free|reallocarray|aligned_alloc|posix_memalign|memalign|valloc|pvalloc|strdup|strndup)$'

bad=0
for lib in "$@"; do
    [ -f "$lib" ] || { echo "check-no-malloc: no such archive: $lib" >&2; exit 2; }
    nobj=$("${AR:-ar}" t "$lib" | grep -c "\.o$" || true)
    # nm -u -A prints "lib.a:member.o:                 U symbol"
    hits=$("${NM}" -u -A "$lib" | awk -v re="$HEAP_RE" '{ sym = $NF; if (sym ~ re) print }') || true
    if [ -n "$hits" ]; then
        echo "check-no-malloc: FAIL: $lib calls the heap (the caller owns all state):"
        echo "$hits" | awk '{ split($1, p, ":"); printf "  %-28s -> %s\n", p[2], $NF }'
        bad=1
    else
        echo "check-no-malloc: OK: $lib ($nobj objects) references none of malloc/calloc/realloc/free"
    fi
done
exit "$bad"
