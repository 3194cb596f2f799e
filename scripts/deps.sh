#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Install the Debian packages tinyipsec's build and tests need, and only the
# missing ones. Idempotent: when everything is present it only runs dpkg-query.
#
#   scripts/deps.sh --minimal    make demo, make bench: compiler, cmake, Mbed TLS 2.28
#   scripts/deps.sh              make test: the above + pkg-config, cmocka, tshark, and the
#                                lwIP source tree of the host lwIP tests (scripts/lwip-src.sh;
#                                TIP_LWIP=2.2 picks lwIP 2.2.1 instead of 2.1.3)
#   scripts/deps.sh --mbedtls36  + what scripts/mbedtls36.sh needs to unpack the source (for both
#                                of its builds: the classic backend's and --psa, the PSA backend's)
#   scripts/deps.sh --mbedtls40  + what scripts/mbedtls40.sh needs to unpack the vendored source
#   scripts/deps.sh --apidocs    + doxygen (the API reference: doxygen docs/Doxyfile)
#   scripts/deps.sh --ci         + everything .ci/run uses (clang, clang-tidy, cppcheck, arm-none-eabi,
#                                ..., both lwIP source trees)
#   scripts/deps.sh --check      only report; exit 1 if something is missing
#   scripts/deps.sh --list       only print the packages the other options select
#
# Not root and something missing: prints the apt-get command and exits 1.
set -euo pipefail

MINIMAL=(build-essential cmake libmbedtls-dev)
# dpkg-dev, xz-utils: scripts/lwip-src.sh unpacks lwIP's Debian source package
TEST=(pkg-config libcmocka-dev tshark dpkg-dev xz-utils)
MBEDTLS36=(dpkg-dev bzip2)
# TF-PSA-Crypto generates its driver dispatch code with Python (jinja2, jsonschema)
MBEDTLS40=(xz-utils python3 python3-jinja2 python3-jsonschema)
APIDOCS=(doxygen)
CI=(clang clang-tidy cppcheck gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
    iproute2 iputils-ping dpkg-dev bzip2
    python3-jsonschema python3-jinja2 libclang-rt-14-dev "${APIDOCS[@]}")

want=("${MINIMAL[@]}")
lwip_series=("${TIP_LWIP:-2.1}")
check_only=0
list_only=0
minimal=0
for arg in "$@"; do
    case "$arg" in
    --minimal) minimal=1 ;;
    --ci)
        want+=("${TEST[@]}" "${CI[@]}")
        lwip_series=(2.1 2.2)
        ;;
    --mbedtls36) want+=("${MBEDTLS36[@]}") ;;
    --mbedtls40) want+=("${MBEDTLS40[@]}") ;;
    --apidocs) want+=("${APIDOCS[@]}") ;;
    --check) check_only=1 ;;
    --list) list_only=1 ;;
    -h | --help)
        sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "deps.sh: unknown option '$arg' (try --help)" >&2
        exit 2
        ;;
    esac
done

[ "$minimal" = 1 ] || want+=("${TEST[@]}")

missing=()
declare -A seen=()
for p in "${want[@]}"; do
    [ -n "${seen[$p]:-}" ] && continue
    seen[$p]=1
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

# The lwIP source trees of the host lwIP tests (not for --minimal).
lwip_sources() {
    local s
    [ "$minimal" = 0 ] || return 0
    for s in "${lwip_series[@]}"; do
        if [ "$check_only" = 1 ]; then
            "$(dirname "$0")/lwip-src.sh" --check "$s" >/dev/null || return 1
        elif ! "$(dirname "$0")/lwip-src.sh" "$s" >/dev/null; then
            # Without root the deb-src line cannot be added: the lwIP tests
            # are then reported as skipped, and say how to fetch the tree.
            [ "$(id -u)" -ne 0 ] || return 1
            echo "deps.sh: lwIP $s source not fetched (not root); the host lwIP tests will be skipped" >&2
        fi
    done
}

if [ "$list_only" = 1 ]; then
    printf '%s\n' "${!seen[@]}" | sort
    exit 0
fi
if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps.sh: all ${#seen[@]} packages present"
    lwip_sources
    exit $?
fi

echo "deps.sh: missing: ${missing[*]}" >&2
if [ "$check_only" = 1 ]; then
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: not root; install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark's postinst asks whether non-root users may capture; answer no, quietly.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
timeout "${TIP_APT_TIMEOUT:-600}" apt-get update -q
timeout "${TIP_APT_TIMEOUT:-900}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps.sh: installed ${missing[*]}"
lwip_sources
