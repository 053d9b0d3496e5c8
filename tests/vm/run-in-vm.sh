#!/bin/bash
# run-in-vm.sh — runs integration test files (tests/integration/*.sh, bash TAP files) inside ONE
# throw-away VM whose cgroup hierarchy is pure cgroup v2 (booted by vm-run.sh with
# cgroup_no_v1=all), and relays their results as one TAP stream on stdout.
#
# Usage: run-in-vm.sh [--systemd] [FILE...]
#   FILE: a file name in tests/integration/ (default: the names listed in tests/vm/vm-tests.txt,
#   one per line, # comments allowed).
#   --systemd: boot systemd as PID 1 (vm-run.sh --systemd; the files run inside vmrun.service);
#   cases are then named "<file> [systemd-vm] <case>", and a case of its own checks that systemd
#   is PID 1 in the VM.
#
# Output: one TAP stream, numbered across the files, each case named
# "<file> [cgroup2-vm] <case>", the plan last. First comes a case of its own: /sys/fs/cgroup in
# the VM is cgroup2 (if it is not, the files are reported as skipped and that case fails).
# A file that bails out, has no plan, does not run as many cases as its plan says, exits non-zero
# without a failed case, or does not finish (VM timeout or crash) gives a `not ok`.
# If no VM can start here (not root, qemu or a 9p-capable kernel missing, the boot fails or
# stalls), the whole run is skipped: `1..0 # SKIP no VM: <reason>`, exit 0 — never a pass. An
# early exit of vm-run.sh other than 124/125 (its own fault, not the host's) is a `not ok`.
# Exit status: 0 when nothing failed (or skipped), 1 otherwise.
#
# Inside the VM: the host's / read-only over 9p with a tmpfs overlay (writes stay in the VM), so
# the build tree, the rootfs and the tools are at the same paths; the tests write only /tmp.
# Environment, as meson gives the integration tests: OCIRUN, ROOTFS, SPECS_DIR (defaults: the
# tree built in build/, as lib.sh's); T_VERBOSE, T_CASE_TIMEOUT (default 300 in the VM: TCG is
# slow), T_LEAK_SETTLE (default 10 in the VM) are passed on.
# CGROUP2_VM_TIMEOUT: seconds for the whole VM run (default 1500); the VM is killed after that.
# VMRUN_* variables tune vm-run.sh (see its header), e.g. VMRUN_MEM, VMRUN_CPUS.
# CGROUP2_VM_RUNNER: a command to use instead of vm-run.sh, given the same arguments (to test
# this script's relay without a VM).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
TAG="[cgroup2-vm]"
MARK="#@cgroup2-vm@" # the guest's markers; TAP comments should one ever get through
SYSTEMD=0
if [ "${1:-}" = --systemd ]; then
    SYSTEMD=1 TAG="[systemd-vm]"
    shift
fi

# ------------------------------------------------------------------------------------ guest ---
# Runs inside the VM: says it booted, checks the cgroup layout, runs each file between markers.
if [ "${1:-}" = --guest ]; then
    shift
    echo "$MARK boot $(uname -r)"
    echo "$MARK pid1 $(cat /proc/1/comm 2>&1)"
    fstype=$(stat -fc %T /sys/fs/cgroup 2>&1)
    if [ "$fstype" != cgroup2fs ]; then
        echo "$MARK cgroup2 fail $fstype"
        exit 0
    fi
    echo "$MARK cgroup2 ok $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)"
    for f in "$@"; do
        echo "$MARK begin $f"
        rc=0
        bash "$SRC/tests/integration/$f" </dev/null || rc=$?
        echo "$MARK end $f $rc"
    done
    exit 0
fi

