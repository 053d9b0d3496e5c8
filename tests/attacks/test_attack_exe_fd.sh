#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# Attacks on the runtime's own process: its binary (T-EXE, CVE-2019-5736), its fds and the
# process cwd (T-FD, CVE-2024-21626), and its setup processes (T-DUMP, CVE-2016-9962). The
# runtime under attack is a copy of the build in the case's temp dir, never an installed one.
# shellcheck source-path=SCRIPTDIR source=lib_attacks.sh
source "$(dirname "$0")/lib_attacks.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file
attack_setup_mode
: "${ATTACK_HELPER:=$T_SRC_DIR/build/tests/attacks/attack}"
[ -x "$ATTACK_HELPER" ] || t_bail_out "the attack helper is not built ($ATTACK_HELPER)"

name() {
    if mode_no_openat2; then
        printf '%s [openat2 blocked]' "$1"
    else
        printf '%s' "$1"
    fi
}

# Copies the runtime to $T_TMP/bin/ocirun and points OCIRUN (or the wrapper) at the copy.
# Rootless, the copy is the user's own, writable by it: only the sealing keeps it intact.
use_runtime_copy() {
    mkdir -p "$T_TMP/bin"
    install -m 0755 "$OCIRUN_REAL" "$T_TMP/bin/ocirun"
    give_user "$T_TMP/bin/ocirun"
    if mode_no_openat2; then
        export NO_OPENAT2_EXEC=$T_TMP/bin/ocirun
    else
        OCIRUN=$T_TMP/bin/ocirun
    fi
}

# A rootfs copy with the attack helper in it.
rootfs_with_helper() {
    local root
    root=$(copy_rootfs "$1")
    install -m 0755 "$ATTACK_HELPER" "$root/bin/attack"
    echo "$root"
}

# Fails unless every fd target in the list (from `attack fds` or host_fds) is harmless: no
# directory, no regular file except the sealed runtime copy. Fds 0-2 are the caller's stdio,
# passed on by design.
assert_fds_harmless() {
    local listing=$1 line
    while IFS= read -r line; do
        case $line in
            fd=[012]" "*) ;;
            fd=*" dir "*) echo "a directory fd is open: $line" >&2; return 1 ;;
            fd=*" file /memfd:ocirun (deleted)" | fd=*" file anon_inode:"*) ;;
            fd=*" file "*) echo "a regular file fd is open: $line" >&2; return 1 ;;
            secret=*) echo "the host sentinel was read: $line" >&2; return 1 ;;
        esac
    done <<<"$listing"
}

# --- T-EXE -----------------------------------------------------------------------------------

# T-EXE-1: a created container's init runs from a view of the runtime that cannot be
# written: as root a read-only overlayfs; rootless, or with the new mount API blocked (the
# @no-openat2 mode blocks fsopen too), a sealed memfd.
case_exe_1() {
    use_runtime_copy
    local sum b id pid expect=overlay
    if mode_rootless || mode_no_openat2; then expect=memfd; fi
    sum=$(sha256sum <"$T_TMP/bin/ocirun")
    b=$(make_bundle exe1 sleep 100)
    id=$(new_id exe1)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    pid=$(pid_of "$id")
    echo "exe: $(readlink "/proc/$pid/exe")"
    assert_sealed_exe "$pid" "$expect"
    oci delete --force "$id"
    assert_eq "$sum" "$(sha256sum <"$T_TMP/bin/ocirun")"
}

# T-EXE-2: the CVE-2019-5736 replay. /bin/sh is `#!/proc/self/exe`; pid 1 grabs the exe of
# every process that appears and tries to write to it, also after it exits, while the host
# runs 50 execs of /bin/sh and a container runs /proc/self/exe.
case_exe_2() {
    use_runtime_copy
    local sum root b id i report=$T_TMP/exe2-report rc
    sum=$(sha256sum <"$T_TMP/bin/ocirun")
    root=$(rootfs_with_helper exe2)
    rm -f "$root/bin/sh"
    printf '#!/proc/self/exe\n' >"$root/bin/sh"
    chmod 0755 "$root/bin/sh"
    mkdir -p "$report"
    give_user "$report"
    # The container's root could write the programs of its own processes on a writable rootfs:
    # read-only, a write the helper reports can only be to the runtime.
    b=$(RO=1 make_bundle_on "$root" exe2 /bin/attack exe-watch /report/result 20)
    add_mount "$b" /report bind "$report" rbind
    edit_config "$b" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
        --argjson c '["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_SYS_ADMIN"]'
    id=$(new_id exe2)
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null
    # A process of the container's own, for the helper to see: rootless, the runtime's joining
    # processes are not even open to the container's root (their memory belongs to the host's
    # user namespace until they exec), so without it the helper could see nothing at all.
    oci exec "$id" probe sleep 2 >/dev/null
    local out
    for ((i = 0; i < 50; i++)); do
        rc=0
        out=$(oci_timeout 20 exec "$id" /bin/sh -c true 2>&1) || rc=$?
        [ "$i" -ne 0 ] || echo "exec 0: exit $rc: ${out:0:200}"
        [ $rc -ne 124 ] || { echo "exec $i hung" >&2; false; }
    done
    # A container whose process is the runtime's own executable.
    b=$(make_bundle_on "$root" exe2-self /proc/self/exe --version)
    local id2
    id2=$(new_id exe2-self)
    t_defer oci delete --force "$id2"
    oci_timeout 20 run --bundle "$b" "$id2" >/dev/null 2>&1 || true
    wait_until 30 test -s "$report/result"
    echo "helper: $(cat "$report/result")"
    # Opening a sealed memfd for writing succeeds once its process is gone (seals act on
    # writes, not opens); what must never succeed is a write. An overlay view refuses both.
    assert_contains "$(cat "$report/result")" "writes=0"
    [[ $(cat "$report/result") != seen=0* ]] || { echo "the helper saw no process: the replay tested nothing" >&2; false; }
    assert_eq "$sum" "$(sha256sum <"$T_TMP/bin/ocirun")"
    oci delete --force "$id"
}

