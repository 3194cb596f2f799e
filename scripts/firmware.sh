#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make firmware: the example firmware for the QEMU board mps2-an386
# (Cortex-M4F, LAN9118): lwIP 2.2.1 (trixie's source package) and Mbed TLS
# 3.6 (the source scripts/mbedtls36.sh unpacks), fetched and cached by
# scripts/cm4/target-libs.sh, then scripts/firmware.mk. A build log with any
# compiler warning fails.
#
# FW_BOARD=nucleo_f429zi (make firmware-stm32): the PlatformIO project's
# STM32 board code, compiled and linked (not run: QEMU has no STM32 with
# Ethernet) against the STM32F4 HAL and CMSIS that PlatformIO's stm32cube
# framework would supply. They are not in the repository and not in Debian:
# TIP_STM32_VENDOR names a directory with either an unpacked tree
# (stm32f4/stm32f4xx-hal-driver, stm32f4/cmsis-device-f4, stm32f4/cmsis-core)
# or the archive stm32f4-hal-*.tar.xz holding one; default ../shared/vendor
# beside the repository. Without it the STM32 build is skipped (exit 0,
# "SKIPPED" on stdout), so a fresh clone's CI does not depend on it.
#
# FW_STACKPROBE=1: a second QEMU firmware (build/firmware/mps2-an386-stackprobe)
# whose tinyipsec objects are compiled with -finstrument-functions, so that
# the board records the deepest stack pointer seen on entry to a tinyipsec
# function: the stack tinyipsec's own frames take, without Mbed TLS's (the
# RNG callbacks Mbed TLS makes into tinyipsec are left out).
#
# Environment: TIP_JOBS (2), FW_BOARD (mps2-an386 | nucleo_f429zi),
# TIP_STM32_VENDOR, FW_STACKPROBE.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${TIP_JOBS:-2}
BOARD=${FW_BOARD:-mps2-an386}
command -v arm-none-eabi-gcc >/dev/null || { echo "firmware: arm-none-eabi-gcc missing (scripts/deps.sh --ci)" >&2; exit 1; }
EXTRA=()
if [ "$BOARD" = nucleo_f429zi ]; then
    vendor=${TIP_STM32_VENDOR:-$PWD/../shared/vendor}
    stm32=
    if [ -d "$vendor/stm32f4/stm32f4xx-hal-driver" ]; then
        stm32=$vendor/stm32f4
    else
        tarball=$(ls "$vendor"/stm32f4-hal-*.tar.xz 2>/dev/null | head -n1 || true)
        if [ -n "$tarball" ]; then
            cache=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/cm4f/$(basename "$tarball" .tar.xz)
            if [ ! -f "$cache/.unpacked" ]; then
                rm -rf "$cache" && mkdir -p "$cache"
                tar -xJf "$tarball" -C "$cache" && touch "$cache/.unpacked"
            fi
            stm32=$cache/stm32f4
        fi
    fi
    if [ -z "$stm32" ] || [ ! -d "$stm32/stm32f4xx-hal-driver/Inc" ]; then
        echo "firmware: SKIPPED the STM32 build: no STM32F4 HAL in '$vendor' (set TIP_STM32_VENDOR)"
        exit 0
    fi
    EXTRA=(STM32_DIR="$stm32")
fi
if [ "${FW_STACKPROBE:-0}" = 1 ]; then
    EXTRA+=(FW_VARIANT=stackprobe APP_EXTRA=-DAPP_STACK_PROBE=1
        "TIP_EXTRA=-finstrument-functions -finstrument-functions-exclude-function-list=tip_dh_rng,tip_kat_rng")
    BOARD=$BOARD-stackprobe
fi
eval "$(scripts/cm4/target-libs.sh mbedtls-src lwip)"
mkdir -p "build/firmware/$BOARD"
log=build/firmware/$BOARD/build.log
set +e
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -f scripts/firmware.mk -j"$JOBS" \
    FW_BOARD="${FW_BOARD:-mps2-an386}" LWIP="$TIP_CM4_LWIP" MBEDTLS_SRC="$TIP_CM4_MBEDTLS_SRC" "${EXTRA[@]}" 2>&1 | tee "$log" |
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
