#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test_tshark_decrypt.sh BUILD_DIR
#
# Independent-decoder test, part 2. Runs test_tshark_gen (found under
# BUILD_DIR, or $TIP_TSHARK_GEN) into a temporary directory, then has tshark
# (Wireshark's own ESP code on libgcrypt: nothing shared with tinyipsec)
# decrypt and authenticate every frame with the generated esp_sa table, in
# a throw-away configuration directory. For every frame it checks:
#   - tshark found the SA, the ICV verified (esp.icv_good) and nothing is
#     malformed or flagged at expert level warning/error (IPv4 header, UDP,
#     TCP and ICMP checksums are checked too);
#   - the decrypted payload (esp.contained_data, i.e. without padding and
#     trailer) equals the inner packet / segment the generator encapsulated;
#   - the inner protocol was dissected (ICMP echo request, UDP 40000, TCP SYN)
#     and its payload text is there; sequence numbers count 1, 2, 3 per SA.
# Then it runs once more with a wrong key for the first SA and expects that
# SA to fail (the checker can tell). Prints PASS/FAIL per SA; exits 1 on any
# failure, including a missing tshark (this test never skips).
#
# tip-requires: TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY TIP_CONF_ENCR_NULL
# tip-requires: TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512 TIP_CONF_IPV6
# tip-requires: TIP_CONF_NATT
set -uo pipefail

build=${1:-}
# shellcheck source=tshark_setup.sh
. "$(dirname "$0")/tshark_setup.sh"
tip_tshark_setup "$build" test_tshark_gen TIP_TSHARK_GEN

# run_tshark ESP_SA_FILE OUT: dissect with a private config dir (the user's
# profile is neither read nor changed). WIRESHARK_CONFIG_DIR is what 4.0
# honours; HOME/XDG_CONFIG_HOME point into the same place for good measure.
run_tshark() {
    local sa=$1 out=$2 cfg
    cfg=$(mktemp -d "$work/cfg.XXXXXX")
    mkdir -p "$cfg/wireshark"
    cp "$sa" "$cfg/esp_sa"
    cp "$sa" "$cfg/wireshark/esp_sa"
    printf 'esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n' \
        >"$cfg/preferences"
    cp "$cfg/preferences" "$cfg/wireshark/preferences"
    WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg XDG_CONFIG_HOME=$cfg timeout 120 \
        "$tshark" -n -r "$work/esp.pcap" \
        -o esp.enable_encryption_decode:TRUE \
        -o esp.enable_authentication_check:TRUE \
        -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
        -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e esp.spi -e esp.sequence -e esp.icv_good -e esp.icv_bad \
        -e esp.contained_data -e _ws.malformed -e _ws.expert.severity -e data.data \
        -e icmp.type -e icmpv6.type -e udp.srcport -e tcp.flags.syn -e _ws.col.Info \
        >"$out" 2>"$out.err"
    local rc=$?
    # "Running as user root" is harmless; anything about the table is not.
    if [ $rc -ne 0 ] || grep -qiE 'error|esp_sa|invalid|uat' "$out.err"; then
        echo "tshark (rc=$rc) complained:" >&2
        grep -v 'Running as user' "$out.err" >&2
        return 1
    fi
    return 0
}

