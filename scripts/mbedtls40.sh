#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Build Mbed TLS 4.0.0 (with TF-PSA-Crypto 1.0.0, its crypto library) once,
# offline, from the vendored source tarball, and cache the install prefix
# outside the repo, beside the Mbed TLS 3.6 build of scripts/mbedtls36.sh:
#
#   ${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/mbedtls-4.0.0/prefix
#
# Progress goes to stderr; the last (only) line on stdout is the prefix, so
#   ROOT=$(scripts/mbedtls40.sh | tail -n1)
# works. A second run reuses the cache and takes milliseconds.
#
# The tarball (mbedtls-4.0.0-tf-psa-crypto-1.0.0-src.tar.xz, which unpacks to
# mbedtls-4.0.0/ with tf-psa-crypto/ and framework/ filled in) is taken from
# TIP_MBEDTLS40_TARBALL, else from ../shared/vendor/ beside the repository
# (or beside the main checkout of a git worktree). Needs cmake, a C compiler
# and xz (scripts/deps.sh installs them); no network.
#
# Configuration: TF-PSA-Crypto's default crypto_config.h (every PSA_WANT_*
# tinyipsec uses is on by default: AES-GCM, ChaCha20-Poly1305, AES-CBC and
# ECB without padding, HMAC with SHA-256/384/512, SHA-1, ECDH on secp256r1,
# secp384r1 and Curve25519; the script checks they stayed on) plus one change,
# made in the installed header itself so the library and every consumer see
# the same configuration:
#
#   MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS  PSA functions use the caller's
#       buffers directly instead of copying them to the heap first (a copy
#       that protects against memory shared with an untrusted party, which
#       tinyipsec's buffers are not). Without it every psa_aead_* /
#       psa_cipher_* / psa_mac_* call allocates, and the ESP path would not
#       be free of heap calls (test/alloc checks it).
#
# The key store stays dynamic (MBEDTLS_PSA_KEY_STORE_DYNAMIC, the default):
# a host build allocates key slots and key buffers when a key is imported,
# i.e. at SA install, never per packet. A firmware build without a heap would
# choose MBEDTLS_PSA_STATIC_KEY_SLOTS and a MBEDTLS_PSA_KEY_SLOT_COUNT of at
# least two per SA plus two per IKE SA direction and one per key exchange
# (docs/porting.md).
set -euo pipefail

VERSION=4.0.0
TARBALL_NAME=mbedtls-4.0.0-tf-psa-crypto-1.0.0-src.tar.xz
CACHE_ROOT=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}
WORK=$CACHE_ROOT/mbedtls-$VERSION
JOBS=${TIP_JOBS:-2}
T_BUILD=${TIP_BUILD_TIMEOUT:-900}

log() { printf 'mbedtls40: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cached_prefix() {
    [ -f "$WORK/prefix/lib/libtfpsacrypto.a" ] && [ -f "$WORK/prefix/include/psa/crypto.h" ] &&
        [ -f "$WORK/prefix/include/mbedtls/version.h" ] && echo "$WORK/prefix"
}

if p=$(cached_prefix); then
    log "reusing cached build: $p"
    echo "$p"
    exit 0
fi

mkdir -p "$CACHE_ROOT"
# Serialise concurrent first runs (e.g. two make targets in parallel).
exec 9>"$CACHE_ROOT/.mbedtls40.lock"
if command -v flock >/dev/null 2>&1; then
    flock -w 1800 9 || die "could not lock $CACHE_ROOT/.mbedtls40.lock"
fi
if p=$(cached_prefix); then
    log "reusing cached build: $p"
    echo "$p"
    exit 0
fi

for tool in cmake cc tar xz; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found; run scripts/deps.sh (as root) first"
done

