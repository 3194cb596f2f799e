#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# check-swanctl.sh: examples/linux-gateway/swanctl.conf.example is the
# strongSwan counterpart of gateway.conf.example, and the same configuration
# as test/interop/swanctl-psk.conf.in (the template CI runs against the
# gateway), filled in with gateway.conf.example's values seen from the other
# side. Both swanctl files are flattened to "section.key = value" lines and
# must match, except for the settings the interop harness chooses per test
# case: dpd_delay, start_action and the CHILD SA's rekey_time (these must
# still agree with gateway.conf.example's dpd, initiate and child_rekey).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
gw=$here/gateway.conf.example
example=$here/swanctl.conf.example
tmpl=$root/test/interop/swanctl-psk.conf.in
fail() { echo "check-swanctl: $*" >&2; exit 1; }

# gateway.conf.example's value of a key (comments and quotes removed)
gwval() {
    sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$gw" | sed -e 's/[[:space:]]*#.*$//' \
        -e 's/^"\(.*\)"$/\1/' | head -n1
}
strip_type() { sed 's/^[a-z0-9]*://'; }  # fqdn:left.test -> left.test

# swanctl.conf -> "a.b.key = value" lines, sorted
flatten() {
    awk '
        { sub(/#.*/, ""); gsub(/^[ \t]+|[ \t]+$/, "") }
        $0 == "" { next }
        /\{$/ { name = $0; sub(/[ \t]*\{$/, "", name); path[++depth] = name; next }
        $0 == "}" { depth--; next }
        /=/ {
            key = $0; sub(/[ \t]*=.*/, "", key)
            val = $0; sub(/^[^=]*=[ \t]*/, "", val)
            p = ""; for (i = 1; i <= depth; i++) p = p path[i] "."
            print p key " = " val
        }' "$1" | sort
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# gateway.conf.example, from the strongSwan side
ike=$(gwval ike | tr -d ' ')
esp=$(gwval esp | tr -d ' ')
content=$(cat "$tmpl")
for kv in "LOCAL_ADDR=$(gwval peer)" "REMOTE_ADDR=$(gwval local)" \
          "LOCAL_ID=$(gwval remote_id | strip_type)" "REMOTE_ID=$(gwval local_id | strip_type)" \
          "PSK=$(gwval psk)" "LOCAL_TS=$(gwval remote_subnet)" "REMOTE_TS=$(gwval local_subnet)" \
          "IKE_PROPOSAL=$ike" "ESP_PROPOSAL=$esp" "START_ACTION=@START_ACTION@" \
          "REKEY_TIME=@REKEY_TIME@"; do
    content=${content//@${kv%%=*}@/${kv#*=}}
done
printf '%s\n' "$content" >"$work/rendered.conf"

flatten "$example" >"$work/example.flat"
flatten "$work/rendered.conf" >"$work/rendered.flat"
per_case='^(connections\.s2s\.dpd_delay|connections\.s2s\.children\.net\.(start_action|rekey_time)) = '
if ! diff -u <(grep -Ev "$per_case" "$work/rendered.flat") <(grep -Ev "$per_case" "$work/example.flat") \
        >"$work/diff"; then
    cat "$work/diff" >&2
    fail "swanctl.conf.example differs from test/interop/swanctl-psk.conf.in filled with" \
         "gateway.conf.example's values (- template, + example)"
fi

# the per-case settings against the gateway's own
val() { sed -n "s/^$1 = //p" "$work/example.flat"; }
dpd=$(gwval dpd)
[ "$(val 'connections\.s2s\.dpd_delay')" = "${dpd:-0s}" ] ||
    fail "dpd_delay $(val 'connections\.s2s\.dpd_delay') but the gateway's dpd is ${dpd:-0}"
if [ "$(gwval initiate)" = yes ]; then want=none; else want=start; fi
[ "$(val 'connections\.s2s\.children\.net\.start_action')" = "$want" ] ||
    fail "start_action must be $want when the gateway's initiate is $(gwval initiate)"
child=$(gwval child_rekey)
[ "$(val 'connections\.s2s\.children\.net\.rekey_time')" = "${child:-1h}" ] ||
    fail "the CHILD SA's rekey_time must be the gateway's child_rekey (${child:-1h}: default)"
echo "check-swanctl: swanctl.conf.example matches gateway.conf.example and the interop template"
