#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# keys-check.sh - checks of the "keys" interop case (interop.sh keys) on the
# Wireshark decryption tables (ikev2_decryption_table, esp_sa) that
# strongSwan's save-keys plugin and tinyipsec's TIP_KEYLOG build
# (linux-gateway --keylog DIR) write. Each command prints what it compared,
# ends with a one-line summary and exits 0 when everything holds.
#
#   keys-check.sh compare SWDIR TIPDIR [GW_LOG]
#       Every SA in both tables, matched by SPIs (IKE: SPIi/SPIr, ESP: SPI),
#       must have the same keys, algorithms (strongSwan 5.9.8's old ESP
#       AES-GCM names mapped to Wireshark 4.0's, as decrypt-pcap.sh does) and,
#       for ESP, addresses; no SA may be in one table only. With GW_LOG (what
#       the gateway printed), the SAs must be exactly those of its IKE_UP,
#       CHILD_UP and CHILD_REKEYED lines.
#   keys-check.sh tshark PCAP KEYDIR LEFT_ADDR
#       tshark (decrypt-pcap.sh) with only the tables in KEYDIR: every IKE
#       message from LEFT_ADDR (the gateway) without Malformed/expert errors,
#       every encrypted IKE message decrypted with a correct ICV, IKE_AUTH
#       request and response showing their inner payloads and identities,
#       CREATE_CHILD_SA and INFORMATIONAL (the deletes) decrypted, and every
#       ESP packet decrypted (correct ICV) to ICMP, on every SA of KEYDIR/esp_sa.
#   keys-check.sh control PCAP KEYDIR LEFT_ADDR
#       Negative controls: the tshark check must fail with one byte of SK_ei
#       flipped in a copy of the IKE table, and again with one byte of the
#       first ESP SA's key flipped.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# ---- the tables, normalised ------------------------------------------------------------------
# One record per SA: lower case, no quotes, no 0x prefixes, fields separated by '|'.
#   IKE|spi_i/spi_r|sk_ei|sk_er|encr|sk_ai|sk_ar|integ
#   ESP|spi|family|src|dst|encr|key|auth|auth_key
norm_ike() {
    [ -r "$1" ] || return 0
    awk -F, '
        NF == 0 { next }
        {
            for (i = 1; i <= NF; i++) {
                f = tolower($i); gsub(/"/, "", f); gsub(/^[ \t]+|[ \t]+$/, "", f); sub(/^0x/, "", f); v[i] = f
            }
            print "IKE|" v[1] "/" v[2] "|" v[3] "|" v[4] "|" v[5] "|" v[6] "|" v[7] "|" v[8]
        }' "$1"
}
norm_esp() {
    [ -r "$1" ] || return 0
    awk -F, '
        NF == 0 { next }
        {
            for (i = 1; i <= NF; i++) {
                f = tolower($i); gsub(/"/, "", f); gsub(/^[ \t]+|[ \t]+$/, "", f); sub(/^0x/, "", f); v[i] = f
            }
            encr = v[5]; auth = v[7]
            # strongSwan 5.9.8 save-keys: "AES-GCM [RFC4106]" + "ANY <n> bit authentication
            # [no checking]" = Wireshark 4.0 "AES-GCM with <n/8> octet ICV [RFC4106]" + "NULL"
            if (encr == "aes-gcm [rfc4106]" && auth ~ /^any [0-9]+ bit authentication/) {
                split(auth, w, " ")
                encr = "aes-gcm with " (w[2] / 8) " octet icv [rfc4106]"; auth = "null"
            }
            print "ESP|" v[4] "|" v[1] "|" v[2] "|" v[3] "|" encr "|" v[6] "|" auth "|" v[8]
        }' "$1"
}

cmd_compare() {
    local sw=$1 tip=$2 gwlog=${3:-}
    local tmp
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    { norm_ike "$sw/ikev2_decryption_table"; norm_esp "$sw/esp_sa"; } > "$tmp/sw"
    { norm_ike "$tip/ikev2_decryption_table"; norm_esp "$tip/esp_sa"; } > "$tmp/tip"
    # the SAs the gateway reported: IKE_UP's SPIs, CHILD_UP/CHILD_REKEYED's in and out
    if [ -n "$gwlog" ]; then
        {
            sed -n 's/^IKE_UP .* SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_r,.*/IKE|\1\/\2/p' "$gwlog"
            sed -n 's/^CHILD_\(UP\|REKEYED\) .* SPIs in 0x\([0-9a-f]*\) out 0x\([0-9a-f]*\),.*/ESP|\2\nESP|\3/p' "$gwlog"
        } > "$tmp/gw"
    else
        : > "$tmp/gw"
    fi
    awk -F'|' -v gwfile="$tmp/gw" '
        function short(k, hex) { return k == "" ? "(none)" : hex ? k " (" length(k) / 2 " bytes)" : k }
        function cmp(sa, name, a, b,   hex) {
            hex = name ~ /^(SK_|key|authkey)/
            if (a == b) { printf "  %-30s %-7s equal      %s\n", sa, name, short(a, hex) }
            else {
                printf "  %-30s %-7s DIFFERENT  strongSwan %s\n  %-30s %-7s            tinyipsec  %s\n", sa, name, short(a, hex), "", "", short(b, hex)
                bad++; badlist = badlist " " sa ":" name
            }
        }
        FILENAME == gwfile { want[$1 "|" $2] = 1; nwant++; next }
        {
            id = $1 "|" $2
            if (id in seen && seen[id] == FILENAME) { printf "  %s %s appears twice in %s\n", $1, $2, FILENAME; bad++; dup++ }
            seen[id] = FILENAME
            if (FILENAME ~ /\/sw$/) sw[id] = $0; else tip[id] = $0
            if (!(id in order)) { order[id] = ++n; ids[n] = id }
        }
        END {
            nike = nesp = 0
            for (i = 1; i <= n; i++) {
                id = ids[i]; split(id, k, "|")
                label = k[1] == "IKE" ? "IKE SA " k[2] : "ESP SA 0x" k[2]
                if (!(id in sw)) { printf "  %-30s only in the tinyipsec table\n", label; bad++; badlist = badlist " " label ":missing-in-strongSwan"; continue }
                if (!(id in tip)) { printf "  %-30s only in the strongSwan table\n", label; bad++; badlist = badlist " " label ":missing-in-tinyipsec"; continue }
                split(sw[id], a, "|"); split(tip[id], b, "|")
                if (k[1] == "IKE") {
                    nike++
                    cmp(label, "SK_ei", a[3], b[3]); cmp(label, "SK_er", a[4], b[4])
                    cmp(label, "SK_ai", a[6], b[6]); cmp(label, "SK_ar", a[7], b[7])
                    cmp(label, "encr", a[5], b[5]); cmp(label, "integ", a[8], b[8])
                } else {
                    nesp++
                    cmp(label, "src", a[4], b[4]); cmp(label, "dst", a[5], b[5])
                    cmp(label, "encr", a[6], b[6]); cmp(label, "key", a[7], b[7])
                    cmp(label, "auth", a[8], b[8]); cmp(label, "authkey", a[9], b[9])
                }
                if (nwant > 0 && !(id in want)) { printf "  %-30s not reported by the gateway\n", label; bad++; badlist = badlist " " label ":unexpected" }
            }
            for (w in want)
                if (!((w in sw) && (w in tip))) { split(w, k, "|"); printf "  gateway SA %s %s is missing from a table\n", k[1], k[2]; bad++; badlist = badlist " " k[2] ":not-logged" }
            if (nike == 0 || nesp == 0) { print "  no IKE or no ESP SA in the tables"; bad++ }
            if (bad == 0)
                printf "keys equal: %d IKE SA, %d ESP SAs, every key byte for byte\n", nike, nesp
            else
                printf "keys differ: %d problem(s):%s\n", bad, badlist
            exit bad > 0
        }' "$tmp/gw" "$tmp/sw" "$tmp/tip"
}

# ---- tshark with one set of tables ------------------------------------------------------------
# Fields per frame, '|'-separated, multiple occurrences ','-joined.
TS_FIELDS=(frame.number ip.src isakmp.exchangetype isakmp.flag_r isakmp.typepayload
           isakmp.id.data.fqdn isakmp.notify.msgtype isakmp.delete.protoid isakmp.delete.spi
           isakmp.enc.decrypted isakmp.ikev2.integrity_checksum esp.spi esp.icv_good icmp.type
           _ws.malformed _ws.expert.severity _ws.expert.message)

tshark_fields() { # pcap keydir
    local args=() f
    for f in "${TS_FIELDS[@]}"; do args+=(-e "$f"); done
    "$HERE/decrypt-pcap.sh" "$1" "$2" -T fields -E separator='|' -E occurrence=a -E aggregator=, \
        "${args[@]}"
}

cmd_tshark() {
    local pcap=$1 keys=$2 left=$3 tmp rc=0
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    tshark_fields "$pcap" "$keys" > "$tmp/fields" || { echo "tshark failed"; return 1; }
    [ -s "$tmp/fields" ] || { echo "tshark printed nothing"; return 1; }
    # our ESP SAs: outbound ones (src = left) carry the echo requests
    awk -F, -v left="$left" '{ for (i = 1; i <= NF; i++) gsub(/"/, "", $i); s = tolower($4); sub(/^0x/, "", s)
                               print s "|" ($2 == left ? "out" : "in") }' "$keys/esp_sa" > "$tmp/spis" 2>/dev/null || true
    awk -F'|' -v left="$left" -v spifile="$tmp/spis" '
        # severity: PI_ERROR = 0x00800000
        function has(list, x,   n, i, p) { n = split(list, p, ","); for (i = 1; i <= n; i++) if (p[i] == x) return 1; return 0 }
        function fail(msg) { printf "  FAIL  %s\n", msg; bad++; if (first == "") first = msg }
        function ok(msg) { printf "  ok    %s\n", msg }
        function xname(t) { return t == 34 ? "IKE_SA_INIT" : t == 35 ? "IKE_AUTH" : t == 36 ? "CREATE_CHILD_SA" : t == 37 ? "INFORMATIONAL" : "exchange " t }
        FILENAME == spifile { want[$1] = $2; nwant++; next }
        {
            fr = $1; split($2, ips, ","); src = ips[1]
            err = ($15 != "")
            n = split($16, sev, ","); for (i = 1; i <= n; i++) if (sev[i] + 0 >= 8388608) err = 1
            if ($3 != "") {                      # an IKE message
                msg = xname($3) " " ($4 == "1" ? "response" : "request") " (frame " fr ", from " (src == left ? "tinyipsec" : "strongSwan") ")"
                pl = $5; sub(/^46,?/, "", pl)
                enc = ($5 ~ /^46/)
                dec = enc && $10 == "1" && $11 == ""
                if (src == left) {
                    ntip++
                    if (err) fail(msg ": Malformed/expert error: " $17)
                }
                if (enc) {
                    nenc++
                    if (!dec) fail(msg ": not decrypted (ICV " ($11 != "" ? "incorrect" : "not checked") ")")
                    else { ndec++; ok(msg ": decrypted, inner payloads [" pl "]" ($6 != "" ? " ids " $6 : "") ($8 != "" ? " delete proto " $8 ($9 != "" ? " spi " $9 : "") : "")) }
                } else if (src == left && !err)
                    ok(msg ": clear, no error")
                key = $3 "/" $4
                if (dec) {
                    if (key == "35/0" && has(pl, 35) && has(pl, 39) && has(pl, 33) && has(pl, 44) && has(pl, 45) && $6 ~ /left\.test/) authreq = 1
                    if (key == "35/1" && has(pl, 36) && has(pl, 39) && has(pl, 33) && has(pl, 44) && has(pl, 45) && $6 ~ /right\.test/) authresp = 1
                    if (key == "36/0" && has(pl, 33) && has(pl, 40) && has(pl, 44) && has(pl, 45) && has($7, 16393)) ccreq = 1
                    if (key == "36/1" && has(pl, 33) && has(pl, 40) && has(pl, 44) && has(pl, 45)) ccresp = 1
                    if ($3 == 37) { ninfo++; if (has(pl, 42) && has($8, 3)) delesp++; if (has(pl, 42) && has($8, 1) && src == left) delike = 1 }
                }
                next
            }
            if ($12 != "") {                     # an ESP packet
                spi = tolower($12); sub(/^0x/, "", spi)
                nesp++
                if ($13 == "1" && $14 != "" && !err) { esp_ok[spi]++; nespok++; if ($14 == 8 && src == left) req++; if ($14 == 0 && src != left) rep++ }
                else fail("ESP frame " fr " SPI 0x" spi ": not decrypted to ICMP")
            }
        }
        END {
            if (ntip == 0) fail("no IKE message from tinyipsec in the capture")
            if (!authreq) fail("IKE_AUTH request: no decrypted IDi/AUTH/SA/TSi/TSr with left.test")
            else ok("IKE_AUTH request: IDi left.test, AUTH, SA, TSi, TSr decrypted")
            if (!authresp) fail("IKE_AUTH response: no decrypted IDr/AUTH/SA/TSi/TSr with right.test")
            else ok("IKE_AUTH response: IDr right.test, AUTH, SA, TSi, TSr decrypted")
            if (!ccreq || !ccresp) fail("CREATE_CHILD_SA: request (REKEY_SA, SA, Ni, TSi, TSr) / response (SA, Nr, TSi, TSr) not both decrypted")
            else ok("CREATE_CHILD_SA request (N(REKEY_SA)) and response decrypted")
            if (ninfo < 4 || delesp < 2 || !delike) fail("INFORMATIONAL: " ninfo " decrypted (want 4), ESP deletes " delesp " (want 2), tinyipsec IKE delete " (delike ? "yes" : "no"))
            else ok("INFORMATIONAL: " ninfo " decrypted: the old CHILD SA pair deleted (both Delete ESP), the IKE SA deleted by tinyipsec")
            for (s in want) {
                if (esp_ok[s] > 0) ok("ESP SA 0x" s " (" want[s] "): " esp_ok[s] " packets decrypted to ICMP")
                else fail("ESP SA 0x" s " (" want[s] "): no packet decrypted to ICMP")
            }
            if (nwant < 4) fail("only " nwant " ESP SAs in the table (want 4: 2 before, 2 after the rekey)")
            if (nesp == 0 || req == 0 || rep == 0) fail("ESP: " nesp " packets, " req " echo requests, " rep " replies decrypted")
            if (bad == 0)
                printf "tshark with our tables: %d/%d IKE messages decrypted, %d from tinyipsec error-free, %d/%d ESP packets to ICMP\n", ndec, nenc, ntip, nespok, nesp
            else
                printf "tshark with our tables: %d problem(s), first: %s\n", bad, first
            exit bad > 0
        }' "$tmp/spis" "$tmp/fields" || rc=$?
    return "$rc"
}

flip_hex() { # hex -> the same with its first byte xor 0x01
    printf '%02x%s' $((0x${1:0:2} ^ 0x01)) "${1:2}"
}

cmd_control() {
    local pcap=$1 keys=$2 left=$3 tmp rc=0 line a b ei rest key spi out c1=0 c2=0
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    # 1: SK_ei (the gateway's IKE requests and responses as initiator) one byte off
    mkdir -p "$tmp/ike" "$tmp/esp"
    cp "$keys/esp_sa" "$tmp/ike/"
    IFS= read -r line < "$keys/ikev2_decryption_table"
    IFS=, read -r a b ei rest <<<"$line"
    printf '%s,%s,%s,%s\n' "$a" "$b" "$(flip_hex "$ei")" "$rest" > "$tmp/ike/ikev2_decryption_table"
    echo "control 1: SK_ei ${ei:0:8}... -> $(flip_hex "$ei" | cut -c1-8)... (one byte)"
    if out=$(cmd_tshark "$pcap" "$tmp/ike" "$left"); then
        echo "$out"; echo "control 1 passed the check: it does not detect a wrong SK_ei"; rc=1
    else
        echo "$out" | grep FAIL | head -3
        c1=$(echo "$out" | grep -c '^  FAIL .*not decrypted' || true)
    fi
    # 2: the first ESP SA's key one byte off
    cp "$keys/ikev2_decryption_table" "$tmp/esp/"
    key=$(awk -F'"' 'NR == 1 { print $12 }' "$keys/esp_sa")
    key=${key#0x}
    spi=$(awk -F'"' 'NR == 1 { print $8 }' "$keys/esp_sa")
    sed "1s/$key/$(flip_hex "$key")/" "$keys/esp_sa" > "$tmp/esp/esp_sa"
    echo "control 2: ESP SA $spi key ${key:0:8}... -> $(flip_hex "$key" | cut -c1-8)... (one byte)"
    if out=$(cmd_tshark "$pcap" "$tmp/esp" "$left"); then
        echo "$out"; echo "control 2 passed the check: it does not detect a wrong ESP key"; rc=1
    else
        echo "$out" | grep FAIL | head -3
        c2=$(echo "$out" | grep -c '^  FAIL .*not decrypted' || true)
    fi
    [ "$rc" = 0 ] && echo "controls: one key byte flipped fails the check (SK_ei: $c1 IKE messages, ESP key: $c2 packets undecryptable)"
    return "$rc"
}

case "${1:-}" in
    compare) shift; cmd_compare "$@" ;;
    tshark) shift; cmd_tshark "$@" ;;
    control) shift; cmd_control "$@" ;;
    *) sed -n '4,27p' "$0" >&2; exit 2 ;;
esac
