#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test_tshark_ike_mobike.sh BUILD_DIR
#
# Independent-decoder test of MOBIKE (RFC 4555), part 2. Runs
# test_tshark_ike_mobike_keylog_gen (found under BUILD_DIR, or
# $TIP_TSHARK_IKE_MOBIKE_GEN): a and b set up an IKE SA, then a moves from
# 10.99.0.1 to 10.97.0.1 and updates the SA's addresses. tshark (Wireshark's
# ISAKMP and ESP dissectors with the key log's tables: nothing shared with
# tinyipsec) must show, with nothing malformed and no expert warning:
#   - frames 3 and 4, IKE_AUTH: MOBIKE_SUPPORTED (16396) from both sides;
#   - frame 5, from 10.97.0.1: an INFORMATIONAL request with
#     UPDATE_SA_ADDRESSES (16400), NO_ADDITIONAL_ADDRESSES (16399),
#     NAT_DETECTION_SOURCE_IP and _DESTINATION_IP (16388, 16389) and COOKIE2
#     (16401) of 8 to 64 bytes;
#   - frame 6, to 10.97.0.1: the response with NAT detection and COOKIE2, the
#     same bytes; no NAT in between: each side's source hash is the inverse
#     of the other's destination hash (both force UDP encapsulation);
#   - frames 7 and 8: b's return-routability check of the new address (RFC
#     4555 3.5): an INFORMATIONAL request to 10.97.0.1 with a COOKIE2 of its
#     own, and a's answer from there echoing it;
#   - frame 9, from 10.97.0.1: ESP of the CHILD SA made before the move (same
#     SPI, same keys: nothing was renegotiated) whose ICV verifies and whose
#     inner packet is 10.1.0.1's. The key log names each SA's addresses when
#     it is made, so it decrypts with a's line given a wildcard source, and
#     not with the line as logged (the control that the address changed).
#
# tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_MOBIKE
# tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
set -uo pipefail

build=${1:-}
# shellcheck source=tshark_setup.sh
. "$(dirname "$0")/tshark_setup.sh"
tip_tshark_setup "$build" test_tshark_ike_mobike_keylog_gen TIP_TSHARK_IKE_MOBIKE_GEN

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
        -e frame.number -e ip.src -e ip.dst -e isakmp.exchangetype -e isakmp.notify.msgtype \
        -e isakmp.notify.data -e esp.spi -e esp.icv_good -e _ws.malformed \
        -e _ws.expert.severity -e _ws.expert.message \
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
# a's outbound SA (the line from 10.99.0.1) with a wildcard source
mkdir -p "$work/moved"
cp "$work/ikev2_decryption_table" "$work/moved/"
sed 's/^"IPv4","10\.99\.0\.1",/"IPv4","*",/' "$work/esp_sa" >"$work/moved/esp_sa"
grep -q '^"IPv4","\*","10\.99\.0\.2",' "$work/moved/esp_sa" || fail "no ESP SA line from 10.99.0.1 in the key log"
if ! run_tshark "$work/moved" "$work/tshark.txt"; then
    echo "RESULT: FAIL (tshark)"
    exit 1
fi
echo "tshark $("$tshark" --version 2>/dev/null | head -n 1 | sed -e 's/^TShark (Wireshark) //' -e 's/\.$//'), $(wc -l <"$work/tshark.txt") frames"
# field: 1 frame 2 ip.src 3 ip.dst 4 exchange 5 notify types 6 notify data 7 esp spi 8 icv
#        9 malformed 10 severity 11 message
line() { awk -F'\t' -v f="$1" '$1 == f' "$work/tshark.txt"; }
col() { printf '%s\n' "$1" | cut -f"$2"; }
last() { printf '%s\n' "$1" | tr , '\n' | tail -n 1; }
nth() { printf '%s\n' "$1" | cut -d, -f"$2"; }
# Every bit of a hex string inverted.
inverse() { printf '%s\n' "$1" | tr '0123456789abcdefABCDEF' 'fedcba9876543210543210'; }

l3=$(line 3) l4=$(line 4) l5=$(line 5) l6=$(line 6) l7=$(line 7) l8=$(line 8) l9=$(line 9)
[[ ",$(col "$l3" 5)," == *",16396,"* ]] || fail "frame 3: no MOBIKE_SUPPORTED (notifies $(col "$l3" 5))"
[[ ",$(col "$l4" 5)," == *",16396,"* ]] || fail "frame 4: no MOBIKE_SUPPORTED (notifies $(col "$l4" 5))"
[ "$(col "$l5" 2)" = 10.97.0.1 ] || fail "frame 5: from '$(col "$l5" 2)', not the new address 10.97.0.1"
[ "$(col "$l5" 4)" = 37 ] || fail "frame 5: exchange '$(col "$l5" 4)' != 37 (INFORMATIONAL)"
[ "$(col "$l5" 5)" = "16400,16399,16388,16389,16401" ] ||
    fail "frame 5: notifies '$(col "$l5" 5)' != UPDATE_SA_ADDRESSES, NO_ADDITIONAL_ADDRESSES, NAT-D (2), COOKIE2"
