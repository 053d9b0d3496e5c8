#!/bin/bash
# shellcheck disable=SC2317,SC2031,SC2016 # cases run through t_case; container commands in single quotes
# Podman (with conmon) runs its containers on ocirun, as root: the containers.conf lines of the
# README, storage and configuration in a temp dir, an image imported offline from the test
# rootfs. Each case checks what the user sees and, in the call log of a wrapper around ocirun,
# that ocirun ran the container.
# shellcheck source-path=SCRIPTDIR source=engine_lib.sh
source "$(dirname "$0")/engine_lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
e_require_command podman
e_require_command conmon "Podman needs it"
e_require_command python3 "the --sdnotify case listens with it"
t_require_cgroup_layout
t_setup_file

IMAGE=localhost/ocirun-test:latest
PM_DIR=$T_TMP/podman
PM_STARTED=    # Podman has storage under PM_DIR
PM_READY=      # ... and has run a container: the cases may start
# Podman keeps a few things outside its storage whatever its flags: the image library's blob
# cache (/var/lib/containers/cache) and netavark's run dir (/run/containers/networks). Removed
# at the end if this file made them.
SYSTEM_DIRS_MADE=()
for d in /var/lib/containers /run/containers; do
    [ -e "$d" ] || SYSTEM_DIRS_MADE+=("$d")
done
# libpod_parent is where Podman's cgroupfs manager puts every container; removed at the end if
# this file made it.
LIBPOD_PARENT_EXISTED=$(find /sys/fs/cgroup -maxdepth 2 -name libpod_parent -print -quit)

pm() {
    podman --root "$PM_DIR/root" --runroot "$PM_DIR/runroot" --storage-driver vfs "$@"
}

# Podman's configuration for ocirun (the README's lines), and what a test run needs on this
# host: cgroupfs (no systemd), ulimits within the host's hard limits (no CAP_SYS_RESOURCE to
# raise them), no network beyond loopback, and every file of Podman's under the temp dir.
write_containers_conf() {
    # Modest values, or the host's hard limit when lower: Podman's defaults (nofile 1048576)
    # exceed it, and Podman itself lowers its own nproc limit (to 32768 here) before conmon.
    local nofile=1024 nproc=4096 hard
    hard=$(ulimit -Hn)
    [ "$hard" != unlimited ] && [ "$hard" -lt "$nofile" ] && nofile=$hard
    hard=$(ulimit -Hu)
    [ "$hard" != unlimited ] && [ "$hard" -lt "$nproc" ] && nproc=$hard
    cat >"$PM_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
netns = "none"
cgroups = "no-conmon"
env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "OCIRUN_TEST_TAG=$T_ID_PREFIX"]

[network]
network_config_dir = "$PM_DIR/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM_DIR/events.log"
lock_type = "file"
tmp_dir = "$PM_DIR/tmp"
volume_path = "$PM_DIR/volumes"
infra_image = "$IMAGE"
runtime = "ocirun"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "ocirun"]
runtime_supports_nocgroup = ["crun", "krun", "ocirun"]
runtime_supports_nocgroups = ["crun", "krun", "ocirun"]

[engine.runtimes]
ocirun = ["$WRAPPER"]
EOF
}

setup_podman() {
    mkdir -p "$PM_DIR"
    # Podman passes no --root to the runtime as root: the wrapper gives ocirun this file's.
    e_make_wrapper "$PM_DIR/bin" --root "$T_ROOT"
    write_containers_conf
    export CONTAINERS_CONF=$PM_DIR/containers.conf
    e_make_image_tar "$PM_DIR/rootfs.tar"
    local out
    PM_STARTED=1
    out=$(pm import -q --change 'CMD ["/pause"]' "$PM_DIR/rootfs.tar" "$IMAGE" 2>&1) ||
        t_skip_all "podman import fails here: $out"
    # One container before the first case: what Podman makes once (its cgroup parent, the
    # storage's layout) is not a case's leak.
    out=$(pm run --rm "$IMAGE" true 2>&1) || t_bail_out "podman cannot run a container on ocirun: $out"
    PM_READY=1
}

teardown_podman() {
    [ -n "$PM_STARTED" ] || return 0
    PM_STARTED='' PM_READY=''
    pm pod rm -fa -t 0 >/dev/null 2>&1
    pm rm -fa -t 0 >/dev/null 2>&1
    pm system reset -f >/dev/null 2>&1
    [ -n "$LIBPOD_PARENT_EXISTED" ] ||
        find /sys/fs/cgroup -maxdepth 2 -depth -type d -name libpod_parent -exec rmdir {} + 2>/dev/null
    local d
    for d in "${SYSTEM_DIRS_MADE[@]}"; do
        rm -rf --one-file-system "$d"
    done
    return 0
}

