#!/bin/bash
# shellcheck disable=SC2317,SC2031,SC2016 # the cases are called through t_case; jq filters in single quotes
# The systemd cgroup driver (--systemd-cgroup) with systemd as PID 1, on a cgroup2 host (the
# `vm` suite boots one VM with systemd for this file: tests/vm/run-in-vm.sh --systemd):
#   - create with cgroupsPath "slice:prefix:name" starts an active transient scope in that
#     slice; its memory and pids limits are unit properties and cgroup files, its device allow
#     list the unit's DevicePolicy=strict + DeviceAllow;
#   - exec joins the scope; ps, events, pause/resume, kill --all work on it; update changes
#     MemoryMax in the unit and memory.max in the cgroup, and a new CFS period keeps the quota (only create gets --systemd-cgroup:
#     the container's state remembers its unit);
#   - delete stops the unit and its cgroup is gone;
#   - no cgroupsPath gives system.slice/ocirun-<id>.scope; a cgroupfs path is refused naming
#     linux.cgroupsPath; a unit that already exists fails create, leaving the other unit alone.
# Where systemd is not PID 1 the file skips (test_cli.sh checks the error ocirun gives then).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
if [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ] || [ ! -d /run/systemd/system ]; then
    t_skip_all "systemd is not PID 1 here (the vm suite runs this file with systemd booted)"
fi
command -v systemctl >/dev/null || t_skip_all "systemctl is not installed"
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || t_skip_all "the cgroup file checks expect a cgroup2-only host"
t_require_rootfs
t_setup_file

# systemd's view of a unit property.
unit_prop() { # UNIT PROPERTY
    systemctl show -p "$2" --value "$1"
}

sd() { oci --systemd-cgroup "$@"; }

# A container in a scope of machine.slice with limits; prints the id.
start_limited() { # HINT
    local b id
    b=$(make_bundle "$1" sleep 1000)
    id=$(new_id "$1")
    edit_config "$b" '.linux.cgroupsPath = $p
        | .linux.resources.memory = {limit: 67108864}
        | .linux.resources.pids = {limit: 64}
        | .linux.resources.cpu = {quota: 50000, period: 100000}' --arg p "machine.slice:octest:$id"
    sd create --bundle "$b" "$id" >&2
    echo "$id"
}

in_cgroup() { # DIR PID
    grep -qxF "$2" "$1/cgroup.procs"
}

case_scope_in_slice() {
    local id unit cg pid
    id=$(start_limited scope)
    t_defer oci --systemd-cgroup delete --force "$id"
    unit=octest-$id.scope
    cg=/sys/fs/cgroup/machine.slice/$unit
    assert_eq active "$(unit_prop "$unit" ActiveState)" "ActiveState"
    assert_eq "/machine.slice/$unit" "$(unit_prop "$unit" ControlGroup)" "ControlGroup"
    assert_eq machine.slice "$(unit_prop "$unit" Slice)" "Slice"
    assert_eq yes "$(unit_prop "$unit" Delegate)" "Delegate"
    assert_eq 67108864 "$(unit_prop "$unit" MemoryMax)" "MemoryMax"
    assert_eq 64 "$(unit_prop "$unit" TasksMax)" "TasksMax"
    assert_eq 67108864 "$(cat "$cg/memory.max")" "memory.max"
    assert_eq 64 "$(cat "$cg/pids.max")" "pids.max"
    assert_eq 500ms "$(unit_prop "$unit" CPUQuotaPerSecUSec)" "CPUQuotaPerSecUSec"
    assert_eq "50000 100000" "$(cat "$cg/cpu.max")" "cpu.max"
    pid=$(pid_of "$id")
    in_cgroup "$cg" "$pid" || { echo "init $pid is not in $cg" >&2; false; }
    assert_eq "0::/machine.slice/$unit" "$(cat "/proc/$pid/cgroup")" "/proc/<init>/cgroup"
    # The device allow list is the unit's too (systemd re-applies it), and both lists agree.
    assert_eq strict "$(unit_prop "$unit" DevicePolicy)" "DevicePolicy"
    unit_prop "$unit" DeviceAllow | grep -qF '/dev/char/1:3 rwm' ||
        { echo "DeviceAllow lacks /dev/null: $(unit_prop "$unit" DeviceAllow)" >&2; false; }
    oci start "$id"
    assert_eq running "$(status_of "$id")"
    assert_eq active "$(unit_prop "$unit" ActiveState)" "ActiveState once started"
    assert_eq 4 "$(oci exec "$id" sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c')" "/dev/null and /dev/zero"
}

