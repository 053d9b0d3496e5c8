#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# ocirun exec: a new process in a running container. It joins the init's namespaces and cgroup,
# takes the container's process settings with the command line's changes (--cwd, --env, --user,
# --additional-gids, --cap, --no-new-privs) or a whole --process file, gets the container's
# seccomp filter, and returns its exit code (or runs detached, or on a terminal).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

# Creates and starts a container from BUNDLE (whose process should keep running) under a fresh
# id with HINT; sets C_ID and C_PID (the init's host pid). The container's own output goes to
# $T_CASE_DIR/HINT.out. Deleted when the case ends.
C_ID=
C_PID=
start_container() {
    local b=$1 hint=${2:-exec}
    C_ID=$(new_id "$hint")
    t_defer oci delete --force "$C_ID"
    oci create --bundle "$b" "$C_ID" >"$T_CASE_DIR/$hint.out" 2>"$T_CASE_DIR/$hint.err" || {
        local rc=$?
        cat "$T_CASE_DIR/$hint.err" >&2
        return "$rc"
    }
    oci start "$C_ID"
    C_PID=$(pid_of "$C_ID")
    assert_eq running "$(status_of "$C_ID")"
}

# A running container whose process sleeps; the bundle is edited by the optional jq FILTER.
start_sleeper() {
    local hint=$1 filter=${2:-.} b
    b=$(make_bundle "$hint" sleep 1000)
    edit_config "$b" "$filter"
    start_container "$b" "$hint"
}

# exec's exit code is the process's, whatever it is.
case_exit_code() {
    start_sleeper code
    assert_exit 0 oci exec "$C_ID" true
    assert_exit 1 oci exec "$C_ID" false
    assert_exit 3 oci exec "$C_ID" probe exit 3
    assert_exit 42 oci exec "$C_ID" sh -c 'exit 42'
    assert_exit 255 oci exec "$C_ID" probe exit 255
    # The output comes through, and the arguments arrive as given.
    assert_exit 0 oci exec "$C_ID" sh -c 'printf "%s|" "$@"; echo' sh "a b" "" 'c"d'
    assert_eq 'a b||c"d|' "$OUT"
    # Killed by a signal: 128 + the signal, as a shell reports it.
    assert_exit 137 oci exec "$C_ID" sh -c 'kill -KILL $$'
    assert_eq running "$(status_of "$C_ID")" "an exec'd process's exit does not stop the container"
}

case_namespaces() {
    start_sleeper ns
    local out ns
    out=$(oci exec "$C_ID" probe ns)
    for ns in cgroup ipc mnt net pid uts user time; do
        assert_eq "$(readlink "/proc/$C_PID/ns/$ns")" "$(probe_get "$out" "ns_$ns")" "the $ns namespace"
    done
    assert_eq "$(readlink "/proc/$C_PID/ns/pid")" "$(probe_get "$out" ns_pid_for_children)"
    # The container's own namespaces, not the host's.
    assert_not_contains "$(probe_get "$out" ns_mnt)" "$(readlink /proc/self/ns/mnt)"
    assert_not_contains "$(probe_get "$out" ns_pid)" "$(readlink /proc/self/ns/pid)"
    out=$(oci exec "$C_ID" probe pid)
    local pid ppid
    pid=$(probe_get "$out" pid)
    ppid=$(probe_get "$out" ppid)
    [ "$pid" -gt 1 ] || { echo "exec'd process has pid $pid in the container" >&2; false; }
    # Its parent (ocirun, outside the pid namespace) is invisible there.
    assert_eq 0 "$ppid"
    # And it sees the container's processes: the init is pid 1, sleep.
    out=$(oci exec "$C_ID" cat /proc/1/cmdline | tr '\0' ' ')
    assert_eq "sleep 1000 " "$out"
    # And its cgroup namespace: the container's cgroup is its root, as for the init.
    assert_eq "$(oci exec "$C_ID" cat /proc/1/cgroup)" "$(oci exec "$C_ID" cat /proc/self/cgroup)" \
        "cgroup as seen from inside"
}

