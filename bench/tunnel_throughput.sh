#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tunnel_throughput.sh - TCP throughput through an IPsec tunnel between two
# network namespaces, tinyipsec against strongSwan, in alternating runs.
# Root only.
#
#   bench/tunnel_throughput.sh
#   RUNS=5 DURATION=10 ESP=chacha20poly1305 MBEDTLS=2.28 bench/tunnel_throughput.sh
#
# Topology (test/interop/netns-topology.sh, "direct"):
#
#   [left]  lan0 10.1.0.1/24                      [right] lan0 10.2.0.1/24
#           eth0 10.99.0.1/24 <------ veth ------> eth0 10.99.0.2/24
#
# One iperf3 TCP stream for DURATION seconds (default 10), client in left
# from 10.1.0.1, server in right bound to 10.2.0.1, through
#
#   tinyipsec  examples/linux-gateway in both namespaces (left initiates)
#   strongSwan charon 5.9 with kernel-libipsec (user-space ESP) in both
#
# RUNS times each (default 5), alternating (tip, sw, tip, sw, ...) so that
# both see the same background load, plus one baseline run without IPsec
# (plain routes over the same veth, MTU 1500: a reference, not a target).
#
# Both IPsec pairs: IKE <ESP's cipher>-prfsha256-ecp256, ESP as chosen, and
# ESP in UDP 4500 (RFC 3948): kernel-libipsec can do nothing else, so the
# gateways get "force_encap = yes" to do the same work. Inner MTU 1400 on
# both (the gateway's tun_mtu default, libipsec's default MTU).
#
# For every run: Mbit/s, and for the left and right gateway process CPU
# time (user + system, from /proc/PID/stat) and system calls (perf stat
# -e raw_syscalls:sys_enter -p PID) during the iperf3 run, each divided by
# the ESP packets that gateway sent and received. Prints the median of each
# side, the spread (lowest and highest run) and the ratio of the medians
# tinyipsec/strongSwan against the target 2.5 and the floor 1.5.
# Exits 0 when every measurement ran (whatever the figures), 1 when
# something could not be set up or measured.
#
# Environment:
#   RUNS               runs per side (default 5)
#   DURATION           seconds per iperf3 run (default 10)
#   ESP                aes128gcm16 (default) or chacha20poly1305
#   MBEDTLS            Mbed TLS the gateway is built with: 3.6 (default, from
#                      scripts/mbedtls36.sh) or 2.28 (the system's)
#   OFFLOAD            yes (default) / no: the gateway's offload key
#   BASELINE=0         skip the plain measurement
#   LEFT_NS RIGHT_NS   namespace names (default tipbench-left tipbench-right)
#   TIP_GATEWAY        linux-gateway binary (default: built Release, -O2, in
#                      build/bench-gw-<MBEDTLS> when missing)
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
RUNS=${RUNS:-5}
ESP=${ESP:-aes128gcm16}
MBEDTLS=${MBEDTLS:-3.6}
OFFLOAD=${OFFLOAD:-yes}
BASELINE=${BASELINE:-1}
IPERF_PORT=${IPERF_PORT:-5201}
PSK=tip-bench-psk-0123456789abcdef
case "$ESP" in
    aes128gcm16) IKE=aes128gcm16-prfsha256-ecp256 ;;
    chacha20poly1305) IKE=chacha20poly1305-prfsha256-ecp256 ;;
    *) echo "tunnel_throughput: ESP must be aes128gcm16 or chacha20poly1305" >&2; exit 2 ;;
esac
case "$MBEDTLS" in 2.28 | 3.6) ;; *) echo "tunnel_throughput: MBEDTLS must be 2.28 or 3.6" >&2; exit 2 ;; esac
case "$OFFLOAD" in yes | no) ;; *) echo "tunnel_throughput: OFFLOAD must be yes or no" >&2; exit 2 ;; esac
SA_TIMEOUT=20
TARGET=2.5
FLOOR=1.5

