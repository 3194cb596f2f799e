#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# What certificate authentication (TIP_CONF_IKE_CERT) costs on a Cortex-M4,
# the figures of docs/footprint.md#certificates:
#
#   1. on the target (Cortex-M4F, QEMU mps2-an386): the certificate tests
#      (test_ike_cert*) and test/target/cert_measure.c, which verifies an
#      ECDSA P-256 and an RSA-3072 two-certificate chain through the crypto
#      seam and prints the Mbed TLS arena peak, what stays allocated and
#      the stack of each call (scripts/cm4/target-tests.sh with
#      TIP_TARGET_CRYPTO=mbedtls-cert, on the Mbed TLS 3.6 with X.509 of
#      scripts/cm4/target-libs.sh mbedtls-cert)
#   2. flash: the images (b) and (c) of scripts/size.sh without and with
#      certificates (its backends classic and cert), tinyipsec and Mbed TLS,
#      and the Mbed TLS objects the feature adds to (c)
#   3. sizeof(tip_ctx_t) of the embedded configuration with certificates
#      for a few TIP_IKE_MSG_MAX values (fragmentation keeps
#      TIP_IKE_DGRAM_MAX at 576)
#
# Exits non-zero if a test fails, a chain does not verify, a bad signature
# or a foreign trust anchor is accepted, anything stays allocated, or an
# image does not build.
#
# Usage: scripts/cm4/cert-measure.sh [--target-only]
# Environment: TIP_JOBS (2), CROSS (arm-none-eabi-), TIP_CACHE_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CROSS=${CROSS:-arm-none-eabi-}
TARGET_ONLY=0
[ "${1:-}" = --target-only ] && TARGET_ONLY=1

die() { printf 'cert-measure: ERROR: %s\n' "$*" >&2; exit 1; }
mkdir -p build

echo "== 1. on the Cortex-M4F (QEMU mps2-an386): certificate tests and cert_measure"
TIP_TARGET_CRYPTO=mbedtls-cert TIP_TARGET_TEST_REGEX='cert' \
    TIP_TARGET_TESTS_DIR=build/target-tests-cert scripts/cm4/target-tests.sh >build/cert-measure-target.log 2>&1 ||
    { tail -n 60 build/cert-measure-target.log; die "the on-target certificate tests failed"; }
grep -E '^target tests:' build/cert-measure-target.log
grep -qE 'Test +#[0-9]+: cert_measure .* Passed' build/cert-measure-target.log ||
    die "cert_measure did not run and pass"
# the figures (ctest shows a passing test's output only with -V)
scripts/cm4/qemu-run.sh build/target-tests-cert/cert_measure || die "cert_measure failed"

[ "$TARGET_ONLY" = 1 ] && exit 0

echo
echo "== 2. flash: images (b) and (c) of scripts/size.sh, certificates off (classic) and on (cert)"
TIP_SIZE_BACKENDS="classic cert" scripts/size.sh >build/cert-measure-size.log 2>&1 ||
    { cat build/cert-measure-size.log; die "scripts/size.sh failed"; }
sed -n '1,/^(d)/p' build/cert-measure-size.log | grep -v '^(d)'
S=$ROOT/build/size
sum() { # group file -> text + rodata
    awk -v g="$1" '$1 == g { f += $3 + $4 } END { print f + 0 }' "$2"
}
echo
printf '%-26s %10s %10s %8s\n' "" "off" "on" "cost"
for v in b c; do
    for g in tinyipsec mbedtls rest; do
        off=$(sum "$g" "$S/classic/$v/objects.txt")
        on=$(sum "$g" "$S/cert/$v/objects.txt")
        printf '(%s) %-22s %10d %10d %+8d\n' "$v" "$g flash" "$off" "$on" $((on - off))
    done
done
echo
echo "Mbed TLS objects that change in (c) with certificates (text + rodata, bytes):"
join -a1 -a2 -e0 -o 0,1.2,2.2 \
    <(awk '$1 == "mbedtls" { print $2, $3 + $4 }' "$S/classic/c/objects.txt" | sort) \
    <(awk '$1 == "mbedtls" { print $2, $3 + $4 }' "$S/cert/c/objects.txt" | sort) |
    awk '$2 != $3 { print $3 - $2, $1, $2, $3 }' | sort -k1,1nr |
    awk '{ printf "  %-28s %6d %6d %+6d\n", $2, $3, $4, $1 }'

echo
echo "== 3. sizeof(tip_ctx_t), embedded configuration (Cortex-M4, 32-bit)"
m=$(scripts/cm4-build.sh --mbedtls-cert-prefix 2>/dev/null | tail -n1)
probe=build/cert-measure-probe
mkdir -p "$probe"
printf '#include "tinyipsec/tinyipsec.h"\ntip_ctx_t tip_size_probe_ctx;\n' >"$probe/probe.c"
ctx() { # extra cflags... -> sizeof(tip_ctx_t)
    "${CROSS}gcc" -std=c99 -Os -mcpu=cortex-m4 -mthumb -fno-common -Iinclude -Isrc -I"$m/include" \
        "-DMBEDTLS_CONFIG_FILE=\"mbedtls_cm4_cert_config.h\"" \
        "-DTIP_USER_CONFIG_FILE=\"tinyipsec/config_embedded.h\"" "$@" -c "$probe/probe.c" \
        -o "$probe/probe.o" || die "probe failed: $*"
    echo $((16#$("${CROSS}nm" -S "$probe/probe.o" | awk '$4 == "tip_size_probe_ctx" { print $2 }')))
}
base=$(ctx)
printf '  certificates off, TIP_IKE_MSG_MAX 1280: %6d B\n' "$base"
for n in 1280 2048 3072 4096; do
    s=$(ctx -DTIP_CONF_IKE_CERT=1 -DTIP_IKE_MSG_MAX=$n)
    printf '  certificates on,  TIP_IKE_MSG_MAX %4d: %6d B (%+d)\n' "$n" "$s" $((s - base))
done