case_cwd_env() {
    start_sleeper cwdenv '.process.cwd = "/tmp" | .process.env += ["A=from-config", "B=kept"]'
    local out
    assert_eq cwd=/tmp "$(oci exec "$C_ID" probe cwd)" "the container's cwd by default"
    assert_eq cwd=/usr/bin "$(oci exec --cwd /usr/bin "$C_ID" probe cwd)"
    assert_fails oci exec --cwd /no/such/dir "$C_ID" probe cwd
    assert_contains "$ERR" "/no/such/dir"
    out=$(oci exec "$C_ID" probe env)
    assert_eq from-config "$(probe_get "$out" A)"
    assert_eq kept "$(probe_get "$out" B)"
    out=$(oci exec -e A=overridden --env NEW=x=y -e EMPTY= "$C_ID" probe env)
    assert_eq overridden "$(probe_get "$out" A)" "-e overrides the config's"
    assert_eq 1 "$(grep -c '^A=' <<<"$out")" "A appears once"
    assert_eq kept "$(probe_get "$out" B)"
    assert_eq x=y "$(probe_get "$out" NEW)"
    assert_contains "$out" $'\nEMPTY=\n'
    assert_eq "$(jq -r '.process.env[] | select(startswith("PATH="))' "$T_TMP/bundles/cwdenv/config.json")" \
        "$(grep '^PATH=' <<<"$out")"
    assert_eq "$T_ID_PREFIX" "$(probe_get "$out" OCIRUN_TEST_TAG)"
    assert_eq /root "$(probe_get "$out" HOME)"
    assert_not_contains "$out" "OCIRUN="
}

case_user() {
    start_sleeper user '.process.user = {uid: 0, gid: 4343, additionalGids: [5]}'
    local out
    out=$(oci exec "$C_ID" probe ids)
    assert_eq "$(printf 'uid=0\ngid=4343\neuid=0\negid=4343\ngroups=5')" "$out" "the container's user"
    out=$(oci exec --user 1000:1000 "$C_ID" probe ids)
    assert_eq "$(printf 'uid=1000\ngid=1000\neuid=1000\negid=1000\ngroups=5')" "$out" "--user 1000:1000"
    # A uid alone keeps the container's gid (as runc).
    out=$(oci exec --user 1 "$C_ID" probe ids)
    assert_eq "$(printf 'uid=1\ngid=4343\neuid=1\negid=4343\ngroups=5')" "$out" "--user 1"
    out=$(oci exec -u 1000:1000 --additional-gids 7 -g 100 "$C_ID" probe ids)
    assert_eq "$(printf 'uid=1000\ngid=1000\neuid=1000\negid=1000\ngroups=7,100')" "$out" "--additional-gids"
    assert_eq /home/tester "$(probe_get "$(oci exec -u 1000 "$C_ID" probe env)" HOME)" "HOME of uid 1000"
    # Names are refused: they would be looked up in the image's /etc/passwd.
    assert_fails oci exec --user tester "$C_ID" probe ids
    assert_contains "$ERR" "numeric"
    assert_eq "" "$OUT"
}

case_caps() {
    # CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29); CAP_SYS_ADMIN is 21.
    start_sleeper caps '.process.capabilities = {
        bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        effective: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
    local out
    out=$(oci exec "$C_ID" probe caps)
    assert_eq 0000000020000420 "$(probe_get "$out" cap_bnd)"
    assert_eq 0000000020000420 "$(probe_get "$out" cap_eff)"
    assert_eq 0000000020000420 "$(probe_get "$out" cap_prm)"
    out=$(oci exec --cap CAP_SYS_ADMIN "$C_ID" probe caps)
    assert_eq 0000000020200420 "$(probe_get "$out" cap_bnd)" "--cap CAP_SYS_ADMIN: bounding"
    assert_eq 0000000020200420 "$(probe_get "$out" cap_eff)" "--cap CAP_SYS_ADMIN: effective"
    assert_eq 0000000020200420 "$(probe_get "$out" cap_prm)" "--cap CAP_SYS_ADMIN: permitted"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_inh)" "--cap never adds to inheritable"
    assert_eq 0000000000000000 "$(probe_get "$out" cap_amb)" "--cap never adds to ambient"
    # Two of them, one already there.
    out=$(oci exec -c CAP_CHOWN -c CAP_KILL "$C_ID" probe caps)
    assert_eq 0000000020000421 "$(probe_get "$out" cap_eff)"
    # The container's init keeps its own.
    assert_eq 20000420 "$(awk '/^CapEff:/ { sub(/^0+/, "", $2); print $2 }' "/proc/$C_PID/status")"
}

# create refuses a capability name it does not know (test_process.sh); exec --cap must too,
# rather than run the process without it.
case_caps_unknown() {
    start_sleeper capsbad
    assert_exit 0 oci exec "$C_ID" true
    _t_capture oci exec --cap CAP_NO_SUCH_THING "$C_ID" sh -c 'echo ran'
    if [ "$RC" -eq 0 ] && [ "$OUT" = ran ]; then
        printf '%s\n' "$ERR"
        { echo "exec --cap CAP_NO_SUCH_THING runs the process without it (only a warning), while create refuses the name" >\&2; false; }
    fi
    assert_fails oci exec --cap CAP_NO_SUCH_THING "$C_ID" sh -c 'echo ran'
    assert_contains "$ERR" "CAP_NO_SUCH_THING"
    assert_eq "" "$OUT"
}

