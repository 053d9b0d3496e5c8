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
#   rootless    the runtime run by an unprivileged user made for the file, on bundles from
#               `ocirun spec --rootless` (see attack_setup_rootless); cases that cannot apply
#               there skip with the reason (not_rootless).
# OCIRUN_FP: a runtime built with -Dfault_points=true (default build-fp/ in the source tree);
# the race cases skip without it.
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

: "${ATTACK_MODE:=root}"
: "${OCIRUN_FP:=$T_SRC_DIR/build-fp/runtime/ocirun}"
: "${NO_OPENAT2:=$T_SRC_DIR/build/tests/attacks/no_openat2}"
# Sets the runtime up for ATTACK_MODE; to call after t_require_ocirun and t_setup_file.
attack_setup_mode() {
    OCIRUN_REAL=$OCIRUN
    ATTACK_ROOT=$T_ROOT
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
        rootless) attack_setup_rootless ;;
        *) t_bail_out "unknown ATTACK_MODE $ATTACK_MODE" ;;
    esac
    t_diag "mode: $ATTACK_MODE (runtime $OCIRUN_REAL)"
    export OCIRUN
}

mode_rootless() { [ "$ATTACK_MODE" = rootless ]; }

# Skips the case in rootless mode, saying why it cannot apply there.
not_rootless() {
    if mode_rootless; then skip "rootless: $1"; fi
}

# --- rootless mode ---------------------------------------------------------------------------
# An unprivileged user made for the file (with subordinate id ranges, removed at exit) runs its
# own copy of the runtime ($OCIRUN, owned and writable by it: the "host binary" it must not be
# able to change through a container) with its default state root $XDG_RUNTIME_DIR/ocirun, on
# bundles from `ocirun spec --rootless` over rootfs copies it owns. Sentinels, volumes and pause
# dirs are the user's too, so that a failed defence would reach them.

# Gives PATH... (recursively) to the test user in rootless mode; a no-op otherwise.
give_user() {
    if mode_rootless; then chown -R -h "$RL_UID:$RL_GID" "$@"; fi
}

_rl_exit() {
    local rc=$?
    # The file's cleanup first (it deletes the user's containers through the runtime; it ends
    # in exit, hence the subshell), then the user.
    (exit "$rc")
    (t_cleanup_file)
    rl_remove_user
    exit "$rc"
}

attack_setup_rootless() {
    local cmd
    for cmd in setpriv useradd userdel usermod unshare newuidmap newgidmap; do
        command -v "$cmd" >/dev/null || t_skip_all "rootless: $cmd is not installed (util-linux / passwd / uidmap)"
    done
    if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ] ||
        [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" = 0 ]; then
        t_skip_all "rootless: unprivileged user namespaces are disabled on this host"
    fi
    trap _rl_exit EXIT
    rl_create_user "ociat$$"
    # The user reaches its own directory in the file's temp dir and what the cases give it.
    chmod 711 "$T_TMP"
    mkdir -p "$RL_HOME" "$RL_XDG" "$RL_DIR/bin"
    cp -a "$ROOTFS" "$RL_ROOTFS"
    install -m 0755 "$OCIRUN" "$RL_DIR/bin/ocirun"
    chown -R "$RL_UID:$RL_GID" "$RL_DIR"
    chmod 700 "$RL_XDG"
    t_diag "rootless: user $RL_USER (uid $RL_UID), subordinate ids $RL_SUB_START+$RL_SUB_COUNT"
    OCIRUN=$RL_DIR/bin/ocirun
    ATTACK_ROOT=$RL_ROOT
    t_add_state_root "$RL_ROOT"
    local err
    if ! err=$(cd / && as_user unshare --user --map-root-user true 2>&1); then
        t_skip_all "rootless: the user cannot create a user namespace here: $err"
    fi
    RL_TEMPLATE=$RL_DIR/template.json
    (cd "$RL_DIR" && as_user "$OCIRUN" spec --rootless && mv config.json template.json) ||
        t_bail_out "rootless: ocirun spec --rootless failed"
    # A run from the template must work, or no case could say anything.
    local b out rc=0 id=${T_ID_PREFIX}0-probe
    b=$(make_bundle rootless-probe true)
    out=$(oci run --bundle "$b" "$id" 2>&1) || rc=$?
    oci delete --force "$id" >/dev/null 2>&1
    [ $rc -eq 0 ] || t_skip_all "rootless: the user cannot run a container: $(tail -n1 <<<"$out")"
    [ -z "$(attack_state_entries)" ] ||
        t_bail_out "rootless: the probe container left state behind"
}

# In rootless mode, lib.sh's oci runs the user's runtime with its default state root (and
# remembers the pid of each container it creates, for the leak check); everything built on it
# (pid_of, status_of, assert_fails oci ...) follows.
eval "_attack_root_$(declare -f oci)"
oci() {
    mode_rootless || { _attack_root_oci "$@"; return; }
    uoci "$@"
}

