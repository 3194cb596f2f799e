#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make demo` installs only what the demo needs: the scripts/deps.sh command
# its recipe runs selects none of the packages only the tests use.
set -euo pipefail

cd "$(dirname "$0")/../.."
cmd=$(make -n --no-print-directory demo | grep -m1 'scripts/deps\.sh' || true)
[ -n "$cmd" ] || { echo "make demo does not run scripts/deps.sh" >&2; exit 1; }
pkgs=$(eval "$cmd --list")
echo "make demo: $cmd -> $(echo $pkgs)"
rc=0
for p in libcmocka-dev tshark cppcheck clang; do
    if grep -qx "$p" <<<"$pkgs"; then
        echo "make demo would install $p, which only the tests need" >&2
        rc=1
    fi
done
grep -qx libmbedtls-dev <<<"$pkgs" || { echo "make demo does not install Mbed TLS" >&2; rc=1; }
exit "$rc"
