#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The example firmware end to end: QEMU mps2-an386 (Cortex-M4F, LAN9118) on a
# tap device, IKEv2 with a pre-shared key as initiator against a gateway in
# the same network namespace, then UDP datagrams, a CHILD SA rekey in the
# middle of them and a TCP exchange through the device's tunnel netif to an
# echo host behind the gateway (a second namespace); the datagrams must be
# protected in their own pbufs, without a copy.
#
#   test/firmware/ike-e2e.sh tip          against examples/linux-gateway: plain ESP
#   test/firmware/ike-e2e.sh strongswan   against strongSwan (charon, kernel-libipsec): ESP in UDP
#
#   device 10.99.0.2 --tap-- 10.99.0.1 gateway 10.1.0.1 --veth-- 10.1.0.10 echo host
#   tunnel: 10.2.0.0/24 (device, tunnel netif 10.2.0.1) <-> 10.1.0.0/24
#
# Needs root, qemu-system-arm, a built firmware (make firmware) and, for tip,
# linux-gateway (built with CMake into build/firmware-e2e when missing).
# Namespaces fw-<pid>-gw and fw-<pid>-host, always removed. Last line:
# "ike-e2e <peer>: PASS" or "... FAIL". FW_E2E_COUNT (datagrams, 40),
# FW_E2E_RUN (the device's time limit, 100 s), FW_E2E_ENCAP=1 (ESP in UDP
# against linux-gateway too), FW_E2E_PCAP=FILE (capture the device's link).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PEER=${1:-tip}
ELF=${FW_ELF:-build/firmware/mps2-an386/firmware.elf}
ID=${FW_E2E_ID:-$$}
NS_GW=fw-$ID-gw
NS_HOST=fw-$ID-host
WORK=$(mktemp -d)
COUNT=${FW_E2E_COUNT:-40}
PSK="tinyipsec firmware end-to-end test key"
QPID= GPID= EPID= CHARON_STARTED=

log() { echo "ike-e2e $PEER: $*"; }
fail() { log "$*"; log FAIL; exit 1; }

[ "$(id -u)" -eq 0 ] || { echo "ike-e2e: needs root"; exit 77; }
[ -f "$ELF" ] || fail "$ELF missing (make firmware)"
[ -d port/lwip ] || { echo "ike-e2e: needs port/lwip (the firmware is built without IKE)"; exit 77; }

cleanup() {
    local p
    for p in $QPID $EPID $GPID; do
        kill "$p" 2>/dev/null || true
    done
    for p in $QPID $EPID $GPID; do
        wait "$p" 2>/dev/null || true
    done
    if [ -n "$CHARON_STARTED" ]; then
        test/interop/strongswan-peer.sh stop fwsw "$NS_GW" "$WORK/sw" >/dev/null 2>&1 || true
    fi
    ip netns del "$NS_HOST" 2>/dev/null || true
    ip netns del "$NS_GW" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# ---- topology ------------------------------------------------------------------------
ip netns add "$NS_GW"
ip netns add "$NS_HOST"
ip -n "$NS_GW" link set lo up
ip -n "$NS_HOST" link set lo up
ip -n "$NS_GW" tuntap add dev fwtap0 mode tap
ip -n "$NS_GW" addr add 10.99.0.1/24 dev fwtap0
ip -n "$NS_GW" link set fwtap0 up
ip -n "$NS_GW" link add lan0 type veth peer name eth0 netns "$NS_HOST"
ip -n "$NS_GW" addr add 10.1.0.1/24 dev lan0
ip -n "$NS_GW" link set lan0 up
ip -n "$NS_HOST" addr add 10.1.0.10/24 dev eth0
ip -n "$NS_HOST" link set eth0 up
ip -n "$NS_HOST" route add default via 10.1.0.1
ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1

# ---- the echo host: UDP and TCP echo on port 7 ---------------------------------------------
ip netns exec "$NS_HOST" /usr/bin/python3 -u - >"$WORK/echo.log" 2>&1 <<'PY' &
import selectors, socket
sel = selectors.DefaultSelector()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 7))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", 7)); t.listen(4)
sel.register(u, selectors.EVENT_READ, "udp"); sel.register(t, selectors.EVENT_READ, "listen")
n_udp = n_tcp = 0
print("echo: ready", flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if key.data == "udp":
            d, a = s.recvfrom(4096); s.sendto(d, a); n_udp += 1
            print("echo: udp %d from %s" % (n_udp, a[0]), flush=True)
        elif key.data == "listen":
            c, a = s.accept(); sel.register(c, selectors.EVENT_READ, "tcp")
            print("echo: tcp connection from %s" % a[0], flush=True)
        else:
            d = s.recv(4096)
            if not d:
                sel.unregister(s); s.close(); print("echo: tcp %d bytes echoed" % n_tcp, flush=True)
            else:
                s.sendall(d); n_tcp += len(d)
PY
EPID=$!

# ---- the gateway -----------------------------------------------------------------------
case "$PEER" in
tip)
    GW=${TIP_GATEWAY:-$ROOT/build/firmware-e2e/examples/linux-gateway/linux-gateway}
    if [ ! -x "$GW" ]; then
        { timeout 300 cmake -S "$ROOT" -B "$ROOT/build/firmware-e2e" -DTIP_BUILD_TESTS=OFF -DTIP_BUILD_BENCH=OFF &&
            timeout 600 cmake --build "$ROOT/build/firmware-e2e" -j"${TIP_JOBS:-2}" --target linux-gateway; } \
            >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; fail "linux-gateway does not build"; }
    fi
    cat >"$WORK/gw.conf" <<EOF
