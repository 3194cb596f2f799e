#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# install-check.sh BUILD_DIR
#
# Installs the tinyipsec built in BUILD_DIR into a temporary prefix, then
# builds the applications of test/package/consumer/ against it twice: with
# find_package(tinyipsec) (CMake) and with pkg-config (tinyipsec and
# tinyipsec-posix), and runs them. They pass no configuration flag, so they
# also check that the package carries the library's configuration
# (tip_ctx_init() refuses any other).
#
# Environment: CC (the compiler of the build), TIP_CONSUMER_FLAGS (extra
# compile and link flags, e.g. the sanitizers of the build), CMAKE.
set -euo pipefail

build=${1:?usage: install-check.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
cmake=${CMAKE:-cmake}
cc=${CC:-cc}
read -r -a extra <<<"${TIP_CONSUMER_FLAGS:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }

step "install $build into $work/prefix"
"$cmake" --install "$build" --prefix "$work/prefix" >"$work/install.log"

step "find_package(tinyipsec COMPONENTS posix)"
"$cmake" -S "$here/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${extra[*]}" \
    -DCMAKE_EXE_LINKER_FLAGS="${extra[*]}" >"$work/cmake.log" ||
    { cat "$work/cmake.log"; exit 1; }
"$cmake" --build "$work/cmake" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
"$work/cmake/app_core"
"$work/cmake/app_posix"

step "pkg-config tinyipsec / tinyipsec-posix"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
[ -d "$work/prefix/lib/pkgconfig" ] ||
    export PKG_CONFIG_PATH="$(dirname "$(find "$work/prefix" -name tinyipsec.pc | head -n1)")"
for app in core:tinyipsec posix:tinyipsec-posix; do
    name=${app%%:*}
    pc=${app#*:}
    # shellcheck disable=SC2046 # pkg-config's output is a list of words
    "$cc" -std=c99 -Wall -Wextra -Werror "${extra[@]}" -o "$work/pc_$name" \
        "$here/consumer/app_$name.c" $(pkg-config --cflags --libs "$pc")
    "$work/pc_$name"
done
echo "install-check: OK"
