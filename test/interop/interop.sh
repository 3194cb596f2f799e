#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# interop.sh CASE - one interop test: strongSwan 5.9 (kernel-libipsec) in
# namespace "right", and in "left" either a second strongSwan (sw-sw*) or the
# tinyipsec gateway, examples/linux-gateway. Prints exactly one last line
#     RESULT <case>: PASS|FAIL (reason)
# and exits 0 on PASS. Root only. Everything it starts is stopped by PID, and
# the namespaces are removed, on any exit.
#
# cases:
#   sw-sw                   strongSwan <-> strongSwan: checks the harness itself
#   sw-sw-nat               the same, left behind the NAT
#   init-<ike proposal>     tinyipsec (left) initiates to strongSwan (right)
#   resp-<ike proposal>     strongSwan (right) initiates to tinyipsec (left)
#                           proposals: aes128gcm16-prfsha256-ecp256,
#                           aes256-sha256-modp2048, chacha20poly1305-prfsha256-curve25519
#                           (the ESP proposal is the IKE one without PRF and DH)
#   nat-init                tinyipsec initiates from behind the masquerading NAT
#   nat-ports               the same, the NAT also rewrites ports (NAT_RANDOM_PORTS=1)
#   rekey-child, rekey-ike  strongSwan rekeys (swanctl --rekey) during a ping: no loss
#   rekey-child-left, rekey-ike-left
#                           tinyipsec rekeys (SIGUSR1/SIGUSR2) during a ping: no loss
#   rekey-child-pfs, rekey-child-pfs-left
#                           the same CHILD SA rekeys with PFS: the ESP proposal has the
#                           IKE proposal's group, and strongSwan's log must show the KE
#                           payload in the CREATE_CHILD_SA request and its response
#   rekey-child-pfs-modp    rekey-child-pfs-left with aes256-sha256-modp2048 (256-byte KE)
#   children-pfs-init, children-pfs-resp
#                           children-init / -resp with PFS: the second CHILD SA's
#                           CREATE_CHILD_SA carries KE both ways
#   rekey-ike-both          both rekey the IKE SA at the same moment, 5 rounds, during a
#                           ping (RFC 7296 2.8.2): the gateway is held (SIGSTOP) while it
#                           is told to rekey (SIGUSR2) and strongSwan sends its request,
#                           so both requests cross. Each round: strongSwan logs the
#                           collision and ends with one IKE SA, the gateway's (same
#                           SPIs); the gateway raises IKE_REKEYED once and holds one
#                           established IKE SA (a replaced or redundant one may wait
#                           up to 30 s for a Delete); no ping lost at all; at the end
#                           one IKE SA on each side. strongSwan's own drops of the
#                           gateway's request or answer (its threads race) are
#                           allowed only with the proof in its log (see the case)
#   delete-left             tinyipsec deletes the IKE SA (SIGTERM) and exits 0
#   delete-right            strongSwan deletes the IKE SA (swanctl --terminate)
#   auth-fail               negative: the gateway has the wrong PSK; it must report
#                           AUTH_FAILED, keep running, and no SA may come up
#   proposal-mismatch       negative: strongSwan only accepts aes256-sha256-modp2048;
#                           the gateway must report PROPOSAL_MISMATCH
#   resp-steer-ke           strongSwan initiates proposing aes256-sha256-modp2048 first
#                           (its KE in MODP-2048), then aes256-sha256-ecp256; the gateway
#                           takes only the second: INVALID_KE_PAYLOAD must steer
#                           strongSwan to ECP-256 and the tunnel come up (RFC 7296 1.2)
#   frag-init, frag-resp    IKE fragmentation (RFC 7383): both sides with a 200-byte
#                           fragment size (strongSwan: fragmentation = yes and
#                           charon.fragment_size = 200), so IKE_AUTH goes in fragments
#                           both ways; tinyipsec initiates / strongSwan initiates;
#                           strongSwan must log that it split its message and
#                           reassembled ours, then ESP passes
#   frag-loss               frag-init with 10 % loss each way during the handshake
#                           (nftables in both namespaces drops every tenth IKE
#                           datagram sent, from the third on: a fragment of each
#                           side's IKE_AUTH); the whole message goes again, the
#                           same bytes, and strongSwan must recognise it
#   vip-init                tinyipsec (vip = ipv4) initiates to strongSwan with a pool
#                           (10.3.0.0/24, DNS 10.2.0.53): the gateway must report the
#                           address and the DNS server strongSwan assigned, and a ping
#                           from that address to 10.2.0.1 pass
#   vip-resp                strongSwan (vips = 0.0.0.0) initiates to tinyipsec with a
#                           pool (10.3.0.10-10.3.0.20): strongSwan must install
#                           10.3.0.10, and a ping from it to 10.1.0.1 pass; after
#                           swanctl --terminate and --initiate it gets 10.3.0.10 again
#   cert-init, cert-resp    certificates (test/data/certs, ECDSA P-256): the gateway
#                           (dev.test) initiates to / answers strongSwan (gw.test);
#                           each side sends its certificate and the intermediate CA
#                           and trusts only the root. The gateway is built with
#                           TIP_IKE_MSG_MAX=4096 (build/interop-cert): a chain makes
#                           IKE_AUTH larger than the default 1280 bytes; and with a
#                           device's 576-byte receive buffer (TIP_IKE_DGRAM_MAX), which
#                           strongSwan's IKE_AUTH and its 1280-byte fragments exceed
#   cert-rsa                the same with the RSA-3072 chain (rsa-ca -> rsa-int ->
#                           rsa-dev.test for the gateway, rsa-vpn.test for strongSwan),
#                           the gateway initiating; strongSwan signs with RSA-PSS
#                           (charon.rsa_pss = yes), the gateway with PKCS#1 v1.5: both
#                           RFC 7427 schemes must be in strongSwan's log
#   cert-rsa-pss            cert-rsa with the gateway signing with RSA-PSS too (rsa_pss = yes)
#   cert-rsa-resp           cert-rsa with strongSwan initiating
#   cert-classic, cert-rsa-classic
#                           a peer without RFC 7427: strongSwan with
#                           charon.signature_authentication = no sends no
#                           SIGNATURE_HASH_ALGORITHMS and signs with the RFC 7296
#                           methods; the gateway initiates and must sign with them too:
#                           ECDSA P-256 chain, method 9 both ways / RSA-3072 chain,
#                           method 1 (PKCS#1 v1.5 with SHA-1) both ways
#   cert-wrong-ca, cert-expired, cert-id-mismatch, cert-no-intermediate
#                           negative, strongSwan initiates: the gateway trusts another
#                           root / strongSwan's certificate expired in 2021 (the
#                           gateway's clock is the POSIX port's wall_time) / strongSwan
#                           claims other.test with gw.test's certificate / strongSwan
#                           sends no intermediate. The gateway must report AUTH_FAILED
#                           with the reason (TIP_ERR_CERT, TIP_ERR_CERT_TIME,
#                           TIP_ERR_CERT_ID, TIP_ERR_CERT), strongSwan must log the
#                           AUTHENTICATION_FAILED it got, and no SA may come up
#   offload, offload6       TUN and UDP offloads against strongSwan (which does none):
#                           TCP (4 MB, writes of 1 B to 200 KB) and UDP (200 datagrams,
#                           runs of ten in one UDP_SEGMENT send) both ways through the
#                           tunnel, checked end to end (stream-check.py), first with the
#                           gateway's offloads on - it must have split super-packets from
#                           the TUN and coalesced TCP segments and equal-sized UDP
#                           datagrams toward it - then again with
#                           offload = no; offload6 with IPv6 inside (fd01::/64, fd02::/64)
#   children-init, children-resp
#                           two CHILD SAs on one IKE SA (RFC 7296 1.3.1): the gateway
#                           has "child = 10.1.1.0/24 10.2.1.0/24" besides its subnets,
#                           strongSwan the children net and net2; the gateway initiates
#                           (net in IKE_AUTH, net2 by CREATE_CHILD_SA) / strongSwan
#                           initiates net, then net2. strongSwan must list both
#                           INSTALLED under one IKE_SA, and pings 10.1.0.1 -> 10.2.0.1
#                           and 10.1.1.1 -> 10.2.1.1 pass, each on its own SA
#   many-ts                 strongSwan initiates with 20 subnets on each side (its
#                           IKE_AUTH goes in fragments, fragment size 576); the gateway
#                           narrows to 10.1.0.0/24 === 10.2.0.0/24 (RFC 7296 2.9),
#                           strongSwan installs exactly that, and the ping passes
#   mobike-init, mobike-resp
#                           MOBIKE (RFC 4555), strongSwan with mobike = yes: during a
#                           ping every 0.1 s the side that started the IKE SA (the
#                           gateway / strongSwan) moves from 10.99.0.0/24 to
#                           10.97.0.0/24 on the same link (ip addr add the new
#                           address, del the old one, route to the peer again, as a
#                           device joining another network does). The gateway notices
#                           it through rtnetlink and sends UPDATE_SA_ADDRESSES /
#                           strongSwan's kernel-netlink notices it and sends its own;
#                           the other side follows: strongSwan logs the update and lists
#                           the new address, the gateway prints IKE_MOVED, the IKE SA's
#                           and the CHILD SA's SPIs are the ones from before, no second
#                           IKE_SA_INIT or CREATE_CHILD_SA, and the ping resumes within
#                           3 s (the gap is reported)
#   v6-init, v6-resp        IPv6 outer addresses (fd00:1::1 left, fd00:1::2 right; no IPv4
#                           on the link), IPv4 inside: tinyipsec initiates / strongSwan
#                           initiates (v6-resp: the addresses are the identities, type
#                           ID_IPV6_ADDR); IKE and ESP in UDP over IPv6, the same SPIs on
#                           both sides, strongSwan lists both IKE endpoints with IPv6
#                           addresses, pings both ways. v6-init as children-init: a second
#                           IPv4 pair, its own CHILD SA by CREATE_CHILD_SA
#   v6-v6                   v6-init with IPv6 inside too (fd01::/64, fd02::/64)
#   v6-encap                v6-init with UDP encapsulation forced on both sides (gateway
#                           force_encap, strongSwan encap = yes) and no transmit checksum
#                           offload on the link, so the captured UDP checksums are final:
#                           tshark must find every UDP datagram over IPv6 with a correct,
#                           non-zero checksum (RFC 8200 8.1), IKE on 500 and 4500, ESP in UDP
#                           from both sides, and no IPv4 packet
#   keys                    the key log: a -DTIP_KEYLOG=1 gateway (build/interop-keylog)
#                           initiates (aes128gcm16-prfsha256-ecp256), strongSwan with
#                           save-keys rekeys the CHILD SA, the gateway deletes; every SA's
#                           keys must equal strongSwan's, and tshark with only the
#                           gateway's tables must decrypt IKE and ESP (keys-check.sh)
#
# environment:
#   LEFT_NS RIGHT_NS NAT_NS  namespace names (default tip-left tip-right tip-nat)
#   TIP_GATEWAY              the linux-gateway binary (default: built in
#                            build/interop with cmake when missing)
#   CHARON_LOGLEVEL          strongSwan log level (default 2 here)
#   GW_LOGLEVEL              the gateway's log_level (default info)
#   CAPTURE=1                tcpdump on right's eth0, kept as WORK/capture.pcap
#   SAVE_KEYS_SO             see build-save-keys.sh: Wireshark keys in WORK/r/run/wireshark
#   KEEP_WORK=1              keep the work directory even on PASS (always kept on FAIL)
#   SA_TIMEOUT               seconds to wait for the SAs (default 20)
#   TX_CSUM_OFF=0            v6-encap: leave transmit checksum offload on (a control: the
#                            capture then holds partial checksums and the case fails)
#   TIP_CERT_GATEWAY         cert-*: the gateway built with -DTIP_IKE_MSG_MAX=4096
#                            -DTIP_IKE_DGRAM_MAX=576 (default:
#                            build/interop-cert, built when missing or configured otherwise)
#   TIP_KEYLOG_GATEWAY       keys: the gateway built with -DTIP_KEYLOG=1 (default:
#                            build/interop-keylog, built when missing)
#   TIP_CACHE_DIR            keys: SAVE_KEYS_SO defaults to the plugin built (when
#                            missing, ~1 min) into ${TIP_CACHE_DIR:-~/.cache/tinyipsec}/save-keys
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOPO="$HERE/netns-topology.sh"
PEER="$HERE/strongswan-peer.sh"

