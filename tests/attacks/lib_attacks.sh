# shellcheck shell=bash
# The attack suite's additions to tests/integration/lib.sh: the run mode, host sentinels, private
# rootfs copies, the fault-point build for deterministic races, and small probes.
#
# Every case is named after its T-id in /work/shared/SECURITY-CATALOG.md section 3 and aims at
# sentinel files under the case's temp dir, never at real host files (core_pattern and the like
# are only read, before and after).
#
# ATTACK_MODE (meson sets it):
#   root        the runtime as built, as root (default);
#   no-openat2  OCIRUN is tests/attacks/no_openat2 wrapping the runtime: openat2 fails with
#               ENOSYS under seccomp, so every rootfs lookup takes the userspace fallback;
#   rootless    the runtime run by an unprivileged user (skipped while that does not work).
# OCIRUN_FP: a runtime built with -Dfault_points=true (default build-fp/ in the source tree);
# the race cases skip without it.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

: "${ATTACK_MODE:=root}"
: "${OCIRUN_FP:=$T_SRC_DIR/build-fp/runtime/ocirun}"
: "${NO_OPENAT2:=$T_SRC_DIR/build/tests/attacks/no_openat2}"
# The unprivileged user of rootless mode.
: "${ATTACK_USER:=65534}"

# Sets the runtime up for ATTACK_MODE; to call after t_require_ocirun.
attack_setup_mode() {
    OCIRUN_REAL=$OCIRUN
    case $ATTACK_MODE in
        root) ;;
        no-openat2)
            [ -x "$NO_OPENAT2" ] || t_skip_all "the no_openat2 wrapper is not built ($NO_OPENAT2)"
            # The wrapper must really block openat2, or this mode would test nothing.
            local probe
            probe=$("$NO_OPENAT2" python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
how = (ctypes.c_uint64 * 3)(0o10000000, 0, 0)
print(libc.syscall(437, -100, b"/", how, 24), ctypes.get_errno())' 2>&1) || true
            [ "$probe" = "-1 38" ] || t_bail_out "no_openat2 does not make openat2 fail with ENOSYS: $probe"
            export NO_OPENAT2_EXEC=$OCIRUN
            OCIRUN=$NO_OPENAT2
            # fp_oci runs the fault-point build through the wrapper too.
            ;;
        rootless) attack_require_rootless ;;
        *) t_bail_out "unknown ATTACK_MODE $ATTACK_MODE" ;;
    esac
    t_diag "mode: $ATTACK_MODE (runtime $OCIRUN_REAL)"
    export OCIRUN
}

# Runs CMD... as the unprivileged test user, in a clean environment.
as_user() {
    setpriv --reuid "$ATTACK_USER" --regid "$ATTACK_USER" --clear-groups \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RL_HOME" XDG_RUNTIME_DIR="$RL_HOME/run" "$@"
}

