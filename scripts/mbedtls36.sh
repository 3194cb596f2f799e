#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Build Mbed TLS 3.6 (3.6.6 from Debian trixie's source package) once, with
# Everest (fast X25519) enabled, and cache the install prefix outside the repo:
#
#   ${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/mbedtls-3.6.6-everest/prefix
#
# `scripts/mbedtls36.sh --psa` builds the variant for tinyipsec's PSA Crypto
# backend into .../mbedtls-3.6.6-psa/prefix: the same source and options plus
# two more, set in the installed mbedtls_config.h (like the Everest option, they
# change structure layouts or behaviour, so library and consumers must agree):
#
#   MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS  PSA functions use the caller's
#       buffers directly instead of copying them to the heap first (a copy
#       that protects memory shared with an untrusted party, which
#       tinyipsec's buffers are not).
#   MBEDTLS_BLOCK_CIPHER_C  GCM on the block-cipher layer (the AES key
#       schedule inside the GCM context). Otherwise GCM sits on the generic
#       cipher layer whenever MBEDTLS_CIPHER_C is built, and every
#       psa_aead_encrypt() / psa_aead_decrypt() allocates a cipher context.
#       3.6 enables it by itself only without MBEDTLS_CIPHER_C or with an AES
#       driver; defining it with the cipher layer present is accepted by
#       check_config.h.
#
# With both, the PSA backend makes no heap call per ESP packet
# (test/alloc/test_alloc_zero.c proves it). They are kept out of the classic
# backend's build: MBEDTLS_BLOCK_CIPHER_C changes mbedtls_gcm_context, whose
# size TIP_CRYPTO_SA_STORAGE depends on. The variant reuses the source package
# the classic build downloaded, when it is in the cache.
#
# Progress goes to stderr; the last (only) line on stdout is the prefix, so
#   ROOT=$(scripts/mbedtls36.sh | tail -n1)
# works. A second run reuses the cache and takes milliseconds.
#
# Needs (as root, once): deb-src access to trixie, dpkg-dev, bzip2, cmake, a C
# compiler. `scripts/deps.sh --mbedtls36` installs the packages.
#
# Notes:
#  - Debian's cmake-disable-3rdparty.patch drops add_subdirectory(3rdparty);
#    we revert it so 3rdparty/everest (and p256-m) are built.
#  - Everest is switched on in include/mbedtls/mbedtls_config.h itself (with the
#    tree's own scripts/config.py), not only through a build-time
#    MBEDTLS_USER_CONFIG_FILE: the option changes the layout of
#    mbedtls_ecdh_context, so the installed headers must say the same thing as
#    the library, or every consumer would need the same -D. The small user
#    config file is still written (tip-mbedtls-user-config.h) and installed
#    for reference, and is used if config.py is unavailable.
set -euo pipefail

WANT_VERSION=3.6.6-0.1~deb13u1
WANT_UPSTREAM=3.6.6
CACHE_ROOT=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}
JOBS=${TIP_JOBS:-2}
T_APT=${TIP_APT_TIMEOUT:-600}
T_BUILD=${TIP_BUILD_TIMEOUT:-900}

log() { printf 'mbedtls36: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# everest: the build of the classic backend; psa: the PSA backend's variant.
VARIANT=everest
case "${1:-}" in
    "") ;;
    --psa) VARIANT=psa ;;
    *) die "usage: $0 [--psa]" ;;
esac
# Names the PSA variant's configuration; a cached build made with another is rebuilt.
CONFIG_ID=
[ "$VARIANT" = psa ] && CONFIG_ID="MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS+MBEDTLS_BLOCK_CIPHER_C"

