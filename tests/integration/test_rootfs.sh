#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# The container's filesystem: mounts and their options, the read-only root, masked and
# read-only paths, /dev, linux.devices, hostname, sysctls, --no-pivot, and hostile rootfs
# symlinks. The shared rootfs is never written: a case that needs a writable or doctored
# rootfs works on a copy.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

# Appends a mount to BUNDLE: DESTINATION TYPE SOURCE [OPTION...].
add_mount() {
    local bundle=$1 dest=$2 type=$3 src=$4
    shift 4
    local opts
    opts=$(printf '%s\n' "$@" | jq -R 'select(. != "")' | jq -sc .)
    # shellcheck disable=SC2016
    edit_config "$bundle" '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
        --arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$opts"
}

# Prints a private copy of the rootfs (for cases that write to it or doctor it).
copy_rootfs() {
    local dir=$T_TMP/rootfs-$1
    rm -rf "$dir"
    cp -a "$ROOTFS" "$dir"
    echo "$dir"
}

# Prints the line of probe's mount report for mount point DEST.
mount_line() {
    grep -E "^mount=$2 " <<<"$1" | tail -n1
}

case_bind_ro() {
    local dir=$T_TMP/bind-ro b id out
    mkdir -p "$dir"
    echo from-host >"$dir/file"
    b=$(make_bundle bindro sh -c 'cat /mnt/file; probe write /mnt/file changed; probe write /mnt/new x; probe mounts')
    add_mount "$b" /mnt bind "$dir" rbind ro
    id=$(new_id bindro)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "from-host" "$(head -n1 <<<"$out")"
    assert_eq "error=EROFS" "$(sed -n 2p <<<"$out")"
    assert_eq "error=EROFS" "$(sed -n 3p <<<"$out")"
    assert_contains "$(mount_line "$out" /mnt)" "opts=ro,"
    assert_eq from-host "$(cat "$dir/file")"
    [ ! -e "$dir/new" ]
    # The same bind rw: the write reaches the host.
    b=$(make_bundle bindrw probe write /mnt/file changed)
    add_mount "$b" /mnt bind "$dir" rbind rw
    assert_eq ok "$(oci run --bundle "$b" "$id")"
    assert_eq changed "$(cat "$dir/file")"
}

case_tmpfs_options() {
    local b id out line
    b=$(make_bundle tmpfs sh -c 'probe mounts; probe write /mnt/f x; stat -c "%a" /mnt')
    add_mount "$b" /mnt tmpfs tmpfs size=1m mode=1770 nodev nosuid noexec
    id=$(new_id tmpfs)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    line=$(mount_line "$out" /mnt)
    assert_contains "$line" "type=tmpfs"
    assert_contains "$line" "size=1024k"
    assert_contains "$line" "mode=1770"
    if ! [[ $line =~ opts=[^\ ]*nosuid ]] || ! [[ $line =~ opts=[^\ ]*nodev ]] || ! [[ $line =~ opts=[^\ ]*noexec ]]; then
        echo "nosuid,nodev,noexec missing: $line" >&2
        false
    fi
    assert_eq ok "$(tail -n2 <<<"$out" | head -n1)"
    assert_eq 1770 "$(tail -n1 <<<"$out")"
}

# Mounts are made in order: a later one lands on top of (inside) an earlier one.
case_mount_order() {
    local dir=$T_TMP/order b id out
    mkdir -p "$dir"
    echo bottom >"$dir/marker"
    b=$(make_bundle order sh -c 'cat /mnt/sub/marker; ls /mnt')
    add_mount "$b" /mnt tmpfs tmpfs size=1m
    add_mount "$b" /mnt/sub bind "$dir" rbind ro
    id=$(new_id order)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf 'bottom\nsub')" "$out"
    # The tmpfs made /mnt/sub in itself, not on the host or in the rootfs.
    [ ! -e "$ROOTFS/mnt/sub" ]
}

case_rbind_vs_bind() {
    local dir=$T_TMP/rbind b id out
    mkdir -p "$dir/sub"
    echo top >"$dir/top"
    mount -t tmpfs -o size=1m ocirun-rbind-test "$dir/sub"
    t_defer umount -l "$dir/sub"
    echo submount >"$dir/sub/inner"
    b=$(make_bundle rbind sh -c 'cat /mnt/top; cat /mnt/sub/inner 2>&1 || echo missing')
    add_mount "$b" /mnt bind "$dir" rbind
    id=$(new_id rbind)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf 'top\nsubmount')" "$out" "rbind brings the submount"
    b=$(make_bundle bind sh -c 'cat /mnt/top; cat /mnt/sub/inner 2>/dev/null || echo missing')
    add_mount "$b" /mnt bind "$dir" bind
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf 'top\nmissing')" "$out" "bind leaves the submount out"
}