# --- T-FD ------------------------------------------------------------------------------------

# Lists the fds of host pid PID as `fd=N kind target` lines (the attack helper's format).
host_fds() {
    local fd target kind
    for fd in /proc/"$1"/fd/*; do
        target=$(readlink "$fd") || continue
        if [ -d "$fd" ]; then kind="dir"; elif [ -f "$fd" ]; then kind="file"; else kind="other"; fi
        echo "fd=${fd##*/} $kind $target"
    done
}

# T-FD-1: the fds of a created init and of an exec process paused before it joins the
# container: no directory, no host file.
case_fd_1() {
    local b id pid out line
    b=$(make_bundle fd1 sleep 100)
    id=$(new_id fd1)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    pid=$(pid_of "$id")
    out=$(host_fds "$pid")
    echo "init: $out"
    assert_fds_harmless "$out"
    while IFS= read -r line; do
        case ${line#fd=* * } in
            /dev/null | /dev/pts/* | pipe:* | socket:* | anon_inode:* | */exec.fifo | */start.status | "/memfd:ocirun (deleted)") ;;
            *) echo "unexpected fd target: $line" >&2; false ;;
        esac
    done <<<"$out"
    oci start "$id"
    require_fault_points
    fp_dir
    fp_oci pause.exec-joining exec "$id" true >/dev/null 2>&1 &
    local fp_pid=$!
    fp_wait pause.exec-joining >/dev/null
    # The paused process is the clone of `ocirun exec` that is in the container's pid namespace.
    local victim found=0
    for victim in $(pgrep -f "exec $id true"); do
        [ "$(awk '$1 == "NSpid:" { print NF }' "/proc/$victim/status")" = 3 ] || continue
        found=1
        out=$(host_fds "$victim")
        echo "exec process $victim: $out"
        assert_fds_harmless "$out"
    done
    assert_eq 1 "$found" "the paused exec process was found"
    fp_release pause.exec-joining
    wait "$fp_pid"
}

# T-FD-2: process.cwd and args[0] through /proc/self/fd/N: fail, or stay inside the rootfs.
case_fd_2() {
    local S b id n rc out
    S=$(make_sentinel fd2)
    record_sentinel "$S"
    local secret
    secret=$(cat "$S/secret")
    for n in $(seq 3 32); do
        b=$(make_bundle fd2 cat "../../../../../../..$S/secret")
        edit_config "$b" '.process.cwd = $cwd' --arg cwd "/proc/self/fd/$n"
        id=$(new_id fd2)
        t_defer oci delete --force "$id"
        rc=0
        out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
        assert_not_contains "$out" "$secret" "cwd /proc/self/fd/$n"
        [ $rc -ne 0 ] || { echo "cwd /proc/self/fd/$n was accepted: $out" >&2; false; }
        b=$(make_bundle fd2 "/proc/self/fd/$n/../../../../../../..$S/../../bin/cat" "$S/secret")
        id=$(new_id fd2)
        t_defer oci delete --force "$id"
        rc=0
        out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
        assert_not_contains "$out" "$secret" "args[0] through /proc/self/fd/$n"
    done
    check_sentinel "$S"
    assert_eq "" "$(attack_state_entries)"
}

# T-FD-3: exec --cwd through a symlink to /proc/self/fd/N made inside the container.
case_fd_3() {
    local root b id n rc
    root=$(copy_rootfs fd3)
    b=$(make_bundle_on "$root" fd3 sh -c 'for n in 3 4 5 6 7 8 9 10; do ln -s /proc/self/fd/$n /evil$n; done; exec probe sleep 1000')
    id=$(new_id fd3)
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null
    wait_until 10 test -L "$root/evil10"
    for n in 3 4 5 6 7 8 9 10; do
        assert_fails oci exec --cwd "/evil$n" "$id" pwd
        echo "--cwd /evil$n: exit $RC: $ERR"
    done
    # No exec process stayed behind: only the init runs.
    assert_eq 1 "$(container_pids "$id" | wc -l)"
}

