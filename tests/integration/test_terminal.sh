#!/bin/bash
# shellcheck disable=SC2317,SC2031 # the cases are called through t_case, which sets T_CASE_DIR
# process.terminal: the pty master goes to --console-socket (received here by a small python3
# listener), the process has the pty as its stdio and /dev/console, consoleSize is applied.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_ocirun
t_require_rootfs
t_setup_file

# Listens on SOCKET, takes one fd (the pty master) from each connection and copies what the
# container writes to OUT until the pty closes; "received" goes to OUT.fd when an fd came. It
# stops when no new connection comes within a second of a pty closing. (A container whose
# create is retried because of the known create race connects again: OUT holds the last one.)
# shellcheck disable=SC2016 # python
CONSOLE_RECEIVER='
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
srv.settimeout(60)
while True:
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        break
    _, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    conn.close()
    if len(fds) != 1:
        sys.exit("expected one fd, got %d" % len(fds))
    with open(out + ".fd", "a") as f:
        f.write("received\n")
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
    os.close(fds[0])
    srv.settimeout(1)
'

have_recv_fds() {
    python3 -c 'import socket; socket.recv_fds' 2>/dev/null
}

# Starts the receiver on SOCKET writing to OUT, waits until it listens.
start_receiver() {
    local sock=$1 out=$2
    python3 -c "$CONSOLE_RECEIVER" "$sock" "$out" 2>"$out.err" &
    echo $! >"$out.pid"
    t_defer kill "$(cat "$out.pid")"
    wait_until 10 test -S "$sock"
}

case_terminal() {
    have_recv_fds || skip "python3 lacks socket.recv_fds (needs Python 3.9)"
    local b id sock=$T_TMP/console.sock out=$T_CASE_DIR/console.out text
    b=$(make_bundle term sh -c 'tty; stty size; [ -c /dev/console ] && echo console-ok; probe fds; echo done')
    edit_config "$b" '.process.terminal = true | .process.consoleSize = {height: 30, width: 100}'
    id=$(new_id term)
    start_receiver "$sock" "$out"
    oci create --console-socket "$sock" --bundle "$b" "$id" >"$T_CASE_DIR/create.out"
    t_defer oci delete --force "$id"
    wait_until 10 test -s "$out.fd"
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    local rpid
    rpid=$(cat "$out.pid")
    wait_until 10 test ! -d "/proc/$rpid"
    text=$(tr -d '\r' <"$out")
    assert_eq /dev/pts/0 "$(sed -n 1p <<<"$text")" "tty"
    assert_eq "30 100" "$(sed -n 2p <<<"$text")" "stty size"
    assert_eq console-ok "$(sed -n 3p <<<"$text")"
    assert_contains "$text" "fd=0 /dev/pts/0"
    assert_contains "$text" "fd=1 /dev/pts/0"
    assert_contains "$text" "fd=2 /dev/pts/0"
    assert_eq "done" "$(tail -n1 <<<"$text")"
    # Nothing went to create's own stdout.
    assert_eq "" "$(cat "$T_CASE_DIR/create.out")"
    oci delete "$id"
}

case_console_is_pty() {
    have_recv_fds || skip "python3 lacks socket.recv_fds (needs Python 3.9)"
    local b id sock=$T_TMP/console2.sock out=$T_CASE_DIR/console.out text
    # /dev/console is the pty (pts major 136) and writing to it reaches the receiver.
    b=$(make_bundle term2 sh -c 'stat -c "%t" /dev/console; echo via-console >/dev/console')
    edit_config "$b" '.process.terminal = true'
    id=$(new_id term2)
    start_receiver "$sock" "$out"
    oci create --console-socket "$sock" --bundle "$b" "$id" >/dev/null
    t_defer oci delete --force "$id"
    wait_until 10 test -s "$out.fd"
    oci start "$id"
    wait_until 10 has_status "$id" stopped
    wait_until 10 test ! -d "/proc/$(cat "$out.pid")"
    text=$(tr -d '\r' <"$out")
    assert_eq "$(printf '88\nvia-console')" "$text"
    oci delete "$id"
}

case_terminal_without_socket() {
    local b id
    b=$(make_bundle term-nosock probe ids)
    edit_config "$b" '.process.terminal = true'
    id=$(new_id term-nosock)
    t_defer oci delete --force "$id"
    assert_fails oci create --bundle "$b" "$id"
    assert_contains "$ERR" "console-socket"
    assert_eq "" "$(state_dirs)"
    # A socket path where nothing listens.
    assert_fails oci create --console-socket "$T_TMP/nobody-listens.sock" --bundle "$b" "$id"
    assert_contains "$ERR" "nobody-listens.sock"
    assert_eq "" "$(state_dirs)"
    # And the id still works afterwards.
    edit_config "$b" '.process.terminal = false'
    assert_eq 0 "$(probe_get "$(oci run --bundle "$b" "$id")" uid)"
}

case_console_socket_without_terminal() {
    local b id
    b=$(make_bundle sock-noterm probe ids)
    id=$(new_id sock-noterm)
    t_defer oci delete --force "$id"
    assert_fails oci create --console-socket "$T_TMP/unused.sock" --bundle "$b" "$id"
    assert_contains "$ERR" "terminal"
    assert_eq "" "$(state_dirs)"
}

t_case "terminal: tty, consoleSize, /dev/console and stdio on the pty" case_terminal
t_case "terminal: /dev/console is the pty" case_console_is_pty
t_case "terminal without --console-socket fails and leaves nothing" case_terminal_without_socket
t_case "--console-socket without terminal is refused" case_console_socket_without_terminal
t_done