# Rootless mode needs a runtime that runs containers for an unprivileged user: `ocirun spec
# --rootless` and a run from its config. Skips the whole file with the reason otherwise.
attack_require_rootless() {
    command -v setpriv >/dev/null || t_skip_all "rootless: setpriv (util-linux) is not installed"
    RL_HOME=$(mktemp -d /tmp/ocirun-rootless.XXXXXX)
    chmod 0755 "$RL_HOME"
    chown "$ATTACK_USER:$ATTACK_USER" "$RL_HOME"
    install -m 0755 "$OCIRUN" "$RL_HOME/ocirun"
    local out rc=0
    out=$(as_user sh -c '
        set -e
        mkdir -p "$HOME/run" "$HOME/b"
        cd "$HOME/b"
        "$HOME/ocirun" spec --rootless
        jq --arg r "$1" ".root.path = \$r | .process.terminal = false | .process.args = [\"true\"]" \
            config.json >c && mv c config.json
        "$HOME/ocirun" --root "$HOME/run/oci" run rootless-probe' sh "$ROOTFS" 2>&1) || rc=$?
    as_user "$RL_HOME/ocirun" --root "$RL_HOME/run/oci" delete --force rootless-probe >/dev/null 2>&1
    rm -rf "$RL_HOME"
    if [ $rc -ne 0 ]; then
        t_skip_all "rootless: an unprivileged user cannot run a container yet: $(tail -n1 <<<"$out")"
    fi
    # Rootless support works: the cases below run only as root so far.
    t_skip_all "rootless: runs, but this file has no rootless variant of its cases yet"
}

# Succeeds in the modes where rootfs paths are resolved without openat2.
mode_no_openat2() { [ "$ATTACK_MODE" = no-openat2 ]; }

# --- sentinels -----------------------------------------------------------------------------

# Creates sentinel dir NAME on the host (a file with random content, a subdir, a file in it)
# and prints its path.
make_sentinel() {
    local dir=$T_TMP/sentinel-$1
    rm -rf "$dir"
    mkdir -p "$dir/sub"
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/secret"
    echo keep >"$dir/file"
    echo keep >"$dir/sub/file"
    chmod 0600 "$dir/secret"
    # mtimes in the past, so a touch shows.
    find "$dir" -exec touch -h -d '2001-01-01 00:00:00' {} +
    echo "$dir"
}

# Everything about the tree at DIR that an attack could change: names, types, modes, owners,
# sizes, mtimes, link targets and contents.
sentinel_state() {
    (cd "$1" && find . -printf '%y %m %U:%G %s %T@ %p %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

# Records the sentinel DIR's state; check_sentinel fails if it changed since.
record_sentinel() {
    sentinel_state "$1" >"$1.state"
}

check_sentinel() {
    local now
    now=$(sentinel_state "$1")
    if [ "$now" != "$(cat "$1.state")" ]; then
        echo "host sentinel $1 changed:" >&2
        diff <(cat "$1.state") <(echo "$now") | sed 's/^/    /' >&2
        return 1
    fi
}

# Host files we never write, only compare: their content before and after every attack.
host_files_state() {
    cat /proc/sys/kernel/core_pattern /proc/sys/kernel/domainname /proc/sys/kernel/shm_rmid_forced \
        /proc/sys/net/ipv4/ip_forward 2>/dev/null
    stat -c '%n %F %t:%T %U:%G %a' /dev/null
}

# --- bundles --------------------------------------------------------------------------------

# Prints a private, writable copy of the test rootfs.
copy_rootfs() {
    local dir=$T_TMP/rootfs-$1
    rm -rf "$dir"
    cp -a "$ROOTFS" "$dir"
    echo "$dir"
}

# make_bundle NAME ARGS... on a private rootfs copy ROOT (writable unless RO=1).
make_bundle_on() {
    local root=$1 name=$2 b
    shift 2
    b=$(make_bundle "$name" "$@") || return 1
    # shellcheck disable=SC2016
    edit_config "$b" '.root = {path: $root, readonly: ($ro == "1")}' --arg root "$root" --arg ro "${RO:-0}"
    echo "$b"
}

# Appends a mount to BUNDLE: DESTINATION TYPE SOURCE [OPTION...].
add_mount() {
    local bundle=$1 dest=$2 type=$3 src=$4
    shift 4
    local opts
    opts=$(printf '%s\n' "$@" | jq -R 'select(. != "")' | jq -sc .)
    # shellcheck disable=SC2016
    edit_config "$bundle" '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
        --arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$opts"
}

# Removes the mounts at DESTINATION... from BUNDLE.
drop_mounts() {
    local bundle=$1
    shift
    # shellcheck disable=SC2016
    edit_config "$bundle" '.mounts |= map(select(.destination as $d | $drop | index($d) | not))' \
        --argjson drop "$(printf '%s\n' "$@" | jq -R . | jq -sc .)"
}

# Fails if the host's mount table mentions TEXT.
assert_no_host_mount() {
    if grep -F -- "$1" /proc/self/mountinfo >&2; then
        echo "the host mount table names $1 (above)" >&2
        return 1
    fi
}

# --- fault points ---------------------------------------------------------------------------

# Skips the case unless the fault-point build exists.
require_fault_points() {
    [ -x "$OCIRUN_FP" ] || skip "no fault-point build at $OCIRUN_FP (meson setup build-fp -Dfault_points=true; scripts/test.sh does it)"
}

# Runs the fault-point build (through no_openat2 in that mode) with this file's state root,
# pausing at POINT: fp_oci POINT ARGS...  The pause files live in $FP_DIR.
fp_oci() {
    local point=$1
    shift
    local runtime=$OCIRUN_FP
    if mode_no_openat2; then
        NO_OPENAT2_EXEC=$OCIRUN_FP OCIRUN_FAULT_POINT=$point OCIRUN_FAULT_MODE=pause OCIRUN_FAULT_DIR=$FP_DIR \
            "$NO_OPENAT2" --root "$T_ROOT" "$@"
        return
    fi
    OCIRUN_FAULT_POINT=$point OCIRUN_FAULT_MODE=pause OCIRUN_FAULT_DIR=$FP_DIR "$runtime" --root "$T_ROOT" "$@"
}

# Makes a fresh pause dir for one case and sets FP_DIR.
fp_dir() {
    FP_DIR=$(mktemp -d "$T_TMP/fp.XXXXXX")
}

# Waits until POINT was reached; prints the pid that reached it.
fp_wait() {
    wait_until "${2:-30}" test -s "$FP_DIR/$1.reached"
    head -n1 "$FP_DIR/$1.reached"
}

fp_release() {
    touch "$FP_DIR/$1.go"
}

# --- leak check -----------------------------------------------------------------------------

# As lib.sh's, but a cgroup counts only when it carries this file's id prefix: every container
# of this suite has such an id (and so such a default cgroup path), and other users of the
# machine's /ocirun cgroups are not this file's leaks.
_t_leak_state() {
    [ -d "$T_ROOT" ] && find "$T_ROOT" -mindepth 1 -maxdepth 1 -printf 'state %p\n'
    awk -v a="$T_TMP" -v b="$ROOTFS" 'index($5, a) || index($5, b) { print "mount " $5 " (mount id " $1 ")" }' \
        /proc/self/mountinfo
    find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "*${T_ID_PREFIX}*" -printf 'cgroup %p\n' 2>/dev/null
    local pid cmd
    for pid in $(_t_test_pids); do
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
        echo "process $pid: ${cmd:0:120}"
    done
}
