#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Measure and print the tables of docs/performance.md (Markdown rows, ready
# to paste), so every figure there comes from one command.
#
#   scripts/perf-tables.sh esp  [VERSION]       ESP / bare-primitive ratios (bench/esp_bench, ~1 min)
#   scripts/perf-tables.sh ike  [VERSION]       IKEv2 handshakes / bare DH (bench/ike_bench, ~15 s),
#                                               RAM and Mbed TLS heap per SA (x86-64)
#   scripts/perf-tables.sh backends             the targets side by side for Mbed TLS 3.6 classic,
#                                               3.6 PSA and 4.0 PSA (AES-GCM-128 ESP, groups 19/31)
#   scripts/perf-tables.sh cm4                  Cortex-M4 code size, sizeof(tip_ctx_t) and the
#                                               per-slot sizes (scripts/cm4-build.sh)
#   scripts/perf-tables.sh all                  all of the above, for Mbed TLS 2.28 and 3.6
#   VERSION: --mbedtls36 (Mbed TLS 3.6), --mbedtls40 (4.0, PSA backend), --psa (the PSA
#   backend; with --mbedtls36), default Mbed TLS 2.28 with the classic backend.
#
# The benchmarks are built as `make bench` builds them (CMake Release, -O3)
# in build/perf-2.28, build/perf-3.6[-psa] or build/perf-4.0-psa (Mbed TLS
# 3.6 from scripts/mbedtls36.sh, with --psa for the PSA backend; 4.0 from
# scripts/mbedtls40.sh).
# Environment: ESP_ARGS (default "20 15": ms per round, rounds), IKE_ARGS
# (default "40 25"), TIP_JOBS.
set -euo pipefail

cd "$(dirname "$0")/.."
JOBS=${TIP_JOBS:-2}
what=${1:-all}
shift || true
mbed=2.28
crypto=mbedtls
for a in "$@"; do
    case "$a" in
    --mbedtls36) mbed=3.6 ;;
    --mbedtls40) mbed=4.0; crypto=psa ;;
    --psa) crypto=psa ;;
    *) echo "perf-tables: unknown option $a" >&2; exit 2 ;;
    esac
done
if [ "$mbed/$crypto" = 2.28/psa ]; then
    echo "perf-tables: the PSA backend needs --mbedtls36 or --mbedtls40" >&2
    exit 2
fi
log() { printf 'perf-tables: %s\n' "$*" >&2; }

build_bench() { # mbed version, crypto backend (mbedtls|psa) -> prints the bench directory
    local v=$1 c=${2:-mbedtls} dir=build/perf-$1 root=
    [ "$c" = psa ] && dir=$dir-psa
    case "$v" in
    3.6) root=$(scripts/mbedtls36.sh $([ "$c" = psa ] && echo --psa) | tail -n1) ;;
    4.0) root=$(scripts/mbedtls40.sh | tail -n1) ;;
    esac
    log "building the benchmarks against Mbed TLS $v ($c backend) in $dir"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DTIP_MBEDTLS_ROOT="$root" \
        -DTIP_CRYPTO_BACKEND="$c" \
        -DTIP_BUILD_TESTS=OFF -DTIP_BUILD_EXAMPLES=OFF -DTIP_BUILD_BENCH=ON >"$dir.log" 2>&1 &&
        cmake --build "$dir" -j"$JOBS" --target esp_bench ike_bench >>"$dir.log" 2>&1 ||
        { tail -20 "$dir.log" >&2; exit 1; }
    echo "$dir/bench"
}

esp_table() { # mbed version, crypto backend
    local v=$1 dir out
    dir=$(build_bench "$v" "${2:-mbedtls}")
    log "esp_bench ${ESP_ARGS:-20 15} (Mbed TLS $v)"
    # shellcheck disable=SC2086 # ESP_ARGS is a list of words
    out=$("$dir/esp_bench" ${ESP_ARGS:-20 15})
    awk '
        /^tinyipsec .* Mbed TLS / {
            for (i = 1; i <= NF; i++) if ($i == "TLS") { ver = $(i + 1); be = $(i + 2) }
            sub(/,$/, "", ver)
            if (be == "PSA") ver = ver " PSA"
        }
        NF == 8 && $2 ~ /^[0-9]+$/ && ($3 == "enc" || $3 == "dec") {
            if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
            r[$1, $2, $3] = $8
            if ($1 == "aes-gcm-128" && $3 == "enc") { pps[$2] = $4; mbs[$2] = $5 }
        }
        END {
            for (i = 1; i <= n; i++) {
                s = order[i]
                printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", s, ver,
                       r[s, 64, "enc"], r[s, 64, "dec"], r[s, 512, "enc"], r[s, 512, "dec"],
                       r[s, 1400, "enc"], r[s, 1400, "dec"]
            }
            printf "\nAES-GCM-128 encapsulation, Mbed TLS %s: %.0f k packets/s at 64 B, %.0f k packets/s (%.0f MB/s of inner packets) at 1400 B.\n",
                   ver, pps[64] / 1000, pps[1400] / 1000, mbs[1400]
        }' <<<"$out"
}

