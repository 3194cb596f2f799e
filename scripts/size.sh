#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make size`: the footprint of tinyipsec on a Cortex-M4 (Thumb-2, -Os,
# --gc-sections, newlib-nano), measured in linked images, not by adding up
# object files. Three images link scripts/cm4/size_main.c (an application
# that calls the API a device uses) against tinyipsec built in the embedded
# configuration (include/tinyipsec/config_embedded.h):
#
#   (a) ESP core with manual keying        TIP_CONF_IKEV2=0
#   (b) + IKEv2 PSK initiator              TIP_CONF_IKE_RESPONDER=0
#   (c) + responder (both roles)
#   (e) the smallest sensible initiator    include/tinyipsec/config_minimal.h
#       (initiator only, one CHILD SA, no IKE SA rekeying, no MOBIKE)
#
# each once per crypto backend:
#
#   classic  src/crypto_mbedtls*.c on the Cortex-M4 Mbed TLS 3.6 libmbedcrypto
#            of scripts/cm4-build.sh (scripts/cm4/mbedtls_cm4_config.h)
#   PSA      src/crypto_psa*.c (TIP_CONF_CRYPTO_PSA=1) on the Cortex-M4
#            TF-PSA-Crypto 1.0 (Mbed TLS 4.0) of scripts/cm4/mbedtls4-cm4.sh
#            (scripts/cm4/tf_psa_crypto_cm4_config.h: static key slots,
#            external RNG, which size_main.c supplies)
#   psa-gcm  the same with only what the embedded configuration uses
#            (scripts/cm4/tf_psa_crypto_cm4_gcm_config.h: AES-GCM,
#            HMAC-SHA-256, SHA-1, ECDH; 64-byte key slots)
#   cert     (only when asked for) the classic backend with certificate
#            authentication, TIP_CONF_IKE_CERT=1, on the Cortex-M4 Mbed TLS
#            3.6 with X.509 (scripts/cm4-build.sh --mbedtls-cert-prefix,
#            scripts/cm4/mbedtls_cm4_cert_config.h); images (b) and (c)
#            only, whose connection uses certificates and a private key
#            parsed by Mbed TLS (scripts/cm4/size_main.c)
#
# The linker map attributes every kept section to its archive member
# (scripts/cm4/map-size.awk); the table shows flash = text + rodata and
# RAM = data + bss per part (tinyipsec / Mbed TLS / the rest: startup,
# application, newlib), and sizeof(tip_ctx_t) of each image. The context is
# the application's (static) variable, so it is in "rest" RAM and shown on
# its own. With PSA the keys live in Mbed TLS's static key slots (part of
# its RAM, also shown on their own), so the RAM to compare between the
# backends is the context plus Mbed TLS's RAM; the classic backend's Mbed
# TLS heap (cipher contexts, bignums) comes on top of its figure.
#
# Every image of every backend asked for must build and link; if one does
# not, the script says which and exits non-zero.
#
# Usage: scripts/size.sh [-v]     -v: also tinyipsec and Mbed TLS per object
# Environment: TIP_JOBS (2), CROSS (arm-none-eabi-), TIP_SIZE_CONFIG (a user
# configuration file instead of the embedded one), TIP_SIZE_BACKENDS
# ("classic psa psa-gcm"; cert too if listed: which backends to measure), and for the PSA
# backends what scripts/cm4/mbedtls4-cm4.sh reads (TIP_MBEDTLS4_VENDOR,
# TIP_MBEDTLS4_SRC).
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

BACKENDS=${TIP_SIZE_BACKENDS:-classic psa psa-gcm}
mapfile -t SRCS < <(find src -name '*.c' | sort)