# check OUT: compares tshark's fields with expected.txt; prints one line per
# failing frame on stderr and "SPI label-prefix PASS|FAIL" lines on stdout.
check() {
    awk -F'\t' -v quiet="${2:-0}" '
    # PI_WARN = 0x00600000 in epan/proto.h: warnings and errors fail.
    function sev_bad(s,   n, a, i) {
        n = split(s, a, ",")
        for (i = 1; i <= n; i++) if (a[i] + 0 >= 6291456) return 1
        return 0
    }
    function has(list, v,   n, a, i) {
        n = split(list, a, ",")
        for (i = 1; i <= n; i++) if (a[i] == v) return 1
        return 0
    }
    function bad(frame, why) {
        if (!quiet) printf("  frame %s (%s): %s\n", frame, label[frame], why) > "/dev/stderr"
        ok[spi_of[frame]] = 0
    }
    FNR == NR {                      # expected.txt
        if ($0 ~ /^#/) next
        split($0, e, " ")
        f = e[1]; spi_of[f] = tolower(e[2]); label[f] = e[3]; mode[f] = e[4]
        inner[f] = e[5]; payload[f] = e[6]
        s = spi_of[f]
        if (!(s in ok)) { ok[s] = 1; order[++nsa] = s; name[s] = e[3]; sub(/-[a-z]+$/, "", name[s]) }
        nexp[s]++; seq_want[f] = nexp[s]; nframes++
        next
    }
    {
        f = $1; seen[f] = 1
        if (!(f in spi_of)) { printf("  frame %s: not in expected.txt\n", f) > "/dev/stderr"; extra = 1; next }
        if (tolower($2) != spi_of[f]) { bad(f, "SPI " $2 " != " spi_of[f]); next }
        if ($3 != seq_want[f]) bad(f, "sequence " $3 " != " seq_want[f])
        if ($4 != "1" && $4 != "True") bad(f, "ICV not verified (icv_good=\"" $4 "\" icv_bad=\"" $5 "\")")
        if ($5 == "1" || $5 == "True") bad(f, "ICV bad")
        if ($6 == "") { bad(f, "not decrypted (no esp.contained_data): " $14); next }
        if (tolower($6) != inner[f]) bad(f, "decrypted bytes differ:\n    got  " tolower($6) "\n    want " inner[f])
        if ($7 != "") bad(f, "malformed: " $7)
        if (sev_bad($8)) bad(f, "expert info at warning/error level (" $8 "): " $14)
        if (label[f] ~ /-icmp$/ && !has($10, "8") && !has($11, "128")) bad(f, "no ICMP echo request dissected: " $14)
        if (label[f] ~ /-udp$/ && !has($12, "40000")) bad(f, "no inner UDP 40000 dissected: " $14)
        if (label[f] ~ /-tcpsyn$/ && !has($13, "1") && !has($13, "True")) bad(f, "no TCP SYN dissected: " $14)
        if (payload[f] != "-" && index(tolower($9), payload[f]) == 0) bad(f, "payload text not found in the dissected data")
    }
    END {
        for (f in spi_of) if (!(f in seen)) bad(f, "missing from tshark output")
        fails = extra
        for (i = 1; i <= nsa; i++) {
            s = order[i]
            printf("%-8s %-10s %-28s %d frame(s)\n", ok[s] ? "PASS" : "FAIL", s, name[s], nexp[s])
            if (!ok[s]) fails++
        }
        exit fails ? 1 : 0
    }' "$work/expected.txt" "$1"
}

rc=0
if ! run_tshark "$work/esp_sa" "$work/tshark.txt"; then
    echo "FAIL: tshark run failed" >&2
    exit 1
fi
echo "tshark $("$tshark" --version 2>/dev/null | head -n 1 | sed 's/^TShark (Wireshark) //'), $(grep -vc '^#' "$work/expected.txt") frames:"
if ! check "$work/tshark.txt"; then
    rc=1
fi

# Negative control: flip one key byte of the first SA; its frames must fail.
first_spi=$(awk '!/^#/ { print $2; exit }' "$work/expected.txt")
awk -F'","' -v OFS='","' '!done && /^"IPv/ {
        k = substr($6, 3, 1); $6 = "0x" (k == "f" ? "0" : "f") substr($6, 4); done = 1
    } { print }' "$work/esp_sa" >"$work/esp_sa.bad"
if cmp -s "$work/esp_sa" "$work/esp_sa.bad"; then
    echo "FAIL: negative control: could not corrupt the first key" >&2
    rc=1
elif ! run_tshark "$work/esp_sa.bad" "$work/tshark.bad.txt"; then
    echo "FAIL: negative control: tshark run failed" >&2
    rc=1
elif check "$work/tshark.bad.txt" 1 >"$work/check.bad.txt";
     grep -q "^FAIL *$first_spi " "$work/check.bad.txt"; then
    echo "PASS     negative control: a wrong key for SA $first_spi is detected"
else
    echo "FAIL     negative control: a wrong key for SA $first_spi went unnoticed" >&2
    rc=1
fi

if [ $rc -eq 0 ]; then
    echo "RESULT: PASS"
else
    echo "RESULT: FAIL (files: keep them with TIP_TSHARK_KEEP=1)"
    if [ "${TIP_TSHARK_KEEP:-0}" = 1 ]; then
        keep=$(mktemp -d /tmp/tip_tshark_keep.XXXXXX)
        cp -r "$work"/. "$keep"/
        echo "kept in $keep"
    fi
fi
exit $rc
