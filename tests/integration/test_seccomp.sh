#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# linux.seccomp: default actions with rules against them, errnoRet and defaultErrnoRet, the
# killing actions, argument conditions, unknown syscall names, flags, a Docker-sized profile,
# and SCMP_ACT_NOTIFY with a seccomp agent (python3) at listenerPath that answers the syscall.
# The syscalls used: mkdir/mkdirat (busybox mkdir), personality (busybox linux32/linux64),
# chmod/fchmodat (busybox chmod), open/openat (probe write, probe open-write).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

DEFAULT_PROFILE=$T_SRC_DIR/tests/data/seccomp/default-profile.json

# Makes bundle NAME whose linux.seccomp is the JSON SECCOMP and whose process is ARGS...; prints
# its path.
sc_bundle() {
    local name=$1 seccomp=$2 b
    shift 2
    b=$(make_bundle "$name" "$@")
    # shellcheck disable=SC2016
    edit_config "$b" '.linux.seccomp = $sc' --argjson sc "$seccomp"
    echo "$b"
}

# Runs BUNDLE under a fresh id (deleted when the case ends), capturing as assert_exit does:
# $OUT, $ERR, $RC.
run_capture() {
    local id
    id=$(new_id "${2:-sc}")
    t_defer oci delete --force "$id"
    _t_capture oci run --bundle "$1" "$id"
}

# Rules that give ACTION (with more keys from the JSON object EXTRA) to mkdir and mkdirat.
mkdir_rule() {
    # shellcheck disable=SC2016
    jq -cn --arg a "$1" --argjson extra "${2:-{\}}" '{names: ["mkdir", "mkdirat"], action: $a} + $extra'
}

# A shell line that tries mkdir and touch in the container's /dev/shm (a tmpfs) and reports.
TRY_MKDIR='mkdir /dev/shm/d 2>&1; echo mkdir=$?; touch /dev/shm/f 2>&1 && echo touch-ok; probe seccomp'

