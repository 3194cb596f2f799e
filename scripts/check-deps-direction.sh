#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Check the include graph against the layers of docs/architecture.md:
#   1. src/ includes only tinyipsec/*.h, its own headers (src/**), and the C
#      library headers in C_HEADERS below. Only the two crypto backends,
#      src/crypto_mbedtls.c / crypto_mbedtls_*.c (classic) and
#      src/crypto_psa.c / crypto_psa_*.c (PSA Crypto), may include mbedtls/*
#      (and psa/*, everest/*).
#   2. The data path (src/ outside src/ike/) never includes src/ike/ headers,
#      so a build without IKEv2 is a working static-key ESP library.
#   3. port/ and examples/ never include src/ internal headers (only the
#      public include/tinyipsec/*.h and their own files).
#   4. Every src/**/*.c is in a directory the Makefile's TIP_SRCS and
#      library.json's srcFilter take (one list of sources, three build systems).
# Run from anywhere; exits 1 with one line per violation.
set -euo pipefail
cd "$(dirname "$0")/.."

# C library headers the core may use (no OS, no stdio, no stdlib: sans-I/O, no malloc).
C_HEADERS="stdint.h stddef.h string.h limits.h"
# The crypto seam: src/crypto_mbedtls*.c and src/crypto_psa*.c, nothing else
# (in particular no header, nothing under src/ike/ or src/conf/).
CRYPTO_SEAM="src/crypto_mbedtls*.c and src/crypto_psa*.c"
is_crypto_seam() {
    case "$1" in
    src/crypto_mbedtls.c | src/crypto_mbedtls_*.c | src/crypto_psa.c | src/crypto_psa_*.c)
        [[ "$1" != */*/* ]] ;;
    *) return 1 ;;
    esac
}

fail=0
nviol=0
violation() { # file:line, include, reason
    printf '  %s: #include %s -- %s\n' "$1" "$2" "$3"
    fail=1
    nviol=$((nviol + 1))
}

q() { if [ "$1" = "<" ]; then echo "<$2>"; else echo "\"$2\""; fi; }

# Print "file:line:target:delim" for every #include in the given files.
includes() {
    [ $# -gt 0 ] || return 0
    grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$@" |
        sed -E 's/^([^:]+):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*([<"])([^>"]*)[>"].*/\1:\2:\4:\3/'
}

mapfile -t SRC_FILES < <(find src -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
mapfile -t PORT_FILES < <(find port examples -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)

# Resolve a quoted include from file $1 to a path under the repo, or "".
resolve() {
    local from=$1 inc=$2 d
    for d in "$(dirname "$from")" src include; do
        if [ -f "$d/$inc" ]; then
            realpath --relative-to=. "$d/$inc"
            return
        fi
    done
    echo ""
}

# ---- 1 + 2: src/ --------------------------------------------------------------------
echo "check-deps-direction: src/ (${#SRC_FILES[@]} files)"
while IFS=: read -r file line inc delim; do
    [ -n "$file" ] || continue
    where="$file:$line"
    in_ike=0
    case "$file" in src/ike/*) in_ike=1 ;; esac
    case "$inc" in
    tinyipsec/*)
        continue ;;
    mbedtls/* | psa/* | everest/*)
        is_crypto_seam "$file" ||
            violation "$where" "$(q "$delim" "$inc")" "only $CRYPTO_SEAM may include Mbed TLS"
        continue ;;
    esac
    if [ "$delim" = '<' ]; then
        if [[ " $C_HEADERS " == *" $inc "* ]]; then
            continue
        fi
        violation "$where" "<$inc>" "src/ may use only <${C_HEADERS// /> <}> from the C library (docs/architecture.md)"
        continue
    fi
    target=$(resolve "$file" "$inc")
    if [ -z "$target" ]; then
        if [[ " $C_HEADERS " == *" $inc "* ]]; then continue; fi
        violation "$where" "\"$inc\"" "not a header of src/ or include/tinyipsec/"
        continue
    fi
    case "$target" in
    include/tinyipsec/*) ;;
    src/ike/*)
        [ "$in_ike" = 1 ] ||
            violation "$where" "\"$inc\"" "the data path must not include src/ike/" ;;
    src/*) ;;
    *)
        violation "$where" "\"$inc\"" "resolves to $target, outside src/ and include/tinyipsec/" ;;
    esac
done < <(includes "${SRC_FILES[@]}")

# ---- 3: port/ and examples/ -----------------------------------------------------------
echo "check-deps-direction: port/ + examples/ (${#PORT_FILES[@]} files)"
while IFS=: read -r file line inc delim; do
    [ -n "$file" ] || continue
    where="$file:$line"
    case "$inc" in
    tinyipsec/*) continue ;;
    */src/* | src/* | ../*src/*)
        violation "$where" "$(q "$delim" "$inc")" "port/ and examples/ may not include src/ internals"
        continue ;;
    esac
    if [ "$delim" = '"' ] && [ -f "$(dirname "$file")/$inc" ]; then
        # Found next to the including file: fine unless that path leads into src/.
        target=$(realpath --relative-to=. "$(dirname "$file")/$inc")
        case "$target" in
        src/*) violation "$where" "$(q "$delim" "$inc")" "reaches the internal header $target" ;;
        esac
        continue
    fi
    # Otherwise it would be found only through -Isrc.
    if [ -f "src/$inc" ]; then
        violation "$where" "$(q "$delim" "$inc")" "is the internal header src/$inc (use include/tinyipsec/*.h)"
    fi
done < <(includes "${PORT_FILES[@]}")

# ---- 4: one source list -------------------------------------------------------------------
echo "check-deps-direction: source lists (Makefile TIP_SRCS, library.json srcFilter)"
mk_dirs=$(sed -nE 's/^TIP_SRCS[[:space:]]*:?=[[:space:]]*\$\(wildcard (.*)\)[[:space:]]*$/\1/p' Makefile |
          tr ' ' '\n' | sed -nE 's|^(.*)/\*\.c$|\1|p' | sort -u)
pio_dirs=""
if [ -f library.json ]; then
    pio_dirs=$(/usr/bin/python3 - <<'PY'
import json, os
b = json.load(open("library.json")).get("build", {})
src = b.get("srcDir", "src").rstrip("/")
flt = b.get("srcFilter", ["+<*>"])
flt = flt.split() if isinstance(flt, str) else flt
for f in flt:
    if f.startswith("+<") and f.endswith("*.c>"):
        d = f[2:-4].rstrip("/")
        print(os.path.normpath(os.path.join(src, d)))  # srcDir "." + "src" = "src"
PY
)
fi
while IFS= read -r c; do
    [ -n "$c" ] || continue
    d=$(dirname "$c")
    grep -qxF "$d" <<<"$mk_dirs" ||
        { echo "  $c: its directory $d/ is not in the Makefile's TIP_SRCS wildcard"; fail=1; nviol=$((nviol + 1)); }
    if [ -f library.json ]; then
        grep -qxF "$d" <<<"$pio_dirs" ||
            { echo "  $c: its directory $d/ is not in library.json build.srcFilter"; fail=1; nviol=$((nviol + 1)); }
    fi
done < <(find src -name '*.c' | sort)

if [ "$fail" = 1 ]; then
    echo "check-deps-direction: FAIL ($nviol violation(s)); see docs/architecture.md"
    exit 1
fi
echo "check-deps-direction: OK"