export LEFT_NS=${LEFT_NS:-tip-left} RIGHT_NS=${RIGHT_NS:-tip-right} NAT_NS=${NAT_NS:-tip-nat}
export CHARON_LOGLEVEL=${CHARON_LOGLEVEL:-2}
SA_TIMEOUT=${SA_TIMEOUT:-20}
PSK=tip-interop-psk-0123456789
DEFAULT_IKE=aes128gcm16-prfsha256-ecp256

CASE=${1:-}
[ -n "$CASE" ] || { sed -n '4,/^set -euo pipefail$/{/^set -euo/!p}' "$0" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "RESULT $CASE: FAIL (must run as root)"; exit 1; }

# ---- what the case does ------------------------------------------------------------
MODE=direct         # topology
LEFT=tip            # who runs in left: tip | sw
INITIATOR=left      # who starts the IKE SA
IKE=$DEFAULT_IKE
ACTION=ping         # ping | rekey-child | rekey-ike | rekey-child-left | rekey-ike-left
                    # | delete-left | delete-right | keys | auth-fail | proposal-mismatch | frag | cert-rsa
FRAG_SIZE=""        # the IKE fragment size both sides use (frag cases)
IMPAIR=""           # loss: nftables drops IKE datagrams in both namespaces during the handshake
AUTH=psk            # psk | cert
INNER=4             # the protected subnets' IP version (offload6: 6)
OUTER=4             # the outer addresses' IP version (v6-*: 6, netns-topology.sh OUTER=6)
ENCAP=""            # v6-encap: UDP encapsulation forced on both sides
PFS=""              # rekey-child-pfs*, children-pfs-*: CREATE_CHILD_SA with a key exchange
ADDR_IDS=""         # v6-resp: the outer addresses are the identities (ID_IPV6_ADDR)
case "$CASE" in
    offload) ACTION=offload ;;
    offload6) ACTION=offload; INNER=6 ;;
    frag-init) ACTION=frag; FRAG_SIZE=200 ;;
    frag-resp) ACTION=frag; FRAG_SIZE=200; INITIATOR=right ;;
    frag-loss) ACTION=frag; FRAG_SIZE=200; IMPAIR=loss ;;
    sw-sw) LEFT=sw ;;
    sw-sw-nat) LEFT=sw; MODE=nat ;;
    init-*) IKE=${CASE#init-} ;;
    resp-steer-ke) ACTION=steer-ke; INITIATOR=right; IKE=aes256-sha256-ecp256 ;;
    resp-*) IKE=${CASE#resp-}; INITIATOR=right ;;
    nat-init) MODE=nat ;;
    nat-ports) MODE=nat; export NAT_RANDOM_PORTS=1 ;;
    rekey-child | rekey-ike | rekey-child-left | rekey-ike-left | delete-left | delete-right)
        ACTION=$CASE ;;
    rekey-ike-both) ACTION=$CASE; GW_LOGLEVEL=${GW_LOGLEVEL:-debug} ;; # state changes logged
    rekey-child-pfs) ACTION=rekey-child; PFS=1 ;;
    rekey-child-pfs-left) ACTION=rekey-child-left; PFS=1 ;;
    rekey-child-pfs-modp) ACTION=rekey-child-left; PFS=1; IKE=aes256-sha256-modp2048 ;;
    children-pfs-init) ACTION=children; PFS=1 ;;
    children-pfs-resp) ACTION=children; INITIATOR=right; PFS=1 ;;
    auth-fail | proposal-mismatch) ACTION=$CASE ;;
    keys) ACTION=keys; CAPTURE=1; IKE=aes128gcm16-prfsha256-ecp256 ;; # Wireshark 4.0: no ChaCha20
    vip-init) ACTION=vip-init ;;
    vip-resp) ACTION=vip-resp; INITIATOR=right ;;
    cert-init) AUTH=cert ;;
    cert-resp) AUTH=cert; INITIATOR=right ;;
    cert-rsa | cert-rsa-pss) AUTH=cert; ACTION=cert-rsa ;;
    cert-rsa-resp) AUTH=cert; ACTION=cert-rsa; INITIATOR=right ;;
    cert-classic | cert-rsa-classic) AUTH=cert; ACTION=cert-classic ;;
    cert-wrong-ca | cert-expired | cert-id-mismatch | cert-no-intermediate)
        AUTH=cert; ACTION=auth-fail; INITIATOR=right ;;
    children-init) ACTION=children ;;
    children-resp) ACTION=children; INITIATOR=right ;;
    many-ts) ACTION=many-ts; INITIATOR=right; FRAG_SIZE=576 ;;
    mobike-init) ACTION=mobike ;;
    mobike-resp) ACTION=mobike; INITIATOR=right ;;
    # IPv6 outer addresses
    v6-init) OUTER=6; ACTION=children ;; # IPv4 pairs over IPv6: two CHILD SAs
    v6-resp) OUTER=6; INITIATOR=right; ADDR_IDS=1 ;;
    v6-v6) OUTER=6; INNER=6 ;;
    v6-encap) OUTER=6; ENCAP=1; CAPTURE=1 ;;
    *) echo "RESULT $CASE: FAIL (unknown case)"; exit 2 ;;
esac
# ESP proposal: the IKE proposal without its PRF and DH group; with PFS, with
# the group (RFC 7296 1.3.1: CREATE_CHILD_SA then carries KE both ways; IKE_AUTH's
# CHILD SA has none)
ESP=$(tr '-' '\n' <<<"$IKE" | grep -Ev '^(prf.*|modp.*|ecp.*|x25519|curve25519)$' | paste -sd-)
[ -n "$PFS" ] && ESP="$ESP-$(tr '-' '\n' <<<"$IKE" | grep -E '^(modp.*|ecp.*|x25519|curve25519)$')"
LEFT_ADDR=10.99.0.1 RIGHT_ADDR=10.99.0.2
[ "$MODE" = nat ] && LEFT_ADDR=10.98.0.1
[ "$OUTER" = 6 ] && LEFT_ADDR=fd00:1::1 RIGHT_ADDR=fd00:1::2
# the PSK identities; strongSwan's default, when none is configured, is its address
LEFT_ID=left.test RIGHT_ID=right.test GW_LOCAL_ID=fqdn:left.test GW_REMOTE_ID=fqdn:right.test
[ -n "$ADDR_IDS" ] && LEFT_ID=$LEFT_ADDR RIGHT_ID=$RIGHT_ADDR GW_LOCAL_ID=ipv6:$LEFT_ADDR GW_REMOTE_ID=$RIGHT_ADDR
export OUTER
# the protected subnets and the addresses in them
LEFT_NET=10.1.0.0/24 RIGHT_NET=10.2.0.0/24 LEFT_IN=10.1.0.1 RIGHT_IN=10.2.0.1
[ "$INNER" = 6 ] && LEFT_NET=fd01::/64 RIGHT_NET=fd02::/64 LEFT_IN=fd01::1 RIGHT_IN=fd02::1

# ---- state, clean-up and the result line --------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tipx.XXXXXX")   # short: unix socket paths < 108 bytes
RESULT="FAIL (aborted)"
TOPO_UP=0
GW_PID=""
TCPDUMP_PID=""
BGPIDS=()

stop_pid() { # pid: TERM, wait up to 5 s, then KILL; returns the exit status if we can get it
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    # finish the clean-up even when the time limit's TERM arrives meanwhile
    # (the children started here inherit the ignored signals too)
    trap '' INT TERM
    trap - ERR
    for p in "${BGPIDS[@]}"; do stop_pid "$p"; done
    stop_pid "$GW_PID"
    [ -d "$WORK/l" ] && "$PEER" stop left "$LEFT_NS" "$WORK/l" >/dev/null
    [ -d "$WORK/r" ] && "$PEER" stop right "$RIGHT_NS" "$WORK/r" >/dev/null
    # --kill: a safety net for anything left in OUR namespaces (we created them)
    [ "$TOPO_UP" = 1 ] && "$TOPO" down --kill >/dev/null
    if [ "${RESULT%% *}" != PASS ]; then
        echo "---- logs kept in $WORK"
        if [ -f "$WORK/gw.log" ]; then echo "---- gateway (last 25 lines)"; tail -25 "$WORK/gw.log"; fi
        if [ -f "$WORK/r/run/charon.log" ]; then
            echo "---- right charon.log (last 25 lines)"; tail -25 "$WORK/r/run/charon.log"
        fi
    elif [ "${KEEP_WORK:-0}" = 1 ]; then
        echo "---- logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    echo "RESULT $CASE: $RESULT"
    [ "${RESULT%% *}" = PASS ] && exit 0
    [ $rc -eq 0 ] && rc=1
    exit $rc
}
trap cleanup EXIT
trap 'RESULT="FAIL (script error at line $LINENO)"' ERR
trap 'RESULT="FAIL (interrupted)"; exit 130' INT TERM

fail() { RESULT="FAIL ($*)"; exit 1; }
log() { echo "[$(date +%T)] $*"; }
sw() { "$PEER" swanctl "$@"; }

# wait_for SECS CMD...: run CMD every 0.2 s until it succeeds (bounded)
wait_for() {
    local secs=$1 i; shift
    for ((i = 0; i < secs * 5; i++)); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}
