#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Compile port/lwip for Cortex-M4 (arm-none-eabi-gcc, -Werror) against the
# headers of lwIP 2.1.3 and 2.2.1 (scripts/lwip-src.sh) with the bare-metal
# options of test/lwip/cm4/, and print the size of each object. Nothing is
# linked: the firmware build does that.
#
#   scripts/lwip-cm4-check.sh [2.1] [2.2]     (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${CM4_CC:-arm-none-eabi-gcc}
SIZE=${CM4_SIZE:-arm-none-eabi-size}
series=("$@")
[ "${#series[@]}" -gt 0 ] || series=(2.1 2.2)
command -v "$CC" >/dev/null || { echo "lwip-cm4-check: $CC not found (scripts/deps.sh --ci)" >&2; exit 1; }

for s in "${series[@]}"; do
    src=$(scripts/lwip-src.sh "$s" | tail -n1)
    out=build/lwip-cm4/$s
    rm -rf "$out"
    mkdir -p "$out"
    for c in port/lwip/*.c; do
        "$CC" -mcpu=cortex-m4 -mthumb -mfloat-abi=soft -Os -std=c99 -Wall -Wextra -Wundef -Werror \
            -ffunction-sections -fdata-sections -Iinclude -Iport/lwip \
            -isystem test/lwip/cm4 -isystem "$src/src/include" \
            -c "$c" -o "$out/$(basename "${c%.c}").o"
    done
    echo "port/lwip for Cortex-M4 against lwIP $s ($src):"
    "$SIZE" "$out"/*.o
done
