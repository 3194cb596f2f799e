#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# doc-sources-check.sh [DOC...]
#
# The documentation's build commands build the library. In each DOC (default:
# README.md and docs/porting.md) the ```sh block that follows the line
# "<!-- build-commands: checked by test/package/doc-sources-check.sh -->" is
# run as written, in a scratch copy of include/ and src/ (only `cc` is
# replaced by $CC plus the Mbed TLS flags of the build). Then:
#   - the .c files its globs name are exactly the Makefile's TIP_SRCS
#     (`make sources`, the one source list);
#   - test/package/consumer/app_full.c, which calls into src/, src/conf/ and
#     src/ike/, links against the libtinyipsec.a it produced and runs;
#   - every DOC gives the same commands.
#
# Environment: CC, TIP_MBEDTLS_CFLAGS (-I...), TIP_MBEDTLS_LIBS (libraries to
# link, default -lmbedcrypto), TIP_CONSUMER_FLAGS (e.g. sanitizers).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ $# -gt 0 ] || set -- README.md docs/porting.md
marker='<!-- build-commands: checked by test/package/doc-sources-check.sh -->'
cc=${CC:-cc}
read -r -a mbed_cflags <<<"${TIP_MBEDTLS_CFLAGS:-}"
read -r -a mbed_libs <<<"${TIP_MBEDTLS_LIBS:--lmbedcrypto}"
read -r -a extra <<<"${TIP_CONSUMER_FLAGS:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make --no-print-directory -s sources | sort >"$work/tip_srcs"

first=""
for doc in "$@"; do
    # the ```sh block after the marker, without comment lines
    awk -v m="$marker" '
        $0 == m { found = 1; next }
        found == 1 && /^[[:space:]]*```sh[[:space:]]*$/ { inblock = 1; found = 2; next }
        inblock && /^[[:space:]]*```[[:space:]]*$/ { exit }
        inblock { print }
    ' "$doc" | sed -e 's/^[[:space:]]*//' | grep -v -e '^#' -e '^$' >"$work/cmds" || true
    if [ ! -s "$work/cmds" ]; then
        echo "$doc: no build commands after the line '$marker'" >&2
        exit 1
    fi
    echo "== $doc:"
    sed 's/^/   /' "$work/cmds"
    if [ -z "$first" ]; then
        first=$doc
        cp "$work/cmds" "$work/cmds.first"
    elif ! cmp -s "$work/cmds" "$work/cmds.first"; then
        echo "$doc and $first give different build commands" >&2
        exit 1
    fi

    rm -rf "$work/tree"
    mkdir -p "$work/tree"
    cp -R include src "$work/tree/"
    # the source files the commands name: every */*.c word, globs expanded
    (cd "$work/tree" && for w in $(cat "$work/cmds"); do
        case "$w" in src/*.c) printf '%s\n' $w ;; esac
    done) | sort -u >"$work/doc_srcs"
    if ! diff -u "$work/tip_srcs" "$work/doc_srcs" >"$work/diff"; then
        echo "$doc: the build commands compile other files than the Makefile's TIP_SRCS" \
             "(- missing, + extra):" >&2
        cat "$work/diff" >&2
        exit 1
    fi
    # run them as written (only the compiler is ours)
    (cd "$work/tree" && while read -r line; do
        case "$line" in
        cc\ *) eval "\"\$cc\" ${line#cc } \"\${mbed_cflags[@]}\" \"\${extra[@]}\"" ;;
        *) eval "$line" ;;
        esac
    done <"$work/cmds") || { echo "$doc: the build commands fail" >&2; exit 1; }
    lib=$(find "$work/tree" -name 'libtinyipsec.a' | head -n1)
    [ -n "$lib" ] || { echo "$doc: the build commands make no libtinyipsec.a" >&2; exit 1; }
    "$cc" -std=c99 -Iinclude "${mbed_cflags[@]}" "${extra[@]}" -o "$work/app_full" \
        test/package/consumer/app_full.c "$lib" "${mbed_libs[@]}"
    "$work/app_full"
done
echo "doc-sources-check: OK ($*)"
