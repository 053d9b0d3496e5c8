#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# Attacks on what the container is allowed: LSM confinement (T-LSM), capabilities (T-CAP),
# numeric users (T-USER), the cgroup filesystem (T-ROOTLESS, T-CG-RA), the devices cgroup
# (T-DEVCG) and oversized input to the parent <-> init protocol (T-IPC).
# shellcheck source-path=SCRIPTDIR source=lib_attacks.sh
source "$(dirname "$0")/lib_attacks.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file
attack_setup_mode
t_require_cgroup_layout
# The unprivileged user of T-ROOTLESS-1 as root.
NOBODY=65534

# --- T-LSM -----------------------------------------------------------------------------------

case_lsm_1() {
    local lsms
    lsms=$(cat /sys/kernel/security/lsm 2>/dev/null || true)
    case ",$lsms," in
        *,apparmor,* | *,selinux,*) ;;
        *) skip "no AppArmor or SELinux on this kernel (LSMs: ${lsms:-none}): no label can be checked" ;;
    esac
    local b id
    b=$(make_bundle lsm1 cat /proc/self/attr/current)
    id=$(new_id lsm1)
    t_defer oci delete --force "$id"
    case ",$lsms," in
        *,apparmor,*) edit_config "$b" '.process.apparmorProfile = "unconfined"' ;;
        *) edit_config "$b" '.process.selinuxLabel = "system_u:system_r:container_t:s0"' ;;
    esac
    oci run --bundle "$b" "$id"
}

# --- T-CAP -----------------------------------------------------------------------------------

# T-CAP-1: the template has no inheritable set; a default run has CapInh and CapAmb zero.
case_cap_1() {
    local dir=$T_TMP/cap1 b id out
    mkdir -p "$dir"
    if mode_rootless; then
        give_user "$dir"
        (cd "$dir" && as_user "$OCIRUN" spec --rootless)
    else
        (cd "$dir" && "$OCIRUN" spec)
    fi
    assert_eq null "$(jq '.process.capabilities.inheritable' "$dir/config.json")"
    assert_eq null "$(jq '.process.capabilities.ambient' "$dir/config.json")"
    b=$(make_bundle cap1 probe caps)
    id=$(new_id cap1)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    assert_eq 0000000000000000 "$(probe_get "$out" cap_inh)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_amb)"
}

# T-CAP-2: exec --cap into a container without capabilities adds to bounding, permitted and
# effective only (runc capabilities.bats "runc exec --cap").
case_cap_2() {
    local b id out
    b=$(make_bundle cap2 probe sleep 1000)
    edit_config "$b" '.process.capabilities = {}'
    id=$(new_id cap2)
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null
    out=$(oci exec --cap CAP_KILL --cap CAP_AUDIT_WRITE "$id" probe caps)
    assert_eq 0000000000000000 "$(probe_get "$out" cap_inh)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_amb)"
    assert_eq 0000000020000020 "$(probe_get "$out" cap_prm)"
    assert_eq 0000000020000020 "$(probe_get "$out" cap_eff)"
    assert_eq 0000000020000020 "$(probe_get "$out" cap_bnd)"
}

# T-CAP-3 (integration half; the library half is the Catch2 case): an ambient capability that
# is not inheritable is never raised, and inheritable stays as configured.
case_cap_3() {
    local b id out rc=0
    b=$(make_bundle cap3 probe caps)
    edit_config "$b" '.process.user = {uid: 1000, gid: 1000}
        | .process.capabilities = {bounding: ["CAP_KILL"], permitted: ["CAP_KILL"], effective: ["CAP_KILL"], ambient: ["CAP_KILL"]}'
    map_subids "$b"
    id=$(new_id cap3)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
    echo "exit $rc: $out"
    if [ $rc -eq 0 ]; then
        assert_eq 0000000000000000 "$(probe_get "$out" cap_inh)"
        assert_eq 0000000000000000 "$(probe_get "$out" cap_amb)"
    fi
}

# --- T-USER ----------------------------------------------------------------------------------

# T-USER-1: numeric users are numbers, never names looked up in the image's /etc/passwd.
case_user_1() {
    local root b id bad rc
    root=$(copy_rootfs user1)
    printf '1000:x:0:0::/:/bin/sh\n1:x:0:0::/:/bin/sh\n' >>"$root/etc/passwd"
    b=$(make_bundle_on "$root" user1 probe sleep 1000)
    map_subids "$b"
    id=$(new_id user1)
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null
    assert_eq 1000 "$(oci exec --user 1000 "$id" id -u)"
    assert_eq "1 0" "$(oci exec --user 1 "$id" sh -c 'echo $(id -u) $(id -g)')"
    assert_eq "1 1" "$(oci exec --user 1:1 "$id" sh -c 'echo $(id -u) $(id -g)')"
    for bad in 1: :1 -1 root 1:root 1:1:1 "" 4294967296; do
        assert_fails oci exec --user "$bad" "$id" id -u
        echo "--user '$bad': $ERR"
    done
    # process.user.uid as a string is a type error.
    b=$(make_bundle_on "$root" user1s id -u)
    map_subids "$b"
    edit_config "$b" '.process.user.uid = "1000"'
    id=$(new_id user1)
    t_defer oci delete --force "$id"
    rc=0
    assert_fails oci run --bundle "$b" "$id"
    assert_contains "$ERR" "process.user.uid"
}