case_propagation() {
    local dir=$T_TMP/prop b id out line
    mkdir -p "$dir/b" "$dir/c" "$dir/d"
    b=$(make_bundle prop probe mounts)
    add_mount "$b" /mnt tmpfs tmpfs size=1m
    add_mount "$b" /mnt/slave bind "$dir/b" rbind rslave
    add_mount "$b" /mnt/private bind "$dir/c" rbind rprivate
    add_mount "$b" /mnt/unbindable bind "$dir/d" rbind runbindable
    id=$(new_id prop)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_contains "$(mount_line "$out" /mnt/private)" "propagation=private"
    assert_contains "$(mount_line "$out" /mnt/unbindable)" "propagation=unbindable"
    # rslave of a private mount stays private (it has no master); of a shared one it is master:N.
    line=$(mount_line "$out" /mnt/slave)
    [[ $line == *propagation=master:* ]] || [[ $line == *propagation=private* ]] ||
        { echo "rslave: $line" >&2; false; }
    [[ $line != *propagation=shared* ]] || { echo "rslave is shared: $line" >&2; false; }
}

case_propagation_shared() {
    local dir=$T_TMP/prop-shared b id out
    mkdir -p "$dir"
    b=$(make_bundle propshared probe mounts)
    add_mount "$b" /mnt bind "$dir" rbind rshared
    add_mount "$b" /tmp tmpfs tmpfs size=1m shared
    id=$(new_id propshared)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_contains "$(mount_line "$out" /mnt)" "propagation=shared:" "rshared bind"
    assert_contains "$(mount_line "$out" /tmp)" "propagation=shared:" "shared tmpfs"
    # Also with --no-pivot.
    out=$(oci run --no-pivot --bundle "$b" "$id")
    assert_contains "$(mount_line "$out" /mnt)" "propagation=shared:" "rshared bind, --no-pivot"
}

case_readonly_root() {
    local b id out root
    b=$(make_bundle roroot sh -c 'probe write /newfile x; probe write /tmp/newfile x')
    id=$(new_id roroot)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf 'error=EROFS\nerror=EROFS')" "$out"
    [ ! -e "$ROOTFS/newfile" ]

    root=$(copy_rootfs rw)
    b=$(make_bundle rwroot sh -c 'probe write /newfile x; probe mounts')
    # shellcheck disable=SC2016
    edit_config "$b" '.root = {path: $root, readonly: false}' --arg root "$root"
    out=$(oci run --bundle "$b" "$id")
    assert_eq ok "$(head -n1 <<<"$out")"
    assert_eq x "$(cat "$root/newfile")"
    assert_contains "$(mount_line "$out" /)" "opts=rw"
}

case_masked_paths() {
    local b id out
    # shellcheck disable=SC2016 # expanded inside the container
    b=$(make_bundle masked sh -c 'echo "keys=$(wc -c </proc/keys)"; echo "cpuinfo=$(wc -c </proc/cpuinfo)";
                                  echo "kernel=$(ls -A /sys/kernel | wc -l)"; echo "net=$(ls -A /sys/class/net | wc -l)"')
    edit_config "$b" '.linux.maskedPaths += ["/proc/cpuinfo", "/sys/kernel"]'
    id=$(new_id masked)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq 0 "$(probe_get "$out" keys)" "/proc/keys (in the default maskedPaths)"
    assert_eq 0 "$(probe_get "$out" cpuinfo)"
    assert_eq 0 "$(probe_get "$out" kernel)"
    # Unmasked ones are as they were (the control: the new netns has lo).
    [ "$(probe_get "$out" net)" -ge 1 ]
    # And without masking, cpuinfo has content.
    edit_config "$b" '.linux.maskedPaths = []'
    out=$(oci run --bundle "$b" "$id")
    [ "$(probe_get "$out" cpuinfo)" -gt 0 ]
    [ "$(probe_get "$out" kernel)" -gt 0 ]
}

case_readonly_paths() {
    local dir=$T_TMP/ropaths b id out
    mkdir -p "$dir/ro" "$dir/rw"
    b=$(make_bundle ropaths sh -c 'probe write /mnt/ro/f x; probe write /mnt/rw/f x; probe open-write /proc/sys/kernel/hostname')
    add_mount "$b" /mnt bind "$dir" rbind rw
    edit_config "$b" '.linux.readonlyPaths += ["/mnt/ro"]'
    id=$(new_id ropaths)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf 'error=EROFS\nok\nerror=EROFS')" "$out"
    [ ! -e "$dir/ro/f" ]
    [ -e "$dir/rw/f" ]
}

