#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tunnel_throughput.sh - TCP throughput through an IPsec tunnel between two
# network namespaces, tinyipsec against strongSwan, in one run. Root only.
#
#   bench/tunnel_throughput.sh
#   DURATION=10 ORDER="tip sw" bench/tunnel_throughput.sh
#
# Topology (test/interop/netns-topology.sh, "direct"):
#
#   [left]  lan0 10.1.0.1/24                      [right] lan0 10.2.0.1/24
#           eth0 10.99.0.1/24 <------ veth ------> eth0 10.99.0.2/24
#
# One iperf3 TCP stream for DURATION seconds (default 10), client in left
# from 10.1.0.1, server in right bound to 10.2.0.1, measured three ways:
#
#   baseline   no IPsec: plain routes 10.2.0.0/24 via 10.99.0.2 and back, over
#              the same veth (MTU 1500, so GSO/GRO: a reference, not a target)
#   tinyipsec  examples/linux-gateway in both namespaces (left initiates)
#   strongSwan charon 5.9 with kernel-libipsec (user-space ESP) in both
#
# Both IPsec pairs: IKE aes128gcm16-prfsha256-ecp256, ESP aes128gcm16, and
# ESP in UDP 4500 (RFC 3948): kernel-libipsec can do nothing else, so the
# gateways get "force_encap = yes" to do the same work. Inner MTU 1400 on
# both (the gateway's tun_mtu default, libipsec's default MTU).
#
# Prints one line per measurement and the ratio tinyipsec/strongSwan (the
# issue's target: >= 1.5). Exits 0 when every measurement ran (whatever the
# figures), 1 when something could not be set up or measured.
#
# Environment:
#   DURATION           seconds per iperf3 run (default 10)
#   ORDER              which tunnels and in which order (default "tip sw")
#   BASELINE=0         skip the plain measurement
#   LEFT_NS RIGHT_NS   namespace names (default tipbench-left tipbench-right)
#   TIP_GATEWAY        linux-gateway binary (default: built Release, -O2, in
#                      build/bench-gw when missing)
#   KEEP_WORK=1        keep the work directory (configs, logs, iperf3 JSON)
#   IPERF_PORT         default 5201
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
IOP="$ROOT/test/interop"
TOPO="$IOP/netns-topology.sh"
PEER="$IOP/strongswan-peer.sh"

export LEFT_NS=${LEFT_NS:-tipbench-left} RIGHT_NS=${RIGHT_NS:-tipbench-right}
export NAT_NS=${NAT_NS:-tipbench-nat}   # not used by "direct", but never the default name
export CHARON_LOGLEVEL=${CHARON_LOGLEVEL:-0}   # logging off the data path
DURATION=${DURATION:-10}
ORDER=${ORDER:-tip sw}
BASELINE=${BASELINE:-1}
IPERF_PORT=${IPERF_PORT:-5201}
PSK=tip-bench-psk-0123456789abcdef
IKE=aes128gcm16-prfsha256-ecp256
ESP=aes128gcm16
SA_TIMEOUT=20

[ "$(id -u)" = 0 ] || { echo "tunnel_throughput: must run as root" >&2; exit 1; }
case "$DURATION" in '' | *[!0-9]*) echo "tunnel_throughput: bad DURATION" >&2; exit 2 ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tipb.XXXXXX")   # short: charon's unix socket path
TOPO_UP=0
PIDS=()   # everything started in the background, stopped by PID