cached_prefix() {
    local d
    for d in "$CACHE_ROOT/mbedtls-$WANT_UPSTREAM-$VARIANT" "$CACHE_ROOT"/mbedtls-3.6.*-"$VARIANT"; do
        if [ -f "$d/prefix/lib/libmbedcrypto.a" ] && [ -f "$d/prefix/include/mbedtls/version.h" ] &&
            { [ -z "$CONFIG_ID" ] ||
                grep -qxF "config=$CONFIG_ID" "$d/prefix/share/tinyipsec/mbedtls-build.txt" 2>/dev/null; }; then
            echo "$d/prefix"
            return 0
        fi
    done
    return 1
}

if p=$(cached_prefix); then
    log "reusing cached build: $p"
    echo "$p"
    exit 0
fi

mkdir -p "$CACHE_ROOT"
# Serialise concurrent first runs (e.g. two make targets in parallel).
exec 9>"$CACHE_ROOT/.mbedtls36.lock"
if command -v flock >/dev/null 2>&1; then
    flock -w 1800 9 || die "could not lock $CACHE_ROOT/.mbedtls36.lock"
fi
if p=$(cached_prefix); then
    log "reusing cached build: $p"
    echo "$p"
    exit 0
fi

for tool in dpkg-source cmake cc patch; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "'$tool' not found; run scripts/deps.sh --mbedtls36 (as root) first"
done

t0=$(date +%s)

# The source package the classic build downloaded (dl/*.dsc and its files),
# reused by the PSA variant without apt.
CACHED_DSC=
if [ "$VARIANT" = psa ]; then
    CACHED_DSC=$(ls "$CACHE_ROOT/mbedtls-$WANT_UPSTREAM-everest/dl/mbedtls_${WANT_VERSION#*:}.dsc" 2>/dev/null || true)
fi
if [ -z "$CACHED_DSC" ]; then # steps 1 and 2, up to the matching "else"
command -v apt-get >/dev/null 2>&1 || die "'apt-get' not found"

# ---- 1. deb-src for trixie ---------------------------------------------------
have_trixie_src() {
    # (read first: a missing /etc/apt/sources.list must not fail a pipe under pipefail)
    local lists
    lists=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
    grep -qE '^[[:space:]]*deb-src[[:space:]].*[[:space:]]trixie([[:space:]]|$)' <<<"$lists" && return 0
    # deb822: a stanza with "Types: ... deb-src" and "Suites: ... trixie"
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN{RS=""; IGNORECASE=1}
             /(^|\n)Types:[^\n]*deb-src/ && /(^|\n)Suites:[^\n]*[[:space:]]trixie([[:space:]]|\n|$)/ &&
             !/(^|\n)Enabled:[[:space:]]*no/ {found=1}
             END{exit !found}' "$f" && return 0
    done
    return 1
}

mirror_url() {
    # Reuse the host the system already uses for Debian (not -security, not 3rd-party).
    local url
    url=$( { grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                 awk '{for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp):/) {print $i; break}}'
             grep -hsE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources |
                 awk '{for (i = 2; i <= NF; i++) print $i}'
           } | grep -E '/debian/?$' | grep -v -e security -e debian-ports | head -n1)
    echo "${url:-http://deb.debian.org/debian}"
}

SRC_LIST=/etc/apt/sources.list.d/tinyipsec-deb-src.list
if ! have_trixie_src; then
    [ "$(id -u)" -eq 0 ] || die "no trixie deb-src in apt sources; as root add:
  deb-src $(mirror_url) trixie main
to $SRC_LIST (or run this script as root once)"
    m=$(mirror_url)
    log "adding '$m trixie main' deb-src to $SRC_LIST"
    printf '# added by tinyipsec scripts/mbedtls36.sh: source packages only\ndeb-src %s trixie main\n' \
        "$m" >"$SRC_LIST"
    timeout "$T_APT" apt-get update -q >&2 || die "apt-get update failed"
elif ! grep -q '^Version: 3\.6\.' <<<"$(apt-cache showsrc mbedtls 2>/dev/null || true)"; then
    log "trixie deb-src configured but not indexed; running apt-get update"
    [ "$(id -u)" -eq 0 ] || die "run 'apt-get update' as root"
    timeout "$T_APT" apt-get update -q >&2 || die "apt-get update failed"
