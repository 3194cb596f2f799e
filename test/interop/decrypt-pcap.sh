#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# decrypt-pcap.sh PCAP KEYDIR [tshark args...]
# Dissect PCAP with tshark, decrypting IKEv2 and ESP with the Wireshark tables
# in KEYDIR (ikev2_decryption_table, esp_sa - the format written by
# strongSwan's save-keys plugin; an implementation under test can write the same
# two files for its own SAs). Uses a throw-away Wireshark config dir, so the
# user's profile is neither read nor changed. Default output: one line per
# packet plus the decrypted inner protocol; pass extra tshark args (e.g. -V,
# -Y 'icmp') to change that.
set -euo pipefail
pcap=$1 keys=$2; shift 2
[ -r "$pcap" ] || { echo "decrypt-pcap: no pcap $pcap" >&2; exit 1; }
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
[ -r "$keys/ikev2_decryption_table" ] && cp "$keys/ikev2_decryption_table" "$cfg/"
# strongSwan 5.9.8's save-keys writes AES-GCM ESP SAs the old way ("AES-GCM
# [RFC4106]" + "ANY 128 bit authentication"); Wireshark 4.0 rejects that ("AES-GCM
# encryption can only be used with NULL authentication") and wants
# "AES-GCM with 16 octet ICV [RFC4106]" + "NULL". Rewrite such lines.
# The addresses are replaced by "*" so that SAs match by SPI alone (a capture
# taken behind a NAT shows other addresses than the ones save-keys wrote).
if [ -r "$keys/esp_sa" ]; then
    sed -E \
      -e 's/^("IPv[46]"),"[^"]*","[^"]*"/\1,"*","*"/' \
      -e 's/"AES-GCM \[RFC4106\]"(,"[^"]*"),"ANY 64 bit authentication \[no checking\]"/"AES-GCM with 8 octet ICV [RFC4106]"\1,"NULL"/' \
      -e 's/"AES-GCM \[RFC4106\]"(,"[^"]*"),"ANY 96 bit authentication \[no checking\]"/"AES-GCM with 12 octet ICV [RFC4106]"\1,"NULL"/' \
      -e 's/"AES-GCM \[RFC4106\]"(,"[^"]*"),"ANY 128 bit authentication \[no checking\]"/"AES-GCM with 16 octet ICV [RFC4106]"\1,"NULL"/' \
      "$keys/esp_sa" > "$cfg/esp_sa"
fi
printf 'esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n' > "$cfg/preferences"
if [ $# -eq 0 ]; then
    set -- -T fields -E separator=' ' -e frame.number -e ip.src -e ip.dst -e udp.dstport \
        -e _ws.col.Protocol -e _ws.col.Info
fi
WIRESHARK_CONFIG_DIR=$cfg HOME=$cfg timeout 120 tshark -n -r "$pcap" "$@" 2>/dev/null