gw_alive() { [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; }
gw_said() { grep -q -- "$1" "$WORK/gw.log" 2>/dev/null; }
# the value of KEY in the gateway's last STATS line
gw_stat() { { grep '^STATS ' "$WORK/gw.log" 2>/dev/null || true; } | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# strongSwan's CHILD_SA "in"/"out" packet counter (of the newest SA listed)
sw_packets() { # confdir in|out
    { sw "$1" --list-sas --child net 2>/dev/null || true; } |
        awk -v d="$2" '$1 == d { for (i = 1; i <= NF; i++) if ($(i) ~ /^packets/) n = $(i-1) } END { print n }'
}
# IKE SAs the gateway holds in state $1 (ESTABLISHED, REKEYED, ...), from the
# state changes it logs (log_level debug): an SA (named by its SPI's first
# bytes) whose last change was into that state
gw_ike_sas() {
    sed -n 's/.*ike: SA \([0-9a-f]*\): [A-Z_]* -> \([A-Z_]*\)$/\1 \2/p' "$WORK/gw.log" |
        awk -v st="$1" '$1 != "00000000" { s[$1] = $2 } END { n = 0; for (k in s) if (s[k] == st) n++; print n }'
}
# strongSwan's IKE_SAs: "<count> <state and SPIs of the last>", e.g.
# "1 ESTABLISHED 7bd2a26c7d5133a9 a40331e22cea66bd"
sw_ike_sas() {
    { sw "$WORK/r" --list-sas 2>/dev/null || true; } | awk '/^s2s: #/ { n++; st = $3; i = $5; r = $6 }
        END { sub(/,$/, "", st); sub(/_i\*?$/, "", i); sub(/_r\*?$/, "", r); print n + 0, st, i, r }'
}
# strongSwan's IKE_SAs, one line each: "<state> <SPIi> <SPIr>"
sw_ike_list() {
    { sw "$WORK/r" --list-sas 2>/dev/null || true; } | awk '/^s2s: #/ { st = $3; i = $5; r = $6
        sub(/,$/, "", st); sub(/_i\*?$/, "", i); sub(/_r\*?$/, "", r); print st, i, r }'
}
# 0 when a message of the gateway's on strongSwan's IKE_SA SPIi SPIr reached
# strongSwan and was dropped there: the thread that looked the IKE_SA up by
# the message's SPIs logged WHY next ("IKE_SA checkout not successful": no
# such IKE_SA registered; "ignoring request with ID": taken for a copy of a
# message being processed)
sw_dropped_ours() { # spi_i spi_r why
    awk -v want="[MGR] checkout IKEv2 SA by message with SPIs $1_i $2_r" -v why="[MGR] $3" '
        { t = $2; sub(/\[.*/, "", t) }
        index($0, want) { wait[t] = 1; next }
        (t in wait) { if (index($0, why)) found = 1; delete wait[t] }
        END { exit !found }' "$WORK/r/run/charon.log"
}
# 0 when the gateway freed its IKE SA with SPIs SPIi SPIr (it logs an IKE SA
# by the first 4 bytes of its own SPI, the initiator's or the responder's)
gw_ike_freed() { # spi_i spi_r
    sed -n 's/.*ike: SA \([0-9a-f]*\): [A-Z_]* -> \([A-Z_]*\)$/\1 \2/p' "$WORK/gw.log" |
        awk -v a="${1:0:8}" -v b="${2:0:8}" '$1 == a || $1 == b { s = $2 } END { exit s != "FREE" }'
}
# the SPIs of the gateway's current IKE SA, as its last IKE_UP / IKE_REKEYED line says
gw_ike_spis() {
    sed -n 's/^IKE_\(UP\|REKEYED\) .*SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_r.*/\2 \3/p' "$WORK/gw.log" | tail -1
}
sw_spi() { # confdir in|out: the SPI (hex) of the newest CHILD_SA in that direction
    { sw "$1" --list-sas --child net 2>/dev/null || true; } | awk -v d="$2" '$1 == d { s = $2; sub(/,$/, "", s) } END { print s }'
}
# who pings whom: the virtual address cases change it once the address is known
PING_NS=$LEFT_NS PING_SRC=$LEFT_IN PING_DST=$RIGHT_IN
ping_through() { # count interval -> 0 if every reply came back
    ip netns exec "$PING_NS" ping -n -c "$1" -i "$2" -W 1 -I "$PING_SRC" "$PING_DST" > "$WORK/ping.out" 2>&1
}

# ---- the gateway binary ----------------------------------------------------------
GW=${TIP_GATEWAY:-$ROOT/build/interop/examples/linux-gateway/linux-gateway}
GW_BUILD=build/interop GW_FLAGS=()
GW_ARGS=()
if [ "$ACTION" = keys ]; then
    # the key log is a compile-time switch; its #warning must not become an error
    GW=${TIP_KEYLOG_GATEWAY:-$ROOT/build/interop-keylog/examples/linux-gateway/linux-gateway}
    GW_BUILD=build/interop-keylog GW_FLAGS=(-DCMAKE_C_FLAGS="-DTIP_KEYLOG=1 -DTIP_KEYLOG_NO_WARNING")
    mkdir -p "$WORK/keys"
    GW_ARGS=(--keylog "$WORK/keys")
fi
if [ "$AUTH" = cert ]; then
    GW=${TIP_CERT_GATEWAY:-$ROOT/build/interop-cert/examples/linux-gateway/linux-gateway}
    GW_BUILD=build/interop-cert
    GW_FLAGS=(-DCMAKE_C_FLAGS="-DTIP_IKE_MSG_MAX=4096 -DTIP_IKE_DGRAM_MAX=576")
fi
# a default build directory configured with other flags is configured again
gw_stale() {
    [ "$GW" = "$ROOT/$GW_BUILD/examples/linux-gateway/linux-gateway" ] && [ ${#GW_FLAGS[@]} -gt 0 ] &&
        ! grep -qF -- "CMAKE_C_FLAGS:STRING=${GW_FLAGS[0]#-DCMAKE_C_FLAGS=}" \
            "$ROOT/$GW_BUILD/CMakeCache.txt" 2>/dev/null
}
if [ "$LEFT" = tip ] && { [ ! -x "$GW" ] || gw_stale; }; then
    log "building linux-gateway in $GW_BUILD"
    { timeout 300 cmake -S "$ROOT" -B "$ROOT/$GW_BUILD" -DTIP_BUILD_TESTS=OFF \
          -DTIP_BUILD_BENCH=OFF "${GW_FLAGS[@]}" &&
      timeout 600 cmake --build "$ROOT/$GW_BUILD" -j"${TIP_JOBS:-2}" --target linux-gateway; } \
        > "$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; fail "linux-gateway does not build"; }
elif [ "$LEFT" = tip ] && [ "$GW" = "$ROOT/$GW_BUILD/examples/linux-gateway/linux-gateway" ]; then
    # an existing default build follows the sources (incremental: about a
    # second when nothing changed), so no case runs an old gateway
    timeout 600 cmake --build "$ROOT/$GW_BUILD" -j"${TIP_JOBS:-2}" --target linux-gateway \
        > "$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; fail "linux-gateway does not build"; }
fi
# keys: strongSwan's save-keys plugin (not in Debian), built once into a cache
if [ "$ACTION" = keys ] && [ -z "${SAVE_KEYS_SO:-}" ]; then
    cache=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/save-keys
    if [ ! -r "$cache/libstrongswan-save-keys.so" ]; then
        log "building strongSwan's save-keys plugin into $cache (once)"
        timeout 900 "$HERE/build-save-keys.sh" "$cache" > "$WORK/save-keys-build.log" 2>&1 ||
            { tail -5 "$WORK/save-keys-build.log"; fail "cannot build the save-keys plugin"; }
    fi
    export SAVE_KEYS_SO=$cache/libstrongswan-save-keys.so
fi

# ---- topology and strongSwan ------------------------------------------------------
log "case $CASE: topology $MODE, left=$LEFT, initiator=$INITIATOR, ike=$IKE esp=$ESP"
"$TOPO" up "$MODE" || fail "topology"
TOPO_UP=1
if [ "$INNER" = 6 ]; then
    for ns in "$LEFT_NS" "$RIGHT_NS"; do # IPv6 on, also for the TUN devices to come
        for c in all default lan0 lan0p; do
            ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$c.disable_ipv6=0"
        done
    done
    ip -n "$LEFT_NS" addr add "$LEFT_IN/64" dev lan0 nodad
    ip -n "$RIGHT_NS" addr add "$RIGHT_IN/64" dev lan0 nodad
fi
if [ -n "$ENCAP" ] && [ "${TX_CSUM_OFF:-1}" = 1 ]; then
    # the kernel completes each UDP checksum before the packet enters the
    # veth, so the capture holds what a real link would carry (ETHTOOL_STXCSUM)
    for ns in "$LEFT_NS" "$RIGHT_NS"; do
        ip netns exec "$ns" python3 - eth0 <<'PY' || fail "cannot switch off checksum offload in $ns"
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL, ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM = 0x8946, 0x16, 0x17
def ethtool(cmd, data=0):
    ev = ctypes.create_string_buffer(struct.pack("II", cmd, data))
    ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(ev)).ljust(40, b"\0")
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCETHTOOL, ifr)
    return struct.unpack("II", ev.raw[:8])[1]
ethtool(ETHTOOL_STXCSUM, 0)
sys.exit(ethtool(ETHTOOL_GTXCSUM) != 0)
PY
    done
fi

mkdir -p "$WORK/r"
# right: the responder accepts anyone (the left may be behind the NAT); as
# initiator it calls left's outer address
if [ "$INITIATOR" = right ]; then right_remote=$LEFT_ADDR; else right_remote=%any; fi
RIGHT_IKE=$IKE RIGHT_ESP=$ESP
[ "$ACTION" = proposal-mismatch ] && RIGHT_IKE=aes256-sha256-modp2048 RIGHT_ESP=aes256-sha256
[ "$ACTION" = steer-ke ] && RIGHT_IKE=aes256-sha256-modp2048,$IKE
# certificates (test/data/certs): strongSwan's certificate, the CA
# certificates it holds (the intermediate is sent when it holds it), the
# folder of its key, its identity; the gateway's certificate, intermediate,
# trust anchor and identity
SW_CERT=gw SW_CAS="ca int" SW_KEYDIR=ecdsa SW_ID=gw.test
GW_CERT=dev GW_INT=int GW_CA=ca GW_ID=dev.test
case "$CASE" in
    cert-rsa | cert-rsa-pss | cert-rsa-resp | cert-rsa-classic)
        SW_CERT=rsa-vpn SW_CAS="rsa-ca rsa-int" SW_KEYDIR=rsa SW_ID=rsa-vpn.test
        GW_CERT=rsa-dev GW_INT=rsa-int GW_CA=rsa-ca GW_ID=rsa-dev.test ;;
    cert-wrong-ca) GW_CA=other-ca ;;
    cert-expired) SW_CERT=expired SW_ID=expired.test ;;    # issued by the root itself
    cert-id-mismatch) SW_ID=other.test ;;
    cert-no-intermediate) SW_CAS=ca ;;
esac
if [ "$AUTH" = cert ]; then
    CERTS=$ROOT/test/data/certs
    mkdir -p "$WORK/r/x509" "$WORK/r/x509ca" "$WORK/r/$SW_KEYDIR"
    cp "$CERTS/$SW_CERT.der" "$WORK/r/x509/"
    for c in $SW_CAS; do cp "$CERTS/$c.der" "$WORK/r/x509ca/"; done
    cp "$CERTS/$SW_CERT.key" "$WORK/r/$SW_KEYDIR/$SW_CERT.der"
    "$PEER" render "$HERE/swanctl-cert.conf.in" "$WORK/r/swanctl.conf" LOCAL_CERT=$SW_CERT.der \
        START_ACTION=none REKEY_TIME=1h IKE_PROPOSAL="$RIGHT_IKE" ESP_PROPOSAL="$RIGHT_ESP" \
        LOCAL_ADDR=10.99.0.2 REMOTE_ADDR=$right_remote LOCAL_ID=$SW_ID REMOTE_ID=$GW_ID \
        LOCAL_TS=10.2.0.0/24 REMOTE_TS=10.1.0.0/24
elif [ "$ACTION" = vip-init ]; then      # strongSwan hands out the address
    "$PEER" render "$HERE/swanctl-vip.conf.in" "$WORK/r/swanctl.conf" PSK=$PSK \
        IKE_PROPOSAL="$RIGHT_IKE" ESP_PROPOSAL="$RIGHT_ESP" VIP_KEY=pools VIP_VALUE=rw \
        LOCAL_ADDR=10.99.0.2 REMOTE_ADDR=%any LOCAL_ID=right.test REMOTE_ID=left.test \
        LOCAL_TS=10.2.0.0/24 REMOTE_TS=dynamic
elif [ "$ACTION" = vip-resp ]; then    # strongSwan asks for one
    "$PEER" render "$HERE/swanctl-vip.conf.in" "$WORK/r/swanctl.conf" PSK=$PSK \
        IKE_PROPOSAL="$RIGHT_IKE" ESP_PROPOSAL="$RIGHT_ESP" VIP_KEY=vips VIP_VALUE=0.0.0.0 \
        LOCAL_ADDR=10.99.0.2 REMOTE_ADDR=$LEFT_ADDR LOCAL_ID=right.test REMOTE_ID=left.test \
        LOCAL_TS=dynamic REMOTE_TS=10.1.0.0/24
elif [ "$ACTION" = children ]; then    # two CHILD_SAs, net and net2
    "$PEER" render "$HERE/swanctl-children.conf.in" "$WORK/r/swanctl.conf" PSK=$PSK \
        START_ACTION=none REKEY_TIME=1h IKE_PROPOSAL="$RIGHT_IKE" ESP_PROPOSAL="$RIGHT_ESP" \
        LOCAL_ADDR=$RIGHT_ADDR REMOTE_ADDR=$right_remote LOCAL_ID=right.test REMOTE_ID=left.test \
        LOCAL_TS=10.2.0.0/24 REMOTE_TS=10.1.0.0/24 LOCAL_TS2=10.2.1.0/24 REMOTE_TS2=10.1.1.0/24
    # the second pair's hosts: one more address on each LAN
    ip -n "$LEFT_NS" addr add 10.1.1.1/24 dev lan0
    ip -n "$RIGHT_NS" addr add 10.2.1.1/24 dev lan0
elif [ "$ACTION" = many-ts ]; then     # 20 subnets a side, the /24s we protect among them
    many_l=$(for i in $(seq 10 28); do printf '10.2.%s.0/24,' "$i"; done)10.2.0.0/24
    many_r=$(for i in $(seq 10 28); do printf '10.1.%s.0/24,' "$i"; done)10.1.0.0/24
    "$PEER" render "$HERE/swanctl-psk.conf.in" "$WORK/r/swanctl.conf" PSK=$PSK \
        START_ACTION=none REKEY_TIME=1h IKE_PROPOSAL="$RIGHT_IKE" ESP_PROPOSAL="$RIGHT_ESP" \
        LOCAL_ADDR=10.99.0.2 REMOTE_ADDR=$right_remote LOCAL_ID=right.test REMOTE_ID=left.test \
        LOCAL_TS="$many_l" REMOTE_TS="$many_r"