# The leak check's view of Podman: its containers and pods, and the cgroups it made.
t_extra_leak_state() {
    [ -n "$PM_READY" ] || return 0
    pm ps -a --format 'podman container {{.Names}} {{.ID}}' 2>/dev/null
    pm pod ps --format 'podman pod {{.Name}} {{.ID}}' 2>/dev/null
    find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path '*/libpod_parent/*' -printf 'cgroup %p\n' 2>/dev/null
}

t_extra_cleanup() {
    [ -n "$PM_READY" ] || return 0
    pm pod rm -fa -t 0 >/dev/null 2>&1
    pm rm -fa -t 0 >/dev/null 2>&1
    find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -depth -type d -path '*/libpod_parent/*' -exec rmdir {} + 2>/dev/null
    return 0
}

# Removes pod NAME, if it is there, and its cgroups.
remove_pod() {
    local id
    id=$(pm pod inspect --format '{{.ID}}' "$1" 2>/dev/null) || return 0
    pm pod rm -f -t 0 "$1" >/dev/null
    rm_pod_cgroups "$id"
}

# Removes what is left of pod POD_ID's cgroup. Podman's cgroupfs manager makes and removes
# libpod_parent/POD_ID in the v1 controllers it knows; the runtime makes the container cgroups
# under it in every hierarchy, also name=systemd and the hybrid unified one, where the
# directories of the pod stay behind (as with runc).
rm_pod_cgroups() {
    find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -depth -type d -path "*/libpod_parent/$1" -exec rmdir {} + 2>/dev/null
    return 0
}

stop_pid() {
    kill "$1" 2>/dev/null
    return 0
}

# Prints the full id of container NAME.
cid() {
    pm inspect --format '{{.Id}}' "$1"
}

# Runs a detached container NAME that prints "started" and waits for a signal; stops at the end
# of the case.
run_waiting() {
    local name=$1
    shift
    pm run -d --name "$name" "$@" "$IMAGE" sh -c 'echo started; exec probe signal-wait' >/dev/null
    t_defer pm rm -f -t 0 "$name"
    wait_until 10 logs_have "$name" ready
}

logs_have() {
    pm logs "$1" 2>&1 | grep -qx -- "$2"
}

state_of() {
    pm inspect --format '{{.State.Status}}' "$1"
}

# --- cases -------------------------------------------------------------------------------------

case_run_rm() {
    local out id
    out=$(pm run --rm --cidfile "$T_CASE_DIR/cid" "$IMAGE" sh -c 'echo "hello from $(hostname)"; probe ids')
    id=$(cat "$T_CASE_DIR/cid")
    assert_contains "$out" "hello from ${id:0:12}"
    assert_eq 0 "$(probe_get "$out" uid)"
    assert_called create "$id"
    assert_called start "$id"
    assert_called delete "$id"
    # -i: stdin through conmon.
    assert_eq from-stdin "$(echo from-stdin | pm run --rm -i "$IMAGE" cat)"
    assert_exit 7 pm run --rm "$IMAGE" probe exit 7
    # A missing command is the runtime's error, which Podman shows and maps to 127.
    assert_exit 127 pm run --rm "$IMAGE" /no/such/command
    assert_contains "$ERR" "/no/such/command"
    assert_eq "" "$(pm ps -aq)"
}

case_detached_logs_stop_rm() {
    local name=${T_ID_PREFIX}detached id pid
    pm run -d --name "$name" "$IMAGE" sh -c 'echo started; exec probe signal-wait' >/dev/null
    t_defer pm rm -f -t 0 "$name"
    wait_until 10 logs_have "$name" ready
    id=$(cid "$name")
    assert_contains "$(pm logs "$name")" started
    assert_contains "$(pm ps --filter "id=$id" --format '{{.Status}}')" "Up "
    # Podman's pid and ocirun's are the same process.
    pid=$(pm inspect --format '{{.State.Pid}}' "$name")
    assert_eq running "$(status_of "$id")"
    assert_eq "$pid" "$(pid_of "$id")"
    pm stop "$name" >/dev/null
    assert_eq exited "$(state_of "$name")"
    assert_eq 0 "$(pm inspect --format '{{.State.ExitCode}}' "$name")"
    # SIGTERM reached the container's process: it says so in its log.
    assert_contains "$(pm logs "$name")" "signal=15"
    pm rm "$name" >/dev/null
    assert_fails pm inspect "$name"
    assert_called kill "$id"
    assert_called delete "$id"
    assert_eq "" "$(state_dirs)"
}

