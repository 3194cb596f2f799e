#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# On-target tests: test/{unit,vectors,sim,alloc} cross-built for Cortex-M4F
# (test/target/CMakeLists.txt) and run by CTest, each under
# qemu-system-arm -M mps2-an386 with semihosting (scripts/cm4/qemu-run.sh,
# a time limit per test). Ends with one line
#   target tests: N passed, N failed, N skipped (Cortex-M4F, QEMU mps2-an386)
# and exits 1 if any test failed.
#
# Environment: TIP_JOBS (2), TIP_TARGET_TEST_TIMEOUT (600 s per test),
# TIP_TARGET_TESTS_DIR (build/target-tests), TIP_TARGET_TEST_REGEX (ctest -R).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
JOBS=${TIP_JOBS:-2}
BDIR=${TIP_TARGET_TESTS_DIR:-build/target-tests}

for t in arm-none-eabi-gcc qemu-system-arm cmake ctest; do
    command -v "$t" >/dev/null || { echo "target-tests: $t not found (scripts/deps.sh --ci)" >&2; exit 1; }
done
eval "$(scripts/cm4/target-libs.sh mbedtls cmocka)"

cmake -S test/target -B "$BDIR" -DCMAKE_TOOLCHAIN_FILE="$ROOT/scripts/cm4/arm-cm4f.cmake" \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DTIP_MBEDTLS_ROOT="$TIP_CM4_MBEDTLS" \
    -DTIP_CM4_CMOCKA="$TIP_CM4_CMOCKA" \
    -DTIP_TEST_TIMEOUT="${TIP_TARGET_TEST_TIMEOUT:-600}" >"$BDIR.cmake.log" 2>&1 ||
    { cat "$BDIR.cmake.log"; exit 1; }
grep -E 'skipped|target tests' "$BDIR.cmake.log" || true
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 1800 cmake --build "$BDIR" -j"$JOBS"

set +e
(cd "$BDIR" && timeout 3600 ctest --output-on-failure -j"$JOBS" ${TIP_TARGET_TEST_REGEX:+-R "$TIP_TARGET_TEST_REGEX"}) \
    2>&1 | tee "$BDIR/ctest.log"
rc=${PIPESTATUS[0]}
set -e
passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$BDIR/ctest.log" || true)
failed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(Failed|Timeout|Exception|Not Run)' "$BDIR/ctest.log" || true)
skipped=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*Skipped' "$BDIR/ctest.log" || true)
echo "target tests: $passed passed, $failed failed, $skipped skipped (Cortex-M4F, QEMU mps2-an386)"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
