#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Fetch and unpack lwIP from Debian's source package, once, and cache the tree
# outside the repository (the host lwIP integration test builds it):
#
#   scripts/lwip-src.sh [2.1|2.2]
#     2.1 (default): lwip 2.1.3+dfsg1-2 from bookworm
#     2.2:           lwip 2.2.1+dfsg1-1+deb13u1 from trixie
#
#   -> ${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}/lwip-<upstream>/src
#
# The last (only) line on stdout is that directory (it holds src/ and
# contrib/ports/unix/); progress goes to stderr. A second run only checks the
# cache. When the suite's deb-src line is missing, it is added (as root) to
# /etc/apt/sources.list.d/tinyipsec-lwip-deb-src.list. Needs apt-get and
# dpkg-source (dpkg-dev, xz-utils: scripts/deps.sh installs them).
# --check: only say whether the tree is cached (exit 1 if not).
set -euo pipefail

SERIES=2.1
CHECK=0
for a in "$@"; do
    case "$a" in
    2.1 | 2.2) SERIES=$a ;;
    --check) CHECK=1 ;;
    *) echo "lwip-src: unknown argument '$a' (2.1, 2.2, --check)" >&2; exit 2 ;;
    esac
done
case "$SERIES" in
2.1) WANT_VERSION=2.1.3+dfsg1-2 SUITE=bookworm ;;
2.2) WANT_VERSION=2.2.1+dfsg1-1+deb13u1 SUITE=trixie ;;
esac

CACHE_ROOT=${TIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyipsec}
T_APT=${TIP_APT_TIMEOUT:-600}
log() { printf 'lwip-src: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cached() {
    local d
    for d in "$CACHE_ROOT"/lwip-"$SERIES".*; do
        if [ -f "$d/src/src/core/init.c" ] && { [ -f "$d/src/contrib/ports/unix/port/sys_arch.c" ] || [ -f "$d/src/port/sys_arch.c" ]; }; then
            echo "$d/src"
            return 0
        fi
    done
    return 1
}

if p=$(cached); then
    log "cached: $p"
    echo "$p"
    exit 0
fi
[ "$CHECK" = 0 ] || { log "lwIP $SERIES is not cached (run scripts/lwip-src.sh $SERIES)"; exit 1; }

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lwip.lock"
if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || die "could not lock $CACHE_ROOT/.lwip.lock"
fi
if p=$(cached); then
    echo "$p"
    exit 0
fi
for tool in apt-get apt-cache dpkg-source; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found; run scripts/deps.sh (as root) first"
done

have_src() {
    # the suite's lwip source is known to apt (read first: grep -q closing
    # the pipe early would fail it under pipefail)
    local v
    v=$(apt-cache showsrc lwip 2>/dev/null || true)
    grep -q "^Version: ${SERIES//./\\.}\." <<<"$v"
}

mirror_url() {
    local url
    url=$( { grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                 awk '{for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp):/) {print $i; break}}'
             grep -hsE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources |
                 awk '{for (i = 2; i <= NF; i++) print $i}'
           } | grep -E '/debian/?$' | grep -v -e security -e debian-ports | head -n1)
    echo "${url:-http://deb.debian.org/debian}"
}

if ! have_src; then
    [ "$(id -u)" -eq 0 ] || die "no $SUITE deb-src with lwip $SERIES in apt sources; as root add:
  deb-src $(mirror_url) $SUITE main
to /etc/apt/sources.list.d/tinyipsec-lwip-deb-src.list and run apt-get update (or run this script as root)"
    LIST=/etc/apt/sources.list.d/tinyipsec-lwip-deb-src.list
    m=$(mirror_url)
    # apt refuses two entries for one mirror and suite with different
    # Signed-By: reuse the keyring of a deb822 stanza that already names them.
    key=$(awk -v suite="$SUITE" -v uri="${m%/}" 'BEGIN{RS=""}
            $0 ~ ("URIs:[^\n]*" uri) && $0 ~ ("Suites:[^\n]*[[:space:]]" suite "([[:space:]]|$)") {
                if (match($0, /Signed-By:[[:space:]]*[^[:space:]]+/)) {
                    v = substr($0, RSTART, RLENGTH); sub(/Signed-By:[[:space:]]*/, "", v); print v; exit
                }
            }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    line="deb-src ${key:+[signed-by=$key] }$m $SUITE main"
    if ! grep -qxF "$line" "$LIST" 2>/dev/null; then
        [ -f "$LIST" ] || echo '# added by tinyipsec scripts/lwip-src.sh: source packages only' >"$LIST"
        echo "$line" >>"$LIST"
        log "added '$line' to $LIST"
    fi
    if ! timeout "$T_APT" apt-get update -q >&2; then
        grep -vxF "$line" "$LIST" >"$LIST.tmp" || true
        mv "$LIST.tmp" "$LIST"
        die "apt-get update failed (the line was removed again)"
    fi
    have_src || die "apt knows no lwip $SERIES source package after adding $SUITE deb-src"
fi

VERSION=$WANT_VERSION
SHOWSRC=$(apt-cache showsrc lwip 2>/dev/null || true)
if ! grep -qxF "Version: $WANT_VERSION" <<<"$SHOWSRC"; then
    VERSION=$(sed -n 's/^Version: //p' <<<"$SHOWSRC" | grep "^${SERIES//./\\.}\." | sort -V | tail -n1)
    log "NOTE: $WANT_VERSION is not available; using lwip $VERSION"
fi
UPSTREAM=${VERSION%%+*}
UPSTREAM=${UPSTREAM%%-*}
WORK=$CACHE_ROOT/lwip-$UPSTREAM
rm -rf "$WORK"
mkdir -p "$WORK/dl"
(
    cd "$WORK/dl"
    timeout "$T_APT" apt-get source -q --download-only "lwip=$VERSION" >&2
    dsc=$(ls lwip_*.dsc | head -n1)
    timeout 300 dpkg-source -q -x "$dsc" "$WORK/src.tmp" >&2
) || die "download/unpack of lwip=$VERSION failed"
echo "lwip_source_version=$VERSION" >"$WORK/src.tmp/tinyipsec-lwip-version.txt"
rm -rf "$WORK/dl"
mv "$WORK/src.tmp" "$WORK/src"
log "lwip $VERSION unpacked in $WORK/src"
echo "$WORK/src"