case_no_new_privs() {
    start_sleeper nnp '.process.noNewPrivileges = false'
    assert_eq no_new_privs=0 "$(oci exec "$C_ID" probe nnp)"
    assert_eq no_new_privs=1 "$(oci exec --no-new-privs "$C_ID" probe nnp)"
    assert_eq 0 "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$C_PID/status")" "the init is unchanged"
}

case_seccomp() {
    # mkdir (and mkdirat, which busybox may use) fail with ENOTSUP in the container.
    start_sleeper seccomp '.process.noNewPrivileges = false | .linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}'
    assert_eq seccomp=2 "$(oci exec "$C_ID" probe seccomp)"
    assert_eq 2 "$(awk '/^Seccomp:/ { print $2 }' "/proc/$C_PID/status")" "the init's filter"
    assert_fails oci exec "$C_ID" mkdir /dev/shm/d
    assert_contains "$ERR" "not supported"
    # With --process too.
    jq -n '{args: ["probe", "seccomp"], cwd: "/", user: {uid: 0, gid: 0}, env: ["PATH=/bin"]}' \
        >"$T_CASE_DIR/process.json"
    assert_eq seccomp=2 "$(oci exec --process "$T_CASE_DIR/process.json" "$C_ID")"
    # A filter-free container gives a filter-free exec (nothing leaks from ocirun).
    start_sleeper noseccomp '.process.noNewPrivileges = false | del(.linux.seccomp)'
    assert_eq seccomp=0 "$(oci exec "$C_ID" probe seccomp)"
}

