#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# install-deps.sh - install what the interop tests need (Debian 12, root).
# Idempotent and unattended: only missing packages are installed, no prompts,
# no services started (nothing here needs systemd).
#
#   strongSwan 5.9.8: charon + swanctl + plugins (kernel-libipsec is in
#   libcharon-extra-plugins, chapoly/curve25519 in libstrongswan-extra-plugins,
#   gcm/openssl in libstrongswan-standard-plugins)
#   tools: iproute2 (ip netns), nftables (NAT), tcpdump (capture), tshark
#   (dissect/decrypt), iperf3, ping, procps, python3; strongswan-pki (pki,
#   which test/data/certs/make-certs.sh uses to make the test certificates).
#
# WITH_BUILD=1 also installs what build-save-keys.sh needs.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" = 0 ] || { echo "install-deps: must run as root" >&2; exit 1; }

pkgs=(strongswan-charon strongswan-swanctl libcharon-extra-plugins
      libstrongswan-standard-plugins libstrongswan-extra-plugins
      iproute2 nftables tcpdump tshark iperf3 iputils-ping procps python3 strongswan-pki)
[ "${WITH_BUILD:-0}" = 1 ] && pkgs+=(build-essential bzip2 pkg-config)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    timeout 300 apt-get update -q
    # wireshark-common asks whether non-root users may capture: answer no
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    timeout 600 apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian's strongswan-charon postinst may start nothing here (no systemd), but
# make sure no system-wide charon runs: the tests start their own per namespace.
/usr/lib/ipsec/charon --version 2>/dev/null || dpkg-query -W strongswan-charon
