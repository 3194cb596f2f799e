#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make size`: the footprint of tinyipsec on a Cortex-M4 (Thumb-2, -Os,
# --gc-sections, newlib-nano), measured in linked images, not by adding up
# object files. Three images link scripts/cm4/size_main.c (an application
# that calls the API a device uses) against tinyipsec built in the embedded
# configuration (include/tinyipsec/config_embedded.h) and the Cortex-M4
# libmbedcrypto of scripts/cm4-build.sh:
#
#   (a) ESP core with manual keying        TIP_CONF_IKEV2=0
#   (b) + IKEv2 PSK initiator              TIP_CONF_IKE_RESPONDER=0
#   (c) + responder (both roles)
#
# The linker map attributes every kept section to its archive member
# (scripts/cm4/map-size.awk); the table shows flash = text + rodata and
# RAM = data + bss per part (tinyipsec / Mbed TLS / the rest: startup,
# application, newlib), and sizeof(tip_ctx_t) of each image. The context is
# the application's (static) variable, so it is in "rest" RAM and shown on
# its own.
#
# Usage: scripts/size.sh [-v]     -v: also tinyipsec per object, per image
# Environment: TIP_JOBS (2), CROSS (arm-none-eabi-), TIP_SIZE_CONFIG (a user
# configuration file instead of the embedded one).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build/size
JOBS=${TIP_JOBS:-2}
CROSS=${CROSS:-arm-none-eabi-}
VERBOSE=0
[ "${1:-}" = -v ] && VERBOSE=1
CONFIG=${TIP_SIZE_CONFIG:-tinyipsec/config_embedded.h}
ARCH=(-mcpu=cortex-m4 -mthumb -mfloat-abi=soft)
CFLAGS=(-std=c99 -Os "${ARCH[@]}" -ffunction-sections -fdata-sections -Wall -Wextra -Wundef -Werror)

die() { printf 'size: ERROR: %s\n' "$*" >&2; exit 1; }
command -v "${CROSS}gcc" >/dev/null || die "${CROSS}gcc not found (scripts/deps.sh --ci)"

MBED=$(scripts/cm4-build.sh --mbedtls-prefix 2>/dev/null | tail -n1)
[ -f "$MBED/lib/libmbedcrypto.a" ] || die "no Cortex-M4 libmbedcrypto (scripts/cm4-build.sh --mbedtls-prefix)"
INC=(-Iinclude -Isrc -I"$MBED/include" "-DMBEDTLS_CONFIG_FILE=\"mbedtls_cm4_config.h\""
     "-DTIP_USER_CONFIG_FILE=\"$CONFIG\"")
mapfile -t SRCS < <(find src -name '*.c' | sort)

build_image() { # name, extra cflags...
    local name=$1 dir=$OUT/$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir/obj"
    printf '%s\0' "${SRCS[@]}" | xargs -0 -P "$JOBS" -I{} sh -c '
        src=$1; dir=$2; shift 2
        obj=$dir/obj/$(echo "${src#src/}" | tr / _ | sed "s/\.c\$/.o/")
        "$@" -c "$src" -o "$obj" || { echo "size: FAILED: $src" >&2; exit 255; }
    ' sh {} "$dir" "${CROSS}gcc" "${CFLAGS[@]}" "${INC[@]}" "$@" || die "compile failed ($name)"
    "${CROSS}ar" rcs "$dir/libtinyipsec.a" "$dir"/obj/*.o
    "${CROSS}gcc" "${CFLAGS[@]}" "${INC[@]}" "$@" -c scripts/cm4/size_main.c -o "$dir/size_main.o"
    "${CROSS}gcc" "${ARCH[@]}" -Os --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections \
        -Wl,-Map="$dir/image.map" -o "$dir/image.elf" "$dir/size_main.o" \
        "$dir/libtinyipsec.a" "$MBED/lib/libmbedcrypto.a" ||
        die "link failed ($name)"
    awk -f scripts/cm4/map-size.awk "$dir/image.map" | sort >"$dir/objects.txt"
}

# total <group> <file>: "flash ram" of a group (text + rodata, data + bss)
total() {
    awk -v g="$1" '$1 == g { f += $3 + $4; r += $5 + $6 } END { printf "%d %d\n", f, r }' "$2"
}

ctx_size() {
    local hex
    hex=$("${CROSS}nm" -S "$1" | awk '$4 == "g_ctx" { print $2 }')
    [ -n "$hex" ] || die "g_ctx not found in $1"
    echo $((16#$hex))
}

kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

build_image a -DTIP_CONF_IKEV2=0
build_image b -DTIP_CONF_IKE_RESPONDER=0
build_image c

echo "tinyipsec footprint on Cortex-M4 (${CROSS}gcc $("${CROSS}gcc" -dumpversion), -Os, --gc-sections, newlib-nano)"
echo "configuration: $CONFIG; Mbed TLS 3.6 from scripts/cm4/mbedtls_cm4_config.h"
echo "flash = text + rodata, RAM = data + bss, bytes (KB)"
echo
printf '%-34s %16s %10s %16s %10s %12s %10s %12s\n' image "tinyipsec flash" "RAM" \
    "Mbed TLS flash" "RAM" "rest flash" "RAM" "tip_ctx_t"
for v in a b c; do
    case $v in
        a) label="(a) ESP core, manual keying" ;;
        b) label="(b) + IKEv2 initiator" ;;
        c) label="(c) + IKEv2 responder" ;;
    esac
    f=$OUT/$v/objects.txt
    read -r tf tr <<<"$(total tinyipsec "$f")"
    read -r mf mr <<<"$(total mbedtls "$f")"
    read -r rf rr <<<"$(total rest "$f")"
    cs=$(ctx_size "$OUT/$v/image.elf")
    printf '%-34s %8d (%5s) %10d %8d (%5s) %10d %12d %10d %5d (%4s)\n' "$label" \
        "$tf" "$(kb "$tf")" "$tr" "$mf" "$(kb "$mf")" "$mr" "$rf" "$rr" "$cs" "$(kb "$cs")"
done
echo "(d) example firmware (tinyipsec / Mbed TLS / lwIP / rest, stack and arena peaks): measured by the firmware build, not by make size"

if [ "$VERBOSE" = 1 ]; then
    for v in a b c; do
        echo
        echo "== ($v) tinyipsec per object: text rodata data bss"
        awk '$1 == "tinyipsec" { printf "  %-24s %6d %6d %6d %6d\n", $2, $3, $4, $5, $6 }' \
            "$OUT/$v/objects.txt" | sort -k2 -n -r
    done
fi
