#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Footprint of the example firmware (make firmware; QEMU board mps2-an386,
# Cortex-M4F, -Os, --gc-sections): flash and RAM split into tinyipsec /
# Mbed TLS / lwIP / the rest from the linker map (scripts/cm4/map-split.py),
# then the figures measured on the emulated target (QEMU with
# -icount shift=0): sizeof(tip_ctx_t), and per DH group the stack high-water
# mark and the Mbed TLS arena peak of a whole IKEv2 handshake, a CHILD SA
# rekey with PFS and an IKE SA rekey, and instructions per exchange and per
# ESP packet.
#
#   scripts/cm4/firmware-size.sh [--markdown]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=build/firmware/mps2-an386
[ -f "$OUT/firmware.elf" ] || scripts/firmware.sh >/dev/null
echo "== firmware: $OUT/firmware.elf (arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion), -Os, newlib-nano, --gc-sections)"
/usr/bin/python3 scripts/cm4/map-split.py "$OUT/firmware.map" "$@"
echo "== measured on the target (qemu-system-arm -M mps2-an386 -icount shift=0)"
set +e
scripts/cm4/qemu-run.sh -t 300 "$OUT/firmware.elf" -icount shift=0 -append "measure=1 net=0 icount=1" \
    >"$OUT/measure.log" 2>&1
rc=$?
set -e
sed -n 's/^measure: //p' "$OUT/measure.log"
[ "$rc" -eq 0 ] || { echo "firmware-size: the measurement run FAILED (exit $rc; $OUT/measure.log)" >&2; exit 1; }

# tinyipsec's own frames: the stack-probe build (-finstrument-functions on
# tinyipsec only; its frames come out slightly larger than without it)
echo "== tinyipsec's stack alone (FW_STACKPROBE=1 build, -finstrument-functions on tinyipsec)"
FW_STACKPROBE=1 scripts/firmware.sh >/dev/null
P=build/firmware/mps2-an386-stackprobe
set +e
scripts/cm4/qemu-run.sh -t 300 "$P/firmware.elf" -append "measure=1 net=0" >"$P/measure.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || { echo "firmware-size: the stack-probe run FAILED (exit $rc; $P/measure.log)" >&2; exit 1; }
sed -n 's/^measure: \([^ ]*\) *\([a-z-]*\) OK: .*tinyipsec frames alone \([0-9]*\) B (deepest on entry to the function at \(0x[0-9a-f]*\)).*/\1 \2 \3 \4/p' \
    "$P/measure.log" | while read -r group exchange bytes addr; do
    fn=$(arm-none-eabi-addr2line -f -e "$P/firmware.elf" "$(printf '0x%x' $((addr & ~1)))" | head -n1)
    echo "$group $exchange: tinyipsec frames alone $bytes B (deepest: $fn)"
done