case_exec() {
    local name=${T_ID_PREFIX}exec id out
    run_waiting "$name"
    id=$(cid "$name")
    out=$(pm exec "$name" sh -c 'echo "in $OCIRUN_TEST_TAG"; tty || true')
    assert_contains "$out" "in $T_ID_PREFIX"
    assert_contains "$out" "not a tty"
    assert_exit 3 pm exec "$name" probe exit 3
    local rc=0
    out=$(pm exec -t "$name" sh -c 'tty; exit 5' 2>&1) || rc=$?
    assert_eq 5 "$rc"
    assert_contains "$out" "/dev/pts/"
    assert_exit 0 pm exec --user 1000:1000 "$name" sh -c '[ "$(id -u)" = 1000 ]'
    grep -q " exec .*--process .* $id\$" "$CALL_LOG" ||
        { echo "no 'exec --process ... $id' in the call log" >&2; false; }
    grep -q " exec .*--tty .*--console-socket .* $id\$" "$CALL_LOG" ||
        { echo "no 'exec --tty --console-socket ... $id' in the call log" >&2; false; }
}

case_run_tty() {
    local out rc=0 id
    out=$(pm run --rm -t --cidfile "$T_CASE_DIR/cid" "$IMAGE" sh -c 'tty; exit 4' 2>&1) || rc=$?
    assert_eq 4 "$rc"
    assert_contains "$out" "/dev/pts/0"
    id=$(cat "$T_CASE_DIR/cid")
    grep -q "create .*--console-socket .* $id\$" "$CALL_LOG" ||
        { echo "no 'create --console-socket ... $id' in the call log" >&2; false; }
}

# Prints the memory limit, pids limit and cpu quota/period the container sees.
limits_script() {
    if [ "$LAYOUT" = v2 ]; then
        echo 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max'
    else
        echo 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
              echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"'
    fi
}

case_resources() {
    local out name=${T_ID_PREFIX}res id
    out=$(pm run --rm --memory 64m --pids-limit 33 --cpus 0.5 "$IMAGE" sh -c "$(limits_script)")
    assert_eq "67108864
33
50000 100000" "$out"
    # podman update: ocirun update --resources=FILE on a running container.
    run_waiting "$name" --memory 64m --pids-limit 33 --cpus 0.5
    id=$(cid "$name")
    pm update --memory 128m --cpus 0.25 "$name" >/dev/null
    out=$(pm exec "$name" sh -c "$(limits_script)")
    assert_eq "134217728
33
25000 100000" "$out"
    assert_called update "$id"
}

case_caps() {
    local out
    out=$(pm run --rm --cap-drop all --cap-add net_bind_service "$IMAGE" probe caps)
    assert_eq 0000000000000400 "$(probe_get "$out" cap_eff)"
    assert_eq 0000000000000400 "$(probe_get "$out" cap_bnd)"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_amb)"
    # Podman's default set holds CAP_CHOWN (bit 0); --cap-drop takes it away.
    out=$(pm run --rm "$IMAGE" probe caps)
    (( 0x$(probe_get "$out" cap_eff) & 1 )) || { echo "CAP_CHOWN missing by default: $out" >&2; false; }
    out=$(pm run --rm --cap-drop chown "$IMAGE" probe caps)
    (( (0x$(probe_get "$out" cap_eff) & 1) == 0 )) || { echo "CAP_CHOWN not dropped: $out" >&2; false; }
}

case_read_only() {
    local out
    out=$(pm run --rm --read-only "$IMAGE" sh -c 'touch /x 2>&1; echo "root=$?"; touch /tmp/y && echo tmp=ok')
    assert_contains "$out" "Read-only file system"
    assert_contains "$out" "root=1"
    # Podman's read-only containers get a writable tmpfs on /tmp.
    assert_contains "$out" "tmp=ok"
}

case_user() {
    local out
    out=$(pm run --rm --user 1000:1000 "$IMAGE" probe ids)
    assert_eq 1000 "$(probe_get "$out" euid)"
    assert_eq 1000 "$(probe_get "$out" egid)"
}

case_bind_volume() {
    local dir=$T_CASE_DIR/vol out
    mkdir -p "$dir"
    echo from-host >"$dir/in"
    out=$(pm run --rm -v "$dir:/data" "$IMAGE" sh -c 'cat /data/in; echo from-container >/data/out')
    assert_eq from-host "$out"
    assert_eq from-container "$(cat "$dir/out")"
    out=$(pm run --rm -v "$dir:/data:ro" "$IMAGE" sh -c 'echo x >/data/other 2>&1 || echo refused')
    assert_contains "$out" "refused"
    [ ! -e "$dir/other" ]
}