case_process_file() {
    start_sleeper procfile
    # shellcheck disable=SC2016
    jq -n --arg tag "OCIRUN_TEST_TAG=$T_ID_PREFIX" '{
        args: ["sh", "-c", "probe ids; probe cwd; echo V=$V; probe nnp; probe caps; exit 5"],
        cwd: "/usr", user: {uid: 7, gid: 8, additionalGids: [9]},
        env: ["PATH=/bin:/usr/bin", "V=from-file", $tag],
        noNewPrivileges: true,
        capabilities: {bounding: ["CAP_CHOWN"], effective: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"]}}' \
        >"$T_CASE_DIR/process.json"
    assert_exit 5 oci exec --process "$T_CASE_DIR/process.json" "$C_ID"
    assert_eq 7 "$(probe_get "$OUT" uid)"
    assert_eq 8 "$(probe_get "$OUT" gid)"
    assert_eq 9 "$(probe_get "$OUT" groups)"
    assert_eq /usr "$(probe_get "$OUT" cwd)"
    assert_eq from-file "$(probe_get "$OUT" V)"
    assert_eq 1 "$(probe_get "$OUT" no_new_privs)"
    assert_eq 0000000000000001 "$(probe_get "$OUT" cap_bnd)"
    # -p is the short form; a process file that does not parse, or is missing, is an error.
    echo '{"args": ["true"], "cwd": "/"}' >"$T_CASE_DIR/short.json"
    assert_exit 0 oci exec -p "$T_CASE_DIR/short.json" "$C_ID"
    echo '{"args": [' >"$T_CASE_DIR/bad.json"
    assert_fails oci exec --process "$T_CASE_DIR/bad.json" "$C_ID"
    assert_contains "$ERR" "bad.json"
    assert_fails oci exec --process "$T_CASE_DIR/missing.json" "$C_ID"
    assert_contains "$ERR" "missing.json"
}

case_detach_pid_file() {
    start_sleeper detach
    local pidfile=$T_CASE_DIR/exec.pid pid
    # Returns at once, though the process sleeps.
    timeout 10 "$OCIRUN" --root "$T_ROOT" exec --detach --pid-file "$pidfile" "$C_ID" \
        sh -c 'echo started; exec sleep 1000' >"$T_CASE_DIR/detached.out" 2>&1
    pid=$(cat "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || { echo "pid file holds '$pid'" >&2; false; }
    kill -0 "$pid"
    # The pid is the host's view of the exec'd process, which is in the container.
    assert_eq "$(readlink "/proc/$C_PID/ns/pid")" "$(readlink "/proc/$pid/ns/pid")"
    assert_eq "$(readlink "/proc/$C_PID/ns/mnt")" "$(readlink "/proc/$pid/ns/mnt")"
    assert_eq "$(cat "/proc/$C_PID/cgroup")" "$(cat "/proc/$pid/cgroup")"
    wait_until 10 file_has_line "$T_CASE_DIR/detached.out" started
    assert_eq "sleep 1000 " "$(tr '\0' ' ' <"/proc/$pid/cmdline")"
    # It shows among the container's processes.
    assert_contains " $(oci ps --format json "$C_ID" | jq -r '.[]' | tr '\n' ' ') " " $pid "
    # Deleting the container takes it too.
    oci delete --force "$C_ID"
    wait_until 10 test ! -d "/proc/$pid"
}

# Listens on SOCKET for one connection, takes its fd (a pty master) and copies what arrives to
# OUT until the pty closes.
# shellcheck disable=SC2016 # python
CONSOLE_RECEIVER='
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(60)
conn, _ = srv.accept()
_, fds, _, _ = socket.recv_fds(conn, 4096, 4)
conn.close()
if len(fds) != 1:
    sys.exit("expected one fd, got %d" % len(fds))
with open(out, "wb") as f:
    while True:
        try:
            data = os.read(fds[0], 4096)
        except OSError:  # EIO: the last slave fd is closed
            break
        if not data:
            break
        f.write(data)
        f.flush()
'

case_tty_console_socket() {
    python3 -c 'import socket; socket.recv_fds' 2>/dev/null || skip "python3 lacks socket.recv_fds (needs Python 3.9)"
    start_sleeper tty
    local sock=$T_TMP/exec-console.sock out=$T_CASE_DIR/console.out rpid text
    python3 -c "$CONSOLE_RECEIVER" "$sock" "$out" 2>"$out.err" &
    rpid=$!
    t_defer kill "$rpid"
    wait_until 10 test -S "$sock"
    assert_exit 0 timeout 20 "$OCIRUN" --root "$T_ROOT" exec --tty --console-socket "$sock" "$C_ID" \
        sh -c 'tty; probe fds; echo done'
    wait_until 10 test ! -d "/proc/$rpid"
    text=$(tr -d '\r' <"$out")
    assert_contains "$(sed -n 1p <<<"$text")" /dev/pts/
    local pts
    pts=$(sed -n 1p <<<"$text")
    assert_contains "$text" "fd=0 $pts"
    assert_contains "$text" "fd=1 $pts"
    assert_contains "$text" "fd=2 $pts"
    assert_eq "done" "$(tail -n1 <<<"$text")"
    assert_eq "" "$OUT" "nothing on exec's own stdout"
    # A detached --tty without a console socket has nowhere to put the terminal.
    assert_fails oci exec --tty --detach "$C_ID" true
    assert_contains "$ERR" "console-socket"
}

case_stopped_container() {
    local b id
    b=$(make_bundle stopped true)
    id=$(new_id stopped)
    oci create --bundle "$b" "$id" >/dev/null
    t_defer oci delete --force "$id"
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    assert_fails timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$id" probe ids
    [ "$RC" -ne 124 ] || { echo "exec into a stopped container hung" >&2; false; }
    assert_contains "$ERR" "stopped"
    assert_eq "" "$OUT"
    # Nor into one that does not exist.
    assert_fails oci exec "$(new_id nosuch)" true
    assert_contains "$ERR" "does not exist"
}

case_paused_container() {
    start_sleeper paused
    # (delete --force thaws a paused container: no resume needed if the case fails.)
    oci pause "$C_ID"
    assert_eq paused "$(status_of "$C_ID")"
    assert_fails timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$C_ID" probe ids
    [ "$RC" -ne 124 ] || { echo "exec into a paused container hung" >&2; false; }
    assert_contains "$ERR" "paused"
    assert_eq "" "$OUT"
    # With --ignore-paused the process is made, frozen with the container until it resumes.
    "$OCIRUN" --root "$T_ROOT" exec --ignore-paused "$C_ID" sh -c 'echo ran' \
        >"$T_CASE_DIR/ignored.out" 2>"$T_CASE_DIR/ignored.err" &
    local epid=$! rc=0
    sleep 1
    assert_eq "" "$(cat "$T_CASE_DIR/ignored.out")" "ran while paused"
    oci resume "$C_ID"
    wait "$epid" || rc=$?
    cat "$T_CASE_DIR/ignored.err"
    assert_eq 0 "$rc" "exec --ignore-paused"
    assert_eq ran "$(cat "$T_CASE_DIR/ignored.out")"
    assert_eq running "$(status_of "$C_ID")"
}

case_signals_forwarded() {
    start_sleeper signals
    local out=$T_CASE_DIR/sig.out epid sig rc
    for sig in USR1:10 TERM:15 HUP:1 INT:2; do
        : >"$out"
        "$OCIRUN" --root "$T_ROOT" exec "$C_ID" probe signal-wait >"$out" 2>"$T_CASE_DIR/sig.err" &
        epid=$!
        wait_until 10 file_has_line "$out" ready
        kill -"${sig%%:*}" "$epid"
        rc=0
        wait "$epid" || rc=$?
        assert_eq 0 "$rc" "exec's exit after SIG${sig%%:*}"
        assert_eq "$(printf 'ready\nsignal=%s' "${sig#*:}")" "$(cat "$out")" "SIG${sig%%:*} reaches the process"
    done
    assert_eq running "$(status_of "$C_ID")" "the container did not get the signals"
}

case_fds() {
    start_sleeper fds
    local out
    exec 7<"$T_TMP/id-seq"
    out=$(oci exec "$C_ID" probe fds)
    assert_eq "0 1 2" "$(sed -n 's/^fd=\([0-9]*\) .*/\1/p' <<<"$out" | tr '\n' ' ' | sed 's/ $//')" "only stdio"
    assert_contains "$(sed -n 1p <<<"$out")" /dev/null "stdin is the caller's"
    # --preserve-fds N passes 3 .. 3+N-1 on, and no more.
    exec 3<"$T_TMP/id-seq" 4<"$T_TMP/pids" 5<"$T_TMP/id-seq"
    out=$(oci exec --preserve-fds 2 "$C_ID" probe fds)
    exec 3<&- 4<&- 5<&- 7<&-
    assert_eq "0 1 2 3 4" "$(sed -n 's/^fd=\([0-9]*\) .*/\1/p' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
    assert_contains "$out" "fd=3 $T_TMP/id-seq"
    assert_contains "$out" "fd=4 $T_TMP/pids"
}

case_missing_executable() {
    start_sleeper missing
    assert_fails timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$C_ID" /no/such/binary arg
    [ "$RC" -ne 124 ] || { echo "exec of a missing binary hung" >&2; false; }
    assert_contains "$ERR" "/no/such/binary"
    assert_eq "" "$OUT"
    assert_fails timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$C_ID" no-such-command
    [ "$RC" -ne 124 ] || { echo "exec of a missing command hung" >&2; false; }
    assert_contains "$ERR" "no-such-command"
    # Not executable.
    assert_fails timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$C_ID" /etc/passwd
    assert_contains "$ERR" "/etc/passwd"
    assert_eq running "$(status_of "$C_ID")"
    # No command at all.
    assert_fails oci exec "$C_ID"
    assert_contains "$ERR" "command"
}

case_fast_exits() {
    start_sleeper fast
    local i
    for i in $(seq 50); do
        assert_exit 0 timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$C_ID" true
    done
    for i in $(seq 10); do
        assert_exit 3 timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$C_ID" probe exit 3
    done
    # With output that is still in flight when the process exits.
    assert_exit 0 timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$C_ID" seq 20000
    assert_eq 20000 "$(wc -l <<<"$OUT")"
    assert_eq 20000 "$(tail -n1 <<<"$OUT")"
}

# A created (not started) container accepts exec too, as runc does.
case_created_container() {
    local b id
    b=$(make_bundle created sleep 1000)
    id=$(new_id created)
    oci create --bundle "$b" "$id" >/dev/null
    t_defer oci delete --force "$id"
    assert_exit 0 timeout 10 "$OCIRUN" --root "$T_ROOT" exec "$id" sh -c 'echo in-created'
    assert_eq in-created "$OUT"
    assert_eq created "$(status_of "$id")"
}

t_case "exec returns the process's exit code" case_exit_code
t_case "exec joins the container's namespaces and cgroup" case_namespaces
t_case "exec --cwd and --env over the container's" case_cwd_env
t_case "exec --user and --additional-gids" case_user
t_case "exec --cap adds to bounding, effective, permitted only" case_caps
t_case "exec --cap with an unknown name is refused" case_caps_unknown
t_case "exec --no-new-privs" case_no_new_privs
t_case "the container's seccomp filter applies to exec" case_seccomp
t_case "exec --process FILE" case_process_file
t_case "exec --detach --pid-file" case_detach_pid_file
t_case "exec --tty --console-socket" case_tty_console_socket
t_case "exec into a stopped container fails clearly" case_stopped_container
t_case "exec into a paused container needs --ignore-paused" case_paused_container
t_case "signals reach a foreground exec's process" case_signals_forwarded
t_case "exec passes only stdio unless --preserve-fds" case_fds
t_case "a missing executable fails clearly" case_missing_executable
t_case "fast-exiting execs never hang" case_fast_exits
t_case "exec into a created container" case_created_container
t_done