[ "$(col "$l6" 3)" = 10.97.0.1 ] || fail "frame 6: to '$(col "$l6" 3)', not 10.97.0.1"
[ "$(col "$l6" 4)" = 37 ] || fail "frame 6: exchange '$(col "$l6" 4)' != 37 (INFORMATIONAL)"
[ "$(col "$l6" 5)" = "16388,16389,16401" ] || fail "frame 6: notifies '$(col "$l6" 5)' != NAT-D (2), COOKIE2"
c5=$(last "$(col "$l5" 6)") c6=$(last "$(col "$l6" 6)")
[ "${#c5}" -ge 16 ] && [ "${#c5}" -le 128 ] || fail "frame 5: COOKIE2 of ${#c5} hex digits (8..64 bytes)"
[ -n "$c5" ] && [ "$c5" = "$c6" ] || fail "frame 6: COOKIE2 '$c6' is not frame 5's '$c5'"
# data: frame 5 <missing>,<missing>,NATD_S,NATD_D,COOKIE2; frame 6 NATD_S,NATD_D,COOKIE2.
# Both sides force UDP encapsulation, which sends a source hash with every
# bit inverted (so that the peer sees a NAT and encapsulates too): with no
# NAT in between, each side's source hash is the inverse of the other's
# destination hash.
s5=$(nth "$(col "$l5" 6)" 3) d5=$(nth "$(col "$l5" 6)" 4)
s6=$(nth "$(col "$l6" 6)" 1) d6=$(nth "$(col "$l6" 6)" 2)
[ "${#s5}" -eq 40 ] && [ "$(inverse "$s5")" = "$d6" ] && [ "$(inverse "$s6")" = "$d5" ] ||
    fail "NAT detection hashes of frames 5 and 6 ($s5/$d5, $s6/$d6) are not the inverses the forced encapsulation makes (no NAT between a and b)"
[ "$(col "$l7" 2)" = 10.99.0.2 ] && [ "$(col "$l7" 3)" = 10.97.0.1 ] ||
    fail "frame 7: '$(col "$l7" 2)' -> '$(col "$l7" 3)', not b's check 10.99.0.2 -> 10.97.0.1"
[ "$(col "$l7" 4)" = 37 ] && [ "$(col "$l7" 5)" = 16401 ] ||
    fail "frame 7: exchange '$(col "$l7" 4)', notifies '$(col "$l7" 5)' != INFORMATIONAL with COOKIE2"
[ "$(col "$l8" 2)" = 10.97.0.1 ] && [ "$(col "$l8" 5)" = 16401 ] ||
    fail "frame 8: from '$(col "$l8" 2)', notifies '$(col "$l8" 5)' != a's answer with COOKIE2"
c7=$(col "$l7" 6) c8=$(col "$l8" 6)
[ "${#c7}" -ge 16 ] && [ "$c7" = "$c8" ] && [ "$c7" != "$c5" ] ||
    fail "frames 7/8: COOKIE2 '$c7' / '$c8' not a fresh cookie echoed"
spi_a=$(sed -n 's/^"IPv4","10\.99\.0\.1","10\.99\.0\.2","\(0x[0-9a-f]*\)".*/\1/p' "$work/esp_sa")
[ "$(col "$l9" 2)" = "10.97.0.1,10.1.0.1" ] || fail "frame 9: addresses '$(col "$l9" 2)' != 10.97.0.1 outside, 10.1.0.1 inside"
[ -n "$spi_a" ] && [ "$(col "$l9" 7)" = "$spi_a" ] || fail "frame 9: SPI '$(col "$l9" 7)' is not the one from before the move ($spi_a)"
case "$(col "$l9" 8)" in 1 | True) ;; *) fail "frame 9: ESP ICV not verified ('$(col "$l9" 8)')" ;; esac
for f in 3 4 5 6 7 8 9; do
    l=$(line "$f")
    [ -z "$(col "$l" 9)" ] || fail "frame $f: malformed: $(col "$l" 11)"
    for s in $(col "$l" 10 | tr , ' '); do
        [ "$s" -lt 6291456 ] || fail "frame $f: expert info at warning/error level: $(col "$l" 11)"
    done
done
[ $rc -eq 0 ] && echo "PASS  frames 3/4 (MOBIKE_SUPPORTED), 5 (UPDATE_SA_ADDRESSES from 10.97.0.1), 6 (COOKIE2 echoed), 7/8 (b's return-routability check), 9 (ESP, SPI $spi_a kept)"

# Controls: the key log as written names the old source address, so frame 9
# does not decrypt with it; without the keys the notifies do not show.
if ! run_tshark "$work" "$work/tshark_logged.txt"; then
    fail "control: tshark failed"
else
    case "$(awk -F'\t' '$1 == 9' "$work/tshark_logged.txt" | cut -f8)" in
        1 | True) fail "control: frame 9 decrypts with the SA's old addresses" ;;
        *) echo "PASS  control: frame 9 does not match the SA as logged (10.99.0.1 -> 10.99.0.2)" ;;
    esac
fi
mkdir -p "$work/none"
: >"$work/none/ikev2_decryption_table"
: >"$work/none/esp_sa"
if ! run_tshark "$work/none" "$work/tshark_none.txt"; then
    fail "control: tshark failed"
elif awk -F'\t' '$1 == 5 || $1 == 6' "$work/tshark_none.txt" | cut -f5 | grep -q .; then
    fail "control: the notifies show without the keys"
else
    echo "PASS  control: without the key tables no notify of frames 5 and 6 is shown"
fi

if [ $rc -eq 0 ]; then
    echo "RESULT: PASS"
else
    echo "RESULT: FAIL (keep the files with TIP_TSHARK_DEBUG=1: $work)"
fi
exit $rc
