#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Puts the lwIP and Mbed TLS sources where lib/lwip/library.json and
# lib/mbedtls/library.json expect them (lib/lwip/lwip, lib/mbedtls/mbedtls).
# Needs git and network access; any lwIP 2.1/2.2 and Mbed TLS 3.6 tree works
# (on Debian: `apt-get source lwip mbedtls` and move the trees there).
set -eu
cd "$(dirname "$0")"
[ -d lib/lwip/lwip ] ||
    git clone --depth 1 --branch STABLE-2_2_1_RELEASE https://git.savannah.nongnu.org/git/lwip.git lib/lwip/lwip
[ -d lib/mbedtls/mbedtls ] ||
    git clone --depth 1 --branch mbedtls-3.6.6 https://github.com/Mbed-TLS/mbedtls.git lib/mbedtls/mbedtls
echo "lib/lwip/lwip and lib/mbedtls/mbedtls are in place; pio run -e nucleo_f429zi"
