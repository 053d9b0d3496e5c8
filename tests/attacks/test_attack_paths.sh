#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# Attacks through paths in the rootfs: mount targets (T-MNT), /proc and /sys (T-PROC, T-PROCFS),
# the masking /dev/null (T-MASK), /dev/console (T-CONS), /dev setup (T-DEV, T-DEVNULL), every
# file the runtime writes there (T-WRITE), the read-only root (T-RO). Each case points symlinks
# at host sentinels and checks them untouched. With ATTACK_MODE=no-openat2 the same cases run
# with openat2 blocked (T-PROCFS-3 for the /proc ones).
# shellcheck source-path=SCRIPTDIR source=lib_attacks.sh
source "$(dirname "$0")/lib_attacks.sh"
t_require_root
t_require_ocirun
t_require_rootfs
command -v python3 >/dev/null || t_skip_all "python3 is not installed (race_swap.py)"
t_setup_file
attack_setup_mode
RACE_SWAP=$T_LIB_DIR/../attacks/race_swap.py
: "${OCIRUN_RACE_ITERS:=200}"

# Case names carry the mode, so the no-openat2 run reads as its own results.
name() {
    if mode_no_openat2; then
        printf '%s [openat2 blocked]' "$1"
    else
        printf '%s' "$1"
    fi
}

# The /proc family (T-PROC, T-PROCFS) with openat2 blocked is T-PROCFS-3.
proc_name() {
    if mode_no_openat2; then
        printf 'T-PROCFS-3 %s [openat2 blocked]' "$1"
    else
        printf '%s' "$1"
    fi
}

# The mounts of /dev in the default config; without them the rootfs's own /dev is used.
DEV_MOUNTS=(/dev /dev/pts /dev/shm /dev/mqueue)

# --- T-MNT ---------------------------------------------------------------------------------

# T-MNT-1: every symlink shape at or above the mount destinations resolves inside the rootfs.
case_mnt_1() {
    local S root vol b id shape out rc
    S=$(make_sentinel mnt1)
    record_sentinel "$S"
    vol=$T_TMP/vol-mnt1
    mkdir -p "$vol"
    echo from-vol >"$vol/v"
    echo from-file-bind >"$T_TMP/f-mnt1"
    for shape in absolute relative chain trailing dangling file; do
        root=$(copy_rootfs mnt1)
        case $shape in
            absolute) ln -s "$S" "$root/a" ;;
            relative) ln -s "../../../../../../../../..$S" "$root/a" ;;
            chain) ln -s /l1 "$root/a"; ln -s l2 "$root/l1"; ln -s "../../../..$S" "$root/l2" ;;
            trailing) mkdir "$root/a"; ln -s "$S/sub" "$root/a/b"; ln -s "$S" "$root/a/d"; ln -s "$S/file" "$root/a/file" ;;
            dangling) ln -s "/missing/$S" "$root/a" ;;
            file) echo not-a-dir >"$root/a" ;;
        esac
        b=$(make_bundle_on "$root" "mnt1-$shape" sh -c 'cat /a/d/v; cat /a/file; grep -c " /a/b/c " /proc/self/mountinfo')
        add_mount "$b" /a/b/c tmpfs tmpfs size=1m
        add_mount "$b" /a/d bind "$vol" rbind
        add_mount "$b" /a/file bind "$T_TMP/f-mnt1" bind
        id=$(new_id "mnt1-$shape")
        t_defer oci delete --force "$id"
        rc=0
        out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
        echo "shape $shape: exit $rc: $out"
        check_sentinel "$S"
        assert_no_host_mount "$S"
        if [ "$shape" = file ]; then
            [ "$rc" -ne 0 ] || { echo "a file in the path of a mount did not fail the create" >&2; false; }
        elif [ "$rc" -eq 0 ]; then
            # The mounts are where the path leads inside the rootfs.
            assert_eq "$(printf 'from-vol\nfrom-file-bind\n1')" "$out" "shape $shape"
        fi
        assert_eq "" "$(attack_state_entries)"
    done
}