case_seccomp() {
    local profile=/usr/share/containers/seccomp.json out
    [ -r "$profile" ] || skip "Podman's default profile $profile is not installed"
    out=$(pm run --rm --security-opt "seccomp=$profile" "$IMAGE" sh -c 'probe seccomp; echo ran')
    assert_eq 2 "$(probe_get "$out" seccomp)"
    assert_contains "$out" ran
    out=$(pm run --rm --security-opt seccomp=unconfined "$IMAGE" probe seccomp)
    assert_eq 0 "$(probe_get "$out" seccomp)"
    # A profile of our own that denies mkdir (and mkdirat) with EPERM.
    jq -n '{defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}' \
        >"$T_CASE_DIR/deny-mkdir.json"
    out=$(pm run --rm --security-opt "seccomp=$T_CASE_DIR/deny-mkdir.json" "$IMAGE" \
        sh -c 'mkdir /tmp/d 2>&1; echo "mkdir=$?"; touch /tmp/f && echo touch=ok')
    assert_contains "$out" "Operation not permitted"
    assert_contains "$out" "mkdir=1"
    assert_contains "$out" "touch=ok"
}

case_pod_localhost() {
    local pod=${T_ID_PREFIX}pod out infra
    local pod_id
    pod_id=$(pm pod create --name "$pod")
    t_defer rm_pod_cgroups "$pod_id"
    t_defer remove_pod "$pod"
    pm run -d --pod "$pod" --name "${pod}-server" "$IMAGE" \
        sh -c 'while :; do nc -l -p 8080 -e echo from-server; done' >/dev/null
    # The server may not listen yet: the client retries.
    out=$(pm run --rm --pod "$pod" "$IMAGE" \
        sh -c 'for i in $(seq 50); do nc 127.0.0.1 8080 </dev/null 2>/dev/null && exit 0; sleep 0.2; done; exit 1')
    assert_eq from-server "$out"
    assert_eq Running "$(pm pod inspect --format '{{.State}}' "$pod")"
    infra=$(pm pod inspect --format '{{.InfraContainerID}}' "$pod")
    assert_called create "$infra"
    assert_called create "$(cid "${pod}-server")"
    assert_eq running "$(status_of "$infra")"
    pm pod rm -f -t 0 "$pod" >/dev/null
    assert_eq "" "$(pm ps -aq)"
    assert_eq "" "$(pm pod ps -q)"
}

case_kube_play_down() {
    local yaml=$T_CASE_DIR/pod.yaml pod=${T_ID_PREFIX}kube id out pod_id
    cat >"$yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $pod
spec:
  restartPolicy: Never
  containers:
  - name: server
    image: $IMAGE
    command: ["sh", "-c", "echo kube-server; while :; do nc -l -p 8081 -e echo from-kube; done"]
  - name: client
    image: $IMAGE
    command: ["sh", "-c", "for i in \$(seq 50); do nc 127.0.0.1 8081 </dev/null 2>/dev/null && break; sleep 0.2; done; exec probe signal-wait"]
EOF
    t_defer remove_pod "$pod"
    pm kube play "$yaml" >/dev/null
    pod_id=$(pm pod inspect --format '{{.ID}}' "$pod")
    t_defer rm_pod_cgroups "$pod_id"
    wait_until 15 logs_have "$pod-client" ready
    assert_contains "$(pm logs "$pod-client")" from-kube
    assert_contains "$(pm logs "$pod-server")" kube-server
    assert_eq Running "$(pm pod inspect --format '{{.State}}' "$pod")"
    id=$(cid "$pod-client")
    assert_called create "$id"
    assert_eq running "$(status_of "$id")"
    out=$(pm kube down "$yaml")
    assert_contains "$out" "Pods removed"
    assert_eq "" "$(pm pod ps -q)"
    assert_eq "" "$(pm ps -aq)"
}

