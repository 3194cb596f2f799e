#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run-all.sh [CASE...] - run interop cases one after another (see interop.sh)
# and end with the line "N passed, N failed". Without arguments the cases come
# from INTEROP_CASES (space-separated; default: sw-sw). Each case is limited
# to CASE_TIMEOUT seconds (default 120) and cleans up after itself; a case
# that is killed by the limit still removes its namespaces (its EXIT trap),
# and the namespaces are checked afterwards anyway.
#   LOG_DIR=DIR   keep every case's output there (default: a temp dir, removed
#                 when everything passed)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export LEFT_NS=${LEFT_NS:-tip-left} RIGHT_NS=${RIGHT_NS:-tip-right} NAT_NS=${NAT_NS:-tip-nat}
CASE_TIMEOUT=${CASE_TIMEOUT:-120}

if [ $# -gt 0 ]; then cases=("$@"); else read -r -a cases <<<"${INTEROP_CASES:-sw-sw}"; fi
[ "$(id -u)" = 0 ] || { echo "run-all: must run as root" >&2; exit 1; }
OUT=${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tip-interop.XXXXXX")}
mkdir -p "$OUT"

ns_left() { ip netns list | awk '{print $1}' | grep -xE "$LEFT_NS|$RIGHT_NS|$NAT_NS" || true; }

# a stale topology from an aborted run would make every case fail: refuse early
if [ -n "$(ns_left)" ]; then
    echo "run-all: namespaces already exist: $(ns_left | tr '\n' ' ')" >&2
    echo "run-all: remove them with: $HERE/netns-topology.sh down --kill" >&2
    echo "0 passed, ${#cases[@]} failed"
    exit 1
fi

# build the gateway once, up front (incremental), if a case needs it
need_gw=0 need_keys=0
for c in "${cases[@]}"; do case "$c" in sw-sw*) ;; keys) need_keys=1 ;; *) need_gw=1 ;; esac; done
if [ "$need_gw" = 1 ] && [ -z "${TIP_GATEWAY:-}" ]; then
    echo "run-all: building linux-gateway (build/interop)"
    if ! { timeout 300 cmake -S "$ROOT" -B "$ROOT/build/interop" -DTIP_BUILD_TESTS=OFF \
               -DTIP_BUILD_BENCH=OFF &&
           timeout 600 cmake --build "$ROOT/build/interop" -j"${TIP_JOBS:-2}" --target linux-gateway; } \
            > "$OUT/build.log" 2>&1; then
        tail -20 "$OUT/build.log"
        echo "run-all: linux-gateway does not build; its cases will fail"
    fi
fi
# "keys": a second gateway with the key log, and strongSwan's save-keys plugin
# (built once into the cache), prepared outside the case's time limit
if [ "$need_keys" = 1 ] && [ -z "${TIP_KEYLOG_GATEWAY:-}" ]; then
    echo "run-all: building linux-gateway with -DTIP_KEYLOG=1 (build/interop-keylog)"
    if ! { timeout 300 cmake -S "$ROOT" -B "$ROOT/build/interop-keylog" -DTIP_BUILD_TESTS=OFF \
               -DTIP_BUILD_BENCH=OFF \
               -DCMAKE_C_FLAGS="-DTIP_KEYLOG=1 -DTIP_KEYLOG_NO_WARNING" &&
           timeout 600 cmake --build "$ROOT/build/interop-keylog" -j"${TIP_JOBS:-2}" --target linux-gateway; } \
            > "$OUT/build-keylog.log" 2>&1; then
        tail -20 "$OUT/build-keylog.log"
        echo "run-all: the key-log linux-gateway does not build; keys will fail"
    fi
fi
save_keys=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/save-keys
if [ "$need_keys" = 1 ] && [ -z "${SAVE_KEYS_SO:-}" ] && [ ! -r "$save_keys/libstrongswan-save-keys.so" ]; then
    echo "run-all: building strongSwan's save-keys plugin into $save_keys (once)"
    timeout 900 "$HERE/build-save-keys.sh" "$save_keys" > "$OUT/save-keys.log" 2>&1 ||
        { tail -5 "$OUT/save-keys.log"; echo "run-all: no save-keys plugin; keys will fail"; }
fi

pass=0 fail=0
t_all=$(date +%s)
for c in "${cases[@]}"; do
    t0=$(date +%s)
    timeout --kill-after=30 "$CASE_TIMEOUT" "$HERE/interop.sh" "$c" > "$OUT/$c.log" 2>&1 </dev/null
    rc=$?
    res=$(grep "^RESULT $c:" "$OUT/$c.log" | tail -1)
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        res="RESULT $c: FAIL (timed out after ${CASE_TIMEOUT}s)"
    elif [ -z "$res" ] || { [ $rc -ne 0 ] && [[ "$res" == "RESULT $c: PASS"* ]]; }; then
        res="RESULT $c: FAIL (exit status $rc${res:+, printed: ${res#RESULT $c: }})"
    fi
    # never leave namespaces behind, even after a SIGKILLed case
    if [ -n "$(ns_left)" ]; then
        "$HERE/netns-topology.sh" down --kill >/dev/null 2>&1 || true
        res="RESULT $c: FAIL (left namespaces behind; removed)"
        rc=1
    fi
    if [ $rc -eq 0 ] && [[ "$res" == "RESULT $c: PASS"* ]]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        grep -v '^RESULT ' "$OUT/$c.log" | tail -30 | sed 's/^/    /'
    fi
    echo "$res [$(($(date +%s) - t0))s]"
done
if [ $fail -eq 0 ] && [ -z "${LOG_DIR:-}" ]; then
    rm -rf "$OUT"
    echo "total $(($(date +%s) - t_all))s"
else
    echo "logs: $OUT (total $(($(date +%s) - t_all))s)"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