else
    # mobike-resp: strongSwan is a road warrior, from whatever address it has
    right_local=$RIGHT_ADDR
    [ "$ACTION" = mobike ] && [ "$INITIATOR" = right ] && right_local=%any
    "$PEER" render "$HERE/swanctl-psk.conf.in" "$WORK/r/swanctl.conf" PSK=$PSK \
        START_ACTION=none REKEY_TIME=1h IKE_PROPOSAL="$RIGHT_IKE" ESP_PROPOSAL="$RIGHT_ESP" \
        LOCAL_ADDR=$right_local REMOTE_ADDR=$right_remote LOCAL_ID=$RIGHT_ID REMOTE_ID=$LEFT_ID \
        LOCAL_TS=$RIGHT_NET REMOTE_TS=$LEFT_NET
    # the template keeps MOBIKE off; these cases are about it
    [ "$ACTION" = mobike ] && sed -i 's/^\( *\)mobike = no$/\1mobike = yes/' "$WORK/r/swanctl.conf"
fi
# v6-encap: strongSwan encapsulates ESP in UDP whatever NAT detection says
[ -n "$ENCAP" ] && sed -i 's/^\( *\)mobike = no$/&\n\1encap = yes/' "$WORK/r/swanctl.conf"
[ -n "$FRAG_SIZE" ] && export CHARON_EXTRA_CONF="fragment_size = $FRAG_SIZE"
# RFC 7427 with RSA-PSS instead of strongSwan's default PKCS#1 v1.5
[ "$ACTION" = cert-rsa ] && export CHARON_EXTRA_CONF="rsa_pss = yes"
# a peer that knows only the RFC 7296 signature methods (no RFC 7427)
[ "$ACTION" = cert-classic ] && export CHARON_EXTRA_CONF="signature_authentication = no"
"$PEER" start right "$RIGHT_NS" "$WORK/r" >/dev/null || fail "strongSwan (right) did not start"
if [ "$IMPAIR" = loss ]; then
    # deterministic 10 %: the 3rd, 13th, ... IKE datagram each side sends
    for ns in "$LEFT_NS" "$RIGHT_NS"; do
        ip netns exec "$ns" nft -f - <<'NFT' || fail "nftables is not available"
table inet tipimpair {
    chain out {
        type filter hook output priority 0; policy accept;
        udp dport { 500, 4500 } numgen inc mod 10 == 2 counter drop
    }
}
NFT
    done
fi

if [ "${CAPTURE:-0}" = 1 ]; then
    # --immediate-mode: packets reach the file at once, not when a ring block
    # fills or times out (else the last ones are lost when tcpdump is stopped)
    timeout 300 ip netns exec "$RIGHT_NS" tcpdump -Z root -U --immediate-mode -n -i eth0 \
        -w "$WORK/capture.pcap" \
        2>"$WORK/tcpdump.err" &
    TCPDUMP_PID=$!
    BGPIDS+=("$TCPDUMP_PID")
    wait_for 5 grep -q listening "$WORK/tcpdump.err" || true
fi

# ---- left: strongSwan or the tinyipsec gateway ---------------------------------------
gw_start() {
    # ip netns exec execs the program: $! is the gateway's own PID
    ip netns exec "$LEFT_NS" "$GW" --stats-interval 1 "${GW_ARGS[@]}" "$WORK/gw.conf" \
        </dev/null > "$WORK/gw.log" 2>&1 &
    GW_PID=$!
    wait_for 5 gw_said '^linux-gateway ' || { gw_alive || fail "gateway exited at start-up"; fail "gateway did not start"; }
}
if [ "$LEFT" = sw ]; then
    mkdir -p "$WORK/l"
    "$PEER" render "$HERE/swanctl-psk.conf.in" "$WORK/l/swanctl.conf" PSK=$PSK \
        START_ACTION=none REKEY_TIME=1h IKE_PROPOSAL="$IKE" ESP_PROPOSAL="$ESP" \
        LOCAL_ADDR=$LEFT_ADDR REMOTE_ADDR=10.99.0.2 LOCAL_ID=left.test REMOTE_ID=right.test \
        LOCAL_TS=10.1.0.0/24 REMOTE_TS=10.2.0.0/24
    "$PEER" start left "$LEFT_NS" "$WORK/l" >/dev/null || fail "strongSwan (left) did not start"
else
    if [ "$INITIATOR" = left ]; then initiate=yes peer=$RIGHT_ADDR; else initiate=no peer=any; fi
    gw_psk=$PSK
    [ "$ACTION" = auth-fail ] && gw_psk=wrong-$PSK
    if [ "$AUTH" = cert ]; then
        # the gateway sends its certificate and the intermediate; it trusts
        # only the root (cert-wrong-ca: another root)
        gw_auth="local_id = fqdn:$GW_ID
remote_id = fqdn:$SW_ID
cert = $CERTS/$GW_CERT.der, $CERTS/$GW_INT.der
ca = $CERTS/$GW_CA.der
key = $CERTS/$GW_CERT.key"
    else
        gw_auth="local_id = $GW_LOCAL_ID
remote_id = $GW_REMOTE_ID
psk = \"$gw_psk\""
    fi
    cat > "$WORK/gw.conf" <<EOF
# generated by interop.sh ($CASE)
local = $LEFT_ADDR
peer = $peer
$gw_auth
local_subnet = $LEFT_NET
remote_subnet = $RIGHT_NET
route_src = $LEFT_IN
ike = $IKE
esp = $ESP
initiate = $initiate
tun = tipgw0
log_level = ${GW_LOGLEVEL:-info}
EOF
    [ -n "$FRAG_SIZE" ] && echo "fragment_size = $FRAG_SIZE" >> "$WORK/gw.conf"
    [ "$CASE" = cert-rsa-pss ] && echo "rsa_pss = yes" >> "$WORK/gw.conf"
    [ -n "$ENCAP" ] && echo "force_encap = yes" >> "$WORK/gw.conf"
    # an unanswerable IKE_SA_INIT is given up after 0.25 + 0.5 + 1 + 2 s, not 63 s
    [ "$ACTION" = proposal-mismatch ] &&
        printf 'retransmit_timeout = 250\nretransmit_tries = 3\n' >> "$WORK/gw.conf"
    [ "$ACTION" = children ] && echo "child = 10.1.1.0/24 10.2.1.0/24" >> "$WORK/gw.conf"
    # virtual addresses: a road warrior without subnet of its own, or a gateway with a pool
    if [ "$ACTION" = vip-init ]; then
        sed -i -e '/^local_subnet = /d' -e '/^route_src = /d' "$WORK/gw.conf"
        echo "vip = ipv4" >> "$WORK/gw.conf"
    elif [ "$ACTION" = vip-resp ]; then
        sed -i 's|^remote_subnet = .*|remote_subnet = 10.3.0.0/24|' "$WORK/gw.conf"
        printf 'pool = 10.3.0.10-10.3.0.20\npool_dns = 10.1.0.53\n' >> "$WORK/gw.conf"
    fi
    gw_start
fi

# ---- negative cases: the failure must be reported, and nothing installed ----------------
if [ "$ACTION" = auth-fail ] || [ "$ACTION" = proposal-mismatch ]; then
    want=AUTH_FAILED
    wait_s=$SA_TIMEOUT
    # NO_PROPOSAL_CHOSEN in an IKE_SA_INIT response is not authenticated
    # (RFC 7296 2.21.1): the gateway reports it when its retransmissions
    # give up (shortened above to about 4 s after the first request).
    [ "$ACTION" = proposal-mismatch ] && want=PROPOSAL_MISMATCH wait_s=$((SA_TIMEOUT + 10))
    # strongSwan starts: the gateway refuses it as responder and says why
    [ "$INITIATOR" = right ] && { timeout $((SA_TIMEOUT + 5)) "$PEER" swanctl "$WORK/r" --initiate \
        --child net --timeout "$SA_TIMEOUT" > "$WORK/initiate.out" 2>&1 || true; }
    wait_for "$wait_s" gw_said "^$want " || fail "gateway printed no $want"
    # the certificate refusals: the reason (tip_strerror() of the TIP_ERR_CERT* code)
    case "$CASE" in
        cert-wrong-ca | cert-no-intermediate) why="peer certificate not trusted" ;;  # TIP_ERR_CERT
        cert-expired) why="peer certificate expired or not yet valid" ;;           # TIP_ERR_CERT_TIME
        cert-id-mismatch) why="peer identity does not match its certificate" ;;    # TIP_ERR_CERT_ID
        *) why="" ;;
    esac
    gw_said "^$want conn [0-9]*: $why" || fail "gateway's $want without '$why': $(grep -m1 "^$want " "$WORK/gw.log")"
    sleep 1
    gw_alive || fail "gateway exited after the failure"
    ! sw "$WORK/r" --list-sas 2>/dev/null | grep -q INSTALLED || fail "strongSwan installed a CHILD_SA anyway"
    ! sw "$WORK/r" --list-sas 2>/dev/null | grep -q ESTABLISHED || fail "strongSwan has an IKE_SA anyway"
    ! gw_said '^CHILD_UP ' || fail "gateway installed a CHILD_SA anyway"
    ! gw_said '^IKE_UP ' || fail "gateway established an IKE SA anyway"
    ! ping_through 1 0.2 || fail "ping passes without a tunnel"
    detail=$(grep -m1 "^$want " "$WORK/gw.log")
    # what strongSwan sent is what the case is about
    case "$CASE" in
        cert-no-intermediate)
            ! grep -q 'sending issuer cert' "$WORK/r/run/charon.log" || fail "strongSwan sent an intermediate" ;;
        cert-id-mismatch)
            grep -q "authentication of 'other.test' (myself)" "$WORK/r/run/charon.log" ||
                fail "strongSwan did not authenticate as other.test" ;;
    esac
    if [ "$AUTH" = cert ]; then
        # strongSwan's verdict: the gateway's answer to its IKE_AUTH request
        grep -q 'received AUTHENTICATION_FAILED notify error' "$WORK/r/run/charon.log" ||
            fail "strongSwan logged no AUTHENTICATION_FAILED from the gateway"
        detail="$detail; strongSwan: received AUTHENTICATION_FAILED"
    fi
    RESULT="PASS ($detail)"
    exit 0
fi

# ---- establish --------------------------------------------------------------------
t0=$(date +%s.%N)
if [ "$LEFT" = sw ]; then
    timeout $((SA_TIMEOUT + 5)) "$PEER" swanctl "$WORK/l" --initiate --child net \
        --timeout "$SA_TIMEOUT" > "$WORK/initiate.out" 2>&1 || fail "left strongSwan could not initiate"
elif [ "$INITIATOR" = right ]; then
    timeout $((SA_TIMEOUT + 5)) "$PEER" swanctl "$WORK/r" --initiate --child net \
        --timeout "$SA_TIMEOUT" > "$WORK/initiate.out" 2>&1 || fail "strongSwan's initiate failed"
    # the second child on the same IKE_SA: CREATE_CHILD_SA
    [ "$ACTION" = children ] && { timeout $((SA_TIMEOUT + 5)) "$PEER" swanctl "$WORK/r" --initiate \
        --child net2 --timeout "$SA_TIMEOUT" > "$WORK/initiate2.out" 2>&1 ||
        fail "strongSwan's initiate of net2 failed"; }
fi
"$PEER" wait-sa "$WORK/r" net "$SA_TIMEOUT" || fail "no CHILD_SA on strongSwan's side"
if [ "$LEFT" = sw ]; then
    "$PEER" wait-sa "$WORK/l" net 5 || fail "no CHILD_SA on left strongSwan"
else
    wait_for 5 gw_said '^CHILD_UP ' || fail "gateway printed no CHILD_UP"
    gw_said '^IKE_UP ' || fail "gateway printed no IKE_UP"
    # the same SAs on both sides: strongSwan's inbound SPI is our outbound one
    sw_in=$(sw_spi "$WORK/r" in)
    gw_out=$(sed -n 's/^CHILD_UP .* child 0: .* out 0x\([0-9a-f]*\),.*/\1/p' "$WORK/gw.log" | tail -1)
    [ -n "$sw_in" ] && [ "$sw_in" = "$gw_out" ] ||
        fail "SPI mismatch: strongSwan in=$sw_in, gateway out=$gw_out"
    sw_out=$(sw_spi "$WORK/r" out)
    gw_in=$(sed -n 's/^CHILD_UP .* child 0: .* SPIs in 0x\([0-9a-f]*\) out .*/\1/p' "$WORK/gw.log" | tail -1)
    [ -n "$sw_out" ] && [ "$sw_out" = "$gw_in" ] ||
        fail "SPI mismatch: strongSwan out=$sw_out, gateway in=$gw_in"
