#!/bin/bash
# Installs the Debian 12 packages ocirun needs to build and test, skipping
# the apt round trip when everything is already there.
set -euo pipefail

packages=(
    g++ meson ninja-build pkg-config git
    libseccomp-dev libcap-dev libyajl-dev libmount-dev catch2
    # sd-bus.h for the systemd cgroup driver (libsystemd.so.0 is loaded at run time)
    libsystemd-dev
    busybox-static jq python3 python3-jsonschema iproute2 util-linux
    # test_rootless.sh: a user of its own (useradd), id ranges (newuidmap), rootless Podman
    passwd uidmap crun catatonit
    # tests/engines: the engines that drive ocirun (docker.io brings containerd)
    podman conmon docker.io containerd
    # what Podman recommends and its tests here ran with: CNI plugins for pods, rootless
    # networking and storage
    containernetworking-plugins golang-github-containernetworking-plugin-dnsname
    slirp4netns fuse-overlayfs
    # tests/fuzz: libFuzzer targets (clang's fuzzer and sanitizer runtimes)
    clang libclang-rt-14-dev
    # tests/vm (pure cgroup v2 VM); linux-image-amd64 installs the kernel it boots into /boot
    qemu-system-x86 linux-image-amd64 cpio kmod
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
