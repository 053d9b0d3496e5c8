#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# shellcheck disable=SC2016 # the jq programs use jq variables
# Fault injection (R-CLEAN-1): the fault-point build (build-fp, -Dfault_points=true) lists the
# named points of create, start, exec and delete with OCIRUN_FAULT_TRACE; then each point is
# made to fail (OCIRUN_FAULT_MODE=error) and to SIGKILL the process that reaches it
# (OCIRUN_FAULT_MODE=kill). After an error in create nothing may be left: no state dir, cgroup,
# mount, fifo, socket or process, and the same id can be created again at once. After an error
# elsewhere, or a kill anywhere, `delete --force` must clean up fully; every case also runs under
# the leak check of lib.sh. Two cases more: exec held at a point while its container stops, and
# `run` killed between its create and its start.
#
# OCIRUN_FP names the fault-point binary (meson sets it; by hand it defaults to
# build-fp/runtime/ocirun); without it the file skips. FAULT_POINTS="a b ..." limits the walk to
# those points (for debugging).
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"
t_require_root
: "${OCIRUN_FP:=$T_SRC_DIR/build-fp/runtime/ocirun}"
[ -x "$OCIRUN_FP" ] || t_skip_all "no fault-point build at $OCIRUN_FP (meson setup build-fp -Dfault_points=true && ninja -C build-fp; scripts/test.sh does it)"
OCIRUN=$OCIRUN_FP
export OCIRUN
t_require_rootfs
t_setup_file
unset OCIRUN_FAULT_POINT OCIRUN_FAULT_MODE OCIRUN_FAULT_TRACE OCIRUN_FAULT_DIR

