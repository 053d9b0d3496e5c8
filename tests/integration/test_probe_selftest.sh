#!/bin/bash
# shellcheck disable=SC2317 # the cases are called through t_case
# Self-test of the integration harness without ocirun: the probe run in the test rootfs with
# chroot, and lib.sh's own verdicts (failures, skips, timeouts, leaks) checked on a small inner
# test file.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
t_require_root
t_require_rootfs
t_setup_file

# Runs CMD... chrooted into the rootfs with /proc mounted, in a private mount namespace so the
# mount never shows on the host (nor in the leak check).
# shellcheck disable=SC2016 # expanded by the inner sh
in_rootfs() {
    unshare -m --propagation private -- \
        sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOTFS" "$@"
}

if ! unshare -m --propagation private true 2>/dev/null; then
    t_skip_all "cannot create a mount namespace here"
fi

case_all_keys() {
    local out key
    out=$(FOO_SELFTEST=bar in_rootfs /bin/probe all)
    for key in uid gid euid egid groups cap_inh cap_prm cap_eff cap_bnd cap_amb \
        RLIMIT_CPU RLIMIT_NOFILE RLIMIT_NPROC RLIMIT_RTTIME fd mount hostname domainname \
        no_new_privs seccomp cwd umask pid ppid ns_cgroup ns_ipc ns_mnt ns_net ns_pid \
        ns_user ns_uts FOO_SELFTEST oom_score_adj; do
        probe_get "$out" "$key" >/dev/null
    done
    assert_eq bar "$(probe_get "$out" FOO_SELFTEST)"
    assert_eq 0 "$(probe_get "$out" uid)"
    assert_eq / "$(probe_get "$out" cwd)"
    assert_contains "$out" "mount=/proc type=proc "
    assert_not_contains "$out" "error="
    [[ $(probe_get "$out" cap_eff) =~ ^[0-9a-f]{16}$ ]] || { echo "cap_eff is not 16 hex digits" >&2; false; }
    [[ $(probe_get "$out" ns_mnt) =~ ^mnt:\[[0-9]+\]$ ]] || { echo "ns_mnt is not mnt:[N]" >&2; false; }
}

case_exit_code() {
    assert_exit 3 chroot "$ROOTFS" /bin/probe exit 3
    assert_exit 0 chroot "$ROOTFS" /bin/probe exit 0
    assert_exit 255 chroot "$ROOTFS" /bin/probe exit 255
}

case_umask() {
    local out
    out=$(chroot "$ROOTFS" /bin/probe umask)
    [[ $out =~ ^umask=[0-7]{4}$ ]] || { echo "not 4 octal digits: $out" >&2; false; }
    out=$(umask 027 && chroot "$ROOTFS" /bin/probe umask)
    assert_eq umask=0027 "$out"
}

case_usage() {
    assert_exit 2 chroot "$ROOTFS" /bin/probe no-such-subcommand
    assert_contains "$ERR" "usage: probe"
    assert_eq "" "$OUT"
    assert_exit 2 chroot "$ROOTFS" /bin/probe
}

case_ids_groups_sorted() {
    local out
    out=$(chroot --userspec=1000:1000 --groups=100,5,1000 "$ROOTFS" /bin/probe ids)
    assert_eq 1000 "$(probe_get "$out" uid)"
    assert_eq 1000 "$(probe_get "$out" egid)"
    assert_eq 5,100,1000 "$(probe_get "$out" groups)"
}

case_fds() {
    local out
    out=$(exec 7</dev/null; in_rootfs /bin/probe fds)
    assert_contains "$out" "fd=7 /dev/null"
    assert_not_contains "$out" "/proc/"
}

case_rlimits() {
    local out
    out=$(ulimit -n 123 && chroot "$ROOTFS" /bin/probe rlimits)
    assert_eq 123:123 "$(probe_get "$out" RLIMIT_NOFILE)"
    out=$(ulimit -c unlimited && chroot "$ROOTFS" /bin/probe rlimits)
    assert_eq unlimited:unlimited "$(probe_get "$out" RLIMIT_CORE)"
}