# T-MNT-2, deterministic: the runtime is paused after resolving a mount target; the test swaps
# the directory above it for a symlink to the host sentinel; the mount must land on the
# resolved directory, never on the sentinel.
case_mnt_2_paused() {
    require_fault_points
    local S root b id pid out target
    S=$(make_sentinel mnt2p)
    for target in "$S" /; do
        record_sentinel "$S"
        root=$(copy_rootfs mnt2p)
        mkdir -p "$root/x/m1"
        ln -s "$target" "$root/y"
        b=$(make_bundle_on "$root" mnt2p probe sleep 1000)
        # First in the list, so that the pause is at this mount.
        edit_config "$b" '.mounts = [{destination: "/x/m1", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}] + .mounts'
        id=$(new_id mnt2p)
        t_defer oci delete --force "$id"
        fp_dir
        fp_oci pause.mount-target-resolved create --bundle "$b" "$id" >"$T_CASE_DIR/create.out" 2>&1 &
        fp_wait pause.mount-target-resolved >/dev/null
        python3 "$RACE_SWAP" "$root/x" "$root/y"
        fp_release pause.mount-target-resolved
        wait $! || { cat "$T_CASE_DIR/create.out" >&2; false; }
        pid=$(pid_of "$id")
        # The tmpfs is on the directory the runtime resolved, which the swap moved to /y.
        out=$(cat "/proc/$pid/mountinfo")
        assert_contains "$out" " /y/m1 " "the mount is on the resolved directory"
        check_sentinel "$S"
        assert_no_host_mount "$S"
        oci delete --force "$id"
        [ "$target" = / ] && assert_eq "" "$(awk '$5 == "/m1"' /proc/self/mountinfo)"
    done
}

# T-MNT-2, race: a loop flips /x (a dir) and /y (a symlink to the sentinel) while containers
# with mounts below /x start.
case_mnt_2_race() {
    local S root vol b id i stop rc fails=0
    S=$(make_sentinel mnt2r)
    record_sentinel "$S"
    root=$(copy_rootfs mnt2r)
    vol=$T_TMP/vol-mnt2r
    mkdir -p "$root/x" "$vol"
    ln -s "$S" "$root/y"
    b=$(make_bundle_on "$root" mnt2r true)
    add_mount "$b" /x/m1 tmpfs tmpfs size=1m
    add_mount "$b" /x/m2 tmpfs tmpfs size=1m
    add_mount "$b" /x/m3/sub bind "$vol" rbind
    stop=$T_TMP/stop-mnt2r
    python3 "$RACE_SWAP" --until "$stop" "$root/x" "$root/y" >"$T_CASE_DIR/swaps" &
    t_defer touch "$stop"
    for ((i = 0; i < OCIRUN_RACE_ITERS; i++)); do
        id=$(new_id mnt2r)
        rc=0
        oci run --bundle "$b" "$id" >/dev/null 2>&1 || rc=$?
        [ $rc -eq 0 ] || fails=$((fails + 1))
        oci delete --force "$id" >/dev/null 2>&1 || true
        assert_no_host_mount "$S"
    done
    touch "$stop"
    wait $!
    echo "$OCIRUN_RACE_ITERS runs, $fails failed, $(cat "$T_CASE_DIR/swaps") swaps"
    check_sentinel "$S"
    assert_eq "" "$(find "$S" -newer "$S.state")"
}

# --- T-PROC ----------------------------------------------------------------------------------

# T-PROC-1: only a procfs may be mounted on /proc, nothing below it but the lxcfs files, under
# whatever spelling or symlink the destination takes.
case_proc_1() {
    local root b id dest src
    root=$(copy_rootfs proc1)
    mkdir -p "$T_TMP/fake-proc"
    ln -s /proc "$root/p"
    ln -s /proc/sys "$root/ps"
    # Rejected: DEST TYPE SOURCE.
    while read -r dest type src; do
        b=$(make_bundle_on "$root" proc1 true)
        add_mount "$b" "$dest" "$type" "$src" bind
        id=$(new_id proc1)
        t_defer oci delete --force "$id"
        assert_fails oci run --bundle "$b" "$id"
        echo "refused $type $src on $dest: $ERR"
        assert_eq "" "$(attack_state_entries)"
    done <<EOF
/proc bind $T_TMP/fake-proc
//proc bind $T_TMP/fake-proc
/proc/ bind $T_TMP/fake-proc
/./proc bind $T_TMP/fake-proc
/dev/../proc bind $T_TMP/fake-proc
/p bind $T_TMP/fake-proc
/proc/self/attr bind $T_TMP/fake-proc
/proc/sys/kernel bind $T_TMP/fake-proc
/proc/sys tmpfs tmpfs
/ps tmpfs tmpfs
/p/sys tmpfs tmpfs
EOF
    # Accepted: a procfs, a bind of the host's procfs root, the lxcfs allowlist.
    b=$(make_bundle_on "$root" proc1ok sh -c 'cat /proc/cpuinfo; stat -fc %T /proc')
    drop_mounts "$b" /proc
    add_mount "$b" /proc bind /proc rbind
    echo fake-cpuinfo >"$T_TMP/cpuinfo"
    add_mount "$b" /proc/cpuinfo bind "$T_TMP/cpuinfo" bind
    id=$(new_id proc1ok)
    t_defer oci delete --force "$id"
    assert_eq "$(printf 'fake-cpuinfo\nproc')" "$(oci run --bundle "$b" "$id")"
}

