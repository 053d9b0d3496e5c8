#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# File descriptors and the runtime binary: the container gets 0, 1, 2 (and --preserve-fds),
# nothing else of ocirun's; the init runs from a sealed in-memory copy of ocirun, so the host
# binary cannot be reached for writing from a container (CVE-2019-5736).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

case_only_stdio() {
    local b id out
    b=$(make_bundle fds probe fds)
    id=$(new_id fds)
    t_defer oci delete --force "$id"
    # Extra fds open in the caller, one of them without close-on-exec on a directory.
    out=$(exec 7</etc/hostname 8<"$T_TMP" 9>"$T_TMP/fd9"; oci run --bundle "$b" "$id")
    assert_eq 3 "$(grep -c '^fd=' <<<"$out")" "fds seen: $out"
    assert_contains "$out" "fd=0 /dev/null"
    grep -q '^fd=1 ' <<<"$out"
    grep -q '^fd=2 ' <<<"$out"
    assert_not_contains "$out" "fd=7"
    assert_not_contains "$out" "hostname"
}

case_preserve_fds() {
    local b id out
    echo from-fd-3 >"$T_TMP/fd3.in"
    : >"$T_TMP/fd4.out"
    b=$(make_bundle preserve sh -c 'probe fds; cat <&3; echo via-fd-4 >&4')
    id=$(new_id preserve)
    t_defer oci delete --force "$id"
    out=$(exec 3<"$T_TMP/fd3.in" 4>"$T_TMP/fd4.out" 5</etc/hostname
        oci run --preserve-fds 2 --bundle "$b" "$id")
    grep -q '^fd=3 ' <<<"$out" || { echo "fd 3 not passed: $out" >&2; false; }
    grep -q '^fd=4 ' <<<"$out" || { echo "fd 4 not passed: $out" >&2; false; }
    assert_eq 5 "$(grep -c '^fd=' <<<"$out")" "only 0-4: $out"
    assert_eq from-fd-3 "$(tail -n1 <<<"$out")"
    assert_eq via-fd-4 "$(cat "$T_TMP/fd4.out")"
    # The same through create + start.
    id=$(new_id preserve)
    t_defer oci delete --force "$id"
    : >"$T_TMP/fd4.out"
    (exec 3<"$T_TMP/fd3.in" 4>"$T_TMP/fd4.out"
        oci create --preserve-fds 2 --bundle "$b" "$id" >"$T_CASE_DIR/create.out" 2>"$T_CASE_DIR/create.err")
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    assert_eq via-fd-4 "$(cat "$T_TMP/fd4.out")"
    assert_eq from-fd-3 "$(tail -n1 "$T_CASE_DIR/create.out")"
}

# As root, where overlayfs can be mounted, the view is an overlay: no copy to make.
case_init_is_sealed() {
    local b id pid sum
    b=$(make_bundle sealed probe sleep 1000)
    id=$(new_id sealed)
    oci create --bundle "$b" "$id" >/dev/null 2>&1
    t_defer oci delete --force "$id"
    pid=$(pid_of "$id")
    # Not writable, even by root on the host.
    assert_sealed_exe "$pid" overlay
    # ocirun's content, not its file.
    sum=$(sha256sum <"$OCIRUN")
    assert_eq "$sum" "$(sha256sum <"/proc/$pid/exe")"
    # After start it is the container's program.
    oci start "$id"
    assert_eq /bin/probe "$(readlink "/proc/$pid/exe")"
    oci delete --force "$id"
}

# The static x86-64 build re-executes from the view at its entry point, before the C library
# starts (create, run and exec only); the sealed image says so in its debug log.
case_reexec_at_entry() {
    local b id
    if [ "$(uname -m)" != x86_64 ] || readelf -lW "$OCIRUN" | grep -q INTERP; then
        skip "ocirun is not a static x86-64 program: it re-executes from main"
    fi
    b=$(make_bundle entry probe sleep 1000)
    id=$(new_id entry)
    t_defer oci delete --force "$id"
    assert_exit 0 "$OCIRUN" --root "$T_ROOT" --debug create --bundle "$b" "$id"
    assert_contains "$ERR" "re-executed at the program's entry point"
    assert_sealed_exe "$(pid_of "$id")" overlay >/dev/null
    oci start "$id"
    assert_exit 0 "$OCIRUN" --root "$T_ROOT" --log-format json --debug exec "$id" true
    assert_contains "$ERR" "re-executed at the program's entry point"
    # Commands that enter no container are not re-executed at all.
    assert_exit 0 "$OCIRUN" --root "$T_ROOT" --debug state "$id"
    [[ $ERR != *overlayfs* ]] || { echo "state was re-executed: $ERR" >&2; return 1; }
}

# A second container in the first one's pid namespace sees the created init as its pid 1 and,
# with every capability that matters, tries to open its executable for writing.
case_host_binary_unreachable() {
    local a bb ida idb apid sum out caps
    sum=$(sha256sum <"$OCIRUN")
    a=$(make_bundle victim probe sleep 1000)
    ida=$(new_id victim)
    oci create --bundle "$a" "$ida" >/dev/null 2>&1
    t_defer oci delete --force "$ida"
    apid=$(pid_of "$ida")

    bb=$(make_bundle attacker sh -c 'readlink /proc/1/exe; probe open-write /proc/1/exe; probe pid')
    caps='["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN", "CAP_FOWNER", "CAP_DAC_READ_SEARCH"]'
    # shellcheck disable=SC2016
    edit_config "$bb" '.linux.namespaces = [{type: "mount"}, {type: "pid", path: ("/proc/" + $pid + "/ns/pid")}]
        | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
        | .process.noNewPrivileges = false' --arg pid "$apid" --argjson caps "$caps"
    idb=$(new_id attacker)
    t_defer oci delete --force "$idb"
    out=$(oci run --bundle "$bb" "$idb")
    assert_eq "/${OCIRUN##*/}" "$(head -n1 <<<"$out")" "the attacker's pid 1 (the runtime's overlay view)"
    [[ $(sed -n 2p <<<"$out") == error=* ]] || { echo "opened /proc/1/exe for writing: $out" >&2; false; }
    assert_eq pid=2 "$(sed -n 3p <<<"$out")" "the attacker is in the victim's pid namespace"
    assert_eq "$sum" "$(sha256sum <"$OCIRUN")" "the host's ocirun changed"
    assert_eq "$sum" "$(sha256sum <"/proc/$apid/exe")" "the victim's init changed"
    oci delete --force "$ida"
}

t_case "the container sees only fds 0, 1, 2" case_only_stdio
t_case "--preserve-fds 2 passes fds 3 and 4" case_preserve_fds
t_case "a created container's init runs from a read-only overlay view of ocirun" case_init_is_sealed
t_case "the host binary cannot be opened for writing from a container" case_host_binary_unreachable
t_case "create and exec re-execute at the entry point, state not at all" case_reexec_at_entry
t_done
