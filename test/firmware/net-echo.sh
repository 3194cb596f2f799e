#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The example firmware on the emulated board (QEMU mps2-an386, LAN9118) on a
# tap device inside a network namespace of its own: ping and UDP echo
# through lwIP. Needs root (namespaces, tap), qemu-system-arm and a built
# firmware (make firmware).
#
#   test/firmware/net-echo.sh [firmware.elf]
#
# Names: namespace $FW_NS (default fw-<pid>), tap fwtap0 inside it; both are
# removed on exit, QEMU is killed. Ends with "net-echo: PASS" or "FAIL".
set -euo pipefail
cd "$(dirname "$0")/../.."
ELF=${1:-build/firmware/mps2-an386/firmware.elf}
NS=${FW_NS:-fw-$$}
TAP=fwtap0
HOST_IP=10.9.0.1
DEV_IP=10.9.0.2
RUN_S=${FW_RUN_S:-10}
OUT=$(mktemp -d)
QPID=

[ "$(id -u)" -eq 0 ] || { echo "net-echo: needs root (network namespace, tap)"; exit 77; }
[ -f "$ELF" ] || { echo "net-echo: $ELF missing (make firmware)"; exit 1; }

cleanup() {
    if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
        kill "$QPID" 2>/dev/null || true
        wait "$QPID" 2>/dev/null || true
    fi
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$OUT"
}
trap cleanup EXIT

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev "$TAP" mode tap
ip -n "$NS" addr add "$HOST_IP/24" dev "$TAP"
ip -n "$NS" link set "$TAP" up

ip netns exec "$NS" timeout --kill-after=5 $((RUN_S + 30)) qemu-system-arm -M mps2-an386 -nographic \
    -monitor none -serial none -semihosting-config enable=on,target=native \
    -nic "tap,ifname=$TAP,script=no,downscript=no,model=lan9118" \
    -kernel "$ELF" -append "ip=$DEV_IP/24 run=$RUN_S" >"$OUT/fw.log" 2>&1 &
QPID=$!

fail=0
# wait for the firmware to say it is up
for _ in $(seq 1 50); do
    grep -q '^firmware: up' "$OUT/fw.log" && break
    sleep 0.2
done
grep '^firmware: up' "$OUT/fw.log" || { echo "net-echo: firmware did not come up"; fail=1; }

if [ "$fail" = 0 ]; then
    if ip netns exec "$NS" ping -c 3 -i 0.3 -W 2 "$DEV_IP" >"$OUT/ping.log" 2>&1; then
        echo "net-echo: ping: $(grep -E 'packets transmitted' "$OUT/ping.log")"
    else
        cat "$OUT/ping.log"
        echo "net-echo: ping FAILED"
        fail=1
    fi
    if ip netns exec "$NS" /usr/bin/python3 - "$DEV_IP" <<'PY'; then
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
ok = 0
for i, size in enumerate((1, 64, 512, 1400)):
    msg = bytes((i + j) & 0xFF for j in range(size))
    s.sendto(msg, (sys.argv[1], 7))
    try:
        data, _ = s.recvfrom(2048)
        ok += data == msg
    except socket.timeout:
        pass
print("net-echo: UDP echo: %d/4 datagrams (1, 64, 512, 1400 B) came back intact" % ok)
t = socket.create_connection((sys.argv[1], 7), timeout=3)
msg = b"tinyipsec firmware TCP echo " * 40
t.sendall(msg)
got = b""
while len(got) < len(msg):
    chunk = t.recv(4096)
    if not chunk:
        break
    got += chunk
t.close()
print("net-echo: TCP echo: %d of %d bytes came back %s" % (len(got), len(msg), "intact" if got == msg else "WRONG"))
sys.exit(0 if ok == 4 and got == msg else 1)
PY
        :
    else
        echo "net-echo: echo FAILED"
        fail=1
    fi
fi

wait "$QPID" 2>/dev/null || true
QPID=
cat "$OUT/fw.log"
if [ "$fail" = 0 ] && grep -q '^firmware: stop' "$OUT/fw.log"; then
    echo "net-echo: PASS"
else
    echo "net-echo: FAIL"
    exit 1
fi