# T-PROC-2: a rootfs whose /proc or /sys is a symlink or a file is refused.
case_proc_2() {
    local S root b id what shape
    S=$(make_sentinel proc2)
    record_sentinel "$S"
    for what in proc sys; do
        for shape in absolute relative volume file host; do
            root=$(copy_rootfs proc2)
            rm -rf "${root:?}/$what"
            mkdir -p "$root/bad-$what" "$T_TMP/vol-proc2/$what"
            b=$(make_bundle_on "$root" proc2 true)
            case $shape in
                absolute) ln -s "/bad-$what" "$root/$what" ;;
                relative) ln -s "bad-$what" "$root/$what" ;;
                volume)
                    mkdir -p "$root/vol"
                    ln -s "/vol/$what" "$root/$what"
                    # The volume is mounted before /proc and /sys.
                    edit_config "$b" '.mounts = [{destination: "/vol", type: "bind", source: $v, options: ["rbind"]}] + .mounts' \
                        --arg v "$T_TMP/vol-proc2"
                    ;;
                file) echo x >"$root/$what" ;;
                host) ln -s "$S" "$root/$what" ;;
            esac
            id=$(new_id proc2)
            t_defer oci delete --force "$id"
            assert_fails oci run --bundle "$b" "$id"
            echo "/$what as $shape: $ERR"
            assert_contains "$ERR" "/$what"
            assert_eq "" "$(ls -A "$root/bad-$what")"
            assert_eq "" "$(ls -A "$T_TMP/vol-proc2/$what")"
            check_sentinel "$S"
            assert_eq "" "$(attack_state_entries)"
        done
    done
}

# --- T-PROCFS --------------------------------------------------------------------------------

# T-PROCFS-2: sysctls land in the container's namespaces; the host's values stay; with a
# hostile /proc in the rootfs the create fails.
case_procfs_2() {
    local host_before b id out root
    host_before=$(host_files_state)
    b=$(make_bundle procfs2 cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_forward)
    edit_config "$b" '.linux.sysctl = {"kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1"}'
    # The rootless template has no network namespace (net sysctls are refused without one):
    # add one, as a rootless engine with slirp4netns does.
    if mode_rootless; then edit_config "$b" '.linux.namespaces += [{type: "network"}]'; fi
    id=$(new_id procfs2)
    t_defer oci delete --force "$id"
    assert_eq "$(printf '1\n1')" "$(oci run --bundle "$b" "$id")"
    assert_eq "$host_before" "$(host_files_state)" "host sysctls"
    # The same with /proc a symlink to a decoy tree holding sys/kernel/shm_rmid_forced.
    root=$(copy_rootfs procfs2)
    rm -rf "${root:?}/proc"
    mkdir -p "$root/decoy/sys/kernel" "$root/decoy/sys/net/ipv4"
    echo 0 >"$root/decoy/sys/kernel/shm_rmid_forced"
    echo 0 >"$root/decoy/sys/net/ipv4/ip_forward"
    ln -s /decoy "$root/proc"
    b=$(make_bundle_on "$root" procfs2-decoy true)
    if mode_rootless; then edit_config "$b" '.linux.namespaces += [{type: "network"}]'; fi
    edit_config "$b" '.linux.sysctl = {"kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1"}'
    id=$(new_id procfs2)
    t_defer oci delete --force "$id"
    assert_fails oci run --bundle "$b" "$id"
    assert_eq 0 "$(cat "$root/decoy/sys/kernel/shm_rmid_forced")"
    assert_eq 0 "$(cat "$root/decoy/sys/net/ipv4/ip_forward")"
    assert_eq "$host_before" "$(host_files_state)" "host sysctls"
}

