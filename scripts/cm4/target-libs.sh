#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Third-party libraries for the on-target tests on Cortex-M4F (arm-none-eabi-gcc,
# Thumb-2, hard float, -Os, the full newlib: see scripts/cm4/arm-cm4f.cmake;
# objects built for newlib-nano must not be mixed with it, nano's
# struct _reent is smaller), built once from Debian source packages and
# cached under ${TIP_CACHE_DIR:-~/.cache/tinyipsec}/cm4f/:
#
#   mbedtls  libmbedcrypto.a, Mbed TLS 3.6 (the source scripts/mbedtls36.sh
#            unpacks), configuration scripts/cm4/mbedtls_fw_config.h; its
#            source tree is printed too (the firmware compiles it itself)
#   mbedtls-cert  libmbedcrypto.a and libmbedx509.a, Mbed TLS 3.6 with X.509
#            (scripts/cm4/mbedtls_fw_cert_config.h: the same plus
#            mbedtls_cm4_cert_config.h), for the certificate tests
#   cmocka   libcmocka.a, cmocka 1.1.5 (bookworm's source package, the version
#            the host tests use) with scripts/cm4/cmocka_config.h
#   lwip     the lwIP 2.2.1 source tree (trixie's source package); the firmware
#            build compiles it with the application's lwipopts.h
#
#   scripts/cm4/target-libs.sh [mbedtls] [mbedtls-cert] [mbedtls-src] [cmocka] [lwip]
#   (default: mbedtls cmocka lwip; mbedtls-src only prints the source tree)
#
# Progress goes to stderr; stdout gets one KEY=value line per library:
#   TIP_CM4_MBEDTLS=<prefix> TIP_CM4_MBEDTLS_SRC=<source root>
#   TIP_CM4_MBEDTLS_CERT=<prefix> (mbedtls-cert)
#   TIP_CM4_CMOCKA=<prefix>  TIP_CM4_LWIP=<source root>
# Needs: scripts/deps.sh --ci (arm-none-eabi-gcc, newlib, dpkg-dev, cmake) and
# deb-src entries for bookworm and trixie (added here when run as root).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE_ROOT=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}
CACHE=$CACHE_ROOT/cm4f
JOBS=${TIP_JOBS:-2}
CROSS=${CROSS:-arm-none-eabi-}
T_APT=${TIP_APT_TIMEOUT:-600}
# The flags every Cortex-M4F object of the firmware and the target tests uses.
CM4F_FLAGS="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffunction-sections -fdata-sections"

CMOCKA_VERSION=1.1.5-2.1
LWIP_VERSION=2.2.1+dfsg1-1+deb13u1