# --- T-ROOTLESS ------------------------------------------------------------------------------

# The cgroup mounts the container sees, each as `mountpoint options`, and the outcome of two
# writes into the cgroup tree.
CGROUP_CHECK='awk "\$5 ~ \"^/sys/fs/cgroup\" { print \$5, \$6 }" /proc/self/mountinfo
    mkdir /sys/fs/cgroup/x 2>&- && echo mkdir-ok || echo mkdir-refused
    f=$(ls -d /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs 2>&- | head -n1)
    echo $$ 2>&- >"$f" && echo procs-written || echo procs-refused'

check_cgroup_ro() {
    local out=$1 line
    assert_contains "$out" "mkdir-refused"
    assert_contains "$out" "procs-refused"
    while IFS= read -r line; do
        case $line in
            /sys/fs/cgroup*" ro,"* | /sys/fs/cgroup*" ro") ;;
            /sys/fs/cgroup*) echo "a writable cgroup mount: $line" >&2; return 1 ;;
        esac
    done <<<"$out"
}

# T-ROOTLESS-1, the rootless template's shape as root: a user namespace without cgroup or
# network namespace, so /sys is the host's, bound recursively and read-only (CVE-2023-25809).
case_rootless_1_shape() {
    not_rootless "the shape as root (a mapping of ids the user does not own); the rootless run is the next case"
    local b id out
    b=$(make_bundle rootless1 sh -c "$CGROUP_CHECK")
    edit_config "$b" '.linux.namespaces = [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "user"}]
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .mounts |= map(select(.destination != "/sys/fs/cgroup"))
        | .mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)
        | .mounts |= map(select(.destination != "/dev/mqueue"))
        | .linux.resources = null'
    id=$(new_id rootless1)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id")
    echo "$out"
    check_cgroup_ro "$out"
}

# T-ROOTLESS-1 proper: `ocirun spec --rootless` run by an unprivileged user: the mode's own
# user and bundles rootless, else the nobody user on the shared rootfs.
case_rootless_1() {
    local out rc=0
    if mode_rootless; then
        local b id
        b=$(make_bundle rootless1u sh -c "$CGROUP_CHECK")
        id=$(new_id rootless1u)
        t_defer oci delete --force "$id"
        out=$(oci run --bundle "$b" "$id")
        echo "$out"
        check_cgroup_ro "$out"
        return
    fi
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    local home=$T_TMP/rootless-home
    mkdir -p "$home"
    chmod 0755 "$T_TMP" "$home"
    chown "$NOBODY:$NOBODY" "$home"
    install -m 0755 "$OCIRUN_REAL" "$home/ocirun"
    as_nobody() {
        setpriv --reuid "$NOBODY" --regid "$NOBODY" --clear-groups \
            env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" XDG_RUNTIME_DIR="$home/run" "$@"
    }
    out=$(as_nobody sh -c '
        set -e
        mkdir -p "$HOME/run" "$HOME/b"
        cd "$HOME/b"
        "$HOME/ocirun" spec --rootless
        jq --arg r "$1" --arg c "$2" ".root.path = \$r | .process.terminal = false | .process.args = [\"sh\", \"-c\", \$c]" \
            config.json >c && mv c config.json
        "$HOME/ocirun" --root "$HOME/run/oci" run rootless-t' sh "$ROOTFS" "$CGROUP_CHECK" 2>&1) || rc=$?
    as_nobody "$home/ocirun" --root "$home/run/oci" delete --force rootless-t >/dev/null 2>&1 || true
    if [ $rc -ne 0 ]; then
        case $out in
            *"permission denied"* | *"Operation not permitted"* | *"not supported"*)
                skip "an unprivileged user cannot run a container yet: $(tail -n1 <<<"$out")" ;;
        esac
        echo "rootless run failed: $out" >&2
        return 1
    fi
    echo "$out"
    check_cgroup_ro "$out"
}

# --- T-DEVCG ---------------------------------------------------------------------------------

