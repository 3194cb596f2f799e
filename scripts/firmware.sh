#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make firmware: the example firmware for the QEMU board mps2-an386
# (Cortex-M4F, LAN9118): lwIP 2.2.1 (trixie's source package) and Mbed TLS
# 3.6 (the source scripts/mbedtls36.sh unpacks), fetched and cached by
# scripts/cm4/target-libs.sh, then scripts/firmware.mk. A build log with any
# compiler warning fails.
#
# Environment: TIP_JOBS (2), FW_BOARD (mps2-an386).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${TIP_JOBS:-2}
BOARD=${FW_BOARD:-mps2-an386}
command -v arm-none-eabi-gcc >/dev/null || { echo "firmware: arm-none-eabi-gcc missing (scripts/deps.sh --ci)" >&2; exit 1; }
eval "$(scripts/cm4/target-libs.sh mbedtls-src lwip)"
mkdir -p "build/firmware/$BOARD"
log=build/firmware/$BOARD/build.log
set +e
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -f scripts/firmware.mk -j"$JOBS" \
    FW_BOARD="$BOARD" LWIP="$TIP_CM4_LWIP" MBEDTLS_SRC="$TIP_CM4_MBEDTLS_SRC" 2>&1 | tee "$log" |
    grep -v '^arm-none-eabi-gcc \|^arm-none-eabi-ar '
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { echo "firmware: build FAILED (log: $log)" >&2; exit 1; }
if grep -q 'warning:' "$log"; then
    grep 'warning:' "$log" >&2
    echo "firmware: compiler warnings (log: $log)" >&2
    exit 1
fi
echo "firmware: build/firmware/$BOARD/firmware.elf (lwIP $TIP_CM4_LWIP, Mbed TLS $TIP_CM4_MBEDTLS_SRC)"