# In rootless mode, lib.sh's bundles get the rootless template's namespaces, id mappings,
# mounts and resources, and the user's rootfs copy; the bundle is the user's.
eval "_attack_root_$(declare -f make_bundle)"
make_bundle() {
    local b
    b=$(_attack_root_make_bundle "$@") || return 1
    if mode_rootless; then
        # shellcheck disable=SC2016 # jq variables
        edit_config "$b" '($t[0]) as $t
            | .linux.namespaces = $t.linux.namespaces
            | .linux.uidMappings = $t.linux.uidMappings
            | .linux.gidMappings = $t.linux.gidMappings
            | .mounts = $t.mounts
            | .linux.resources = $t.linux.resources
            | .root.path = $root' --slurpfile t "$RL_TEMPLATE" --arg root "$RL_ROOTFS" || return 1
        give_user "$b"
    fi
    echo "$b"
}

# The entries of the mode's state root (the seccomp cache outlives containers by design, and
# so does the empty directory a delete sets aside for the next create: what is in it counts).
attack_state_entries() {
    [ -d "$ATTACK_ROOT" ] || return 0
    { find "$ATTACK_ROOT" -mindepth 1 -maxdepth 1 ! -name .seccomp-cache ! -name .~spare -printf '%f\n'
      find "$ATTACK_ROOT/.~spare" -mindepth 1 -printf '.~spare/%P\n' 2>/dev/null; } | sort
}

# The host pids of the processes in container ID's pid namespace (`ocirun ps` needs a cgroup,
# which a rootless container may not have).
container_pids() {
    local init ns p
    init=$(pid_of "$1") || return 1
    ns=$(readlink "/proc/$init/ns/pid") || return 1
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
    done
    return 0
}

# Runs the runtime like oci, killed after SECS seconds: oci_timeout SECS ARGS...
oci_timeout() {
    local secs=$1
    shift
    if mode_rootless; then
        as_user timeout "$secs" "$OCIRUN" "$@"
    else
        timeout "$secs" "$OCIRUN" --root "$T_ROOT" "$@"
    fi
}

# lib.sh's edit_config replaces config.json with a new file of root's: give it back.
eval "_attack_root_$(declare -f edit_config)"
edit_config() {
    _attack_root_edit_config "$@" || return 1
    give_user "$1/config.json"
}

# In rootless mode, adds the user's subordinate ids as container ids 1..65536 to BUNDLE's
# mappings (through newuidmap/newgidmap), for cases that need more ids than 0.
map_subids() {
    mode_rootless || return 0
    # shellcheck disable=SC2016 # jq variables
    edit_config "$1" '.linux.uidMappings += [{containerID: 1, hostID: $s, size: 65536}]
        | .linux.gidMappings += [{containerID: 1, hostID: $s, size: 65536}]' --argjson s "$RL_SUB_START"
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
    # Rootless, the user could reach its own files if a defence failed: the sentinel is its.
    give_user "$dir"
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

# Prints a private, writable copy of the test rootfs (the rootless user's in that mode).
copy_rootfs() {
    local dir=$T_TMP/rootfs-$1
    rm -rf "$dir"
    cp -a "$ROOTFS" "$dir"
    give_user "$dir"
    echo "$dir"
}

# make_bundle_on ROOT NAME ARGS...: make_bundle on a private rootfs copy ROOT (writable unless
# RO=1).
make_bundle_on() {
    local root=$1 name=$2 b
    shift 2
    b=$(make_bundle "$name" "$@") || return 1
    # What the case planted in the rootfs is the rootless user's too (links themselves only).
    give_user "$root"
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

# Runs the fault-point build (through no_openat2 in that mode, as the user rootless) with this
# file's state root,
# pausing at POINT: fp_oci POINT ARGS...  The pause files live in $FP_DIR.
fp_oci() {
    local point=$1
    shift
    local runtime=$OCIRUN_FP
    if mode_rootless; then
        as_user OCIRUN_FAULT_POINT="$point" OCIRUN_FAULT_MODE=pause OCIRUN_FAULT_DIR="$FP_DIR" "$runtime" "$@"
        return
    fi
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
    give_user "$FP_DIR"
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
    [ -d "$T_ROOT" ] && find "$T_ROOT" -mindepth 1 -maxdepth 1 ! -name .~spare -printf 'state %p\n'
    [ -d "$T_ROOT/.~spare" ] && find "$T_ROOT/.~spare" -mindepth 1 -printf 'state %p\n'
    awk -v a="$T_TMP" -v b="$ROOTFS" 'index($5, a) || index($5, b) { print "mount " $5 " (mount id " $1 ")" }' \
        /proc/self/mountinfo
    find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "*${T_ID_PREFIX}*" -printf 'cgroup %p\n' 2>/dev/null
    local pid cmd
    for pid in $(_t_test_pids); do
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
        echo "process $pid: ${cmd:0:120}"
    done
}