# A readonly path that is the rootfs's own directory on another mount (a bind of it) makes that
# mount read-only, not the root's.
case_readonly_path_on_rootfs_bind() {
    local b id out
    # The last mount on a point is the one in effect.
    b=$(make_bundle ropathroot sh -c 'awk "\$5 == \"/\" || \$5 == \"/mnt\" { m[\$5] = substr(\$6, 1, 2) }
        END { print \"/\", m[\"/\"]; print \"/mnt\", m[\"/mnt\"] }" /proc/self/mountinfo')
    add_mount "$b" /mnt bind "$ROOTFS" rbind
    edit_config "$b" '.root.readonly = false | .linux.readonlyPaths += ["/mnt"]'
    id=$(new_id ropathroot)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf '/ rw\n/mnt ro')" "$out"
}

case_default_devices() {
    local b id out
    # shellcheck disable=SC2016
    b=$(make_bundle devs sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done
        for l in fd stdin stdout stderr ptmx; do echo "/dev/$l -> $(readlink /dev/$l)"; done
        ls /dev/fd/ >/dev/null && echo fd-ok
        [ -c /dev/pts/ptmx ] && echo pts-ok
        echo hello >/dev/null && head -c 4 /dev/zero | wc -c')
    id=$(new_id devs)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "/dev/null character special file 1:3 666
/dev/zero character special file 1:5 666
/dev/full character special file 1:7 666
/dev/random character special file 1:8 666
/dev/urandom character special file 1:9 666
/dev/tty character special file 5:0 666
/dev/fd -> /proc/self/fd
/dev/stdin -> /proc/self/fd/0
/dev/stdout -> /proc/self/fd/1
/dev/stderr -> /proc/self/fd/2
/dev/ptmx -> pts/ptmx
fd-ok
pts-ok
4" "$out"
}

case_linux_devices() {
    local b id out
    b=$(make_bundle mydev sh -c 'stat -c "%n %F %t:%T %a %u:%g" /dev/mynull /dev/myzero')
    edit_config "$b" '.linux.devices = [
        {path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 384, uid: 1000, gid: 1000},
        {path: "/dev/myzero", type: "c", major: 1, minor: 5}]'
    id=$(new_id mydev)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "/dev/mynull character special file 1:3 600 1000:1000" "$(head -n1 <<<"$out")"
    assert_contains "$(tail -n1 <<<"$out")" "/dev/myzero character special file 1:5 "
    assert_contains "$(tail -n1 <<<"$out")" " 0:0"
}

case_hostname() {
    local b id out
    b=$(make_bundle hostname probe hostname)
    edit_config "$b" '.hostname = "box-one" | .domainname = "example.test"'
    id=$(new_id hostname)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf 'hostname=box-one\ndomainname=example.test')" "$out"
    assert_eq "$(hostname)" "$(uname -n)" "the host's hostname is unchanged"
    [ "$(uname -n)" != box-one ]
}

case_sysctl() {
    local b id out
    b=$(make_bundle sysctl sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ip_default_ttl')
    edit_config "$b" '.linux.sysctl = {"net.ipv4.ip_forward": "1", "net.ipv4.ip_default_ttl": "42"}'
    id=$(new_id sysctl)
    t_defer oci delete --force "$id"
    local host_ttl
    host_ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl)
    out=$(oci run --bundle "$b" "$id")
    assert_eq "$(printf '1\n42')" "$out"
    assert_eq "$host_ttl" "$(cat /proc/sys/net/ipv4/ip_default_ttl)" "the host's sysctl changed"

    # Not namespaced: refused.
    local panic
    panic=$(cat /proc/sys/kernel/panic)
    edit_config "$b" '.linux.sysctl = {"kernel.panic": "7"}'
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "kernel.panic"
    assert_eq "$panic" "$(cat /proc/sys/kernel/panic)"
    # A net sysctl without a network namespace of the container's own: refused too.
    edit_config "$b" '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "net.ipv4.ip_forward"
    assert_eq "" "$(state_dirs)"
}