case_exec_pause_update() {
    local id unit cg pid xpid
    id=$(start_limited ops)
    t_defer oci --systemd-cgroup delete --force "$id"
    unit=octest-$id.scope
    cg=/sys/fs/cgroup/machine.slice/$unit
    oci start "$id"
    pid=$(pid_of "$id")

    oci exec --detach --pid-file "$T_TMP/$id.xpid" "$id" sleep 1000
    xpid=$(cat "$T_TMP/$id.xpid")
    in_cgroup "$cg" "$xpid" || { echo "exec'd process $xpid is not in $cg" >&2; false; }
    assert_eq "$(printf '%s\n' "$pid" "$xpid" | sort -n)" "$(oci ps --format json "$id" | jq -r '.[]' | sort -n)" "ps"
    oci events --stats "$id" | jq -e '.data.pids.current >= 2' >/dev/null

    oci pause "$id"
    assert_eq paused "$(status_of "$id")"
    assert_eq 1 "$(cat "$cg/cgroup.freeze")" "cgroup.freeze while paused"
    grep -qx 'frozen 1' "$cg/cgroup.events"
    oci resume "$id"
    assert_eq running "$(status_of "$id")"
    grep -qx 'frozen 0' "$cg/cgroup.events"

    oci update --memory 33554432 --pids-limit 32 "$id"
    assert_eq 33554432 "$(unit_prop "$unit" MemoryMax)" "MemoryMax after update"
    assert_eq 33554432 "$(cat "$cg/memory.max")" "memory.max after update"
    assert_eq 32 "$(unit_prop "$unit" TasksMax)" "TasksMax after update"
    assert_eq 32 "$(cat "$cg/pids.max")" "pids.max after update"
    # A new period alone keeps the quota: 50000 per 200000 us is 250 ms per second.
    oci update --cpu-period 200000 "$id"
    assert_eq 250ms "$(unit_prop "$unit" CPUQuotaPerSecUSec)" "CPUQuotaPerSecUSec after update"
    assert_eq "50000 200000" "$(cat "$cg/cpu.max")" "cpu.max after update"

    oci kill --all "$id" KILL
    wait_until 10 has_status "$id" stopped
    [ ! -e "/proc/$xpid" ] || { echo "exec'd process $xpid survived kill --all" >&2; false; }
}

case_delete_removes_unit() {
    local id unit cg
    id=$(start_limited del)
    unit=octest-$id.scope
    cg=/sys/fs/cgroup/machine.slice/$unit
    oci start "$id"
    assert_eq active "$(unit_prop "$unit" ActiveState)"
    oci delete --force "$id"
    assert_exit 1 oci state "$id"
    assert_eq inactive "$(unit_prop "$unit" ActiveState)" "ActiveState after delete"
    assert_eq not-found "$(unit_prop "$unit" LoadState)" "LoadState after delete"
    [ ! -e "$cg" ] || { echo "$cg is left after delete" >&2; false; }
}

case_default_scope() {
    local b id unit
    b=$(make_bundle default sleep 1000)
    id=$(new_id default)
    sd create --bundle "$b" "$id"
    t_defer oci --systemd-cgroup delete --force "$id"
    unit=ocirun-$id.scope
    assert_eq active "$(unit_prop "$unit" ActiveState)"
    assert_eq "/system.slice/$unit" "$(unit_prop "$unit" ControlGroup)"
    oci delete --force "$id"
    [ ! -e "/sys/fs/cgroup/system.slice/$unit" ] || { echo "system.slice/$unit is left" >&2; false; }
}

case_bad_input_leaves_nothing() {
    local b id id2 unit
    b=$(make_bundle bad sleep 1000)
    id=$(new_id bad)
    edit_config "$b" '.linux.cgroupsPath = "/ocirun/x"'
    assert_exit 1 sd create --bundle "$b" "$id"
    assert_contains "$ERR" 'linux.cgroupsPath: "/ocirun/x": expected "slice:prefix:name"'
    assert_eq "" "$(state_dirs)"

    # A second container naming the first one's unit fails and leaves the first alone.
    id=$(start_limited first)
    t_defer oci --systemd-cgroup delete --force "$id"
    unit=octest-$id.scope
    b=$(make_bundle second sleep 1000)
    id2=$(new_id second)
    edit_config "$b" '.linux.cgroupsPath = $p' --arg p "machine.slice:octest:$id"
    assert_exit 1 sd create --bundle "$b" "$id2"
    assert_contains "$ERR" "$unit"
    assert_exit 1 oci state "$id2"
    assert_eq active "$(unit_prop "$unit" ActiveState)" "the first container's unit"
    assert_eq created "$(status_of "$id")"
}

t_case "create: an active scope in the slice, with its limits in the unit and the cgroup" case_scope_in_slice
t_case "exec joins the scope; ps, events, pause/resume, update, kill --all" case_exec_pause_update
t_case "delete stops the unit and removes its cgroup" case_delete_removes_unit
t_case "no cgroupsPath: system.slice/ocirun-<id>.scope" case_default_scope
t_case "a cgroupfs path or a taken unit fails create and leaves nothing" case_bad_input_leaves_nothing
t_done
