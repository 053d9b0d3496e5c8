#!/bin/bash
# One command from a fresh Debian 12 machine (as root): install what ocirun
# needs, build it, and run a container from the example bundle in specs/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build

bundle=$(mktemp -d /tmp/ocirun-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
jq --arg root "$PWD/build/tests/rootfs/rootfs" '.root.path = $root' specs/default/config.json >"$bundle/config.json"
echo "+ ocirun run --bundle $bundle demo"
build/runtime/ocirun --root /run/ocirun-demo run --bundle "$bundle" "demo-$$"