case_no_pivot() {
    local b id out
    b=$(make_bundle nopivot sh -c 'probe mounts; ls /bin/probe; probe write /x y')
    id=$(new_id nopivot)
    t_defer oci delete --force "$id"
    out=$(oci run --no-pivot --bundle "$b" "$id")
    assert_contains "$out" "/bin/probe"
    assert_contains "$(mount_line "$out" /)" "opts=ro"
    assert_eq error=EROFS "$(tail -n1 <<<"$out")"
    assert_not_contains "$out" "mount=$ROOTFS"
}

# Snapshot of a directory's names, types and contents.
tree_sum() {
    (cd "$1" && find . -printf '%y %m %p %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

case_symlink_escape() {
    local sentinel=$T_TMP/host-sentinel-dir root b id before
    mkdir -p "$sentinel"
    echo keep >"$sentinel/file"
    before=$(tree_sum "$sentinel")
    root=$(copy_rootfs evil)
    local target
    for target in / "../../../../../../../..$sentinel" "$sentinel"; do
        rm -rf "${root:?}/etc"
        ln -s "$target" "$root/etc"
        b=$(make_bundle "evil" sh -c 'ls /etc/evil-mnt; echo inside >/etc/evil-mnt/f 2>/dev/null; echo done')
        # shellcheck disable=SC2016
        edit_config "$b" '.root = {path: $root, readonly: false}
                          | .mounts += [{destination: "/etc/evil-mnt", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]' \
            --arg root "$root"
        id=$(new_id evil)
        t_defer oci delete --force "$id"
        oci run --bundle "$b" "$id" >/dev/null 2>&1 || true
        assert_eq "$before" "$(tree_sum "$sentinel")" "the host sentinel changed (/etc -> $target)"
        [ ! -e /evil-mnt ] || { echo "/evil-mnt was created on the host (/etc -> $target)" >&2; false; }
        assert_not_contains "$(cat /proc/self/mountinfo)" "evil-mnt"
        assert_eq "" "$(state_dirs)"
    done
}

case_proc_symlink() {
    local root b id
    root=$(copy_rootfs procsym)
    rmdir "$root/proc"
    mkdir -p "$T_TMP/fake-proc"
    ln -s "$T_TMP/fake-proc" "$root/proc"
    b=$(make_bundle procsym probe pid)
    # shellcheck disable=SC2016
    edit_config "$b" '.root.path = $root' --arg root "$root"
    id=$(new_id procsym)
    t_defer oci delete --force "$id"
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "/proc"
    assert_eq "" "$(ls -A "$T_TMP/fake-proc")"
    [ -L "$root/proc" ]
    assert_eq "" "$(state_dirs)"
}

t_case "bind mount ro: writes fail with EROFS; rw: they reach the host" case_bind_ro
t_case "tmpfs mount with size, mode and flags" case_tmpfs_options
t_case "mounts are made in order" case_mount_order
t_case "rbind brings submounts, bind does not" case_rbind_vs_bind
t_case "propagation options rslave, rprivate, runbindable show in mountinfo" case_propagation
t_case "propagation options shared and rshared show in mountinfo" case_propagation_shared
t_case "root.readonly true: / is read-only; false: writable (on a copy)" case_readonly_root
t_case "maskedPaths: files read empty, directories are empty" case_masked_paths
t_case "readonlyPaths: writes fail with EROFS" case_readonly_paths
t_case "readonlyPaths: a bind of the rootfs is made read-only, the root is not" case_readonly_path_on_rootfs_bind
t_case "default devices, /dev links and /dev/ptmx" case_default_devices
t_case "linux.devices: node type, numbers, mode and owner" case_linux_devices
t_case "hostname and domainname" case_hostname
t_case "sysctl: namespaced ones apply, others are refused" case_sysctl
t_case "--no-pivot runs in the rootfs" case_no_pivot
t_case "a rootfs symlink to the host does not redirect mounts" case_symlink_escape
t_case "a rootfs whose /proc is a symlink is refused" case_proc_symlink
t_done