log() { printf 'target-libs: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v "${CROSS}gcc" >/dev/null || die "${CROSS}gcc not found (scripts/deps.sh --ci)"
mkdir -p "$CACHE"
exec 8>"$CACHE/.lock"
command -v flock >/dev/null && { flock -w 900 8 || die "could not lock $CACHE/.lock"; }

# deb-src for suite $1 (bookworm or trixie), added as root if apt lacks it.
ensure_deb_src() { # suite package version
    local suite=$1 pkg=$2 ver=$3 list
    # (read first: grep -q closing the pipe early must not fail under pipefail)
    grep -qxF "Version: $ver" <<<"$(apt-cache showsrc "$pkg" 2>/dev/null || true)" && return 0
    [ "$(id -u)" -eq 0 ] || die "no deb-src for $pkg $ver; as root add 'deb-src http://deb.debian.org/debian $suite main'"
    list=/etc/apt/sources.list.d/tinyipsec-deb-src-$suite.list
    if [ ! -f "$list" ]; then
        log "adding deb-src $suite to $list"
        printf '# added by tinyipsec scripts/cm4/target-libs.sh: source packages only\n' >"$list"
        printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' \
            "$suite" >>"$list"
    fi
    timeout "$T_APT" apt-get update -q >&2 || die "apt-get update failed"
    grep -qxF "Version: $ver" <<<"$(apt-cache showsrc "$pkg" 2>/dev/null || true)" ||
        die "$pkg $ver not in apt's sources"
}

# Unpacks Debian source package $1=$2 into $3 (once).
fetch_source() { # package version destdir
    local pkg=$1 ver=$2 dest=$3 dl
    [ -f "$dest/.unpacked" ] && return 0
    dl=$dest.dl
    rm -rf "$dl" "$dest"
    mkdir -p "$dl"
    (cd "$dl" && timeout "$T_APT" apt-get source -q --download-only "$pkg=$ver" >&2 &&
        timeout 300 dpkg-source -q -x ./*.dsc "$dest" >&2) || die "download/unpack of $pkg=$ver failed"
    rm -rf "$dl"
    rm -f "$CACHE"/*.orig.tar.* # (dpkg-source leaves a copy beside the tree)
    touch "$dest/.unpacked"
}

# build_mbedtls <output key> <prefix name> <config> <CMake targets> <config files...>: Mbed
# TLS 3.6 for Cortex-M4F with <config> (the first of the configuration files,
# which include the others; all are copied to the prefix's include/).
build_mbedtls() {
    local key=$1 pfx=$CACHE/$2 cfg=$3 targets=$4
    shift 4
    local files=("$@") src b host f t same=1
    host=$(scripts/mbedtls36.sh | tail -n1)
    src=$(dirname "$host")/dl/src
    [ -f "$src/CMakeLists.txt" ] || die "no Mbed TLS source at $src (scripts/mbedtls36.sh)"
    for f in "${files[@]}"; do
        cmp -s "$ROOT/scripts/cm4/$f" "$pfx/include/$f" || same=0
    done
    for t in $targets; do
        [ -f "$pfx/lib/lib$t.a" ] || same=0
    done
    if [ "$same" = 1 ] && [ "$(cat "$pfx/flags" 2>/dev/null)" = "$CM4F_FLAGS" ]; then
        printf '%s=%s\nTIP_CM4_MBEDTLS_SRC=%s\n' "$key" "$pfx" "$src"
        return 0
    fi
    b=$pfx.build
    rm -rf "$b" "$pfx"
    mkdir -p "$b" "$pfx/lib" "$pfx/include"
    for f in "${files[@]}"; do cp "$ROOT/scripts/cm4/$f" "$pfx/include/"; done
    cat >"$b/arm-cm4f.cmake" <<TC
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER ${CROSS}gcc)
set(CMAKE_AR ${CROSS}ar)
set(CMAKE_RANLIB ${CROSS}ranlib)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "$CM4F_FLAGS -I$pfx/include")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os")
TC
    log "building Mbed TLS for Cortex-M4F (scripts/cm4/$cfg: $targets)"
    # shellcheck disable=SC2086
    timeout 300 cmake -S "$src" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$b/arm-cm4f.cmake" \
        -DCMAKE_BUILD_TYPE=MinSizeRel -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
        -DMBEDTLS_FATAL_WARNINGS=OFF -DMBEDTLS_CONFIG_FILE="$ROOT/scripts/cm4/$cfg" >"$b/log.txt" 2>&1 &&
        timeout 900 cmake --build "$b" -j"$JOBS" --target $targets >>"$b/log.txt" 2>&1 ||
        { tail -n 30 "$b/log.txt" >&2; die "Cortex-M4F Mbed TLS build failed"; }
    cp -r "$src/include/mbedtls" "$src/include/psa" "$pfx/include/"
    for t in $targets; do
        cp "$(find "$b" -name "lib$t.a" -print -quit)" "$pfx/lib/"
    done
    rm -rf "$b"
    echo "$CM4F_FLAGS" >"$pfx/flags"
    printf '%s=%s\nTIP_CM4_MBEDTLS_SRC=%s\n' "$key" "$pfx" "$src"
}

build_cmocka() {
    local cfg=$ROOT/scripts/cm4/cmocka_config.h pfx=$CACHE/cmocka-1.1.5 src=$CACHE/cmocka-1.1.5.src
    if [ -f "$pfx/lib/libcmocka.a" ] && cmp -s "$cfg" "$pfx/config.h" &&
        [ "$(cat "$pfx/flags" 2>/dev/null)" = "$CM4F_FLAGS" ]; then
        echo "TIP_CM4_CMOCKA=$pfx"
        return 0
    fi
    ensure_deb_src bookworm cmocka "$CMOCKA_VERSION"
    fetch_source cmocka "$CMOCKA_VERSION" "$src"
    rm -rf "$pfx"
    mkdir -p "$pfx/lib" "$pfx/include" "$pfx/obj"
    cp "$cfg" "$pfx/config.h"
    cp "$src/include/cmocka.h" "$pfx/include/"
    # shellcheck disable=SC2086
    "${CROSS}gcc" $CM4F_FLAGS -Os -std=gnu99 -DHAVE_CONFIG_H -I"$pfx" \
        -I"$src/include" -c "$src/src/cmocka.c" -o "$pfx/obj/cmocka.o" ||
        die "cmocka build failed"
    "${CROSS}ar" rcs "$pfx/lib/libcmocka.a" "$pfx/obj/cmocka.o"
    echo "$CM4F_FLAGS" >"$pfx/flags"
    log "built cmocka 1.1.5 for Cortex-M4F"
    echo "TIP_CM4_CMOCKA=$pfx"
}

# The Mbed TLS source tree only (the firmware compiles it itself).
mbedtls_src() {
    local host src
    host=$(scripts/mbedtls36.sh | tail -n1)
    src=$(dirname "$host")/dl/src
    [ -f "$src/CMakeLists.txt" ] || die "no Mbed TLS source at $src (scripts/mbedtls36.sh)"
    echo "TIP_CM4_MBEDTLS_SRC=$src"
}

fetch_lwip() {
    local src=$CACHE/lwip-2.2.1
    ensure_deb_src trixie lwip "$LWIP_VERSION"
    fetch_source lwip "$LWIP_VERSION" "$src"
    echo "TIP_CM4_LWIP=$src"
}

[ $# -gt 0 ] || set -- mbedtls cmocka lwip
for what in "$@"; do
    case "$what" in
    mbedtls) build_mbedtls TIP_CM4_MBEDTLS mbedtls-3.6 mbedtls_fw_config.h mbedcrypto \
        mbedtls_fw_config.h mbedtls_cm4_config.h ;;
    mbedtls-cert) build_mbedtls TIP_CM4_MBEDTLS_CERT mbedtls-3.6-cert mbedtls_fw_cert_config.h "mbedcrypto mbedx509" \
        mbedtls_fw_cert_config.h mbedtls_cm4_cert_config.h mbedtls_cm4_config.h ;;
    mbedtls-src) mbedtls_src ;;
    cmocka) build_cmocka ;;
    lwip) fetch_lwip ;;
    *) die "unknown library '$what' (mbedtls mbedtls-cert mbedtls-src cmocka lwip)" ;;
    esac
done
