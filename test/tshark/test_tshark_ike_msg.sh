#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test_tshark_ike_msg.sh BUILD_DIR
#
# Independent-decoder test for the IKEv2 message builder (src/ike/ike_msg.h),
# part 2. Runs test_tshark_ike_gen (found under BUILD_DIR, or
# $TIP_TSHARK_IKE_GEN) into a temporary directory, then has tshark
# (Wireshark's own ISAKMP dissector: nothing shared with tinyipsec) dissect
# every frame, UDP 500 and UDP 4500 with the non-ESP marker, in a throw-away
# configuration directory holding the generated ikev2_decryption_table (one
# SK payload laid out as ENCR_NULL, so its inner chain is dissected too).
# For every frame it checks:
#   - nothing is malformed or flagged at expert level warning/error;
#   - the exchange type, and the payload types in order (proposal and
#     transform substructures left out), equal expected.txt;
#   - the notify message types and the traffic selector types too.
# Prints PASS/FAIL per frame; exits 1 on any failure, including a missing
# tshark (like test_tshark_decrypt.sh, this test never skips).
#
# tip-requires: TIP_CONF_IKEV2 TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY
# tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
# tip-requires: TIP_CONF_ENCR_NULL TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512
set -uo pipefail

build=${1:-}
# shellcheck source=tshark_setup.sh
. "$(dirname "$0")/tshark_setup.sh"
tip_tshark_setup "$build" test_tshark_ike_gen TIP_TSHARK_IKE_GEN

# A private configuration directory: the user's profile is neither read nor
# changed. WIRESHARK_CONFIG_DIR is what 4.0 honours; HOME/XDG_CONFIG_HOME
# point into the same place for good measure.
cfg="$work/cfg"
mkdir -p "$cfg/wireshark"
cp "$work/ikev2_decryption_table" "$cfg/ikev2_decryption_table"
cp "$work/ikev2_decryption_table" "$cfg/wireshark/ikev2_decryption_table"

WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg XDG_CONFIG_HOME=$cfg timeout 120 \
    "$tshark" -n -r "$work/ike.pcap" \
    -o udp.check_checksum:TRUE \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e udp.dstport -e isakmp.exchangetype -e isakmp.typepayload \
    -e isakmp.notify.msgtype -e isakmp.ts.type -e _ws.malformed -e _ws.expert.severity \
    -e _ws.expert.message -e _ws.col.Info \
    >"$work/tshark.txt" 2>"$work/tshark.err"
rc=$?
if [ $rc -ne 0 ] || grep -qiE 'error|invalid|uat|table' "$work/tshark.err"; then
    echo "FAIL: tshark (rc=$rc) complained:" >&2
    grep -v 'Running as user' "$work/tshark.err" >&2
    exit 1
fi

# The full tree as well, for a human reading a failure (TIP_TSHARK_DEBUG=1
# keeps $work).
WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg XDG_CONFIG_HOME=$cfg timeout 120 \
    "$tshark" -n -V -r "$work/ike.pcap" >"$work/tshark_V.txt" 2>/dev/null

echo "tshark $("$tshark" --version 2>/dev/null | head -n 1 | sed 's/^TShark (Wireshark) //'), $(grep -vc '^#' "$work/expected.txt") frames:"
awk -F'\t' '
    # PI_WARN = 0x00600000 in epan/proto.h: warnings and errors fail.
    function sev_bad(s,   n, a, i) {
        n = split(s, a, ",")
        for (i = 1; i <= n; i++) if (a[i] + 0 >= 6291456) return 1
        return 0
    }
    # payload types without the proposal (2) and transform (3) substructures
    function payloads(s,   n, a, i, out) {
        n = split(s, a, ",")
        out = ""
        for (i = 1; i <= n; i++) if (a[i] != "2" && a[i] != "3") out = out (out == "" ? "" : ",") a[i]
        return out
    }
    function dash(s) { return s == "" ? "-" : s }
    function bad(f, why) { printf("  frame %s (%s): %s\n", f, label[f], why) > "/dev/stderr"; ok[f] = 0 }
    FNR == NR {                      # expected.txt (space separated)
        if ($0 ~ /^#/) next
        split($0, e, " ")
        f = e[1]; label[f] = e[2]; port[f] = e[3]; exch[f] = e[4]
        pl[f] = e[5]; nt[f] = e[6]; ts[f] = e[7]; ok[f] = 1; order[++n] = f
        next
    }
    {
        f = $1; seen[f] = 1
        if (!(f in label)) { printf("  frame %s: not in expected.txt\n", f) > "/dev/stderr"; extra = 1; next }
        if ($2 != port[f]) bad(f, "UDP port " $2 " != " port[f])
        if ($3 != exch[f]) bad(f, "exchange type \"" $3 "\" != " exch[f] ": " $10)
        if (payloads($4) != pl[f]) bad(f, "payloads " payloads($4) " != " pl[f])
        if (dash($5) != nt[f]) bad(f, "notify types " dash($5) " != " nt[f])
        if (dash($6) != ts[f]) bad(f, "TS types " dash($6) " != " ts[f])
        if ($7 != "") bad(f, "malformed: " $7 " " $9)
        if (sev_bad($8)) bad(f, "expert info at warning/error level (" $8 "): " $9)
    }
    END {
        fails = extra
        for (i = 1; i <= n; i++) {
            f = order[i]
            if (!(f in seen)) bad(f, "missing from tshark output")
            printf("%-8s frame %-3s %-24s %s\n", ok[f] ? "PASS" : "FAIL", f, label[f], pl[f])
            if (!ok[f]) fails++
        }
        exit fails ? 1 : 0
    }' "$work/expected.txt" "$work/tshark.txt"
rc=$?

if [ $rc -eq 0 ]; then
    echo "RESULT: PASS"
else
    echo "RESULT: FAIL (keep the files with TIP_TSHARK_DEBUG=1: $work)"
fi
exit $rc