# --- T-MASK ----------------------------------------------------------------------------------

# The masks as the container sees them: keys and timer_list are 1:3, /proc/acpi (if any) is
# empty, and /proc/sys/kernel/core_pattern cannot be written.
MASK_CHECK='stat -c "%F %t:%T" /proc/keys /proc/timer_list; if [ -d /proc/acpi ]; then ls -A /proc/acpi | wc -l; else echo 0; fi
    if echo x 2>&- >/proc/sys/kernel/core_pattern; then echo core_pattern-written; else echo core_pattern-refused; fi'
MASK_EXPECTED=$'character special file 1:3\ncharacter special file 1:3\n0\ncore_pattern-refused'

# T-MASK-1: the rootfs's /dev/null (no /dev tmpfs) is a symlink to core_pattern or to a
# sentinel, a regular file, a FIFO or the wrong device.
case_mask_1() {
    local S root b id shape out rc host_before
    S=$(make_sentinel mask1)
    echo keep >"$S/f"
    record_sentinel "$S"
    host_before=$(host_files_state)
    for shape in core_pattern sentinel file fifo wrong-device; do
        root=$(copy_rootfs mask1)
        rm -f "$root/dev/null"
        case $shape in
            core_pattern) ln -s /proc/sys/kernel/core_pattern "$root/dev/null" ;;
            sentinel) ln -s "$S/f" "$root/dev/null" ;;
            file) echo x >"$root/dev/null" ;;
            fifo) mkfifo "$root/dev/null" ;;
            wrong-device) mknod "$root/dev/null" c 1 5 ;;
        esac
        b=$(make_bundle_on "$root" mask1 sh -c "$MASK_CHECK")
        drop_mounts "$b" "${DEV_MOUNTS[@]}"
        id=$(new_id mask1)
        t_defer oci delete --force "$id"
        rc=0
        out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
        echo "/dev/null as $shape: exit $rc: $out"
        [ $rc -ne 0 ] || assert_eq "$MASK_EXPECTED" "$out" "/dev/null as $shape"
        check_sentinel "$S"
        assert_eq "$host_before" "$(host_files_state)"
    done
}

# T-MASK-2, deterministic: paused after the runtime checked /dev/null, the test swaps it for
# a symlink; the masks must use the checked inode.
case_mask_2_paused() {
    require_fault_points
    local S root b id out host_before target
    S=$(make_sentinel mask2p)
    echo keep >"$S/f"
    record_sentinel "$S"
    host_before=$(host_files_state)
    for target in "$S/f" /proc/sys/kernel/core_pattern; do
        root=$(copy_rootfs mask2p)
        b=$(make_bundle_on "$root" mask2p sh -c "$MASK_CHECK")
        drop_mounts "$b" "${DEV_MOUNTS[@]}"
        id=$(new_id mask2p)
        t_defer oci delete --force "$id"
        fp_dir
        fp_oci pause.mask-null-verified create --bundle "$b" "$id" >"$T_CASE_DIR/create.out" 2>&1 &
        fp_wait pause.mask-null-verified >/dev/null
        mv "$root/dev/null" "$root/dev/null.checked"
        ln -s "$target" "$root/dev/null"
        fp_release pause.mask-null-verified
        wait $! || { cat "$T_CASE_DIR/create.out" >&2; false; }
        oci start "$id"
        wait_until 10 has_status "$id" stopped
        out=$(cat "$T_CASE_DIR/create.out")
        assert_eq "$MASK_EXPECTED" "$out" "/dev/null swapped for a symlink to $target"
        oci delete --force "$id"
        check_sentinel "$S"
        assert_eq "$host_before" "$(host_files_state)"
    done
}