log() { echo "[$(date +%T)] $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

stop_pid() { # pid: TERM, up to 5 s, then KILL
    local pid=$1 i
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? p
    set +e
    trap '' INT TERM
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
    for p in l r; do
        [ -f "$WORK/sw-$p/run/peer.pid" ] &&
            "$PEER" stop "sw-$p" "$([ $p = l ] && echo "$LEFT_NS" || echo "$RIGHT_NS")" "$WORK/sw-$p" >/dev/null
    done
    # --kill: a safety net for anything left in OUR namespaces (we created them)
    [ "$TOPO_UP" = 1 ] && "$TOPO" down --kill >/dev/null
    if [ $rc -ne 0 ] || [ "${KEEP_WORK:-0}" = 1 ]; then
        log "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECS CMD...: run CMD every 0.2 s until it succeeds (bounded)
wait_for() {
    local secs=$1 i; shift
    for ((i = 0; i < secs * 5; i++)); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}
inl() { ip netns exec "$LEFT_NS" "$@"; }
inr() { ip netns exec "$RIGHT_NS" "$@"; }
ping_ok() { inl ping -n -c 2 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1; }
listening() { inr ss -Hltn "sport = :$IPERF_PORT" 2>/dev/null | grep -q .; }

# ---- tools and the gateway -------------------------------------------------------
if ! command -v iperf3 >/dev/null || ! command -v swanctl >/dev/null; then
    log "installing iperf3 / strongSwan (test/interop/install-deps.sh)"
    timeout 900 "$IOP/install-deps.sh" >&2 || die "install-deps.sh"
fi
command -v python3 >/dev/null || die "python3 missing (test/interop/install-deps.sh installs it)"
GW=${TIP_GATEWAY:-$ROOT/build/bench-gw/examples/linux-gateway/linux-gateway}
if [ ! -x "$GW" ]; then
    log "building linux-gateway (Release, -O2) in build/bench-gw"
    { timeout 300 cmake -S "$ROOT" -B "$ROOT/build/bench-gw" -DCMAKE_BUILD_TYPE=Release \
          "-DCMAKE_C_FLAGS_RELEASE=-O2 -g -DNDEBUG" -DTIP_BUILD_TESTS=OFF -DTIP_BUILD_BENCH=OFF &&
      timeout 600 cmake --build "$ROOT/build/bench-gw" -j"${TIP_JOBS:-2}" --target linux-gateway; } \
        > "$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; die "linux-gateway does not build"; }
fi

# ---- how busy the (shared) machine is before we start ----------------------------
cpu_busy() { # percent of all CPUs busy over 1 s (from /proc/stat)
    local a b
    a=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $5+$6 }' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $5+$6 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
        d = (y[1] - x[1]) + (y[2] - x[2]); printf "%d", (d > 0) ? 100 * (y[1] - x[1]) / d : 0 }'
}
BUSY=$(cpu_busy)
[ "$BUSY" -lt 20 ] || log "WARNING: the machine is already ${BUSY}% busy (other jobs): figures will be low"

# ---- topology and the iperf3 server ------------------------------------------------
"$TOPO" up direct >&2 || die "topology (namespaces $LEFT_NS / $RIGHT_NS left over? '$TOPO down --kill' with the same LEFT_NS/RIGHT_NS)"
TOPO_UP=1
# ip netns exec execs iperf3: $! is the server's own PID
ip netns exec "$RIGHT_NS" iperf3 -s -B 10.2.0.1 -p "$IPERF_PORT" </dev/null >"$WORK/iperf3-server.log" 2>&1 &
PIDS+=($!)
wait_for 5 listening || die "iperf3 server did not start"

# iperf NAME: one stream, DURATION s; prints "Mbit/s(received) retransmits"
# (the JSON stays in WORK)
iperf() {
    local name=$1 out="$WORK/iperf3-$1.json"
    timeout $((DURATION + 30)) ip netns exec "$LEFT_NS" iperf3 -c 10.2.0.1 -B 10.1.0.1 \
        -p "$IPERF_PORT" -t "$DURATION" -O 1 -J > "$out" 2>"$WORK/iperf3-$name.err" ||
        { cat "$WORK/iperf3-$name.err" "$out" >&2 2>/dev/null; die "iperf3 ($name) failed"; }
    python3 - "$out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
print("%.1f %d" % (e["sum_received"]["bits_per_second"] / 1e6, e["sum_sent"].get("retransmits", 0)))
EOF
}