local = 10.99.0.1
peer = 10.99.0.2
local_id = fqdn:gw.test
remote_id = fqdn:dev.test
psk = "$PSK"
local_subnet = 10.1.0.0/24
remote_subnet = 10.2.0.0/24
ike = aes128gcm16-prfsha256-x25519
esp = aes128gcm16
initiate = no
dpd = 0
tun = fwtip0
log_level = info
EOF
    chmod 600 "$WORK/gw.conf"
    ip netns exec "$NS_GW" "$GW" --stats-interval 5 "$WORK/gw.conf" </dev/null >"$WORK/gw.log" 2>&1 &
    GPID=$!
    ENCAP=${FW_E2E_ENCAP:-0}
    ;;
strongswan)
    mkdir -p "$WORK/sw"
    test/interop/strongswan-peer.sh render test/interop/swanctl-psk.conf.in "$WORK/sw/swanctl.conf" \
        LOCAL_ADDR=10.99.0.1 REMOTE_ADDR=10.99.0.2 LOCAL_ID=gw.test REMOTE_ID=dev.test "PSK=$PSK" \
        LOCAL_TS=10.1.0.0/24 REMOTE_TS=10.2.0.0/24 IKE_PROPOSAL=aes128gcm16-prfsha256-x25519 \
        ESP_PROPOSAL=aes128gcm16 START_ACTION=none REKEY_TIME=1h
    test/interop/strongswan-peer.sh start fwsw "$NS_GW" "$WORK/sw" >"$WORK/sw.log" 2>&1 ||
        { cat "$WORK/sw.log"; fail "strongSwan does not start"; }
    CHARON_STARTED=1
    ENCAP=1 # kernel-libipsec: ESP in UDP
    ;;
*) fail "peer must be tip or strongswan" ;;
esac
sleep 1

# ---- the device ----------------------------------------------------------------------
# FW_E2E_PCAP=FILE: capture the device's link (tcpdump) into FILE
if [ -n "${FW_E2E_PCAP:-}" ]; then
    ip netns exec "$NS_GW" tcpdump -U -i fwtap0 -w "$FW_E2E_PCAP" >/dev/null 2>&1 &
    EPID="$EPID $!"
    sleep 0.5
fi
ip netns exec "$NS_GW" timeout --kill-after=5 120 qemu-system-arm -M mps2-an386 -nographic \
    -monitor none -serial none -semihosting-config enable=on,target=native \
    -nic tap,ifname=fwtap0,script=no,downscript=no,model=lan9118 -kernel "$ELF" \
    -append "ip=10.99.0.2/24 ike=1 peer=10.99.0.1 tun=10.2.0.1/24 remote=10.1.0.0/24 echo=10.1.0.10 count=$COUNT rekey=1 tcp=1 encap=$ENCAP run=${FW_E2E_RUN:-100}" \
    >"$WORK/fw.log" 2>&1 &
QPID=$!
set +e
wait "$QPID"
rc=$?
set -e
QPID=
sed 's/^/  device: /' "$WORK/fw.log"
if [ "$PEER" = tip ]; then
    grep -E "${FW_E2E_GWLOG:-CHILD|IKE|rror}" "$WORK/gw.log" | tail -"${FW_E2E_GWLINES:-8}" | sed 's/^/  gateway: /' || true
else
    test/interop/strongswan-peer.sh swanctl "$WORK/sw" --list-sas 2>&1 | sed 's/^/  strongSwan: /' | head -20 || true
fi
tail -3 "$WORK/echo.log" | sed 's/^/  echo host: /'
[ "$rc" -eq 0 ] || fail "firmware exit status $rc"
grep -q '^ike: result: PASS' "$WORK/fw.log" || fail "the device did not report PASS"
# The datagrams go out in PBUF_POOL pbufs with room in front
# (PBUF_LINK_ENCAPSULATION_HLEN): the port protects them without a copy.
grep -Eq '^ike: port: [1-9][0-9]* packets protected in place' "$WORK/fw.log" ||
    fail "no outbound packet was protected in place"
log PASS