# T-MASK-2, race: a loop flips /dev/null between the device and a symlink to the sentinel.
case_mask_2_race() {
    local S root b id i stop rc out bad=0 fails=0
    S=$(make_sentinel mask2r)
    echo keep >"$S/f"
    record_sentinel "$S"
    root=$(copy_rootfs mask2r)
    ln -s "$S/f" "$root/dev/evil"
    b=$(make_bundle_on "$root" mask2r sh -c "$MASK_CHECK")
    drop_mounts "$b" "${DEV_MOUNTS[@]}"
    stop=$T_TMP/stop-mask2r
    # The runtime replaces a /dev/null that is not a device; the loop keeps swapping whatever
    # is there with the symlink.
    python3 "$RACE_SWAP" --until "$stop" "$root/dev/null" "$root/dev/evil" >"$T_CASE_DIR/swaps" 2>&1 &
    t_defer touch "$stop"
    for ((i = 0; i < OCIRUN_RACE_ITERS; i++)); do
        id=$(new_id mask2r)
        rc=0
        out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
        oci delete --force "$id" >/dev/null 2>&1 || true
        if [ $rc -ne 0 ]; then
            fails=$((fails + 1))
        elif [ "$out" != "$MASK_EXPECTED" ]; then
            bad=$((bad + 1))
            echo "run $i: $out"
        fi
    done
    touch "$stop"
    wait $! || true
    echo "$OCIRUN_RACE_ITERS runs, $fails failed, $(cat "$T_CASE_DIR/swaps") swaps"
    check_sentinel "$S"
    assert_eq 0 "$bad" "runs whose masks were not the null device"
}

# T-MASK-3: a missing masked path is ignored; any other error fails the create; the mask type
# comes from the inode.
case_mask_3() {
    local root b id
    root=$(copy_rootfs mask3)
    mkdir -p "$root/etc/secret-dir"
    echo secret >"$root/etc/secret-dir/x"
    ln -s /etc/secret-dir "$root/etc/link-to-dir"
    ln -s /etc/loop "$root/etc/loop"
    b=$(make_bundle_on "$root" mask3 sh -c 'ls -A /etc/secret-dir | wc -l; stat -c %F /etc/passwd')
    edit_config "$b" '.linux.maskedPaths = ["/nonexistent", "/etc/link-to-dir", "/etc/passwd", "/proc/kcore"]'
    id=$(new_id mask3)
    t_defer oci delete --force "$id"
    assert_eq "$(printf '0\ncharacter special file')" "$(oci run --bundle "$b" "$id")"
    for bad in /etc/passwd/x /etc/loop; do
        b=$(make_bundle_on "$root" mask3bad true)
        edit_config "$b" '.linux.maskedPaths = [$p]' --arg p "$bad"
        id=$(new_id mask3)
        t_defer oci delete --force "$id"
        assert_fails oci run --bundle "$b" "$id"
        echo "masking $bad: $ERR"
        assert_eq "" "$(attack_state_entries)"
    done
}

# --- T-CONS ----------------------------------------------------------------------------------

# Receives one fd on the console socket SOCK and prints what is read from it until EOF.
console_listener() {
    python3 - "$1" <<'EOF' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(64, socket.CMSG_LEN(fds.itemsize))
for level, kind, data in anc:
    fds.frombytes(data[:fds.itemsize])
out = b""
while True:
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
EOF
    wait_until 10 test -S "$1"
    # Rootless, the user's runtime connects to it.
    give_user "$1"
}