fi
setup=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
log "SAs up in ${setup}s"

# ---- virtual addresses: assigned, installed, and the source of the ping ------------------
if [ "$ACTION" = vip-init ]; then
    vip=$(sed -n 's/^VIRTUAL_IP conn [0-9]*: address //p' "$WORK/gw.log" | head -1)
    [ -n "$vip" ] || fail "gateway printed no VIRTUAL_IP address"
    sw "$WORK/r" --list-sas > "$WORK/r-sas.txt" 2>&1 || true
    grep -q "remote 'left.test' @ .* \[$vip\]" "$WORK/r-sas.txt" ||
        fail "strongSwan did not assign $vip to the gateway"
    gw_said '^VIRTUAL_IP conn [0-9]*: DNS server 10.2.0.53' || fail "gateway printed no DNS server 10.2.0.53"
    ip -n "$LEFT_NS" addr show dev tipgw0 | grep -q "inet $vip/32" || fail "$vip is not on tipgw0"
    PING_SRC=$vip
elif [ "$ACTION" = vip-resp ]; then
    vip=$(sed -n 's/^CHILD_UP conn [0-9]*: the peer.s virtual address //p' "$WORK/gw.log" | head -1)
    [ "$vip" = 10.3.0.10 ] || fail "gateway assigned '$vip', not 10.3.0.10 (the first of its pool)"
    wait_for 5 eval 'ip -n "$RIGHT_NS" addr | grep -q "inet $vip/"' || fail "strongSwan did not install $vip"
    PING_NS=$RIGHT_NS PING_SRC=$vip PING_DST=10.1.0.1
fi