[ "$(id -u)" = 0 ] || { echo "tunnel_throughput: must run as root" >&2; exit 1; }
case "$DURATION$RUNS" in '' | *[!0-9]*) echo "tunnel_throughput: bad DURATION or RUNS" >&2; exit 2 ;; esac

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
command -v perf >/dev/null || die "perf missing (apt-get install linux-perf): it counts the system calls"
BGW=$ROOT/build/bench-gw-$MBEDTLS
GW=${TIP_GATEWAY:-$BGW/examples/linux-gateway/linux-gateway}
if [ ! -x "$GW" ]; then
    log "building linux-gateway (Release, -O2, Mbed TLS $MBEDTLS) in ${BGW#$ROOT/}"
    mroot=
    if [ "$MBEDTLS" = 3.6 ]; then
        mroot=$(timeout 900 "$ROOT/scripts/mbedtls36.sh" | tail -n1) || die "scripts/mbedtls36.sh"
    fi
    { timeout 300 cmake -S "$ROOT" -B "$BGW" -DCMAKE_BUILD_TYPE=Release -DTIP_MBEDTLS_ROOT="$mroot" \
          "-DCMAKE_C_FLAGS_RELEASE=-O2 -g -DNDEBUG" -DTIP_BUILD_TESTS=OFF -DTIP_BUILD_BENCH=OFF &&
      timeout 600 cmake --build "$BGW" -j"${TIP_JOBS:-2}" --target linux-gateway; } \
        > "$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log" >&2; die "linux-gateway does not build"; }
fi
MBEDTLS_FOUND=$(grep -ao 'Mbed TLS [0-9][0-9.]*' "$GW" | head -1 || true)

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

