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
# TIP_TARGET_TESTS_DIR (build/target-tests, build/target-tests-psa with PSA),
# TIP_TARGET_TEST_REGEX (ctest -R; only the matching tests are built),
# TIP_TARGET_CRYPTO: mbedtls (default: the classic backend on the Cortex-M4F
# Mbed TLS 3.6 of target-libs.sh, certificates off), mbedtls-cert (the same
# with X.509, target-libs.sh mbedtls-cert, and TIP_CONF_IKE_CERT=1: the
# certificate tests and test/target/cert_measure.c run too) or psa
# (the PSA backend on a Cortex-M4F TF-PSA-Crypto 1.0 built by
# scripts/cm4/mbedtls4-cm4.sh with scripts/cm4/tf_psa_crypto_cm4_config.h
# and a key store sized for the tests, scripts/cm4/tf_psa_crypto_cm4_test_config.h;
# needs TIP_MBEDTLS4_VENDOR or TIP_MBEDTLS4_SRC as that script reads them).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
JOBS=${TIP_JOBS:-2}
CRYPTO=${TIP_TARGET_CRYPTO:-mbedtls}
case $CRYPTO in
mbedtls) BDIR=${TIP_TARGET_TESTS_DIR:-build/target-tests} ;;
mbedtls-cert) BDIR=${TIP_TARGET_TESTS_DIR:-build/target-tests-cert} ;;
psa) BDIR=${TIP_TARGET_TESTS_DIR:-build/target-tests-psa} ;;
*) echo "target-tests: TIP_TARGET_CRYPTO must be mbedtls, mbedtls-cert or psa, not '$CRYPTO'" >&2; exit 1 ;;
esac

for t in arm-none-eabi-gcc qemu-system-arm cmake ctest; do
    command -v "$t" >/dev/null || { echo "target-tests: $t not found (scripts/deps.sh --ci)" >&2; exit 1; }
done
CRYPTO_ARGS=()
if [ "$CRYPTO" = psa ]; then
    eval "$(scripts/cm4/target-libs.sh cmocka)"
    psa=$(CM4_FLOAT=hard TIP_CM4_PSA_CONFIG=$ROOT/scripts/cm4/tf_psa_crypto_cm4_test_config.h \
        scripts/cm4/mbedtls4-cm4.sh | tail -n1) ||
        { echo "target-tests: no Cortex-M4F TF-PSA-Crypto (scripts/cm4/mbedtls4-cm4.sh)" >&2; exit 1; }
    CRYPTO_ARGS=(-DTIP_TARGET_PSA_PREFIX="$psa" -DTIP_TARGET_PSA_CONFIG=tf_psa_crypto_cm4_test_config.h)
elif [ "$CRYPTO" = mbedtls-cert ]; then
    eval "$(scripts/cm4/target-libs.sh mbedtls-cert cmocka)"
    CRYPTO_ARGS=(-DTIP_MBEDTLS_ROOT="$TIP_CM4_MBEDTLS_CERT" -DTIP_TARGET_CERT=ON
                 -DTIP_TARGET_MBEDTLS_CONFIG=mbedtls_fw_cert_config.h)
else
    eval "$(scripts/cm4/target-libs.sh mbedtls cmocka)"
    CRYPTO_ARGS=(-DTIP_MBEDTLS_ROOT="$TIP_CM4_MBEDTLS")
fi

cmake -S test/target -B "$BDIR" -DCMAKE_TOOLCHAIN_FILE="$ROOT/scripts/cm4/arm-cm4f.cmake" \
    -DCMAKE_BUILD_TYPE=MinSizeRel "${CRYPTO_ARGS[@]}" \
    -DTIP_CM4_CMOCKA="$TIP_CM4_CMOCKA" -DTIP_TARGET_BUILD_REGEX="${TIP_TARGET_TEST_REGEX:-}" \
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
echo "target tests: $passed passed, $failed failed, $skipped skipped (Cortex-M4F, QEMU mps2-an386, crypto $CRYPTO)"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
