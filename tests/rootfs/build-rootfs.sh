#!/bin/bash
# Builds the integration tests' rootfs: Debian's static busybox with a symlink per applet,
# three users (root, tester 1000, nobody 65534) and our probe at /bin/probe.
#
#   build-rootfs.sh DEST PROBE_BINARY [STAMP]
#
# The tree is built in a temporary sibling of DEST and renamed into place, so a failed or
# interrupted build never leaves a half-made rootfs behind and a rebuild replaces the old one
# whole. STAMP, when given, is touched on success (meson's custom_target output).
set -euo pipefail

die() { echo "build-rootfs: $*" >&2; exit 1; }

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    die "usage: build-rootfs.sh DEST PROBE_BINARY [STAMP]"
fi
dest=$1
probe=$2
stamp=${3:-}
busybox=${BUSYBOX:-/bin/busybox}

# A dynamic busybox (Debian's `busybox` package) would need libc inside the rootfs. ldd is in
# libc-bin, which every Debian system has; it fails on a static binary.
is_static() { ! ldd "$1" >/dev/null 2>&1; }

[ -x "$busybox" ] || die "$busybox not found: install the Debian package busybox-static"
is_static "$busybox" || die "$busybox is dynamically linked: install the Debian package busybox-static (it replaces busybox)"
[ -x "$probe" ] || die "probe binary $probe not found or not executable"
is_static "$probe" || die "probe binary $probe is not statically linked"

dest=$(realpath -m "$dest")
parent=$(dirname "$dest")
mkdir -p "$parent"

# Refuse to replace a rootfs something is still mounted under (a leaked test mount): removing
# it would reach into the mounted filesystem.
if awk -v d="$dest" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    die "something is mounted under $dest; unmount it first (see /proc/self/mountinfo)"
fi

tmp=$(mktemp -d "$parent/.rootfs.new.XXXXXX")
cleanup() { if [ -n "${tmp:-}" ]; then rm -rf --one-file-system "$tmp"; fi; }
trap cleanup EXIT

chmod 0755 "$tmp"
mkdir -p "$tmp"/{bin,sbin,etc,proc,sys,dev,run,mnt,usr/bin,usr/sbin,var/tmp,home/tester}
install -d -m 1777 "$tmp/tmp"
install -d -m 0700 "$tmp/root"
chown 1000:1000 "$tmp/home/tester"
chmod 1777 "$tmp/var/tmp"

install -m 0755 "$busybox" "$tmp/bin/busybox"

# One relative symlink per applet, at the place busybox itself names (bin/sh, usr/bin/env...).
# Older busyboxes without --list-full get every applet in /bin.
if applets=$("$tmp/bin/busybox" --list-full 2>/dev/null) && [ -n "$applets" ]; then
    :
else
    applets=$("$tmp/bin/busybox" --list | sed 's|^|bin/|')
fi
while read -r applet; do
    [ -n "$applet" ] || continue
    name=${applet##*/}
    dir=${applet%/*}
    [ "$name" = busybox ] && continue
    [ "$dir" = "$applet" ] && dir=.   # linuxrc sits at the top
    case "$dir" in
        .) target=bin/busybox ;;
        bin) target=busybox ;;
        sbin) target=../bin/busybox ;;
        usr/bin|usr/sbin) target=../../bin/busybox ;;
        *) die "unexpected applet location $applet" ;;
    esac
    ln -sfn "$target" "$tmp/$applet"
done <<<"$applets"
[ -L "$tmp/bin/sh" ] || die "busybox provides no sh applet"

install -m 0755 "$probe" "$tmp/bin/probe"

cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:tester:/home/tester:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$tmp/etc/group" <<'EOF'
root:x:0:
users:x:100:tester
tester:x:1000:
nogroup:x:65534:
EOF
chmod 0644 "$tmp/etc/passwd" "$tmp/etc/group"
# /etc/hostname stays absent on purpose: the hostname a container sees comes from the config.

if [ -e "$dest" ]; then
    old=$(mktemp -d "$parent/.rootfs.old.XXXXXX")
    mv "$dest" "$old/rootfs"
    mv "$tmp" "$dest"
    tmp=$old   # the trap removes the old tree
else
    mv "$tmp" "$dest"
    tmp=
fi

[ -z "$stamp" ] || touch "$stamp"
