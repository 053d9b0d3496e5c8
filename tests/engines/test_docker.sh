#!/bin/bash
# shellcheck disable=SC2317,SC2031,SC2016 # cases run through t_case; container commands in single quotes
# Docker runs its containers on ocirun, as root: a private dockerd (data-root, exec-root,
# pidfile and socket in a temp dir, its own containerd) with ocirun in its daemon.json and
# through `--add-runtime`, an image imported offline from the test rootfs, no network
# but loopback. Each case checks what the user sees and, in the call log of a wrapper around
# ocirun, that ocirun ran the container.
# shellcheck source-path=SCRIPTDIR source=engine_lib.sh
source "$(dirname "$0")/engine_lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
e_require_command dockerd
e_require_command docker "the Docker client"
e_require_command containerd "dockerd starts it"
t_require_cgroup_layout
t_setup_file

IMAGE=ocirun-test:latest
DK_DIR=$T_TMP/docker
DK_PID=
DK_READY=
# dockerd makes a few things whatever its flags: /run/docker/plugins, its trust key
# /etc/docker/key.json, and its containerd's shim sockets under /run/containerd. Each is
# removed at the end if this file made it (and, for shared directories, if empty).
SYSTEM_FILES_MADE=()
[ -e /etc/docker/key.json ] || SYSTEM_FILES_MADE+=(/etc/docker/key.json)
SYSTEM_DIRS_MADE=()
for d in /etc/docker /run/docker /run/containerd; do
    [ -e "$d" ] || SYSTEM_DIRS_MADE+=("$d")
done
# Every container's cgroup goes under this parent (dockerd --cgroup-parent).
DK_CGROUP_PARENT=${T_ID_PREFIX}docker

dk() {
    docker -H "unix://$DK_DIR/docker.sock" "$@"
}

# ocirun with the state root containerd's shim passes it.
dk_ocirun() {
    "$OCIRUN" --root "$DK_DIR/exec/runtime-runc/moby" "$@"
}

# docker run on ocirun, without a network, tagged for the leak check.
dk_run() {
    dk run --runtime ocirun --network none -e "OCIRUN_TEST_TAG=$T_ID_PREFIX" "$@"
}

start_dockerd() {
    mkdir -p "$DK_DIR"
    e_make_wrapper "$DK_DIR/bin"
    # A configuration file of our own (nothing from /etc/docker/daemon.json) with the README's
    # lines; the command line's --add-runtime names the same runtime ocirun-flag.
    jq -n --arg path "$WRAPPER" '{runtimes: {ocirun: {path: $path}}, "default-runtime": "ocirun"}' \
        >"$DK_DIR/daemon.json"
    dockerd --config-file "$DK_DIR/daemon.json" --data-root "$DK_DIR/data" --exec-root "$DK_DIR/exec" \
        --pidfile "$DK_DIR/docker.pid" -H "unix://$DK_DIR/docker.sock" \
        --iptables=false --ip6tables=false --bridge=none --storage-driver vfs \
        --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$DK_CGROUP_PARENT" \
        --add-runtime "ocirun-flag=$WRAPPER" >"$DK_DIR/dockerd.log" 2>&1 </dev/null &
    DK_PID=$!
    local i
    for i in $(seq 150); do
        dk version >/dev/null 2>&1 && return 0
        kill -0 "$DK_PID" 2>/dev/null || break
        sleep 0.2
    done
    local reason
    reason=$(grep -i 'level=\(error\|fatal\)' "$DK_DIR/dockerd.log" | tail -1)
    [ -n "$reason" ] || reason=$(tail -1 "$DK_DIR/dockerd.log")
    stop_dockerd
    t_skip_all "dockerd cannot start here: ${reason:-no output}"
}