# ---- traffic, and the case's action ---------------------------------------------------
if [ "$IMPAIR" = loss ]; then
    dropped=0
    for ns in "$LEFT_NS" "$RIGHT_NS"; do
        n=$(ip netns exec "$ns" nft list table inet tipimpair | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
        dropped=$((dropped + ${n:-0}))
        ip netns exec "$ns" nft delete table inet tipimpair
    done
fi
ping_through 3 0.2 || fail "ping $PING_SRC -> $PING_DST through the tunnel failed"
detail="setup ${setup}s"
[ "${ACTION#vip-}" != "$ACTION" ] && detail="$detail, virtual address $vip, ping $PING_SRC -> $PING_DST"

case "$ACTION" in
    children)
        "$PEER" wait-sa "$WORK/r" net2 "$SA_TIMEOUT" || fail "no CHILD_SA net2 on strongSwan's side"
        wait_for 5 eval '[ "$(grep -c "^CHILD_UP " "$WORK/gw.log")" = 2 ]' ||
            fail "gateway printed $(grep -c '^CHILD_UP ' "$WORK/gw.log") CHILD_UP, not 2"
        sw "$WORK/r" --list-sas > "$WORK/r-sas.txt" 2>&1 || true
        # one IKE_SA, and under it net and net2 INSTALLED with their subnets
        [ "$(grep -c '^s2s: #' "$WORK/r-sas.txt")" = 1 ] || fail "strongSwan lists not one IKE_SA"
        grep -q '^  net: #.*INSTALLED' "$WORK/r-sas.txt" || fail "strongSwan lists no net INSTALLED"
        grep -q '^  net2: #.*INSTALLED' "$WORK/r-sas.txt" || fail "strongSwan lists no net2 INSTALLED"
        grep -A6 '^  net2: #' "$WORK/r-sas.txt" | grep -q 'local  10.2.1.0/24' ||
            fail "strongSwan's net2 is not 10.2.1.0/24"
        # each of the gateway's outbound SPIs is one of strongSwan's inbound ones
        for spi in $(sed -n 's/^CHILD_UP .* out 0x\([0-9a-f]*\),.*/\1/p' "$WORK/gw.log"); do
            grep -q "in  $spi" "$WORK/r-sas.txt" || fail "gateway SPI $spi is none of strongSwan's"
        done
        PING_SRC=10.1.1.1 PING_DST=10.2.1.1
        ping_through 3 0.2 || fail "ping 10.1.1.1 -> 10.2.1.1 through net2 failed"
        n1=$(sw "$WORK/r" --list-sas --child net2 | awk '$1 == "in" { for (i = 1; i <= NF; i++) if ($(i) ~ /^packets/) n = $(i-1) } END { print n }')
        [ "${n1:-0}" -ge 3 ] || fail "strongSwan's net2 counted ${n1:-0} packets in"
        detail="$detail, net and net2 INSTALLED under one IKE_SA, ping through each"
        ;;
    many-ts)
        # strongSwan 5.9: "splitting IKE message (N bytes) into M fragments"
        # (IKE_SA_INIT is never split: this is its IKE_AUTH)
        split=$(sed -n 's/.*splitting IKE message (\([0-9]*\) bytes) into \([0-9]*\) fragments.*/\1 bytes in \2/p' \
            "$WORK/r/run/charon.log" | head -1)
        [ -n "$split" ] || fail "strongSwan sent its IKE_AUTH whole"
        sw "$WORK/r" --list-sas > "$WORK/r-sas.txt" 2>&1 || true
        grep -q '^    local  10.2.0.0/24$' "$WORK/r-sas.txt" || fail "strongSwan's CHILD_SA is not narrowed to 10.2.0.0/24"
        grep -q '^    remote 10.1.0.0/24$' "$WORK/r-sas.txt" || fail "strongSwan's CHILD_SA is not narrowed to 10.1.0.0/24"
        detail="$detail, IKE_AUTH with 20+20 selectors ($split fragments) narrowed to one pair"
        ;;
    mobike)
        # the side that started the IKE SA moves to 10.97.0.0/24 (MOBIKE: only
        # the original initiator sends UPDATE_SA_ADDRESSES, RFC 4555 3.5);
        # the other one keeps its address and gets an on-link route to the new
        # network first (a router would give it one)
        if [ "$INITIATOR" = left ]; then
            mv_ns=$LEFT_NS mv_old=10.99.0.1 mv_new=10.97.0.1 st_ns=$RIGHT_NS st_addr=10.99.0.2
        else
            mv_ns=$RIGHT_NS mv_old=10.99.0.2 mv_new=10.97.0.2 st_ns=$LEFT_NS st_addr=10.99.0.1
        fi
        ip -n "$st_ns" route add 10.97.0.0/24 dev eth0 src "$st_addr"
        sas0=$(sw_ike_sas)
        child0="$(sw_spi "$WORK/r" in) $(sw_spi "$WORK/r" out)"
        inits0=$(grep -c 'IKE_SA_INIT request 0' "$WORK/r/run/charon.log" || true)
        case "$sas0" in "1 ESTABLISHED "*) ;; *) fail "strongSwan's IKE_SAs before the move: $sas0" ;; esac
        pings=100
        ip netns exec "$PING_NS" ping -n -D -c $pings -i 0.1 -W 1 -I "$PING_SRC" "$PING_DST" \
            > "$WORK/ping-move.out" 2>&1 &
        ping_pid=$!
        BGPIDS+=("$ping_pid")
        sleep 2
        log "moving $mv_ns from $mv_old to $mv_new"
        ip -n "$mv_ns" addr add "$mv_new/24" dev eth0
        ip -n "$mv_ns" addr del "$mv_old/24" dev eth0
        ip -n "$mv_ns" route add 10.99.0.0/24 dev eth0 src "$mv_new"
        t_move=$(date +%s.%N)
        # strongSwan's IKE_SA is on the new address (remote for mobike-init, local for -resp)
        wait_for 10 eval 'sw "$WORK/r" --list-sas 2>/dev/null | grep -q "^  \(local\|remote\) .* @ $mv_new\[4500\]"' ||
            fail "strongSwan's IKE_SA did not move to $mv_new: $(sw "$WORK/r" --list-sas 2>&1 | grep '@' | tr '\n' ' ')"
        t_sw=$(awk -v a="$t_move" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        wait_for 5 gw_said '^IKE_MOVED ' || fail "gateway printed no IKE_MOVED"
        if [ "$INITIATOR" = left ]; then
            gw_said "^ADDRESS conn [0-9]*: the way to 10.99.0.2 now leaves from $mv_new, not $mv_old" ||
                fail "gateway did not report its new address"
            gw_said "^IKE_MOVED conn [0-9]*: $mv_new <-> 10.99.0.2:4500" ||
                fail "gateway's IKE SA not on $mv_new: $(grep '^IKE_MOVED' "$WORK/gw.log")"
            grep -q 'parsed INFORMATIONAL request [0-9]* \[.*N(UPD_SA_ADDR)' "$WORK/r/run/charon.log" ||
                fail "strongSwan logged no UPDATE_SA_ADDRESSES from the gateway"
        else
            gw_said "^IKE_MOVED conn [0-9]*: 10.99.0.1 <-> $mv_new:4500" ||
                fail "gateway does not see strongSwan at $mv_new: $(grep '^IKE_MOVED' "$WORK/gw.log")"
            grep -q 'requesting address change using MOBIKE' "$WORK/r/run/charon.log" ||
                fail "strongSwan did not notice its address change"
            grep -q 'generating INFORMATIONAL request [0-9]* \[.*N(UPD_SA_ADDR)' "$WORK/r/run/charon.log" ||
                fail "strongSwan sent no UPDATE_SA_ADDRESSES"
            # the gateway's own address did not change: nothing to report
            ! gw_said '^ADDRESS ' || fail "the gateway saw a change of its own address: $(grep '^ADDRESS' "$WORK/gw.log")"
        fi
        wait_for 30 eval '! kill -0 $ping_pid 2>/dev/null' || fail "ping during the move hung"
        wait "$ping_pid" || true
        # the longest silence between two replies, and the replies lost
        gap=$(sed -n 's/^\[\([0-9.]*\)\] .* bytes from .*/\1/p' "$WORK/ping-move.out" |
            awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { printf "%.1f", g }')
        received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$WORK/ping-move.out")
        lost=$((pings - ${received:-0}))
        log "ping: $received/$pings replies, longest gap ${gap}s; strongSwan moved ${t_sw}s after the route"
        awk -v g="$gap" 'BEGIN { exit !(g < 3.0) }' || fail "the ping stopped for ${gap}s (more than 3 s)"
        [ "$lost" -le 30 ] || fail "$lost of $pings pings lost during the move"
        # nothing renegotiated: the same IKE_SA and CHILD_SA, no new exchange creating SAs
        sas1=$(sw_ike_sas)
        [ "$sas1" = "$sas0" ] || fail "strongSwan's IKE_SA changed: before '$sas0', after '$sas1'"
        [ "$(grep -c 'IKE_SA_INIT request 0' "$WORK/r/run/charon.log" || true)" = "$inits0" ] ||
            fail "a new IKE_SA_INIT happened"
        [ "$(grep -c '^IKE_UP \|^CHILD_UP ' "$WORK/gw.log")" = 2 ] || fail "the gateway set up SAs again"
        ! gw_said '^IKE_DOWN \|^CHILD_DOWN \|^IKE_REKEYED ' || fail "the gateway's SAs went down or were rekeyed"
        # the gateway never asks for a CHILD_SA (strongSwan would parse its request)
        ! grep -q 'parsed CREATE_CHILD_SA request' "$WORK/r/run/charon.log" ||
            fail "the gateway started a CREATE_CHILD_SA"
        child1="$(sw_spi "$WORK/r" in) $(sw_spi "$WORK/r" out)"
        child_note="CHILD_SA $child0 kept"
        if [ "$child1" != "$child0" ]; then
            # strongSwan's user-space ESP (kernel-libipsec, the only backend a
            # kernel without ESP allows) cannot change an installed SA's
            # addresses: its update fails as not supported, and strongSwan's
            # MOBIKE then rekeys each CHILD_SA itself, right after the update
            # ("CHILD_SA net{1} state change: UPDATING => INSTALLED",
            # "queueing CHILD_REKEY task"). That rekey, and only it, is allowed.
            grep -A1 'CHILD_SA net{[0-9]*} state change: UPDATING => INSTALLED' "$WORK/r/run/charon.log" |
                grep -q 'queueing CHILD_REKEY task' ||
                fail "CHILD_SA SPIs changed ($child0 -> $child1), not by strongSwan's MOBIKE fallback"
            ! grep -q 'updating SAD entry' "$WORK/r/run/charon.log" ||
                fail "strongSwan updated its SAD entries and rekeyed anyway"
            [ "$(grep -c '^CHILD_REKEYED ' "$WORK/gw.log")" = 1 ] ||
                fail "the gateway rekeyed its CHILD SA $(grep -c '^CHILD_REKEYED ' "$WORK/gw.log") times, not once"
            child_note="CHILD_SA $child0 rekeyed by strongSwan itself after its update (kernel-libipsec cannot move an SA) to $child1"
        fi
        ping_through 3 0.2 || fail "no traffic after the move"
        detail="$detail, moved $mv_old -> $mv_new: strongSwan followed ${t_sw}s after the new route, ping gap ${gap}s, $lost/$pings lost, IKE_SA ${sas0#1 ESTABLISHED } kept, $child_note"
        ;;
    rekey-child | rekey-ike | rekey-child-left | rekey-ike-left)
        old_spi=$(sw_spi "$WORK/r" in)
        old_ike=$(sw "$WORK/r" --list-sas | sed -n 's/^s2s: #\([0-9]*\),.*/\1/p' | tail -1)
        ip netns exec "$LEFT_NS" ping -n -c 25 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.1 \
            > "$WORK/ping-rekey.out" 2>&1 &
        ping_pid=$!
        BGPIDS+=("$ping_pid")
        sleep 1.5
        case "$ACTION" in
            rekey-child) sw "$WORK/r" --rekey --child net > "$WORK/rekey.out" 2>&1 || fail "swanctl --rekey --child" ;;
            rekey-ike) sw "$WORK/r" --rekey --ike s2s > "$WORK/rekey.out" 2>&1 || fail "swanctl --rekey --ike" ;;
            rekey-child-left) kill -USR1 "$GW_PID" ;;
            rekey-ike-left) kill -USR2 "$GW_PID" ;;
        esac
        # wait (bounded: 25 pings, 0.2 s apart, 1 s timeout) for the ping
        wait_for 15 eval '! kill -0 $ping_pid 2>/dev/null' || fail "ping during the rekey hung"
        ping_rc=0; wait "$ping_pid" || ping_rc=$?
        received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$WORK/ping-rekey.out")
        [ "$ping_rc" = 0 ] && [ "$received" = 25 ] || fail "ping lost packets during the rekey: $received/25 received"
        if [ "${ACTION%-left}" = rekey-child ]; then
            new_spi=$(sw_spi "$WORK/r" in)
            [ -n "$new_spi" ] && [ "$new_spi" != "$old_spi" ] || fail "CHILD_SA not rekeyed (SPI $old_spi -> $new_spi)"
            wait_for 5 gw_said '^CHILD_REKEYED ' || fail "gateway printed no CHILD_REKEYED"
            detail="$detail, CHILD_SA 0x$old_spi -> 0x$new_spi, 25/25 pings"
        else
            new_ike=$(sw "$WORK/r" --list-sas | sed -n 's/^s2s: #\([0-9]*\), ESTABLISHED.*/\1/p' | tail -1)
            [ -n "$new_ike" ] && [ "$new_ike" != "$old_ike" ] || fail "IKE_SA not rekeyed (#$old_ike -> #$new_ike)"
            wait_for 5 eval '[ "$(gw_stat ike_rekeys)" -ge 1 ] 2>/dev/null' || fail "gateway counts no IKE rekey"
            detail="$detail, IKE_SA #$old_ike -> #$new_ike, 25/25 pings"
        fi
        ping_through 3 0.2 || fail "no traffic after the rekey"
        ;;
    rekey-ike-both)
        rounds=5 pings=100
        ip netns exec "$LEFT_NS" ping -n -c $pings -i 0.2 -W 1 -I 10.1.0.1 10.2.0.1 \
            > "$WORK/ping-rekey.out" 2>&1 &
        ping_pid=$!
        BGPIDS+=("$ping_pid")
        sleep 1
        collisions() { grep -c 'detected IKE_REKEY collision with IKE_REKEY' "$WORK/r/run/charon.log" || true; }
        # A round has settled when strongSwan holds one IKE_SA established, the
        # one the gateway took (same SPIs), and the gateway one established and
        # nothing half made (a replaced or redundant one may still wait,
        # REKEYED, for strongSwan's Delete).
        # One more IKE_SA may stay on strongSwan's side for a while, DELETING:
        # the redundant one of a collision strongSwan lost, when strongSwan
        # dropped the gateway's answer to its Delete itself. strongSwan sends
        # that Delete before it registers the redundant IKE_SA, so an answer
        # that comes back within that moment finds no IKE_SA there ("IKE_SA
        # checkout not successful") and is dropped. The gateway answered and
        # freed the IKE SA (RFC 7296 1.4.1: a Delete of the IKE SA ends it, the
        # answer is the last message on it), so the retransmissions of that
        # Delete find nothing to answer them, and strongSwan ends the IKE_SA
        # when they give up (retransmit_timeout 2 s, base 1.4, 5 tries: 33 s).
        # Such an IKE_SA is allowed only with both proofs (strongSwan dropped
        # our message on it, the gateway freed it), and after the last round
        # strongSwan must hold exactly the one IKE_SA again.
        late_spis=""
        round_settled() {
            local st i r est=0
            [ "$(grep -c '^IKE_REKEYED ' "$WORK/gw.log")" -gt "$gw_n" ] &&
                [ "$(gw_ike_sas ESTABLISHED)" = 1 ] && [ "$(gw_ike_sas CREATING)" = 0 ] || return 1
            while read -r st i r; do
                if [ "$st $i $r" = "ESTABLISHED $(gw_ike_spis)" ]; then
                    est=$((est + 1))
                elif [ "$st" = DELETING ] && sw_dropped_ours "$i" "$r" "IKE_SA checkout not successful" &&
                    gw_ike_freed "$i" "$r"; then
                    case " $late_spis " in *" $i "*) ;; *) late_spis="$late_spis $i" ;; esac
                else
                    return 1
                fi
            done < <(sw_ike_list)
            [ "$est" = 1 ]
        }
        gw_collisions() { grep -c 'ike: IKE SA rekey collision' "$WORK/gw.log" || true; }
        # 0 when the requests did not cross: the gateway answered strongSwan's
        # request (IKE_REKEYED as responder) before it took its SIGUSR2, as
        # when SIGSTOP caught it between poll() and reading its sockets
        not_crossed() {
            tail -n +$((gw_lines + 1)) "$WORK/gw.log" | grep -m1 '^IKE_REKEYED \|^SIGUSR2:' |
                grep -q '^IKE_REKEYED .*, responder, '
        }
        req_dropped=0 misses=0
        for ((round = 1; round <= rounds; round++)); do
            gw_n=$(grep -c '^IKE_REKEYED ' "$WORK/gw.log" || true)
            gw_lines=$(wc -l < "$WORK/gw.log")
            sw_n=$(collisions)
            gw_c=$(gw_collisions)
            old_spis=$(gw_ike_spis)
            # the gateway sends its request when it runs again, after strongSwan's
            # reached it: each request arrives while the other is outstanding
            kill -STOP "$GW_PID"
            kill -USR2 "$GW_PID"
            sw "$WORK/r" --rekey --ike s2s > "$WORK/rekey.out" 2>&1 || { kill -CONT "$GW_PID"; fail "swanctl --rekey --ike"; }
            sleep 0.2
            kill -CONT "$GW_PID"
            wait_for 10 round_settled ||
                fail "round $round: not settled (strongSwan: $(sw_ike_list | paste -sd ';'); gateway: $(gw_ike_spis), $(gw_ike_sas ESTABLISHED) established, $(gw_ike_sas CREATING) creating)"
            # The requests crossed: strongSwan saw the collision. Or strongSwan
            # dropped the gateway's request, having taken it for a copy of a
            # message it was processing: strongSwan numbers its own requests on
            # the old IKE_SA from 0 as the gateway does, and while it processes
            # the gateway's answer to its request N it drops the gateway's
            # request N arriving then ("ignoring request with ID N, already
            # processing"), completes its own rekey, and deletes the old IKE_SA
            # before the gateway retransmits. Then the gateway saw the collision
            # and resolves it by that Delete (RFC 7296 2.8.2: the peer's new IKE
            # SA stays), which the settled state above has checked.
            if [ "$(collisions)" -le "$sw_n" ] && [ "$(gw_collisions)" = "$gw_c" ] && not_crossed; then
                # Not a collision: two rekeys one after the other. Both must
                # complete and settle as any rekey; the round is done again
                # (a few times at most).
                misses=$((misses + 1))
                [ "$misses" -le 3 ] || fail "round $round: the requests did not cross, $misses times"
                wait_for 10 eval '[ "$(grep -c "^IKE_REKEYED " "$WORK/gw.log")" -ge $((gw_n + 2)) ] && round_settled' ||
                    fail "round $round: the gateway's rekey after strongSwan's did not settle"
                sleep 0.5
                [ "$(grep -c '^IKE_REKEYED ' "$WORK/gw.log")" = $((gw_n + 2)) ] ||
                    fail "round $round: the gateway raised IKE_REKEYED not twice for two rekeys"
                round=$((round - 1))
                continue
            fi
            if [ "$(collisions)" -le "$sw_n" ]; then
                [ "$(gw_collisions)" -gt "$gw_c" ] &&
                    sw_dropped_ours ${old_spis} "ignoring request with ID" ||
                    fail "round $round: strongSwan detected no IKE_SA rekey collision"
                req_dropped=$((req_dropped + 1))
            fi
            sleep 0.5
            [ "$(grep -c '^IKE_REKEYED ' "$WORK/gw.log")" = $((gw_n + 1)) ] ||
                fail "round $round: the gateway raised IKE_REKEYED more than once"
        done
        wait_for 30 eval '! kill -0 $ping_pid 2>/dev/null' || fail "ping during the rekeys hung"
        ping_rc=0; wait "$ping_pid" || ping_rc=$?
        received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$WORK/ping-rekey.out")
        [ "$ping_rc" = 0 ] && [ "$received" = $pings ] || fail "ping lost packets during the rekeys: $received/$pings received"
        ! gw_said '^IKE_DOWN \|^CHILD_DOWN ' || fail "the gateway reported an SA down"
        # one IKE SA on each side: strongSwan's late redundant ones (above) are gone
        wait_for 40 eval '[ "$(sw_ike_sas)" = "1 ESTABLISHED $(gw_ike_spis)" ]' ||
            fail "strongSwan holds not only the gateway's IKE_SA: $(sw_ike_list | paste -sd ';')"
        [ "$(gw_ike_sas ESTABLISHED)" = 1 ] && [ "$(gw_ike_sas CREATING)" = 0 ] ||
            fail "the gateway holds $(gw_ike_sas ESTABLISHED) established, $(gw_ike_sas CREATING) creating IKE SAs"
        rekeys=$((rounds + 2 * misses))
        [ "$(gw_stat ike_rekeys)" = $rekeys ] 2>/dev/null || wait_for 3 eval '[ "$(gw_stat ike_rekeys)" = $rekeys ]' ||
            fail "gateway counts $(gw_stat ike_rekeys) IKE rekeys, not $rekeys"
        # strongSwan's view of each collision: it won, it lost, or our Delete of
        # the old IKE SA came first (it had not seen our answer yet, 2.8.2)
        won=$(grep -c 'IKE_SA rekey collision won' "$WORK/r/run/charon.log" || true)
        lost=$(grep -c 'IKE_SA rekey collision lost' "$WORK/r/run/charon.log" || true)
        first=$(grep -c 'peer did not notice IKE_SA rekey collision' "$WORK/r/run/charon.log" || true)
        late=$(wc -w <<<"$late_spis")
        detail="$detail, $rounds simultaneous IKE rekeys (strongSwan: $(collisions) collisions, won $won, lost $lost, our Delete first $first, our request dropped by strongSwan $req_dropped, our answer to its Delete dropped by strongSwan $late; requests that did not cross, rounds done again $misses), $pings/$pings pings"
        ping_through 3 0.2 || fail "no traffic after the rekeys"
        ;;
    delete-left)
        kill -TERM "$GW_PID"
        wait_for 6 eval '! kill -0 $GW_PID 2>/dev/null' || fail "gateway still running 6 s after SIGTERM"
        gw_rc=0; wait "$GW_PID" || gw_rc=$?
        GW_PID=""
        [ "$gw_rc" = 0 ] || fail "gateway exited with $gw_rc"
        gw_said '^IKE SA deleted' || fail "gateway did not see its delete confirmed"
        gw_said '^FINAL ' || fail "gateway printed no final counters"
        wait_for 5 eval '! sw "$WORK/r" --list-sas | grep -q "^s2s:"' || fail "strongSwan still has the IKE_SA"
        grep -q 'received DELETE for IKE_SA' "$WORK/r/run/charon.log" || fail "strongSwan logged no DELETE"
        detail="$detail, deleted by tinyipsec"
        ;;
    cert-rsa)
        # strongSwan 5.9: "authentication of 'ID' [(myself)] with SCHEME successful"
        ours=$(sed -n "s/.*authentication of 'rsa-dev.test' with \([A-Z0-9_]*\) successful.*/\1/p" \
            "$WORK/r/run/charon.log" | head -1)
        theirs=$(sed -n "s/.*authentication of 'rsa-vpn.test' (myself) with \([A-Z0-9_]*\) successful.*/\1/p" \
            "$WORK/r/run/charon.log" | head -1)
        want_ours=RSA_EMSA_PKCS1_SHA2_256
        [ "$CASE" = cert-rsa-pss ] && want_ours=RSA_EMSA_PSS_SHA2_256
        [ "${ours#"$want_ours"}" != "$ours" ] || fail "strongSwan checked the gateway's AUTH with '$ours', not $want_ours"
        [ "${theirs#RSA_EMSA_PSS}" != "$theirs" ] || fail "strongSwan signed with '$theirs', not RSA-PSS"
        detail="$detail, gateway signed $ours, strongSwan $theirs"
        ;;
    cert-classic)
        # strongSwan 5.9 names a classic method by its AUTH method: "RSA
        # signature" (1), "ECDSA-256 signature" (9); an RFC 7427 one by its scheme
        ours=$(sed -n "s/.*authentication of '$GW_ID' with \(.*\) successful.*/\1/p" \
            "$WORK/r/run/charon.log" | head -1)
        theirs=$(sed -n "s/.*authentication of '$SW_ID' (myself) with \(.*\) successful.*/\1/p" \
            "$WORK/r/run/charon.log" | head -1)
        want="ECDSA-256 signature"
        [ "$CASE" = cert-rsa-classic ] && want="RSA signature"
        [ "$ours" = "$want" ] || fail "strongSwan checked the gateway's AUTH with '$ours', not $want"
        [ "$theirs" = "$want" ] || fail "strongSwan signed with '$theirs', not $want"
        # strongSwan really left RFC 7427 out: its IKE_SA_INIT answer has no
        # N(HASH_ALG), while the gateway's request had one
        grep -q 'generating IKE_SA_INIT response' "$WORK/r/run/charon.log" ||
            fail "strongSwan logged no IKE_SA_INIT response"
        ! grep 'generating IKE_SA_INIT response' "$WORK/r/run/charon.log" | grep -q 'N(HASH_ALG)' ||
            fail "strongSwan sent SIGNATURE_HASH_ALGORITHMS"
        grep 'parsed IKE_SA_INIT request' "$WORK/r/run/charon.log" | grep -q 'N(HASH_ALG)' ||
            fail "the gateway sent no SIGNATURE_HASH_ALGORITHMS"
        detail="$detail, both signed with $want (RFC 7296 3.8, no RFC 7427)"
        ;;
    steer-ke)
        grep -q 'peer didn.t accept DH group MODP_2048, it requested ECP_256' "$WORK/r/run/charon.log" ||
            fail "strongSwan logged no INVALID_KE_PAYLOAD asking for ECP_256"
        detail="$detail, steered from MODP_2048 to ECP_256"
        ;;
    keys)
        # one CHILD_SA rekey by strongSwan (CREATE_CHILD_SA, then its
        # INFORMATIONAL deleting the old pair), traffic on the new SAs; the
        # gateway's SIGTERM below deletes the IKE SA (INFORMATIONAL)
        old_spi=$(sw_spi "$WORK/r" in)
        timeout 15 "$PEER" swanctl "$WORK/r" --rekey --child net > "$WORK/rekey.out" 2>&1 ||
            fail "swanctl --rekey --child"
        wait_for 10 eval '[ -n "$(sw_spi "$WORK/r" in)" ] && [ "$(sw_spi "$WORK/r" in)" != "$old_spi" ]' ||
            fail "CHILD_SA not rekeyed"
        wait_for 5 gw_said '^CHILD_REKEYED ' || fail "gateway printed no CHILD_REKEYED"
        # strongSwan deleted the old pair: the gateway answered its INFORMATIONAL
        wait_for 5 grep -q "received DELETE for ESP CHILD_SA with SPI $(sed -n \
                's/^CHILD_UP .* SPIs in 0x\([0-9a-f]*\) .*/\1/p' "$WORK/gw.log" | head -1)" \
            "$WORK/r/run/charon.log" || fail "the gateway did not answer the delete of the old CHILD_SA"
        new_spi=$(sw_spi "$WORK/r" in)
        ping_through 3 0.2 || fail "no traffic after the rekey"
        detail="$detail, CHILD_SA 0x$old_spi -> 0x$new_spi"
        ;;
    frag)
        # strongSwan 5.9: "splitting IKE message (N bytes) into M fragments",
        # "received fragment #k of M, reassembled fragmented IKE message"
        split=$(grep -c 'splitting IKE message' "$WORK/r/run/charon.log" || true)
        reasm=$(grep -c 'reassembled fragmented IKE message' "$WORK/r/run/charon.log" || true)
        [ "${split:-0}" -ge 1 ] || fail "strongSwan sent nothing in fragments"
        [ "${reasm:-0}" -ge 1 ] || fail "strongSwan received nothing in fragments from the gateway"
        detail="$detail, fragmented: strongSwan split $split, reassembled $reasm"
        if [ "$IMPAIR" = loss ]; then
            # our retransmission: the fragments again, byte for byte (strongSwan
            # takes a changed copy for a new message and ignores it)
            again=$(grep -cE 'received duplicate fragment|received retransmit of request' \
                "$WORK/r/run/charon.log" || true)
            [ "$dropped" -ge 2 ] || fail "the loss dropped only $dropped datagrams"
            [ "${again:-0}" -ge 1 ] || fail "strongSwan did not see our fragments again"
            detail="$detail, $dropped datagrams lost, strongSwan saw our fragments again $again times"
        fi
        ;;
    vip-resp)
        # strongSwan leaves and comes back: the gateway released the lease and
        # keeps it for the identity, so the same address comes again
        timeout 15 "$PEER" swanctl "$WORK/r" --terminate --ike s2s --timeout 10 \
            > "$WORK/terminate.out" 2>&1 || fail "swanctl --terminate failed"
        wait_for 5 gw_said '^IKE_DOWN ' || fail "gateway printed no IKE_DOWN"
        timeout $((SA_TIMEOUT + 5)) "$PEER" swanctl "$WORK/r" --initiate --child net \
            --timeout "$SA_TIMEOUT" > "$WORK/initiate2.out" 2>&1 || fail "strongSwan could not connect again"
        wait_for 5 eval '[ "$(grep -c "the peer.s virtual address $vip\$" "$WORK/gw.log")" = 2 ]' ||
            fail "not $vip again after the reconnect: $(grep "virtual address" "$WORK/gw.log" | tail -1)"
        wait_for 5 eval 'ip -n "$RIGHT_NS" addr | grep -q "inet $vip/"' || fail "strongSwan did not install $vip again"
        ping_through 3 0.2 || fail "no traffic from $vip after the reconnect"
        detail="$detail, $vip again after a reconnect"
        ;;
    delete-right)
        timeout 15 "$PEER" swanctl "$WORK/r" --terminate --ike s2s --timeout 10 \
            > "$WORK/terminate.out" 2>&1 || fail "swanctl --terminate failed (no answer to the delete?)"
        wait_for 5 gw_said '^IKE_DOWN ' || fail "gateway printed no IKE_DOWN"
        wait_for 3 eval '[ "$(gw_stat ike)" = down ]' || fail "gateway still reports the IKE SA up"
        gw_alive || fail "gateway exited"
        ! ping_through 1 0.2 || fail "ping still passes after the delete"
        detail="$detail, deleted by strongSwan"
        ;;
    offload)
        # stream KIND FROM_NS TO_NS FROM TO PORT N SEED LABEL: what the receiver
        # got (bytes or datagrams, and their SHA-256) must be what was sent
        stream() {
            local kind=$1 fns=$2 tns=$3 from=$4 to=$5 port=$6 n=$7 seed=$8 label=$9 rpid count=()
            [ "$kind" = udp ] && count=("$n")
            timeout 90 ip netns exec "$tns" python3 "$HERE/stream-check.py" "$kind-recv" "$to" \
                "$port" "${count[@]}" > "$WORK/$label.recv" 2>&1 &
            rpid=$!
            BGPIDS+=("$rpid")
            sleep 0.5 # bound
            timeout 90 ip netns exec "$fns" python3 "$HERE/stream-check.py" "$kind-send" "$from" "$to" \
                "$port" "$n" "$seed" > "$WORK/$label.send" 2>&1 ||
                fail "$label: sender failed: $(tail -1 "$WORK/$label.send")"
            wait "$rpid" || fail "$label: receiver failed: $(tail -1 "$WORK/$label.recv")"
            [ "$(cat "$WORK/$label.send")" = "$(cat "$WORK/$label.recv")" ] ||
                fail "$label: sent '$(cat "$WORK/$label.send")', received '$(cat "$WORK/$label.recv")'"
            log "$label: $(cat "$WORK/$label.recv") intact"
        }
        streams() { # on|off: TCP and UDP, both ways
            stream tcp "$LEFT_NS" "$RIGHT_NS" "$LEFT_IN" "$RIGHT_IN" 5301 4000000 1 "tcp-out-$1"
            stream tcp "$RIGHT_NS" "$LEFT_NS" "$RIGHT_IN" "$LEFT_IN" 5302 4000000 2 "tcp-in-$1"
            stream udp "$LEFT_NS" "$RIGHT_NS" "$LEFT_IN" "$RIGHT_IN" 5303 200 3 "udp-out-$1"
            stream udp "$RIGHT_NS" "$LEFT_NS" "$RIGHT_IN" "$LEFT_IN" 5304 200 4 "udp-in-$1"
        }
        gw_said '^  offload: UDP GSO on, UDP GRO on, TUN virtio-net header on, TSO on, USO on, coalescing on' ||
            fail "offloads not all on: $(grep -m1 '^  offload' "$WORK/gw.log")"
        streams on
        # a STATS line after the streams: super-packets came from the TUN and
        # went into it, ESP left in GSO sends
        n0=$(grep -c "^STATS " "$WORK/gw.log" || true)
        wait_for 3 eval '[ "$(grep -c "^STATS " "$WORK/gw.log")" -gt "$n0" ]' || true
        tr=$(gw_stat tun_read); trc=$(gw_stat tun_reads); tw=$(gw_stat tun_written)
        twc=$(gw_stat tun_writes); sup=$(gw_stat tun_super); gso=$(gw_stat gso_sends)
        bad=$(gw_stat tun_bad); supu=$(gw_stat tun_super_udp)
        # without super-packets every packet is a read; with them the packets
        # per read depend on the segment sizes TCP chose for its small and
        # large writes: 3.8 to 5.6 measured on this case
        [ "$trc" -lt "$((tr / 2))" ] || fail "few super-packets from the TUN: $trc reads for $tr packets"
        [ "${sup:-0}" -gt 0 ] || fail "nothing coalesced toward the TUN: $twc writes for $tw packets"
        [ "${gso:-0}" -gt 0 ] || fail "no UDP GSO send"
        # strongSwan's runs of ten equal datagrams reach the TUN as UDP super-packets
        [ "${supu:-0}" -gt 0 ] || fail "no UDP datagrams coalesced toward the TUN (USO)"
        [ "$bad" = 0 ] || fail "$bad super-packets could not be split"
        detail="$detail, offload on: TUN $trc reads/$tr packets, $twc writes ($sup coalesced, $supu of them UDP)/$tw packets, $gso GSO sends"
        # the same streams without offloads
        kill -TERM "$GW_PID"
        wait_for 6 eval '! kill -0 $GW_PID 2>/dev/null' || fail "gateway still running 6 s after SIGTERM"
        wait "$GW_PID" || fail "gateway exited with an error"
        mv "$WORK/gw.log" "$WORK/gw-offload.log"
        echo "offload = no" >> "$WORK/gw.conf"
        wait_for 5 eval '! sw "$WORK/r" --list-sas | grep -q "^s2s:"' || fail "strongSwan kept the IKE_SA"
        gw_start
        wait_for "$SA_TIMEOUT" gw_said '^CHILD_UP ' || fail "no CHILD_UP with offload = no"
        gw_said '^  offload: UDP GSO off, UDP GRO off, TUN virtio-net header off' ||
            fail "offloads not off: $(grep -m1 '^  offload' "$WORK/gw.log")"
        wait_for 5 ping_through 1 0.2 || fail "no ping with offload = no"
        streams off
        detail="$detail, offload off: the same streams, TCP 2 x 4 MB and UDP 2 x 200 datagrams intact"
        ;;
