#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Cortex-M4 build of TF-PSA-Crypto 1.0 (the crypto library of Mbed TLS 4.0)
# for tinyipsec's PSA backend, with the minimal IPsec/IKEv2 configuration
# scripts/cm4/tf_psa_crypto_cm4_config.h, cached like the Cortex-M4 Mbed TLS
# 3.6 of scripts/cm4-build.sh:
#
#   ${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/tf-psa-crypto-1.0-cm4-<float>/
#       lib/libtfpsacrypto.a, include/{psa,mbedtls,tf-psa-crypto}/,
#       include/tf_psa_crypto_cm4_config.h
#
# The last (only) line on stdout is that prefix. Compile code that includes
# PSA headers with -I<prefix>/include
# -DTF_PSA_CRYPTO_CONFIG_FILE='"tf_psa_crypto_cm4_config.h"' so it sees the
# same configuration as the library. The cache is rebuilt when the
# configuration file changes. Only the crypto library is built (TF-PSA-Crypto
# stands alone; tinyipsec needs nothing of Mbed TLS's TLS and X.509 parts).
#
# Sources, first found:
#   TIP_MBEDTLS4_SRC      an unpacked Mbed TLS 4.x tree (with tf-psa-crypto/)
#                         or TF-PSA-Crypto 1.x tree of your own
#   TIP_MBEDTLS4_VENDOR   a directory holding mbedtls-4.0.0-tf-psa-crypto-1.0.0-src.tar.xz
#                         (default: the directory of TIP_MBEDTLS40_TARBALL if set,
#                         else ../shared/vendor beside the repository or its
#                         main checkout, as scripts/mbedtls40.sh finds it)
#
# Environment: TIP_CACHE_DIR, TIP_JOBS (2), CROSS (arm-none-eabi-), CM4_FLOAT
# (soft; hard = Cortex-M4F with fpv4-sp-d16, for scripts/cm4/target-tests.sh
# TIP_TARGET_CRYPTO=psa), TIP_CM4_PSA_CONFIG (another configuration file, cached separately;
# it may include tf_psa_crypto_cm4_config.h, as tf_psa_crypto_cm4_gcm_config.h
# does). Building needs python3 with jinja2 and jsonschema: TF-PSA-Crypto
# generates its driver dispatch code (core/psa_crypto_driver_wrappers.h).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
JOBS=${TIP_JOBS:-2}
CROSS=${CROSS:-arm-none-eabi-}
FLOAT=${CM4_FLOAT:-soft}
# hard: the Cortex-M4F flags of the on-target tests (scripts/cm4/target-libs.sh)
FPU=
[ "$FLOAT" = soft ] || FPU=" -mfpu=fpv4-sp-d16"
CACHE_ROOT=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}
CFG=${TIP_CM4_PSA_CONFIG:-$ROOT/scripts/cm4/tf_psa_crypto_cm4_config.h}
TARBALL=mbedtls-4.0.0-tf-psa-crypto-1.0.0-src.tar.xz
TARBALL_SHA256=1b3f7bddb7c2e8692d7758ee0dc23fe31c008a02182d654a3e2a771d1406ea9a