# ---- 1. the source tarball -------------------------------------------------------
find_tarball() {
    local top common d
    if [ -n "${TIP_MBEDTLS40_TARBALL:-}" ]; then
        [ -f "$TIP_MBEDTLS40_TARBALL" ] || die "TIP_MBEDTLS40_TARBALL=$TIP_MBEDTLS40_TARBALL does not exist"
        echo "$TIP_MBEDTLS40_TARBALL"
        return 0
    fi
    top=$(cd "$(dirname "$0")/.." && pwd)
    # A git worktree lives elsewhere; its main checkout is where ../shared sits.
    common=$(git -C "$top" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
    for d in "$top/.." ${common:+"$common/../.."}; do
        if [ -f "$d/shared/vendor/$TARBALL_NAME" ]; then
            (cd "$d/shared/vendor" && echo "$(pwd)/$TARBALL_NAME")
            return 0
        fi
    done
    return 1
}
TARBALL=$(find_tarball) ||
    die "$TARBALL_NAME not found in ../shared/vendor/ beside the repository; set TIP_MBEDTLS40_TARBALL=<path>"

t0=$(date +%s)
log "building Mbed TLS $VERSION from $TARBALL into $WORK"
rm -rf "$WORK/src" "$WORK/build" "$WORK/prefix.tmp"
mkdir -p "$WORK/src"
timeout 300 tar -xJf "$TARBALL" -C "$WORK/src" || die "unpacking $TARBALL failed"
SRC=$WORK/src/mbedtls-$VERSION
[ -f "$SRC/tf-psa-crypto/include/psa/crypto_config.h" ] || die "$TARBALL has no mbedtls-$VERSION/tf-psa-crypto/"

# ---- 2. configuration --------------------------------------------------------------
CFG=$SRC/tf-psa-crypto/include/psa/crypto_config.h
enable_option() { # uncomment "//#define NAME" in crypto_config.h
    grep -q "^//#define $1\$" "$CFG" || die "$1 not found (commented out) in $CFG"
    sed -i "s|^//#define $1\$|#define $1|" "$CFG"
}
enable_option MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
for w in ALG_GCM ALG_CHACHA20_POLY1305 ALG_CBC_NO_PADDING ALG_ECB_NO_PADDING ALG_HMAC \
    ALG_SHA_1 ALG_SHA_256 ALG_SHA_384 ALG_SHA_512 ALG_ECDH ECC_SECP_R1_256 ECC_SECP_R1_384 \
    ECC_MONTGOMERY_255 KEY_TYPE_AES KEY_TYPE_CHACHA20 KEY_TYPE_HMAC KEY_TYPE_DERIVE \
    KEY_TYPE_ECC_KEY_PAIR_GENERATE KEY_TYPE_ECC_KEY_PAIR_IMPORT KEY_TYPE_ECC_KEY_PAIR_EXPORT; do
    grep -qE "^#define PSA_WANT_$w[[:space:]]+1" "$CFG" || die "PSA_WANT_$w is not enabled in $CFG"
done

# ---- 3. configure, build, install ---------------------------------------------------
t1=$(date +%s)
timeout 300 cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
    -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
    -DTF_PSA_CRYPTO_FATAL_WARNINGS=OFF \
    -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DCMAKE_INSTALL_PREFIX="$WORK/prefix.tmp" -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_INSTALL_MESSAGE=NEVER >&2 || die "cmake configure failed"
timeout "$T_BUILD" cmake --build "$WORK/build" -j"$JOBS" >&2 || die "build failed"
timeout 120 cmake --install "$WORK/build" >&2 || die "install failed"
t2=$(date +%s)
log "configure + build + install: $((t2 - t1)) s"

mkdir -p "$WORK/prefix.tmp/share/tinyipsec"
{
    echo "mbedtls_source=$(basename "$TARBALL")"
    echo "mbedtls_version=$VERSION"
    echo "config=default crypto_config.h + MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cc=$(cc --version | head -n1)"
} >"$WORK/prefix.tmp/share/tinyipsec/mbedtls-build.txt"

rm -rf "$WORK/prefix"
mv "$WORK/prefix.tmp" "$WORK/prefix"
rm -rf "$WORK/build" # keep src/ for a cross build; the build tree is 20+ MB
log "done in $(($(date +%s) - t0)) s: Mbed TLS $VERSION, libs:"
ls -1 "$WORK/prefix/lib/"*.a >&2
echo "$WORK/prefix"
