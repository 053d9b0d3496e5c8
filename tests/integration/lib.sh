# shellcheck shell=bash
# The integration tests' library: TAP output, per-file temp state, bundles, assertions, and the
# leak check that wraps every case (state dirs, mounts, cgroups, processes: before == after).
#
# A test file:
#
#   source "$(dirname "$0")/lib.sh"
#   t_require_root
#   t_require_ocirun
#   t_setup_file
#
#   case_runs() {
#       local b; b=$(make_bundle run probe ids)
#       local id; id=$(new_id run)
#       out=$(oci run --bundle "$b" "$id")
#       assert_eq 0 "$(probe_get "$out" uid)"
#   }
#   t_case "run reports uid 0" case_runs
#   t_done
#
# Each case runs in a subshell with `set -eEu -o pipefail`, in its own process group, with
# stdin from /dev/null and cwd $T_TMP. Its output is shown as TAP diagnostics when it fails (or
# always with T_VERBOSE=1). A failing command reports where it failed.
#
# A file whose cases own more than ocirun's containers (an engine's) defines t_extra_leak_state
# (prints one line per thing it owns) and t_extra_cleanup (removes them); both join the leak check.
#
# Environment (meson sets the first three): OCIRUN, ROOTFS, SPECS_DIR; T_VERBOSE=1;
# T_CASE_TIMEOUT (seconds per case, default 120); T_LEAK_SETTLE (seconds a leak may take to go
# away by itself before it counts, default 3).

T_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_SRC_DIR=$(cd "$T_LIB_DIR/../.." && pwd)

# Defaults let a file run by hand from a tree built in build/.
if [ -z "${OCIRUN:-}" ] && [ -x "$T_SRC_DIR/build/runtime/ocirun" ]; then
    OCIRUN=$T_SRC_DIR/build/runtime/ocirun
fi
: "${OCIRUN:=}"
: "${ROOTFS:=$T_SRC_DIR/build/tests/rootfs/rootfs}"
: "${SPECS_DIR:=$T_SRC_DIR/specs}"
: "${T_CASE_TIMEOUT:=120}"
: "${T_LEAK_SETTLE:=3}"
: "${T_VERBOSE:=0}"
export OCIRUN ROOTFS SPECS_DIR

T_N=0          # cases so far (the TAP test number)
T_FAILED=0
T_TMP=         # per-file temp dir, removed on exit
T_ROOT=        # ocirun --root for this file
T_STATE_ROOTS=()   # further state roots the leak check covers (t_add_state_root)
T_CASE_PID=    # the running case's subshell (and process group)
# Container ids, cgroup names and the tag in every bundle's environment carry this prefix, so
# the leak check can tell this file's leftovers from anything else on the machine.
T_ID_PREFIX="oct$$-"

# --- TAP -----------------------------------------------------------------------------------

