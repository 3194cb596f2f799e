#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# netns-topology.sh - build / tear down the two-site topology of the interop
# tests (adapted from the project's shared strongSwan harness).
#
#   netns-topology.sh up [direct|nat]   create namespaces, links, addresses
#   netns-topology.sh down [--kill]     delete everything this script made;
#                                       --kill first ends (TERM, then KILL after
#                                       5 s) processes still inside OUR namespaces
#   netns-topology.sh show              addresses and routes of each namespace
#
# direct (default):
#
#   [tip-left]  lan0 10.1.0.1/24               [tip-right] lan0 10.2.0.1/24
#               eth0 10.99.0.1/24 <--veth--> eth0 10.99.0.2/24
#
# nat ("left" sits behind a masquerading router):
#
#   [tip-left]  eth0 10.98.0.1/24 --veth-- lan0 10.98.0.254/24 [tip-nat]
#               default via 10.98.0.254     wan0 10.99.0.1/24 --veth-- eth0 10.99.0.2/24 [tip-right]
#                                           nftables: masquerade out of wan0
#
# OUTER=6 (direct only) puts IPv6 on the veth instead of IPv4: eth0
# fd00:1::1/64 in left, fd00:1::2/64 in right (IPv6 is switched on for eth0
# alone, without duplicate address detection); the LANs stay as above.
#
# NAT_RANDOM_PORTS=1 makes the NAT rewrite source ports too ("masquerade
# fully-random"), so IKE and NAT-T leave it from ports other than 500/4500.
#
# "lan0" is a veth whose peer (lan0p) stays in the same namespace: it stands
# in for the protected inside network (this kernel has no "dummy" driver).
# Without a tunnel, left has no route to 10.2.0.0/24: a ping 10.1.0.1 ->
# 10.2.0.1 that succeeds went through IPsec.
#
# Names: LEFT_NS, RIGHT_NS, NAT_NS (defaults tip-left, tip-right, tip-nat);
# give concurrent jobs their own. The mode is remembered in
# ${STATE_DIR:-/run}/tip-interop-topology.<LEFT_NS> for "down". Every command
# is bounded; nothing runs in the background.
set -euo pipefail

LEFT_NS=${LEFT_NS:-tip-left}
RIGHT_NS=${RIGHT_NS:-tip-right}
NAT_NS=${NAT_NS:-tip-nat}
STATE_DIR=${STATE_DIR:-/run}
STATE_FILE="$STATE_DIR/tip-interop-topology.$LEFT_NS"
NAT_FLAGS=""
[ "${NAT_RANDOM_PORTS:-0}" = 1 ] && NAT_FLAGS="fully-random"

