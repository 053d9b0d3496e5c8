#!/bin/bash
# shellcheck disable=SC2317,SC2031,SC2016 # the cases are called through t_case, which sets T_CASE_DIR; scripts for the container
# sd_notify through NOTIFY_SOCKET, as runc proxies it: the container gets a socket of ocirun's
# at /run/notify/notify.sock, and its READY= reaches the host socket with MAINPID (the init for
# start and run -d, ocirun itself for run in the foreground). start and run -d return once
# READY came or the container exited without it; nothing of it exists without NOTIFY_SOCKET.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
command -v python3 >/dev/null || t_skip_all "python3 is not installed (the host's notify listener)"
t_setup_file

# A host notify socket: every datagram received is appended to FILE, a line per line. recv()
# without room for ancillary data closes the fd of a BARRIER=1, which acknowledges it.
cat >"$T_TMP/listener.py" <<'EOF'
import socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
open(out, "w").close()
with open(out + ".ready", "w"):
    pass
with open(out, "a") as f:
    while True:
        msg = s.recv(65536).decode()
        f.write(msg if msg.endswith("\n") else msg + "\n")
        f.flush()
EOF

# Starts a listener on socket PATH writing to FILE, stopped when the case ends.
start_listener() {
    local path=$1 file=$2
    python3 "$T_TMP/listener.py" "$path" "$file" &
    local pid=$!
    t_defer kill "$pid"
    wait_until 10 test -e "$file.ready"
}

# make_bundle with a tmpfs at /run, as engines give containers: /run/notify is made there, not
# in the shared rootfs.
notify_bundle() {
    local b
    b=$(make_bundle "$@")
    edit_config "$b" '.mounts += [{destination: "/run", type: "tmpfs", source: "tmpfs",
                                   options: ["nosuid", "nodev", "mode=755"]}]'
    echo "$b"
}

