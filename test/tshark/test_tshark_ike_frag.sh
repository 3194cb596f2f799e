#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test_tshark_ike_frag.sh BUILD_DIR
#
# Independent-decoder test for IKE fragmentation (RFC 7383). Runs
# test_tshark_ike_frag_gen (found under BUILD_DIR, or
# $TIP_TSHARK_IKE_FRAG_GEN): two peers with a 160-byte fragment size set up
# an IKE SA, IKE_AUTH goes both ways in Encrypted Fragment payloads. tshark
# (Wireshark's ISAKMP dissector, nothing shared with tinyipsec) dissects
# every datagram without keys, and for every frame this checks:
#   - nothing is malformed or flagged at expert level warning/error (UDP
#     checksums checked);
#   - the exchange type is what was sent;
#   - a fragment's first payload is type 53 (Encrypted and Authenticated
#     Fragment) and tshark reads the Fragment Number and Total Fragments
#     that were sent (and only one such payload).
# Prints PASS/FAIL per frame; exits 1 on any failure, including a missing
# tshark (like the other tshark tests, this one never skips).
#
# tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_FRAG TIP_CONF_AES_GCM
# tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
set -uo pipefail

build=${1:-}
# shellcheck source=tshark_setup.sh
. "$(dirname "$0")/tshark_setup.sh"
tip_tshark_setup "$build" test_tshark_ike_frag_gen TIP_TSHARK_IKE_FRAG_GEN

cfg="$work/cfg"
mkdir -p "$cfg/wireshark"
WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg XDG_CONFIG_HOME=$cfg timeout 120 \
    "$tshark" -n -r "$work/ike.pcap" -o udp.check_checksum:TRUE \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e isakmp.exchangetype -e isakmp.nextpayload -e isakmp.frag.number \
    -e isakmp.frag.total -e _ws.malformed -e _ws.expert.severity -e _ws.expert.message \
    >"$work/tshark.txt" 2>"$work/tshark.err"
rc=$?
if [ $rc -ne 0 ] || grep -qiE 'error|invalid' "$work/tshark.err"; then
    echo "FAIL: tshark (rc=$rc) complained:" >&2
    grep -v 'Running as user' "$work/tshark.err" >&2
    exit 1
fi

awk -F'\t' '
    # PI_WARN = 0x00600000 in epan/proto.h: warnings and errors fail.
    function sev_bad(s,   n, a, i) {
        n = split(s, a, ",")
        for (i = 1; i <= n; i++) if (a[i] + 0 >= 6291456) return 1
        return 0
    }
    FNR == NR { exch[$1] = $2; num[$1] = $3; tot[$1] = $4; n++; next }
    {
        f = $1; seen++; ok = 1; why = ""
        if (!(f in exch)) { print "FAIL  frame " f ": unexpected"; bad++; next }
        split($3, np, ",")
        if ($2 != exch[f]) { ok = 0; why = why " exchange " $2 " != " exch[f] }
        if ($6 != "" || sev_bad($7)) { ok = 0; why = why " malformed/expert: " $8 }
        if (num[f] != "-") {
            if (np[1] != "53") { ok = 0; why = why " first payload " np[1] " != 53" }
            if ($4 != num[f] || $5 != tot[f]) {
                ok = 0; why = why " fragment " $4 "/" $5 " != " num[f] "/" tot[f]
            }
            frags++
        } else if ($4 != "") { ok = 0; why = why " not a fragment, but tshark read one" }
        printf("%s  frame %-3s exchange %s  %s\n", ok ? "PASS" : "FAIL", f, exch[f],
               num[f] == "-" ? "whole" : "fragment " num[f] "/" tot[f] why)
        if (!ok) { print "      " why; bad++ }
    }
    END {
        if (seen != n) { print "FAIL  " seen " frames dissected, " n " written"; bad++ }
        if (frags < 4) { print "FAIL  only " frags " fragments"; bad++ }
        print (bad ? "RESULT: FAIL" : "RESULT: PASS (" frags " fragments)")
        exit bad ? 1 : 0
    }' "$work/expected.txt" "$work/tshark.txt"
