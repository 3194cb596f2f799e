#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Print the module line-budget table of docs/architecture.md (Markdown rows)
# and the sizes of the data plane and of IKEv2 that README.md quotes, from
# the sources as they are. A module over its budget is marked "over
# budget": split it or simplify it.
#
#   scripts/line-counts.sh          the table, then the data-plane and IKEv2 totals
set -euo pipefail

cd "$(dirname "$0")/.."

# module | budget: lines for the module, or per file with a trailing "e" | job | files (globs)
MODULES=(
    "context, timers|250|init and its configuration check, \`tip_poll\` and its next deadline, lifetimes in seconds|src/ctx.c"
    "events|150|delivery last, from copies; nested callbacks; event names|src/event.c"
    "errors|80|X-macro error and drop-reason strings|src/error.c"
    "key wipe|40|the zeroize helper every key wipe goes through|src/zeroize.c"
    "sequence store|250|manual SAs: sequence marks stored ahead through the port|src/seqstore.c"
    "IP parsing|250|IPv4/IPv6 headers, extension headers, checksums|src/ip.c"
    "SPD|450|policies, selectors, flows, inbound check|src/spd.c"
    "SAD|450|SA pool, SPI hash, lifetimes, outbound choice|src/sad.c"
    "replay|150|RFC 6479 window, ESN inference|src/replay.c"
    "ESP out / in|400e|RFC 4303 encapsulation / decapsulation|src/esp_out.c src/esp_in.c"
    "packet paths|150e|SPD decisions, demux, hand-off to the port|src/output.c src/input.c"
    "NAT-T|150|RFC 3948 keepalives|src/natt.c"
    "addresses|300|text <-> \`tip_addr_t\` without libc networking|src/addr.c"
    "crypto backend|800e|Mbed TLS 2.28 / 3.6|src/crypto_mbedtls.c src/crypto_mbedtls_ike.c"
    "PSA crypto backend|800e|PSA Crypto: Mbed TLS 3.6 / 4.x|src/crypto_psa.c src/crypto_psa_ike.c src/crypto_psa.h"
    "crypto, shared|150|RFC 4868 lengths and the SA checks every backend makes|src/crypto_params.c src/crypto_check.h"
    "manual keying|1100|setkey-compatible text -> public API|src/conf/setkey*.c"
    "IKE codec|1400|RFC 7296 section 3|src/ike/ike_msg.c src/ike/ike_payload*.c"
    "IKE keys|350|RFC 7296 2.13-2.18|src/ike/ike_keys.c"
    "IKE engine|800e|tables and states, timers, connection API, dispatch, SK, proposals|src/ike/ike_sa.c src/ike/ike_timer.c src/ike/ike_conn.c src/ike/ike_input.c src/ike/ike_sk.c src/ike/ike_prop.c"
    "IKE message pool|150|message buffers the IKE SAs borrow, by handle|src/ike/ike_buf.c"
    "IKE fragmentation|400|RFC 7383: negotiation, sending, reassembly|src/ike/ike_frag.c"
    "IKE exchanges|800e|one exchange per file, selectors|src/ike/ike_init.c src/ike/ike_auth.c src/ike/ike_child.c src/ike/ike_child_new.c src/ike/ike_rekey.c src/ike/ike_info.c src/ike/ike_ts.c"
    "virtual addresses|400e|configuration payload (RFC 7296 2.19, 3.15), address pools|src/ike/ike_cp.c src/ike/ike_pool.c"
    "MOBIKE|600|RFC 4555: address updates without rekeying, return routability, NAT prohibition|src/ike/ike_mobike.c"
    "key log|200|Wireshark tables|src/ike/ike_keylog.c"
    "certificates|500|CERT, CERTREQ, signed AUTH (RFC 7427, RFC 4754)|src/ike/ike_cert.c"
    "X.509 and signatures|800|chain, identity, key usage, validity, signers (both backends)|src/crypto_mbedtls_x509.c"
)
# The data plane: everything a static-key ESP tunnel runs, without the
# crypto backend, IKEv2, setkey and the address parser.
DATA_PLANE="src/ctx.c src/event.c src/error.c src/ip.c src/spd.c src/sad.c src/replay.c src/esp_out.c
            src/esp_in.c src/output.c src/input.c src/natt.c src/seqstore.c src/zeroize.c"
# IKEv2: the C files of src/ike/ (its crypto calls are in the backends).
IKEV2=$(echo src/ike/*.c)

lines() { cat "$@" | wc -l | tr -d ' '; }

echo "| module | file(s) | lines (budget) | job |"
echo "| --- | --- | --- | --- |"
for m in "${MODULES[@]}"; do
    IFS='|' read -r name budget job globs <<<"$m"
    each=0
    case "$budget" in *e) each=1 budget=${budget%e} ;; esac
    files=()
    counts=()
    over=""
    total=0
    # shellcheck disable=SC2086 # globs expand here on purpose
    for f in $globs; do
        [ -f "$f" ] || continue
        n=$(lines "$f")
        files+=("\`$f\`")
        counts+=("$n")
        total=$((total + n))
        [ "$each" = 0 ] || [ "$n" -le "$budget" ] || over=" **over budget**"
    done
    [ "${#files[@]}" -gt 0 ] || continue
    [ "$each" = 1 ] || [ "$total" -le "$budget" ] || over=" **over budget**"
    if [ "$each" = 1 ] && [ "${#files[@]}" -gt 1 ]; then
        budget_text="($budget each)"
    else
        budget_text="($budget)"
    fi
    sum=$(IFS=+; echo "${counts[*]}" | sed 's/+/ + /g')
    printf '| %s | %s | %s %s%s | %s |\n' "$name" "$(IFS=,; echo "${files[*]}" | sed 's/,/, /g')" \
        "$sum" "$budget_text" "$over" "$job"
done
echo
# shellcheck disable=SC2086
echo "data plane: $(lines $DATA_PLANE) lines in $(echo $DATA_PLANE | wc -w) files" \
     "($(echo $DATA_PLANE))"
# shellcheck disable=SC2086
echo "IKEv2: $(lines $IKEV2) lines in $(echo $IKEV2 | wc -w) files (src/ike/*.c)"