esac

# ---- IPv6 outer addresses: where each side sees the other ------------------------------
if [ "$OUTER" = 6 ]; then
    sw "$WORK/r" --list-sas > "$WORK/r-sas.txt" 2>&1 || true
    grep -q "^  local  '$RIGHT_ID' @ $RIGHT_ADDR\[" "$WORK/r-sas.txt" ||
        fail "strongSwan's IKE_SA is not on $RIGHT_ADDR: $(grep -m1 "^  local " "$WORK/r-sas.txt")"
    grep -q "^  remote '$LEFT_ID' @ $LEFT_ADDR\[" "$WORK/r-sas.txt" ||
        fail "strongSwan does not see the gateway at $LEFT_ADDR: $(grep -m1 "^  remote " "$WORK/r-sas.txt")"
    gw_said "^IKE_UP conn [0-9]*: $LEFT_ADDR <-> \[$RIGHT_ADDR\]:" ||
        fail "the gateway's IKE SA is not $LEFT_ADDR <-> $RIGHT_ADDR: $(grep -m1 '^IKE_UP ' "$WORK/gw.log")"
    if [ -n "$ADDR_IDS" ]; then
        # strongSwan's "id = fd00:1::1" is an ID_IPV6_ADDR: it matched only one
        grep -q "authentication of '$LEFT_ID' with pre-shared key successful" "$WORK/r/run/charon.log" ||
            fail "strongSwan did not authenticate the gateway as $LEFT_ID"
        detail="$detail, identities ID_IPV6_ADDR $LEFT_ID and $RIGHT_ID"
    fi
    # and the other way: strongSwan's side pings the gateway's
    ip netns exec "$RIGHT_NS" ping -n -c 3 -i 0.2 -W 1 -I "$RIGHT_IN" "$LEFT_IN" > "$WORK/ping-back.out" 2>&1 ||
        fail "ping $RIGHT_IN -> $LEFT_IN through the tunnel failed"
    detail="$detail, IKE and ESP over IPv6 $LEFT_ADDR <-> $RIGHT_ADDR, ESP SPIs 0x$gw_out/0x$gw_in on both sides, pings both ways"
    if [ -n "$ENCAP" ]; then
        grep -q 'encap = yes' "$WORK/r/swanctl.conf" || fail "strongSwan's encap = yes is missing"
        grep -q '^CHILD_UP .* UDP-encap yes' "$WORK/gw.log" || fail "the gateway's CHILD SA is not UDP-encapsulated"
        # the capture (right's eth0): IKE_SA_INIT, IKE_AUTH, ESP both ways
        sleep 0.3
        stop_pid "$TCPDUMP_PID"
        TCPDUMP_PID=""
        # one pass: protocols, source, ports, UDP checksum and tshark's verdict on it
        tshark -n -o udp.check_checksum:TRUE -r "$WORK/capture.pcap" -T fields -E separator=/t \
            -e frame.protocols -e ipv6.src -e udp.srcport -e udp.dstport -e udp.checksum \
            -e udp.checksum.status > "$WORK/capture.txt" 2>/dev/null || fail "tshark cannot read the capture"
        # count AWK-CONDITION: lines of capture.txt ($1 protocols, $2 source,
        # $3/$4 ports, $5 checksum, $6 status: 1 correct)
        count() { awk -F '\t' "$1 { n++ } END { print n + 0 }" "$WORK/capture.txt"; }
        n_udp=$(count '$1 ~ /:ipv6:udp/')
        n_good=$(count '$1 ~ /:ipv6:udp/ && $6 == 1')
        n_zero=$(count '$1 ~ /:udp/ && $5 == "0x0000"')
        n_ip4=$(count '$1 ~ /:ip:/ || $1 ~ /:ip$/')
        n_esp_l=$(count "\$1 ~ /:ipv6:udp:.*esp/ && \$2 == \"$LEFT_ADDR\" && \$3 == 4500")
        n_esp_r=$(count "\$1 ~ /:ipv6:udp:.*esp/ && \$2 == \"$RIGHT_ADDR\" && \$4 == 4500")
        n_ike500=$(count "\$1 ~ /isakmp/ && \$2 == \"$LEFT_ADDR\" && \$4 == 500")
        n_ike4500=$(count "\$1 ~ /isakmp/ && \$2 == \"$LEFT_ADDR\" && \$4 == 4500")
        [ "$n_udp" -ge 10 ] || fail "tshark: only $n_udp UDP datagrams over IPv6 in the capture"
        [ "$n_zero" = 0 ] || fail "tshark: $n_zero UDP datagrams with a zero checksum"
        [ "$n_good" = "$n_udp" ] || fail "tshark: $((n_udp - n_good)) of $n_udp UDP checksums not correct"
        [ "$n_ip4" = 0 ] || fail "tshark: $n_ip4 IPv4 packets on the link"
        [ "$n_esp_l" -ge 6 ] && [ "$n_esp_r" -ge 6 ] || fail "tshark: ESP in UDP from the gateway $n_esp_l, from strongSwan $n_esp_r"
        [ "$n_ike500" -ge 1 ] && [ "$n_ike4500" -ge 1 ] || fail "tshark: the gateway's IKE on 500: $n_ike500, on 4500: $n_ike4500"
        detail="$detail, tshark: $n_udp UDP datagrams over IPv6 all with correct checksums (IKE $n_ike500 on 500 and $n_ike4500 on 4500 from the gateway, ESP in UDP $n_esp_l out/$n_esp_r in)"
    fi