# T-CONS-1 (and T-DEV-2): /dev/console and /dev/pts entries of the rootfs are symlinks to
# core_pattern or to a host path that does not exist; the console must be the pty, masks and
# read-only /proc/sys must hold, nothing is created on the host.
case_cons_1() {
    local S root b id sock out shape dev_mount host_before
    S=$(make_sentinel cons1)
    record_sentinel "$S"
    host_before=$(host_files_state)
    for dev_mount in without-dev-tmpfs with-dev-tmpfs; do
        for shape in core_pattern missing-host-path; do
            root=$(copy_rootfs cons1)
            rm -f "$root/dev/console"
            mkdir -p "$root/dev/pts"
            case $shape in
                core_pattern) ln -s /proc/sys/kernel/core_pattern "$root/dev/console" ;;
                missing-host-path) ln -s "$S/created/file" "$root/dev/console" ;;
            esac
            ln -sf "$S/ptmx" "$root/dev/pts/ptmx"
            ln -sf "$S/pts0" "$root/dev/pts/0"
            b=$(make_bundle_on "$root" cons1 sh -c "stat -c '%F %t' /dev/console; $MASK_CHECK")
            edit_config "$b" '.process.terminal = true'
            [ $dev_mount = with-dev-tmpfs ] || drop_mounts "$b" /dev /dev/shm /dev/mqueue
            id=$(new_id cons1)
            t_defer oci delete --force "$id"
            sock=$T_TMP/cons1-$id.sock
            console_listener "$sock" >"$T_CASE_DIR/console.out"
            oci create --console-socket "$sock" --bundle "$b" "$id"
            oci start "$id"
            wait_until 10 has_status "$id" stopped
            wait
            out=$(cat "$T_CASE_DIR/console.out")
            echo "$dev_mount, /dev/console -> $shape: $out"
            assert_eq "character special file 88"$'\n'"$MASK_EXPECTED" "$out"
            oci delete --force "$id"
            check_sentinel "$S"
            [ ! -e "$S/created" ]
            [ ! -e "$root$S/created" ] || { echo "a file was created in the rootfs at the link's target" >&2; false; }
            assert_eq "$host_before" "$(host_files_state)"
        done
    done
}

# --- T-DEV -----------------------------------------------------------------------------------

# T-DEV-1: the rootfs's /dev is a symlink to a host dir; no device node or link may be made
# there, with the root read-only or not, with an extra linux.devices entry.
case_dev_1() {
    local S root b id ro out rc
    S=$(make_sentinel dev1)
    mkdir -p "$S/outside-dev"
    echo marker >"$S/outside-dev/ptmx"
    record_sentinel "$S"
    for ro in 0 1; do
        root=$(copy_rootfs dev1)
        rm -rf "${root:?}/dev"
        ln -s "$S/outside-dev" "$root/dev"
        b=$(RO=$ro make_bundle_on "$root" dev1 sh -c 'stat -c "%n %F %t:%T" /dev/null /dev/fuse')
        drop_mounts "$b" "${DEV_MOUNTS[@]}" /sys /sys/fs/cgroup
        edit_config "$b" '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]'
        id=$(new_id dev1)
        t_defer oci delete --force "$id"
        rc=0
        out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
        echo "readonly=$ro: exit $rc: $out"
        check_sentinel "$S"
        assert_eq ptmx "$(ls -A "$S/outside-dev")"
        if [ $rc -eq 0 ]; then
            assert_eq "$(printf '/dev/null character special file 1:3\n/dev/fuse character special file a:e5')" "$out"
            # Made inside the rootfs, where the link leads from its root (rootless: the file
            # the host's node is bound onto, in the container's mount namespace only).
            if mode_rootless; then [ -f "$root$S/outside-dev/null" ]; else [ -c "$root$S/outside-dev/null" ]; fi
            [ -L "$root$S/outside-dev/ptmx" ]
        fi
    done
}

# --- T-DEVNULL -------------------------------------------------------------------------------

# T-DEVNULL-1: /dev/null is a symlink to a host file bind-mounted into the container; the
# process runs as uid 1000 with pipes as stdio. The victim keeps owner, mode and content.
case_devnull_1() {
    local S root b id out
    S=$(make_sentinel devnull1)
    echo victim >"$S/victim"
    chmod 0600 "$S/victim"
    record_sentinel "$S"
    root=$(copy_rootfs devnull1)
    touch "$root/hostfile"
    rm -f "$root/dev/null"
    ln -s /hostfile "$root/dev/null"
    b=$(make_bundle_on "$root" devnull1 sh -c 'probe fds; stat -c "%F %t:%T" /dev/null')
    drop_mounts "$b" "${DEV_MOUNTS[@]}"
    add_mount "$b" /hostfile bind "$S/victim" bind
    edit_config "$b" '.process.user = {uid: 1000, gid: 1000}'
    map_subids "$b"
    id=$(new_id devnull1)
    t_defer oci delete --force "$id"
    out=$(echo input | oci run --bundle "$b" "$id" 2>&1) || true
    echo "$out"
    assert_not_contains "$out" hostfile
    assert_not_contains "$out" victim
    check_sentinel "$S"
}

