#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test_tshark_ike_cp.sh BUILD_DIR
#
# Independent-decoder test of the configuration payload, part 2. Runs
# test_tshark_ike_cp_keylog_gen (found under BUILD_DIR, or
# $TIP_TSHARK_IKE_CP_GEN): a road warrior asks a gateway for a virtual
# address in IKE_AUTH and sends one datagram from it. tshark (Wireshark's
# ISAKMP and ESP dissectors with the key log's tables: nothing shared with
# tinyipsec) must show, with nothing malformed and no expert warning:
#   - frame 3, the IKE_AUTH request: a CP payload (47) of type CFG_REQUEST
#     (1) with the attributes INTERNAL_IP4_ADDRESS, INTERNAL_IP4_DNS,
#     INTERNAL_IP6_ADDRESS, INTERNAL_IP6_DNS (1, 3, 8, 10);
#   - frame 4, the response: CP type CFG_REPLY (2) with INTERNAL_IP4_ADDRESS
#     10.3.0.10 and INTERNAL_IP4_DNS 10.2.0.53;
#   - frame 5: ESP whose ICV verifies, from 10.3.0.10 inside.
# Then a control run without the key tables must not show the CP payload.
# Exits 1 on any failure, including a missing tshark (never skips).
#
# tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_CP
# tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
set -uo pipefail

build=${1:-}
# shellcheck source=tshark_setup.sh
. "$(dirname "$0")/tshark_setup.sh"
tip_tshark_setup "$build" test_tshark_ike_cp_keylog_gen TIP_TSHARK_IKE_CP_GEN

# run_tshark DIR_WITH_TABLES OUT (private configuration directory)
run_tshark() {
    local tables=$1 out=$2 cfg f
    cfg=$(mktemp -d "$work/cfg.XXXXXX")
    mkdir -p "$cfg/wireshark"
    for f in ikev2_decryption_table esp_sa; do
        cp "$tables/$f" "$cfg/$f"
        cp "$tables/$f" "$cfg/wireshark/$f"
    done
    WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg XDG_CONFIG_HOME=$cfg timeout 120 \
        "$tshark" -n -r "$work/ike.pcap" \
        -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
        -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e isakmp.typepayload -e isakmp.cfg.type -e isakmp.cfg.attr.type \
        -e isakmp.cfg.attr.internal_ip4_address -e isakmp.cfg.attr.internal_ip4_dns \
        -e esp.icv_good -e ip.src -e _ws.malformed -e _ws.expert.severity -e _ws.expert.message \
        >"$out" 2>"$out.err"
    local rc=$?
    if [ $rc -ne 0 ] || grep -qiE 'error|invalid|uat|esp_sa|ikev2_decryption' "$out.err"; then
        echo "tshark (rc=$rc) complained:" >&2
        grep -v 'Running as user' "$out.err" >&2
        return 1
    fi
}

rc=0
fail() { echo "FAIL  $*"; rc=1; }
if ! run_tshark "$work" "$work/tshark.txt"; then
    echo "RESULT: FAIL (tshark)"
    exit 1
fi
echo "tshark $("$tshark" --version 2>/dev/null | head -n 1 | sed -e 's/^TShark (Wireshark) //' -e 's/\.$//'), $(wc -l <"$work/tshark.txt") frames"
# field: 1 frame 2 payloads 3 cfg.type 4 attr types 5 ip4 addr 6 ip4 dns 7 icv 8 ip.src 9 malformed 10 sev 11 msg
line() { awk -F'\t' -v f="$1" '$1 == f' "$work/tshark.txt"; }
col() { printf '%s\n' "$1" | cut -f"$2"; }

l3=$(line 3) l4=$(line 4) l5=$(line 5)
[[ ",$(col "$l3" 2)," == *",47,"* ]] || fail "frame 3: no CP payload (payloads $(col "$l3" 2))"
[ "$(col "$l3" 3)" = 1 ] || fail "frame 3: CP type '$(col "$l3" 3)' != 1 (CFG_REQUEST)"
[ "$(col "$l3" 4)" = "1,3,8,10" ] || fail "frame 3: attributes '$(col "$l3" 4)' != 1,3,8,10"
[[ ",$(col "$l4" 2)," == *",47,"* ]] || fail "frame 4: no CP payload (payloads $(col "$l4" 2))"
[ "$(col "$l4" 3)" = 2 ] || fail "frame 4: CP type '$(col "$l4" 3)' != 2 (CFG_REPLY)"
[ "$(col "$l4" 4)" = "1,3" ] || fail "frame 4: attributes '$(col "$l4" 4)' != 1,3"
[ "$(col "$l4" 5)" = 10.3.0.10 ] || fail "frame 4: INTERNAL_IP4_ADDRESS '$(col "$l4" 5)' != 10.3.0.10"
[ "$(col "$l4" 6)" = 10.2.0.53 ] || fail "frame 4: INTERNAL_IP4_DNS '$(col "$l4" 6)' != 10.2.0.53"
case "$(col "$l5" 7)" in 1 | True) ;; *) fail "frame 5: ESP ICV not verified ('$(col "$l5" 7)')" ;; esac
[[ "$(col "$l5" 8)" == *",10.3.0.10" ]] || fail "frame 5: inner source '$(col "$l5" 8)' is not 10.3.0.10"
for f in 3 4 5; do
    l=$(line "$f")
    [ -z "$(col "$l" 9)" ] || fail "frame $f: malformed: $(col "$l" 11)"
    for s in $(col "$l" 10 | tr , ' '); do
        [ "$s" -lt 6291456 ] || fail "frame $f: expert info at warning/error level: $(col "$l" 11)"
    done
done
[ $rc -eq 0 ] && echo "PASS  frames 3 (CFG_REQUEST), 4 (CFG_REPLY 10.3.0.10, DNS 10.2.0.53), 5 (ESP from 10.3.0.10)"

# Control: without the keys the CP payload is not visible.
mkdir -p "$work/none"
: >"$work/none/ikev2_decryption_table"
: >"$work/none/esp_sa"
if ! run_tshark "$work/none" "$work/tshark_none.txt"; then
    fail "control: tshark failed"
elif awk -F'\t' '$1 == 3 || $1 == 4' "$work/tshark_none.txt" | cut -f3 | grep -q .; then
    fail "control: the CP payload shows without the keys"
else
    echo "PASS  control: without the key tables no CP payload is shown"
fi

if [ $rc -eq 0 ]; then
    echo "RESULT: PASS"
else
    echo "RESULT: FAIL (keep the files with TIP_TSHARK_DEBUG=1: $work)"
fi
exit $rc