case_mount_propagation() {
    local out
    # shellcheck disable=SC2016
    out=$(unshare -m --propagation private -- sh -c '
        mount -t tmpfs -o size=1m,mode=0711 selftest "$0/tmp" &&
        mount --make-shared "$0/tmp" &&
        mount -t proc proc "$0/proc" &&
        exec chroot "$0" /bin/probe mounts' "$ROOTFS")
    local line
    line=$(grep '^mount=/tmp ' <<<"$out")
    assert_contains "$line" "type=tmpfs"
    assert_contains "$line" "mode=711"
    assert_contains "$line" "propagation=shared:"
    line=$(grep '^mount=/proc ' <<<"$out")
    assert_contains "$line" "propagation=private"
}

case_signal_wait() {
    local fifo=$T_TMP/signal.out
    chroot "$ROOTFS" /bin/probe signal-wait >"$fifo" &
    local pid=$! _
    for _ in $(seq 50); do
        grep -q '^ready$' "$fifo" && break
        sleep 0.1
    done
    assert_eq ready "$(cat "$fifo")"
    kill -USR1 "$pid"
    wait "$pid"
    assert_eq "$(printf 'ready\nsignal=10')" "$(cat "$fifo")"
}

case_write_reports() {
    local probe=$ROOTFS/bin/probe
    assert_eq ok "$("$probe" write "$T_TMP/written" hello)"
    assert_eq hello "$(cat "$T_TMP/written")"
    assert_eq error=ENOENT "$("$probe" open-write "$T_TMP/missing")"
    assert_eq error=ENOENT "$("$probe" write "$T_TMP/no/such/dir" x)"
    assert_eq error=ETXTBSY "$("$probe" exe-write)"
}

# lib.sh judging an inner file: each verdict must come out as TAP says it should, and whatever
# the inner cases leaked must be reported and gone afterwards.
case_lib_verdicts() {
    local inner=$T_TMP/inner.sh marker=$T_TMP/inner-leak-marker
    cat >"$inner" <<EOF
source "$T_LIB_DIR/lib.sh"
t_setup_file
passes() { assert_eq a a; }
fails() { local x=1; assert_eq 2 "\$x" "x is two"; echo unreachable; }
skips() { skip "not here"; }
hangs() { sleep 30; }
leaks() {
    bash -c 'sleep 300; :' "\$T_TMP" &
    echo "\$!" >"$marker"
    mkdir "\$T_ROOT/fake-container" "\$T_TMP/mnt"
    mount -t tmpfs selftest "\$T_TMP/mnt"
}
defers() { mkdir "\$T_ROOT/deferred"; t_defer rmdir "\$T_ROOT/deferred"; false; }
t_case "passes" passes
t_case "fails # with a hash" fails
t_case "skips" skips
t_skip "skipped outright" "no reason"
T_CASE_TIMEOUT=1 t_case "hangs" hangs
t_case "leaks" leaks
t_case "defers" defers
t_done
EOF
    assert_exit 1 env T_LEAK_SETTLE=1 bash "$inner"
    local out=$OUT
    assert_contains "$out" "ok 1 - passes"$'\n'
    assert_contains "$out" "not ok 2 - fails   with a hash"
    assert_contains "$out" "# assert_eq failed: x is two"
    assert_contains "$out" "#     expected| 2"
    assert_contains "$out" "#       actual| 1"
    assert_contains "$out" "in fails"
    assert_not_contains "$out" "unreachable"
    assert_contains "$out" "ok 3 - skips # SKIP not here"
    assert_contains "$out" "ok 4 - skipped outright # SKIP no reason"
    assert_contains "$out" "not ok 5 - hangs"
    assert_contains "$out" "timed out after 1s"
    assert_contains "$out" "not ok 6 - leaks"
    assert_contains "$out" "leaked state "
    assert_contains "$out" "/fake-container"
    assert_contains "$out" "leaked mount "
    assert_contains "$out" "leaked process $(cat "$marker"): bash -c sleep 300"
    assert_contains "$out" ": sleep 300"
    assert_contains "$out" "not ok 7 - defers"
    assert_not_contains "$out" "state/deferred"
    assert_contains "$out" $'\n1..7'
    # The leaked process was killed (a zombie until its new parent reaps it) and the mount
    # taken down.
    local pid state
    pid=$(cat "$marker")
    state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || true
    if [ -n "$state" ] && [ "$state" != Z ]; then
        echo "leaked process $pid still runs (state $state)" >&2
        false
    fi
    assert_not_contains "$(cat /proc/self/mountinfo)" "selftest"
}

t_case "probe all prints every key" case_all_keys
t_case "probe exit N exits N" case_exit_code
t_case "probe umask prints 4 octal digits" case_umask
t_case "unknown subcommand: usage on stderr, exit 2" case_usage
t_case "probe ids sorts the supplementary groups" case_ids_groups_sorted
t_case "probe fds lists inherited fds, not its own listing fd" case_fds
t_case "probe rlimits reports soft:hard and unlimited" case_rlimits
t_case "probe mounts reports type, options and propagation" case_mount_propagation
t_case "probe signal-wait names the signal it got" case_signal_wait
t_case "probe write/open-write/exe-write report ok or the errno name" case_write_reports
t_case "lib.sh reports failures, skips, timeouts and leaks" case_lib_verdicts
t_done