# T-DEVNULL-2: exec --user 1000:1000 with /dev/null as stdin leaves the host's /dev/null as it
# was (runc #3674).
case_devnull_2() {
    local b id before
    before=$(stat -c '%U:%G %a %t:%T' /dev/null)
    b=$(make_bundle devnull2 probe sleep 1000)
    map_subids "$b"
    id=$(new_id devnull2)
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null
    oci exec -d --user 1000:1000 "$id" id </dev/null >/dev/null
    oci exec --user 1000:1000 "$id" true </dev/null
    assert_eq "$before" "$(stat -c '%U:%G %a %t:%T' /dev/null)"
    assert_eq "root:root 666 1:3" "$(stat -c '%U:%G %a %t:%T' /dev/null)"
}

# --- T-WRITE ---------------------------------------------------------------------------------

# T-WRITE-1: every path the runtime creates in the rootfs (device nodes, /dev links, ptmx,
# console, mount-point files and directories) is pre-planted as a symlink to a sentinel path,
# existing or not. No sentinel may be created or changed.
case_write_1() {
    local S root b id variant name out rc
    local created=(dev/null dev/zero dev/full dev/random dev/urandom dev/tty dev/fuse dev/ptmx dev/fd
        dev/stdin dev/stdout dev/stderr dev/console mnt/file mnt/dir)
    S=$(make_sentinel write1)
    for variant in target-exists target-missing; do
        rm -rf "${S:?}/w"
        mkdir -p "$S/w"
        if [ $variant = target-exists ]; then
            for name in "${created[@]}"; do echo "keep ${name//\//-}" >"$S/w/${name//\//-}"; done
        fi
        record_sentinel "$S"
        root=$(copy_rootfs write1)
        for name in "${created[@]}"; do
            rm -rf "${root:?}/$name"
            ln -s "$S/w/${name//\//-}" "$root/$name"
        done
        echo bound >"$T_TMP/write1-file"
        mkdir -p "$T_TMP/write1-dir"
        b=$(make_bundle_on "$root" write1 sh -c 'cat /mnt/file; stat -c "%F %t:%T" /dev/null')
        drop_mounts "$b" /dev /dev/shm /dev/mqueue
        add_mount "$b" /mnt/file bind "$T_TMP/write1-file" bind
        add_mount "$b" /mnt/dir bind "$T_TMP/write1-dir" bind
        edit_config "$b" '.process.terminal = true
            | .linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]'
        id=$(new_id write1)
        t_defer oci delete --force "$id"
        local sock=$T_TMP/write1-$id.sock
        console_listener "$sock" >"$T_CASE_DIR/console.out"
        rc=0
        oci create --console-socket "$sock" --bundle "$b" "$id" 2>"$T_CASE_DIR/create.err" || rc=$?
        if [ $rc -eq 0 ]; then
            oci start "$id"
            wait_until 10 has_status "$id" stopped
            wait
            out=$(cat "$T_CASE_DIR/console.out")
            assert_eq "$(printf 'bound\ncharacter special file 1:3')" "$out" "$variant"
        else
            kill %% 2>/dev/null || true
            wait || true
            echo "$variant: create failed: $(cat "$T_CASE_DIR/create.err")"
        fi
        oci delete --force "$id" 2>/dev/null || true
        check_sentinel "$S"
    done
}

# T-WRITE-1, lint: the code that works on the rootfs makes no string-path creates, no
# truncating opens, no O_CREAT without O_EXCL.
case_write_1_lint() {
    local files hits
    files=$(ls "$T_SRC_DIR"/lib/linux/{rootfs,safe_path,devices,masked_paths,terminal,cgroup_mount}.cpp)
    # shellcheck disable=SC2086
    hits=$(grep -nE 'O_TRUNC|create_directories|[^a-z_]::(mkdir|mknod|chown|chmod|lchown|creat|symlink|unlink|rmdir)\(' $files || true)
    # shellcheck disable=SC2086
    hits+=$(grep -nE 'O_CREAT' $files | grep -vE '^[^:]*:[0-9]+: *//'  | grep -vE 'O_CREAT \| O_EXCL \| O_NOFOLLOW|O_CREAT\|O_EXCL\|O_NOFOLLOW|creates\(|O_CREAT never|flags & O_CREAT' || true)
    if [ -n "$hits" ]; then
        echo "rootfs code with string-path creates or truncating/following opens:" >&2
        echo "$hits" >&2
        return 1
    fi
}

