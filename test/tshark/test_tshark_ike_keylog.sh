#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test_tshark_ike_keylog.sh BUILD_DIR
#
# Independent-decoder test of a whole IKEv2 exchange with the library's own
# key log (TIP_KEYLOG), part 2. Runs test_tshark_ike_keylog_gen (found under
# BUILD_DIR, or $TIP_TSHARK_IKE_KEYLOG_GEN) into a temporary directory: two
# tinyipsec peers run IKE_SA_INIT, IKE_AUTH (NAT-T, UDP 4500), ESP-in-UDP
# both ways, a CHILD rekey with the delete of the old pair, ESP on the new
# pair, and Delete(IKE); the generator writes ike.pcap and the
# ikev2_decryption_table / esp_sa lines the key log produced. tshark
# (Wireshark's ISAKMP and ESP dissectors, libgcrypt: nothing shared with
# tinyipsec) then reads the capture with a throw-away profile holding those
# two tables, and for every frame this checks:
#   - nothing is malformed or flagged at expert level warning/error (IPv4
#     and UDP checksums checked);
#   - the exchange type and the payloads in order, including the ones inside
#     the Encrypted payload, which only appear when tshark decrypted it
#     (IKE_AUTH request: IDi IDr AUTH N(INITIAL_CONTACT) SA TSi TSr with IDi
#     "a.test", response: IDr AUTH SA TSi TSr with IDr "b.test";
#     CREATE_CHILD_SA: N(REKEY_SA) SA Nonce TSi TSr and SA Nonce TSi TSr;
#     INFORMATIONAL: Delete), the notify message types of every frame
#     (NAT detection in IKE_SA_INIT, INITIAL_CONTACT in the first IKE_AUTH
#     request, REKEY_SA), and that the SK payload was opened (its pad length
#     is shown);
#   - ESP frames: the SPI is in the table, the ICV verified and the inner
#     ICMP echo request / UDP 40000->40001 with the generator's text is there.
# Then a control run with one key byte flipped in each table must fail for
# the IKE_AUTH request and the first ESP frame (proves the check can fail).
# Prints PASS/FAIL per frame; exits 1 on any failure, including a missing
# tshark (like the other tshark tests, this one never skips).
#
# tip-requires: TIP_CONF_IKEV2
# tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
set -uo pipefail

build=${1:-}
# shellcheck source=tshark_setup.sh
. "$(dirname "$0")/tshark_setup.sh"
tip_tshark_setup "$build" test_tshark_ike_keylog_gen TIP_TSHARK_IKE_KEYLOG_GEN

