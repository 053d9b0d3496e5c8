#!/bin/bash
# Side-by-side benchmark of ocirun, crun and runc (see tests/bench/bench.py). Not a test.
#   tests/bench/bench.sh [--v1-view] [bench.py options: --reps N, --only ocirun,runc, ...]
# --v1-view: run inside a private mount namespace in which the cgroup2 mount of a hybrid host
# is detached, so that crun (which refuses such hosts) can run; all three then see cgroup v1.
# The host's own mounts are not changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$src/build}

[ "$(id -u)" = 0 ] || { echo "bench.sh: run as root (containers need it)" >&2; exit 1; }

missing=()
command -v crun >/dev/null || missing+=(crun)
command -v runc >/dev/null || missing+=(runc)
command -v python3 >/dev/null || missing+=(python3)
command -v unshare >/dev/null || missing+=(util-linux)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench.sh: installing ${missing[*]}" >&2
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if [ ! -x "$build/runtime/ocirun" ] || [ ! -d "$build/tests/rootfs/rootfs" ]; then
    [ -d "$build" ] || meson setup "$build" "$src"
    ninja -C "$build"
fi

view=host
if [ "${1:-}" = --v1-view ]; then
    shift
    view="private mount namespace without the cgroup2 mount"
fi
args=(python3 "$here/bench.py" --ocirun "$build/runtime/ocirun" --rootfs "$build/tests/rootfs/rootfs"
      --seccomp-profile "$src/tests/data/seccomp/default-profile.json" --view "$view" "$@")
if [ "$view" = host ]; then
    exec "${args[@]}"
fi
exec unshare --mount --propagation private -- sh -c '
    if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
    exec "$@"' sh "${args[@]}"
