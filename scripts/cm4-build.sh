#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Cortex-M4 cross build of tinyipsec (arm-none-eabi-gcc, Thumb-2, -Os):
#   - every src/**/*.c into build/cm4/libtinyipsec.a (TIP_CONF_SETKEY is off on __arm__)
#   - arm-none-eabi-size -t of the archive
#   - sizeof(tip_ctx_t) for the default configuration
#
# Mbed TLS headers: a Cortex-M4 libmbedcrypto 3.6 (minimal IPsec/IKEv2 config,
# scripts/cm4/mbedtls_cm4_config.h) is built once into the cache next to the
# host 3.6 build, and tinyipsec is compiled against the same config so the two
# agree. If that build fails (or TIP_CM4_MBEDTLS=host), the host 3.6 prefix's
# headers from scripts/mbedtls36.sh are used instead.
#
# --mbedtls-prefix: only build (or find) the Cortex-M4 libmbedcrypto and print
# its prefix (scripts/size.sh uses it).
# --mbedtls-cert-prefix: the same with X.509 for certificate authentication
# (libmbedcrypto.a and libmbedx509.a, scripts/cm4/mbedtls_cm4_cert_config.h).
# --mbedtls4-prefix: the same for the Cortex-M4 TF-PSA-Crypto 1.0 (Mbed TLS 4.0)
# of the PSA backend (scripts/cm4/mbedtls4-cm4.sh,
# scripts/cm4/tf_psa_crypto_cm4_config.h).
#
# Environment: TIP_CACHE_DIR, TIP_JOBS (2), TIP_CM4_MBEDTLS (cm4|host), CM4_FLOAT (soft).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/cm4
JOBS=${TIP_JOBS:-2}
CACHE_ROOT=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}
CROSS=${CROSS:-arm-none-eabi-}
ARCH_FLAGS=(-mcpu=cortex-m4 -mthumb "-mfloat-abi=${CM4_FLOAT:-soft}")
CFLAGS=(-std=c99 -Os "${ARCH_FLAGS[@]}" -ffunction-sections -fdata-sections -Wall -Wextra -Wundef -Werror)

log() { printf 'cm4: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v "${CROSS}gcc" >/dev/null || die "${CROSS}gcc not found (scripts/deps.sh --ci)"

if [ "${1:-}" = --mbedtls4-prefix ]; then
    exec scripts/cm4/mbedtls4-cm4.sh
fi

# ---- Mbed TLS 3.6 headers ------------------------------------------------------
HOST_PREFIX=$(scripts/mbedtls36.sh | tail -n1)
[ -f "$HOST_PREFIX/include/mbedtls/version.h" ] || die "scripts/mbedtls36.sh gave no prefix"
MBED_SRC=$(dirname "$HOST_PREFIX")/dl/src

# build_cm4_mbedcrypto [cert]: prints the prefix of a Cortex-M4 libmbedcrypto.a
# (built once, cached); with "cert", Mbed TLS with X.509 (libmbedx509.a too,
# scripts/cm4/mbedtls_cm4_cert_config.h).
build_cm4_mbedcrypto() {
    local pfx=$CACHE_ROOT/mbedtls-3.6-cm4-${CM4_FLOAT:-soft} cfg=mbedtls_cm4_config.h
    local files=(mbedtls_cm4_config.h) targets=mbedcrypto f t same=1
    if [ "${1:-}" = cert ]; then
        pfx=$pfx-cert
        cfg=mbedtls_cm4_cert_config.h
        files=(mbedtls_cm4_cert_config.h mbedtls_cm4_config.h)
        targets="mbedcrypto mbedx509"
    fi
    for f in "${files[@]}"; do
        cmp -s "$ROOT/scripts/cm4/$f" "$pfx/include/$f" || same=0
    done
    for t in $targets; do
        [ -f "$pfx/lib/lib$t.a" ] || same=0
    done
    if [ "$same" = 1 ]; then
        echo "$pfx"
        return 0
    fi
    [ -f "$MBED_SRC/CMakeLists.txt" ] || { log "no Mbed TLS source at $MBED_SRC"; return 1; }
    local b=$pfx.build t0
    t0=$(date +%s)
    rm -rf "$b" "$pfx"
    mkdir -p "$b"
    cat >"$b/arm-cm4.cmake" <<TC
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER ${CROSS}gcc)
set(CMAKE_AR ${CROSS}ar)
set(CMAKE_RANLIB ${CROSS}ranlib)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "${ARCH_FLAGS[*]} -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os")
TC
    log "building a Cortex-M4 Mbed TLS ($targets; config scripts/cm4/$cfg)"
    # shellcheck disable=SC2086
    timeout 300 cmake -S "$MBED_SRC" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$b/arm-cm4.cmake" \
        -DCMAKE_BUILD_TYPE=MinSizeRel -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
        -DMBEDTLS_FATAL_WARNINGS=OFF -DMBEDTLS_CONFIG_FILE="$ROOT/scripts/cm4/$cfg" >"$b/log.txt" 2>&1 &&
        timeout 600 cmake --build "$b" -j"$JOBS" --target $targets >>"$b/log.txt" 2>&1 ||
        { log "Cortex-M4 Mbed TLS build failed; see $b/log.txt"; return 1; }
    mkdir -p "$pfx/lib" "$pfx/include"
    cp -r "$MBED_SRC/include/mbedtls" "$MBED_SRC/include/psa" "$pfx/include/"
    for f in "${files[@]}"; do cp "$ROOT/scripts/cm4/$f" "$pfx/include/"; done
    for t in $targets; do
        cp "$(find "$b" -name "lib$t.a" -print -quit)" "$pfx/lib/"
    done
    rm -rf "$b"
    log "Cortex-M4 Mbed TLS built in $(($(date +%s) - t0)) s"
    echo "$pfx"
}