# --- T-RO ------------------------------------------------------------------------------------

# T-RO-1: the read-only root and readonlyPaths are really read-only, also when a readonly path
# is a symlink in the image; one that leads to the root itself hides no mask.
case_ro_1() {
    local root b id out link
    for link in none magic root; do
        root=$(copy_rootfs ro1)
        mkdir -p "$root/etc/x"
        case $link in
            magic) rm -rf "${root:?}/etc/x"; ln -s /proc/self/cwd "$root/etc/x" ;;
            root) rm -rf "${root:?}/etc/x"; ln -s / "$root/etc/x" ;;
        esac
        b=$(RO=1 make_bundle_on "$root" ro1 sh -c '
            touch /x 2>&1 | grep -o "Read-only file system" || echo touched
            echo 1 >/proc/sys/kernel/shm_rmid_forced 2>/dev/null && echo sys-written || echo sys-refused
            touch /etc/x/y 2>/dev/null && echo etc-x-written || echo etc-x-refused
            [ "$(head -c1 /proc/timer_list | wc -c)" = 0 ] && echo masked || echo timer-list-visible
            awk "\$5 == \"/\" { print \$6 }" /proc/self/mountinfo | cut -d, -f1 | tail -n1')
        edit_config "$b" '.linux.readonlyPaths = ["/proc/sys", "/etc/x"]'
        id=$(new_id ro1)
        t_defer oci delete --force "$id"
        if [ $link = magic ]; then
            assert_fails oci run --bundle "$b" "$id"
            echo "/etc/x -> /proc/self/cwd: $ERR"
            continue
        fi
        out=$(oci run --bundle "$b" "$id")
        assert_eq "$(printf 'Read-only file system\nsys-refused\netc-x-refused\nmasked\nro')" "$out" "/etc/x as $link"
    done
}

t_case "$(name "T-MNT-1 mount targets under symlink shapes resolve inside the rootfs")" case_mnt_1
t_case "$(name "T-MNT-2 a swap after the target was resolved cannot move the mount (paused)")" case_mnt_2_paused
# The race loops run OCIRUN_RACE_ITERS containers each: more time than one case gets.
T_CASE_TIMEOUT=$((120 + 3 * OCIRUN_RACE_ITERS)) \
    t_case "$(name "T-MNT-2 mounts below a dir flipped with a symlink ($OCIRUN_RACE_ITERS runs)")" case_mnt_2_race
t_case "$(proc_name "T-PROC-1 only procfs on /proc, nothing below it, under any spelling")" case_proc_1
t_case "$(proc_name "T-PROC-2 a symlinked or file /proc or /sys is refused")" case_proc_2
t_case "$(proc_name "T-PROCFS-2 sysctls apply in the container only; a decoy /proc fails the create")" case_procfs_2
t_case "$(name "T-MASK-1 masks never use a /dev/null that is not the null device")" case_mask_1
t_case "$(name "T-MASK-2 /dev/null swapped after the check: masks use the checked inode (paused)")" case_mask_2_paused
T_CASE_TIMEOUT=$((120 + 3 * OCIRUN_RACE_ITERS)) \
    t_case "$(name "T-MASK-2 /dev/null flipped with a symlink ($OCIRUN_RACE_ITERS runs)")" case_mask_2_race
t_case "$(name "T-MASK-3 missing masked paths are ignored, other errors fail, type from the inode")" case_mask_3
t_case "$(name "T-CONS-1 /dev/console is the pty whatever the rootfs holds; masks after it")" case_cons_1
t_case "$(name "T-DEV-1 a /dev symlink to the host gets no device nodes")" case_dev_1
t_case "$(name "T-DEVNULL-1 stdio never reopened onto a /dev/null symlink to a host file")" case_devnull_1
t_case "$(name "T-DEVNULL-2 exec --user leaves the host's /dev/null alone")" case_devnull_2
t_case "$(name "T-WRITE-1 nothing the runtime writes follows a planted symlink")" case_write_1
mode_no_openat2 || t_case "T-WRITE-1 lint: no string-path creates or truncating opens in rootfs code" case_write_1_lint
t_case "$(name "T-RO-1 read-only root and readonlyPaths hold, also through symlinks")" case_ro_1
t_done