fi

# ---- 2. pick the version -----------------------------------------------------
VERSION=$WANT_VERSION
SHOWSRC=$(apt-cache showsrc mbedtls 2>/dev/null || true)
if ! grep -qxF "Version: $WANT_VERSION" <<<"$SHOWSRC"; then
    VERSION=$(sed -n 's/^Version: //p' <<<"$SHOWSRC" | grep -E '^3\.6\.' | sort -V | tail -n1 || true)
    [ -n "$VERSION" ] || die "no Mbed TLS 3.6.x source package in apt (trixie deb-src missing?)"
    log "NOTE: $WANT_VERSION is not available; falling back to trixie's mbedtls $VERSION"
fi
else # the cached source package instead of steps 1 and 2
    VERSION=$WANT_VERSION
    log "reusing the source package $CACHED_DSC"
fi
UPSTREAM=${VERSION%%-*}
UPSTREAM=${UPSTREAM#*:}
WORK=$CACHE_ROOT/mbedtls-$UPSTREAM-$VARIANT
log "building Mbed TLS $VERSION ($VARIANT) into $WORK"

rm -rf "$WORK/dl" "$WORK/build" "$WORK/prefix.tmp"
mkdir -p "$WORK/dl"

# ---- 3. download + unpack ----------------------------------------------------
(
    cd "$WORK/dl"
    if [ -n "$CACHED_DSC" ]; then
        dsc=$CACHED_DSC
    else
        # apt-get source as root downloads as _apt when it can; keep it simple and quiet.
        timeout "$T_APT" apt-get source -q --download-only "mbedtls=$VERSION" >&2
        dsc=$(ls mbedtls_*.dsc | head -n1)
    fi
    timeout 300 dpkg-source -q -x "$dsc" src >&2
) || die "download/unpack of mbedtls=$VERSION failed"
SRC=$WORK/dl/src
t1=$(date +%s)
log "download + unpack: $((t1 - t0)) s"

# ---- 4. revert the 3rdparty patch, switch Everest on -------------------------
if [ -f "$SRC/debian/patches/cmake-disable-3rdparty.patch" ]; then
    if (cd "$SRC" && patch -R -p1 --dry-run -s <debian/patches/cmake-disable-3rdparty.patch >/dev/null); then
        (cd "$SRC" && patch -R -p1 -s <debian/patches/cmake-disable-3rdparty.patch) >&2
        log "reverted debian/patches/cmake-disable-3rdparty.patch (3rdparty/ is built again)"
    else
        log "WARNING: cmake-disable-3rdparty.patch does not revert cleanly; Everest may be unavailable"
    fi
fi

USERCFG=$WORK/tip-mbedtls-user-config.h
cat >"$USERCFG" <<'EOF'
/* tinyipsec: extra Mbed TLS 3.6 options (scripts/mbedtls36.sh). */
#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED /* fast X25519 for IKEv2 (3rdparty/everest) */
EOF

EVEREST=0
EXTRA_CMAKE=()
enable_everest() {
    if [ -d "$SRC/3rdparty/everest" ] && [ -x /usr/bin/python3 ] && [ -f "$SRC/scripts/config.py" ]; then
        (cd "$SRC" && /usr/bin/python3 scripts/config.py set MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED) && return 0
    fi
    if [ -d "$SRC/3rdparty/everest" ] &&
        grep -q '^//#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED' "$SRC/include/mbedtls/mbedtls_config.h"; then
        sed -i 's|^//#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED|#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED|' \
            "$SRC/include/mbedtls/mbedtls_config.h" && return 0
    fi
    return 1
}

configure_and_build() {
    rm -rf "$WORK/build" "$WORK/prefix.tmp"
    timeout 300 cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
        -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
        -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON \
        -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
        -DCMAKE_INSTALL_PREFIX="$WORK/prefix.tmp" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_MESSAGE=NEVER \
        "${EXTRA_CMAKE[@]}" >&2 &&
        timeout "$T_BUILD" cmake --build "$WORK/build" -j"$JOBS" >&2 &&
        timeout 120 cmake --install "$WORK/build" >&2
}

# The PSA variant's two options (see the top of this file).
enable_psa_options() {
    local cfg=$SRC/include/mbedtls/mbedtls_config.h
    grep -q '^//#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS$' "$cfg" ||
        die "MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS not found (commented out) in $cfg"
    sed -i 's|^//#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS$|#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS|' "$cfg"
    grep -q '^/\*\* \\} name SECTION: Module configuration options \*/$' "$cfg" ||
        die "no end-of-options line in $cfg"
    sed -i 's|^/\*\* \\} name SECTION: Module configuration options \*/$|\0\
\
/* tinyipsec (scripts/mbedtls36.sh --psa): GCM on the block-cipher layer, no\
 * cipher context allocated per AEAD call. */\
#define MBEDTLS_BLOCK_CIPHER_C|' "$cfg"
    grep -q '^#define MBEDTLS_BLOCK_CIPHER_C$' "$cfg" || die "could not add MBEDTLS_BLOCK_CIPHER_C to $cfg"
}

if [ "$VARIANT" = psa ]; then
    enable_psa_options
    log "MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS and MBEDTLS_BLOCK_CIPHER_C set in mbedtls_config.h"
fi
cp -a "$SRC/include/mbedtls/mbedtls_config.h" "$WORK/mbedtls_config.h.orig"
if enable_everest; then
    EVEREST=1
    log "Everest enabled (MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED in mbedtls_config.h)"
fi

t2=$(date +%s)
if ! configure_and_build; then
    if [ "$EVEREST" = 1 ]; then
        log "WARNING: build with Everest FAILED; falling back to plain Mbed TLS (no Everest)"
        cp -a "$WORK/mbedtls_config.h.orig" "$SRC/include/mbedtls/mbedtls_config.h"
        EVEREST=0
        configure_and_build || die "Mbed TLS build failed (see output above)"
    else
        die "Mbed TLS build failed (see output above)"
    fi
fi
t3=$(date +%s)
log "configure + build + install: $((t3 - t2)) s"

# Everest/p256-m archives are installed by the 3rdparty CMake; make sure they
# sit next to libmbedcrypto.a where tinyipsec's CMake looks for them.
for l in libeverest.a libp256m.a; do
    if [ ! -f "$WORK/prefix.tmp/lib/$l" ]; then
        f=$(find "$WORK/build" -name "$l" -print -quit)
        [ -n "$f" ] && cp "$f" "$WORK/prefix.tmp/lib/"
    fi
done
if [ "$EVEREST" = 1 ] && [ ! -f "$WORK/prefix.tmp/lib/libeverest.a" ]; then
    log "WARNING: Everest enabled but libeverest.a not found"
fi
mkdir -p "$WORK/prefix.tmp/share/tinyipsec"
cp "$USERCFG" "$WORK/prefix.tmp/share/tinyipsec/"
{
    echo "mbedtls_source_version=$VERSION"
    echo "everest=$EVEREST"
    [ -z "$CONFIG_ID" ] || echo "config=$CONFIG_ID"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cc=$(cc --version | head -n1)"
} >"$WORK/prefix.tmp/share/tinyipsec/mbedtls-build.txt"

rm -rf "$WORK/prefix"
mv "$WORK/prefix.tmp" "$WORK/prefix"
rm -rf "$WORK/build" # keep dl/src for the Cortex-M4 build; the build tree is 20+ MB
log "done in $(($(date +%s) - t0)) s: Mbed TLS $VERSION, Everest=$EVEREST, libs:"
ls -1 "$WORK/prefix/lib/"*.a >&2
echo "$WORK/prefix"