# run_tshark DIR_WITH_TABLES OUT: dissect with a private configuration
# directory (the user's profile is neither read nor changed).
run_tshark() {
    local tables=$1 out=$2 cfg
    cfg=$(mktemp -d "$work/cfg.XXXXXX")
    mkdir -p "$cfg/wireshark"
    local f
    for f in ikev2_decryption_table esp_sa; do
        cp "$tables/$f" "$cfg/$f"
        cp "$tables/$f" "$cfg/wireshark/$f"
    done
    printf 'esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n' \
        >"$cfg/preferences"
    cp "$cfg/preferences" "$cfg/wireshark/preferences"
    WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg XDG_CONFIG_HOME=$cfg timeout 120 \
        "$tshark" -n -r "$work/ike.pcap" \
        -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
        -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e udp.srcport -e udp.dstport -e isakmp.exchangetype \
        -e isakmp.typepayload -e isakmp.enc.pad_length -e isakmp.id.data.fqdn \
        -e esp.spi -e esp.icv_good -e icmp.type -e data.data \
        -e _ws.malformed -e _ws.expert.severity -e _ws.expert.message -e _ws.col.Info \
        -e isakmp.notify.msgtype >"$out" 2>"$out.err"
    local rc=$?
    if [ $rc -ne 0 ] || grep -qiE 'error|invalid|uat|esp_sa|ikev2_decryption' "$out.err"; then
        echo "tshark (rc=$rc) complained:" >&2
        grep -v 'Running as user' "$out.err" >&2
        return 1
    fi
    return 0
}

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# Expected frames: number label exchange payloads(without proposal/transform)
# sk-opened id esp(spi-line or -) inner(icmp8:TEXT | udp:TEXT | -) notify-types
esp1=$(sed -n 1p "$work/esp_sa" | cut -d, -f4 | tr -d '"')
esp2=$(sed -n 2p "$work/esp_sa" | cut -d, -f4 | tr -d '"')
esp3=$(sed -n 3p "$work/esp_sa" | cut -d, -f4 | tr -d '"')
esp4=$(sed -n 4p "$work/esp_sa" | cut -d, -f4 | tr -d '"')
cat >"$work/expected.tsv" <<EOF
1	ike_sa_init_req	500	34	33,34,40,41,41	-	-	-	-	16388,16389
2	ike_sa_init_resp	500	34	33,34,40,41,41	-	-	-	-	16388,16389
3	ike_auth_req	4500	35	46,35,36,39,41,41,33,44,45	0	a.test,b.test	-	-	16384,16396
4	ike_auth_resp	4500	35	46,36,39,41,33,44,45	0	b.test	-	-	16396
5	esp_icmp_a_b	4500	-	-	-	-	$esp1	icmp:$(hex "tinyipsec keylog esp-icmp-a-b 1")	-
6	esp_udp_b_a	4500	-	-	-	-	$esp2	udp:$(hex "tinyipsec keylog esp-udp-b-a 1")	-
7	ccsa_rekey_req	4500	36	46,41,33,40,44,45	0	-	-	-	16393
8	ccsa_rekey_resp	4500	36	46,33,40,44,45	0	-	-	-	-
9	info_del_child_req	4500	37	46,42	0	-	-	-	-
10	info_del_child_resp	4500	37	46,42	0	-	-	-	-
11	esp_icmp_a_b_new	4500	-	-	-	-	$esp3	icmp:$(hex "tinyipsec keylog esp-icmp-a-b-rekeyed 2")	-
12	esp_udp_b_a_new	4500	-	-	-	-	$esp4	udp:$(hex "tinyipsec keylog esp-udp-b-a-rekeyed 2")	-
13	info_del_ike_req	4500	37	46,42	0	-	-	-	-
14	info_del_ike_resp	4500	37	46	0	-	-	-	-
EOF

# check EXPECTED TSHARK_OUT QUIET: PASS/FAIL per frame, exit status = failures
check() {
    awk -F'\t' -v quiet="$3" '
        # PI_WARN = 0x00600000 in epan/proto.h: warnings and errors fail.
        function sev_bad(s,   n, a, i) {
            n = split(s, a, ",")
            for (i = 1; i <= n; i++) if (a[i] + 0 >= 6291456) return 1
            return 0
        }
        function payloads(s,   n, a, i, out) {
            n = split(s, a, ",")
            out = ""
            for (i = 1; i <= n; i++) if (a[i] != "2" && a[i] != "3") out = out (out == "" ? "" : ",") a[i]
            return out
        }
        function dash(s) { return s == "" ? "-" : s }
        function bad(f, why) {
            if (!quiet) printf("  frame %s (%s): %s\n", f, label[f], why) > "/dev/stderr"
            ok[f] = 0
        }
        FNR == NR {
            f = $1; label[f] = $2; port[f] = $3; exch[f] = $4; pl[f] = $5; pad[f] = $6
            id[f] = $7; spi[f] = $8; inner[f] = $9; nt[f] = $10; ok[f] = 1; order[++n] = f
            next
        }
        {
            # fields: 1 frame 2 sport 3 dport 4 exch 5 payloads 6 padlen 7 fqdn
            #         8 spi 9 icv_good 10 icmp.type 11 data 12 malformed 13 sev 14 msg 15 info
            #         16 notify types
            f = $1; seen[f] = 1
            if (!(f in label)) { printf("  frame %s: unexpected\n", f) > "/dev/stderr"; extra++; next }
            split($3, dp, ","); split($2, sp, ",")
            if (dp[1] != port[f] || sp[1] != port[f]) bad(f, "UDP ports " $2 "->" $3 " != " port[f])
            if (dash($4) != exch[f]) bad(f, "exchange " dash($4) " != " exch[f] ": " $15)
            if (dash(payloads($5)) != pl[f]) bad(f, "payloads " dash(payloads($5)) " != " pl[f] " (not decrypted?)")
            if (pad[f] != "-" && $6 == "") bad(f, "SK payload not opened (no pad length shown)")
            if (id[f] != "-" && $7 != id[f]) bad(f, "identities \"" $7 "\" != " id[f])
            if (dash($16) != nt[f]) bad(f, "notify types " dash($16) " != " nt[f])
            if (spi[f] != "-") {
                if (tolower($8) != tolower(spi[f])) bad(f, "ESP SPI " $8 " != " spi[f])
                if ($9 != "1" && $9 != "True") bad(f, "ESP ICV not verified (icv_good=\"" $9 "\")")
                split(inner[f], in_, ":")
                if (in_[1] == "icmp" && $10 != "8") bad(f, "no inner ICMP echo request (icmp.type=\"" $10 "\")")
                if (in_[1] == "udp" && $2 !~ /,40000$/) bad(f, "no inner UDP 40000->40001 (" $2 "->" $3 ")")
                if (index($11, in_[2]) == 0) bad(f, "inner payload text not found")
            }
            if ($12 != "") bad(f, "malformed: " $12 " " $14)
            if (sev_bad($13)) bad(f, "expert info at warning/error level (" $13 "): " $14)
        }
        END {
            fails = extra
            for (i = 1; i <= n; i++) {
                f = order[i]
                if (!(f in seen)) bad(f, "missing from the tshark output")
                if (!quiet) printf("%-5s frame %-3s %-20s %s\n", ok[f] ? "PASS" : "FAIL", f, label[f],
                                   pl[f] != "-" ? pl[f] : "ESP " spi[f] " " substr(inner[f], 1, index(inner[f], ":") - 1))
                if (!ok[f]) { fails++; failed = failed " " f }
            }
            if (quiet) print failed
            exit fails > 250 ? 250 : fails
        }' "$1" "$2"
}