case_sdnotify() {
    local sock=$T_CASE_DIR/notify.sock got=$T_CASE_DIR/notify.out name=${T_ID_PREFIX}sdnotify pid
    # Stands in for systemd: prints each datagram Podman forwards, until READY=1.
    timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w") as out:
    while True:
        data = s.recv(4096).decode()
        out.write(data + "\n")
        out.flush()
        if "READY=1" in data:
            break
' "$sock" "$got" &
    local listener=$!
    t_defer stop_pid "$listener"
    wait_until 10 test -S "$sock"
    NOTIFY_SOCKET=$sock pm run -d --name "$name" --sdnotify=container "$IMAGE" \
        sh -c 'probe notify READY=1; exec probe signal-wait' >/dev/null
    t_defer pm rm -f -t 0 "$name"
    wait "$listener"
    assert_contains "$(cat "$got")" "READY=1"
    assert_eq running "$(state_of "$name")"
    # Podman reports conmon, which outlives the container's process, as the main pid.
    pid=$(pm inspect --format '{{.State.ConmonPid}}' "$name")
    assert_contains "$(cat "$got")" "MAINPID=$pid"
    assert_contains "$(pm logs "$name")" "notify=sent"
    assert_called create "$(cid "$name")"
}

case_true_states() {
    local name=${T_ID_PREFIX}states id
    pm create --name "$name" "$IMAGE" sh -c 'echo started; exec probe signal-wait' >/dev/null
    t_defer pm rm -f -t 0 "$name"
    id=$(cid "$name")
    assert_eq created "$(state_of "$name")"
    pm start "$name" >/dev/null
    wait_until 10 logs_have "$name" ready
    assert_eq running "$(state_of "$name")"
    pm pause "$name" >/dev/null
    assert_eq paused "$(state_of "$name")"
    assert_eq Paused "$(pm ps -a --filter "id=$id" --format '{{.Status}}')"
    assert_eq paused "$(status_of "$id")"
    pm unpause "$name" >/dev/null
    assert_eq running "$(state_of "$name")"
    assert_eq running "$(status_of "$id")"
    # A numeric signal through ocirun kill: the process names it and exits 0.
    pm kill --signal USR1 "$name" >/dev/null
    pm wait "$name" >/dev/null
    assert_eq exited "$(state_of "$name")"
    assert_eq 0 "$(pm inspect --format '{{.State.ExitCode}}' "$name")"
    assert_contains "$(pm logs "$name")" "signal=10"
    assert_contains "$(pm ps -a --filter "id=$id" --format '{{.Status}}')" "Exited (0)"
    grep -q "kill $id 10\$" "$CALL_LOG" || { echo "no 'kill $id 10' in the call log" >&2; false; }
    assert_called pause "$id"
    assert_called resume "$id"
    # Started again: the same id is created anew on ocirun.
    pm start "$name" >/dev/null
    wait_until 10 test "$(pm logs "$name" 2>&1 | grep -cx ready)" = 2
    assert_eq running "$(state_of "$name")"
    assert_eq running "$(status_of "$id")"
    assert_eq "$(pm inspect --format '{{.State.Pid}}' "$name")" "$(pid_of "$id")"
    assert_eq 2 "$(grep -c "create .* $id\$" "$CALL_LOG")"
    pm stop "$name" >/dev/null
    assert_eq exited "$(state_of "$name")"
}

case_cgroups_disabled() {
    local name=${T_ID_PREFIX}nocg pid
    run_waiting "$name" --cgroups=disabled
    grep -q -- "--cgroup-manager disabled create .* $(cid "$name")\$" "$CALL_LOG" ||
        { echo "no '--cgroup-manager disabled create' in the call log" >&2; false; }
    # The container stays where conmon is: this test's cgroup (containers.conf says no-conmon).
    pid=$(pm inspect --format '{{.State.Pid}}' "$name")
    assert_eq "$(cat /proc/self/cgroup)" "$(cat "/proc/$pid/cgroup")"
}

trap 'rc=$?; teardown_podman; (exit $rc); t_cleanup_file' EXIT
setup_podman

t_case "run --rm: output, stdin (-i), exit codes, a missing command" case_run_rm
t_case "run -d, logs, stop (SIGTERM), rm" case_detached_logs_stop_rm
t_case "exec: output, exit code, -t, --user" case_exec
t_case "run -t: the console socket" case_run_tty
t_case "--memory, --pids-limit, --cpus, and podman update" case_resources
t_case "--cap-drop / --cap-add" case_caps
t_case "--read-only" case_read_only
t_case "--user" case_user
t_case "-v bind volumes, read-write and :ro" case_bind_volume
t_case "--security-opt seccomp=FILE: Podman's default profile and one of our own" case_seccomp
t_case "pod: two containers share localhost" case_pod_localhost
t_case "kube play and kube down" case_kube_play_down
t_case "--sdnotify=container: ready reported through Podman" case_sdnotify
t_case "podman ps / inspect follow the true state (created, running, paused, exited, restarted)" case_true_states
t_case "--cgroups=disabled: --cgroup-manager disabled, no cgroup of its own" case_cgroups_disabled

teardown_podman
t_done