# Per backend: include flags, the crypto library, extra objects.
backend_setup() {
    case $1 in
    classic)
        local m
        m=$(scripts/cm4-build.sh --mbedtls-prefix 2>/dev/null | tail -n1)
        [ -f "$m/lib/libmbedcrypto.a" ] ||
            die "no Cortex-M4 libmbedcrypto (scripts/cm4-build.sh --mbedtls-prefix)"
        B_INC=(-I"$m/include" "-DMBEDTLS_CONFIG_FILE=\"mbedtls_cm4_config.h\"")
        B_LIBS=("$m/lib/libmbedcrypto.a")
        B_DESC="Mbed TLS 3.6 (scripts/cm4/mbedtls_cm4_config.h)"
        ;;
    cert)
        local m
        m=$(scripts/cm4-build.sh --mbedtls-cert-prefix 2>/dev/null | tail -n1)
        [ -f "$m/lib/libmbedx509.a" ] ||
            die "no Cortex-M4 Mbed TLS with X.509 (scripts/cm4-build.sh --mbedtls-cert-prefix)"
        B_INC=(-I"$m/include" "-DMBEDTLS_CONFIG_FILE=\"mbedtls_cm4_cert_config.h\""
               -DTIP_CONF_IKE_CERT=1)
        B_LIBS=("$m/lib/libmbedx509.a" "$m/lib/libmbedcrypto.a")
        B_DESC="Mbed TLS 3.6 with X.509 (scripts/cm4/mbedtls_cm4_cert_config.h), TIP_CONF_IKE_CERT=1"
        ;;
    psa)
        local m
        m=$(scripts/cm4/mbedtls4-cm4.sh | tail -n1) ||
            die "no Cortex-M4 TF-PSA-Crypto (scripts/cm4/mbedtls4-cm4.sh)"
        [ -f "$m/lib/libtfpsacrypto.a" ] || die "scripts/cm4/mbedtls4-cm4.sh gave no library"
        B_INC=(-I"$m/include" "-DTF_PSA_CRYPTO_CONFIG_FILE=\"tf_psa_crypto_cm4_config.h\""
               -DTIP_CONF_CRYPTO_PSA=1)
        B_LIBS=("$m/lib/libtfpsacrypto.a")
        B_DESC="TF-PSA-Crypto 1.0 / Mbed TLS 4.0 (scripts/cm4/tf_psa_crypto_cm4_config.h)"
        ;;
    psa-gcm)
        local m
        m=$(TIP_CM4_PSA_CONFIG=$ROOT/scripts/cm4/tf_psa_crypto_cm4_gcm_config.h \
            scripts/cm4/mbedtls4-cm4.sh | tail -n1) ||
            die "no Cortex-M4 TF-PSA-Crypto (scripts/cm4/mbedtls4-cm4.sh, GCM-only configuration)"
        [ -f "$m/lib/libtfpsacrypto.a" ] || die "scripts/cm4/mbedtls4-cm4.sh gave no library"
        B_INC=(-I"$m/include" "-DTF_PSA_CRYPTO_CONFIG_FILE=\"tf_psa_crypto_cm4_gcm_config.h\""
               -DTIP_CONF_CRYPTO_PSA=1)
        B_LIBS=("$m/lib/libtfpsacrypto.a")
        B_DESC="TF-PSA-Crypto 1.0, only what the embedded configuration uses (scripts/cm4/tf_psa_crypto_cm4_gcm_config.h)"
        ;;
    *) die "unknown backend '$1' (TIP_SIZE_BACKENDS: classic psa psa-gcm cert)" ;;
    esac
}