# The container's init writes the trace after pivot_root too: host /tmp is bind-mounted at the
# container's /tmp, so the trace file's path is the same on both sides.
[[ $T_TMP == /tmp/* ]] || t_bail_out "the fault walk needs the test's temp dir under /tmp, not $T_TMP"

# A bundle running a long sleep with a hook of every kind and host /tmp at /tmp. USERNS=1 adds a
# user namespace (the container's root is host uid 100000).
fault_bundle() {
    local name=$1 b kind hook
    b=$(make_bundle "$name" sleep 1000)
    hook=$(jq -cn --arg tag "OCIRUN_TEST_TAG=$T_ID_PREFIX" \
        '{path: "/bin/sh", args: ["sh", "-c", "cat >/dev/null"], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", $tag]}')
    edit_config "$b" '.mounts += [{destination: "/tmp", type: "bind", source: "/tmp", options: ["rbind", "rw"]}]
                      | .hooks = {}'
    for kind in prestart createRuntime createContainer startContainer poststart poststop; do
        edit_config "$b" '.hooks[$kind] = [$hook]' --arg kind "$kind" --argjson hook "$hook"
    done
    if [ "${USERNS:-0}" = 1 ]; then
        edit_config "$b" '.linux.namespaces += [{type: "user"}]
            | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
            | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    fi
    echo "$b"
}

# The whole lifecycle with the fault environment on every command: create, start, exec, kill,
# delete. Stops at the first command that fails and prints "PHASE RC" for it ("done 0" if none
# failed); its stderr is in $T_CASE_DIR/err.
lifecycle() {
    local b=$1 id=$2 phase rc=0
    for phase in create start exec kill delete; do
        case $phase in
            create) oci create --bundle "$b" "$id" ;;
            start) oci start "$id" ;;
            exec) oci exec "$id" true ;;
            kill) oci kill "$id" KILL && wait_until 10 has_status "$id" stopped ;;
            delete) oci delete "$id" ;;
        esac >/dev/null 2>"$T_CASE_DIR/err" || rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "$phase $rc"
            return 0
        fi
    done
    echo "done 0"
}

# Fifos and sockets under the state root or the bundles (anything ocirun made and left).
special_files() {
    find "$T_ROOT" "$T_TMP/bundles" \( -type p -o -type s \) -print 2>/dev/null
}

# Nothing of container ID may exist now: asserted directly (state, fifos, sockets) and by the
# leak check against the snapshot taken before the case.
assert_nothing_left() {
    local id=$1 leaks
    assert_fails oci state "$id"
    assert_contains "$ERR" "does not exist"
    [ ! -e "$T_ROOT/$id" ] || { echo "state dir $T_ROOT/$id is left" >&2; return 1; }
    assert_eq "" "$(special_files)" "fifos or sockets left"
    if ! leaks=$(leak_check); then
        echo "left behind:" >&2
        echo "$leaks" >&2
        return 1
    fi
}

# After the failure: delete --force cleans up and, after an error (MODE), the same id works
# again. (After a kill the id is free once delete --force is done: the state dir is gone.)
assert_recovers() {
    local b=$1 id=$2 mode=$3 rc=0
    # R-SIG-7: bounded, whatever state the fault left (runc #4481: a hang in a frozen cgroup).
    timeout 20 "$OCIRUN" --root "$T_ROOT" delete --force "$id" || rc=$?
    assert_eq 0 "$rc" "delete --force after the fault (124: hung)"
    assert_nothing_left "$id"
    [ "$mode" = error ] || return 0
    oci create --bundle "$b" "$id" >/dev/null
    oci delete --force "$id"
    assert_nothing_left "$id"
}

# The points reached by the lifecycle, in order, one per line. Only points with a phase name
# before the dot are kept, so the trace of other builds' points cannot confuse the walk.
trace_points() {
    local b=$T_TMP/bundles/$1 id trace=$T_TMP/trace.$1
    id=$(new_id trace)
    : >"$trace"
    chmod 0666 "$trace"
    local result
    result=$(OCIRUN_FAULT_TRACE=$trace lifecycle "$b" "$id")
    oci delete --force "$id" >/dev/null 2>&1 || true
    [ "$result" = "done 0" ] || { echo "the traced lifecycle failed at: $result: $(cat "$T_CASE_DIR/err" 2>/dev/null)" >&2; return 1; }
    awk '/^(create|init|start|exec|delete)\./ && !seen[$0]++' "$trace"
}

# Where a point's failure shows: the command that runs it.
phase_of() {
    case $1 in
        create.* | init.after_early_namespaces | init.after_go | init.after_namespaces | init.*mounts | init.*pivot | init.after_finish_root | \
            init.after_masked_paths | init.after_create_container_hooks | init.after_sysctls | init.*caps | \
            init.before_created) echo create ;;
        start.* | init.after_start*) echo start ;;
        exec.*) echo exec ;;
        delete.*) echo delete ;;
        *) echo unknown ;;
    esac
}

# Points reached in the container's init or exec child, not in the ocirun command itself.
in_child() {
    case $1 in init.* | exec.after_join | exec.*_caps) return 0 ;; esac
    return 1
}

# The case for one point and mode, on the bundle made once for the walk (main or userns).
case_point() {
    local point=$1 mode=$2 b id result phase rc expected
    b=$T_TMP/bundles/$3
    id=$(new_id fault)
    expected=$(phase_of "$point")
    assert_eq "$expected" "${expected/unknown/}" "no phase known for point $point"
    result=$(OCIRUN_FAULT_POINT=$point OCIRUN_FAULT_MODE=$mode lifecycle "$b" "$id")
    phase=${result% *}
    rc=${result#* }
    assert_eq "$expected" "$phase" "the command that fails at $point (stderr: $(cat "$T_CASE_DIR/err"))"
    [ "$rc" -ne 0 ]
    if [ "$mode" = error ]; then
        assert_contains "$(cat "$T_CASE_DIR/err")" "$point" "the message names the point"
    elif ! in_child "$point"; then
        # The runtime itself was killed at the point.
        assert_eq 137 "$rc" "exit status of ocirun killed at $point"
    fi
    if [ "$expected" = create ] && [ "$mode" = error ]; then
        # runtime-spec: a failed create leaves the environment as if it was never attempted.
        assert_nothing_left "$id"
        oci create --bundle "$b" "$id" >/dev/null
        oci delete --force "$id"
        assert_nothing_left "$id"
        return 0
    fi
    assert_recovers "$b" "$id" "$mode"
}

# One case that lists the points, then one case per point and mode.
POINTS_FILE=
case_list_points() {
    local main userns
    main=$(trace_points main)
    # With a user namespace, the steps around the id maps.
    userns=$(trace_points userns | grep -xE 'create\.after_(state|id_maps)|init\.after_go') || true
    printf '%s\n' "$main" >"$T_TMP/points.main"
    printf '%s\n' "$userns" >"$T_TMP/points.userns"
    t_diag_file() { sed 's/^/  /' "$1"; }
    echo "points on the lifecycle:"; t_diag_file "$T_TMP/points.main"
    local want
    # A point of every phase and kind must be on the path, else the walk proves little.
    for want in create.after_reserve create.after_spawn create.after_cgroup_placement \
        create.after_prestart_hooks create.after_create_runtime_hooks create.before_created \
        init.before_mounts init.after_mounts init.before_pivot init.after_pivot init.before_caps \
        init.after_caps init.after_create_container_hooks init.after_start_container_hooks \
        start.after_release start.after_poststart_hooks exec.after_spawn exec.after_join \
        delete.after_kill delete.after_cgroup delete.after_poststop_hooks; do
        file_has_line "$T_TMP/points.main" "$want" || { echo "point $want was not reached" >&2; return 1; }
    done
    file_has_line "$T_TMP/points.userns" create.after_id_maps || { echo "create.after_id_maps not reached with a user namespace" >&2; return 1; }
}

# The init exits while exec prepares (after the state said it runs): its namespaces are gone,
# and exec must fail rather than run the command in its own namespaces, on the host. Without a
# pid namespace of its own, nothing else stops it.
case_init_exits_during_exec() {
    local b id fp marker=$T_CASE_DIR/ran-on-host rc=0 point=exec.after_read_state
    b=$(fault_bundle nopid) || return 1
    edit_config "$b" '.linux.namespaces |= map(select(.type != "pid"))'
    id=$(new_id gone)
    fp=$(mktemp -d "$T_TMP/fp.XXXXXX")
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >/dev/null
    oci start "$id"
    OCIRUN_FAULT_POINT=$point OCIRUN_FAULT_MODE=pause OCIRUN_FAULT_DIR=$fp \
        "$OCIRUN" --root "$T_ROOT" exec "$id" /bin/sh -c "touch $marker" \
        >"$T_CASE_DIR/exec.out" 2>"$T_CASE_DIR/exec.err" &
    local exec_pid=$!
    wait_until 20 test -s "$fp/$point.reached"
    oci kill "$id" KILL
    wait_until 10 has_status "$id" stopped
    touch "$fp/$point.go"
    wait "$exec_pid" || rc=$?
    [ "$rc" -ne 0 ] || { echo "exec succeeded with its container's init gone" >&2; return 1; }
    assert_contains "$(cat "$T_CASE_DIR/exec.err")" "stopped"
    [ ! -e "$marker" ] || { echo "exec ran its command on the host" >&2; return 1; }
}

# `run` killed between its create and its start: the init must not wait on as a created
# container (its parent-death signal stands until the start byte, and its start pipe closes).
case_run_killed_before_start() {
    local b id rc=0 point=run.before_start
    b=$(fault_bundle main) || return 1
    id=$(new_id runkill)
    t_defer oci delete --force "$id"
    OCIRUN_FAULT_POINT=$point OCIRUN_FAULT_MODE=kill \
        "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id" >"$T_CASE_DIR/run.out" 2>"$T_CASE_DIR/run.err" || rc=$?
    assert_eq 137 "$rc" "exit status of run killed at $point"
    wait_until 10 has_status "$id" stopped || { echo "the init still waits: $(oci state "$id")" >&2; return 1; }
    assert_recovers "$b" "$id" kill
}

# `run` deletes its container after the exit with what its create kept. Here, while run waits
# at that point, the container is deleted and its id taken by a new one: run must leave the new
# container alone.
case_run_leaves_a_new_container_alone() {
    local b id fp rc=0 point=run.before_delete
    b=$(make_bundle runreuse sleep 1000)
    id=$(new_id reuse)
    fp=$(mktemp -d "$T_TMP/fp.XXXXXX")
    t_defer oci delete --force "$id"
    OCIRUN_FAULT_POINT=$point OCIRUN_FAULT_MODE=pause OCIRUN_FAULT_DIR=$fp \
        "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id" >"$T_CASE_DIR/run.out" 2>"$T_CASE_DIR/run.err" &
    local run_pid=$!
    wait_until 10 has_status "$id" running || { echo "never running: $(oci state "$id" 2>&1)" >&2; return 1; }
    oci kill "$id" KILL
    wait_until 20 test -s "$fp/$point.reached"
    oci delete "$id"
    oci create --bundle "$b" "$id" >/dev/null
    touch "$fp/$point.go"
    wait "$run_pid" || rc=$?
    assert_eq 137 "$rc" "run's exit status, its container killed"
    assert_eq created "$(status_of "$id")" "the container that took the id"
    oci delete --force "$id"
}

chmod 0711 "$T_TMP"   # the user-namespace root (host uid 100000) reaches /tmp/.../bundles
fault_bundle main >/dev/null || t_bail_out "cannot make the test bundle"
USERNS=1 fault_bundle userns >/dev/null || t_bail_out "cannot make the test bundle"
t_case "the fault-point build lists the points of create, start, exec and delete" case_list_points
POINTS_FILE=$T_TMP/points.main
[ -s "$POINTS_FILE" ] || t_bail_out "no fault points were listed"

t_case "the init exits while exec prepares: exec fails, nothing runs on the host" case_init_exits_during_exec
t_case "run killed before it starts its container: the init exits by itself" case_run_killed_before_start
t_case "run deletes its own container only: not one that took the id meanwhile" case_run_leaves_a_new_container_alone

for mode in error kill; do
    while read -r point; do
        [ -n "$point" ] || continue
        if [ -n "${FAULT_POINTS:-}" ] && [[ " $FAULT_POINTS " != *" $point "* ]]; then continue; fi
        # A child killed at a point is its parent's plain "exited early" error: the kill walk
        # is for the ocirun command itself, once per point.
        if [ "$mode" = kill ] && in_child "$point"; then continue; fi
        t_case "$mode at $point: cleaned up, the id is free again" case_point "$point" "$mode" main
    done <"$POINTS_FILE"
    while read -r point; do
        [ -n "$point" ] || continue
        if [ -n "${FAULT_POINTS:-}" ] && [[ " $FAULT_POINTS " != *" $point "* ]]; then continue; fi
        t_case "$mode at $point with a user namespace: cleaned up" case_point "$point" "$mode" userns
    done <"$T_TMP/points.userns"
done
t_done
