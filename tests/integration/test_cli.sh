#!/bin/bash
# shellcheck disable=SC2317 # the cases are called through t_case
# runc's global flags as engines pass them: --log, --log-format (both spellings), --debug,
# --systemd-cgroup, and the error contract (message on stderr and in the JSON log, exit 1).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

case_json_log() {
    local log=$T_TMP/log.json line
    rm -f "$log"
    assert_exit 1 "$OCIRUN" --root "$T_ROOT" --log "$log" --log-format=json delete no-such-container
    assert_contains "$ERR" "container no-such-container does not exist"
    line=$(tail -n1 "$log")
    assert_eq error "$(jq -r .level <<<"$line")"
    assert_contains "$(jq -r .msg <<<"$line")" "delete no-such-container: container no-such-container does not exist"
    [[ $(jq -r .time <<<"$line") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]] || { echo "bad time in $line" >&2; false; }
    # The shim's spelling, with a separate value.
    assert_exit 1 "$OCIRUN" --root "$T_ROOT" --log "$log" --log-format json kill no-such-container 9
    assert_eq 2 "$(wc -l <"$log")"
}

case_text_log() {
    local log=$T_TMP/log.txt
    rm -f "$log"
    assert_exit 1 "$OCIRUN" --root "$T_ROOT" --log "$log" start no-such-container
    assert_contains "$(cat "$log")" 'level=error msg="start no-such-container: container no-such-container does not exist"'
    assert_exit 1 "$OCIRUN" --log-format yaml list
    assert_contains "$ERR" "invalid log-format"
}

case_delete_twice() {
    # containerd's shim: delete, then delete --force, which must succeed although the
    # container is gone.
    local b id
    b=$(make_bundle b true)
    id=$(new_id del)
    oci run --bundle "$b" "$id"
    assert_exit 1 oci delete "$id"
    assert_exit 0 oci delete --force "$id"
    b=$(make_bundle b2 true)
    oci create --bundle "$b" "$id"
    oci start "$id"
    wait_until 5 has_status "$id" stopped
    assert_exit 0 oci delete "$id"
    assert_exit 0 oci delete --force "$id"
}

case_flags_engines_pass() {
    local b id
    b=$(make_bundle b probe exit 0)
    id=$(new_id flags)
    assert_exit 0 "$OCIRUN" --root "$T_ROOT" --debug --systemd-cgroup=false run --bundle "$b" "$id"
    assert_exit 1 "$OCIRUN" no-such-command
    assert_contains "$ERR" "no such command"
    assert_exit 1 "$OCIRUN" --root "$T_ROOT" create --no-such-flag x
    assert_contains "$ERR" "flag provided but not defined"
}

case_cgroup_manager_disabled() {
    # Podman's --cgroups=disabled: the container gets no cgroup of its own, even with a
    # cgroupsPath, and stays in its creator's.
    local b id out name=${T_ID_PREFIX}nocg
    b=$(make_bundle b cat /proc/self/cgroup)
    # shellcheck disable=SC2016 # jq variables
    edit_config "$b" 'del(.linux.namespaces[] | select(.type == "cgroup")) | .linux.cgroupsPath = "/" + $name
                      | .linux.resources.pids = {limit: 50}' --arg name "$name"
    id=$(new_id nocg)
    out=$(oci --cgroup-manager disabled run --bundle "$b" "$id")
    assert_eq "$(cat /proc/self/cgroup)" "$out"
    assert_eq "" "$(find /sys/fs/cgroup -maxdepth 3 -name "$name")"
    assert_exit 1 oci --cgroup-manager nope run --bundle "$b" "$id"
    assert_contains "$ERR" "invalid --cgroup-manager"
    # Without the flag the same bundle gets its cgroup.
    out=$(oci run --bundle "$b" "$id")
    assert_contains "$out" "/$name"
}

case_checkpoint_probe() {
    # Podman takes the exit status of `checkpoint --help` for "the runtime can checkpoint":
    # ocirun cannot, and says so.
    assert_fails "$OCIRUN" checkpoint --help
    assert_contains "$ERR" "checkpoint"
}

# Without systemd, --systemd-cgroup fails create with an error that says so, and leaves no state,
# cgroup or process (the leak check); a cgroupfs path is refused naming the field first.
case_systemd_cgroup_without_systemd() {
    [ ! -d /run/systemd/system ] || skip "systemd runs here (test_systemd_cgroup.sh covers the driver)"
    local b id
    b=$(make_bundle b probe exit 0)
    id=$(new_id sdcg)
    assert_exit 1 "$OCIRUN" --root "$T_ROOT" --systemd-cgroup run --bundle "$b" "$id"
    assert_contains "$ERR" "create $id: systemd cgroup driver: systemd is not running on this host (no /run/systemd/system)"
    assert_eq "" "$(state_dirs)"
    assert_exit 1 "$OCIRUN" --root "$T_ROOT" --systemd-cgroup=true create --bundle "$b" "$id"
    assert_contains "$ERR" "systemd is not running"
    assert_eq "" "$(state_dirs)"
    edit_config "$b" '.linux.cgroupsPath = "/ocirun/x"'
    assert_exit 1 "$OCIRUN" --root "$T_ROOT" --systemd-cgroup create --bundle "$b" "$id"
    assert_contains "$ERR" 'linux.cgroupsPath: "/ocirun/x": expected "slice:prefix:name" for the systemd cgroup driver'
    assert_eq "" "$(state_dirs)"
    assert_exit 0 "$OCIRUN" --root "$T_ROOT" --systemd-cgroup=false run --bundle "$b" "$id"
}

case_listen_fds() {
    # Socket activation: LISTEN_FDS=1 passes fd 3 on and tells the process so (ls's own
    # directory fd is the next one).
    local b id out
    b=$(make_bundle b sh -c 'ls /proc/self/fd | tr "\n" " "; echo "LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID"')
    id=$(new_id listen)
    out=$(LISTEN_FDS=1 oci run --bundle "$b" "$id" 3</etc/hostname)
    assert_contains "$out" "0 1 2 3 4 "
    assert_contains "$out" "LISTEN_FDS=1 LISTEN_PID=1"
    out=$(oci run --bundle "$b" "$id" 3</etc/hostname)
    assert_not_contains "$out" "0 1 2 3 4"
    assert_contains "$out" "LISTEN_FDS= LISTEN_PID="
}

t_case "errors go to stderr and, as JSON lines, to --log" case_json_log
t_case "text log lines, and a bad --log-format is refused" case_text_log
t_case "delete then delete --force of the same container" case_delete_twice
t_case "flags engines pass are accepted" case_flags_engines_pass
t_case "--cgroup-manager disabled: no cgroup of its own" case_cgroup_manager_disabled
t_case "checkpoint --help fails: no checkpoint support" case_checkpoint_probe
t_case "--systemd-cgroup without systemd: a clear error, nothing left" case_systemd_cgroup_without_systemd
t_case "LISTEN_FDS passes the activation sockets through" case_listen_fds
t_done
