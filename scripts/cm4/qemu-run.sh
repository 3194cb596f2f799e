#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs a Cortex-M4F ELF built for mps2-an386 under QEMU with semihosting and
# returns its exit status (newlib exit() / SYS_EXIT_EXTENDED). Output from
# the target (stdout and stderr through semihosting) goes to this script's
# stdout and stderr.
#
#   scripts/cm4/qemu-run.sh [-t seconds] <elf> [extra qemu options...]
#
# Exit status: the program's; 124 when the time limit (default
# TIP_QEMU_TIMEOUT or 120 s) ran out; 134 on a CPU lockup.
set -euo pipefail
limit=${TIP_QEMU_TIMEOUT:-120}
if [ "${1:-}" = -t ]; then
    limit=$2
    shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [-t seconds] <elf> [qemu options...]" >&2; exit 2; }
elf=$1
shift
exec timeout --kill-after=5 "$limit" qemu-system-arm -M mps2-an386 -nographic -monitor none \
    -serial none -semihosting-config enable=on,target=native -kernel "$elf" "$@"