die() { echo "netns-topology: $*" >&2; exit 1; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

mk_ns() {
    local ns=$1
    ns_exists "$ns" && die "namespace '$ns' already exists (run '$0 down' first)"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # IPv6 DAD would delay link-local addresses; not needed here.
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
    nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 || true
}

mk_lan() { # ns addr/prefix
    local ns=$1 addr=$2
    ip -n "$ns" link add lan0 type veth peer name lan0p
    ip -n "$ns" addr add "$addr" dev lan0
    ip -n "$ns" link set lan0p up
    ip -n "$ns" link set lan0 up
}

up_direct() {
    mk_ns "$LEFT_NS"; mk_ns "$RIGHT_NS"
    ip -n "$LEFT_NS" link add eth0 type veth peer name eth0 netns "$RIGHT_NS"
    if [ "${OUTER:-4}" = 6 ]; then
        local ns
        for ns in "$LEFT_NS" "$RIGHT_NS"; do
            nsx "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
            nsx "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
        done
        ip -n "$LEFT_NS" addr add fd00:1::1/64 dev eth0 nodad
        ip -n "$RIGHT_NS" addr add fd00:1::2/64 dev eth0 nodad
    else
        ip -n "$LEFT_NS" addr add 10.99.0.1/24 dev eth0
        ip -n "$RIGHT_NS" addr add 10.99.0.2/24 dev eth0
    fi
    ip -n "$LEFT_NS" link set eth0 up
    ip -n "$RIGHT_NS" link set eth0 up
    mk_lan "$LEFT_NS" 10.1.0.1/24
    mk_lan "$RIGHT_NS" 10.2.0.1/24
}

up_nat() {
    mk_ns "$LEFT_NS"; mk_ns "$NAT_NS"; mk_ns "$RIGHT_NS"
    ip -n "$LEFT_NS" link add eth0 type veth peer name lan0 netns "$NAT_NS"
    ip -n "$RIGHT_NS" link add eth0 type veth peer name wan0 netns "$NAT_NS"
    ip -n "$LEFT_NS" addr add 10.98.0.1/24 dev eth0
    ip -n "$NAT_NS" addr add 10.98.0.254/24 dev lan0
    ip -n "$NAT_NS" addr add 10.99.0.1/24 dev wan0
    ip -n "$RIGHT_NS" addr add 10.99.0.2/24 dev eth0
    local l
    for l in "$LEFT_NS eth0" "$NAT_NS lan0" "$NAT_NS wan0" "$RIGHT_NS eth0"; do
        set -- $l; ip -n "$1" link set "$2" up
    done
    ip -n "$LEFT_NS" route add default via 10.98.0.254
    nsx "$NAT_NS" sysctl -qw net.ipv4.ip_forward=1
    nsx "$NAT_NS" nft -f - <<NFT
table ip tip_interop_nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "wan0" masquerade $NAT_FLAGS
    }
}
NFT
    mk_lan "$LEFT_NS" 10.1.0.1/24
    mk_lan "$RIGHT_NS" 10.2.0.1/24
}

kill_ns_pids() { # ns: TERM, wait up to 5 s, then KILL what is left (by PID)
    local ns=$1 pids i
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] && return 0
    echo "netns-topology: ending processes in '$ns': $pids" >&2
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
    sleep 0.2
}

do_down() {
    local ns rc=0 force=${1:-} pids
    for ns in "$LEFT_NS" "$NAT_NS" "$RIGHT_NS"; do
        ns_exists "$ns" || continue
        [ "$force" = --kill ] && kill_ns_pids "$ns"
        # refuse to pull a namespace away from processes still inside it
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [ -n "$pids" ]; then
            echo "netns-topology: processes still in '$ns': $pids (stop them first)" >&2
            rc=1
            continue
        fi
        ip netns del "$ns" || rc=1
    done
    rm -f "$STATE_FILE"
    return $rc
}

do_show() {
    local ns
    for ns in "$LEFT_NS" "$NAT_NS" "$RIGHT_NS"; do
        ns_exists "$ns" || continue
        echo "== $ns"
        ip -n "$ns" -brief addr
        ip -n "$ns" route show table all | grep -v '^local\|^broadcast\|^multicast\|fe80\|ff00' || true
    done
}

[ "$(id -u)" = 0 ] || die "must run as root"
case "${1:-}" in
    up)
        mode=${2:-direct}
        [ -e "$STATE_FILE" ] && die "topology already up ($STATE_FILE exists); run '$0 down'"
        for ns in "$LEFT_NS" "$NAT_NS" "$RIGHT_NS"; do
            ns_exists "$ns" && die "namespace '$ns' already exists (left over? '$0 down --kill')"
        done
        # a half-built topology is removed again
        trap 'do_down >/dev/null 2>&1 || true' ERR
        [ "${OUTER:-4}" = 4 ] || [ "$mode" = direct ] || die "OUTER=${OUTER} needs mode direct"
        case "$mode" in
            direct) up_direct ;;
            nat) up_nat ;;
            *) die "unknown mode '$mode' (direct|nat)" ;;
        esac
        echo "$mode" > "$STATE_FILE"
        ;;
    down) do_down "${2:-}" ;;
    show) do_show ;;
    *) echo "usage: $0 up [direct|nat] | down [--kill] | show" >&2; exit 2 ;;
esac