if [ "${1:-}" = --mbedtls-cert-prefix ]; then
    build_cm4_mbedcrypto cert
    exit
fi
if [ "${1:-}" = --mbedtls-prefix ]; then
    build_cm4_mbedcrypto
    exit
fi

MBED_CFLAGS=()
if [ "${TIP_CM4_MBEDTLS:-cm4}" = cm4 ] && CM4_PREFIX=$(build_cm4_mbedcrypto); then
    MBED_CFLAGS=(-I"$CM4_PREFIX/include" "-DMBEDTLS_CONFIG_FILE=\"mbedtls_cm4_config.h\"")
    MBED_DESC="Cortex-M4 Mbed TLS 3.6 ($CM4_PREFIX, config mbedtls_cm4_config.h)"
else
    CM4_PREFIX=
    MBED_CFLAGS=(-I"$HOST_PREFIX/include")
    MBED_DESC="host Mbed TLS 3.6 headers ($HOST_PREFIX)"
fi
log "Mbed TLS: $MBED_DESC"

# ---- compile src/**/*.c ------------------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT/obj"
mapfile -t SRCS < <(find src -name '*.c' | sort)
[ "${#SRCS[@]}" -gt 0 ] || die "no sources under src/"
INC=(-Iinclude -Isrc "${MBED_CFLAGS[@]}")
printf '%s\0' "${SRCS[@]}" | xargs -0 -P "$JOBS" -I{} sh -c '
    src=$1; shift
    obj=build/cm4/obj/$(echo "${src#src/}" | tr / _ | sed "s/\.c\$/.o/")
    "$@" -c "$src" -o "$obj" || { echo "cm4: FAILED: $src" >&2; exit 255; }
' sh {} "${CROSS}gcc" "${CFLAGS[@]}" "${INC[@]}" || die "compile failed"

rm -f "$OUT/libtinyipsec.a"
"${CROSS}ar" rcs "$OUT/libtinyipsec.a" "$OUT"/obj/*.o
echo "== build/cm4/libtinyipsec.a (${#SRCS[@]} files; ${CROSS}gcc $("${CROSS}gcc" -dumpversion) ${CFLAGS[*]})"
"${CROSS}size" -t "$OUT/libtinyipsec.a"
if [ -n "$CM4_PREFIX" ]; then
    echo "== Mbed TLS 3.6 libmbedcrypto.a for Cortex-M4 (scripts/cm4/mbedtls_cm4_config.h)"
    "${CROSS}size" -t "$CM4_PREFIX/lib/libmbedcrypto.a" | tail -n1
fi

# ---- sizeof(tip_ctx_t) -----------------------------------------------------------------
cat >"$OUT/size_probe.c" <<'PROBE'
#include "tinyipsec/tinyipsec.h"
tip_ctx_t tip_size_probe_ctx;
PROBE
probe_size() { # label, extra cflags...
    local label=$1 hex; shift
    "${CROSS}gcc" "${CFLAGS[@]}" "$@" -fno-common "${INC[@]}" -c "$OUT/size_probe.c" -o "$OUT/size_probe.o"
    hex=$("${CROSS}nm" -S --size-sort "$OUT/size_probe.o" | awk '$4 == "tip_size_probe_ctx" {print $2}')
    [ -n "$hex" ] || die "could not read the size of tip_size_probe_ctx"
    echo "sizeof(tip_ctx_t) = $((16#$hex)) bytes (Cortex-M4, $label)"
}
probe_size "default config"
probe_size "default config, IKEv2 off (static-key ESP)" -DTIP_CONF_IKEV2=0
probe_size "small gateway, test/config/small.h: 4 SAs, 4 policies, 2 IKE SAs, 1 connection, IPv4 only, AES-GCM only" \
    "-DTIP_USER_CONFIG_FILE=\"$ROOT/test/config/small.h\""