# T-FD-4: fds the caller leaks (no CLOEXEC, a host directory among them) never reach the
# container; --preserve-fds passes exactly the ones asked for. Through run and exec.
case_fd_4() {
    local b id out
    b=$(make_bundle fd4 probe fds)
    id=$(new_id fd4)
    t_defer oci delete --force "$id"
    out=$(exec 7</etc 100</etc; oci run --bundle "$b" "$id")
    assert_eq "0 1 2" "$(grep -o '^fd=[0-9]*' <<<"$out" | cut -d= -f2 | xargs)" "$out"
    id=$(new_id fd4)
    t_defer oci delete --force "$id"
    out=$(exec 3</etc/hostname 7</etc 100</etc; oci run --preserve-fds 1 --bundle "$b" "$id")
    assert_eq "0 1 2 3" "$(grep -o '^fd=[0-9]*' <<<"$out" | cut -d= -f2 | xargs)" "$out"
    b=$(make_bundle fd4x probe sleep 1000)
    id=$(new_id fd4)
    t_defer oci delete --force "$id"
    oci run -d --bundle "$b" "$id" >/dev/null
    out=$(exec 7</etc 100</etc; oci exec "$id" probe fds)
    assert_eq "0 1 2" "$(grep -o '^fd=[0-9]*' <<<"$out" | cut -d= -f2 | xargs)" "$out"
    out=$(exec 3</etc/hostname 7</etc 100</etc; oci exec --preserve-fds 1 "$id" probe fds)
    assert_eq "0 1 2 3" "$(grep -o '^fd=[0-9]*' <<<"$out" | cut -d= -f2 | xargs)" "$out"
}

# --- T-DUMP ----------------------------------------------------------------------------------

# T-DUMP-1: an exec process paused where it is already in the container's pid namespace,
# attacked from inside: by a container with default caps (everything must fail) and by one
# that holds CAP_SYS_PTRACE (the worst case: no fd of it may lead to the host). Paused where it
# joins the other namespaces, and (default caps) at its birth, before it has done anything:
# still dumpable then, it is out of reach because it holds capabilities the container lacks.
case_dump_1() {
    require_fault_points
    local S root b id caps point pid out
    S=$(make_sentinel dump1)
    record_sentinel "$S"
    root=$(rootfs_with_helper dump1)
    for attempt in default:pause.exec-joining ptrace:pause.exec-joining default:pause.exec-born; do
        caps=${attempt%%:*}
        point=${attempt#*:}
        b=$(make_bundle_on "$root" dump1 probe sleep 1000)
        if [ $caps = ptrace ]; then
            edit_config "$b" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
                --argjson c '["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_KILL"]'
        fi
        id=$(new_id dump1)
        t_defer oci delete --force "$id"
        oci run -d --bundle "$b" "$id" >/dev/null
        fp_dir
        fp_oci "$point" exec "$id" probe pid >"$T_CASE_DIR/exec.out" 2>&1 &
        local fp_pid=$!
        pid=$(fp_wait "$point")
        echo "caps $caps, $point: paused exec process is pid $pid in the container"
        out=$(oci exec "$id" sh -c "attack ptrace $pid; attack fds $pid '$S/secret';
            cat /proc/$pid/environ >/dev/null 2>&1 && echo environ=ok || echo environ=refused
            readlink /proc/$pid/exe >/dev/null 2>&1 && echo exe=ok || echo exe=refused")
        echo "$out"
        fp_release "$point"
        wait "$fp_pid" || { cat "$T_CASE_DIR/exec.out" >&2; false; }
        # After the release the exec'd program runs normally.
        assert_contains "$(cat "$T_CASE_DIR/exec.out")" "pid="
        assert_fds_harmless "$out"
        if [ $caps = default ]; then
            assert_contains "$out" "ptrace=error=EPERM"
            # Listing /proc/<pid>/fd may work; following any entry must not.
            if grep -E '^fd=[0-9]+ ' <<<"$out" | grep -vE '^fd=[0-9]+ EACCES error=EACCES$' >&2; then
                echo "fds of the non-dumpable process were readable (above)" >&2
                false
            fi
            assert_contains "$out" "environ=refused"
            assert_contains "$out" "exe=refused"
        fi
        oci delete --force "$id"
    done
    check_sentinel "$S"
}

t_case "$(name "T-EXE-1 the init runs from a sealed view of the runtime; its file stays unwritable")" case_exe_1
t_case "$(name "T-EXE-2 the CVE-2019-5736 replay writes nothing (50 execs, /proc/self/exe)")" case_exe_2
t_case "$(name "T-FD-1 the init's and a joining exec's fds hold no directory or host file")" case_fd_1
t_case "$(name "T-FD-2 cwd and args[0] through /proc/self/fd/N never reach the host")" case_fd_2
t_case "$(name "T-FD-3 exec --cwd through a symlink to /proc/self/fd/N fails")" case_fd_3
t_case "$(name "T-FD-4 leaked caller fds never reach the container; --preserve-fds exact")" case_fd_4
t_case "$(name "T-DUMP-1 a joining exec process cannot be ptraced or read from the container")" case_dump_1
t_done
