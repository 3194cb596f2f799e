#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# build-save-keys.sh OUTDIR
# Build strongSwan's "save-keys" plugin (writes Wireshark decryption tables for
# IKE and ESP) for the installed Debian strongswan-charon, which does not ship
# it. Only the plugin is compiled, from the upstream tarball of the same
# version (apt-get source --tar-only; without a deb-src line for the installed
# release, a private source list is used for it), so it takes ~30 s,
# mostly ./configure. Result: OUTDIR/libstrongswan-save-keys.so, to be passed
# to strongswan-peer.sh as SAVE_KEYS_SO=... (it is never installed into /usr).
#
# ABI note: the plugin uses libcharon's ike_sa_t/daemon_t vtables, whose layout
# depends on --enable-mediation (Debian builds with it), so it is configured
# with that; other options do not change the headers the plugin uses.
# Needs: gcc, make, bzip2 (apt-get install build-essential bzip2).
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
ver=$(dpkg-query -W -f='${Version}' strongswan-charon) || { echo "strongswan-charon not installed" >&2; exit 1; }
upstream=${ver#*:}; upstream=${upstream%%-*}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# the orig tarball is the same for every Debian revision of this upstream version
if ! timeout 300 apt-get source -q --download-only --tar-only "strongswan=$ver" > fetch.log 2>&1; then
    # No deb-src line for this release: use a private source list (nothing in
    # /etc/apt is changed) with the installed release's deb-src.
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    mkdir -p "$work/apt/lists/partial"
    {   # a point release's revision may only be in -updates or -security
        echo "deb-src http://deb.debian.org/debian $codename main"
        echo "deb-src http://deb.debian.org/debian $codename-updates main"
        echo "deb-src http://deb.debian.org/debian-security $codename-security main"
    } > "$work/apt/sources.list"
    chmod 755 "$work"    # apt's unprivileged _apt user writes the lists there
    aptopts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=-"
             -o "Dir::State::Lists=$work/apt/lists")
    if ! { timeout 300 apt-get "${aptopts[@]}" update -q &&
           timeout 300 apt-get "${aptopts[@]}" source -q --download-only --tar-only "strongswan=$ver"; } \
            > fetch.log 2>&1; then
        echo "apt-get source strongswan=$ver failed:" >&2; tail -5 fetch.log >&2; exit 1
    fi
fi
tarball=$(ls strongswan_"$upstream".orig.tar.* | head -1)
tar xf "$tarball"
cd "strongswan-$upstream"
[ -d src/libcharon/plugins/save_keys ] || { echo "no save_keys plugin in $upstream" >&2; exit 1; }
timeout 600 ./configure --prefix=/usr --libdir=/usr/lib --libexecdir=/usr/lib --sysconfdir=/etc \
    --enable-mediation --enable-save-keys --disable-gmp --disable-stroke \
    --disable-scepclient --disable-pki > "$work/configure.log" 2>&1 \
    || { tail -20 "$work/configure.log" >&2; exit 1; }
timeout 300 make -C src/libcharon/plugins/save_keys > "$work/make.log" 2>&1 \
    || { tail -20 "$work/make.log" >&2; exit 1; }
cp src/libcharon/plugins/save_keys/.libs/libstrongswan-save-keys.so "$out/"
echo "$out/libstrongswan-save-keys.so (strongSwan $upstream, for strongswan-charon $ver)"
