# SPDX-License-Identifier: Apache-2.0
#
# Sourced by the test/tshark/*.sh tests: checks the arguments and tshark,
# finds the test's generator program, makes a work directory (removed on
# exit unless TIP_TSHARK_DEBUG is set) and runs the generator into it.
#
#   tip_tshark_setup BUILD_DIR GENERATOR_NAME OVERRIDE_VARIABLE
#
# Sets: tshark (the program; CMake passes $TSHARK), gen, work. Exits 1 with
# a FAIL line when anything is missing: these tests never skip.
tip_tshark_setup() {
    local b=$1 name=$2 var=$3
    [ -n "$b" ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
    tshark=${TSHARK:-tshark}
    if ! command -v "$tshark" >/dev/null 2>&1; then
        echo "FAIL: tshark not found (apt-get install tshark); this test does not skip" >&2
        exit 1
    fi
    gen=${!var:-}
    if [ -z "$gen" ]; then
        gen=$(find "$b" -type f -name "$name" -perm -u+x 2>/dev/null | head -n 1)
    fi
    if [ -z "$gen" ] || [ ! -x "$gen" ]; then
        echo "FAIL: $name not found under $b (set $var)" >&2
        exit 1
    fi
    work=$(mktemp -d)
    trap '[ -n "${TIP_TSHARK_DEBUG:-}" ] || rm -rf "$work"' EXIT
    if ! "$gen" "$work" >"$work/gen.log" 2>&1; then
        echo "FAIL: $gen failed:" >&2
        cat "$work/gen.log" >&2
        exit 1
    fi
}
