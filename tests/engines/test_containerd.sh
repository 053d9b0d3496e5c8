#!/bin/bash
# shellcheck disable=SC2317,SC2031,SC2016 # the cases are called through t_case, which sets T_CASE_DIR; scripts for the container
# containerd drives ocirun: a containerd of our own (root, state and sockets under the temp dir)
# runs the test rootfs, imported as an OCI image archive, with `ctr run --runc-binary ocirun`.
# Its runc shim calls ocirun as it calls runc (--root, --log FILE --log-format json on every
# call; create/start/exec/ps --format json/pause/resume/kill/delete, then delete --force); the
# cases check what ctr reports, and through ocirun's own state and the cgroup files that ocirun
# did the work.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
for tool in containerd ctr containerd-shim-runc-v2 python3; do
    command -v "$tool" >/dev/null || t_skip_all "$tool is not installed (scripts/deps.sh installs containerd)"
done
t_setup_file
t_require_cgroup_layout

# containerd's root, state, sockets and log: outside T_TMP, whose name in a command line marks
# a process the leak check would kill, and the daemon lives across the cases.
CTRD=$(mktemp -d /tmp/ocirun-containerd.XXXXXX) || t_bail_out "mktemp failed"
NS=ocirun-test-$$                  # containerd namespace; also the parent of the containers' cgroups
RUNC_ROOT=$T_TMP/ocirun-state      # ocirun's --root is RUNC_ROOT/NS
IMAGE=docker.io/library/ocirun-test:latest
CTRD_PID=