case_run_detached_forwards_ready() {
    local b id pid host=$T_CASE_DIR/host.sock got=$T_CASE_DIR/got
    start_listener "$host" "$got"
    b=$(notify_bundle ready sh -c 'echo "env=$NOTIFY_SOCKET"; probe notify STATUS=starting
        probe notify "READY=1
STATUS=serving"; exec probe sleep 1000')
    id=$(new_id ready)
    t_defer oci delete --force "$id"
    NOTIFY_SOCKET=$host oci run -d --bundle "$b" "$id" >"$T_CASE_DIR/out" 2>&1
    pid=$(pid_of "$id")
    # run -d returned after the barrier: the listener has written everything before it.
    file_has_line "$got" READY=1 || { echo "no READY=1 at the host: $(cat "$got")" >&2; false; }
    file_has_line "$got" "MAINPID=$pid" || { echo "no MAINPID=$pid at the host: $(cat "$got")" >&2; false; }
    assert_not_contains "$(cat "$got")" STATUS= "only the READY line is forwarded"
    wait_until 10 grep -q '^env=' "$T_CASE_DIR/out"
    assert_eq env=/run/notify/notify.sock "$(grep '^env=' "$T_CASE_DIR/out")"
    test -S "$T_ROOT/$id/notify/notify.sock"
    oci delete --force "$id"
    [ ! -e "$T_ROOT/$id" ] || { echo "state dir left: $(ls -R "$T_ROOT/$id")" >&2; false; }
}

case_start_waits_for_ready() {
    local b id pid host=$T_CASE_DIR/host.sock got=$T_CASE_DIR/got
    start_listener "$host" "$got"
    # The READY comes after a while: start must still be waiting for it.
    b=$(notify_bundle start sh -c 'probe sleep 1; probe notify READY=1 >/dev/null; exec probe sleep 1000')
    id=$(new_id start)
    t_defer oci delete --force "$id"
    NOTIFY_SOCKET=$host oci create --bundle "$b" "$id"
    pid=$(pid_of "$id")
    assert_eq "" "$(cat "$got")" "nothing is sent at create"
    NOTIFY_SOCKET=$host oci start "$id"
    file_has_line "$got" READY=1 || { echo "start returned before READY: $(cat "$got")" >&2; false; }
    file_has_line "$got" "MAINPID=$pid"
    assert_eq running "$(status_of "$id")"
}

case_run_foreground_abstract_socket() {
    local b id name got=$T_CASE_DIR/got rc=0 runpid
    name="@ocirun-test-notify-$$-$RANDOM"
    start_listener "$name" "$got"
    b=$(notify_bundle fg sh -c 'probe notify READY=1; exit 7')
    id=$(new_id fg)
    t_defer oci delete --force "$id"
    NOTIFY_SOCKET=$name "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id" >"$T_CASE_DIR/out" 2>&1 &
    runpid=$!
    wait "$runpid" || rc=$?
    assert_eq 7 "$rc" "run's exit code; output: $(cat "$T_CASE_DIR/out")"
    assert_eq notify=sent "$(cat "$T_CASE_DIR/out")"
    wait_until 10 file_has_line "$got" READY=1
    # In the foreground ocirun is the process that lives as long as the container.
    wait_until 10 file_has_line "$got" "MAINPID=$runpid"
}

case_no_ready_no_hang() {
    local b id host=$T_CASE_DIR/host.sock got=$T_CASE_DIR/got
    start_listener "$host" "$got"
    b=$(notify_bundle silent probe exit 3)
    # Each of them returns although READY never comes (timeout turns a hang into a failure).
    id=$(new_id silent)
    t_defer oci delete --force "$id"
    NOTIFY_SOCKET=$host timeout 60 "$OCIRUN" --root "$T_ROOT" run -d --bundle "$b" "$id"
    wait_until 10 has_status "$id" stopped
    oci delete "$id"
    id=$(new_id silent)
    t_defer oci delete --force "$id"
    NOTIFY_SOCKET=$host oci create --bundle "$b" "$id"
    NOTIFY_SOCKET=$host timeout 60 "$OCIRUN" --root "$T_ROOT" start "$id"
    wait_until 10 has_status "$id" stopped
    oci delete "$id"
    id=$(new_id silent)
    t_defer oci delete --force "$id"
    assert_exit 3 env NOTIFY_SOCKET="$host" timeout 60 "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id"
    assert_eq "" "$(cat "$got")" "nothing reached the host"
}

case_mount_only_with_notify_socket() {
    local b id out host=$T_CASE_DIR/host.sock got=$T_CASE_DIR/got
    b=$(notify_bundle mounts sh -c 'probe mounts; echo "env=${NOTIFY_SOCKET:-unset}"')
    id=$(new_id plain)
    t_defer oci delete --force "$id"
    out=$(env -u NOTIFY_SOCKET "$OCIRUN" --root "$T_ROOT" run --bundle "$b" "$id")
    assert_not_contains "$out" /run/notify
    assert_contains "$out" env=unset
    id=$(new_id plain)
    t_defer oci delete --force "$id"
    env -u NOTIFY_SOCKET "$OCIRUN" --root "$T_ROOT" create --bundle "$b" "$id" >/dev/null
    [ ! -e "$T_ROOT/$id/notify" ] || { echo "a notify directory without NOTIFY_SOCKET" >&2; false; }
    oci delete "$id"
    start_listener "$host" "$got"
    id=$(new_id notify)
    t_defer oci delete --force "$id"
    out=$(NOTIFY_SOCKET=$host oci run --bundle "$b" "$id")
    grep -q '^mount=/run/notify type=.* opts=ro,nosuid,nodev,noexec' <<<"$out" ||
        { echo "no read-only /run/notify: $out" >&2; false; }
    assert_contains "$out" env=/run/notify/notify.sock
}

# The user namespace's root cannot look up ocirun's state directory (0700, host root's): the
# socket's directory is cloned as a detached mount by ocirun and attached by the init.
case_user_namespace() {
    local b id out host=$T_CASE_DIR/host.sock got=$T_CASE_DIR/got
    start_listener "$host" "$got"
    b=$(notify_bundle userns sh -c 'probe notify READY=1; probe ids')
    edit_config "$b" '.linux.namespaces += [{type: "user"}]
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    id=$(new_id userns)
    t_defer oci delete --force "$id"
    out=$(NOTIFY_SOCKET=$host oci run --bundle "$b" "$id")
    assert_eq notify=sent "$(head -n1 <<<"$out")" "notify from inside the user namespace"
    wait_until 10 file_has_line "$got" READY=1
}

case_bad_notify_socket() {
    local b id long
    b=$(notify_bundle bad probe exit 0)
    id=$(new_id bad)
    t_defer oci delete --force "$id"
    long=$T_TMP/$(printf 'x%.0s' {1..120})
    assert_fails env NOTIFY_SOCKET="$long" "$OCIRUN" --root "$T_ROOT" create --bundle "$b" "$id"
    assert_contains "$ERR" NOTIFY_SOCKET
    [ ! -e "$T_ROOT/$id" ] || { echo "state dir left after a failed create" >&2; false; }
}

t_case "run -d forwards READY=1 and MAINPID of the init, and nothing else" case_run_detached_forwards_ready
t_case "start returns once the container sent READY" case_start_waits_for_ready
t_case "run in the foreground forwards to an abstract socket with its own pid" case_run_foreground_abstract_socket
t_case "a container that never notifies does not hang run -d, start or run" case_no_ready_no_hang
t_case "/run/notify is mounted read-only only with NOTIFY_SOCKET" case_mount_only_with_notify_socket
t_case "a container with its own user namespace reaches the socket" case_user_namespace
t_case "an unusable NOTIFY_SOCKET fails create and leaves nothing" case_bad_notify_socket
t_done