case_allow_with_deny() {
    local b
    b=$(sc_bundle allow "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_ERRNO)]}" \
        sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_eq 0 "$RC"
    assert_contains "$OUT" "Operation not permitted" "SCMP_ACT_ERRNO without errnoRet is EPERM"
    assert_contains "$OUT" "mkdir=1"
    assert_contains "$OUT" touch-ok "a syscall no rule names is allowed"
    assert_contains "$OUT" seccomp=2
    # The same process without the filter: mkdir works.
    edit_config "$b" 'del(.linux.seccomp)'
    run_capture "$b"
    assert_contains "$OUT" "mkdir=0"
    assert_contains "$OUT" seccomp=0
}

# The Docker profile without mkdir and mkdirat: an allow list under defaultAction ERRNO.
allow_list_without_mkdir() {
    jq -c '.syscalls |= map(.names |= map(select(. != "mkdir" and . != "mkdirat")))' "$DEFAULT_PROFILE"
}

case_errno_with_allow_list() {
    local b profile
    profile=$(allow_list_without_mkdir)
    assert_eq SCMP_ACT_ERRNO "$(jq -r .defaultAction <<<"$profile")"
    b=$(sc_bundle allowlist "$profile" sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_eq 0 "$RC"
    assert_contains "$OUT" "Operation not permitted" "defaultErrnoRet 1 is EPERM"
    assert_contains "$OUT" "mkdir=1"
    assert_contains "$OUT" touch-ok "an allowed syscall works"
    assert_contains "$OUT" seccomp=2
    # defaultErrnoRet chooses the errno: EACCES (13).
    edit_config "$b" '.linux.seccomp.defaultErrnoRet = 13'
    run_capture "$b"
    assert_contains "$OUT" "Permission denied" "defaultErrnoRet 13"
    assert_contains "$OUT" touch-ok
    # Without defaultErrnoRet, SCMP_ACT_ERRNO is EPERM.
    edit_config "$b" 'del(.linux.seccomp.defaultErrnoRet)'
    run_capture "$b"
    assert_contains "$OUT" "Operation not permitted" "no defaultErrnoRet"
    assert_contains "$OUT" touch-ok
}

case_errno_ret() {
    local b
    b=$(sc_bundle errnoret "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
                             \"syscalls\": [$(mkdir_rule SCMP_ACT_ERRNO '{"errnoRet": 2}')]}" sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_contains "$OUT" "No such file or directory" "errnoRet 2 is ENOENT"
    assert_contains "$OUT" touch-ok
    edit_config "$b" '.linux.seccomp.syscalls[0].errnoRet = 30'
    run_capture "$b"
    assert_contains "$OUT" "Read-only file system" "errnoRet 30 is EROFS"
    # probe names the errno exactly: EXDEV (18) for its open(O_CREAT) of a new file.
    b=$(sc_bundle errnoret2 '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["open", "openat", "creat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}' \
        probe write /dev/shm/f text)
    run_capture "$b"
    assert_eq 0 "$RC"
    assert_eq error=EXDEV "$OUT"
    # An errnoRet that does not fit seccomp's 16 bits, or on an action without an errno, is an error.
    edit_config "$b" '.linux.seccomp.syscalls[0].errnoRet = 70000'
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "errnoRet 70000 was accepted" >&2; false; }
    assert_contains "$ERR" errnoRet
    edit_config "$b" '.linux.seccomp.syscalls[0] |= (.action = "SCMP_ACT_KILL_PROCESS" | .errnoRet = 1)'
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "errnoRet on SCMP_ACT_KILL_PROCESS was accepted" >&2; false; }
    assert_contains "$ERR" errnoRet
    assert_eq "" "$(state_dirs)"
}

case_kill_actions() {
    local b action
    # The container's process itself makes the syscall: run reports 128 + SIGSYS (31).
    for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
        b=$(sc_bundle "kill-$action" "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule "$action")]}" \
            mkdir /dev/shm/d)
        run_capture "$b"
        assert_eq 159 "$RC" "$action: exit status"
    done
    # A shell sees its child killed by SIGSYS and goes on.
    b=$(sc_bundle killsh "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_KILL_PROCESS)]}" \
        sh -c 'mkdir /dev/shm/d; echo status=$?; test -d /dev/shm/d || echo no-dir')
    run_capture "$b"
    assert_eq 0 "$RC"
    assert_eq "$(printf 'status=159\nno-dir')" "$OUT"
    # In an exec'd process too; the container lives on.
    b=$(sc_bundle killexec "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_KILL_PROCESS)]}" \
        sleep 1000)
    local id
    id=$(new_id killexec)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >/dev/null
    oci start "$id"
    assert_exit 159 oci exec "$id" mkdir /dev/shm/e
    assert_eq running "$(status_of "$id")"
}

case_log_trace() {
    local b
    # SCMP_ACT_LOG allows (and logs).
    b=$(sc_bundle log "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_LOG)]}" \
        sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_contains "$OUT" "mkdir=0"
    # SCMP_ACT_TRACE without a tracer: the syscall fails with ENOSYS.
    b=$(sc_bundle trace "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_TRACE)]}" \
        sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_contains "$OUT" "Function not implemented"
    assert_contains "$OUT" "mkdir=1"
    assert_contains "$OUT" touch-ok
    # An ALLOW rule under defaultAction ERRNO (the allow list) and an ERRNO rule under ALLOW
    # that repeats the default are fine.
    b=$(sc_bundle repeat "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_ALLOW)]}" \
        sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_contains "$OUT" "mkdir=0"
    # An unknown action is refused.
    b=$(sc_bundle badaction "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_NO_SUCH)]}" true)
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "an unknown action was accepted" >&2; false; }
    assert_contains "$ERR" SCMP_ACT_NO_SUCH
    assert_eq "" "$(state_dirs)"
}

case_arg_conditions() {
    local b
    # personality(PER_LINUX32 = 8) only: linux32 fails, linux64 (personality(0)) works.
    b=$(sc_bundle argeq '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"],
            "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}' \
        sh -c 'linux32 true 2>&1; echo l32=$?; linux64 true 2>&1; echo l64=$?')
    run_capture "$b"
    assert_eq "$(printf 'linux32: personality(0x8): Operation not permitted\nl32=1\nl64=0')" "$OUT" "SCMP_CMP_EQ"
    # SCMP_CMP_NE 8: the other way round.
    edit_config "$b" '.linux.seccomp.syscalls[0].args[0].op = "SCMP_CMP_NE"'
    run_capture "$b"
    assert_contains "$OUT" "l32=0" "SCMP_CMP_NE"
    assert_contains "$OUT" "l64=1" "SCMP_CMP_NE"
    # Two conditions on one argument are two rules (as runc): either value is denied.
    edit_config "$b" '.linux.seccomp.syscalls[0].args = [{index: 0, value: 8, op: "SCMP_CMP_EQ"},
                                                          {index: 0, value: 0, op: "SCMP_CMP_EQ"}]'
    run_capture "$b"
    assert_contains "$OUT" "l32=1" "two conditions on arg 0"
    assert_contains "$OUT" "l64=1" "two conditions on arg 0"

    # SCMP_CMP_MASKED_EQ on the mode: chmod to 0700 is denied, to 0755 allowed.
    b=$(sc_bundle argmask '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
             "args": [{"index": 1, "value": 511, "valueTwo": 448, "op": "SCMP_CMP_MASKED_EQ"}]},
            {"names": ["fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO",
             "args": [{"index": 2, "value": 511, "valueTwo": 448, "op": "SCMP_CMP_MASKED_EQ"}]}]}' \
        sh -c 'touch /dev/shm/f; chmod 700 /dev/shm/f 2>&1; echo c700=$?; chmod 755 /dev/shm/f; echo c755=$?;
               chmod 4700 /dev/shm/f 2>&1; echo c4700=$?; stat -c %a /dev/shm/f')
    run_capture "$b"
    assert_contains "$OUT" "Operation not permitted" "SCMP_CMP_MASKED_EQ"
    assert_contains "$OUT" "c700=1"
    assert_contains "$OUT" "c755=0"
    assert_contains "$OUT" "c4700=1" "the mask ignores the setuid bit"
    assert_eq 755 "$(tail -n1 <<<"$OUT")"

    # Conditions on different arguments all have to hold. probe write opens with
    # O_WRONLY|O_CREAT|O_TRUNC (O_CREAT = 64) and mode 0644; open-write without O_CREAT.
    local creat='[{"index": 2, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]'
    b=$(sc_bundle argand "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [
            {\"names\": [\"openat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 30, \"args\": $creat},
            {\"names\": [\"open\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 30,
             \"args\": [{\"index\": 1, \"value\": 64, \"valueTwo\": 64, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}" \
        sh -c 'probe write /dev/shm/f x; probe open-write /dev/null')
    run_capture "$b"
    assert_eq "$(printf 'error=EROFS\nok')" "$OUT" "O_CREAT denied, the rest allowed"
    # And mode 0600 (it is 0644): no longer all hold, so allowed.
    edit_config "$b" '.linux.seccomp.syscalls[0].args += [{index: 3, value: 384, op: "SCMP_CMP_EQ"}]
                      | .linux.seccomp.syscalls[1].args += [{index: 2, value: 384, op: "SCMP_CMP_EQ"}]'
    run_capture "$b"
    assert_eq "$(printf 'ok\nok')" "$OUT" "O_CREAT and mode 0600"
    edit_config "$b" '.linux.seccomp.syscalls[0].args[1].value = 420 | .linux.seccomp.syscalls[1].args[1].value = 420'
    run_capture "$b"
    assert_eq "$(printf 'error=EROFS\nok')" "$OUT" "O_CREAT and mode 0644"
    # An argument index past 5 is refused.
    edit_config "$b" '.linux.seccomp.syscalls[0].args[1].index = 6'
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "argument index 6 was accepted" >&2; false; }
    assert_contains "$ERR" index
    assert_eq "" "$(state_dirs)"
}

case_unknown_names() {
    local b
    b=$(sc_bundle unknown '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["ocirun_no_such_syscall", "mkdir", "mkdirat", "another_made_up_one"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["only_unknown_here"], "action": "SCMP_ACT_KILL_PROCESS"}]}' sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_eq 0 "$RC"
    assert_contains "$OUT" "Operation not permitted" "the known names of the rule apply"
    assert_contains "$OUT" touch-ok
    assert_not_contains "$ERR" error
    # In an allow list too: the unknown names are skipped, the rest allowed.
    b=$(sc_bundle unknown2 "$(jq -c '.syscalls[0].names += ["ocirun_no_such_syscall"]' "$DEFAULT_PROFILE")" \
        sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_eq 0 "$RC"
    assert_contains "$OUT" "mkdir=0"
}

case_flags() {
    local b
    b=$(sc_bundle flags "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
                          \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", \"SECCOMP_FILTER_FLAG_TSYNC\"],
                          \"syscalls\": [$(mkdir_rule SCMP_ACT_ERRNO)]}" sh -c "$TRY_MKDIR")
    run_capture "$b"
    assert_eq 0 "$RC"
    assert_contains "$OUT" "mkdir=1"
    assert_contains "$OUT" touch-ok
    edit_config "$b" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_NO_SUCH"]'
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "an unknown flag was accepted" >&2; false; }
    assert_contains "$ERR" SECCOMP_FILTER_FLAG_NO_SUCH
    assert_eq "" "$OUT"
    assert_eq "" "$(state_dirs)"
}

case_default_profile() {
    local b id
    [ -f "$DEFAULT_PROFILE" ] || { echo "missing $DEFAULT_PROFILE" >&2; false; }
    b=$(sc_bundle profile "$(cat "$DEFAULT_PROFILE")" probe all)
    run_capture "$b"
    assert_eq 0 "$RC" "probe all under the default profile"
    assert_eq 2 "$(probe_get "$OUT" seccomp)"
    assert_eq 0 "$(probe_get "$OUT" uid)"
    b=$(sc_bundle profile2 "$(cat "$DEFAULT_PROFILE")" sh -c 'unshare -U true 2>&1; echo unshare=$?')
    run_capture "$b"
    assert_eq "$(printf 'unshare: unshare(0x10000000): Operation not permitted\nunshare=1')" "$OUT"
    # Exec'd processes run under it too.
    b=$(sc_bundle profile3 "$(cat "$DEFAULT_PROFILE")" sleep 1000)
    id=$(new_id profile)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >/dev/null
    oci start "$id"
    assert_exit 0 oci exec "$id" probe all
    assert_eq 2 "$(probe_get "$OUT" seccomp)"
    assert_exit 1 oci exec "$id" unshare -U true
    assert_contains "$ERR" "Operation not permitted"
}

# The seccomp agent: listens on SOCKET; from each connection it keeps the message (the
# container process state) in LOG.N.json and takes the listener fd, then answers every
# notification on it with -ERRNO and logs "conn=N notified nr=NR pid=PID" to LOG, until the
# filter's last process is gone ("conn=N closed").
# shellcheck disable=SC2016 # python
SECCOMP_AGENT='
import ctypes, errno, fcntl, os, select, socket, sys, threading

NOTIF_RECV = 0xC0502100  # _IOWR("!", 0, struct seccomp_notif): 80 bytes
NOTIF_SEND = 0xC0182101  # _IOWR("!", 1, struct seccomp_notif_resp): 24 bytes

class Data(ctypes.Structure):
    _fields_ = [("nr", ctypes.c_int32), ("arch", ctypes.c_uint32),
                ("instruction_pointer", ctypes.c_uint64), ("args", ctypes.c_uint64 * 6)]

class Notif(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("pid", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("data", Data)]

class Resp(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("val", ctypes.c_int64), ("error", ctypes.c_int32),
                ("flags", ctypes.c_uint32)]

def iowr(nr, size):
    return (3 << 30) | (size << 16) | (ord("!") << 8) | nr

assert ctypes.sizeof(Notif) == 80 and ctypes.sizeof(Resp) == 24
assert iowr(0, 80) == NOTIF_RECV and iowr(1, 24) == NOTIF_SEND

path, out, answer = sys.argv[1], sys.argv[2], int(sys.argv[3])
lock = threading.Lock()

def log(line):
    with lock:
        with open(out, "a") as f:
            f.write(line + "\n")

def serve(conn, n):
    data, fds = b"", []
    while True:
        msg, got, _, _ = socket.recv_fds(conn, 65536, 4)
        fds += got
        if not msg:
            break
        data += msg
    conn.close()
    with open("%s.%d.json" % (out, n), "wb") as f:
        f.write(data)
    log("conn=%d fds=%d" % (n, len(fds)))
    if len(fds) != 1:
        return
    fd = fds[0]
    p = select.poll()
    p.register(fd, select.POLLIN)
    while True:
        events = p.poll()
        if not any(e & select.POLLIN for _, e in events):
            break  # POLLHUP: no process uses the filter any more
        buf = bytearray(ctypes.sizeof(Notif))  # the kernel wants it zeroed
        try:
            fcntl.ioctl(fd, NOTIF_RECV, buf, True)
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.EINTR):
                continue
            raise
        req = Notif.from_buffer_copy(buf)
        resp = Resp(id=req.id, val=0, error=-answer, flags=0)
        try:
            fcntl.ioctl(fd, NOTIF_SEND, bytearray(bytes(resp)), False)
        except OSError as e:
            log("conn=%d send failed: %s" % (n, e))
            continue
        log("conn=%d notified nr=%d pid=%d" % (n, req.data.nr, req.pid))
    os.close(fd)
    log("conn=%d closed" % n)

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
n = 0
while True:
    conn, _ = srv.accept()
    n += 1
    threading.Thread(target=serve, args=(conn, n), daemon=True).start()
'

# Starts the agent on SOCKET, logging to LOG and answering with ERRNO; waits until it listens.
start_agent() {
    local sock=$1 log=$2 err=$3 apid
    python3 -c "$SECCOMP_AGENT" "$sock" "$log" "$err" 2>"$log.err" &
    apid=$!
    t_defer kill "$apid"
    wait_until 10 test -S "$sock" || { cat "$log.err" >&2; return 1; }
}

case_notify() {
    python3 -c 'import socket; socket.recv_fds' 2>/dev/null || skip "python3 lacks socket.recv_fds (needs Python 3.9)"
    local sock=$T_TMP/agent.sock log=$T_CASE_DIR/agent.log out=$T_CASE_DIR/container.out b id pid msg
    start_agent "$sock" "$log" 30   # EROFS
    # shellcheck disable=SC2016
    b=$(sc_bundle notify "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$sock\",
                           \"listenerMetadata\": \"agent-meta=1\", \"syscalls\": [$(mkdir_rule SCMP_ACT_NOTIFY)]}" \
        sh -c 'mkdir /dev/shm/n 2>&1; echo mkdir=$?; test -d /dev/shm/n || echo no-dir; exec sleep 1000')
    id=$(new_id notify)
    t_defer oci delete --force "$id"
    oci create --bundle "$b" "$id" >"$out"
    pid=$(pid_of "$id")

    # The listener came with the container process state at create.
    wait_until 10 file_has_line "$log" "conn=1 fds=1"
    msg=$(cat "$log.1.json")
    jq -e . >/dev/null <<<"$msg" || { echo "the agent got no JSON: $msg" >&2; false; }
    [ -n "$(jq -r '.ociVersion // empty' <<<"$msg")" ] || { echo "no ociVersion in $msg" >&2; false; }
    assert_eq '["seccompFd"]' "$(jq -c .fds <<<"$msg")" "fds"
    assert_eq "$pid" "$(jq -r .pid <<<"$msg")" "pid"
    assert_eq agent-meta=1 "$(jq -r .metadata <<<"$msg")" "metadata"
    assert_eq "$id" "$(jq -r .state.id <<<"$msg")" "state.id"
    assert_eq "$pid" "$(jq -r .state.pid <<<"$msg")" "state.pid"
    assert_eq "$b" "$(jq -r .state.bundle <<<"$msg")" "state.bundle"
    local status
    status=$(jq -r .state.status <<<"$msg")
    [ "$status" = creating ] || [ "$status" = created ] || { echo "state.status is $status" >&2; false; }

    # The agent answers the container's mkdir.
    oci start "$id"
    wait_until 10 file_has_line "$out" no-dir
    assert_eq "$(printf "mkdir: can't create directory '/dev/shm/n': Read-only file system\nmkdir=1\nno-dir")" \
        "$(cat "$out")"
    grep -qE '^conn=1 notified nr=(83|258) ' "$log" || { echo "agent log:" >&2; cat "$log" >&2; false; }
    # Only the rule's syscalls reach the agent: one notification.
    assert_eq 1 "$(grep -c '^conn=1 notified' "$log")"

    # An exec'd process has its own filter: a second listener, for it.
    assert_exit 1 timeout 20 "$OCIRUN" --root "$T_ROOT" exec "$id" mkdir /dev/shm/e
    assert_contains "$ERR" "Read-only file system"
    wait_until 10 file_has_line "$log" "conn=2 fds=1"
    msg=$(cat "$log.2.json")
    assert_eq '["seccompFd"]' "$(jq -c .fds <<<"$msg")"
    assert_eq "$id" "$(jq -r .state.id <<<"$msg")"
    assert_eq running "$(jq -r .state.status <<<"$msg")"
    assert_eq agent-meta=1 "$(jq -r .metadata <<<"$msg")"
    [ "$(jq -r .pid <<<"$msg")" != "$pid" ] || { echo "the exec's listener names the init's pid" >&2; false; }
    grep -q '^conn=2 notified' "$log" || { echo "agent log:" >&2; cat "$log" >&2; false; }
    wait_until 10 file_has_line "$log" "conn=2 closed"

    oci delete --force "$id"
    wait_until 10 file_has_line "$log" "conn=1 closed"
}

case_notify_without_listener_path() {
    local b
    b=$(sc_bundle nolistener "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$(mkdir_rule SCMP_ACT_NOTIFY)]}" true)
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "SCMP_ACT_NOTIFY without listenerPath was accepted" >&2; false; }
    assert_contains "$ERR" listenerPath
    assert_eq "" "$OUT"
    assert_eq "" "$(state_dirs)"
    # Nor can it be the default action.
    edit_config "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/tmp/x.sock"}'
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "defaultAction SCMP_ACT_NOTIFY was accepted" >&2; false; }
    assert_contains "$ERR" SCMP_ACT_NOTIFY
    assert_eq "" "$(state_dirs)"
}

case_notify_agent_missing() {
    local b sock=$T_TMP/nobody-listens.sock
    b=$(sc_bundle noagent "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$sock\",
                            \"syscalls\": [$(mkdir_rule SCMP_ACT_NOTIFY)]}" true)
    run_capture "$b"
    [ "$RC" -ne 0 ] || { echo "create succeeded with no agent at listenerPath" >&2; false; }
    assert_contains "$ERR" "$sock"
    assert_eq "" "$OUT"
    assert_eq "" "$(state_dirs)"
}

t_case "defaultAction ALLOW with deny rules" case_allow_with_deny
t_case "defaultAction ERRNO with an allow list; defaultErrnoRet" case_errno_with_allow_list
t_case "errnoRet chooses the errno" case_errno_ret
t_case "KILL_PROCESS, KILL, KILL_THREAD and TRAP end the process by SIGSYS" case_kill_actions
t_case "LOG allows, TRACE without a tracer is ENOSYS, unknown actions are refused" case_log_trace
t_case "argument conditions: EQ, NE, MASKED_EQ, several" case_arg_conditions
t_case "unknown syscall names are ignored" case_unknown_names
t_case "flags are applied; an unknown flag is refused" case_flags
t_case "the Docker-sized default profile" case_default_profile
t_case "SCMP_ACT_NOTIFY hands the listener to the agent at listenerPath" case_notify
t_case "SCMP_ACT_NOTIFY without listenerPath is refused at create" case_notify_without_listener_path
t_case "SCMP_ACT_NOTIFY with no agent listening fails create clearly" case_notify_agent_missing
t_done