fi

# ---- counters on both sides ----------------------------------------------------------
if [ -d "$WORK/r/run" ] && sw "$WORK/r" --list-sas --child net 2>/dev/null | grep -q 'net:'; then
    sw "$WORK/r" --list-sas > "$WORK/r-sas.txt" 2>&1 || true
    in=$(sw_packets "$WORK/r" in); out=$(sw_packets "$WORK/r" out)
    [ "${in:-0}" -gt 0 ] && [ "${out:-0}" -gt 0 ] || fail "strongSwan counters did not move (in=$in out=$out)"
    grep -q 'TUNNEL-in-UDP' "$WORK/r-sas.txt" && detail="$detail, UDP-encap"
    # where strongSwan sees the left: behind the NAT, from 10.99.0.1 and (with
    # NAT_RANDOM_PORTS) from a port the NAT picked
    seen=$(sed -n "s/^  remote '[^']*' @ \(.*\)$/\1/p" "$WORK/r-sas.txt" | tail -1)
    if [ "$MODE" = nat ]; then
        [ "${seen%%[*}" = 10.99.0.1 ] || fail "strongSwan sees the left at $seen, not behind the NAT"
        if [ "${NAT_RANDOM_PORTS:-0}" = 1 ]; then
            case "$seen" in *"[4500]" | *"[500]") fail "the NAT did not rewrite the port: $seen" ;; esac
        fi
    fi
    detail="$detail, left seen at $seen"
    detail="$detail, strongSwan in/out $in/$out pkts"
fi
if [ "$LEFT" = tip ] && [ -n "$GW_PID" ]; then
    # a STATS line after the last ping (printed every second)
    # shellcheck disable=SC2034 # n0 is read inside the eval below
    n0=$(grep -c "^STATS " "$WORK/gw.log" || true)
    wait_for 3 eval '[ "$(grep -c "^STATS " "$WORK/gw.log")" -gt "$n0" ]' || true
    tr=$(gw_stat tun_read); tw=$(gw_stat tun_written)
    [ "${tr:-0}" -ge 3 ] && [ "${tw:-0}" -ge 3 ] || fail "gateway counters: tun_read=$tr tun_written=$tw"
    detail="$detail, gateway tun read/written $tr/$tw"
fi

# ---- the gateway must shut down cleanly (and quietly under sanitizers) ------------------
if [ -n "$GW_PID" ]; then
    kill -TERM "$GW_PID"
    wait_for 6 eval '! kill -0 $GW_PID 2>/dev/null' || fail "gateway still running 6 s after SIGTERM"
    gw_rc=0; wait "$GW_PID" || gw_rc=$?
    GW_PID=""
    [ "$gw_rc" = 0 ] || fail "gateway exited with status $gw_rc"
fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/gw.log" 2>/dev/null; then
    fail "sanitizer report in gw.log"
fi

# ---- keys: the key log against strongSwan's keys, and tshark with it ---------------------
if [ "$ACTION" = keys ]; then
    # the gateway's delete and its answer are in the capture once strongSwan dropped the SA
    wait_for 5 eval '! sw "$WORK/r" --list-sas | grep -q "^s2s:"' || fail "strongSwan still has the IKE_SA"
    sleep 0.3
    stop_pid "$TCPDUMP_PID"
    TCPDUMP_PID=""
    "$HERE/keys-check.sh" compare "$WORK/r/run/wireshark" "$WORK/keys" "$WORK/gw.log" \
        > "$WORK/keys-compare.out" 2>&1 || { cat "$WORK/keys-compare.out"; fail "key log differs from strongSwan's keys ($(tail -1 "$WORK/keys-compare.out"))"; }
    cat "$WORK/keys-compare.out"
    "$HERE/keys-check.sh" tshark "$WORK/capture.pcap" "$WORK/keys" 10.99.0.1 \
        > "$WORK/keys-tshark.out" 2>&1 || { cat "$WORK/keys-tshark.out"; fail "tshark with our key log: $(tail -1 "$WORK/keys-tshark.out")"; }
    cat "$WORK/keys-tshark.out"
    "$HERE/keys-check.sh" control "$WORK/capture.pcap" "$WORK/keys" 10.99.0.1 \
        > "$WORK/keys-control.out" 2>&1 || { cat "$WORK/keys-control.out"; fail "control: $(tail -1 "$WORK/keys-control.out")"; }
    cat "$WORK/keys-control.out"
    detail="$detail; $(tail -1 "$WORK/keys-compare.out"); $(tail -1 "$WORK/keys-tshark.out"); one key byte off: the check fails"
fi

# ---- PFS: every CREATE_CHILD_SA of the case carried KE, request and response ------------
if [ -n "$PFS" ]; then
    log_ccs() { grep -E "(generating|parsed) CREATE_CHILD_SA $1 [0-9]+ \\[" "$WORK/r/run/charon.log" || true; }
    with_ke_req=$(log_ccs request | grep -c ' KE ' || true)
    with_ke_rsp=$(log_ccs response | grep -c ' KE ' || true)
    without_ke=$(log_ccs '(request|response)' | grep -E ' SA ' | grep -vc ' KE ' || true)
    [ "$with_ke_req" -ge 1 ] && [ "$with_ke_rsp" -ge 1 ] && [ "$without_ke" = 0 ] ||
        fail "CREATE_CHILD_SA with PFS: $with_ke_req requests and $with_ke_rsp responses with KE, $without_ke with an SA and no KE"
    detail="$detail, PFS ($(tr '-' '\n' <<<"$ESP" | tail -1)): KE in $with_ke_req CREATE_CHILD_SA request(s) and $with_ke_rsp response(s)"
fi

RESULT="PASS ($detail)"