rc=0
if ! run_tshark "$work" "$work/tshark.txt"; then
    echo "RESULT: FAIL (tshark)"
    exit 1
fi
# The full tree as well, for a human reading a failure (TIP_TSHARK_DEBUG=1 keeps $work).
WIRESHARK_CONFIG_DIR=$(ls -d "$work"/cfg.* | head -n 1) timeout 120 "$tshark" -n -V \
    -r "$work/ike.pcap" >"$work/tshark_V.txt" 2>/dev/null

echo "tshark $("$tshark" --version 2>/dev/null | head -n 1 | sed -e 's/^TShark (Wireshark) //' -e 's/\.$//'), $(wc -l <"$work/expected.tsv") frames, key log: $(wc -l <"$work/ikev2_decryption_table") IKE SA, $(wc -l <"$work/esp_sa") ESP SAs"
check "$work/expected.tsv" "$work/tshark.txt" 0 || rc=1

# Control: one key byte flipped in each table (SK_ei, the first ESP SA's
# key) must make the IKE_AUTH request (frame 3) and the first ESP frame (5)
# fail the same check.
mkdir -p "$work/bad"
awk -F, 'BEGIN { OFS = "," } NR == 1 { c = substr($3, 1, 1); $3 = (c == "0" ? "1" : "0") substr($3, 2) } { print }' \
    "$work/ikev2_decryption_table" >"$work/bad/ikev2_decryption_table"
awk -F, 'BEGIN { OFS = "," } NR == 1 { c = substr($6, 4, 1); $6 = substr($6, 1, 3) (c == "0" ? "1" : "0") substr($6, 5) } { print }' \
    "$work/esp_sa" >"$work/bad/esp_sa"
if cmp -s "$work/ikev2_decryption_table" "$work/bad/ikev2_decryption_table" ||
   cmp -s "$work/esp_sa" "$work/bad/esp_sa"; then
    echo "FAIL control: could not flip a key byte"
    rc=1
elif ! run_tshark "$work/bad" "$work/tshark_bad.txt"; then
    echo "FAIL control: tshark failed"
    rc=1
else
    failed=$(check "$work/expected.tsv" "$work/tshark_bad.txt" 1)
    if [[ " $failed " == *" 3 "* && " $failed " == *" 5 "* ]]; then
        echo "PASS  control: with a flipped key byte frames$failed fail the check"
    else
        echo "FAIL  control: with a flipped key byte only frames '$failed' fail (expected 3 and 5)"
        rc=1
    fi
fi

if [ $rc -eq 0 ]; then
    echo "RESULT: PASS"
else
    echo "RESULT: FAIL (keep the files with TIP_TSHARK_DEBUG=1: $work)"
fi
exit $rc