# Stops our containerd and removes what it and the containers left: tasks and containers
# through ctr, then the daemon, its mounts and the namespace's cgroup directories.
stop_containerd() {
    local id
    if [ -n "$CTRD_PID" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
        for id in $(timeout 10 ctr -a "$CTRD/containerd.sock" -n "$NS" containers ls -q 2>/dev/null); do
            timeout 10 ctr -a "$CTRD/containerd.sock" -n "$NS" task kill -s KILL "$id" >/dev/null 2>&1
            timeout 10 ctr -a "$CTRD/containerd.sock" -n "$NS" task delete --force "$id" >/dev/null 2>&1
            timeout 10 ctr -a "$CTRD/containerd.sock" -n "$NS" containers delete "$id" >/dev/null 2>&1
        done
        kill -TERM "$CTRD_PID" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$CTRD_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$CTRD_PID" 2>/dev/null
        wait "$CTRD_PID" 2>/dev/null
    fi
    awk -v d="$CTRD" 'index($5, d) == 1 { print length($5), $5 }' /proc/self/mountinfo | sort -rn | cut -d' ' -f2- |
        while read -r mnt; do umount -l "$(printf '%b' "$mnt")" 2>/dev/null; done
    find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -depth -type d -path "*/$NS*" -exec rmdir {} + 2>/dev/null
    rm -rf --one-file-system "$CTRD"
    return 0
}

cleanup_engine_then_file() {
    local rc=$?
    stop_containerd
    (exit "$rc")
    t_cleanup_file
}
trap cleanup_engine_then_file EXIT

mkdir -p "$RUNC_ROOT"
cat >"$CTRD/config.toml" <<EOF
version = 2
root = "$CTRD/root"
state = "$CTRD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$CTRD/containerd.sock"
[ttrpc]
  address = "$CTRD/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD/opt"
EOF
containerd --config "$CTRD/config.toml" --log-level info >"$CTRD/containerd.log" 2>&1 &
CTRD_PID=$!
started=0
for _ in $(seq 100); do
    if ! kill -0 "$CTRD_PID" 2>/dev/null; then
        break
    fi
    if ctr -a "$CTRD/containerd.sock" version >/dev/null 2>&1; then
        started=1
        break
    fi
    sleep 0.2
done
if [ "$started" -ne 1 ]; then
    t_skip_all "containerd did not start: $(tail -n 3 "$CTRD/containerd.log" | tr '\n' ' ')"
fi

# ctr against our containerd, in our namespace.
c() {
    ctr -a "$CTRD/containerd.sock" -n "$NS" "$@"
}

# ctr run with ocirun as the runtime binary.
c_run() {
    c run --runc-binary "$OCIRUN" --runc-root "$RUNC_ROOT" "$@"
}

# ocirun on the state containerd's shim gave it.
oci_ctrd() {
    "$OCIRUN" --root "$RUNC_ROOT/$NS" "$@"
}

# The status column of `ctr task ls` for ID.
task_status() {
    c task ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_has_status() {
    [ "$(task_status "$1")" = "$2" ]
}

# The pid column of `ctr task ls` for ID.
task_pid() {
    c task ls | awk -v id="$1" '$1 == id { print $2 }'
}

# Kills, deletes and removes container ID (for t_defer).
remove_container() {
    c task delete --force "$1" >/dev/null 2>&1
    c containers delete "$1" >/dev/null 2>&1
    return 0
}

python3 "$T_LIB_DIR/../engines/make_oci_archive.py" "$ROOTFS" "$T_TMP/image.tar" "$IMAGE" ||
    t_bail_out "could not build the OCI archive of $ROOTFS"
c images import "$T_TMP/image.tar" >"$T_TMP/import.out" 2>&1 ||
    t_bail_out "ctr images import failed: $(cat "$T_TMP/import.out")"

case_run_output_and_exit_code() {
    local id out rc=0
    id=$(new_id run)
    t_defer remove_container "$id"
    out=$(c_run --rm "$IMAGE" "$id" sh -c 'echo "hello from $(hostname)"; exit 3' 2>&1) || rc=$?
    assert_eq 3 "$rc" "ctr run's exit code is the process's; output: $out"
    assert_contains "$out" "hello from"
    out=$(c_run --rm "$IMAGE" "$id" probe exit 0 2>&1)
    assert_eq "" "$out"
    [ ! -e "$RUNC_ROOT/$NS/$id" ] || { echo "ocirun state left by run --rm" >&2; false; }
}

case_detached_exec_ps() {
    local id pid out state
    id=$(new_id detached)
    t_defer remove_container "$id"
    c_run -d "$IMAGE" "$id" probe sleep 1000
    wait_until 30 task_has_status "$id" RUNNING
    pid=$(task_pid "$id")
    # The task is ocirun's: its state under the shim's --root has the same init.
    state=$(oci_ctrd state "$id")
    assert_eq running "$(jq -r .status <<<"$state")"
    assert_eq "$pid" "$(jq -r .pid <<<"$state")" "ocirun's pid is containerd's"
    out=$(c task exec --exec-id probe1 "$id" probe pid)
    assert_eq pid=2 "$(head -n1 <<<"$out")" "exec'd process in the container's pid namespace"
    c task exec -d --exec-id sleeper "$id" probe sleep 1000
    # task ps (ocirun ps --format json): the init and the exec'd process.
    wait_until 30 sh -c "[ \$(ctr -a '$CTRD/containerd.sock' -n '$NS' task ps '$id' | tail -n +2 | grep -c .) -eq 2 ]"
    out=$(c task ps "$id")
    printf '%s\n' "$out"
    grep -q "^${pid}[[:space:]]" <<<"$out" || { echo "the init $pid is not in task ps" >&2; false; }
    assert_eq "$(oci_ctrd ps --format json "$id" | jq -r '.[]' | sort -n)" \
        "$(tail -n +2 <<<"$out" | awk '{ print $1 }' | sort -n)" "task ps lists what ocirun ps does"
}

case_pause_resume_kill_delete() {
    local id
    id=$(new_id pause)
    t_defer remove_container "$id"
    c_run -d "$IMAGE" "$id" probe sleep 1000
    wait_until 30 task_has_status "$id" RUNNING
    c task pause "$id"
    assert_eq PAUSED "$(task_status "$id")"
    assert_eq paused "$(oci_ctrd state "$id" | jq -r .status)"
    c task resume "$id"
    assert_eq RUNNING "$(task_status "$id")"
    assert_eq running "$(oci_ctrd state "$id" | jq -r .status)"
    # The init is pid 1 of its namespace without a TERM handler: only KILL ends it.
    c task kill -s KILL "$id"
    wait_until 30 task_has_status "$id" STOPPED
    # The shim runs `delete ID`, then `delete --force ID` on a container already gone.
    c task delete "$id"
    [ ! -e "$RUNC_ROOT/$NS/$id" ] || { echo "ocirun state left after task delete" >&2; false; }
    assert_eq "" "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d -path "*/$NS/$id")" "the container's cgroups are gone"
    c containers delete "$id"
    assert_eq "" "$(c containers ls -q | grep -x -- "$id" || true)"
}

case_memory_limit() {
    local id pid rel file limit=$((32 << 20))
    id=$(new_id mem)
    t_defer remove_container "$id"
    c_run -d --memory-limit "$limit" "$IMAGE" "$id" probe sleep 1000
    wait_until 30 task_has_status "$id" RUNNING
    pid=$(task_pid "$id")
    if [ "$LAYOUT" = v2 ]; then
        rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
        file=/sys/fs/cgroup$rel/memory.max
    else
        rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")
        file=/sys/fs/cgroup/memory$rel/memory.limit_in_bytes
    fi
    assert_eq "/$NS/$id" "$rel" "containerd's cgroup path /<namespace>/<id>"
    assert_eq "$limit" "$(cat "$file")" "$file"
}

case_exec_error_from_ocirun() {
    local id
    id=$(new_id execerr)
    t_defer remove_container "$id"
    c_run -d "$IMAGE" "$id" probe sleep 1000
    wait_until 30 task_has_status "$id" RUNNING
    # The shim reads ocirun's error from its --log file (JSON lines) and puts it in its own.
    assert_fails c task exec --exec-id bad "$id" /no/such/program
    assert_contains "$ERR" "OCI runtime exec failed"
    assert_contains "$ERR" "exec $id: exec: /no/such/program: no such file or directory"
    assert_eq RUNNING "$(task_status "$id")" "the container runs on"
}

t_case "ctr run: the process's output and exit code" case_run_output_and_exit_code
t_case "ctr run -d, task exec and task ps (ocirun ps --format json)" case_detached_exec_ps
t_case "task pause, resume, kill and delete (delete, then delete --force)" case_pause_resume_kill_delete
t_case "ctr run --memory-limit: the limit in the container's cgroup" case_memory_limit
t_case "a failing exec shows ocirun's error message through the shim" case_exec_error_from_ocirun
t_done