# iperf NAME: one stream, DURATION s; prints the received Mbit/s (the JSON stays in WORK)
iperf() {
    local name=$1 out="$WORK/iperf3-$1.json"
    timeout $((DURATION + 30)) ip netns exec "$LEFT_NS" iperf3 -c 10.2.0.1 -B 10.1.0.1 \
        -p "$IPERF_PORT" -t "$DURATION" -O 1 -J > "$out" 2>"$WORK/iperf3-$name.err" ||
        { cat "$WORK/iperf3-$name.err" "$out" >&2 2>/dev/null; die "iperf3 ($name) failed"; }
    python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("%.1f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))
PY
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime of a process

# measure NAME LPID RPID: iperf3 while perf counts each gateway's system calls;
# sets MBIT and, per gateway (l, r), TICKS_x (CPU ticks) and SYS_x (calls)
measure() {
    local name=$1 lpid=$2 rpid=$3 l0 r0 ppl ppr
    perf stat -x, -e raw_syscalls:sys_enter -p "$lpid" -o "$WORK/perf-$name-l.txt" 2>/dev/null &
    ppl=$!
    perf stat -x, -e raw_syscalls:sys_enter -p "$rpid" -o "$WORK/perf-$name-r.txt" 2>/dev/null &
    ppr=$!
    PIDS+=("$ppl" "$ppr")
    sleep 0.3 # perf attached
    l0=$(cpu_ticks "$lpid"); r0=$(cpu_ticks "$rpid")
    MBIT=$(iperf "$name") || die "iperf3 ($name): no result"
    TICKS_l=$(($(cpu_ticks "$lpid") - l0)); TICKS_r=$(($(cpu_ticks "$rpid") - r0))
    kill -INT "$ppl" "$ppr" 2>/dev/null || true
    wait "$ppl" "$ppr" 2>/dev/null || true
    SYS_l=$(awk -F, '/raw_syscalls/ { print $1 }' "$WORK/perf-$name-l.txt")
    SYS_r=$(awk -F, '/raw_syscalls/ { print $1 }' "$WORK/perf-$name-r.txt")
    [ -n "$SYS_l" ] && [ -n "$SYS_r" ] || die "perf stat ($name): no count"
}

RESULTS=$WORK/results.txt # side run Mbit/s, then per packet: CPU us left/right, syscalls left/right
: > "$RESULTS"
HZ=$(getconf CLK_TCK)
# record SIDE RUN PKTS_L PKTS_R: one line of RESULTS from the last measure
# (PKTS: ESP packets the gateway sent and received, iperf3's nearly all)
record() {
    local side=$1 run=$2 pl=$3 pr=$4
    [ "${pl:-0}" -gt 1000 ] && [ "${pr:-0}" -gt 1000 ] ||
        die "$side run $run: the traffic did not go through the tunnel (packets $pl / $pr)"
    awk -v s="$side" -v n="$run" -v m="$MBIT" -v tl="$TICKS_l" -v tr="$TICKS_r" -v hz="$HZ" \
        -v yl="$SYS_l" -v yr="$SYS_r" -v pl="$pl" -v pr="$pr" 'BEGIN {
        printf "%s %d %s %.1f %.1f %.2f %.2f\n", s, n, m, tl * 1e6 / hz / pl, tr * 1e6 / hz / pr, yl / pl, yr / pr
    }' >> "$RESULTS"
    log "$side run $run: $MBIT Mbit/s; per packet: left $(tail -1 "$RESULTS" | awk '{ print $4 " us CPU, " $6 " syscalls" }'), right $(tail -1 "$RESULTS" | awk '{ print $5 " us CPU, " $7 " syscalls" }')"
}

# ---- baseline: no IPsec, plain routes over the same veth --------------------------------
BASE=
if [ "$BASELINE" = 1 ]; then
    ip -n "$LEFT_NS" route add 10.2.0.0/24 via 10.99.0.2
    ip -n "$RIGHT_NS" route add 10.1.0.0/24 via 10.99.0.1
    wait_for 5 ping_ok || die "no plain path 10.1.0.1 -> 10.2.0.1"
    BASE=$(iperf baseline) || die "iperf3 (baseline): no result"
    log "baseline: $BASE Mbit/s (no IPsec, veth MTU 1500)"
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
offload = $OFFLOAD
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

run_tip() { # run number
    local lpid rpid n=$1 f pl=0 pr=0 io
    gw_conf "$WORK/gw-r.conf" 10.99.0.2 10.99.0.1 10.2.0.0/24 10.1.0.0/24 10.2.0.1 no
    gw_conf "$WORK/gw-l.conf" 10.99.0.1 10.99.0.2 10.1.0.0/24 10.2.0.0/24 10.1.0.1 yes
    # ip netns exec execs the program: $! is the gateway's own PID
    ip netns exec "$RIGHT_NS" "$GW" "$WORK/gw-r.conf" </dev/null >"$WORK/gw-r-$n.log" 2>&1 &
    rpid=$!; PIDS+=("$rpid")
    wait_for 5 grep -q '^linux-gateway ' "$WORK/gw-r-$n.log" || die "right gateway did not start"
    ip netns exec "$LEFT_NS" "$GW" "$WORK/gw-l.conf" </dev/null >"$WORK/gw-l-$n.log" 2>&1 &
    lpid=$!; PIDS+=("$lpid")
    wait_for "$SA_TIMEOUT" grep -q '^CHILD_UP ' "$WORK/gw-l-$n.log" || die "tinyipsec: no CHILD_UP (left)"
    wait_for 5 grep -q '^CHILD_UP ' "$WORK/gw-r-$n.log" || die "tinyipsec: no CHILD_UP (right)"
    grep -q '^CHILD_UP .*UDP-encap yes' "$WORK/gw-l-$n.log" || die "tinyipsec: the CHILD SA is not UDP-encapsulated"
    wait_for 5 ping_ok || die "tinyipsec: no ping through the tunnel"
    measure "tip-$n" "$lpid" "$rpid"
    stop_pid "$lpid"; stop_pid "$rpid"
    for f in l r; do
        # packets in and out of the TUN device: one ESP packet each (the
        # SA counters of the side that received the delete are gone)
        io=$(($(gw_stat "$WORK/gw-$f-$n.log" tun_read) + $(gw_stat "$WORK/gw-$f-$n.log" tun_written)))
        if [ $f = l ]; then pl=$io; else pr=$io; fi
    done
    [ "$n" != 1 ] || log "tinyipsec left gateway: $(grep -E '^  offload' "$WORK/gw-l-$n.log" | sed 's/^ *//'); $(grep -E '^STATS ' "$WORK/gw-l-$n.log" | tail -1 | tr ' ' '\n' | grep -E '^(sock_|gso_|gro_|tun_|tx_dropped)' | tr '\n' ' ')"
    record tinyipsec "$n" "$pl" "$pr"
    ! ping_ok || die "tinyipsec: a path remains after the gateways stopped"
}

# ---- strongSwan: two charons with kernel-libipsec ----------------------------------------
sw_pkts() { # swanctl --list-sas output: packets in + out
    awk '$1 == "in" || $1 == "out" { for (i = 1; i <= NF; i++) if ($(i) ~ /^packets/) n += $(i-1) } END { print n + 0 }' "$1"
}
run_sw() { # run number
    local n=$1
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
    measure "sw-$n" "$(cat "$WORK/sw-l/run/peer.pid")" "$(cat "$WORK/sw-r/run/peer.pid")"
    "$PEER" swanctl "$WORK/sw-l" --list-sas > "$WORK/sw-l-sas.txt" 2>&1 || true
    "$PEER" swanctl "$WORK/sw-r" --list-sas > "$WORK/sw-r-sas.txt" 2>&1 || true
    grep -q 'TUNNEL-in-UDP' "$WORK/sw-l-sas.txt" || die "strongSwan: the CHILD_SA is not UDP-encapsulated"
    record strongswan "$n" "$(sw_pkts "$WORK/sw-l-sas.txt")" "$(sw_pkts "$WORK/sw-r-sas.txt")"
    "$PEER" stop sw-l "$LEFT_NS" "$WORK/sw-l" >&2
    "$PEER" stop sw-r "$RIGHT_NS" "$WORK/sw-r" >&2
    ! ping_ok || die "strongSwan: a path remains after the charons stopped"
}

for ((run = 1; run <= RUNS; run++)); do
    # alternate which side goes first, so neither always runs right after the other
    if [ $((run % 2)) = 1 ]; then run_tip "$run"; run_sw "$run"; else run_sw "$run"; run_tip "$run"; fi
done

# ---- results ----------------------------------------------------------------------------
echo "tunnel_throughput: iperf3 1 TCP stream ${DURATION}s x $RUNS runs per side (alternating), 10.1.0.1 -> 10.2.0.1"
echo "  IKE $IKE, ESP $ESP in UDP 4500, inner MTU 1400; linux-gateway on Mbed TLS $MBEDTLS, offload = $OFFLOAD"
echo "  machine: $(nproc) CPUs, ${BUSY}% busy with other work before the run"
[ -z "$BASE" ] || echo "  baseline (no IPsec, veth MTU 1500): $BASE Mbit/s"
python3 - "$RESULTS" "$TARGET" "$FLOOR" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
target, floor = float(sys.argv[2]), float(sys.argv[3])
med = {}
runs = []
print("| side | runs | Mbit/s median | lowest..highest | CPU us/packet left / right | syscalls/packet left / right |")
print("| --- | --- | --- | --- | --- | --- |")
for side in ("tinyipsec", "strongswan"):
    r = [x for x in rows if x[0] == side]
    if not r:
        continue
    col = lambda i: [float(x[i]) for x in r]
    m = statistics.median(col(2))
    med[side] = m
    print("| %s | %d | %.1f | %.0f..%.0f (%.0f %%) | %.1f / %.1f | %.2f / %.2f |" % (
        side, len(r), m, min(col(2)), max(col(2)),
        100 * (max(col(2)) - min(col(2))) / m if m else 0,
        statistics.median(col(3)), statistics.median(col(4)),
        statistics.median(col(5)), statistics.median(col(6))))
    runs.append("%s runs (Mbit/s): %s" % (side, " ".join(x[2] for x in r)))
for line in runs:
    print(line)
if "tinyipsec" in med and med.get("strongswan"):
    ratio = med["tinyipsec"] / med["strongswan"]
    print("ratio of medians tinyipsec/strongSwan: %.2f (target %.1f: %s; floor %.1f: %s)" % (
        ratio, target, "met" if ratio >= target else "NOT met", floor,
        "met" if ratio >= floor else "NOT met"))
PY