ike_table() { # mbed version, crypto backend
    local v=$1 dir out
    dir=$(build_bench "$v" "${2:-mbedtls}")
    log "ike_bench ${IKE_ARGS:-40 25} (Mbed TLS $v)"
    # shellcheck disable=SC2086
    out=$("$dir/ike_bench" ${IKE_ARGS:-40 25})
    awk '
        /^ike_bench: Mbed TLS / {
            ver = $4; sub(/,$/, "", ver); x = $0; sub(/.*X25519 /, "", x)
            if ($5 == "PSA") ver = ver " PSA"
        }
        /^[A-Za-z0-9-]+ \([0-9]+\) +[0-9.]+ / {
            name[++n] = $1 " " $2; hs[n] = $3; dh[n] = $5; ratio[n] = $6
            via[n] = ($1 ~ /25519/ ? x : "")
        }
        /^[A-Za-z0-9-]+ \([0-9]+\) +not available/ {
            name[++n] = $1 " " $2; hs[n] = "-"; dh[n] = "-"; ratio[n] = "-"; peak[n] = "-"
            callocs[n] = "-"; via[n] = "not available with the " $6 " backend"
        }
        /^  Mbed TLS heap, both peers together: peak/ {
            peak[n] = $8; callocs[n] = $10
        }
        /^RAM \(this build/ {
            line = $0; getline; line = line " " $0; getline; line = line " " $0
            gsub(/[;,]/, " ", line)
            m = split(line, w, /[ ]+/)
            for (i = 1; i < m; i++) {
                if (w[i] == "sizeof(tip_ctx_t)") ctx = w[i + 1]
                if (w[i] == "(tip_ike_sa_t)") ikesa = w[i + 1]
                if (w[i] == "(tip_ike_conn_slot_t)") conn = w[i + 1]
                if (w[i] == "(tip_sa_t)") sa = w[i + 1]
                if (w[i] == "(tip_policy_slot_t)") pol = w[i + 1]
                if (w[i] == "SA:" && w[i - 1] == "ESP") heap_sa = w[i + 1]
            }
        }
        END {
            for (i = 1; i <= n; i++)
                printf "| %s | %s | %s | %s | %s | %s%s | %s | %s |\n", ver, name[i], hs[i], dh[i],
                       ratio[i], peak[i], (peak[i] == "-" ? "" : " B"), callocs[i], via[i]
            print ""
            printf "| `tip_ctx_t` (default configuration) | %s B |\n", ctx
            printf "| one IKE SA slot (`tip_ike_sa_t`) | %s B |\n", ikesa
            printf "| one connection slot (`tip_ike_conn_slot_t`) | %s B |\n", conn
            printf "| one ESP SA slot (`tip_sa_t`) | %s B |\n", sa
            printf "| one SPD slot (`tip_policy_slot_t`) | %s B |\n", pol
            printf "| Mbed TLS heap held per AES-GCM-128 SA (IKE SK direction or ESP SA), Mbed TLS %s | %s B |\n", ver, heap_sa
        }' <<<"$out"
}

backends_row() { # mbed version, crypto backend
    local v=$1 c=$2 dir esp ike19 ike31
    dir=$(build_bench "$v" "$c")
    log "esp_bench ${ESP_ARGS:-20 15} aes-gcm-128, ike_bench ${IKE_ARGS:-40 25} 19 and 31 (Mbed TLS $v, $c)"
    # shellcheck disable=SC2086
    esp=$("$dir/esp_bench" ${ESP_ARGS:-20 15} aes-gcm-128)
    # shellcheck disable=SC2086
    ike19=$("$dir/ike_bench" ${IKE_ARGS:-40 25} 19)
    # shellcheck disable=SC2086
    ike31=$("$dir/ike_bench" ${IKE_ARGS:-40 25} 31)
    awk '
        /^tinyipsec .* Mbed TLS / {
            for (i = 1; i <= NF; i++) if ($i == "TLS") { ver = $(i + 1); be = $(i + 2) }
            sub(/,$/, "", ver)
        }
        $1 == "aes-gcm-128" && $2 == 1400 && $3 == "enc" { epps = $4; eprim = $6; er = $8 }
        $1 == "ECP-256" { h19 = $3; d19 = $5; r19 = $6 }
        $1 == "Curve25519" { h31 = $3; d31 = $5; r31 = $6 }
        END {
            printf "| %s | %s | %.2f | %.0f k | %.0f k | %s | %s | %s | %s | %s | %s |\n", ver, be,
                   er, epps / 1000, eprim / 1000, r19, h19, d19, r31, h31, d31
        }' <<<"$esp
$ike19
$ike31"
}

backends_table() {
    echo "| Mbed TLS | backend | ESP ratio | ESP pkt/s | bare AEAD pkt/s | IKE 19 ratio | 19 hs/s | 19 bare-DH/s | IKE 31 ratio | 31 hs/s | 31 bare-DH/s |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    backends_row 3.6 mbedtls
    backends_row 3.6 psa
    backends_row 4.0 psa
}

cm4_tables() {
    local out probe=build/cm4/slot_probe.c inc=() flags=()
    log "scripts/cm4-build.sh"
    out=$(scripts/cm4-build.sh 2>/dev/null)
    # code size: the whole archive, and the data plane (without src/ike and the IKE crypto)
    awk '
        /^== build\/cm4\/libtinyipsec.a/ { on = 1; next }
        /^== / { on = 0 }
        on && NF >= 6 && $1 ~ /^[0-9]+$/ {
            if ($NF ~ /\(TOTALS\)/) { tt = $1; td = $2; tb = $3; next }
            f = $6
            if (f !~ /(^|[ \/])ike_/ && f !~ /crypto_(mbedtls|psa)_(ike|x509)/) { dt += $1; dd += $2; db += $3 }
        }
        /^== Mbed TLS 3.6 libmbedcrypto.a/ { getline; mt = $1; md = $2; mb = $3 }
        END {
            printf "| libtinyipsec.a, everything (ESP, SPD, SAD, NAT-T, IKEv2; setkey compiles out) | %d B | %d | %d |\n", tt, td, tb
            printf "| of which the ESP data plane (`src/*.c` without `src/ike/` and the IKE crypto) | %d B | %d | %d |\n", dt, dd, db
            if (mt != "") printf "| libmbedcrypto.a (scripts/cm4/mbedtls_cm4_config.h) | %d B | %d | %d |\n", mt, md, mb
        }' <<<"$out"
    echo
    sed -n 's/^sizeof(tip_ctx_t) = \([0-9]*\) bytes (Cortex-M4, \(.*\))$/| \2 | \1 B |/p' <<<"$out"
    echo
    # the slots, compiled like cm4-build.sh's own probe
    cat >"$probe" <<'PROBE'
#include "tinyipsec/tinyipsec.h"
tip_ike_sa_t tip_probe_ike_sa;
tip_ike_conn_slot_t tip_probe_conn_slot;
tip_sa_t tip_probe_sa;
tip_policy_slot_t tip_probe_policy_slot;
PROBE
    inc=(-Iinclude)
    if [ -d "${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/mbedtls-3.6-cm4-soft/include" ]; then
        inc+=(-I"${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/mbedtls-3.6-cm4-soft/include")
    fi
    flags=(-std=c99 -Os -mcpu=cortex-m4 -mthumb -mfloat-abi=soft -fno-common)
    arm-none-eabi-gcc "${flags[@]}" "${inc[@]}" -c "$probe" -o "${probe%.c}.o"
    local sym hex name
    declare -A size=()
    while read -r _ hex _ sym; do
        size[$sym]=$((16#$hex))
    done < <(arm-none-eabi-nm -S "${probe%.c}.o")
    for name in "IKE SA slot:tip_ike_sa_t:ike_sa" "connection slot:tip_ike_conn_slot_t:conn_slot" \
                "ESP SA slot:tip_sa_t:sa" "SPD slot:tip_policy_slot_t:policy_slot"; do
        IFS=: read -r what_ type sym <<<"$name"
        printf '| one %s (`%s`) | %s B |\n' "$what_" "$type" "${size[tip_probe_$sym]:-?}"
    done
}

case "$what" in
esp) esp_table "$mbed" "$crypto" ;;
ike) ike_table "$mbed" "$crypto" ;;
backends) backends_table ;;
cm4) cm4_tables ;;
all)
    echo "## esp"; esp_table 2.28; esp_table 3.6
    echo; echo "## ike"; ike_table 2.28; ike_table 3.6
    echo; echo "## backends"; backends_table
    echo; echo "## cm4"; cm4_tables
    ;;
*) sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