# T-DEVCG-1: a device list without a deny-all entry still denies everything it does not
# allow, even to a process with CAP_MKNOD.
case_devcg_1() {
    not_rootless "device cgroup rules are not applied without a cgroup of the container's own (README, Rootless), and a user namespace cannot mknod anyway"
    local dev major minor b id out
    dev=$(lsblk -dnro MAJ:MIN 2>/dev/null | head -n1)
    [ -n "$dev" ] || dev=$(for d in /sys/dev/block/*; do basename "$d"; done | head -n1)
    [ -n "$dev" ] || skip "no block device on the host to try"
    major=${dev%:*}
    minor=${dev#*:}
    b=$(make_bundle devcg1 sh -c "mknod /tmp/blk b $major $minor && { head -c1 /tmp/blk >/dev/null 2>&1 && echo read-ok || echo read-refused; } || echo mknod-refused
        mknod /tmp/mem c 1 1 && { head -c1 /tmp/mem >/dev/null 2>&1 && echo mem-read-ok || echo mem-read-refused; } || echo mem-mknod-refused")
    add_mount "$b" /tmp tmpfs tmpfs size=1m
    edit_config "$b" '.linux.resources.devices = [{allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]
        | .process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
        --argjson c '["CAP_MKNOD", "CAP_DAC_OVERRIDE", "CAP_SYS_RAWIO"]'
    id=$(new_id devcg1)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id" 2>&1)
    echo "block $dev, /dev/mem: $out"
    assert_not_contains "$out" "read-ok"
    assert_not_contains "$out" "mem-read-ok"
}

# --- T-CG-RA ---------------------------------------------------------------------------------

# T-CG-RA-1: no cgroup v1 hierarchy can be mounted with a writable release_agent, directly or
# from a new user + cgroup namespace (CVE-2022-0492).
case_cg_ra_1() {
    [ "$LAYOUT" != v2 ] || skip "cgroup v1 is not in use on this host ($LAYOUT)"
    local b id out
    b=$(make_bundle cgra1 sh -c '
        mkdir -p /tmp/x
        if mount -t cgroup -o memory cgroup /tmp/x 2>&-; then
            [ -w /tmp/x/release_agent ] && echo direct-writable || echo direct-not-writable
        else echo direct-mount-refused; fi
        unshare -U -r -m -C sh -c "mount -t cgroup -o memory cgroup /tmp/x 2>&- && { echo ok 2>&- >/tmp/x/release_agent && echo userns-written || echo userns-not-writable; } || echo userns-mount-refused" 2>&1 || echo unshare-refused
        true')
    add_mount "$b" /tmp tmpfs tmpfs size=1m
    id=$(new_id cgra1)
    t_defer oci delete --force "$id"
    out=$(oci run --bundle "$b" "$id" 2>&1)
    echo "$out"
    assert_not_contains "$out" "direct-writable"
    assert_not_contains "$out" "userns-written"
}

# --- T-IPC -----------------------------------------------------------------------------------

# T-IPC-1 (config half; the protocol half is the Catch2 case): oversized values fail cleanly
# or work, never get cut or misparsed.
case_ipc_1() {
    local b id long rc out
    long=$(head -c 1048576 /dev/zero | tr '\0' a)
    local report=$T_TMP/ipc1-report
    mkdir -p "$report"
    give_user "$report"
    b=$(make_bundle ipc1 true)
    # A createContainer hook gets the state document through the init (it runs before
    # pivot_root, where the host path is still visible).
    edit_config "$b" '.annotations = {"big": $v}
        | .hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", ("cat >" + $r + "/state.json")]}]' \
        --rawfile v <(printf '%s' "$long") --arg r "$report"
    id=$(new_id ipc1)
    t_defer oci delete --force "$id"
    rc=0
    out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
    echo "1 MiB annotation: exit $rc: ${out:0:300}"
    if [ $rc -eq 0 ]; then
        assert_eq 1048576 "$(jq -r '.annotations.big | length' "$report/state.json")" "the hook's state document"
    else
        assert_eq "" "$(attack_state_entries)"
    fi
    # A namespace path longer than PATH_MAX is refused.
    b=$(make_bundle ipc1ns true)
    edit_config "$b" '.linux.namespaces = [{type: "mount"}, {type: "network", path: ("/proc/self/ns/" + $p)}]' \
        --arg p "$(head -c 5000 /dev/zero | tr '\0' x)"
    id=$(new_id ipc1)
    t_defer oci delete --force "$id"
    assert_fails oci run --bundle "$b" "$id"
    echo "long namespace path: ${ERR:0:300}"
    assert_eq "" "$(attack_state_entries)"
}

t_case "T-LSM-1 the LSM label is really applied" case_lsm_1
t_case "T-CAP-1 no inheritable caps in the template; CapInh and CapAmb zero" case_cap_1
t_case "T-CAP-2 exec --cap adds to bounding, permitted, effective only" case_cap_2
t_case "T-CAP-3 ambient caps not in inheritable are never raised" case_cap_3
t_case "T-USER-1 numeric --user is never looked up in the image's passwd" case_user_1
t_case "T-ROOTLESS-1 host /sys in a user namespace: every cgroup mount read-only" case_rootless_1_shape
t_case "T-ROOTLESS-1 rootless run: every cgroup mount read-only" case_rootless_1
t_case "T-DEVCG-1 devices not allowed are denied without a deny-all entry" case_devcg_1
t_case "T-CG-RA-1 no writable release_agent from a cgroup v1 mount" case_cg_ra_1
t_case "T-IPC-1 a 1 MiB annotation and a huge namespace path fail cleanly or work" case_ipc_1
t_done