setup_docker() {
    start_dockerd
    e_make_image_tar "$DK_DIR/rootfs.tar"
    local out
    out=$(dk import "$DK_DIR/rootfs.tar" "$IMAGE" 2>&1) || t_bail_out "docker import failed: $out"
    # One container before the first case: the cgroup parent it makes is not a case's leak.
    out=$(dk_run --rm "$IMAGE" true 2>&1) || t_bail_out "docker cannot run a container on ocirun: $out"
    DK_READY=1
}

remove_all_containers() {
    local ids
    mapfile -t ids < <(dk ps -aq 2>/dev/null)
    [ ${#ids[@]} -eq 0 ] || dk rm -f "${ids[@]}" >/dev/null 2>&1
    return 0
}

stop_dockerd() {
    DK_READY=
    [ -n "$DK_PID" ] || return 0
    remove_all_containers
    kill -TERM "$DK_PID" 2>/dev/null
    local i
    for i in $(seq 100); do
        kill -0 "$DK_PID" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL "$DK_PID" 2>/dev/null
    wait "$DK_PID" 2>/dev/null
    DK_PID=
    find /sys/fs/cgroup -maxdepth 2 -depth -type d -name "$DK_CGROUP_PARENT" -exec rmdir {} + 2>/dev/null
    local f d
    for f in "${SYSTEM_FILES_MADE[@]}"; do
        rm -f "$f"
    done
    for d in "${SYSTEM_DIRS_MADE[@]}"; do
        find "$d" -depth -type d -empty -delete 2>/dev/null
    done
    return 0
}

# The leak check's view of Docker: its containers and their cgroups.
t_extra_leak_state() {
    [ -n "$DK_READY" ] || return 0
    dk ps -a --format 'docker container {{.Names}} {{.ID}}' 2>/dev/null
    find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/$DK_CGROUP_PARENT/*" -printf 'cgroup %p\n' 2>/dev/null
}

t_extra_cleanup() {
    [ -n "$DK_READY" ] || return 0
    remove_all_containers
    return 0
}

logs_have() {
    dk logs "$1" 2>&1 | grep -qx -- "$2"
}

# Runs a detached container NAME that prints "started" and waits for a signal; removed at the
# end of the case. Sets ID to its full id.
run_waiting() {
    local name=$1
    shift
    ID=$(dk_run -d --name "$name" "$@" "$IMAGE" sh -c 'echo started; exec probe signal-wait')
    t_defer dk rm -f "$name"
    wait_until 10 logs_have "$name" ready
}

# --- cases -------------------------------------------------------------------------------------

case_run_rm() {
    local out id
    out=$(dk_run --rm --cidfile "$T_CASE_DIR/cid" "$IMAGE" sh -c 'echo "hello from docker"; probe ids')
    id=$(cat "$T_CASE_DIR/cid")
    assert_contains "$out" "hello from docker"
    assert_eq 0 "$(probe_get "$out" uid)"
    assert_called create "$id"
    assert_called start "$id"
    assert_called delete "$id"
    # -i: stdin through the shim.
    assert_eq from-stdin "$(echo from-stdin | dk_run --rm -i "$IMAGE" cat)"
    assert_exit 5 dk_run --rm "$IMAGE" probe exit 5
    # A missing command is the runtime's error, which Docker shows and maps to 127.
    assert_exit 127 dk_run --rm "$IMAGE" /no/such/command
    assert_contains "$ERR" "/no/such/command"
    assert_eq "" "$(dk ps -aq)"
    # Without --runtime: the default runtime is ocirun. And the one --add-runtime added.
    out=$(dk run --rm --network none -e "OCIRUN_TEST_TAG=$T_ID_PREFIX" --cidfile "$T_CASE_DIR/cid2" "$IMAGE" \
        echo default)
    assert_eq default "$out"
    assert_called create "$(cat "$T_CASE_DIR/cid2")"
    out=$(dk run --rm --runtime ocirun-flag --network none -e "OCIRUN_TEST_TAG=$T_ID_PREFIX" \
        --cidfile "$T_CASE_DIR/cid3" "$IMAGE" echo flag)
    assert_eq flag "$out"
    assert_called create "$(cat "$T_CASE_DIR/cid3")"
}

case_detached_exec_stop() {
    local name=${T_ID_PREFIX}detached id out rc=0
    run_waiting "$name"
    id=$ID
    assert_eq running "$(dk inspect --format '{{.State.Status}}' "$name")"
    # Docker's pid and ocirun's (in the state root the shim gives it) are the same process.
    assert_eq "$(dk inspect --format '{{.State.Pid}}' "$name")" "$(dk_ocirun state "$id" | jq -r .pid)"
    out=$(dk exec "$name" sh -c 'echo "in $OCIRUN_TEST_TAG"; tty || true')
    assert_contains "$out" "in $T_ID_PREFIX"
    assert_contains "$out" "not a tty"
    assert_exit 3 dk exec "$name" probe exit 3
    out=$(dk exec -t "$name" sh -c 'tty; exit 4' 2>&1) || rc=$?
    assert_eq 4 "$rc"
    assert_contains "$out" "/dev/pts/"
    # docker top lists the container's processes from `ocirun ps --format json`.
    assert_contains "$(dk top "$name")" "probe signal-wait"
    grep -q " ps --format json $id\$" "$CALL_LOG" || { echo "no 'ps --format json $id' in the call log" >&2; false; }
    dk pause "$name" >/dev/null
    assert_eq paused "$(dk inspect --format '{{.State.Status}}' "$name")"
    assert_eq paused "$(dk_ocirun state "$id" | jq -r .status)"
    dk unpause "$name" >/dev/null
    assert_eq running "$(dk_ocirun state "$id" | jq -r .status)"
    dk stop "$name" >/dev/null
    assert_eq exited "$(dk inspect --format '{{.State.Status}}' "$name")"
    assert_eq 0 "$(dk inspect --format '{{.State.ExitCode}}' "$name")"
    assert_contains "$(dk logs "$name")" "signal=15"
    dk rm "$name" >/dev/null
    assert_called create "$id"
    assert_called exec "$id"
    grep -q "kill $id 15\$" "$CALL_LOG" || { echo "no 'kill $id 15' in the call log" >&2; false; }
    grep -q " exec .*--console-socket .* $id\$" "$CALL_LOG" ||
        { echo "no 'exec --console-socket ... $id' in the call log" >&2; false; }
    # The shim's delete, then delete --force of the container already gone.
    grep -q " delete $id\$" "$CALL_LOG" || { echo "no 'delete $id' in the call log" >&2; false; }
    assert_eq "" "$(dk ps -aq)"
}

case_run_tty() {
    local out rc=0 id
    out=$(dk_run --rm -t --cidfile "$T_CASE_DIR/cid" "$IMAGE" sh -c 'tty; exit 6' 2>&1) || rc=$?
    assert_eq 6 "$rc"
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

case_resources_update() {
    local name=${T_ID_PREFIX}res id out
    run_waiting "$name" --memory 64m --pids-limit 33 --cpus 0.5
    id=$ID
    out=$(dk exec "$name" sh -c "$(limits_script)")
    assert_eq "67108864
33
50000 100000" "$out"
    # docker update: the shim's `update --resources -`, where unset fields stay as they are.
    dk update --cpus 0.25 "$name" >/dev/null
    out=$(dk exec "$name" sh -c "$(limits_script)")
    assert_eq "67108864
33
25000 100000" "$out"
    assert_called update "$id"
}

trap 'rc=$?; stop_dockerd; (exit $rc); t_cleanup_file' EXIT
setup_docker

t_case "docker run --rm: output, stdin (-i), exit codes, a missing command; default-runtime and --add-runtime" case_run_rm
t_case "docker run -d, exec (-t), top, pause/unpause, stop, rm" case_detached_exec_stop
t_case "docker run -t: the console socket" case_run_tty
t_case "--memory, --pids-limit, --cpus, and docker update" case_resources_update

stop_dockerd
t_done