# Prints text as TAP diagnostics, one `# ` line per line.
t_diag() {
    local line
    if [ $# -gt 0 ]; then
        printf '%s\n' "$@"
    else
        cat
    fi | while IFS= read -r line || [ -n "$line" ]; do
        printf '# %s\n' "$line"
    done
}

# TAP descriptions end at a '#' (which starts a directive) and at a newline.
_t_tap_name() {
    local s=${1//#/ }
    printf '%s' "${s//$'\n'/ }"
}

# Skips the whole file (before any case): TAP `1..0 # SKIP`, which meson reports as skipped.
t_skip_all() {
    printf '1..0 # SKIP %s\n' "$(_t_tap_name "$*")"
    exit 0
}

t_bail_out() {
    printf 'Bail out! %s\n' "$(_t_tap_name "$*")"
    exit 1
}

t_require_root() {
    [ "$(id -u)" -eq 0 ] || t_skip_all "needs root"
}

t_require_ocirun() {
    [ -n "$OCIRUN" ] || t_skip_all "ocirun is not built (OCIRUN unset)"
    [ -x "$OCIRUN" ] || t_skip_all "ocirun binary $OCIRUN is not executable"
}

t_require_rootfs() {
    [ -x "$ROOTFS/bin/probe" ] || t_bail_out "test rootfs $ROOTFS has no /bin/probe: build the test_rootfs target"
}

# Creates this file's temp dir and state root and arranges that everything is cleaned up on
# exit, whatever state the cases left.
t_setup_file() {
    command -v jq >/dev/null || t_bail_out "jq is not installed (the integration tests edit config.json with it)"
    T_TMP=$(mktemp -d /tmp/ocirun-test.XXXXXX) || t_bail_out "mktemp failed"
    T_ROOT=$T_TMP/state
    mkdir -p "$T_ROOT" "$T_TMP/bundles" "$T_TMP/cases"
    : >"$T_TMP/pids"
    echo 0 >"$T_TMP/id-seq"
    trap t_cleanup_file EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
}

# Adds DIR (e.g. an unprivileged user's state root) to the state roots that the leak check
# watches and the cleanup empties. Call it at file level, not inside a case.
t_add_state_root() {
    T_STATE_ROOTS+=("$1")
}

# Runs FUNCTION [ARGS...] as one TAP case, wrapped by the leak check.
t_case() {
    local name fn
    name=$(_t_tap_name "$1")
    fn=$2
    shift 2
    [ -n "$T_TMP" ] || t_bail_out "t_case before t_setup_file"
    T_N=$((T_N + 1))
    local dir=$T_TMP/cases/$T_N
    mkdir -p "$dir"
    local out=$dir/output

    leak_snapshot

    # The subshell must not run where -e is ignored (after `||`, inside `if`): there bash
    # would ignore its `set -e` too. Its own process group lets a timeout kill all it started.
    local saved_opts pid rc
    saved_opts=$(set +o)
    set +e -m
    # shellcheck disable=SC2030 # T_CASE_DIR and T_DEFERRED live in the case's subshell only
    (
        set -eEu -o pipefail
        shopt -s inherit_errexit
        T_CASE_DIR=$dir
        T_DEFERRED=()
        trap _t_err_trap ERR
        trap _t_run_deferred EXIT
        trap 'exit 143' TERM
        cd "$T_TMP"
        "$fn" "$@"
    ) </dev/null >"$out" 2>&1 &
    pid=$!
    T_CASE_PID=$pid
    set +m
    local deadline=$((SECONDS + T_CASE_TIMEOUT)) timed_out=0 stat
    while read -r stat 2>/dev/null <"/proc/$pid/stat"; do
        stat=${stat##*) }
        [ "${stat%% *}" = Z ] && break
        if [ $SECONDS -ge $deadline ]; then
            if [ $timed_out -eq 0 ]; then
                timed_out=1
                kill -TERM -- "-$pid" 2>/dev/null
                deadline=$((SECONDS + 5))
            else
                kill -KILL -- "-$pid" 2>/dev/null
                break
            fi
        fi
        sleep 0.1
    done
    wait "$pid"
    rc=$?
    T_CASE_PID=
    eval "$saved_opts"

    local leaks=
    leaks=$(leak_check) || true

    local verdict=ok directive='' failed=0
    if [ $timed_out -eq 1 ]; then
        failed=1
        echo "case timed out after ${T_CASE_TIMEOUT}s (T_CASE_TIMEOUT)" >>"$out"
    elif [ $rc -eq 77 ] && [ -f "$dir/skip" ]; then
        directive=" # SKIP $(_t_tap_name "$(cat "$dir/skip")")"
    elif [ $rc -ne 0 ]; then
        failed=1
    fi
    if [ -n "$leaks" ]; then
        failed=1
        directive=
        printf '%s\n' "leak check: the case left these behind (now cleaned up):" "$leaks" >>"$out"
        _t_cleanup_leaks
    fi
    if [ $failed -eq 1 ]; then
        verdict="not ok"
        T_FAILED=$((T_FAILED + 1))
    fi
    printf '%s %d - %s%s\n' "$verdict" "$T_N" "$name" "$directive"
    if [ $failed -eq 1 ] || [ "$T_VERBOSE" = 1 ]; then
        t_diag <"$out"
    fi
    return 0
}

# Reports a case as skipped without running it.
t_skip() {
    T_N=$((T_N + 1))
    printf 'ok %d - %s # SKIP %s\n' "$T_N" "$(_t_tap_name "$1")" "$(_t_tap_name "${2:-}")"
}

# Inside a case: stop here and report the case as skipped with REASON.
# shellcheck disable=SC2031
skip() {
    printf '%s\n' "$*" >"$T_CASE_DIR/skip"
    exit 77
}

# Inside a case: run CMD... when the case ends, pass or fail, before the leak check
# (last registered runs first). E.g. `t_defer oci delete --force "$id"`.
# shellcheck disable=SC2031
t_defer() {
    T_DEFERRED+=("$(printf '%q ' "$@")")
}

_t_run_deferred() {
    local rc=$? i
    set +e
    trap - ERR
    for ((i = ${#T_DEFERRED[@]} - 1; i >= 0; i--)); do
        eval "${T_DEFERRED[i]}" || echo "deferred cleanup failed: ${T_DEFERRED[i]}"
    done
    exit "$rc"
}

_t_err_trap() {
    local rc=$? i
    {
        echo "failed (exit $rc): ${BASH_COMMAND}"
        for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
            case ${FUNCNAME[i]} in t_case | main) break ;; esac
            echo "  at ${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]} in ${FUNCNAME[i]}"
        done
    } >&2
}

# Prints the plan and exits: 1 if any case failed, else 0.
t_done() {
    printf '1..%d\n' "$T_N"
    [ "$T_FAILED" -eq 0 ] || exit 1
    exit 0
}

# Sets LAYOUT to the host's cgroup layout: v2 (unified), hybrid or v1 (legacy); skips the
# file on anything else.
t_require_cgroup_layout() {
    case $(stat -fc %T /sys/fs/cgroup 2>/dev/null) in
        cgroup2fs) LAYOUT=v2 ;;
        tmpfs)
            if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
                LAYOUT=hybrid
            else
                LAYOUT=v1
            fi
            ;;
        *) t_skip_all "/sys/fs/cgroup on the host is neither cgroup2 nor a tmpfs of hierarchies" ;;
    esac
    t_diag "host cgroup layout: $LAYOUT"
}

# --- containers and bundles ------------------------------------------------------------------

# Runs ocirun with this file's state root. Remembers the pid of each container it creates, so
# the leak check finds it even if its state dir is gone.
oci() {
    local rc=0
    "$OCIRUN" --root "$T_ROOT" "$@" || rc=$?
    if [ $rc -eq 0 ] && { [ "${1:-}" = create ] || [ "${1:-}" = run ]; } && [ $# -ge 2 ]; then
        local id=${!#} pid
        pid=$("$OCIRUN" --root "$T_ROOT" state "$id" 2>/dev/null | jq -r '.pid // empty' 2>/dev/null) || true
        if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -r "/proc/$pid/stat" ]; then
            echo "$pid $(_t_starttime "$pid")" >>"$T_TMP/pids"
        fi
    fi
    return $rc
}

# The state root's entries, one a line: containers' state dirs and whatever
# else a create left there. The seccomp cache (.seccomp-cache) is meant to stay,
# and so is the emptied directory a delete sets aside for the next create
# (.~spare): only what is inside it is listed.
state_dirs() {
    ls -A "$T_ROOT" 2>/dev/null | grep -vxF -e .seccomp-cache -e .~spare || true
    find "$T_ROOT/.~spare" -mindepth 1 -printf '.~spare/%P\n' 2>/dev/null || true
}

# Prints a fresh container id for this file: ${T_ID_PREFIX}<n>-HINT.
new_id() {
    local n
    n=$(($(cat "$T_TMP/id-seq") + 1))
    echo "$n" >"$T_TMP/id-seq"
    echo "${T_ID_PREFIX}${n}-${1:-c}"
}

# Creates bundle NAME under the temp dir and prints its path. config.json comes from
# `ocirun spec` (else specs/default); the root is $ROOTFS read-only, no terminal, the args are
# ARGS (default: probe all), and OCIRUN_TEST_TAG=<prefix> is added to the environment so the
# leak check can recognise the container's processes.
make_bundle() {
    local name=$1
    shift
    [ $# -gt 0 ] || set -- probe all
    local dir=$T_TMP/bundles/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    if ! { [ -n "$OCIRUN" ] && [ -x "$OCIRUN" ] && (cd "$dir" && "$OCIRUN" spec) >/dev/null 2>&1 \
            && [ -s "$dir/config.json" ]; }; then
        if [ -f "$SPECS_DIR/default/config.json" ]; then
            cp "$SPECS_DIR/default/config.json" "$dir/config.json"
        else
            echo "make_bundle: neither \`$OCIRUN spec\` nor $SPECS_DIR/default/config.json gave a config" >&2
            return 1
        fi
    fi
    # jq 1.6 parses options even after --args, so the args go in as named strings.
    local args jqargs=() i=0 a
    for a in "$@"; do
        jqargs+=(--arg "$i" "$a")
        i=$((i + 1))
    done
    args=$(jq -cn "${jqargs[@]}" '[$ARGS.named | to_entries[] | {k: (.key | tonumber), v: .value}]
                                  | sort_by(.k) | map(.v)') || return 1
    # shellcheck disable=SC2016 # jq variables
    edit_config "$dir" '
        .root = {path: $root, readonly: true}
        | .process.terminal = false
        | .process.args = $args
        | .process.env = ([(.process.env // [])[] | select(startswith("OCIRUN_TEST_TAG=") | not)]
                          + ["OCIRUN_TEST_TAG=" + $tag])' \
        --arg root "$ROOTFS" --argjson args "$args" --arg tag "$T_ID_PREFIX" || return 1
    echo "$dir"
}

# Edits BUNDLE/config.json in place with a jq FILTER; further arguments go to jq
# (e.g. --arg name value).
edit_config() {
    local bundle=$1 filter=$2
    shift 2
    local tmp
    tmp=$(mktemp "$bundle/.config.json.XXXXXX") || return 1
    if ! jq "$@" "$filter" "$bundle/config.json" >"$tmp"; then
        rm -f "$tmp"
        echo "edit_config: jq failed on $bundle/config.json with: $filter" >&2
        return 1
    fi
    mv "$tmp" "$bundle/config.json"
}

# Prints the value of KEY from probe output (the first `KEY=...` line); fails if absent.
probe_get() {
    local output=$1 key=$2 line
    while IFS= read -r line; do
        if [ "${line%%=*}" = "$key" ] && [ "$line" != "$key" ]; then
            printf '%s\n' "${line#*=}"
            return 0
        fi
    done <<<"$output"
    echo "probe_get: no '$key=' line in the output:" >&2
    printf '%s\n' "$output" | sed 's/^/    /' >&2
    return 1
}

# Polls CMD... every 0.1s until it succeeds; fails after TIMEOUT seconds.
wait_until() {
    local timeout=$1
    shift
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            echo "wait_until: still failing after ${timeout}s: $*" >&2
            return 1
        fi
        sleep 0.1
    done
}

# Succeeds when FILE has a line that is exactly LINE.
file_has_line() {
    grep -qxF -- "$2" "$1" 2>/dev/null
}

# Prints the status of container ID (from `ocirun state`).
status_of() {
    oci state "$1" | jq -r .status
}

# Prints the pid of container ID (from `ocirun state`).
pid_of() {
    oci state "$1" | jq -r .pid
}

# D1: succeeds when process PID runs from a view of the runtime that can never be written:
# a detached, read-only overlayfs (the link names the binary at the overlay's root, "/NAME")
# or a sealed memfd. EXPECT (optional) is "overlay" or "memfd". Prints the method.
assert_sealed_exe() {
    local pid=$1 expect=${2:-} link method
    link=$(readlink "/proc/$pid/exe")
    case $link in
        "/memfd:ocirun (deleted)") method=memfd ;;
        /*/* | *" (deleted)") echo "process $pid runs $link, not a sealed view" >&2; return 1 ;;
        /*) method=overlay ;;
        *) echo "process $pid runs $link" >&2; return 1 ;;
    esac
    [ -z "$expect" ] || [ "$expect" = "$method" ] || { echo "expected a $expect, got $link" >&2; return 1; }
    # The sealing itself, checked through the process's own exe: seals for a memfd
    # (F_GET_SEALS = 1034; SEAL 1, SHRINK 2, GROW 4, WRITE 8), and for an overlay its type
    # (0x794c7630) on a read-only mount.
    python3 - "/proc/$pid/exe" "$method" <<'PY' || return 1
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
if sys.argv[2] == "memfd":
    seals = fcntl.fcntl(fd, 1034)
    sys.exit(0 if seals & 15 == 15 else f"seals {seals}")
import ctypes
buf = ctypes.create_string_buffer(120)
if ctypes.CDLL(None, use_errno=True).fstatfs(fd, buf) != 0:
    sys.exit("fstatfs failed")
f_type = int.from_bytes(buf.raw[:8], "little")
if f_type != 0x794C7630:
    sys.exit(f"filesystem type {f_type:#x}, not overlayfs")
if not os.fstatvfs(fd).f_flag & os.ST_RDONLY:
    sys.exit("the overlay mount is writable")
PY
    local rc=0
    (exec 3>>"/proc/$pid/exe") 2>/dev/null || rc=$?
    [ "$rc" -ne 0 ] || { echo "/proc/$pid/exe opened for writing" >&2; return 1; }
    echo "$method"
}

# Succeeds when container ID has status STATUS.
has_status() {
    [ "$(status_of "$1" 2>/dev/null)" = "$2" ]
}

# --- assertions --------------------------------------------------------------------------------
# Each prints what differed on stderr and returns 1, which fails the case under set -e.

_t_show() {
    printf '%s\n' "$2" | sed "s/^/    $1| /" >&2
}

assert_eq() {
    local expected=$1 actual=$2 msg=${3:-}
    [ "$expected" = "$actual" ] && return 0
    echo "assert_eq failed${msg:+: $msg}" >&2
    _t_show expected "$expected"
    _t_show "  actual" "$actual"
    return 1
}

assert_contains() {
    local haystack=$1 needle=$2 msg=${3:-}
    [[ $haystack == *"$needle"* ]] && return 0
    echo "assert_contains failed${msg:+: $msg}: '$needle' not found in:" >&2
    _t_show text "$haystack"
    return 1
}

assert_not_contains() {
    local haystack=$1 needle=$2 msg=${3:-}
    [[ $haystack != *"$needle"* ]] && return 0
    echo "assert_not_contains failed${msg:+: $msg}: '$needle' found in:" >&2
    _t_show text "$haystack"
    return 1
}

# Runs CMD... capturing stdout in $OUT, stderr in $ERR and the status in $RC.
_t_capture() {
    local o e
    o=$(mktemp "$T_TMP/out.XXXXXX") && e=$(mktemp "$T_TMP/err.XXXXXX") || return 1
    RC=0
    "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    rm -f "$o" "$e"
}

# Expects CMD... to exit non-zero; sets $OUT, $ERR and $RC for further checks.
assert_fails() {
    _t_capture "$@" || return 1
    [ "$RC" -ne 0 ] && return 0
    echo "assert_fails failed: this succeeded: $*" >&2
    _t_show stdout "$OUT"
    _t_show stderr "$ERR"
    return 1
}

# Expects CMD... to exit with CODE; sets $OUT, $ERR and $RC.
assert_exit() {
    local code=$1
    shift
    _t_capture "$@" || return 1
    [ "$RC" -eq "$code" ] && return 0
    echo "assert_exit failed: expected exit $code, got $RC from: $*" >&2
    _t_show stdout "$OUT"
    _t_show stderr "$ERR"
    return 1
}

# --- leak check --------------------------------------------------------------------------------

_t_starttime() {
    local stat
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
    stat=${stat##*) }
    # Fields after the comm start at field 3 (state); starttime is field 22.
    # shellcheck disable=SC2086
    set -- $stat
    echo "${20:-}"
}

# Pids of processes that belong to this file's tests: their cmdline names the temp dir, their
# environment carries the bundle tag, their cgroup is named after a test id, or `oci` saw them
# created; plus all their descendants. The patterns go to grep through a file so that grep's
# own command line does not match.
_t_test_pids() {
    local self=$BASHPID
    {
        grep -laF -f <(printf '%s\n' "$T_TMP") /proc/[0-9]*/cmdline
        grep -laF -f <(printf 'OCIRUN_TEST_TAG=%s\n' "$T_ID_PREFIX") /proc/[0-9]*/environ
        grep -laF -f <(printf '%s\n' "$T_ID_PREFIX") /proc/[0-9]*/cgroup
    } 2>/dev/null | cut -d/ -f3 >"$T_TMP/.seeds"
    local pid start
    while read -r pid start; do
        [ -n "$pid" ] && [ "$(_t_starttime "$pid")" = "$start" ] && echo "$pid"
    done <"$T_TMP/pids" >>"$T_TMP/.seeds"
    # Descendants of the seeds, minus this shell and its ancestors (the test itself).
    grep -H '^PPid:' /proc/[0-9]*/status 2>/dev/null |
        awk -v self="$self" -v seeds="$T_TMP/.seeds" '
            { split($0, p, "/"); pid = p[3]; ppid = $2; parent[pid] = ppid; kids[ppid] = kids[ppid] " " pid }
            END {
                while ((getline s < seeds) > 0) if (s in parent) want[s] = 1
                do { grown = 0
                     for (w in want) { n = split(kids[w], k, " "); for (i = 1; i <= n; i++) if (!(k[i] in want)) { want[k[i]] = 1; grown = 1 } }
                } while (grown)
                for (q = self; q != "" && q != 0; q = parent[q]) delete want[q]
                for (w in want) print w
            }' | sort -n
}

# One line per thing this file's tests own right now: state dirs, mounts, cgroups, processes.
_t_leak_state() {
    # The seccomp cache (.seccomp-cache) outlives containers by design, and so does the empty
    # directory a delete sets aside for the next create (.~spare): what is inside it counts.
    local root
    for root in "$T_ROOT" "${T_STATE_ROOTS[@]}"; do
        [ -d "$root" ] && find "$root" -mindepth 1 -maxdepth 1 ! -name .seccomp-cache ! -name .~spare -printf 'state %p\n'
        [ -d "$root/.~spare" ] && find "$root/.~spare" -mindepth 1 -printf 'state %p\n'
    done
    awk -v a="$T_TMP" -v b="$ROOTFS" 'index($5, a) || index($5, b) { print "mount " $5 " (mount id " $1 ")" }' \
        /proc/self/mountinfo
    # A cgroup named after a test id, or a child of an ocirun* cgroup (default cgroup paths)
    # unless it is named after another test file's ids (files may run at the same time), or
    # with T_LEAK_DEFAULT_CGROUPS=0 (engines name their own) only the former.
    if [ "${T_LEAK_DEFAULT_CGROUPS:-1}" = 1 ]; then
        find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d \
            \( -name "*${T_ID_PREFIX}*" -o \( \( -path '/sys/fs/cgroup/*/ocirun*/*' -o -path '/sys/fs/cgroup/ocirun*/*' \) \
            ! -name 'oct[0-9]*-[0-9]*-*' \) \) -printf 'cgroup %p\n' 2>/dev/null
    else
        find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "*${T_ID_PREFIX}*" -printf 'cgroup %p\n' 2>/dev/null
    fi
    local pid cmd
    for pid in $(_t_test_pids); do
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
        echo "process $pid: ${cmd:0:120}"
    done
    # A file may own more (an engine's containers, its cgroups): it defines these two.
    if declare -F t_extra_leak_state >/dev/null; then t_extra_leak_state; fi
    return 0
}

# The shared rootfs is read-only to every test (a mount destination missing from it would be
# created there): its top two levels must not change during a case.
_t_rootfs_state() {
    [ -d "$ROOTFS" ] && find "$ROOTFS" -mindepth 1 -maxdepth 2 -printf 'rootfs entry %p\n' 2>/dev/null
    return 0
}

leak_snapshot() {
    { _t_leak_state; _t_rootfs_state; } | sort >"$T_TMP/leak.before"
}

# Prints what exists now that did not at leak_snapshot and returns 1, after giving it
# T_LEAK_SETTLE seconds to go away (a killed process is reaped asynchronously).
leak_check() {
    local deadline=$((SECONDS + T_LEAK_SETTLE)) new
    # No command runs beside the scan with the temp dir in its command line: it would be
    # taken for a test process.
    while :; do
        { _t_leak_state; _t_rootfs_state; } | sort >"$T_TMP/leak.after"
        new=$(comm -13 "$T_TMP/leak.before" "$T_TMP/leak.after")
        [ -z "$new" ] && return 0
        [ $SECONDS -ge $deadline ] && break
        sleep 0.2
    done
    printf '%s\n' "$new" | sed 's/^/  leaked /'
    return 1
}

# --- an unprivileged user of the file's own ----------------------------------------------------
# test_rootless.sh and the attack suite's rootless mode run ocirun as a user they create, with a
# subordinate id range, in a clean environment. Each file removes it at exit (rl_remove_user)
# in the order its cleanup needs.

RL_CREATED=0

# Creates user NAME with a group of its own and a 65536-id subordinate range past every range
# given out, the same in /etc/subuid and /etc/subgid so that one mapping serves uids and gids
# (it replaces any range useradd added). Sets RL_USER, RL_UID, RL_GID, RL_SUB_START,
# RL_SUB_COUNT, and the paths the user is to own under $T_TMP/user: RL_DIR, RL_HOME, RL_XDG,
# RL_ROOT (its default state root) and RL_ROOTFS. The caller makes and gives them.
# shellcheck disable=SC2034 # the RL_ variables are for the caller
rl_create_user() {
    RL_USER=$1
    RL_DIR=$T_TMP/user
    RL_HOME=$RL_DIR/home
    RL_XDG=$RL_DIR/xdg
    RL_ROOT=$RL_XDG/ocirun
    RL_ROOTFS=$RL_DIR/rootfs
    useradd --no-create-home --user-group --shell /bin/sh --home-dir "$RL_HOME" "$RL_USER" >/dev/null 2>&1 ||
        t_bail_out "useradd $RL_USER failed"
    RL_CREATED=1
    RL_UID=$(id -u "$RL_USER")
    RL_GID=$(id -g "$RL_USER")
    local start
    start=$(cat /etc/subuid /etc/subgid 2>/dev/null |
        awk -F: 'BEGIN { m = 1000000 } NF >= 3 && $2 + $3 > m { m = $2 + $3 } END { print int((m + 65535) / 65536) * 65536 }')
    sed -i "/^${RL_USER}:/d" /etc/subuid /etc/subgid 2>/dev/null
    usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$RL_USER" ||
        t_bail_out "usermod --add-subuids for $RL_USER failed"
    RL_SUB_START=$start
    RL_SUB_COUNT=65536
}

# Kills what the user still runs (by pid: every process of this user is one the file
# started), then removes the user, its group and its subordinate id ranges.
rl_remove_user() {
    [ "$RL_CREATED" = 1 ] || return 0
    local pid i f
    for i in 1 2 3 4 5; do
        pid=$(ps -o pid= -u "$RL_UID" 2>/dev/null | tr -d ' ')
        [ -n "$pid" ] || break
        # shellcheck disable=SC2086 # one pid per word
        kill -KILL $pid 2>/dev/null
        sleep 0.2
    done
    userdel "$RL_USER" >/dev/null 2>&1 || userdel -f "$RL_USER" >/dev/null 2>&1
    groupdel "$RL_USER" >/dev/null 2>&1
    # userdel removes the user's ranges where shadow supports subordinate ids; make sure.
    for f in /etc/subuid /etc/subgid; do
        if [ -f "$f" ] && grep -q "^${RL_USER}:" "$f"; then sed -i "/^${RL_USER}:/d" "$f"; fi
    done
    RL_CREATED=0
}

# Runs CMD... as the user, with a clean login-like environment (VAR=value words may come first).
as_user() {
    setpriv --reuid "$RL_UID" --regid "$RL_GID" --init-groups -- \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$RL_HOME" \
        USER="$RL_USER" LOGNAME="$RL_USER" XDG_RUNTIME_DIR="$RL_XDG" "$@"
}

# $OCIRUN as the user, with its default state root; like oci, it remembers the pid of each
# container it creates for the leak check.
uoci() {
    local rc=0
    as_user "$OCIRUN" "$@" || rc=$?
    if [ "$rc" -eq 0 ] && { [ "${1:-}" = create ] || [ "${1:-}" = run ]; } && [ $# -ge 2 ]; then
        local id=${!#} pid
        pid=$(as_user "$OCIRUN" state "$id" 2>/dev/null | jq -r '.pid // empty' 2>/dev/null) || true
        if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -r "/proc/$pid/stat" ]; then
            echo "$pid $(_t_starttime "$pid")" >>"$T_TMP/pids"
        fi
    fi
    return "$rc"
}

# --- cleanup -----------------------------------------------------------------------------------

# Removes whatever this file's tests own: containers (through ocirun, then by force), test
# processes, cgroups, mounts. Each step is bounded in time; a broken runtime must not hang it.
_t_cleanup_leaks() {
    local id pid root
    for root in "$T_ROOT" "${T_STATE_ROOTS[@]}"; do
        if [ -n "$OCIRUN" ] && [ -x "$OCIRUN" ] && [ -d "$root" ]; then
            {
                timeout 10 "$OCIRUN" --root "$root" list --format json 2>/dev/null | jq -r '.[]?.id // empty' 2>/dev/null
                find "$root" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
            } | sort -u | while read -r id; do
                [ -n "$id" ] || continue
                timeout 10 "$OCIRUN" --root "$root" kill "$id" KILL >/dev/null 2>&1
                timeout 10 "$OCIRUN" --root "$root" delete --force "$id" >/dev/null 2>&1
            done
        fi
    done
    if declare -F t_extra_cleanup >/dev/null; then t_extra_cleanup; fi
    for pid in $(_t_test_pids); do
        kill -KILL "$pid" 2>/dev/null
    done
    local i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        [ -z "$(_t_test_pids)" ] && break
        sleep 0.2
    done
    find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -depth -type d -name "*${T_ID_PREFIX}*" \
        -exec rmdir {} + 2>/dev/null
    awk -v a="$T_TMP" -v b="$ROOTFS" 'index($5, a) || index($5, b) { print length($5), $5 }' /proc/self/mountinfo |
        sort -rn | cut -d' ' -f2- | while read -r mnt; do
            umount -l "$(printf '%b' "$mnt")" 2>/dev/null
        done
    for root in "$T_ROOT" "${T_STATE_ROOTS[@]}"; do
        [ -d "$root" ] && find "$root" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + 2>/dev/null
    done
    return 0
}

t_cleanup_file() {
    local rc=$?
    trap - EXIT TERM INT
    # Interrupted during a case (meson's timeout sends SIGTERM): stop the case first.
    if [ -n "$T_CASE_PID" ]; then
        kill -TERM -- "-$T_CASE_PID" 2>/dev/null
        sleep 0.5
        kill -KILL -- "-$T_CASE_PID" 2>/dev/null
        wait "$T_CASE_PID" 2>/dev/null
    fi
    if [ -n "$T_TMP" ] && [ -d "$T_TMP" ]; then
        local left
        left=$(_t_leak_state)
        if [ -n "$left" ]; then
            t_diag "cleanup at exit removed:" "$left"
            _t_cleanup_leaks
        fi
        rm -rf --one-file-system "$T_TMP"
    fi
    exit "$rc"
}