build_image() { # dir, extra cflags...
    local dir=$1 name
    name=$(basename "$dir")
    shift
    rm -rf "$dir"
    mkdir -p "$dir/obj"
    local inc=(-Iinclude -Isrc "${B_INC[@]}" "-DTIP_USER_CONFIG_FILE=\"${IMG_CONFIG:-$CONFIG}\"")
    printf '%s\0' "${SRCS[@]}" | xargs -0 -P "$JOBS" -I{} sh -c '
        src=$1; dir=$2; shift 2
        obj=$dir/obj/$(echo "${src#src/}" | tr / _ | sed "s/\.c\$/.o/")
        "$@" -c "$src" -o "$obj" || { echo "size: FAILED: $src" >&2; exit 255; }
    ' sh {} "$dir" "${CROSS}gcc" "${CFLAGS[@]}" "${inc[@]}" "$@" || return 1
    "${CROSS}ar" rcs "$dir/libtinyipsec.a" "$dir"/obj/*.o
    "${CROSS}gcc" "${CFLAGS[@]}" "${inc[@]}" "$@" -c scripts/cm4/size_main.c -o "$dir/size_main.o" ||
        return 1
    "${CROSS}gcc" "${ARCH[@]}" -Os --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections \
        -Wl,-Map="$dir/image.map" -o "$dir/image.elf" "$dir/size_main.o" \
        "$dir/libtinyipsec.a" "${B_LIBS[@]}" || return 1
    awk -f scripts/cm4/map-size.awk "$dir/image.map" | sort >"$dir/objects.txt"
}

# total <group> <file>: "flash ram" of a group (text + rodata, data + bss)
total() {
    awk -v g="$1" '$1 == g { f += $3 + $4; r += $5 + $6 } END { printf "%d %d\n", f, r }' "$2"
}

# RAM of the PSA key store (the static key slots) in an image, 0 without it.
slot_ram() {
    awk '$1 == "mbedtls" && $2 ~ /^psa_crypto_slot_management/ { r += $5 + $6 } END { print r + 0 }' "$1"
}

ctx_size() {
    local hex
    hex=$("${CROSS}nm" -S "$1" | awk '$4 == "g_ctx" { print $2 }')
    [ -n "$hex" ] || die "g_ctx not found in $1"
    echo $((16#$hex))
}

kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

BUILT=()
NOTES=()
for be in $BACKENDS; do
    backend_setup "$be"
    # Every image of every requested backend must build: a failure is an
    # error of make size, never a row left out.
    # (certificates need IKEv2: the cert backend has no image (a))
    rm -rf "$OUT/$be/a"
    [ "$be" = cert ] || build_image "$OUT/$be/a" -DTIP_CONF_IKEV2=0 ||
        die "the $be image (a) (ESP core) did not build; see the messages above"
    build_image "$OUT/$be/b" -DTIP_CONF_IKE_RESPONDER=0 ||
        die "the $be image (b) (IKEv2 initiator) did not build; see the messages above"
    build_image "$OUT/$be/c" ||
        die "the $be image (c) (both IKEv2 roles) did not build; see the messages above"
    rm -rf "$OUT/$be/e"
    if [ "$be" != cert ] && [ -z "${TIP_SIZE_CONFIG:-}" ]; then
        IMG_CONFIG=tinyipsec/config_minimal.h build_image "$OUT/$be/e" ||
            die "the $be image (e) (smallest initiator) did not build; see the messages above"
    fi
    BUILT+=("$be")
    NOTES+=("$be: $B_DESC")
done

echo "tinyipsec footprint on Cortex-M4 (${CROSS}gcc $("${CROSS}gcc" -dumpversion), -Os, --gc-sections, newlib-nano)"
echo "configuration: $CONFIG"
for n in "${NOTES[@]}"; do echo "backend $n"; done
echo "flash = text + rodata, RAM = data + bss, bytes (KB); slots = the PSA key slots in Mbed TLS's RAM"
echo
printf '%-30s %-8s %16s %6s %16s %6s %6s %11s %14s %16s\n' image backend "tinyipsec flash" "RAM" \
    "Mbed TLS flash" "RAM" "slots" "rest flash" "tip_ctx_t" "ctx + Mbed RAM"
for v in a b c e; do
    case $v in
        a) label="(a) ESP core, manual keying" ;;
        b) label="(b) + IKEv2 initiator" ;;
        c) label="(c) + IKEv2 responder" ;;
        e) label="(e) smallest initiator" ;;
    esac
    for be in "${BUILT[@]}"; do
        f=$OUT/$be/$v/objects.txt
        [ -f "$f" ] || continue
        read -r tf tr <<<"$(total tinyipsec "$f")"
        read -r mf mr <<<"$(total mbedtls "$f")"
        read -r rf rr <<<"$(total rest "$f")"
        cs=$(ctx_size "$OUT/$be/$v/image.elf")
        sl=$(slot_ram "$f")
        printf '%-30s %-8s %8d (%5s) %6d %8d (%5s) %6d %6d %11d %6d (%5s) %8d (%5s)\n' "$label" "$be" \
            "$tf" "$(kb "$tf")" "$tr" "$mf" "$(kb "$mf")" "$mr" "$sl" "$rf" "$cs" "$(kb "$cs")" \
            "$((cs + mr))" "$(kb $((cs + mr)))"
        label=""
    done
done
echo "(e): include/tinyipsec/config_minimal.h (initiator only, one CHILD SA, no IKE SA rekeying, no MOBIKE)"
echo "(d) example firmware (tinyipsec / Mbed TLS / lwIP / rest, stack and arena peaks): measured by the firmware build, not by make size"

if [ "$VERBOSE" = 1 ]; then
    for be in "${BUILT[@]}"; do
        for v in a b c e; do
            [ -f "$OUT/$be/$v/objects.txt" ] || continue
            echo
            echo "== ($v) $be: tinyipsec per object: text rodata data bss"
            awk '$1 == "tinyipsec" { printf "  %-24s %6d %6d %6d %6d\n", $2, $3, $4, $5, $6 }' \
                "$OUT/$be/$v/objects.txt" | sort -k2 -n -r
        done
        echo
        echo "== (c) $be: Mbed TLS per object: text rodata data bss"
        awk '$1 == "mbedtls" { printf "  %-36s %6d %6d %6d %6d\n", $2, $3, $4, $5, $6 }' \
            "$OUT/$be/c/objects.txt" | sort -k2 -n -r
    done
fi