# ------------------------------------------------------------------------------------- host ---
files=()
if [ $# -gt 0 ]; then
    files=("$@")
else
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        line=${line//[[:space:]]/}
        [ -n "$line" ] && files+=("$line")
    done <"$HERE/vm-tests.txt"
fi

skip_all() {
    local reason=${*//#/ }
    printf '1..0 # SKIP %s\n' "${reason//$'\n'/ }"
    exit 0
}
[ "$(id -u)" -eq 0 ] || skip_all "no VM: needs root (vm-run.sh exports / over 9p with the caller's rights)"
[ ${#files[@]} -gt 0 ] || { echo "Bail out! no test files given and none listed in $HERE/vm-tests.txt"; exit 1; }
for f in "${files[@]}"; do
    [ -f "$SRC/tests/integration/$f" ] || { echo "Bail out! no test file tests/integration/$f"; exit 1; }
done

: "${OCIRUN:=}"
if [ -z "$OCIRUN" ] && [ -x "$SRC/build/runtime/ocirun" ]; then OCIRUN=$SRC/build/runtime/ocirun; fi
: "${ROOTFS:=$SRC/build/tests/rootfs/rootfs}"
: "${SPECS_DIR:=$SRC/specs}"
abs() { [ -z "$1" ] || realpath -m -- "$1"; }
envs=(-e "OCIRUN=$(abs "$OCIRUN")" -e "ROOTFS=$(abs "$ROOTFS")" -e "SPECS_DIR=$(abs "$SPECS_DIR")"
    -e "T_CASE_TIMEOUT=${T_CASE_TIMEOUT:-300}" -e "T_LEAK_SETTLE=${T_LEAK_SETTLE:-10}"
    -e "T_VERBOSE=${T_VERBOSE:-0}")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/run-in-vm.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
VMPID=""
cleanup() {
    [ -z "$VMPID" ] || kill -TERM "$VMPID" 2>/dev/null
    [ -z "$VMPID" ] || wait "$VMPID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# The guest mounts fresh tmpfs on /tmp and /run, hiding a checkout there (a CI clone):
# share it at the same path then.
shares=()
case $SRC/ in
    /tmp/* | /run/*) shares=(--rw "$SRC") ;;
esac

mkfifo "$TMP/out"
T0=$SECONDS
vm_args=()
[ "$SYSTEMD" = 0 ] || vm_args=(--systemd)
VMRUN_TIMING=1 "${CGROUP2_VM_RUNNER:-$HERE/vm-run.sh}" "${vm_args[@]}" -t "${CGROUP2_VM_TIMEOUT:-1500}" -C "$SRC" "${shares[@]}" "${envs[@]}" -- \
    bash "$HERE/run-in-vm.sh" --guest "${files[@]}" >"$TMP/out" 2> >(tee "$TMP/err" >&2) &
VMPID=$!

# --- the relay: the guest's TAP, renumbered, as one stream ---
N=0 FAILED=0 BOOTED=0
cur="" cur_n=0 cur_plan="" cur_failed=0 cur_bailed=0
declare -A done_files=()

_name() { # TAP descriptions end at a '#' and at a newline
    local s=${1//#/ }
    printf '%s' "${s//$'\n'/ }"
}
# emit VERDICT NAME [DIRECTIVE]: one result line; a "not ok" counts unless it is a TODO.
emit() {
    N=$((N + 1))
    printf '%s %d - %s%s\n' "$1" "$N" "$(_name "$2")" "${3:+ # $3}"
    if [ "$1" != ok ] && [[ ${3:-} != [Tt][Oo][Dd][Oo]* ]]; then FAILED=$((FAILED + 1)); fi
    return 0
}
end_file() { # RC
    local rc=$1
    if [ "$cur_bailed" = 1 ]; then
        :
    elif [ -z "$cur_plan" ]; then
        emit "not ok" "$cur $TAG has a plan"
        printf '# %s exited %s without a TAP plan\n' "$cur" "$rc"
    elif [ "$cur_plan" != 0 ] && [ "$cur_plan" != "$cur_n" ]; then
        emit "not ok" "$cur $TAG ran as many cases as planned"
        printf '# plan 1..%s, %s cases reported\n' "$cur_plan" "$cur_n"
    elif [ "$rc" != 0 ] && [ "$cur_failed" = 0 ]; then
        emit "not ok" "$cur $TAG exits 0"
        printf '# %s exited %s with no failed case\n' "$cur" "$rc"
    fi
    done_files[$cur]=1
    cur=""
}

re_result='^(not ok|ok)([[:space:]]+[0-9]+)?([[:space:]]*-)?[[:space:]]*(.*)$'
re_plan='^1\.\.([0-9]+)[[:space:]]*(#[[:space:]]*([Ss][Kk][Ii][Pp])[^[:space:]]*[[:space:]]*(.*))?'
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        "$MARK boot "*)
            BOOTED=1
            printf '# %s: booted kernel %s after %ss\n' "${TAG:1:-1}" "${line#"$MARK boot "}" $((SECONDS - T0))
            continue ;;
        "$MARK pid1 "*)
            if [ "$SYSTEMD" = 1 ]; then
                pid1=${line#"$MARK pid1 "}
                if [ "$pid1" = systemd ]; then
                    emit ok "run-in-vm.sh $TAG systemd is PID 1 in the VM"
                else
                    emit "not ok" "run-in-vm.sh $TAG systemd is PID 1 in the VM"
                    printf '# PID 1 in the VM: %s\n' "$pid1"
                fi
            fi
            continue ;;
        "$MARK cgroup2 ok"*)
            emit ok "run-in-vm.sh $TAG /sys/fs/cgroup in the VM is cgroup2"
            printf '# %s: controllers:%s\n' "${TAG:1:-1}" "${line#"$MARK cgroup2 ok"}"
            continue ;;
        "$MARK cgroup2 fail"*)
            emit "not ok" "run-in-vm.sh $TAG /sys/fs/cgroup in the VM is cgroup2"
            printf '# /sys/fs/cgroup in the VM: %s\n' "${line#"$MARK cgroup2 fail "}"
            for f in "${files[@]}"; do
                emit ok "$f $TAG" "SKIP not run: /sys/fs/cgroup in the VM is not cgroup2"
                done_files[$f]=1
            done
            continue ;;
        "$MARK begin "*)
            [ -z "$cur" ] || end_file "(no end marker)"
            cur=${line#"$MARK begin "} cur_n=0 cur_plan="" cur_failed=0 cur_bailed=0
            printf '# %s: %s (at %ss)\n' "${TAG:1:-1}" "$cur" $((SECONDS - T0))
            continue ;;
        "$MARK end "*)
            rest=${line#"$MARK end "}
            [ -n "$cur" ] && printf '# %s: %s ended (at %ss)\n' "${TAG:1:-1}" "$cur" $((SECONDS - T0))
            [ -n "$cur" ] && end_file "${rest##* }"
            continue ;;
    esac
    if [ -z "$cur" ]; then
        printf '# %s\n' "$line"
    elif [ "$cur_bailed" = 1 ]; then
        printf '# %s\n' "$line"
    elif [[ $line =~ $re_result ]]; then
        verdict=${BASH_REMATCH[1]} rest=${BASH_REMATCH[4]} directive=""
        if [[ $rest == *"#"* ]]; then
            directive=${rest#*#}
            directive=${directive#"${directive%%[![:space:]]*}"}
            rest=${rest%%#*}
        fi
        rest=${rest%"${rest##*[![:space:]]}"}
        cur_n=$((cur_n + 1))
        if [ "$verdict" = "not ok" ] && [[ $directive != [Tt][Oo][Dd][Oo]* ]]; then
            cur_failed=$((cur_failed + 1))
        fi
        emit "$verdict" "$cur $TAG $rest" "$directive"
    elif [[ $line =~ $re_plan ]]; then
        cur_plan=${BASH_REMATCH[1]}
        if [ "$cur_plan" = 0 ]; then
            emit ok "$cur $TAG" "SKIP ${BASH_REMATCH[4]:-no cases}"
        fi
    elif [[ $line == "Bail out!"* ]]; then
        cur_bailed=1
        emit "not ok" "$cur $TAG ${line}"
    elif [[ $line == "#"* ]]; then
        printf '%s\n' "$line"
    else
        printf '# %s\n' "$line"
    fi
done <"$TMP/out"

rc=0
wait "$VMPID" || rc=$?
VMPID=""
sleep 0.2 # let tee finish the stderr copy
why=$(grep '^vm-run: ' "$TMP/err" | grep -v '^vm-run: accel=' | tail -n 1)
why=${why#vm-run: }
why=${why%; console tail:}
# vm-run.sh says 125 when the host cannot give a VM; any other early exit is a
# fault of the script itself, which must not pass for a host limit.
if [ "$BOOTED" = 0 ] && [ "$rc" != 125 ] && [ "$rc" != 124 ]; then
    echo "not ok 1 - run-in-vm.sh $TAG vm-run.sh failed before the tests started (status $rc)${why:+: $why}"
    echo "1..1"
    exit 1
fi
if [ "$BOOTED" = 0 ]; then
    skip_all "no VM: ${why:-vm-run.sh exited $rc before the tests started}"
fi
case $rc in
    0) how="" ;;
    124) how="the VM timed out after ${CGROUP2_VM_TIMEOUT:-1500}s (CGROUP2_VM_TIMEOUT)" ;;
    *) how="the VM ended with status $rc${why:+: $why}" ;;
esac
if [ -n "$cur" ]; then
    emit "not ok" "$cur $TAG finished"
    printf '# %s\n' "${how:-the guest stopped in the middle of $cur}"
    done_files[$cur]=1
    cur=""
elif [ -n "$how" ]; then
    emit "not ok" "run-in-vm.sh $TAG the VM run ends cleanly"
    printf '# %s\n' "$how"
fi
for f in "${files[@]}"; do
    if [ -z "${done_files[$f]:-}" ]; then
        emit "not ok" "$f $TAG ran"
        printf '# not run: %s\n' "${how:-the guest never started it}"
        done_files[$f]=1
    fi
done
printf '# %s: %ss in all (boot, tests, shutdown)\n' "${TAG:1:-1}" $((SECONDS - T0))
printf '1..%d\n' "$N"
[ "$FAILED" -eq 0 ]