declare -A MBPS RETR DETAIL
measure() { # key detail: run iperf3 and record its figures
    local r
    iperf "$1" > "$WORK/$1.result" || die "iperf3 ($1): no result"
    r=$(cat "$WORK/$1.result")
    [ -n "$r" ] || die "iperf3 ($1): no result"
    MBPS[$1]=${r% *}; RETR[$1]=${r#* }; DETAIL[$1]=$2
    log "$1: ${MBPS[$1]} Mbit/s (${RETR[$1]} retransmits) $2"
}

# ---- baseline: no IPsec, plain routes over the same veth --------------------------------
if [ "$BASELINE" = 1 ]; then
    ip -n "$LEFT_NS" route add 10.2.0.0/24 via 10.99.0.2
    ip -n "$RIGHT_NS" route add 10.1.0.0/24 via 10.99.0.1
    wait_for 5 ping_ok || die "no plain path 10.1.0.1 -> 10.2.0.1"
    measure baseline "(no IPsec, veth MTU 1500)"
    ip -n "$LEFT_NS" route del 10.2.0.0/24 via 10.99.0.2
    ip -n "$RIGHT_NS" route del 10.1.0.0/24 via 10.99.0.1
    ! ping_ok || die "the plain path is still there"
fi

# ---- tinyipsec: two linux-gateway instances ----------------------------------------------
gw_conf() { # file local peer local_subnet remote_subnet route_src initiate
    cat > "$1" <<EOF
# generated by tunnel_throughput.sh
local = $2
peer = $3
local_id = fqdn:$([ "$7" = yes ] && echo left || echo right).bench
remote_id = fqdn:$([ "$7" = yes ] && echo right || echo left).bench
psk = "$PSK"
local_subnet = $4
remote_subnet = $5
route_src = $6
ike = $IKE
esp = $ESP
initiate = $7
force_encap = yes
raw_esp = no
dpd = 0
tun = tipb0
tun_mtu = 1400
log_level = warn
EOF
}
gw_stat() { # log key: the value of key in the last STATS line (printed on SIGTERM,
            # before the delete; FINAL comes after it, with the CHILD SA gone)
    { grep -E '^STATS ' "$1" 2>/dev/null || true; } | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

run_tip() {
    local lpid rpid
    gw_conf "$WORK/gw-r.conf" 10.99.0.2 10.99.0.1 10.2.0.0/24 10.1.0.0/24 10.2.0.1 no
    gw_conf "$WORK/gw-l.conf" 10.99.0.1 10.99.0.2 10.1.0.0/24 10.2.0.0/24 10.1.0.1 yes
    # ip netns exec execs the program: $! is the gateway's own PID
    ip netns exec "$RIGHT_NS" "$GW" "$WORK/gw-r.conf" </dev/null >"$WORK/gw-r.log" 2>&1 &
    rpid=$!; PIDS+=("$rpid")
    wait_for 5 grep -q '^linux-gateway ' "$WORK/gw-r.log" || die "right gateway did not start"
    ip netns exec "$LEFT_NS" "$GW" "$WORK/gw-l.conf" </dev/null >"$WORK/gw-l.log" 2>&1 &
    lpid=$!; PIDS+=("$lpid")
    wait_for "$SA_TIMEOUT" grep -q '^CHILD_UP ' "$WORK/gw-l.log" || die "tinyipsec: no CHILD_UP (left)"
    wait_for 5 grep -q '^CHILD_UP ' "$WORK/gw-r.log" || die "tinyipsec: no CHILD_UP (right)"
    grep -q '^CHILD_UP .*UDP-encap yes' "$WORK/gw-l.log" || die "tinyipsec: the CHILD SA is not UDP-encapsulated"
    wait_for 5 ping_ok || die "tinyipsec: no ping through the tunnel"
    measure tinyipsec "(linux-gateway x2, force_encap = yes)"
    stop_pid "$lpid"; stop_pid "$rpid"
    local tr out
    tr=$(gw_stat "$WORK/gw-l.log" tun_read); out=$(gw_stat "$WORK/gw-l.log" out_pkts)
    log "tinyipsec left gateway: tun_read=$tr out_pkts=$out send_err=$(gw_stat "$WORK/gw-l.log" send_err)"
    [ "${out:-0}" -gt 1000 ] || die "tinyipsec: the traffic did not go through the gateway (out_pkts=$out)"
    ! ping_ok || die "tinyipsec: a path remains after the gateways stopped"
}

# ---- strongSwan: two charons with kernel-libipsec ----------------------------------------
run_sw() {
    mkdir -p "$WORK/sw-l" "$WORK/sw-r"
    "$PEER" render "$IOP/swanctl-psk.conf.in" "$WORK/sw-r/swanctl.conf" PSK=$PSK \
        START_ACTION=none REKEY_TIME=1h IKE_PROPOSAL=$IKE ESP_PROPOSAL=$ESP \
        LOCAL_ADDR=10.99.0.2 REMOTE_ADDR=10.99.0.1 LOCAL_ID=right.bench REMOTE_ID=left.bench \
        LOCAL_TS=10.2.0.0/24 REMOTE_TS=10.1.0.0/24
    "$PEER" render "$IOP/swanctl-psk.conf.in" "$WORK/sw-l/swanctl.conf" PSK=$PSK \
        START_ACTION=none REKEY_TIME=1h IKE_PROPOSAL=$IKE ESP_PROPOSAL=$ESP \
        LOCAL_ADDR=10.99.0.1 REMOTE_ADDR=10.99.0.2 LOCAL_ID=left.bench REMOTE_ID=right.bench \
        LOCAL_TS=10.1.0.0/24 REMOTE_TS=10.2.0.0/24
    "$PEER" start sw-r "$RIGHT_NS" "$WORK/sw-r" >&2 || die "strongSwan (right) did not start"
    "$PEER" start sw-l "$LEFT_NS" "$WORK/sw-l" >&2 || die "strongSwan (left) did not start"
    timeout $((SA_TIMEOUT + 5)) "$PEER" swanctl "$WORK/sw-l" --initiate --child net \
        --timeout "$SA_TIMEOUT" > "$WORK/sw-initiate.out" 2>&1 || die "strongSwan: initiate failed"
    "$PEER" wait-sa "$WORK/sw-r" net "$SA_TIMEOUT" || die "strongSwan: no CHILD_SA (right)"
    "$PEER" wait-sa "$WORK/sw-l" net 5 || die "strongSwan: no CHILD_SA (left)"
    wait_for 5 ping_ok || die "strongSwan: no ping through the tunnel"
    measure strongswan "(charon + kernel-libipsec x2)"
    "$PEER" swanctl "$WORK/sw-l" --list-sas > "$WORK/sw-l-sas.txt" 2>&1 || true
    grep -q 'TUNNEL-in-UDP' "$WORK/sw-l-sas.txt" || die "strongSwan: the CHILD_SA is not UDP-encapsulated"
    local out
    out=$(awk '$1 == "out" { for (i = 1; i <= NF; i++) if ($(i) ~ /^packets/) n = $(i-1) } END { print n }' "$WORK/sw-l-sas.txt")
    log "strongSwan left: out packets=$out"
    [ "${out:-0}" -gt 1000 ] || die "strongSwan: the traffic did not go through the tunnel (out=$out)"
    "$PEER" stop sw-l "$LEFT_NS" "$WORK/sw-l" >&2
    "$PEER" stop sw-r "$RIGHT_NS" "$WORK/sw-r" >&2
    ! ping_ok || die "strongSwan: a path remains after the charons stopped"
}

for t in $ORDER; do
    case "$t" in
        tip) run_tip ;;
        sw) run_sw ;;
        *) die "unknown ORDER entry '$t' (tip|sw)" ;;
    esac
done

# ---- results ----------------------------------------------------------------------------
echo "tunnel_throughput: iperf3 1 TCP stream ${DURATION}s, 10.1.0.1 -> 10.2.0.1, IKE $IKE, ESP $ESP in UDP 4500, inner MTU 1400"
echo "machine: $(nproc) CPUs, ${BUSY}% busy with other work before the run"
for k in baseline tinyipsec strongswan; do
    [ -n "${MBPS[$k]:-}" ] || continue
    printf '%-11s %9s Mbit/s  %6s retransmits  %s\n' "$k" "${MBPS[$k]}" "${RETR[$k]}" "${DETAIL[$k]}"
done
if [ -n "${MBPS[tinyipsec]:-}" ] && [ -n "${MBPS[strongswan]:-}" ]; then
    awk -v a="${MBPS[tinyipsec]}" -v b="${MBPS[strongswan]}" 'BEGIN {
        r = b > 0 ? a / b : 0
        printf "ratio tinyipsec/strongSwan: %.2f (target >= 1.5: %s)\n", r, (r >= 1.5) ? "met" : "NOT met"
    }'
fi