log() { printf 'mbedtls4-cm4: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v "${CROSS}gcc" >/dev/null || die "${CROSS}gcc not found (scripts/deps.sh --ci)"
[ -f "$CFG" ] || die "no configuration file $CFG"
CFG_NAME=$(basename "$CFG")
BASE_CFG=$ROOT/scripts/cm4/tf_psa_crypto_cm4_config.h
if [ -n "${TIP_CM4_PSA_CONFIG:-}" ]; then
    PFX=$CACHE_ROOT/tf-psa-crypto-1.0-cm4-$FLOAT-${CFG_NAME%.h}
else
    PFX=$CACHE_ROOT/tf-psa-crypto-1.0-cm4-$FLOAT
fi

cached() {
    [ -f "$PFX/lib/libtfpsacrypto.a" ] && cmp -s "$CFG" "$PFX/include/$CFG_NAME" &&
        cmp -s "$BASE_CFG" "$PFX/include/$(basename "$BASE_CFG")"
}
if cached; then
    echo "$PFX"
    exit 0
fi

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.tf-psa-crypto-cm4.lock"
if command -v flock >/dev/null 2>&1; then
    flock -w 900 9 || die "could not lock $CACHE_ROOT/.tf-psa-crypto-cm4.lock"
fi
# Another run may have built it while we waited.
if cached; then
    echo "$PFX"
    exit 0
fi

# ---- sources -----------------------------------------------------------------
WORK=$PFX.build
rm -rf "$WORK" "$PFX"
mkdir -p "$WORK"
if [ -n "${TIP_MBEDTLS4_SRC:-}" ]; then
    SRC=$TIP_MBEDTLS4_SRC
    [ -f "$SRC/tf-psa-crypto/CMakeLists.txt" ] && SRC=$SRC/tf-psa-crypto
    [ -f "$SRC/include/psa/crypto.h" ] && [ -d "$SRC/drivers/builtin" ] ||
        die "TIP_MBEDTLS4_SRC=$TIP_MBEDTLS4_SRC is not an Mbed TLS 4 or TF-PSA-Crypto 1 tree"
else
    VENDOR=${TIP_MBEDTLS4_VENDOR:-}
    if [ -z "$VENDOR" ] && [ -n "${TIP_MBEDTLS40_TARBALL:-}" ]; then
        VENDOR=$(cd "$(dirname "$TIP_MBEDTLS40_TARBALL")" && pwd)
    fi
    if [ -z "$VENDOR" ]; then
        # ../shared/vendor beside the repository (for a git worktree: beside
        # its main checkout), as scripts/mbedtls40.sh looks for it
        common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
        for d in "$ROOT/.." ${common:+"$common/../.."}; do
            [ -f "$d/shared/vendor/$TARBALL" ] && { VENDOR=$(cd "$d/shared/vendor" && pwd); break; }
        done
    fi
    [ -n "$VENDOR" ] && [ -f "$VENDOR/$TARBALL" ] ||
        die "no $TARBALL in ../shared/vendor (set TIP_MBEDTLS4_VENDOR, TIP_MBEDTLS40_TARBALL or TIP_MBEDTLS4_SRC)"
    echo "$TARBALL_SHA256  $VENDOR/$TARBALL" | sha256sum -c --quiet - >&2 ||
        die "$VENDOR/$TARBALL does not have the expected sha256"
    log "unpacking $TARBALL"
    timeout 300 tar -xJf "$VENDOR/$TARBALL" -C "$WORK" mbedtls-4.0.0/tf-psa-crypto ||
        die "could not unpack $VENDOR/$TARBALL"
    SRC=$WORK/mbedtls-4.0.0/tf-psa-crypto
fi

# ---- build ---------------------------------------------------------------------
T0=$(date +%s)
B=$WORK/build
mkdir -p "$B"
cat >"$WORK/arm-cm4.cmake" <<TC
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER ${CROSS}gcc)
set(CMAKE_AR ${CROSS}ar)
set(CMAKE_RANLIB ${CROSS}ranlib)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -mfloat-abi=$FLOAT$FPU -ffunction-sections -fdata-sections -I$(dirname "$BASE_CFG")")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os")
TC
log "building a Cortex-M4 libtfpsacrypto ($CFG_NAME)"
timeout 300 cmake -S "$SRC" -B "$B" -DCMAKE_TOOLCHAIN_FILE="$WORK/arm-cm4.cmake" \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
    -DTF_PSA_CRYPTO_FATAL_WARNINGS=OFF -DTF_PSA_CRYPTO_CONFIG_FILE="$CFG" \
    -DCMAKE_INSTALL_PREFIX="$PFX" >"$WORK/log.txt" 2>&1 &&
    timeout 600 cmake --build "$B" -j"$JOBS" >>"$WORK/log.txt" 2>&1 &&
    timeout 120 cmake --install "$B" >>"$WORK/log.txt" 2>&1 ||
    { tail -n 30 "$WORK/log.txt" >&2; die "Cortex-M4 TF-PSA-Crypto build failed; see $WORK/log.txt"; }
cp "$BASE_CFG" "$PFX/include/"
cp "$CFG" "$PFX/include/$CFG_NAME"
rm -rf "$WORK"
log "Cortex-M4 libtfpsacrypto built in $(($(date +%s) - T0)) s: $PFX"
echo "$PFX"
